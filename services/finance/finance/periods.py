"""Periods (billing months, ``YYYY-MM``) and days (``YYYY-MM-DD``) in the estate's local time.

Stored timestamps are UTC; an estate's months and days begin at its local midnight, in
its IANA ``timezone`` (estate master data, which ``store.rules_for`` puts into ``rules``).
The calendar itself is ``estate_common.calendar``; this module names finance's uses of it.
"""
from estate_common import calendar
from estate_common.errors import BusinessRuleViolation, field_error
from estate_common.calendar import add_months, months_between, next_day, parse_period  # noqa: F401 (finance's names)


def local(moment, rules):
    return calendar.local(moment, rules["timezone"])


def period_of(moment, rules):
    return calendar.period_of(moment, rules["timezone"])


def day_of(moment, rules):
    return calendar.day_of(moment, rules["timezone"])


def period_start(period, rules):
    """The first instant of the period (UTC)."""
    return calendar.month_start(period, rules["timezone"])


def period_end(period, rules):
    """The first instant after the period (UTC)."""
    return calendar.month_end(period, rules["timezone"])


def day_start(day, rules):
    return calendar.day_start(day, rules["timezone"])


def earliest_catch_up(now, rules):
    """The earliest period a billing run, an operating cost or a disclosure may name now: the
    estate's ``catch_up_months`` before the current month."""
    return add_months(period_of(now, rules), -rules["catch_up_months"])


def refuse_before_catch_up(period, now, rules, field="data.period"):
    """422 for a period before ``earliest_catch_up`` (a mistyped year, usually)."""
    earliest = earliest_catch_up(now, rules)
    if period < earliest:
        raise BusinessRuleViolation(
            f"a period before {earliest} is outside the estate's catch-up window (catch_up_months: "
            f"{rules['catch_up_months']})",
            [field_error(field, f"is before {earliest}, the earliest period the estate may still catch up")])
