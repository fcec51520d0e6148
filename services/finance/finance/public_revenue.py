"""Public revenue (公共收益): the income from the estate's common parts, the owners' money.

- **Contracts** (公共部位经营合同) of a common part's use: its ``kind`` (``KINDS``: lift and gate
  advertising 电梯/道闸广告, parking on common land 公共车位, express lockers and vending machines'
  sites 快递柜/售货机场地, leasing of a common room, recycling sales, other), the counterparty company
  (a company, no person: a phone or ID number in it is refused, 422), where (``location``), its term
  (``starts_on``..``ends_on``), and what it pays per period (``amount_cents`` every
  ``period_months``). Parking fees the gate charges a vehicle are the gate's bills (charges), not this.
- **Receipts** (收款) of the income against a contract: money in, by a payment's method, one entry
  of the cashier's journal (``public_revenue`` kind), on the cashier's open day as a payment is.
- **The operator's share** (《民法典》第二百八十二条: the income of the common parts, less the
  operator's reasonable costs, is the owners' jointly): the operator keeps the estate's
  ``public_revenue_operator_share_percent`` (default 30 %) of each receipt as its management cost,
  rounded half up to the cent (``split``); the rest, the owners' part, is credited to the special
  maintenance fund's ledger (its pool: a deposit of source ``public_revenue``) unless the owners'
  assembly decided otherwise; the receipt names where it went.
- **Arrears** (欠缴) of a contract: the periods begun by a day, each owing ``amount_cents`` (the last
  period of a term not a whole one still owes a whole period's amount: the contract says per period),
  less what was received against the contract, which pays the earliest periods first; overdue when
  positive, since the day the first period not paid in full began (``overdue_since``).
- **Disclosure** (收支公示): the period's receipts by kind, the operator's share and the owners' part, less
  the receipts reversed in the period (netted where the reversal is made, as the journal nets it).
- **Reversal** (冲正) of a receipt typed wrong: a posted entry is never edited, only reversed (DOMAIN.md).
  A manager (as a deposit's deductions are taken back, ``REVERSERS``), saying why, on his open day: a
  reversing journal entry (money out, ``public_revenue_reversal``) and, for the owners' part in the fund, a
  fund entry taking it back out (``maintenance_fund.deposit_reversal`` of the receipt's deposit, its
  reason naming the receipt), refused (422) when the fund no longer holds it (the fund's rule: uses approved
  since took it). ``posted`` → ``reversal_pending`` → ``reversed``, once (409 again).
- **Termination** (提前终止) of a contract ended early, or its **cancellation** (撤销) when registered wrong:
  by a manager, saying why; ended early, a new ``ends_on`` within its term (the one signed kept in
  ``ends_on_as_signed``), no period owed after it; cancelled (no ``ends_on``), nothing owed at all,
  refused (409) while a receipt against it stands (reverse it first); no receipt against a cancelled one.

Plain functions: no broker, no store.
"""
from datetime import date, timedelta
from decimal import Decimal

from estate_common import calendar, clock, ids, money, personal_numbers, roles
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, field_error
from estate_common.text import optional_text

from . import maintenance_fund, periods
from .rules import RECEIPT_CLAIM_STALE_SECONDS

KINDS = ("advertising", "parking", "lockers_vending", "room_lease", "recycling", "other")
PERIOD_MONTHS = (1, 3, 6, 12)
DESTINATIONS = ("maintenance_fund", "owners_balance")
SETTING = "public_revenue_operator_share_percent"
REVERSERS = roles.MANAGEMENT  # who reverses a receipt or ends a contract early (as a deposit's deductions)
# a receipt whose owners' part the fund refused (its balance would pass the most it holds: a typo's amount):
# its money is in the journal, the fund has none of it; it waits for a manager's reversal, not for the sweep
FUND_REFUSED = "fund_refused"
REVERSIBLE = ("posted", FUND_REFUSED)


