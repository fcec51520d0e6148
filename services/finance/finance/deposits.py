"""Deposits (押金): the renovation deposit is held while the works go on and refunded after
the joint acceptance (竣工联合验收).

- One deposit per renovation application: ``natural_id("dep", estate, application)``. It is
  made from whichever arrives first: the deposit's charge (``customer_service.charge_raised``,
  item ``renovation_deposit``, subject the application) or the passed joint acceptance
  (``customer_service.renovation_accepted``); the other fills in its part.
- **Held** once its bill is paid in full (the money is on the bill, so a reversed payment
  makes it unheld again, until it is paid again); a deposit is shown with the status it has
  now (``status_of``): ``awaiting_payment``, ``held``, ``refundable`` (held and accepted),
  ``refund_pending`` (a crash stopped the refund half-way: the next refund call finishes it),
  ``refunded``; ``withdrawn`` when its application was withdrawn (its bill cancelled: nothing is
  held; money paid on it went back to its payments as the household's prepaid credit, where a
  cash refund is that payment's reversal).
- **Refund** (退押金): only a held deposit (409 otherwise), only after the joint acceptance
  has passed (422 otherwise), once (a second refund is 409; the same Idempotency-Key finds
  the first). Its own journal entry, money out (``kind: deposit_refund``, natural id per
  deposit), in the journal of the method it is paid back by; ``deposit_refunded`` once the
  entry is written. A payment that paid a deposit being refunded or refunded is not
  reversed (409): the money has gone back already.
- **Deductions** (押金扣除): a refund may keep part of the deposit, each deduction a ``kind``
  (``damage``: 损坏公共设施赔偿, found at the joint acceptance; ``cleanup``: 装修垃圾清运费;
  ``violation``: 违规装修, the renovation agreement's penalty), its ``cents`` and its ``reason``.
  Together no more than the deposit (422). The refund pays back the rest (its ``amount_cents``);
  kept whole, the rest is 0: the deposit is ``refunded`` with nothing paid back and no entry out.
  Each deduction is the estate's income, booked as its own journal entry (``deposit_deduction``,
  its kind named, ``journals.deposit_deduction_entries``), in the refund's write path, once, in the
  journal the deposit's money was paid into (``retained_in``: the methods of the payments that paid
  its bill, in their order; a deduction spanning two is split), not the refund's: a deposit paid by
  WeChat and refunded in cash had its deduction booked in the cash journal, where none of its money
  ever was (found by the last session's review).

Plain functions: no broker, no store.
"""
from estate_common import clock, ids, personal_data, roles
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, field_error
from estate_common.text import optional_text
from estate_common.writes import Change

from . import payments, periods

DEPOSIT_ITEM = "renovation_deposit"
SUBJECT_TYPE = "renovation_application"


def deposit_id(estate_id, application_id):
    return ids.natural_id("dep", estate_id, application_id)


def application_of(bill):
    """The renovation application whose deposit ``bill`` asks for, or None."""
    source = bill.get("source") or {}
    subject = source.get("subject") or {}
    if bill.get("item") != DEPOSIT_ITEM or source.get("kind") != "charge" or subject.get("type") != SUBJECT_TYPE:
        return None
    return subject["id"]


def new_deposit(estate_id, application_id, household_id, now):
    stamp = clock.to_iso(now)
    return {"_id": deposit_id(estate_id, application_id), "estate_id": estate_id, "application_id": application_id,
            "household_id": household_id, "bill_id": None, "amount_cents": None, "accepted_at": None,
            "refund": None, "created_at": stamp, "history": []}


def with_bill(deposit, bill):
    """The deposit's bill, once (None: it knows it already)."""
    if deposit["bill_id"] is not None:
        return None
    return Change({"bill_id": bill["_id"], "amount_cents": bill["amount_cents"],
                   "household_id": deposit["household_id"] or bill["household_id"]},
                  [{"at": bill["created_at"], "action": "charged", "event_id": None}])


def accepted(deposit, event):
    """The passed joint acceptance, once per event (the first acceptance stays)."""
    if deposit["accepted_at"] is not None:
        return None
    return Change({"accepted_at": event["data"]["accepted_at"]},
                  [{"at": event["occurred_at"], "action": "accepted", "event_id": event["event_id"]}])


