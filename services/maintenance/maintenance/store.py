"""maintenance's repository: the only module of the service that touches its database."""
import re
from functools import partial

from estate_common import (calendar, claims_store, closed_counts, closed_counts_store, common_store, custom_fields,
                           custom_fields_store, export_store, exports, ids, jobs, numbering, replica, settings, store, writes)

from estate_common.kpis import period_bounds

from . import costing, parts
from .ledger import JOBS_OWED
from .domain import (APPOINTMENT_ANNOUNCED, CLOSED, INCIDENT_FOUND, OVERDUE_ANNOUNCED, OWED_BY, PROMISED_BY, SOURCE_TYPES_READ, TRANSITIONS,
                     deadline_at, helper_left_flag, technician_left_flag, technician_told_applies)
from .rules import CHOICES, DEFAULTS, MAXIMA, MINIMA

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]
COUNTED = [("estate_id", 1), ("status", 1), ("technician", 1), ("priority", 1)]
LATE_COUNTED = [("estate_id", 1), ("status", 1), ("technician", 1), (OWED_BY, 1)]
RECORDED = [("estate_id", 1), ("equipment_id", 1), ("at", 1), ("_id", 1)]
LEDGER_RECORDED = [("estate_id", 1), ("at", 1), ("_id", 1)]

INDEXES = {
    **replica.INDEXES,
    **closed_counts.INDEXES,
    # security's alerts (预警响应) as their events told, those standing when an item failed read (``weather_alerts_standing_at``)
    "weather_alerts": [([("estate_id", 1), ("stood_down_at", 1)], {})],
    "work_orders": [
        (PAGED, {}),
        (store.SYNCED, {}),  # an integrator's sync: the list's updated_since, in (updated_at, _id) order
        ([("estate_id", 1), ("request_id", 1)], {}),
        ([("estate_id", 1), ("status", 1)], {}),
        ([("estate_id", 1), ("reported_at", 1)], {}),
        ([("estate_id", 1), ("completed_at", 1)], {}),
        ([("estate_id", 1), ("inspection_id", 1)], {}),
        # a plan's jobs by their due day (a month of preventive maintenance: plan_jobs_due); the
        # other orders have none
        ([("estate_id", 1), ("due_on", 1)], {}),
        # the list's source_id filter: the orders of one source (an incident's, a patrol finding's),
        # which a page read among every order of its source type and picked out (found by review)
        ([("estate_id", 1), ("source.id", 1)], {}),
        ([("estate_id", 1), ("number", 1)], {}),  # the list's number filter (as typed)
        # the calls' orders told to join an incident's order (calls_joined: a false alarm's order stays for them)
        ([("estate_id", 1), (INCIDENT_FOUND, 1)], {"partialFilterExpression": {INCIDENT_FOUND: {"$exists": True}}}),
        # the open orders naming a lift an incident may join (desk_orders_on), or a call's order may be
        # an incident's for (incident_orders_on)
        ([("estate_id", 1), ("equipment_id", 1), ("status", 1)], {}),
        # the open water emergencies a flooding may join (desk_emergencies_of: a burst pipe, h5)
        ([("estate_id", 1), ("emergency_category", 1), ("status", 1)], {}),
        # the list's technician filter, in the list's order: a technician's own orders ("my orders"),
        # one technician's for his supervisor; they were 200 of each status picked over (a probe of
        # the engineering department's week)
        ([("estate_id", 1), ("technician", 1), ("created_at", 1), ("_id", 1)], {}),
        # the list's helper filter: the orders a technician helps on (协助, domain.add_helper)
        ([("estate_id", 1), ("helper", 1), ("created_at", 1), ("_id", 1)], {}),
        # the orders that owe work, by its deadline (domain.OWED_BY, kept on those only): the list's
        # overdue filter reads the ones past it, not every order the estate ever had
        ([("estate_id", 1), (OWED_BY, 1)], {"partialFilterExpression": {OWED_BY: {"$exists": True}}}),
        # the overdue sweep (newly_late_orders): of those owing orders, the ones whose lateness is
        # not announced yet (equality) by their deadline (a range); the announced ones, late and
        # still owing, are not walked again each minute
        ([("estate_id", 1), (OVERDUE_ANNOUNCED, 1), (OWED_BY, 1)],
         {"partialFilterExpression": {OWED_BY: {"$exists": True}}}),
        # the counts of the open orders (open_order_counts: the board's team load): of a status, a
        # technician's (null: no one's), his emergencies; and his late ones by their deadline (a
        # range), the owing orders only. A count is of a bucket, not a walk of the estate's orders
        (COUNTED, {}),
        (LATE_COUNTED, {"partialFilterExpression": {OWED_BY: {"$exists": True}}}),
    ],
    "equipment": [(PAGED, {}), ([("estate_id", 1), ("system", 1)], {}),
                  # the certificates expiring before a day (年检合格证: list_equipment's certificate_expires_before)
                  ([("estate_id", 1), ("certificate.valid_until", 1)], {}),
                  # the retirements whose jobs' sweep a crash left owed (retirements_owing_jobs): a few, if any
                  ([("estate_id", 1), (JOBS_OWED, 1)], {"sparse": True})],
    # each record of a piece of equipment (ledger.record_document), by when it was made: a piece's
    # records, counted (the equipment's record_count), paged in the order of their moment (a range
    # of it), and those of a kind
    "equipment_records": [(RECORDED, {}), ([*RECORDED[:2], ("kind", 1), *RECORDED[2:]], {}),
                          # the estate's ledger across its pieces (estate_records_page, export_records: 电梯维修记录
                          # for the inspector), of a kind too
                          (LEDGER_RECORDED, {}), ([LEDGER_RECORDED[0], ("kind", 1), *LEDGER_RECORDED[1:]], {})],
    "maintenance_plans": [(PAGED, {}), ([("estate_id", 1), ("next_due_on", 1)], {}),
                          ([("estate_id", 1), ("checklist_id", 1)], {})],  # a checklist in use is not edited
    # one per equipment, kind and interval an active plan schedules (ledger.plan_slot_id)
    "plan_slots": [([("estate_id", 1)], {})],
    "budgets": [([("estate_id", 1), ("period", 1)], {})],
    "checklists": [(PAGED, {}), ([("estate_id", 1), ("target", 1)], {})],
    "inspections": [(PAGED, {}), ([("estate_id", 1), ("status", 1)], {}), ([("estate_id", 1), ("due_on", 1)], {}),
                    ([("estate_id", 1), ("equipment_id", 1)], {}), ([("estate_id", 1), ("checklist_id", 1)], {})],
    "renovation_reviews": [(PAGED, {}), ([("estate_id", 1), ("status", 1)], {})],
    # the latest household correction of each repair (natural id): an order opened after it takes it
    "request_households": [([("estate_id", 1)], {})],
    "joined_requests": [([("estate_id", 1)], {}),
                        ([("estate_id", 1), ("work_order_id", 1)], {})],  # the calls an order serves (calls_joined)
    # an incident's take-over of a patrol anomaly's order that came before the order (natural id)
    "incident_takeovers": [([("estate_id", 1)], {}),
                           ([("estate_id", 1), ("data.id", 1)], {})],  # by its incident (anomaly_taken_over_by)
    # an incident closed as a false alarm (natural id), kept for its order opening after it (r5 reviewing h5)
    "incident_false_alarms": [([("estate_id", 1)], {})],
    # an entrapment's release (困人解救) by the order of its incident (natural id): 本月抢险 shows it
    "entrapment_releases": [([("estate_id", 1), ("work_order_id", 1)], {})],
    "fund_uses": [([("estate_id", 1), ("work_order_id", 1)], {})],
    "technicians_left": [([("estate_id", 1)], {})],
    # the spare parts store (parts.py): a page by code, those below their minimum, and the parts a work
    # order holds (its material lines at the sign-off: parts_held_by), the month's counts (count_values_in)
    # the movements a part's write made and did not copy to their collection yet (parts.PENDING: a crash's,
    # an earlier version's array) of a work order, of the month's counts and late returns (read with the
    # collection's), and the sweep's, by when they were made (sweep_part_movements)
    "parts": [(PAGED, {}), ([("estate_id", 1), ("below_minimum", 1), *PAGED[1:]], {}),
              ([("estate_id", 1), ("movements.work_order_id", 1)], {}),
              ([("estate_id", 1), ("movements.kind", 1), ("movements.at", 1)], {}),
              ([("movements.at", 1)], {"sparse": True})],
    # each movement of a part (parts.movement_document, under its own id): a part's page in the order
    # they were made (of a kind), the order's (its material lines at the sign-off, what it holds of a
    # part), the month's counts and the late returns of the orders signed off in a period (the costs
    # view), and those that have not reached their order yet (the sweep's, a few if any)
    "part_movements": [([("estate_id", 1), ("part_id", 1), ("at", 1), ("_id", 1)], {}),
                       ([("estate_id", 1), ("part_id", 1), ("kind", 1), ("at", 1), ("_id", 1)], {}),
                       ([("estate_id", 1), ("work_order_id", 1)], {}),
                       ([("estate_id", 1), ("kind", 1), ("at", 1)], {}),
                       ([("estate_id", 1), ("order_completed_at", 1)],
                        {"partialFilterExpression": {"order_completed_at": {"$exists": True}}}),
                       ([(parts.TO_REACH, 1), ("at", 1)], {"partialFilterExpression": {parts.TO_REACH: {"$exists": True}}})],
    **settings.INDEXES,
    **custom_fields_store.INDEXES,
    **jobs.INDEXES,
    **export_store.INDEXES,
}

