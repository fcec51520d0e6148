"""Every read and write of the outbox (``_outbox`` arrays on the documents whose writes they
announce): its index, the sweep's query and the pull of published events.

The index. The sweep is the one outbox query that looks across estates (a process does not
know which estates it holds events for), so ``_outbox.occurred_at`` leads the index and
``estate_id`` trails it: MongoDB only uses an index for a query that constrains its leading
field, and an index led by ``estate_id`` would make the sweep a collection scan again (as
``jobs`` does for its claim). The index is *partial* on ``_outbox.occurred_at`` existing, not
*sparse*: a sparse compound index keeps every document that has any of its keys, and every
document has ``estate_id``. So it holds only the documents with pending events, normally
none; an emptied ``_outbox`` (``[]``) drops the document out of it. The sweep's ``$lt`` on
``_outbox.occurred_at`` implies the partial filter, so the planner may use it.
"""
from . import store

INDEX_NAME = "outbox_pending"
INDEX_KEYS = [("_outbox.occurred_at", 1), ("estate_id", 1)]
INDEX_OPTIONS = {"name": INDEX_NAME,
                 "partialFilterExpression": {"_outbox.occurred_at": {"$exists": True}}}

# shared bookkeeping collections that never carry events (see ``collections``)
NO_OUTBOX = frozenset({"settings", "jobs", "counters", "inbox", "locks", "custom_fields"})


def collections(service_cls):
    """The collections of a service that can carry an ``_outbox``: its ``outbox_collections``
    when it declares them, otherwise every collection of its ``indexes`` but the bookkeeping
    ones. An undeclared collection is never swept."""
    declared = getattr(service_cls, "outbox_collections", None)
    if declared is not None:
        return tuple(declared)
    return tuple(name for name in getattr(service_cls, "indexes", {}) if name not in NO_OUTBOX)


def indexes(names):
    """The outbox index of each collection, in ``store.ensure_indexes``' shape."""
    return {name: [(INDEX_KEYS, dict(INDEX_OPTIONS))] for name in names}


def ensure_indexes(db, names):
    store.ensure_indexes(db, indexes(names))


def collection(db, name):
    """The collection the relay pulls a swept document's published events from."""
    return db[name]


def stale(db, name, cutoff):
    """``_id``, ``estate_id`` and ``_outbox`` of the documents of ``name`` holding an event
    that occurred before ``cutoff`` (an ISO timestamp), through the outbox index."""
    return list(db[name].find({"_outbox.occurred_at": {"$lt": cutoff}},
                              {"_id": 1, "estate_id": 1, "_outbox": 1}))


def pending_times(db, name):
    """``occurred_at`` of every event pending in ``name`` (normally none), through the outbox
    index: the metrics' sampler counts them and takes the oldest."""
    return [event["occurred_at"]
            for doc in db[name].find({"_outbox.occurred_at": {"$exists": True}}, {"_outbox.occurred_at": 1})
            for event in doc.get("_outbox") or []]


def pull(collection, estate_id, doc_id, event_ids):
    """Take published events off their document (other pending events stay)."""
    if event_ids:
        collection.update_one({"_id": doc_id, "estate_id": estate_id}, {"$pull": {"_outbox": {"event_id": {"$in": list(event_ids)}}}})
