"""Repairs (报修) and return visits (回访).

A repair is registered at once, the owner is told the time limit (``promised_by``);
maintenance opens the work order (``work_order_created``: dispatched) and completes it
(``work_order_completed``: completed, a return visit due within 3 days). A return visit
records the owner's satisfaction; a problem found asks maintenance for a follow-up work
order at once (``follow_up_requested``, the written notice, due within 24 hours), linked
to the same request. Repeated repairs (same household and category within
``repeat_repair_days``; an unclassified one, ``other``, repeats nothing: ``judged_for_repeats``)
and emergency repairs always get a return visit before they close;
any other repair closes after its return visit too, or, when the occupant cannot be reached,
with the reason after ``return_visit_attempts_before_close`` recorded attempts.
"""
from datetime import timedelta

from estate_common import calendar, clock, ids
from estate_common.roles import MANAGEMENT
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, field_error
from estate_common.wording import counted

from .domain import Change, allows, called_back, closed_event_data, due_at, history_entry, next_status

DEFAULT_CATEGORY = "other"
# the repair category (RepairCategory) of a ledger piece's system (EquipmentSystem): a repair of no
# category takes its order's equipment's (h5 of session 55). Every system named: one maintenance adds
# later gives none until it is named here, not a category the contract's RepairCategory does not hold
# (tests/contracts/test_repair_categories.py; found by review r5)
CATEGORY_OF_SYSTEM = {"water": "water", "power": "power", "heating": "heating", "ventilation": "ventilation",
                      "elevator": "elevator", "fire": "fire", "smart": "smart_systems"}


def category_of(data):
    return data.get("category") or DEFAULT_CATEGORY


def judged_for_repeats(data):
    """Whether a repair is compared with the household's earlier ones: only when it names what it
    is about. Two unclassified repairs (``other``: every repair filed on the owner portal, which
    asks no category) say nothing of the same problem; a door lock was taken for a repeat of a
    flooded basement and held open for a return visit it did not need (a probe)."""
    return category_of(data) != DEFAULT_CATEGORY


def return_visit_due_at(completed, rules):
    """A completed repair's return visit is due ``return_visit_days`` local days after it."""
    return clock.to_iso(calendar.days_later(completed, rules["return_visit_days"], rules["timezone"]))


def repeat_window_start(created, rules):
    """An earlier repair of the same household and category registered after this is 'similar'."""
    return clock.to_iso(calendar.days_later(created, -rules["repeat_repair_days"], rules["timezone"]))


def details(data, created, rules, earlier_repair_id):
    """The repair part of a new request (neutral values for other kinds)."""
    if data["kind"] != "repair":
        return {"category": None, "promised_by": None, "repeat_of": None, "emergency": False,
                "emergency_category": None, "return_visit_required": False}
    emergency = data.get("emergency") is True  # the desk's mark (抢险): maintenance opens an emergency order
    return {
        "category": category_of(data),
        "promised_by": due_at("repair", created, rules, emergency, bool(data.get("handover_defect"))),
        "emergency": emergency,
        # the emergency's category (家里进水: flooding), carried to maintenance's order (h5's B6)
        "emergency_category": data.get("emergency_category") if emergency else None,
        **repeat_fields(earlier_repair_id, emergency),
    }


def repeat_fields(earlier_repair_id, emergency):
    """A repair's ``repeat_of`` (the household's earlier repair it repeats, or None) and whether it
    owes its return visit: a repeat or an emergency always does. Judged when it is registered, and
    again when the desk names its household (matched on the portal, or corrected)."""
    return {"repeat_of": earlier_repair_id, "return_visit_required": earlier_repair_id is not None or emergency}


def _seen(request, event):
    return any(step.get("event_id") == event["event_id"] for step in request["history"])


def technician_update(request, assigned_event):
    """Maintenance assigned (or reassigned) one of the repair's work orders: its technician reads
    the request from then on (``domain.readable_filters``). The names are a set, ``_technicians``
    (internal: never in the request's view, nor in its history, which every reader sees), to which
    a name is added once: a redelivered event, or a second order given to the same technician,
    changes nothing (None). Nobody is taken out: a technician whose order was reassigned (he asked
    for help, or a manager gave it to another) keeps reading the repair he worked on, as he still
    reads that order's history in maintenance.

    The technician of the order the repair waits for is named besides (``technician``, public, with
    ``_assignment`` ``{work_order_id, assigned_at}`` inside to keep the latest): the gateway shows
    him who called in full, as it shows him the occupant of his own work order, where another
    technician sees them masked (``SEEN_ON_OWN_RECORD_BY``). He agrees the visit with the occupant,
    and saw the caller masked (王** · 139****5678: a probe of the repair chain). A reassignment names
    the new one; the completed or cancelled work names nobody (``completion_update``,
    ``cancellation_update``), nor does an order handed back for help (``help_update``), nor does an assignment that comes after it (each event has its queue)
    or one of an order the repair no longer waits for (``_awaits``)."""
    technician = assigned_event["data"]["technician"]
    technicians = request.get("_technicians") or []
    if request["kind"] != "repair":
        return None
    changes = {} if technician in technicians else {"_technicians": sorted({*technicians, technician})}
    if _names_technician(request, assigned_event["data"]):
        order = assigned_event["data"]
        changes.update(technician=technician,
                       _assignment={"work_order_id": order["id"], "assigned_at": order["assigned_at"]})
    return Change(changes) if changes else None


