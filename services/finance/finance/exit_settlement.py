"""The owners' money paid ahead settled when the operator's contract ends (物业撤场: 退还 or 移交, h8).

The handover package (``exit_handover``) lists, by household, the money owed back at the contract's
last day ``end_day``: what was paid for the days after it and what was paid and never used. It is
either **refunded** to the owner (退还: by a method, with a journal entry out, one settlement per
household), or **transferred** to the next company (移交: one batch for the estate, a statement by
household, one journal entry out for the whole to the company). Each household's settlement, either
way, does the same to its accounts, under its household's lock:

1. Each of its owner's bills that covers only days after ``end_day`` is cancelled (the next company
   bills those days again, this operator never collects them), its money given back to its payments
   as any cancelled bill's is (``operations._give_back``), and the household's unused money then
   settles its unpaid bills up to the end as prepaid money always does (the house's rule: money is
   never counted twice, once as a bill paid and again as money owed back).
2. What is left unused of the owner's payments (not the developer's, not a seller's held money) is
   taken out of them (``exit_settlement_id`` on each payment, ``TAKES``: by each settlement once) and is
   the settlement's amount: paid out, so the household's credit is zero.

A bill covering days on both sides of ``end_day`` (the end mid-month, a quarter's bill across it) is
not split here: the settlement is refused (422, naming the bill) until it is corrected, rather than
refunding a part the accounts still call paid.

Plain functions: no broker, no store.
"""
from estate_common import clock, ids, plausible
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, field_error
from estate_common.text import optional_text

from . import exit_handover, payers, payments, periods

REFUND, TRANSFER = "refund", "transfer"
PENDING, DONE = "pending", "done"
TO_COMPANY_MAX = 100
NOTE_MAX = 500
# How far ahead of today a settlement's end day may lie: a month, the notice an operator's leaving is
# settled within (the money of a contract ending next month is counted, paid out, at its end). The
# days back are the estate's ``exit_end_day_back_days`` (rules.py).
END_DAY_AHEAD_DAYS = 31


def end_day_id(estate_id):
    """One contract end per estate: the day its first settlement that moved money named."""
    return ids.natural_id("exe", estate_id)


def refuse_implausible_end(end_day, today, back_days):
    """422 (``data.as_of``) for a settlement's end day more than ``back_days`` before ``today`` or
    ``END_DAY_AHEAD_DAYS`` after it: 2016-10-31 typed for 2026-10-31 cancelled every bill paid since and
    refunded it all (found by a reviewer of h8). Only the estate's first settlement is checked so: a later
    one names the day it fixed (``refuse_other_end``)."""
    message = "the contract's last day is too far from today to settle the money owed back at it"
    plausible.recent(end_day, today, back_days, "data.as_of", message)
    plausible.ahead(end_day, today, END_DAY_AHEAD_DAYS, "data.as_of", message)


def refuse_other_end(fixed, end_day):
    """409 when the estate's contract end was fixed (``fixed``, by its first settlement) on another day than
    ``end_day``: every household's money is settled at one end (found by a reviewer of h8)."""
    if fixed is not None and fixed != end_day:
        raise Conflict(f"the contract's end of this estate is {fixed}, fixed by its first settlement of the money "
                       "owed back", [field_error("data.as_of", f"is not the contract's end {fixed}")])


def settlement_id(estate_id, household_id, end_day, round_=1):
    """One settlement per household, contract end and round: a second call asks for the last. A round after
    the first (a refund's) settles money owed back again once the last was done: a payment that arrived
    during or after it, a bill of days after the end a later billing run made (found by r8 reviewing h8)."""
    if round_ == 1:
        return ids.natural_id("exs", estate_id, household_id, end_day)
    return ids.natural_id("exs", estate_id, household_id, end_day, round_)


def owed_again(bills, sources, end_day):
    """Whether a household settled already has something to settle again: an owner's payment's money unused
    not paid out (``owners_parts``), or an owner's bill of days after ``end_day``."""
    to_cancel, across = bills_after_end(bills, end_day)
    return bool(owners_parts(sources) or to_cancel or across)


def transfer_id(estate_id, end_day):
    """One transfer batch per estate and contract end."""
    return ids.natural_id("ext", estate_id, end_day)


