"""Abuse limits at sign-in: how many passwords are hashed at once, and how fast one may guess.

Hashing: an Argon2 verification costs 64 MiB and a core for a while, so at most
``LOGIN_MAX_CONCURRENT_HASHES`` run at once in a process (a bounded semaphore). A sign-in
that finds every slot taken waits at most ``LOGIN_HASH_WAIT_SECONDS`` and is then refused
(429, ``Retry-After``): nothing queues without bound, and memory stays flat whatever the
number of concurrent sign-ins with random usernames.

Guessing: failed sign-ins are counted three ways, each with its own threshold:
- per username and address: after ``LOGIN_MAX_FAILURES`` that pair is refused until
  ``LOGIN_LOCK_SECONDS`` have passed since its last failure. Keyed by the address too, so
  a guesser cannot lock a colleague out from elsewhere;
- per address, whatever the username: after ``LOGIN_ADDRESS_MAX_FAILURES`` the address is
  refused for ``LOGIN_LOCK_SECONDS`` (one address spraying many usernames);
- per username, from every address: after ``LOGIN_USERNAME_MAX_FAILURES`` (a higher
  threshold: many addresses guessing one account) the account is only *slowed*: an address
  that has itself failed for it waits ``LOGIN_USERNAME_INTERVAL_SECONDS`` after the last
  failure. An address with no failure for the username is never slowed, so nobody can lock
  an account for everyone.
A success clears the pair's count (not the address's nor the username's: a guesser
could otherwise reset them by signing in to an account of its own).

An attempt is reserved before its password is checked (``reserve``: an entry in ``in_flight`` on
the pair's and the address's records, taken atomically) and counted as failed or released after:
the failures and the attempts in flight together stay within each threshold, so guesses sent
side by side are refused like guesses sent one after another (checked only against the
failures already counted, 32 parallel guesses had 12 passwords checked). An entry older than
``IN_FLIGHT_SECONDS`` no longer counts: its worker died before giving it back.

The address is the client's as ``limits.client_address`` gives it (an IPv6 client's /64
network, the block one host holds), from ``request.remote_addr``: the app trusts
``X-Forwarded-For`` through ``TRUSTED_PROXIES`` proxies only (werkzeug ``ProxyFix``, set up
in ``app.py``), so a client cannot choose its address by sending the header.

The counters live in the gateway's store, which every gateway worker shares when
``MONGO_URI`` is set (the embedded store is per process).
"""
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta

from werkzeug.exceptions import TooManyRequests

from estate_common import clock, config, ids, retention

from . import limits, store

MAX_FAILURES = config.env_int("LOGIN_MAX_FAILURES", 5)
LOCK_SECONDS = config.env_int("LOGIN_LOCK_SECONDS", 900)
ADDRESS_MAX_FAILURES = config.env_int("LOGIN_ADDRESS_MAX_FAILURES", 20)
USERNAME_MAX_FAILURES = config.env_int("LOGIN_USERNAME_MAX_FAILURES", 50)
USERNAME_INTERVAL_SECONDS = config.env_int("LOGIN_USERNAME_INTERVAL_SECONDS", 5)
MAX_CONCURRENT_HASHES = config.env_int("LOGIN_MAX_CONCURRENT_HASHES", 4)
HASH_WAIT_SECONDS = config.env_float("LOGIN_HASH_WAIT_SECONDS", 0.5)
BUSY_RETRY_SECONDS = 1
# longer than any attempt takes (a slot's wait and an Argon2 check): older, its worker died
IN_FLIGHT_SECONDS = 30

_hash_slots = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


@contextmanager
def hash_slot():
    """Hold one of the process's password-hashing slots, or refuse with 429 when none frees
    up within ``HASH_WAIT_SECONDS``. Wrap every password hash or verification in it."""
    if not _hash_slots.acquire(timeout=HASH_WAIT_SECONDS):
        raise TooManyRequests("too many sign-ins at once: try again in a moment", retry_after=BUSY_RETRY_SECONDS)
    try:
        yield
    finally:
        _hash_slots.release()


def _pair_key(username, address):
    return ids.natural_id("login", username, address or "-")


def _address_key(address):
    return ids.natural_id("login-address", address or "-")


def _username_key(username):
    return ids.natural_id("login-username", username)


def _wait(record, seconds):
    """Seconds until ``seconds`` have passed since the record's last failure (≤ 0: none)."""
    until = clock.parse_iso(record["last_at"]) + timedelta(seconds=seconds)
    return (until - clock.now()).total_seconds()


def _refuse(wait, why):
    limits.too_many(wait, why)


def _counted(db, key, threshold, seconds):
    """The record when it has reached ``threshold`` failures within ``seconds``, else None."""
    record = store.find_login_failures(db, key)
    if record and record.get("last_at") and record.get("count", 0) >= threshold and _wait(record, seconds) > 0:
        return record
    return None


