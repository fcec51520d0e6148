"""The steps of each of maintenance's writes and reads: read through ``store``, decide with the
rule modules (``domain`` for work orders, ``ledger``, ``costing``, ``renovation``,
``indicators``), write through the one write path (``estate_common.writes`` behind
``store.change``/``create``/``write``): a revision check, the events in the same document
write, a lost race decided again on what the winner wrote.
"""
import logging
import time
from datetime import timedelta
from functools import partial

from estate_common import calendar, clock, custom_fields, ids, jobs, metrics, replica, writes
from estate_common.errors import BusinessRuleViolation, Conflict, NotFound, field_error
from estate_common.kpis import by_the_month, per_estate_month, period_bounds
from estate_common.store import public, shown
from estate_common.writes import Change

from . import checklists, costing, domain, equipment_imports, events, indicators, ledger, parts, renovation, store

log = logging.getLogger(__name__)
SERVICE = "maintenance"  # the metrics' label (MaintenanceService.name)

# the one write path on store's collections, the events of a step built by ``events`` (the
# names this service announces; ``_create(..., actor=)``: who, when no caller is)
_announced = store.named.announcing(events.announcer)
_change, _create = _announced.change, _announced.create


# -- work orders: a caller's step ----------------------------------------------------------

def step(db, outbox, caller, estate_id, order_id, action, *args, announce=None, **kwargs):
    """``action(order, *args, now, actor)`` → ``(changes, history entry)`` on the work order, when
    the caller's hands may take it (``domain.check_hands``; ``action``'s name is the step's);
    ``announce(order, changes)``: the step's events, ``[(event_type, data)]``, when it has any."""
    named = action is domain.assign  # whose hands an assignment needs reads the name it keeps

    def decide(order):
        if not named and action.__name__ in domain.STEPS:
            # the state's say (409), then whose hands (403), before the body's rules (422): a technician
            # not on the order was told his arrival was to come before that the order is not his
            # (found by last session's reviews)
            domain.next_status(order, action.__name__)
            domain.check_hands(order, action.__name__, caller.roles, caller.user)
        changes, entry = action(order, *args, now=clock.now(), actor=caller.user, **kwargs)  # the state's say first
        if named or action.__name__ not in domain.STEPS:
            # the name as the step keeps it (trimmed): "chen " taking an order for himself was a 403
            domain.check_hands(order, action.__name__, caller.roles, caller.user,
                               technician=changes["technician"] if named else None)
        if entry is None:
            return None  # nothing to change: the order as it is
        return Change(changes, [entry], announce(order, changes) if announce else [])

    return store.public_order(_order_change(db, outbox, estate_id, order_id, decide))


def _order_write(db, outbox, estate_id, order_id, decide, **kwargs):
    """``decide(order)`` written on a work order through the one write path, its events naming the
    incidents that joined the order (``domain.incidents_named``): every write of an order goes here."""
    return _change(db, outbox, "work_orders", estate_id, order_id,
                   lambda order: domain.incidents_named(order, decide(order)), **kwargs)


def _order_follow(db, outbox, event, order_id, decide):
    """What ``event`` means to a work order (``decide(order, event)``), once per event, its events naming
    the order's incidents as ``_order_write``'s do."""
    return _announced.follow(db, outbox, "work_orders", event, order_id,
                             lambda order, event: domain.incidents_named(order, decide(order, event)))


def _order_change(db, outbox, estate_id, order_id, decide):
    """A caller's step on a work order (``decide``, through the one write path) with the deadline
    of the work it still owes kept on it (``domain.deadline_kept``): set while it owes it, moved
    when an emergency shortens the response, removed by the start, the completion of a plan's job
    or a cancellation, in the same write as the step."""
    tz = store.estate_timezone(db, estate_id)  # read once: a write that meets another is decided again

    def kept(order):
        change = decide(order)
        if change is None:
            return None
        after = {**order, **change.set}
        marked, unset = domain.deadline_kept(order, after, tz)
        return Change({**change.set, **marked}, change.entries, change.events, change.push, (*change.unset, *unset))

    return _order_write(db, outbox, estate_id, order_id, kept)


def cancel_work_order(db, outbox, caller, estate_id, order_id, reason):
    """Cancelled with its reason, announced (``work_order_cancelled``): archive keeps it."""
    def decide(order):
        changes, entry = domain.cancel(order, reason, now=clock.now(), actor=caller.user)
        return Change(changes, [entry], [("work_order_cancelled",
                                          domain.cancelled_event_data(order, reason, changes["updated_at"]))])

    return store.public_order(_order_change(db, outbox, estate_id, order_id, decide))


def set_custom(db, outbox, caller, estate_id, order_id, values):
    """An order's custom values (orders come from events with none): checked by type once the
    order is found (another estate's is a 404 whatever the values), not for the required ones; a
    400 names ``custom.<key>`` and nothing is written."""
    definitions = store.custom_definitions(db, estate_id, "work_order")
    return step(db, outbox, caller, estate_id, order_id, lambda order, now, actor: domain.set_custom(
        order, custom_fields.check_values(definitions, values, creating=False), now, actor))


def mark_emergency(db, outbox, caller, estate_id, order_id, category):
    return step(db, outbox, caller, estate_id, order_id, domain.mark_emergency, category,
                rules=store.rules_for(db, estate_id), announce=domain.marked_emergency_events)


def set_work_order_equipment(db, outbox, caller, estate_id, order_id, equipment_id):
    """``POST …/work-orders/{id}/equipment``: the piece an open order is about (``domain.set_equipment``),
    one of the estate's (422 naming ``data.equipment_id`` else). A call's order named on a lift whose
    entrapment has its own order in hand tells customer service so (``domain.incident_order_found``)."""
    store.get(db, "work_orders", estate_id, order_id)  # the path's order first: another estate's is a 404
    equipment = store.referenced(db, "equipment", estate_id, equipment_id, "data.equipment_id")
    faults = store.incident_orders_on(db, estate_id, equipment["_id"]) if equipment.get("system") == "elevator" else []
    rules = store.rules_for(db, estate_id) if faults else None
    return step(db, outbox, caller, estate_id, order_id, domain.set_equipment, equipment,
                announce=lambda order, changes: domain.incident_order_found(order, equipment, faults, rules)
                if faults else [])


def take_equipment_out_of_service(db, outbox, caller, estate_id, equipment_id, data):
    """停运 (``ledger.out_of_service``): by hand with its reason, or for an open work order of the
    estate that names this piece (422 naming ``data.work_order_id`` else), which puts it back in
    service when it is completed; a piece out already by hand or for an order done is handed to it
    (the order it is out for read in the decision: a write that meets another decides again)."""
    store.get(db, "equipment", estate_id, equipment_id)  # the path's piece first: another estate's is a 404
    order = None
    if data.get("work_order_id"):
        order = store.referenced(db, "work_orders", estate_id, data["work_order_id"], "data.work_order_id")
        if order["status"] in ("completed", "cancelled"):
            raise BusinessRuleViolation("only an open work order keeps a piece out of service",
                                        [field_error("data.work_order_id", f"is {order['status']}")])
        if order.get("equipment_id") != equipment_id:
            raise BusinessRuleViolation("the work order is about other equipment, or names none yet",
                                        [field_error("data.work_order_id", "does not name this equipment")])
    return _shown(db, outbox, _change(db, outbox, "equipment", estate_id, equipment_id, lambda equipment: (
        ledger.out_of_service(equipment, data["reason"], clock.now(), caller.user, order,
                              data.get("until_checked", False), _standing_order(db, estate_id, equipment)))))


def retire_equipment(db, outbox, caller, estate_id, equipment_id, data):
    """报废 / 停用 (``ledger.retired``): the piece retired for good from a day of the estate's calendar;
    its plan jobs due from that day on, opened already and not started, cancelled with it
    (``domain.retired_cancel``, each announced): retired from a day gone, they stayed open (r6)."""
    tz = store.estate_timezone(db, estate_id)
    retired = _change(db, outbox, "equipment", estate_id, equipment_id, lambda equipment: (
        ledger.retired(equipment, data, clock.now(), caller.user, caller.roles, tz)))
    _cancel_retired_jobs(db, outbox, estate_id, retired)
    return _shown(db, outbox, retired)


def _cancel_retired_jobs(db, outbox, estate_id, equipment):
    """The retired piece's jobs from its day cancelled (``domain.retired_cancel``), then its sweep marked
    done (``ledger.JOBS_OWED`` removed): a crash before leaves it to the plan sweep
    (``finish_retirements``), which does it again, cancelling nothing twice."""
    state = equipment["retired"]
    for order_id in store.plan_jobs_from(db, estate_id, equipment["_id"], state["on"], domain.CANCELLABLE):
        def decide(order):
            stepped = domain.retired_cancel(order, state, clock.now())
            if stepped is None:
                return None
            changes, entry = stepped
            return Change(changes, [entry], [("work_order_cancelled", domain.cancelled_event_data(
                order, entry["note"], changes["updated_at"]))])
        _order_change(db, outbox, estate_id, order_id, decide)
    for plan in store.active_plans_of(db, estate_id, equipment["_id"]):
        _cancel_retired_plan(db, outbox, estate_id, plan, equipment)
    _change(db, outbox, "equipment", estate_id, equipment["_id"], lambda current: Change(
        {}, unset=(ledger.JOBS_OWED,)) if current.get(ledger.JOBS_OWED) else None, keyed=False)


def _cancel_retired_plan(db, outbox, estate_id, plan, equipment):
    """A retired piece's plan with nothing more to open (``ledger.retired_plan``): its open scheduled
    inspections of the retirement's day on cancelled with the reason (``checklists.cancelled``), then the plan
    (``ledger.plan_cancelled``), announced ``maintenance_plan_cancelled`` naming those inspections, once: a
    crash between leaves the plan active, and the next sweep (``finish_retirements``, the plan sweep) does it
    again, cancelling nothing twice (found by h4: the plan stayed active, its inspections open and late)."""
    if not ledger.retired_plan(plan, equipment):
        return
    day, reason = equipment["retired"]["on"], ledger.retirement_note(equipment)
    for inspection_id in store.plan_inspections_from(db, estate_id, plan["_id"], day, "open"):
        store.change(db, outbox, "inspections", estate_id, inspection_id,
                     lambda inspection: checklists.cancelled(inspection, reason, clock.now()), keyed=False)

    def decide(current):
        change = ledger.plan_cancelled(current, equipment, clock.now())
        if change is None:
            return None
        after = {**current, **change.set}
        cancelled = store.plan_inspections_from(db, estate_id, plan["_id"], day, "cancelled")
        return Change(change.set, events=[("maintenance_plan_cancelled",
                                           ledger.cancelled_plan_event_data(after, equipment, cancelled))])

    _change(db, outbox, "maintenance_plans", estate_id, plan["_id"], decide, keyed=False)
    store.release_plan_slot(db, estate_id, ledger.plan_slot_id(estate_id, plan), plan["_id"])


def finish_retirements(db, outbox, estate_id):
    """The retirements of the estate whose jobs' sweep a crash left owed (``ledger.JOBS_OWED``), finished."""
    for equipment in store.retirements_owing_jobs(db, estate_id):
        _cancel_retired_jobs(db, outbox, estate_id, equipment)


def _standing_order(db, estate_id, equipment):
    """The work order a piece is out of service for, as stored (None when out by hand or in service):
    a piece waiting on no open order is handed to another (``ledger.handed_over``)."""
    standing = equipment.get("out_of_service") or {}
    return standing.get("work_order_id") and store.find(db, "work_orders", estate_id, standing["work_order_id"])


def return_equipment_to_service(db, outbox, caller, estate_id, equipment_id, data):
    """Back in service by hand, with what was checked (``ledger.back_in_service``)."""
    return _shown(db, outbox, _change(db, outbox, "equipment", estate_id, equipment_id, lambda equipment: (
        ledger.back_in_service(equipment, data.get("note"), clock.now(), caller.user))))


