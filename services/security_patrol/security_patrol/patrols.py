"""Patrols (巡逻): routes of checkpoints, plans by shift, rounds and their check-ins.

A round is due at a plan's slot (its start time, and every ``interval_minutes``
after it for ``rounds`` rounds a shift); each checkpoint is due at the slot
plus its ``offset_minutes`` (or, without one, the plan's ``expected_minutes``
spread evenly over the route). A check-in later than that by more than the
estate's tolerance is late; a checkpoint without a check-in when the round is
finished is missed. An anomaly found at a check-in is passed on to maintenance
(``anomaly_reported``), once: its id follows from round, checkpoint and the
check-in's number at that checkpoint.

Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import calendar, clock, ids, transitions
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.text import typed_code
from estate_common.wording import counted

from . import localtime, roster
from .localtime import MINUTES_A_DAY
from .rules import NIGHT_HANDOVER_BEFORE_HOUR

# status -> {action: next status}; an action not listed is refused (409).
TRANSITIONS = {
    "open": {"check_in": "open", "finish": "finished"},
    "finished": {},
}


def checkpoint_code(text):
    """A checkpoint's code as it is kept and compared: ``Ｅ１`` typed full-width is ``E1``, and
    ``e1`` is ``E1`` (NFKC and upper case, as plates are: ``estate_common.plates.plate_key``), as a fire
    facility's is (``estate_common.text.typed_code``)."""
    return typed_code(text)


def new_route(route_id, estate_id, data, now, actor):
    checkpoints, seen, errors = [], set(), []
    for index, given in enumerate(data["checkpoints"]):
        code = checkpoint_code(given["code"])
        if code in seen:
            errors.append(field_error(f"data.checkpoints[{index}].code", "appears twice on the route"))
        seen.add(code)
        checkpoint = {"code": code, "name": given["name"].strip()}
        if given.get("offset_minutes") is not None:
            checkpoint["offset_minutes"] = given["offset_minutes"]
        checkpoints.append(checkpoint)
    if errors:
        raise BusinessRuleViolation("checkpoint codes must be unique on a route", errors)
    stamp = clock.to_iso(now)
    return {
        "_id": route_id,
        "estate_id": estate_id,
        "name": data["name"].strip(),
        "checkpoints": checkpoints,
        "created_at": stamp,
        "created_by": actor,
    }


def new_plan(plan_id, estate_id, route, data, now, actor, rules):
    """A plan of the route's rounds for a shift; its start time within the shift's hours in the
    estate (``rules``: its settings)."""
    rounds = data.get("rounds", 1)
    interval = data.get("interval_minutes")
    if rounds > 1 and not interval:
        raise BusinessRuleViolation("more than one round a shift needs the interval between rounds",
                                    [field_error("data.interval_minutes", "is required when rounds > 1")])
    if interval and (rounds - 1) * interval >= MINUTES_A_DAY:
        raise BusinessRuleViolation("a plan's rounds must start within one day",
                                    [field_error("data.interval_minutes", "rounds x interval exceeds a day")])
    refuse_timings_that_cannot_hold(route, rounds, interval, data["expected_minutes"])
    refuse_a_start_outside_the_shift(data["shift"], data["start_time"], rules)
    refuse_rounds_after_the_shift(data["shift"], data["start_time"], rounds, interval, rules)
    stamp = clock.to_iso(now)
    return {
        "_id": plan_id,
        "estate_id": estate_id,
        "route_id": route["_id"],
        "shift": data["shift"],
        "start_time": data["start_time"],
        "expected_minutes": data["expected_minutes"],
        "interval_minutes": interval,
        "rounds": rounds,
        "created_at": stamp,
        "created_by": actor,
    }