def contract_id(estate_id, key):
    return ids.natural_id("prc", estate_id, key)


def receipt_id(estate_id, key):
    return ids.natural_id("prr", estate_id, key)


def _refuse_personal_numbers(text, field):
    if text and personal_numbers.find(text):
        raise BusinessRuleViolation("a contract names a company and a place, no phone or ID number",
                                    [field_error(field, "carries a phone or ID number")])


def contract(contract_id_, estate_id, data, now, actor):
    """A contract of a common part's use as registered; its term ends on or after it starts (422)."""
    starts, ends = date.fromisoformat(data["starts_on"]), date.fromisoformat(data["ends_on"])
    if ends < starts:
        raise BusinessRuleViolation("a contract ends on or after the day it starts",
                                    [field_error("data.ends_on", "is before starts_on")])
    counterparty, location = data["counterparty"].strip(), data["location"].strip()
    note = optional_text(data, "note")
    for field, text in (("data.counterparty", counterparty), ("data.location", location), ("data.note", note)):
        _refuse_personal_numbers(text, field)
    stamp = clock.to_iso(now)
    return {"_id": contract_id_, "estate_id": estate_id, "kind": data["kind"], "counterparty": counterparty,
            "location": location, "starts_on": data["starts_on"], "ends_on": data["ends_on"],
            "period_months": int(data.get("period_months") or 1), "amount_cents": int(data["amount_cents"]),
            "note": note, "status": "active", "registered_by": actor, "created_at": stamp}


def _reason(data):
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise BusinessRuleViolation("a reversal or a termination says why", [field_error("data.reason", "say why")])
    _refuse_personal_numbers(reason, "data.reason")
    return reason


def _is_reverser(caller_roles):
    return bool(set(caller_roles or ()) & REVERSERS)


def termination(contract_, data, now, rules, actor, caller_roles, receipts):
    """The fields of a contract ended early (``data.ends_on``, within its term: ``terminated``) or cancelled
    (no ``ends_on``: registered wrong, ``cancelled``, refused while a receipt against it stands: ``receipts``,
    those not reversed, and the claims of receipts being written, a stale one's dropped: ``standing_receipts``).
    Once (409); by a manager (403); saying why (422)."""
    if not _is_reverser(caller_roles):
        raise Forbidden("a manager ends or cancels a contract of the common parts")
    if contract_.get("status", "active") != "active":
        raise Conflict(f"the contract is {contract_['status']} already",
                       [field_error("id", f"is {contract_['status']} already")])
    reason = _reason(data)
    ends, dropped = data.get("ends_on"), {}
    if ends is None:
        stale_before = clock.to_iso(now - timedelta(seconds=RECEIPT_CLAIM_STALE_SECONDS))
        standing = [r["_id"] for r in standing_receipts(contract_, receipts, stale_before)]
        if standing:
            raise Conflict(f"{len(standing)} receipts stand against the contract: reverse them before cancelling it "
                           "(or end it early on a day)", [field_error("id", "has receipts")])
        stale = stale_claims(contract_, receipts, stale_before)
        if stale:  # a crash's claims, dropped: the retry of one is refused 409, the contract cancelled
            dropped = {"_receipts_claimed": [c for c in contract_.get("_receipts_claimed") or [] if c not in stale],
                       "_receipts_claimed_at": {c: at for c, at in (contract_.get("_receipts_claimed_at") or {}).items()
                                                if c not in stale}}
        status = "cancelled"
    else:
        if not contract_["starts_on"] <= ends <= contract_["ends_on"]:
            raise BusinessRuleViolation(
                f"a contract is ended early within its term ({contract_['starts_on']}..{contract_['ends_on']}): to "
                f"cancel one registered wrong leave ends_on out", [field_error("data.ends_on", "is outside the term")])
        status = "terminated"
    return {"status": status, "ends_on": ends or contract_["ends_on"], "ends_on_as_signed": contract_["ends_on"],
            "termination": {"reason": reason, "by": actor, "at": clock.to_iso(now), "day": periods.day_of(now, rules)},
            **dropped}