def checked(data, kind, methods):
    """``(end_day, method, note, to_company)`` of a request ``data``; a 400 naming each bad field."""
    errors = []
    try:
        end_day = exit_handover.checked_end_day(data.get("as_of"))
    except InvalidInput:
        end_day = None
        errors.append(field_error("data.as_of", "is the contract's last day, YYYY-MM-DD"))
    method = data.get("method")
    if method not in methods:
        errors.append(field_error("data.method", f"must be one of {', '.join(methods)}"))
    note = optional_text(data, "note")
    if note and len(note) > NOTE_MAX:
        errors.append(field_error("data.note", f"is at most {NOTE_MAX} characters"))
    to_company = optional_text(data, "to_company")
    if kind == TRANSFER and not to_company:
        errors.append(field_error("data.to_company", "names the next company the money is handed to"))
    if to_company and len(to_company) > TO_COMPANY_MAX:
        errors.append(field_error("data.to_company", f"is at most {TO_COMPANY_MAX} characters"))
    if errors:
        raise InvalidInput("the settlement of the money owed back at the contract's end is incomplete", errors)
    return end_day, method, note, to_company


def asked_amount(data):
    """The cents a refund's caller means to pay out (``amount_cents``: what the handover package showed him
    owed back), or None when not said; a 400 when it is no whole number of cents."""
    asked = data.get("amount_cents")
    if asked is None:
        return None
    if isinstance(asked, bool) or not isinstance(asked, int) or asked < 0:
        raise InvalidInput("the refund's amount is whole cents, 0 or more",
                           [field_error("data.amount_cents", "is whole cents, 0 or more")])
    return asked


def nothing_to_settle(to_cancel, parts):
    """Whether a household's settlement has nothing to do: no bill of days after the end to cancel, no money
    unused to pay out. Such a settlement is not written (no document, no event, no entry): an empty one,
    done, was taken for the household's settlement by the transfer, which then left the money it received
    afterwards owed back for good (found by h5)."""
    return not to_cancel and not parts


def refuse_nothing_owed(household_id, end_day):
    """422: a refund of a household owing nothing back at ``end_day`` writes nothing."""
    raise BusinessRuleViolation(
        f"nothing is owed back to the owner of {household_id} at the contract's end {end_day}: no money unused, "
        "no bill of days after it", [field_error("household_id", "has nothing owed back at the contract's end")])


# on a refund refused for its amount once planned (``refuse_other_amount`` when the plan differs from the dry run,
# ``parts_after_cancel``, that refused a first call before anything was written; ``refuse_short``): nothing taken,
# no entry
AWAITING_AMOUNT = "awaiting_amount"


def adoptable(settlement):
    """Whether the transfer may take ``settlement`` over: a refund refused for its amount, nothing taken."""
    return (settlement["kind"] == REFUND and settlement["status"] == PENDING
            and bool(settlement.get(AWAITING_AMOUNT)))


def refuse_other_amount(asked, settlement):
    """422 naming what the refund pays out when the caller asked for another amount (``asked``): a refund pays
    exactly what its caller counted out, never less (nor more) without him seeing it (found by h5)."""
    if asked is not None and asked != settlement["amount_cents"]:
        raise BusinessRuleViolation(
            f"the money owed back to the owner of {settlement['household_id']} at the contract's end "
            f"{settlement['as_of']} is {settlement['amount_cents']} cents, not the {asked} asked: nothing was paid "
            "out", [field_error("data.amount_cents", f"is {settlement['amount_cents']} cents owed back")])


