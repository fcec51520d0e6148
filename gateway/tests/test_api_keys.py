"""API keys: made by an operator admin and shown once, stored hashed, sent as ``X-API-Key``
with exactly the role and estate checks of a user, revoked from the next call on, their last
use recorded at most once a minute, and never in a log line."""
import hashlib
import logging
import re
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock
from estate_common.errors import NotFound
from estate_common.roles import HELD_WITH
from gateway import api_keys, policy
from gateway.routes import ROUTES

from .conftest import bearer
from .samples import example_body
from .test_access import fill, named

KEYS = "/api/v1/api-keys"
KEY_PATTERN = re.compile(r"ak_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}")
AGENT_ROUTE = "/api/v1/estates/A/service-requests"  # agents may list it (routes/customer_service.py)
MANAGERS_ONLY = "/api/v1/estates/A/settings/customer-service"


def make_key(client, admin_token, roles=("agent",), estate_ids=("A",), name="crm sync", headers=None, **more):
    return client.post(KEYS, headers={**bearer(admin_token), **(headers or {})},
                       json={"name": name, "roles": list(roles), "estate_ids": list(estate_ids), **more})


@pytest.fixture
def new_key(client, admin_token):
    """``new_key(**fields)``: ``(record as answered, key)`` of a fresh key."""
    def make(**fields):
        answer = make_key(client, admin_token, **fields)
        assert answer.status_code == 201, answer.get_json()
        body = answer.get_json()
        return body, body["key"]
    return make


def with_key(key):
    return {api_keys.HEADER: key}


def test_the_key_is_shown_once_and_stored_as_its_hash(app, client, contract, admin_token):
    answer = make_key(client, admin_token)
    body = contract.check(app, answer, 201)
    assert KEY_PATTERN.fullmatch(body["key"])
    assert body["id"] == body["key"].split(".")[0]
    assert (body["name"], body["roles"], body["estate_ids"]) == ("crm sync", ["agent"], ["A"])
    assert (body["created_by"], body["last_used_at"], body["revoked"], body["revoked_at"]) == ("admin", None, False, None)
    stored = app.extensions["estate_ops"].db.api_keys.find_one({"_id": body["id"]})
    assert stored["key_hash"] == hashlib.sha256(body["key"].encode()).hexdigest()
    assert body["key"] not in str(stored)

    listed = contract.check(app, client.get(KEYS + "?limit=200", headers=bearer(admin_token)), 200)
    mine = [item for item in listed["items"] if item["id"] == body["id"]]
    assert mine == [{k: v for k, v in body.items() if k != "key"}]
    secret = body["key"].split(".")[1]
    assert secret not in str(listed) and stored["key_hash"] not in str(listed)


def test_two_keys_are_different(new_key):
    assert new_key()[1] != new_key()[1]


def test_a_key_passes_the_same_role_and_estate_checks_as_a_user(client, rpc, contract, new_key):
    record, key = new_key(roles=("agent",), estate_ids=("A",))
    assert client.get(AGENT_ROUTE, headers=with_key(key)).status_code == 200
    call = rpc.only_call("customer_service", "list_requests")
    assert call.caller == {"user": f"apikey:{record['id']}", "roles": ["agent"], "estates": ["A"]}

    refused = contract.problem(client.get(MANAGERS_ONLY, headers=with_key(key)), 403, "forbidden")
    assert refused["detail"] == "your role may not do this: it is for manager or operator_admin"
    outside = contract.problem(client.get("/api/v1/estates/B/service-requests", headers=with_key(key)), 403)
    assert outside["detail"] == "this estate is outside your scope"
    for admin_only in ((client.get, KEYS), (client.get, "/api/v1/users")):
        contract.problem(admin_only[0](admin_only[1], headers=with_key(key)), 403, "forbidden")
    assert len(rpc.calls_to("customer_service", "list_requests")) == 1


