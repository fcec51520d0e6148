"""Public revenue (公共收益) through finance's entrypoints: a contract, receipts against it in the cashier's
journal, the operator's share and the owners' part into the maintenance fund, arrears, the disclosure."""
from datetime import timedelta

import pytest

from estate_common import clock, contracts
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound
from estate_common.testing import as_caller, event, staff, worker
from finance import operations
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
                                                                   "owners_cents": 70_000, "receipts": 1,
                                                                   "reversed_cents": 0, "reversals": 0}}
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


# -- a receipt typed wrong reversed, a contract ended early or cancelled (found by h3, the review's leftovers) --

CASHIER = staff("cash-1", ["cashier"], [ESTATE])


def reverse(finance, receipt_id, key, caller=MANAGER, reason="typed 100,000 yuan for 1,000"):
    as_caller(finance, caller, idempotency_key=key)
    payload = {"estate_id": ESTATE, "id": receipt_id, "data": {"reason": reason}}
    contracts.load().check_rpc_input("finance", "reverse_revenue_receipt", payload)
    answer = finance.reverse_revenue_receipt(payload)
    contracts.load().check_rpc_output("finance", "reverse_revenue_receipt", answer)
    return answer


def terminate(finance, contract_id, key, caller=MANAGER, **data):
    as_caller(finance, caller, idempotency_key=key)
    payload = {"estate_id": ESTATE, "id": contract_id, "data": {"reason": "the advertiser went out of business", **data}}
    contracts.load().check_rpc_input("finance", "terminate_revenue_contract", payload)
    answer = finance.terminate_revenue_contract(payload)
    contracts.load().check_rpc_output("finance", "terminate_revenue_contract", answer)
    return answer


def test_a_receipt_typed_wrong_is_reversed_by_a_manager_and_the_owners_part_leaves_the_fund(finance):
    """A receipt typed wrong could not be reversed at all (a posted entry is never edited, only reversed):
    the journal, the fund and the disclosure kept the wrong money for good. A manager reverses it: a reversing
    entry of his journal on his day, the owners' part taken back out of the fund by an entry that says why,
    the reconciliation and the disclosure netting it, announced once; asked again with its key, the same."""
    contract = register(finance)
    receipt = receive(finance, contract["id"], 100_000, "prr-w", caller=CASHIER, method="cash")
    with pytest.raises(Forbidden):
        reverse(finance, receipt["id"], "rv-acc", caller=ACCOUNTANT)
    reversed_ = reverse(finance, receipt["id"], "rv-1")
    assert reversed_["status"] == "reversed" and reversed_["reversal"]["by"] == "boss"
    assert reverse(finance, receipt["id"], "rv-1") == reversed_  # its answer lost: the same
    with pytest.raises(Conflict):
        reverse(finance, receipt["id"], "rv-2")  # once
    entries = finance.list_journal_entries({"estate_id": ESTATE, "filters": {}})["items"]
    assert sorted((e["kind"], e["direction"], e["journal"], e["amount_cents"], e["cashier"]) for e in entries) == [
        ("public_revenue", "in", "cash", 100_000, "cash-1"), ("public_revenue_reversal", "out", "cash", 100_000, "boss")]
    fund = finance.fund_statement({"estate_id": ESTATE, "filters": {"period": "2026-07"}})
    assert (fund["deposits_cents"], fund["reversals_cents"], fund["closing_balance_cents"]) == (70_000, 70_000, 0)
    [back] = [line for line in fund["lines"] if line["kind"] == "deposit_reversal"]
    assert back["reverses"] == receipt["fund_entry_id"] and receipt["id"] in back["reversal_reason"]
    assert "typed 100,000 yuan" in back["reversal_reason"]
    [announced] = finance.outbox.of_type("public_revenue_reversed")
    contracts.load().check_event("finance", "public_revenue_reversed", announced)
    assert announced["data"]["fund_reversal_id"] == reversed_["reversal"]["fund_reversal_id"] == back["entry_id"]
    assert len(finance.outbox.of_type("fund_deposit_reversed")) == 1
    recon = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})
    assert recon["public_revenue_reversals"] == {"count": 1, "amount_cents": 100_000} and recon["balanced"]
    shown = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})["public_revenue"]
    assert (shown["received_cents"], shown["reversed_cents"], shown["operator_cents"], shown["owners_cents"],
            shown["to_maintenance_fund_cents"]) == (100_000, 100_000, 0, 0, 0)
    assert shown["by_kind"]["advertising"]["reversals"] == 1


def test_a_receipt_reversed_in_a_later_month_is_netted_in_that_month(finance):
    contract = register(finance)
    receipt = receive(finance, contract["id"], 100_000, "prr-l")
    clock.freeze(NOW + timedelta(days=31))  # August
    reverse(finance, receipt["id"], "rv-l")
    july = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})["public_revenue"]
    august = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-08"}})["public_revenue"]
    assert (july["owners_cents"], july["reversed_cents"]) == (70_000, 0)
    assert (august["received_cents"], august["reversed_cents"], august["owners_cents"],
            august["to_maintenance_fund_cents"]) == (0, 100_000, -70_000, -70_000)
    recon = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-08"}})
    assert recon["public_revenue_reversals"]["amount_cents"] == 100_000 and recon["balanced"]


