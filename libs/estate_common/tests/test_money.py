"""Money to whole cents, half up; shares to a number of places, half up."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estate_common import money
from estate_common.errors import BusinessRuleViolation
from estate_common.money import round_half_up, to_cents


@pytest.mark.parametrize("amount, cents", [
    (Decimal("21001.95"), 21002),  # 89.37 m² × 235 cents
    (Decimal("0.5"), 1),  # half up, not half to even (round(0.5) == 0)
    (Decimal("2.5"), 3),
    (Decimal("2.4999"), 2),
    (Decimal("-0.5"), -1),  # away from zero, as Decimal's ROUND_HALF_UP does
    (7, 7),
    ("12.5", 13),
])
def test_to_cents_rounds_half_up(amount, cents):
    assert to_cents(amount) == cents
    assert isinstance(to_cents(amount), int)


def test_round_half_up_to_places():
    assert round_half_up(Decimal(1) / 32, 4) == Decimal("0.0313")
    assert round_half_up(Decimal("4.125"), 2) == Decimal("4.13")
    assert round_half_up(Decimal("4.5")) == Decimal(5)
    assert round_half_up(2.675, 2) == Decimal("2.68")  # a float is read as its shortest text


def test_one_bill_holds_what_the_contract_says_a_quote_may_become():
    """maintenance refuses a quote above it, finance's runs leave a bill above it out; the
    contract tells integrators the same number."""
    from estate_common import contracts
    described = contracts.load().openapi["components"]["schemas"]["WorkOrderQuote"]["properties"]["amount_cents"]
    assert f"at most {money.MAX_BILL_CENTS} cents" in described["description"]
    money.refuse_above_one_bill(money.MAX_BILL_CENTS, "data.amount_cents", "a quote")
    with pytest.raises(BusinessRuleViolation):
        money.refuse_above_one_bill(money.MAX_BILL_CENTS + 1, "data.amount_cents", "a quote")

AREAS = st.decimals(min_value=0, max_value=Decimal("9999.99"), places=2)


@settings(max_examples=300, deadline=None)
@given(cents=st.integers(min_value=0, max_value=100_000_000_000), areas=st.lists(AREAS, min_size=1, max_size=60))
def test_apportioned_shares_sum_to_the_spend_each_within_a_cent_of_its_exact_share(cents, areas):
    """A use of the fund over the flats sharing it by floor area (0 m² among them, or one flat
    alone): the shares sum to the use exactly, none below zero, each within a cent of its exact
    share, a flat of 0 m² none (r8)."""
    if sum(areas) == 0:
        with pytest.raises(ValueError):
            money.apportioned(cents, areas)
        return
    shares = money.apportioned(cents, areas)
    assert len(shares) == len(areas) and sum(shares) == cents
    total = sum(Fraction(str(area)) for area in areas)
    for share, area in zip(shares, areas):
        assert share >= 0 and abs(share - Fraction(cents) * Fraction(str(area)) / total) < 1
        if area == 0:
            assert share == 0


def test_apportioned_to_one_flat_is_the_whole():
    assert money.apportioned(856789, [Decimal("76.40")]) == [856789]
    assert money.apportioned(35603, [1, 1, 1]) == [11868, 11867, 11868]
