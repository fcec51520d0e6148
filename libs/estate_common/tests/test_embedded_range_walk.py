"""A range on the field after an index's equality prefix (``{estate_id, _overdue_announced_at:
None, _owed_by: {$lt: now}}`` through ``(estate_id, _overdue_announced_at, _owed_by)``) is
served from the entries of the bucket within its bounds, as MongoDB's index bounds serve it,
where the embedded store walked every entry of the bucket: maintenance's overdue sweep walked
every open order of an estate each minute (4,000 in the bench, a core held). The answer is the
walk's, in the same order (the collection's natural order), through every kind of write; a
bucket holding a value the sort key cannot order (an array, a NaN, an Int64) is walked whole,
as before."""
import bisect
import random
from datetime import datetime, timedelta, timezone

import pytest
from bson.int64 import Int64

from estate_common import embedded_store

ABOVE = embedded_store._ABOVE
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
OWING = [("estate_id", 1), ("announced", 1), ("owed_by", 1)]


def orders(indexed=True, count=2000, name="orders"):
    collection = embedded_store.EmbeddedClient()["range_walk"][name]
    if indexed:
        collection.create_index([("estate_id", 1), ("created_at", 1), ("_id", 1)])
        collection.create_index(OWING, partialFilterExpression={"owed_by": {"$exists": True}})
    if count:
        collection.insert_many([{"_id": f"wo{i:05d}", "estate_id": "est_1", "announced": None,
                                 "owed_by": T0 + timedelta(minutes=i), "created_at": f"2026-01-01T{i:08d}"}
                                for i in range(count)])
    return collection


def visited(collection, query, **find):
    """The documents a query tests (its candidates), and its answer."""
    tested, real = [], embedded_store.compile_query

    def counting(query):
        test = real(query)
        return lambda doc: tested.append(doc["_id"]) or test(doc)
    embedded_store.compile_query = counting
    try:
        cursor = collection.find(query)
        if "sort" in find:
            cursor = cursor.sort(find["sort"])
        if "limit" in find:
            cursor = cursor.limit(find["limit"])
        found = [doc["_id"] for doc in cursor]
    finally:
        embedded_store.compile_query = real
    return tested, found


def test_a_range_after_the_equalities_tests_only_the_entries_within_its_bounds():
    collection = orders()
    owing = {"estate_id": "est_1", "announced": None}
    tested, found = visited(collection, {**owing, "owed_by": {"$exists": True, "$lt": T0}})
    assert found == [] and tested == []  # none late: nothing walked (it walked 2,000)
    tested, found = visited(collection, {**owing, "owed_by": {"$exists": True, "$lt": T0 + timedelta(minutes=10)}})
    assert found == [f"wo{i:05d}" for i in range(10)] and tested == found
    tested, found = visited(collection, {**owing, "owed_by": {"$gt": T0 + timedelta(minutes=1000),
                                                                "$lte": T0 + timedelta(minutes=1004)}})
    assert found == [f"wo{i:05d}" for i in range(1001, 1005)] and tested == found
    assert collection.count_documents({**owing, "owed_by": {"$gte": T0 + timedelta(minutes=1995)}}) == 5
    with collection._lock:  # updates and deletes start from the same candidates
        assert len(collection._candidates({**owing, "owed_by": {"$lt": T0 + timedelta(minutes=3)}})) == 3


def test_a_range_sorted_and_limited_stops_at_its_upper_bound():
    collection = orders()
    query = {"estate_id": "est_1", "created_at": {"$lt": "2026-01-01T00000020"}}
    tested, found = visited(collection, query, sort=[("created_at", 1), ("_id", 1)], limit=50)
    assert found == [f"wo{i:05d}" for i in range(20)]
    assert len(tested) == 20  # it walked on to the bucket's end (2,000) for a page it could not fill
    query = {"estate_id": "est_1", "announced": None, "owed_by": {"$gte": T0 + timedelta(minutes=7)}}
    tested, found = visited(collection, query, sort=[("owed_by", 1), ("_id", 1)], limit=3)
    assert found == ["wo00007", "wo00008", "wo00009"] and len(tested) == 3  # a date bounds the start too


