"""The equipment ledger (设备台账) and preventive maintenance plans (维护保养计划).

Every inspection, maintenance and repair is a record of its equipment, each a document of its own
(``record_document``): a daily inspection adds 365 a year, which on the equipment itself made one
document grow without bound. The equipment keeps what a list shows of them, their count and the
last one (``records_kept``). A plan opens one scheduled work order per due date. Plain functions:
no broker, no store.
"""
from datetime import date, timedelta

from estate_common import calendar, clock, custom_fields, ids, plausible
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, field_error
from estate_common.roles import EQUIPMENT_RETIRERS
from estate_common.writes import Change
from estate_common.wording import counted

# How many due dates of one plan a single scheduling run opens (a plan that was left
# behind catches up over the next runs instead of blocking the timer).
MAX_ORDERS_PER_RUN = 31

LEDGER_FIELDS = ("code", "name", "system", "location", "installed_on")

# 日常巡检: a daily inspection repeats at least weekly (one every 3660 days was taken: a probe);
# less often is periodic maintenance
DAILY_INSPECTION_MAX_DAYS = 7
# a plan's first due date is within a year (a yearly service), or within its cycle and the days
# its orders open ahead for a longer cycle (estate_common.plausible: one due in 2999 was taken)
PLAN_START_WITHIN_DAYS = 366
# 年检合格证: a lift's certificate is valid a year; one valid until 2099 is a typing slip. Three years
# ahead at most (a piece another inspection regime checks less often), as a plan's first due date is
# bounded (estate_common.plausible)
CERTIFICATE_VALID_WITHIN_DAYS = 3 * 366
# the systems whose pieces run on a certificate (特种设备: a lift may not run without one): one with none
# registered (a lift of the ledger before certificates, its expiry a custom date of the estate's own) is on
# the due list as 未登记合格证 (h5 of session 55), to have its certificate recorded from the paper
CERTIFIED_SYSTEMS = ("elevator",)


def equipment_code_key(code):
    """A code as it is compared: in upper case (``PUMP-01`` and ``pump-01`` are one machine), as
    fire equipment's and checkpoints' codes are."""
    return code.strip().upper()


def equipment_id(estate_id, code):
    """One piece of equipment per code and estate, whatever its case: ``PUMP-01`` and then
    ``pump-01`` made two machines (found by a probe). Equipment stored before is under the id of
    its code as typed: ``store.equipment_of_code`` finds it, and its twin is refused."""
    return ids.natural_id("eq", estate_id, equipment_code_key(code))


def new_equipment(estate_id, data, now, actor, custom=None, tz=None):
    """``custom``: its custom values, checked already (``estate_common.custom_fields.check_values``);
    ``tz``: the estate's timezone, whose today an installation day may not be after (a ledger
    entry of equipment installed in 2099 was taken: a probe)."""
    stamp = clock.to_iso(now)
    installed_on = calendar.checked_day_text(data["installed_on"], "data.installed_on") \
        if data.get("installed_on") else None
    if installed_on and tz and installed_on > calendar.day_of(now, tz):
        raise BusinessRuleViolation("equipment is registered once it is installed", [field_error(
            "data.installed_on", "is after today in the estate's timezone")])
    # an operator taking over an old estate registers equipment of years ago, not of 1900 (a probe)
    plausible.historical(installed_on, "data.installed_on", "the installation day is before any estate's history")
    return {
        "_id": equipment_id(estate_id, data["code"]),
        "estate_id": estate_id,
        "code": data["code"].strip(),  # as typed, for display; its id is of equipment_code_key
        "name": data["name"].strip(),
        "system": data["system"],
        "location": data["location"].strip(),
        "installed_on": installed_on,
        "record_count": 0,
        "last_record": None,
        "out_of_service": None,
        "retired": None,
        "certificate": checked_certificate(data.get("certificate"), now, tz, "data.certificate"),
        "custom": dict(custom or {}),
        "created_at": stamp,
        "updated_at": stamp,
        "created_by": actor,
    }


def checked_certificate(certificate, now, tz, where="data"):
    """年检合格证 (number, valid until, inspected by) as the ledger keeps it, or None (not known: a piece
    registered without one is neither valid nor expired). Its ``valid_until`` is a day of the estate's
    calendar, at most ``CERTIFICATE_VALID_WITHIN_DAYS`` ahead of today (422), not before any estate's
    history; one already expired is taken (a register of an old estate's lifts says what it says)."""
    if not certificate:
        return None
    field = f"{where}.valid_until"
    valid_until = calendar.checked_day_text(certificate["valid_until"], field)
    plausible.historical(valid_until, field, "the certificate's day is before any estate's history")
    if tz:
        plausible.ahead(valid_until, calendar.day_of(now, tz), CERTIFICATE_VALID_WITHIN_DAYS, field,
                        f"a certificate is valid at most {CERTIFICATE_VALID_WITHIN_DAYS} days ahead")
    return {"number": certificate["number"].strip(), "valid_until": valid_until,
            "inspected_by": certificate["inspected_by"].strip()}


