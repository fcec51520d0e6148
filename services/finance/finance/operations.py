"""The steps of each of finance's writes and reads: read through ``store``, decide with the
rule modules (``standards``, ``billing``, ``payments``, ``journals``, ``arrears``,
``reports``), write through ``store``, publish through the outbox.

No step needs a multi-document transaction: every document has a natural or
idempotency-derived ``_id`` and every update is guarded, so a step repeated after a crash
or a redelivery has no second effect; a household's money is changed by one writer at a
time (a lock document with an expiry). A payment or reversal is a short chain of such
writes whose first write records the plan and whose last write carries the event; a crash
in between leaves it ``pending``/``reversal_pending``, which the next writer of that
household, a retry, or the ``finish_half_done`` timer completes (see payments.py).
"""
import logging
import time
from contextlib import contextmanager
from datetime import date, timedelta
from functools import cache, partial
from itertools import islice

from estate_common import (calendar, clock, collector, exports, ids, job_scopes, jobs, leases_store, public_codes, replica,
                           writes)
from estate_common.writes import Change
from estate_common.errors import BusinessRuleViolation, Conflict, NotFound, ServiceUnavailable, field_error
from estate_common.kpis import begun, by_the_month, not_begun, per_estate
from estate_common.store import page_computed, public

from . import (arrears, arrears_view, bank_statements, billing, billing_cycles, deposits, exit_handover, exit_settlement,
               invoices, journals,
               maintenance_fund,
               opening_balance_imports, opening_balances, opening_credit_imports, opening_credits, owner_access,
               pass_through, payers, payments, periods, public_revenue, reports, sale_month, seller_prepaid, standards,
               statement, store, utilities)
from .rules import (APPROVAL_SECONDS, BILLING_BATCH, LOCKED_BATCH, HALF_DONE_GRACE_SECONDS, HOUSEHOLD_LOCK_RETRY_SECONDS,
                    HOUSEHOLD_LOCK_SECONDS, HOUSEHOLD_LOCK_WAIT_SECONDS, JOURNAL_DAY_LOCK_WAIT_SECONDS)

log = logging.getLogger(__name__)

# how long a billing run waits for another run of the estate billing its households' own cycles
OWN_CYCLES_LOCK_WAIT_SECONDS = 20

BILLING_RUN = job_scopes.BILLING_RUN
OPENING_BALANCE_IMPORT = job_scopes.OPENING_BALANCE_IMPORT
OPENING_CREDIT_IMPORT = job_scopes.OPENING_CREDIT_IMPORT
BANK_STATEMENT_IMPORT = job_scopes.BANK_STATEMENT_IMPORT


@contextmanager
def household_lock(db, estate_id, household_id):
    with _held(db, _take_household_lock(db, estate_id, household_id)):
        yield


def _held(db, lock, checked=True):
    """``lock`` (taken for ``HOUSEHOLD_LOCK_SECONDS``) held while the block runs, each write of it checked
    and fenced against it, given back however it ends (``store.held``; ``checked``: see there)."""
    return store.held(db, lock, HOUSEHOLD_LOCK_SECONDS, checked)


def _take_household_lock(db, estate_id, household_id):
    """The household's lock, waited for a moment while another writer holds it
    (``HOUSEHOLD_LOCK_WAIT_SECONDS``; a payment, a reversal, a deposit's refund, an invoice, the
    half-done sweep alike); Conflict (409: try again) after that."""
    return _waited_for(lambda now, until: store.lock_household(db, estate_id, household_id, now, until),
                       HOUSEHOLD_LOCK_WAIT_SECONDS)


@contextmanager
def journal_day(db, estate_id, cashier, day):
    """``cashier``'s journal of ``day`` held while an entry of it is decided and written (a
    payment, a reversal, a deposit's refund, a top-up and its reversal, money collected at a
    source), and while its settlement reads the entries and closes it. A settlement made while
    payments were under way counted none of those whose entries came after its read, though
    each was answered 201 on a day then closed: 1 to 7 of 23 payments, 5 rounds in 32 (a
    concurrency probe). Taken before the household's lock, never after it. A cashier's entries
    are written one at a time, each in a few milliseconds (``JOURNAL_DAY_LOCK_WAIT_SECONDS``)."""
    with _held(db, _waited_for(lambda now, until: store.lock_journal_day(db, estate_id, cashier, day, now, until),
                               JOURNAL_DAY_LOCK_WAIT_SECONDS)):
        yield


@contextmanager
def transaction_lock(db, estate_id, data):
    """A payment channel's transaction (``transaction_id``) posted one call at a time, nothing
    without one: posted at once for two households (two callers, each under its own household's
    lock and cashier's day), both took a receipt number before the second's insert found the
    first's payment (409), its number issued on no receipt, a gap in the series (found by review).
    Taken after the cashier's day and before the household's."""
    if not data.get("transaction_id"):
        yield
        return
    with _held(db, _waited_for(lambda now, until: store.lock_transaction(db, estate_id, data["method"],
                                                                         data["transaction_id"], now, until),
                               HOUSEHOLD_LOCK_WAIT_SECONDS)):
        yield


@contextmanager
def open_journal_day(db, estate_id, cashier, day):
    """``journal_day``, refused (422) when the day is settled already."""
    with journal_day(db, estate_id, cashier, day):
        journals.refuse_closed_day(_settled(db, estate_id, cashier, day), cashier, day)
        yield


def _settled(db, estate_id, cashier, day):
    return store.is_settled(db, estate_id, journals.settlement_id(estate_id, cashier, day))


def _waited_for(take, wait_seconds):
    """``take(now, expires)`` (a lease of ``HOUSEHOLD_LOCK_SECONDS``), tried again while another writer
    holds it for ``wait_seconds`` (``leases_store.wait_for``: a green thread sleeps, the service's other
    calls go on), then its Conflict (409: try again)."""
    return leases_store.wait_for(take, HOUSEHOLD_LOCK_SECONDS, leases_store.deadline(wait_seconds),
                                 HOUSEHOLD_LOCK_RETRY_SECONDS)


# -- fee standards -----------------------------------------------------------------

def create_standard(db, outbox, caller, estate_id, data):
    standard_id = caller.created_id("fs", estate_id)
    # the households it names are the estate's (another estate's ids were kept, and billed nobody)
    for index, household_id in enumerate((data.get("applies_to") or {}).get("household_ids") or []):
        store.known_household(db, estate_id, household_id, f"data.applies_to.household_ids[{index}]")

    if data.get("corrects"):  # 更正: the wrong one's months and households
        data = standards.correction_data(data, store.find_standard(db, estate_id, data["corrects"]))

    def new():
        standard = standards.new_standard(standard_id, estate_id, data, clock.now(), store.rules_for(db, estate_id),
                                          caller.user)
        standards.refuse_an_hour_above_the_daily_cap(standard, caller.parking_daily_cap_cents, "data.amount_cents")
        return standard

    return public(store.create(db, outbox, "fee_standards", estate_id, standard_id, new))


def approve_standard(db, outbox, caller, estate_id, standard_id):
    item = store.get_standard(db, estate_id, standard_id)["item"]
    # one approval of the item's standards at a time: two overlapping ones approved at once each
    # read the approved standards before the other wrote, and both were approved
    with _held(db, _waited_for(lambda now, until: store.lock_fee_item(db, estate_id, item, now, until),
                               HOUSEHOLD_LOCK_WAIT_SECONDS)):
        return _approve_standard(db, outbox, caller, estate_id, standard_id)


def _decided_by(standard, status):
    """The approval or rejection of a fee standard made by this call, sent again with its
    Idempotency-Key (its answer lost): a 409 "approved already" otherwise, as the state is checked
    before the step (``writes.sent_again``)."""
    return standard["status"] == status and writes.sent_again(standard)


def _approve_standard(db, outbox, caller, estate_id, standard_id):
    store.finish_ends(db, estate_id)  # what a crash left of an earlier approval, first
    standard = store.get_standard(db, estate_id, standard_id)
    if _decided_by(standard, "approved"):
        return public(standard)
    others = store.approved_standards(db, estate_id, standard["item"])
    # a cycle billed before the new standard's start may reach into it (a year at most)
    last_billed = store.last_billed_periods(db, estate_id, others, periods.add_months(standard["valid_from"], -11))
    changes, ended = standards.approval(standard, others, clock.now(), caller.user, last_billed, caller.roles)
    # the cap in force now, as security patrol said to the gateway (it may have come down since the proposal)
    standards.refuse_an_hour_above_the_daily_cap(standard, caller.parking_daily_cap_cents, "amount_cents")
    announced = outbox.event("fee_standard_approved", estate_id, standards.approved_event_data(standard, ended))
    return public(store.approve_standard(db, outbox, standard, changes, ended, [announced]))


def highest_parking_hour_price(db, estate_id):
    """The highest price of a started hour of parking that an approved or pending standard of the
    estate sets now or from a later month (``standards.highest_parking_hour``): for the gateway,
    when security patrol's daily cap on parking changes (it may not come down below it)."""
    period = periods.period_of(clock.now(), store.rules_for(db, estate_id))
    return {"estate_id": estate_id,
            "standard": standards.highest_parking_hour(store.parking_standards(db, estate_id), period)}


def reject_standard(db, outbox, caller, estate_id, standard_id, data):
    standard = store.get_standard(db, estate_id, standard_id)
    if _decided_by(standard, "rejected"):
        return public(standard)
    standards.require_may_reject(standard, caller.user, caller.roles)
    changes = standards.rejection(standard, data["reason"], clock.now(), caller.user)
    return public(store.reject_standard(db, outbox, standard, changes))


# -- billing runs (background jobs) ------------------------------------------------------

def start_billing_run(db, caller, estate_id, data):
    jobs.require_may_start(BILLING_RUN, caller)
    period = data["period"]
    rules = store.rules_for(db, estate_id)
    if period > periods.period_of(clock.now(), rules):
        raise BusinessRuleViolation("a period that has not begun cannot be billed",
                                    [field_error("data.period", "is in the future")])
    periods.refuse_before_catch_up(period, clock.now(), rules)
    if not any(standards.cycle_start(s, period) for s in store.approved_standards(db, estate_id)):
        # a standard created without valid_from starts in the month it is made: catch-up billing
        # of an earlier month needs one that says so (API.md's minimal call leaves it out)
        raise BusinessRuleViolation(
            "no approved fee standard bills this period: a standard bills from its valid_from (the month it "
            "was created when none was given) until its valid_to",
            [field_error("data.period", "no approved fee standard bills it (valid_from is after it, or none is approved)")])
    job_id = jobs.created_id(caller, "finance", estate_id, BILLING_RUN)
    return jobs.public(jobs.create(db, job_id, estate_id, BILLING_RUN, {"period": period}, caller.user))


def run_billing(db, outbox, job, progress):
    """A billing run: one bill per household and approved standard of the period (and, in the
    middle of a quarterly or yearly cycle, the rest of it for a household handed over or
    registered since it began: ``billing.joined_mid_cycle``), written in unordered batches; a bill that exists is
    counted as already billed. Safe to repeat."""
    estate_id, period = job["estate_id"], job["params"]["period"]
    estate = store.estate(db, estate_id)  # read once: its calendar and its developer (开发建设单位, ``payers``)
    rules = store.rules_of(db, estate_id, estate)
    now = clock.now()
    store.finish_ends(db, estate_id)  # a standard superseded before a crash ends before it bills
    starts = [(s, standards.cycle_start(s, period)) for s in store.approved_standards(db, estate_id)]
    billed = [s for s, start in starts if start == period]
    mid_cycle = [(s, start) for s, start in starts if start not in (None, period)]
    with collector.paused():  # one copy and one pair per household: see collector.py
        households = list(store.households_for_billing(db, estate_id))
        prorate = bool(rules["prorate_handover_month"])
        cycles = store.billing_cycles_of(db, estate_id)
        # a run bills the months of its cycle no bill of the item covers yet (``billing.uncovered``), before it
        # (a quarter's billed before a move-out) and after it (a month billed by the month before a late run):
        # read, every bill that covers a month its pairs could (``store.bills_covering_months``)
        corrects = {s["_id"]: s["corrects"] for s in [*billed, *(s for s, _ in mid_cycle)] if s.get("corrects")}
        developer = (estate or {}).get("developer_name")
        pairs = [*billing.billed_pairs(billed, households, period, prorate, cycles, developer),
                 *billing.joined_mid_cycle(mid_cycle, households, period, rules["timezone"], prorate,
                                           developer_name=developer)]
        # an item with a standard of several months in force (a quarter's, a year's) is billed under the estate's
        # lock of the billing of months (as the households' own cycles are): two runs of different months at once
        # (October's quarter made late, November's by the month) each read what the other wrote
        spanning = {s["item"] for s, start in starts if start is not None and standards.CYCLE_MONTHS[s["cycle"]] > 1}
    # the bills of the period a takeover or a handover recorded since has made wrong (``_restate_bills``), before
    # what the period's bills cover is read
    sale_by_day = bool(rules["prorate_sale_month"])
    # the flats sold in the month (过户), found once a run: the restatements and the run's own bills read them
    sold = {flat["_id"]: flat for flat in households if sale_month.sale_day(flat, period, sale_by_day)}
    restated = _restate_bills(db, outbox, estate_id, billed, households, period, prorate, developer, job,
                              lambda month: billing.due_at(month, now, rules), clock.to_iso(now), sale_by_day, sold)
    # the owner's bills moved to the developer (``_owner_restatements``) of the flats handed over since: the owner's
    # days from the handover billed under an id of their own (``payers.owner_rebill``), where the cancelled bill
    # held his month's id and they were counted billed already (found by r2 reviewing h2)
    handovers = {flat["_id"]: flat["occupied_from"] for flat in households
                 if payers.taken_over(flat) and flat.get("occupied_from")}
    moved = store.moved_owner_bill_ids(db, estate_id, list(handovers))
    with collector.paused():
        held = [pair for pair in pairs if pair[1]["item"] in spanning]
        [(pairs, covered)] = _uncovered(db, estate_id, [[pair for pair in pairs if pair[1]["item"] not in spanning]],
                                        corrects, prorate)
    progress(0, len(pairs) + len(held))
    stamp = clock.to_iso(now)

    def due(month):  # a bill's first month's due date (``billing.run_bills``)
        return billing.due_at(month, now, rules)
    counts = {"created": 0, "already": covered, "cents": 0, "corrected": restated}
    refused = []
    corrections = corrects  # 更正: a correction's bills replace those its wrong standard billed (``_rebill``)
    busy = []  # the re-bills of households another writer held past the lock's wait: tried again at the end
    # the bills under the estate's lock some of whose months another run's bill covers, written since this run read
    # the bills (a claim it found unwritten: ``_claimed``): none written, the rest billed by the month's run again
    left = []

    def rebilled(bill):
        try:
            outcome = _rebill(db, outbox, bill, corrections[bill["source"]["standard_id"]], job.get("created_by"))
        except Conflict:  # the household busy (or its bill changing) past the lock's wait
            return False
        counts[outcome] += 1
        counts["cents"] += bill["amount_cents"] if outcome != "already" else 0
        return True

    renewed = [None]  # when the estate's lock was last renewed (``keep``)

    def keep(lock, every=None):
        """The estate's lock of the billing of months renewed (``store.renew_lock``), at most every ``every``
        (a batch's re-bills: one renewal a few seconds, not one write more per re-bill)."""
        now_ = clock.now()
        if lock is None or (every is not None and renewed[0] is not None and now_ - renewed[0] < every):
            return
        store.renew_lock(db, lock, clock.to_iso(now_ + timedelta(seconds=HOUSEHOLD_LOCK_SECONDS)))
        renewed[0] = now_

    # the flats sold in the month (过户): its owner's bill of the month billed to the seller and the buyer by their
    # days (``sale_month.split``), where the buyer was billed it whole (found by h7): ``sold``, above
    standard_of = {standard["_id"]: standard for standard, _ in starts}

    def parts(bill):
        flat = sold.get(bill["household_id"])
        return (flat and sale_month.split(bill, standard_of[bill["source"]["standard_id"]], flat, sale_by_day)) \
            or [bill]

    def write(bills, shown, lock=None):
        if moved:
            bills = (payers.owner_rebill(bill, moved, handovers.get(bill["household_id"]))
                     if payers.payer_of(bill) == payers.OWNER else bill for bill in bills)
        if sold:
            bills = (part for bill in bills for part in parts(bill))
        size = BILLING_BATCH if lock is None else min(LOCKED_BATCH, BILLING_BATCH)
        while True:
            keep(lock)  # the estate's lock of the billing of months, held however long the writes take
            started = clock.now()
            with collector.paused():  # a batch's bills are acyclic dicts: see collector.py
                made = list(islice(bills, size))
                if not made:
                    break
                batch, correcting = [], []
                for bill in made:
                    if billing.over_limit(bill):
                        refused.append({"household_id": bill["household_id"], "item": bill["item"],
                                        "amount_cents": bill["amount_cents"]})
                    else:
                        (correcting if bill["source"]["standard_id"] in corrections else batch).append(bill)
                if lock is not None and correcting:  # a correction's bill of months nobody billed re-bills
                    there = store.bill_states(db, estate_id, {bill["_id"] for bill in correcting})  # nothing: a
                    batch += [bill for bill in correcting if bill["_id"] not in there]  # run's bill, claimed (r4)
                    correcting = [bill for bill in correcting if bill["_id"] in there]
                counts["created"], counts["already"], counts["cents"] = _write_batch(
                    db, batch, counts["created"], counts["already"], counts["cents"], lock, left)
            if lock is not None:
                size = next_locked_batch(size, (clock.now() - started).total_seconds())
            for bill in correcting:  # one by one, each under its household's lock (a second's wait when busy):
                if not rebilled(bill):  # a batch of them outlasted the estate's lock (found by review r8 of h8)
                    busy.append(bill)
                keep(lock, timedelta(seconds=HOUSEHOLD_LOCK_SECONDS / 6))
            if shown:
                progress(counts["created"] + counts["already"] + counts["corrected"] + len(refused))

    write(billing.run_bills(estate_id, pairs, job["_id"], due, stamp), True)
    # the households paying a monthly standard by their own cycle (按季 / 按年缴费): what their bills cover
    # read and their bills written under the estate's lock of it, so that two runs of different months at
    # once do not each bill a month of a cycle; renewed batch by batch (a big estate's quarter may write for longer
    # than the lock's 30 s, and a second run took it over: found by h8)
    own = _own_cycle_pairs(billed, households, period, cycles, prorate)
    if held or own:
        lock = _waited_for(lambda now_, until: store.lock_own_cycles(db, estate_id, now_, until),
                           OWN_CYCLES_LOCK_WAIT_SECONDS)
        with _held(db, lock, checked=False):  # fenced by its coverage documents (store.claim_coverage)
            with collector.paused():
                (held, left_out), (own, own_left_out) = _uncovered(db, estate_id, [held, own], corrects, prorate)
            counts["already"] += left_out + own_left_out
            write(billing.run_bills(estate_id, held, job["_id"], due, stamp), True, lock)
            write(billing.run_bills(estate_id, own, job["_id"], due, stamp), False, lock)
    # a household busy at its turn is tried once more; still busy, the month's run again re-bills it (named here),
    # where the run failed whole and left every household after it at the wrong price (found by h3)
    busy = [bill for bill in busy if not rebilled(bill)]
    for bill in busy:
        log.warning("billing run %s: household %s busy, its bill %s not re-billed: run %s again", job["_id"],
                    bill["household_id"], bill["_id"], period)
    created, already, cents, corrected = counts["created"], counts["already"], counts["cents"], counts["corrected"]
    prepaid = apply_prepaid_everywhere(db, outbox, estate_id)
    result = {"period": period, "households": len(households),
              "standards": [s["_id"] for s in billed] + [s["_id"] for s, _ in mid_cycle],
              "bills_created": created, "already_billed": already, "billed_cents": cents, "bills_corrected": corrected,
              "bills_settled_from_prepaid": prepaid, "over_limit": refused,
              "households_busy": [{"household_id": bill["household_id"], "bill_id": bill["_id"]}
                                  for bill in busy + left]}
    _announce_run(db, outbox, job, result)
    return result


def _restate_bills(db, outbox, estate_id, billed, households, period, prorate, developer, job, due, stamp,
                   sale_by_day, sold):
    """The run's bills of ``period`` (of the standards whose cycle starts in it) that a takeover or a handover
    recorded since has made wrong, cancelled and re-billed (never edited) in the one way (``_restate``): first the
    developer's that no longer cover what it owes (``_developer_restatements``: a handover recorded late), then,
    reading the bills as those left them, the owner's charging days the developer owes
    (``_owner_restatements``: a takeover recorded late; found by h2), then the owner's whole month of a flat sold in
    it (``_sale_restatements``: a sale recorded late, ``sale_by_day``: the estate's ``prorate_sale_month``, ``sold``:
    ``{household_id: household}`` of the flats sold in ``period``, ``sale_month.sale_day``; h7). The
    first two were one function each, the second following the first line for line (folded by h7). How many were
    re-billed."""
    args = (billed, households, period, prorate, developer, job, due, stamp)
    count = sum(_restate(db, outbox, estate_id, plan(db, estate_id, *args), job.get("created_by"))
                for plan in (_developer_restatements, _owner_restatements))
    sales = _sale_restatements(db, estate_id, billed, list(sold.values()), period, sale_by_day, job, due, stamp)
    count += _restate(db, outbox, estate_id, sales, job.get("created_by"))
    # a flat whose sale a run restated before: the run again after a crash between the restatement and the hold's
    # addition found the sale restated already and added nothing, his money left on his payments with no route back
    # to him (found by r4 reviewing h4); ``grow_sellers_hold`` adds only what is not held yet
    restated_before = set(store.sale_restated_households(db, estate_id, period, list(sold)))
    for household_id in sorted({restated["wrong"]["household_id"] for restated in sales} | restated_before):
        # the seller's money given back and left after his part: held for him as at the sale, where none was held
        # then, else added to the hold made then (``grow_sellers_hold``)
        flat = next(flat for flat in households if flat["_id"] == household_id)
        grow_sellers_hold(db, outbox, estate_id, household_id, flat["owner_since"])
    return count


# why a run restates a bill (``_restatement``; ``GET …/unbilled-months`` names them, ``UnbilledMonthRestatement.why``)
HANDOVER_RECORDED_LATE, TAKEOVER_RECORDED_LATE = "handover_recorded_late", "takeover_recorded_late"
SALE_RECORDED_LATE = "sale_recorded_late"


def _restatement(wrong, new, cancel, why):
    """One bill a run restates: the live ``wrong`` bill as read, the ``new`` bills that replace it (each naming
    it, ``source.corrects_bill_id``; none when nobody owes its days now), ``cancel(current, new_id, now_iso,
    actor)``, the changes that cancel it (``payers.restatement_cancel``'s or ``owner_restatement_cancel``'s shape:
    None when cancelled already), and ``why`` (``HANDOVER_RECORDED_LATE``...)."""
    return {"wrong": wrong, "new": [{**made, "source": {**made["source"], "corrects_bill_id": wrong["_id"]}}
                                    for made in new], "cancel": cancel, "why": why}


def _restate(db, outbox, estate_id, restatements, actor):
    """The one way a run restates a bill (a handover, a takeover recorded after the month was billed): each
    household's under its lock, each bill read again and cancelled as it is now (never edited, ``rebilled_as`` its
    first new bill), its new bills written, its money given back to its payments (``_give_back``: the cancel's
    ``GIVING_BACK`` mark until then, which the household's next writer or the half-done sweep finishes after a
    crash). A crash after the cancel: the next run bills what the new bills would (the wrong one covers nothing once
    cancelled). How many bills were restated."""
    count = 0
    for household_id in sorted({restated["wrong"]["household_id"] for restated in restatements}):
        with household(db, outbox, estate_id, household_id):
            for restated in restatements:
                if restated["wrong"]["household_id"] != household_id:
                    continue
                current = store.find_bill(db, estate_id, restated["wrong"]["_id"])
                changes = restated["cancel"](current, restated["new"][0]["_id"] if restated["new"] else None,
                                             clock.now_iso(), actor)
                if changes is None or not store.cancel_bill(db, outbox, current, changes):
                    continue
                for made in restated["new"]:
                    store.insert_bill(db, made)
                _give_back(db, outbox, current | changes)
                count += 1
    return count


def _developer_restatements(db, estate_id, billed, households, period, prorate, developer, job, due, stamp):
    """The developer's live bills of ``period`` (of the standards whose cycle starts in it) that no longer
    cover what it owes (``payers.restated``: the unit handed over, 交房, after the month was billed): each
    to be cancelled, its money given back to its payments (the developer's, which pay its re-bill), and the
    days it owes billed under an id of their own naming it (``payers.restatement``; none when it owes none of
    the period). ``[_restatement]``, read only."""
    standing = {bill["_id"]: bill for bill in store.developer_bills_of(db, estate_id, period)}
    if not standing:
        return []
    taken = [flat for flat in households if payers.taken_over(flat)]
    expected = {}
    for flat in taken:
        pairs = list(billing.developer_pairs(billed, flat, period, prorate, developer, with_none=True))
        for bill in billing.run_bills(estate_id, [pair for pair in pairs if pair[3]], job["_id"], due, stamp):
            expected[bill["_id"]] = bill
        for view, standard, _, months in pairs:
            if not months:  # owes none of the period now: its bill (if any) cancelled with no re-bill
                expected.setdefault(payers.developer_bill_id(estate_id, view["_id"], standard["item"], period),
                                    {"owed": None})
    found = []
    for bill in standing.values():
        natural = payers.developer_bill_id(estate_id, bill["household_id"], bill["item"], period)
        wanted = expected.get(natural)
        if wanted is None or (bill.get("source") or {}).get("kind") != "billing_run" \
                or not payers.restated(bill, wanted):
            continue
        new = payers.restatement(wanted, bill) if wanted.get("owed") else None
        if new is not None and store.find_bill(db, estate_id, new["_id"]) is not None:
            continue  # re-billed so already
        handover = next((flat.get("occupied_from") for flat in taken if flat["_id"] == bill["household_id"]), None)
        found.append(_restatement(bill, [new] if new is not None else [],
                                  lambda current, new_id, now_iso, actor, handover=handover:
                                  payers.restatement_cancel(current, new_id, now_iso, actor, handover),
                                  HANDOVER_RECORDED_LATE))
    return found


def _owner_restatements(db, estate_id, billed, households, period, prorate, developer, job, due, stamp):
    """The owner's live run bills of ``period`` (of the standards whose cycle starts in it) of a unit taken over
    that charge days before its handover (``payers.owner_overbilled``: not handed over, or handed over later;
    its takeover, 接管验收, recorded after the month was billed to its owner): the developer owes those days (《物业服务收费管理办法》第十六条, ``payers``), its owner none.
    Each to be cancelled (``payers.owner_restatement_cancel``: ``rebilled_as`` the developer's bill, its money
    given back to the owner's payments as his prepaid credit, paid or not, as a developer's restated bill gives
    its back), and the developer billed what a run would bill it with that bill gone (``billing.uncovered``: its
    bill names the owner's, ``source.corrects_bill_id``). ``[_restatement]``, read only."""
    theirs = {flat["_id"]: flat for flat in households if payers.taken_over(flat)}
    by_id = {standard["_id"]: standard for standard in billed}
    if not theirs or not by_id:
        return []
    # of a flat handed over too, those charging days before its handover (recorded late with its takeover): they
    # stood whole and the developer was billed none of them (found by r2 reviewing h2)
    wrong = [bill for bill in store.owner_bills_of(db, estate_id, period, list(theirs))
             if (bill.get("source") or {}).get("kind") == "billing_run"
             and bill["source"].get("standard_id") in by_id
             and payers.owner_overbilled(theirs[bill["household_id"]], billing.months_covered(bill), prorate)]
    found = []
    for household_id in sorted({bill["household_id"] for bill in wrong}):
        flat, mine = theirs[household_id], [bill for bill in wrong if bill["household_id"] == household_id]
        pairs = list(billing.developer_pairs(list({bill["source"]["standard_id"]: by_id[bill["source"]["standard_id"]]
                                                   for bill in mine}.values()), flat, period, prorate, developer))
        new = []
        if pairs:
            first, last = _months_of(pairs)
            gone = {bill["_id"] for bill in mine}
            covering = [bill for item in sorted({pair[1]["item"] for pair in pairs})
                        for bill in store.bills_covering(db, estate_id, [household_id], item,
                                                         periods.add_months(first, -11), last)
                        if bill["_id"] not in gone]
            kept, _ = billing.uncovered(pairs, billing.coverage(covering), prorate=prorate)
            new = list(billing.run_bills(estate_id, kept, job["_id"], due, stamp))
        takeover = flat["taken_over_on"][:10]
        found += [_restatement(bill, [made for made in new if made["item"] == bill["item"]],
                               lambda current, new_id, now_iso, actor, takeover=takeover:
                               payers.owner_restatement_cancel(current, new_id, now_iso, actor, takeover),
                               TAKEOVER_RECORDED_LATE)
                  for bill in mine]
    return found


