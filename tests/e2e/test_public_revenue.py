"""Public revenue (公共收益) through the gateway over HTTP: a contract of a lift's advertising, a receipt against
it in the accountant's journal, the owners' part in the maintenance fund, the contracts overdue, the roles."""
import time

import pytest

from .flows import eventually, new_estate, new_user

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def test_a_contract_a_receipt_the_fund_and_the_disclosure(api, admin):
    estate = new_estate(api, admin, name="Maple Court")
    staff = {role: new_user(api, admin, [role], [estate["id"]])[1] for role in ("accountant", "cashier")}
    base, accountant, cashier = f"/api/v1/estates/{estate['id']}", staff["accountant"], staff["cashier"]
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))  # estate time
    body = {"kind": "advertising", "counterparty": "分众传媒有限公司", "location": "1号楼电梯轿厢",
            "starts_on": today[:8] + "01", "ends_on": f"{int(today[:4]) + 1}{today[4:8]}01", "period_months": 1,
            "amount_cents": 500_000}
    assert api.post(f"{base}/public-revenue/contracts", body, cashier).status_code == 403  # finance reads only
    refused = api.post(f"{base}/public-revenue/contracts", {**body, "counterparty": "王五 13800138000"}, accountant)
    assert refused.status_code == 422, refused.text
    created = api.post(f"{base}/public-revenue/contracts", body, accountant, headers={"Idempotency-Key": "prc-e2e"})
    assert created.status_code == 201, created.text
    contract = created.json()["id"]
    owed = api.get(f"{base}/public-revenue/arrears", accountant).json()
    assert [line["contract_id"] for line in owed["items"]] == [contract] and owed["overdue_cents"] == 500_000

    received = api.post(f"{base}/public-revenue/contracts/{contract}/receipts",
                        {"amount_cents": 500_005, "method": "transfer"}, accountant,
                        headers={"Idempotency-Key": "prr-e2e"})
    assert received.status_code == 201, received.text
    receipt = received.json()
    assert (receipt["operator_cents"], receipt["owners_cents"], receipt["status"]) == (150_002, 350_003, "posted")
    again = api.post(f"{base}/public-revenue/contracts/{contract}/receipts",
                     {"amount_cents": 500_005, "method": "transfer"}, accountant, headers={"Idempotency-Key": "prr-e2e"})
    assert again.json()["id"] == receipt["id"]  # once
    assert api.get(f"{base}/public-revenue/arrears", accountant).json()["items"] == []
    listed = api.get(f"{base}/public-revenue/receipts", cashier).json()["items"]
    assert [r["id"] for r in listed] == [receipt["id"]]
    fund = api.get(f"{base}/maintenance-fund/entries", accountant).json()["items"]
    assert [(e["source"], e["amount_cents"]) for e in fund] == [("public_revenue", 350_003)]
    report = api.get(f"{base}/reports/disclosure?period={today[:7]}", accountant).json()
    assert report["public_revenue"]["by_kind"]["advertising"]["owners_cents"] == 350_003
    journal = api.get(f"{base}/journals?kind=public_revenue", accountant).json()["items"]
    assert [(e["journal"], e["amount_cents"]) for e in journal] == [("bank", 500_005)]
    # the owners' part is not reversed as a deposit typed wrong (r9 reviewing h9)
    reversed_ = api.post(f"{base}/maintenance-fund/deposits/{receipt['fund_entry_id']}/reverse", {"reason": "typo"},
                         accountant, headers={"Idempotency-Key": "mfr-e2e"})
    assert reversed_.status_code == 409, reversed_.text
    # the cashier who takes the recycling company's cash books it in his journal (r9 reviewing h9)
    cash = api.post(f"{base}/public-revenue/contracts/{contract}/receipts", {"amount_cents": 12_000, "method": "cash"},
                    cashier, headers={"Idempotency-Key": "prr-e2e-cash"})
    assert cash.status_code == 201, cash.text
    journal = api.get(f"{base}/journals?kind=public_revenue", accountant).json()["items"]
    assert sorted((e["journal"], e["amount_cents"], e["cashier"]) for e in journal) == sorted([
        ("bank", 500_005, receipt["cashier"]), ("cash", 12_000, cash.json()["cashier"])])
    recon = api.get(f"{base}/reports/reconciliation?period={today[:7]}", accountant).json()
    assert recon["public_revenue"] == {"count": 2, "amount_cents": 512_005} and recon["balanced"]
    # a receipt typed wrong is reversed by a manager, never by the accountant; the month nets it (h3)
    manager = new_user(api, admin, ["manager"], [estate["id"]])[1]
    refused = api.post(f"{base}/public-revenue/receipts/{cash.json()['id']}/reverse", {"reason": "typed wrong"},
                       accountant, headers={"Idempotency-Key": "prr-e2e-rv-acc"})
    assert refused.status_code == 403, refused.text
    reversed_ = api.post(f"{base}/public-revenue/receipts/{cash.json()['id']}/reverse", {"reason": "typed wrong"},
                         manager, headers={"Idempotency-Key": "prr-e2e-rv"})
    assert reversed_.status_code == 200 and reversed_.json()["status"] == "reversed", reversed_.text
    recon = api.get(f"{base}/reports/reconciliation?period={today[:7]}", accountant).json()
    assert recon["public_revenue_reversals"] == {"count": 1, "amount_cents": 12_000} and recon["balanced"]
    ended = api.post(f"{base}/public-revenue/contracts/{contract}/terminate", {"ends_on": today, "reason": "closed"},
                     manager, headers={"Idempotency-Key": "prc-e2e-end"})
    assert ended.status_code == 200 and ended.json()["status"] == "terminated", ended.text
    # what was received for the periods after its end is paid back by a manager, and archive keeps it beside
    # the contract (h5): one period begun by today owes 500,000, the 500,005 received leaves 5 to pay back
    paid_back = api.post(f"{base}/public-revenue/contracts/{contract}/refund",
                         {"method": "transfer", "reason": "paid ahead"}, manager,
                         headers={"Idempotency-Key": "prc-e2e-refund"})
    assert paid_back.status_code == 200, paid_back.text
    [refund] = paid_back.json()["refunds"]
    assert (refund["status"], refund["amount_cents"]) == ("done", 5)
    kept = eventually(lambda: [r for r in api.get(f"{base}/archive/records?subject_id={contract}", manager).json()[
        "items"] if r["event_type"] == "public_revenue_refunded"])
    assert kept[0]["data"]["refund_id"] == refund["id"]
    recon = api.get(f"{base}/reports/reconciliation?period={today[:7]}", accountant).json()
    assert recon["public_revenue_refunds"] == {"count": 1, "amount_cents": 5} and recon["balanced"]
