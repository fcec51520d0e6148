"""The fee standards published to owners (收费标准公示): the owner portal shows, without an account,
the estate's approved standards in force this month or from a later month (a rise approved in
December for January shows ahead of it, with its month), their prices, and no household lists.

Found by h6's probe of a fee rise (物业费调价 2.50 → 2.80): the approved rise and the new parking
fee were published to owners nowhere; the desk retyped the prices into a notice by hand."""
import pytest

from estate_common import clock, contracts
from estate_common.errors import NotFound
from estate_common.testing import as_caller

from .test_service import ACCOUNTANT, ESTATE, PORTAL, approved, estate_retired, finance  # noqa: F401 (fixture)


def published(finance, code="EST-1"):
    as_caller(finance, PORTAL)
    payload = {"estate_code": code}
    contracts.load().check_rpc_input("finance", "published_fee_standards", payload)
    answer = finance.published_fee_standards(payload)
    contracts.load().check_rpc_output("finance", "published_fee_standards", answer)
    return answer


def test_owners_see_the_standards_in_force_and_to_come_without_households(finance):
    approved(finance, unit_price_cents_per_m2=250, valid_from="2026-01", name="物业费")
    approved(finance, unit_price_cents_per_m2=280, valid_from="2027-01", name="物业费（业主大会 2026-10 决议）")
    approved(finance, item="parking", amount_cents=15000, unit_price_cents_per_m2=None, valid_from="2027-01",
             applies_to={"household_ids": ["hh_1"]}, name="车位费")
    approved(finance, item="parking", amount_cents=20000, unit_price_cents_per_m2=None, valid_from="2027-06",
             applies_to={"household_ids": ["hh_2"]})
    as_caller(finance, ACCOUNTANT)
    pending = finance.create_fee_standard({"estate_id": ESTATE, "data": {  # not approved: not published
        "item": "property_service", "unit_price_cents_per_m2": 300, "cycle": "monthly", "valid_from": "2028-01"}})
    shown = published(finance)
    assert shown["estate_name"] == "West Lake" and shown["timezone"] == "Asia/Shanghai"
    assert [(s["item"], s["name"], s["unit_price_cents_per_m2"], s["amount_cents"], s["valid_from"], s["valid_to"],
             s["applies_to_all"]) for s in shown["items"]] == [
        ("parking", "车位费", None, 15000, "2027-01", None, False),
        ("parking", "parking", None, 20000, "2027-06", None, False),
        ("property_service", "物业费", 250, None, "2026-01", "2026-12", True),
        ("property_service", "物业费（业主大会 2026-10 决议）", 280, None, "2027-01", None, True)]
    assert "hh_1" not in repr(shown) and ESTATE not in repr(shown) and pending["id"] not in repr(shown)


def test_an_unknown_code_is_not_found(finance):
    with pytest.raises(NotFound):
        published(finance, "NOPE-1")


def test_a_retired_estate_publishes_no_standard_for_the_months_after_its_retirement(finance):
    """Found by review r6: an estate whose contract ended kept publishing its standards to its owners
    as in force, and a rise approved for a month after it, though no run bills a month begun after
    its retirement: the portal told owners of a price nobody would charge them. Reinstated, they
    show again."""
    approved(finance, unit_price_cents_per_m2=250, valid_from="2026-01", valid_to="2026-12")
    approved(finance, unit_price_cents_per_m2=280, valid_from="2027-01")
    estate_retired(finance, ESTATE, "2026-12-10T04:00:00.000Z")  # in December: December still billed
    assert [s["valid_from"] for s in published(finance)["items"]] == ["2026-01"]
    clock.freeze(clock.parse_iso("2027-01-05T02:00:00Z"))
    assert published(finance)["items"] == []
    estate_retired(finance, ESTATE, None)
    assert [s["valid_from"] for s in published(finance)["items"]] == ["2027-01"]
