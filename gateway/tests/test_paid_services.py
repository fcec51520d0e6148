"""Paid value-added services (有偿增值服务) through the gateway (review r8 of h8)."""
from .conftest import bearer

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