def set_certificate(equipment, certificate, now, tz):
    """``POST …/equipment/{id}/certificate``: the certificate of this year's inspection over the last
    one's; the same again changes nothing. A certificate valid until another day is announced again
    when it comes due in its turn (its ``CERTIFICATE_DUE_ANNOUNCED`` stamp taken off); one corrected
    with the same day (a number mistyped) is not announced twice."""
    kept = checked_certificate(certificate, now, tz)
    current = equipment.get("certificate")
    if current == kept:
        return None
    refuse_going_back(current, kept)
    changes = {"certificate": kept, "updated_at": clock.to_iso(now)}
    if equipment.get(CERTIFICATE_MOVING_TO):  # recorded here: a move of the one it held is over
        changes[CERTIFICATE_MOVING_TO] = None
    if (equipment.get("certificate") or {}).get("valid_until") != (kept or {}).get("valid_until"):
        changes[CERTIFICATE_DUE_ANNOUNCED] = None
    return Change(changes)


def certificate_moved_onto(equipment, certificate, now, tz):
    """The piece a certificate is moved onto: recorded as ``set_certificate`` records it, and a move of
    its own under way ended (``CERTIFICATE_MOVING_TO``): that same certificate moved back to it meanwhile
    is its own again, which that move's last write then leaves on it."""
    change = set_certificate(equipment, certificate, now, tz)
    if change is None and equipment.get(CERTIFICATE_MOVING_TO):
        return Change({CERTIFICATE_MOVING_TO: None, "updated_at": clock.to_iso(now)})
    return change


def certificate_to_move(equipment, to_equipment_id):
    """``POST …/equipment/{id}/certificate/move``: the certificate of ``equipment`` (recorded on the wrong
    piece) to be moved to ``to_equipment_id``; 409 when it has none (moved already: a retry), 422 naming
    ``data.to_equipment_id`` when that is the piece itself. Recorded on the right piece, the certificate
    stayed on the wrong one, whose own (another number, an earlier day) was then refused as going back
    (``refuse_going_back``): the correction took two steps, and its second could not be made (found by h6)."""
    if to_equipment_id == equipment["_id"]:
        raise BusinessRuleViolation("a certificate is moved to another piece",
                                    [field_error("data.to_equipment_id", "is the piece it is on")])
    if not equipment.get("certificate"):
        raise Conflict("the equipment has no certificate to move", [field_error("id", "has no certificate")])
    return equipment["certificate"]


# where the certificate of a piece is being moved (``operations.move_equipment_certificate``): stamped
# on the piece it leaves before it is written onto the other, taken off with it by the last write; a
# certificate recorded on the piece meanwhile (moved back to it) ends the move, which then leaves it
CERTIFICATE_MOVING_TO = "_certificate_moving_to"


def certificate_moving(equipment, certificate, to_equipment_id, now):
    """The piece a certificate leaves, its first write: stamped with where it goes (``CERTIFICATE_MOVING_TO``);
    nothing when it is so already (a retry) or holds another certificate by now (409)."""
    if equipment.get("certificate") != certificate:
        raise Conflict("the equipment's certificate changed meanwhile", [field_error("id", "has another certificate")])
    if equipment.get(CERTIFICATE_MOVING_TO) == to_equipment_id:
        return None
    return Change({CERTIFICATE_MOVING_TO: to_equipment_id, "updated_at": clock.to_iso(now)})


def certificate_moved_off(equipment, certificate, to_equipment_id, now):
    """The piece a certificate was moved off: none known any more (a lift is on the due list as
    未登记合格证 until its own is recorded, which nothing then refuses as going back); nothing when it holds
    another by now (recorded meanwhile), none (a retry of the move), or the move was ended meanwhile (the
    certificate moved back to it: its stamp gone or naming another piece). Taken off regardless, a move
    back made between the move's writes left the certificate on no piece (found by r6 reviewing h6)."""
    if equipment.get("certificate") != certificate or equipment.get(CERTIFICATE_MOVING_TO) != to_equipment_id:
        return None
    return Change({"certificate": None, CERTIFICATE_DUE_ANNOUNCED: None, CERTIFICATE_MOVING_TO: None,
                   "updated_at": clock.to_iso(now)})


def refuse_going_back(current, kept):
    """A renewal (a certificate of another number) valid until a day before the current certificate's
    is refused (422 naming ``data.valid_until``): a year's inspection does not end an earlier one's
    validity, and the typing slip read the lift as expired or due, which the sweep told (h5 of session
    55). The current certificate's own number names a correction of it (its day mistyped), which may
    be earlier; one corrected with the same day (its number mistyped) is not earlier; a piece with none
    takes any."""
    if not current or kept["valid_until"] >= current["valid_until"] or kept["number"] == current["number"]:
        return
    raise BusinessRuleViolation("a renewed certificate is valid until the current one's day or later", [field_error(
        "data.valid_until", f"is before the current certificate's valid_until ({current['valid_until']}): "
                            "correct that certificate by its own number")])


