"""A burst supply pipe at 02:00 (h5, the burst-pipe probe): 3-1801's pipe floods 1701, 1601 and the lift
shaft. The desk's emergency call (家里进水) opened its order, the guard's flooding incident opened a second
emergency order, and the lift's entrapment a third: three orders for one burst. A flooding incident naming
its flat (``household_id``) joins the desk's open water emergency (flooding or water mains) of a flat in the
same building and unit reported within ``incident_join_window_minutes``, as an entrapment joins the desk's
order for its lift; the piece it affects (``equipment_id``, the lift in the flooded shaft) is named on that
order and a lift taken out of service until checked, so the entrapment that follows joins the same order."""
from datetime import timedelta

from estate_common import clock
from estate_common.testing import event
from maintenance import domain

from .test_out_of_service import ESTATE, announced, engineering, entrapment, frozen, out_now  # noqa: F401
from .test_service import copy_households, orders, request_created


def desk_call(service, household_id="hh_1701", request_id="sr_1", **extra):
    service.open_from_service_request(request_created(
        request_id=request_id, household_id=household_id, created_at=clock.now(),
        description="water pouring through the ceiling", **({"emergency": True, "emergency_category": "flooding"}
                                                            | extra)))
    [order] = orders(service, request_id=request_id, source_type="service_request")
    return order


def flooding(incident_id="inc_flood", household_id="hh_1801", equipment_id=None):
    return event("security_patrol", "emergency_repair_requested", ESTATE, {
        "id": incident_id, "number": "INC-2026-000011", "type": "flooding",
        "description": "supply pipe burst in 1801, water down to 1601 and the lift shaft",
        "location": "Building 3 unit 1", "opened_at": clock.to_iso(clock.now()),
        **({"household_id": household_id} if household_id else {}),
        **({"equipment_id": equipment_id} if equipment_id else {})})


def flats(service):
    copy_households(service, (1801, "1801"), (1701, "1701"), (1601, "1601"))
    service.copy_household(event("archive", "household_created", ESTATE, {
        "id": "hh_2701", "estate_id": ESTATE, "building": "3", "unit": "2", "room": "701",
        "area_m2": 89.37, "status": "occupied", "version": 1}))


def test_a_burst_pipe_s_flooding_and_the_lift_s_entrapment_join_the_desk_s_one_order(engineering):
    flats(engineering)
    desk = desk_call(engineering)
    clock.freeze(clock.now() + timedelta(minutes=9))
    flood = flooding(equipment_id=engineering.lift["id"])
    engineering.open_from_incident(flood)
    engineering.open_from_incident(flood)  # redelivered
    clock.freeze(clock.now() + timedelta(minutes=6))
    engineering.open_from_incident(entrapment("inc_lift", equipment_id=engineering.lift["id"]))
    [order] = orders(engineering)
    assert order["id"] == desk["id"]
    assert [i["id"] for i in order["incidents"]] == ["inc_flood", "inc_lift"]
    assert (order["priority"], order["emergency_category"]) == ("emergency", "flooding")
    assert order["equipment_id"] == engineering.lift["id"]  # the lift the flood reached, named on the order
    [lift] = out_now(engineering)  # out until checked, for the one order
    assert (lift["out_of_service"]["work_order_id"], lift["out_of_service"]["until_checked"]) == (desk["id"], True)
    told = announced(engineering, "work_order_incident_joined")
    assert [t["incident_id"] for t in told] == ["inc_flood", "inc_lift"]
    assert not engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_flood")})


def test_a_flooding_not_surely_of_the_desk_s_burst_opens_its_own_order(engineering):
    flats(engineering)
    desk_call(engineering, household_id="hh_2701")  # another unit's water
    desk_call(engineering, household_id="hh_1601", request_id="sr_2", emergency=False)  # a dripping tap below
    engineering.open_from_incident(flooding("inc_a"))
    assert engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_a")})
    engineering.open_from_incident(flooding("inc_b", household_id=None))  # no flat named: no place to match
    assert engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_b")})
    # two water emergencies in the unit: which is not sure
    desk_call(engineering, household_id="hh_1701", request_id="sr_3")
    desk_call(engineering, household_id="hh_1601", request_id="sr_4")
    engineering.open_from_incident(flooding("inc_c"))
    assert engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_c")})