def test_a_key_has_no_account_and_no_password(app, client, contract, new_key):
    _, key = new_key()
    contract.problem(client.get("/api/v1/users/me", headers=with_key(key)), 403, "forbidden", app=app)
    answer = client.post("/api/v1/users/me/password", headers=with_key(key),
                         json={"current_password": "x" * 12, "new_password": "y" * 12})
    contract.problem(answer, 403, "forbidden", app=app)


@pytest.mark.parametrize("mangle", [
    lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),   # the right id, a wrong secret
    lambda key: "ak_0000000000000000." + key.split(".")[1],  # an id that does not exist
    lambda key: key + "x",
    lambda key: "",
    lambda key: "not a key",
    lambda key: key.split(".")[0],
], ids=["wrong-secret", "unknown-id", "too-long", "empty", "garbage", "id-only"])
def test_a_wrong_key_is_401_and_says_no_more(app, client, rpc, contract, new_key, mangle):
    _, key = new_key()
    body = contract.problem(client.get(AGENT_ROUTE, headers=with_key(mangle(key))), 401, "unauthorized", app=app)
    assert body["detail"] == "the API key is not valid"
    assert rpc.calls_to("customer_service", "list_requests") == []


def test_a_token_and_a_key_together_are_refused(client, rpc, contract, admin_token, new_key):
    _, key = new_key()
    answer = client.get(AGENT_ROUTE, headers={**bearer(admin_token), **with_key(key)})
    contract.problem(answer, 401, "unauthorized")
    assert rpc.calls_to("customer_service", "list_requests") == []


def test_a_revoked_key_is_refused_on_its_next_call(app, client, contract, admin_token, new_key):
    record, key = new_key()
    assert client.get(AGENT_ROUTE, headers=with_key(key)).status_code == 200  # now in the cache
    answer = client.delete(f"{KEYS}/{record['id']}", headers=bearer(admin_token))
    revoked = contract.check(app, answer, 200)
    assert revoked["revoked"] is True and revoked["revoked_at"] is not None
    contract.problem(client.get(AGENT_ROUTE, headers=with_key(key)), 401, "unauthorized")
    again = contract.check(app, client.delete(f"{KEYS}/{record['id']}", headers=bearer(admin_token)), 200)
    assert again["revoked_at"] == revoked["revoked_at"]
    listed = client.get(KEYS + "?limit=200", headers=bearer(admin_token)).get_json()["items"]
    assert [item["revoked"] for item in listed if item["id"] == record["id"]] == [True]


def test_another_gateway_process_refuses_a_revoked_key_once_its_cache_entry_is_gone(make_app, make_accounts):
    first = make_app(user_cache_seconds=0)
    admin = make_accounts(first).admin
    second = make_app(user_cache_seconds=0)  # a replica on the same store
    state = second.extensions["estate_ops"]
    state.db = state.user_cache.db = state.key_cache.db = first.extensions["estate_ops"].db
    record, key = (lambda body: (body, body["key"]))(make_key(first.test_client(), admin).get_json())
    assert second.test_client().get(AGENT_ROUTE, headers=with_key(key)).status_code == 200
    assert first.test_client().delete(f"{KEYS}/{record['id']}", headers=bearer(admin)).status_code == 200
    assert second.test_client().get(AGENT_ROUTE, headers=with_key(key)).status_code == 401


def test_revoking_a_key_that_is_not_there_is_404(app, client, contract, admin_token):
    for key_id in ("ak_0000000000000000", "nope", "x" * 64):
        contract.problem(client.delete(f"{KEYS}/{key_id}", headers=bearer(admin_token)), 404, "not_found", app=app)


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "roles": ["operator_admin"], "estate_ids": ["A"]}, "roles[0]"),
    ({"name": "x", "roles": [], "estate_ids": ["A"]}, "roles"),
    ({"name": "x", "roles": ["agent"], "estate_ids": []}, "estate_ids"),
    ({"name": "", "roles": ["agent"], "estate_ids": ["A"]}, "name"),
    ({"roles": ["agent"], "estate_ids": ["A"]}, "name"),
    ({"name": "x", "roles": ["agent"], "estate_ids": ["A"], "key": "mine"}, None),
])
def test_bad_bodies_are_400_naming_the_field(app, client, contract, admin_token, body, field):
    answer = client.post(KEYS, headers=bearer(admin_token), json=body)
    contract.problem(answer, 400, fields=[field] if field else None, app=app)
    assert app.extensions["estate_ops"].db.api_keys.count_documents({"name": body.get("name", "-")}) == 0


