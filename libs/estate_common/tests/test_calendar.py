"""The estate calendar from an IANA timezone: China (no DST), Berlin (DST), New York."""
from datetime import date, datetime, timedelta, timezone

import pytest

from estate_common import calendar
from estate_common.errors import InvalidInput


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


# -- Asia/Shanghai: UTC+8 all year ------------------------------------------------------

def test_shanghai_days_and_months_begin_at_local_midnight():
    tz = "Asia/Shanghai"
    assert calendar.day_of(utc(2026, 11, 30, 15, 59), tz) == "2026-11-30"
    assert calendar.day_of(utc(2026, 11, 30, 16, 0), tz) == "2026-12-01"
    assert calendar.period_of(utc(2026, 11, 30, 16, 0), tz) == "2026-12"
    assert calendar.month_window("2026-11", tz) == (utc(2026, 10, 31, 16), utc(2026, 11, 30, 16))
    assert calendar.day_start("2026-11-23", tz) == utc(2026, 11, 22, 16)
    assert calendar.day_end(utc(2026, 11, 23, 1), tz) == utc(2026, 11, 23, 16)
    assert calendar.day_end(utc(2026, 11, 23, 1), tz, days=2) == utc(2026, 11, 24, 16)
    assert calendar.year_start(2027, tz) == utc(2026, 12, 31, 16)


def test_the_month_after_december_is_january():
    assert calendar.month_bounds("2026-12", "Asia/Shanghai") == ("2026-11-30T16:00:00.000Z",
                                                                 "2026-12-31T16:00:00.000Z")


# -- Europe/Berlin: UTC+1 in winter, UTC+2 in summer ---------------------------------------

def test_berlin_month_bounds_follow_daylight_saving_time():
    tz = "Europe/Berlin"
    # March 2026 starts in winter time and ends in summer time (the clocks go forward on the 29th)
    assert calendar.month_window("2026-03", tz) == (utc(2026, 2, 28, 23), utc(2026, 3, 31, 22))
    # October starts in summer time and ends in winter time (back on the 25th)
    assert calendar.month_window("2026-10", tz) == (utc(2026, 9, 30, 22), utc(2026, 10, 31, 23))


def test_berlin_days_of_23_and_25_hours_are_one_local_day():
    tz = "Europe/Berlin"
    spring, autumn = utc(2026, 3, 29, 12), utc(2026, 10, 25, 12)
    assert calendar.day_end(spring, tz) - calendar.day_start("2026-03-29", tz) == (
        utc(2026, 3, 29, 22) - utc(2026, 3, 28, 23))
    assert (calendar.day_end(spring, tz) - calendar.day_start("2026-03-29", tz)).total_seconds() == 23 * 3600
    assert (calendar.day_end(autumn, tz) - calendar.day_start("2026-10-25", tz)).total_seconds() == 25 * 3600


def test_berlin_instants_near_midnight_land_on_their_local_day():
    tz = "Europe/Berlin"
    assert calendar.day_of(utc(2026, 7, 31, 21, 59), tz) == "2026-07-31"  # 23:59 CEST
    assert calendar.period_of(utc(2026, 7, 31, 22, 0), tz) == "2026-08"  # 00:00 CEST
    assert calendar.period_of(utc(2026, 1, 31, 22, 59), tz) == "2026-01"  # 23:59 CET
    assert calendar.period_of(utc(2026, 1, 31, 23, 0), tz) == "2026-02"


def test_wall_clock_times_across_a_dst_change():
    tz = "Europe/Berlin"
    assert calendar.at_local(date(2026, 3, 28), "22:00", tz) == utc(2026, 3, 28, 21)
    assert calendar.at_local(date(2026, 3, 29), "22:00", tz) == utc(2026, 3, 29, 20)
    # 02:30 does not exist on 29 March: it is read as 03:30 summer time
    assert calendar.at_local("2026-03-29", "02:30", tz) == utc(2026, 3, 29, 1, 30)
    # 02:30 happens twice on 25 October: the first one (summer time)
    assert calendar.at_local("2026-10-25", "02:30", tz) == utc(2026, 10, 25, 0, 30)


# -- the same instant, two estates ---------------------------------------------------------

def test_one_instant_is_a_different_day_and_month_in_new_york_and_shanghai():
    moment = utc(2026, 12, 1, 2, 0)  # 10:00 on 1 December in Shanghai, 21:00 on 30 November in New York
    assert calendar.day_of(moment, "Asia/Shanghai") == "2026-12-01"
    assert calendar.day_of(moment, "America/New_York") == "2026-11-30"
    assert calendar.period_of(moment, "Asia/Shanghai") == "2026-12"
    assert calendar.period_of(moment, "America/New_York") == "2026-11"


# -- names --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"])
def test_known_names_are_accepted(name):
    assert calendar.checked_timezone(name) == name


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "UTC+8", "../etc/passwd", "/etc/localtime", None, 8])
def test_unknown_names_are_a_400_naming_the_field(name):
    with pytest.raises(InvalidInput) as raised:
        calendar.checked_timezone(name, "data.timezone")
    assert raised.value.errors[0]["field"] == "data.timezone"


