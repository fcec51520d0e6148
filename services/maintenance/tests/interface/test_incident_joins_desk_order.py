"""An entrapment (电梯困人) the desk heard of first: the occupant's call is registered as a repair and
maintenance opens its order (the desk names the lift on it), then the guard records the incident, whose
plan asks for an emergency order. Two emergency orders for one lift were opened, two technicians sent
(the typhoon-night probe, h10). The incident joins the desk's open order for the same lift instead: the
order becomes the emergency, its response clock from the earliest report, once however often the
incident's event comes; a lift not matched surely (another lift, none named, two orders of the place)
opens the incident's own order as before: a wrong join is worse than two orders."""
from datetime import timedelta

import pytest

from estate_common import clock
from estate_common.testing import as_caller, event
from maintenance import domain

from .test_out_of_service import AGENT, ESTATE, announced, down, engineering, entrapment, frozen, open_repair, out_now  # noqa: F401
from .test_service import act


def orders(service):
    return service.list_work_orders({"estate_id": ESTATE, "filters": {}})["items"]


def desk_order_on(service, equipment_id, **repair):
    order_id = open_repair(service, **repair)
    as_caller(service, AGENT)
    act(service, "set_work_order_equipment", order_id, equipment_id=equipment_id)
    return service.get_work_order({"estate_id": ESTATE, "id": order_id})


def test_an_entrapment_after_the_desk_s_call_for_its_lift_joins_the_desk_s_order(engineering):
    desk = desk_order_on(engineering, engineering.lift["id"])
    reported = desk["reported_at"]
    clock.freeze(clock.now() + timedelta(minutes=4))
    asked = entrapment(equipment_id=engineering.lift["id"])
    engineering.open_from_incident(asked)
    engineering.open_from_incident(asked)  # redelivered
    [order] = orders(engineering)
    assert order["id"] == desk["id"]
    assert (order["priority"], order["emergency_category"]) == ("emergency", "elevator_entrapment")
    assert order["reported_at"] == reported  # the response clock from the earliest report
    assert clock.parse_iso(order["response_due_at"]) == clock.parse_iso(reported) + timedelta(minutes=30)
    assert order["incidents"] == [{"id": "inc_lift", "number": "INC-2026-000007"}]
    joined = [entry for entry in order["history"] if entry["action"] == "incident_joined"]
    assert len(joined) == 1 and "INC-2026-000007" in joined[0]["note"]
    [told] = announced(engineering, "work_order_incident_joined")
    assert (told["id"], told["incident_id"], told["number"]) == (desk["id"], "inc_lift", desk["number"])
    assert not engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_lift")})
    # the entrapment's lift out of service until checked, for the order the incident joined
    [lift] = out_now(engineering)
    assert lift["out_of_service"]["work_order_id"] == desk["id"]


def test_the_release_of_an_entrapment_that_joined_is_kept_by_the_order_it_joined(engineering):
    desk = desk_order_on(engineering, engineering.lift["id"])
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    release = {"released_at": clock.now_iso(), "minutes": 12, "target_minutes": 30, "within_target": True}
    engineering.keep_entrapment_release(event("security_patrol", "entrapment_released", ESTATE, {
        "id": "inc_lift", "number": "INC-2026-000007", "anomaly_id": None, "release": release}))
    [item] = engineering.emergency_month({"estate_id": ESTATE, "filters": {"period": "2026-11"}})["items"]
    assert (item["id"], item["release"]) == (desk["id"], release)


def test_an_entrapment_not_surely_of_the_desk_s_lift_opens_its_own_order(engineering):
    other = engineering.create_equipment({"estate_id": ESTATE, "data": {
        "code": "LIFT-4", "name": "4号楼客梯", "system": "elevator", "location": "Building 4"}})
    desk_order_on(engineering, other["id"], request_id="sr_2")  # another lift's call
    open_repair(engineering, request_id="sr_3")  # a call naming no lift
    engineering.open_from_incident(entrapment("inc_a", equipment_id=engineering.lift["id"]))
    assert engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_a")})


