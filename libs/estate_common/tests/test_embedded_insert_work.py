"""An insert does the work its documents need and no more: a billing run of 30,000 households spent 2.4 s
of its 5.9 in the embedded store's ``insert_many`` (session 61's profile), calling each of the bills' 12
indexes for every bill though no query had built the maps of 10 of them (an index's map is built from
every document at its first use: nothing to keep before), and copying each whole number of a bill (its
cents, its pricing's months) by a call of its own. What a query finds is unchanged: an index built after
the insert and one built before both hold the documents inserted."""
import pytest

from estate_common import embedded_store
from estate_common.embedded_store import _Index


def bills():
    collection = embedded_store.EmbeddedClient()["insert_work"]["bills"]
    collection.create_index([("estate_id", 1), ("household_id", 1)])
    collection.create_index([("estate_id", 1), ("status", 1), ("due_at", 1)])
    collection.create_index([("estate_id", 1), ("pricing.months", 1)],
                            partialFilterExpression={"pricing.months": {"$exists": True}})
    return collection


def bill(n):
    return {"_id": f"b{n:04d}", "estate_id": "e1", "household_id": f"h{n % 10}", "status": "unpaid",
            "due_at": f"2026-11-{n % 28 + 1:02d}", "amount_cents": 1000 + n, "paid_cents": 0,
            "pricing": {"months": n % 3 + 1, "unit_price_cents_per_m2": 235, "area_m2": 89.37}}


def keyed(monkeypatch):
    seen = []
    add = _Index.add
    monkeypatch.setattr(_Index, "add", lambda self, doc: (seen.append(self.name), add(self, doc))[1])
    return seen


def test_an_insert_keys_only_the_indexes_a_query_has_built(monkeypatch):
    collection = bills()
    seen = keyed(monkeypatch)
    collection.insert_many([bill(n) for n in range(100)])
    assert seen == []  # no query yet: no map to keep
    assert len(list(collection.find({"estate_id": "e1", "household_id": "h3"}))) == 10  # built now, from all
    collection.insert_many([bill(n) for n in range(100, 110)])
    assert seen == ["estate_id_1_household_id_1"] * 10  # the built one kept, the others still not built
    assert sorted(d["_id"] for d in collection.find({"estate_id": "e1", "household_id": "h3"})) == [
        f"b{n:04d}" for n in range(3, 110, 10)]
    assert [d["_id"] for d in collection.find({"estate_id": "e1", "status": "unpaid", "due_at": "2026-11-01"})] == [
        f"b{n:04d}" for n in range(0, 110, 28)]
    assert len(list(collection.find({"estate_id": "e1", "pricing.months": 3}))) == len(range(2, 110, 3))


def test_a_unique_index_checks_every_insert_from_the_start():
    collection = embedded_store.EmbeddedClient()["insert_work"]["codes"]
    collection.create_index([("estate_id", 1), ("code", 1)], unique=True)
    collection.insert_one({"_id": "a", "estate_id": "e1", "code": "x"})
    with pytest.raises(embedded_store.DuplicateKeyError):
        collection.insert_one({"_id": "b", "estate_id": "e1", "code": "x"})


def test_a_document_s_whole_numbers_are_stored_without_a_copy_each_and_checked_as_before(monkeypatch):
    calls = []
    real = embedded_store._import
    monkeypatch.setattr(embedded_store, "_import", lambda value: (calls.append(type(value).__name__), real(value))[1])
    collection = bills()
    collection.insert_one(bill(1))
    assert calls == ["dict", "dict"]  # the bill and its pricing; its cents and months inline
    assert collection.find_one({"_id": "b0001"})["pricing"] == bill(1)["pricing"]
    with pytest.raises(OverflowError):
        collection.insert_one({**bill(2), "amount_cents": 2 ** 63})
    with pytest.raises(OverflowError):
        collection.insert_one({**bill(3), "pricing": {"months": -2 ** 63 - 1}})
    assert collection.find_one({"_id": "b0002"}) is None and collection.find_one({"_id": "b0003"}) is None
    collection.insert_one({**bill(4), "amount_cents": 2 ** 63 - 1, "flag": True})
    stored = collection.find_one({"_id": "b0004"})
    assert stored["amount_cents"] == 2 ** 63 - 1 and stored["flag"] is True


