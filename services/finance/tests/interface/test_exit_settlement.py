"""The owners' money owed back at a contract's end refunded (退还) or handed to the next company (移交)
through finance's entrypoint (found by h5: the handover package listed it and nothing paid it; built by h8)."""
import pytest

from estate_common import contracts
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput
from estate_common.testing import as_caller

from .test_exit_handover import handover
from .test_service import ACCOUNTANT, ESTATE, approved, bill_of, finance, pay, run  # noqa: F401 (fixture)


def checked(method, payload):
    contracts.load().check_rpc_input("finance", method, payload)
    return payload


def refund(finance, household_id, as_of="2026-10-31", method="transfer", key="exit-1", amount_cents=None):
    as_caller(finance, ACCOUNTANT, idempotency_key=key)
    data = {"as_of": as_of, "method": method, "note": "退至业主账户"}
    if amount_cents is not None:
        data["amount_cents"] = amount_cents
    answer = finance.refund_exit_prepaid(checked("refund_exit_prepaid", {
        "estate_id": ESTATE, "id": household_id, "data": data}))
    contracts.load().check_rpc_output("finance", "refund_exit_prepaid", answer)
    return answer


def transfer(finance, as_of="2026-10-31", key="exit-batch"):
    as_caller(finance, ACCOUNTANT, idempotency_key=key)
    answer = finance.transfer_exit_prepaid(checked("transfer_exit_prepaid", {
        "estate_id": ESTATE, "data": {"as_of": as_of, "method": "transfer", "to_company": "新锦物业服务有限公司"}}))
    contracts.load().check_rpc_output("finance", "transfer_exit_prepaid", answer)
    return answer


def lines(finance, as_of="2026-10-31"):
    return {line["household_id"]: line for line in handover(finance, as_of)["households"]}


def test_an_owner_s_money_paid_ahead_is_refunded_once_and_the_package_owes_nothing_back(finance):
    approved(finance)
    for period in ("2026-09", "2026-10", "2026-11"):
        run(finance, period)  # hh_1 210.02 a month
    pay(finance, "hh_1", 3 * 21002 + 10000)  # three months, and 100.00 beyond the bills
    assert lines(finance)["hh_1"]["owed_back_cents"] == 31002  # November paid ahead, and the 100.00
    november = bill_of(finance, "hh_1", "2026-11")
    done = refund(finance, "hh_1")
    assert (done["kind"], done["status"], done["amount_cents"]) == ("refund", "done", 31002)
    assert done["bills_cancelled"] == [november["id"]]
    after = lines(finance).get("hh_1")
    assert after is None or after["owed_back_cents"] == 0  # nothing owed back any more
    assert finance.get_bill({"estate_id": ESTATE, "id": november["id"]})["status"] == "cancelled"
    assert bill_of(finance, "hh_1", "2026-10")["status"] == "paid"  # the days up to the end stay paid
    [entry] = finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_refund"})
    assert (entry["direction"], entry["amount_cents"], entry["cashier"]) == ("out", 31002, "acc")
    [announced] = finance.outbox.of_type("exit_prepaid_refunded")
    assert announced["data"]["amount_cents"] == 31002 and announced["data"]["household_id"] == "hh_1"
    again = refund(finance, "hh_1", key="exit-2")  # the same household and end: the first, as it is
    assert again["id"] == done["id"] and again["amount_cents"] == 31002
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_refund"}) == 1
    assert len(finance.outbox.of_type("exit_prepaid_refunded")) == 1
    # the month's reconciliation balances: the money out is expected
    as_caller(finance, ACCOUNTANT)
    month = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert month["exit_prepaid_paid_out"] == {"count": 1, "amount_cents": 31002} and month["balanced"]


def test_the_unused_money_settles_the_arrears_up_to_the_end_before_it_is_refunded(finance):
    approved(finance)
    for period in ("2026-10", "2026-11"):
        run(finance, period)  # hh_2 282.00 a month
    pay(finance, "hh_2", 28200 + 33200)  # October's, November's and 50.00 beyond
    assert lines(finance)["hh_2"]["owed_back_cents"] == 33200
    assert refund(finance, "hh_2")["amount_cents"] == 33200


def test_a_bill_across_the_end_is_not_split_and_nothing_moves(finance):
    approved(finance)
    run(finance, "2026-11")
    pay(finance, "hh_1", 21002)
    with pytest.raises(BusinessRuleViolation) as refused:
        refund(finance, "hh_1", as_of="2026-11-15")
    assert refused.value.errors[0]["field"] == "bills[0]"
    assert bill_of(finance, "hh_1", "2026-11")["status"] == "paid"
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_refund"}) == 0
    with pytest.raises(InvalidInput):
        refund(finance, "hh_1", as_of="2026-11-31")