def test_an_entrapment_naming_no_lift_joins_by_its_place_only_one_order_there(engineering):
    desk = desk_order_on(engineering, engineering.lift["id"])  # LIFT-3, at "Building 3"
    engineering.open_from_incident(entrapment("inc_a"))  # "Building 3", no lift named
    assert engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})["incidents"][0]["id"] == "inc_a"
    # two open calls at the place: which lift is not sure, the incident opens its own
    second = engineering.create_equipment({"estate_id": ESTATE, "data": {
        "code": "LIFT-3B", "name": "3号楼货梯", "system": "elevator", "location": "building 3 "}})
    desk_order_on(engineering, second["id"], request_id="sr_2")
    engineering.open_from_incident(entrapment("inc_b"))
    assert engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_b")})


def test_a_desk_order_done_or_older_than_the_window_is_not_joined(engineering):
    desk = desk_order_on(engineering, engineering.lift["id"])
    clock.freeze(clock.now() + timedelta(minutes=121))  # the window: 120 minutes by default
    engineering.open_from_incident(entrapment("inc_late", equipment_id=engineering.lift["id"]))
    assert engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_late")})
    assert "incidents" not in engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]}) or not \
        engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})["incidents"]


def test_security_reads_the_desk_s_order_an_incident_joined_and_no_other_desk_order(engineering):
    """Security reads the orders of its findings only; the desk's order an entrapment joined is that
    incident's order now (the guard's page links it): read by id, where it was a 404."""
    from estate_common.errors import NotFound
    from estate_common.testing import staff
    desk = desk_order_on(engineering, engineering.lift["id"])
    other = open_repair(engineering, request_id="sr_9")
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    as_caller(engineering, staff("guard_wang", ["security"], [ESTATE]))
    assert engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})["incidents"][0]["id"] == "inc_lift"
    with pytest.raises(NotFound):
        engineering.get_work_order({"estate_id": ESTATE, "id": other})


def test_an_incident_of_another_kind_at_the_lift_s_place_opens_its_own_order(engineering):
    """A flood (or a power cut) in Building 3 is no entrapment in its lift: it opened the lift's desk order
    as its own, an emergency of flooding on the lift's call, and no order of its own (found by r10)."""
    desk = desk_order_on(engineering, engineering.lift["id"])  # LIFT-3, at "Building 3"
    for incident_id, kind in (("inc_flood", "flooding"), ("inc_power", "power_outage")):
        flood = entrapment(incident_id)
        flood["data"]["type"] = kind
        engineering.open_from_incident(flood)
        assert engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", incident_id)})
    named = entrapment("inc_flood_named", equipment_id=engineering.lift["id"])
    named["data"]["type"] = "flooding"
    engineering.open_from_incident(named)
    assert engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_flood_named")})
    shown = engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})
    assert not shown.get("incidents") and shown["priority"] == "normal"


def test_an_entrapment_does_not_join_a_desk_order_held_for_parts(engineering):
    """The desk's order for the lift's noisy doors was started and held waiting for parts: the technician
    gone, its response history. The entrapment joined it: no order of its own, nobody sent, its emergency
    "responded" by the start before it happened, the order left on hold (found by r10)."""
    from estate_common.testing import staff
    desk = desk_order_on(engineering, engineering.lift["id"])
    as_caller(engineering, staff("chen", ["technician"], [ESTATE]))
    act(engineering, "assign_work_order", desk["id"], technician="chen")
    act(engineering, "start_work_order", desk["id"])
    act(engineering, "hold_work_order", desk["id"], waiting_for="parts", reason="a door motor is on order",
        expected_on="2026-11-27")
    engineering.open_from_incident(entrapment("inc_held", equipment_id=engineering.lift["id"]))
    own = engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_held")})
    assert own and own["priority"] == "emergency"
    assert not engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]}).get("incidents")


def test_the_desk_s_order_events_after_a_join_name_its_incidents(engineering):
    """Security follows the desk's order as its incident's from the join (``work_order_incident_joined``);
    each event type has its queue, and an assignment or a start handled there before the join was dropped
    as a desk call's (found by review of h10). Once an order has incidents its events name them
    (``incident_ids``): security keeps them whichever comes first. Before the join they name none."""
    from estate_common.testing import staff
    other = open_repair(engineering, request_id="sr_other")  # a call no incident joined
    as_caller(engineering, AGENT)
    act(engineering, "cancel_work_order", other, reason="the same call twice")
    [cancelled] = announced(engineering, "work_order_cancelled")
    assert "incident_ids" not in cancelled
    desk = desk_order_on(engineering, engineering.lift["id"])
    engineering.open_from_incident(entrapment("inc_two", equipment_id=engineering.lift["id"]))
    assert engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})["incidents"][0]["id"] == "inc_two"
    as_caller(engineering, staff("chen", ["technician"], [ESTATE]))
    act(engineering, "assign_work_order", desk["id"], technician="chen")
    act(engineering, "start_work_order", desk["id"])
    [assigned] = [e for e in announced(engineering, "work_order_assigned") if e["id"] == desk["id"]]
    [started] = announced(engineering, "work_order_started")
    assert assigned["incident_ids"] == started["incident_ids"] == ["inc_two"]


