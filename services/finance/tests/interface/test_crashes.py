"""A crash between any two writes of a payment or a reversal (the process dies: no more writes,
its household lock is left behind): the half-done sweep finishes the work, and the end state
is the one an uncrashed call leaves, with no double effect (bill amounts, journal, one event
each)."""
from collections import Counter
from datetime import timedelta

import pytest

from estate_common import clock, leases_store, writes
from estate_common import store as common_store
from estate_common.errors import Conflict
from estate_common.testing import as_caller, event, staff, worker
from finance import operations
from finance import store as finance_store
from finance.rules import HALF_DONE_GRACE_SECONDS
from finance.service import FinanceService

ESTATE = "est_1"
NOW = clock.parse_iso("2026-11-23T02:00:00Z")
ACCOUNTANT = staff("acc", ["accountant"], [ESTATE])
MANAGER = staff("boss", ["manager"], [ESTATE])
CASHIER = staff("wang", ["cashier"], [ESTATE])

# Every write a payment or a reversal makes, where the test can stop the process after it: the
# payment's first insert and its journal entry, and each step on a payment or a bill (prepaid money
# taken off its payment, an allocation put on a bill or taken off it, the payment posted or reversed),
# which the one write path writes (update_if)
WRITES = [(finance_store, "insert_payment"), (finance_store, "insert_entry"), (common_store, "update_if")]


class Crash(Exception):
    pass


def writes_counted(monkeypatch, crash_after=None):
    """Wrap every write; the process "dies" right after write number ``crash_after`` (its lock
    stays taken). The names of the writes made, in order."""
    done = []
    for module, name in WRITES:
        def wrapped(*args, _original=getattr(module, name), _name=name, **kwargs):
            result = _original(*args, **kwargs)
            done.append(_name)
            if len(done) == crash_after:
                raise Crash(f"the process died after {_name}")
            return result
        monkeypatch.setattr(module, name, wrapped)
    if crash_after:
        monkeypatch.setattr(finance_store, "unlock", lambda db, lock: None)
    return done


def new_finance():
    clock.freeze(NOW)
    finance = worker(FinanceService, caller=ACCOUNTANT)
    finance.copy_estate(event("archive", "estate_created", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "EST_1", "name": "West Lake", "address": "9 Lake Rd",
        "version": 1}))
    finance.copy_household(event("archive", "household_created", ESTATE, {
        "id": "hh_1", "estate_id": ESTATE, "building": "3", "unit": "1", "room": "101", "area_m2": 89.37,
        "status": "occupied", "version": 1}))
    as_caller(finance, ACCOUNTANT, "the-standard")  # the same id in every run (its approval is an event)
    standard = finance.create_fee_standard({"estate_id": ESTATE, "data": {
        "item": "property_service", "unit_price_cents_per_m2": 235, "cycle": "monthly", "valid_from": "2026-10"}})
    as_caller(finance, MANAGER)
    finance.approve_fee_standard({"estate_id": ESTATE, "id": standard["id"]})
    for period, at in (("2026-10", "2026-10-05T02:00:00Z"), ("2026-11", "2026-11-23T02:00:00Z")):
        clock.freeze(clock.parse_iso(at))
        as_caller(finance, ACCOUNTANT)
        finance.start_billing_run({"estate_id": ESTATE, "data": {"period": period}})
        finance.run_jobs()
    finance.bill_renovation_charge(event("customer_service", "charge_raised", ESTATE, {
        "id": "chg_1", "item": "renovation_deposit", "amount_cents": 8800, "description": "Renovation deposit",
        "household_id": "hh_1", "subject": {"type": "renovation_application", "id": "app_1"}, "collected": False}))
    return finance


def pay(finance, cents, key, **extra):
    as_caller(finance, CASHIER, idempotency_key=key)
    return finance.create_payment({"estate_id": ESTATE, "data": {"household_id": "hh_1", "amount_cents": cents,
                                                                 "method": "cash", **extra}})


