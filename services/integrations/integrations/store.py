"""integrations' repository: the only module of the service that touches its database.

A deleted subscription is kept, hidden, for the life of an Idempotency-Key (``DELETED``,
``operations.delete_webhook``): ``find``, ``get``, ``change`` and the lists here do not see it."""
import functools

from estate_common import retention, settings, store, writes
from estate_common.errors import Conflict, NotFound

from .rules import DEFAULTS, MAXIMA

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]
DUE = "deliveries_due"

INDEXES = {
    # an estate's subscriptions, and its active ones (the consumer's lookup: a few per estate)
    "webhooks": [(PAGED, {}), ([("estate_id", 1), ("active", 1)], {}),
                 # a deleted subscription is removed when the life of the key that deleted it is over
                 retention.TTL_INDEX],
    "deliveries": [(PAGED, {}), ([("estate_id", 1), ("webhook_id", 1), ("created_at", 1), ("_id", 1)], {}),
                   ([("estate_id", 1), ("webhook_id", 1), ("status", 1), ("created_at", 1), ("_id", 1)], {}),
                   # a type's deliveries (``?event_type=``), in the list's order
                   ([("estate_id", 1), ("webhook_id", 1), ("event_type", 1), ("created_at", 1), ("_id", 1)], {}),
                   # the delivery worker's sweep across estates: pending deliveries by when they are due
                   ([("next_attempt_at", 1)], {"name": DUE, "partialFilterExpression": {"status": "pending"}}),
                   # a delivered or failed delivery is removed WEBHOOK_DELIVERY_RETENTION_SECONDS after it ended
                   retention.TTL_INDEX],
    **settings.INDEXES,
}

WHAT = {"webhooks": "webhook", "deliveries": "delivery"}

DELETED = "deleted_at"  # a deleted subscription (webhooks.deleted), which nothing but its deletion's retry finds

named = writes.Named(WHAT)
insert, write = named.insert, named.write


def _hidden(collection, doc):
    return collection == "webhooks" and doc is not None and doc.get(DELETED) is not None


def find(db, collection, estate_id, doc_id):
    """The document, or None; a deleted subscription is None."""
    doc = named.find(db, collection, estate_id, doc_id)
    return None if _hidden(collection, doc) else doc


def get(db, collection, estate_id, doc_id):
    """The document, or 404 (a deleted subscription too)."""
    doc = find(db, collection, estate_id, doc_id)
    if doc is None:
        raise NotFound(f"no such {WHAT[collection]} in this estate")
    return doc


def change(db, outbox, collection, estate_id, doc_id, decide, deleting=False, **options):
    """``writes.change``; a deleted subscription is a 404, but to the keyed call that deleted it sent
    again (``deleting``: the deletion's step), which ``writes.change`` answers by its step's mark before
    deciding. Another keyed step's retry finds its own mark on the deleted subscription too, and is a
    404 as the webhook gone made it (a PATCH sent again answered a live subscription and bound its
    types: found by review)."""
    @functools.wraps(decide)  # the step's id names the step's function (writes.KeyedCall.step_id)
    def unless_deleted(doc):
        if _hidden(collection, doc):
            raise NotFound(f"no such {WHAT[collection]} in this estate")
        return decide(doc)
    written = named.change(db, outbox, collection, estate_id, doc_id, unless_deleted, **options)
    if _hidden(collection, written) and not deleting:
        raise NotFound(f"no such {WHAT[collection]} in this estate")
    return written


def create(db, outbox, collection, estate_id, doc_id, build, **options):
    """``writes.create``; the create of a subscription deleted since, sent again with its key after the
    gateway's record of it expired, is a 409, where the webhook gone made it again under the same id."""
    found = options.pop("found", None) or (lambda stored: stored)

    def unless_deleted(stored):
        if _hidden(collection, stored):
            raise Conflict("the subscription this Idempotency-Key made was deleted since: "
                           "send it with another key for a new one")
        return found(stored)
    return named.create(db, outbox, collection, estate_id, doc_id, build, found=unless_deleted, **options)


def rules_for(db, estate_id):
    return settings.for_estate(db, DEFAULTS, estate_id, maxima=MAXIMA)


def list_webhooks(db, estate_id, filters, limit, cursor):
    return store.page(db.webhooks, {"estate_id": estate_id, DELETED: None, **filters}, limit, cursor)


def subscribers(db, estate_id, named):
    """The estate's active subscriptions whose ``events`` hold one of ``named`` (the event's type,
    or every type: ``webhooks.subscribed_as``)."""
    return list(db.webhooks.find({"estate_id": estate_id, "events": {"$in": list(named)}, "active": True,
                                  DELETED: None}))


def subscribed_event_types(db):
    """The event types some active subscription wants, in any estate: which queues the broker
    binds (bindings.py, where ``"*"`` is every type; a timer's read and a few documents per estate)."""
    return set(db.webhooks.distinct("events", {"active": True, DELETED: None}))


def bring_forward_pending(db, estate_id, webhook_id, now_iso, after_iso):
    """The webhook's pending deliveries due after ``after_iso`` made due at ``now_iso``."""
    db.deliveries.update_many({"estate_id": estate_id, "webhook_id": webhook_id, "status": "pending",
                               "next_attempt_at": {"$gt": after_iso}}, {"$set": {"next_attempt_at": now_iso}})


def list_deliveries(db, estate_id, webhook_id, filters, limit, cursor):
    """A page of the webhook's deliveries (``filters`` as stored; ``_id``: the one delivery of an
    event, ``operations.list_deliveries``; ``event_type`` by its index)."""
    return store.page(db.deliveries, {"estate_id": estate_id, "webhook_id": webhook_id, **filters}, limit, cursor)


def failed_delivery_ids(db, estate_id, webhook_id, since, limit):
    """The ids of the webhook's failed deliveries, oldest first, made at or after ``since`` when
    given (the ``(estate_id, webhook_id, status, created_at, _id)`` index; ``since`` as stored times
    are written, ``estate_common.store.at_or_after``: as text ``10:00:00.250Z`` sorts before
    ``10:00:00Z``, and those made in since's own second were left out: found by review)."""
    query = {"estate_id": estate_id, "webhook_id": webhook_id, "status": "failed"}
    if since:
        query["created_at"] = {"$gte": store.at_or_after(since, "data.since")}
    return [doc["_id"] for doc in db.deliveries.find(query, {"_id": 1}, sort=[("created_at", 1), ("_id", 1)],
                                                     limit=limit)]


def failing_webhook_ids(db, deliveries):
    """Which of the webhooks these deliveries go to are failing (``failing_since`` set); a deleted one is
    not: its backlog is given up, not sent, and a failing receiver's share of a run held it back."""
    estates = sorted({d["estate_id"] for d in deliveries})
    webhook_ids = sorted({d["webhook_id"] for d in deliveries})
    if not webhook_ids:
        return set()
    return {doc["_id"] for doc in db.webhooks.find({"estate_id": {"$in": estates}, "_id": {"$in": webhook_ids},
                                                   "failing_since": {"$ne": None}, DELETED: None}, {"_id": 1})}


def has_deliveries(db, estate_id, webhook_id):
    return db.deliveries.find_one({"estate_id": estate_id, "webhook_id": webhook_id}, {"_id": 1}) is not None


def due_deliveries(db, now_iso, limit):
    """Pending deliveries whose next attempt is due, oldest first, in every estate: the
    delivery worker's sweep (a timer; one indexed range read per run)."""
    return list(db.deliveries.find({"status": "pending", "next_attempt_at": {"$lte": now_iso}},
                                   sort=[("next_attempt_at", 1)], limit=limit))
