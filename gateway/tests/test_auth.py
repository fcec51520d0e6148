"""POST /api/v1/auth/token, bearer tokens, and the operator admin's bootstrap."""
import base64
import json
import warnings
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from estate_common import clock
from gateway import users
from gateway.app import create_app
from gateway.tokens import ISSUER

ADMIN_PASSWORD = "operator-admin-secret-01"
JWT_SECRET = "x" * 40
PROTECTED = "/api/v1/estates"  # any route that needs a token; the fake archive answers it


def login(client, username="admin", password=ADMIN_PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def decode(token, secret=JWT_SECRET):
    return jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER)


# -- issuing ---------------------------------------------------------------------

def test_admin_password_gives_a_bearer_token(app, client, contract):
    response = login(client)
    body = contract.check(app, response, 200)
    assert response.mimetype == "application/json"
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].count(".") == 2


def test_admin_token_claims_carry_roles_and_every_estate(client):
    before = int(datetime.now(timezone.utc).timestamp())
    body = login(client).get_json()
    claims = decode(body["access_token"])
    assert claims["iss"] == "estate-ops"
    assert claims["sub"] == "admin"
    assert claims["roles"] == ["operator_admin"]
    assert claims["estates"] == ["*"]
    assert claims["exp"] - claims["iat"] == body["expires_in"]
    assert before - 5 <= claims["iat"] <= before + 5
    assert len(claims["jti"]) == 32


def test_staff_token_claims_carry_their_roles_and_estates(accounts, client):
    accounts.create("steward-claims", ["steward", "agent"], ["A", "B"])
    claims = decode(login(client, "steward-claims", "staff-password-0001").get_json()["access_token"])
    assert claims["sub"] == "steward-claims"
    assert claims["roles"] == ["steward", "agent"]
    assert claims["estates"] == ["A", "B"]


def test_token_ttl_comes_from_the_settings():
    app = create_app({"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET, "token_ttl_seconds": 60})
    body = login(app.test_client()).get_json()
    assert body["expires_in"] == 60
    claims = decode(body["access_token"])
    assert claims["exp"] - claims["iat"] == 60


def test_two_tokens_have_distinct_ids(client):
    first = decode(login(client).get_json()["access_token"])
    second = decode(login(client).get_json()["access_token"])
    assert first["jti"] != second["jti"]


@pytest.mark.parametrize("username, password", [
    ("admin", "not-the-admin-password"),
    ("admin", ADMIN_PASSWORD.upper()),
    ("nobody-here", ADMIN_PASSWORD),
    ("nobody-here", "estate-ops decoy password"),  # the decoy hash's own password
])
def test_wrong_password_or_unknown_user_is_401(app, client, contract, username, password):
    response = login(client, username, password)
    body = contract.problem(response, 401, "unauthorized", app=app)
    assert body["detail"] == "unknown username or wrong password"
    assert "access_token" not in body


def test_wrong_password_and_unknown_user_answer_alike(client):
    wrong_password = login(client, "admin", "not-the-admin-password").get_json()
    unknown_user = login(client, "nobody-here", "not-the-admin-password").get_json()
    del wrong_password["request_id"], unknown_user["request_id"]
    assert wrong_password == unknown_user


def test_inactive_user_cannot_sign_in(app, accounts, client):
    accounts.create("retired-agent", ["agent"], ["A"])
    assert login(client, "retired-agent", "staff-password-0001").status_code == 200
    app.extensions["estate_ops"].db.users.update_one({"_id": "retired-agent"}, {"$set": {"active": False}})
    assert login(client, "retired-agent", "staff-password-0001").status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"username": "admin"}, "password"),
    ({"password": ADMIN_PASSWORD}, "username"),
    ({"username": "admin", "password": ADMIN_PASSWORD, "remember_me": True}, "remember_me"),
    ({"username": "", "password": ADMIN_PASSWORD}, "username"),
    ({"username": "admin", "password": 12345678}, "password"),
    ({"username": "a" * 65, "password": ADMIN_PASSWORD}, "username"),
])
def test_bad_token_request_body_is_400_naming_the_field(app, client, contract, body, field):
    response = client.post("/api/v1/auth/token", json=body)
    problem = contract.problem(response, 400, "invalid_input", fields=[field], app=app)
    assert field in problem["detail"]


@pytest.mark.parametrize("data", ['{"username": "admin", ', "not json at all", "", "[1, 2]",
                                  '["admin", "x"]', '"admin"', "42", "null"])
