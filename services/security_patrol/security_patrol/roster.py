"""The duty roster (排班): which guard is on which post (gate, patrol, monitoring room) in
which shift of which day (DOMAIN.md "Shift duty: guard post, patrol post, monitoring room").

A guard holds one post a shift: the assignment's ``_id`` follows from estate, day, shift and
guard, so the same assignment again is a retry and another post for the same guard and shift
is 409. A day that has passed (the estate's local calendar) is not rostered (422). The shifts'
hours are the estate's settings (``rules.SHIFT_HOUR_SETTINGS``, read by ``shift_hours``), the
one definition of the shifts: a handover of a shift not begun is refused, and a patrol plan's
start time lies within its shift's.

Patrols and handovers refer to it: where the roster has assignments for a shift, a round of
a plan is walked by a guard on the patrol post of that day and shift, and a handover is made
by a guard on duty that shift (at the post it names); 422 otherwise. A shift with no roster
checks nothing, so an estate that keeps no roster works as before.

An assignment made by mistake is cancelled, not deleted (``cancel``): it stays listed, with
who cancelled it, when and why, and counts no more for the rounds and handovers of its shift.
It cannot be cancelled once a round or a handover refers to it (409: that shift was worked),
nor for a day that has passed (422; a night shift's day passes once the morning after it has
too: ``shift_over``). A round or handover marks the assignment it refers to
(``worked``, ``worked_at``) before it is recorded, so that a cancel and a round at the same
moment meet on the assignment's revision: one of them wins, the other gets its 409 or 422.
The same guard may be put on a post of that shift again afterwards, any post: assigning a
cancelled guard again (the same natural id) makes the assignment active again (``reassign``).

Plain functions: no broker, no store.
"""
from datetime import date, datetime, time, timedelta

from estate_common import calendar, clock, ids, plausible, roles
from estate_common.text import spaced
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.writes import Change
from estate_common.wording import counted

from . import localtime
from .localtime import MINUTES_A_DAY
from .rules import SHIFT_HOUR_SETTINGS

SHIFTS = tuple(SHIFT_HOUR_SETTINGS)  # day, evening, night: the order of a day's shifts

ACTIVE, CANCELLED = "active", "cancelled"
CLEARED = {"cancelled_at": None, "cancelled_by": None, "cancel_reason": None}


def guard_key(name):
    return spaced(name).lower()


def require_guard(found, field="data.guard"):
    """``found``: what the gateway found of the body's ``guard`` in its accounts (``not_a_guard``:
    no active security guard of this estate is so called; None: not looked up, a 422 as well:
    ``roles.require_looked_up``). The roster took any name, one no account has or a technician's, and a round could be
    walked by it where the shift had no roster (found by review)."""
    require_guards({field: found})


def require_guards(found_by_field):
    """``require_guard`` for several guards at once (a handover's ``from_guard`` and ``to_guard``):
    one 422 naming each field the gateway found no active security guard of the estate for."""
    roles.require_looked_up(found_by_field, "a guard is an active security guard of the estate")
    errors = [field_error(field, "is not an active security guard of this estate")
              for field, found in found_by_field.items() if found == "not_a_guard"]
    if errors:
        raise BusinessRuleViolation("a guard is an active security guard of the estate", errors)


def assignment_id(estate_id, day, shift, guard):
    return ids.natural_id("duty", estate_id, day, shift, guard_key(guard))


def handover_id(estate_id, day, shift, from_guard):
    """A guard hands his shift over once: the handover's id from the shift's day, the shift and the
    guard handing over (as his assignment's, case and spaces aside), so that two sent at once are one
    (the same guard's handover of a shift was recorded as often as it was sent: a probe of the
    security guard's shift and the supervisor's week)."""
    return ids.natural_id("handover", estate_id, day, shift, guard_key(from_guard))


def handed_over(handovers, from_guard):
    """The handover among ``handovers`` (of one day and shift) made by ``from_guard``, or None."""
    return next((h for h in handovers if guard_key(h["from_guard"]) == guard_key(from_guard)), None)


def refuse_a_second_handover(stored):
    """409 for a shift its guard handed over already (``stored``), naming to whom and when."""
    raise Conflict(f"{stored['from_guard']} handed this shift over already, to {stored['to_guard']} at "
                   f"{stored['handed_over_at']}", [field_error("data.from_guard", "has handed this shift over already")])


