"""The developer (开发建设单位) pays for the units taken over (接管验收) and not yet handed over (交房):
《物业服务收费管理办法》第十六条. Before, the days between a unit's takeover and its handover were
billed to nobody, and a flat refused at its handover was billed in full to its buyer (session 55's
note, r3's proposal: a developer payer per estate, the month split at the handover day)."""
from datetime import timedelta

from estate_common.testing import event

from finance import payers

from .test_service import (ACCOUNTANT, ESTATE, acting, approved, bill_of, bills, finance, pay,  # noqa: F401 (fixture)
                           run)

DEVELOPER = "某某置业有限公司"


def named_developer(finance):
    finance.copy_estate_edit(event("archive", "estate_updated", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "EST-1", "name": "West Lake", "address": "9 Lake Rd", "version": 2, "timezone": "Asia/Shanghai",
        "developer_name": DEVELOPER, "changed": ["developer_name"]}))


def dated(finance, household_id, version, **days):
    area = {"hh_1": 89.37, "hh_2": 120.0, "hh_3": 50.5}[household_id]
    finance.copy_household_edit(event("archive", "household_updated", ESTATE, {
        "id": household_id, "estate_id": ESTATE, "building": "3", "unit": "1", "room": "100", "area_m2": area,
        "status": "vacant", "version": version, "occupied_from": None, "occupied_to": None, **days}))


def developers(finance, **filters):
    return bills(finance, payer="developer", **filters)


def test_the_developer_is_billed_from_the_takeover_day_and_the_owner_not_until_the_handover(finance):
    named_developer(finance)
    dated(finance, "hh_1", 2, taken_over_on="2026-10-11")  # taken over; sold or not, not handed over
    approved(finance, valid_from="2026-01")
    run(finance, "2026-10")
    [october] = developers(finance, period="2026-10")
    # 89.37 m² × 2.35 × 21/31 (the 11th..31st, the handover month's rule) = 14227.44 → 14227
    assert (october["household_id"], october["amount_cents"]) == ("hh_1", 14227)
    assert (october["payer"], october["payer_name"], october["owed"]) == (
        "developer", DEVELOPER, {"from": "2026-10-11", "to": "2026-10-31"})
    assert "hh_1" not in {b["household_id"] for b in bills(finance, period="2026-10", payer="owner")}
    run(finance, "2026-11")
    [november] = developers(finance, period="2026-11")
    assert november["amount_cents"] == 21002  # the whole month, as the owner's would be
    assert {b["household_id"] for b in bills(finance, period="2026-11", payer="owner")} == {"hh_2", "hh_3"}
    assert run(finance, "2026-11")["result"]["bills_created"] == 0  # a run again bills nothing twice


def test_a_flat_refused_at_its_handover_stays_the_developers(finance):
    """A handover with defects the owner did not take (验房, 拒收) is no handover: archive dates no
    ``occupied_from``; the flat is the developer's ("因开发建设单位原因未按时交给")."""
    dated(finance, "hh_2", 2, taken_over_on="2026-09-01")  # refused on 5 November: nothing more is announced
    approved(finance, valid_from="2026-01")
    run(finance, "2026-11")
    [developer] = developers(finance, period="2026-11")
    assert (developer["household_id"], developer["amount_cents"], developer["payer_name"]) == ("hh_2", 28200, None)
    assert "hh_2" not in {b["household_id"] for b in bills(finance, period="2026-11", payer="owner")}


