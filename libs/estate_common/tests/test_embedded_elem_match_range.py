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
