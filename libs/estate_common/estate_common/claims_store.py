"""Claims: what at most one record may hold at a time, decided by the store, not by a read.

A check that reads ("is there an active plan like this one?", "has the plate a valid resident
pass?") and then inserts lets two requests at once both pass: each read before the other
wrote. A claim is a guard document whose ``_id`` is the natural key of what is held (a plan's
equipment, kind and interval; a route's minute of the day; an estate's plate), inserted before
the record: the insert is what concurrent twins race on, on MongoDB and on the embedded store
alike (a duplicate ``_id``; no secondary unique index is involved).

Who holds a claim is the ``field`` of its document. A claim is taken over (one conditional
update on its holder, so two takers cannot both win) when its holder no longer stands (a plan
stopped, a pass revoked or run out), and when its holder was never written ``CLAIM_SECONDS``
after the claim: the create that claimed it died between the guard and the record. A retry with
the same Idempotency-Key has the same record id and finds the claim its own, so it finishes
what the first attempt began. A record that ends releases its claims (``release``); one that
ended without (a crash, a pass that ran out) is taken over by the next claim all the same.
"""
from datetime import timedelta

from . import clock, store
from .errors import Conflict

CLAIM_SECONDS = 60  # a claim whose record is not there this long after was made by a create that died
ATTEMPTS = 5  # a claim released or taken over meanwhile is tried again, at most this often

STANDS, ENDED, UNWRITTEN = "stands", "ended", "unwritten"  # what ``standing(holder_id)`` answers


def claim(collection, estate_id, claim_id, holder_id, now, standing, *, field="holder_id", fields=None,
          unclaimed=None):
    """The id of the record that holds ``claim_id`` once the claim is over: ``holder_id`` when it
    took it (new, a retry of its own, taken over from a holder that ended or was never written),
    else the record that holds it (the caller's 409 names it).

    ``standing(holder_id)``: ``STANDS``, ``ENDED`` or ``UNWRITTEN`` (no such record).
    ``unclaimed()``: a standing record that holds what is claimed without a claim (one made before
    claims were kept), or None; a claim just inserted is handed to it, and it is the answer.
    ``fields``: more of the claim document (what it is a claim of, for a reader)."""
    stamp, stale_before = clock.to_iso(now), clock.to_iso(now - timedelta(seconds=CLAIM_SECONDS))
    for _ in range(ATTEMPTS):
        if store.insert_new(collection, {**(fields or {}), "_id": claim_id, "estate_id": estate_id,
                                         field: holder_id, "claimed_at": stamp}):
            return _handed_on(collection, estate_id, claim_id, holder_id, field, unclaimed)
        held = collection.find_one({"_id": claim_id, "estate_id": estate_id})
        if held is None:  # released meanwhile: insert again
            continue
        holder = held.get(field)
        if holder == holder_id:
            return holder_id
        state = standing(holder)
        if state == STANDS or (state == UNWRITTEN and held["claimed_at"] >= stale_before):
            return holder
        if collection.update_one({"_id": claim_id, "estate_id": estate_id, field: holder},
                                 {"$set": {field: holder_id, "claimed_at": stamp}}).modified_count:
            return _handed_on(collection, estate_id, claim_id, holder_id, field, unclaimed)
        # another taker or a release came first: read it again
    raise Conflict("it kept changing while it was being written: read it again and retry", retry_after=1)


def _handed_on(collection, estate_id, claim_id, holder_id, field, unclaimed):
    """``holder_id`` took the claim: it keeps it, unless a standing record held what is claimed
    without a claim (``unclaimed``), to which the claim goes."""
    earlier = unclaimed() if unclaimed else None
    if earlier is None or earlier == holder_id:
        return holder_id
    collection.update_one({"_id": claim_id, "estate_id": estate_id, field: holder_id}, {"$set": {field: earlier}})
    return earlier


def release(collection, estate_id, claim_ids, holder_id, *, field="holder_id"):
    """Free ``claim_ids`` that ``holder_id`` holds (those another holds stay theirs)."""
    for claim_id in claim_ids:
        collection.delete_one({"_id": claim_id, "estate_id": estate_id, field: holder_id})
