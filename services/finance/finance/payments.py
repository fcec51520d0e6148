"""Payments (收款) and receipts (收据): money received settles a household's bills.

- The money settles the household's oldest unpaid bills first (by the period billed, then
  the due date: ``billing.oldest_first``), or only the bills the payer names; a bill may be paid in parts. What is left is the household's
  prepaid balance (预收), kept on the payment as ``unapplied_cents`` and used later (see
  rules.py): the household's older unapplied money is used before the new money.
- Each use of money on a bill is an allocation ``{id, payment_id, bill_id, amount_cents,
  at}``, recorded on the payment and on the bill, so reversing a payment reopens exactly
  what its money paid.
- Every payment gets a receipt with a per-estate number (``RC-2026-000001``, a series per
  local year).
- A posted payment is never edited; ``reverse`` marks it reversed and a reversing journal
  entry takes its money out again.
- Life of a payment (each arrow one guarded write; a crash anywhere is finished by the
  half-done sweep, see operations.py): ``pending`` (the plan: allocations, receipt number; no
  event) → its allocations on the bills → its journal entry → ``posted`` with
  ``payment_posted``. A reversal: ``reversal_pending`` (the plan: what comes off which bill)
  → the reversing entry → the allocations off the bills → ``reversed`` with
  ``payment_reversed``. An event is announced only once its effects are written.

Plain functions: no broker, no store.
"""
from estate_common import clock, ids, numbering
from estate_common.errors import BusinessRuleViolation, Conflict, field_error

from . import billing, payers, periods, sale_month

# cash → the cash journal (现金日记账); the rest → the bank journal (银行存款日记账)
METHOD_JOURNAL = {"cash": "cash", "bank": "bank", "transfer": "bank", "wechat": "bank", "alipay": "bank"}
RECEIPT_PREFIX = "RC"
CREDIT_KIND = "opening_credit"  # an opening credit's record (opening_credits.py) among the payments


def journal_of(method):
    return METHOD_JOURNAL[method]


def receipt_series(now, rules):
    return numbering.series("receipt", now, rules["timezone"])


def receipt_number(now, rules, sequence):
    return numbering.number(RECEIPT_PREFIX, now, rules["timezone"], sequence)


def outstanding(bill):
    return bill["amount_cents"] - bill["paid_cents"]


def bills_to_settle(unpaid, bill_ids=None):
    """The bills a payment settles, in order: all unpaid bills oldest first, or the named ones
    (each must be an unpaid bill of the household)."""
    ordered = billing.oldest_first(b for b in unpaid if outstanding(b) > 0)
    if not bill_ids:
        return ordered
    known = {b["_id"] for b in ordered}
    errors = [field_error(f"data.bill_ids[{i}]", "is not an unpaid bill of this household")
              for i, bill_id in enumerate(bill_ids) if bill_id not in known]
    if errors:
        raise BusinessRuleViolation("a named bill cannot be paid", errors)
    wanted = set(bill_ids)
    return [b for b in ordered if b["_id"] in wanted]


def pays(source, bill, owner_since=None):
    """Whether ``source``'s money may go on ``bill``: money paid for a fee item (``prepaid_for``,
    预交物业费) pays that item's bills alone, where an owner's three months of property fee paid
    ahead went on a parking bill billed later (found by h5's probe); other money pays any bill of its
    payer: the owner's money never the developer's bills (开发建设单位, ``payers``), nor the developer's
    money the owner's; the seller's money never the buyer's part of the month of a sale, nor (``owner_since``:
    the household's current owner's) the buyer's bills (``sale_month``)."""
    if payers.payer_of(source) != payers.payer_of(bill) \
            or not sale_month.sellers_money_pays(source, bill, owner_since):
        return False
    return not source.get("prepaid_for") or source["prepaid_for"] == bill["item"]


