"""A household's account (对账单) through finance's entrypoint: its unpaid total and prepaid
balance now, its bills and payments of a range of months (a probe found the prepaid balance
shown only on the receipt that made it)."""
import pytest

from estate_common import contracts
from estate_common.errors import BusinessRuleViolation, InvalidInput, NotFound
from estate_common.testing import as_caller

from .test_service import ACCOUNTANT, ESTATE, approved, finance, pay, run  # noqa: F401 (fixture)


def account(finance, household_id="hh_1", **filters):
    as_caller(finance, ACCOUNTANT)
    payload = {"estate_id": ESTATE, "id": household_id, "filters": filters}
    contracts.load().check_rpc_input("finance", "household_account", payload)
    answer = finance.household_account(payload)
    contracts.load().check_rpc_output("finance", "household_account", answer)  # as the gateway checks it
    return answer


def test_the_account_shows_what_is_owed_what_is_prepaid_and_the_ranges_bills_and_payments(finance):
    approved(finance)
    run(finance, "2026-10")
    run(finance, "2026-11")  # hh_1 owes 210.02 a month
    assert account(finance)["unpaid_cents"] == 42004 and account(finance)["prepaid_cents"] == 0
    first = pay(finance, "hh_1", 10000)           # part of October
    second = pay(finance, "hh_1", 42004 + 29500 - 10000)  # the rest, and 295.00 beyond the bills
    shown = account(finance)
    assert (shown["unpaid_cents"], shown["overdue_cents"], shown["prepaid_cents"]) == (0, 0, 29500)
    assert (shown["from"], shown["to"]) == ("2025-12", "2026-11")  # the last 12 months by default
    assert (shown["building"], shown["unit"], shown["room"]) == ("3", "1", "100")
    assert [(b["period"], b["status"]) for b in shown["bills"]] == [("2026-10", "paid"), ("2026-11", "paid")]
    assert [p["id"] for p in shown["payments"]] == [first["id"], second["id"]]
    assert shown["billed_cents"] == 42004 and shown["received_cents"] == 42004 + 29500
    other = account(finance, "hh_2")  # another household's bills and money are not in it
    assert other["unpaid_cents"] == 2 * 28200 and other["prepaid_cents"] == 0 and other["payments"] == []


def test_a_range_selects_the_bills_of_its_months_and_the_payments_of_its_days(finance):
    approved(finance)
    run(finance, "2026-10")
    run(finance, "2026-11")
    pay(finance, "hh_1", 21002)  # taken on 2026-11-23
    october = account(finance, **{"from": "2026-10", "to": "2026-10"})
    assert [b["period"] for b in october["bills"]] == ["2026-10"] and october["payments"] == []
    assert october["unpaid_cents"] == 21002  # what is owed now, whatever the range
    assert [b["period"] for b in account(finance, **{"from": "2026-11"})["bills"]] == ["2026-11"]
    assert account(finance, to="2026-10")["from"] == "2025-11"


@pytest.mark.parametrize("filters, field", [
    ({"from": "2026-11", "to": "2026-10"}, "to"),
    ({"from": "2023-01", "to": "2026-01"}, "from"),  # 37 months
    ({"from": "2027-01"}, "from"),  # after this month: "to is before from" named a field not filled (a probe)
])
def test_a_range_backwards_or_too_long_is_refused_naming_its_end(finance, filters, field):
    with pytest.raises(BusinessRuleViolation) as refused:
        account(finance, **filters)
    assert [e["field"] for e in refused.value.errors] == [field]


def test_an_unknown_household_or_period_is_refused(finance):
    with pytest.raises(NotFound):
        account(finance, "hh_nobody")
    with pytest.raises(NotFound):
        account(finance, "hh_far")  # another estate's
    with pytest.raises(InvalidInput):
        account(finance, **{"from": "2026-13"})