# The stamp the certificate sweep writes once a piece's certificate coming due is announced
# (``equipment_certificate_due``), in the same write as the event; internal (the API shows no ``_``
# field), taken off by a certificate valid until another day (``set_certificate``)
CERTIFICATE_DUE_ANNOUNCED = "_certificate_due_at"


def certificate_due_announced(equipment, now, rules):
    """The certificate sweep's step: the stamp with ``equipment_certificate_due`` for a piece whose
    certificate is due on the estate's calendar (expired, or valid until within its
    ``certificate_warn_days``: what ``certificate_due=true`` lists). None when it has none, is not due
    (yet), is retired (``retired_on``), or was announced already: a sweep run again, or another replica's, announces it once."""
    certificate = equipment.get("certificate")
    today = calendar.local_date(now, rules["timezone"]).isoformat()
    if (not certificate or equipment.get(CERTIFICATE_DUE_ANNOUNCED) or retired_on(equipment, today)
            or certificate["valid_until"] >= certificate_due_before(now, rules)):
        return None
    stamp = clock.to_iso(now)
    data = {"id": equipment["_id"], "code": equipment["code"], "name": equipment["name"],
            "system": equipment["system"], "location": equipment["location"], "certificate": certificate,
            "expired": certificate["valid_until"] < today, "due_at": stamp}
    return Change({CERTIFICATE_DUE_ANNOUNCED: stamp}, events=[("equipment_certificate_due", data)])


def certificate_due_before(now, rules):
    """The first day a certificate of the due list is valid no more: today in the estate's timezone
    plus its ``certificate_warn_days``, so that one valid until then (or before) is due."""
    today = calendar.local_date(now, rules["timezone"])
    return (today + timedelta(days=rules["certificate_warn_days"] + 1)).isoformat()


def set_custom(equipment, values, now):
    """``POST …/equipment/{id}/custom``: the given custom values (checked already, required ones
    not asked) over the ones the equipment has."""
    return {"custom": custom_fields.merged(equipment.get("custom"), values), "updated_at": clock.to_iso(now)}


def same_equipment(existing, wanted):
    """A create sent again with the same content finds what it made; another content with the
    same code is a conflict."""
    if all(existing.get(k) == wanted.get(k) for k in LEDGER_FIELDS):
        return existing
    raise Conflict("another piece of equipment has this code", [field_error("data.code", "is taken in this estate")])


def registered_event_data(equipment):
    """``equipment_registered``: the ledger entry as archive keeps it (no records yet)."""
    keys = ("code", "name", "system", "location", "installed_on", "created_at")
    return {k: equipment[k] for k in keys} | {"id": equipment["_id"]}


def record_added_event_data(equipment, record):
    """``equipment_record_added``: a record on the equipment archive (its notes stay in the ledger)."""
    kept = {k: record.get(k) for k in ("id", "kind", "result", "at", "work_order_id", "contractor", "signed_by")}
    return {"id": equipment["_id"], "code": equipment["code"], "record": kept}


def new_record(record_id, kind, result, notes, now, actor, work_order_id=None, contractor=None, signed_by=None):
    """``contractor``: the outside maintenance contractor (维保单位) that did it, ``signed_by`` who signed
    for it (签字): its technicians have no account, and the ledger kept no signer (found by h5)."""
    return {"id": record_id, "kind": kind, "result": result, "notes": notes, "at": clock.to_iso(now),
            "by": actor, "work_order_id": work_order_id, "contractor": _named(contractor),
            "signed_by": _named(signed_by)}


def _named(text):
    return text.strip() if text and text.strip() else None


def equipment_record_kind(order):
    """What a completed order adds to its equipment's ledger: a plan's inspection or
    maintenance, otherwise a repair."""
    return {"daily_inspection": "inspection", "periodic_maintenance": "maintenance"}.get(
        order.get("plan_kind"), "repair")


def record_from_order(order):
    """A completed work order on the equipment's record, with the contractor that did it and who signed
    for it: an order of no household's ``signed_by`` (who accepted the work); a household's occupant is
    not copied (the order masks his name by role; the ledger is read by the archivist and exported)."""
    notes = order.get("summary") or order["description"]
    return {"id": ids.natural_id("eqr", order["_id"]), "kind": equipment_record_kind(order),
            "result": f"completed ({order['number']})", "notes": notes[:2000], "at": order["completed_at"],
            "by": order["technician"] or order["history"][-1]["by"], "work_order_id": order["_id"],
            "contractor": order.get("contractor"),
            "signed_by": None if order.get("household_id") else order.get("signed_by")}


