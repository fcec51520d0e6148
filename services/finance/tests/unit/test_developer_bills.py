"""The developer pays for the flats taken over and not yet handed over (《物业服务收费管理办法》第十六条:
已竣工但尚未出售，或者因开发建设单位原因未按时交给物业买受人的物业，物业服务费用由开发建设单位全额交纳):
from the unit's takeover (接管验收) to the day before its handover (交房), the month of each split by
the one rule of the handover month (``billing.handover_share``)."""
from fractions import Fraction

import pytest

from estate_common.errors import BusinessRuleViolation
from finance import billing, payers, payments

DUE = lambda month: f"{month}-28T15:59:59.999Z"  # noqa: E731


def standard(cycle="monthly", **extra):
    return {"_id": "fs_1", "item": "property_service", "status": "approved", "valid_from": "2026-01",
            "valid_to": None, "cycle": cycle, "basis": "area", "unit_price_cents_per_m2": 300, **extra}


def flat(**fields):
    return {"_id": "hh_1", "area_m2": 100.0, "status": "vacant", **fields}


def test_the_developer_owes_from_the_takeover_day_to_the_day_before_the_handover():
    taken = flat(taken_over_on="2026-10-11")
    assert payers.developer_share(taken, "2026-09", True) == 0  # before the takeover: nobody's (not managed)
    assert payers.developer_share(taken, "2026-10", True) == Fraction(21, 31)  # the 11th..31st, the same rule
    assert payers.developer_share(taken, "2026-10", True) == 1 - billing.handover_share(
        {"occupied_from": "2026-10-11"}, "2026-10", True)
    assert payers.developer_share(taken, "2026-11", True) == 1  # not handed over (sold or not): the developer's
    handed = flat(taken_over_on="2026-10-11", occupied_from="2026-11-20")
    assert payers.developer_share(handed, "2026-11", True) == Fraction(19, 30)  # the 1st..19th
    assert payers.developer_share(handed, "2026-11", True) + (1 - billing.handover_share(handed, "2026-11", True)) == 1
    assert payers.developer_share(handed, "2026-12", True) == 0
    same_month = flat(taken_over_on="2026-11-05", occupied_from="2026-11-20")
    assert payers.developer_share(same_month, "2026-11", True) == Fraction(15, 30)  # the 5th..19th
    assert payers.developer_share(flat(occupied_from="2026-11-20"), "2026-11", True) == 0  # no takeover recorded
    assert payers.developer_share(flat(taken_over_on="2028-02-29"), "2028-02", True) == Fraction(1, 29)


def test_an_estate_billing_whole_handover_months_gives_the_developer_whole_months():
    """``prorate_handover_month`` 0: the month of a takeover is the developer's, the month of a
    handover the owner's, whole (one rule: the month of the change goes to its newcomer)."""
    handed = flat(taken_over_on="2026-10-11", occupied_from="2026-11-20")
    assert payers.developer_share(handed, "2026-10", False) == 1
    assert payers.developer_share(handed, "2026-11", False) == 0
    assert billing.handover_share(handed, "2026-11", False) == 0  # the owner: all of November


def test_the_payer_of_a_flat_taken_over_and_not_handed_over_is_the_developer_not_the_owner():
    """A flat refused at its handover (a handover with defects, not taken: no ``occupied_from``) or sold
    and not handed over is the developer's; the owner is billed from the handover only."""
    monthly = standard()
    refused = flat(_id="hh_refused", taken_over_on="2026-09-01")
    handed = flat(_id="hh_handed", taken_over_on="2026-09-01", occupied_from="2026-11-20", status="occupied")
    legacy = flat(_id="hh_legacy")  # an estate taken over whole, no unit takeover recorded: as before
    pairs = list(billing.billed_pairs([monthly], [refused, handed, legacy], "2026-11", prorate=True))
    payers_of = {(pair[0]["_id"], payers.payer_of(pair[0])): pair[3] for pair in pairs}
    assert payers_of == {("hh_refused", "developer"): 1, ("hh_handed", "developer"): Fraction(19, 30),
                         ("hh_handed", "owner"): Fraction(11, 30), ("hh_legacy", "owner"): 1}
    assert not any(pair[0]["_id"] == "hh_refused" and payers.payer_of(pair[0]) == "owner" for pair in pairs)


