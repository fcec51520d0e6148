"""Fire equipment (消防设施、器材): the ledger (管理台帐) and the monthly checks.

Every fire facility is checked every month (每月组织秩序维护员对消防设施、器材检查,
并填写消防设施、器材检查记录表); a facility without a check in a month is
unchecked for that month; the share checked is a KPI.

Plain functions: no broker, no store.
"""
from estate_common import clock, ids

from . import localtime


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


def new_inspection(inspection_id, estate_id, equipment, data, now, actor, rules):
    stamp = clock.to_iso(now)
    return {
        "_id": inspection_id,
        "estate_id": estate_id,
        "equipment_id": equipment["_id"],
        "equipment_code": equipment["code"],
        "period": localtime.period_of(now, rules),
        "result": data["result"],
        "notes": (data.get("notes") or "").strip(),
        "inspected_at": stamp,
        "inspected_by": actor,
        "created_at": stamp,
    }

