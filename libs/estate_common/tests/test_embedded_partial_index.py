"""The embedded store answers a query asking for a field that a partial index
``{field: {"$exists": true}}`` requires from that index's documents alone, as MongoDB does:
the outbox sweep and its sampler (``outbox_store``) no longer walk every document, and
archive's hash-chain probe ``{"estate_id", "seq": n}`` is a lookup in its partial
``(estate_id, seq)`` index, not a walk of the estate's records."""
import pytest

from estate_common import embedded_store, outbox_store

CUTOFF = "2026-01-01T00:00:00.000Z"


def event(event_id, occurred_at):
    return {"event_id": event_id, "occurred_at": occurred_at, "estate_id": "est_1"}


@pytest.fixture
def db():
    db = embedded_store.EmbeddedClient()["partial_index"]
    outbox_store.ensure_indexes(db, ["requests"])
    db.requests.insert_many([{"_id": f"r{n}", "estate_id": "est_1", "_outbox": []} for n in range(200)])
    db.requests.insert_many([
        {"_id": "old", "estate_id": "est_1", "_outbox": [event("e1", "2025-12-31T23:59:59.000Z")]},
        {"_id": "new", "estate_id": "est_1", "_outbox": [event("e2", "2026-01-02T00:00:00.000Z")]},
        {"_id": "mixed", "estate_id": "est_1", "_outbox": [event("e3", "2026-01-02T00:00:00.000Z"),
                                                           event("e4", "2025-06-01T00:00:00.000Z")]},
    ])
    return db


def test_the_sweep_and_the_sampler_find_exactly_the_pending_documents(db):
    assert sorted(doc["_id"] for doc in outbox_store.stale(db, "requests", CUTOFF)) == ["mixed", "old"]
    assert sorted(outbox_store.pending_times(db, "requests")) == [
        "2025-06-01T00:00:00.000Z", "2025-12-31T23:59:59.000Z", "2026-01-02T00:00:00.000Z",
        "2026-01-02T00:00:00.000Z"]


def test_they_walk_only_the_documents_the_partial_index_holds(db):
    collection = db.requests
    for query in ({"_outbox.occurred_at": {"$lt": CUTOFF}}, {"_outbox.occurred_at": {"$exists": True}}):
        with collection._lock:
            assert {doc["_id"] for doc in collection._candidates(query)} == {"old", "new", "mixed"}


def test_the_index_follows_events_pulled_and_added(db):
    outbox_store.pull(db.requests, "est_1", "old", ["e1"])
    db.requests.update_one({"_id": "r7", "estate_id": "est_1"}, {"$push": {"_outbox": event("e9", "2025-01-01")}})
    assert sorted(doc["_id"] for doc in outbox_store.stale(db, "requests", CUTOFF)) == ["mixed", "r7"]


@pytest.mark.parametrize("query, expected", [
    ({"_outbox.occurred_at": {"$lte": None}}, 200),  # null takes a missing field: every other document
    ({"_outbox.occurred_at": {"$exists": False}}, 200),
    ({"_outbox": []}, 200),
])
def test_a_query_a_missing_field_can_match_still_sees_every_document(db, query, expected):
    assert len(list(db.requests.find(query))) == expected


@pytest.fixture
def chain():
    db = embedded_store.EmbeddedClient()["partial_chain"]
    db.records.create_index([("estate_id", 1), ("seq", 1)], unique=True,
                            partialFilterExpression={"seq": {"$exists": True}})
    # odd records are chained (seq), even ones are from before the chain (no seq)
    db.records.insert_many([{"_id": f"rec_{i:04d}", "estate_id": "est_1", **({"seq": i} if i % 2 else {})}
                            for i in range(1000)])
    return db


def test_an_equality_on_the_partial_field_is_a_lookup_in_that_index(chain):
    records = chain.records
    for seq, expected in ((7, {"rec_0007"}), (8, set())):
        with records._lock:
            assert {doc["_id"] for doc in records._candidates({"estate_id": "est_1", "seq": seq})} == expected
    assert records.find_one({"estate_id": "est_1", "seq": 7})["_id"] == "rec_0007"
    assert records.find_one({"estate_id": "est_1", "seq": 8}) is None


def test_a_query_a_missing_seq_can_match_still_sees_every_record(chain):
    assert chain.records.count_documents({"estate_id": "est_1", "seq": None}) == 500
    assert chain.records.count_documents({"estate_id": "est_1", "seq": {"$exists": True, "$lt": 11}}) == 5


@pytest.mark.parametrize("partial_first", [True, False])
def test_of_two_indexes_with_as_long_a_prefix_the_partial_one_is_walked(partial_first):
    """Finance's prepaid timer walked the estate's 20,000 posted payments through the
    ``(estate_id, status, created_at)`` index or the few marked ones through its partial
    ``(estate_id, status, _prepaid_in_use)``, by the order the two were declared in."""
    db = embedded_store.EmbeddedClient()["partial_tie"]
    whole = ([("estate_id", 1), ("status", 1), ("created_at", 1)], {})
    marked = ([("estate_id", 1), ("status", 1), ("_in_use", 1)],
              {"partialFilterExpression": {"_in_use": {"$exists": True}}})
    for keys, options in ((marked, whole) if partial_first else (whole, marked)):
        db.payments.create_index(keys, **options)
    db.payments.insert_many([{"_id": f"p{i}", "estate_id": "est_1", "status": "posted", "created_at": str(i),
                              **({"_in_use": "2026"} if i == 7 else {})} for i in range(300)])
    query = {"estate_id": "est_1", "status": "posted", "_in_use": {"$exists": True, "$gt": ""}}
    with db.payments._lock:
        assert [doc["_id"] for doc in db.payments._candidates(query)] == ["p7"]
    assert [doc["_id"] for doc in db.payments.find(query)] == ["p7"]
    # a query the partial index cannot answer still walks the whole one
    assert db.payments.count_documents({"estate_id": "est_1", "status": "posted"}) == 300
