"""A piece retired for good (报废 scrapped / 停用 decommissioned), on a day, with why, by the engineering
manager (management or the maintenance supervisor): from that day it is on no due list, the sweep tells
nothing of its certificate, no inspection opens on it and its plans open nothing; it stays in the ledger
with its records and its retirement. A lift taken out for good stayed 未登记合格证 on the due list for ever
(found by h6)."""
import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden
from estate_common.testing import as_caller, staff, worker
from maintenance.service import MaintenanceService

from .test_service import ESTATE, MANAGER, TECHNICIAN, copied_estate, frozen  # noqa: F401  (today: 2026-11-23)

SUPERVISOR = staff("gao", ["technician", "maintenance_supervisor"], [ESTATE])
OLD_LIFT = {"code": "LIFT-9", "name": "9号楼货梯", "system": "elevator", "location": "Building 9"}
LIFT = {"code": "LIFT-1", "name": "1号楼客梯", "system": "elevator", "location": "Building 1",
        "certificate": {"number": "TSX-2026-0815", "valid_until": "2026-12-10", "inspected_by": "市特检院"}}
CHECKLIST = {"name": "Lift monthly", "target": "equipment", "items": [
    {"code": "L1", "label": "Doors close", "kind": "pass_fail"}]}


@pytest.fixture
def ledger():
    service = worker(MaintenanceService, caller=MANAGER)
    copied_estate(service)
    service.old, service.lift = (service.create_equipment({"estate_id": ESTATE, "data": data})
                                 for data in (OLD_LIFT, LIFT))
    service.checklist = service.create_checklist({"estate_id": ESTATE, "data": CHECKLIST})
    return service


def retire(service, piece, **data):
    return service.retire_equipment({"estate_id": ESTATE, "id": piece["id"], "data": data})


def codes(service, **filters):
    return sorted(p["code"] for p in service.list_equipment({"estate_id": ESTATE, "filters": filters})["items"])


def test_a_retired_lift_leaves_the_due_list_and_stays_in_the_ledger(ledger):
    assert codes(ledger, certificate_due="true") == ["LIFT-1", "LIFT-9"]
    retired = retire(ledger, ledger.old, kind="scrapped", on="2026-11-20", reason=" 老旧报废，已拆除 ")
    assert retired["retired"] == {"kind": "scrapped", "on": "2026-11-20", "reason": "老旧报废，已拆除",
                                  "by": "wu", "at": clock.now_iso()}
    assert codes(ledger, certificate_due="true") == ["LIFT-1"]
    assert codes(ledger) == ["LIFT-1", "LIFT-9"]  # the ledger keeps it
    assert codes(ledger, retired="true") == ["LIFT-9"] and codes(ledger, retired="false") == ["LIFT-1"]
    [event] = [e["data"] for e in ledger.outbox.of_type("equipment_retired")]
    assert (event["code"], event["retired"]["kind"], event["retired"]["on"]) == ("LIFT-9", "scrapped", "2026-11-20")
    with pytest.raises(Conflict):  # once
        retire(ledger, ledger.old, kind="decommissioned", on="2026-11-21", reason="again")


def test_a_piece_retired_on_a_day_to_come_is_due_until_then(ledger):
    retire(ledger, ledger.lift, kind="decommissioned", on="2026-12-01", reason="停用，改造")
    assert codes(ledger, certificate_due="true") == ["LIFT-1", "LIFT-9"]
    assert ledger.announce_certificates_due(clock.now()) == 1  # LIFT-1 still in use until 1 December
    clock.freeze(clock.parse_iso("2026-12-01T02:00:00Z"))
    assert codes(ledger, certificate_due="true") == ["LIFT-9"]


def test_the_sweep_tells_nothing_of_a_retired_piece_s_certificate(ledger):
    retire(ledger, ledger.lift, kind="scrapped", on="2026-11-23", reason="报废")
    assert ledger.announce_certificates_due(clock.now()) == 0
    assert ledger.outbox.of_type("equipment_certificate_due") == []