def bill_ids(finance):
    return {b["period"] if b["item"] == "property_service" else b["item"]: b["_id"] for b in finance.db.bills.find()}


def payment_scenario():
    """Before: October, November and a renovation charge unpaid; a payment of 300.00 named
    November (210.02) and left 89.98 prepaid. The operation: 250.00 unnamed, which takes the
    prepaid 89.98 and 120.04 of its own to settle October, then settles the charge (88.00):
    a payment with older money used, three allocations, two bills settled."""
    finance = new_finance()
    pay(finance, 30000, "p-1", bill_ids=[bill_ids(finance)["2026-11"]])
    return finance, lambda: pay(finance, 25000, "p-2")


def reversal_scenario():
    """Before: November and the renovation charge paid by one payment (300.02; 2.00 prepaid).
    The operation: that payment reversed, which reopens both bills."""
    finance = new_finance()
    paid = pay(finance, 30002, "p-1", bill_ids=[bill_ids(finance)["2026-11"], bill_ids(finance)["renovation_deposit"]])

    def reverse():
        as_caller(finance, CASHIER)
        return finance.reverse_payment({"estate_id": ESTATE, "id": paid["id"], "data": {"reason": "bounced"}})
    return finance, reverse


def relay_leftovers(finance):
    """What the outbox sweep does: publish the events a crash left in documents."""
    for name in finance.db.list_collection_names():
        for doc in list(finance.db[name].find({"_outbox.0": {"$exists": True}})):
            finance.outbox.publish(finance.db[name], doc)


def end_state(finance):
    bills = {b["_id"]: (b["paid_cents"], b["status"], b["settled_at"],
                        sorted(a["id"] for a in b.get("allocations", []))) for b in finance.db.bills.find()}
    # a revision, updated_at (the sweep finished it later than an uncrashed call) and the marks of the
    # keyed steps (writes.STEPS) of a call the sweep finished, and the fences of the locks it was written
    # under (another taking's in the sweep: leases_store.FENCES) are bookkeeping
    payments = {p["_id"]: {k: v for k, v in p.items() if k not in ("_rev", "updated_at", writes.STEPS,
                                                                   leases_store.FENCES)}
                for p in finance.db.payments.find()}
    journal = sorted((e["kind"], e["direction"], e["amount_cents"], e["ref_id"]) for e in finance.db.journal.find())
    # a billing run's end by its period: its id is its job's, another in each scenario's run
    events = Counter((e["event_type"], e["data"]["period"] if e["event_type"] == "billing_run_finished"
                      else e["data"].get("id") or e["data"].get("bill_id"))
                     for e in finance.outbox.published)
    return bills, payments, journal, events


def finished_by_the_sweep(finance):
    clock.advance(timedelta(seconds=HALF_DONE_GRACE_SECONDS + 1))
    finance.finish_half_done()
    relay_leftovers(finance)
    return end_state(finance)


@pytest.mark.parametrize("scenario, writes", [
    # the payment, prepaid money taken off an older payment, three allocations, the entry, posted
    (payment_scenario, ["insert_payment", "update_if", "update_if", "update_if", "update_if", "insert_entry",
                        "update_if"]),
    # reversal_pending, the entry, two allocations off their bills, reversed
    (reversal_scenario, ["update_if", "insert_entry", "update_if", "update_if", "update_if"]),
])
def test_a_crash_between_any_two_writes_is_finished_by_the_sweep_without_double_effect(scenario, writes,
                                                                                      monkeypatch):
    finance, operation = scenario()
    made = writes_counted(monkeypatch)
    operation()
    assert made == writes  # the writes this test stops between, in order
    monkeypatch.undo()
    expected = finished_by_the_sweep(finance)
    assert not any(status in ("pending", "reversal_pending") for status in
                   (p["status"] for p in expected[1].values()))
    assert all(count == 1 for (kind, _), count in expected[3].items() if kind in ("payment_posted",
                                                                                  "payment_reversed"))
    for crash_after in range(1, len(writes) + 1):
        finance, operation = scenario()
        writes_counted(monkeypatch, crash_after)
        with pytest.raises(Crash):
            operation()
        monkeypatch.undo()
        assert finished_by_the_sweep(finance) == expected, f"crash after write {crash_after}: {writes[crash_after - 1]}"


