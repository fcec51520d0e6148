"""Calls that came before the fault's order existed (h7, continuing h6's burst main): the first
households phoning about the burst main got repairs of their own, each its order, its visit, its
late repair; only a new call could join the incident's order. ``POST …/service-requests/{id}/join``
joins an open repair to it later: announced (maintenance cancels the request's own order if it has
not started), the request then a joined call (completed with the fault's order, owing its return visit: h8)."""
import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, NotFound
from estate_common.testing import as_caller, event, staff

ESTATE = "est_1"
AGENT = staff("zhang", ["agent"], [ESTATE])


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(clock.parse_iso("2026-11-21T14:50:00Z"))


def order_created(desk, order_id, source, request_id=None, number="WO-2026-000007"):
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": order_id, "number": number, "source": source, "request_id": request_id, "household_id": None,
        "priority": "emergency", "status": "pending", "created_at": clock.now_iso()}))


def repair(desk, household="hh_1"):
    as_caller(desk, AGENT)
    return desk.create_request({"estate_id": ESTATE, "data": {
        "kind": "repair", "household_id": household, "channel": "phone", "description": "家里停水了"}})


def join(desk, request, order_id="wo_main", estate=ESTATE):
    as_caller(desk, staff("zhang", ["agent"], [estate]))
    return desk.join_request({"estate_id": estate, "id": request["id"], "data": {"work_order_id": order_id}})


def test_an_open_repair_joins_the_fault_s_order_once_announced_for_maintenance_to_cancel_its_own(desk):
    early = repair(desk)
    order_created(desk, "wo_own", {"type": "service_request", "id": early["id"]}, early["id"], "WO-2026-000005")
    order_created(desk, "wo_main", {"type": "incident", "id": "inc_1"})
    joined = join(desk, early)
    assert joined["joins_work_order_id"] == joined["work_order_id"] == "wo_main"
    assert joined["own_work_order_id"] == "wo_own" and joined["return_visit_required"] is False
    assert "WO-2026-000007" in joined["history"][-1]["note"]
    assert join(desk, early) == joined  # joined again: as it is, announced once
    [announced] = desk.outbox.of_type("service_request_joined")
    assert announced["data"] == {"id": early["id"], "number": early["number"], "household_id": early["household_id"],
                                 "work_order_id": "wo_main",
                                 "own_work_order_id": "wo_own", "joined_at": clock.now_iso()}
    # maintenance cancels its own order: the request stays the fault's
    desk.on_work_order_cancelled(event("maintenance", "work_order_cancelled", ESTATE, {
        "id": "wo_own", "number": "WO-2026-000005", "request_id": early["id"], "household_id": "hh_1",
        "reason": "joined", "cancelled_at": clock.now_iso(), "source": {"type": "service_request", "id": early["id"]}}))
    assert desk.get_request({"estate_id": ESTATE, "id": early["id"]})["status"] == "dispatched"
    # the fault's order completed: the call is completed with it, owing its return visit (h8)
    desk.on_work_order_completed(event("maintenance", "work_order_completed", ESTATE, {
        "id": "wo_main", "number": "WO-2026-000007", "source": {"type": "incident", "id": "inc_1"},
        "request_id": None, "household_id": None, "priority": "emergency", "reported_at": clock.now_iso(),
        "started_at": clock.now_iso(), "completed_at": clock.now_iso(), "charge_cents": 0,
        "material_cost_cents": 0, "labour_cost_cents": 0, "signed_by": "eng"}))
    done = desk.get_request({"estate_id": ESTATE, "id": early["id"]})
    assert done["status"] == "completed" and done["return_visit_due_at"] and done["return_visit_required"] is True
    assert "WO-2026-000007" in done["history"][-1]["note"]


