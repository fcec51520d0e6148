"""Idempotency-Key on creates: the same key and body answer the first result."""
import itertools

import pytest

from estate_common import ids
from estate_common.errors import BusinessRuleViolation, ServiceUnavailable

REQUESTS = "/api/v1/estates/A/service-requests"
SR_BODY = {"kind": "repair", "household_id": "hh_1", "channel": "phone", "description": "the kitchen tap leaks"}


def headers(token, key):
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key}


@pytest.fixture
def numbered(rpc):
    """customer_service.create_request answers a new id on every call."""
    counter = itertools.count(1)

    def create(call):
        n = next(counter)
        return {"id": f"sr_{n}", "number": f"A-{n:04d}", "by": call.caller["user"]}

    rpc.answer("customer_service", "create_request", create)
    return rpc


def test_same_key_and_body_replays_the_first_answer(client, numbered, admin_token, unique):
    key = unique("key")
    first = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    second = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json() == {"id": "sr_1", "number": "A-0001", "by": "admin"}
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.mimetype == "application/json"
    call = numbered.only_call("customer_service", "create_request")
    assert call.context == {"idempotency_key": key}
    assert call.payload == {"estate_id": "A", "data": SR_BODY}


def test_replay_survives_a_new_token_of_the_same_user(client, numbered, accounts, unique):
    key = unique("key")
    first = client.post(REQUESTS, json=SR_BODY, headers=headers(accounts.admin, key))
    fresh_token = accounts.token("admin", "operator-admin-secret-01")
    second = client.post(REQUESTS, json=SR_BODY, headers=headers(fresh_token, key))
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(numbered.calls) == 1


def test_replay_has_its_own_request_id(client, numbered, admin_token, unique):
    key = unique("key")
    client.post(REQUESTS, json=SR_BODY, headers={**headers(admin_token, key), "X-Request-ID": "first-1"})
    again = client.post(REQUESTS, json=SR_BODY, headers={**headers(admin_token, key), "X-Request-ID": "retry-2"})
    assert again.headers["X-Request-ID"] == "retry-2"
    assert again.headers["Idempotent-Replayed"] == "true"


def test_key_order_of_the_body_does_not_matter(client, numbered, admin_token, unique):
    key = unique("key")
    client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    reordered = dict(reversed(list(SR_BODY.items())))
    again = client.post(REQUESTS, json=reordered, headers=headers(admin_token, key))
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert len(numbered.calls) == 1


def test_same_key_with_another_body_is_422(client, contract, numbered, admin_token, unique):
    key = unique("key")
    assert client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key)).status_code == 201
    other = {**SR_BODY, "description": "the front door sticks"}
    response = client.post(REQUESTS, json=other, headers=headers(admin_token, key))
    body = contract.problem(response, 422, "business_rule", fields=["Idempotency-Key"])
    assert "Idempotent-Replayed" not in response.headers
    assert body["errors"] == [{"field": "Idempotency-Key", "message": "was used with another body"}]
    assert len(numbered.calls) == 1


@pytest.mark.parametrize("key", ["k" * 129, "k" * 500, ""], ids=["129", "500", "empty"])
def test_bad_key_is_400(app, client, contract, numbered, admin_token, key):
    response = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    contract.problem(response, 400, "invalid_input", fields=["Idempotency-Key"], app=app)
    assert numbered.calls == []


def test_key_of_128_characters_is_accepted(client, numbered, admin_token, unique):
    key = (unique("k") * 20)[:128]
    assert len(key) == 128
    assert client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key)).status_code == 201
    assert numbered.only_call("customer_service", "create_request").context == {"idempotency_key": key}


@pytest.mark.parametrize("error, status", [(ServiceUnavailable("customer_service did not answer"), 503),
                                           (BusinessRuleViolation("the household is vacant"), 422),
                                           (RuntimeError("boom"), 500)])
def test_a_failed_call_releases_the_key(client, rpc, admin_token, unique, error, status):
    key = unique("key")
    rpc.answer("customer_service", "create_request", error)
    assert client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key)).status_code == status

    rpc.answer("customer_service", "create_request", {"id": "sr_after_retry"})
    retry = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    assert retry.status_code == 201
    assert retry.get_json() == {"id": "sr_after_retry"}
    assert "Idempotent-Replayed" not in retry.headers
    calls = rpc.calls_to("customer_service", "create_request")
    assert len(calls) == 2
    assert [c.context for c in calls] == [{"idempotency_key": key}] * 2

    replay = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    assert replay.get_json() == {"id": "sr_after_retry"} and replay.headers["Idempotent-Replayed"] == "true"
    assert len(rpc.calls_to("customer_service", "create_request")) == 2


