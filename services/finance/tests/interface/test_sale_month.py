"""The month a flat is sold (二手房过户): the seller owes its days up to the transfer, the buyer from it
(``sale_month``). Before, the month was billed whole to the household and read as the buyer's: a flat sold on
the 12th billed its buyer the seller's eleven days (found by h7)."""
from estate_common import clock, contracts

from .test_household_account import account
from .test_owner_statement import issue, owner_is, statement
from .test_service import ACCOUNTANT, ESTATE, acting, approved, bills, finance, pay, run  # noqa: F401 (fixture)

WHOLE = 21002  # 89.37 m² × 2.35 × 1, half-up
BUYERS = 13301  # 89.37 m² × 2.35 × 19/30 (the 12th..30th), half-up: 13301.235
SELLERS = WHOLE - BUYERS  # the 1st..11th: the rest of the month, so the two sum to it


def parts(finance, household_id="hh_1", period="2026-11"):
    found = {(b.get("sale") or {}).get("part"): b for b in bills(finance, household_id=household_id, period=period)
             if b["status"] != "cancelled"}
    return found


def test_a_sale_recorded_before_the_run_bills_the_month_to_the_seller_and_the_buyer_by_their_days(finance):
    owner_is(finance, "hh_1", "occ_first", 2)
    approved(finance, valid_from="2026-11")
    clock.freeze(clock.parse_iso("2026-11-21T02:00:00Z"))
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")
    result = run(finance, "2026-11")["result"]
    split = parts(finance)
    assert set(split) == {"seller", "buyer"}
    seller, buyer = split["seller"], split["buyer"]
    assert (seller["amount_cents"], buyer["amount_cents"]) == (SELLERS, BUYERS)
    assert seller["sale"] == {"day": "2026-11-12", "part": "seller"} and buyer["sale"]["part"] == "buyer"
    assert (seller["owed"], buyer["owed"]) == ({"from": "2026-11-01", "to": "2026-11-11"},
                                               {"from": "2026-11-12", "to": "2026-11-30"})
    assert (seller["prorated"]["days"], buyer["prorated"]["days"]) == (11, 19)
    assert result["bills_corrected"] == 0
    # the household's account lists both; the buyer's statement his part, the seller's owed by the months before
    # him (欠费随房)
    assert sorted(b["amount_cents"] for b in account(finance)["bills"] if b["period"] == "2026-11") == [SELLERS,
                                                                                                        BUYERS]
    shown = statement(finance, issue(finance)["code"])
    assert [b["amount_cents"] for b in shown["bills"]] == [BUYERS]
    assert shown["owed_before_owner_cents"] == SELLERS and shown["unpaid_cents"] == WHOLE
    again = run(finance, "2026-11")["result"]
    assert (again["bills_created"], again["bills_corrected"]) == (0, 0)
    assert {b["household_id"] for b in bills(finance, period="2026-11")} >= {"hh_2"}  # the others as before
    assert len(bills(finance, household_id="hh_2", period="2026-11")) == 1


