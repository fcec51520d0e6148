"""Paid value-added services (有偿增值服务) through the gateway (review r8 of h8)."""
import pytest

from .conftest import bearer
from .test_estate_retirement import archive_knows  # noqa: F401 (a fixture)

ORDER = "/api/v1/estates/A/service-orders/so_1"


def test_a_complaint_about_an_order_is_created_and_answers_201_with_the_request(client, accounts, rpc):
    """A complaint filed about an order is a new service request (its id and number): creates answer
    201 (API.md), as a return visit of a request does; it answered 200 as a step of the order."""
    rpc.answer("customer_service", "complain_about_service_order",
               {"id": "sr_9", "number": "CS-2026-000009", "kind": "complaint", "household_id": "hh_1"})
    agent = accounts.user("desk-so", ["agent"], ["A"])
    body = {"channel": "phone", "description": "the balcony was left undone"}
    answer = client.post(f"{ORDER}/complaint", headers={**bearer(agent), "Idempotency-Key": "so-c-1"}, json=body)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["id"] == "sr_9"
    again = client.post(f"{ORDER}/complaint", headers={**bearer(agent), "Idempotency-Key": "so-c-1"}, json=body)
    assert (again.status_code, again.get_json()["id"]) == (201, "sr_9")
    assert len(rpc.calls_to("customer_service", "complain_about_service_order")) == 1


def test_a_retired_estate_takes_no_complaint_about_an_order_but_closes_its_orders_out(
        app, client, rpc, contract, admin_token, archive_knows):
    """A complaint about an order files a new service request, new work a retired estate refuses (409),
    as it refuses the request itself; an order is still done or cancelled (found by r8 reviewing h8:
    the complaint was counted among what closes an estate's past out)."""
    headers = {**bearer(admin_token), "Idempotency-Key": "so-r-1"}
    refused = client.post("/api/v1/estates/R/service-orders/so_1/complaint", headers=headers,
                          json={"channel": "phone", "description": "the balcony was left undone"})
    problem = contract.problem(refused, 409, "conflict", fields=["estate_id"], app=app)
    assert "retired" in problem["detail"]
    assert rpc.calls_to("customer_service", "complain_about_service_order") == []
    rpc.answer("customer_service", "cancel_service_order", {"id": "so_1"})
    cancelled = client.post("/api/v1/estates/R/service-orders/so_1/cancel", json={"reason": "contract ended"},
                            headers={**bearer(admin_token), "Idempotency-Key": "so-r-2"})
    assert cancelled.status_code != 409
    assert len(rpc.calls_to("customer_service", "cancel_service_order")) == 1


@pytest.mark.parametrize("username, found", [("ghost-user", "not_service_staff"), ("guard-a", "not_service_staff"),
                                             ("former-tech", "not_service_staff"),
                                             ("tech-of-b-only", "not_service_staff"),
                                             (" tech-a ", "service_staff"), ("steward-a", "service_staff"),
                                             ("agent-a", "service_staff")])
def test_the_gateway_tells_customer_service_whether_a_service_order_s_staff_is_one_of_the_estate(
        client, accounts, rpc, username, found):
    """A paid service's order took any username as its member of staff (found by h5): the gateway
    looks it up as a work order's technician (assignees.service_staff_fact: an active technician,
    agent or steward of the estate); customer service refuses another (422)."""
    accounts.user("guard-a", ["security"], ["A"])
    accounts.user("former-tech", ["technician"], ["A"])
    accounts.user("tech-of-b-only", ["technician"], ["B"])
    accounts.user("tech-a", ["technician"], ["A"])
    accounts.user("steward-a", ["steward"], ["A"])
    client.patch("/api/v1/users/former-tech", headers=bearer(accounts.admin), json={"active": False})
    agent = accounts.user("agent-a", ["agent"], ["A"])
    answer = client.post(f"{ORDER}/assign", headers=bearer(agent), json={"username": username})
    assert answer.status_code == 200
    assert rpc.only_call("customer_service", "assign_service_order").context == {"assignee": found}


def test_a_contractor_s_assignment_looks_up_no_account(client, accounts, rpc):
    agent = accounts.user("agent-a", ["agent"], ["A"])
    answer = client.post(f"{ORDER}/assign", headers=bearer(agent), json={"contractor_id": "ctr_1"})
    assert answer.status_code == 200
    assert not (rpc.only_call("customer_service", "assign_service_order").context or {}).get("assignee")