def help_update(request, help_event):
    """The order the repair waits for was handed back for help (``work_order_help_requested``): it
    is nobody's until it is assigned again, so the request names no technician, and the one who
    handed it back no longer sees who called in full (``SEEN_ON_OWN_RECORD_BY``), as he no longer
    sees its occupant in maintenance. No event told it, and he read the caller in full until the desk
    assigned it again (found by review). Its moment is kept as the latest assignment's
    (``_assignment``), so that an assignment older than it, delivered after it (each event type has
    its queue), names nobody (``_names_technician``). None when it changes nothing: another order's,
    work done, a redelivery or one older than the assignment kept."""
    order = help_event["data"]
    if request["kind"] != "repair" or not allows(request, "complete") or not _awaits(request, order):
        return None
    kept = request.get("_assignment")
    if kept and kept["work_order_id"] == order["id"] and \
            clock.parse_iso(kept["assigned_at"]) >= clock.parse_iso(order["at"]):
        return None
    return Change({"technician": None, "_assignment": {"work_order_id": order["id"], "assigned_at": order["at"]}})


def _names_technician(request, order):
    """Whether the assignment of ``order`` (a ``work_order_assigned``'s data) is the latest of the
    work the repair waits for: the work is owed (not completed, not closed), the order is the one
    awaited, and no later assignment of it is kept (a redelivered older one changes nothing)."""
    if not allows(request, "complete") or not _awaits(request, order):
        return False
    kept = request.get("_assignment")
    if kept and kept["work_order_id"] == order["id"]:
        return clock.parse_iso(order["assigned_at"]) > clock.parse_iso(kept["assigned_at"])
    return True


def _awaits(request, order):
    """Whether the repair waits for ``order``'s work: a follow-up's order while that follow-up is
    open, its own order otherwise (either one's id not known yet: each event has its queue)."""
    follow_up = _open_follow_up(request)
    if (order["source"]["type"] == "return_visit") != bool(follow_up):
        return False  # a follow-up's order while none is open, or the repair's own while one is
    if follow_up and follow_up["id"] != order["source"]["id"]:
        return False  # another follow-up's
    return _awaited_order(request) in (None, order["id"])


def dispatch_update(request, work_order_event):
    """The change a new work order makes to its request, or None if it changes nothing."""
    order = work_order_event["data"]
    known = {request.get("work_order_id")} | {f.get("work_order_id") for f in request.get("follow_ups", [])}
    if order["id"] in known or _seen(request, work_order_event):
        return None  # this order was recorded already (a redelivered event)
    if request.get("joins_work_order_id") and order["source"]["type"] == "service_request":
        return None  # its own, announced after the call joined a fault's order: maintenance cancels it
    at = work_order_event["occurred_at"]
    changes = {"updated_at": at}
    if order["source"]["type"] == "return_visit":
        changes["follow_ups"] = [dict(f, work_order_id=order["id"]) if f["id"] == order["source"]["id"] else f
                                 for f in request.get("follow_ups", [])]
        note = f"follow-up work order {order['number']}"
    else:
        changes["work_order_id"] = order["id"]
        note = f"work order {order['number']}"
    if allows(request, "dispatch"):
        changes["status"] = next_status(request, "dispatch")
    if order["priority"] == "emergency":
        changes.update(emergency=True, return_visit_required=True)
    return Change(changes, [history_entry(at, work_order_event.get("actor"), "dispatched", note,
                                          work_order_event["event_id"])])


def _open_follow_up(request):
    open_follow_ups = [f for f in request.get("follow_ups", []) if not f.get("completed_at")]
    return open_follow_ups[-1] if open_follow_ups else None


def _awaited_order(request):
    """The work order the repair waits for: its open follow-up's, else its own (None: its created
    event has not come yet; each event has its own queue, so either may come first)."""
    follow_up = _open_follow_up(request)
    return follow_up.get("work_order_id") if follow_up else request.get("work_order_id")


def start_update(request, started_event):
    """Maintenance started the repair's own work order on site: the request is answered then, as
    its promised response time (``due_at``) is the time to the first start, which the repair
    response KPI counts too. Until 2026-12 only the completed work answered it, and a repair
    started on time but finished the next day was stamped overdue (found by a domain probe).
    None when it changes nothing (a redelivery, a follow-up's order, a request answered already)."""
    order = started_event["data"]
    if request["kind"] != "repair" or _seen(request, started_event) or order["source"]["type"] != "service_request":
        return None
    if request.get("joins_work_order_id") and order["id"] != request["joins_work_order_id"]:
        return _own_order_started_after_join(request, started_event)
    if request.get("work_order_id") not in (None, order["id"]):
        return None
    changes = {"started_at": request.get("started_at") or order["started_at"], "updated_at": started_event["occurred_at"]}
    # the earlier answer: the completion's event may have come first (each event has its queue)
    changes["answered_at"] = min(filter(None, (request.get("answered_at"), order["started_at"])))
    changes |= arrival_in_time(request, changes["answered_at"])
    note = f"work order {order['number']} started on site" + (
        ": in time, not overdue" if "overdue_at" in changes else "")
    return Change(changes, [history_entry(order["started_at"], started_event.get("actor"), "started", note,
                                          started_event["event_id"])])


