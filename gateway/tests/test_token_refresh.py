"""POST /api/v1/auth/token/refresh: a session that slides while its user works, up to
TOKEN_MAX_SESSION_SECONDS after the sign-in (a night guard was signed out of the console an hour
after signing in, however busy: a probe)."""
from datetime import timedelta

import jwt
import pytest

from estate_common import clock
from gateway.tokens import ISSUER

from .conftest import ADMIN_PASSWORD, JWT_SECRET, USER_PASSWORD, bearer
from .test_api_keys import make_key, with_key

REFRESH = "/api/v1/auth/token/refresh"
PROTECTED = "/api/v1/estates"  # admits every staff role; the fake archive answers it


def decode(token):
    return jwt.decode(token, JWT_SECRET, algorithms=["HS256"], issuer=ISSUER, options={"verify_exp": False, "verify_iat": False})


def refresh(client, token):
    return client.post(REFRESH, headers=bearer(token))


@pytest.fixture
def user(accounts, unique):
    """A fresh agent of estate A: ``(username, token)``."""
    def make():
        username = unique("slide")
        accounts.create(username, ["agent"], ["A"])
        return username, accounts.token(username, USER_PASSWORD)
    return make


def test_a_refresh_answers_a_new_token_of_the_same_sign_in(app, client, contract, user):
    username, token = user()
    first = decode(token)
    assert first["auth_time"] == first["iat"] and first["sid"] == first["jti"]
    clock.advance(timedelta(minutes=40))
    body = contract.check(app, refresh(client, token), 200)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    second = decode(body["access_token"])
    assert second["sub"] == username and second["roles"] == ["agent"] and second["estates"] == ["A"]
    assert second["auth_time"] == first["auth_time"], "the sign-in's time is kept"
    assert second["sid"] == first["jti"], "the sign-in's id is kept"
    assert second["jti"] != first["jti"]
    assert second["exp"] - second["iat"] == 3600 and second["iat"] >= first["iat"] + 40 * 60
    assert client.get(PROTECTED, headers=bearer(body["access_token"])).status_code == 200


def test_the_token_sent_keeps_working_until_its_own_expiry(client, user):
    """Two tabs of one console share its session: one's refresh must not sign the other out."""
    _, token = user()
    clock.advance(timedelta(minutes=50))
    assert refresh(client, token).status_code == 200
    assert client.get(PROTECTED, headers=bearer(token)).status_code == 200
    clock.advance(timedelta(minutes=11))
    assert client.get(PROTECTED, headers=bearer(token)).status_code == 401


