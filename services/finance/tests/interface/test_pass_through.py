"""Money collected on behalf of others (代收代缴): an owner's gas bill paid at the desk is the gas company's
money, not the estate's income; the estate hands it on, and keeps its handling fee apart (found by session 61:
only a handling fee could be a paid service order, the money itself had nowhere to go; built by h6)."""
import pytest

from estate_common import clock, contracts
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, NotFound

from .test_service import ACCOUNTANT, CASHIER, ESTATE, acting, approved, finance, pay, run  # noqa: F401 (fixture)


def call(finance, method, payload, caller=ACCOUNTANT, key=None):
    acting(finance, caller, key)
    contracts.load().check_rpc_input("finance", method, payload)
    answer = getattr(finance, method)(payload)
    contracts.load().check_rpc_output("finance", method, answer)
    return answer


def payee(finance, name="华润燃气", fee=None, key="payee-gas"):
    data = {"name": name, "service": "gas", **({"handling_fee_cents": fee} if fee is not None else {})}
    return call(finance, "create_pass_through_payee", {"estate_id": ESTATE, "data": data}, key=key)


def collect(finance, payee_id, cents, key, household="hh_1", method="cash"):
    return call(finance, "record_pass_through_collection", {"estate_id": ESTATE, "data": {
        "payee_id": payee_id, "household_id": household, "amount_cents": cents, "method": method,
        "reference": "RQ2026110345"}}, caller=CASHIER, key=key)


def remit(finance, payee_id, key, period="2026-11"):
    return call(finance, "remit_pass_through", {"estate_id": ESTATE, "id": payee_id,
                                                "data": {"period": period, "method": "transfer"}}, key=key)


def lines(finance):
    return {line["id"]: line for line in call(finance, "list_pass_through_payees", {"estate_id": ESTATE})["items"]}


def test_money_collected_for_a_payee_is_received_owed_and_handed_on_never_income(finance):
    gas = payee(finance, fee=200)
    assert gas["handling_fee_cents"] == 200 and payee(finance, fee=200)["id"] == gas["id"]  # a retry: the same
    first = collect(finance, gas["id"], 12850, "ptc-1")
    assert (first["status"], first["amount_cents"], first["fee_cents"]) == ("posted", 12850, 200)
    assert first["receipt_number"].startswith("RC-2026-")
    assert collect(finance, gas["id"], 12850, "ptc-1")["id"] == first["id"]  # a retry: once
    receipt = pay(finance, "hh_2", 1000)["receipt_number"]  # the receipt series payments share: no number twice
    assert receipt != first["receipt_number"]
    collect(finance, gas["id"], 6000, "ptc-2", household="hh_2")
    entries = sorted((e["kind"], e["direction"], e["amount_cents"]) for e in finance.db.journal.find(
        {"estate_id": ESTATE, "kind": {"$regex": "^pass_through"}}))
    assert entries == [("pass_through_collection", "in", 6000), ("pass_through_collection", "in", 12850),
                       ("pass_through_fee", "in", 200), ("pass_through_fee", "in", 200)]
    assert finance.db.bills.count_documents({"estate_id": ESTATE}) == 0  # never a bill: not income
    line = lines(finance)[gas["id"]]
    assert (line["collected_cents"], line["fees_cents"], line["remitted_cents"], line["owed_cents"]) == (18850, 400, 0, 18850)
    [announced, _] = finance.outbox.of_type("pass_through_collected")
    assert announced["data"]["amount_cents"] == 12850 and announced["data"]["fee_cents"] == 200
    done = remit(finance, gas["id"], "ptm-1")
    assert (done["status"], done["amount_cents"], len(done["collection_ids"])) == ("done", 18850, 2)
    assert remit(finance, gas["id"], "ptm-1")["id"] == done["id"]  # a retry: once
    [out] = finance.db.journal.find({"estate_id": ESTATE, "kind": "pass_through_remittance"})
    assert (out["direction"], out["amount_cents"]) == ("out", 18850)
    line = lines(finance)[gas["id"]]
    assert (line["collected_cents"], line["remitted_cents"], line["owed_cents"], line["fees_cents"]) == (18850, 18850, 0, 400)
    [remitted] = finance.outbox.of_type("pass_through_remitted")
    assert remitted["data"]["amount_cents"] == 18850 and remitted["data"]["collections"] == 2
    with pytest.raises(BusinessRuleViolation) as refused:  # nothing owed: never negative
        remit(finance, gas["id"], "ptm-2")
    assert refused.value.errors[0]["field"] == "data.period"
    acting(finance, ACCOUNTANT)
    month = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert month["balanced"] and month["pass_through"] == {"collected": {"count": 2, "amount_cents": 18850},
                                                           "fees": {"count": 2, "amount_cents": 400},
                                                           "remitted": {"count": 1, "amount_cents": 18850},
                                                           "reversed": {"count": 0, "amount_cents": 0},
                                                           "fees_reversed": {"count": 0, "amount_cents": 0}}


