"""The duty roster (排班) and what refers to it, without broker or store."""
from datetime import date, datetime, timezone

import pytest

from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput
from security_patrol import roster
from security_patrol.rules import DEFAULTS

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 23)
RULES = DEFAULTS  # the estate's settings: the shifts' hours


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
        assignment(day="2026-11-22", shift="day")
    with pytest.raises(BusinessRuleViolation):
        assignment(day="2026-11-21")  # that night ended on the morning of the 22nd
    with pytest.raises(InvalidInput):
        assignment(day="2026-11-31")


def test_last_nights_shift_is_still_rostered_and_cancelled_the_morning_after():
    """A night shift runs into the next morning: after midnight its roster could not be corrected,
    so a guard replacing the rostered one could not record the rest of the night's rounds (found
    by a domain probe)."""
    last_night = assignment(guard="Li", day="2026-11-22")
    assert last_night["date"] == "2026-11-22"
    assert roster.cancel(assignment(day="2026-11-22"), "off sick", TODAY, NOW, "wu", never_worked).set["status"] == \
        "cancelled"
    # a night handover with no date, in the morning, is of the night that began the day before
    assert roster.shift_day("night", datetime(2026, 11, 23, 7, 0), RULES) == "2026-11-22"
    assert roster.shift_day("night", datetime(2026, 11, 23, 23, 0), RULES) == "2026-11-23"
    assert roster.shift_day("day", datetime(2026, 11, 23, 7, 0), RULES) == "2026-11-23"


def test_a_roster_is_made_at_most_its_days_ahead():
    """One for 2030-01-01 was taken (a probe)."""
    with pytest.raises(BusinessRuleViolation) as refused:
        assignment(day="2030-01-01")
    assert refused.value.errors[0]["field"] == "data.date"
    assert assignment(day="2027-01-24")["date"] == "2027-01-24"  # 62 days on
    with pytest.raises(BusinessRuleViolation):
        assignment(day="2027-01-25")


def test_a_shift_with_no_date_is_the_one_begun_most_recently_never_one_to_come():
    """At 13:16 a night with no date was tonight's, a shift not worked yet (found by a probe)."""
    assert roster.shift_day("night", datetime(2026, 12, 5, 13, 16), RULES) == "2026-12-04"
    assert roster.shift_day("night", datetime(2026, 12, 5, 18, 0), RULES) == "2026-12-05"
    assert roster.shift_day("evening", datetime(2026, 12, 5, 13, 59), RULES) == "2026-12-04"
    assert roster.shift_day("day", datetime(2026, 12, 5, 5, 59), RULES) == "2026-12-04"


def test_a_handover_of_a_shift_not_begun_is_refused_naming_the_date():
    """Written at 13:16, tonight's night handover marked its roster entry worked, and the roster
    could no longer be cancelled (found by a probe). From the shift's start it is taken."""
    with pytest.raises(BusinessRuleViolation) as refused:
        roster.refuse_a_shift_not_begun("2026-12-05", "night", datetime(2026, 12, 5, 13, 16), RULES)
    assert refused.value.errors[0]["field"] == "data.date"
    with pytest.raises(BusinessRuleViolation):
        roster.refuse_a_shift_not_begun("2026-12-06", "day", datetime(2026, 12, 5, 23, 0), RULES)
    roster.refuse_a_shift_not_begun("2026-12-05", "night", datetime(2026, 12, 5, 18, 0), RULES)
    roster.refuse_a_shift_not_begun("2026-12-04", "night", datetime(2026, 12, 5, 7, 0), RULES)
    roster.refuse_a_shift_not_begun("2026-12-05", "day", datetime(2026, 12, 5, 13, 16), RULES)


@pytest.mark.parametrize("shift, start, inside", [
    ("night", "22:00", True), ("night", "02:00", True), ("night", "07:59", True), ("night", "18:00", True),
    ("night", "08:00", False), ("night", "09:00", False), ("night", "17:59", False),
    ("day", "06:00", True), ("day", "17:59", True), ("day", "00:00", False), ("day", "18:00", False),
    ("evening", "14:00", True), ("evening", "23:59", True), ("evening", "00:30", False), ("evening", "13:00", False),
])
def test_a_start_time_lies_within_its_shifts_hours(shift, start, inside):
    assert roster.starts_in_shift(shift, start, RULES) is inside


EARLY_NIGHT = {**RULES, "night_shift_start_hour": 17, "night_shift_end_hour": 31}  # 17:00 to 07:00


@pytest.mark.parametrize("start, inside", [("17:00", True), ("06:59", True), ("07:00", False), ("16:59", False)])
def test_a_start_time_lies_within_the_estates_own_hours_of_its_shift(start, inside):
    """A night from 17:00 had its plans refused by a fixed table (its night began at 18:00)."""
    assert roster.shift_hours("night", EARLY_NIGHT) == (17, 31)
    assert roster.starts_in_shift("night", start, EARLY_NIGHT) is inside


def test_a_shift_begins_at_the_estates_own_hour():
    assert roster.shift_day("night", datetime(2026, 12, 5, 17, 30), EARLY_NIGHT) == "2026-12-05"
    roster.refuse_a_shift_not_begun("2026-12-05", "night", datetime(2026, 12, 5, 17, 0), EARLY_NIGHT)
    with pytest.raises(BusinessRuleViolation) as refused:
        roster.refuse_a_shift_not_begun("2026-12-05", "night", datetime(2026, 12, 5, 16, 59), EARLY_NIGHT)
    assert refused.value.errors[0]["message"] == "its night shift has not begun: it begins at 17:00 on the estate's clock"


