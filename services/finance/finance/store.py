"""finance's repository: the only module of the service that touches its database.

Hot paths stay on ``_id`` (natural keys); reads that walk many documents use
``estate_common.store.scan`` (linear on the embedded store too).
"""
from estate_common import (calendar, clock, closed_counts, closed_counts_store, export_store, ids, jobs, leases_store,
                           numbering, replica, settings, store, writes)
from estate_common.bill_payers import DEVELOPER
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.store import BulkWriteFailure, DuplicateKey

from . import exit_settlement
from .payers import MOVED_TO_DEVELOPER
from .rules import DEFAULTS, MAXIMA, MINIMA
from .seller_prepaid import GROWING, TAKEN_BACK

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]
DUPLICATE_KEY = 11000

INDEXES = {
    **replica.INDEXES,
    **closed_counts.INDEXES,
    **jobs.INDEXES,
    **export_store.INDEXES,
    **settings.INDEXES,
    "fee_standards": [(PAGED, {}), ([("estate_id", 1), ("item", 1), ("status", 1)], {})],
    "bills": [
        (PAGED, {}),
        (store.SYNCED, {}),  # an integrator's sync: the list's updated_since, in (updated_at, _id) order
        ([("estate_id", 1), ("household_id", 1), ("status", 1)], {}),
        ([("estate_id", 1), ("period", 1), ("item", 1)], {}),
        ([("estate_id", 1), ("status", 1), ("due_at", 1)], {}),
        ([("estate_id", 1), ("allocations.at", 1)], {}),
        # the arrears of a past day: the bills paid in full, or cancelled, after it (bills_owing_at)
        ([("estate_id", 1), ("status", 1), ("settled_at", 1)], {}),
        ([("estate_id", 1), ("status", 1), ("cancelled_at", 1)], {}),
        # the bills of several months that may reach a contract's end from the months before it
        # (bills_at_contract_end): each kind apart, where the handover walked the estate's year of bills
        ([("estate_id", 1), ("pricing.months", 1)], {"partialFilterExpression": {"pricing.months": {"$exists": True}}}),
        ([("estate_id", 1), ("covers_to", 1)], {"partialFilterExpression": {"covers_to": {"$exists": True}}}),
        ([("estate_id", 1), ("owed.to", 1)], {"partialFilterExpression": {"owed.to": {"$exists": True}}}),
        # a cancelled bill whose money is on its way back to its payments (cancel_bill): the few marked bills
        # only, so that the half-done sweep's query does not walk the estate's cancelled bills
        ([("estate_id", 1), ("status", 1), ("_giving_back", 1)],
         {"partialFilterExpression": {"_giving_back": {"$exists": True}}}),
    ],
    "payments": [
        (PAGED, {}),
        (store.SYNCED, {}),  # an integrator's sync: the list's updated_since, in (updated_at, _id) order
        ([("estate_id", 1), ("household_id", 1), ("status", 1)], {}),
        ([("estate_id", 1), ("unapplied_cents", 1)], {}),
        ([("estate_id", 1), ("day", 1)], {}),
        # money being put on a bill (use_prepaid): the few marked payments only, so that the timer's
        # query does not walk the estate's posted payments
        ([("estate_id", 1), ("status", 1), ("_prepaid_in_use", 1)],
         {"partialFilterExpression": {"_prepaid_in_use": {"$exists": True}}}),
        ([("estate_id", 1), ("status", 1), ("created_at", 1)], {}),  # the half-done sweep
        # a payment found by its channel's number or its receipt's (list_payments: a line of the
        # channel's statement reconciled, a receipt an owner quotes)
        ([("estate_id", 1), ("transaction_id", 1)], {}),
        ([("estate_id", 1), ("receipt_number", 1)], {}),
        # the opening credits' list (kind=opening_credit), in the list's order: a bucket of the
        # credits alone, where the list's PAGED index walked the estate's payments to find them
        ([("estate_id", 1), ("kind", 1), ("created_at", 1), ("_id", 1)], {}),
    ],
    "journal": [
        (PAGED, {}),
        ([("estate_id", 1), ("cashier", 1), ("day", 1)], {}),
        ([("estate_id", 1), ("day", 1)], {}),
    ],
    "settlements": [(PAGED, {}), ([("estate_id", 1), ("date", 1)], {})],
    # one per cashier's day with a journal entry, marked settled by its settlement: the days left
    # unsettled are read here, not from a walk of every entry (2 years of a busy estate: 1 s)
    "journal_days": [([("estate_id", 1), ("settled", 1), ("day", 1)], {})],
    "reminders": [(PAGED, {}), ([("estate_id", 1), ("household_id", 1)], {})],
    "expenses": [(PAGED, {}), ([("estate_id", 1), ("period", 1)], {})],
    "deposits": [(PAGED, {}), ([("estate_id", 1), ("household_id", 1)], {}),
                 ([("estate_id", 1), ("refund.status", 1), ("refund.day", 1)], {}),  # half-done refunds
                 # and half-done reversals of their deductions (the sweep, the cashier's settlement)
                 ([("estate_id", 1), ("refund.deductions_reversal.status", 1), ("refund.deductions_reversal.day", 1)],
                  {})],
    # the desk's list of low balances to tell their owners (?low=true)
    "utility_accounts": [(PAGED, {}), ([("estate_id", 1), ("household_id", 1)], {}),
                         ([("estate_id", 1), ("low_noticed", 1), ("created_at", 1), ("_id", 1)], {})],
    "utility_owner_notices": [(PAGED, {}), ([("estate_id", 1), ("account_id", 1)], {}),
                              ([("estate_id", 1), ("household_id", 1)], {})],
    "utility_moves": [(PAGED, {}), ([("estate_id", 1), ("household_id", 1), ("utility", 1)], {}),
                      ([("estate_id", 1), ("status", 1), ("created_at", 1)], {}),  # the half-done sweep
                      # a top-up found by its receipt, as the payer quotes it (list_moves)
                      ([("estate_id", 1), ("receipt_number", 1)], {})],
    "invoices": [(PAGED, {}), ([("estate_id", 1), ("payment_id", 1), ("status", 1)], {})],
    "fund_accounts": [([("estate_id", 1)], {})],
    "fund_entries": [(PAGED, {}), ([("estate_id", 1), ("day", 1)], {}),
                     ([("estate_id", 1), ("work_order_id", 1)], {}),  # a work order's uses
                     ([("estate_id", 1), ("household_id", 1)], {}),  # a flat's deposits (its 分户账)
                     ([("estate_id", 1), ("apportionment.household_id", 1)], {}),  # a flat's shares of uses
                     ([("estate_id", 1), ("status", 1), ("created_at", 1)], {})],  # the half-done sweep
    "operating_expenses": [(PAGED, {}), ([("estate_id", 1), ("period", 1), ("category", 1)], {}),
                           ([("estate_id", 1), ("contractor_id", 1), ("period", 1)], {}),
                           ([("estate_id", 1), ("duplicate_of", 1)], {})],
    "disclosures": [(PAGED, {}), ([("estate_id", 1), ("period", 1)], {})],
    # one per billing run ended, by its job's id: written once with its billing_run_finished
    "billing_runs": [(PAGED, {}), ([("estate_id", 1), ("period", 1)], {})],
    "locks": [([("estate_id", 1)], {})],
    # the months a household's item is billed for, by the bills written under the estate's fenced lock of the
    # billing of months (``claim_coverage``): one per household, item and payer, by its natural id
    "billing_coverage": [([("estate_id", 1)], {})],
    # an owner's statement link (owner_access.py): one per household, found by its secret's hash
    "owner_access": [([("estate_id", 1), ("secret_hash", 1)], {})],
    "bill_versions": [([("estate_id", 1)], {})],
    # the seller's prepaid money held at a sale (seller_prepaid.py): one per household and transfer day
    "seller_prepaid": [(PAGED, {}), ([("estate_id", 1), ("household_id", 1)], {}),
                       ([("estate_id", 1), ("refund.status", 1), ("refund.day", 1)], {})],  # half-done refunds
    # the owners' money paid ahead settled at a contract's end (exit_settlement.py): one per household and end,
    # one transfer batch per estate and end
    "exit_settlements": [(PAGED, {}), ([("estate_id", 1), ("transfer_id", 1)], {})],
    "exit_transfers": [(PAGED, {})],
    # the estate's contract end fixed by its first settlement that moved money (one per estate, its natural id)
    "exit_end_days": [([("estate_id", 1)], {})],
    # a household's own billing cycle of an item (按季 / 按年缴费: billing_cycles.py), one per household and item
    "billing_cycles": [(PAGED, {}), ([("estate_id", 1), ("household_id", 1)], {})],
    # the estate account's bank statement lines of a month (银行对账: bank_statements.py), one per line's natural id
    "bank_statement_lines": [([("estate_id", 1), ("period", 1)], {})],
    # 公共收益 (public_revenue.py): the contracts of the common parts' use, and the income received against them
    "revenue_contracts": [(PAGED, {}), ([("estate_id", 1), ("kind", 1)], {})],
    "revenue_receipts": [(PAGED, {}), ([("estate_id", 1), ("contract_id", 1)], {}),
                         ([("estate_id", 1), ("day", 1)], {}),
                         ([("estate_id", 1), ("reversal.day", 1)], {}),  # the receipts reversed in a period
                         ([("estate_id", 1), ("status", 1), ("created_at", 1)], {})],  # the half-done sweep
    # money collected on behalf of others (代收代缴, pass_through.py): the payees, what was collected for each
    # (by payee and month: a remittance's batch), and what was handed on
    "pass_through_payees": [(PAGED, {})],
    "pass_through_collections": [(PAGED, {}), ([("estate_id", 1), ("payee_id", 1), ("period", 1)], {}),
                                 ([("estate_id", 1), ("day", 1)], {}),  # the reconciliation's receipts of its days
                                 ([("estate_id", 1), ("status", 1), ("created_at", 1)], {})],  # the half-done sweep
    "pass_through_remittances": [(PAGED, {}), ([("estate_id", 1), ("payee_id", 1), ("period", 1)], {}),
                                 ([("estate_id", 1), ("status", 1), ("created_at", 1)], {})],  # the half-done sweep
    # a collection recorded by mistake reversed (h4): a record of its own, once per collection (its natural id)
    "pass_through_reversals": [(PAGED, {}),
                               ([("estate_id", 1), ("status", 1), ("created_at", 1)], {})],  # the half-done sweep
}

# indexes an older version made, dropped at start-up (estate_common.store.drop_retired_indexes)
RETIRED_INDEXES = {"payments": ["estate_id_1__prepaid_in_use_1"]}  # now partial, led by status too


NAMES = {  # collection -> what the API calls one of its documents
    "fee_standards": "fee standard", "bills": "bill", "payments": "payment", "journal": "journal entry",
    "settlements": "settlement", "reminders": "reminder", "expenses": "expense", "deposits": "deposit",
    "utility_accounts": "utility account", "utility_moves": "utility top-up or usage",
    "utility_owner_notices": "record of an owner told", "invoices": "invoice",
    "fund_accounts": "maintenance fund", "fund_entries": "maintenance fund entry",
    "operating_expenses": "operating expense", "disclosures": "published disclosure",
    "billing_runs": "billing run", "seller_prepaid": "seller's prepaid money held",
    "billing_cycles": "household billing cycle", "bank_statement_lines": "bank statement line",
    "revenue_contracts": "public revenue contract", "revenue_receipts": "public revenue receipt",
    "exit_settlements": "settlement of the money owed back at the contract's end",
    "pass_through_payees": "payee of money collected for others",
    "pass_through_collections": "money collected for a payee", "pass_through_remittances": "remittance to a payee",
    "pass_through_reversals": "reversal of money collected for a payee",
    "exit_transfers": "transfer of the money owed back to the next company",
    "exit_end_days": "contract end day of the estate",
}
# reads by id, and the one write path (estate_common.writes); a bill's and a payment's updated_at is
# the moment of each write that changes what the API shows of it (an integrator's sync: the lists'
# updated_since)
_named = writes.Named(NAMES, stamped=("bills", "payments"))


def rules_for(db, estate_id):
    """The estate's numbers (its settings over DEFAULTS) and its ``timezone``, the estate's
    calendar: master data from archive (the read copy), not a setting of this service."""
    return rules_of(db, estate_id, estate(db, estate_id))


def rules_as_of(db, estate_id, as_of):
    """``rules_for`` with the estate's settings in force at ``as_of`` (ISO: ``settings``' history):
    a past day's float counted at its late settlement (``operations.drawer_float``)."""
    numbers = settings.for_estate(db, DEFAULTS, estate_id, maxima=MAXIMA, minima=MINIMA, as_of=as_of)
    return numbers | {"timezone": calendar.timezone_of(estate(db, estate_id))}


def rules_of(db, estate_id, copy):
    """``rules_for`` from the estate's ``copy`` the caller read (None before it came), for one
    that reads more of it (its ``retired_at``: ``operations.months_not_billed``)."""
    numbers = settings.for_estate(db, DEFAULTS, estate_id, maxima=MAXIMA, minima=MINIMA)
    return numbers | {"timezone": calendar.timezone_of(copy)}


def next_number(db, estate_id, series):
    return store.next_number(db, estate_id, series)


# -- households (read copies of archive's master data) -------------------------

def known_household(db, estate_id, household_id, field="data.household_id"):
    household = replica.get(db, "household", estate_id, household_id)
    if household is None:
        raise BusinessRuleViolation("household is not known in this estate",
                                    [field_error(field, "no such household in this estate")])
    return household


def find_household(db, estate_id, household_id):
    """The household's copy, or None when finance has none."""
    return replica.get(db, "household", estate_id, household_id)


# what a billing run reads of a household copy (``standards.applies``); archive's events may
# not carry all of them yet: an absent field does not exclude the household
BILLING_FIELDS = ("area_m2", "status", "occupied_from", "occupied_to", "created_at", "taken_over_on",
                  "owner_since")  # owner_since: the month of a sale split by the day (sale_month)


def households_for_billing(db, estate_id):
    """Every household copy of the estate with the fields a billing run reads, in one walk."""
    return store.scan(db.households, {"estate_id": estate_id}, BILLING_FIELDS)


def owners_since(db, estate_id, household_ids):
    """``{household_id: owner_since}`` of these households' copies whose owner bought the flat (archive's owner
    transfer day; ``sale_month.sellers_money_pays``), by ``_id``."""
    wanted = list(dict.fromkeys(household_ids))
    if not wanted:
        return {}
    return {h["_id"]: h["owner_since"] for h in store.scan(db.households, {"estate_id": estate_id,
                                                                            "_id": {"$in": wanted}},
                                                           ("owner_since",)) if h.get("owner_since")}


def household_addresses(db, estate_id, household_ids):
    """The addresses of these households (a page's: by ``_id``, not a walk of the estate)."""
    wanted = list(dict.fromkeys(household_ids))
    if not wanted:
        return {}
    return {h["_id"]: h for h in store.scan(db.households, {"estate_id": estate_id, "_id": {"$in": wanted}},
                                            ("building", "unit", "room"))}


def household_flats(db, estate_id):
    """Every household copy of the estate with its address (an opening balances import finds the
    flats its lines name by it), in one walk."""
    return store.scan(db.households, {"estate_id": estate_id}, ("building", "unit", "room"))


