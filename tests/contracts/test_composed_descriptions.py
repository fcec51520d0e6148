"""The descriptions the services compose for what they open themselves, what maintenance writes
on an equipment's ledger, why integrations switched a webhook off and why a job or a delivery
failed, read in Chinese on the console's Chinese pages (``console.i18n.described``,
``record_result``, ``record_notes``, ``disabled_reason``, ``why_failed``), composed here by the services' own code, so a service that rewords one
fails this test instead of leaving English on the engineering board.

The console reads them as text (it is a client of the public API only): this test is the one
place that holds both sides."""
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from flask import g

from console import i18n
from console.app import create_app
from customer_service import domain as desk_domain
from customer_service import intake, repairs
from customer_service.rules import DEFAULTS as DESK_DEFAULTS
from estate_common import clock, jobs, store
from estate_common.testing import event
from integrations import operations, sender, webhooks
from maintenance import checklists, domain, ledger
from maintenance.rules import DEFAULTS
from security_patrol import fire
from security_patrol.rules import DEFAULTS as PATROL_DEFAULTS

CREATED = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
# a word of one of the composed forms: none may be left on a Chinese page (names and notes are Chinese here)
ENGLISH = re.compile(r"\b(fire|equipment|defect|found|check|incident|at|due|of|daily|periodic|maintenance|"
                     r"inspection|vacant|unit|problem|return|visit|reading|outside|below|above|failed|finding|passed|checklist|completed)\b")


def fire_defect(notes):
    return domain.from_fire_defect(event("security_patrol", "fire_defect_reported", "est_1", {
        "id": "fchk_1", "equipment_id": "fe_1", "equipment_code": "XF-01", "equipment_name": "消火栓1",
        "kind": "hydrant", "location": "地下车库B2", "notes": notes, "period": "2026-11",
        "inspected_at": "2026-11-23T02:00:00.000Z"}), "WO-1", CREATED, RULES)


def incident():
    return domain.from_incident(event("security_patrol", "emergency_repair_requested", "est_1", {
        "id": "inc_1", "number": "INC-2026-000001", "type": "flooding", "description": "车库进水",
        "location": "B2 车库", "opened_at": "2026-11-23T02:00:00.000Z"}), "WO-2", CREATED, RULES)


def anomaly():
    return domain.from_patrol_anomaly(event("security_patrol", "anomaly_reported", "est_1", {
        "id": "an_1", "round_id": "round_1", "checkpoint": {"code": "CP-3", "name": "泵房"},
        "description": "地面有水", "reported_at": "2026-11-23T02:00:00.000Z", "emergency": False}),
        "WO-3", CREATED, RULES)


def plan(kind):
    return domain.from_plan({"_id": "plan_1", "estate_id": "est_1", "kind": kind, "equipment_id": "eq_1", "every_days": 7},
                            {"name": "生活水泵", "code": "PUMP-1"}, "2026-12-01", "WO-4", CREATED)


READING = {"kind": "reading", "label": "出口压力", "code": "P1", "unit": "MPa", "min": 0.3, "max": 0.6,
           "reading": 0.2, "note": "有异响"}


def finding(item, location=None):
    inspection = {"location": location, "equipment_code": None if location else "PUMP-1", "checklist_name": "水泵周检"}
    return {"source": {"type": "inspection"}, "description": checklists.describe_finding(inspection, item)}


def return_visit_follow_up(notes):
    request = {"_id": "sr_1", "number": "SR-2026-000001", "household_id": "hh_1"}
    follow_up = {"id": "fu_1", "reason": "return_visit_problem", "notice_due_at": "2026-11-24T09:00:00.000Z"}
    data = repairs.follow_up_event_data(request, {"id": "rv_1", "notes": notes}, follow_up)
    return domain.from_follow_up(event("customer_service", "follow_up_requested", "est_1", data), "WO-5", CREATED, RULES)


def vacant_problem(location):
    return intake.inspection_repair({"id": "vinsp_1", "inspected_on": "2026-11-20", "household_id": "hh_1"},
                                    {"number": 1, "location": location, "description": "天花板渗水"})


def vacant_problem_order():
    """The work order maintenance opens for a vacant-unit inspection's repair request."""
    request = intake.new_request("sr_1", "est_1", vacant_problem("卧室"), "SR-2026-000001", CREATED,
                                 {**DESK_DEFAULTS, "timezone": "Asia/Shanghai"}, "zhang")
    created = event("customer_service", "service_request_created", "est_1", desk_domain.created_event_data(request))
    return domain.from_service_request(created, "WO-6", CREATED, RULES)