def test_the_earliest_entry_by_one_field_is_read_in_order():
    """maintenance's probe for the earliest deadline not announced (``sort([(owed_by, 1)]).limit(1)``)
    sorted every open order of the estate: a sort on fields without ``_id`` last is walked in order
    too, its ties in the collection's natural order (a sort of every match keeps them so)."""
    collection = orders()
    collection.insert_many([{"_id": f"tie{i}", "estate_id": "est_1", "announced": None, "owed_by": T0}
                            for i in (3, 1, 2)])
    query = {"estate_id": "est_1", "announced": None, "owed_by": {"$exists": True}}
    tested, found = visited(collection, query, sort=[("owed_by", 1)], limit=1)
    assert found == ["wo00000"] and len(tested) <= 5  # the entries of its value, not 2,003
    tested, found = visited(collection, query, sort=[("owed_by", 1)], limit=3)
    assert found == ["wo00000", "tie3", "tie1"]  # the ties as inserted, as a sort of every match
    assert found == [doc["_id"] for doc in embedded_store._sorted(list(collection._matching(query)),
                                                                      [("owed_by", 1)], 3)]


def test_a_small_bucket_is_walked_as_before_and_keeps_no_ordered_copy():
    collection = orders(count=embedded_store.ORDERED_FROM - 1)
    tested, found = visited(collection, {"estate_id": "est_1", "announced": None, "owed_by": {"$lt": T0}})
    assert found == [] and len(tested) == embedded_store.ORDERED_FROM - 1
    assert not any(views for index in collection._indexes.values() for views in index.ordered.values())


@pytest.mark.parametrize("odd", [["a", "list"], float("nan"), Int64(5)], ids=["array", "nan", "int64"])
def test_a_bucket_holding_a_value_without_a_plain_order_is_walked_whole(odd):
    collection = orders(count=400)
    query = {"estate_id": "est_1", "announced": None, "owed_by": {"$lt": T0 + timedelta(minutes=2)}}
    assert visited(collection, query)[1] == ["wo00000", "wo00001"]  # the bucket is kept in order from here
    collection.insert_one({"_id": "odd", "estate_id": "est_1", "announced": None, "owed_by": odd})
    tested, found = visited(collection, query)
    assert found == ["wo00000", "wo00001"] and len(tested) == 401
    tested, found = visited(collection, {**query, "owed_by": {"$gte": 5}})
    assert found == (["odd"] if odd != ["a", "list"] and odd == odd else [])  # as the walk answers


def _name(number):
    """Ids out of insertion order (a prime's multiples): ties of a sort are put in the natural
    order, which their ids' would hide."""
    return f"d{number * 7919 % 100003:06d}"


def _doc(number, rng):
    value = rng.choice([
        lambda: rng.randrange(50), lambda: rng.randrange(50) + 0.5, lambda: str(rng.randrange(50)),
        lambda: T0 + timedelta(minutes=rng.randrange(50)), lambda: None, lambda: rng.choice([True, False]),
        lambda: embedded_store._MISSING])()
    doc = {"_id": _name(number), "estate_id": rng.choice(["est_1", "est_2"]), "kind": rng.choice("ab")}
    if value is not embedded_store._MISSING:
        doc["at"] = value
    return doc


def _operand(rng):
    return rng.choice([
        lambda: rng.randrange(-2, 52), lambda: rng.randrange(50) + rng.choice([0.0, 0.5, 0.25]),
        lambda: str(rng.randrange(50)), lambda: T0 + timedelta(minutes=rng.randrange(50), seconds=rng.choice([0, 30])),
        lambda: (T0 + timedelta(minutes=rng.randrange(50))).replace(tzinfo=None), lambda: None,
        lambda: rng.choice([True, False]), lambda: float("nan")])()


def _range(rng):
    names = rng.sample(["$gt", "$gte", "$lt", "$lte"], rng.choice([1, 1, 2, 2, 3]))
    condition = {name: _operand(rng) for name in names}
    if rng.random() < 0.2:
        condition["$exists"] = True
    return condition