# -- a household's money, one writer at a time -----------------------------------

def lock_household(db, estate_id, household_id, now_iso, expires_iso):
    """Take the household's lock (an insert on a natural ``_id``; an expired lock is taken
    over). Returns the lock's ``(_id, token, estate_id, fence)`` (``leases_store.take``); Conflict when
    another writer holds it."""
    return _lock(db, estate_id, ids.natural_id("lock", estate_id, household_id), now_iso, expires_iso,
                 "another payment of this household is being posted; try again in a moment")


def lock_journal_day(db, estate_id, cashier, day, now_iso, expires_iso):
    """Take the lock of ``cashier``'s journal of ``day`` (as ``lock_household``)."""
    return _lock(db, estate_id, _journal_day_lock(estate_id, cashier, day)[0], now_iso, expires_iso,
                 "another entry of this cashier's day is being written; try again in a moment")


def _journal_day_lock(estate_id, cashier, day):
    """The ids of the locks that fence the writes of ``cashier``'s day (``leases_store.update_fenced``)."""
    return (ids.natural_id("lock", estate_id, "journal", cashier, day),)


def lock_transaction(db, estate_id, method, transaction_id, now_iso, expires_iso):
    """Take the lock of a payment channel's transaction (``transaction_id`` of ``method``; as
    ``lock_household``): its posting for two households at once is one at a time."""
    return _lock(db, estate_id, ids.natural_id("lock", estate_id, "transaction", method, transaction_id), now_iso,
                 expires_iso, "this transaction is being posted; try again in a moment", fenced=False)


def lock_work_order_uses(db, estate_id, work_order_id, now_iso, expires_iso):
    """Take the lock of the fund's uses of a work order (as ``lock_household``): one request at a time."""
    return _lock(db, estate_id, ids.natural_id("lock", estate_id, "fund-uses", work_order_id), now_iso, expires_iso,
                 "another use of the fund for this work order is being requested; try again in a moment",
                 fenced=False)


SHARED_USES_BUSY = {
    "approval": "another use of the fund shared by this building is being approved; try again in a moment",
    "reversal": "a deposit of a flat of this building is being reversed; try again in a moment",
}


def lock_shared_uses(db, estate_id, building, now_iso, expires_iso, held_for="approval"):
    """Take the lock of the approvals of the fund's uses shared by ``building``'s flats, and of its
    flats' deposits' reversals (``held_for``: which takes it; as ``lock_household``): one at a time,
    each reading the flats' accounts the one before left. Refused, it says which holds it (a
    manager was told an approval was under way while a reversal held it: found by review)."""
    lock_id = ids.natural_id("lock", estate_id, "fund-shared", building)
    try:
        return _lock(db, estate_id, lock_id, now_iso, expires_iso, SHARED_USES_BUSY[held_for], held_for)
    except Conflict:
        holder = (db.locks.find_one({"_id": lock_id, "estate_id": estate_id}) or {}).get("held_for")
        raise Conflict(SHARED_USES_BUSY[holder if holder in SHARED_USES_BUSY else "approval"],
                       retry_after=1) from None


def lock_fee_item(db, estate_id, item, now_iso, expires_iso):
    """Take the lock of the approvals of ``item``'s standards (as ``lock_household``): one at a time."""
    return _lock(db, estate_id, ids.natural_id("lock", estate_id, "fee-standards", item), now_iso, expires_iso,
                 f"another {item} standard is being approved; try again in a moment")


def lock_own_cycles(db, estate_id, now_iso, expires_iso):
    """Take the estate's lock of the billing of months (the households' own cycles, 按季 / 按年缴费, and the
    items with a standard of several months: a run reads what their bills cover, then writes theirs), one
    run of the estate at a time (as ``lock_household``), with its fence: ``(_id, token, estate_id, fence)``,
    the fence a number above every earlier grant's of the lock (every lease's, ``leases_store.take``: its
    document is never deleted, given back it is expired; one made anew starts at the grant's moment in
    milliseconds, above any count reached). Each write under the lock is checked against it
    (``claim_coverage``), so a run that lost the lock while stalled writes nothing after the next run's."""
    return _lock(db, estate_id, ids.natural_id("lock", estate_id, "billing-cycles"), now_iso, expires_iso,
                 "another billing run is billing the households' own cycles; run this month again in a moment")


def lock_bank_statement(db, estate_id, period, now_iso, expires_iso):
    """Take the lock of the month's bank statement (as ``lock_household``): an upload replacing its
    lines, a match confirmed, a line explained, one at a time (each reads the lines, then writes)."""
    return _lock(db, estate_id, ids.natural_id("lock", estate_id, "bank-statement", period), now_iso, expires_iso,
                 "the month's bank statement is being changed by another call; try again in a moment")


def lock_contractor_month(db, estate_id, contractor_id, period, now_iso, expires_iso):
    """Take the lock of a contractor's month's operating cost (as ``lock_household``): an invoice typed
    and the signed month's cost, one at a time (each reads the month's costs, then writes: r5)."""
    return _lock(db, estate_id, ids.natural_id("lock", estate_id, "contractor-month", contractor_id, period),
                 now_iso, expires_iso, "the contractor's month is being recorded by another call; try again in a moment")


def _lock(db, estate_id, lock_id, now_iso, expires_iso, busy, held_for=None, fenced=True):
    """``busy``: the refusal's message; ``held_for``: what takes the lock, kept on it (what holds it
    then says so: ``lock_shared_uses``). A lease (``estate_common.leases_store``; ``fenced``: see there:
    a transaction's lock and a work order's, taken about once a key, are not)."""
    return leases_store.take(db.locks, estate_id, lock_id, now_iso, expires_iso, busy, fenced,
                             **({"held_for": held_for} if held_for else {}))


LOST_LOCK = "the billing run lost its lock to another run; run this month again"


def renew_lock(db, lock, expires_iso):
    """Keep a lock taken by ``_lock`` for longer (a billing run's writes under the estate's lock of the
    billing of months, batch by batch); Conflict when it is no longer ours (expired and taken over)."""
    try:
        leases_store.renew(db.locks, lock, expires_iso)
    except Conflict:
        raise Conflict(LOST_LOCK, retry_after=1) from None


def held(db, lock, seconds, checked=True):
    """``lock`` (taken by a ``lock_*`` above for ``seconds``) held while a block runs, each write of it
    checked and fenced against it (``leases_store.held``), given back at its end (``unlock``).
    ``checked=False``: the lock of the billing of months (``lock_own_cycles``), which the billing run renews
    batch by batch and whose fence refuses a stalled run's writes on the coverage documents
    (``claim_coverage``), which the next run's own may then finish."""
    return leases_store.held(db.locks, lock, seconds, lambda taken: unlock(db, taken), checked=checked)


def unlock(db, lock):
    """Give back a lock taken by a ``lock_*`` above (if it is still ours): expired, not deleted, its document
    keeping the fence counting up (``leases_store.give_back``)."""
    leases_store.give_back(db.locks, lock)


# -- fee standards -------------------------------------------------------------

def get_standard(db, estate_id, standard_id):
    return _named.get(db, "fee_standards", estate_id, standard_id)


def find_standard(db, estate_id, standard_id):
    """The estate's standard of that id, or None."""
    return _named.find(db, "fee_standards", estate_id, standard_id)


def list_standards(db, estate_id, filters, limit, cursor):
    """``filters``: ``item``, ``status``, and ``id`` (one standard: the gateway's check of an approval)."""
    query = {"estate_id": estate_id, **{("_id" if name == "id" else name): value for name, value in filters.items()}}
    return store.page(db.fee_standards, query, limit, cursor)


def approved_standards(db, estate_id, item=None):
    query = {"estate_id": estate_id, "status": "approved"}
    if item:
        query["item"] = item
    return list(store.scan(db.fee_standards, query))


def parking_standards(db, estate_id):
    """The estate's approved and pending ``parking`` standards, every one (the index on estate, item, status)."""
    return list(store.scan(db.fee_standards, {"estate_id": estate_id, "item": "parking",
                                              "status": {"$in": ["approved", "pending"]}},
                           ("status", "item", "cycle", "amount_cents", "valid_from", "valid_to")))


# -- a household's own billing cycle (缴费周期) ------------------------------------------

def billing_cycles_of(db, estate_id):
    """``{(household_id, item): record}``: every household's own billing cycle of the estate (a run's
    read: few, those the accountant set)."""
    return {(r["household_id"], r["item"]): r for r in store.scan(db.billing_cycles, {"estate_id": estate_id})}


def set_billing_cycle(db, outbox, estate_id, record_id, build, change):
    """The household's record: made by ``build()`` when it has none, else ``change(current)`` (a
    ``writes.Change``, or None: as it is) with a revision check. The record as it is after."""
    made = _named.create(db, outbox, "billing_cycles", estate_id, record_id, lambda: (build(), []),
                         found=lambda stored: None)
    if made is not None:
        return made
    return _named.change(db, outbox, "billing_cycles", estate_id, record_id, change)


def list_billing_cycles(db, estate_id, filters, limit, cursor, shown):
    """``filters``: ``household_id``, ``item``."""
    return store.page(db.billing_cycles, {"estate_id": estate_id, **filters}, limit, cursor, shown=shown)


# what a bill's months covered are read from (``billing.months_covered``, ``billing.coverage``)
COVERAGE_FIELDS = ("household_id", "item", "period", "pricing", "prorated", "covers_from", "covers_to",
                   "source.standard_id", "source.kind", "payer", "owed")  # a developer's days: its months (h2)


def bills_covering(db, estate_id, household_ids, item, first, last):
    """The bills (not cancelled) of ``household_ids`` of ``item`` whose period is ``first``..``last``,
    with the months they cover (``billing.months_covered``): a run's look at what a household billed by
    its own cycle is billed for already. By the bills index on estate, household, status."""
    if not household_ids:
        return []
    return list(store.scan(db.bills, {"estate_id": estate_id, "household_id": {"$in": sorted(household_ids)},
                                      "status": NOT_CANCELLED, "item": item,
                                      "period": {"$gte": first, "$lte": last}},
                           COVERAGE_FIELDS))


def developer_bills_of(db, estate_id, period):
    """The developer's live bills of ``period`` (开发建设单位, ``payers``): those a handover recorded since
    may restate. Through the bills index on estate, period, item."""
    return list(store.scan(db.bills, {"estate_id": estate_id, "period": period, "status": NOT_CANCELLED,
                                      "payer": DEVELOPER}))


def owner_bills_of(db, estate_id, period, household_ids):
    """The owner's live bills of ``period`` of ``household_ids`` (not the developer's, ``payers``): those a
    takeover recorded since may move to the developer. Through the bills index on estate, period, item."""
    if not household_ids:
        return []
    return list(store.scan(db.bills, {"estate_id": estate_id, "period": period, "status": NOT_CANCELLED,
                                      "payer": {"$ne": DEVELOPER}, "household_id": {"$in": sorted(household_ids)}}))


def sale_restated_households(db, estate_id, period, household_ids):
    """Those of ``household_ids`` whose bill of ``period`` a run restated for a sale recorded late (its parts
    correcting the whole month: ``source.corrects_bill_id``), through the bills index on estate and period."""
    if not household_ids:
        return []
    return sorted({bill["household_id"] for bill in store.scan(db.bills, {
        "estate_id": estate_id, "period": period, "status": NOT_CANCELLED, "household_id": {"$in": sorted(household_ids)},
        "sale.part": {"$exists": True}, "source.corrects_bill_id": {"$ne": None}}, ("household_id",))})


def moved_owner_bill_ids(db, estate_id, household_ids):
    """The ids of the owner's bills of ``household_ids`` cancelled for the developer's days
    (``MOVED_TO_DEVELOPER``), whose ids a later owner's bill does not take (``payers.owner_rebill``)."""
    if not household_ids:
        return set()
    return {bill["_id"] for bill in store.scan(db.bills, {
        "estate_id": estate_id, "household_id": {"$in": sorted(household_ids)}, "status": "cancelled",
        "payer": {"$ne": DEVELOPER}, MOVED_TO_DEVELOPER: True}, ("_id",))}


def bills_covering_months(db, estate_id, first, last):
    """The bills (not cancelled) that cover some month of ``first``..``last`` (``_covering``: of those
    months, or a bill of several months of the year before reaching into them), with the months they cover
    (``billing.months_covered``) and their standard, which a run bills no household's item again
    (``billing.uncovered``). Through the bills index on estate, period, item."""
    months = [calendar.add_months(first, n) for n in range(calendar.months_between(first, last) + 1)]
    return list(store.scan(db.bills, {"estate_id": estate_id, "status": NOT_CANCELLED, **_covering(months)},
                           COVERAGE_FIELDS))


def billed_by_run(db, estate_id, standard, period):
    """Whether a billing run has billed ``standard`` for ``period`` (one bill is enough; the bills
    index on estate, period, item)."""
    return db.bills.count_documents({"estate_id": estate_id, "period": period, "item": standard["item"],
                                     "source.standard_id": standard["_id"]}, limit=1) > 0


def last_billed_periods(db, estate_id, standards, since):
    """``{standard_id: the latest period it billed}`` for these standards, looking at periods
    from ``since`` on (the bills index on estate, period, item)."""
    wanted = {s["_id"] for s in standards}
    items = sorted({s["item"] for s in standards})
    if not wanted:
        return {}
    last = {}
    query = {"estate_id": estate_id, "period": {"$gte": since}, "item": {"$in": items},
             "source.standard_id": {"$in": sorted(wanted)}}
    for bill in store.scan(db.bills, query, ("period", "source")):
        standard_id = bill["source"]["standard_id"]
        last[standard_id] = max(last.get(standard_id, ""), bill["period"])
    return last


def approve_standard(db, outbox, standard, changes, ended, events):
    """Approve (only a pending one) with its ``events`` and the ends of the older standards it
    supersedes (``_ends``) in that one write (the one write path), then end them. A crash in
    between leaves ``_ends``, which ``finish_ends`` completes (the estate's next approval or
    billing run): the older standards end even though the approval's event was announced
    already. (Ended first, as before, a crash left them ended under a standard still pending, and
    the retried approval found nothing to end and announced ``ended: []``.)"""
    estate_id = standard["estate_id"]

    def approve(current):
        if current["status"] != "pending":
            raise Conflict("the fee standard was approved meanwhile")
        return writes.Change({**changes, "_ends": [[other_id, other_changes] for other_id, other_changes in ended]},
                             events=list(events))

    approved = _named.change(db, outbox, "fee_standards", estate_id, standard["_id"], approve)
    _end_superseded(db, estate_id, standard["_id"], ended)
    return {name: value for name, value in approved.items() if name != "_ends"}


def reject_standard(db, outbox, standard, changes):
    """Rejected only while pending: an approval at the same moment wins or loses whole."""
    def reject(current):
        if current["status"] != "pending":
            raise Conflict("the fee standard was decided meanwhile")
        return writes.Change(changes)

    return _named.change(db, outbox, "fee_standards", standard["estate_id"], standard["_id"], reject)


def finish_ends(db, estate_id):
    """The ends of older standards that a crash left after an approval (``approve_standard``)."""
    for standard in store.scan(db.fee_standards, {"estate_id": estate_id, "_ends": {"$exists": True}}):
        _end_superseded(db, estate_id, standard["_id"], standard["_ends"])