def handover_defect(note):
    return intake.handover_repair({"handover_id": "ho_1", "household_id": "hh_1", "date": "2026-11-21"},
                                  {"number": 2, "item": "窗户(卧室)", "note": note})


def handover_defect_order():
    """The work order maintenance opens for the repair request of a defect found at the handover."""
    request = intake.new_request("sr_1", "est_1", handover_defect("玻璃裂"), "SR-2026-000001", CREATED,
                                 {**DESK_DEFAULTS, "timezone": "Asia/Shanghai"}, "zhang")
    created = event("customer_service", "service_request_created", "est_1", desk_domain.created_event_data(request))
    return domain.from_service_request(created, "WO-9", CREATED, RULES)


def checked_fire_defect():
    """A fire check recorded with a checklist whose items failed: security-patrol adds each failed
    item to the notes, and maintenance's order carries them."""
    checklist = {"_id": "cl_1", "target": "equipment", "items": [
        {"code": "P1", "label": "出口压力", "kind": "reading", "unit": "MPa", "min": 0.3, "max": None},
        {"code": "C1", "label": "箱门完好", "kind": "pass_fail", "unit": None, "min": None, "max": None}]}
    equipment = {"_id": "fe_1", "code": "XF-01", "name": "消火栓1", "kind": "hydrant", "location": "地下车库B2"}
    data = {"result": "defect", "notes": "无水压", "results": [{"code": "P1", "reading": 0.2},
                                                              {"code": "C1", "passed": False}]}
    inspection, [(_, defect)] = fire.new_inspection("fchk_1", "est_1", equipment, data, CREATED, "li",
                                                    {**PATROL_DEFAULTS, "timezone": "Asia/Shanghai"}, checklist)
    return domain.from_fire_defect(event("security_patrol", "fire_defect_reported", "est_1", defect), "WO-8",
                                   CREATED, RULES)


@pytest.mark.parametrize("composed", [
    lambda: fire_defect("无水压"), checked_fire_defect, lambda: fire_defect(""), incident, anomaly,
    lambda: plan("daily_inspection"), lambda: plan("periodic_maintenance"),
    lambda: finding(READING), lambda: finding({**READING, "min": None, "note": None}, "1号楼"),
    lambda: finding({"kind": "check", "label": "通道畅通", "code": "C1"}, "1号楼"),
    lambda: return_visit_follow_up("厨房仍漏水"), lambda: return_visit_follow_up(None),
    lambda: vacant_problem("卧室") | {"channel": "inspection"},
    lambda: vacant_problem(None) | {"channel": "inspection"}, vacant_problem_order,
    lambda: handover_defect("玻璃裂，卧室"), lambda: handover_defect(None), handover_defect_order,
], ids=["fire defect with notes", "fire defect with failed checklist items", "fire defect", "incident", "patrol anomaly", "daily inspection",
        "periodic maintenance", "inspection reading, equipment", "inspection reading above, place",
        "inspection check, place", "return visit's problem with notes", "return visit's problem",
        "vacant problem with place", "vacant problem", "vacant problem's work order",
        "handover defect with note", "handover defect", "handover defect's work order"])
def test_a_composed_description_reads_in_chinese(composed):
    item = composed()
    app = create_app({"GATEWAY_URL": "http://gateway.invalid", "SECRET_KEY": "test-secret", "TESTING": True})
    with app.test_request_context():
        g.language = "zh"
        shown = i18n.described(item)
        g.language = "en"
        assert i18n.described(item) == item["description"]
    assert shown != item["description"] and not ENGLISH.search(shown), (item["description"], shown)


def finding_order():
    """The order of an inspection's failed item at a piece of equipment."""
    inspection = {"_id": "insp_1", "estate_id": "est_1", "location": None, "equipment_id": "eq_1",
                  "equipment_code": "PUMP-1", "checklist_name": "水泵周检", "completed_at": "2026-11-23T02:00:00.000Z",
                  "completed_by": "chen"}
    item = {**READING, "work_order_id": "wo_7"}
    return domain.from_inspection_finding(inspection, item, checklists.describe_finding(inspection, item), "WO-7",
                                          CREATED, RULES)


def completed(order):
    return order | {"completed_at": "2026-12-01T08:00:00.000Z", "technician": "chen", "summary": None}


