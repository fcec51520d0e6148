"""Repairs and return visits (报修, 回访), without broker or store: events built as maintenance
publishes them (contracts checked)."""
from datetime import datetime, timezone

import pytest

from customer_service import handling, intake, repairs
from customer_service.rules import DEFAULTS
from estate_common.errors import BusinessRuleViolation, Conflict
from estate_common.nameko.caller import Caller
from estate_common.settings import effective
from estate_common.testing import event, staff

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}  # as store.rules_for gives them

AGENT = Caller(staff("zhang", ["agent"], ["est_1"]))
CREATED = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def repair(repeat_of=None):
    data = {"kind": "repair", "household_id": "hh_1", "channel": "phone", "description": "leak", "category": "water"}
    return intake.new_request("sr_1", "est_1", data, "SR-2026-000001", CREATED, RULES, "zhang", repeat_of)


def order_created(order_id="wo_1", source=("service_request", "sr_1"), priority="normal"):
    return event("maintenance", "work_order_created", "est_1", {
        "id": order_id, "number": "WO-2026-000001", "source": {"type": source[0], "id": source[1]},
        "request_id": "sr_1", "household_id": "hh_1", "priority": priority, "status": "pending",
        "created_at": "2026-11-23T08:31:00.000Z"})


def order_completed(order_id="wo_1", source=("service_request", "sr_1"), priority="normal",
                    completed="2026-11-24T10:00:00.000Z"):
    return event("maintenance", "work_order_completed", "est_1", {
        "id": order_id, "number": "WO-2026-000001", "source": {"type": source[0], "id": source[1]},
        "request_id": "sr_1", "household_id": "hh_1", "priority": priority,
        "reported_at": "2026-11-23T08:30:00.000Z", "started_at": "2026-11-23T13:00:00.000Z",
        "completed_at": completed, "charge_cents": 0, "material_cost_cents": 1200, "labour_cost_cents": 5000,
        "signed_by": "owner"})


def step(request, change):
    out = {**request, **change.set}
    out["history"] = request["history"] + change.entries
    return out


def completed_repair(**kwargs):
    request = step(repair(**kwargs), repairs.dispatch_update(repair(**kwargs), order_created()))
    return step(request, repairs.completion_update(request, order_completed(), RULES))


def test_the_work_order_dispatches_its_request_once():
    request = repair()
    change = repairs.dispatch_update(request, order_created())
    assert change.set["status"] == "dispatched" and change.set["work_order_id"] == "wo_1"
    assert change.entries[0]["action"] == "dispatched" and change.entries[0]["event_id"]
    assert repairs.dispatch_update(step(request, change), order_created()) is None


def test_an_emergency_order_makes_the_return_visit_compulsory():
    change = repairs.dispatch_update(repair(), order_created(priority="emergency"))
    assert change.set["emergency"] is True and change.set["return_visit_required"] is True


def test_completion_shows_the_time_and_a_return_visit_due_in_three_days():
    request = completed_repair()
    assert request["status"] == "completed" and request["completed_at"] == "2026-11-24T10:00:00.000Z"
    assert request["return_visit_due_at"] == "2026-11-27T10:00:00.000Z"
    # answered at the arrival the completion tells, as its start's event answers it (min of both)
    assert request["started_at"] == request["answered_at"] == "2026-11-23T13:00:00.000Z"
    assert request["return_visit_required"] is False


def test_the_return_visit_window_is_an_estate_setting():
    request = step(repair(), repairs.dispatch_update(repair(), order_created()))
    rules = effective(RULES, {"return_visit_days": 1})
    change = repairs.completion_update(request, order_completed(), rules)
    assert change.set["return_visit_due_at"] == "2026-11-25T10:00:00.000Z"


def test_a_redelivered_completion_changes_nothing():
    request = step(repair(), repairs.dispatch_update(repair(), order_created()))
    done = order_completed()
    request = step(request, repairs.completion_update(request, done, RULES))
    assert repairs.completion_update(request, done, RULES) is None