def test_a_started_repair_another_order_a_done_one_or_another_estate_s_is_refused(desk):
    order_created(desk, "wo_main", {"type": "incident", "id": "inc_1"})
    started = repair(desk)
    order_created(desk, "wo_own", {"type": "service_request", "id": started["id"]}, started["id"])
    desk.on_work_order_started(event("maintenance", "work_order_started", ESTATE, {
        "id": "wo_own", "number": "WO-2026-000005", "request_id": started["id"], "household_id": "hh_1",
        "priority": "normal", "response_minutes": 10, "started_at": clock.now_iso(),
        "source": {"type": "service_request", "id": started["id"]}}))
    with pytest.raises(Conflict) as refused:
        join(desk, started)
    assert "started" in str(refused.value)
    other = repair(desk, "hh_2")
    with pytest.raises(BusinessRuleViolation) as refused:
        join(desk, other, "wo_nothing")
    assert refused.value.errors[0]["field"] == "data.work_order_id"
    with pytest.raises(NotFound):  # another estate's request under its estate
        join(desk, other, estate="est_2")
    join(desk, other)
    order_created(desk, "wo_second", {"type": "incident", "id": "inc_2"}, number="WO-2026-000009")
    with pytest.raises(Conflict):  # joined one fault already
        join(desk, other, "wo_second")
    assert len(desk.outbox.of_type("service_request_joined")) == 1


def test_a_repair_whose_own_order_was_started_before_the_join_was_heard_tells_the_desk(desk):
    """The technician started the repair's own order on site before customer service heard of it,
    and the desk joined the repair to the fault's order meanwhile: maintenance leaves a started order
    as it is, and nothing told the desk that an order of the call's own was still open (h7's note,
    found by review r5). Its start is now on the request's history, naming the order to complete or
    cancel by hand; the request stays the fault's (no answer, no start taken from another order)."""
    early = repair(desk)
    order_created(desk, "wo_own", {"type": "service_request", "id": early["id"]}, early["id"], "WO-2026-000005")
    order_created(desk, "wo_main", {"type": "incident", "id": "inc_1"})
    join(desk, early)
    started = event("maintenance", "work_order_started", ESTATE, {
        "id": "wo_own", "number": "WO-2026-000005", "request_id": early["id"], "household_id": "hh_1",
        "priority": "normal", "response_minutes": 10, "started_at": "2026-11-21T14:45:00.000Z",
        "source": {"type": "service_request", "id": early["id"]}})
    desk.on_work_order_started(started)
    desk.on_work_order_started(started)  # redelivered: told once
    shown = desk.get_request({"estate_id": ESTATE, "id": early["id"]})
    told = [entry for entry in shown["history"] if "WO-2026-000005" in (entry.get("note") or "")
            and "started" in entry["note"]]
    assert len(told) == 1 and "joined" in told[0]["note"]
    assert shown["status"] == "dispatched" and shown["work_order_id"] == "wo_main"
    assert shown.get("started_at") is None  # the fault's work has not started


def test_a_join_repeated_after_the_fault_s_order_is_done_answers_the_request_as_it_is(desk):
    """The desk's join sent again without an Idempotency-Key (a page reloaded on Monday, a retry
    after a timeout) once the fault's order was completed: the request as it is (completed with the
    order), announced once, where it was a 422 (the order no longer in hand); a join to another
    order is still refused, in hand (409: joined one fault already) or not (422)."""
    order_created(desk, "wo_main", {"type": "incident", "id": "inc_1"})
    early = repair(desk)
    join(desk, early)
    desk.on_work_order_completed(event("maintenance", "work_order_completed", ESTATE, {
        "id": "wo_main", "number": "WO-2026-000007", "source": {"type": "incident", "id": "inc_1"},
        "request_id": None, "household_id": None, "priority": "emergency", "reported_at": clock.now_iso(),
        "started_at": clock.now_iso(), "completed_at": clock.now_iso(), "charge_cents": 0,
        "material_cost_cents": 0, "labour_cost_cents": 0, "signed_by": "eng"}))
    done = desk.get_request({"estate_id": ESTATE, "id": early["id"]})
    assert done["status"] == "completed"
    assert join(desk, early) == done
    assert len(desk.outbox.of_type("service_request_joined")) == 1
    order_created(desk, "wo_second", {"type": "incident", "id": "inc_2"}, number="WO-2026-000009")
    with pytest.raises(Conflict):
        join(desk, early, "wo_second")
    with pytest.raises(BusinessRuleViolation):
        join(desk, early, "wo_nothing")
    with pytest.raises(NotFound):  # another estate's request, whatever order it names
        join(desk, early, estate="est_2")
    assert len(desk.outbox.of_type("service_request_joined")) == 1