def test_the_next_company_is_handed_every_household_s_money_in_one_batch_with_its_statement(finance):
    approved(finance)
    for period in ("2026-10", "2026-11"):
        run(finance, period)  # hh_1 210.02, hh_2 282.00, hh_3 118.68 a month
    pay(finance, "hh_1", 2 * 21002)
    pay(finance, "hh_2", 2 * 28200 + 1000)
    batch = transfer(finance)
    assert (batch["status"], batch["to_company"]) == ("done", "新锦物业服务有限公司")
    assert {line["household_id"]: line["amount_cents"] for line in batch["households"]} == {
        "hh_1": 21002, "hh_2": 29200}
    assert batch["amount_cents"] == 50202
    [entry] = finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_transfer"})
    assert (entry["direction"], entry["amount_cents"]) == ("out", 50202)
    assert bill_of(finance, "hh_3", "2026-11")["status"] == "cancelled"  # unpaid, the next company's to bill
    assert {e["data"]["household_id"] for e in finance.outbox.of_type("exit_prepaid_transferred")} == {
        "hh_1", "hh_2", "hh_3"}
    package = handover(finance, "2026-10-31")
    assert package["totals"]["owed_back_cents"] == 0 and package["totals"]["billed_after_end_unpaid_cents"] == 0
    assert transfer(finance, key="exit-batch-2")["amount_cents"] == 50202  # once
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_transfer"}) == 1
    as_caller(finance, ACCOUNTANT)
    assert finance.get_exit_transfer({"estate_id": ESTATE, "filters": {"as_of": "2026-10-31"}})["id"] == batch["id"]


def test_a_payment_whose_money_was_paid_out_at_the_end_is_not_reversed(finance):
    """A reversal pays the payment's whole amount back: the part refunded at the contract's end would
    go out twice."""
    approved(finance)
    run(finance, "2026-10")
    payment = pay(finance, "hh_1", 21002 + 5000)
    refund(finance, "hh_1")
    as_caller(finance, ACCOUNTANT)
    with pytest.raises(Conflict) as refused:
        finance.reverse_payment({"estate_id": ESTATE, "id": payment["id"], "data": {"reason": "wrong household"}})
    assert refused.value.errors == [{"field": "id", "message": "paid out money owed back at the contract's end"}]


def test_money_a_concurrent_writer_used_after_the_plan_is_refused_not_paid_out_smaller(finance, monkeypatch):
    """The settlement plans its parts, then takes them out of the payments: a crash and another writer in
    between used part of the money. The refund took what was left and paid out 30.00 of the 50.00 planned,
    silently, while the accountant counted out 50.00 (found by r8 reviewing h8; the clamp by h5). It is
    refused 422 naming what the payments hold now, nothing taken nor paid; asked again for that, it pays it."""
    from finance import store
    approved(finance)
    run(finance, "2026-10")
    payment = pay(finance, "hh_1", 21002 + 5000)  # 50.00 unused
    find = store.find_payment

    def used_meanwhile(db, estate_id, payment_id):
        db.payments.update_one({"_id": payment_id}, {"$inc": {"unapplied_cents": -2000, "_rev": 1}})
        monkeypatch.setattr(store, "find_payment", find)
        return find(db, estate_id, payment_id)

    monkeypatch.setattr(store, "find_payment", used_meanwhile)
    with pytest.raises(BusinessRuleViolation) as refused:
        refund(finance, "hh_1")
    assert refused.value.errors[0] == {"field": "data.amount_cents", "message": "is at most 3000 cents now"}
    assert "5000" in str(refused.value) and "3000" in str(refused.value)
    stored = finance.db.payments.find_one({"_id": payment["id"]})
    assert (stored["unapplied_cents"], stored.get("exit_settled_cents")) == (3000, None)  # nothing taken
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_refund"}) == 0
    assert finance.outbox.of_type("exit_prepaid_refunded") == []
    with pytest.raises(BusinessRuleViolation):  # asked for the old figure again: refused again
        refund(finance, "hh_1", key="exit-2", amount_cents=5000)
    done = refund(finance, "hh_1", key="exit-3", amount_cents=3000)
    [entry] = finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_refund"})
    assert done["amount_cents"] == entry["amount_cents"] == 3000
    assert done["payments"] == [{"payment_id": payment["id"], "amount_cents": 3000}]
    [announced] = finance.outbox.of_type("exit_prepaid_refunded")
    assert announced["data"]["amount_cents"] == 3000


def test_a_refund_asked_for_another_amount_than_owed_back_is_refused_naming_it(finance):
    """The accountant counts out what the package showed (``amount_cents``): a refund that would pay another
    amount is refused 422 naming what is owed back, nothing paid out (found by h5)."""
    approved(finance)
    run(finance, "2026-10")
    payment = pay(finance, "hh_1", 21002 + 5000)
    with pytest.raises(BusinessRuleViolation) as refused:
        refund(finance, "hh_1", amount_cents=6000)
    assert refused.value.errors == [{"field": "data.amount_cents", "message": "is 5000 cents owed back"}]
    assert finance.db.payments.find_one({"_id": payment["id"]})["unapplied_cents"] == 5000
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_refund"}) == 0
    as_caller(finance, ACCOUNTANT, idempotency_key="exit-2")
    with pytest.raises(InvalidInput):  # no whole cents (past the gateway's contract): a 400, not a 500
        finance.refund_exit_prepaid({"estate_id": ESTATE, "id": "hh_1",
                                     "data": {"as_of": "2026-10-31", "method": "cash", "amount_cents": "50"}})
    assert refund(finance, "hh_1", key="exit-3", amount_cents=5000)["amount_cents"] == 5000


def test_a_household_owing_nothing_back_writes_no_settlement_and_the_transfer_takes_its_later_money(finance):
    """A refund of a household with nothing owed back (no money unused, no bill after the end) wrote an empty
    settlement, done, and announced a refund of 0; the transfer then took that settlement for the household's
    and left the 77.70 it paid afterwards owed back for good, the handover's outstanding never cleared
    (found by h5). Nothing is written: the refund is refused 422 saying so, and the batch settles the money."""
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002)  # October paid, nothing beyond
    with pytest.raises(BusinessRuleViolation) as refused:
        refund(finance, "hh_1")
    assert refused.value.errors == [{"field": "household_id", "message": "has nothing owed back at the contract's end"}]
    assert finance.db.exit_settlements.count_documents({}) == 0
    assert finance.outbox.of_type("exit_prepaid_refunded") == []
    pay(finance, "hh_1", 7770)
    batch = transfer(finance)
    assert {line["household_id"]: line["amount_cents"] for line in batch["households"]} == {"hh_1": 7770}
    assert handover(finance, "2026-10-31")["totals"]["owed_back_cents"] == 0
    assert finance.db.exit_settlements.count_documents({"household_id": "hh_1"}) == 1