def refuse_timings_that_cannot_hold(route, rounds, interval, expected):
    """422 for a plan whose times cannot be kept: a checkpoint of its route due after the round is
    expected to end (an offset of 1440 minutes on an hour's round was never late, and patrol
    completion read too high), or a round starting before the one before it is expected to end,
    that day's or, for the day's last, the next day's first (five rounds a minute apart on an
    hour's walk were accepted; found by a probe). Routes are never changed, so a plan's
    checkpoints stay as they were checked here."""
    latest = max(route["checkpoints"], key=lambda checkpoint: checkpoint.get("offset_minutes", 0))
    if latest.get("offset_minutes", 0) > expected:
        raise BusinessRuleViolation(
            "a checkpoint of the route falls due after the round is expected to end",
            [field_error("data.expected_minutes", f"is less than checkpoint {latest['code']}'s offset "
                                                  f"({counted(latest['offset_minutes'], 'minute')})")])
    if rounds > 1 and interval < expected:
        raise BusinessRuleViolation("a round may not start before the one before it is expected to end",
                                    [field_error("data.interval_minutes",
                                                 f"is less than a round's expected minutes ({expected})")])
    if (rounds - 1) * (interval or 0) + expected > MINUTES_A_DAY:
        raise BusinessRuleViolation("the day's last round would end after the next day's first round starts",
                                    [field_error("data.expected_minutes",
                                                 "the rounds from the first's start to the last's end exceed a day")])


def refuse_a_start_outside_the_shift(shift, start_time, rules):
    """422 (``data.start_time``) for a plan whose first round starts outside its shift's hours in
    the estate (``roster.shift_hours``, as the roster and handovers read them): a night plan at
    09:00 had its round moved to the next morning and matched to the night before's roster (a
    probe)."""
    if not roster.starts_in_shift(shift, start_time, rules):
        first, last = roster.shift_hours(shift, rules)
        raise BusinessRuleViolation("a plan's rounds start within its shift's hours",
                                    [field_error("data.start_time", f"is outside the {shift} shift's hours, "
                                                                    f"{first:02d}:00 to {last % 24:02d}:00")])


def refuse_rounds_after_the_shift(shift, start_time, rounds, interval, rules):
    """422 (``data.rounds``) for a plan whose last round starts once its shift's hours are over
    (``rounds_outside_the_shift``; the first's start is ``refuse_a_start_outside_the_shift``'s,
    checked before, so any round outside is past the shift's end and the last is): a round is the
    roster's of its plan's shift, so an evening plan from 22:00 of four hourly rounds had its 00:00
    and 01:00 rounds walked by the evening's guard, gone home, and the night guard walking them was
    refused (a probe of the security department's night)."""
    outside = rounds_outside_the_shift(shift, start_time, rounds, interval, rules)
    if outside:
        last_round, end = outside[-1], roster.shift_hours(shift, rules)[1]
        at, ends = f"{last_round // 60 % 24:02d}:{last_round % 60:02d}", f"{end % 24:02d}:00"
        raise BusinessRuleViolation("a plan's rounds start within its shift's hours", [field_error(
            "data.rounds", f"its last round would start at {at}, after the {shift} shift's hours end at {ends}")])


def rounds_outside_the_shift(shift, start_time, rounds, interval, rules):
    """The starts of a plan's rounds, the first's included, that lie outside its shift's hours in
    the estate (``roster.in_shift``), in order, as minutes from midnight of the shift's day
    (``roster.shift_minute``; a night's 02:00 is 1560, an evening's rounds past midnight over
    1440): what a plan's making refuses and a stored plan's answer flags (``shown_plan``)."""
    first = roster.shift_minute(shift, start_time, rules)
    starts = (first + k * (interval or 0) for k in range(rounds))
    return [at for at in starts if not roster.in_shift(shift, at, rules)]


