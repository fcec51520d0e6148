"""The month a flat is sold (二手房过户): each owner pays its own days.

A household's copy names the day its current owner's ownership began (``owner_since``: archive's owner transfer
day, announced by ``household_updated``; a sale's only, not an owner's record set right nor the developer's first
sale of a unit taken over: archive's ``occupants.owner_since``, found by h11). The property fee of that month was billed whole to the household, the
buyer's statement showed it whole as his (``owner_access.owners_part``: the bills of the transfer's month on), and
the seller owed nothing of the days he owned the flat (found by h7).

- **By the day** (the estate's setting ``prorate_sale_month``, 1 by default): a sale on the 12th, the seller owes
  the 1st..11th and the buyer the 12th..the month's end, the split at the day by the handover month's one rule
  (``billing.handover_share``: the days from the day, inclusive, of the month's days); 0, the whole month to the
  buyer, as before (the other custom: the fee of the transfer's month with whoever owns the flat at its end). A
  transfer on the 1st, or of another month, splits nothing.
- **The two bills** (``split``): the month's run bill of a monthly standard, whole, becomes the buyer's bill of his
  days (``prorated`` from the transfer day, rounded half-up once as any run's bill) and the seller's of the rest
  (the whole month's cents less the buyer's, so that the two sum to the month to the cent, as the developer's and
  the owner's parts do: ``payers.owner_rest``), each under an id of its own and marked ``sale``: ``{day, part}``
  (``seller`` or ``buyer``). A bill of several months (a quarterly standard, a household's own quarter, 按季缴费), a
  developer's, one owed from a handover in the month or a charge is not split (not decided: a quarter's sale month
  within it; left as before).
- **Billed before the sale reached finance** (the month's run came first): the month's run again restates the
  whole bill as a handover's or a takeover's recorded late are (``operations._sale_restatements``, ``_restate``):
  cancelled, never edited (``rebilled_as`` the seller's part), the two parts billed naming it
  (``source.corrects_bill_id``), its money back to its payments: the seller's money (paid before the transfer day)
  pays his own part and the months before (``payments.pays``), never the buyer's part; what is left of it stays his
  credit, held for him as at the sale when nothing was held then (``operations.hold_sellers_prepaid``, one hold a
  transfer day), else added to the hold made then while it is held (``operations.grow_sellers_hold``,
  ``seller_prepaid.grown``: it sat on his payments with no route back to him, found by h4), and never pays a bill of
  the buyer's (``sellers_money_pays`` with the household's ``owner_since``:
  it paid his December and later months where a hold made at the sale could hold no more; r7 reviewing h7).
- **The collection rate at the month's end** (``arrears.paid_on_the_fees``): the whole bill's money counted once
  between its two parts, and only if it was restated after the end (r7 reviewing h7).
- **The statements**: the buyer's (``owner_access.owners_part``) lists his part, not the seller's, which counts in
  what the months before him owe (``owed_before_owner_cents``: 欠费随房, a sold flat's arrears stay with the flat).

Plain functions: no broker, no store.
"""
from calendar import monthrange
from datetime import date, timedelta

from estate_common import ids

from . import billing, payers

SELLER, BUYER = "seller", "buyer"


def sale_day(household, month, prorate):
    """The transfer day of ``household`` when it splits ``month`` (``owner_since`` a day of it after its first,
    ``prorate``: the estate's ``prorate_sale_month``), else None."""
    since = household.get("owner_since") or ""
    if not prorate or len(since) < 10 or since[:7] != month or since[8:10] == "01":
        return None
    return since[:10]


def seller_share(day, month):
    """The part of ``month`` before the transfer ``day``: the handover month's one rule
    (``billing.handover_share``)."""
    return billing.handover_share({"occupied_from": day}, month, True)


def splits(bill, household, prorate):
    """Whether ``bill`` is a whole month's run bill of the owner that the sale of ``household`` splits (not one of
    its parts already, not several months, not prorated from a handover, not the developer's)."""
    return (bill.get("source") or {}).get("kind") == "billing_run" and payers.payer_of(bill) == payers.OWNER \
        and not bill.get("sale") and not bill.get("prorated") and not bill.get("covers_to") \
        and int((bill.get("pricing") or {}).get("months") or 1) == 1 \
        and sale_day(household, bill["period"], prorate) is not None