def _sale_restatements(db, estate_id, billed, households, period, sale_by_day, job, due, stamp):
    """The owner's whole month's run bills of ``period`` (of the standards whose cycle starts in it) of a flat sold
    in it after its 1st (``sale_month.splits``: its sale, archive's ``owner_since``, recorded after the month was
    billed): each to be cancelled (``sale_month.restatement_cancel``), its money given back to its payments (the
    seller's his again: ``sale_month.sellers_money_pays``), and billed again as the seller's part and the buyer's
    (``sale_month.split`` of the bill the run would make, at the area the bill was priced at). ``[_restatement]``,
    read only."""
    sold = {flat["_id"]: flat for flat in households if sale_month.sale_day(flat, period, sale_by_day)}
    by_id = {standard["_id"]: standard for standard in billed}
    if not sold or not by_id:
        return []
    # the whole month of a standard a billed one corrects (更正): split at its own price here, each part then
    # re-billed by the correction's run (``_rebill``), where the correction's parts were written beside the wrong
    # whole month, no longer an approved standard's, and the month billed twice (found by r7 reviewing h7)
    for corrected_id in {standard["corrects"] for standard in billed if standard.get("corrects")} - set(by_id):
        if (corrected := store.find_standard(db, estate_id, corrected_id)) is not None:
            by_id[corrected_id] = corrected
    found = []
    for bill in store.owner_bills_of(db, estate_id, period, list(sold)):
        standard, flat = by_id.get((bill.get("source") or {}).get("standard_id")), sold[bill["household_id"]]
        if standard is None or not sale_month.splits(bill, flat, sale_by_day):
            continue
        priced = {**flat, "area_m2": (bill.get("pricing") or {}).get("area_m2") or flat.get("area_m2"),
                  "occupied_from": None}  # the whole month, as billed
        [whole] = billing.run_bills(estate_id, [(priced, standard, period, 1)], job["_id"], due, stamp)
        made = sale_month.split({**whole, "amount_cents": bill["amount_cents"]}, standard, priced, sale_by_day)
        if not made:
            continue
        day = flat["owner_since"][:10]
        found.append(_restatement(bill, made, lambda current, new_id, now_iso, actor, day=day:
                                  sale_month.restatement_cancel(current, new_id, now_iso, actor, day),
                                  SALE_RECORDED_LATE))
    return found


def _uncovered(db, estate_id, groups, corrects, prorate):
    """``billing.uncovered`` of each list of pairs of ``groups``, read once what every bill of their months
    covers (``store.bills_covering_months``): ``[(pairs cut to the months no bill covers, how many were
    left out)]``, a group's own."""
    every = [pair for pairs in groups for pair in pairs]
    if not every:
        return [([], 0) for _ in groups]
    covered = billing.coverage(store.bills_covering_months(db, estate_id, *_months_of(every)))
    return [billing.uncovered(pairs, covered, corrects, prorate) if pairs else ([], 0) for pairs in groups]


def _months_of(pairs):
    """``(first, last)``: the months ``pairs`` (``billing.billed_pairs``, ``joined_mid_cycle``) bill at most."""
    spans, cycles = set(), set()
    for pair in pairs:  # a run's pairs are of a few periods and cycles: each cycle's last month worked out once
        if len(pair) > 4:
            spans.add(tuple(pair[4]))
        else:
            cycles.add((pair[2], pair[1]["cycle"]))
    spans.update((period, periods.add_months(period, standards.CYCLE_MONTHS[cycle] - 1)) for period, cycle in cycles)
    return min(first for first, _ in spans), max(last for _, last in spans)


def _own_cycle_pairs(billed, households, period, cycles, prorate):
    """The bills a run of ``period`` may make for the households that pay a monthly standard by their own
    cycle (``billing.own_cycle_pairs``: from the month to its cycle's end), before ``billing.uncovered``
    cuts them to the months no bill covers (found by h8: a rule of their own, forward-looking only)."""
    monthly = [s for s in billed if billing_cycles.applies_under(s)]
    if not cycles or not monthly:
        return []
    holders = {household_id for household_id, _ in cycles}
    return list(billing.own_cycle_pairs(monthly, [h for h in households if h["_id"] in holders], period, cycles,
                                        prorate))


def _own_cycles_covered(db, estate_id, cycles, item, first, last):
    """The months the bills of the periods ``first``..``last`` of the households paying ``item`` by their
    own cycle (``cycles``) cover (``billing.covered_months``)."""
    holders = {household_id for household_id, of in cycles if of == item}
    return billing.covered_months(store.bills_covering(db, estate_id, holders, item, first, last))


# -- a household's own billing cycle (缴费周期) --------------------------------------------

def set_billing_cycle(db, outbox, caller, estate_id, data):
    """``POST …/billing-cycles``: the household pays the item's monthly standard by ``data.cycle`` from
    ``data.valid_from`` (the current month by default; ``billing_cycles``). 422 for a household of
    another estate, an item billed per charge, or a month its bills of the item cover already."""
    household = store.known_household(db, estate_id, data["household_id"])
    rules = store.rules_for(db, estate_id)
    data = {"item": "property_service", "valid_from": periods.period_of(clock.now(), rules), **data}
    if data["item"] in standards.CHARGE_ONLY_ITEMS:
        raise BusinessRuleViolation("a one-off charge has no billing cycle", [field_error(
            "data.item", f"{data['item']} is billed per charge")])
    record_id = billing_cycles.record_id(estate_id, household["_id"], data["item"])
    covering = store.bills_covering(db, estate_id, [household["_id"]], data["item"],
                                    periods.add_months(data["valid_from"], -11), "9999-12")
    billed_through = max((month for bill in covering for month, _ in billing.months_covered(bill)), default=None)
    now = clock.now()

    def build():
        changes = billing_cycles.setting(None, data, billed_through, now, caller.user)
        return {"_id": record_id, "estate_id": estate_id, "household_id": household["_id"], "item": data["item"],
                "created_at": clock.to_iso(now), **changes}

    def change(current):
        changes = billing_cycles.setting(current, data, billed_through, now, caller.user)
        return writes.Change(changes) if changes else None

    return billing_cycles.public_record(store.set_billing_cycle(db, outbox, estate_id, record_id, build, change))


def list_billing_cycles(db, estate_id, filters, limit, cursor):
    return store.list_billing_cycles(db, estate_id, filters or {}, limit, cursor, billing_cycles.public_record)


def _rebill(db, outbox, bill, corrected_id, actor):
    """A correction's ``bill`` (更正): ``"created"`` where nothing billed its household and month,
    ``"corrected"`` where the wrong standard ``corrected_id`` had billed it (that bill cancelled,
    ``rebilled_as`` the new one, its money given back to its payments as prepaid money, which then
    settles the new bill and the household's other bills oldest first), ``"already"`` otherwise
    (re-billed already, or billed by something else). Under the household's lock, as every change of
    its money; a crash after the cancel is finished by the next run (the cancelled bill names its
    re-bill) and the household's next writer (the money given back)."""
    wrong = store.find_bill(db, bill["estate_id"], bill["_id"])
    if wrong is None:
        return "created" if store.insert_bill(db, bill) else "already"
    wrong = _rebilled_last(db, wrong)
    source = wrong.get("source") or {}
    if source.get("kind") != "billing_run" or source.get("standard_id") != corrected_id:
        return "already"
    new = billing.rebill(bill, wrong)
    if wrong["status"] == "cancelled":  # cancelled for it before a crash, or re-billed already
        return "corrected" if wrong.get("rebilled_as") == new["_id"] and store.insert_bill(db, new) else "already"
    with household(db, outbox, bill["estate_id"], bill["household_id"]):
        for _ in range(3):
            wrong = store.find_bill(db, bill["estate_id"], wrong["_id"])
            changes = billing.correction_cancel(wrong, new["_id"], clock.now_iso(), actor)
            if changes is None:
                return "already"
            if store.cancel_bill(db, outbox, wrong, changes):
                store.insert_bill(db, new)
                _give_back(db, outbox, wrong | changes)
                return "corrected"
    raise Conflict("the bill kept changing while it was re-billed; run the month again")


def _rebilled_last(db, bill):
    """The bill that stands for ``bill`` now: ``bill``, or the re-bill its ``rebilled_as`` names,
    and so on (a correction corrected in turn: its bills, under ids of their own, are the ones the
    second correction re-bills; found by review r6: the second one's run read the first wrong bill,
    counted it billed already and left the first correction's bills at its wrong price). A re-bill
    a crash kept from being written stops the walk at the bill that names it."""
    seen = {bill["_id"]}
    while bill["status"] == "cancelled" and bill.get("rebilled_as") and bill["rebilled_as"] not in seen:
        replaced_by = store.find_bill(db, bill["estate_id"], bill["rebilled_as"])
        if replaced_by is None:
            break
        seen.add(replaced_by["_id"])
        bill = replaced_by
    return bill


def _announce_run(db, outbox, job, result):
    """The run's end, once: its record (``billing_runs``, by the job's id) written with its
    ``billing_run_finished`` (its period and counts: an integrator's follow-ups, a mirror of bills
    had no word of a run's end). A run done again after its worker died finds the record and
    announces nothing more; the job's result is then the second run's (its bills already billed)."""
    estate_id, at = job["estate_id"], clock.now_iso()
    record = {"_id": job["_id"], "estate_id": estate_id, "created_at": at, "finished_at": at,
              "started_by": job.get("created_by"), **result, "over_limit": len(result["over_limit"])}
    announced = {k: record[k] for k in ("period", "households", "bills_created", "already_billed", "billed_cents",
                                        "bills_settled_from_prepaid", "over_limit", "standards", "started_by",
                                        "finished_at", "bills_corrected")} | {"id": job["_id"]}
    store.create(db, outbox, "billing_runs", estate_id, job["_id"], lambda: (record, [
        outbox.event("billing_run_finished", estate_id, announced, actor=job.get("created_by"))]))


def next_locked_batch(size, seconds):
    """The next batch's size under the estate's lock of the billing of months, after a batch of ``size``
    took ``seconds``: what a third of the lock's time holds at that pace, at least one, at most twice
    ``size`` and ``BILLING_BATCH`` (``rules.LOCKED_BATCH``): the lock renewed often enough that a live run keeps it.
    A write stalled past the lock's time (a store failing over) still loses it; the fence (``_claimed``) then
    refuses its writes after the next run's."""
    budget = HOUSEHOLD_LOCK_SECONDS / 3
    grown = min(size * 2, BILLING_BATCH)
    if seconds <= 0:
        return grown
    return max(1, min(grown, int(size * budget / seconds)))


def _write_batch(db, batch, created, already, cents, lock=None, left=None):
    """A batch of a run's bills written (a bill whose id exists counted billed already); under the estate's
    fenced lock of the billing of months (``lock``, ``store.lock_own_cycles``), each claimed first
    (``_claimed``): those whose months a bill covers already are counted billed, those some of whose months
    one covers added to ``left`` (for the month's run again), and a run that lost the lock fails (409's
    sentence) before writing any bill of its batch that it had not claimed."""
    if lock is not None and batch:
        batch, taken, partly, finished = _claimed(db, batch, lock[3])
        already += len(taken)
        left.extend(partly)
        created += len(finished)
        cents += sum(bill["amount_cents"] for bill in finished)
    inserted, duplicates, failed = store.insert_bills(db, batch)
    cents += sum(bill["amount_cents"] for index, bill in enumerate(batch) if index not in failed)
    return created + inserted, already + duplicates, cents


def _claimed(db, batch, fence):
    """The fence of the estate's lock of the billing of months (``store.lock_own_cycles``): each household's
    item of ``batch`` claimed in its coverage document (``store.claim_coverage``: one write each, checked
    against the fence and the months as found), made on its first claim from the household's bills with that
    claim in it (``billing.coverage_documents``, ``billing.first_claim``: one insert of the batch's new ones). The claims a run left unwritten (it died or stalled between its claim
    and its insert) are written first, from their bodies in the document: the claimed months are billed by
    them, as that run would have. ``(bills claimed, bills whose months a bill covers already, bills of
    claims left that this call wrote)``, and between the first two those some of whose months a bill covers. A later grant's fence on a document is a Conflict (the run lost
    the lock), raised once the bills it claimed so far are written (theirs, claimed: no bill twice, no month
    claimed without its bill)."""
    estate_id = batch[0]["estate_id"]
    pending = {}
    for bill in batch:
        pending.setdefault(billing.coverage_id_of(estate_id, bill), []).append(bill)
    claimed, taken, partly, finished = [], [], [], []
    for _ in range(3):  # a document changed between its read and its claim (a stalled run's claim) read again
        docs = store.coverage_of(db, estate_id, pending)
        missing = [bill for key, bills in pending.items() if key not in docs for bill in bills]
        if missing:  # made with their claims in them: one insert of the batch's new documents, no update
            made = billing.coverage_documents(estate_id, missing, store.bills_of_coverage(
                db, estate_id, {bill["household_id"] for bill in missing}, {bill["item"] for bill in missing}))
            first = {key: billing.first_claim(doc, pending[key], fence) for key, doc in made.items()}
            there = store.start_coverage(db, [doc for doc, *_ in first.values()])  # made meanwhile: claimed below
            for key, (_, mine, covered, some) in first.items():
                if key not in there:
                    claimed.extend(mine)
                    taken.extend(covered)
                    partly.extend(some)
                    del pending[key]
            docs.update(store.coverage_of(db, estate_id, there))
            if not pending:
                break
        if any(doc["fence"] > fence for doc in docs.values()):  # a later grant wrote one: the lock was lost
            store.insert_bills(db, claimed)
            raise Conflict(store.LOST_LOCK, retry_after=1)
        found = {doc["months"].get(month) for key, doc in docs.items() for bill in pending[key]
                 for month in _bill_months(bill)} - {None}
        states = _standing(db, estate_id, {bill_id for doc in docs.values() for bill_id in doc.get("claims", {})},
                           found)
        left = [body for doc in docs.values() for bill_id, body in doc.get("claims", {}).items()
                if bill_id not in states]
        if left:  # claimed by a run that did not write them: written now, from the claims
            _, _, failed = store.insert_bills(db, left)
            finished.extend(body for index, body in enumerate(left) if index not in failed)
            states.update({body["_id"]: set(_bill_months(body)) for body in left})
        again = {}
        for key, bills in pending.items():
            decided = billing.claim(docs[key], bills, states, fence)
            if decided is None:
                store.insert_bills(db, claimed)
                raise Conflict(store.LOST_LOCK, retry_after=1)
            mine, covered, some, expected, months, claims, done = decided
            if claims and not store.claim_coverage(db, estate_id, key, fence, expected, months, claims, done):
                again[key] = bills
                continue
            claimed.extend(mine)
            taken.extend(covered)
            partly.extend(some)
        pending = again
        if not pending:
            break
    else:
        store.insert_bills(db, claimed)
        raise Conflict("the months of the bills kept changing while the run claimed them; run this month again",
                       retry_after=1)
    for bill in taken + partly:
        log.warning("billing run: bill %s not written, a month it covers billed meanwhile", bill["_id"])
    return claimed, taken, partly, finished


def _standing(db, estate_id, claimed, found):
    """``{bill_id: the months the bill standing for it covers}`` of the bills of ``claimed`` and ``found`` that exist
    (``billing.claim``; a claim's alone, whose months no bill of the run's finds, with none: what matters of it is
    whether it exists, read once, no months worked out): a bill's own while it stands; a cancelled one's re-bill's
    (``rebilled_as``, and so on: a correction's, 更正, the same months) where that one is of the same household, item
    and payer, none where it is another's (the owner's quarter cancelled for the developer's bill of the days it
    owes: found by r4 reviewing h4, the owner's months then refused to him for good) or none was named; its own
    where its re-bill is not written yet (a crash between the cancel and the insert, which the next run of that
    month finishes)."""
    known = store.bill_states(db, estate_id, found)
    wanted = found & set(known)
    for _ in range(8):  # a correction corrected in turn: a few links at most
        wanted = {bill["rebilled_as"] for bill in map(known.get, wanted)
                  if bill and bill["status"] == "cancelled" and bill.get("rebilled_as")} - set(known)
        if not wanted:
            break
        known.update(store.bill_states(db, estate_id, wanted))
    states = {bill_id: set() for bill_id in store.bills_written(db, estate_id, claimed - found)}
    for bill_id in found & set(known):
        bill, seen = known[bill_id], {bill_id}
        while bill["status"] == "cancelled" and bill.get("rebilled_as") in known and bill["rebilled_as"] not in seen:
            seen.add(bill["rebilled_as"])
            bill = known[bill["rebilled_as"]]
        first = known[bill_id]
        if bill["status"] == "cancelled" and not bill.get("rebilled_as") or bill is not first and payers.coverage_key(
                bill["household_id"], bill["item"], payers.payer_of(bill)) != payers.coverage_key(
                first["household_id"], first["item"], payers.payer_of(first)):
            states[bill_id] = set()
        else:
            states[bill_id] = set(_bill_months(bill))
    return states


def _bill_months(bill):
    return [month for month, _ in billing.months_covered(bill)]


def stamp_unstamped(db):
    """Bills and payments written without ``updated_at`` (before it was kept, or by a replica of
    the version before while a deploy rolls) are given the moment they are stamped, once, as every
    write that changes what the API shows is (``writes.stamped``): a sync reads each at its next
    poll. The latest moment a document recorded would put one an old replica wrote during the deploy
    behind a sync's position already past it, never to be read. The number stamped."""
    stamped = 0
    for estate_id in store.estate_ids(db):
        for collection in ("bills", "payments"):
            for doc in store.unstamped(db, collection, estate_id):
                store.stamp_once(db, collection, doc, clock.now_iso())
                stamped += 1
    return stamped


def get_billing_run(db, caller, estate_id, job_id):
    job = jobs.visible(db, job_id, caller)
    if job is None or job["estate_id"] != estate_id or job["kind"] != BILLING_RUN:
        raise NotFound("no such billing run in this estate")
    return jobs.public(job)


# -- a household's money: one writer at a time, half-done writes finished first -----------------

@contextmanager
def household(db, outbox, estate_id, household_id):
    """The household's lock, and its payments and reversals that a crash left half-done
    finished before anything else is decided on its money."""
    with household_lock(db, estate_id, household_id):
        for hold in store.holds_being_made(db, estate_id, household_id):  # the seller's money first
            _finish_hold(db, outbox, hold)
        for payment in store.half_done_payments(db, estate_id, household_id):
            _finish(db, outbox, payment)
        for payment in store.payments_with_prepaid_in_use(db, estate_id, household_id):
            _finish_prepaid_use(db, outbox, payment)
        for bill in store.bills_giving_back(db, estate_id, household_id):
            _give_back(db, outbox, bill)
        yield


def _finish_prepaid_use(db, outbox, payment):
    """Money of ``payment`` taken for a bill that a crash kept from the bill: each allocation
    taken put on its bill, once (one already there is left; one the bill can no longer take goes
    back to the payment), then the mark goes."""
    taken = set(payment.get(store.PREPAID_IN_USE_IDS) or ())
    for allocation in payment["allocations"]:
        if allocation["id"] in taken:
            _put_on_bill(db, outbox, payment["estate_id"], allocation)
    store.prepaid_use_done(db, payment["estate_id"], payment["_id"])


def finish_half_done(db, outbox, grace_seconds=HALF_DONE_GRACE_SECONDS):
    """The timer's sweep: every payment, reversal, top-up or usage, fund deposit, deposit
    refund and reversal of its deductions, and every cancelled bill's money on its way back to its payments, stopped half-way for longer than ``grace_seconds`` (its writer died) is finished, as
    its own writer would have. A household
    busy with a live writer (for longer than the lock's wait, a second) is left to that writer or
    the next sweep. The number finished."""
    before = clock.to_iso(clock.now() - timedelta(seconds=grace_seconds))
    finished, seen = 0, set()
    for payment in store.half_done_payments(db):
        key = (payment["estate_id"], payment["household_id"])
        if _half_done_since(payment) >= before or key in seen:
            continue
        seen.add(key)
        try:
            with household_lock(db, *key):
                for pending in store.half_done_payments(db, *key):
                    _finish(db, outbox, pending)
                    finished += 1
        except Conflict:
            log.info("household %s is busy: its half-done payment is finished by its writer or the next sweep",
                     payment["household_id"])
    for payment in store.payments_with_prepaid_in_use(db, before_iso=before):
        try:
            with household(db, outbox, payment["estate_id"], payment["household_id"]):  # finishes it
                finished += 1
        except Conflict:
            log.info("household %s is busy: its prepaid money is put on its bill by its writer or the next sweep",
                     payment["household_id"])
    giving_back = store.bills_giving_back(db, before_iso=before)
    for key in sorted({(bill["estate_id"], bill["household_id"]) for bill in giving_back}):
        try:  # a cancelled bill's money a crash kept from its payments: back on them (``household`` finishes it)
            with household(db, outbox, *key):
                finished += 1
        except Conflict:
            log.info("household %s is busy: its cancelled bill's money goes back by its writer or the next sweep",
                     key[1])
    for move in store.pending_moves(db, before):
        try:
            _finish_or_refuse(db, outbox, move)
        except BusinessRuleViolation:  # refused and marked so: the sweep goes on with the others
            log.warning("a usage left half-done was refused when finished: the balance fell meanwhile")
        finished += 1
    for entry in store.pending_fund_deposits(db, before):
        if entry.get("refund_id"):  # a public revenue refund's part: with the others of its refund, below (r5)
            continue
        try:
            _finish_fund_deposit(db, outbox, entry)
        except BusinessRuleViolation:  # refused and marked so: the sweep goes on with the others
            log.warning("a fund deposit or reversal left half-done was refused when finished: the balance moved "
                        "meanwhile")
        finished += 1
    for receipt in store.pending_revenue_receipts(db, before):  # its journal entry and the fund's deposit to come
        try:
            _finish_revenue_receipt(db, outbox, receipt)
        except BusinessRuleViolation:
            log.warning("a public revenue receipt left half-done was refused when finished: the fund's balance")
        except Conflict:  # its contract cancelled before it was confirmed: taken away; or busy: the next sweep (r6)
            log.warning("a public revenue receipt left half-done was not finished: its contract was cancelled (the "
                        "receipt taken away) or busy")
        finished += 1
    for receipt in store.pending_revenue_reversals(db, before):  # its fund entry and journal entry to come
        try:
            _finish_revenue_reversal(db, outbox, receipt)
        except BusinessRuleViolation:  # put back as it was, the reversal refused and marked so
            log.warning("a public revenue receipt's reversal left half-done was refused when finished: the fund's "
                        "balance")
        finished += 1
    for contract, refund_id in store.pending_revenue_refunds(db, before):  # else only a retry with its key (r5)
        try:
            _finish_revenue_refund(db, outbox, contract, refund_id)
        except BusinessRuleViolation:  # refused and marked so: nothing paid back
            log.warning("a public revenue refund left half-done was refused when finished: the fund's balance")
        finished += 1
    for deposit in store.pending_refunds(db, before):  # else only a later refund call or its day's settlement
        _finish_refund(db, outbox, deposit)
        finished += 1
    for deposit in store.pending_deductions_reversals(db, before):  # the same: else only a later reversal call
        _finish_deductions_reversal(db, outbox, deposit)
        finished += 1
    for hold in store.pending_seller_refunds(db, before):  # a seller's prepaid money, the same way
        _finish_seller_refund(db, outbox, hold)
        finished += 1
    for collection in store.pending_pass_through(db, "pass_through_collections", before):  # 代收: its entries
        _finish_pass_through_collection(db, outbox, collection)
        finished += 1
    for remittance in store.pending_pass_through(db, "pass_through_remittances", before):  # 代缴: its collections
        try:
            _finish_pass_through_remittance(db, outbox, remittance)
        except BusinessRuleViolation:  # another batch took its collections: taken away, no entry
            pass
        finished += 1
    for reversal in store.pending_pass_through(db, "pass_through_reversals", before):  # 冲销代收款 (h4)
        try:
            _finish_pass_through_reversal(db, outbox, reversal)
        except Conflict:  # a remittance took its collection first: taken away, no entry
            pass
        finished += 1
    if finished:
        log.warning("finished %d payments, reversals, top-ups, usages, fund deposits or deposit refunds left "
                    "half-done", finished)
    return finished


def _half_done_since(payment):
    return payment["reversal"]["at"] if payment["status"] == "reversal_pending" else payment["created_at"]


def _finish(db, outbox, payment):
    if payment["status"] == "pending":
        return _finish_payment(db, outbox, payment)
    if payment["status"] == "reversal_pending":
        return _finish_reversal(db, outbox, payment)
    return payment


# -- applying money to bills ------------------------------------------------------------

def _allocate(db, outbox, estate_id, allocation, new_payment_id=None):
    """``_put_on_bill``; older money's payment loses its ``PREPAID_IN_USE`` mark once the bill
    has the money (or the money went back)."""
    outcome = _put_on_bill(db, outbox, estate_id, allocation, new_payment_id)
    if allocation["payment_id"] != new_payment_id:
        store.prepaid_use_done(db, estate_id, allocation["payment_id"])
    return outcome


def _put_on_bill(db, outbox, estate_id, allocation, new_payment_id=None):
    """Put one planned allocation on its bill, once: older money is first taken off its
    payment (once), then put on the bill (once); a bill paid in full announces ``bill_settled``
    in the same write. Returns ``"there"`` (written before: a repeated step), ``"applied"``,
    ``"settled"``, or ``"dropped"`` (the money was used meanwhile, or the bill changed since
    the plan: older money goes back to its payment, new money stays prepaid)."""
    bill = store.get_bill(db, estate_id, allocation["bill_id"])
    if any(a["id"] == allocation["id"] for a in bill.get("allocations", [])):
        return "there"
    try:
        after = payments.bill_after(bill, allocation)
    except Conflict:
        if allocation["payment_id"] != new_payment_id:
            store.unuse_prepaid(db, outbox, estate_id, allocation)  # an earlier attempt may have taken it
        return "dropped"
    if allocation["payment_id"] != new_payment_id and not store.use_prepaid(db, outbox, estate_id, allocation,
                                                                            clock.now_iso()):
        return "dropped"
    events = []
    if after["status"] == "paid":
        events = [outbox.event("bill_settled", estate_id, billing.settled_event_data(bill, after["settled_at"]))]
    try:
        written = store.allocate_to_bill(db, outbox, bill, allocation, after, events)  # announced with it
    except Conflict:
        if allocation["payment_id"] != new_payment_id:
            store.unuse_prepaid(db, outbox, estate_id, allocation)  # the money goes back to its payment
        return "dropped"
    if not written:
        return "there"
    return "settled" if events else "applied"


def _apply(db, outbox, estate_id, allocations):
    """Prepaid money on bills (the caller holds the household's lock); the bills settled."""
    return sum(_allocate(db, outbox, estate_id, allocation) == "settled" for allocation in allocations)


def apply_prepaid(db, outbox, estate_id, household_id):
    """Use the household's unapplied money on its unpaid bills (the caller holds its lock)."""
    sources = store.prepaid_sources(db, estate_id, household_id)
    if not sources:
        return 0
    bills = payments.bills_to_settle(store.unpaid_bills(db, estate_id, household_id))
    owner_since = (store.find_household(db, estate_id, household_id) or {}).get("owner_since")
    return _apply(db, outbox, estate_id, payments.allocate(bills, sources, clock.now_iso(), owner_since))


