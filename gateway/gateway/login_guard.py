"""Slowing down password guessing: after ``LOGIN_MAX_FAILURES`` wrong passwords for one
username from one address, that pair is refused (429, ``Retry-After``) until
``LOGIN_LOCK_SECONDS`` have passed since the last failure; a success clears it.

Keyed by username and address, so a guesser cannot lock a colleague out from
elsewhere. The counter lives in the gateway's store, which every gateway
worker shares when ``MONGO_URI`` is set (the embedded store is per process).
"""
from datetime import timedelta

from werkzeug.exceptions import TooManyRequests

from estate_common import clock, config, ids

from . import store

MAX_FAILURES = config.env_int("LOGIN_MAX_FAILURES", 5)
LOCK_SECONDS = config.env_int("LOGIN_LOCK_SECONDS", 900)


def _key(username, address):
    return ids.natural_id("login", username, address or "-")


def check(db, username, address):
    """Refuse the attempt while the pair is locked out."""
    record = store.find_login_failures(db, _key(username, address))
    if not record or record["count"] < MAX_FAILURES:
        return
    unlock = clock.parse_iso(record["last_at"]) + timedelta(seconds=LOCK_SECONDS)
    wait = (unlock - clock.now()).total_seconds()
    if wait > 0:
        raise TooManyRequests("too many failed sign-ins: try again later", retry_after=int(wait) + 1)


def failed(db, username, address):
    now, key = clock.now_iso(), _key(username, address)
    record = store.find_login_failures(db, key)
    if record and clock.parse_iso(record["last_at"]) + timedelta(seconds=LOCK_SECONDS) < clock.now():
        store.forget_login_failures(db, key)  # the last failure is old: start counting again
    store.count_login_failure(db, key, now)


def succeeded(db, username, address):
    store.forget_login_failures(db, _key(username, address))
