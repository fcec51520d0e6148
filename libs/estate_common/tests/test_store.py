"""Store helpers and the embedded store's own promises (MONGO_URI is unset by the suite):
private connections, linear scans, cheap pages, lookups by _id and declared index.
What both adapters promise is in test_store_contract.py."""
import base64
import json
import uuid

import eventlet
import pytest

from estate_common import store
from estate_common.embedded_store import EmbeddedClient
from estate_common.errors import BusinessRuleViolation, InvalidInput, NotFound


@pytest.fixture
def db():
    return store.connect(f"test_store_{uuid.uuid4().hex[:8]}")


def _b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# seven documents, two pairs sharing a created_at (so _id breaks the tie), inserted out of order
SEVEN = [
    {"_id": "d5", "created_at": "2026-01-01T00:00:03.000Z"},
    {"_id": "a1", "created_at": "2026-01-01T00:00:01.000Z"},
    {"_id": "c9", "created_at": "2026-01-01T00:00:02.000Z"},
    {"_id": "b2", "created_at": "2026-01-01T00:00:02.000Z"},
    {"_id": "z7", "created_at": "2026-01-01T00:00:00.500Z"},
    {"_id": "e4", "created_at": "2026-01-01T00:00:03.000Z"},
    {"_id": "f0", "created_at": "2026-01-01T00:00:04.000Z"},
]
EXPECTED = ["z7", "a1", "b2", "c9", "d5", "e4", "f0"]


def _fill(db, docs, estate_id="est_1"):
    for doc in docs:
        db.items.insert_one({**doc, "estate_id": estate_id, "_outbox": []})


def test_connect_without_mongo_uri_is_the_embedded_store(monkeypatch):
    monkeypatch.delenv("MONGO_URI", raising=False)
    monkeypatch.delenv("MONGO_DB", raising=False)
    db = store.connect("archive")
    assert isinstance(db.client, EmbeddedClient)
    assert db.name == "estate_archive"
    store.ping(db)
    db.items.insert_one({"_id": "x"})
    assert store.connect("archive").items.count_documents({}) == 0  # each connection is private


def test_page_walks_all_documents_in_order_without_gaps_or_duplicates(db):
    _fill(db, SEVEN)
    _fill(db, [{"_id": "other", "created_at": "2026-01-01T00:00:02.500Z"}], estate_id="est_2")
    pages, cursor = [], None
    while True:
        page = store.page(db.items, {"estate_id": "est_1"}, limit=3, cursor=cursor)
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor
        assert len(pages) < 10
    assert pages == [EXPECTED[0:3], EXPECTED[3:6], EXPECTED[6:7]]


def test_page_of_exactly_limit_items_has_no_next_cursor(db):
    _fill(db, SEVEN[:3])
    page = store.page(db.items, {}, limit=3)
    assert len(page["items"]) == 3
    assert page["next_cursor"] is None


def test_page_of_an_empty_collection(db):
    assert store.page(db.items, {}, limit=3) == {"items": [], "next_cursor": None}


def test_page_default_limit(db):
    _fill(db, [{"_id": f"x{i:03d}", "created_at": "2026-01-01T00:00:00.000Z"} for i in range(store.DEFAULT_PAGE + 1)])
    page = store.page(db.items, {})
    assert len(page["items"]) == store.DEFAULT_PAGE
    assert page["next_cursor"] is not None


def test_page_is_stable_when_documents_are_added_after_the_first_page(db):
    _fill(db, SEVEN)
    first = store.page(db.items, {}, limit=3)
    assert [i["id"] for i in first["items"]] == EXPECTED[:3]
    # new documents arrive: later ones, and one that sorts before the cursor
    _fill(db, [{"_id": "n1", "created_at": "2026-01-01T00:00:05.000Z"},
               {"_id": "n0", "created_at": "2026-01-01T00:00:00.100Z"},
               {"_id": "a0", "created_at": "2026-01-01T00:00:01.000Z"}])
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = store.page(db.items, {}, limit=3, cursor=cursor)
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == EXPECTED + ["n1"]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("cursor", [
    "!!!",
    _b64(b"\xff\xfe not json"),
    _b64(b"not json at all"),
    _b64(b"42"),
    _b64(json.dumps(["2026-01-01T00:00:00.000Z", 7]).encode()),
    _b64(json.dumps(["2026-01-01T00:00:00.000Z", "a", "b"]).encode()),
    _b64(b"null"),
])
def test_bad_cursor_is_invalid_input_naming_cursor(db, cursor):
    _fill(db, SEVEN)
    with pytest.raises(InvalidInput) as caught:
        store.page(db.items, {}, limit=3, cursor=cursor)
    assert [e["field"] for e in caught.value.errors] == ["cursor"]


