"""Accounts after sign-in: /users/me, PATCH /users/{id}, password changes, and the token
checked against the user's record on every call (the attacks of issue 11, item 2)."""
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from estate_common.errors import NotFound
from gateway import login_guard
from gateway.tokens import ISSUER

from .conftest import ADMIN_PASSWORD, JWT_SECRET, USER_PASSWORD, bearer

PROTECTED = "/api/v1/estates"  # admits every staff role; the fake archive answers it
ADMIN_ONLY = "/api/v1/users"


def patch_user(client, token, user_id, body):
    return client.patch(f"/api/v1/users/{user_id}", json=body, headers=bearer(token))


def change_password(client, token, current, new):
    return client.post("/api/v1/users/me/password", headers=bearer(token),
                       json={"current_password": current, "new_password": new})


def signed(claims):
    now = int(datetime.now(timezone.utc).timestamp())
    return jwt.encode({"iss": ISSUER, "iat": now, "exp": now + 600, **claims}, JWT_SECRET, algorithm="HS256")


@pytest.fixture
def user(accounts, unique):
    """A fresh agent of estate A and its token."""
    def make(roles=("agent",), estates=("A",)):
        username = unique("acct")
        accounts.create(username, roles, estates)
        return username, accounts.token(username, USER_PASSWORD)
    return make


# -- the attacks ---------------------------------------------------------------------

@pytest.mark.parametrize("cv", [0, 1, 7])
def test_a_forged_admin_token_for_a_user_that_does_not_exist_is_401(app, client, rpc, contract, cv):
    """Someone who has the signing key (a leaked or published JWT_SECRET) still needs a real user."""
    token = signed({"sub": "ghost-operator", "roles": ["operator_admin"], "estates": ["*"], "cv": cv})
    for path in (PROTECTED, ADMIN_ONLY, "/api/v1/users/me"):
        contract.problem(client.get(path, headers=bearer(token)), 401, "unauthorized", app=app)
    contract.problem(patch_user(client, token, "admin", {"active": False}), 401, "unauthorized", app=app)
    assert rpc.calls == []


def test_a_token_claiming_more_roles_than_the_user_has_gets_the_stored_ones(client, rpc, user):
    """The claims are not trusted: a token signed with the key for a real agent but claiming
    operator_admin and every estate acts as that agent."""
    username, _ = user()
    token = signed({"sub": username, "roles": ["operator_admin"], "estates": ["*"], "cv": 0})
    assert client.get(ADMIN_ONLY, headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/estates/B", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/estates/A", headers=bearer(token)).status_code == 200
    assert rpc.only_call("archive", "get_estate").caller == {"user": username, "roles": ["agent"], "estates": ["A"]}


def test_a_deactivated_user_is_refused_on_the_next_call(app, client, contract, admin_token, user):
    username, token = user()
    assert client.get(PROTECTED, headers=bearer(token)).status_code == 200
    response = patch_user(client, admin_token, username, {"active": False})
    deactivated = contract.check(app, response, 200)
    assert deactivated["active"] is False and deactivated["deactivated_at"]  # when: the operator's list of leavers
    contract.problem(client.get(PROTECTED, headers=bearer(token)), 401, "unauthorized", app=app)
    assert client.post("/api/v1/auth/token", json={"username": username, "password": USER_PASSWORD}).status_code == 401
    # and back: the user signs in again; the token from before the deactivation stays void
    reactivated = patch_user(client, admin_token, username, {"active": True})
    assert reactivated.status_code == 200 and reactivated.get_json()["deactivated_at"] is None
    contract.problem(client.get(PROTECTED, headers=bearer(token)), 401, "unauthorized", app=app)
    fresh = client.post("/api/v1/auth/token", json={"username": username, "password": USER_PASSWORD})
    assert client.get(PROTECTED, headers=bearer(fresh.get_json()["access_token"])).status_code == 200


def test_a_role_change_applies_on_the_next_call(client, rpc, admin_token, user):
    username, token = user(roles=("agent",), estates=("A",))
    assert client.get(ADMIN_ONLY, headers=bearer(token)).status_code == 403
    assert patch_user(client, admin_token, username, {"roles": ["operator_admin"], "estate_ids": []}).status_code == 200
    assert client.get(ADMIN_ONLY, headers=bearer(token)).status_code == 200
    assert patch_user(client, admin_token, username, {"roles": ["technician"], "estate_ids": ["A"]}).status_code == 200
    assert client.get(ADMIN_ONLY, headers=bearer(token)).status_code == 403