def arrival_in_time(request, answered_at):
    """The overdue stamp as the recorded arrival says: taken off (``{"overdue_at": None}``) a repair
    the sweep stamped while its technician's arrival, recorded afterwards (maintenance's
    ``started_at``: his hands full in the flooded garage), was by its due time; the stamp stayed on a
    repair answered in time (found by last session's probes). Nothing (``{}``) otherwise: not
    stamped, or arrived late."""
    if request.get("overdue_at") and request.get("due_at") and answered_at and answered_at <= request["due_at"]:
        return {"overdue_at": None}
    return {}


def _own_order_started_after_join(request, started_event):
    """The repair joined a fault's order (``join_later``) while its own order was being started on
    site: maintenance leaves a started order as it is (``joined_cancel``), and nothing told the desk
    an order of the call's own was open (h7's note, review r5). Its start goes on the request's
    history, naming it, for the desk to complete or cancel it; the request stays the fault's (its
    answer and start are the fault's order's). None for another order (a follow-up's)."""
    order = started_event["data"]
    if order["source"] != {"type": "service_request", "id": request["_id"]}:
        return None
    note = (f"its own work order {order['number']} was started on site at {order['started_at']} though the call "
            f"joined work order {request['joins_work_order_id']}: complete or cancel it")
    return Change({"updated_at": started_event["occurred_at"]},
                  [history_entry(started_event["occurred_at"], started_event.get("actor"), "own_order_started", note,
                                 started_event["event_id"])])


def appointment_update(request, appointed_event):
    """Maintenance agreed a time with the occupant for the work the repair waits for, or a new one:
    kept as ``_appointment`` (``{work_order_id, at, set_at, rescheduled, previous_at}``; internal,
    the owner portal's tracking view shows it: ``appointment_shown``). The filer saw "dispatched"
    until the work was done, never when the technician comes (a portal probe). None when it
    changes nothing: another order's (not the one awaited), a redelivery, or an appointment older
    than the one kept (each event has its queue: a new appointment may come before the first)."""
    order = appointed_event["data"]
    if request["kind"] != "repair" or _awaited_order(request) not in (None, order["id"]):
        return None
    kept = request.get("_appointment")
    same_order = bool(kept) and kept["work_order_id"] == order["id"]
    if same_order and kept["set_at"] >= order["set_at"]:
        return None
    return Change({"_appointment": {
        "work_order_id": order["id"], "at": order["at"], "set_at": order["set_at"],
        "rescheduled": order["rescheduled"] or same_order, "previous_at": kept["at"] if same_order else None}})


def resumption_update(request, resumed_event):
    """The technician went on with the work the repair waits for (``work_order_resumed``): after a
    hold, or back on site on a new appointment's visit, which is no first start (no
    ``work_order_started``). Kept as ``_back_on_site_at`` (internal; the latest), so that a visit
    agreed before it is no longer awaited (``appointment_shown``): the portal said when he comes, a
    time gone by, while he worked (found by review). None when it changes nothing: another order's,
    a redelivery or an older one (each event type has its queue)."""
    order = resumed_event["data"]
    if request["kind"] != "repair" or _awaited_order(request) not in (None, order["id"]):
        return None
    kept = request.get("_back_on_site_at")
    if kept and clock.parse_iso(kept) >= clock.parse_iso(order["at"]):
        return None
    return Change({"_back_on_site_at": order["at"]})


# -- the job waits (待料): the owner and the desk are told -------------------------------------
# A work order put on hold (``work_order_held``: waiting for parts or for the occupant, the day it is
# expected to go on) told nobody outside maintenance: the portal said "dispatched" and the desk read
# nothing of it (h4, session 53). The repair keeps the hold of the order it waits for
# (``work_on_hold``: the desk's; the portal's ``waiting`` without the order) until the job goes on
# (resumed, a new appointment, help asked for), each event by its own time: each type has its queue,
# so an older hold delivered after its end shows nothing (``_hold_ended_at``, internal).


def hold_update(request, held_event):
    """``work_order_held``: the repair's ``work_on_hold`` (``{work_order_id, waiting_for, expected_on,
    since}``). None when it changes nothing: another order's, work done, a redelivery, or a hold as old
    as one kept or ended already."""
    order = held_event["data"]
    if request["kind"] != "repair" or not allows(request, "complete") or not _awaits(request, order):
        return None
    since = clock.parse_iso(order["at"])
    kept, ended = request.get("work_on_hold"), request.get("_hold_ended_at")
    if (kept and clock.parse_iso(kept["since"]) >= since) or (ended and clock.parse_iso(ended) >= since):
        return None
    return Change({"work_on_hold": {"work_order_id": order["id"], "waiting_for": order["waiting_for"],
                                    "expected_on": order["expected_on"], "since": order["at"]}})