def test_a_fee_set_later_is_charged_by_the_collections_after_it_and_a_payee_is_the_estates(finance):
    gas = payee(finance)
    assert collect(finance, gas["id"], 5000, "ptc-a")["fee_cents"] == 0  # 0 by default
    changed = call(finance, "set_pass_through_fee", {"estate_id": ESTATE, "id": gas["id"],
                                                     "data": {"handling_fee_cents": 300}})
    assert changed["handling_fee_cents"] == 300
    assert collect(finance, gas["id"], 5000, "ptc-b")["fee_cents"] == 300
    assert lines(finance)[gas["id"]]["fees_cents"] == 300
    with pytest.raises(BusinessRuleViolation) as refused:
        collect(finance, "ptp_nobody", 5000, "ptc-c")
    assert refused.value.errors[0]["field"] == "data.payee_id"
    with pytest.raises(NotFound):
        remit(finance, "ptp_nobody", "ptm-x")


def test_a_remittance_takes_its_month_and_a_collection_once(finance):
    gas = payee(finance)
    collect(finance, gas["id"], 5000, "ptc-nov")
    clock.freeze(clock.parse_iso("2026-12-02T02:00:00Z"))
    collect(finance, gas["id"], 7000, "ptc-dec")
    november = remit(finance, gas["id"], "ptm-nov", period="2026-11")
    assert november["amount_cents"] == 5000
    line = lines(finance)[gas["id"]]
    assert (line["collected_cents"], line["remitted_cents"], line["owed_cents"]) == (12000, 5000, 7000)
    with pytest.raises(BusinessRuleViolation):
        remit(finance, gas["id"], "ptm-jan", period="2027-01")  # not begun
    listed = call(finance, "list_pass_through_collections", {"estate_id": ESTATE, "filters": {"payee_id": gas["id"]}})
    assert sorted((c["period"], c["remittance_id"]) for c in listed["items"]) == [("2026-11", november["id"]),
                                                                                 ("2026-12", None)]


def test_a_collection_and_a_remittance_a_crash_left_pending_are_finished_once_by_the_sweep(finance, monkeypatch):
    from datetime import timedelta
    from finance import operations
    from finance.rules import HALF_DONE_GRACE_SECONDS
    gas = payee(finance, fee=100)
    real = operations.store.insert_entry

    def dies_at_the_fee(db, entry):
        if entry["kind"] in ("pass_through_fee", "pass_through_remittance"):
            raise RuntimeError("the worker died")
        return real(db, entry)

    with monkeypatch.context() as patched:
        patched.setattr(operations.store, "insert_entry", dies_at_the_fee)
        with pytest.raises(RuntimeError):
            collect(finance, gas["id"], 5000, "ptc-crash")
    [pending] = finance.db.pass_through_collections.find({"estate_id": ESTATE})
    assert pending["status"] == "pending" and finance.outbox.of_type("pass_through_collected") == []
    clock.advance(timedelta(seconds=HALF_DONE_GRACE_SECONDS + 1))
    operations.finish_half_done(finance.db, finance.outbox)
    assert finance.db.pass_through_collections.find_one({"_id": pending["_id"]})["status"] == "posted"
    assert len(finance.outbox.of_type("pass_through_collected")) == 1
    with monkeypatch.context() as patched:
        patched.setattr(operations.store, "insert_entry", dies_at_the_fee)
        with pytest.raises(RuntimeError):
            remit(finance, gas["id"], "ptm-crash")
    clock.advance(timedelta(seconds=HALF_DONE_GRACE_SECONDS + 1))
    operations.finish_half_done(finance.db, finance.outbox)
    done = remit(finance, gas["id"], "ptm-crash")  # and its retry: the same, once
    assert (done["status"], done["amount_cents"]) == ("done", 5000)
    kinds = sorted(e["kind"] for e in finance.db.journal.find({"estate_id": ESTATE}))
    assert kinds == ["pass_through_collection", "pass_through_fee", "pass_through_remittance"]
    assert len(finance.outbox.of_type("pass_through_remitted")) == 1


