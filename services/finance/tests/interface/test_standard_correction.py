"""A fee standard approved with a wrong price and billed already is corrected (更正收费标准): the
accountant proposes the right price naming the standard it corrects, a manager approves it, and the
month's billing run again re-bills each bill of the wrong one at the corrected price: the wrong bill
cancelled (its money given back to its payments as prepaid money, which settles the new bill), one
new bill under the correction's own id, so a run repeated bills nothing twice.

Found by h6's probe of a fee rise (物业费调价 2.50 → 2.80): a rise typed 2.08 and billed in January
could not be put right: a standard from the same month was a 409 (it overlaps), an approved one could
not be rejected (409), no bill could be cancelled, and a later standard left January's bills wrong."""
import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict
from estate_common.testing import staff

from .test_service import ESTATE, MANAGER, acting, approved, bill_of, bills, finance, pay, run  # noqa: F401 (fixture)

ACCOUNTANT = staff("acc", ["accountant"], [ESTATE])


def propose(finance, **data):
    acting(finance, ACCOUNTANT)
    return finance.create_fee_standard({"estate_id": ESTATE, "data": {
        "item": "property_service", "cycle": "monthly", **data}})


def approve(finance, standard_id):
    acting(finance, MANAGER)
    answer = finance.approve_fee_standard({"estate_id": ESTATE, "id": standard_id})
    acting(finance, ACCOUNTANT)
    return answer


def test_a_wrong_rate_billed_is_rebilled_once_at_the_corrected_one(finance):
    wrong = approved(finance, unit_price_cents_per_m2=208, valid_from="2026-11", name="物业费 2.80")  # typed 2.08
    run(finance, "2026-11")
    assert bill_of(finance, "hh_2")["amount_cents"] == 24960  # 120 m² × 2.08
    pay(finance, "hh_2", 24960)  # paid in full at the wrong rate
    fix = propose(finance, unit_price_cents_per_m2=280, corrects=wrong["id"], name="物业费 2.80 更正")
    assert (fix["valid_from"], fix["applies_to"], fix["corrects"], fix["status"]) == (
        "2026-11", None, wrong["id"], "pending")
    assert approve(finance, fix["id"])["status"] == "approved"
    listed = {s["id"]: s for s in finance.list_fee_standards({"estate_id": ESTATE, "filters": {}})["items"]}
    assert (listed[wrong["id"]]["status"], listed[wrong["id"]]["corrected_by"]) == ("corrected", fix["id"])

    result = run(finance, "2026-11")["result"]
    assert (result["bills_corrected"], result["bills_created"]) == (3, 0)
    assert [e["data"]["bills_corrected"] for e in finance.outbox.of_type("billing_run_finished")] == [0, 3]
    nov = [b for b in bills(finance) if b["period"] == "2026-11"]
    assert sorted((b["household_id"], b["status"], b["amount_cents"]) for b in nov) == [
        ("hh_1", "cancelled", 18589), ("hh_1", "unpaid", 25024),
        ("hh_2", "cancelled", 24960), ("hh_2", "unpaid", 33600),
        ("hh_3", "cancelled", 10504), ("hh_3", "unpaid", 14140)]
    old, new = bill_of(finance, "hh_2"), next(b for b in nov if b["household_id"] == "hh_2" and b["status"] != "cancelled")
    assert old["rebilled_as"] == new["id"] and new["source"]["corrects_bill_id"] == old["id"]
    assert new["source"]["standard_id"] == fix["id"] and new["pricing"]["unit_price_cents_per_m2"] == 280
    assert old["paid_cents"] == 0 and new["paid_cents"] == 24960  # the money paid moved to the right bill
    # the run again, and the next month: nothing twice, the wrong one bills no more
    assert run(finance, "2026-11")["result"]["bills_corrected"] == 0
    assert len([b for b in bills(finance) if b["period"] == "2026-11"]) == 6