def shown_plan(plan, rules):
    """A plan as the API shows it, with ``start_outside_shift``: its first round starts outside its
    shift's hours as the estate sets them now (``roster.starts_in_shift``), and
    ``rounds_outside_shift``: any of its rounds does, the first's included
    (``rounds_outside_the_shift``, the rule its making refuses by). A plan stored before start
    times, or its later rounds, were checked (a night plan at 09:00; an evening one from 22:00 of
    four hourly rounds), or before the estate changed its hours, is read and walked as stored;
    nothing flagged it (the later rounds' start_outside_shift never did, as its contract says
    start_time only), so the page warns of it now and the plan may be stopped and made again."""
    outside = rounds_outside_the_shift(plan["shift"], plan["start_time"], plan.get("rounds", 1),
                                       plan.get("interval_minutes"), rules)
    return plan | {"start_outside_shift": not roster.starts_in_shift(plan["shift"], plan["start_time"], rules),
                   "rounds_outside_shift": bool(outside)}


def round_minutes(plan):
    """The minutes of the day at which the plan's rounds start (its slots on the wall clock)."""
    first, interval = localtime.minute_of_day(plan["start_time"]), plan.get("interval_minutes") or 0
    return {(first + k * interval) % MINUTES_A_DAY for k in range(plan.get("rounds", 1))}


def refuse_a_second_round_at_the_same_time(new, active_plans):
    """A plan of the route starting a round at the minute another plan of it (not stopped) starts
    one is a plan made twice (409): the same plan sent twice invented a missed round every day
    and halved patrol completion (a probe). Plans of one route at other times are fine (a day and
    a night plan; hourly rounds beside half-hourly ones). Two sent at once both read no such plan:
    the minutes' claims decide between them (``round_claim_id``, ``refuse_a_round_held``)."""
    wanted = round_minutes(new)
    for plan in active_plans:
        shared = sorted(wanted & round_minutes(plan))
        if shared:
            refuse_a_round_held(plan, shared[0])


def round_claim_id(estate_id, route_id, minute):
    """What one plan of the route at most holds: a round starting at ``minute`` of the day. Its
    claim (``store.claim_round_minutes``) is inserted before the plan: two plans sent at once
    each read the other's absence, and both were kept (found by review)."""
    return ids.natural_id("proundmin", estate_id, route_id, minute)


def refuse_a_round_held(plan, minute):
    """409: the route's ``plan`` starts a round at ``minute`` of the day already, named by its
    shift and first round (None: one made at the same moment, not written yet), not by its
    internal id, which a person cannot look up on the page (a probe)."""
    at = f"{minute // 60:02d}:{minute % 60:02d}"
    if plan is None:
        raise Conflict(f"another plan of the route starts a round at {at} already: stop it first to replace it",
                       [field_error("data.start_time", f"a round of another plan starts at {at}")])
    raise Conflict(f"the route's {plan['shift']} plan from {plan['start_time']} starts a round at {at} already: "
                   "stop it first to replace it",
                   [field_error("data.start_time", f"a round of another plan starts at {at}")])


def plan_of_route(plan, route):
    if plan["route_id"] != route["_id"]:
        raise BusinessRuleViolation("the plan is for another route",
                                    [field_error("data.plan_id", "is a plan of another route")])
    return plan


def plan_slots(plan, day, rules):
    """The UTC start times of a plan's rounds of the local ``day`` (the shift's day on the roster);
    a stopped plan has none from the moment it was stopped (nothing is due, counted or matched to
    it after that). A night plan that starts in the small hours (before
    ``rules.NIGHT_HANDOVER_BEFORE_HOUR``) walks them on the morning after its day, as the night's
    handover is made then: its 02:00 round of the 23rd's night was the 24th's, so the guard of the
    23rd's night was refused and the next night's guard taken (found by a probe)."""
    if plan["shift"] == "night" and int(plan["start_time"][:2]) < NIGHT_HANDOVER_BEFORE_HOUR:
        day = day + timedelta(days=1)
    # on the wall clock, as the guards' schedule: the night the clocks go back, the hourly rounds
    # from 22:00 were 22:00 ... 02:00 and 02:00 again, and the 03:00 round an hour late (a probe)
    slots = calendar.wall_clock_series(day, plan["start_time"], timedelta(minutes=plan["interval_minutes"] or 0),
                                       plan["rounds"], rules["timezone"])
    if plan.get("stopped_at"):
        stopped = clock.parse_iso(plan["stopped_at"])
        slots = [slot for slot in slots if slot < stopped]
    return slots


