"""The seller's prepaid money at a sale (预收款归属卖方).

Prepaid money (预收: ``unapplied_cents`` on the payments) is kept per household, so a seller's money
paid ahead settled the buyer's bills after the house was sold, while it belongs to who paid it.

- **Held at the transfer.** When archive announces the household's owner changed (its copy's
  ``owner_since`` set or moved: ``household_updated``, or a restatement), the money still unused of
  the household's payments taken **before** that day (the seller's; the buyer's from the day on stay
  his, as ``owner_access.owners_part`` reads them) is held apart: one hold per household and
  ``owner_since`` (its natural id), listing each payment and the cents moved from its
  ``unapplied_cents`` to its ``seller_held_cents``. Held money settles no bill (the prepaid
  balance, ``prepaid_sources``, reads ``unapplied_cents`` only) and is not in the buyer's statement.
  Announced as ``seller_prepaid_held``; the same announcement again holds nothing twice. A sale that
  reaches finance after the day finds the seller's money spent on the buyer's bills since (a run between):
  it is taken back off them and held with the rest (``spent_on_buyers_bills``, ``taken_back``).
- **What the accountant does next** (the hold's ``status`` moves from ``held``): the money is
  refunded to the seller, or carried over to the buyer by their agreement.

Plain functions: no broker, no store.
"""
from estate_common import clock, ids
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, field_error
from estate_common.text import optional_text
from estate_common.writes import Change

from . import billing, payers, periods, sale_month

HELD, REFUNDED, CARRIED_OVER = "held", "refunded", "carried_over"
TAKEN_BACK = "_taken_back"  # on a hold: the allocations its making takes off the buyer's bills (``new_hold``)
GROWING = "_growing"  # on a hold: the seller's money being added to it (``grown``), until its payments hold it


def hold_id(estate_id, household_id, owner_since):
    return ids.natural_id("sph", estate_id, household_id, owner_since)


def sellers_sources(sources, owner_since):
    """The payments with money unused taken before ``owner_since`` (a local day): the seller's. One
    holding money for an earlier sale's seller still (``seller_hold_id``: money came back to it since,
    a bill it paid cancelled) is left: a payment keeps one hold's part, and a second written over
    the first left the first's cents held by nothing (found by review r2). The developer's money (开发建设单位,
    ``payers``: a payment naming its bills) is not the seller's: never held for him (found by review r2 of h2)."""
    return [p for p in sources if (p.get("day") or "") < owner_since and p.get("unapplied_cents", 0) > 0
            and not p.get("seller_hold_id") and payers.payer_of(p) == payers.OWNER]  # the developer's is its own


def spent_on_buyers_bills(bills, sellers, owner_since, day_of):
    """``[{bill_id, amount_cents, allocation}]``: the money the seller's payments (``sellers``: ``{payment_id:
    payment}``, posted before ``owner_since`` and holding nothing for an earlier sale) put on the buyer's
    ``bills`` (of the sale's month on, as the owner's statement reads them: ``owner_access.owners_part``)
    from the sale's day on (``day_of``: an allocation's moment as the estate's day), before the sale reached
    finance: had it arrived on its day, that money would have been held and paid none of them (found by h8:
    November's run of the 23rd used it on November's bill, the sale of the 20th arriving on the 25th, and the
    seller's money paid the buyer's fee). What his money paid before the sale's day stays paid."""
    month = owner_since[:7]
    return [{"bill_id": bill["_id"], "amount_cents": allocation["amount_cents"], "allocation": allocation,
             "charge": billing.charge_of(bill)}
            for bill in sorted(bills, key=lambda b: (b["period"], b["_id"]))
            if bill["period"] >= month and payers.payer_of(bill) == payers.OWNER  # the developer's: its own money
            and not sale_month.of_seller(bill)  # the seller's part of the sale month: his own days (h7)
            for allocation in bill.get("allocations") or []
            if allocation.get("payment_id") in sellers and day_of(allocation["at"]) >= owner_since]