def test_an_estate_without_a_timezone_is_on_the_default():
    assert calendar.timezone_of(None) == calendar.DEFAULT_TIMEZONE == "Asia/Shanghai"
    assert calendar.timezone_of({"code": "GC-01"}) == "Asia/Shanghai"
    assert calendar.timezone_of({"timezone": "Europe/Berlin"}) == "Europe/Berlin"


def test_period_arithmetic():
    assert calendar.add_months("2026-11", 2) == "2027-01"
    assert calendar.add_months("2026-01", -1) == "2025-12"
    assert calendar.months_between("2025-11", "2026-02") == 3
    assert calendar.next_day("2026-12-31") == "2027-01-01"


@pytest.mark.parametrize("period", ["0000-01", "0001-01", "9999-12"])
def test_a_month_outside_the_calendar_is_a_400_naming_the_period(period):
    """``period=0000-01`` on costs, reconciliation and KPIs was a 500: year 0 (and the UTC bounds
    of year 1's first or year 9999's last local month) are no dates."""
    with pytest.raises(InvalidInput) as raised:
        calendar.month_bounds(period, "Asia/Shanghai")
    assert raised.value.errors[0]["field"] == "period"


def test_the_first_and_last_months_of_the_contracts_years_have_bounds():
    assert calendar.month_bounds("1900-01", "Asia/Shanghai")[0].startswith("1899-12-31T")
    assert calendar.month_bounds("2999-12", "America/New_York")[1] == "3000-01-01T05:00:00.000Z"


@pytest.mark.parametrize("period, bounds", [
    ("2026-11", ("2026-10-31T16:00:00.000Z", "2026-11-30T16:00:00.000Z")),
    ("2026-Q4", ("2026-09-30T16:00:00.000Z", "2026-12-31T16:00:00.000Z")),
    ("2026-Q1", ("2025-12-31T16:00:00.000Z", "2026-03-31T16:00:00.000Z")),
    ("2026", ("2025-12-31T16:00:00.000Z", "2026-12-31T16:00:00.000Z")),
])
def test_a_report_period_is_a_local_month_quarter_or_year(period, bounds):
    assert calendar.period_bounds(period, "Asia/Shanghai") == bounds


def test_a_quarter_in_berlin_starts_at_its_local_midnight_across_dst():
    start, end = calendar.period_bounds("2026-Q2", "Europe/Berlin")
    assert (start, end) == ("2026-03-31T22:00:00.000Z", "2026-06-30T22:00:00.000Z")


def test_a_fifth_quarter_is_not_a_period():
    with pytest.raises(ValueError):
        calendar.period_months("2026-Q5")


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "20261123", "2026-W48-1", "2026-11-23T00:00"])
def test_a_day_the_calendar_has_not_or_not_written_yyyy_mm_dd_is_400_naming_the_field(text):
    with pytest.raises(InvalidInput) as refused:
        calendar.checked_day(text, "data.date")
    assert refused.value.errors == [{"field": "data.date", "message": "is not a day of the calendar"}]


def test_a_real_day_is_its_date():
    assert calendar.checked_day("2028-02-29", "data.date") == date(2028, 2, 29)


def test_a_real_day_is_kept_as_written_and_a_false_one_is_400():
    assert calendar.checked_day_text("2028-02-29", "data.installed_on") == "2028-02-29"
    with pytest.raises(InvalidInput) as refused:
        calendar.checked_day_text("2027-02-29", "data.installed_on")
    assert refused.value.errors == [{"field": "data.installed_on", "message": "is not a day of the calendar"}]


@pytest.mark.parametrize("text, after", [("0001-01-01", False), ("9999-12-31", True)])
def test_a_filter_day_the_calendar_cannot_reach_is_a_400_naming_it(text, after):
    """0001-01-01 starts before year 1 in UTC east of Greenwich; 9999-12-31 has no day after."""
    with pytest.raises(InvalidInput) as refused:
        calendar.filter_bound(text, "filters.from", "Asia/Shanghai", after=after)
    assert refused.value.errors[0]["field"] == "filters.from"


def test_a_filter_day_is_the_estates_local_day():
    assert calendar.filter_bound("2026-11-01", "f", "Asia/Shanghai") == "2026-10-31T16:00:00.000Z"
    assert calendar.filter_bound("2026-11-01", "f", "Asia/Shanghai", after=True) == "2026-11-01T16:00:00.000Z"
    assert calendar.filter_bound("2026-11-01T03:00:00Z", "f", "Asia/Shanghai", after=True) == "2026-11-01T03:00:00.000Z"


