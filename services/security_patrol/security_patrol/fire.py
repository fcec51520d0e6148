"""Fire equipment (消防设施、器材): the ledger (管理台帐) and the monthly checks.

Every fire facility is checked every month (每月组织秩序维护员对消防设施、器材检查,
并填写消防设施、器材检查记录表); a facility without a check in a month is
unchecked for that month; the share checked is a KPI. A month's check is due by the end
of that local month plus ``fire_check_grace_days``; a facility that was in the ledger
then and has no check of the month is overdue (``fire_check_overdue``, once per facility
and month: the notice's ``_id`` follows from both). A check that finds a defect asks
maintenance for a work order (``fire_defect_reported``, keyed by the check's id, so a
redelivered event or a retried check opens no second order).

A check may be recorded with one of engineering's inspection checklists (``checklist_id`` and
``results``; security_patrol keeps a copy of each, from ``maintenance.checklist_created``): the
results are checked as maintenance checks an inspection's (``estate_common.checklist_results``)
and a failed item is a defect: the check's ``result`` must say so (422 for ``ok``), its failed
items go into the defect's notes, and the one work order per check follows as for any defect.

Plain functions: no broker, no store.
"""

from estate_common import calendar, clock, ids
from estate_common.checklist_results import checked_results, failed, failure_text
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, field_error
from estate_common.writes import Change

from . import localtime

MONTHS_LOOKED_BACK = 2  # with at most 27 grace days, the latest month past its deadline is one of these
# and the sweep looks at two months before that one too: a sweep that did not run for a month
# or two (an outage) still raises every month's notices (it raised the latest month's only, and
# an earlier month's unchecked facilities were never told: found by a probe)
MONTHS_CAUGHT_UP = 3


def equipment_code(text):
    return text.strip().upper()


def equipment_id(estate_id, code):
    """One ledger entry per code in an estate: a second one collides on _id (409)."""
    return ids.natural_id("fe", estate_id, equipment_code(code))


def new_equipment(estate_id, data, now, actor):
    stamp = clock.to_iso(now)
    return {
        "_id": equipment_id(estate_id, data["code"]),
        "estate_id": estate_id,
        "code": equipment_code(data["code"]),
        "name": data["name"].strip(),
        "kind": data["kind"],
        "location": data["location"].strip(),
        "created_at": stamp,
        "created_by": actor,
    }


def checklist_copy(event):
    checklist = event["data"]
    return {"_id": checklist["id"], "estate_id": event["estate_id"], "name": checklist["name"],
            "target": checklist["target"], "items": checklist["items"], "created_at": checklist["created_at"],
            "copied_at": clock.now_iso()}


def checklist_of(data, checklist):
    """The checklist a check is recorded with (an equipment checklist), or None; results without
    a checklist, or a checklist without results, are a 400."""
    if checklist is None:
        if data.get("results") is not None:
            raise InvalidInput("results need the checklist they answer",
                               [field_error("data.checklist_id", "is required with results")])
        return None
    if data.get("results") is None:
        raise InvalidInput("a check with a checklist gives its results",
                           [field_error("data.results", "is required with checklist_id")])
    if checklist["target"] != "equipment":
        raise BusinessRuleViolation("a fire check uses an equipment checklist",
                                    [field_error("data.checklist_id", "is a location checklist")])
    return checklist


def checklist_findings(checklist, data):
    """``(results, failed items' text)`` of a check recorded with ``checklist``."""
    results = checked_results(checklist, data["results"])
    items = {item["code"]: item for item in checklist["items"]}
    failures = [failure_text(items[r["code"]], r) for r in results if failed(items[r["code"]], r)]
    if failures and data["result"] != "defect":
        raise BusinessRuleViolation("a failed checklist item is a defect",
                                    [field_error("data.result", f"is ok, but {failures[0]}")])
    return results, failures


def new_inspection(inspection_id, estate_id, equipment, data, now, actor, rules, checklist=None, period=None):
    """The check, and for a defect the request for its repair in the same write; ``period``: the
    month it counts for (a ``grace_period`` without a check), else that of ``now``."""
    results, failures = checklist_findings(checklist, data) if checklist else (None, [])
    notes = "; ".join(part for part in ((data.get("notes") or "").strip(), *failures) if part)
    stamp = clock.to_iso(now)
    inspection = {
        "_id": inspection_id,
        "estate_id": estate_id,
        "equipment_id": equipment["_id"],
        "equipment_code": equipment["code"],
        "period": period or localtime.period_of(now, rules),
        "result": data["result"],
        "notes": notes[:2000],
        "inspected_at": stamp,
        "inspected_by": actor,
        "created_at": stamp,
    }
    if checklist:
        inspection.update(checklist_id=checklist["_id"], results=results, failed_items=len(failures))
    if inspection["result"] != "defect":
        return inspection
    return inspection, [("fire_defect_reported", defect_event_data(inspection, equipment))]


