"""Registering a service request (登记): one register for every channel and kind, with its
per-estate number, its due time and, by kind, the complaint record or the repair's promise."""
from estate_common import clock, phones
from estate_common.errors import InvalidInput, field_error
from estate_common.text import spaced

from . import complaints, repairs
from .domain import Change, due_at, history_entry

ONLY_FOR = {name: "complaint" for name in (*complaints.RECORDED_FIELDS, *complaints.ABOUT_FIELDS)} | {"category": "repair", "emergency": "repair",
                                                                    "emergency_category": "repair",
                                                                    "joins_work_order_id": "repair",
                                                                    "own_fault": "repair"}

# the kinds of a call about a planned cut (``outage_notice_id``): asking about it, complaining of it
OUTAGE_CALL_KINDS = ("consultation", "complaint")


def check_fields(data):
    """Fields that belong to one kind are refused on the others (400, naming the field)."""
    errors = [field_error(f"data.{name}", f"is only for a {kind}")
              for name, kind in ONLY_FOR.items() if name in data and data["kind"] != kind]
    if "outage_notice_id" in data and data["kind"] not in OUTAGE_CALL_KINDS:
        # 计划停水停电: a call about a known cut is a consultation (or a complaint about it), no repair
        # of the flat's own opening a work order; a fault of its own is registered without the notice (h7)
        errors.append(field_error("data.outage_notice_id", "is only for a consultation or a complaint about "
                                                           "the planned cut, not a repair"))
    if data.get("joins_work_order_id") and data.get("emergency") is True:
        # DOMAIN.md: an emergency repair always gets its return visit, and a joined call owes none;
        # the order it joins carries the fault's priority (found by review r2, session 52)
        errors.append(field_error("data.emergency", "is the order's, not a call's that joins it"))
    if "emergency_category" in data and data["kind"] == "repair" and data.get("emergency") is not True:
        # the emergency's own category (抢险类别), for maintenance's order: an emergency's only (h5's B6)
        errors.append(field_error("data.emergency_category", "is only for an emergency repair (emergency true)"))
    if errors:
        raise InvalidInput("fields that do not belong to this kind of request", errors)


def caller(contact):
    """Who raised the request (DOMAIN.md: a request records who, household, channel, time and
    content): ``{name, phone}`` as given, each kept ``spaced`` or null; None when nobody was named
    (a steward's inspection, a desk that left it blank, a client that sends none). Until 2026-12
    only a complaint named a person (its complainant), and the console showed the household's
    owner as it is now beside every other request: after an owner transfer, or for a tenant's
    call, the wrong person (a probe of the front desk's day). Personal data: kept on the request
    and shown by role (the gateway masks it), never in an event, a history note or a log line."""
    if not contact:
        return None
    kept = {name: spaced(contact.get(name)) or None for name in ("name", "phone")}
    return kept if any(kept.values()) else None


def phone_keys(*contacts):
    """The numbers a request is found by in an occupant's request to see his data (``POST
    …/personal-data/search``): its contacts' phones as dialled (``estate_common.phones``), once, in
    order; ``[""]`` for none, so that a request stored before requests kept them (no ``_phones``)
    is told apart in the index ``(estate_id, _phones, …)`` (``store.requests_by_phone``). Kept as
    ``_phones``, internal: the number is the contact's, shown as the contact's role allows."""
    numbers = [phones.dialled((contact or {}).get("phone")) for contact in contacts]
    return list(dict.fromkeys(number for number in numbers if number)) or [""]


def stored_phone_keys(request):
    """``phone_keys`` of a stored request: its caller's, then a portal filer's (``portal.contact``),
    as its registration wrote them; the sweep ``operations.keep_phone_keys`` gives them to a request
    stored before they were kept."""
    return phone_keys(request.get("contact"), (request.get("portal") or {}).get("contact"))


