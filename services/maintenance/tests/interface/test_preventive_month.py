"""The preventive maintenance of a month (GET …/preventive-maintenance, ``plans_month``): each plan's due
dates in the month and what became of each, maintenance's entrypoints against the embedded store without a
broker, on a frozen clock. The supervisor's month end could list the plans and, through ``overdue=true``, the
late plan orders of every month together; not which of this month's jobs were done, done late or are still to
come, and a plan's inspection never done was late nowhere (found by a probe of the maintenance supervisor's
month)."""
from datetime import datetime, timezone

import pytest

from estate_common import clock
from estate_common.errors import Forbidden
from estate_common.testing import as_caller, staff, worker
from maintenance.service import MaintenanceService

ESTATE = "est_1"
TECHNICIAN = staff("chen", ["technician"], [ESTATE])
MANAGER = staff("wu", ["manager"], [ESTATE])
GUARD = staff("sun", ["security"], [ESTATE])
# 09:00 on 10 November in Shanghai (the estate's default timezone)
START = datetime(2026, 11, 10, 1, 0, tzinfo=timezone.utc)
CHECKLIST = {"name": "Lift weekly", "target": "equipment", "items": [
    {"code": "L1", "label": "Doors close", "kind": "pass_fail"}]}


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(START)


@pytest.fixture
def engineering():
    service = worker(MaintenanceService, caller=MANAGER)
    service.lift = service.create_equipment({"estate_id": ESTATE, "data": {
        "code": "LIFT-1", "name": "Lift 1", "system": "elevator", "location": "Block 1"}})
    service.pump = service.create_equipment({"estate_id": ESTATE, "data": {
        "code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2 pump room"}})
    service.checklist = service.create_checklist({"estate_id": ESTATE, "data": CHECKLIST})
    as_caller(service, TECHNICIAN)
    return service


def plan(service, equipment, next_due_on, every_days=7, **extra):
    return service.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": equipment["id"], "kind": "periodic_maintenance", "every_days": every_days,
        "next_due_on": next_due_on, **extra}})


def job(service, plan_id, due_on):
    [order] = [o for o in service.list_work_orders({"estate_id": ESTATE, "filters": {
        "source_type": "maintenance_plan"}})["items"] if (o["source"]["id"], o["due_on"]) == (plan_id, due_on)]
    return order


def finish(service, order_id):
    for action, data in (("assign_work_order", {"technician": "chen"}), ("start_work_order", {}),
                         ("complete_work_order", {"materials": [], "charge_cents": 0, "signed_by": "chen",
                                                  "labour_minutes": 30})):
        getattr(service, action)({"estate_id": ESTATE, "id": order_id, "data": data})


def at(day, hour_utc=1):
    clock.freeze(datetime(2026, 11, day, hour_utc, 0, tzinfo=timezone.utc))
    return clock.now()


def month(service, period="2026-11"):
    return service.preventive_month({"estate_id": ESTATE, "filters": {"period": period}})