# a record as the API shows it (``EquipmentRecord``)
RECORD_FIELDS = ("id", "kind", "result", "notes", "at", "by", "work_order_id", "contractor", "signed_by")
# what the equipment keeps of its records for a list (``records_kept``), and an earlier version's
# array of every record, moved to their collection when the equipment is next touched
SUMMARY, EARLIER_RECORDS = ("record_count", "last_record"), "records"


def record_document(estate_id, equipment_id, record):
    """A record as its collection keeps it: under the record's id (a retry finds it there), with its
    estate and equipment."""
    return {"_id": record["id"], "estate_id": estate_id, "equipment_id": equipment_id,
            **{name: record.get(name) for name in RECORD_FIELDS if name != "id"}}


def record_of(document):
    """A stored record as the equipment's ``records`` show it."""
    return {"id": document["_id"], **{name: document.get(name) for name in RECORD_FIELDS if name != "id"}}


def record_listed(document):
    """A stored record as ``GET …/equipment/{id}/records`` lists it: with its equipment."""
    return {**record_of(document), "equipment_id": document["equipment_id"]}


def newest(records):
    """The last record of ``records`` (None ones left out) by when it was made, then its id."""
    return max((record for record in records if record), key=lambda record: (record["at"], record["id"]), default=None)


def records_kept(equipment, count, record=None):
    """The equipment's ``record_count`` (``count``, its records counted in their collection) and
    ``last_record`` (the newest of the one it keeps, ``record`` just added and the records an earlier
    version kept in its array, which are in the collection by now): a Change without the array, or
    None when they are so already. Recomputed, not incremented: the same again changes nothing, and
    a retry of a record whose count a crash left behind keeps it. The record's moment is the
    equipment's ``updated_at`` when the record changed them (never back: a record made earlier and
    added late)."""
    earlier = equipment.get(EARLIER_RECORDS) or []
    kept = {"record_count": count, "last_record": newest([equipment.get("last_record"), *earlier, record])}
    changed = any(equipment.get(name) != kept[name] for name in SUMMARY)
    if not changed and EARLIER_RECORDS not in equipment:
        return None
    if changed and record is not None:
        kept["updated_at"] = max(record["at"], equipment.get("updated_at") or record["at"])
    return Change(kept, unset=(EARLIER_RECORDS,) if EARLIER_RECORDS in equipment else ())


def in_list(equipment):
    """What a list shows: the ledger line with its record count and last record, not the records.
    Records an earlier version kept in the equipment's array, and not moved yet, count too."""
    shown = {k: v for k, v in equipment.items() if k != EARLIER_RECORDS}
    earlier = equipment.get(EARLIER_RECORDS) or []
    shown["record_count"] = (equipment.get("record_count") or 0) + len(earlier)
    shown["last_record"] = newest([equipment.get("last_record"), *earlier])
    return shown


# -- in and out of service (停运) ------------------------------------------------------

def out_of_service(equipment, reason, now, actor, order=None, until_checked=False, standing_order=None):
    """停运: a piece taken out of service, since now, with why, and the open work order it waits on
    (``order``: of the estate, open, naming this piece, checked by the caller) or none (by hand):
    "which lifts are down now" had no answer, and an entrapment plan's step "the lift out of
    service until checked" recorded nothing (found by h6, a probe of a lift's year).
    ``until_checked``: the order's completion leaves it out, put back by hand with what was checked
    (a lift after an entrapment, 检验合格方可使用: the order's sign-off put it back at once, found by
    review r10 of h10); one taken out by hand is always until checked.

    A piece out of service already is the same again (no change), or handed to ``order``
    (``handed_over``) when it waits on no open order: out by hand, or for an order completed or
    cancelled (``standing_order``: the order it is out for, as stored, None when by hand). Else a 409
    naming the open order it waits on, or since when."""
    reason = reason.strip()
    order_id = order["_id"] if order else None
    until_checked = bool(until_checked) or order is None
    standing = equipment.get("out_of_service")
    if standing:
        if (standing["reason"], standing["work_order_id"]) == (reason, order_id) and (
                standing.get("until_checked", order_id is None) or not until_checked):
            return None  # the same again (a spell handed over until checked stays so: r12 of h12)
        if order is not None and standing["work_order_id"] != order_id and waits_on_no_open_order(
                standing, standing_order):
            return handed_over(equipment, standing, reason, order, until_checked, now, actor)
        if standing["work_order_id"] and standing["work_order_id"] != order_id and not waits_on_no_open_order(
                standing, standing_order):
            raise Conflict(f"the equipment is out of service for the open work order "
                           f"{standing['work_order_number']} since {standing['since']}: it is handed to another "
                           "order once that one is completed or cancelled",
                           [field_error("id", f"is out of service for {standing['work_order_number']}")])
        raise Conflict(f"the equipment is out of service already, since {standing['since']}: "
                       "put it back in service first", [field_error("id", "is out of service")])
    stamp = clock.to_iso(now)
    state = {"since": stamp, "reason": reason, "work_order_id": order_id,
             "work_order_number": order["number"] if order else None, "by": actor, "until_checked": until_checked}
    return Change({"out_of_service": state, "updated_at": stamp},
                  events=[("equipment_out_of_service", service_event_data(equipment, state))])