def test_a_document_is_stored_with_its_id_first_wherever_the_caller_put_it():
    collection = embedded_store.EmbeddedClient()["insert_work"]["order"]
    collection.insert_one({"b": 1, "_id": "x", "a": 2})
    collection.insert_many([{"_id": "y", "b": 1}, {"c": 3, "_id": "z"}])
    assert [list(doc) for doc in collection.find({}).sort("_id", 1)] == [["_id", "b", "a"], ["_id", "b"], ["_id", "c"]]


def test_an_index_keys_a_document_for_every_built_size_as_each_size_alone_would():
    """``_Index.keyed`` reads each field once for all the sizes built, where ``keys`` read them for each size:
    the same keys, whatever the document holds (arrays, empty ones, documents, nulls, missing fields, a
    partial filter's exclusion)."""
    import random
    rng = random.Random(62)
    values = [None, "a", "b", 1, 1.0, 2, True, [], ["a", "b"], [1, [2]], {"x": 1}, [{"x": 1}, "a"]]
    for options in ({}, {"partialFilterExpression": {"c": {"$exists": True}}}, {"sparse": True}):
        index = _Index("t", [("a", 1), ("b.c", 1), ("c", 1)], options)
        for sizes in ((1,), (1, 2), (2, 3), (0, 1, 2, 3), (3,)):
            index.maps = {size: {} for size in sizes}
            for _ in range(300):
                doc = {"_id": "x"}
                for field in ("a", "c"):
                    if rng.random() < 0.8:
                        doc[field] = rng.choice(values)
                if rng.random() < 0.8:
                    doc["b"] = rng.choice([{"c": rng.choice(values)}, [{"c": rng.choice(values)}, {"c": "z"}], None, "b"])
                assert index.keyed(doc) == {size: index.keys(doc, size) for size in sizes}, (options, sizes, doc)


def test_a_value_of_a_subclass_of_a_plain_type_is_stored_as_its_plain_value_and_found():
    """pymongo writes an int, str or float subclass (an ``IntEnum``'s or a ``StrEnum``'s member) as BSON's
    int, string or double: the embedded store kept the subclass itself, which no query found, with an index
    or without (its keys and comparisons are of the plain types), and an int subclass past int64 was stored
    where pymongo refuses it (found by r1 reviewing h1: an insert's whole numbers checked inline)."""
    import enum

    class Kind(enum.IntEnum):
        REPAIR = 2

    class Status(enum.StrEnum):
        OPEN = "open"

    class Area(float):
        pass

    class Huge(int):
        pass

    for indexed in (False, True):
        collection = embedded_store.EmbeddedClient()["insert_work"][f"kinds_{indexed}"]
        if indexed:
            collection.create_index([("estate_id", 1), ("kind", 1)])
            collection.create_index([("estate_id", 1), ("status", 1), ("area_m2", 1)])
        collection.insert_many([{"_id": "a", "estate_id": "e1", "kind": Kind.REPAIR, "status": Status.OPEN,
                                 "area_m2": Area(89.37), "tags": [Kind.REPAIR, Status.OPEN]},
                                {"estate_id": "e1", "_id": "b", "kind": 2, "status": "open", "area_m2": 89.37}])
        assert [d["_id"] for d in collection.find({"estate_id": "e1", "kind": 2})] == ["a", "b"]
        assert [d["_id"] for d in collection.find({"estate_id": "e1", "kind": {"$gte": 2}})] == ["a", "b"]
        assert [d["_id"] for d in collection.find({"estate_id": "e1", "status": "open", "area_m2": 89.37})] == ["a", "b"]
        assert [d["_id"] for d in collection.find({"estate_id": "e1", "tags": 2})] == ["a"]
        stored = collection.find_one({"_id": "a"})
        assert [type(stored[name]) for name in ("kind", "status", "area_m2")] == [int, str, float]
        assert [type(tag) for tag in stored["tags"]] == [int, str]
        with pytest.raises(OverflowError):
            collection.insert_one({"_id": "c", "estate_id": "e1", "kind": Huge(2 ** 63)})
        assert collection.find_one({"_id": "c"}) is None