def shift_hours(shift, rules):
    """``(start, end)``: the ``shift``'s earliest start and latest end in the estate (its settings,
    ``rules.SHIFT_HOUR_SETTINGS``), as hours from midnight of the shift's day on the wall clock; a
    night's end past 24 is the next morning's (32: 08:00). An estate whose night starts at 17:00
    had its night plans from 17:00 refused by one fixed table."""
    start, end = SHIFT_HOUR_SETTINGS[shift]
    return rules[start], rules[end]


def shift_over(day_text, shift, today):
    """Whether the ``shift`` of the day ``day_text`` is over by the local day ``today``: a night
    shift runs into the next morning, so it is over only once the day after it has passed too.
    A night's roster could not be corrected after midnight, so a guard replacing the rostered
    one could not record the rest of the night's rounds (found by a domain probe)."""
    day = date.fromisoformat(calendar.checked_day_text(day_text, "data.date"))
    last = day + timedelta(days=1) if shift == "night" else day
    return last < today


def shift_begins(day_text, shift, rules):
    """The local wall-clock moment (naive) the ``shift`` of the day ``day_text`` begins at the
    earliest (``shift_hours``)."""
    return datetime.combine(date.fromisoformat(day_text), time(shift_hours(shift, rules)[0]))


def shift_begins_at(day_text, shift, rules):
    """The UTC moment the ``shift`` of the day ``day_text`` begins at the earliest (``shift_hours``)."""
    return localtime.at_local(date.fromisoformat(day_text), f"{shift_hours(shift, rules)[0]:02d}:00", rules)