WHAT = {"work_orders": "work order", "equipment": "equipment", "maintenance_plans": "maintenance plan",
        "budgets": "budget", "renovation_reviews": "renovation review", "checklists": "checklist",
        "inspections": "inspection", "parts": "part"}

# list filters as the API names them -> the stored field (``overdue``, ``promise_overdue`` and
# ``exclude_source_type``: work_order_query)
WORK_ORDER_FILTERS = {"request_id": "request_id", "status": "status", "priority": "priority",
                      "equipment_id": "equipment_id", "source_type": "source.type", "source_id": "source.id",
                      "inspection_id": "inspection_id", "number": "number", "technician": "technician",
                      "helper": "helper"}

def next_number(db, estate_id, series):
    return store.next_number(db, estate_id, series)


# -- settings -----------------------------------------------------------------------

def rules_for(db, estate_id, as_of=None):
    """The estate's numbers (its settings over DEFAULTS) and its ``timezone``, the estate's
    calendar: master data from archive (the read copy), not a setting of this service."""
    numbers = settings.for_estate(db, DEFAULTS, estate_id, maxima=MAXIMA, minima=MINIMA, choices=CHOICES, as_of=as_of)
    return numbers | {"timezone": calendar.timezone_of(estate(db, estate_id))}


# -- any collection: by id in an estate, referenced by a body, inserted once -------------

# the one write path (estate_common.writes) on these, and reads by id; a work order's updated_at is
# the moment of each write that changes what the API shows of it (public_order: deadline_at too)
named = writes.Named(WHAT, stamped={"work_orders": lambda doc: public_order(doc)})
find, get, referenced = named.find, named.get, named.referenced
change, create, write = named.change, named.create, named.write


# -- work orders --------------------------------------------------------------------

def work_order_query(db, estate_id, filters, now, gone=None):
    """The list's filters, plain and ``custom.<key>``, as a query of the estate (a list page and
    an export select alike). ``exclude_source_type``: the orders of every other source.
    ``overdue``: ``true``, the orders whose owed work is past its deadline at ``now``
    (``domain.overdue``: the deadline kept on them, ``OWED_BY``, read through its partial index;
    ``$exists`` lets MongoDB use it), ``false`` the others. ``promise_overdue``: ``true``, the owners'
    repairs whose promised response (``PROMISED_BY``, or on an order opened before it was kept its
    response deadline) has run out and that still owe their start, which customer service lists as
    overdue repairs; ``false`` the others (every other source's, and a repair marked an emergency
    late by its shorter deadline while its owner's promise runs)."""
    plain = custom_fields.plain_filters(filters)
    query = {WORK_ORDER_FILTERS[name]: value for name, value in plain.items() if name in WORK_ORDER_FILTERS}
    if "number" in query:
        query["number"] = numbering.canonical(query["number"])
    conditions = []
    if "exclude_source_type" in plain:
        conditions.append({"source.type": {"$ne": plain["exclude_source_type"]}})
    if SOURCE_TYPES_READ in plain:  # what the caller reads (domain.readable_filters)
        read = {"source.type": {"$in": list(plain[SOURCE_TYPES_READ])}}
        if "incident" in plain[SOURCE_TYPES_READ]:  # a desk's order an incident joined is that incident's
            # (domain.readable): the guard's list left it out, which he reads by id (found by h6)
            read = {"$or": [read, {"incidents.0": {"$exists": True}}]}
        conditions.append(read)
    if plain.get("overdue") == "true":
        query.update(late(now))
    elif plain.get("overdue") == "false":
        conditions.append({"$nor": [late(now)]})
    if "promise_overdue" in plain:
        # still owing its start (not started): a started repair on hold owes its hold's day, not the
        # promise (it was counted nowhere late past that day, review r4)
        broken = {"source.type": "service_request", OWED_BY: {"$exists": True}, "started_at": None, "$or": [
            {PROMISED_BY: {"$lt": now}}, {PROMISED_BY: None, "response_due_at": {"$lt": now}}]}
        conditions.append(broken if plain["promise_overdue"] == "true" else {"$nor": [broken]})
    if "technician_left" in plain:  # the open orders of technicians told gone (domain.technician_left_flag)
        gone = technicians_gone(db, estate_id) if gone is None else gone
        held = {"technician": {"$in": sorted(gone)}, "status": {"$nin": list(CLOSED)}}
        conditions.append(held if plain["technician_left"] == "true" else {"$nor": [held]})
    if "helper_left" in plain:  # the open orders whose helper was told gone (domain.helper_left_flag)
        gone = technicians_gone(db, estate_id) if gone is None else gone
        helped = {"helper": {"$in": sorted(gone)}, "status": {"$nin": list(CLOSED)}}
        conditions.append(helped if plain["helper_left"] == "true" else {"$nor": [helped]})
    if "open" in plain:  # the orders in hand (not completed nor cancelled), or those done with: by status, an
        # ``$in`` (the ``(estate_id, status)`` index), not a ``$nin`` MongoDB walks every order for
        conditions.append({"status": {"$in": list(OPEN_STATUSES if plain["open"] == "true" else CLOSED)}})
    if "completed_in" in plain:  # the month the costs report counts an order's cost in
        start, end = period_bounds(plain["completed_in"], rules_for(db, estate_id)["timezone"])
        conditions.append(completed_between(start, end))
    if "cost_category" in plain:  # a line of the costs report's by_category
        conditions.append(costing.category_query(plain["cost_category"]))
    if "cost_system" in plain:  # a line of its by_system
        system = plain["cost_system"]
        pieces = [] if system == costing.NO_SYSTEM else equipment_of_system(db, estate_id, system)
        conditions.append(costing.system_query(system, pieces))
    if conditions:
        query["$and"] = conditions
    return {"estate_id": estate_id, **query, **_custom_query(db, estate_id, "work_order", filters)}


def completed_between(start, end):
    """The orders completed in ``[start, end)``: those whose cost a period's cost counts
    (``orders_completed_in``) and the list's ``completed_in`` selects, through
    ``(estate_id, completed_at)``."""
    return {"status": "completed", "completed_at": {"$gte": start, "$lt": end}}


def equipment_of_system(db, estate_id, system):
    """The ids of the estate's pieces of a system, through ``(estate_id, system)``."""
    return [doc["_id"] for doc in db.equipment.find({"estate_id": estate_id, "system": system}, {"_id": 1})]


def late(now):
    """逾期 as a query: the orders whose owed work is past its deadline at ``now`` (``domain.overdue``:
    the deadline kept on them while they owe it, ``OWED_BY``), the one place of the rule the list's
    ``overdue`` filter and the counts (``open_order_counts``) read; ``$exists`` lets MongoDB read it
    from the partial indexes of the owing orders."""
    return {OWED_BY: {"$exists": True, "$lt": now}}