def test_a_household_refunded_before_the_transfer_and_paid_since_is_in_the_batch(finance):
    """The batch took a household's done refund for its settlement and left what it paid since owed back
    for good (found by h5): it settles that money in a new round."""
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    assert refund(finance, "hh_1")["amount_cents"] == 5000
    pay(finance, "hh_1", 777)
    pay(finance, "hh_2", 28200 + 1000)
    batch = transfer(finance)
    assert {line["household_id"]: line["amount_cents"] for line in batch["households"]} == {"hh_1": 777, "hh_2": 1000}
    assert handover(finance, "2026-10-31")["totals"]["owed_back_cents"] == 0


def test_a_transfer_sent_again_after_a_crash_finishes_each_household_s_settlement_left_pending(finance, monkeypatch):
    """A crash after a household's money was taken out and before its settlement was done: the batch sent
    again looked only at the households with money still unused or bills after the end, so that one (its
    money taken, its bill cancelled) was left pending, its exit_prepaid_transferred never sent, while the
    batch's entry and statement counted it (found by r8 reviewing h8)."""
    from finance import store
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    pay(finance, "hh_2", 28200 + 7000)
    change = store.change_exit_settlement
    crashed = []

    def crash_at_done(db, outbox, estate_id, settlement_id, decide):
        current = db.exit_settlements.find_one({"_id": settlement_id})
        step = decide(current)
        if not crashed and current["household_id"] == "hh_1" and step is not None and step.set.get("status") == "done":
            crashed.append(settlement_id)
            raise RuntimeError("the worker died")
        return change(db, outbox, estate_id, settlement_id, decide)

    monkeypatch.setattr(store, "change_exit_settlement", crash_at_done)
    with pytest.raises(RuntimeError):
        transfer(finance)
    monkeypatch.setattr(store, "change_exit_settlement", change)
    batch = transfer(finance)
    assert {line["household_id"]: line["amount_cents"] for line in batch["households"]} == {"hh_1": 5000, "hh_2": 7000}
    assert {s["household_id"]: s["status"] for s in finance.db.exit_settlements.find({"estate_id": ESTATE})} == {
        "hh_1": "done", "hh_2": "done"}
    assert sorted(e["data"]["household_id"] for e in finance.outbox.of_type("exit_prepaid_transferred")) == [
        "hh_1", "hh_2"]
    [entry] = finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_transfer"})
    assert entry["amount_cents"] == 12000


def test_a_refund_racing_the_transfer_for_one_household_is_refused_not_paid_out_twice(finance, monkeypatch):
    """The refund read no settlement of the household, then under its lock found the transfer's (begun in the
    meantime, a crash or a call at the same moment): it went on as a refund, wrote an exit_refund entry of the
    household's money, which the batch's exit_transfer entry counted again (found by r8 reviewing h8)."""
    from finance import store
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    change = store.change_exit_settlement

    def crash_at_done(db, outbox, estate_id, settlement_id, decide):
        step = decide(db.exit_settlements.find_one({"_id": settlement_id}))
        if step is not None and step.set.get("status") == "done":
            raise RuntimeError("the worker died")
        return change(db, outbox, estate_id, settlement_id, decide)

    monkeypatch.setattr(store, "change_exit_settlement", crash_at_done)
    with pytest.raises(RuntimeError):
        transfer(finance)  # hh_1's settlement of the batch: its money taken, pending
    monkeypatch.setattr(store, "change_exit_settlement", change)
    find = store.find_exit_settlement
    reads = []

    def read_before_the_transfer_wrote(db, estate_id, settlement_id):
        reads.append(settlement_id)
        return None if len(reads) == 1 else find(db, estate_id, settlement_id)

    monkeypatch.setattr(store, "find_exit_settlement", read_before_the_transfer_wrote)
    with pytest.raises(Conflict):
        refund(finance, "hh_1")
    monkeypatch.setattr(store, "find_exit_settlement", find)
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_refund"}) == 0
    assert transfer(finance)["amount_cents"] == 5000
    [entry] = finance.db.journal.find({"estate_id": ESTATE, "kind": {"$in": ["exit_refund", "exit_transfer"]}})
    assert entry["amount_cents"] == 5000
    assert [e["data"]["household_id"] for e in finance.outbox.of_type("exit_prepaid_transferred")] == ["hh_1"]
    assert finance.outbox.of_type("exit_prepaid_refunded") == []


def test_money_paid_after_the_refund_is_refunded_by_the_next_call_not_left_owed_for_ever(finance):
    """A payment arriving during or after the household's refund (it waits for the household's lock) is money
    owed back again: the package listed it, the retirement was refused for it, and a refund asked again
    answered the first, done, paying nothing (found by r8 reviewing h8 on a running system)."""
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    first = refund(finance, "hh_1")
    assert first["amount_cents"] == 5000
    pay(finance, "hh_1", 777)  # after the refund
    assert lines(finance)["hh_1"]["owed_back_cents"] == 777
    second = refund(finance, "hh_1", key="exit-2")
    assert second["id"] != first["id"] and second["amount_cents"] == 777
    after = lines(finance).get("hh_1")
    assert after is None or after["owed_back_cents"] == 0
    assert sorted(e["amount_cents"] for e in finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_refund"})) == [
        777, 5000]
    assert refund(finance, "hh_1", key="exit-3")["id"] == second["id"]  # nothing new: the last, as it is
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_refund"}) == 2
    as_caller(finance, ACCOUNTANT)
    month = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert month["exit_prepaid_paid_out"]["amount_cents"] == 5777 and month["balanced"]


