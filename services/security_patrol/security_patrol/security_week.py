"""周报: the supervisor's week (``GET …/reports/security-week?week=YYYY-Www``).

The security department's figures were of a month (the KPIs, the missed rounds and handovers, the
gate's parking) or lists to count by hand; the supervisor's weekly meeting asked each list in turn
and counted it (the security department's follow-ups). The week is an ISO week (Monday to Sunday)
on the estate's calendar, its days the estate's local days; a week not begun is refused as the
month reports refuse theirs (``refuse_not_begun``; before the estate's records:
``replica.refuse_before_records``), and the week under way is counted as far as it has come
(``status``). Counted by the rules the month's lists use (a plain read, no number of its own):

- ``rounds``: the plans' slots of the week over by now (``planned``, as patrol completion counts
  them: ``kpis.counted_slots``), walked through or missed (``patrol_gaps.missed_of``: not walked, or
  not finished); the rounds started in the week, finished, and finished with an exception;
- ``anomalies``: those reported at a check-in in the week, each with the work order maintenance
  opened for it (``maintenance_order``: ``operations`` adds it from the copies ``work_orders.py``
  keeps from maintenance's events; null until one is known);
- ``incidents``: those that happened in the week (``store.happened_between``), major or not (the
  guard's call, corrected by the manager), by type, and still open; those closed as false alarms apart
  (``false_alarms``, h8);
- ``visitors``: arrived in the week, and of those left or still on site;
- ``fire``: the fire checks recorded in the week, ok or with a defect, the drills held and the fire-lane
  checks, obstructed;
- ``handovers``: those of the week's shifts, and the rostered shifts over with none
  (``roster.missed_handovers``).
- ``gate``: the cars let in in the week (``entries``), the stays ended in it (``exits``), counted as
  the month's totals count theirs (``gate.month_totals``: free, the fees taken at the gate and by
  way of payment, billed to the households visited, closed without fee by the manager), the cars
  inside now, and the week's handovers with the gate's takings, those whose cash or cars counted
  differ from the gate's record (``gate.takings``). The supervisor read the gate's week from its
  stays page by page (the gate's leftovers, found by h3).

Plain functions: no broker, no store.
"""
from collections import Counter
from datetime import timedelta

from estate_common import calendar, clock
from estate_common.errors import BusinessRuleViolation, field_error

from . import gate, patrol_gaps, roster
from .kpis import counted_slots

FIELD = "filters.week"


def week_days(week):
    """The Monday and the Sunday of ISO ``week`` (``YYYY-Www``); 400 naming the week for one its year
    has not (W53 of a year of 52 weeks), which the contract's pattern lets through."""
    monday = calendar.week_monday(week, FIELD)  # the KPIs' reading of a week
    return monday, monday + timedelta(days=6)


def bounds(week, tz):
    """``(start, end)``: the first instant of the week's Monday and of the Monday after on the estate's
    calendar (UTC ISO), as a KPI week's (``calendar.period_bounds``)."""
    week_days(week)  # a week its year has not: named as this report's ``filters.week``
    return calendar.period_bounds(week, tz)


def days(week):
    """The week's days (``YYYY-MM-DD``), Monday first: the shifts' days of its roster and handovers."""
    monday, _ = week_days(week)
    return [(monday + timedelta(days=n)).isoformat() for n in range(7)]


def refuse_not_begun(week, start, now, tz):
    """422 naming the week for one that has not begun on the estate's calendar at ``now``: a report of
    one answered zeros, as if nothing had happened in it (the month reports' own refusal,
    ``replica.refuse_not_begun``)."""
    if clock.to_iso(now) < start:
        year, number, _ = calendar.local(now, tz).isocalendar()
        current = f"{year:04d}-W{number:02d}"
        raise BusinessRuleViolation(f"a week that has not begun has nothing to report: the current week is {current}",
                                    [field_error(FIELD, "has not begun")])