def test_no_inspection_opens_on_a_retired_piece_and_its_plans_open_nothing_from_its_day(ledger):
    plan = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lift["id"], "kind": "daily_inspection", "every_days": 1,
        "next_due_on": "2026-11-28", "checklist_id": ledger.checklist["id"]}})
    retire(ledger, ledger.lift, kind="decommissioned", on="2026-11-30", reason="停用")
    clock.freeze(clock.parse_iso("2026-11-28T02:00:00Z"))
    ledger.schedule_plans(clock.now())
    due = sorted(i["due_on"] for i in ledger.list_inspections({"estate_id": ESTATE, "filters": {
        "equipment_id": ledger.lift["id"]}})["items"])
    assert due == ["2026-11-28", "2026-11-29"]  # not the 30th on
    month = ledger.preventive_month({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    [row] = [r for r in month["plans"] if r["plan_id"] == plan["id"]]
    assert row["counts"]["due"] == 2
    clock.freeze(clock.parse_iso("2026-11-30T02:00:00Z"))
    with pytest.raises(BusinessRuleViolation) as refused:
        ledger.open_inspection({"estate_id": ESTATE, "data": {
            "checklist_id": ledger.checklist["id"], "equipment_id": ledger.lift["id"]}})
    assert refused.value.errors[0]["field"] == "data.equipment_id"


def test_only_the_engineering_manager_retires_a_piece_on_a_day_of_its_life(ledger):
    as_caller(ledger, TECHNICIAN)
    with pytest.raises(Forbidden):
        retire(ledger, ledger.old, kind="scrapped", on="2026-11-20", reason="报废")
    as_caller(ledger, SUPERVISOR)
    with pytest.raises(BusinessRuleViolation) as refused:  # a typing slip
        retire(ledger, ledger.old, kind="scrapped", on="2099-01-01", reason="报废")
    assert refused.value.errors[0]["field"] == "data.on"
    assert retire(ledger, ledger.old, kind="scrapped", on="2026-11-20", reason="报废")["retired"]["by"] == "gao"


def test_a_piece_retired_from_a_day_gone_cancels_its_plans_jobs_opened_for_that_day_on(ledger):
    """Retired from a past day, the piece's plan jobs already opened for its days after stayed open
    (found by r6 of last session): those not started are cancelled with the retirement (their reason
    says so, ``work_order_cancelled`` each); one before the day, one started, another piece's stay."""
    ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.old["id"], "kind": "daily_inspection", "every_days": 1, "next_due_on": "2026-11-24"}})
    ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lift["id"], "kind": "daily_inspection", "every_days": 1, "next_due_on": "2026-11-24"}})
    clock.freeze(clock.parse_iso("2026-11-27T02:00:00Z"))
    ledger.schedule_plans(clock.now())

    def jobs(piece):
        found = ledger.list_work_orders({"estate_id": ESTATE, "filters": {"equipment_id": piece["id"]}})["items"]
        return {o["due_on"]: o for o in found}
    opened = jobs(ledger.old)
    assert {"2026-11-24", "2026-11-25", "2026-11-26"} <= set(opened)
    started = opened["2026-11-26"]
    ledger.assign_work_order({"estate_id": ESTATE, "id": started["id"], "data": {"technician": "chen"}})
    ledger.start_work_order({"estate_id": ESTATE, "id": started["id"], "data": {}})
    retire(ledger, ledger.old, kind="scrapped", on="2026-11-25", reason="报废")
    after = jobs(ledger.old)
    assert after["2026-11-24"]["status"] == opened["2026-11-24"]["status"]  # its day was in its life
    assert after["2026-11-26"]["status"] == "in_progress"  # started: completed, not cancelled
    cancelled = [day for day, o in after.items() if o["status"] == "cancelled"]
    assert "2026-11-25" in cancelled and "2026-11-26" not in cancelled and "2026-11-24" not in cancelled
    assert all(day >= "2026-11-25" for day in cancelled)
    assert "retired" in after["2026-11-25"]["history"][-1]["note"]
    told = {e["data"]["id"] for e in ledger.outbox.of_type("work_order_cancelled")}
    assert {after[day]["id"] for day in cancelled} <= told
    assert all(o["status"] != "cancelled" for o in jobs(ledger.lift).values())  # another piece's stay


def test_a_retirement_whose_jobs_a_crash_left_open_is_finished_by_the_plan_sweep(ledger, monkeypatch):
    """A crash between the retirement and its jobs' cancellations left them open for good: the retirement
    was written (the same retirement again is a 409) and nothing went back to them (found by h6). The
    retirement owes its sweep until it is done (``ledger.JOBS_OWED``); the plan sweep finishes it, once."""
    from maintenance import operations
    ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.old["id"], "kind": "daily_inspection", "every_days": 1, "next_due_on": "2026-11-24"}})
    clock.freeze(clock.parse_iso("2026-11-27T02:00:00Z"))
    ledger.schedule_plans(clock.now())
    real = operations._cancel_retired_jobs

    def crash(*args, **kwargs):
        raise RuntimeError("the pod was evicted")

    monkeypatch.setattr(operations, "_cancel_retired_jobs", crash)
    with pytest.raises(RuntimeError):
        retire(ledger, ledger.old, kind="scrapped", on="2026-11-25", reason="报废")
    monkeypatch.setattr(operations, "_cancel_retired_jobs", real)
    with pytest.raises(Conflict):
        retire(ledger, ledger.old, kind="scrapped", on="2026-11-25", reason="报废")

    def open_jobs():
        found = ledger.list_work_orders({"estate_id": ESTATE, "filters": {"equipment_id": ledger.old["id"]}})["items"]
        return sorted(o["due_on"] for o in found if o["status"] not in ("completed", "cancelled"))
    assert "2026-11-25" in open_jobs()
    ledger.schedule_plans(clock.now())
    assert open_jobs() == ["2026-11-24"]
    told = len(ledger.outbox.of_type("work_order_cancelled"))
    ledger.schedule_plans(clock.now())  # done: nothing again
    assert len(ledger.outbox.of_type("work_order_cancelled")) == told
    assert "_retired_jobs_owed" not in ledger.db.equipment.find_one({"_id": ledger.old["id"]})