def test_a_mistyped_end_day_is_refused_before_any_money_moves(finance):
    """Nothing bounded a money-moving end day: 2016-10-31 cancelled every bill paid since and refunded it
    all (found by a reviewer of h8). It lies within ``exit_end_day_back_days`` (92) of today (2026-11-23)
    and at most 31 days ahead; the read-only package still reads any day."""
    from estate_common.testing import as_caller as acting
    from .test_service import MANAGER
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    for typed, said in (("2016-10-31", "is more than 92 days ago"), ("2026-12-25", "is more than 31 days ahead")):
        with pytest.raises(BusinessRuleViolation) as refused:
            refund(finance, "hh_1", as_of=typed)
        assert refused.value.errors == [{"field": "data.as_of", "message": said}]
        with pytest.raises(BusinessRuleViolation):
            transfer(finance, as_of=typed)
    assert finance.db.exit_settlements.count_documents({}) == 0 and finance.db.exit_transfers.count_documents({}) == 0
    assert bill_of(finance, "hh_1", "2026-10")["status"] == "paid"
    assert handover(finance, "2016-10-31")["as_of"] == "2016-10-31"  # reading is free
    acting(finance, MANAGER)
    finance.update_settings({"estate_id": ESTATE, "data": {"exit_end_day_back_days": 60}})
    with pytest.raises(BusinessRuleViolation) as refused:
        refund(finance, "hh_1", as_of="2026-09-22")
    assert refused.value.errors[0]["message"] == "is more than 60 days ago"


def test_the_estate_s_end_day_is_fixed_by_its_first_settlement(finance):
    """Settlements named different end days per household: each household's money counted at another end
    (found by a reviewer of h8). The first that moves money fixes the day; another is refused 409 naming it."""
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    pay(finance, "hh_2", 28200 + 7000)
    assert refund(finance, "hh_1")["amount_cents"] == 5000
    with pytest.raises(Conflict) as refused:
        refund(finance, "hh_2", as_of="2026-11-30", key="exit-2")
    assert "2026-10-31" in str(refused.value) and refused.value.errors[0]["field"] == "data.as_of"
    with pytest.raises(Conflict):
        transfer(finance, as_of="2026-11-30")
    assert finance.db.exit_settlements.count_documents({"household_id": "hh_2"}) == 0
    assert transfer(finance)["amount_cents"] == 7000  # the day that stands


def test_a_refused_end_day_fixes_nothing(finance):
    """A settlement refused before money moved (a bill across the end) leaves the day open."""
    approved(finance)
    run(finance, "2026-11")
    pay(finance, "hh_1", 21002 + 5000)
    with pytest.raises(BusinessRuleViolation):
        refund(finance, "hh_1", as_of="2026-11-15")
    assert refund(finance, "hh_1", as_of="2026-11-30", key="exit-2")["amount_cents"] == 5000


def test_a_refund_resumed_on_a_later_day_writes_its_entry_on_the_day_it_holds(finance, monkeypatch):
    """A refund's crash before its entry, resumed the next day: the entry went on the first day's journal,
    settled by then, while the lock was on today's (found by a reviewer of h8)."""
    from datetime import timedelta
    from estate_common import clock
    from finance import store
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    insert = store.insert_entry

    def crash(db, entry):
        if entry["kind"] == "exit_refund":
            raise RuntimeError("the worker died")
        return insert(db, entry)

    monkeypatch.setattr(store, "insert_entry", crash)
    with pytest.raises(RuntimeError):
        refund(finance, "hh_1")
    monkeypatch.setattr(store, "insert_entry", insert)
    finance.settle_day({"estate_id": ESTATE, "data": {"date": "2026-11-23", "cashier": "acc"}})
    clock.advance(timedelta(days=1))
    assert refund(finance, "hh_1", key="exit-2")["amount_cents"] == 5000
    [entry] = finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_refund"})
    assert (entry["day"], entry["cashier"], entry["amount_cents"]) == ("2026-11-24", "acc", 5000)


def test_a_transfer_resumed_on_a_later_day_writes_its_entry_on_the_day_it_holds(finance, monkeypatch):
    """The batch's entry went on its first day's journal, settled by then, under that day's lock: now on the
    caller's journal of the day it is finished, the one it holds (found by a reviewer of h8)."""
    from datetime import timedelta
    from estate_common import clock
    from finance import store
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    insert = store.insert_entry

    def crash(db, entry):
        if entry["kind"] == "exit_transfer":
            raise RuntimeError("the worker died")
        return insert(db, entry)

    monkeypatch.setattr(store, "insert_entry", crash)
    with pytest.raises(RuntimeError):
        transfer(finance)
    monkeypatch.setattr(store, "insert_entry", insert)
    finance.settle_day({"estate_id": ESTATE, "data": {"date": "2026-11-23", "cashier": "acc"}})
    clock.advance(timedelta(days=1))
    assert transfer(finance, key="exit-batch-2")["amount_cents"] == 5000
    [entry] = finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_transfer"})
    assert (entry["day"], entry["cashier"], entry["amount_cents"]) == ("2026-11-24", "acc", 5000)
    assert transfer(finance, key="exit-batch-3")["status"] == "done"
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_transfer"}) == 1


