"""The duty roster (排班) and what refers to it, without broker or store."""
from datetime import date, datetime, timezone

import pytest

from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput
from security_patrol import roster

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 23)


def assignment(guard="Zhao", post="patrol", day="2026-11-23", shift="night"):
    return roster.new_assignment("est_1", {"date": day, "shift": shift, "post": post, "guard": guard}, TODAY, NOW, "wu")


def test_one_assignment_per_guard_day_and_shift_however_the_name_is_typed():
    first = assignment()
    assert first["_id"] == assignment(" ZHAO ")["_id"] != assignment(shift="day")["_id"]
    assert roster.same_or_conflict(first, {"post": "patrol"}) is first
    with pytest.raises(Conflict):
        roster.same_or_conflict(first, {"post": "gate"})


def test_a_past_or_impossible_day_is_refused():
    with pytest.raises(BusinessRuleViolation):
        assignment(day="2026-11-22")
    with pytest.raises(InvalidInput):
        assignment(day="2026-11-31")


def test_a_shift_with_a_roster_admits_only_the_guards_on_it_at_the_post_asked():
    shift = [assignment(), assignment("Qian", "gate")]
    assert roster.rostered([], "anyone", "patrol", "data.guard") is None
    assert roster.rostered(shift, "zhao", "patrol", "data.guard") == shift[0]["_id"]
    assert roster.rostered(shift, "Qian", None, "data.from_guard") == shift[1]["_id"]
    with pytest.raises(BusinessRuleViolation) as refused:
        roster.rostered(shift, "Qian", "patrol", "data.guard")
    assert refused.value.errors[0]["field"] == "data.guard"
