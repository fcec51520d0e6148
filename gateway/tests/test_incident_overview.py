"""The manager's Monday view of a night's incident (事件总览, h1): ``GET …/incidents/{id}/overview``
puts the incident, its work orders with their state and cost, the calls that joined them and the
notices naming it in one answer, composed from security, maintenance and customer service."""
import pytest

from estate_common.errors import Forbidden, InvalidInput, NotFound, ServiceUnavailable
from estate_common.rpc_client import RemoteError

VIEW = "/api/v1/estates/A/incidents/inc_1/overview"
AT = "2026-11-21T15:00:00.000Z"
INCIDENT = {"id": "inc_1", "estate_id": "A", "number": "INC-2026-0001", "type": "flooding",
            "description": "泵房进水", "location": "B2 pump room", "major": False, "status": "closed",
            "plan": [], "pending_steps": [], "steps": [], "escalations": [], "summary": "主管更换",
            "opened_at": AT, "closed_at": AT, "created_at": AT, "updated_at": AT, "anomaly_id": "anom_1",
            "work_order": True,
            "maintenance_order": {"id": "wo_anom", "number": "WO-2026-000007", "status": "completed",
                                  "updated_at": AT}}


def order(order_id, number, source, material, labour, status="completed", reported_at=AT):
    return {"id": order_id, "estate_id": "A", "number": number, "source": source, "description": "主水管爆裂",
            "priority": "emergency", "status": status, "technician": "wang", "reported_at": reported_at,
            "started_at": AT, "completed_at": AT if status == "completed" else None,
            "material_cost_cents": material, "labour_cost_cents": labour, "charge_cents": 0,
            "signed_by": "欧阳探针", "created_at": AT, "updated_at": AT, "history": [], "deadline_at": None}


TAKEN_OVER = order("wo_anom", "WO-2026-000007", {"type": "patrol_anomaly", "id": "anom_1"}, 128_050, 60_000)
OWN = order("wo_inc", "WO-2026-000009", {"type": "incident", "id": "inc_1"}, 0, 0, status="in_progress",
            reported_at="2026-11-21T16:00:00.000Z")
NOTICE = {"id": "ntc_1", "estate_id": "A", "title": "停水通知", "body": "3-5栋停水抢修", "building": "3",
          "buildings": ["3", "4"], "published_at": AT, "published_by": "zhang", "created_at": AT,
          "incident_id": "inc_1", "work_order_id": "wo_anom", "expected_restoration_at": AT}


def call(n):
    return {"id": f"sr_{n}", "estate_id": "A", "number": f"SR-2026-00000{n}", "kind": "repair",
            "household_id": f"hh_{n}", "channel": "phone", "description": "家里没水了 13957286446",
            "status": "closed", "due_at": None, "created_at": AT, "updated_at": AT, "closed_at": AT, "history": []}


def joined(record):
    calls = {"wo_anom": [call(1), call(2)], "wo_inc": [call(3)]}
    return {"items": calls[record.payload["filters"]["joins_work_order_id"]], "next_cursor": None}


def auth(accounts, role):
    token = accounts.user("night-" + role.replace("_", "-"), [role], ["A"])
    return {"Authorization": f"Bearer {token}"}


def answer_all(rpc):
    rpc.answer("security_patrol", "get_incident", INCIDENT)
    rpc.answer("maintenance", "list_work_orders", {"items": [OWN], "next_cursor": None})
    rpc.answer("maintenance", "get_work_order", TAKEN_OVER)
    rpc.answer("customer_service", "list_notices", {"items": [NOTICE], "next_cursor": None})
    rpc.answer("customer_service", "list_requests", joined)
    rpc.answer("finance", "list_fund_entries", {"items": [], "next_cursor": None})