def test_security_s_list_holds_the_desk_s_order_an_incident_joined_and_no_other_desk_order(engineering):
    """The guard's list of work orders (his findings') left out the desk's order an entrapment joined,
    though it is the incident's order and he reads it by id (found by h6)."""
    from estate_common.testing import staff
    desk = desk_order_on(engineering, engineering.lift["id"])
    open_repair(engineering, request_id="sr_9")  # a desk call no incident joined
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    flood = entrapment("inc_other")  # a flood opens its own order
    flood["data"]["type"] = "flooding"
    engineering.open_from_incident(flood)
    as_caller(engineering, staff("guard_wang", ["security"], [ESTATE]))
    listed = {order["id"] for order in orders(engineering)}
    assert listed == {desk["id"], domain.work_order_id(ESTATE, "incident", "inc_other")}


def test_the_desk_s_call_joining_another_fault_leaves_the_order_an_incident_joined(engineering):
    """The desk's order for the lift served the entrapment that joined it; the call then joined another
    fault's order (the building's power cut, 并入故障工单) and maintenance cancelled the call's order with
    it: the entrapment was left with no order, nobody sent (found by h6). The order serves the incident:
    it stays open, the emergency it is, its history saying the call left it."""
    desk = desk_order_on(engineering, engineering.lift["id"])
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    joined = event("customer_service", "service_request_joined", ESTATE, {
        "id": "sr_1", "number": "SR-sr_1", "work_order_id": "wo_power", "own_work_order_id": desk["id"],
        "joined_at": clock.now_iso()})
    engineering.cancel_joined_request_order(joined)
    engineering.cancel_joined_request_order(joined)  # redelivered
    order = engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})
    assert (order["status"], order["priority"]) == ("pending", "emergency")
    assert order["incidents"] == [{"id": "inc_lift", "number": "INC-2026-000007"}]
    left = [entry for entry in order["history"] if entry["action"] == "call_joined_elsewhere"]
    assert len(left) == 1 and "wo_power" in left[0]["note"] and "INC-2026-000007" in left[0]["note"]
    assert not announced(engineering, "work_order_cancelled")
    assert order["request_id"] is None  # the call waits for the power cut's order: this one's steps are not its


def test_a_call_s_order_named_on_the_lift_of_an_entrapment_s_own_order_is_told_to_customer_service(engineering):
    """The other way round (found by h6): the guard's entrapment opened its own order first (its event came
    before the call's, or the desk named the lift on the call's order only afterwards) and the call's order
    for the same lift was a second emergency order. Naming the lift on the call's order tells customer
    service (``work_order_incident_found``), which joins the call to the entrapment's order; its
    ``service_request_joined`` cancels the call's order here as any join does."""
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    fault = engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_lift")})
    clock.freeze(clock.now() + timedelta(minutes=6))
    desk = desk_order_on(engineering, engineering.lift["id"])
    [told] = announced(engineering, "work_order_incident_found")
    assert (told["id"], told["request_id"], told["work_order_id"], told["incident_id"]) == (
        desk["id"], "sr_1", fault["_id"], "inc_lift")
    assert (told["priority"], told["response_due_at"]) == ("emergency", fault["response_due_at"])
    engineering.cancel_joined_request_order(event("customer_service", "service_request_joined", ESTATE, {
        "id": "sr_1", "number": "SR-sr_1", "work_order_id": fault["_id"], "own_work_order_id": desk["id"],
        "joined_at": clock.now_iso()}))
    assert engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})["status"] == "cancelled"
    assert engineering.get_work_order({"estate_id": ESTATE, "id": fault["_id"]})["status"] == "pending"


