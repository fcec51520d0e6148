"""Where a service keeps its closed-record counts (``estate_common.closed_counts`` says why): one
document per estate and month in ``closed_counts``, written through the one write path, its
event in the same write."""
from . import clock, ids, store, writes

COLLECTION = "closed_counts"
INDEXES = {COLLECTION: [([("estate_id", 1), ("period", 1)], {})]}
EVENT = "closed_records_counted"


def report(db, outbox, announce, estate_id, period, counts, now):
    """Keep ``counts`` of ``period`` and announce them (``announce(event_type, data)``) when they
    are new or changed; None when nothing changed."""
    doc_id = ids.natural_id("closedcount", estate_id, period)
    data = {"period": period, "counts": dict(counts), "counted_at": clock.to_iso(now)}
    collection = db[COLLECTION]
    made = []

    def build():
        made.append(True)
        return {"_id": doc_id, "estate_id": estate_id, **data}, [(EVENT, data)]

    writes.create(collection, estate_id, doc_id, build, outbox, announce=announce)
    if made:
        return data
    changed = []

    def decide(doc):
        changed.clear()
        if doc["counts"] == data["counts"]:
            return None
        changed.append(True)
        return writes.Change({"counts": data["counts"], "counted_at": data["counted_at"]}, events=[(EVENT, data)])

    writes.change(collection, estate_id, doc_id, decide, outbox, announce=announce)
    return data if changed else None


def counted_periods(db, estate_id):
    """The months this service has counted of the estate (its ``closed_counts`` documents), through
    the ``(estate_id, period)`` index."""
    return {doc["period"] for doc in db[COLLECTION].find({"estate_id": estate_id}, {"period": 1})}


# -- what a service closed: the count and the things themselves, from one query ----------------
# A service's store answers ``closed_queries(estate_id, start, end)`` → ``{kind: (collection, query,
# number field)}``: the count (``counted``) and the list of what it closed (``closed_page``) read the
# same query, so the things the archive is asked for are the things the service counted.

def counted(db, estate_id, queries):
    """``{kind: n}`` of a service's ``closed_queries`` of the estate."""
    return {kind: db[collection].count_documents({**query, "estate_id": estate_id})
            for kind, (collection, query, _) in queries.items()}


def closed_page(db, estate_id, found, limit, cursor):
    """A page of one kind's ``(collection, query, number field)`` of the estate in the lists' order
    (created_at, _id; the lists' cursors): each thing's id and the number people know it by (null
    without one)."""
    collection, query, number = found
    return store.page(db[collection], {**query, "estate_id": estate_id}, limit, cursor,
                      shown=lambda doc: {"id": doc["_id"], "number": doc.get(number) if number else None})
