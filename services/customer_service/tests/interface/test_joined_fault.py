"""Calls about a fault already in hand (停水: a burst main in the pump room, one incident's work
order): each household's call joins that order (``joins_work_order_id``) instead of opening an order,
a return visit and a late repair of its own (a probe of a Saturday night's burst main, h6)."""
import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput
from estate_common.testing import as_caller, event, staff

ESTATE = "est_1"
START = clock.parse_iso("2026-11-21T14:50:00Z")  # 22:50 in Beijing, a Saturday


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(START)


def incident_order(desk, order_id="wo_main", at="2026-11-21T14:45:00.000Z"):
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": order_id, "number": "WO-2026-000007", "source": {"type": "incident", "id": "inc_1"},
        "request_id": None, "household_id": None, "priority": "emergency", "status": "pending", "created_at": at}))


def call(desk, household="hh_1", **extra):
    return desk.create_request({"estate_id": ESTATE, "data": {
        "kind": "repair", "household_id": household, "channel": "phone", "description": "家里停水了", **extra}})


def order_done(desk, order_id="wo_main", at="2026-11-21T20:30:00.000Z"):
    """The fault's order completed: its event (delivered again by passing it to
    ``desk.on_work_order_completed``)."""
    done = event("maintenance", "work_order_completed", ESTATE, {
        "id": order_id, "number": "WO-2026-000007", "source": {"type": "incident", "id": "inc_1"},
        "request_id": None, "household_id": None, "priority": "emergency", "reported_at": "2026-11-21T14:45:00.000Z",
        "started_at": "2026-11-21T15:05:00.000Z", "completed_at": at, "charge_cents": 0,
        "material_cost_cents": 120000, "labour_cost_cents": 80000, "signed_by": "eng"})
    desk.on_work_order_completed(done)
    return done


def shown(desk, request):
    return desk.get_request({"estate_id": ESTATE, "id": request["id"]})


def test_calls_about_a_fault_in_hand_join_its_order_answered_at_once_and_announce_it(desk):
    incident_order(desk)
    first, second = call(desk, joins_work_order_id="wo_main"), call(desk, "hh_2", joins_work_order_id="wo_main")
    for request in (first, second):
        assert request["status"] == "dispatched"
        assert request["work_order_id"] == request["joins_work_order_id"] == "wo_main"
        assert request["answered_at"] == clock.now_iso()  # told at once: the fault is known and in hand
        assert request["return_visit_required"] is False
        assert any("WO-2026-000007" in step["note"] for step in request["history"])
    announced = desk.outbox.of_type("service_request_created")
    assert [e["data"]["joins_work_order_id"] for e in announced] == ["wo_main", "wo_main"]
    clock.freeze(clock.parse_iso("2026-11-22T16:00:00Z"))  # past the 24 h a repair is promised in
    desk.mark_overdue()
    assert shown(desk, first)["overdue_at"] is None


def test_an_order_not_known_or_done_is_refused_by_name_and_only_a_repair_joins_one(desk):
    with pytest.raises(BusinessRuleViolation) as refused:
        call(desk, joins_work_order_id="wo_nothing")
    assert refused.value.errors[0]["field"] == "data.joins_work_order_id"
    incident_order(desk)
    order_done(desk)
    with pytest.raises(BusinessRuleViolation):
        call(desk, joins_work_order_id="wo_main")
    incident_order(desk, "wo_other")
    with pytest.raises(InvalidInput):
        desk.create_request({"estate_id": ESTATE, "data": {"kind": "consultation", "household_id": "hh_1",
                                                           "channel": "phone", "description": "停水?",
                                                           "joins_work_order_id": "wo_other"}})
    assert desk.list_requests({"estate_id": ESTATE, "filters": {}})["items"] == []


