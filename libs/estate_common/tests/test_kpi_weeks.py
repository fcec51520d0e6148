"""ISO weeks as KPI periods (found by a typhoon probe: ``?period=2026-W49`` across estates was a 400).

A week is Monday 00:00 to the next Monday 00:00 on the estate's calendar, as a month is its local
midnights (``calendar.period_window``, the one place a KPI period becomes its bounds)."""
import pytest

from estate_common import calendar
from estate_common.errors import InvalidInput
from estate_common.kpis import BY_THE_MONTH, by_the_month, period_bounds


def test_a_week_is_monday_to_sunday_on_the_estates_calendar():
    assert period_bounds("2026-W49", "Asia/Shanghai") == ("2026-11-29T16:00:00.000Z", "2026-12-06T16:00:00.000Z")
    assert period_bounds("2026-W49", "UTC") == ("2026-11-30T00:00:00.000Z", "2026-12-07T00:00:00.000Z")


def test_a_week_far_east_and_far_west_of_utc_starts_at_its_own_midnight():
    # UTC+14 (Kiribati's Line Islands) begins its Monday the Sunday before in UTC; UTC-11 (Niue) late on Monday
    assert period_bounds("2026-W49", "Pacific/Kiritimati") == ("2026-11-29T10:00:00.000Z",
                                                               "2026-12-06T10:00:00.000Z")
    assert period_bounds("2026-W49", "Pacific/Niue") == ("2026-11-30T11:00:00.000Z", "2026-12-07T11:00:00.000Z")


def test_iso_week_years_at_a_year_end():
    # 2026 has 53 weeks (1 January 2026 a Thursday): W53 runs into 2027, whose W01 starts on 4 January
    assert period_bounds("2026-W53", "UTC") == ("2026-12-28T00:00:00.000Z", "2027-01-04T00:00:00.000Z")
    assert period_bounds("2027-W01", "UTC") == ("2027-01-04T00:00:00.000Z", "2027-01-11T00:00:00.000Z")
    assert period_bounds("2020-W53", "UTC") == ("2020-12-28T00:00:00.000Z", "2021-01-04T00:00:00.000Z")
    # 2026-W01 begins in 2025
    assert period_bounds("2026-W01", "UTC") == ("2025-12-29T00:00:00.000Z", "2026-01-05T00:00:00.000Z")
    assert calendar.weeks_in_year(2026) == 53 and calendar.weeks_in_year(2027) == 52


def test_a_week_its_year_has_not_is_a_400_naming_the_period():
    with pytest.raises(InvalidInput) as refused:
        period_bounds("2027-W53", "UTC")
    assert refused.value.errors[0]["field"] == "period"
    assert refused.value.errors[0]["message"] == "2027-W53 is not an ISO week of 2027, which has 52 weeks"
    with pytest.raises(InvalidInput):
        calendar.week_monday("2026-W00")


def test_a_week_across_a_month_end_is_one_period_and_no_run_of_months():
    assert period_bounds("2026-W05", "Asia/Shanghai") == ("2026-01-25T16:00:00.000Z", "2026-02-01T16:00:00.000Z")
    with pytest.raises(ValueError):
        calendar.months_of("2026-W05")
    assert calendar.last_month("2026-W05") == "2026-02"


def test_a_weeks_year_to_date_counts_the_year_of_its_sunday():
    assert calendar.period_year("2026-W53") == "2027"
    assert calendar.period_year("2020-W53") == "2021"
    assert calendar.period_year("2026-W01") == "2026"
    assert calendar.period_year("2026-W49") == "2026"
    assert [calendar.period_year(p) for p in ("2026-11", "2026-Q4", "2026")] == ["2026"] * 3


def test_a_kpi_counted_by_the_month_is_no_data_of_a_week_and_says_why():
    shown = by_the_month("the steward's contact is owed once a month", target=1)
    assert shown["value"] is None and (shown["numerator"], shown["denominator"]) == (0, 0)
    assert shown["target"] == 1 and shown["note"].startswith(BY_THE_MONTH + ": ")


class _Caller:
    def require_estate(self, estate_id):
        pass


def test_a_weeks_year_to_date_owes_nothing_while_its_sundays_year_has_not_begun():
    """2026-W53 (28 December 2026 to 3 January 2027) counts 2027 so far. Asked on 29 December the
    week has begun, 2027 has not: its obligations owe nothing yet, as a year to come's KPIs and
    GET …/reports/year-obligations answer it (``not_begun``), where the week showed 0 of 2 surveys
    of 2027 owed, and added them to the operator-wide totals (found by review r2 of h2). The
    week's own figures stay; from 1 January, 2027 so far."""
    from estate_common import clock
    from estate_common.kpis import kpi, owed_a_year, per_estate_month, year_to_date

    def block(estate_id, rules, start, end):
        return {"surveys_year_to_date": year_to_date(0, owed_a_year(2, calendar.period_year("2026-W53"), None,
                                                                    rules["timezone"]), "surveys"),
                "major_safety_incidents": kpi(1, 1, "count")}

    def asked():
        return per_estate_month(_Caller(), "2026-W53", ["e1"], lambda e, as_of=None: {"timezone": "Asia/Shanghai"},
                                block)["estates"]["e1"]
    try:
        clock.freeze(clock.parse_iso("2026-12-29T02:00:00Z"))
        early = asked()
        assert (early["surveys_year_to_date"]["numerator"], early["surveys_year_to_date"]["denominator"]) == (0, 0)
        assert early["surveys_year_to_date"]["value"] is None and early["surveys_year_to_date"]["yearly"]["owed"] == 0
        assert early["major_safety_incidents"]["numerator"] == 1
        clock.freeze(clock.parse_iso("2026-12-31T16:00:00Z"))  # 1 January 2027 00:00 in Shanghai
        assert asked()["surveys_year_to_date"]["denominator"] == 2
    finally:
        clock.reset()


@pytest.mark.parametrize("period, share", [("2026-W48", (7, 30)), ("2026-W44", (7, 31)), ("2026-W53", (7, 31)),
                                           ("2026-W09", (7, 28)), ("2026-11", None), ("2026-Q4", None)])
def test_a_weeks_share_of_its_month_is_of_the_month_of_its_thursday(period, share):
    """h7: the valid-complaint rate's month target judges a week by 7 of its month's days, the month of
    its Thursday (2026-W53, 28 December to 3 January: December's; 2026-W09, 23 February to 1 March:
    February's 28)."""
    from estate_common import calendar
    assert calendar.week_share_of_month(period) == share
