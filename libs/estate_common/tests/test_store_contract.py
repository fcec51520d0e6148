"""The store contract: what the code base asks of a database, run on both adapters.

``embedded`` (``estate_common.embedded_store``) always; ``mongodb`` (pymongo on a real
server) when ``MONGO_URI`` is set, as in the hosted CI workflow. Every operation and
operator the services, the gateway and ``estate_common`` use is here, with MongoDB's
answer as the expected one: the embedded store must answer the same.
"""
import os
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pymongo
import pytest
from bson import ObjectId
from bson.errors import InvalidDocument
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from estate_common import store
from estate_common.embedded_store import EmbeddedClient

# The suite unsets MONGO_URI (it runs on the embedded store); the root conftest keeps the
# value it found for these tests.
MONGO_URI = os.environ.get("MONGO_URI") or os.environ.get("STORE_CONTRACT_MONGO_URI")

ADAPTERS = [
    "embedded",
    pytest.param("mongodb", marks=pytest.mark.skipif(
        not MONGO_URI, reason="MONGO_URI unset: the MongoDB adapter runs in the hosted CI workflow")),
]


@pytest.fixture(params=ADAPTERS)
def db(request):
    name = f"contract_{uuid.uuid4().hex[:10]}"
    if request.param == "embedded":
        yield EmbeddedClient(tz_aware=True)[name]
        return
    client = pymongo.MongoClient(MONGO_URI, serverSelectionTimeoutMS=5000, tz_aware=True)
    try:
        yield client[name]
    finally:
        client.drop_database(name)
        client.close()


def ids(cursor):
    return [doc["_id"] for doc in cursor]


def some(db, docs, collection="things"):
    db[collection].insert_many(docs)
    return db[collection]


# -- database --------------------------------------------------------------------------

def test_ping_names_and_collections(db):
    assert db.command("ping")["ok"] == 1.0
    store.ping(db)
    assert db.things.name == "things" and db["things"].name == "things"
    assert db.list_collection_names() == []
    db.things.insert_one({"_id": "t1"})
    db.indexed.create_index([("estate_id", 1)])
    db.untouched.find_one({})
    assert sorted(db.list_collection_names()) == ["indexed", "things"]


# -- inserts and duplicates -------------------------------------------------------------

def test_insert_one_keeps_a_copy_and_sets_a_missing_id_on_the_callers_document(db):
    doc = {"estate_id": "e1", "tags": ["a"]}
    answer = db.things.insert_one(doc)
    assert isinstance(doc["_id"], ObjectId) and answer.inserted_id == doc["_id"]
    doc["tags"].append("changed after the insert")
    stored = db.things.find_one({"_id": doc["_id"]})
    assert stored == {"_id": doc["_id"], "estate_id": "e1", "tags": ["a"]}
    stored["tags"].append("changed by a reader")
    assert db.things.find_one({"_id": doc["_id"]})["tags"] == ["a"]


def test_a_second_insert_of_an_id_is_a_duplicate_key(db):
    db.things.insert_one({"_id": "t1", "n": 1})
    with pytest.raises(DuplicateKeyError) as caught:
        db.things.insert_one({"_id": "t1", "n": 2})
    assert caught.value.code == 11000
    assert store.DuplicateKey is DuplicateKeyError
    assert db.things.find_one({"_id": "t1"})["n"] == 1
    assert store.insert_new(db.things, {"_id": "t1", "n": 3}) is False
    assert store.insert_new(db.things, {"_id": "t2", "n": 3}) is True


def test_unordered_insert_many_inserts_the_rest_and_reports_each_duplicate(db):
    db.bills.insert_many([{"_id": "b1"}, {"_id": "b3"}])
    batch = [{"_id": "b0"}, {"_id": "b1"}, {"_id": "b2"}, {"_id": "b3"}, {"_id": "b4"}]
    with pytest.raises(BulkWriteError) as caught:
        db.bills.insert_many(batch, ordered=False)
    assert store.BulkWriteFailure is BulkWriteError
    details = caught.value.details
    assert details["nInserted"] == 3
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(1, 11000), (3, 11000)]
    assert sorted(ids(db.bills.find())) == ["b0", "b1", "b2", "b3", "b4"]


def test_ordered_insert_many_stops_at_the_first_duplicate(db):
    db.bills.insert_one({"_id": "b1"})
    with pytest.raises(BulkWriteError) as caught:
        db.bills.insert_many([{"_id": "b0"}, {"_id": "b1"}, {"_id": "b2"}])
    assert caught.value.details["nInserted"] == 1
    assert sorted(ids(db.bills.find())) == ["b0", "b1"]
    assert db.bills.insert_many([{"_id": "b5"}, {"_id": "b6"}]).inserted_ids == ["b5", "b6"]


def test_unique_index_refuses_a_second_key_on_insert_update_and_upsert(db):
    db.users.create_index([("estate_id", 1), ("code", 1)], unique=True)
    db.users.insert_one({"_id": "u1", "estate_id": "e1", "code": "A"})
    db.users.insert_one({"_id": "u2", "estate_id": "e2", "code": "A"})  # another estate: another key
    with pytest.raises(DuplicateKeyError):
        db.users.insert_one({"_id": "u3", "estate_id": "e1", "code": "A"})
    db.users.insert_one({"_id": "u3", "estate_id": "e1", "code": "B"})
    with pytest.raises(DuplicateKeyError):
        db.users.update_one({"_id": "u3"}, {"$set": {"code": "A"}})
    with pytest.raises(DuplicateKeyError):
        db.users.update_one({"_id": "u4"}, {"$set": {"estate_id": "e1", "code": "B"}}, upsert=True)
    assert db.users.update_one({"_id": "u3"}, {"$set": {"code": "B", "n": 1}}).modified_count == 1  # its own key
    assert sorted((d["_id"], d["code"]) for d in db.users.find()) == [("u1", "A"), ("u2", "A"), ("u3", "B")]
    db.users.delete_one({"_id": "u1"})
    db.users.insert_one({"_id": "u5", "estate_id": "e1", "code": "A"})  # the key is free again


def test_partial_unique_index_only_counts_the_documents_it_covers(db):
    db.sessions.create_index([("estate_id", 1), ("plate", 1)], unique=True,
                             partialFilterExpression={"status": "open"})
    db.sessions.insert_one({"_id": "s1", "estate_id": "e1", "plate": "A1", "status": "closed"})
    db.sessions.insert_one({"_id": "s2", "estate_id": "e1", "plate": "A1", "status": "open"})
    with pytest.raises(DuplicateKeyError):
        db.sessions.insert_one({"_id": "s3", "estate_id": "e1", "plate": "A1", "status": "open"})
    db.sessions.update_one({"_id": "s2"}, {"$set": {"status": "closed"}})
    db.sessions.insert_one({"_id": "s3", "estate_id": "e1", "plate": "A1", "status": "open"})


def test_a_partial_unique_index_on_a_fields_presence_holds_one_key_and_any_documents_without_it(db):
    """archive's one household per flat (``_address_key``): written by a create, and by a sweep's
    update on households an older version wrote without it; a second document with the key, or
    an update giving it one, is refused, and the documents still without it are many."""
    db.flats.create_index([("estate_id", 1), ("key", 1)], unique=True,
                          partialFilterExpression={"key": {"$exists": True}})
    db.flats.insert_many([{"_id": f"f{n}", "estate_id": "e1"} for n in (1, 2, 3)])
    db.flats.insert_one({"_id": "f4", "estate_id": "e1", "key": "k"})
    db.flats.insert_one({"_id": "f5", "estate_id": "e2", "key": "k"})  # another estate's
    with pytest.raises(DuplicateKeyError):
        db.flats.insert_one({"_id": "f6", "estate_id": "e1", "key": "k"})
    unkeyed = {"key": {"$exists": False}}
    with pytest.raises(DuplicateKeyError):
        db.flats.update_one({"_id": "f1", "estate_id": "e1", **unkeyed}, {"$set": {"key": "k"}})
    assert db.flats.update_one({"_id": "f2", "estate_id": "e1", **unkeyed}, {"$set": {"key": "j"}}).modified_count == 1
    assert db.flats.update_one({"_id": "f2", "estate_id": "e1", **unkeyed}, {"$set": {"key": "i"}}).matched_count == 0
    assert db.flats.find_one({"estate_id": "e1", "key": "k"})["_id"] == "f4"
    assert sorted(d["_id"] for d in db.flats.find({"estate_id": "e1", **unkeyed})) == ["f1", "f3"]