def test_a_reversal_the_fund_no_longer_holds_is_refused_and_nothing_is_written(finance):
    """The fund's rule: never below zero. A use approved since took the owners' part: the reversal is refused
    (422) before anything is written; the receipt stands."""
    contract = register(finance)
    receipt = receive(finance, contract["id"], 100_000, "prr-u")
    as_caller(finance, ACCOUNTANT, idempotency_key="mfu-1")
    use = finance.request_fund_use({"estate_id": ESTATE, "data": {"amount_cents": 50_000,
                                                                  "purpose": "replace the lift's traction rope"}})
    as_caller(finance, MANAGER)
    finance.approve_fund_use({"estate_id": ESTATE, "id": use["id"], "data": {}})
    with pytest.raises(BusinessRuleViolation):
        reverse(finance, receipt["id"], "rv-u")
    assert finance.list_revenue_receipts({"estate_id": ESTATE, "filters": {}})["items"][0]["status"] == "posted"
    assert finance.db.journal.count_documents({"kind": "public_revenue_reversal"}) == 0
    assert finance.db.fund_entries.count_documents({"kind": "deposit_reversal"}) == 0
    assert not finance.outbox.of_type("public_revenue_reversed")


def test_a_reversal_stopped_half_way_is_finished_by_the_sweep(finance, monkeypatch):
    contract = register(finance)
    receipt = receive(finance, contract["id"], 100_000, "prr-h")
    real = operations.store.insert_entry

    def crash(db, entry):
        raise RuntimeError("the process died")

    monkeypatch.setattr(operations.store, "insert_entry", crash)
    with pytest.raises(RuntimeError):
        reverse(finance, receipt["id"], "rv-h")
    monkeypatch.setattr(operations.store, "insert_entry", real)
    assert finance.db.revenue_receipts.find_one({})["status"] == "reversal_pending"
    clock.freeze(NOW + timedelta(minutes=5))
    assert operations.finish_half_done(finance.db, finance.outbox) == 1
    assert finance.db.revenue_receipts.find_one({})["status"] == "reversed"
    assert finance.db.journal.count_documents({"kind": "public_revenue_reversal"}) == 1
    assert len(finance.outbox.of_type("public_revenue_reversed")) == 1
    assert operations.finish_half_done(finance.db, finance.outbox) == 0


def test_a_contract_ended_early_owes_nothing_after_its_end(finance):
    """A contract ended early could not be terminated: its arrears grew every period to its signed end."""
    contract = register(finance)  # 2026-01-15..2026-12-31, 600,000 a quarter
    with pytest.raises(Forbidden):
        terminate(finance, contract["id"], "end-acc", caller=ACCOUNTANT, ends_on="2026-04-30")
    with pytest.raises(BusinessRuleViolation):
        terminate(finance, contract["id"], "end-x", ends_on="2027-03-31")  # no extension
    ended = terminate(finance, contract["id"], "end-1", ends_on="2026-04-30")
    assert (ended["status"], ended["ends_on"], ended["ends_on_as_signed"]) == ("terminated", "2026-04-30", "2026-12-31")
    assert terminate(finance, contract["id"], "end-1", ends_on="2026-04-30") == ended  # its answer lost
    with pytest.raises(Conflict):
        terminate(finance, contract["id"], "end-2", ends_on="2026-03-31")
    owed = finance.revenue_arrears({"estate_id": ESTATE, "filters": {"as_of": "2026-11-20"}})
    assert [(line["periods_begun"], line["overdue_cents"]) for line in owed["items"]] == [(2, 1_200_000)]
    [announced] = finance.outbox.of_type("public_revenue_contract_terminated")
    contracts.load().check_event("finance", "public_revenue_contract_terminated", announced)
    assert announced["data"]["status"] == "terminated"


def test_a_contract_registered_wrong_is_cancelled_once_its_receipts_are_reversed(finance):
    contract = register(finance)
    receipt = receive(finance, contract["id"], 100_000, "prr-c")
    with pytest.raises(Conflict):
        terminate(finance, contract["id"], "cancel-1")  # a receipt stands against it
    reverse(finance, receipt["id"], "rv-c")
    cancelled = terminate(finance, contract["id"], "cancel-2")
    assert cancelled["status"] == "cancelled"
    assert finance.revenue_arrears({"estate_id": ESTATE, "filters": {"as_of": "2026-11-20"}})["items"] == []
    with pytest.raises(Conflict):
        receive(finance, contract["id"], 1_000, "prr-c2")


def test_a_receipt_whose_owners_part_the_fund_refuses_waits_for_a_reversal_seen_not_swept_forever(
        finance, monkeypatch):
    """The fund refusing the owners' part (its balance would pass the most it holds) left the receipt
    ``pending`` with its money in the journal: every sweep tried it again, refused again, for good, and nobody
    saw it. It ends ``fund_refused``: listed by that status, counted by the reconciliation and the disclosure,
    left alone by the sweep, and a manager's reversal takes the money back out of the journal (found by h3)."""
    from estate_common import money
    monkeypatch.setattr(money, "MAX_CENTS", 50_000)
    contract = register(finance)
    receipt = receive(finance, contract["id"], 100_000, "prr-f")
    assert receipt["status"] == "fund_refused" and receipt["fund_entry_id"]
    assert finance.db.fund_entries.find_one({"_id": receipt["fund_entry_id"]})["status"] == "refused"
    assert receive(finance, contract["id"], 100_000, "prr-f")["status"] == "fund_refused"  # a retry: the same
    clock.freeze(NOW + timedelta(minutes=5))
    assert operations.finish_half_done(finance.db, finance.outbox) == 0  # nothing half-done to try again
    listed = finance.list_revenue_receipts({"estate_id": ESTATE, "filters": {"status": "fund_refused"}})["items"]
    assert [r["id"] for r in listed] == [receipt["id"]]
    recon = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})
    assert recon["public_revenue_fund_refused"] == {"count": 1, "owners_cents": 70_000} and recon["balanced"]
    shown = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})["public_revenue"]
    assert (shown["to_maintenance_fund_cents"], shown["fund_refused_cents"]) == (0, 70_000)
    assert not finance.outbox.of_type("public_revenue_received")
    reversed_ = reverse(finance, receipt["id"], "rv-f")
    assert reversed_["status"] == "reversed" and reversed_["reversal"]["fund_reversal_id"] is None
    assert finance.db.journal.count_documents({"kind": "public_revenue_reversal"}) == 1
    assert finance.db.fund_entries.count_documents({"kind": "deposit_reversal"}) == 0
    recon = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})
    assert recon["public_revenue_fund_refused"]["count"] == 0 and recon["balanced"]
    shown = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})["public_revenue"]
    assert (shown["owners_cents"], shown["fund_refused_cents"], shown["to_maintenance_fund_cents"]) == (0, 0, 0)


