"""Fire checks (消防): the cycle and its deadline, overdue notices and defects, without broker or store."""
from datetime import datetime, timezone

import pytest

from estate_common import calendar, settings
from estate_common.errors import InvalidInput
from security_patrol import fire
from security_patrol.rules import ALLOWED, DEFAULTS, MAXIMA, MINIMA, ORDERED

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
EQUIPMENT = {"_id": "fe_1", "code": "FE-1", "name": "Hydrant 1", "kind": "hydrant", "location": "B2"}


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def test_a_months_checks_are_due_at_the_end_of_the_local_month_plus_the_grace_days():
    assert fire.check_due_at("2026-10", RULES) == utc(2026, 10, 31, 16)
    assert fire.check_due_at("2026-10", {**RULES, "fire_check_grace_days": 3}) == utc(2026, 11, 3, 16)


@pytest.mark.parametrize("now, grace, period", [
    (utc(2026, 11, 15), 0, "2026-10"),
    (utc(2026, 10, 31, 15, 59), 0, "2026-09"),
    (utc(2026, 11, 2), 3, "2026-09"),     # October's grace runs until 3 November
    (utc(2026, 11, 3, 16), 3, "2026-10"),
    (utc(2026, 12, 20), 27, "2026-10"),   # November's grace runs until 27 December
])
def test_the_latest_month_past_its_deadline(now, grace, period):
    assert fire.overdue_period(now, {**RULES, "fire_check_grace_days": grace}) == period


def test_an_overdue_notice_is_keyed_by_facility_and_month():
    notice, [(event_type, data)] = fire.new_overdue("est_1", EQUIPMENT, "2026-10", utc(2026, 11, 1), RULES)
    assert notice["_id"] == fire.overdue_id("est_1", "fe_1", "2026-10") == data["id"]
    assert fire.overdue_id("est_1", "fe_1", "2026-11") != notice["_id"]
    assert event_type == "fire_check_overdue" and data["due_at"] == "2026-10-31T16:00:00.000Z"


def test_only_a_defect_asks_for_a_work_order_and_the_request_is_keyed_by_the_check():
    ok = fire.new_inspection("finsp_1", "est_1", EQUIPMENT, {"equipment_id": "fe_1", "result": "ok"},
                             utc(2026, 11, 5), "zhao", RULES)
    assert isinstance(ok, dict)
    check, [(event_type, data)] = fire.new_inspection(
        "finsp_2", "est_1", EQUIPMENT, {"equipment_id": "fe_1", "result": "defect", "notes": "no pressure"},
        utc(2026, 11, 5), "zhao", RULES)
    assert event_type == "fire_defect_reported" and data["id"] == check["_id"] == "finsp_2"
    assert data["notes"] == "no pressure" and data["period"] == "2026-11"


# -- the cycle of checks (fire_check_interval_months) ----------------------------------------
# An estate's cycle is a month (rules.MAXIMA); the functions read cycles of any divisor of the year.

QUARTERLY = {**RULES, "fire_check_interval_months": 3}


@pytest.mark.parametrize("interval, period, first, months", [
    (1, "2027-02", "2027-02", ["2027-02"]),
    (3, "2027-01", "2027-01", ["2027-01", "2027-02", "2027-03"]),
    (3, "2027-02", "2027-01", ["2027-01", "2027-02", "2027-03"]),
    (3, "2027-12", "2027-10", ["2027-10", "2027-11", "2027-12"]),
    (2, "2027-04", "2027-03", ["2027-03", "2027-04"]),
    (4, "2027-08", "2027-05", ["2027-05", "2027-06", "2027-07", "2027-08"]),
    (6, "2027-07", "2027-07", [f"2027-{m:02d}" for m in range(7, 13)]),
    (12, "2027-06", "2027-01", [f"2027-{m:02d}" for m in range(1, 13)]),
])
def test_a_cycle_is_aligned_to_the_calendar_year_and_named_by_its_first_month(interval, period, first, months):
    rules = {**RULES, "fire_check_interval_months": interval}
    assert fire.cycle_of(period, rules) == first
    assert fire.cycle_months(period, rules) == months