REFUND_STATUS = {"refunded": "refunded", "pending": "refund_pending", "awaiting_approval": "refund_awaiting_approval",
                 "approved": "refund_approved"}


def status_of(deposit, bill):
    refund = deposit.get("refund")
    if refund:
        return REFUND_STATUS[refund["status"]]
    if bill is not None and bill["status"] == "cancelled":
        return "withdrawn"
    if bill is None or bill["status"] != "paid":
        return "awaiting_payment"
    return "refundable" if deposit["accepted_at"] else "held"


def refund_status_of(status):
    """The stored ``refund.status`` a deposit shown with ``status`` has, or None: a status of its bill and
    its acceptance (``awaiting_payment``, ``held``, ``refundable``, ``withdrawn``), a deposit without a refund."""
    return next((stored for stored, shown in REFUND_STATUS.items() if shown == status), None)


def view(deposit, bill):
    shown = {key: value for key, value in deposit.items() if key not in ("history",)}
    return shown | {"status": status_of(deposit, bill), "paid_cents": bill["paid_cents"] if bill else 0}


KEPT_KINDS = ("damage", "cleanup", "violation")  # kept as the estate's income
FEES = "fees"  # 抵扣物业费: the owner's unpaid fees paid from his deposit, with his written consent
DEDUCTION_KINDS = KEPT_KINDS + (FEES,)


def deduction_id(deposit_id, index):
    """A deduction's natural id: its deposit's refund is planned once, so its place in the list names it."""
    return ids.natural_id("ddc", deposit_id, index)


def deductions_of(deposit_id, data, held_cents, owed_cents=0):
    """The refund's deductions as asked (``data["deductions"]``), each with its natural id, refused
    (422) when their total is more than the deposit held or a reason is blank. A deduction of
    ``fees`` (抵扣物业费) pays the household's unpaid bills: only with the owner's written consent
    recorded (``owner_consent``, 422 when blank), one per refund, and never more than the household
    owes (``owed_cents``: what its unpaid bills the owner's money pays still owe, 422)."""
    kept = []
    for index, asked in enumerate(data.get("deductions") or []):
        reason = (asked.get("reason") or "").strip()
        if asked["kind"] not in DEDUCTION_KINDS or asked["cents"] <= 0 or not reason:
            raise BusinessRuleViolation("a deduction is a damage, cleanup, violation or fees of some cents, with its "
                                        "reason", [field_error(f"data.deductions.{index}",
                                                               "needs its kind, cents and reason")])
        deduction = {"id": deduction_id(deposit_id, index), "kind": asked["kind"], "cents": asked["cents"],
                     "reason": reason}
        if asked["kind"] == FEES:
            deduction["owner_consent"] = _fees_allowed(index, asked, kept, owed_cents)
        kept.append(deduction)
    total = sum(d["cents"] for d in kept)
    if total > held_cents:
        raise BusinessRuleViolation(f"the deductions ({total} cents) are more than the deposit held ({held_cents} cents)",
                                    [field_error("data.deductions", f"total more than the deposit's {held_cents} cents")])
    return kept, total


def _fees_allowed(index, asked, kept, owed_cents):
    """The owner's consent of a deduction of fees, checked (see ``deductions_of``)."""
    consent = (asked.get("owner_consent") or "").strip()
    if not consent:
        raise BusinessRuleViolation("fees are paid from the deposit only with the owner's written consent",
                                    [field_error(f"data.deductions.{index}.owner_consent",
                                                 "record the owner's consent (抵扣确认书)")])
    if any(d["kind"] == FEES for d in kept):
        raise BusinessRuleViolation("a refund pays fees from the deposit once",
                                    [field_error(f"data.deductions.{index}", "fees are named once")])
    if asked["cents"] > owed_cents:
        raise BusinessRuleViolation(f"the fees paid from the deposit ({asked['cents']} cents) are more than the "
                                    f"household owes ({owed_cents} cents)",
                                    [field_error(f"data.deductions.{index}.cents",
                                                 f"more than the {owed_cents} cents owed")])
    return consent


def fees_cents(refund):
    """What a refund paid of the household's fees from the deposit (0: none)."""
    return sum(d["cents"] for d in refund.get("deductions") or [] if d["kind"] == FEES)


def fees_payment_id(estate_id, deduction):
    """The payment a deduction of fees makes: one per deduction (a retry or the sweep finds it)."""
    return ids.natural_id("pay", estate_id, deduction["id"])