def test_an_estate_that_does_not_exist_is_422(app, client, rpc, contract, admin_token):
    rpc.answer("archive", "get_estate", NotFound("no such estate"))
    answer = make_key(client, admin_token, estate_ids=("ghost",), name="ghost estate")
    contract.problem(answer, 422, fields=["estate_ids[0]"], app=app)
    assert app.extensions["estate_ops"].db.api_keys.count_documents({"name": "ghost estate"}) == 0


@pytest.mark.parametrize("role", ["manager", "agent", "accountant"])
def test_only_an_operator_admin_manages_keys(app, client, rpc, contract, accounts, admin_token, new_key, role):
    record, _ = new_key()
    token = bearer(accounts.user(f"keys-{role}", [role], ["A"]))
    for answer in (client.post(KEYS, headers=token, json={"name": "x", "roles": [role], "estate_ids": ["A"]}),
                   client.get(KEYS, headers=token),
                   client.delete(f"{KEYS}/{record['id']}", headers=token)):
        contract.problem(answer, 403, "forbidden", app=app)
    assert app.extensions["estate_ops"].db.api_keys.find_one({"_id": record["id"]})["revoked"] is False


def test_a_replay_answers_the_record_without_the_key(app, client, contract, admin_token):
    headers = {"Idempotency-Key": "make-the-crm-key"}
    first = contract.check(app, make_key(client, admin_token, name="replayed", headers=headers), 201)
    replay = make_key(client, admin_token, name="replayed", headers=headers)
    body = contract.check(app, replay, 201)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert body == {k: v for k, v in first.items() if k != "key"}
    assert app.extensions["estate_ops"].db.api_keys.count_documents({"name": "replayed"}) == 1
    assert first["key"].split(".")[1] not in str(list(app.extensions["estate_ops"].db.idempotency.find({})))
    other = make_key(client, admin_token, name="another body", headers=headers)
    contract.problem(other, 422, fields=["Idempotency-Key"], app=app)


def test_the_last_use_is_recorded_at_most_once_a_minute(app, client, new_key):
    record, key = new_key()
    stored = lambda: app.extensions["estate_ops"].db.api_keys.find_one({"_id": record["id"]})["last_used_at"]  # noqa: E731
    clock.freeze(datetime(2030, 5, 1, 8, 0, tzinfo=timezone.utc))
    assert client.get(AGENT_ROUTE, headers=with_key(key)).status_code == 200
    assert stored() == "2030-05-01T08:00:00.000Z"
    clock.advance(timedelta(seconds=59))
    assert client.get(AGENT_ROUTE, headers=with_key(key)).status_code == 200
    assert stored() == "2030-05-01T08:00:00.000Z"
    clock.advance(timedelta(seconds=2))
    assert client.get(AGENT_ROUTE, headers=with_key(key)).status_code == 200
    assert stored() == "2030-05-01T08:01:01.000Z"


def test_replicas_write_the_last_use_at_most_once_a_minute_between_them(app, new_key):
    """Another process (its own memo) that uses the key within the minute writes nothing."""
    record, _ = new_key()
    db = app.extensions["estate_ops"].db
    clock.freeze(datetime(2030, 5, 1, 8, 0, tzinfo=timezone.utc))
    api_keys.KeyCache(db).used(record["id"])
    clock.advance(timedelta(seconds=30))
    api_keys.KeyCache(db).used(record["id"])
    assert db.api_keys.find_one({"_id": record["id"]})["last_used_at"] == "2030-05-01T08:00:00.000Z"


