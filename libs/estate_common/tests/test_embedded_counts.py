"""``count_documents`` of an index bucket is the bucket's size, as MongoDB counts the keys of an
index's bounds (COUNT_SCAN) without fetching a document: a query that fixes an index's prefix by
string equalities and asks nothing more, where the embedded store copied the bucket into a list,
sorted it into the natural order and walked it; a range on the next field after them is counted
from the entries within its bounds (``_within``; a small bucket's every entry), each tested.
maintenance's counts of the open orders (GET …/work-orders/counts: some hundreds of buckets of an
estate's open orders a call) are of this kind. Any other query is counted as it was: the answer is
the walk's (the store contract's randomised counts run on both adapters)."""
import random

from estate_common import embedded_store

COUNTED = [("estate_id", 1), ("status", 1), ("technician", 1), ("priority", 1)]
LATE = [("estate_id", 1), ("status", 1), ("technician", 1), ("owed_by", 1)]


def orders(count=3000, seed=5):
    rnd = random.Random(seed)
    collection = embedded_store.EmbeddedClient()["counts"]["orders"]
    collection.create_index(COUNTED)
    collection.create_index(LATE, partialFilterExpression={"owed_by": {"$exists": True}})
    docs = []
    for i in range(count):
        doc = {"_id": f"wo{i:05d}", "estate_id": rnd.choice(["est_1", "est_2"]),
               "status": rnd.choice(["pending", "assigned", "completed"]),
               "technician": rnd.choice(["chen", "liu", None, ["chen", "wang"]]),
               "priority": rnd.choice(["normal", "normal", "emergency"])}
        if rnd.random() < 0.6:
            doc["owed_by"] = f"2026-11-{rnd.randint(10, 30)}T00:00:00Z"
        docs.append(doc)
    collection.insert_many(docs)
    return collection, docs


def walked(docs, query):
    test = embedded_store.compile_query(query)
    return sum(1 for doc in docs if test(doc))


def counted_without_candidates(collection, query):
    """The count, and whether it took the documents of the bucket (``_candidates``) to find it."""
    taken, real = [], collection._candidates
    collection._candidates = lambda *args, **kwargs: taken.append(args) or real(*args, **kwargs)
    try:
        return collection.count_documents(query), not taken
    finally:
        collection._candidates = real


def test_a_bucket_is_counted_by_its_size_and_a_range_after_it_by_its_entries_within_bounds():
    collection, docs = orders()
    for estate in ("est_1", "est_2", "est_3"):
        for status in ("pending", "assigned", "completed", "quoted"):
            for technician in ("chen", "liu", "wang", "zhao"):
                held = {"estate_id": estate, "status": status, "technician": technician}
                for query in (held, {**held, "priority": "emergency"}, {**held, "priority": "normal"},
                              {"estate_id": estate, "status": status},
                              {**held, "owed_by": {"$exists": True, "$lt": "2026-11-20T00:00:00Z"}},
                              {**held, "owed_by": {"$exists": True, "$gte": "2026-11-15", "$lte": "2026-11-25"}}):
                    count, by_size = counted_without_candidates(collection, query)
                    assert count == walked(docs, query), query
                    assert by_size, query
    # skip and limit as MongoDB's: of the count
    held = {"estate_id": "est_1", "status": "pending", "technician": "chen"}
    total = walked(docs, held)
    assert collection.count_documents(held, skip=3) == total - 3
    assert collection.count_documents(held, limit=2) == 2
    assert collection.count_documents(held, skip=total + 1) == 0


def test_anything_else_is_counted_from_the_documents_as_before():
    collection, docs = orders()
    docs.append({"_id": "odd", "estate_id": "est_1", "status": "pending", "technician": "chen", "priority": "normal",
                 "owed_by": ["2026-11-12", 5]})  # an array in the range's field: tested as the query tests it
    collection.insert_one(docs[-1])
    for query in ({"estate_id": "est_1", "status": "pending", "technician": None},
                  {"estate_id": "est_1", "status": "pending", "technician": "chen",
                   "owed_by": {"$exists": True, "$lt": "2026-11-20T00:00:00Z"}},
                  {"estate_id": "est_1", "status": "pending", "technician": "chen", "owed_by": {"$gt": 3}},  # null: a missing field too
                  {"estate_id": "est_1", "status": "pending", "technician": "chen", "priority": {"$ne": "normal"}},
                  {"estate_id": "est_1", "status": {"$in": ["pending", "assigned"]}},
                  {"status": "pending"}, {},
                  {"estate_id": "est_1", "status": "pending", "technician": "chen", "priority": "normal",
                   "owed_by": {"$lt": "2026-11-20T00:00:00Z"}}):  # a range past another index's prefix
        count, _ = counted_without_candidates(collection, query)
        assert count == walked(docs, query), query


def test_a_count_follows_every_write():
    collection, docs = orders(count=600)
    held = {"estate_id": "est_1", "status": "assigned", "technician": "chen"}
    before = collection.count_documents(held)
    collection.insert_one({"_id": "new", "estate_id": "est_1", "status": "assigned", "technician": "chen",
                           "priority": "normal"})
    assert collection.count_documents(held) == before + 1
    collection.update_one({"_id": "new"}, {"$set": {"technician": "liu"}})
    assert collection.count_documents(held) == before
    collection.update_one({"_id": "new"}, {"$set": {"technician": ["chen", "liu"]}})
    assert collection.count_documents(held) == before + 1
    collection.delete_one({"_id": "new"})
    assert collection.count_documents(held) == before


class _Reads(dict):
    """A collection's documents by id, counting the documents read."""
    reads = 0

    def __getitem__(self, key):
        _Reads.reads += 1
        return super().__getitem__(key)


def test_a_count_with_a_limit_stops_at_it_in_the_bucket():
    """Whether one document exists (``count_documents(query, limit=1)``: finance's "has a run billed
    this month", asked for every month of the catch-up window at each ``GET …/unbilled-months``)
    reads the bucket until the limit is reached, in no order (a count has none), where the bucket's
    every document was sorted into the natural order and copied into a list first (10,000 bills a
    month). The answers are the walk's."""
    collection, docs = orders()
    rnd = random.Random(9)
    for _ in range(100):
        query = {"estate_id": rnd.choice(["est_1", "est_2"]), "status": rnd.choice(["pending", "completed"]),
                 "priority": rnd.choice(["normal", "emergency", "urgent"])}
        for limit in (1, 2, 50, 0):
            whole = walked(docs, query)
            assert collection.count_documents(query, limit=limit) == (min(whole, limit) if limit else whole)
        assert collection.count_documents(query, skip=3, limit=1) == min(max(walked(docs, query) - 3, 0), 1)
    collection._docs = _Reads(collection._docs)
    _Reads.reads = 0
    assert collection.count_documents({"estate_id": "est_1", "status": "pending", "priority": "normal"}, limit=1) == 1
    assert _Reads.reads <= 3
