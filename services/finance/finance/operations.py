"""The steps of each of finance's writes and reads: read through ``store``, decide with the
rule modules (``standards``, ``billing``, ``payments``, ``journals``, ``arrears``,
``reports``), write through ``store``, publish through the outbox.

No step needs a multi-document transaction: every document has a natural or
idempotency-derived ``_id`` and every update is guarded, so a step repeated after a crash
or a redelivery has no second effect; a household's money is changed by one writer at a
time (a lock document with an expiry).
"""
import logging
from contextlib import contextmanager
from datetime import timedelta

from estate_common import clock, jobs
from estate_common.errors import BusinessRuleViolation, Conflict, NotFound, field_error
from estate_common.store import decode_cursor, encode_cursor, public

from . import arrears, billing, journals, payments, periods, reports, standards, store
from .rules import BILLING_BATCH, HOUSEHOLD_LOCK_SECONDS

log = logging.getLogger(__name__)

BILLING_RUN = "billing_run"


@contextmanager
def household_lock(db, estate_id, household_id):
    now = clock.now()
    lock = store.lock_household(db, estate_id, household_id, clock.to_iso(now),
                                clock.to_iso(now + timedelta(seconds=HOUSEHOLD_LOCK_SECONDS)))
    try:
        yield
    finally:
        store.unlock_household(db, lock)


# -- fee standards -----------------------------------------------------------------

def create_standard(db, caller, estate_id, data):
    standard_id = caller.created_id("fs", estate_id)
    existing = store.find_standard(db, estate_id, standard_id)
    if existing:
        return public(existing)  # a retry of a create that went through
    standard = standards.new_standard(standard_id, estate_id, data, clock.now(), store.rules_for(db, estate_id),
                                      caller.user)
    if not store.insert_standard(db, standard):
        return public(store.get_standard(db, estate_id, standard_id))
    return public(standard)


def approve_standard(db, caller, estate_id, standard_id):
    standard = store.get_standard(db, estate_id, standard_id)
    changes, ended = standards.approval(standard, store.approved_standards(db, estate_id, standard["item"]),
                                        clock.now(), caller.user)
    return public(store.approve_standard(db, standard, changes, ended))


# -- billing runs (background jobs) ------------------------------------------------------

def start_billing_run(db, caller, estate_id, data):
    period = data["period"]
    rules = store.rules_for(db, estate_id)
    if period > periods.period_of(clock.now(), rules):
        raise BusinessRuleViolation("a period that has not begun cannot be billed",
                                    [field_error("data.period", "is in the future")])
    if not any(standards.bills_in(s, period) for s in store.approved_standards(db, estate_id)):
        raise BusinessRuleViolation("no approved fee standard bills this period",
                                    [field_error("data.period", "no approved fee standard bills it")])
    job_id = caller.created_id("job_finance", estate_id)
    return jobs.public(jobs.create(db, job_id, estate_id, BILLING_RUN, {"period": period}, caller.user))


def run_billing(db, outbox, job, progress):
    """A billing run: one bill per household and approved standard of the period, written in
    unordered batches; a bill that exists is counted as already billed. Safe to repeat."""
    estate_id, period = job["estate_id"], job["params"]["period"]
    rules = store.rules_for(db, estate_id)
    now = clock.now()
    billed = [s for s in store.approved_standards(db, estate_id) if standards.bills_in(s, period)]
    households = list(store.household_areas(db, estate_id))
    total = len(households) * len(billed)
    progress(0, total)
    bills = billing.run_bills(estate_id, period, billed, households, job["_id"],
                              billing.due_at(period, now, rules), clock.to_iso(now))
    created = already = cents = 0
    batch = []
    for bill in bills:
        batch.append(bill)
        if len(batch) == BILLING_BATCH:
            created, already, cents = _write_batch(db, batch, created, already, cents)
            progress(created + already)
            batch = []
    created, already, cents = _write_batch(db, batch, created, already, cents)
    progress(created + already)
    prepaid = apply_prepaid_everywhere(db, outbox, estate_id)
    return {"period": period, "households": len(households), "standards": [s["_id"] for s in billed],
            "bills_created": created, "already_billed": already, "billed_cents": cents,
            "bills_settled_from_prepaid": prepaid}