def _end_superseded(db, estate_id, standard_id, ended):
    """Each write under the item's lock fenced (``leases_store.update_fenced``): an approval stalled past its
    lock ended standards after the next approval of the item had (found by h5)."""
    for other_id, other_changes in ended:
        leases_store.update_fenced(db.fee_standards, {"_id": other_id, "estate_id": estate_id}, {"$set": other_changes})
    leases_store.update_fenced(db.fee_standards, {"_id": standard_id, "estate_id": estate_id}, {"$unset": {"_ends": ""}})


# -- bills ---------------------------------------------------------------------

def insert_bills(db, bills):
    """Insert a batch, unordered; a bill whose ``_id`` exists is already billed.
    Returns ``(inserted, already_billed, {indexes of the batch already billed})``."""
    if not bills:
        return 0, 0, set()
    try:
        db.bills.insert_many(_named.new_many("bills", bills), ordered=False)
        return len(bills), 0, set()
    except BulkWriteFailure as error:
        errors = error.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        return len(bills) - len(errors), len(errors), {e["index"] for e in errors}
    finally:
        bills_changed(db, bills[0]["estate_id"], None)


# -- the estate's fenced lock of the billing of months: a bill's months claimed before it is written -----

def coverage_of(db, estate_id, coverage_ids):
    """``{_id: document}`` of the coverage documents (``billing.coverage_id``) among ``coverage_ids``."""
    return {doc["_id"]: doc for doc in db.billing_coverage.find({"_id": {"$in": sorted(coverage_ids)},
                                                                "estate_id": estate_id})}


def bills_of_coverage(db, estate_id, household_ids, items):
    """The bills (not cancelled) of ``household_ids`` of ``items``, every period, with the months they cover
    (``COVERAGE_FIELDS``): a coverage document's first months (``start_coverage``). By the bills index on
    estate, household, status."""
    return list(store.scan(db.bills, {"estate_id": estate_id, "household_id": {"$in": sorted(household_ids)},
                                      "status": NOT_CANCELLED, "item": {"$in": sorted(items)}}, COVERAGE_FIELDS))


def start_coverage(db, docs):
    """Insert coverage documents, unordered; one there already (made meanwhile) is kept as it is.
    The ids of those not inserted."""
    if not docs:
        return set()
    try:
        db.billing_coverage.insert_many(docs, ordered=False)
        return set()
    except BulkWriteFailure as error:
        errors = error.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        return {docs[e["index"]]["_id"] for e in errors}


def bills_written(db, estate_id, bill_ids):
    """Those of ``bill_ids`` that exist (a coverage document's claims: written or left)."""
    if not bill_ids:
        return set()
    return {bill["_id"] for bill in db.bills.find({"_id": {"$in": sorted(bill_ids)}, "estate_id": estate_id},
                                                  {"_id": 1})}


def bill_states(db, estate_id, bill_ids):
    """``{bill_id: bill}`` of those of ``bill_ids`` that exist: their status, ``rebilled_as`` and what their months
    are read from (``COVERAGE_FIELDS``)."""
    if not bill_ids:
        return {}
    return {bill["_id"]: bill for bill in db.bills.find({"_id": {"$in": sorted(bill_ids)}, "estate_id": estate_id},
                                                        ["status", "rebilled_as", *COVERAGE_FIELDS])}


def claim_coverage(db, estate_id, coverage_id, fence, expected, months, claims, done):
    """The one write that fences the bills written under the estate's lock of the billing of months: the
    coverage document ``coverage_id`` given ``months`` (``{month: the id of the bill that covers it}``) and
    the bills' bodies (``claims``, ``{bill_id: bill}``: a run that dies or stalls before writing them
    leaves them for the next run to write), only while the highest fence it has seen is at most ``fence``
    (no later grant of the lock has written it) and each of those months is as the run found it
    (``expected``: ``{month: the bill id it found there, or None for none}``). The claims of ``done``
    (bills written since) are dropped. Whether it was written."""
    query = {"_id": coverage_id, "estate_id": estate_id, "fence": {"$lte": fence},
             **{f"months.{month}": ({"$exists": False} if was is None else was) for month, was in expected.items()}}
    update = {"$set": {"fence": fence, **{f"months.{month}": bill_id for month, bill_id in months.items()},
                       **{f"claims.{bill_id}": bill for bill_id, bill in claims.items()}}}
    dropped = {f"claims.{bill_id}": "" for bill_id in done if bill_id not in claims}
    if dropped:
        update["$unset"] = dropped
    return db.billing_coverage.update_one(query, update).matched_count == 1


def insert_bill(db, bill):
    """False when the bill exists (the same charge delivered again)."""
    try:
        return _named.insert(db, "bills", bill)
    finally:
        bills_changed(db, bill["estate_id"], bill["household_id"])


def create_bill(db, outbox, bill, events):
    """Insert the bill with its ``events`` (announced); None when it exists (the same charge
    delivered again: nothing announced)."""
    try:
        return _named.create(db, outbox, "bills", bill["estate_id"], bill["_id"], lambda: (bill, events),
                             found=lambda stored: None)
    finally:
        bills_changed(db, bill["estate_id"], bill["household_id"])


def get_bill(db, estate_id, bill_id):
    return _named.get(db, "bills", estate_id, bill_id)


def _listed(filters):
    """A list's filters as a query, ``updated_since`` apart (``store.page``'s); ``source`` is the
    kind of the bill's source (billing_run, charge, opening_balance)."""
    query = {name: value for name, value in filters.items() if name not in ("updated_since", "source", "payer")}
    if filters.get("source"):
        query["source.kind"] = filters["source"]
    if filters.get("payer"):  # the developer's bills carry ``payer``; the owner's none (``payers.payer_of``)
        query["payer"] = DEVELOPER if filters["payer"] == DEVELOPER else {"$ne": DEVELOPER}
    return query


def list_bills(db, estate_id, filters, limit, cursor):
    """A page of bills; with ``updated_since``, those changed since then in ``(updated_at, _id)``
    order (``estate_common.store.page``)."""
    return store.page(db.bills, {"estate_id": estate_id, **_listed(filters)}, limit, cursor,
                      updated_since=filters.get("updated_since"))


def export_bills(db, estate_id, filters):
    """Every bill the list's filters select, in the list's order (an export's pass)."""
    return store.walk(db.bills, {"estate_id": estate_id, **_listed(filters)}, filters.get("updated_since"))


def unpaid_bills(db, estate_id, household_id):
    return list(store.scan(db.bills, {"estate_id": estate_id, "household_id": household_id, "status": "unpaid"}))


RECENT_CHANGES = 200  # households whose bills changed last, kept beside the estate's bill version


def bills_changed(db, estate_id, household_id=None):
    """Moves the estate's bill version on, naming the household whose bills were written (None:
    any number of them, a billing run's batch). Called after every write of a bill, whether it
    changed anything or not (a retry after a crash moves it again), so that what was computed
    from the estate's bills at an older version is brought up to date (``bills_state``).

    ``changed[i]`` is the household of version ``version - len(changed) + 1 + i``; a compare
    and set on ``version`` keeps the two together."""
    for _ in range(5):
        state = db.bill_versions.find_one({"_id": estate_id, "estate_id": estate_id})
        if state is None:
            try:
                db.bill_versions.insert_one({"_id": estate_id, "estate_id": estate_id, "version": 1,
                                             "changed": [household_id]})
                return
            except DuplicateKey:
                continue
        changed = list(state.get("changed") or [])[-(RECENT_CHANGES - 1):] + [household_id]
        if db.bill_versions.update_one({"_id": estate_id, "estate_id": estate_id, "version": state["version"]},
                                       {"$set": {"version": state["version"] + 1, "changed": changed}}).matched_count:
            return
    # many writers at once: move the version on without saying whose bills changed
    db.bill_versions.update_one({"_id": estate_id, "estate_id": estate_id},
                                {"$inc": {"version": 1}, "$set": {"changed": [None]}}, upsert=True)


def bills_state(db, estate_id):
    """``(version, changed)`` of the estate's bills (see ``bills_changed``); ``(0, [])`` before any."""
    state = db.bill_versions.find_one({"_id": estate_id, "estate_id": estate_id})
    return (state["version"], list(state.get("changed") or [])) if state else (0, [])


def unpaid_bills_of_estate(db, estate_id):
    """Every unpaid bill of the estate, with what the arrears need (one walk)."""
    return store.scan(db.bills, {"estate_id": estate_id, "status": "unpaid"},
                      ("household_id", "amount_cents", "paid_cents", "status", "due_at", "payer"))


OWED_AT_FIELDS = ("household_id", "amount_cents", "status", "due_at", "created_at", "cancelled_at", "allocations",
                  "released", "payer")


def bills_owing_at(db, estate_id, end_iso, reversed_ones):
    """The estate's bills due before ``end_iso`` that may have owed something then, with what
    ``arrears.owed_at`` needs to tell what each owed (its allocations, and those its cancellation
    released): unpaid now; paid in full at or after ``end_iso`` (``settled_at``); cancelled at or
    after it; and those named by an allocation of ``reversed_ones`` (``reversed_payments``: a
    reversal half done still has its money on a bill it no longer paid). Each read through an index
    led by the estate, its status and a date. A bill left out is paid now and was paid in full
    before ``end_iso`` (``settled_at``: a bill reopened since, by a reversal, is unpaid or settled
    again later), with no allocation of a reversed payment: it owed nothing then. Every bill due
    by then was read (0.3 to 0.45 s of the big estate's 120,000 bills, a year-end list)."""
    due = {"$lt": end_iso}
    found = {bill["_id"]: bill for bill in store.scan(db.bills, {"estate_id": estate_id, "status": "unpaid",
                                                                  "due_at": due}, OWED_AT_FIELDS)}
    # settled or cancelled since: read by that date alone (with a bound on due_at too, the embedded
    # store walked the estate's paid bills due by then, 0.56 s), their due day told here
    named = {a["bill_id"] for payment in reversed_ones for a in payment.get("allocations") or []}
    for status, moment in (("paid", "settled_at"), ("cancelled", "cancelled_at")):
        named.update(bill["_id"] for bill in store.scan(
            db.bills, {"estate_id": estate_id, "status": status, moment: {"$gte": end_iso}}, ("due_at",))
            if bill["due_at"] < end_iso)
    named -= set(found)
    if named:
        for bill in store.scan(db.bills, {"estate_id": estate_id, "_id": {"$in": sorted(named)}, "due_at": due},
                               OWED_AT_FIELDS):
            found[bill["_id"]] = bill
    return list(found.values())


def reversed_payments(db, estate_id):
    """The estate's payments reversed (or being reversed), with the allocations they had made; each
    status read by its index (``$in`` walked every payment of the estate on the embedded store)."""
    return [payment for status in ("reversed", "reversal_pending") for payment in store.scan(
        db.payments, {"estate_id": estate_id, "status": status}, ("allocations", "reversal"))]


def seller_take_backs(db, estate_id):
    """The money a seller's payments had put on the buyer's bills, taken back off them by a sale that
    reached finance late (``seller_prepaid.spent_on_buyers_bills``: the hold's ``_taken_back``), shaped as
    ``reversed_payments``' are: ``{"reversal": {"at": held_at}, "allocations": [allocation with its bill_id]}``,
    so that a figure at a past moment reads that money as a reversal's (``arrears.reversal_split``): paid then
    when taken back after it. A closed month's ``collection_rate_at_period_end`` fell when November's bill the
    seller's money paid had it taken back in December (session 55's leftovers, found by h4)."""
    return [{"_id": hold["_id"], "reversal": {"at": hold["held_at"]},
             "allocations": [{**taken["allocation"], "bill_id": taken["bill_id"]} for taken in hold[TAKEN_BACK]]}
            for hold in store.scan(db.seller_prepaid, {"estate_id": estate_id, TAKEN_BACK: {"$exists": True}},
                                   ("held_at", TAKEN_BACK)) if hold.get(TAKEN_BACK)]


def taken_off_bills(db, estate_id):
    """Every payment's money taken off the bills it had paid, with the moment: the payments reversed and the
    seller's money taken back at a late sale (``reversed_payments``, ``seller_take_backs``)."""
    return reversed_payments(db, estate_id) + seller_take_backs(db, estate_id)


def overdue_bills(db, estate_id, now_iso, household_id=None):
    query = {"estate_id": estate_id, "status": "unpaid", "due_at": {"$lt": now_iso}}
    if household_id:
        query["household_id"] = household_id
    return store.scan(db.bills, query, ("household_id", "amount_cents", "paid_cents", "status", "due_at", "payer"))


# an opening balance (期初欠费) was billed by the previous company: not this operator's billing of its month
NOT_CARRIED_OVER = {"$ne": "opening_balance"}
NOT_CANCELLED = {"$ne": "cancelled"}  # a cancelled bill is owed by no one: no payment lands on it, no collection rate counts it


def bills_of_period(db, estate_id, period):
    """The bills that cover some of the months of a month, quarter or year (``_covering``: a quarter's
    bill of a month before reaches into it), with the months each covers (``billing.months_covered``),
    which the disclosure apportions its cents to (``billing.share_in``)."""
    return store.scan(db.bills, {"estate_id": estate_id, **_covering(calendar.months_of(period)),
                                 "status": NOT_CANCELLED, "source.kind": NOT_CARRIED_OVER},
                      ("item", "period", "amount_cents", "paid_cents", "allocations", "pricing", "prorated",
                       "covers_from", "covers_to", "payer", "owed"))


# the most months one bill covers (a yearly standard's, or a household billed by the year)
LONGEST_BILL_MONTHS = 12


def _covering(periods):
    """The bills' query of those that cover some of the months ``periods``: billed in them, or in the
    months before that a bill of several months reaches from (the bills index on estate, period, item)."""
    months = sorted(periods)
    since = calendar.add_months(months[0], 1 - LONGEST_BILL_MONTHS)
    return {"period": {"$gte": since, "$lte": months[-1]},
            "$or": [{"period": {"$gte": months[0]}}, {"pricing.months": {"$gt": 1}},
                    {"covers_to": {"$gte": months[0]}}]}


def bills_of_months(db, estate_id, periods, item):
    """The bills of one item that cover some of the months ``periods`` (a KPI's month, quarter or
    year): billed in them, or in the months before that a quarter's or a year's bill reaches from
    (``billing.months_covered`` says which do), with their allocations (what was paid when:
    ``arrears.paid_at``) and the bill a re-bill replaced (``source.corrects_bill_id``:
    ``arrears.paid_on_the_fee``). Through the bills index on estate, period, item; of the months
    before, only the bills of more than one month are sent (a month's KPI read a year of monthly bills)."""
    return store.scan(db.bills, {"estate_id": estate_id, **_covering(periods), "item": item,
                                 "status": NOT_CANCELLED, "source.kind": NOT_CARRIED_OVER},
                      ("item", "period", "amount_cents", "paid_cents", "allocations", "pricing", "prorated",
                       "covers_from", "covers_to", "source.corrects_bill_id", "payer", "owed"))


