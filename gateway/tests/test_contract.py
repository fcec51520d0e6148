"""The gateway against contracts/openapi.yaml and the RPC contracts it forwards to."""
import re

import pytest

from estate_common import contracts
from gateway.docs import UNDOCUMENTED_ENDPOINTS
from gateway.routes import ROUTES

from_yaml = contracts.load()
OPENAPI = from_yaml.openapi
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
PUBLIC_OPERATIONS = {("/healthz", "get"), ("/readyz", "get"), ("/api/v1/openapi.json", "get"),
                     ("/api/docs", "get"), ("/api/v1/auth/token", "post")}

SAMPLE_BODIES = {
    "create_estate": {"code": "SH-PD-01", "name": "Pudong Garden", "address": "1 Century Avenue"},
    "create_household": {"building": "B1", "unit": "U1", "room": "101", "area_m2": 88.5,
                         "owner": {"name": "Li Lei", "phone": "+86 138 0000 0000"}},
    "create_request": {"kind": "repair", "household_id": "hh_1", "channel": "phone",
                       "description": "the kitchen tap leaks"},
    # maintenance
    "assign_work_order": {"technician": "chen"},
    "appoint_work_order": {"at": "2030-01-02T09:00:00.000Z"},
    "reappoint_work_order": {"at": "2030-01-03T09:00:00.000Z", "reason": "a part is on order"},
    "start_work_order": {},
    "quote_work_order": {"amount_cents": 3000, "items": [{"name": "valve", "amount_cents": 3000}]},
    "consent_work_order": {"by": "Li Lei"},
    "complete_work_order": {"materials": [{"name": "valve", "qty": 1, "unit_cost_cents": 1800}],
                            "charge_cents": 3000, "signed_by": "Li Lei", "labour_minutes": 45},
    "request_help": {"reason": "needs a second pair of hands"},
    "mark_emergency": {"category": "water_mains"},
    "cancel_work_order": {"reason": "registered twice"},
    "create_equipment": {"code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2 pump room"},
    "add_equipment_record": {"kind": "inspection", "result": "normal", "notes": "pressure 0.4 MPa"},
    "create_maintenance_plan": {"equipment_id": "eq_1", "kind": "daily_inspection", "every_days": 1,
                                "next_due_on": "2030-01-01"},
    "set_budget": {"amount_cents": 5000000},
    "decide_renovation_review": {"decision": "approved", "notes": "no load-bearing wall touched"},
    "update_settings": {"repair_response_hours": 12},
    # security_patrol
    "create_patrol_route": {"name": "Night loop", "checkpoints": [{"code": "A1", "name": "North gate"}]},
    "create_patrol_plan": {"route_id": "proute_1", "shift": "night", "start_time": "22:00", "expected_minutes": 60},
    "start_round": {"route_id": "proute_1", "guard": "zhao"},
    "check_in": {"checkpoint": "A1"},
    "finish_round": {},
    "create_fire_equipment": {"code": "FE-001", "name": "Extinguisher 1F", "kind": "extinguisher",
                              "location": "Building 1 lobby"},
    "record_fire_inspection": {"equipment_id": "fe_1", "result": "ok"},
    "open_incident": {"type": "fire_alarm", "description": "smoke alarm on 3F", "location": "Building 2"},
    "record_incident_step": {"step": "verify_alarm"},
    "close_incident": {"summary": "a false alarm: burnt toast"},
    "create_vehicle_pass": {"plate": "沪A12345", "kind": "resident", "household_id": "hh_1"},
    "record_vehicle_entry": {"plate": "沪A12345"},
    "record_vehicle_exit": {"plate": "沪A12345"},
    "register_visitor": {"name": "Wang Wu", "visiting_household_id": "hh_1", "purpose": "family visit"},
    "record_shift_handover": {"shift": "night", "from_guard": "zhao", "to_guard": "qian", "notes": "all quiet"},
    # archive
    "create_borrow_request": {"subject_id": "hh_1", "purpose": "audit of the owner file", "kind": "view"},
    "approve_borrow_request": {},
    "reject_borrow_request": {"note": "not needed"},
    "return_borrow_request": {},
    "create_check_plan": {"year": 2026, "planned_dates": ["2026-03-01", "2026-09-01"]},
    "record_archive_check": {"plan_id": "acp_1", "checked_at": "2026-03-01T02:00:00.000Z",
                             "records_checked": 10, "records_complete": 9},
}
SAMPLE_FILTERS = {"building": "B1", "kind": "complaint", "status": "open", "household_id": "hh_1",
                  "request_id": "sr_1", "subject_id": "hh_1", "subject_type": "household",
                  "priority": "emergency", "source_type": "patrol_anomaly", "equipment_id": "eq_1", "system": "water",
                  "period": "2026-11"}
