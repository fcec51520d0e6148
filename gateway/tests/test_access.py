"""Deny by default: every non-public route wants a token, a role it admits and (on
estate paths) the estate in the caller's scope; what reaches a service."""
import re

import pytest
from estate_common import clock
from estate_common.errors import Forbidden, NotFound, ServiceUnavailable
from gateway import access, policy
from gateway.routes import ROUTES

from .conftest import bearer
from .samples import SAMPLE_BODIES, example_body

PUBLIC_RULES = {"/healthz", "/readyz", "/api/v1/openapi.json", "/api/docs", "/api/docs/assets/<path:filename>",
                "/api/v1/auth/token", "/metrics", "/api/v1/public/estates/<estate_code>/requests",
                "/api/v1/public/estates/<estate_code>",  # the portal form's heading: the estate's name
                "/api/v1/public/estates/<estate_code>/notices",  # the portal's notice board
                "/api/v1/public/estates/<estate_code>/activities",  # the portal's activities to come
                "/api/v1/public/requests/<tracking_code>", "/api/v1/public/requests/<tracking_code>/rating",
                "/api/v1/public/estates/<estate_code>/disclosures",  # owners: the list of those published
                "/api/v1/public/estates/<estate_code>/disclosures/<period>",  # owners: a published disclosure
                "/api/v1/public/accounts/<access_code>",  # an owner's statement link: their household's bills
                "/api/v1/public/estates/<estate_code>/fee-standards",  # owners: the fee standards published
                "/portal/<estate_code>",  # the owner portal's page, sent on to the console's
                "/portal/<estate_code>/disclosures/<period>"}  # its page of a published disclosure, likewise
PUBLIC_ENDPOINTS = {"static"}


def fill(rule, estate="x", other="x"):
    path = rule.replace("<estate_id>", estate)
    return re.sub(r"<(?:[^<>:]+:)?[^<>]+>", other, path)


def protected_requests(app):
    for rule in app.url_map.iter_rules():
        if rule.rule in PUBLIC_RULES or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        # OPTIONS is Flask's automatic answer (an Allow header, no body, no view runs).
        for method in sorted(rule.methods - {"OPTIONS"}):
            yield method, fill(rule.rule), rule


def test_the_public_rules_exist(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert PUBLIC_RULES <= rules
    assert PUBLIC_RULES == {rule for _, rule in policy.PUBLIC_ROUTES}
    assert len(list(protected_requests(app))) >= len(ROUTES) + 2  # the forwarded routes and /api/v1/users


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
def test_every_non_public_route_answers_401_without_a_valid_token(app, client, contract, rpc, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    seen = []
    for method, path, rule in protected_requests(app):
        response = client.open(path, method=method, headers=headers, json={} if method == "POST" else None)
        assert response.status_code == 401, f"{method} {rule.rule} answered {response.status_code}"
        assert response.mimetype == "application/problem+json", f"{method} {rule.rule}"
        if method != "HEAD":
            contract.problem(response, 401, "unauthorized", app=app)
        seen.append((method, rule.rule))
    assert ("POST", "/api/v1/users") in seen and ("GET", "/api/v1/estates/<estate_id>") in seen
    assert rpc.calls == []


def test_every_route_names_roles_it_admits():
    assert ROUTES
    for route in ROUTES:
        assert isinstance(route.roles, frozenset) and route.roles, route
        assert route.roles <= set(policy.ROLES), route


def test_a_route_that_names_no_roles_admits_nobody(app, admin_token):
    with app.test_request_context("/", headers={"Authorization": f"Bearer {admin_token}"}):
        assert access.authorize(policy.ADMIN)["user"] == "admin"
        for roles in (frozenset(), None, ()):
            with pytest.raises(Forbidden) as refused:
                access.authorize(roles)
            assert refused.value.detail == "your role may not do this"  # it is for nobody: nothing to name


def _token(app, user, roles, estates):
    """A token of ``user``, stored (or changed in place) with these roles and estates: the
    gateway takes the caller's roles and estates from the user's record, not the token."""
    state = app.extensions["estate_ops"]
    state.db.users.update_one(
        {"_id": user},
        {"$set": {"username": user, "roles": list(roles), "estate_ids": list(estates), "active": True,
                  "created_at": clock.now_iso()},
         "$setOnInsert": {"password_hash": None, "credential_version": 0}},  # no password: cannot sign in
        upsert=True)
    state.user_cache.forget(user)
    return state.tokens.issue(user, list(roles), list(estates), 0)


def _send(client, route, token, estate="A"):
    kwargs = {"json": example_body(route)} if route.body else {}
    return client.open(fill(route.path, estate, "x1"), method=route.method,
                       headers={"Authorization": f"Bearer {token}"}, **kwargs)


# what a route's facts (references.py) ask before the call, for the sample bodies: whether the
# standard being approved is a pending one pricing a parking hour (then the cap: not here)
FACTS_ASKED = {("finance", "approve_fee_standard"): [("finance", "list_fee_standards")],
               ("security_patrol", "update_settings"): [("finance", "highest_parking_hour_price")],
               # a goods release pass's flat: its fees past due (h8)
               ("customer_service", "issue_goods_release_pass"): [("finance", "household_account")],
               # a fund use's approval: its work order as it is now (r5 reviewing h5)
               ("finance", "approve_fund_use"): [("finance", "get_fund_entry")]}


@pytest.mark.parametrize("role", policy.ROLES)
def test_each_route_admits_exactly_its_roles(app, client, rpc, contract, role):
    token = _token(app, f"{role}-user", [role], ["A"])
    with app.test_request_context():  # estate A exists: an all-estates caller's empty list asks no more
        app.extensions["estate_ops"].estates.require("A", None, rpc)
    for route in ROUTES:
        before = len(rpc.calls)
        response = _send(client, route, token)
        if role in route.roles:
            assert response.status_code == route.status, (route, response.get_json())
            call = rpc.calls[-1]
            asked = [(c.service, c.method) for c in rpc.calls[before:-1]]
            assert asked == FACTS_ASKED.get((route.service, route.rpc), [])
            assert (call.service, call.method) == (route.service, route.rpc)
            estates = policy.estates_of({"roles": [role], "estate_ids": ["A"]})  # the admin: every estate
            assert call.caller == {"user": f"{role}-user", "roles": [role], "estates": estates}
        else:
            body = contract.problem(response, 403, "forbidden")
            assert body["detail"] == f"your role may not do this: it is for {named(route.roles)}", route
            assert len(rpc.calls) == before, f"{route.rpc} reached the service for {role}"


def named(roles):
    """A route's roles as its 403 names them: in alphabetical order, the last after "or"."""
    *others, last = sorted(roles)
    return f"{', '.join(others)} or {last}" if others else last


def test_a_refused_role_is_told_which_roles_may_do_it(app, client, contract):
    """An accountant who proposed a fee standard and tried to approve it read only "your role may
    not do this", not that a manager or the operator admin approves it. The roles named are the
    route's, that refused him; the sentence starts as it did (integrators match on it)."""
    accountant = _token(app, "accountant-a", ["accountant"], ["A"])
    approve = client.post("/api/v1/estates/A/fee-standards/fs_1/approve", json={},
                          headers={"Authorization": f"Bearer {accountant}"})
    assert contract.problem(approve, 403, "forbidden")["detail"] == \
        "your role may not do this: it is for manager or operator_admin"
    cashier = _token(app, "cashier-a", ["cashier"], ["A"])
    propose = client.post("/api/v1/estates/A/fee-standards", json=SAMPLE_BODIES["create_fee_standard"],
                          headers={"Authorization": f"Bearer {cashier}"})
    assert contract.problem(propose, 403, "forbidden")["detail"] == \
        "your role may not do this: it is for accountant, manager or operator_admin"
    users = client.get("/api/v1/users", headers={"Authorization": f"Bearer {cashier}"})  # the gateway's own
    assert contract.problem(users, 403, "forbidden")["detail"] == "your role may not do this: it is for operator_admin"


def test_finance_staff_read_the_days_left_unsettled_and_the_months_not_billed(app, client, rpc, contract):
    """A cashier's day nobody settled and a month nobody billed were named only at the month's end, or
    read as a month with nothing to bill (a domain-gap audit): finance's staff read both, with the
    cashier's filter; the accountant may send a day's settlement (finance takes his of a late day only)."""
    rpc.answer("finance", "list_unsettled_days", {"items": [], "next_cursor": None})
    rpc.answer("finance", "list_unbilled_months", {"items": [], "next_cursor": None})
    for role in ("accountant", "cashier", "manager"):
        token = {"Authorization": f"Bearer {_token(app, f'{role}-todo', [role], ['A'])}"}
        days = client.get("/api/v1/estates/A/journals/unsettled-days?cashier=wang&limit=5", headers=token)
        assert days.status_code == 200 and days.get_json() == {"items": [], "next_cursor": None}
        assert rpc.calls[-1].payload["filters"] == {"cashier": "wang"}
        assert client.get("/api/v1/estates/A/unbilled-months", headers=token).status_code == 200
    accountant = {"Authorization": f"Bearer {_token(app, 'accountant-a', ['accountant'], ['A'])}"}
    rpc.answer("finance", "settle_day", lambda call: {"id": "stl_1"})
    client.post("/api/v1/estates/A/journals/settlements", json=SAMPLE_BODIES["settle_day"], headers=accountant)
    assert rpc.calls[-1].method == "settle_day"
    for role in ("agent", "steward", "technician", "archivist"):
        token = {"Authorization": f"Bearer {_token(app, f'{role}-todo', [role], ['A'])}"}
        before = len(rpc.calls)
        for path in ("journals/unsettled-days", "unbilled-months"):
            contract.problem(client.get(f"/api/v1/estates/A/{path}", headers=token), 403, "forbidden")
        assert len(rpc.calls) == before


# An operator admin's scope is every estate (policy.estates_of), so routes for the operator
# admin alone have no estate to refuse; every other estate route is tried by a manager of A.
@pytest.mark.parametrize("route", [r for r in ROUTES if r.estate_scoped and r.roles - policy.ADMIN],
                         ids=lambda r: f"{r.method} {r.path}")
def test_estate_routes_refuse_estates_outside_the_scope(app, client, rpc, contract, route):
    role = "manager" if "manager" in route.roles else sorted(route.roles - policy.ADMIN)[0]
    manager = _token(app, "manager-a", [role], ["A"])
    for estate in ("B", "a", "A2", "*"):
        response = _send(client, route, manager, estate=estate)
        body = contract.problem(response, 403, "forbidden")
        assert body["detail"] == "this estate is outside your scope"
    assert rpc.calls == []
    assert _send(client, route, manager, estate="A").status_code == route.status
    assert len(rpc.calls) == 1 + len(FACTS_ASKED.get((route.service, route.rpc), []))


def test_a_user_with_no_estates_reaches_no_estate(app, client, rpc):
    token = _token(app, "lonely", ["manager"], [])
    for route in (r for r in ROUTES if r.estate_scoped):
        assert _send(client, route, token).status_code == 403
    assert rpc.calls == []


# -- an agent created through the API ------------------------------------------

def test_agent_may_not_create_estates(client, rpc, contract, agent_a_token):
    response = client.post("/api/v1/estates", json=SAMPLE_BODIES["create_estate"],
                           headers={"Authorization": f"Bearer {agent_a_token}"})
    contract.problem(response, 403, "forbidden")
    assert rpc.calls == []


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/v1/estates/B", None),
    ("GET", "/api/v1/estates/B/households", None),
    ("POST", "/api/v1/estates/B/households", SAMPLE_BODIES["create_household"]),
    ("GET", "/api/v1/estates/B/households/hh_1", None),
    ("POST", "/api/v1/estates/B/service-requests", SAMPLE_BODIES["create_request"]),
    ("GET", "/api/v1/estates/B/service-requests", None),
    ("GET", "/api/v1/estates/B/service-requests/sr_1", None),
    ("GET", "/api/v1/estates/B/work-orders", None),
    ("GET", "/api/v1/estates/B/work-orders/wo_1", None),
    ("GET", "/api/v1/estates/B/archive/records", None),
])
def test_agent_of_a_may_not_touch_estate_b(app, client, rpc, contract, agent_a_token, method, path, body):
    response = client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {agent_a_token}"})
    contract.problem(response, 403, "forbidden", app=app)
    assert rpc.calls == []