def test_a_days_settlement_finishes_a_collection_and_a_remittance_a_crash_left_on_it_and_counts_them(finance, monkeypatch):
    """A crash between the pending write and its entries, then the day settled before the sweep: the settlement
    finishes them first (as a payment's or a top-up's), or their entries landed later on a day closed without
    them (found by r6 reviewing h6)."""
    from datetime import timedelta
    from finance import operations
    gas = payee(finance, fee=100)
    real = operations.store.insert_entry

    def dies_at_the_fee(db, entry):
        if entry["kind"] in ("pass_through_fee", "pass_through_remittance"):
            raise RuntimeError("the worker died")
        return real(db, entry)

    collect(finance, gas["id"], 3000, "ptc-whole")
    with monkeypatch.context() as patched:
        patched.setattr(operations.store, "insert_entry", dies_at_the_fee)
        with pytest.raises(RuntimeError):
            collect(finance, gas["id"], 5000, "ptc-crash")
    clock.advance(timedelta(seconds=31))  # the dead writer's lock expired; the sweep has not run
    acting(finance, CASHIER)
    day = finance.settle_day({"estate_id": ESTATE, "data": {"date": "2026-11-23", "cashier": "wang"}})
    assert finance.db.pass_through_collections.count_documents({"status": "pending"}) == 0
    assert (day["entries"], day["in_cents"]) == (4, 3000 + 100 + 5000 + 100)
    with monkeypatch.context() as patched:
        patched.setattr(operations.store, "insert_entry", dies_at_the_fee)
        with pytest.raises(RuntimeError):
            remit(finance, gas["id"], "ptm-crash")
    clock.advance(timedelta(seconds=31))
    acting(finance, ACCOUNTANT)
    day = finance.settle_day({"estate_id": ESTATE, "data": {"date": "2026-11-23", "cashier": "acc"}})
    assert finance.db.pass_through_remittances.find_one({})["status"] == "done"
    assert (day["entries"], day["out_cents"]) == (1, 8000)
    before = finance.db.journal.count_documents({})
    assert finance.finish_half_done() is None and finance.db.journal.count_documents({}) == before


def test_the_handling_fees_are_the_estates_income_in_its_disclosure_and_the_payees_money_is_not(finance):
    """The fee is the estate's income (the payee's money is not): the income and expense disclosure shows it,
    its own line as what deposits' refunds kept (found by r6 reviewing h6: the disclosure left it out)."""
    gas = payee(finance, fee=150)
    collect(finance, gas["id"], 12850, "ptc-1")
    collect(finance, gas["id"], 6000, "ptc-2", household="hh_2")
    acting(finance, ACCOUNTANT)
    income = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})["income"]
    assert income["by_item"]["pass_through_fees"] == {"billed_cents": 300, "received_cents": 300, "bills": 2}
    assert income["received_cents"] == 300  # the payee's 18,850 not in it
    assert finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-10"}})["income"][
        "by_item"] == {}


