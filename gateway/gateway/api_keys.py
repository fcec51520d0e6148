"""API keys for integrators: a program's credential, with roles and estates of its own.

An operator admin makes a key (``POST /api/v1/api-keys``), lists them (never the key) and
revokes one (``DELETE``). The key is in the creating answer only; the store keeps its
SHA-256. A program sends it as ``X-API-Key`` and passes exactly the checks of a signed-in
user (``access.authorize``): one of the route's roles, the estate in its scope, and the
key's record read on every call through a ``KeyCache`` (``USER_CACHE_SECONDS``, as for
users), so a revoked key is refused on its next call: at once on the gateway process that
revoked it, within those seconds on the others.

Decisions (README "Security"):
- Only an operator admin makes, lists and revokes keys, as only an operator admin manages
  users: a manager making keys would be a second way to hand out roles.
- A key never carries ``operator_admin`` (the contract's ``ApiKeyCreate`` leaves it out): a
  key able to make users and keys would turn one leaked integration secret into the whole
  system. So a key's scope is always its ``estate_ids``.
- A key is not an account: it has no ``/users/me`` and no password (403); it reads its own record
  (``GET /api/v1/api-keys/me``: ``own``).
- The last use is written at most once per ``TOUCH_EVERY_SECONDS`` per key (not a write per
  call): per process by a memo, and across replicas by the store's conditional update.
- A key may be made to replace another (``replaces``: a rotation, the old one revoked once the
  program uses the new): the record keeps the chain of keys it replaces, nearest first
  (``succeeds``), and its caller carries them (``replaces``: their callers), signed with it, so
  that a service counts what they did as the program's own (customer service: an owner app's key
  rates the requests filed under the keys it replaces). A key is replaced once (409, the store's
  unique index: one chain, not two programs claiming one past); the key named is any key, revoked
  or not (422 else). An owner app's rotated key could not rate what its app filed before (the
  session 47 note). A key as shown names the key made to replace it (``replaced_by``, read from
  that key's ``replaces``: nothing is written on the key replaced), and the list takes
  ``replaced`` (false: the keys a new key may still replace, which the console's form offers).
- A key's calls are limited per minute (``limits.key_calls``, 429 with ``Retry-After``): by its own
  ``calls_per_minute``, or with none (null) by the deployment's ``API_KEY_CALLS_PER_MINUTE``. An
  operator admin sets it when making the key and changes it (``PATCH``) without a rotation; a key
  made to replace another takes the other's unless its body names one. One program looping (a
  retry without a pause, a sync gone wrong) loaded every service of its estates for every user.
"""
import hashlib
import hmac
import re
import secrets
import threading
from datetime import timedelta

from estate_common import clock, roles
from estate_common.errors import (BusinessRuleViolation, Conflict, Forbidden, NotFound, Unauthorized,
                                  field_error)

from . import limits, requests_in, store
from .record_cache import RecordCache

HEADER = "X-API-Key"
CALLER_PREFIX = roles.API_KEY_PREFIX  # a key's actor on the bus and in records
TOUCH_EVERY_SECONDS = 60
FIELDS = ("name", "roles", "estate_ids", "created_at", "created_by", "last_used_at", "revoked", "revoked_at",
          "replaces", "calls_per_minute")
UNSET = object()  # a body that leaves calls_per_minute out (null is "the deployment's")

_ID = re.compile(r"ak_[0-9a-f]{16}")
_KEY = re.compile(r"(ak_[0-9a-f]{16})\.[A-Za-z0-9_-]{43}")


def digest(key):
    # A plain SHA-256, not Argon2 like passwords: the key is 256 random bits, so nobody can
    # guess it from its hash however fast the hash is; a slow hash exists to protect
    # low-entropy passwords, and here it would cost 64 MiB and tens of milliseconds on
    # every API call (the login's denial of service on every route).
    return hashlib.sha256(key.encode()).hexdigest()


def view(record, replaced_by=None):
    """A key as the API lists it: never the key, never its hash. ``replaced_by``: the id of the key
    made to replace it (None: none yet)."""
    return {"id": record.get("_id", record.get("id")), **{k: record.get(k) for k in FIELDS},
            "replaced_by": replaced_by}


def shown(db, record):
    """``view`` of one stored key, with the key that replaced it read from the store."""
    successor = store.api_key_replacing(db, record["_id"])
    return view(record, successor["_id"] if successor else None)


def create(db, actor, name, roles, estate_ids, replaces=None, calls_per_minute=UNSET):
    """``(record, key)``: the key is returned here and nowhere else. ``replaces``: the id of the
    key it is made to replace (``succession``), whose ``calls_per_minute`` it takes unless given."""
    key_id = f"ak_{secrets.token_hex(8)}"
    key = f"{key_id}.{secrets.token_urlsafe(32)}"
    chain = succession(db, replaces)
    inherited = chain.pop("calls_per_minute", None)
    if calls_per_minute is UNSET:
        calls_per_minute = inherited
    record = {"_id": key_id, "name": name, "roles": list(roles), "estate_ids": list(estate_ids),
              "key_hash": digest(key), "created_at": clock.now_iso(), "created_by": actor,
              "last_used_at": None, "revoked": False, "revoked_at": None, "calls_per_minute": calls_per_minute,
              **chain}
    if not store.insert_api_key(db, record):
        if replaces and store.api_key_replacing(db, replaces) is not None:
            _replaced_already(replaces)  # another key made at the same moment replaces it
        raise RuntimeError("an API key id was drawn twice")  # 64 random bits: a clash is a broken RNG
    return record, key