def test_no_log_line_shows_the_key(client, admin_token, caplog):
    caplog.set_level(logging.DEBUG)
    answer = make_key(client, admin_token, name="logged")
    key = answer.get_json()["key"]
    secret = key.split(".")[1]
    client.get(AGENT_ROUTE, headers=with_key(key))
    client.get(AGENT_ROUTE, headers=with_key(key + "x"))
    client.get(AGENT_ROUTE, headers=with_key(key[:-1]))
    client.delete(f"{KEYS}/{key.split('.')[0]}", headers=bearer(admin_token))
    client.get(AGENT_ROUTE, headers=with_key(key))
    assert caplog.records
    for record in caplog.records:
        assert secret[:-1] not in f"{record.getMessage()} {record.__dict__}"


@pytest.mark.parametrize("role", [role for role in policy.ROLES if role != "operator_admin"])
def test_a_key_is_admitted_to_exactly_the_routes_of_its_role(app, client, rpc, contract, new_key, role):
    """The policy table holds for keys as for users (test_access.py): one key per role, every route (the
    maintenance supervisor's with technician, the security team's lead and supervisor with security, as
    they are held: estate_common.roles.HELD_WITH)."""
    roles = (HELD_WITH[role], role) if role in HELD_WITH else (role,)
    record, key = new_key(roles=roles, estate_ids=("A",))
    for route in ROUTES:
        kwargs = {"json": example_body(route)} if route.body else {}
        before = len(rpc.calls)
        answer = client.open(fill(route.path, "A", "x1"), method=route.method, headers=with_key(key), **kwargs)
        if (route.method, route.path) in policy.PEOPLE_ONLY and set(roles) & set(route.roles):
            assert contract.problem(answer, 403, "forbidden")["detail"] == \
                "an API key may not do this: it is the staff's, signed in", route
            assert len(rpc.calls) == before
        elif set(roles) & set(route.roles):
            assert answer.status_code == route.status, (route, answer.get_json())
            assert rpc.calls[-1].caller == {"user": f"apikey:{record['id']}", "roles": list(roles), "estates": ["A"]}
        else:
            assert contract.problem(answer, 403, "forbidden")["detail"] == \
                f"your role may not do this: it is for {named(route.roles)}", route
            assert len(rpc.calls) == before


def test_a_key_made_to_replace_another_carries_its_chain_to_the_services(app, client, rpc, contract, admin_token,
                                                                         new_key):
    """An owner app's key rotated (a new key made, the old one revoked) could not rate the requests
    its app filed under the old key: a key rates only what it filed (the session 47 note). A key is
    made naming the key it replaces (``replaces``, one of the keys, revoked or not: 422 else), a key
    is replaced once (409: one chain, not a tree), and its caller carries the keys it replaces,
    nearest first (``replaces``), signed with it, so that a service may count what they did as its
    own. A key made without it carries none."""
    first, _ = new_key(name="owner app 2025")
    second, second_key = new_key(name="owner app 2026")
    assert second["replaces"] is None
    answer = client.post(KEYS, headers=bearer(admin_token), json={
        "name": "owner app 2027", "roles": ["agent"], "estate_ids": ["A"], "replaces": second["id"]})
    third = contract.check(app, answer, 201)
    assert third["replaces"] == second["id"]
    client.delete(f"{KEYS}/{second['id']}", headers=bearer(admin_token))
    assert client.get(AGENT_ROUTE, headers=with_key(second_key)).status_code == 401
    assert client.get(AGENT_ROUTE, headers=with_key(third["key"])).status_code == 200
    call = rpc.only_call("customer_service", "list_requests")
    assert call.caller == {"user": f"apikey:{third['id']}", "roles": ["agent"], "estates": ["A"],
                           "replaces": [f"apikey:{second['id']}"]}
    answer = client.post(KEYS, headers=bearer(admin_token), json={
        "name": "owner app 2028", "roles": ["agent"], "estate_ids": ["A"], "replaces": third["id"]})
    fourth = contract.check(app, answer, 201)
    assert client.get(AGENT_ROUTE, headers=with_key(fourth["key"])).status_code == 200
    assert rpc.calls_to("customer_service", "list_requests")[-1].caller["replaces"] == [
        f"apikey:{third['id']}", f"apikey:{second['id']}"]
    listed = contract.check(app, client.get(KEYS + "?limit=200", headers=bearer(admin_token)), 200)
    assert {item["id"]: item["replaces"] for item in listed["items"]}[fourth["id"]] == third["id"]

    again = client.post(KEYS, headers=bearer(admin_token), json={
        "name": "a second successor", "roles": ["agent"], "estate_ids": ["A"], "replaces": third["id"]})
    contract.problem(again, 409, app=app)
    for unknown in ("ak_0000000000000000", fourth["id"] + "0"):
        answer = client.post(KEYS, headers=bearer(admin_token), json={
            "name": "no predecessor", "roles": ["agent"], "estate_ids": ["A"], "replaces": unknown})
        assert answer.status_code in (400, 422) and "replaces" in str(answer.get_json())
    assert app.extensions["estate_ops"].db.api_keys.count_documents(
        {"name": {"$in": ["a second successor", "no predecessor"]}}) == 0
    assert first["id"] not in str(rpc.calls_to("customer_service", "list_requests"))