def open_order_counts(db, estate_id, now):
    """``{status: {technician or None: {"open", "late", "emergency"}}}``: the estate's open orders
    (``OPEN_STATUSES``) each status and technician holds (None: no one), those late at ``now``
    (``late``) and the emergencies, held ones only. Each a ``count_documents`` of an index prefix
    (``COUNTED``: a status, a technician, the emergencies; ``LATE_COUNTED``: the late ones, a range
    of the owing orders' deadlines in that bucket); a status's technicians are its ``distinct`` ones
    (MongoDB skips along the index). The estate's completed and cancelled orders are never read."""
    counts = {}
    for status in OPEN_STATUSES:
        of_status = {"estate_id": estate_id, "status": status}
        holders = [name for name in db.work_orders.distinct("technician", of_status) if name is not None]
        for technician in [None, *sorted(holders)]:
            held = {"estate_id": estate_id, "status": status, "technician": technician}
            number = db.work_orders.count_documents(held)
            if not number:
                continue
            counts.setdefault(status, {})[technician] = {
                "open": number,
                "late": db.work_orders.count_documents({**held, **late(now)}),
                "emergency": db.work_orders.count_documents({**held, "priority": "emergency"})}
    return counts


def list_work_orders(db, estate_id, filters, now, limit, cursor):
    """A page of ``work_order_query``; with ``updated_since``, the orders changed since then in
    ``(updated_at, _id)`` order (``estate_common.store.page``)."""
    gone = technicians_gone(db, estate_id)
    return store.page(db.work_orders, work_order_query(db, estate_id, filters, now, gone), limit, cursor,
                      shown=lambda doc: flagged_order(doc, gone), updated_since=filters.get("updated_since"))


def flagged_order(doc, gone):
    """A work order as the list and the read show it: ``public_order`` with ``technician_left`` and
    ``helper_left`` (``domain.technician_left_flag``, ``helper_left_flag``; ``gone``: the estate's
    technicians told gone)."""
    if doc is None:
        return None
    return {**public_order(doc), "technician_left": technician_left_flag(doc, gone),
            "helper_left": helper_left_flag(doc, gone)}


def public_order(doc):
    """A work order as every answer shows it (the read, the list's pages, each step's answer):
    ``store.public`` with its ``deadline_at`` (``domain.deadline_at``), the one place it is added."""
    if doc is None:
        return None
    return {**store.public(doc), "deadline_at": deadline_at(doc)}


def custom_definitions(db, estate_id, resource):
    """The estate's custom-field definitions of ``resource`` (archived ones too)."""
    return custom_fields_store.definitions(db, estate_id, [resource])


def _custom_query(db, estate_id, resource, filters):
    """The ``custom.<key>`` filters read by the field's type (``custom_fields.filter_query``)."""
    if not custom_fields.custom_filters(filters):
        return {}
    return custom_fields.filter_query(custom_definitions(db, estate_id, resource), filters)
def export_work_orders(db, estate_id, filters, now):
    """Every work order the list's filters select, in the list's order (an export's pass); with
    ``updated_since``, as the list's, those changed since then in ``(updated_at, _id)`` order; each
    flagged as the list shows it (``flagged_order``'s flags: the export had no ``technician_left``)."""
    gone = technicians_gone(db, estate_id)
    return ({**doc, "technician_left": technician_left_flag(doc, gone), "helper_left": helper_left_flag(doc, gone)}
            for doc in store.walk(
        db.work_orders, work_order_query(db, estate_id, filters, now, gone), filters.get("updated_since")))


def orders_reported_in(db, estate_id, start, end):
    return list(db.work_orders.find({"estate_id": estate_id, "reported_at": {"$gte": start, "$lt": end}}))


def starts_of(db, estate_id, work_order_ids):
    """``{order id: its first start}`` of those of the orders that have started."""
    return {doc["_id"]: doc["started_at"] for doc in db.work_orders.find(
        {"estate_id": estate_id, "_id": {"$in": sorted(work_order_ids)}, "started_at": {"$ne": None}},
        {"started_at": 1})}


def orders_completed_in(db, estate_id, start, end):
    return list(db.work_orders.find({"estate_id": estate_id, **completed_between(start, end)}))


def keep_household_correction(db, estate_id, data):
    """The repair's household as the desk corrected it at ``corrected_at``, unless a later
    correction is kept (one delivered out of order changes nothing)."""
    fields = {"estate_id": estate_id, "request_id": data["id"], "household_id": data["household_id"],
              "corrected_at": data["corrected_at"]}
    common_store.upsert_copy_if_newer(db, "request_households", _correction_id(estate_id, data["id"]), fields,
                                      data["corrected_at"], key="corrected_at")


def household_flats(db, estate_id, household_ids):
    """``{household id: building-unit-room}`` from the household copies (its id while its copy
    has not come): how a history's note names a household."""
    return replica.flats(db, estate_id, household_ids)


def keep_joined_request(db, estate_id, request_id, work_order_id, event_id=None, actor=None):
    """The repair joined a fault's order (customer service's ``service_request_joined``): kept, so an
    order its creation would open after the join (each event type has its queue) is not opened, and
    one it opened while the join was kept is cancelled then (``joined_request``; its event and who)."""
    db.joined_requests.update_one({"_id": _joined_id(estate_id, request_id), "estate_id": estate_id},
                                  {"$setOnInsert": {"request_id": request_id, "work_order_id": work_order_id,
                                                    "event_id": event_id, "actor": actor}},
                                  upsert=True)


def joined_request(db, estate_id, request_id):
    """The join kept of the repair (``keep_joined_request``), or None."""
    return db.joined_requests.find_one({"_id": _joined_id(estate_id, request_id), "estate_id": estate_id})


def calls_joined(db, estate_id, work_order_id):
    """Whether a repair joined the order (``keep_joined_request``), or is on its way there: a call's order told
    to join it (``domain.INCIDENT_FOUND``) not cancelled (the join cancels it, once kept here). It serves that
    call."""
    return db.joined_requests.find_one({"estate_id": estate_id, "work_order_id": work_order_id}, {"_id": 1}) \
        is not None or db.work_orders.find_one({"estate_id": estate_id, INCIDENT_FOUND: work_order_id,
                                                "status": {"$ne": "cancelled"}}, {"_id": 1}) is not None


def request_joined(db, estate_id, request_id):
    """Whether the repair joined a fault's order (``keep_joined_request``)."""
    return db.joined_requests.find_one({"_id": _joined_id(estate_id, request_id), "estate_id": estate_id},
                                       {"_id": 1}) is not None


def _joined_id(estate_id, request_id):
    return ids.natural_id("rqjn", estate_id, request_id)


def keep_takeover(db, estate_id, anomaly_id, event):
    """An incident took over the anomaly's order (security patrol's ``incident_took_over_order``):
    kept, the first event of it, so that an order the anomaly opens later (each event type has its
    queue) takes it then (``kept_takeover``). One incident takes over an anomaly's order."""
    db.incident_takeovers.update_one(
        {"_id": _takeover_id(estate_id, anomaly_id), "estate_id": estate_id},
        {"$setOnInsert": {"anomaly_id": anomaly_id, "event_id": event["event_id"], "actor": event.get("actor"),
                          "data": event["data"]}},
        upsert=True)


def kept_takeover(db, estate_id, anomaly_id):
    """The take-over kept of the anomaly's order (``keep_takeover``) as the event it came in, or None."""
    kept = db.incident_takeovers.find_one({"_id": _takeover_id(estate_id, anomaly_id), "estate_id": estate_id})
    return kept and {"event_id": kept["event_id"], "estate_id": estate_id, "actor": kept.get("actor"),
                     "data": kept["data"]}


def keep_false_alarm(db, estate_id, event):
    """An incident closed as a false alarm (``incident_closed`` with ``false_alarm``): kept, the first event of
    it, so that its order opening later (each event type has its queue) releases what it took then
    (``kept_false_alarm``; found by r5 reviewing h5)."""
    db.incident_false_alarms.update_one(
        {"_id": ids.natural_id("ifa", estate_id, event["data"]["id"]), "estate_id": estate_id},
        {"$setOnInsert": {"event_id": event["event_id"], "actor": event.get("actor"), "data": event["data"]}},
        upsert=True)


def kept_false_alarm(db, estate_id, incident_id):
    """The false alarm kept of the incident (``keep_false_alarm``) as the event it came in, or None."""
    kept = db.incident_false_alarms.find_one({"_id": ids.natural_id("ifa", estate_id, incident_id),
                                              "estate_id": estate_id})
    return kept and {"event_id": kept["event_id"], "estate_id": estate_id, "actor": kept.get("actor"),
                     "source": "security_patrol", "event_type": "incident_closed", "data": kept["data"]}


def _takeover_id(estate_id, anomaly_id):
    return ids.natural_id("itko", estate_id, anomaly_id)