def apply_prepaid_where_possible(db, outbox, estate_id, household_id):
    try:
        with household(db, outbox, estate_id, household_id):
            return apply_prepaid(db, outbox, estate_id, household_id)
    except Conflict:
        log.info("household %s is busy: its prepaid balance is used at its next change", household_id)
        return 0


def apply_prepaid_everywhere(db, outbox, estate_id):
    """After a billing run: every household's unused money on its unpaid bills. The estate's
    prepaid payments and unpaid bills are read in one walk each; an allocation that a concurrent
    payment made stale is dropped by its guarded write (that household waits for its next change)."""
    sources = store.prepaid_by_household(db, estate_id)
    if not sources:
        return 0
    unpaid = store.unpaid_by_household(db, estate_id, sources)
    since = store.owners_since(db, estate_id, sources)  # the seller's money never the buyer's bills (sale_month)
    settled = 0
    for household_id in sorted(sources):
        bills = payments.bills_to_settle(unpaid.get(household_id, []))
        if not bills:
            continue
        try:
            with household(db, outbox, estate_id, household_id):
                settled += _apply(db, outbox, estate_id, payments.allocate(bills, sources[household_id],
                                                                          clock.now_iso(), since.get(household_id)))
        except Conflict:
            log.info("household %s is busy: its prepaid balance is used at its next change", household_id)
    return settled


# -- payments ---------------------------------------------------------------------------

def post_payment(db, outbox, caller, estate_id, data):
    """A payment: first written ``pending`` with its plan (no event), then its allocations on the
    bills, its journal entry, and ``posted`` with ``payment_posted`` in that last write."""
    payment_id = payments.transaction_payment_id(estate_id, data) or caller.created_id("pay", estate_id)
    payment_id, existing = _posted_as(db, outbox, estate_id, payment_id, data, finish=True)
    if existing:
        payments.same_transaction(existing, data)
        return public(_finished(db, outbox, existing))  # a retry: the first payment, completed
    household_id = data["household_id"]
    owner_since = store.known_household(db, estate_id, household_id).get("owner_since")
    rules, now = store.rules_for(db, estate_id), clock.now()
    with open_journal_day(db, estate_id, caller.user, periods.day_of(now, rules)), \
            transaction_lock(db, estate_id, data), household(db, outbox, estate_id, household_id):
        payment_id, existing = _posted_as(db, outbox, estate_id, payment_id, data)
        if existing:
            payments.same_transaction(existing, data)
            return public(existing)
        bills = payments.bills_to_settle(store.unpaid_bills(db, estate_id, household_id), data.get("bill_ids"))
        payments.refuse_bills_of_another_item(data, bills)
        payer = payers.payer_of_payment(bills, data.get("bill_ids"))  # naming the developer's bills: its money
        sequence = store.next_number(db, estate_id, payments.receipt_series(now, rules))
        payment = payments.new_payment(payment_id, estate_id, data, payments.receipt_number(now, rules, sequence),
                                       now, rules, caller.user)
        if payer == payers.DEVELOPER:
            payment["payer"] = payers.DEVELOPER
        sources = store.prepaid_sources(db, estate_id, household_id) + [payment]
        payment = payments.planned(payment, payments.allocate(bills, sources, payment["posted_at"], owner_since),
                                   {bill["_id"]: bill for bill in bills})
        if not store.insert_payment(db, payment):
            existing = store.get_payment(db, estate_id, payment_id)
            payments.same_transaction(existing, data)
            return public(existing)
        payment = _finish_payment(db, outbox, payment)
    return public(payment)


def _posted_as(db, outbox, estate_id, payment_id, data, finish=False):
    """``(id, payment)``: the payment this call is posted as already, or None and the id it takes.
    A transaction (``transaction_id``) whose payment was reversed is followed to its correction's
    id (``payments.reposted``: the same body again is a 409). ``finish``: a half-done reversal
    found is finished first (outside the household's lock, which that takes)."""
    while True:
        existing = store.find_payment(db, estate_id, payment_id)
        if existing is None or not data.get("transaction_id"):
            return payment_id, existing
        if finish:
            existing = _finished(db, outbox, existing)
        if existing["status"] != "reversed":
            return payment_id, existing
        payments.reposted(existing, data)
        payment_id = payments.correction_id(existing)


def _finished(db, outbox, payment):
    """A payment found on a retry: if a crash stopped it half-way, it is finished first."""
    if payment["status"] not in store.HALF_DONE:
        return payment
    with household(db, outbox, payment["estate_id"], payment["household_id"]):
        return store.get_payment(db, payment["estate_id"], payment["_id"])


def _finish_payment(db, outbox, payment):
    """The writes after ``pending``, each guarded so that a repeat has no second effect."""
    estate_id = payment["estate_id"]
    applied = [allocation for allocation in payment["_plan"]["allocations"]
               if _allocate(db, outbox, estate_id, allocation, new_payment_id=payment["_id"]) != "dropped"]
    store.insert_entry(db, journals.payment_entry(payment))
    bills = store.bills_by_id(db, estate_id, [allocation["bill_id"] for allocation in applied])  # their names

    def post(current):
        if current["status"] != "pending":
            return None  # posted meanwhile (a retry and the sweep at once)
        fields = payments.posting(current, applied, bills)
        posted = outbox.event("payment_posted", estate_id, payments.posted_event_data({**current, **fields}, bills))
        return Change(fields, events=[posted])

    return store.change_payment(db, outbox, estate_id, payment["_id"], post)


def reverse_payment(db, outbox, caller, estate_id, payment_id, data):
    """A reversal: first ``reversal_pending`` with its plan (no event), then the reversing
    journal entry, the allocations off the bills, and ``reversed`` with ``payment_reversed``
    in that last write; then the household's other prepaid money may settle what reopened."""
    payment = store.get_payment(db, estate_id, payment_id)
    if _reversed_by_this_call(payment, caller, estate_id):
        return public(payment)
    opening_credits.refuse_reversal(payment)
    rules, now = store.rules_for(db, estate_id), clock.now()
    with open_journal_day(db, estate_id, caller.user, periods.day_of(now, rules)), \
            household(db, outbox, estate_id, payment["household_id"]):
        plan = _reversal_plan(db, estate_id, data.get("reason", ""), now, rules, caller.user)
        planned = store.change_payment(db, outbox, estate_id, payment_id, plan)
        # the call sent again with its key after a crash: its plan's step is found applied, and
        # ``household`` above finished the reversal it planned (a reversal_pending one is this call's)
        payment = _finish_reversal(db, outbox, planned) if planned["status"] == "reversal_pending" else planned
    return public(payment)


def reverse_opening_credit(db, outbox, caller, estate_id, credit_id, data):
    """An opening credit recorded wrong, reversed (``opening_credits``): the two steps of a
    payment's reversal under the household's lock, without the cashier's day (no journal entry:
    its money was never received here); ``opening_credit_reversed`` in the last write."""
    credit = store.get_payment(db, estate_id, credit_id)
    opening_credits.require_credit(credit, credit_id)
    if _reversed_by_this_call(credit, caller, estate_id):
        return public(credit)
    rules, now = store.rules_for(db, estate_id), clock.now()
    with household(db, outbox, estate_id, credit["household_id"]):
        plan = _reversal_plan(db, estate_id, data["reason"], now, rules, caller.user, invoiced=False)
        planned = store.change_payment(db, outbox, estate_id, credit_id, plan)
        credit = _finish_reversal(db, outbox, planned) if planned["status"] == "reversal_pending" else planned
    return public(credit)


def _reversal_plan(db, estate_id, reason, now, rules, user, invoiced=True):
    """The first step of a reversal, as ``store.change_payment`` takes it: refused for a payment
    whose money paid a refunded deposit, is held for or was refunded to the household's seller, was paid
    out at the contract's end (``exit_settlement``), or
    (``invoiced``: a payment received here; an opening credit has no invoice) has an invoice issued;
    else ``reversal_pending`` with its plan (``payments.reversal``)."""
    def plan(current):
        _refuse_refunded_deposits(db, estate_id, current)
        seller_prepaid.refuse_reversal(current, store.sellers_prepaid_of(db, estate_id, current["household_id"]))
        exit_settlement.refuse_reversal(current)
        if invoiced and current["status"] == "posted":
            invoices.refuse_reversal(store.issued_invoices(db, estate_id, current["_id"]))
        charges = {a["bill_id"]: billing.charge_of(store.get_bill(db, estate_id, a["bill_id"]))
                   for a in current["allocations"]}
        return Change(payments.reversal(current, charges, reason, now, rules, user))

    return plan


def _reversed_by_this_call(payment, caller, estate_id):
    """The reversal a retry with the caller's Idempotency-Key asks for, done (a reply lost on its way
    made the retry a 409 "reversed already", found by review): answered as it is before the day's
    and the household's locks, as the first call was (the cashier's day may be settled since). The
    keyed call's own mark says so (``writes.sent_again``: the plan's write left it, whoever finished
    the reversal, the call or the sweep after a crash). One half-done (``reversal_pending``) goes on:
    ``household`` finishes it and ``writes.change`` finds the plan's step by its mark. A reversal
    written before the marks has none: it kept the key in ``_reversal_key``, read until those keys'
    life (the gateway's IDEMPOTENCY_RETENTION_SECONDS) is over; nothing writes it any more."""
    if payment["status"] != "reversed":
        return False
    if writes.sent_again(payment):
        return True
    return bool(caller.idempotency_key) and payment.get("_reversal_key") == caller.created_id("rvk", estate_id)


def _finish_reversal(db, outbox, payment):
    estate_id = payment["estate_id"]
    credit = opening_credits.is_credit(payment)
    if not credit:  # an opening credit's money was never in a journal (期初预收)
        store.insert_entry(db, journals.reversal_entry(payment))
    for allocation in payment["_plan"]["allocations"]:
        store.remove_allocation(db, outbox, estate_id, allocation["bill_id"], allocation, payment["household_id"])

    bills = store.bills_by_id(db, estate_id, [a["bill_id"] for a in payment["_plan"]["allocations"]])  # their names

    def done(current):
        if current["status"] != "reversal_pending":
            return None
        data = payments.reversed_event_data(current, bills)  # an opening credit's as a payment's
        announced = outbox.event("opening_credit_reversed", estate_id, data) if credit \
            else outbox.event("payment_reversed", estate_id, data)
        return Change({"status": "reversed", "_plan": None}, events=[announced])

    payment = store.change_payment(db, outbox, estate_id, payment["_id"], done)
    apply_prepaid(db, outbox, estate_id, payment["household_id"])
    return payment


def _refuse_refunded_deposits(db, estate_id, payment):
    """A payment whose money paid a deposit that is being or was refunded is not reversed."""
    if payment["status"] != "posted":
        return
    for bill_id in {a["bill_id"] for a in payment["allocations"]}:
        application = deposits.application_of(store.get_bill(db, estate_id, bill_id))
        deposit = application and store.find_deposit(db, estate_id, deposits.deposit_id(estate_id, application))
        if deposit and deposit.get("refund"):
            raise Conflict(f"the payment paid deposit {deposit['_id']}, which is refunded: it cannot be reversed",
                           [field_error("id", "paid a refunded deposit")])


# -- charges raised by other services, and expenses --------------------------------------------

def take_charge(db, outbox, event):
    """One bill per charge, however often it is delivered, announced (``charge_billed``) with its
    write; money collected at the source is booked as paid with an entry in the journal of how it was
    paid (``collected_method``: cash when the charge does not say; 扫码 at the gate is the bank's)."""
    rules = store.rules_for(db, event["estate_id"])
    bill = billing.charge_bill(event, rules)
    events = [outbox.event("charge_billed", bill["estate_id"], billing.billed_event_data(bill))]
    if bill["status"] == "paid":
        events.append(outbox.event("bill_settled", bill["estate_id"],
                                   billing.settled_event_data(bill, bill["settled_at"])))
    inserted = store.create_bill(db, outbox, bill, events) is not None  # announced with its write
    if bill["status"] == "paid":
        _book_collected(db, bill, event.get("actor") or event["source"],
                        periods.day_of(clock.parse_iso(event["occurred_at"]), rules),
                        event["data"].get("collected_method") or "cash")
    if deposits.application_of(bill):
        _deposit_charged(db, outbox, bill)  # once, also on a redelivery
    if not inserted:
        return
    if bill["status"] == "unpaid" and bill["household_id"]:
        apply_prepaid_where_possible(db, outbox, bill["estate_id"], bill["household_id"])


def record_opening_balance(db, outbox, caller, estate_id, data):
    """What a household owed the previous property company, carried over (期初欠费) as the bill of
    its month under the run's own id (``opening_balances``): owed at once, announced in its write
    (``opening_balance_recorded``); a month billed already is a 409, a retry with the caller's
    Idempotency-Key answers the first. The household's prepaid money then settles it, as any bill."""
    rules, now = store.rules_for(db, estate_id), clock.now()
    bill, _ = carry_over(db, outbox, estate_id, data, rules, now, caller.user, caller.created_id("obl", estate_id))
    return public(bill)


def carry_over(db, outbox, estate_id, data, rules, now, user, requested_as, again_is_existing=False):
    """One opening balance carried over (``record_opening_balance``, an import's line): ``(bill,
    made)``; ``made`` False for a retry (``requested_as`` the first's) or, with
    ``again_is_existing`` (an import: the bill id is the natural key), for any month carried over
    already, which is left as it is."""
    household_id = data["household_id"]
    copy = store.known_household(db, estate_id, household_id)
    opening_balances.refuse_period(data["period"], now, rules)
    opening_balances.refuse_inside_cycle(data["period"], copy, store.approved_standards(db, estate_id, data["item"]))
    with household(db, outbox, estate_id, household_id):
        bill = opening_balances.new_bill(estate_id, data, now, rules, user, requested_as)
        existing = store.find_bill(db, estate_id, bill["_id"])
        if existing is not None and again_is_existing and \
                (existing.get("source") or {}).get("kind") == opening_balances.SOURCE_KIND:
            return existing, False
        opening_balances.refuse_billed(existing, requested_as)
        if existing is not None:
            return existing, False  # a retry: its answer was lost
        event = outbox.event("opening_balance_recorded", estate_id, opening_balances.recorded_event_data(bill))
        if store.create_bill(db, outbox, bill, [event]) is None:  # a run's bill of the month, written meanwhile
            opening_balances.refuse_billed(store.find_bill(db, estate_id, bill["_id"]), requested_as)
    apply_prepaid_where_possible(db, outbox, estate_id, household_id)
    return store.find_bill(db, estate_id, bill["_id"]), True


def start_opening_balance_import(db, caller, estate_id, data):
    """A CSV of opening balances, carried over in the background (a job; see
    ``opening_balance_imports``): the file is measured now (400 over the caps, or no line)."""
    return _start_list_import(db, caller, estate_id, data, opening_balance_imports)


def _start_list_import(db, caller, estate_id, data, kind):
    """A takeover list's import job (``kind``: its module, the arrears' or the prepayments'),
    the file measured before the job starts."""
    jobs.require_may_start(kind.JOB_KIND, caller)
    store.rules_for(db, estate_id)
    content = kind.decode(data["content_base64"])
    lines = kind.check(content)
    job_id = jobs.created_id(caller, "finance", estate_id, kind.JOB_KIND)
    job = jobs.create(db, job_id, estate_id, kind.JOB_KIND, {"format": "csv", "rows": lines},
                      caller.user, input={"content_base64": data["content_base64"]})
    return jobs.public(job)


def import_opening_balances(db, outbox, job, progress):
    """The job's work: each line an opening balance, once (the bill id is the natural key: an
    import run again, or the file uploaded again, finds its months carried over, ``existing``)."""
    estate_id = job["estate_id"]
    rules, now = store.rules_for(db, estate_id), clock.now()
    flats = opening_balance_imports.flats(store.household_flats(db, estate_id))

    def carry(body):
        bill, made = carry_over(db, outbox, estate_id, body, rules, now, job["created_by"], job["_id"],
                                again_is_existing=True)
        return bill, made

    rows = opening_balance_imports.read_rows(opening_balance_imports.decode(job["_input"]["content_base64"]))
    return opening_balance_imports.run(rows, flats, carry, progress, expected=job["params"]["rows"])


def record_opening_credit(db, outbox, caller, estate_id, data):
    """What a household had paid the previous property company in advance (期初预收), handed over:
    a payment record of its own kind, the household's prepaid money, which settles its unpaid
    bills at once (``opening_credits``); the same household and reference again answers the first."""
    rules, now = store.rules_for(db, estate_id), clock.now()
    credit, _ = credit_over(db, outbox, estate_id, data, rules, now, caller.user)
    return public(credit)


def credit_over(db, outbox, estate_id, data, rules, now, user, again_is_existing=False):
    """One opening credit (``record_opening_credit``, an import's line): ``(record, made)``;
    ``made`` False when the household's reference was credited already (another amount: a 409, or
    with ``again_is_existing``, an import's, the record found, left as it is)."""
    household_id = data["household_id"]
    store.known_household(db, estate_id, household_id)
    credit_id = opening_credits.credit_id(estate_id, household_id, data["reference"])
    with household(db, outbox, estate_id, household_id):
        existing = store.find_payment(db, estate_id, credit_id)
        if existing is not None:
            if not again_is_existing:
                opening_credits.refuse_other_amount(existing, data)
            return existing, False
        sequence = store.next_number(db, estate_id, opening_credits.series(now, rules))
        credit = opening_credits.new_credit(credit_id, estate_id, data, opening_credits.number(now, rules, sequence),
                                            now, rules, user)
        # announced in its write (archive keeps it under the household), once however often it comes
        announced = outbox.event("opening_credit_recorded", estate_id, opening_credits.recorded_event_data(credit))
        store.create(db, outbox, "payments", estate_id, credit_id, lambda: (credit, [announced]))
        apply_prepaid(db, outbox, estate_id, household_id)  # its money on the household's unpaid bills
    return store.find_payment(db, estate_id, credit_id), True


def announce_opening_credits(db, outbox, estate_id):
    """archive's restatement (``estate_restated``): each opening credit recorded before the release
    that announced them (no ``opening_credits.ANNOUNCED``) announced once, as recorded, in the
    write that marks it (archive keeps one record per credit, however often it hears of it)."""
    now_iso = clock.now_iso()
    for credit in store.unannounced_credits(db, estate_id):
        announced = outbox.event("opening_credit_recorded", estate_id, opening_credits.recorded_event_data(credit))
        store.announce_credit(db, outbox, estate_id, credit["_id"], announced, now_iso)


def start_opening_credit_import(db, caller, estate_id, data):
    """A CSV of opening credits, credited in the background (a job; ``opening_credit_imports``):
    the file is measured now (400 over the caps, or no line)."""
    return _start_list_import(db, caller, estate_id, data, opening_credit_imports)


def import_opening_credits(db, outbox, job, progress):
    """The job's work: each line an opening credit, once (the household and reference are the
    natural key: the file uploaded again finds its lines credited, ``existing``)."""
    estate_id = job["estate_id"]
    rules, now = store.rules_for(db, estate_id), clock.now()
    flats = opening_credit_imports.flats(store.household_flats(db, estate_id))

    def credit(body):
        return credit_over(db, outbox, estate_id, body, rules, now, job["created_by"], again_is_existing=True)

    rows = opening_credit_imports.read_rows(opening_credit_imports.decode(job["_input"]["content_base64"]))
    return opening_credit_imports.run(rows, flats, credit, progress, expected=job["params"]["rows"])


def withdraw_charge(db, outbox, event):
    """A charge withdrawn at its source: its bill cancelled (``billing.cancellation``), once
    however often it is delivered, and the money on it given back to its payments; made
    cancelled when the charge has not arrived yet. Under the household's lock, as every change of
    its money is: a reversal and another payment's prepaid money landing on the bill between its
    read and its cancel lost that money (found by review); the lock also finishes a give-back a
    crash left (``household``)."""
    rules = store.rules_for(db, event["estate_id"])
    bill_id = billing.charge_bill_id(event["estate_id"], event["source"], event["data"]["id"])
    bill = store.find_bill(db, event["estate_id"], bill_id)
    if bill is None:
        bill = billing.cancelled_charge_bill(event, rules)
        if store.insert_bill(db, bill):
            if deposits.application_of(bill):
                _deposit_charged(db, outbox, bill)  # listed, withdrawn
            return
        bill = store.find_bill(db, event["estate_id"], bill_id)  # the charge arrived meanwhile
    if bill["status"] == "cancelled" and not bill.get(store.GIVING_BACK):
        return  # a redelivery
    kept = _kept_on_withdrawal(db, bill)
    if kept:
        log.warning("a withdrawn charge's bill is kept: %s", kept, extra={"estate_id": bill["estate_id"],
                                                                           "bill_id": bill["_id"]})
        return
    if not bill["household_id"]:  # no household: no payment can have reached it
        changes = billing.cancellation(bill, event)
        if changes:
            store.cancel_bill(db, outbox, bill, changes)
        return
    with household(db, outbox, bill["estate_id"], bill["household_id"]):  # finishes a give-back a crash left
        for _ in range(3):
            bill = store.find_bill(db, event["estate_id"], bill_id)
            changes = billing.cancellation(bill, event)
            if changes is None:
                return
            if store.cancel_bill(db, outbox, bill, changes):
                _give_back(db, outbox, bill | changes)
                return
    raise Conflict("the bill kept changing while its charge was withdrawn; it will be redelivered")


def _kept_on_withdrawal(db, bill):
    """Why a withdrawn charge's bill cannot be cancelled, or None. Its money went where no payment
    takes it back: cash collected at the source (in the cashier's journal, not on a payment), or
    a deposit paid back already (customer service withdraws nothing whose works started; this
    keeps the money from being given twice all the same: found by review)."""
    if any(allocation["payment_id"] is None for allocation in bill["allocations"]):
        return "its money was collected at its source"
    application = deposits.application_of(bill)
    deposit = application and store.find_deposit(db, bill["estate_id"], deposits.deposit_id(bill["estate_id"],
                                                                                            application))
    return "its deposit was refunded" if deposit and deposit.get("refund") else None


def _give_back(db, outbox, bill):
    """The money a cancelled bill had goes back to its payments (``store.release_to_payment``),
    each allocation once, then settles the household's other bills as prepaid money does. The
    caller holds the household's lock. A bill with nothing paid on it has nothing to give back
    (and no ``GIVING_BACK`` mark: ``store.cancel_bill``)."""
    released = bill.get("released") or []
    if not released:
        return
    for allocation in released:
        store.release_to_payment(db, outbox, bill["estate_id"], allocation)
    store.give_back_done(db, bill)
    apply_prepaid(db, outbox, bill["estate_id"], bill["household_id"])


def _book_collected(db, bill, cashier, day, method="cash"):
    """Money collected at a source is never refused: on the cashier's first day from ``day`` that
    is still open, decided under that day's lock (a settlement under way closes it first), in the
    journal of ``method`` (cash in the drawer, the others at the bank)."""
    while True:
        day = journals.first_open_day(day, store.settled_days(db, bill["estate_id"], cashier))
        with journal_day(db, bill["estate_id"], cashier, day):
            if not _settled(db, bill["estate_id"], cashier, day):
                store.insert_entry(db, journals.collected_entry(bill, cashier, day, method))  # once, also on a redelivery
                return


def _deposit(db, outbox, estate_id, application_id, household_id):
    """The application's deposit, made by whichever of its charge and its acceptance comes first."""
    return store.create(db, outbox, "deposits", estate_id, deposits.deposit_id(estate_id, application_id),
                        lambda: deposits.new_deposit(estate_id, application_id, household_id, clock.now()))


def _deposit_charged(db, outbox, bill):
    deposit = _deposit(db, outbox, bill["estate_id"], deposits.application_of(bill), bill["household_id"])
    store.change_deposit(db, outbox, bill["estate_id"], deposit["_id"], lambda d: deposits.with_bill(d, bill))


def renovation_accepted(db, outbox, event):
    """The joint acceptance passed: the application's deposit may be refunded (once per event).
    An application charged no deposit (a move-in, a deposit of 0) has none to release: it made
    a deposit without a bill, listed for ever (found by review)."""
    data = event["data"]
    if data.get("deposit_charged") is False:
        return
    deposit = _deposit(db, outbox, event["estate_id"], data["application_id"], data.get("household_id"))
    store.follow_deposit(db, outbox, event, deposit["_id"], deposits.accepted)


def list_deposits(db, estate_id, filters, limit=None, cursor=None):
    """A page of deposits; ``status``, as ``deposits.status_of`` shows it, over every page: a refund's by
    its stored status, the others (no refund: the bill's status and the acceptance tell) by the deposits
    without a refund, few (those of works under way), read with their bills (the console narrowed one
    page to it, a status on a later page shown as none: found by the last session's review)."""
    filters = dict(filters or {})
    status = filters.pop("status", None)
    stored = deposits.refund_status_of(status) if status else None
    if stored:
        filters["refund.status"] = stored
    elif status:
        open_ = store.deposits_without_refund(db, estate_id, filters)
        bills = store.bills_by_id(db, estate_id, [d["bill_id"] for d in open_])
        filters["_id"] = {"$in": [d["_id"] for d in open_ if deposits.status_of(d, bills.get(d["bill_id"])) == status]}
    page = store.list_deposits(db, estate_id, filters, limit, cursor)
    bills = store.bills_by_id(db, estate_id, [d["bill_id"] for d in page["items"]])
    page["items"] = [deposits.view(d, bills.get(d["bill_id"])) for d in page["items"]]
    return page


def get_deposit(db, estate_id, deposit_id):
    deposit = public(store.get_deposit(db, estate_id, deposit_id))
    return deposits.view(deposit, deposit["bill_id"] and store.find_bill(db, estate_id, deposit["bill_id"]))


def refund_deposit(db, outbox, caller, estate_id, deposit_id, data):
    """A refund: ``refund`` pending with its plan (no event), the refund's journal entry (money
    out), then ``refunded`` with ``deposit_refunded``. A retry (same Idempotency-Key), or any
    later refund call of a deposit whose refund a crash left pending, finishes it."""
    refund_id = caller.created_id("rfd", estate_id)
    rules, now = store.rules_for(db, estate_id), clock.now()
    deposit = store.get_deposit(db, estate_id, deposit_id)
    refund = deposit.get("refund")
    approval_seen = deposits.approval_of(deposit)  # the approved refund this call pays, or none (refused then)
    # planned (or refused) unless this call's own refund is there: a retry, or a half-done one to finish
    if refund is None or (refund["id"] != refund_id and refund["status"] != "pending"):
        day = periods.day_of(now, rules)
        with journal_day(db, estate_id, caller.user, day):
            closed = _settled(db, estate_id, caller.user, day)

            def plan(current):
                if current.get("refund") and current["refund"]["id"] == refund_id:
                    return None  # a retry
                bill = current["bill_id"] and store.find_bill(db, estate_id, current["bill_id"])
                return deposits.refund_plan(current, bill, refund_id, data, now, rules, caller.user, closed,
                                            paid_by=_deposit_money(db, estate_id, bill),
                                            owed_cents=_owed_by_owner(db, estate_id, current["household_id"]),
                                            roles=caller.roles, approval_seen=approval_seen)

            # under the household's lock: a reversal of the deposit's payment waits (and is then refused)
            with household_lock(db, estate_id, deposit["household_id"]):
                deposit = store.change_deposit(db, outbox, estate_id, deposit_id, plan)
            deposit = _finish_refund(db, outbox, deposit)
    return get_deposit(db, estate_id, _finish_refund(db, outbox, deposit)["_id"])


def _deposit_money(db, estate_id, bill):
    """Where a deposit's money is (``deposits.money_by_method``): the journals of the payments that paid
    its bill, read under the household's lock (a reversal of one waits)."""
    if not bill:
        return None
    payment_ids = {a["payment_id"] for a in bill.get("allocations") or [] if a.get("payment_id")}
    return deposits.money_by_method(bill, {payment_id: store.find_payment(db, estate_id, payment_id)
                                           for payment_id in payment_ids})


def _owed_by_owner(db, estate_id, household_id):
    """What the household's unpaid bills that the owner's money pays still owe (``payments.pays``: not
    the developer's), read under the household's lock: the most a deposit may pay of its fees."""
    return sum(payments.outstanding(bill) for bill in store.unpaid_bills(db, estate_id, household_id)
               if payments.pays({}, bill))