def test_a_flooding_after_the_window_or_an_order_done_opens_its_own(engineering):
    flats(engineering)
    desk = desk_call(engineering)
    clock.freeze(clock.now() + timedelta(minutes=121))
    engineering.open_from_incident(flooding("inc_late"))
    assert engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_late")})
    assert not engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]}).get("incidents")


def test_a_flooding_naming_the_lift_with_its_own_order_takes_the_lift_out_for_it(engineering):
    flats(engineering)
    engineering.open_from_incident(flooding("inc_own", equipment_id=engineering.lift["id"]))
    own = engineering.get_work_order({"estate_id": ESTATE, "id": domain.work_order_id(ESTATE, "incident", "inc_own")})
    assert own["equipment_id"] == engineering.lift["id"]
    [lift] = out_now(engineering)
    assert lift["out_of_service"]["work_order_id"] == own["id"]


def test_the_order_that_fixed_the_burst_says_its_cause_and_who_is_responsible(engineering):
    """The claim for 1701's and 1601's losses had a responsibility, the order that fixed the pipe said
    nothing of the cause (h5): its completion names it (``cause``: the owner's own pipe after his meter,
    naming his flat; the operator's shared part, 共用部位; a third party, naming it), kept on the order and
    announced on ``work_order_completed`` for the claim to read; the parties' rules as a claim's (422)."""
    from estate_common.errors import BusinessRuleViolation
    import pytest
    from .test_service import act, completion
    flats(engineering)
    desk = desk_call(engineering)
    act(engineering, "assign_work_order", desk["id"], technician="chen")
    act(engineering, "start_work_order", desk["id"])
    for wrong, field in (({"party": "owner"}, "data.cause.household_id"),
                         ({"party": "operator", "household_id": "hh_1801"}, "data.cause.household_id"),
                         ({"party": "third_party"}, "data.cause.third_party"),
                         ({"party": "owner", "household_id": "hh_9999"}, "data.cause.household_id")):
        with pytest.raises(BusinessRuleViolation) as refused:
            act(engineering, "complete_work_order", desk["id"], **completion(summary="valve shut, pipe mended",
                                                                             cause=wrong))
        assert refused.value.errors[0]["field"] == field
    cause = {"party": "owner", "household_id": "hh_1801", "note": "the supply pipe after 1801's meter split"}
    done = act(engineering, "complete_work_order", desk["id"], **completion(summary="pipe mended", cause=cause))
    assert done["cause"] == {**cause, "third_party": None}
    [told] = announced(engineering, "work_order_completed")
    assert told["cause"] == {"party": "owner", "household_id": "hh_1801", "third_party": None}  # no note: staff's words


def test_a_flooding_naming_the_lift_takes_it_out_when_the_desk_s_order_names_another_piece(engineering):
    """The desk's burst order named the booster pump (the technician set it when dispatched): the flooding
    naming the lift in the flooded shaft joined it, the lift was named nowhere and stayed in service, a
    flooded lift carrying people (found by r5 reviewing h5). An order naming another piece is not the
    flooding's to join: its own order names the lift and takes it out until checked."""
    flats(engineering)
    desk = desk_call(engineering)
    engineering.set_work_order_equipment({"estate_id": ESTATE, "id": desk["id"],
                                          "data": {"equipment_id": engineering.pump["id"]}})
    engineering.open_from_incident(flooding("inc_shaft", equipment_id=engineering.lift["id"]))
    [lift] = out_now(engineering)
    assert lift["id"] == engineering.lift["id"] and lift["out_of_service"]["until_checked"] is True
    assert lift["out_of_service"]["work_order_id"] == domain.work_order_id(ESTATE, "incident", "inc_shaft")
    assert not engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]}).get("incidents")


def test_a_flooded_lift_is_out_for_the_flooding_not_for_an_entrapment(engineering):
    """The lift a flooding took out said "elevator entrapment" on the ledger and the archive's record of the
    spell: the reason names the incident as it was, a flooding (found by r5 reviewing h5)."""
    flats(engineering)
    desk_call(engineering)
    engineering.open_from_incident(flooding(equipment_id=engineering.lift["id"]))
    [lift] = out_now(engineering)
    assert "entrapment" not in lift["out_of_service"]["reason"] and "flooding" in lift["out_of_service"]["reason"]


