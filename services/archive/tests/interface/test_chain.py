"""The hash chain of the permanent record through archive's entrypoints (embedded store, no broker)."""
import itertools
import threading
import time

import pytest

from archive import chain, store
from archive.service import ArchiveService
from estate_common.errors import InvalidInput, NotFound
from estate_common.testing import as_caller, event, staff, worker

ESTATE = {"code": "HC-01", "name": "Hash Court", "address": "1 Chain Road"}


@pytest.fixture
def archive():
    return worker(ArchiveService)


@pytest.fixture
def estate(archive):
    return archive.create_estate({"data": ESTATE})["id"]


def _payment(estate_id, n):
    return event("finance", "payment_posted", estate_id, {
        "id": f"pay_{n}", "receipt_number": f"RC-2026-{n:06d}", "household_id": "hh_1", "amount_cents": 100 + n,
        "method": "cash", "bill_ids": ["bill_1"], "prepaid_cents": 0, "posted_at": "2026-11-22T02:00:00.000Z"})


def _record(archive, estate_id, count, start=0):
    for n in range(start, start + count):
        archive.record_payment(_payment(estate_id, n))


def _verify(archive, estate_id, **filters):
    return archive.verify_archive({"estate_id": estate_id, "filters": filters})


def test_records_form_one_chain_per_estate_and_verify_checks_it(archive, estate):
    _record(archive, estate, 3)
    last = _payment(estate, 3)
    archive.record_payment(last)
    archive.record_payment(last)  # redelivered: no second record, no new link
    other = archive.create_estate({"data": dict(ESTATE, code="HC-02")})["id"]
    _record(archive, other, 2)
    mine = sorted(archive.db.records.find({"estate_id": estate}), key=lambda r: r["seq"])
    assert [r["seq"] for r in mine] == [1, 2, 3, 4]
    assert [r["prev_hash"] for r in mine[1:]] == [r["hash"] for r in mine[:-1]]
    assert _verify(archive, estate) == {"checked": 4, "first_mismatch": None, "unchained": 0}
    assert _verify(archive, estate, **{"from": "2", "to": "3"})["checked"] == 2
    assert _verify(archive, other)["checked"] == 2


def test_a_record_altered_in_the_store_is_named_by_verify(archive, estate):
    _record(archive, estate, 5)
    target = archive.db.records.find_one({"estate_id": estate, "seq": 3})
    archive.db.records.update_one({"_id": target["_id"]}, {"$set": {"data.amount_cents": 1}})
    assert _verify(archive, estate)["first_mismatch"] == {"id": target["_id"], "seq": 3, "reason": chain.ALTERED}
    assert _verify(archive, estate, **{"from": "4"})["first_mismatch"] is None  # outside the window
    archive.db.records.delete_one({"estate_id": estate, "seq": 4})
    after = archive.db.records.find_one({"estate_id": estate, "seq": 5})
    assert _verify(archive, estate, **{"from": "4"})["first_mismatch"] == {
        "id": after["_id"], "seq": 5, "reason": chain.MISSING_BEFORE}


def test_records_from_before_the_chain_are_counted_not_checked(archive, estate):
    archive.db.records.insert_one({"_id": "rec_old", "estate_id": estate, "subject_type": "payment",
                                   "subject_id": "pay_old", "event_type": "payment_posted", "source": "finance",
                                   "occurred_at": "2025-01-01T00:00:00.000Z", "recorded_at": "2025-01-01T00:00:00.000Z",
                                   "created_at": "2025-01-01T00:00:00.000Z", "data": {"id": "pay_old"}})
    _record(archive, estate, 2)
    assert _verify(archive, estate) == {"checked": 2, "first_mismatch": None, "unchained": 1}


