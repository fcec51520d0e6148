"""The planned patrol rounds that were not walked through (巡逻异常: "a missed or late checkpoint
is an exception", DOMAIN.md): a plan's slot that is over with no round for it, or with a round
started and never finished. A finished round's missed and late checkpoints are on the round
(``summary``); these slots had none to show, and were noticed only inside the patrol-completion
KPI (found by a domain audit).

Each such slot is also announced once, soon after it is over (``patrol_round_missed``, a notice
with a natural id): the supervisor and the systems subscribed by webhook learn of it the same
night, not when the month's list is read. The sweep announces the slots over in the last
``NOTICE_LOOKBACK``, so a service down for less than that still raises what it missed (and the
first sweep after this was deployed announced those of the two days before).

Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import clock, ids

from . import patrols
from .kpis import counted_slots
from .rules import MAXIMA

# the most slots one answer lists (a month of hourly rounds on a few plans nobody walked): the
# rest is counted in ``more``
MOST_LISTED = 1000

# how far back from ``now`` the notices' sweep looks for slots that went over without a notice
# (counted from when each was over, not from its start: a plan of 24 hours with a day's tolerance
# is over two days after it began): a sweep missed for up to a day and a half still catches up
NOTICE_LOOKBACK = timedelta(days=2)
# the longest a slot takes to be over: expected_minutes (at most 1,440 by contract) and the tolerance
LONGEST_OVER = timedelta(minutes=1440 + MAXIMA["patrol_late_tolerance_minutes"])


def missed_rounds(plans, routes, rounds, start, end, now, rules, suspended=()):
    """``{"items": [...], "more": n}``: the slots in [start, end) over by ``now`` (slot, expected
    minutes and the late tolerance) with no round, or with rounds none of which finished; oldest
    first. A slot of a patrol suspension (``suspended``) is not missed."""
    slots = [(plan, slot) for plan in plans for slot in counted_slots(plan, start, end, now, rules, suspended)]
    items = missed_of(slots, routes, rounds, rules)
    return {"items": items[:MOST_LISTED], "more": max(0, len(items) - MOST_LISTED)}


def slots_gone_over(plans, now, rules, suspended=()):
    """``[(plan, slot)]``: the plans' slots over by ``now`` and not more than ``NOTICE_LOOKBACK``
    before it (what the sweep announces, with no limit), none of a patrol suspension (``suspended``)."""
    since = now - NOTICE_LOOKBACK
    found = []
    for plan in plans:
        over_after = patrols.over_after(plan, rules)
        for slot in counted_slots(plan, since - over_after, now, now, rules, suspended):
            if slot + over_after > since:
                found.append((plan, slot))
    return found


def plans_read_since(now):
    """The sweep's plans are those not stopped before this: an older stop left no slot to announce."""
    return now - NOTICE_LOOKBACK - LONGEST_OVER


def missed_of(slots, routes, rounds, rules):
    """The items of ``slots`` (``[(plan, slot)]``) that ``rounds`` did not walk through (none of a
    slot's rounds finished), oldest first."""
    walked = {}
    for round_ in rounds:
        if round_.get("plan_id"):
            walked.setdefault((round_["plan_id"], round_["scheduled_start"]), []).append(round_)
    items = []
    for plan, slot in slots:
        route = routes.get(plan["route_id"]) or {}
        scheduled = clock.to_iso(slot)
        its_rounds = walked.get((plan["_id"], scheduled), [])
        if any(r["status"] == "finished" for r in its_rounds):
            continue
        items.append({
            "plan_id": plan["_id"], "route_id": plan["route_id"], "route_name": route.get("name"),
            "shift": plan["shift"], "scheduled_start": scheduled,
            "over_at": clock.to_iso(slot + patrols.over_after(plan, rules)),
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