def hold_ended(decide, at_field):
    """``decide`` (an update of an event that ends a hold: resumed, appointed, help requested) with
    the hold of that order ended by the event's ``data[at_field]`` (its later end kept)."""
    def both(request, ending_event):
        change = decide(request, ending_event)
        order = ending_event["data"]
        if request["kind"] != "repair" or not order.get(at_field):
            return change
        at, ended = order[at_field], request.get("_hold_ended_at")
        if ended and clock.parse_iso(ended) >= clock.parse_iso(at):
            return change
        kept = request.get("work_on_hold")
        ends = {"_hold_ended_at": at}
        if kept and kept["work_order_id"] == order["id"] and clock.parse_iso(kept["since"]) <= clock.parse_iso(at):
            ends["work_on_hold"] = None
        if change is None:
            return Change(ends)
        return Change({**change.set, **ends}, change.entries, change.events, change.push, change.unset)
    return both


def waiting_shown(request):
    """What the owner portal says of a hold: what the job waits for and the day it is expected to go
    on (no reason, no name); None when it waits for nothing."""
    kept = request.get("work_on_hold")
    if not kept or request["kind"] != "repair" or request["status"] != "dispatched":
        return None
    return {"waiting_for": kept["waiting_for"], "expected_on": kept["expected_on"]}


def appointment_shown(request):
    """The appointment the owner is shown: the one of the work order the repair waits for, while it
    waits (``dispatched``); None otherwise, and while a follow-up's order is not known yet (the
    first order's time is not the follow-up's). One agreed before the technician came on site is
    not awaited: the portal said when he comes beside "the technician came" when he came earlier
    than agreed (a probe of the repair chain); one agreed after (the work could not be finished) is."""
    kept = request.get("_appointment")
    if not kept or request["kind"] != "repair" or request["status"] != "dispatched":
        return None
    # on site after it: at the first start, or back on a new visit (``resumption_update``)
    for on_site in (request.get("started_at"), request.get("_back_on_site_at")):
        if on_site and clock.parse_iso(kept["set_at"]) <= clock.parse_iso(on_site):
            return None
    awaited = _awaited_order(request)
    if awaited != kept["work_order_id"] and (awaited is not None or _open_follow_up(request)):
        return None
    return _appointment_fields(kept)


def last_appointment_shown(request):
    """The visit last agreed for a repair, whatever its status: a step of its history, which the
    owner portal showed only while the work was awaited (``appointment_shown``), so that the time
    agreed left the steps once the work was done and "the technician came" stood alone (the
    portal's gap noted last session). Only the last one is kept: a follow-up's appointment
    replaces its first order's (``appointment_update``). None when none was agreed."""
    kept = request.get("_appointment")
    return _appointment_fields(kept) if kept and request["kind"] == "repair" else None


def _appointment_fields(kept):
    return {name: kept[name] for name in ("at", "set_at", "rescheduled", "previous_at")}


def cancellation_update(request, cancelled_event):
    """Maintenance cancelled the work order a repair waits for (a duplicate, the owner withdrew):
    the request is closed with the cancellation as its outcome. It had no way out of
    ``dispatched`` and turned overdue for good (found by review). None when it changes nothing (a
    redelivery, another order's cancellation, a request not waiting for work)."""
    order = cancelled_event["data"]
    if request["kind"] != "repair" or _seen(request, cancelled_event) or not allows(request, "cancel"):
        return None
    if _awaited_order(request) not in (None, order["id"]):
        return None
    at = clock.to_iso(clock.parse_iso(order["cancelled_at"]))
    outcome = f"work order {order['number']} cancelled: {order['reason']}"
    changes = {"status": next_status(request, "cancel"), "closed_at": at, "outcome": outcome, "updated_at": at,
               "technician": None}  # the work is over: nobody is named its technician
    follow_up = _open_follow_up(request)
    if follow_up and not follow_up.get("work_order_id"):  # its created event may come after this one
        changes["follow_ups"] = [dict(f, work_order_id=order["id"]) if f is follow_up else f
                                 for f in request["follow_ups"]]
    elif not request.get("work_order_id"):
        changes["work_order_id"] = order["id"]
    if request.get("answered_at") is None:
        changes["answered_at"] = at
    return Change(changes, [history_entry(at, cancelled_event.get("actor"), "closed", outcome,
                                          cancelled_event["event_id"])],
                  [("service_request_closed", closed_event_data(request, at))])


