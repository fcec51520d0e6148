"""``Idempotency-Key`` on every write (``Route.idempotent``): the same key and body answer the first result.

A record is claimed (``pending``) before the call and completed with the
response after it; its ``_id`` is derived from the caller, route and key, so a
concurrent twin collides on ``_id``. The key is also passed to the service
(``nameko.idempotency_key``), which derives the created document's id from
it: a retry after a timeout finds the first write instead of making a twin.

A record holds the first response, so it expires ``IDEMPOTENCY_RETENTION_SECONDS`` after
it was claimed (``estate_common.retention``); a retry later than that is a new request,
which still makes no twin (the service derives the document's id from the key).
"""
import hashlib
import hmac
import re

from flask import g, request

from estate_common import clock, ids, retention
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, field_error

from . import locations, store

MAX_KEY_LENGTH = 128
# printable ASCII, no space at either end: the contract's IdempotencyKey pattern (a Latin-1 'é'
# passed str.isprintable, found by review)
KEY_PATTERN = re.compile(r"[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?")


def check_key(key):
    if not (0 < len(key) <= MAX_KEY_LENGTH) or not KEY_PATTERN.fullmatch(key):
        raise InvalidInput("Idempotency-Key is not valid",
                           [field_error("Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, "
                                                           "no space at either end")])


def with_secrets_keyed(body, secret, fields):
    """``body`` as its digest should see it: each of ``fields`` (a password) replaced by its HMAC
    under the server's ``secret``. A retry with the same password still matches, and the digest
    kept for the retention is no way to test guesses of the password offline (a plain SHA-256 of a
    body whose other fields are known would be)."""
    return {name: hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
            if name in fields and isinstance(value, str) else value for name, value in body.items()}


def claim(db, user, route, key, digest):
    """None when this call is the first with the key; the stored response when it is a replay."""
    record_id = ids.natural_id("idem", user, route, key)
    now = clock.now()
    if store.claim_idempotency_record(db, {"_id": record_id, "digest": digest, "state": "pending",
                                           "created_at": clock.to_iso(now),
                                           retention.FIELD: retention.expire_at(retention.IDEMPOTENCY_SECONDS, now)}):
        return record_id, None
    record = store.find_idempotency_record(db, record_id)
    if record is None:  # released in between: try once more
        return claim(db, user, route, key, digest)
    if record["digest"] != digest:
        raise BusinessRuleViolation("Idempotency-Key was used before with another body",
                                    [field_error("Idempotency-Key", "was used with another body")])
    if record["state"] == "partial" and store.resume_idempotency_record(db, record_id):
        return record_id, None  # the same body sent again after a part of its work was done (hold)
    if record["state"] in ("pending", "partial"):  # partial: a twin resumed it first
        busy = Conflict("a request with this Idempotency-Key is still being processed")
        busy.retry_after = 1  # the first is answered within the RPC timeout: ask again then
        raise busy
    return record_id, (record["status"], record["body"])


def complete(db, record_id, status, body):
    store.complete_idempotency_record(db, record_id, status, body)


def release(db, record_id):
    """The call failed: the key may be used again (the service still dedupes a write that went through);
    one held (``hold``) and sent again is held again."""
    store.release_idempotency_record(db, record_id)


def hold(db, record_id, done=()):
    """The call did a part of its work and answered which (``across_estates``' 207: a notice or a
    checklist written in some of its estates): the same body sent again under the key does the rest
    (``claim`` answers no replay), another body is a 422 as a completed key's is, where a released key
    took another body and answered its work beside the first body's. ``done``: the parts done (the
    estates written in, ``done_before``)."""
    store.hold_idempotency_record(db, record_id, done)


def done_before(db, user, route, key, digest):
    """The parts an earlier answer of the same body under the key did (``hold``'s ``done``), else none."""
    record = store.find_idempotency_record(db, ids.natural_id("idem", user, route, key))
    if record is None or record.get("digest") != digest:
        return frozenset()
    return frozenset(record.get("done") or ())


def replayed(replay, shown=lambda body: body):
    """The answer of a replay ``claim`` found, ``(status, body)``: its first answer (``shown`` for the
    caller of now), said to be one (``Idempotent-Replayed``)."""
    response = locations.answer(shown(replay[1]))
    response.status_code = replay[0]
    response.headers["Idempotent-Replayed"] = "true"
    return response


def once(db, caller, payload, status, call, shown=lambda body: body, shown_once=()):
    """Answer a write, once per ``Idempotency-Key`` when the client sent one. ``payload`` is what
    a retry must send again (its digest is kept; ``with_secrets_keyed`` for a body with a secret).

    ``call(context)`` does the work; ``context`` carries the key to the service. ``shown(body)``
    masks a replayed answer for the caller's roles of now (the stored one was masked for the
    roles the first call had). ``shown_once``: the fields of the first answer that the record
    does not keep, a secret shown once (an API key's ``key``, a webhook's signing ``secret``):
    kept, it would sit in the store in clear for the retention and be shown to every replay.
    A replay answers without them; a client that lost the first answer makes a new secret."""
    key = request.headers.get("Idempotency-Key")
    # a 503's advice (problems.py): any keyed write is sent again with the key. A 503 releases the
    # record below and the retry reaches the service, which finds the first write by the key: a
    # create's record by its id, a step's mark in its document (estate_common.writes.keyed_call)
    g.keyed = bool(key)
    if key is None:
        return locations.answer(call(None)), status
    check_key(key)
    record_id, replay = claim(db, caller["user"], f"{request.method} {request.path}", key, ids.content_digest(payload))
    if replay:
        return replayed(replay, shown)
    try:
        result = call({"idempotency_key": key})
    except Exception:
        release(db, record_id)
        raise
    complete(db, record_id, status,
             {name: value for name, value in result.items() if name not in shown_once} if shown_once else result)
    return locations.answer(result), status
