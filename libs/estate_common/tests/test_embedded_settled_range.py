"""A range of text read within its bounds from a bucket kept in its field's order is not tested again
on each document it reads, as an equality the bucket fixed is not (``_settled_range``): customer
service's KPIs read a big estate's month of requests through nine such ranges (h7). The answers are
the walk's whatever the field holds: text, numbers, null, nothing, an array, a document; and a range
on another type, beside an ``$and``, through a path or in an ``$elemMatch`` (a field holding one
document has element entries and no match), is tested as before."""
import random

import pytest

from estate_common import embedded_store
from estate_common.embedded_store import compile_query

VALUES = ["2026-11-01", "2026-11-15", "2026-12-01", "2026-10-31", "b", "", 5, 7.5, None, ["2026-11-02", "2026-12-09"],
          {"x": "2026-11-03"}, "2026-11-30T23:59"]


def stored(seed, plain):
    rng = random.Random(seed)
    things = embedded_store.EmbeddedClient()["settled"]["things"]
    things.create_index([("estate_id", 1), ("at", 1)])
    things.create_index([("estate_id", 1), ("kind", 1), ("visits.at", 1)])
    docs = []
    for n in range(1200):
        doc = {"_id": f"t{n:04d}", "estate_id": rng.choice(["e1", "e1", "e2"]), "kind": rng.choice(["a", "b"]),
               "visits": [{"at": f"2026-{rng.randint(9, 12):02d}-{rng.randint(1, 28):02d}"} for _ in range(rng.randint(0, 3))]}
        value = rng.choice(VALUES if not plain else [v for v in VALUES if type(v) is str])
        if rng.random() < 0.9:
            doc["at"] = value
        docs.append(doc)
    things.insert_many(docs)
    return things


QUERIES = [
    {"estate_id": "e1", "at": {"$gte": "2026-11-01", "$lt": "2026-12-01"}},
    {"estate_id": "e1", "at": {"$gt": "2026-11-01", "$lte": "2026-12-01"}},
    {"estate_id": "e1", "at": {"$lt": "2026-11-15"}},
    {"estate_id": "e1", "at": {"$gte": 5}},
    {"estate_id": "e1", "at": {"$gte": "2026-11-01"}, "$and": [{"at": {"$lt": "2026-11-20"}}]},
    {"estate_id": "e1", "kind": "a", "visits": {"$elemMatch": {"at": {"$gte": "2026-11-01", "$lt": "2026-12-01"}}}},
    {"estate_id": "e1", "kind": "b", "visits": {"$elemMatch": {"at": {"$gte": "2026-10-01", "$lt": "2026-10-09"}}}},
    {"estate_id": "e1", "kind": "a", "visits.at": {"$gte": "2026-11-01", "$lt": "2026-12-01"}},
]


@pytest.mark.parametrize("plain", [True, False])
@pytest.mark.parametrize("seed", range(3))
def test_a_range_read_within_its_bounds_answers_as_the_walk(seed, plain):
    things = stored(seed, plain)
    for round_ in range(3):
        for query in QUERIES:
            test = compile_query(query)
            walked = [doc["_id"] for doc in things._docs.values() if test(doc)]
            assert [doc["_id"] for doc in things.find(query)] == walked, query
        for n in range(0, 1200, 7):  # writes between the rounds move documents in and out of the ranges
            things.update_one({"_id": f"t{n + round_:04d}"}, {"$set": {"at": random.Random(n).choice(VALUES)}})


def test_the_range_is_not_tested_again_where_its_entries_were_read_in_order():
    things = stored(0, True)
    settled = set()
    query = QUERIES[0]
    with things._lock:
        things._candidates(query, settled)
    assert settled == {"estate_id", "at"}
    elem, settled = QUERIES[5], set()
    with things._lock:
        things._candidates(elem, settled)
    assert settled == {"estate_id", "kind"}
    for query in (QUERIES[3], QUERIES[4], QUERIES[7]):
        settled = set()
        with things._lock:
            things._candidates(query, settled)
        assert "at" not in settled and "visits" not in settled and "visits.at" not in settled
