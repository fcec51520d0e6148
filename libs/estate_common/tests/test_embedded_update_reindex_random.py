"""An update re-keys only the indexes reading a field it changed (``_Index.reads``), and a range of
text read in its field's order is not tested again (``_settled_range``): after random writes of every
kind the store takes (``$set``/``$unset`` of top-level and inner fields, ``$push``/``$pull``/
``$addToSet`` on arrays of values and of documents, ``$max``, replacements, ``update_many``), on fields
an index reads, its partial filter reads, an ordered bucket sorts by, or none reads, every index's
buckets, ordered buckets and element entries are those built anew from the documents, and every
query (ranges of text, numbers, dates and null on plain and mixed fields, ``$elemMatch`` ranges,
``$in``, ``$or``, ``$and``, ``$exists``, sorted and limited) answers as a walk of every document
(review r7 of h7)."""
import datetime
import random

import pytest
from pymongo.errors import WriteError

from estate_common import embedded_store
from estate_common.embedded_store import _Index, _sorted, compile_query

UTC = datetime.timezone.utc
# text with equal prefixes (a day, its moment, a NUL or the last code point after it), numbers, dates
TEXTS = ["2026-11-01", "2026-11-01T00:00:00.000Z", "2026-11-01\x00", "2026-11-01\uffff", "2026-11-0", "2026-11",
         "2026-11-15", "2026-11-30T23:59:59.999Z", "2026-12-01", "2026-12-01T00:00:00.000Z", "", "b", "é"]


def value(pick, plain):
    """A value of a field: mostly text, else a number, a date, a boolean, null; unless ``plain``, an
    array or a document (a bucket holding one is walked whole)."""
    roll = pick.random()
    if roll < 0.55:
        return pick.choice(TEXTS)
    if roll < 0.62:
        return pick.choice([5, 7.5, 0, -1, 2026])
    if roll < 0.70:
        return datetime.datetime(2026, 11, pick.randint(1, 30), tzinfo=UTC)
    if roll < 0.75:
        return pick.choice([True, False])
    if roll < 0.82:
        return None
    if plain:
        return pick.choice(TEXTS)
    return [pick.choice(TEXTS) for _ in range(pick.randint(0, 3))] if roll < 0.9 else {"x": pick.choice(TEXTS)}


def document(pick, n, plain):
    doc = {"_id": f"t{n:04d}", "estate_id": pick.choice(["e1"] * 5 + ["e2"]), "kind": pick.choice("abc"),
           "code": f"c{pick.randint(0, 4)}", "created_at": pick.choice(TEXTS[:10]), "note": "x"}
    for field, chance in (("at", 0.85), ("due", 0.7)):
        if pick.random() < chance:
            doc[field] = value(pick, plain)
    if pick.random() < 0.7:
        doc["open"] = pick.choice([True, False, None, 1])
    if pick.random() < 0.8:
        doc["visits"] = [{"at": value(pick, plain), "seen": value(pick, plain)} for _ in range(pick.randint(0, 3))]
    elif not plain and pick.random() < 0.5:
        doc["visits"] = {"at": value(pick, plain)}  # one document, not an array: no $elemMatch meets it
    if pick.random() < 0.5:
        doc["rounds"] = [{"ended": {"due": value(pick, plain)}} for _ in range(pick.randint(0, 2))]
    if pick.random() < 0.5:
        doc["where"] = {"building": pick.choice(["1", "2", 3, None])}
    if pick.random() < 0.5:
        doc["tags"] = [pick.choice("pqr") for _ in range(pick.randint(0, 3))]
    return doc


def stored(pick, count, plain):
    things = embedded_store.EmbeddedClient()["reindex"]["things"]
    things.create_index([("estate_id", 1), ("code", 1)])
    things.create_index([("estate_id", 1), ("due", 1)], partialFilterExpression={"open": True})
    things.create_index([("estate_id", 1), ("where.building", 1)])
    things.create_index([("estate_id", 1), ("kind", 1), ("visits.at", 1)])
    things.create_index([("estate_id", 1), ("kind", 1), ("visits.seen", 1)])
    things.create_index([("estate_id", 1), ("at", 1)])
    things.create_index([("estate_id", 1), ("kind", 1), ("at", 1)])
    things.create_index([("estate_id", 1), ("tags", 1)])
    things.create_index([("estate_id", 1), ("created_at", 1), ("_id", 1)])
    things.create_index([("estate_id", 1), ("rounds.ended.due", 1)],
                        partialFilterExpression={"rounds.ended.due": {"$exists": True}})
    things.create_index([("due", 1)], sparse=True)
    things.insert_many([document(pick, n, plain) for n in range(count)])
    return things


def a_range(pick):
    return {name: pick.choice(TEXTS) if pick.random() < 0.8 else pick.choice(
        [5, datetime.datetime(2026, 11, 10, tzinfo=UTC), None])
        for name in pick.sample(["$gt", "$gte", "$lt", "$lte"], pick.randint(1, 2))}