def test_an_entrapment_after_the_flooded_lift_was_checked_and_put_back_takes_it_out_again(engineering):
    """The flooding took the lift out for the desk's order; the technician checked it and put it back; then
    someone was trapped in it and the entrapment joined the same order, which had taken its lift out once
    already, so the lift stayed in service after an entrapment (found by r5 reviewing h5). Each incident
    joining takes it out once (a redelivery of either no more)."""
    flats(engineering)
    desk = desk_call(engineering)
    flood = flooding(equipment_id=engineering.lift["id"])
    engineering.open_from_incident(flood)
    engineering.return_equipment_to_service({"estate_id": ESTATE, "id": engineering.lift["id"],
                                             "data": {"note": "shaft dried, brakes and doors checked"}})
    assert out_now(engineering) == []
    engineering.open_from_incident(flood)  # redelivered: out no more
    assert out_now(engineering) == []
    clock.freeze(clock.now() + timedelta(minutes=30))
    trapped = entrapment("inc_lift", equipment_id=engineering.lift["id"])
    engineering.open_from_incident(trapped)
    [lift] = out_now(engineering)
    assert (lift["out_of_service"]["work_order_id"], lift["out_of_service"]["until_checked"]) == (desk["id"], True)
    assert "entrapment" in lift["out_of_service"]["reason"]
    engineering.return_equipment_to_service({"estate_id": ESTATE, "id": engineering.lift["id"],
                                             "data": {"note": "checked after the entrapment"}})
    engineering.open_from_incident(trapped)  # redelivered: out no more
    assert out_now(engineering) == []


# -- the other way round: the guard's flooding came first (h4) ----------------------------------------------

def _flood_order_id(incident_id="inc_flood"):
    return domain.work_order_id(ESTATE, "incident", incident_id)


def test_a_desk_water_emergency_after_the_flooding_s_own_order_is_told_to_join_it_once(engineering):
    """The guard's flooding (naming 1701) was handled before the desk registered 1801's water emergency: the
    flooding opened its own order, and the desk's later call opened a second for the one burst (found by h4).
    The desk's order, just opened, is of the same building and unit within the window as one flooding's own
    order in hand: maintenance tells customer service (``work_order_incident_found``, once however often the
    call's event comes), which joins the call to the flooding's order; its ``service_request_joined`` then
    cancels the call's own order here: one burst, one order."""
    flats(engineering)
    engineering.open_from_incident(flooding(household_id="hh_1701"))
    clock.freeze(clock.now() + timedelta(minutes=7))
    desk = desk_call(engineering, household_id="hh_1801")
    engineering.open_from_service_request(request_created(  # redelivered
        request_id="sr_1", household_id="hh_1801", created_at=clock.parse_iso(desk["reported_at"]),
        description="water pouring through the ceiling", emergency=True, emergency_category="flooding"))
    [told] = announced(engineering, "work_order_incident_found")
    assert (told["id"], told["request_id"], told["work_order_id"], told["incident_id"]) == (
        desk["id"], "sr_1", _flood_order_id(), "inc_flood")
    assert told["priority"] == "emergency" and "equipment_id" not in told
    # customer service joined the call to the flooding's order: the call's own order is cancelled
    engineering.cancel_joined_request_order(event("customer_service", "service_request_joined", ESTATE, {
        "id": "sr_1", "number": "SR-2026-000001", "work_order_id": _flood_order_id(), "own_work_order_id": desk["id"],
        "joined_at": clock.now_iso()}))
    assert [o["id"] for o in orders(engineering) if o["status"] not in ("cancelled", "completed")] == [
        _flood_order_id()]


def test_a_desk_call_not_surely_of_the_flooding_s_burst_is_told_nothing(engineering):
    """Another unit's water, a repair that is no emergency, a call after the window or two floodings of the
    unit: the call keeps its order (a wrong join is worse than two orders)."""
    flats(engineering)
    engineering.open_from_incident(flooding("inc_a", household_id="hh_1701"))
    desk_call(engineering, household_id="hh_2701", request_id="sr_other_unit")
    desk_call(engineering, household_id="hh_1601", request_id="sr_tap", emergency=False)
    clock.freeze(clock.now() + timedelta(minutes=121))
    desk_call(engineering, household_id="hh_1801", request_id="sr_late")
    # two floodings of the other unit, each its own order (its call is past the window): which is not sure.
    # (Two floodings of 1801's unit now would join sr_late's order, the one order a later call is told of: r4)
    engineering.open_from_incident(flooding("inc_b", household_id="hh_2701"))
    engineering.open_from_incident(flooding("inc_c", household_id="hh_2701"))
    assert all(engineering.db.work_orders.find_one({"_id": _flood_order_id(i)}) for i in ("inc_b", "inc_c"))
    desk_call(engineering, household_id="hh_2701", request_id="sr_two_floods")
    assert not announced(engineering, "work_order_incident_found")