def test_a_sale_recorded_after_the_seller_paid_the_month_restates_it_and_his_money_stays_his(finance):
    """November billed whole on the 5th and paid by the seller; the sale of the 12th reaches finance on the 21st.
    The month is named to run again (why: the sale), and its run cancels the whole bill (never edited), bills each
    his days, the seller's money pays his part and the rest is held for him, never on the buyer's part."""
    owner_is(finance, "hh_1", "occ_first", 2)
    approved(finance, valid_from="2026-11")
    clock.freeze(clock.parse_iso("2026-11-05T02:00:00Z"))
    run(finance, "2026-11")
    [whole] = bills(finance, household_id="hh_1", period="2026-11")
    sellers = pay(finance, "hh_1", WHOLE, bill_ids=[whole["id"]])
    clock.freeze(clock.parse_iso("2026-11-21T02:00:00Z"))
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")
    acting(finance, ACCOUNTANT)
    [november] = finance.list_unbilled_months({"estate_id": ESTATE})["items"]
    assert november["period"] == "2026-11"
    assert november["restatements"] == [{"household_id": "hh_1", "bill_id": whole["id"], "why": "sale_recorded_late"}]
    result = run(finance, "2026-11")["result"]
    assert result["bills_corrected"] == 1
    acting(finance, ACCOUNTANT)
    cancelled = finance.get_bill({"estate_id": ESTATE, "id": whole["id"]})
    split = parts(finance)
    assert (cancelled["status"], cancelled["rebilled_as"]) == ("cancelled", split["seller"]["id"])
    assert split["buyer"]["source"]["corrects_bill_id"] == whole["id"]
    assert (split["seller"]["status"], split["seller"]["paid_cents"]) == ("paid", SELLERS)  # his money, his days
    assert (split["buyer"]["status"], split["buyer"]["paid_cents"]) == ("unpaid", 0)  # never the seller's money
    [held] = account(finance)["seller_prepaid"]
    assert (held["amount_cents"], held["payments"]) == (BUYERS, [{"payment_id": sellers["id"], "amount_cents": BUYERS}])
    buyers = pay(finance, "hh_1", BUYERS)  # the buyer pays his part
    assert buyers["unapplied_cents"] == 0
    assert parts(finance)["buyer"]["status"] == "paid"
    assert finance.list_unbilled_months({"estate_id": ESTATE})["items"] == []
    again = run(finance, "2026-11")["result"]
    assert (again["bills_created"], again["bills_corrected"]) == (0, 0)


def test_an_estate_billing_the_sale_month_whole_bills_the_buyer_as_before(finance):
    """The other custom (the fee of the month with whoever owns the flat at its end): ``prorate_sale_month`` 0."""
    acting(finance, ACCOUNTANT)
    from estate_common.testing import staff
    acting(finance, staff("boss", ["manager"], [ESTATE]))
    finance.update_settings({"estate_id": ESTATE, "data": {"prorate_sale_month": 0}})
    owner_is(finance, "hh_1", "occ_first", 2)
    approved(finance, valid_from="2026-11")
    clock.freeze(clock.parse_iso("2026-11-21T02:00:00Z"))
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")
    run(finance, "2026-11")
    [whole] = bills(finance, household_id="hh_1", period="2026-11")
    assert (whole["amount_cents"], whole.get("sale")) == (WHOLE, None)
    assert finance.list_unbilled_months({"estate_id": ESTATE})["items"] == []


def test_a_price_correction_of_a_split_month_rebills_each_part_at_the_corrected_price(finance):
    """The month split at the sale and billed at a wrong price (更正收费标准): the correction's run re-bills the
    seller's part and the buyer's each under an id of its own. Both re-bills took the one id of the household's
    month, the buyer's was never written, and his part, cancelled, went unbilled (found by r7 reviewing h7)."""
    from .test_standard_correction import approve, propose
    owner_is(finance, "hh_1", "occ_first", 2)
    wrong = approved(finance, valid_from="2026-11", unit_price_cents_per_m2=208)
    clock.freeze(clock.parse_iso("2026-11-21T02:00:00Z"))
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")
    run(finance, "2026-11")
    assert set(parts(finance)) == {"seller", "buyer"}
    approve(finance, propose(finance, unit_price_cents_per_m2=235, corrects=wrong["id"])["id"])
    run(finance, "2026-11")
    split = parts(finance)
    assert set(split) == {"seller", "buyer"}
    assert (split["seller"]["amount_cents"], split["buyer"]["amount_cents"]) == (SELLERS, BUYERS)
    assert {part["source"]["standard_id"] for part in split.values()} != {wrong["id"]}
    again = run(finance, "2026-11")["result"]
    assert (again["bills_created"], again["bills_corrected"]) == (0, 0)
    assert sum(part["amount_cents"] for part in parts(finance).values()) == WHOLE


