"""Complaints (投诉): verified the same (local) day, escalated to the manager, replied within
7 days; without broker or store."""
from datetime import datetime

import pytest

from customer_service import complaints, handling, intake
from customer_service.rules import DEFAULTS
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput
from estate_common.nameko.caller import Caller
from estate_common.testing import staff

# The numbers and, as store.rules_for adds it from the estate's copy, its timezone.
RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}

AGENT = Caller(staff("zhang", ["agent"], ["est_1"]))
MANAGER = Caller(staff("wang", ["manager"], ["est_1"]))
ADMIN = Caller(staff("admin", ["operator_admin"], ["*"]))


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def complaint(created="2026-11-23T08:30:00Z", rules=RULES):
    data = {"kind": "complaint", "household_id": "hh_1", "channel": "phone", "description": "noise",
            "nature": "noise"}
    return intake.new_request("sr_1", "est_1", data, "SR-2026-000001", at(created), rules, "zhang")


@pytest.mark.parametrize("created, due", [
    ("2026-11-23T08:30:00Z", "2026-11-23T16:00:00.000Z"),   # 16:30 in Beijing: until midnight there
    ("2026-11-23T15:59:00Z", "2026-11-23T16:00:00.000Z"),   # 23:59 in Beijing: one minute
    ("2026-11-23T16:00:00Z", "2026-11-24T16:00:00.000Z"),   # 00:00 in Beijing: the whole next day
    ("2026-12-31T20:00:00Z", "2027-01-01T16:00:00.000Z"),   # across the year
])
def test_verification_is_due_by_the_end_of_the_local_day(created, due):
    assert complaints.verify_due_at(at(created), RULES) == due


def test_the_verification_day_is_the_estates_local_day():
    rules = RULES | {"timezone": "Europe/Berlin"}
    assert complaints.verify_due_at(at("2026-11-23T08:30:00Z"), rules) == "2026-11-23T23:00:00.000Z"


def test_the_same_instant_is_due_at_the_end_of_a_different_day_in_new_york_and_shanghai():
    registered = at("2026-12-01T02:00:00Z")  # 10:00 on 1 December in Shanghai, 21:00 on 30 November in New York
    assert complaints.verify_due_at(registered, RULES) == "2026-12-01T16:00:00.000Z"
    assert complaints.verify_due_at(registered, RULES | {"timezone": "America/New_York"}) == \
        "2026-12-01T05:00:00.000Z"  # midnight after 30 November, EST (UTC-5)


def test_a_local_day_of_25_hours_is_one_day():
    # Berlin's clocks go back on 25 October 2026: that day has 25 hours
    registered = at("2026-10-25T06:00:00Z")
    assert complaints.verify_due_at(registered, RULES | {"timezone": "Europe/Berlin"}) == "2026-10-25T23:00:00.000Z"


def test_a_verification_the_same_day_is_on_time_and_a_later_one_is_marked_late():
    on_time = complaints.verify(complaint(), {"finding": " drilling confirmed "}, at("2026-11-23T15:59:59Z"), AGENT)
    assert on_time.set["status"] == "verified"
    assert on_time.set["complaint"]["verified_late"] is False
    assert on_time.set["complaint"]["finding"] == "drilling confirmed"
    assert on_time.set["complaint"]["verified_by"] == "zhang"
    late = complaints.verify(complaint(), {"finding": "drilling confirmed"}, at("2026-11-23T16:00:01Z"), AGENT)
    assert late.set["complaint"]["verified_late"] is True and late.entries[0]["note"].startswith("late: ")
    # midnight itself is the next day (verify_due_at is the first instant after the day)
    midnight = complaints.verify(complaint(), {"finding": "drilling confirmed"}, at("2026-11-23T16:00:00Z"), AGENT)
    assert midnight.set["complaint"]["verified_late"] is True


def test_a_complaint_is_verified_once():
    escalated = dict(complaint(), status="escalated")
    verified = complaints.verify(escalated, {"finding": "confirmed"}, at("2026-11-23T09:00:00Z"), MANAGER)
    assert verified.set["status"] == "escalated"  # verification does not undo the escalation
    with pytest.raises(Conflict):
        complaints.verify(dict(escalated, **verified.set), {"finding": "again"}, at("2026-11-23T10:00:00Z"), MANAGER)