def test_an_estate_change_applies_on_the_next_call(client, admin_token, user):
    username, token = user(estates=("A",))
    assert client.get("/api/v1/estates/A", headers=bearer(token)).status_code == 200
    assert patch_user(client, admin_token, username, {"estate_ids": ["B"]}).status_code == 200
    assert client.get("/api/v1/estates/A", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/estates/B", headers=bearer(token)).status_code == 200


def test_a_password_change_voids_every_older_token(app, client, contract, user):
    username, first = user()
    second = client.post("/api/v1/auth/token", json={"username": username, "password": USER_PASSWORD}).get_json()
    response = change_password(client, first, USER_PASSWORD, "a-new-password-of-mine")
    fresh = contract.check(app, response, 200)["access_token"]
    for old in (first, second["access_token"]):
        contract.problem(client.get(PROTECTED, headers=bearer(old)), 401, "unauthorized", app=app)
    assert client.get(PROTECTED, headers=bearer(fresh)).status_code == 200
    sign_in = client.post("/api/v1/auth/token", json={"username": username, "password": USER_PASSWORD})
    assert sign_in.status_code == 401
    sign_in = client.post("/api/v1/auth/token", json={"username": username, "password": "a-new-password-of-mine"})
    assert sign_in.status_code == 200


def test_other_gateway_processes_see_a_change_within_the_cache_time(make_app, make_accounts):
    """Two apps on one store stand for two replicas: the one that did not make the change
    refuses the deactivated user once its cache entry is older than USER_CACHE_SECONDS."""
    import time
    first = make_app(user_cache_seconds=0.3)
    accounts = make_accounts(first)
    accounts.create("replica-agent", ["agent"], ["A"])
    token = accounts.token("replica-agent", USER_PASSWORD)
    second = make_app(user_cache_seconds=0.3)
    second.extensions["estate_ops"].db = first.extensions["estate_ops"].db
    second.extensions["estate_ops"].user_cache.db = first.extensions["estate_ops"].db
    assert second.test_client().get(PROTECTED, headers=bearer(token)).status_code == 200
    assert patch_user(first.test_client(), accounts.admin, "replica-agent", {"active": False}).status_code == 200
    time.sleep(0.35)
    assert second.test_client().get(PROTECTED, headers=bearer(token)).status_code == 401


# -- GET /api/v1/users/me --------------------------------------------------------------

def test_me_shows_the_callers_own_account(app, client, contract, user):
    username, token = user(roles=("steward", "agent"), estates=("A", "B"))
    body = contract.check(app, client.get("/api/v1/users/me", headers=bearer(token)), 200)
    assert body["id"] == username and body["roles"] == ["steward", "agent"] and body["estate_ids"] == ["A", "B"]
    assert not {"password", "password_hash"} & set(body) and "argon2" not in str(body)


def test_me_needs_a_token(app, client, contract):
    contract.problem(client.get("/api/v1/users/me"), 401, "unauthorized", app=app)


# -- PATCH /api/v1/users/{id} -----------------------------------------------------------

def test_patch_changes_only_the_given_fields(app, client, contract, admin_token, user):
    username, _ = user(roles=("agent",), estates=("A",))
    body = contract.check(app, patch_user(client, admin_token, username, {"estate_ids": ["A", "B"]}), 200)
    assert body["roles"] == ["agent"] and body["estate_ids"] == ["A", "B"] and body["active"] is True
    stored = app.extensions["estate_ops"].db.users.find_one({"_id": username})
    assert stored["password_hash"].startswith("$argon2id$")


@pytest.mark.parametrize("body, field", [
    ({}, "(body)"),
    ({"roles": []}, "roles"),
    ({"roles": ["overlord"]}, "roles[0]"),
    ({"estate_ids": ["*"]}, "estate_ids[0]"),
    ({"active": "no"}, "active"),
    ({"password": "a-new-password-1"}, "password"),
    ({"username": "renamed"}, "username"),
])
def test_bad_patch_is_400(app, client, contract, admin_token, user, body, field):
    username, _ = user()
    response = patch_user(client, admin_token, username, body)
    problem = contract.problem(response, 400, "invalid_input", app=app)
    if field != "(body)":
        assert field in [e["field"] for e in problem.get("errors", [])], problem


def test_patch_of_an_unknown_user_is_404(app, client, contract, admin_token):
    contract.problem(patch_user(client, admin_token, "nobody-at-all", {"active": False}), 404, "not_found", app=app)


def test_patch_with_an_unknown_estate_is_422(app, client, rpc, contract, admin_token, user):
    username, _ = user()
    rpc.answer("archive", "get_estate", NotFound("no such estate"))
    response = patch_user(client, admin_token, username, {"estate_ids": ["GHOST"]})
    contract.problem(response, 422, "business_rule", fields=["estate_ids[0]"], app=app)


@pytest.mark.parametrize("body, field", [({"active": False}, "active"), ({"roles": ["manager"]}, "roles")])
def test_an_admin_cannot_lock_themselves_out(app, client, contract, admin_token, body, field):
    response = patch_user(client, admin_token, "admin", body)
    contract.problem(response, 422, "business_rule", fields=[field], app=app)
    assert client.get(ADMIN_ONLY, headers=bearer(admin_token)).status_code == 200


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_only_the_operator_admin_patches_users(app, client, contract, user, role):
    target, _ = user()
    _, token = user(roles=(role,))
    contract.problem(patch_user(client, token, target, {"roles": ["operator_admin"]}), 403, "forbidden", app=app)
    assert app.extensions["estate_ops"].db.users.find_one({"_id": target})["roles"] == ["agent"]


# -- POST /api/v1/users/me/password ------------------------------------------------------

def test_a_wrong_current_password_is_422_and_changes_nothing(app, client, contract, user):
    username, token = user()
    response = change_password(client, token, "not-my-password", "a-new-password-of-mine")
    contract.problem(response, 422, "business_rule", fields=["current_password"], app=app)
    assert client.get(PROTECTED, headers=bearer(token)).status_code == 200


def test_a_new_password_of_too_few_different_characters_is_422_and_changes_nothing(app, client, contract, user):
    username, token = user()
    response = change_password(client, token, USER_PASSWORD, "zzzzzzzzzzzzzz")
    contract.problem(response, 422, "business_rule", fields=["new_password"], app=app)
    assert client.get(PROTECTED, headers=bearer(token)).status_code == 200  # tokens stand: nothing changed


def test_a_new_password_a_guess_tries_first_is_422_and_changes_nothing(app, client, contract, user):
    username, token = user()
    response = change_password(client, token, USER_PASSWORD, "qwerty-123456")
    problem = contract.problem(response, 422, "business_rule", fields=["new_password"], app=app)
    assert "a guess tries" in problem["detail"]
    assert client.get(PROTECTED, headers=bearer(token)).status_code == 200


def test_guessing_the_current_password_meets_the_sign_in_s_limits(app, client, contract, user):
    """A stolen token is no way round the sign-in's lock: each wrong current password is a
    failed sign-in of the user from that address (40 guesses were all answered 422 before)."""
    username, token = user()
    for _ in range(login_guard.MAX_FAILURES):
        contract.problem(change_password(client, token, "a-guess-of-the-thief", "a-new-password-of-mine"), 422,
                         "business_rule", app=app)
    response = change_password(client, token, USER_PASSWORD, "a-new-password-of-mine")  # the right one, too late
    contract.problem(response, 429, app=app)
    assert int(response.headers["Retry-After"]) > 0
    assert client.post("/api/v1/auth/token", json={"username": username, "password": USER_PASSWORD}).status_code == 429
    assert client.get(PROTECTED, headers=bearer(token)).status_code == 200  # nothing changed


def test_a_password_change_waits_for_a_hashing_slot(app, client, contract, user, monkeypatch):
    _, token = user()
    monkeypatch.setattr(login_guard, "HASH_WAIT_SECONDS", 0.05)
    taken = [login_guard._hash_slots.acquire() for _ in range(login_guard.MAX_CONCURRENT_HASHES)]
    try:
        response = change_password(client, token, USER_PASSWORD, "a-new-password-of-mine")
    finally:
        for _ in taken:
            login_guard._hash_slots.release()
    contract.problem(response, 429, app=app)
    assert change_password(client, token, USER_PASSWORD, "a-new-password-of-mine").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"current_password": USER_PASSWORD, "new_password": "short-pass1"}, "new_password"),  # 11 characters
    ({"current_password": USER_PASSWORD}, "new_password"),
    ({"new_password": "a-new-password-of-mine"}, "current_password"),
    ({"current_password": USER_PASSWORD, "new_password": "a-new-password-of-mine", "user": "admin"}, "user"),
])
def test_bad_password_change_is_400(app, client, contract, user, body, field):
    _, token = user()
    response = client.post("/api/v1/users/me/password", json=body, headers=bearer(token))
    contract.problem(response, 400, "invalid_input", fields=[field], app=app)