def entrapment_reason(incident_number):
    """Why an entrapment's lift is out of service (the plan's step "lift out of service until checked")."""
    return f"elevator entrapment, incident {incident_number}: out of service until checked"


def incident_reason(incident_type, incident_number):
    """Why an incident's lift is out of service: an entrapment's (``entrapment_reason``), or a flooding's
    (the lift of a flooded shaft, h5), which said "elevator entrapment" (found by r5 reviewing h5)."""
    if incident_type == "flooding":
        return f"flooding, incident {incident_number}: out of service until checked"
    return entrapment_reason(incident_number)


# the statuses of a work order that keeps no piece out of service any more
ORDER_DONE = frozenset({"completed", "cancelled"})


def waits_on_no_open_order(standing, standing_order):
    """Whether a piece's spell out of service (``standing``) waits on no open work order: taken out by
    hand, or for an order completed (until checked) or cancelled, or one the ledger no longer has."""
    return not standing["work_order_id"] or standing_order is None or standing_order["status"] in ORDER_DONE


def handed_over(equipment, standing, reason, order, until_checked, now, actor):
    """A piece out of service by hand, or for an order done, handed to the open ``order`` naming it:
    one spell, its start (``since``) kept, its order and reason the new order's, until checked when
    either is (a spell until checked stays so: r12 of h12),
    announced ``equipment_out_of_service`` with ``handed_over_from`` (the order it was out for, None
    when by hand, its reason, ``until_checked``, who took it out, and when it was handed over), so
    the archive's record says the spell changed order. The desk put it back by hand first, which
    recorded and announced a "back in service" that never was (found by h12, a lift kept out after
    an entrapment)."""
    stamp = clock.to_iso(now)
    # a spell until checked (by hand, or a lift after an entrapment) stays so: the order it is handed to
    # does not put it back unchecked; back by hand with what was checked (found by review r12 of h12)
    until_checked = until_checked or standing.get("until_checked", not standing["work_order_id"])
    state = {"since": standing["since"], "reason": reason, "work_order_id": order["_id"],
             "work_order_number": order["number"], "by": actor, "until_checked": until_checked}
    before = {"work_order_id": standing["work_order_id"], "work_order_number": standing.get("work_order_number"),
              "reason": standing["reason"], "until_checked": standing.get("until_checked", True),
              "by": standing["by"], "at": stamp}
    return Change({"out_of_service": state, "updated_at": stamp},
                  events=[("equipment_out_of_service",
                           service_event_data(equipment, state) | {"handed_over_from": before})])


def back_in_service(equipment, note, now, actor, order=None):
    """Back in service: by hand (``note``, what was checked), or by the completion of the work order
    it was taken out for (``order``: a completion of another order, or of its own when it was taken
    out ``until_checked``, leaves it out, None is returned). One in service already is a 409 by hand,
    nothing by an order."""
    standing = equipment.get("out_of_service")
    if order is not None and (not standing or standing["work_order_id"] != order["_id"]
                              or standing.get("until_checked")):
        return None
    if not standing:
        raise Conflict("the equipment is in service", [field_error("id", "is in service")])
    stamp = clock.to_iso(now)
    back = {"at": stamp, "by": actor, "note": (note or "").strip() or None,
            "work_order_id": order["_id"] if order else None,
            "work_order_number": order["number"] if order else None}
    data = service_event_data(equipment, standing) | {"back": back}
    return Change({"out_of_service": None, "last_back_in_service": back, "updated_at": stamp},
                  events=[("equipment_back_in_service", data)])


def service_event_data(equipment, state, name="out_of_service"):
    """``equipment_out_of_service`` / ``equipment_back_in_service``: the piece and its spell out of
    service (``state``), as archive records it on the equipment's archive; ``equipment_retired``: the
    piece and its retirement (``name`` ``retired``)."""
    return {"id": equipment["_id"], "code": equipment["code"], "name": equipment["name"],
            "system": equipment["system"], "location": equipment["location"], name: state}


# -- retired for good (报废 / 停用) ----------------------------------------------------------

# 报废: scrapped (taken down, replaced); 停用: decommissioned (kept in place, not used again)
RETIREMENT_KINDS = ("scrapped", "decommissioned")
# a retirement is recorded on its day, after it (the paper came late) or ahead of it, within a year (a
# lift to be replaced next spring): one in 2099 is a typing slip (estate_common.plausible)
RETIRE_WITHIN_DAYS = 366