def test_a_month_billed_whole_at_a_wrong_price_before_the_sale_reached_finance_is_billed_once(finance):
    """November billed whole at a wrong price, the sale of the 12th recorded, then the price corrected (更正): the
    correction's run bills the seller's and the buyer's parts at the right price and the whole wrong bill is
    cancelled. The wrong standard is no longer approved, so the sale's restatement passed its bill by, the
    correction's parts found no bill of their ids and were written new, and the wrong whole month stayed owed
    beside them: the month billed twice (found by r7 reviewing h7)."""
    from .test_standard_correction import approve, propose
    owner_is(finance, "hh_1", "occ_first", 2)
    wrong = approved(finance, valid_from="2026-11", unit_price_cents_per_m2=208)
    clock.freeze(clock.parse_iso("2026-11-05T02:00:00Z"))
    run(finance, "2026-11")
    [whole] = bills(finance, household_id="hh_1", period="2026-11")
    paid = pay(finance, "hh_1", whole["amount_cents"], bill_ids=[whole["id"]])
    clock.freeze(clock.parse_iso("2026-11-21T02:00:00Z"))
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")
    approve(finance, propose(finance, unit_price_cents_per_m2=235, corrects=wrong["id"])["id"])
    run(finance, "2026-11")
    live = [b for b in bills(finance, household_id="hh_1", period="2026-11") if b["status"] != "cancelled"]
    assert sorted((b.get("sale") or {}).get("part", "") for b in live) == ["buyer", "seller"]
    assert sum(b["amount_cents"] for b in live) == WHOLE
    acting(finance, ACCOUNTANT)
    assert finance.get_bill({"estate_id": ESTATE, "id": whole["id"]})["status"] == "cancelled"
    split = parts(finance)
    assert split["buyer"]["paid_cents"] == 0  # never the seller's money
    # his money, paid for the whole month at the wrong price, pays his part (at the wrong price, as the sale's
    # restatement left it) and the rest is held for him (seller_prepaid)
    [held] = account(finance)["seller_prepaid"]
    assert split["seller"]["paid_cents"] + held["amount_cents"] == paid["amount_cents"] < WHOLE
    assert 0 < split["seller"]["paid_cents"] < SELLERS
    again = run(finance, "2026-11")["result"]
    assert (again["bills_created"], again["bills_corrected"]) == (0, 0)


def test_the_sellers_money_a_late_sale_gives_back_never_pays_the_buyers_later_months(finance):
    """The seller paid November and some ahead (held for him when the sale of the 12th reached finance, on
    December 3rd, December billed since); November's run again gives his money on the whole month back, and what
    is left after his part went on the buyer's December bill (the hold made at the sale could not grow), or stayed
    his money on account for the buyer's next bills (found by r7 reviewing h7)."""
    owner_is(finance, "hh_1", "occ_first", 2)
    approved(finance, valid_from="2026-11")
    clock.freeze(clock.parse_iso("2026-11-05T02:00:00Z"))
    run(finance, "2026-11")
    sellers = pay(finance, "hh_1", WHOLE + 5000)  # November and 50 yuan ahead
    clock.freeze(clock.parse_iso("2026-12-03T02:00:00Z"))
    run(finance, "2026-12")
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")
    [held] = account(finance)["seller_prepaid"]
    assert held["amount_cents"] == 5000  # taken back off December
    run(finance, "2026-11")
    split = parts(finance)
    assert (split["seller"]["paid_cents"], split["buyer"]["paid_cents"]) == (SELLERS, 0)
    [december] = bills(finance, household_id="hh_1", period="2026-12")
    assert december["paid_cents"] == 0  # the buyer's month: never the seller's money
    clock.freeze(clock.parse_iso("2027-01-04T02:00:00Z"))
    run(finance, "2027-01")
    [january] = bills(finance, household_id="hh_1", period="2027-01")
    assert january["paid_cents"] == 0
    acting(finance, ACCOUNTANT)
    payment = finance.get_payment({"estate_id": ESTATE, "id": sellers["id"]})
    assert payment["unapplied_cents"] + payment["seller_held_cents"] == BUYERS + 5000  # still his
    buyers = pay(finance, "hh_1", BUYERS)  # the buyer's own money pays his part of November first
    assert parts(finance)["buyer"]["status"] == "paid" and buyers["unapplied_cents"] == 0


