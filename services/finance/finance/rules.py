"""The numbers of finance, with their defaults, and the decisions this service took.

Each number is a per-estate setting: an estate's overrides are stored in the ``settings``
collection (``{_id: estate_id, estate_id, values: {...}}``) and merged over these by
``estate_common.settings``.

Decisions (DOMAIN.md leaves them open):

- **Due date of a bill.** A bill is due by the end of a local day (its last millisecond,
  estate local time), never at the hour it happened to be issued. ``bill_due_days`` = 0 (the
  default): a period's bill is due by the end of its billing month. N > 0: by the end of the
  period's N-th day. A bill issued after that moment (a catch-up run for a past period) is
  due by the end of the day ``late_bill_grace_days`` after it was issued, so nobody is in
  arrears for a bill they could not have seen. A charge from another service that was not
  collected at its source is due by the end of the day ``charge_due_days`` after it was
  raised.
- **Local time.** Periods, journal days and due dates are the estate's local calendar: its
  IANA ``timezone`` (estate master data from archive, default Asia/Shanghai), which
  ``store.rules_for`` adds to these numbers; stored timestamps stay UTC.
- **Prepaid balance (预收).** Money paid beyond the bills it settles stays on the payment
  as ``unapplied_cents``: the household's prepaid balance is the sum of these. It is used,
  oldest payment first, on the household's oldest unpaid bills whenever the household's
  bills change: at the end of every billing run, when a charge arrives, and before the new
  money of a later payment. The use is recorded as an allocation of the original payment,
  so reversing that payment reopens every bill its money settled.
- **Reversal.** A posted payment is never edited: ``reverse`` writes a reversing (outgoing)
  journal entry of the same method, marks the payment reversed, and reopens the bills its
  money settled by exactly what it paid on them.
- **Daily settlement (日结).** A cashier's day (local date) is closed by a settlement with
  the totals of that cashier's journal entries; afterwards payments and reversals by that
  cashier on that day are refused. Money collected at a source (a gate) is never refused:
  its entry goes to the first day of that cashier that is not closed. A shift's settlement (交班,
  ``closes_day: false``, of today) covers the entries since the previous settlement of the day with
  its own drawer count and leaves the day open; the day's settlement covers what came after the
  last shift (a cashier who settled at noon took no payment in the afternoon: h5's probe).
- **Days left unsettled (日清月结).** A cashier's past day (before the estate's today) with
  journal entries and no settlement is listed as soon as the day is over
  (``GET …/journals/unsettled-days``, the oldest first, with the totals its settlement would
  close it with), and shown on the accountant's start page (every cashier's) and on that
  cashier's (his own), each opening the settlement's form on that day. Before, such a day was
  named only by the month's reconciliation (``unsettled_days``).
- **Late settlement (补结).** ``recorded_within_days`` (14) stops back-dated records: a
  settlement of 1900 was taken. But a settlement records no new money: it closes a day with its
  own journal's totals, and a day nobody noticed in time could never be closed (its cashier and
  the accountant stuck, the month's reconciliation naming it for good). So a day more than
  ``recorded_within_days`` ago is settled **late** when it has journal entries of its cashier
  (one without stays a 422 on ``data.date``, the typo guard as before), and the settlement says
  ``late: true`` beside ``closed_by`` and ``closed_at``: the accountant sees who closed which day
  how late. Who: the cashier himself, a manager, or the accountant, who checks the cashier's
  journals (会计稽核出纳) and closes the day of a cashier who has left or is away; a day within
  the window stays the cashier's (or a manager's) alone: the accountant is refused it (403), as
  the cashier's daily close is his own duty (日清). Nothing is number-bound here, so no setting.
- **Collection rate (收缴率)** of a period: cents paid on the period's property-service bills
  ÷ cents billed on them, as of the time of asking.
- **Months not billed.** Billing runs are manual, and a month nobody ran read as "no data", as a
  month with nothing to bill. A month **should have been billed** once it has begun, when an
  approved periodic standard's cycle starts in it (``standards.bills_in``: a quarterly one's
  first month only), applies to at least one household of the estate then, and has no bill of
  that month from a run of that standard. The collection rate names such months of its period
  (``not_billed``, property service only; absent when none; its numbers unchanged) and
  ``GET …/unbilled-months`` lists them, every periodic item, from the earliest a run may still
  name (``catch_up_months`` back) to the current month, for the accountant's start page ("2026-11
  not billed yet", opening the billing run's form on it). A run that billed the month is not
  flagged again for a household registered since (the next run of the month bills it; a
  quarterly cycle's later months bill joiners the same way).
"""
from estate_common import plausible, replica