def test_a_change_that_another_change_overtook_is_a_409_and_sets_nothing(app, client, contract, user, monkeypatch):
    """Four changes sent at once with the same current password were each answered 200, and only
    the last one's new password signed in (found by a concurrency probe): the other request's
    change lands while this one hashes its new password."""
    from gateway import users
    username, token = user()
    db, hash_password = app.extensions["estate_ops"].db, users.passwords.hash_password

    def overtaken(password):
        db.users.update_one({"_id": username}, {"$set": {"password_hash": hash_password("the-other-requests-one")}})
        return hash_password(password)
    monkeypatch.setattr(users.passwords, "hash_password", overtaken)
    response = change_password(client, token, USER_PASSWORD, "a-new-password-of-mine")
    contract.problem(response, 409, "conflict", fields=["current_password"], app=app)
    monkeypatch.setattr(users.passwords, "hash_password", hash_password)
    signs_in = [client.post("/api/v1/auth/token", json={"username": username, "password": password}).status_code
                for password in ("the-other-requests-one", "a-new-password-of-mine")]
    assert signs_in == [200, 401]


def test_the_new_password_must_differ(app, client, contract, user):
    _, token = user()
    response = change_password(client, token, USER_PASSWORD, USER_PASSWORD)
    contract.problem(response, 422, "business_rule", fields=["new_password"], app=app)


