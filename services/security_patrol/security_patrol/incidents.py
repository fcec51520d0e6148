"""Incidents (突发事件): opening one starts its emergency plan, every step is
recorded, a step the plan marks escalates (to the manager, to the authorities),
and an incident ends with a written summary.

Plain functions: no broker, no store.
"""
import math
from datetime import timedelta

from estate_common import clock, numbering, roles, transitions
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, field_error
from estate_common.wording import counted

from . import emergency_plans
from .rules import DEFAULTS

NUMBER_PREFIX = "INC"

# status -> {action: next status}; an action not listed is refused (409).
TRANSITIONS = {
    "open": {"step": "open", "close": "closed"},
    "closed": {},
}

# 电梯困人: an entrapment's release (解救) is a recorded figure, when its passengers were out: the step
# below, recorded with ``released_at`` (h1, the typhoon's leftovers: it was only the step's time)
ENTRAPMENT = "elevator_entrapment"
# a flooding names its flat (``household_id``: maintenance joins it to the desk's water emergency of the same
# building and unit) and the piece it affects (``equipment_id``: a flooded shaft's lift); h5, a burst pipe
FLOODING = "flooding"
LIFTS = "elevator"  # the equipment ledger's system of the lifts an entrapment names (maintenance's)
RELEASE_STEP = "release_passengers"

# who may correct whether an incident was major (the guard's call when opening it)
CLASSIFIERS = roles.MANAGEMENT


def number_series(created, tz):
    return numbering.series("incident", created, tz)


def incident_number(created, tz, sequence):
    """A series per year of the estate's calendar (``estate_common.numbering``)."""
    return numbering.number(NUMBER_PREFIX, created, tz, sequence)


# 困人解救: the release target of an entrapment opened before incidents kept theirs
DEFAULT_RELEASE_TARGET_MINUTES = DEFAULTS["entrapment_release_target_minutes"]

# a device's clock a little ahead of ours: "it happened now" is not refused as the future
CLOCK_SKEW = timedelta(minutes=2)


def occurred_at(data, now, rules):
    """When the incident happened: ``data["occurred_at"]`` (recorded afterwards, at most
    ``incident_recorded_within_hours`` later), else now. It was always the moment of recording,
    so an incident written up the morning after counted in the wrong day, or month, of the KPI
    (found by a probe of the console). 422 for a time to come or one too long ago."""
    given = data.get("occurred_at")
    if not given:
        return clock.to_iso(now)
    at = clock.parse_iso(given)
    if at > now + CLOCK_SKEW:
        raise BusinessRuleViolation("an incident cannot have happened in the future",
                                    [field_error("data.occurred_at", "is in the future")])
    hours = rules["incident_recorded_within_hours"]
    if at < now - timedelta(hours=hours) - CLOCK_SKEW:
        raise BusinessRuleViolation(f"an incident is recorded within {counted(hours, 'hour')} of happening",
                                    [field_error("data.occurred_at", f"is more than {counted(hours, 'hour')} ago")])
    return clock.to_iso(min(at, now))


def named_equipment(data, plan, found, ref):
    """The lift an elevator entrapment names (``data.equipment_id``, maintenance's piece): ``{id, code}``,
    None when none is named. Its emergency order names it and takes it out of service until checked, the
    plan's step "lift out of service until checked", which recorded nothing (found by h12, a lift kept out
    after an entrapment). A flooding names the piece it affects (a flooded shaft's lift, any system: h5's
    burst pipe), a lift taken out the same way. ``found``/``ref``: what the gateway found of it in the
    estate (security keeps no copy of the ledger; ``not_found``: 422; None: nobody looked, maintenance
    opens the order alone on a piece it has not). An incident whose plan (``plan``) opens no order, one
    taking over an anomaly's order, or another type names none (422)."""
    equipment_id = data.get("equipment_id")
    if not equipment_id:
        return None
    field = "data.equipment_id"
    if data["type"] not in (ENTRAPMENT, FLOODING) or not plan["work_order"] or data.get("anomaly_id"):
        raise BusinessRuleViolation("an elevator entrapment or a flooding that opens its emergency work order "
                                    "names the equipment it affects",
                                    [field_error(field, "is named by an elevator entrapment or a flooding "
                                                        "opening its order only")])
    if found == "not_found":
        raise BusinessRuleViolation("no such equipment in this estate",
                                    [field_error(field, "is not a piece of equipment of this estate")])
    if data["type"] == ENTRAPMENT and ref.get("equipment_system") not in (None, LIFTS):  # the pump taken out (r12)
        raise BusinessRuleViolation("an elevator entrapment names a lift",
                                    [field_error(field, "is not a lift (an elevator of the equipment ledger)")])
    return {"id": ref.get("equipment_id") or equipment_id, "code": ref.get("equipment_code")}


