"""The embedded store keeps the index it chose per query shape (``_plan_shape``: fields,
operators, the types of values, and the values of fields a partial filter names), so that an
estate's repeated lookups with other ids are not planned again; the choice is forgotten when an
index is created or dropped, and is always the one planning anew would make."""
import datetime
import random

import pytest

from estate_common import embedded_store
from estate_common.embedded_store import PLAN_SHAPES, equalities


@pytest.fixture
def things():
    things = embedded_store.EmbeddedClient()["plans"]["things"]
    things.insert_many([{"_id": f"t{n}", "estate_id": f"e{n % 4}", "code": f"c{n}", "seq": n,
                         "status": "pending" if n % 5 == 0 else "done"} for n in range(400)])
    return things


def candidates(collection, query):
    with collection._lock:
        return {doc["_id"] for doc in collection._candidates(query)}


def test_one_shape_is_planned_once_and_each_value_finds_its_own_bucket(things):
    things.create_index([("estate_id", 1), ("code", 1)])
    for n in range(40):
        assert candidates(things, {"estate_id": f"e{n % 4}", "code": f"c{n}"}) == {f"t{n}"}
    assert len(things._plans) == 1


def test_an_index_created_or_dropped_is_seen_by_the_next_query_of_a_shape_planned_before(things):
    query = {"estate_id": "e1", "code": "c5"}
    assert len(candidates(things, query)) == 400  # no index: every document
    things.create_index([("estate_id", 1), ("code", 1)])
    assert candidates(things, query) == {"t5"}
    things.drop_index("estate_id_1_code_1")
    assert len(candidates(things, query)) == 400
    things.create_index([("estate_id", 1), ("code", 1)])
    things.drop()
    assert candidates(things, query) == set()


def test_a_partial_index_serves_only_the_values_its_filter_takes(things):
    things.create_index([("estate_id", 1), ("seq", 1)], name="pending_seq",
                        partialFilterExpression={"status": "pending"})
    assert candidates(things, {"estate_id": "e0", "status": "pending", "seq": 20}) == {"t20"}
    # the same shape with another status: the partial index holds none of its matches
    assert len(candidates(things, {"estate_id": "e0", "status": "done", "seq": 21})) == 400
    assert things.find_one({"estate_id": "e1", "status": "done", "seq": 21})["_id"] == "t21"
    assert things.find_one({"estate_id": "e0", "status": "pending", "seq": 40})["_id"] == "t40"


def test_a_value_of_another_type_is_planned_apart(things):
    things.create_index([("estate_id", 1), ("code", 1)])
    assert candidates(things, {"estate_id": "e1", "code": "c1"}) == {"t1"}
    assert things.find_one({"estate_id": "e1", "code": {"a": 1}}) is None  # a document: no hash key
    assert things.find_one({"estate_id": "e1", "code": ["c1"]}) is None
    assert things.find_one({"estate_id": "e1", "code": "c1"})["_id"] == "t1"


def test_the_shapes_kept_are_bounded(things):
    things.create_index([("estate_id", 1), ("code", 1)])
    for n in range(PLAN_SHAPES + 20):
        things.find_one({"estate_id": "e1", f"field{n}": 1})
    assert len(things._plans) == PLAN_SHAPES


VALUES = ["e1", "c3", "pending", "done", 7, 7.0, float("nan"), None, True, {"a": 1}, ["c3"],
          datetime.datetime(2026, 1, 1)]
FIELDS = ["estate_id", "code", "seq", "status", "ref", "tags"]


def random_condition(rng):
    kind = rng.random()
    value = rng.choice(VALUES)
    if kind < 0.5:
        return value
    if kind < 0.6:
        return {"$eq": value}
    if kind < 0.7:
        return {"$exists": rng.choice([True, False, 1, 0])}
    if kind < 0.8:
        return {"$in": [rng.choice(VALUES) for _ in range(rng.randint(1, 3))]}
    return {rng.choice(["$gt", "$gte", "$lt", "$lte"]): value}


def random_query(rng):
    query = {field: random_condition(rng) for field in rng.sample(FIELDS, rng.randint(1, 4))}
    if rng.random() < 0.2:
        query["$and"] = [{rng.choice(FIELDS): random_condition(rng)}]
    return query


def sibling(value, rng):
    """``value`` with each string and integer swapped for another of its type: mostly one shape."""
    if type(value) is dict:
        return {key: sibling(item, rng) for key, item in value.items()}
    if type(value) is list:
        return [sibling(item, rng) for item in value]
    if type(value) is str:
        return rng.choice(["e1", "e2", "c3", "c4", "pending", "done"])
    if type(value) is int:
        return rng.choice([7, 8, 400])
    return value


def test_the_kept_choice_is_the_choice_planning_anew_makes():
    collection = embedded_store.EmbeddedClient()["plans"]["mixed"]
    collection.create_index([("estate_id", 1), ("code", 1)])
    collection.create_index([("estate_id", 1), ("seq", 1)], partialFilterExpression={"status": "pending"})
    collection.create_index([("estate_id", 1), ("status", 1), ("seq", 1)])
    collection.create_index("ref", sparse=True)
    collection.create_index([("tags", 1)], partialFilterExpression={"$and": [{"tags": {"$exists": True}},
                                                                              {"status": {"$eq": "done"}}]})
    rng = random.Random(15)
    for _ in range(1000):
        first = random_query(rng)
        for query in [first] + [sibling(first, rng) for _ in range(3)]:
            fixed = equalities(query, absent=True)  # as _candidates reads it
            with collection._lock:
                kept = collection._best_index(query, fixed)
                anew = collection._choose_index(query, fixed)
            assert kept == anew, query
    assert 1 < len(collection._plans) <= PLAN_SHAPES


def test_two_elem_matches_of_one_array_on_other_fields_are_planned_apart():
    """A range inside an ``$elemMatch`` is read through the index of its element's field: the fields
    inside it are the shape's, or the second field's query took the first one's index and walked its
    bucket (customer service's KPIs ask a repair's return visits by ``work_completed_at``, then by
    ``visited_at``)."""
    things = embedded_store.EmbeddedClient()["plans"]["visited"]
    things.insert_many([{"_id": f"t{n}", "estate_id": "e1", "visits": [
        {"done": f"2026-{n % 12 + 1:02d}", "seen": f"2027-{n % 12 + 1:02d}"}]} for n in range(600)])
    things.create_index([("estate_id", 1), ("visits.done", 1)])
    things.create_index([("estate_id", 1), ("visits.seen", 1)])
    done = {"estate_id": "e1", "visits": {"$elemMatch": {"done": {"$gte": "2026-03", "$lt": "2026-04"}}}}
    seen = {"estate_id": "e1", "visits": {"$elemMatch": {"seen": {"$gte": "2027-03", "$lt": "2027-04"}}}}
    expected = {f"t{n}" for n in range(600) if n % 12 == 2}
    for query in (done, seen):
        assert candidates(things, query) == expected
        assert things._best_index(query, equalities(query))[0].fields[1] == f"visits.{next(iter(query['visits']['$elemMatch']))}"