def test_a_handover_recorded_after_the_month_was_billed_restates_the_developers_bill(finance):
    """November billed to the developer whole and paid by it; the handover of the 20th recorded
    since: the month's run again cancels the developer's bill (never edited), bills it the 1st..19th
    and the owner the 20th..30th, the developer's money goes back to its payment and pays its re-bill,
    and what is left is the developer's, never the owner's."""
    named_developer(finance)
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01")
    approved(finance, valid_from="2026-01")
    run(finance, "2026-11")
    [whole] = developers(finance, period="2026-11")
    paid = pay(finance, "hh_1", 21002, method="transfer", bill_ids=[whole["id"]])  # the accounts desk
    assert paid["payer"] == "developer" and paid["unapplied_cents"] == 0
    dated(finance, "hh_1", 3, taken_over_on="2026-09-01", occupied_from="2026-11-20")  # 交房, recorded late
    result = run(finance, "2026-11")["result"]
    assert result["bills_corrected"] == 1
    acting(finance, ACCOUNTANT)
    cancelled = finance.get_bill({"estate_id": ESTATE, "id": whole["id"]})
    assert cancelled["status"] == "cancelled" and cancelled["amount_cents"] == 21002  # its amount as posted
    [restated] = developers(finance, period="2026-11", status="paid")
    assert cancelled["rebilled_as"] == restated["id"]
    assert (restated["amount_cents"], restated["owed"]) == (13301, {"from": "2026-11-01", "to": "2026-11-19"})
    owner = bill_of(finance, "hh_1")
    assert "payer" not in owner or owner["payer"] == "owner"
    assert (owner["amount_cents"], owner["status"]) == (7701, "unpaid")  # the developer's money is not the owner's
    assert owner["prorated"] == {"from": "2026-11-20", "days": 11, "month_days": 30}
    assert restated["amount_cents"] + owner["amount_cents"] == 21002  # the month once, split at the handover day
    again = run(finance, "2026-11")["result"]
    assert (again["bills_created"], again["bills_corrected"]) == (0, 0)
    # the household's statement is the owner's: not the developer's bills nor its money
    account = finance.household_account({"estate_id": ESTATE, "id": "hh_1"})
    assert {b["amount_cents"] for b in account["bills"]} == {7701}
    assert account["prepaid_cents"] == 0 and account["unpaid_cents"] == 7701


def test_the_owners_money_does_not_pay_the_developers_bills_and_they_count_in_the_collection_rate(finance):
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01")
    approved(finance, valid_from="2026-01")
    run(finance, "2026-11")
    owners = pay(finance, "hh_1", 5000)  # money at the desk for the flat, naming no bill
    assert owners["unapplied_cents"] == 5000 and "payer" not in owners
    [developer] = developers(finance, period="2026-11")
    assert developer["status"] == "unpaid"
    rate = finance.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]["collection_rate"]
    assert rate["denominator"] == 21002 + 28200 + 11868  # the developer's bill is a bill of the period
    pay(finance, "hh_1", 21002, method="transfer", bill_ids=[developer["id"]])
    rate = finance.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]["collection_rate"]
    assert rate["numerator"] == 21002
    assert payers.payer_of(developers(finance, period="2026-11")[0]) == "developer"


def test_the_developers_overdue_bills_are_in_the_arrears_as_its_own_part(finance):
    from estate_common import clock
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01")
    approved(finance, valid_from="2026-01")
    run(finance, "2026-11")
    clock.freeze(clock.parse_iso("2026-12-05T02:00:00Z"))
    acting(finance, ACCOUNTANT)
    lines = {line["household_id"]: line for line in finance.list_arrears({"estate_id": ESTATE})["items"]}
    assert (lines["hh_1"]["overdue_cents"], lines["hh_1"]["developer_overdue_cents"]) == (21002, 21002)
    assert "developer_overdue_cents" not in lines["hh_2"]