def fees_payment_data(deposit, deduction):
    """The payment of fees from the deposit, as a cashier's payment is asked: paid back to the owner and
    paid in by him at once, in the refund's method (its entries net to nothing in that journal)."""
    return {"household_id": deposit["household_id"], "amount_cents": deduction["cents"],
            "method": deposit["refund"]["method"], "note": f"押金抵扣物业费 (deposit {deposit['_id']})"}


def money_by_method(bill, payments_by_id):
    """Where the deposit's money is: the methods of the payments that paid its bill (``allocations``),
    in their order, one part per method (``[{"method", "cents"}]``). Money of an opening credit
    (期初预收, paid to the previous company) came into no journal here: its method is None."""
    parts = []
    for allocation in bill.get("allocations") or []:
        method = (payments_by_id.get(allocation["payment_id"]) or {}).get("method")
        method = method if method in payments.METHOD_JOURNAL else None
        if parts and parts[-1]["method"] == method:
            parts[-1]["cents"] += allocation["amount_cents"]
        else:
            parts.append({"method": method, "cents": allocation["amount_cents"]})
    return parts


def retained_in(kept, paid_by):
    """Each deduction with the journals it is retained in (``retained_in``: ``[{"method", "cents"}]``),
    the deposit's money taken in the order it was paid, a deduction split where it spans two
    methods. Without ``paid_by`` (unknown) the deductions are left as they are."""
    if not paid_by:
        return kept
    left = [dict(part) for part in paid_by]
    placed = []
    for deduction in kept:
        if deduction["kind"] == FEES:  # not kept: paid back and paid in as the owner's payment
            placed.append(deduction)
            continue
        owed, parts = deduction["cents"], []
        for part in left:
            take = min(owed, part["cents"])
            if take <= 0:
                continue
            part["cents"] -= take
            owed -= take
            if parts and parts[-1]["method"] == part["method"]:
                parts[-1]["cents"] += take
            else:
                parts.append({"method": part["method"], "cents": take})
            if not owed:
                break
        if owed:  # more kept than the allocations show (never: the deductions are at most what was paid)
            parts.append({"method": None, "cents": owed})
        placed.append(deduction | {"retained_in": parts})
    return placed


APPROVERS = roles.MANAGEMENT  # who decides what a refund keeps of an owner's deposit


def approval_needed(kept, rules, caller_roles):
    """Whether deductions ``kept`` wait for a manager: those kept as income (not fees, which the owner
    consented to) above the estate's ``deposit_deduction_approval_above_cents``, asked by someone who
    is no approver (a manager's own refund is his decision)."""
    if set(caller_roles or ()) & APPROVERS:
        return False
    return sum(d["cents"] for d in kept if d["kind"] in KEPT_KINDS) > rules["deposit_deduction_approval_above_cents"]


def approval(deposit, now, actor, caller_roles):
    """A manager approves the deductions a refund awaits (409 when none awaits; 403 for anyone else)."""
    _deciding(deposit, caller_roles, ("awaiting_approval",))
    stamp = clock.to_iso(now)
    refund = deposit["refund"]
    return Change({"refund": {**refund, "status": "approved", "approval": {"by": actor, "at": stamp}}},
                  [{"at": stamp, "action": "refund_approved", "event_id": None}])


def approved_event_data(deposit):
    """What ``deposit_refund_approved`` says of the refund as approved (``approval``'s write)."""
    refund = deposit["refund"]
    return _decided(deposit, refund, refund["approval"]["by"]) | {"amount_cents": refund["amount_cents"],
                                                                  "approved_at": refund["approval"]["at"]}


def rejection(deposit, data, now, actor, caller_roles):
    """A manager rejects them, saying why (422 blank): the deposit is refundable again, the rejection
    kept on it (``rejection``: who, when, why, what was asked) for the cashier to see. An approved refund
    not yet paid is rejected too: it is paid only as approved, and what was approved may no longer be
    paid (fees from the deposit the owner has paid meanwhile: more than owed), where it was stuck
    (found by r3 reviewing h3)."""
    _deciding(deposit, caller_roles, ("awaiting_approval", "approved"))
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise BusinessRuleViolation("a rejection says why", [field_error("data.reason", "say why")])
    stamp = clock.to_iso(now)
    asked = deposit["refund"]
    return Change({"refund": None, "rejection": {"by": actor, "at": stamp, "reason": reason, "asked_by": asked["by"],
                                                 "deductions": asked["deductions"]}},
                  [{"at": stamp, "action": "refund_rejected", "event_id": None}])