def new_request(request_id, estate_id, data, number, created, rules, actor, earlier_repair_id=None, custom=None):
    stamp = clock.to_iso(created)
    return {
        "_id": request_id,
        "estate_id": estate_id,
        "number": number,
        "kind": data["kind"],
        "household_id": data["household_id"],
        "channel": data["channel"],
        "contact": caller(data.get("contact")),
        "_phones": phone_keys(caller(data.get("contact"))),
        "description": data["description"].strip(),
        "related_request_id": data.get("related_request_id"),
        "status": "open",
        "due_at": due_at(data["kind"], created, rules, data.get("emergency") is True,
                         bool(data.get("handover_defect"))),
        "answered_at": None,
        "overdue_at": None,
        "created_at": stamp,
        "updated_at": stamp,
        "created_by": actor,
        "handler": None,  # the colleague it was handed to (handling.transfer), None while the desk holds it
        "reply": None,
        "replied_at": None,
        "closed_at": None,
        "outcome": None,
        "satisfaction": None,
        "valid": None,
        "reopen_count": 0,
        "complaint": complaints.details(data, created, rules),
        **repairs.details(data, created, rules, earlier_repair_id),
        "work_order_id": None,
        "joins_work_order_id": None,  # a call about a fault in hand: the order it joined (repairs.joined_fault)
        "technician": None,  # the technician of the order the repair waits for (repairs.technician_update)
        "started_at": None,
        "completed_at": None,
        "return_visit_due_at": None,
        "return_visits": [],
        "return_visit_attempts": [],
        "closed_without_visit": None,
        "follow_ups": [],
        "custom": dict(custom or {}),  # checked already (estate_common.custom_fields.check_values)
        "history": [history_entry(stamp, actor, "registered", f"via {data['channel']}")],
        # a vacant-unit inspection's repair: the inspection and its problem (``inspection_repair``)
        **({"vacant_inspection": data["vacant_inspection"]} if data.get("vacant_inspection") else {}),
        # a call about a planned cut (计划停水停电): its notice (``front_desk.outage_call_check``); kept
        # only when named, so the index of the calls about a cut holds them alone (``store.INDEXES``)
        **({"outage_notice_id": data["outage_notice_id"]} if data.get("outage_notice_id") else {}),
        # a repair the desk judged the flat's own fault while a planned cut of its utility stood there
        **({"own_fault": True} if data.get("own_fault") is True else {}),
        # a defect an owner found at the handover: the handover and its item (``handover_repair``)
        **({"handover_defect": data["handover_defect"]} if data.get("handover_defect") else {}),
        # the item's words as a re-inspection's are matched (``defect_key``): one open repair a defect
        **({"_handover_item": data["_handover_item"]} if data.get("_handover_item") else {}),
        "_rev": 0,
    }


def inspection_repair(inspection, problem):
    """The repair request a problem of a vacant-unit inspection (空置房巡检, recorded in archive)
    becomes: channel ``inspection``, the problem's place and words as its description, and the
    inspection's id and the problem's number (``vacant_inspection``): a reader of the inspection
    finds the repair its problem opened (it was named in the description's words only: a probe)."""
    where = f" ({problem['location']})" if problem.get("location") else ""
    return {"kind": "repair", "household_id": inspection["household_id"], "channel": "inspection",
            "vacant_inspection": {"id": inspection["id"], "problem": problem["number"]},
            "description": f"vacant-unit inspection {inspection['inspected_on']}, problem {problem['number']}"
                           f"{where}: {problem['description']}"}


def handover_repair(found, defect):
    """The repair request a defect an owner found at the handover (交房验房, recorded in archive)
    becomes: channel ``inspection``, the item and its note as its description, and the handover's
    id and the item's number (``handover_defect``): a reader of the handover finds the repair."""
    note = f": {defect['note']}" if defect.get("note") else ""
    return {"kind": "repair", "household_id": found["household_id"], "channel": "inspection",
            "handover_defect": {"id": found["handover_id"], "item": defect["number"]},
            "_handover_item": defect_key(defect["item"]),
            "description": f"handover {found['date']}, defect {defect['number']} ({defect['item']}){note}"[:2000]}


# a repair of a handover's defect is open (its work not done) in these: a re-inspection finding the
# item again adds to it (``found_again``) rather than opening a second repair
OPEN_REPAIR = ("open", "dispatched", "follow_up")


def defect_key(item):
    """A checklist item's words as two inspections of a unit are matched: spaces collapsed, case
    folded (" Windows" at the re-inspection is the handover's "windows")."""
    return " ".join(item.split()).casefold()


def found_again(request, found, defect, event_id, now, actor):
    """验房复查: a later handover (re-inspection) found again the defect this open repair is of: its
    history says so (``found_again``, the new inspection's words), once per event and row; no second
    repair, no second work order (found by review r3 of h3)."""
    note = handover_repair(found, defect)["description"]
    if any(entry.get("event_id") == event_id and entry.get("note") == note for entry in request.get("history", [])):
        return None
    return Change({}, [history_entry(clock.to_iso(now), actor, "found_again", note, event_id)])