def test_token_request_that_is_not_a_json_object_is_400(app, client, contract, data):
    response = client.post("/api/v1/auth/token", data=data, content_type="application/json")
    contract.problem(response, 400, "invalid_input", fields=["(body)"], app=app)


def test_token_request_as_form_data_is_415(app, client, contract):
    response = client.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    contract.problem(response, 415, "unsupported_media_type")


# -- reading -----------------------------------------------------------------------

def test_a_valid_token_is_accepted_and_becomes_the_caller(client, rpc):
    token = login(client).get_json()["access_token"]
    response = client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert rpc.only_call("archive", "list_estates").caller == {
        "user": "admin", "roles": ["operator_admin"], "estates": ["*"]}


def test_the_bearer_scheme_is_read_in_any_case(client, rpc, contract):
    """HTTP's auth schemes are case-insensitive: a client sending 'bearer' got a 401 (found by review)."""
    token = login(client).get_json()["access_token"]
    for scheme in ("bearer", "BEARER", "Bearer"):
        assert client.get(PROTECTED, headers={"Authorization": f"{scheme} {token}"}).status_code == 200
    for header in ("Basic abc", "Bearer", "Bearer ", token):
        contract.problem(client.get(PROTECTED, headers={"Authorization": header}), 401)


def _flip(char):
    return "A" if char != "A" else "B"


def test_tampered_signature_is_401(app, client, contract, rpc):
    token = login(client).get_json()["access_token"]
    head, payload, signature = token.split(".")
    middle = len(signature) // 2  # the last character may carry only padding bits
    tampered = ".".join([head, payload, signature[:middle] + _flip(signature[middle]) + signature[middle + 1:]])
    response = client.get(PROTECTED, headers={"Authorization": f"Bearer {tampered}"})
    body = contract.problem(response, 401, "unauthorized", app=app)
    assert body["detail"] == "the token is not valid"
    assert rpc.calls == []