def test_a_completion_before_the_creation_event_still_completes_the_request():
    change = repairs.completion_update(repair(), order_completed(), RULES)
    assert change.set["status"] == "completed" and change.set["work_order_id"] == "wo_1"
    late_dispatch = repairs.dispatch_update(step(repair(), change), order_created())
    assert late_dispatch is None


def test_an_emergency_completion_requires_a_return_visit():
    request = step(repair(), repairs.dispatch_update(repair(), order_created()))
    change = repairs.completion_update(request, order_completed(priority="emergency"), RULES)
    assert change.set["emergency"] is True and change.set["return_visit_required"] is True


def test_a_return_visit_only_follows_a_completed_repair():
    with pytest.raises(Conflict):
        repairs.return_visit(repair(), "rv_1", {"satisfaction": 5, "problem_found": False},
                             at("2026-11-24T12:00:00Z"), RULES, "zhang")


def test_a_return_visit_within_three_days_is_on_time_and_a_later_one_is_not():
    change, visit = repairs.return_visit(completed_repair(), "rv_1", {"satisfaction": 4, "notes": " fine ",
                                                                      "problem_found": False},
                                         at("2026-11-27T10:00:00Z"), RULES, "zhang")
    assert change.set["status"] == "visited" and change.events == []
    assert visit["on_time"] is True and visit["notes"] == "fine" and visit["follow_up_id"] is None
    assert visit["work_completed_at"] == "2026-11-24T10:00:00.000Z"
    _, late = repairs.return_visit(completed_repair(), "rv_2", {"satisfaction": 4, "problem_found": False},
                                   at("2026-11-27T10:00:01Z"), RULES, "zhang")
    assert late["on_time"] is False


def test_a_problem_found_asks_maintenance_for_a_follow_up_within_24_hours():
    request = completed_repair()
    change, visit = repairs.return_visit(request, "rv_1", {"satisfaction": 2, "notes": "still dripping",
                                                           "problem_found": True},
                                         at("2026-11-25T09:00:00Z"), RULES, "zhang")
    assert change.set["status"] == "follow_up"
    [follow_up] = change.set["follow_ups"]
    assert visit["follow_up_id"] == follow_up["id"]
    assert follow_up["notice_due_at"] == "2026-11-26T09:00:00.000Z"
    assert follow_up["notified_at"] == "2026-11-25T09:00:00.000Z" and follow_up["reason"] == "return_visit_problem"
    [(kind, data)] = change.events
    assert kind == "follow_up_requested"
    assert data["request_id"] == "sr_1" and data["id"] == follow_up["id"]
    assert data["request_number"] == "SR-2026-000001"  # for the order's history, in place of the id
    assert data["description"] == "Problem found on the return visit of SR-2026-000001: still dripping"
    event("customer_service", "follow_up_requested", "est_1", data)  # fits its contract
    assert [e["action"] for e in change.entries] == ["return_visit", "follow_up_requested"]


def test_the_notice_deadline_is_an_estate_setting_and_a_repeat_gives_its_reason():
    rules = effective(RULES, {"follow_up_notice_hours": 4})
    change, _ = repairs.return_visit(completed_repair(repeat_of="sr_0"), "rv_1",
                                     {"satisfaction": 1, "problem_found": True}, at("2026-11-25T09:00:00Z"),
                                     rules, "zhang")
    [follow_up] = change.set["follow_ups"]
    assert follow_up["notice_due_at"] == "2026-11-25T13:00:00.000Z" and follow_up["reason"] == "repeated_repair"