DEFAULTS = {
    # 0: due by the end of the billing month; N: N days after the period starts.
    "bill_due_days": 0,
    # a bill issued after its due moment (catch-up billing) is due this many days after issue
    "late_bill_grace_days": 15,
    # a charge raised by another service, not collected at its source, is due after this many days
    "charge_due_days": 15,
    # 水电充值 (DOMAIN.md: prepaid utilities; the amount is ours): a usage leaving a prepaid water or
    # electricity balance below this many cents announces utility_balance_low (once until topped up)
    "utility_low_balance_cents": 5000,
    # how far below zero a prepaid utility balance may go (0: never negative; MINIMA allows 0)
    "utility_overdraft_cents": 0,
    # how many months before the current one a billing run, an operating cost or a disclosure may
    # name (``periods.refuse_before_catch_up``): a year typed as 1900 billed every household for
    # January 1900, and that bill took their next payment (a probe). At least 1: a disclosure is of
    # a month that has ended (0 left none to publish: review).
    "catch_up_months": 12,
    # 日结: a cashier's day is settled within this many days of it (estate_common.plausible: two
    # weeks, the longest public holiday and some room; a settlement of 1900 was taken). 0: the same day only.
    "recorded_within_days": plausible.RECORDED_WITHIN_DAYS,
    # 交房: 1, the month a unit is handed over to its owner is billed from the handover day, by the
    # day (不足一月按实际天数计: days owed ÷ days of the month); 0, the whole month. Not in DOMAIN.md
    # (its bills are area × price per month); chosen as the usual handover terms (a probe of taking on an
    # estate: a flat handed over on 20 November was billed all of November). 0 or 1.
    "prorate_handover_month": 1,
    # 过户 (sale_month.py): 1, the month a flat is sold is billed to the seller until the day before the transfer
    # (archive's owner_since) and to the buyer from it, by the day, by the handover month's one rule; 0, the whole
    # month to the buyer (the fee of the month with whoever owns the flat at its end), as before. Not in DOMAIN.md;
    # chosen by the day, as the handover month is (found by h7: the buyer was billed the seller's days). 0 or 1.
    "prorate_sale_month": 1,
    # 银行对账 (bank_statements.py): a bank statement's line is matched by amount to a bank journal entry
    # posted this many days before or after it (a transfer posted on the owner's word, at the bank the
    # next day or after a weekend); 0: the same day only. Not in DOMAIN.md: chosen as a weekend and a day.
    "bank_match_window_days": 3,
    # 备用金: the float a cashier's drawer opens with (change), counted with the day's cash at a
    # settlement (``journals.cash_count``: the drawer expected to hold it and the day's cash), unless
    # the settlement names its own (``float_cents``). Not in DOMAIN.md; 0, as before it was counted.
    "cash_float_cents": 0,
    # 专项维修资金 (maintenance_fund.owners_decision): a use shared by the owners of a building is decided by
    # at least parts/of of their floor area and of their number (《住宅专项维修资金管理办法》 art. 22:
    # 双三分之二, 2/3); an estate whose local rules differ sets its own. Not in DOMAIN.md.
    "fund_use_consent_parts": 2,
    "fund_use_consent_of": 3,
    # 押金扣除 (deposits.approval_needed): the deductions a refund keeps (damage, cleanup, violation) above
    # this many cents wait for a manager's approval before the cashier pays the refund. Neither DOMAIN.md
    # nor the seeds give an amount (the seeds: 装修 fees collected 按规定, 避免错收、乱收; matters beyond the
    # desk's authority go to the manager), and any deduction keeps the owner's money: 0, every one is
    # approved; an estate that trusts its cashiers with small ones sets its own. Fees paid from the
    # deposit (抵扣物业费) carry the owner's own consent and need none.
    "deposit_deduction_approval_above_cents": 0,
    # 公共收益 (public_revenue.py): the share of each receipt of the common parts' income the operator keeps as
    # its management cost (《民法典》第二百八十二条: the rest, the owners' part, is theirs jointly, credited to the
    # maintenance fund); 30 %, the usual share (not in DOMAIN.md or the seeds); 0 to 100, rounded half up.
    "public_revenue_operator_share_percent": 30,
    # 物业撤场 (exit_settlement.py): the contract's last day a settlement of the money owed back (退还 / 移交) names
    # lies at most this many days before today (and at most 31 after): a quarter and a day, the settlement
    # done within the months after the operator leaves (its handover, the owners' claims), while 2016-10-31
    # typed for 2026-10-31 is refused. Only the estate's first settlement is bounded so: it fixes the day.
    # Not in DOMAIN.md (found by a reviewer of h8).
    "exit_end_day_back_days": 92,
}

