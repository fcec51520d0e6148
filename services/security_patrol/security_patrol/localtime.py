"""The estate's wall clock and calendar months.

Timestamps are UTC everywhere; a patrol plan's "22:00" and a month such as
"2026-11" are the estate's local time (``utc_offset_minutes`` in rules.py).
"""
from datetime import datetime, time, timedelta, timezone

from estate_common import clock


def offset(rules):
    return timedelta(minutes=rules["utc_offset_minutes"])


def local_date(moment, rules):
    return (moment + offset(rules)).date()


def at_local(day, hh_mm, rules):
    """The UTC moment of ``hh_mm`` ("22:00") on the local ``day``."""
    hours, minutes = (int(part) for part in hh_mm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=timezone.utc) - offset(rules)


def month_window(period, rules):
    """``(start, end)`` UTC datetimes of the local calendar month ``period`` ("2026-11")."""
    year, month = (int(part) for part in period.split("-"))
    start = datetime(year, month, 1, tzinfo=timezone.utc)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
    return start - offset(rules), end - offset(rules)


def period_of(moment, rules):
    """The local month ("2026-11") that ``moment`` falls in."""
    return (moment + offset(rules)).strftime("%Y-%m")


def iso_window(period, rules):
    start, end = month_window(period, rules)
    return clock.to_iso(start), clock.to_iso(end)
