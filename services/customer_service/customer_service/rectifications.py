"""整改计划: a recurring cause found by the complaint analysis gets a rectification plan
(DOMAIN.md), recorded by a manager and followed to closure.

A plan names the analysed ``period`` (month, quarter or year), its ``findings``, the complaint
``causes`` it answers (optional; the analysis shows a recurring cause with no plan naming it) and
its numbered ``actions`` (description, owner, due date). An action is marked done once (409
again); the plan is ``closed`` when its last action is done, and a closed plan takes no more
steps (409). Rules (422): a plan analyses a period that has begun; an action is not due before the day it
is planned (the estate's local day).

Followed to its end: an action not done by the end of its due day on the estate's clock is
``overdue`` (shown on the action, counted on the plan as ``overdue_actions``, and the plan listed
by ``overdue=true`` until it is done): the plans whose actions slipped were told apart from those on
track nowhere, and a closed plan is never overdue (a probe of the manager's quarter).
"""
from estate_common import calendar, clock
from estate_common.errors import BusinessRuleViolation, Conflict, NotFound, field_error

from .domain import Change, history_entry


def _check(data, now, tz):
    errors = []
    start, _ = calendar.period_bounds(data["period"], tz)
    if start > clock.to_iso(now):
        errors.append(field_error("data.period", "has not begun: a plan follows an analysed period"))
    today = calendar.day_of(now, tz)
    errors += [field_error(f"data.actions[{i}].due", f"is before today ({today})")
               for i, action in enumerate(data["actions"]) if action["due"] < today]
    if errors:
        raise BusinessRuleViolation("the plan breaks a rule of rectification plans", errors)


def new_plan(plan_id, estate_id, data, now, user, tz):
    _check(data, now, tz)
    at = clock.to_iso(now)
    actions = [{"n": n, "description": a["description"].strip(), "owner": a["owner"].strip(), "due": a["due"],
                "done_at": None, "done_by": None, "note": None}
               for n, a in enumerate(data["actions"], start=1)]
    return {"_id": plan_id, "estate_id": estate_id, "period": data["period"], "findings": data["findings"].strip(),
            "causes": list(data.get("causes") or []), "actions": actions, "status": "open", "closed_at": None,
            "created_at": at, "updated_at": at, "created_by": user, "history": [history_entry(at, user, "recorded")], "_rev": 0}


def action_done(plan, n, data, now, user):
    """Marks action ``n`` (1, 2, …) done; the last one closes the plan."""
    if plan["status"] == "closed":
        raise Conflict("this rectification plan is closed")
    index = int(n) - 1
    if not 0 <= index < len(plan["actions"]):
        raise NotFound(f"this plan has no action {n}")
    if plan["actions"][index]["done_at"]:
        raise Conflict(f"action {n} is done already")
    at = clock.to_iso(now)
    note = (data.get("note") or "").strip() or None
    actions = [dict(a) for a in plan["actions"]]
    actions[index].update(done_at=at, done_by=user, note=note)
    changes = {"actions": actions, "updated_at": at}
    entries = [history_entry(at, user, "action_done", f"{n}" + (f": {note}" if note else ""))]
    if all(a["done_at"] for a in actions):
        changes.update(status="closed", closed_at=at)
        entries.append(history_entry(at, user, "closed"))
    return Change(changes, entries)


def shown(plan, today):
    """The plan as the API answers it (``plan``: its public form): each action ``overdue`` when it
    is not done and its due day is before ``today`` (the estate's local day), counted on the plan."""
    actions = [{**a, "overdue": not a.get("done_at") and a["due"] < today} for a in plan["actions"]]
    return {**plan, "actions": actions, "overdue_actions": sum(1 for a in actions if a["overdue"])}


def overdue_query(today):
    """The plans with an action overdue on ``today`` (an open plan's, as ``shown`` judges it)."""
    return {"status": "open", "actions": {"$elemMatch": {"done_at": None, "due": {"$lt": today}}}}


def list_query(filters, today):
    """The list filters of ``GET …/complaint-rectifications`` as a query: status and period as
    stored; ``overdue``: ``true`` the plans with an action overdue, ``false`` the others."""
    filters = dict(filters)
    overdue = filters.pop("overdue", None)
    if overdue is None:
        return filters
    late = overdue_query(today)
    return {**filters, "$and": [late]} if overdue == "true" else {**filters, "$nor": [late]}