def test_a_key_reads_its_own_record_and_a_person_is_sent_to_users_me(app, client, contract, admin_token, new_key):
    """An integrator's program checks at its start what its key may do (roles, estates, whether it
    is revoked): /users/me was a 403 for a key and the key list the operator admin's, so it learnt
    its scope only from the refusals of its calls (an integrator's probe)."""
    record, key = new_key(roles=("agent", "cashier"), estate_ids=("A",))
    own = contract.check(app, client.get(KEYS + "/me", headers=with_key(key)), 200)
    assert own == {k: v for k, v in record.items() if k != "key"} | {"last_used_at": own["last_used_at"]}
    assert (own["id"], own["roles"], own["estate_ids"]) == (record["id"], ["agent", "cashier"], ["A"])
    assert ("GET", KEYS + "/me") in policy.KEY_ONLY  # the access matrix expects a person's 403
    person = client.get(KEYS + "/me", headers=bearer(admin_token))
    assert "/api/v1/users/me" in contract.problem(person, 403, "forbidden", app=app)["detail"]
    assert client.delete(f"{KEYS}/{record['id']}", headers=bearer(admin_token)).status_code == 200
    contract.problem(client.get(KEYS + "/me", headers=with_key(key)), 401, "unauthorized", app=app)


def test_a_key_as_shown_names_the_key_that_replaced_it_and_the_list_finds_the_keys_not_replaced(
        app, client, contract, admin_token, new_key):
    """A key is replaced once (409), but the list is paged: the console's form offered every key
    listed as one to replace, those replaced already among them, and the gateway then refused the
    key made (a probe of a rotation). A key as shown names the key made to replace it
    (``replaced_by``: null for none), in the list, its revocation and its own record, and the list
    takes ``replaced`` (false: the keys a new key may replace)."""
    old, old_key = new_key(name="owner app 2026")
    other, _ = new_key(name="crm sync")
    assert old["replaced_by"] is None
    newer = contract.check(app, client.post(KEYS, headers=bearer(admin_token), json={
        "name": "owner app 2027", "roles": ["agent"], "estate_ids": ["A"], "replaces": old["id"]}), 201)
    assert newer["replaced_by"] is None
    listed = contract.check(app, client.get(KEYS + "?limit=200", headers=bearer(admin_token)), 200)
    shown = {item["id"]: item["replaced_by"] for item in listed["items"]}
    assert {key: shown[key] for key in (old["id"], other["id"], newer["id"])} == {
        old["id"]: newer["id"], other["id"]: None, newer["id"]: None}
    assert contract.check(app, client.get(KEYS + "/me", headers=with_key(old_key)), 200)["replaced_by"] == newer["id"]
    revoked = contract.check(app, client.delete(f"{KEYS}/{old['id']}", headers=bearer(admin_token)), 200)
    assert revoked["replaced_by"] == newer["id"]

    taken = contract.check(app, client.get(KEYS + "?replaced=true", headers=bearer(admin_token)), 200)
    assert sorted(item["id"] for item in taken["items"]) == sorted(key for key, by in shown.items() if by)
    assert old["id"] in {item["id"] for item in taken["items"]}
    free, cursor = [], None  # a page at a time, as the console's form reads them
    while True:
        answer = client.get(KEYS + "?replaced=false&limit=1" + (f"&cursor={cursor}" if cursor else ""),
                            headers=bearer(admin_token))
        page = contract.check(app, answer, 200)
        free += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(free) == sorted(key for key, by in shown.items() if not by) and old["id"] not in free
    for wrong in ("maybe", ""):
        refused = contract.problem(client.get(KEYS + f"?replaced={wrong}", headers=bearer(admin_token)), 400, app=app)
        assert "replaced" in str(refused.get("errors"))