def test_the_orders_completion_owes_every_call_it_answers_its_return_visit(desk):
    """DOMAIN.md: a return visit after every repair, an emergency's always. Each household that
    phoned about the burst main is visited once its water is back: the calls closed with the order
    and only the order's own request (none, an incident's) was visited (h8's brief)."""
    incident_order(desk)
    joined = [call(desk, household, joins_work_order_id="wo_main") for household in ("hh_1", "hh_2")]
    own = call(desk, "hh_1", category="water")  # another fault: its own order, its own visit
    completed = order_done(desk)
    desk.on_work_order_completed(completed)  # redelivered: nothing twice
    for request in joined:
        done = shown(desk, request)
        assert done["status"] == "completed" and done.get("closed_at") is None
        assert done["completed_at"] == "2026-11-21T20:30:00.000Z"
        assert done["started_at"] == "2026-11-21T15:05:00.000Z"
        assert done["return_visit_due_at"] == "2026-11-24T20:30:00.000Z"  # 3 days on, the estate's clock
        assert done["return_visit_required"] is True  # the fault's order was an emergency (抢险)
        assert done["charge_cents"] == 0  # the burst main's cost is no caller's charge
        steps = [s for s in done["history"] if s["action"] == "completed"]
        assert len(steps) == 1 and "WO-2026-000007" in steps[0]["note"]
    assert shown(desk, own)["status"] == "open"
    assert desk.outbox.of_type("service_request_closed") == []  # closed after their visits, as any repair
    owed = desk.list_requests({"estate_id": ESTATE, "filters": {
        "kind": "repair", "status": "completed", "return_visit_overdue": "false"}})["items"]
    assert sorted(r["id"] for r in owed) == sorted(r["id"] for r in joined)  # the desk's list of visits owed
    clock.freeze(clock.parse_iso("2026-11-22T02:00:00Z"))
    as_caller(desk, staff("zhang", ["agent"], [ESTATE]))
    desk.record_return_visit({"estate_id": ESTATE, "id": joined[0]["id"], "data": {
        "satisfaction": 5, "notes": "water back", "problem_found": False}})
    clock.freeze(clock.parse_iso("2026-11-30T02:00:00Z"))
    overdue = desk.list_requests({"estate_id": ESTATE, "filters": {"return_visit_overdue": "true"}})["items"]
    assert [r["id"] for r in overdue] == [joined[1]["id"]]
    rate = desk.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]["return_visit_rate"]
    assert (rate["numerator"], rate["denominator"]) == (1, 2)  # each caller's visit counts


def test_a_joined_call_is_closed_without_its_visit_by_a_manager_only_after_the_attempts(desk):
    """An emergency's caller always gets his visit (DOMAIN.md): the desk may not close him
    unvisited; an order that was no emergency (a common area's) owes the visit as any repair."""
    incident_order(desk)
    joined = call(desk, joins_work_order_id="wo_main")
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_gate", "number": "WO-2026-000008", "source": {"type": "patrol_anomaly", "id": "an_1"},
        "request_id": None, "household_id": None, "priority": "normal", "status": "pending",
        "created_at": "2026-11-21T14:40:00.000Z"}))
    ordinary = call(desk, "hh_2", joins_work_order_id="wo_gate")
    order_done(desk)
    desk.on_work_order_completed(event("maintenance", "work_order_completed", ESTATE, {
        "id": "wo_gate", "number": "WO-2026-000008", "source": {"type": "patrol_anomaly", "id": "an_1"},
        "request_id": None, "household_id": None, "priority": "normal", "reported_at": "2026-11-21T14:40:00.000Z",
        "started_at": "2026-11-21T15:00:00.000Z", "completed_at": "2026-11-21T16:00:00.000Z", "charge_cents": 0,
        "material_cost_cents": 0, "labour_cost_cents": 0, "signed_by": "eng"}))
    assert shown(desk, ordinary)["return_visit_required"] is False
    assert shown(desk, ordinary)["status"] == "completed" and shown(desk, ordinary)["return_visit_due_at"]
    with pytest.raises(Conflict):
        desk.close_request({"estate_id": ESTATE, "id": joined["id"], "data": {"no_visit_reason": "occupant_unreachable"}})