def test_the_sweep_leaves_a_payment_under_way_to_its_writer(monkeypatch):
    finance, operation = payment_scenario()
    writes_counted(monkeypatch, crash_after=1)
    with pytest.raises(Crash):
        operation()
    monkeypatch.undo()
    clock.advance(timedelta(seconds=HALF_DONE_GRACE_SECONDS - 1))
    assert finance.finish_half_done() is None and finance.db.payments.count_documents({"status": "pending"}) == 1
    assert operations.finish_half_done(finance.db, finance.outbox) == 0  # younger than the grace period
    clock.advance(timedelta(seconds=2))
    assert operations.finish_half_done(finance.db, finance.outbox) == 1
    assert finance.db.payments.count_documents({"status": "pending"}) == 0


def test_a_half_done_payment_is_finished_before_the_households_next_payment(monkeypatch):
    finance, operation = payment_scenario()
    writes_counted(monkeypatch, crash_after=3)
    with pytest.raises(Crash):
        operation()
    monkeypatch.undo()
    clock.advance(timedelta(seconds=31))  # the dead writer's lock has expired; the sweep has not run
    later = pay(finance, 100, "p-3")
    assert later["status"] == "posted"
    first = finance.db.payments.find_one({"receipt_number": "RC-2026-000002"})
    assert first["status"] == "posted" and first["unapplied_cents"] == 25000 - 12004 - 8800
    assert [e["data"]["id"] for e in finance.outbox.of_type("payment_posted")][-2:] == [first["_id"], later["id"]]


def test_a_retry_of_a_half_done_reversal_finishes_it_and_is_then_refused(monkeypatch):
    finance, operation = reversal_scenario()
    writes_counted(monkeypatch, crash_after=2)
    with pytest.raises(Crash):
        operation()
    monkeypatch.undo()
    clock.advance(timedelta(seconds=31))
    with pytest.raises(Conflict):
        operation()  # the reversal is finished first; reversing it again is a conflict
    [reversed_] = finance.outbox.of_type("payment_reversed")
    assert sorted(b["amount_cents"] for b in reversed_["data"]["bills"]) == [8800, 21002]
    assert finance.db.journal.count_documents({"kind": "reversal"}) == 1


@pytest.mark.parametrize("scenario, crash_after", [(payment_scenario, 1), (payment_scenario, 4),
                                                   (reversal_scenario, 1), (reversal_scenario, 3)])
def test_a_settlement_finishes_what_a_crash_left_half_done_on_its_day_and_counts_it(scenario, crash_after,
                                                                                      monkeypatch):
    """Finished after the settlement (the sweep, a retry), its entry landed on a day closed without it."""
    finance, operation = scenario()
    writes_counted(monkeypatch, crash_after)
    with pytest.raises(Crash):
        operation()
    monkeypatch.undo()
    clock.advance(timedelta(seconds=31))  # the dead writer's locks have expired; the sweep has not run
    as_caller(finance, CASHIER)
    settled = finance.settle_day({"estate_id": ESTATE, "data": {"date": "2026-11-23", "cashier": "wang"}})
    assert finance.db.payments.count_documents({"status": {"$in": ["pending", "reversal_pending"]}}) == 0
    booked = list(finance.db.journal.find({"estate_id": ESTATE, "cashier": "wang", "day": "2026-11-23"}))
    assert len(booked) == 2  # the scenario's first payment, and the operation's payment or reversal
    assert (settled["entries"], settled["net_cents"]) == (
        len(booked), sum(e["amount_cents"] * (1 if e["direction"] == "in" else -1) for e in booked))
    assert finance.finish_half_done() is None and list(finance.db.journal.find({"day": "2026-11-23"})) == booked