def anomaly_taken_over_by(db, estate_id, incident_id):
    """The anomaly whose order the incident took over (its take-over kept, ``keep_takeover``), or None."""
    kept = db.incident_takeovers.find_one({"estate_id": estate_id, "data.id": incident_id}, {"anomaly_id": 1})
    return kept and kept["anomaly_id"]


def lifts_of(db, estate_id, today):
    """The estate's lifts (system elevator) in use on ``today`` (``in_use_on``) by id, with where each is (an
    incident may join by its place). A lift retired was counted: the scrapped lift and its replacement at one
    place were two, and an entrapment naming the place named neither (found by r5 reviewing h5)."""
    return {doc["_id"]: doc for doc in db.equipment.find({"estate_id": estate_id, "system": "elevator",
                                                          **in_use_on(today)}, {"_id": 1, "location": 1, "code": 1})}


def desk_orders_on(db, estate_id, equipment_ids):
    """The open orders from a desk call naming one of ``equipment_ids`` (an incident may join one)."""
    return list(db.work_orders.find({"estate_id": estate_id, "equipment_id": {"$in": list(equipment_ids)},
                                     "status": {"$nin": list(CLOSED)},
                                     "source.type": "service_request"}).limit(20))


def desk_emergencies_of(db, estate_id, categories):
    """The open emergencies from a desk call of ``categories`` (a flooding may join one: a burst pipe)."""
    return list(db.work_orders.find({"estate_id": estate_id, "source.type": "service_request",
                                     "priority": "emergency", "emergency_category": {"$in": list(categories)},
                                     "status": {"$nin": list(CLOSED)}}).limit(50))


def households_of(db, estate_id, household_ids):
    """``{household id: its copy}`` of those of ``household_ids`` whose copy has come."""
    found = {household_id: replica.get(db, "household", estate_id, household_id)
             for household_id in dict.fromkeys(household_ids) if household_id}
    return {household_id: copy for household_id, copy in found.items() if copy}


def incident_orders_on(db, estate_id, equipment_id):
    """The open orders of an incident, or that an entrapment joined (``domain.ENTRAPMENT_JOINED``), naming the
    piece ``equipment_id`` (a call's order for the lift may be the entrapment's: ``domain.incident_order_found``)."""
    return list(db.work_orders.find({"estate_id": estate_id, "equipment_id": equipment_id,
                                     "status": {"$nin": list(CLOSED)},
                                     "$or": [{"source.type": "incident"},
                                             {"_entrapment_joined": {"$exists": True}}]}).limit(20))


def orders_asking_out(db, estate_id, equipment_id):
    """The open orders naming the piece ``equipment_id`` that took it out for an incident
    (``operations.LIFT_OUT_ASKED_FOR``): one closed as a false alarm hands the lift to another (r5 reviewing h5)."""
    return list(db.work_orders.find({"estate_id": estate_id, "equipment_id": equipment_id,
                                     "status": {"$nin": list(CLOSED)},
                                     "_lift_out_asked_for": {"$exists": True}}).limit(20))


def flooding_orders(db, estate_id):
    """The open orders of a flooding incident naming its flat, or that such a flooding joined
    (``domain.FLOODING_JOINED``, r4) (a desk's water emergency reported after it may be the same burst:
    ``domain.burst_order_found``)."""
    return list(db.work_orders.find({"estate_id": estate_id, "status": {"$nin": list(CLOSED)},
                                     "_flooded_household_id": {"$exists": True},
                                     "$or": [{"source.type": "incident", "emergency_category": "flooding"},
                                             {"_flooding_joined": {"$exists": True}}]}).limit(20))


def keep_incident_join(db, estate_id, incident_id, work_order_id):
    """The incident joined the desk's order ``work_order_id`` (``domain.desk_order_joined_by``): kept, the
    first decided, so a redelivery joins the same order and opens none (``incident_join``)."""
    db.incident_joins.update_one({"_id": _incident_join_id(estate_id, incident_id), "estate_id": estate_id},
                                 {"$setOnInsert": {"incident_id": incident_id, "work_order_id": work_order_id}},
                                 upsert=True)
    return incident_join(db, estate_id, incident_id)


def forget_incident_join(db, estate_id, incident_id, work_order_id):
    """The join kept (``keep_incident_join``) forgotten, while it names ``work_order_id``: the order was done before
    the incident joined it (``operations._join_desk_order``)."""
    db.incident_joins.delete_one({"_id": _incident_join_id(estate_id, incident_id), "estate_id": estate_id,
                                  "work_order_id": work_order_id})


def incident_join(db, estate_id, incident_id):
    """The order the incident joined (``keep_incident_join``), or None."""
    kept = db.incident_joins.find_one({"_id": _incident_join_id(estate_id, incident_id), "estate_id": estate_id})
    return kept and kept["work_order_id"]


def _incident_join_id(estate_id, incident_id):
    return ids.natural_id("incj", estate_id, incident_id)


def keep_release(db, estate_id, work_order_id, incident_id, release, event_id):
    """An entrapment's release kept by its order (the incident's own, or the round's it took over),
    the first told of it: a redelivery, or the closing telling it again, changes nothing. Kept apart
    from the order, which may not be here yet (each event type has its queue)."""
    db.entrapment_releases.update_one(
        {"_id": ids.natural_id("erel", estate_id, work_order_id), "estate_id": estate_id},
        {"$setOnInsert": {"work_order_id": work_order_id, "incident_id": incident_id, "release": release,
                          "event_id": event_id}},
        upsert=True)


def keep_weather_alert(db, estate_id, data, event_id):
    """Security's alert (预警响应: ``emergency_alert_raised`` / ``_level_changed`` / ``_stood_down``) kept
    here, once per event by its id, with its levels over time (``levels``: each level and since when,
    the union of what its events told, so the last told first is not undone by an older one) and its
    stand-down. A raising redelivered after its stand-down opens it no more (``$setOnInsert``). An
    event of before ``levels`` were told (none after the deploy) counts its level as the warning's."""
    doc_id = ids.natural_id("walert", estate_id, data["id"])
    if db.weather_alerts.find_one({"_id": doc_id, "estate_id": estate_id, "event_ids": event_id}, {"_id": 1}):
        return
    levels = [{"level": entry["level"], "at": entry["at"]}
              for entry in data.get("levels") or [{"level": data["level"], "at": data["issued_at"]}]]
    update = {"$setOnInsert": {"alert_id": data["id"], "kind": data["kind"], "issued_at": data["issued_at"]},
              "$addToSet": {"event_ids": event_id, "levels": {"$each": levels}}}
    if data.get("stood_down_at"):
        update["$set"] = {"stood_down_at": data["stood_down_at"]}
    else:
        update["$setOnInsert"]["stood_down_at"] = None
    db.weather_alerts.update_one({"_id": doc_id, "estate_id": estate_id}, update, upsert=True)


def weather_alert(db, estate_id, alert_id):
    """Security's alert as kept here (``keep_weather_alert``), or None."""
    return db.weather_alerts.find_one({"_id": ids.natural_id("walert", estate_id, alert_id), "estate_id": estate_id})


def normal_failure_orders_since(db, estate_id, since):
    """The ids of the open orders of inspections' failed items, normal, reported at ``since`` (ISO) or after."""
    return [doc["_id"] for doc in db.work_orders.find(
        {"estate_id": estate_id, "source.type": "inspection", "priority": "normal",
         "status": {"$nin": list(CLOSED)}, "reported_at": {"$gte": since}}, {"_id": 1})]


def weather_alerts_standing_at(db, estate_id, at):
    """Security's alerts (as their events told) standing at ``at`` (ISO): issued by then, not stood
    down before it."""
    return list(db.weather_alerts.find(
        {"estate_id": estate_id, "issued_at": {"$lte": at},
         "$or": [{"stood_down_at": None}, {"stood_down_at": {"$gt": at}}]},
        {"kind": 1, "issued_at": 1, "levels": 1, "stood_down_at": 1}))


def keep_fund_use(db, estate_id, use_id, work_order_id, amount_cents):
    """A use of the special maintenance fund approved for the order (finance's ``fund_use_approved``),
    kept once however often it is told, apart from the order (h7: the costs it paid are no operating
    cost)."""
    db.fund_uses.update_one(
        {"_id": ids.natural_id("mfuse", estate_id, use_id), "estate_id": estate_id},
        {"$setOnInsert": {"use_id": use_id, "work_order_id": work_order_id, "amount_cents": amount_cents}},
        upsert=True)