def test_random_ranges_answer_what_the_walk_answers_in_its_order_through_writes():
    rng = random.Random(43)
    indexed, plain = orders(count=0), orders(indexed=False, count=0, name="plain")
    indexed.create_index([("estate_id", 1), ("kind", 1), ("at", 1)])
    docs = [_doc(n, rng) for n in range(1500)]
    indexed.insert_many([dict(doc) for doc in docs])
    plain.insert_many([dict(doc) for doc in docs])
    for round_ in range(8):
        for _ in range(60):
            at = _range(rng)
            kind = rng.choice(["a", {"$in": ["a", "b"]}])
            shape = rng.random()
            if shape < 0.6:
                query = {"estate_id": "est_1", "kind": kind, "at": at}
            else:
                query = {"$and": [{"estate_id": "est_1", "kind": kind}] + [{"at": {k: v}} for k, v in at.items()]}
            assert [d["_id"] for d in indexed.find(query)] == [d["_id"] for d in plain.find(query)], (round_, query)
            spec = rng.choice([[("at", 1), ("_id", 1)], [("at", 1)]])
            limit = rng.choice([1, 5, 40])
            assert [d["_id"] for d in indexed.find(query).sort(spec).limit(limit)] == \
                [d["_id"] for d in plain.find(query).sort(spec).limit(limit)], (round_, query, spec, limit)
        kept = [entries for index in indexed._indexes.values() for (size, spec), views in index.ordered.items()
                for entries in views.values() if spec[0][0] == "at"]
        assert kept and all(entries is not None for entries in kept)  # answered within bounds, not walked
        for collection in (indexed, plain):  # the same writes on both
            state = random.Random(round_)
            collection.insert_many([_doc(5000 + round_ * 100 + n, state) for n in range(50)])
            for number in state.sample(range(1500), 80):
                change = _doc(number, state)
                collection.replace_one({"_id": _name(number)}, change)
            collection.delete_many({"_id": {"$in": [_name(n) for n in state.sample(range(1500), 30)]}})


@pytest.mark.parametrize("query, bounds", [
    ({"at": {"$gt": 5}}, ((3, 5, ABOVE), (4,))),
    ({"at": {"$gte": 5, "$lt": 9.5}}, ((3, 5), (3, 9.5))),
    ({"at": {"$lte": "b"}}, ((4,), (4, "b", ABOVE))),
    ({"at": {"$gte": None}}, ((2,), (3,))),
    ({"at": {"$lt": datetime(2026, 1, 1, 8)}}, ((10,), (10, datetime(2026, 1, 1, 8, tzinfo=timezone.utc)))),
    ({"at": {"$gt": 1}, "$and": [{"at": {"$lt": 4}}, {"$and": [{"at": {"$gte": 2}}]}]}, ((3, 2), (3, 4))),
    ({"at": {"$gt": True}}, None),  # a boolean bounds nothing: the bucket is walked
    ({"at": {"$lt": float("nan")}}, None),
    ({"at": {"$not": {"$lt": 3}}}, None),
    ({"$or": [{"at": {"$lt": 3}}, {"at": {"$gt": 9}}]}, None),
    ({"at": 3}, None),
])
def test_where_a_range_walk_begins_and_ends(query, bounds):
    assert embedded_store._range_bounds(query, "at") == bounds


def test_bounds_take_every_key_of_their_values_and_no_other():
    keys = sorted([(2, None, 4, "n"), (3, 5, 4, "a"), (3, 5.0, 4, "b"), (3, 6, 4, "c"), (4, "5", 4, "d")])
    within = lambda low, high: keys[bisect.bisect_left(keys, low):bisect.bisect_left(keys, high)]  # noqa: E731
    assert within((3, 5), (3, 5, ABOVE)) == [(3, 5, 4, "a"), (3, 5.0, 4, "b")]
    assert within((3, 5, ABOVE), (4,)) == [(3, 6, 4, "c")]
    assert within((3,), (3, 5)) == []
    assert within((2,), (3,)) == [(2, None, 4, "n")]


# -- an index led by the ranged field ------------------------------------------------------
# integrations' delivery worker asks every second for the pending deliveries that are due, in
# every estate ({status: "pending", next_attempt_at: {$lte: now}}, sorted by next_attempt_at,
# limited), through an index on next_attempt_at alone, partial on {status: "pending"}: no
# equality prefix, so the embedded store walked every delivery kept (30 days of them).

DUE = [("next_attempt_at", 1)]
PENDING = {"status": "pending"}


def _at(minute):
    return f"2026-01-01T{minute // 60:02d}:{minute % 60:02d}:00.000Z"