@pytest.mark.parametrize("name, value, problem", [
    ("fire_check_interval_months", 2, "must be at most 1"), ("fire_check_interval_months", 12, "must be at most 1"),
    ("fire_check_interval_months", 0, "must be a whole number of at least 1"),
    ("fire_check_interval_months", 2.0, "must be a whole number of at least 1"),
    ("fire_check_grace_days", 1, "must be at most 0"), ("fire_check_grace_days", 27, "must be at most 0"),
])
def test_an_estate_checks_its_fire_facilities_monthly_and_no_less(name, value, problem):
    """DOMAIN.md "every fire facility is checked monthly": a probe set a yearly cycle and 27 grace
    days (with any grace, one visit on the 1st of every other month stood for two months' checks).
    An override stored before the bounds applies as the default."""
    with pytest.raises(InvalidInput) as refused:
        settings.check_overrides(DEFAULTS, {name: value}, MAXIMA, MINIMA, ORDERED, allowed=ALLOWED)
    assert [(e["field"], e["message"]) for e in refused.value.errors] == [(name, problem)]
    settings.check_overrides(DEFAULTS, {"fire_check_interval_months": 1, "fire_check_grace_days": 0}, MAXIMA,
                             MINIMA, ORDERED, allowed=ALLOWED)
    stored = {"fire_check_interval_months": 3, "fire_check_grace_days": 27}
    applying = settings.effective(DEFAULTS, stored, MAXIMA, MINIMA, allowed=ALLOWED)
    assert (applying["fire_check_interval_months"], applying["fire_check_grace_days"]) == (1, 0)


def test_the_default_cycle_is_a_month():
    assert DEFAULTS["fire_check_interval_months"] == 1
    assert fire.cycle_of("2026-11", RULES) == "2026-11" and fire.cycle_months("2026-11", RULES) == ["2026-11"]


def test_a_quarters_checks_are_due_at_the_end_of_its_last_month_plus_the_grace_days():
    for month in ("2027-01", "2027-02", "2027-03"):
        assert fire.check_due_at(month, QUARTERLY) == utc(2027, 3, 31, 16)  # midnight of 1 April in the estate
    assert fire.check_due_at("2027-02", {**QUARTERLY, "fire_check_grace_days": 5}) == utc(2027, 4, 5, 16)
    assert fire.cycle_end("2026-11", QUARTERLY) == utc(2026, 12, 31, 16)
    assert fire.cycle_so_far("2027-02", QUARTERLY) == ["2027-01", "2027-02"]  # what February's figure counts
    assert fire.cycle_so_far("2027-02", RULES) == ["2027-02"]


@pytest.mark.parametrize("now, grace, cycle", [
    (utc(2027, 3, 31, 15, 59), 0, "2026-10"),   # 23:59 on 31 March: the first quarter is not late yet
    (utc(2027, 3, 31, 16), 0, "2027-01"),
    (utc(2027, 5, 20), 0, "2027-01"),           # inside the second quarter: the first is the latest late
    (utc(2027, 4, 2), 3, "2026-10"),            # the first quarter's grace runs until 3 April
    (utc(2027, 4, 3, 16), 3, "2027-01"),
    (utc(2027, 4, 27), 27, "2026-10"),
])
def test_the_latest_quarter_past_its_deadline(now, grace, cycle):
    assert fire.overdue_period(now, {**QUARTERLY, "fire_check_grace_days": grace}) == cycle


def test_the_sweep_catches_up_whole_cycles():
    assert fire.overdue_periods(utc(2027, 5, 20), QUARTERLY) == ["2026-07", "2026-10", "2027-01"]
    assert fire.overdue_periods(utc(2027, 1, 2), RULES) == ["2026-10", "2026-11", "2026-12"]  # monthly, as before
    assert fire.overdue_periods(utc(2027, 1, 2), {**RULES, "fire_check_interval_months": 12}) == [
        "2024-01", "2025-01", "2026-01"]


def test_the_grace_days_after_a_quarter_file_a_check_under_its_last_month():
    rules = {**QUARTERLY, "fire_check_grace_days": 3}
    assert fire.grace_period(utc(2027, 4, 2), rules) == "2027-03"
    assert fire.grace_period(utc(2027, 4, 3, 16), rules) is None  # 4 April: the grace has run out
    assert fire.grace_period(utc(2027, 5, 2), rules) is None  # in the quarter's second month: no grace
    assert fire.grace_period(utc(2027, 4, 2), QUARTERLY) is None  # no grace days
    assert fire.grace_period(utc(2026, 12, 2), {**RULES, "fire_check_grace_days": 3}) == "2026-11"  # monthly


