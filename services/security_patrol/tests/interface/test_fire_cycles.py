"""The estate's cycle of fire checks (``fire_check_interval_months``) and its grace days
(``fire_check_grace_days``): DOMAIN.md's "every fire facility is checked monthly" is both their
default and their bound. A probe set a yearly cycle and 27 grace days; an estate may check more
strictly, not less, and a cycle or grace stored before the bounds applies as monthly with none."""
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


@pytest.mark.parametrize("name, value", [
    ("fire_check_interval_months", 2), ("fire_check_interval_months", 3), ("fire_check_interval_months", 12),
    ("fire_check_interval_months", 5), ("fire_check_interval_months", 0), ("fire_check_interval_months", "3"),
    ("fire_check_interval_months", True), ("fire_check_grace_days", 1), ("fire_check_grace_days", 27),
    ("fire_check_grace_days", -1),
])
def test_a_fire_check_less_often_than_monthly_is_refused_naming_the_setting(patrol, name, value):
    """A 400 naming the setting (the call's contract: its body is the PUT's; behind it the
    service's own bounds, ``rules.MAXIMA``, tested in unit/test_fire.py), never a 500."""
    as_caller(patrol, MANAGER)
    with pytest.raises(InvalidInput) as refused:
        patrol.update_settings({"estate_id": ESTATE, "data": {name: value}})
    assert {e["field"] for e in refused.value.errors} == {f"data.{name}"}
    shown = patrol.get_settings({"estate_id": ESTATE})
    assert shown["values"][name] == {"fire_check_interval_months": 1, "fire_check_grace_days": 0}[name]
    assert shown["overrides"] == {}


def test_monthly_with_no_grace_is_the_default_and_may_be_set(patrol):
    as_caller(patrol, MANAGER)
    defaults = patrol.get_settings({"estate_id": ESTATE})["defaults"]
    assert (defaults["fire_check_interval_months"], defaults["fire_check_grace_days"]) == (1, 0)
    shown = settle(patrol, fire_check_interval_months=1, fire_check_grace_days=0)
    assert shown["overrides"] == {"fire_check_interval_months": 1, "fire_check_grace_days": 0}


def test_a_quarterly_cycle_with_grace_days_stored_before_the_bounds_is_checked_monthly(patrol):
    """Stored when an estate could check quarterly with 27 grace days: each month owes its own
    check by its end, a check the day after is the new month's, and the notice comes at once."""
    patrol.db.settings.insert_one({"_id": ESTATE, "estate_id": ESTATE,
                                   "values": {"fire_check_interval_months": 3, "fire_check_grace_days": 27}})
    as_caller(patrol, MANAGER)
    shown = patrol.get_settings({"estate_id": ESTATE})
    assert (shown["values"]["fire_check_interval_months"], shown["values"]["fire_check_grace_days"]) == (1, 0)
    as_caller(patrol, GUARD)
    clock.freeze(clock.parse_iso("2027-01-05T02:00:00Z"))
    one, two = register(patrol, "FE-1"), register(patrol, "FE-2")
    inspect(patrol, one)
    assert patrol.sweep_fire_checks(clock.parse_iso("2027-01-31T15:59:00Z")) == 0  # 23:59 on 31 January
    assert patrol.sweep_fire_checks(clock.parse_iso("2027-01-31T16:00:00Z")) == 1  # midnight: no grace days
    clock.freeze(clock.parse_iso("2027-02-01T02:00:00Z"))  # 10:00 on 1 February in the estate
    assert inspect(patrol, two)["period"] == "2027-02"  # February's: January's was due by its end
    assert unchecked(patrol, "2027-01") == ["FE-2"] and unchecked(patrol, "2027-02") == ["FE-1"]
    assert patrol.sweep_fire_checks(clock.now()) == 0
    assert overdue(patrol) == [("FE-2", "2027-01")]
    assert "interval_months" not in patrol.outbox.of_type("fire_check_overdue")[0]["data"]
    assert fire_kpi(patrol, "2027-01") == (1, 2)


def test_a_quarterly_cycle_set_before_the_bounds_owes_monthly_checks_only_from_them(patrol):
    """Read as monthly for the months it closed before, the first sweep made every one of them a
    notice, with its event and webhook (found by review): a month that fell due under the estate's
    quarterly cycle is judged by it; December, due after the bounds, is owed."""
    from estate_common import settings
    settings.replace(patrol.db, ESTATE, {"fire_check_interval_months": 3}, "2026-06-01T00:00:00.000Z", "wu")
    clock.freeze(clock.parse_iso("2026-10-05T02:00:00Z"))
    one = register(patrol, "FE-1")
    inspect(patrol, one)  # October, the fourth quarter's check
    clock.freeze(clock.parse_iso("2027-01-10T02:00:00Z"))
    patrol.sweep_fire_checks(clock.now())
    assert overdue(patrol) == [("FE-1", "2026-12")]  # not November, due under the quarterly cycle


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