def completion_update(request, completed_event, rules):
    """Maintenance completed the work: the request shows the completion time and owes a return
    visit within ``return_visit_days``. None when it changes nothing (a redelivery, or a request
    that is not waiting for this work)."""
    order = completed_event["data"]
    if request["kind"] != "repair" or _seen(request, completed_event) or not allows(request, "complete"):
        return None
    completed = clock.parse_iso(order["completed_at"])
    emergency = request["emergency"] or order["priority"] == "emergency"
    changes = {
        "status": next_status(request, "complete"),
        "completed_at": clock.to_iso(completed),
        "return_visit_due_at": return_visit_due_at(completed, rules),
        "started_at": order["started_at"] or request.get("started_at"),
        "emergency": emergency,
        "return_visit_required": request["return_visit_required"] or emergency,
        "charge_cents": order.get("charge_cents", 0),
        "updated_at": completed_event["occurred_at"],
        "technician": None,  # the work is done: nobody is named its technician (``technician_update``)
    }
    if request.get("answered_at") is None:  # answered on site: the arrival the completion tells, if told
        changes["answered_at"] = min(filter(None, (changes["started_at"], changes["completed_at"])))
        changes |= arrival_in_time(request, changes["answered_at"])
    if order["source"]["type"] == "return_visit":
        changes["follow_ups"] = [dict(f, completed_at=changes["completed_at"]) if f["id"] == order["source"]["id"]
                                 else f for f in request.get("follow_ups", [])]
    elif not request.get("work_order_id"):
        changes["work_order_id"] = order["id"]
    note = f"work order {order['number']} signed off" + (" (emergency)" if order["priority"] == "emergency" else "")
    entries = [history_entry(changes["completed_at"], completed_event.get("actor"), "completed", note,
                             completed_event["event_id"])]
    category = category_of_equipment(request, order)
    if category:
        changes["category"] = category
        entries.append(history_entry(changes["completed_at"], completed_event.get("actor"), "categorised",
                                     f"{category}: the equipment of work order {order['number']}"))
    return Change(changes, entries)


def category_of_equipment(request, order):
    """The category a repair registered with none (``other``) takes from the equipment its order was
    done on (the completion's ``equipment_system``: a lift's repair is ``elevator``), or None: the
    desk's own category stays, and an order of no equipment (or an event of before) says none. A lift
    repair stayed ``other`` though its order named the lift (h5 of session 55)."""
    system = order.get("equipment_system")
    if not system or request.get("category") != DEFAULT_CATEGORY:
        return None
    return CATEGORY_OF_SYSTEM.get(system)


def joined_promise(order, answered_at):
    """What a call that joins ``order`` (kept in ``in_hand_orders``) is told: the order's priority
    (``joined_priority``) and, when maintenance named it, the order's response deadline as its
    promise and due time: the garage's twelve callers joined to the flooding's emergency order were
    each promised a repair's 24 hours (found by last session's probes). An order kept before its
    deadline was announced (none in its event) leaves the call's own promise as it is. Never before
    the call's answer (``answered_at``: the desk telling the caller the fault is in hand): a caller
    phoning after the order's response ran out was promised a moment gone, each counted a late
    answer in the desk's week (found by r6 reviewing h6)."""
    promise = {"joined_priority": order.get("priority")}
    if order.get("response_due_at"):
        due = max(order["response_due_at"], answered_at)
        promise |= {"promised_by": due, "due_at": due}
    return promise


def joined_order_marked(request, order, marked_event):
    """The order the call joined was made an emergency (maintenance's ``work_order_marked_emergency``):
    the call is promised its new response and reads its priority (``joined_promise``, never before the
    desk answered it), once per event; the garage's callers joined to the guard's anomaly order kept a
    repair's 24 hours after the flooding took it over (found by h6). None when it changes nothing, or
    for a call that no longer waits for that order."""
    if _seen(request, marked_event) or request.get("joins_work_order_id") != order["_id"]:
        return None
    if request["status"] not in ("open", "dispatched"):
        return None
    promise = joined_promise(order, request.get("answered_at") or request["created_at"])
    if all(request.get(key) == value for key, value in promise.items()):
        return None
    at = marked_event["occurred_at"]
    note = f"work order {order['number']} made an emergency: promised its response" + (
        f" by {promise['due_at']}" if promise.get("due_at") else "")
    return Change({**promise, "updated_at": at},
                  [history_entry(at, marked_event.get("actor"), "promise_moved", note, marked_event["event_id"])])


def own_order_joined(request, marked_event):
    """An incident joined the call's own order and made it an emergency (maintenance's
    ``work_order_marked_emergency`` naming ``incident_id``: the guard's entrapment joined the desk's order for
    the lift): the call is an emergency now, promised the order's response (``due_at``, ``promised_by``,
    never before it was registered) where its own was later, once per event. The calls joined to the order
    were promised it and the call that opened it kept a repair's 24 hours (found by h4). None for a call
    whose order is another's by now (joined elsewhere), started, done, or promised sooner already."""
    data = marked_event["data"]
    if (_seen(request, marked_event) or request.get("work_order_id") != data["id"]
            or request.get("joins_work_order_id") or request.get("started_at")
            or request["status"] not in ("open", "dispatched")):
        return None
    due = max(data["response_due_at"], request["created_at"], key=clock.parse_iso)
    if request.get("due_at") and clock.parse_iso(request["due_at"]) <= clock.parse_iso(due):
        return None
    at = marked_event["occurred_at"]
    changes = {"emergency": True, "due_at": due, "promised_by": due, "updated_at": at}
    if data.get("emergency_category") and not request.get("emergency_category"):
        changes["emergency_category"] = data["emergency_category"]
    note = f"work order {data['number']} made an emergency by an incident joining it: promised its response by {due}"
    return Change(changes, [history_entry(at, marked_event.get("actor"), "promise_moved", note,
                                          marked_event["event_id"])])