def test_the_sweeps_look_for_half_done_receipts_through_their_own_index(finance, monkeypatch):
    """The half-done sweep asked every estate each interval for its pending receipts (and reversals) by status
    and time, and no index served it: the embedded store walked every receipt of the estate (found by h3). The
    ``(estate_id, status, created_at)`` index, as the fund's entries and the utility moves have, holds the
    pending ones in a bucket of their own."""
    from finance import store
    contract = register(finance)
    posted = [receive(finance, contract["id"], 1_000 + n, f"prr-i{n}") for n in range(3)]
    real = operations.store.insert_entry

    def crash(db, entry):
        raise RuntimeError("the process died")

    monkeypatch.setattr(operations.store, "insert_entry", crash)
    with pytest.raises(RuntimeError):
        receive(finance, contract["id"], 5_000, "prr-crash")
    monkeypatch.setattr(operations.store, "insert_entry", real)
    sent, scan = [], store.store.scan
    monkeypatch.setattr(store.store, "scan", lambda collection, query, *args, **kwargs: (
        sent.append(query) if collection.name == "revenue_receipts" else None, scan(collection, query, *args,
                                                                                      **kwargs))[1])
    assert len(store.pending_revenue_receipts(finance.db, "2999-01-01T00:00:00Z")) == 1
    store.pending_revenue_reversals(finance.db, "2999-01-01T00:00:00Z")
    collection = finance.db.revenue_receipts
    with collection._lock:
        for query in [q for q in sent if q.get("estate_id") == ESTATE]:
            candidates = collection._candidates(query)
            assert all(doc["status"] == query["status"] for doc in candidates) and len(candidates) <= 1
    assert posted and (("estate_id", 1), ("status", 1), ("created_at", 1)) in {
        tuple(fields) for fields, _ in store.INDEXES["revenue_receipts"]}


def test_the_contracts_owing_longest_come_first(finance):
    """The list's order was the cents owed, the newest big debt above an old small one; the accountant chases
    the oldest first: by the day the earliest period not paid in full began (``overdue_since``), then the
    cents (found by h3)."""
    old = register(finance, key="prc-old", amount_cents=10_000, period_months=1, starts_on="2026-05-01")
    big = register(finance, key="prc-big", amount_cents=900_000, period_months=12, starts_on="2026-07-01")
    owed = finance.revenue_arrears({"estate_id": ESTATE, "filters": {"as_of": "2026-07-20"}})
    assert [(line["contract_id"], line["overdue_since"]) for line in owed["items"]] == [
        (old["id"], "2026-05-01"), (big["id"], "2026-07-01")]