def refuse_cancelled(contract_):
    """No receipt against a cancelled contract (409): it was registered wrong."""
    if contract_.get("status") == "cancelled":
        raise Conflict("the contract was cancelled (registered wrong): nothing is received against it",
                       [field_error("id", "is cancelled")])


def receipt_claim(contract_, receipt_id_, at):
    """The contract's changes that mark ``receipt_id_`` being recorded against it (``_receipts_claimed``, and when:
    ``_receipts_claimed_at``), written on the contract before the receipt is: a cancellation decided after it sees
    the receipt (standing even before its own write), and a receipt claimed after a cancellation is refused 409
    (``refuse_cancelled``). A contract cancelled while a receipt was being recorded for it ended cancelled with a
    receipt: each had checked the other before either wrote (found by h5). Claimed already (a retry), the claim is
    written again at ``at``: fresh again, and a write the cancel's revision-checked decision meets (h6)."""
    refuse_cancelled(contract_)
    claimed = list(contract_.get("_receipts_claimed") or [])
    return {"_receipts_claimed": claimed + ([] if receipt_id_ in claimed else [receipt_id_]),
            "_receipts_claimed_at": {**(contract_.get("_receipts_claimed_at") or {}), receipt_id_: at}}


def stale_claims(contract_, receipts, stale_before):
    """The contract's receipt claims with no receipt written, made before ``stale_before`` (an ISO time): a crash's
    between the claim and the receipt, whose writer is gone (``rules.RECEIPT_CLAIM_STALE_SECONDS``). A claim with no
    time is from before claims had one: stale too. Left standing, it blocked the contract's cancellation until its
    retry came, for ever if none did (h6)."""
    written = {r["_id"] for r in receipts}
    at = contract_.get("_receipts_claimed_at") or {}
    return [claimed for claimed in contract_.get("_receipts_claimed") or []
            if claimed not in written and (at.get(claimed) or "") < stale_before]


def standing_receipts(contract_, receipts, stale_before=""):
    """The receipts standing against the contract for its cancellation: those not reversed, and those claimed
    on it (``receipt_claim``) not written yet (being recorded at this moment, or a crash's, which its retry
    finishes), but for a claim gone stale (``stale_claims``: made before ``stale_before``)."""
    written = {r["_id"] for r in receipts}
    stale = set(stale_claims(contract_, receipts, stale_before)) if stale_before else set()
    return [r for r in receipts if r["status"] != "reversed"] + [
        {"_id": claimed, "status": "pending"} for claimed in contract_.get("_receipts_claimed") or []
        if claimed not in written and claimed not in stale]


def refund_of(contract_, refund_id_):
    """The contract's refund ``refund_id_`` (``refunds``), or None."""
    return next((r for r in contract_.get("refunds") or [] if r["id"] == refund_id_), None)


def _counted(contract_):
    """The contract's refunds done or being paid (one the fund refused, ``refused``, paid nothing back)."""
    return [r for r in contract_.get("refunds") or [] if r["status"] != "refused"]


def refunded_cents(contract_):
    """What was paid back of the contract's receipts after its early end (``refunds``, done or being paid)."""
    return sum(r["amount_cents"] for r in _counted(contract_))


def refunded_from(contract_, receipt_id_):
    """The cents of ``receipt_id_`` paid back by the contract's refunds."""
    return sum(part["amount_cents"] for r in _counted(contract_) for part in r["parts"]
               if part["receipt_id"] == receipt_id_)


def refuse_refunded(contract_, receipt_id_):
    """A receipt part of which was paid back after the contract's early end is not reversed whole (409): its
    reversal would pay that part out twice and take its owners' part out of the fund twice (h5)."""
    cents = refunded_from(contract_, receipt_id_)
    if cents:
        raise Conflict(f"{cents} cents of the receipt were paid back after the contract's early end: it is not "
                       "reversed", [field_error("id", "paid back in part after the contract's early end")])