def repair_charge(cents=5000, charge_id="ch_9"):
    return event("maintenance", "charge_raised", ESTATE, {
        "id": charge_id, "item": "repair", "amount_cents": cents, "description": "replaced a valve",
        "household_id": "hh_1", "subject": {"type": "work_order", "id": "wo_9"}, "collected": False})


def prepaid_money_taken_then_crash(monkeypatch):
    """Every bill paid by a payment of 600.00 that left 91.96 prepaid; then a repair charge of
    50.00, which the prepaid money settles: the process dies right after the money was taken off
    the payment, before the bill has it (no plan of it was written anywhere)."""
    finance = new_finance()
    paid = pay(finance, 60000, "p-1")
    assert finance.db.payments.find_one({"_id": paid["id"]})["unapplied_cents"] == 9196
    original = finance_store.use_prepaid

    def taken_then_dead(*args, **kwargs):
        original(*args, **kwargs)
        raise Crash("the process died after use_prepaid")
    monkeypatch.setattr(finance_store, "use_prepaid", taken_then_dead)
    monkeypatch.setattr(finance_store, "unlock", lambda db, lock: None)  # its lock stays taken
    with pytest.raises(Crash):
        finance.bill_repair_charge(repair_charge())
    monkeypatch.undo()
    assert finance.db.payments.find_one({"_id": paid["id"]})["unapplied_cents"] == 4196  # gone from the payment ...
    [repair] = finance.db.bills.find({"item": "repair"})
    assert repair["paid_cents"] == 0  # ... and not on the bill
    return finance, paid


def test_prepaid_money_a_crash_kept_from_its_bill_is_put_on_it_by_the_sweep(monkeypatch):
    """Money lost before: the payment had less, the bill was unpaid, and no sweep looked."""
    finance, paid = prepaid_money_taken_then_crash(monkeypatch)
    finished_by_the_sweep(finance)
    [repair] = finance.db.bills.find({"item": "repair"})
    assert (repair["paid_cents"], repair["status"]) == (5000, "paid")
    payment = finance.db.payments.find_one({"_id": paid["id"]})
    assert payment["unapplied_cents"] == 4196 and "_prepaid_in_use" not in payment
    assert [e["data"]["bill_id"] for e in finance.outbox.of_type("bill_settled")].count(repair["_id"]) == 1
    finished_by_the_sweep(finance)  # nothing more to do: no second effect
    assert finance.db.bills.find_one({"_id": repair["_id"]})["paid_cents"] == 5000
    assert finance.db.payments.find_one({"_id": paid["id"]})["unapplied_cents"] == 4196


def test_prepaid_money_a_crash_kept_from_its_bill_is_put_on_it_at_the_household_s_next_change(monkeypatch):
    finance, paid = prepaid_money_taken_then_crash(monkeypatch)
    clock.advance(timedelta(seconds=31))  # the dead writer's lock has expired; the sweep has not run
    finance.bill_repair_charge(repair_charge())  # the charge's event, redelivered
    finance.bill_repair_charge(repair_charge(500, "ch_10"))  # and another
    bills = {b["amount_cents"]: b for b in finance.db.bills.find({"item": "repair"})}
    assert (bills[5000]["paid_cents"], bills[500]["paid_cents"]) == (5000, 500)
    assert finance.db.payments.find_one({"_id": paid["id"]})["unapplied_cents"] == 9196 - 5000 - 500