# settings whose lowest value is not 1 (estate_common.settings); bill_due_days 0 is the default
# (the end of the billing month), so an estate may set it back
MINIMA = {"utility_overdraft_cents": 0, "utility_low_balance_cents": 0, "bill_due_days": 0,
          "recorded_within_days": 0, "prorate_handover_month": 0, "prorate_sale_month": 0, "bank_match_window_days": 0,
          "cash_float_cents": 0, "deposit_deduction_approval_above_cents": 0, "public_revenue_operator_share_percent": 0}
# the highest value an estate may set: a due date beyond the calendar's end failed every billing
# run (and every charge's delivery) of the estate; catch_up_months reaches no further back than an
# estate's records may begin before its registration (replica.RECORDS_REACH_MONTHS: every service's
# period reports refuse a period before that, replica.refuse_before_records)
MAXIMA = {"bill_due_days": 365, "late_bill_grace_days": 365, "charge_due_days": 365,
          "utility_low_balance_cents": 100_000_000, "utility_overdraft_cents": 100_000_000,
          "catch_up_months": replica.RECORDS_REACH_MONTHS, "recorded_within_days": plausible.RECORDED_WITHIN_DAYS_MAX,
          "prorate_handover_month": 1, "prorate_sale_month": 1, "bank_match_window_days": 31, "cash_float_cents": 10_000_000,
          "fund_use_consent_parts": 100, "fund_use_consent_of": 100,
          "deposit_deduction_approval_above_cents": 100_000_000, "public_revenue_operator_share_percent": 100,
          "exit_end_day_back_days": 366}

# How long a household's money is held by one writer (payment, reversal, prepaid use) before
# another may take it over (a writer that died).
HOUSEHOLD_LOCK_SECONDS = 30

# How long a writer waits for another's hold on a household's money before its caller is told
# to try again (409), and how often it looks meanwhile: another cashier's payment holds it for a
# few milliseconds, and 32 cashiers paying one household at once had 4-7 of them refused outright
# (a concurrency probe). Well under the gateway's RPC timeout (RPC_TIMEOUT, 5 s).
HOUSEHOLD_LOCK_WAIT_SECONDS = 1.0
HOUSEHOLD_LOCK_RETRY_SECONDS = 0.01

# How long a writer of a cashier's journal entry (and a settlement of the day) waits for another
# (``operations.journal_day``): the cashier's entries are written one at a time, a few
# milliseconds each, and an integrator posting many payments at once as one cashier queues here.
# With the household's wait after it, still under the gateway's RPC timeout.
JOURNAL_DAY_LOCK_WAIT_SECONDS = 3.0

# An approval of a fund use marks the use before it takes the money (a rejection meanwhile is
# refused); a mark this old is of an approval that died (a crash), and no longer holds the use
# from its rejection (what it took, if anything, the fund's account says). A live one takes
# milliseconds.
APPROVAL_SECONDS = 60

# The bills of a billing run are written in batches of this many documents.
BILLING_BATCH = 1000
# Under the estate's lock of the billing of months (``HOUSEHOLD_LOCK_SECONDS``, renewed before each batch) a run
# writes this many first, then batches sized to a third of the lock's time by how long the last one took, at most
# twice the last and ``BILLING_BATCH`` (``operations.next_locked_batch``): one insert of 1,000 bills on a slow store
# outlasted the lock before its next renewal, and another run took it over (session 55's leftovers, found by h4). A
# stall past the lock's time still loses it; its fence then refuses the run's later writes (``operations._claimed``).
LOCKED_BATCH = 100

# Absurd amounts are refused by the contracts (400); the business limit of one bill (422),
# 1,000,000 yuan, is estate_common.money.MAX_BILL_CENTS: the sources of charges keep it too.

# A payment or reversal still pending after this long has lost its writer (a crash): the
# half-done sweep finishes it. Longer than HOUSEHOLD_LOCK_SECONDS, so the dead writer's lock
# has expired by then, and far longer than any live payment takes.
HALF_DONE_GRACE_SECONDS = 60

# A receipt's claim on its contract (``public_revenue.receipt_claim``) is written just before the receipt is: a
# claim this old with no receipt written is a crash's (its writer died between the two writes) and no longer
# holds the contract from its cancellation; the claim's retry with its key claims it again (h6). As the sweep's
# grace: far longer than a live writer takes between the two writes.
RECEIPT_CLAIM_STALE_SECONDS = HALF_DONE_GRACE_SECONDS