def joined_fault(request, order):
    """A call about a fault already in hand (停水: a burst main, the incident's work order) joins
    that order (``joins_work_order_id``, the order kept in ``in_hand_orders``): dispatched and
    answered at its registration, the caller told the fault is known and being repaired and when
    (``joined_promise``: the order's response deadline), opening no order, promise or late repair of its own, and completed when the order is (``joined_order_done``),
    owing its own return visit then (DOMAIN.md: after every repair; an emergency's always).
    Forty households phoning about one burst main were forty repairs, each opening its own work
    order and its own late repair (a probe of a Saturday night, h6); and then forty closed with the
    order, none of them visited (h8)."""
    at = request["created_at"]
    return {**request, "status": "dispatched", "work_order_id": order["_id"], "joins_work_order_id": order["_id"],
            "answered_at": at, "return_visit_required": False, **joined_promise(order, at),
            "history": request["history"] + [history_entry(
                at, request["created_by"], "dispatched", f"joined work order {order['number']}: the fault is in hand")]}


def joined_already(request, order_id):
    """Whether ``request`` joined the order ``order_id`` already: a join sent again (a retry with no
    Idempotency-Key) answers the request as it is, even once the order is done and the request closed
    with it, where it was a 422 (the order no longer in hand); a join to another order is still refused."""
    return request.get("joins_work_order_id") == order_id


def join_later(request, order, now, user):
    """并入故障工单 after the call was registered (h7): an open repair registered before the fault's
    order existed (the first calls about a burst main) joins that order (``order``: one in hand,
    ``store.order_in_hand``) and is then a joined call (``joined_fault``: completed with the order,
    owing its return visit then). Announced (``service_request_joined``): maintenance cancels the repair's own order,
    not started (``own_work_order_id``, None while its created event has not come). A repair whose
    own work was started is completed, not joined (409), as one completed, closed or waiting on a
    follow-up (409: its state); one joined to another fault already is a 409; the same join again
    changes nothing (None)."""
    if joined_already(request, order["_id"]):
        return None
    if request["kind"] != "repair":
        raise BusinessRuleViolation("only a repair joins a fault's work order",
                                    [field_error("kind", "is not a repair")])
    if request.get("joins_work_order_id"):
        raise Conflict("the repair joined another fault's work order already")
    if request.get("started_at"):
        raise Conflict(f"its own work order was started on site at {request['started_at']}: it is completed, "
                       "not joined")
    if request["status"] not in ("open", "dispatched") or _open_follow_up(request):
        raise Conflict("a repair completed, closed or with a follow-up does not join a fault's work order")
    if request.get("work_order_id") == order["_id"]:
        raise BusinessRuleViolation("the repair's own work order is no fault's", [field_error(
            "data.work_order_id", "is the repair's own work order")])
    at = clock.to_iso(now)
    own = request.get("work_order_id")
    answered = request.get("answered_at") or at
    changes = {"status": "dispatched", "work_order_id": order["_id"], "joins_work_order_id": order["_id"],
               "own_work_order_id": own, "return_visit_required": False,
               "answered_at": answered, "updated_at": at, **joined_promise(order, answered)}
    note = f"joined work order {order['number']}: the fault is in hand" + (
        ", its own order cancelled if not started" if own else "")
    announced = {"id": request["_id"], "number": request["number"], "household_id": request.get("household_id"),
                 "work_order_id": order["_id"],
                 "own_work_order_id": own, "joined_at": at}
    return Change(changes, [history_entry(at, user, "dispatched", note)], [("service_request_joined", announced)])


def incident_order_found(request, order, found_event):
    """电梯困人 heard first by the guard (found by h6): maintenance found the call's own order named on the
    lift of an entrapment's own order in hand, or a burst pipe's flooding heard first (h4: the call's water
    emergency of the flooded flat's building and unit) (``work_order_incident_found``): the call joins that order
    (``order``, as kept in ``in_hand_orders``) as the desk's join does (``join_later``), once per event. A
    call that may not join (its own work started, joined to another fault, completed or closed) stays as
    it is (None): its order is the lift's second, as before, the desk's to join or cancel."""
    if _seen(request, found_event):
        return None
    try:
        change = join_later(request, order, clock.now(), found_event.get("actor"))
    except (BusinessRuleViolation, Conflict):
        return None
    if change is None:
        return None
    [entry] = change.entries
    what = "the burst" if found_event["data"].get("emergency_category") == "flooding" else "the lift"
    note = f"{entry['note']} ({what} of incident order {order['number']}, maintenance found)"
    return Change(change.set, [{**entry, "note": note, "event_id": found_event["event_id"]}], change.events)


def counts_as_repair(request):
    """Whether a repair's completions count in the return-visit rate and the desk's week: every
    repair's, a call that joined a fault's order included (``joined_order_done``), but a call a release
    before h8 closed with its order's completion (marked completed, closed at once, no visit owed then
    and none to be made now: no ``return_visit_due_at``, which ``joined_order_done`` always sets): read
    again, its month and week turned it into a visit missed, where they had left it out (found by
    review r8 of h8). Reads the fields the KPIs and the week read (``store.KPI_REQUEST_FIELDS``,
    ``store.DESK_WEEK_FIELDS``), not the history."""
    return request["kind"] == "repair" and not (
        request.get("joins_work_order_id") and request.get("completed_at") and not request.get("return_visit_due_at"))