def rebilled_bills_of_months(db, estate_id, periods, item):
    """The bills of one item cancelled for a re-bill at a corrected price (更正, ``rebilled_as``) that
    cover some of the months ``periods``, as ``bills_of_months`` reads them (a quarter's bill of a
    month before, the re-bill of the same month), with what was paid on them
    (``arrears.paid_on_the_fee``). Read of the KPI's own months only, December's rate at its end
    missed November's quarter replaced and read its December third unpaid (found by review r8)."""
    return store.scan(db.bills, {"estate_id": estate_id, **_covering(periods), "item": item,
                                 "status": "cancelled", "rebilled_as": {"$exists": True}},
                      ("item", "amount_cents", "allocations", "released", "source", "rebilled_as",
                       "cancelled_at"))  # cancelled_at: its money on its re-bills from then (arrears.replaced_paid)


def bills_allocated_between(db, estate_id, start_iso, end_iso):
    return list(store.scan(db.bills, {"estate_id": estate_id, "allocations": {
        "$elemMatch": {"at": {"$gte": start_iso, "$lt": end_iso}}}}, ("allocations", "status", "settled_at")))


def allocate_to_bill(db, outbox, bill, allocation, after, events):
    """Put one allocation on a bill, once (its id guards a repeated write), from the bill as it
    was read and planned on (a concurrent change makes this a Conflict, not an overpayment), with
    ``events`` (announced). True when written now, False when it was there already."""
    written = _named.write(db, outbox, "bills", bill,
                           writes.Change(after, events=list(events), push={"allocations": [allocation]}),
                           guard={"paid_cents": bill["paid_cents"], "status": NOT_CANCELLED,
                                  "allocations.id": {"$ne": allocation["id"]}})
    bills_changed(db, bill["estate_id"], bill["household_id"])
    if written is not None:
        return True
    if not db.bills.count_documents({"_id": bill["_id"], "estate_id": bill["estate_id"], "allocations.id": allocation["id"]}):
        raise Conflict("the bill changed while the payment was being posted; try again", retry_after=1)
    return False


# on a cancelled bill until the money it had is back on its payments: the moment of its cancellation's write (True
# on a bill marked by a version before, read as long past)
GIVING_BACK = "_giving_back"


def cancel_bill(db, outbox, bill, changes):
    """Cancel a bill as it was read, its allocations the very ones read (another payment's money
    put on it meanwhile would have been wiped with the list); False when it changed since. The
    bill is marked ``GIVING_BACK`` (the write's moment) while it has money to give back (``give_back_done``): in
    the same write as the cancellation, so a crash before the money is back leaves the mark, which the household's
    next writer or the half-done sweep finishes (``operations._give_back``)."""
    marked = {**changes, GIVING_BACK: clock.now_iso()} if changes.get("released") else changes
    written = _named.write(db, outbox, "bills", bill, writes.Change(marked),
                           guard={"status": bill["status"], "paid_cents": bill["paid_cents"],
                                  "allocations": bill.get("allocations")})  # a run's bill never paid has none
    bills_changed(db, bill["estate_id"], bill["household_id"])
    return written is not None


def give_back_done(db, bill):
    """Bookkeeping (the mark the API does not show): the bill's updated_at stays. Under the household's lock,
    fenced (``leases_store.update_fenced``): a writer stalled past it took away the mark of the next holder's
    give-back, which a crash then left unfinished unseen (found by h5)."""
    leases_store.update_fenced(db.bills, {"_id": bill["_id"], "estate_id": bill["estate_id"]},
                               {"$unset": {GIVING_BACK: ""}})


def bills_giving_back(db, estate_id=None, household_id=None, before_iso=None):
    """Cancelled bills whose money a crash kept from going back to its payments: of one household, or of every
    estate finance knows (the timer: those marked before ``before_iso``, a live writer's left to it). ``$exists``
    lets MongoDB use the partial index."""
    found = _found_by_household_or_estate(db, "bills", {GIVING_BACK: {"$exists": True}, "status": "cancelled"},
                                          estate_id, household_id)
    return [bill for bill in found
            if before_iso is None or not isinstance(bill[GIVING_BACK], str) or bill[GIVING_BACK] < before_iso]


def _without(doc, allocation):
    """``doc``'s allocations but ``allocation``; None when it has not that one (taken off already)."""
    kept = [a for a in doc.get("allocations") or [] if a["id"] != allocation["id"]]
    return None if len(kept) == len(doc.get("allocations") or []) else kept


def release_to_payment(db, outbox, estate_id, allocation):
    """Money a cancelled bill had goes back to its payment, once (the allocation on the payment is
    the guard): unused money of a posted payment; a reversed payment refunded it whole already,
    so there the allocation only leaves its record (no money that is not there)."""
    def release(payment):
        kept = _without(payment, allocation)
        if kept is None:
            return None
        back = allocation["amount_cents"] if payment["status"] == "posted" else 0
        return writes.Change({"allocations": kept, "unapplied_cents": payment["unapplied_cents"] + back})

    # once by the allocation's id (decide finds it), never by a keyed call's mark (writes.change's keyed)
    _named.change(db, outbox, "payments", estate_id, allocation["payment_id"], release, keyed=False)


def remove_allocation(db, outbox, estate_id, bill_id, allocation, household_id=None):
    """Take one allocation off a bill (a reversal), once: the bill is unpaid again."""
    def remove(bill):
        kept = _without(bill, allocation)
        if kept is None:
            return None
        return writes.Change({"allocations": kept, "paid_cents": bill["paid_cents"] - allocation["amount_cents"],
                              "status": "unpaid", "settled_at": None})

    try:
        _named.change(db, outbox, "bills", estate_id, bill_id, remove, keyed=False)
    finally:
        bills_changed(db, estate_id, household_id)


# -- payments ------------------------------------------------------------------

def insert_payment(db, payment):
    """A payment as planned (``pending``, no event yet); False when its id exists (a retry)."""
    return _named.insert(db, "payments", payment)


def find_payment(db, estate_id, payment_id):
    return _named.find(db, "payments", estate_id, payment_id)


def get_payment(db, estate_id, payment_id):
    return _named.get(db, "payments", estate_id, payment_id)


create = _named.create  # insert once by natural id, with its events


def change_payment(db, outbox, estate_id, payment_id, decide):
    """A step on a payment through the one write path (revision check, its events in the same
    write, a lost race decided again)."""
    return _named.change(db, outbox, "payments", estate_id, payment_id, decide)


HALF_DONE = ("pending", "reversal_pending")


def _found_by_household_or_estate(db, collection, query, estate_id=None, household_id=None, each_of=({},)):
    """``query``'s documents of one household (``estate_id`` and ``household_id``), or of every
    estate that finance knows (the timers: one indexed query per estate, no scan of the whole
    collection); with ``each_of``, one query per part added to ``query`` (equalities the
    embedded store serves from an index, where ``$in`` walked every document)."""
    if estate_id:
        scopes = [{"estate_id": estate_id, "household_id": household_id}]
    else:
        scopes = [{"estate_id": estate["_id"]} for estate in store.scan(db.estates, {}, ())]
    return [doc for scope in scopes for part in each_of
            for doc in store.scan(db[collection], {**scope, **query, **part})]


def half_done_payments(db, estate_id=None, household_id=None):
    """Payments and reversals whose writes stopped half-way (a crash), oldest first: of one
    household, or of every estate that finance knows (the timer)."""
    # one equality a status: with "$in" the timer walked every payment of every estate each 30 s
    # on the embedded store (43 ms at 20,000 payments; a probe)
    found = _found_by_household_or_estate(db, "payments", {}, estate_id, household_id,
                                          each_of=[{"status": status} for status in HALF_DONE])
    return sorted(found, key=lambda p: (p["created_at"], p["_id"]))


def half_done_of_day(db, estate_id, cashier, day):
    """What a crash left half-done with an entry still to come on ``cashier``'s journal of ``day``:
    payments, reversals, top-ups and their reversals, deposit refunds and the reversals of their
    deductions (its settlement finishes them before it counts)."""
    scope = {"estate_id": estate_id}
    return {  # a household's are finished in their order by its lock's holder (operations.household)
        "payments": list(store.scan(db.payments, {**scope, "day": day, "status": "pending", "cashier": cashier}))
        + list(store.scan(db.payments, {**scope, "status": "reversal_pending", "reversal.by": cashier,
                                        "reversal.day": day})),
        "moves": list(store.scan(db.utility_moves, {**scope, "status": "pending", "cashier": cashier, "day": day,
                                                    "kind": {"$in": ["top_up", "top_up_reversal"]}})),
        "deposits": list(store.scan(db.deposits, {**scope, "refund.status": "pending", "refund.by": cashier,
                                                  "refund.day": day})),
        "seller_prepaid": list(store.scan(db.seller_prepaid, {**scope, "refund.status": "pending", "refund.by": cashier,
                                                              "refund.day": day})),
        "deductions_reversals": list(store.scan(db.deposits, {**scope, "refund.deductions_reversal.status": "pending",
                                                              "refund.deductions_reversal.day": day,
                                                              "refund.deductions_reversal.cashier": cashier})),
        "revenue_reversals": list(store.scan(db.revenue_receipts, {**scope, "status": "reversal_pending",
                                                                   "reversal.by": cashier, "reversal.day": day})),
        "revenue_refunds": [(contract, refund["id"]) for contract in store.scan(
            db.revenue_contracts, {**scope, "refunds.status": "pending"}) for refund in contract["refunds"]
            if (refund["status"], refund["by"], refund["day"]) == ("pending", cashier, day)],  # r5
        # money collected for others (代收代缴): a collection on its cashier's journal, a remittance on its payer's
        "pass_through_collections": list(store.scan(db.pass_through_collections, {**scope, "status": "pending",
                                                                                   "cashier": cashier, "day": day})),
        "pass_through_remittances": list(store.scan(db.pass_through_remittances, {**scope, "status": "pending",
                                                                                   "by": cashier, "day": day})),
        "pass_through_reversals": list(store.scan(db.pass_through_reversals, {**scope, "status": "pending",
                                                                               "by": cashier, "day": day})),
    }


def _payments_listed(filters):
    """The payments list's filters as a query: ``transaction_id`` exactly as posted, ``receipt_number``
    as the payer quotes it (``_receipt_quoted``), each through its index."""
    query = _receipt_quoted(_listed(filters))
    if query.get("kind") != "opening_credit":
        # money received here (a payment has no kind stored): the plain list stays what it was before
        # opening credits, whose method and null journal a client of Payment did not know (review r3)
        query["kind"] = {"$ne": "opening_credit"}
    return query


def _receipt_quoted(query):
    """``query`` with its ``receipt_number`` as stored, from the number as the payer quotes it
    (``rc-2026-42``: ``numbering.canonical``): the payments' and the top-ups', one series."""
    if "receipt_number" not in query:
        return query
    return {**query, "receipt_number": numbering.canonical(query["receipt_number"])}


def list_payments(db, estate_id, filters, limit, cursor):
    """A page of payments; with ``updated_since``, as ``list_bills``."""
    return store.page(db.payments, {"estate_id": estate_id, **_payments_listed(filters)}, limit, cursor,
                      updated_since=filters.get("updated_since"))


def unstamped(db, collection, estate_id):
    """The estate's bills or payments written without ``updated_at`` (``stamp_once``), one at a
    time and their ids alone: a big estate's bills, every one unstamped at the first start, were
    held whole in one list (1.8 kB a bill: 0.65 GB at 360,000, on each replica at once)."""
    return store.scan(db[collection], {"estate_id": estate_id, "updated_at": {"$exists": False}}, ("estate_id",))


def stamp_once(db, collection, doc, updated_at):
    """``updated_at`` on a document written without it, unless a write stamped it meanwhile."""
    db[collection].update_one({"_id": doc["_id"], "estate_id": doc["estate_id"], "updated_at": {"$exists": False}},
                              {"$set": {"updated_at": updated_at}})


def export_payments(db, estate_id, filters):
    """Every payment the list's filters select, in the list's order (an export's pass)."""
    return store.walk(db.payments, {"estate_id": estate_id, **_payments_listed(filters)}, filters.get("updated_since"))


def household_bills_of_months(db, estate_id, household_id, first, last):
    """The household's bills of periods ``first``..``last`` (its account), by the household's index."""
    return [store.public(b) for b in store.scan(db.bills, {"estate_id": estate_id, "household_id": household_id,
                                                           "period": {"$gte": first, "$lte": last}})]


def household_payments_of_days(db, estate_id, household_id, first_day, last_day):
    """The household's payments taken on days ``first_day``..``last_day`` (its account)."""
    return [store.public(p) for p in store.scan(db.payments, {"estate_id": estate_id, "household_id": household_id,
                                                              "day": {"$gte": first_day, "$lte": last_day}})]


def prepaid_sources(db, estate_id, household_id):
    """The household's payments with money not yet used, oldest first."""
    found = store.scan(db.payments, {"estate_id": estate_id, "household_id": household_id, "status": "posted",
                                     "unapplied_cents": {"$gt": 0}},
                       ("unapplied_cents", "allocations", "posted_at", "day", "kind", CARRIED_OVER_TO,
                        "seller_hold_id", "prepaid_for", "payer", "_rev"))
    return sorted(found, key=lambda p: (p["posted_at"], p["_id"]))


def prepaid_by_household(db, estate_id):
    """Every household's payments with money not yet used, oldest first, in one walk."""
    found = {}
    for payment in store.scan(db.payments, {"estate_id": estate_id, "status": "posted", "unapplied_cents": {"$gt": 0}},
                              ("household_id", "unapplied_cents", "allocations", "posted_at", "kind", "prepaid_for",
                               "payer", "day", CARRIED_OVER_TO, "_rev")):  # day: the seller's money (sale_month)
        found.setdefault(payment["household_id"], []).append(payment)
    return {household: sorted(found_, key=lambda p: (p["posted_at"], p["_id"])) for household, found_ in found.items()}


def unpaid_by_household(db, estate_id, household_ids):
    """The unpaid bills of these households, in one walk."""
    wanted, found = set(household_ids), {}
    for bill in store.scan(db.bills, {"estate_id": estate_id, "status": "unpaid"}):
        if bill.get("household_id") in wanted:
            found.setdefault(bill["household_id"], []).append(bill)
    return found


def sellers_prepaid_of(db, estate_id, household_id):
    """The household's holds of a seller's prepaid money (seller_prepaid.py), oldest first."""
    return sorted(store.scan(db.seller_prepaid, {"estate_id": estate_id, "household_id": household_id}),
                  key=lambda hold: (hold["created_at"], hold["_id"]))


def find_seller_prepaid(db, estate_id, hold_id):
    return _named.find(db, "seller_prepaid", estate_id, hold_id)


# on a seller's prepaid money's hold until each payment's part is moved out of its unapplied_cents:
# a crash between left the seller's money to the next user of the household's money
HOLD_BEING_MADE = "_being_made"


def holds_being_made(db, estate_id, household_id):
    """The household's holds whose payments' parts a crash may have left unmoved (through
    ``(estate_id, household_id)``: a household's few holds)."""
    return list(store.scan(db.seller_prepaid, {"estate_id": estate_id, "household_id": household_id,
                                               HOLD_BEING_MADE: True}))


def hold_made(db, estate_id, hold_id):
    """Bookkeeping (the mark the API does not show): the hold's updated_at stays."""
    leases_store.update_fenced(db.seller_prepaid, {"_id": hold_id, "estate_id": estate_id},
                               {"$unset": {HOLD_BEING_MADE: ""}})  # under the household's lock: fenced


