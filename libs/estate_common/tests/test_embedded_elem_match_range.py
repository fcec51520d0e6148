"""A range inside an ``$elemMatch`` on an array of documents (``{estate_id, allocations:
{$elemMatch: {at: {$gte: start, $lt: end}}}}``) is served by a declared index on the element's
field (``(estate_id, allocations.at)``) from the entries within its bounds, one entry per element,
as MongoDB's multikey index bounds serve it: finance's reconciliation report asks the bills paid
within a month so and walked the estate's every bill (120,000 in a big estate). The answer is the
walk's, in the natural order, through every kind of write. A plain range on such a field (each
bound may be met by another element) is not read so, nor a bucket whose element holds an array."""
import random

import pytest

from estate_common import embedded_store

PAID = [("estate_id", 1), ("allocations.at", 1)]


def day(n):
    return f"2026-{n // 28 % 12 + 1:02d}-{n % 28 + 1:02d}T08:00:00.000Z"


def bills(indexed=True, count=600, seed=3):
    rnd = random.Random(seed)
    collection = embedded_store.EmbeddedClient()["elem_match"]["bills"]
    if indexed:
        collection.create_index([("estate_id", 1), ("created_at", 1), ("_id", 1)])
        collection.create_index(PAID)
    docs = []
    for i in range(count):
        doc = {"_id": f"bill{i:05d}", "estate_id": rnd.choice(["est_1", "est_1", "est_2"]), "created_at": day(i)}
        shape = rnd.random()
        if shape < 0.7:
            doc["allocations"] = [{"id": f"a{i}.{n}", "at": day(rnd.randrange(336))} for n in range(rnd.randrange(4))]
        elif shape < 0.8:
            doc["allocations"] = {"at": day(rnd.randrange(336))}  # not an array: $elemMatch never matches
        elif shape < 0.9:
            doc["allocations"] = [{"id": "no time"}]
        docs.append(doc)
    collection.insert_many(docs)
    return collection


def queries(rnd):
    for _ in range(40):
        low, high = sorted(day(rnd.randrange(336)) for _ in range(2))
        yield {"estate_id": "est_1", "allocations": {"$elemMatch": {"at": {"$gte": low, "$lt": high}}}}
        yield {"estate_id": "est_1", "allocations": {"$elemMatch": {"at": {"$gt": low}, "id": {"$exists": True}}}}
        yield {"estate_id": "est_1", "$and": [{"allocations": {"$elemMatch": {"at": {"$lte": high}}}}]}
        yield {"estate_id": "est_1", "allocations.at": {"$gte": low, "$lt": high}}  # a plain range: walked


def ids(collection, query):
    return [doc["_id"] for doc in collection.find(query, {"_id": 1})]


def test_the_answer_is_the_walks_through_writes():
    indexed, walked, rnd = bills(), bills(indexed=False), random.Random(7)
    for query in queries(rnd):
        assert ids(indexed, query) == ids(walked, query), query
    for collection in (indexed, walked):  # the same writes on both
        writes = random.Random(11)
        for n in range(150):
            bill = f"bill{writes.randrange(600):05d}"
            choice = writes.random()
            if choice < 0.4:
                collection.update_one({"_id": bill}, {"$set": {"allocations": [{"id": f"w{n}", "at": day(writes.randrange(336))}]}})
            elif choice < 0.6:
                collection.update_one({"_id": bill}, {"$unset": {"allocations": ""}})
            elif choice < 0.8:
                collection.delete_one({"_id": bill})
            else:
                collection.insert_one({"_id": f"new{n}", "estate_id": "est_1", "created_at": day(n),
                                       "allocations": [{"at": day(writes.randrange(336))}, {"at": day(n)}]})
    for query in queries(rnd):
        assert ids(indexed, query) == ids(walked, query), query


def test_only_the_bills_with_an_element_within_are_read():
    collection = bills()
    query = {"estate_id": "est_1", "allocations": {"$elemMatch": {"at": {"$gte": day(28), "$lt": day(56)}}}}
    with collection._lock:
        read = collection._candidates(query)
    matches = ids(collection, query)
    # those with an element within (and those whose one document, not an array, is within), no other
    assert set(matches) <= {doc["_id"] for doc in read} and len(read) <= len(matches) + 5
    assert 0 < len(read) < collection.count_documents({"estate_id": "est_1"}) / 4


