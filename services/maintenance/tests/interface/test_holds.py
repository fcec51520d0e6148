"""Waiting for parts or for the occupant (待料, 等配件): a started order put on hold with its reason and
an expected date, and resumed. The technician could only ask for help (which gave the order back to
nobody) or make a new appointment with no day to name, and a job waiting a week for a valve read as
his to finish (found by the technician's week). On hold, an order owes going on by the end of the
hold's expected day (its deadline, late past it, announced once a hold), and a plan's job resumed
has its own day moved by the time held (h4, session 53); the hold is in the history, the status,
the counts and the month's KPI notes."""
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden
from estate_common.testing import as_caller, event, staff, worker
from maintenance.service import MaintenanceService

from .test_service import (ESTATE, MANAGER, TECHNICIAN, act, completion, copied_estate, estate_copy, frozen,  # noqa: F401
                           open_repair, orders)

HOLD = {"waiting_for": "parts", "reason": "a DN25 valve is on order", "expected_on": "2026-11-27"}


@pytest.fixture
def engineering():
    return worker(MaintenanceService, caller=TECHNICIAN)


def started(service, request_id="sr_1"):
    order_id = open_repair(service, request_id)
    act(service, "assign_work_order", order_id, technician="chen")
    act(service, "start_work_order", order_id)
    return order_id


def test_a_started_order_waits_for_parts_and_resumes_where_it_was(engineering):
    order_id = started(engineering)
    act(engineering, "quote_work_order", order_id, amount_cents=4500, items=[{"name": "valve", "amount_cents": 4500}])
    held = act(engineering, "hold_work_order", order_id, **HOLD)
    assert held["status"] == "on_hold" and held["technician"] == "chen"
    assert held["hold"] == {**HOLD, "since": clock.now_iso(), "by": "chen", "held_from": "quoted"}
    assert held["history"][-1]["action"] == "hold"
    assert held["history"][-1]["note"] == "waiting for parts, expected 2026-11-27: a DN25 valve is on order"
    assert [o["id"] for o in orders(engineering, status="on_hold")] == [order_id]
    for method, data in (("complete_work_order", completion()), ("quote_work_order", {
            "amount_cents": 50, "items": [{"name": "x", "amount_cents": 50}]}), ("hold_work_order", HOLD)):
        with pytest.raises(Conflict):  # waiting: resumed first
            act(engineering, method, order_id, **data)
    clock.advance(timedelta(days=2))
    resumed = act(engineering, "resume_work_order", order_id)
    assert resumed["status"] == "quoted" and resumed["hold"] is None and resumed["hold_count"] == 1
    assert resumed["history"][-1]["action"] == "resume"
    assert resumed["history"][-1]["note"] == "after 2 days waiting for parts"
    assert resumed["started_at"] == held["started_at"]
    act(engineering, "consent_work_order", order_id, by="Li Lei")
    assert act(engineering, "complete_work_order", order_id, **completion())["status"] == "completed"


def test_only_a_started_order_is_held_and_only_by_its_hands(engineering):
    order_id = open_repair(engineering)
    act(engineering, "assign_work_order", order_id, technician="chen")
    with pytest.raises(Conflict):  # not started: a new appointment is what it needs
        act(engineering, "hold_work_order", order_id, **HOLD)
    act(engineering, "start_work_order", order_id)
    as_caller(engineering, staff("liu", ["technician"], [ESTATE]))
    with pytest.raises(Forbidden):
        act(engineering, "hold_work_order", order_id, **HOLD)
    as_caller(engineering, MANAGER)
    act(engineering, "hold_work_order", order_id, **{**HOLD, "waiting_for": "occupant"})
    as_caller(engineering, staff("liu", ["technician"], [ESTATE]))
    with pytest.raises(Forbidden):
        act(engineering, "resume_work_order", order_id)
    as_caller(engineering, TECHNICIAN)
    assert act(engineering, "resume_work_order", order_id)["status"] == "in_progress"


@pytest.mark.parametrize("expected_on", ["2026-11-22", "2027-03-01"])
def test_a_hold_is_expected_back_on_a_day_to_come_within_the_appointment_horizon(engineering, expected_on):
    order_id = started(engineering)
    with pytest.raises(BusinessRuleViolation) as refused:
        act(engineering, "hold_work_order", order_id, **{**HOLD, "expected_on": expected_on})
    assert refused.value.errors[0]["field"] == "data.expected_on"
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order_id})["status"] == "in_progress"
    # today, on the estate's calendar, is a day it may be expected back
    assert act(engineering, "hold_work_order", order_id, **{**HOLD, "expected_on": "2026-11-23"})["status"] == "on_hold"