def test_the_arrears_of_a_past_day_name_the_developers_part_as_it_stood_then(finance):
    """``developer_overdue_cents`` was on today's arrears only: the list as of a past day (the accountant's
    month close, the developer's debt at the year end) left it out, so the developer's overdue part of a
    line could not be told from the owner's then (found by h2, the developer's leftovers)."""
    from estate_common import clock
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01")
    approved(finance, valid_from="2026-01")
    run(finance, "2026-10")
    run(finance, "2026-11")
    [october] = developers(finance, period="2026-10")
    pay(finance, "hh_1", 5000, method="transfer", bill_ids=[october["id"]])  # the developer pays part of October
    clock.freeze(clock.parse_iso("2026-12-10T02:00:00Z"))
    acting(finance, ACCOUNTANT)
    [november] = developers(finance, period="2026-11")
    pay(finance, "hh_1", 21002, method="transfer", bill_ids=[november["id"]])  # November paid after the 9th (October due on the 8th)
    acting(finance, ACCOUNTANT)
    lines = {line["household_id"]: line for line in finance.list_arrears({
        "estate_id": ESTATE, "filters": {"as_of": "2026-12-09"}})["items"]}
    owed = october["amount_cents"] - 5000 + 21002
    assert (lines["hh_1"]["overdue_cents"], lines["hh_1"]["developer_overdue_cents"]) == (owed, owed)
    assert "developer_overdue_cents" not in lines["hh_2"]
    today = {line["household_id"]: line for line in finance.list_arrears({"estate_id": ESTATE})["items"]}
    assert today["hh_1"]["developer_overdue_cents"] == october["amount_cents"] - 5000  # November paid since
    # the export of the list names that part too, in a column added last (empty for the owner's lines)
    import csv
    import io
    from .test_exports import download, export
    content, _ = download(finance, export(finance, "arrears", as_of="2026-12-09"))
    rows = {r["household_id"]: r for r in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))}
    assert (rows["hh_1"]["developer_overdue_cents"], rows["hh_2"]["developer_overdue_cents"]) == (str(owed), "")
    assert list(rows["hh_1"])[-1] == "developer_overdue_cents"


def test_the_disclosures_income_counts_the_developers_bills(finance):
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01")
    approved(finance, valid_from="2026-01")
    run(finance, "2026-10")
    [october] = developers(finance, period="2026-10")
    report = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-10"}})
    assert report["income"]["by_item"]["property_service"]["billed_cents"] == october["amount_cents"] + 28200 + 11868


def test_a_reminder_is_the_owners_or_the_developers_never_the_developers_debt_to_the_owner(finance):
    """Review r2 of h2: a reminder (催缴) of a household counted every overdue bill, the developer's too, so the
    owner was reminded by phone of the developer's debt (开发建设单位). A reminder is its payer's: the owner's
    by default (his bills alone), ``payer: developer`` the developer's; a payer with nothing overdue is a 422."""
    import pytest
    from estate_common import clock
    from estate_common.errors import BusinessRuleViolation
    from .test_service import staff
    named_developer(finance)
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01")
    approved(finance, valid_from="2026-01")
    run(finance, "2026-11")
    clock.freeze(clock.parse_iso("2026-12-05T02:00:00Z"))
    acting(finance, staff("steward1", ["steward"], [ESTATE]), "rem-owner")
    with pytest.raises(BusinessRuleViolation):  # the owner of hh_1 owes nothing: the month is the developer's
        finance.send_reminder({"estate_id": ESTATE, "data": {"household_id": "hh_1", "channel": "phone"}})
    acting(finance, staff("steward1", ["steward"], [ESTATE]), "rem-dev")
    reminder = finance.send_reminder({"estate_id": ESTATE, "data": {"household_id": "hh_1", "channel": "letter",
                                                                     "payer": "developer"}})
    assert (reminder["overdue_cents"], reminder["bills"], reminder["payer"]) == (21002, 1, "developer")
    [sent] = finance.outbox.of_type("reminder_sent")
    assert sent["data"]["payer"] == "developer"
    acting(finance, staff("steward1", ["steward"], [ESTATE]), "rem-hh2")
    owners = finance.send_reminder({"estate_id": ESTATE, "data": {"household_id": "hh_2", "channel": "sms"}})
    assert owners["overdue_cents"] == 28200 and "payer" not in owners
    with pytest.raises(BusinessRuleViolation):
        acting(finance, staff("steward1", ["steward"], [ESTATE]), "rem-hh2-dev")
        finance.send_reminder({"estate_id": ESTATE, "data": {"household_id": "hh_2", "channel": "sms",
                                                             "payer": "developer"}})