def test_a_settlement_that_moves_no_money_fixes_no_end_day(finance):
    """The estate's end day is fixed by its first settlement that moves money: a refund of a household
    with nothing owed back (no bill after the end, no money unused) at a mistyped day moved nothing and
    fixed that day for good, every later settlement at the true end refused 409 (found by r11 reviewing
    h13)."""
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_2", 28200 + 7000)
    with pytest.raises(BusinessRuleViolation):  # nothing owed back: nothing written (h5)
        refund(finance, "hh_1", as_of="2026-11-30", key="exit-0")
    assert finance.db.exit_end_days.count_documents({}) == 0 and finance.db.exit_settlements.count_documents({}) == 0
    assert refund(finance, "hh_2")["amount_cents"] == 7000  # the true end, 2026-10-31


def test_the_loser_of_two_first_refunds_naming_other_days_leaves_no_settlement_pending(finance, monkeypatch):
    """Two first refunds at once naming different end days both passed the check of the day (none was
    fixed yet); the second to claim it was refused 409, but its settlement, written before any money
    moved, stayed pending for good at a day that never was the estate's end (found by review of the
    exit). It is taken away with its refusal: nothing moved on it."""
    from finance import operations
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    pay(finance, "hh_2", 28200 + 7000)
    checked_day = operations._exit_end_day_checked
    assert refund(finance, "hh_1")["amount_cents"] == 5000  # fixes 2026-10-31
    # the second call checked the day before the first fixed it
    monkeypatch.setattr(operations, "_exit_end_day_checked", lambda *args: None)
    with pytest.raises(Conflict) as refused:
        refund(finance, "hh_2", as_of="2026-11-30", key="exit-2")
    assert "2026-10-31" in str(refused.value)
    assert finance.db.exit_settlements.count_documents({"household_id": "hh_2"}) == 0
    monkeypatch.setattr(operations, "_exit_end_day_checked", checked_day)
    assert refund(finance, "hh_2", key="exit-3")["amount_cents"] == 7000  # at the day that stands


def test_money_given_back_onto_a_payment_paid_out_at_the_end_is_refunded_by_the_next_call(finance):
    """A payment whose money unused was paid out at the end was marked taken and left by every later
    settlement; money given back onto it since (a bill it paid cancelled: a charge withdrawn) was listed
    owed back by the package, and a refund asked again answered the first, done, paying nothing: owed for
    ever, nor could it be reversed (found by r2 reviewing h2; left by h2)."""
    from estate_common.testing import event

    from .test_service import charge
    finance.bill_renovation_charge(charge("customer_service", item="renovation_management", cents=8800))
    paid = pay(finance, "hh_1", 8800 + 5000)  # the charge, and 50.00 beyond it
    first = refund(finance, "hh_1", as_of="2026-11-30")
    assert first["amount_cents"] == 5000
    raised = charge("customer_service", item="renovation_management", cents=8800)
    finance.cancel_renovation_charge(event("customer_service", "charge_withdrawn", ESTATE,
                                           {**raised["data"], "reason": "the work was not done"}))
    assert finance.get_payment({"estate_id": ESTATE, "id": paid["id"]})["unapplied_cents"] == 8800
    assert lines(finance, "2026-11-30")["hh_1"]["owed_back_cents"] == 8800
    second = refund(finance, "hh_1", as_of="2026-11-30", key="exit-2")
    assert second["id"] != first["id"] and second["amount_cents"] == 8800
    after = lines(finance, "2026-11-30").get("hh_1")
    assert after is None or after["owed_back_cents"] == 0
    assert refund(finance, "hh_1", as_of="2026-11-30", key="exit-3")["id"] == second["id"]  # once
    assert sorted(e["amount_cents"] for e in finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_refund"})) == [
        5000, 8800]
    stored = finance.db.payments.find_one({"_id": paid["id"]})
    assert (stored["unapplied_cents"], stored["exit_settled_cents"]) == (0, 13800)  # what it paid out, in all
    assert finance.get_payment({"estate_id": ESTATE, "id": paid["id"]})["exit_settlement_id"] == second["id"]
    as_caller(finance, ACCOUNTANT)
    month = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert month["exit_prepaid_paid_out"]["amount_cents"] == 13800 and month["balanced"]


def test_a_refund_refused_for_its_amount_does_not_stop_the_transfer(finance):
    """A refund refused for its amount (its bill after the end cancelled, its plan kept, nothing paid) stayed
    pending: the transfer of every household was then a 409 for it, and the exit could not be completed (found
    by h5). The batch takes the household over (a refund asked again is then refused 409: the batch settled it, h6)."""
    approved(finance)
    for period in ("2026-10", "2026-11"):
        run(finance, period)
    pay(finance, "hh_1", 2 * 21002 + 5000)  # November paid ahead and 50.00 beyond
    with pytest.raises(BusinessRuleViolation):
        refund(finance, "hh_1", amount_cents=5000)  # 260.02 is owed back
    batch = transfer(finance)
    assert {line["household_id"]: line["amount_cents"] for line in batch["households"]} == {"hh_1": 26002}
    [settled] = finance.db.exit_settlements.find({"household_id": "hh_1"})
    assert (settled["kind"], settled["status"], settled["transfer_id"]) == ("transfer", "done", batch["id"])
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_refund"}) == 0
    assert handover(finance, "2026-10-31")["totals"]["owed_back_cents"] == 0