def stop_plan(plan, reason, now, actor):
    """A plan made by mistake, or one the estate no longer walks: its slots end now (409 when it
    is stopped already). A plan could not be stopped, so a wrong one counted as missed in the
    patrol completion KPI every day for good (found by a domain probe); replace one by stopping
    it and making another."""
    if plan.get("stopped_at"):
        raise Conflict("the plan is stopped already", [field_error("id", "is stopped")])  # as maintenance's
    return {"stopped_at": clock.to_iso(now), "stopped_by": actor, "stop_reason": reason.strip()}


def window_slots(plans, now, rules):
    """``[(plan, slot, day)]``: the slots of ``plans`` whose window holds ``now``, nearest first
    (``day``: the plan's local day that slot is of, the shift's day on the roster: a night
    shift's 01:00 round is the day before's, found by review). A slot's window runs from the
    estate's late tolerance before it to the end of its expected walk and the tolerance (a night
    shift crosses midnight, so the day before and after count too). (Any slot within a day was
    taken before: a round walked at noon counted on time for the 22:00 slot, which nobody then
    walked.) A slot before the plan was made is none of its slots, as for patrol completion
    (``kpis.counted_slots``) and ``latest_slot``: a round walked for it counted nowhere (found by
    a probe)."""
    today = localtime.local_date(now, rules)
    tolerance = timedelta(minutes=rules["patrol_late_tolerance_minutes"])
    candidates = [(abs((slot - now).total_seconds()), slot, plan["_id"], plan, day)
                  for plan in plans
                  # two days back: a night plan of the small hours walks the morning after its day,
                  # and one starting late in the morning runs past the second midnight (a review)
                  for day in (today - timedelta(days=2), today - timedelta(days=1), today, today + timedelta(days=1))
                  for slot in plan_slots(plan, day, rules)
                  if slot - tolerance <= now <= slot + over_after(plan, rules)
                  and slot >= clock.parse_iso(plan["created_at"])]
    return [(plan, slot, day) for _, slot, _, plan, day in sorted(candidates, key=lambda c: c[:3])]


def nearest_slot(plans, now, rules, taken=frozenset()):
    """``(plan, slot, day)`` of the slot a round started at ``now`` walks: the nearest of
    ``window_slots`` that no round walks yet (``first_free``)."""
    return first_free(window_slots(plans, now, rules), taken)


def first_free(window, taken):
    """The first ``(plan, slot, day)`` of ``window`` (``window_slots``) that no round walks yet
    (``taken``: their ``slot_key``s, ``walked``); ``(None, None, None)`` when there is none: an
    unplanned round, due from when it starts. A slot has one round: a second guard on the route
    walked the same slot, both rounds were open at once and nothing closed either (found by a
    probe)."""
    return next(((plan, slot, day) for plan, slot, day in window
                 if slot_key(plan["_id"], clock.to_iso(slot)) not in taken), (None, None, None))


def slot_key(plan_id, scheduled_start):
    """What makes a plan's slot one: the plan and when the slot starts (its rounds'
    ``scheduled_start``), the key of the store's one-round-per-slot index."""
    return f"{plan_id}@{scheduled_start}"


def walked(rounds):
    """The ``slot_key``s of the plan slots ``rounds`` walk (rounds from before the key was kept
    included)."""
    return {slot_key(round_["plan_id"], round_["scheduled_start"]) for round_ in rounds if round_.get("plan_id")}


def over_after(plan, rules):
    """How long after its start a plan's slot is over: its expected walk and the late tolerance
    (patrol completion counts it then, the missed rounds list it, a round may still take it)."""
    return timedelta(minutes=plan["expected_minutes"] + rules["patrol_late_tolerance_minutes"])


