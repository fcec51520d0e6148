"""The KPI shape and the month a period names."""
import pytest

from estate_common.kpis import kpi, month_bounds, per_estate, per_estate_month, ratio


def test_a_kpi_shows_what_it_divides():
    assert kpi(2, 3) == {"numerator": 2, "denominator": 3, "value": 0.6667, "unit": "ratio"}
    assert kpi(1, 8, unit="score", target=1.0, note="n") == {
        "numerator": 1, "denominator": 8, "value": 0.125, "unit": "score", "target": 1.0, "note": "n"}


def test_no_denominator_is_no_data_not_zero():
    assert kpi(0, 0)["value"] is None
    assert ratio(5, 0) is None


def test_values_round_half_up_to_four_places():
    assert ratio(1, 16) == 0.0625
    assert ratio(1, 32) == 0.0313  # 0.03125: half up (banker's rounding would give 0.0312)
    assert ratio(3, 2000, scale=1000) == 1.5  # a rate per 1,000


@pytest.mark.parametrize("period, tz, bounds", [
    ("2026-11", "UTC", ("2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z")),
    ("2026-12", "UTC", ("2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z")),
    ("2027-02", "UTC", ("2027-02-01T00:00:00.000Z", "2027-03-01T00:00:00.000Z")),
    ("2026-11", "Asia/Shanghai", ("2026-10-31T16:00:00.000Z", "2026-11-30T16:00:00.000Z")),  # UTC+8
    # Berlin: October starts in summer time (UTC+2) and ends in winter time (UTC+1)
    ("2026-10", "Europe/Berlin", ("2026-09-30T22:00:00.000Z", "2026-10-31T23:00:00.000Z")),
])
def test_a_period_is_the_estates_calendar_month(period, tz, bounds):
    assert month_bounds(period, tz) == bounds


class Caller:
    def __init__(self, estates):
        self.estates, self.checked = estates, []

    def require_estate(self, estate_id):
        self.checked.append(estate_id)
        if estate_id not in self.estates:
            raise PermissionError(estate_id)


def test_per_estate_checks_each_estate_before_reading_it():
    caller = Caller({"e1"})
    read = []
    assert per_estate(caller, "2026-11", ["e1"], lambda e: read.append(e) or {"n": 1}) == {
        "period": "2026-11", "estates": {"e1": {"n": 1}}}
    with pytest.raises(PermissionError):
        per_estate(caller, "2026-11", ["e1", "e2"], lambda e: read.append(e) or {})
    assert read == ["e1", "e1"]


def test_per_estate_month_hands_the_rules_and_the_estates_calendar_month():
    rules = {"timezone": "Asia/Shanghai"}
    answer = per_estate_month(Caller({"e1"}), "2026-11", ["e1"], lambda e, as_of=None: rules,
                              lambda e, r, start, end: {"bounds": (start, end), "rules": r})
    assert answer["estates"]["e1"] == {"bounds": month_bounds("2026-11", "Asia/Shanghai"), "rules": rules}


def test_a_period_over_takes_the_rules_in_force_at_its_end():
    """A past period's targets followed the settings changed since (from the left list)."""
    from estate_common import clock
    asked = []

    def rules_for(estate_id, as_of=None):
        asked.append(as_of)
        return {"timezone": "UTC", "target": 1 if as_of else 2}
    clock.freeze(clock.parse_iso("2026-12-15T00:00:00Z"))
    try:
        def target(period):
            asked.clear()
            return per_estate_month(Caller({"e1"}), period, ["e1"], rules_for,
                                    lambda e, r, start, end: {"target": r["target"]})["estates"]["e1"]["target"]
        assert target("2026-11") == 1 and asked == [None, "2026-12-01T00:00:00.000Z"]
        assert target("2026-12") == 2 and asked == [None]  # not over: today's
    finally:
        clock.reset()


def test_a_kpi_period_is_a_month_a_quarter_or_a_year_of_the_estates_calendar():
    from estate_common import calendar
    from estate_common.kpis import period_bounds
    assert calendar.months_of("2026-11") == ["2026-11"]
    assert calendar.months_of("2026-Q4") == ["2026-10", "2026-11", "2026-12"]
    assert calendar.months_of("2026") == [f"2026-{m:02d}" for m in range(1, 13)]
    assert period_bounds("2026-Q4", "Asia/Shanghai") == ("2026-09-30T16:00:00.000Z", "2026-12-31T16:00:00.000Z")
    assert period_bounds("2026", "UTC") == ("2026-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z")


