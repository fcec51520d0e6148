"""maintenance rules, without broker or store."""
from datetime import datetime, timezone

from estate_common.testing import event
from maintenance import domain

CREATED = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def request_created(kind="repair", request_id="sr_1"):
    return event("customer_service", "service_request_created", "est_1", {
        "id": request_id, "number": "SR-2026-000007", "kind": kind, "household_id": "hh_1", "channel": "app",
        "description": "no hot water", "due_at": None, "created_at": "2026-11-23T08:59:00.000Z"})


def test_only_repairs_become_work_orders():
    assert domain.wants_work_order(request_created("repair"))
    assert not any(domain.wants_work_order(request_created(kind))
                   for kind in ("consultation", "complaint", "suggestion", "praise"))


def test_one_work_order_id_per_source():
    assert domain.work_order_id("est_1", "service_request", "sr_1") == domain.work_order_id("est_1", "service_request", "sr_1")
    assert domain.work_order_id("est_1", "service_request", "sr_1") != domain.work_order_id("est_1", "return_visit", "sr_1")
    assert domain.work_order_id("est_1", "service_request", "sr_1") != domain.work_order_id("est_2", "service_request", "sr_1")


def test_an_order_from_a_request_keeps_its_source_and_starts_pending():
    order = domain.from_service_request(request_created(), domain.order_number(CREATED, 3), CREATED)
    assert order["number"] == "WO-2026-000003" and order["status"] == "pending"
    assert order["source"] == {"type": "service_request", "id": "sr_1"} and order["request_id"] == "sr_1"
    assert order["history"][0]["note"] == "from service request SR-2026-000007"