@pytest.mark.parametrize("cursor", [
    _b64(json.dumps("ab").encode()),             # a 2-character JSON string
    _b64(json.dumps({"x": 1, "y": 2}).encode()),  # a JSON object with 2 keys
])
def test_cursor_that_is_not_a_pair_is_invalid_input(db, cursor):
    """Only ``[created_at, _id]`` pairs were given out; anything else that happens to unpack
    into two strings must be refused too."""
    _fill(db, SEVEN)
    with pytest.raises(InvalidInput) as caught:
        store.page(db.items, {}, limit=3, cursor=cursor)
    assert [e["field"] for e in caught.value.errors] == ["cursor"]


def test_cursor_round_trip():
    doc = {"_id": "a1", "created_at": "2026-01-01T00:00:01.000Z"}
    cursor = store.encode_cursor(doc)
    assert cursor == "2026-01-01T00:00:01.000Z~a1"
    assert store.decode_cursor(cursor) == ("2026-01-01T00:00:01.000Z", "a1")


def test_a_cursor_of_the_contracts_form_is_a_position_even_if_never_given_out(db):
    """The contract's pattern is all a client (or a fuzzer) knows: any cursor of that form
    answers the items after that position, never a 400."""
    _fill(db, SEVEN)
    page = store.page(db.items, {}, limit=10, cursor="2026-01-01T00:00:02.000Z~b")
    everything = store.page(db.items, {}, limit=10)["items"]
    assert page["items"] == [i for i in everything if (i["created_at"], i["id"]) > ("2026-01-01T00:00:02.000Z", "b")]
    assert store.page(db.items, {}, limit=3, cursor="2099-12-31T23:59:59Z~zz")["items"] == []


@pytest.mark.parametrize("cursor, after", [
    # whole seconds: the position is that second's first instant, so z7 (00:00.500) comes after it
    ("2026-01-01T00:00:00Z~zz", EXPECTED),
    ("2026-01-01T00:00:02Z~b2", ["c9", "d5", "e4", "f0"]),
    # fewer digits than stored: 00:00.5 is 00:00.500
    ("2026-01-01T00:00:00.5Z~a", EXPECTED),
    ("2026-01-01T00:00:00.5Z~z7", EXPECTED[1:]),
    # more digits than stored: between two stored milliseconds, after every item of the earlier one
    ("2026-01-01T00:00:02.000000Z~b2", ["c9", "d5", "e4", "f0"]),
    ("2026-01-01T00:00:02.0005Z~a", ["d5", "e4", "f0"]),
    ("2026-01-01T00:00:01.999999Z~zz", ["b2", "c9", "d5", "e4", "f0"]),
])
def test_a_cursor_is_a_position_in_time_however_many_digits_its_seconds_have(db, cursor, after):
    """The contract's cursor takes 0 to 6 digits of a second (an integrator resumes from a time of
    his own, "2026-01-01T00:00:00Z~0"); the store keeps milliseconds. Compared as text, 00:00:00Z
    sorted after 00:00:00.500Z ('Z' > '.') and 02.0005Z before 02.000Z: items were skipped or
    repeated. Both directions and the computed lists read the same position."""
    _fill(db, SEVEN)
    assert [i["id"] for i in store.page(db.items, {}, limit=10, cursor=cursor)["items"]] == after
    at = cursor.partition("~")[2]  # the item at the position itself is on neither side
    before = [i for i in reversed(EXPECTED) if i not in after and i != at]
    assert [i["id"] for i in store.page(db.items, {}, limit=10, cursor=cursor, newest_first=True)["items"]] == before
    computed = store.page_computed(sorted(SEVEN, key=lambda d: (d["created_at"], d["_id"])),
                                   lambda d: (d["created_at"], d["_id"]), limit=10, cursor=cursor)
    assert [d["_id"] for d in computed["items"]] == after


