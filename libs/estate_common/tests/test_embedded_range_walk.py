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
