"""Opening balances (期初欠费) through finance's entrypoints: what households owed the previous
property company, carried over when the estate is taken on, owed at once, never billed again,
out of the collection rate and the disclosure (found by a probe of taking on an estate)."""
import pytest

from estate_common import clock, contracts
from estate_common.errors import BusinessRuleViolation, Conflict

from .test_service import ACCOUNTANT, ESTATE, acting, approved, bills, finance, pay, run  # noqa: F401 (fixture)


def carry(finance, key=None, **data):
    acting(finance, ACCOUNTANT, key)
    body = {"household_id": "hh_1", "item": "property_service", "period": "2026-08", "amount_cents": 21002,
            "reference": "QD-2026-117", **data}
    payload = {"estate_id": ESTATE, "data": body}
    contracts.load().check_rpc_input("finance", "record_opening_balance", payload)
    answer = finance.record_opening_balance(payload)
    contracts.load().check_rpc_output("finance", "record_opening_balance", answer)
    return answer


def test_an_opening_balance_is_a_bill_owed_at_once_and_in_the_arrears(finance):
    bill = carry(finance, note="三个月未缴")
    assert (bill["household_id"], bill["item"], bill["period"], bill["amount_cents"], bill["status"]) == \
        ("hh_1", "property_service", "2026-08", 21002, "unpaid")
    assert bill["source"] == {"kind": "opening_balance", "reference": "QD-2026-117", "recorded_by": "acc",
                              "note": "三个月未缴"}
    assert bill["due_at"] < clock.now_iso()  # August is over: overdue from the start
    arrears = finance.list_arrears({"estate_id": ESTATE, "limit": 50})["items"]
    assert [(entry["household_id"], entry["overdue_cents"]) for entry in arrears] == [("hh_1", 21002)]
    event, = finance.outbox.of_type("opening_balance_recorded")
    assert event["data"] == {"id": bill["id"], "household_id": "hh_1", "item": "property_service",
                             "period": "2026-08", "amount_cents": 21002, "due_at": bill["due_at"],
                             "reference": "QD-2026-117", "recorded_at": bill["created_at"]}
    assert [b["id"] for b in bills(finance, source="opening_balance")] == [bill["id"]]


def test_one_of_the_current_month_is_overdue_from_when_it_was_recorded(finance):
    bill = carry(finance, period="2026-11")
    assert bill["due_at"] < clock.now_iso()
    assert [entry["household_id"] for entry in finance.list_arrears({"estate_id": ESTATE})["items"]] == ["hh_1"]


def test_a_month_carried_over_is_not_billed_again_by_a_catch_up_run(finance):
    carry(finance, period="2026-10")
    approved(finance, valid_from="2026-10")
    run(finance, "2026-10")
    october = bills(finance, household_id="hh_1", period="2026-10")
    assert [(b["amount_cents"], b["source"]["kind"]) for b in october] == [(21002, "opening_balance")]
    assert {b["household_id"] for b in bills(finance, period="2026-10")} == {"hh_1", "hh_2", "hh_3"}


def test_a_month_billed_already_or_carried_twice_is_a_409_and_a_retry_answers_the_first(finance):
    first = carry(finance, key="ob-1")
    assert carry(finance, key="ob-1")["id"] == first["id"]  # its answer lost
    with pytest.raises(Conflict) as refused:
        carry(finance, key="ob-2", amount_cents=5000)
    assert refused.value.errors[0]["field"] == "data.period"
    approved(finance, valid_from="2026-11")
    run(finance, "2026-11")
    with pytest.raises(Conflict):
        carry(finance, period="2026-11")


def test_a_month_to_come_an_unknown_household_or_one_past_the_catch_up_window_is_refused(finance):
    with pytest.raises(BusinessRuleViolation) as refused:
        carry(finance, period="2026-12")
    assert refused.value.errors[0]["field"] == "data.period"
    with pytest.raises(BusinessRuleViolation) as refused:
        carry(finance, period="2014-01")
    assert refused.value.errors[0]["field"] == "data.period"
    with pytest.raises(BusinessRuleViolation) as refused:
        carry(finance, household_id="hh_nobody")
    assert refused.value.errors[0]["field"] == "data.household_id"


def test_a_payment_settles_it_oldest_first_and_the_collection_rate_and_income_leave_it_out(finance):
    carry(finance, period="2026-11", amount_cents=30000)  # the previous company's November, part of it
    approved(finance, valid_from="2026-10")
    run(finance, "2026-10")
    run(finance, "2026-11")  # hh_2 and hh_3: hh_1's November is carried over
    carried = carry(finance, household_id="hh_2", period="2026-09", amount_cents=10000)
    pay(finance, "hh_2", 10000)
    assert bills(finance, household_id="hh_2", period="2026-09")[0]["status"] == "paid"
    assert bills(finance, household_id="hh_2", period="2026-10")[0]["status"] == "unpaid"  # oldest first
    assert carried["status"] == "unpaid"
    acting(finance, ACCOUNTANT)
    rate = finance.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]["collection_rate"]
    assert rate["denominator"] == 28200 + 11868  # hh_2's and hh_3's Novembers, not hh_1's 300.00 carried
    november = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert november["income"]["billed_cents"] == 28200 + 11868
    september = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-09"}})
    assert september["income"]["billed_cents"] == 0 and september["income"]["received_cents"] == 0


def test_a_household_of_another_estate_is_refused(finance):
    with pytest.raises(BusinessRuleViolation) as refused:
        carry(finance, household_id="hh_far")
    assert refused.value.errors[0]["field"] == "data.household_id"


def test_a_month_inside_a_quarter_billed_by_its_first_month_is_not_billed_twice(finance):
    """Found by review: a quarter's bill is under the id of its first month, so an opening balance
    of November (a quarter from October) was carried over and the October run billed hh_1 the whole
    quarter again, November twice."""
    approved(finance, cycle="quarterly", valid_from="2026-10")
    with pytest.raises(BusinessRuleViolation) as refused:
        carry(finance, period="2026-11")
    assert refused.value.errors[0]["field"] == "data.period"
    assert "2026-10" in refused.value.errors[0]["message"]
    carried = carry(finance, period="2026-10", amount_cents=63006)  # the quarter, as its first month
    run(finance, "2026-10")
    assert [(b["period"], b["id"]) for b in bills(finance, household_id="hh_1")] == [("2026-10", carried["id"])]