def test_a_base64_cursor_given_out_before_the_upgrade_still_pages_on(db):
    _fill(db, SEVEN)
    first = store.page(db.items, {}, limit=3)
    last = first["items"][-1]
    legacy = _b64(json.dumps([last["created_at"], last["id"]]).encode())
    assert store.page(db.items, {}, limit=3, cursor=legacy) == store.page(db.items, {}, limit=3,
                                                                          cursor=first["next_cursor"])


def test_the_cursor_pattern_is_the_contracts():
    from estate_common import contracts
    book = contracts.load()
    assert book.openapi["components"]["parameters"]["Cursor"]["schema"]["pattern"] == \
        "^" + store.CURSOR_PATTERN.pattern + "$"


def test_public_maps_id_and_drops_internals():
    doc = {"_id": "hh_1", "estate_id": "est_1", "room": "301", "_outbox": [{"event_id": "x"}], "_seen": 1}
    assert store.public(doc) == {"id": "hh_1", "estate_id": "est_1", "room": "301"}
    assert "_outbox" in doc  # the stored document is not changed
    assert store.public(None) is None


def test_next_number_counts_per_estate_and_series(db):
    a = [store.next_number(db, "est_1", "SR") for _ in range(4)]
    b = [store.next_number(db, "est_1", "WO") for _ in range(2)]
    c = [store.next_number(db, "est_2", "SR") for _ in range(3)]
    assert a == [1, 2, 3, 4]
    assert b == [1, 2]
    assert c == [1, 2, 3]
    assert store.next_number(db, "est_1", "SR") == 5
    assert db.counters.find_one({"_id": "est_2:SR"})["estate_id"] == "est_2"


def test_next_number_is_distinct_under_concurrent_green_threads(db):
    pool = eventlet.GreenPool(50)

    def take(_):
        eventlet.sleep(0)
        return store.next_number(db, "est_1", "SR")

    values = list(pool.imap(take, range(50)))
    assert sorted(values) == list(range(1, 51))


def test_ensure_indexes_creates_them(db):
    store.ensure_indexes(db, {"items": [([("estate_id", 1), ("created_at", 1)], {"name": "by_estate"})]})
    assert "by_estate" in db.items.index_information()


# -- scan and page: one linear walk, and a page copies only its own documents -------------

def test_scan_finds_what_find_finds_with_only_the_wanted_fields(db):
    from datetime import datetime, timezone
    db.things.insert_many([
        {"_id": "t1", "estate_id": "est_1", "kind": "a", "n": 1, "tags": ["x", "y"], "nested": {"k": [1]}},
        {"_id": "t2", "estate_id": "est_1", "kind": "b", "n": 5, "tags": ["z"],
         "at": datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)},
        {"_id": "t3", "estate_id": "est_2", "kind": "a", "n": 3},
        {"_id": "t4", "estate_id": "est_1", "kind": True, "n": 1},
    ])
    for query in ({"estate_id": "est_1"}, {"estate_id": "est_1", "kind": "a"}, {"n": {"$gte": 3}},
                  {"tags": "x"}, {"estate_id": "est_1", "n": 1}, {"kind": 1}, {"missing": None}):
        assert sorted(d["_id"] for d in store.scan(db.things, query)) == sorted(d["_id"] for d in db.things.find(query))
    assert list(store.scan(db.things, {"_id": "t1"}, ("n", "absent"))) == [{"_id": "t1", "n": 1}]
    [whole] = store.scan(db.things, {"_id": "t2"})
    assert whole["at"].tzinfo is not None
    [copied] = store.scan(db.things, {"_id": "t1"})
    copied["nested"]["k"].append(2)
    assert db.things.find_one({"_id": "t1"})["nested"] == {"k": [1]}  # a copy, not the stored document


def test_scan_walks_many_documents_in_linear_time(db):
    import time
    db.many.insert_many([{"_id": f"d{i:06d}", "estate_id": "est_1", "n": i} for i in range(40000)])
    started = time.perf_counter()
    assert sum(1 for _ in store.scan(db.many, {"estate_id": "est_1"}, ("n",))) == 40000
    assert time.perf_counter() - started < 2.0  # mongomock's cursor needed about 3 s here, growing with the square