def parts_after_cancel(to_cancel, sources, released_to, unpaid, at, owner_since):
    """``owners_parts`` a settlement would plan, worked out without writing (a dry run of ``operations.
    _exit_move_money``'s steps in their order): each bill of ``to_cancel`` (as stored, its allocations) cancelled
    and its money given back to its payments (``released_to``: each allocation's payment, as stored, by id; a
    payment not posted takes nothing back), the household's money then put on its ``unpaid`` bills not cancelled,
    as prepaid money is (``payments.allocate``) after each bill given back and once more at the end. A refund
    refused for its amount is refused on these, before its bills are cancelled (asked of h6)."""
    cancelled = {bill["_id"] for bill in to_cancel}
    money = {p["_id"]: dict(p) for p in sources}
    bills = {b["_id"]: dict(b) for b in unpaid if b["_id"] not in cancelled}

    def apply():
        held = sorted((p for p in money.values() if p.get("status", "posted") == "posted"
                       and p.get("unapplied_cents", 0) > 0), key=lambda p: (p["posted_at"], p["_id"]))
        if not held:
            return
        for allocation in payments.allocate(payments.bills_to_settle(list(bills.values())), held, at, owner_since):
            money[allocation["payment_id"]]["unapplied_cents"] -= allocation["amount_cents"]
            bills[allocation["bill_id"]]["paid_cents"] += allocation["amount_cents"]

    for bill in to_cancel:
        released = list(bill.get("allocations") or [])
        if bill["status"] == "cancelled" or not released:
            continue
        for allocation in released:
            payment = money.get(allocation["payment_id"]) or released_to.get(allocation["payment_id"])
            if payment is None or payment.get("status", "posted") != "posted":
                continue
            money[payment["_id"]] = dict(payment, unapplied_cents=payment.get("unapplied_cents", 0)
                                         + allocation["amount_cents"])
        apply()
    apply()
    return owners_parts(sorted(money.values(), key=lambda p: (p["posted_at"], p["_id"])))


def held_parts(parts, payments, settlement_id):
    """``(held, short)`` of a settlement's planned ``parts`` against its ``payments`` as they are now (by id):
    ``held`` each part as its payment can still give it (a part this settlement took already, as taken; else
    at most what the payment holds unused, a payment no longer posted giving nothing), ``short`` the parts
    that can no longer be given in full (``{payment_id, planned_cents, held_cents}``)."""
    held, short = [], []
    for part in parts:
        payment = payments.get(part["payment_id"]) or {}
        taken = takes_of(payment).get(settlement_id)
        if taken is not None:
            can = taken
        elif payment.get("status") == "posted":
            can = min(payment.get("unapplied_cents") or 0, part["amount_cents"])
        else:
            can = 0
        if can:
            held.append({"payment_id": part["payment_id"], "amount_cents": can})
        if can < part["amount_cents"]:
            short.append({"payment_id": part["payment_id"], "planned_cents": part["amount_cents"],
                          "held_cents": can})
    return held, short


def refuse_short(settlement, short, held):
    """422 naming the limit: the money planned for a refund was used since (a crash and another writer in
    between): the payments hold ``held`` now. Taken silently, the refund paid out less than planned while the
    accountant counted out the plan (found by h5); refused, he sees the amount the refund pays when asked
    again (``data.amount_cents``)."""
    cents = sum(part["amount_cents"] for part in held)
    raise BusinessRuleViolation(
        f"of the {settlement['amount_cents']} cents planned to be refunded to the owner of "
        f"{settlement['household_id']}, the payments hold {cents} now (money used since the plan): nothing was "
        f"paid out; ask again for {cents} cents",
        [field_error("data.amount_cents", f"is at most {cents} cents now")]
        + [field_error(f"payments[{i}]", f"{s['payment_id']} holds {s['held_cents']} of the {s['planned_cents']} "
                                          "cents planned") for i, s in enumerate(short)])


def refuse_payees_owed(owed):
    """409 naming each payee still owed money collected for it (代收代缴, ``exit_handover.payees_owed``): the
    transfer closes the money the operator holds, and the gas company's money is neither the owners' to hand to
    the next company nor the operator's to keep. Its claim is on the operator that collected it (the next company
    never took the money nor the collecting agreement), so it is handed on first (``remit_pass_through``, any
    month begun), then the transfer is asked again; nothing moves before (h4)."""
    if owed:
        named = ", ".join(f"{p['name']} ({p['owed_cents']} cents)" for p in owed)
        raise Conflict(f"money collected for others is still owed to {named}: hand it on to each payee before the "
                       "money owed back is transferred to the next company",
                       [field_error(f"pass_through_owed[{i}]", f"{p['payee_id']} ({p['name']}) is owed "
                                    f"{p['owed_cents']} cents") for i, p in enumerate(owed)])


def refuse_collections_pending(pending):
    """409 naming each collection for a payee still being written (``pending``: a crash, or a writer under way):
    once posted it is owed to its payee, so the transfer waits for it (the sweep or its retry finishes it) rather
    than closing the money with it held (found by r4 reviewing h4)."""
    if pending:
        named = ", ".join(sorted({c.get("payee_name") or c["payee_id"] for c in pending}))
        raise Conflict(f"money collected for {named} is still being written: ask again once it is written, and "
                       "hand it on to the payee before the money owed back is transferred",
                       [field_error(f"pass_through_pending[{i}]", f"{c['_id']} is still being written")
                        for i, c in enumerate(pending)])