def sellers_spending(db, estate_id, household_id, owner_since):
    """``(bills, sellers)``: the household's bills (not cancelled) of ``owner_since``'s month on with money on
    them, and of the payments that put it there, those posted before ``owner_since`` holding nothing for an
    earlier sale (``seller_prepaid.spent_on_buyers_bills``). By the bills index on estate, household, status."""
    bills = [bill for bill in store.scan(db.bills, {"estate_id": estate_id, "household_id": household_id,
                                                     "status": NOT_CANCELLED, "period": {"$gte": owner_since[:7]}},
                                         ("period", "allocations", "source", "payer", "sale")) if bill.get("allocations")]
    paid_by = sorted({a["payment_id"] for bill in bills for a in bill["allocations"] if a.get("payment_id")})
    if not paid_by:
        return bills, {}
    sellers = {p["_id"]: p for p in store.scan(db.payments, {"estate_id": estate_id, "_id": {"$in": paid_by}},
                                                ("day", "status", "seller_hold_id"))
               if p["status"] == "posted" and (p.get("day") or "") < owner_since and not p.get("seller_hold_id")}
    return bills, sellers


def hold_payments_money(db, outbox, estate_id, part, hold_id):
    """Move ``part``'s cents of its payment's unused money to its ``seller_held_cents``, once (a
    payment already held, by ``hold_id`` or another hold, is left: one hold's part per payment);
    what it still has when less (its money used in between: a crash after the hold was written, a
    writer whose lock ran out), where the part was moved whole or not at all and the payment held
    nothing while the hold said it did (the refund paying what its payments hold: ``payments_held_by``)."""
    def hold(payment):
        cents = min(part["amount_cents"], payment["unapplied_cents"])
        if payment.get("seller_hold_id") or payment["status"] != "posted" or cents <= 0:
            return None
        return writes.Change({"unapplied_cents": payment["unapplied_cents"] - cents,
                              "seller_held_cents": cents, "seller_hold_id": hold_id})

    return _named.change(db, outbox, "payments", estate_id, part["payment_id"], hold, keyed=False)


def payments_held_by(db, estate_id, hold):
    """``[{payment_id, amount_cents}]``: what each of the hold's payments holds for it now (its
    ``seller_held_cents`` while its ``seller_hold_id`` names the hold), in the hold's order; those
    holding nothing left out. Read by the hold's parts' ids (a hold's few payments)."""
    order = [part["payment_id"] for part in hold["payments"]]
    found = {p["_id"]: p for p in store.scan(db.payments, {"estate_id": estate_id, "_id": {"$in": order}},
                                              ("seller_hold_id", "seller_held_cents"))}
    return [{"payment_id": payment_id, "amount_cents": found[payment_id]["seller_held_cents"]}
            for payment_id in order if payment_id in found
            and found[payment_id].get("seller_hold_id") == hold["_id"] and found[payment_id].get("seller_held_cents")]


HELD_GROWN = "_held_grown"  # on a payment: the additions to its hold's part it moved (``grow_payments_held``)


def grow_payments_held(db, outbox, estate_id, part, hold_id, grow_id):
    """Move ``part``'s cents of its payment's unused money to its ``seller_held_cents`` for ``hold_id``, once per
    addition (``grow_id``, kept on the payment), beside what it holds for that hold already (a payment held by
    another hold is left: one hold's part per payment)."""
    def grow(payment):
        if payment.get("seller_hold_id") not in (None, hold_id) or payment["status"] != "posted" \
                or grow_id in (payment.get(HELD_GROWN) or ()) or payment["unapplied_cents"] < part["amount_cents"]:
            return None
        return writes.Change({"unapplied_cents": payment["unapplied_cents"] - part["amount_cents"],
                              "seller_held_cents": (payment.get("seller_held_cents") or 0) + part["amount_cents"],
                              "seller_hold_id": hold_id, HELD_GROWN: list(payment.get(HELD_GROWN) or ()) + [grow_id]})

    return _named.change(db, outbox, "payments", estate_id, part["payment_id"], grow, keyed=False)


def hold_grown(db, estate_id, hold_id):
    """Bookkeeping (marks the API does not show): the addition's payments hold it."""
    leases_store.update_fenced(db.seller_prepaid, {"_id": hold_id, "estate_id": estate_id},
                               {"$unset": {GROWING: "", HOLD_BEING_MADE: ""}})  # under the household's lock


def unannounced_credits(db, estate_id):
    """The estate's opening credits never announced (recorded before ``opening_credit_recorded``
    was), through the credits' own index (estate_id, kind, …)."""
    return list(store.scan(db.payments, {"estate_id": estate_id, "kind": "opening_credit",
                                         "_announced_at": {"$exists": False}}))


def announce_credit(db, outbox, estate_id, credit_id, announced, now_iso):
    """``announced`` (the credit's opening_credit_recorded) in the write that marks it announced, once."""
    def announce(credit):
        if credit.get("_announced_at"):
            return None
        return writes.Change({"_announced_at": now_iso}, events=[announced])

    return _named.change(db, outbox, "payments", estate_id, credit_id, announce, keyed=False)


def change_seller_prepaid(db, outbox, estate_id, hold_id, decide):
    return _named.change(db, outbox, "seller_prepaid", estate_id, hold_id, decide)


# on a payment taken before a sale whose held money was carried over to the buyer: the owner_since
# of the buyer it is now (his statement's prepaid money, owner_access.owners_part)
CARRIED_OVER_TO = "_carried_over_to"


def release_payments_held(db, outbox, estate_id, part, hold_id, to_prepaid, owner_since=None):
    """``part``'s held cents gone from its payment, once: back in its ``unapplied_cents`` (carried
    over to the buyer of ``owner_since``, marked so) with ``to_prepaid``, else paid out (refunded to
    the seller)."""
    def release(payment):
        if payment.get("seller_hold_id") != hold_id:
            return None
        back = payment["unapplied_cents"] + (payment["seller_held_cents"] if to_prepaid else 0)
        carried = {CARRIED_OVER_TO: owner_since} if to_prepaid else {}
        return writes.Change({"unapplied_cents": back, "seller_held_cents": 0, "seller_hold_id": None, **carried})

    return _named.change(db, outbox, "payments", estate_id, part["payment_id"], release, keyed=False)


PREPAID_IN_USE = "_prepaid_in_use"  # when money of this payment was taken for a bill, until the bill has it
PREPAID_IN_USE_IDS = "_prepaid_in_use_ids"  # the allocations taken


def use_prepaid(db, outbox, estate_id, allocation, now_iso):
    """Record an allocation of a payment's unused money, once. True when it is recorded (now or
    by an earlier attempt), False when the money is gone. The payment's revision moves, so a
    reversal decided on the payment as it was before refuses to write. The payment is marked
    ``PREPAID_IN_USE`` until the bill has the money (``prepaid_use_done``): a crash between the
    two leaves the mark, and whoever next handles the household's money puts it on the bill."""
    def use(payment):
        if payment["status"] != "posted" or payment["unapplied_cents"] < allocation["amount_cents"] \
                or any(a["id"] == allocation["id"] for a in payment.get("allocations") or []):
            return None
        return writes.Change({"unapplied_cents": payment["unapplied_cents"] - allocation["amount_cents"],
                              PREPAID_IN_USE: now_iso},
                             push={"allocations": [allocation], PREPAID_IN_USE_IDS: [allocation["id"]]})

    payment = _named.change(db, outbox, "payments", estate_id, allocation["payment_id"], use, keyed=False)
    same = {k: allocation[k] for k in ("id", "bill_id", "amount_cents")}  # this very use, not another of its id
    return any({k: a.get(k) for k in same} == same for a in payment.get("allocations") or [])


def prepaid_use_done(db, estate_id, payment_id):
    """Bookkeeping (the mark the API does not show): the payment's updated_at stays. Under the household's
    lock, fenced (as ``give_back_done``: the next holder's use of the money keeps its mark; found by h5)."""
    leases_store.update_fenced(db.payments, {"_id": payment_id, "estate_id": estate_id, PREPAID_IN_USE: {"$gt": ""}},
                               {"$unset": {PREPAID_IN_USE: "", PREPAID_IN_USE_IDS: ""}})


def payments_with_prepaid_in_use(db, estate_id=None, household_id=None, before_iso=None):
    """Posted payments marked ``PREPAID_IN_USE`` (since before ``before_iso``, when given): of one
    household, or of every estate finance knows (the timer). ``$exists`` lets MongoDB use the
    partial index; the embedded store walks that index's few documents (24 ms → below 0.1 ms at
    20,000 payments of one estate)."""
    marked = {"$exists": True, "$gt": "", **({"$lt": before_iso} if before_iso else {})}
    return _found_by_household_or_estate(db, "payments", {PREPAID_IN_USE: marked, "status": "posted"}, estate_id,
                                         household_id)


def unuse_prepaid(db, outbox, estate_id, allocation):
    """Undo ``use_prepaid`` when the bill could not take the allocation (it changed meanwhile)."""
    def unuse(payment):
        kept = _without(payment, allocation)
        if kept is None:
            return None
        return writes.Change({"allocations": kept,
                              "unapplied_cents": payment["unapplied_cents"] + allocation["amount_cents"]})

    _named.change(db, outbox, "payments", estate_id, allocation["payment_id"], unuse, keyed=False)


def _months_of(period):
    """The months (``YYYY-MM``) of a month, quarter or year, as a query on a period field."""
    months = calendar.months_of(period)
    return months[0] if len(months) == 1 else {"$in": months}


def payments_of_period(db, estate_id, period):
    """The receipts of a period's days; an opening credit (期初预收) is no money received here."""
    return list(store.scan(db.payments, {"estate_id": estate_id, "day": store.days_of(period),
                                         "kind": {"$ne": "opening_credit"}},
                           ("amount_cents", "prepaid_cents", "receipt_number", "status")))


def prepaid_history(db, estate_id, start_iso, end_iso):
    """What the prepaid money received here (预收) did before ``end_iso`` (``reports.prepaid_moves``) that
    the period from ``start_iso`` shows: the payments posted before its end (not opening credits: money
    paid to the previous company) that may have moved the balance in it or held some of it at its start,
    the bills cancelled whose money went back to its payments (one used before it), the sellers' holds
    refunded. A payment posted before the period, with no money unused or held for a seller now and
    written by nothing since the period began (``updated_at``: every use of its money, every return and
    its reversal write it, each at or after the move's time), moved nothing since and held nothing at the
    start: it is left unread, where every payment of the estate was read (a year of a 10,000-household
    estate's took seconds each disclosure, found by review r3 of h3). Its refund's part is left out with it
    (``prepaid_moves`` counts the parts of the payments read)."""
    held = {part["payment_id"] for hold in store.scan(db.seller_prepaid, {"estate_id": estate_id, "status": "held"},
                                                        ("payments",))
            for part in hold.get("payments") or []}
    statuses = ["posted", "reversal_pending", "reversed"]
    paid_in = {}
    # one query per reason, each through its index (an $or of them walked the estate's payments on the embedded store)
    for reason in ({"status": {"$in": statuses}, "created_at": {"$gte": start_iso, "$lt": end_iso}},
                   {"updated_at": {"$gte": start_iso}}, {"unapplied_cents": {"$gt": 0}}, {"_id": {"$in": sorted(held)}}):
        for payment in store.scan(db.payments, {"estate_id": estate_id, **reason},
                                  ("amount_cents", "prepaid_cents", "posted_at", "status", "reversal", "allocations",
                                   "kind")):
            if payment.get("kind") != "opening_credit" and payment["status"] in statuses \
                    and payment["posted_at"] < end_iso:
                paid_in[payment["_id"]] = payment
    # a bill cancelled after ``end_iso`` too, when money of it was used before: its allocation left its payment
    # for its ``released`` (a month's money used read unused once a later month re-billed it, found by review r3)
    cancelled = store.scan(db.bills, {"estate_id": estate_id, "status": "cancelled", "released.at": {"$lt": end_iso}},
                           ("released", "cancelled_at"))
    refunds = store.scan(db.seller_prepaid, {"estate_id": estate_id, "status": "refunded",
                                             "refund.at": {"$lt": end_iso}}, ("refund", "payments"))
    return list(paid_in.values()), list(cancelled), list(refunds)


# -- journal and settlements -----------------------------------------------------

def find_entry(db, estate_id, entry_id):
    return _named.find(db, "journal", estate_id, entry_id)


def insert_entry(db, entry):
    """False when the entry is there already (the same payment or charge written again). Its day
    is marked first (``journal_days``): a crash between the two leaves a day marked with no entry,
    which the days left unsettled leave out, never an entry on a day not marked."""
    mark_journal_day(db, entry["estate_id"], entry["cashier"], entry["day"])
    return _named.insert(db, "journal", entry)


def _journal_day_id(estate_id, cashier, day):
    return ids.natural_id("jdy", estate_id, cashier, day)


def mark_journal_day(db, estate_id, cashier, day, settled=False):
    """The cashier's day known to have entries (once; its ``settled`` unchanged), or marked settled."""
    update = {"$setOnInsert": {"estate_id": estate_id, "cashier": cashier, "day": day}}
    if settled:
        update["$set"] = {"settled": True}
    else:
        update["$setOnInsert"]["settled"] = False
        update["$set"] = {"covered": False}  # an entry written to it: no longer all covered by its shifts
    # under the cashier's day's lock (a settlement): fenced by it (found by h5)
    leases_store.update_fenced(db.journal_days, {"_id": _journal_day_id(estate_id, cashier, day),
                                                 "estate_id": estate_id}, update, upsert=True,
                               of=_journal_day_lock(estate_id, cashier, day))


def journal_days_ready(db, estate_id):
    """The estate's days marked from its journal once (entries written before the marks existed):
    a walk of the journal and the settlements the first time the estate's days left unsettled are
    asked, then a flag. Marks written meanwhile by entries and settlements are kept."""
    flag = ids.natural_id("jdb", estate_id)
    if db.journal_days.find_one({"_id": flag, "estate_id": estate_id}, {"_id": 1}) is not None:
        return
    settled = {(s["cashier"], s["date"]) for s in store.scan(db.settlements, {"estate_id": estate_id, **CLOSES_DAY},
                                                             ("cashier", "date"))}
    days = {(e["cashier"], e["day"]) for e in store.scan(db.journal, {"estate_id": estate_id}, ("cashier", "day"))}
    for cashier, day in sorted(days):
        mark_journal_day(db, estate_id, cashier, day, settled=(cashier, day) in settled)
    try:
        db.journal_days.insert_one({"_id": flag, "estate_id": estate_id, "marked_from_journal": True})
    except DuplicateKey:
        pass


def open_journal_days(db, estate_id, before, cashier=None):
    """The marked days before ``before`` not marked settled (of ``cashier`` when given)."""
    query = {"estate_id": estate_id, "settled": False, "day": {"$lt": before}, "covered": {"$ne": True}}
    if cashier:
        query["cashier"] = cashier
    return list(store.scan(db.journal_days, query, ("cashier", "day")))


def shift_days(db, estate_id, days):
    """The ``(cashier, date)`` among ``days`` (dates) with a shift's settlement (closes_day false)."""
    return {(s["cashier"], s["date"]) for s in store.scan(
        db.settlements, {"estate_id": estate_id, "date": {"$in": sorted(days)}, "closes_day": False},
        ("cashier", "date"))}