def test_the_admin_changes_its_own_password(make_app, make_accounts):
    app = make_app()
    client = app.test_client()
    token = make_accounts(app).admin
    assert change_password(client, token, ADMIN_PASSWORD, "the-boss-new-passphrase").status_code == 200
    assert client.post("/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 401


def test_signing_a_token_out_ends_that_token_only(app, client, contract, accounts, user):
    """The console's sign-out: before, a copy of its session (which holds the token) kept working
    after the user signed out, until the token expired (found by review)."""
    username, token = user()
    other = accounts.token(username, USER_PASSWORD)  # the same user on another device
    answer = client.delete("/api/v1/auth/token", headers=bearer(token))
    assert answer.status_code == 204 and answer.data == b""
    contract.problem(client.get(PROTECTED, headers=bearer(token)), 401, "unauthorized", app=app)
    assert client.get(PROTECTED, headers=bearer(other)).status_code == 200
    again = accounts.token(username, USER_PASSWORD)
    assert client.delete("/api/v1/auth/token", headers=bearer(other)).status_code == 204
    assert client.get(PROTECTED, headers=bearer(again)).status_code == 200  # each one by itself
    kept = app.extensions["estate_ops"].db.users.find_one({"_id": username})["signed_out_tokens"]
    assert len(kept) == 2 and all(isinstance(exp, int) for exp in kept.values())
    contract.problem(client.delete("/api/v1/auth/token"), 401, "unauthorized", app=app)


def test_an_account_named_portal_stored_before_the_name_was_reserved_is_refused(app, client, contract):
    """The owner portal's callers carry the name on the bus; an account created before it was
    reserved neither signs in nor acts with a token it holds (found by review)."""
    from gateway import passwords
    db = app.extensions["estate_ops"].db
    db.users.insert_one({"_id": "portal", "username": "portal", "password_hash": passwords.hash_password(USER_PASSWORD),
                         "roles": ["agent"], "estate_ids": ["A"], "active": True, "credential_version": 0,
                         "created_at": "2026-01-01T00:00:00.000Z"})
    sign_in = client.post("/api/v1/auth/token", json={"username": "portal", "password": USER_PASSWORD})
    contract.problem(sign_in, 401, "unauthorized", app=app)
    token = signed({"sub": "portal", "roles": ["agent"], "estates": ["A"], "cv": 0})
    contract.problem(client.get(PROTECTED, headers=bearer(token)), 401, "unauthorized", app=app)


def test_reactivating_an_account_also_ends_the_tokens_it_had(app, client, admin_token, user):
    """An account deactivated before deactivations moved the credentials on: its reactivation does."""
    username, token = user()
    app.extensions["estate_ops"].db.users.update_one({"_id": username}, {"$set": {"active": False}})  # the old way
    app.extensions["estate_ops"].user_cache.forget(username)
    assert patch_user(client, admin_token, username, {"active": True}).status_code == 200
    assert client.get(PROTECTED, headers=bearer(token)).status_code == 401


# -- POST /api/v1/users/{id}/password: an operator admin resets a forgotten password ---------------

TEMPORARY = "a-temporary-one-from-admin"


def reset_password(client, token, user_id, new):
    return client.post(f"/api/v1/users/{user_id}/password", headers=bearer(token), json={"new_password": new})


def test_a_reset_password_signs_in_and_must_be_changed_before_anything_else(app, client, contract, admin_token,
                                                                             user):
    username, old_token = user()
    body = contract.check(app, reset_password(client, admin_token, username, TEMPORARY), 200)
    assert body["id"] == username and body["password_change_required"] is True
    contract.problem(client.get(PROTECTED, headers=bearer(old_token)), 401, "unauthorized", app=app)
    assert client.post("/api/v1/auth/token", json={"username": username, "password": USER_PASSWORD}).status_code == 401

    issued = contract.check(app, client.post("/api/v1/auth/token",
                                             json={"username": username, "password": TEMPORARY}), 200)
    assert issued["password_change_required"] is True
    temporary = issued["access_token"]
    # the admin knows this password: it opens the account itself, nothing else
    problem = contract.problem(client.get(PROTECTED, headers=bearer(temporary)), 403, "password_change_required",
                               app=app)
    assert "/api/v1/users/me/password" in problem["detail"]
    me = contract.check(app, client.get("/api/v1/users/me", headers=bearer(temporary)), 200)
    assert me["password_change_required"] is True

    fresh = contract.check(app, change_password(client, temporary, TEMPORARY, "now-one-only-i-know"), 200)
    assert "password_change_required" not in fresh
    assert client.get(PROTECTED, headers=bearer(fresh["access_token"])).status_code == 200
    assert contract.check(app, client.get("/api/v1/users/me", headers=bearer(fresh["access_token"])),
                          200)["password_change_required"] is False


def test_a_reset_ends_the_users_lock_out(app, client, contract, admin_token, user):
    """The user who forgot the password has usually guessed at it until locked out."""
    username, _ = user()
    for _ in range(login_guard.MAX_FAILURES):
        client.post("/api/v1/auth/token", json={"username": username, "password": "is-it-this-one"})
    locked = client.post("/api/v1/auth/token", json={"username": username, "password": USER_PASSWORD})
    contract.problem(locked, 429, app=app)
    contract.check(app, reset_password(client, admin_token, username, TEMPORARY), 200)
    assert client.post("/api/v1/auth/token", json={"username": username, "password": TEMPORARY}).status_code == 200


def test_an_admin_changes_its_own_password_with_the_current_one_not_by_a_reset(app, client, contract, admin_token):
    contract.problem(reset_password(client, admin_token, "admin", TEMPORARY), 422, "business_rule",
                     fields=["new_password"], app=app)
    assert client.post("/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 200


def test_a_reset_refuses_a_weak_password_and_an_unknown_user(app, client, contract, admin_token, user):
    username, token = user()
    contract.problem(reset_password(client, admin_token, username, "123456789012"), 422, "business_rule",
                     fields=["new_password"], app=app)
    assert client.get(PROTECTED, headers=bearer(token)).status_code == 200  # nothing changed
    contract.problem(reset_password(client, admin_token, "nobody-here", TEMPORARY), 404, "not_found", app=app)
    contract.problem(client.post(f"/api/v1/users/{username}/password", headers=bearer(admin_token), json={}),
                     400, "invalid_input", fields=["new_password"], app=app)


@pytest.mark.parametrize("role", ["manager", "agent", "accountant"])
def test_only_the_operator_admin_resets_passwords(app, client, contract, user, role):
    victim, victim_token = user()
    _, token = user(roles=(role,))
    contract.problem(reset_password(client, token, victim, TEMPORARY), 403, "forbidden", app=app)
    assert client.get(PROTECTED, headers=bearer(victim_token)).status_code == 200


def test_make_admin_reset_clears_a_required_change(make_app, make_accounts):
    from gateway import users
    app = make_app()
    accounts = make_accounts(app)
    db = app.extensions["estate_ops"].db
    db.users.update_one({"_id": "admin"}, {"$set": {"password_change_required": True, "roles": ["manager"],
                                                    "estate_ids": ["E1"]}})  # demoted to a manager of E1
    users.reset_admin(db, ADMIN_PASSWORD)
    admin = db.users.find_one({"_id": "admin"})
    assert users.must_change_password(admin) is False
    assert (admin["roles"], admin["estate_ids"]) == (["operator_admin"], [])  # no estates: the rule (review)
    assert admin["memberships"][-1]["roles"] == ["operator_admin"]
    assert accounts.token("admin", ADMIN_PASSWORD)


def test_make_admin_reset_and_a_patch_at_once_are_written_one_over_the_other(make_app, make_accounts, monkeypatch):
    """``make admin-reset`` wrote its spans without moving the revision: a PATCH that read the
    admin before the reset wrote its own over the reset's, here a demoted admin's estates beside
    the restored operator admin role (review). Now the PATCH reads the reset admin again (and is
    refused: an operator admin names no estate), and a reset overtaken by a PATCH reads again."""
    from gateway import memberships, store as gateway_store, users
    app = make_app()
    accounts = make_accounts(app)
    db = app.extensions["estate_ops"].db
    accounts.create("boss", ["operator_admin"], [])
    boss = accounts.token("boss", USER_PASSWORD)
    client = app.test_client()
    assert patch_user(client, boss, "admin", {"roles": ["manager"], "estate_ids": ["E1"]}).status_code == 200
    real_change, raced = gateway_store.change_user, []

    def reset_then_change(db_, user_id, *args, **kwargs):
        if user_id == "admin" and not raced:  # the reset runs between the PATCH's read and its write
            raced.append(True)
            users.reset_admin(db_, ADMIN_PASSWORD)
        return real_change(db_, user_id, *args, **kwargs)

    monkeypatch.setattr(gateway_store, "change_user", reset_then_change)
    refused = patch_user(client, boss, "admin", {"estate_ids": ["E2"]})
    assert refused.status_code == 422, refused.get_json()
    admin = db.users.find_one({"_id": "admin"})
    assert (admin["roles"], admin["estate_ids"], admin["revision"]) == (["operator_admin"], [], 2)
    assert [(s["roles"], s["estate_ids"]) for s in memberships.spans(admin)][-1] == (["operator_admin"], [])

    raced.clear()
    monkeypatch.setattr(gateway_store, "change_user", real_change)
    assert patch_user(client, boss, "admin", {"active": False}).status_code == 200

    def patched_then_change(db_, user_id, *args, **kwargs):
        if user_id == "admin" and not raced:  # a PATCH moves the admin between the reset's read and write
            raced.append(True)
            users.update(db_, app.extensions["estate_ops"].user_cache, "boss", "admin",
                         {"roles": ["manager"], "estate_ids": ["E3"]})
        return real_change(db_, user_id, *args, **kwargs)

    monkeypatch.setattr(gateway_store, "change_user", patched_then_change)
    assert users.reset_admin(db, ADMIN_PASSWORD) is False
    admin = db.users.find_one({"_id": "admin"})
    assert (admin["active"], admin["roles"], admin["estate_ids"], admin["revision"]) == (
        True, ["operator_admin"], [], 5)
    # the spans have the PATCH's move (written while the admin was inactive: none) and the reset's
    assert [(s["roles"], s["estate_ids"], s["left"]) for s in memberships.spans(admin)][-2:] == [
        (["operator_admin"], [], True), (["operator_admin"], [], False)]
    assert accounts.token("admin", ADMIN_PASSWORD)


def test_a_change_that_another_overtook_is_made_over_it_not_beside_it(app, client, admin_token, user, monkeypatch):
    """Two changes at once each wrote their spans over the other's: a deactivation beside a move
    left a departure never counted (found by review)."""
    from gateway import memberships, store as gateway_store, users
    username, _ = user()
    db = app.extensions["estate_ops"].db
    real_change, raced = gateway_store.change_user, []

    def overtaken_then_change(db_, user_id, *args, **kwargs):
        # another admin moves the user between this change's read and its write (on the route's
        # first read, the existence check, the change read the moved user: nothing raced)
        if user_id == username and not raced:
            raced.append(True)
            users.update(db_, app.extensions["estate_ops"].user_cache, "admin", username, {"estate_ids": ["B"]})
        return real_change(db_, user_id, *args, **kwargs)

    monkeypatch.setattr(gateway_store, "change_user", overtaken_then_change)
    assert patch_user(client, admin_token, username, {"active": False}).status_code == 200
    stored = db.users.find_one({"_id": username})
    assert stored["active"] is False and stored["estate_ids"] == ["B"]
    assert [(s["estate_ids"], s["left"]) for s in memberships.spans(stored)] == [(["A"], False), (["B"], True)]


def test_two_operator_admins_deactivating_each_other_at_once_leave_one_of_them(make_app, make_accounts, monkeypatch):
    """Each PATCH read the other active, and each was written: no operator admin was left, where
    one after the other the second is refused (its account deactivated: found by a race probe).
    Before it takes an operator admin's standing, the actor's own is confirmed in the store and
    its record moved on, so that the other's write, decided on it as it was, is decided again."""
    from estate_common.errors import Conflict, Unauthorized
    from estate_common.testing import side_by_side
    from gateway import store as gateway_store, users
    app = make_app()
    accounts = make_accounts(app)
    db, cache = app.extensions["estate_ops"].db, app.extensions["estate_ops"].user_cache
    for name in ("ops-a", "ops-b"):
        accounts.create(name, ["operator_admin"], [])
    answers = side_by_side(monkeypatch, lambda: users.update(db, cache, "ops-a", "ops-b", {"active": False}),
                           lambda: users.update(db, cache, "ops-b", "ops-a", {"roles": ["manager"], "estate_ids": ["A"]}),
                           at=(gateway_store, "change_user"))  # each has read the other as it was
    standing = {name: (u["active"], u["roles"]) for name in ("ops-a", "ops-b") for u in [db.users.find_one({"_id": name})]}
    assert (True, ["operator_admin"]) in standing.values(), standing
    assert [error for _, error in answers if error is not None], answers  # one at least was refused
    assert all(isinstance(error, (Unauthorized, Conflict)) for _, error in answers if error is not None)


def test_the_estates_of_a_patch_are_checked_in_one_list_read_to_its_last_page(app, client, rpc, contract,
                                                                              admin_token, user):
    """An account's estates are asked of archive in one list of their ids, read page by page to its end
    (pinned as it folds into ``parallel.every_page``, h6): one found on the second page is known, one on
    none a 422 naming it."""
    username, _ = user()

    def pages(call):
        second = "cursor" in call.payload
        estate_id = "B" if second else "A"
        return {"items": [{"id": estate_id, "estate_id": estate_id, "code": f"E{estate_id}", "name": estate_id,
                           "address": "1", "created_at": "2026-01-01T00:00:00.000Z", "version": 1}],
                "next_cursor": None if second else "2026-01-01T00:00:00.000Z~A"}
    rpc.answer("archive", "list_estates", pages)
    response = patch_user(client, admin_token, username, {"estate_ids": ["GHOST", "B", "A"]})
    contract.problem(response, 422, "business_rule", fields=["estate_ids[0]"], app=app)
    asked = [call.payload for call in rpc.calls_to("archive", "list_estates")]
    assert asked == [{"filters": {"ids": ["A", "B", "GHOST"]}, "limit": 200},
                     {"filters": {"ids": ["A", "B", "GHOST"]}, "limit": 200, "cursor": "2026-01-01T00:00:00.000Z~A"}]
    rpc.calls.clear()
    assert patch_user(client, admin_token, username, {"estate_ids": ["B", "A"]}).status_code == 200
