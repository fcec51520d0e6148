"""Renovation fees priced by finance's approved per-charge standards (copies), else the settings."""
from estate_common import fee_prices

from customer_service import applications
from customer_service.rules import DEFAULTS

PRICED = applications.PRICED_BY_STANDARD


def standard(_id, item, basis, price, valid_from="2026-01", valid_to=None):
    return {"_id": _id, "item": item, "basis": basis, "valid_from": valid_from, "valid_to": valid_to,
            "amount_cents": price if basis == "fixed" else None,
            "unit_price_cents_per_m2": price if basis == "area" else None}


def test_a_standard_in_force_sets_the_price_the_latest_one_winning():
    standards = [standard("a", "renovation_deposit", "fixed", 90000, "2025-01", "2026-05"),
                 standard("b", "renovation_deposit", "fixed", 150000, "2026-06"),
                 standard("c", "renovation_management", "area", 300, "2027-01")]   # not in force yet
    priced = fee_prices.priced_rules(DEFAULTS, standards, "2026-11", PRICED)
    assert priced["renovation_deposit_cents"] == 150000
    assert priced["renovation_management_fee_cents_per_m2"] == DEFAULTS["renovation_management_fee_cents_per_m2"]
    assert fee_prices.priced_rules(DEFAULTS, standards, "2026-03", PRICED)["renovation_deposit_cents"] == 90000


def test_only_the_per_charge_standards_of_the_fees_raised_here_are_kept():
    data = {"id": "fs_1", "item": "renovation_deposit", "name": "x", "basis": "fixed", "cycle": "per_charge",
            "amount_cents": 1, "unit_price_cents_per_m2": None, "valid_from": "2026-01", "valid_to": None,
            "ended": []}
    assert fee_prices.copy_of(data, PRICED)["amount_cents"] == 1
    assert fee_prices.copy_of({**data, "cycle": "monthly"}, PRICED) is None
    assert fee_prices.copy_of({**data, "item": "parking"}, PRICED) is None


def test_a_fixed_management_fee_standard_is_charged_whatever_the_area():
    """Finance approved a fixed 500.00 yuan management fee, and the desk went on charging area × its
    per-m² setting (a probe)."""
    standards = [standard("a", "renovation_management", "area", 300, "2025-01", "2026-05"),
                 standard("b", "renovation_management", "fixed", 50000, "2026-06")]
    application = {"_id": "app_1", "estate_id": "est_1", "kind": "renovation"}
    fixed = fee_prices.priced_rules(DEFAULTS, standards, "2026-11", PRICED)
    charged = {c["item"]: c for c in applications.fees(application, {"area_m2": 89.37}, fixed)}
    assert charged["renovation_management"]["amount_cents"] == 50000
    assert charged["renovation_management"]["description"] == "Renovation management fee: 500.00 CNY (fixed)"
    by_area = fee_prices.priced_rules(DEFAULTS, standards, "2026-03", PRICED)
    charged = {c["item"]: c for c in applications.fees(application, {"area_m2": 89.37}, by_area)}
    assert charged["renovation_management"]["amount_cents"] == 26811  # 89.37 × 3.00, half up
    # the latest standard of the fee prices it alone, a fixed one after a per-m² one or before
    later_area = standards + [standard("c", "renovation_management", "area", 400, "2026-09")]
    priced = fee_prices.priced_rules(DEFAULTS, later_area, "2026-11", PRICED)
    assert applications.fees(application, {"area_m2": 100}, priced)[0]["amount_cents"] == 40000