# -- a key's calls per minute (limits.key_calls) ---------------------------------------------------

def freeze_in_a_minute(second=0):
    """The clock held at ``second`` of the next minute: the minute's count starts afresh, and the
    tokens signed a moment ago stay valid."""
    clock.freeze((clock.now() + timedelta(minutes=1)).replace(second=second, microsecond=0))

def test_a_key_past_its_calls_of_the_minute_is_429_and_the_service_is_not_asked(app, client, rpc, contract,
                                                                                 admin_token, new_key):
    """One program looping (a retry without a pause) loaded every service of its estates: a key's
    calls are counted per minute, before its roles are checked, and past its limit refused with
    a 429 that says when the minute ends. Another key and a person's token count apart."""
    freeze_in_a_minute(second=15)
    record, key = new_key(name="looping sync", calls_per_minute=3)
    _, other = new_key(name="another program")
    assert record["calls_per_minute"] == 3
    assert [client.get(AGENT_ROUTE, headers=with_key(key)).status_code for _ in range(3)] == [200] * 3
    refused = client.get(AGENT_ROUTE, headers=with_key(key))
    body = contract.problem(refused, 429, "too_many_requests", app=app)
    assert body["detail"] == "too many calls with this API key: try again later"
    assert refused.headers["Retry-After"] == "46"  # the minute's 45 s left, and one
    contract.problem(client.get(MANAGERS_ONLY, headers=with_key(key)), 429, app=app)  # counted before its roles
    assert len(rpc.calls_to("customer_service", "list_requests")) == 3
    assert client.get(AGENT_ROUTE, headers=with_key(other)).status_code == 200
    assert client.get(AGENT_ROUTE, headers=bearer(admin_token)).status_code == 200
    clock.advance(timedelta(seconds=45))  # the next minute
    assert client.get(AGENT_ROUTE, headers=with_key(key)).status_code == 200


def test_a_wrong_key_is_401_and_not_counted_against_the_key_it_names(app, client, contract, new_key):
    freeze_in_a_minute()
    record, key = new_key(name="named by a guess", calls_per_minute=1)
    wrong = key[:-1] + ("A" if key[-1] != "A" else "B")
    for _ in range(3):
        contract.problem(client.get(AGENT_ROUTE, headers=with_key(wrong)), 401, app=app)
    assert client.get(AGENT_ROUTE, headers=with_key(key)).status_code == 200


def test_a_key_without_a_limit_of_its_own_takes_the_deployments(make_app, make_accounts):
    app = make_app(api_key_calls_per_minute=2)
    admin, client = make_accounts(app).admin, app.test_client()
    freeze_in_a_minute()
    body = make_key(client, admin).get_json()
    assert body["calls_per_minute"] is None
    assert [client.get(AGENT_ROUTE, headers=with_key(body["key"])).status_code for _ in range(3)] == [200, 200, 429]


