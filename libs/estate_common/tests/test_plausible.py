"""Plausible dates: a record of what staff did within its days back, a fact of the estate's history
from the floor on, a date to come within its horizon (a clerk's 1900 and 2999 were taken)."""
from datetime import date, datetime, timezone

import pytest

from estate_common import plausible, wording
from estate_common.errors import BusinessRuleViolation

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=timezone.utc)


def refusal(check, *args):
    with pytest.raises(BusinessRuleViolation) as refused:
        check(*args)
    return refused.value.detail, refused.value.errors


def test_a_record_of_what_staff_did_goes_back_its_days_and_no_further():
    plausible.recent("2026-11-28", "2026-12-05", 7, "data.date", "late")       # a week: the most
    plausible.recent("2026-11-28T02:00:00Z", NOW, 7, "data.held_at", "late")  # a moment, against now
    plausible.recent(None, "2026-12-05", 7, "data.date", "late")             # not given: nothing to check
    assert refusal(plausible.recent, "2026-11-27", "2026-12-05", 7, "data.date", "too late") == (
        "too late", [{"field": "data.date", "message": "is more than 7 days ago"}])
    assert refusal(plausible.recent, "1900-01-01T08:00:00Z", NOW, 7, "data.held_at", "too late")[1] == [
        {"field": "data.held_at", "message": "is more than 7 days ago"}]
    assert refusal(plausible.recent, date(2026, 12, 4), date(2026, 12, 5), 0, "data.date", "today")[1][0][
        "message"] == "is more than 0 days ago"


def test_a_setting_of_one_day_is_said_in_the_singular():
    """An estate's setting of 1 read "is more than 1 days ago" (estate_common.wording)."""
    assert refusal(plausible.recent, "2026-12-03", "2026-12-05", 1, "data.date", "late")[1][0][
        "message"] == "is more than 1 day ago"
    assert refusal(plausible.ahead, "2026-12-07", "2026-12-05", 1, "data.at", "far")[1][0][
        "message"] == "is more than 1 day ahead"
    assert [wording.counted(n, "day") for n in (0, 1, 2)] == ["0 days", "1 day", "2 days"]
    assert wording.counted(1, "minute") == "1 minute" and wording.counted(90, "minute") == "90 minutes"


def test_a_fact_of_the_estates_history_may_be_old_but_not_before_the_floor():
    for old in ("1950-01-01", "1978-06-30", "1995-03-01T00:00:00Z", date(2001, 1, 1)):
        plausible.historical(old, "data.date", "implausible")  # an old estate taken over
    plausible.historical(None, "data.from", "implausible")
    assert refusal(plausible.historical, "1900-01-01", "data.date", "implausible") == (
        "implausible", [{"field": "data.date", "message": "is before 1950-01-01"}])
    assert refusal(plausible.historical, "1949-12-31T23:59:59Z", "data.date", "no")[1][0]["message"] == \
        "is before 1950-01-01"


def test_a_date_to_come_stays_within_its_horizon():
    plausible.ahead("2027-01-04", "2026-12-05", 30, "data.works_to", "far")
    plausible.ahead("2026-12-12T02:00:00Z", NOW, 7, "data.valid_until", "far")
    plausible.ahead(None, NOW, 7, "data.valid_until", "far")
    assert refusal(plausible.ahead, "2027-01-05", "2026-12-05", 30, "data.works_to", "too far") == (
        "too far", [{"field": "data.works_to", "message": "is more than 30 days ahead"}])
    assert refusal(plausible.ahead, "2999-12-31T00:00:00Z", NOW, 7, "data.valid_until", "far")[1][0][
        "message"] == "is more than 7 days ahead"


def test_what_is_lent_or_let_in_ends_within_its_days_and_then_when_none_is_given():
    assert plausible.ending("2026-12-12T02:00:00Z", NOW, 7, "data.valid_until", "far") == "2026-12-12T02:00:00.000Z"
    assert plausible.ending(None, NOW, 7, "data.valid_until", "far") == "2026-12-12T02:00:00.000Z"
    assert refusal(plausible.ending, "2999-12-31T00:00:00Z", NOW, 7, "data.valid_until", "too far") == (
        "too far", [{"field": "data.valid_until", "message": "is more than 7 days ahead"}])


def test_a_year_is_within_its_years_of_this_one():
    plausible.year(2025, 2026, 1, 0, "data.year", "which year")
    plausible.year(2027, 2026, 1, 1, "data.year", "which year")
    assert refusal(plausible.year, 2100, 2026, 1, 0, "data.year", "which year") == (
        "which year", [{"field": "data.year", "message": "is not between 2025 and 2026"}])
    assert refusal(plausible.year, 2024, 2026, 1, 1, "data.year", "which year")[1][0]["message"] == \
        "is not between 2025 and 2027"
    plausible.year(2001, 2026, None, 1, "data.year", "which year")  # no bound before
    assert refusal(plausible.year, 2028, 2026, None, 1, "data.year", "which year")[1][0]["message"] == "is after 2027"