def new_hold(hold_id_, estate_id, household_id, owner_since, sources, now, taken_back=()):
    """The hold of ``sources``' unused money and of the money ``taken_back`` from the buyer's bills
    (``spent_on_buyers_bills``), one part per payment."""
    cents = {p["_id"]: p["unapplied_cents"] for p in sources}
    for taken in taken_back:
        payment_id = taken["allocation"]["payment_id"]
        cents[payment_id] = cents.get(payment_id, 0) + taken["amount_cents"]
    parts = [{"payment_id": payment_id, "amount_cents": amount} for payment_id, amount in cents.items()]
    stamp = clock.to_iso(now)
    hold = {"_id": hold_id_, "estate_id": estate_id, "household_id": household_id, "owner_since": owner_since,
            "amount_cents": sum(part["amount_cents"] for part in parts), "payments": parts, "status": HELD,
            "held_at": stamp, "created_at": stamp}
    if taken_back:  # shown: the bills and cents; kept (``_finish_hold``): the allocations taken off them
        hold["taken_back"] = [{"bill_id": t["bill_id"], "amount_cents": t["amount_cents"]} for t in taken_back]
        hold[TAKEN_BACK] = [{"bill_id": t["bill_id"], "allocation": t["allocation"], "charge": t.get("charge")}
                            for t in taken_back]
    return hold


def grown(hold, sources, now):
    """The seller's money a late sale's restatement gave back to his payments after the hold made at the sale
    (``sale_month``: his money on the month billed whole came back to them, and what his part did not take pays
    no bill of the buyer's, ``sellers_money_pays``), added to the hold: it sat on his payments for good, a payment
    keeping one hold's part, and the seller, no longer the household's, had no route to have it back (left by r7
    reviewing h7). ``sources``: the household's payments with money unused; the seller's are those taken before
    the hold's ``owner_since``, the owner's, holding nothing or this hold's part. Each part grows by its payment's
    unused money, the addition listed (``added``: when, how much, from which payments) and marked (``GROWING``)
    until its payments hold it (``store.grow_payments_held``). None when there is nothing to add, or the hold is
    decided or being refunded (its refund pays what it held when asked; left: a second hold of the sale)."""
    if hold["status"] != HELD or hold.get("refund") or hold.get(GROWING):
        return None
    adding = [{"payment_id": p["_id"], "amount_cents": p["unapplied_cents"]}
              for p in sources if (p.get("day") or "") < hold["owner_since"] and p.get("unapplied_cents", 0) > 0
              and p.get("seller_hold_id") in (None, hold["_id"]) and payers.payer_of(p) == payers.OWNER]
    if not adding:
        return None
    cents = {part["payment_id"]: part["amount_cents"] for part in hold["payments"]}
    for part in adding:
        cents[part["payment_id"]] = cents.get(part["payment_id"], 0) + part["amount_cents"]
    added = list(hold.get("added") or [])
    growing = {"id": ids.natural_id("spg", hold["_id"], len(added)), "payments": adding}
    added.append({"at": clock.to_iso(now), "cents": sum(part["amount_cents"] for part in adding), "payments": adding})
    return Change({"payments": [{"payment_id": payment_id, "amount_cents": amount} for payment_id, amount in cents.items()],
                   "amount_cents": sum(cents.values()), "added": added, GROWING: growing})


def held_event_data(hold):
    """``finance.seller_prepaid_held``: no personal data (the owners are archive's). ``taken_back``: each bill
    with the charge it came from (``billing.charge_of``, None for a periodic bill), as ``payment_reversed``'s
    bills, so that customer service reopens an application's fee the seller's money had paid (found by review
    r8 of h8: the fee owed again in finance, paid at the desk)."""
    taken_back = [{"bill_id": t["bill_id"], "amount_cents": t["allocation"]["amount_cents"], "charge": t.get("charge")}
                  for t in hold.get(TAKEN_BACK) or []]
    return {"id": hold["_id"], "household_id": hold["household_id"], "owner_since": hold["owner_since"],
            "amount_cents": hold["amount_cents"], "payments": hold["payments"], "seller_held_at": hold["held_at"],
            **({"taken_back": taken_back} if taken_back else {})}


def added_event_data(hold):
    """``finance.seller_prepaid_added``: the seller's money added to his hold (its last ``added``): what was
    added, from which payments, and what the hold holds now."""
    added = hold["added"][-1]
    return {"id": hold["_id"], "household_id": hold["household_id"], "owner_since": hold["owner_since"],
            "added_cents": added["cents"], "payments": added["payments"], "amount_cents": hold["amount_cents"],
            "added_at": added["at"]}


def view(hold):
    shown = {k: v for k, v in hold.items() if not k.startswith("_")}
    return {"id": hold["_id"], **shown}