def test_a_shift_with_a_roster_admits_only_the_guards_on_it_at_the_post_asked():
    shift = [assignment(), assignment("Qian", "gate")]
    assert roster.rostered([], "anyone", "patrol", "data.guard") is None
    assert roster.rostered(shift, "zhao", "patrol", "data.guard") == shift[0]["_id"]
    assert roster.rostered(shift, "Qian", None, "data.from_guard") == shift[1]["_id"]
    with pytest.raises(BusinessRuleViolation) as refused:
        roster.rostered(shift, "Qian", "patrol", "data.guard")
    assert refused.value.errors[0]["field"] == "data.guard"


def never_worked():
    return False


def test_a_cancel_keeps_the_assignment_with_who_when_and_why_and_again_is_a_retry():
    step = roster.cancel(assignment(), "  wrong   post ", TODAY, NOW, "wu", never_worked)
    assert step.set == {"status": "cancelled", "cancelled_at": "2026-11-23T02:00:00.000Z", "cancelled_by": "wu",
                        "cancel_reason": "wrong post"}
    cancelled = assignment() | step.set
    assert roster.cancel(cancelled, None, TODAY, NOW, "wu", never_worked) is None
    assert roster.cancel(assignment(), None, TODAY, NOW, "wu", never_worked).set["cancel_reason"] is None
    assert roster.cancel(assignment(), "   ", TODAY, NOW, "wu", never_worked).set["cancel_reason"] is None


def test_a_worked_or_past_assignment_is_not_cancelled():
    with pytest.raises(Conflict, match="refers to this assignment"):
        roster.cancel(assignment(), None, TODAY, NOW, "wu", worked=lambda: True)
    marked = assignment() | roster.worked(assignment(), NOW, "data.guard").set
    with pytest.raises(Conflict, match="refers to this assignment"):
        roster.cancel(marked, None, TODAY, NOW, "wu", never_worked)
    with pytest.raises(BusinessRuleViolation) as refused:
        roster.cancel(assignment(), None, date(2026, 11, 25), NOW, "wu", never_worked)  # that night ended on the 24th
    assert refused.value.errors[0]["field"] == "id"


def test_a_round_or_handover_marks_its_assignment_once_and_not_a_cancelled_one():
    step = roster.worked(assignment(), NOW, "data.guard")
    assert step.set == {"worked_at": "2026-11-23T02:00:00.000Z"}
    assert roster.worked(assignment() | step.set, NOW, "data.guard") is None
    with pytest.raises(BusinessRuleViolation) as refused:  # cancelled after the roster was read
        roster.worked(assignment() | {"status": "cancelled"}, NOW, "data.from_guard")
    assert refused.value.errors[0]["field"] == "data.from_guard"


def test_a_cancelled_assignment_counts_no_more_and_a_shift_of_only_cancelled_ones_has_no_roster():
    zhao = assignment() | {"status": "cancelled"}
    qian = assignment("Qian", "gate")
    with pytest.raises(BusinessRuleViolation):
        roster.rostered([zhao, qian], "Zhao", "patrol", "data.guard")
    assert roster.rostered([zhao], "Li", "patrol", "data.guard") is None
    old = {k: v for k, v in qian.items() if k != "status"}  # stored before cancelling existed: active
    assert roster.rostered([old], "Qian", "gate", "data.guard") == qian["_id"]


def test_a_cancelled_guard_is_put_back_at_the_post_asked_for():
    cancelled = assignment() | {"status": "cancelled", "cancelled_at": "2026-11-23T01:00:00Z", "cancelled_by": "wu",
                                "cancel_reason": "wrong post"}
    step = roster.reassign(cancelled, {"post": "gate", "guard": " Zhao "}, TODAY, NOW, "li")
    assert step.set == {"status": "active", "post": "gate", "guard": "Zhao", "cancelled_at": None,
                        "cancelled_by": None, "cancel_reason": None, "reassigned_at": "2026-11-23T02:00:00.000Z",
                        "reassigned_by": "li"}
    active = cancelled | step.set
    assert roster.reassign(active, {"post": "gate", "guard": "Zhao"}, TODAY, NOW, "li") is None  # a retry
    with pytest.raises(Conflict):  # put back at another post by someone else first
        roster.reassign(active, {"post": "patrol", "guard": "Zhao"}, TODAY, NOW, "li")
    with pytest.raises(BusinessRuleViolation):
        roster.reassign(cancelled, {"post": "gate", "guard": "Zhao"}, date(2026, 11, 25), NOW, "li")


def test_the_list_shows_an_old_assignment_as_active_and_its_active_filter_finds_it():
    old = {k: v for k, v in assignment().items() if k not in ("status", *roster.CLEARED)}
    assert roster.shown(old)["status"] == "active" and roster.shown(old)["cancel_reason"] is None
    assert roster.status_filter({"status": "active", "shift": "night"}) == {"status": {"$ne": "cancelled"},
                                                                          "shift": "night"}
    assert roster.status_filter({"status": "cancelled"}) == {"status": "cancelled"}
