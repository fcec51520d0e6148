"""maintenance's repository: the only module of the service that touches its database."""
from estate_common import common_store, replica, settings, store
from estate_common.errors import Conflict

from .rules import DEFAULTS

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]

INDEXES = {
    **replica.INDEXES,
    "work_orders": [
        (PAGED, {}),
        ([("estate_id", 1), ("request_id", 1)], {}),
        ([("estate_id", 1), ("status", 1)], {}),
        ([("estate_id", 1), ("reported_at", 1)], {}),
        ([("estate_id", 1), ("completed_at", 1)], {}),
    ],
    "equipment": [(PAGED, {}), ([("estate_id", 1), ("system", 1)], {})],
    "maintenance_plans": [(PAGED, {}), ([("estate_id", 1), ("next_due_on", 1)], {})],
    "budgets": [([("estate_id", 1), ("period", 1)], {})],
    "renovation_reviews": [(PAGED, {}), ([("estate_id", 1), ("status", 1)], {})],
    **settings.INDEXES,
}

WHAT = {"work_orders": "work order", "equipment": "equipment", "maintenance_plans": "maintenance plan",
        "budgets": "budget", "renovation_reviews": "renovation review"}

# list filters as the API names them -> the stored field
WORK_ORDER_FILTERS = {"request_id": "request_id", "status": "status", "priority": "priority",
                      "equipment_id": "equipment_id", "source_type": "source.type"}

# service.py hands a written document's events to the outbox through here, naming the collection
announce = common_store.announce


def next_number(db, estate_id, series):
    return store.next_number(db, estate_id, series)


# -- settings -----------------------------------------------------------------------

def rules_for(db, estate_id):
    """The estate's numbers (its settings over DEFAULTS) and its ``timezone``, the estate's
    calendar: master data from archive (the read copy), not a setting of this service."""
    return settings.for_estate(db, DEFAULTS, estate_id) | {"timezone": replica.estate_timezone(db, estate_id)}


# -- any collection: by id in an estate, referenced by a body, inserted once -------------

_named = store.Collections(WHAT)
find, get, referenced, insert = _named.find, _named.get, _named.referenced, _named.insert


# -- work orders --------------------------------------------------------------------

def work_order_exists(db, order_id):
    return db.work_orders.count_documents({"_id": order_id}, limit=1) > 0


def list_work_orders(db, estate_id, filters, limit, cursor):
    query = {WORK_ORDER_FILTERS[name]: value for name, value in filters.items()}
    return store.page(db.work_orders, {"estate_id": estate_id, **query}, limit, cursor)


def apply_step(db, order, changes, entry, events=()):
    """Write one step of an order, with its events in the same write; refused (409) when the
    order changed since it was read, so two concurrent steps cannot both pass the state table."""
    revision = order.get("_rev", 0)
    update = {"$set": {**changes, "_rev": revision + 1}, "$push": {"history": entry}}
    if events:
        update["$push"]["_outbox"] = {"$each": list(events)}
    done = db.work_orders.update_one({"_id": order["_id"], "estate_id": order["estate_id"], "_rev": revision}, update)
    if done.matched_count == 0:
        raise Conflict("the work order changed meanwhile; read it again")
    written = {**order, **changes, "_rev": revision + 1, "history": [*order["history"], entry]}
    written["_outbox"] = [*order.get("_outbox", []), *events]
    return written


def orders_reported_in(db, estate_id, start, end):
    return list(db.work_orders.find({"estate_id": estate_id, "reported_at": {"$gte": start, "$lt": end}}))


def orders_completed_in(db, estate_id, start, end):
    return list(db.work_orders.find({"estate_id": estate_id, "status": "completed",
                                     "completed_at": {"$gte": start, "$lt": end}}))


# -- equipment ledger -----------------------------------------------------------------

def list_equipment(db, estate_id, filters, limit, cursor):
    return store.page(db.equipment, {"estate_id": estate_id, **filters}, limit, cursor)


def add_equipment_record(db, estate_id, equipment_id, record, stamp):
    """Add a record once: a record id already on the ledger (a retry) is not added again."""
    db.equipment.update_one(
        {"_id": equipment_id, "estate_id": estate_id, "records.id": {"$ne": record["id"]}},
        {"$push": {"records": record}, "$set": {"updated_at": stamp}})
    return get(db, "equipment", estate_id, equipment_id)


# -- preventive plans -----------------------------------------------------------------

def list_plans(db, estate_id, filters, limit, cursor):
    return store.page(db.maintenance_plans, {"estate_id": estate_id, **filters}, limit, cursor)


def estates_with_plans(db):
    return sorted(db.maintenance_plans.distinct("estate_id", {"active": True}))


def plans_due(db, estate_id, until):
    return list(db.maintenance_plans.find({"estate_id": estate_id, "active": True, "next_due_on": {"$lte": until}}))


def advance_plan(db, plan, next_due_on, last_order_id, stamp):
    """Move the plan on, once: another scheduler that moved it first wins."""
    db.maintenance_plans.update_one(
        {"_id": plan["_id"], "estate_id": plan["estate_id"], "next_due_on": plan["next_due_on"]},
        {"$set": {"next_due_on": next_due_on, "last_work_order_id": last_order_id, "updated_at": stamp}})


# -- budgets --------------------------------------------------------------------------

def save_budget(db, budget):
    db.budgets.replace_one({"_id": budget["_id"]}, budget, upsert=True)


# -- renovation reviews ---------------------------------------------------------------

def list_reviews(db, estate_id, filters, limit, cursor):
    return store.page(db.renovation_reviews, {"estate_id": estate_id, **filters}, limit, cursor)


def decide_review(db, review, changes, entry, events):
    """The decision and its event in one write; only a review still pending is decided."""
    done = db.renovation_reviews.update_one(
        {"_id": review["_id"], "estate_id": review["estate_id"], "status": review["status"]},
        {"$set": changes, "$push": {"history": entry, "_outbox": {"$each": list(events)}}})
    if done.matched_count == 0:
        raise Conflict("the review was decided meanwhile")
    return {**review, **changes, "history": [*review["history"], entry],
            "_outbox": [*review.get("_outbox", []), *events]}