def test_an_operator_admin_changes_a_keys_limit_at_once(app, client, contract, admin_token, accounts, new_key):
    freeze_in_a_minute()
    record, key = new_key(name="a busy owner app", calls_per_minute=1)
    assert client.get(AGENT_ROUTE, headers=with_key(key)).status_code == 200
    assert client.get(AGENT_ROUTE, headers=with_key(key)).status_code == 429
    changed = contract.check(app, client.patch(f"{KEYS}/{record['id']}", headers=bearer(admin_token),
                                               json={"calls_per_minute": 5}), 200)
    assert changed == {**{k: v for k, v in record.items() if k != "key"}, "calls_per_minute": 5,
                       "last_used_at": changed["last_used_at"]}
    assert client.get(AGENT_ROUTE, headers=with_key(key)).status_code == 200  # the minute's count, against 5 now
    cleared = contract.check(app, client.patch(f"{KEYS}/{record['id']}", headers=bearer(admin_token),
                                               json={"calls_per_minute": None}), 200)
    assert cleared["calls_per_minute"] is None
    for body in ({}, {"calls_per_minute": 0}, {"calls_per_minute": 100001}, {"calls_per_minute": "9"},
                 {"calls_per_minute": 5, "name": "renamed"}):
        contract.problem(client.patch(f"{KEYS}/{record['id']}", headers=bearer(admin_token), json=body), 400, app=app)
    contract.problem(client.patch(f"{KEYS}/ak_0000000000000000", headers=bearer(admin_token),
                                  json={"calls_per_minute": 5}), 404, "not_found", app=app)
    manager = bearer(accounts.user("keys-limit-manager", ["manager"], ["A"]))
    contract.problem(client.patch(f"{KEYS}/{record['id']}", headers=manager, json={"calls_per_minute": 500}), 403,
                     app=app)
    assert app.extensions["estate_ops"].db.api_keys.find_one({"_id": record["id"]})["calls_per_minute"] is None


def test_a_key_made_to_replace_another_takes_its_limit_unless_told(app, client, contract, admin_token, new_key):
    old, _ = new_key(name="owner app 2026", calls_per_minute=1200)
    rotated = contract.check(app, client.post(KEYS, headers=bearer(admin_token), json={
        "name": "owner app 2027", "roles": ["agent"], "estate_ids": ["A"], "replaces": old["id"]}), 201)
    assert rotated["calls_per_minute"] == 1200
    told = contract.check(app, client.post(KEYS, headers=bearer(admin_token), json={
        "name": "owner app 2028", "roles": ["agent"], "estate_ids": ["A"], "replaces": rotated["id"],
        "calls_per_minute": None}), 201)
    assert told["calls_per_minute"] is None


def test_a_call_that_checks_its_caller_twice_is_one_call_of_the_keys_minute(app, client, rpc, new_key):
    """An export's start checks the route's roles, then the resource's (``exports.start_export``:
    ``authorize`` twice): each check counted the key's call, so a key of 4 calls a minute started
    2 exports and was refused the third (found by review)."""
    freeze_in_a_minute()
    _, key = new_key(name="nightly export", roles=["accountant"], calls_per_minute=4)
    rpc.answer("finance", "start_export", {"id": "job_finance_1", "estate_id": "A", "kind": "export_bills",
                                           "status": "queued", "progress": {"done": 0, "total": None},
                                           "result": None, "created_at": "2026-11-23T08:00:00.000Z"})
    statuses = [client.post("/api/v1/estates/A/exports", json={"resource": "bills", "format": "csv"},
                            headers={**with_key(key), "Idempotency-Key": f"export-{n}"}).status_code
                for n in range(5)]
    assert statuses == [202] * 4 + [429]


def test_a_key_is_read_back_by_its_id_as_the_list_shows_it(app, client, contract, admin_token, new_key, accounts):
    """An integrator's follow-ups: the key made is read again at the ``Location`` its create
    answered, never with the key itself; by the operator admin, as the list; 404 for no such key."""
    answer = make_key(client, admin_token)
    body = answer.get_json()
    assert answer.headers["Location"] == f"{KEYS}/{body['id']}"
    read = contract.check(app, client.get(answer.headers["Location"], headers=bearer(admin_token)), 200)
    listed = [item for item in client.get(KEYS + "?limit=200", headers=bearer(admin_token)).get_json()["items"]
              if item["id"] == body["id"]]
    assert listed == [read] and "key" not in read and body["key"].split(".")[1] not in str(read)
    contract.problem(client.get(f"{KEYS}/ak_0000000000000000", headers=bearer(admin_token)), 404, "not_found", app=app)
    contract.problem(client.get(f"{KEYS}/not a key", headers=bearer(admin_token)), 404, "not_found", app=app)
    manager = accounts.user("keys-boss", ["manager"], ["A"])
    contract.problem(client.get(answer.headers["Location"], headers=bearer(manager)), 403, app=app)