def test_a_unit_taken_over_mid_quarter_whose_developer_months_no_run_billed_is_an_unbilled_month(finance):
    """A new building's flat registered before the quarter without its surveyed area (a price per m² needs one:
    October's run billed it nothing), its area and its takeover of 10 November recorded since, no handover:
    November's run would bill the developer the rest of the quarter (``billing.joined_mid_cycle``), and
    ``GET …/unbilled-months`` did not name November: it walked only the households handed over or registered
    in the cycle (``billing.joined_since``), not those taken over in it (found by h2, the developer's leftovers)."""
    from estate_common import clock
    named_developer(finance)
    approved(finance, cycle="quarterly", valid_from="2026-10")
    finance.db.households.update_many({"estate_id": ESTATE}, {"$set": {"created_at": "2025-06-01T00:00:00.000Z"}})
    finance.db.households.update_one({"_id": "hh_1"}, {"$unset": {"area_m2": ""}})
    clock.freeze(clock.parse_iso("2026-11-05T02:00:00Z"))
    run(finance, "2026-10")
    assert "hh_1" not in {b["household_id"] for b in bills(finance)}
    assert finance.list_unbilled_months({"estate_id": ESTATE})["items"] == []
    finance.db.households.update_one({"_id": "hh_1"}, {"$set": {"area_m2": 89.37}})
    dated(finance, "hh_1", 2, taken_over_on="2026-11-10")
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))
    assert [m["period"] for m in finance.list_unbilled_months({"estate_id": ESTATE})["items"]] == ["2026-11"]
    run(finance, "2026-11")
    [rest] = developers(finance)
    assert (rest["owed"], rest["covers_from"], rest["covers_to"]) == (
        {"from": "2026-11-10", "to": "2026-12-31"}, "2026-11", "2026-12")
    assert finance.list_unbilled_months({"estate_id": ESTATE})["items"] == []


def test_a_takeover_recorded_after_the_owner_was_billed_moves_the_month_to_the_developer(finance):
    """November billed to hh_1's owner whole (no takeover recorded then) and paid by him; its takeover of
    1 September recorded since, no handover: the developer owes November (第十六条: the developer pays until the
    handover), so the month's run again cancels the owner's bill (never edited: ``rebilled_as`` the developer's,
    its money back to the owner's payment as his prepaid credit, as a developer's bill restated gives its money
    back) and bills the developer; the owner's bill stood and the developer was billed none (found by h2)."""
    named_developer(finance)
    approved(finance, valid_from="2026-01")
    run(finance, "2026-11")
    owners = bill_of(finance, "hh_1")
    paid = pay(finance, "hh_1", 21002, bill_ids=[owners["id"]])
    assert paid["unapplied_cents"] == 0
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01")  # 接管验收, recorded late; not handed over
    result = run(finance, "2026-11")["result"]
    assert result["bills_corrected"] == 1
    acting(finance, ACCOUNTANT)
    cancelled = bill_of(finance, "hh_1")
    [developer] = developers(finance, period="2026-11")
    assert (cancelled["status"], cancelled["amount_cents"], cancelled["rebilled_as"]) == (
        "cancelled", 21002, developer["id"])
    assert (developer["amount_cents"], developer["status"], developer["owed"], developer["payer_name"]) == (
        21002, "unpaid", {"from": "2026-11-01", "to": "2026-11-30"}, DEVELOPER)
    assert developer["source"]["corrects_bill_id"] == cancelled["id"]
    back = finance.get_payment({"estate_id": ESTATE, "id": paid["id"]})
    assert back["unapplied_cents"] == 21002  # the owner's money, his credit: never the developer's
    account = finance.household_account({"estate_id": ESTATE, "id": "hh_1"})
    assert account["prepaid_cents"] == 21002 and account["unpaid_cents"] == 0
    again = run(finance, "2026-11")["result"]
    assert (again["bills_created"], again["bills_corrected"]) == (0, 0)
    assert [b["id"] for b in developers(finance)] == [developer["id"]]


