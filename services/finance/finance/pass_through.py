"""Money collected on behalf of others (代收代缴): an owner's gas, broadband or water bill paid at the
estate's desk, the estate handing the money on to the company it is owed to.

The seeds name 代收代缴 among the paid value-added services the estate may offer; DOMAIN.md names no
rule, so what follows is ours. Such money is not the estate's income: a paid service order could
only charge a handling fee, and the money itself had nowhere to be received, owed and handed on.

- **Payees** (收款单位): per estate, each by name, the service it is paid for and the handling fee
  the estate charges per collection (``handling_fee_cents``, 0 by default: a per-estate setting per
  payee, changed by those who set fees; a collection keeps the fee in force when it was made).
- **A collection** (代收): the owner's money for a payee, with the payee's own reference (the gas
  bill's number), received as any receipt is (a number of the estate's receipt series, the cashier's
  journal of the day by its method: cash, transfer, ...), on its own account: its journal entry is
  ``pass_through_collection``, never a bill, so never income nor in the income disclosure. The fee,
  when the payee has one, is paid with it and is the estate's income, shown apart (its own entry
  ``pass_through_fee``, its own figures on the payee's line). Written ``pending`` with its plan, its
  entries, then ``posted`` with ``pass_through_collected``; its retry finishes it.
- **A remittance** (代缴 / 解缴): a batch per payee and month of the collections received in that
  month and not handed on yet, its amount their sum (never the fees); owed = collected − remitted,
  never negative, so a month with nothing owed is refused (422). Its journal entry is
  ``pass_through_remittance`` (money out); announced ``pass_through_remitted``. Written ``pending``
  with the collections it plans, each collection then marked as its own once (one taken by another
  batch meanwhile is left out and the amount is what it took), the entry, ``done``.

- **A reversal** (冲销, h4): a collection recorded by mistake (the wrong payee, household or amount) is
  never edited nor deleted: a record of its own (``pass_through_reversals``, its id from the collection's:
  once) names it, why, by whom and when; the collection is kept, marked ``reversed`` (``reversed_by``), so it
  is owed to the payee no more and no remittance takes it; its money and fee go back out on the reverser's
  journal of the day (``pass_through_collection_reversal``, ``pass_through_fee_reversal``: the fee off the
  estate's income), announced ``pass_through_collection_reversed``. One handed on already is refused (409
  naming its remittance): the money left for the payee, that remittance's own correction comes first. The
  reversal claims the collection as a remittance takes it, once: whichever writes first wins, the other leaves
  it. Written ``pending`` with the collection claimed, its entries, then ``done``; its retry finishes it.

Plain functions: no broker, no store.
"""
from estate_common import clock, ids, money
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.text import optional_text

from . import periods

SERVICES = ("gas", "broadband", "water", "electricity", "heating", "cable_tv", "other")  # openapi's PassThroughService
PENDING, POSTED, DONE, REVERSED = "pending", "posted", "done", "reversed"


def payee_id(estate_id, token):
    return ids.natural_id("ptp", estate_id, token)


def new_payee(payee_id_, estate_id, data, now, actor):
    name = (data.get("name") or "").strip()
    if not name:
        raise BusinessRuleViolation("a payee is named", [field_error("data.name", "is required")])
    stamp = clock.to_iso(now)
    return {"_id": payee_id_, "estate_id": estate_id, "name": name, "service": data["service"],
            "handling_fee_cents": int(data.get("handling_fee_cents") or 0),
            "note": optional_text(data, "note"), "created_by": actor, "created_at": stamp}


def fee_change(payee, data):
    """The payee's handling fee set (the per-estate setting per payee); None when it is that already."""
    cents = int(data["handling_fee_cents"])
    return None if payee["handling_fee_cents"] == cents else {"handling_fee_cents": cents}


def new_collection(collection_id, estate_id, data, payee, now, rules, cashier):
    """A collection as first written (``pending``, numbered by the caller), with the payee's fee now."""
    stamp, day = clock.to_iso(now), periods.day_of(now, rules)
    amount = int(data["amount_cents"])
    money.refuse_above_maximum(amount + payee["handling_fee_cents"], "data.amount_cents", "a collection")
    return {"_id": collection_id, "estate_id": estate_id, "payee_id": payee["_id"], "payee_name": payee["name"],
            "household_id": data["household_id"], "amount_cents": amount, "fee_cents": payee["handling_fee_cents"],
            "method": data["method"], "reference": optional_text(data, "reference"),
            "receipt_number": None, "cashier": cashier, "day": day, "period": day[:7], "at": stamp,
            "status": PENDING, "remittance_id": None, "created_at": stamp}


def collected_event_data(collection):
    """``finance.pass_through_collected``: no personal data (the household by its id)."""
    keys = ("payee_id", "household_id", "amount_cents", "fee_cents", "method", "reference", "receipt_number",
            "day", "at")
    return {"id": collection["_id"], **{key: collection[key] for key in keys}}


def remittance_id(estate_id, token):
    return ids.natural_id("ptm", estate_id, token)