def deliveries(pending=600, ended=3000, name="deliveries"):
    """``ended`` deliveries delivered or failed (outside the partial index), ``pending`` pending
    ones due a minute apart from ``_at(0)`` on, inserted out of their order."""
    collection = embedded_store.EmbeddedClient()["range_first"][name]
    collection.create_index([("estate_id", 1), ("created_at", 1), ("_id", 1)])
    collection.create_index(DUE, name="deliveries_due", partialFilterExpression=PENDING)
    collection.insert_many([{"_id": f"end{i:05d}", "estate_id": "est_1", "status": ["delivered", "failed"][i % 2],
                             "next_attempt_at": _at(i % 1000), "created_at": str(i)} for i in range(ended)])
    order = random.Random(7).sample(range(pending), pending)
    collection.insert_many([{"_id": f"p{i:05d}", "estate_id": f"est_{i % 3}", "status": "pending",
                             "next_attempt_at": _at(i), "created_at": str(i)} for i in order])
    return collection


def test_a_range_on_a_partial_index_s_first_field_tests_only_the_entries_within_its_bounds():
    collection = deliveries()
    due = lambda minute: {"status": "pending", "next_attempt_at": {"$lte": _at(minute)}}  # noqa: E731
    tested, found = visited(collection, {"status": "pending", "next_attempt_at": {"$lt": _at(0)}},
                            sort=DUE, limit=100)
    assert found == [] and tested == []  # none due: nothing walked (it walked 3,600 deliveries)
    tested, found = visited(collection, due(9), sort=DUE, limit=100)
    assert found == [f"p{i:05d}" for i in range(10)] and tested == found
    tested, found = visited(collection, due(500), sort=DUE, limit=20)  # a backlog: the limit stops it
    assert found == [f"p{i:05d}" for i in range(20)] and tested == found
    tested, found = visited(collection, due(9))  # unsorted: the same entries, in the natural order
    assert sorted(found) == [f"p{i:05d}" for i in range(10)] and sorted(tested) == sorted(found)
    assert found == [doc["_id"] for doc in collection.find({"_id": {"$in": found}})]
    assert collection.count_documents(due(99)) == 100
    with collection._lock:  # updates and deletes start from the same candidates
        assert len(collection._candidates(due(4))) == 5
    assert collection.find_one_and_update(due(599), {"$set": {"status": "delivered"}}, sort=DUE)["_id"] == "p00000"
    tested, found = visited(collection, due(2), sort=DUE, limit=100)
    assert found == ["p00001", "p00002"] and tested == found  # it left the index with its status


def test_a_query_that_does_not_imply_the_partial_filter_walks_the_collection():
    """MongoDB uses a partial index only for a query that implies its filter: without
    ``status: "pending"`` the delivered and failed deliveries match too."""
    collection = deliveries()
    due = {"next_attempt_at": {"$lte": _at(1)}}
    for query in (due, {"status": {"$in": ["pending"]}, **due}, {"status": "failed", **due}):
        tested, found = visited(collection, query)
        assert len(tested) == 3600, query
    assert sorted(visited(collection, due)[1]) == [
        "end00000", "end00001", "end01000", "end01001", "end02000", "end02001", "p00000", "p00001"]


def test_a_small_partial_index_is_walked_whole_and_nothing_else():
    collection = deliveries(pending=10)
    tested, found = visited(collection, {"status": "pending", "next_attempt_at": {"$lte": _at(3)}},
                            sort=DUE, limit=100)
    assert found == [f"p{i:05d}" for i in range(4)] and len(tested) == 10  # the pending ones, not 3,010
    assert not any(views for index in collection._indexes.values() for views in index.ordered.values())


def test_a_range_on_a_whole_index_s_first_field_tests_only_the_entries_within_its_bounds():
    collection = embedded_store.EmbeddedClient()["range_first"]["records"]
    collection.create_index([("at", 1), ("kind", 1)])
    collection.insert_many([{"_id": f"r{i:05d}", "kind": "ab"[i % 2], "at": i} for i in range(2000)])
    tested, found = visited(collection, {"at": {"$gte": 1990}, "kind": "a"})
    assert found == ["r01990", "r01992", "r01994", "r01996", "r01998"] and len(tested) == 10
    tested, found = visited(collection, {"at": {"$gt": 5}}, sort=[("at", 1), ("kind", 1)], limit=3)
    assert found == ["r00006", "r00007", "r00008"] and len(tested) == 3
    tested, found = visited(collection, {"kind": "a"})  # no range on its first field: a walk
    assert len(found) == 1000 and len(tested) == 2000