def test_a_page_of_a_large_collection_copies_only_its_own_documents(db):
    import time
    db.many.insert_many([{"_id": f"d{i:06d}", "estate_id": "est_1", "created_at": f"2026-01-01T00:00:{i % 60:02d}.000Z",
                          "n": i} for i in range(40000)])
    started = time.perf_counter()
    first = store.page(db.many, {"estate_id": "est_1"}, limit=3)
    second = store.page(db.many, {"estate_id": "est_1"}, limit=3, cursor=first["next_cursor"])
    assert time.perf_counter() - started < 1.5  # mongomock's sorted cursor copied all 40,000 first (about 1.5 s each)
    assert [d["id"] for d in first["items"] + second["items"]] == ["d000000", "d000060", "d000120",
                                                                   "d000180", "d000240", "d000300"]
    first["items"][0]["n"] = -1
    assert db.many.find_one({"_id": "d000000"})["n"] == 0  # a copy, not the stored document


def test_a_natural_id_makes_the_second_write_of_the_same_thing_a_no_op(db):
    bill = {"_id": "bill_e1_h1_fee_2026-11", "estate_id": "e1", "amount_cents": 21002}
    assert store.insert_new(db.bills, dict(bill)) is True
    assert store.insert_new(db.bills, {**bill, "amount_cents": 1}) is False
    assert db.bills.find_one({"_id": bill["_id"]})["amount_cents"] == 21002


def test_a_document_of_another_estate_is_not_there(db):
    db.bills.insert_one({"_id": "b1", "estate_id": "e1"})
    assert store.find_in_estate(db.bills, "e1", "b1")["_id"] == "b1"
    assert store.find_in_estate(db.bills, "e2", "b1") is None
    with pytest.raises(NotFound) as missing:
        store.get_in_estate(db.bills, "e2", "b1", "bill")
    assert missing.value.detail == "no such bill in this estate"
    with pytest.raises(BusinessRuleViolation) as unknown:
        store.referenced(db.bills, "e2", "b1", "bill", "data.bill_id")
    assert unknown.value.errors == [{"field": "data.bill_id", "message": "no such bill in this estate"}]


def test_collections_by_name_say_what_a_document_is(db):
    named = store.Collections({"keys": "key"})
    assert named.insert(db, "keys", {"_id": "k1", "estate_id": "e1"}) is True
    assert named.insert(db, "keys", {"_id": "k1", "estate_id": "e1"}) is False
    assert named.get(db, "keys", "e1", "k1")["_id"] == "k1"
    assert named.find(db, "keys", "e2", "k1") is None
    with pytest.raises(NotFound) as missing:
        named.get(db, "keys", "e2", "k1")
    assert missing.value.detail == "no such key in this estate"
    with pytest.raises(BusinessRuleViolation) as unknown:
        named.referenced(db, "keys", "e2", "k1", "data.key_id")
    assert unknown.value.errors[0]["field"] == "data.key_id"


# -- the embedded store at 100,000 documents: by _id and by a declared index, no walk ---------

@pytest.fixture(scope="module")
def bills_100k():
    db = EmbeddedClient(tz_aware=True)["speed"]
    db.bills.create_index([("estate_id", 1), ("household_id", 1), ("status", 1)])
    db.bills.insert_many([{"_id": f"bill_{i:06d}", "estate_id": f"est_{i % 2}", "household_id": f"hh_{i // 4:06d}",
                           "status": "unpaid", "amount_cents": 21000, "paid_cents": 0, "allocations": [],
                           "created_at": "2026-11-01T00:00:00.000Z"} for i in range(100_000)])
    return db


def _median_ms(operation, count=200):
    import statistics
    import time
    samples = []
    for index in range(count):
        started = time.perf_counter()
        operation(index)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def test_reading_one_of_100k_documents_by_id_costs_under_a_millisecond(bills_100k):
    def read(index):
        assert store.find_in_estate(bills_100k.bills, f"est_{index % 2}", f"bill_{index * 397:06d}") is not None
    assert _median_ms(read) < 1.0


def test_updating_one_of_100k_documents_by_id_costs_under_a_millisecond(bills_100k):
    def update(index):
        bill_id = f"bill_{index * 397:06d}"
        answer = bills_100k.bills.update_one({"_id": bill_id, "estate_id": f"est_{index % 2}", "paid_cents": 0},
                                             {"$set": {"paid_cents": 100}, "$push": {"allocations": {"id": index}}})
        assert answer.modified_count == 1
    assert _median_ms(update) < 1.0