def test_a_refund_asked_again_while_the_transfer_takes_its_household_over_pays_out_once(finance, monkeypatch):
    """A refund refused for its amount, asked again with the right one at the moment the transfer took it over
    (``_exit_adopted``): the refund had read its settlement before the household's lock, the transfer took it over
    and moved its money, then the refund went on with what it had read and wrote an exit_refund entry of the
    money the batch's exit_transfer entry counted too, paid out twice (found by r5 reviewing h5). Read again
    under the lock, the refund sees the batch's and is refused 409."""
    from estate_common.testing import worker
    from finance import exit_settlement
    from finance.service import FinanceService
    approved(finance)
    for period in ("2026-10", "2026-11"):
        run(finance, period)
    pay(finance, "hh_1", 2 * 21002 + 5000)
    with pytest.raises(BusinessRuleViolation):
        refund(finance, "hh_1", amount_cents=5000)  # 260.02 is owed back: awaiting its amount
    accountant = worker(FinanceService, caller=ACCOUNTANT, db=finance.db)
    refuse = exit_settlement.refuse_another
    batches = []

    def transfer_meanwhile(found, kind, batch=None):
        if kind == exit_settlement.REFUND and not batches:
            batches.append(transfer(accountant))
        return refuse(found, kind, batch)

    monkeypatch.setattr(exit_settlement, "refuse_another", transfer_meanwhile)
    try:
        refund(finance, "hh_1", amount_cents=26002, key="exit-2")
    except Conflict:
        pass
    monkeypatch.setattr(exit_settlement, "refuse_another", refuse)
    out = [(e["kind"], e["amount_cents"]) for e in finance.db.journal.find(
        {"estate_id": ESTATE, "kind": {"$in": ["exit_refund", "exit_transfer"]}})]
    assert sum(cents for _, cents in out) == 26002, out


def _money_as_it_stands(finance):
    """Every document a settlement may write, as stored, and the events announced so far."""
    return ({name: sorted(finance.db[name].find({}), key=lambda d: d["_id"]) for name in (
        "bills", "payments", "exit_settlements", "exit_end_days", "journal")}, len(finance.outbox.published))


def test_a_refund_refused_for_its_amount_leaves_nothing_changed(finance):
    """A refund asked for another amount than owed back was refused 422 only after its settlement was planned:
    the household's bills after the end were cancelled (their money given back, settling its bills up to the end),
    the estate's end day fixed, a settlement left pending (asked of h6). Refused now before anything is written:
    the bills, payments, settlements and end day as they were, no event; asked again for the amount named, paid."""
    approved(finance)
    for period in ("2026-10", "2026-11"):
        run(finance, period)
    pay(finance, "hh_1", 2 * 21002 + 5000)  # November paid ahead and 50.00 beyond: 260.02 owed back
    before = _money_as_it_stands(finance)
    with pytest.raises(BusinessRuleViolation) as refused:
        refund(finance, "hh_1", amount_cents=5000)
    assert refused.value.errors == [{"field": "data.amount_cents", "message": "is 26002 cents owed back"}]
    assert _money_as_it_stands(finance) == before
    assert bill_of(finance, "hh_1", "2026-11")["status"] == "paid"
    done = refund(finance, "hh_1", key="exit-2", amount_cents=26002)
    assert (done["status"], done["amount_cents"]) == ("done", 26002)


def test_a_refund_refused_for_its_amount_names_what_the_cancelled_bills_leave_after_the_arrears(finance):
    """The amount named by the refusal is what the refund pays: November's money given back settles October,
    left unpaid, first (the dry run of the cancellation is the settlement's own order), nothing written."""
    approved(finance)
    for period in ("2026-10", "2026-11"):
        run(finance, period)
    november = bill_of(finance, "hh_1", "2026-11")
    pay(finance, "hh_1", 21002, bill_ids=[november["id"]])  # November paid, October owed
    assert bill_of(finance, "hh_1", "2026-10")["status"] == "unpaid"
    before = _money_as_it_stands(finance)
    with pytest.raises(BusinessRuleViolation) as refused:  # November's 210.02 settles October: nothing owed back
        refund(finance, "hh_1", amount_cents=21002)
    assert refused.value.errors == [{"field": "data.amount_cents", "message": "is 0 cents owed back"}]
    assert _money_as_it_stands(finance) == before


@pytest.mark.parametrize("paid", [
    [(21002, None)], [(21002, "2026-11")], [(21002, "2026-11"), (500, None)], [(30000, "2026-11"), (21002, "2026-09")],
    [(3 * 21002 + 1, None)], [(10000, "2026-11"), (10000, "2026-10"), (30000, None)], [(21002, "2026-11"), (7, "2026-09")]])
def test_the_amount_a_refused_refund_names_is_the_one_it_pays(finance, paid):
    """The dry run's amount (named by the refusal) is the plan's: asked again for it, the refund pays it, whichever
    bills the household's payments named and whatever its money settles once November is cancelled."""
    approved(finance)
    for period in ("2026-09", "2026-10", "2026-11"):
        run(finance, period)
    for n, (cents, period) in enumerate(paid):
        extra = {"bill_ids": [bill_of(finance, "hh_1", period)["id"]]} if period else {}
        pay(finance, "hh_1", cents, key=f"pay-{n}", **extra)
    before = _money_as_it_stands(finance)
    with pytest.raises(BusinessRuleViolation) as refused:
        refund(finance, "hh_1", amount_cents=99_999_999)
    assert _money_as_it_stands(finance) == before
    [error] = refused.value.errors
    named = int(error["message"].split()[1]) if error["field"] == "data.amount_cents" else None  # else nothing owed
    if named is not None:
        done = refund(finance, "hh_1", key="exit-2", amount_cents=named)
        assert (done["status"], done["amount_cents"]) == ("done", named)