def test_a_period_not_begun_on_the_estates_calendar_is_no_data():
    """December counted on 30 November showed a valid-complaint rate of 0 (target met): a period
    to come has no data, each KPI's unit, target and note kept (found by review)."""
    from estate_common import clock
    block = {"valid_complaint_rate": kpi(0, 350, "ratio", target=0.01, note="valid complaints / households"),
             "major_incidents": kpi(0, 1, "count")}

    def answer(tz):
        return per_estate_month(Caller({"e1"}), "2026-12", ["e1"], lambda e: {"timezone": tz},
                                lambda e, r, start, end: block)["estates"]["e1"]
    clock.freeze(clock.parse_iso("2026-11-30T15:59:00Z"))  # 23:59 on 30 November in Shanghai
    waiting = answer("Asia/Shanghai")
    assert waiting["valid_complaint_rate"] == {"numerator": 0, "denominator": 0, "value": None, "unit": "ratio",
                                               "target": 0.01, "note": "valid complaints / households"}
    assert waiting["major_incidents"]["value"] is None
    clock.freeze(clock.parse_iso("2026-11-30T16:00:00Z"))  # December has begun there (the clock is reset after)
    assert answer("Asia/Shanghai") == block
    assert answer("America/Los_Angeles")["valid_complaint_rate"]["value"] is None  # not yet in LA


def test_a_year_to_come_owes_nothing_in_its_kpis_yearly_block():
    """A year not begun showed "no data" with its ``yearly`` still owing the whole year, where ``GET
    …/reports/year-obligations`` answers it owed 0, not begun (found by this session's probes): a
    KPI "no data" says its year owes nothing, as ``before_the_estate``'s do."""
    from estate_common import clock
    from estate_common.kpis import not_begun, owed_a_year, year_to_date
    yearly = owed_a_year(2, "2027", None, "Asia/Shanghai")
    block = {"survey_completion": year_to_date(0, yearly, "surveys"), "major_incidents": kpi(0, 1, "count")}
    waiting = not_begun(block)
    assert waiting["survey_completion"]["yearly"] == {"per_year": 2, "owed": 0}
    assert waiting["survey_completion"]["value"] is None and "yearly" not in waiting["major_incidents"]
    assert block["survey_completion"]["yearly"]["owed"] == 2  # the block itself untouched
    clock.freeze(clock.parse_iso("2026-11-30T16:00:00Z"))
    answered = per_estate_month(Caller({"e1"}), "2027", ["e1"], lambda e: {"timezone": "Asia/Shanghai"},
                                lambda e, r, start, end: block)["estates"]["e1"]
    assert answered["survey_completion"]["yearly"]["owed"] == 0


def test_a_services_other_calls_run_between_estates():
    """Under eventlet, figures read from the embedded store are no I/O: a thousand estates' held
    every other call of the service (found by a probe). A call that came in meanwhile runs
    before the figures are done."""
    import subprocess
    import sys
    program = """
import eventlet
eventlet.monkey_patch()
import time
from estate_common.kpis import per_estate

class Caller:
    def require_estate(self, estate_id):
        pass

order = []

def busy(estate_id):  # 5 ms of CPU an estate, as reading its documents from memory
    until = time.perf_counter() + 0.005
    while time.perf_counter() < until:
        pass
    return {}

figures = eventlet.spawn(lambda: per_estate(Caller(), "2026-11", [str(n) for n in range(40)], busy))
eventlet.sleep(0)  # the figures have begun
eventlet.spawn(order.append, "household page")
figures.wait()
order.append("figures")
print(order)
"""
    shown = subprocess.run([sys.executable, "-c", program], check=True, capture_output=True, text=True).stdout
    assert shown.strip() == "['household page', 'figures']"


# -- what an obligation of N a year owes (the estate's first, partial year pro rata) ---------------