def rejected_event_data(deposit, asked):
    """What ``deposit_refund_rejected`` says of the refund ``asked`` that ``rejection`` took off ``deposit``
    (the reason's phone or ID card numbers masked, as a reversal's)."""
    rejection = deposit["rejection"]
    return _decided(deposit, asked, rejection["by"]) | {"reason": personal_data.mask_numbers_in(rejection["reason"]),
                                                        "rejected_at": rejection["at"]}


def _decided(deposit, refund, actor):
    """What ``deposit_refund_approved`` and ``_rejected`` both say (archive keeps the decision beside the
    deposit): the refund asked, who asked and who decided, the deductions by kind and cents; their reasons,
    the cashier's words about the household, stay on the deposit, read there by role."""
    deductions = refund.get("deductions") or []
    return {"id": deposit["_id"], "application_id": deposit["application_id"],
            "household_id": deposit["household_id"], "refund_id": refund["id"], "asked_by": refund["by"],
            "by": actor, "deducted_cents": sum(d["cents"] for d in deductions),
            "deductions": [{"id": d["id"], "kind": d["kind"], "cents": d["cents"]} for d in deductions]}


def _deciding(deposit, caller_roles, states):
    if not set(caller_roles or ()) & APPROVERS:
        raise Forbidden("a manager approves or rejects a deposit's deductions")
    refund = deposit.get("refund")
    if not refund or refund["status"] not in states:
        raise Conflict("no refund of this deposit awaits approval", [field_error("id", "awaits no approval")])


def _as_asked(deduction):
    """A deduction as a refund call names it (its words trimmed): what approved and named are compared by."""
    asked = {"kind": deduction["kind"], "cents": deduction["cents"], "reason": (deduction.get("reason") or "").strip()}
    if deduction.get("owner_consent"):
        asked["owner_consent"] = deduction["owner_consent"].strip()
    return asked


def approval_of(deposit):
    """The manager's approval of the refund a deposit's cashier may pay now (``refund_approved``), or None."""
    refund = deposit.get("refund") or {}
    return refund.get("approval") if refund.get("status") == "approved" else None


