"""The front desk through the gateway over HTTP: the complaint cycle, roles, the estate's
settings and the front-desk registers. (Time limits are tested in the service's tests, where
the clock is controlled; the running system keeps real time.)"""
import time
import uuid
from datetime import datetime

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

from estate_common import calendar, clock

from .flows import eventually, new_user

BORROWER = "Borrower Qian-" + uuid.uuid4().hex[:6]


def user(api, admin, roles, estate_id):
    return new_user(api, admin, roles, [estate_id])[1]


@pytest.fixture(scope="module")
def estate(api, admin):
    answer = api.post("/api/v1/estates", {"code": "SD-" + uuid.uuid4().hex[:6].upper(), "name": "Garden Court",
                                          "address": "12 Garden Rd"}, admin)
    assert answer.status_code == 201, answer.text
    estate_id = answer.json()["id"]
    people = {role: user(api, admin, [role], estate_id) for role in ("agent", "manager", "technician")}
    household = api.post(f"/api/v1/estates/{estate_id}/households", {
        "building": "2", "unit": "1", "room": "801", "area_m2": 95.5,
        "owner": {"name": "周先生", "phone": "13922223333"}}, people["agent"])
    assert household.status_code == 201, household.text
    return {"id": estate_id, "household": household.json()["id"], "base": f"/api/v1/estates/{estate_id}", **people}


def complain(api, estate):
    body = {"kind": "complaint", "household_id": estate["household"], "channel": "letter",
            "description": "renovation noise after 22:00", "complainant": "owner of 2-1-802",
            "reference": "LTR-0042", "nature": "noise", "summary": "drilling every night"}

    def attempt():  # customer service needs its copy of the household first
        answer = api.post(f"{estate['base']}/service-requests", body, estate["agent"])
        return answer if answer.status_code != 422 else None
    answer = eventually(attempt)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_complaint_cycle_verify_escalate_reply_close(api, estate):
    base, agent, manager = estate["base"], estate["agent"], estate["manager"]
    created = complain(api, estate)
    assert created["status"] == "open" and created["due_at"] and created["complaint"]["verify_due_at"]
    path = f"{base}/service-requests/{created['id']}"

    refused = api.post(f"{path}/close", {}, agent)
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"  # not answered yet

    verified = api.post(f"{path}/verify", {"finding": "drilling confirmed by the guard"}, agent)
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    assert verified.json()["complaint"]["verified_late"] is False

    assert api.post(f"{path}/escalate", {"reason": "third time"}, estate["technician"]).status_code == 403
    escalated = api.post(f"{path}/escalate", {"reason": "third time this month"}, agent)
    assert escalated.status_code == 200 and escalated.json()["status"] == "escalated"
    inbox = api.get(f"{base}/service-requests?escalated=true", manager).json()["items"]
    assert [r["id"] for r in inbox] == [created["id"]]

    desk_reply = api.post(f"{path}/reply", {"message": "we will act"}, agent)
    assert desk_reply.status_code == 403  # an escalated complaint is the manager's
    replied = api.post(f"{path}/reply", {"message": "works limited to 8:00-18:00", "valid": True}, manager)
    assert replied.status_code == 200 and replied.json()["replied_at"] and replied.json()["valid"] is True

    closed = api.post(f"{path}/close", {"satisfaction": 4}, manager)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["outcome"] == "works limited to 8:00-18:00"
    assert [s["action"] for s in closed.json()["history"]] == [
        "registered", "verified", "escalated", "replied", "closed"]

    again = api.post(f"{path}/reply", {"message": "once more"}, manager)
    assert again.status_code == 409
    bad = api.post(f"{path}/close", {"satisfaction": 9}, manager)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "satisfaction"

    # a technician reads the repairs only, not a complaint (some are about staff conduct)
    assert api.get(path, estate["technician"]).status_code == 404
    shown = api.get(path, manager).json()
    assert shown["status"] == "closed" and shown["history"][-1]["by"]
    listed = api.get(f"{base}/service-requests?kind=complaint&status=closed&overdue=false", agent).json()["items"]
    assert created["id"] in [r["id"] for r in listed]
    assert api.get(f"{base}/service-requests?overdue=true", agent).json()["items"] == []


def test_a_return_visit_of_a_repair_not_yet_completed_is_refused(api, estate):
    repair = api.post(f"{estate['base']}/service-requests", {
        "kind": "repair", "household_id": estate["household"], "channel": "phone", "description": "tap leaks",
        "category": "water"}, estate["agent"])
    assert repair.status_code == 201, repair.text
    assert repair.json()["promised_by"] == repair.json()["due_at"]
    visit = api.post(f"{estate['base']}/service-requests/{repair.json()['id']}/return-visits",
                     {"satisfaction": 5, "problem_found": False}, estate["agent"])
    assert visit.status_code == 409