def bills_after_end(bills, end_day):
    """``(to_cancel, across)``: the owner's ``bills`` (not cancelled) covering only days after ``end_day``,
    and those covering days on both sides of it, as the handover package reads them (``exit_handover.
    billed_at_end``: a charge's bill is the operator's whole; a deposit's is the deposit held, refunded as
    one). The developer's are its own (``payers``)."""
    to_cancel, across = [], []
    for bill in bills:
        if (bill["status"] == "cancelled" or payers.payer_of(bill) == payers.DEVELOPER
                or exit_handover.deposit_bill(bill)):
            continue
        before, after = exit_handover.billed_at_end(bill, end_day)
        if after and before:
            across.append(bill)
        elif after:
            to_cancel.append(bill)
    return sorted(to_cancel, key=lambda b: b["_id"]), across


def refuse_across(across, end_day):
    """422 naming each bill covering days on both sides of ``end_day``: not split here."""
    if across:
        raise BusinessRuleViolation(
            f"a bill covers days on both sides of the contract's end {end_day}: correct it before the money owed back "
            "is settled", [field_error(f"bills[{i}]", f"{bill['_id']} covers days on both sides of the end")
                           for i, bill in enumerate(across)])


def exit_cancel(bill, settled_as, end_day, now_iso, actor):
    """The changes that cancel ``bill`` (days after the contract's end only), its allocations
    ``released`` to go back to their payments; None when cancelled already."""
    if bill["status"] == "cancelled":
        return None
    return {"status": "cancelled", "cancelled_at": now_iso, "cancelled_by": actor,
            "cancel_reason": f"the service contract ended on {end_day}: the days after it are the next company's",
            "exit_settlement_id": settled_as, "paid_cents": 0, "settled_at": None, "allocations": [],
            "released": list(bill.get("allocations") or [])}


def households_to_settle(bills, unapplied, end_day):
    """The households (sorted) with an owner's bill covering days after ``end_day`` (paid or not: cancelled
    either way) or an owner's money unused: each a settlement of a transfer batch."""
    found = {p["household_id"] for p in unapplied
             if p.get("unapplied_cents", 0) > 0 and payers.payer_of(p) == payers.OWNER}
    to_cancel, across = bills_after_end(bills, end_day)
    found |= {bill["household_id"] for bill in to_cancel + across if bill.get("household_id")}
    return sorted(found)


def owners_parts(sources):
    """``[{payment_id, amount_cents}]``: the owner's unused money of the household's payments
    (``store.prepaid_sources``: a seller's held money is not in ``unapplied_cents``)."""
    return [{"payment_id": p["_id"], "amount_cents": p["unapplied_cents"]} for p in sources
            if p.get("unapplied_cents", 0) > 0 and payers.payer_of(p) == payers.OWNER]


def taken_parts(settlement_id, payments):
    """``[{payment_id, amount_cents}]`` as the settlement's takes left ``payments`` (each as written): what
    each gave (``exit_settled_cents`` under this settlement's mark), a payment that gave nothing left out."""
    return [{"payment_id": p["_id"], "amount_cents": takes_of(p)[settlement_id]} for p in payments
            if takes_of(p).get(settlement_id)]


# on a payment: what each settlement took of it (``{settlement_id: cents}``), the settlements' own bookkeeping
TAKES = "_exit_takes"


def takes_of(payment):
    """``{settlement_id: cents}`` taken of ``payment`` by the settlements at the contract's end; a payment
    taken before they were kept says its one settlement and its cents (``exit_settlement_id``)."""
    if TAKES in payment:
        return dict(payment[TAKES])
    if payment.get("exit_settlement_id"):
        return {payment["exit_settlement_id"]: payment.get("exit_settled_cents") or 0}
    return {}