def test_a_call_s_order_not_surely_of_an_entrapment_s_lift_is_told_nothing(engineering):
    """Another lift, a pump, a call an hour past the window, a call's order an incident joined already, or a
    second entrapment order on the lift: nothing told (a wrong join is worse than two orders)."""
    from estate_common.testing import staff
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    other = engineering.create_equipment({"estate_id": ESTATE, "data": {
        "code": "LIFT-4", "name": "4号楼客梯", "system": "elevator", "location": "Building 4"}})
    desk_order_on(engineering, other["id"], request_id="sr_2")
    desk_order_on(engineering, engineering.pump["id"], request_id="sr_3")
    clock.freeze(clock.now() + timedelta(minutes=121))
    desk_order_on(engineering, engineering.lift["id"], request_id="sr_4", created_at=clock.now())
    assert not announced(engineering, "work_order_incident_found")
    # a started call's order: its work is history, it is completed
    clock.freeze(clock.now() - timedelta(minutes=121))
    started = open_repair(engineering, request_id="sr_5")
    as_caller(engineering, staff("chen", ["technician"], [ESTATE]))
    act(engineering, "assign_work_order", started, technician="chen")
    act(engineering, "start_work_order", started)
    as_caller(engineering, AGENT)
    act(engineering, "set_work_order_equipment", started, equipment_id=engineering.lift["id"])
    assert not announced(engineering, "work_order_incident_found")


def test_a_call_s_order_on_a_lift_of_two_entrapment_orders_is_told_nothing(engineering):
    """Two entrapments' own orders on the lift: which one the call is about is not sure."""
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    engineering.open_from_incident(entrapment("inc_second", equipment_id=engineering.lift["id"]))
    desk_order_on(engineering, engineering.lift["id"])
    assert not announced(engineering, "work_order_incident_found")


def test_an_entrapment_joining_a_normal_desk_order_announces_the_order_made_an_emergency(engineering):
    """The desk's order for the lift (a repair's 24 hours) made an emergency by the entrapment joining it: the
    calls the desk joined to it kept the 24 hours, as a manager's marking once left them (found by r6 reviewing
    h6): the join is announced as a marking (``work_order_marked_emergency``), once."""
    desk = desk_order_on(engineering, engineering.lift["id"])
    assert desk["priority"] == "normal"
    asked = entrapment(equipment_id=engineering.lift["id"])
    engineering.open_from_incident(asked)
    engineering.open_from_incident(asked)  # redelivered
    [order] = orders(engineering)
    [told] = announced(engineering, "work_order_marked_emergency")
    assert (told["id"], told["priority"], told["emergency_category"]) == (desk["id"], "emergency", "elevator_entrapment")
    assert told["response_due_at"] == order["response_due_at"]
    # the incident named: customer service promises the order's own call the emergency's response (h4)
    assert (told["incident_id"], told["request_id"]) == ("inc_lift", desk["request_id"])


def test_an_entrapment_and_the_desk_naming_its_lift_at_the_same_instant_make_one_order(engineering, monkeypatch):
    """The desk named the lift on the call's order while the entrapment's event was being handled: the incident
    looked for the desk's order on the lift before the naming was written, the naming for the entrapment's
    order before it opened, and the lift had two emergency orders (found by h4). The entrapment's own order,
    once open, looks again: the call's order on its lift is told to join it (``work_order_incident_found``),
    once however often the event comes."""
    from maintenance import operations
    desk = desk_order_on(engineering, engineering.lift["id"])
    looked = operations._desk_order_for
    calls = []

    def not_yet(db, estate_id, data, rules):  # the naming was not written when the incident looked
        calls.append(data["id"])
        return None if len(calls) == 1 else looked(db, estate_id, data, rules)

    monkeypatch.setattr(operations, "_desk_order_for", not_yet)
    asked = entrapment(equipment_id=engineering.lift["id"])
    engineering.open_from_incident(asked)
    engineering.open_from_incident(asked)  # redelivered
    [told] = announced(engineering, "work_order_incident_found")
    assert (told["id"], told["work_order_id"], told["equipment_id"]) == (
        desk["id"], domain.work_order_id(ESTATE, "incident", "inc_lift"), engineering.lift["id"])