def test_indexes_are_declared_once_and_listed(db):
    store.ensure_indexes(db, {"items": [([("estate_id", 1), ("created_at", 1)], {"name": "by_estate"}),
                                        ([("expires_at", 1)], {"expireAfterSeconds": 3600})]})
    store.ensure_indexes(db, {"items": [([("estate_id", 1), ("created_at", 1)], {"name": "by_estate"})]})
    info = db.items.index_information()
    assert {"_id_", "by_estate", "expires_at_1"} <= set(info)
    assert info["by_estate"]["key"] == [("estate_id", 1), ("created_at", 1)]


def test_an_index_a_newer_version_replaced_is_dropped_once(db):
    """A retired index (``retired_indexes`` of a service) is dropped at start-up; a start-up
    after that, or on a database that never had it, changes nothing."""
    store.ensure_indexes(db, {"requests": [([("estate_id", 1), ("due_at", 1), ("answered_at", 1)], {}),
                                           ([("estate_id", 1), ("answered_at", 1), ("due_at", 1)], {})]})
    retired = {"requests": ["estate_id_1_due_at_1_answered_at_1"], "never_made": ["estate_id_1_x_1"]}
    store.drop_retired_indexes(db, retired)
    store.drop_retired_indexes(db, retired)
    assert set(db.requests.index_information()) == {"_id_", "estate_id_1_answered_at_1_due_at_1"}


def test_a_ttl_index_removes_documents_whose_date_has_passed(db, request):
    """``expireAfterSeconds`` on a date field (retention of jobs, idempotency and login records).
    MongoDB's own monitor removes them within a minute of server time, which the suite cannot
    move: there the index's declaration is checked; the embedded store's expiry follows
    ``estate_common.clock``, moved here instead of waiting."""
    from estate_common import clock
    store.ensure_indexes(db, {"kept": [([("expire_at", 1)], {"expireAfterSeconds": 0})]})
    assert db.kept.index_information()["expire_at_1"]["expireAfterSeconds"] == 0
    now = clock.now()
    db.kept.insert_many([
        {"_id": "past", "expire_at": now - timedelta(hours=1)},
        {"_id": "soon", "expire_at": now + timedelta(minutes=5)},
        {"_id": "earliest_counts", "expire_at": [now + timedelta(days=9), now - timedelta(hours=1)]},
        {"_id": "later", "expire_at": now + timedelta(days=1)},
        {"_id": "not_a_date", "expire_at": clock.to_iso(now - timedelta(days=1))},
        {"_id": "no_field"},
    ])
    if request.node.callspec.params["db"] != "embedded":
        return
    clock.advance(timedelta(minutes=2))
    try:
        assert sorted(ids(db.kept.find())) == ["later", "no_field", "not_a_date", "soon"]
        clock.advance(timedelta(minutes=10))
        assert sorted(ids(db.kept.find())) == ["later", "no_field", "not_a_date"]
    finally:
        clock.reset()


def test_documents_must_be_bson(db):
    with pytest.raises(InvalidDocument):
        db.things.insert_one({"_id": "t1", "tags": {"a", "b"}})
    with pytest.raises(InvalidDocument):
        db.things.insert_one({"_id": "t2", "on": datetime(2026, 1, 1).date()})
    assert db.things.count_documents({}) == 0


# -- queries ---------------------------------------------------------------------------

@pytest.fixture
def things(db):
    return some(db, [
        {"_id": "t1", "estate_id": "e1", "n": 1, "kind": "a", "tags": ["x", "y"], "at": "2026-01-01",
         "history": [{"event_id": "ev1", "at": "2026-01-02"}], "complaint": {"escalated": True}, "answered_at": None},
        {"_id": "t2", "estate_id": "e1", "n": 5, "kind": "b", "tags": ["z"], "at": "2026-02-01",
         "history": [{"event_id": "ev2", "at": "2026-02-03"}, {"event_id": "ev3", "at": "2026-03-01"}]},
        {"_id": "t3", "estate_id": "e2", "n": 3.5, "kind": "a", "tags": [], "at": "2026-03-01", "history": []},
        {"_id": "t4", "estate_id": "e1", "n": True, "kind": 1, "at": None, "answered_at": "2026-01-05"},
        {"_id": "t5", "estate_id": "e1", "n": "5", "kind": "c", "tags": ["x"], "nested": {"deep": {"k": 2}}},
    ])


@pytest.mark.parametrize("query, expected", [
    ({}, ["t1", "t2", "t3", "t4", "t5"]),
    ({"estate_id": "e1", "kind": "a"}, ["t1"]),
    ({"kind": 1}, ["t4"]),                                    # 1 is not "1" and True is not 1
    ({"n": 1}, ["t1"]),
    ({"n": {"$gte": 3}}, ["t2", "t3"]),                       # numbers only: "5" and True are other types
    ({"n": {"$gt": 1, "$lt": 5}}, ["t3"]),
    ({"n": {"$lte": 1}}, ["t1"]),
    ({"n": {"$eq": 5}}, ["t2"]),
    ({"n": {"$ne": 5}}, ["t1", "t3", "t4", "t5"]),
    ({"at": {"$lt": "2026-02-15"}}, ["t1", "t2"]),           # null and missing never compare with a string
    ({"at": None}, ["t4", "t5"]),                             # null matches null and missing
    ({"answered_at": None}, ["t1", "t2", "t3", "t5"]),
    ({"at": {"$exists": True}}, ["t1", "t2", "t3", "t4"]),
    ({"at": {"$exists": False}}, ["t5"]),
    ({"tags": "x"}, ["t1", "t5"]),                            # array membership
    ({"tags": ["x", "y"]}, ["t1"]),                           # the whole array
    ({"tags": {"$in": ["y", "z"]}}, ["t1", "t2"]),
    ({"tags": {"$nin": ["x"]}}, ["t2", "t3", "t4"]),
    ({"_id": {"$in": ["t5", "t1", "t9"]}}, ["t1", "t5"]),
    ({"_id": {"$nin": ["t1", "t2"]}, "estate_id": "e1"}, ["t4", "t5"]),
    ({"tags": {"$size": 0}}, ["t3"]),
    ({"tags": {"$size": 2}}, ["t1"]),
    ({"tags": {"$all": ["y", "x"]}}, ["t1"]),
    ({"history.event_id": "ev3"}, ["t2"]),                    # a dotted path through an array
    ({"history.event_id": {"$ne": "ev1"}}, ["t2", "t3", "t4", "t5"]),
    ({"history.at": {"$gte": "2026-02-04", "$lt": "2026-04-01"}}, ["t2"]),
    ({"history": {"$elemMatch": {"at": {"$gte": "2026-01-01", "$lt": "2026-02-01"}}}}, ["t1"]),
    ({"history": {"$elemMatch": {"event_id": "ev2", "at": "2026-03-01"}}}, []),  # one element must hold both
    ({"history.event_id": "ev2", "history.at": "2026-03-01"}, ["t2"]),           # any elements will do
    ({"complaint.escalated": True}, ["t1"]),
    ({"complaint.escalated": {"$ne": True}}, ["t2", "t3", "t4", "t5"]),
    ({"nested.deep.k": 2}, ["t5"]),
    ({"nested": {"deep": {"k": 2}}}, ["t5"]),
    ({"$or": [{"kind": "b"}, {"n": 3.5}]}, ["t2", "t3"]),
    ({"$and": [{"estate_id": "e1"}, {"$or": [{"kind": "a"}, {"kind": "c"}]}]}, ["t1", "t5"]),
    ({"estate_id": "e1", "$nor": [{"kind": "a"}, {"kind": 1}]}, ["t2", "t5"]),
    ({"n": {"$not": {"$gte": 3}}}, ["t1", "t4", "t5"]),
    ({"tags": {"$not": {"$gt": "x"}}}, ["t3", "t4", "t5"]),  # no element after x (none, or no array)
    # an array's element by its position (customer service's kept contacts: the required-th newest)
    ({"tags.0": {"$gte": "y"}}, ["t2"]),
    ({"tags.1": {"$not": {"$gte": "a"}}}, ["t2", "t3", "t4", "t5"]),  # no second element: not so many
    ({"kind": {"$regex": "^[ab]$"}}, ["t1", "t2", "t3"]),
    ({"kind": {"$regex": "^A", "$options": "i"}}, ["t1", "t3"]),
])
def test_query_operators(things, query, expected):
    assert sorted(ids(things.find(query))) == expected
    assert things.count_documents(query) == len(expected)