def test_the_orders_cancellation_closes_the_calls_that_joined_it(desk):
    incident_order(desk)
    joined = call(desk, joins_work_order_id="wo_main")
    desk.on_work_order_cancelled(event("maintenance", "work_order_cancelled", ESTATE, {
        "id": "wo_main", "number": "WO-2026-000007", "request_id": None, "household_id": None,
        "reason": "a duplicate of WO-2026-000006", "cancelled_at": "2026-11-21T15:00:00.000Z"}))
    assert shown(desk, joined)["status"] == "closed"


def test_the_calls_that_joined_an_order_are_listed_by_it(desk):
    """Monday's review of the night: the calls about the burst main, read by its order."""
    incident_order(desk)
    incident_order(desk, "wo_lift")
    joined = [call(desk, household, joins_work_order_id="wo_main") for household in ("hh_1", "hh_2")]
    call(desk, "hh_1", joins_work_order_id="wo_lift")
    call(desk, "hh_2", category="water")
    listed = desk.list_requests({"estate_id": ESTATE, "filters": {"joins_work_order_id": "wo_main"}})["items"]
    assert [r["id"] for r in listed] == [r["id"] for r in joined]


def test_a_call_about_a_fault_is_no_repeat_of_the_households_repairs_nor_one_a_repair_repeats(desk):
    """A building's water cut is not the flat's own repair: a call that joined it repeats none of
    the household's repairs, and the household's next water repair is no repeat of the call."""
    incident_order(desk)
    earlier = call(desk, "hh_1", category="water")
    joined = call(desk, "hh_1", category="water", joins_work_order_id="wo_main")
    assert joined["repeat_of"] is None
    later = call(desk, "hh_2", category="water", joins_work_order_id="wo_main")
    after = call(desk, "hh_2", category="water")
    assert later["repeat_of"] is None and after["repeat_of"] is None and after["return_visit_required"] is False
    assert earlier["repeat_of"] is None


def test_a_call_about_a_fault_named_at_the_wrong_flat_stays_no_repeat_when_corrected(desk):
    incident_order(desk)
    call(desk, "hh_2", category="water")
    joined = call(desk, "hh_1", category="water", joins_work_order_id="wo_main")
    corrected = desk.match_request_household({"estate_id": ESTATE, "id": joined["id"], "data": {
        "household_id": "hh_2", "reason": "the caller lives at 1202"}})
    assert corrected["household_id"] == "hh_2"
    assert corrected["repeat_of"] is None and corrected["return_visit_required"] is False


def test_the_desks_week_counts_each_faults_call_a_repair_completed_owed_its_visit(desk):
    """客服周报 follows the return-visit rate: each call that joined the burst main's order is a
    completion owed its visit, as the rate counts it (h8; review r2 of h6's change had left them out
    of both while they owed no visit)."""
    incident_order(desk)
    [call(desk, household, joins_work_order_id="wo_main") for household in ("hh_1", "hh_2")]
    own = call(desk, "hh_1", category="water")
    order_done(desk)
    desk.on_work_order_completed(event("maintenance", "work_order_completed", ESTATE, {
        "id": "wo_own", "number": "WO-2026-000008", "source": {"type": "service_request", "id": own["id"]},
        "request_id": own["id"], "household_id": "hh_1", "priority": "normal",
        "reported_at": "2026-11-21T14:55:00.000Z", "started_at": "2026-11-21T16:00:00.000Z",
        "completed_at": "2026-11-21T17:00:00.000Z", "charge_cents": 0, "material_cost_cents": 0,
        "labour_cost_cents": 0, "signed_by": "occupant"}))
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))
    week = desk.desk_week_report({"estate_id": ESTATE, "filters": {"week": "2026-W47"}})["repairs_completed"]
    assert week["completed"] == 3 and week["visit_owed"] == 3


