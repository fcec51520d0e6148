"""Leases: a lock one writer holds for a while, decided by the store.

A lease is a document of a service's ``locks`` collection whose ``_id`` is the natural key of what is
held (a household's money, an estate's planned cuts, the security team's month): taking it is an
insert on that ``_id``, which concurrent takers race on (a duplicate ``_id``, on MongoDB and on the
embedded store alike). It runs out at ``expires_at``: a holder that died is taken over by the next
taker (one conditional update, so two cannot both win). A holder gives it back by its token, so a
lease taken over is not given back by the writer who lost it. Finance's money, customer service's cut
guard and the security team's months each take theirs here (the same lines stood in three stores),
wait for it here (``wait_for``: the same loop stood in the three services) and hold it here (``held``).

A holder slower than its lease (a stalled writer, a slow store) lost it to the next taker and still
wrote after it, the two writers' reads and writes interleaved (the team's month lock of 10 s: session
61's leftovers). Under ``held``, each write of the one write path (``estate_common.writes``) first
checks that the leases the call holds are still its own (``still_ours``): while more than half a
lease is left it is (no one takes a lease before it runs out); past that it is renewed by its token, a
lease taken over meanwhile refused (Conflict, nothing written). A write then lands at most half a lease
after the lease was known to be ours, where before it could land any time after."""
import contextlib
import contextvars
import random
import time
from datetime import timedelta

from . import clock, ids
from .errors import Conflict
from .store import DuplicateKey

RETRY_SECONDS = 0.02  # how often a waiting taker looks again, spread (jitter) so waiters do not retry in step
LOST = "the call's lock ran out and another call took it over meanwhile; nothing was written: try again"


def take(locks, estate_id, lock_id, now_iso, expires_iso, busy, **held):
    """The lease ``lock_id`` until ``expires_iso``, ``(lock_id, token, estate_id)``; ``held``: what takes
    it, kept on it (what holds it then says so). Conflict ``busy`` (try again in a second) while another
    holds it, unexpired."""
    token = ids.new_id("tok")
    try:
        locks.insert_one({"_id": lock_id, "estate_id": estate_id, "token": token, "expires_at": expires_iso,
                          **held})
        return lock_id, token, estate_id
    except DuplicateKey:
        taken = locks.update_one({"_id": lock_id, "estate_id": estate_id, "expires_at": {"$lt": now_iso}},
                                 {"$set": {"token": token, "expires_at": expires_iso, **held}})
        if taken.modified_count:
            return lock_id, token, estate_id
    raise Conflict(busy, retry_after=1)


def give_back(locks, lock):
    """Give back a lease taken by ``take`` (if it is still ours)."""
    lock_id, token, estate_id = lock[:3]
    locks.delete_one({"_id": lock_id, "estate_id": estate_id, "token": token})


def renew(locks, lock, expires_iso):
    """Keep ``lock`` until ``expires_iso``; Conflict (try again) when it is no longer ours (taken over, or
    given back). A lease run out that no one took is still ours: its token says so."""
    lock_id, token, estate_id = lock[:3]
    if not locks.update_one({"_id": lock_id, "estate_id": estate_id, "token": token},
                            {"$set": {"expires_at": expires_iso}}).matched_count:
        raise Conflict(LOST, retry_after=1)


def deadline(wait_seconds):
    """The moment (``time.monotonic``) a wait of ``wait_seconds`` from now gives up (``wait_for``)."""
    return time.monotonic() + wait_seconds


def wait_for(take_it, lease_seconds, gives_up_at, retry_seconds=RETRY_SECONDS):
    """``take_it(now_iso, expires_iso)`` (a lease of ``lease_seconds`` from now), tried again while it is a
    Conflict (another writer holds it) until ``gives_up_at`` (``deadline``: one for several leases taken
    in turn), then that Conflict (409 with Retry-After: try again). The wait sleeps a green thread (the
    services run monkey-patched by eventlet: the service's other calls go on meanwhile); the looks are
    spread a little (jitter), so that writers queued on one lease do not retry in step."""
    while True:
        now = clock.now()
        try:
            return take_it(clock.to_iso(now), clock.to_iso(now + timedelta(seconds=lease_seconds)))
        except Conflict:
            if time.monotonic() >= gives_up_at:
                raise
            time.sleep(retry_seconds * (0.5 + random.random()))


class _Held:
    """A lease the call holds (``held``): where, which, its length, and until when it is known ours."""
    __slots__ = ("locks", "lock", "seconds", "expires")

    def __init__(self, locks, lock, seconds):
        # taken a moment ago for ``seconds`` from then: this overstates it by the take's own write, a few
        # milliseconds against the half lease ``still_ours`` keeps in hand
        self.locks, self.lock, self.seconds = locks, lock, seconds
        self.expires = clock.now() + timedelta(seconds=seconds)


_HELD = contextvars.ContextVar("estate_common.leases_store.held", default=())


@contextlib.contextmanager
def held(locks, lock, lease_seconds, give_back_with=None, checked=True):
    """``lock`` (just taken for ``lease_seconds``) held while the block runs, given back however it ends
    (``give_back``, or ``give_back_with(lock)``: a store's own); each write of the block checks first that
    it is still ours (``still_ours``), unless ``checked`` is False (a fenced lease whose writes its holder
    checks itself: finance's billing of months). A context variable: a nameko worker is a greenthread of its
    own."""
    token = _HELD.set(_HELD.get() + ((_Held(locks, lock, lease_seconds),) if checked else ()))
    try:
        yield lock
    finally:
        _HELD.reset(token)
        (give_back_with or (lambda taken: give_back(locks, taken)))(lock)


def still_ours():
    """Every lease the call holds (``held``) still its own before a write: one with more than half its
    length left is (no one takes a lease before it runs out, and half a lease is more than the clocks of
    two hosts are apart); one with less is renewed for its length from now, Conflict (nothing written)
    when it was taken over meanwhile. Called by ``estate_common.writes`` before each write."""
    leases = _HELD.get()
    if not leases:
        return
    now = clock.now()
    for lease in leases:
        if now < lease.expires - timedelta(seconds=lease.seconds / 2):
            continue
        expires = now + timedelta(seconds=lease.seconds)
        renew(lease.locks, lease.lock, clock.to_iso(expires))
        lease.expires = expires