def fund_paid_of(db, estate_id, work_order_ids):
    """``{order id: cents the fund's approved uses paid for it}`` of the orders it paid for."""
    paid = {}
    for kept in db.fund_uses.find({"estate_id": estate_id, "work_order_id": {"$in": list(work_order_ids)}}):
        paid[kept["work_order_id"]] = paid.get(kept["work_order_id"], 0) + kept["amount_cents"]
    return paid


def releases_of(db, estate_id, work_order_ids):
    """``{order id: release}`` of the orders whose entrapment's passengers are out."""
    return {kept["work_order_id"]: kept["release"] for kept in db.entrapment_releases.find(
        {"estate_id": estate_id, "work_order_id": {"$in": list(work_order_ids)}})}


def household_correction(db, estate_id, request_id):
    """The latest household correction of the repair, or None."""
    return db.request_households.find_one({"_id": _correction_id(estate_id, request_id), "estate_id": estate_id})


def _correction_id(estate_id, request_id):
    return ids.natural_id("rqhh", estate_id, request_id)


# The technicians who are no longer active technicians of an estate (their account switched off, the
# role or the estate taken away), as the gateway, which keeps the accounts, tells maintenance
# (``technician_left``, ``technician_returned``): a follow-up is not given back to one of them.

def _left_id(estate_id, username):
    return ids.natural_id("tleft", estate_id, username)


def tell_technician(db, estate_id, username, left, revision, at, tries=2):
    """What the gateway told of ``username`` in the estate (``left``, at the account's ``revision``),
    kept unless an older revision than held (``domain.technician_told_applies``); what is held after,
    as stored. Written only over the revision read, so that two calls at once keep the newer."""
    doc_id = _left_id(estate_id, username)
    for _ in range(tries):
        held = db.technicians_left.find_one({"_id": doc_id, "estate_id": estate_id})
        if not technician_told_applies(held, revision):
            return held
        was_gone = held is not None and held.get("left", True)
        still_gone = left and was_gone  # kept since it was first told
        told = {"estate_id": estate_id, "username": username, "left": left, "revision": revision,
                "left_at": (held["left_at"] if still_gone else at) if left else None}
        try:
            if held is None:
                db.technicians_left.insert_one({"_id": doc_id, **told})
            elif not db.technicians_left.update_one({"_id": doc_id, "estate_id": estate_id,
                                                     "revision": held.get("revision")}, {"$set": told}).matched_count:
                continue
        except store.DuplicateKey:
            continue  # another call kept its word first: decided again over it
        if was_gone != left:
            _stamp_orders_held_by(db, estate_id, username, at)
        return {**(held or {}), **told}
    return db.technicians_left.find_one({"_id": doc_id, "estate_id": estate_id})


def _stamp_orders_held_by(db, estate_id, username, at):
    """The open orders ``username`` holds or helps on in the estate, ``updated_at`` moved to ``at``
    (never back): their ``technician_left`` or ``helper_left`` (``flagged_order``) changed with the word on him, which the list's
    ``updated_since`` reads as a change (a mirror never saw them flagged: found by review)."""
    db.work_orders.update_many({"estate_id": estate_id, "$or": [{"technician": username}, {"helper": username}],
                                "status": {"$nin": list(CLOSED)}, "updated_at": {"$lt": at}},
                               {"$set": {"updated_at": at}})


def technician_left(db, estate_id, username):
    """Whether ``username`` was told gone from the estate's technicians (and not back since)."""
    return username in technicians_gone(db, estate_id, [username])


def technicians_gone(db, estate_id, usernames=None):
    """The usernames told gone from the estate's technicians and not back since (of ``usernames``,
    or all); a record from before ``left`` was kept is a departure (a return deleted it then)."""
    query = {"estate_id": estate_id, "left": {"$ne": False}}
    if usernames is not None:
        query["username"] = {"$in": list(usernames)}
    return {doc["username"] for doc in db.technicians_left.find(query, {"username": 1})}


def orders_of_request(db, estate_id, request_id):
    """The ids of the work orders a service request opened (its first and its follow-ups)."""
    return [doc["_id"] for doc in db.work_orders.find({"estate_id": estate_id, "request_id": request_id}, {"_id": 1})]


# the registry's marks of the once-per-estate sweeps done: the orders assigned, and appointed,
# before work_order_assigned and work_order_appointed existed announced (operations.
# announce_earlier_assignments, announce_earlier_appointments)
ASSIGNMENTS_ANNOUNCED, APPOINTMENTS_ANNOUNCED = "_assignments_announced", "_appointments_announced"
HOLDS_KEPT = "_holds_kept"  # the estate's holds an older release made are kept as holds are now (review r4)


estates_unmarked, mark_estate = common_store.estates_unmarked, common_store.mark_estate


def assigned_orders(db, estate_id):
    """The estate's orders with a technician that come from a request, whose assignment was not
    announced (made before ``work_order_assigned`` existed)."""
    return list(db.work_orders.find({"estate_id": estate_id, "technician": {"$nin": [None]},
                                     "request_id": {"$nin": [None]}, "_assignment_announced_at": None},
                                    {"_id": 1}))


def held_orders(db, estate_id):
    """The estate's orders on hold (待料), through the ``(estate_id, status)`` index: ``{_id}`` each."""
    return list(db.work_orders.find({"estate_id": estate_id, "status": "on_hold"}, {"_id": 1}))


def appointed_orders(db, estate_id):
    """The estate's open orders from a request with an appointment not announced (made before
    ``work_order_appointed`` existed), status by status through the ``(estate_id, status)`` index:
    its completed and cancelled orders are many and owe the owner no time."""
    return [order for status in OPEN_STATUSES
            for order in db.work_orders.find({"estate_id": estate_id, "status": status, "appointment": {"$nin": [None]},
                                              "request_id": {"$nin": [None]}, APPOINTMENT_ANNOUNCED: None}, {"_id": 1})]


def estate_timezone(db, estate_id):
    """The estate's calendar, from its read copy (archive's master data): a plan's job is due by
    the end of its day on it."""
    return replica.estate_timezone(db, estate_id)


def estate(db, estate_id):
    """The estate's copy (None before it came): its calendar and its registration."""
    return replica.get(db, "estate", estate_id, estate_id)


OPEN_STATUSES = tuple(status for status in TRANSITIONS if status not in CLOSED)


def estates_to_keep_deadlines(db):
    """``[(estate_id, timezone)]``: the estates whose open orders' deadline markers
    (``domain.OWED_BY``) are not kept on the timezone they have now (the registry:
    ``operations.keep_earlier_deadlines`` marks each): orders opened before the marker was kept
    have none, and a plan's job is due by the end of its day on the estate's clock, which a
    correction of its timezone moves (found by review)."""
    estates = db.estates.find({}, {"estate_id": 1, "timezone": 1, "_deadlines_kept": 1})
    return sorted((doc["estate_id"], calendar.timezone_of(doc)) for doc in estates
                  if doc.get("_deadlines_kept") != calendar.timezone_of(doc))


def orders_to_mark(db, estate_id):
    """The estate's open orders whose deadline marker may be missing or of another timezone:
    those without one that are not started, and its plans' jobs (due by the end of their day on
    the estate's clock) and its orders on hold (due by the end of the hold's day: review r4), status by
    status through the ``(estate_id, status)`` index: its
    completed and cancelled orders owe nothing, and an order started (any but a plan's job) has
    given its response and owes nothing either (``domain.owes_work``): it has no marker and is
    never given one, so the sweep read each of them again for nothing (found by review)."""
    return [order for status in OPEN_STATUSES
            for order in db.work_orders.find({"estate_id": estate_id, "status": status, "$or": [
                {OWED_BY: {"$exists": False}, "started_at": None}, {"due_on": {"$nin": [None]}},
                {"hold": {"$nin": [None]}}]}, {"_id": 1})]


def newly_late_orders(db, now, estates=None):
    """The orders whose owed work fell due before ``now`` (the deadline kept on them, ``OWED_BY``)
    and whose lateness is not announced yet, estate by estate (the registry, or ``estates``), each through the
    partial ``(estate_id, OVERDUE_ANNOUNCED, OWED_BY)`` index: ``{_id, estate_id}`` each; the sweep
    stamps and announces each through the write path (``operations.announce_overdue``)."""
    unannounced = {OVERDUE_ANNOUNCED: None}
    found = []
    for estate_id in estate_ids(db) if estates is None else estates:
        found += store.scan(db.work_orders, {"estate_id": estate_id, **unannounced, OWED_BY: {"$exists": True, "$lt": now}},
                            ("estate_id",))
    return found