def test_n_local_days_later_keep_the_wall_clock_time_across_dst():
    """A 7-day complaint reply registered at 10:00 PST on 5 March is due at 10:00 PDT on 12 March,
    not at 11:00 (7 x 24 h); so is every 'N days' deadline (review of the rules, 2026-12-01)."""
    registered = datetime(2026, 3, 5, 18, 0, tzinfo=timezone.utc)  # 10:00 in Los Angeles (PST)
    assert calendar.days_later(registered, 7, "America/Los_Angeles") == datetime(2026, 3, 12, 17, 0,
                                                                                 tzinfo=timezone.utc)
    october_end = calendar.month_end("2026-10", "America/Los_Angeles")  # local midnight, PDT
    assert calendar.local(calendar.days_later(october_end, 5, "America/Los_Angeles"),
                          "America/Los_Angeles").strftime("%Y-%m-%d %H:%M") == "2026-11-06 00:00"
    assert calendar.days_later(registered, -7, "America/Los_Angeles") == registered - timedelta(days=7)
    shanghai = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # no DST: exactly N x 24 h
    assert calendar.days_later(shanghai, 3, "Asia/Shanghai") == shanghai + timedelta(days=3)


def test_a_lists_window_has_its_bounds_and_refuses_a_to_before_its_from():
    """``?from=2026-12-01&to=2026-01-01`` answered an empty page on the requests and archive lists
    where ``…/archive/verify`` answers 400 (found by a bad-input probe)."""
    tz = "Asia/Shanghai"
    assert calendar.filter_window({}, tz) == (None, None, False)
    assert calendar.filter_window({"from": "2026-11-01", "to": "2026-11-01"}, tz) == (
        "2026-10-31T16:00:00.000Z", "2026-11-01T16:00:00.000Z", False)  # one whole local day
    assert calendar.filter_window({"to": "2026-11-01T08:00:00Z"}, tz) == (None, "2026-11-01T08:00:00.000Z", True)
    moment = "2026-11-01T08:00:00Z"
    assert calendar.filter_window({"from": moment, "to": moment}, tz)[2] is True  # one instant
    for reversed_window in ({"from": "2026-12-01", "to": "2026-01-01"}, {"from": "2026-11-02", "to": "2026-11-01"},
                            {"from": "2026-11-01T08:00:01Z", "to": moment}):
        with pytest.raises(InvalidInput) as refused:
            calendar.filter_window(reversed_window, tz)
        assert refused.value.errors == [{"field": "filters.to", "message": "must not be below from"}]


def test_a_lists_window_is_the_condition_on_the_timestamp_it_bounds():
    tz = "Asia/Shanghai"
    assert calendar.filter_range({}, tz) is None
    assert calendar.filter_range({"from": "2026-11-01", "to": "2026-11-01"}, tz) == {
        "$gte": "2026-10-31T16:00:00.000Z", "$lt": "2026-11-01T16:00:00.000Z"}
    assert calendar.filter_range({"to": "2026-11-01T08:00:00Z"}, tz) == {"$lte": "2026-11-01T08:00:00.000Z"}
    assert calendar.filter_range({"from": "2026-11-01"}, tz) == {"$gte": "2026-10-31T16:00:00.000Z"}
    with pytest.raises(InvalidInput):
        calendar.filter_range({"from": "2026-12-01", "to": "2026-01-01"}, tz)


def test_a_wall_clock_series_follows_the_clock_across_a_dst_change():
    """A patrol plan's hourly rounds from 22:00: the night Berlin's clocks go back (25 October
    2026, 03:00 CEST -> 02:00 CET) the sixth is 03:00 CET, as the printed schedule says, not 02:00
    CET (found by a probe); the night they go forward 02:00 does not exist and is given once."""
    hourly = timedelta(hours=1)
    back = calendar.wall_clock_series("2026-10-24", "22:00", hourly, 6, "Europe/Berlin")
    assert [t.strftime("%H:%M") for t in back] == ["20:00", "21:00", "22:00", "23:00", "00:00", "02:00"]
    assert [calendar.local(t, "Europe/Berlin").strftime("%H:%M") for t in back] == [
        "22:00", "23:00", "00:00", "01:00", "02:00", "03:00"]
    forward = calendar.wall_clock_series("2026-03-28", "23:00", hourly, 5, "Europe/Berlin")
    assert [calendar.local(t, "Europe/Berlin").strftime("%H:%M") for t in forward] == [
        "23:00", "00:00", "01:00", "03:00"]  # 02:00 is read as 03:00, given once
    assert calendar.wall_clock_series("2026-11-23", "22:00", hourly, 3, "Asia/Shanghai")[0].isoformat() == \
        "2026-11-23T14:00:00+00:00"


def test_a_month_after_a_months_last_days_is_the_shorter_months_last_day():
    assert calendar.months_after(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert calendar.months_after(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert calendar.months_after(date(2026, 1, 31), 2) == date(2026, 3, 31)
    assert calendar.months_after(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert calendar.months_after(date(2026, 1, 15), 12) == date(2027, 1, 15)
    assert calendar.months_after(date(2026, 3, 31), -1) == date(2026, 2, 28)