@pytest.mark.parametrize("composed", [
    (lambda: checklists.equipment_record({"_id": "insp_1", "findings": [{"code": "P1"}], "checklist_name": "水泵周检",
                                          "completed_at": "2026-11-23T02:00:00.000Z", "completed_by": "chen"})),
    (lambda: checklists.equipment_record({"_id": "insp_2", "findings": [], "checklist_name": "水泵周检",
                                          "completed_at": "2026-11-23T02:00:00.000Z", "completed_by": "chen"})),
    lambda: ledger.record_from_order(completed(plan("periodic_maintenance"))),
    lambda: ledger.record_from_order(completed(finding_order())),
], ids=["inspection with a finding", "inspection passed", "a plan's order completed",
        "an inspection finding's order completed"])
def test_what_maintenance_writes_on_an_equipment_ledger_reads_in_chinese(composed):
    record = composed()
    app = create_app({"GATEWAY_URL": "http://gateway.invalid", "SECRET_KEY": "test-secret", "TESTING": True})
    with app.test_request_context():
        g.language = "zh"
        shown = i18n.record_result(record), i18n.record_notes(record)
    for text, written in zip(shown, (record["result"], record["notes"])):
        assert text != written and not ENGLISH.search(text), (written, text)


@pytest.mark.parametrize("switched_off", [
    lambda: webhooks.after_attempt({"active": True, "failing_since": "2026-11-20T00:00:00.000Z"}, False, CREATED,
                                   {"webhook_disable_after_days": 3}, "HTTP 503"),
    lambda: webhooks.patch({"active": True}, {"active": False}, "mia", "2026-11-23T09:00:00.000Z", None, False, None),
], ids=["after days of failed deliveries", "by a person"])
def test_why_integrations_switched_a_webhook_off_reads_in_chinese(switched_off):
    reason = switched_off().set["disabled_reason"]
    app = create_app({"GATEWAY_URL": "http://gateway.invalid", "SECRET_KEY": "test-secret", "TESTING": True})
    with app.test_request_context():
        g.language = "zh"
        shown = i18n.disabled_reason({"disabled_reason": reason})
    assert shown != reason and not re.search(r"\b(switched|off|by|every|delivery|failed|days|since|last)\b", shown), (
        reason, shown)


def job_failures(monkeypatch):
    """What ``estate_common.jobs`` writes as a job's error when its runner crashed, and when its
    worker stopped beating too often."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    db = store.connect(f"test_failures_{uuid.uuid4().hex[:8]}")
    store.ensure_indexes(db, jobs.INDEXES)
    crashed = jobs.create(db, jobs.new_id("archive"), "est_1", "import", {}, "desk")

    def runner(job, progress):
        raise ValueError("a bug")

    jobs.run_pending(db, {"import": runner})
    monkeypatch.setattr(jobs, "MAX_ATTEMPTS", 1)
    stopped = jobs.create(db, jobs.new_id("archive"), "est_1", "import", {}, "desk")
    jobs.claim(db)
    clock.advance(timedelta(seconds=jobs.STALE_SECONDS + 1))
    jobs.requeue_stale(db)
    return [jobs.get(db, job["_id"])["error"] for job in (crashed, stopped)]


def delivery_failures():
    """What ``integrations`` writes as a delivery's error: a refused target, a subscription gone."""
    refused = sender.send("http://crm.example.com/hooks", "{}", {}, 5, False, resolve=lambda *a, **k: [])[1]
    private = sender.send("https://crm.example.com/hooks", "{}", {}, 5, False,
                          resolve=lambda *a, **k: [(2, 1, 6, "", ("10.0.0.7", 443))])[1]
    given_up = [webhooks.given_up(why, CREATED).set["last_error"] for why in operations.GIVEN_UP.values()]
    return [refused, private, *given_up]


def test_why_a_job_or_a_delivery_failed_reads_in_chinese(monkeypatch):
    written = job_failures(monkeypatch) + delivery_failures()
    app = create_app({"GATEWAY_URL": "http://gateway.invalid", "SECRET_KEY": "test-secret", "TESTING": True})
    with app.test_request_context():
        g.language = "zh"
        shown = [(text, i18n.why_failed(text)) for text in written]
    left = [each for each in shown if each[0] == each[1] or re.search(
        r"\b(job|worker|failed|unexpectedly|target|refused|must|webhook|deleted|switched|off)\b", each[1])]
    assert len(shown) == 6 and not left, left