def test_a_call_registered_as_its_order_is_completed_is_completed_with_it(desk, monkeypatch):
    """A call registered at the moment the order's completion was taken: the call found the order in
    hand, the completion looked for the calls before this one was written, and the call stayed
    dispatched for good, no return visit nor close allowed on it (found by review r2 of h6's change).
    Either side sees the other: the call written finds the order done and is completed with it, owing
    its return visit, once."""
    from customer_service import store
    incident_order(desk)
    in_hand = store.order_in_hand(desk.db, ESTATE, "wo_main")  # as the registration read it
    completed = order_done(desk)  # the completion, before the call is written
    monkeypatch.setattr(store, "order_in_hand", lambda db, estate_id, order_id: in_hand)
    late = call(desk, "hh_2", joins_work_order_id="wo_main")
    done = shown(desk, late)
    assert done["status"] == "completed" and done["completed_at"] == "2026-11-21T20:30:00.000Z"
    assert done["return_visit_due_at"] == "2026-11-24T20:30:00.000Z" and done["return_visit_required"] is True
    desk.on_work_order_completed(completed)  # redelivered: nothing twice
    assert [s["action"] for s in shown(desk, late)["history"]].count("completed") == 1
    assert desk.outbox.of_type("service_request_closed") == []


def test_a_joined_call_cannot_be_marked_an_emergency_of_its_own(desk):
    """The order a call joins carries the fault's priority (the call owes its visit once the order is
    done, ``repairs.joined_close_update``), and no promise of its own. A call sent as both got a 30-minute promise of
    its own and no visit (found by review r2, session 52): refused by name, nothing written."""
    incident_order(desk)
    with pytest.raises(InvalidInput) as refused:
        call(desk, joins_work_order_id="wo_main", emergency=True)
    assert [e["field"] for e in refused.value.errors] == ["data.emergency"]
    assert desk.list_requests({"estate_id": ESTATE, "filters": {}})["items"] == []
    assert call(desk, joins_work_order_id="wo_main", emergency=False)["status"] == "dispatched"


def test_a_problem_found_at_a_callers_visit_asks_maintenance_for_a_follow_up_at_his_flat(desk):
    """The caller's water came back brown: his visit's problem is the written notice for his flat,
    the follow-up's order then the one his request waits for (not the fault's, done)."""
    incident_order(desk)
    joined = call(desk, "hh_2", joins_work_order_id="wo_main")
    completed = order_done(desk)
    as_caller(desk, staff("zhang", ["agent"], [ESTATE]))
    desk.record_return_visit({"estate_id": ESTATE, "id": joined["id"], "data": {
        "satisfaction": 2, "notes": "水发黄", "problem_found": True}})
    [notice] = desk.outbox.of_type("follow_up_requested")
    assert notice["data"]["request_id"] == joined["id"] and notice["data"]["household_id"] == "hh_2"
    assert notice["data"]["joins_work_order_id"] == "wo_main"  # its technician did the work (review r8 of h8)
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_fu", "number": "WO-2026-000010", "source": {"type": "return_visit", "id": notice["data"]["id"]},
        "request_id": joined["id"], "household_id": "hh_2", "priority": "normal", "status": "pending",
        "created_at": "2026-11-22T01:00:00.000Z"}))
    followed = shown(desk, joined)
    assert followed["status"] == "dispatched" and followed["follow_ups"][0]["work_order_id"] == "wo_fu"
    desk.on_work_order_completed(completed)  # the fault's completion redelivered: his follow-up stays awaited
    order_done(desk)  # and one sent again under a new id
    assert shown(desk, joined)["status"] == "dispatched"


def test_a_call_closed_with_its_order_before_h8_stays_out_of_the_rate_and_the_week(desk):
    """A call a release before h8 closed with the fault's order (closed at its completion, no visit
    owed then, none to be made now: it is closed) was left out of the return-visit rate and the
    desk's week when they were read: read again, its month and its week do not turn it into a visit
    missed, nor count it a completion of the week in none of the week's columns (found by review r8
    of h8)."""
    incident_order(desk)
    old, new = (call(desk, household, joins_work_order_id="wo_main") for household in ("hh_1", "hh_2"))
    # as the release before h8 closed it (``joined_close_update``): closed, marked completed, no
    # completion step of its own
    at = "2026-11-21T20:30:00.000Z"
    desk.db.service_requests.update_one({"_id": old["id"]}, {
        "$set": {"status": "closed", "closed_at": at, "completed_at": at, "started_at": "2026-11-21T15:05:00.000Z",
                 "outcome": "work order WO-2026-000007 completed"},
        "$push": {"history": {"at": at, "by": "eng", "action": "closed", "note": "work order WO-2026-000007 completed",
                              "event_id": "ev_before_h8"}}})
    order_done(desk)
    assert shown(desk, old)["status"] == "closed" and shown(desk, new)["status"] == "completed"
    clock.freeze(clock.parse_iso("2026-11-30T02:00:00Z"))
    rate = desk.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]["return_visit_rate"]
    assert (rate["numerator"], rate["denominator"]) == (0, 1)  # the new call's visit missed; the old one none
    week = desk.desk_week_report({"estate_id": ESTATE, "filters": {"week": "2026-W47"}})["repairs_completed"]
    assert week["completed"] == 1 and week["visit_owed"] == 1