def test_interleaved_writers_on_one_estate_still_form_one_chain(archive, estate, monkeypatch):
    """Writer A reads the head, writer B records in between, A's insert meets B's seq and A links again."""
    other = worker(ArchiveService, db=archive.db)
    _record(archive, estate, 1)
    real_link, interleaved = chain.link, []

    def link_after_the_other_writer(record, last):
        if not interleaved:
            interleaved.append(record["_id"])
            other.record_payment(_payment(estate, 50))  # B, from the same head A just read
        return real_link(record, last)

    monkeypatch.setattr(store.chain, "link", link_after_the_other_writer)
    archive.record_payment(_payment(estate, 51))
    by_seq = {r["seq"]: r for r in archive.db.records.find({"estate_id": estate})}
    assert sorted(by_seq) == [1, 2, 3]
    assert by_seq[3]["_id"] == interleaved[0] and by_seq[2]["data"]["id"] == "pay_50"
    assert _verify(archive, estate) == {"checked": 3, "first_mismatch": None, "unchained": 0}


def test_a_writer_that_stopped_before_moving_the_head_leaves_no_gap(archive, estate, monkeypatch):
    """The head (one document per estate, so a write reads no list) may lag behind a record whose
    writer stopped before moving it: the next writer finds that record and links after it."""
    _record(archive, estate, 2)
    assert archive.db.chain_heads.find_one({"_id": estate})["seq"] == 2
    monkeypatch.setattr(store, "_advance_head", lambda db, linked: None)  # stops after its record
    _record(archive, estate, 1, start=2)
    monkeypatch.undo()
    assert archive.db.chain_heads.find_one({"_id": estate})["seq"] == 2  # behind: seq 3 is stored
    _record(archive, estate, 1, start=3)
    assert sorted(r["seq"] for r in archive.db.records.find({"estate_id": estate})) == [1, 2, 3, 4]
    assert archive.db.chain_heads.find_one({"_id": estate})["seq"] == 4
    assert _verify(archive, estate) == {"checked": 4, "first_mismatch": None, "unchained": 0}


def test_a_record_after_a_head_that_is_current_reads_no_record_to_find_its_place(archive, estate, monkeypatch):
    """The head is trusted as read for the first link: only a writer that stopped before moving it
    leaves a record past it, whose seq then fails the insert, and the next attempt walks past it
    (the test above). Probing the records for seq + 1 first cost every event a read (a round trip
    on MongoDB) that finds nothing (issue 15's write path, archive's consumer)."""
    _record(archive, estate, 2)
    collection_type, reads = type(archive.db.records), []
    real_find_one = collection_type.find_one

    def counted(self, *args, **kwargs):
        if self.name == "records":
            reads.append(args or kwargs)
        return real_find_one(self, *args, **kwargs)

    monkeypatch.setattr(collection_type, "find_one", counted)
    _record(archive, estate, 1, start=2)
    monkeypatch.undo()
    assert reads == []
    assert sorted(r["seq"] for r in archive.db.records.find({"estate_id": estate})) == [1, 2, 3]
    assert _verify(archive, estate) == {"checked": 3, "first_mismatch": None, "unchained": 0}


def test_an_event_redelivered_after_its_writer_stopped_before_moving_the_head_is_recorded_once(
        archive, estate, monkeypatch):
    """The redelivered event's first link (the head as read) meets its own record on both ``_id``
    and seq: the stored record is the answer, and the next event walks past the lagging head."""
    _record(archive, estate, 2)
    monkeypatch.setattr(store, "_advance_head", lambda db, linked: None)  # stops after its record
    stopped = _payment(estate, 2)
    archive.record_payment(stopped)
    monkeypatch.undo()
    first = archive.db.records.find_one({"estate_id": estate, "seq": 3})
    archive.record_payment(stopped)  # the broker hands the event over again
    assert archive.db.records.count_documents({"estate_id": estate}) == 3
    assert archive.db.records.find_one({"estate_id": estate, "seq": 3}) == first
    _record(archive, estate, 1, start=3)
    assert sorted(r["seq"] for r in archive.db.records.find({"estate_id": estate})) == [1, 2, 3, 4]
    assert archive.db.chain_heads.find_one({"_id": estate})["seq"] == 4
    assert _verify(archive, estate) == {"checked": 4, "first_mismatch": None, "unchained": 0}