def test_each_plans_due_dates_in_the_month_done_late_open_or_to_come(engineering):
    lift = plan(engineering, engineering.lift, "2026-11-10")            # due 10, 17, 24
    pump = plan(engineering, engineering.pump, "2026-11-12", every_days=14)  # due 12, 26
    inspected = plan(engineering, engineering.lift, "2026-11-20", kind="daily_inspection", every_days=7,
                     checklist_id=engineering.checklist["id"])      # inspections due 20, 27
    finish(engineering, job(engineering, lift["id"], "2026-11-10")["id"])  # done on its day
    engineering.schedule_plans(at(16))
    finish(engineering, job(engineering, pump["id"], "2026-11-12")["id"])  # done four days after its day
    engineering.schedule_plans(at(23, 9))  # 17:00 on the 23rd in Shanghai: the 24th's job opens
    shown = month(engineering)
    assert (shown["period"], shown["as_of"]) == ("2026-11", clock.now_iso())
    assert shown["totals"] == {"due": 7, "done": 1, "done_late": 1, "late": 2, "open": 1, "scheduled": 2,
                               "cancelled": 0}
    plans = {row["plan_id"]: row for row in shown["plans"]}
    assert plans[lift["id"]]["equipment"] == {"id": engineering.lift["id"], "code": "LIFT-1", "name": "Lift 1",
                                              "system": "elevator"}
    assert plans[lift["id"]]["counts"] == {"due": 3, "done": 1, "done_late": 0, "late": 1, "open": 1,
                                           "scheduled": 0, "cancelled": 0}
    late_job = job(engineering, lift["id"], "2026-11-17")
    # what needs the supervisor: every job but those done on their day, by due date
    assert plans[lift["id"]]["jobs"] == [
        {"due_on": "2026-11-17", "state": "late", "type": "work_order", "id": late_job["id"],
         "number": late_job["number"], "status": "pending"},
        {"due_on": "2026-11-24", "state": "open", "type": "work_order",
         "id": job(engineering, lift["id"], "2026-11-24")["id"],
         "number": job(engineering, lift["id"], "2026-11-24")["number"], "status": "pending"}]
    assert [(j["due_on"], j["state"], j["type"]) for j in plans[pump["id"]]["jobs"]] == [
        ("2026-11-12", "done_late", "work_order"), ("2026-11-26", "scheduled", None)]
    # a plan's inspection not done by the end of its day is late as its work order would be
    assert [(j["due_on"], j["state"], j["type"], j["status"]) for j in plans[inspected["id"]]["jobs"]] == [
        ("2026-11-20", "late", "inspection", "open"), ("2026-11-27", "scheduled", None, None)]
    # the plans by equipment code, kind: the lift's two, then the pump's
    assert [row["plan_id"] for row in shown["plans"]] == [inspected["id"], lift["id"], pump["id"]]


def test_a_stopped_plan_keeps_what_it_opened_and_schedules_nothing_more(engineering):
    pump = plan(engineering, engineering.pump, "2026-11-12", every_days=14)
    engineering.schedule_plans(at(16))
    as_caller(engineering, MANAGER)
    engineering.cancel_work_order({"estate_id": ESTATE, "id": job(engineering, pump["id"], "2026-11-12")["id"],
                                   "data": {"reason": "the pump was replaced"}})
    engineering.stop_maintenance_plan({"estate_id": ESTATE, "id": pump["id"], "data": {"reason": "replaced"}})
    [row] = month(engineering)["plans"]
    assert (row["active"], row["counts"]["due"], row["counts"]["cancelled"], row["counts"]["scheduled"]) == (
        False, 1, 1, 0)
    assert month(engineering, "2026-12") == {**month(engineering, "2026-12"), "plans": [],
                                             "totals": dict.fromkeys(row["counts"], 0)}


def test_the_months_to_come_show_the_active_plans_dates_and_the_current_month_is_the_default(engineering):
    plan(engineering, engineering.lift, "2026-11-10")
    december = month(engineering, "2026-12")
    [row] = december["plans"]
    assert [j["due_on"] for j in row["jobs"]] == ["2026-12-01", "2026-12-08", "2026-12-15", "2026-12-22",
                                                  "2026-12-29"]
    assert {j["state"] for j in row["jobs"]} == {"scheduled"}
    assert engineering.preventive_month({"estate_id": ESTATE})["period"] == "2026-11"


def test_security_reads_no_plans_month(engineering):
    as_caller(engineering, GUARD)
    with pytest.raises(Forbidden):
        month(engineering)


def test_the_month_reads_the_plans_jobs_of_that_month_not_every_order(engineering, monkeypatch):
    """The jobs by their due day through (estate_id, due_on), not the estate's orders walked."""
    plan(engineering, engineering.lift, "2026-11-10")
    seen = []
    real = engineering.db.work_orders.find
    monkeypatch.setattr(engineering.db.work_orders, "find",
                        lambda query, *a, **k: seen.append(query) or real(query, *a, **k))
    month(engineering)
    assert seen and all(q.get("due_on") == {"$gte": "2026-11-01", "$lte": "2026-11-30"} for q in seen)