def test_two_users_with_the_same_key_do_not_collide(client, numbered, admin_token, agent_a_token, unique):
    key = unique("key")
    by_admin = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    by_agent = client.post(REQUESTS, json=SR_BODY, headers=headers(agent_a_token, key))
    assert by_admin.status_code == by_agent.status_code == 201
    assert by_admin.get_json()["by"] == "admin" and by_agent.get_json()["by"] == "agent-a"
    assert by_admin.get_json()["id"] != by_agent.get_json()["id"]
    assert "Idempotent-Replayed" not in by_agent.headers
    assert [c.caller["user"] for c in numbered.calls] == ["admin", "agent-a"]


def test_the_same_key_on_another_path_is_another_request(client, numbered, admin_token, unique):
    key = unique("key")
    in_a = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    in_b = client.post("/api/v1/estates/B/service-requests", json=SR_BODY, headers=headers(admin_token, key))
    assert in_a.status_code == in_b.status_code == 201
    assert in_a.get_json()["id"] != in_b.get_json()["id"]
    assert [c.payload["estate_id"] for c in numbered.calls_to("customer_service", "create_request")] == ["A", "B"]


def test_a_retry_while_the_first_call_runs_is_409(client, contract, rpc, admin_token, unique):
    key = unique("key")
    seen = {}

    def slow_create(call):
        # the client retries while the service still works on the first call
        seen["retry"] = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
        return {"id": "sr_first"}

    rpc.answer("customer_service", "create_request", slow_create)
    first = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    assert first.status_code == 201 and first.get_json() == {"id": "sr_first"}
    contract.problem(seen["retry"], 409, "conflict")
    assert seen["retry"].headers["Retry-After"] == "1"  # when to ask again (a probe)
    assert len(rpc.calls) == 1


def test_without_a_key_every_post_reaches_the_service(client, numbered, admin_token):
    auth = {"Authorization": f"Bearer {admin_token}"}
    first = client.post(REQUESTS, json=SR_BODY, headers=auth)
    second = client.post(REQUESTS, json=SR_BODY, headers=auth)
    assert first.get_json()["id"] != second.get_json()["id"]
    assert [c.context for c in numbered.calls] == [None, None]


@pytest.mark.parametrize("path, body, service, method", [
    ("/api/v1/estates", {"code": "SH-PD-01", "name": "Pudong Garden", "address": "1 Century Avenue"},
     "archive", "create_estate"),
    ("/api/v1/estates/A/households", {"building": "B1", "unit": "U1", "room": "101", "area_m2": 88.5,
                                      "owner": {"name": "Li Lei", "phone": "+86 138 0000 0000"}},
     "archive", "create_household"),
])
def test_other_creates_are_idempotent_too(client, rpc, admin_token, unique, path, body, service, method):
    key = unique("key")
    rpc.answer(service, method, {"id": "created_1"})
    first = client.post(path, json=body, headers=headers(admin_token, key))
    second = client.post(path, json=body, headers=headers(admin_token, key))
    assert first.status_code == second.status_code == 201
    assert second.get_json() == {"id": "created_1"} and second.headers["Idempotent-Replayed"] == "true"
    assert rpc.only_call(service, method).context == {"idempotency_key": key}


def test_a_refused_request_claims_no_key(client, numbered, admin_token, unique):
    """Bodies and query strings are checked before the key is claimed: a fixed retry is not a replay."""
    key = unique("key")
    broken = client.post(REQUESTS, data='{"kind": ', content_type="application/json",
                         headers=headers(admin_token, key))
    assert broken.status_code == 400
    unknown_param = client.post(f"{REQUESTS}?force=1", json=SR_BODY, headers=headers(admin_token, key))
    assert unknown_param.status_code == 400
    fixed = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    assert len(numbered.calls) == 1


