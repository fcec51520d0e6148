"""The shape of every KPI (``contracts/common.json#/$defs/kpi``) and the month a period names.

A KPI shows its numerator and denominator so that a manager can check it; its value is
null ("no data") when there is nothing to divide by, never 0 or 100 %.
"""
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from . import clock

PLACES = Decimal("0.0001")


def ratio(numerator, denominator, scale=1):
    """numerator ÷ denominator (× scale) to four places, half up; None when the denominator is 0."""
    if not denominator:
        return None
    exact = Decimal(str(numerator)) * scale / Decimal(str(denominator))
    return float(exact.quantize(PLACES, rounding=ROUND_HALF_UP))


def kpi(numerator, denominator, unit="ratio", target=None, note=None, scale=1):
    shown = {"numerator": numerator, "denominator": denominator,
             "value": ratio(numerator, denominator, scale), "unit": unit}
    if target is not None:
        shown["target"] = target
    if note:
        shown["note"] = note
    return shown


def month_bounds(period, utc_offset_minutes=0):
    """``[start, end)`` of the month ``YYYY-MM`` as ISO strings (which sort as text), on a clock
    ``utc_offset_minutes`` ahead of UTC (an estate's local time; 0: UTC)."""
    year, month = (int(part) for part in period.split("-"))
    offset = timedelta(minutes=utc_offset_minutes)
    start = datetime(year, month, 1, tzinfo=timezone.utc) - offset
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc) - offset
    return clock.to_iso(start), clock.to_iso(end)