@pytest.mark.parametrize("since, tz, months", [
    ("2026-10-15T02:00:00Z", "Asia/Shanghai", 3),  # October, November, December
    ("2026-09-30T15:59:00Z", "Asia/Shanghai", 4),  # 23:59 on 30 September there: its last day counts the month
    ("2026-09-30T16:00:00Z", "Asia/Shanghai", 3),  # 00:00 on 1 October there, still 30 September in UTC
    ("2026-03-31T21:30:00Z", "Europe/Berlin", 10),  # 23:30 on 31 March, summer time (UTC+2) since the 29th
    ("2026-03-31T22:30:00Z", "Europe/Berlin", 9),  # 00:30 on 1 April: an hour later than winter time's midnight
    ("2026-12-31T10:00:00Z", "Asia/Shanghai", 1),  # the year's last day: December kept, a month
    ("2026-02-28T15:00:00Z", "Asia/Shanghai", 11),  # 23:00 on February's last day
])
def test_the_estates_first_year_owes_from_the_month_of_its_registration_on_its_clock(since, tz, months):
    """An estate taken on in October was "missed" at year end for surveys, visits, drills and
    checks it could not have made: in its first year an obligation of N a year owes N x the months
    kept (its registration's month counting whole, on the estate's calendar) / 12, rounded up."""
    from estate_common.kpis import owed_a_year
    day = calendar_day(since, tz)
    shown = owed_a_year(12, 2026, since, tz)
    assert shown == {"per_year": 12, "owed": months, "months_kept": months, "registered_on": day}
    assert owed_a_year(1, 2026, since, tz)["owed"] == 1  # never nothing: a share of one survey is one survey
    assert owed_a_year(2, 2026, since, tz)["owed"] == -(-2 * months // 12)


def calendar_day(since, tz):
    from estate_common import calendar, clock
    return calendar.day_of(clock.parse_iso(since), tz)


@pytest.mark.parametrize("per_year, months, owed", [
    (1, 1, 1), (1, 11, 1), (2, 1, 1), (2, 6, 1), (2, 7, 2), (2, 11, 2), (3, 4, 1), (3, 5, 2), (12, 5, 5), (5, 3, 2),
])
def test_a_share_of_the_year_is_rounded_up_never_to_nothing_nor_past_the_year(per_year, months, owed):
    from estate_common.kpis import owed_a_year
    since = f"2026-{13 - months:02d}-10T02:00:00Z"
    assert owed_a_year(per_year, 2026, since, "UTC")["owed"] == owed
    assert 1 <= owed <= per_year


@pytest.mark.parametrize("since", [
    None,  # a copy from before estate events carried their registration
    "2025-06-01T02:00:00Z",  # registered in an earlier year
    "2026-01-20T02:00:00Z",  # in January: the whole year kept
    "2025-12-31T16:30:00Z",  # 00:30 on 1 January 2026 in Shanghai: the whole of 2026
])
def test_a_whole_year_kept_owes_the_whole_year(since):
    from estate_common.kpis import owed_a_year
    assert owed_a_year(2, 2026, since, "Asia/Shanghai") == {"per_year": 2, "owed": 2}
    assert owed_a_year(2, "2026", since, "Asia/Shanghai") == {"per_year": 2, "owed": 2}


def test_a_year_before_the_estate_is_left_to_before_the_estate():
    """2025 of an estate registered in 2026 owes the whole year here: ``before_the_estate`` shows it
    "no data" unless something was recorded for it, which then counts as it always did."""
    from estate_common.kpis import before_the_estate, owed_a_year, year_to_date
    since = "2026-03-10T02:00:00Z"
    assert owed_a_year(2, 2025, since, "Asia/Shanghai") == {"per_year": 2, "owed": 2}
    block = {"checks": year_to_date(0, owed_a_year(2, 2025, since, "Asia/Shanghai"), "checks")}
    shown = before_the_estate(block, ["checks"], since, "2026-01-01T00:00:00.000Z", "Asia/Shanghai")["checks"]
    assert (shown["numerator"], shown["denominator"], shown["value"]) == (0, 0, None)
    assert shown["yearly"] == {"per_year": 2, "owed": 0}  # nothing owed by a period before the estate


def test_a_years_obligation_shows_what_it_owes_beside_the_setting():
    from estate_common.kpis import owed_a_year, year_to_date
    full = year_to_date(1, owed_a_year(2, 2026, None, "UTC"), "fire drills held")
    assert full == {"numerator": 1, "denominator": 2, "value": 0.5, "unit": "ratio", "target": 1,
                    "note": "fire drills held this year so far / 2 a year", "yearly": {"per_year": 2, "owed": 2}}
    first = year_to_date(1, owed_a_year(2, 2026, "2026-10-15T02:00:00Z", "Asia/Shanghai"), "fire drills held")
    assert (first["numerator"], first["denominator"], first["value"]) == (1, 1, 1.0)
    assert first["note"] == ("fire drills held this year so far / 1 owed: 2 a year pro rata to the 3 of 12 months "
                             "from the estate's registration on 2026-10-15")
    assert first["yearly"] == {"per_year": 2, "owed": 1, "months_kept": 3, "registered_on": "2026-10-15"}
