"""Engineering's spare parts store (备品备件 / 物料), one per estate: each part with its unit, the
quantity on hand and its value, a minimum below which it is to be bought; receipts in (入库), issues
to a work order (领用) and returns of what was not used (退库), and a stocktake's count (盘点),
each a movement of the part, never an edit of one.

A part's movements are documents of their own (``part_movements``, ``movement_document``: under the
movement's id, so a retried movement is written once), not an array in the part: a busy part's history
reached the 16 MB limit of a document in a few years and every read of the part read all of it. The
part keeps its running quantity and value, and the movements its last write made that are not in
their collection yet (``PENDING``: its ``movements``, written in the same write as the quantity, then
copied to the collection and taken off the part; a crash between the two leaves them there for the next
touch of the part or the sweep, and every read of movements reads them too). An earlier version's
array of every movement is the same field, moved the same way.

Cost is the moving weighted average (移动加权平均): the part keeps the value of what is on hand in
cents; an issue takes its share of that value (qty ÷ on hand, rounded half up), so issuing the last
piece takes exactly what is left and the value never drifts from the quantity. A return gives back
the value the order took for that quantity (the order's own average), a count's difference is
valued at the part's average. A work order's material lines are what was issued to it less what
came back, at those values (``order_lines``): the sign-off takes them, beside the materials bought
on the spot that are still typed in (costing.material_lines).

Quantities are exact: thousandths held as integers (12.5 m of cable is 12500), a whole-number unit
(a piece, a set) counted whole. Plain functions: no broker, no store.
"""
from datetime import timedelta
from decimal import Decimal

from estate_common import calendar, clock, ids
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.money import to_cents
from estate_common.wording import counted
from estate_common.writes import Change

from .domain import CLOSED

# units a part is counted in; the first ones are counted whole (a tap is not issued in halves)
WHOLE_UNITS = ("piece", "set", "box", "roll")
UNITS = (*WHOLE_UNITS, "m", "m2", "kg", "l")
MILLI = 1000  # a quantity's thousandths: the finest a part is measured in (1 mm of cable)
KINDS = ("receipt", "issue", "return", "count")
# the movements a part's write made that are not in their collection yet (see above): an earlier
# version's array of every movement under the same name, moved the same way
PENDING = "movements"
# the latest movements a part's own page shows (``GET …/parts/{id}``); the rest are paged
# (``GET …/parts/{id}/movements``)
LATEST_SHOWN = 20
# an issue or a return to an open order that has not reached its order yet (``operations._part_moved``):
# kept on the movement until it has, so that a crash between the two writes is found by the sweep
TO_REACH = "to_reach"
# a work order's statuses in which parts are no longer issued to it: its cost is signed off (completed) or
# it was never worked (cancelled): an order done with (``domain.CLOSED``). A cancelled one still gives back
# what it holds (``_open``'s ``returning``: r8), a signed-off one nothing
CLOSED_ORDER = CLOSED
# the returns kept as late ones after the fact whose correction the part announced (``operations._returned_late``),
# the latest ``LATE_TOLD_KEPT``: bookkeeping, so that the sweep taking the step again announces each once. It kept
# the last alone, and one announced, not marked (a crash), announced again after another (found by h8); a list
# bounded: a correction is wanted until its movement is marked, the next step of the same call or sweep
LATE_TOLD = "_late_return_told"
LATE_TOLD_KEPT = 50


def late_told(part):
    """The movement ids whose late return's correction the part announced (one id, as an earlier version kept)."""
    told = part.get(LATE_TOLD) or []
    return [told] if isinstance(told, str) else list(told)


def late_told_with(part, movement_id):
    """``LATE_TOLD`` with ``movement_id`` added, the oldest dropped past ``LATE_TOLD_KEPT``."""
    return [*late_told(part), movement_id][-LATE_TOLD_KEPT:]


def part_id(estate_id, code):
    """One part per code in the estate, whatever its case (TAP-15 and tap-15 are one part)."""
    return ids.natural_id("part", estate_id, code.strip().lower())


def milli(qty, unit, field):
    """``qty`` (a JSON number) in thousandths, exactly; 422 on ``field`` for a finer one or a
    fraction of a whole-number unit."""
    exact = Decimal(str(qty)) * MILLI
    if exact != exact.to_integral_value():
        raise BusinessRuleViolation("a quantity has at most 3 decimals", [field_error(field, "has more than 3 decimals")])
    if unit in WHOLE_UNITS and exact % MILLI:
        raise BusinessRuleViolation(f"a part counted by the {unit} is counted whole",
                                    [field_error(field, f"is not a whole number of {unit}s")])
    return int(exact)