def test_a_new_appointment_or_help_ends_the_hold(engineering):
    order_id = started(engineering)
    act(engineering, "hold_work_order", order_id, **{**HOLD, "waiting_for": "occupant", "reason": "away until Friday"})
    moved = act(engineering, "reappoint_work_order", order_id, at="2026-11-27T02:00:00.000Z", reason="back Friday")
    assert moved["status"] == "appointed" and moved["hold"] is None
    act(engineering, "start_work_order", order_id)
    act(engineering, "hold_work_order", order_id, **HOLD)
    helped = act(engineering, "request_help", order_id, reason="the valve needs two")
    assert helped["status"] == "needs_help" and helped["hold"] is None and helped["hold_count"] == 2


def _plan_job(service):
    pump = service.create_equipment({"estate_id": ESTATE, "data": {
        "code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2 pump room"}})
    service.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": pump["id"], "kind": "periodic_maintenance", "every_days": 30, "next_due_on": "2026-11-10"}})
    [job] = orders(service, source_type="maintenance_plan")
    act(service, "assign_work_order", job["id"], technician="chen")
    act(service, "start_work_order", job["id"])
    return job


def test_a_plan_job_on_hold_owes_the_holds_day_and_its_own_day_moves_by_the_time_held():
    """A hold stopped no clock and set none: a plan's job waiting a week for a valve was late on its
    day, counted against its technician, and a hold past its expected day showed nowhere (h4's task,
    session 53). On hold, an order owes going on by the end of the hold's expected day (its
    ``deadline_at``, what ``overdue=true`` and the counts read); resumed, the job's own day is moved
    by the time it was held. The response KPIs are not touched: a hold comes after the start."""
    clock.freeze(datetime(2026, 11, 10, 1, 0, tzinfo=timezone.utc))
    service = worker(MaintenanceService, caller=MANAGER)
    copied_estate(service)
    job = _plan_job(service)
    assert job["deadline_at"] == "2026-11-10T16:00:00.000Z"  # the end of its day in Shanghai
    held = act(service, "hold_work_order", job["id"], **{**HOLD, "expected_on": "2026-11-20"})
    assert held["deadline_at"] == "2026-11-20T16:00:00.000Z"  # the end of the hold's day
    clock.freeze(datetime(2026, 11, 12, 1, 0, tzinfo=timezone.utc))
    assert orders(service, overdue="true") == []  # past its own day, but waiting, within the hold
    counts = service.count_work_orders({"estate_id": ESTATE})
    assert counts["by_status"]["on_hold"] == {"open": 1, "late": 0, "emergency": 0}
    assert service.announce_overdue(clock.now()) == 0
    clock.freeze(datetime(2026, 11, 21, 1, 0, tzinfo=timezone.utc))  # the hold's day is over
    assert [o["id"] for o in orders(service, overdue="true")] == [job["id"]]
    assert service.announce_overdue(clock.now()) == 1 and service.announce_overdue(clock.now()) == 0
    [lapsed] = [e for e in service.outbox.of_type("work_order_overdue")]
    assert (lapsed["data"]["deadline_at"], lapsed["data"]["hold_expected_on"]) == (
        "2026-11-20T16:00:00.000Z", "2026-11-20")
    resumed = act(service, "resume_work_order", job["id"])
    assert resumed["held_minutes"] == 11 * 24 * 60
    assert resumed["deadline_at"] == "2026-11-21T16:00:00.000Z"  # its day's end, 11 days held later
    assert orders(service, overdue="true") == []


def test_a_repair_on_hold_owes_going_on_by_the_holds_day_and_nothing_once_resumed(engineering):
    """A started repair owes no deadline (its response was the start): held, it owes going on by the
    end of the hold's expected day, listed late past it; resumed, nothing again (h4's task)."""
    order_id = started(engineering)
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order_id})["deadline_at"] is None
    held = act(engineering, "hold_work_order", order_id, **HOLD)
    assert held["deadline_at"] == "2026-11-27T16:00:00.000Z"
    clock.advance(timedelta(days=6))
    assert [o["id"] for o in orders(engineering, overdue="true")] == [order_id]
    assert act(engineering, "resume_work_order", order_id)["deadline_at"] is None
    assert orders(engineering, overdue="true") == []


def test_the_months_response_kpis_say_how_many_of_its_orders_were_put_on_hold(engineering):
    held, kept = started(engineering, "sr_1"), started(engineering, "sr_2")
    act(engineering, "hold_work_order", held, **HOLD)
    act(engineering, "resume_work_order", held)
    act(engineering, "hold_work_order", held, **HOLD)  # twice: one order held
    as_caller(engineering, staff("boss", ["manager"], [ESTATE]))
    shown = engineering.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]
    note = shown["repair_response_timeliness"]["note"]
    assert note.endswith("; 1 of them put on hold after its start (waiting for parts or the occupant)")
    assert shown["repair_response_timeliness"]["denominator"] == 2 and kept
    assert "on hold" not in shown["emergency_response_timeliness"]["note"]  # none of its orders was


