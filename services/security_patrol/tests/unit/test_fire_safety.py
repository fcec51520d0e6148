"""Fire drills and fire lanes (消防演练, 消防通道), without broker or store."""
from datetime import datetime, timezone

import pytest

from estate_common.errors import BusinessRuleViolation, Conflict
from security_patrol import fire_safety
from security_patrol.rules import DEFAULTS

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
NOW = datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)  # 01:00 on 1 December in the estate
DRILL = {"held_at": "2026-11-30T15:00:00Z", "scenario": "evacuation", "location": "B3", "participants": 9,
         "led_by": "Zhao"}


def test_a_drill_belongs_to_the_local_month_it_was_held_in_and_is_not_in_the_future():
    assert fire_safety.new_drill("d_1", "est_1", DRILL, NOW, "zhao", RULES)["period"] == "2026-11"
    with pytest.raises(BusinessRuleViolation):
        fire_safety.new_drill("d_2", "est_1", dict(DRILL, held_at="2026-11-30T17:00:01Z"), NOW, "zhao", RULES)


@pytest.mark.parametrize("held_at, timezone_", [
    ("1900-01-01T08:00:00Z", "Asia/Shanghai"),      # a clerk's slip: it counted in 1900-01's KPI (a probe)
    ("1900-01-01T03:00:00Z", "America/Los_Angeles"),  # 1899 there: no month the contract has
    ("2026-11-16T15:59:59Z", "Asia/Shanghai"),      # 16 November, 23:59 there: fifteen of its days ago
])
def test_a_drill_is_recorded_within_the_estates_days_of_being_held(held_at, timezone_):
    """Counted in the estate's calendar days (now: 1 December there): 0 is the same day (review)."""
    with pytest.raises(BusinessRuleViolation) as refused:
        fire_safety.new_drill("d_3", "est_1", dict(DRILL, held_at=held_at), NOW, "zhao", {**RULES, "timezone": timezone_})
    assert refused.value.detail == "a drill is recorded within 14 days of being held"
    assert refused.value.errors == [{"field": "data.held_at", "message": "is more than 14 days ago"}]
    fortnight = fire_safety.new_drill("d_4", "est_1", dict(DRILL, held_at="2026-11-16T16:00:00Z"), NOW, "zhao", RULES)
    assert fortnight["period"] == "2026-11"  # 17 November there, fourteen days ago
    same_day = {**RULES, "recorded_within_days": 0}  # an estate that wants them the same day
    assert fire_safety.new_drill("d_5", "est_1", dict(DRILL, held_at="2026-11-30T16:30:00Z"), NOW, "zhao", same_day)
    with pytest.raises(BusinessRuleViolation):  # 23:59 of the day before, there
        fire_safety.new_drill("d_6", "est_1", dict(DRILL, held_at="2026-11-30T15:59:00Z"), NOW, "zhao", same_day)


@pytest.mark.parametrize("clear, obstruction", [(False, None), (False, "  "), (True, "a bike")])
def test_an_obstruction_is_named_exactly_when_the_lane_is_not_clear(clear, obstruction):
    data = {"lane": "North", "clear": clear, **({"obstruction": obstruction} if obstruction else {})}
    with pytest.raises(BusinessRuleViolation) as refused:
        fire_safety.new_lane_check("l_1", "est_1", data, NOW, "zhao", RULES)
    assert refused.value.errors[0]["field"] == "data.obstruction"


def test_only_an_obstructed_lane_is_cleared_and_only_once():
    blocked = fire_safety.new_lane_check("l_1", "est_1", {"lane": "North", "clear": False, "obstruction": "van"},
                                         NOW, "zhao", RULES)
    assert blocked["period"] == "2026-12"
    cleared = blocked | fire_safety.clear_lane(blocked, " moved ", NOW, "qian")
    assert cleared["status"] == "cleared" and cleared["action"] == "moved"
    for check in (cleared, fire_safety.new_lane_check("l_2", "est_1", {"lane": "N", "clear": True}, NOW, "z", RULES)):
        with pytest.raises(Conflict):
            fire_safety.clear_lane(check, "again", NOW, "qian")