def retired(equipment, data, now, actor, roles, tz):
    """``POST …/equipment/{id}/retire``: the piece retired for good from the day ``data.on`` of the
    estate's calendar (``kind``: ``RETIREMENT_KINDS``, with its ``reason``), by the engineering manager
    (``roles.EQUIPMENT_RETIRERS``, 403 else); announced ``equipment_retired``. From that day it is on
    no due list, the certificate sweep tells nothing of it, no inspection opens on it and its plans
    open nothing (``retired_on``); it stays in the ledger with its records. A day before its
    installation, or beyond ``RETIRE_WITHIN_DAYS``, is a 422; a piece retired already a 409. A lift
    taken out for good stayed 未登记合格证 on the due list for ever (found by h6)."""
    if not set(roles) & EQUIPMENT_RETIRERS:
        raise Forbidden("a piece is retired by the engineering manager (the maintenance supervisor or management)")
    standing = equipment.get("retired")
    if standing:
        raise Conflict(f"the equipment is retired already ({standing['kind']} on {standing['on']})",
                       [field_error("id", "is retired")])
    on = calendar.checked_day_text(data["on"], "data.on")
    plausible.historical(on, "data.on", "the retirement day is before any estate's history")
    plausible.ahead(on, calendar.day_of(now, tz), RETIRE_WITHIN_DAYS, "data.on",
                    f"a retirement is recorded at most {RETIRE_WITHIN_DAYS} days ahead")
    if equipment.get("installed_on") and on < equipment["installed_on"]:
        raise BusinessRuleViolation("a piece is retired after it was installed", [field_error(
            "data.on", f"is before its installation ({equipment['installed_on']})")])
    stamp = clock.to_iso(now)
    state = {"kind": data["kind"], "on": on, "reason": data["reason"].strip(), "by": actor, "at": stamp}
    return Change({"retired": state, "updated_at": stamp, JOBS_OWED: True},
                  events=[("equipment_retired", service_event_data(equipment, state, "retired"))])


# on a piece retired whose plan jobs are not swept yet (``operations._cancel_retired_jobs`` removes it when
# done): a crash between the retirement and its jobs' cancellations left them open for good, the retirement
# written and the same one again a 409; the plan sweep finishes what is owed (found by h6)
JOBS_OWED = "_retired_jobs_owed"


def retired_on(equipment, day):
    """Whether the piece is retired on ``day`` (a day of the estate's calendar): from its ``on``."""
    state = equipment.get("retired")
    return bool(state) and state["on"] <= day


def refuse_retired(equipment, day, field):
    """422 naming ``field`` when the piece is retired on ``day``: nothing more is done on it."""
    if retired_on(equipment, day):
        state = equipment["retired"]
        raise BusinessRuleViolation("the equipment is retired: nothing more is done on it", [field_error(
            field, f"is retired ({state['kind']}) since {state['on']}")])


def before_retirement(equipment, days):
    """``days`` (a plan's due dates) before the piece's retirement day: all of them when it has none."""
    state = equipment.get("retired")
    return [day for day in days if not state or day < state["on"]]


# -- plans ------------------------------------------------------------------------

def new_plan(plan_id, estate_id, data, now, actor, rules):
    """A plan's due dates are days of the estate's calendar: "today" is its local day. It is first
    due from today to a year on (``PLAN_START_WITHIN_DAYS``, or its cycle when longer); a daily
    inspection repeats at least weekly."""
    today = calendar.day_of(now, rules["timezone"])
    if calendar.checked_day_text(data["next_due_on"], "data.next_due_on") < today:
        raise BusinessRuleViolation("a plan starts today or later",
                                    [field_error("data.next_due_on", "is in the past")])
    if data["kind"] == "daily_inspection" and data["every_days"] > DAILY_INSPECTION_MAX_DAYS:
        raise BusinessRuleViolation(f"a daily inspection repeats at least every {DAILY_INSPECTION_MAX_DAYS} days",
                                    [field_error("data.every_days", f"is more than {DAILY_INSPECTION_MAX_DAYS}")])
    days = max(PLAN_START_WITHIN_DAYS, data["every_days"] + rules["plan_open_days_ahead"])
    plausible.ahead(data["next_due_on"], today, days, "data.next_due_on",
                    f"a plan is first due within {counted(days, 'day')}")  # "1 days" (h10, as h8's parts)
    stamp = clock.to_iso(now)
    return {
        "_id": plan_id,
        "estate_id": estate_id,
        "equipment_id": data["equipment_id"],
        "kind": data["kind"],
        "every_days": data["every_days"],
        "next_due_on": data["next_due_on"],
        "active": True,
        "last_work_order_id": None,
        "checklist_id": data.get("checklist_id"),
        "last_inspection_id": None,
        "name": data["name"].strip() if data.get("name") else None,
        "created_at": stamp,
        "updated_at": stamp,
        "created_by": actor,
    }