def joined_order_done(request, order_event, done_at, how, rules):
    """The order a call joined is completed (``how`` "completed") or cancelled, once (a redelivery
    changes nothing). Cancelled: the call is closed with it, the order named in its outcome.
    Completed: the call is completed with it (DOMAIN.md: the request is marked with the completion
    time) and owes its own return visit within ``return_visit_days``, as any repair: in the desk's
    list of visits owed, the return-visit rate and the week's report; always, when the order was an
    emergency (抢险: DOMAIN.md, an emergency repair always gets its visit). No charge of its own: the
    fault's cost is the order's. Each caller of a burst main was closed with the order, none visited
    (h8's brief)."""
    order = order_event["data"]
    if request.get("joins_work_order_id") != order["id"] or _seen(request, order_event):
        return None
    at = clock.to_iso(clock.parse_iso(done_at))
    if how == "completed":
        if not allows(request, "complete") or _open_follow_up(request):
            return None  # completed with it already: visited, its follow-up's work awaited
        note = f"work order {order['number']} completed: the fault the call joined"
        emergency = order.get("priority") == "emergency"
        return Change({"status": next_status(request, "complete"), "completed_at": at,
                       "return_visit_due_at": return_visit_due_at(clock.parse_iso(at), rules),
                       "return_visit_required": bool(request.get("return_visit_required")) or emergency,
                       "started_at": order.get("started_at") or request.get("started_at"), "charge_cents": 0,
                       "updated_at": order_event["occurred_at"], "technician": None},
                      [history_entry(at, order_event.get("actor"), "completed", note, order_event["event_id"])])
    if not allows(request, "cancel"):
        return None
    outcome = f"work order {order['number']} {how}" + (f": {order['reason']}" if order.get("reason") else "")
    changes = {"status": "closed", "closed_at": at, "outcome": outcome, "updated_at": order_event["occurred_at"],
               "technician": None}
    return Change(changes, [history_entry(at, order_event.get("actor"), "closed", outcome, order_event["event_id"])],
                  [("service_request_closed", closed_event_data(request, at))])


def check_charge(request, data):
    """The visit checks the charge of the work: a confirmed charge names how the occupant confirmed
    it (422 otherwise). A visit to charged work that says nothing of the charge is still taken
    (API.md's return visit is ``{satisfaction, notes, problem_found}``; clients that predate the
    check keep working) and is recorded, and shown in the history, as "charge not checked"."""
    if data.get("charge_confirmed") and not data.get("occupant_confirmation"):
        raise BusinessRuleViolation("the return visit does not check the charge", [field_error(
            "data.occupant_confirmation", "a confirmed charge records how the occupant confirmed it")])


def return_visit(request, visit_id, data, now, rules, user):
    """回访 of a completed repair: (change, visit). Only a completed repair takes one (else 409)."""
    problem = data["problem_found"]
    status = next_status(request, "return_visit_with_problem" if problem else "return_visit")
    check_charge(request, data)
    at = clock.to_iso(now)
    visit = {
        "id": visit_id,
        "visited_at": at,
        "by": user,
        "satisfaction": data["satisfaction"],
        "notes": (data.get("notes") or "").strip(),
        "problem_found": problem,
        "on_time": request["return_visit_due_at"] is None or at <= request["return_visit_due_at"],
        "work_completed_at": request["completed_at"],
        "follow_up_id": None,
        "charge_cents": request.get("charge_cents"),
        "charge_confirmed": data.get("charge_confirmed"),
        "occupant_confirmation": data.get("occupant_confirmation"),
    }
    changes = {"status": status, "updated_at": at}
    disputed = {False: "; charge disputed", None: "; charge not checked"}.get(visit["charge_confirmed"], "")
    if not visit["charge_cents"]:
        disputed = ""
    entries = [history_entry(at, user, "return_visit",
                             f"satisfaction {visit['satisfaction']}/5" + ("; problem found" if problem else "") + disputed)]
    events = []
    if problem:
        follow_up = new_follow_up(request, visit, now, rules)
        visit["follow_up_id"] = follow_up["id"]
        changes["follow_ups"] = request.get("follow_ups", []) + [follow_up]
        entries.append(history_entry(at, user, "follow_up_requested",
                                     f"written notice to maintenance, due {follow_up['notice_due_at']}"))
        events.append(("follow_up_requested", follow_up_event_data(request, visit, follow_up)))
    changes["return_visits"] = request.get("return_visits", []) + [visit]
    # a return visit after the owner's low portal rating is the call back it owed (domain.called_back)
    call_back = called_back(request, at, user, return_visit_id=visit_id)
    if call_back is not None:
        changes.update(call_back.set)
        entries += call_back.entries
    return Change(changes, entries, events), visit