def part_id(bill, day, part):
    return ids.natural_id("bill", bill["estate_id"], bill["household_id"], bill["item"], bill["period"], "sale",
                          day, part)


def split(bill, standard, household, prorate):
    """``[seller's bill, buyer's bill]`` of the whole month ``bill`` (a run's, as it would be written), or None when
    the sale does not split it (``splits``). The buyer's is ``standard``'s price × his days (half-up once), the
    seller's the rest of the month's cents."""
    if not splits(bill, household, prorate):
        return None
    day, month = sale_day(household, bill["period"], prorate), bill["period"]
    share = seller_share(day, month)
    month_days = monthrange(int(month[:4]), int(month[5:7]))[1]
    seller_days = int(share * month_days)
    buyer_cents = billing.amount_cents(standard, household.get("area_m2"), 1 - share)
    last_before = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    seller = {**bill, "_id": part_id(bill, day, SELLER), "amount_cents": bill["amount_cents"] - buyer_cents,
              "sale": {"day": day, "part": SELLER},
              "prorated": {"from": f"{month}-01", "days": seller_days, "month_days": month_days},
              "owed": {"from": f"{month}-01", "to": last_before}}
    buyer = {**bill, "_id": part_id(bill, day, BUYER), "amount_cents": buyer_cents,
             "sale": {"day": day, "part": BUYER},
             "prorated": {"from": day, "days": month_days - seller_days, "month_days": month_days},
             "owed": {"from": day, "to": f"{month}-{month_days:02d}"}}
    for part in (seller, buyer):
        if not part["amount_cents"]:  # a part of 0 cents (a tiny area): settled as it is made, as a run's bill is
            part.update(status="paid", settled_at=part["created_at"])
        else:
            part.update(status="unpaid", settled_at=None)
    return [seller, buyer]


def of_seller(bill):
    """Whether ``bill`` is the seller's part of a sale month (``split``)."""
    return (bill.get("sale") or {}).get("part") == SELLER


def sellers_money_pays(source, bill, owner_since=None):
    """Whether money ``source`` may go on ``bill`` as far as a sale goes: money paid before the transfer day (the
    seller's: its payment's ``day``, not carried over to the buyer by the hold's agreement) never pays the buyer's
    part of the sale month (``payments.pays``), nor, the household's current owner's ``owner_since`` known, any
    bill of the buyer's (the owner's of the sale's month on, but the seller's part of it). The seller's money a
    late sale's restatement gave back, where a hold made at the sale could hold no more, paid the buyer's December
    and stayed on account for his later months (found by r7 reviewing h7); it stays the seller's, on account."""
    sale = bill.get("sale") or {}
    if sale.get("part") == BUYER:
        day = sale["day"]
    elif owner_since and len(owner_since) >= 10 and bill["period"] >= owner_since[:7] and not of_seller(bill) \
            and payers.payer_of(bill) == payers.OWNER:
        day = owner_since[:10]
    else:
        return True
    return (source.get("day") or "9999") >= day or source.get("_carried_over_to") == day


def restatement_cancel(wrong, new_id, now_iso, actor, day):
    """The changes that cancel the whole month ``wrong`` billed before its sale on ``day`` reached finance:
    ``rebilled_as`` the seller's part ``new_id``, its allocations ``released`` back to their payments (the seller's
    money his again: ``sellers_money_pays``). None when cancelled already."""
    if wrong["status"] == "cancelled":
        return None
    return {"status": "cancelled", "cancelled_at": now_iso, "cancelled_by": actor,
            "cancel_reason": f"the flat was sold on {day} (过户): the month billed to the seller and the buyer by "
                             f"their days, the seller's as {new_id}",
            "rebilled_as": new_id, "paid_cents": 0, "settled_at": None, "allocations": [],
            "released": list(wrong.get("allocations") or [])}
