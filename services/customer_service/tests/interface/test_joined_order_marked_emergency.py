"""The garage's callers joined the guard's anomaly order (a normal repair's response, 24 hours) before the
flooding incident took it over and made it an emergency; nothing told us, and they kept the 24 hours
(found by h6). Maintenance announces each marking (``work_order_marked_emergency``): the order as kept here
takes it (a call joining later is promised the emergency), and each call that joined it and waits for it
is promised the new response and reads its priority, never before the desk answered it; once."""
import pytest

from estate_common import clock
from estate_common.testing import as_caller, event, staff

ESTATE = "est_1"
AGENT = staff("zhang", ["agent"], [ESTATE])
DUE_NORMAL = "2026-11-22T14:45:00.000Z"
DUE_EMERGENCY = "2026-11-21T15:15:00.000Z"


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(clock.parse_iso("2026-11-21T14:50:00Z"))


def call(desk, household="hh_1", **extra):
    as_caller(desk, AGENT)
    return desk.create_request({"estate_id": ESTATE, "data": {
        "kind": "repair", "household_id": household, "channel": "phone", "description": "车库进水", **extra}})


def marked(order_id="wo_garage", due=DUE_EMERGENCY):
    return event("maintenance", "work_order_marked_emergency", ESTATE, {
        "id": order_id, "number": "WO-2026-000007", "request_id": None,
        "source": {"type": "patrol_anomaly", "id": "an_1"}, "priority": "emergency",
        "emergency_category": "flooding", "response_due_at": due, "marked_at": clock.now_iso()})


def test_calls_joined_before_the_order_was_marked_an_emergency_are_promised_its_response(desk):
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_garage", "number": "WO-2026-000007", "source": {"type": "patrol_anomaly", "id": "an_1"},
        "request_id": None, "household_id": None, "priority": "normal", "status": "pending",
        "created_at": "2026-11-21T14:45:00.000Z", "response_due_at": DUE_NORMAL}))
    first = call(desk, joins_work_order_id="wo_garage")
    assert (first["due_at"], first["joined_priority"]) == (DUE_NORMAL, "normal")
    own = call(desk, "hh_2")  # a repair of its own order: its own promise stays
    told = marked()
    desk.on_work_order_marked_emergency(told)
    desk.on_work_order_marked_emergency(told)  # redelivered
    shown = desk.get_request({"estate_id": ESTATE, "id": first["id"]})
    assert (shown["promised_by"], shown["due_at"], shown["joined_priority"]) == (DUE_EMERGENCY, DUE_EMERGENCY,
                                                                                 "emergency")
    assert sum("WO-2026-000007" in step["note"] and "emergency" in step["note"] for step in shown["history"]) == 1
    assert desk.get_request({"estate_id": ESTATE, "id": own["id"]})["due_at"] == own["due_at"]
    later = call(desk, "hh_1", joins_work_order_id="wo_garage")  # the order as kept here is the emergency
    assert (later["due_at"], later["joined_priority"]) == (DUE_EMERGENCY, "emergency")


def test_a_marking_before_the_order_s_creation_is_not_undone_by_it(desk):
    """Each event type has its queue: the marking handled first is kept; the creation after it does not
    make the order normal again."""
    desk.on_work_order_marked_emergency(marked())
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_garage", "number": "WO-2026-000007", "source": {"type": "patrol_anomaly", "id": "an_1"},
        "request_id": None, "household_id": None, "priority": "normal", "status": "pending",
        "created_at": "2026-11-21T14:45:00.000Z", "response_due_at": DUE_NORMAL}))
    joined = call(desk, joins_work_order_id="wo_garage")
    assert (joined["due_at"], joined["joined_priority"]) == (DUE_EMERGENCY, "emergency")


def test_the_call_whose_own_order_an_incident_joined_is_promised_the_emergency_s_response(desk):
    """The guard's entrapment joined the desk's order for the lift (the call's own order, a repair's 24 hours):
    the calls joined to it were promised the emergency's response, the call that opened it kept its 24 hours
    (found by h4). A marking made by an incident's join (``incident_id`` on ``work_order_marked_emergency``)
    promises the order's own call the emergency's response too, an emergency now, once; a manager's marking
    of its order leaves the owner's promise as it was (the test above)."""
    own = call(desk, "hh_2", description="电梯停在两层之间, 有人在里面")
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_lift", "number": "WO-2026-000008", "source": {"type": "service_request", "id": own["id"]},
        "request_id": own["id"], "household_id": "hh_2", "priority": "normal", "status": "pending",
        "created_at": clock.now_iso(), "response_due_at": own["due_at"]}))
    told = event("maintenance", "work_order_marked_emergency", ESTATE, {
        "id": "wo_lift", "number": "WO-2026-000008", "request_id": own["id"],
        "source": {"type": "service_request", "id": own["id"]}, "priority": "emergency",
        "emergency_category": "elevator_entrapment", "response_due_at": DUE_EMERGENCY,
        "marked_at": clock.now_iso(), "incident_id": "inc_lift"})
    desk.on_work_order_marked_emergency(told)
    desk.on_work_order_marked_emergency(told)  # redelivered
    shown = desk.get_request({"estate_id": ESTATE, "id": own["id"]})
    assert (shown["promised_by"], shown["due_at"], shown["emergency"]) == (DUE_EMERGENCY, DUE_EMERGENCY, True)
    assert shown["emergency_category"] == "elevator_entrapment"
    assert sum(step["action"] == "promise_moved" and "WO-2026-000008" in step["note"] for step in shown["history"]) == 1


def test_an_incident_s_marking_handled_before_the_order_s_creation_still_promises_the_order_s_own_call(desk):
    """Each event type has its queue (found by r4 reviewing h4): the incident's marking of the call's own order
    handled before the order's creation found the call naming no order yet and promised it nothing, and the
    creation after it (a normal order as created) left the call at a repair's 24 hours. The marking is kept
    with the order, and the creation that names the call's order applies it, once."""
    own = call(desk, "hh_2", description="电梯停在两层之间, 有人在里面")
    told = event("maintenance", "work_order_marked_emergency", ESTATE, {
        "id": "wo_lift", "number": "WO-2026-000008", "request_id": own["id"],
        "source": {"type": "service_request", "id": own["id"]}, "priority": "emergency",
        "emergency_category": "elevator_entrapment", "response_due_at": DUE_EMERGENCY,
        "marked_at": clock.now_iso(), "incident_id": "inc_lift"})
    desk.on_work_order_marked_emergency(told)
    created = event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_lift", "number": "WO-2026-000008", "source": {"type": "service_request", "id": own["id"]},
        "request_id": own["id"], "household_id": "hh_2", "priority": "normal", "status": "pending",
        "created_at": clock.now_iso(), "response_due_at": own["due_at"]})
    desk.on_work_order_created(created)
    desk.on_work_order_created(created)  # redelivered
    shown = desk.get_request({"estate_id": ESTATE, "id": own["id"]})
    assert (shown["work_order_id"], shown["promised_by"], shown["due_at"], shown["emergency"]) == (
        "wo_lift", DUE_EMERGENCY, DUE_EMERGENCY, True)
    desk.on_work_order_marked_emergency(told)  # redelivered after: promised once
    shown = desk.get_request({"estate_id": ESTATE, "id": own["id"]})
    assert sum(step["action"] == "promise_moved" and "WO-2026-000008" in step["note"] for step in shown["history"]) == 1