def _back_in_service_with(db, outbox, order):
    """Each piece an order kept out of service, back in service by its completion (once: a retry
    finds it back), those it named before it named another too: the one it names now alone was put
    back, a lift taken out for it first stayed out for good (found by review r10 of h10)."""
    for equipment_id in store.equipment_out_for(db, order["estate_id"], order["_id"]):
        _change(db, outbox, "equipment", order["estate_id"], equipment_id, lambda equipment: (
            ledger.back_in_service(equipment, None, clock.now(), order["technician"] or order["history"][-1]["by"],
                                   order)), keyed=False)


def complete_work_order(db, outbox, caller, estate_id, order_id, data):
    """Completed with its events (``work_order_completed``, and ``charge_raised`` when the
    household pays); the equipment it names gets the job on its record, once."""
    rules = store.rules_for(db, estate_id)

    def decide(order):
        # the state's say (409), whose hands (403), then the body's rules (422), as ``step`` asks them:
        # a technician not on the order was told the emergency's summary was missing (found by r6 reviewing h6)
        domain.next_status(order, "complete")
        domain.check_hands(order, "complete", caller.roles, caller.user)
        # the parts issued to it from the store (less those given back): its material lines at their cost,
        # read in the decision: an issue that reached the order meanwhile moved its revision, the store is
        # read again; the movements costed kept on it (an issue written after this read, reaching the order
        # signed off, is undone: ``_part_moved``; found by r8 reviewing h8)
        held_parts, held = store.parts_held_by(db, estate_id, order_id)
        changes, entry = domain.complete(order, data, clock.now(), rules, caller.user,
                                         issued=parts.order_lines(held_parts, held, order_id))
        changes["_parts_signed"] = parts.signed_movements(held, order_id)
        owner = (changes["cause"] or {}).get("household_id")
        if owner and not store.households_of(db, estate_id, [owner]):  # the owner's flat, the estate's
            raise BusinessRuleViolation("the cause names a flat this estate does not have",
                                        [field_error("data.cause.household_id", "no such household in this estate")])
        equipment = store.referenced(db, "equipment", estate_id, changes["equipment_id"], "data.equipment_id") \
            if changes["equipment_id"] else None
        done = {**order, **changes}
        announced = [("work_order_completed", domain.completed_event_data(done, equipment))]
        if domain.raises_charge(done):
            charge = domain.charge_event_data(done)
            # taken at the door, the cash is the technician's, booked by finance in the journal of
            # the event's actor: a manager entering the sign-off had it in his own (found by review)
            announced.append(events.build(outbox, estate_id, "charge_raised", charge, actor=done["technician"])
                             if charge["collected"] else ("charge_raised", charge))
        return Change(changes, [entry], announced)

    try:
        written = _order_change(db, outbox, estate_id, order_id, decide)
    except Conflict:
        # completed already: by this caller before a crash (or a lost race on the ledger) that left
        # its equipment record unwritten? A retry writes it (once), then gets its 409 all the same.
        stored = store.get(db, "work_orders", estate_id, order_id)
        if stored["status"] == "completed":
            _record_on_ledger(db, outbox, estate_id, stored)
            if _signed_off_by_this_call(stored, caller, estate_id):
                return store.public_order(stored)
        raise
    _record_on_ledger(db, outbox, estate_id, written)
    return store.public_order(written)


def _signed_off_by_this_call(order, caller, estate_id):
    """The sign-off a retry with the caller's Idempotency-Key asks for (its reply lost on its way:
    the retry was a 409 "completed already", found by review): the keyed call's own mark
    (``writes.sent_again``; ``writes.change`` answers it first by its step's). An order signed off
    before the marks has none: it kept the key in ``_completed_key``, read until those keys' life
    (the gateway's IDEMPOTENCY_RETENTION_SECONDS) is over; nothing writes it any more."""
    if writes.sent_again(order):
        return True
    return bool(caller.idempotency_key) and order.get("_completed_key") == caller.created_id("cpk", estate_id)


def _record_on_ledger(db, outbox, estate_id, order):
    if order["equipment_id"]:
        add_record(db, outbox, estate_id, order["equipment_id"], ledger.record_from_order(order))
    _back_in_service_with(db, outbox, order)


def announce_earlier_assignments(db, outbox, now):
    """Once per estate: ``work_order_assigned`` for each order assigned before assignments were
    announced. customer-service lets a technician read only the repairs his orders come from,
    and knew of no assignment made before: their technicians lost the repairs they were working
    on (found by review). Each order is marked as it is announced, and the estate's copy once
    its orders are, so a later sweep reads nothing more of it; an order announced twice (two
    replicas at once) changes nothing at the desk, which keeps a set of technicians. Returns how
    many."""
    announced = set()
    for estate_id in store.estates_unmarked(db, store.ASSIGNMENTS_ANNOUNCED):
        announced |= _write_each(db, outbox, estate_id, store.assigned_orders(db, estate_id), lambda current: Change(
            {"_assignment_announced_at": clock.to_iso(now)}, [], domain.assigned_events(
                current, {"assigned_at": current.get("assigned_at") or current["updated_at"]})))
        store.mark_estate(db, estate_id, store.ASSIGNMENTS_ANNOUNCED)
    return len(announced)


def _write_each(db, outbox, estate_id, orders, decide):
    """``decide`` on each of the estate's ``orders`` (``{_id}`` each) through the one write path,
    a write at a time, the service's calls running between them (the embedded store does no I/O):
    the once-per-estate sweeps' loop. The ids of the orders a change was decided for."""
    written = set()
    for order in orders:
        def tracked(current):
            change = decide(current)
            if change is not None:
                written.add(current["_id"])
            return change

        _order_write(db, outbox, estate_id, order["_id"], tracked)
        time.sleep(0)
    return written


def announce_earlier_appointments(db, outbox, now):
    """Once per estate: ``work_order_appointed`` for each open order from a request appointed
    before appointments were announced (``domain.earlier_appointment_announced``): the owner
    portal showed no time for its repair until its next appointment. Each order is marked as it
    is announced, through the write path (one completed meanwhile is left), and the estate's copy
    once its orders are, so a later sweep reads nothing more of it; an appointment announced twice
    (two replicas at once) changes nothing at the desk, which keeps the newest by ``set_at``.
    Returns how many."""
    announced = set()
    for estate_id in store.estates_unmarked(db, store.APPOINTMENTS_ANNOUNCED):
        announced |= _write_each(db, outbox, estate_id, store.appointed_orders(db, estate_id),
                                 lambda current: domain.earlier_appointment_announced(current, now))
        store.mark_estate(db, estate_id, store.APPOINTMENTS_ANNOUNCED)
    return len(announced)


def keep_earlier_deadlines(db, outbox):
    """Once per estate and timezone: the deadline marker (``domain.OWED_BY``) on its open orders
    opened before it was kept, so that the list's ``overdue=true`` finds them too (an order opens
    with it, and each step keeps it), and on its plans' jobs moved to the end of their day on the
    estate's clock as it is now (a corrected timezone moves it: the list read a job late 8 hours
    before its day was over; found by review). Each order is marked through the write path (a step
    meanwhile is decided again), and the estate's copy once its orders are, with the timezone they
    were marked on, so a later sweep reads nothing more of it until its timezone changes. Returns
    how many orders were marked or moved."""
    marked = set()
    for estate_id, tz in store.estates_to_keep_deadlines(db):
        def decide(current, tz=tz):
            kept, _ = domain.deadline_kept(current, current, tz)
            return Change(kept) if kept else None

        marked |= _write_each(db, outbox, estate_id, store.orders_to_mark(db, estate_id), decide)
        store.mark_deadlines_kept(db, estate_id, tz)
    return len(marked)


def keep_earlier_holds(db, outbox):
    """Once per estate: its orders on hold that an older release held (``domain.earlier_hold_kept``)
    owe going on by their hold's day as a hold does now (a repair held before had no deadline kept:
    never listed late nor announced past its day). Each through the write path, the estate marked
    once its orders are. Returns how many orders were kept."""
    kept = set()
    for estate_id in store.estates_unmarked(db, store.HOLDS_KEPT):
        tz = store.estate_timezone(db, estate_id)
        kept |= _write_each(db, outbox, estate_id, store.held_orders(db, estate_id),
                            lambda current, tz=tz: domain.earlier_hold_kept(current, tz))
        store.mark_estate(db, estate_id, store.HOLDS_KEPT)
    return len(kept)


def announce_overdue(db, outbox, now):
    """逾期, told: each order whose owed work is past its deadline (``overdue=true`` lists it) is
    stamped once with its ``work_order_overdue`` in the same write (``domain.overdue_announced``),
    so a crash loses no announcement (the outbox relays what the write kept) and a sweep run again,
    or another replica's at once, announces none twice (the stamp, and the revision the write is
    guarded by). The estates in service only (``replica.estates_in_service``). Returns how many were
    announced."""
    now_iso, announced = clock.to_iso(now), 0
    for found in store.newly_late_orders(db, now_iso, replica.estates_in_service(db)):
        decided = []  # what each try decided: the last one's change is what was written

        def decide(order):
            decided.append(domain.overdue_announced(order, now_iso))
            return decided[-1]

        try:
            _order_write(db, outbox, found["estate_id"], found["_id"], decide)
        except Conflict:
            continue  # engineering kept writing it: the next sweep announces it if it is still late
        announced += decided[-1] is not None  # not another replica's stamp of the same moment
        time.sleep(0)  # the service's calls run between writes (the embedded store does no I/O)
    if announced:
        log.info("work orders found overdue", extra={"count": announced})
    return announced


def announce_certificates_due(db, outbox, now):
    """年检合格证 coming due, told: each piece whose certificate is due on its estate's calendar
    (``ledger.certificate_due_before``: expired, or within the estate's ``certificate_warn_days``) is
    stamped once with its ``equipment_certificate_due`` in the same write
    (``ledger.certificate_due_announced``), as the overdue sweep does its orders; a certificate renewed
    for another day is announced in its turn. The estates in service only. Returns how many."""
    announced = 0
    for estate_id in replica.estates_in_service(db):
        rules = store.rules_for(db, estate_id)
        before = ledger.certificate_due_before(now, rules)
        for found in store.certificates_coming_due(db, estate_id, before, calendar.day_of(now, rules["timezone"])):
            decided = []

            def decide(equipment):
                decided.append(ledger.certificate_due_announced(equipment, now, rules))
                return decided[-1]

            try:
                _change(db, outbox, "equipment", estate_id, found["_id"], decide)
            except Conflict:
                continue  # written meanwhile: the next sweep announces it if it is still due
            announced += decided[-1] is not None
            time.sleep(0)
    if announced:
        log.info("equipment certificates found due", extra={"count": announced})
    return announced


# -- where work orders come from: one order per source -------------------------------------

def open_order(db, outbox, order_id, estate_id, created, build, tz):
    """Open the order ``order_id`` once: ``build(number, created)``, numbered in the year of the
    estate's timezone ``tz``; a source seen before finds its order (whose own outbox carries its
    event) and opens nothing, not even a number. Its ``work_order_created`` names who opened it as
    its history does (``domain.opened_by``: the desk's agent of a repair, the guard of an anomaly):
    opened from another service's event, where no caller is, it named no one, nor did the
    archive's record of the order (found by review)."""
    def new():
        sequence = store.next_number(db, estate_id, domain.number_series(created, tz))
        order = build(domain.order_number(created, tz, sequence), created)
        order.update(domain.deadline_kept({}, order, tz)[0])  # the deadline of the work it owes
        opened = [events.build(outbox, estate_id, "work_order_created", domain.created_event_data(order),
                               actor=domain.opened_by(order))]
        if order.get("technician"):  # a follow-up back to who did the work (domain.from_follow_up)
            opened += [events.build(outbox, estate_id, name, data, actor=domain.opened_by(order))
                       for name, data in domain.assigned_events(order, {})]
        return order, opened

    return _create(db, outbox, "work_orders", estate_id, order_id, new)