def plan_slot_id(estate_id, plan):
    """What one active plan at most schedules: its equipment, kind and interval. A second plan of
    the same doubled every scheduled order (two keys for one plan, found by review)."""
    return ids.natural_id("pslot", estate_id, plan["equipment_id"], plan["kind"], plan["every_days"])


def refuse_reopening(stopped_twins, data):
    """A plan replacing a stopped one of the same equipment, kind and interval starts after the
    dates that one opened (its ``next_due_on``): the orders have the plan's id in theirs, so the
    replacement opened the same jobs again, one already done among them (found by review)."""
    opened_until = max((plan["next_due_on"] for plan in stopped_twins), default=None)
    if opened_until and data["next_due_on"] < opened_until:
        raise BusinessRuleViolation(
            f"a stopped plan of this equipment, kind and interval opened its orders up to {opened_until}: "
            "the replacement starts then or later",
            [field_error("data.next_due_on", f"is before {opened_until}")])


def refuse_twin(holder_id, plan_id, data):
    """409 unless ``plan_id`` holds its slot (``store.claim_plan_slot``)."""
    if holder_id != plan_id:
        # named by what it schedules (the field's message), not its internal id (a probe)
        raise Conflict("another active plan of this equipment already schedules this: stop it first to replace it",
                       [field_error("data.equipment_id", f"has an active {data['kind']} plan every "
                                                         f"{counted(data['every_days'], 'day')}")])


def stopped(plan, reason, now, actor):
    """A plan stopped (a mistaken or replaced one): no further orders; those opened stay, each
    completed or cancelled on its own. 409 when it was stopped already, or cancelled (``plan_cancelled``)."""
    if plan.get("cancelled_at"):
        raise Conflict("the plan was cancelled with its equipment's retirement", [field_error("id", "is cancelled")])
    if not plan.get("active"):
        raise Conflict("the plan is stopped already", [field_error("id", "is stopped")])
    stamp = clock.to_iso(now)
    return Change(set={"active": False, "stopped_at": stamp, "stopped_by": actor, "stop_reason": reason.strip(),
                       "updated_at": stamp})


def retirement_note(equipment):
    """Why a retired piece's plan and its scheduled jobs are cancelled, as people know the piece."""
    state = equipment["retired"]
    return f"equipment {equipment['code']} retired ({state['kind']}) from {state['on']}"


def retired_plan(plan, equipment):
    """Whether the plan of a retired piece has nothing more to open: its next date is the retirement's day
    or after (``before_retirement``; the days before it are opened, then it is cancelled)."""
    state = (equipment or {}).get("retired")
    return bool(state) and bool(plan.get("active")) and plan["next_due_on"] >= state["on"]


def plan_cancelled(plan, equipment, now):
    """A retired piece's plan cancelled (h4: it stayed active for good, its inspections opened ahead for the
    retirement's day on open and late for ever): it stops (``active`` false, the scheduler opens nothing),
    ``cancelled_at`` and ``cancel_reason`` (``retirement_note``) say why. None when it is stopped already or
    has days to open before the retirement (``retired_plan``)."""
    if not retired_plan(plan, equipment):
        return None
    stamp = clock.to_iso(now)
    return Change(set={"active": False, "cancelled_at": stamp, "cancel_reason": retirement_note(equipment),
                       "updated_at": stamp})


def orphan_plan_cancelled(plan, why, now):
    """A plan whose piece or checklist is gone (``operations._cancel_orphan_plan``, h5) cancelled: it stops
    (``active`` false), ``cancelled_at`` and ``cancel_reason`` (``why``) say so. None when stopped already."""
    if not plan.get("active"):
        return None
    stamp = clock.to_iso(now)
    return Change(set={"active": False, "cancelled_at": stamp, "cancel_reason": f"cancelled: {why}",
                       "updated_at": stamp})


def cancelled_plan_event_data(plan, equipment, inspections):
    """``maintenance_plan_cancelled``: on the piece's archive (``id`` the piece), the plan and the scheduled
    inspections cancelled with it (``inspections``: their ids)."""
    return {"id": equipment["_id"], "code": equipment["code"], "plan_id": plan["_id"], "kind": plan["kind"],
            "every_days": plan["every_days"], "checklist_id": plan.get("checklist_id"),
            "retired_on": equipment["retired"]["on"], "cancelled_at": plan["cancelled_at"],
            "inspections_cancelled": list(inspections)}


def horizon(now, rules):
    """The last due date whose order is opened now: ``plan_open_days_ahead`` days ahead."""
    today = calendar.local_date(now, rules["timezone"])
    return (today + timedelta(days=rules["plan_open_days_ahead"])).isoformat()