def test_agent_of_a_registers_a_service_request_in_a(client, rpc, agent_a_token):
    rpc.answer("customer_service", "create_request", {"id": "sr_1", "number": "A-0001"})
    response = client.post("/api/v1/estates/A/service-requests", json=SAMPLE_BODIES["create_request"],
                           headers={"Authorization": f"Bearer {agent_a_token}"})
    assert response.status_code == 201
    assert response.get_json() == {"id": "sr_1", "number": "A-0001"}
    call = rpc.only_call("customer_service", "create_request")
    assert call.caller == {"user": "agent-a", "roles": ["agent"], "estates": ["A"]}
    assert call.payload == {"estate_id": "A", "data": SAMPLE_BODIES["create_request"]}
    assert call.context is None  # no Idempotency-Key was sent
    assert len(rpc.calls) == 1


def test_agent_of_a_lists_service_requests_in_a(client, rpc, agent_a_token):
    page = {"items": [{"id": "sr_1"}], "next_cursor": "abc"}
    rpc.answer("customer_service", "list_requests", page)
    response = client.get("/api/v1/estates/A/service-requests?kind=repair&status=open&limit=5&cursor=abc",
                          headers={"Authorization": f"Bearer {agent_a_token}"})
    assert response.status_code == 200
    assert response.get_json() == page
    call = rpc.only_call("customer_service", "list_requests")
    assert call.payload == {"estate_id": "A", "limit": 5, "cursor": "abc",
                            "filters": {"kind": "repair", "status": "open"}}
    assert call.caller["estates"] == ["A"]


@pytest.mark.parametrize("role, status", [("steward", 200), ("agent", 200), ("manager", 200),
                                          ("technician", 403), ("accountant", 403), ("security", 403)])
