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
after the lease was known to be ours, where before it could land any time after.

That check is not the write: a holder paused between the two (a collection of garbage, a starved green
thread, a slow store) still wrote after the next taker (found by h5). So each taking of a lease is
fenced: it gets a number above every earlier taking's of that lock (``fence``: the lease document's,
counted up by the taking's own update, ``$inc``; the document is never deleted, given back it is
expired, so the count goes on; one made anew starts at the taking's moment in milliseconds, above any
count an older one reached). Each write under the lease (``estate_common.writes``, and the stores'
own updates through ``fenced``) carries it into the document it writes (``_fences``: per lock, the
highest fence that wrote it) in the same update whose filter requires it not below the one stored: a
stalled holder's write on a document the next holder wrote is refused by the store itself (Conflict,
nothing written), whenever it lands. Finance's billing of months keeps its fence on its coverage
documents the same way (``claim_coverage``). A lock of a key taken about once (a payment channel's
transaction) whose writes another lease fences is taken unfenced (``take(fenced=False)``): deleted when
given back, as before the fences, not kept for good with its fence on every document it wrote (r5)."""
import contextlib
import contextvars
import random
import time
from datetime import timedelta

from pymongo import ReturnDocument

from . import clock, ids
from .errors import Conflict
from .store import DuplicateKey

RETRY_SECONDS = 0.02  # how often a waiting taker looks again, spread (jitter) so waiters do not retry in step
LOST = "the call's lock ran out and another call took it over meanwhile; nothing was written: try again"


FENCES = "_fences"  # on a document written under leases: {lock id: the highest fence that wrote it}


def take(locks, estate_id, lock_id, now_iso, expires_iso, busy, fenced=True, **held):
    """The lease ``lock_id`` until ``expires_iso``, ``(lock_id, token, estate_id, fence)``; ``held``: what
    takes it, kept on it (what holds it then says so). Conflict ``busy`` (try again in a second) while
    another holds it, unexpired. ``fence``: above every earlier taking's of the lock (see above): one run
    out or given back is taken over by one update that counts it up, so two cannot both win.

    ``fenced=False``: ``(lock_id, token, estate_id)``, no fence, its document deleted when given back. For
    a lock of a key taken about once (a payment channel's transaction, a work order's fund uses) whose
    writes another lease held with it fences (the household's) or are inserts (which no fence refuses):
    fenced, each left its document for good and its fence on every document written under it, a bill
    paid part by part one per payment (found by r5 reviewing h5)."""
    token = ids.new_id("tok")
    if not fenced:
        try:
            locks.insert_one({"_id": lock_id, "estate_id": estate_id, "token": token, "expires_at": expires_iso,
                              **held})
            return lock_id, token, estate_id
        except DuplicateKey:
            if locks.update_one({"_id": lock_id, "estate_id": estate_id, "expires_at": {"$lt": now_iso}},
                                {"$set": {"token": token, "expires_at": expires_iso, **held}}).modified_count:
                return lock_id, token, estate_id
        raise Conflict(busy, retry_after=1)
    run_out = {"_id": lock_id, "estate_id": estate_id, "expires_at": {"$lt": now_iso}}
    taken = locks.find_one_and_update({**run_out, "fence": {"$exists": True}},
                                      {"$set": {"token": token, "expires_at": expires_iso, **held},
                                       "$inc": {"fence": 1}}, return_document=ReturnDocument.AFTER)
    if taken is not None:
        return lock_id, token, estate_id, taken["fence"]
    fence = first_fence(now_iso)
    lease = {"token": token, "expires_at": expires_iso, "fence": fence, **held}
    try:
        locks.insert_one({"_id": lock_id, "estate_id": estate_id, **lease})
        return lock_id, token, estate_id, fence
    except DuplicateKey:
        # one an older version left (a holder that died, or one an older replica holds during an upgrade):
        # no fence yet, its first the moment's, as one made anew (an $inc would make it 1, below the fences
        # the lock's documents may carry from before it was deleted and made again)
        if locks.update_one({**run_out, "fence": {"$exists": False}}, {"$set": lease}).modified_count:
            return lock_id, token, estate_id, fence
    raise Conflict(busy, retry_after=1)


def first_fence(now_iso):
    """The fence of a lease document made anew: the taking's moment in milliseconds, above any count an
    older document of the lock (deleted by an older version) reached, one a taking over."""
    return int(clock.parse_iso(now_iso).timestamp() * 1000)


def give_back(locks, lock):
    """Give back a lease taken by ``take`` (if it is still ours): expired, not deleted, so that its
    document keeps the fence counting up (one made anew would start from a host's clock, which may be
    behind the fence the last holder wrote with); an unfenced one deleted."""
    lock_id, token, estate_id = lock[:3]
    if len(lock) <= 3:  # unfenced (``take``): nothing counts on its document
        locks.delete_one({"_id": lock_id, "estate_id": estate_id, "token": token})
        return
    locks.update_one({"_id": lock_id, "estate_id": estate_id, "token": token}, {"$set": {"expires_at": ""}})


def renew(locks, lock, expires_iso):
    """Keep ``lock`` until ``expires_iso``; Conflict (try again) when it is no longer ours (taken over, or
    given back). A lease run out that no one took is still ours: its token says so."""
    lock_id, token, estate_id = lock[:3]
    if not locks.update_one({"_id": lock_id, "estate_id": estate_id, "token": token, "expires_at": {"$gt": ""}},
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
    __slots__ = ("locks", "lock", "seconds", "expires", "fence")

    def __init__(self, locks, lock, seconds):
        # taken a moment ago for ``seconds`` from then: this overstates it by the take's own write, a few
        # milliseconds against the half lease ``still_ours`` keeps in hand
        self.locks, self.lock, self.seconds = locks, lock, seconds
        self.expires = clock.now() + timedelta(seconds=seconds)
        self.fence = lock[3] if len(lock) > 3 else None


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


def fences(of=None):
    """``{lock id: fence}`` of the leases the call holds (``held``): what its writes carry; ``of``: those of
    these lock ids only (a document one lock protects, written under others too: see ``update_fenced``)."""
    return {lease.lock[0]: lease.fence for lease in _HELD.get()
            if lease.fence is not None and (of is None or lease.lock[0] in of)}


def fenced(query, update, upsert=False, of=None):
    """``query`` and ``update`` (a store's own update of a document the call's leases protect, outside
    ``estate_common.writes``) checked first (``still_ours``) and fenced: the document matched only while
    no later taking of the leases wrote it, and marked with their fences in the same update (see above).
    Without a lease held, as they are. ``upsert``: the update may insert; its filter's fence conditions
    seed nothing (operators). ``of``: see ``update_fenced``."""
    still_ours()
    held_fences = fences(of)
    if not held_fences:
        return query, update
    query = {**query, **fence_filter(held_fences)}
    update = {**update, "$set": {**(update.get("$set") or {}), **fence_set(held_fences)}}
    return query, update


def update_fenced(collection, query, update, upsert=False, of=None):
    """``collection.update_one(query, update)`` of a store's own, fenced (``fenced``): Conflict (nothing
    written) when the call's lease was lost, before the update (``still_ours``) or by its filter (a later
    taking wrote the document: an upsert's insert of it then meets its ``_id``). What it matched
    otherwise, as ``update_one`` (a document not there: nothing to do, as before). ``of``: the locks that
    protect the document (their ids), when it is written under others too: a cashier's day, marked under
    each household's lock by its entries, kept the fence of each (one per household a day) where only
    its own lock's is of use."""
    fenced_update = fenced(query, update, of=of)[1]
    held_fences = fences(of)
    return _refused_when_fenced_off(
        collection, query, held_fences,
        lambda: collection.update_one({**query, **fence_filter(held_fences)}, fenced_update, upsert=upsert))