def test_a_remittance_left_pending_whose_collections_another_took_is_refused_never_done_of_nothing(finance, monkeypatch):
    """Two remittances planned the same collections (two people at once, or one crashed before it took them):
    the one that took none was marked done of 0 cents, announced and counted a remittance of the payee; it is
    refused as one with nothing owed (422), taken away, nothing announced (found by r6 reviewing h6)."""
    from finance import operations
    gas = payee(finance)
    collect(finance, gas["id"], 5000, "ptc-1")

    def dies(*args, **kwargs):
        raise RuntimeError("the worker died")

    with monkeypatch.context() as patched:
        patched.setattr(operations.store, "take_collection", dies)
        with pytest.raises(RuntimeError):
            remit(finance, gas["id"], "ptm-first")
    other = remit(finance, gas["id"], "ptm-other")  # another batch, another key: takes the collection
    assert other["amount_cents"] == 5000
    with pytest.raises(BusinessRuleViolation) as refused:
        remit(finance, gas["id"], "ptm-first")  # its retry
    assert refused.value.errors[0]["field"] == "data.period"
    assert [r["_id"] for r in finance.db.pass_through_remittances.find({})] == [other["id"]]
    assert len(finance.outbox.of_type("pass_through_remitted")) == 1
    line = lines(finance)[gas["id"]]
    assert (line["remitted_cents"], line["remittances"], line["owed_cents"]) == (5000, 1, 0)


def test_the_reconciliation_holds_the_journal_against_the_collections_receipts_not_against_itself(finance, monkeypatch):
    """The month's reconciliation expected the collections' money from the journal's own entries, so it
    balanced whatever the journal held: a collection a crash left with its payee's entry and not its fee's
    (its receipt not issued, 5,000 cents in the cashier's journal no receipt says) read balanced. Expected from
    the collections posted (their receipts: the money and the fee), as top-ups are, it shows the 5,000 until
    the collection is finished, then balances (found by r6 reviewing h6)."""
    from datetime import timedelta
    from finance import operations
    from finance.rules import HALF_DONE_GRACE_SECONDS
    gas = payee(finance, fee=100)
    collect(finance, gas["id"], 3000, "ptc-whole")
    real = operations.store.insert_entry

    def dies_at_the_fee(db, entry):
        if entry["kind"] == "pass_through_fee":
            raise RuntimeError("the worker died")
        return real(db, entry)

    with monkeypatch.context() as patched:
        patched.setattr(operations.store, "insert_entry", dies_at_the_fee)
        with pytest.raises(RuntimeError):
            collect(finance, gas["id"], 5000, "ptc-crash")
    acting(finance, ACCOUNTANT)
    month = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert (month["balanced"], month["difference_cents"]) == (False, 5000)
    assert month["pass_through"]["collected"] == {"count": 1, "amount_cents": 3000}
    clock.advance(timedelta(seconds=HALF_DONE_GRACE_SECONDS + 1))
    operations.finish_half_done(finance.db, finance.outbox)
    acting(finance, ACCOUNTANT)
    month = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert month["balanced"] and month["pass_through"]["collected"] == {"count": 2, "amount_cents": 8000}
    assert month["pass_through"]["fees"] == {"count": 2, "amount_cents": 200}