def mark_deadlines_kept(db, estate_id, tz):
    """The estate's open orders' markers are kept on the timezone ``tz`` (the one they were marked on)."""
    db.estates.update_one({"_id": estate_id, "estate_id": estate_id}, {"$set": {"_deadlines_kept": tz}})


# -- equipment ledger -----------------------------------------------------------------

def equipment_of_code(db, estate_id, code):
    """The estate's equipment whose code is ``code`` in any case: one stored before codes were
    case-insensitive is under the id of its code as typed (``ledger.equipment_id``), so its twin
    in another case is found by its code, not its id."""
    return db.equipment.find_one({"estate_id": estate_id,
                                  "code": {"$regex": f"^{re.escape(code.strip())}$", "$options": "i"}})


def equipment_systems(db, estate_id, equipment_ids):
    """``{equipment id: its system}`` of the estate's pieces among ``equipment_ids`` (None left out)."""
    wanted = sorted(i for i in equipment_ids if i)
    if not wanted:
        return {}
    return {doc["_id"]: doc["system"] for doc in db.equipment.find({"estate_id": estate_id, "_id": {"$in": wanted}},
                                                                   {"system": 1})}


def retirements_owing_jobs(db, estate_id):
    """The estate's retired pieces whose jobs' sweep is owed (``ledger.JOBS_OWED``), through its sparse index."""
    return list(db.equipment.find({"estate_id": estate_id, JOBS_OWED: True}).limit(100))


def plan_jobs_from(db, estate_id, equipment_id, day, statuses):
    """The ids of the piece's plan jobs due on ``day`` or after, in one of ``statuses``, by due day
    (through the ``(estate_id, due_on)`` index: a plan's jobs alone have one)."""
    return [doc["_id"] for doc in db.work_orders.find(
        {"estate_id": estate_id, "due_on": {"$gte": day}, "equipment_id": equipment_id,
         "source.type": "maintenance_plan", "status": {"$in": list(statuses)}}, {"_id": 1}).sort(
        [("due_on", 1), ("_id", 1)])]


def equipment_out_for(db, estate_id, order_id):
    """The ids of the estate's pieces out of service for the work order ``order_id``, oldest id first."""
    return sorted(doc["_id"] for doc in db.equipment.find(
        {"estate_id": estate_id, "out_of_service.work_order_id": order_id}, {"_id": 1}))


def certificates_coming_due(db, estate_id, before, today):
    """The estate's pieces whose certificate is valid until a day before ``before`` and not announced
    yet (``ledger.CERTIFICATE_DUE_ANNOUNCED``), in use on ``today`` (not retired: ``in_use_on``), through
    the ``(estate_id, certificate.valid_until)`` index: ``{_id}`` each; the sweep stamps and announces
    each (``operations.announce_certificates_due``)."""
    return store.scan(db.equipment, {"estate_id": estate_id, "certificate.valid_until": {"$lt": before},
                                     "_certificate_due_at": None, **in_use_on(today)}, ())


def in_use_on(today):
    """The query of the pieces not retired on ``today`` (none, or retired from a later day:
    ``ledger.retired_on``)."""
    return {"$or": [{"retired": None}, {"retired.on": {"$gt": today}}]}


def list_equipment(db, estate_id, filters, limit, cursor, unregistered=None, in_use=None):
    """``out_of_service=true``: the pieces out of service now (停运), ``false`` those in service;
    ``retired=true``: those retired for good (报废 / 停用, from whatever day), ``false`` those never retired;
    ``certificate_expires_before``: those whose certificate is valid until a day before it (a piece with
    none known is left out: not expired), and with ``unregistered`` (systems) the pieces of those
    systems with no certificate as well (the due list's 未登记合格证); ``in_use``: a day, the pieces not
    retired on it alone (the due list's: ``in_use_on``)."""
    filters = dict(filters)
    down = filters.pop("out_of_service", None)
    retired = filters.pop("retired", None)
    expiring = filters.pop("certificate_expires_before", None)
    query = {**custom_fields.plain_filters(filters), **_custom_query(db, estate_id, "equipment", filters)}
    both = []  # each ``$or`` of the query, all of them met
    if down is not None:
        query["out_of_service.since"] = {"$exists": down == "true"}
    if retired is not None:
        query["retired"] = {"$ne": None} if retired == "true" else None
    if expiring is not None and unregistered:
        both.append({"$or": [{"certificate.valid_until": {"$lt": expiring}},
                             {"system": {"$in": list(unregistered)}, "certificate": None}]})
    elif expiring is not None:
        query["certificate.valid_until"] = {"$lt": expiring}
    if in_use is not None:
        both.append(in_use_on(in_use))
    if both:
        query["$and"] = both
    return store.page(db.equipment, {"estate_id": estate_id, **query}, limit, cursor)


# what a lift shows to who reads no ledger (a guard's incident form): no records, no state, no custom values
LIFT_FIELDS = ("code", "location")


def list_lifts(db, estate_id, limit, cursor):
    """``GET …/lifts``: the estate's lifts (system ``elevator``) with their id, code and location
    alone (``LIFT_FIELDS``), through ``(estate_id, system)``: the incident form's picker, for a
    guard who reads no ledger."""
    return store.page(db.equipment, {"estate_id": estate_id, "system": "elevator"}, limit, cursor,
                      shown=lambda piece: {"id": piece["_id"], **{name: piece.get(name) for name in LIFT_FIELDS}})


def count_records(db, estate_id, equipment_id):
    """How many records the piece has: the size of its bucket of ``RECORDED``."""
    return db.equipment_records.count_documents({"estate_id": estate_id, "equipment_id": equipment_id})


def records_of(db, estate_id, equipment_id):
    """Every record of the piece, by when each was made (``GET …/equipment/{id}``'s ``records``)."""
    return list(db.equipment_records.find({"estate_id": estate_id, "equipment_id": equipment_id})
                .sort([("at", 1), ("_id", 1)]))


def records_page(db, estate_id, equipment_id, filters, limit, cursor, shown):
    """A page of the piece's records in the order of their moment ``at`` (``newest_first=true``:
    backwards), of a ``kind``, made ``from``/``to`` (``calendar.filter_range``: a day is the
    estate's local day, a ``to`` day the whole day; 400 for a ``to`` before the ``from``), through
    ``RECORDED`` or its kind's index: the range walked, not every record of the piece."""
    return store.page(db.equipment_records, records_query(db, estate_id, {**filters, "equipment_id": equipment_id}),
                      limit, cursor, shown=shown, newest_first=filters.get("newest_first") == "true", by="at")


def records_query(db, estate_id, filters):
    """The records of the estate's ledger a list's filters select: of one piece (``equipment_id``),
    of a ``kind``, made ``from``/``to`` (a ``to`` before the ``from`` a 400: an export's is refused
    by it before its job is made, ``service.check_export_filters``)."""
    query = {"estate_id": estate_id}
    for name in ("equipment_id", "kind"):
        if name in filters:
            query[name] = filters[name]
    made = calendar.filter_range(filters, replica.estate_timezone(db, estate_id))
    if made:
        query["at"] = made
    return query


def estate_records_page(db, estate_id, filters, limit, cursor, shown):
    """``GET …/equipment-records``: a page of the estate's records across its ledger (or one piece's),
    as a piece's page reads them (``records_page``), through ``RECORDED`` for one piece and
    ``LEDGER_RECORDED`` for the estate's."""
    return store.page(db.equipment_records, records_query(db, estate_id, filters), limit, cursor, shown=shown,
                      newest_first=filters.get("newest_first") == "true", by="at")


def export_records(db, estate_id, filters):
    """Every record the list's filters select, in the order they were made (an export's pass), each
    with its piece's code, name, system and location, read ``exports.ADDRESS_BATCH`` records at a time."""
    batch = []
    for doc in db.equipment_records.find(records_query(db, estate_id, filters), batch_size=1000).sort(
            [("at", 1), ("_id", 1)]):
        batch.append(doc)
        if len(batch) == exports.ADDRESS_BATCH:
            yield from _with_pieces(db, estate_id, batch)
            batch = []
    yield from _with_pieces(db, estate_id, batch)