def test_a_call_that_joins_an_emergency_order_is_promised_the_orders_response(desk):
    """The garage's callers whose repairs joined the flooding's emergency order were each told the 24
    hours a repair is promised (found by last session's probes): a joined call is promised the
    response of the order it joined (its ``response_due_at``, maintenance's), and reads its priority
    (``joined_priority``), whether it joined at its registration or later."""
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_main", "number": "WO-2026-000007", "source": {"type": "incident", "id": "inc_1"},
        "request_id": None, "household_id": None, "priority": "emergency", "status": "pending",
        "created_at": "2026-11-21T14:45:00.000Z", "response_due_at": "2026-11-21T15:15:00.000Z"}))
    joined = call(desk, joins_work_order_id="wo_main")
    assert (joined["promised_by"], joined["due_at"]) == ("2026-11-21T15:15:00.000Z",) * 2
    assert joined["joined_priority"] == "emergency" and joined["emergency"] is False
    earlier = call(desk, "hh_2")  # registered before the desk knew it was the garage's flooding
    assert earlier["promised_by"] == "2026-11-22T14:50:00.000Z"  # a repair's 24 hours
    later = desk.join_request({"estate_id": ESTATE, "id": earlier["id"], "data": {"work_order_id": "wo_main"}})
    assert (later["promised_by"], later["due_at"], later["joined_priority"]) == (
        "2026-11-21T15:15:00.000Z", "2026-11-21T15:15:00.000Z", "emergency")
    own = call(desk, "hh_1")
    assert "joined_priority" not in own  # a repair of its own order: its own promise


def test_a_call_joining_an_emergency_order_past_its_response_is_answered_on_time(desk):
    """The flooding's emergency order was due on site at 23:15; the garage's callers kept phoning
    till midnight, each joined to it and told at once that the fault is in hand (answered at its
    registration). Promised the order's 23:15, a call at 23:40 read answered 25 minutes after its
    promise: the desk's week counted every late caller a late answer, and the desk saw a call due
    before it was made (found by r6 reviewing h6). A joined call is promised the order's response,
    and never a moment before the desk answered it."""
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_main", "number": "WO-2026-000007", "source": {"type": "incident", "id": "inc_1"},
        "request_id": None, "household_id": None, "priority": "emergency", "status": "in_progress",
        "created_at": "2026-11-21T14:45:00.000Z", "response_due_at": "2026-11-21T15:15:00.000Z"}))
    clock.freeze(clock.parse_iso("2026-11-21T15:40:00Z"))
    late_caller = call(desk, joins_work_order_id="wo_main")
    assert late_caller["due_at"] >= late_caller["answered_at"] == late_caller["created_at"]
    assert late_caller["promised_by"] == late_caller["due_at"]
    own = call(desk, "hh_2")  # his own repair, registered at 23:40 and not answered yet
    clock.freeze(clock.parse_iso("2026-11-21T15:50:00Z"))
    joined_later = desk.join_request({"estate_id": ESTATE, "id": own["id"], "data": {"work_order_id": "wo_main"}})
    assert joined_later["due_at"] >= joined_later["answered_at"] == "2026-11-21T15:50:00.000Z"
    week = desk.desk_week_report({"estate_id": ESTATE, "filters": {"week": "2026-W47"}})["answers"]
    assert (week["on_time"], week["late"]) == (2, 0)