def test_the_sellers_money_a_late_sale_gives_back_is_held_with_his_hold_and_refunded_to_him(finance):
    """What a late sale's restatement gave back to the seller's payments after the hold made at the sale sat on
    them for good: it pays no bill of the buyer's, a payment keeps one hold's part, and the seller, no longer the
    household's, had no route to have it back (left by r7 reviewing h7). It is added to his hold while it is held
    (``added``: when, how much, from which payments), and the hold's refund pays it all back to him, one journal
    entry out; a crash between the hold's write and its payments' is finished by the household's next writer."""
    owner_is(finance, "hh_1", "occ_first", 2)
    approved(finance, valid_from="2026-11")
    clock.freeze(clock.parse_iso("2026-11-05T02:00:00Z"))
    run(finance, "2026-11")
    sellers = pay(finance, "hh_1", WHOLE + 5000)  # November and 50 yuan ahead
    clock.freeze(clock.parse_iso("2026-12-03T02:00:00Z"))
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")
    [held] = account(finance)["seller_prepaid"]
    assert held["amount_cents"] == 5000
    run(finance, "2026-11")  # the sale's month restated: BUYERS of his money back, none of it the buyer's
    [held] = account(finance)["seller_prepaid"]
    assert held["amount_cents"] == 5000 + BUYERS and held["payments"] == [
        {"payment_id": sellers["id"], "amount_cents": 5000 + BUYERS}]
    assert [(a["cents"], a["payments"]) for a in held["added"]] == [
        (BUYERS, [{"payment_id": sellers["id"], "amount_cents": BUYERS}])]
    # announced in the hold's write, as its making was (nothing told archive the hold grew: found by h5)
    [added] = finance.outbox.of_type("seller_prepaid_added")
    contracts.load().check_event("finance", "seller_prepaid_added", added)
    assert (added["data"]["id"], added["data"]["household_id"], added["data"]["added_cents"],
            added["data"]["amount_cents"]) == (held["id"], "hh_1", BUYERS, 5000 + BUYERS)
    assert added["data"]["payments"] == [{"payment_id": sellers["id"], "amount_cents": BUYERS}]
    acting(finance, ACCOUNTANT)
    payment = finance.get_payment({"estate_id": ESTATE, "id": sellers["id"]})
    assert (payment["unapplied_cents"], payment["seller_held_cents"]) == (0, 5000 + BUYERS)
    run(finance, "2026-11")  # again: nothing more to add
    assert account(finance)["seller_prepaid"][0]["amount_cents"] == 5000 + BUYERS
    assert len(finance.outbox.of_type("seller_prepaid_added")) == 1
    acting(finance, ACCOUNTANT, "spr-1")
    refunded = finance.refund_seller_prepaid({"estate_id": ESTATE, "id": held["id"], "data": {"method": "cash"}})
    assert (refunded["status"], refunded["refund"]["amount_cents"]) == ("refunded", 5000 + BUYERS)
    [out] = finance.list_journal_entries({"estate_id": ESTATE, "filters": {"kind": "seller_prepaid_refund"}})["items"]
    assert (out["direction"], out["amount_cents"]) == ("out", 5000 + BUYERS)
    payment = finance.get_payment({"estate_id": ESTATE, "id": sellers["id"]})
    assert (payment["unapplied_cents"], payment["seller_held_cents"]) == (0, 0)