def refuse_bills_of_another_item(data, bills):
    """A payment for a fee item (``data["prepaid_for"]``) naming a bill of another item: a 422 on
    each such ``data.bill_ids[i]``, as it could pay none of it."""
    item = data.get("prepaid_for")
    if not item or not data.get("bill_ids"):
        return
    items = {bill["_id"]: bill["item"] for bill in bills}
    errors = [field_error(f"data.bill_ids[{i}]", f"is a bill of {items[bill_id]}, not of {item}")
              for i, bill_id in enumerate(data["bill_ids"]) if items.get(bill_id, item) != item]
    if errors:
        raise BusinessRuleViolation(f"money paid for {item} pays its bills alone", errors)


def allocate(bills, sources, at, owner_since=None):
    """Spend ``sources`` (payments with ``unapplied_cents``, in the order they are to be used)
    on ``bills`` (in the order they are to be settled), each source on the bills it ``pays``.
    Money paid for a fee item (``prepaid_for``) is spent first, in that order, then the money for
    any bill: older money for any bill went on the property fee the money paid ahead for it could
    pay alone, and a parking bill was left owed while that money lay unused (found by review r5 of
    h5). ``owner_since``: the household's current owner's (``sale_month.sellers_money_pays``). Returns the
    allocations."""
    allocations = []
    left = {bill["_id"]: outstanding(bill) for bill in bills}
    bound = [source for source in sources if source.get("prepaid_for")]
    for source in bound + [source for source in sources if not source.get("prepaid_for")]:
        available = source["unapplied_cents"]
        for bill in bills:
            if available <= 0:
                break
            if left[bill["_id"]] <= 0 or not pays(source, bill, owner_since):
                continue
            cents = min(available, left[bill["_id"]])
            allocation = {"id": allocation_id(source, bill), "payment_id": source["_id"],
                          "bill_id": bill["_id"], "amount_cents": cents, "at": at}
            if source.get("kind") == CREDIT_KIND:  # money paid before the takeover: not received here
                allocation["kind"] = CREDIT_KIND
            allocations.append(allocation)
            available -= cents
            left[bill["_id"]] -= cents
    return allocations


def allocation_id(source, bill):
    """An allocation's id, which its payment and its bill each record once (a repeated step
    finds it there and has no second effect), so it must never name two different uses of
    money. A plan spends a payment on a bill at most once: the id is the payment and the bill,
    and for an older payment's prepaid money also the payment's revision when the plan read it
    (``_rev``, moved by every use and every return of its money). A stale plan repeated gives
    the same ids; a later plan never does. (Counting the payment's allocations did not hold:
    an allocation given back shortened the list, and the next one took the id of one still
    there, which its payment then took for done without paying.)"""
    if "_rev" not in source:  # the new payment, not yet written: this is its one plan
        return f"{source['_id']}.{bill['_id']}"
    return f"{source['_id']}.r{source['_rev']}.{bill['_id']}"


def transaction_payment_id(estate_id, data):
    """The id of a payment the payer's channel numbered (``transaction_id``: WeChat Pay's
    transaction_id, Alipay's trade_no, a bank's reference), from that number and the method, not
    from the caller's Idempotency-Key: an owner app posting what its channel's notification
    confirmed, a notification delivered twice, posted it under two keys as two payments, the
    owner's money counted twice (an owner's probe). None without one."""
    if not data.get("transaction_id"):
        return None
    return ids.natural_id("pay", estate_id, "transaction", data["method"], data["transaction_id"])


def reposted(payment, data):
    """A transaction posted again once the payment it was posted as is reversed: the same body (its
    household, amount and bills: a channel's notification delivered again after a refund, or the
    first call sent again) is a 409 naming the reversed receipt, where it was answered the reversed
    payment as if posted, a 201; another body is its correction (the wrong flat, amount or bills),
    posted as a new payment under ``correction_id`` (found by review)."""
    if (payment["household_id"], payment["amount_cents"], sorted(payment.get("bill_ids") or [])) == (
            data["household_id"], int(data["amount_cents"]), sorted(data.get("bill_ids") or [])):
        raise Conflict(f"this {data['method']} transaction was posted as receipt {payment['receipt_number']}, "
                       "which is reversed: it is posted again only corrected (another household, amount or bills)")