def test_an_approval_a_crash_stopped_before_the_older_standard_ended_ends_it_before_the_next_run(monkeypatch):
    """The older standard was ended first, then the process died before the approval: it ended
    under a standard still pending (no month could be billed), and the retried approval found
    nothing to end and announced ``ended: []`` to the services that keep prices."""
    finance = new_finance()  # property service at 2.35 / m² from 2026-10
    [older] = [s for s in finance.db.fee_standards.find({"status": "approved"})]
    as_caller(finance, ACCOUNTANT)
    newer = finance.create_fee_standard({"estate_id": ESTATE, "data": {
        "item": "property_service", "unit_price_cents_per_m2": 250, "cycle": "monthly", "valid_from": "2026-12"}})

    def dead(*args):
        raise Crash("the process died after the approval's write")
    monkeypatch.setattr(finance_store, "_end_superseded", dead)
    as_caller(finance, MANAGER)
    with pytest.raises(Crash):
        finance.approve_fee_standard({"estate_id": ESTATE, "id": newer["id"]})
    monkeypatch.undo()
    [announced] = [e for e in finance.outbox.of_type("fee_standard_approved") if e["data"]["id"] == newer["id"]]
    assert announced["data"]["ended"] == [{"id": older["_id"], "valid_to": "2026-11"}]
    assert finance.db.fee_standards.find_one({"_id": older["_id"]})["valid_to"] is None  # not ended yet
    clock.freeze(clock.parse_iso("2026-12-05T02:00:00Z"))
    as_caller(finance, ACCOUNTANT)
    finance.start_billing_run({"estate_id": ESTATE, "data": {"period": "2026-12"}})
    finance.run_jobs()
    ended = finance.db.fee_standards.find_one({"_id": older["_id"]})
    assert (ended["valid_to"], ended["superseded_by"]) == ("2026-11", newer["id"])
    assert "_ends" not in finance.db.fee_standards.find_one({"_id": newer["id"]})
    [december] = finance.db.bills.find({"period": "2026-12", "item": "property_service"})
    assert december["amount_cents"] == 22343  # 89.37 m² at 2.50, the newer price alone


def keyed_reversal_scenario():
    """``reversal_scenario`` with the reversal sent with an Idempotency-Key."""
    finance = new_finance()
    paid = pay(finance, 30002, "p-1", bill_ids=[bill_ids(finance)["2026-11"], bill_ids(finance)["renovation_deposit"]])

    def reverse():
        as_caller(finance, CASHIER, idempotency_key="r-1")
        return finance.reverse_payment({"estate_id": ESTATE, "id": paid["id"], "data": {"reason": "bounced"}})
    return finance, reverse


@pytest.mark.parametrize("scenario", [payment_scenario, keyed_reversal_scenario])
def test_a_crash_between_any_two_writes_is_finished_by_the_call_sent_again_with_its_key(scenario, monkeypatch):
    """The gateway answers the lost call 503 and the client sends it again with the same key: the
    call finishes what the crash left (its steps found by their marks) and ends as an uncrashed one."""
    finance, operation = scenario()
    made = writes_counted(monkeypatch)
    first = operation()
    monkeypatch.undo()
    relay_leftovers(finance)
    expected = end_state(finance)
    for crash_after in range(1, len(made) + 1):
        finance, operation = scenario()
        writes_counted(monkeypatch, crash_after)
        with pytest.raises(Crash):
            operation()
        monkeypatch.undo()
        clock.advance(timedelta(seconds=31))  # the dead writer's lock has expired
        again = operation()
        relay_leftovers(finance)
        assert end_state(finance) == expected, f"crash after write {crash_after}: {made[crash_after - 1]}"
        assert again["status"] == first["status"]