def test_a_takeover_recorded_late_moves_the_owners_quarter_to_the_developer_from_its_day(finance):
    """A quarter billed to the owner in October; a takeover of 10 November recorded since, no handover: the
    October run again cancels the owner's quarter and bills the developer 10 November..31 December, as a run
    would have billed it had the takeover been known (October is nobody's: the unit was not in the
    management's care); the other flats' quarters stand."""
    approved(finance, cycle="quarterly", valid_from="2026-10")
    run(finance, "2026-10")
    quarter = bill_of(finance, "hh_1", "2026-10")
    dated(finance, "hh_1", 2, taken_over_on="2026-11-10")
    assert run(finance, "2026-10")["result"]["bills_corrected"] == 1
    acting(finance, ACCOUNTANT)
    assert bill_of(finance, "hh_1", "2026-10")["status"] == "cancelled"
    [developer] = developers(finance)
    assert (developer["owed"], developer["period"], developer["source"]["corrects_bill_id"]) == (
        {"from": "2026-11-10", "to": "2026-12-31"}, "2026-10", quarter["id"])
    assert developer["amount_cents"] == 35703  # 89.37 m² × 2.35 × (21/30 of November + December), half-up once
    assert {b["household_id"] for b in bills(finance, payer="owner", status="unpaid")} == {"hh_2", "hh_3"}


def test_an_owners_bill_of_a_flat_handed_over_before_the_month_stays_his(finance):
    """A flat taken over and handed over (交房) before the month: the owner's bill is his, a takeover recorded
    since changes nothing of it."""
    approved(finance, valid_from="2026-01")
    run(finance, "2026-11")
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01", occupied_from="2026-10-01")
    assert run(finance, "2026-11")["result"]["bills_corrected"] == 0
    acting(finance, ACCOUNTANT)
    assert bill_of(finance, "hh_1")["status"] == "unpaid" and developers(finance) == []


def test_a_developers_quarter_from_a_takeover_in_its_middle_is_billed_once_by_the_runs_after(finance):
    """A quarter's developer bill from a takeover of 10 November, made by October's run, covers November and
    December: it said its months (``pricing.months``, 2) from its period, October and November, and
    November's run billed the developer December again (found by h2, the developer's leftovers)."""
    approved(finance, cycle="quarterly", valid_from="2026-10")
    dated(finance, "hh_1", 2, taken_over_on="2026-11-10")
    run(finance, "2026-10")
    [quarter] = developers(finance)
    assert (quarter["owed"], quarter["covers_from"], quarter["covers_to"]) == (
        {"from": "2026-11-10", "to": "2026-12-31"}, "2026-11", "2026-12")
    assert run(finance, "2026-11")["result"]["bills_created"] == 0
    assert [b["id"] for b in developers(finance)] == [quarter["id"]]


def test_an_owners_bill_of_a_month_before_a_takeover_recorded_since_is_cancelled_and_billed_to_nobody(finance):
    """A flat billed to its owner for October, its takeover (接管验收) of 5 November recorded since, not handed
    over: October was before the management's care and the owner owes nothing before the handover, so the
    month's run again cancels his bill and bills nobody (``rebilled_as`` null), as a run would have."""
    approved(finance, valid_from="2026-01")
    run(finance, "2026-10")
    dated(finance, "hh_1", 2, taken_over_on="2026-11-05")
    assert run(finance, "2026-10")["result"]["bills_corrected"] == 1
    acting(finance, ACCOUNTANT)
    cancelled = bill_of(finance, "hh_1", "2026-10")
    assert (cancelled["status"], cancelled["rebilled_as"]) == ("cancelled", None)
    assert "owes none of 2026-10" in cancelled["cancel_reason"] and developers(finance) == []