def _pay_fees_from_deposit(db, outbox, deposit, deduction):
    """A deduction of fees (抵扣物业费) paid as the owner's payment, as a cashier's is (``post_payment``'s
    plan: the oldest unpaid bills first, his older prepaid money before it, a receipt; money the bills no
    longer need left prepaid), under its natural id: written once, finished by a retry or the sweep."""
    estate_id, refund = deposit["estate_id"], deposit["refund"]
    payment_id = deposits.fees_payment_id(estate_id, deduction)
    existing = store.find_payment(db, estate_id, payment_id)
    if existing is not None:
        return _finished(db, outbox, existing)
    data = deposits.fees_payment_data(deposit, deduction)
    rules, now = store.rules_for(db, estate_id), clock.now()
    with household(db, outbox, estate_id, data["household_id"]):
        existing = store.find_payment(db, estate_id, payment_id)
        if existing is not None:
            return existing
        bills = payments.bills_to_settle(store.unpaid_bills(db, estate_id, data["household_id"]))
        sequence = store.next_number(db, estate_id, payments.receipt_series(now, rules))
        payment = payments.new_payment(payment_id, estate_id, data, payments.receipt_number(now, rules, sequence),
                                       now, rules, refund["by"])
        # on the refund's day, as its entry out: the two net in the cashier's journal of that day
        payment |= {"day": refund["day"], "from_deposit": deposit["_id"]}
        sources = store.prepaid_sources(db, estate_id, data["household_id"]) + [payment]
        payment = payments.planned(payment, payments.allocate(bills, sources, payment["posted_at"]),
                                   {bill["_id"]: bill for bill in bills})
        if not store.insert_payment(db, payment):
            return store.get_payment(db, estate_id, payment_id)
        return _finish_payment(db, outbox, payment)


def reverse_deposit_deductions(db, outbox, caller, estate_id, deposit_id, data):
    """A refund's deductions made in error taken back (``deposits.deductions_reversal``): planned ``pending``
    under the journal day of the cashier who kept them, or of the one the manager names (``paid_by``,
    ``deposits.reversal_cashier``: the day his settlement counts it in), its reversing entries written (natural ids), then ``reversed`` with
    ``deposit_deductions_reversed``. A retry (same Idempotency-Key), the next reversal call, the half-done
    sweep (``finish_half_done``) or its cashier's settlement of the day finishes one a crash left pending."""
    reversal_id = caller.created_id("rvd", estate_id)
    rules, now = store.rules_for(db, estate_id), clock.now()
    deposit = store.get_deposit(db, estate_id, deposit_id)
    reversal = (deposit.get("refund") or {}).get("deductions_reversal")
    if reversal is None or (reversal["id"] != reversal_id and reversal["status"] != "pending"):
        day, cashier = periods.day_of(now, rules), deposits.reversal_cashier(deposit, data) or caller.user
        with journal_day(db, estate_id, cashier, day):
            closed = _settled(db, estate_id, cashier, day)

            def plan(current):
                if ((current.get("refund") or {}).get("deductions_reversal") or {}).get("id") == reversal_id:
                    return None  # a retry
                return deposits.deductions_reversal(current, reversal_id, data, now, rules, caller.user,
                                                    caller.roles, closed, caller.cashier, caller.cashiers)

            deposit = _finish_deductions_reversal(db, outbox, store.change_deposit(db, outbox, estate_id, deposit_id,
                                                                                   plan))
    return get_deposit(db, estate_id, _finish_deductions_reversal(db, outbox, deposit)["_id"])


def _finish_deductions_reversal(db, outbox, deposit):
    reversal = (deposit.get("refund") or {}).get("deductions_reversal")
    if not reversal or reversal["status"] != "pending":
        return deposit
    for entry in journals.deposit_deduction_reversal_entries(deposit):  # natural ids: written once
        store.insert_entry(db, entry)

    def done(current):
        refund = current["refund"]
        if refund["deductions_reversal"]["status"] != "pending":
            return None
        refund = {**refund, "deductions_reversal": {**refund["deductions_reversal"], "status": "reversed"}}
        announced = outbox.event("deposit_deductions_reversed", current["estate_id"],
                                 deposits.reversed_event_data({**current, "refund": refund}))
        return Change({"refund": refund}, events=[announced])

    return store.change_deposit(db, outbox, deposit["estate_id"], deposit["_id"], done)


def decide_deposit_refund(db, outbox, caller, estate_id, deposit_id, decision, data):
    """A manager approves (``approve``) or rejects (``reject``, saying why) the deductions a cashier's
    refund awaits approval for (``deposits.approval``, ``deposits.rejection``); no money moves. Announced
    in the write that decides (``deposit_refund_approved``, ``deposit_refund_rejected``) for archive."""
    now = clock.now()

    def decide(current):
        if decision == "approve":
            step = deposits.approval(current, now, caller.user, caller.roles)
            announced = outbox.event("deposit_refund_approved", estate_id,
                                     deposits.approved_event_data(current | step.set))
        else:
            step = deposits.rejection(current, data, now, caller.user, caller.roles)
            announced = outbox.event("deposit_refund_rejected", estate_id,
                                     deposits.rejected_event_data(current | step.set, current["refund"]))
        return Change(step.set, step.entries, [announced])

    store.change_deposit(db, outbox, estate_id, deposit_id, decide)
    return get_deposit(db, estate_id, deposit_id)


def _finish_refund(db, outbox, deposit):
    if (deposit.get("refund") or {}).get("status") != "pending":  # refunded, or awaiting its approval
        return deposit
    for deducted in journals.deposit_deduction_entries(deposit):  # natural ids: written once
        store.insert_entry(db, deducted)
    if deposit["refund"]["amount_cents"] or deposits.fees_cents(deposit["refund"]):  # kept whole: no entry out
        store.insert_entry(db, journals.deposit_refund_entry(deposit))
    for deduction in deposit["refund"].get("deductions") or []:
        if deduction["kind"] == deposits.FEES:
            _pay_fees_from_deposit(db, outbox, deposit, deduction)

    def done(current):
        if current["refund"]["status"] != "pending":
            return None
        refund = {**current["refund"], "status": "refunded"}
        announced = outbox.event("deposit_refunded", current["estate_id"],
                                 deposits.refunded_event_data({**current, "refund": refund}))
        return Change({"refund": refund}, events=[announced])

    return store.change_deposit(db, outbox, deposit["estate_id"], deposit["_id"], done)


# -- prepaid utilities (水电充值) ------------------------------------------------------------------

def top_up_utility(db, outbox, caller, estate_id, data):
    """A top-up: the move ``pending`` with its receipt number, the account up, the journal
    entry, the move ``posted`` with its receipt; a retry (same Idempotency-Key) finishes it."""
    move_id = caller.created_id("top", estate_id)
    existing = store.find_move(db, estate_id, move_id)
    if existing is None:
        store.known_household(db, estate_id, data["household_id"])
        rules, now = store.rules_for(db, estate_id), clock.now()
        with open_journal_day(db, estate_id, caller.user, periods.day_of(now, rules)):
            # the call sent again while the first was under way (its key released by a 503) found
            # none above; looked for again before a number is taken, or that number went on no receipt
            existing = store.find_move(db, estate_id, move_id)
            if existing is not None:
                return public(_finish_or_refuse(db, outbox, existing))
            move = utilities.top_up(move_id, estate_id, data, None, now, rules, caller.user)
            _refuse_before_writing(db, move, rules, now)  # past the most a balance holds: before it is numbered too
            number = payments.receipt_number(now, rules,
                                             store.next_number(db, estate_id, payments.receipt_series(now, rules)))
            store.insert_move(db, move | {"receipt_number": number})
            return public(_finish_or_refuse(db, outbox, store.find_move(db, estate_id, move_id)))
    return public(_finish_or_refuse(db, outbox, existing))


def record_utility_usage(db, outbox, caller, estate_id, data):
    """A usage deducted from the prepaid balance (422 past the allowed overdraft, nothing written);
    once per reading id (or Idempotency-Key)."""
    if data.get("reading_id"):
        move_id = utilities.usage_id(estate_id, data["household_id"], data["utility"], data["reading_id"])
    else:
        move_id = caller.created_id("use", estate_id)
    existing = store.find_move(db, estate_id, move_id)
    if existing is not None:
        return public(_finish_or_refuse(db, outbox, utilities.same_move(existing, data)))
    store.known_household(db, estate_id, data["household_id"])
    rules, now = store.rules_for(db, estate_id), clock.now()
    move = utilities.usage(move_id, estate_id, data, now, rules, caller.user)
    _refuse_before_writing(db, move, rules, now)
    if not store.insert_move(db, move):
        return public(_finish_or_refuse(db, outbox, utilities.same_move(store.find_move(db, estate_id, move_id), data)))
    return public(_finish_or_refuse(db, outbox, move))


def reverse_top_up(db, outbox, caller, estate_id, move_id, data):
    """A posted top-up taken back (``utilities.top_up_reversal``): refused (422) before anything is
    written when the balance no longer holds it; asked again, the same reversal (finished if a
    crash left it half-done)."""
    top_up = _named_move(db, estate_id, move_id)
    existing = store.find_move(db, estate_id, utilities.reversal_id(estate_id, move_id))
    if existing is not None and existing["status"] != "refused":
        return public(_finish_or_refuse(db, outbox, existing))
    rules, now = store.rules_for(db, estate_id), clock.now()
    with open_journal_day(db, estate_id, caller.user, periods.day_of(now, rules)):
        move = utilities.top_up_reversal(top_up, data, now, rules, caller.user)
        _refuse_before_writing(db, move, rules, now)
        if existing is not None:
            move = store.renew_refused_move(db, move)
        elif not store.insert_move(db, move):  # a twin call wrote it first
            move = store.find_move(db, estate_id, move["_id"])
        return public(_finish_or_refuse(db, outbox, move))


def _refuse_before_writing(db, move, rules, now):
    """``utilities.account_change`` of ``move`` on its account as it is now: its refusal (422: past
    the allowed overdraft, past the most a balance holds) comes before anything is written. The
    move's own finish decides again (``_finish_or_refuse``): the balance may move meanwhile."""
    estate_id, household_id, utility = move["estate_id"], move["household_id"], move["utility"]
    account = store.utility_account(db, estate_id, utilities.account_id(estate_id, household_id, utility))
    utilities.account_change(account or utilities.new_account(estate_id, household_id, utility, now), move, rules,
                             lambda data: None)


def _named_move(db, estate_id, move_id):
    move = store.find_move(db, estate_id, move_id)
    if move is None:
        raise NotFound("no such utility top-up or usage in this estate")
    return move


def _finish_or_refuse(db, outbox, move):
    """``_finish_move``, or, when the balance fell since the move was written (its finish is
    refused, 422), the move marked ``refused`` so that nothing finishes it later; whoever finishes
    it (the call, its retry, the timer's sweep) decides alike. A retry of a refused move is
    refused again, as the first call was answered (not a 201 carrying ``refused``)."""
    if move["status"] == "refused":
        raise BusinessRuleViolation("this move was refused: the balance did not allow it",
                                    [field_error("data.amount_cents", "was refused when the move was made")])
    try:
        return _finish_move(db, outbox, move)
    except BusinessRuleViolation:
        store.post_move(db, move["estate_id"], move["_id"], {"status": "refused"})
        raise


def _utility_account(db, outbox, estate_id, household_id, utility, now):
    return store.create(db, outbox, "utility_accounts", estate_id,
                        utilities.account_id(estate_id, household_id, utility),
                        lambda: utilities.new_account(estate_id, household_id, utility, now))


def _utility_account_change(db, current, move, rules, low):
    """``utilities.account_change`` of the account as written (``current``), the moves its window would let go
    read first: one whose own document is not finished (its money taken, a crash before it was posted) stays,
    so its retry or the sweep never takes it twice (the fund's rule, ``_fund_account_change``; h6)."""
    unfinished = {move_id for move_id in utilities.leaving(current)
                  if (store.find_move(db, current["estate_id"], move_id) or {}).get("status") in utilities.UNFINISHED}
    return utilities.account_change(current, move, rules, low, unfinished)


def _finish_move(db, outbox, move):
    """The steps after the move's first write, each guarded so that a repeat has no second effect."""
    if move["status"] != "pending":
        return move
    estate_id = move["estate_id"]
    rules = store.rules_for(db, estate_id)
    account = _utility_account(db, outbox, estate_id, move["household_id"], move["utility"],
                               clock.parse_iso(move["created_at"]))

    def low(data):
        return outbox.event("utility_balance_low", estate_id, data)

    account = store.change_utility_account(db, outbox, estate_id, account["_id"],
                                           lambda current: _utility_account_change(db, current, move, rules, low))
    if move["kind"] == "top_up":
        store.insert_entry(db, journals.utility_top_up_entry(move))
    elif move["kind"] == utilities.REVERSAL:
        store.insert_entry(db, journals.top_up_reversal_entry(move))
    return store.post_move(db, estate_id, move["_id"], utilities.posting(move, utilities.applied(account, move)))


def take_meter_reading(db, outbox, event):
    """A water or electricity meter read at a handover or a sale (archive's ``meter_reading_recorded``):
    the household's prepaid account keeps it as its meter's base (``utilities.meter_change``), the
    account made at 0 when the flat has none yet; a gas meter has no prepaid account."""
    reading, estate_id = event["data"], event["estate_id"]
    if reading["meter_kind"] not in utilities.UTILITIES:
        return
    account = _utility_account(db, outbox, estate_id, reading["household_id"], reading["meter_kind"],
                               clock.parse_iso(event["occurred_at"]))
    store.change_utility_account(db, outbox, estate_id, account["_id"],
                                 lambda current: utilities.meter_change(current, reading, event["occurred_at"]))


def list_utility_accounts(db, estate_id, filters, limit=None, cursor=None):
    """The accounts, each saying whether and when its owner was told of its low balance standing
    (``utilities.owner_told``, from the latest records of the page's accounts)."""
    page = store.list_utility_accounts(db, estate_id, utilities.accounts_filters(filters), limit, cursor)
    told = store.latest_owner_notices(db, estate_id, [a["id"] for a in page["items"] if a.get("low_noticed")])
    page["items"] = [utilities.account_view(a) | {"owner_told": utilities.owner_told(
        {**a, "_id": a["id"]}, told.get(a["id"]))} for a in page["items"]]
    return page


def record_utility_owner_notice(db, outbox, caller, estate_id, account_id, data):
    """The owner of a low prepaid balance told, on record (``utilities.owner_notice``); sent again
    with its key, the first record."""
    notice_id = caller.created_id("uon", estate_id)
    return public(store.create_owner_notice(db, outbox, estate_id, notice_id, lambda: utilities.owner_notice(
        notice_id, store.get_utility_account(db, estate_id, account_id), data, clock.now(), caller.user)))


# -- invoices (发票) ------------------------------------------------------------------------------

def request_invoice(db, caller, estate_id, payment_id, data):
    """An invoice on a posted payment, numbered when written; a retry finds the first one."""
    invoice_id = caller.created_id("inv", estate_id)
    existing = store.find_invoice(db, estate_id, invoice_id)
    if existing:
        return public(existing)
    payment = store.get_payment(db, estate_id, payment_id)
    opening_credits.refuse_invoice(payment)
    rules, now = store.rules_for(db, estate_id), clock.now()
    with household_lock(db, estate_id, payment["household_id"]):
        existing = store.find_invoice(db, estate_id, invoice_id)
        if existing:
            return public(existing)
        payment = store.get_payment(db, estate_id, payment_id)
        amount = invoices.check_request(payment, store.issued_invoices(db, estate_id, payment_id), data)
        number = invoices.number(now, rules, store.next_number(db, estate_id, invoices.series(now, rules)))
        invoice = invoices.new_invoice(invoice_id, payment, data, amount, number, now, caller.user)
        store.insert_invoice(db, invoice)
    return public(store.get_invoice(db, estate_id, invoice_id))


def void_invoice(db, outbox, caller, estate_id, invoice_id, data):
    now = clock.now()
    return public(store.change_invoice(db, outbox, estate_id, invoice_id, lambda invoice: Change(
        invoices.voiding(invoice, data["reason"], now, caller.user))))


# -- the special maintenance fund (专项维修资金) -----------------------------------------------------

def _fund_account(db, outbox, estate_id):
    return store.create(db, outbox, "fund_accounts", estate_id, maintenance_fund.account_id(estate_id),
                        lambda: maintenance_fund.new_account(estate_id, clock.now()))


def _fund_account_change(db, current, entry, now, coming=1):
    """``maintenance_fund.account_change`` of the account as written (``current``), the entries its window would
    let go read first: one whose own document is not finished (its money taken, a crash before it was posted or
    approved) stays, so its retry or the sweep never takes it twice (r6 reviewing h6)."""
    unfinished = {entry_id for entry_id in maintenance_fund.leaving(current, coming)
                  if (store.find_fund_entry(db, current["estate_id"], entry_id) or {}).get("status")
                  in maintenance_fund.UNFINISHED}
    return maintenance_fund.account_change(current, entry, now, unfinished)


def fund_deposit(db, outbox, caller, estate_id, data):
    """Money into the fund: the entry ``pending``, the balance up, the entry ``posted``."""
    entry_id = caller.created_id("mfd", estate_id)
    entry = store.find_fund_entry(db, estate_id, entry_id)
    if entry is None:
        if data.get("household_id"):
            store.known_household(db, estate_id, data["household_id"])
        rules, now = store.rules_for(db, estate_id), clock.now()
        deposit = maintenance_fund.deposit(entry_id, estate_id, data, now, rules, caller.user)
        account = store.fund_account(db, estate_id, maintenance_fund.account_id(estate_id))
        # refused (422: past the most a balance holds) before anything is written
        maintenance_fund.account_change(account or maintenance_fund.new_account(estate_id, now), deposit, now)
        store.insert_fund_entry(db, deposit)
        entry = store.find_fund_entry(db, estate_id, entry_id)
    return public(_finish_fund_deposit(db, outbox, entry))


def _finish_fund_deposit(db, outbox, entry):
    """The balance up (a deposit) or down (a deposit's reversal) and the entry posted; ``refused``
    (422) when the balance would pass the most it holds, or fall below zero, by then, so that no
    retry or sweep finishes it later (a retry is refused again). A reversal posted is then named on
    its deposit (``reversed_by``)."""
    if entry["status"] == "refused" and entry["kind"] == maintenance_fund.REVERSAL:
        raise BusinessRuleViolation("this reversal was refused: the fund's balance did not allow it",
                                    [field_error("id", "was refused when the reversal was made")])
    if entry["status"] == "refused":
        raise BusinessRuleViolation("this deposit was refused: the fund's balance did not allow it",
                                    [field_error("data.amount_cents", "was refused when the deposit was made")])
    estate_id = entry["estate_id"]
    if entry["status"] == "pending":
        account = _fund_account(db, outbox, estate_id)
        try:
            account = store.change_fund_account(
                db, outbox, estate_id, account["_id"],
                lambda current: _fund_account_change(db, current, entry, clock.now()))
        except BusinessRuleViolation:
            store.set_fund_entry(db, outbox, estate_id, entry["_id"], "pending", {"status": "refused"})
            raise
        fields = {"status": "posted", "balance_after_cents": maintenance_fund.taken(account, entry["_id"])}
        entry = store.set_fund_entry(db, outbox, estate_id, entry["_id"], "pending", fields,
                                     [_fund_entry_posted(outbox, entry | fields)])
    if entry["kind"] == maintenance_fund.REVERSAL and entry["status"] == "posted" and not entry.get("refund_id"):
        # (a public revenue refund's part takes back a part of its deposit: the deposit is not reversed)
        store.set_fund_entry(db, outbox, estate_id, entry["reverses"], "posted", {"reversed_by": entry["_id"]})
    return entry


def _fund_entry_posted(outbox, entry):
    """The event of the write that posts ``entry``, its actor who asked for it (the half-done
    sweep that finishes it has no caller)."""
    estate_id, actor = entry["estate_id"], entry["requested_by"]
    if entry["kind"] == maintenance_fund.REVERSAL:
        return outbox.event("fund_deposit_reversed", estate_id, maintenance_fund.reversed_event_data(entry), actor=actor)
    return outbox.event("fund_deposit_posted", estate_id, maintenance_fund.posted_event_data(entry), actor=actor)


def reverse_fund_deposit(db, outbox, caller, estate_id, entry_id, data):
    """A posted deposit taken back (``maintenance_fund.deposit_reversal``): refused (422) before
    anything is written when the fund no longer holds it (uses approved since took its money);
    asked again, the same reversal (finished if a crash left it half-done)."""
    deposit = store.get_fund_entry(db, estate_id, entry_id)
    existing = store.find_fund_entry(db, estate_id, maintenance_fund.reversal_id(estate_id, entry_id))
    if existing is not None and existing["status"] != "refused":
        return public(_finish_fund_deposit(db, outbox, existing))
    household = store.find_household(db, estate_id, deposit["household_id"]) if deposit.get("household_id") else None
    building = str((household or {}).get("building") or "").strip()
    if not building:
        return _reverse_fund_deposit(db, outbox, caller, estate_id, deposit, existing, data)
    # under the lock of its building's shared approvals: one that read the flat's account before
    # the deposit was taken back took its share of money no longer there (r8)
    with _held(db, _shared_uses_lock(db, estate_id, building, "reversal")):
        return _reverse_fund_deposit(db, outbox, caller, estate_id, deposit, existing, data, building)


def _refuse_while_half_done(db, estate_id, building, but=None):
    maintenance_fund.refuse_while_half_done(store.fund_account(db, estate_id, maintenance_fund.account_id(estate_id)),
                                            store.half_done_shared_uses(db, estate_id, building), but)


def _reverse_fund_deposit(db, outbox, caller, estate_id, deposit, existing, data, building=None):
    account = store.fund_account(db, estate_id, maintenance_fund.account_id(estate_id))  # read once, for both
    if building:  # a use of its building half-approved holds its share of the flat's money
        maintenance_fund.refuse_while_half_done(account, store.half_done_shared_uses(db, estate_id, building))
    rules, now = store.rules_for(db, estate_id), clock.now()
    reversal = maintenance_fund.deposit_reversal(deposit, data, now, rules, caller.user)
    if deposit.get("household_id"):  # nor below zero on the flat's own account (分户账)
        maintenance_fund.refuse_reversal_of_shared_money(
            deposit, store.fund_entries_of_households(db, estate_id, [deposit["household_id"]]))
    maintenance_fund.account_change(account or maintenance_fund.new_account(estate_id, now), reversal, now)
    if existing is not None:  # refused before (the balance then): asked again, decided again
        fields = {name: value for name, value in reversal.items() if name != "_id"}
        reversal = store.set_fund_entry(db, outbox, estate_id, reversal["_id"], "refused", fields)
    elif not store.insert_fund_entry(db, reversal):  # a twin call wrote it first
        reversal = store.find_fund_entry(db, estate_id, reversal["_id"])
    return public(_finish_fund_deposit(db, outbox, reversal))


def fund_use(db, outbox, caller, estate_id, data):
    """A use of the fund, requested (no money moves until it is approved), announced in its write
    (``fund_use_requested``; a retry finds it and announces nothing more). The work order it
    names, by id or number, must be one of the estate's: the gateway asked maintenance
    (``caller.work_order``), and says its id, number and priority (``caller.work_order_ref``): an
    emergency use is one of an emergency work order (``check_emergency``); an order the owner pays
    for is none of the fund's (``refuse_charged_to_owner``, 409)."""
    maintenance_fund.check_work_order(data, caller.work_order)
    maintenance_fund.check_emergency(data, caller.work_order_ref)
    maintenance_fund.refuse_charged_to_owner(data, caller.work_order_ref)
    data = maintenance_fund.with_work_order(data, caller.work_order_ref)
    entry_id = caller.created_id("mfu", estate_id)
    entry = store.find_fund_entry(db, estate_id, entry_id)
    if entry is None and data.get("work_order_id"):
        work_order_id = data["work_order_id"]
        # one request of the work order's at a time: two at once each saw none awaiting approval
        with _held(db, _waited_for(lambda now, until: store.lock_work_order_uses(db, estate_id, work_order_id, now,
                                                                                 until), HOUSEHOLD_LOCK_WAIT_SECONDS)):
            entry = store.find_fund_entry(db, estate_id, entry_id)
            if entry is None:
                others = store.fund_uses_of_work_orders(db, estate_id, [work_order_id])[work_order_id]
                # the new use is requested: the uses read before it are what was approved already
                return public(maintenance_fund.with_work_order_approved(
                    _new_use(db, outbox, caller, estate_id, entry_id, data, others), others))
    elif entry is None:
        entry = _new_use(db, outbox, caller, estate_id, entry_id, data)
    return public(_with_work_order_approved(db, estate_id, [entry])[0])


def _new_use(db, outbox, caller, estate_id, entry_id, data, others=()):
    def new():
        use = maintenance_fund.use(entry_id, estate_id, data, clock.now(), store.rules_for(db, estate_id),
                                   caller.user, others)
        if use["shared_by"]:  # someone shares it, in each unit it names: refused now, not at its approval
            flats = store.flats_sharing(db, estate_id, use["shared_by"]["building"], use["shared_by"]["units"])
            maintenance_fund.refuse_nobody_sharing(flats)
            maintenance_fund.refuse_unknown_units(use["shared_by"], flats)
        return use, [outbox.event("fund_use_requested", estate_id, maintenance_fund.use_requested_event_data(use))]

    return store.create(db, outbox, "fund_entries", estate_id, entry_id, new)


def list_fund_entries(db, estate_id, filters, limit=None, cursor=None):
    """A page of the fund's entries, each use with what was approved for its work order already."""
    page = store.list_fund_entries(db, estate_id, filters, limit, cursor)
    page["items"] = _with_work_order_approved(db, estate_id, page["items"])
    return page


def _with_work_order_approved(db, estate_id, entries):
    """``entries`` (as stored or as listed), each use with its work order's other approved uses:
    one read for every work order named."""
    named = {e.get("work_order_id") for e in entries if e.get("kind") == "use"} - {None}
    uses = store.fund_uses_of_work_orders(db, estate_id, named) if named else {}
    return [maintenance_fund.with_work_order_approved(e, uses.get(e.get("work_order_id"), [])) for e in entries]


def decide_fund_use(db, outbox, caller, estate_id, entry_id, decision, data):
    """Approve (the balance down first, never below zero: 422) or reject a requested use; once,
    announced in the write that decides it (``fund_use_approved``, ``fund_use_rejected``). An
    approval stopped between its two writes is finished, and announced, by approving again.
    Answered as the list and the request show a use (with its work order's other approved uses)."""
    entry = store.get_fund_entry(db, estate_id, entry_id)
    if writes.sent_again(entry):  # decided by this call, its answer lost: not a 409 "decided already"
        return public(_with_work_order_approved(db, estate_id, [entry])[0])
    rules, now = store.rules_for(db, estate_id), clock.now()
    fields = maintenance_fund.decision(entry, decision, data, now, rules, caller.user, caller.roles)
    account = _fund_account(db, outbox, estate_id)
    if decision == "approve" and maintenance_fund.taken(account, entry_id) is None:
        # its order as it is now, found the owner's since the request (r5 reviewing h5); an approval
        # half-done (its money taken) is finished, as it alone can be
        maintenance_fund.refuse_charged_to_owner(entry, caller.work_order_ref)
    if decision == "approve" and entry.get("shared_by"):
        # one building's shared uses approved one at a time: two at once each read the flats'
        # accounts before the other took its shares, and both were approved (h8)
        building = entry["shared_by"]["building"]
        with _held(db, _shared_uses_lock(db, estate_id, building)):
            fields |= _shared(db, estate_id, entry, data, rules)
            decided = _approve(db, outbox, estate_id, entry, fields, account, now)
    elif decision == "approve":
        decided = _approve(db, outbox, estate_id, entry, fields, account, now)
    elif maintenance_fund.taken(account, entry_id) is not None:
        raise Conflict("the use's approval is half-done (its money is taken): approve it again to finish it")
    else:
        # an approval marked longer ago than that died (a crash): what it took, the fund says
        decided = store.reject_fund_use(db, outbox, estate_id, entry_id, fields,
                                        clock.to_iso(now - timedelta(seconds=APPROVAL_SECONDS)),
                                        [_fund_use_decided(outbox, entry | fields)])
        if decided["status"] == "requested":
            raise Conflict("the use is being approved just now: look at it again in a minute, and approve it again if it still awaits a decision")
    if decided["status"] != fields["status"]:
        raise Conflict(f"the use was {decided['status']} meanwhile")
    return public(_with_work_order_approved(db, estate_id, [decided])[0])