def _write_batch(db, batch, created, already, cents):
    inserted, duplicates, failed = store.insert_bills(db, batch)
    cents += sum(bill["amount_cents"] for index, bill in enumerate(batch) if index not in failed)
    return created + inserted, already + duplicates, cents


def get_billing_run(db, estate_id, job_id):
    job = jobs.get(db, job_id)
    if job is None or job["estate_id"] != estate_id or job["kind"] != BILLING_RUN:
        raise NotFound("no such billing run in this estate")
    return jobs.public(job)


# -- applying money to bills ------------------------------------------------------------

def _apply(db, outbox, estate_id, allocations, bills_by_id, new_payment_id=None):
    """Write allocations: older money first taken off its payment (once), then put on the bill
    (once); a bill paid in full announces ``bill_settled`` in the same write."""
    settled = 0
    for allocation in allocations:
        if allocation["payment_id"] != new_payment_id and not store.use_prepaid(db, estate_id, allocation):
            continue  # that money was used meanwhile, or this use is recorded already
        bill = bills_by_id[allocation["bill_id"]]
        if any(a["id"] == allocation["id"] for a in bill.get("allocations", [])):
            continue
        after = payments.bill_after(bill, allocation)
        events = []
        if after["status"] == "paid":
            events = [outbox.event("bill_settled", estate_id, billing.settled_event_data(bill, after["settled_at"]))]
        try:
            store.allocate_to_bill(db, bill, allocation, after, events)
        except Conflict:
            if allocation["payment_id"] != new_payment_id:
                store.unuse_prepaid(db, estate_id, allocation)  # the money goes back to its payment
            raise
        bills_by_id[bill["_id"]] = {**bill, **after, "allocations": bill.get("allocations", []) + [allocation]}
        if events:
            settled += 1
            outbox.publish(db.bills, {"_id": bill["_id"], "_outbox": events})
    return settled


def apply_prepaid(db, outbox, estate_id, household_id):
    """Use the household's unapplied money on its unpaid bills (the caller holds its lock)."""
    sources = store.prepaid_sources(db, estate_id, household_id)
    if not sources:
        return 0
    bills = payments.bills_to_settle(store.unpaid_bills(db, estate_id, household_id))
    allocations = payments.allocate(bills, sources, clock.now_iso())
    return _apply(db, outbox, estate_id, allocations, {b["_id"]: b for b in bills})


def apply_prepaid_where_possible(db, outbox, estate_id, household_id):
    try:
        with household_lock(db, estate_id, household_id):
            return apply_prepaid(db, outbox, estate_id, household_id)
    except Conflict:
        log.info("household %s is busy: its prepaid balance is used at its next change", household_id)
        return 0


def apply_prepaid_everywhere(db, outbox, estate_id):
    """After a billing run: every household's unused money on its unpaid bills. The estate's
    prepaid payments and unpaid bills are read in one walk each; the guarded writes refuse a
    plan that a concurrent payment made stale (that household waits for its next change)."""
    sources = store.prepaid_by_household(db, estate_id)
    if not sources:
        return 0
    unpaid = store.unpaid_by_household(db, estate_id, sources)
    settled = 0
    for household_id in sorted(sources):
        bills = payments.bills_to_settle(unpaid.get(household_id, []))
        if not bills:
            continue
        try:
            with household_lock(db, estate_id, household_id):
                allocations = payments.allocate(bills, sources[household_id], clock.now_iso())
                settled += _apply(db, outbox, estate_id, allocations, {b["_id"]: b for b in bills})
        except Conflict:
            log.info("household %s changed meanwhile: its prepaid balance is used at its next change", household_id)
    return settled


# -- payments ---------------------------------------------------------------------------