def open_from_service_request(db, outbox, event):
    if not domain.wants_work_order(event):
        return
    estate_id = event["estate_id"]
    rules = store.rules_for(db, estate_id)
    request_id = event["data"]["id"]
    if store.request_joined(db, estate_id, request_id):  # joined a fault's order before this came
        return
    order_id = domain.work_order_id(estate_id, "service_request", request_id)
    correction = store.household_correction(db, estate_id, request_id)  # one that came first
    open_order(db, outbox, order_id, estate_id, clock.now(),
               lambda number, created: domain.from_service_request(event, number, created, rules, correction),
               rules["timezone"])
    # one kept while the order was being opened (the correction's consumer keeps it, then looks for
    # orders; this one opens the order, then looks again): either side sees the other
    late = store.household_correction(db, estate_id, request_id)
    if late and late != correction:
        _order_write(db, outbox, estate_id, order_id, lambda order: domain.household_corrected(
            order, late, None, store.household_flats(db, estate_id, [order.get("household_id"), late["household_id"]])))
    # a join kept while the order was being opened (its consumer keeps it, then looks for the order;
    # this one opens the order, then looks again): either side sees the other (review r5)
    kept = store.joined_request(db, estate_id, request_id)
    if kept:
        _order_write(db, outbox, estate_id, order_id, lambda order: domain.joined_cancel(order, {
            "data": {"work_order_id": kept["work_order_id"]}, "event_id": kept.get("event_id"),
            "actor": kept.get("actor")}), actor=kept.get("actor"))
    _burst_found(db, outbox, estate_id, order_id, rules)


def _burst_found(db, outbox, estate_id, order_id, rules):
    """The desk's water emergency ``order_id`` after the guard's flooding opened its own order for the same
    burst (found by h4): customer service told to join the call to it (``domain.burst_order_found``), once
    (``domain.INCIDENT_FOUND``). Its ``service_request_joined`` cancels the call's order here."""
    faults = store.flooding_orders(db, estate_id)
    if not faults:
        return
    flats = [fault.get(domain.FLOODED_FLAT) for fault in faults]

    def decide(order):
        households = store.households_of(db, estate_id, [order.get("household_id"), *flats])
        return domain.found_change(order, domain.burst_order_found(order, faults, households, rules), clock.now())

    _order_write(db, outbox, estate_id, order_id, decide, keyed=False)


def _desk_order_found(db, outbox, event, own, rules, lift=None):
    """The incident's own order ``own`` just opened; the desk's order it would have joined written meanwhile
    (each side looked for the other before it wrote, found by h4): customer service is told to join that
    call to ``own`` (``work_order_incident_found``), as when the call's order comes after; once."""
    desk = _desk_order_for(db, event["estate_id"], event["data"], rules)
    if desk is None:
        return
    estate_id = event["estate_id"]
    if event["data"]["type"] == domain.FLOODING_INCIDENT:
        _burst_found(db, outbox, estate_id, desk["_id"], rules)
        return
    if lift is None:
        lift = store.find(db, "equipment", estate_id, desk.get("equipment_id")) if desk.get("equipment_id") else None
    if lift is None:
        return
    _order_write(db, outbox, estate_id, desk["_id"], lambda order: domain.found_change(
        order, domain.incident_order_found(order, lift, [own], rules), clock.now()), keyed=False)


def request_joined(db, outbox, event):
    """A repair joined a fault's order (``service_request_joined``): kept (an order its creation
    would open later is not), and its own order cancelled unless started (``domain.joined_cancel``),
    once however often the event comes."""
    estate_id, data = event["estate_id"], event["data"]
    store.keep_joined_request(db, estate_id, data["id"], data["work_order_id"], event["event_id"], event.get("actor"))
    order_id = domain.work_order_id(estate_id, "service_request", data["id"])
    fault = store.find(db, "work_orders", estate_id, data["work_order_id"])  # its start, for the KPI (h7)
    _order_follow(db, outbox, event, order_id, lambda order, joined: domain.joined_cancel(
        order, joined, fault_started_at=(fault or {}).get("started_at")))


def household_corrected(db, outbox, event):
    """The desk corrected a repair's household: kept (the latest one), so that an order the
    request opens later takes it (its ``service_request_created`` may come after: each event type
    has its queue), and each of its orders not started moves to it, once
    (``domain.household_corrected``), its history naming the flats (the household copies)."""
    estate_id, data = event["estate_id"], event["data"]
    store.keep_household_correction(db, estate_id, data)

    def decide(order, event):  # the order's household and the corrected one, as people know them
        flats = store.household_flats(db, estate_id, [order.get("household_id"), data["household_id"]])
        return domain.household_corrected(order, data, event, flats)

    for order_id in store.orders_of_request(db, estate_id, data["id"]):
        _order_follow(db, outbox, event, order_id, decide)


def open_from_follow_up(db, outbox, event):
    estate_id, follow_up = event["estate_id"], event["data"]
    rules = store.rules_for(db, estate_id)
    # the work the visit followed: the request's own order, or the fault's order a call joined (its
    # own, if any, was cancelled at the join): the fault's technician did the work (review r8 of h8)
    earlier = store.find(db, "work_orders", estate_id, follow_up.get("joins_work_order_id") or
                         domain.work_order_id(estate_id, "service_request", follow_up["request_id"]))
    # the technician who did the work, unless his account was switched off (the gateway told us so)
    left = bool(earlier and earlier.get("technician")) and store.technician_left(db, estate_id, earlier["technician"])
    open_order(db, outbox, domain.work_order_id(estate_id, "return_visit", follow_up["id"]), estate_id, clock.now(),
               lambda number, created: domain.from_follow_up(event, number, created, rules, earlier, left),
               rules["timezone"])


def _open_from(db, outbox, event, source, build):
    """The one order another service's event asks for: its id follows from the source object's id,
    so a redelivered event opens no second one."""
    estate_id = event["estate_id"]
    rules = store.rules_for(db, estate_id)
    open_order(db, outbox, domain.work_order_id(estate_id, source, event["data"]["id"]), estate_id,
               clock.now(), lambda number, created: build(event, number, created, rules), rules["timezone"])


def open_for_planned_cut(db, outbox, event):
    """计划停水停电 (h9): a notice of a planned cut opens its one preparation order (``domain.from_notice``);
    a notice of none opens nothing; redelivered or sent twice, it finds the order (its id the notice's)."""
    if domain.wants_outage_order(event):
        _open_from(db, outbox, event, domain.NOTICE_SOURCE, domain.from_notice)


def follow_planned_cut(db, outbox, event):
    """A notice's revision moving or calling off its cut (``outage_change``): the order follows
    (``domain.outage_revised``), once per event, through the caller's write path (its deadline moves
    with it). Heard before the publication (each event type has its queue), it opens the order as the
    cut then stands, and applies itself: the publication heard after finds the order."""
    if event["data"].get("outage_change") not in ("moved", "cancelled") or not domain.wants_outage_order(event):
        return
    estate_id = event["estate_id"]
    rules = store.rules_for(db, estate_id)
    order_id = domain.work_order_id(estate_id, domain.NOTICE_SOURCE, event["data"]["id"])
    if store.find(db, "work_orders", estate_id, order_id) is None:
        opening = {**event, "event_id": None, "data": {**event["data"], "revision": 0}}  # the revision applied below
        open_order(db, outbox, order_id, estate_id, clock.now(),
                   lambda number, created: domain.from_notice(opening, number, created, rules), rules["timezone"])

    def decide(order):
        if writes.applied(order, event["event_id"]):
            return None
        return domain.outage_revised(order, event, clock.now(), rules)

    _order_change(db, outbox, estate_id, order_id, decide)


def open_from_patrol_anomaly(db, outbox, event):
    """One order per anomaly, but for one that says why it opens none (``no_work_order``: found in
    a retired estate, ``replica.no_work_order``, decided where it was recorded). An incident's
    take-over of it kept before the order opened is applied then (``incident_took_over``)."""
    if not event["data"].get("no_work_order"):
        _open_from(db, outbox, event, "patrol_anomaly", domain.from_patrol_anomaly)
        kept = store.kept_takeover(db, event["estate_id"], event["data"]["id"])
        if kept:
            _take_over(db, outbox, kept)


def open_from_fire_defect(db, outbox, event):
    _open_from(db, outbox, event, "fire_inspection", domain.from_fire_defect)


def incident_took_over(db, outbox, event):
    """An incident took over the anomaly's order (``domain.incident_took_over``), once per event
    (its history's ``event_id``), through the caller's write path (the deadline of the work it owes
    moved with its response). Kept first (``store.keep_takeover``): the anomaly's order not here yet
    (each event type has its queue; maintenance down on a typhoon night, its queues then read
    together) takes it when it opens (``open_from_patrol_anomaly``, which opens the order, then looks:
    either side sees the other). It was a 404 raised to be delivered again, five times a second
    apart, and then lay in the dead letters (review r5)."""
    store.keep_takeover(db, event["estate_id"], event["data"]["anomaly_id"], event)
    try:
        _take_over(db, outbox, event)
    except NotFound:
        pass  # taken when the anomaly's order opens


def _take_over(db, outbox, event):
    estate_id, data = event["estate_id"], event["data"]
    rules = store.rules_for(db, estate_id)

    def decide(order):
        if writes.applied(order, event["event_id"]):
            return None
        return domain.incident_took_over(order, event, clock.now(), rules)

    _order_change(db, outbox, estate_id, domain.work_order_id(estate_id, "patrol_anomaly", data["anomaly_id"]), decide)


def open_from_incident(db, outbox, event):
    """The incident's emergency order, once; an entrapment naming its lift (``equipment_id``, a piece
    of the estate: one unknown opens the order alone) has the order name it and takes it out of service
    until checked for it (``_lift_out_until_checked``), where the plan's step "lift out of service until
    checked" recorded nothing (found by h12, a lift kept out after an entrapment). A flooding names the piece
    it affects, of any system (h5: the lift of a flooded shaft, taken out the same way). An entrapment or a
    flooding may join the desk's open order instead (``_join_desk_order``). An entrapment naming its place
    alone means the one lift there (``_lift_at_place``, h5). Closed as a false alarm before (its closing
    handled first: each event type has its queue), what it took released at once (``release_false_alarm``)."""
    _open_from_incident(db, outbox, event)
    kept = store.kept_false_alarm(db, event["estate_id"], event["data"]["id"])
    if kept is not None:  # the false alarm was forgotten, its lift out and the desk's order its (r5 reviewing h5)
        release_false_alarm(db, outbox, kept)


def _open_from_incident(db, outbox, event):
    estate_id, data = event["estate_id"], event["data"]
    piece = store.find(db, "equipment", estate_id, data["equipment_id"]) if data.get("equipment_id") else None
    if piece is None and data["type"] == domain.JOINING_INCIDENT and not data.get("equipment_id"):
        piece = _lift_at_place(db, estate_id, data)
    lift = piece if piece and piece.get("system") == "elevator" else None
    if data["type"] == domain.JOINING_INCIDENT:
        piece = lift  # an entrapment's pump named is left running (found by review r12 of h12)
    rules = store.rules_for(db, estate_id)
    own_id = domain.work_order_id(estate_id, "incident", data["id"])
    joined = None if store.find(db, "work_orders", estate_id, own_id) else _join_desk_order(
        db, outbox, event, rules, piece)
    # closed as a false alarm before its order opened: the lift is not taken out for it (it would wait for an
    # engineer's check the false alarm no longer asks for: h8)
    known_false = store.kept_false_alarm(db, estate_id, data["id"]) is not None
    if joined:
        # the lift the incident names (a flooded shaft's, h5), else the lift of the order an entrapment joined
        lift_id = lift["_id"] if lift else None
        if lift_id is None and data["type"] == domain.JOINING_INCIDENT:
            lift_id = joined.get("equipment_id")
        if lift_id and not known_false and joined.get("equipment_id") == lift_id \
                and not _lift_out_asked(joined, data["id"]) and joined["status"] not in ledger.ORDER_DONE:
            _lift_out_until_checked(db, outbox, event, joined, lift_id)
        return
    order = open_order(db, outbox, own_id, estate_id, clock.now(),
                       lambda number, created: domain.from_incident(event, number, created, rules, piece),
                       rules["timezone"])
    if lift and not known_false and order.get("equipment_id") == lift["_id"] and not order.get(LIFT_OUT_ASKED):
        _lift_out_until_checked(db, outbox, event, order, lift["_id"])
    if not known_false and domain.may_join_desk_order(data) and store.incident_join(db, estate_id, data["id"]) is None:
        # it looked for the desk's order before it wrote its own, as the call's order for it: either side sees
        # the other now (h4). Known false, its order is cancelled at once (``release_false_alarm``): a call told
        # to join it was closed with it (found by r8 reviewing h8)
        _desk_order_found(db, outbox, event, order, rules, lift)