def test_a_second_call_about_a_lift_whose_entrapment_joined_the_first_call_s_order_is_told_to_join_it(engineering):
    """The reverse join looked at an entrapment's own order only: the entrapment had joined the first call's
    order for the lift, a neighbour's call about the same lift then named on its own order was a second order
    for the lift (found by h4). An open order an entrapment joined, naming the lift, is the entrapment's order
    in hand as its own would be."""
    first = desk_order_on(engineering, engineering.lift["id"])
    clock.freeze(clock.now() + timedelta(minutes=3))
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    clock.freeze(clock.now() + timedelta(minutes=5))
    second = desk_order_on(engineering, engineering.lift["id"], request_id="sr_2", created_at=clock.now())
    [told] = announced(engineering, "work_order_incident_found")
    assert (told["id"], told["request_id"], told["work_order_id"], told["incident_id"]) == (
        second["id"], "sr_2", first["id"], "inc_lift")


def test_a_later_call_about_the_lift_is_within_the_window_of_the_entrapment_not_of_the_first_call(engineering):
    """The window's edge (found by r4 reviewing h4): the order an entrapment joined reads the first call's
    report; a second call about the lift 30 minutes after the entrapment but 130 after the first call was told
    nothing. The window is measured from the entrapment's opening, as when it joined."""
    first = desk_order_on(engineering, engineering.lift["id"])
    clock.freeze(clock.now() + timedelta(minutes=100))
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    clock.freeze(clock.now() + timedelta(minutes=30))
    second = desk_order_on(engineering, engineering.lift["id"], request_id="sr_2", created_at=clock.now())
    [told] = announced(engineering, "work_order_incident_found")
    assert (told["id"], told["work_order_id"], told["incident_id"]) == (second["id"], first["id"], "inc_lift")


def test_an_entrapment_naming_only_its_place_opens_its_order_on_the_one_lift_there(engineering):
    """The guard named the place (Building 3) and no lift: with no desk order to join, the entrapment's own order
    named no lift, the lift stayed in service, and the call's order named on the lift afterwards found no
    entrapment order on it: two emergency orders, two technicians (found by h5). The one lift at the place is
    the lift meant: the order names it, takes it out until checked, and the call's order is told to join it;
    two lifts at the place, none (a wrong join is worse than two orders)."""
    engineering.open_from_incident(entrapment())  # "Building 3", no lift named
    fault = engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_lift")})
    assert fault["equipment_id"] == engineering.lift["id"]
    [lift] = out_now(engineering)
    assert (lift["id"], lift["out_of_service"]["work_order_id"]) == (engineering.lift["id"], fault["_id"])
    clock.freeze(clock.now() + timedelta(minutes=6))
    desk = desk_order_on(engineering, engineering.lift["id"])
    [told] = announced(engineering, "work_order_incident_found")
    assert (told["id"], told["work_order_id"], told["incident_id"]) == (desk["id"], fault["_id"], "inc_lift")
    engineering.create_equipment({"estate_id": ESTATE, "data": {
        "code": "LIFT-3B", "name": "3号楼货梯", "system": "elevator", "location": "building 3 "}})
    engineering.open_from_incident(entrapment("inc_two"))
    assert engineering.db.work_orders.find_one(
        {"_id": domain.work_order_id(ESTATE, "incident", "inc_two")}).get("equipment_id") is None


def closed_as_false_alarm(incident_id="inc_lift", false_alarm=True, opened_at=None):
    return event("security_patrol", "incident_closed", ESTATE, {
        "id": incident_id, "number": "INC-2026-000007", "type": "elevator_entrapment", "major": False,
        "location": "Building 3", "opened_at": opened_at or clock.now_iso(), "closed_at": clock.now_iso(),
        "summary": "误报: nobody in the car", "steps_done": ["notify_manager"], "steps_not_done": [],
        "escalations": [], "false_alarm": false_alarm})