def reversal_claim(contract_, receipt_id_, at):
    """The contract's changes that mark ``receipt_id_`` being reversed (``_reversals_claimed``: the receipt's id
    and when), written on the contract before the reversal's plan is written on the receipt, refused 409 when
    part of it was paid back (``refuse_refunded``): a refund decided after it sees the receipt as being reversed
    (``being_reversed``). A refund and a reversal of one of its receipts at once each checked the other before
    either wrote, and the receipt was reversed whole and paid back in part besides (found by r5 reviewing h5)."""
    refuse_refunded(contract_, receipt_id_)
    return {"_reversals_claimed": {**(contract_.get("_reversals_claimed") or {}), receipt_id_: at}}


def being_reversed(contract_, receipt_):
    """Whether ``receipt_`` is claimed for a reversal (``reversal_claim``) not refused since (a reversal the fund
    refused puts the receipt back, ``reversal_refused``, standing again)."""
    claimed = (contract_.get("_reversals_claimed") or {}).get(receipt_["_id"])
    if claimed is None:
        return False
    refused = (receipt_.get("reversal_refused") or {}).get("refused_at")
    return not (receipt_["status"] in REVERSIBLE and refused and refused >= claimed)


def refund(refund_id_, contract_, receipts, data, now, rules, actor, caller_roles):
    """The money received for the periods after a contract's early end paid back to the counterparty (提前终止
    退款, h5: a contract ended early kept what was paid for the periods after the end, owed to no one): by a
    manager (403), saying why (422), of a ``terminated`` contract only (409); the cents received (``receipts``
    standing: posted or their owners' part refused by the fund) less those paid back already less the periods
    begun by its new end (``periods_begun``), 422 when nothing is left. Taken from the latest receipts first
    (the earliest pay the earliest periods, ``arrears``), each part split as its receipt was: its owners' part
    in proportion, half up, counted on what the receipt gave in all (so a receipt paid back in several refunds
    gives back exactly its ``owners_cents`` once whole), taken back out of the fund when it went in
    (``fund_reversal_id``)."""
    if not _is_reverser(caller_roles):
        raise Forbidden("a manager pays back the money received after a contract's early end")
    if contract_.get("status") != "terminated":
        raise Conflict("only a contract ended early pays back what was received for the periods after its end",
                       [field_error("id", f"is {contract_.get('status', 'active')}")])
    reason = _reason(data)
    standing = sorted((r for r in receipts if r["status"] in REVERSIBLE and not being_reversed(contract_, r)),
                      key=lambda r: (r["received_at"], r["_id"]), reverse=True)
    due = periods_begun(contract_, contract_["ends_on"]) * contract_["amount_cents"]
    left = sum(r["amount_cents"] for r in standing) - refunded_cents(contract_) - due
    if left <= 0:
        raise BusinessRuleViolation(
            f"nothing was received for the periods after the contract's end {contract_['ends_on']}: "
            f"{due} cents were due up to it", [field_error("id", "has nothing received after its end")])
    parts = []
    for r in standing:
        if left <= 0:
            break
        before = refunded_from(contract_, r["_id"])
        cents = min(left, r["amount_cents"] - before)
        if cents <= 0:
            continue
        owners = (_owners_share(r, before + cents) - _owners_share(r, before))
        into_fund = (r["status"] == "posted" and r.get("destination") == "maintenance_fund" and r.get("fund_entry_id")
                     and owners > 0)
        parts.append({"receipt_id": r["_id"], "amount_cents": cents, "operator_cents": cents - owners,
                      "owners_cents": owners, "destination": r["destination"],
                      "fund_refused": r["status"] == FUND_REFUSED, "fund_entry_id": r.get("fund_entry_id"),
                      "fund_reversal_id": ids.natural_id("mfr", contract_["estate_id"], refund_id_, r["_id"])
                      if into_fund else None})
        left -= cents
    amount = sum(part["amount_cents"] for part in parts)
    return {"id": refund_id_, "amount_cents": amount, "operator_cents": sum(p["operator_cents"] for p in parts),
            "owners_cents": sum(p["owners_cents"] for p in parts), "method": data["method"], "reason": reason,
            "parts": parts, "status": "pending", "by": actor, "at": clock.to_iso(now),
            "day": periods.day_of(now, rules), "period": periods.period_of(now, rules)}