def refuse_another(found, kind, batch):
    """409 when the household's settlement ``found`` (not done) is another call's: a refund's, or the
    transfer's asked for by a refund; the batch's own is finished by the batch."""
    if found is None or (found["kind"] == kind and found.get("transfer_id") == (batch or {}).get("_id")):
        return
    if found["kind"] == REFUND or batch is None:
        raise Conflict(f"the money owed back of {found['household_id']} at {found['as_of']} is being settled as a "
                       f"{found['kind']}", [field_error("household_id", f"is being settled as a {found['kind']}")])


def refuse_transferred(settlement, kind):
    """409 when a refund call (``kind``) finds the household's money settled by the transfer (``settlement``, done,
    the batch's): answered 200 with it, the console said "refunded" with its amount and the accountant counted out
    money the batch handed to the next company, paid twice (found by h6: a new round's refund racing the transfer)."""
    if kind == REFUND and settlement["kind"] == TRANSFER:
        raise Conflict(f"the money owed back of {settlement['household_id']} at {settlement['as_of']} was handed to "
                       f"the next company by the transfer ({settlement.get('amount_cents', 0)} cents): nothing was "
                       "refunded", [field_error("household_id", "settled by the transfer")])


def refuse_reversal(payment):
    """A payment whose money unused was paid out at the contract's end is not reversed: a reversal
    pays its whole amount back, so that part would go out twice."""
    if payment.get("exit_settlement_id"):
        raise Conflict(f"{payment.get('exit_settled_cents', 0)} cents of the payment were paid out as money owed back "
                       f"at the contract's end ({payment['exit_settlement_id']}): it cannot be reversed",
                       [field_error("id", "paid out money owed back at the contract's end")])


def new_settlement(estate_id, household_id, end_day, kind, method, note, actor, now, rules, batch_id=None,
                   to_company=None, round_=1, call_id=None):
    """The settlement's first write (``pending``): what, how and by whom; its money is found under the lock.
    ``call_ids``: the refund calls (by their Idempotency-Key) that made or finished it, which a retry of one answers
    (r6)."""
    stamp = clock.to_iso(now)
    return {"_id": settlement_id(estate_id, household_id, end_day, round_), "round": round_, "estate_id": estate_id,
            "household_id": household_id, "as_of": end_day, "kind": kind, "method": method, "note": note,
            "to_company": to_company, "transfer_id": batch_id, "status": PENDING, "amount_cents": 0,
            "payments": [], "bills_cancelled": [], "by": actor, "at": stamp, "day": periods.day_of(now, rules),
            "created_at": stamp, "call_ids": [call_id] if call_id else []}


def settled_changes(cancelled, parts):
    return {"bills_cancelled": [bill["_id"] for bill in cancelled], "payments": parts,
            "amount_cents": sum(part["amount_cents"] for part in parts)}


def event_data(settlement):
    return {"id": settlement["_id"], "household_id": settlement["household_id"], "as_of": settlement["as_of"],
            "kind": settlement["kind"], "method": settlement["method"], "amount_cents": settlement["amount_cents"],
            "bills_cancelled": settlement["bills_cancelled"], "transfer_id": settlement.get("transfer_id"),
            "to_company": settlement.get("to_company"), "settled_at": settlement["at"]}


def view(settlement):
    return {"id": settlement["_id"], **{k: settlement.get(k) for k in (
        "estate_id", "household_id", "as_of", "kind", "method", "note", "to_company", "transfer_id", "status",
        "amount_cents", "payments", "bills_cancelled", "by", "at", "day")}}


def transfer_view(batch, settlements, flats):
    """The batch's statement by household (移交清单: building, unit, room, cents), by address."""
    lines = sorted(({"household_id": s["household_id"], "settlement_id": s["_id"],
                     "building": (flats.get(s["household_id"]) or {}).get("building"),
                     "unit": (flats.get(s["household_id"]) or {}).get("unit"),
                     "room": (flats.get(s["household_id"]) or {}).get("room"), "amount_cents": s["amount_cents"]}
                    for s in settlements if s["amount_cents"]),
                   key=lambda l: (str(l["building"]), str(l["unit"]), str(l["room"]), l["household_id"]))
    return {"id": batch["_id"], "estate_id": batch["estate_id"], "as_of": batch["as_of"],
            "to_company": batch["to_company"], "method": batch["method"], "note": batch.get("note"),
            "status": batch["status"], "amount_cents": sum(line["amount_cents"] for line in lines),
            "households": lines, "by": batch["by"], "at": batch["at"], "day": batch["day"]}