def test_an_owners_month_moved_to_the_developer_is_free_in_his_coverage_for_a_bill_of_his_again(finance):
    """The owner's quarter (October..December, its months claimed in his coverage document under the estate's
    fenced lock of the billing of months) moved to the developer by a takeover of 10 November recorded late:
    cancelled, ``rebilled_as`` the developer's bill, whose months are the developer's (``payers.coverage_key``).
    The owner's December billed to him again once he owes it (a handover on 1 December) was refused by the
    fence as billed already, for good: a bill cancelled with a re-bill was read as covering every month it had,
    whatever its re-bill covers (found by r4 reviewing h4). A correction's re-bill (更正: the same months, the
    same payer) still covers them."""
    from estate_common import clock
    from finance import operations, store
    approved(finance, cycle="quarterly", valid_from="2026-10")
    clock.freeze(clock.parse_iso("2026-11-20T02:00:00Z"))
    run(finance, "2026-10")
    quarter = finance.db.bills.find_one({"household_id": "hh_1"})
    dated(finance, "hh_1", 2, taken_over_on="2026-11-10")
    assert run(finance, "2026-10")["result"]["bills_corrected"] == 1
    assert finance.db.bills.find_one({"_id": quarter["_id"]})["rebilled_as"]
    december = {**quarter, "_id": "bill_owner_december", "covers_from": "2026-12", "covers_to": "2026-12",
                "pricing": {**quarter["pricing"], "months": 1}}
    now = clock.now()
    lock = store.lock_own_cycles(finance.db, ESTATE, clock.to_iso(now), clock.to_iso(now + timedelta(seconds=30)))
    claimed, taken, partly, _ = operations._claimed(finance.db, [december], lock[3])
    assert ([b["_id"] for b in claimed], taken, partly) == (["bill_owner_december"], [], [])


def test_an_owners_month_moved_to_the_developer_then_handed_over_bills_the_owner_from_the_handover(finance):
    """November billed to hh_1's owner whole; its takeover of 1 September recorded since, the month's run again
    moved November to the developer (the owner's bill cancelled); then its handover of the 20th: the developer's
    bill is restated to the 1st..19th and the owner owes the 20th..30th. The owner's bill of the month was counted
    billed already (its id held by his cancelled bill) and nobody was billed 7701 cents of November (found by r2
    reviewing h2)."""
    named_developer(finance)
    approved(finance, valid_from="2026-01")
    run(finance, "2026-11")
    first = bill_of(finance, "hh_1")
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01")
    assert run(finance, "2026-11")["result"]["bills_corrected"] == 1
    dated(finance, "hh_1", 3, taken_over_on="2026-09-01", occupied_from="2026-11-20")
    result = run(finance, "2026-11")["result"]
    assert (result["bills_corrected"], result["bills_created"]) == (1, 1)
    acting(finance, ACCOUNTANT)
    [developer] = developers(finance, period="2026-11", status="unpaid")
    [owner] = [b for b in bills(finance, household_id="hh_1", payer="owner") if b["status"] != "cancelled"]
    assert developer["owed"] == {"from": "2026-11-01", "to": "2026-11-19"}
    assert owner["id"] != first["id"] and owner["prorated"]["from"] == "2026-11-20"
    assert developer["amount_cents"] + owner["amount_cents"] == 21002  # the month, split once
    again = run(finance, "2026-11")["result"]
    assert (again["bills_created"], again["bills_corrected"]) == (0, 0)