def test_finding_by_a_declared_index_among_100k_documents_costs_under_a_millisecond(bills_100k):
    bills_100k.bills.find_one({"estate_id": "est_0", "household_id": "hh_000000", "status": "unpaid"})  # its map

    def find(index):
        household = f"hh_{index * 97:06d}"
        found = list(bills_100k.bills.find({"estate_id": "est_0", "household_id": household, "status": "unpaid"}))
        assert len(found) == 2
    assert _median_ms(find) < 1.0


def test_numbers_dates_and_object_ids_as_id_are_found_by_an_index_and_updated_under_a_unique_one():
    from bson import ObjectId
    from datetime import datetime, timezone
    db = EmbeddedClient(tz_aware=True)["ids"]
    db.things.create_index([("estate_id", 1), ("n", 1)], unique=True)
    ids = [7, 7.5, datetime(2026, 11, 30, tzinfo=timezone.utc), ObjectId()]
    db.things.insert_many([{"_id": doc_id, "estate_id": "est_1", "n": i} for i, doc_id in enumerate(ids)])
    for i, doc_id in enumerate(ids):
        assert db.things.find_one({"estate_id": "est_1", "n": i})["_id"] == doc_id
        assert db.things.update_one({"_id": doc_id, "estate_id": "est_1"}, {"$set": {"n": i + 10}}).modified_count == 1
    assert sorted(d["n"] for d in db.things.find({"estate_id": "est_1"})) == [10, 11, 12, 13]


# -- the embedded store refuses what it does not implement, and is safe across OS threads ---

def test_the_embedded_store_refuses_what_it_would_answer_differently(db):
    from pymongo.errors import OperationFailure

    from estate_common.embedded_store import NotSupported
    db.items.insert_one({"_id": "i1", "list": [{"id": 1}]})
    with pytest.raises(NotSupported):
        db.items.update_one({"_id": "i1"}, {"$set": {"list.$[x].id": 2}}, array_filters=[{"x.id": 1}])
    with pytest.raises(NotSupported):
        db.items.update_one({"_id": "i1", "list.id": 1}, {"$set": {"list.$.id": 2}})
    with pytest.raises(NotSupported):
        db.items.find_one({"$expr": {"$eq": ["$a", 1]}})
    with pytest.raises(NotSupported):
        db.items.aggregate([])
    with pytest.raises(OperationFailure):
        db.items.find_one({"n": {"$unknown": 1}})
    with pytest.raises(TypeError):
        db.misspelt_method({})  # a collection by that name: not callable, as in pymongo
    with pytest.raises(AttributeError):
        db.items.misspelt_method({})  # no sub-collections by attribute here: a typo is an error


