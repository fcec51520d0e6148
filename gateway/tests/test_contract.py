"""The gateway against contracts/openapi.yaml and the RPC contracts it forwards to."""
import re

import pytest

from estate_common import contracts
from gateway.docs import UNDOCUMENTED_ENDPOINTS
from gateway.routes import ROUTES

from .samples import PATH_SAMPLES, example_body, example_filter

from_yaml = contracts.load()
OPENAPI = from_yaml.openapi
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
PUBLIC_OPERATIONS = {("/healthz", "get"), ("/readyz", "get"), ("/api/v1/openapi.json", "get"),
                     ("/api/docs", "get"), ("/api/v1/auth/token", "post"),
                     ("/api/v1/public/estates/{estate_code}", "get"),  # the portal form's heading
                     ("/api/v1/public/estates/{estate_code}/requests", "post"),
                     ("/api/v1/public/estates/{estate_code}/notices", "get"),  # the portal's notice board
                     ("/api/v1/public/estates/{estate_code}/activities", "get"),  # the portal's activities to come (h7)
                     ("/api/v1/public/requests/{tracking_code}", "get"),
                     ("/api/v1/public/requests/{tracking_code}/rating", "post"),
                     ("/api/v1/public/estates/{estate_code}/disclosures", "get"),  # owners: the list of those published
                     ("/api/v1/public/estates/{estate_code}/disclosures/{period}", "get"),  # owners: published figures
                     ("/api/v1/public/estates/{estate_code}/fee-standards", "get"),  # owners: 收费标准公示
                     ("/api/v1/public/accounts/{access_code}", "get"),  # an owner's statement link: their bills
                     ("/portal/{estate_code}", "get"),  # the owner portal's page, sent on to the console's
                     ("/portal/{estate_code}/disclosures/{period}", "get")}  # its page of a published disclosure


