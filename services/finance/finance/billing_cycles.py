"""A household's own billing cycle (缴费周期: 按月 / 按季 / 按半年 / 按年缴费) on the estate's monthly
fee standard.

The estate's standard of an item (the property service fee: a price per m² per month) applies to
every household; the accountant sets, on an owner's request, that one household pays it by the
quarter, the half year or the year from a month (``valid_from``: its cycles are counted from it,
as a quarterly standard's are from its own). Its bill covers the months of its cycle at the
standard's price (area × price × months, half-up once), so a rise entered once, as a new standard,
applies to every household, whatever its cycle. The household stays the standard's: one registered
later, or one that goes back to ``monthly``, is billed by the month with nothing to re-enter.

Where DOMAIN.md is silent, decided (found by h8: a quarterly standard for one named household was a
409 beside the monthly standard of every household, and the workaround, the monthly standard
re-issued naming every other household, billed newly registered households nothing and made a rise
be entered twice):

- a cycle applies under a ``monthly`` standard; a quarterly or yearly standard bills by its own;
- a run of a month bills a household of a cycle the months from it to its cycle's end that no bill of
  the item covers yet (``billing.uncovered``, every run's one rule), up to the standard's last month
  (a rise from a later month: that month's run bills the rest of the cycle at the new price) or the
  month it leaves; a bill of the cycle made before a rise was approved stays at its price (billed,
  perhaps paid), and the household's next cycle is billed at the new one. A month is covered by one
  bill at most (``covered``): no double billing, whatever order the months are run in;
- a cycle starts after the months the household's bills of the item cover already (422 on
  ``data.valid_from``); a setting replaces those of its month or later (they billed nothing).

Plain functions: no broker, no store.
"""
from estate_common import clock, ids
from estate_common.errors import BusinessRuleViolation, field_error

from . import periods

CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
# the standards a household's cycle applies under: a price per month
MONTHLY = "monthly"


def record_id(estate_id, household_id, item):
    return ids.natural_id("billing_cycle", estate_id, household_id, item)


def setting(record, data, billed_through, now, actor):
    """``record`` (the household's cycles of the item, None before the first) with ``data``'s cycle
    from ``data.valid_from`` (the current month by default: ``data`` as the caller gave it, with
    ``valid_from`` filled). ``billed_through``: the last month its bills of the item cover, or None."""
    valid_from, cycles = data["valid_from"], (record or {}).get("cycles", [])
    if cycles and (cycles[-1]["cycle"], cycles[-1]["valid_from"]) == (data["cycle"], valid_from):
        return None  # set so already (the same call again)
    if billed_through is not None and valid_from <= billed_through:
        raise BusinessRuleViolation("the household's bills cover that month already", [field_error(
            "data.valid_from", f"the household's {data['item']} bills cover it through {billed_through}: "
                               f"its cycle starts at {periods.add_months(billed_through, 1)} at the earliest")])
    kept = [c for c in cycles if c["valid_from"] < valid_from]
    if kept == cycles and kept and kept[-1]["cycle"] == data["cycle"] and not periods.months_between(
            kept[-1]["valid_from"], valid_from) % CYCLE_MONTHS[data["cycle"]]:
        return None  # the same cycle in force from before, a cycle starting then: nothing to change
    new = {"cycle": data["cycle"], "valid_from": valid_from, "set_at": clock.to_iso(now), "set_by": actor}
    return {"cycles": [*kept, new], "cycle": data["cycle"], "valid_from": valid_from,
            "updated_by": actor}


def in_force(record, month):
    """``(cycle, valid_from)`` of the household's setting in force in ``month``, or None."""
    found = None
    for entry in (record or {}).get("cycles", []):
        if entry["valid_from"] <= month:
            found = entry
    return (found["cycle"], found["valid_from"]) if found else None


def span(record, month):
    """``(first, last)``: the household's own cycle that ``month`` is in (a quarter from its
    ``valid_from``: 2027-01..03 for February), cut at the month before a later setting; None when it
    pays by the month (no setting in force, or ``monthly``)."""
    current = in_force(record, month)
    if current is None or CYCLE_MONTHS[current[0]] == 1:
        return None
    cycle, valid_from = current
    months = CYCLE_MONTHS[cycle]
    first = periods.add_months(valid_from, periods.months_between(valid_from, month) // months * months)
    last = periods.add_months(first, months - 1)
    later = [e["valid_from"] for e in record["cycles"] if e["valid_from"] > month]
    if later:
        last = min(last, periods.add_months(min(later), -1))
    return first, last


def bill_span(record, standard, household, month):
    """``(month, last)``: the months a run of ``month`` bills ``household`` under ``standard`` (a
    monthly one) by its own cycle, before ``billing.uncovered`` cuts them to those no bill of the item
    covers yet; None when it pays by the month. Its cycle's end, or earlier: the standard's last
    month, the month the household left."""
    own = span(record, month)
    if own is None:
        return None
    last = own[1]
    if standard.get("valid_to"):
        last = min(last, standard["valid_to"])
    left = (household.get("occupied_to") or "")[:7]
    if left:
        last = min(last, left)
    return month, last


def applies_under(standard):
    return standard["cycle"] == MONTHLY


def public_record(record):
    """A household's cycles as the API answers them."""
    return {"id": record["_id"], "estate_id": record["estate_id"], "household_id": record["household_id"],
            "item": record["item"], "cycle": record["cycle"], "valid_from": record["valid_from"],
            "cycles": record["cycles"], "created_at": record["created_at"],
            "updated_at": record.get("updated_at") or record["created_at"]}
