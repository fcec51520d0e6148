"""Leases (estate_common.leases_store): one wait for a lease held by another, and a write under a lease
refused once the lease is another's. On the store the suite runs on (embedded, or MongoDB in CI); the
lease's length and the clock are moved, nothing sleeps for a lease to run out."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock, leases_store, store, writes
from estate_common.errors import Conflict

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
    assert db.locks.find_one({"_id": "lock_1"}) is None


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