def shown_qty(thousandths):
    """A quantity as the API shows it: a whole number as an integer, else its decimals."""
    if thousandths % MILLI == 0:
        return thousandths // MILLI
    return float(Decimal(thousandths) / MILLI)


def new_part(estate_id, data, now, actor):
    stamp = clock.to_iso(now)
    minimum = milli(data.get("minimum", 0), data["unit"], "data.minimum")
    return {
        "_id": part_id(estate_id, data["code"]), "estate_id": estate_id, "code": data["code"].strip(),
        "name": data["name"].strip(), "unit": data["unit"],
        "minimum_milli": minimum, "on_hand_milli": 0, "value_cents": 0,
        "below_minimum": _below(0, minimum),
        "created_at": stamp, "created_by": actor, "updated_at": stamp,
    }


def same_part(existing, wanted):
    """The same create again finds the part; another part under its code is a 409."""
    if any(existing[key] != wanted[key] for key in ("code", "name", "unit", "minimum_milli")):
        raise Conflict(f"the store has a part of code {existing['code']} already",
                       [field_error("data.code", "is taken in this estate")])
    return existing


def edited(part, data, now, actor):
    """A part's ``name`` and/or ``minimum`` corrected (in its unit: a whole number of pieces), where
    neither could be once the part was made (found by h13); what is to be bought follows the new
    minimum. Its code and unit are no edit's: its movements were counted in them. Recorded on the
    part's history (what it was, what it is); an edit that changes nothing records nothing."""
    changes, said = {}, []
    name = data.get("name", part["name"]).strip()
    if name != part["name"]:
        changes["name"] = name
        said.append(f"name: {part['name']} → {name}")
    if "minimum" in data:
        minimum = milli(data["minimum"], part["unit"], "data.minimum")
        if minimum != part["minimum_milli"]:
            changes.update(minimum_milli=minimum, below_minimum=part["on_hand_milli"] < minimum)
            said.append(f"minimum: {shown_qty(part['minimum_milli'])} → {shown_qty(minimum)} {part['unit']}")
    if not changes:
        return Change({})
    stamp = clock.to_iso(now)
    return Change({**changes, "updated_at": stamp},
                  [{"at": stamp, "by": actor, "action": "edited", "note": "; ".join(said), "event_id": None}])


def shown(part, latest=None):
    """A part as the API answers it: quantities as numbers, its average unit cost, whether it is
    below its minimum (to be bought). On its own page (``latest``: its latest movements, at most
    ``LATEST_SHOWN``, in the order they were made) with them and its edits; in a list without (every
    part's history was read for a page of parts). Its whole history is paged apart
    (``GET …/parts/{id}/movements``)."""
    on_hand = part["on_hand_milli"]
    out = {
        "id": part["_id"], "estate_id": part["estate_id"], "code": part["code"], "name": part["name"],
        "unit": part["unit"], "minimum": shown_qty(part["minimum_milli"]), "on_hand": shown_qty(on_hand),
        "value_cents": part["value_cents"], "unit_cost_cents": average_cost(part),
        "below_minimum": _below(on_hand, part["minimum_milli"]),
        "created_at": part["created_at"], "updated_at": part["updated_at"],
    }
    if latest is not None:
        out["movements"] = [shown_movement(movement) for movement in latest]
        out["history"] = list(part.get("history", []))  # its edits (``edited``)
    return out


def movement_document(estate_id, part_id, movement):
    """A movement as its collection keeps it: under its id (a retry, a copy begun again, finds it
    there), with its estate and part."""
    return {"_id": movement["id"], "estate_id": estate_id, "part_id": part_id,
            **{key: value for key, value in movement.items() if key != "id"}}


def movement_of(document):
    """A stored movement as the part's functions read it (``id``, no estate nor part)."""
    return {"id": document["_id"], **{key: value for key, value in document.items()
                                      if key not in ("_id", "estate_id", "part_id")}}


def pending(part):
    """The part's movements not in their collection yet (``PENDING``), as stored there."""
    return [movement_document(part["estate_id"], part["_id"], movement) for movement in part.get(PENDING) or []]


def merged(stored, waiting):
    """Movement documents read from their collection and those still on their parts (``pending``),
    each once (one copied meanwhile is in both), by when each was made."""
    found = {doc["_id"]: doc for doc in [*waiting, *stored]}
    return sorted(found.values(), key=lambda doc: (doc["at"], doc["_id"]))