def test_a_record_expires_after_the_retention_and_the_key_is_then_a_new_request(app, client, numbered, admin_token,
                                                                                unique, monkeypatch):
    """The record keeps the first response (personal data included): it is not kept forever."""
    from datetime import timedelta

    from estate_common import clock, retention
    monkeypatch.setattr(retention, "IDEMPOTENCY_SECONDS", 60)
    key = unique("key")
    assert client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key)).get_json()["id"] == "sr_1"
    assert client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key)).headers["Idempotent-Replayed"]
    records = app.extensions["estate_ops"].db.idempotency
    assert records.index_information()["expire_at_1"]["expireAfterSeconds"] == 0
    kept = records.count_documents({})  # this module's other records are kept 24 h
    clock.advance(timedelta(minutes=3))
    assert records.count_documents({}) == kept - 1
    again = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert len(numbered.calls_to("customer_service", "create_request")) == 2


def test_a_user_s_password_is_kept_in_no_digest_a_guess_could_be_tested_against(app, client, admin_token, unique):
    """The record of a POST /users keeps a digest of the body: its password goes in keyed with
    the server's secret, not as plain SHA-256 of a body whose other fields are known."""
    key = unique("user-key")
    body = {"username": unique("clerk"), "password": "a-long-password-of-hers", "roles": ["agent"],
            "estate_ids": ["A"]}
    first = client.post("/api/v1/users", json=body, headers=headers(admin_token, key))
    assert first.status_code == 201, first.get_json()
    db = app.extensions["estate_ops"].db
    [record] = [r for r in db.idempotency.find({}) if r.get("state") == "done" and r.get("body", {}).get("id") ==
                first.get_json()["id"]]
    assert record["digest"] != ids.content_digest(body)
    again = client.post("/api/v1/users", json=body, headers=headers(admin_token, key))
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = client.post("/api/v1/users", json={**body, "password": "another-long-password"},
                        headers=headers(admin_token, key))
    assert other.status_code == 422  # another body, though only its password differs


def test_a_payment_reversal_retried_with_its_key_answers_the_first_reversal(client, rpc, admin_token, unique):
    """A reversal moves money: a retry with the key answered 409 "reversed already" (found by
    review); API.md: the same key with the same body returns the first result. No body at all
    is a reversal too (API.md documents the call without one)."""
    key = unique("key")
    rpc.answer("finance", "reverse_payment", {"id": "pay_1", "status": "reversed"})
    path = "/api/v1/estates/A/payments/pay_1/reverse"
    first = client.post(path, headers=headers(admin_token, key))
    second = client.post(path, headers=headers(admin_token, key))
    assert first.status_code == second.status_code == 200
    assert second.get_json() == {"id": "pay_1", "status": "reversed"}
    assert second.headers["Idempotent-Replayed"] == "true"
    call = rpc.only_call("finance", "reverse_payment")
    assert call.payload["data"] == {} and call.context == {"idempotency_key": key}


def test_a_work_order_sign_off_retried_with_its_key_answers_the_first(client, rpc, admin_token, unique):
    """The sign-off raises the charge finance bills: a retry with the key answered 409 "completed
    already" (found by review); API.md: the same key and body return the first result."""
    key = unique("key")
    rpc.answer("maintenance", "complete_work_order", {"id": "wo_1", "status": "completed"})
    path, body = "/api/v1/estates/A/work-orders/wo_1/complete", {"materials": [], "charge_cents": 0,
                                                                 "signed_by": "Chen"}
    first = client.post(path, json=body, headers=headers(admin_token, key))
    second = client.post(path, json=body, headers=headers(admin_token, key))
    assert first.status_code == second.status_code == 200
    assert second.get_json() == {"id": "wo_1", "status": "completed"}
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(rpc.calls_to("maintenance", "complete_work_order")) == 1


WEBHOOKS = "/api/v1/estates/A/webhooks"
HOOK_BODY = {"url": "https://hooks.example.com/estate", "events": ["maintenance.work_order_created"]}
SECRET = "whsec_" + "s" * 43


def hook(n, secret=SECRET):
    return {"id": f"whk_{n}", "estate_id": "A", "url": HOOK_BODY["url"], "events": HOOK_BODY["events"],
            "description": None, "active": True, "disabled_reason": None, "failing_since": None,
            "created_at": "2026-11-30T08:00:00.000Z", "created_by": "admin", "updated_at": "2026-11-30T08:00:00.000Z",
            "secret_rotated_at": None, "previous_secret_expires_at": None, "secret": secret}