def _shared_uses_lock(db, estate_id, building, held_for="approval"):
    """The lock of ``building``'s shared uses' approvals (and its flats' deposits' reversals:
    ``held_for``), waited for a moment as a household's (``_take_household_lock``)."""
    return _waited_for(lambda now, until: store.lock_shared_uses(db, estate_id, building, now, until, held_for),
                       HOUSEHOLD_LOCK_WAIT_SECONDS)


def _approve(db, outbox, estate_id, entry, fields, account, now):
    """The use approved: marked before the money goes (a rejection that read the fund before then is
    refused, not written over an approval that took the money: the fund held less than its entries
    said), the balance down, the use written approved with its event; the use as it is then."""
    entry_id = entry["_id"]
    mark = f"{clock.to_iso(now)} {ids.new_id('appr')}"
    if not store.begin_fund_approval(db, estate_id, entry_id, mark):
        raise Conflict(f"the use was {store.get_fund_entry(db, estate_id, entry_id)['status']} meanwhile")
    try:
        account = store.change_fund_account(db, outbox, estate_id, account["_id"],
                                            lambda current: _fund_account_change(db, current, entry, now))
    except (BusinessRuleViolation, Conflict):  # nothing taken
        store.end_fund_approval(db, estate_id, entry_id, mark)
        raise
    fields["balance_after_cents"] = maintenance_fund.taken(account, entry_id)
    return store.set_fund_entry(db, outbox, estate_id, entry_id, "requested", fields,
                                [_fund_use_decided(outbox, entry | fields)])


def _shared(db, estate_id, use, data, rules):
    """A shared use's owners' decision (checked against the flats sharing it) and its apportionment
    to them by floor area, each flat's share within what its own account holds (422 before
    anything is taken otherwise)."""
    shared = use["shared_by"]
    _refuse_while_half_done(db, estate_id, shared["building"], use["_id"])
    flats = store.flats_sharing(db, estate_id, shared["building"], shared.get("units"))
    maintenance_fund.refuse_nobody_sharing(flats)  # once, before the decision and the shares are worked out
    decided = maintenance_fund.owners_decision(use, data.get("owners_decision"), flats, rules)
    entries = store.fund_entries_of_households(db, estate_id, [flat["_id"] for flat in flats])
    entries = [e for e in entries if e["_id"] != use["_id"]]
    balances = {flat["_id"]: maintenance_fund.household_balance(entries, flat["_id"]) for flat in flats}
    return {"owners_decision": decided, "apportionment": maintenance_fund.apportionment(use, flats, balances)}


def fund_household_account(db, estate_id, household_id):
    """A flat's own account in the fund (分户账, ``maintenance_fund.household_account``)."""
    if store.find_household(db, estate_id, household_id) is None:
        raise NotFound("no such household in this estate")
    entries = store.fund_entries_of_households(db, estate_id, [household_id])
    return maintenance_fund.household_account(estate_id, household_id, entries)


def _fund_use_decided(outbox, use):
    """The event of the write that decides ``use`` (its caller decided it)."""
    data = maintenance_fund.use_decided_event_data(use)
    if use["status"] == "approved":
        return outbox.event("fund_use_approved", use["estate_id"], data)
    return outbox.event("fund_use_rejected", use["estate_id"], data)


def fund_statement(db, estate_id, period):
    """The fund's statement of a month, quarter or year begun."""
    _refuse_report_period(db, estate_id, period)
    before, during = store.fund_entries_before_and_of_period(db, estate_id, period)
    return maintenance_fund.statement(estate_id, period, before, during, clock.now())


def record_expense(db, event):
    store.keep_expense(db, reports.expense_from_work_order(event, store.rules_for(db, event["estate_id"])))


# -- journals and settlements -------------------------------------------------------------------

def settle_day(db, outbox, caller, estate_id, data):
    """A cashier's day closed with its totals, or a shift's settlement of today (交班, ``closes_day:
    false``) leaving it open, each covering the day's entries since the previous one
    (``journals.uncovered``); one past ``recorded_within_days`` only when it has
    entries (a late settlement, marked ``late``: ``journals.check_settlement``), announced in the
    settlement's insert (``day_settled_late``)."""
    rules, now = store.rules_for(db, estate_id), clock.now()
    today, within = periods.day_of(now, rules), rules["recorded_within_days"]
    late = journals.check_settlement(data, today, caller.user, caller.roles, within)
    journals.refuse_a_shift_of_a_day_over(data, today)
    with journal_day(db, estate_id, data["cashier"], data["date"]):  # no entry of the day is under way
        _finish_day(db, outbox, estate_id, data["cashier"], data["date"])
        entries = store.entries_of_day(db, estate_id, data["cashier"], data["date"])
        if late:
            journals.refuse_an_empty_late_day(data, entries, today, within)
        if not entries and data["cashier"] != caller.user and not store.has_entries(db, estate_id, data["cashier"]):
            raise journals.unknown_cashier()
        shifts = store.shifts_of_day(db, estate_id, data["cashier"], data["date"])
        if not journals.closes_day(data):
            # this call's own shift, its answer lost: any of the day's, not only the last (a later shift
            # settled meanwhile, the call sent again made a shift of its own; found by review r9 of h9)
            own = next((shift for shift in shifts if writes.sent_again(shift)), None)
            if own is not None:
                return public(own)
            if _settled(db, estate_id, data["cashier"], data["date"]):
                raise Conflict(f"{data['cashier']}'s day {data['date']} is settled already")
        settlement = journals.settlement(estate_id, data, journals.uncovered(entries, shifts), now, caller.user,
                                         late=late, shifts=shifts,
                                         float_cents=drawer_float(db, estate_id, data["date"], rules, now))
        events = [outbox.event("day_settled_late", estate_id, journals.late_settlement_data(settlement))] if late else []
        settlement = store.insert_settlement(db, outbox, settlement, events)
    return public(settlement)


def drawer_float(db, estate_id, day, rules, now):
    """The float (备用金) a cashier's ``day`` is counted with: the estate's ``cash_float_cents`` in force
    at the day's end (the settings' history), today's for a day not over. A day settled the next day
    (日结 late), the float changed that morning, was counted with the new one, read short or over by
    the change and an explanation asked for money nobody lost (found by review r4)."""
    end = calendar.day_start(date.fromisoformat(day) + timedelta(days=1), rules["timezone"])
    if end > now:
        return rules["cash_float_cents"]
    return store.rules_as_of(db, estate_id, clock.to_iso(end))["cash_float_cents"]


def unsettled_days(db, estate_id, filters, limit=None, cursor=None):
    """The past days of the estate's cashiers (of ``filters["cashier"]``) with journal entries and
    no settlement, the oldest first, each with its totals and whether its settlement would be late
    (``journals.unsettled_day``). Read from the days marked as entries are written
    (``store.journal_days_ready``); a day whose settlement a crash kept from marking it is marked
    now, and one marked with no entry (a crash before its entry) is left out, as is one whose shifts'
    settlements (交班) covered every entry (``journals.uncovered``); a day with shifts is listed with
    the totals of what they left."""
    rules, now = store.rules_for(db, estate_id), clock.now()
    today, within = periods.day_of(now, rules), rules["recorded_within_days"]
    store.journal_days_ready(db, estate_id)
    marked = store.open_journal_days(db, estate_id, today, filters.get("cashier"))
    ids_of = {journals.settlement_id(estate_id, day["cashier"], day["day"]): day for day in marked}
    for settled in store.settled_among(db, estate_id, ids_of):
        day = ids_of.pop(settled)
        store.mark_journal_day(db, estate_id, day["cashier"], day["day"], settled=True)
    # a day whose shifts' settlements (交班) covered every entry has nothing left open: left out before
    # the page is cut, and put aside once (under its lock: no entry is being written to it), where a
    # first page of such days came back empty with the days left unsettled behind it and each was read
    # again on every ask (found by review r9 of h9)
    with_shifts = store.shift_days(db, estate_id, {day["day"] for day in ids_of.values()})
    for settlement_id, day in list(ids_of.items()):
        if (day["cashier"], day["day"]) in with_shifts and not _uncovered_of_day(db, estate_id, day["cashier"], day["day"]):
            with journal_day(db, estate_id, day["cashier"], day["day"]):
                if not _uncovered_of_day(db, estate_id, day["cashier"], day["day"]):
                    store.mark_journal_day_covered(db, estate_id, day["cashier"], day["day"])
                    del ids_of[settlement_id]
    ordered = sorted(ids_of.values(), key=lambda day: (day["day"], day["_id"]))
    page = page_computed(ordered, lambda day: (f"{day['day']}T00:00:00.000Z", day["_id"]), limit, cursor)
    items = []
    for day in page["items"]:
        entries = _uncovered_of_day(db, estate_id, day["cashier"], day["day"])
        if entries:  # a day marked with no entry (a crash before its entry) is left out
            items.append(journals.unsettled_day(day["cashier"], day["day"], entries, today, within))
    return {"items": items, "next_cursor": page["next_cursor"]}


def _uncovered_of_day(db, estate_id, cashier, day):
    """The day's entries no shift's settlement of it covers (``journals.uncovered``)."""
    return journals.uncovered(store.entries_of_day(db, estate_id, cashier, day),
                              store.shifts_of_day(db, estate_id, cashier, day))


def _finish_day(db, outbox, estate_id, cashier, day):
    """What a crash left half-done on the day, finished as its writer would have, so that its
    settlement counts it: finished after the settlement (by the sweep, a retry, the household's
    next payment), its entry landed on a day closed without it. A household busy with a live
    writer makes the settlement a 409 (try again)."""
    half_done = store.half_done_of_day(db, estate_id, cashier, day)
    for payment in half_done["payments"]:
        with household(db, outbox, estate_id, payment["household_id"]):  # finishes the household's half-done
            pass
    for move in half_done["moves"]:
        try:
            _finish_or_refuse(db, outbox, move)
        except BusinessRuleViolation:  # refused and marked so: no entry
            pass
    for deposit in half_done["deposits"]:
        _finish_refund(db, outbox, deposit)
    for hold in half_done["seller_prepaid"]:
        _finish_seller_refund(db, outbox, hold)
    for deposit in half_done["deductions_reversals"]:
        _finish_deductions_reversal(db, outbox, deposit)
    for receipt in half_done["revenue_reversals"]:
        try:
            _finish_revenue_reversal(db, outbox, receipt)
        except BusinessRuleViolation:  # refused and put back: no entry
            pass
    for contract, refund_id in half_done["revenue_refunds"]:
        try:
            _finish_revenue_refund(db, outbox, contract, refund_id)
        except BusinessRuleViolation:  # refused and marked so: no entry
            pass
    for collection in half_done["pass_through_collections"]:  # 代收 (found by r6 reviewing h6)
        _finish_pass_through_collection(db, outbox, collection)
    for remittance in half_done["pass_through_remittances"]:  # 代缴
        try:
            _finish_pass_through_remittance(db, outbox, remittance)
        except BusinessRuleViolation:  # another batch took its collections: taken away, no entry
            pass
    for reversal in half_done["pass_through_reversals"]:  # 冲销代收款 (h4)
        try:
            _finish_pass_through_reversal(db, outbox, reversal)
        except Conflict:  # a remittance took its collection first: taken away, no entry
            pass


def reconciliation_report(db, estate_id, period):
    """The reconciliation of a month, or of a quarter or year read as their months together (the
    KPIs' periods: ``calendar.period_bounds``)."""
    now = clock.now()
    rules = store.rules_of(db, estate_id, _refuse_report_period(db, estate_id, period, now))
    start, end = calendar.period_bounds(period, rules["timezone"])
    entries = store.entries_of_period(db, estate_id, period)
    collected = store.bills_by_id(db, estate_id, [e["ref_id"] for e in journals.collected_charges(entries)])
    return journals.reconciliation(
        estate_id, period, entries, store.payments_of_period(db, estate_id, period),
        store.bills_allocated_between(db, estate_id, start, end), start, end,
        store.settled_pairs_of_period(db, estate_id, period)
        | journals.covered_days(entries, store.shifts_of_period(db, estate_id, period)), now,
        store.top_ups_of_period(db, estate_id, period), collected,
        store.revenue_receipts_of_period(db, estate_id, period),
        store.pass_through_collections_of_period(db, estate_id, period)) | {
        "arrears_recovered": arrears_recovered(db, estate_id, period, rules, clock.to_iso(now)),
        "arrears_carried_out": arrears_carried_out(db, estate_id, period, rules, clock.to_iso(now)),
        "cash_differences": journals.cash_differences(store.drawer_differences_of_period(db, estate_id, period)),
        "bank_statement": _bank_statement_summary(db, estate_id, period, rules, entries)}


# -- the bank statement matched (银行对账: bank_statements.py) --------------------------------------

def start_bank_statement_import(db, caller, estate_id, data):
    """The estate account's statement of a month, read and put in place of the month's lines by a
    job (as the takeover lists are): the file measured now (400 over the caps, or no line)."""
    jobs.require_may_start(BANK_STATEMENT_IMPORT, caller)
    rules, now = store.rules_for(db, estate_id), clock.now()
    periods.refuse_before_catch_up(data["period"], now, rules)
    bank_statements.refuse_not_begun(data["period"], periods.period_of(now, rules))
    content = bank_statements.decode(data["content_base64"])
    lines = bank_statements.check(content)
    job_id = jobs.created_id(caller, "finance", estate_id, BANK_STATEMENT_IMPORT)
    job = jobs.create(db, job_id, estate_id, BANK_STATEMENT_IMPORT,
                      {"format": "csv", "rows": lines, "period": data["period"]},
                      caller.user, input={"content_base64": data["content_base64"]})
    return jobs.public(job)


def import_bank_statement(db, job, progress):
    """The job's work: the file's lines replace the month's statement (natural ids: the same file
    again writes nothing twice), what the accountant confirmed or explained of a line kept while it
    reads the same (``bank_statements.merge_upload``). Its result counts lines and refusals, never a cell."""
    estate_id, period = job["estate_id"], job["params"]["period"]
    first, last = f"{period}-01", f"{period}-31"  # a day of the month: sheet_dates reads only real days
    content = bank_statements.decode(job["_input"]["content_base64"])
    lines, errors = bank_statements.read_statement(content, estate_id, period, first, last)
    with bank_statement_lock(db, estate_id, period):
        merged = bank_statements.merge_upload(store.statement_lines(db, estate_id, period), lines)
        removed = store.replace_statement(db, estate_id, period, merged)
    progress(len(lines) + len({e["row"] for e in errors}))
    return {"rows": job["params"]["rows"], "lines": len(merged), "removed": removed,
            "kept": sum(1 for line in merged if line.get("confirmed_entry") or line.get("explained")),
            "rejected": len({e["row"] for e in errors}), "errors": errors[:100]}


@contextmanager
def bank_statement_lock(db, estate_id, period):
    """The month's statement held while its lines are read and written (an upload, a confirmation,
    an explanation): two accountants confirming one entry for two lines at once each read the lines
    before the other wrote and the entry was confirmed twice; an upload read before a confirmation
    was written put the line back without it (found by review r14 of h14)."""
    with _held(db, _waited_for(lambda now, until: store.lock_bank_statement(db, estate_id, period, now, until),
                               HOUSEHOLD_LOCK_WAIT_SECONDS)):
        yield


def _bank_matching(db, estate_id, period, rules, entries=None):
    """``(lines, report)``: the month's statement matched to its bank journal's entries."""
    # a deposit's deduction kept (retained) is no money at the bank: no statement line would ever match it
    entries = bank_statements.at_the_bank([
        e for e in (entries if entries is not None else store.entries_of_period(db, estate_id, period))
        if e["journal"] == "bank" and journals.moved_money(e)])
    references = store.transaction_ids(db, estate_id, {e["ref_id"] for e in entries if e["kind"] in ("payment", "reversal")})
    entries = [{**e, "reference": references.get(e["ref_id"])} for e in entries]
    lines = store.statement_lines(db, estate_id, period)
    return lines, bank_statements.match(lines, entries, rules["bank_match_window_days"])


def _bank_statement_summary(db, estate_id, period, rules, entries):
    if len(calendar.months_of(period)) != 1:  # a quarter's or year's: its months' statements are matched each
        return None
    lines, report = _bank_matching(db, estate_id, period, rules, entries)
    return bank_statements.summary(lines, report)


def bank_reconciliation(db, caller, estate_id, period):
    """The month's statement lines matched, left unmatched and explained, and its bank entries left (GET)."""
    bank_statements.require_reader(caller.roles)
    _refuse_report_period(db, estate_id, period)
    rules = store.rules_for(db, estate_id)
    _lines, report = _bank_matching(db, estate_id, period, rules)
    return bank_statements.public_report(estate_id, period, rules["bank_match_window_days"], report, caller.roles,
                                         clock.to_iso(clock.now()))


def confirm_bank_match(db, caller, estate_id, line_id, data):
    """A suggested match (or another entry of the line's money) confirmed by the accountant; a line
    confirmed as another entry already only with ``replaces`` (409, ``bank_statements.refuse_replacing``)."""
    bank_statements.require_reader(caller.roles)
    period = store.get_statement_line(db, estate_id, line_id)["period"]
    with bank_statement_lock(db, estate_id, period):
        line = store.get_statement_line(db, estate_id, line_id)  # read again under the lock
        entries = {e["_id"]: e for e in bank_statements.at_the_bank(
            [e for e in store.entries_of_period(db, estate_id, period) if e["journal"] == "bank"])}
        entry = entries.get(data["entry_id"])
        if entry is None:
            raise NotFound(f"no bank journal entry {data['entry_id']} of {period}",
                           [field_error("data.entry_id", "names no bank journal entry of the statement's month")])
        bank_statements.refuse_replacing(line, entry, data.get("replaces"))
        fields = bank_statements.confirmation(line, entry, store.statement_lines(db, estate_id, period),
                                              caller.user, clock.to_iso(clock.now()))
        line = store.set_statement_line(db, estate_id, line_id, fields)
    return bank_statements.public_statement_line(line, caller.roles)


def explain_bank_line(db, caller, estate_id, line_id, data):
    """A line with no entry explained (bank interest, a fee, money not the estate's), with its note."""
    bank_statements.require_reader(caller.roles)
    period = store.get_statement_line(db, estate_id, line_id)["period"]
    with bank_statement_lock(db, estate_id, period):
        line = store.get_statement_line(db, estate_id, line_id)  # read again under the lock
        if writes.sent_again(line):  # this keyed call's note, its answer lost: as it is, not kept twice (review r4)
            return bank_statements.public_statement_line(line, caller.roles)
        fields = bank_statements.explanation(line, data, caller.user, clock.to_iso(clock.now()))
        marks = writes.call_marks(line)
        line = store.set_statement_line(db, estate_id, line_id, fields | ({writes.STEPS: marks} if marks else {}))
    return bank_statements.public_statement_line(line, caller.roles)


def arrears_recovered(db, estate_id, period, rules, now, taken_off=None):
    """清欠 of ``period`` up to its end, or to ``now`` (ISO) while it runs: the arrears carried into it
    (as of its eve) and what was paid on them within it (``arrears.recovered_in``). Kept while no bill
    is written (``arrears_view.kept``): a period over under its own end, a running one under a key of
    its own (its figure up to now is the one up to when it was computed, no bill written since).
    ``taken_off``: the reader of the estate's bills taken off (``store.taken_off_bills``) when the caller
    reads them too, once (the KPI view)."""
    taken_off = taken_off or partial(store.taken_off_bills, db, estate_id)
    period_end = calendar.period_bounds(period, rules["timezone"])[1]
    end = min(period_end, now)
    begins = calendar.period_window(period, rules["timezone"])[0]  # a month's, quarter's, year's or ISO week's
    start, eve = clock.to_iso(begins), periods.day_of(begins - timedelta(milliseconds=1), rules)
    if end <= start:  # not begun: nothing carried in yet ("no data")
        return arrears.recovered_in([], [], start, start, eve)

    def compute(up_to=end):
        reversed_ones = taken_off()
        return arrears.recovered_in(store.bills_owing_at(db, estate_id, start, reversed_ones), reversed_ones, start,
                                    up_to, eve)
    if period_end <= now:  # a period over: kept while no bill is written (its KPIs and its report)
        return arrears_view.kept(db, estate_id, ("recovered", period, end), compute)
    # a period running, kept too under one key of its own (its start: a timezone corrected moves it):
    # up to now it recovered what it had up to the moment computed while no bill was written since
    # (a payment, a reversal, a cancellation write the bills they change, moving their version); the
    # dashboard's month read the estate's bills owing at its start at each ask (0.5 s at 120,000).
    # Computed with every allocation written by the version ``kept`` reads first (those of a running
    # period are all before its end), not up to ``now``: a report reads ``now`` as it begins, and a
    # payment posted after it but before the version was read was left out under that version, for
    # good while no other bill was written; a clock read after the version missed one stamped in
    # the same millisecond (found by review)
    return arrears_view.kept(db, estate_id, ("recovered", period, "running", start), lambda: compute(period_end))


def arrears_carried_out(db, estate_id, period, rules, now):
    """The arrears ``period`` carries out, as of its last local day (``arrears.carried_out``): the next
    period's carried in, read the same way; None while it runs (not known before its end). Kept while
    no bill is written, as what it recovered is."""
    end = calendar.period_bounds(period, rules["timezone"])[1]
    if end > now:
        return None
    last_day = periods.day_of(clock.parse_iso(end) - timedelta(milliseconds=1), rules)

    def compute():
        reversed_ones = store.taken_off_bills(db, estate_id)
        return arrears.carried_out(store.bills_owing_at(db, estate_id, end, reversed_ones), reversed_ones, end,
                                   last_day)
    return arrears_view.kept(db, estate_id, ("carried_out", period, end), compute)


def arrears_carried_out_across(db, caller, period, estate_ids):
    """结转下期欠费 of each of ``estate_ids`` (the gateway's ``GET /api/v1/reports/arrears-carried-out``,
    the operator's finance across estates, asks them in parts): ``{"period", "estates": {estate_id:
    {"arrears_carried_out": …}}}``, each as its reconciliation says it (``arrears_carried_out``: None
    while the period runs on its calendar), or ``{"refused": {status, code, detail}}``: the estate's own
    refusal of the period (``_refuse_report_period``: not begun, before its records), which is that
    estate's, not the call's. Each estate is checked against the caller's estates (403) before
    anything of it is read. It was in the reconciliation of one estate at a time only (found by h6)."""
    now = clock.now()
    estates = {}
    for estate_id in estate_ids:
        caller.require_estate(estate_id)
        try:
            rules = store.rules_of(db, estate_id, _refuse_report_period(db, estate_id, period, now))
        except (BusinessRuleViolation, NotFound) as refusal:
            estates[estate_id] = {"refused": {"status": refusal.status, "code": refusal.code,
                                              "detail": refusal.detail}}
        else:
            estates[estate_id] = {"arrears_carried_out": arrears_carried_out(db, estate_id, period, rules,
                                                                             clock.to_iso(now))}
        time.sleep(0)  # the service's other calls run between estates (estate_common.kpis.per_estate)
    return {"period": period, "estates": estates}


def disclosure_report(db, estate_id, period):
    """The income and expense disclosure of a month, quarter or year begun (each published once ended)."""
    return _disclosure(db, estate_id, period, calendar.timezone_of(_refuse_report_period(db, estate_id, period)))


def _disclosure(db, estate_id, period, timezone):
    """The report, with the prepaid money (预收) of the period: its balance at the period's start and end on
    the estate's calendar (``timezone``), and what moved it (``reports.prepaid``); and the special
    maintenance fund's period (``maintenance_fund.disclosed``), a ledger of its own beside it."""
    start, end = calendar.period_bounds(period, timezone)
    prepaid = reports.prepaid(reports.prepaid_moves(*store.prepaid_history(db, estate_id, start, end)), start, end)
    before, during = store.fund_entries_before_and_of_period(db, estate_id, period)
    fund = maintenance_fund.disclosed(maintenance_fund.statement(estate_id, period, before, during, clock.now()), during)
    return reports.disclosure(estate_id, period, list(store.bills_of_period(db, estate_id, period)),
                              store.expenses_of_period(db, estate_id, period), clock.now(),
                              store.operating_expenses_of_period(db, estate_id, period), prepaid,
                              store.deductions_of_period(db, estate_id, period),
                              store.revenue_receipts_of_period(db, estate_id, period),
                              store.revenue_reversals_of_period(db, estate_id, period)
                              + public_revenue.refunds_disclosed(store.revenue_refunds_of_period(db, estate_id, period),
                                                                 calendar.months_of(period)),
                              store.pass_through_fees_of_period(db, estate_id, period)) | {
        "maintenance_fund": fund}


def _refuse_report_period(db, estate_id, period, now=None):
    """Every finance period report's check (``replica.refuse_report_period``, every service's): begun,
    and not ended before the estate's records can begin (its registration less ``catch_up_months``
    at most, the farthest a billing run reaches back). A report of 1900 answered zeros, as one of
    2999 did. The estate's copy, read once for its calendar and its registration (and the rules of
    a report that needs them: ``store.rules_of``)."""
    estate = store.estate(db, estate_id)
    replica.refuse_report_period(estate, period, now or clock.now())
    return estate


def record_operating_expense(db, outbox, caller, estate_id, data):
    """A cost recorded once (a retry with the caller's Idempotency-Key finds it) and announced in
    its write (``operating_expense_recorded``)."""
    expense_id = caller.created_id("opx", estate_id)
    found = store.find_operating_expense(db, estate_id, expense_id)
    if found:
        return public(found)
    rules, now = store.rules_for(db, estate_id), clock.now()
    periods.refuse_before_catch_up(data["period"], now, rules)
    if data.get("contractor_id"):
        reports.refuse_unknown_contractor(caller.contractor)
    if not data.get("contractor_id"):
        expense = reports.operating_expense(expense_id, estate_id, data, periods.period_of(now, rules), now,
                                            caller.user)
        return public(store.create(db, outbox, "operating_expenses", estate_id, expense_id, lambda: (expense, [
            outbox.event("operating_expense_recorded", estate_id, reports.recorded_event_data(expense))])))
    # a contractor's month: its costs read and the invoice written under the month's lease (found by
    # r5 reviewing h5: two typed at once each read none and both were recorded); a retry waiting behind
    # its own first finds it
    with contractor_month(db, estate_id, data["contractor_id"], data["period"]):
        found = store.find_operating_expense(db, estate_id, expense_id)
        if found:
            return public(found)
        costs = store.contractor_costs(db, estate_id, data["contractor_id"], data["period"])
        expense = reports.operating_expense(expense_id, estate_id, data, periods.period_of(now, rules), now,
                                            caller.user, costs)
        return public(store.create(db, outbox, "operating_expenses", estate_id, expense_id, lambda: (expense, [
            outbox.event("operating_expense_recorded", estate_id, reports.recorded_event_data(expense))])))


@contextmanager
def contractor_month(db, estate_id, contractor_id, period):
    """A contractor's month's costs held while they are read and one is written: an invoice typed by
    hand (``reports.refuse_contractor_month_twice``) and the signed month's (its ``duplicate_of``), one
    at a time (found by r5 reviewing h5: both read none of the other and both stood, unflagged)."""
    with _held(db, _waited_for(lambda now, until: store.lock_contractor_month(db, estate_id, contractor_id, period,
                                                                              now, until),
                               HOUSEHOLD_LOCK_WAIT_SECONDS)):
        yield


def record_contractor_month(db, outbox, event):
    """A contractor's month the manager signed in customer service (``contractor_month_signed``,
    环境卫生 / 绿化养护品质检查): the monthly fee less the deduction is the estate's operating cost of that
    month (``reports.contractor_month_expense``), recorded once under the month's own id however often
    the event is delivered (found by h2: finance read none of it), announced as any cost recorded
    (``operating_expense_recorded``)."""
    month = event["data"]
    with contractor_month(db, event["estate_id"], month["contractor_id"], month["period"]):
        expense = reports.contractor_month_expense(
            event, [cost for cost in store.contractor_costs(db, event["estate_id"], month["contractor_id"],
                                                            month["period"])
                    if cost.get("_contractor_month") != month["id"]])
        store.create(db, outbox, "operating_expenses", event["estate_id"], expense["_id"], lambda: (expense, [
            outbox.event("operating_expense_recorded", event["estate_id"], reports.recorded_event_data(expense))]))