def test_a_query_on_a_declared_index_finds_what_a_walk_finds(db):
    db.bills.create_index([("estate_id", 1), ("household_id", 1), ("status", 1)])
    db.bills.create_index([("estate_id", 1), ("allocations.at", 1)])
    docs = [{"_id": f"b{i}", "estate_id": f"e{i % 2}", "household_id": f"h{i % 3}",
             "status": "unpaid" if i % 4 else "paid", "allocations": [{"at": f"2026-0{1 + i % 3}"}]}
            for i in range(24)]
    db.bills.insert_many(docs)
    db.bills.insert_one({"_id": "no_status", "estate_id": "e0", "household_id": "h0"})
    for query in ({"estate_id": "e0"}, {"estate_id": "e0", "household_id": "h1"},
                  {"estate_id": "e0", "household_id": "h0", "status": "unpaid"},
                  {"estate_id": "e0", "household_id": "h0", "status": None},
                  {"estate_id": "e1", "allocations.at": "2026-02"}):
        expected = [d["_id"] for d in docs + [{"_id": "no_status", "estate_id": "e0", "household_id": "h0"}]
                    if all(d.get(k) == v for k, v in query.items() if "." not in k)
                    and all(any(a["at"] == v for a in d.get("allocations", [])) for k, v in query.items() if "." in k)]
        assert sorted(ids(db.bills.find(query))) == sorted(expected), query
    db.bills.update_one({"_id": "b4"}, {"$set": {"status": "unpaid", "household_id": "h2"}})
    db.bills.delete_one({"_id": "b6"})
    found = ids(db.bills.find({"estate_id": "e0", "household_id": "h2", "status": "unpaid"}))
    assert sorted(found) == ["b14", "b2", "b4"]


# A range on the field after an index's equalities: what MongoDB answers from the index's bounds,
# the embedded store from the entries of the bucket within them (a bucket of ORDERED_FROM, 256,
# documents or more is kept in that field's order). Numbers, text, dates, booleans, null and a
# missing field in one bucket: a range compares within its operand's type only.
AT_1 = datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc)
AT_2 = datetime(2026, 1, 1, 8, 0, 0, 1000, tzinfo=timezone.utc)  # a millisecond later
AT_3 = datetime(2026, 2, 1, tzinfo=timezone.utc)
RANGED_ODD = {"f2.5": 2.5, "f10.0": 10.0, "big": 2 ** 40, "s10": "10", "sa": "a", "sb": "b", "null": None,
              "d1": AT_1, "d2": AT_2, "d3": AT_3, "true": True, "false": False}


def numbered(first, last, prefix="n"):
    return [f"{prefix}{i}" for i in range(first, last + 1)]


@pytest.fixture
def ranged(db):
    db.orders.create_index([("estate_id", 1), ("kind", 1), ("at", 1)])
    docs = [{"_id": f"n{i}", "estate_id": "e1", "kind": "a", "at": i} for i in range(280)]
    docs += [{"_id": name, "estate_id": "e1", "kind": "a", "at": at} for name, at in RANGED_ODD.items()]
    docs += [{"_id": "missing", "estate_id": "e1", "kind": "a"}]
    docs += [{"_id": f"b{i}", "estate_id": "e1", "kind": "b", "at": i} for i in range(260)]  # another bucket
    docs += [{"_id": f"x{i}", "estate_id": "e2", "kind": "a", "at": i} for i in range(20)]  # another estate
    db.orders.insert_many(docs)
    return db.orders


@pytest.mark.parametrize("at, expected", [
    ({"$gte": 10, "$lt": 20}, numbered(10, 19) + ["f10.0"]),       # 10 and 10.0 are one number
    ({"$gt": 10, "$lte": 20}, numbered(11, 20)),
    ({"$lt": 3}, numbered(0, 2) + ["f2.5"]),                        # not null, missing, false or "10"
    ({"$lte": 10.0}, numbered(0, 10) + ["f10.0", "f2.5"]),
    ({"$gt": 278}, ["n279", "big"]),                                # not text, dates or true
    ({"$gte": 2 ** 40}, ["big"]),
    ({"$gt": 2 ** 40}, []),
    ({"$lt": 0}, []),
    ({"$lt": "a"}, ["s10"]),
    ({"$gte": "a"}, ["sa", "sb"]),
    ({"$gt": "b"}, []),
    ({"$gte": None}, ["null", "missing"]),                          # only $gte and $lte null take null and missing
    ({"$lte": None}, ["null", "missing"]),
    ({"$gt": None}, []),
    ({"$lt": None}, []),
    ({"$gte": AT_1, "$lt": AT_3}, ["d1", "d2"]),
    ({"$gt": AT_1}, ["d2", "d3"]),
    ({"$lte": datetime(2026, 1, 1, 8, 0)}, ["d1"]),                 # a naive datetime is UTC
    ({"$lt": datetime(2026, 1, 1, 16, 0, 0, 1000, tzinfo=timezone(timedelta(hours=8)))}, ["d1"]),
    ({"$gt": False}, ["true"]),
    ({"$gte": 5, "$lt": "z"}, []),                                  # a number and a text: nothing is both
    ({"$exists": True, "$lt": 1}, ["n0"]),
    ({"$gte": 100, "$lt": 103, "$ne": 101}, ["n100", "n102"]),
    ({"$gte": 270, "$in": [1, 275, 290, "275"]}, ["n275"]),
])
def test_a_range_after_an_index_equalities_finds_what_mongodb_finds(ranged, at, expected):
    query = {"estate_id": "e1", "kind": "a", "at": at}
    assert sorted(ids(ranged.find(query))) == sorted(expected)
    assert ranged.count_documents(query) == len(expected)
    both = {"$and": [{"estate_id": "e1", "kind": "a"}] + [{"at": {name: operand}} for name, operand in at.items()]}
    assert sorted(ids(ranged.find(both))) == sorted(expected)  # each bound in a member of $and


def test_a_range_after_in_lists_on_the_equalities_takes_each_bucket_within_its_bounds(ranged):
    query = {"estate_id": "e1", "kind": {"$in": ["a", "b", "c"]}, "at": {"$gte": 10, "$lt": 12}}
    assert sorted(ids(ranged.find(query))) == ["b10", "b11", "f10.0", "n10", "n11"]
    query = {"estate_id": {"$in": ["e1", "e2"]}, "kind": "a", "at": {"$gt": 17, "$lte": 19}}
    assert sorted(ids(ranged.find(query))) == ["n18", "n19", "x18", "x19"]
    query = {"estate_id": "e1", "kind": {"$in": ["a", "b"]}, "at": {"$lte": None}}
    assert sorted(ids(ranged.find(query))) == ["missing", "null"]


