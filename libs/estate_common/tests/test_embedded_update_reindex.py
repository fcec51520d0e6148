"""An update re-keys only the indexes that read a field it changed: archive's sweep giving 10,000
households their day counted from (``_inspect_from``) re-keyed each household in all eleven of its
indexes, half the sweep's time, holding the service's event loop (h7). An index reads its fields, its
partial filter's and the sort fields of the ordered buckets it keeps (a list's pages), by the field's
first part: an update of ``a.b`` changes every index on ``a``."""
from estate_common import embedded_store
from estate_common.embedded_store import _Index


def things(count=300):
    collection = embedded_store.EmbeddedClient()["reindex"]["things"]
    collection.create_index([("estate_id", 1), ("code", 1)])
    collection.create_index([("estate_id", 1), ("due", 1)], partialFilterExpression={"open": True})
    collection.create_index([("estate_id", 1), ("where.building", 1)])
    collection.insert_many([{"_id": f"t{n:03d}", "estate_id": "e1", "code": f"c{n % 7}", "due": n, "open": n % 2 == 0,
                             "where": {"building": str(n % 3)}, "created_at": f"2026-{n:03d}", "note": "x"}
                            for n in range(count)])
    return collection


def rekeyed(monkeypatch):
    seen = []
    add = _Index.add
    monkeypatch.setattr(_Index, "add", lambda self, doc: (seen.append(self.name), add(self, doc))[1])
    return seen


def test_an_update_of_a_field_no_index_reads_rekeys_none(monkeypatch):
    collection = things()
    seen = rekeyed(monkeypatch)
    collection.update_one({"_id": "t001"}, {"$set": {"note": "y"}})
    collection.update_many({"estate_id": "e1", "code": "c1"}, {"$set": {"note": "z", "other.deep": 1}})
    assert seen == []
    collection.update_one({"_id": "t002"}, {"$set": {"code": "c9"}})
    assert seen == ["estate_id_1_code_1"]
    seen.clear()
    collection.update_one({"_id": "t003"}, {"$set": {"where.building": "9"}})
    assert seen == ["estate_id_1_where.building_1"]
    seen.clear()
    collection.replace_one({"_id": "t004"}, {"estate_id": "e1", "code": "c4", "due": 4, "open": True})
    # a replacement: the indexes of the fields it changed (its code, its building gone), not those of
    # the values it holds again (the same objects: the estate, the small number due, True)
    assert sorted(seen) == ["estate_id_1_code_1", "estate_id_1_where.building_1"]


def test_every_answer_is_the_walks_through_updates_of_each_kind_of_field(monkeypatch):
    collection = things()

    def answers():
        with collection._lock:
            by_index = [{doc["_id"] for doc in collection._candidates(query) if embedded_store.compile_query(query)(doc)}
                        for query in queries]
        walked = [{doc["_id"] for doc in collection._docs.values() if embedded_store.compile_query(query)(doc)}
                  for query in queries]
        page = [doc["_id"] for doc in collection.find({"estate_id": "e1", "code": "c3"}).sort(
            [("created_at", 1), ("_id", 1)]).limit(20)]
        return by_index, walked, page
    queries = [{"estate_id": "e1", "code": "c3"}, {"estate_id": "e1", "open": True, "due": {"$gte": 100, "$lt": 200}},
               {"estate_id": "e1", "where.building": "1"}, {"estate_id": "e1", "code": "c3", "note": "y"}]
    answers()  # the buckets built, the page's order kept
    for n in range(0, 300, 3):
        collection.update_one({"_id": f"t{n:03d}"}, {"$set": {"note": "y"}})
        collection.update_one({"_id": f"t{n + 1:03d}"}, {"$set": {"open": n % 2 == 1, "created_at": f"2025-{n:03d}"}})
        collection.update_one({"_id": f"t{n + 2:03d}"}, {"$set": {"code": "c3", "where": {"building": "1"}}})
    by_index, walked, page = answers()
    assert by_index == walked
    expected = sorted((doc for doc in collection._docs.values() if doc["code"] == "c3"),
                      key=lambda doc: (doc["created_at"], doc["_id"]))[:20]
    assert page == [doc["_id"] for doc in expected]
