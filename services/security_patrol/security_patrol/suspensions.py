"""Patrol suspensions (停巡): a window in which the estate's planned rounds are not owed.

A suspension covers every route of the estate, or the routes it names (``route_ids``, h1: the
typhoon's leftovers: the outdoor routes are suspended, the lobby's round under a roof is still
walked); a plan's slot is not owed when a suspension covering its route holds it (``within``).

A typhoon night (h5's probe): the manager keeps the guards indoors from 20:00 to 06:00; every
planned slot of the night went unwalked and counted against them: in patrol completion, the
month's missed rounds and a ``patrol_round_missed`` notice each. The sources ask for patrols by
shift and call a missed checkpoint an exception; they do not ask a guard to walk a car park under
water. A suspension names its window and its reason; a plan slot that starts in it is not
planned (``kpis.counted_slots``), so it is neither owed, nor missed, nor announced. A round walked
in it anyway stays on the record as walked (its check-ins, anomalies and missed checkpoints are
facts), and counts in no KPI.

Bounds (each a setting): a window of at most ``patrol_suspension_max_hours`` (72: a typhoon's
landfall and its aftermath), declared at most that long before it starts (a warning comes two or
three days ahead) and recorded within ``recorded_within_days`` of its start (the morning after,
or the Monday after a weekend's storm; a month's figures are not rewritten a season later).
A window starting in the past erases rounds already owed: five 72-hour windows recorded 14 days
back erased two weeks (review r5). So a window starting more than
``patrol_suspension_backdate_hours`` (24: the night before, recorded in the morning) before it is
recorded is the operator admin's alone (422 ``data.from`` to a manager): a security department takes
its manager's word for last night, not for last week.

Withdrawn (撤销, ``withdrawal``), a suspension is kept, with who withdrew it, when and why, and its
window is suspended no more (``windows`` reads no withdrawn one): its slots are owed again. A wrong
window is corrected by withdrawing it and recording the right one. Both are announced
(``patrol_suspended``, ``patrol_suspension_withdrawn``, each naming the window) and archive keeps
them: the permanent record of why a slot was not owed, or owed again.

Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import clock, plausible
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, field_error
from estate_common.roles import OPERATOR_ADMIN
from estate_common.wording import counted


def new_suspension(doc_id, estate_id, data, now, actor, rules, roles=(), routes=None):
    """``routes``: the estate's patrol routes among ``data["route_ids"]`` (by id), when it names some."""
    start, end = clock.parse_iso(data["from"]), clock.parse_iso(data["to"])
    if end <= start:
        raise BusinessRuleViolation("a patrol suspension ends after it starts",
                                    [field_error("data.to", "is not after from")])
    most = rules["patrol_suspension_max_hours"]
    if end - start > timedelta(hours=most):
        raise BusinessRuleViolation(f"a patrol suspension lasts at most {counted(most, 'hour')}",
                                    [field_error("data.to", f"is more than {counted(most, 'hour')} after from")])
    days = rules["recorded_within_days"]
    plausible.recent(start, now, days, "data.from",
                     f"a patrol suspension is recorded within {counted(days, 'day')} of its start", rules["timezone"])
    back = rules["patrol_suspension_backdate_hours"]
    if start < now - timedelta(hours=back) and OPERATOR_ADMIN not in (roles or ()):
        raise BusinessRuleViolation(
            f"a patrol suspension starting more than {counted(back, 'hour')} ago is recorded by the operator admin",
            [field_error("data.from", f"is more than {counted(back, 'hour')} ago")])
    if start > now + timedelta(hours=most):
        raise BusinessRuleViolation(f"a patrol suspension is declared at most {counted(most, 'hour')} ahead",
                                    [field_error("data.from", f"is more than {counted(most, 'hour')} ahead")])
    route_ids = chosen_routes(data.get("route_ids"), routes or {})
    stamp = clock.to_iso(now)
    return {
        "_id": doc_id,
        "estate_id": estate_id,
        "from": clock.to_iso(start),
        "to": clock.to_iso(end),
        "route_ids": route_ids,
        "hours": round((end - start).total_seconds() / 3600, 2),
        "reason": " ".join(data["reason"].split()),
        "created_by": actor,
        "created_at": stamp,
    }


def chosen_routes(route_ids, routes):
    """The routes a suspension covers: ``route_ids`` as given, each a route of the estate (``routes``,
    by id: 422 naming ``data.route_ids[i]`` else); None (absent) for every route, as before routes
    could be chosen (h1, the typhoon's leftovers: the garage's round under water, the lobby's walked)."""
    if route_ids is None:
        return None
    errors = [field_error(f"data.route_ids[{index}]", "is not a patrol route of this estate")
              for index, route_id in enumerate(route_ids) if route_id not in routes]
    if errors:
        raise BusinessRuleViolation("a patrol suspension names the estate's patrol routes", errors)
    return list(dict.fromkeys(route_ids))


def refuse_a_backdate_raised(current, overrides, defaults, roles):
    """``patrol_suspension_backdate_hours`` is the bound of a manager's own past windows: a manager
    keeps or lowers it (a PUT of the settings carries it as it is), the operator admin raises it; a
    manager's raise is a 422 naming it (raised to 336, the manager erased two weeks again)."""
    name = "patrol_suspension_backdate_hours"
    wanted = overrides.get(name, defaults[name])
    if wanted > current and OPERATOR_ADMIN not in (roles or ()):
        raise BusinessRuleViolation(
            f"only the operator admin lets a manager record a patrol suspension further back than {counted(current, 'hour')}",
            [field_error(f"data.{name}", f"is more than {current}, as it is now")])


def withdrawal(suspension, data, now, actor):
    """撤销: the fields a withdrawal sets (409 when withdrawn already; a reason is needed, 400)."""
    if suspension.get("withdrawn_at"):
        raise Conflict("the patrol suspension is withdrawn already", [field_error("id", "is withdrawn")])
    reason = " ".join((data.get("reason") or "").split())
    if not reason:
        raise InvalidInput("a withdrawal says why", [field_error("data.reason", "is empty")])
    return {"withdrawn_at": clock.to_iso(now), "withdrawn_by": actor, "withdrawal_reason": reason}


def event_data(suspension):
    """``patrol_suspended`` / ``patrol_suspension_withdrawn``: the suspension as archive keeps it, its
    window named (``from``, ``to``) so an auditor matches a missed-round notice raised before it."""
    kept = ("from", "to", "route_ids", "hours", "reason", "created_by", "created_at",
            "withdrawn_at", "withdrawn_by", "withdrawal_reason")
    return {"id": suspension["_id"], **{key: suspension[key] for key in kept if key in suspension}}


def windows(suspensions):
    """``[(start, end, routes)]`` of the stored suspensions (or of ones just made) not withdrawn: the
    window's datetimes and the ids of the routes it covers, None for every route (``route_ids`` absent
    or null: one recorded before routes could be chosen covers them all)."""
    return [(clock.parse_iso(s["from"]), clock.parse_iso(s["to"]),
             None if s.get("route_ids") is None else frozenset(s["route_ids"]))
            for s in suspensions or () if not s.get("withdrawn_at")]


def suspended(slot, suspensions, route_id=None):
    """Whether a slot of a plan of ``route_id`` starting at ``slot`` starts within one of ``suspensions``
    covering its route."""
    return within(slot, windows(suspensions), route_id)


def within(slot, spans, route_id=None):
    """Whether ``slot`` (of a plan of ``route_id``) starts within one of ``spans`` (``windows``) that
    covers its route."""
    return any(start <= slot < end and (routes is None or route_id in routes) for start, end, routes in spans)