def _today(db, estate_id):
    """The estate's day now (its timezone)."""
    return calendar.day_of(clock.now(), store.estate_timezone(db, estate_id))


def _lift_at_place(db, estate_id, incident):
    """The one lift at the place an entrapment names without naming a lift (``domain.lift_meant``), or None
    (none there, or two: a wrong lift is worse than none). Its own order named no lift, the lift stayed in
    service and the call's order named on it afterwards found no entrapment order there (found by h5)."""
    lift_id = domain.lift_meant(incident, store.lifts_of(db, estate_id, _today(db, estate_id)))
    return store.find(db, "equipment", estate_id, lift_id) if lift_id else None


def _join_desk_order(db, outbox, event, rules, piece=None):
    """The desk's open order the incident joins (``domain.desk_order_joined_by`` for an entrapment,
    ``domain.burst_order_joined_by`` for a flooding), joined once (``domain.incident_joined``, naming the
    ``piece`` it affects), or None: the incident opens its own. The join kept first
    (``store.keep_incident_join``): a redelivery joins the order decided then, even once that order is
    done, and never opens a second one."""
    estate_id, data = event["estate_id"], event["data"]
    order_id = store.incident_join(db, estate_id, data["id"])
    if order_id is None:
        if not domain.may_join_desk_order(data):
            return None
        found = _desk_order_for(db, estate_id, data, rules)
        if found is not None and found.get(domain.INCIDENT_FOUND):
            # the call's order is on its way to an incident's order (told to join it, customer service not done
            # yet): that order answers this incident too, where joining the call's order made it stay for it
            # beside the other, two orders for one burst (found by h5)
            found = store.find(db, "work_orders", estate_id, found[domain.INCIDENT_FOUND])
            if found is None or found["status"] in ledger.ORDER_DONE:
                return None
        if found is None:
            return None
        order_id = store.keep_incident_join(db, estate_id, data["id"], found["_id"])

    def decide(order):
        if writes.applied(order, event["event_id"]):
            return None
        return domain.incident_joined(order, event, clock.now(), rules, piece)

    joined = _order_change(db, outbox, estate_id, order_id, decide)
    if joined["status"] in domain.CLOSED and all(i["id"] != data["id"] for i in joined.get("incidents") or ()):
        # done before the join landed (a false alarm's own order cancelled meanwhile, h8: its queue is read with
        # this one): the join is forgotten and the incident opens its own; it was left with no order, nobody sent,
        # a redelivery joining the order done again (found by r8 reviewing h8)
        store.forget_incident_join(db, estate_id, data["id"], order_id)
        return None
    return joined


def _desk_order_for(db, estate_id, data, rules):
    """The one desk order the incident surely means, or None."""
    if data["type"] == domain.FLOODING_INCIDENT:
        candidates = store.desk_emergencies_of(db, estate_id, domain.WATER_CATEGORIES)
        households = store.households_of(db, estate_id, [data["household_id"], *(
            order.get("household_id") for order in candidates)])
        return domain.burst_order_joined_by(data, candidates, households, rules)
    lifts = store.lifts_of(db, estate_id, _today(db, estate_id))
    lift_id = domain.lift_meant(data, lifts)
    if lift_id is None:
        return None  # no lift of the estate surely meant (one named that is none, two at the place): its own order
    return domain.desk_order_joined_by(data, store.desk_orders_on(db, estate_id, [lift_id]), lifts, rules)


# on an incident's order: its lift was taken out of service for it once (a redelivery of the incident's
# event after the lift was checked and put back by hand takes it out no more)
LIFT_OUT_ASKED = "_lift_out_asked_at"
# on a desk's order incidents joined: the incidents it was taken out for, each once. A mark of the order's
# alone kept the entrapment that joined after the flooding's lift was checked and put back from taking it
# out again (found by r5 reviewing h5)
LIFT_OUT_ASKED_FOR = "_lift_out_asked_for"
# beside it, why for each ({id, reason}): a lift out for two incidents of the order, one closed as a false alarm,
# stays out for the other, the spell's reason its (it was put back: found by r5 reviewing h5)
LIFT_OUT_REASONS = "_lift_out_reasons"
# the incidents of the order closed as false alarms (``release_false_alarm``)
FALSE_ALARMS = "_false_alarms"


def _lift_out_asked(order, incident_id):
    """Whether the lift was taken out for the incident on the order it joined (an order marked before the
    mark named its incidents: for any)."""
    asked_for = order.get(LIFT_OUT_ASKED_FOR)
    return bool(order.get(LIFT_OUT_ASKED)) if asked_for is None else incident_id in asked_for


def _lift_out_until_checked(db, outbox, event, order, equipment_id):
    """The entrapment's lift out of service until checked for its order (``ledger.out_of_service``): one
    out by hand or for an order done is handed to it, one out for it already is the same again; one out
    for another open order stays so (logged: that order's completion puts it back, the check the desk's).
    Then the order marked, once: a crash before the mark repeats a step that changes nothing."""
    estate_id, number = order["estate_id"], event["data"]["number"]
    actor = event.get("actor") or f"incident {number}"
    before = (store.find(db, "equipment", estate_id, equipment_id) or {}).get("out_of_service") or {}
    # out by hand (an inspection's finding) or for an order done before the incident: the spell it takes over
    # is not the incident's to end (a false alarm put such a lift back: found by r5 reviewing h5)
    taken_over = bool(before) and before.get("work_order_id") != order["_id"]
    if order["status"] not in ledger.ORDER_DONE:
        try:
            _change(db, outbox, "equipment", estate_id, equipment_id, lambda equipment: ledger.out_of_service(
                equipment, ledger.incident_reason(event["data"].get("type"), number), clock.now(), actor, order, True,
                _standing_order(db, estate_id, equipment)), keyed=False)
        except Conflict:
            log.warning("an entrapment's lift %s is out of service for another open work order: left so (order %s)",
                        equipment_id, order["_id"])
    incident_id = event["data"]["id"]
    reason = ledger.incident_reason(event["data"].get("type"), number)
    _order_write(db, outbox, estate_id, order["_id"], lambda current: None if incident_id in (
        current.get(LIFT_OUT_ASKED_FOR) or ()) else Change({LIFT_OUT_ASKED: clock.now_iso(), LIFT_OUT_ASKED_FOR: [
            *(current.get(LIFT_OUT_ASKED_FOR) or ()), incident_id], LIFT_OUT_REASONS: [
            *(current.get(LIFT_OUT_REASONS) or ()), {"id": incident_id, "reason": reason, "taken_over": taken_over, "at": clock.now_iso()}]}), keyed=False)


# -- preventive plans ------------------------------------------------------------------------

def schedule_plans(db, outbox, now):
    """Open the orders of every plan due up to each estate's horizon, in the estates in service
    (``replica.in_service``). Returns how many due dates were handled."""
    handled = 0
    for estate_id in replica.in_service(db, store.estates_with_plans(db)):
        finish_retirements(db, outbox, estate_id)  # before the plans: a retired piece's jobs owed
        rules = store.rules_for(db, estate_id)
        until = ledger.horizon(now, rules)
        for plan in store.plans_due(db, estate_id, until):
            handled += open_plan_orders(db, outbox, plan, now, until, rules["timezone"])
    return handled


def open_plan_orders(db, outbox, plan, now, until, tz):
    """The plan's orders due up to ``until`` (one per due date, by natural id), then the plan
    moved on past them: another scheduler that moved it first wins, and nothing opens twice."""
    equipment = store.find(db, "equipment", plan["estate_id"], plan["equipment_id"])
    if equipment is None:
        return _cancel_orphan_plan(db, outbox, plan, "its equipment is no longer in the register")
    # the due dates before the piece's retirement (``ledger.retired``), if it has one
    dates = ledger.before_retirement(equipment, ledger.due_dates(plan, until))
    if not dates:
        if equipment is not None:  # a retired piece's plan at its day: cancelled (h4)
            _cancel_retired_plan(db, outbox, plan["estate_id"], plan, equipment)
        return 0  # nothing due, or a retired piece's
    if plan.get("checklist_id"):
        return open_plan_inspections(db, outbox, plan, equipment, dates, now)
    for due_on in dates:
        order_id = domain.work_order_id(plan["estate_id"], "maintenance_plan",
                                        domain.plan_source_key(plan["_id"], due_on))
        open_order(db, outbox, order_id, plan["estate_id"], now,
                   lambda number, created, due_on=due_on: domain.from_plan(plan, equipment, due_on, number, created),
                   tz)
    moved = store.write(db, outbox, "maintenance_plans", plan, Change({
        "next_due_on": ledger.after(plan, dates[-1]), "last_work_order_id": order_id,
        "updated_at": clock.to_iso(now)}))
    _cancel_retired_plan(db, outbox, plan["estate_id"], moved or plan, equipment)  # its last days opened (h4)
    return len(dates)


def _cancel_orphan_plan(db, outbox, plan, why):
    """A plan whose piece or checklist is gone (a document deleted by hand, a partial restore): it opened
    nothing and stayed active and due, read again by every sweep for ever, shown in force (found by h5).
    Cancelled (``ledger.orphan_plan_cancelled``: ``active`` false, ``cancel_reason`` naming what is gone), its
    slot released, logged; not announced (``maintenance_plan_cancelled`` is of a retired piece's plan, filed
    on its archive: a piece that is gone has none). Nothing opened: 0."""
    estate_id = plan["estate_id"]
    _change(db, outbox, "maintenance_plans", estate_id, plan["_id"],
            lambda current: ledger.orphan_plan_cancelled(current, why, clock.now()), keyed=False)
    store.release_plan_slot(db, estate_id, ledger.plan_slot_id(estate_id, plan), plan["_id"])
    log.warning("maintenance plan %s of estate %s cancelled: %s", plan["_id"], estate_id, why)
    return 0


def open_plan_inspections(db, outbox, plan, equipment, dates, now):
    """A plan that schedules a checklist opens one inspection per due date (instead of a work
    order: the inspection's failed items open the orders), then moves on past them."""
    estate_id = plan["estate_id"]
    checklist = store.find(db, "checklists", estate_id, plan["checklist_id"])
    if checklist is None:
        return _cancel_orphan_plan(db, outbox, plan, "its checklist is no longer there")
    checklist = _checklist_used(db, outbox, checklist, "plan")
    for due_on in dates:
        inspection_id = checklists.plan_inspection_id(estate_id, plan["_id"], due_on)
        store.create(db, outbox, "inspections", estate_id, inspection_id,
                     lambda due_on=due_on, inspection_id=inspection_id: checklists.new_inspection(
                         inspection_id, estate_id, checklist, equipment, None, now, None, plan["_id"], due_on))
    moved = store.write(db, outbox, "maintenance_plans", plan, Change({
        "next_due_on": ledger.after(plan, dates[-1]), "last_inspection_id": inspection_id,
        "updated_at": clock.to_iso(now)}))
    _cancel_retired_plan(db, outbox, estate_id, moved or plan, equipment)  # its last days opened (h4)
    return len(dates)


