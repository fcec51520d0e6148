"""maintenance entrypoints, run against the embedded store without a broker."""
import pytest

from estate_common.errors import NotFound
from estate_common.testing import event, staff, worker
from maintenance.service import MaintenanceService

ESTATE = "est_1"


@pytest.fixture
def engineering():
    return worker(MaintenanceService, caller=staff("chen", ["technician"], [ESTATE]))


def request_created(kind="repair", request_id="sr_1"):
    return event("customer_service", "service_request_created", ESTATE, {
        "id": request_id, "number": "SR-2026-000001", "kind": kind, "household_id": "hh_1", "channel": "phone",
        "description": "lift stuck between floors", "due_at": None, "created_at": "2026-11-23T08:59:00.000Z"})


def test_a_repair_becomes_exactly_one_work_order_even_when_delivered_twice(engineering):
    created = request_created()
    engineering.open_from_service_request(created)
    engineering.open_from_service_request(created)
    orders = engineering.list_work_orders({"estate_id": ESTATE, "filters": {"request_id": "sr_1"}})["items"]
    assert len(orders) == 1 and orders[0]["number"] == "WO-2026-000001"
    assert len(engineering.outbox.of_type("work_order_created")) == 1


def test_other_kinds_open_no_order(engineering):
    engineering.open_from_service_request(request_created("complaint"))
    assert engineering.list_work_orders({"estate_id": ESTATE})["items"] == []


def test_orders_are_numbered_per_estate(engineering):
    engineering.open_from_service_request(request_created(request_id="sr_1"))
    engineering.open_from_service_request(request_created(request_id="sr_2"))
    numbers = sorted(o["number"] for o in engineering.list_work_orders({"estate_id": ESTATE})["items"])
    assert numbers == ["WO-2026-000001", "WO-2026-000002"]


def test_an_order_is_found_only_in_its_estate(engineering):
    engineering.open_from_service_request(request_created())
    [order] = engineering.list_work_orders({"estate_id": ESTATE})["items"]
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order["id"]})["source"]["id"] == "sr_1"
    engineering.caller.estates = ["*"]
    with pytest.raises(NotFound):
        engineering.get_work_order({"estate_id": "est_2", "id": order["id"]})
