"""Rounding, in one place: money is integer cents computed with Decimal and rounded half up
(0.5 cent becomes 1 cent, as a cashier rounds; Python's ``round`` would round half to even).

Shares and scores shown to a person (KPIs, survey averages) are rounded the same way to a
number of decimal places.
"""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .errors import BusinessRuleViolation, field_error

# The most any amount or balance holds (1,000,000,000 yuan): the contract's ``Cents`` maximum
# (tests/contracts checks the two agree). A balance that grew past it broke every answer naming it.
MAX_CENTS = 100_000_000_000

# The most one bill holds (1,000,000 yuan): finance's billing run leaves out a bill above it and
# names it in its result; a charge another service raises becomes one bill, so it is refused
# at its source above it (a repair's quote and charge: maintenance). A quote of 1,000,000,000
# yuan was consented, completed and billed (found by a money probe).
MAX_BILL_CENTS = 100_000_000


def refuse_above_one_bill(amount, field, what):
    """A 422 naming ``field`` when ``amount`` (cents) is more than one bill holds."""
    if amount > MAX_BILL_CENTS:
        raise BusinessRuleViolation(f"{what} is billed as one bill, which holds at most {MAX_BILL_CENTS} cents",
                                    [field_error(field, f"is more than the {MAX_BILL_CENTS} cents one bill holds")])


def refuse_above_maximum(balance, field, what):
    """A 422 naming ``field`` when ``balance`` would be more than ``MAX_CENTS``."""
    if balance > MAX_CENTS:
        raise BusinessRuleViolation(f"{what} would hold {balance} cents, more than the {MAX_CENTS} cents any balance may",
                                    [field_error(field, f"would take the balance above {MAX_CENTS} cents")])


def _decimal(value):
    # str() first: Decimal(0.1) would carry the binary float's error into the rounding.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_half_up(value, places=0):
    """``value`` rounded half up to ``places`` decimal places, as a Decimal."""
    return _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_cents(amount):
    """An exact amount in cents (a Decimal, an int, or a numeric string) as whole cents, half up."""
    return int(round_half_up(amount, 0))


def apportioned(cents, weights):
    """``cents`` apportioned to ``weights`` (ints, Decimals or Fractions, not all 0), in their order:
    each part the half-up rounding of its running total less the part before's, so that the parts
    sum to ``cents`` exactly and each is within a cent of its exact share (a quarter's bill of
    35603 cents over its months: 11868, 11867, 11868; a lift's cost over the flats that share it
    by their floor areas)."""
    weights = [Fraction(str(w)) if isinstance(w, Decimal) else Fraction(w) for w in weights]
    total = sum(weights)
    if total <= 0:
        raise ValueError("weights must sum to more than zero")
    parts, running, before = [], Fraction(0), 0
    for weight in weights:
        running += weight
        exact = Fraction(cents) * running / total  # one division, rounded once
        upto = to_cents(Decimal(exact.numerator) / Decimal(exact.denominator))
        parts.append(upto - before)
        before = upto
    return parts