def test_a_range_after_an_index_equalities_sorted_and_limited(ranged):
    query = {"estate_id": "e1", "kind": "a"}
    page = ranged.find({**query, "at": {"$gte": 270}}).sort([("at", 1), ("_id", 1)]).limit(5)
    assert ids(page) == numbered(270, 274)
    page = ranged.find({**query, "at": {"$lt": 3}}).sort([("at", 1), ("_id", 1)]).limit(10)
    assert ids(page) == ["n0", "n1", "n2", "f2.5"]
    page = ranged.find({**query, "at": {"$gt": AT_1}}).sort([("at", 1), ("_id", 1)]).limit(10)
    assert ids(page) == ["d2", "d3"]
    page = ranged.find({**query, "at": {"$gte": 9, "$lte": 10}}).sort([("at", 1), ("_id", 1)]).limit(10)
    assert ids(page) == ["n9", "f10.0", "n10"]  # 10.0 and 10 tie: by _id
    assert ids(ranged.find({**query, "at": {"$exists": True}}).sort([("at", 1)]).limit(1)) == ["null"]
    assert ids(ranged.find({**query, "at": {"$gte": 0}}, sort=[("at", 1)]).limit(2)) == ["n0", "n1"]
    assert ids(ranged.find({**query, "at": {"$gte": AT_1}}).sort([("at", 1)]).limit(1)) == ["d1"]


def test_writes_move_documents_in_and_out_of_a_range(ranged):
    query = {"estate_id": "e1", "kind": "a", "at": {"$gte": 10, "$lt": 20}}
    assert ranged.count_documents(query) == 11
    ranged.update_one({"_id": "n5"}, {"$set": {"at": 15.5}})           # into the range
    ranged.update_one({"_id": "n12"}, {"$set": {"at": "12"}})          # out of it: text
    ranged.update_one({"_id": "n13"}, {"$unset": {"at": ""}})          # out of it: missing
    ranged.update_one({"_id": "n14"}, {"$set": {"kind": "b"}})         # to another bucket
    ranged.delete_one({"_id": "n15"})
    ranged.insert_one({"_id": "new", "estate_id": "e1", "kind": "a", "at": 19.9})
    ranged.update_one({"_id": "b16"}, {"$set": {"kind": "a"}})         # from another bucket
    expected = ["b16", "f10.0", "n10", "n11", "n16", "n17", "n18", "n19", "n5", "new"]
    assert sorted(ids(ranged.find(query))) == expected
    assert ranged.update_many(query, {"$set": {"seen": True}}).matched_count == len(expected)
    assert ranged.delete_many({**query, "at": {"$gte": 16, "$lt": 17}}).deleted_count == 2  # n16, b16
    assert ranged.count_documents(query) == len(expected) - 2
    nothing_there = {"estate_id": "e1", "kind": "a", "at": {"$lte": None}}
    assert sorted(ids(ranged.find(nothing_there))) == ["missing", "n13", "null"]


# An index led by the ranged field, with no equality before it: integrations' deliveries due in
# every estate ({status: "pending", next_attempt_at: {$lte: now}}, sorted, limited) through
# [(next_attempt_at, 1)] partial on the pending ones. MongoDB uses such a partial index only for a
# query that implies its filter; the embedded store reads the entries within the range likewise,
# and walks the collection for any other query. The answers are the same either way.
@pytest.fixture
def due(db):
    db.deliveries.create_index([("next_at", 1)], name="due", partialFilterExpression={"status": "pending"})
    docs = [{"_id": f"p{i}", "status": "pending", "next_at": i} for i in range(280)]
    docs += [{"_id": f"q{name}", "status": "pending", "next_at": at} for name, at in RANGED_ODD.items()]
    docs += [{"_id": "qmissing", "status": "pending"}]
    docs += [{"_id": f"x{i}", "status": "delivered", "next_at": i} for i in range(280)]  # outside the index
    docs += [{"_id": "xnull", "status": "delivered", "next_at": None}]
    db.deliveries.insert_many(docs)
    return db.deliveries


@pytest.mark.parametrize("at, expected", [
    ({"$gte": 10, "$lt": 20}, numbered(10, 19, "p") + ["qf10.0"]),
    ({"$lt": 3}, numbered(0, 2, "p") + ["qf2.5"]),
    ({"$gt": 278}, ["p279", "qbig"]),
    ({"$gte": "a"}, ["qsa", "qsb"]),
    ({"$lte": None}, ["qmissing", "qnull"]),
    ({"$gt": None}, []),
    ({"$gt": AT_1}, ["qd2", "qd3"]),
    ({"$lte": datetime(2026, 1, 1, 8, 0)}, ["qd1"]),
    ({"$gt": False}, ["qtrue"]),
    ({"$exists": True, "$lt": 1}, ["p0"]),
    ({"$gte": 100, "$lt": 103, "$ne": 101}, ["p100", "p102"]),
])
def test_a_range_on_a_partial_index_s_first_field_finds_what_mongodb_finds(due, at, expected):
    query = {"status": "pending", "next_at": at}
    assert sorted(ids(due.find(query))) == sorted(expected)
    assert due.count_documents(query) == len(expected)
    both = {"$and": [{"status": "pending"}] + [{"next_at": {name: operand}} for name, operand in at.items()]}
    assert sorted(ids(due.find(both))) == sorted(expected)


def test_a_range_without_the_partial_filter_finds_every_document_in_it(due):
    assert sorted(ids(due.find({"next_at": {"$gte": 10, "$lt": 12}}))) == ["p10", "p11", "qf10.0", "x10", "x11"]
    query = {"status": {"$in": ["pending", "delivered"]}, "next_at": {"$lt": 2}}
    assert sorted(ids(due.find(query))) == ["p0", "p1", "x0", "x1"]
    assert sorted(ids(due.find({"status": "delivered", "next_at": {"$lte": None}}))) == ["xnull"]
    assert sorted(ids(due.find({"next_at": {"$lte": None}}))) == ["qmissing", "qnull", "xnull"]


def test_a_range_on_a_partial_index_s_first_field_sorted_and_limited(due):
    pending = {"status": "pending"}
    assert ids(due.find({**pending, "next_at": {"$lte": 5}}, sort=[("next_at", 1)], limit=3)) == ["p0", "p1", "p2"]
    assert ids(due.find({**pending, "next_at": {"$lte": 5}}).sort([("next_at", 1)]).skip(2).limit(2)) == ["p2", "qf2.5"]
    page = due.find({**pending, "next_at": {"$gte": 270}}, sort=[("next_at", 1)], limit=20)
    assert ids(page) == numbered(270, 279, "p") + ["qbig"]
    page = due.find({**pending, "next_at": {"$gte": 9, "$lte": 10}}).sort([("next_at", 1), ("_id", 1)]).limit(10)
    assert ids(page) == ["p9", "p10", "qf10.0"]  # 10 and 10.0 tie: by _id
    assert ids(due.find({**pending, "next_at": {"$lt": "b"}}, sort=[("next_at", 1)], limit=5)) == ["qs10", "qsa"]
    assert ids(due.find({**pending, "next_at": {"$gt": AT_1}}, sort=[("next_at", 1)], limit=1)) == ["qd2"]
    assert ids(due.find({"next_at": {"$gte": 1, "$lt": 3}}).sort([("next_at", 1), ("_id", 1)]).limit(10)) == [
        "p1", "x1", "p2", "x2", "qf2.5"]


def test_writes_move_documents_in_and_out_of_a_partial_index_s_range(due):
    pending = {"status": "pending"}
    assert due.update_many({**pending, "next_at": {"$lte": 4}}, {"$set": {"status": "delivered"}}).matched_count == 6
    assert due.count_documents({**pending, "next_at": {"$lte": 4}}) == 0  # p0..p4 and qf2.5 left it
    assert due.count_documents({"next_at": {"$lte": 4}}) == 11
    due.update_one({"_id": "x7"}, {"$set": {"status": "pending"}})      # into the index
    due.update_one({"_id": "p6"}, {"$set": {"next_at": 300}})            # out of the range
    due.insert_one({"_id": "new", "status": "pending", "next_at": 5.5})
    due.update_one({"_id": "qf2.5"}, {"$set": {"status": "pending"}})    # back
    claimed = [due.find_one_and_update({**pending, "next_at": {"$lte": 7}}, {"$set": {"status": "sending"}},
                                       sort=[("next_at", 1), ("_id", 1)], return_document=ReturnDocument.AFTER)
               for _ in range(3)]
    assert [(doc["_id"], doc["status"]) for doc in claimed] == [("qf2.5", "sending"), ("p5", "sending"),
                                                                ("new", "sending")]
    assert ids(due.find({**pending, "next_at": {"$lte": 7}}).sort([("next_at", 1), ("_id", 1)])) == ["p7", "x7"]
    assert ids(due.find({**pending, "next_at": {"$gte": 299, "$lt": 1000}})) == ["p6"]
    assert due.delete_many({**pending, "next_at": {"$gt": 278}}).deleted_count == 3  # p279, qbig and p6
    assert sorted(ids(due.find({**pending, "next_at": {"$gt": 270}}))) == numbered(271, 278, "p")