def reverse_operating_expense(db, outbox, caller, estate_id, expense_id, data):
    """A cost recorded wrong, reversed (冲销): it stays listed with its reversal, and the period's
    totals leave it out; a disclosure published with it is corrected by publishing again. A retry
    with the caller's Idempotency-Key finds the reversal it made; another reversal is a 409. The
    reversal is announced in its write (``operating_expense_reversed``)."""
    key = caller.idempotency_key and caller.created_id("oxr", estate_id)
    now = clock.now()

    def reverse(current):
        if key and current.get("reversal") and current.get("_reversal_key") == key:
            return None  # a retry: its reply was lost on the way
        fields = reports.expense_reversal(current, data["reason"], now, caller.user, key)
        return Change(fields, events=[outbox.event("operating_expense_reversed", estate_id,
                                                   reports.reversed_event_data(current | fields))])

    found = store.find_operating_expense(db, estate_id, expense_id)
    if not (found and found.get("contractor_id")):
        return public(store.change_operating_expense(db, outbox, estate_id, expense_id, reverse))
    # a contractor's month's cost: a signed month's naming it as what it repeats names it no more, in
    # the month's lease (found by r5 reviewing h5: the invoice reversed, the signed one was still listed
    # a duplicate and was reversed too, the month's cost gone); a retry finishes what a crash left
    with contractor_month(db, estate_id, found["contractor_id"], found["period"]):
        reversed_ = store.change_operating_expense(db, outbox, estate_id, expense_id, reverse)
        standing = {cost["_id"] for cost in store.contractor_costs(db, estate_id, found["contractor_id"],
                                                                   found["period"])}
        for repeating in store.costs_repeating(db, estate_id, expense_id):
            store.change_operating_expense(db, outbox, estate_id, repeating["_id"], lambda current: Change(
                {"duplicate_of": [id_ for id_ in current["duplicate_of"] if id_ in standing] or None}))
        return public(reversed_)


# -- public revenue (公共收益) ------------------------------------------------------------------------

def register_revenue_contract(db, outbox, caller, estate_id, data):
    """A contract of a common part's use (``public_revenue.contract``), registered once (a retry with the
    caller's Idempotency-Key finds it) and announced in its write (``public_revenue_contract_registered``)."""
    contract_id = caller.created_id("prc", estate_id)
    found = store.find_revenue_contract(db, estate_id, contract_id)
    if found:
        return public(found)
    contract = public_revenue.contract(contract_id, estate_id, data, clock.now(), caller.user)
    return public(store.create(db, outbox, "revenue_contracts", estate_id, contract_id, lambda: (contract, [
        outbox.event("public_revenue_contract_registered", estate_id, public_revenue.contract_event_data(contract))])))


def _named_revenue_contract(db, estate_id, contract_id):
    contract = store.find_revenue_contract(db, estate_id, contract_id)
    if contract is None:
        raise NotFound("no such public revenue contract in this estate")
    return contract


def record_revenue_receipt(db, outbox, caller, estate_id, contract_id, data):
    """Income received against a contract (``public_revenue.receipt``): written ``pending`` on the cashier's
    open day (422 once settled, as a payment), then finished (``_finish_revenue_receipt``): its journal
    entry, the owners' part into the maintenance fund, the receipt posted and announced. Once per
    Idempotency-Key; a retry, or the half-done sweep, finishes what a crash left."""
    receipt_id = caller.created_id("prr", estate_id)
    existing = store.find_revenue_receipt(db, estate_id, receipt_id)
    if existing is None:
        contract = _named_revenue_contract(db, estate_id, contract_id)
        public_revenue.refuse_cancelled(contract)
        rules, now = store.rules_for(db, estate_id), clock.now()
        with open_journal_day(db, estate_id, caller.user, periods.day_of(now, rules)):
            existing = store.find_revenue_receipt(db, estate_id, receipt_id)
            if existing is None:
                receipt = public_revenue.receipt(receipt_id, contract, data, now, rules, caller.user)
                # claimed on the contract first (a cancellation at the same moment: one wins, h5)
                store.change_revenue_contract(db, outbox, estate_id, contract_id, lambda current: Change(
                    public_revenue.receipt_claim(current, receipt_id, clock.now_iso())), keyed=False)
                store.insert_revenue_receipt(db, receipt | {"status": "pending"})
                existing = store.find_revenue_receipt(db, estate_id, receipt_id)
                if existing["status"] == "pending":
                    _confirm_receipt_claim(db, outbox, existing)
                    store.insert_entry(db, journals.public_revenue_entry(existing))
    return public(_finish_revenue_receipt(db, outbox, existing))


def _confirm_receipt_claim(db, outbox, receipt):
    """A pending receipt's claim on its contract written again once the receipt is (before its journal entry and the
    fund's deposit): a cancel deciding after this write sees the receipt; one decided before it (the claim gone
    stale, ``RECEIPT_CLAIM_STALE_SECONDS``, while the writer stalled between its claim and its receipt) has cancelled
    the contract, and the receipt is taken away and refused 409, nothing of it left. A writer stalled past the bound
    posted its receipt, its journal entry and the owners' part in the fund on a contract cancelled meanwhile (found by
    r6 reviewing h6)."""
    estate_id = receipt["estate_id"]
    try:
        store.change_revenue_contract(db, outbox, estate_id, receipt["contract_id"], lambda current: Change(
            public_revenue.receipt_claim(current, receipt["_id"], clock.now_iso())), keyed=False)
    except Conflict:  # taken away only when cancelled: a write that kept meeting others' is tried again
        if store.find_revenue_contract(db, estate_id, receipt["contract_id"])["status"] == "cancelled":
            store.drop_unconfirmed_revenue_receipt(db, estate_id, receipt["_id"])
        raise


def _finish_revenue_receipt(db, outbox, receipt):
    """The steps after a receipt's first write, each by a natural id, so a repeat has no second effect: its
    journal entry (the cashier's money in), the owners' part deposited into the fund's pool (a deposit of
    source ``public_revenue``, posted as any), and the receipt posted with ``public_revenue_received``.
    The fund refusing the deposit (its balance would pass the most it holds) ends the receipt
    ``fund_refused``: its money is in the journal and none of it in the fund, listed and counted (the
    reconciliation, the disclosure) for a manager to reverse; left ``pending``, every sweep tried it again
    and was refused again, for good, and nobody saw it (found by h3)."""
    if receipt["status"] != "pending":
        return receipt
    estate_id = receipt["estate_id"]
    if store.find_entry(db, estate_id, journals.public_revenue_entry(receipt)["_id"]) is None:
        _confirm_receipt_claim(db, outbox, receipt)  # a crash between the receipt and its confirmation (r6)
    store.insert_entry(db, journals.public_revenue_entry(receipt))  # False when written already
    fields = {"status": "posted"}
    if receipt["destination"] == "maintenance_fund" and receipt["owners_cents"] > 0:
        entry_id = ids.natural_id("mfd", estate_id, receipt["_id"])
        entry = store.find_fund_entry(db, estate_id, entry_id)
        if entry is None:
            rules = store.rules_for(db, estate_id)
            deposit = maintenance_fund.deposit(entry_id, estate_id, public_revenue.fund_deposit_data(receipt),
                                               clock.parse_iso(receipt["received_at"]), rules, receipt["cashier"])
            store.insert_fund_entry(db, deposit)
            entry = store.find_fund_entry(db, estate_id, entry_id)
        fields["fund_entry_id"] = entry_id
        try:
            _finish_fund_deposit(db, outbox, entry)
        except BusinessRuleViolation:  # the entry is marked refused: no retry or sweep changes that
            log.warning("the maintenance fund refused a public revenue receipt's owners' part: the receipt waits "
                        "for a manager's reversal")
            return store.post_revenue_receipt(db, outbox, estate_id, receipt["_id"], fields | {
                "status": public_revenue.FUND_REFUSED, "fund_refused_at": clock.to_iso(clock.now())})
    posted = receipt | fields
    return store.post_revenue_receipt(db, outbox, estate_id, receipt["_id"], fields, [
        outbox.event("public_revenue_received", estate_id, public_revenue.receipt_event_data(posted),
                     actor=receipt["cashier"])])


def reverse_revenue_receipt(db, outbox, caller, estate_id, receipt_id, data):
    """A receipt typed wrong taken back (``public_revenue.reversal``), never edited: planned
    ``reversal_pending`` on the manager's open day (422 once settled), refused (422) before anything is
    written when the fund no longer holds the owners' part (uses approved since took it: the fund's rule);
    then finished (``_finish_revenue_reversal``). A retry with the caller's Idempotency-Key answers it."""
    receipt = store.find_revenue_receipt(db, estate_id, receipt_id)
    if receipt is None:
        raise NotFound("no such public revenue receipt in this estate")
    if receipt["status"] != "reversal_pending" and not writes.sent_again(receipt):
        rules, now = store.rules_for(db, estate_id), clock.now()
        with open_journal_day(db, estate_id, caller.user, periods.day_of(now, rules)):
            # claimed on the contract first (a refund of its money at the same moment: one sees the other, r5)
            store.change_revenue_contract(db, outbox, estate_id, receipt["contract_id"], lambda current: Change(
                public_revenue.reversal_claim(current, receipt_id, clock.to_iso(now))), keyed=False)

            def plan(current):
                public_revenue.refuse_refunded(_named_revenue_contract(db, estate_id, current["contract_id"]),
                                               current["_id"])
                fund_reversal_id = None
                if current.get("fund_entry_id") and current["status"] == "posted":
                    fund_reversal_id = maintenance_fund.reversal_id(estate_id, current["fund_entry_id"])
                fields = public_revenue.reversal(current, data, now, rules, caller.user, caller.roles,
                                                 fund_reversal_id)
                if fund_reversal_id:  # the fund's rule, before anything is written: never below zero
                    account = store.fund_account(db, estate_id, maintenance_fund.account_id(estate_id))
                    deposit = store.get_fund_entry(db, estate_id, current["fund_entry_id"])
                    maintenance_fund.account_change(
                        account or maintenance_fund.new_account(estate_id, now),
                        maintenance_fund.deposit_reversal(deposit, {"reason": fields["reversal"]["reason"]}, now,
                                                          rules, caller.user, by_receipt=True), now)
                return Change(fields)

            receipt = store.change_revenue_receipt(db, outbox, estate_id, receipt_id, plan)
            return public(_finish_revenue_reversal(db, outbox, receipt))
    if receipt["status"] in public_revenue.REVERSIBLE and receipt.get("reversal_refused"):
        # this call's reversal was planned, then refused when finished (the fund no longer held the owners'
        # part) and the receipt put back: sent again with its key it is refused again, never a 200 with the
        # receipt standing as if it were reversed (r3)
        raise BusinessRuleViolation("the maintenance fund no longer holds the receipt's owners' part: its reversal "
                                    "was refused", [field_error("id", "reversal refused by the fund")])
    return public(_finish_revenue_reversal(db, outbox, receipt))


def _finish_revenue_reversal(db, outbox, receipt):
    """The steps after a reversal's plan, each by a natural id (a repeat has no second effect): the owners'
    part taken back out of the fund (its deposit's reversal, saying why: ``fund_reversal_reason``), the
    reversing journal entry, and ``reversed`` with ``public_revenue_reversed``. The fund refusing it by then
    (a use approved meanwhile took the money) puts the receipt back as it was, the reversal refused (422)."""
    if receipt["status"] != "reversal_pending":
        return receipt
    estate_id, reversal = receipt["estate_id"], receipt["reversal"]
    if reversal["fund_reversal_id"]:
        entry = store.find_fund_entry(db, estate_id, reversal["fund_reversal_id"])
        if entry is None or entry["status"] == "refused":
            deposit = store.get_fund_entry(db, estate_id, receipt["fund_entry_id"])
            made = maintenance_fund.deposit_reversal(
                deposit, {"reason": public_revenue.fund_reversal_reason(receipt)}, clock.parse_iso(reversal["at"]),
                store.rules_for(db, estate_id), reversal["by"], by_receipt=True)
            if entry is None:
                store.insert_fund_entry(db, made)
            else:  # refused before (the balance then): decided again
                store.set_fund_entry(db, outbox, estate_id, made["_id"], "refused",
                                     {name: value for name, value in made.items() if name != "_id"})
            entry = store.find_fund_entry(db, estate_id, reversal["fund_reversal_id"])
        try:
            _finish_fund_deposit(db, outbox, entry)
        except BusinessRuleViolation:
            store.change_revenue_receipt(db, outbox, estate_id, receipt["_id"], lambda current: Change(
                {"status": "posted", "reversal": None,
                 "reversal_refused": {**current["reversal"], "refused_at": clock.to_iso(clock.now())}})
                if current["status"] == "reversal_pending" else None, keyed=False)
            raise
    store.insert_entry(db, journals.public_revenue_reversal_entry(receipt))  # False when written already

    def done(current):
        if current["status"] != "reversal_pending":
            return None
        return Change({"status": "reversed"}, events=[outbox.event(
            "public_revenue_reversed", estate_id, public_revenue.reversed_event_data(current), actor=reversal["by"])])

    return store.change_revenue_receipt(db, outbox, estate_id, receipt["_id"], done, keyed=False)


def refund_revenue_contract(db, outbox, caller, estate_id, contract_id, data):
    """The money received for the periods after a contract's early end paid back (``public_revenue.refund``):
    planned on the contract (``refunds``, its revision-checked write: two refunds at once pay it once) on the
    manager's open day (422 once settled), refused (422) before anything is written when the fund no longer
    holds the owners' part to take back; then finished (``_finish_revenue_refund``). A retry with the caller's
    Idempotency-Key answers it, finishing what a crash left."""
    refund_id = caller.created_id("prf", estate_id)
    contract = _named_revenue_contract(db, estate_id, contract_id)
    if public_revenue.refund_of(contract, refund_id) is None:
        rules, now = store.rules_for(db, estate_id), clock.now()
        with open_journal_day(db, estate_id, caller.user, periods.day_of(now, rules)):
            def plan(current):
                if public_revenue.refund_of(current, refund_id) is not None:
                    return None
                receipts = store.revenue_receipts_of_contracts(db, estate_id, [contract_id], (
                    "amount_cents", "owners_cents", "status", "destination", "fund_entry_id", "received_at",
                    "reversal_refused"))
                made = public_revenue.refund(refund_id, current, receipts, data, now, rules, caller.user,
                                             caller.roles)
                taken = sum(part["owners_cents"] for part in made["parts"] if part["fund_reversal_id"])
                account = store.fund_account(db, estate_id, maintenance_fund.account_id(estate_id))
                held = (account or {}).get("balance_cents", 0)
                if taken > held:  # the fund's rule, before anything is written: never below zero
                    raise BusinessRuleViolation(
                        f"the fund holds {held} cents: taking back the owners' part of {taken} cents would leave it "
                        "below zero (what uses approved since took is spent)",
                        [field_error("id", "the owners' part is no longer in the fund")])
                return Change({"refunds": list(current.get("refunds") or []) + [made]})

            contract = store.change_revenue_contract(db, outbox, estate_id, contract_id, plan, keyed=False)
    return public(_finish_revenue_refund(db, outbox, contract, refund_id))


def _finish_revenue_refund(db, outbox, contract, refund_id):
    """The steps after a refund's plan, each by a natural id (a repeat has no second effect): each part's
    owners' part taken back out of the fund (a reversal of its receipt's deposit for that part, saying why),
    the refund's journal entry (money out, ``public_revenue_refund``), and the refund ``done`` with
    ``public_revenue_refunded`` in the contract's write."""
    refund = public_revenue.refund_of(contract, refund_id)
    if refund["status"] == "done":
        return contract
    if refund["status"] == "refused":  # sent again with its key: refused again, never a 200 (r5)
        raise BusinessRuleViolation("the maintenance fund no longer held the owners' part: this refund was refused",
                                    [field_error("id", "refund refused by the fund")])
    estate_id = contract["estate_id"]
    entries = []
    for part in refund["parts"]:
        if not part["fund_reversal_id"]:
            continue
        entry = store.find_fund_entry(db, estate_id, part["fund_reversal_id"])
        if entry is None:
            deposit = store.get_fund_entry(db, estate_id, part["fund_entry_id"])
            made = maintenance_fund.deposit_reversal(
                deposit, {"reason": public_revenue.fund_refund_reason(contract, refund)}, clock.parse_iso(refund["at"]),
                store.rules_for(db, estate_id), refund["by"], by_receipt=True)
            store.insert_fund_entry(db, made | {"_id": part["fund_reversal_id"], "amount_cents": part["owners_cents"],
                                                "refund_id": refund_id})
            entry = store.find_fund_entry(db, estate_id, part["fund_reversal_id"])
        entries.append(entry)
    _take_refund_parts(db, outbox, contract, refund_id, entries)
    for entry in entries:
        _finish_fund_deposit(db, outbox, store.find_fund_entry(db, estate_id, entry["_id"]))
    store.insert_entry(db, journals.public_revenue_refund_entry(refund | {"estate_id": estate_id}))  # once

    def done(current):
        found = public_revenue.refund_of(current, refund_id)
        if found["status"] == "done":
            return None
        finished = found | {"status": "done"}
        refunds = [finished if r["id"] == refund_id else r for r in current["refunds"]]
        return Change({"refunds": refunds}, events=[outbox.event(
            "public_revenue_refunded", estate_id, public_revenue.refunded_event_data(current, finished),
            actor=refund["by"])])

    return store.change_revenue_contract(db, outbox, estate_id, contract["_id"], done, keyed=False)


def _take_refund_parts(db, outbox, contract, refund_id, entries):
    """The owners' parts of a refund taken out of the fund in one write of its balance, all or none: the fund
    refusing them by then (a use approved since the plan took the money) marks them and the refund ``refused``
    (422; nothing paid back, counted nowhere), where the refund stayed ``pending`` for ever, counted as paid
    back, with no journal entry and some of its parts out of the fund (found by r5 reviewing h5)."""
    estate_id = contract["estate_id"]
    pending = [entry for entry in entries if entry["status"] == "pending"]
    refused = any(entry["status"] == "refused" for entry in entries)
    if pending and not refused:
        def take(current):
            account, changed = dict(current), False
            for entry in pending:
                change = _fund_account_change(db, account, entry, clock.now())
                if change is not None:
                    account, changed = account | change.set, True
            return Change({name: account[name] for name in ("balance_cents", "recent_entries", "updated_at")}) \
                if changed else None

        try:
            store.change_fund_account(db, outbox, estate_id, _fund_account(db, outbox, estate_id)["_id"], take)
            return
        except BusinessRuleViolation:
            refused = True
    if not refused:
        return
    for entry in pending:
        store.set_fund_entry(db, outbox, estate_id, entry["_id"], "pending", {"status": "refused"})

    def refuse(current):
        found = public_revenue.refund_of(current, refund_id)
        if found["status"] != "pending":
            return None
        marked = found | {"status": "refused", "refused_at": clock.to_iso(clock.now())}
        return Change({"refunds": [marked if r["id"] == refund_id else r for r in current["refunds"]]})

    store.change_revenue_contract(db, outbox, estate_id, contract["_id"], refuse, keyed=False)
    raise BusinessRuleViolation("the maintenance fund no longer holds the owners' part of this refund (what uses "
                                "approved since took is spent): it is refused, nothing paid back",
                                [field_error("id", "the owners' part is no longer in the fund")])


def terminate_revenue_contract(db, outbox, caller, estate_id, contract_id, data):
    """A contract ended early or cancelled (``public_revenue.termination``), announced in its write
    (``public_revenue_contract_terminated``); a retry with the caller's Idempotency-Key answers it."""
    rules, now = store.rules_for(db, estate_id), clock.now()

    def end(current):
        receipts = [] if data.get("ends_on") else store.revenue_receipts_of_contracts(
            db, estate_id, [contract_id], ("status",))  # read in the decision: a receipt claimed since is seen
        fields = public_revenue.termination(current, data, now, rules, caller.user, caller.roles, receipts)
        return Change(fields, events=[outbox.event("public_revenue_contract_terminated", estate_id,
                                                   public_revenue.terminated_event_data(current | fields))])

    return public(store.change_revenue_contract(db, outbox, estate_id, contract_id, end))


def revenue_arrears(db, estate_id, filters):
    """The contracts owing by ``as_of`` (the estate's today by default): ``public_revenue.arrears`` of each,
    those with ``overdue_cents`` > 0, owing longest first (the accountant chases the oldest debt first: by
    ``overdue_since``, then the cents owed); the cents alone put a new big debt above an old one (h3)."""
    rules = store.rules_for(db, estate_id)
    day = filters.get("as_of") or periods.day_of(clock.now(), rules)
    contracts = store.revenue_contracts(db, estate_id)
    received = {}
    for r in store.revenue_receipts_of_contracts(db, estate_id, [c["_id"] for c in contracts]):
        received.setdefault(r["contract_id"], []).append(r)
    owed = [public_revenue.arrears(c, received.get(c["_id"], []), day) for c in contracts]
    overdue = sorted((line for line in owed if line["overdue_cents"] > 0),
                     key=lambda line: (line["overdue_since"], -line["overdue_cents"], line["contract_id"]))
    return {"estate_id": estate_id, "as_of": day, "items": overdue,
            "overdue_cents": sum(line["overdue_cents"] for line in overdue)}


def publish_disclosure(db, caller, estate_id, period):
    """The period's report as it is now, published (a snapshot, the next version; the one
    published already when nothing in it changed)."""
    rules, now = store.rules_for(db, estate_id), clock.now()
    previous = store.find_disclosure(db, estate_id, reports.disclosure_id(estate_id, period))
    if previous is None:  # a correction of one published is published again, however old (review)
        # a quarter or year by its last month: the year ended is published in the spring after it,
        # when its January is past catch_up_months (h11)
        periods.refuse_before_catch_up(calendar.months_of(period)[-1], now, rules, field="period")
    disclosure = reports.publication(estate_id, period, _disclosure(db, estate_id, period, rules["timezone"]),
                                     periods.period_of(now, rules), now, caller.user, previous)
    if disclosure is previous:
        return public(previous)
    return public(store.publish_disclosure(db, disclosure, previous))


def published_disclosure(db, estate_code, period):
    """What the public link shows: the published snapshot only (404 before, and for an unknown code)."""
    estate_id = store.estate_id_by_code(db, estate_code)
    name, timezone = store.estate_heading(db, estate_id)
    return reports.published_view(store.find_disclosure(db, estate_id, reports.disclosure_id(estate_id, period)),
                                  name) | {"timezone": timezone}


def published_fee_standards(db, estate_code):
    """The fee standards published to owners (收费标准公示, the portal): the approved ones in force
    this month or from a later month (``standards.published``). Found by h6's probe of a fee rise:
    an approved rise and a new parking fee were shown to owners nowhere."""
    estate_id = store.estate_id_by_code(db, estate_code)
    estate = store.estate(db, estate_id)
    rules = store.rules_of(db, estate_id, estate)
    return {"estate_name": (estate or {}).get("name"), "timezone": rules["timezone"],
            "items": standards.published(store.approved_standards(db, estate_id),
                                         periods.period_of(clock.now(), rules),
                                         lambda month: replica.in_service_in(estate, month))}


def published_disclosures(db, estate_code, limit, cursor):
    """The owners' list of the estate's published disclosures (the portal's 公示 page): each one's
    period, version and time, the newest first, a page at a time; the estate's name above it. The
    portal opened one month by its link and listed none: an owner could not find the past ones."""
    estate_id = store.estate_id_by_code(db, estate_code)
    listed = store.published_disclosures(db, estate_id, limit, cursor, reports.published_entry)
    # the estate's time zone, to show the times on its clock (the page read Shanghai's: a probe)
    name, timezone = store.estate_heading(db, estate_id)
    return {"estate_name": name, **listed, "timezone": timezone}


# -- a household's account (对账单) --------------------------------------------------------------

def household_account(db, estate_id, household_id, filters):
    """The household's unpaid total and prepaid balance now, and its bills and payments of a
    range of months (``statement``); 404 for a household finance has no copy of."""
    household = store.find_household(db, estate_id, household_id)
    if household is None:
        raise NotFound("no such household in this estate")
    return _account(db, estate_id, household, filters, store.unpaid_bills(db, estate_id, household_id),
                    store.prepaid_sources(db, estate_id, household_id), store.rules_for(db, estate_id),
                    clock.now()) | {
        "seller_prepaid": [public(hold) for hold in store.sellers_prepaid_of(db, estate_id, household_id)]}


def _account(db, estate_id, household, filters, unpaid, prepaid_sources, rules, now):
    """``statement.account`` of the household's ``unpaid`` bills and ``prepaid_sources`` as read,
    and of its bills and payments of the months ``filters`` give."""
    first, last = statement.months(filters, now, rules)
    first_day, last_day = statement.days(first, last)
    # the owner's bills and money only: the developer's (开发建设单位, ``payers``) are its own, on no
    # household's statement nor the owner's portal
    return statement.account(
        estate_id, household, first, last, payers.owners_only(unpaid), payers.owners_only(prepaid_sources),
        payers.owners_only(store.household_bills_of_months(db, estate_id, household["_id"], first, last)),
        payers.owners_only(store.household_payments_of_days(db, estate_id, household["_id"], first_day, last_day)),
        now)


# -- the seller's prepaid money at a sale (预收款归属卖方, seller_prepaid.py) ---------------------------

def copy_household(db, outbox, data, write):
    """archive's copy of a household written (``write``); with an owner's day (``owner_since``: the
    household sold), the seller's prepaid money held apart once (``hold_sellers_prepaid``). Looked
    at on every copy, not only when the day moved: a crash between the copy and the hold is
    finished by the event's redelivery (the hold's natural id keeps it once)."""
    write()
    copy = store.find_household(db, data["estate_id"], data["id"]) or {}
    if copy.get("owner_since"):
        hold_sellers_prepaid(db, outbox, data["estate_id"], data["id"], copy["owner_since"])


def hold_sellers_prepaid(db, outbox, estate_id, household_id, owner_since):
    """The money still unused of the household's payments taken before ``owner_since``, held for
    the seller (``seller_prepaid``): the hold with ``seller_prepaid_held`` in its write, then each
    payment's part moved out of its ``unapplied_cents`` (a crash between is finished the next
    time). None when there was nothing to hold. A hold decided (refunded, carried over) or made
    (its mark, ``store.HOLD_BEING_MADE``, gone once its parts are moved) is answered as it is,
    without the household's lock: every copy of a sold flat (an edit, a restatement) took the lock
    and walked the hold's payments again (h4); a half-made one still has its mark, and is finished."""
    hold_id = seller_prepaid.hold_id(estate_id, household_id, owner_since)
    if (found := store.find_seller_prepaid(db, estate_id, hold_id)) is not None \
            and (found["status"] != seller_prepaid.HELD or not found.get(store.HOLD_BEING_MADE)):
        return found
    with household(db, outbox, estate_id, household_id):
        return _hold_sellers_money(db, outbox, estate_id, household_id, owner_since, hold_id)


def grow_sellers_hold(db, outbox, estate_id, household_id, owner_since):
    """After a late sale's restatement: the seller's money it gave back to his payments, held for him with the
    rest (``seller_prepaid.grown``, where the hold made at the sale kept what it held and the rest sat on his
    payments, no route back to him: left by r7 reviewing h7), or held as at the sale when nothing was held then."""
    hold_id = seller_prepaid.hold_id(estate_id, household_id, owner_since)
    with household(db, outbox, estate_id, household_id):
        hold = _hold_sellers_money(db, outbox, estate_id, household_id, owner_since, hold_id)
        if hold is None:
            return None
        sources = store.prepaid_sources(db, estate_id, household_id)
        hold = store.change_seller_prepaid(db, outbox, estate_id, hold_id, lambda current: _growing(
            seller_prepaid.grown(current, sources, clock.now()), current, outbox))
        _finish_hold(db, outbox, hold)
    return hold