def _owners_share(receipt_, cents):
    """The owners' part of ``cents`` of ``receipt_`` (in proportion to its ``owners_cents``), half up."""
    if not receipt_["amount_cents"]:
        return 0
    return money.to_cents(Decimal(receipt_["owners_cents"]) * Decimal(cents) / Decimal(receipt_["amount_cents"]))


def fund_refund_reason(contract_, refund_):
    """What the fund's entry taking a refund's owners' part back out says of itself."""
    return f"公共收益提前终止退款 {contract_['_id']} {refund_['id']}: {refund_['reason']}"


def refunds_disclosed(contracts, months):
    """The parts of the refunds paid in ``months`` (a period's), shaped as receipts reversed are for
    ``disclosed`` (netted where the refund is made, as the journal nets it; counted among its reversals)."""
    return [{"kind": c["kind"], "amount_cents": part["amount_cents"], "operator_cents": part["operator_cents"],
             "owners_cents": part["owners_cents"], "destination": part["destination"],
             "reversal": {"fund_refused": part["fund_refused"]}}
            for c in contracts for r in c.get("refunds") or [] if r["status"] == "done" and r["day"][:7] in months
            for part in r["parts"]]


def refunded_event_data(contract_, refund_):
    """``finance.public_revenue_refunded``: the money received after a contract's early end paid back, under the
    contract's id (archive keeps it beside the contract); the refund's own is ``refund_id``."""
    return {"id": contract_["_id"], "refund_id": refund_["id"], "kind": contract_["kind"],
            "ends_on": contract_["ends_on"], **{key: refund_[key] for key in (
                "method", "amount_cents", "operator_cents", "owners_cents", "reason", "day")},
            "parts": [{key: part[key] for key in ("receipt_id", "amount_cents", "owners_cents", "destination",
                                                  "fund_reversal_id")} for part in refund_["parts"]],
            "refunded_at": refund_["at"]}


def terminated_event_data(contract_):
    """``finance.public_revenue_contract_terminated``: a contract ended early or cancelled, and why."""
    ended = contract_["termination"]
    return {"id": contract_["_id"], "status": contract_["status"], "ends_on": contract_["ends_on"],
            "ends_on_as_signed": contract_["ends_on_as_signed"], "reason": ended["reason"], "day": ended["day"],
            "terminated_at": ended["at"]}


def split(amount_cents, percent):
    """``(operator_cents, owners_cents)`` of a receipt: the operator's ``percent`` of it rounded half
    up to the cent, the owners' part the rest (the two sum to the receipt)."""
    operator = money.to_cents(Decimal(int(amount_cents)) * Decimal(str(percent)) / Decimal(100))
    return operator, int(amount_cents) - operator


def receipt(receipt_id_, contract_, data, now, rules, actor):
    """A receipt of income against ``contract_`` with its split (``split``) and where the owners'
    part goes (``destination``: the maintenance fund unless the owners decided on their balance)."""
    amount = int(data["amount_cents"])
    money.refuse_above_one_bill(amount, "data.amount_cents", "a receipt")
    percent = rules[SETTING]
    operator, owners = split(amount, percent)
    note = optional_text(data, "note")
    _refuse_personal_numbers(note, "data.note")
    stamp = clock.to_iso(now)
    return {"_id": receipt_id_, "estate_id": contract_["estate_id"], "contract_id": contract_["_id"],
            "kind": contract_["kind"], "counterparty": contract_["counterparty"], "method": data["method"],
            "amount_cents": amount, "operator_share_percent": percent, "operator_cents": operator,
            "owners_cents": owners, "destination": data.get("destination") or "maintenance_fund",
            "fund_entry_id": None, "note": note, "cashier": actor, "day": periods.day_of(now, rules),
            "period": periods.period_of(now, rules), "received_at": stamp, "created_at": stamp}