def test_the_embedded_store_is_safe_across_os_threads(db):
    """The gateway runs in real threads (gunicorn gthread): writes hold the collection's lock,
    readers walk a snapshot of versions nobody changes."""
    real_threading = eventlet.patcher.original("threading")
    db.items.insert_one({"_id": "counter", "n": 0, "seen": []})

    def work(worker):
        for index in range(300):
            db.items.update_one({"_id": "counter"}, {"$inc": {"n": 1}, "$push": {"seen": worker}})
            db.items.insert_one({"_id": f"w{worker}_{index}", "estate_id": "e1", "created_at": f"{index:04d}"})
            assert store.page(db.items, {"estate_id": "e1"}, limit=2)["items"]
    threads = [real_threading.Thread(target=work, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counter = db.items.find_one({"_id": "counter"})
    assert counter["n"] == 1200 and len(counter["seen"]) == 1200
    assert db.items.count_documents({"estate_id": "e1"}) == 1200


def test_a_query_on_an_index_bucket_matches_as_mongodb_equality_does(db):
    """The fields an index bucket fixed to a string are not tested again: the bucket holds
    exactly the documents whose field is that string or an array holding it."""
    db.things.create_index([("estate_id", 1), ("status", 1)])
    db.things.insert_many([
        {"_id": "t1", "estate_id": "e", "status": "open", "n": 1}, {"_id": "t2", "estate_id": "e", "status": ["open", "x"]},
        {"_id": "t3", "estate_id": "e", "status": "closed"}, {"_id": "t4", "estate_id": "e"},
        {"_id": "t5", "estate_id": "f", "status": "open"}, {"_id": "t6", "estate_id": "e", "status": "open", "n": 2}])
    assert [d["_id"] for d in db.things.find({"estate_id": "e", "status": "open"})] == ["t1", "t2", "t6"]
    assert [d["_id"] for d in db.things.find({"estate_id": "e", "status": "open", "n": {"$gt": 1}})] == ["t6"]
    db.things.update_one({"_id": "t6"}, {"$set": {"status": "closed"}})
    assert [d["_id"] for d in db.things.find({"estate_id": "e", "status": "open"})] == ["t1", "t2"]
    assert db.things.count_documents({"estate_id": "e", "status": None}) == 1
    assert [d["_id"] for d in db.things.find({"estate_id": "e", "status": "open", "$and": [{"status": "x"}]})] == ["t2"]


def test_a_projection_of_top_level_fields_hands_out_copies(db):
    db.things.insert_one({"_id": "t1", "estate_id": "e", "tags": ["a"], "owner": {"name": "x"}, "n": 1})
    found = db.things.find_one({"_id": "t1"}, {"tags": 1, "owner": 1, "missing": 1})
    assert found == {"_id": "t1", "tags": ["a"], "owner": {"name": "x"}}
    found["tags"].append("b")
    found["owner"]["name"] = "y"
    assert db.things.find_one({"_id": "t1"}, {"tags": 1, "owner": 1}) == {"_id": "t1", "tags": ["a"], "owner": {"name": "x"}}


def test_a_retired_index_another_replica_dropped_meanwhile_is_no_failure(monkeypatch):
    """Two replicas starting at once both saw the index; the second one's drop failed with
    IndexNotFound and its start-up with it (found by review)."""
    from pymongo.errors import OperationFailure
    from estate_common.embedded_store import EmbeddedClient
    db = EmbeddedClient()["replicas"]
    collection = type(db.requests)
    seen = {"_id_": {}, "estate_id_1_due_at_1": {}}
    monkeypatch.setattr(collection, "index_information", lambda self: seen)

    def dropped_by_the_other(self, name):
        raise OperationFailure(f"index not found with name [{name}]", 27)
    monkeypatch.setattr(collection, "drop_index", dropped_by_the_other)
    store.drop_retired_indexes(db, {"requests": ["estate_id_1_due_at_1"]})  # no exception


def test_a_computed_list_keyed_by_whole_seconds_pages_on_without_repeating_its_last_item():
    """A computed list keyed by a day (``{day}T00:00:00Z``: finance's unsettled days) repeated each
    page's last items once cursors were placed on the store's milliseconds (``…00.000Z`` < ``…00Z``
    as text): the key is placed as the cursor is (found merging the unsettled days)."""
    days = [{"_id": f"{day}:{who}", "day": day} for day in ("2026-11-23", "2026-11-24", "2026-11-25")
            for who in ("wang", "zhao")]
    key = lambda d: (f"{d['day']}T00:00:00Z", d["_id"])  # noqa: E731
    first = store.page_computed(days, key, limit=4)
    rest = store.page_computed(days, key, limit=4, cursor=first["next_cursor"])
    assert [d["_id"] for d in first["items"] + rest["items"]] == [d["_id"] for d in days]
    assert rest["next_cursor"] is None


def test_a_computed_list_whose_keys_mix_whole_seconds_and_milliseconds_skips_none_of_them():
    """Items sorted by their key as written put ``…00.500Z`` before ``…00Z`` ('.' < 'Z'), where the
    cursor places ``…00Z`` at ``…00.000Z``, before it: an item keyed in whole seconds (a household
    copy's created_at as its event gave it) after one of the same second in milliseconds was never
    answered. The page is taken in the order the cursors place the items."""
    items = sorted([{"_id": "a", "at": "2026-01-01T00:00:00.500Z"}, {"_id": "b", "at": "2026-01-01T00:00:00Z"},
                    {"_id": "c", "at": "2026-01-01T00:00:01.000Z"}], key=lambda d: (d["at"], d["_id"]))
    key = lambda d: (d["at"], d["_id"])  # noqa: E731
    seen, cursor = [], None
    while True:
        page = store.page_computed(items, key, limit=1, cursor=cursor)
        seen += [d["_id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["b", "a", "c"]
# -- updated_since: the changes since a moment, in (updated_at, _id) order -----------------------

# created in one order, last written in another; two share a millisecond (_id breaks the tie)
CHANGED = [
    {"_id": "a1", "created_at": "2026-01-01T00:00:01.000Z", "updated_at": "2026-01-02T00:00:05.000Z"},
    {"_id": "b2", "created_at": "2026-01-01T00:00:02.000Z", "updated_at": "2026-01-02T00:00:03.000Z"},
    {"_id": "c3", "created_at": "2026-01-01T00:00:03.000Z", "updated_at": "2026-01-02T00:00:03.000Z"},
    {"_id": "d4", "created_at": "2026-01-01T00:00:04.000Z", "updated_at": "2026-01-02T00:00:01.000Z"},
    {"_id": "e5", "created_at": "2026-01-01T00:00:05.000Z", "updated_at": "2026-01-02T00:00:00.500Z"},
]


def test_updated_since_answers_what_was_written_at_or_after_it_in_the_order_of_its_writes(db):
    _fill(db, CHANGED)
    since = "2026-01-02T00:00:01Z"  # inclusive: d4, written at that very moment, is in
    ids, cursor = [], None
    while True:  # a page of one: every cursor is a position in (updated_at, _id) order
        page = store.page(db.items, {"estate_id": "est_1"}, limit=1, cursor=cursor, updated_since=since)
        ids += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert cursor.startswith("2026-01-02T")  # the item's updated_at, not its created_at
    assert ids == ["d4", "b2", "c3", "a1"]
    assert [i["id"] for i in store.page(db.items, {}, limit=10)["items"]] == ["a1", "b2", "c3", "d4", "e5"]


def test_resuming_from_the_last_item_read_misses_and_repeats_nothing_that_shares_its_millisecond(db):
    """An integrator stored b2 (03.000) and stopped; c3 shares its millisecond, a1 was written
    later. The last item's own position, <updated_at>~<id>, answers exactly what follows it."""
    _fill(db, CHANGED)
    page = store.page(db.items, {}, limit=10, cursor="2026-01-02T00:00:03.000Z~b2",
                      updated_since="2026-01-02T00:00:00Z")
    assert [i["id"] for i in page["items"]] == ["c3", "a1"]


@pytest.mark.parametrize("since, ids", [
    ("2026-01-02T00:00:03Z", ["b2", "c3", "a1"]),         # whole seconds: from that second's first instant
    ("2026-01-02T00:00:00.5Z", ["e5", "d4", "b2", "c3", "a1"]),  # fewer digits than stored
    ("2026-01-02T00:00:03.000000Z", ["b2", "c3", "a1"]),
    ("2026-01-02T00:00:02.9995Z", ["b2", "c3", "a1"]),    # between two stored milliseconds: the later one
    ("2026-01-02T00:00:03.0005Z", ["a1"]),
])
def test_updated_since_is_a_moment_however_many_digits_its_seconds_have(db, since, ids):
    """Stored timestamps keep milliseconds and compare as text: 03Z sorted after 03.000Z ('Z' > '.')."""
    _fill(db, CHANGED)
    assert [i["id"] for i in store.page(db.items, {}, limit=10, updated_since=since)["items"]] == ids


def test_a_document_never_written_with_an_updated_at_is_not_a_change(db):
    _fill(db, CHANGED + [{"_id": "f6", "created_at": "2026-01-03T00:00:00.000Z"}])
    assert "f6" not in [i["id"] for i in store.page(db.items, {}, limit=10, updated_since="2000-01-01T00:00:00Z")["items"]]


@pytest.mark.parametrize("since", ["yesterday", "2026-01-02", "2026-01-02T00:00:00+08:00", 5])
def test_an_updated_since_that_is_no_timestamp_is_invalid_input_naming_it(db, since):
    with pytest.raises(InvalidInput) as refused:
        store.page(db.items, {}, updated_since=since)
    assert [e["field"] for e in refused.value.errors] == ["updated_since"]


def test_the_embedded_store_aggregates_only_the_shape_it_implements(db):
    from estate_common.embedded_store import NotSupported
    db.items.insert_one({"_id": "i1", "k": ["a"], "n": 1})
    for pipeline in ([{"$match": {}}], [{"$match": {}}, {"$group": {"_id": "$k.x", "n": {"$sum": 1}}}],
                     [{"$match": {}}, {"$group": {"_id": "$n", "n": {"$avg": "$n"}}}],
                     [{"$match": {}}, {"$group": {"_id": "$k", "n": {"$sum": 1}}}],  # an array key: Mongo's rules
                     [{"$group": {"_id": "$k", "n": {"$sum": 1}}}, {"$match": {}}]):
        with pytest.raises(NotSupported):
            list(db.items.aggregate(pipeline))