def replace_fenced(collection, query, doc, upsert=False):
    """``collection.replace_one(query, doc)`` fenced as ``update_fenced`` (the document written whole: with
    the fences of the leases the call holds)."""
    still_ours()
    held_fences = fences()
    return _refused_when_fenced_off(
        collection, query, held_fences,
        lambda: collection.replace_one({**query, **fence_filter(held_fences)}, with_fences(doc, held_fences),
                                       upsert=upsert))


def _refused_when_fenced_off(collection, query, held_fences, write):
    """``write()`` (an update or a replacement under the fences' filter): its result; Conflict when it
    matched nothing because a later taking of a held lease wrote the document (an upsert then meets its
    ``_id``), whatever else it would have been (a document not there: nothing to do, as before)."""
    try:
        result = write()
    except DuplicateKey:
        if not held_fences:
            raise
        refuse_if_fenced_off(collection.find_one(query), held_fences)
        raise
    if held_fences and not result.matched_count and result.upserted_id is None:
        refuse_if_fenced_off(collection.find_one(query), held_fences)
    return result


def delete_fenced(collection, query):
    """``collection.delete_many(query)`` of the documents no later taking of the call's leases wrote
    (``still_ours`` first): a writer stalled past its lease deletes none of the next holder's. How many."""
    still_ours()
    return collection.delete_many({**query, **fence_filter(fences())}).deleted_count


def delete_one_fenced(collection, query):
    """``collection.delete_one(query)`` fenced as ``delete_fenced`` (a call's own document taken away: a
    pending one refused before anything of it moved): Conflict (nothing deleted) when a later taking of
    the call's leases wrote it. How many (0: not there, or not matching ``query`` any more)."""
    still_ours()
    held_fences = fences()
    deleted = collection.delete_one({**query, **fence_filter(held_fences)}).deleted_count
    if held_fences and not deleted:
        refuse_if_fenced_off(collection.find_one(query), held_fences)
    return deleted


def fence_filter(held_fences):
    """The conditions of a fenced write: each lock's fence on the document (none yet: any) not above ours."""
    return {f"{FENCES}.{lock_id}": {"$not": {"$gt": fence}} for lock_id, fence in held_fences.items()}


def fence_set(held_fences):
    """The fields of a fenced write: each lock's fence, ours (the filter let none higher through)."""
    return {f"{FENCES}.{lock_id}": fence for lock_id, fence in held_fences.items()}


def with_fences(doc, held_fences):
    """``doc`` with ``held_fences`` in its ``_fences`` (as a fenced write of it leaves it)."""
    if not held_fences:
        return doc
    return {**doc, FENCES: {**(doc.get(FENCES) or {}), **held_fences}}


def refuse_if_fenced_off(doc, held_fences=None):
    """Conflict (the lease was lost, nothing written) when a later taking of a lease the call holds wrote
    ``doc`` (its fence on it above ours): why a fenced write matched nothing."""
    held_fences = fences() if held_fences is None else held_fences
    stored = (doc or {}).get(FENCES) or {}
    if any((stored.get(lock_id) or 0) > fence for lock_id, fence in held_fences.items()):
        raise Conflict(LOST, retry_after=1)
