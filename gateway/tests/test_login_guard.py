"""Password guessing is slowed down per username and address."""
from datetime import timedelta

import pytest
from estate_common import clock

from gateway import login_guard

from .conftest import ADMIN_PASSWORD


@pytest.fixture
def fresh(make_app):
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00.000Z"))
    yield make_app()
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
