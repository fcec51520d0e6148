"""archive's repository: the only module of the service that touches its database."""
from estate_common import store
from estate_common.errors import Conflict, NotFound
from estate_common.store import DuplicateKeyError

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]

INDEXES = {
    "estates": [(PAGED, {})],
    "households": [(PAGED, {}), ([("estate_id", 1), ("building", 1), ("unit", 1), ("room", 1)], {})],
    "records": [(PAGED, {}), ([("estate_id", 1), ("subject_id", 1)], {}),
                ([("estate_id", 1), ("subject_type", 1), ("occurred_at", 1)], {})],
    "change_log": [(PAGED, {}), ([("estate_id", 1), ("subject_id", 1)], {})],
}


def insert_estate(db, estate):
    try:
        db.estates.insert_one(estate)
    except DuplicateKeyError:
        raise Conflict(f"an estate with code {estate['code']} exists",
                       [{"field": "data.code", "message": "is already taken"}]) from None


def get_estate(db, estate_id):
    estate = db.estates.find_one({"_id": estate_id, "estate_id": estate_id})
    if estate is None:
        raise NotFound("no such estate")
    return estate


def list_estates(db, scope_filter, limit, cursor):
    return store.page(db.estates, scope_filter, limit, cursor)


def insert_household(db, household):
    try:
        db.households.insert_one(household)
    except DuplicateKeyError:
        raise Conflict("this building, unit and room is registered already",
                       [{"field": "data.room", "message": "is already registered"}]) from None


def get_household(db, estate_id, household_id):
    household = db.households.find_one({"_id": household_id, "estate_id": estate_id})
    if household is None:
        raise NotFound("no such household in this estate")
    return household


def list_households(db, estate_id, filters, limit, cursor):
    return store.page(db.households, {"estate_id": estate_id, **filters}, limit, cursor)


def keep(db, collection, doc):
    """Insert an immutable document once; a redelivered event finds it there."""
    try:
        db[collection].insert_one(doc)
    except DuplicateKeyError:
        pass


def list_records(db, estate_id, filters, limit, cursor):
    return store.page(db.records, {"estate_id": estate_id, **filters}, limit, cursor)
