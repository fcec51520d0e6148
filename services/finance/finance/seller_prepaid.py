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
  Announced as ``seller_prepaid_held``; the same announcement again holds nothing twice.
- **What the accountant does next** (the hold's ``status`` moves from ``held``): the money is
  refunded to the seller, or carried over to the buyer by their agreement.

Plain functions: no broker, no store.
"""
from estate_common import clock, ids

HELD = "held"


def hold_id(estate_id, household_id, owner_since):
    return ids.natural_id("sph", estate_id, household_id, owner_since)


def sellers_sources(sources, owner_since):
    """The payments with money unused taken before ``owner_since`` (a local day): the seller's."""
    return [p for p in sources if (p.get("day") or "") < owner_since and p.get("unapplied_cents", 0) > 0]


def new_hold(hold_id_, estate_id, household_id, owner_since, sources, now):
    parts = [{"payment_id": p["_id"], "amount_cents": p["unapplied_cents"]} for p in sources]
    stamp = clock.to_iso(now)
    return {"_id": hold_id_, "estate_id": estate_id, "household_id": household_id, "owner_since": owner_since,
            "amount_cents": sum(part["amount_cents"] for part in parts), "payments": parts, "status": HELD,
            "held_at": stamp, "created_at": stamp}


def held_event_data(hold):
    """``finance.seller_prepaid_held``: no personal data (the owners are archive's)."""
    return {"id": hold["_id"], "household_id": hold["household_id"], "owner_since": hold["owner_since"],
            "amount_cents": hold["amount_cents"], "payments": hold["payments"], "held_at": hold["held_at"]}


def view(hold):
    shown = {k: v for k, v in hold.items() if not k.startswith("_")}
    return {"id": hold["_id"], **shown}