def create_maintenance_plan(db, outbox, caller, estate_id, data):
    """A plan once per Idempotency-Key, and the orders already due. A retry finds the plan and
    opens what is due (nothing twice: orders have natural ids), so a crash between the plan and
    its orders is finished by the retry, or by the scheduler."""
    now, rules = clock.now(), store.rules_for(db, estate_id)

    def new():
        equipment = store.referenced(db, "equipment", estate_id, data["equipment_id"], "data.equipment_id")
        if data.get("checklist_id"):
            checklists.plan_checklist(store.referenced(db, "checklists", estate_id, data["checklist_id"],
                                                       "data.checklist_id"))
        plan = ledger.new_plan(plan_id, estate_id, data, now, caller.user, rules)
        # a piece retired by its first day: the plan would open nothing, written and cancelled at once (r4)
        ledger.refuse_retired(equipment, plan["next_due_on"], "data.equipment_id")
        ledger.refuse_reopening(store.stopped_twins(db, estate_id, data), data)
        # the slot last, once the plan is known good: a refused plan held it for a minute
        slot = ledger.plan_slot_id(estate_id, data)
        ledger.refuse_twin(store.claim_plan_slot(db, estate_id, slot, plan, now), plan_id, data)
        return plan

    plan_id = caller.created_id("plan", estate_id)
    plan = store.create(db, outbox, "maintenance_plans", estate_id, plan_id, new)
    if plan.get("checklist_id") and (checklist := store.find(db, "checklists", estate_id, plan["checklist_id"])):
        _checklist_used(db, outbox, checklist, "plan")  # an edit decided meanwhile decided again
    open_plan_orders(db, outbox, plan, now, ledger.horizon(now, rules), rules["timezone"])
    return public(store.find(db, "maintenance_plans", estate_id, plan_id))


def stop_maintenance_plan(db, outbox, caller, estate_id, plan_id, data):
    """``ledger.stopped``: the scheduler opens nothing more for it, and its slot is free for a plan
    that replaces it (a slot left by a crash here is taken over: the plan is inactive)."""
    now = clock.now()
    stopped = store.change(db, outbox, "maintenance_plans", estate_id, plan_id,
                           lambda plan: ledger.stopped(plan, data["reason"], now, caller.user))
    store.release_plan_slot(db, estate_id, ledger.plan_slot_id(estate_id, stopped), plan_id)
    return public(stopped)


# -- inspection checklists and inspections ----------------------------------------------------

def create_checklist(db, outbox, caller, estate_id, data):
    """A checklist once per Idempotency-Key, announced (security_patrol keeps a copy)."""
    checklist_id = caller.created_id("ckl", estate_id)

    def new():
        checklist = checklists.new_checklist(checklist_id, estate_id, data, clock.now(), caller.user)
        return checklist, [("checklist_created", checklists.created_event_data(checklist))]

    return public(_create(db, outbox, "checklists", estate_id, checklist_id, new))


def _checklist_used(db, outbox, checklist, what):
    """The checklist marked used (``checklists.USED_BY``) through its write path and read as marked:
    an edit decided before is decided again and refused, one written before is what the use takes."""
    return _change(db, outbox, "checklists", checklist["estate_id"], checklist["_id"],
                   lambda current: checklists.used(current, what), keyed=False)


def update_checklist(db, outbox, caller, estate_id, checklist_id, data):
    """A checklist edited until an inspection is opened with it or a plan schedules it
    (``checklists.edited``), announced (security_patrol's copy follows)."""
    used = store.checklist_use(db, estate_id, checklist_id)
    return public(_change(db, outbox, "checklists", estate_id, checklist_id,
                          lambda checklist: checklists.edited(checklist, data, used, clock.now(), caller.user)))


def open_inspection(db, outbox, caller, estate_id, data):
    """An open inspection of a piece of equipment or a location with a checklist (once per
    Idempotency-Key)."""
    checklist = store.referenced(db, "checklists", estate_id, data["checklist_id"], "data.checklist_id")
    equipment_id, location = checklists.target_of(checklist, data)
    checklist = _checklist_used(db, outbox, checklist, "inspection")  # its items as no edit changes them now
    equipment = equipment_id and store.referenced(db, "equipment", estate_id, equipment_id, "data.equipment_id")
    if equipment:  # a piece retired by the estate's today is inspected no more (ledger.retired)
        ledger.refuse_retired(equipment, calendar.day_of(clock.now(), store.estate_timezone(db, estate_id)),
                              "data.equipment_id")
    inspection_id = caller.created_id("insp", estate_id)
    return public(store.create(db, outbox, "inspections", estate_id, inspection_id, lambda: checklists.new_inspection(
        inspection_id, estate_id, checklist, equipment, location, clock.now(), caller.user)))


def complete_inspection(db, outbox, caller, estate_id, inspection_id, data):
    """Completed once with its results and findings; then one work order per finding (natural ids)
    and, for equipment, a record on its ledger. The same completion again is a replay that opens
    what a crash left unopened and nothing twice; other results are a 409. Nothing is written
    before every result was checked."""
    def decide(inspection):
        step = checklists.complete(inspection, data, clock.now(), caller.user)
        if step is None:
            return None
        changes, entry = step
        faults = checklists.upkeep_faults({**inspection, **changes}, changes["findings"])
        return Change(changes, [entry], [("upkeep_faults_found", faults)] if faults else [])

    inspection = store.change(db, outbox, "inspections", estate_id, inspection_id, decide)
    _open_finding_orders(db, outbox, estate_id, inspection, inspection["findings"])
    if inspection["equipment_id"] and store.find(db, "equipment", estate_id, inspection["equipment_id"]):
        add_record(db, outbox, estate_id, inspection["equipment_id"], checklists.equipment_record(inspection))
    return public(inspection)


def _open_finding_orders(db, outbox, estate_id, inspection, findings):
    """The work orders of an inspection's ``findings`` that name one (a contractor's line names none
    while its contractor takes it), once each by their natural ids."""
    rules = store.rules_for(db, estate_id)  # the numbers and deadlines of the orders its findings open
    # while a weather alert of the estate's kinds and levels stands when the items failed (预警响应, h9: a
    # pump failing its check on a typhoon night waited 24 hours) a finding's order is an emergency, due
    # within the emergency response: the alerts' history at the completion decides, so a replay after
    # the stand-down opens what a crash left unopened as it would have been (h2; read only when a
    # finding opens an order: most inspections pass whole)
    failed_at = inspection["completed_at"]
    priority = "emergency" if any(f.get("work_order_id") for f in findings) and domain.weather_emergency(
        store.weather_alerts_standing_at(db, estate_id, failed_at), failed_at, rules) else "normal"
    for finding in (f for f in findings if f.get("work_order_id")):  # a contractor's: no order
        description = checklists.describe_finding(inspection, finding)
        open_order(db, outbox, finding["work_order_id"], estate_id, clock.parse_iso(inspection["completed_at"]),
                   lambda number, created, finding=finding, description=description:
                   domain.from_inspection_finding(inspection, finding, description, number, created, rules,
                                                  priority),
                   rules["timezone"])


def upkeep_fault_unassigned(db, outbox, event):
    """A failed item of a contractor's line that no engaged contractor of the estate takes (customer
    service ``upkeep_fault_unassigned``; found by r2 reviewing h2: it vanished, no order here, no
    finding there, the inspection saying the contractor puts it right): the technicians' order the
    item would have opened without its line, named on the inspection's finding, once (natural ids:
    a redelivery, or a replay after a crash between the finding's write and the order, opens none
    twice). Another estate's inspection is not found: nothing."""
    estate_id, fault = event["estate_id"], event["data"]
    if store.find(db, "inspections", estate_id, fault["inspection_id"]) is None:
        log.warning("an unassigned upkeep fault of an inspection not found", extra={"estate_id": estate_id})
        return
    order_id = checklists.finding_order_id(estate_id, fault["inspection_id"], fault["code"])

    def decide(inspection):
        findings = inspection["findings"]
        if not any(f["code"] == fault["code"] and f.get("upkeep_line") and not f.get("work_order_id")
                   for f in findings):
            return None
        return Change({"findings": [{**f, "work_order_id": order_id} if f["code"] == fault["code"] else f
                                    for f in findings]})

    inspection = store.change(db, outbox, "inspections", estate_id, fault["inspection_id"], decide, keyed=False)
    _open_finding_orders(db, outbox, estate_id, inspection,
                         [f for f in inspection["findings"] if f.get("work_order_id") == order_id])


# -- equipment ledger ------------------------------------------------------------------------

def create_equipment(db, outbox, caller, estate_id, data):
    """One piece of equipment per code, whatever its case: the same create again finds it, another
    content with the same code is refused; so is one twinning equipment stored under its code's
    case as typed, before codes were case-insensitive (``store.equipment_of_code``)."""
    return _shown(db, outbox, _register_equipment(db, outbox, estate_id, data, caller.user)[0])


def _register_equipment(db, outbox, estate_id, data, actor):
    """``(the piece, whether this call made it)``: the create's rule, shared with the import."""
    custom = custom_fields.check_values(store.custom_definitions(db, estate_id, "equipment"), data.get("custom"))
    wanted = ledger.new_equipment(estate_id, data, clock.now(), actor, custom,
                                  store.rules_for(db, estate_id)["timezone"])
    twin = store.equipment_of_code(db, estate_id, data["code"])
    if twin is not None:  # this create again, or equipment of the code in another case
        return ledger.same_equipment(twin, wanted), False
    made = []

    def build():
        made.append(True)
        return wanted, [("equipment_registered", ledger.registered_event_data(wanted))]

    stored = _create(db, outbox, "equipment", estate_id, wanted["_id"], build, actor=actor)
    return ledger.same_equipment(stored, wanted), bool(made)


def start_equipment_import(db, caller, estate_id, data):
    """The equipment ledger from a CSV register (``equipment_imports``): the file measured now (a
    400 naming ``(file)``), read and imported by a background job; the job's result counts the
    rows created, existing and refused (each with its row, field and reason)."""
    jobs.require_may_start(equipment_imports.JOB_KIND, caller)
    rows = equipment_imports.check(equipment_imports.decode(data["content_base64"]))
    job_id = jobs.created_id(caller, "maintenance", estate_id, equipment_imports.JOB_KIND)
    job = jobs.create(db, job_id, estate_id, equipment_imports.JOB_KIND, {"format": "csv", "rows": rows},
                      caller.user, input={"content_base64": data["content_base64"]})
    return jobs.public(job)


def import_equipment(db, outbox, job, progress):
    """The job's work: each row a piece of equipment, once by its code (a file imported again
    creates nothing twice), registered as the one who started the import."""
    estate_id = job["estate_id"]

    def save(body):
        return _register_equipment(db, outbox, estate_id, body, job["created_by"])[1]

    content = equipment_imports.decode(job["_input"]["content_base64"])
    return equipment_imports.run(equipment_imports.rows(content), save, progress, expected=job["params"]["rows"])


def set_equipment_custom(db, outbox, estate_id, equipment_id, values):
    """Equipment's custom values after its registration: checked by type once the equipment is
    found (another estate's is a 404 whatever the values; a 400 names ``custom.<key>`` and
    nothing is written), required fields not asked."""
    definitions = store.custom_definitions(db, estate_id, "equipment")
    return _shown(db, outbox, store.change(db, outbox, "equipment", estate_id, equipment_id, lambda equipment: Change(
        ledger.set_custom(equipment, custom_fields.check_values(definitions, values, creating=False), clock.now()))))


def set_equipment_certificate(db, outbox, estate_id, equipment_id, data):
    """年检合格证 renewed (``ledger.set_certificate``): 404 for another estate's piece."""
    tz = store.rules_for(db, estate_id)["timezone"]
    return _shown(db, outbox, store.change(db, outbox, "equipment", estate_id, equipment_id, lambda equipment: (
        ledger.set_certificate(equipment, data, clock.now(), tz))))