def named_household(data, plan):
    """The flat a flooding names (``data.household_id``: where the water is or came from), None for none:
    maintenance joins the incident to the desk's open water emergency of the same building and unit rather
    than open a second order for one burst (h5). A flooding whose plan opens no order, one taking over an
    anomaly's order, or another type names none (422); the household is the estate's (the caller checks)."""
    household_id = data.get("household_id")
    if not household_id:
        return None
    if data["type"] != FLOODING or not plan["work_order"] or data.get("anomaly_id"):
        raise BusinessRuleViolation("a flooding that opens its emergency work order names its flat",
                                    [field_error("data.household_id", "is named by a flooding opening its order only")])
    return household_id


NAMED = object()  # new_incident's flat not decided by its caller


def new_incident(incident_id, estate_id, data, number, now, actor, plan=None, happened=None,
                 release_target_minutes=None, equipment=None, household_id=NAMED):
    """The incident with a copy of the plan it runs (the estate's, or the default); ``happened``:
    when it happened (``occurred_at``), now when not given. An entrapment keeps the estate's
    ``entrapment_release_target_minutes`` in force when it opened (``release_target_minutes``: a
    target changed later leaves it), and its ``release``, None until its passengers are out.
    ``equipment``: the lift it names (``named_equipment``), None for none; ``household_id``: the flat a
    flooding names as the caller decided it (``named_household``, decided once: h4), decided here when not
    given."""
    plan = plan or emergency_plans.default_plan(data["type"])
    if household_id is NAMED:
        household_id = named_household(data, plan)
    stamp = clock.to_iso(now)
    entrapment = {"release_target_minutes": release_target_minutes or DEFAULT_RELEASE_TARGET_MINUTES,
                  "release": None} if data["type"] == ENTRAPMENT else {}
    return entrapment | {
        "_id": incident_id,
        "estate_id": estate_id,
        "number": number,
        "type": data["type"],
        "description": data["description"].strip(),
        "location": data["location"].strip(),
        "major": bool(data.get("major", False)),
        "status": "open",
        "plan": [dict(step) for step in plan["steps"]],
        "work_order": plan["work_order"],
        # the patrol anomaly whose work order it takes over (a burst main found on a round): none asked
        "anomaly_id": data.get("anomaly_id"),
        "equipment": equipment,  # an entrapment's lift, a flooding's piece (named_equipment)
        "household_id": household_id,  # a flooding's flat
        "pending_steps": [step["step"] for step in plan["steps"]],
        "steps": [],
        "escalations": [],
        "summary": None,
        "occurred_at": happened or stamp,
        "opened_at": stamp,
        "opened_by": actor,
        "closed_at": None,
        "created_at": stamp,
        "updated_at": stamp,
    }


def opening_events(incident):
    """Where its plan calls for one, opening asks maintenance for an emergency work order, unless it
    takes over the order of the anomaly it names (``anomaly_id``: maintenance was asked once, by the
    anomaly; h7, a burst main's WO-1 and WO-2): then maintenance is told the take-over
    (``incident_took_over_order``), which names the incident's emergency and category on that order
    (h5's typhoon night: the garage flood's order was an emergency of no category)."""
    if incident.get("anomaly_id"):
        return [("incident_took_over_order", {
            "id": incident["_id"], "number": incident["number"], "type": incident["type"],
            "anomaly_id": incident["anomaly_id"], "emergency": bool(incident["work_order"]),
            "opened_at": incident["opened_at"]})]
    if not incident["work_order"]:
        return []
    lift = incident.get("equipment")  # maintenance takes a lift out of service until checked for the order
    return [("emergency_repair_requested", {k: incident[k] for k in (
        "number", "type", "description", "location", "opened_at")} | {"id": incident["_id"]} | (
        {"equipment_id": lift["id"]} if lift else {}) | (
        {"household_id": incident["household_id"]} if incident.get("household_id") else {}))]


# the statuses of an order that serves no incident any more
ORDER_DONE = frozenset({"completed", "cancelled"})


def check_takeover(anomaly_id, anomaly, order, taken_by):
    """An incident takes over the work order of ``anomaly`` (its check-in's, None when the estate has
    no such anomaly: 422), one maintenance opens (an anomaly that opens none is a 422), not completed
    nor cancelled (``order``: security's copy of it, None while none is known: 422), nor taken over by
    another incident (``taken_by``: its number; 409)."""
    field = "data.anomaly_id"
    if anomaly is None:
        raise BusinessRuleViolation("no such patrol anomaly in this estate",
                                    [field_error(field, "no anomaly of this estate's rounds")])
    if anomaly.get("no_work_order"):
        raise BusinessRuleViolation("the anomaly opened no work order",
                                    [field_error(field, "opened no work order to take over")])
    if order is not None and order.get("status") in ORDER_DONE:
        raise BusinessRuleViolation("the anomaly's work order is done",
                                    [field_error(field, "its work order is completed or cancelled: open the "
                                                        "incident without it")])
    if taken_by:
        refuse_a_takeover_held(taken_by)


