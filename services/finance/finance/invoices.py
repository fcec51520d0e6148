"""Invoices (发票) requested on a payment; the receipt (收据) is the payment's own.

- An invoice is requested on a **posted** payment (409 for a pending or reversed one), for
  the whole payment or a part of it; the invoices of a payment that are not voided never add
  up to more than it (422). Requests on one household are taken one at a time (its lock), so
  two at once cannot both pass that check.
- Every invoice gets a per-estate number of its own series (``FP-2026-000001``, a series per
  local year; DOMAIN.md: "every receipt/invoice has a unique per-estate number"), taken only
  when the invoice is written: a retried request (same Idempotency-Key) finds the first
  invoice and uses no number.
- An invoice is ``issued`` or ``voided`` (作废, with its reason; once: 409 again). A voided
  invoice keeps its number; its amount may be invoiced again.
- A payment with an issued invoice is not reversed (409): void the invoice first.
- The buyer's name (发票抬头) is personal data when the buyer is a person: it is marked in the
  contract, masked like an owner's name, and never put in an event or a log.

Plain functions: no broker, no store.
"""
from estate_common import clock, numbering
from estate_common.errors import BusinessRuleViolation, Conflict, field_error


INVOICE_PREFIX = "FP"


def series(now, rules):
    return numbering.series("invoice", now, rules["timezone"])


def number(now, rules, sequence):
    return numbering.number(INVOICE_PREFIX, now, rules["timezone"], sequence)


def check_request(payment, issued_on_payment, data):
    """Whether ``data`` may be invoiced on ``payment``, whose invoices not voided are
    ``issued_on_payment``. The amount it invoices."""
    if payment["status"] != "posted":
        raise Conflict(f"the payment is {payment['status']}: only a posted payment is invoiced",
                       [field_error("id", f"is {payment['status']}")])
    amount = int(data.get("amount_cents") or payment["amount_cents"])
    invoiced = sum(invoice["amount_cents"] for invoice in issued_on_payment)
    if invoiced + amount > payment["amount_cents"]:
        raise BusinessRuleViolation(
            f"{invoiced} cents of the payment's {payment['amount_cents']} cents are invoiced already",
            [field_error("data.amount_cents", f"at most {payment['amount_cents'] - invoiced} cents are left")])
    return amount


def new_invoice(invoice_id, payment, data, amount, invoice_number, now, actor):
    stamp = clock.to_iso(now)
    return {"_id": invoice_id, "estate_id": payment["estate_id"], "payment_id": payment["_id"],
            "household_id": payment["household_id"], "receipt_number": payment["receipt_number"],
            "number": invoice_number, "amount_cents": amount, "buyer_name": data["buyer_name"].strip(),
            "buyer_tax_id": (data.get("buyer_tax_id") or "").strip().upper() or None,
            "status": "issued", "issued_at": stamp, "issued_by": actor, "voided_at": None, "voided_by": None,
            "void_reason": None, "created_at": stamp}


def voiding(invoice, reason, now, actor):
    if invoice["status"] != "issued":
        raise Conflict(f"the invoice is {invoice['status']} already")
    return {"status": "voided", "voided_at": clock.to_iso(now), "voided_by": actor, "void_reason": reason.strip()}


def refuse_reversal(invoices_issued):
    if invoices_issued:
        numbers = ", ".join(sorted(invoice["number"] for invoice in invoices_issued))
        raise Conflict(f"the payment has issued invoices ({numbers}): void them before reversing it",
                       [field_error("id", "has issued invoices")])