def move_equipment_certificate(db, outbox, estate_id, equipment_id, data):
    """A certificate recorded on the wrong piece moved to ``data.to_equipment_id`` (one of the estate's,
    422 else), in three writes: this one stamped with where it goes (``ledger.certificate_moving``), onto
    that piece as a certificate is recorded there (``ledger.certificate_moved_onto``: one valid until before
    its own later certificate of another number is a 422), then off this one while its stamp stands
    (``ledger.certificate_moved_off``), which a crash between them leaves to a retry: the certificate on
    both, the move again finds it there and takes it off; moved back meanwhile, it stays here (r6). A piece retired by the estate's today takes
    none (422 naming ``data.to_equipment_id``: off the due list and the sweep, it kept the certificate
    unseen; found by r6 reviewing h6). The piece it was moved to is answered."""
    now, tz = clock.now(), store.rules_for(db, estate_id)["timezone"]
    certificate = ledger.certificate_to_move(store.get(db, "equipment", estate_id, equipment_id),
                                             data["to_equipment_id"])
    to_id = data["to_equipment_id"]
    target = store.referenced(db, "equipment", estate_id, to_id, "data.to_equipment_id")
    ledger.refuse_retired(target, calendar.day_of(now, tz), "data.to_equipment_id")
    ledger.set_certificate(target, certificate, now, tz)  # refused (going back) before anything is written
    store.change(db, outbox, "equipment", estate_id, equipment_id, lambda equipment: (
        ledger.certificate_moving(equipment, certificate, to_id, now)))
    moved = store.change(db, outbox, "equipment", estate_id, to_id, lambda equipment: (
        ledger.certificate_moved_onto(equipment, certificate, now, tz)))
    store.change(db, outbox, "equipment", estate_id, equipment_id, lambda equipment: (
        ledger.certificate_moved_off(equipment, certificate, to_id, now)))
    return _shown(db, outbox, moved)


def get_equipment(db, outbox, estate_id, equipment_id, filters=None):
    """``records=none``: the piece without its records (its ``record_count`` and ``last_record``
    say enough for a page that reads them through ``GET …/equipment/{id}/records``)."""
    equipment = store.get(db, "equipment", estate_id, equipment_id)
    if (filters or {}).get("records") == "none":
        return public(_moved(db, outbox, equipment))
    return _shown(db, outbox, equipment)


def _shown(db, outbox, equipment):
    """One piece as the API answers it (``Equipment``): with every record, in the order they were
    made, read from their collection (``GET …/equipment/{id}/records`` pages them)."""
    equipment = _moved(db, outbox, equipment)
    records = store.records_of(db, equipment["estate_id"], equipment["_id"])
    return {**public(equipment), "records": [ledger.record_of(record) for record in records]}


def list_equipment(db, estate_id, filters, limit, cursor):
    """``certificate_due=true``: the due list, the certificates expiring before the estate's today and
    its ``certificate_warn_days`` (``ledger.certificate_due_before``), with a ``certificate_expires_before``
    the earlier of the two; and the lifts with none registered (未登记合格证, ``ledger.CERTIFIED_SYSTEMS``:
    one registered before certificates existed kept its expiry as a custom date: h5 of session 55); a
    piece retired by the estate's today is on it no more (``ledger.retired``)."""
    filters, unregistered, in_use = dict(filters), None, None
    if filters.pop("certificate_due", None) == "true":
        now, rules = clock.now(), store.rules_for(db, estate_id)
        due = ledger.certificate_due_before(now, rules)
        filters["certificate_expires_before"] = min(due, filters.get("certificate_expires_before", due))
        unregistered = ledger.CERTIFIED_SYSTEMS
        in_use = calendar.day_of(now, rules["timezone"])  # a piece retired by today is due nothing (h6)
    page = store.list_equipment(db, estate_id, filters, limit, cursor, unregistered, in_use)
    return {**page, "items": [ledger.in_list(item) for item in page["items"]]}


def list_equipment_records(db, outbox, estate_id, equipment_id, filters, limit, cursor):
    """``GET …/equipment/{id}/records``: a page of the piece's records (``store.records_page``); 404
    for equipment this estate does not have."""
    _moved(db, outbox, store.get(db, "equipment", estate_id, equipment_id))
    return store.records_page(db, estate_id, equipment_id, filters, limit, cursor, ledger.record_listed)


def list_estate_equipment_records(db, outbox, estate_id, filters, limit, cursor):
    """``GET …/equipment-records``: a page of the estate's records (``store.estate_records_page``),
    one piece's (``equipment_id``) moved from an earlier version's array first, as its own page
    moves them (``moved_asked``)."""
    moved_asked(db, outbox, estate_id, filters)
    return store.estate_records_page(db, estate_id, filters, limit, cursor, ledger.record_listed)


def moved_asked(db, outbox, estate_id, filters):
    """The piece a list or an export of the estate's records is filtered on (``equipment_id``) with
    the records an earlier version kept in its array moved to their collection (``_moved``), where
    they were read without them until the piece was touched (found by review r6 of h6); a piece of
    no estate's, nothing (the list's empty page)."""
    if "equipment_id" not in filters:
        return
    try:
        _moved(db, outbox, store.get(db, "equipment", estate_id, filters["equipment_id"]))
    except NotFound:
        pass


def add_record(db, outbox, estate_id, equipment_id, record):
    """Add a record once, in its own document with its ``equipment_record_added`` (one insert: the
    record and its event never part ways): a record id already there (a retry) is neither added
    nor announced again. Then the equipment's count and last record (``_ledger_kept``), which a retry
    keeps too when a crash left them behind. The record as stored."""
    equipment = _moved(db, outbox, store.get(db, "equipment", estate_id, equipment_id))
    stored = _create(db, outbox, "equipment_records", estate_id, record["id"], lambda: (
        ledger.record_document(estate_id, equipment_id, record),
        [("equipment_record_added", ledger.record_added_event_data(equipment, record))]))
    # the record as stored: a retry's copy, made again later, is not the one the first call wrote
    _ledger_kept(db, outbox, estate_id, equipment_id, ledger.record_of(stored))
    return stored


def _moved(db, outbox, equipment):
    """``equipment`` with the records an earlier version kept in its array moved to their
    collection (``_ledger_kept``), first thing when it is touched: a retry of one of them finds it
    there, and a page reads them. As it is when it has none."""
    if ledger.EARLIER_RECORDS not in equipment:
        return equipment
    return _ledger_kept(db, outbox, equipment["estate_id"], equipment["_id"])


def _ledger_kept(db, outbox, estate_id, equipment_id, record=None):
    """The equipment's record count and last record as its records are (``ledger.records_kept``),
    in one write with the end of an earlier version's array, whose records are inserted first
    (again on a lost race: the array read is the one the write removes). Bookkeeping recomputed
    whole, not a keyed caller's step: a retry with its key keeps what a crash left behind."""
    def decide(equipment):
        earlier = equipment.get(ledger.EARLIER_RECORDS) or []
        if earlier:
            store.keep_earlier_records(db, [ledger.record_document(estate_id, equipment_id, r) for r in earlier])
        return ledger.records_kept(equipment, store.count_records(db, estate_id, equipment_id), record)

    return _change(db, outbox, "equipment", estate_id, equipment_id, decide, keyed=False)


def move_earlier_records(db, outbox):
    """Once per estate: the records earlier versions kept in each piece's array moved to their
    collection (``_ledger_kept``), so that no equipment document stays the size of its history; a
    piece is moved on its first touch too (``_moved``: a replica of an earlier version may still
    append to an array during an upgrade). The estate's copy is marked once its equipment is, so a
    later sweep reads nothing more of it. Returns how many pieces were moved."""
    moved = 0
    for estate_id in store.estates_unmarked(db, store.RECORDS_MOVED):
        for equipment in store.equipment_with_earlier_records(db, estate_id):
            _ledger_kept(db, outbox, estate_id, equipment["_id"])
            moved += 1
            time.sleep(0)  # the service's calls run between writes (the embedded store does no I/O)
        store.mark_estate(db, estate_id, store.RECORDS_MOVED)
    return moved


def add_equipment_record(db, outbox, caller, estate_id, equipment_id, data):
    now = clock.now()
    record = ledger.new_record(caller.created_id("eqr", estate_id), data["kind"], data["result"],
                               data.get("notes", ""), now, caller.user, contractor=data.get("contractor"),
                               signed_by=data.get("signed_by"))
    return ledger.record_listed(add_record(db, outbox, estate_id, equipment_id, record))


# -- cost control and KPIs ---------------------------------------------------------------------

def set_budget(db, caller, estate_id, period, amount_cents):
    """A month's budget, set (the last one set counts), within the estate's window of months
    around the current one (``costing.refuse_a_budget_outside_its_window``)."""
    costing.refuse_a_budget_outside_its_window(period, clock.now(), store.rules_for(db, estate_id))
    existing = store.find(db, "budgets", estate_id, costing.budget_id(estate_id, period))
    if writes.sent_again(existing):  # set by this call, its answer lost: no second "changed" in its history
        return public(existing)
    budget = costing.new_budget(estate_id, period, amount_cents, clock.now(), caller.user, existing)
    return public(store.save_budget(db, budget, existing))


def _period(db, estate_id, period):
    """The estate's calendar month, quarter or year, on its local clock."""
    return period_bounds(period, store.rules_for(db, estate_id)["timezone"])


def _budgets(db, estate_id, period):
    """``{month: its budget or None}`` of the period's months."""
    return {month: store.find(db, "budgets", estate_id, costing.budget_id(estate_id, month))
            for month in calendar.months_of(period)}


def cost_summary(db, estate_id, period, budgets=None, by_system=False):
    """The period's costs against its budget: a month's, or the sum of a quarter's or year's months.
    ``by_system``: the systems of the equipment the jobs were done on are read (one read of those
    pieces), for the breakdown by system the costs' answer shows; the KPIs need none."""
    start, end = _period(db, estate_id, period)
    budgets = _budgets(db, estate_id, period) if budgets is None else budgets
    completed = store.orders_completed_in(db, estate_id, start, end)
    systems = store.equipment_systems(db, estate_id, {order.get("equipment_id") for order in completed}) \
        if by_system else None
    fund_paid = store.fund_paid_of(db, estate_id, [order["_id"] for order in completed])
    return costing.cost_summary(period, completed, costing.period_budget(list(budgets.values())), systems,
                                fund_paid, store.count_values_in(db, estate_id, start, end),
                                store.late_return_values_in(db, estate_id, start, end))


def fund_use_approved(db, event):
    """Finance approved a use of the special maintenance fund (专项维修资金) naming a work order: kept
    (``store.keep_fund_use``), so that what it paid of the order's cost is no operating cost
    (``costing.cost_summary``'s ``fund_paid_cents``; h7's typhoon night: the garage pump the fund
    paid read 185 % over the company's budget). A use naming no order changes nothing here."""
    data = event["data"]
    if data.get("work_order_id"):
        store.keep_fund_use(db, event["estate_id"], data["id"], data["work_order_id"], data["amount_cents"])


def _month_asked(copy, filters, now, happened=False):
    """The month a month's report (costs, emergencies, preventive jobs) reads: the one asked, 422
    when it ended before the estate's records can begin (``replica.refuse_before_records``: one of
    1900 answered zeros), or the current one on the estate's calendar when none is asked. A report
    of what ``happened`` (the emergencies) refuses a month not begun too (``replica.refuse_report_period``:
    one of 2999 answered none); the costs show a month's budget and the preventive month its plan,
    ahead of it. ``copy``: the estate's, read once for its calendar and its registration."""
    if not filters.get("period"):
        return calendar.period_of(now, calendar.timezone_of(copy))
    if happened:
        replica.refuse_report_period(copy, filters["period"], now)
    else:
        replica.refuse_before_records(copy, filters["period"])
    return filters["period"]