def refuse_a_takeover_held(number):
    """Another incident (``number``: None while it is being written) took over the anomaly's order: 409."""
    raise Conflict(f"the anomaly's work order serves incident {number} already" if number else
                   "the anomaly's work order serves another incident already")


def require(incident, action):
    return transitions.next_status(TRANSITIONS, incident["status"], action, "an incident")


def record_step(incident, step_key, note, now, actor, released_at=None, target_minutes=None):
    """``(entry, escalation or None, changes)`` for recording one plan step as done; an entrapment's
    release step (``RELEASE_STEP``) records its ``release`` too, at ``released_at`` (when the passengers
    were out, recorded afterwards; now when not given), a figure of no other step (422);
    ``target_minutes``: the estate's target, for an entrapment opened before they kept their own."""
    require(incident, "step")
    releases = incident["type"] == ENTRAPMENT and step_key == RELEASE_STEP
    if released_at is not None and not releases:
        raise BusinessRuleViolation("a release time is recorded with an entrapment's release step only",
                                    [field_error("data.released_at",
                                                 f"is taken only with the step '{RELEASE_STEP}' of an entrapment")])
    planned = next((s for s in incident["plan"] if s["step"] == step_key), None)
    if planned is None:
        raise BusinessRuleViolation(f"'{step_key}' is not a step of the {incident['type']} plan",
                                    [field_error("data.step", "is not a step of this incident's plan")])
    if step_key not in incident["pending_steps"]:
        raise Conflict(f"step '{planned['title']}' is recorded already")  # by its title, as the plan shows it
    stamp = clock.to_iso(now)
    entry = {"step": step_key, "title": planned["title"], "note": (note or "").strip(), "at": stamp, "by": actor}
    escalation = None
    if planned["escalate_to"]:
        escalation = {"to": planned["escalate_to"], "step": step_key, "at": stamp, "by": actor}
    changes = {"pending_steps": [k for k in incident["pending_steps"] if k != step_key], "updated_at": stamp}
    if releases:
        changes["release"] = release_of(incident, _released(incident, released_at, now), target_minutes)
    return entry, escalation, changes


def reported_at(incident):
    """When the incident was reported: when it happened as recorded (``occurred_at``), its opening
    on one from before incidents carried it. An entrapment's release is counted from it."""
    return incident.get("occurred_at", incident["opened_at"])


def _released(incident, released_at, now):
    """When the passengers were out: ``released_at`` (not to come, not before the report: 422), else now."""
    if released_at is None:
        return now
    at = clock.parse_iso(released_at)
    if at > now + CLOCK_SKEW:
        raise BusinessRuleViolation("the passengers cannot have been released in the future",
                                    [field_error("data.released_at", "is in the future")])
    if at < clock.parse_iso(reported_at(incident)):
        raise BusinessRuleViolation("the passengers were released after the entrapment was reported",
                                    [field_error("data.released_at", "is before the incident happened")])
    return min(at, now)


def release_of(incident, at, target_minutes=None):
    """困人解救: ``{released_at, minutes, target_minutes, within_target}``: the passengers out at ``at``,
    whole minutes from the report (``reported_at``) rounded up (30 minutes and 20 seconds is 31, past a
    30 minutes' target), against the incident's target (``target_minutes`` for one opened before
    incidents kept theirs)."""
    target = incident.get("release_target_minutes") or target_minutes or DEFAULT_RELEASE_TARGET_MINUTES
    at = clock.parse_iso(clock.to_iso(at))  # the moment as kept (milliseconds), its minutes read from it
    taken = at - clock.parse_iso(reported_at(incident))
    return {"released_at": clock.to_iso(at), "minutes": math.ceil(taken.total_seconds() / 60),
            "target_minutes": target, "within_target": taken <= timedelta(minutes=target)}


def release(incident, target_minutes=None):
    """The entrapment's release as recorded; for one whose release step was recorded before the release
    was a figure, read from that step's time (``target_minutes``: the estate's target); None while the
    passengers are not out, and for other incidents."""
    if incident["type"] != ENTRAPMENT:
        return None
    if incident.get("release"):
        return incident["release"]
    step = next((s for s in incident["steps"] if s["step"] == RELEASE_STEP), None)
    return step and release_of(incident, clock.parse_iso(step["at"]), target_minutes)