def _growing(step, hold, outbox):
    """A hold's addition marked being made too (``store.HOLD_BEING_MADE``): the household's next writer finishes
    it after a crash, before the money is used (``household``); announced in that write
    (``seller_prepaid_added``: nothing told archive the hold grew, found by h5)."""
    if step is None:
        return None
    return Change({**step.set, store.HOLD_BEING_MADE: True}, step.entries, events=[outbox.event(
        "seller_prepaid_added", hold["estate_id"], seller_prepaid.added_event_data(hold | step.set))])


def _hold_sellers_money(db, outbox, estate_id, household_id, owner_since, hold_id):
    """``hold_sellers_prepaid``'s steps under the household's lock."""
    hold = store.find_seller_prepaid(db, estate_id, hold_id)
    if hold is None:
        sources = seller_prepaid.sellers_sources(store.prepaid_sources(db, estate_id, household_id), owner_since)
        rules = store.rules_for(db, estate_id)
        taken_back = seller_prepaid.spent_on_buyers_bills(
            *store.sellers_spending(db, estate_id, household_id, owner_since), owner_since,
            lambda at: periods.day_of(clock.parse_iso(at), rules))
        if not sources and not taken_back:
            return None
        made = seller_prepaid.new_hold(hold_id, estate_id, household_id, owner_since, sources, clock.now(),
                                       taken_back) \
            | {store.HOLD_BEING_MADE: True}  # until its payments' parts are moved (_finish_hold)
        announced = outbox.event("seller_prepaid_held", estate_id, seller_prepaid.held_event_data(made))
        hold = store.create(db, outbox, "seller_prepaid", estate_id, hold_id, lambda: (made, [announced]))
    _finish_hold(db, outbox, hold)
    return hold


def _finish_hold(db, outbox, hold):
    """Each payment's part of a hold moved out of its ``unapplied_cents``, once, then the hold's
    mark gone (``store.HOLD_BEING_MADE``: a crash between is finished by whoever next takes
    the household's lock, before its money is used). A hold without the mark is made: nothing to
    walk (the household's lock finished a half-made one before its maker's walk came to it)."""
    if not hold.get(store.HOLD_BEING_MADE):
        return
    growing = hold.get(seller_prepaid.GROWING)
    if growing:  # an addition (``seller_prepaid.grown``): its payments' parts first, each once
        for part in growing["payments"]:
            store.grow_payments_held(db, outbox, hold["estate_id"], part, hold["_id"], growing["id"])
        store.hold_grown(db, hold["estate_id"], hold["_id"])
        return
    if hold["status"] == seller_prepaid.HELD:
        # the seller's money on the buyer's bills back on its payments first (each step once, by the allocation)
        for taken in hold.get(seller_prepaid.TAKEN_BACK) or []:
            store.remove_allocation(db, outbox, hold["estate_id"], taken["bill_id"], taken["allocation"],
                                    hold["household_id"])
            store.release_to_payment(db, outbox, hold["estate_id"], taken["allocation"])
        for part in hold["payments"]:
            store.hold_payments_money(db, outbox, hold["estate_id"], part, hold["_id"])
        if hold.get(seller_prepaid.TAKEN_BACK):
            # the bills owed again settled by the household's money that is not the seller's (the buyer's paid
            # ahead since the sale), as the run would have had the sale arrived on its day: the buyer was in the
            # arrears with money on account (found by review r8 of h8)
            apply_prepaid(db, outbox, hold["estate_id"], hold["household_id"])
    store.hold_made(db, hold["estate_id"], hold["_id"])


def refund_seller_prepaid(db, outbox, caller, estate_id, hold_id, data):
    """The held money paid back to the seller (``seller_prepaid``): ``refund`` pending with its plan,
    its journal entry (money out), the payments' held parts gone, then ``refunded`` with
    ``seller_prepaid_refunded``. A retry (same Idempotency-Key), or any later refund call of a hold
    whose refund a crash left pending, finishes it."""
    refund_id = caller.created_id("spr", estate_id)
    hold = store.find_seller_prepaid(db, estate_id, hold_id)
    if hold is None:
        raise NotFound("no such seller's prepaid money held in this estate")
    if hold["status"] == seller_prepaid.HELD and not hold.get("refund"):
        rules, now = store.rules_for(db, estate_id), clock.now()
        day = periods.day_of(now, rules)
        with journal_day(db, estate_id, caller.user, day):
            closed = _settled(db, estate_id, caller.user, day)
            with household(db, outbox, estate_id, hold["household_id"]):
                hold = store.change_seller_prepaid(
                    db, outbox, estate_id, hold_id,
                    lambda current: seller_prepaid.refund_plan(current, refund_id, data, now, rules, caller.user, closed,
                                                               store.payments_held_by(db, estate_id, current)))
                hold = _finish_seller_refund(db, outbox, hold)
    elif hold.get("refund") is None or hold["refund"]["id"] != refund_id:
        seller_prepaid.refuse_unless_held(hold, (hold.get("refund") or {}).get("id"))
    return public(_finish_seller_refund(db, outbox, hold))


def _finish_seller_refund(db, outbox, hold):
    if hold["status"] != seller_prepaid.HELD or not hold.get("refund"):
        return hold
    store.insert_entry(db, journals.seller_prepaid_refund_entry(hold))
    for part in hold["payments"]:
        store.release_payments_held(db, outbox, hold["estate_id"], part, hold["_id"], to_prepaid=False)

    def done(current):
        if current["status"] != seller_prepaid.HELD:
            return None
        changes = seller_prepaid.refund_done(current)
        announced = outbox.event("seller_prepaid_refunded", current["estate_id"],
                                 seller_prepaid.refunded_event_data(current | changes))
        return Change(changes, events=[announced])

    return store.change_seller_prepaid(db, outbox, hold["estate_id"], hold["_id"], done)


def carry_over_seller_prepaid(db, outbox, caller, estate_id, hold_id, data):
    """The held money carried over to the buyer by the seller's and buyer's agreement, with its
    reason: each payment's held part back in the household's prepaid balance, the hold
    ``carried_over`` with ``seller_prepaid_carried_over``, the money used at once on its unpaid bills."""
    hold = store.find_seller_prepaid(db, estate_id, hold_id)
    if hold is None:
        raise NotFound("no such seller's prepaid money held in this estate")
    if hold["status"] == seller_prepaid.CARRIED_OVER and writes.sent_again(hold):
        return public(hold)  # this keyed call's carry-over, its answer lost: as it is (found by review r2)
    now = clock.now()
    seller_prepaid.carry_over_plan(hold, data, now, caller.user)  # refused before anything moves
    with household(db, outbox, estate_id, hold["household_id"]):
        hold = store.find_seller_prepaid(db, estate_id, hold_id)
        changes = seller_prepaid.carry_over_plan(hold, data, now, caller.user,
                                                 store.payments_held_by(db, estate_id, hold))
        for part in hold["payments"]:
            store.release_payments_held(db, outbox, estate_id, part, hold_id, to_prepaid=True,
                                        owner_since=hold["owner_since"])

        def carried(current):
            seller_prepaid.refuse_unless_held(current)
            announced = outbox.event("seller_prepaid_carried_over", estate_id,
                                     seller_prepaid.carried_over_event_data(current | changes))
            return Change(changes, events=[announced])

        hold = store.change_seller_prepaid(db, outbox, estate_id, hold_id, carried)
        apply_prepaid(db, outbox, estate_id, hold["household_id"])  # the buyer's now: on his unpaid bills
    return public(hold)


# -- an owner's statement link (业主账单查询码, owner_access.py) -------------------------------------

def issue_owner_access(db, caller, estate_id, household_id):
    """A new code for the household's current owner, in place of the last (shown once: only its
    hash is kept); 404 for a household finance has no copy of."""
    household = store.find_household(db, estate_id, household_id)
    if household is None:
        raise NotFound("no such household in this estate")
    estate = store.estate(db, estate_id)
    if not (estate or {}).get("code"):  # the code names the estate: its copy comes on a queue of its own
        raise ServiceUnavailable("the estate's record has not reached finance yet: try again in a moment")
    secret = public_codes.new_secret()
    access = owner_access.record(ids.natural_id("oac", estate_id, household_id), estate_id, household, secret,
                                 clock.now_iso(), caller.user)
    store.save_owner_access(db, access)
    return owner_access.issued_view(access, public_codes.code(estate["code"], secret), household)


def owner_statement(db, access_code):
    """What the code opens: its household's account as the owner reads it (owner_access.py); one
    404 "not found" for a code of no estate or household, replaced, or ended by a transfer."""
    estate_code, secret = public_codes.split(access_code, owner_access.not_found())
    estate_id = store.estate_id_by_code(db, estate_code)  # a code of no estate: the same 404 "not found"
    access = store.owner_access_by_secret(db, estate_id, public_codes.secret_hash(secret))
    household = access and store.find_household(db, estate_id, access["household_id"])
    if not access or not owner_access.opens(access, household):
        raise owner_access.not_found()
    rules, now = store.rules_for(db, estate_id), clock.now()
    first = owner_access.owner_month(household, periods.period_of(now, rules))
    default_first, _ = statement.months({}, now, rules)
    unpaid = payers.owners_only(store.unpaid_bills(db, estate_id, household["_id"]))  # never the developer's
    prepaid = payers.owners_only(store.prepaid_sources(db, estate_id, household["_id"]))
    # from the owner's month when it is within the last 12: the months before are the seller's
    account = _account(db, estate_id, household, {"from": first} if first and first > default_first else {},
                       unpaid, prepaid, rules, now)
    account = owner_access.owners_part(account, household.get("owner_since"), unpaid, prepaid)
    estate = store.estate(db, estate_id)
    return owner_access.statement_view(account, estate, calendar.timezone_of(estate))


# -- arrears, reminders, KPIs -------------------------------------------------------------------

def list_arrears(db, estate_id, limit=None, cursor=None, filters=None):
    """The households in arrears now, or at the end of the estate's local day ``as_of``
    (``arrears_as_of``), longest overdue first."""
    entries = _arrears_entries(db, estate_id, (filters or {}).get("as_of"))
    page = page_computed(entries, lambda entry: (entry["oldest_due_at"], entry["household_id"]), limit, cursor)
    shown = [entry["household_id"] for entry in page["items"]]  # addresses and reminders of the page only
    page["items"] = arrears.arrears_list(page["items"], store.household_addresses(db, estate_id, shown),
                                         store.last_reminders(db, estate_id, shown))
    return page


def _arrears_entries(db, estate_id, as_of):
    """The arrears of today, or as of the past day ``as_of``, longest overdue first (the list's and
    its export's)."""
    now = clock.now()
    return arrears_as_of(db, estate_id, as_of, now) if as_of else arrears_view.longest_overdue_first(db, estate_id, now)


def arrears_as_of(db, estate_id, day, now):
    """The arrears at the end of the local ``day`` (``arrears.owed_at``), each entry naming it
    (``as_of``); 400 for a day not on the calendar, 422 for one not yet over."""
    day, end = _arrears_day(db, estate_id, day, now)

    def compute():
        reversed_ones = store.taken_off_bills(db, estate_id)
        owed = arrears.owed_at(store.bills_owing_at(db, estate_id, end, reversed_ones), reversed_ones, end)
        return [entry | {"as_of": day} for entry in arrears.longest_overdue_first(owed.values())]
    return arrears_view.as_of(db, estate_id, day, end, compute)  # kept for its pages while no bill is written


def _arrears_day(db, estate_id, day, now):
    """``(day, end)``: the past local ``day`` of the arrears as of it, and the first instant after
    it (ISO); 400 for a day not on the calendar, 422 for one not yet over (the list's and its
    export's one check)."""
    rules = store.rules_for(db, estate_id)
    day = calendar.checked_day_text(day, "filters.as_of")
    if day >= periods.day_of(now, rules):
        raise BusinessRuleViolation("arrears as of a day are read once the day is over",
                                    [field_error("filters.as_of", "is today or a day to come")])
    return day, clock.to_iso(periods.day_start(periods.next_day(day), rules))


EXPORT_BATCH = 500  # arrears decorated with addresses and reminders this many households at a time


def check_export_filters(db, resource, estate_id, filters):
    """An export refused as its list would be, before a job is made: the arrears as of a day not
    over yet (the job ran later and failed, or wrote today's)."""
    if resource == "arrears" and filters.get("as_of"):
        _arrears_day(db, estate_id, filters["as_of"], clock.now())


def export_documents(db, resource, estate_id, filters):
    """The documents of an export (``estate_common.exports``): bills and payments walked once
    from the store, each with its household's address (a batch at a time); arrears as the list
    computes them (longest overdue first), decorated a batch at a time."""
    if resource == "bills":
        return _with_addresses(db, estate_id, store.export_bills(db, estate_id, filters))
    if resource == "payments":
        return _with_addresses(db, estate_id, store.export_payments(db, estate_id, filters))
    return _arrears_rows(db, estate_id, filters.get("as_of"))


def _with_addresses(db, estate_id, docs):
    """``docs`` with their household's building, unit and room (finance's copy of the household;
    empty for a charge that names no household: ``estate_common.exports.with_addresses``)."""
    return exports.with_addresses(docs, lambda doc: doc.get("household_id"),
                                  partial(store.household_addresses, db, estate_id))


def _arrears_rows(db, estate_id, as_of=None):
    """The arrears of today, or as of the past day ``as_of`` (the list's filter), as the list has them."""
    entries = _arrears_entries(db, estate_id, as_of)
    for start in range(0, len(entries), EXPORT_BATCH):
        batch = entries[start:start + EXPORT_BATCH]
        shown = [entry["household_id"] for entry in batch]
        yield from arrears.arrears_list(batch, store.household_addresses(db, estate_id, shown),
                                        store.last_reminders(db, estate_id, shown))


def list_reminders(db, estate_id, filters, limit, cursor):
    """The reminders sent (催缴), as recorded: ``household_id``'s; ``period``, those sent in that local
    month of the estate; ``newest_first=true``, the same order backwards. They were recorded and
    announced and listed nowhere (a probe of the steward's month)."""
    filters = dict(filters or {})
    newest_first = filters.pop("newest_first", None) == "true"
    month = calendar.month_bounds(filters["period"], store.estate_timezone(db, estate_id)) \
        if "period" in filters else None
    return store.list_reminders(db, estate_id, filters, month, limit, cursor, newest_first)


def send_reminder(db, outbox, caller, estate_id, data):
    def new():
        store.known_household(db, estate_id, data["household_id"])
        now = clock.now()
        # a reminder is its payer's (``payers``): the owner's bills alone, or the developer's (开发建设单位) when it
        # names it; the owner is never reminded of the developer's debt (found by review r2 of h2)
        payer = payers.payer_of(data)
        overdue = arrears.overdue_by_household(
            [bill for bill in store.overdue_bills(db, estate_id, clock.to_iso(now), data["household_id"])
             if payers.payer_of(bill) == payer], now).get(data["household_id"])
        reminder = arrears.reminder(estate_id, reminder_id, data, overdue, now, caller.user)
        return reminder, [outbox.event("reminder_sent", estate_id, arrears.reminder_event_data(reminder))]

    reminder_id = caller.created_id("rem", estate_id)
    return public(store.create(db, outbox, "reminders", estate_id, reminder_id, new))


def kpis(db, caller, period, estate_ids):
    """The collection rate of ``period`` per estate, naming its months begun that a run should have
    billed for property service and has not (``not_billed``; its figures unchanged), and beside it
    the rate as it stood at the period's end (``collection_rate_at_period_end``): money paid later
    does not move it, where the rate goes on counting it; a bill of the period cancelled or billed
    after its end moves both (the same bills), but a re-bill at a corrected price (更正) counts what
    was paid by the end on the bill it replaced (``arrears.paid_on_the_fee``). Beside them the rate of the arrears carried into the
    period that it recovered (``arrears_recovery_rate``, 清欠率: ``arrears_recovered``). Of an ISO week, the
    recovery rate is the week's and the two collection rates, of bills of months, "no data" saying so
    (``by_the_month``). A period not begun on the estate's calendar is "no data" (``kpis.not_begun``), as
    every service's KPIs are: a bill covering a month to come (a quarter's) read as that month's rate
    (found by h4, the last session's note)."""
    def one(estate_id):
        estate = store.estate(db, estate_id)
        rules = store.rules_of(db, estate_id, estate)
        block = rates(estate_id, estate, rules)
        return block if begun(calendar.period_bounds(period, rules["timezone"])[0]) else not_begun(block)

    def rates(estate_id, estate, rules):
        # the bills taken off, read once when the recovery's figure (kept, or computed) or the rate at the
        # period's end asks for them: each read them (found rereading the change, h6)
        taken_off = cache(partial(store.taken_off_bills, db, estate_id))
        recovery = {"arrears_recovery_rate": arrears.recovery_rate(
            arrears_recovered(db, estate_id, period, rules, clock.now_iso(), taken_off))}
        if calendar.is_week(period):  # bills are of months, and so are the rates of what they billed
            return recovery | {name: by_the_month(
                "bills are of months: a month's property-service bill has no share in a week; read the week's month")
                for name in ("collection_rate", "collection_rate_at_period_end")}
        months = calendar.months_of(period)
        current = periods.period_of(clock.now(), rules)
        missed = months_not_billed(db, estate_id, estate, [month for month in months if month <= current],
                                   arrears.COLLECTION_RATE_ITEM)
        bills = list(store.bills_of_months(db, estate_id, months, arrears.COLLECTION_RATE_ITEM))
        end = calendar.period_bounds(period, rules["timezone"])[1]
        return {"collection_rate": arrears.collection_rate(bills, [month["period"] for month in missed], months),
                "collection_rate_at_period_end": arrears.collection_rate_at_end(
                    bills, taken_off() if bills else [], end,
                    list(store.rebilled_bills_of_months(db, estate_id, months, arrears.COLLECTION_RATE_ITEM))
                    if any((b.get("source") or {}).get("corrects_bill_id") for b in bills) else (), months)} | recovery
    return per_estate(caller, period, estate_ids, one)


def months_not_billed(db, estate_id, estate, months, item=None):
    """Of ``months``, those a billing run should have billed and has not (``billing.months_not_billed``):
    an approved periodic standard (of ``item``) whose cycle starts in the month, with no bill of that
    month from a run, that bills some household of the estate. A run that billed the month is not
    asked again for the households registered since (the next run of the month bills them). A month
    begun after the estate retired is owed by none (``replica.in_service_in``: no run bills it).
    ``estate``: its copy, which the caller read for its calendar (``store.rules_of``)."""
    months = [month for month in months if replica.in_service_in(estate, month)]
    approved = store.approved_standards(db, estate_id, item)
    pairs = [(month, standard) for month, standard in billing.cycles_starting(approved, months)
             if not store.billed_by_run(db, estate_id, standard, month)]
    # the rest of a cycle a run of a month in it owes a household handed over or registered in it
    # (``billing.joined_mid_cycle``) and no bill covers yet (``billing.uncovered``): a month unbilled
    # too (found by review r3 of h3: a flat billed vacant for October and handed over then owed
    # November and December, which nothing billed or named)
    missed = _rest_of_cycles_unbilled(db, estate_id, estate, approved, months)
    if not pairs:
        return billing.months_not_billed(missed)
    # a household paying by its own cycle (按季 / 按年缴费) owes no run in a month its bills cover
    cycles, covered = store.billing_cycles_of(db, estate_id), {}
    first, last = min(month for month, _ in pairs), max(month for month, _ in pairs)
    for item in sorted({standard["item"] for _, standard in pairs}) if cycles else ():
        covered.update(_own_cycles_covered(db, estate_id, cycles, item, periods.add_months(first, -11), last))
    return billing.months_not_billed([*billing.applying(pairs, store.households_for_billing(db, estate_id),
                                                        cycles, covered), *missed])


def _rest_of_cycles_unbilled(db, estate_id, estate, approved, months):
    """``[(month, standard)]``: of ``months``, those in the middle of a quarterly or yearly standard's
    cycle whose run would bill some household the rest of it (``billing.joined_mid_cycle``, cut to the
    months no bill covers: ``billing.uncovered``). Only the few households handed over or registered in
    a cycle are read for their bills."""
    mids = [(month, [(s, start) for s in approved for start in [standards.cycle_start(s, month)]
                     if start not in (None, month)]) for month in months]
    mids = [(month, mid) for month, mid in mids if mid]
    if not mids:
        return []
    # each household's registration read once, and the month by month walk of those alone that joined since
    # the earliest of these cycles began (found by h8: every household, each mid-cycle month)
    rules, found = store.rules_of(db, estate_id, estate), []
    households = list(store.households_for_billing(db, estate_id))
    registered = billing.registered_months(households, rules["timezone"])
    households = billing.joined_since(households, min(start for _, mid in mids for _, start in mid), registered)
    for month, mid in mids:
        owing = list(billing.joined_mid_cycle(mid, households, month, rules["timezone"],
                                              bool(rules["prorate_handover_month"]), registered))
        if not owing:
            continue
        holders = {pair[0]["_id"] for pair in owing}
        first, last = _months_of(owing)
        bills = [bill for item in sorted({pair[1]["item"] for pair in owing})
                 for bill in store.bills_covering(db, estate_id, holders, item, periods.add_months(first, -11), last)]
        left, _ = billing.uncovered(owing, billing.coverage(bills))
        found += sorted({(month, pair[1]["_id"]): (month, pair[1]) for pair in left}.values(),
                        key=lambda shown: shown[1]["_id"])
    return found


def _months_to_restate(db, estate_id, estate, rules, months, now):
    """``{month: [(standard, restatement)]}``: of ``months``, those a run billed whose run again would restate a
    bill (``_developer_restatements``, ``_owner_restatements``, ``_sale_restatements``: a takeover, a handover or a
    sale recorded after the month was billed), read only, as the run would plan them; nothing read for an estate
    with no flat taken over or sold (no bill of it to restate). ``GET …/unbilled-months`` named none of them, the month billed by a run, and the
    accountant learnt of the moved bill only by running the month again unasked (found by h7)."""
    prorate, developer = bool(rules["prorate_handover_month"]), (estate or {}).get("developer_name")
    sale_by_day = bool(rules["prorate_sale_month"])
    taken, sold = [], []
    for flat in store.households_for_billing(db, estate_id):
        if payers.taken_over(flat):
            taken.append(flat)
        if sale_by_day and len(flat.get("owner_since") or "") >= 10:
            sold.append(flat)
    if not taken and not sold:
        return {}
    approved, found = store.approved_standards(db, estate_id), {}
    job, stamp = {"_id": "unbilled-months"}, clock.to_iso(now)  # the bills planned are never written

    def due(first):
        return billing.due_at(first, now, rules)
    for month in months:
        if not replica.in_service_in(estate, month):
            continue
        billed = [standard for standard in approved if standards.cycle_start(standard, month) == month]
        if not billed:
            continue
        by_id = {standard["_id"]: standard for standard in billed}
        restatements = [*_developer_restatements(db, estate_id, billed, taken, month, prorate, developer, job,
                                                 due, stamp),
                        *_owner_restatements(db, estate_id, billed, taken, month, prorate, developer, job,
                                             due, stamp),
                        *_sale_restatements(db, estate_id, billed, sold, month, sale_by_day, job, due, stamp)]
        if restatements:
            found[month] = [(by_id.get(restated["wrong"]["source"].get("standard_id")), restated)
                            for restated in restatements]
    return found


def _with_restatements(missing, restating):
    """``GET …/unbilled-months``' items: the months not billed (``months_not_billed``) and those whose run again
    would restate a bill (``_months_to_restate``), the oldest first, each naming its items and standards, and
    the bills it would restate and why (``restatements``: each bill's household, id and ``why``)."""
    shown = {month["period"]: month for month in missing}
    for month, restated in restating.items():
        entry = shown.setdefault(month, {"period": month, "items": [], "standard_ids": []})
        entry["items"] = sorted({*entry["items"], *(r["wrong"]["item"] for _, r in restated)})
        entry["standard_ids"] = sorted({*entry["standard_ids"],
                                        *(standard["_id"] for standard, _ in restated if standard is not None)})
        entry["restatements"] = [{"household_id": r["wrong"]["household_id"], "bill_id": r["wrong"]["_id"],
                                  "why": r["why"]} for _, r in restated]
    return [shown[month] for month in sorted(shown)]


def unbilled_months(db, estate_id, limit=None, cursor=None):
    """``GET …/unbilled-months``: the months from the earliest a run may still bill
    (``catch_up_months`` back) to the current one (begun: a month to come is billed in it) that a
    run should have billed and has not, the oldest first."""
    estate, now = store.estate(db, estate_id), clock.now()
    rules = store.rules_of(db, estate_id, estate)
    first, current = periods.earliest_catch_up(now, rules), periods.period_of(now, rules)
    months = [periods.add_months(first, n) for n in range(periods.months_between(first, current) + 1)]
    return page_computed(_with_restatements(months_not_billed(db, estate_id, estate, months),
                                            _months_to_restate(db, estate_id, estate, rules, months, now)),
                         lambda month: (f"{month['period']}-01T00:00:00.000Z", month["period"]), limit, cursor)


def get_fund_entry(db, estate_id, entry_id):
    """One entry of the fund as ``list_fund_entries`` shows it (a use with what was approved for its
    work order already), or 404."""
    return _with_work_order_approved(db, estate_id, [public(store.get_listed(db, "fund_entries", estate_id,
                                                                             entry_id))])[0]



# -- the handover package at a contract's end (物业撤场交接, exit_handover.py) ------------------------

def handover_money(db, estate_id, as_of):
    """Finance's part of an estate's handover package, its days split at the contract's last day ``as_of``:
    the money paid ahead and unused by household (owed back), the arrears to the end by household, the
    developer's apart, the deposits and sellers' money held, the utility balances, the fund's balance; every
    amount as it stands when read (``amounts_as_at``: ``exit_handover``), not as it stood on ``as_of``. The
    package's money (``GET …/handover``) and the accountant's ``GET …/exit-money`` both read it."""
    end_day = exit_handover.checked_end_day(as_of)
    bills = store.bills_at_contract_end(db, estate_id, end_day[:7])
    flats = {flat["_id"]: flat for flat in store.household_flats(db, estate_id)}
    deposit_docs = store.deposits_of_estate(db, estate_id)
    deposit_bills = store.bills_by_id(db, estate_id, [d.get("bill_id") for d in deposit_docs])
    shown = [dict(d, status=deposits.status_of(d, deposit_bills.get(d.get("bill_id"))),
                  paid_cents=(deposit_bills.get(d.get("bill_id")) or {}).get("paid_cents", 0)) for d in deposit_docs]
    fund = store.fund_account(db, estate_id, maintenance_fund.account_id(estate_id))
    return exit_handover.money_at_end(
        estate_id, end_day, bills, store.unapplied_payments(db, estate_id), flats, shown,
        store.seller_holds_of_estate(db, estate_id), store.utility_accounts_of_estate(db, estate_id),
        None if fund is None else fund.get("balance_cents", 0), clock.now(), payees=_payees_owed(db, estate_id))


def _payees_owed(db, estate_id):
    """Each payee of money collected for others with what is owed to it now (``pass_through.payee_lines``)."""
    payees = store.payees_of_estate(db, estate_id)
    if not payees:
        return []
    collections, remittances = store.payees_collected(db, estate_id, [p["_id"] for p in payees])
    return [{**line, "payee_id": line["_id"]} for line in pass_through.payee_lines(payees, collections, remittances)]


# -- the owners' money paid ahead settled at a contract's end (退还 / 移交, exit_settlement.py) -----------

def refund_exit_prepaid(db, outbox, caller, estate_id, household_id, data):
    """A household's money owed back at the contract's end refunded to its owner (退还): its bills of
    days after the end cancelled, its money unused taken out of its payments, the refund's journal entry
    (money out on the caller's journal of the day), then ``exit_prepaid_refunded``. Once per household
    and end (its natural id): a retry, or any later call, finishes a settlement a crash left pending."""
    end_day, method, note, _ = exit_settlement.checked(data, exit_settlement.REFUND, journals.METHODS)
    asked = exit_settlement.asked_amount(data)
    if store.find_household(db, estate_id, household_id) is None:
        raise NotFound("no such household in this estate")
    _exit_end_day_checked(db, estate_id, end_day)
    settlement = _exit_settle(db, outbox, caller, estate_id, household_id, end_day, exit_settlement.REFUND, method,
                              note, asked=asked)
    return exit_settlement.view(settlement)


