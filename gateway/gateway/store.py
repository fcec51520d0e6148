"""The gateway's repository: the only module of the gateway that touches its database.

Six collections: ``users`` (staff accounts: who may sign in), ``api_keys``
(integrators' keys, hashed), ``idempotency`` (the first answer to each
``Idempotency-Key``), ``login_failures`` (the sign-in guard's counters),
``rate_limits`` (calls per window of the public routes) and ``estate_guards`` (an estate's
retirement or giving under way). An account also keeps the revision maintenance was last told of
its technicians' state at (``technicians_told``: ``technician_notices``' outbox). The rules about them
live in ``users``, ``api_keys``,
``idempotency``, ``login_guard``, ``limits`` and ``estate_guards``; this module only
reads and writes.
"""
from pymongo import ReturnDocument

from estate_common import retention, store

INDEXES = {
    "users": [([("estate_ids", 1)], {}), ([("ever_estate_ids", 1)], {}), ([("created_at", 1), ("_id", 1)], {})],
    # a key is replaced by one key at most (api_keys.create: ``replaces``; a key without it has no field)
    "api_keys": [([("created_at", 1), ("_id", 1)], {}), ([("replaces", 1)], {"unique": True, "sparse": True})],
    "idempotency": [([("created_at", 1)], {}), retention.TTL_INDEX],  # records expire (retention.py)
    "login_failures": [([("last_at", 1)], {}), ([("username", 1)], {"sparse": True}), retention.TTL_INDEX],
    "rate_limits": [retention.TTL_INDEX],
    "estate_guards": [([("estate_id", 1), ("kind", 1)], {}), retention.TTL_INDEX],  # marks expire (estate_guards)
}


def connect():
    db = store.connect("gateway")
    store.ensure_indexes(db, INDEXES)
    return db


def ping(db):
    store.ping(db)


# -- users ------------------------------------------------------------------------

def insert_user(db, user):
    """False when the username is taken (the username is the ``_id``)."""
    return store.insert_new(db.users, user)


def find_user(db, username):
    return db.users.find_one({"_id": username})


def change_user(db, username, changes, new_credentials=False, only_if=None):
    """``new_credentials``: also move the user's ``credential_version`` on (older tokens stop
    working). ``only_if``: fields the stored user must still hold, else nothing is written.
    Whether the user was changed."""
    update = {"$set": changes}
    if new_credentials:
        update["$inc"] = {"credential_version": 1}
    return db.users.update_one({"_id": username, **(only_if or {})}, update).matched_count == 1


def confirm_operator_admin(db, username):
    """Move ``username``'s ``revision`` on while it is an active operator admin in the store (not
    a cache); False when it is not (any more). A change decided on its record before then is
    then decided again (``change_user``'s ``only_if`` on the revision)."""
    return db.users.update_one({"_id": username, "active": True, "roles": "operator_admin"},
                               {"$inc": {"revision": 1}}).matched_count == 1


def end_sign_in(db, username, field, session_id, until, expired):
    """One sign-in's entry in the user's map of ended ones (``field``) set, and the ``expired``
    ones dropped, in one update that touches no other entry."""
    update = {"$set": {f"{field}.{session_id}": until}}
    if expired:
        update["$unset"] = {f"{field}.{old}": "" for old in expired}
    db.users.update_one({"_id": username}, update)


def staff_of_estates(db, estate_ids):
    """The accounts that named any of ``estate_ids``, now or before (``ever_estate_ids``; an account
    from before that was kept names them in ``estate_ids``), with the fields staff turnover needs."""
    fields = {"estate_ids": 1, "roles": 1, "created_at": 1, "deactivated_at": 1, "active": 1, "memberships": 1}
    wanted = {"$in": list(estate_ids)}
    return list(db.users.find({"$or": [{"estate_ids": wanted}, {"ever_estate_ids": wanted}]}, fields))


def active_users_holding(db, estate_id):
    """The usernames of the active accounts that hold ``estate_id`` now, in order."""
    return sorted(user["_id"] for user in db.users.find({"estate_ids": estate_id, "active": True}, {"_id": 1}))


def page_users(db, limit, cursor, query=None):
    return store.page(db.users, query or {}, limit, cursor)


