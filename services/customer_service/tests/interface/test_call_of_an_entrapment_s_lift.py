"""电梯困人 heard first by the guard (found by h6): the entrapment opened its own emergency order, then the
occupant's call about the lift opened a second one, and the desk named the lift on it. Maintenance tells us
(``work_order_incident_found``) and the call joins the entrapment's order as the desk's join does (并入故障工单):
announced ``service_request_joined`` (maintenance cancels the call's own order), promised the entrapment's
response; once however often the event comes; a call that may not join (its work started, joined to another
fault, closed) stays as it is, and so does one whose fault's order is done."""
import pytest

from estate_common import clock
from estate_common.testing import event

from .test_joining_a_fault_later import ESTATE, order_created, repair

DUE = "2026-11-21T15:20:00Z"


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(clock.parse_iso("2026-11-21T14:50:00Z"))


def found(request, own="wo_own", fault="wo_lift"):
    return event("maintenance", "work_order_incident_found", ESTATE, {
        "id": own, "number": "WO-2026-000005", "request_id": request["id"], "work_order_id": fault,
        "work_order_number": "WO-2026-000004", "incident_id": "inc_lift", "priority": "emergency",
        "response_due_at": DUE, "equipment_id": "eq_lift3"})


def entrapment_order(desk, order_id="wo_lift"):
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": order_id, "number": "WO-2026-000004", "source": {"type": "incident", "id": "inc_lift"},
        "request_id": None, "household_id": None, "priority": "emergency", "response_due_at": DUE,
        "status": "pending", "created_at": clock.now_iso()}))


def test_a_call_about_the_lift_of_an_entrapment_s_order_joins_it_once(desk):
    entrapment_order(desk)
    call = repair(desk)
    order_created(desk, "wo_own", {"type": "service_request", "id": call["id"]}, call["id"], "WO-2026-000005")
    told = found(call)
    desk.on_work_order_incident_found(told)
    desk.on_work_order_incident_found(told)  # redelivered
    joined = desk.get_request({"estate_id": ESTATE, "id": call["id"]})
    assert (joined["joins_work_order_id"], joined["own_work_order_id"]) == ("wo_lift", "wo_own")
    assert (joined["joined_priority"], joined["due_at"]) == ("emergency", DUE)
    assert "WO-2026-000004" in joined["history"][-1]["note"]
    [announced] = desk.outbox.of_type("service_request_joined")
    assert (announced["data"]["work_order_id"], announced["data"]["own_work_order_id"]) == ("wo_lift", "wo_own")


def test_a_call_that_may_not_join_or_an_entrapment_s_order_done_stays_as_it_is(desk):
    entrapment_order(desk)
    started = repair(desk)
    order_created(desk, "wo_own", {"type": "service_request", "id": started["id"]}, started["id"])
    desk.on_work_order_started(event("maintenance", "work_order_started", ESTATE, {
        "id": "wo_own", "number": "WO-2026-000005", "request_id": started["id"], "household_id": "hh_1",
        "priority": "normal", "response_minutes": 10, "started_at": clock.now_iso(),
        "source": {"type": "service_request", "id": started["id"]}}))
    desk.on_work_order_incident_found(found(started))
    assert not desk.get_request({"estate_id": ESTATE, "id": started["id"]}).get("joins_work_order_id")
    # the entrapment's order done before the word came: the call keeps its own
    entrapment_order(desk, "wo_done")
    desk.on_work_order_cancelled(event("maintenance", "work_order_cancelled", ESTATE, {
        "id": "wo_done", "number": "WO-2026-000004", "request_id": None, "household_id": None,
        "reason": "a false alarm", "cancelled_at": clock.now_iso(), "source": {"type": "incident", "id": "inc_lift"}}))
    call = repair(desk, "hh_2")
    desk.on_work_order_incident_found(found(call, "wo_own2", "wo_done"))
    assert not desk.get_request({"estate_id": ESTATE, "id": call["id"]}).get("joins_work_order_id")
    assert not desk.outbox.of_type("service_request_joined")