def periods_begun(contract_, day):
    """How many of the contract's periods have begun by ``day`` (an ISO date), within its term (none of
    a cancelled one)."""
    if contract_.get("status") == "cancelled":
        return 0
    starts, ends = date.fromisoformat(contract_["starts_on"]), date.fromisoformat(contract_["ends_on"])
    on = min(date.fromisoformat(day), ends)
    if on < starts:
        return 0
    # whole months since it began, a month later being the same day or the month's last (calendar.months_after):
    # begun on the 31st, its next period begins on February's last day, not on March 1st (h3)
    months = (on.year - starts.year) * 12 + on.month - starts.month
    if on < calendar.months_after(starts, months):
        months -= 1
    return months // contract_["period_months"] + 1


def arrears(contract_, receipts, day):
    """What the contract owes by ``day``: each period begun owes ``amount_cents``; what was received
    against it pays the earliest periods first, so those owed are the latest, and the first not paid in
    full is the one the accountant chases first: ``overdue_since``, the day it began (None when nothing
    is owed). ``overdue_cents`` > 0 is a contract in arrears (欠缴)."""
    begun = periods_begun(contract_, day)
    amount = contract_["amount_cents"]
    due = begun * amount
    # a receipt reversed (typed wrong: its money out of the journal and the fund) pays nothing (r3)
    received = sum(r["amount_cents"] for r in receipts if r.get("status") != "reversed") - refunded_cents(contract_)
    overdue = max(due - received, 0)
    paid_periods = received // amount if amount else begun  # the earliest, in full
    since = (calendar.months_after(date.fromisoformat(contract_["starts_on"]),
                                   paid_periods * contract_["period_months"]).isoformat() if overdue else None)
    return {"contract_id": contract_["_id"], "kind": contract_["kind"], "counterparty": contract_["counterparty"],
            "location": contract_["location"], "as_of": day, "periods_begun": begun, "due_cents": due,
            "received_cents": received, "overdue_cents": overdue,
            "overdue_periods": -(-overdue // amount) if amount else 0, "overdue_since": since}


def disclosed(receipts, reversed_=()):
    """The public revenue part of the disclosure of a period (``receipts``: those received in it): by kind,
    the operator's share and the owners' part, and where the owners' part went; less the receipts reversed in
    it (``reversed_``: those whose reversal's day is in the period, whenever received), netted where the
    reversal is made as the journal nets it (``reversed_cents``; the shares and parts net). A receipt whose
    owners' part the fund refused went to no fund (``fund_refused_cents``) until it is reversed."""
    by_kind = {}

    def line(kind):
        return by_kind.setdefault(kind, {"received_cents": 0, "operator_cents": 0, "owners_cents": 0, "receipts": 0,
                                         "reversed_cents": 0, "reversals": 0})

    for r in receipts:
        counted = line(r["kind"])
        counted["received_cents"] += r["amount_cents"]
        counted["operator_cents"] += r["operator_cents"]
        counted["owners_cents"] += r["owners_cents"]
        counted["receipts"] += 1
    for r in reversed_:
        counted = line(r["kind"])
        counted["reversed_cents"] += r["amount_cents"]
        counted["operator_cents"] -= r["operator_cents"]
        counted["owners_cents"] -= r["owners_cents"]
        counted["reversals"] += 1

    def went_to(destination):
        into = sum(r["owners_cents"] for r in receipts if r["destination"] == destination and not _fund_refused(r))
        back = sum(r["owners_cents"] for r in reversed_ if r["destination"] == destination and not _fund_refused(r))
        return into - back

    refused = sum(r["owners_cents"] for r in receipts if _fund_refused(r)) - sum(
        r["owners_cents"] for r in reversed_ if _fund_refused(r))
    return {"by_kind": dict(sorted(by_kind.items())),
            "received_cents": sum(r["amount_cents"] for r in receipts),
            "reversed_cents": sum(r["amount_cents"] for r in reversed_),
            "operator_cents": sum(r["operator_cents"] for r in receipts) - sum(r["operator_cents"] for r in reversed_),
            "owners_cents": sum(r["owners_cents"] for r in receipts) - sum(r["owners_cents"] for r in reversed_),
            "to_maintenance_fund_cents": went_to("maintenance_fund"), "to_owners_balance_cents": went_to("owners_balance"),
            "fund_refused_cents": refused}


def _fund_refused(receipt):
    """The fund refused its owners' part (now, or before its reversal): none of it went in."""
    return receipt.get("status") == FUND_REFUSED or (receipt.get("reversal") or {}).get("fund_refused", False)


def reversal(receipt_, data, now, rules, actor, caller_roles, fund_reversal_id=None):
    """The first write of a receipt's reversal (``reversal_pending``, its plan): only a posted receipt or one
    whose owners' part the fund refused (409 otherwise: pending still, or reversed already), by a manager
    (403), saying why (422), on his day (``day``: his journal's). ``fund_reversal_id``: the fund entry that
    takes the owners' part back out (None: it is not in the fund)."""
    if not _is_reverser(caller_roles):
        raise Forbidden("a manager reverses a receipt of the common parts' income")
    if receipt_["status"] not in REVERSIBLE:
        raise Conflict(f"the receipt is {receipt_['status']}: only a posted one is reversed",
                       [field_error("id", f"is {receipt_['status']}")])
    reason = _reason(data)
    return {"status": "reversal_pending",
            "reversal": {"reason": reason, "by": actor, "at": clock.to_iso(now), "day": periods.day_of(now, rules),
                         "period": periods.period_of(now, rules), "fund_reversal_id": fund_reversal_id,
                         "fund_refused": receipt_["status"] == FUND_REFUSED}}


def fund_reversal_reason(receipt_):
    """What the fund's entry taking the owners' part back out says of itself: the receipt and why."""
    return f"公共收益冲正 {receipt_['_id']}: {receipt_['reversal']['reason']}"


def reversed_event_data(receipt_):
    """``finance.public_revenue_reversed``: a receipt taken back, the parts reversed and why."""
    reversal_ = receipt_["reversal"]
    return {"id": receipt_["_id"], **{key: receipt_[key] for key in (
        "contract_id", "kind", "method", "amount_cents", "operator_cents", "owners_cents", "destination")},
        "fund_reversal_id": reversal_["fund_reversal_id"], "reason": reversal_["reason"], "day": reversal_["day"],
        "reversed_at": reversal_["at"]}


def contract_event_data(contract_):
    """``finance.public_revenue_contract_registered``: the contract as registered (no person)."""
    return {"id": contract_["_id"], **{key: contract_[key] for key in (
        "kind", "counterparty", "location", "starts_on", "ends_on", "period_months", "amount_cents")},
        "registered_at": contract_["created_at"]}


def receipt_event_data(receipt_):
    """``finance.public_revenue_received``: a receipt and its split."""
    return {"id": receipt_["_id"], **{key: receipt_[key] for key in (
        "contract_id", "kind", "method", "amount_cents", "operator_share_percent", "operator_cents", "owners_cents",
        "destination", "day")}, "received_at": receipt_["received_at"]}


def fund_deposit_data(receipt_):
    """The owners' part of a receipt as a deposit into the maintenance fund's pool."""
    return {"source": maintenance_fund.PUBLIC_REVENUE, "amount_cents": receipt_["owners_cents"],
            "method": receipt_["method"],
            "note": f"公共收益 {receipt_['_id']}"}