def test_the_payees_list_sums_each_page_s_payees_where_they_are_stored_not_their_whole_history(finance, monkeypatch):
    """Each page of payees read every posted collection and done remittance its payees ever had into the
    service and summed them there: a page cost the payees' whole history. The sums come from the store, one
    row per payee of the page and kind, and the figures are those of the collections themselves (found by h11)."""
    from estate_common import embedded_store
    names = ["华润燃气", "自来水公司", "国家电网", "有线电视", "宽带"]
    payees = [payee(finance, name=name, fee=100 * i, key=f"payee-{i}") for i, name in enumerate(names)]
    made = {p["id"]: [] for p in payees}
    for n in range(60):
        chosen = payees[n % 4]  # the last payee: none
        made[chosen["id"]].append(collect(finance, chosen["id"], 1000 + 37 * n, f"ptc-many-{n}",
                                          household=f"hh_{1 + n % 2}"))
    remitted = remit(finance, payees[1]["id"], "ptm-many")
    for n in range(5):
        made[payees[1]["id"]].append(collect(finance, payees[1]["id"], 500 + n, f"ptc-after-{n}"))
    reads = []
    for method in ("find", "aggregate"):
        original = getattr(embedded_store.EmbeddedCollection, method)

        def counted(self, *args, original=original, **kwargs):
            rows = original(self, *args, **kwargs)
            if not self.name.startswith("pass_through_") or self.name == "pass_through_payees":
                return rows
            return (reads.append(self.name) or row for row in rows)
        monkeypatch.setattr(embedded_store.EmbeddedCollection, method, counted)
    listed, cursor = [], None
    while True:
        answer = call(finance, "list_pass_through_payees", {"estate_id": ESTATE, "limit": 2,
                                                            **({"cursor": cursor} if cursor else {})})
        listed += answer["items"]
        cursor = answer.get("next_cursor")
        if not cursor:
            break
    assert sorted(line["id"] for line in listed) == sorted(p["id"] for p in payees)  # each once
    for line in listed:
        collections = made[line["id"]]
        collected = sum(c["amount_cents"] for c in collections)
        handed = remitted["amount_cents"] if line["id"] == payees[1]["id"] else 0
        assert (line["collections"], line["collected_cents"], line["fees_cents"], line["remittances"],
                line["remitted_cents"], line["owed_cents"]) == (
            len(collections), collected, sum(c["fee_cents"] for c in collections), int(bool(handed)), handed,
            collected - handed)
    assert remitted["amount_cents"] == sum(1000 + 37 * n for n in range(1, 60, 4))
    # 65 collections and a remittance read, page by page, as 4 rows of collections' sums and 1 of remittances'
    assert len(reads) == 5 and reads.count("pass_through_remittances") == 1


def reverse(finance, collection_id, key, reason="收错了户：应为 2-1-101 的燃气费", caller=CASHIER):
    return call(finance, "reverse_pass_through_collection", {"estate_id": ESTATE, "id": collection_id,
                                                             "data": {"reason": reason}}, caller=caller, key=key)


def test_a_collection_recorded_by_mistake_is_reversed_by_a_record_of_its_own_and_is_no_longer_owed(finance):
    """A collection typed wrong (the wrong payee, household or amount) was handed on as typed: nothing took it
    back. Its reversal is a record of its own naming it, why, by whom and when; the collection is kept, marked
    reversed; its money and fee go back out of the journal; the payee is owed it no more (h4)."""
    gas = payee(finance, fee=200)
    wrong = collect(finance, gas["id"], 12850, "ptc-r1")
    collect(finance, gas["id"], 6000, "ptc-r2", household="hh_2")
    done = reverse(finance, wrong["id"], "ptr-1")
    assert (done["collection_id"], done["status"], done["amount_cents"], done["fee_cents"]) == (
        wrong["id"], "done", 12850, 200)
    assert done["reason"].startswith("收错了户") and done["by"] == CASHIER["user"] and done["at"]
    assert reverse(finance, wrong["id"], "ptr-1")["id"] == done["id"]  # a retry with its key: the same
    kept = finance.db.pass_through_collections.find_one({"_id": wrong["id"]})
    assert (kept["status"], kept["reversed_by"], kept["amount_cents"]) == ("reversed", done["id"], 12850)
    listed = call(finance, "list_pass_through_collections", {"estate_id": ESTATE, "filters": {"payee_id": gas["id"]}})
    assert {c["id"]: c["status"] for c in listed["items"]}[wrong["id"]] == "reversed"
    back = sorted((e["kind"], e["direction"], e["amount_cents"]) for e in finance.db.journal.find(
        {"estate_id": ESTATE, "ref_id": done["id"]}))
    assert back == [("pass_through_collection_reversal", "out", 12850), ("pass_through_fee_reversal", "out", 200)]
    line = lines(finance)[gas["id"]]
    assert (line["collected_cents"], line["fees_cents"], line["owed_cents"], line["collections"]) == (6000, 200, 6000, 1)
    [announced] = finance.outbox.of_type("pass_through_collection_reversed")
    assert announced["data"]["id"] == wrong["id"] and announced["data"]["reversal_id"] == done["id"]
    with pytest.raises(Conflict):  # once
        reverse(finance, wrong["id"], "ptr-2")
    handed = remit(finance, gas["id"], "ptm-r")  # the reversed one is never handed on
    assert (handed["amount_cents"], len(handed["collection_ids"])) == (6000, 1)
    acting(finance, ACCOUNTANT)
    month = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    # the money and its fee apart, as collected and fees are: collected - reversed - remitted = what is owed now
    assert month["balanced"] and month["pass_through"]["reversed"] == {"count": 1, "amount_cents": 12850}
    assert month["pass_through"]["fees_reversed"] == {"count": 1, "amount_cents": 200}
    assert month["pass_through"]["collected"] == {"count": 2, "amount_cents": 18850}  # their receipts stand
    assert 18850 - 12850 - month["pass_through"]["remitted"]["amount_cents"] == lines(finance)[gas["id"]]["owed_cents"]
    disclosed = finance.db.journal.count_documents({"estate_id": ESTATE, "kind": "pass_through_fee_reversal"})
    assert disclosed == 1


