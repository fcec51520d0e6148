"""The notes the services write on a history's steps (a request's, a work order's, a borrowing's)
read in Chinese on the console's Chinese pages (``console.i18n.history_note``, which tries only
the forms of a step's ``action``), composed here by the services' own domain code, so a service
that renames a step or rewords its note fails this test instead of leaving English on the desk's
or engineering's pages.

The console reads them as text (it is a client of the public API only): this test is the one
place that holds both sides."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from flask import g

from archive import borrowing, occupants
from archive.rules import DEFAULTS as ARCHIVE_DEFAULTS
from console import i18n
from console.app import create_app
from customer_service import applications, complaints, handling, household_correction, intake, portal, repairs
from customer_service import domain as desk_domain
from customer_service.rules import DEFAULTS as DESK_DEFAULTS
from estate_common.nameko.caller import Caller
from estate_common.errors import Conflict
from estate_common.testing import event, staff
from finance import billing
from maintenance import checklists, domain
from maintenance.rules import DEFAULTS as ENGINEERING_DEFAULTS

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)
AGENT = Caller(staff("zhang", ["agent"], ["est_1"]))
# a word of the services' composed notes: none may be left on a Chinese page (typed parts are
# Chinese), nor an internal id where a person reads a number
ENGLISH = re.compile(r"\b(via|from|service|request|work|order|signed|off|cancelled|satisfaction|problem|found|"
                     r"charge|disputed|checked|without|return|visit|occupant|unreachable|attempts?|reached|"
                     r"written|notice|maintenance|due|late|for|to|quote|version|cents|resumed|follow-up|"
                     r"inspection|authority|approval|needed|by|of|arrived|recorded|afterwards|[a-z]+_[a-z_]+)\b")


def at(minutes):
    return NOW + timedelta(minutes=minutes)


def step(doc, change):
    """A customer-service Change applied as its store would."""
    return {**doc, **change.set, "history": doc["history"] + change.entries}


def desk_entries():
    rules = {**DESK_DEFAULTS, "timezone": "Asia/Shanghai"}
    data = {"kind": "repair", "household_id": "hh_1", "channel": "walk_in", "description": "厨房漏水",
            "category": "water"}
    request = intake.new_request("sr_1", "est_1", data, "SR-2026-000001", NOW, rules, "zhang")
    def completed(priority):
        order = {"id": "wo_1", "number": "WO-2026-000001", "source": {"type": "service_request", "id": "sr_1"},
                 "request_id": "sr_1", "household_id": "hh_1", "priority": priority}
        done = step(request, repairs.dispatch_update(request, event("maintenance", "work_order_created", "est_1", {
            **order, "status": "pending", "created_at": "2026-11-23T08:31:00.000Z"})))
        return step(done, repairs.completion_update(done, event("maintenance", "work_order_completed", "est_1", {
            **order, "reported_at": "2026-11-23T08:30:00.000Z", "started_at": "2026-11-23T09:00:00.000Z",
            "completed_at": "2026-11-23T10:00:00.000Z", "charge_cents": 5000, "material_cost_cents": 1200,
            "labour_cost_cents": 5000, "signed_by": "owner"}), rules))

    emergency, request = completed("emergency"), completed("normal")
    attempt = step(request, repairs.return_visit_attempt(request, {"method": "phone"}, at(200), AGENT))
    visited, _ = repairs.return_visit(request, "rv_1", {"satisfaction": 2, "problem_found": True,
                                                       "charge_confirmed": False, "notes": "仍漏水"}, at(300), rules, "zhang")
    unreachable = dict(rules, return_visit_attempts_before_close=1)
    closed = handling.close(attempt, {"outcome": "已修好", "no_visit_reason": "occupant_unreachable"}, at(400),
                            AGENT, unreachable)
    cancelled = repairs.cancellation_update(
        intake.new_request("sr_2", "est_1", {**data, "description": "门锁坏"}, "SR-2026-000002", NOW, rules, "zhang"),
        event("maintenance", "work_order_cancelled", "est_1", domain.cancelled_event_data(
            {"_id": "wo_2", "number": "WO-2026-000002", "request_id": "sr_2", "household_id": "hh_1"}, " 业主取消 ",
            "2026-11-23T09:00:00.000Z")))
    complaint = intake.new_request("sr_3", "est_1", {"kind": "complaint", "household_id": "hh_1", "channel": "phone",
                                                     "description": "噪音", "nature": "noise"},
                                   "SR-2026-000003", NOW, rules, "zhang")
    verified = complaints.verify(complaint, {"finding": "装修噪音属实"}, at(3 * 24 * 60), AGENT)
    rated = portal.rate({**request, "portal": {"rating": None}}, 4, at(500), rules)
    low = portal.rate({**request, "portal": {"rating": None}}, 2, at(500), rules)  # a call back owed
    called_back = desk_domain.called_back({**request, "portal": low.set["portal"]}, "2026-11-23T17:00:00.000Z",
                                          "zhou", contact_id="oc_1")
    return (emergency["history"] + request["history"][-1:] + rated.entries + low.entries + called_back.entries
            + [desk_domain.overdue_entry(at(600))]
            + attempt["history"][-1:] + visited.entries + closed.entries
            + cancelled.entries + verified.entries)


def engineering_entries():
    rules = {**ENGINEERING_DEFAULTS, "timezone": "Asia/Shanghai"}
    created = event("customer_service", "service_request_created", "est_1", {
        "id": "sr_1", "number": "SR-2026-000001", "kind": "repair", "household_id": "hh_1", "channel": "phone",
        "description": "厨房漏水", "due_at": "2026-11-24T08:30:00.000Z", "created_at": "2026-11-23T08:30:00.000Z",
        "emergency": False})
    order = domain.from_service_request(created, "WO-2026-000001", NOW, rules)
    entries = list(order["history"])
    for make in (lambda o: domain.assign(o, "陈师傅", "technician", at(1), "mia"),
                 lambda o: domain.appoint(o, "2026-11-24T02:00:00.000Z", at(2), "chen"),
                 # 到场时间补录: his arrival recorded afterwards (h7; review r7 of h7)
                 lambda o: domain.start(o, at(3), "chen", arrived_at="2026-11-23T08:32:30.000Z"),
                 lambda o: domain.reappoint(o, "2026-11-25T02:00:00.000Z", "缺配件", at(4), "chen"),
                 lambda o: domain.start(o, at(5), "chen"),
                 lambda o: domain.quote(o, 5000, [{"name": "阀门", "amount_cents": 5000}], at(6), "chen"),
                 lambda o: domain.consent(o, "业主", at(7), "chen"),
                 lambda o: domain.mark_emergency(o, "water_mains", at(8), rules, "mia"),
                 lambda o: domain.complete(o, {"charge_cents": 5000, "signed_by": "业主", "summary": "已更换阀门"},
                                           at(9), rules, "chen")):
        changes, entry = make(order)
        order = {**order, **changes, "history": order["history"] + [entry]}
        entries.append(entry)
    follow_up = repairs.follow_up_event_data({"_id": "sr_1", "number": "SR-2026-000001", "household_id": "hh_1"},
                                             {"id": "rv_1", "notes": "仍漏水"},
                                             {"id": "fu_1", "reason": "return_visit_problem",
                                              "notice_due_at": "2026-11-24T09:00:00.000Z"})
    entries += domain.from_follow_up(event("customer_service", "follow_up_requested", "est_1", follow_up),
                                     "WO-2026-000002", NOW, rules)["history"]
    return entries + opened_by_other_services(rules)


def opened_by_other_services(rules):
    """The first step of the orders maintenance opens from a patrol, a fire check, an incident, a
    plan and an inspection."""
    anomaly = event("security_patrol", "anomaly_reported", "est_1", {
        "id": "an_1", "round_id": "round_1", "checkpoint": {"code": "CP-3", "name": "泵房"},
        "description": "地面有水", "reported_at": "2026-11-23T02:00:00.000Z", "emergency": False})
    defect = event("security_patrol", "fire_defect_reported", "est_1", {
        "id": "fchk_1", "equipment_id": "fe_1", "equipment_code": "XF-01", "equipment_name": "消火栓1",
        "kind": "hydrant", "location": "地下车库B2", "notes": "无水压", "period": "2026-11",
        "inspected_at": "2026-11-23T02:00:00.000Z"})
    incident = event("security_patrol", "emergency_repair_requested", "est_1", {
        "id": "inc_1", "number": "INC-2026-000001", "type": "flooding", "description": "车库进水",
        "location": "B2 车库", "opened_at": "2026-11-23T02:00:00.000Z"})
    inspection = {"_id": "insp_1", "estate_id": "est_1", "location": "1号楼", "equipment_id": None,
                  "equipment_code": None, "checklist_name": "消防通道巡检", "completed_at": "2026-11-23T02:00:00.000Z",
                  "completed_by": "chen"}
    orders = [domain.from_patrol_anomaly(anomaly, "WO-3", NOW, rules), domain.from_fire_defect(defect, "WO-4", NOW, rules),
              domain.from_incident(incident, "WO-5", NOW, rules),
              domain.from_plan({"_id": "plan_1", "estate_id": "est_1", "kind": "daily_inspection", "equipment_id": "eq_1",
                                "every_days": 1}, {"name": "生活水泵", "code": "PUMP-1"}, "2026-12-01", "WO-6", NOW),
              domain.from_inspection_finding(inspection, {"code": "C1", "label": "通道畅通", "work_order_id": "wo_7"},
                                             "消防通道巡检：通道堵塞", "WO-7", NOW, rules),
              domain.from_inspection_finding({**inspection, "location": None, "equipment_id": "eq_1",
                                              "equipment_code": "PUMP-1", "checklist_name": "水泵周检"},
                                             {"code": "P1", "label": "出口压力", "work_order_id": "wo_8"},
                                             "水泵周检：出口压力", "WO-8", NOW, rules)]
    return [order["history"][0] for order in orders]


def archive_entries():
    rules = {**ARCHIVE_DEFAULTS, "timezone": "Asia/Shanghai"}
    subject = {"type": "household", "id": "hh_1", "record_id": None}
    data = {"kind": "view", "purpose": "核对产权", "authority_inspection": True, "authority": "区住建局"}
    return borrowing.new_request("br_1", "est_1", data, subject, NOW, "wang", ["archivist"], rules)["history"]


def application_entries():
    """A move-in archive refused (its sentence as archive writes it) and a renovation's joint
    acceptance, failed then passed."""
    data = {"kind": "move_in", "household_id": "hh_1", "structural_change": False, "description": "入住"}
    move_in, _ = applications.new_application("app_1", "est_1", data, NOW, "zhang")
    occupied = {"_id": "hh_1", "estate_id": "est_1", "status": "occupied", "status_history": []}
    with pytest.raises(Conflict) as refused:
        occupants.application_step(occupied, {"application_id": "app_1", "step": "move_in"}, "2026-11-23", NOW,
                                   "zhang", "Asia/Shanghai")
    move_in = step(move_in, applications.step_refused(move_in, event("archive", "household_step_refused", "est_1", {
        "id": "hsr_1", "application_id": "app_1", "household_id": "hh_1", "step": "move_in",
        "reason": refused.value.detail,
        "refused_at": "2026-11-23T08:31:00.000Z"})))
    renovation = {**move_in, "kind": "renovation", "status": "fees_requested", "history": [],
                  "charges": applications.fees({**move_in, "kind": "renovation"}, {"area_m2": 88}, DESK_DEFAULTS)}
    for charge in renovation["charges"]:  # each billed, then paid
        bill = billing.charge_bill_id("est_1", "customer_service", charge["id"])
        linked = {"bill_id": bill, "household_id": "hh_1", "item": charge["item"], "period": "2026-11",
                  "amount_cents": charge["amount_cents"], "charge": {"service": "customer_service", "id": charge["id"],
                  "subject": {"type": applications.SUBJECT_TYPE, "id": "app_1"}}}
        renovation = step(renovation, applications.billed(renovation, event("finance", "charge_billed", "est_1", {
            **linked, "due_at": "2026-12-08T08:30:00.000Z", "issued_at": "2026-11-23T08:30:00.000Z"})))
        renovation = step(renovation, applications.settled(renovation, event("finance", "bill_settled", "est_1", {
            **linked, "settled_at": "2026-11-23T09:30:00.000Z"})))
    # its fees owed again: a payment reversed, the seller's money taken back at a sale (found by review r8 of h8)
    paid = [{"bill_id": c["bill_id"], "amount_cents": c["amount_cents"], "charge": {
        "service": "customer_service", "id": c["id"], "subject": {"type": applications.SUBJECT_TYPE, "id": "app_1"}}}
        for c in renovation["charges"]]
    reopened = step(renovation, applications.fees_reopened(renovation, event("finance", "payment_reversed", "est_1", {
        "id": "pay_1", "receipt_number": "RC-2026-000001", "household_id": "hh_1", "amount_cents": 1000,
        "method": "cash", "reason": "退票", "reversed_at": "2026-11-23T09:40:00.000Z", "bills": paid})))
    reopened = step(reopened, applications.fees_reopened(renovation, event("finance", "seller_prepaid_held", "est_1", {
        "id": "sph_1", "household_id": "hh_1", "owner_since": "2026-11-20", "amount_cents": 1000, "payments": [],
        "seller_held_at": "2026-11-25T02:00:00.000Z", "taken_back": paid}), paid))
    renovation = {**renovation, "history": reopened["history"]}
    renovation = step(renovation, applications.reschedule(renovation, {
        "works_from": "2026-12-20", "works_to": "2027-02-10", "reason": "业主的施工队推迟进场"}, "2026-11-23",
        {**DESK_DEFAULTS, "timezone": "Asia/Shanghai"}, NOW, "zhang"))
    renovation = step(renovation, applications.start_works(renovation, {}, NOW, "zhang"))
    for passed in (False, True):
        renovation = step(renovation, applications.acceptance(renovation, {
            "customer_service_by": "张三", "maintenance_by": "李四", "passed": passed}, NOW, "zhang"))
    return move_in["history"] + renovation["history"]


def household_correction_entries():
    """A request's household corrected by the desk (with its reason), and on its work orders: one
    moved, one started already; the flats as the services read them from their household copies."""
    rules = {**DESK_DEFAULTS, "timezone": "Asia/Shanghai"}
    request = intake.new_request("sr_1", "est_1", {"kind": "repair", "household_id": "hh_2", "channel": "portal",
                                                   "description": "厨房漏水", "category": "water"},
                                 "SR-2026-000001", NOW, rules, "zhang")
    flats = {"hh_1": "3-1-1201", "hh_2": "3-1-1202"}
    desk = household_correction.correct(request, {"household_id": "hh_1", "reason": "业主来电：是 1201"}, at(5),
                                        "zhang", flats)
    correction = {"household_id": "hh_1", "corrected_at": "2026-11-23T08:35:00.000Z"}
    order = {"_id": "wo_1", "status": "assigned", "household_id": "hh_2", "started_at": None}
    moved = domain.household_corrected(order, correction, None, flats)
    kept = domain.household_corrected({**order, "status": "in_progress", "started_at": "2026-11-23T08:34:00.000Z"},
                                      correction, None, flats)
    return desk.entries + moved.entries + kept.entries


def found_again_entries():
    """A handover's defect found again by a re-inspection (复查) while its repair is open: the open
    repair's history says so, with the new inspection's words or none (found by review r3 of h3)."""
    found = {"handover_id": "ho_2", "household_id": "hh_1", "date": "2026-11-28"}
    return [intake.found_again({"history": []}, found, {"number": 3, "item": "窗户(卧室)", "note": note}, "ev_1",
                               NOW, "zhou").entries[0] for note in ("玻璃仍裂", None)]


def inspection_entries():
    """An inspection's completion: one finding, two, none (found rereading the change, h6: "1 finding(s)")."""
    items = [{"code": "P1", "label": "出口压力", "kind": "reading", "min": 0.3, "max": 0.6, "unit": "MPa"},
             {"code": "P2", "label": "无渗漏", "kind": "pass_fail", "min": None, "max": None, "unit": None}]
    inspection = {"_id": "insp_1", "estate_id": "est_1", "status": "open", "items": items, "results": None}
    return [checklists.complete(inspection, {"results": [{"code": "P1", "reading": reading},
                                                         {"code": "P2", "passed": passed}]}, NOW, "chen")[1]
            for reading, passed in ((0.9, True), (0.9, False), (0.4, True))]


@pytest.mark.parametrize("composed", [desk_entries, engineering_entries, archive_entries, application_entries,
                                      household_correction_entries, found_again_entries, inspection_entries],
                         ids=["a request's steps", "a work order's steps", "a borrowing's steps",
                              "an application's steps", "a household's correction", "a defect found again",
                              "an inspection's completion"])
def test_a_composed_history_note_reads_in_chinese(composed):
    entries = [entry for entry in composed() if entry["note"]]
    app = create_app({"GATEWAY_URL": "http://gateway.invalid", "SECRET_KEY": "test-secret", "TESTING": True})
    with app.test_request_context():
        g.language = "zh"
        shown = [(entry["action"], entry["note"], i18n.history_note(entry["note"], entry["action"])) for entry in entries]
    left = [each for each in shown if ENGLISH.search(each[2]) or re.search(r"\b(sr|wo|hh)_", each[2])]  # ids too
    assert not left, left
    assert shown and all(text != note for _, note, text in shown), shown