def test_tampered_claims_are_401(client, contract, rpc):
    """An agent token whose payload was edited to claim operator_admin keeps its old signature."""
    token = login(client).get_json()["access_token"]
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["estates"] = ["*", "B"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    response = client.get(PROTECTED, headers={"Authorization": f"Bearer {head}.{forged}.{signature}"})
    contract.problem(response, 401, "unauthorized")
    assert rpc.calls == []


def _claims(**overrides):
    now = int(datetime.now(timezone.utc).timestamp())
    claims = {"iss": ISSUER, "sub": "admin", "roles": ["operator_admin"], "estates": ["*"], "cv": 0,
              "iat": now, "exp": now + 600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _hs512_token():
    with warnings.catch_warnings():  # PyJWT warns that 40 bytes is short for HS512; that is not the point here
        warnings.simplefilter("ignore")
        return jwt.encode(_claims(), JWT_SECRET, algorithm="HS512")


@pytest.mark.parametrize("token", [
    pytest.param(jwt.encode(_claims(), "y" * 40, algorithm="HS256"), id="another-secret"),
    pytest.param(_hs512_token(), id="another-algorithm"),
    pytest.param(jwt.encode(_claims(), None, algorithm="none"), id="alg-none"),
    pytest.param(jwt.encode(_claims(iss="someone-else"), JWT_SECRET, algorithm="HS256"), id="another-issuer"),
    pytest.param(jwt.encode(_claims(exp=None), JWT_SECRET, algorithm="HS256"), id="no-exp"),
    pytest.param(jwt.encode(_claims(sub=None), JWT_SECRET, algorithm="HS256"), id="no-sub"),
    pytest.param(jwt.encode(_claims(roles=None), JWT_SECRET, algorithm="HS256"), id="no-roles"),
    pytest.param(jwt.encode(_claims(estates="*"), JWT_SECRET, algorithm="HS256"), id="estates-not-a-list"),
    pytest.param(jwt.encode(_claims(cv=None), JWT_SECRET, algorithm="HS256"), id="no-credential-version"),
    pytest.param(jwt.encode(_claims(cv=1), JWT_SECRET, algorithm="HS256"), id="newer-credential-version"),
    pytest.param(jwt.encode(_claims(sub="ghost-admin"), JWT_SECRET, algorithm="HS256"), id="no-such-user"),
    pytest.param(jwt.encode(_claims(sub=["admin"]), JWT_SECRET, algorithm="HS256"), id="sub-not-a-string"),
    pytest.param("not.a.token", id="garbage"),
    pytest.param("", id="empty"),
])
def test_forged_or_malformed_tokens_are_401(client, contract, rpc, token):
    response = client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    contract.problem(response, 401, "unauthorized")
    assert rpc.calls == []


def test_a_hand_made_token_with_the_right_secret_is_accepted(client, rpc):
    """The control for the forged-token cases above: the same claims, properly signed, pass."""
    token = jwt.encode(_claims(), JWT_SECRET, algorithm="HS256")
    assert client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert len(rpc.calls) == 1


@pytest.mark.parametrize("headers", [
    pytest.param({}, id="missing"),
    pytest.param({"Authorization": ""}, id="empty"),
    pytest.param({"Authorization": "Bearer"}, id="no-token"),
    pytest.param({"Authorization": "Basic YWRtaW46cGFzc3dvcmQ="}, id="basic"),
    pytest.param({"Authorization": "Token abc.def.ghi"}, id="other-scheme"),
])
def test_missing_or_malformed_authorization_header_is_401(app, client, contract, rpc, headers):
    response = client.get(PROTECTED, headers=headers)
    body = contract.problem(response, 401, "unauthorized", app=app)
    if "Authorization" not in headers or not headers["Authorization"].startswith("Bearer"):
        assert body["detail"] == "a Bearer token (Authorization) or an API key (X-API-Key) is required"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="estate-ops"'  # RFC 9110 (a probe)
    assert rpc.calls == []


def test_token_issued_two_hours_ago_has_expired(app, client, contract, rpc):
    clock.freeze(datetime.now(timezone.utc) - timedelta(hours=2))
    token = login(client).get_json()["access_token"]
    clock.reset()
    response = client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    body = contract.problem(response, 401, "unauthorized", app=app)
    assert body["detail"] == "the token has expired"
    assert rpc.calls == []


def test_token_expires_when_the_system_clock_passes_its_exp(client, rpc):
    """Tokens are stamped with ``estate_common.clock`` (iat/exp), so they must expire by it too."""
    token = login(client).get_json()["access_token"]
    assert client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    clock.advance(timedelta(seconds=3600 + 60))
    response = client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, "a token past its exp (by the system clock) is still accepted"
    assert response.get_json()["detail"] == "the token has expired"


def test_a_token_is_verified_once_and_its_expiry_still_checked_on_every_request(app, client, rpc, monkeypatch):
    """The verified claims are kept per token (PyJWT's decode was a fifth of a request's CPU);
    the expiry is compared with the clock on each request all the same."""
    token = login(client).get_json()["access_token"]
    decoded = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: decoded.append(1) or real_decode(*a, **k))
    for _ in range(3):
        assert client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert len(decoded) == 1, "the same token was verified again"
    clock.advance(timedelta(seconds=3600 + 60))
    response = client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.get_json()["detail"] == "the token has expired"


def test_a_tampered_copy_of_a_verified_token_is_still_401(client, rpc):
    token = login(client).get_json()["access_token"]
    assert client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    tampered = token[:-1] + _flip(token[-1])
    assert client.get(PROTECTED, headers={"Authorization": f"Bearer {tampered}"}).status_code == 401


def test_the_verified_tokens_kept_are_bounded(app, monkeypatch):
    from gateway import tokens
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 3)
    issuer = tokens.TokenIssuer(JWT_SECRET, 3600)
    issued = [issuer.issue(f"user{n}", ["manager"], ["*"], 1) for n in range(5)]
    for token in issued:
        assert issuer.read(f"Bearer {token}")["sub"].startswith("user")
    assert list(issuer._verified) == issued[2:], "the oldest verified tokens are dropped first"


def test_the_claims_read_are_the_callers_own_copy(app):
    from gateway import tokens
    issuer = tokens.TokenIssuer(JWT_SECRET, 3600)
    token = issuer.issue("someone", ["manager"], ["*"], 1)
    issuer.read(f"Bearer {token}")["sub"] = "someone-else"
    assert issuer.read(f"Bearer {token}")["sub"] == "someone"


# -- the operator admin's bootstrap ---------------------------------------------