def shown_movement(movement):
    if "_id" in movement:
        movement = movement_of(movement)
    out = {key: value for key, value in movement.items() if not key.endswith("_milli") and key != TO_REACH}
    out["qty"] = shown_qty(movement["qty_milli"])
    out["on_hand_after"] = shown_qty(movement["on_hand_after_milli"])
    if "expected_milli" in movement:
        out["expected"], out["counted"] = shown_qty(movement["expected_milli"]), shown_qty(movement["counted_milli"])
    return out


def average_cost(part):
    """What one unit on hand is worth, in cents (rounded half up); None with nothing on hand."""
    if not part["on_hand_milli"]:
        return None
    return to_cents(Decimal(part["value_cents"]) * MILLI / part["on_hand_milli"])


def _share(value_cents, of_milli, qty_milli):
    """The value of ``qty_milli`` out of ``of_milli`` worth ``value_cents`` (half up): all of it
    takes exactly the value."""
    if qty_milli == of_milli:
        return value_cents
    return to_cents(Decimal(value_cents) * qty_milli / of_milli)


def _moved(part, kind, qty_milli, value_cents, now, actor, **facts):
    """The part after a movement of ``qty_milli`` (signed) worth ``value_cents`` (signed), and the
    movement. Its moment is after the part's last one (a millisecond after, on a clock behind it or
    within the same millisecond), so that a part's movements are paged in the order they were made."""
    on_hand, value = part["on_hand_milli"] + qty_milli, part["value_cents"] + value_cents
    stamp = clock.to_iso(now)
    last = part.get("last_moved_at")
    if last and stamp <= last:
        stamp = clock.to_iso(clock.parse_iso(last) + timedelta(milliseconds=1))
    movement = {"id": ids.new_id("mov"), "kind": kind, "qty_milli": qty_milli, "value_cents": value_cents,
                "on_hand_after_milli": on_hand, "at": stamp, "by": actor, **facts}
    # kept on the part (not compared at read): the list of those to be bought reads it by an index
    changes = {"on_hand_milli": on_hand, "value_cents": value, "below_minimum": _below(on_hand, part["minimum_milli"]),
               "updated_at": stamp, "last_moved_at": stamp}
    if kind == "receipt":  # a gain counted with nothing on hand is valued at it (``count``)
        changes["last_unit_cost_cents"] = facts["unit_cost_cents"]
    return changes, movement


def receive(part, qty, unit_cost_cents, now, actor, supplier=None, reference=None):
    """入库: a delivery, ``qty`` at ``unit_cost_cents`` each (its value rounded half up)."""
    qty_milli = _positive(milli(qty, part["unit"], "data.qty"))
    value = to_cents(Decimal(qty_milli) * unit_cost_cents / MILLI)
    return _moved(part, "receipt", qty_milli, value, now, actor, unit_cost_cents=unit_cost_cents,
                  supplier=supplier, reference=reference)


def issue(part, order, qty, now, actor):
    """领用: ``qty`` to an open work order (409 for a signed-off or cancelled one), at most what is on
    hand (422: the store never goes below nothing)."""
    _open(order)
    qty_milli = _positive(milli(qty, part["unit"], "data.qty"))
    if qty_milli > part["on_hand_milli"]:
        raise BusinessRuleViolation(f"the store holds {shown_qty(part['on_hand_milli'])} {part['unit']} of "
                                    f"{part['code']}", [field_error("data.qty", "is more than the store holds")])
    value = _share(part["value_cents"], part["on_hand_milli"], qty_milli)
    return _moved(part, "issue", -qty_milli, -value, now, actor, work_order_id=order["_id"],
                  work_order_number=order.get("number"))


def give_back(part, order, qty, now, actor, movements, late_return_days=0, tz=calendar.DEFAULT_TIMEZONE):
    """退库: ``qty`` not used on an order back to the store, at most what the order holds of the part
    (``movements``: the part's movements of the order; 422), at the value the order took for it. A
    cancelled order's parts come back too: it was cancelled before its work started (``domain.cancel``),
    they were never used, and held by it they were out of the store and on no order's cost for ever
    (found by r8 reviewing h8).

    A signed-off order's part comes back within ``late_return_days`` of its sign-off (rules.py's
    ``part_late_return_days``: the unused tap brought back the next day, where no return was possible
    after the sign-off, h2): the store is credited at the value the order took, and the movement is the
    cost correction of the order's period (``after_sign_off``, ``order_completed_at``: the costs view of
    the period the order was signed off in shows it), never an edit of the signed-off order. Later, 409.
    The days are the estate's calendar days (``tz``): the sign-off's day and the ``late_return_days`` after it
    (counted as N×24 h from the sign-off, a job signed off at 00:10 had a day less than one at 23:50 the day
    before; found by h5)."""
    late = order["status"] == "completed"
    if late:
        _late_return_open(order, now, late_return_days, tz)
    else:
        _open(order, returning=True)
    qty_milli = _positive(milli(qty, part["unit"], "data.qty"))
    held_milli, held_value = held_by(_reaching(order, movements), order["_id"])
    if qty_milli > held_milli:
        raise BusinessRuleViolation(f"the order holds {shown_qty(held_milli)} {part['unit']} of {part['code']}",
                                    [field_error("data.qty", "is more than was issued to the order")])
    value = _share(held_value, held_milli, qty_milli)
    facts = {"after_sign_off": True, "order_completed_at": order["completed_at"]} if late else {}
    return _moved(part, "return", qty_milli, value, now, actor, work_order_id=order["_id"],
                  work_order_number=order.get("number"), **facts)