def refund_plan(deposit, bill, refund_id, data, now, rules, actor, day_closed, paid_by=None, owed_cents=0,
                roles=(), approval_seen=None):
    """The first write of a refund: ``refund`` pending with what is paid back, how and by whom;
    each deduction with the journals it is retained in (``paid_by``: ``money_by_method``). Deductions
    a manager must approve (``approval_needed``) make it ``awaiting_approval`` instead, nothing paid
    or booked; once approved, the next refund call pays it with the deductions approved (the same
    again, or none named: 409 for others), on its caller's day.

    A call that pays an approved refund (``approval_seen``: the approval as its call first read it;
    ``data["approved"]``: the console's form of an approved refund) pays that one or nothing (409):
    a manager's rejection written meanwhile made the deposit refundable again, and the call, decided
    again on it, paid it back whole, the deductions meant to be kept gone (found by the last
    session's review). Decided on the refund's state as written, so the rejection and the pay
    exclude each other: whichever is written first, the other is refused."""
    approved = deposit.get("refund") if approval_of(deposit) else None
    # paid (or being paid) meanwhile by another call: refused as it is, not as rejected, which a cashier told the
    # owner (found by r4 reviewing h4)
    if deposit.get("refund") and not approved and deposit["refund"]["status"] != "awaiting_approval":
        raise Conflict(f"the deposit is {status_of(deposit, bill)} already")
    if (approval_seen or data.get("approved")) and (not approved or (approval_seen and
                                                                     approved["approval"] != approval_seen)):
        raise Conflict("the refund approved is no longer approved (a manager rejected it meanwhile): nothing was "
                       "paid; read the deposit again", [field_error("id", "no refund approved to pay")])
    if deposit.get("refund") and not approved:
        raise Conflict(f"the deposit is {status_of(deposit, bill)} already")
    if approved:
        asked = [_as_asked(d) for d in approved["deductions"]]
        named = data.get("deductions")
        if named is not None and [_as_asked(d) for d in named] != asked:
            raise Conflict("the deductions differ from those the manager approved: pay those, or ask again",
                           [field_error("data.deductions", "are not those approved")])
        data = {**data, "deductions": asked, "note": data.get("note") or approved["note"]}
    if status_of(deposit, bill) == "awaiting_payment":
        raise Conflict("the deposit is not held: its bill is not paid in full")
    if status_of(deposit, bill) == "withdrawn":
        raise Conflict("the deposit is not held: its application was withdrawn, and money paid on it went back "
                       "to its payments as the household's prepaid credit")
    if not deposit["accepted_at"]:
        raise BusinessRuleViolation("a deposit is refunded after the joint acceptance has passed",
                                    [field_error("id", "the renovation has not passed its joint acceptance")])
    day = periods.day_of(now, rules)
    if day_closed:
        raise BusinessRuleViolation(f"{actor}'s journal of {day} is settled and closed",
                                    [field_error("day", "is settled: no more entries")])
    kept, deducted = deductions_of(deposit["_id"], data, bill["paid_cents"], owed_cents)
    kept = retained_in(kept, paid_by)
    waits = not approved and approval_needed(kept, rules, roles)
    # the rest paid back: 0 when the deposit is kept whole (no entry out then)
    refund = {"id": refund_id, "status": "awaiting_approval" if waits else "pending",
              "amount_cents": bill["paid_cents"] - deducted,
              "method": data["method"], "note": optional_text(data, "note"),
              "by": actor, "at": clock.to_iso(now), "day": day, "deductions": kept,
              "approval": approved["approval"] if approved else None}
    if approved:
        refund["asked_by"] = approved["by"]
    return Change({"refund": refund}, [{"at": clock.to_iso(now), "action": "refund_awaiting_approval" if waits
                                        else "refund_planned", "event_id": None}])


def refunded_event_data(deposit):
    refund = deposit["refund"]
    return {"id": deposit["_id"], "application_id": deposit["application_id"],
            "household_id": deposit["household_id"], "bill_id": deposit["bill_id"],
            "amount_cents": refund["amount_cents"], "method": refund["method"], "refunded_at": refund["at"],
            # a reason is free text: a phone or ID card number typed in it is masked (events are kept)
            "deductions": [_announced(deposit, d) for d in refund.get("deductions") or []]}


def _announced(deposit, deduction):
    shown = {"id": deduction["id"], "kind": deduction["kind"], "cents": deduction["cents"],
             "reason": personal_data.mask_numbers_in(deduction["reason"])}
    if deduction["kind"] == FEES:  # the payment it made, and the owner's consent (its numbers masked)
        shown |= {"payment_id": fees_payment_id(deposit["estate_id"], deduction),
                  "owner_consent": personal_data.mask_numbers_in(deduction["owner_consent"])}
    return shown


def reversal_cashier(deposit, data=None):
    """Whose journal a reversal of the deposit's deductions pays them back from: the one the manager names
    (``paid_by``: himself or a cashier of the estate), else the cashier who kept them (the refund's), whose
    drawer or account holds them and whose day is settled with them. Named, because the refund's cashier
    may have settled the refund's last day of its month, or left: the reversal had no day left to go on
    (found by r4 reviewing h4)."""
    named = ((data or {}).get("paid_by") or "").strip() if isinstance((data or {}).get("paid_by"), str) else ""
    return named or (deposit.get("refund") or {}).get("by")


def refuse_cashier_gone(data, cashier, actor, cashiers_active):
    """422 naming whom to name (``paid_by``) when none was and the refund's ``cashier`` is no longer an active
    cashier of the estate (``cashiers_active``, the gateway's look-up; None: not looked up): the reversal went on
    his journal, a drawer no one holds (found by h5). The manager himself, or one of the estate's cashiers."""
    if "paid_by" in data or cashiers_active is None or cashier in cashiers_active or cashier == actor:
        return
    choice = [actor] + sorted(name for name in cashiers_active if name != actor)
    raise BusinessRuleViolation(
        f"{cashier}, who paid the refund, has left (no active cashier of the estate): name who pays the deductions "
        f"back from his drawer (paid_by): yourself ({actor}) or "
        + (f"a cashier of the estate ({', '.join(choice[1:])})" if choice[1:] else "no one else: the estate has no "
           "active cashier"),
        [field_error("data.paid_by", f"name who pays them back: {' or '.join(choice)}")])


