"""A repair registered before its fault's order existed, joined to it later (h7, continuing h6's
burst main): customer service announces ``service_request_joined`` and maintenance cancels the
repair's own order, once, unless its work has started; an order the join came before is not opened."""
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock
from estate_common.testing import as_caller, event, staff, worker
from maintenance import domain
from maintenance.service import MaintenanceService

ESTATE = "est_1"
REPORTED = datetime(2026, 11, 21, 14, 30, tzinfo=timezone.utc)
TECHNICIAN = staff("chen", ["technician"], [ESTATE])


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(REPORTED + timedelta(minutes=20))


@pytest.fixture
def engineering():
    return worker(MaintenanceService, caller=TECHNICIAN)


def created(request_id):
    return event("customer_service", "service_request_created", ESTATE, {
        "id": request_id, "number": f"SR-{request_id}", "kind": "repair", "household_id": "hh_1", "channel": "phone",
        "description": "家里停水了", "due_at": None, "created_at": clock.to_iso(REPORTED)})


def joined(request_id, own=None):
    return event("customer_service", "service_request_joined", ESTATE, {
        "id": request_id, "number": f"SR-{request_id}", "work_order_id": "wo_main", "own_work_order_id": own,
        "joined_at": clock.now_iso()})


def own_order(engineering, request_id):
    return engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "service_request", request_id)})


def test_a_joined_repair_s_own_order_is_cancelled_once_and_one_started_is_left(engineering):
    engineering.open_from_service_request(created("sr_1"))
    order = own_order(engineering, "sr_1")
    notice = joined("sr_1", order["_id"])
    engineering.cancel_joined_request_order(notice)
    engineering.cancel_joined_request_order(notice)  # redelivered
    order = own_order(engineering, "sr_1")
    assert order["status"] == "cancelled" and "joined" in order["history"][-1]["note"]
    [cancelled] = engineering.outbox.of_type("work_order_cancelled")
    assert cancelled["data"]["request_id"] == "sr_1" and cancelled["data"]["reason"].startswith("the call joined")
    # one whose work started: left, it is completed
    engineering.open_from_service_request(created("sr_2"))
    started = own_order(engineering, "sr_2")
    as_caller(engineering, TECHNICIAN)
    engineering.db.work_orders.update_one({"_id": started["_id"]}, {"$set": {
        "status": "in_progress", "started_at": clock.now_iso(), "technician": "chen"}})
    engineering.cancel_joined_request_order(joined("sr_2", started["_id"]))
    assert own_order(engineering, "sr_2")["status"] == "in_progress"
    assert len(engineering.outbox.of_type("work_order_cancelled")) == 1


def test_a_join_that_came_before_the_request_s_creation_opens_no_order(engineering):
    engineering.cancel_joined_request_order(joined("sr_3"))
    engineering.open_from_service_request(created("sr_3"))
    assert own_order(engineering, "sr_3") is None


def test_a_join_kept_while_the_request_s_order_was_being_opened_cancels_it(engineering, monkeypatch):
    """The join's consumer kept the join and found no order to cancel while the creation's consumer,
    having read no join, opened it (each event type has its queue): the order stayed open, the call
    the fault's (found by review r5). As a household correction does, the creation looks again once
    its order is opened: either side sees the other."""
    from maintenance import store
    read = store.request_joined
    calls = []

    def not_yet(db, estate_id, request_id):  # the creation's first read came before the join was kept
        calls.append(request_id)
        return False if len(calls) == 1 else read(db, estate_id, request_id)
    monkeypatch.setattr(store, "request_joined", not_yet)
    engineering.cancel_joined_request_order(joined("sr_4"))  # kept; no order to cancel yet
    engineering.open_from_service_request(created("sr_4"))
    order = own_order(engineering, "sr_4")
    assert order["status"] == "cancelled" and "joined work order wo_main" in order["history"][-1]["note"]
    [cancelled] = engineering.outbox.of_type("work_order_cancelled")
    assert cancelled["data"]["request_id"] == "sr_4"
    engineering.cancel_joined_request_order(joined("sr_4"))  # the join redelivered: cancelled once
    assert len(engineering.outbox.of_type("work_order_cancelled")) == 1
