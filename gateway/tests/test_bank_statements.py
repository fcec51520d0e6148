"""银行对账: the estate account's bank statement of a month goes to finance as a CSV with its month, its
matching is read, a match confirmed and a line explained, by the accountant and management alone; the
counterparty (对方户名) masked for a reader who does not see owners' names (found by h14, the bank's
statement matched)."""
import base64

from .conftest import bearer

STATEMENT = "交易日期,交易金额,收支,流水号,对方户名\n2026-11-23,100.00,收入,4200009,张三丰\n".encode()
JOB = {"id": "job_finance_9", "estate_id": "A", "kind": "bank_statement_import", "status": "queued",
       "progress": {"done": 0, "total": None}, "result": None, "created_at": "2026-11-23T08:00:00.000Z"}
LINE = {"id": "bsl_1", "line": 2, "date": "2026-11-23", "amount_cents": 10000, "direction": "in",
        "reference": "4200009", "counterparty": "张三丰", "counterparty_account": "6217000011112222", "confirmed_entry": None, "confirmed_by": None,
        "confirmed_at": None, "explained": None}
ENTRY = {"id": "jrn_1", "kind": "payment", "ref_id": "pay_1", "method": "wechat", "direction": "in",
         "amount_cents": 10000, "day": "2026-11-23", "cashier": "wang", "receipt_number": "RC-2026-000001",
         "household_id": "hh_1", "reference": "4200009"}
TOTALS = {"count": 1, "in_cents": 10000, "out_cents": 0}
NONE = {"count": 0, "in_cents": 0, "out_cents": 0}
REPORT = {"estate_id": "A", "period": "2026-11", "window_days": 3,
          "matched": [{"line": LINE, "entry": ENTRY, "how": "reference", "confirmed": False}],
          "lines_unmatched": [], "entries_unmatched": [], "explained": [],
          "totals": {"statement": TOTALS, "matched": {**TOTALS, "confirmed": 0}, "lines_unmatched": NONE,
                     "entries_unmatched": NONE, "explained": NONE},
          "generated_at": "2026-11-23T08:00:00.000Z"}


def test_a_statement_goes_to_finance_with_its_month_and_only_the_accountant_and_management_send_one(
        client, rpc, contract, accounts):
    rpc.answer("finance", "start_bank_statement_import", JOB)
    accountant = accounts.user("acc-a", ["accountant"], ["A"])
    cashier = accounts.user("cash-a", ["cashier"], ["A"])
    path = "/api/v1/estates/A/bank-statements/import?period=2026-11"
    response = client.post(path, data=STATEMENT, headers={**bearer(accountant), "Content-Type": "text/csv"})
    assert contract.check(client.application, response, 202) == JOB
    sent = rpc.only_call("finance", "start_bank_statement_import")
    assert sent.payload == {"estate_id": "A", "data": {"format": "csv", "period": "2026-11",
                                                       "content_base64": base64.b64encode(STATEMENT).decode()}}
    contract.problem(client.post("/api/v1/estates/A/bank-statements/import", data=STATEMENT,
                                 headers={**bearer(accountant), "Content-Type": "text/csv"}), 400,
                     app=client.application)  # no month named
    contract.problem(client.post(path, data=STATEMENT, headers={**bearer(cashier), "Content-Type": "text/csv"}),
                     403, app=client.application)
    assert len(rpc.calls_to("finance", "start_bank_statement_import")) == 1


def test_the_matching_is_read_confirmed_and_explained_by_the_accountant(client, rpc, contract, accounts):
    accountant = accounts.user("acc-a", ["accountant"], ["A"])
    rpc.answer("finance", "bank_reconciliation", REPORT)
    shown = contract.check(client.application, client.get("/api/v1/estates/A/reports/bank-reconciliation?period=2026-11",
                                                          headers=bearer(accountant)), 200)
    assert shown["matched"][0]["line"]["counterparty"] == "张三丰"  # the accountant sees owners' names
    assert shown["matched"][0]["line"]["counterparty_account"] == "6217000011112222"  # and the account in full
    assert rpc.only_call("finance", "bank_reconciliation").payload["filters"] == {"period": "2026-11"}
    rpc.answer("finance", "confirm_bank_match", {**LINE, "confirmed_entry": "jrn_1", "confirmed_by": "acc-a",
                                                  "confirmed_at": "2026-11-23T08:00:00.000Z"})
    confirmed = client.post("/api/v1/estates/A/bank-statements/lines/bsl_1/confirm", json={"entry_id": "jrn_1"},
                            headers={**bearer(accountant), "Idempotency-Key": "k-bank-1"})
    assert contract.check(client.application, confirmed, 200)["confirmed_entry"] == "jrn_1"
    assert rpc.only_call("finance", "confirm_bank_match").payload["id"] == "bsl_1"
    rpc.answer("finance", "explain_bank_line", {**LINE, "explained": {"note": "利息", "by": "acc-a",
                                                                       "at": "2026-11-23T08:00:00.000Z"}})
    explained = client.post("/api/v1/estates/A/bank-statements/lines/bsl_1/explain", json={"note": "利息"},
                            headers={**bearer(accountant), "Idempotency-Key": "k-bank-2"})
    assert contract.check(client.application, explained, 200)["explained"]["note"] == "利息"


def test_a_cashier_reads_no_bank_matching(client, rpc, contract, accounts):
    cashier = accounts.user("cash-a", ["cashier"], ["A"])
    contract.problem(client.get("/api/v1/estates/A/reports/bank-reconciliation?period=2026-11",
                                headers=bearer(cashier)), 403, app=client.application)
    contract.problem(client.post("/api/v1/estates/A/bank-statements/lines/bsl_1/explain", json={"note": "x"},
                                 headers={**bearer(cashier), "Idempotency-Key": "k-bank-3"}), 403,
                     app=client.application)
    assert rpc.calls_to("finance", "bank_reconciliation") == []