def test_a_takeover_and_a_handover_recorded_after_the_owner_was_billed_move_the_days_before_it(finance):
    """October and November billed to hh_1's owner whole and paid by him; its takeover of 1 September and its
    handover of 20 November recorded since (archive's records entered late): the developer owes October and
    the 1st..19th of November, the owner the 20th..30th. The owner's bills stood whole and the developer was
    billed nothing, as the flat was handed over now (found by r2 reviewing h2): the months' runs again cancel
    them, bill the developer its days and the owner his from the handover, the split month's two bills summing
    to it; his money goes back to him and pays his bill of the 20th..30th, the rest his credit."""
    named_developer(finance)
    approved(finance, valid_from="2026-01")
    run(finance, "2026-10")
    run(finance, "2026-11")
    paid = pay(finance, "hh_1", 42004)
    assert paid["unapplied_cents"] == 0
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01", occupied_from="2026-11-20")
    assert run(finance, "2026-10")["result"]["bills_corrected"] == 1
    result = run(finance, "2026-11")["result"]
    assert (result["bills_corrected"], result["bills_created"]) == (1, 1)
    acting(finance, ACCOUNTANT)
    assert {b["period"]: b["status"] for b in bills(finance, household_id="hh_1", payer="owner")
            if b["id"] in (bill_of(finance, "hh_1", "2026-10")["id"], bill_of(finance, "hh_1")["id"])} == {
        "2026-10": "cancelled", "2026-11": "cancelled"}
    october, november = developers(finance, period="2026-10"), developers(finance, period="2026-11")
    assert [(b["amount_cents"], b["owed"]) for b in october + november] == [
        (21002, {"from": "2026-10-01", "to": "2026-10-31"}), (13301, {"from": "2026-11-01", "to": "2026-11-19"})]
    [owners] = [b for b in bills(finance, household_id="hh_1", payer="owner") if b["status"] != "cancelled"]
    assert (owners["period"], owners["amount_cents"], owners["status"]) == ("2026-11", 21002 - 13301, "paid")
    assert finance.get_payment({"estate_id": ESTATE, "id": paid["id"]})["unapplied_cents"] == 42004 - 7701
    again = [run(finance, month)["result"] for month in ("2026-10", "2026-11")]
    assert [(r["bills_created"], r["bills_corrected"]) for r in again] == [(0, 0), (0, 0)]


def test_a_closed_months_rate_at_its_end_counts_the_owners_money_on_both_parts_of_his_month_moved(finance):
    """November paid by hh_1's owner on the 23rd; in December its takeover (1 September) and handover (20 November)
    recorded and November run again: his bill cancelled, the developer billed the 1st..19th and he the 20th..30th,
    his money back paying his. November's rate at its end read the developer's part paid by the money he had paid
    then (``source.corrects_bill_id``) and his own part unpaid: 13301 of 21002 where the month was paid whole by
    its end; his bill names the one it replaces too (found by r2 reviewing h2)."""
    from estate_common import clock
    approved(finance, valid_from="2026-01")
    run(finance, "2026-11")
    pay(finance, "hh_1", 21002, bill_ids=[bill_of(finance, "hh_1")["id"]])

    def at_end(name="collection_rate_at_period_end"):
        shown = finance.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE][name]
        return shown["numerator"], shown["denominator"]
    before = at_end()
    clock.freeze(clock.parse_iso("2026-12-10T02:00:00Z"))
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01", occupied_from="2026-11-20")
    run(finance, "2026-11")
    acting(finance, ACCOUNTANT)
    assert at_end() == before
    [owners] = [b for b in bills(finance, household_id="hh_1", payer="owner") if b["status"] != "cancelled"]
    assert owners["source"]["corrects_bill_id"] == bill_of(finance, "hh_1")["id"]  # his month's, cancelled


def test_a_quarter_run_again_bills_the_developer_nothing_of_its_months_after_the_handover(finance):
    """A quarter's flat taken over before it and handed over on 20 November: October's run bills the developer
    1 October..19 November (covers_from October, covers_to November). October's run again billed it a piece of
    December, 0 cents owed 1 December..19 November (pricing.months 0), which broke the bills list's contract
    for the estate (found by r2 reviewing h2): it owes none of December, nothing is billed."""
    approved(finance, cycle="quarterly", valid_from="2026-10")
    dated(finance, "hh_1", 2, taken_over_on="2026-09-01", occupied_from="2026-11-20")
    run(finance, "2026-10")
    assert run(finance, "2026-10")["result"]["bills_created"] == 0
    acting(finance, ACCOUNTANT)
    assert [(b["owed"], b["amount_cents"]) for b in developers(finance)] == [
        ({"from": "2026-10-01", "to": "2026-11-19"}, 34303)]