def test_an_entrapment_closed_as_a_false_alarm_releases_the_desk_s_order_and_leaves_the_lift_to_the_engineer(engineering):
    """Security had no false-alarm state: the desk's order kept the entrapment that joined it, a later call about
    the lift told to join it (found by h5). Closed as a false alarm, the order is no longer the entrapment's (a
    history entry says so; its calls' promises stand), once however often the event comes. The lift was put
    back in service by the false alarm, a guard's word, unchecked (found by h8: 检验合格方可使用, the lift goes
    back once an engineer has checked it): it stays out until checked, and the engineer's return records who,
    when and what he checked."""
    desk = desk_order_on(engineering, engineering.lift["id"])
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    assert out_now(engineering)
    closed = closed_as_false_alarm()
    engineering.keep_closed_incident_release(closed)
    engineering.keep_closed_incident_release(closed)  # redelivered
    [lift] = out_now(engineering)
    assert lift["out_of_service"]["until_checked"] is True
    assert not announced(engineering, "equipment_back_in_service")
    order = engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})
    assert [e["action"] for e in order["history"]].count("incident_false_alarm") == 1
    stored = engineering.db.work_orders.find_one({"_id": desk["id"]})
    assert domain.ENTRAPMENT_JOINED not in stored
    clock.freeze(clock.now() + timedelta(minutes=5))
    desk_order_on(engineering, engineering.lift["id"], request_id="sr_2")  # no entrapment to join any more
    assert not announced(engineering, "work_order_incident_found")
    from .test_service import TECHNICIAN
    as_caller(engineering, TECHNICIAN)
    engineering.return_equipment_to_service({"estate_id": ESTATE, "id": engineering.lift["id"],
                                             "data": {"note": "doors, brakes and alarm button checked"}})
    [back] = announced(engineering, "equipment_back_in_service")
    assert (back["back"]["by"], back["back"]["note"], back["back"]["at"]) == (
        "chen", "doors, brakes and alarm button checked", clock.now_iso())


def test_an_entrapment_s_own_order_closed_as_a_false_alarm_is_cancelled_and_its_lift_waits_for_the_engineer(engineering):
    """The false alarm's own emergency order stayed open, an emergency nobody needed, and kept its marks (found by
    h8): it is cancelled as a false alarm, announced once; the lift stays out until an engineer checks it, a real
    entrapment's alike."""
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    own = domain.work_order_id(ESTATE, "incident", "inc_lift")
    engineering.keep_closed_incident_release(closed_as_false_alarm(false_alarm=False))
    assert out_now(engineering)  # it happened: out until checked
    assert engineering.get_work_order({"estate_id": ESTATE, "id": own})["status"] != "cancelled"
    engineering.keep_closed_incident_release(closed_as_false_alarm())
    engineering.keep_closed_incident_release(closed_as_false_alarm())  # redelivered
    [lift] = out_now(engineering)
    assert lift["out_of_service"]["until_checked"] is True
    assert not announced(engineering, "equipment_back_in_service")
    order = engineering.get_work_order({"estate_id": ESTATE, "id": own})
    assert order["status"] == "cancelled"
    [cancelled] = announced(engineering, "work_order_cancelled")
    assert cancelled["id"] == own and "false alarm" in cancelled["reason"]


def test_a_flooding_s_own_order_closed_as_a_false_alarm_is_cancelled_its_flat_no_longer_the_burst_s(engineering):
    """A flooding's own order kept its flat (``_flooded_household_id``) closed as a false alarm: cancelled, its
    mark cleared (found by h8)."""
    flooded = event("security_patrol", "emergency_repair_requested", ESTATE, {
        "id": "inc_flood", "number": "INC-2026-000011", "type": "flooding", "description": "water in the hall",
        "location": "Building 3", "opened_at": clock.now_iso(), "household_id": "hh_1701"})
    engineering.open_from_incident(flooded)
    own = domain.work_order_id(ESTATE, "incident", "inc_flood")
    assert engineering.db.work_orders.find_one({"_id": own})[domain.FLOODED_FLAT] == "hh_1701"
    closed = closed_as_false_alarm("inc_flood")
    closed["data"] = closed["data"] | {"number": "INC-2026-000011", "type": "flooding"}
    engineering.keep_closed_incident_release(closed)
    stored = engineering.db.work_orders.find_one({"_id": own})
    assert stored["status"] == "cancelled" and domain.FLOODED_FLAT not in stored


def test_a_lift_out_before_the_entrapment_stays_out_when_it_was_a_false_alarm(engineering):
    """The lift was out of service by hand (the annual inspection found its brakes worn) before the entrapment
    came; the incident's order took the spell over; closed as a false alarm, the lift was put back in service,
    its brakes never checked (found by r5 reviewing h5). A spell begun before the incident stays out."""
    down(engineering, engineering.lift["id"], reason="annual inspection: brakes worn, out until relined")
    clock.freeze(clock.now() + timedelta(hours=2))
    trapped = entrapment(equipment_id=engineering.lift["id"])
    engineering.open_from_incident(trapped)
    clock.freeze(clock.now() + timedelta(minutes=20))
    engineering.keep_closed_incident_release(closed_as_false_alarm(opened_at=trapped["data"]["opened_at"]))
    [lift] = out_now(engineering)
    assert not announced(engineering, "equipment_back_in_service")