def _reaching(order, movements):
    """``movements`` less those still on their way to the order (``TO_REACH``) that reach it too late
    (``reached_too_late``): an issue written after the sign-off's read, or after the cancellation, whose
    step to the order a crash stopped. It was never on the order's cost and the sweep undoes it: given
    back as well, its parts came back to the store twice, a late one credited to the period's costs
    that never bore it (found by r2 reviewing h2)."""
    return [movement for movement in movements
            if not (movement.get(TO_REACH) and reached_too_late(order, movement_of(movement)
                                                                 if "_id" in movement else movement))]


def _late_return_open(order, now, days, tz):
    """409 for a return to an order signed off more than ``days`` calendar days ago on the estate's clock
    ``tz`` (after the end of the ``days``-th day after the sign-off's day), or at all with 0."""
    signed = clock.parse_iso(order["completed_at"])
    if not days:  # it said "within 0 days" (h8)
        raise Conflict(f"the work order was signed off on {calendar.day_of(signed, tz)}: the estate takes no late "
                       "return of parts after a sign-off")
    if now >= calendar.day_end(signed, tz, days=days + 1):  # "within 1 days" (h8): counted
        raise Conflict(f"the work order was signed off on {calendar.day_of(signed, tz)}: a part comes back to the "
                       f"store within {counted(days, 'day')} of its sign-off")


def count(part, counted, now, actor, note=None):
    """盘点: the quantity found; the difference from what the store says is recorded as an adjustment
    (a loss at the part's average cost; a gain at it too, or at the last receipt's unit cost with
    nothing on hand), never an edit of a movement. A count that finds what is recorded records it all
    the same (the part was counted that day)."""
    counted_milli = milli(counted, part["unit"], "data.counted")
    expected = part["on_hand_milli"]
    difference = counted_milli - expected
    if difference <= 0:
        value = -_share(part["value_cents"], expected, -difference) if difference else 0
    else:
        unit = average_cost(part) if expected else _last_unit_cost(part)
        value = to_cents(Decimal(difference) * unit / MILLI)
    return _moved(part, "count", difference, value, now, actor, expected_milli=expected,
                  counted_milli=counted_milli, note=note)


def reached_too_late(order, movement):
    """Whether ``movement`` (an issue or a return, written on the part) reached its order after the
    order closed without it: signed off by a sign-off that read the store before it (not among the
    movements it costed: ``signed_movements``), or cancelled before an issue to it. The order is read
    after the movement's write (``operations._part_moved``): a sign-off that read the store before the
    movement and wrote after it would sign off without it, the store short (found by r8 reviewing h8)."""
    if order["status"] == "completed":
        if movement.get("after_sign_off"):
            return False  # a late return: after the sign-off by rule (``give_back``)
        return movement["id"] not in (order.get("_parts_signed") or ())
    return order["status"] == "cancelled" and movement["kind"] == "issue"


def kept_as_late_return(order, movement):
    """Whether ``movement``, which reached ``order`` too late (``reached_too_late``), is a return after the
    order's sign-off (``give_back``'s late one) rather than undone: a return to a signed-off order. Its parts
    are on the shelf and the order's cost took them: undone, the store said them out (and, issued again
    meanwhile, went below nothing). Whatever the estate's ``part_late_return_days``: the return was asked of
    the order open (the window is of a return asked after the sign-off), and with 0 days it was undone, the
    store below nothing (found by h5)."""
    return order["status"] == "completed" and movement["kind"] == "return"


def signed_movements(movements, order_id):
    """The ids of the issues and returns of the order that its sign-off costs (``order_lines``;
    ``movements``: the order's, documents of any part), kept on the order: a movement written on a
    part after the sign-off's read is not among them."""
    return [movement["_id"] for movement in movements
            if movement.get("work_order_id") == order_id and movement["kind"] in ("issue", "return")]


