"""Password guessing is slowed down per username and address."""
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from estate_common import clock

from gateway import login_guard, passwords

from .conftest import ADMIN_PASSWORD


@pytest.fixture
def fresh(make_app, monkeypatch):
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00.000Z"))
    app = make_app()
    # the guard is what is tested, not Argon2: a cheap stand-in keeps hundreds of attempts fast
    monkeypatch.setattr(passwords, "verify", lambda password_hash, password: (
        password_hash is not None and password == ADMIN_PASSWORD))
    yield app
    clock.reset()


def sign_in(app, password, username="admin", address="10.0.0.1"):
    return app.test_client().post("/api/v1/auth/token", json={"username": username, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def fail(app, times, **kwargs):
    for _ in range(times):
        assert sign_in(app, "wrong-password-000", **kwargs).status_code == 401


def test_after_the_allowed_failures_even_the_right_password_waits(fresh, contract):
    fail(fresh, login_guard.MAX_FAILURES)
    refused = sign_in(fresh, ADMIN_PASSWORD)
    contract.problem(refused, 429, code="too_many_requests", app=fresh)
    assert int(refused.headers["Retry-After"]) == login_guard.LOCK_SECONDS + 1


def test_the_lock_ends_after_its_time(fresh):
    fail(fresh, login_guard.MAX_FAILURES)
    clock.advance(timedelta(seconds=login_guard.LOCK_SECONDS + 1))
    assert sign_in(fresh, ADMIN_PASSWORD).status_code == 200


def test_fewer_failures_do_not_lock_and_a_success_clears_them(fresh):
    fail(fresh, login_guard.MAX_FAILURES - 1)
    assert sign_in(fresh, ADMIN_PASSWORD).status_code == 200
    fail(fresh, login_guard.MAX_FAILURES - 1)
    assert sign_in(fresh, ADMIN_PASSWORD).status_code == 200


def test_another_address_or_username_is_not_locked(fresh):
    fail(fresh, login_guard.MAX_FAILURES, address="10.0.0.66")
    assert sign_in(fresh, ADMIN_PASSWORD, address="10.0.0.1").status_code == 200
    fail(fresh, login_guard.MAX_FAILURES, username="ghost")
    assert sign_in(fresh, ADMIN_PASSWORD).status_code == 200


def test_old_failures_are_forgotten(fresh):
    fail(fresh, login_guard.MAX_FAILURES - 1)
    clock.advance(timedelta(seconds=login_guard.LOCK_SECONDS + 1))
    fail(fresh, login_guard.MAX_FAILURES - 1)
    assert sign_in(fresh, ADMIN_PASSWORD).status_code == 200


# -- one address cannot lock a username for everyone ---------------------------------

def test_one_address_failing_admin_many_times_does_not_lock_admin_out_elsewhere(fresh):
    for _ in range(3 * login_guard.ADDRESS_MAX_FAILURES):
        assert sign_in(fresh, "wrong-password-000", address="203.0.113.9").status_code in (401, 429)
    assert sign_in(fresh, ADMIN_PASSWORD, address="203.0.113.9").status_code == 429
    assert sign_in(fresh, ADMIN_PASSWORD, address="10.0.0.1").status_code == 200


def test_an_address_spraying_many_usernames_is_locked_out_itself(fresh, contract):
    for number in range(login_guard.ADDRESS_MAX_FAILURES):
        fail(fresh, 1, username=f"guess-{number}", address="203.0.113.7")
    refused = sign_in(fresh, ADMIN_PASSWORD, address="203.0.113.7")
    contract.problem(refused, 429, code="too_many_requests", app=fresh)
    assert int(refused.headers["Retry-After"]) == login_guard.LOCK_SECONDS + 1
    assert sign_in(fresh, ADMIN_PASSWORD, address="10.0.0.1").status_code == 200


def test_many_addresses_guessing_one_username_are_slowed_but_a_clean_address_is_not(fresh):
    per_address = login_guard.MAX_FAILURES - 1  # none of them is locked out on its own
    addresses = [f"198.51.100.{n}" for n in range(-(-login_guard.USERNAME_MAX_FAILURES // per_address))]
    for number in range(login_guard.USERNAME_MAX_FAILURES):
        fail(fresh, 1, address=addresses[number % len(addresses)])
    slowed = sign_in(fresh, ADMIN_PASSWORD, address=addresses[0])
    assert slowed.status_code == 429
    assert 1 <= int(slowed.headers["Retry-After"]) <= login_guard.USERNAME_INTERVAL_SECONDS + 1
    assert sign_in(fresh, ADMIN_PASSWORD, address="10.0.0.1").status_code == 200
    clock.advance(timedelta(seconds=login_guard.USERNAME_INTERVAL_SECONDS + 1))
    assert sign_in(fresh, ADMIN_PASSWORD, address=addresses[0]).status_code == 200


# -- the client's address ---------------------------------------------------------------

def sign_in_forwarded(app, password, forwarded_for, peer="10.9.9.9"):
    return app.test_client().post("/api/v1/auth/token", json={"username": "admin", "password": password},
                                  headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": peer})


def test_without_trusted_proxies_x_forwarded_for_is_ignored(fresh):
    for number in range(login_guard.MAX_FAILURES):  # a new forged address each time: still one client
        assert sign_in_forwarded(fresh, "wrong-password-000", f"192.0.2.{number}").status_code == 401
    assert sign_in_forwarded(fresh, ADMIN_PASSWORD, "192.0.2.200").status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_address(make_app):
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00.000Z"))
    try:
        app = make_app(trusted_proxies=1)
        for _ in range(login_guard.MAX_FAILURES):  # the attacker, behind the ingress
            assert sign_in_forwarded(app, "wrong-password-000", "192.0.2.66").status_code == 401
        assert sign_in_forwarded(app, ADMIN_PASSWORD, "192.0.2.66").status_code == 429
        # the admin behind the same ingress (same peer address) is another client
        assert sign_in_forwarded(app, ADMIN_PASSWORD, "192.0.2.10").status_code == 200
        # only the last hop is trusted: a client cannot prepend an address of its choice
        assert sign_in_forwarded(app, ADMIN_PASSWORD, "192.0.2.10, 192.0.2.66").status_code == 429
    finally:
        clock.reset()


# -- at most a few password hashes at once --------------------------------------------

def test_concurrent_random_sign_ins_hash_at_most_n_at_once_and_the_rest_get_429(fresh, monkeypatch, contract):
    lock, running, peak = threading.Lock(), [0], [0]
    real_verify = passwords.verify

    def counted_verify(password_hash, password):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.3)  # a slow hash keeps its slot long enough for the others to find them taken
            return real_verify(password_hash, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(passwords, "verify", counted_verify)
    monkeypatch.setattr(login_guard, "HASH_WAIT_SECONDS", 0.05)
    start = threading.Barrier(32)

    def attempt(number):
        start.wait()
        return sign_in(fresh, "wrong-password-000", username=f"random-{uuid.uuid4().hex[:8]}",
                       address=f"10.1.{number // 250}.{number % 250}")

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(attempt, range(32)))
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {401, 429}, statuses
    assert 0 < peak[0] <= login_guard.MAX_CONCURRENT_HASHES, peak[0]
    busy = [answer for answer in answers if answer.status_code == 429]
    assert busy, statuses
    for answer in busy:
        contract.problem(answer, 429, code="too_many_requests", app=fresh)
        assert int(answer.headers["Retry-After"]) >= 1
    assert statuses.count(401) >= login_guard.MAX_CONCURRENT_HASHES


def _guess_side_by_side(app, monkeypatch, guesses, hash_wait):
    """``guesses`` wrong passwords for admin from one address at once; (statuses, passwords
    checked). Each check takes 0.2 s, so the guesses overlap."""
    checked, lock = [0], threading.Lock()
    real_verify = passwords.verify

    def slow_verify(password_hash, password):
        with lock:
            checked[0] += 1
        time.sleep(0.2)
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify", slow_verify)
    monkeypatch.setattr(login_guard, "HASH_WAIT_SECONDS", hash_wait)
    start = threading.Barrier(guesses)

    def guess(_):
        start.wait()
        return sign_in(app, "wrong-password-000").status_code

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        statuses = list(pool.map(guess, range(guesses)))
    return statuses, checked[0]


def _in_flight(app, username="admin", address="10.0.0.1"):
    db = app.extensions["estate_ops"].db
    return [len((db.login_failures.find_one({"_id": key}) or {}).get("in_flight") or {})
            for key, _ in login_guard._reserved_keys(username, address)]


def test_guesses_sent_side_by_side_check_no_more_passwords_than_one_after_another(fresh, monkeypatch):
    """The failures counted and the attempts in flight stay within the limit together: 16
    parallel guesses had 8 passwords checked when only the failures already counted were."""
    statuses, checked = _guess_side_by_side(fresh, monkeypatch, 16, hash_wait=10)
    assert checked <= login_guard.MAX_FAILURES, (checked, statuses)
    assert statuses.count(401) == checked and statuses.count(429) == 16 - checked
    assert _in_flight(fresh) == [0, 0]  # every reservation ended
    assert sign_in(fresh, ADMIN_PASSWORD).status_code == 429  # and the pair is locked as usual


def test_a_guess_refused_for_want_of_a_hashing_slot_gives_its_reservation_back(fresh, monkeypatch):
    monkeypatch.setattr(login_guard, "MAX_CONCURRENT_HASHES", 1)
    monkeypatch.setattr(login_guard, "_hash_slots", threading.BoundedSemaphore(1))
    statuses, checked = _guess_side_by_side(fresh, monkeypatch, 3, hash_wait=0.01)
    assert 429 in statuses and checked < 3
    assert _in_flight(fresh) == [0, 0]
    assert sign_in(fresh, ADMIN_PASSWORD).status_code == 200  # fewer failures than the limit: not locked


def test_an_attempt_a_dead_worker_never_gave_back_stops_counting(fresh):
    """A worker killed between the reservation and its verdict left its attempt in flight: the
    pair stayed one attempt short of its limit for as long as anyone kept trying."""
    db = fresh.extensions["estate_ops"].db
    for _ in range(login_guard.MAX_FAILURES):  # as many dead attempts as the limit allows
        login_guard.reserve(db, "admin", "10.0.0.1")
    assert _in_flight(fresh) == [login_guard.MAX_FAILURES] * 2
    refused = sign_in(fresh, ADMIN_PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 2
    clock.advance(timedelta(seconds=login_guard.IN_FLIGHT_SECONDS + 1))
    assert sign_in(fresh, ADMIN_PASSWORD).status_code == 200


def test_an_ipv6_client_is_counted_by_its_64_network(fresh):
    """One host holds a whole /64: counted per address, it had 2^64 of them to spread its guesses."""
    for n in range(login_guard.MAX_FAILURES):
        assert sign_in(fresh, "wrong-password-000", address=f"2001:db8:1:2::{n + 1:x}").status_code == 401
    assert sign_in(fresh, ADMIN_PASSWORD, address="2001:db8:1:2::abcd").status_code == 429
    assert sign_in(fresh, ADMIN_PASSWORD, address="2001:db8:1:3::1").status_code == 200  # another /64


def test_failed_sign_in_records_expire_once_no_lock_needs_them(fresh, monkeypatch):
    from estate_common import retention
    monkeypatch.setattr(retention, "LOGIN_RECORD_SECONDS", 60)  # shorter than a lock: the lock's time wins
    fail(fresh, login_guard.MAX_FAILURES)
    failures = fresh.extensions["estate_ops"].db.login_failures
    assert failures.count_documents({}) == 3  # username+address, address, username
    clock.advance(timedelta(seconds=login_guard.LOCK_SECONDS - 60))
    assert sign_in(fresh, ADMIN_PASSWORD).status_code == 429 and failures.count_documents({}) == 3
    clock.advance(timedelta(seconds=120))
    assert failures.count_documents({}) == 0


def test_an_admins_reset_starts_the_usernames_counts_again_from_every_address_not_the_addresses(fresh):
    """``forgive``: the admin cannot know the user's address, and the new password is unknown to a
    guesser, so every address's count for the username starts again; an address's own count,
    over every username, stays (its docstring says why)."""
    from gateway import store
    db = fresh.extensions["estate_ops"].db
    fail(fresh, login_guard.MAX_FAILURES, address="10.0.0.1")  # the user, locked out
    fail(fresh, login_guard.MAX_FAILURES, address="10.0.0.66")  # a guesser, locked out
    for other in range(login_guard.ADDRESS_MAX_FAILURES // login_guard.MAX_FAILURES - 1):  # and others
        fail(fresh, login_guard.MAX_FAILURES, username=f"ghost-{other}", address="10.0.0.66")
    assert sign_in(fresh, ADMIN_PASSWORD, address="10.0.0.1").status_code == 429
    login_guard.forgive(db, "admin")
    assert sign_in(fresh, ADMIN_PASSWORD, address="10.0.0.1").status_code == 200
    assert store.find_login_failures(db, login_guard._pair_key("admin", "10.0.0.66"))["count"] == 0
    # the guesser's address reached its own threshold guessing at both: it stays refused
    assert store.find_login_failures(db, login_guard._address_key("10.0.0.66"))["count"] == (
        login_guard.ADDRESS_MAX_FAILURES)
    assert sign_in(fresh, ADMIN_PASSWORD, address="10.0.0.66").status_code == 429