@pytest.mark.parametrize("partial, query, implied", [
    ({"status": "pending"}, {"status": "pending", "at": {"$lt": 3}}, True),
    ({"status": "pending"}, {"status": {"$eq": "pending"}}, True),
    ({"status": "pending"}, {"$and": [{"status": "pending"}, {"at": {"$lt": 3}}]}, True),
    ({"status": "pending"}, {"status": "failed"}, False),
    ({"status": "pending"}, {"status": {"$in": ["pending"]}}, False),  # not read: the index is not used
    ({"status": "pending"}, {"status": {"$ne": "failed"}}, False),
    ({"status": "pending"}, {"$or": [{"status": "pending"}]}, False),
    ({"status": "pending"}, {}, False),
    ({"n": 1}, {"n": 1.0}, True),  # one number
    ({"n": 1}, {"n": True}, False),
    ({"n": None}, {"n": None}, True),
    ({"at": {"$exists": True}}, {"at": {"$lt": 3}}, True),
    ({"at": {"$exists": True}}, {"$and": [{"at": {"$gt": "a"}}]}, True),
    ({"at": {"$exists": True}}, {"at": 3}, True),
    ({"at": {"$exists": True}}, {"at": None}, False),
    ({"at": {"$exists": True}}, {"at": {"$lte": None}}, False),
    ({"$and": [{"status": "pending"}, {"at": {"$exists": True}}]}, {"status": "pending", "at": {"$gt": 1}}, True),
    ({"status": "pending", "at": {"$exists": True}}, {"status": "pending"}, False),
    ({"at": {"$gt": 5}}, {"at": {"$gt": 7}}, False),  # a ranged filter: not read, the index is not used
    ({"kind": {"$type": "string"}}, {"kind": "a"}, False),
])
def test_a_partial_index_holds_a_query_s_matches_when_the_query_implies_its_filter(partial, query, implied):
    assert embedded_store._implies(query, embedded_store.equalities(query), partial) is implied


def test_random_ranges_on_a_partial_index_s_first_field_answer_what_the_walk_answers_through_writes():
    rng = random.Random(44)
    indexed, plain = orders(count=0, name="first"), orders(indexed=False, count=0, name="first_plain")
    indexed.create_index([("at", 1)], partialFilterExpression={"kind": "a"})
    indexed.create_index([("at", 1), ("_id", 1)], name="whole")
    docs = [_doc(n, rng) for n in range(1500)]
    indexed.insert_many([dict(doc) for doc in docs])
    plain.insert_many([dict(doc) for doc in docs])
    for round_ in range(6):
        for _ in range(60):
            at = _range(rng)
            kind = rng.choice(["a", "a", {"$in": ["a", "b"]}, None])
            head = {} if kind is None else {"kind": kind}
            if rng.random() < 0.6:
                query = {**head, "at": at}
            else:
                query = {"$and": [head] + [{"at": {k: v}} for k, v in at.items()]}
            assert [d["_id"] for d in indexed.find(query)] == [d["_id"] for d in plain.find(query)], (round_, query)
            spec = rng.choice([[("at", 1), ("_id", 1)], [("at", 1)]])
            limit = rng.choice([1, 5, 40])
            assert [d["_id"] for d in indexed.find(query).sort(spec).limit(limit)] == \
                [d["_id"] for d in plain.find(query).sort(spec).limit(limit)], (round_, query, spec, limit)
        kept = [entries for index in indexed._indexes.values() for (size, spec), views in index.ordered.items()
                for entries in views.values() if size == 0]
        assert kept and all(entries is not None for entries in kept)  # answered within bounds, not walked
        for collection in (indexed, plain):  # the same writes on both
            state = random.Random(round_)
            collection.insert_many([_doc(5000 + round_ * 100 + n, state) for n in range(50)])
            for number in state.sample(range(1500), 80):
                collection.replace_one({"_id": _name(number)}, _doc(number, state))
            collection.update_many({"_id": {"$in": [_name(n) for n in state.sample(range(1500), 40)]}},
                                   {"$set": {"kind": state.choice("ab")}})
            collection.delete_many({"_id": {"$in": [_name(n) for n in state.sample(range(1500), 30)]}})