def test_a_quarter_owes_a_check_of_what_is_in_the_ledger_at_its_end():
    registered_in_march = {**EQUIPMENT, "created_at": "2027-03-10T02:00:00.000Z"}
    assert fire.in_ledger_during(registered_in_march, "2027-01", QUARTERLY)  # the quarter ends 31 March
    assert not fire.in_ledger_during(registered_in_march, "2027-01", RULES)  # January alone owes it nothing
    retired_in_february = {**EQUIPMENT, "created_at": "2026-10-01T00:00:00.000Z",
                           "retired_at": "2027-02-10T02:00:00.000Z"}
    assert not fire.in_ledger_during(retired_in_february, "2027-03", QUARTERLY)
    assert fire.in_ledger_during(retired_in_february, "2027-01", RULES)


def test_an_overdue_quarter_is_keyed_by_its_first_month_and_says_how_long_it_is():
    notice, [(_, data)] = fire.new_overdue("est_1", EQUIPMENT, "2027-01", utc(2027, 4, 1), QUARTERLY)
    assert notice["_id"] == fire.overdue_id("est_1", "fe_1", "2027-01", 3) == data["id"]
    assert notice["_id"] != fire.overdue_id("est_1", "fe_1", "2027-01")  # January's own, when it was monthly
    assert (data["period"], data["interval_months"], data["due_at"]) == ("2027-01", 3, "2027-03-31T16:00:00.000Z")
    monthly, [(_, data)] = fire.new_overdue("est_1", EQUIPMENT, "2027-01", utc(2027, 2, 1), RULES)
    assert "interval_months" not in monthly and "interval_months" not in data  # as it always was


LEDGER = [{"_id": "fe_1", "created_at": "2026-01-01T00:00:00.000Z"},
          {"_id": "fe_2", "created_at": "2026-01-01T00:00:00.000Z"},
          {"_id": "fe_3", "created_at": "2027-02-10T02:00:00.000Z"}]  # registered in February


def test_a_quarter_is_counted_in_the_month_its_checks_are_due_by():
    """A month before its cycle's last owes nothing of its own: January read 0 of every facility
    for good when the quarter's checks were made in February (found by review)."""
    checked = {"2027-01": {"fe_1"}, "2027-02": {"fe_3"}, "2027-03": {"fe_2"}}
    for month in ("2027-01", "2027-02"):
        assert fire.kpi_cycles([month], QUARTERLY) == []
        assert fire.completion(LEDGER, [], checked) == {"fire_ledger": 0, "fire_checked": 0}
    march = fire.kpi_cycles(["2027-03"], QUARTERLY)
    assert march == [(["2027-01", "2027-02", "2027-03"], "2027-03-31T16:00:00.000Z")]  # January's check counts
    assert fire.completion(LEDGER, march, checked) == {"fire_ledger": 3, "fire_checked": 3}
    quarter = fire.kpi_cycles(calendar.months_of("2027-Q1"), QUARTERLY)
    assert quarter == march  # one cycle, owed once
    # the quarter while February runs: its checks are not due yet
    assert fire.kpi_cycles(["2027-01", "2027-02"], QUARTERLY) == []


def test_monthly_checks_give_the_kpi_month_by_month_as_before():
    checked = {"2027-01": {"fe_1"}, "2027-02": {"fe_1", "fe_3"}, "2027-03": {"fe_2"}}
    cycles = fire.kpi_cycles(calendar.months_of("2027-Q1"), RULES)
    assert [months for months, _ in cycles] == [["2027-01"], ["2027-02"], ["2027-03"]]
    assert [owed for _, owed in cycles] == ["2027-01-31T16:00:00.000Z", "2027-02-28T16:00:00.000Z",
                                            "2027-03-31T16:00:00.000Z"]
    # January 1 of 2, February 2 of 3, March 1 of 3
    assert fire.completion(LEDGER, cycles, checked) == {"fire_ledger": 8, "fire_checked": 4}


def test_a_cycle_that_outlasts_the_kpi_period_is_counted_in_the_period_of_its_last_month():
    two_monthly = {**RULES, "fire_check_interval_months": 2}
    cycles = fire.kpi_cycles(calendar.months_of("2027-Q1"), two_monthly)
    assert cycles == [(["2027-01", "2027-02"], "2027-02-28T16:00:00.000Z")]  # March-April: the second quarter's
    second = fire.kpi_cycles(calendar.months_of("2027-Q2"), two_monthly)
    assert [months for months, _ in second] == [["2027-03", "2027-04"], ["2027-05", "2027-06"]]