def test_a_developers_bill_is_a_bill_of_its_own_named_and_dated():
    monthly = standard()
    handed = flat(taken_over_on="2026-09-01", occupied_from="2026-11-20")
    pairs = list(billing.billed_pairs([monthly], [handed], "2026-11", prorate=True, developer_name="某某置业有限公司"))
    bills = {payers.payer_of(bill): bill for bill in billing.run_bills("est_1", pairs, "job_1", DUE, "now")}
    developer, owner = bills["developer"], bills["owner"]
    assert developer["amount_cents"] + owner["amount_cents"] == 30000  # 100 m² × 3.00: nothing twice, nothing lost
    assert (developer["amount_cents"], owner["amount_cents"]) == (19000, 11000)
    assert developer["payer"] == "developer" and developer["payer_name"] == "某某置业有限公司"
    assert developer["owed"] == {"from": "2026-11-01", "to": "2026-11-19"}
    assert "payer" not in owner and owner["prorated"] == {"from": "2026-11-20", "days": 11, "month_days": 30}
    assert developer["_id"] != owner["_id"] and developer["_id"] == payers.developer_bill_id(
        "est_1", "hh_1", "property_service", "2026-11")
    assert "prorated" not in developer


def test_half_up_on_the_developers_days():
    """89.37 m² × 2.35 × 14/31 = 9484.93… → 9485 cents (Decimal, half-up, once)."""
    monthly = standard(unit_price_cents_per_m2=235)
    handed = flat(area_m2=89.37, taken_over_on="2026-09-01", occupied_from="2026-10-15")
    [bill] = [b for b in billing.run_bills("est_1", list(billing.billed_pairs([monthly], [handed], "2026-10", True)),
                                           "job_1", DUE, "now") if payers.payer_of(b) == "developer"]
    assert bill["amount_cents"] == 9485


def test_coverage_is_kept_by_payer_so_the_split_month_bills_both_once():
    monthly = standard()
    handed = flat(taken_over_on="2026-09-01", occupied_from="2026-11-20")
    pairs = list(billing.billed_pairs([monthly], [handed], "2026-11", prorate=True))
    made = list(billing.run_bills("est_1", pairs, "job_1", DUE, "now"))
    for bill in made:
        bill["status"] = "unpaid"
    kept, left_out = billing.uncovered(pairs, billing.coverage(made), prorate=True)
    assert (kept, left_out) == ([], 2)  # a run again bills neither twice
    only_developers = billing.coverage([b for b in made if payers.payer_of(b) == "developer"])
    kept, left_out = billing.uncovered(pairs, only_developers, prorate=True)
    assert [payers.payer_of(pair[0]) for pair in kept] == ["owner"] and left_out == 1


def test_a_developers_bill_restated_when_the_handover_came_after_it():
    """Found in the brief: November billed to the developer whole, the handover of the 20th recorded
    since: the bill's days are no longer what it owes (``payers.restated``), the run re-bills it."""
    monthly = standard()
    before = flat(taken_over_on="2026-09-01")
    [billed] = billing.run_bills("est_1", list(billing.billed_pairs([monthly], [before], "2026-11", True)), "job_1",
                                 DUE, "now")
    after = flat(taken_over_on="2026-09-01", occupied_from="2026-11-20")
    [expected] = [b for b in billing.run_bills("est_1", list(billing.billed_pairs([monthly], [after], "2026-11", True)),
                                               "job_1", DUE, "now") if payers.payer_of(b) == "developer"]
    assert payers.restated(billed, expected) and not payers.restated(expected, expected)
    new = payers.restatement(expected, billed)
    assert new["_id"] != billed["_id"] and new["source"]["corrects_bill_id"] == billed["_id"]
    assert new["amount_cents"] == 19000 and new["owed"] == {"from": "2026-11-01", "to": "2026-11-19"}
    handed_on_the_first = flat(taken_over_on="2026-09-01", occupied_from="2026-11-01")
    assert not list(billing.billed_pairs([monthly], [handed_on_the_first], "2026-11", True)) or all(
        payers.payer_of(pair[0]) == "owner" for pair in billing.billed_pairs([monthly], [handed_on_the_first],
                                                                              "2026-11", True))
    assert payers.developer_share(handed_on_the_first, "2026-11", True) == 0  # its November bill cancelled, no re-bill