def test_the_night_of_an_incident_is_one_view_with_its_orders_cost_calls_and_notices(client, rpc, contract,
                                                                                    accounts):
    answer_all(rpc)
    night = contract.check(client.application, client.get(VIEW, headers=auth(accounts, "manager")), 200)
    assert night["incident"]["id"] == "inc_1" and night["unavailable"] == [] and night["truncated"] is False
    assert [(o["id"], o["status"], o["cost_cents"]) for o in night["work_orders"]] == [
        ("wo_anom", "completed", 188_050), ("wo_inc", "in_progress", 0)]  # the taken-over order first
    anom = night["work_orders"][0]
    assert (anom["material_cost_cents"], anom["labour_cost_cents"]) == (128_050, 60_000)
    assert anom["joined_requests"]["count"] == 2
    assert [c["id"] for c in anom["joined_requests"]["items"]] == ["sr_1", "sr_2"]
    assert "description" not in anom["joined_requests"]["items"][0]  # no caller's words nor phone
    assert night["joined_request_count"] == 3
    assert (night["material_cost_cents"], night["labour_cost_cents"], night["total_cost_cents"]) == (
        128_050, 60_000, 188_050)
    assert [n["id"] for n in night["notices"]] == ["ntc_1"]
    # what each service was asked: its own orders, the notices naming it, the taken-over order, the calls
    assert rpc.only_call("maintenance", "list_work_orders").payload["filters"] == {
        "source_type": "incident", "source_id": "inc_1"}
    asked = rpc.calls_to("customer_service", "list_notices")  # by the incident, then by each of its orders
    assert sorted(sorted(c.payload["filters"].items()) for c in asked) == [
        [("incident_id", "inc_1")], [("work_order_id", "wo_anom")], [("work_order_id", "wo_inc")]]
    assert rpc.only_call("maintenance", "get_work_order").payload == {"estate_id": "A", "id": "wo_anom"}
    assert sorted(c.payload["filters"]["joins_work_order_id"]
                  for c in rpc.calls_to("customer_service", "list_requests")) == ["wo_anom", "wo_inc"]


@pytest.mark.parametrize("role", ["agent", "security", "technician", "accountant", "archivist"])
def test_only_management_reads_the_night(client, rpc, contract, accounts, role):
    answer_all(rpc)
    contract.problem(client.get(VIEW, headers=auth(accounts, role)), 403, app=client.application)
    assert rpc.calls_to("security_patrol", "get_incident") == []


def test_an_incident_not_found_is_a_404(client, rpc, contract, accounts):
    answer_all(rpc)
    rpc.answer("security_patrol", "get_incident", NotFound("no such incident"))
    contract.problem(client.get(VIEW, headers=auth(accounts, "manager")), 404, app=client.application)


def test_a_service_that_does_not_answer_is_named_and_the_rest_is_given(client, rpc, contract, accounts):
    answer_all(rpc)
    rpc.answer("customer_service", "list_requests", ServiceUnavailable("customer_service did not answer"))
    night = contract.check(client.application, client.get(VIEW, headers=auth(accounts, "manager")), 200)
    assert night["unavailable"] == ["customer_service"] and night["total_cost_cents"] == 188_050
    assert night["joined_request_count"] == 0
    answer_all(rpc)
    rpc.answer("maintenance", "list_work_orders", ServiceUnavailable("maintenance did not answer"))
    night = contract.check(client.application, client.get(VIEW, headers=auth(accounts, "manager")), 200)
    assert night["unavailable"] == ["maintenance"] and night["work_orders"] == []
    assert len(rpc.calls_to("maintenance", "get_work_order")) == 1  # the first view's: not asked again


OLDER = InvalidInput("data.filters: an unknown filter", [{"field": "filters.work_order_id", "message": "is not allowed"}])


@pytest.mark.parametrize("service, method, left_out", [
    ("customer_service", "list_notices", "notices"), ("customer_service", "list_requests", "calls"),
    ("finance", "list_fund_entries", "fund"), ("maintenance", "list_work_orders", "orders")])
def test_an_older_replica_refusing_a_filter_names_its_part_unavailable_and_the_rest_is_given(
        client, rpc, contract, accounts, service, method, left_out):
    """A rolling deploy: an older customer service or finance refuses a filter the view asks
    (``work_order_id``, ``joins_work_order_id``, ``incident_id``) with a 400, and the whole view was
    that 400, where a 503 names the service and shows the rest (h4, last session's small leftovers)."""
    answer_all(rpc)
    rpc.answer(service, method, OLDER)
    night = contract.check(client.application, client.get(VIEW, headers=auth(accounts, "manager")), 200)
    assert night["unavailable"] == [service] and night["incident"]["id"] == "inc_1"
    # maintenance's own list refused: the taken-over order is not asked of it either, as when silent
    assert night["total_cost_cents"] == (0 if left_out == "orders" else 188_050)
    # a refused filter leaves out its part only: the service's other parts are asked (r1's notice
    # filters are newer than the joined calls' one)
    assert night["joined_request_count"] == (0 if left_out in ("calls", "orders") else 3)
    assert [n["id"] for n in night["notices"]] == ([] if left_out == "notices" else ["ntc_1"])