def test_a_flooding_and_the_desk_s_call_handled_at_once_still_make_one_order(engineering, monkeypatch):
    """Each side looks for the other before it writes: the flooding's event and the call's, handled at the
    same moment, each saw none and the burst had two orders. The flooding's own order, once open, looks
    again for the desk's water emergency (the call's order, just opened, looks for the flooding's): either
    side sees the other, and the call is told once."""
    from maintenance import operations
    flats(engineering)
    desk = desk_call(engineering, household_id="hh_1801")
    looked = operations._desk_order_for
    calls = []

    def not_yet(db, estate_id, data, rules):  # the call's order was not written when the flooding looked
        calls.append(data["id"])
        return None if len(calls) == 1 else looked(db, estate_id, data, rules)

    monkeypatch.setattr(operations, "_desk_order_for", not_yet)
    engineering.open_from_incident(flooding(household_id="hh_1701"))
    engineering.open_from_incident(flooding(household_id="hh_1701"))  # redelivered
    [told] = announced(engineering, "work_order_incident_found")
    assert (told["id"], told["work_order_id"]) == (desk["id"], _flood_order_id())


def test_a_second_desk_call_after_the_flooding_joined_the_first_call_s_order_is_told_to_join_it(engineering):
    """The desk first, then the guard, then the desk again (found by r4 reviewing h4): 1801's call opened the
    burst's order, the guard's flooding (naming 1701) joined it, and 1601's call about the same water then
    opened a second emergency order for the one burst: the reverse join looked at a flooding's own order
    only. An open order a flooding joined is the burst's order in hand as its own would be (as an order an
    entrapment joined is for its lift): the later call is told to join it, naming the flooding, once."""
    flats(engineering)
    first = desk_call(engineering, household_id="hh_1801")
    clock.freeze(clock.now() + timedelta(minutes=4))
    engineering.open_from_incident(flooding(household_id="hh_1701"))
    clock.freeze(clock.now() + timedelta(minutes=6))
    second = desk_call(engineering, household_id="hh_1601", request_id="sr_2")
    engineering.open_from_service_request(request_created(  # redelivered
        request_id="sr_2", household_id="hh_1601", created_at=clock.parse_iso(second["reported_at"]),
        description="water pouring through the ceiling", emergency=True, emergency_category="flooding"))
    [told] = announced(engineering, "work_order_incident_found")
    assert (told["id"], told["request_id"], told["work_order_id"], told["incident_id"]) == (
        second["id"], "sr_2", first["id"], "inc_flood")
    assert told["emergency_category"] == "flooding"
    # another unit's water is told nothing
    desk_call(engineering, household_id="hh_2701", request_id="sr_3")
    assert len(announced(engineering, "work_order_incident_found")) == 1


def test_a_later_call_is_within_the_window_of_the_flooding_that_joined_the_first_call_s_order(engineering):
    """The window's edge (found by r4 reviewing h4): the order a flooding joined reads the first call's report
    (the earliest); a neighbour's call 30 minutes after the flooding but 130 after the first call was measured
    from the first call and told nothing. The window is the incident's, either side, as when the flooding
    joins: from the flooding's opening."""
    flats(engineering)
    first = desk_call(engineering, household_id="hh_1801")
    clock.freeze(clock.now() + timedelta(minutes=100))
    engineering.open_from_incident(flooding(household_id="hh_1701"))
    clock.freeze(clock.now() + timedelta(minutes=30))
    second = desk_call(engineering, household_id="hh_1601", request_id="sr_2")
    [told] = announced(engineering, "work_order_incident_found")
    assert (told["id"], told["work_order_id"]) == (second["id"], first["id"])
    clock.freeze(clock.now() + timedelta(minutes=91))  # 121 after the flooding: no longer
    desk_call(engineering, household_id="hh_1701", request_id="sr_3")
    assert len(announced(engineering, "work_order_incident_found")) == 1