def test_a_correction_says_what_it_corrects_and_is_refused_otherwise(finance):
    wrong = approved(finance, unit_price_cents_per_m2=208, valid_from="2026-11")
    with pytest.raises(BusinessRuleViolation) as refused:
        propose(finance, unit_price_cents_per_m2=280, corrects=wrong["id"], valid_from="2026-12")
    assert refused.value.errors[0]["field"] == "data.valid_from"
    with pytest.raises(BusinessRuleViolation) as refused:
        propose(finance, unit_price_cents_per_m2=280, corrects="fs_nothing")
    assert refused.value.errors[0]["field"] == "data.corrects"
    pending = propose(finance, unit_price_cents_per_m2=300, valid_from="2027-01")
    with pytest.raises(BusinessRuleViolation):  # only an approved standard is corrected
        propose(finance, unit_price_cents_per_m2=280, corrects=pending["id"])
    first = propose(finance, unit_price_cents_per_m2=280, corrects=wrong["id"])
    second = propose(finance, unit_price_cents_per_m2=281, corrects=wrong["id"])
    approve(finance, first["id"])
    with pytest.raises(Conflict):  # corrected once: the second names a standard no longer approved
        approve(finance, second["id"])


def test_a_correction_typed_wrong_again_is_corrected_in_turn_and_its_bills_rebilled(finance):
    """Found by review r6: the correction's bills carry an id of their own (the wrong bill keeps
    the natural one, cancelled), so a second correction's run found the first wrong bill, billed by
    neither, counted it already billed and left the first correction's bills at its wrong price."""
    wrong = approved(finance, unit_price_cents_per_m2=208, valid_from="2026-11")
    run(finance, "2026-11")
    pay(finance, "hh_2", 24960)
    first = propose(finance, unit_price_cents_per_m2=290, corrects=wrong["id"])  # typed 2.90 for 2.80
    approve(finance, first["id"])
    assert run(finance, "2026-11")["result"]["bills_corrected"] == 3
    second = propose(finance, unit_price_cents_per_m2=280, corrects=first["id"])
    approve(finance, second["id"])
    result = run(finance, "2026-11")["result"]
    assert (result["bills_corrected"], result["bills_created"]) == (3, 0)
    live = sorted((b["household_id"], b["amount_cents"], b["source"]["standard_id"], b["paid_cents"])
                  for b in bills(finance) if b["period"] == "2026-11" and b["status"] != "cancelled")
    assert live == [("hh_1", 25024, second["id"], 0), ("hh_2", 33600, second["id"], 24960),
                    ("hh_3", 14140, second["id"], 0)]
    assert run(finance, "2026-11")["result"]["bills_corrected"] == 0  # once however often run
    assert len([b for b in bills(finance) if b["period"] == "2026-11"]) == 9


def test_the_money_paid_in_a_month_on_its_wrong_bill_stays_paid_by_its_end_once_rebilled(finance):
    """Found by review r6: the wrong bill's money goes back to its payment and settles the re-bill
    when the month is re-billed, in a later month: November's rate at its end (what was paid by its
    last day) read 0 where 24960 had been paid on November's fee in November, and a correction
    within the month counted no payment twice either."""
    wrong = approved(finance, unit_price_cents_per_m2=208, valid_from="2026-11")
    run(finance, "2026-11")
    pay(finance, "hh_2", 24960)
    clock.freeze(clock.parse_iso("2026-12-03T02:00:00Z"))  # corrected in December
    fix = propose(finance, unit_price_cents_per_m2=280, corrects=wrong["id"])
    approve(finance, fix["id"])
    run(finance, "2026-11")
    pay(finance, "hh_1", 25024)  # paid after November: not in its rate at its end
    acting(finance, MANAGER)
    block = finance.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]
    billed = 25024 + 33600 + 14140
    assert (block["collection_rate"]["numerator"], block["collection_rate"]["denominator"]) == (24960 + 25024, billed)
    at_end = block["collection_rate_at_period_end"]
    assert (at_end["numerator"], at_end["denominator"]) == (24960, billed)


