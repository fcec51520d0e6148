"""Rounding, in one place: money is integer cents computed with Decimal and rounded half up
(0.5 cent becomes 1 cent, as a cashier rounds; Python's ``round`` would round half to even).

Shares and scores shown to a person (KPIs, survey averages) are rounded the same way to a
number of decimal places.
"""
from decimal import ROUND_HALF_UP, Decimal


def _decimal(value):
    # str() first: Decimal(0.1) would carry the binary float's error into the rounding.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_half_up(value, places=0):
    """``value`` rounded half up to ``places`` decimal places, as a Decimal."""
    return _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_cents(amount):
    """An exact amount in cents (a Decimal, an int, or a numeric string) as whole cents, half up."""
    return int(round_half_up(amount, 0))
