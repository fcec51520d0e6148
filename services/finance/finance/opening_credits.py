"""Opening credits (期初预收): what owners had paid the previous property company in advance when
the operator took the estate on (接管), handed over with its list of prepayments (移交预收清单).

The previous company hands over two lists: what owners owed it (期初欠费, ``opening_balances``) and
what they had paid it ahead and not yet used. The second is the household's money: it settles the
household's bills as prepaid money does. It never reached this operator's cash or bank, so:

- **A payment record of its own kind** (``kind: opening_credit``), in the payments' collection so
  that it is the household's prepaid money with no second mechanism: its ``unapplied_cents`` is
  used oldest first on the household's unpaid bills at once, and on the bills to come as any
  prepaid money is (``payments.allocate``; each use of it on a bill is an allocation marked
  ``kind: opening_credit``, ``credited``). Numbered in its own series (``OP-2026-000001``, a series
  per local year), ``method: opening_credit``, ``journal`` None, no cashier.
- **No money received here**: no journal entry (it is never posted through the cashier's flow),
  not in the month's reconciliation (``store.payments_of_period`` leaves it out, and its uses are
  not ``allocated_cents``), not in the collection rate (the part of a bill it settled is left out
  of both the numerator and the denominator: paid before the takeover, like an opening balance's
  month, not this operator's collection) nor the disclosure's money received (its billed stays:
  the bill is this operator's billing), nor the arrears recovered (清欠).
- **One per household and reference** (the line of the previous company's list): the natural key
  ``natural_id("pay", estate, "opening_credit", household, reference)``, so the same list uploaded
  again, or a retried call, writes nothing twice; another amount under the same reference is a
  409 (an import lists it in ``differing`` and leaves it).
- **A credit recorded wrong is reversed as a credit** (``POST …/opening-credits/{id}/reverse``,
  those who hand credits over, a reason required; found by review r3: a typo in the previous
  company's list could not be corrected): as a payment's reversal (``payments.reversal``, the
  same two steps, a crash finished by the household's next lock) the bills its money settled are
  owed again and the household's other prepaid money may settle them; but no journal entry is
  written (its money was never in a journal), so no cashier's day needs to be open and no
  reconciliation, settled day or month changes; announced as ``opening_credit_reversed`` (the
  data ``payment_reversed``'s, ``payments.reversed_event_data``; archive keeps it beside the
  credit; customer service reopens the application fees it had paid). Its reference stays taken
  (the natural key): the corrected line is credited under a reference of its own (``YS-031/更正``).
  The cashiers' payment reversal refuses a credit (409), the credits' reversal a payment (404).
  A credit whose money paid a refunded deposit is not reversed (409).
  What it changes after its month ended or a disclosure was published: the disclosure's money
  received never counted it, so a published disclosure stays right unless other prepaid money
  then settles the reopened bills (that is money received, as after any reversal: publish the
  period again); the collection rate of the bills' months counts their reopened part as billed
  (a credit's part was left out of both sides).

Plain functions: no broker, no store.
"""
from estate_common import clock, ids, numbering
from estate_common.errors import Conflict, NotFound, field_error
from estate_common.text import optional_text

from . import payments, periods

KIND = payments.CREDIT_KIND
# when the credit was announced (opening_credit_recorded): absent on a credit recorded before the
# release that announced them, which archive's restatement has announced once (``announce_again``)
ANNOUNCED = "_announced_at"
PREFIX = "OP"


def credit_id(estate_id, household_id, reference):
    return ids.natural_id("pay", estate_id, KIND, household_id, reference.strip())


def series(now, rules):
    return numbering.series(KIND, now, rules["timezone"])


def number(now, rules, sequence):
    return numbering.number(PREFIX, now, rules["timezone"], sequence)


def is_credit(payment):
    return (payment or {}).get("kind") == KIND


def refuse_other_amount(existing, data):
    """409 when the household's reference was credited with another amount (a typo in one list or
    the other: the first stays until the lists agree)."""
    if existing["amount_cents"] != int(data["amount_cents"]):
        raise Conflict(f"the household's {existing['reference']} was credited already as {existing['receipt_number']} "
                       "with another amount",
                       [field_error("data.amount_cents", f"credited already as {existing['receipt_number']}")])


def new_credit(credit_id_, estate_id, data, number_, now, rules, user):
    """The record, posted at once with its whole amount unused (``operations`` then uses it on the
    household's unpaid bills)."""
    stamp = clock.to_iso(now)
    amount = int(data["amount_cents"])
    note = optional_text(data, "note")
    return {
        "_id": credit_id_, "estate_id": estate_id, "household_id": data["household_id"], "kind": KIND,
        "amount_cents": amount, "method": KIND, "journal": None, "bill_ids": [], "note": note,
        "transaction_id": None, "reference": data["reference"].strip(), "receipt_number": number_,
        "status": "posted", "cashier": None, "_recorded_by": user, "day": periods.day_of(now, rules),
        "posted_at": stamp, "created_at": stamp, "allocations": [], "unapplied_cents": amount,
        "prepaid_cents": amount, "prepaid_used_cents": 0, "reversal": None,
        ANNOUNCED: stamp,  # opening_credit_recorded in its own write
        "receipt": {"number": number_, "issued_at": stamp, "household_id": data["household_id"], "amount_cents": amount,
                    "method": KIND, "bills": [], "prepaid_cents": amount, "transaction_id": None},
    }


def recorded_event_data(credit):
    """``finance.opening_credit_recorded``: the credit handed over, as recorded. No personal data
    (the reference is the previous company's list's number; the note stays on the record)."""
    return {"id": credit["_id"], "receipt_number": credit["receipt_number"], "household_id": credit["household_id"],
            "amount_cents": credit["amount_cents"], "reference": credit["reference"],
            "recorded_at": credit["posted_at"]}


def refuse_reversal(payment):
    """The cashiers' reversal (``POST …/payments/{id}/reverse``) writes a reversing journal entry:
    an opening credit is reversed as one (``POST …/opening-credits/{id}/reverse``)."""
    if is_credit(payment):
        raise Conflict(f"{payment['receipt_number']} is an opening credit, money paid to the previous company: "
                       "no journal holds it; it is reversed by POST …/opening-credits/{id}/reverse")


def require_credit(payment, payment_id):
    """404 for a payment that is not an opening credit (the credits' reversal reverses no payment)."""
    if not is_credit(payment):
        raise NotFound(f"no opening credit {payment_id}")


def refuse_invoice(payment):
    """An invoice (发票) of money received: an opening credit's was the previous company's to issue."""
    if is_credit(payment):
        raise Conflict(f"{payment['receipt_number']} is an opening credit, money paid to the previous company: "
                       "its invoice is the previous company's to issue")