def _exit_end_day_checked(db, estate_id, end_day):
    """The estate's contract end as its first settlement fixed it (409 naming it when another), or, before
    any, ``end_day`` within the window a typed end day may lie in (422)."""
    fixed = store.exit_end_day(db, estate_id, exit_settlement.end_day_id(estate_id))
    exit_settlement.refuse_other_end(fixed, end_day)
    if fixed is None:
        rules = store.rules_for(db, estate_id)
        exit_settlement.refuse_implausible_end(end_day, periods.day_of(clock.now(), rules),
                                               rules["exit_end_day_back_days"])


def _exit_end_day_claimed(db, estate_id, end_day, actor, settlement=None):
    """``end_day`` fixed as the estate's contract end before the first money moves (409 when another first
    settlement fixed another day meanwhile). ``settlement``, refused so, goes with its refusal: nothing
    moved on it, and it stayed pending for good at a day that never was the end (found by review of the exit)."""
    try:
        exit_settlement.refuse_other_end(store.claim_exit_end_day(
            db, estate_id, exit_settlement.end_day_id(estate_id), end_day, actor, clock.now_iso()), end_day)
    except Conflict:
        if settlement is not None:
            store.drop_unmoved_exit_settlement(db, estate_id, settlement["_id"])
        raise


def _exit_settle(db, outbox, caller, estate_id, household_id, end_day, kind, method, note, batch=None, asked=None):
    """One household's settlement at ``end_day``, made or finished (``exit_settlement``); None for a batch's
    household with nothing to settle (not written). A refund pays out exactly what it planned (``asked``, when
    said, being that): less is refused 422 naming the limit, never paid silently (found by h5)."""
    round_ = 1
    settlement_id = exit_settlement.settlement_id(estate_id, household_id, end_day)
    found = store.find_exit_settlement(db, estate_id, settlement_id)
    # a refund call sent again with its Idempotency-Key (its answer lost, the gateway's record released) answers
    # the round it made or finished: it walked on to a new round and paid out money owed back since, or was
    # refused 409 once the transfer had settled that round (found by r6 reviewing h6)
    call_id = None if kind != exit_settlement.REFUND or caller.creates_new_id else caller.created_id(
        "exs_call", estate_id, household_id, end_day)
    while found is not None and found["status"] == exit_settlement.DONE and (
            batch is None or found.get("transfer_id") != batch["_id"]):
        if call_id is not None and call_id in (found.get("call_ids") or []):
            return found
        # the last round, or a new one for the money owed back again since it was done (a batch's too: a
        # household refunded before the transfer and paid since was left out of it, owed back for good)
        next_id = exit_settlement.settlement_id(estate_id, household_id, end_day, round_ + 1)
        following = store.find_exit_settlement(db, estate_id, next_id)
        if following is None and not exit_settlement.owed_again(
                store.owner_bills_of_household(db, estate_id, household_id),
                store.prepaid_sources(db, estate_id, household_id), end_day):
            break
        round_, settlement_id, found = round_ + 1, next_id, following
    if found is not None and found["status"] == exit_settlement.DONE:
        exit_settlement.refuse_transferred(found, kind)
        return found
    if batch is None or found is None or not exit_settlement.adoptable(found):  # taken over under the lock below
        exit_settlement.refuse_another(found, kind, batch)
    rules, now = store.rules_for(db, estate_id), clock.now()
    day = periods.day_of(now, rules)
    with journal_day(db, estate_id, caller.user, day):
        # a refund resumed on a later day writes its entry on this day's journal, the one held (found by a
        # reviewer of h8): refused as a new one is when that is settled
        entry_due = found is None or (kind == exit_settlement.REFUND and found["status"] != exit_settlement.DONE
                                      and not store.find_entry(db, estate_id, journals.entry_id(
                                          estate_id, "exit_refund", found["_id"])))
        if entry_due and _settled(db, estate_id, caller.user, day):
            raise BusinessRuleViolation(f"{caller.user}'s journal of {day} is settled and closed",
                                        [field_error("day", "is settled: no more entries")])
        with household(db, outbox, estate_id, household_id):
            if found is not None:  # read again under the lock, and taken over by the transfer only there: a refund
                # asked again went on with what it read before while the transfer took it over, paid out twice (r5)
                found = _exit_adopted(db, outbox, store.find_exit_settlement(db, estate_id, settlement_id), batch)
            settlement = found or store.create_exit_settlement(db, exit_settlement.new_settlement(
                estate_id, household_id, end_day, kind, method, note, caller.user, now, rules,
                batch and batch["_id"], batch and batch["to_company"], round_, call_id))
            if settlement["status"] == exit_settlement.DONE:
                if call_id is not None and call_id in (settlement.get("call_ids") or []):
                    return settlement
                exit_settlement.refuse_transferred(settlement, kind)
                return settlement
            # read again under the lock: another call's settlement begun since the read above (a refund
            # racing the transfer) is not taken for this one's (found by r8 reviewing h8)
            exit_settlement.refuse_another(settlement, kind, batch)
            settlement = _exit_move_money(db, outbox, settlement, caller.user, kind == exit_settlement.REFUND, asked)
            if settlement is None:  # nothing to settle: nothing written
                if batch is None:
                    exit_settlement.refuse_nothing_owed(household_id, end_day)
                return None
        if kind == exit_settlement.REFUND and settlement["amount_cents"]:
            store.insert_entry(db, journals.exit_refund_entry(settlement, caller.user, day, clock.now_iso()))  # once

    def done(current):
        if current["status"] == exit_settlement.DONE:
            return None
        data = exit_settlement.event_data({**current, "status": exit_settlement.DONE})
        announced = (outbox.event("exit_prepaid_refunded", estate_id, data) if kind == exit_settlement.REFUND
                     else outbox.event("exit_prepaid_transferred", estate_id, data))
        calls = list(current.get("call_ids") or [])
        return Change({"status": exit_settlement.DONE, **({"call_ids": calls + [call_id]} if call_id is not None
                                                           and call_id not in calls else {})}, events=[announced])

    return store.change_exit_settlement(db, outbox, estate_id, settlement_id, done)


def _exit_adopted(db, outbox, found, batch):
    """``found``, a refund refused for its amount (``AWAITING_AMOUNT``: planned, nothing taken, no entry),
    taken over by the transfer ``batch`` as the household's settlement of it: left pending, it made the whole
    batch a 409 and the exit could not be completed (found by h5). A refund asked again is then refused 409
    (``refuse_transferred``, h6): nothing was refunded."""
    if batch is None or found is None or not exit_settlement.adoptable(found):
        return found
    return store.change_exit_settlement(db, outbox, found["estate_id"], found["_id"], lambda current: Change({
        "kind": exit_settlement.TRANSFER, "transfer_id": batch["_id"], "to_company": batch["to_company"],
        "method": batch["method"], "note": batch.get("note"), exit_settlement.AWAITING_AMOUNT: False})
        if exit_settlement.adoptable(current) else None)


def _exit_move_money(db, outbox, settlement, actor, whole=False, asked=None):
    """Under the household's lock: its owner's bills of days after the end cancelled and their money given
    back (then on its unpaid bills up to the end, as prepaid money always is), and its money unused taken
    out of its payments, the parts planned on the settlement first (a crash finishes the same parts). None
    when there is nothing to settle (the settlement taken away: no bill to cancel, no money unused). ``whole``
    (a refund, money counted out to the owner): each part taken whole or the refund refused 422 naming what
    the payments hold now (re-planned so: asked again, it pays that), never paid out smaller than planned or
    than ``asked`` (found by h5)."""
    estate_id, household_id, end_day = settlement["estate_id"], settlement["household_id"], settlement["as_of"]
    if not settlement.get("planned"):
        to_cancel, across = exit_settlement.bills_after_end(
            store.owner_bills_of_household(db, estate_id, household_id), end_day)
        exit_settlement.refuse_across(across, end_day)
        # the bills an earlier attempt cancelled before it died (each naming this settlement): it has moved, so it
        # is planned with them, never taken away as unmoved, and refused for its amount only once planned; taken
        # away, they named a settlement that was no more and the next one left them out of its bills (found by h6)
        moved = store.bills_cancelled_by_exit(db, estate_id, household_id, settlement["_id"])
        if whole and asked is not None and not moved:  # refused for its amount before anything is written (h6)
            _exit_refuse_other_amount_unwritten(db, settlement, to_cancel, asked)
        if to_cancel:  # before the first money moves; a settlement that moves none fixes no day (r11)
            _exit_end_day_claimed(db, estate_id, end_day, actor, settlement)
        for bill in to_cancel:
            current = store.find_bill(db, estate_id, bill["_id"])
            changes = exit_settlement.exit_cancel(current, settlement["_id"], end_day, clock.now_iso(), actor)
            if changes is None:
                continue
            if not store.cancel_bill(db, outbox, current, changes):
                raise Conflict("a bill of the household changed while the money owed back was settled: try again")
            _give_back(db, outbox, current | changes)
        apply_prepaid(db, outbox, estate_id, household_id)
        parts = exit_settlement.owners_parts(store.prepaid_sources(db, estate_id, household_id))
        cancelled = sorted(moved + to_cancel, key=lambda bill: bill["_id"])
        if exit_settlement.nothing_to_settle(cancelled, parts):
            store.drop_unmoved_exit_settlement(db, estate_id, settlement["_id"])
            return None
        if parts and not cancelled:  # money unused to take out: it moves now
            _exit_end_day_claimed(db, estate_id, end_day, actor, settlement)
        planned = {**exit_settlement.settled_changes(cancelled, parts), "planned": True}
        settlement = store.change_exit_settlement(db, outbox, estate_id, settlement["_id"],
                                                  lambda current: None if current.get("planned") else Change(planned))
    if whole:
        held, short = exit_settlement.held_parts(settlement["payments"], {
            part["payment_id"]: store.find_payment(db, estate_id, part["payment_id"])
            for part in settlement["payments"]}, settlement["_id"])
        planned_cents = settlement["amount_cents"]
        if short:  # re-planned at what is held: the refund asked again pays that, seen
            replanned = exit_settlement.settled_changes([], held) | {"bills_cancelled": settlement["bills_cancelled"]}
            settlement = store.change_exit_settlement(db, outbox, estate_id, settlement["_id"], lambda current: Change(
                replanned) if current["payments"] != held else None)
        refused = short and asked != settlement["amount_cents"] or asked not in (None, settlement["amount_cents"])
        # refused, nothing taken: the transfer may take the household over (``_exit_adopted``); paid, no longer
        settlement = store.change_exit_settlement(db, outbox, estate_id, settlement["_id"], lambda current: Change(
            {exit_settlement.AWAITING_AMOUNT: bool(refused)}) if bool(current.get(exit_settlement.AWAITING_AMOUNT))
            != bool(refused) else None)
        if short and asked != settlement["amount_cents"]:
            exit_settlement.refuse_short(settlement | {"amount_cents": planned_cents}, short, held)
        exit_settlement.refuse_other_amount(asked, settlement)
    taken = [store.take_payments_money(db, outbox, estate_id, part, settlement["_id"], whole)  # once: marked
             for part in settlement["payments"]]
    # what was taken is what is paid out: a part a concurrent writer used since the plan is not paid out too
    actual = exit_settlement.taken_parts(settlement["_id"], taken)
    if whole and actual != settlement["payments"]:  # used between the check and the take: asked again, refused
        raise Conflict("the household's money changed while its refund was paid out: nothing more was paid, "
                       "ask again", [field_error("household_id", "changed while its refund was paid out")])
    if actual != settlement["payments"]:
        changes = exit_settlement.settled_changes([], actual) | {"bills_cancelled": settlement["bills_cancelled"]}
        settlement = store.change_exit_settlement(db, outbox, estate_id, settlement["_id"], lambda current: Change(
            changes) if current["payments"] != actual else None)
    return settlement


def _exit_refuse_other_amount_unwritten(db, settlement, to_cancel, asked):
    """A refund's first plan asked for another amount than it would pay out (``exit_settlement.
    parts_after_cancel``, its bills' cancellation worked out without writing) refused 422 naming that amount,
    its settlement taken away, nothing written: refused only once planned, it had cancelled the household's bills
    after the end, settled its bills up to it with their money, fixed the estate's end day (asked of h6). A plan
    that differs from the dry run (a writer outside the household's lock meanwhile) is refused as before, once
    planned (``refuse_other_amount``)."""
    estate_id, household_id = settlement["estate_id"], settlement["household_id"]
    released_to = {}
    for bill in to_cancel:
        for allocation in bill.get("allocations") or []:
            if allocation["payment_id"] not in released_to:
                released_to[allocation["payment_id"]] = store.find_payment(db, estate_id, allocation["payment_id"])
    parts = exit_settlement.parts_after_cancel(
        to_cancel, store.prepaid_sources(db, estate_id, household_id),
        {pid: p for pid, p in released_to.items() if p is not None}, store.unpaid_bills(db, estate_id, household_id),
        clock.now_iso(), (store.find_household(db, estate_id, household_id) or {}).get("owner_since"))
    amount = sum(part["amount_cents"] for part in parts)
    if exit_settlement.nothing_to_settle(to_cancel, parts) or amount == asked:
        return
    store.drop_unmoved_exit_settlement(db, estate_id, settlement["_id"])
    exit_settlement.refuse_other_amount(asked, settlement | {"amount_cents": amount})


def transfer_exit_prepaid(db, outbox, caller, estate_id, data):
    """The money owed back of every household at the contract's end handed to the next company (移交): one
    batch for the estate (its natural id: once per end), each household settled as a refund is (its bills of
    days after the end cancelled, its money unused taken out), one journal entry out for the whole, the
    statement by household on the batch, ``exit_prepaid_transferred`` of each household."""
    end_day, method, note, to_company = exit_settlement.checked(data, exit_settlement.TRANSFER, journals.METHODS)
    _exit_end_day_checked(db, estate_id, end_day)
    rules, now = store.rules_for(db, estate_id), clock.now()
    batch_id = exit_settlement.transfer_id(estate_id, end_day)
    batch = store.find_exit_transfer(db, estate_id, batch_id)
    bills = list(store.bills_at_contract_end(db, estate_id, end_day[:7]))  # read twice below
    if batch is None or batch["status"] != exit_settlement.DONE:
        # a payee owed is refused before any money moves, a batch a crash left pending resumed as well: the desk
        # may have collected for the gas company meanwhile (found by r4 reviewing h4); a done batch answers again
        exit_settlement.refuse_collections_pending(store.pending_collections_of_estate(db, estate_id))
        exit_settlement.refuse_payees_owed(exit_handover.payees_owed(_payees_owed(db, estate_id)))
    if batch is None:
        exit_settlement.refuse_across(exit_settlement.bills_after_end(bills, end_day)[1], end_day)  # before any
        if _settled(db, estate_id, caller.user, periods.day_of(now, rules)):
            raise BusinessRuleViolation(f"{caller.user}'s journal of {periods.day_of(now, rules)} is settled and closed",
                                        [field_error("day", "is settled: no more entries")])
        _exit_end_day_claimed(db, estate_id, end_day, caller.user)
        stamp = clock.to_iso(now)
        batch = store.create_exit_transfer(db, {
            "_id": batch_id, "estate_id": estate_id, "as_of": end_day, "to_company": to_company, "method": method,
            "note": note, "status": exit_settlement.PENDING, "by": caller.user, "at": stamp,
            "day": periods.day_of(now, rules), "created_at": stamp})
    if batch["status"] != exit_settlement.DONE:
        # and each of the batch's own left pending by a crash (its money taken, its bill cancelled already:
        # no longer found by its money), finished and announced (found by r8 reviewing h8)
        pending = {s["household_id"] for s in store.exit_settlements_of(db, estate_id, batch_id)
                   if s["status"] != exit_settlement.DONE}
        for household_id in sorted(pending.union(exit_settlement.households_to_settle(
                bills, store.unapplied_payments(db, estate_id), end_day))):
            _exit_settle(db, outbox, caller, estate_id, household_id, end_day, exit_settlement.TRANSFER,
                         batch["method"], batch["note"], batch)
        settled = store.exit_settlements_of(db, estate_id, batch_id)
        amount = sum(s["amount_cents"] for s in settled)
        if amount:  # on the journal held, today's (a batch resumed on a later day: ``exit_refund_entry``)
            day = periods.day_of(clock.now(), rules)
            with journal_day(db, estate_id, caller.user, day):
                if store.find_entry(db, estate_id, journals.entry_id(estate_id, "exit_transfer", batch_id)) is None:
                    if _settled(db, estate_id, caller.user, day):
                        raise BusinessRuleViolation(f"{caller.user}'s journal of {day} is settled and closed",
                                                    [field_error("day", "is settled: no more entries")])
                    store.insert_entry(db, journals.exit_transfer_entry(batch, amount, caller.user, day,
                                                                        clock.now_iso()))
        batch = store.change_exit_transfer(db, outbox, estate_id, batch_id, lambda current: None if current[
            "status"] == exit_settlement.DONE else Change({"status": exit_settlement.DONE, "amount_cents": amount}))
    return _exit_transfer_view(db, estate_id, batch)


def _exit_transfer_view(db, estate_id, batch):
    flats = {flat["_id"]: flat for flat in store.household_flats(db, estate_id)}
    return exit_settlement.transfer_view(batch, store.exit_settlements_of(db, estate_id, batch["_id"]), flats)


def get_exit_transfer(db, estate_id, as_of):
    end_day = exit_handover.checked_end_day(as_of)
    batch = store.find_exit_transfer(db, estate_id, exit_settlement.transfer_id(estate_id, end_day))
    if batch is None:
        raise NotFound("no transfer of the money owed back at this contract's end")
    return _exit_transfer_view(db, estate_id, batch)


# -- money collected on behalf of others (代收代缴, pass_through.py) -------------------------------------------

def create_pass_through_payee(db, outbox, caller, estate_id, data):
    """A payee of the estate's collections for others (a gas, broadband or water company), its handling fee."""
    payee_id = caller.created_id("ptp", estate_id)
    now = clock.now()
    return public(store.create_payee(db, outbox, estate_id, payee_id,
                                     lambda: pass_through.new_payee(payee_id, estate_id, data, now, caller.user)))


def _named_payee(db, estate_id, payee_id, field="id"):
    payee = store.find_payee(db, estate_id, payee_id)
    if payee is None:
        if field == "id":
            raise NotFound("no such payee of money collected for others in this estate")
        raise BusinessRuleViolation("no such payee of money collected for others in this estate",
                                    [field_error(field, "is not a payee of this estate")])
    return payee


def set_pass_through_fee(db, outbox, caller, estate_id, payee_id, data):
    """The payee's handling fee (a per-estate setting per payee): the collections after it charge it."""
    _named_payee(db, estate_id, payee_id)
    return public(store.change_payee(db, outbox, estate_id, payee_id, lambda current: (
        lambda changes: Change(changes) if changes else None)(pass_through.fee_change(current, data))))


def list_pass_through_payees(db, estate_id, limit=None, cursor=None):
    """A page of payees, each with what was collected for it, its fees apart, what was handed on and what is owed."""
    page = store.payees_page(db, estate_id, limit, cursor)
    collections, remittances = store.payees_collected(db, estate_id, [p["id"] for p in page["items"]])
    lines = pass_through.payee_lines([{**p, "_id": p["id"]} for p in page["items"]], collections, remittances)
    page["items"] = [{key: value for key, value in line.items() if key != "_id"} for line in lines]
    return page


def record_pass_through_collection(db, outbox, caller, estate_id, data):
    """An owner's money for a payee received (代收): ``pending`` with its receipt number, its journal entries (the
    payee's money, the fee apart), ``posted`` with ``pass_through_collected``; a retry (same Idempotency-Key)
    or the half-done sweep finishes it. Never a bill: not the estate's income."""
    collection_id = caller.created_id("ptc", estate_id)
    existing = store.find_collection(db, estate_id, collection_id)
    if existing is None:
        payee = _named_payee(db, estate_id, data["payee_id"], "data.payee_id")
        store.known_household(db, estate_id, data["household_id"])
        rules, now = store.rules_for(db, estate_id), clock.now()
        with open_journal_day(db, estate_id, caller.user, periods.day_of(now, rules)):
            existing = store.find_collection(db, estate_id, collection_id)  # a twin call under way (a top-up's rule)
            if existing is None:
                made = pass_through.new_collection(collection_id, estate_id, data, payee, now, rules, caller.user)
                number = payments.receipt_number(now, rules,
                                                 store.next_number(db, estate_id, payments.receipt_series(now, rules)))
                store.insert_collection(db, made | {"receipt_number": number})
                existing = store.find_collection(db, estate_id, collection_id)
            return public(_finish_pass_through_collection(db, outbox, existing))
    return public(_finish_pass_through_collection(db, outbox, existing))


def _finish_pass_through_collection(db, outbox, collection):
    if collection["status"] != pass_through.PENDING:
        return collection
    for entry in journals.pass_through_entries(collection):
        store.insert_entry(db, entry)  # once: natural ids
    return store.change_collection(db, outbox, collection["estate_id"], collection["_id"], lambda current: Change(
        {"status": pass_through.POSTED}, events=[outbox.event(
            "pass_through_collected", current["estate_id"], pass_through.collected_event_data(current),
            actor=current["cashier"])]) if current["status"] == pass_through.PENDING else None)


def list_pass_through_collections(db, estate_id, filters, limit=None, cursor=None):
    return store.collections_page(db, estate_id, filters, limit, cursor)


def remit_pass_through(db, outbox, caller, estate_id, payee_id, data):
    """The payee's collections of a month not handed on yet, handed on in one batch (代缴): ``pending`` with
    them, each marked its own once, the journal entry (money out on the caller's journal of the day), ``done``
    with ``pass_through_remitted``. Nothing owed: 422, nothing written. A retry finishes it."""
    remittance_id = caller.created_id("ptm", estate_id)
    existing = store.find_remittance(db, estate_id, remittance_id)
    if existing is None:
        payee = _named_payee(db, estate_id, payee_id)
        rules, now = store.rules_for(db, estate_id), clock.now()
        pass_through.refuse_not_begun(data["period"], periods.period_of(now, rules))
        with open_journal_day(db, estate_id, caller.user, periods.day_of(now, rules)):
            existing = store.find_remittance(db, estate_id, remittance_id)
            if existing is None:
                owed = store.owed_collections(db, estate_id, payee_id, data["period"])
                store.insert_remittance(db, pass_through.new_remittance(remittance_id, payee, data["period"], data,
                                                                        owed, now, rules, caller.user))
                existing = store.find_remittance(db, estate_id, remittance_id)
            return public(_finish_pass_through_remittance(db, outbox, existing))
    return public(_finish_pass_through_remittance(db, outbox, existing))


def _finish_pass_through_remittance(db, outbox, remittance):
    """Each planned collection marked this remittance's once; one another batch took meanwhile left out, the
    amount what it took (never more than collected, so owed is never negative); then its entry and ``done``."""
    if remittance["status"] != pass_through.PENDING:
        return remittance
    estate_id = remittance["estate_id"]
    taken = [store.take_collection(db, outbox, estate_id, collection_id, remittance["_id"])
             for collection_id in remittance["collection_ids"]]
    own = [c for c in taken if c.get("remittance_id") == remittance["_id"]]
    if not own:
        # every collection of its plan another batch took: nothing moved on it (none marked its own, no entry),
        # taken away and refused as one with nothing owed, never a remittance of 0 cents done and announced
        store.drop_untaken_remittance(db, estate_id, remittance["_id"])
        raise pass_through.nothing_owed(remittance["payee_name"], remittance["period"])
    changes = {"collection_ids": sorted(c["_id"] for c in own), "amount_cents": sum(c["amount_cents"] for c in own)}
    planned = remittance | changes
    store.insert_entry(db, journals.pass_through_remittance_entry(planned))
    return store.change_remittance(db, outbox, estate_id, remittance["_id"], lambda current: Change(
        changes | {"status": pass_through.DONE}, events=[outbox.event(
            "pass_through_remitted", estate_id, pass_through.remitted_event_data(current | changes),
            actor=current["by"])]) if current["status"] == pass_through.PENDING else None)


def list_pass_through_remittances(db, estate_id, filters, limit=None, cursor=None):
    return store.remittances_page(db, estate_id, filters, limit, cursor)


def reverse_pass_through_collection(db, outbox, caller, estate_id, collection_id, data):
    """A collection for a payee recorded by mistake reversed (``pass_through``'s reversal, h4): its record
    ``pending`` (its id from the collection's: once), the collection claimed (marked ``reversed``, kept), the
    entries out on the caller's journal of the day, ``done`` with ``pass_through_collection_reversed``. Refused 409
    when reversed already, pending, or handed on (its remittance named), nothing written. A retry finishes it."""
    collection = store.find_collection(db, estate_id, collection_id)
    if collection is None:
        raise NotFound("no such collection of money for a payee in this estate")
    reversal_id = pass_through.reversal_id(estate_id, collection_id)
    existing = store.find_pass_through_reversal(db, estate_id, reversal_id)
    if existing is None:
        rules, now = store.rules_for(db, estate_id), clock.now()
        with open_journal_day(db, estate_id, caller.user, periods.day_of(now, rules)):
            made = pass_through.new_reversal(collection, data, now, rules, caller.user) | {
                "_call": _reversal_call(caller, estate_id)}
            if store.insert_pass_through_reversal(db, made):
                existing = store.find_pass_through_reversal(db, estate_id, made["_id"])
                return public(_finish_pass_through_reversal(db, outbox, existing))
        existing = store.find_pass_through_reversal(db, estate_id, reversal_id)  # a twin call wrote it first
        if existing is None:  # and took it away meanwhile: a remittance had taken the collection
            pass_through.refuse_not_reversible(store.find_collection(db, estate_id, collection_id))
            raise Conflict("the collection is being reversed by another call: ask again in a moment",
                           [field_error("id", "is being reversed")])
    if _same_reversal_call(existing, caller, estate_id):  # sent again with its key: finished, the same answer
        return public(_finish_pass_through_reversal(db, outbox, existing))
    # another call's reversal (another cashier's, or a twin's): finished if a crash left it pending (on its own
    # cashier's journal), never answered as this call's: a 201 told a second cashier he had paid the owner back
    # while the entries were on the first one's drawer (found by r4 reviewing h4)
    _finish_pass_through_reversal(db, outbox, existing)
    pass_through.refuse_not_reversible(store.find_collection(db, estate_id, collection_id))
    raise Conflict("the collection is reversed already", [field_error("id", "is reversed already")])


def _reversal_call(caller, estate_id):
    """The mark of the call that wrote a reversal: its caller's Idempotency-Key (None without one)."""
    return None if caller.creates_new_id else caller.created_id("ptk", estate_id)


def _same_reversal_call(reversal, caller, estate_id):
    """Whether a done reversal answers this call: the call that wrote it sent again with its key (a reply lost
    on its way made the retry a 409 "reversed already", as a payment's reversal once did)."""
    mark = _reversal_call(caller, estate_id)
    return mark is not None and reversal.get("_call") == mark


def _finish_pass_through_reversal(db, outbox, reversal):
    """The collection claimed (a remittance that took it first: the reversal taken away, 409 naming it), the
    entries (once: natural ids), ``done`` with the event. The retry, the day's settlement or the sweep finish it."""
    if reversal["status"] != pass_through.PENDING:
        return reversal
    estate_id = reversal["estate_id"]
    try:
        store.change_collection(db, outbox, estate_id, reversal["collection_id"], lambda current: (
            lambda changes: Change(changes) if changes else None)(pass_through.reversal_claim(current, reversal)))
    except Conflict:
        store.drop_unclaimed_pass_through_reversal(db, estate_id, reversal["_id"])
        raise
    for entry in journals.pass_through_reversal_entries(reversal):
        store.insert_entry(db, entry)
    return store.change_pass_through_reversal(db, outbox, estate_id, reversal["_id"], lambda current: Change(
        {"status": pass_through.DONE}, events=[outbox.event(
            "pass_through_collection_reversed", estate_id, pass_through.reversed_event_data(current),
            actor=current["by"])]) if current["status"] == pass_through.PENDING else None)