def test_a_range_on_a_whole_index_s_first_field_finds_what_mongodb_finds(db):
    db.records.create_index([("at", 1), ("kind", 1)])
    db.records.insert_many([{"_id": f"r{i:03d}", "kind": "ab"[i % 2], "at": i} for i in range(300)]
                           + [{"_id": "text", "kind": "a", "at": "299"}, {"_id": "none", "kind": "a"}])
    assert ids(db.records.find({"at": {"$gte": 290}, "kind": "a"})) == ["r290", "r292", "r294", "r296", "r298"]
    assert ids(db.records.find({"at": {"$gt": 5}}).sort([("at", 1), ("kind", 1)]).limit(3)) == ["r006", "r007", "r008"]
    assert ids(db.records.find({"at": {"$lte": None}})) == ["none"]
    assert db.records.count_documents({"at": {"$gte": "2"}}) == 1


# A missing field and null under an index: MongoDB keys a missing field as null in an index that
# is not sparse (``{key: None}`` and ``{key: {$exists: false}}`` are read from its null entries);
# a sparse index holds only the documents that have one of its fields (null counts as having it),
# so a query a missing field can match is not answered from it; a partial one follows its filter.
# The answers are the same through every kind of index: the embedded store must find them too.
NULL_KEYED = [{"_id": "missing", "estate_id": "e1"},
              {"_id": "null", "estate_id": "e1", "key": None},
              {"_id": "present", "estate_id": "e1", "key": "k1"},
              {"_id": "listed", "estate_id": "e1", "key": [None, "k2"]},  # an array holding null
              {"_id": "empty", "estate_id": "e1", "key": []},             # an empty array: not null
              {"_id": "other", "estate_id": "e2"}]
NULL_KEY_INDEXES = {
    "plain": ([("key", 1)], {}),
    "sparse": ([("key", 1)], {"sparse": True}),
    "compound": ([("estate_id", 1), ("key", 1), ("_id", 1)], {}),
    "compound sparse": ([("estate_id", 1), ("key", 1)], {"sparse": True}),
    "partial": ([("estate_id", 1), ("key", 1)], {"partialFilterExpression": {"key": {"$exists": True}}}),
}
NULL_KEY_QUERIES = [
    ({"key": None}, ["listed", "missing", "null", "other"]),
    ({"estate_id": "e1", "key": None}, ["listed", "missing", "null"]),
    ({"estate_id": "e1", "key": {"$eq": None}}, ["listed", "missing", "null"]),
    ({"$and": [{"estate_id": "e1"}, {"key": None}]}, ["listed", "missing", "null"]),
    ({"estate_id": "e1", "key": {"$exists": False}}, ["missing"]),
    ({"estate_id": "e2", "key": {"$exists": False}}, ["other"]),
    ({"estate_id": "e1", "key": {"$exists": 0}}, ["missing"]),
    ({"estate_id": "e1", "key": {"$exists": True}}, ["empty", "listed", "null", "present"]),
    ({"estate_id": "e1", "key": {"$ne": None}}, ["empty", "present"]),
    ({"estate_id": "e1", "key": {"$in": [None, "k1"]}}, ["listed", "missing", "null", "present"]),
    ({"estate_id": "e1", "key": "k1"}, ["present"]),
    ({"estate_id": "e1", "key": "k2"}, ["listed"]),
    ({"estate_id": "e1", "key": []}, ["empty"]),
]


@pytest.mark.parametrize("kind", list(NULL_KEY_INDEXES))
@pytest.mark.parametrize("query, expected", NULL_KEY_QUERIES)
def test_a_missing_field_and_null_under_an_index_find_what_mongodb_finds(db, kind, query, expected):
    keys, options = NULL_KEY_INDEXES[kind]
    db.keyed.create_index(keys, **options)
    db.keyed.insert_many([dict(doc) for doc in NULL_KEYED])
    assert sorted(ids(db.keyed.find(query))) == expected
    assert db.keyed.count_documents(query) == len(expected)
    if expected:
        assert db.keyed.find_one(query, sort=[("_id", 1)])["_id"] == expected[0]


@pytest.mark.parametrize("kind", list(NULL_KEY_INDEXES))
def test_writes_move_documents_between_a_missing_field_null_and_a_value_under_an_index(db, kind):
    keys, options = NULL_KEY_INDEXES[kind]
    db.keyed.create_index(keys, **options)
    db.keyed.insert_many([dict(doc) for doc in NULL_KEYED if doc["_id"] != "empty"])
    unkeyed = {"estate_id": "e1", "key": {"$exists": False}}
    assert ids(db.keyed.find(unkeyed)) == ["missing"]
    db.keyed.update_one({"_id": "missing"}, {"$set": {"key": "k3"}})     # keyed: out of null
    db.keyed.update_one({"_id": "present"}, {"$unset": {"key": ""}})     # unkeyed: into it
    db.keyed.update_one({"_id": "null"}, {"$set": {"key": "k4"}})
    db.keyed.insert_one({"_id": "new", "estate_id": "e1"})
    assert ids(db.keyed.find(unkeyed, sort=[("_id", 1)])) == ["new", "present"]
    assert sorted(ids(db.keyed.find({"estate_id": "e1", "key": None}))) == ["listed", "new", "present"]
    assert ids(db.keyed.find({"estate_id": "e1", "key": "k3"})) == ["missing"]
    db.keyed.replace_one({"_id": "listed"}, {"estate_id": "e1", "key": None})
    db.keyed.delete_one({"_id": "new"})
    assert sorted(ids(db.keyed.find({"estate_id": "e1", "key": None}))) == ["listed", "present"]
    assert ids(db.keyed.find(unkeyed)) == ["present"]
    assert db.keyed.find_one({"estate_id": "e2", "key": None})["_id"] == "other"


def test_find_one_projection_sort_skip_limit(things):
    assert things.find_one({"_id": "t1"}, {"kind": 1, "nested": 1}) == {"_id": "t1", "kind": "a"}
    assert things.find_one({"_id": "t1"}, {"kind": 1, "_id": 0}) == {"kind": "a"}
    assert things.find_one({"_id": "t5"}, {"nested.deep.k": 1}) == {"_id": "t5", "nested": {"deep": {"k": 2}}}
    assert set(things.find_one({"_id": "t2"}, {"history": 0, "tags": 0})) == {"_id", "estate_id", "n", "kind", "at"}
    assert things.find_one({"_id": "none"}) is None
    assert things.find_one("t3")["n"] == 3.5
    assert ids(things.find({"estate_id": "e1"}).sort("_id", -1).skip(1).limit(2)) == ["t4", "t2"]
    assert ids(things.find({}, sort=[("kind", 1), ("_id", -1)])) == ["t4", "t3", "t1", "t2", "t5"]
    assert ids(things.find({}, {"_id": 1}).sort([("n", -1), ("_id", 1)]).limit(3)) == ["t4", "t5", "t2"]
    assert ids(things.find({}).sort([("at", 1), ("_id", 1)])) == ["t4", "t5", "t1", "t2", "t3"]
    assert things.find_one({"estate_id": "e1"}, sort=[("n", 1)])["_id"] == "t1"
    assert [d["_id"] for d in things.find({"estate_id": "e1"}, {"_id": 1}, batch_size=2).sort("_id")] == \
        ["t1", "t2", "t4", "t5"]
    assert things.count_documents({"estate_id": "e1"}, limit=2) == 2
    assert things.count_documents({"estate_id": "e1"}, skip=3) == 1