def test_a_reply_to_a_complaint_not_verified_yet_verifies_it_then_late_after_its_day():
    """API.md's steps are escalate, reply, close: a client following it met a 409 at every reply
    once the verify step came (an integrator's probe). The reply verifies it, on time or late."""
    escalated = dict(complaint(), status="escalated")
    replied = handling.reply(escalated, {"message": " the lift was serviced "}, at("2026-11-24T09:00:00Z"), MANAGER)
    assert replied.set["status"] == "replied" and replied.set["reply"] == "the lift was serviced"
    assert {k: replied.set["complaint"][k] for k in ("verified_at", "verified_by", "finding", "verified_late")} == {
        "verified_at": "2026-11-24T09:00:00.000Z", "verified_by": "wang", "finding": "the lift was serviced",
        "verified_late": True}  # registered the 23rd: due that day
    assert [(e["action"], e["note"]) for e in replied.entries][:2] == [
        ("verified", "late: with the reply"), ("replied", "the lift was serviced")]
    same_day = handling.reply(complaint(), {"message": "fixed"}, at("2026-11-23T09:00:00Z"), AGENT)
    assert same_day.set["status"] == "replied" and same_day.set["complaint"]["verified_late"] is False
    verified = dict(complaint(), **complaints.verify(complaint(), {"finding": "confirmed"},
                                                     at("2026-11-23T09:00:00Z"), AGENT).set)
    once = handling.reply(verified, {"message": "fixed"}, at("2026-11-23T10:00:00Z"), AGENT)
    assert "complaint" not in once.set and [e["action"] for e in once.entries] == ["replied"]


def test_an_escalated_complaint_is_answered_and_closed_by_a_manager():
    change = complaints.escalate(complaint(), {"reason": " third time this month "}, at("2026-11-23T09:00:00Z"),
                                 AGENT)
    assert change.set["status"] == "escalated"
    assert change.set["complaint"]["escalated"] is True
    assert change.set["complaint"]["escalation_reason"] == "third time this month"
    escalated = dict(complaint(), **change.set)
    escalated["complaint"] = dict(escalated["complaint"], verified_at="2026-11-23T10:00:00.000Z")
    with pytest.raises(Forbidden):
        handling.reply(escalated, {"message": "we will act"}, at("2026-11-24T09:00:00Z"), AGENT)
    replied = handling.reply(escalated, {"message": "we will act", "valid": True}, at("2026-11-24T09:00:00Z"), MANAGER)
    assert replied.set["status"] == "replied" and replied.set["valid"] is True
    closed_by_desk = dict(escalated, **replied.set)
    with pytest.raises(Forbidden):
        handling.close(closed_by_desk, {}, at("2026-11-25T09:00:00Z"), AGENT)
    assert handling.close(closed_by_desk, {}, at("2026-11-25T09:00:00Z"), ADMIN).set["status"] == "closed"


def test_a_replied_complaint_can_go_to_the_manager_when_the_owner_is_not_satisfied():
    replied = dict(complaint(), status="replied")
    assert complaints.escalate(replied, {"reason": "owner unhappy"}, at("2026-11-24T09:00:00Z"), AGENT).set[
        "status"] == "escalated"


def test_a_complaint_goes_to_the_manager_once():
    """The manager's reply to an escalated complaint was escalated again, by the desk or by
    himself: the complaint went back to "escalated, not answered" on his list, its reply owed
    again, and the first escalation's who and why were overwritten (a probe of the front desk's
    day). What the owner thinks of the manager's reply is his close's satisfaction."""
    escalated = dict(complaint(), **complaints.escalate(complaint(), {"reason": "staff conduct"},
                                                        at("2026-11-23T09:00:00Z"), AGENT).set)
    replied = dict(escalated, status="replied")
    for caller in (AGENT, MANAGER):
        with pytest.raises(Conflict):
            complaints.escalate(replied, {"reason": "again"}, at("2026-11-24T09:00:00Z"), caller)


def test_the_desk_replies_to_and_closes_a_complaint_it_did_not_escalate():
    verified = dict(complaint(), status="verified")
    verified["complaint"] = dict(verified["complaint"], verified_at="2026-11-23T10:00:00.000Z")
    replied = handling.reply(verified, {"message": "fixed"}, at("2026-11-24T09:00:00Z"), AGENT)
    closed = handling.close(dict(verified, **replied.set), {"valid": False, "satisfaction": 2},
                            at("2026-11-24T10:00:00Z"), AGENT)
    assert closed.set["valid"] is False and closed.set["satisfaction"] == 2 and closed.set["outcome"] == "fixed"


# -- 撤诉: the owner withdraws his complaint (a probe of a complaint's month, h2) ------------------

def test_an_open_complaint_the_owner_withdraws_is_closed_with_his_reason_and_owes_no_reply():
    """The owner came back the next day: the neighbour had fixed the pipe. A complaint closed only
    once replied, so the desk had to invent a reply, and a withdrawn complaint counted as one owing
    its reply in the timeliness KPI and the analysis (a probe of a complaint's month)."""
    change = complaints.withdraw(complaint(), {"reason": " neighbour fixed the pipe "}, at("2026-11-24T02:00:00Z"),
                                 AGENT)
    assert change.set["status"] == "closed" and change.set["closed_at"] == "2026-11-24T02:00:00.000Z"
    assert change.set["withdrawn"] == {"at": "2026-11-24T02:00:00.000Z", "by": "zhang",
                                       "reason": "neighbour fixed the pipe"}
    assert change.set["answered_at"] == "2026-11-24T02:00:00.000Z"  # not overdue any more
    assert [e["action"] for e in change.entries] == ["withdrawn"]
    [(kind, announced)] = change.events
    assert kind == "service_request_closed" and announced["withdrawn"] is True  # integrators tell it apart
    assert "reason" not in announced  # the owner's words stay on the request
    withdrawn = dict(complaint(), **change.set)
    assert complaints.rounds(withdrawn) == []  # its reply is owed no more: no deadline to count
    with pytest.raises(Conflict):  # once closed, it is withdrawn no more
        complaints.withdraw(withdrawn, {"reason": "again"}, at("2026-11-24T03:00:00Z"), AGENT)
    with pytest.raises(Conflict):  # the matter raised again is a new complaint, not a 复诉
        complaints.reopen(withdrawn, {"reason": "leaking again"}, at("2026-11-25T03:00:00Z"), AGENT, RULES)