WORK_ORDER_FILTERS = {"status": "pending"}  # work orders have their own statuses
PATH_SAMPLES = {"<period>": "2026-11"}  # path parameters that are not ids


def example_body(route):
    """A body to send on ``route``: SAMPLE_BODIES, else the example openapi.yaml gives with
    the operation's request body."""
    if route.rpc in SAMPLE_BODIES:
        return SAMPLE_BODIES[route.rpc]
    operation = OPENAPI["paths"][re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", route.path)]
    return operation[route.method.lower()]["requestBody"]["content"]["application/json"]["example"]


def example_filter(route, name):
    """A value for a query filter: the example openapi.yaml gives for that parameter of the
    route (a filter of the same name takes other values on another resource), else SAMPLE_FILTERS."""
    operation = OPENAPI["paths"][template(route.path)][route.method.lower()]
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == name and "example" in parameter:
            return parameter["example"]
    return SAMPLE_FILTERS[name]
SAMPLE_FILTERS.update({"route_id": "proute_1", "unchecked_in": "2026-11", "equipment_id": "fe_1", "period": "2026-11",
                       "result": "ok", "type": "fire_alarm", "plate": "沪A12345", "visiting_household_id": "hh_1",
                       "shift": "night", "from": "2026-11-01", "to": "2026-11-30T23:59:59Z", "overdue": "true",
                       "plan_id": "acp_1", "year": "2026"})
RPC_FILTERS = {  # where a filter's name means something else on that list
    "list_fire_equipment": {"kind": "extinguisher"},
    "list_vehicle_passes": {"kind": "resident"},
    "list_borrow_requests": {"status": "pending"},
}


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
    assert OPENAPI["security"] == [{"bearer": []}]


@pytest.mark.parametrize("path, method", sorted(documented_operations() - PUBLIC_OPERATIONS))
def test_protected_operations_declare_401_and_403(path, method):
    responses = OPENAPI["paths"][path][method]["responses"]
    assert "401" in responses
    assert "403" in responses or (path, method) == ("/api/v1/estates", "get")  # every staff role lists estates


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
    assert "#/components/parameters/IdempotencyKey" in refs
    missing = {"400", "409", "422"} - set(operation["responses"])
    assert missing == set(), f"{route.method} {route.path} does not declare {sorted(missing)}"


def test_every_forwarded_rpc_has_a_contract():
    methods = from_yaml.rpc_methods()
    for route in ROUTES:
        assert (route.service, route.rpc) in methods, route
    for service in ("customer_service", "maintenance", "security_patrol", "finance", "archive"):
        assert (service, "health") in methods
        assert from_yaml.errors(f"rpc/{service}/health.json#/input", {}) == []


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_the_payload_the_gateway_sends_fits_the_rpc_contract(client, rpc, admin_token, route):
    path = route.path.replace("<estate_id>", "A")
    path = re.sub(r"<[^<>]+>", lambda m: PATH_SAMPLES.get(m.group(0), "item_1"), path)
    query = {}
    if route.paged:
        query.update(limit="10", cursor="c2VlbiB0aGlz")
    overrides = WORK_ORDER_FILTERS if route.service == "maintenance" else RPC_FILTERS.get(route.rpc, {})
    query.update({name: overrides.get(name) or example_filter(route, name) for name in route.filters})
    response = client.open(path, method=route.method, query_string=query,
                           json=example_body(route) if route.body else None,
                           headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == route.status, response.get_json()
    call = rpc.only_call(route.service, route.rpc)
    assert from_yaml.errors(f"rpc/{route.service}/{route.rpc}.json#/input", call.payload) == []
    if route.filters:
        assert set(call.payload["filters"]) == set(route.filters)


# -- the helper used by the other modules really checks -------------------------

def test_contract_helper_finds_schemas_behind_templated_paths_and_response_refs(contract):
    ref = contract.response_ref("/api/v1/estates/{estate_id}", "get", 200, "application/json")
    estate = {"id": "A", "estate_id": "A", "code": "SH-01", "name": "n", "address": "a",
              "created_at": "2026-11-23T13:09:40.123Z", "version": 1}
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
