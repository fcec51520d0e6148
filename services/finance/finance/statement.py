"""A household's account (对账单): what it owes, what it has paid ahead, and its bills and
payments of a range of months, in order.

The prepaid balance (预收, money beyond the bills: ``unapplied_cents`` on the household's
posted payments) was shown only on the receipt that made it; the household's page, the bills
and payments lists and the payment form never showed it (a probe of month-end accounts).

- ``unpaid_cents``: what the household's unpaid bills still owe, whatever their period
  (``overdue_cents`` the part already past its due date); ``prepaid_cents``: its money not yet
  used, whatever the payment's day. Both are the account as it is now, not of the range.
- the range: months ``from``..``to`` of the estate's calendar, by default the
  ``DEFAULT_MONTHS`` up to the current one; at most ``MAX_MONTHS``, so one answer stays small.
  Its bills are those billed for those months (a cancelled one too, marked so), oldest period
  first; its payments those taken on the range's days (a reversed one too), oldest first.
- ``billed_cents``: the range's bills not cancelled; ``received_cents``: its payments posted
  (neither half-done nor reversed).

Plain functions: no broker, no store.
"""
from estate_common import clock
from estate_common.errors import BusinessRuleViolation, field_error

from . import periods
from .payments import outstanding

DEFAULT_MONTHS = 12   # the range when none is given: the last year, the current month included
MAX_MONTHS = 36       # the longest range one answer covers (the contract says so too)


def months(filters, now, rules):
    """``(first, last)``: the range's periods from the query (``from``, ``to``: ``YYYY-MM``),
    either defaulted around the other; 422 when ``to`` is before ``from`` or it spans more than
    ``MAX_MONTHS``."""
    current = periods.period_of(now, rules)
    if filters.get("from") and not filters.get("to") and filters["from"] > current:
        # its default end is this month: refused as "to is before from", a field never filled (a probe)
        raise BusinessRuleViolation("the range begins after this month",
                                    [field_error("from", f"is after this month ({current})")])
    last = filters.get("to") or (current if not filters.get("from")
                                 else min(current, periods.add_months(filters["from"], DEFAULT_MONTHS - 1)))
    first = filters.get("from") or periods.add_months(last, -(DEFAULT_MONTHS - 1))
    if last < first:
        raise BusinessRuleViolation("the range ends before it begins",
                                    [field_error("to", f"is before from ({first})")])
    if periods.months_between(first, last) + 1 > MAX_MONTHS:
        raise BusinessRuleViolation(f"a household's account covers at most {MAX_MONTHS} months at a time",
                                    [field_error("from", f"is more than {MAX_MONTHS} months before to ({last})")])
    return first, last


def days(first, last):
    """The local days of the months ``first``..``last``, as a range of ``YYYY-MM-DD`` texts."""
    return f"{first}-01", f"{last}-31"


def billed_cents(bills):
    """The cents billed on ``bills`` (a cancelled bill's none)."""
    return sum(b["amount_cents"] for b in bills if b["status"] != "cancelled")


def received_cents(payments):
    """The cents received by ``payments`` posted: an opening credit (期初预收) is listed and in the
    prepaid balance, but was paid to the previous company."""
    return sum(p["amount_cents"] for p in payments if p["status"] == "posted" and p.get("kind") != "opening_credit")


def prepaid_for_cents(prepaid_sources):
    """``{item: cents}``: the part of the prepaid balance paid for one fee item (``prepaid_for``,
    预交), which pays that item's bills alone: the account said 420 yuan prepaid beside a parking
    bill owed, and the desk could not tell the owner why the money did not pay it (found by review
    r5 of h5)."""
    bound = {}
    for source in prepaid_sources:
        if source.get("prepaid_for") and source.get("unapplied_cents", 0) > 0:
            bound[source["prepaid_for"]] = bound.get(source["prepaid_for"], 0) + source["unapplied_cents"]
    return bound


def account(estate_id, household, first, last, unpaid, prepaid_sources, bills, payments, now):
    """The household's account: its totals now, and the range's bills and payments in order."""
    now_iso = clock.to_iso(now)
    bills = sorted(bills, key=lambda b: (b["period"], b.get("due_at") or "", b["created_at"], b["id"]))
    payments = sorted(payments, key=lambda p: (p.get("posted_at") or p["created_at"], p["id"]))
    return {
        "estate_id": estate_id,
        "household_id": household["_id"],
        "building": household.get("building"),
        "unit": household.get("unit"),
        "room": household.get("room"),
        "from": first,
        "to": last,
        "unpaid_cents": sum(outstanding(b) for b in unpaid),
        "overdue_cents": sum(outstanding(b) for b in unpaid if b.get("due_at") and b["due_at"] < now_iso),
        "prepaid_cents": sum(p.get("unapplied_cents", 0) for p in prepaid_sources),
        "prepaid_for_cents": prepaid_for_cents(prepaid_sources),
        "billed_cents": billed_cents(bills),
        "received_cents": received_cents(payments),
        "bills": bills,
        "payments": payments,
        "generated_at": now_iso,
    }