def test_distinct(things):
    assert sorted(things.distinct("estate_id")) == ["e1", "e2"]
    assert sorted(things.distinct("tags", {"estate_id": "e1"})) == ["x", "y", "z"]
    assert things.distinct("kind", {"kind": {"$in": [1, "c"]}}) in ([1, "c"], ["c", 1])


# -- updates ---------------------------------------------------------------------------

def test_update_one_counts_matched_and_modified(db):
    db.things.insert_one({"_id": "t1", "status": "open", "n": 1})
    answer = db.things.update_one({"_id": "t1", "status": "open"}, {"$set": {"status": "done"}})
    assert (answer.matched_count, answer.modified_count, answer.upserted_id) == (1, 1, None)
    answer = db.things.update_one({"_id": "t1", "status": "open"}, {"$set": {"status": "done"}})
    assert (answer.matched_count, answer.modified_count) == (0, 0)   # the guard: no longer open
    answer = db.things.update_one({"_id": "t1"}, {"$set": {"status": "done"}})
    assert (answer.matched_count, answer.modified_count) == (1, 0)   # already so: nothing modified


def test_update_operators(db):
    db.things.insert_one({"_id": "t1", "n": 1, "gone": 1, "list": [1, 2, 3, 2], "history": [],
                          "allocations": [{"id": "a1", "amount": 5}, {"id": "a2", "amount": 7}],
                          "_outbox": [{"event_id": "e1"}, {"event_id": "e2"}, {"event_id": "e3"}]})
    db.things.update_one({"_id": "t1"}, {
        "$set": {"status": "done", "data.deep.x": 1}, "$unset": {"gone": ""}, "$inc": {"n": 2, "fresh": -3},
        "$push": {"history": {"at": 1}, "log": {"$each": [1, 2]}},
        "$pull": {"list": 2, "allocations": {"id": "a1"}, "_outbox": {"event_id": {"$in": ["e1", "e3"]}}},
        "$addToSet": {"tags": {"$each": ["a", "b", "a"]}},
        "$min": {"low": 4}, "$max": {"high": 9}})
    doc = db.things.find_one({"_id": "t1"})
    assert doc == {"_id": "t1", "n": 3, "list": [1, 3], "history": [{"at": 1}],
                   "allocations": [{"id": "a2", "amount": 7}], "_outbox": [{"event_id": "e2"}],
                   "status": "done", "data": {"deep": {"x": 1}}, "fresh": -3, "log": [1, 2],
                   "tags": ["a", "b"], "low": 4, "high": 9}
    db.things.update_one({"_id": "t1"}, {"$min": {"low": 6}, "$max": {"high": 3}, "$addToSet": {"tags": "a"},
                                         "$push": {"history": {"$each": [{"at": 2}, {"at": 3}]}}})
    doc = db.things.find_one({"_id": "t1"})
    assert (doc["low"], doc["high"], doc["tags"], len(doc["history"])) == (4, 9, ["a", "b"], 3)
    assert db.things.update_one({"_id": "t1"}, {"$pull": {"list": 99}}).modified_count == 0


def test_a_conditional_update_on_a_map_s_keys_writes_only_while_each_key_is_as_found(db):
    """finance's fence of the billing lock (``store.claim_coverage``): a document's map of months written only
    while its fence is at most the writer's and each month is as the writer found it (missing, or a value);
    set and unset by dotted paths into the map, keys with a hyphen."""
    db.coverage.insert_one({"_id": "c1", "fence": 3, "months": {"2026-10": "b0"}, "claims": {"b0": {"_id": "b0"}}})
    claim = {"$set": {"fence": 5, "months.2026-11": "b1", "months.2026-10": "b1", "claims.b1": {"_id": "b1", "n": 1}},
             "$unset": {"claims.b0": ""}}
    found = {"months.2026-11": {"$exists": False}, "months.2026-10": "b0"}
    assert db.coverage.update_one({"_id": "c1", "fence": {"$lte": 4}, **found}, claim).matched_count == 1
    assert db.coverage.find_one({"_id": "c1"}) == {"_id": "c1", "fence": 5, "months": {
        "2026-10": "b1", "2026-11": "b1"}, "claims": {"b1": {"_id": "b1", "n": 1}}}
    assert db.coverage.update_one({"_id": "c1", "fence": {"$lte": 4}}, {"$set": {"fence": 4}}).matched_count == 0
    assert db.coverage.update_one({"_id": "c1", "fence": {"$lte": 6}, **found}, claim).matched_count == 0
    # a lock's grant: taken over once expired, its fence counting up; none while held
    db.locks.insert_one({"_id": "l1", "expires_at": "2026-01-01T00:00:30Z", "fence": 7})
    grant = {"$set": {"token": "t2", "expires_at": "2026-01-01T00:01:30Z"}, "$inc": {"fence": 1}}
    assert db.locks.find_one_and_update({"_id": "l1", "expires_at": {"$lt": "2026-01-01T00:00:10Z"}}, grant,
                                        return_document=ReturnDocument.AFTER) is None
    assert db.locks.find_one_and_update({"_id": "l1", "expires_at": {"$lt": "2026-01-01T00:01:00Z"}}, grant,
                                        return_document=ReturnDocument.AFTER)["fence"] == 8


def test_update_many_and_its_counts(db):
    some(db, [{"_id": f"t{i}", "estate_id": "e1", "n": i} for i in range(5)])
    answer = db.things.update_many({"n": {"$gte": 2}}, {"$set": {"big": True}})
    assert (answer.matched_count, answer.modified_count) == (3, 3)
    assert db.things.count_documents({"big": True}) == 3


def test_an_update_may_not_change_the_id_and_must_use_operators(db):
    db.things.insert_one({"_id": "t1"})
    with pytest.raises(WriteError):
        db.things.update_one({"_id": "t1"}, {"$set": {"_id": "t2"}})
    with pytest.raises(ValueError):
        db.things.update_one({"_id": "t1"}, {"n": 1})
    with pytest.raises(WriteError):
        db.things.update_one({"_id": "t1"}, {"$set": {"n": 1}, "$inc": {"n": 1}})


def test_upsert_builds_the_document_from_the_filters_equalities(db):
    answer = db.copies.update_one({"_id": "h1", "$or": [{"version": {"$lt": 2}}, {"version": {"$exists": False}}]},
                                  {"$set": {"estate_id": "e1", "version": 2}}, upsert=True)
    assert (answer.matched_count, answer.modified_count, answer.upserted_id) == (0, 0, "h1")
    assert db.copies.find_one({"_id": "h1"}) == {"_id": "h1", "estate_id": "e1", "version": 2}
    # an older copy arrives: no match, and the upsert meets the stored _id (the replica's rule)
    with pytest.raises(DuplicateKeyError):
        db.copies.update_one({"_id": "h1", "$or": [{"version": {"$lt": 1}}, {"version": {"$exists": False}}]},
                             {"$set": {"estate_id": "e1", "version": 1}}, upsert=True)
    answer = db.failures.update_one({"_id": "k1"}, {"$inc": {"count": 1}, "$set": {"last_at": "t"}}, upsert=True)
    assert answer.upserted_id == "k1"
    db.failures.update_one({"_id": "k1"}, {"$inc": {"count": 1}, "$set": {"last_at": "u"}}, upsert=True)
    assert db.failures.find_one({"_id": "k1"}) == {"_id": "k1", "count": 2, "last_at": "u"}
    answer = db.failures.update_one({"estate_id": "e9", "kind": "x"}, {"$setOnInsert": {"n": 1}}, upsert=True)
    assert isinstance(answer.upserted_id, ObjectId)
    assert db.failures.find_one({"_id": answer.upserted_id}) == {"_id": answer.upserted_id, "estate_id": "e9",
                                                                "kind": "x", "n": 1}