def deductions_reversal(deposit, reversal_id, data, now, rules, actor, caller_roles, day_closed, cashier_found=None,
                        cashiers_active=None):
    """A refund's deductions made in error taken back (冲销押金扣除): never edited, each deduction kept gets a
    reversing entry (``journals.deposit_deduction_reversal_entries``: money out, paid back to the owner
    from the journal it was kept in), on the journal of the cashier who kept them (``reversal_cashier``) of
    the day of the reversal (``day_closed``: that day is settled, 422): it was booked on the deciding
    manager's, a day no drawer counts, while the cashier's closed balanced without the cash handed back
    (found by the last session's review). ``paid_by`` names another to pay them back from his drawer: the
    manager himself or one the gateway found a cashier of the estate (``cashier_found``, else 422). Only a manager (403: he decides
    deductions), saying why (422), once per refund (409), of a refunded deposit with deductions kept (409
    / 422; fees paid from the deposit are a payment, reversed as one), within the refund's own period
    (its month, 422 after: the month's reconciliation and disclosure are of what was kept then).
    ``pending`` first, then ``reversed`` once its entries are written."""
    if not set(caller_roles or ()) & APPROVERS:
        raise Forbidden("a manager reverses a deposit's deductions")
    refund = deposit.get("refund")
    if not refund or refund["status"] != "refunded":
        raise Conflict("only a refunded deposit's deductions are reversed")
    if refund.get("deductions_reversal"):
        raise Conflict("the deposit's deductions are reversed already", [field_error("id", "reversed already")])
    kept = [d for d in refund.get("deductions") or [] if d["kind"] in KEPT_KINDS]
    if not kept:
        raise BusinessRuleViolation("the refund kept no deduction to reverse (fees paid from the deposit are a "
                                    "payment: reverse the payment)", [field_error("id", "kept no deduction")])
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise BusinessRuleViolation("a reversal says why", [field_error("data.reason", "say why")])
    day, cashier = periods.day_of(now, rules), reversal_cashier(deposit, data)
    refuse_cashier_gone(data, cashier, actor, cashiers_active)
    if "paid_by" in data and cashier != actor and cashier_found != "cashier":
        raise BusinessRuleViolation(f"{cashier} is no cashier of the estate: the money is paid back from the drawer "
                                    "of a cashier of the estate or of the manager himself",
                                    [field_error("data.paid_by", "no cashier of the estate")])
    if day_closed:
        raise BusinessRuleViolation(f"{cashier}'s journal of {day} is settled and closed: name who pays the deductions "
                                    "back from a day not yet settled (paid_by: a cashier of the estate or yourself)",
                                    [field_error("data.paid_by", "the day is settled: name another")])
    if day[:7] != refund["day"][:7]:
        raise BusinessRuleViolation(f"a refund's deductions are reversed within its own month ({refund['day'][:7]})",
                                    [field_error("id", f"its month {refund['day'][:7]} is over")])
    stamp = clock.to_iso(now)
    return Change({"refund": {**refund, "deductions_reversal": {
        "id": reversal_id, "status": "pending", "cents": sum(d["cents"] for d in kept), "reason": reason,
        "by": actor, "cashier": cashier, "at": stamp, "day": day}}}, [{"at": stamp,
                                                                         "action": "deductions_reversal_planned",
                                                  "event_id": None}])


def reversed_event_data(deposit):
    """What ``deposit_deductions_reversed`` says: the deposit, the reversal and the deductions it took back
    (the reason's phone or ID numbers masked, as a deduction's)."""
    refund = deposit["refund"]
    reversal = refund["deductions_reversal"]
    return {"id": deposit["_id"], "application_id": deposit["application_id"],
            "household_id": deposit["household_id"], "reversal_id": reversal["id"], "cents": reversal["cents"],
            "reason": personal_data.mask_numbers_in(reversal["reason"]), "by": reversal["by"],
            "reversed_at": reversal["at"],
            "deductions": [{"id": d["id"], "kind": d["kind"], "cents": d["cents"]}
                           for d in refund["deductions"] if d["kind"] in KEPT_KINDS]}