def test_a_session_slides_up_to_its_cap_and_then_must_sign_in_again(make_app, make_accounts, contract):
    # the clock stands still between its moves: on a loaded machine a live second passed between the
    # sign-in and the last refresh, which then had 899 seconds left, not 900 (the fresh clone's suite)
    clock.freeze(clock.now().replace(microsecond=0))
    app = make_app(token_ttl_seconds=3600, token_max_session_seconds=3 * 3600)
    client, token = app.test_client(), make_accounts(app).admin
    signed_in = decode(token)["auth_time"]
    for _ in range(2):
        clock.advance(timedelta(minutes=55))
        token = contract.check(app, refresh(client, token), 200)["access_token"]
    clock.advance(timedelta(minutes=55))  # 2 h 45 min after the sign-in: 15 minutes are left
    last = contract.check(app, refresh(client, token), 200)
    assert last["expires_in"] == 15 * 60, "a token never outlives its sign-in's cap"
    assert decode(last["access_token"])["exp"] == signed_in + 3 * 3600
    clock.advance(timedelta(minutes=14))
    assert client.get(PROTECTED, headers=bearer(last["access_token"])).status_code == 200
    clock.advance(timedelta(minutes=1))
    contract.problem(client.get(PROTECTED, headers=bearer(last["access_token"])), 401, "unauthorized", app=app)
    contract.problem(refresh(client, last["access_token"]), 401, "unauthorized", app=app)
    assert client.post("/api/v1/auth/token",
                       json={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 200


def test_a_token_alive_past_the_cap_is_not_refreshed(make_app, contract):
    """A token issued before the cap was lowered: it may run out, it is not extended."""
    long_lived = make_app(token_ttl_seconds=4 * 3600)
    token = long_lived.test_client().post("/api/v1/auth/token",
                                          json={"username": "admin", "password": ADMIN_PASSWORD}).get_json()
    assert token["expires_in"] == 4 * 3600
    capped = make_app(token_ttl_seconds=3600, token_max_session_seconds=2 * 3600)
    capped.extensions["estate_ops"].db = capped.extensions["estate_ops"].user_cache.db = \
        long_lived.extensions["estate_ops"].db
    clock.advance(timedelta(hours=2, seconds=1))
    answer = refresh(capped.test_client(), token["access_token"])
    assert contract.problem(answer, 401, "unauthorized", app=capped)["detail"] == \
        "the sign-in is older than a session may last: sign in again"


def test_a_new_sign_in_s_token_never_outlasts_the_cap(make_app):
    app = make_app(token_ttl_seconds=3600, token_max_session_seconds=1800)
    body = app.test_client().post("/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert body.get_json()["expires_in"] == 1800
    claims = decode(body.get_json()["access_token"])
    assert claims["exp"] - claims["iat"] == 1800


@pytest.mark.parametrize("seconds", ["0", "-5"])
def test_a_cap_that_is_not_positive_refuses_to_start(monkeypatch, seconds):
    from gateway.app import create_app
    monkeypatch.setenv("TOKEN_MAX_SESSION_SECONDS", seconds)
    with pytest.raises(RuntimeError, match="TOKEN_MAX_SESSION_SECONDS"):
        create_app({"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET})


def test_the_cap_is_read_from_the_environment(monkeypatch):
    from gateway.app import create_app
    monkeypatch.setenv("TOKEN_MAX_SESSION_SECONDS", "600")
    app = create_app({"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET})
    assert app.extensions["estate_ops"].tokens.max_session_seconds == 600


def test_an_expired_token_is_not_refreshed(app, client, contract, user):
    _, token = user()
    clock.advance(timedelta(seconds=3601))
    assert contract.problem(refresh(client, token), 401, "unauthorized", app=app)["detail"] == "the token has expired"


def test_a_deactivated_user_s_token_is_not_refreshed(app, client, contract, admin_token, user):
    username, token = user()
    assert client.patch(f"/api/v1/users/{username}", json={"active": False},
                        headers=bearer(admin_token)).status_code == 200
    contract.problem(refresh(client, token), 401, "unauthorized", app=app)


def test_a_token_from_before_a_password_change_is_not_refreshed(app, client, contract, user):
    _, token = user()
    changed = client.post("/api/v1/users/me/password", headers=bearer(token),
                          json={"current_password": USER_PASSWORD, "new_password": "another-staff-pass-02"})
    assert changed.status_code == 200
    contract.problem(refresh(client, token), 401, "unauthorized", app=app)
    fresh = changed.get_json()["access_token"]
    assert refresh(client, fresh).status_code == 200  # the change answered a new sign-in's token


def test_after_an_admin_s_reset_no_token_of_the_user_is_refreshed(app, client, contract, admin_token, user):
    username, token = user()
    assert client.post(f"/api/v1/users/{username}/password", headers=bearer(admin_token),
                       json={"new_password": "a-temporary-one-from-admin"}).status_code == 200
    contract.problem(refresh(client, token), 401, "unauthorized", app=app)
    temporary = client.post("/api/v1/auth/token", json={"username": username,
                                                         "password": "a-temporary-one-from-admin"})
    # the admin knows that password: the user changes it, which answers a new token
    contract.problem(refresh(client, temporary.get_json()["access_token"]), 403, "password_change_required", app=app)


def test_signing_out_ends_every_token_of_the_sign_in_and_no_other(app, client, contract, accounts, user):
    """A copy of the console's cookie taken before a refresh holds the older token: the sign-out,
    sent with the newer one, must end it too."""
    username, older = user()
    other_device = accounts.token(username, USER_PASSWORD)
    newer = refresh(client, older).get_json()["access_token"]
    assert client.delete("/api/v1/auth/token", headers=bearer(newer)).status_code == 204
    for token in (older, newer):
        contract.problem(client.get(PROTECTED, headers=bearer(token)), 401, "unauthorized", app=app)
        contract.problem(refresh(client, token), 401, "unauthorized", app=app)
    assert client.get(PROTECTED, headers=bearer(other_device)).status_code == 200
    assert refresh(client, other_device).status_code == 200


def test_a_signed_out_session_is_not_refreshed_on_a_replica_that_cached_the_user(make_app, make_accounts):
    """The refresh reads the user from the store, not the cache: within USER_CACHE_SECONDS another
    replica would have given a signed-out session a fresh token that no sign-out names."""
    first = make_app(user_cache_seconds=60)
    token = make_accounts(first).admin
    second = make_app(user_cache_seconds=60)
    state = second.extensions["estate_ops"]
    state.db = state.user_cache.db = state.key_cache.db = first.extensions["estate_ops"].db
    assert second.test_client().get(PROTECTED, headers=bearer(token)).status_code == 200  # cached there
    assert first.test_client().delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    assert refresh(second.test_client(), token).status_code == 401


def test_an_api_key_cannot_refresh(app, client, contract, admin_token):
    key = make_key(client, admin_token).get_json()["key"]
    contract.problem(client.post(REFRESH, headers=with_key(key)), 403, "forbidden", app=app)


def test_no_token_is_401(app, client, contract):
    contract.problem(client.post(REFRESH), 401, "unauthorized", app=app)


def test_a_token_from_before_sessions_slid_counts_from_its_own_issue(make_app, contract):
    """Tokens issued before this release carry no auth_time or sid: their iat is the sign-in."""
    app = make_app(token_max_session_seconds=7200)
    client = app.test_client()
    now = int(clock.now().timestamp())
    old_style = jwt.encode({"iss": ISSUER, "sub": "admin", "roles": ["operator_admin"], "estates": ["*"], "cv": 0,
                            "iat": now, "exp": now + 3600, "jti": "f" * 32}, JWT_SECRET, algorithm="HS256")
    body = contract.check(app, refresh(client, old_style), 200)
    claims = decode(body["access_token"])
    assert claims["auth_time"] == now and claims["sid"] == "f" * 32
    assert client.delete("/api/v1/auth/token", headers=bearer(body["access_token"])).status_code == 204
    assert client.get(PROTECTED, headers=bearer(old_style)).status_code == 401, "its sign-out ends the old one"


def test_two_sign_outs_at_once_each_end_their_own_sign_in(app, client, accounts, user, monkeypatch):
    """The map of ended sign-ins was written over as read: a sign-out that read the user before
    another's write kept that other sign-in alive (review). Here the second reads the user as it
    was before the first's write."""
    from gateway import store as gateway_store
    username, desk = user()
    phone = accounts.token(username, USER_PASSWORD)
    db = app.extensions["estate_ops"].db
    before = gateway_store.find_user(db, username)
    assert client.delete("/api/v1/auth/token", headers=bearer(desk)).status_code == 204
    monkeypatch.setattr(gateway_store, "find_user", lambda db_, name: before if name == username else None)
    assert client.delete("/api/v1/auth/token", headers=bearer(phone)).status_code == 204
    monkeypatch.undo()
    app.extensions["estate_ops"].user_cache.forget(username)
    for token in (desk, phone):
        assert client.get(PROTECTED, headers=bearer(token)).status_code == 401
