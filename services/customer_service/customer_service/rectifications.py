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

Whether it worked: a closed plan whose cause recurs, by the complaint analysis's own rule
(``complaint_analysis.recurring_causes``: at least ``recurring_cause_complaints`` complaints of it),
in a quarter after the one it closed in (the estate's local quarters) is ``recurred_after_close``:
the first such quarter, the plan's causes that recurred in it, their complaints counted and which
(``requests``), and the plan is listed by ``recurred_after_close=true``. Such a cause came back
only as "no plan" on the manager's start page (a probe of the manager's quarter).

A recurring cause tied to a service line (the water, the cleaning) names it: a plan's
``service_lines`` (those the estate surveys, ``surveyed_service_lines``: 422 else) and, for each,
``line_surveys``: the line's last survey before the plan was recorded and the first after it
closed, each the first or last some household scored the line in (``line_surveys``), their answers,
average and satisfied share, so the next survey of the line says whether it worked. Its measures
are told to the owners through a notice (公告) naming it (``POST …/notices``
``{rectification_plan_id}``, a manager's as the plan is), listed on the plan (``notices``), open
or closed: a plan's results are told once it closed (found by the session 46 note).
"""
from estate_common import calendar, clock

from . import complaint_analysis, surveys
from estate_common.errors import BusinessRuleViolation, Conflict, NotFound, field_error

from .domain import Change, history_entry


def _check(data, now, rules):
    tz = rules["timezone"]
    errors = [field_error(f"data.service_lines[{i}]", "is not a service line the estate surveys "
                                                      "(its surveyed_service_lines)")
              for i, line in enumerate(data.get("service_lines") or ()) if line not in rules["surveyed_service_lines"]]
    start, _ = calendar.period_bounds(data["period"], tz)
    if start > clock.to_iso(now):
        errors.append(field_error("data.period", "has not begun: a plan follows an analysed period"))
    today = calendar.day_of(now, tz)
    errors += [field_error(f"data.actions[{i}].due", f"is before today ({today})")
               for i, action in enumerate(data["actions"]) if action["due"] < today]
    if errors:
        raise BusinessRuleViolation("the plan breaks a rule of rectification plans", errors)


def new_plan(plan_id, estate_id, data, now, user, rules):
    _check(data, now, rules)
    at = clock.to_iso(now)
    actions = [{"n": n, "description": a["description"].strip(), "owner": a["owner"].strip(), "due": a["due"],
                "done_at": None, "done_by": None, "note": None}
               for n, a in enumerate(data["actions"], start=1)]
    return {"_id": plan_id, "estate_id": estate_id, "period": data["period"], "findings": data["findings"].strip(),
            "causes": list(data.get("causes") or []), "service_lines": list(data.get("service_lines") or []),
            "actions": actions, "status": "open", "closed_at": None,
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


def shown(plan, today, recurred=None, surveyed=()):
    """The plan as the API answers it (``plan``: its public form): each action ``overdue`` when it
    is not done and its due day is before ``today`` (the estate's local day), counted on the plan;
    ``recurred``: its ``recurred_after_close`` (``recurred_after_close``); ``surveyed``: the surveys
    of its lines (``line_surveys``); its ``notices`` (none on a plan made before plans kept them)."""
    actions = [{**a, "overdue": not a.get("done_at") and a["due"] < today} for a in plan["actions"]]
    return {**plan, "actions": actions, "overdue_actions": sum(1 for a in actions if a["overdue"]),
            "recurred_after_close": recurred, "line_surveys": line_surveys(plan, surveyed),
            "notices": plan.get("notices") or []}


def line_surveys(plan, surveyed):
    """For each of the plan's ``service_lines``: ``before``, the last survey made before the plan
    was recorded, and ``after``, the first made once it closed (None while it is open), of those
    some household scored the line in (``surveyed``: ``{_id, title, year, created_at, counts:
    {line: {answers, sum, satisfied}}}`` in the order they were made, ``store.line_scores``), each
    with the line's tally (``surveys.tally_of``)."""
    def of(survey, line):
        tally = surveys.tally_of(survey["counts"][line])
        return {"survey_id": survey["_id"], "title": survey["title"], "year": survey["year"],
                "created_at": survey["created_at"], "answers": tally["answers"], "average": tally["average"],
                "satisfied_share": tally["satisfied_share"]}
    found = []
    for line in plan.get("service_lines") or ():
        scored = [s for s in surveyed if line in s["counts"]]
        before = [s for s in scored if s["created_at"] < plan["created_at"]]
        after = [s for s in scored if plan.get("closed_at") and s["created_at"] >= plan["closed_at"]]
        found.append({"line": line, "before": of(before[-1], line) if before else None,
                      "after": of(after[0], line) if after else None})
    return found


def noticed(plan, notice, user):
    """A notice (公告) published with the plan's measures, listed on the plan (``notices``), open or
    closed: None when it is there already (a retry of the notice)."""
    if any(n["id"] == notice["id"] for n in plan.get("notices") or ()):
        return None
    at = notice["published_at"]
    listed = {"id": notice["id"], "building": notice.get("building"), "published_at": at}
    return Change({"notices": [*(plan.get("notices") or []), listed], "updated_at": clock.now_iso()},
                  [history_entry(at, user, "notice_published", notice["id"])])


def quarter_of(moment, tz):
    """The estate's local quarter (``YYYY-Qn``) an ISO instant falls in."""
    month = calendar.period_of(clock.parse_iso(moment), tz)
    return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"


def after_close_start(plan, tz):
    """The start (ISO) of the quarter after the one a closed plan closed in, None for a plan that
    is open or names no cause (nothing can recur after it)."""
    if plan.get("status") != "closed" or not plan.get("closed_at") or not plan.get("causes"):
        return None
    return calendar.period_bounds(quarter_of(plan["closed_at"], tz), tz)[1]  # where the closing quarter ends


def recurred_after_close(plan, complaints, threshold, tz):
    """The first quarter after a closed plan's closing quarter in which one of its causes recurs
    (``complaints``: the estate's complaints of its causes registered from ``after_close_start``),
    by the analysis's rule with that quarter's threshold (``threshold(quarter)``), with those causes
    and their complaints; None if none recurred."""
    start = after_close_start(plan, tz)
    if start is None:
        return None
    by_quarter = {}
    for complaint in complaints:
        if complaint["created_at"] >= start:
            by_quarter.setdefault(quarter_of(complaint["created_at"], tz), []).append(complaint)
    for quarter in sorted(by_quarter):
        found = [c for c in complaint_analysis.recurring_causes(by_quarter[quarter], (), threshold(quarter))["causes"]
                 if c["cause"] in plan["causes"]]
        if found:
            order = {c["_id"]: (c["created_at"], c["_id"]) for c in by_quarter[quarter]}
            requests = sorted((r for c in found for r in c["requests"]), key=lambda r: order[r["id"]])
            return {"quarter": quarter, "causes": sorted(c["cause"] for c in found),
                    "complaints": sum(c["complaints"] for c in found), "requests": requests}
    return None


def overdue_query(today):
    """The plans with an action overdue on ``today`` (an open plan's, as ``shown`` judges it)."""
    return {"status": "open", "actions": {"$elemMatch": {"done_at": None, "due": {"$lt": today}}}}


def list_query(filters, today):
    """The list filters of ``GET …/complaint-rectifications`` as a query: status and period as
    stored; ``overdue``: ``true`` the plans with an action overdue, ``false`` the others."""
    filters = dict(filters)
    filters.pop("recurred_after_close", None)  # listed by their ids (operations.list_rectifications)
    overdue = filters.pop("overdue", None)
    if overdue is None:
        return filters
    late = overdue_query(today)
    return {**filters, "$and": [late]} if overdue == "true" else {**filters, "$nor": [late]}