def test_a_retired_piece_s_plans_are_cancelled_with_their_scheduled_inspections_from_its_day(ledger):
    """A plan of a retired piece stayed active for good, and the inspections it had opened ahead for the
    retirement's day on stayed open, late in the supervisor's month for ever (found by h4). From its
    retirement day on, a plan of the piece is cancelled (it stops: ``active`` false, ``cancelled_at``,
    ``cancel_reason`` naming the retirement), its open scheduled inspections of that day on cancelled with
    the reason, announced once (``maintenance_plan_cancelled``); the month counts them cancelled, not late;
    a cancelled inspection is not completed (409), nor a cancelled plan stopped (409)."""
    plan = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lift["id"], "kind": "daily_inspection", "every_days": 1,
        "next_due_on": "2026-11-24", "checklist_id": ledger.checklist["id"]}})
    orders_plan = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lift["id"], "kind": "periodic_maintenance", "every_days": 30,
        "next_due_on": "2026-11-25"}})
    clock.freeze(clock.parse_iso("2026-11-26T02:00:00Z"))
    ledger.schedule_plans(clock.now())

    def inspections():
        return {i["due_on"]: i for i in ledger.list_inspections({"estate_id": ESTATE, "filters": {
            "equipment_id": ledger.lift["id"]}})["items"]}
    assert {"2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"} <= set(inspections())
    retire(ledger, ledger.lift, kind="scrapped", on="2026-11-26", reason="报废")
    after = inspections()
    assert after["2026-11-25"]["status"] == "open"  # a day of its life: still owed
    assert {day for day, i in after.items() if i["status"] == "cancelled"} == {
        day for day in after if day >= "2026-11-26"}
    assert "retired" in after["2026-11-26"]["cancel_reason"] and after["2026-11-26"]["cancelled_at"]
    for stopped in (plan, orders_plan):
        shown = ledger.get_maintenance_plan({"estate_id": ESTATE, "id": stopped["id"]})
        assert shown["active"] is False and shown["cancelled_at"] and "LIFT-1" in shown["cancel_reason"]
    told = [e["data"] for e in ledger.outbox.of_type("maintenance_plan_cancelled")]
    assert sorted(t["plan_id"] for t in told) == sorted([plan["id"], orders_plan["id"]])
    [of_checklist] = [t for t in told if t["plan_id"] == plan["id"]]
    assert sorted(of_checklist["inspections_cancelled"]) == sorted(
        i["id"] for day, i in after.items() if day >= "2026-11-26")
    assert of_checklist["id"] == ledger.lift["id"] and of_checklist["retired_on"] == "2026-11-26"
    ledger.schedule_plans(clock.now())  # the sweep again: nothing opens, nothing told twice
    assert len(ledger.outbox.of_type("maintenance_plan_cancelled")) == 2
    assert inspections().keys() == after.keys()
    with pytest.raises(Conflict):
        ledger.complete_inspection({"estate_id": ESTATE, "id": after["2026-11-27"]["id"], "data": {
            "results": [{"code": "L1", "passed": True}]}})
    with pytest.raises(Conflict):
        ledger.stop_maintenance_plan({"estate_id": ESTATE, "id": plan["id"], "data": {"reason": "again"}})
    clock.freeze(clock.parse_iso("2026-12-01T02:00:00Z"))
    month = ledger.preventive_month({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    [row] = [r for r in month["plans"] if r["plan_id"] == plan["id"]]
    late = sorted(job["due_on"] for job in row["jobs"] if job["state"] == "late")
    assert late == ["2026-11-24", "2026-11-25"]  # owed in its life; none of the retired days
    assert row["counts"]["cancelled"] == len([day for day in after if "2026-11-26" <= day <= "2026-11-30"])


def test_a_plan_of_a_piece_retired_on_a_day_to_come_opens_until_then_and_is_cancelled_on_reaching_it(ledger):
    """Retired on a day beyond what the plan opened: it opens its jobs of the days before, then the sweep
    that reaches the day cancels it, once."""
    plan = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lift["id"], "kind": "daily_inspection", "every_days": 1,
        "next_due_on": "2026-11-24", "checklist_id": ledger.checklist["id"]}})
    retire(ledger, ledger.lift, kind="decommissioned", on="2026-11-28", reason="停用")
    assert ledger.get_maintenance_plan({"estate_id": ESTATE, "id": plan["id"]})["active"] is True
    clock.freeze(clock.parse_iso("2026-11-27T02:00:00Z"))
    ledger.schedule_plans(clock.now())
    shown = ledger.get_maintenance_plan({"estate_id": ESTATE, "id": plan["id"]})
    assert shown["active"] is False and shown["cancelled_at"]
    due = sorted(i["due_on"] for i in ledger.list_inspections({"estate_id": ESTATE, "filters": {
        "equipment_id": ledger.lift["id"]}})["items"])
    assert due[-1] == "2026-11-27"
    [told] = [e["data"] for e in ledger.outbox.of_type("maintenance_plan_cancelled")]
    assert told["inspections_cancelled"] == []


