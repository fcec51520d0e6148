"""The estate's cycle of fire checks (``fire_check_interval_months``): DOMAIN.md's "checked
monthly" is its default; an estate may check once a cycle of 2, 3, 4, 6 or 12 months, aligned to
its calendar year. A check in any month of the cycle counts for it, the cycle's notices come once
after its last month plus the grace days, and the KPI counts a cycle in the period of its last month."""
import pytest

from estate_common import clock
from estate_common.errors import InvalidInput
from estate_common.testing import as_caller, staff

from .test_service import ESTATE, GUARD, inspect, patrol, register, unchecked  # noqa: F401 (fixture)

MANAGER = staff("wu", ["manager"], [ESTATE])


def settle(patrol, **values):
    as_caller(patrol, MANAGER)
    shown = patrol.update_settings({"estate_id": ESTATE, "data": values})
    as_caller(patrol, GUARD)
    return shown


def fire_kpi(patrol, period):
    shown = patrol.kpis({"period": period, "estate_ids": [ESTATE]})["estates"][ESTATE]["fire_check_completion"]
    return shown["numerator"], shown["denominator"]


def overdue(patrol):
    return [(e["data"]["equipment_code"], e["data"]["period"]) for e in patrol.outbox.of_type("fire_check_overdue")]


@pytest.mark.parametrize("value", [5, 7, 8, 9, 10, 11, 0, 13, 24, "3", True])
def test_an_interval_that_does_not_divide_the_year_is_refused_naming_the_setting(patrol, value):
    """A 400 naming the setting (the call's contract: its body is the PUT's; behind it the
    service's own check, ``rules.ALLOWED``, tested in unit/test_fire.py), never a 500."""
    as_caller(patrol, MANAGER)
    with pytest.raises(InvalidInput) as refused:
        patrol.update_settings({"estate_id": ESTATE, "data": {"fire_check_interval_months": value}})
    assert {e["field"] for e in refused.value.errors} == {"data.fire_check_interval_months"}
    shown = patrol.get_settings({"estate_id": ESTATE})
    assert shown["values"]["fire_check_interval_months"] == 1 and shown["overrides"] == {}


def test_each_interval_that_divides_the_year_is_taken_and_monthly_is_the_default(patrol):
    as_caller(patrol, MANAGER)
    assert patrol.get_settings({"estate_id": ESTATE})["defaults"]["fire_check_interval_months"] == 1
    for value in (1, 2, 3, 4, 6, 12):
        shown = patrol.update_settings({"estate_id": ESTATE, "data": {"fire_check_interval_months": value}})
        assert shown["values"]["fire_check_interval_months"] == value


def quarterly_ledger(patrol):
    """Quarterly from 5 January 2027, three facilities registered that day."""
    clock.freeze(clock.parse_iso("2027-01-05T02:00:00Z"))
    settle(patrol, fire_check_interval_months=3)
    return [register(patrol, code) for code in ("FE-1", "FE-2", "FE-3")]


def test_a_check_in_the_second_month_of_a_quarter_satisfies_the_quarter(patrol):
    one, two, _ = quarterly_ledger(patrol)
    clock.freeze(clock.parse_iso("2027-02-10T02:00:00Z"))
    assert inspect(patrol, one)["period"] == "2027-02"  # filed under the month it was recorded in
    assert unchecked(patrol, "2027-02") == ["FE-2", "FE-3"]
    assert unchecked(patrol, "2027-01") == ["FE-1", "FE-2", "FE-3"]  # January's own checks: none yet
    clock.freeze(clock.parse_iso("2027-03-10T02:00:00Z"))
    inspect(patrol, two)
    assert unchecked(patrol, "2027-03") == ["FE-3"]  # FE-1's February check counts for March's quarter
    clock.freeze(clock.parse_iso("2027-04-10T02:00:00Z"))
    assert unchecked(patrol, "2027-04") == ["FE-1", "FE-2", "FE-3"]  # a new quarter owes new checks


def test_a_quarters_notice_comes_once_after_its_deadline_plus_the_grace_and_not_before(patrol):
    one, two, three = quarterly_ledger(patrol)
    settle(patrol, fire_check_interval_months=3, fire_check_grace_days=2)
    clock.freeze(clock.parse_iso("2027-02-10T02:00:00Z"))
    inspect(patrol, one)
    for moment in ("2027-01-31T16:00:00Z", "2027-02-28T16:00:00Z",  # months end inside the quarter: not due
                   "2027-03-31T16:00:00Z",  # the quarter's end: its grace days run
                   "2027-04-02T15:59:00Z"):  # 23:59 on 2 April in the estate
        assert patrol.sweep_fire_checks(clock.parse_iso(moment)) == 0, moment
    clock.freeze(clock.parse_iso("2027-04-01T02:00:00Z"))  # in the grace days: FE-2's check is the quarter's
    assert inspect(patrol, two)["period"] == "2027-03"
    assert inspect(patrol, one)["period"] == "2027-04"  # FE-1 has its quarter's check: this one is April's
    clock.freeze(clock.parse_iso("2027-04-02T16:00:00Z"))  # midnight of 3 April: the first quarter is late
    assert patrol.sweep_fire_checks(clock.now()) == 1
    assert patrol.sweep_fire_checks(clock.parse_iso("2027-05-20T02:00:00Z")) == 0  # once per facility and quarter
    [raised] = patrol.outbox.of_type("fire_check_overdue")
    assert raised["data"]["equipment_id"] == three["id"]
    assert (raised["data"]["period"], raised["data"]["interval_months"], raised["data"]["due_at"]) == (
        "2027-01", 3, "2027-04-02T16:00:00.000Z")
    listed = patrol.list_fire_check_overdues({"estate_id": ESTATE, "filters": {"period": "2027-01"}})["items"]
    assert [(n["equipment_code"], n["interval_months"]) for n in listed] == [("FE-3", 3)]