def new_follow_up(request, visit, now, rules):
    return {
        "id": ids.natural_id("fu", request["estate_id"], request["_id"], visit["id"]),
        "return_visit_id": visit["id"],
        "reason": "repeated_repair" if request.get("repeat_of") else "return_visit_problem",
        "notice_due_at": clock.to_iso(now + timedelta(hours=rules["follow_up_notice_hours"])),
        # The event is the written notice: it leaves with this write.
        "notified_at": clock.to_iso(now),
        "work_order_id": None,
        "completed_at": None,
    }


def follow_up_event_data(request, visit, follow_up):
    description = f"Problem found on the return visit of {request['number']}"
    if visit["notes"]:
        description += f": {visit['notes']}"
    return {
        "id": follow_up["id"],
        "request_id": request["_id"],
        "request_number": request["number"],
        "household_id": request["household_id"],
        "description": description[:2000],
        "reason": follow_up["reason"],
        "notice_due_at": follow_up["notice_due_at"],
        # a fault's caller: the work his visit followed is the fault's order, its technician's to mend
        # (maintenance has no order of the request's; review r8 of h8)
        **({"joins_work_order_id": request["joins_work_order_id"]} if request.get("joins_work_order_id") else {}),
    }


NO_VISIT_REASONS = ("occupant_unreachable",)


def require_closable(request, data, rules, roles=()):
    """DOMAIN.md: a return visit after every repair. A completed repair still owing its visit
    (status ``completed``) is closed only with ``no_visit_reason`` ``occupant_unreachable`` after
    ``return_visit_attempts_before_close`` attempts to reach the occupant since the work was
    completed (422 with fewer); without a reason it is a 409 (the visit is pending). A repeated
    or emergency repair always gets its visit: the desk may not close it without one (409
    whatever the reason); when its occupant cannot be reached, a manager decides, after the same
    attempts (it stayed open for good, with nobody able to close it: a probe). Returns the
    fields the close records (``closed_without_visit``), or {}."""
    reason = data.get("no_visit_reason")
    if reason is not None and request["kind"] != "repair":
        raise InvalidInput("only a repair is closed without its return visit",
                           [field_error("data.no_visit_reason", "is only for a repair")])
    if request["kind"] != "repair" or request["status"] != "completed":
        return {}
    if request.get("return_visit_required") and (reason is None or not MANAGEMENT & set(roles)):
        raise Conflict("a repeated or emergency repair gets its return visit before it is closed; if the "
                       "occupant cannot be reached, a manager closes it after the recorded attempts")
    if reason is None:
        raise Conflict("a repair is closed after its return visit; if the occupant cannot be reached, record "
                       "the attempts (…/return-visit-attempts) and close with no_visit_reason occupant_unreachable",
                       [field_error("data.no_visit_reason", "the return visit is pending")])
    gap = rules["return_visit_attempt_gap_minutes"]
    attempts = spaced(attempts_since_completion(request), gap)
    needed = rules["return_visit_attempts_before_close"]
    if len(attempts) < needed:
        raise BusinessRuleViolation(
            f"the occupant is unreachable after {counted(needed, 'attempt')}, not {len(attempts)}",
            [field_error("data.no_visit_reason", f"needs {counted(needed, 'recorded attempt')} to reach the occupant, "
                                                 f"each at least {counted(gap, 'minute')} after the one before")])
    return {"closed_without_visit": {"reason": reason, "attempts": len(attempts)}}


def attempts_since_completion(request):
    return [a for a in request.get("return_visit_attempts", []) if a["work_completed_at"] == request["completed_at"]]


def spaced(attempts, gap_minutes):
    """The attempts that count towards closing unvisited: the first, and each later one at least
    ``gap_minutes`` after the last one counted (the rest stay recorded)."""
    kept = []
    for attempt in attempts:
        if not kept or clock.parse_iso(attempt["at"]) - clock.parse_iso(kept[-1]["at"]) \
                >= timedelta(minutes=gap_minutes):
            kept.append(attempt)
    return kept


def return_visit_attempt(request, data, now, caller):
    """An attempt to reach the occupant for the return visit that failed (no answer, nobody at
    home): only while the visit is pending (a ``completed`` repair, 409 otherwise)."""
    if request["kind"] != "repair" or request["status"] != "completed":
        raise Conflict(f"a {request['kind']} that is {request['status']} has no return visit pending")
    at = clock.to_iso(now)
    attempt = {"at": at, "by": caller.user, "method": data["method"], "note": (data.get("note") or "").strip() or None,
               "work_completed_at": request["completed_at"]}
    count = len(attempts_since_completion(request)) + 1
    return Change({"return_visit_attempts": request.get("return_visit_attempts", []) + [attempt], "updated_at": at},
                  [history_entry(at, caller.user, "return_visit_attempt",
                                 f"occupant not reached by {data['method']} (attempt {count})")])


def find_visit(request, visit_id):
    return next((v for v in request.get("return_visits", []) if v["id"] == visit_id), None)


def visit_view(request, visit):
    """A return visit as the API shows it."""
    follow_up = next((f for f in request.get("follow_ups", []) if f["id"] == visit["follow_up_id"]), None)
    return {**visit, "estate_id": request["estate_id"], "request_id": request["_id"], "follow_up": follow_up}