def test_a_reversal_the_fund_refuses_when_finished_puts_the_receipt_back_as_it_was(finance, monkeypatch):
    """A crash left a reversal planned; a use approved meanwhile took the owners' part: finishing it, the fund
    refuses (never below zero), and the receipt stands posted, the refused reversal kept (``reversal_refused``),
    no journal entry written, nothing announced; the sweep does not try it again."""
    contract = register(finance)
    receipt = receive(finance, contract["id"], 100_000, "prr-rr")
    real = operations._finish_revenue_reversal

    def crash(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(operations, "_finish_revenue_reversal", crash)
    with pytest.raises(RuntimeError):
        reverse(finance, receipt["id"], "rv-rr")
    monkeypatch.setattr(operations, "_finish_revenue_reversal", real)
    as_caller(finance, ACCOUNTANT, idempotency_key="mfu-rr")
    use = finance.request_fund_use({"estate_id": ESTATE, "data": {"amount_cents": 50_000,
                                                                  "purpose": "replace the lift's traction rope"}})
    as_caller(finance, MANAGER)
    finance.approve_fund_use({"estate_id": ESTATE, "id": use["id"], "data": {}})
    clock.freeze(NOW + timedelta(minutes=5))
    assert operations.finish_half_done(finance.db, finance.outbox) == 1
    stored = finance.db.revenue_receipts.find_one({})
    assert stored["status"] == "posted" and stored["reversal"] is None and stored["reversal_refused"]["by"] == "boss"
    assert finance.db.journal.count_documents({"kind": "public_revenue_reversal"}) == 0
    assert not finance.outbox.of_type("public_revenue_reversed")
    assert finance.fund_statement({"estate_id": ESTATE, "filters": {"period": "2026-07"}})[
        "closing_balance_cents"] == 20_000
    assert operations.finish_half_done(finance.db, finance.outbox) == 0


def test_a_reversed_receipt_no_longer_pays_the_contracts_arrears(finance):
    """A receipt taken back (typed wrong, its money out of the journal and the fund) still counted as received
    in the arrears: the contract looked paid for a period it never paid, its debt hidden from the accountant
    (found by r3 reviewing h3)."""
    contract = register(finance)  # 2026-01-15..2026-12-31, 600,000 a quarter
    receipt = receive(finance, contract["id"], 600_000, "prr-ar")
    reverse(finance, receipt["id"], "rv-ar")
    [line] = finance.revenue_arrears({"estate_id": ESTATE, "filters": {"as_of": "2026-07-20"}})["items"]
    assert (line["received_cents"], line["overdue_cents"], line["overdue_periods"], line["overdue_since"]) == (
        0, 1_800_000, 3, "2026-01-15")


def test_a_reversal_the_fund_refused_sent_again_with_its_key_is_refused_again(finance, monkeypatch):
    """The manager's reversal stopped half way, the fund refused it when the sweep finished it (a use took the
    owners' part) and put the receipt back posted; his call sent again with its Idempotency-Key answered 200
    with the posted receipt, as if the reversal were done (found by r3 reviewing h3; left by h3)."""
    contract = register(finance)
    receipt = receive(finance, contract["id"], 100_000, "prr-rk")
    real = operations._finish_revenue_reversal

    def crash(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(operations, "_finish_revenue_reversal", crash)
    with pytest.raises(RuntimeError):
        reverse(finance, receipt["id"], "rv-rk")
    monkeypatch.setattr(operations, "_finish_revenue_reversal", real)
    as_caller(finance, ACCOUNTANT, idempotency_key="mfu-rk")
    use = finance.request_fund_use({"estate_id": ESTATE, "data": {"amount_cents": 50_000,
                                                                  "purpose": "replace the lift's traction rope"}})
    as_caller(finance, MANAGER)
    finance.approve_fund_use({"estate_id": ESTATE, "id": use["id"], "data": {}})
    clock.freeze(NOW + timedelta(minutes=5))
    assert operations.finish_half_done(finance.db, finance.outbox) == 1
    with pytest.raises(BusinessRuleViolation):
        reverse(finance, receipt["id"], "rv-rk")  # sent again: refused, as it was
    assert finance.db.revenue_receipts.find_one({})["status"] == "posted"
    assert finance.db.journal.count_documents({"kind": "public_revenue_reversal"}) == 0


@pytest.mark.parametrize("paused_at", ["checked", "claimed"])
def test_a_contract_cancelled_while_a_receipt_is_recorded_for_it_ends_one_way_only(finance, monkeypatch, paused_at):
    """A cancellation read the contract's receipts (none) while a receipt, past its check of the contract,
    was being written: both were taken, and the contract stood cancelled with a receipt against it, its money
    in the journal and the fund (found by h5). Two threads through the service: a receipt paused after its
    check of the contract (``checked``: the cancel then wins, the receipt is refused 409) or after its claim on
    the contract (``claimed``: the receipt wins, the cancel is refused 409). Never both."""
    import threading

    from finance import public_revenue
    from finance import store as finance_store
    from estate_common.testing import worker
    contract = register(finance)
    manager = as_caller(worker(FinanceService, caller=MANAGER, db=finance.db), MANAGER, idempotency_key="cancel-r")
    paused, cancel_done, answers = threading.Event(), threading.Event(), {}
    if paused_at == "checked":
        built = public_revenue.receipt

        def pause(*args, **kwargs):
            paused.set()
            cancel_done.wait(10)
            return built(*args, **kwargs)

        monkeypatch.setattr(public_revenue, "receipt", pause)
    else:
        insert = finance_store.insert_revenue_receipt

        def pause(db, receipt):
            paused.set()
            cancel_done.wait(10)
            return insert(db, receipt)

        monkeypatch.setattr(finance_store, "insert_revenue_receipt", pause)

    def record():
        try:
            answers["receipt"] = receive(finance, contract["id"], 100_000, "prr-race")
        except Conflict as refused:
            answers["receipt"] = refused

    def cancel():
        paused.wait(10)
        try:
            answers["cancel"] = manager.terminate_revenue_contract(
                {"estate_id": ESTATE, "id": contract["id"], "data": {"reason": "registered twice"}})
        except Conflict as refused:
            answers["cancel"] = refused
        finally:
            cancel_done.set()

    threads = [threading.Thread(target=record), threading.Thread(target=cancel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    stored = finance.db.revenue_contracts.find_one({"_id": contract["id"]})
    standing = finance.db.revenue_receipts.count_documents({"contract_id": contract["id"], "status": {"$ne": "reversed"}})
    if paused_at == "checked":  # the cancel came first: the receipt is refused, nothing of it written
        assert isinstance(answers["receipt"], Conflict) and answers["cancel"]["status"] == "cancelled"
        assert (stored["status"], standing) == ("cancelled", 0)
        assert finance.db.journal.count_documents({"kind": "public_revenue"}) == 0
    else:  # the receipt claimed the contract first: the cancel is refused, the receipt posted
        assert isinstance(answers["cancel"], Conflict) and answers["receipt"]["status"] == "posted"
        assert (stored["status"], standing) == ("active", 1)


def refund(finance, contract_id, key, caller=MANAGER, method="transfer"):
    as_caller(finance, caller, idempotency_key=key)
    payload = {"estate_id": ESTATE, "id": contract_id,
               "data": {"method": method, "reason": "the advertiser paid the third quarter before the early end"}}
    contracts.load().check_rpc_input("finance", "refund_revenue_contract", payload)
    answer = finance.refund_revenue_contract(payload)
    contracts.load().check_rpc_output("finance", "refund_revenue_contract", answer)
    return answer


def test_money_received_for_the_periods_after_an_early_end_is_paid_back(finance):
    """A contract ended early whose company had paid the periods after its end kept that money: nothing could
    pay it back (a reversal is for a receipt typed wrong, and takes a whole receipt), the owners' part sat in the
    fund (found by h5). A manager pays it back: the latest receipts first, a refund entry out of his journal, the
    owners' part of it taken back out of the fund as a reversal does, the contract's arrears and the month's
    reconciliation and disclosure netting it, announced once; asked again with its key, the same."""
    contract = register(finance)  # 2026-01-15..2026-12-31, 600,000 a quarter
    for key in ("prr-q1", "prr-q2", "prr-q3"):
        receive(finance, contract["id"], 600_000, key)  # three quarters paid, 420,000 of each to the fund
    terminate(finance, contract["id"], "end-1", ends_on="2026-06-30")  # two quarters begun by then
    with pytest.raises(Forbidden):
        refund(finance, contract["id"], "prf-acc", caller=ACCOUNTANT)
    paid_back = refund(finance, contract["id"], "prf-1")
    [made] = paid_back["refunds"]
    assert (made["status"], made["amount_cents"], made["operator_cents"], made["owners_cents"]) == (
        "done", 600_000, 180_000, 420_000)
    assert [part["amount_cents"] for part in made["parts"]] == [600_000]
    assert refund(finance, contract["id"], "prf-1") == paid_back  # its answer lost: the same
    with pytest.raises(BusinessRuleViolation):
        refund(finance, contract["id"], "prf-2")  # nothing more received after the end
    [entry] = finance.list_journal_entries({"estate_id": ESTATE, "filters": {"kind": "public_revenue_refund"}})["items"]
    assert (entry["direction"], entry["journal"], entry["amount_cents"], entry["cashier"]) == ("out", "bank", 600_000,
                                                                                               "boss")
    fund = finance.fund_statement({"estate_id": ESTATE, "filters": {"period": "2026-07"}})
    assert (fund["deposits_cents"], fund["reversals_cents"], fund["closing_balance_cents"]) == (
        1_260_000, 420_000, 840_000)
    [announced] = finance.outbox.of_type("public_revenue_refunded")
    contracts.load().check_event("finance", "public_revenue_refunded", announced)
    assert (announced["data"]["amount_cents"], announced["data"]["owners_cents"]) == (600_000, 420_000)
    assert finance.revenue_arrears({"estate_id": ESTATE, "filters": {"as_of": "2026-11-20"}})["items"] == []
    recon = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})
    assert recon["public_revenue_refunds"] == {"count": 1, "amount_cents": 600_000} and recon["balanced"]
    shown = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-07"}})["public_revenue"]
    assert (shown["received_cents"], shown["owners_cents"], shown["to_maintenance_fund_cents"]) == (
        1_800_000, 840_000, 840_000)
    third = finance.list_revenue_receipts({"estate_id": ESTATE, "filters": {}})["items"]
    with pytest.raises(Conflict):  # a receipt paid back is not reversed whole besides
        reverse(finance, made["parts"][0]["receipt_id"], "rv-after")
    assert len(third) == 3


def test_a_refund_only_for_a_contract_ended_early_with_money_after_its_end(finance):
    contract = register(finance)
    receive(finance, contract["id"], 600_000, "prr-a")
    with pytest.raises(Conflict):
        refund(finance, contract["id"], "prf-active")  # not ended early
    terminate(finance, contract["id"], "end-a", ends_on="2026-06-30")
    with pytest.raises(BusinessRuleViolation):
        refund(finance, contract["id"], "prf-none")  # 600,000 received, 1,200,000 due up to the end
    assert finance.db.journal.count_documents({"kind": "public_revenue_refund"}) == 0
    assert not finance.outbox.of_type("public_revenue_refunded")


def test_a_refund_the_fund_refuses_between_its_plan_and_its_entry_is_refused_whole(finance, monkeypatch):
    """The plan checked the fund's balance; a use approved before its entries took the money left the refund
    ``pending`` for ever, counted as paid back (the arrears, a second refund) with no journal entry, and part of
    its owners' part out of the fund (found by r5 reviewing h5). Now its parts are taken out of the fund at once
    or none is: the refund is refused (422), nothing taken, and so again with its key; a new one pays it all."""
    contract = register(finance)
    for n in range(6):  # three quarters paid by halves, 1,260,000 in the fund
        receive(finance, contract["id"], 300_000, f"prr-{n}")
    terminate(finance, contract["id"], "end-1", ends_on="2026-06-30")  # 600,000 to pay back: two receipts' parts
    finish = operations._finish_revenue_refund

    def drained(db, outbox, contract_, refund_id):  # a use approved meanwhile: 300,000 left
        db.fund_accounts.update_many({"estate_id": ESTATE}, {"$set": {"balance_cents": 300_000}})
        return finish(db, outbox, contract_, refund_id)

    monkeypatch.setattr(operations, "_finish_revenue_refund", drained)
    with pytest.raises(BusinessRuleViolation):
        refund(finance, contract["id"], "prf-1")
    monkeypatch.setattr(operations, "_finish_revenue_refund", finish)
    assert finance.db.fund_accounts.find_one({"estate_id": ESTATE})["balance_cents"] == 300_000  # nothing taken
    assert finance.db.fund_entries.count_documents({"refund_id": {"$exists": True}, "status": "refused"}) == 2
    assert finance.db.fund_entries.count_documents({"refund_id": {"$exists": True}, "status": "posted"}) == 0
    with pytest.raises(BusinessRuleViolation):
        refund(finance, contract["id"], "prf-1")  # its key again: refused again, never a 200
    assert finance.db.journal.count_documents({"kind": "public_revenue_refund"}) == 0
    assert not finance.outbox.of_type("public_revenue_refunded")
    [kept] = finance.db.revenue_contracts.find_one({"_id": contract["id"]})["refunds"]
    assert kept["status"] == "refused"
    finance.db.fund_accounts.update_many({"estate_id": ESTATE}, {"$set": {"balance_cents": 1_260_000}})
    [paid, again] = refund(finance, contract["id"], "prf-2")["refunds"]
    assert (paid["status"], again["status"], again["amount_cents"], again["owners_cents"]) == (
        "refused", "done", 600_000, 420_000)


@pytest.mark.parametrize("first", ["refund", "reversal"])
def test_a_refund_and_a_reversal_of_one_of_its_receipts_at_once_pay_it_out_once(finance, monkeypatch, first):
    """Each checked the other (the reversal the contract's refunds, the refund the receipts) before either wrote:
    the receipt was reversed whole and paid back in part besides, its money out twice and its owners' part taken
    out of the fund twice (found by r5 reviewing h5). The reversal claims the contract first: one of the two sees
    the other."""
    import threading

    from finance import public_revenue
    contract = register(finance)
    for key in ("prr-q1", "prr-q2", "prr-q3"):
        receive(finance, contract["id"], 600_000, key)
    terminate(finance, contract["id"], "end-1", ends_on="2026-06-30")
    from estate_common.testing import worker
    latest = max(finance.list_revenue_receipts({"estate_id": ESTATE, "filters": {}})["items"],
                 key=lambda r: (r["received_at"], r["id"]))  # the refund's first part
    paused, other_done, answers = threading.Event(), threading.Event(), {}
    manager_a = worker(FinanceService, caller=MANAGER, db=finance.db)
    other = staff("boss2", ["manager"], [ESTATE])  # each his own journal of the day
    manager_b = worker(FinanceService, caller=other, db=finance.db)
    slow = "refund" if first == "reversal" else "refuse_refunded"
    original = getattr(public_revenue, slow)

    def pause(*args, **kwargs):
        if not paused.is_set():
            paused.set()
            other_done.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(public_revenue, slow, pause)

    def run(name, call):
        try:
            answers[name] = call()
        except (Conflict, BusinessRuleViolation) as refused:
            answers[name] = refused
        finally:
            if name == first:
                other_done.set()

    def do_refund():
        if first == "refund":
            paused.wait(10)
        return refund(manager_a, contract["id"], "prf-race")

    def do_reverse():
        if first == "reversal":
            paused.wait(10)
        return reverse(manager_b, latest["id"], "rv-race", caller=other)

    threads = [threading.Thread(target=run, args=("refund", do_refund)),
               threading.Thread(target=run, args=("reversal", do_reverse))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    stored = finance.db.revenue_contracts.find_one({"_id": contract["id"]})
    paid_back = sum(part["amount_cents"] for r in stored.get("refunds") or [] if r["status"] == "done"
                    for part in r["parts"] if part["receipt_id"] == latest["id"])
    reversed_ = finance.db.revenue_receipts.find_one({"_id": latest["id"]})["status"] == "reversed"
    assert not (reversed_ and paid_back), answers  # never both
    out = sum(e["amount_cents"] for e in finance.db.journal.find(
        {"kind": {"$in": ["public_revenue_refund", "public_revenue_reversal"]}}))
    assert out == 600_000, answers  # the money after the end paid out once
    assert isinstance(answers["reversal" if first == "refund" else "refund"], (Conflict, BusinessRuleViolation)) \
        or first == "reversal", answers


def test_a_refund_stopped_half_way_is_finished_by_the_sweep_all_its_parts_at_once(finance, monkeypatch):
    """A refund a crash stopped after its fund entries were written: no retry came, it stayed pending for ever,
    counted as paid back with no journal entry, and the sweep posted its fund entries one by one besides (found by
    r5 reviewing h5). The sweep finishes it as its retry would: its parts at once, the journal entry, announced."""
    contract = register(finance)
    for n in range(6):  # three quarters paid by halves, 1,260,000 in the fund
        receive(finance, contract["id"], 300_000, f"prr-{n}")
    terminate(finance, contract["id"], "end-1", ends_on="2026-06-30")  # 600,000 to pay back: two receipts' parts
    real = operations._take_refund_parts

    def crash(*args, **kwargs):
        raise RuntimeError("the process died")

    monkeypatch.setattr(operations, "_take_refund_parts", crash)
    with pytest.raises(RuntimeError):
        refund(finance, contract["id"], "prf-h")
    monkeypatch.setattr(operations, "_take_refund_parts", real)
    [planned] = finance.db.revenue_contracts.find_one({"_id": contract["id"]})["refunds"]
    assert finance.db.fund_entries.count_documents({"refund_id": {"$exists": True}, "status": "pending"}) == 2, \
        planned["parts"]
    clock.freeze(NOW + timedelta(minutes=5))
    operations.finish_half_done(finance.db, finance.outbox)
    [made] = finance.db.revenue_contracts.find_one({"_id": contract["id"]})["refunds"]
    assert made["status"] == "done"
    assert finance.db.fund_accounts.find_one({"estate_id": ESTATE})["balance_cents"] == 1_260_000 - 420_000
    assert finance.db.journal.count_documents({"kind": "public_revenue_refund"}) == 1
    assert len(finance.outbox.of_type("public_revenue_refunded")) == 1
    assert operations.finish_half_done(finance.db, finance.outbox) == 0


def test_a_refund_stopped_half_way_is_finished_and_counted_by_its_day_s_settlement(finance, monkeypatch):
    """A manager's journal day settled with his refund half-done: its entry would land on a day closed without
    it (r5 reviewing h5). The settlement finishes it first and counts it."""
    contract = register(finance)
    for n in range(6):
        receive(finance, contract["id"], 300_000, f"prr-{n}")
    terminate(finance, contract["id"], "end-1", ends_on="2026-06-30")
    real = operations._take_refund_parts

    def crash(*args, **kwargs):
        raise RuntimeError("the process died")

    monkeypatch.setattr(operations, "_take_refund_parts", crash)
    with pytest.raises(RuntimeError):
        refund(finance, contract["id"], "prf-d")
    monkeypatch.setattr(operations, "_take_refund_parts", real)
    clock.advance(timedelta(seconds=31))
    as_caller(finance, MANAGER)
    settled = finance.settle_day({"estate_id": ESTATE, "data": {"date": "2026-07-10", "cashier": "boss"}})
    [made] = finance.db.revenue_contracts.find_one({"_id": contract["id"]})["refunds"]
    assert made["status"] == "done"
    assert (settled["entries"], settled["net_cents"]) == (1, -600_000)


# every write a refund makes after its plan, where the test stops the process right after it (h6)
REFUND_WRITES = ("change_revenue_contract", "insert_fund_entry", "change_fund_account", "set_fund_entry",
                 "insert_entry")


def _refund_crashing_after(monkeypatch, crash_after):
    """A fresh estate with 1,260,000 in the fund and a contract ended early (600,000 to pay back, two receipts'
    parts, 420,000 of owners' parts out of the fund); its refund's process dies right after its write number
    ``crash_after`` (None: not at all). The finance, the names of the writes made, and whether it died."""
    from finance import store as finance_store
    clock.freeze(NOW)
    finance = worker(FinanceService, caller=ACCOUNTANT)
    finance.copy_estate(event("archive", "estate_created", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "EST-1", "name": "West Lake", "address": "9 Lake Rd", "version": 1}))
    contract = register(finance)
    for n in range(6):
        receive(finance, contract["id"], 300_000, f"prr-{n}")
    terminate(finance, contract["id"], "end-1", ends_on="2026-06-30")
    done, died = [], []
    with monkeypatch.context() as patched:
        for name in REFUND_WRITES:
            def wrapped(*args, _original=getattr(finance_store, name), _name=name, **kwargs):
                result = _original(*args, **kwargs)
                done.append(_name)
                if len(done) == crash_after:
                    died.append(_name)
                    raise RuntimeError(f"the process died after {_name}")
                return result
            patched.setattr(finance_store, name, wrapped)
        try:
            refund(finance, contract["id"], "prf-crash")
        except RuntimeError:
            pass
    return finance, contract, done, bool(died)


def _refunded_once(finance, contract):
    [made] = finance.db.revenue_contracts.find_one({"_id": contract["id"]})["refunds"]
    assert (made["status"], made["amount_cents"], made["owners_cents"]) == ("done", 600_000, 420_000)
    assert finance.db.fund_accounts.find_one({"estate_id": ESTATE})["balance_cents"] == 1_260_000 - 420_000
    parts = list(finance.db.fund_entries.find({"refund_id": {"$exists": True}}))
    assert sorted((e["status"], e["amount_cents"]) for e in parts) == [("posted", 210_000), ("posted", 210_000)]
    account = finance.db.fund_accounts.find_one({"estate_id": ESTATE})
    assert sorted(e["id"] for e in account["recent_entries"] if e["id"] in {p["_id"] for p in parts}) == sorted(
        p["_id"] for p in parts)  # each part on the balance once
    assert [(e["direction"], e["amount_cents"]) for e in finance.db.journal.find(
        {"kind": "public_revenue_refund"})] == [("out", 600_000)]
    assert len(finance.outbox.of_type("public_revenue_refunded")) == 1
    assert len([e for e in finance.outbox.of_type("fund_deposit_reversed") if e["data"]["reversal_id"] in
                {p["_id"] for p in parts}]) == 2


def test_a_refund_crashed_after_any_of_its_writes_is_finished_by_the_sweep_exactly_once(monkeypatch):
    """A refund whose process dies after any one of its writes, its fund parts taken off the balance or posted
    among them, and no retry comes: the half-done sweep finishes it as the uncrashed call would have, its owners'
    parts out of the fund once, one journal entry, one event; a second sweep finds nothing (asked of h6: proven,
    each crash point)."""
    finance, contract, writes_made, died = _refund_crashing_after(monkeypatch, None)
    assert not died and "change_fund_account" in writes_made and writes_made.count("set_fund_entry") >= 2
    _refunded_once(finance, contract)
    for crash_after in range(1, len(writes_made) + 1):
        finance, contract, _, died = _refund_crashing_after(monkeypatch, crash_after)
        assert died, crash_after
        clock.freeze(NOW + timedelta(minutes=5))
        operations.finish_half_done(finance.db, finance.outbox)
        _refunded_once(finance, contract)
        assert operations.finish_half_done(finance.db, finance.outbox) == 0, crash_after


def _receipt_claimed_then_crashed(finance, monkeypatch, contract_id, key):
    """A receipt whose process dies after its claim on the contract, before the receipt is written."""
    from finance import store as finance_store

    def crash(db, receipt):
        raise RuntimeError("the process died")

    with monkeypatch.context() as patched:
        patched.setattr(finance_store, "insert_revenue_receipt", crash)
        with pytest.raises(RuntimeError):
            receive(finance, contract_id, 100_000, key)
    assert finance.db.revenue_receipts.count_documents({}) == 0


def test_a_receipt_s_claim_a_crash_left_no_longer_blocks_the_cancel_once_stale(finance, monkeypatch):
    """A receipt's claim on its contract left by a crash before the receipt was written blocked the contract's
    cancellation (409) until a retry with its key came, for ever if none came (asked of h6). A claim older than
    the bound (``RECEIPT_CLAIM_STALE_SECONDS``: a live writer writes its receipt within milliseconds) no longer
    stands: the cancel goes through, the claim is dropped, and the retry is then refused 409, nothing written."""
    from finance.rules import RECEIPT_CLAIM_STALE_SECONDS
    contract = register(finance)
    _receipt_claimed_then_crashed(finance, monkeypatch, contract["id"], "prr-dead")
    with pytest.raises(Conflict):  # a fresh claim: its writer may be writing its receipt at this moment
        terminate(finance, contract["id"], "cancel-fresh")
    clock.advance(timedelta(seconds=RECEIPT_CLAIM_STALE_SECONDS + 1))
    cancelled = terminate(finance, contract["id"], "cancel-stale")
    assert cancelled["status"] == "cancelled"
    stored = finance.db.revenue_contracts.find_one({"_id": contract["id"]})
    assert not stored.get("_receipts_claimed") and not stored.get("_receipts_claimed_at")
    with pytest.raises(Conflict):  # its retry: against a cancelled contract, nothing is received
        receive(finance, contract["id"], 100_000, "prr-dead")
    assert finance.db.revenue_receipts.count_documents({}) == 0
    assert finance.db.journal.count_documents({"kind": "public_revenue"}) == 0


def test_a_stale_claim_retried_claims_again_and_blocks_the_cancel(finance, monkeypatch):
    """The crashed receipt's retry after the bound claims the contract again (a write the cancel's decision
    meets): the receipt is posted and the cancel refused 409, never a cancelled contract with a receipt."""
    from finance.rules import RECEIPT_CLAIM_STALE_SECONDS
    contract = register(finance)
    _receipt_claimed_then_crashed(finance, monkeypatch, contract["id"], "prr-late")
    clock.advance(timedelta(seconds=RECEIPT_CLAIM_STALE_SECONDS + 1))
    assert receive(finance, contract["id"], 100_000, "prr-late")["status"] == "posted"
    with pytest.raises(Conflict):
        terminate(finance, contract["id"], "cancel-late")
    assert finance.db.revenue_contracts.find_one({"_id": contract["id"]})["status"] == "active"


def test_a_stale_claim_retried_while_the_cancel_decides_ends_one_way_only(finance, monkeypatch):
    """The retry's claim written between the cancel's read and its write: the cancel's revision-checked write
    decides again and sees it (409); the receipt is posted. The claim refreshed, not left as it was (the retry
    wrote nothing on the contract, and the cancel went through with the receipt written after it)."""
    from finance import public_revenue
    from finance.rules import RECEIPT_CLAIM_STALE_SECONDS
    contract = register(finance)
    _receipt_claimed_then_crashed(finance, monkeypatch, contract["id"], "prr-race")
    clock.advance(timedelta(seconds=RECEIPT_CLAIM_STALE_SECONDS + 1))
    decide, retried = public_revenue.termination, []

    def retry_meanwhile(*args, **kwargs):
        fields = decide(*args, **kwargs)
        if not retried:
            retried.append(receive(worker(FinanceService, caller=ACCOUNTANT, db=finance.db), contract["id"], 100_000,
                                   "prr-race"))
        return fields

    monkeypatch.setattr(public_revenue, "termination", retry_meanwhile)
    with pytest.raises(Conflict):
        terminate(finance, contract["id"], "cancel-race")
    assert retried[0]["status"] == "posted"
    assert finance.db.revenue_contracts.find_one({"_id": contract["id"]})["status"] == "active"


def test_a_slow_receipt_whose_claim_went_stale_and_a_cancel_never_both_stand(finance, monkeypatch):
    """A live receipt writer stalled past the bound between its claim and its receipt (a store's pause): the cancel,
    finding the claim stale and no receipt, dropped it and cancelled the contract, and the writer then wrote its
    receipt, posted it, its journal entry and the owners' part in the fund: a cancelled contract with a receipt, as
    before claims (found by r6 reviewing h6, two calls, a slow receipt). The receipt confirms its claim on the
    contract before any money is written: the contract cancelled meanwhile, it is refused 409, nothing left of it."""
    from finance import store as finance_store
    from finance.rules import RECEIPT_CLAIM_STALE_SECONDS
    contract = register(finance)
    insert, cancelled = finance_store.insert_revenue_receipt, []

    def stalled(db, receipt):
        clock.advance(timedelta(seconds=RECEIPT_CLAIM_STALE_SECONDS + 1))
        cancelled.append(terminate(worker(FinanceService, caller=MANAGER, db=finance.db), contract["id"],
                                   "cancel-meanwhile"))
        return insert(db, receipt)

    monkeypatch.setattr(finance_store, "insert_revenue_receipt", stalled)
    with pytest.raises(Conflict):
        receive(finance, contract["id"], 100_000, "prr-slow")
    monkeypatch.setattr(finance_store, "insert_revenue_receipt", insert)
    assert cancelled[0]["status"] == "cancelled"
    assert finance.db.revenue_receipts.count_documents({}) == 0
    assert finance.db.journal.count_documents({"kind": "public_revenue"}) == 0
    assert finance.db.fund_entries.count_documents({}) == 0
    operations.finish_half_done(finance.db, finance.outbox)  # the sweep finds nothing to finish
    assert finance.db.journal.count_documents({"kind": "public_revenue"}) == 0
    with pytest.raises(Conflict):  # its retry: refused again
        receive(finance, contract["id"], 100_000, "prr-slow")