def mark_journal_day_covered(db, estate_id, cashier, day):
    """The cashier's day over whose shifts' settlements (交班) covered every entry: put aside from the
    days left unsettled until an entry is written to it (``mark_journal_day``)."""
    leases_store.update_fenced(db.journal_days, {"_id": _journal_day_id(estate_id, cashier, day),
                                                 "estate_id": estate_id}, {"$set": {"covered": True}},
                               of=_journal_day_lock(estate_id, cashier, day))


def settled_among(db, estate_id, settlement_ids):
    """Those of ``settlement_ids`` that are settled (a settlement a crash kept from marking its day)."""
    return {s["_id"] for s in store.scan(db.settlements, {"estate_id": estate_id, "_id": {"$in": list(settlement_ids)}},
                                         ())}


def has_entries(db, estate_id, cashier):
    """Whether ``cashier`` has any entry in the estate's journals."""
    return db.journal.find_one({"estate_id": estate_id, "cashier": cashier}, {"_id": 1}) is not None


def entries_of_day(db, estate_id, cashier, day):
    return list(store.scan(db.journal, {"estate_id": estate_id, "cashier": cashier, "day": day}))


def entries_of_period(db, estate_id, period):
    return list(store.scan(db.journal, {"estate_id": estate_id, "day": store.days_of(period)}))


def deductions_of_period(db, estate_id, period):
    """The journal's deposit deductions (押金扣除) of a period's days, income kept from deposits, and their
    reversals (``deposit_deduction_reversal``: made in error, paid back)."""
    return list(store.scan(db.journal, {"estate_id": estate_id,
                                        "kind": {"$in": ["deposit_deduction", "deposit_deduction_reversal"]},
                                        "day": store.days_of(period)}))


def pass_through_fees_of_period(db, estate_id, period):
    """The journal's handling fees on money collected for others (代收手续费) of a period's days: the estate's income;
    and those taken back by a collection's reversal on them (``pass_through_fee_reversal``, h4)."""
    return list(store.scan(db.journal, {"estate_id": estate_id,
                                        "kind": {"$in": ["pass_through_fee", "pass_through_fee_reversal"]},
                                        "day": store.days_of(period)}))


def list_entries(db, estate_id, filters, limit, cursor):
    return store.page(db.journal, {"estate_id": estate_id, **filters}, limit, cursor)


def is_settled(db, estate_id, settlement_id):
    return db.settlements.count_documents({"_id": settlement_id, "estate_id": estate_id}, limit=1) > 0


# the settlements that closed their day: a shift's (交班, closes_day false) leaves it open; one made
# before shifts were recorded has no closes_day and closed its day
CLOSES_DAY = {"closes_day": {"$ne": False}}


def settled_days(db, estate_id, cashier):
    return {s["date"] for s in store.scan(db.settlements, {"estate_id": estate_id, "cashier": cashier, **CLOSES_DAY},
                                          ("date",))}


def settled_pairs_of_period(db, estate_id, period):
    return {(s["cashier"], s["date"]) for s in store.scan(
        db.settlements, {"estate_id": estate_id, "date": store.days_of(period), **CLOSES_DAY}, ("cashier", "date"))}


def shifts_of_period(db, estate_id, period):
    """The shifts' settlements (closes_day false) of the period's days."""
    return list(store.scan(db.settlements, {"estate_id": estate_id, "date": store.days_of(period), "closes_day": False}))


def shifts_of_day(db, estate_id, cashier, day):
    """The shifts' settlements of the cashier's day (closes_day false), in their order."""
    found = store.scan(db.settlements, {"estate_id": estate_id, "date": day, "cashier": cashier, "closes_day": False})
    return sorted(found, key=lambda s: s["shift"])


def drawer_differences_of_period(db, estate_id, period):
    """The period's settlements that kept a drawer's difference (长短款, ``journals.cash_differences``)."""
    return list(store.scan(db.settlements, {"estate_id": estate_id, "date": store.days_of(period),
                                            "cash_difference_cents": {"$nin": [0, None]}},
                           ("cashier", "date", "shift", "counted_cash_cents", "float_cents", "expected_cash_cents",
                            "cash_difference_cents", "note")))


def insert_settlement(db, outbox, settlement, events):
    """The settlement with its ``events`` (a late one's announcement: the one write path), then its
    day marked settled (``journal_days``; a crash between the two is found by the days left
    unsettled, which look for the settlement too). A day settled already is a 409, nothing announced,
    unless it is this call's own settlement sent again with its key (its answer lost): that one is
    answered as it is."""
    def settled_already(stored):
        if writes.sent_again(stored):
            return stored
        if stored.get("closes_day") is False:  # two shifts' settlements at once: the other came first
            raise Conflict(f"{stored['cashier']}'s shift {stored['shift']} of {stored['date']} is settled already")
        raise Conflict(f"{stored['cashier']}'s day {stored['date']} is settled already")

    written = _named.create(db, outbox, "settlements", settlement["estate_id"], settlement["_id"],
                            lambda: (settlement, events), found=settled_already)
    if written.get("closes_day") is not False:  # a shift's leaves its day open
        mark_journal_day(db, written["estate_id"], written["cashier"], written["date"], settled=True)
    return written


def list_settlements(db, estate_id, filters, limit, cursor):
    return store.page(db.settlements, {"estate_id": estate_id, **filters}, limit, cursor)


# -- reminders and expenses --------------------------------------------------------

def last_reminders(db, estate_id, household_ids):
    """``{household_id: when it was last reminded}`` of these households."""
    last = {}
    query = {"estate_id": estate_id, "household_id": {"$in": list(dict.fromkeys(household_ids))}}
    for reminder in store.scan(db.reminders, query, ("household_id", "sent_at")):
        last[reminder["household_id"]] = max(last.get(reminder["household_id"], ""), reminder["sent_at"])
    return last


def reminders_query(estate_id, filters, month):
    """The reminders' list filters as a query: the household as stored; ``period`` the reminders sent
    within ``month``, its ``[start, end)`` on the estate's calendar: read on ``created_at``, the same
    instant as ``sent_at`` (``arrears.reminder``), which the list's index ``PAGED`` holds (``sent_at``
    had none: found by review r2)."""
    query = {"estate_id": estate_id, **{k: v for k, v in filters.items() if k != "period"}}
    if month:
        query["created_at"] = {"$gte": month[0], "$lt": month[1]}
    return query


def list_reminders(db, estate_id, filters, month, limit, cursor, newest_first=False):
    return store.page(db.reminders, reminders_query(estate_id, filters, month), limit, cursor,
                      newest_first=newest_first)


def keep_expense(db, expense):
    """One tally line per work order: a redelivered event finds it there."""
    try:
        db.expenses.insert_one(expense)
    except DuplicateKey:
        pass


def expenses_of_period(db, estate_id, period):
    return list(store.scan(db.expenses, {"estate_id": estate_id, "period": _months_of(period)}))


# -- deposits --------------------------------------------------------------------

def find_deposit(db, estate_id, deposit_id):
    return _named.find(db, "deposits", estate_id, deposit_id)


def get_deposit(db, estate_id, deposit_id):
    return _named.get(db, "deposits", estate_id, deposit_id)


def change_deposit(db, outbox, estate_id, deposit_id, decide):
    return _named.change(db, outbox, "deposits", estate_id, deposit_id, decide)


def follow_deposit(db, outbox, event, deposit_id, decide):
    return _named.follow(db, outbox, "deposits", event, deposit_id, decide)


def list_deposits(db, estate_id, filters, limit, cursor):
    return store.page(db.deposits, {"estate_id": estate_id, **filters}, limit, cursor)


def deposits_without_refund(db, estate_id, filters):
    """The estate's deposits (of ``filters``) no refund is asked of: their ids, bills and acceptance, what
    their status is read from with their bills."""
    return list(store.scan(db.deposits, {"estate_id": estate_id, **filters, "refund": None},
                           ("_id", "bill_id", "accepted_at", "refund")))


def find_bill(db, estate_id, bill_id):
    return _named.find(db, "bills", estate_id, bill_id)


def bills_by_id(db, estate_id, bill_ids):
    wanted = sorted({bill_id for bill_id in bill_ids if bill_id})
    if not wanted:
        return {}
    return {b["_id"]: b for b in store.scan(db.bills, {"estate_id": estate_id, "_id": {"$in": wanted}})}


# -- prepaid utilities ---------------------------------------------------------------

def utility_account(db, estate_id, account_id):
    return _named.find(db, "utility_accounts", estate_id, account_id)


def get_utility_account(db, estate_id, account_id):
    return _named.get(db, "utility_accounts", estate_id, account_id)


def change_utility_account(db, outbox, estate_id, account_id, decide):
    return _named.change(db, outbox, "utility_accounts", estate_id, account_id, decide)


def list_utility_accounts(db, estate_id, filters, limit, cursor):
    return store.page(db.utility_accounts, {"estate_id": estate_id, **filters}, limit, cursor)


def create_owner_notice(db, outbox, estate_id, notice_id, build):
    """The record that an owner was told of a low balance: once per call (its id from the key)."""
    return _named.create(db, outbox, "utility_owner_notices", estate_id, notice_id, build)


def list_owner_notices(db, estate_id, filters, limit, cursor):
    return store.page(db.utility_owner_notices, {"estate_id": estate_id, **filters}, limit, cursor, newest_first=True)


def latest_owner_notices(db, estate_id, account_ids):
    """``{account_id: notice}``: the latest record of each of ``account_ids``' owners told."""
    latest = {}
    for notice in store.scan(db.utility_owner_notices, {"estate_id": estate_id, "account_id": {"$in": list(account_ids)}},
                             ("account_id", "how", "told_at", "told_by")):
        kept = latest.get(notice["account_id"])
        if kept is None or (notice["told_at"], notice["_id"]) > (kept["told_at"], kept["_id"]):
            latest[notice["account_id"]] = notice
    return latest


def find_move(db, estate_id, move_id):
    return _named.find(db, "utility_moves", estate_id, move_id)


def insert_move(db, move):
    """False when the move exists (a retry)."""
    return _named.insert(db, "utility_moves", move)


def post_move(db, estate_id, move_id, fields):
    db.utility_moves.update_one({"_id": move_id, "estate_id": estate_id, "status": "pending"}, {"$set": fields})
    return find_move(db, estate_id, move_id)


def renew_refused_move(db, move):
    """A refused move written again as ``move`` (``pending``): a reversal refused because the
    balance fell meanwhile may be asked for again once it allows."""
    fields = {key: value for key, value in move.items() if key != "_id"}
    db.utility_moves.update_one({"_id": move["_id"], "estate_id": move["estate_id"], "status": "refused"}, {"$set": fields})
    return find_move(db, move["estate_id"], move["_id"])


def list_moves(db, estate_id, filters, limit, cursor):
    """A page of top-ups, usages and top-up reversals; ``receipt_number`` as the payer quotes it
    (``_receipt_quoted``), through its index: a top-up's receipt is of the series payments share,
    and an owner quoting one found nothing on the payments list."""
    return store.page(db.utility_moves, {"estate_id": estate_id, **_receipt_quoted(filters)}, limit, cursor)


def pending_moves(db, before_iso):
    """Top-ups and usages a crash left half-done, of every estate finance knows, created before ``before_iso``."""
    return _found_by_household_or_estate(db, "utility_moves", {"status": "pending", "created_at": {"$lt": before_iso}})


def top_ups_of_period(db, estate_id, period):
    return list(store.scan(db.utility_moves, {"estate_id": estate_id, "kind": "top_up", "day": store.days_of(period)},
                           ("amount_cents", "status")))


# -- invoices --------------------------------------------------------------------------

def find_invoice(db, estate_id, invoice_id):
    return _named.find(db, "invoices", estate_id, invoice_id)


def insert_invoice(db, invoice):
    return _named.insert(db, "invoices", invoice)


def issued_invoices(db, estate_id, payment_id):
    return list(store.scan(db.invoices, {"estate_id": estate_id, "payment_id": payment_id, "status": "issued"}))


def change_invoice(db, outbox, estate_id, invoice_id, decide):
    return _named.change(db, outbox, "invoices", estate_id, invoice_id, decide)


def get_invoice(db, estate_id, invoice_id):
    return _named.get(db, "invoices", estate_id, invoice_id)


def list_invoices(db, estate_id, filters, limit, cursor):
    return store.page(db.invoices, {"estate_id": estate_id, **filters}, limit, cursor)


# -- the special maintenance fund ------------------------------------------------------------

def fund_account(db, estate_id, account_id):
    return _named.find(db, "fund_accounts", estate_id, account_id)


def change_fund_account(db, outbox, estate_id, account_id, decide):
    return _named.change(db, outbox, "fund_accounts", estate_id, account_id, decide)


def find_fund_entry(db, estate_id, entry_id):
    return _named.find(db, "fund_entries", estate_id, entry_id)


def get_fund_entry(db, estate_id, entry_id):
    return _named.get(db, "fund_entries", estate_id, entry_id)


def insert_fund_entry(db, entry):
    return _named.insert(db, "fund_entries", entry)


def set_fund_entry(db, outbox, estate_id, entry_id, status_was, fields, events=(), matching=None):
    """Move an entry on from ``status_was`` (a repeat finds it moved and changes nothing), with
    ``events`` in that one write (the one write path), announced when it was this write that
    moved it; ``matching``: what else the entry must match to be moved (a query of its fields,
    moved by writers outside that path: the entry as it is when it does not)."""
    guard = {"status": status_was, **(matching or {})}
    for _ in range(writes.ATTEMPTS):
        entry = get_fund_entry(db, estate_id, entry_id)
        if entry["status"] != status_was:
            return entry
        written = _named.write(db, outbox, "fund_entries", entry, writes.Change(fields, events=list(events)),
                               guard=guard)
        if written is not None:
            return written
        if db.fund_entries.count_documents({"_id": entry_id, "estate_id": estate_id, "_rev": entry.get("_rev")},
                                           limit=1):
            return get_fund_entry(db, estate_id, entry_id)  # its revision is as read: ``matching`` refused it
    raise Conflict("the maintenance fund entry kept changing while it was being written: try again", retry_after=1)


APPROVING = "_approving"  # a use's approvals under way ("<when> <token>"), from before its money is taken


def begin_fund_approval(db, estate_id, entry_id, mark):
    """Mark a requested use as being approved (``mark``: this approval's time and token), before
    its money is taken, so that a rejection at the same time is refused (``reject_fund_use``);
    False when the use is no longer requested."""
    return leases_store.update_fenced(  # under the building's lock (a shared use): fenced (r5)
        db.fund_entries, {"_id": entry_id, "estate_id": estate_id, "status": "requested"},
        {"$addToSet": {APPROVING: mark}}).matched_count == 1


def end_fund_approval(db, estate_id, entry_id, mark):
    """The mark of an approval that took nothing (refused) taken away: the use may be rejected. Not fenced:
    its own mark alone, taken away also when the refusal was its lock lost (a 409 of the lease)."""
    db.fund_entries.update_one({"_id": entry_id, "estate_id": estate_id}, {"$pull": {APPROVING: mark}})


