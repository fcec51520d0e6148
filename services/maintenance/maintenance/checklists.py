"""Inspection checklists (巡检表) and the inspections done with them.

A checklist names its items (a code each): ``pass_fail`` items are passed or not, ``reading``
items take a number that must lie within the item's ``min``/``max`` (either may be absent).
An inspection is opened on a piece of equipment or a location with one checklist (its items
are copied in, so a later change of the checklist does not change an open inspection), and
completed once with a result for every item. Every failed item is a finding and opens exactly
one work order (source ``inspection``; its id follows from the inspection and the item code,
so a retried completion opens nothing twice).

How results are checked against the items and which fail is shared with security_patrol's
fire checks (``estate_common.checklist_results``). Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import clock, ids
from estate_common.checklist_results import checked_results, failed, failure_text
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.writes import Change
from estate_common.wording import counted

ITEM_FIELDS = ("code", "label", "kind", "min", "max", "unit")


# -- checklists ---------------------------------------------------------------------

def _item(index, item):
    where = f"data.items[{index}]"
    code = item["code"].strip()
    if item["kind"] == "pass_fail" and any(item.get(k) is not None for k in ("min", "max", "unit")):
        raise BusinessRuleViolation("a pass/fail item has no limits",
                                    [field_error(where, "min, max and unit are for reading items")])
    low, high = item.get("min"), item.get("max")
    if low is not None and high is not None and low > high:
        raise BusinessRuleViolation("min is above max", [field_error(f"{where}.min", "is above max")])
    line = {"upkeep_line": item["upkeep_line"]} if item.get("upkeep_line") else {}  # a contractor's (h2)
    return {"code": code, "label": item["label"].strip(), "kind": item["kind"],
            "min": low, "max": high, "unit": item.get("unit"), **line}


def new_checklist(checklist_id, estate_id, data, now, actor):
    """A checklist with distinct item codes. The contract checks each item's shape; what it cannot
    say (a repeated code, limits on a pass/fail item, min above max) is a 422 naming the item."""
    items, seen = [], set()
    for index, raw in enumerate(data["items"]):
        item = _item(index, raw)
        if item["code"] in seen:
            raise BusinessRuleViolation(f"item code {item['code']} is repeated",
                                        [field_error(f"data.items[{index}].code", f"{item['code']} is repeated")])
        seen.add(item["code"])
        items.append(item)
    stamp = clock.to_iso(now)
    return {"_id": checklist_id, "estate_id": estate_id, "name": data["name"].strip(), "target": data["target"],
            "items": items, "created_at": stamp, "updated_at": stamp, "created_by": actor}


# on a checklist: what first used it (``inspection``, ``plan``: ``store.checklist_use``'s), set in its write path by
# the use itself, so an edit decided before the use is decided again after it (review r7 of h7)
USED_BY = "_used_by"


def used(checklist, what):
    """The checklist marked used by ``what`` (a ``Change``), or None when it is marked already."""
    return None if checklist.get(USED_BY) else Change({USED_BY: what})


def edited(checklist, data, in_use, now, actor):
    """A checklist's ``name`` and/or ``items`` changed (an operator's 防汛防台 checklist made the
    estate's own before its staff tick it): held to a new checklist's rules (``new_checklist``), the
    target kept. ``in_use``: why it may not change any more (``inspection``: one was opened with it,
    ``plan``: a plan schedules it; ``store.checklist_use``), else None; or the checklist's own mark of
    its first use, ``USED_BY``, read in the write path, where a use between the look and the write
    went unseen: a 409 then, as an inspection keeps the items it was opened with and a plan opens its
    inspections with the checklist's. A ``Change`` with ``checklist_updated``."""
    in_use = in_use or checklist.get(USED_BY)
    if in_use == "inspection":
        raise Conflict("the checklist is in use: an inspection was opened with it",
                       [field_error("id", "is used by an inspection")])
    if in_use == "plan":
        raise Conflict("the checklist is in use: a maintenance plan schedules it",
                       [field_error("id", "is used by a maintenance plan")])
    merged = {"name": data.get("name", checklist["name"]), "target": checklist["target"],
              "items": data.get("items", checklist["items"])}
    fresh = new_checklist(checklist["_id"], checklist["estate_id"], merged, after_the_last(checklist, now), actor)
    changes = {"name": fresh["name"], "items": fresh["items"], "updated_at": fresh["updated_at"], "updated_by": actor}
    return Change(changes, events=[("checklist_updated", updated_event_data({**checklist, **changes}))])


def after_the_last(checklist, now):
    """``now``, or a millisecond after the checklist's ``updated_at`` when that is not before it (two
    edits in one millisecond, a replica whose clock is behind): security patrol's copy takes an edit
    only when it is later than what it holds, and kept the first of them for good (review r7 of h7)."""
    last = checklist.get("updated_at") or checklist["created_at"]
    return max(now, clock.parse_iso(last) + timedelta(milliseconds=1))


def updated_event_data(checklist):
    return {**created_event_data(checklist), "updated_at": checklist["updated_at"]}


def created_event_data(checklist):
    return {"id": checklist["_id"], "name": checklist["name"], "target": checklist["target"],
            "items": checklist["items"], "created_at": checklist["created_at"]}


# -- inspections ----------------------------------------------------------------------

def target_of(checklist, data):
    """``(equipment_id, location)`` of a new inspection: the one the checklist's target asks for
    (422 otherwise: the contract cannot know the checklist's target)."""
    if checklist["target"] == "equipment":
        if not data.get("equipment_id") or data.get("location"):
            raise BusinessRuleViolation("an equipment checklist is done on a piece of equipment",
                                        [field_error("data.equipment_id", "is required for an equipment checklist "
                                                     "(and location is not)")])
        return data["equipment_id"], None
    if not (data.get("location") or "").strip() or data.get("equipment_id"):
        raise BusinessRuleViolation("a location checklist is done at a location",
                                    [field_error("data.location", "is required for a location checklist "
                                                 "(and equipment_id is not)")])
    return None, data["location"].strip()


