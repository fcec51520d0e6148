"""A NaN as MongoDB holds it: equal to a NaN alone (``{v: NaN}``, ``$in: [NaN]``, ``$ne``), below
every other number in a sort, met by ``$gte``/``$lte`` NaN and by no other range, the same through
an index's bucket as by a walk (Python's NaN equals nothing, and each NaN hashes by its identity)."""
import pytest

from estate_common import embedded_store

DOCS = [{"_id": 1, "v": float("nan")}, {"_id": 2, "v": 2}, {"_id": 3, "v": "x"}, {"_id": 4},
        {"_id": 5, "v": [float("nan"), 7]}, {"_id": 6, "v": -1e308}, {"_id": 7, "v": None}]


def collections():
    walked, indexed = (embedded_store.EmbeddedClient()["nan"]["docs"] for _ in range(2))
    indexed.create_index([("v", 1)])
    for collection in (walked, indexed):
        collection.insert_many([dict(doc) for doc in DOCS])
    return walked, indexed


@pytest.mark.parametrize("query, expected", [
    ({"v": float("nan")}, [1, 5]),
    ({"v": {"$in": [float("nan")]}}, [1, 5]),
    ({"v": {"$in": [float("nan"), 2]}}, [1, 2, 5]),
    ({"v": {"$ne": float("nan")}}, [2, 3, 4, 6, 7]),
    ({"v": {"$nin": [float("nan")]}}, [2, 3, 4, 6, 7]),
    ({"v": {"$gte": float("nan")}}, [1, 5]),
    ({"v": {"$lte": float("nan")}}, [1, 5]),
    ({"v": {"$gt": float("nan")}}, []),
    ({"v": {"$lt": 0}}, [6]),
])
def test_a_nan_is_matched_as_mongodb_matches_it(query, expected):
    for collection in collections():
        assert sorted(doc["_id"] for doc in collection.find(query)) == expected, query


def test_a_nan_sorts_below_every_number():
    for collection in collections():
        ids = [doc["_id"] for doc in collection.find({"_id": {"$in": [1, 2, 6]}}, sort=[("v", 1)])]
        assert ids == [1, 6, 2]