def test_replace_one_with_upsert(db):
    db.budgets.replace_one({"_id": "b1"}, {"_id": "b1", "estate_id": "e1", "lines": [1]}, upsert=True)
    db.budgets.replace_one({"_id": "b1"}, {"_id": "b1", "estate_id": "e1", "lines": [1, 2]}, upsert=True)
    assert db.budgets.find_one({"_id": "b1"}) == {"_id": "b1", "estate_id": "e1", "lines": [1, 2]}
    assert db.budgets.count_documents({}) == 1
    answer = db.budgets.replace_one({"_id": "b2"}, {"estate_id": "e1"})
    assert (answer.matched_count, answer.upserted_id) == (0, None)


def test_find_one_and_update_returns_before_or_after_and_upserts(db):
    assert db.counters.find_one_and_update({"_id": "c"}, {"$inc": {"value": 1}}, upsert=True) is None
    after = db.counters.find_one_and_update({"_id": "c"}, {"$inc": {"value": 1}},
                                            return_document=ReturnDocument.AFTER)
    assert after == {"_id": "c", "value": 2}
    before = db.counters.find_one_and_update({"_id": "c"}, {"$inc": {"value": 1}}, projection={"_id": 0})
    assert before == {"value": 2}
    assert db.counters.find_one_and_update({"_id": "nothing"}, {"$inc": {"value": 1}}) is None


def test_find_one_and_update_takes_the_first_in_sort_order(db):
    some(db, [{"_id": "j2", "status": "queued", "created_at": "2026-01-02"},
              {"_id": "j1", "status": "queued", "created_at": "2026-01-03"},
              {"_id": "j0", "status": "queued", "created_at": "2026-01-02"},
              {"_id": "j9", "status": "running", "created_at": "2026-01-01"}], "jobs")
    claimed = [db.jobs.find_one_and_update({"status": "queued"}, {"$set": {"status": "running"}},
                                           sort=[("created_at", 1), ("_id", 1)],
                                           return_document=ReturnDocument.AFTER)["_id"] for _ in range(3)]
    assert claimed == ["j0", "j2", "j1"]
    assert db.jobs.find_one_and_update({"status": "queued"}, {"$set": {"status": "running"}}) is None


def test_delete_one_and_many(db):
    some(db, [{"_id": f"t{i}", "n": i % 2} for i in range(6)])
    assert db.things.delete_one({"_id": "t0", "n": 1}).deleted_count == 0
    assert db.things.delete_one({"_id": "t0"}).deleted_count == 1
    assert db.things.delete_many({"n": 1}).deleted_count == 3
    assert sorted(ids(db.things.find())) == ["t2", "t4"]
    db.things.insert_one({"_id": "t0"})  # the id is free again


# -- values ----------------------------------------------------------------------------

def test_datetimes_come_back_tz_aware_utc_at_millisecond_precision(db):
    aware = datetime(2026, 11, 23, 16, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    naive = datetime(2026, 11, 23, 8, 0, 0, 999999)
    db.things.insert_one({"_id": "t1", "aware": aware, "naive": naive, "list": [aware]})
    doc = db.things.find_one({"_id": "t1"})
    for value in (doc["aware"], doc["naive"], doc["list"][0]):
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
    assert doc["aware"] == datetime(2026, 11, 23, 8, 0, 0, 123000, tzinfo=timezone.utc)
    assert doc["naive"] == datetime(2026, 11, 23, 8, 0, 0, 999000, tzinfo=timezone.utc)
    assert db.things.count_documents({"aware": {"$gte": datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)}}) == 1
    assert db.things.count_documents({"naive": {"$lt": datetime(2026, 11, 23, 8, 0, 1)}}) == 1


def test_numbers_strings_and_booleans_keep_their_types(db):
    db.things.insert_one({"_id": "t1", "int": 1, "float": 1.5, "big": 2 ** 62, "yes": True, "none": None})
    doc = db.things.find_one({"_id": "t1"})
    assert [type(doc[k]) for k in ("int", "float", "big", "yes")] == [int, float, int, bool]
    assert doc["none"] is None and doc["big"] == 2 ** 62
    assert db.things.count_documents({"int": 1.0}) == 1 and db.things.count_documents({"yes": 1}) == 0


# -- the store helpers on both adapters -------------------------------------------------

SEVEN = [("d5", "2026-01-01T00:00:03.000Z"), ("a1", "2026-01-01T00:00:01.000Z"), ("c9", "2026-01-01T00:00:02.000Z"),
         ("b2", "2026-01-01T00:00:02.000Z"), ("z7", "2026-01-01T00:00:00.500Z"), ("e4", "2026-01-01T00:00:03.000Z"),
         ("f0", "2026-01-01T00:00:04.000Z")]


def test_page_walks_created_at_then_id_with_stable_cursors(db):
    db.items.insert_many([{"_id": i, "estate_id": "e1", "created_at": at, "_outbox": [{"x": 1}]} for i, at in SEVEN])
    db.items.insert_one({"_id": "other", "estate_id": "e2", "created_at": "2026-01-01T00:00:02.500Z"})
    first = store.page(db.items, {"estate_id": "e1"}, limit=3)
    assert [d["id"] for d in first["items"]] == ["z7", "a1", "b2"]
    assert "_outbox" not in first["items"][0] and "_id" not in first["items"][0]
    db.items.insert_one({"_id": "a0", "estate_id": "e1", "created_at": "2026-01-01T00:00:01.000Z"})  # before the cursor
    seen, cursor = [], first["next_cursor"]
    while cursor:
        page = store.page(db.items, {"estate_id": "e1"}, limit=3, cursor=cursor)
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ["c9", "d5", "e4", "f0"]
    assert store.page(db.items, {"estate_id": "e3"}) == {"items": [], "next_cursor": None}


def test_page_walks_newest_first_with_the_same_cursors_backwards(db):
    db.items.insert_many([{"_id": i, "estate_id": "e1", "created_at": at} for i, at in SEVEN])
    db.items.insert_one({"_id": "other", "estate_id": "e2", "created_at": "2026-01-01T00:00:02.500Z"})
    seen, cursor = [], None
    while True:
        page = store.page(db.items, {"estate_id": "e1"}, limit=3, cursor=cursor, newest_first=True)
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["f0", "e4", "d5", "c9", "b2", "a1", "z7"]