def succession(db, replaces):
    """The fields of a key made to replace the key ``replaces`` (None: none): ``replaces`` and the
    chain it continues, nearest first (``succeeds``), and the limit it takes unless told another
    (``calls_per_minute``); 422 for a key that is not there, 409 for one another key replaces already."""
    if replaces is None:
        return {}
    predecessor = store.find_api_key(db, replaces) if _ID.fullmatch(replaces) else None
    if predecessor is None:
        raise BusinessRuleViolation("a key replaces one of the keys", [field_error("replaces", "is no API key")])
    if store.api_key_replacing(db, replaces) is not None:
        _replaced_already(replaces)
    return {"replaces": replaces, "succeeds": [replaces, *predecessor.get("succeeds", [])],
            "calls_per_minute": predecessor.get("calls_per_minute")}


def _replaced_already(key_id):
    raise Conflict(f"API key {key_id} is replaced by another key already: make the new key replace that one",
                   [field_error("replaces", "is replaced by another key already")])


def list_filters(filters):
    """The list's query from its parameters: ``replaced`` (true: the keys another key replaces;
    false: those none replaces yet, the ones a new key may name in ``replaces``); 400 naming it
    for another value."""
    replaced = requests_in.flag(filters, "replaced")
    return {} if replaced is None else {"replaced": replaced}


def list_keys(db, limit, cursor, replaced=None):
    page = store.page_api_keys(db, limit, cursor, replaced)
    successors = store.api_keys_replacing(db, [item["id"] for item in page["items"]])
    page["items"] = [view(item, successors.get(item["id"])) for item in page["items"]]
    return page


def get(db, key_id):
    """One key as the list shows it (``shown``: never the key, never its hash; an integrator reads
    back what it created), or 404 for no such key."""
    record = store.find_api_key(db, key_id) if isinstance(key_id, str) and _ID.fullmatch(key_id) else None
    if record is None:
        raise NotFound("no such API key")
    return shown(db, record)


def revoke(db, cache, key_id):
    return _changed(db, cache, key_id, lambda: store.revoke_api_key(db, key_id, clock.now_iso()))


def set_limit(db, cache, key_id, calls_per_minute):
    """``PATCH``: a key's calls per minute (null: the deployment's), revoked or not; at once on this
    process, within ``USER_CACHE_SECONDS`` on the others (as a revocation)."""
    return _changed(db, cache, key_id, lambda: store.set_api_key_limit(db, key_id, calls_per_minute))


def _changed(db, cache, key_id, write):
    """A change of the key ``key_id`` (404 for no such key): ``write()``, then the key forgotten by
    this process's cache and shown as it is now."""
    if not isinstance(key_id, str) or not _ID.fullmatch(key_id) or store.find_api_key(db, key_id) is None:
        raise NotFound("no such API key")
    write()
    cache.forget(key_id)
    return shown(db, store.find_api_key(db, key_id))


def is_key(caller):
    return caller["user"].startswith(CALLER_PREFIX)


def refuse_keys(caller):
    """For what only a person has: an account, a password."""
    if is_key(caller):
        raise Forbidden("an API key has no user account")


def own(cache, caller):
    """The key that sends the call, as ``view`` shows it: what an integrator's program checks at its
    start (its roles and estates); a person is sent to their account (403)."""
    if not is_key(caller):
        raise Forbidden("this is an API key's own record: a person reads GET /api/v1/users/me")
    return shown(cache.db, cache.get(caller["user"][len(CALLER_PREFIX):]))


def caller(cache, presented, calls_per_minute):
    """The caller (``{user, roles, estates}``) of a key: only while it exists, unrevoked, and within
    its calls of the minute (429: ``limits.key_calls``; ``calls_per_minute``: the deployment's, for
    a key that sets none).

    Every refusal says the same, whether the key is malformed, unknown, revoked or wrong."""
    match = _KEY.fullmatch(presented or "")
    record = cache.get(match.group(1)) if match else None
    if record is None or record["revoked"] or not hmac.compare_digest(record["key_hash"], digest(presented)):
        raise Unauthorized("the API key is not valid")
    limits.key_calls(cache.db, record["_id"], record.get("calls_per_minute") or calls_per_minute)
    cache.used(record["_id"])
    found = {"user": CALLER_PREFIX + record["_id"], "roles": list(record["roles"]),
             "estates": list(record["estate_ids"])}
    if record.get("succeeds"):  # the keys it replaces, nearest first: what they did is its program's
        found["replaces"] = [CALLER_PREFIX + key_id for key_id in record["succeeds"]]
    return found


class KeyCache(RecordCache):
    """Keys by id (``record_cache``), and when each was last recorded as used."""

    def __init__(self, db, ttl_seconds=2.0, max_entries=1024):
        super().__init__(db, store.find_api_key, ttl_seconds, max_entries)
        self._recorded = {}  # key id -> when this process last wrote its use
        self._recorded_lock = threading.Lock()

    def used(self, key_id):
        now = clock.now()
        with self._recorded_lock:
            last = self._recorded.get(key_id)
            if last is not None and timedelta(0) <= now - last < timedelta(seconds=TOUCH_EVERY_SECONDS):
                return
            if len(self._recorded) >= self.max_entries:
                self._recorded.clear()
            self._recorded[key_id] = now
        store.touch_api_key(self.db, key_id, clock.to_iso(now),
                            clock.to_iso(now - timedelta(seconds=TOUCH_EVERY_SECONDS)))