def test_a_refund_finding_its_household_settled_by_the_transfer_is_refused_not_answered_as_paid(finance, monkeypatch):
    """A household refunded, paid 7.77 since, its refund asked again (a new round) as the transfer ran: the transfer
    settled the 7.77 in its round and the refund answered 200 with that settlement, 7.77 (kind transfer, no exit_refund
    entry); the console said "refunded 7.77" and the accountant counted out money the batch handed to the next company:
    paid twice (found by h6 through the gateway, two threads). A refund call that finds its household's money settled
    by the transfer is refused 409 saying so; asked after the transfer, the same."""
    from estate_common.testing import worker
    from finance import exit_settlement
    from finance.service import FinanceService
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    assert refund(finance, "hh_1")["amount_cents"] == 5000
    pay(finance, "hh_1", 777)
    accountant = worker(FinanceService, caller=ACCOUNTANT, db=finance.db)
    refuse, batches = exit_settlement.refuse_another, []

    def transfer_meanwhile(found, kind, batch=None):
        if kind == exit_settlement.REFUND and not batches:
            batches.append(transfer(accountant))
        return refuse(found, kind, batch)

    monkeypatch.setattr(exit_settlement, "refuse_another", transfer_meanwhile)
    with pytest.raises(Conflict) as refused:
        refund(finance, "hh_1", key="exit-2")
    monkeypatch.setattr(exit_settlement, "refuse_another", refuse)
    assert "transfer" in str(refused.value)
    assert {line["household_id"]: line["amount_cents"] for line in batches[0]["households"]} == {"hh_1": 777}
    with pytest.raises(Conflict):  # asked after the transfer: the same
        refund(finance, "hh_1", key="exit-3")
    assert [e["amount_cents"] for e in finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_refund"})] == [5000]


def test_a_refund_sent_again_with_its_key_answers_its_own_round_not_a_new_one(finance):
    """A refund done, its answer lost (the gateway's record released by a 503: the retry reaches finance), the owner
    paying 7.77 since: the retry with its Idempotency-Key walked to a new round and paid the 7.77 out (a second
    refund nobody asked for), and after the transfer settled that 7.77 it was a 409 "handed to the next company";
    API.md: the same key with the same body returns the first result. It answers its own settlement, the 50.00,
    before the transfer and after it (found by r6 reviewing h6)."""
    approved(finance)
    run(finance, "2026-10")
    pay(finance, "hh_1", 21002 + 5000)
    first = refund(finance, "hh_1")
    assert first["amount_cents"] == 5000
    pay(finance, "hh_1", 777)
    assert refund(finance, "hh_1") == first  # sent again with its key: the first result
    assert [e["amount_cents"] for e in finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_refund"})] == [5000]
    batch = transfer(finance)
    assert {line["household_id"]: line["amount_cents"] for line in batch["households"]} == {"hh_1": 777}
    assert refund(finance, "hh_1") == first  # and after the transfer: not a 409
    with pytest.raises(Conflict):  # another call after the transfer: refused, as h6 made it
        refund(finance, "hh_1", key="exit-2")
    assert [e["amount_cents"] for e in finance.db.journal.find({"estate_id": ESTATE, "kind": "exit_refund"})] == [5000]


def test_a_first_refund_crashed_part_way_then_refused_for_its_amount_leaves_no_bill_naming_nothing(
        finance, monkeypatch):
    """The first refund at an end of 30 September cancelled October (its bill naming the settlement) and died
    before November; asked again
    for another amount, the settlement, not planned yet, was taken away as one nothing had moved on and the refusal
    made before anything is written: November stayed cancelled naming a settlement that was no more, and the
    refund asked again for the amount named paid it without October among its bills cancelled (found by h6).
    A settlement a bill names has moved: it is planned (those bills its own) and refused once planned, kept
    pending awaiting its amount; asked again for the amount named, it pays it with both months cancelled."""
    from finance import store
    approved(finance)
    for period in ("2026-09", "2026-10", "2026-11"):
        run(finance, period)
    pay(finance, "hh_1", 3 * 21002 + 5000)  # October, November paid ahead and 50.00 beyond: 470.04 owed back
    real, cancelled = store.cancel_bill, []

    def dies_at_the_second(db, outbox, bill, changes):
        if cancelled:
            raise RuntimeError("the worker died")
        cancelled.append(bill["_id"])
        return real(db, outbox, bill, changes)

    with monkeypatch.context() as patched:
        patched.setattr(store, "cancel_bill", dies_at_the_second)
        with pytest.raises(RuntimeError):
            refund(finance, "hh_1", as_of="2026-09-30")
    with pytest.raises(BusinessRuleViolation) as refused:
        refund(finance, "hh_1", as_of="2026-09-30", key="exit-2", amount_cents=5000)
    assert refused.value.errors == [{"field": "data.amount_cents", "message": "is 47004 cents owed back"}]
    named = {bill["exit_settlement_id"] for bill in finance.db.bills.find({"exit_settlement_id": {"$exists": True}})}
    assert named and all(finance.db.exit_settlements.find_one({"_id": settlement_id}) for settlement_id in named)
    done = refund(finance, "hh_1", as_of="2026-09-30", key="exit-3", amount_cents=47004)
    assert (done["status"], done["amount_cents"]) == ("done", 47004)
    assert sorted(done["bills_cancelled"]) == sorted(bill_of(finance, "hh_1", p)["id"] for p in ("2026-10", "2026-11"))
    assert {bill["exit_settlement_id"] for bill in finance.db.bills.find({"exit_settlement_id": {"$exists": True}})} \
        == {done["id"]}


def test_money_owed_to_a_payee_is_in_the_package_and_the_transfer_is_refused_until_it_is_handed_on(finance):
    """代收代缴 at the contract's end (h4): the gas company's money collected at the desk and not handed on is
    the gas company's, not the operator's nor the owners' fund: the package lists it by payee, and the batch
    that closes the money is refused (409 naming the payee) until it is remitted; nothing moves meanwhile."""
    from .test_pass_through import collect, payee, remit
    approved(finance)
    run(finance, "2026-11")
    pay(finance, "hh_1", 2 * 21002)  # November, and December paid ahead
    gas = payee(finance, fee=200)
    collect(finance, gas["id"], 12850, "ptc-end-1")
    collect(finance, gas["id"], 6000, "ptc-end-2", household="hh_2")
    package = handover(finance, "2026-11-30")
    assert package["pass_through_owed"] == [{"payee_id": gas["id"], "name": "华润燃气", "service": "gas",
                                             "owed_cents": 18850}]
    assert package["totals"]["pass_through_owed_cents"] == 18850  # the fees are the estate's income, not owed
    assert package["totals"]["held_for_others_cents"] == package["totals"]["owed_back_cents"] + 18850
    with pytest.raises(Conflict) as refused:
        transfer(finance, as_of="2026-11-30")
    assert "华润燃气" in refused.value.detail
    assert [e["field"] for e in refused.value.errors] == ["pass_through_owed[0]"]
    assert finance.db.exit_transfers.count_documents({"estate_id": ESTATE}) == 0  # nothing written
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_transfer"}) == 0
    remit(finance, gas["id"], "ptm-end")
    assert handover(finance, "2026-11-30")["pass_through_owed"] == []
    assert transfer(finance, as_of="2026-11-30")["status"] == "done"


def test_a_transfer_resumed_after_a_crash_is_refused_too_while_a_payee_is_owed(finance, monkeypatch):
    """The batch a crash left pending was resumed without asking whether a payee was owed: money collected for
    the gas company meanwhile (the desk still open) went with the batch's money to the next company, the package
    listing it owed. The resumed batch is refused as a first one is (409 naming the payee), nothing more moves,
    and finishes once the payee is handed its money (found by r4 reviewing h4)."""
    from finance import operations

    from .test_pass_through import collect, payee, remit
    approved(finance)
    run(finance, "2026-11")
    pay(finance, "hh_1", 2 * 21002)  # November, and December paid ahead
    real = operations._exit_settle

    def dies(*args, **kwargs):
        raise RuntimeError("the worker died")
    monkeypatch.setattr(operations, "_exit_settle", dies)
    with pytest.raises(RuntimeError):
        transfer(finance, as_of="2026-11-30")
    monkeypatch.setattr(operations, "_exit_settle", real)
    assert finance.db.exit_transfers.find_one({"estate_id": ESTATE})["status"] == "pending"
    gas = payee(finance, fee=200)
    collect(finance, gas["id"], 12850, "ptc-resume-1")
    with pytest.raises(Conflict) as refused:
        transfer(finance, as_of="2026-11-30")
    assert "华润燃气" in refused.value.detail
    assert [e["field"] for e in refused.value.errors] == ["pass_through_owed[0]"]
    assert finance.db.exit_settlements.count_documents({"estate_id": ESTATE}) == 0  # nothing moved
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "exit_transfer"}) == 0
    assert finance.db.exit_transfers.find_one({"estate_id": ESTATE})["status"] == "pending"
    remit(finance, gas["id"], "ptm-resume")
    done = transfer(finance, as_of="2026-11-30")
    assert done["status"] == "done" and done["amount_cents"] == 21002
    assert transfer(finance, as_of="2026-11-30")["status"] == "done"  # a done batch answered again, never refused