@pytest.mark.parametrize("leaf", [["2026-02-01T08:00:00.000Z", "2026-09-01T08:00:00.000Z"], float("nan")])
def test_a_bucket_whose_element_holds_an_array_or_no_order_is_walked(leaf):
    """``at`` an array: $elemMatch's range may be met by two of its values, none within; a NaN has no place."""
    indexed, walked = bills(), bills(indexed=False)
    for collection in (indexed, walked):
        collection.insert_one({"_id": "odd", "estate_id": "est_1", "allocations": [{"at": leaf}]})
    query = {"estate_id": "est_1", "allocations": {"$elemMatch": {"at": {"$gte": "2026-03-01", "$lt": "2026-04-01"}}}}
    assert ids(indexed, query) == ids(walked, query)
    every = indexed.count_documents({"estate_id": "est_1"})
    with indexed._lock:
        assert len(indexed._candidates(query)) == every


def _pair(spec, docs):
    indexed, walked = (embedded_store.EmbeddedClient()["elem_match"]["odd"] for _ in range(2))
    indexed.create_index(spec)
    for collection in (indexed, walked):
        collection.insert_many([dict(doc) for doc in docs])
    return indexed, walked


def test_two_elem_matches_are_two_elements_their_bounds_not_joined():
    """``$and`` of two ``$elemMatch`` on one array may be met by two elements: one past 1550, another
    before 560; the bounds of both together ([1550, 560): none) are no bound of either."""
    indexed, walked = _pair(PAID, [{"_id": f"b{i:03d}", "estate_id": "est_1",
                                    "allocations": [{"at": i}, {"at": 1000 + i}]} for i in range(600)])
    for query in (
            {"estate_id": "est_1", "$and": [{"allocations": {"$elemMatch": {"at": {"$gte": 1550}}}},
                                            {"allocations": {"$elemMatch": {"at": {"$lt": 560}}}}]},
            {"estate_id": "est_1", "allocations": {"$elemMatch": {"at": {"$gte": 1550}}},
             "$and": [{"allocations": {"$elemMatch": {"at": {"$lt": 560}}}}]}):
        assert ids(indexed, query) == ids(walked, query) == [f"b{i}" for i in range(550, 560)], query


def test_a_path_within_the_element_through_another_array_is_walked():
    """``{a: {$elemMatch: {"b.c": range}}}``: one element's ``b`` is an array, its two ``c`` may meet
    the range's two bounds, neither within (as a plain range on a multikey field)."""
    indexed, walked = _pair([("estate_id", 1), ("a.b.c", 1)], [
        {"_id": f"d{i:03d}", "estate_id": "est_1", "a": [{"b": [{"c": i}, {"c": 1000 + i}]}]} for i in range(600)])
    query = {"estate_id": "est_1", "a": {"$elemMatch": {"b.c": {"$gte": 700, "$lt": 800}}}}
    assert len(ids(indexed, query)) == len(ids(walked, query)) == 600


@pytest.mark.parametrize("operator", ["$gte", "$lte"])
def test_a_null_range_takes_an_element_without_the_field(operator):
    """``{$elemMatch: {at: {$gte: null}}}`` is met by an element without ``at`` (null and missing
    compare equal), which has no entry among the element's values."""
    docs = [{"_id": f"b{i:03d}", "estate_id": "est_1", "allocations": [{"at": i}]} for i in range(600)]
    indexed, walked = _pair(PAID, docs + [{"_id": "no time", "estate_id": "est_1", "allocations": [{"id": "x"}]},
                                          {"_id": "null", "estate_id": "est_1", "allocations": [{"at": None}]}])
    query = {"estate_id": "est_1", "allocations": {"$elemMatch": {"at": {operator: None}}}}
    assert ids(indexed, query) == ids(walked, query) == ["no time", "null"]
