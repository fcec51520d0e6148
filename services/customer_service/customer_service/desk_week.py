"""客服周报: the desk's week (``GET …/reports/desk-week?week=YYYY-Www``).

The KPIs and the complaint analysis are of a month, a quarter or a year; the desk's supervisor
holds a weekly meeting, and counted the register by hand (a probe of the front desk's week). The
week is an ISO week (Monday to Sunday) on the estate's calendar, its days the estate's local days.
Counted, by the rules the KPIs use (a plain read of the requests, no number of its own):

- ``registered``: the requests registered in the week, by kind and by channel;
- ``answers``: of those owing an answer (a ``due_at``: praise owes none), answered by it
  (``on_time``), after it (``late``), not yet and past it at ``as_of`` (``open_overdue``), not yet
  and not due (``open``); an answer is ``answered_at`` (a reply; a repair's start on site, or its
  completion; a close);
- ``complaints``: the week's complaints, verified the same day (``complaint_verify_days``, as
  recorded: ``verified_late``), late, not yet; escalated to the manager;
- ``repairs_completed``: each completion of repair work in the week (a call that joined a fault's
  order each, owed its own visit: ``repairs.joined_order_done``), a follow-up's too, each in
  its own week as the return-visit KPI counts them (``kpis.completions``: a follow-up completed the
  week after took the first completion out of its week, found by review), with its return visit
  to that completion on time (within ``return_visit_days``), late, still owed, or closed without it
  (the occupant unreachable);
- ``closed``: the requests closed in the week, whenever registered.
"""
from collections import Counter
from datetime import timedelta

from estate_common import calendar

from .kpis import completions
from .repairs import counts_as_repair


def week_days(week):
    """The Monday and the Sunday of ISO ``week`` (``YYYY-Www``); 400 naming ``week`` for a week its
    year has not (W53 of a year of 52 weeks), which the contract's pattern lets through: the KPIs'
    reading of a week (``calendar.week_monday``)."""
    monday = calendar.week_monday(week, "week")
    return monday, monday + timedelta(days=6)


def bounds(week, tz):
    """``(start, end)``: the first instant of the week's Monday and of the Monday after, on the
    estate's calendar (UTC ISO), as a KPI week's (``calendar.period_bounds``)."""
    week_days(week)  # a week its year has not: named as this report's ``week``
    return calendar.period_bounds(week, tz)


def report(week, registered, completed, closed, now, start, end):
    """The week's figures (module docstring) from the requests ``registered`` in it, the repairs
    ``completed`` in it (one of their completions) and the number ``closed`` in it, at ``now``."""
    monday, sunday = week_days(week)
    complaints = [r for r in registered if r["kind"] == "complaint"]
    return {"week": week, "from": monday.isoformat(), "to": sunday.isoformat(), "as_of": now,
            "status": "not_begun" if now < start else "in_progress" if now < end else "over",
            "registered": {"total": len(registered),
                           "by_kind": dict(sorted(Counter(r["kind"] for r in registered).items())),
                           "by_channel": dict(sorted(Counter(r["channel"] for r in registered).items()))},
            "answers": _answers([r for r in registered if r.get("due_at")], now),
            "complaints": {"registered": len(complaints),
                           "verified_same_day": sum(1 for c in complaints if _verified(c) and not _late(c)),
                           "verified_late": sum(1 for c in complaints if _verified(c) and _late(c)),
                           "not_verified": sum(1 for c in complaints if not _verified(c)),
                           "escalated": sum(1 for c in complaints if (c.get("complaint") or {}).get("escalated"))},
            "repairs_completed": _visits(completed, start, end),
            "closed": closed}


def _answers(owing, now):
    counts = Counter()
    for request in owing:
        answered = request.get("answered_at")
        if answered:
            counts["on_time" if answered <= request["due_at"] else "late"] += 1
        else:
            counts["open_overdue" if request["due_at"] < now else "open"] += 1
    return {name: counts[name] for name in ("on_time", "late", "open_overdue", "open")}


def _verified(complaint):
    return bool((complaint.get("complaint") or {}).get("verified_at"))


def _late(complaint):
    return bool((complaint.get("complaint") or {}).get("verified_late"))


def _visits(completed, start, end):
    """Each completion within ``[start, end)`` of the repairs by its return visit (the visit records
    the completion it followed: ``work_completed_at``); one not visited is the last completion,
    closed without its visit or owing it."""
    counts, done = Counter(), 0
    # a call that joined a fault's order counts as the return-visit rate counts it: each caller's
    # completion, owed its visit (h8; review r2 of h6's change had the week and the rate leave it out);
    # one closed with the order before h8 owed none, as the rate reads it (review r8 of h8)
    for repair in (r for r in completed if counts_as_repair(r)):
        for at in (at for at in completions(repair) if start <= at < end):
            done += 1
            visits = [v for v in repair.get("return_visits") or () if v.get("work_completed_at") == at]
            if visits:
                counts["visited_on_time" if any(v.get("on_time") for v in visits) else "visited_late"] += 1
            elif repair.get("closed_without_visit"):
                counts["closed_without_visit"] += 1
            elif repair["status"] == "completed":
                counts["visit_owed"] += 1
    return {"completed": done,
            **{name: counts[name] for name in ("visited_on_time", "visited_late", "visit_owed", "closed_without_visit")}}