def check(db, username, address):
    """Refuse the attempt while the pair or the address is locked out, or the username slowed."""
    pair = store.find_login_failures(db, _pair_key(username, address)) or {}
    if _live_count(pair) >= MAX_FAILURES:
        _refuse(_wait(pair, LOCK_SECONDS), "too many failed sign-ins")
    locked = _counted(db, _address_key(address), ADDRESS_MAX_FAILURES, LOCK_SECONDS)
    if locked:
        _refuse(_wait(locked, LOCK_SECONDS), "too many failed sign-ins from this address")
    if pair.get("count"):  # only an address that has failed for this username is slowed
        slowed = _counted(db, _username_key(username), USERNAME_MAX_FAILURES, USERNAME_INTERVAL_SECONDS)
        if slowed:
            _refuse(_wait(slowed, USERNAME_INTERVAL_SECONDS), "too many failed sign-ins for this username")


def _expire_at():
    # kept no longer than needed: a count older than a lock is started again anyway
    return retention.expire_at(max(retention.LOGIN_RECORD_SECONDS, LOCK_SECONDS))


def _reserved_keys(username, address):
    return ((_pair_key(username, address), MAX_FAILURES), (_address_key(address), ADDRESS_MAX_FAILURES))


def _live_count(record):
    """The record's failures, 0 when its last one is older than a lock (they start again)."""
    if not record.get("last_at") or _wait(record, LOCK_SECONDS) < 0:
        return 0
    return record.get("count", 0)


def _in_flight(record, now):
    since = clock.to_iso(now - timedelta(seconds=IN_FLIGHT_SECONDS))
    return sum(1 for began in (record.get("in_flight") or {}).values() if began > since)


def reserve(db, username, address):
    """Before a password is checked: refused (429) while the pair or the address is locked out or
    the username slowed (``check``), or when the failures and the attempts in flight would pass
    a threshold with this one; else the attempt's id, in flight until ``failed``, ``succeeded``
    or ``released`` with it."""
    check(db, username, address)
    attempt_id, now = uuid.uuid4().hex, clock.now()
    taken = []
    for key, threshold in _reserved_keys(username, address):
        record = store.reserve_login_attempt(db, key, attempt_id, clock.to_iso(now), _expire_at())
        taken.append(key)
        if _live_count(record) + _in_flight(record, now) > threshold:
            for held in taken:
                store.release_login_attempt(db, held, attempt_id)
            _refuse(BUSY_RETRY_SECONDS, "too many sign-ins are being tried for this account or address")
    return attempt_id


@contextmanager
def password_check(db, username, address, wrong_password):
    """One password check under the limits, the one way sign-in and a password change take: the
    attempt reserved (``reserve``, 429 when refused), the check run in a hashing slot
    (``hash_slot``), then counted: ``wrong_password`` (an exception type the body raises for a
    wrong password) is a failure, returning a success, any other error releases the attempt."""
    attempt_id = reserve(db, username, address)
    try:
        with hash_slot():
            yield
    except wrong_password:
        failed(db, username, address, attempt_id)
        raise
    except BaseException:
        released(db, username, address, attempt_id)
        raise
    succeeded(db, username, address, attempt_id)


def released(db, username, address, attempt_id):
    """The attempt ended without a verdict on its password (no hashing slot, an error)."""
    for key, _ in _reserved_keys(username, address):
        store.release_login_attempt(db, key, attempt_id)


def failed(db, username, address, attempt_id):
    now = clock.now_iso()
    for key, about in ((_pair_key(username, address), username), (_address_key(address), None),
                       (_username_key(username), username)):
        record = store.find_login_failures(db, key)
        if record and _live_count(record) == 0:
            store.forget_login_failures(db, key)  # the last failure is old: start counting again
        store.count_login_failure(db, key, now, _expire_at(), username=about)
    released(db, username, address, attempt_id)


def forgive(db, username):
    """An operator admin reset the user's password: the user's failed sign-ins no longer lock
    them out or slow them, from any address (their own guesses at the old one locked them out).
    An address's own count stays: it may have guessed at others.

    Every address's count for the username starts again, a guesser's too, on purpose (asked in
    review whether it gives a guesser five fresh guesses). The admin does not know the user's
    address, nor does the guard (an address that signed in before may not be the one the user
    comes back from), so no count can be lifted for the user alone; and the one thing that tells
    the user from a guesser, knowing the new password, is known only by checking a password, which
    is a guess: a locked address let through once after the reset is a count of one, no safer than
    a count of five. And the failures counted were guesses at a password that is gone: the new
    one is strong (``passwords.refuse_weak``) and unknown to the guesser, so five guesses at it
    cost nothing, while the address-wide count (``LOGIN_ADDRESS_MAX_FAILURES``), which this leaves,
    still stops an address guessing across accounts."""
    store.forget_login_failures_of(db, username)


def succeeded(db, username, address, attempt_id):
    store.forget_login_failures(db, _pair_key(username, address))
    released(db, username, address, attempt_id)
