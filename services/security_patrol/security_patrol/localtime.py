"""The estate's wall clock and calendar months.

Timestamps are UTC everywhere; a patrol plan's "22:00" and a month such as
"2026-11" are the estate's local time: its IANA ``timezone`` (estate master data,
which ``store.rules_for`` puts into ``rules``). The calendar itself is
``estate_common.calendar``; this module names security's uses of it.
"""
from estate_common import calendar

MINUTES_A_DAY = 24 * 60


def minute_of_day(hh_mm):
    """The minute of the day of a wall-clock time ``hh_mm`` ("22:00" is 1320), as a plan's
    ``start_time`` is written."""
    hours, minutes = (int(part) for part in hh_mm.split(":")[:2])
    return hours * 60 + minutes


def local(moment, rules):
    """``moment`` on the estate's wall clock (an aware datetime)."""
    return calendar.local(moment, rules["timezone"])


def local_date(moment, rules):
    return calendar.local_date(moment, rules["timezone"])


def at_local(day, hh_mm, rules):
    """The UTC moment of ``hh_mm`` ("22:00") on the local ``day`` (daylight saving time included)."""
    return calendar.at_local(day, hh_mm, rules["timezone"])


def month_window(period, rules):
    """``(start, end)`` UTC datetimes of the local calendar month ``period`` ("2026-11")."""
    return calendar.month_window(period, rules["timezone"])


def period_window(period, rules):
    """``(start, end)`` UTC datetimes of the local month, quarter (``2026-Q4``) or year (``2026``)."""
    return calendar.period_window(period, rules["timezone"])


def period_of(moment, rules):
    """The local month ("2026-11") that ``moment`` falls in."""
    return calendar.period_of(moment, rules["timezone"])


def iso_window(period, rules):
    return calendar.month_bounds(period, rules["timezone"])
