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