@pytest.mark.parametrize("password", ["", None])
def test_create_app_without_admin_password_refuses_to_start(monkeypatch, password):
    monkeypatch.delenv("ESTATE_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    overrides = {"jwt_secret": JWT_SECRET} if password is None else {"admin_password": password}
    with pytest.raises(RuntimeError, match="ESTATE_ADMIN_PASSWORD"):
        create_app(overrides)


@pytest.mark.parametrize("secret", ["", "x" * 31, "short"])
def test_create_app_with_a_short_jwt_secret_refuses_to_start(monkeypatch, secret):
    monkeypatch.delenv("JWT_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="JWT_SECRET"):
        create_app({"admin_password": ADMIN_PASSWORD, "jwt_secret": secret})


def test_create_app_reads_its_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("ESTATE_ADMIN_PASSWORD", "from-the-environment-1")
    monkeypatch.setenv("JWT_SECRET", "e" * 32)
    monkeypatch.setenv("TOKEN_TTL_SECONDS", "120")
    client = create_app().test_client()
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 401
    body = login(client, "admin", "from-the-environment-1").get_json()
    assert body["expires_in"] == 120
    assert decode(body["access_token"], "e" * 32)["sub"] == "admin"


def test_each_app_has_its_own_store():
    first = create_app({"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET})
    second = create_app({"admin_password": "another-admin-pass-02", "jwt_secret": JWT_SECRET})
    assert first.extensions["estate_ops"].db is not second.extensions["estate_ops"].db
    assert login(first.test_client()).status_code == 200
    assert login(second.test_client()).status_code == 401
    assert login(second.test_client(), "admin", "another-admin-pass-02").status_code == 200


def test_ensure_admin_creates_the_admin_once_and_never_resets_it():
    """A restart with another ESTATE_ADMIN_PASSWORD must not undo a password changed through
    the API, nor re-enable an admin deactivated on purpose: only ``reset_admin`` does."""
    app = create_app({"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET})
    client = app.test_client()
    db = app.extensions["estate_ops"].db
    before = db.users.find_one({"_id": "admin"})

    users.ensure_admin(db, "a-brand-new-admin-pass")
    assert db.users.find_one({"_id": "admin"}) == before
    assert login(client, "admin", "a-brand-new-admin-pass").status_code == 401
    assert login(client).status_code == 200

    db.users.update_one({"_id": "admin"}, {"$set": {"active": False, "roles": ["agent"]}})
    users.ensure_admin(db, ADMIN_PASSWORD)
    assert login(client).status_code == 401, "ensure_admin re-enabled a deactivated admin"


def test_reset_admin_restores_a_disabled_admin_with_a_new_password():
    app = create_app({"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET})
    client = app.test_client()
    db = app.extensions["estate_ops"].db
    old_token = login(client).get_json()["access_token"]
    db.users.update_one({"_id": "admin"}, {"$set": {"active": False, "roles": ["agent"]}})

    assert users.reset_admin(db, "a-brand-new-admin-pass") is False

    response = login(client, "admin", "a-brand-new-admin-pass")
    assert response.status_code == 200
    assert decode(response.get_json()["access_token"])["roles"] == ["operator_admin"]
    assert login(client).status_code == 401
    assert db.users.count_documents({"_id": "admin"}) == 1
    assert "a-brand-new-admin-pass" not in str(db.users.find_one({"_id": "admin"}))
    # tokens issued before the reset are void (whoever held them)
    assert client.get(PROTECTED, headers={"Authorization": f"Bearer {old_token}"}).status_code == 401


def test_reset_admin_creates_a_missing_admin():
    app = create_app({"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET})
    db = app.extensions["estate_ops"].db
    db.users.delete_one({"_id": "admin"})
    assert users.reset_admin(db, "a-brand-new-admin-pass") is True
    assert login(app.test_client(), "admin", "a-brand-new-admin-pass").status_code == 200


def test_passwords_are_stored_as_argon2id_hashes(app):
    stored = app.extensions["estate_ops"].db.users.find_one({"_id": "admin"})
    assert stored["password_hash"].startswith("$argon2id$")
    assert ADMIN_PASSWORD not in stored["password_hash"]


@pytest.mark.parametrize("overrides, variable", [
    pytest.param({"jwt_secret": "CHANGE-ME-CHANGE-ME-CHANGE-ME-CHANGE-ME"}, "JWT_SECRET", id="jwt-placeholder"),
    pytest.param({"jwt_secret": "local-dev-only-jwt-secret-do-not-use-elsewhere"}, "JWT_SECRET",
                 id="jwt-compose-default"),
    pytest.param({"jwt_secret": "dev-only-jwt-secret-not-for-production"}, "JWT_SECRET", id="jwt-dev-overlay"),
    pytest.param({"admin_password": "CHANGE-ME"}, "ESTATE_ADMIN_PASSWORD", id="admin-placeholder"),
    pytest.param({"admin_password": "changeme-changeme"}, "ESTATE_ADMIN_PASSWORD", id="admin-placeholder-long"),
    pytest.param({"admin_password": "short-pass1"}, "ESTATE_ADMIN_PASSWORD", id="admin-11-characters"),
    pytest.param({"admin_password": "dev-only-admin-password"}, "ESTATE_ADMIN_PASSWORD", id="admin-dev-overlay"),
    pytest.param({"amqp_uri": "amqp://guest:guest@rabbitmq:5672/"}, "AMQP_URI", id="broker-guest-remote"),
    pytest.param({"amqp_uri": "amqp://estate:estate-local-only@rabbitmq:5672/"}, "AMQP_URI",
                 id="broker-compose-default"),
])
def test_create_app_refuses_a_guessable_secret(overrides, variable):
    settings = {"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET, **overrides}
    with pytest.raises(RuntimeError, match=variable) as refused:
        create_app(settings)
    for value in overrides.values():
        assert value not in str(refused.value)


def test_create_app_accepts_guest_on_a_local_broker():
    create_app({"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET,
                "amqp_uri": "amqp://guest:guest@127.0.0.1:5672/"})


def test_admin_reset_command(monkeypatch, capsys):
    """``make admin-reset``: needs MONGO_URI (the embedded store lives inside each gateway
    process) and a policy-proof ESTATE_ADMIN_PASSWORD; then resets the admin in that store."""
    from estate_common.common_store import embedded_database
    from gateway import admin_reset, store

    monkeypatch.delenv("MONGO_URI", raising=False)
    assert admin_reset.main() == 2
    assert "MONGO_URI" in capsys.readouterr().err

    db = embedded_database("gateway_admin_reset")
    monkeypatch.setattr(admin_reset.config, "mongo_uri", lambda: "mongodb://mongo.example:27017/")
    monkeypatch.setattr(store, "connect", lambda: db)
    monkeypatch.setenv("ESTATE_ADMIN_PASSWORD", "CHANGE-ME")
    assert admin_reset.main() == 2
    assert "ESTATE_ADMIN_PASSWORD" in capsys.readouterr().err
    assert db.users.find_one({"_id": "admin"}) is None

    monkeypatch.setenv("ESTATE_ADMIN_PASSWORD", "reset-admin-password-1")
    assert admin_reset.main() == 0
    users.ensure_admin(db, "another-admin-password")  # a later start changes nothing
    assert passwords_verify(db, "reset-admin-password-1")
    db.users.update_one({"_id": "admin"}, {"$set": {"active": False}})
    assert admin_reset.main() == 0
    assert db.users.find_one({"_id": "admin"})["active"] is True


def passwords_verify(db, password):
    from gateway import passwords
    return passwords.verify(db.users.find_one({"_id": "admin"})["password_hash"], password)


def test_admin_reset_command_overtaken_each_time_says_so(monkeypatch, capsys):
    """A reset that found the admin changed through the API each time it read it writes nothing
    and says so (exit 1), rather than a traceback."""
    from estate_common.common_store import embedded_database
    from gateway import admin_reset, store

    db = embedded_database("gateway_admin_reset_overtaken")
    users.create(db, "admin", "reset-admin-password-1", ["operator_admin"], [])
    monkeypatch.setattr(admin_reset.config, "mongo_uri", lambda: "mongodb://mongo.example:27017/")
    monkeypatch.setattr(store, "connect", lambda: db)
    monkeypatch.setenv("ESTATE_ADMIN_PASSWORD", "reset-admin-password-2")
    real_change = store.change_user

    def overtaken(db_, user_id, changes, *args, **kwargs):
        db_.users.update_one({"_id": user_id}, {"$inc": {"revision": 1}})  # a PATCH came first, each time
        return real_change(db_, user_id, changes, *args, **kwargs)

    monkeypatch.setattr(store, "change_user", overtaken)
    assert admin_reset.main() == 1
    assert "changed through the API meanwhile" in capsys.readouterr().err
    assert passwords_verify(db, "reset-admin-password-1")
