"""Alerts (预警响应): an estate's weather emergency plan activated at the authority's warning, before
anything has happened (防汛防台应急预案启动 at the 18:00 typhoon warning).

A typhoon night (h7's probe): the plans of ``emergency_plans`` start only with an incident, and an
incident of storm damage opened to activate the plan asked maintenance for an emergency work order
of nothing. An alert is no incident: it names the warning (its ``kind``, the authority's ``level``,
气象预警级别 blue < yellow < orange < red, and when the authority ``issued_at`` it), asks nobody for
anything, and stands until it is stood down (解除: who, when, a note). The level an authority raises
or lowers is kept in its history (``levels``). One alert of a kind stands at a time per estate
(``store.claim_open_alert``: two raised at once, one wins, the other is a 409). Reading one names the
incidents that happened while it stood (``window``) and the work orders they opened.

Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, field_error

KINDS = ("typhoon", "rainstorm", "flood", "heat", "cold", "other")
LEVELS = ("blue", "yellow", "orange", "red")  # 气象预警级别, the mildest first
# a warning's time as the authority stamped it may run ahead of our clock by this much (a phone's clock)
ISSUED_AHEAD = timedelta(minutes=5)


def _note(data):
    note = " ".join((data.get("note") or "").split())
    return note or None


def new_alert(doc_id, estate_id, data, now, actor, rules):
    """The alert as raised (422 ``data.issued_at`` for a warning issued in the future, or more than
    ``alert_issued_back_hours`` back: one of 1999 was taken, and its read listed every incident since)."""
    issued = clock.parse_iso(data["issued_at"])
    if issued > now + ISSUED_AHEAD:
        raise BusinessRuleViolation("an alert is raised on a warning already issued",
                                    [field_error("data.issued_at", "is in the future")])
    back = rules["alert_issued_back_hours"]
    if issued < now - timedelta(hours=back):
        raise BusinessRuleViolation(f"an alert is raised within {back} hours of its warning",
                                    [field_error("data.issued_at", f"is more than {back} hours ago")])
    stamp, note = clock.to_iso(now), _note(data)
    return {
        "_id": doc_id,
        "estate_id": estate_id,
        "kind": data["kind"],
        "level": data["level"],
        "issued_at": clock.to_iso(issued),
        "note": note,
        "status": "open",
        "levels": [{"level": data["level"], "at": clock.to_iso(issued), "by": actor, "note": note}],
        "raised_by": actor,
        "raised_at": stamp,
        "stood_down_at": None,
        "stood_down_by": None,
        "stand_down_note": None,
        "created_at": stamp,
    }


def _refuse_stood_down(alert, now):
    """409 on an alert stood down, or on one whose warning is not issued yet (issued up to
    ``ISSUED_AHEAD`` after now: stood down then, its window would end before it began)."""
    if alert["status"] != "open":
        raise Conflict("the alert is stood down already", [field_error("id", "is stood down")])
    if clock.parse_iso(alert["issued_at"]) > now:
        raise Conflict("the alert's warning is not issued yet", [field_error("id", "is issued later")])


def level_changed(alert, data, now, actor):
    """The fields and the history entry of a level the authority raised or lowered (409 on an alert
    stood down, 422 for the level it has)."""
    _refuse_stood_down(alert, now)
    level = data["level"]
    if level == alert["level"]:
        raise BusinessRuleViolation(f"the alert is {level} already", [field_error("data.level", "is the alert's level")])
    change = "raised" if LEVELS.index(level) > LEVELS.index(alert["level"]) else "lowered"
    entry = {"level": level, "change": change, "from": alert["level"], "at": clock.to_iso(now), "by": actor,
             "note": _note(data)}
    return {"level": level}, entry


def stood_down(alert, data, now, actor):
    """解除: the fields a stand-down sets (409 when stood down already or its warning is not issued yet)."""
    _refuse_stood_down(alert, now)
    return {"status": "stood_down", "stood_down_at": clock.to_iso(now), "stood_down_by": actor,
            "stand_down_note": _note(data)}


def event_data(alert):
    """``emergency_alert_raised`` / ``_level_changed`` / ``_stood_down``: the alert as archive keeps it
    and maintenance reads it (its kind, level and whether it stands), with its ``levels`` over time
    (each level and since when: the warning's, then each change's), so that a copy tells the level at
    any moment whichever of the events it reads first."""
    kept = ("kind", "level", "issued_at", "note", "status", "raised_by", "raised_at",
            "stood_down_at", "stood_down_by", "stand_down_note")
    return {"id": alert["_id"], **{key: alert.get(key) for key in kept},
            "levels": [{"level": entry["level"], "at": entry["at"]} for entry in alert["levels"]]}


def level_change_event_data(alert, entry):
    """``emergency_alert_level_changed``: the alert (``event_data``) and the change itself (``change``:
    from and to which level, raised or lowered, when, by whom, its own note), where the event told the
    raising's note alone and archive never kept why the level moved (found by h6)."""
    return {**event_data(alert), "change": {key: entry.get(key) for key in ("from", "level", "change", "at", "by", "note")}}


def window(alert, now):
    """``(start, end)`` ISO of the time it stood: from the warning to its stand-down (now while open)."""
    return alert["issued_at"], alert.get("stood_down_at") or clock.to_iso(now)