def latest_slot(plan, now, rules):
    """``(slot, day)``: the plan's slot that began last before ``now``, in the past day and not
    before the plan was made, and the plan day it is of; ``(None, None)`` without one. A guard
    who names the plan after its window walks that round late, and the round says so (it was
    refused, and walked without the plan its checkpoints had no due time, so nothing showed the
    late walk)."""
    today, created = localtime.local_date(now, rules), clock.parse_iso(plan["created_at"])
    began = [(slot, day) for day in (today - timedelta(days=2), today - timedelta(days=1), today)
             for slot in plan_slots(plan, day, rules) if max(now - timedelta(days=1), created) <= slot <= now]
    return max(began, key=lambda sd: sd[0]) if began else (None, None)


def due_offsets(route, plan):
    """Minutes after the round's scheduled start at which each checkpoint is due (None: no due time)."""
    count = len(route["checkpoints"])
    offsets = []
    for index, checkpoint in enumerate(route["checkpoints"]):
        if "offset_minutes" in checkpoint:
            offsets.append(checkpoint["offset_minutes"])
        elif plan is not None:
            offsets.append(plan["expected_minutes"] * (index + 1) // count)
        else:
            offsets.append(None)
    return offsets


def new_round(round_id, estate_id, route, plan, slot, guard, now, actor):
    """A round of ``route`` walked by ``guard``; with a plan it is due at ``slot``, without one
    it is due from when it starts."""
    scheduled = slot if plan is not None else now
    checkpoints = [
        {"code": cp["code"], "name": cp["name"],
         "due_at": clock.to_iso(scheduled + timedelta(minutes=offset)) if offset is not None else None}
        for cp, offset in zip(route["checkpoints"], due_offsets(route, plan))
    ]
    stamp = clock.to_iso(now)
    # a planned round holds its slot (the store's unique index: a second round of it is refused)
    holds = {"_slot": slot_key(plan["_id"], clock.to_iso(slot))} if plan is not None else {}
    return holds | {"_due_unchecked": due_unchecked(checkpoints, [])} | {
        "_id": round_id,
        "estate_id": estate_id,
        "route_id": route["_id"],
        "route_name": route["name"],
        "plan_id": plan["_id"] if plan else None,
        "shift": plan["shift"] if plan else None,
        "scheduled_start": clock.to_iso(scheduled),
        "guard": guard.strip(),
        "status": "open",
        "checkpoints": checkpoints,
        "check_ins": [],
        "missed": None,
        "summary": None,
        "started_at": stamp,
        "finished_at": None,
        "created_at": stamp,
        "updated_at": stamp,
        "created_by": actor,
    }


def require(round_, action):
    return transitions.next_status(TRANSITIONS, round_["status"], action, "a round")


def anomaly_id(estate_id, round_id, code, sequence):
    """One anomaly per (round, checkpoint, n-th check-in there): a redelivery cannot make two."""
    return ids.natural_id("anom", estate_id, round_id, code, sequence)


def check_in(round_, check_in_id, given_code, anomaly, now, actor, rules, no_work_order=None):
    """The check-in entry for ``round_`` and the anomaly it reports (or None); ``no_work_order``:
    why the anomaly opens none (``replica.no_work_order``), kept on it."""
    require(round_, "check_in")
    code = checkpoint_code(given_code)
    checkpoint = next((cp for cp in round_["checkpoints"] if cp["code"] == code), None)
    if checkpoint is None:
        raise BusinessRuleViolation(f"checkpoint {code} is not on this round's route",
                                    [field_error("data.checkpoint", "is not a checkpoint of this route")])
    sequence = 1 + sum(1 for entry in round_["check_ins"] if entry["checkpoint"]["code"] == code)
    due = checkpoint["due_at"]
    late = past_due(due, now, rules)
    stamp = clock.to_iso(now)
    reported = None
    if anomaly is not None:
        reported = {
            "id": anomaly_id(round_["estate_id"], round_["_id"], code, sequence),
            "description": anomaly["description"].strip(),
            "emergency": bool(anomaly.get("emergency", False)),
        } | ({"no_work_order": no_work_order} if no_work_order else {})
    entry = {
        "id": check_in_id,
        "checkpoint": {"code": code, "name": checkpoint["name"]},
        "sequence": sequence,
        "at": stamp,
        "by": actor,
        "due_at": due,
        "late": late,
        "anomaly": reported,
    }
    return entry, reported


def tolerance(rules):
    """How long past its due time a checkpoint is still checked on time, in the estate."""
    return timedelta(minutes=rules["patrol_late_tolerance_minutes"])


def past_due(due_at, now, rules):
    """Whether a checkpoint due at ``due_at`` (None: no due time) is past it and the estate's
    tolerance at ``now``: a check-in then is late, and one not checked in yet is overdue."""
    return due_at is not None and now > clock.parse_iso(due_at) + tolerance(rules)


def due_unchecked(checkpoints, check_ins):
    """When the first checkpoint not checked in yet is due (None: none with a due time is left):
    the round keeps it (``_due_unchecked``) for the list of the rounds with an exception, which
    takes an open round once it is ``past_due`` (a checkpoint overdue: ``so_far``)."""
    checked = {entry["checkpoint"]["code"] for entry in check_ins}
    return min((checkpoint["due_at"] for checkpoint in checkpoints
                if checkpoint["code"] not in checked and checkpoint["due_at"] is not None), default=None)


def find_check_in(round_, check_in_id):
    """The check-in with this id (a retry of a check-in that went through), or None."""
    return next((entry for entry in round_["check_ins"] if entry["id"] == check_in_id), None)


def anomaly_event_data(round_, entry):
    return {
        "id": entry["anomaly"]["id"],
        "round_id": round_["_id"],
        "checkpoint": entry["checkpoint"],
        "description": entry["anomaly"]["description"],
        "reported_at": entry["at"],
        "emergency": entry["anomaly"]["emergency"],
    } | {key: entry["anomaly"][key] for key in ("no_work_order",) if key in entry["anomaly"]}


def summary(round_):
    """Counts of a round: planned checkpoints, checked, checked on time (first check-in not late),
    late, missed, anomalies; and the missed checkpoints."""
    first = {}
    for entry in round_["check_ins"]:
        first.setdefault(entry["checkpoint"]["code"], entry)
    missed = [{"code": cp["code"], "name": cp["name"]} for cp in round_["checkpoints"] if cp["code"] not in first]
    late = sum(1 for entry in first.values() if entry["late"])
    counts = {
        "planned": len(round_["checkpoints"]),
        "checked": len(first),
        "on_time": len(first) - late,
        "late": late,
        "missed": len(missed),
        "anomalies": sum(1 for entry in round_["check_ins"] if entry["anomaly"]),
    }
    return counts, missed


def so_far(round_, now, rules):
    """An open round's counts at ``now`` by ``summary``'s rule, and ``overdue``: its checkpoints
    not checked in and ``past_due``, late or missed whatever the guard does now (a finished
    round: None, its summary counts). The console kept a copy of the rule for the rounds' rows
    and could not tell those (the session 46 note)."""
    if round_["status"] != "open":
        return None
    counts, missed = summary(round_)
    unchecked = {checkpoint["code"] for checkpoint in missed}
    overdue = sum(1 for checkpoint in round_["checkpoints"]
                  if checkpoint["code"] in unchecked and past_due(checkpoint["due_at"], now, rules))
    return {"as_of": clock.to_iso(now), "planned": counts["planned"], "checked": counts["checked"],
            "on_time": counts["on_time"], "late": counts["late"], "overdue": overdue, "anomalies": counts["anomalies"]}


def finish(round_, now):
    """The changes that finish a round: its missed checkpoints and counts are fixed."""
    require(round_, "finish")
    counts, missed = summary(round_)
    stamp = clock.to_iso(now)
    return {"status": "finished", "finished_at": stamp, "updated_at": stamp, "missed": missed, "summary": counts}


def finished_event_data(round_):
    keys = ("route_id", "route_name", "plan_id", "shift", "guard", "scheduled_start", "started_at",
            "finished_at", "missed", "summary")
    return {k: round_[k] for k in keys} | {"id": round_["_id"]}