def plans_month(db, estate_id, filters):
    """``GET …/preventive-maintenance``: each plan's due dates in the month (the current one on the
    estate's calendar when none is asked) and what became of each (``ledger.plans_month``)."""
    copy, now = store.estate(db, estate_id), clock.now()  # one instant: the month asked of it and its as_of
    tz, period = calendar.timezone_of(copy), _month_asked(copy, filters, now)
    first, last = ledger.month_days(period)
    jobs = store.plan_jobs_due(db, estate_id, first, last)
    plans = store.plans_of_month(db, estate_id, {plan_id for plan_id, _ in jobs})
    equipment = store.equipment_of(db, estate_id, {plan["equipment_id"] for plan in plans})
    return {"estate_id": estate_id,
            **ledger.plans_month(period, plans, equipment, jobs, clock.to_iso(now), tz)}


def _reported_in(db, estate_id, start, end):
    """The orders reported in ``[start, end)`` as their responses are judged (``indicators.response_of``):
    a call's own order cancelled by its join to a fault's order (``domain.joined_cancel``) with the
    fault's first start as that order says it now, where the join had kept it as it was when told: the
    fault's arrival recorded afterwards (到场时间补录) once the call had joined left the call a late
    emergency though the fault's technician was on site in ten minutes (review r7 of h7)."""
    orders = store.orders_reported_in(db, estate_id, start, end)

    def unknown(order):
        return order.get("_joined_fault") and not order["_joined_fault"].get("started_at")
    faults = {order["_joined_fault"]["work_order_id"] for order in orders if unknown(order)}
    if not faults:
        return orders
    started = store.starts_of(db, estate_id, faults)
    return [{**order, "_joined_fault": {**order["_joined_fault"],
                                        "started_at": started.get(order["_joined_fault"]["work_order_id"])}}
            if unknown(order) else order for order in orders]


def emergency_month(db, estate_id, filters):
    """``GET …/emergency-repairs``: the emergencies reported in the month (the current one on the
    estate's calendar when none is asked), each with its response and summary
    (``indicators.emergency_month``), read as the KPI reads the month's orders."""
    copy, now = store.estate(db, estate_id), clock.now()  # one instant: the month asked of it and its as_of
    period = _month_asked(copy, filters, now, happened=True)
    start, end = period_bounds(period, calendar.timezone_of(copy))
    orders = _reported_in(db, estate_id, start, end)
    releases = store.releases_of(db, estate_id, [o["_id"] for o in orders if o["priority"] == "emergency"])
    return {"estate_id": estate_id, **indicators.emergency_month(period, orders, clock.to_iso(now), releases)}


def keep_weather_alert(db, outbox, event):
    """Security's alert raised, its level changed, or stood down (预警响应), kept once per event
    (``store.keep_weather_alert``); then the open normal orders of the items failed since it stood at
    the estate's kinds and levels judged again by it (``domain.weather_judged_again``): an item that
    failed between the raise and the moment it was heard was judged by the old level (found by h6)."""
    estate_id = event["estate_id"]
    store.keep_weather_alert(db, estate_id, event["data"], event["event_id"])
    rules = store.rules_for(db, estate_id)
    alert = store.weather_alert(db, estate_id, event["data"]["id"])
    since = alert and domain.weather_emergency_since(alert, rules)
    if not since:
        return
    # not before the alert was raised here: an item failed under a warning nobody had raised yet was
    # judged by what was known, and an alert raised later changes nothing (h2); the race is the hearing's
    since = max(since, event["data"]["raised_at"], key=clock.parse_iso)
    now = clock.now()
    for order_id in store.normal_failure_orders_since(db, estate_id, since):
        _order_change(db, outbox, estate_id, order_id, lambda order: None if writes.applied(order, event["event_id"])
                      else domain.weather_judged_again(order, store.weather_alerts_standing_at(
                          db, estate_id, order["reported_at"]), event, now, rules))


def keep_entrapment_release(db, event):
    """An entrapment's passengers out (security patrol's ``entrapment_released``, or the release its
    ``incident_closed`` carries): kept by the incident's order, the round's it took over when it names
    the anomaly (``store.keep_release``; the closing names none: the take-over kept here does, where its
    release was kept by the incident's own order, which such an incident never has: review r7 of h7);
    an incident of another type, or closed unreleased, keeps none."""
    estate_id, data = event["estate_id"], event["data"]
    if not data.get("release"):
        return
    anomaly_id = data.get("anomaly_id") if "anomaly_id" in data else store.anomaly_taken_over_by(db, estate_id, data["id"])
    source = ("patrol_anomaly", anomaly_id) if anomaly_id else ("incident", data["id"])
    # an incident that joined the desk's order for its lift has it as its order (_join_desk_order)
    order_id = (None if anomaly_id else store.incident_join(db, estate_id, data["id"])) or domain.work_order_id(
        estate_id, *source)
    store.keep_release(db, estate_id, order_id, data["id"], data["release"], event["event_id"])


def release_false_alarm(db, outbox, event):
    """An incident closed as a false alarm (security's ``incident_closed`` with ``false_alarm``: nobody in the car,
    no water; h5, where there was no such state): what it took released. The lift taken out of service until
    checked for it (its order's spell, the incident's reason) stays out for the engineer's check (h8), handed to
    another incident that still asks it out; the desk's order it joined no longer its entrapment or flooding
    (``domain.false_alarm_released``: a later call about the lift or the unit is not told to join it; the order's
    priority and its calls' promises stand, told already); its own order cancelled, or released as a desk's when a
    call joined it (``domain.false_alarm_cancel``, h8, r8). Once: a redelivery finds the order's entry."""
    estate_id, data = event["estate_id"], event["data"]
    if not data.get("false_alarm"):
        return
    store.keep_false_alarm(db, estate_id, event)  # for its order opening after it (r5 reviewing h5)
    joined_id = store.incident_join(db, estate_id, data["id"])
    order_id = joined_id or domain.work_order_id(estate_id, "incident", data["id"])
    reason = ledger.incident_reason(data.get("type"), data["number"])
    actor = event.get("actor") or f"incident {data['number']}"
    if store.find(db, "work_orders", estate_id, order_id) is None:
        return  # an incident whose plan asked no order (a burglary nobody did): nothing taken
    # first, kept on the order: the lift below reads it
    order = _order_write(db, outbox, estate_id, order_id, lambda order: None if data["id"] in (
        order.get(FALSE_ALARMS) or ()) else Change({FALSE_ALARMS: [*(order.get(FALSE_ALARMS) or ()), data["id"]]}),
        keyed=False)
    # the other incidents the order took the lift out for, not false alarms: the lift stays out for the last
    # (a flooding and an entrapment joined one order, the flooding false: found by r5 reviewing h5)
    taken_over = any(kept["id"] == data["id"] and kept.get("taken_over") for kept in order.get(LIFT_OUT_REASONS) or ())
    for equipment_id in store.equipment_out_for(db, estate_id, order_id):
        # the incident still standing the lift is out for: of this order, else another open order's
        # (two entrapments' own orders, the second's left the spell to the first's)
        def back(equipment):
            standing = equipment.get("out_of_service") or {}
            if (standing.get("work_order_id"), standing.get("reason")) != (order_id, reason):
                return None  # out for the order's own fault, or taken out again since: left so
            since = standing["since"]
            still = _lift_still_asked(order, data["id"], since) or next(filter(None, (
                _lift_still_asked(other, data["id"], since)
                for other in store.orders_asking_out(db, estate_id, equipment["_id"]) if other["_id"] != order_id)),
                None)
            if taken_over:
                log.warning("a false alarm's lift %s was out before the incident: left so", equipment_id)
                return None  # out by hand or for an inspection before it, the spell taken over: not checked
            if still is not None:
                holder, other = still
                if other is None:  # asked before the reasons were kept: left out as it is
                    log.warning("a false alarm's lift %s stays out for another incident (order %s)",
                                equipment_id, holder["_id"])
                    return None
                return ledger.handed_over(equipment, standing, other, holder, True, clock.now(), actor)
            # the lift waits for an engineer's check (检验合格方可使用): a false alarm is security's word that
            # nobody was in the car, not a check of the lift, and it went back in service unchecked (found by h8);
            # the engineer puts it back by hand with what he checked (``return_equipment_to_service``)
            return None

        _change(db, outbox, "equipment", estate_id, equipment_id, back, keyed=False)
    if joined_id:
        _order_change(db, outbox, estate_id, joined_id,
                      lambda order: domain.false_alarm_released(order, event, clock.now()))
    else:  # the incident's own emergency order: no emergency to answer (h8)
        calls = store.calls_joined(db, estate_id, order_id)  # a call joined it (h4, h6): it serves the call
        _order_change(db, outbox, estate_id, order_id, lambda order: domain.false_alarm_cancel(
            order, event, clock.now(), frozenset(order.get(FALSE_ALARMS) or ()), calls))


def _lift_still_asked(order, incident_id, since):
    """``(order, reason)``: the order asked its lift out, during the spell standing from ``since``, for an
    incident other than ``incident_id`` not closed as a false alarm (the reason None when asked before the
    reasons were kept); else None. One asked before the spell had its own, checked and put back since."""
    kept = {entry["id"]: entry for entry in order.get(LIFT_OUT_REASONS) or ()}
    standing_for = [i for i in order.get(LIFT_OUT_ASKED_FOR) or ()
                    if i != incident_id and i not in (order.get(FALSE_ALARMS) or ())
                    and not (kept.get(i, {}).get("at") and clock.parse_iso(kept[i]["at"]) < clock.parse_iso(since))]
    if not standing_for:
        return None
    return order, kept.get(standing_for[-1], {}).get("reason")


def get_costs(db, estate_id, filters):
    period = _month_asked(store.estate(db, estate_id), filters, clock.now())
    return {"estate_id": estate_id, **cost_summary(db, estate_id, period, by_system=True)}


def kpis(db, caller, period, estate_ids):
    now_iso = clock.now_iso()

    def estate_kpis(estate_id, rules, start, end):
        reported = _reported_in(db, estate_id, start, end)
        if calendar.is_week(period):  # budgets are of months: a week has none to hold its costs to
            return {**indicators.response_timeliness(reported, now_iso),
                    "operating_cost_control": by_the_month(
                        "the operating costs are held to each month's budget, and a week has none; read the "
                        "week's month", target=1)}
        budgets = _budgets(db, estate_id, period)
        return {**indicators.response_timeliness(reported, now_iso),
                **indicators.cost_control(cost_summary(db, estate_id, period, budgets),
                                          [month for month, budget in budgets.items() if budget is None])}
    return per_estate_month(caller, period, estate_ids, partial(store.rules_for, db),
                            estate_kpis)


# -- engineering review of renovation and move-in applications -------------------------------

def queue_renovation_review(db, outbox, event):
    """One review per application: a redelivered request finds its review."""
    estate_id = event["estate_id"]
    store.create(db, outbox, "renovation_reviews", estate_id,
                 renovation.review_id(estate_id, event["data"]["id"]),
                 lambda: renovation.from_request(event, clock.now()))


def close_withdrawn_review(db, outbox, event):
    """Once, however often it is delivered (the history keeps the event's id). An application
    withdrawn before its review request arrived gets its review closed from the start."""
    estate_id = event["estate_id"]
    review_id = renovation.review_id(estate_id, event["data"]["id"])
    if _announced.follow(db, outbox, "renovation_reviews", event, review_id, renovation.withdrawn) is None:
        store.create(db, outbox, "renovation_reviews", estate_id, review_id,
                     lambda: renovation.withdrawn_before_request(event, clock.now()))
        # the request may have made it first, pending, in the meantime: closed now (once: the history)
        _announced.follow(db, outbox, "renovation_reviews", event, review_id, renovation.withdrawn)