def report(week, facts, start, end, now, rules):
    """The week's figures (module docstring) from ``facts`` (``store.week_facts``) at ``now``."""
    monday, sunday = week_days(week)
    now_iso = clock.to_iso(now)
    return {"week": week, "from": monday.isoformat(), "to": sunday.isoformat(), "as_of": now_iso,
            "status": "in_progress" if now_iso < end else "over",
            "rounds": _rounds(facts, start, end, now, rules),
            "anomalies": _anomalies(facts["anomaly_rounds"], start, end),
            "incidents": _incidents(facts["incidents"]),
            "visitors": _visitors(facts["visitors"]),
            "fire": _fire(facts),
            "handovers": {"recorded": len(facts["week_handovers"]),
                          "missed": roster.missed_handovers(facts["roster"], facts["handovers"], now, rules)},
            "gate": _gate(facts)}


def _gate(facts):
    ended = gate.month_totals(facts["stays_ended"])
    takings = [h["takings"] for h in facts["week_handovers"] if h.get("takings")]
    return {"entries": facts["stays_entered"], "exits": ended["closed"], "free": ended["free"],
            "inside": facts["cars_inside"], "collected": ended["collected"],
            "collected_by_method": ended["collected_by_method"], "billed": ended["billed"],
            "closed_without_fee": len(ended["closed_without_fee"]), "takings_handed_over": len(takings),
            "takings_with_a_difference": sum(1 for t in takings
                                             if t.get("cash_difference_cents") or t.get("cars_difference"))}


def _rounds(facts, start, end, now, rules):
    first, last = clock.parse_iso(start), clock.parse_iso(end)
    slots = [(plan, slot) for plan in facts["plans"] for slot in counted_slots(plan, first, last, now, rules,
                                                                                      facts.get("suspensions", ()))]
    missed = Counter(item["why"] for item in patrol_gaps.missed_of(slots, facts["routes"], facts["rounds"], rules))
    started = [r for r in facts["rounds"] if start <= r["started_at"] < end]
    finished = [r for r in started if r["status"] == "finished"]
    return {"planned": len(slots), "walked_through": len(slots) - sum(missed.values()),
            "missed": sum(missed.values()), "not_walked": missed["not_walked"], "not_finished": missed["not_finished"],
            "started": len(started), "finished": len(finished),
            "finished_with_exceptions": sum(1 for r in finished if any(
                (r.get("summary") or {}).get(name) for name in ("late", "missed", "anomalies")))}


def _anomalies(rounds, start, end):
    items = [{"id": entry["anomaly"]["id"], "round_id": round_["_id"], "checkpoint": entry["checkpoint"],
              "description": entry["anomaly"]["description"], "emergency": entry["anomaly"]["emergency"],
              "reported_at": entry["at"]}
             for round_ in rounds for entry in round_["check_ins"]
             if entry.get("anomaly") and start <= entry["at"] < end]
    items.sort(key=lambda item: (item["reported_at"], item["id"]))
    return {"reported": len(items), "emergency": sum(1 for item in items if item["emergency"]), "items": items}


def _incidents(incidents):
    # a false alarm (误报) did not happen: counted apart, out of the week's incidents (h8)
    false_alarms = sum(1 for i in incidents if i.get("false_alarm"))
    incidents = [i for i in incidents if not i.get("false_alarm")]
    return {"false_alarms": false_alarms, "happened": len(incidents), "major": sum(1 for i in incidents if i.get("major")),
            "not_major": sum(1 for i in incidents if not i.get("major")),
            "still_open": sum(1 for i in incidents if i["status"] == "open"),
            "by_type": dict(sorted(Counter(i["type"] for i in incidents).items()))}


def _visitors(visitors):
    return {"arrived": len(visitors), "departed": sum(1 for v in visitors if v.get("departed_at")),
            "still_on_site": sum(1 for v in visitors if "departed_at" in v and v["departed_at"] is None)}


def _fire(facts):
    checks, lanes = facts["fire_inspections"], facts["fire_lane_checks"]
    return {"checks": len(checks), "ok": sum(1 for c in checks if c["result"] == "ok"),
            "defect": sum(1 for c in checks if c["result"] == "defect"), "drills": facts["fire_drills"],
            "lane_checks": len(lanes), "lanes_obstructed": sum(1 for lane in lanes if lane["status"] == "obstructed")}