def test_a_plan_of_a_piece_retired_by_its_first_day_is_refused(ledger):
    """A plan created for a piece retired by its first due date was written and cancelled in the same call
    (201, ``active`` false, a ``maintenance_plan_cancelled`` told), where an inspection of the piece is a 422
    (found by r4 reviewing h4): it is refused, 422 naming the equipment, and nothing is written or told. A
    piece retired on a day to come takes a plan that opens its days before it."""
    retire(ledger, ledger.old, kind="scrapped", on="2026-11-20", reason="报废")
    with pytest.raises(BusinessRuleViolation) as refused:
        ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
            "equipment_id": ledger.old["id"], "kind": "daily_inspection", "every_days": 1,
            "next_due_on": "2026-11-24", "checklist_id": ledger.checklist["id"]}})
    assert refused.value.errors[0]["field"] == "data.equipment_id"
    retire(ledger, ledger.lift, kind="decommissioned", on="2026-12-01", reason="停用")
    with pytest.raises(BusinessRuleViolation):  # first due on its retirement's day
        ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
            "equipment_id": ledger.lift["id"], "kind": "periodic_maintenance", "every_days": 30,
            "next_due_on": "2026-12-01"}})
    assert ledger.list_maintenance_plans({"estate_id": ESTATE, "filters": {}})["items"] == []
    assert not ledger.outbox.of_type("maintenance_plan_cancelled")
    plan = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lift["id"], "kind": "daily_inspection", "every_days": 1,
        "next_due_on": "2026-11-24", "checklist_id": ledger.checklist["id"]}})
    assert plan["active"] is True


def test_a_plan_whose_checklist_or_piece_is_gone_is_cancelled_by_the_sweep_once(ledger):
    """A plan whose checklist was deleted, or whose piece's document is missing (a restore, a hand's fix in the
    database), opened nothing and stayed active and due: every sweep read it again and did nothing, for ever,
    and its supervisor saw a plan in force (found by h5). The sweep cancels it (``active`` false,
    ``cancelled_at``, ``cancel_reason`` naming what is gone), once; the plans beside it go on."""
    checklist_plan = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lift["id"], "kind": "daily_inspection", "every_days": 1,
        "next_due_on": "2026-11-24", "checklist_id": ledger.checklist["id"]}})
    piece_plan = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.old["id"], "kind": "periodic_maintenance", "every_days": 30,
        "next_due_on": "2026-11-25"}})
    kept = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lift["id"], "kind": "periodic_maintenance", "every_days": 30,
        "next_due_on": "2026-11-25"}})
    ledger.db.checklists.delete_one({"_id": ledger.checklist["id"]})
    ledger.db.equipment.delete_one({"_id": ledger.old["id"]})
    clock.freeze(clock.parse_iso("2026-11-26T02:00:00Z"))
    ledger.schedule_plans(clock.now())
    first = {plan_id: ledger.get_maintenance_plan({"estate_id": ESTATE, "id": plan_id})
             for plan_id in (checklist_plan["id"], piece_plan["id"], kept["id"])}
    assert first[checklist_plan["id"]]["active"] is False and "checklist" in first[checklist_plan["id"]]["cancel_reason"]
    assert first[piece_plan["id"]]["active"] is False and "equipment" in first[piece_plan["id"]]["cancel_reason"]
    assert first[kept["id"]]["active"] is True and first[kept["id"]]["next_due_on"] > "2026-11-25"
    ledger.schedule_plans(clock.now())  # once
    for plan_id, shown in first.items():
        assert ledger.get_maintenance_plan({"estate_id": ESTATE, "id": plan_id}) == shown