def test_a_collection_for_a_payee_left_pending_by_a_crash_refuses_the_transfer_too(finance, monkeypatch):
    """An owner's gas money taken at the desk whose write a crash left pending (its receipt numbered, its entries
    in the drawer) is no payee's owed until the sweep posts it: the transfer went through with it held, and the
    sweep then made it owed after the money had left (found by r4 reviewing h4). Refused 409 naming it."""
    from finance import operations

    from .test_pass_through import collect, payee
    approved(finance)
    run(finance, "2026-11")
    pay(finance, "hh_1", 2 * 21002)
    gas = payee(finance, fee=200)

    def dies(*args, **kwargs):
        raise RuntimeError("the worker died")
    with monkeypatch.context() as patched:
        patched.setattr(operations.store, "change_collection", dies)
        with pytest.raises(RuntimeError):
            collect(finance, gas["id"], 12850, "ptc-pending-1")
    assert finance.db.pass_through_collections.find_one({"estate_id": ESTATE})["status"] == "pending"
    with pytest.raises(Conflict) as refused:
        transfer(finance, as_of="2026-11-30")
    assert "华润燃气" in refused.value.detail
    assert [e["field"] for e in refused.value.errors] == ["pass_through_pending[0]"]
    assert finance.db.exit_transfers.count_documents({"estate_id": ESTATE}) == 0  # nothing written
