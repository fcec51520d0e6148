"""maintenance's repository: the only module of the service that touches its database."""
from estate_common import replica, store
from estate_common.errors import NotFound
from estate_common.store import DuplicateKeyError

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]

INDEXES = {
    **replica.INDEXES,
    "work_orders": [
        (PAGED, {}),
        ([("estate_id", 1), ("request_id", 1)], {}),
        ([("estate_id", 1), ("status", 1)], {}),
    ],
}


def work_order_exists(db, order_id):
    return db.work_orders.count_documents({"_id": order_id}, limit=1) > 0


def next_number(db, estate_id, series):
    return store.next_number(db, estate_id, series)


def insert_work_order(db, order):
    """False when the order was there already (the same source, delivered twice)."""
    try:
        db.work_orders.insert_one(order)
        return True
    except DuplicateKeyError:
        return False


def get_work_order(db, estate_id, order_id):
    order = db.work_orders.find_one({"_id": order_id, "estate_id": estate_id})
    if order is None:
        raise NotFound("no such work order in this estate")
    return order


def list_work_orders(db, estate_id, filters, limit, cursor):
    return store.page(db.work_orders, {"estate_id": estate_id, **filters}, limit, cursor)
