"""Fire drills and fire-lane checks (消防演练, 消防通道): DOMAIN.md "fire lanes kept clear;
drills organised"; the seeds: "组织消防宣传与演练,确保消防通道畅通".

A drill is recorded after it was held (a date in the future is 422). A fire-lane check finds
the lane clear or obstructed; an obstruction is named (422 without) and the check stays
``obstructed`` until the lane is cleared (``clear``: once, 409 on a lane that is not
obstructed). Plain functions: no broker, no store.
"""
from estate_common import clock, plausible, transitions
from estate_common.errors import BusinessRuleViolation, field_error
from estate_common.wording import counted

from . import localtime

# status -> {action: next status}; an action not listed is refused (409).
LANE_TRANSITIONS = {
    "clear": {},
    "obstructed": {"clear": "cleared"},
    "cleared": {},
}


def new_drill(drill_id, estate_id, data, now, actor, rules):
    held = clock.parse_iso(data["held_at"])
    if held > now:
        raise BusinessRuleViolation("a drill is recorded once it was held",
                                    [field_error("data.held_at", "is in the future")])
    # written up soon after (estate_common.plausible): one of 1900 counted in that month's KPI
    # (a probe), and its month, 1899 in Los Angeles, was none the contract has
    days = rules["recorded_within_days"]
    plausible.recent(held, now, days, "data.held_at",
                     f"a drill is recorded within {counted(days, 'day')} of being held",
                     rules["timezone"])
    period = localtime.period_of(held, rules)
    stamp = clock.to_iso(now)
    return {
        "_id": drill_id,
        "estate_id": estate_id,
        "held_at": clock.to_iso(held),
        "period": period,
        "scenario": data["scenario"].strip(),
        "location": data["location"].strip(),
        "participants": data["participants"],
        "led_by": data["led_by"].strip(),
        "notes": (data.get("notes") or "").strip(),
        "recorded_by": actor,
        "created_at": stamp,
    }


def new_lane_check(check_id, estate_id, data, now, actor, rules):
    obstruction = (data.get("obstruction") or "").strip()
    if not data["clear"] and not obstruction:
        raise BusinessRuleViolation("an obstructed fire lane is recorded with what blocks it",
                                    [field_error("data.obstruction", "is required when the lane is not clear")])
    if data["clear"] and obstruction:
        raise BusinessRuleViolation("a clear fire lane has no obstruction",
                                    [field_error("data.obstruction", "is only for a lane that is not clear")])
    stamp = clock.to_iso(now)
    return {
        "_id": check_id,
        "estate_id": estate_id,
        "lane": data["lane"].strip(),
        "status": "clear" if data["clear"] else "obstructed",
        "obstruction": obstruction or None,
        "notes": (data.get("notes") or "").strip(),
        "checked_at": stamp,
        "period": localtime.period_of(now, rules),
        "checked_by": actor,
        "cleared_at": None,
        "cleared_by": None,
        "action": None,
        "created_at": stamp,
        "updated_at": stamp,
    }


def clear_lane(check, action, now, actor):
    """The obstruction removed (the action taken): the fields that record it."""
    status = transitions.next_status(LANE_TRANSITIONS, check["status"], "clear", "a fire-lane check")
    stamp = clock.to_iso(now)
    return {"status": status, "action": action.strip(), "cleared_at": stamp, "cleared_by": actor, "updated_at": stamp}