def test_a_second_flooding_while_the_desk_s_call_is_told_to_join_joins_the_order_it_was_told_of(engineering):
    """The guard's flooding (1701) opened its own order, the desk's water emergency (1801) was told to join it;
    before customer service joined the call, a second flooding of the unit (1601) came and joined the call's
    order, which the join then left standing for that flooding (it serves an incident): two orders for the one
    burst again (found by h5). A call's order told to join an incident's order is on its way there: the second
    flooding joins the order it was told of."""
    flats(engineering)
    engineering.open_from_incident(flooding(household_id="hh_1701"))
    clock.freeze(clock.now() + timedelta(minutes=7))
    desk = desk_call(engineering, household_id="hh_1801")
    assert announced(engineering, "work_order_incident_found")
    clock.freeze(clock.now() + timedelta(minutes=3))
    engineering.open_from_incident(flooding("inc_flood_2", household_id="hh_1601"))
    assert not engineering.db.work_orders.find_one({"_id": domain.work_order_id(ESTATE, "incident", "inc_flood_2")})
    assert not engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]}).get("incidents")
    fault = engineering.get_work_order({"estate_id": ESTATE, "id": _flood_order_id()})
    assert [i["id"] for i in fault.get("incidents") or ()] == ["inc_flood_2"]
    engineering.cancel_joined_request_order(event("customer_service", "service_request_joined", ESTATE, {
        "id": "sr_1", "number": "SR-2026-000001", "work_order_id": _flood_order_id(), "own_work_order_id": desk["id"],
        "joined_at": clock.now_iso()}))
    assert [o["id"] for o in orders(engineering) if o["status"] not in ("cancelled", "completed")] == [
        _flood_order_id()]


def test_a_lift_out_for_two_incidents_stays_out_when_one_of_them_was_a_false_alarm(engineering):
    """The flooding and the entrapment joined the desk's one order and the lift was out for both; the flooding
    closed as a false alarm put the lift back in service, the passengers' entrapment real and the lift never
    checked (found by r5 reviewing h5). It stays out, for the incident still standing; the second one closed
    as a false alarm too leaves it out until an engineer checks it (h8: it put it back)."""
    from .test_incident_joins_desk_order import closed_as_false_alarm
    flats(engineering)
    desk = desk_call(engineering)
    flood = flooding(equipment_id=engineering.lift["id"])
    engineering.open_from_incident(flood)
    clock.freeze(clock.now() + timedelta(minutes=6))
    trapped = entrapment("inc_lift", equipment_id=engineering.lift["id"])
    engineering.open_from_incident(trapped)
    false_flood = closed_as_false_alarm("inc_flood", opened_at=flood["data"]["opened_at"])
    false_flood["data"] = false_flood["data"] | {"number": "INC-2026-000011", "type": "flooding"}
    engineering.keep_closed_incident_release(false_flood)
    engineering.keep_closed_incident_release(false_flood)  # redelivered
    [lift] = out_now(engineering)
    assert (lift["out_of_service"]["work_order_id"], lift["out_of_service"]["until_checked"]) == (desk["id"], True)
    assert "entrapment" in lift["out_of_service"]["reason"]
    assert not announced(engineering, "equipment_back_in_service")
    engineering.keep_closed_incident_release(closed_as_false_alarm("inc_lift", opened_at=trapped["data"]["opened_at"]))
    engineering.keep_closed_incident_release(closed_as_false_alarm("inc_lift", opened_at=trapped["data"]["opened_at"]))
    assert out_now(engineering)
    assert not announced(engineering, "equipment_back_in_service")