def test_the_follow_up_order_is_linked_and_its_completion_owes_a_new_return_visit():
    request = completed_repair()
    change, visit = repairs.return_visit(request, "rv_1", {"satisfaction": 2, "problem_found": True},
                                         at("2026-11-25T09:00:00Z"), RULES, "zhang")
    request = step(request, change)
    follow_up_id = visit["follow_up_id"]
    created = order_created("wo_2", ("return_visit", follow_up_id))
    request = step(request, repairs.dispatch_update(request, created))
    assert request["status"] == "dispatched" and request["work_order_id"] == "wo_1"
    assert request["follow_ups"][0]["work_order_id"] == "wo_2"
    assert repairs.dispatch_update(request, created) is None
    done = order_completed("wo_2", ("return_visit", follow_up_id), completed="2026-11-26T15:00:00.000Z")
    request = step(request, repairs.completion_update(request, done, RULES))
    assert request["status"] == "completed" and request["return_visit_due_at"] == "2026-11-29T15:00:00.000Z"
    assert request["follow_ups"][0]["completed_at"] == "2026-11-26T15:00:00.000Z"
    assert request["answered_at"] == "2026-11-23T13:00:00.000Z"  # the first order's arrival answered the repair, kept


def test_a_repeated_or_emergency_repair_is_not_closed_before_its_return_visit():
    required = completed_repair(repeat_of="sr_0")
    with pytest.raises(Conflict):
        handling.close(required, {}, at("2026-11-25T09:00:00Z"), AGENT)
    change, _ = repairs.return_visit(required, "rv_1", {"satisfaction": 5, "problem_found": False},
                                     at("2026-11-25T09:00:00Z"), RULES, "zhang")
    assert handling.close(step(required, change), {}, at("2026-11-25T10:00:00Z"), AGENT).set["status"] == "closed"


def test_a_manager_closes_an_owed_visit_the_occupant_cannot_be_reached_for_after_the_attempts():
    """A repeated or emergency repair whose occupant never answered stayed open for good (a
    probe): the desk still may not close it unvisited; a manager may, after the same attempts."""
    unreachable = {"no_visit_reason": "occupant_unreachable"}
    manager = Caller(staff("wang", ["manager"], ["est_1"]))
    request = completed_repair(repeat_of="sr_0")
    with pytest.raises(BusinessRuleViolation):  # no attempt yet
        handling.close(request, unreachable, at("2026-11-25T09:00:00Z"), manager)
    for attempt in range(RULES["return_visit_attempts_before_close"]):
        request = step(request, repairs.return_visit_attempt(request, {"method": "phone"},
                                                             at(f"2026-11-2{4 + attempt}T09:00:00Z"), AGENT))
    with pytest.raises(Conflict) as refused:
        handling.close(request, unreachable, at("2026-11-27T09:00:00Z"), AGENT)
    assert "a manager closes it" in refused.value.detail
    with pytest.raises(Conflict):  # the manager too gives the reason
        handling.close(request, {}, at("2026-11-27T09:00:00Z"), manager)
    closed = handling.close(request, unreachable, at("2026-11-27T09:00:00Z"), manager)
    assert closed.set["closed_without_visit"] == {"reason": "occupant_unreachable", "attempts": 3}


def test_an_ordinary_repair_is_closed_only_after_its_return_visit_or_an_unreachable_occupant():
    """DOMAIN.md: a return visit after every repair (the contradiction of issue 14 resolved)."""
    request = completed_repair()
    with pytest.raises(Conflict) as refused:
        handling.close(request, {}, at("2026-11-25T09:00:00Z"), AGENT)
    assert refused.value.errors[0]["field"] == "data.no_visit_reason"
    unreachable = {"no_visit_reason": "occupant_unreachable"}
    for attempt in range(RULES["return_visit_attempts_before_close"]):
        with pytest.raises(BusinessRuleViolation):  # not yet enough attempts
            handling.close(request, unreachable, at("2026-11-25T09:00:00Z"), AGENT)
        request = step(request, repairs.return_visit_attempt(request, {"method": "phone"},
                                                             at(f"2026-11-2{4 + attempt}T09:00:00Z"), AGENT))
    assert [a["method"] for a in request["return_visit_attempts"]] == ["phone"] * 3
    closed = handling.close(request, unreachable, at("2026-11-27T09:00:00Z"), AGENT)
    assert closed.set["status"] == "closed"
    assert closed.set["closed_without_visit"] == {"reason": "occupant_unreachable", "attempts": 3}
    assert "occupant unreachable after 3 attempts" in closed.entries[0]["note"]
    fewer = dict(RULES, return_visit_attempts_before_close=1)  # a per-estate setting
    one = step(completed_repair(), repairs.return_visit_attempt(completed_repair(), {"method": "visit"},
                                                                at("2026-11-24T09:00:00Z"), AGENT))
    assert handling.close(one, unreachable, at("2026-11-24T10:00:00Z"), AGENT, fewer).set["status"] == "closed"