def test_a_collection_handed_on_is_not_reversed_without_its_remittance_s_correction(finance):
    gas = payee(finance)
    handed = collect(finance, gas["id"], 5000, "ptc-h")
    remittance = remit(finance, gas["id"], "ptm-h")
    with pytest.raises(Conflict) as refused:
        reverse(finance, handed["id"], "ptr-h")
    assert remittance["id"] in refused.value.detail and refused.value.errors[0]["field"] == "id"
    assert finance.db.pass_through_reversals.count_documents({"estate_id": ESTATE}) == 0  # nothing written
    assert finance.db.journal.count_documents({"estate_id": ESTATE, "kind": {"$regex": "_reversal$"}}) == 0
    assert finance.db.pass_through_collections.find_one({"_id": handed["id"]})["status"] == "posted"
    with pytest.raises(NotFound):
        reverse(finance, "ptc_nope", "ptr-n")
    with pytest.raises((BusinessRuleViolation, InvalidInput)):  # a reversal says why
        reverse(finance, collect(finance, gas["id"], 100, "ptc-w")["id"], "ptr-w", reason="   ")


def test_a_remittance_planned_before_the_reversal_leaves_the_reversed_collection_out(finance, monkeypatch):
    """Two at once: a remittance planned with a collection that is reversed before it takes it hands on the
    rest only, never the reversed money (the reversal claims the collection as the remittance does, once)."""
    gas = payee(finance)
    first = collect(finance, gas["id"], 5000, "ptc-x1")
    collect(finance, gas["id"], 7000, "ptc-x2")
    from finance import operations
    real = operations._finish_pass_through_remittance

    def reversed_meanwhile(db, outbox, remittance):
        if remittance["status"] == "pending" and not finance.db.pass_through_reversals.count_documents({}):
            reverse(finance, first["id"], "ptr-x")
            acting(finance, ACCOUNTANT, "ptm-x")
        return real(db, outbox, remittance)
    monkeypatch.setattr(operations, "_finish_pass_through_remittance", reversed_meanwhile)
    handed = remit(finance, gas["id"], "ptm-x")
    assert handed["amount_cents"] == 7000
    assert first["id"] not in handed["collection_ids"]
    assert lines(finance)[gas["id"]]["owed_cents"] == 0


def test_a_reversed_collection_s_fee_is_taken_off_the_disclosed_income(finance):
    gas = payee(finance, fee=150)
    collect(finance, gas["id"], 12850, "ptc-d1")
    wrong = collect(finance, gas["id"], 6000, "ptc-d2", household="hh_2")
    reverse(finance, wrong["id"], "ptr-d")
    acting(finance, ACCOUNTANT)
    income = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})["income"]
    # netted as a deduction's reversal is: the cents taken off in the reversal's month, the fees received counted
    assert income["by_item"]["pass_through_fees"] == {"billed_cents": 150, "received_cents": 150, "bills": 2}