def test_a_lift_out_for_a_flooding_s_order_another_flooding_joined_stays_out_when_the_first_was_false(engineering):
    """The guard's flooding opened its order and took the lift out; the desk's call was told to join it and a
    second flooding of the unit joined it (h5); the first closed as a false alarm put the lift back though the second stood (found by r5
    reviewing h5)."""
    from .test_incident_joins_desk_order import closed_as_false_alarm
    flats(engineering)
    first = flooding(household_id="hh_1701", equipment_id=engineering.lift["id"])
    engineering.open_from_incident(first)
    clock.freeze(clock.now() + timedelta(minutes=7))
    desk_call(engineering, household_id="hh_1801")  # told to join the flooding's order
    clock.freeze(clock.now() + timedelta(minutes=3))
    second = flooding("inc_flood_2", household_id="hh_1601", equipment_id=engineering.lift["id"])
    second["data"]["number"] = "INC-2026-000012"
    engineering.open_from_incident(second)
    fault = engineering.get_work_order({"estate_id": ESTATE, "id": _flood_order_id()})
    assert [i["id"] for i in fault.get("incidents") or ()] == ["inc_flood_2"]
    false_first = closed_as_false_alarm("inc_flood", opened_at=first["data"]["opened_at"])
    false_first["data"] = false_first["data"] | {"number": "INC-2026-000011", "type": "flooding"}
    engineering.keep_closed_incident_release(false_first)
    [lift] = out_now(engineering)
    assert lift["out_of_service"]["work_order_id"] == _flood_order_id()
    assert "INC-2026-000012" in lift["out_of_service"]["reason"]


def test_a_false_alarm_s_lift_is_not_held_for_the_other_incident_s_spell_checked_already(engineering):
    """The flooding took the lift out for the desk's order, it was checked and put back; an entrapment joined
    and took it out again, then was closed as a false alarm: the lift stayed out for the flooding, whose spell
    was over, checked (found by r5 reviewing its own change). Another incident holds the lift only when it asked
    for it during the spell standing; the entrapment's spell waits for the engineer's check (h8)."""
    from .test_incident_joins_desk_order import closed_as_false_alarm
    flats(engineering)
    desk_call(engineering)
    engineering.open_from_incident(flooding(equipment_id=engineering.lift["id"]))
    engineering.return_equipment_to_service({"estate_id": ESTATE, "id": engineering.lift["id"],
                                             "data": {"note": "shaft dried, brakes and doors checked"}})
    clock.freeze(clock.now() + timedelta(minutes=30))
    trapped = entrapment("inc_lift", equipment_id=engineering.lift["id"])
    engineering.open_from_incident(trapped)
    assert out_now(engineering)
    clock.freeze(clock.now() + timedelta(minutes=10))
    engineering.keep_closed_incident_release(closed_as_false_alarm("inc_lift", opened_at=trapped["data"]["opened_at"]))
    [lift] = out_now(engineering)
    assert "entrapment" in lift["out_of_service"]["reason"] and lift["out_of_service"]["until_checked"] is True


def test_a_false_alarm_that_joined_a_flooding_s_own_order_leaves_it_the_burst_s(engineering):
    """A second flooding of the unit joined the first flooding's own order (h5) and was then closed as a false
    alarm: the release took the order's flat away with its marks, and the next desk call about the burst, no
    longer told to join the real flooding's order, made the burst's second (found by r5 reviewing h5). An
    incident's own order keeps its flat."""
    from .test_incident_joins_desk_order import closed_as_false_alarm
    flats(engineering)
    engineering.open_from_incident(flooding(household_id="hh_1701"))
    clock.freeze(clock.now() + timedelta(minutes=7))
    desk = desk_call(engineering, household_id="hh_1801")
    clock.freeze(clock.now() + timedelta(minutes=3))
    second = flooding("inc_flood_2", household_id="hh_1601")
    second["data"]["number"] = "INC-2026-000012"
    engineering.open_from_incident(second)
    engineering.cancel_joined_request_order(event("customer_service", "service_request_joined", ESTATE, {
        "id": "sr_1", "number": "SR-2026-000001", "work_order_id": _flood_order_id(), "own_work_order_id": desk["id"],
        "joined_at": clock.now_iso()}))
    closed = closed_as_false_alarm("inc_flood_2", opened_at=second["data"]["opened_at"])
    closed["data"] = closed["data"] | {"number": "INC-2026-000012", "type": "flooding"}
    engineering.keep_closed_incident_release(closed)
    told = len(announced(engineering, "work_order_incident_found"))
    clock.freeze(clock.now() + timedelta(minutes=5))
    desk_call(engineering, household_id="hh_1601", request_id="sr_2")  # the flat below, the same burst
    assert len(announced(engineering, "work_order_incident_found")) == told + 1
    assert announced(engineering, "work_order_incident_found")[-1]["work_order_id"] == _flood_order_id()


