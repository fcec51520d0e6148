"""Periods (billing months, ``YYYY-MM``) and days (``YYYY-MM-DD``) in the estate's local time.

Stored timestamps are UTC; an estate's months and days begin at its local midnight
(``utc_offset_hours`` in the estate's rules).
"""
from datetime import date, datetime, timedelta, timezone


def _zone(rules):
    return timezone(timedelta(hours=rules["utc_offset_hours"]))


def local(moment, rules):
    return moment.astimezone(_zone(rules))


def period_of(moment, rules):
    return local(moment, rules).strftime("%Y-%m")


def day_of(moment, rules):
    return local(moment, rules).strftime("%Y-%m-%d")


def parse_period(period):
    year, month = (int(part) for part in period.split("-"))
    return year, month


def add_months(period, months):
    year, month = parse_period(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first, second):
    """How many months ``second`` is after ``first``."""
    (y1, m1), (y2, m2) = parse_period(first), parse_period(second)
    return (y2 - y1) * 12 + (m2 - m1)


def period_start(period, rules):
    """The first instant of the period (UTC)."""
    year, month = parse_period(period)
    return datetime(year, month, 1, tzinfo=_zone(rules)).astimezone(timezone.utc)


def period_end(period, rules):
    """The first instant after the period (UTC)."""
    return period_start(add_months(period, 1), rules)


def day_start(day, rules):
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), _zone(rules)).astimezone(timezone.utc)


def next_day(day):
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
