"""The duty roster (排班): which guard is on which post (gate, patrol, monitoring room) in
which shift of which day (DOMAIN.md "Shift duty: guard post, patrol post, monitoring room").

A guard holds one post a shift: the assignment's ``_id`` follows from estate, day, shift and
guard, so the same assignment again is a retry and another post for the same guard and shift
is 409. A day that has passed (the estate's local calendar) is not rostered (422).

Patrols and handovers refer to it: where the roster has assignments for a shift, a round of
a plan is walked by a guard on the patrol post of that day and shift, and a handover is made
by a guard on duty that shift (at the post it names); 422 otherwise. A shift with no roster
checks nothing, so an estate that keeps no roster works as before.

Plain functions: no broker, no store.
"""
from datetime import date

from estate_common import clock, ids
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, field_error


def guard_key(name):
    return " ".join(name.split()).lower()


def assignment_id(estate_id, day, shift, guard):
    return ids.natural_id("duty", estate_id, day, shift, guard_key(guard))


def day(text, field):
    """A calendar day the pattern lets through but the calendar has not (2026-02-30) is 400."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidInput("not a day of the calendar", [field_error(field, "is not a day of the calendar")]) from None


def new_assignment(estate_id, data, today, now, actor):
    if day(data["date"], "data.date") < today.isoformat():
        raise BusinessRuleViolation("a day that has passed is not rostered",
                                    [field_error("data.date", "has passed")])
    stamp = clock.to_iso(now)
    return {
        "_id": assignment_id(estate_id, data["date"], data["shift"], data["guard"]),
        "estate_id": estate_id,
        "date": data["date"],
        "shift": data["shift"],
        "post": data["post"],
        "guard": " ".join(data["guard"].split()),
        "guard_key": guard_key(data["guard"]),
        "created_at": stamp,
        "created_by": actor,
    }


def same_or_conflict(stored, data):
    """The same assignment again is a retry (the stored one); another post that shift is 409."""
    if stored["post"] != data["post"]:
        raise Conflict(f"{stored['guard']} is on the {stored['post']} post in that shift already",
                       [field_error("data.guard", "holds another post in this shift")])
    return stored


def rostered(assignments, guard, post, field):
    """The id of ``guard``'s assignment in a shift (at ``post`` when given); None when the shift
    has no roster; 422 when it has one and the guard is not on it."""
    if not assignments:
        return None
    key = guard_key(guard)
    match = next((a for a in assignments if a["guard_key"] == key and post in (None, a["post"])), None)
    if match is None:
        where = f"the {post} post" if post else "duty"
        raise BusinessRuleViolation(f"the duty roster does not put this guard on {where} in this shift",
                                    [field_error(field, f"is not on {where} in the duty roster for this shift")])
    return match["_id"]