@pytest.mark.parametrize("seed", range(3))
def test_indexes_built_at_any_moment_among_inserts_updates_and_deletes_answer_as_a_walk(seed):
    """An index keeps its maps from its first use on and keeps nothing before (``_insert_locked``): whichever
    write came before and after the first query of each of them (inserts one and many, unordered with duplicates,
    ``_id`` first, last or in the middle; updates, replacements, deletes), every built map is the one built anew
    from the documents, and every query answers as a walk of them: compound indexes with missing fields, unique
    partial, sparse, partial, multikey (arrays, empty ones, arrays of documents), whole numbers at int64's bounds,
    booleans beside 1 and 0 (found by r1 reviewing h1)."""
    import random

    from estate_common.embedded_store import compile_query
    pick = random.Random(seed)
    things = embedded_store.EmbeddedClient()["insert_work"][f"lazy_{seed}"]
    declared = [([("estate_id", 1), ("a", 1)], {}), ([("estate_id", 1), ("a", 1), ("b", 1)], {}),
                ([("estate_id", 1), ("b.c", 1), ("c", -1)], {}), ([("estate_id", 1), ("c", 1)], {"sparse": True}),
                ([("estate_id", 1), ("d", 1)], {"partialFilterExpression": {"d": {"$exists": True}}}),
                ([("estate_id", 1), ("code", 1)], {"unique": True, "partialFilterExpression": {"code": {"$exists": True}}}),
                ([("estate_id", 1), ("tags", 1)], {})]
    for spec, options in declared:
        things.create_index(spec, **options)

    def value():
        return pick.choice(["x", "y", 0, 1, 2, True, False, 1.0, None, 2 ** 63 - 1, -2 ** 63, [], ["x", 1],
                            [True, 0], {"c": "x"}, [{"c": 1}, {"c": "y"}]])

    def document(n):
        fields = [name for name in ("a", "b", "c", "d", "tags") if pick.random() < 0.7]
        doc = {name: value() for name in fields}
        if pick.random() < 0.3:
            doc["code"] = pick.choice(["k1", "k2", "k3", 7])
        at = pick.randint(0, len(doc))
        return dict([*list(doc.items())[:at], ("_id", f"t{n:03d}"), *list(doc.items())[at:],
                     ("estate_id", pick.choice(["e1", "e1", "e2"]))])

    def a_query():
        query = {"estate_id": pick.choice(["e1", "e2"])}
        for name in pick.sample(["a", "b", "b.c", "c", "d", "tags", "code"], pick.randint(1, 2)):
            query[name] = pick.choice([value(), {"$in": [value(), value()]}, {"$exists": pick.random() < 0.5},
                                       {"$gte": pick.choice([0, 1, "x"])}])
        return query

    count = 0
    for _ in range(400):
        roll = pick.random()
        try:
            if roll < 0.3:
                batch = [document(count + n) for n in range(pick.randint(1, 4))]
                if pick.random() < 0.2:
                    batch.append(document(pick.randrange(count + 1)))  # an _id there already
                count += len(batch)
                things.insert_many(batch, ordered=False)
            elif roll < 0.4:
                things.insert_one(document(pick.randrange(count + 1)))
            elif roll < 0.55:
                name = pick.choice(["a", "b", "c", "d", "tags", "code"])
                change = pick.choice([{"$set": {name: value()}}, {"$unset": {name: ""}}])
                things.update_many(a_query(), change)
            elif roll < 0.62:
                replacement = document(0)
                del replacement["_id"]
                things.replace_one({"_id": f"t{pick.randrange(count + 1):03d}"}, replacement)
            elif roll < 0.72:
                things.delete_one(a_query())
            else:
                query = a_query()
                found = [doc["_id"] for doc in things.find(query)]
                test = compile_query(query)
                assert found == [doc["_id"] for doc in things._docs.values() if test(doc)], query
        except embedded_store.DuplicateKeyError:
            pass  # a repeated _id or code: refused, nothing else of the write done
        except embedded_store.BulkWriteError as error:
            assert {e["code"] for e in error.details["writeErrors"]} == {11000}
    for index in things._indexes.values():
        anew = _Index(index.name, index.spec, index.options)
        for size, buckets in index.maps.items():
            anew.build(size, things._docs.values())
            assert {key: set(ids) for key, ids in buckets.items()} == {
                key: set(ids) for key, ids in anew.maps[size].items()}, (index.name, size)
    assert sum(bool(index.maps) for index in things._indexes.values()) >= 3