@pytest.mark.parametrize("path, method, body, status", [
    (WEBHOOKS, "create_webhook", HOOK_BODY, 201),
    (f"{WEBHOOKS}/whk_1/secret", "rotate_webhook_secret", {}, 200),
], ids=["subscribe", "rotate"])
def test_a_webhook_secret_is_shown_once_and_a_replay_answers_without_it(app, client, contract, rpc, admin_token,
                                                                        unique, path, method, body, status):
    """Found by a probe: the same key and body subscribed twice (every event then delivered twice).
    The secret is kept in no record (as an API key's, ``shown_once``): a replay answers without it."""
    counter = itertools.count(1)
    rpc.answer("integrations", method, lambda call: hook(next(counter)))
    key = unique("hook")
    first = client.post(path, json=body, headers=headers(admin_token, key))
    shown = contract.check(app, first, status)
    replay = client.post(path, json=body, headers=headers(admin_token, key))
    replayed = contract.check(app, replay, status)
    assert shown["secret"] == SECRET and replay.headers["Idempotent-Replayed"] == "true"
    assert replayed == {k: v for k, v in shown.items() if k != "secret"}
    assert rpc.only_call("integrations", method).context == {"idempotency_key": key}
    assert SECRET not in str(list(app.extensions["estate_ops"].db.idempotency.find({})))
    other = client.post(path, json={**body, "description": "another"} if body else {"keep_previous_hours": 0},
                        headers=headers(admin_token, key))
    contract.problem(other, 422, fields=["Idempotency-Key"], app=app)
    without_key = client.post(path, json=body, headers={"Authorization": f"Bearer {admin_token}"})
    assert contract.check(app, without_key, status)["secret"] == SECRET  # no key, no record: shown


@pytest.mark.parametrize("path, body", [(WEBHOOKS, HOOK_BODY), (f"{WEBHOOKS}/whk_1/secret", {}),
                                        ("/api/v1/estates/A/custom-fields",
                                         {"resource": "household", "key": "pets", "label": {"zh": "宠物", "en": "Pets"},
                                          "type": "bool"})],
                         ids=["subscribe", "rotate", "custom-field"])
def test_an_invalid_key_is_a_400_on_these_creates_too(app, client, contract, rpc, admin_token, path, body):
    response = client.post(path, json=body, headers=headers(admin_token, "bad key é"))
    contract.problem(response, 400, "invalid_input", fields=["Idempotency-Key"], app=app)
    assert [c for c in rpc.calls if c.method != "get_estate"] == []


def test_a_custom_field_retried_with_its_key_answers_the_first_not_a_409(app, client, contract, rpc, admin_token,
                                                                         unique):
    """Found by a probe: the retry got 409 "already" instead of the first result."""
    body = {"resource": "household", "key": "pets", "label": {"zh": "宠物", "en": "Pets"}, "type": "bool"}
    rpc.answer("archive", "create_custom_field", {
        "id": "cf_pets", "estate_id": "A", "service": "archive", "resource": "household", "key": "pets",
        "label": body["label"], "type": "bool", "required": False, "archived": False,
        "created_at": "2026-11-30T08:00:00Z", "updated_at": "2026-11-30T08:00:00Z"})
    key = unique("field")
    path = "/api/v1/estates/A/custom-fields"
    first = contract.check(app, client.post(path, json=body, headers=headers(admin_token, key)), 201)
    replay = client.post(path, json=body, headers=headers(admin_token, key))
    assert contract.check(app, replay, 201) == first and replay.headers["Idempotent-Replayed"] == "true"
    assert rpc.only_call("archive", "create_custom_field").context == {"idempotency_key": key}
    other = client.post(path, json={**body, "required": True}, headers=headers(admin_token, key))
    contract.problem(other, 422, fields=["Idempotency-Key"], app=app)


# -- every write keeps its key, not only the creates ------------------------------------------

def _writes():
    from gateway.routes import ROUTES
    return [route for route in ROUTES if route.method != "GET" and not route.reads]  # a search only reads


def _sent(client, route, token, key, body=None):
    import re

    from .samples import PATH_SAMPLES, example_body
    path = route.path.replace("<estate_id>", "A")
    path = re.sub(r"<[^<>]+>", lambda m: PATH_SAMPLES.get(m.group(0), "item_1"), path)
    return client.open(path, method=route.method, json=(body or example_body(route)) if route.body else None,
                       headers=headers(token, key))


