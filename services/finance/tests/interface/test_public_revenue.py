"""Public revenue (公共收益) through finance's entrypoints: a contract, receipts against it in the cashier's
journal, the operator's share and the owners' part into the maintenance fund, arrears, the disclosure."""
from datetime import timedelta

import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, NotFound
from estate_common.testing import as_caller, event, staff, worker
from finance.service import FinanceService

ESTATE = "est_1"
OTHER = "est_2"
NOW = clock.parse_iso("2026-07-10T02:00:00Z")  # 10:00 in the estate (UTC+8)
ACCOUNTANT = staff("acc", ["accountant"], [ESTATE])
MANAGER = staff("boss", ["manager"], [ESTATE])
PORTAL = staff("portal", [], [])
CONTRACT = {"kind": "advertising", "counterparty": "分众传媒有限公司", "location": "1-3号楼电梯轿厢",
            "starts_on": "2026-01-15", "ends_on": "2026-12-31", "period_months": 3, "amount_cents": 600_000}


@pytest.fixture
def finance():
    clock.freeze(NOW)
    finance = worker(FinanceService, caller=ACCOUNTANT)
    for estate_id in (ESTATE, OTHER):
        finance.copy_estate(event("archive", "estate_created", estate_id, {
            "id": estate_id, "estate_id": estate_id, "code": estate_id.upper().replace("_", "-"), "name": "West Lake",
            "address": "9 Lake Rd", "version": 1}))
    return finance


def register(finance, key="prc-1", **changes):
    as_caller(finance, ACCOUNTANT, idempotency_key=key)
    return finance.register_revenue_contract({"estate_id": ESTATE, "data": CONTRACT | changes})


def receive(finance, contract_id, cents, key, method="transfer", caller=ACCOUNTANT, **extra):
    as_caller(finance, caller, idempotency_key=key)
    return finance.record_revenue_receipt({"estate_id": ESTATE, "id": contract_id,
                                           "data": {"amount_cents": cents, "method": method, **extra}})


def test_a_receipt_is_booked_in_the_journal_and_the_owners_part_goes_to_the_fund(finance):
    contract = register(finance)
    assert register(finance)["id"] == contract["id"]  # a retry
    assert [e["data"]["id"] for e in finance.outbox.of_type("public_revenue_contract_registered")] == [contract["id"]]
    receipt = receive(finance, contract["id"], 600_005, "prr-1")
    assert receive(finance, contract["id"], 600_005, "prr-1")["id"] == receipt["id"]  # a retry: once
    assert receipt["status"] == "posted"
    assert (receipt["operator_cents"], receipt["owners_cents"]) == (180_002, 420_003)  # 180001.5 half up
    entries = finance.list_journal_entries({"estate_id": ESTATE, "filters": {"kind": "public_revenue"}})["items"]
    assert [(e["journal"], e["direction"], e["amount_cents"], e["ref_id"]) for e in entries] == [
        ("bank", "in", 600_005, receipt["id"])]
    fund = finance.fund_statement({"estate_id": ESTATE, "filters": {"period": "2026-07"}})
    assert fund["deposits_cents"] == 420_003 and fund["closing_balance_cents"] == 420_003
    assert fund["lines"][0]["source"] == "public_revenue"
    assert [e["data"]["owners_cents"] for e in finance.outbox.of_type("public_revenue_received")] == [420_003]
    assert len(finance.outbox.of_type("fund_deposit_posted")) == 1
    recon = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})
    assert recon["public_revenue"] == {"count": 1, "amount_cents": 600_005} and recon["balanced"]


def test_the_operator_share_is_the_estates_setting(finance):
    as_caller(finance, MANAGER)
    finance.update_settings({"estate_id": ESTATE, "data": {"public_revenue_operator_share_percent": 20}})
    contract = register(finance)
    receipt = receive(finance, contract["id"], 100_000, "prr-2")
    assert (receipt["operator_share_percent"], receipt["operator_cents"], receipt["owners_cents"]) == (20, 20_000, 80_000)


def test_a_receipt_against_another_estates_contract_is_not_found(finance):
    contract = register(finance)
    as_caller(finance, staff("acc", ["accountant"], [OTHER]), idempotency_key="prr-x")
    with pytest.raises(NotFound):
        finance.record_revenue_receipt({"estate_id": OTHER, "id": contract["id"],
                                        "data": {"amount_cents": 1, "method": "cash"}})


def test_a_contract_naming_a_person_by_phone_is_refused(finance):
    with pytest.raises(BusinessRuleViolation):
        register(finance, counterparty="李四 13912345678")


def test_arrears_list_the_contracts_overdue(finance):
    contract = register(finance)
    register(finance, key="prc-2", kind="lockers_vending", counterparty="丰巢科技有限公司", location="东门",
             starts_on="2026-07-01", period_months=12, amount_cents=120_000)
    lockers = finance.list_revenue_contracts({"estate_id": ESTATE, "filters": {"kind": "lockers_vending"}})["items"]
    receive(finance, lockers[0]["id"], 120_000, "prr-3")
    receive(finance, contract["id"], 600_000, "prr-4")
    owed = finance.revenue_arrears({"estate_id": ESTATE, "filters": {"as_of": "2026-07-20"}})
    assert [(line["contract_id"], line["overdue_cents"], line["overdue_periods"]) for line in owed["items"]] == [
        (contract["id"], 1_200_000, 2)]
    assert finance.revenue_arrears({"estate_id": ESTATE, "filters": {}})["as_of"] == "2026-07-10"


def test_the_disclosure_shows_public_revenue_and_owners_read_it_published(finance):
    contract = register(finance)
    receive(finance, contract["id"], 100_000, "prr-5")
    report = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})
    assert report["public_revenue"]["by_kind"] == {"advertising": {"received_cents": 100_000, "operator_cents": 30_000,
                                                                   "owners_cents": 70_000, "receipts": 1}}
    assert report["public_revenue"]["to_maintenance_fund_cents"] == 70_000
    assert report["income"]["received_cents"] == 0  # the owners' money is not the operator's income
    assert finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-Q3"}})["public_revenue"][
        "owners_cents"] == 70_000
    clock.advance(timedelta(days=31))
    as_caller(finance, MANAGER)
    finance.publish_disclosure({"estate_id": ESTATE, "id": "2026-07"})
    as_caller(finance, PORTAL)
    shown = finance.published_disclosure({"estate_code": "EST-1", "period": "2026-07"})
    assert shown["public_revenue"]["operator_cents"] == 30_000 and "counterparty" not in str(shown)


def test_the_owners_part_in_the_fund_is_not_reversed_as_a_deposit_typed_wrong(finance):
    """A receipt's owners' part, deposited into the fund by the receipt, was reversed by the fund's reversal of
    a deposit typed wrong: the fund went down, the receipt still said its part was there, the disclosure said
    it went to the fund and the journal still held the money (found by r9 reviewing h9)."""
    contract = register(finance)
    receipt = receive(finance, contract["id"], 100_000, "prr-r9")
    as_caller(finance, MANAGER, idempotency_key="mfr-r9")
    with pytest.raises(Conflict):
        finance.reverse_fund_deposit({"estate_id": ESTATE, "id": receipt["fund_entry_id"],
                                      "data": {"reason": "typed wrong"}})
    fund = finance.fund_statement({"estate_id": ESTATE, "filters": {"period": "2026-07"}})
    assert fund["closing_balance_cents"] == 70_000
    assert not finance.outbox.of_type("fund_deposit_reversed")