def reject_fund_use(db, outbox, estate_id, entry_id, fields, marked_since, events=()):
    """Reject a requested use on which no approval is under way, none marked after ``marked_since``
    (one that read the fund before an approval took its money wrote the use rejected with the
    money gone; an older mark is an approval that died, whose money, if it took any, the caller
    found on the fund), with ``events`` in that one write, as ``set_fund_entry`` does; the use as
    it is then."""
    return set_fund_entry(db, outbox, estate_id, entry_id, "requested", fields, events,
                          matching={APPROVING: {"$not": {"$gt": marked_since}}})


def list_fund_entries(db, estate_id, filters, limit, cursor):
    return store.page(db.fund_entries, {"estate_id": estate_id, **filters}, limit, cursor)


def fund_uses_of_work_orders(db, estate_id, work_order_ids):
    """``{work order id: the fund's uses that name it}`` for ``work_order_ids``, in one read."""
    uses = {work_order_id: [] for work_order_id in work_order_ids}
    for use in store.scan(db.fund_entries, {"estate_id": estate_id, "work_order_id": {"$in": list(uses)},
                                            "kind": "use"}):
        uses[use["work_order_id"]].append(use)
    return uses


def flats_sharing(db, estate_id, building, units=None):
    """finance's copies of the flats of ``building`` (of ``units`` only, when named) with their
    address and floor area: those sharing a use of the fund."""
    query = {"estate_id": estate_id, "building": building, **({"unit": {"$in": list(units)}} if units else {})}
    return list(store.scan(db.households, query, ("building", "unit", "room", "area_m2")))


def half_done_shared_uses(db, estate_id, building):
    """The uses shared by ``building``'s flats still requested with an approval marked on them
    (``APPROVING``: under way, or one that died, perhaps after the pool gave their money)."""
    return list(store.scan(db.fund_entries, {"estate_id": estate_id, "kind": "use", "status": "requested",
                                             "shared_by.building": building, APPROVING: {"$exists": True, "$ne": []}}))


def fund_entries_of_households(db, estate_id, household_ids):
    """The fund's entries naming any of ``household_ids``: their deposits and reversals, and the
    approved uses they share (``apportionment``), each once, in the order they were made."""
    wanted = list(dict.fromkeys(household_ids))
    found = {e["_id"]: e for e in store.scan(db.fund_entries, {"estate_id": estate_id, "household_id": {"$in": wanted}})}
    found.update((e["_id"], e) for e in store.scan(
        db.fund_entries, {"estate_id": estate_id, "apportionment.household_id": {"$in": wanted}, "status": "approved"}))
    return sorted(found.values(), key=lambda e: (e["created_at"], e["_id"]))


def fund_entries_before_and_of_period(db, estate_id, period):
    """The entries that count on a day before the month, quarter or year ``period``, and those
    that count on one of its days (``store.days_of``)."""
    days = store.days_of(period)
    return (list(store.scan(db.fund_entries, {"estate_id": estate_id, "day": {"$lt": days["$gte"]}})),
            list(store.scan(db.fund_entries, {"estate_id": estate_id, "day": days})))


def pending_refunds(db, before_iso):
    """Deposit refunds a crash left half-done (``refund.status`` pending), of every estate finance
    knows, begun before ``before_iso``."""
    return _found_by_household_or_estate(db, "deposits", {"refund.status": "pending", "refund.at": {"$lt": before_iso}})


def pending_deductions_reversals(db, before_iso):
    """Reversals of deposits' deductions a crash left half-done (``refund.deductions_reversal.status``
    pending), of every estate finance knows, begun before ``before_iso``."""
    return _found_by_household_or_estate(db, "deposits", {"refund.deductions_reversal.status": "pending",
                                                          "refund.deductions_reversal.at": {"$lt": before_iso}})


def pending_seller_refunds(db, before_iso):
    """Refunds of a seller's prepaid money a crash left half-done (``refund.status`` pending), of
    every estate finance knows, begun before ``before_iso``."""
    return _found_by_household_or_estate(db, "seller_prepaid", {"refund.status": "pending",
                                                                "refund.at": {"$lt": before_iso}})


def pending_fund_deposits(db, before_iso):
    return _found_by_household_or_estate(db, "fund_entries", {"status": "pending", "created_at": {"$lt": before_iso}})


# -- public revenue (公共收益) ------------------------------------------------------------------------

def find_revenue_contract(db, estate_id, contract_id):
    return _named.find(db, "revenue_contracts", estate_id, contract_id)


def list_revenue_contracts(db, estate_id, filters, limit, cursor):
    return store.page(db.revenue_contracts, {"estate_id": estate_id, **filters}, limit, cursor)


def revenue_contracts(db, estate_id, filters=None):
    return list(store.scan(db.revenue_contracts, {"estate_id": estate_id, **(filters or {})}))


def find_revenue_receipt(db, estate_id, receipt_id):
    return _named.find(db, "revenue_receipts", estate_id, receipt_id)


def insert_revenue_receipt(db, receipt):
    return _named.insert(db, "revenue_receipts", receipt)


def drop_unconfirmed_revenue_receipt(db, estate_id, receipt_id):
    """A receipt written after its contract's cancellation dropped its stale claim, taken away before any money of it
    was written (no journal entry, no fund deposit: ``operations._confirm_receipt_claim``, r6)."""
    # fenced (``leases_store.delete_one_fenced``): one the next holder of the call's locks wrote is its (r5)
    leases_store.delete_one_fenced(db.revenue_receipts,
                                   {"_id": receipt_id, "estate_id": estate_id, "status": "pending"})


def post_revenue_receipt(db, outbox, estate_id, receipt_id, fields, events=()):
    """The receipt moved on from ``pending`` with ``fields`` and ``events`` in that one write (a repeat
    finds it posted and changes nothing, announcing nothing again)."""
    for _ in range(writes.ATTEMPTS):
        receipt = _named.find(db, "revenue_receipts", estate_id, receipt_id)
        if receipt["status"] != "pending":
            return receipt
        written = _named.write(db, outbox, "revenue_receipts", receipt, writes.Change(fields, events=list(events)),
                               guard={"status": "pending"})
        if written is not None:
            return written
    raise Conflict("the public revenue receipt kept changing while it was being written: try again", retry_after=1)


def list_revenue_receipts(db, estate_id, filters, limit, cursor):
    return store.page(db.revenue_receipts, {"estate_id": estate_id, **filters}, limit, cursor)


def revenue_receipts_of_contracts(db, estate_id, contract_ids, fields=("contract_id", "amount_cents", "status")):
    return list(store.scan(db.revenue_receipts, {"estate_id": estate_id, "contract_id": {"$in": list(contract_ids)}},
                           fields))


def change_revenue_receipt(db, outbox, estate_id, receipt_id, decide, keyed=True):
    return _named.change(db, outbox, "revenue_receipts", estate_id, receipt_id, decide, keyed=keyed)


def change_revenue_contract(db, outbox, estate_id, contract_id, decide, keyed=True):
    return _named.change(db, outbox, "revenue_contracts", estate_id, contract_id, decide, keyed=keyed)


def revenue_refunds_of_period(db, estate_id, period):
    """The contracts with a refund paid on the days of a period (after their early end, h5)."""
    return list(store.scan(db.revenue_contracts, {"estate_id": estate_id, "refunds.day": store.days_of(period)}))


def revenue_reversals_of_period(db, estate_id, period):
    """The receipts reversed on the days of a month, quarter or year (whenever received): the disclosure
    nets them where the reversal is made, as the journal does."""
    return list(store.scan(db.revenue_receipts, {"estate_id": estate_id, "status": "reversed",
                                                 "reversal.day": store.days_of(period)}))


def pending_revenue_reversals(db, before_iso):
    """Reversals a crash left before their fund entry or journal entry (``status`` reversal_pending)."""
    return _found_by_household_or_estate(db, "revenue_receipts", {"status": "reversal_pending",
                                                                   "reversal.at": {"$lt": before_iso}})


def revenue_receipts_of_period(db, estate_id, period):
    """The receipts of the days of a month, quarter or year (the disclosure's and the reconciliation's)."""
    return list(store.scan(db.revenue_receipts, {"estate_id": estate_id, "day": store.days_of(period)}))


def pending_revenue_refunds(db, before_iso):
    """``(contract, refund_id)`` of the refunds after an early end a crash left before their fund entries, journal
    entry or event (``status`` pending, made before ``before_iso``; r5)."""
    return [(contract, refund["id"]) for contract in _found_by_household_or_estate(
        db, "revenue_contracts", {"refunds.status": "pending"})
        for refund in contract["refunds"] if refund["status"] == "pending" and refund["at"] < before_iso]


def pending_revenue_receipts(db, before_iso):
    """Receipts a crash left before their journal entry or the fund's deposit (``status`` pending)."""
    return _found_by_household_or_estate(db, "revenue_receipts", {"status": "pending",
                                                                   "created_at": {"$lt": before_iso}})


# -- operating costs and published disclosures ---------------------------------------------------

def find_operating_expense(db, estate_id, expense_id):
    return _named.find(db, "operating_expenses", estate_id, expense_id)


def change_operating_expense(db, outbox, estate_id, expense_id, decide):
    return _named.change(db, outbox, "operating_expenses", estate_id, expense_id, decide)


def list_operating_expenses(db, estate_id, filters, limit, cursor):
    """``period``, ``category``, ``contractor_id`` as stored; ``duplicate`` (``true``: the signed
    months' costs that repeat one typed by hand, ``reports.contractor_month_expense``; ``false``: the others)."""
    query = {"estate_id": estate_id, **{key: value for key, value in filters.items() if key != "duplicate"}}
    # a duplicate stands while it is not reversed and repeats a cost not reversed (``duplicate_of``
    # names those only: ``operations.reverse_operating_expense``; found by r5 reviewing h5)
    if filters.get("duplicate") == "true":
        query.update({"duplicate_of.0": {"$exists": True}, "reversal": None})
    elif filters.get("duplicate") == "false":
        query["$or"] = [{"duplicate_of.0": {"$exists": False}}, {"reversal": {"$ne": None}}]
    return store.page(db.operating_expenses, query, limit, cursor)


def costs_repeating(db, estate_id, expense_id):
    """The signed months' costs naming ``expense_id`` as one they repeat (``duplicate_of``)."""
    return list(db.operating_expenses.find({"estate_id": estate_id, "duplicate_of": expense_id}, {"_id": 1}))


def contractor_costs(db, estate_id, contractor_id, period):
    """The operating costs of a contractor's month not reversed: typed by hand naming it, or its
    signed month's (those recorded before a signed month's cost kept its contractor are found by
    the month's id, ``cm_<contractor>_<period>``), the first recorded first."""
    return list(db.operating_expenses.find(
        {"estate_id": estate_id, "period": period, "reversal": None,
         "$or": [{"contractor_id": contractor_id}, {"_contractor_month": f"cm_{contractor_id}_{period}"}]},
        sort=[("created_at", 1), ("_id", 1)]))


def operating_expenses_of_period(db, estate_id, period):
    return list(store.scan(db.operating_expenses, {"estate_id": estate_id, "period": _months_of(period)},
                           ("category", "amount_cents", "reversal")))


def find_disclosure(db, estate_id, disclosure_id):
    return _named.find(db, "disclosures", estate_id, disclosure_id)


def publish_disclosure(db, disclosure, previous):
    """The first version inserted, a later one in place of the version it was decided on."""
    if previous is None:
        if not _named.insert(db, "disclosures", disclosure):
            raise Conflict("the period was published meanwhile: read it again")
        return disclosure
    answer = db.disclosures.update_one({"_id": disclosure["_id"], "estate_id": disclosure["estate_id"],
                                        "version": previous["version"]}, {"$set": disclosure})
    if not answer.matched_count:
        raise Conflict("the period was published meanwhile: read it again")
    return disclosure


def list_disclosures(db, estate_id, filters, limit, cursor):
    return store.page(db.disclosures, {"estate_id": estate_id, **filters}, limit, cursor)


def published_disclosures(db, estate_id, limit, cursor, shown):
    """The owners' list of an estate's published disclosures, the newest first published first."""
    return store.page(db.disclosures, {"estate_id": estate_id}, limit, cursor, shown=shown, newest_first=True)


def estate_id_by_code(db, code):
    """The estate a public link names by its code; 404 (saying nothing more) when none has it."""
    return replica.public_estate_id(db, code)


def estate(db, estate_id):
    """The estate's copy (None before it came)."""
    return replica.get(db, "estate", estate_id, estate_id)


def save_owner_access(db, access):
    """The household's one access record, in place of the one before (which opens nothing then)."""
    db.owner_access.replace_one({"_id": access["_id"], "estate_id": access["estate_id"]}, access, upsert=True)


def owner_access_by_secret(db, estate_id, secret_hash):
    return db.owner_access.find_one({"estate_id": estate_id, "secret_hash": secret_hash})


def estate_heading(db, estate_id):
    """``(name, timezone)`` of the estate from one read of its copy: the owners' pages head their
    disclosures with its name and show their times on its clock (Asia/Shanghai while no copy has come)."""
    estate = replica.get(db, "estate", estate_id, estate_id)
    return (estate.get("name") if estate else None), calendar.timezone_of(estate)


def estate_timezone(db, estate_id):
    """The estate's IANA time zone from its copy (Asia/Shanghai while none has come)."""
    return replica.estate_timezone(db, estate_id)
# -- what this service closed, reported to archive (estate_common.closed_counts) ----------------

def estate_ids(db):
    """Every estate this service holds a copy of (the registry: the closed-count timer visits each)."""
    return sorted(doc["estate_id"] for doc in db.estates.find({}, {"estate_id": 1}))


def closed_queries(estate_id, start, end):
    """Payments posted in ``[start, end)`` (a reversal later does not unpost one: archive keeps both;
    ``closed_counts_store``: counted for archive, and listed when the archivist asks which are
    missing), known by their receipt number (RC-…). An opening credit (期初预收, OP-…) is no payment
    announced to archive: counted, it read as a record the archive lacks."""
    posted = {"$in": ["posted", "reversal_pending", "reversed"]}  # not one still being posted
    return {"payments": ("payments", {"estate_id": estate_id, "status": posted, "kind": {"$ne": "opening_credit"},
                                      "posted_at": {"$gte": start, "$lt": end}}, "receipt_number")}


def closed_counts(db, estate_id, start, end):
    return closed_counts_store.counted(db, estate_id, closed_queries(estate_id, start, end))


def get_listed(db, collection, estate_id, doc_id):
    """One record of a list (fee standards, operating expenses, settlements: each answered by its
    list as ``public`` of the stored document), by its id in the estate, or 404."""
    return _named.get(db, collection, estate_id, doc_id)


# -- the bank statement matched (银行对账: bank_statements.py) ---------------------------------------

def statement_lines(db, estate_id, period):
    """The statement's lines of ``period``, in the file's order."""
    return sorted(store.scan(db.bank_statement_lines, {"estate_id": estate_id, "period": period}),
                  key=lambda line: (line["line"], line["_id"]))