def test_a_lift_out_for_two_entrapments_orders_stays_out_when_the_first_was_a_false_alarm(engineering):
    """Two entrapments of one lift, each its own order (no desk call): the first's order held the lift's spell,
    the second's left it so; the first closed as a false alarm put the lift back, the second's passengers real
    (found by r5 reviewing h5). The spell goes to the order still standing."""
    first = entrapment("inc_a", equipment_id=engineering.lift["id"])
    engineering.open_from_incident(first)
    clock.freeze(clock.now() + timedelta(minutes=10))
    second = entrapment("inc_b", equipment_id=engineering.lift["id"])
    second["data"]["number"] = "INC-2026-000008"
    engineering.open_from_incident(second)
    first_false = closed_as_false_alarm("inc_a", opened_at=first["data"]["opened_at"])
    engineering.keep_closed_incident_release(first_false)
    [lift] = out_now(engineering)
    assert lift["out_of_service"]["work_order_id"] == domain.work_order_id(ESTATE, "incident", "inc_b")


def test_an_entrapment_naming_its_place_means_the_lift_in_use_there_not_the_one_retired(engineering):
    """The building's old lift was scrapped and a new one put in at the same place; an entrapment naming the
    place alone read two lifts there and named none: its order named no lift and the new lift stayed in service
    (found by r5 reviewing h5). A lift retired is no lift of the place."""
    from .test_service import MANAGER
    as_caller(engineering, MANAGER)
    engineering.retire_equipment({"estate_id": ESTATE, "id": engineering.lift["id"], "data": {
        "kind": "scrapped", "on": "2026-11-20", "reason": "老旧报废，已拆除"}})
    new = engineering.create_equipment({"estate_id": ESTATE, "data": {
        "code": "LIFT-3N", "name": "3号楼新客梯", "system": "elevator", "location": "Building 3"}})
    engineering.open_from_incident(entrapment("inc_a"))  # "Building 3", no lift named
    order = engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_a")})
    assert order["equipment_id"] == new["id"]
    [lift] = out_now(engineering)
    assert lift["id"] == new["id"]


def test_a_false_alarm_heard_before_the_incident_s_order_releases_it_when_it_opens(engineering):
    """Each event type has its queue: maintenance down for the night, the entrapment's closing as a false alarm
    was handled before its emergency_repair_requested, found no order and was forgotten; the order then took
    the lift out until checked and the desk's order became the entrapment's (found by r5 reviewing h5). The
    false alarm is kept and applied when the incident's order opens or joins, once."""
    desk = desk_order_on(engineering, engineering.lift["id"])
    asked = entrapment(equipment_id=engineering.lift["id"])
    closed = closed_as_false_alarm(opened_at=asked["data"]["opened_at"])
    engineering.keep_closed_incident_release(closed)
    engineering.open_from_incident(asked)
    engineering.open_from_incident(asked)  # redelivered
    assert out_now(engineering) == []
    stored = engineering.db.work_orders.find_one({"_id": desk["id"]})
    assert domain.ENTRAPMENT_JOINED not in stored
    order = engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})
    assert [e["action"] for e in order["history"]].count("incident_false_alarm") == 1
    # its own order alike (no desk call)
    second = entrapment("inc_b", equipment_id=engineering.lift["id"])
    second["data"]["number"] = "INC-2026-000008"
    clock.freeze(clock.now() + timedelta(hours=5))
    closed_b = closed_as_false_alarm("inc_b")
    closed_b["data"]["number"] = "INC-2026-000008"
    engineering.keep_closed_incident_release(closed_b)
    engineering.db.work_orders.update_one({"_id": desk["id"]}, {"$set": {"status": "completed"}})
    engineering.open_from_incident(second)
    assert engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_b")})[
        "status"] == "cancelled"  # a false alarm's own order (h8)
    assert out_now(engineering) == []  # known false before its order opened: never taken out (h8)
