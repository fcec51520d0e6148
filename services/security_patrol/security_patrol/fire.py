"""Fire equipment (消防设施、器材): the ledger (管理台帐) and its checks, once a cycle.

Every fire facility is checked every month (每月组织秩序维护员对消防设施、器材检查,
并填写消防设施、器材检查记录表): ``fire_check_interval_months``, the estate's cycle of checks,
is 1 and an estate may set no more (rules.MAXIMA). The functions below read a cycle of any
months that divide the year, aligned to the estate's calendar year (3 would be Jan-Mar,
Apr-Jun, ...; a cycle is named by its first month, ``cycle_of``). A facility
owes one check a cycle, and a check recorded in any month of the cycle counts for it; each
check keeps the local month it was recorded in (``period``), so checks recorded before the
setting existed stay valid. A facility without a check in its cycle is unchecked for it; the
share checked is a KPI. A cycle's checks are due by the end of its last local month plus
``fire_check_grace_days`` (0, and no more); a facility that was in the ledger then and has no check in the
cycle is overdue (``fire_check_overdue``, once per facility and cycle: the notice's ``_id``
follows from both, the cycle named by its first month, so that monthly checks keep the ids
and events they always had). A check that finds a defect asks
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
from estate_common.text import typed_code
from estate_common.writes import Change

from . import localtime

CYCLES_LOOKED_BACK = 2  # with under 28 grace days (none allowed now), the latest cycle past its deadline is one of these
# and the sweep looks at two cycles before that one too: a sweep that did not run for a month
# or two (an outage) still raises every cycle's notices (it raised the latest month's only, and
# an earlier month's unchecked facilities were never told: found by a probe)
CYCLES_CAUGHT_UP = 3


def equipment_code(text):
    """A facility's code as it is kept and compared, as a checkpoint's is: ``ＦＥ－１`` typed
    full-width is ``FE-1``, and ``fe-1`` is ``FE-1`` (``estate_common.text.typed_code``). A code
    typed before was ASCII (the contract's pattern), so its facility's id is what it was."""
    return typed_code(text)


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
    """Engineering's checklist as its ``checklist_created`` or ``checklist_updated`` tells it."""
    checklist = event["data"]
    return {"_id": checklist["id"], "estate_id": event["estate_id"], "name": checklist["name"],
            "target": checklist["target"], "items": checklist["items"], "created_at": checklist["created_at"],
            "updated_at": checklist.get("updated_at") or checklist["created_at"], "copied_at": clock.now_iso()}


def checklist_edited(copy, event):
    """The copy as a ``checklist_updated`` leaves it: its name and items, when the edit is later than
    what the copy holds (None: an older edit delivered late changes nothing)."""
    edit = event["data"]
    if edit["updated_at"] <= (copy.get("updated_at") or copy["created_at"]):
        return None
    return Change({"name": edit["name"], "items": edit["items"], "updated_at": edit["updated_at"],
                   "copied_at": clock.now_iso()})


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
    month it is filed under (a ``grace_period`` without a check), else the local month of ``now``:
    a month of the cycle it counts for."""
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


# -- the cycle of checks and its deadline ---------------------------------------------------

def cycle_of(period, rules):
    """The first month (``YYYY-MM``) of the cycle the local month ``period`` is in: cycles of
    ``fire_check_interval_months`` months from January (3: Jan, Apr, Jul, Oct); with monthly
    checks, ``period`` itself."""
    year, month = calendar.parse_period(period)
    size = rules["fire_check_interval_months"]
    return f"{year:04d}-{(month - 1) // size * size + 1:02d}"


def cycle_months(period, rules):
    """The local months of the cycle ``period`` is in, in order."""
    first = cycle_of(period, rules)
    return [calendar.add_months(first, n) for n in range(rules["fire_check_interval_months"])]


def cycle_so_far(period, rules):
    """The months of the cycle ``period`` is in up to ``period``: those whose checks take a
    facility off that month's list of what is unchecked (``?unchecked_in=``)."""
    return [month for month in cycle_months(period, rules) if month <= period]


def cycle_end(period, rules):
    """The end (UTC) of the cycle ``period`` is in: the end of its last local month."""
    return localtime.month_window(cycle_months(period, rules)[-1], rules)[1]


def grace_period(now, rules):
    """The last month of the previous cycle while that cycle's grace days run at ``now``
    (``fire_check_grace_days``, before its ``check_due_at``), else None. A check recorded then
    is filed under that month, counting for that cycle, when the facility has none in it
    (``record_fire_inspection``); filed under the month of ``now``, it left the previous cycle
    unchecked, and the grace only put off its overdue notice."""
    previous = calendar.add_months(cycle_of(localtime.period_of(now, rules), rules), -1)
    return previous if now < check_due_at(previous, rules) else None


def in_ledger_during(equipment, period, rules):
    """Whether the cycle of the local month ``period`` owes the facility a check (``owed_by``
    its end)."""
    return owed_by(equipment, clock.to_iso(cycle_end(period, rules)))


def owed_by(equipment, month_end):
    """Whether a month (or cycle) ending at ``month_end`` (ISO) owes the facility a check:
    registered before it ended and not retired before then (the store's ``in_ledger`` filter
    asks the same)."""
    retired_at = equipment.get("retired_at")
    return equipment["created_at"] < month_end and (retired_at is None or retired_at >= month_end)


def kpi_cycles(months, rules):
    """What fire-check completion counts over a KPI period: ``months``, its local months begun
    by now, in order. One ``(the cycle's months, owed_by ISO)`` per cycle whose last month is one
    of ``months``: a cycle is counted in the period that holds the month its checks are due by,
    the ledger read at the cycle's end (within the period, as that month is). A month before its
    cycle's last owes nothing of its own: counted there, a quarterly estate's January read 0 of
    every facility for good when the quarter's checks were made in February (found by review).
    With monthly checks, each month with its own end."""
    return [(cycle, clock.to_iso(cycle_end(month, rules)))
            for month in months for cycle in [cycle_months(month, rules)] if cycle[-1] == month]


def completion(ledger, cycles, checked):
    """The fire-check completion's counts over ``cycles`` (``kpi_cycles``: each cycle's months
    and when the facilities owed its checks are read), each cycle's facilities owed a check
    then and those of them checked in one of its months, summed: ``ledger``, every facility of
    the estate; ``checked``, the ids checked per month."""
    owed = made = 0
    for months, owed_at in cycles:
        due = [equipment["_id"] for equipment in ledger if owed_by(equipment, owed_at)]
        made_in = set().union(*(checked.get(month, ()) for month in months))
        owed += len(due)
        made += sum(1 for equipment_id in due if equipment_id in made_in)
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
    """The deadline of the checks of the cycle the local month ``period`` is in: the end of its
    last local month plus the grace days (monthly: the end of the month plus the grace days)."""
    return calendar.days_later(cycle_end(period, rules), rules["fire_check_grace_days"], rules["timezone"])


def overdue_period(now, rules):
    """The latest cycle (its first month) whose checks are past their deadline at ``now``."""
    cycle = cycle_of(localtime.period_of(now, rules), rules)
    for _ in range(CYCLES_LOOKED_BACK):
        cycle = cycle_of(calendar.add_months(cycle, -1), rules)
        if check_due_at(cycle, rules) <= now:
            return cycle
    return None


def overdue_periods(now, rules):
    """The cycles (first months) whose notices the sweep raises at ``now``: the latest past its
    deadline and the ``CYCLES_CAUGHT_UP - 1`` before it, oldest first (each notice once: its
    natural id)."""
    latest = overdue_period(now, rules)
    if latest is None:
        return []
    size = rules["fire_check_interval_months"]
    return [calendar.add_months(latest, -back * size) for back in range(CYCLES_CAUGHT_UP - 1, -1, -1)]


def overdue_id(estate_id, equipment_id, period, interval_months=1):
    """One notice per facility and cycle: a cycle longer than a month is keyed by its length
    too, since a quarter and its first month share a first month (an estate gone from monthly
    to quarterly checks raised no notice for a quarter whose January had one: found by review);
    a month's id is as it always was."""
    if interval_months == 1:
        return ids.natural_id("fco", estate_id, equipment_id, period)
    return ids.natural_id("fco", estate_id, equipment_id, period, f"{interval_months}m")


def new_overdue(estate_id, equipment, period, now, rules):
    """The notice of one facility not checked in the cycle ``period`` (its first month), with its
    event; a cycle longer than a month says how long (``interval_months``: monthly notices are
    as they always were)."""
    stamp = clock.to_iso(now)
    notice = {
        "_id": overdue_id(estate_id, equipment["_id"], period, rules["fire_check_interval_months"]),
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
    if rules["fire_check_interval_months"] != 1:
        notice["interval_months"] = rules["fire_check_interval_months"]
    data = {"id": notice["_id"], **{k: notice[k] for k in (
        "equipment_id", "equipment_code", "equipment_name", "location", "period", "due_at", "raised_at",
        "interval_months") if k in notice}}
    return notice, [("fire_check_overdue", data)]

