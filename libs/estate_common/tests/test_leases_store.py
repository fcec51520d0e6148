"""Leases (estate_common.leases_store): one wait for a lease held by another, and a write under a lease
refused once the lease is another's. On the store the suite runs on (embedded, or MongoDB in CI); the
lease's length and the clock are moved, nothing sleeps for a lease to run out."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock, leases_store, store, writes
from estate_common.errors import Conflict
from estate_common.testing import stalled_after_the_check

ESTATE = "est_1"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def db():
    clock.freeze(NOW)
    yield store.connect(f"test_leases_{uuid.uuid4().hex[:8]}")
    clock.reset()


def take(db, lock_id="lock_1"):
    return lambda now, until: leases_store.take(db.locks, ESTATE, lock_id, now, until, "busy")


def test_a_lease_free_is_taken_at_once_for_its_length(db):
    lock = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    assert lock[0] == "lock_1" and lock[2] == ESTATE
    assert db.locks.find_one({"_id": "lock_1"})["expires_at"] == clock.to_iso(NOW + timedelta(seconds=10))


def test_a_lease_held_is_waited_for_then_taken_when_given_back(db, monkeypatch):
    first = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    looks = []

    def slept(seconds):  # the holder gives it back while the second taker waits
        looks.append(seconds)
        if len(looks) == 2:
            leases_store.give_back(db.locks, first)
    monkeypatch.setattr(leases_store.time, "sleep", slept)
    second = leases_store.wait_for(take(db), 10, leases_store.deadline(60), retry_seconds=0.02)
    assert second[1] != first[1] and len(looks) == 2
    assert all(0.01 <= seconds <= 0.03 for seconds in looks)  # spread around the retry's


def test_a_lease_held_past_the_wait_is_the_holder_s_409_with_retry_after(db, monkeypatch):
    leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    monkeypatch.setattr(leases_store.time, "sleep", lambda seconds: None)
    with pytest.raises(Conflict) as refused:
        leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    assert refused.value.detail == "busy" and refused.value.retry_after == 1


def test_a_lease_run_out_is_taken_over_and_given_back_by_its_new_holder_only(db):
    first = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    clock.advance(timedelta(seconds=11))
    second = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    leases_store.give_back(db.locks, first)  # the first holder's give-back: no longer his
    assert db.locks.find_one({"_id": "lock_1"})["token"] == second[1]
    with leases_store.held(db.locks, second, 10):
        pass
    assert db.locks.find_one({"_id": "lock_1"})["expires_at"] == ""  # given back: expired, its fence kept
    assert leases_store.wait_for(take(db), 10, leases_store.deadline(0))[3] == second[3] + 1


def write_a_record(db, doc_id):
    return writes.create(db.records, ESTATE, doc_id, lambda: {"_id": doc_id, "estate_id": ESTATE}, None)  # no events: no outbox


def test_a_write_under_a_lease_taken_over_meanwhile_is_refused_and_writes_nothing(db):
    """A holder slower than its lease (a stalled writer) wrote after the next one took the lease over
    and wrote: their reads and writes interleaved (the team's month lock: session 61's leftovers)."""
    with leases_store.held(db.locks, leases_store.wait_for(take(db), 10, leases_store.deadline(0)), 10):
        write_a_record(db, "r_1")
        clock.advance(timedelta(seconds=11))  # the writer stalls past its lease; another takes it over
        other = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
        with pytest.raises(Conflict):
            write_a_record(db, "r_2")
    assert db.records.find_one({"_id": "r_2"}) is None
    assert db.locks.find_one({"_id": "lock_1"})["token"] == other[1]  # the slow one gave back nothing of it


def test_a_write_under_a_lease_run_out_but_still_ours_renews_it(db):
    """Past half its length a lease is renewed by the write (nobody took it: its token is ours); before
    that the write reads nothing of it. Out of any lease, a write checks none."""
    lock = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    with leases_store.held(db.locks, lock, 10):
        clock.advance(timedelta(seconds=4))
        write_a_record(db, "r_1")
        assert db.locks.find_one({"_id": "lock_1"})["expires_at"] == clock.to_iso(NOW + timedelta(seconds=10))
        clock.advance(timedelta(seconds=8))  # 12 s: run out, not taken
        write_a_record(db, "r_2")
        assert db.locks.find_one({"_id": "lock_1"})["expires_at"] == clock.to_iso(NOW + timedelta(seconds=22))
        with pytest.raises(Conflict):  # renewed: another waits
            leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    write_a_record(db, "r_3")
    assert {doc["_id"] for doc in db.records.find({})} == {"r_1", "r_2", "r_3"}


# -- fencing: a holder paused between the check and the write (found by h5) ---------------------------

def test_each_taking_of_a_lease_is_fenced_above_every_earlier_one(db):
    """The first taking's fence is its moment in milliseconds (above a count an older, deleted document
    reached); each taking after it, over a lease run out or given back, one more."""
    first = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    assert first[3] == int(NOW.timestamp() * 1000)
    clock.advance(timedelta(seconds=11))
    second = leases_store.wait_for(take(db), 10, leases_store.deadline(0))  # run out: taken over
    leases_store.give_back(db.locks, second)
    third = leases_store.wait_for(take(db), 10, leases_store.deadline(0))  # given back: taken again
    assert (second[3], third[3]) == (first[3] + 1, first[3] + 2)
    assert db.locks.count_documents({}) == 1


def count_to(value):
    return lambda doc: writes.Change({"count": value})


def taken_over_and_written(db, doc_id, value):
    """Another call, once the stalled holder's lease ran out: takes it over and writes ``doc_id`` under it."""
    def other():
        clock.advance(timedelta(seconds=11))
        lock = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
        with leases_store.held(db.locks, lock, 10):
            writes.change(db.records, ESTATE, doc_id, count_to(value), None)
    return other


