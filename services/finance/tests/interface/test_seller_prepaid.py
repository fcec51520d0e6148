"""The seller's prepaid money at a sale (预收款归属): prepaid money is kept per household, and a
seller's money paid ahead settled the buyer's bills after the house was sold. When archive
announces a new owner (``owner_since``), the prepaid balance of the payments before that day is
held apart for the seller (``seller_prepaid``): it settles no bill, and the accountant then
refunds it to the seller or carries it over to the buyer by agreement."""
from estate_common import clock, contracts
from estate_common.testing import as_caller

from .test_owner_statement import owner_is
from .test_service import ACCOUNTANT, ESTATE, acting, approved, bills, finance, pay, run  # noqa: F401 (fixture)


def account(finance, household_id="hh_1"):
    acting(finance, ACCOUNTANT)
    payload = {"estate_id": ESTATE, "id": household_id}
    answer = finance.household_account(payload)
    contracts.load().check_rpc_output("finance", "household_account", answer)
    return answer


def sold_with_prepaid(finance):
    """hh_1's seller paid October and 500 yuan ahead on 11-05; the house sold on the 20th."""
    owner_is(finance, "hh_1", "occ_first", 2)
    approved(finance)
    run(finance, "2026-10")
    clock.freeze(clock.parse_iso("2026-11-05T02:00:00Z"))
    sellers = pay(finance, "hh_1", 21002 + 50000)
    clock.freeze(clock.parse_iso("2026-11-21T02:00:00Z"))
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-20")
    return sellers


def test_the_sellers_prepaid_money_is_held_apart_and_settles_no_bill_of_the_buyer(finance):
    sellers = sold_with_prepaid(finance)
    run(finance, "2026-11")  # the buyer's first month
    [november] = bills(finance, household_id="hh_1", period="2026-11")
    assert november["status"] == "unpaid" and november["paid_cents"] == 0
    shown = account(finance)
    assert shown["prepaid_cents"] == 0 and shown["unpaid_cents"] == 21002
    [held] = shown["seller_prepaid"]
    assert (held["amount_cents"], held["owner_since"], held["status"]) == (50000, "2026-11-20", "held")
    assert held["payments"] == [{"payment_id": sellers["id"], "amount_cents": 50000}]
    [announced] = finance.outbox.of_type("seller_prepaid_held")
    assert announced["data"]["id"] == held["id"] and announced["data"]["amount_cents"] == 50000
    # the same announcement again (a redelivery, a restatement at the same version) holds nothing twice
    owner_is(finance, "hh_1", "occ_buyer", 3, owner_since="2026-11-20")
    as_caller(finance, ACCOUNTANT)
    assert len(account(finance)["seller_prepaid"]) == 1 and len(finance.outbox.of_type("seller_prepaid_held")) == 1


def test_the_buyers_own_money_is_his_and_a_sale_without_prepaid_holds_nothing(finance):
    owner_is(finance, "hh_2", "occ_first", 2)
    approved(finance)
    clock.freeze(clock.parse_iso("2026-11-21T02:00:00Z"))
    owner_is(finance, "hh_2", "occ_buyer", 3, owner_since="2026-11-20")
    pay(finance, "hh_2", 3000)  # the buyer's, after the transfer: his prepaid money
    owner_is(finance, "hh_2", "occ_buyer", 4, owner_since="2026-11-20")  # another edit
    assert account(finance, "hh_2")["prepaid_cents"] == 3000 and account(finance, "hh_2")["seller_prepaid"] == []
    assert finance.outbox.of_type("seller_prepaid_held") == []