def correction_id(reversed_payment):
    """The id of the payment that corrects a reversed one of the same transaction, from the reversed
    one's: two corrections at once are one payment, and a correction reversed in turn has its own."""
    return ids.natural_id("pay", reversed_payment["estate_id"], "correction", reversed_payment["_id"])


def same_transaction(payment, data):
    """A payment found under the id a new one would take: the same transaction posted again is
    the first payment (nothing to check without a transaction number: the caller's own retry);
    another household or amount under its number is a 409 naming the receipt."""
    if not data.get("transaction_id"):
        return
    if payment["household_id"] != data["household_id"] or payment["amount_cents"] != int(data["amount_cents"]):
        raise Conflict(f"this {data['method']} transaction was posted already, as receipt {payment['receipt_number']}, "
                       "for another household or amount")


def new_payment(payment_id, estate_id, data, receipt, now, rules, cashier):
    stamp = clock.to_iso(now)
    amount = int(data["amount_cents"])  # the contract admits only whole numbers; 100.0 is stored as 100
    return {
        "_id": payment_id,
        "estate_id": estate_id,
        "household_id": data["household_id"],
        "amount_cents": amount,
        "method": data["method"],
        "journal": journal_of(data["method"]),
        "bill_ids": list(data.get("bill_ids") or []),
        "note": data.get("note"),
        "transaction_id": data.get("transaction_id"),
        "prepaid_for": data.get("prepaid_for"),
        "receipt_number": receipt,
        "status": "pending",
        "cashier": cashier,
        "day": periods.day_of(now, rules),
        "posted_at": stamp,
        "created_at": stamp,
        "allocations": [],
        "unapplied_cents": amount,
        "prepaid_cents": 0,
        "prepaid_used_cents": 0,
        "reversal": None,
    }


def with_allocations(payment, allocations):
    """The new payment with its own allocations, what it left prepaid and the older prepaid used."""
    own = [a for a in allocations if a["payment_id"] == payment["_id"]]
    spent = sum(a["amount_cents"] for a in own)
    return dict(payment, allocations=own, unapplied_cents=payment["amount_cents"] - spent,
                prepaid_cents=payment["amount_cents"] - spent,
                prepaid_used_cents=sum(a["amount_cents"] for a in allocations if a["payment_id"] != payment["_id"]))


def planned(payment, allocations, bills):
    """The new payment as first written (``pending``): its share of ``allocations`` and the
    receipt as planned (``bills``: ``{bill_id: bill}``, to name them), and the whole plan (older
    prepaid money used too) in ``_plan``."""
    payment = with_allocations(payment, allocations)
    payment["receipt"] = receipt(payment, bills)
    payment["_plan"] = {"allocations": allocations}
    return payment


def posting(payment, applied, bills):
    """The fields that post a pending payment once ``applied`` (the planned allocations that the
    bills took) are written: a planned allocation a bill refused leaves its money prepaid.
    ``bills``: ``{bill_id: bill}`` of the bills it pays, which its receipt names, as read once the
    allocations are on them (what each still owes is said on the receipt)."""
    done = with_allocations(payment, applied)
    fields = {name: done[name] for name in ("allocations", "unapplied_cents", "prepaid_cents", "prepaid_used_cents")}
    fields.update(status="posted", receipt=receipt(done, bills, issued=True), _plan=None)
    return fields


def receipt(payment, bills, issued=False):
    """What the payer is handed (收据): no personal data beyond the household reference. Each bill
    paid is named by its fee item and period (物业费 2026-11), as a paper receipt is, where an
    owner app showed bill ids (an owner's probe); ``bills``: ``{bill_id: bill}`` (one not found
    is named by its id alone). The channel's number of the transaction when it gave one.
    ``issued``: ``bills`` are as the payment left them, and each line says what its bill still
    owed then (``owed_after_cents``): worked out later from the bill as it is, the receipt of a
    payment that paid a bill off said it still owed once an earlier payment of it was reversed and
    the bill paid again (a probe of the accountant's month close)."""
    return {"number": payment["receipt_number"], "issued_at": payment["posted_at"],
            "household_id": payment["household_id"], "amount_cents": payment["amount_cents"],
            "method": payment["method"],
            "bills": [_receipt_line(a, bills.get(a["bill_id"]), issued) for a in payment["allocations"]],
            "prepaid_cents": payment["prepaid_cents"], "prepaid_for": payment.get("prepaid_for"),
            "transaction_id": payment.get("transaction_id")}