def post_payment(db, outbox, caller, estate_id, data):
    payment_id = caller.created_id("pay", estate_id)
    existing = store.find_payment(db, estate_id, payment_id)
    if existing:
        return _finish_payment(db, outbox, existing)  # a retry: the first payment, completed
    household_id = data["household_id"]
    store.known_household(db, estate_id, household_id)
    rules, now = store.rules_for(db, estate_id), clock.now()
    _refuse_closed_day(db, estate_id, caller.user, periods.day_of(now, rules))
    with household_lock(db, estate_id, household_id):
        existing = store.find_payment(db, estate_id, payment_id)
        if existing:
            return public(existing)
        bills = payments.bills_to_settle(store.unpaid_bills(db, estate_id, household_id), data.get("bill_ids"))
        sequence = store.next_number(db, estate_id, payments.receipt_series(now, rules))
        payment = payments.new_payment(payment_id, estate_id, data, payments.receipt_number(now, rules, sequence),
                                       now, rules, caller.user)
        sources = store.prepaid_sources(db, estate_id, household_id) + [payment]
        allocations = payments.allocate(bills, sources, payment["posted_at"])
        payment = payments.with_allocations(payment, allocations)
        payment["receipt"] = payments.receipt(payment)
        payment["_pending"] = True
        payment["_outbox"] = [outbox.event("payment_posted", estate_id, payments.posted_event_data(payment))]
        if not store.insert_payment(db, payment):
            return public(store.get_payment(db, estate_id, payment_id))
        store.insert_entry(db, journals.payment_entry(payment))
        _apply(db, outbox, estate_id, allocations, {b["_id"]: b for b in bills}, new_payment_id=payment_id)
        store.payment_done(db, payment)
        outbox.publish(db.payments, payment)
    return public(payment)


def _finish_payment(db, outbox, payment):
    """A payment found on a retry: if its first attempt stopped half-way, finish its writes."""
    if payment.get("_pending"):
        with household_lock(db, payment["estate_id"], payment["household_id"]):
            store.insert_entry(db, journals.payment_entry(payment))
            bills = {a["bill_id"]: store.get_bill(db, payment["estate_id"], a["bill_id"])
                     for a in payment["allocations"]}
            _apply(db, outbox, payment["estate_id"], payment["allocations"], bills, new_payment_id=payment["_id"])
            store.payment_done(db, payment)
            outbox.publish(db.payments, payment)
    return public(payment)


def reverse_payment(db, outbox, caller, estate_id, payment_id, data):
    payment = store.get_payment(db, estate_id, payment_id)
    rules, now = store.rules_for(db, estate_id), clock.now()
    _refuse_closed_day(db, estate_id, caller.user, periods.day_of(now, rules))
    with household_lock(db, estate_id, payment["household_id"]):
        payment = store.get_payment(db, estate_id, payment_id)
        changes = payments.reversal(payment, data["reason"], now, rules, caller.user)
        store.mark_reversed(db, payment, changes)
        payment = {**payment, **changes}
        store.insert_entry(db, journals.reversal_entry(payment))
        for allocation in payment["allocations"]:
            store.remove_allocation(db, estate_id, allocation["bill_id"], allocation)
        apply_prepaid(db, outbox, estate_id, payment["household_id"])
    return public(payment)


def _refuse_closed_day(db, estate_id, cashier, day):
    journals.refuse_closed_day(store.is_settled(db, estate_id, journals.settlement_id(estate_id, cashier, day)),
                               cashier, day)


# -- charges raised by other services, and expenses --------------------------------------------

def take_charge(db, outbox, event):
    """One bill per charge, however often it is delivered; money collected at the source is
    booked as paid with a cash journal entry."""
    rules = store.rules_for(db, event["estate_id"])
    bill = billing.charge_bill(event, rules)
    if bill["status"] == "paid":
        bill["_outbox"] = [outbox.event("bill_settled", bill["estate_id"],
                                        billing.settled_event_data(bill, bill["settled_at"]))]
    inserted = store.insert_bill(db, bill)
    if bill["status"] == "paid":
        cashier = event.get("actor") or event["source"]
        day = journals.first_open_day(periods.day_of(clock.parse_iso(event["occurred_at"]), rules),
                                      store.settled_days(db, bill["estate_id"], cashier))
        store.insert_entry(db, journals.collected_entry(bill, cashier, day))  # once, also on a redelivery
    if not inserted:
        return
    outbox.publish(db.bills, bill)
    if bill["status"] == "unpaid" and bill["household_id"]:
        apply_prepaid_where_possible(db, outbox, bill["estate_id"], bill["household_id"])