def users_with_role(db, role):
    """The accounts that have ``role`` (a set: any of them), by username (users are the operator's:
    no estate leads)."""
    held = role if isinstance(role, str) else {"$in": sorted(role)}
    return sorted(db.users.find({"roles": held}, {"roles": 1, "estate_ids": 1, "active": 1}), key=lambda u: u["_id"])


def technician_accounts(db, role):
    """The accounts that hold ``role`` now or held it once (a span of theirs: ``gateway.memberships``),
    every field (``technician_notices`` reads their state and revisions)."""
    return list(db.users.find({"$or": [{"roles": role}, {"memberships.roles": role}]}, {"password_hash": 0}))


def mark_technicians_told(db, username, revision, told_before=None):
    """Maintenance answered for the account's ``revision`` (``technician_notices.TOLD``), kept while
    the account is still at it (a newer change is due anyway); ``told_before``: only while what was
    told is still that."""
    only_if = {"revision": revision or {"$in": [0, None]}}
    if told_before is not None:
        only_if["technicians_told"] = told_before
    db.users.update_one({"_id": username, **only_if}, {"$set": {"technicians_told": revision}})


def doubt_technicians_told(db, username):
    """What maintenance holds of the account is in doubt (a change told it, then was not written):
    the account is due again, whatever its revision."""
    db.users.update_one({"_id": username}, {"$unset": {"technicians_told": ""}})


# -- API keys ---------------------------------------------------------------------

def insert_api_key(db, key):
    """False when the id is taken (ids are random: practically never)."""
    return store.insert_new(db.api_keys, key)


def find_api_key(db, key_id):
    return db.api_keys.find_one({"_id": key_id})


def api_key_replacing(db, key_id):
    """The key made to replace ``key_id`` (its ``_id``), or None."""
    return db.api_keys.find_one({"replaces": key_id}, {"_id": 1})


def revoke_api_key(db, key_id, at):
    """Revoke once: a key revoked before keeps its first ``revoked_at``."""
    db.api_keys.update_one({"_id": key_id, "revoked": False}, {"$set": {"revoked": True, "revoked_at": at}})


def set_api_key_limit(db, key_id, calls_per_minute):
    db.api_keys.update_one({"_id": key_id}, {"$set": {"calls_per_minute": calls_per_minute}})


def touch_api_key(db, key_id, at, not_since):
    """Record a use at ``at`` unless one at or after ``not_since`` is recorded already: the
    filter keeps replicas from writing more than once per interval between them."""
    db.api_keys.update_one({"_id": key_id, "$or": [{"last_used_at": None}, {"last_used_at": {"$lt": not_since}}]},
                           {"$set": {"last_used_at": at}})


def live_api_keys_holding(db, estate_id):
    """The unrevoked API keys (``_id``, ``name``) that name ``estate_id``, by id."""
    return sorted(db.api_keys.find({"estate_ids": estate_id, "revoked": False}, {"_id": 1, "name": 1}),
                  key=lambda key: key["_id"])


def api_keys_replacing(db, key_ids):
    """``{key id: the id of the key made to replace it}`` of those of ``key_ids`` replaced."""
    return {key["replaces"]: key["_id"] for key in db.api_keys.find({"replaces": {"$in": list(key_ids)}},
                                                                    {"_id": 1, "replaces": 1})}


def page_api_keys(db, limit, cursor, replaced=None):
    """``replaced``: only the keys another key replaces (True) or none does (False); None: all. The
    ids replaced are read from the index of ``replaces`` (a key is replaced once: as many as keys)."""
    query = {}
    if replaced is not None:
        query = {"_id": {"$in" if replaced else "$nin": db.api_keys.distinct("replaces")}}
    return store.page(db.api_keys, query, limit, cursor)


# -- idempotency records ----------------------------------------------------------------

def claim_idempotency_record(db, record):
    """False when a record with this ``_id`` is there already (a replay or a concurrent twin)."""
    return store.insert_new(db.idempotency, record)


def find_idempotency_record(db, record_id):
    return db.idempotency.find_one({"_id": record_id})


def complete_idempotency_record(db, record_id, status, body):
    db.idempotency.update_one({"_id": record_id}, {"$set": {"state": "done", "status": status, "body": body}})