def test_a_refusal_of_the_caller_is_still_the_view_s_answer(client, rpc, contract, accounts):
    answer_all(rpc)
    rpc.answer("customer_service", "list_requests", Forbidden("not in your estates"))
    contract.problem(client.get(VIEW, headers=auth(accounts, "manager")), 403, app=client.application)
    answer_all(rpc)
    rpc.answer("security_patrol", "get_incident", InvalidInput("data.id: is invalid", [{"field": "id", "message": "x"}]))
    contract.problem(client.get(VIEW, headers=auth(accounts, "manager")), 400, app=client.application)


@pytest.mark.parametrize("service, method", [("maintenance", "list_work_orders"),
                                             ("customer_service", "list_notices"), ("finance", "list_fund_entries")])
def test_a_fault_of_the_gateway_s_own_is_no_service_s_silence(client, rpc, accounts, service, method):
    """A 400 or 5xx of a service's answer names it unavailable (h4), but an error that is no
    service's answer (the gateway's own fault, a ``KeyError`` reading a reply) was named so too, the
    view a 200 naming a service that answered, nothing logged: the first round raised it before
    (``Fanout.ask_services``), the view's 500 (found by review r4 of h4)."""
    answer_all(rpc)
    rpc.answer(service, method, KeyError("items"))
    assert client.get(VIEW, headers=auth(accounts, "manager")).status_code == 500
    rpc.answer(service, method, RemoteError("TypeError", "a bug there"))  # the service's own: its failing
    night = client.get(VIEW, headers=auth(accounts, "manager"))
    assert night.status_code == 200 and night.get_json()["unavailable"] == [service]


def test_a_joined_call_s_own_order_that_had_started_is_in_the_night_s_cost(client, rpc, contract, accounts):
    """A repair joined the fault's order after its own order had started (the start not yet heard by
    customer service): maintenance does not cancel a started order (``domain.joined_cancel``), its
    cost is the night's, and the view left it out (h4, last session's small leftovers). One cancelled
    before it started costs nothing and is not shown."""
    answer_all(rpc)
    started = order("wo_own3", "WO-2026-000011", {"type": "service_request", "id": "sr_3"}, 4_000, 2_500,
                    reported_at="2026-11-21T14:00:00.000Z")
    cancelled = {**order("wo_own4", "WO-2026-000012", {"type": "service_request", "id": "sr_4"}, 0, 0,
                         status="cancelled"), "started_at": None}
    orders = {o["id"]: o for o in (TAKEN_OVER, started, cancelled)}
    rpc.answer("maintenance", "get_work_order", lambda record: orders[record.payload["id"]])
    calls = {"wo_anom": [call(1), call(2), {**call(4), "own_work_order_id": "wo_own4"}],
             "wo_inc": [{**call(3), "own_work_order_id": "wo_own3"}]}
    rpc.answer("customer_service", "list_requests",
               lambda record: {"items": calls[record.payload["filters"]["joins_work_order_id"]], "next_cursor": None})
    uses = {"wo_own3": [fund_use("mfu_9", "wo_own3", 6_500, "approved")]}
    rpc.answer("finance", "list_fund_entries",
               lambda record: {"items": uses.get(record.payload["filters"]["work_order_id"], []), "next_cursor": None})
    night = contract.check(client.application, client.get(VIEW, headers=auth(accounts, "manager")), 200)
    assert [(o["id"], o["cost_cents"]) for o in night["work_orders"]] == [
        ("wo_own3", 6_500), ("wo_anom", 188_050), ("wo_inc", 0)]  # the earliest reported first
    assert night["total_cost_cents"] == 188_050 + 6_500 and night["joined_request_count"] == 4
    assert night["fund_approved_cents"] == 6_500
    assert sorted(c.payload["id"] for c in rpc.calls_to("maintenance", "get_work_order")) == [
        "wo_anom", "wo_own3", "wo_own4"]
    rpc.answer("maintenance", "get_work_order", lambda record: (
        orders[record.payload["id"]] if record.payload["id"] == "wo_anom" else ServiceUnavailable("gone")))
    night = contract.check(client.application, client.get(VIEW, headers=auth(accounts, "manager")), 200)
    assert night["unavailable"] == ["maintenance"] and night["total_cost_cents"] == 188_050


def test_a_list_longer_than_a_page_is_read_to_its_end(client, rpc, accounts):
    answer_all(rpc)

    def pages(record):
        if record.payload["filters"]["joins_work_order_id"] != "wo_anom":
            return {"items": [], "next_cursor": None}
        if record.payload.get("cursor"):
            return {"items": [call(2)], "next_cursor": None}
        return {"items": [call(1)], "next_cursor": "c1"}

    rpc.answer("customer_service", "list_requests", pages)
    night = client.get(VIEW, headers=auth(accounts, "manager")).get_json()
    assert night["work_orders"][0]["joined_requests"]["count"] == 2 and night["truncated"] is False