def test_a_correction_within_the_month_counts_its_money_once_and_a_lower_price_at_most_the_bill(finance):
    wrong = approved(finance, unit_price_cents_per_m2=380, valid_from="2026-11")  # typed 3.80 for 2.80
    run(finance, "2026-11")
    pay(finance, "hh_2", 45600)  # 120 m² × 3.80, in November
    fix = propose(finance, unit_price_cents_per_m2=280, corrects=wrong["id"])
    approve(finance, fix["id"])
    run(finance, "2026-11")  # in November too: the money moved to the re-bill, 12000 of it prepaid
    clock.freeze(clock.parse_iso("2026-12-03T02:00:00Z"))
    acting(finance, MANAGER)
    at_end = finance.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE][
        "collection_rate_at_period_end"]
    assert (at_end["numerator"], at_end["denominator"]) == (33600, 25024 + 33600 + 14140)


def test_a_re_run_that_meets_a_busy_household_re_bills_the_others_and_names_it(finance):
    """A correction's run again (更正) met a household locked by another writer for over the lock's wait
    (a second): the whole run failed there, every household after it left at the wrong price (found by
    h3, the fee rise's leftovers). The household is tried again once the others are done; still busy, it is left
    for the month's run again and named in the result (``households_busy``)."""
    from finance import store
    wrong = approved(finance, unit_price_cents_per_m2=208, valid_from="2026-11")
    run(finance, "2026-11")
    approve(finance, propose(finance, unit_price_cents_per_m2=280, corrects=wrong["id"])["id"])
    now = clock.now_iso()
    lock = store.lock_household(finance.db, ESTATE, "hh_2", now, "2099-01-01T00:00:00.000Z")  # a writer, stuck
    job = run(finance, "2026-11")
    assert job["status"] == "succeeded"
    assert (job["result"]["bills_corrected"], job["result"]["households_busy"]) == (2, [
        {"household_id": "hh_2", "bill_id": bill_of(finance, "hh_2")["id"]}])
    assert bill_of(finance, "hh_2")["status"] == "unpaid" and bill_of(finance, "hh_1")["status"] == "cancelled"
    store.unlock(finance.db, lock)
    again = run(finance, "2026-11")["result"]
    assert (again["bills_corrected"], again["households_busy"]) == (1, [])
    assert bill_of(finance, "hh_2")["status"] == "cancelled"


def test_a_month_s_prepaid_money_used_stays_used_once_its_bill_is_re_billed_in_a_later_month(finance):
    """The disclosure's prepaid money (预收) of a month whose prepaid money paid a bill that a later
    month's correction re-billed: the bill's allocation leaves its payment for the cancelled bill's
    ``released``, which the month's history did not read (cancelled after its end), so the month read
    the money never used and its end no longer the next month's start (found by review r3 of h3)."""
    wrong = approved(finance, unit_price_cents_per_m2=208, valid_from="2026-11")
    pay(finance, "hh_2", 40000)                                        # 11-23: no bill yet, all prepaid
    clock.freeze(clock.parse_iso("2026-11-24T02:00:00Z"))
    run(finance, "2026-11")                                            # 24960 of it used on November
    clock.freeze(clock.parse_iso("2026-12-03T02:00:00Z"))
    approve(finance, propose(finance, unit_price_cents_per_m2=280, corrects=wrong["id"])["id"])
    run(finance, "2026-11")                                            # re-billed: 24960 back, 33600 used
    clock.freeze(clock.parse_iso("2027-01-05T02:00:00Z"))

    def prepaid(period):
        shown = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": period}})["prepaid"]
        return tuple(shown[name] for name in ("opening_cents", "taken_in_cents", "used_cents", "given_back_cents",
                                              "closing_cents"))
    assert prepaid("2026-11") == (0, 40000, 24960, 0, 40000 - 24960)
    assert prepaid("2026-12") == (40000 - 24960, 0, 33600, 24960, 40000 - 33600)
    assert prepaid("2026-Q4") == (0, 40000, 24960 + 33600, 24960, 40000 - 33600)