# -- what the accountant does with it ---------------------------------------------------------
# **Refunded** to the seller (退还卖方): ``refund`` pending with its plan (the method, the journal's
# day, who), its own journal entry (money out, ``kind: seller_prepaid_refund``, on the refunder's
# journal of the day, natural id per hold), each payment's held part gone, then ``refunded`` with
# ``seller_prepaid_refunded``; a retry, or any later refund call of a hold a crash left pending,
# finishes it. **Carried over** to the buyer by their agreement (转给买方): an explicit step with its
# reason (who and when kept on the hold and in ``seller_prepaid_carried_over``): each payment's held
# part back in its ``unapplied_cents``, the household's prepaid balance, used at once on its unpaid
# bills. Either once: the other, or the same again, is a 409.

def refuse_unless_held(hold, refund_id=None):
    if hold["status"] == REFUNDED:
        raise Conflict("the seller's prepaid money is refunded already")
    if hold["status"] == CARRIED_OVER:
        raise Conflict("the seller's prepaid money is carried over to the buyer already")
    if hold.get("refund") and hold["refund"]["id"] != refund_id:
        raise Conflict("the seller's prepaid money is being refunded")


def refund_plan(hold, refund_id, data, now, rules, actor, day_closed, held):
    """The first write of a refund: ``refund`` pending with what is paid back, how and by whom.
    ``held``: what the hold's payments hold for it (``store.payments_held_by``, read under the
    household's lock), which is what it pays, its parts kept: the hold's ``amount_cents`` is what was
    to be held, and a part its payment could not give whole (its money used in between) was paid out
    all the same, money the payments never gave up (h6). Nothing held: 422, nothing written."""
    refuse_unless_held(hold)
    day = periods.day_of(now, rules)
    if day_closed:
        raise BusinessRuleViolation(f"{actor}'s journal of {day} is settled and closed",
                                    [field_error("day", "is settled: no more entries")])
    cents = sum(part["amount_cents"] for part in held)
    if cents <= 0:
        raise BusinessRuleViolation(f"the payments of {hold['_id']} hold nothing for the seller: nothing to refund",
                                    [field_error("id", "its payments hold nothing for the seller")])
    return Change({"refund": {"id": refund_id, "status": "pending", "amount_cents": cents, "payments": held,
                              "method": data["method"], "note": optional_text(data, "note"),
                              "by": actor, "at": clock.to_iso(now), "day": day}})


def refund_done(hold):
    refund = {**hold["refund"], "status": REFUNDED}
    return {"status": REFUNDED, "refund": refund}


def carry_over_plan(hold, data, now, actor, held=None):
    """The carry-over's changes; ``held`` (``store.payments_held_by``, read under the household's lock): what
    the hold's payments hold for it, what is carried over (its parts and their sum), as a refund pays it: the
    hold's ``amount_cents`` is what was to be held (announced in its place, found by r6 reviewing h6)."""
    refuse_unless_held(hold)
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise InvalidInput("a carry-over names its reason (the seller's and the buyer's agreement)",
                           [field_error("data.reason", "is required")])
    carried = {} if held is None else {"amount_cents": sum(part["amount_cents"] for part in held), "payments": held}
    return {"status": CARRIED_OVER, "carry_over": {"reason": reason, "by": actor, "at": clock.to_iso(now), **carried}}


def refunded_event_data(hold):
    refund = hold["refund"]
    return {"id": hold["_id"], "household_id": hold["household_id"], "owner_since": hold["owner_since"],
            "amount_cents": refund["amount_cents"], "method": refund["method"], "refunded_at": refund["at"]}


def carried_over_event_data(hold):
    carry = hold["carry_over"]
    return {"id": hold["_id"], "household_id": hold["household_id"], "owner_since": hold["owner_since"],
            "amount_cents": carry.get("amount_cents", hold["amount_cents"]), "reason": carry["reason"],
            "carried_over_at": carry["at"]}


def refuse_reversal(payment, holds=()):
    """A payment with money held for the seller is not reversed (its refund would pay that part out
    a second time): the hold is refunded or carried over first. Nor one whose held money is being
    or was refunded to the seller (``holds``: the household's): a reversal pays the payment's whole
    amount back, so the part paid out to the seller went out twice (found by review r2)."""
    if payment.get("seller_held_cents"):
        raise Conflict(f"{payment['seller_held_cents']} cents of the payment are held for the household's seller "
                       f"({payment['seller_hold_id']}): refund them or carry them over first",
                       [field_error("id", "has money held for the seller")])
    for hold in holds:
        if hold.get("refund") and any(part["payment_id"] == payment["_id"] for part in hold["payments"]):
            raise Conflict(f"money of the payment was refunded to the household's seller ({hold['_id']}): "
                           "it cannot be reversed", [field_error("id", "paid a refund to the seller")])