def test_a_holder_stalled_after_its_check_writes_nothing_over_the_next_holder_s_write(db, monkeypatch):
    """still_ours() then the write: a holder paused between the two wrote over what the next holder of the
    lease had written. Its write carries its lease's fence, which the document the next holder wrote
    refuses: 409, the next holder's write stands."""
    write_a_record(db, "r_1")
    lock = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    decided = []

    def decide(doc):
        decided.append(doc["_rev"])
        return writes.Change({"count": 1})
    with leases_store.held(db.locks, lock, 10):
        stalls = stalled_after_the_check(monkeypatch, taken_over_and_written(db, "r_1", 2))
        with pytest.raises(Conflict) as refused:
            writes.change(db.records, ESTATE, "r_1", decide, None)
    # refused by the write itself (its fence), not by a check before a write decided again
    assert stalls and refused.value.detail == leases_store.LOST and decided == [0]
    stored = db.records.find_one({"_id": "r_1"})
    assert stored["count"] == 2 and stored["_fences"] == {"lock_1": lock[3] + 1}


def test_a_document_made_under_the_next_holder_s_lease_refuses_the_stalled_holder(db, monkeypatch):
    """A document the next holder made (inserted) under the lease carries its fence from its first write."""
    lock = leases_store.wait_for(take(db), 10, leases_store.deadline(0))

    def other():
        clock.advance(timedelta(seconds=11))
        with leases_store.held(db.locks, leases_store.wait_for(take(db), 10, leases_store.deadline(0)), 10):
            writes.create(db.records, ESTATE, "r_1", lambda: {"_id": "r_1", "estate_id": ESTATE, "count": 2}, None)

    with leases_store.held(db.locks, lock, 10):
        write_a_record(db, "r_0")
        stored = db.records.find_one({"_id": "r_0"})
        stalled_after_the_check(monkeypatch, other)
        # stalls: r_1 made meanwhile. r_0, which the next holder did not write, takes it (as if written
        # before the next holder's writes: the fence guards each document a later holder wrote)
        assert writes.write(db.records, stored, writes.Change({"count": 1}), None)["count"] == 1
        with pytest.raises(Conflict):
            writes.change(db.records, ESTATE, "r_1", count_to(1), None)
    assert db.records.find_one({"_id": "r_1"})["count"] == 2