def _with_pieces(db, estate_id, batch):
    """The batch's records each with its piece and, for a completed order's, the order's ``materials``
    (the parts a repair used, which the record's notes, its summary, may not name): one read of each."""
    pieces = {doc["_id"]: doc for doc in db.equipment.find(
        {"estate_id": estate_id, "_id": {"$in": sorted({doc["equipment_id"] for doc in batch})}},
        {"code": 1, "name": 1, "system": 1, "location": 1})}
    orders = {doc["_id"]: doc for doc in db.work_orders.find(
        {"estate_id": estate_id, "_id": {"$in": sorted({doc["work_order_id"] for doc in batch if doc.get("work_order_id")})}},
        {"materials": 1})}
    for doc in batch:
        piece = pieces.get(doc["equipment_id"]) or {}
        yield {**doc, "equipment": {name: piece.get(name) for name in ("code", "name", "system", "location")},
               "materials": (orders.get(doc.get("work_order_id")) or {}).get("materials") or []}


def keep_earlier_records(db, documents):
    """Records an earlier version kept in their equipment's array (``ledger.record_document`` each),
    inserted under their ids without events (each was announced when it was added); one there
    already stays as it is, so a move begun again inserts nothing twice."""
    for document in documents:
        store.insert_new(db.equipment_records, document)


# the registry's mark of the once-per-estate move of the records earlier versions kept in their
# equipment's array (operations.move_earlier_records)
RECORDS_MOVED = "_equipment_records_moved"


def equipment_with_earlier_records(db, estate_id):
    """``{_id}`` of the estate's equipment that still has an array of records."""
    return list(db.equipment.find({"estate_id": estate_id, "records": {"$exists": True}}, {"_id": 1}))


# -- preventive plans -----------------------------------------------------------------

def list_plans(db, estate_id, filters, limit, cursor):
    return store.page(db.maintenance_plans, {"estate_id": estate_id, **filters}, limit, cursor)


def plan_jobs_due(db, estate_id, first, last):
    """``{(plan id, due_on): job}`` of the work orders and inspections the estate's plans opened for
    the days ``[first, last]``, through ``(estate_id, due_on)`` on each (a plan's jobs are the
    orders and inspections with a ``due_on``): the month's, not every order the estate had."""
    days = {"$gte": first, "$lte": last}
    jobs = {}
    for order in db.work_orders.find({"estate_id": estate_id, "due_on": days},
                                     {"source": 1, "due_on": 1, "number": 1, "status": 1, "completed_at": 1}):
        jobs[(order["source"]["id"], order["due_on"])] = {"type": "work_order", "id": order["_id"], "number": order["number"],
                                            "status": order["status"], "completed_at": order.get("completed_at")}
    for inspection in db.inspections.find({"estate_id": estate_id, "due_on": days},
                                          {"plan_id": 1, "due_on": 1, "status": 1, "completed_at": 1}):
        if inspection.get("plan_id"):
            jobs[(inspection["plan_id"], inspection["due_on"])] = {
                "type": "inspection", "id": inspection["_id"], "number": None, "status": inspection["status"],
                "completed_at": inspection.get("completed_at")}
    return jobs


def plans_of_month(db, estate_id, plan_ids):
    """The estate's active plans, and those of ``plan_ids`` (a stopped plan's jobs of the month)."""
    return list(db.maintenance_plans.find({"estate_id": estate_id, "$or": [
        {"active": True}, {"_id": {"$in": sorted(plan_ids)}}]}))


def equipment_of(db, estate_id, equipment_ids):
    """``{id: piece}`` of the estate's equipment among ``equipment_ids``, without their records."""
    return {doc["_id"]: doc for doc in db.equipment.find(
        {"estate_id": estate_id, "_id": {"$in": sorted(i for i in equipment_ids if i)}},
        {"code": 1, "name": 1, "system": 1, "retired": 1})}


def claim_plan_slot(db, estate_id, slot_id, plan, now):
    """The plan that holds ``slot_id`` once the claim is over (``estate_common.claims_store``):
    ``plan``'s when it took the slot (new, a retry of its own, or taken over from a plan that was
    stopped, or never written by a create that died a minute ago), else the plan that holds it,
    or an active plan of the same slot made before slots were kept. The slot's insert is what two
    concurrent creates race on: a check of the active plans alone let both through."""
    def standing(holder_id):
        holder = db.maintenance_plans.find_one({"_id": holder_id, "estate_id": estate_id}, {"active": 1})
        if holder is None:
            return claims_store.UNWRITTEN
        return claims_store.STANDS if holder.get("active") else claims_store.ENDED

    def unclaimed():
        twin = db.maintenance_plans.find_one({"estate_id": estate_id, "equipment_id": plan["equipment_id"],
                                              "kind": plan["kind"], "every_days": plan["every_days"],
                                              "active": True, "_id": {"$ne": plan["_id"]}}, {"_id": 1})
        return twin and twin["_id"]

    return claims_store.claim(db.plan_slots, estate_id, slot_id, plan["_id"], now, standing, field="plan_id",
                              unclaimed=unclaimed)


def stopped_twins(db, estate_id, data):
    """The stopped plans of the same equipment, kind and interval as ``data``."""
    return list(db.maintenance_plans.find({"estate_id": estate_id, "equipment_id": data["equipment_id"],
                                           "kind": data["kind"], "every_days": data["every_days"],
                                           "active": False}, {"next_due_on": 1}))


def release_plan_slot(db, estate_id, slot_id, plan_id):
    claims_store.release(db.plan_slots, estate_id, [slot_id], plan_id, field="plan_id")


def active_plans_of(db, estate_id, equipment_id):
    """The piece's active plans (a retired piece's are cancelled: ``ledger.plan_cancelled``)."""
    return list(db.maintenance_plans.find({"estate_id": estate_id, "equipment_id": equipment_id, "active": True}))


def plan_inspections_from(db, estate_id, plan_id, day, status):
    """The ids of the plan's inspections due on ``day`` or after in ``status``, by due day (through the
    ``(estate_id, due_on)`` index)."""
    return [doc["_id"] for doc in db.inspections.find(
        {"estate_id": estate_id, "due_on": {"$gte": day}, "plan_id": plan_id, "status": status},
        {"_id": 1}).sort([("due_on", 1), ("_id", 1)])]


def estates_with_plans(db):
    return sorted(db.maintenance_plans.distinct("estate_id", {"active": True}))


def plans_due(db, estate_id, until):
    return list(db.maintenance_plans.find({"estate_id": estate_id, "active": True, "next_due_on": {"$lte": until}}))


# -- checklists and inspections --------------------------------------------------------

def list_checklists(db, estate_id, filters, limit, cursor):
    return store.page(db.checklists, {"estate_id": estate_id, **filters}, limit, cursor)


def checklist_use(db, estate_id, checklist_id):
    """What uses a checklist: ``inspection`` (one opened with it), ``plan`` (a plan scheduling it), or None."""
    if db.inspections.find_one({"estate_id": estate_id, "checklist_id": checklist_id}, {"_id": 1}):
        return "inspection"
    if db.maintenance_plans.find_one({"estate_id": estate_id, "checklist_id": checklist_id}, {"_id": 1}):
        return "plan"
    return None


def list_inspections(db, estate_id, filters, limit, cursor):
    return store.page(db.inspections, {"estate_id": estate_id, **filters}, limit, cursor)


# -- budgets --------------------------------------------------------------------------

def save_budget(db, budget, existing=None):
    """The budget as set, keeping the marks of the keyed calls that set it (``writes.sent_again``)."""
    marked = named.new("budgets", {**budget, writes.STEPS: list((existing or {}).get(writes.STEPS) or [])})
    db.budgets.replace_one({"_id": budget["_id"], "estate_id": budget["estate_id"]}, marked, upsert=True)
    return marked


# -- renovation reviews ---------------------------------------------------------------

def list_reviews(db, estate_id, filters, limit, cursor):
    return store.page(db.renovation_reviews, {"estate_id": estate_id, **filters}, limit, cursor)


# -- what this service closed, reported to archive (estate_common.closed_counts) ----------------

def estate_ids(db):
    """Every estate this service holds a copy of (the registry: the closed-count timer visits each)."""
    return sorted(doc["estate_id"] for doc in db.estates.find({}, {"estate_id": 1}))