def _receipt_line(allocation, bill, issued):
    line = {"bill_id": allocation["bill_id"], "amount_cents": allocation["amount_cents"]}
    if bill is not None:
        line.update(item=bill["item"], period=bill.get("period"))
        if issued:
            line["owed_after_cents"] = outstanding(bill)
    return line


def bills_named(bill_ids, bills):
    """The bills of a payment's event as a person names them (``bills``: ``{bill_id: bill}``):
    each one's fee item and period (物业费 2026-11) by its id, once. The archive keeps the event
    as the payment's permanent record, and the archivist reads no bill of finance's: the record
    read 账单 bill_64c… (a probe of the archives' work). A bill not found is left out (its id
    stays in the event's own list)."""
    return [{"bill_id": bill_id, "item": bills[bill_id]["item"], "period": bills[bill_id].get("period")}
            for bill_id in dict.fromkeys(bill_ids) if bill_id in bills]


def posted_event_data(payment, bills):
    """``finance.payment_posted``; ``bills``: ``{bill_id: bill}`` of the bills it paid (``bills_named``)."""
    bill_ids = [a["bill_id"] for a in payment["allocations"]]
    data = {"id": payment["_id"], "receipt_number": payment["receipt_number"],
            "household_id": payment["household_id"], "amount_cents": payment["amount_cents"],
            "method": payment["method"], "bill_ids": bill_ids, "bills": bills_named(bill_ids, bills),
            "prepaid_cents": payment["prepaid_cents"], "posted_at": payment["posted_at"]}
    if payment.get("transaction_id"):  # absent without one: the payloads of before unchanged
        data["transaction_id"] = payment["transaction_id"]
    return data


def bill_after(bill, allocation):
    """The bill's new paid amount and status once ``allocation`` is on it."""
    paid = bill["paid_cents"] + allocation["amount_cents"]
    if paid > bill["amount_cents"]:
        raise Conflict("the bill would be paid more than it asks")  # a bug or a race: refuse the write
    settled = paid == bill["amount_cents"]
    return {"paid_cents": paid, "status": "paid" if settled else "unpaid",
            "settled_at": allocation["at"] if settled else None}


def reversal(payment, charges, reason, now, rules, actor):
    """The first write of a reversal (``reversal_pending``): who, why, when, and the plan: the
    allocations to take off the bills, and each bill's charge (``{bill_id: charge or None}``,
    for ``payment_reversed``)."""
    if payment["status"] != "posted":
        raise Conflict(f"the payment is {payment['status']} already")
    return {"status": "reversal_pending", "unapplied_cents": 0,
            "reversal": {"reason": reason.strip(), "at": clock.to_iso(now), "by": actor,
                         "day": periods.day_of(now, rules)},
            "_plan": {"allocations": list(payment["allocations"]), "charges": charges}}


def reversed_event_data(payment, bills):
    """``finance.payment_reversed``: the payment, and every bill it had paid (now reopened by
    that much) with the charge the bill came from (None for a periodic bill) and its fee item and
    period (``bills``: ``{bill_id: bill}``, as ``bills_named``)."""
    plan = payment["_plan"]
    cents = {}
    for allocation in plan["allocations"]:
        cents[allocation["bill_id"]] = cents.get(allocation["bill_id"], 0) + allocation["amount_cents"]
    names = {named["bill_id"]: named for named in bills_named(cents, bills)}
    return {"id": payment["_id"], "receipt_number": payment["receipt_number"],
            "household_id": payment["household_id"], "amount_cents": payment["amount_cents"],
            "method": payment["method"], "reason": payment["reversal"]["reason"],
            "reversed_at": payment["reversal"]["at"],
            "bills": [names.get(bill_id, {"bill_id": bill_id})
                      | {"amount_cents": amount, "charge": plan["charges"].get(bill_id)}
                      for bill_id, amount in cents.items()]}