def a_query(pick):
    query = {"estate_id": "e1"}
    shape = pick.randint(0, 11)
    if shape == 0:
        query["at"] = a_range(pick)
    elif shape == 1:
        query.update(kind=pick.choice("abc"), at=a_range(pick))
    elif shape in (2, 3):
        query.update(kind=pick.choice("abc"), visits={"$elemMatch": {("at", "seen")[shape - 2]: a_range(pick)}})
    elif shape == 4:
        query["rounds.ended.due"] = a_range(pick)
    elif shape == 5:
        query.update(open=True, due=a_range(pick))
    elif shape == 6:
        query.update(code={"$in": ["c1", "c2"]}, at=a_range(pick))
    elif shape == 7:
        query["$or"] = [{"at": a_range(pick)}, {"due": a_range(pick)}]
    elif shape == 8:
        query.update(at=a_range(pick), due={"$exists": pick.choice([True, False])})
    elif shape == 9:
        query["where.building"] = pick.choice(["1", "2", 3, None])
    elif shape == 10:
        query.update(tags=pick.choice("pq"), at=a_range(pick))
    else:
        query.update(at=a_range(pick), kind={"$in": ["a", "b"]})
    if pick.random() < 0.2:
        query["$and"] = [{"at": a_range(pick)}]
    return query


def write(pick, things, count, plain):
    one = {"_id": f"t{pick.randrange(count):04d}"}
    writes = [
        {"$set": {"at": value(pick, plain)}}, {"$unset": {"at": ""}}, {"$set": {"note": str(pick.random())}},
        {"$set": {"open": pick.choice([True, False])}}, {"$set": {"visits.0.at": value(pick, plain)}},
        {"$push": {"visits": {"at": value(pick, plain), "seen": value(pick, plain)}}}, {"$pull": {"tags": "p"}},
        {"$addToSet": {"tags": pick.choice("pqr")}}, {"$set": {"where.building": pick.choice(["1", "2", 3])}},
        {"$max": {"created_at": pick.choice(TEXTS[:10])}, "$set": {"kind": pick.choice("abc")}},
        {"$push": {"rounds": {"ended": {"due": value(pick, plain)}}}}, None, "many"]
    update = pick.choice(writes)
    try:
        if update is None:
            replacement = document(pick, int(one["_id"][1:]), plain)
            del replacement["_id"]
            things.replace_one(one, replacement)
        elif update == "many":
            things.update_many({"estate_id": "e1", "code": f"c{pick.randint(0, 4)}"}, {"$set": {"due": value(pick, plain)}})
        else:
            things.update_one(one, update)
    except WriteError:  # $push to a field holding one document, $set through null: refused as MongoDB does
        pass


def assert_indexes_as_built_anew(things):
    for name, index in things._indexes.items():
        anew = _Index(index.name, index.spec, index.options)
        for size, buckets in index.maps.items():
            anew.build(size, things._docs.values())
            assert {key: set(ids) for key, ids in buckets.items()} == {
                key: set(ids) for key, ids in anew.maps[size].items()}, (name, size)
        for (size, spec), views in index.ordered.items():
            for key, entries in views.items():
                if entries is not None:
                    assert entries == anew.ordered_bucket(size, spec, key, things._docs), (name, spec, key)
        for size, views in index.elements.items():
            for key, entries in views.items():
                if entries is not None:
                    assert entries == anew.element_bucket(size, key, things._docs), (name, size, key)


def assert_answers_as_the_walk(pick, things):
    for _ in range(40):
        query = a_query(pick)
        test = compile_query(query)
        walked = [doc for doc in things._docs.values() if test(doc)]
        assert [doc["_id"] for doc in things.find(query)] == [doc["_id"] for doc in walked], query
        assert things.count_documents(query) == len(walked), query
        spec = pick.choice([[("created_at", 1), ("_id", 1)], [("at", 1), ("_id", 1)], [("at", -1), ("_id", -1)],
                            [("due", 1)]])
        limit = pick.choice([0, 1, 5, 30])
        assert [doc["_id"] for doc in things.find(query).sort(spec).limit(limit)] == [
            doc["_id"] for doc in _sorted(walked, spec, limit)], (query, spec, limit)


@pytest.mark.parametrize("plain", [True, False])  # plain: buckets in order, their ranges settled
@pytest.mark.parametrize("seed", range(2))
def test_random_writes_keep_every_index_as_built_anew_and_every_answer_the_walks(seed, plain):
    pick, count = random.Random(seed), 700
    things = stored(pick, count, plain)
    for _ in range(4):
        assert_answers_as_the_walk(pick, things)  # the buckets built, in order, before the writes
        for _ in range(300):
            write(pick, things, count, plain)
        assert_indexes_as_built_anew(things)
    assert_answers_as_the_walk(pick, things)