def closed_counts(db, estate_id, start, end):
    """Work orders completed or cancelled in ``[start, end)``: a cancelled order by its history's
    cancel step (its ``updated_at`` moves with a later custom-field edit, which moved the order
    into the month of the edit; archive keeps it in the month it was cancelled)."""
    return closed_counts_store.counted(db, estate_id, closed_queries(estate_id, start, end))


def closed_queries(estate_id, start, end):
    """``closed_counts``' query (``closed_counts_store``: counted for archive, and listed when the
    archivist asks which are missing): an order is completed or cancelled once, so one ``$or`` of
    the two; known by its number (WO-…)."""
    window = {"$gte": start, "$lt": end}
    return {"work_orders": ("work_orders", {"estate_id": estate_id, "$or": [
        {"completed_at": window},
        {"status": "cancelled", "history": {"$elemMatch": {"action": "cancel", "at": window}}}]}, "number")}


def equipment_record(db, estate_id, equipment_id, record_id):
    """One record of a piece of the estate's equipment as stored (``equipment_records``), or None."""
    return db.equipment_records.find_one({"_id": record_id, "estate_id": estate_id, "equipment_id": equipment_id})



# -- the spare parts store (parts.py) ------------------------------------------------

def list_parts(db, estate_id, filters, limit, cursor):
    """The estate's parts; ``below_minimum``: those to be bought (on hand under the minimum, kept
    on the part by each movement: ``parts._moved``), or not."""
    query = {"estate_id": estate_id}
    if "below_minimum" in filters:
        query["below_minimum"] = filters["below_minimum"] == "true"
    # without their movements: read on the part's own page and paged apart
    return store.page(db.parts, query, limit, cursor, shown=parts.shown)


def _waiting(db, estate_id, query, keep):
    """The movements still on the estate's parts (``parts.PENDING``) that ``query`` (on the parts) finds
    and ``keep`` (a movement document) keeps. Read before their collection, as every reader here does: a
    movement is inserted there before it is taken off its part, so one copied between the two reads is
    found in the second (read the other way round, it would be in neither)."""
    found = db.parts.find({"estate_id": estate_id, parts.PENDING: {"$exists": True}, **query},
                          {"estate_id": 1, parts.PENDING: 1})
    return [doc for part in found for doc in parts.pending(part) if keep(doc)]


def count_values_in(db, estate_id, start, end):
    """The values (signed cents) of the stocktake differences (``parts.count``) recorded in
    ``[start, end)``: the period's counts, in their collection and still on their parts."""
    waiting = _waiting(db, estate_id, {"movements": {"$elemMatch": {"kind": "count", "at": {"$gte": start, "$lt": end}}}},
                       lambda doc: doc["kind"] == "count" and start <= doc["at"] < end)
    stored = db.part_movements.find({"estate_id": estate_id, "kind": "count", "at": {"$gte": start, "$lt": end}})
    return [doc["value_cents"] for doc in parts.merged(list(stored), waiting)]


def late_return_values_in(db, estate_id, start, end):
    """The values (cents) of the parts returned after their order's sign-off (``parts.give_back``) of the
    orders signed off in ``[start, end)``: the cost corrections of that period."""
    waiting = _waiting(db, estate_id, {"movements.after_sign_off": True},
                       lambda doc: doc.get("after_sign_off") and start <= doc["order_completed_at"] < end)
    stored = db.part_movements.find({"estate_id": estate_id, "order_completed_at": {"$gte": start, "$lt": end}})
    return [doc["value_cents"] for doc in parts.merged(list(stored), waiting)]


def parts_held_by(db, estate_id, order_id):
    """``({part id: part}, movements)``: the movements of the work order (issued to it, given back), in
    their collection and still on their parts, and those parts."""
    waiting = _waiting(db, estate_id, {"movements.work_order_id": order_id},
                       lambda doc: doc.get("work_order_id") == order_id)
    stored = list(db.part_movements.find({"estate_id": estate_id, "work_order_id": order_id}))
    movements = parts.merged(stored, waiting)
    held = {part["_id"]: part for part in db.parts.find(
        {"estate_id": estate_id, "_id": {"$in": sorted({doc["part_id"] for doc in movements})}}, {"name": 1})}
    return held, movements


def part_order_movements(db, part, order_id):
    """The part's movements of the work order: in their collection and still on the part."""
    stored = db.part_movements.find({"estate_id": part["estate_id"], "work_order_id": order_id, "part_id": part["_id"]})
    return parts.merged(list(stored), [doc for doc in parts.pending(part) if doc.get("work_order_id") == order_id])


def latest_movements(db, part, most):
    """The part's latest ``most`` movements, in the order they were made: in their collection and still on
    the part."""
    stored = db.part_movements.find({"estate_id": part["estate_id"], "part_id": part["_id"]}).sort(
        [("at", -1), ("_id", -1)]).limit(most)
    return parts.merged(list(stored), parts.pending(part))[-most:]


def movements_page(db, part, filters, limit, cursor):
    """``GET …/parts/{id}/movements``: a page of the part's movements in the order they were made
    (``newest_first=true``: backwards), of a ``kind``, through ``(estate_id, part_id[, kind], at, _id)``."""
    query = {"estate_id": part["estate_id"], "part_id": part["_id"]}
    if "kind" in filters:
        query["kind"] = filters["kind"]
    return store.page(db.part_movements, query, limit, cursor, shown=parts.shown_movement,
                      newest_first=filters.get("newest_first") == "true", by="at")


def find_movement(db, part, movement_id):
    """A movement of the part by its id, in its collection or still on the part; None."""
    found = db.part_movements.find_one({"_id": movement_id, "estate_id": part["estate_id"]})
    return found or next((doc for doc in parts.pending(part) if doc["_id"] == movement_id), None)


def keep_movements(db, documents):
    """Movements a part's write made (``parts.movement_document`` each), inserted under their ids without
    events (each was announced by that write); one there already stays as it is, so a copy begun again
    inserts nothing twice."""
    for document in documents:
        store.insert_new(db.part_movements, document)


def take_pending(db, estate_id, part_id, movement_ids, kept=None):
    """The movements ``movement_ids``, in their collection now, taken off their part (``parts.PENDING``),
    with ``kept`` (fields an earlier version's part lacked) set; the array removed once empty (the
    sweep's index holds the parts that have one). Bookkeeping outside the revision: it commutes with
    the next movement's append, and nothing the API shows changes."""
    scope = {"_id": part_id, "estate_id": estate_id}
    update = {"$pull": {parts.PENDING: {"id": {"$in": list(movement_ids)}}}}
    if kept:
        update["$set"] = kept
    db.parts.update_one(scope, update)
    db.parts.update_one({**scope, parts.PENDING: {"$size": 0}}, {"$unset": {parts.PENDING: ""}})


def movement_returned_late(db, estate_id, movement_id, order_completed_at):
    """A return that reached its order after the sign-off kept as a late one (``parts.kept_as_late_return``:
    ``after_sign_off``, the cost correction of the period of ``order_completed_at``), in its collection."""
    db.part_movements.update_one({"_id": movement_id, "estate_id": estate_id},
                                 {"$set": {"after_sign_off": True, "order_completed_at": order_completed_at}})


def movement_reached(db, estate_id, movement_id):
    """The movement has reached its work order (``parts.TO_REACH`` removed): the sweep leaves it."""
    db.part_movements.update_one({"_id": movement_id, "estate_id": estate_id}, {"$unset": {parts.TO_REACH: ""}})


def parts_pending_before(db, before_iso):
    """``{_id, estate_id}`` of the parts, of every estate, with a movement not copied to its collection
    made before ``before_iso`` (a crash between the two writes, an earlier version's array)."""
    return list(db.parts.find({"movements.at": {"$lt": before_iso}}, {"estate_id": 1}))


def movements_waiting_before(db, before_iso):
    """How many movements, of every estate, made before ``before_iso`` are still kept on their parts (not
    copied to their collection: ``parts_pending_before``)."""
    return sum(sum(1 for movement in doc.get(parts.PENDING) or () if movement["at"] < before_iso)
               for doc in db.parts.find({"movements.at": {"$lt": before_iso}}, {parts.PENDING: 1}))


def movements_to_reach_before(db, before_iso):
    """The movements, of every estate, made before ``before_iso`` that have not reached their order."""
    return list(db.part_movements.find({parts.TO_REACH: True, "at": {"$lt": before_iso}}))