def test_owners_money_never_pays_the_developers_bill_and_the_reverse():
    developer_bill = {"_id": "b_dev", "item": "property_service", "payer": "developer"}
    owner_bill = {"_id": "b_own", "item": "property_service"}
    assert not payments.pays({"_id": "p1"}, developer_bill) and payments.pays({"_id": "p1"}, owner_bill)
    assert payments.pays({"_id": "p2", "payer": "developer"}, developer_bill)
    assert not payments.pays({"_id": "p2", "payer": "developer"}, owner_bill)
    assert payers.payer_of_payment([developer_bill], ["b_dev"]) == "developer"
    assert payers.payer_of_payment([owner_bill], []) == "owner"
    with pytest.raises(BusinessRuleViolation) as mixed:
        payers.payer_of_payment([developer_bill, owner_bill], ["b_dev", "b_own"])
    assert mixed.value.errors[0]["field"] == "data.bill_ids"
    assert payers.owners_only([developer_bill, owner_bill]) == [owner_bill]


def test_a_month_whose_only_flats_are_the_developers_is_still_a_month_to_bill():
    """``billing.applying`` (the months a run should have billed, ``GET …/unbilled-months``): a new
    building all taken over and none handed over still owes its month."""
    taken = flat(taken_over_on="2026-10-11")
    assert billing.applying([("2026-11", standard())], [taken]) == [("2026-11", standard())]
    assert billing.applying([("2026-09", standard())], [taken]) == []  # before its takeover: nobody's


def test_a_quarter_whose_only_flats_are_taken_over_in_its_middle_is_still_a_quarter_to_bill():
    """The quarter's first month's run bills the developer the rest of it from a takeover in its second
    month (``billing.developer_pairs``), so that month is still one to bill: ``applying`` read the
    developer's share of the first month alone, none (found by h2, the developer's leftovers)."""
    taken = flat(taken_over_on="2026-11-10")
    quarter = standard("quarterly")
    assert billing.applying([("2026-10", quarter)], [taken]) == [("2026-10", quarter)]
    assert billing.applying([("2026-07", quarter)], [taken]) == []  # a quarter ended before it: nobody's


def test_a_developers_bill_made_before_it_said_its_months_covers_the_days_it_owes():
    """A quarter's developer bill from a takeover of 10 November, made before bills said ``covers_from`` for it
    (h2's fix), covers November and December by its ``owed`` days, not two months from its period (October and
    November: a run of the quarter billed December again)."""
    old = {"_id": "b_dev", "household_id": "hh_1", "item": "property_service", "period": "2026-10",
           "payer": "developer", "owed": {"from": "2026-11-10", "to": "2026-12-31"},
           "pricing": {"months": 2}, "source": {"kind": "billing_run", "standard_id": "fs_1"}}
    assert [month for month, _ in billing.months_covered(old)] == ["2026-11", "2026-12"]
    flat_ = flat(taken_over_on="2026-11-10", created_at="2025-01-01T00:00:00Z")
    pairs = list(billing.joined_mid_cycle([(standard("quarterly"), "2026-10")], [flat_], "2026-11", "Asia/Shanghai",
                                          True))
    assert billing.uncovered(pairs, billing.coverage([{**old, "status": "unpaid"}]), prorate=True) == ([], 1)


def test_finance_s_store_filters_the_developer_s_bills_by_the_one_spelling():
    """``payer`` is spelled once (``estate_common.bill_payers``, finance's ``payers``): the store's list of
    bills and its developer's bills wrote the literal (found by h6)."""
    import pathlib
    import re
    import finance
    # read as text, not imported: a unit test imports no store (tests/architecture)
    source = (pathlib.Path(finance.__file__).parent / "store.py").read_text(encoding="utf-8")
    assert not re.search(r"""['"]developer['"]""", source)