def new_inspection(inspection_id, estate_id, checklist, equipment, location, now, actor,
                   plan_id=None, due_on=None):
    """``equipment``: the equipment document (an equipment checklist), else None and ``location``."""
    stamp = clock.to_iso(now)
    return {"_id": inspection_id, "estate_id": estate_id, "checklist_id": checklist["_id"],
            "checklist_name": checklist["name"], "target": checklist["target"],
            "equipment_id": equipment and equipment["_id"], "equipment_code": equipment and equipment["code"],
            "location": location, "items": [dict(item) for item in checklist["items"]], "status": "open",
            "plan_id": plan_id, "due_on": due_on, "results": None, "findings": None, "completed_at": None,
            "completed_by": None, "created_at": stamp, "updated_at": stamp, "created_by": actor}


def plan_inspection_id(estate_id, plan_id, due_on):
    """A plan opens one inspection per due date."""
    return ids.natural_id("insp", estate_id, plan_id, due_on)


def finding_order_id(estate_id, inspection_id, code):
    """One work order per failed item of an inspection."""
    return ids.natural_id("wo", estate_id, "inspection", inspection_id, code)


def findings(inspection, results):
    items = {item["code"]: item for item in inspection["items"]}
    found = []
    for result in results:
        item = items[result["code"]]
        if failed(item, result):
            line = item.get("upkeep_line")  # a contractor's line: its finding, not a technicians' order (h2)
            found.append({"code": item["code"], "label": item["label"], "kind": item["kind"],
                          "passed": result["passed"], "reading": result["reading"], "min": item["min"],
                          "max": item["max"], "unit": item["unit"], "note": result["note"],
                          "work_order_id": None if line else finding_order_id(inspection["estate_id"],
                                                                              inspection["_id"], item["code"]),
                          **({"upkeep_line": line} if line else {})})
    return found


def upkeep_faults(inspection, found):
    """``upkeep_faults_found``: the failed items of a contractor's line (``upkeep_line``) of a location
    inspection, which open no work order (found by h2: a failed 垃圾清运 went to the technicians);
    None when there is none."""
    faults = [{"code": f["code"], "label": f["label"], "upkeep_line": f["upkeep_line"], "note": f["note"] or None}
              for f in found if f.get("upkeep_line")]
    if not faults:
        return None
    return {"inspection_id": inspection["_id"], "checklist_name": inspection["checklist_name"],
            "location": inspection["location"] or f"equipment {inspection['equipment_code']}",
            "completed_at": inspection["completed_at"], "faults": faults}


def complete(inspection, data, now, actor):
    """``(changes, entry)`` of the completion, or None when the inspection was completed with
    these very results (a replay); other results on a completed inspection are a 409."""
    if inspection["status"] == "cancelled":
        raise Conflict("this inspection was cancelled with its equipment's retirement",
                       [field_error("id", "is cancelled")])
    results = checked_results(inspection, data["results"])
    if inspection["status"] == "completed":
        if inspection["results"] == results:
            return None
        raise Conflict("this inspection is completed with other results",
                       [field_error("data.results", "differ from the completed inspection's")])
    stamp = clock.to_iso(now)
    found = findings(inspection, results)
    changes = {"status": "completed", "results": results, "findings": found, "completed_at": stamp,
               "completed_by": actor, "updated_at": stamp}
    # "1 finding", "2 findings" (the count of its ``findings``): "1 finding(s)" was read in the history, in
    # English on every page (found rereading the change, h6; the console says it in the page's language)
    note = counted(len(found), "finding") if found else "all items passed"
    return changes, {"at": stamp, "by": actor, "action": "complete", "note": note, "event_id": None}


def cancelled(inspection, reason, now):
    """A plan's scheduled inspection cancelled (its piece retired from its day: h4), with its reason; None
    when it is not open (done, or cancelled already)."""
    if inspection["status"] != "open":
        return None
    stamp = clock.to_iso(now)
    return Change({"status": "cancelled", "cancelled_at": stamp, "cancel_reason": reason, "updated_at": stamp},
                  [{"at": stamp, "by": None, "action": "cancel", "note": reason, "event_id": None}])


def inspected(inspection):
    """An inspection as people know it: its checklist and where it was made (a place, or the
    equipment by its code), as a finding's order describes it and its note names it."""
    where = inspection["location"] or f"equipment {inspection['equipment_code']}"
    return f"{inspection['checklist_name']} at {where}"


def describe_finding(inspection, finding):
    return f"{inspected(inspection)}: {failure_text(finding, finding)}"[:2000]


def equipment_record(inspection):
    """A completed inspection of equipment on the equipment's record (once: its id follows)."""
    found = inspection["findings"]
    return {"id": ids.natural_id("eqr", inspection["_id"]), "kind": "inspection",
            "result": f"{len(found)} finding(s)" if found else "passed",
            "notes": f"checklist {inspection['checklist_name']}"[:2000], "at": inspection["completed_at"],
            "by": inspection["completed_by"], "work_order_id": None}


def plan_checklist(checklist):
    """A plan schedules a checklist of equipment (plans are of equipment)."""
    if checklist["target"] != "equipment":
        raise BusinessRuleViolation("a plan schedules an equipment checklist",
                                    [field_error("data.checklist_id", "is a location checklist")])
    return checklist