def test_prepaid_money_given_back_in_a_call_sent_again_is_not_taken_for_another_allocations_mark(monkeypatch):
    """Money taken off a payment and given back (``use_prepaid``, ``unuse_prepaid``: each once by
    its allocation's id) in a call sent again with its key: the first call's giving back of another
    allocation (a crash's leftover it found taken) is not this one's. Marked by their order in the
    call (writes.keyed_call), the second giving back was found "applied" and skipped: the money
    stayed off the payment and on no bill."""
    finance = new_finance()
    paid = pay(finance, 60000, "p-1")
    bill = finance.db.bills.find_one({"item": "property_service"})

    def allocation(allocation_id, cents):
        return {"id": allocation_id, "payment_id": paid["id"], "bill_id": bill["_id"], "amount_cents": cents,
                "at": clock.now_iso()}

    call = ("wang", "k-1", "finance.create_payment", {"estate_id": ESTATE, "data": {"amount_cents": 100}})
    taken = allocation("alc_1", 1000)
    assert finance_store.use_prepaid(finance.db, finance.outbox, ESTATE, taken, clock.now_iso())  # a crashed call's
    with writes.keyed_call(*call):
        finance_store.unuse_prepaid(finance.db, finance.outbox, ESTATE, taken)  # given back
    assert finance.db.payments.find_one({"_id": paid["id"]})["unapplied_cents"] == 9196
    with writes.keyed_call(*call):  # the call sent again: another plan, its bill changed meanwhile
        other = allocation("alc_2", 2000)
        assert finance_store.use_prepaid(finance.db, finance.outbox, ESTATE, other, clock.now_iso())
        finance_store.unuse_prepaid(finance.db, finance.outbox, ESTATE, other)
    payment = finance.db.payments.find_one({"_id": paid["id"]})
    assert payment["unapplied_cents"] == 9196
    assert not any(a["id"] in ("alc_1", "alc_2") for a in payment["allocations"])


def withdrawn_then_crash(monkeypatch):
    """The renovation deposit's bill (88.00) paid in full, then its charge withdrawn: the process dies right
    after the bill's cancellation was written, before its money went back to the payment. The household's lock
    stays taken, as a dead writer's does."""
    finance = new_finance()
    paid = pay(finance, 8800, "p-1", bill_ids=[bill_ids(finance)["renovation_deposit"]])
    original = finance_store.cancel_bill

    def cancelled_then_dead(*args, **kwargs):
        original(*args, **kwargs)
        raise Crash("the process died after cancel_bill")
    monkeypatch.setattr(finance_store, "cancel_bill", cancelled_then_dead)
    monkeypatch.setattr(finance_store, "unlock", lambda db, lock: None)
    with pytest.raises(Crash):
        finance.cancel_renovation_charge(event("customer_service", "charge_withdrawn", ESTATE, {
            "id": "chg_1", "item": "renovation_deposit", "amount_cents": 8800, "description": "Renovation deposit",
            "household_id": "hh_1", "subject": {"type": "renovation_application", "id": "app_1"},
            "collected": False, "reason": "the owner gave the renovation up"}))
    monkeypatch.undo()
    bill = finance.db.bills.find_one({"_id": bill_ids(finance)["renovation_deposit"]})
    assert (bill["status"], bill["paid_cents"]) == ("cancelled", 0)  # cancelled ...
    assert finance.db.payments.find_one({"_id": paid["id"]})["unapplied_cents"] == 0  # ... its money nowhere
    return finance, paid, bill


def test_money_a_crash_kept_on_a_cancelled_bill_goes_back_to_its_payment_by_the_sweep(monkeypatch):
    """The cancelled bill's mark (the money it still owes its payments) was finished only by the household's
    next writer: a household nobody wrote to again kept the money on a cancelled bill, its payment short, for
    good (found by h7). The half-done sweep finishes it, once its grace is over, and only once."""
    finance, paid, bill = withdrawn_then_crash(monkeypatch)
    clock.advance(timedelta(seconds=HALF_DONE_GRACE_SECONDS - 10))  # a writer may still be at it: left alone
    finance.finish_half_done()
    assert finance.db.payments.find_one({"_id": paid["id"]})["unapplied_cents"] == 0
    finished_by_the_sweep(finance)
    payment = finance.db.payments.find_one({"_id": paid["id"]})
    # back on the payment, and used at once on what the household owes (October, 210.02, the oldest)
    assert sum(a["amount_cents"] for a in payment["allocations"]) + payment["unapplied_cents"] == 8800
    assert not any(a.get("bill_id") == bill["_id"] for a in payment["allocations"])
    assert finance_store.GIVING_BACK not in finance.db.bills.find_one({"_id": bill["_id"]})
    before = end_state(finance)
    finished_by_the_sweep(finance)  # nothing more to do: no second effect
    assert end_state(finance) == before