def test_the_owners_still_to_contact_are_read_by_who_reads_the_contacts(app, client, rpc, contract, role, status):
    """The steward's list of the owners he has still to contact this month (or who fell short in a
    past one): the contacts' readers, the front desk's roles, and no one else."""
    due = {"period": "2026-10", "required": 1, "total": 1, "next_cursor": None,
           "items": [{"household_id": "hh_1", "building": "3", "unit": "1", "room": "1201", "contacts": 0,
                      "required": 1, "last_contacted_at": None}]}
    rpc.answer("customer_service", "owner_contacts_due", due)
    token = _token(app, f"{role}-due", [role], ["A"])
    response = client.get("/api/v1/estates/A/owner-contacts/due?period=2026-10&limit=20",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status
    if status == 200:
        assert response.get_json() == due
        call = rpc.only_call("customer_service", "owner_contacts_due")
        assert call.payload == {"estate_id": "A", "limit": 20, "filters": {"period": "2026-10"}}
    else:
        contract.problem(response, 403, "forbidden")
        assert rpc.calls == []


def test_the_contacts_of_a_month_are_asked_by_its_period(app, client, rpc):
    """``?period=`` on the contacts' log (last month's contacts: a probe of the steward's month)
    reaches customer service as the month typed (which its contract checks: a 400 for 2026-13)."""
    rpc.answer("customer_service", "list_owner_contacts", {"items": [], "next_cursor": None})
    headers = {"Authorization": f"Bearer {_token(app, 'steward-month', ['steward'], ['A'])}"}
    response = client.get("/api/v1/estates/A/owner-contacts?period=2026-10&kind=steward_contact", headers=headers)
    assert response.status_code == 200
    call = rpc.only_call("customer_service", "list_owner_contacts")
    assert call.payload["filters"] == {"period": "2026-10", "kind": "steward_contact"}


@pytest.mark.parametrize("role, status", [("steward", 200), ("manager", 200), ("agent", 200),
                                          ("technician", 403), ("archivist", 403), ("security", 403)])
def test_the_vacant_units_due_an_inspection_are_read_by_who_records_the_inspections(app, client, rpc, contract,
                                                                                   role, status):
    """The steward's list of the vacant units due an inspection (空置房定期巡察): those who record and
    list the inspections (the front desk's roles, the managers), and no one else."""
    due = {"interval_days": 30, "as_of": "2026-11-23", "total": 1, "next_cursor": None,
           "items": [{"household_id": "hh_1", "building": "3", "unit": "1", "room": "1201",
                      "vacant_since": "2026-09-01", "last_inspected_on": None, "due_on": "2026-10-01",
                      "days_overdue": 53}]}
    rpc.answer("archive", "vacant_inspections_due", due)
    token = _token(app, f"{role}-vacant-due", [role], ["A"])
    response = client.get("/api/v1/estates/A/vacant-inspections/due?limit=20",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status
    if status == 200:
        assert response.get_json() == due
        call = rpc.only_call("archive", "vacant_inspections_due")
        assert call.payload == {"estate_id": "A", "limit": 20}
    else:
        contract.problem(response, 403, "forbidden")
        assert rpc.calls == []


@pytest.mark.parametrize("role, status", [("technician", 200), ("manager", 200), ("agent", 200), ("steward", 200),
                                          ("security", 403), ("accountant", 403), ("archivist", 403)])
def test_the_open_work_orders_are_counted_for_who_reads_the_board(app, client, rpc, contract, role, status):
    """The engineering board's team load counted from 200 orders of each status and said "N+" past
    them: GET …/work-orders/counts (maintenance's count_work_orders) answers the board's readers
    (engineering, the front desk); security, which reads its findings' orders alone, is refused, and
    /work-orders/counts is not read as an order whose id is "counts"."""
    tally = {"open": 1, "late": 0, "emergency": 0}
    counts = {"as_of": "2026-11-23T09:00:00.000Z", **tally, "by_status": {"assigned": tally},
              "by_technician": [{"technician": "chen", **tally, "by_status": {"assigned": tally}}],
              "unassigned": {"open": 0, "late": 0, "emergency": 0, "by_status": {}}}
    rpc.answer("maintenance", "count_work_orders", counts)
    token = _token(app, f"{role}-counts", [role], ["A"])
    response = client.get("/api/v1/estates/A/work-orders/counts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status
    if status == 200:
        assert response.get_json() == counts
        assert rpc.only_call("maintenance", "count_work_orders").payload == {"estate_id": "A"}
    else:
        contract.problem(response, 403, "forbidden")
        assert rpc.calls == []
    assert client.get("/api/v1/estates/A/work-orders/counts?status=pending",
                      headers={"Authorization": f"Bearer {token}"}).status_code in (400, 403)


@pytest.mark.parametrize("role, status", [("technician", 200), ("manager", 200), ("agent", 200), ("security", 403),
                                          ("accountant", 403)])
def test_a_month_of_preventive_maintenance_is_read_by_the_boards_readers(app, client, rpc, contract, role, status):
    """GET …/preventive-maintenance (maintenance's preventive_month): each plan's due dates in the month
    and what became of each, for engineering and the front desk; the month is passed on as asked."""
    zero = dict.fromkeys(("due", "done", "done_late", "late", "open", "scheduled", "cancelled"), 0)
    month = {"estate_id": "A", "period": "2026-11", "as_of": "2026-11-23T09:00:00.000Z",
             "totals": {**zero, "due": 1, "late": 1},
             "plans": [{"plan_id": "pl_1", "kind": "periodic_maintenance", "every_days": 7, "active": True,
                        "checklist_id": None, "equipment": {"id": "eq_1", "code": "LIFT-1", "name": "Lift 1",
                                                            "system": "elevator"},
                        "counts": {**zero, "due": 1, "late": 1},
                        "jobs": [{"due_on": "2026-11-17", "state": "late", "type": "work_order", "id": "wo_1",
                                  "number": "WO-2026-000001", "status": "pending"}]}]}
    rpc.answer("maintenance", "preventive_month", month)
    token = _token(app, f"{role}-preventive", [role], ["A"])
    response = client.get("/api/v1/estates/A/preventive-maintenance?period=2026-11",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status
    if status == 200:
        assert response.get_json() == month
        assert rpc.only_call("maintenance", "preventive_month").payload == {"estate_id": "A",
                                                                             "filters": {"period": "2026-11"}}
    else:
        contract.problem(response, 403, "forbidden")
        assert rpc.calls == []


@pytest.mark.parametrize("role, status", [("technician", 200), ("manager", 200), ("agent", 200), ("security", 403),
                                          ("accountant", 403)])
def test_a_months_emergency_repairs_are_read_by_the_boards_readers(app, client, rpc, contract, role, status):
    """GET …/emergency-repairs (maintenance's emergency_month): the month's emergencies with their
    response and summary, for engineering and the front desk; the summary's and the description's
    numbers masked as a work order's are."""
    item = {"id": "wo_1", "number": "WO-2026-000001", "source": {"type": "patrol_anomaly", "id": "an_1"},
            "emergency_category": None, "status": "completed", "technician": "chen",
            "description": "pipe burst, call 13812345678", "reported_at": "2026-11-23T09:00:00.000Z",
            "response_due_at": "2026-11-23T09:30:00.000Z", "started_at": "2026-11-23T09:10:00.000Z",
            "response_minutes": 10, "completed_at": "2026-11-23T10:00:00.000Z",
            "summary": "valve closed; owner 13812345678 told", "response": "on_time"}
    month = {"estate_id": "A", "period": "2026-11", "as_of": "2026-11-23T11:00:00.000Z",
             "totals": {"reported": 1, "on_time": 1, "late": 0, "waiting": 0, "cancelled": 0, "completed": 1,
                        "open": 0}, "items": [item]}
    rpc.answer("maintenance", "emergency_month", month)
    token = _token(app, f"{role}-emergencies", [role], ["A"])
    response = client.get("/api/v1/estates/A/emergency-repairs?period=2026-11",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status
    if status == 200:
        assert rpc.only_call("maintenance", "emergency_month").payload == {"estate_id": "A",
                                                                            "filters": {"period": "2026-11"}}
        [shown] = response.get_json()["items"]
        assert shown["response"] == "on_time" and shown["response_minutes"] == 10
        # the same masking a work order's description and summary get for this role
        for field in ("description", "summary"):
            assert (shown[field] == item[field]) == (masking_sees(role)), (role, field, shown[field])
    else:
        contract.problem(response, 403, "forbidden")
        assert rpc.calls == []


def masking_sees(role):
    from estate_common import personal_data
    return personal_data.sees_in_full("numbers_in_text", [role])


def test_operator_admin_reaches_every_estate_with_scope_star(client, rpc, admin_token):
    for estate in ("A", "B", "any-estate"):
        response = client.get(f"/api/v1/estates/{estate}/households/hh_9",
                              headers={"Authorization": f"Bearer {admin_token}"})
        assert response.status_code == 200
    assert [c.payload for c in rpc.calls_to("archive", "get_household")] == [
        {"estate_id": e, "id": "hh_9"} for e in ("A", "B", "any-estate")]
    assert all(c.caller == {"user": "admin", "roles": ["operator_admin"], "estates": ["*"]} for c in rpc.calls)


def test_settings_of_an_estate_that_does_not_exist_are_a_404_for_an_all_estates_caller(app, client, rpc, contract):
    """Found by review: GET and PUT of a mistyped estate's settings answered 200 and stored them."""
    from estate_common.errors import NotFound
    auth = {"Authorization": f"Bearer {_token(app, 'admin-settings', ['operator_admin'], ['*'])}"}
    rpc.answer("archive", "get_estate", lambda call: (_ for _ in ()).throw(NotFound("no such estate"))
               if call.payload["estate_id"] == "est_typo" else {"id": call.payload["estate_id"]})
    contract.problem(client.get("/api/v1/estates/est_typo/settings/finance", headers=auth), 404, "not_found")
    put = client.put("/api/v1/estates/est_typo/settings/finance", json={"charge_due_days": 20}, headers=auth)
    contract.problem(put, 404, "not_found")
    assert rpc.calls_to("finance", "update_settings") == [] and rpc.calls_to("finance", "get_settings") == []
    assert client.get("/api/v1/estates/est_settings/settings/finance", headers=auth).status_code == 200
    # and wherever such a caller names it: a budget, the gateway's own export and custom-field routes
    for method, path, body in (("PUT", "/api/v1/estates/est_typo/budgets/2026-11", {"amount_cents": 100}),
                               ("POST", "/api/v1/estates/est_typo/exports", {"resource": "households", "format": "csv"}),
                               ("GET", "/api/v1/estates/est_typo/custom-fields", None)):
        contract.problem(client.open(path, method=method, json=body, headers=auth), 404, "not_found")
    assert [c for c in rpc.calls_except_estate_lookups() if c.payload.get("estate_id") == "est_typo"] == []


def test_operator_admin_creates_an_estate(client, rpc, admin_token):
    rpc.answer("archive", "create_estate", {"id": "est_1"})
    response = client.post("/api/v1/estates", json=SAMPLE_BODIES["create_estate"],
                           headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 201
    assert response.get_json() == {"id": "est_1"}
    assert rpc.only_call("archive", "create_estate").payload == {"data": SAMPLE_BODIES["create_estate"]}


@pytest.mark.parametrize("path, payload", [
    ("/api/v1/estates", {}),
    ("/api/v1/estates?limit=2&cursor=c1", {"limit": 2, "cursor": "c1"}),
    ("/api/v1/estates/A", {"estate_id": "A"}),
    ("/api/v1/estates/A/households?building=B1", {"estate_id": "A", "filters": {"building": "B1"}}),
    ("/api/v1/estates/A/households?building=B1&unit=2&room=1801",
     {"estate_id": "A", "filters": {"building": "B1", "unit": "2", "room": "1801"}}),
    # the vacant units a steward inspects (空置房巡查): one read, not every flat opened in turn
    ("/api/v1/estates/A/households?status=vacant", {"estate_id": "A", "filters": {"status": "vacant"}}),
    ("/api/v1/estates/A/service-requests/sr_7", {"estate_id": "A", "id": "sr_7"}),
    ("/api/v1/estates/A/work-orders?request_id=sr_7&status=pending",
     {"estate_id": "A", "filters": {"request_id": "sr_7", "status": "pending"}}),
    # late work orders of every source (their owed work past its deadline): the manager's start page
    ("/api/v1/estates/A/work-orders?overdue=true&exclude_source_type=service_request",
     {"estate_id": "A", "filters": {"overdue": "true", "exclude_source_type": "service_request"}}),
    # late work orders besides the owners' repairs past their promise (the start page's repairs line)
    ("/api/v1/estates/A/work-orders?overdue=true&promise_overdue=false",
     {"estate_id": "A", "filters": {"overdue": "true", "promise_overdue": "false"}}),
    # households by building, unit and room (an explicit order: the default stays creation's)
    ("/api/v1/estates/A/households?sort=address&building=2",
     {"estate_id": "A", "filters": {"sort": "address", "building": "2"}}),
    # one borrower's borrowings past their due back (his start page's reminder)
    ("/api/v1/estates/A/archive/borrow-requests?requested_by=zhang&overdue=true",
     {"estate_id": "A", "filters": {"requested_by": "zhang", "overdue": "true"}}),
    # one technician's orders (his "my orders", or his supervisor's look at them): one read, not 200
    # orders of each status picked over
    ("/api/v1/estates/A/work-orders?technician=chen&status=appointed",
     {"estate_id": "A", "filters": {"technician": "chen", "status": "appointed"}}),
    # the orders of one source (an incident's page): one read, not every incident's orders picked over
    ("/api/v1/estates/A/work-orders?source_type=incident&source_id=inc_1",
     {"estate_id": "A", "filters": {"source_type": "incident", "source_id": "inc_1"}}),
    ("/api/v1/estates/A/work-orders/wo_3", {"estate_id": "A", "id": "wo_3"}),
    ("/api/v1/estates/A/archive/records?subject_id=hh_1&subject_type=household",
     {"estate_id": "A", "filters": {"subject_id": "hh_1", "subject_type": "household"}}),
])
def test_path_and_query_become_the_rpc_payload(client, rpc, admin_token, path, payload):
    response = client.get(path, headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200
    assert len(rpc.calls) == 1
    assert rpc.calls[0].payload == payload


def test_the_route_table_is_what_the_app_serves(app):
    served = {(rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods}
    for route in ROUTES:
        assert (route.path, route.method) in served, route
        assert app.view_functions[f"{route.service}__{route.rpc}"].__name__ == f"{route.service}__{route.rpc}"



def test_an_empty_list_of_an_estate_that_does_not_exist_is_a_404_for_an_all_estates_caller(app, client, rpc,
                                                                                           contract):
    """Found by review: the operator admin (or an all-estates key) listing a mistyped estate id
    got 200 and no items. Archive is asked once per estate, and only for an empty page; while
    archive is down the empty page stands."""
    from estate_common.errors import NotFound, ServiceUnavailable
    token = _token(app, "admin-lists", ["operator_admin"], ["*"])
    auth = {"Authorization": f"Bearer {token}"}
    rpc.answer("customer_service", "list_requests", {"items": [], "next_cursor": None})
    rpc.answer("archive", "get_estate", lambda call: (_ for _ in ()).throw(NotFound("no such estate"))
               if call.payload["estate_id"] == "est_typo" else {"id": call.payload["estate_id"]})
    missing = client.get("/api/v1/estates/est_typo/service-requests", headers=auth)
    contract.problem(missing, 404, "not_found")
    assert client.get("/api/v1/estates/est_real/service-requests", headers=auth).status_code == 200
    assert client.get("/api/v1/estates/est_real/service-requests", headers=auth).status_code == 200
    assert [c.payload["estate_id"] for c in rpc.calls_to("archive", "get_estate")] == ["est_typo", "est_real"]
    rpc.answer("archive", "get_estate", ServiceUnavailable("archive did not answer"))
    assert client.get("/api/v1/estates/est_other/service-requests", headers=auth).status_code == 200


def would_be_assignees(client, accounts):
    """Estate A's technician, B's, A's agent and a technician of A switched off; A's manager (returned)."""
    accounts.user("tech-of-b-only", ["technician"], ["B"])
    accounts.user("agent-a", ["agent"], ["A"])
    accounts.user("former-tech", ["technician"], ["A"])
    accounts.user("tech-a", ["technician"], ["A"])
    client.patch("/api/v1/users/former-tech", headers=bearer(accounts.admin), json={"active": False})
    return accounts.user("mgr-a", ["manager"], ["A"])


@pytest.mark.parametrize("technician, found", [("ghost-user", "not_a_technician"),
                                                ("tech-of-b-only", "not_a_technician"),
                                                ("agent-a", "not_a_technician"), ("former-tech", "not_a_technician"),
                                                ("tech-a", "technician")])
def test_the_gateway_tells_maintenance_whether_an_assignee_is_an_active_technician_of_the_estate(
        client, accounts, rpc, technician, found):
    """A manager assigned orders to names no account has, to another estate's technician and to
    the desk, and nobody but a manager could then work the order (found by review): maintenance
    refuses what the gateway found is not one (assignees.py)."""
    manager = would_be_assignees(client, accounts)
    answer = client.post("/api/v1/estates/A/work-orders/wo_1/assign", headers=bearer(manager),
                         json={"technician": technician})
    assert answer.status_code == 200
    assert rpc.only_call("maintenance", "assign_work_order").context == {"assignee": found}


@pytest.mark.parametrize("to, found", [("ghost-user", "not_front_desk"), ("tech-a", "not_front_desk"),
                                       ("former-agent", "not_front_desk"), ("steward-of-b-only", "not_front_desk"),
                                       (" agent-a ", "front_desk"), ("steward-a", "front_desk"), ("mgr-a", "front_desk")])
def test_the_gateway_tells_customer_service_whether_a_request_is_handed_to_a_colleague_of_the_desk(
        client, accounts, rpc, to, found):
    """转交 (a probe of the front desk's week): a request handed over names an active agent, steward or
    manager of the estate (assignees.front_desk_fact); customer service refuses another (422)."""
    accounts.user("tech-a", ["technician"], ["A"])
    accounts.user("former-agent", ["agent"], ["A"])
    accounts.user("steward-of-b-only", ["steward"], ["B"])
    accounts.user("agent-a", ["agent"], ["A"])
    accounts.user("steward-a", ["steward"], ["A"])
    client.patch("/api/v1/users/former-agent", headers=bearer(accounts.admin), json={"active": False})
    manager = accounts.user("mgr-a", ["manager"], ["A"])
    answer = client.post("/api/v1/estates/A/service-requests/sr_1/transfer", headers=bearer(manager),
                         json={"handler": to, "note": "the steward answers it"})
    assert answer.status_code == 200
    assert rpc.only_call("customer_service", "transfer_request").context == {"assignee": found}


@pytest.mark.parametrize("guard, found", [("nobody-here", "not_a_guard"), ("guard-of-b-only", "not_a_guard"),
                                            ("tech-a", "not_a_guard"), ("former-guard", "not_a_guard"),
                                            (" guard-a ", "security")])
@pytest.mark.parametrize("path, body", [("duty-roster", {"date": "2026-12-20", "shift": "night", "post": "patrol"}),
                                        ("patrol-rounds", {"route_id": "proute_1"})])
def test_the_gateway_tells_security_patrol_whether_a_guard_is_an_active_guard_of_the_estate(
        client, accounts, rpc, guard, found, path, body):
    """The roster took any name, one no account has or a technician's (review): security patrol
    refuses a roster entry or a round whose guard the gateway found is not one (assignees.py)."""
    accounts.user("guard-of-b-only", ["security"], ["B"])
    accounts.user("tech-a", ["technician"], ["A"])
    accounts.user("former-guard", ["security"], ["A"])
    accounts.user("guard-a", ["security"], ["A"])
    client.patch("/api/v1/users/former-guard", headers=bearer(accounts.admin), json={"active": False})
    manager = accounts.user("mgr-a", ["manager"], ["A"])
    client.post(f"/api/v1/estates/A/{path}", headers=bearer(manager), json={**body, "guard": guard})
    rpc_name = {"duty-roster": "assign_duty", "patrol-rounds": "start_round"}[path]
    assert rpc.only_call("security_patrol", rpc_name).context == {"guard": found}


@pytest.mark.parametrize("from_guard, to_guard, found", [
    (" guard-a ", "guard-of-b-only", {"guard": "security", "to_guard": "not_a_guard"}),
    ("nobody-here", "guard-a", {"guard": "not_a_guard", "to_guard": "security"})])
def test_the_gateway_tells_security_patrol_whether_a_handover_s_two_guards_are_active_guards_of_the_estate(
        client, accounts, rpc, from_guard, to_guard, found):
    """A handover's from_guard and to_guard were free text (review): the gateway looks both up,
    ``guard`` for the one handing over (as for the roster) and ``to_guard`` (assignees.py)."""
    accounts.user("guard-a", ["security"], ["A"])
    accounts.user("guard-of-b-only", ["security"], ["B"])
    manager = accounts.user("mgr-a", ["manager"], ["A"])
    body = {"shift": "night", "notes": "quiet"}
    client.post("/api/v1/estates/A/shift-handovers", headers=bearer(manager),
                json={**body, "from_guard": from_guard, "to_guard": to_guard})
    assert rpc.only_call("security_patrol", "record_shift_handover").context == found


@pytest.mark.parametrize("paid_by, found", [("nobody-here", {"cashier": "not_a_cashier"}),
                                             ("rv-cashier-of-b", {"cashier": "not_a_cashier"}),
                                             ("rv-former-cashier", {"cashier": "not_a_cashier"}),
                                             (" rv-cashier-a ", {"cashier": "cashier"}),
                                             (None, None)])
def test_the_gateway_tells_finance_whether_a_reversal_is_paid_by_an_active_cashier_of_the_estate(
        client, accounts, rpc, paid_by, found):
    """A reversal of a deposit's deductions names who pays it back from his drawer (paid_by, found by r4
    reviewing h4): finance refuses one the gateway found no active cashier of the estate (assignees.py);
    none named, the estate's active cashiers (the refund's cashier pays while he is one; gone, finance's
    refusal names whom to name instead: h5)."""
    accounts.user("rv-cashier-of-b", ["cashier"], ["B"])
    accounts.user("rv-former-cashier", ["cashier"], ["A"])
    accounts.user("rv-cashier-a", ["cashier"], ["A"])
    client.patch("/api/v1/users/rv-former-cashier", headers=bearer(accounts.admin), json={"active": False})
    manager = accounts.user("rv-mgr-a", ["manager"], ["A"])
    body = {"reason": "录错"} | ({"paid_by": paid_by} if paid_by else {})
    client.post("/api/v1/estates/A/deposits/dep_1/refund/reverse-deductions", headers=bearer(manager), json=body)
    context = rpc.only_call("finance", "reverse_deposit_deductions").context or {}
    if found is not None:
        assert context == found
        return
    cashiers = context["cashiers"]  # the estate's active cashiers, sorted: none of another estate, none switched off
    assert "rv-cashier-a" in cashiers and cashiers == sorted(cashiers)
    assert not {"rv-cashier-of-b", "rv-former-cashier", "rv-mgr-a"} & set(cashiers)


def test_a_dispatcher_lists_whom_an_order_may_be_assigned_to(app, client, accounts, contract):
    """The console had them type a username (found by a probe of daily work): the same accounts
    the assignment accepts (assignees.assignable), none of another estate, none switched off."""
    manager = would_be_assignees(client, accounts)
    answer = client.get("/api/v1/estates/A/technicians", headers=bearer(manager))
    names = [item["username"] for item in contract.check(app, answer, 200)["items"]]
    assert "tech-a" in names and names == sorted(names)
    assert not {"tech-of-b-only", "agent-a", "former-tech"} & set(names)
    assert client.get("/api/v1/estates/B/technicians", headers=bearer(manager)).status_code == 403
    assert client.get("/api/v1/estates/A/technicians", headers=bearer(accounts.user(
        "list-guard-a", ["security"], ["A"]))).status_code == 403


def test_the_desk_lists_the_colleagues_a_request_may_be_handed_to(app, client, accounts, contract):
    """转交: the console had the desk type a colleague's user name (a probe of the front desk's week):
    the same accounts a handover accepts (assignees.front_desk_fact), none of another estate, none
    switched off, no technician."""
    accounts.user("tech-a", ["technician"], ["A"])
    accounts.user("former-agent", ["agent"], ["A"])
    accounts.user("steward-of-b-only", ["steward"], ["B"])
    accounts.user("steward-a", ["steward"], ["A"])
    client.patch("/api/v1/users/former-agent", headers=bearer(accounts.admin), json={"active": False})
    agent = accounts.user("agent-a", ["agent"], ["A"])
    manager = accounts.user("mgr-a", ["manager"], ["A"])
    answer = client.get("/api/v1/estates/A/desk-colleagues", headers=bearer(agent))
    names = [item["username"] for item in contract.check(app, answer, 200)["items"]]
    assert {"agent-a", "steward-a", "mgr-a"} <= set(names) and names == sorted(names)
    assert not {"tech-a", "former-agent", "steward-of-b-only"} & set(names)
    assert contract.check(app, client.get("/api/v1/estates/A/desk-colleagues", headers=bearer(manager)), 200) == \
        contract.check(app, answer, 200)
    assert client.get("/api/v1/estates/B/desk-colleagues", headers=bearer(agent)).status_code == 403
    assert client.get("/api/v1/estates/A/desk-colleagues", headers=bearer(accounts.user(
        "tech-a3", ["technician"], ["A"]))).status_code == 403


def test_the_desk_lists_the_staff_a_paid_service_s_order_may_be_assigned_to(app, client, accounts, contract):
    """派单: the console had the desk type the paid service's member of staff (found by h10, as the technicians
    and guards had pickers): the same accounts an assignment accepts (assignees.service_staff_fact, roles.
    PAID_SERVICE_STAFF), none of another estate, none switched off, no guard nor cashier."""
    accounts.user("ps-tech-a", ["technician"], ["A"])
    accounts.user("ps-former-agent", ["agent"], ["A"])
    accounts.user("ps-steward-of-b-only", ["steward"], ["B"])
    accounts.user("ps-steward-a", ["steward"], ["A"])
    accounts.user("ps-guard-a", ["security"], ["A"])
    accounts.user("ps-cashier-a", ["cashier"], ["A"])
    client.patch("/api/v1/users/ps-former-agent", headers=bearer(accounts.admin), json={"active": False})
    agent = accounts.user("ps-agent-a", ["agent"], ["A"])
    answer = client.get("/api/v1/estates/A/service-staff", headers=bearer(agent))
    names = [item["username"] for item in contract.check(app, answer, 200)["items"]]
    assert {"ps-agent-a", "ps-steward-a", "ps-tech-a"} <= set(names) and names == sorted(names)
    assert not {"ps-former-agent", "ps-steward-of-b-only", "ps-guard-a", "ps-cashier-a"} & set(names)
    assert client.get("/api/v1/estates/B/service-staff", headers=bearer(agent)).status_code == 403
    assert client.get("/api/v1/estates/A/service-staff", headers=bearer(accounts.user(
        "ps-guard-a2", ["security"], ["A"]))).status_code == 403


def test_a_technician_lists_his_colleagues_to_whom_he_hands_his_own_orders(app, client, accounts, contract):
    """The console offered a technician his colleagues to assign, and the assignment was a 403 (a
    probe), so he was listed himself alone; he now hands an order assigned to him to a colleague
    (转单, maintenance's ``domain.check_hands``: a probe of the maintenance technician's day), and
    lists them all as the desk does (the console offers him himself alone on an order no one holds)."""
    manager = would_be_assignees(client, accounts)
    technician = accounts.user("tech-a2", ["technician"], ["A"])
    agent = accounts.user("desk-a", ["agent"], ["A"])
    listed = {who: [item["username"] for item in contract.check(app, client.get(
        "/api/v1/estates/A/technicians", headers=bearer(token)), 200)["items"]]
              for who, token in (("manager", manager), ("agent", agent), ("technician", technician))}
    assert listed["manager"] == listed["agent"] == listed["technician"]
    assert {"tech-a", "tech-a2"} <= set(listed["technician"])
    assert not {"tech-of-b-only", "former-tech"} & set(listed["technician"])


def would_be_guards(client, accounts):
    """Estate A's two guards, B's, A's technician and a guard of A switched off; A's manager (returned)."""
    accounts.user("guard-of-b-only", ["security"], ["B"])
    accounts.user("tech-a", ["technician"], ["A"])
    accounts.user("former-guard", ["security"], ["A"])
    accounts.user("guard-a", ["security"], ["A"])
    accounts.user("guard-a2", ["security"], ["A"])
    client.patch("/api/v1/users/former-guard", headers=bearer(accounts.admin), json={"active": False})
    return accounts.user("mgr-a", ["manager"], ["A"])


def test_whoever_rosters_guards_lists_the_estate_s_active_guards(app, client, accounts, contract):
    """The console had the roster, a round and a handover typed by username, and a typo was a 422
    (the technicians' picker, for guards): the same accounts the three accept (assignees.assignable),
    none of another estate, none switched off, no technician; the roles of those three routes."""
    manager = would_be_guards(client, accounts)
    answer = client.get("/api/v1/estates/A/guards", headers=bearer(manager))
    names = [item["username"] for item in contract.check(app, answer, 200)["items"]]
    assert {"guard-a", "guard-a2"} <= set(names) and names == sorted(names)
    assert not {"guard-of-b-only", "former-guard", "tech-a", "mgr-a"} & set(names)
    assert client.get("/api/v1/estates/B/guards", headers=bearer(manager)).status_code == 403
    assert client.get("/api/v1/estates/A/guards?status=active", headers=bearer(manager)).status_code == 400
    for role in ("technician", "agent", "accountant"):
        token = accounts.user(f"list-{role}-a", [role], ["A"])
        assert client.get("/api/v1/estates/A/guards", headers=bearer(token)).status_code == 403, role


def test_a_guard_lists_every_guard_of_the_estate_for_he_rosters_and_hands_over_to_them(
        app, client, accounts, contract):
    """Not himself alone, as a technician: the security role is the supervisor's, the team lead's
    and the guard's alike, and a handover names the guard taking over."""
    manager = would_be_guards(client, accounts)
    guard = accounts.user("guard-a", ["security"], ["A"])
    listed = {who: [item["username"] for item in contract.check(app, client.get(
        "/api/v1/estates/A/guards", headers=bearer(token)), 200)["items"]]
              for who, token in (("manager", manager), ("guard", guard))}
    assert listed["guard"] == listed["manager"] and {"guard-a", "guard-a2"} <= set(listed["guard"])


def _use_of_the_fund(client, accounts, rpc, work_order_id):
    """An accountant requests a use of the fund naming ``work_order_id``; finance answers it."""
    rpc.answer("finance", "request_fund_use", lambda call: {"id": "mfu_1"})
    accountant = accounts.user("acct-a", ["accountant"], ["A"])
    answer = client.post("/api/v1/estates/A/maintenance-fund/uses", headers=bearer(accountant),
                         json={"amount_cents": 5000, "purpose": "lift rope", "work_order_id": work_order_id})
    assert answer.status_code == 201, answer.get_json()


@pytest.mark.parametrize("maintenance_answers, found", [
    ({"id": "wo_1", "number": "WO-2026-000007", "priority": "normal"},
     {"work_order": "found", "work_order_id": "wo_1", "work_order_number": "WO-2026-000007",
      "work_order_priority": "normal"}),
    ({"id": "wo_1", "number": "WO-2026-000007", "priority": "emergency"},  # an emergency use's, finance checks
     {"work_order": "found", "work_order_id": "wo_1", "work_order_number": "WO-2026-000007",
      "work_order_priority": "emergency"}),
    ({"id": "wo_1", "number": "WO-2026-000007", "priority": "emergency", "status": "cancelled"},  # finance refuses
     {"work_order": "found", "work_order_id": "wo_1", "work_order_number": "WO-2026-000007",
      "work_order_priority": "emergency", "work_order_status": "cancelled"}),
    # what the owner pays of it and its cause: finance refuses an owner's order (h5, a burst pipe)
    ({"id": "wo_1", "number": "WO-2026-000007", "priority": "normal", "status": "completed", "charge_cents": 48000,
      "consent": {"by": "***", "at": "2026-12-06T19:00:00.000Z", "recorded_by": "chen", "quote_version": 1,
                  "amount_cents": 48000},
      "cause": {"party": "owner", "household_id": "hh_1801", "third_party": None, "note": None}},
     {"work_order": "found", "work_order_id": "wo_1", "work_order_number": "WO-2026-000007",
      "work_order_priority": "normal", "work_order_status": "completed", "work_order_charge_cents": 48000,
      "work_order_consented_cents": 48000, "work_order_cause_party": "owner"}),
    (NotFound("no such work order"), {"work_order": "not_found"})])
def test_the_gateway_tells_finance_whether_a_fund_use_names_a_work_order_of_the_estate(
        client, accounts, rpc, maintenance_answers, found):
    """A fund use named a work order of another estate, or of none, and finance kept it (found
    by review): the gateway asks maintenance, as the caller, in the estate of the call
    (references.py), and finance refuses what was not found."""
    rpc.answer("maintenance", "get_work_order", maintenance_answers)
    _use_of_the_fund(client, accounts, rpc, "wo_1")
    asked = rpc.only_call("maintenance", "get_work_order")
    assert asked.payload == {"estate_id": "A", "id": "wo_1"} and asked.caller["user"] == "acct-a"
    assert rpc.only_call("finance", "request_fund_use").context == found


def _not_found(call):
    raise NotFound("no such contractor")


@pytest.mark.parametrize("customer_service_answers, found", [
    ({"id": "ctr_1", "name": "Bright Clean Co"}, {"contractor": "found"}),
    (_not_found, {"contractor": "not_found"})])
def test_the_gateway_tells_finance_whether_an_operating_cost_names_a_contractor_of_the_estate(
        client, accounts, rpc, customer_service_answers, found):
    """A mistyped contractor_id on the accountant's invoice passed finance's check of a month costed twice,
    finding no cost of it (found by h7): the gateway asks customer service, as the caller, in the estate of
    the call (references.contractor_fact), and finance refuses what was not found; a cost naming none asks
    nothing."""
    rpc.answer("customer_service", "get_contractor", customer_service_answers)
    rpc.answer("finance", "record_operating_expense", lambda call: {"id": "opx_1"})
    accountant = accounts.user("acct-a", ["accountant"], ["A"])
    for body in ({"contractor_id": "ctr_1"}, {}):
        answer = client.post("/api/v1/estates/A/operating-expenses", headers=bearer(accountant), json={
            "period": "2026-10", "category": "cleaning", "amount_cents": 100, "description": "invoice", **body})
        assert answer.status_code == 201, answer.get_json()
    asked = rpc.only_call("customer_service", "get_contractor")
    assert asked.payload == {"estate_id": "A", "id": "ctr_1"} and asked.caller["user"] == "acct-a"
    first, second = rpc.calls_to("finance", "record_operating_expense")
    assert (first.context, second.context or {}) == (found, {})


@pytest.mark.parametrize("listed, found", [
    ([{"id": "wo_7", "number": "WO-2026-000007", "priority": "emergency"}],
     {"work_order": "found", "work_order_id": "wo_7", "work_order_number": "WO-2026-000007",
      "work_order_priority": "emergency"}),
    ([], {"work_order": "not_found"})])
def test_a_fund_use_may_name_its_work_order_by_the_number_an_accountant_has(client, accounts, rpc, listed, found):
    """An accountant may not read work orders, so could not find the internal id the use asked for;
    the number is printed on the order and its invoice."""
    rpc.answer("maintenance", "list_work_orders", {"items": listed, "next_cursor": None})
    _use_of_the_fund(client, accounts, rpc, "wo-2026-7")
    asked = rpc.only_call("maintenance", "list_work_orders")
    assert asked.payload == {"estate_id": "A", "filters": {"number": "wo-2026-7"}, "limit": 1}
    assert rpc.calls_to("maintenance", "get_work_order") == []
    assert rpc.only_call("finance", "request_fund_use").context == found


def test_the_gateway_tells_finance_at_an_approval_what_the_owner_pays_of_the_use_s_work_order_now(
        client, accounts, rpc):
    """A use requested while its order was open was approved after the order completed with the cause the
    owner's own pipe (or a quote he consented to, a charge): finance knew the order as the request found
    it alone (found by r5 reviewing h5). The approval reads the use's order again, as the manager, and
    says it as for the request; a use naming no order asks maintenance nothing."""
    rpc.answer("finance", "get_fund_entry", {"id": "mfu_1", "kind": "use", "work_order_id": "wo_1"})
    rpc.answer("maintenance", "get_work_order", {
        "id": "wo_1", "number": "WO-2026-000007", "priority": "emergency", "status": "completed",
        "charge_cents": 0, "cause": {"party": "owner", "household_id": "hh_1801", "third_party": None, "note": None}})
    rpc.answer("finance", "approve_fund_use", lambda call: {"id": "mfu_1", "status": "requested"})
    manager = accounts.user("boss-a", ["manager"], ["A"])
    answer = client.post("/api/v1/estates/A/maintenance-fund/uses/mfu_1/approve", headers=bearer(manager), json={})
    assert answer.status_code == 200, answer.get_json()
    assert rpc.only_call("finance", "get_fund_entry").payload == {"estate_id": "A", "id": "mfu_1"}
    assert rpc.only_call("maintenance", "get_work_order").caller["user"] == "boss-a"
    assert rpc.only_call("finance", "approve_fund_use").context == {
        "work_order": "found", "work_order_id": "wo_1", "work_order_number": "WO-2026-000007",
        "work_order_priority": "emergency", "work_order_status": "completed", "work_order_cause_party": "owner"}
    rpc.calls.clear()
    rpc.answer("finance", "get_fund_entry", {"id": "mfu_2", "kind": "use", "work_order_id": None})
    client.post("/api/v1/estates/A/maintenance-fund/uses/mfu_2/approve", headers=bearer(manager), json={})
    assert rpc.calls_to("maintenance", "get_work_order") == []
    assert rpc.only_call("finance", "approve_fund_use").context is None


@pytest.mark.parametrize("work_order_id", ["wo 1/x", "w" * 65])
def test_a_malformed_work_order_id_is_finances_400_naming_it(client, accounts, rpc, work_order_id):
    """Sent on to maintenance's get_work_order, a malformed id was refused there, as ``id``, a field
    the client never sent (found by review): the contract's 400 names work_order_id."""
    accountant = accounts.user("acct-a", ["accountant"], ["A"])
    client.post("/api/v1/estates/A/maintenance-fund/uses", headers=bearer(accountant),
                json={"amount_cents": 5000, "purpose": "lift rope", "work_order_id": work_order_id})
    assert rpc.calls_to("maintenance", "get_work_order") == []
    assert rpc.only_call("finance", "request_fund_use").context is None


def test_a_fund_use_without_a_work_order_asks_maintenance_nothing(client, accounts, rpc):
    rpc.answer("finance", "request_fund_use", lambda call: {"id": "mfu_1"})
    accountant = accounts.user("acct-a", ["accountant"], ["A"])
    client.post("/api/v1/estates/A/maintenance-fund/uses", headers=bearer(accountant),
                json={"amount_cents": 5000, "purpose": "lift rope"})
    assert rpc.calls_to("maintenance", "get_work_order") == []
    assert rpc.only_call("finance", "request_fund_use").context is None


def test_a_fund_use_naming_a_work_order_is_a_503_while_maintenance_does_not_answer(client, accounts, rpc, contract):
    rpc.answer("maintenance", "get_work_order", ServiceUnavailable("maintenance did not answer"))
    accountant = accounts.user("acct-a", ["accountant"], ["A"])
    answer = client.post("/api/v1/estates/A/maintenance-fund/uses", headers=bearer(accountant),
                         json={"amount_cents": 5000, "purpose": "lift rope", "work_order_id": "wo_1"})
    contract.problem(answer, 503, "service_unavailable")
    assert rpc.calls_to("finance", "request_fund_use") == []


# -- a parking hour's fee standard and security patrol's daily cap (references.py) -------------

PARKING_HOUR = {"item": "parking", "amount_cents": 800, "cycle": "per_charge"}


def test_a_proposed_parking_hour_is_sent_to_finance_with_the_daily_cap_security_patrol_has(client, accounts, rpc):
    """An hour priced above the day's cap was approved (found by review): finance keeps no copy of
    security patrol's setting, so the gateway asks it, as the caller, and finance refuses (422)."""
    rpc.answer("security_patrol", "parking_daily_cap", {"estate_id": "A", "parking_daily_cap_cents": 3000})
    accountant = accounts.user("acct-a", ["accountant"], ["A"])
    answer = client.post("/api/v1/estates/A/fee-standards", headers=bearer(accountant), json=PARKING_HOUR)
    assert answer.status_code == 201, answer.get_json()
    asked = rpc.only_call("security_patrol", "parking_daily_cap")
    assert asked.payload == {"estate_id": "A"} and asked.caller["user"] == "acct-a"
    assert rpc.only_call("finance", "create_fee_standard").context == {"parking_daily_cap_cents": 3000}


@pytest.mark.parametrize("body", [
    {"item": "property_service", "unit_price_cents_per_m2": 235, "cycle": "monthly"},
    {"item": "renovation_deposit", "amount_cents": 90000, "cycle": "per_charge"}])
def test_another_standard_asks_security_patrol_nothing(client, accounts, rpc, body):
    accountant = accounts.user("acct-a", ["accountant"], ["A"])
    assert client.post("/api/v1/estates/A/fee-standards", headers=bearer(accountant), json=body).status_code == 201
    assert rpc.calls_to("security_patrol", "parking_daily_cap") == []
    assert rpc.only_call("finance", "create_fee_standard").context is None


def test_which_parking_standard_prices_an_hour_is_finances_rule_alone(client, accounts, rpc):
    """The gateway restated finance's standards.prices_a_parking_hour (review): it reads the cap for
    every parking standard, a rented space's month too, and finance decides whether it applies."""
    rpc.answer("security_patrol", "parking_daily_cap", {"estate_id": "A", "parking_daily_cap_cents": 3000})
    accountant = accounts.user("acct-a", ["accountant"], ["A"])
    body = {"item": "parking", "amount_cents": 30000, "cycle": "monthly", "applies_to": {"household_ids": ["hh_1"]}}
    assert client.post("/api/v1/estates/A/fee-standards", headers=bearer(accountant), json=body).status_code == 201
    assert rpc.only_call("finance", "create_fee_standard").context == {"parking_daily_cap_cents": 3000}


@pytest.mark.parametrize("pending, cap_asked", [
    ([{"id": "fs_9", **PARKING_HOUR, "status": "pending"}], True),
    ([{"id": "fs_9", "item": "parking", "amount_cents": 30000, "cycle": "monthly", "status": "pending"}], True),
    ([], False),  # fs_9 is no pending parking standard
    ([{"id": "fs_other", **PARKING_HOUR, "status": "pending"}], False)])
def test_an_approval_of_a_parking_hour_reads_the_daily_cap_in_force_then(client, accounts, rpc, pending, cap_asked):
    """The cap may have come down since the proposal: the approval is judged on the cap then."""
    rpc.answer("finance", "list_fee_standards", {"items": pending, "next_cursor": None})
    rpc.answer("security_patrol", "parking_daily_cap", {"estate_id": "A", "parking_daily_cap_cents": 700})
    manager = accounts.user("boss-a", ["manager"], ["A"])
    assert client.post("/api/v1/estates/A/fee-standards/fs_9/approve", headers=bearer(manager)).status_code == 200
    listed = rpc.only_call("finance", "list_fee_standards")
    assert listed.payload["filters"] == {"id": "fs_9", "item": "parking", "status": "pending"}
    assert listed.payload["limit"] == 1  # that one standard, not a page searched (a 201st was missed)
    assert len(rpc.calls_to("security_patrol", "parking_daily_cap")) == int(cap_asked)
    assert rpc.only_call("finance", "approve_fee_standard").context == (
        {"parking_daily_cap_cents": 700} if cap_asked else None)


@pytest.mark.parametrize("highest", [
    None, {"id": "fs_9", "status": "pending", "amount_cents": 1500, "valid_from": "2027-03"}])
def test_a_change_of_security_patrols_settings_carries_finances_highest_parking_hour(client, accounts, rpc, highest):
    """The daily cap may not come down below it: finance answers from every approved and pending
    parking standard (a page of 200 read by the gateway missed a 201st: review), as the caller."""
    rpc.answer("finance", "highest_parking_hour_price", {"estate_id": "A", "standard": highest})
    manager = accounts.user("boss-a", ["manager"], ["A"])
    answer = client.put("/api/v1/estates/A/settings/security-patrol", headers=bearer(manager),
                        json={"parking_daily_cap_cents": 1000})
    assert answer.status_code == 200, answer.get_json()
    asked = rpc.only_call("finance", "highest_parking_hour_price")
    assert asked.payload == {"estate_id": "A"} and asked.caller["user"] == "boss-a"
    assert rpc.only_call("security_patrol", "update_settings").context == (
        {"parking_hour_standard": highest} if highest else None)


def test_a_change_of_security_patrols_settings_is_a_503_while_finance_does_not_answer(client, accounts, rpc,
                                                                                     contract):
    rpc.answer("finance", "highest_parking_hour_price", ServiceUnavailable("finance did not answer"))
    manager = accounts.user("boss-a", ["manager"], ["A"])
    answer = client.put("/api/v1/estates/A/settings/security-patrol", headers=bearer(manager),
                        json={"parking_daily_cap_cents": 1000})
    contract.problem(answer, 503, "service_unavailable")
    assert rpc.calls_to("security_patrol", "update_settings") == []


def test_a_parking_hour_is_a_503_while_security_patrol_does_not_answer(client, accounts, rpc, contract):
    rpc.answer("security_patrol", "parking_daily_cap", ServiceUnavailable("security_patrol did not answer"))
    accountant = accounts.user("acct-a", ["accountant"], ["A"])
    answer = client.post("/api/v1/estates/A/fee-standards", headers=bearer(accountant), json=PARKING_HOUR)
    contract.problem(answer, 503, "service_unavailable")
    assert rpc.calls_to("finance", "create_fee_standard") == []


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/v1/estates/A/work-orders?source_type=patrol_anomaly&source_id=anom_1", 200),
    ("GET", "/api/v1/estates/A/work-orders/wo_1", 200),
    ("POST", "/api/v1/estates/A/work-orders/wo_1/start", 403),
    ("POST", "/api/v1/estates/A/work-orders/wo_1/assign", 403)])
def test_security_reads_work_orders_and_takes_no_step_of_them(app, client, rpc, method, path, status):
    """A guard's patrol anomaly, a fire check's defect and an incident each open a work order, and
    the security department could not follow one (403: a probe of its day). It reads them;
    maintenance narrows what it reads to those sources (domain.readable_filters). No step is its."""
    order = {"id": "wo_1"}
    rpc.answer("maintenance", "list_work_orders", {"items": [], "next_cursor": None})
    rpc.answer("maintenance", "get_work_order", order)
    token = _token(app, "guard-reads", ["security"], ["A"])
    response = client.open(path, method=method, headers={"Authorization": f"Bearer {token}"},
                           json={} if method == "POST" else None)
    assert response.status_code == status


def test_a_guard_reads_security_patrols_settings_and_changes_none(client, accounts, rpc, contract):
    """The supervisor could not read the numbers his checkpoints are judged by (the late tolerance,
    the shifts' hours, the fire checks' cycle): every service's settings were the manager's alone (a
    probe of the security department's day). The security role reads security patrol's, and still
    changes none, nor reads another service's."""
    rpc.answer("security_patrol", "get_settings", {"estate_id": "A", "defaults": {"patrol_late_tolerance_minutes": 10},
                                                   "overrides": {}, "values": {"patrol_late_tolerance_minutes": 10}})
    guard = accounts.user("gus", ["security"], ["A"])
    read = client.get("/api/v1/estates/A/settings/security-patrol", headers=bearer(guard))
    assert read.status_code == 200, read.get_json()
    assert rpc.only_call("security_patrol", "get_settings").caller["roles"] == ["security"]
    contract.problem(client.put("/api/v1/estates/A/settings/security-patrol", headers=bearer(guard),
                                json={"patrol_late_tolerance_minutes": 30}), 403, "forbidden")
    contract.problem(client.get("/api/v1/estates/A/settings/maintenance", headers=bearer(guard)), 403, "forbidden")
    contract.problem(client.get("/api/v1/estates/B/settings/security-patrol", headers=bearer(guard)), 403,
                     "forbidden")
    assert rpc.calls_to("security_patrol", "update_settings") == [] and rpc.calls_to("maintenance", "get_settings") == []


def test_the_archivist_reads_the_archive_s_settings_and_changes_none(client, accounts, rpc, contract):
    """The archivist got a 403 on the numbers the archive's rules are judged by (the checks a year,
    the plan's due days, the borrowing days): the archives' keeper reads archive's settings, as a
    guard reads security patrol's, and changes none, nor reads another service's."""
    rpc.answer("archive", "get_settings", {"estate_id": "A", "defaults": {"min_checks_per_year": 2},
                                           "overrides": {}, "values": {"min_checks_per_year": 2}})
    archivist = accounts.user("lin", ["archivist"], ["A"])
    read = client.get("/api/v1/estates/A/settings/archive", headers=bearer(archivist))
    assert read.status_code == 200, read.get_json()
    assert rpc.only_call("archive", "get_settings").caller["roles"] == ["archivist"]
    contract.problem(client.put("/api/v1/estates/A/settings/archive", headers=bearer(archivist),
                                json={"min_checks_per_year": 3}), 403, "forbidden")
    contract.problem(client.get("/api/v1/estates/A/settings/finance", headers=bearer(archivist)), 403, "forbidden")
    contract.problem(client.get("/api/v1/estates/B/settings/archive", headers=bearer(archivist)), 403, "forbidden")
    assert rpc.calls_to("archive", "update_settings") == [] and rpc.calls_to("finance", "get_settings") == []


# -- an entrapment's lift, maintenance's piece of equipment (references.py) -------------------

@pytest.mark.parametrize("maintenance_answers, found", [
    ({"id": "eq_lift3", "code": "LIFT-3", "name": "3号楼客梯", "system": "elevator"},
     {"equipment": "found", "equipment_id": "eq_lift3", "equipment_code": "LIFT-3", "equipment_system": "elevator"}),
    (NotFound("no such equipment"), {"equipment": "not_found"})])
def test_the_gateway_tells_security_whether_an_incident_names_equipment_of_the_estate(
        client, accounts, rpc, maintenance_answers, found):
    """An elevator entrapment names its lift (h12, a lift kept out after an entrapment): security keeps
    no copy of the equipment ledger, so the gateway asks maintenance, as the caller (a guard, who may
    not read the ledger's pages), in the estate of the call, and security refuses what was not found."""
    rpc.answer("maintenance", "get_equipment", maintenance_answers)
    rpc.answer("security_patrol", "open_incident", lambda call: {"id": "inc_1"})
    guard = accounts.user("guard-a", ["security"], ["A"])
    answer = client.post("/api/v1/estates/A/incidents", headers=bearer(guard), json={
        "type": "elevator_entrapment", "description": "two people in lift 3", "location": "Building 3",
        "equipment_id": "eq_lift3"})
    assert answer.status_code == 201, answer.get_json()
    asked = rpc.only_call("maintenance", "get_equipment")
    # its details alone: a lift's ledger of years (thousands of records) was read on an emergency's call
    # and could outlast its RPC timeout, a 503 to the guard (found by review r12 of h12)
    assert asked.payload == {"estate_id": "A", "id": "eq_lift3", "filters": {"records": "none"}}
    assert asked.caller["user"] == "guard-a"
    assert rpc.only_call("security_patrol", "open_incident").context == found


def test_an_incident_sent_again_with_its_key_is_answered_while_maintenance_is_down(client, accounts, rpc):
    """The retried call of an entrapment (its answer lost) with the same Idempotency-Key: the key's
    stored answer, where the lift's check with maintenance came first and a maintenance down made the
    replay a 503 (found by h5, a probe of a lift's year)."""
    rpc.answer("maintenance", "get_equipment", {"id": "eq_lift3", "code": "LIFT-3", "system": "elevator"})
    rpc.answer("security_patrol", "open_incident", lambda call: {"id": "inc_1", "number": "INC-1"})
    guard = accounts.user("guard-k", ["security"], ["A"])
    body = {"type": "elevator_entrapment", "description": "two people in lift 3", "location": "Building 3",
            "equipment_id": "eq_lift3"}
    headers = {**bearer(guard), "Idempotency-Key": "entrapment-1"}
    first = client.post("/api/v1/estates/A/incidents", headers=headers, json=body)
    assert first.status_code == 201, first.get_json()
    rpc.answer("maintenance", "get_equipment", ServiceUnavailable("maintenance did not answer"))
    again = client.post("/api/v1/estates/A/incidents", headers=headers, json=body)
    assert again.status_code == 201, again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == "inc_1"
    assert len(rpc.calls_to("maintenance", "get_equipment")) == 1  # the replay asked it nothing
    # a new call (another key) still needs the check: maintenance down is its 503
    other = client.post("/api/v1/estates/A/incidents", headers={**bearer(guard), "Idempotency-Key": "entrapment-2"},
                        json=body)
    assert other.status_code == 503


def test_a_guard_lists_the_lifts_by_code_and_location_but_reads_no_ledger(client, accounts, rpc, contract):
    """The incident form's lift picker (h5): a guard names an entrapment's lift from the estate's lifts
    (id, code, location alone) and still reads no ledger; the archivist and the accounts read neither."""
    lifts = {"items": [{"id": "eq_lift3", "code": "LIFT-3", "location": "Building 3"}], "next_cursor": None}
    rpc.answer("maintenance", "list_lifts", lifts)
    guard = accounts.user("guard-l", ["security"], ["A"])
    answer = client.get("/api/v1/estates/A/lifts", headers=bearer(guard))
    assert contract.check(client.application, answer, 200) == lifts
    assert rpc.only_call("maintenance", "list_lifts").payload == {"estate_id": "A"}
    contract.problem(client.get("/api/v1/estates/A/equipment", headers=bearer(guard)), 403, app=client.application)
    cashier = accounts.user("cashier-l", ["cashier"], ["A"])
    contract.problem(client.get("/api/v1/estates/A/lifts", headers=bearer(cashier)), 403, app=client.application)


def test_the_archivist_reads_the_equipment_ledger_and_its_records_but_writes_nothing(client, accounts, rpc, contract):
    """DOMAIN.md "Archive": the archive keeps the equipment archives, and the archivist hands the lift's
    records (电梯维修记录) to the inspector: he read none of them (found by h5, a probe of a lift's year).
    He reads the ledger, its records and their export; registering, records, plans and 停运 stay engineering's."""
    archivist = accounts.user("archivist-eq", ["archivist"], ["A"])
    piece = {"id": "eq_1", "estate_id": "A", "code": "LIFT-1", "name": "1号梯", "system": "elevator",
             "location": "1号楼", "installed_on": None, "created_at": "2026-01-01T00:00:00Z",
             "updated_at": "2026-01-01T00:00:00Z"}
    rpc.answer("maintenance", "list_equipment", {"items": [piece], "next_cursor": None})
    rpc.answer("maintenance", "get_equipment", piece)
    rpc.answer("maintenance", "list_equipment_records", {"items": [], "next_cursor": None})
    rpc.answer("maintenance", "list_estate_equipment_records", {"items": [], "next_cursor": None})
    for path in ("equipment", "equipment/eq_1", "equipment/eq_1/records", "equipment-records"):
        answer = client.get(f"/api/v1/estates/A/{path}", headers=bearer(archivist))
        contract.check(client.application, answer, 200)
    for path, body in (("equipment", {"code": "P-1", "name": "泵", "system": "water", "location": "B2"}),
                       ("equipment/eq_1/records", {"kind": "repair", "result": "换件"}),
                       ("equipment/eq_1/out-of-service", {"reason": "检修"})):
        contract.problem(client.post(f"/api/v1/estates/A/{path}", headers=bearer(archivist), json=body), 403,
                         app=client.application)
    assert "archivist" in policy.job_scopes.EXPORT_READERS["equipment_records"]


def test_the_maintenance_supervisor_dispatches_to_a_technician_he_lists(client, accounts, rpc, contract):
    """工程维修主管 (h5): an account holding technician and maintenance_supervisor lists the estate's
    technicians and assigns an order to one, as the desk dispatches; maintenance decides the rest by his
    roles (domain.check_hands). A technician alone is still sent to maintenance, which refuses another's."""
    accounts.user("tech-s", ["technician"], ["A"])
    supervisor = accounts.user("lao-s", ["technician", "maintenance_supervisor"], ["A"])
    rpc.answer("maintenance", "assign_work_order", {"id": "wo_1"})
    answer = client.post("/api/v1/estates/A/work-orders/wo_1/assign", headers=bearer(supervisor),
                         json={"technician": "tech-s"})
    assert answer.status_code == 200, answer.get_json()
    call = rpc.only_call("maintenance", "assign_work_order")
    assert call.context == {"assignee": "technician"}
    assert set(call.caller["roles"]) == {"technician", "maintenance_supervisor"}
    listed = client.get("/api/v1/estates/A/technicians", headers=bearer(supervisor))
    assert "tech-s" in [t["username"] for t in contract.check(client.application, listed, 200)["items"]]
    made = client.post("/api/v1/users", headers=bearer(accounts.admin), json={
        "username": "lao-new", "password": "a-long-enough-password-1", "roles": ["technician", "maintenance_supervisor"],
        "estate_ids": ["A"]})
    assert made.status_code == 201, made.get_json()


def test_an_incident_naming_no_equipment_asks_maintenance_nothing(client, accounts, rpc):
    rpc.answer("security_patrol", "open_incident", lambda call: {"id": "inc_1"})
    guard = accounts.user("guard-a", ["security"], ["A"])
    client.post("/api/v1/estates/A/incidents", headers=bearer(guard), json={
        "type": "elevator_entrapment", "description": "two people in lift 3", "location": "Building 3"})
    assert rpc.calls_to("maintenance", "get_equipment") == []
    assert rpc.only_call("security_patrol", "open_incident").context is None


def test_the_cashier_records_the_common_parts_income_he_takes_and_registers_no_contract(app, client, rpc, contract):
    """公共收益: the recycling company's cash or an advertiser's transfer comes to the cashier, as an owner's
    payment does, and is booked in his journal; only the accountant and management could record it, the cashier
    who held the money could not (found by r9 reviewing h9). The contracts stay the accountant's and management's."""
    rpc.answer("finance", "record_revenue_receipt", lambda call: {"id": "prr_1"})
    cashier = {"Authorization": f"Bearer {_token(app, 'cashier-prr', ['cashier'], ['A'])}",
               "Idempotency-Key": "prr-cashier"}
    answer = client.post("/api/v1/estates/A/public-revenue/contracts/prc_1/receipts",
                         json={"amount_cents": 12_000, "method": "cash"}, headers=cashier)
    assert answer.status_code == 201 and rpc.calls[-1].method == "record_revenue_receipt"
    before = len(rpc.calls)
    refused = client.post("/api/v1/estates/A/public-revenue/contracts", headers=cashier, json={
        "kind": "recycling", "counterparty": "绿源回收有限公司", "location": "地下室", "starts_on": "2026-01-01",
        "ends_on": "2026-12-31", "amount_cents": 10_000})
    contract.problem(refused, 403, "forbidden")
    assert len(rpc.calls) == before


def test_a_manager_reverses_a_common_parts_receipt_and_ends_its_contract_the_accountant_and_cashier_do_not(
        app, client, rpc, contract):
    """A receipt typed wrong reversed, a contract ended early or cancelled (found by h3): a manager's, as a
    deposit's deductions are taken back; the accountant who registers and the cashier who receives may not."""
    rpc.answer("finance", "reverse_revenue_receipt", lambda call: {"id": "prr_1"})
    rpc.answer("finance", "terminate_revenue_contract", lambda call: {"id": "prc_1"})
    for role in ("accountant", "cashier"):
        headers = {"Authorization": f"Bearer {_token(app, f'{role}-prv', [role], ['A'])}",
                   "Idempotency-Key": f"prv-{role}"}
        before = len(rpc.calls)
        contract.problem(client.post("/api/v1/estates/A/public-revenue/receipts/prr_1/reverse",
                                     json={"reason": "typed wrong"}, headers=headers), 403, "forbidden")
        contract.problem(client.post("/api/v1/estates/A/public-revenue/contracts/prc_1/terminate",
                                     json={"reason": "closed"}, headers=headers), 403, "forbidden")
        assert len(rpc.calls) == before
    manager = {"Authorization": f"Bearer {_token(app, 'boss-prv', ['manager'], ['A'])}", "Idempotency-Key": "prv-m"}
    answer = client.post("/api/v1/estates/A/public-revenue/receipts/prr_1/reverse", json={"reason": "typed wrong"},
                         headers=manager)
    assert answer.status_code == 200 and rpc.calls[-1].method == "reverse_revenue_receipt"
    manager["Idempotency-Key"] = "prv-m2"
    answer = client.post("/api/v1/estates/A/public-revenue/contracts/prc_1/terminate",
                         json={"ends_on": "2026-09-30", "reason": "closed"}, headers=manager)
    assert answer.status_code == 200 and rpc.calls[-1].method == "terminate_revenue_contract"


@pytest.mark.parametrize("role, status", [("maintenance_supervisor", 200), ("manager", 200), ("technician", 403),
                                          ("accountant", 403)])
def test_the_supervisor_or_management_edits_a_part_s_name_and_minimum(app, client, rpc, contract, role, status):
    """PATCH …/parts/{id} (h13): the storekeepers correct a part's name or minimum; engineering's
    technicians, who issue parts, and accounts, who read the store, do not."""
    rpc.answer("maintenance", "update_part", lambda call: {
        "id": "part_1", "estate_id": "A", "code": "TAP", "name": call.payload["data"]["name"], "unit": "piece",
        "minimum": 0, "on_hand": 0, "value_cents": 0, "unit_cost_cents": None, "below_minimum": False,
        "created_at": "2026-11-23T09:00:00.000Z", "updated_at": "2026-11-23T09:00:00.000Z"})
    headers = {"Authorization": f"Bearer {_token(app, f'{role}-part', [role], ['A'])}", "Idempotency-Key": f"part-{role}"}
    answer = client.patch("/api/v1/estates/A/parts/part_1", json={"name": "水龙头 DN15"}, headers=headers)
    assert answer.status_code == status
    if status == 200:
        assert rpc.calls[-1].method == "update_part" and answer.get_json()["name"] == "水龙头 DN15"
    else:
        contract.problem(answer, 403, "forbidden")


@pytest.mark.parametrize("path, body, allowed", [
    ("roll-calls", {"date": "2026-11-23", "shift": "day", "entries": [{"guard": "zhang", "status": "present"}]},
     {"security_lead", "security_supervisor"}),
    ("post-spot-checks", {"shift": "day", "post": "gate", "manned": True, "guard": "zhang"},
     {"security_lead", "security_supervisor"}),
    ("discipline-records", {"guard": "zhang", "kind": "appearance", "description": "未佩戴工牌"},
     {"security_lead", "security_supervisor"}),
    ("trainings", {"topic": "岗前培训", "kind": "pre_shift", "held_at": "2026-11-23T00:00:00Z", "attendees": ["zhang"]},
     {"security_supervisor"}),
    ("guard-assessments", {"guard": "zhang", "period": "2026-10"}, {"security_supervisor"}),
])
def test_the_team_s_duty_is_recorded_by_its_lead_or_supervisor_alone(app, client, rpc, path, body, allowed):
    """The security team's month on duty (h7) was the security role's: any guard took the roll call,
    recorded a colleague's fault and assessed himself (found by review r7 of h7). The team lead and the
    supervisor record the roll calls, spot checks and faults, the supervisor the trainings and the
    assessments; a guard and the manager record none (403) and read them."""
    for roles in (["security"], ["manager"], ["security", "security_lead"], ["security", "security_supervisor"]):
        rpc.calls.clear()
        token = _token(app, f"team-{roles[-1]}-{path}", roles, ["A"])
        answer = client.post(f"/api/v1/estates/A/{path}", json=body,
                             headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{path}-{roles[-1]}"})
        if roles[-1] in allowed:
            assert answer.status_code != 403, (roles, answer.get_json())
            assert [c.method for c in rpc.calls if c.service == "security_patrol"][-1:] == [
                {"roll-calls": "record_roll_call", "post-spot-checks": "record_spot_check", "trainings": "record_training",
                 "discipline-records": "record_discipline", "guard-assessments": "record_assessment"}[path]]
        else:
            assert answer.status_code == 403, (roles, answer.status_code)
            assert not [c for c in rpc.calls if c.service == "security_patrol"]
        listed = client.get(f"/api/v1/estates/A/{path}", headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code != 403