def release_idempotency_record(db, record_id):
    """Drop the record while it is still pending (a completed one stays); one a partial answer held
    (``hold_idempotency_record``) and sent again is held again, its body's digest kept."""
    dropped = db.idempotency.delete_one({"_id": record_id, "state": "pending", "partial": {"$ne": True}})
    if not dropped.deleted_count:
        hold_idempotency_record(db, record_id)


def hold_idempotency_record(db, record_id, done=()):
    """A pending record whose call did part of its work (a 207): the key stays the body's; ``done``, what
    it did (the estates written in), kept beside what an earlier part did."""
    db.idempotency.update_one({"_id": record_id, "state": "pending"},
                              {"$set": {"state": "partial", "partial": True}, "$addToSet": {"done": {"$each": list(done)}}})


def resume_idempotency_record(db, record_id):
    """The held record pending again for the same body sent again; False when a twin resumed it first."""
    resumed = db.idempotency.update_one({"_id": record_id, "state": "partial"}, {"$set": {"state": "pending"}})
    return resumed.modified_count == 1


# -- failed sign-ins ----------------------------------------------------------------------

def find_login_failures(db, key):
    return db.login_failures.find_one({"_id": key})


def count_login_failure(db, key, at, expire_at, username=None):
    """``username``: the account the count is about (none for an address's), so that
    ``forget_login_failures_of`` finds it."""
    fields = {"last_at": at, retention.FIELD: expire_at} | ({"username": username} if username else {})
    db.login_failures.update_one({"_id": key}, {"$inc": {"count": 1}, "$set": fields}, upsert=True)


def forget_login_failures(db, key):
    """The count starts again (the attempts in flight stay)."""
    db.login_failures.update_one({"_id": key}, {"$set": {"count": 0}})


def forget_login_failures_of(db, username):
    """Every count about ``username`` starts again, from whichever address (an admin's reset)."""
    db.login_failures.update_many({"username": username}, {"$set": {"count": 0}})


def reserve_login_attempt(db, key, attempt_id, at, expire_at):
    """One more attempt in flight under ``key`` (``in_flight.<attempt_id>``: when it began): the
    record with it, atomically."""
    return db.login_failures.find_one_and_update({"_id": key}, {"$set": {f"in_flight.{attempt_id}": at,
                                                                         retention.FIELD: expire_at}},
                                                 upsert=True, return_document=ReturnDocument.AFTER)


def release_login_attempt(db, key, attempt_id):
    db.login_failures.update_one({"_id": key}, {"$unset": {f"in_flight.{attempt_id}": ""}})


# -- calls per window (rate limits) -------------------------------------------------------

def count_call(db, key, expire_at):
    """One more call under ``key`` (a subject's window): the count with it, atomically."""
    record = db.rate_limits.find_one_and_update({"_id": key}, {"$inc": {"count": 1},
                                                               "$set": {retention.FIELD: expire_at}},
                                                upsert=True, return_document=ReturnDocument.AFTER)
    return record["count"]


def uncount_call(db, key):
    """One call under ``key`` given back (it was refused and wrote nothing)."""
    db.rate_limits.update_one({"_id": key}, {"$inc": {"count": -1}})


# -- marks of a retirement or a giving under way (estate_guards) ----------------------------------

def mark_estates(db, estate_ids, kind, token, expire_at):
    """``token``'s mark (``kind``: what is under way) on each of ``estate_ids``, until ``expire_at``."""
    db.estate_guards.insert_many([{"_id": f"{token}:{estate_id}", "estate_id": estate_id, "kind": kind,
                                   retention.FIELD: expire_at} for estate_id in dict.fromkeys(estate_ids)])


def marked_estates(db, estate_ids, kind, now):
    """Of ``estate_ids``, those with a mark of ``kind`` that has not expired at ``now``."""
    return {mark["estate_id"] for mark in db.estate_guards.find(
        {"estate_id": {"$in": list(estate_ids)}, "kind": kind, retention.FIELD: {"$gt": now}}, {"estate_id": 1})}


def unmark_estates(db, estate_ids, token):
    db.estate_guards.delete_many({"estate_id": {"$in": list(estate_ids)},
                                  "_id": {"$in": [f"{token}:{estate_id}" for estate_id in estate_ids]}})