def test_a_complaint_withdrawn_past_its_reply_deadline_stays_late():
    due = complaint()["due_at"]
    change = complaints.withdraw(complaint(), {"reason": "gave up"}, at("2026-12-05T02:00:00Z"), AGENT)
    assert complaints.rounds(dict(complaint(), **change.set)) == [(due, None)]


def test_a_replied_complaint_withdrawn_keeps_its_reply_round():
    replied = dict(complaint(), status="replied", replied_at="2026-11-24T02:00:00.000Z",
                   answered_at="2026-11-24T02:00:00.000Z")
    change = complaints.withdraw(replied, {"reason": "satisfied after all"}, at("2026-11-25T02:00:00Z"), AGENT)
    assert "answered_at" not in change.set
    assert complaints.rounds(dict(replied, **change.set)) == [(replied["due_at"], "2026-11-24T02:00:00.000Z")]


def test_an_escalated_complaint_is_withdrawn_by_a_manager_and_only_a_complaint_is_withdrawn():
    escalated = dict(complaint(), **complaints.escalate(complaint(), {"reason": "major"},
                                                        at("2026-11-23T09:00:00Z"), AGENT).set)
    with pytest.raises(Forbidden):
        complaints.withdraw(escalated, {"reason": "withdrawn"}, at("2026-11-24T09:00:00Z"), AGENT)
    assert complaints.withdraw(escalated, {"reason": "withdrawn"}, at("2026-11-24T09:00:00Z"),
                               MANAGER).set["status"] == "closed"
    consultation = dict(complaint(), kind="consultation", complaint=None)
    with pytest.raises(BusinessRuleViolation):
        complaints.withdraw(consultation, {"reason": "x"}, at("2026-11-24T09:00:00Z"), AGENT)


def test_the_verification_names_the_department_the_complaint_is_about():
    """The quarterly analysis is by cause and by department (the seeds: 客服部, 工程管理部, 秩序维护部,
    财务部…): a complaint about a guard's manner is the security department's, and nothing recorded
    which department a complaint was about (a probe of a complaint's quarter, h2)."""
    assert complaint()["complaint"]["department"] is None
    verified = complaints.verify(complaint(), {"finding": "the guard was rude", "cause": "staff_conduct",
                                               "department": "security"}, at("2026-11-23T09:00:00Z"), AGENT)
    assert verified.set["complaint"]["department"] == "security"
    assert complaints.verify(complaint(), {"finding": "f"}, at("2026-11-23T09:00:00Z"),
                             AGENT).set["complaint"]["department"] is None


def test_a_reply_records_the_cause_and_department_the_verification_left_out():
    """A complaint verified by its reply (or verified without a cause or department) read "unrecorded"
    in the quarterly analysis for good: nothing recorded them later (a probe of a complaint's quarter, h2)."""
    replied = handling.reply(complaint(), {"message": "the guard apologised", "cause": "staff_conduct",
                                           "department": "security"}, at("2026-11-23T09:00:00Z"), AGENT)
    assert replied.set["complaint"]["cause"] == "staff_conduct" and replied.set["complaint"]["department"] == "security"
    assert replied.set["complaint"]["verified_at"] == "2026-11-23T09:00:00.000Z"
    verified = dict(complaint(), **complaints.verify(complaint(), {"finding": "rude", "cause": "staff_conduct"},
                                                     at("2026-11-23T09:00:00Z"), AGENT).set)
    later = handling.reply(verified, {"message": "m", "department": "security"}, at("2026-11-23T10:00:00Z"), AGENT)
    assert later.set["complaint"]["department"] == "security" and later.set["complaint"]["cause"] == "staff_conduct"
    with pytest.raises(BusinessRuleViolation):  # what the verification recorded stands
        handling.reply(verified, {"message": "m", "cause": "process"}, at("2026-11-23T10:00:00Z"), AGENT)
    assert "complaint" not in handling.reply(verified, {"message": "m", "cause": "staff_conduct"},
                                             at("2026-11-23T10:00:00Z"), AGENT).set
    consultation = dict(complaint(), kind="consultation", complaint=None)
    with pytest.raises(InvalidInput):
        handling.reply(consultation, {"message": "m", "cause": "process"}, at("2026-11-23T10:00:00Z"), AGENT)