@pytest.mark.parametrize("route", _writes(), ids=lambda r: f"{r.method} {r.path}")
def test_every_write_answers_a_retry_with_its_key_from_the_first(client, rpc, admin_token, unique, route):
    """A step that appends (a step of an incident's plan, an attempt to reach the occupant, a new
    appointment or quote, a redelivery) was written again by a retry after a lost answer, though
    the client sent its key: only the creates kept keys (an integrator's probe). Every write of the
    route table keeps it (``Route.idempotent``), a state's step too: the retry reads the first
    answer, not a 409 "done already"."""
    key = unique("write")
    first = _sent(client, route, admin_token, key)
    assert first.status_code == route.status, first.get_json()
    again = _sent(client, route, admin_token, key)
    assert again.status_code == route.status and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    calls = rpc.calls_to(route.service, route.rpc)
    assert len(calls) == 1 and calls[0].context.get("idempotency_key") == key


INCIDENT_STEPS = "/api/v1/estates/A/incidents/inc_1/steps"
ATTEMPTS = "/api/v1/estates/A/service-requests/sr_1/return-visit-attempts"


@pytest.mark.parametrize("path, service, method, body, other", [
    (INCIDENT_STEPS, "security_patrol", "record_incident_step", {"step": "call_police"}, {"step": "evacuate"}),
    (ATTEMPTS, "customer_service", "record_return_visit_attempt", {"method": "phone"}, {"method": "visit"}),
], ids=["incident step", "return-visit attempt"])
def test_an_appending_step_s_key_refuses_another_body_and_a_twin_under_way(app, client, contract, rpc, admin_token,
                                                                          unique, path, service, method, body, other):
    """As a create's: the key with another body is the 422, a twin while the first is answered
    the 409 with Retry-After."""
    key, seen = unique("append"), {}

    def slow(call):
        seen["twin"] = client.post(path, json=body, headers=headers(admin_token, key))
        return {"id": "done_1"}

    rpc.answer(service, method, slow)
    assert client.post(path, json=body, headers=headers(admin_token, key)).status_code == 200
    contract.problem(seen["twin"], 409, "conflict")
    assert seen["twin"].headers["Retry-After"] == "1"
    contract.problem(client.post(path, json=other, headers=headers(admin_token, key)), 422,
                     fields=["Idempotency-Key"], app=app)
    assert len(rpc.calls_to(service, method)) == 1


def test_a_create_answers_where_its_new_resource_is_and_its_replay_the_same(app, client, numbered, admin_token,
                                                                             unique, contract):
    """No 201 said where the new resource is (an integrator's follow-ups): ``Location`` names its
    URL under /api/v1, declared on the operation, and a replay of the create carries the same."""
    key = unique("key")
    first = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    again = client.post(REQUESTS, json=SR_BODY, headers=headers(admin_token, key))
    template = "/api/v1/estates/{estate_id}/service-requests"
    assert contract.header_problems(first, template, "POST") == contract.header_problems(again, template, "POST") == []
    assert first.headers["Location"] == again.headers["Location"] == f"{REQUESTS}/sr_1"
    assert again.headers["Idempotent-Replayed"] == "true"
    unkeyed = client.post(REQUESTS, json=SR_BODY, headers={"Authorization": f"Bearer {admin_token}"})
    assert unkeyed.status_code == 201 and unkeyed.headers["Location"] == f"{REQUESTS}/sr_2"


def test_a_new_resource_s_location_escapes_its_id(app, client, rpc, admin_token, contract):
    rpc.answer("customer_service", "create_request", {"id": "sr a/b?c", "number": "A-1"})
    answer = client.post(REQUESTS, json=SR_BODY, headers={"Authorization": f"Bearer {admin_token}"})
    assert answer.status_code == 201 and answer.headers["Location"] == f"{REQUESTS}/sr%20a%2Fb%3Fc"


def test_a_creates_location_is_read_from_its_answer_without_decoding_it_again(client, rpc, admin_token, monkeypatch):
    """``locations.located`` took the new resource's id by decoding the JSON the view had just
    encoded (a create's 1 kB answer, every create): it reads the answer the view gave, keyed or not,
    first answer or replay."""
    from flask import Response

    def decoded(*args, **kwargs):
        raise AssertionError("the answer was decoded again")
    monkeypatch.setattr(Response, "get_json", decoded)
    rpc.answer("customer_service", "create_request", {"id": "sr_9", "number": "A-9"})
    for headers in ({}, {"Idempotency-Key": "located-once-1"}, {"Idempotency-Key": "located-once-1"}):
        answer = client.post(REQUESTS, json=SR_BODY, headers={"Authorization": f"Bearer {admin_token}", **headers})
        assert answer.status_code == 201 and answer.headers["Location"] == f"{REQUESTS}/sr_9"
    assert answer.headers["Idempotent-Replayed"] == "true"