def undone(part, movement, now, actor, status):
    """The reverse of ``movement`` (its quantity and value back where they came from), for one that
    reached its order too late (``reached_too_late``): the issue refused after all, the part as if it
    never left the store; the order's cost stays as it was signed off."""
    return _moved(part, "return" if movement["kind"] == "issue" else "issue", -movement["qty_milli"],
                  -movement["value_cents"], now, actor, work_order_id=movement["work_order_id"],
                  work_order_number=movement.get("work_order_number"), undoes=movement["id"],
                  note=f"undone: the work order was {status} before it reached it")


def held_by(movements, order_id):
    """``(thousandths, cents)`` of a part issued to the order less what came back (``movements``: the
    part's, documents or as the part's functions make them)."""
    qty = value = 0
    for movement in movements:
        if movement.get("work_order_id") == order_id and movement["kind"] in ("issue", "return"):
            qty -= movement["qty_milli"]
            value -= movement["value_cents"]
    return qty, value


def order_lines(parts, movements, order_id):
    """A work order's material lines from the store (``movements``: the order's, documents of the parts
    ``parts`` names, ``{id: part}``): each part the order holds, by its id, with its quantity, its
    average unit cost and its cost; a part given back whole is no line."""
    lines = []
    for part_id in sorted({movement["part_id"] for movement in movements}):
        qty, value = held_by([movement for movement in movements if movement["part_id"] == part_id], order_id)
        if qty:
            lines.append({"name": parts[part_id]["name"], "qty": shown_qty(qty),
                          "unit_cost_cents": to_cents(Decimal(value) * MILLI / qty), "cost_cents": value,
                          "part_id": part_id})
    return lines


def moved_event_data(part, changes, movement):
    """``part_moved``: a movement of the store (``part`` before it, ``changes`` its effect), for
    archive (kept on the part's archive) and integrators."""
    return {"id": part["_id"], "code": part["code"], "name": part["name"], "unit": part["unit"],
            "movement": shown_movement(movement), "on_hand": shown_qty(changes["on_hand_milli"]),
            "value_cents": changes["value_cents"]}


def corrected_event_data(part, movement, correction):
    """``part_moved`` again, correcting what an earlier one said of ``movement`` (``correction``:
    ``kept_as_late_return``, a return announced to an open order that reached it signed off without it, now
    the cost correction of the order's period): the movement as it now is, the part as it is (the correction
    moves nothing)."""
    return {"id": part["_id"], "code": part["code"], "name": part["name"], "unit": part["unit"],
            "movement": shown_movement(movement), "on_hand": shown_qty(part["on_hand_milli"]),
            "value_cents": part["value_cents"], "correction": correction}


def updated_event_data(part, change):
    """``part_updated``: a part's name or minimum corrected (``edited``: ``change``), for archive (kept on
    the part's archive) and integrators: the part as it is now, what changed (``changes``: what it was,
    what it is)."""
    after = {**part, **change.set}
    changes = {}
    if "name" in change.set:
        changes["name"] = {"from": part["name"], "to": after["name"]}
    if "minimum_milli" in change.set:
        changes["minimum"] = {"from": shown_qty(part["minimum_milli"]), "to": shown_qty(after["minimum_milli"])}
    return {"id": part["_id"], "code": part["code"], "name": after["name"], "unit": part["unit"],
            "minimum": shown_qty(after["minimum_milli"]), "below_minimum": after["below_minimum"],
            "changes": changes, "updated_at": change.set["updated_at"]}


def _below(on_hand_milli, minimum_milli):
    """To be bought: less on hand than the part's minimum (shown, and kept on the part for the list's index)."""
    return on_hand_milli < minimum_milli


def _open(order, returning=False):
    """409 for an order parts are no longer issued to (``CLOSED_ORDER``), or returned from: a cancelled one
    gives back what it holds (``returning``), never worked, its parts on no cost otherwise."""
    if order["status"] == "cancelled" and returning:
        return
    if order["status"] in CLOSED_ORDER:
        raise Conflict(f"the work order is {order['status']}: parts are issued to and returned from an open order")


def _positive(qty_milli):
    if qty_milli <= 0:
        raise BusinessRuleViolation("a quantity is more than 0", [field_error("data.qty", "is 0")])
    return qty_milli


def _last_unit_cost(part):
    """The last receipt's unit cost, kept on the part (``_moved``); an earlier version's part, from its
    array of movements not moved yet."""
    if "last_unit_cost_cents" in part:
        return part["last_unit_cost_cents"]
    receipts = [movement for movement in part.get(PENDING) or [] if movement["kind"] == "receipt"]
    return receipts[-1]["unit_cost_cents"] if receipts else 0