def due_dates(plan, until, limit=MAX_ORDERS_PER_RUN):
    """The plan's due dates from its next one up to ``until`` (inclusive), at most ``limit``."""
    found, due = [], date.fromisoformat(plan["next_due_on"])
    last = date.fromisoformat(until)
    while due <= last and len(found) < limit:
        found.append(due.isoformat())
        due += timedelta(days=plan["every_days"])
    return found


def after(plan, due_on):
    """The due date that follows ``due_on``."""
    return (date.fromisoformat(due_on) + timedelta(days=plan["every_days"])).isoformat()


# -- a month of preventive maintenance (GET …/preventive-maintenance) -------------------------

# What became of a plan's due date, as the supervisor reads the month: done by the end of its day,
# done after it, still open past it (late: a work order's ``overdue=true``, and an inspection's alike),
# opened and not due yet, not opened yet (an active plan's date to come), or cancelled.
JOB_STATES = ("done", "done_late", "late", "open", "scheduled", "cancelled")


def month_days(period):
    """The first and last day of a month, ``YYYY-MM``."""
    first = date.fromisoformat(f"{period}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first.isoformat(), (following - timedelta(days=1)).isoformat()


def dates_within(plan, first, last):
    """An active plan's due dates from its ``next_due_on`` (the first it has not opened) within
    ``[first, last]``: the dates to come. A stopped plan has none."""
    if not plan.get("active"):
        return []
    due, every = date.fromisoformat(plan["next_due_on"]), plan["every_days"]
    start = date.fromisoformat(first)
    if due < start:  # a plan left behind: its first date in the window, on its cycle
        due += timedelta(days=-(-(start - due).days // every) * every)
    found = []
    while due.isoformat() <= last:
        found.append(due.isoformat())
        due += timedelta(days=every)
    return found


def job_state(job, due_on, now_iso, tz):
    """``job``: the work order or inspection a plan opened for ``due_on`` (None: not opened yet). A
    plan's job is due by the end of its day on the estate's clock (``domain.deadline``), an
    inspection it scheduled too: one never done was late nowhere (found by a probe)."""
    day_over = clock.to_iso(calendar.day_start(calendar.next_day(due_on), tz))
    if job is None:
        return "late" if day_over < now_iso else "scheduled"
    if job["status"] == "cancelled":
        return "cancelled"
    if job["status"] == "completed":
        return "done" if job["completed_at"] <= day_over else "done_late"
    return "late" if day_over < now_iso else "open"


def plans_month(period, plans, equipment, jobs, now_iso, tz):
    """Each plan's due dates in the month and what became of each (``JOB_STATES``), counted per plan
    and in all. ``plans``: the active plans and those with a job in the month; ``equipment``: ``{id:
    piece}``; ``jobs``: ``{(plan id, due_on): {type, id, number, status, completed_at}}`` of the
    work orders and inspections the plans opened for the month's days. A plan's ``jobs`` list every
    due date but those done on their day (what needs the supervisor), by date; the plans by their
    equipment's code and kind."""
    first, last = month_days(period)
    opened = {}  # {plan id: the days it opened a job for}, grouped once rather than walked per plan
    for plan_id, due_on in jobs:
        opened.setdefault(plan_id, set()).add(due_on)
    totals, rows = dict.fromkeys(("due", *JOB_STATES), 0), []
    for plan in plans:
        piece = equipment.get(plan["equipment_id"]) or {"_id": plan["equipment_id"]}
        # a retired piece's dates to come stop at its retirement day (``before_retirement``)
        days = sorted(opened.get(plan["_id"], set()) | set(before_retirement(piece, dates_within(plan, first, last))))
        if not days:
            continue
        counts, listed = dict.fromkeys(("due", *JOB_STATES), 0), []
        for due_on in days:
            job = jobs.get((plan["_id"], due_on))
            state = job_state(job, due_on, now_iso, tz)
            counts["due"] += 1
            counts[state] += 1
            if state != "done":
                listed.append({"due_on": due_on, "state": state, "type": job and job["type"],
                               "id": job and job["id"], "number": job and job["number"],
                               "status": job and job["status"]})
        rows.append({"plan_id": plan["_id"], "kind": plan["kind"], "every_days": plan["every_days"],
                     "active": bool(plan.get("active")), "checklist_id": plan.get("checklist_id"),
                     "equipment": {"id": piece["_id"], "code": piece.get("code"), "name": piece.get("name"),
                                   "system": piece.get("system")},
                     "counts": counts, "jobs": listed})
        for key, number in counts.items():
            totals[key] += number
    rows.sort(key=lambda row: (row["equipment"]["code"] or "", row["kind"], row["every_days"], row["plan_id"]))
    return {"period": period, "as_of": now_iso, "totals": totals, "plans": rows}
