"""Opening balances (期初欠费): what households owed the previous property company when the
operator took the estate on (接管), carried over as bills of the months they were owed for.

An estate taken over from another company comes with the arrears its owners ran up there: the
previous company's list of households, fee items, months and amounts (移交的欠费清单). They are
collectable by the new operator (the handover contract assigns them) and were billed already by
the previous company, so:

- **One bill per household, item and month, the run's own key.** An opening balance is stored
  under ``billing.bill_id`` of its household, item and period, the id a billing run would give
  that month's bill: a catch-up run over the same month finds it and bills nothing again, and a
  month already billed here is refused (409 naming the bill), as is a second opening balance of
  it (a retry with the same Idempotency-Key answers the first).
- **Owed at once.** Its ``due_at`` is the end of its month, or the moment it was recorded when its
  month has not ended (a debt of the takeover month): overdue from then on, so it is in the
  arrears list, reminders and the household's account, and a payment settles it oldest first
  like any bill.
- **Not this operator's billing.** The collection rate (物业服务费收缴率) of its month and the
  disclosure's income leave it out (``source.kind: opening_balance``): the month was billed by the
  previous company; what is recovered of it counts in the arrears recovered (清欠率) once it was
  carried into a period.
- Its months are past or current (a debt is not owed for a month to come: 422) and within the
  estate's ``catch_up_months`` (422, as a run's).
- A quarter's or year's bill is its first month's: a later month of the cycle is a 422, the cycle
  is carried over as its first month (``refuse_inside_cycle``).

Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, field_error

from . import periods
from .billing import bill_id
from .standards import applies, cycle_start

SOURCE_KIND = "opening_balance"


def refuse_period(period, now, rules):
    """422 for a month to come, or one before the catch-up window."""
    current = periods.period_of(now, rules)
    if period > current:
        raise BusinessRuleViolation(f"an opening balance is owed for a past or the current month ({current})",
                                    [field_error("data.period", "has not begun")])
    periods.refuse_before_catch_up(period, now, rules)


def refuse_inside_cycle(period, household, standards):
    """422 for a month inside a quarter's or year's cycle of an approved standard of the item that
    bills the household (``standards``): the cycle's bill is under the id of its first month, so an
    opening balance of a later month of it was carried over and the run billed the whole cycle
    again, that month twice (found by review). The cycle is carried over as its first month."""
    for standard in standards:
        start = cycle_start(standard, period)
        if start and start != period and applies(standard, household, period):
            raise BusinessRuleViolation(
                f"{standard['item']} is billed by {standard['cycle']} cycle here: carry the cycle over as its "
                f"first month ({start})",
                [field_error("data.period", f"inside a {standard['cycle']} cycle billed as {start}")])


def refuse_billed(existing, requested_as):
    """409 when the household's month of the item has a bill already (a run's, or another opening
    balance's); None when it is this request's own (a retry)."""
    if existing is None:
        return
    source = existing.get("source") or {}
    if source.get("kind") == SOURCE_KIND and existing.get("_requested_as") == requested_as:
        return
    if source.get("kind") == SOURCE_KIND:
        raise Conflict(f"the household's {existing['item']} of {existing['period']} is carried over already "
                       f"({existing['_id']}): a month is owed once",
                       [field_error("data.period", f"carried over already: {existing['_id']}")])
    raise Conflict(f"the household's {existing['item']} of {existing['period']} is billed already "
                   f"({existing['_id']}): a month is owed once",
                   [field_error("data.period", f"billed already: {existing['_id']}")])


def new_bill(estate_id, data, now, rules, user, requested_as):
    """The bill of an opening balance, owed at once (see the module's docstring)."""
    stamp = clock.to_iso(now)
    month_over = periods.period_end(data["period"], rules) - timedelta(milliseconds=1)
    due = min(month_over, now - timedelta(milliseconds=1))
    source = {"kind": SOURCE_KIND, "reference": data["reference"].strip(), "recorded_by": user}
    if (data.get("note") or "").strip():
        source["note"] = data["note"].strip()
    return {
        "_id": bill_id(estate_id, data["household_id"], data["item"], data["period"]),
        "estate_id": estate_id,
        "household_id": data["household_id"],
        "item": data["item"],
        "period": data["period"],
        "amount_cents": data["amount_cents"],
        "paid_cents": 0,
        "status": "unpaid",
        "due_at": clock.to_iso(due),
        "created_at": stamp,
        "settled_at": None,
        "description": f"opening balance carried over from the previous property company ({source['reference']})",
        "source": source,
        "allocations": [],
        "_requested_as": requested_as,
    }


def recorded_event_data(bill):
    """``finance.opening_balance_recorded``: the bill carried over, as issued. No personal data
    (the reference is the previous company's statement number; the note stays on the bill)."""
    return {"id": bill["_id"], "household_id": bill["household_id"], "item": bill["item"],
            "period": bill["period"], "amount_cents": bill["amount_cents"], "due_at": bill["due_at"],
            "reference": bill["source"]["reference"], "recorded_at": bill["created_at"]}