def test_writers_on_green_threads_some_stopped_before_moving_the_head_and_redelivered_form_one_chain(
        archive, estate, monkeypatch):
    """Concurrency on one estate as a consumer's workers meet it on MongoDB: writers on green
    threads, each store call a wait (a round trip) so that they interleave between the head's read,
    the insert and the head's move; every fifth writer stops after its record (the head is not
    moved) and every event is delivered twice. One record per event, seqs 1..n with no gap or
    fork, and verify passes."""
    threads, per_thread, moves = 4, 10, itertools.count(1)
    real_advance = store._advance_head

    def advance_unless_stopped(db, linked):
        time.sleep(0.0002)
        if next(moves) % 5:
            real_advance(db, linked)

    def after_a_wait(real):
        def call(self, *args, **kwargs):
            time.sleep(0.0002)
            return real(self, *args, **kwargs)
        return call

    monkeypatch.setattr(store, "_advance_head", advance_unless_stopped)
    collection_type = type(archive.db.records)
    for name in ("insert_one", "find_one"):
        monkeypatch.setattr(collection_type, name, after_a_wait(getattr(collection_type, name)))
    failures = []

    def write(t):
        writer = worker(ArchiveService, db=archive.db)
        try:
            for n in range(t * 100, t * 100 + per_thread):
                delivered = _payment(estate, n)
                writer.record_payment(delivered)
                writer.record_payment(delivered)  # redelivered
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            failures.append(exc)

    running = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    monkeypatch.undo()
    assert failures == []
    records = list(archive.db.records.find({"estate_id": estate}))
    count = threads * per_thread
    assert sorted(r["seq"] for r in records) == list(range(1, count + 1))
    assert len({r["data"]["id"] for r in records}) == count
    assert _verify(archive, estate) == {"checked": count, "first_mismatch": None, "unchained": 0}


def test_a_chain_begun_before_heads_were_kept_goes_on_from_its_last_record(archive, estate):
    _record(archive, estate, 3)
    archive.db.chain_heads.delete_one({"_id": estate})
    _record(archive, estate, 1, start=3)
    assert archive.db.chain_heads.find_one({"_id": estate})["seq"] == 4
    assert _verify(archive, estate)["first_mismatch"] is None


def test_a_correction_is_a_new_chained_record_and_the_original_is_untouched(archive, estate):
    _record(archive, estate, 2)
    original = archive.db.records.find_one({"estate_id": estate, "seq": 1})
    as_caller(archive, staff("arch", ["archivist"], [estate]), idempotency_key="fix-1")
    body = {"estate_id": estate, "id": original["_id"],
            "data": {"reason": "wrong amount keyed", "data": {"amount_cents": 150}}}
    correction = archive.correct_record(body)
    assert correction["corrects"] == original["_id"] and correction["seq"] == 3
    assert correction["actor"] == "arch" and correction["corrected_by"] == []
    assert archive.correct_record(body)["id"] == correction["id"]  # a retry with the key: the same one
    assert archive.db.records.find_one({"_id": original["_id"]}) == original
    listed = {r["id"]: r for r in archive.list_records({"estate_id": estate})["items"]}
    assert listed[original["_id"]]["corrected_by"] == [correction["id"]]
    assert len(listed) == 3 and _verify(archive, estate)["checked"] == 3
    with pytest.raises(NotFound):
        archive.correct_record(dict(body, id="rec_unknown"))
    with pytest.raises(InvalidInput) as refused:
        archive.correct_record(dict(body, data={"reason": " ", "data": {}}))
    assert refused.value.errors[0]["field"].startswith("data.reason")


def test_a_bad_window_or_unknown_estate_is_refused(archive, estate):
    with pytest.raises(InvalidInput) as refused:
        _verify(archive, estate, **{"from": "5", "to": "2"})
    assert refused.value.errors[0]["field"] == "filters.to"
    with pytest.raises(InvalidInput):
        _verify(archive, estate, **{"from": "yesterday"})
    with pytest.raises(NotFound):
        _verify(archive, "est_unknown")
