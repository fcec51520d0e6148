"""Fee standards (收费标准): what an estate charges for an item, from when, and how often.

A standard charges either by floor area (``unit_price_cents_per_m2``: cents per m² per
month, the property service fee) or a fixed amount per household (``amount_cents`` per
cycle). ``cycle``: ``monthly``, ``quarterly``, ``yearly`` are billed by billing runs (a
quarterly or yearly standard bills every 3 or 12 months counted from its ``valid_from``,
the area price times the months of the cycle); ``per_charge`` standards are the published
price of a one-off charge (renovation management fee and deposit, a repair, a parking
session) that another service raises: runs do not bill them.

A standard is created ``pending`` and bills only once ``approved`` (by a manager or the
operator admin). One approved standard per item covers a period: approving a standard
that starts later than an open or longer approved one of the same item ends the older one
the month before (``superseded_by``); approving one that starts at or before an approved
one of the same item that it overlaps is a conflict.

Plain functions: no broker, no store.
"""
from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, field_error

from . import periods

CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
PER_CHARGE = "per_charge"
PERIODIC_ITEMS = {"property_service"}


def new_standard(standard_id, estate_id, data, now, rules, actor):
    by_area = "unit_price_cents_per_m2" in data
    valid_from = data.get("valid_from") or periods.period_of(now, rules)
    valid_to = data.get("valid_to")
    errors = []
    if by_area and data["cycle"] == PER_CHARGE:
        errors.append(field_error("data.cycle", "a price per m² needs a billing cycle (monthly, quarterly, yearly)"))
    if data["item"] in PERIODIC_ITEMS and data["cycle"] == PER_CHARGE:
        errors.append(field_error("data.cycle", f"{data['item']} is billed by cycle, not per charge"))
    if valid_to is not None and valid_to < valid_from:
        errors.append(field_error("data.valid_to", "must not be before valid_from"))
    if errors:
        raise BusinessRuleViolation("the fee standard is not consistent", errors)
    stamp = clock.to_iso(now)
    return {
        "_id": standard_id,
        "estate_id": estate_id,
        "item": data["item"],
        "name": (data.get("name") or data["item"].replace("_", " ")).strip(),
        "basis": "area" if by_area else "fixed",
        "unit_price_cents_per_m2": _whole(data.get("unit_price_cents_per_m2")),
        "amount_cents": _whole(data.get("amount_cents")),
        "cycle": data["cycle"],
        "valid_from": valid_from,
        "valid_to": valid_to,
        "status": "pending",
        "created_at": stamp,
        "created_by": actor,
        "approved_at": None,
        "approved_by": None,
        "superseded_by": None,
    }


def _whole(cents):
    """JSON's 235.0 is the integer 235 to the contract: store it as one."""
    return None if cents is None else int(cents)


def overlaps(first, second):
    """Whether two standards' validity periods share a month."""
    first_end, second_end = first["valid_to"] or "9999-12", second["valid_to"] or "9999-12"
    return first["valid_from"] <= second_end and second["valid_from"] <= first_end


def approval(standard, approved_of_item, now, actor):
    """The approval of ``standard``: its changes and the older standards it ends, as
    ``(changes, [(older_id, older_changes)])``. ``approved_of_item``: the approved standards of
    the same item in the estate."""
    if standard["status"] != "pending":
        raise Conflict(f"the fee standard is {standard['status']} already")
    ended = []
    for other in approved_of_item:
        if other["_id"] == standard["_id"] or not overlaps(standard, other):
            continue
        if other["valid_from"] >= standard["valid_from"]:
            raise Conflict(f"an approved {other['item']} standard covers {other['valid_from']} onwards already",
                           [field_error("id", f"overlaps approved standard {other['_id']}")])
        ended.append((other["_id"], {"valid_to": periods.add_months(standard["valid_from"], -1),
                                     "superseded_by": standard["_id"]}))
    changes = {"status": "approved", "approved_at": clock.to_iso(now), "approved_by": actor}
    return changes, ended


def bills_in(standard, period):
    """Whether a billing run for ``period`` bills this standard."""
    months = CYCLE_MONTHS.get(standard["cycle"])
    if standard["status"] != "approved" or months is None:
        return False
    if period < standard["valid_from"] or (standard["valid_to"] and period > standard["valid_to"]):
        return False
    return periods.months_between(standard["valid_from"], period) % months == 0