def release_timeliness(entrapments, now, target_minutes):
    """``(released within their target, counted)`` of the entrapments: one released counts, and one
    not released once its target has run out (late); one within its target still waiting does not."""
    within = counted = 0
    for incident in entrapments:
        released = release(incident, target_minutes)
        if released is None:
            target = incident.get("release_target_minutes") or target_minutes
            if now <= clock.parse_iso(reported_at(incident)) + timedelta(minutes=target):
                continue
        counted += 1
        within += bool(released and released["within_target"])
    return within, counted


def close(incident, summary, now, false_alarm=False, caller_roles=()):
    """The changes that close an incident; a written summary is required (422 without), and the
    plan's escalation to the manager must be recorded first (422): every plan has one (DOMAIN.md:
    an incident "escalates to the manager … as the plan says"), and a major burglary was closed
    with the manager never told (found by review). Other steps may stay undone (calling the police
    to a false alarm): the closed event lists them (``steps_not_done``). ``false_alarm`` (误报: nothing happened,
    nobody in the car): kept and announced, maintenance releasing what the incident took (h5: there was no
    such state, a false entrapment kept its lift out until checked and the desk's order an emergency), declared
    by the security supervisor or the manager (``roles.FALSE_ALARM_DECLARERS``, 403 else: any guard could, h8)."""
    require(incident, "close")
    if false_alarm and not set(caller_roles) & roles.FALSE_ALARM_DECLARERS:
        raise Forbidden("a false alarm is declared by the security supervisor or the manager")
    text = (summary or "").strip()
    if not text:
        raise BusinessRuleViolation("an incident is closed with a written summary",
                                    [field_error("data.summary", "a written summary is required")])
    to_manager = [s["title"] for s in incident["plan"] if s.get("escalate_to") == "manager"]
    told = any(e["to"] == "manager" for e in incident.get("escalations", []))
    if to_manager and not told:  # one of the plan's manager steps: a plan may have a second (a report)
        raise BusinessRuleViolation("the manager is told of every incident before it is closed",
                                    [field_error("pending_steps", f"record the plan's step '{to_manager[0]}' first")])
    stamp = clock.to_iso(now)
    return {"status": "closed", "summary": text, "closed_at": stamp, "updated_at": stamp,
            "false_alarm": bool(false_alarm)}


def reclassify(incident, major, reason, now, caller):
    """The manager's correction of whether the incident is major (重大), open or closed: the guard
    who opened it made the call on the spot, and a wrong one stood for good, counted (or not) in
    the major-incident KPIs (found by a domain audit). ``(changes, entry)``; ``(None, None)`` when
    it is marked so already. Archive keeps each correction (``incident_reclassified``)."""
    if not set(caller.roles) & CLASSIFIERS:
        raise Forbidden("whether an incident is major is corrected by the estate's manager")
    text = (reason or "").strip()
    if not text:
        raise BusinessRuleViolation("a correction of whether an incident is major says why",
                                    [field_error("data.reason", "a reason is required")])
    if incident["major"] == major:
        return None, None
    stamp = clock.to_iso(now)
    entry = {"major": major, "was": incident["major"], "reason": text, "at": stamp, "by": caller.user}
    return {"major": major, "updated_at": stamp}, entry


def reclassified_event_data(incident, entry):
    return {"id": incident["_id"], "number": incident["number"], "type": incident["type"],
            "major": entry["major"], "was": entry["was"], "reason": entry["reason"],
            "occurred_at": incident.get("occurred_at", incident["opened_at"]), "reclassified_at": entry["at"]}


def escalated_event_data(incident, escalation):
    return {"id": incident["_id"], "number": incident["number"], "type": incident["type"],
            "major": incident["major"], "to": escalation["to"], "step": escalation["step"],
            "escalated_at": escalation["at"]}


def released_event_data(incident, release):
    """An entrapment's passengers out: its release, and the round's anomaly whose order it took over."""
    return {"id": incident["_id"], "number": incident["number"], "anomaly_id": incident.get("anomaly_id"),
            "release": release}


def closed_event_data(incident, target_minutes=None):
    return {
        "id": incident["_id"],
        "number": incident["number"],
        "type": incident["type"],
        "major": incident["major"],
        "location": incident["location"],
        "occurred_at": incident.get("occurred_at", incident["opened_at"]),
        "opened_at": incident["opened_at"],
        "closed_at": incident["closed_at"],
        "summary": incident["summary"],
        "steps_done": [s["step"] for s in incident["steps"]],
        "steps_not_done": list(incident["pending_steps"]),
        "escalations": [{"to": e["to"], "step": e["step"], "at": e["at"]} for e in incident["escalations"]],
        "false_alarm": bool(incident.get("false_alarm")),
    } | ({"release": release(incident, target_minutes)} if incident["type"] == ENTRAPMENT else {})
