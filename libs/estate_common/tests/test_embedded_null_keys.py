"""Which queries a missing field or null can be looked up for in the embedded store's indexes,
as in MongoDB's: an index that is not sparse keys a missing field as null, so ``{key: None}``
and ``{key: {$exists: false}}`` read its null bucket (the estate's few unkeyed households
through ``(estate_id, _address_key, …)``, not the estate walked); a sparse index does not hold
the documents missing its fields, nor a partial one those its filter leaves out, so neither
serves a query such a document can match. The answers are the store contract's
(``test_store_contract``: the same cases on MongoDB)."""
import pytest

from estate_common import embedded_store

OTHERS = 300  # documents keyed with a value, which a lookup of the null bucket never reads


@pytest.fixture
def keyed():
    def make(keys, **options):
        collection = embedded_store.EmbeddedClient()["null_keys"]["keyed"]
        collection.create_index(keys, **options)
        collection.insert_many([{"_id": "missing", "estate_id": "e1"}, {"_id": "null", "estate_id": "e1", "key": None},
                                {"_id": "listed", "estate_id": "e1", "key": [None, "k2"]},
                                {"_id": "other", "estate_id": "e2"}]
                               + [{"_id": f"k{n}", "estate_id": "e1", "key": f"k{n}"} for n in range(OTHERS)])
        return collection
    return make


def candidates(collection, query):
    with collection._lock:
        return sorted(doc["_id"] for doc in collection._candidates(query))


@pytest.mark.parametrize("query, looked_at", [
    ({"estate_id": "e1", "key": None}, ["listed", "missing", "null"]),
    ({"estate_id": "e1", "key": {"$eq": None}}, ["listed", "missing", "null"]),
    ({"estate_id": "e1", "key": {"$exists": False}}, ["listed", "missing", "null"]),
    ({"estate_id": "e1", "key": {"$exists": 0}}, ["listed", "missing", "null"]),
    ({"$and": [{"estate_id": "e1"}, {"key": {"$exists": False}}]}, ["listed", "missing", "null"]),
    ({"estate_id": "e2", "key": {"$exists": False}}, ["other"]),
    ({"estate_id": "e1", "key": {"$exists": False, "$eq": "k7"}}, ["k7"]),  # matches nothing: one bucket
])
def test_a_missing_field_and_null_are_looked_up_in_the_null_bucket_of_an_index_that_is_not_sparse(
        keyed, query, looked_at):
    collection = keyed([("estate_id", 1), ("key", 1), ("_id", 1)])
    assert candidates(collection, query) == looked_at
    expected = [doc["_id"] for doc in collection.find(query)]
    assert expected == [doc["_id"] for doc in collection._docs.values() if embedded_store.compile_query(query)(doc)]


def test_a_missing_field_is_looked_up_through_a_single_field_index_too(keyed):
    collection = keyed([("key", 1)])
    assert candidates(collection, {"key": {"$exists": False}}) == ["listed", "missing", "null", "other"]
    assert [doc["_id"] for doc in collection.find({"key": {"$exists": False}})] == ["missing", "other"]


@pytest.mark.parametrize("keys, options", [
    ([("estate_id", 1), ("key", 1)], {"sparse": True}),  # holds every document with an estate_id: not read
    ([("key", 1)], {"sparse": True}),
    ([("estate_id", 1), ("key", 1)], {"partialFilterExpression": {"key": {"$exists": True}}}),
])
@pytest.mark.parametrize("query", [{"estate_id": "e1", "key": None}, {"estate_id": "e1", "key": {"$exists": False}}])
def test_a_sparse_or_partial_index_leaving_out_a_missing_field_is_not_read_for_it(keyed, keys, options, query):
    collection = keyed(keys, **options)
    assert len(candidates(collection, query)) == OTHERS + 4  # every document walked
    assert sorted(doc["_id"] for doc in collection.find(query)) == (
        ["missing"] if type(query["key"]) is dict else ["listed", "missing", "null"])


def test_a_partial_index_of_the_null_ones_serves_a_missing_field(keyed):
    collection = keyed([("estate_id", 1), ("key", 1)], partialFilterExpression={"key": None})
    assert candidates(collection, {"estate_id": "e1", "key": {"$exists": False}}) == ["listed", "missing", "null"]


def test_writes_move_a_document_in_and_out_of_the_null_bucket(keyed):
    collection = keyed([("estate_id", 1), ("key", 1), ("_id", 1)])
    unkeyed = {"estate_id": "e1", "key": {"$exists": False}}
    collection.update_one({"_id": "missing"}, {"$set": {"key": "k-new"}})
    collection.update_one({"_id": "k3"}, {"$unset": {"key": ""}})
    assert candidates(collection, unkeyed) == ["k3", "listed", "null"]
    assert [doc["_id"] for doc in collection.find(unkeyed)] == ["k3"]