def test_the_notices_naming_its_orders_are_the_night_s_too(client, rpc, contract, accounts):
    """The desk's notice of a burst main named the fault's order, the anomaly's the incident took over,
    and not the incident (customer service does not know the take-over: it takes no incident from an
    anomaly's order): the view read the notices by the incident alone and left it out (found by review
    r1). It reads them by each of its orders too, each notice once, oldest first."""
    answer_all(rpc)
    by_order = {**NOTICE, "id": "ntc_0", "incident_id": None, "created_at": "2026-11-21T14:50:00.000Z"}
    by_own = {**NOTICE, "id": "ntc_2", "incident_id": None, "work_order_id": "wo_inc",
              "created_at": "2026-11-21T16:10:00.000Z"}

    def notices(record):
        filters = record.payload["filters"]
        if filters.get("incident_id") == "inc_1":
            return {"items": [NOTICE], "next_cursor": None}
        named = {"wo_anom": [by_order, NOTICE], "wo_inc": [by_own]}.get(filters.get("work_order_id"), [])
        return {"items": named, "next_cursor": None}

    rpc.answer("customer_service", "list_notices", notices)
    night = contract.check(client.application, client.get(VIEW, headers=auth(accounts, "manager")), 200)
    assert [n["id"] for n in night["notices"]] == ["ntc_0", "ntc_1", "ntc_2"]
    assert sorted(c.payload["filters"].get("work_order_id", "-")
                  for c in rpc.calls_to("customer_service", "list_notices")) == ["-", "wo_anom", "wo_inc"]


def fund_use(use_id, work_order_id, cents, status):
    return {"id": use_id, "estate_id": "A", "kind": "use", "amount_cents": cents, "household_id": None,
            "source": None, "method": None, "purpose": "主水管更换", "work_order_id": work_order_id,
            "work_order_number": "WO-2026-000007", "work_order_other_approved": {"uses": 0, "amount_cents": 0},
            "consent_ref": "业主大会2026-3", "note": None, "status": status, "requested_by": "acc",
            "decided_by": "mia" if status != "requested" else None, "decided_at": AT if status != "requested" else None,
            "reject_reason": None, "day": None, "balance_after_cents": None, "created_at": AT}


def test_what_the_maintenance_fund_paid_for_its_orders_is_on_the_night(client, rpc, contract, accounts):
    """A burst main is a repair of shared parts: the special maintenance fund (专项维修资金) pays for it
    once the manager approves its use, and the manager's view showed the cost but not what the fund
    paid nor what awaits his approval (found by review r1): each order's uses, and the approved total."""
    answer_all(rpc)
    uses = {"wo_anom": [fund_use("mfu_1", "wo_anom", 150_000, "approved"),
                        fund_use("mfu_2", "wo_anom", 38_050, "requested")],
            "wo_inc": [fund_use("mfu_3", "wo_inc", 9_000, "rejected")]}
    rpc.answer("finance", "list_fund_entries",
               lambda record: {"items": uses[record.payload["filters"]["work_order_id"]], "next_cursor": None})
    night = contract.check(client.application, client.get(VIEW, headers=auth(accounts, "manager")), 200)
    anom, own = night["work_orders"]
    assert (anom["fund_uses"]["approved_cents"], anom["fund_uses"]["requested_cents"]) == (150_000, 38_050)
    assert [(u["id"], u["status"], u["amount_cents"]) for u in anom["fund_uses"]["items"]] == [
        ("mfu_1", "approved", 150_000), ("mfu_2", "requested", 38_050)]
    assert (own["fund_uses"]["approved_cents"], own["fund_uses"]["requested_cents"]) == (0, 0)
    assert night["fund_approved_cents"] == 150_000 and night["total_cost_cents"] == 188_050
    assert sorted(c.payload["filters"]["work_order_id"] for c in rpc.calls_to("finance", "list_fund_entries")) == [
        "wo_anom", "wo_inc"]
    assert all(c.payload["filters"]["kind"] == "use" for c in rpc.calls_to("finance", "list_fund_entries"))
    rpc.answer("finance", "list_fund_entries", ServiceUnavailable("finance did not answer"))
    night = contract.check(client.application, client.get(VIEW, headers=auth(accounts, "manager")), 200)
    assert night["unavailable"] == ["finance"] and night["fund_approved_cents"] == 0
    assert night["total_cost_cents"] == 188_050 and night["joined_request_count"] == 3