def test_a_key_s_answers_say_its_quota_and_what_is_left_of_the_minute(app, client, contract, admin_token, new_key):
    """An integrator paces its program by the answers (draft-ietf-httpapi-ratelimit-headers: the policy
    ``"api-key";q=<calls>;w=60`` and what is left, ``"api-key";r=<left>;t=<seconds to the minute's end>``),
    where it learned of the limit only from the 429. A person's token is not counted and gets neither."""
    freeze_in_a_minute(second=15)
    _, key = new_key(name="paced sync", calls_per_minute=3)
    first = client.get(AGENT_ROUTE, headers=with_key(key))
    assert first.headers["RateLimit-Policy"] == '"api-key";q=3;w=60'
    assert first.headers["RateLimit"] == '"api-key";r=2;t=45'
    client.get(AGENT_ROUTE, headers=with_key(key))
    third = client.get(AGENT_ROUTE, headers=with_key(key))
    assert third.status_code == 200 and third.headers["RateLimit"] == '"api-key";r=0;t=45'
    refused = client.get(AGENT_ROUTE, headers=with_key(key))
    assert refused.status_code == 429 and refused.headers["RateLimit"] == '"api-key";r=0;t=45'
    assert refused.headers["Retry-After"] == "46"
    person = client.get(AGENT_ROUTE, headers=bearer(admin_token))
    assert "RateLimit" not in person.headers and "RateLimit-Policy" not in person.headers


def test_an_owner_app_s_key_signs_up_and_rates_but_plans_and_runs_no_activity(app, client, rpc, contract, accounts,
                                                                               new_key):
    """An owner app's key holds ``agent`` for its owner's requests and sign-ups; with it, it planned, moved and
    cancelled the estate's activities, took their attendance, and assigned and completed paid services' orders
    (found by session 61). Those are the staff's (policy.PEOPLE_ONLY): a 403 to the key, the desk's agent
    signed in still does them, and the key still signs up, gives a sign-up up, rates and reads."""
    _, key = new_key(roles=("agent",), estate_ids=("A",))
    agent = accounts.user("desk-act", ["agent"], ["A"])
    by_rule = {(route.method, route.path): route for route in ROUTES}
    staff_only = [by_rule[("POST", "/api/v1/estates/<estate_id>/activities" + tail)]
                  for tail in ("", "/<activity_id>/move", "/<activity_id>/cancel", "/<activity_id>/attendance")]
    staff_only += [by_rule[("POST", f"/api/v1/estates/<estate_id>/service-orders/<order_id>/{step}")]
                   for step in ("assign", "complete")]
    for number, route in enumerate(staff_only):
        path, body = fill(route.path, "A", "x1"), example_body(route)
        before = len(rpc.calls)
        refused = client.open(path, method=route.method, json=body,
                              headers={**with_key(key), "Idempotency-Key": f"k{number}"})
        assert contract.problem(refused, 403, "forbidden")["detail"] == \
            "an API key may not do this: it is the staff's, signed in", path
        assert len(rpc.calls) == before
        done = client.open(path, method=route.method, json=body, headers={**bearer(agent), "Idempotency-Key": f"p{number}"})
        assert done.status_code == route.status, (path, done.get_json())
    for number, tail in enumerate(("/<activity_id>/signups", "/<activity_id>/signups/<signup_id>/cancel",
                                   "/<activity_id>/ratings")):
        route = by_rule[("POST", "/api/v1/estates/<estate_id>/activities" + tail)]
        answer = client.post(fill(route.path, "A", "x1"), json=example_body(route),
                             headers={**with_key(key), "Idempotency-Key": f"s{number}"})
        assert answer.status_code == route.status, (route.path, answer.get_json())