def template(rule):
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def served_operations(app):
    return {(template(rule.rule), method.lower())
            for rule in app.url_map.iter_rules() if rule.endpoint not in UNDOCUMENTED_ENDPOINTS
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def documented_operations():
    return {(path, method) for path, item in OPENAPI["paths"].items() for method in item if method in HTTP_METHODS}


def test_every_served_operation_is_documented(app):
    missing = served_operations(app) - documented_operations()
    assert missing == set()


def test_every_documented_operation_is_served(app):
    missing = documented_operations() - served_operations(app)
    assert missing == set()


def test_public_operations_are_the_ones_without_security():
    public = {(path, method) for path, method in documented_operations()
              if OPENAPI["paths"][path][method].get("security") == []}
    assert public == PUBLIC_OPERATIONS
    assert OPENAPI["security"] == [{"bearer": []}, {"ApiKey": []}]  # a token or an API key


# Operations every staff role may call: no role to refuse (a token of a missing or
# deactivated user is a 401).
FOR_EVERY_STAFF_ROLE = {("/api/v1/estates", "get"), ("/api/v1/users/me", "get"),
                        ("/api/v1/users/me/password", "post")}


@pytest.mark.parametrize("path, method", sorted(documented_operations() - PUBLIC_OPERATIONS))
def test_protected_operations_declare_401_and_403(path, method):
    responses = OPENAPI["paths"][path][method]["responses"]
    assert "401" in responses
    assert "403" in responses or (path, method) in FOR_EVERY_STAFF_ROLE


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_routes_answer_the_documented_success_status(route):
    operation = OPENAPI["paths"][template(route.path)][route.method.lower()]
    successes = {int(s) for s in operation["responses"] if s.startswith("2")}
    assert successes == {route.status}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_documented_query_parameters_are_the_ones_the_gateway_takes(route):
    item = OPENAPI["paths"][template(route.path)]
    parameters = item.get("parameters", []) + item[route.method.lower()].get("parameters", [])
    names = set()
    for parameter in parameters:
        if "$ref" in parameter:
            parameter = OPENAPI["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] == "query":
            names.add(parameter["name"])
    assert names == set(route.filters) | ({"limit", "cursor"} if route.paged else set())


@pytest.mark.parametrize("route", [r for r in ROUTES if r.idempotent], ids=lambda r: f"{r.method} {r.path}")
def test_idempotent_creates_document_what_the_key_can_answer(route):
    """The key is checked (400), a retry during the first call is refused (409), a reused key with
    another body is 422: openapi.yaml must declare all three where the key is taken."""
    operation = OPENAPI["paths"][template(route.path)][route.method.lower()]
    refs = [p.get("$ref") for p in operation.get("parameters", [])]
    assert {"#/components/parameters/IdempotencyKey", "#/components/parameters/IdempotencyKeyRequired"} & set(refs)
    missing = {"400", "409", "422"} - set(operation["responses"])
    assert missing == set(), f"{route.method} {route.path} does not declare {sorted(missing)}"


def test_every_forwarded_rpc_has_a_contract():
    methods = from_yaml.rpc_methods()
    for route in ROUTES:
        assert (route.service, route.rpc) in methods, route
    for service in ("customer_service", "maintenance", "security_patrol", "finance", "archive", "integrations"):
        assert (service, "health") in methods
        assert from_yaml.errors(f"rpc/{service}/health.json#/input", {}) == []


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_the_payload_the_gateway_sends_fits_the_rpc_contract(client, rpc, admin_token, route):
    path = route.path.replace("<estate_id>", "A")
    path = re.sub(r"<[^<>]+>", lambda m: PATH_SAMPLES.get(m.group(0), "item_1"), path)
    query = {}
    if route.paged:
        query.update(limit="10", cursor="c2VlbiB0aGlz")
    query.update({name: example_filter(route, name) for name in route.filters})
    response = client.open(path, method=route.method, query_string=query,
                           json=example_body(route) if route.body else None,
                           headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == route.status, response.get_json()
    call = rpc.only_call(route.service, route.rpc)
    assert from_yaml.errors(f"rpc/{route.service}/{route.rpc}.json#/input", call.payload) == []
    if route.filters:
        assert set(call.payload["filters"]) == set(route.filters)


def test_who_raised_a_request_is_forwarded_as_sent_and_its_contract_refuses_a_wrong_one(client, rpc, admin_token):
    """``contact`` (who raised the request, any kind) is optional and additive: a body without it
    fits as before (SAMPLE_BODIES), one with it reaches the service as sent; the RPC contract (the
    service's check: a 400 naming the field) refuses a wrong one."""
    body = {"kind": "consultation", "household_id": "hh_1", "channel": "walk_in",
            "description": "when is the lift serviced", "contact": {"name": "王五", "phone": "139 1234 5678"}}
    response = client.post("/api/v1/estates/A/service-requests", json=body,
                           headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 201, response.get_json()
    call = rpc.only_call("customer_service", "create_request")
    assert call.payload == {"estate_id": "A", "data": body}
    ref = "rpc/customer_service/create_request.json#/input"
    assert from_yaml.errors(ref, call.payload) == []
    for contact, field in (({}, "data.contact"), ({"phone": "call me"}, "data.contact.phone"),
                           ({"name": " "}, "data.contact.name"),
                           ({"name": "王五", "email": "w@x.cn"}, "data.contact.email")):
        assert [e["field"] for e in from_yaml.errors(ref, {"estate_id": "A", "data": {**body, "contact": contact}})] \
            == [field], contact


# -- the helper used by the other modules really checks -------------------------

def test_contract_helper_finds_schemas_behind_templated_paths_and_response_refs(contract):
    ref = contract.response_ref("/api/v1/estates/{estate_id}", "get", 200, "application/json")
    estate = {"id": "A", "estate_id": "A", "code": "SH-01", "name": "n", "address": "a",
              "timezone": "Asia/Shanghai", "created_at": "2026-11-23T13:09:40.123Z", "version": 1}
    assert contract.errors(ref, estate) == []
    assert [e["field"] for e in contract.errors(ref, {**estate, "version": 0})] == ["version"]
    ref = contract.response_ref("/api/v1/users", "post", 409, "application/problem+json")
    assert contract.errors(ref, {"type": "t", "title": "t", "status": 409, "code": "conflict"}) == []
    assert contract.errors(ref, {"title": "t"}) != []
    assert contract.response_ref("/api/v1/users", "post", 418, "application/json") is None


def test_contract_helper_rejects_a_body_that_breaks_the_schema(app, client, contract, monkeypatch):
    import gateway.own_routes as own_routes  # noqa: PLC0415

    original = own_routes.jsonify

    def leaky_jsonify(body, *args):
        if isinstance(body, dict) and "access_token" in body:
            body = {**body, "refresh_token": "oops"}
        return original(body, *args)

    monkeypatch.setattr(own_routes, "jsonify", leaky_jsonify)
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": "operator-admin-secret-01"})
    assert response.status_code == 200
    with pytest.raises(AssertionError, match="refresh_token"):
        contract.check(app, response, 200)


# -- a work order's deadline (deadline_at) --------------------------------------------

WORK_ORDER = {"id": "wo_1", "estate_id": "A", "number": "WO-2026-000001",
              "source": {"type": "service_request", "id": "sr_1"}, "description": "the tap drips",
              "priority": "normal", "status": "pending", "reported_at": "2026-11-23T09:00:00.000Z",
              "response_due_at": "2026-11-24T09:00:00.000Z", "created_at": "2026-11-23T09:00:00.000Z",
              "updated_at": "2026-11-23T09:00:00.000Z", "history": []}


def test_a_work_order_answers_the_deadline_of_the_work_it_owes(app, client, rpc, admin_token, contract):
    """``deadline_at`` (maintenance's, which ``overdue=true`` reads; the console's badge repeated
    its rule): given on every work order, null once nothing is owed; the gateway passes it on."""
    auth = {"Authorization": f"Bearer {admin_token}"}
    for deadline in ("2026-11-24T09:00:00.000Z", None):
        order = {**WORK_ORDER, "deadline_at": deadline}
        rpc.answer("maintenance", "get_work_order", lambda call, order=order: dict(order))
        rpc.answer("maintenance", "list_work_orders", lambda call, order=order: {"items": [dict(order)],
                                                                                 "next_cursor": None})
        rpc.answer("maintenance", "start_work_order", lambda call, order=order: dict(order))
        assert contract.check(app, client.get("/api/v1/estates/A/work-orders/wo_1", headers=auth), 200)[
            "deadline_at"] == deadline
        assert contract.check(app, client.get("/api/v1/estates/A/work-orders", headers=auth), 200)[
            "items"][0]["deadline_at"] == deadline
        assert contract.check(app, client.post("/api/v1/estates/A/work-orders/wo_1/start", headers=auth), 200)[
            "deadline_at"] == deadline
    ref = contract.response_ref("/api/v1/estates/{estate_id}/work-orders/{work_order_id}", "get", 200,
                                "application/json")
    assert [e["field"] for e in contract.errors(ref, WORK_ORDER)] == ["deadline_at"]  # an answer without it
    assert [e["field"] for e in contract.errors(ref, {**WORK_ORDER, "deadline_at": "tomorrow"})] == ["deadline_at"]
    for method in ("get_work_order", "start_work_order", "cancel_work_order", "complete_work_order"):
        assert from_yaml.errors(f"rpc/maintenance/{method}.json#/output", {**WORK_ORDER, "deadline_at": None}) == []
        assert from_yaml.errors(f"rpc/maintenance/{method}.json#/output", WORK_ORDER) != []


# -- an integrator's incremental sync: updated_since on the lists he mirrors -------------------

SYNCED_LISTS = {"/api/v1/estates/{estate_id}/service-requests": ("customer_service", "list_requests"),
                "/api/v1/estates/{estate_id}/work-orders": ("maintenance", "list_work_orders"),
                "/api/v1/estates/{estate_id}/households": ("archive", "list_households"),
                "/api/v1/estates/{estate_id}/bills": ("finance", "list_bills"),
                "/api/v1/estates/{estate_id}/payments": ("finance", "list_payments")}


@pytest.mark.parametrize("path", sorted(SYNCED_LISTS))
def test_the_lists_integrators_mirror_take_updated_since_as_a_timestamp(client, rpc, admin_token, path):
    """``updated_since`` (one parameter, UpdatedSince, its semantics in its description) reaches the
    service as a filter, whose RPC contract refuses a value that is not a UTC timestamp (a day: the
    lists' from/to take one, this does not): the service's 400 names it."""
    refs = [p.get("$ref") for p in OPENAPI["paths"][path]["get"]["parameters"]]
    assert "#/components/parameters/UpdatedSince" in refs
    parameter = OPENAPI["components"]["parameters"]["UpdatedSince"]
    assert parameter["schema"] == {"$ref": "#/components/schemas/Timestamp"}
    for words in ("updated_at", "cursor", "millisecond", "deleted"):
        assert words in parameter["description"], words
    service, method = SYNCED_LISTS[path]
    answer = client.get(path.replace("{estate_id}", "A"), query_string={"updated_since": "2026-11-01T00:00:00Z"},
                        headers={"Authorization": f"Bearer {admin_token}"})
    assert answer.status_code == 200, answer.get_json()
    assert rpc.only_call(service, method).payload["filters"] == {"updated_since": "2026-11-01T00:00:00Z"}
    ref = f"rpc/{service}/{method}.json#/input"
    assert from_yaml.errors(ref, {"estate_id": "A", "filters": {"updated_since": "2026-11-01T00:00:00.123456Z"}}) == []
    assert [e["field"] for e in from_yaml.errors(ref, {"estate_id": "A", "filters": {"updated_since": "2026-11-01"}})] \
        == ["filters.updated_since"]


def test_a_payment_is_asked_by_its_channel_s_transaction_or_its_receipt_number(client, rpc, admin_token):
    """``transaction_id`` and ``receipt_number`` (additive): the cashier reconciling the channel's
    statement (对账单) line by line, an owner quoting his receipt, found a payment by neither.
    Documented, forwarded as sent (finance reads the receipt's number as typed), refused by the
    contract when neither a channel's number nor a record number."""
    path = "/api/v1/estates/{estate_id}/payments"
    parameters = {p.get("name"): p for p in OPENAPI["paths"][path]["get"]["parameters"]}
    assert parameters["transaction_id"]["schema"] == {"$ref": "#/components/schemas/TransactionId"}
    assert parameters["receipt_number"]["schema"] == {"$ref": "#/components/schemas/RecordNumber"}
    answer = client.get(path.replace("{estate_id}", "A"),
                        query_string={"transaction_id": "4200001234202612050001", "receipt_number": "rc-2026-42"},
                        headers={"Authorization": f"Bearer {admin_token}"})
    assert answer.status_code == 200, answer.get_json()
    assert rpc.only_call("finance", "list_payments").payload["filters"] == {
        "transaction_id": "4200001234202612050001", "receipt_number": "rc-2026-42"}
    ref = "rpc/finance/list_payments.json#/input"
    assert from_yaml.errors(ref, {"estate_id": "A", "filters": {"transaction_id": "2026120522001404",
                                                                "receipt_number": "RC-2026-000042"}}) == []
    assert sorted(e["field"] for e in from_yaml.errors(ref, {"estate_id": "A", "filters": {
        "transaction_id": "42 00", "receipt_number": "42"}})) == ["filters.receipt_number", "filters.transaction_id"]


def test_a_line_of_the_months_cost_is_asked_by_completed_in_and_its_category_or_system(client, rpc, admin_token):
    """``completed_in``, ``cost_category`` and ``cost_system`` (additive): the work orders behind a line
    of GET …/costs (the orders completed in the estate's local month, of a by_category or by_system
    line; none: the jobs on no equipment), which the supervisor could not open (found by the brief of
    the supervisor's month-end reports). Documented, forwarded as sent, refused by the contract when
    not a month, a category or a system."""
    path = "/api/v1/estates/{estate_id}/work-orders"
    parameters = {p.get("name"): p for p in OPENAPI["paths"][path]["get"]["parameters"]}
    assert parameters["completed_in"]["schema"] == {"$ref": "#/components/schemas/MaintenancePeriod"}
    assert parameters["cost_category"]["schema"] == {"$ref": "#/components/schemas/CostCategory"}
    assert "none" in parameters["cost_system"]["schema"]["enum"]
    answer = client.get(path.replace("{estate_id}", "A"),
                        query_string={"completed_in": "2026-11", "cost_category": "emergency", "cost_system": "none"},
                        headers={"Authorization": f"Bearer {admin_token}"})
    assert answer.status_code == 200, answer.get_json()
    assert rpc.only_call("maintenance", "list_work_orders").payload["filters"] == {
        "completed_in": "2026-11", "cost_category": "emergency", "cost_system": "none"}
    ref = "rpc/maintenance/list_work_orders.json#/input"
    assert from_yaml.errors(ref, {"estate_id": "A", "filters": {"completed_in": "2026-11", "cost_category": "fire_check",
                                                                "cost_system": "elevator"}}) == []
    assert sorted(e["field"] for e in from_yaml.errors(ref, {"estate_id": "A", "filters": {
        "completed_in": "2026-13", "cost_category": "lift", "cost_system": "gas"}})) == [
        "filters.completed_in", "filters.cost_category", "filters.cost_system"]


def test_the_complaints_to_verify_are_asked_by_verified_and_its_contract_refuses_another_value(
        client, rpc, admin_token):
    """``verified`` (additive): the complaints whose verification is recorded or not, whatever their
    status (the desk's start page asked status=open, and a complaint escalated before its
    verification dropped off: found by review). Documented, forwarded as sent, a BooleanText."""
    path = "/api/v1/estates/{estate_id}/service-requests"
    [parameter] = [p for p in OPENAPI["paths"][path]["get"]["parameters"] if p.get("name") == "verified"]
    assert parameter["schema"] == {"$ref": "#/components/schemas/BooleanText"}
    assert "escalated" in parameter["description"]
    answer = client.get(path.replace("{estate_id}", "A"), query_string={"kind": "complaint", "verified": "false"},
                        headers={"Authorization": f"Bearer {admin_token}"})
    assert answer.status_code == 200, answer.get_json()
    assert rpc.only_call("customer_service", "list_requests").payload["filters"] == {
        "kind": "complaint", "verified": "false"}
    ref = "rpc/customer_service/list_requests.json#/input"
    assert from_yaml.errors(ref, {"estate_id": "A", "filters": {"verified": "true"}}) == []
    assert [e["field"] for e in from_yaml.errors(ref, {"estate_id": "A", "filters": {"verified": "yes"}})] \
        == ["filters.verified"]


# -- a receiver back after the retry window --------------------------------------------------

def test_every_failed_delivery_is_sent_again_by_one_call_of_a_webhook_admin(app, client, rpc, admin_token, agent_a_token,
                                                                           contract):
    """``POST …/webhooks/{id}/deliveries/redeliver`` (``since`` optional) reaches integrations'
    redeliver_failed with the subscription and the body; the desk's agent may not (webhooks are the
    manager's and the operator admin's); a literal path, not taken for a delivery's id."""
    rpc.answer("integrations", "redeliver_failed", lambda call: {"redelivered": 3, "more": False})
    path = "/api/v1/estates/A/webhooks/whk_1/deliveries/redeliver"
    answer = client.post(path, json={"since": "2026-11-20T00:00:00Z"}, headers={"Authorization": f"Bearer {admin_token}"})
    assert contract.check(app, answer, 200) == {"redelivered": 3, "more": False}
    assert rpc.only_call("integrations", "redeliver_failed").payload == {
        "estate_id": "A", "id": "whk_1", "data": {"since": "2026-11-20T00:00:00Z"}}
    refused = client.post(path, json={}, headers={"Authorization": f"Bearer {agent_a_token}"})
    contract.problem(refused, 403, "forbidden", app=app)
    ref = "rpc/integrations/redeliver_failed.json#/input"
    assert [e["field"] for e in from_yaml.errors(ref, {"estate_id": "A", "id": "whk_1", "data": {"since": "2026-11-20"}})] \
        == ["data.since"]


def test_a_subscriptions_deliveries_are_found_by_event_id_and_type(app, client, rpc, admin_token, contract):
    """What a receiver holds (the body's event_id, the X-Estate-Event type) reaches the service's
    filters; the list took status alone (an integrator's probe)."""
    rpc.answer("integrations", "list_deliveries", lambda call: {"items": [], "next_cursor": None})
    query = {"event_id": "0" * 32, "event_type": "finance.payment_posted", "status": "failed"}
    answer = client.get("/api/v1/estates/A/webhooks/whk_1/deliveries", query_string=query,
                        headers={"Authorization": f"Bearer {admin_token}"})
    assert contract.check(app, answer, 200) == {"items": [], "next_cursor": None}
    assert rpc.only_call("integrations", "list_deliveries").payload["filters"] == query


def test_the_contract_check_holds_an_answer_s_headers_to_those_its_operation_declares(app, client, contract):
    """The harness checked bodies only: an answer without its X-Request-ID, or with a gateway header
    its operation does not declare (Idempotent-Replayed on a read, Retry-After on a 200), or a declared
    header's value off its schema, passed."""
    good = client.get("/healthz")
    contract.check(app, good, 200)
    for name, value in (("X-Request-ID", None), ("Idempotent-Replayed", "true"), ("Retry-After", "3")):
        response = client.get("/healthz")
        if value is None:
            del response.headers[name]
        else:
            response.headers[name] = value
        with pytest.raises(AssertionError, match=name):
            contract.check(app, response, 200)
    long_id = client.get("/healthz")
    long_id.headers["X-Request-ID"] = "x" * 129
    with pytest.raises(AssertionError, match="X-Request-ID"):
        contract.check(app, long_id, 200)


def test_a_subscription_to_every_event_type_passes_the_gateway_and_answers_where_it_is(app, client, rpc,
                                                                                     admin_token, contract):
    """``events: ["*"]`` (an integrator's follow-ups) is a body the contract takes and the service
    receives as sent; an unknown type beside it is refused by the contract, ``*`` beside a known one
    by the service (``webhooks.checked_events``: 400 naming ``data.events``)."""
    made = {"id": "whk_all", "estate_id": "A", "url": "https://hooks.example.com/all", "events": ["*"],
            "description": None, "active": True, "disabled_reason": None, "failing_since": None,
            "created_at": "2026-12-01T00:00:00.000Z", "created_by": "admin", "updated_at": "2026-12-01T00:00:00.000Z",
            "secret": "whsec_" + "a" * 43}
    rpc.answer("integrations", "create_webhook", lambda call: made)
    answer = client.post("/api/v1/estates/A/webhooks", json={"url": made["url"], "events": ["*"]},
                         headers={"Authorization": f"Bearer {admin_token}"})
    assert contract.check(app, answer, 201)["events"] == ["*"]
    assert answer.headers["Location"] == "/api/v1/estates/A/webhooks/whk_all"
    assert rpc.only_call("integrations", "create_webhook").payload["data"]["events"] == ["*"]
    assert [e["field"] for e in from_yaml.errors("openapi.yaml#/components/schemas/WebhookEvents",
                                                 ["*", "nope"])] != []