def defect_event_data(inspection, equipment):
    """What maintenance opens its work order from (source ``fire_inspection``, id = the check's)."""
    return {"id": inspection["_id"], "equipment_id": equipment["_id"], "equipment_code": equipment["code"],
            "equipment_name": equipment["name"], "kind": equipment["kind"], "location": equipment["location"],
            "notes": inspection["notes"], "period": inspection["period"], "inspected_at": inspection["inspected_at"]}


# -- the monthly deadline -----------------------------------------------------------------

def grace_period(now, rules):
    """The previous month while its grace days run at ``now`` (``fire_check_grace_days``, before
    its ``check_due_at``), else None. A check recorded then counts for that month when the
    facility has none in it (``record_fire_inspection``); filed under the month of ``now``, it
    left the previous month unchecked, and the grace only put off its overdue notice."""
    previous = calendar.add_months(localtime.period_of(now, rules), -1)
    return previous if now < check_due_at(previous, rules) else None


def in_ledger_during(equipment, period, rules):
    """Whether the local month ``period`` owes the facility a check (``owed_by``)."""
    return owed_by(equipment, clock.to_iso(localtime.month_window(period, rules)[1]))


def owed_by(equipment, month_end):
    """Whether a month ending at ``month_end`` (ISO) owes the facility a check: registered before
    the month ended and not retired before then (the store's ``in_ledger`` filter asks the same)."""
    retired_at = equipment.get("retired_at")
    return equipment["created_at"] < month_end and (retired_at is None or retired_at >= month_end)


def completion(ledger, months, checked):
    """The fire-check completion's counts over ``months`` (``(month, its end ISO)``), each month's
    facilities owed a check then and those of them checked in it, summed: ``ledger``, every
    facility of the estate; ``checked``, the ids checked per month."""
    owed = made = 0
    for month, month_end in months:
        due = [equipment["_id"] for equipment in ledger if owed_by(equipment, month_end)]
        owed += len(due)
        made += sum(1 for equipment_id in due if equipment_id in checked.get(month, ()))
    return {"fire_ledger": owed, "fire_checked": made}


def retired(equipment, reason, now, actor):
    """A facility taken out of the ledger (removed, replaced): from the month it is retired in,
    no check is owed for it, nor counted in fire-check completion, nor noticed overdue; its
    checks stay. Without this, a removed extinguisher was owed a check every month for ever.
    409 when it is retired already."""
    if equipment.get("retired_at"):
        raise Conflict("the facility is retired already", [field_error("id", "is retired")])
    return Change(set={"retired_at": clock.to_iso(now), "retired_by": actor, "retire_reason": reason.strip()})


def retired_refusal(equipment):
    """The 409 a check of a retired facility gets (None when it is in the ledger)."""
    if equipment.get("retired_at"):
        return Conflict("the facility is retired: it is checked no more",
                        [field_error("data.equipment_id", "is retired")])
    return None


MAX_CODE_REUSES = 100  # facilities retired under one code, one after the other


def successor_id(retired_facility):
    """The id of the facility registered under a retired one's code: one per retirement."""
    return ids.natural_id("fe", retired_facility["estate_id"], retired_facility["code"],
                          retired_facility["retired_at"])


def check_due_at(period, rules):
    """The deadline of a month's checks: the end of the local month plus the grace days."""
    return calendar.days_later(localtime.month_window(period, rules)[1], rules["fire_check_grace_days"],
                               rules["timezone"])


def overdue_period(now, rules):
    """The latest month whose checks are past their deadline at ``now``."""
    period = localtime.period_of(now, rules)
    for _ in range(MONTHS_LOOKED_BACK):
        period = calendar.add_months(period, -1)
        if check_due_at(period, rules) <= now:
            return period
    return None


def overdue_periods(now, rules):
    """The months whose notices the sweep raises at ``now``: the latest past its deadline and the
    ``MONTHS_CAUGHT_UP - 1`` before it, oldest first (each notice once: its natural id)."""
    latest = overdue_period(now, rules)
    if latest is None:
        return []
    return [calendar.add_months(latest, -back) for back in range(MONTHS_CAUGHT_UP - 1, -1, -1)]


def overdue_id(estate_id, equipment_id, period):
    return ids.natural_id("fco", estate_id, equipment_id, period)


def new_overdue(estate_id, equipment, period, now, rules):
    """The notice of one facility not checked in ``period``, with its event."""
    stamp = clock.to_iso(now)
    notice = {
        "_id": overdue_id(estate_id, equipment["_id"], period),
        "estate_id": estate_id,
        "equipment_id": equipment["_id"],
        "equipment_code": equipment["code"],
        "equipment_name": equipment["name"],
        "location": equipment["location"],
        "period": period,
        "due_at": clock.to_iso(check_due_at(period, rules)),
        "raised_at": stamp,
        "created_at": stamp,
    }
    data = {"id": notice["_id"], **{k: notice[k] for k in (
        "equipment_id", "equipment_code", "equipment_name", "location", "period", "due_at", "raised_at")}}
    return notice, [("fire_check_overdue", data)]