def test_an_owners_quarter_moved_to_the_developer_then_handed_over_bills_the_owner_from_the_handover(finance):
    """The quarter's bill of hh_1's owner moved to the developer (a takeover of 10 November recorded late), then
    its handover of 5 December: the owner owes the 5th..31st. The estate's lock of the billing of months read
    his cancelled bill, which names the developer's as its re-bill, as still covering his months (``claim``), and
    December's run billed him nothing (found by r2 reviewing h2)."""
    from estate_common import clock
    approved(finance, cycle="quarterly", valid_from="2026-10")
    clock.freeze(clock.parse_iso("2026-10-05T02:00:00Z"))
    run(finance, "2026-10")
    clock.freeze(clock.parse_iso("2026-12-10T02:00:00Z"))
    dated(finance, "hh_1", 2, taken_over_on="2026-11-10")
    assert run(finance, "2026-10")["result"]["bills_corrected"] == 1
    dated(finance, "hh_1", 3, taken_over_on="2026-11-10", occupied_from="2026-12-05")
    assert run(finance, "2026-12")["result"]["bills_created"] == 1
    assert run(finance, "2026-10")["result"]["bills_corrected"] == 1  # the developer's restated to the 4th
    acting(finance, ACCOUNTANT)
    [owners] = [b for b in bills(finance, household_id="hh_1", payer="owner") if b["status"] != "cancelled"]
    [developer] = developers(finance, status="unpaid")
    assert (owners["covers_from"], owners["covers_to"], owners["prorated"]["from"]) == ("2026-12", "2026-12", "2026-12-05")
    assert developer["owed"] == {"from": "2026-11-10", "to": "2026-12-04"}
    assert owners["amount_cents"] + developer["amount_cents"] == 35703  # 10 November..31 December, split once


def test_a_past_month_whose_run_again_would_move_a_bill_is_an_unbilled_month_with_why(finance):
    """November billed to hh_1's owner whole; its takeover of 1 September recorded since (no handover): the month's
    run again moves the bill to the developer, and ``GET …/unbilled-months`` did not name November, billed already by
    a run (found by h7). It names it, with each bill the run would restate and why; once run, no more. A handover
    recorded late after the developer was billed is named the same way."""
    from estate_common import clock
    named_developer(finance)
    approved(finance, valid_from="2026-11")
    run(finance, "2026-11")
    assert finance.list_unbilled_months({"estate_id": ESTATE})["items"] == []
    owners = {b["period"]: b for b in bills(finance, household_id="hh_1")}
    dated(finance, "hh_1", 2, taken_over_on="2026-11-01")  # 接管验收, recorded late; not handed over
    [november] = finance.list_unbilled_months({"estate_id": ESTATE})["items"]
    assert (november["period"], november["items"]) == ("2026-11", ["property_service"])
    assert november["restatements"] == [{"household_id": "hh_1", "bill_id": owners["2026-11"]["id"],
                                         "why": "takeover_recorded_late"}]
    run(finance, "2026-11")
    assert finance.list_unbilled_months({"estate_id": ESTATE})["items"] == []
    dated(finance, "hh_1", 3, taken_over_on="2026-11-01", occupied_from="2026-11-20")  # 交房, recorded late
    [november] = finance.list_unbilled_months({"estate_id": ESTATE})["items"]
    [developer] = developers(finance, period="2026-11")
    assert november["restatements"] == [{"household_id": "hh_1", "bill_id": developer["id"],
                                         "why": "handover_recorded_late"}]
    run(finance, "2026-11")
    assert finance.list_unbilled_months({"estate_id": ESTATE})["items"] == []