def test_a_store_s_own_update_under_a_lease_is_fenced_too(db, monkeypatch):
    """An update a store makes outside the one write path (``fenced``): checked, then refused by its filter
    once the next holder wrote the document; out of any lease, as it is."""
    write_a_record(db, "r_1")
    lock = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    with leases_store.held(db.locks, lock, 10):
        stalled_after_the_check(monkeypatch, taken_over_and_written(db, "r_1", 2))
        query, update = leases_store.fenced({"_id": "r_1", "estate_id": ESTATE}, {"$set": {"count": 1}})
        assert db.records.update_one(query, update).matched_count == 0
    assert db.records.find_one({"_id": "r_1"})["count"] == 2
    assert leases_store.fenced({"_id": "r_1"}, {"$set": {"count": 3}}) == ({"_id": "r_1"}, {"$set": {"count": 3}})


def test_a_holder_writes_what_no_later_holder_wrote(db):
    """The fence refuses only a stalled holder's write on a document a later holder wrote; the holder's own
    writes, one after the other, and a later holder's after it, go through."""
    write_a_record(db, "r_1")
    first = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    with leases_store.held(db.locks, first, 10):
        writes.change(db.records, ESTATE, "r_1", count_to(1), None)
        writes.change(db.records, ESTATE, "r_1", count_to(2), None)
    second = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    with leases_store.held(db.locks, second, 10):
        writes.change(db.records, ESTATE, "r_1", count_to(3), None)
    stored = db.records.find_one({"_id": "r_1"})
    assert stored["count"] == 3 and stored["_fences"] == {"lock_1": first[3] + 1}
    assert "_fences" not in store.public(stored)


def test_a_holder_stalled_after_its_check_is_refused_though_the_next_holder_s_write_moved_no_revision(
        db, monkeypatch):
    """A store's own update (``update_fenced``: a mark, no revision) by the next holder: the stalled holder's
    write, decided on the revision it read, which is still the document's, matched and wrote over it.
    The fence the next holder left refuses it."""
    write_a_record(db, "r_1")
    lock = leases_store.wait_for(take(db), 10, leases_store.deadline(0))

    def other():
        clock.advance(timedelta(seconds=11))
        with leases_store.held(db.locks, leases_store.wait_for(take(db), 10, leases_store.deadline(0)), 10):
            leases_store.update_fenced(db.records, {"_id": "r_1", "estate_id": ESTATE}, {"$set": {"count": 2}})
    with leases_store.held(db.locks, lock, 10):
        stalled_after_the_check(monkeypatch, other)
        with pytest.raises(Conflict):
            writes.change(db.records, ESTATE, "r_1", count_to(1), None)
    assert db.records.find_one({"_id": "r_1"})["count"] == 2


def test_a_lease_an_older_version_left_without_a_fence_is_taken_over_with_the_moment_s(db):
    """A lease document of before the fences (a dead holder's, an older replica's during an upgrade): its
    taking over counted up from nothing made fence 1, below what the lock's documents may carry from a
    taking of the new version before an older one deleted the lease and made it again."""
    db.locks.insert_one({"_id": "lock_1", "estate_id": ESTATE, "token": "tok_old",
                         "expires_at": "2026-11-23T08:00:00.000Z"})
    lock = leases_store.wait_for(take(db), 10, leases_store.deadline(0))
    assert lock[3] == int(NOW.timestamp() * 1000) == db.locks.find_one({"_id": "lock_1"})["fence"]


def test_an_unfenced_lease_carries_no_fence_and_is_gone_once_given_back(db):
    """``take(fenced=False)``: a lock of a key taken about once (a payment's transaction), whose writes
    another lease fences: no fence on what is written under it, and no document left for good (r5)."""
    unfenced = lambda now, until: leases_store.take(db.locks, ESTATE, "lock_1", now, until, "busy", fenced=False)
    lock = leases_store.wait_for(unfenced, 10, leases_store.deadline(0))
    assert len(lock) == 3
    with pytest.raises(Conflict):
        leases_store.wait_for(unfenced, 10, leases_store.deadline(0))
    with leases_store.held(db.locks, lock, 10):
        write_a_record(db, "r_1")
        assert leases_store.fences() == {}
    assert db.locks.count_documents({}) == 0 and "_fences" not in db.records.find_one({"_id": "r_1"})
    clock.advance(timedelta(seconds=11))
    held = leases_store.wait_for(unfenced, 10, leases_store.deadline(0))
    clock.advance(timedelta(seconds=11))
    assert leases_store.wait_for(unfenced, 10, leases_store.deadline(0))[1] != held[1]  # run out: taken over