def test_page_walks_the_order_of_another_timestamp_with_its_cursors(db):
    """``by``: a list ordered by a document's own moment (an equipment record's ``at``), not when it
    was written."""
    db.items.insert_many([{"_id": i, "estate_id": "e1", "at": at, "created_at": "2026-02-01T00:00:00.000Z"}
                          for i, at in SEVEN])
    for newest_first, expected in ((False, ["z7", "a1", "b2", "c9", "d5", "e4", "f0"]),
                                   (True, ["f0", "e4", "d5", "c9", "b2", "a1", "z7"])):
        seen, cursor = [], None
        while True:
            page = store.page(db.items, {"estate_id": "e1"}, limit=3, cursor=cursor, newest_first=newest_first,
                              by="at")
            seen += [d["id"] for d in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
            assert cursor.startswith(dict(SEVEN)[seen[-1]])
        assert seen == expected


def test_scan_gives_every_match_with_only_the_wanted_fields(db):
    db.households.insert_many([{"_id": f"h{i}", "estate_id": "e1" if i % 3 else "e2", "area_m2": 50 + i,
                                "owner": {"name": "x"}} for i in range(10)])
    scanned = list(store.scan(db.households, {"estate_id": "e1"}, ("area_m2", "absent")))
    assert sorted(d["_id"] for d in scanned) == ["h1", "h2", "h4", "h5", "h7", "h8"]
    assert all(set(d) == {"_id", "area_m2"} for d in scanned)
    assert list(store.scan(db.households, {"_id": "h0"}, ())) == [{"_id": "h0"}]
    [whole] = store.scan(db.households, {"_id": "h3"})
    assert whole == {"_id": "h3", "estate_id": "e2", "area_m2": 53, "owner": {"name": "x"}}


def test_next_number_counts_per_estate_and_series_from_one(db):
    assert [store.next_number(db, "e1", "SR") for _ in range(3)] == [1, 2, 3]
    assert store.next_number(db, "e1", "WO") == 1
    assert store.next_number(db, "e2", "SR") == 1
    assert db.counters.find_one({"_id": "e2:SR"}) == {"_id": "e2:SR", "estate_id": "e2", "value": 1}


def test_next_number_is_distinct_across_threads(db):
    taken, lock = [], threading.Lock()

    def take():
        for _ in range(20):
            value = store.next_number(db, "e1", "SR")
            with lock:
                taken.append(value)
    workers = [threading.Thread(target=take) for _ in range(5)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(taken) == list(range(1, 101))


def test_collections_helpers_scope_by_estate(db):
    named = store.Collections({"keys": "key"})
    assert named.insert(db, "keys", {"_id": "k1", "estate_id": "e1"}) is True
    assert named.insert(db, "keys", {"_id": "k1", "estate_id": "e1"}) is False
    assert named.find(db, "keys", "e1", "k1") == {"_id": "k1", "estate_id": "e1"}
    assert named.find(db, "keys", "e2", "k1") is None


NANS = [{"_id": 1, "v": float("nan")}, {"_id": 2, "v": 2}, {"_id": 3, "v": "x"}, {"_id": 4},
        {"_id": 5, "v": [float("nan"), 7]}, {"_id": 6, "v": -1e308}, {"_id": 7, "v": None}]


@pytest.mark.parametrize("indexed", [False, True])
def test_a_nan_equals_a_nan_alone_and_meets_no_range_but_gte_and_lte_nan(db, indexed):
    if indexed:
        db.nans.create_index([("v", 1)])
    db.nans.insert_many([dict(doc) for doc in NANS])
    for query, expected in [
            ({"v": float("nan")}, [1, 5]), ({"v": {"$in": [float("nan")]}}, [1, 5]),
            ({"v": {"$in": [float("nan"), 2]}}, [1, 2, 5]), ({"v": {"$ne": float("nan")}}, [2, 3, 4, 6, 7]),
            ({"v": {"$nin": [float("nan")]}}, [2, 3, 4, 6, 7]), ({"v": {"$gte": float("nan")}}, [1, 5]),
            ({"v": {"$lte": float("nan")}}, [1, 5]), ({"v": {"$gt": float("nan")}}, []), ({"v": {"$lt": 0}}, [6])]:
        assert sorted(doc["_id"] for doc in db.nans.find(query)) == expected, query
    assert [doc["_id"] for doc in db.nans.find({"_id": {"$in": [1, 2, 6]}}, sort=[("v", 1)])] == [1, 6, 2]


def test_a_range_inside_elem_match_through_an_index_on_the_elements_field(db):
    """Each ``$elemMatch`` is met by one element, two of them by two; a path through an array inside
    the element may meet a range with two values; ``$gte: null`` takes an element without the field."""
    db.bills.create_index([("estate_id", 1), ("allocations.at", 1)])
    db.bills.create_index([("estate_id", 1), ("a.b.c", 1)])
    db.bills.insert_many([{"_id": i, "estate_id": "e", "allocations": [{"at": i}, {"at": 1000 + i}],
                           "a": [{"b": [{"c": i}, {"c": 1000 + i}]}]} for i in range(300)]
                         + [{"_id": "none", "estate_id": "e", "allocations": [{"id": "x"}]}])

    def found(query):
        return sorted(str(doc["_id"]) for doc in db.bills.find(query))

    assert found({"estate_id": "e", "$and": [{"allocations": {"$elemMatch": {"at": {"$gte": 1290}}}},
                                             {"allocations": {"$elemMatch": {"at": {"$lt": 295}}}}]}) == \
        [str(i) for i in range(290, 295)]
    assert found({"estate_id": "e", "allocations": {"$elemMatch": {"at": {"$gte": 10, "$lt": 12}}}}) == ["10", "11"]
    assert len(found({"estate_id": "e", "a": {"$elemMatch": {"b.c": {"$gte": 500, "$lt": 600}}}})) == 300
    assert found({"estate_id": "e", "allocations": {"$elemMatch": {"at": {"$gte": None}}}}) == ["none"]


# -- aggregate: the one shape the code base sends ([$match, $group] with $sum) ---------------------------

def test_aggregate_groups_the_matches_by_a_field_with_sums_and_counts(db):
    things = some(db, [
        {"_id": "a", "estate_id": "e1", "payee_id": "p1", "status": "posted", "amount_cents": 100, "fee_cents": 2},
        {"_id": "b", "estate_id": "e1", "payee_id": "p1", "status": "posted", "amount_cents": 250},
        {"_id": "c", "estate_id": "e1", "payee_id": "p2", "status": "posted", "amount_cents": 7, "fee_cents": 1},
        {"_id": "d", "estate_id": "e1", "payee_id": "p2", "status": "pending", "amount_cents": 1000, "fee_cents": 9},
        {"_id": "e", "estate_id": "e1", "payee_id": "p3", "status": "posted", "amount_cents": 5, "fee_cents": 5},
        {"_id": "f", "estate_id": "e2", "payee_id": "p1", "status": "posted", "amount_cents": 9, "fee_cents": 9},
        {"_id": "g", "estate_id": "e1", "payee_id": "p1", "status": "posted", "amount_cents": "x", "fee_cents": 3},
    ])
    rows = things.aggregate([
        {"$match": {"estate_id": "e1", "payee_id": {"$in": ["p1", "p2", "p9"]}, "status": "posted"}},
        {"$group": {"_id": "$payee_id", "count": {"$sum": 1}, "amount_cents": {"$sum": "$amount_cents"},
                    "fee_cents": {"$sum": "$fee_cents"}}}])
    assert sorted(rows, key=lambda row: row["_id"]) == [  # a string or a missing field is not a number: left out
        {"_id": "p1", "count": 3, "amount_cents": 350, "fee_cents": 5},
        {"_id": "p2", "count": 1, "amount_cents": 7, "fee_cents": 1}]
    assert list(things.aggregate([{"$match": {"estate_id": "e3"}},
                                  {"$group": {"_id": "$payee_id", "count": {"$sum": 1}}}])) == []


def test_a_fenced_update_matches_a_document_without_the_fence_or_a_lower_one_and_its_upsert_meets_a_higher_one(db):
    """``leases_store``'s fenced writes (found by h5): ``{"_fences.<lock>": {"$not": {"$gt": fence}}}`` matches
    a document with no fence of the lock yet or one not above, ``$set`` of the dotted path makes the nested
    field, and an upsert whose document has a higher fence tries the insert and meets its ``_id``."""
    db.c.insert_one({"_id": "d1", "estate_id": "e"})
    fenced = {"_id": "d1", "estate_id": "e", "_fences.lock_1": {"$not": {"$gt": 5}}}
    assert db.c.update_one(fenced, {"$set": {"v": 1, "_fences.lock_1": 5}}).matched_count == 1
    assert db.c.find_one({"_id": "d1"})["_fences"] == {"lock_1": 5}
    stale = {"_id": "d1", "estate_id": "e", "_fences.lock_1": {"$not": {"$gt": 4}}}
    assert db.c.update_one(stale, {"$set": {"v": 2, "_fences.lock_1": 4}}).matched_count == 0
    with pytest.raises(DuplicateKeyError):
        db.c.update_one(stale, {"$set": {"v": 2, "_fences.lock_1": 4}}, upsert=True)
    made = db.c.update_one({"_id": "d2", "estate_id": "e", "_fences.lock_1": {"$not": {"$gt": 4}}},
                           {"$set": {"v": 3, "_fences.lock_1": 4}}, upsert=True)
    assert made.upserted_id == "d2" and db.c.find_one({"_id": "d2"})["_fences"] == {"lock_1": 4}
    assert db.c.find_one({"_id": "d1"})["v"] == 1