def test_a_reversal_a_crash_left_pending_is_finished_once_by_the_sweep_and_by_the_day_s_settlement(
        finance, monkeypatch):
    from datetime import timedelta
    from finance import operations
    from finance.rules import HALF_DONE_GRACE_SECONDS
    gas = payee(finance, fee=100)
    first = collect(finance, gas["id"], 5000, "ptc-s1")
    second = collect(finance, gas["id"], 3000, "ptc-s2")
    real = operations.store.insert_entry

    def dies_at_the_fee(db, entry):
        if entry["kind"] == "pass_through_fee_reversal":
            raise RuntimeError("the worker died")
        return real(db, entry)

    for collection, key in ((first, "ptr-s1"), (second, "ptr-s2")):
        with monkeypatch.context() as patched:
            patched.setattr(operations.store, "insert_entry", dies_at_the_fee)
            with pytest.raises(RuntimeError):
                reverse(finance, collection["id"], key)
    assert finance.db.pass_through_reversals.count_documents({"status": "pending"}) == 2
    assert finance.db.pass_through_collections.find_one({"_id": first["id"]})["status"] == "reversed"  # claimed
    assert lines(finance)[gas["id"]]["owed_cents"] == 0  # never handed on meanwhile
    clock.advance(timedelta(seconds=31))  # the dead writer's lock expired; the sweep has not run
    acting(finance, CASHIER)
    day = finance.settle_day({"estate_id": ESTATE, "data": {"date": "2026-11-23", "cashier": "wang"}})
    assert finance.db.pass_through_reversals.count_documents({"status": "pending"}) == 0
    assert day["out_cents"] == 5000 + 100 + 3000 + 100
    assert len(finance.outbox.of_type("pass_through_collection_reversed")) == 2
    clock.advance(timedelta(seconds=HALF_DONE_GRACE_SECONDS + 1))
    operations.finish_half_done(finance.db, finance.outbox)
    assert len(finance.outbox.of_type("pass_through_collection_reversed")) == 2  # once
    assert finance.db.journal.count_documents({"kind": {"$regex": "^pass_through_.*_reversal$"}}) == 4


def test_another_cashier_meeting_a_reversal_left_pending_is_refused_not_answered_as_his_own(finance, monkeypatch):
    """wang's reversal crashed before it claimed the collection; zhao, asked to reverse it too, was answered 201
    with wang's reversal as if his own: the money is paid back from wang's drawer (its entries on his journal),
    and zhao, told he had reversed it, hands the owner cash from his own. His call finishes wang's reversal (on
    wang's journal) and is refused 409 "reversed already"; wang's retry with its key is answered as before
    (found by r4 reviewing h4)."""
    from finance import operations

    from .test_service import OTHER_CASHIER
    gas = payee(finance, fee=100)
    wrong = collect(finance, gas["id"], 5000, "ptc-o1")
    real = operations.store.change_collection

    def dies(*args, **kwargs):
        raise RuntimeError("the worker died")
    with monkeypatch.context() as patched:
        patched.setattr(operations.store, "change_collection", dies)
        with pytest.raises(RuntimeError):
            reverse(finance, wrong["id"], "ptr-wang")
    assert operations.store.change_collection is real
    [pending] = finance.db.pass_through_reversals.find({"estate_id": ESTATE})
    assert (pending["status"], pending["by"]) == ("pending", CASHIER["user"])
    with pytest.raises(Conflict) as refused:
        reverse(finance, wrong["id"], "ptr-zhao", caller=OTHER_CASHIER)
    assert "reversed already" in refused.value.detail
    assert {(e["kind"], e["cashier"] if "cashier" in e else e.get("by")) for e in finance.db.journal.find(
        {"estate_id": ESTATE, "ref_id": pending["_id"]})} == {("pass_through_collection_reversal", CASHIER["user"]),
                                                              ("pass_through_fee_reversal", CASHIER["user"])}
    assert len(finance.outbox.of_type("pass_through_collection_reversed")) == 1
    again = reverse(finance, wrong["id"], "ptr-wang")  # wang's retry: his reversal, done
    assert (again["id"], again["status"], again["by"]) == (pending["_id"], "done", CASHIER["user"])