def replace_statement(db, estate_id, period, lines):
    """The month's statement as an upload leaves it: its lines gone from the file deleted, the
    others written whole (their natural ids: never a line twice). How many were deleted. Written under
    the month's statement lock (``operations.bank_statement_lock``), not through ``estate_common.writes``:
    each write checks first the lock is still the call's (``leases_store.still_ours``; an upload stalled
    past it wrote over the lines of the call that took it over: found by r3 reviewing h3), and is fenced
    (``leases_store.replace_fenced``, ``delete_fenced``): one paused between that check and its write
    deletes and overwrites none of the lines the next call wrote (found by h5)."""
    gone = leases_store.delete_fenced(db.bank_statement_lines, {"estate_id": estate_id, "period": period,
                                                                "_id": {"$nin": [line["_id"] for line in lines]}})
    for line in lines:  # a large file's lines: the lease renewed as they are written
        leases_store.replace_fenced(db.bank_statement_lines, {"_id": line["_id"], "estate_id": estate_id},
                                    {**line, "estate_id": estate_id, "period": period}, upsert=True)
    return gone


def get_statement_line(db, estate_id, line_id):
    return _named.get(db, "bank_statement_lines", estate_id, line_id)


def set_statement_line(db, estate_id, line_id, fields):
    """A line's confirmation or explanation, under the month's statement lock checked first (as
    ``replace_statement``: a call stalled past it wrote its line after the next call's)."""
    leases_store.update_fenced(db.bank_statement_lines, {"_id": line_id, "estate_id": estate_id}, {"$set": fields})
    return get_statement_line(db, estate_id, line_id)


def transaction_ids(db, estate_id, payment_ids):
    """``{payment_id: transaction_id}`` of the payments that have one (their channel's number)."""
    return {p["_id"]: p["transaction_id"] for p in store.scan(
        db.payments, {"estate_id": estate_id, "_id": {"$in": list(payment_ids)}}, ("transaction_id",))
        if p.get("transaction_id")}


# -- the handover package at a contract's end (exit_handover.py) ----------------------------------

EXIT_BILL_FIELDS = ("household_id", "item", "period", "amount_cents", "paid_cents", "status", "pricing", "prorated",
                    "covers_from", "covers_to", "payer", "owed", "source")


def bills_at_contract_end(db, estate_id, end_month):
    """The bills that can be owed or hold money of days after ``end_month``, none cancelled (owed by no
    one): every unpaid one (the bills index on estate, status), and of those paid, the bills of
    ``end_month`` or after (the index on estate, period) and those of the months before that may reach
    it by ``billing.months_covered``'s reading, each through an index of its own that holds nothing
    else: a quarter's or a year's (``pricing.months``), one with its own months (``covers_to``), a
    developer's that says only its days (``owed.to``). A bill paid in full covering only months before
    the end's owes nothing and holds nothing after it: every bill of the year before was read, 4.2 s on
    the big estate on a loaded machine, near the gateway's RPC timeout (found by review of the exit)."""
    yield from store.scan(db.bills, {"estate_id": estate_id, "status": "unpaid"}, EXIT_BILL_FIELDS)
    # neither unpaid (read above) nor cancelled: no equality on the status, which would walk the estate's
    # paid bills rather than the entries within a range of the indexes below
    paid = {"estate_id": estate_id, "status": {"$nin": ["unpaid", "cancelled"]}}
    yield from store.scan(db.bills, {**paid, "period": {"$gte": end_month}}, EXIT_BILL_FIELDS)
    since = calendar.add_months(end_month, 1 - LONGEST_BILL_MONTHS)
    before = {"$gte": since, "$lt": end_month}
    seen = set()
    for reaching in ({"pricing.months": {"$gt": 1}}, {"covers_to": {"$gte": end_month}},
                     {"owed.to": {"$gte": end_month}}):
        for bill in store.scan(db.bills, {**paid, **reaching, "period": before}, EXIT_BILL_FIELDS):
            if bill["_id"] not in seen:  # a bill both a quarter's and with its own months: once
                seen.add(bill["_id"])
                yield bill


def unapplied_payments(db, estate_id):
    """The estate's posted payments with money not yet put on a bill (预收余额)."""
    return store.scan(db.payments, {"estate_id": estate_id, "status": "posted", "unapplied_cents": {"$gt": 0}},
                      ("household_id", "unapplied_cents", "payer"))


def deposits_of_estate(db, estate_id):
    """A list, read twice (their bills, then each shown): a scan's walk was spent on the first, and no
    deposit was ever listed held (found by r5)."""
    return list(store.scan(db.deposits, {"estate_id": estate_id}))


def seller_holds_of_estate(db, estate_id):
    return store.scan(db.seller_prepaid, {"estate_id": estate_id, "status": "held"})


def utility_accounts_of_estate(db, estate_id):
    return store.scan(db.utility_accounts, {"estate_id": estate_id},
                      ("household_id", "utility", "balance_cents"))


# -- the owners' money paid ahead settled at a contract's end (exit_settlement.py) ------------------

def find_exit_settlement(db, estate_id, settlement_id):
    return _named.find(db, "exit_settlements", estate_id, settlement_id)


def create_exit_settlement(db, settlement):
    """The settlement's first write, once (a second call finds the first)."""
    _named.insert(db, "exit_settlements", settlement)
    return find_exit_settlement(db, settlement["estate_id"], settlement["_id"])


def drop_unmoved_exit_settlement(db, estate_id, settlement_id):
    """A settlement refused before anything moved on it (not planned: no bill cancelled, no money taken),
    taken away: the loser of two first settlements naming other end days stayed pending for good."""
    leases_store.delete_one_fenced(db.exit_settlements, {"_id": settlement_id, "estate_id": estate_id,  # fenced (r5)
                                                         "status": "pending", "planned": {"$exists": False}})


def bills_cancelled_by_exit(db, estate_id, household_id, settlement_id):
    """The household's bills ``settlement_id`` cancelled (``exit_settlement_id``: an attempt that died before
    its plan was written), by the bills index on estate, household, status."""
    return list(store.scan(db.bills, {"estate_id": estate_id, "household_id": household_id, "status": "cancelled",
                                      "exit_settlement_id": settlement_id}, ("exit_settlement_id",)))


def change_exit_settlement(db, outbox, estate_id, settlement_id, decide):
    return _named.change(db, outbox, "exit_settlements", estate_id, settlement_id, decide, keyed=False)


def exit_settlements_of(db, estate_id, transfer_id):
    return list(store.scan(db.exit_settlements, {"estate_id": estate_id, "transfer_id": transfer_id}))


def find_exit_transfer(db, estate_id, batch_id):
    return _named.find(db, "exit_transfers", estate_id, batch_id)


def create_exit_transfer(db, batch):
    _named.insert(db, "exit_transfers", batch)
    return find_exit_transfer(db, batch["estate_id"], batch["_id"])


def change_exit_transfer(db, outbox, estate_id, batch_id, decide):
    return _named.change(db, outbox, "exit_transfers", estate_id, batch_id, decide, keyed=False)


def exit_end_day(db, estate_id, end_id):
    """The estate's contract end day fixed by its first settlement (``end_id``: ``exit_settlement.end_day_id``),
    or None."""
    found = _named.find(db, "exit_end_days", estate_id, end_id)
    return found and found["as_of"]


def claim_exit_end_day(db, estate_id, end_id, end_day, actor, at):
    """``end_day`` the estate's contract end unless one is fixed already (insert-once: two first settlements
    at once fix one day); the day that stands."""
    _named.insert(db, "exit_end_days", {"_id": end_id, "estate_id": estate_id, "as_of": end_day, "by": actor,
                                        "created_at": at})
    return exit_end_day(db, estate_id, end_id)


def owner_bills_of_household(db, estate_id, household_id):
    """The household's bills not cancelled (by the bills index on estate, household, status)."""
    return list(store.scan(db.bills, {"estate_id": estate_id, "household_id": household_id, "status": NOT_CANCELLED},
                           EXIT_BILL_FIELDS + ("allocations", "item", "source", "due_at", "_rev")))


def take_payments_money(db, outbox, estate_id, part, settlement_id, whole=False):
    """``part``'s cents gone from its payment's unused money, paid out at the contract's end, once
    (marked ``exit_settlement_id``, and ``TAKES``: each settlement takes once), or what is left of them when a writer
    outside the household's lock (a billing run's ``apply_prepaid_everywhere``) used some since they
    were planned: ``exit_settled_cents`` is what was taken, and only that is paid out (found by r8
    reviewing h8: the plan's whole amount was paid out while the payment kept its money). ``whole`` (a
    refund's part): nothing taken unless the part is there whole (the refund is refused, never smaller)."""
    def take(payment):
        taken = min(payment["unapplied_cents"], part["amount_cents"])
        takes = exit_settlement.takes_of(payment)
        if settlement_id in takes or payment["status"] != "posted" or taken <= 0:
            return None
        if whole and taken < part["amount_cents"]:  # a refund's part: whole or nothing (found by h5)
            return None
        # a payment taken by an earlier settlement (an earlier round) gives again what was given back onto it
        # since (a bill it paid cancelled): it was left for good, owed back and never paid out (found by r2
        # reviewing h2); exit_settled_cents is what it paid out in all, exit_settlement_id the last to take
        return writes.Change({"unapplied_cents": payment["unapplied_cents"] - taken,
                              "exit_settlement_id": settlement_id,
                              "exit_settled_cents": (payment.get("exit_settled_cents") or 0) + taken,
                              exit_settlement.TAKES: {**takes, settlement_id: taken}})

    return _named.change(db, outbox, "payments", estate_id, part["payment_id"], take, keyed=False)



# -- money collected on behalf of others (代收代缴, pass_through.py) -------------------------------------------

def create_payee(db, outbox, estate_id, payee_id, make):
    return create(db, outbox, "pass_through_payees", estate_id, payee_id, make)


def find_payee(db, estate_id, payee_id):
    return _named.find(db, "pass_through_payees", estate_id, payee_id)


def change_payee(db, outbox, estate_id, payee_id, decide):
    return _named.change(db, outbox, "pass_through_payees", estate_id, payee_id, decide)


def payees_page(db, estate_id, limit, cursor):
    return store.page(db.pass_through_payees, {"estate_id": estate_id}, limit, cursor)


def payees_of_estate(db, estate_id):
    """Every payee of the estate (a handful: its gas, water, broadband companies), by the estate's index."""
    return list(store.scan(db.pass_through_payees, {"estate_id": estate_id}, ("estate_id", "name", "service",
                                                                              "handling_fee_cents")))


def pending_collections_of_estate(db, estate_id):
    """The estate's collections for payees a crash or a live writer left ``pending`` (the sweep's index)."""
    return list(store.scan(db.pass_through_collections, {"estate_id": estate_id, "status": "pending"},
                           ("payee_id", "payee_name", "amount_cents")))


def payees_collected(db, estate_id, payee_ids):
    """``(collections posted, remittances done)`` of the payees: one row per payee having any, its sums and
    its count (``{payee_id, amount_cents, fee_cents, count}``; ``{payee_id, amount_cents, count}``), added up
    where they are stored, by the payee's index. Every collection of the page's payees was read into the
    service and summed here: a page cost the payees' whole history (found by h11)."""
    payee_ids = list(payee_ids)

    def totals(collection, status, fields):
        match = {"estate_id": estate_id, "payee_id": {"$in": payee_ids}, "status": status}
        group = {"_id": "$payee_id", "count": {"$sum": 1}, **{field: {"$sum": f"${field}"} for field in fields}}
        return [{"payee_id": row.pop("_id"), **row} for row in collection.aggregate([{"$match": match},
                                                                                     {"$group": group}])]
    return (totals(db.pass_through_collections, "posted", ("amount_cents", "fee_cents")),
            totals(db.pass_through_remittances, "done", ("amount_cents",)))


def find_collection(db, estate_id, collection_id):
    return _named.find(db, "pass_through_collections", estate_id, collection_id)


def insert_collection(db, collection):
    """False when it exists (a retry)."""
    return _named.insert(db, "pass_through_collections", collection)


def change_collection(db, outbox, estate_id, collection_id, decide):
    return _named.change(db, outbox, "pass_through_collections", estate_id, collection_id, decide, keyed=False)


def collections_page(db, estate_id, filters, limit, cursor):
    return store.page(db.pass_through_collections, {"estate_id": estate_id, **_receipt_quoted(filters)}, limit, cursor)


def owed_collections(db, estate_id, payee_id, period):
    """The payee's collections posted in ``period`` not handed on yet, by the payee's index."""
    return [c for c in store.scan(db.pass_through_collections, {"estate_id": estate_id, "payee_id": payee_id,
                                                                 "period": period, "status": "posted"},
                                  ("amount_cents", "remittance_id")) if not c.get("remittance_id")]


def take_collection(db, outbox, estate_id, collection_id, remittance_id):
    """The collection marked handed on by ``remittance_id``, once; left when another remittance took it, or when
    its reversal did (h4: the reversal's claim and this take each write only a collection neither marked)."""
    def take(collection):
        if collection.get("remittance_id") or collection.get("reversed_by"):
            return None
        return writes.Change({"remittance_id": remittance_id})
    return change_collection(db, outbox, estate_id, collection_id, take)


def drop_untaken_remittance(db, estate_id, remittance_id):
    """A remittance none of whose planned collections it took (another batch did), taken away while pending:
    nothing moved on it (no collection marked its own, no entry)."""
    leases_store.delete_one_fenced(db.pass_through_remittances,  # fenced: the next holder's kept (r5)
                                   {"_id": remittance_id, "estate_id": estate_id, "status": "pending"})


def pass_through_collections_of_period(db, estate_id, period):
    """The money collected for others (代收) on the days of a month, quarter or year (the reconciliation's)."""
    return list(store.scan(db.pass_through_collections, {"estate_id": estate_id, "day": store.days_of(period)},
                           ("amount_cents", "fee_cents", "status")))


def find_pass_through_reversal(db, estate_id, reversal_id):
    return _named.find(db, "pass_through_reversals", estate_id, reversal_id)


def insert_pass_through_reversal(db, reversal):
    """False when it exists (a retry, or a twin call)."""
    return _named.insert(db, "pass_through_reversals", reversal)


def change_pass_through_reversal(db, outbox, estate_id, reversal_id, decide):
    return _named.change(db, outbox, "pass_through_reversals", estate_id, reversal_id, decide, keyed=False)


def drop_unclaimed_pass_through_reversal(db, estate_id, reversal_id):
    """A reversal refused before it claimed its collection (a remittance took it first), taken away while pending:
    nothing moved on it (the collection not marked, no entry)."""
    db.pass_through_reversals.delete_one({"_id": reversal_id, "estate_id": estate_id, "status": "pending"})


def find_remittance(db, estate_id, remittance_id):
    return _named.find(db, "pass_through_remittances", estate_id, remittance_id)


def insert_remittance(db, remittance):
    return _named.insert(db, "pass_through_remittances", remittance)


def change_remittance(db, outbox, estate_id, remittance_id, decide):
    return _named.change(db, outbox, "pass_through_remittances", estate_id, remittance_id, decide, keyed=False)


def remittances_page(db, estate_id, filters, limit, cursor):
    return store.page(db.pass_through_remittances, {"estate_id": estate_id, **filters}, limit, cursor)


def pending_pass_through(db, collection, before_iso):
    """Collections or remittances a crash left ``pending``, of every estate, created before ``before_iso``."""
    return _found_by_household_or_estate(db, collection, {"status": "pending", "created_at": {"$lt": before_iso}})