def test_an_estate_closing_after_one_attempt_says_one_attempt():
    """With ``return_visit_attempts_before_close`` 1 the refusal read "after 1 attempts" and the
    history "occupant unreachable after 1 attempts" (estate_common.wording.counted)."""
    unreachable = {"no_visit_reason": "occupant_unreachable"}
    fewer = dict(RULES, return_visit_attempts_before_close=1, return_visit_attempt_gap_minutes=1)
    with pytest.raises(BusinessRuleViolation) as refused:
        handling.close(completed_repair(), unreachable, at("2026-11-24T10:00:00Z"), AGENT, fewer)
    assert refused.value.detail == "the occupant is unreachable after 1 attempt, not 0"
    assert refused.value.errors[0]["message"] == (
        "needs 1 recorded attempt to reach the occupant, each at least 1 minute after the one before")
    one = step(completed_repair(), repairs.return_visit_attempt(completed_repair(), {"method": "visit"},
                                                                at("2026-11-24T09:00:00Z"), AGENT))
    closed = handling.close(one, unreachable, at("2026-11-24T10:00:00Z"), AGENT, fewer)
    assert closed.entries[0]["note"] == "without a return visit: occupant unreachable after 1 attempt"


def test_only_attempts_spaced_by_the_estates_gap_count_towards_closing_unvisited():
    """Three calls in one second met the rule (found by a probe)."""
    stamps = ["2026-11-24T09:00:00Z", "2026-11-24T09:00:01Z", "2026-11-24T09:59:00Z", "2026-11-24T10:00:00Z",
              "2026-11-24T10:30:00Z", "2026-11-25T08:00:00Z"]
    attempts = [{"at": stamp} for stamp in stamps]
    assert [a["at"] for a in repairs.spaced(attempts, 60)] == [stamps[0], stamps[3], stamps[5]]
    assert repairs.spaced(attempts, 1) == [attempts[0], attempts[2], attempts[3], attempts[4], attempts[5]]
    assert repairs.spaced([], 60) == []


def test_attempts_are_only_for_a_pending_visit_and_count_since_the_last_completion():
    with pytest.raises(Conflict):
        repairs.return_visit_attempt(repair(), {"method": "phone"}, at("2026-11-24T09:00:00Z"), AGENT)
    request = completed_repair()
    request = step(request, repairs.return_visit_attempt(request, {"method": "phone"}, at("2026-11-24T09:00:00Z"),
                                                         AGENT))
    assert len(repairs.attempts_since_completion(request)) == 1
    assert len(repairs.attempts_since_completion(dict(request, completed_at="2026-11-30T00:00:00.000Z"))) == 0


def test_a_repeated_repair_gets_its_visit_even_when_the_occupant_is_unreachable():
    required = completed_repair(repeat_of="sr_0")
    for day in (24, 25, 26):
        required = step(required, repairs.return_visit_attempt(required, {"method": "phone"},
                                                               at(f"2026-11-{day}T09:00:00Z"), AGENT))
    with pytest.raises(Conflict):
        handling.close(required, {"no_visit_reason": "occupant_unreachable"}, at("2026-11-27T09:00:00Z"), AGENT)


def test_only_a_repair_takes_a_no_visit_reason():
    from estate_common.errors import InvalidInput
    with pytest.raises(InvalidInput) as refused:
        handling.close(dict(repair(), kind="consultation", status="replied"), {"no_visit_reason": "occupant_unreachable"},
                       at("2026-11-25T09:00:00Z"), AGENT)
    assert refused.value.errors[0]["field"] == "data.no_visit_reason"