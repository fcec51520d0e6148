"""integrations' repository: the only module of the service that touches its database."""
from estate_common import retention, settings, store, writes

from .rules import DEFAULTS, MAXIMA

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]
DUE = "deliveries_due"

INDEXES = {
    # an estate's subscriptions, and its active ones (the consumer's lookup: a few per estate)
    "webhooks": [(PAGED, {}), ([("estate_id", 1), ("active", 1)], {})],
    "deliveries": [(PAGED, {}), ([("estate_id", 1), ("webhook_id", 1), ("created_at", 1), ("_id", 1)], {}),
                   ([("estate_id", 1), ("webhook_id", 1), ("status", 1), ("created_at", 1), ("_id", 1)], {}),
                   # the delivery worker's sweep across estates: pending deliveries by when they are due
                   ([("next_attempt_at", 1)], {"name": DUE, "partialFilterExpression": {"status": "pending"}}),
                   # a delivered or failed delivery is removed WEBHOOK_DELIVERY_RETENTION_SECONDS after it ended
                   retention.TTL_INDEX],
    **settings.INDEXES,
}

WHAT = {"webhooks": "webhook", "deliveries": "delivery"}

named = writes.Named(WHAT)
find, get, insert = named.find, named.get, named.insert
change, create, write = named.change, named.create, named.write


def rules_for(db, estate_id):
    return settings.for_estate(db, DEFAULTS, estate_id, maxima=MAXIMA)


def list_webhooks(db, estate_id, filters, limit, cursor):
    return store.page(db.webhooks, {"estate_id": estate_id, **filters}, limit, cursor)


def subscribers(db, estate_id, qualified_type):
    """The estate's active subscriptions that want this event type."""
    return list(db.webhooks.find({"estate_id": estate_id, "events": qualified_type, "active": True}))


def subscribed_event_types(db):
    """The event types some active subscription wants, in any estate: which queues the broker
    binds (bindings.py; a timer's read and a few documents per estate)."""
    return set(db.webhooks.distinct("events", {"active": True}))


def delete_webhook(db, estate_id, webhook_id):
    """Remove the subscription; its deliveries stay (listed under its id) until they expire."""
    return db.webhooks.delete_one({"_id": webhook_id, "estate_id": estate_id}).deleted_count == 1


def bring_forward_pending(db, estate_id, webhook_id, now_iso, after_iso):
    """The webhook's pending deliveries due after ``after_iso`` made due at ``now_iso``."""
    db.deliveries.update_many({"estate_id": estate_id, "webhook_id": webhook_id, "status": "pending",
                               "next_attempt_at": {"$gt": after_iso}}, {"$set": {"next_attempt_at": now_iso}})


def list_deliveries(db, estate_id, webhook_id, filters, limit, cursor):
    return store.page(db.deliveries, {"estate_id": estate_id, "webhook_id": webhook_id, **filters}, limit, cursor)


def failing_webhook_ids(db, deliveries):
    """Which of the webhooks these deliveries go to are failing (``failing_since`` set)."""
    estates = sorted({d["estate_id"] for d in deliveries})
    webhook_ids = sorted({d["webhook_id"] for d in deliveries})
    if not webhook_ids:
        return set()
    return {doc["_id"] for doc in db.webhooks.find({"estate_id": {"$in": estates}, "_id": {"$in": webhook_ids},
                                                   "failing_since": {"$ne": None}}, {"_id": 1})}


def has_deliveries(db, estate_id, webhook_id):
    return db.deliveries.find_one({"estate_id": estate_id, "webhook_id": webhook_id}, {"_id": 1}) is not None


def due_deliveries(db, now_iso, limit):
    """Pending deliveries whose next attempt is due, oldest first, in every estate: the
    delivery worker's sweep (a timer; one indexed range read per run)."""
    return list(db.deliveries.find({"status": "pending", "next_attempt_at": {"$lte": now_iso}},
                                   sort=[("next_attempt_at", 1)], limit=limit))