def test_a_false_flooding_s_own_order_a_desk_call_joined_stays_for_the_call(engineering):
    """The guard's flooding (1701) opened its own order; the desk's water emergency from 1801 was told to join it
    and joined it, its own order cancelled (h4). The flooding then closed as a false alarm cancelled the order
    as an emergency nobody needed (h8), and customer service closed 1801's call with it: the water pouring
    through 1801's ceiling had no order left and nobody sent (found by r8 reviewing h8). The order serves the
    call that joined it: it stays open, no longer the false alarm's (a history entry), its call promised as
    told."""
    from .test_incident_joins_desk_order import closed_as_false_alarm
    flats(engineering)
    engineering.open_from_incident(flooding(household_id="hh_1701"))
    clock.freeze(clock.now() + timedelta(minutes=7))
    desk = desk_call(engineering, household_id="hh_1801")
    engineering.cancel_joined_request_order(event("customer_service", "service_request_joined", ESTATE, {
        "id": "sr_1", "number": "SR-2026-000001", "work_order_id": _flood_order_id(), "own_work_order_id": desk["id"],
        "joined_at": clock.now_iso()}))
    assert engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})["status"] == "cancelled"
    closed = closed_as_false_alarm("inc_flood")
    closed["data"] = closed["data"] | {"type": "flooding"}
    engineering.keep_closed_incident_release(closed)
    engineering.keep_closed_incident_release(closed)  # redelivered
    order = engineering.get_work_order({"estate_id": ESTATE, "id": _flood_order_id()})
    assert order["status"] == "pending"
    assert not announced(engineering, "work_order_cancelled") or all(
        told["id"] != _flood_order_id() for told in announced(engineering, "work_order_cancelled"))
    assert [e["action"] for e in order["history"]].count("incident_false_alarm") == 1


def test_a_false_entrapment_s_own_order_a_desk_call_joined_stays_for_the_call(engineering):
    """The same of an entrapment's own order the desk's call about the lift joined (h6): the false alarm left the
    call with no order (found by r8 reviewing h8)."""
    from .test_incident_joins_desk_order import closed_as_false_alarm, desk_order_on
    engineering.open_from_incident(entrapment(equipment_id=engineering.lift["id"]))
    own = domain.work_order_id(ESTATE, "incident", "inc_lift")
    clock.freeze(clock.now() + timedelta(minutes=6))
    desk = desk_order_on(engineering, engineering.lift["id"])
    engineering.cancel_joined_request_order(event("customer_service", "service_request_joined", ESTATE, {
        "id": "sr_1", "number": "SR-sr_1", "work_order_id": own, "own_work_order_id": desk["id"],
        "joined_at": clock.now_iso()}))
    engineering.keep_closed_incident_release(closed_as_false_alarm())
    assert engineering.get_work_order({"estate_id": ESTATE, "id": own})["status"] == "pending"
    assert all(told["id"] != own for told in announced(engineering, "work_order_cancelled"))


def test_a_flooding_known_false_when_its_order_opens_tells_no_desk_call_to_join_it(engineering, monkeypatch):
    """The flooding was closed as a false alarm before its order opened (each event type has its queue); its own
    order, opened and cancelled at once (h8), still told customer service to join the desk's water emergency
    written meanwhile to it (``work_order_incident_found``): the call joined an order cancelled as an emergency
    nobody needed, its own order cancelled for the join, and closed with it (found by r8 reviewing h8). A
    flooding known false tells no call to join its order: the call keeps its own."""
    from maintenance import operations
    from .test_incident_joins_desk_order import closed_as_false_alarm
    flats(engineering)
    desk = desk_call(engineering, household_id="hh_1801")
    looked = operations._desk_order_for
    calls = []

    def not_yet(db, estate_id, data, rules):  # the call's order was not written when the flooding looked
        calls.append(data["id"])
        return None if len(calls) == 1 else looked(db, estate_id, data, rules)

    monkeypatch.setattr(operations, "_desk_order_for", not_yet)
    closed = closed_as_false_alarm("inc_flood")
    closed["data"] = closed["data"] | {"type": "flooding"}
    engineering.keep_closed_incident_release(closed)
    engineering.open_from_incident(flooding(household_id="hh_1701"))
    assert engineering.get_work_order({"estate_id": ESTATE, "id": _flood_order_id()})["status"] == "cancelled"
    assert not announced(engineering, "work_order_incident_found")
    assert engineering.get_work_order({"estate_id": ESTATE, "id": desk["id"]})["status"] == "pending"


