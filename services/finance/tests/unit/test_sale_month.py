"""``sale_month``: the month of a sale split at the transfer day, by the handover month's one rule (h7)."""
from finance import sale_month

STANDARD = {"_id": "fs_1", "item": "property_service", "cycle": "monthly", "basis": "area",
            "unit_price_cents_per_m2": 235}
WHOLE = {"_id": "bill_1", "estate_id": "est_1", "household_id": "hh_1", "item": "property_service",
         "period": "2026-02", "amount_cents": 21002, "paid_cents": 0, "status": "unpaid", "created_at": "t",
         "settled_at": None, "source": {"kind": "billing_run", "standard_id": "fs_1"},
         "pricing": {"months": 1, "area_m2": 89.37}}


def flat(since):
    return {"_id": "hh_1", "area_m2": 89.37, "owner_since": since}


def test_the_parts_sum_to_the_month_and_each_is_its_days():
    seller, buyer = sale_month.split(WHOLE, STANDARD, flat("2026-02-15"), True)
    # February 2026: 28 days, the buyer the 15th..28th (14 days): 21001.95 × 14/28 = 10500.975 → 10501
    assert (seller["amount_cents"], buyer["amount_cents"]) == (10501, 10501)
    assert seller["amount_cents"] + buyer["amount_cents"] == WHOLE["amount_cents"]
    assert (seller["prorated"], buyer["prorated"]) == ({"from": "2026-02-01", "days": 14, "month_days": 28},
                                                       {"from": "2026-02-15", "days": 14, "month_days": 28})
    assert seller["_id"] != buyer["_id"] != WHOLE["_id"]
    assert sale_month.split(seller, STANDARD, flat("2026-02-15"), True) is None  # a part is not split again


def test_a_transfer_on_the_first_of_another_month_or_the_estate_billing_it_whole_splits_nothing():
    assert sale_month.split(WHOLE, STANDARD, flat("2026-02-01"), True) is None
    assert sale_month.split(WHOLE, STANDARD, flat("2026-03-10"), True) is None
    assert sale_month.split(WHOLE, STANDARD, flat("2026-02-15"), False) is None  # prorate_sale_month 0
    assert sale_month.split({**WHOLE, "covers_to": "2026-04"}, STANDARD, flat("2026-02-15"), True) is None


def test_the_sellers_money_never_pays_the_buyers_part():
    _, buyer = sale_month.split(WHOLE, STANDARD, flat("2026-02-15"), True)
    assert not sale_month.sellers_money_pays({"day": "2026-02-03"}, buyer)
    assert sale_month.sellers_money_pays({"day": "2026-02-15"}, buyer)
    assert sale_month.sellers_money_pays({"day": "2026-02-03", "_carried_over_to": "2026-02-15"}, buyer)
