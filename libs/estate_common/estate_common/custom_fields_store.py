"""The ``custom_fields`` collection of a service that keeps custom-field definitions
(``estate_common.custom_fields``): a store module, like ``common_store``. Every write goes
through ``estate_common.writes`` (insert once by natural id, compare-and-set); definitions
announce no events (nothing outside their service reads them)."""
from . import store, writes

COLLECTION = "custom_fields"
INDEXES = {COLLECTION: [
    ([("estate_id", 1), ("resource", 1), ("key", 1)], {}),
    # one live definition per place (custom_fields.free_place): the cap holds against two at once
    ([("estate_id", 1), ("resource", 1), ("_place", 1)], {"unique": True, "partialFilterExpression": {"_live": True}}),
]}


def definitions(db, estate_id, resources):
    """Every definition of ``resources`` in the estate, archived ones too, by resource and key."""
    resources = list(resources)
    # One resource (a create's check of its custom values, on every create) is asked as an
    # equality, the same match: the embedded store reads its (estate_id, resource, key) bucket at
    # once, where it explodes a $in first (5-7 µs of 13-21 a read, docs/benchmark-history.md's
    # session 54, h13).
    query = {"estate_id": estate_id,
             "resource": resources[0] if len(resources) == 1 else {"$in": resources}}
    return list(db[COLLECTION].find(query).sort([("resource", 1), ("key", 1)]))


def create(db, outbox, definition, found):
    """Insert the definition once; ``found(stored)`` answers when its key is taken, and
    ``found(None)`` when its place is (another definition took it meanwhile)."""
    return writes.create(db[COLLECTION], definition["estate_id"], definition["_id"], lambda: definition, outbox,
                         found=found)


def change(db, outbox, estate_id, definition_id, decide):
    """``decide(definition)`` → a ``writes.Change`` or None, written with a revision check."""
    return writes.change(db[COLLECTION], estate_id, definition_id, decide, outbox, what="custom field")


def get(db, estate_id, definition_id):
    return store.get_in_estate(db[COLLECTION], estate_id, definition_id, "custom field")