def test_a_plan_job_late_and_told_before_a_hold_an_older_release_made_is_not_told_late_again_once_resumed():
    """A rolling deploy: an older release put a late job on hold and kept its overdue stamp (it had
    no stamp put aside, ``_overdue_announced_before_hold``). Resumed on this one, the stamp stays:
    the job's lateness was told once already; it read the missing aside as "never told", cleared the
    stamp, and the next sweep sent a second work_order_overdue for the same job (found by review r4)."""
    clock.freeze(datetime(2026, 11, 10, 1, 0, tzinfo=timezone.utc))
    service = worker(MaintenanceService, caller=MANAGER)
    copied_estate(service)
    job = _plan_job(service)
    clock.freeze(datetime(2026, 11, 11, 1, 0, tzinfo=timezone.utc))  # its day is over, the job not done
    assert service.announce_overdue(clock.now()) == 1
    told = service.db.work_orders.find_one({"_id": job["id"]})["_overdue_announced_at"]
    act(service, "hold_work_order", job["id"], **{**HOLD, "expected_on": "2026-11-12"})
    # as the older release left it: on hold, its stamp kept on it, none put aside
    service.db.work_orders.update_one({"_id": job["id"]}, {"$set": {"_overdue_announced_at": told},
                                                           "$unset": {"_overdue_announced_before_hold": ""}})
    clock.freeze(datetime(2026, 11, 11, 5, 0, tzinfo=timezone.utc))
    act(service, "resume_work_order", job["id"])
    assert service.db.work_orders.find_one({"_id": job["id"]})["_overdue_announced_at"] == told
    clock.freeze(datetime(2026, 11, 11, 6, 0, tzinfo=timezone.utc))  # still late (its day moved by 4 hours)
    assert service.announce_overdue(clock.now()) == 0
    assert len(service.outbox.of_type("work_order_overdue")) == 1


def test_a_hold_an_older_release_made_owes_its_day_once_the_sweep_has_kept_it(engineering):
    """A rolling deploy: a repair held by an older release had no deadline kept on it (a started
    repair owed none, and the once-per-estate marking passes started orders by): it showed no
    ``deadline_at``, ``overdue=true`` never listed it past its hold's day, and nothing announced it.
    The once-per-estate sweep of holds keeps the hold's day on it, putting the older stamp aside as a
    hold does (found by review r4)."""
    copied_estate(engineering)
    order_id = started(engineering)
    act(engineering, "hold_work_order", order_id, **HOLD)
    # as the older release left it: no deadline, no stamp put aside
    engineering.db.work_orders.update_one({"_id": order_id}, {"$unset": {
        "_owed_by": "", "_overdue_announced_before_hold": ""}})
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order_id})["deadline_at"] is None
    assert engineering.keep_deadlines_of_holds_made_before() == 1
    assert engineering.keep_deadlines_of_holds_made_before() == 0  # once per estate
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order_id})["deadline_at"] == "2026-11-27T16:00:00.000Z"
    # the estate's timezone corrected: the hold's day ends on the clock it has now, as a plan's job's does
    engineering.keep_deadlines_of_orders_made_before()
    engineering.copy_estate_edit(event("archive", "estate_updated", ESTATE, estate_copy("Europe/London", 2)))
    engineering.keep_deadlines_of_orders_made_before()
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order_id})["deadline_at"] == "2026-11-28T00:00:00.000Z"
    clock.advance(timedelta(days=6))
    assert [o["id"] for o in orders(engineering, overdue="true")] == [order_id]
    assert engineering.announce_overdue(clock.now()) == 1
    assert act(engineering, "resume_work_order", order_id)["deadline_at"] is None


def test_a_repair_held_past_its_day_is_late_among_maintenance_s_orders_not_a_promise_owed(engineering):
    """``promise_overdue=true`` is an owner's repair that still owes its start (customer service lists
    those); a started repair on hold owes going on by its hold's day, not its start, and read as one:
    the manager's start page, which counts the others by ``overdue=true&promise_overdue=false``, counted
    a repair held past its day nowhere, and ``promise_overdue=true`` listed held repairs not late at
    all once their response time had gone by (found by review r4)."""
    order_id = started(engineering)
    act(engineering, "hold_work_order", order_id, **HOLD)
    clock.advance(timedelta(days=2))  # the repair's response time is long gone; the hold's day is not
    assert orders(engineering, promise_overdue="true") == []
    clock.advance(timedelta(days=4))  # the hold's day is over
    assert [o["id"] for o in orders(engineering, overdue="true", promise_overdue="false")] == [order_id]
    assert orders(engineering, promise_overdue="true") == []
