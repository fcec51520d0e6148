"""The planned patrol rounds that were not walked through (巡逻异常: "a missed or late checkpoint
is an exception", DOMAIN.md): a plan's slot that is over with no round for it, or with a round
started and never finished. A finished round's missed and late checkpoints are on the round
(``summary``); these slots had none to show, and were noticed only inside the patrol-completion
KPI (found by a domain audit).

Each such slot is also announced once, soon after it is over (``patrol_round_missed``, a notice
with a natural id): the supervisor and the systems subscribed by webhook learn of it the same
night, not when the month's list is read. The sweep looks back ``NOTICE_LOOKBACK``, so a service
down for less than that still raises what it missed.

Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import clock, ids

from .kpis import counted_slots

# the most slots one answer lists (a month of hourly rounds on a few plans nobody walked): the
# rest is counted in ``more``
MOST_LISTED = 1000

# how far back the notices' sweep looks for slots over without a notice: a day and a night
# plan's longest slot (plans of many hours) fit, and a sweep missed for a day still catches up
NOTICE_LOOKBACK = timedelta(days=2)


def missed_rounds(plans, routes, rounds, start, end, now, rules):
    """``{"items": [...], "more": n}``: the slots in [start, end) over by ``now`` (slot, expected
    minutes and the late tolerance) with no round, or with rounds none of which finished; oldest
    first."""
    items = all_missed(plans, routes, rounds, start, end, now, rules)
    return {"items": items[:MOST_LISTED], "more": max(0, len(items) - MOST_LISTED)}


def all_missed(plans, routes, rounds, start, end, now, rules):
    """Every item ``missed_rounds`` lists, with no limit (the sweep raises each, however many)."""
    walked = {}
    for round_ in rounds:
        if round_.get("plan_id"):
            walked.setdefault((round_["plan_id"], round_["scheduled_start"]), []).append(round_)
    tolerance = rules["patrol_late_tolerance_minutes"]
    items = []
    for plan in plans:
        route = routes.get(plan["route_id"]) or {}
        for slot in counted_slots(plan, start, end, now, rules):
            scheduled = clock.to_iso(slot)
            its_rounds = walked.get((plan["_id"], scheduled), [])
            if any(r["status"] == "finished" for r in its_rounds):
                continue
            items.append({
                "plan_id": plan["_id"], "route_id": plan["route_id"], "route_name": route.get("name"),
                "shift": plan["shift"], "scheduled_start": scheduled,
                "over_at": clock.to_iso(slot + timedelta(minutes=plan["expected_minutes"] + tolerance)),
                "checkpoints": len(route.get("checkpoints") or ()),
                "round_id": its_rounds[0]["_id"] if its_rounds else None,
                "why": "not_finished" if its_rounds else "not_walked",
            })
    items.sort(key=lambda item: (item["scheduled_start"], item["plan_id"]))
    return items


def notice_id(estate_id, plan_id, scheduled_start):
    """One notice per plan slot, whichever sweep raises it."""
    return ids.natural_id("pmr", estate_id, plan_id, scheduled_start)


def new_notice(estate_id, missed, now):
    """The notice of one missed slot (an item of ``missed_rounds``), with its event."""
    stamp = clock.to_iso(now)
    notice = {"_id": notice_id(estate_id, missed["plan_id"], missed["scheduled_start"]), "estate_id": estate_id,
              **missed, "raised_at": stamp, "created_at": stamp}
    data = {"id": notice["_id"], **missed, "raised_at": stamp}
    return notice, [("patrol_round_missed", data)]
