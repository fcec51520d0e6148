"""customer-service's repository: the only module of the service that touches its database."""
from estate_common import replica, settings, store
from estate_common.errors import BusinessRuleViolation, NotFound, field_error
from estate_common.store import DuplicateKeyError

from .rules import DEFAULTS

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]

INDEXES = {
    **replica.INDEXES,
    "service_requests": [
        (PAGED, {}),
        ([("estate_id", 1), ("kind", 1), ("status", 1)], {}),
        ([("estate_id", 1), ("household_id", 1)], {}),
        ([("estate_id", 1), ("number", 1)], {}),
    ],
    "settings": [([("estate_id", 1)], {})],
}


def rules_for(db, estate_id):
    overrides = db.settings.find_one({"_id": estate_id, "estate_id": estate_id}) or {}
    return settings.effective(DEFAULTS, overrides.get("values"))


def known_household(db, estate_id, household_id):
    household = replica.get(db, "household", estate_id, household_id)
    if household is None:
        raise BusinessRuleViolation("household is not known in this estate",
                                    [field_error("data.household_id", "no such household in this estate")])
    return household


def next_number(db, estate_id, series):
    return store.next_number(db, estate_id, series)


def insert_request(db, request):
    """False when a request with this id exists (a concurrent retry won)."""
    try:
        db.service_requests.insert_one(request)
        return True
    except DuplicateKeyError:
        return False


def get_request(db, estate_id, request_id):
    request = db.service_requests.find_one({"_id": request_id, "estate_id": estate_id})
    if request is None:
        raise NotFound("no such service request in this estate")
    return request


def find_request(db, estate_id, request_id):
    return db.service_requests.find_one({"_id": request_id, "estate_id": estate_id})


def list_requests(db, estate_id, filters, limit, cursor):
    return store.page(db.service_requests, {"estate_id": estate_id, **filters}, limit, cursor)


def record_step(db, request, changes, entry):
    """Apply a step once: the history entry's event id guards against a redelivery."""
    guard = {"_id": request["_id"], "estate_id": request["estate_id"]}
    if entry.get("event_id"):
        guard["history.event_id"] = {"$ne": entry["event_id"]}
    db.service_requests.update_one(guard, {"$set": changes, "$push": {"history": entry}})