def test_the_kpi_of_a_month_inside_a_quarter_and_of_the_quarter(patrol):
    one, two, _ = quarterly_ledger(patrol)
    clock.freeze(clock.parse_iso("2027-02-10T02:00:00Z"))
    inspect(patrol, one)
    assert fire_kpi(patrol, "2027-Q1") == (0, 0)  # its checks are due by March's end: no data before
    clock.freeze(clock.parse_iso("2027-03-10T02:00:00Z"))
    assert fire_kpi(patrol, "2027-Q1") == (1, 3)  # March, the quarter's last month: its checks so far
    inspect(patrol, two)
    later = register(patrol, "FE-4")  # registered in March: the quarter owes its check
    clock.freeze(clock.parse_iso("2027-04-10T02:00:00Z"))
    assert fire_kpi(patrol, "2027-01") == (0, 0)  # nothing was due in January or February
    assert fire_kpi(patrol, "2027-02") == (0, 0)
    assert fire_kpi(patrol, "2027-03") == (2, 4)  # the quarter, counted in the month it was due by
    assert fire_kpi(patrol, "2027-Q1") == (2, 4)  # one cycle: each facility owed one check
    assert fire_kpi(patrol, "2027-04") == (0, 0)
    inspect(patrol, later)
    assert fire_kpi(patrol, "2027-Q2") == (0, 0)  # due by June's end
    assert fire_kpi(patrol, "2027") == (2, 4)  # the year so far: the first quarter


def test_a_change_of_the_interval_applies_from_then_on(patrol):
    """Back to monthly in February: January fell due under the quarterly cycle (nothing was owed
    by its end), so it raises no notice; February is a month of its own again. The KPIs of a
    period over keep the cycle in force at its end."""
    one, _, _ = quarterly_ledger(patrol)
    clock.freeze(clock.parse_iso("2027-02-10T02:00:00Z"))
    settle(patrol, fire_check_interval_months=1)
    assert patrol.sweep_fire_checks(clock.now()) == 0  # January is past its monthly deadline, but was quarterly
    inspect(patrol, one)
    clock.freeze(clock.parse_iso("2027-02-28T16:00:00Z"))  # February's checks are late
    assert patrol.sweep_fire_checks(clock.now()) == 2
    assert overdue(patrol) == [("FE-2", "2027-02"), ("FE-3", "2027-02")]
    assert "interval_months" not in patrol.outbox.of_type("fire_check_overdue")[0]["data"]
    assert fire_kpi(patrol, "2027-01") == (0, 0)  # quarterly then: nothing was due by its end
    assert fire_kpi(patrol, "2027-02") == (1, 3)


def test_a_quarter_whose_first_month_had_its_monthly_notice_has_its_own(patrol):
    """Monthly, then quarterly from February: January's notice and the first quarter's share a
    first month, and the quarter's was taken for raised already (found by review)."""
    quarterly_ledger(patrol)
    settle(patrol, fire_check_interval_months=1)
    clock.freeze(clock.parse_iso("2027-02-03T02:00:00Z"))
    assert patrol.sweep_fire_checks(clock.now()) == 3  # January, monthly: none checked
    clock.freeze(clock.parse_iso("2027-02-10T02:00:00Z"))
    settle(patrol, fire_check_interval_months=3)
    clock.freeze(clock.parse_iso("2027-04-03T02:00:00Z"))
    assert patrol.sweep_fire_checks(clock.now()) == 3  # the first quarter, unchecked too
    assert patrol.sweep_fire_checks(clock.now()) == 0
    notices = [(e["data"]["period"], e["data"].get("interval_months"))
               for e in patrol.outbox.of_type("fire_check_overdue")]
    assert sorted(set(notices), key=str) == [("2027-01", 3), ("2027-01", None)]


def test_monthly_checks_raise_the_notices_they_always_did(patrol):
    """The default interval, set or not: the same notices, ids and event data as before."""
    settle(patrol, fire_check_interval_months=1)
    clock.freeze(clock.parse_iso("2026-10-20T02:00:00Z"))
    one, two = register(patrol, "FE-1"), register(patrol, "FE-2")
    inspect(patrol, one)
    clock.freeze(clock.parse_iso("2026-11-10T02:00:00Z"))
    inspect(patrol, two)
    assert unchecked(patrol, "2026-11") == ["FE-1"] and unchecked(patrol, "2026-10") == ["FE-2"]
    clock.freeze(clock.parse_iso("2026-11-30T16:00:00Z"))
    assert patrol.sweep_fire_checks(clock.now()) == 2
    assert overdue(patrol) == [("FE-2", "2026-10"), ("FE-1", "2026-11")]
    [october, _] = patrol.outbox.of_type("fire_check_overdue")
    assert set(october["data"]) == {"id", "equipment_id", "equipment_code", "equipment_name", "location",
                                    "period", "due_at", "raised_at"}
    assert october["data"]["due_at"] == "2026-10-31T16:00:00.000Z"
    assert fire_kpi(patrol, "2026-Q4") == (2, 6)  # October 1 of 2, November 1 of 2, December 0 of 2