def test_a_flooding_joining_an_order_a_false_alarm_cancels_meanwhile_opens_its_own(engineering, monkeypatch):
    """The desk's call was told to join the guard's flooding's own order (1701) and a second flooding of the unit
    (1601) set out to join that order (h5); meanwhile the first was closed as a false alarm and its order
    cancelled (h8: the incident_closed queue and the emergency_repair_requested queue are read at once; its
    release read the calls on their way before the call was told). The second's join, kept, met an order done
    and changed nothing: the real flooding had no order, nobody sent, and a redelivery joined the cancelled order
    again (found by r8 reviewing h8). A join that did not land opens the incident's own order."""
    from maintenance import store
    from .test_incident_joins_desk_order import closed_as_false_alarm
    flats(engineering)
    first = flooding(household_id="hh_1701")
    engineering.open_from_incident(first)
    clock.freeze(clock.now() + timedelta(minutes=7))
    desk_call(engineering, household_id="hh_1801")  # told to join the flooding's order
    clock.freeze(clock.now() + timedelta(minutes=3))
    false_first = closed_as_false_alarm("inc_flood", opened_at=first["data"]["opened_at"])
    false_first["data"] = false_first["data"] | {"number": "INC-2026-000011", "type": "flooding"}
    kept = store.keep_incident_join

    def and_meanwhile(db, estate_id, incident_id, work_order_id):
        joined = kept(db, estate_id, incident_id, work_order_id)
        with monkeypatch.context() as before_the_call_was_told:
            before_the_call_was_told.setattr(store, "calls_joined", lambda *args: False)
            engineering.keep_closed_incident_release(false_first)  # the first's false alarm handled at that moment
        return joined

    monkeypatch.setattr(store, "keep_incident_join", and_meanwhile)
    second = flooding("inc_flood_2", household_id="hh_1601")
    second["data"]["number"] = "INC-2026-000012"
    engineering.open_from_incident(second)
    monkeypatch.setattr(store, "keep_incident_join", kept)
    engineering.open_from_incident(second)  # redelivered
    assert engineering.get_work_order({"estate_id": ESTATE, "id": _flood_order_id()})["status"] == "cancelled"
    standing = [o for o in orders(engineering) if o["status"] not in ("cancelled", "completed")
                and "inc_flood_2" in {i["id"] for i in o.get("incidents") or ()} | {o["source"].get("id")}]
    assert [o["id"] for o in standing] == [_flood_order_id("inc_flood_2")]


def test_a_false_flooding_s_own_order_a_desk_call_is_on_its_way_to_stays_for_the_call(engineering):
    """The desk's water emergency from 1801 was told to join the guard's flooding's own order (h4) and customer
    service had not joined it yet when the flooding was closed as a false alarm: the order was cancelled (h8),
    the join then landed on it, the call's own order cancelled for the join and the call closed with the
    flooding's: nobody sent to 1801 (found by r8 reviewing h8). A call told to join the order is on its way
    there: the order stays for it."""
    from .test_incident_joins_desk_order import closed_as_false_alarm
    flats(engineering)
    engineering.open_from_incident(flooding(household_id="hh_1701"))
    clock.freeze(clock.now() + timedelta(minutes=7))
    desk = desk_call(engineering, household_id="hh_1801")
    assert announced(engineering, "work_order_incident_found")
    closed = closed_as_false_alarm("inc_flood")
    closed["data"] = closed["data"] | {"type": "flooding"}
    engineering.keep_closed_incident_release(closed)
    assert engineering.get_work_order({"estate_id": ESTATE, "id": _flood_order_id()})["status"] == "pending"
    engineering.cancel_joined_request_order(event("customer_service", "service_request_joined", ESTATE, {
        "id": "sr_1", "number": "SR-2026-000001", "work_order_id": _flood_order_id(), "own_work_order_id": desk["id"],
        "joined_at": clock.now_iso()}))
    assert [o["id"] for o in orders(engineering) if o["status"] not in ("cancelled", "completed")] == [
        _flood_order_id()]
