"""The shape of every KPI (``contracts/common.json#/$defs/kpi``) and the month a period names.

A KPI shows its numerator and denominator so that a manager can check it; its value is
null ("no data") when there is nothing to divide by, never 0 or 100 %.
"""
from decimal import Decimal

from . import calendar
from .money import round_half_up

# KPI values are shown to four decimal places (a ratio of 0.9876 reads as 98.76 %).
PLACES = 4


def ratio(numerator, denominator, scale=1):
    """numerator ÷ denominator (× scale) to four places, half up; None when the denominator is 0."""
    if not denominator:
        return None
    exact = Decimal(str(numerator)) * scale / Decimal(str(denominator))
    return float(round_half_up(exact, PLACES))


def kpi(numerator, denominator, unit="ratio", target=None, note=None, scale=1):
    shown = {"numerator": numerator, "denominator": denominator,
             "value": ratio(numerator, denominator, scale), "unit": unit}
    if target is not None:
        shown["target"] = target
    if note:
        shown["note"] = note
    return shown


def month_bounds(period, tz):
    """``[start, end)`` of the month ``YYYY-MM`` as ISO strings (which sort as text), on the
    calendar of the IANA timezone ``tz`` (the estate's: see ``estate_common.calendar``)."""
    return calendar.month_bounds(period, tz)