def shift_ends_at(day_text, shift, rules):
    """The UTC moment the ``shift`` of the day ``day_text`` ends at the latest (``shift_hours``: a
    night's end past 24 is the next morning's)."""
    end = shift_hours(shift, rules)[1]
    return localtime.at_local(date.fromisoformat(day_text) + timedelta(days=end // 24), f"{end % 24:02d}:00", rules)


POSTS = ("gate", "patrol", "monitoring_room")  # the roster's posts (GuardPost), in the list's order


def missed_handovers(assignments, handovers, now, rules):
    """The posts the roster has an active assignment at in a shift (``assignments``: of the days
    asked) that is over by ``now`` (``shift_ends_at``) with no handover of their day, shift and post
    in the log (``handovers``; one from before handovers kept their shift's day, for the shift it
    was handed over in: ``shift_day``), by day, shift and post, each ``{date, shift, post,
    ended_at, guards}`` (the guards on duty at the post, each's assignment). A handover is at the
    post it names, or at its guard's post on the roster (``roster_id``); one telling neither (made
    where the shift had no roster yet) counts for every post of its shift (``handed_at``). One
    handover from any post took the whole shift off the list, the others handed over to nobody
    (the session 47 note). The supervisor could not list them (the session 46 note)."""
    posts_of = {assignment["_id"]: assignment["post"] for assignment in assignments}
    handed = {handed_at(handover, posts_of, rules) for handover in handovers}
    on_duty = {}
    for assignment in assignments:
        if status(assignment) == ACTIVE:
            on_duty.setdefault((assignment["date"], assignment["shift"], assignment["post"]), []).append(assignment)
    items = []
    for (day, shift, post), assigned in sorted(on_duty.items(), key=lambda item: (
            item[0][0], SHIFTS.index(item[0][1]), post_order(item[0][2]))):
        ended = shift_ends_at(day, shift, rules)
        if ended <= now and (day, shift, post) not in handed and (day, shift, None) not in handed:
            items.append({"date": day, "shift": shift, "post": post, "ended_at": clock.to_iso(ended), "guards": [
                {"assignment_id": a["_id"], "guard": a["guard"], "post": a["post"]}
                for a in sorted(assigned, key=lambda a: (a["guard_key"], a["_id"]))]})
    return items


def post_order(post):
    """Where a post's row stands among a shift's (``POSTS``; one the contract does not name, last)."""
    return (POSTS.index(post), "") if post in POSTS else (len(POSTS), str(post))


def handed_at(handover, posts_of, rules):
    """``(day, shift, post)`` a handover is the log's entry of: its shift's day (``shift_day`` for
    one from before handovers kept it), its shift, and the post it names or its guard's on the
    roster (``posts_of``: the assignments' posts by id); ``post`` None when it tells neither."""
    day = handover.get("date") or shift_day(handover["shift"], localtime.local(
        clock.parse_iso(handover["handed_over_at"]), rules), rules)
    return day, handover["shift"], handover.get("post") or posts_of.get(handover.get("roster_id"))


def shift_day(shift, local_now, rules):
    """The day of the ``shift`` that began most recently at ``local_now`` (the estate's wall clock),
    never one still to come: at 13:16 a night shift with no date is last night's (tonight's was
    filed, and its handover then kept the roster from being corrected: found by a probe)."""
    today = local_now.date()
    if local_now.replace(tzinfo=None) < shift_begins(today.isoformat(), shift, rules):
        return (today - timedelta(days=1)).isoformat()
    return today.isoformat()


def shifts_under_way(local_now, rules):
    """``[(shift, day)]``: each shift under way at ``local_now`` on the estate's clock, begun
    (``shift_day``) and not past its latest end (``shift_hours``); the estate's shifts overlap
    (an evening and a night at 21:55 by default). What a round walked outside a plan's slot is
    checked against (``operations._start_round``)."""
    now = local_now.replace(tzinfo=None)
    under_way = []
    for shift in SHIFT_HOUR_SETTINGS:
        day = shift_day(shift, now, rules)
        if now < datetime.combine(date.fromisoformat(day), time()) + timedelta(hours=shift_hours(shift, rules)[1]):
            under_way.append((shift, day))
    return under_way


def refuse_a_shift_not_begun(day_text, shift, local_now, rules):
    """422 (``data.date``) for a handover of a shift that has not begun on the estate's clock.
    A handover is written at the end of the shift it hands over; the shift's end varies with the
    estate's own hours (and a guard may hand over early when relieved), so the line drawn is its
    start (the estate's, ``shift_hours``): before it, nobody has worked the shift, and a handover
    then marked its roster entry worked, so the roster could no longer be corrected (found by a
    probe: a night's handover written at 13:16 the day before it)."""
    if local_now.replace(tzinfo=None) < shift_begins(day_text, shift, rules):
        begins = f"{shift_hours(shift, rules)[0]:02d}:00"
        raise BusinessRuleViolation("a shift is handed over once it has begun",
                                    [field_error("data.date", f"its {shift} shift has not begun: it begins at "
                                                              f"{begins} on the estate's clock")])


def shift_minute(shift, hh_mm, rules):
    """The wall-clock time ``hh_mm`` ("02:00") as minutes from midnight of the ``shift``'s day, as
    ``shift_hours`` counts: a night's small hours are of the next morning (02:00 is 1560)."""
    at = localtime.minute_of_day(hh_mm)
    last = shift_hours(shift, rules)[1] * 60
    return at + MINUTES_A_DAY if last > MINUTES_A_DAY and at < last - MINUTES_A_DAY else at


def in_shift(shift, minute, rules):
    """Whether a patrol plan's round starting at ``minute`` from midnight of the ``shift``'s day
    (``shift_minute``; a later round's may pass the next midnight) lies within the ``shift``'s
    hours in the estate (``shift_hours``): the one rule for a plan's rounds, the refusals at its
    making and a stored plan's flags alike (``patrols.rounds_outside_the_shift``)."""
    first, last = (hour * 60 for hour in shift_hours(shift, rules))
    return first <= minute < last


def starts_in_shift(shift, hh_mm, rules):
    """Whether a patrol plan's round starting at ``hh_mm`` ("22:00") on the wall clock lies within
    the ``shift``'s hours in the estate (``in_shift``, ``shift_minute``)."""
    return in_shift(shift, shift_minute(shift, hh_mm, rules), rules)



def _not_passed(day_text, shift, today):
    if shift_over(day_text, shift, today):
        raise BusinessRuleViolation("a day that has passed is not rostered",
                                    [field_error("data.date", "has passed")])


def status(assignment):
    return assignment.get("status", ACTIVE)  # assignments stored before cancelling existed are active


def shown(assignment):
    """As the API shows it: an assignment stored before cancelling existed is active."""
    return {"status": ACTIVE, **CLEARED, "worked_at": None, **assignment}


def status_filter(filters):
    """The list's ``status`` filter as a query: ``active`` matches the assignments stored before
    cancelling existed too."""
    if filters.get("status") == ACTIVE:
        return {**filters, "status": {"$ne": CANCELLED}}
    return filters


def new_assignment(estate_id, data, today, now, actor, days_ahead=62):
    """A guard on a post in a shift of a day not passed, at most ``days_ahead`` days on (the
    estate's ``roster_days_ahead``; one for 2030-01-01 was taken: a probe)."""
    _not_passed(data["date"], data["shift"], today)
    plausible.ahead(data["date"], today, days_ahead, "data.date",
                    f"a duty roster is made at most {counted(days_ahead, 'day')} ahead")
    stamp = clock.to_iso(now)
    return {
        "_id": assignment_id(estate_id, data["date"], data["shift"], data["guard"]),
        "estate_id": estate_id,
        "date": data["date"],
        "shift": data["shift"],
        "post": data["post"],
        "guard": spaced(data["guard"]),
        "guard_key": guard_key(data["guard"]),
        "status": ACTIVE,
        **CLEARED,
        "worked_at": None,
        "created_at": stamp,
        "created_by": actor,
    }


def same_or_conflict(stored, data):
    """The same assignment again is a retry (the stored one); another post that shift is 409.
    (A cancelled one is put back: ``reassign``.)"""
    if stored["post"] != data["post"]:
        raise Conflict(f"{stored['guard']} is on the {stored['post']} post in that shift already",
                       [field_error("data.guard", "holds another post in this shift")])
    return stored


def reassign(stored, data, today, now, actor):
    """The guard put on a post of a shift whose assignment was cancelled: active again, at the
    post asked for (a Change); None when it is active already at that post (a retry); 409 when
    it is active at another post (another caller put the guard back first)."""
    if status(stored) != CANCELLED:
        same_or_conflict(stored, data)
        return None
    _not_passed(stored["date"], stored["shift"], today)
    return Change({"status": ACTIVE, "post": data["post"], "guard": spaced(data["guard"]),
                   **CLEARED, "reassigned_at": clock.to_iso(now), "reassigned_by": actor})


def cancel(stored, reason, today, now, actor, worked):
    """Cancel an assignment (a Change), or None when it is cancelled already (a retry). 409 when
    a round, a handover or a roll call refers to it (``worked()``: which of them holds it, its name
    said in the refusal) or marked it (``worked_at``: one still being written)."""
    if status(stored) == CANCELLED:
        return None
    if shift_over(stored["date"], stored["shift"], today):
        raise BusinessRuleViolation("the assignment of a day that has passed stays as it was",
                                    [field_error("id", "is the assignment of a day that has passed")])
    holder = worked()
    if holder == "roll_call":  # it said only "a patrol round or a shift handover" (h3's task)
        raise Conflict("the shift's roll call called this guard: that shift was worked as rostered")
    if holder == "patrol_round":
        raise Conflict("a patrol round refers to this assignment: that shift was worked as rostered")
    if holder == "shift_handover":
        raise Conflict("a shift handover refers to this assignment: that shift was worked as rostered")
    if holder or stored.get("worked_at"):  # marked by a round, handover or roll call (one being written)
        raise Conflict("a patrol round, a shift handover or a roll call refers to this assignment: that shift "
                       "was worked as rostered")
    return Change({"status": CANCELLED, "cancelled_at": clock.to_iso(now), "cancelled_by": actor,
                   "cancel_reason": spaced(reason) or None})


def worked(stored, now, field):
    """The mark a round or handover puts on its assignment before it is recorded (a Change), or
    None when it is marked already; 422 when it was cancelled since the roster was read."""
    if status(stored) == CANCELLED:
        raise BusinessRuleViolation("the duty roster's assignment of this guard was cancelled meanwhile",
                                    [field_error(field, "is not on duty in the duty roster for this shift")])
    return None if stored.get("worked_at") else Change({"worked_at": clock.to_iso(now)})


def rostered(assignments, guard, post, field):
    """The id of ``guard``'s assignment in a shift (at ``post`` when given); None when the shift
    has no roster (or only cancelled assignments); 422 when it has one and the guard is not on it."""
    assignments = [a for a in assignments if status(a) == ACTIVE]
    if not assignments:
        return None
    key = guard_key(guard)
    match = next((a for a in assignments if a["guard_key"] == key and post in (None, a["post"])), None)
    if match is None:
        where = f"the {post} post" if post else "duty"
        raise BusinessRuleViolation(f"the duty roster does not put this guard on {where} in this shift",
                                    [field_error(field, f"is not on {where} in the duty roster for this shift")])
    return match["_id"]
