"""The embedded store looks up each value of a query's ``$in`` lists in a declared index, past
its equality prefix, as MongoDB's index bounds do: customer service's due list asks for the last
contacts of a page of households (``household_id: {$in: [...]}``) and archive the flat's other
spellings (``building``, ``unit``, ``room``: each ``{$in: ...}``); both walked the estate's
bucket, every contact or household of the estate."""
import pytest

from estate_common import embedded_store

FLAT = [("estate_id", 1), ("building", 1), ("unit", 1), ("room", 1)]


def households(indexed=True):
    db = embedded_store.EmbeddedClient()["in_lookup"]
    if indexed:
        db.households.create_index([("estate_id", 1), ("created_at", 1), ("_id", 1)])
        db.households.create_index(FLAT)
    docs = [{"_id": f"{estate}-{b}-{u}-{r}", "estate_id": estate, "building": b, "unit": u, "room": r}
            for estate in ("est_1", "est_2") for b in ("3", "3栋", "4", "A座") for u in ("1", "2单元")
            for r in ("101", "1201室", "1202")]
    docs += [{"_id": "no-room", "estate_id": "est_1", "building": "3", "unit": "1"},
             {"_id": "rooms", "estate_id": "est_1", "building": "3", "unit": "1", "room": ["1201", "101"]}]
    db.households.insert_many(docs)
    return db.households


QUERIES = [
    {"estate_id": "est_1", "building": {"$in": ["3", "3栋", "三号楼"]}, "unit": {"$in": ["1", "1单元"]},
     "room": {"$in": ["1201", "1201室"]}},
    {"estate_id": "est_1", "building": {"$in": ["3", "4"]}, "unit": "1", "room": {"$in": ["101", None]}},
    {"estate_id": "est_1", "building": {"$in": ["A座"]}, "unit": {"$in": ["2单元"]}},
    {"estate_id": {"$in": ["est_1", "est_2"]}, "building": "4", "unit": "1", "room": "1202"},
    {"estate_id": "est_1", "building": {"$in": ["3"]}, "unit": {"$in": [["1"]]}},  # an array: no key
    {"estate_id": "est_1", "building": {"$in": []}},
]


@pytest.mark.parametrize("query", QUERIES)
def test_an_in_list_finds_what_a_walk_finds(query):
    assert [doc["_id"] for doc in households().find(query)] == \
        [doc["_id"] for doc in households(indexed=False).find(query)]


def test_each_value_is_a_bucket_of_the_index_not_the_estate_walked():
    collection = households()
    with collection._lock:
        found = {doc["_id"] for doc in collection._candidates(QUERIES[0])}
    assert found == {"est_1-3-1-1201室", "est_1-3栋-1-1201室", "rooms"}  # an array's element too
    with collection._lock:  # the null of a missing room is a value as well
        assert {doc["_id"] for doc in collection._candidates(QUERIES[1])} == {
            "est_1-3-1-101", "est_1-4-1-101", "no-room", "rooms"}


def test_past_the_cap_the_equality_prefix_serves_as_before(monkeypatch):
    collection = households()
    monkeypatch.setattr(embedded_store, "IN_BUCKETS", 5)
    with collection._lock:  # 3 × 2 spellings: more buckets than allowed, so the building's 3 alone
        found = {doc["_id"] for doc in collection._candidates(QUERIES[0])}
    assert found == {doc["_id"] for doc in collection.find({"estate_id": "est_1", "building": {"$in": ["3", "3栋"]}})}


def test_a_list_of_one_value_is_a_bucket_too():
    """A month's KPI asks the bills of ``period: {$in: ["2026-12"]}``: one value, one bucket, where it
    walked the estate's 120,000 bills (finance's KPIs of a month: 800 ms of a 1 s answer)."""
    collection = households()
    with collection._lock:
        found = [doc["_id"] for doc in collection._candidates(QUERIES[2])]
    assert found == ["est_1-A座-2单元-101", "est_1-A座-2单元-1201室", "est_1-A座-2单元-1202"]
    with collection._lock:
        assert {doc["_id"] for doc in collection._candidates(
            {"estate_id": "est_1", "building": {"$in": ["4"]}, "unit": "1", "room": "1202"})} == {"est_1-4-1-1202"}