def test_the_manager_sets_the_estates_numbers(api, estate):
    path = f"{estate['base']}/settings/customer-service"
    assert api.get(path, estate["agent"]).status_code == 403
    assert api.get(path, estate["manager"]).json()["values"]["complaint_reply_days"] == 7
    changed = api.call("PUT", path, estate["manager"], json={"complaint_reply_days": 5})
    assert changed.status_code == 200 and changed.json()["overrides"] == {"complaint_reply_days": 5}
    refused = api.call("PUT", path, estate["manager"], json={"complaint_reply_days": 0, "colour": 1})
    assert refused.status_code == 400
    assert {e["field"] for e in refused.json()["errors"]} == {"complaint_reply_days", "colour"}
    complaint = complain(api, estate)
    due, created = (datetime.fromisoformat(complaint[name][:19]) for name in ("due_at", "created_at"))
    assert (due - created).days == 5
    assert api.call("PUT", path, estate["manager"], json={}).json()["values"]["complaint_reply_days"] == 7


def test_front_desk_registers_refuse_illegal_steps_and_keep_names_out_of_the_logs(api, estate, system):
    base, agent = estate["base"], estate["agent"]
    key = api.post(f"{base}/keys", {"label": "2-1-801 front door", "household_id": estate["household"]}, agent).json()
    assert api.post(f"{base}/keys/{key['id']}/return", {}, agent).status_code == 409
    lent = api.post(f"{base}/keys/{key['id']}/lend", {"to": "plumber", "purpose": "boiler"}, agent)
    assert lent.status_code == 200 and lent.json()["status"] == "lent"
    assert api.post(f"{base}/keys/{key['id']}/lend", {"to": "x", "purpose": "y"}, agent).status_code == 409
    lent_to = api.post(f"{base}/tool-loans", {"tool": "drill", "borrower": BORROWER}, agent)
    assert lent_to.status_code == 201 and lent_to.json()["borrower"] == BORROWER
    year = datetime.now().year  # a survey is of this year or the last
    survey = api.post(f"{base}/surveys", {"title": str(year), "year": year, "service_lines": ["power", "cleaning"]},
                      agent).json()
    answered = api.post(f"{base}/surveys/{survey['id']}/answers", {
        "household_id": estate["household"], "scores": {"power": 5, "cleaning": 3}}, agent)
    assert answered.status_code == 201
    twice = api.post(f"{base}/surveys/{survey['id']}/answers", {
        "household_id": estate["household"], "scores": {"power": 1}}, agent)
    assert twice.status_code == 409
    results = api.get(f"{base}/surveys/{survey['id']}/results", agent).json()
    assert results["lines"]["power"]["average"] == 5.0 and results["overall"]["satisfied_share"] == 0.5
    with open(system.log_path, encoding="utf-8", errors="replace") as log:
        written = log.read()
    assert "customer_service.lend_tool" in written  # the call was logged ...
    assert BORROWER not in written  # ... without the borrower's name


def test_the_manager_analyses_complaints_and_follows_a_rectification_plan_to_closure(api, estate):
    base, manager = estate["base"], estate["manager"]
    created = complain(api, estate)
    this_year = _estate_year(created["created_at"])
    report = api.get(f"{base}/reports/complaints?period={this_year}", manager)
    assert report.status_code == 200, report.text
    assert report.json()["complaints"] >= 1 and report.json()["by_category"]["noise"] >= 1
    assert api.get(f"{base}/reports/complaints?period={this_year}", estate["agent"]).status_code == 403
    wrong = api.get(f"{base}/reports/complaints?period={this_year}-Q5", manager)
    assert wrong.status_code == 400 and "period" in wrong.text
    assert api.get(f"{base}/reports/complaint-results?period={this_year}", manager).status_code == 200

    body = {"period": this_year, "findings": "renovation noise at night",
            "actions": [{"description": "patrol renovation floors at 21:30", "owner": "security lead",
                         "due": "2099-01-15"}]}
    refused = api.post(f"{base}/complaint-rectifications", {**body, "actions": [{"owner": "x", "due": "2099-01-01"}]},
                       manager)
    assert refused.status_code == 400 and "description" in refused.text
    plan = api.post(f"{base}/complaint-rectifications", body, manager)
    assert plan.status_code == 201, plan.text
    path = f"{base}/complaint-rectifications/{plan.json()['id']}"
    closed = api.post(f"{path}/actions/1/done", {"note": "started"}, manager)
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text
    assert api.post(f"{path}/actions/1/done", {}, manager).status_code == 409
    assert api.get(path, manager).json()["status"] == "closed"