def test_an_addition_to_the_sellers_hold_stopped_half_way_is_finished_by_the_households_next_writer(
        finance, monkeypatch):
    """The hold says the money added, its payment does not hold it yet (the process died between): the
    household's next writer moves it, once, before the money is used."""
    from finance import operations, store
    owner_is(finance, "hh_1", "occ_first", 2)
    approved(finance, valid_from="2026-11")
    clock.freeze(clock.parse_iso("2026-11-05T02:00:00Z"))
    run(finance, "2026-11")
    sellers = pay(finance, "hh_1", WHOLE + 5000)
    clock.freeze(clock.parse_iso("2026-12-03T02:00:00Z"))
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")

    def dies(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(operations.store, "grow_payments_held", dies)
    try:
        run(finance, "2026-11")
    except RuntimeError:
        pass
    monkeypatch.undo()
    acting(finance, ACCOUNTANT)
    payment = finance.get_payment({"estate_id": ESTATE, "id": sellers["id"]})
    assert (payment["unapplied_cents"], payment["seller_held_cents"]) == (BUYERS, 5000)  # not moved yet
    assert account(finance)["seller_prepaid"][0]["amount_cents"] == 5000 + BUYERS
    with operations.household(finance.db, finance.outbox, ESTATE, "hh_1"):
        pass  # the household's next writer
    with operations.household(finance.db, finance.outbox, ESTATE, "hh_1"):
        pass  # and the one after: nothing twice
    payment = finance.get_payment({"estate_id": ESTATE, "id": sellers["id"]})
    assert (payment["unapplied_cents"], payment["seller_held_cents"]) == (0, 5000 + BUYERS)
    assert store.holds_being_made(finance.db, ESTATE, "hh_1") == []


def test_the_sellers_money_a_restatement_gave_back_is_held_by_the_runs_retry_after_a_crash_before_it_was(
        finance, monkeypatch):
    """The run died between the restatement, which gave the seller's money back to his payments, and its addition
    to his hold: the month's run again found the sale restated already and added nothing, the money left on his
    payments for good, paying no bill of the buyer's, with no route back to him (found by r4 reviewing h4). The
    run again adds it, once."""
    from finance import operations
    owner_is(finance, "hh_1", "occ_first", 2)
    approved(finance, valid_from="2026-11")
    clock.freeze(clock.parse_iso("2026-11-05T02:00:00Z"))
    run(finance, "2026-11")
    sellers = pay(finance, "hh_1", WHOLE + 5000)
    clock.freeze(clock.parse_iso("2026-12-03T02:00:00Z"))
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")

    def dies(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(operations, "grow_sellers_hold", dies)
    try:
        run(finance, "2026-11")
    except RuntimeError:
        pass
    monkeypatch.undo()
    run(finance, "2026-11")  # the month's run again
    run(finance, "2026-11")  # and again: nothing twice
    [held] = account(finance)["seller_prepaid"]
    assert held["amount_cents"] == 5000 + BUYERS and len(held["added"]) == 1
    acting(finance, ACCOUNTANT)
    payment = finance.get_payment({"estate_id": ESTATE, "id": sellers["id"]})
    assert (payment["unapplied_cents"], payment["seller_held_cents"]) == (0, 5000 + BUYERS)


def rate_at_end(finance, period="2026-11"):
    shown = finance.kpis({"period": period, "estate_ids": [ESTATE]})["estates"][ESTATE]["collection_rate_at_period_end"]
    return shown["numerator"], shown["denominator"]


def test_the_rate_at_a_sale_month_s_end_counts_the_money_paid_on_it_once(finance):
    """November's whole bill part-paid by the seller (150 yuan), the sale of the 12th reaching finance in December
    and November run again: the month's collection rate at its end counted the 150 on the seller's part and again
    on the buyer's, each re-bill taking the whole bill it replaced as its own (found by r7 reviewing h7)."""
    owner_is(finance, "hh_1", "occ_first", 2)
    approved(finance, valid_from="2026-11")
    clock.freeze(clock.parse_iso("2026-11-05T02:00:00Z"))
    run(finance, "2026-11")
    [whole] = bills(finance, household_id="hh_1", period="2026-11")
    pay(finance, "hh_1", 15000, bill_ids=[whole["id"]])
    clock.freeze(clock.parse_iso("2026-12-03T02:00:00Z"))
    paid, billed = rate_at_end(finance)
    assert paid == 15000
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")
    run(finance, "2026-11")
    assert set(parts(finance)) == {"seller", "buyer"}
    assert rate_at_end(finance) == (15000, billed)


def test_the_rate_at_a_sale_month_s_end_restated_within_it_counts_the_buyer_s_part_unpaid(finance):
    """Paid whole by the seller on the 5th, the sale of the 12th restated on the 21st: at the month's end the
    seller's part was paid and the buyer's not (the rest of the seller's money held for him); the rate at the end
    read the buyer's part paid by the cancelled whole bill's money (found by r7 reviewing h7)."""
    owner_is(finance, "hh_1", "occ_first", 2)
    approved(finance, valid_from="2026-11")
    clock.freeze(clock.parse_iso("2026-11-05T02:00:00Z"))
    run(finance, "2026-11")
    [whole] = bills(finance, household_id="hh_1", period="2026-11")
    pay(finance, "hh_1", WHOLE, bill_ids=[whole["id"]])
    clock.freeze(clock.parse_iso("2026-11-21T02:00:00Z"))
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-12")
    run(finance, "2026-11")
    clock.freeze(clock.parse_iso("2026-12-03T02:00:00Z"))
    paid, billed = rate_at_end(finance)
    assert paid == SELLERS