def new_remittance(remittance_id_, payee, period, data, owed, now, rules, actor):
    """A remittance as first written (``pending``) of the payee's collections of ``period`` not handed on yet
    (``owed``): 422 when there are none (owed = collected − remitted is never negative)."""
    if not owed:
        raise nothing_owed(payee["name"], period)
    stamp = clock.to_iso(now)
    return {"_id": remittance_id_, "estate_id": payee["estate_id"], "payee_id": payee["_id"],
            "payee_name": payee["name"], "period": period, "method": data["method"],
            "note": optional_text(data, "note"),
            "collection_ids": sorted(c["_id"] for c in owed), "amount_cents": sum(c["amount_cents"] for c in owed),
            "by": actor, "day": periods.day_of(now, rules), "at": stamp, "status": PENDING, "created_at": stamp}


def nothing_owed(payee_name, period):
    """The refusal of a remittance with nothing to hand on: none owed when it is asked, or, planned, every
    collection of its plan taken by another batch meanwhile (two at once; one a crash left pending)."""
    return BusinessRuleViolation(f"nothing collected for {payee_name} in {period} is owed to it: nothing to hand on",
                                 [field_error("data.period", "has nothing owed to the payee")])


def refuse_not_begun(period, current):
    if period > current:
        raise BusinessRuleViolation(f"nothing is collected in a month that has not begun: the current month is {current}",
                                    [field_error("data.period", "has not begun")])


def remitted_event_data(remittance):
    keys = ("payee_id", "period", "amount_cents", "method", "day", "at")
    return {"id": remittance["_id"], "collections": len(remittance["collection_ids"]),
            **{key: remittance[key] for key in keys}}


def payee_lines(payees, collections, remittances):
    """Each payee with what was collected for it (the money and, apart, the fees: the estate's income),
    what was handed on, and what is owed (collected − remitted, never negative). ``collections``: the posted
    ones' sums by payee (``payee_id``, ``amount_cents``, ``fee_cents``, ``count``); ``remittances``: the done
    ones' (``payee_id``, ``amount_cents``, ``count``)."""
    lines = {p["_id"]: {**p, "collected_cents": 0, "collections": 0, "fees_cents": 0, "remitted_cents": 0,
                        "remittances": 0} for p in payees}
    for c in collections:
        line = lines.get(c["payee_id"])
        if line is not None:
            line["collected_cents"] += c["amount_cents"]
            line["fees_cents"] += c["fee_cents"]
            line["collections"] += c["count"]
    for r in remittances:
        line = lines.get(r["payee_id"])
        if line is not None:
            line["remitted_cents"] += r["amount_cents"]
            line["remittances"] += r["count"]
    for line in lines.values():
        line["owed_cents"] = max(0, line["collected_cents"] - line["remitted_cents"])
    return [lines[p["_id"]] for p in payees]


def reversal_id(estate_id, collection_id):
    """One reversal per collection: its id derives from the collection's."""
    return ids.natural_id("ptr", estate_id, collection_id)


def refuse_not_reversible(collection, own_reversal_id=None):
    """409 for a collection that cannot be reversed: still being written, reversed already (by another
    reversal than ``own_reversal_id``), or handed on to the payee by a remittance (named)."""
    if collection.get("reversed_by") and collection["reversed_by"] != own_reversal_id:
        raise Conflict("the collection is reversed already", [field_error("id", "is reversed already")])
    if collection.get("remittance_id"):
        raise Conflict(f"the collection was handed on to {collection['payee_name']} by the remittance "
                       f"{collection['remittance_id']}: that remittance's own correction comes first, nothing reversed",
                       [field_error("id", f"was handed on by {collection['remittance_id']}")])
    if collection["status"] == PENDING:
        raise Conflict("the collection is still being written: ask again in a moment",
                       [field_error("id", "is still being written")])


def new_reversal(collection, data, now, rules, actor):
    """The reversal of ``collection`` as first written (``pending``): 422 without a reason."""
    reason = optional_text(data, "reason")
    if not reason:
        raise BusinessRuleViolation("a reversal says why", [field_error("data.reason", "say why")])
    refuse_not_reversible(collection)
    stamp = clock.to_iso(now)
    keys = ("payee_id", "household_id", "amount_cents", "fee_cents", "method", "receipt_number")
    return {"_id": reversal_id(collection["estate_id"], collection["_id"]), "estate_id": collection["estate_id"],
            "collection_id": collection["_id"], **{key: collection[key] for key in keys}, "reason": reason,
            "by": actor, "day": periods.day_of(now, rules), "at": stamp, "status": PENDING, "created_at": stamp}


def reversal_claim(collection, reversal):
    """The collection's changes that mark it reversed by ``reversal``; None when it is so already (a retry);
    refused (409) when a remittance took it first or another reversal did."""
    if collection.get("reversed_by") == reversal["_id"]:
        return None
    refuse_not_reversible(collection, reversal["_id"])
    return {"status": REVERSED, "reversed_by": reversal["_id"]}


def reversed_event_data(reversal):
    """``finance.pass_through_collection_reversed``: the collection's id, the reversal's, no personal data."""
    keys = ("payee_id", "household_id", "amount_cents", "fee_cents", "method", "receipt_number", "reason", "day", "at")
    return {"id": reversal["collection_id"], "reversal_id": reversal["_id"], **{key: reversal[key] for key in keys}}