def _estate_year(iso):
    """The year a moment falls in on the estate's clock (its timezone, Asia/Shanghai by default):
    from 16:00 UTC on 31 December it is the next year there (the report's periods are the estate's)."""
    return str(clock.parse_iso(iso).astimezone(calendar.zone(calendar.DEFAULT_TIMEZONE)).year)


def test_the_managers_quarter_and_year_the_analysis_by_building_the_plans_overdue_and_the_years_obligations(
        api, admin, estate):
    """The manager's quarter and year end through the gateway (every answer checked against
    openapi.yaml): the analysis names where a recurring cause's complaints came from and which they
    are, the plans filter by an overdue action, and the year says which service lines still owe a
    survey and the visits he made (a probe of the service-center manager's quarter and year)."""
    base, agent, manager = estate["base"], estate["agent"], estate["manager"]
    other = api.post(f"{base}/households", {"building": "7", "unit": "1", "room": "101", "area_m2": 80.0,
                                            "owner": {"name": "吴先生", "phone": "13933334444"}}, agent)
    assert other.status_code == 201, other.text
    made = []
    for household in (estate["household"], estate["household"], other.json()["id"]):
        body = {"kind": "complaint", "household_id": household, "channel": "phone", "description": "roof leaks",
                "complainant": "an owner", "summary": "water in the stairwell"}
        answer = eventually(lambda: (lambda r: r if r.status_code != 422 else None)(
            api.post(f"{base}/service-requests", body, agent)))
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
        verified = api.post(f"{base}/service-requests/{made[-1]['id']}/verify",
                            {"finding": "the roof membrane", "cause": "facility_defect"}, agent)
        assert verified.status_code == 200, verified.text
    year = _estate_year(made[0]["created_at"])
    report = api.get(f"{base}/reports/complaints?period={year}", manager).json()
    assert report["by_building"]["2"] >= 2 and report["by_building"]["7"] == 1
    [leak] = [c for c in report["recurring_causes"]["causes"] if c["cause"] == "facility_defect"]
    assert leak["buildings"]["7"] == 1 and leak["buildings"]["2"] >= 2
    assert {c["id"] for c in made} <= {r["id"] for r in leak["requests"]}

    plan = api.post(f"{base}/complaint-rectifications", {
        "period": year, "findings": "the roof membrane of buildings 2 and 7", "causes": ["facility_defect"],
        "actions": [{"description": "reseal the roofs", "owner": "engineering", "due": "2099-01-15"}]}, manager)
    assert plan.status_code == 201, plan.text
    assert plan.json()["overdue_actions"] == 0 and plan.json()["actions"][0]["overdue"] is False
    assert api.get(f"{base}/complaint-rectifications?overdue=true", manager).json()["items"] == []
    on_track = api.get(f"{base}/complaint-rectifications?overdue=false&status=open", manager).json()["items"]
    assert plan.json()["id"] in {p["id"] for p in on_track}
    assert api.get(f"{base}/complaint-rectifications?overdue=maybe", manager).status_code == 400
    notice = api.post(f"{base}/notices", {"title": "整改措施", "body": "屋面防水重做", "building": "7",
                                          "rectification_plan_id": plan.json()["id"]}, manager)
    assert notice.status_code == 201, notice.text
    shown = api.get(f"{base}/complaint-rectifications/{plan.json()['id']}", manager).json()
    assert [n["id"] for n in shown["notices"]] == [notice.json()["id"]] and shown["line_surveys"] == []

    visit = api.post(f"{base}/owner-contacts", {
        "household_id": estate["household"], "kind": "manager_visit", "channel": "visit",
        "contacted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60)),
        "summary": "the year's visit"}, manager)
    assert visit.status_code == 201, visit.text
    this_year = _estate_year(visit.json()["contacted_at"])
    found = api.get(f"{base}/reports/year-obligations?year={this_year}", manager)
    assert found.status_code == 200, found.text
    obligations = found.json()
    assert visit.json()["id"] in {v["id"] for v in obligations["manager_visits"]["visits"]}
    assert obligations["status"] == "in_progress" and obligations["due_by"] == f"{this_year}-12-31"
    to_come = api.get(f"{base}/reports/year-obligations?year={int(this_year) + 1}", manager).json()
    assert to_come["status"] == "not_begun" and to_come["manager_visits"]["owed"] == 0
    assert [line["line"] for line in obligations["service_lines"]] == ["power", "water", "fire_security", "cleaning"]
    assert api.get(f"{base}/reports/year-obligations?year={this_year}", agent).status_code == 403
    assert api.get(f"{base}/reports/year-obligations?year=26", manager).status_code == 400