def record_expense(db, event):
    store.keep_expense(db, reports.expense_from_work_order(event, store.rules_for(db, event["estate_id"])))


# -- journals and settlements -------------------------------------------------------------------

def settle_day(db, caller, estate_id, data):
    rules, now = store.rules_for(db, estate_id), clock.now()
    journals.check_settlement(data, periods.day_of(now, rules), caller.user, caller.roles)
    entries = store.entries_of_day(db, estate_id, data["cashier"], data["date"])
    settlement = journals.settlement(estate_id, data, entries, now, caller.user)
    store.insert_settlement(db, settlement)
    return public(settlement)


def reconciliation_report(db, estate_id, period):
    rules = store.rules_for(db, estate_id)
    start = clock.to_iso(periods.period_start(period, rules))
    end = clock.to_iso(periods.period_end(period, rules))
    return journals.reconciliation(
        estate_id, period, store.entries_of_period(db, estate_id, period),
        store.payments_of_period(db, estate_id, period),
        store.bills_allocated_between(db, estate_id, start, end), start, end,
        store.settled_pairs_of_period(db, estate_id, period), clock.now())


def disclosure_report(db, estate_id, period):
    return reports.disclosure(estate_id, period, list(store.bills_of_period(db, estate_id, period)),
                              store.expenses_of_period(db, estate_id, period), clock.now())


# -- arrears, reminders, KPIs -------------------------------------------------------------------

def list_arrears(db, estate_id, limit=None, cursor=None):
    now = clock.now()
    overdue = arrears.overdue_by_household(store.overdue_bills(db, estate_id, clock.to_iso(now)), now)
    items = arrears.arrears_list(overdue, store.household_addresses(db, estate_id, overdue),
                                 store.last_reminders(db, estate_id), now)
    return _page(items, limit, cursor)


def _page(items, limit, cursor):
    """A page of a computed list ordered by ``(oldest_due_at, household_id)``."""
    limit = limit or 50
    if cursor:
        after = decode_cursor(cursor)
        items = [i for i in items if (i["oldest_due_at"], i["household_id"]) > after]
    page = items[:limit]
    more = len(items) > limit
    last = page[-1] if page else None
    return {"items": page, "next_cursor": encode_cursor({"created_at": last["oldest_due_at"],
                                                         "_id": last["household_id"]}) if more else None}


def send_reminder(db, outbox, caller, estate_id, data):
    reminder_id = caller.created_id("rem", estate_id)
    existing = store.find_reminder(db, estate_id, reminder_id)
    if existing:
        return public(existing)
    store.known_household(db, estate_id, data["household_id"])
    now = clock.now()
    overdue = arrears.overdue_by_household(
        store.overdue_bills(db, estate_id, clock.to_iso(now), data["household_id"]), now).get(data["household_id"])
    reminder = arrears.reminder(estate_id, reminder_id, data, overdue, now, caller.user)
    reminder["_outbox"] = [outbox.event("reminder_sent", estate_id, arrears.reminder_event_data(reminder))]
    if not store.insert_reminder(db, reminder):
        return public(store.find_reminder(db, estate_id, reminder_id))
    outbox.publish(db.reminders, reminder)
    return public(reminder)


def kpis(db, caller, period, estate_ids):
    estates = {}
    for estate_id in estate_ids:
        caller.require_estate(estate_id)
        estates[estate_id] = {"collection_rate": arrears.collection_rate(
            store.bills_of_period(db, estate_id, period, arrears.COLLECTION_RATE_ITEM))}
    return {"period": period, "estates": estates}
