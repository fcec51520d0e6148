"""An owner's statement link (业主账单查询码): what the desk hands a household's owner so that they
see, without an account, their household's bills, what is still owed and the payments made.

A probe of an owner's year found the portal saying a repair's charge "已计入你家的账单" while no
page an owner could open showed that bill, or what the household owed. Plain functions: no
broker, no store.

- **The code** is ``<estate code>.<secret>``, as a portal tracking code is
  (``estate_common.public_codes``): the secret kept only as its SHA-256. One code per household: issuing a new one
  (a lost phone, a code passed on) replaces the last, which opens nothing any more.
- **Whose it is.** The code is issued to the household's current owner, named by archive's
  ``owner_ref`` (an opaque id on the household's copy): once an owner's transfer changes it (the
  house sold), the code opens nothing, and the buyer asks the desk for their own. An edit of the
  owner's phone keeps it.
- **What it shows**: the address, the estate's name and phones, what is owed and prepaid now, the
  last 12 months' bills (fee item, period, amounts, status, due date) and payments (receipt
  number, amount, method, time); no household or staff id, no name, no phone, no free text.
- **An owner's own part** (``owners_part``). The household's copy names the day its current
  owner's ownership began (``owner_since``: archive's owner transfer date; null for the owner it
  was registered with). A buyer's code opened the household's last 12 months, the seller's
  payments and the seller's prepaid money with them (found by review). From ``owner_since`` on:
  the bills of the transfer's month and after (not the seller's part of that month: ``sale_month``), the payments taken from its day, the prepaid money
  of those payments only, and their totals. What the flat still owes stays whole in
  ``unpaid_cents`` (欠费随房: a sold flat's arrears stay with the flat, and the buyer's money
  settles them oldest first as any payment does), with the part of the months before the
  owner's in ``owed_before_owner_cents``, as one total: no seller's bill or payment is listed.
- **Refusals**: a code of the wrong shape, of no estate, of no household, replaced or ended, is
  one 404 "not found", saying nothing more (a guess learns nothing).
"""
from estate_common import public_codes
from estate_common.errors import NotFound

from . import sale_month
from .payments import outstanding
from .statement import billed_cents, prepaid_for_cents, received_cents

def not_found():
    return NotFound("not found")


def record(access_id, estate_id, household, secret, now_iso, user):
    """The household's one access record: the secret's hash and the owner it was issued to."""
    return {"_id": access_id, "estate_id": estate_id, "household_id": household["_id"],
            "secret_hash": public_codes.secret_hash(secret), "owner_ref": household.get("owner_ref"),
            "issued_at": now_iso, "issued_by": user}


def opens(access, household):
    """Whether the record still opens the household: issued to its current owner."""
    return household is not None and access.get("owner_ref") == household.get("owner_ref")


def issued_view(access, access_code, household):
    return {"code": access_code, "building": household.get("building"), "unit": household.get("unit"),
            "room": household.get("room"), "issued_at": access["issued_at"]}


def owner_month(household, current):
    """The first month the owner's statement shows (its range's ``from``), or None for the whole
    default range: the month of the household's ``owner_since`` (a transfer dated ahead is read as
    this month)."""
    since = (household or {}).get("owner_since")
    return min(since[:7], current) if since else None


def owners_part(account, owner_since, unpaid, prepaid_sources):
    """The account as the current owner reads it: from ``owner_since`` (a local day) on, see the
    module's docstring; the account whole with ``owner_since`` None. ``unpaid``: the household's
    unpaid bills; ``prepaid_sources``: its payments with money unused (each with its ``day``)."""
    if not owner_since:
        return account | {"owner_since": None, "owed_before_owner_cents": 0}
    month = owner_since[:7]
    bills = [bill for bill in account["bills"] if bill["period"] >= month and not sale_month.of_seller(bill)]
    payments = [payment for payment in account["payments"] if (payment.get("day") or "") >= owner_since]
    # his payments' money unused, and the seller's carried over to him (seller_prepaid.py)
    his = [p for p in prepaid_sources
           if (p.get("day") or "") >= owner_since or p.get("_carried_over_to") == owner_since]
    return account | {
        "owner_since": owner_since,
        "bills": bills, "payments": payments,
        "billed_cents": billed_cents(bills), "received_cents": received_cents(payments),
        # his payments' money unused, and the seller's carried over to him (seller_prepaid.py)
        "prepaid_cents": sum(p.get("unapplied_cents", 0) for p in his),
        "prepaid_for_cents": prepaid_for_cents(his),
        # the months before his and the seller's part of the sale month (``sale_month``)
        "owed_before_owner_cents": sum(outstanding(b) for b in unpaid if b["period"] < month or sale_month.of_seller(b)),
    }


def statement_view(account, estate, timezone):
    """The owner's statement: the account (``owners_part``) less every id, name and free text."""
    bills = [{"item": bill["item"], "period": bill["period"], "amount_cents": bill["amount_cents"],
              "paid_cents": bill.get("paid_cents", 0), "status": bill["status"], "due_at": bill.get("due_at"),
              "work_order_number": (bill.get("detail") or {}).get("work_order_number"),
              "pricing": bill.get("pricing"),
              # a bill of several months (按季缴费): the months it covers
              **{name: bill[name] for name in ("covers_from", "covers_to") if bill.get(name)}}
             for bill in account["bills"]]
    payments = [{"receipt_number": payment.get("receipt_number"), "amount_cents": payment["amount_cents"],
                 "method": payment["method"], "status": payment["status"],
                 "at": payment.get("posted_at") or payment["created_at"]} for payment in account["payments"]]
    estate = estate or {}
    return {
        "estate_name": estate.get("name"), "timezone": timezone,
        "service_phone": estate.get("service_phone"), "duty_phone": estate.get("duty_phone"),
        **{name: account[name] for name in ("building", "unit", "room", "from", "to", "unpaid_cents",
                                             "overdue_cents", "prepaid_cents", "prepaid_for_cents", "billed_cents",
                                             "received_cents", "owner_since", "owed_before_owner_cents",
                                             "generated_at")},
        "bills": bills, "payments": payments,
    }