def decide_renovation_review(db, outbox, caller, estate_id, review_id, data):
    def decide(review):
        changes, entry = renovation.decide(review, data["decision"], data["notes"], clock.now(), caller.user)
        decided = {**review, **changes}
        return Change(changes, [entry], [("renovation_reviewed", renovation.reviewed_event_data(decided))])

    return public(_change(db, outbox, "renovation_reviews", estate_id, review_id, decide))



# -- the spare parts store (备品备件: parts.py) -----------------------------------------------

def create_part(db, outbox, caller, estate_id, data):
    """A part of the store, one per code whatever its case: the same create again finds it,
    another part under its code is a 409 (``parts.same_part``)."""
    wanted = parts.new_part(estate_id, data, clock.now(), caller.user)
    existing = store.find(db, "parts", estate_id, wanted["_id"])
    if existing is not None:
        return _part_view(db, parts.same_part(existing, wanted))
    return _part_view(db, _create(db, outbox, "parts", estate_id, wanted["_id"], lambda: (wanted, [])))


def get_part(db, estate_id, part_id):
    return _part_view(db, store.get(db, "parts", estate_id, part_id))


def list_part_movements(db, estate_id, part_id, filters, limit, cursor):
    """``GET …/parts/{id}/movements``: a page of the part's movements (``store.movements_page``), those
    a crash left on the part copied to their collection first (``_movements_kept``); 404 for a part
    this estate does not have."""
    part = _movements_kept(db, store.get(db, "parts", estate_id, part_id))
    return store.movements_page(db, part, filters, limit, cursor)


def _part_view(db, part):
    """The part as its own page shows it, with its latest movements (``parts.LATEST_SHOWN``)."""
    # its own view, not ``public``: ``shown`` keeps the revision it stands for (an If-Match's read)
    return parts.shown(shown(part), store.latest_movements(db, part, parts.LATEST_SHOWN))


def update_part(db, outbox, caller, estate_id, part_id, data):
    """A part's name or minimum corrected (``parts.edited``), recorded on its history and announced
    (``part_updated``: archive files it on the part, webhooks; there was no event of an edit, h2)."""
    def decide(part):
        change = parts.edited(part, data, clock.now(), caller.user)
        if not change.set:
            return None
        return Change(change.set, change.entries, [("part_updated", parts.updated_event_data(part, change))])

    return _part_view(db, _change(db, outbox, "parts", estate_id, part_id, decide))


def receive_part(db, outbox, caller, estate_id, part_id, data):
    """入库: a delivery of the part at its unit cost."""
    return _part_moved(db, outbox, estate_id, part_id, lambda part, now: parts.receive(
        part, data["qty"], data["unit_cost_cents"], now, caller.user, data.get("supplier"), data.get("reference")))


def issue_part(db, outbox, caller, estate_id, part_id, data):
    """领用: the part to an open work order of the estate (422 naming ``data.work_order_id`` for none),
    at the store's average cost: the order's material line at its sign-off."""
    store.get(db, "parts", estate_id, part_id)  # the path's part first: another estate's is a 404
    order = store.referenced(db, "work_orders", estate_id, data["work_order_id"], "data.work_order_id")
    domain.check_hands(order, "draw_parts", caller.roles, caller.user)  # his order's, his helper's, the supervisor's
    return _part_moved(db, outbox, estate_id, part_id,
                       lambda part, now: parts.issue(part, order, data["qty"], now, caller.user), order=order)


def return_part(db, outbox, caller, estate_id, part_id, data):
    """退库: what an order did not use, back to the store at the value it took: an open or cancelled
    order's, or a signed-off one's within the estate's ``part_late_return_days`` of its sign-off (the
    cost correction of its period, ``parts.give_back``)."""
    store.get(db, "parts", estate_id, part_id)
    order = store.referenced(db, "work_orders", estate_id, data["work_order_id"], "data.work_order_id")
    domain.check_hands(order, "draw_parts", caller.roles, caller.user)  # his order's, his helper's, the supervisor's
    rules = store.rules_for(db, estate_id)
    days = rules["part_late_return_days"] if order["status"] == "completed" else 0
    return _part_moved(db, outbox, estate_id, part_id, lambda part, now: parts.give_back(
        part, order, data["qty"], now, caller.user, store.part_order_movements(db, part, order["_id"]), days,
        rules["timezone"]), order=order)


def count_part(db, outbox, caller, estate_id, part_id, data):
    """盘点: the quantity found, its difference an adjustment recorded (``parts.count``)."""
    return _part_moved(db, outbox, estate_id, part_id,
                       lambda part, now: parts.count(part, data["counted"], now, caller.user, data.get("note")))


def _part_moved(db, outbox, estate_id, part_id, move, order=None):
    """A movement of the part: in one write the part's new quantity and value, the movement kept on it
    (``parts.PENDING``) and its announcement (``part_moved``), through the one write path (a keyed call
    retried moves it once; a lost race decides again); then the movement copied to its collection under
    its id and taken off the part (``_movements_kept``: a crash between the two leaves it on the part,
    read there, copied by the part's next touch or the sweep, never twice).

    An issue or a return (``order``: the work order read open before it) then reaches its order: on an
    open order a write that moves its revision, so that a sign-off that read the store before the
    movement decides again; on an order closed meanwhile without it (``parts.reached_too_late``) it is
    undone on the part and the call is a 409. The order was read open, then signed off, then the
    part written: the parts left the store on no order's cost (found by r8 reviewing h8). The movement
    is marked until it has reached its order (``parts.TO_REACH``): a crash between the part's write and
    the order's leaves it marked, and the sweep takes the step (``sweep_part_movements``, h2)."""
    call = writes.current_call()
    # a keyed call's movement has the call's id: sent again after its write, it is found by it
    moved_id = [ids.natural_id("mov", call.wrote_id(part_id)) if call is not None else None]

    def decide(part):
        changes, movement = move(part, clock.now())
        movement["id"] = moved_id[0] = moved_id[0] or movement["id"]
        if order is not None and not movement.get("after_sign_off"):
            movement[parts.TO_REACH] = True
        return Change(changes, [], [("part_moved", parts.moved_event_data(part, changes, movement))],
                      push={parts.PENDING: [movement]})

    written = _movements_kept(db, _change(db, outbox, "parts", estate_id, part_id, decide))
    movement = store.find_movement(db, written, moved_id[0]) if moved_id[0] else None
    # sent again, reached already: on an open order nothing more; undone, its 409 again (the undoing found)
    if order is not None and movement is not None and movement["kind"] in ("issue", "return") \
            and not movement.get("after_sign_off"):
        _part_reached_order(db, outbox, estate_id, written["_id"], parts.movement_of(movement), order["_id"])
    return _part_view(db, store.get(db, "parts", estate_id, part_id))


def _movements_kept(db, part):
    """``part`` with the movements its writes kept on it (``parts.PENDING``: its last write's, a crash's,
    an earlier version's whole array) copied to their collection, then taken off it; as it is with none."""
    waiting = parts.pending(part)
    if not waiting:
        return part
    store.keep_movements(db, waiting)
    receipts = [doc for doc in waiting if doc["kind"] == "receipt"]
    kept = {"last_unit_cost_cents": receipts[-1]["unit_cost_cents"]} \
        if receipts and "last_unit_cost_cents" not in part else None  # an earlier version's part
    store.take_pending(db, part["estate_id"], part["_id"], [doc["_id"] for doc in waiting], kept)
    return {key: value for key, value in part.items() if key != parts.PENDING} | (kept or {})


def _part_reached_order(db, outbox, estate_id, part_id, movement, order_id):
    """``movement`` on its work order (``_part_moved``): nothing more, or a 409 with it undone (once: the
    undoing movement's id is the movement's). Then the movement's mark is removed (``parts.TO_REACH``)."""
    late = []

    def reach(stored):
        if stored["status"] not in parts.CLOSED_ORDER:
            return Change({"_parts_moved": movement["id"]})  # bookkeeping: its revision moves
        if parts.reached_too_late(stored, movement):
            late.append(stored["status"])
            late.append(stored)
        return None

    _order_change(db, outbox, estate_id, order_id, reach)
    if late and parts.kept_as_late_return(late[1], movement):
        # the parts are on the shelf: a return after the sign-off (never undone: issued again meanwhile, the
        # store went below nothing), its period's cost correction (found by r2 reviewing h2), announced
        _returned_late(db, outbox, estate_id, part_id, movement, late[1]["completed_at"])
        late.clear()
    if late:
        undoing_id = ids.natural_id("mov", "undoes", movement["id"])

        def undo(stored):
            if store.find_movement(db, stored, undoing_id) is not None:
                return None  # undone already (the call sent again, the sweep)
            changes, undoing = parts.undone(stored, movement, clock.now(), movement["by"], late[0])
            undoing["id"] = undoing_id
            return Change(changes, [], [("part_moved", parts.moved_event_data(stored, changes, undoing))],
                          push={parts.PENDING: [undoing]})

        _movements_kept(db, _change(db, outbox, "parts", estate_id, part_id, undo, keyed=False))
    store.movement_reached(db, estate_id, movement["id"])
    if late:
        raise Conflict(f"the work order was {late[0]} meanwhile: parts are issued to and returned from an open order")


def _returned_late(db, outbox, estate_id, part_id, movement, order_completed_at):
    """A return kept as a late one after the fact (``parts.kept_as_late_return``): its movement marked
    (``after_sign_off``, ``order_completed_at``) and the correction announced (``part_moved`` with
    ``correction``: it was announced a return to an open order; archive and the integrators never learnt it
    is the cost correction of the order's period, found by h5). The announcement is a write on the part
    (its outbox) that keeps the movement's id among the part's (``parts.LATE_TOLD``, h8), so that a crash before the movement's
    mark, the sweep taking the step again, announces it once."""
    corrected = {**movement, "after_sign_off": True, "order_completed_at": order_completed_at}

    def told(part):
        if movement["id"] in parts.late_told(part):
            return None
        stored = store.find_movement(db, part, movement["id"])
        if stored is not None and stored.get("after_sign_off"):
            return None  # marked already (before the announcement was a write of its own)
        return Change({parts.LATE_TOLD: parts.late_told_with(part, movement["id"])}, [], [
            ("part_moved", parts.corrected_event_data(part, corrected, "kept_as_late_return"))])

    _change(db, outbox, "parts", estate_id, part_id, told, keyed=False)
    store.movement_returned_late(db, estate_id, movement["id"], order_completed_at)


def sweep_part_movements(db, outbox, now, settle_seconds=60):
    """What a crash between a movement's writes left half-done, older than ``settle_seconds`` (a call
    under way finishes its own): the movements kept on their parts copied to their collection (an earlier
    version's arrays too), then the issues and returns that never reached their work order taken there
    (``_part_reached_order``): on an order signed off or cancelled without them they are undone, the
    parts back in the store, where they were out of it on no order's cost for ever (h2). How many
    movements reached their order."""
    before = clock.to_iso(now - timedelta(seconds=settle_seconds))
    for found in store.parts_pending_before(db, before):
        part = store.find(db, "parts", found["estate_id"], found["_id"])
        try:
            if part is not None:
                _movements_kept(db, part)
        except Exception:  # noqa: BLE001 - one part's copy failing stops no other's (h5)
            log.exception("the movements of part %s of estate %s were not copied", found["_id"], found["estate_id"])
    # what still waits (their copy failing again and again grows the part toward a document's limit, unseen
    # until h5): a gauge an alert reads
    metrics.PART_MOVEMENTS_WAITING.labels(SERVICE).set(store.movements_waiting_before(db, before))
    reached = 0
    for document in store.movements_to_reach_before(db, before):
        try:
            _part_reached_order(db, outbox, document["estate_id"], document["part_id"],
                                parts.movement_of(document), document["work_order_id"])
        except Conflict:
            pass  # undone (its call was answered, or lost), or the order kept changing: the next sweep
        except NotFound:
            store.movement_reached(db, document["estate_id"], document["_id"])  # no such order: nothing to reach
        reached += 1
    return reached
