"""customer-service's repository: the only module of the service that touches its database.

Every document carries ``estate_id`` and every query is scoped by it. Documents that
change (requests, applications, keys, custody items, tool loans) carry ``_rev``: a step
is written through ``estate_common.writes`` only if nobody wrote the document since it was
read (compare-and-set), so two desks acting at once cannot both win; the loser's step is
decided again on what the winner wrote.
"""
import re
from datetime import timedelta

from estate_common import (calendar, clock, closed_counts, common_store, custom_fields, leases_store,
                           custom_fields_store, export_store, ids, jobs, numbering, phones, replica, settings, store, writes)
from estate_common.errors import BusinessRuleViolation, Conflict, NotFound, field_error
from estate_common.text import address_spellings

from . import surveys
from .applications import BEFORE_WORKS
from .complaint_analysis import UNRECORDED
from .domain import TECHNICIAN_FILTER
from .rules import BOUNDED_SINCE, CHOICES, DEFAULTS, FOLLOWS, MAXIMA, MINIMA

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]

INDEXES = {
    **replica.INDEXES,
    # the copies in the lists' order: the current month's owner contacts due (``owed_households``), a
    # page of them, and whether a copy lacks its registration (``contacts_kept_on_households``)
    "households": [*replica.INDEXES["households"], ([("estate_id", 1), ("created_at", 1), ("_id", 1)], {})],
    **closed_counts.INDEXES,
    "service_requests": [
        (PAGED, {}),
        (store.SYNCED, {}),  # an integrator's sync: the list's updated_since, in (updated_at, _id) order
        ([("estate_id", 1), ("kind", 1), ("status", 1)], {}),
        ([("estate_id", 1), ("household_id", 1)], {}),
        ([("estate_id", 1), ("number", 1)], {}),
        # the overdue sweep and filter: unanswered and not stamped first (equality), then the
        # deadline (a range): led by the deadline, each sweep walked every request of the past
        ([("estate_id", 1), ("answered_at", 1), ("overdue_at", 1), ("due_at", 1)], {}),
        ([("estate_id", 1), ("_tracking_hash", 1)], {}),  # the owner portal's tracking view
        # the portal repairs marked urgent (``?urgency=``): the desk's start page reads the pending ones
        ([("estate_id", 1), ("portal.urgent", 1), ("portal.urgent_confirmed", 1)], {}),
        # the portal filings waiting for the desk to name their household (``?matched=false``):
        # the desk's start page reads them
        ([("estate_id", 1), ("portal.matched", 1)], {}),
        # the low portal ratings owing a call back (``?call_back=``): the desk's start page reads them
        ([("estate_id", 1), ("portal.rating.call_back_due", 1), ("portal.rating.called_back", 1)], {}),
        # and an owner app's (``owner_rating``: the requests it registered)
        ([("estate_id", 1), ("owner_rating.call_back_due", 1), ("owner_rating.called_back", 1)], {}),
        # a technician's list and export: the repairs his work orders come from, in the list's order
        ([("estate_id", 1), ("_technicians", 1), ("created_at", 1), ("_id", 1)], {}),
        # the desk's week (desk_week): the repairs completed in it (last, or before a follow-up), the
        # requests closed in it
        ([("estate_id", 1), ("kind", 1), ("completed_at", 1)], {}),
        ([("estate_id", 1), ("kind", 1), ("return_visits.work_completed_at", 1)], {}),
        ([("estate_id", 1), ("closed_at", 1)], {}),
        # the closes a complaint's reopenings ended (复诉), counted for archive (closed_counts)
        ([("estate_id", 1), ("reopenings.ended.closed_at", 1)], {}),
        # the KPIs' month of requests (``kpi_reads``): a complaint's deadline, a repair's return visits, an
        # owner's rating, the deadlines a complaint's reopenings ended (the reopened ones alone)
        ([("estate_id", 1), ("kind", 1), ("due_at", 1)], {}),
        ([("estate_id", 1), ("kind", 1), ("return_visits.visited_at", 1)], {}),
        ([("estate_id", 1), ("portal.rating.rated_at", 1)], {}),
        ([("estate_id", 1), ("owner_rating.rated_at", 1)], {}),
        ([("estate_id", 1), ("reopenings.ended.due_at", 1)],
         {"partialFilterExpression": {"reopenings.ended.due_at": {"$exists": True}}}),
        # the requests handed to a colleague (``?handler=``, handling.transfer), in the list's order
        ([("estate_id", 1), ("handler.user", 1), ("created_at", 1), ("_id", 1)], {}),
        # an occupant's request to see his data (``requests_by_phone``): his phone's requests, newest first
        ([("estate_id", 1), ("_phones", 1), ("created_at", 1), ("_id", 1)], {}),
        # the calls that joined a fault's work order (``joins_work_order_id``), closed with it
        ([("estate_id", 1), ("joins_work_order_id", 1), ("status", 1)], {}),
        # the calls about a planned cut (``outage_notice_id``), counted on its notice (``outage_calls``)
        ([("estate_id", 1), ("outage_notice_id", 1)], {"partialFilterExpression": {
            "outage_notice_id": {"$exists": True}}}),
    ],
    **settings.INDEXES,
    **jobs.INDEXES,
    **export_store.INDEXES,
    "surveys": [(PAGED, {})],
    "survey_answers": [(PAGED, {}), ([("estate_id", 1), ("survey_id", 1)], {})],
    "notices": [(PAGED, {}),
                # the notices naming an incident (``?incident_id=``: the manager's view of its night), in the
                # list's order
                ([("estate_id", 1), ("incident_id", 1), ("created_at", 1), ("_id", 1)], {}),
                # the notices naming a work order (``?work_order_id=``: the view reads them for each of the
                # incident's orders, the anomaly's it took over too, whose notices name no incident; r1)
                ([("estate_id", 1), ("work_order_id", 1), ("created_at", 1), ("_id", 1)], {})],
    "keys": [(PAGED, {})],
    "custody_items": [(PAGED, {})],
    # goods release passes (物品放行条): the gate finds one by the number printed on it, once each
    "goods_release_passes": [(PAGED, {}), ([("estate_id", 1), ("number", 1)], {"unique": True}),
                             ([("estate_id", 1), ("household_id", 1), ("created_at", 1), ("_id", 1)], {})],
    # the cleaning and greening contractors' checks (upkeep.py): the contractors of a line, a
    # contractor's findings of a month (``contractor_findings``), the open ones past due
    # 社区文化活动 (activities.py): the list by start; the KPI's ratings by when they were given
    "activities": [(PAGED, {}), ([("estate_id", 1), ("starts_at", 1), ("_id", 1)], {}),
                   ([("estate_id", 1), ("ratings.rated_at", 1)], {})],
    "contractors": [(PAGED, {}), ([("estate_id", 1), ("service_line", 1), ("created_at", 1), ("_id", 1)], {})],
    "upkeep_findings": [(PAGED, {}), ([("estate_id", 1), ("contractor_id", 1), ("period", 1)], {}),
                        ([("estate_id", 1), ("status", 1), ("due_at", 1)], {}),
                        ([("estate_id", 1), ("due_at", 1)], {})],
    "contractor_months": [(PAGED, {}), ([("estate_id", 1), ("contractor_id", 1), ("period", 1)], {})],
    # an inspection's upkeep fault of a line no contractor is engaged for, handed back to maintenance (r2)
    "upkeep_unassigned_faults": [(PAGED, {})],
    # paid value-added services (有偿增值服务, paid_services.py): the price list, the orders by number,
    # household and status
    "paid_services": [(PAGED, {})],
    "service_orders": [(PAGED, {}), ([("estate_id", 1), ("number", 1)], {"unique": True}),
                       ([("estate_id", 1), ("household_id", 1), ("created_at", 1), ("_id", 1)], {}),
                       ([("estate_id", 1), ("status", 1), ("created_at", 1), ("_id", 1)], {})],
    # damage claims (损失登记、理赔): a household's, the open ones, a month's (``damage_claim_query``)
    "damage_claims": [(PAGED, {}), ([("estate_id", 1), ("number", 1)], {"unique": True}),
                      ([("estate_id", 1), ("household_ids", 1), ("created_at", 1), ("_id", 1)], {}),
                      ([("estate_id", 1), ("status", 1), ("created_at", 1), ("_id", 1)], {}),
                      ([("estate_id", 1), ("occurred_at", 1)], {})],
    "tool_loans": [(PAGED, {}),
                   # the loans out past their due-back time (``tool_loan_query``'s ``overdue``)
                   ([("estate_id", 1), ("status", 1), ("due_back_at", 1)], {})],
    "applications": [
        (PAGED, {}),
        ([("estate_id", 1), ("household_id", 1), ("kind", 1)], {}),
        # one application of a kind under way per household, two filed at once included
        # (``applications.marked``)
        ([("estate_id", 1), ("household_id", 1), ("kind", 1), ("_under_way", 1)],
         {"unique": True, "partialFilterExpression": {"_under_way": True}}),
        # the works ended (``application_query``'s ``works_ended``), by status: the renovations
        # awaiting their joint acceptance are ``status=works_started&works_ended=true``
        ([("estate_id", 1), ("status", 1), ("works_to", 1)], {}),
    ],
    common_store.FEE_PRICES: common_store.FEE_PRICES_INDEXES,  # copies of finance's per-charge standards
    "rectification_plans": [(PAGED, {})],
    "owner_contacts": [
        (PAGED, {}),
        ([("estate_id", 1), ("kind", 1), ("contacted_at", 1)], {}),
        # a household's last steward contact (the due list's last_contacted_at: store.last_contacted)
        ([("estate_id", 1), ("household_id", 1), ("kind", 1), ("contacted_at", 1)], {}),
        # a household's, in the list's order either way (its page shows the newest)
        ([("estate_id", 1), ("household_id", 1), ("created_at", 1), ("_id", 1)], {}),
        # the contacts not put on their household's copy yet (``contacts_not_on_households``)
        ([("estate_id", 1), ("_on_household", 1)], {}),
    ],
    **custom_fields_store.INDEXES,
    # the estate's cut guard (``cut_guard``): one document an estate while a planned cut's window is
    # read and judged or changed, its _id the estate's
    "locks": [([("estate_id", 1)], {})],
}

NAMES = {  # collection -> what the API calls one of its documents
    "service_requests": "service request", "surveys": "survey", "notices": "notice", "keys": "key",
    "custody_items": "custody item", "tool_loans": "tool loan", "goods_release_passes": "goods release pass",
    "paid_services": "paid service", "service_orders": "service order",
    "damage_claims": "damage claim", "activities": "activity",
    "applications": "application", "rectification_plans": "rectification plan",
    "owner_contacts": "owner contact",
    "contractors": "contractor", "upkeep_findings": "upkeep finding", "contractor_months": "contractor month",
    "upkeep_unassigned_faults": "unassigned upkeep fault",
}


# -- settings ---------------------------------------------------------------------

def rules_for(db, estate_id, as_of=None):
    """The estate's numbers (its settings over DEFAULTS) and its ``timezone``, the estate's
    calendar: master data from archive (the read copy), not a setting of this service."""
    numbers = settings.for_estate(db, DEFAULTS, estate_id, maxima=MAXIMA, minima=MINIMA, choices=CHOICES,
                                   as_of=as_of, bounded_since=BOUNDED_SINCE, follows=FOLLOWS)
    return numbers | {"timezone": estate_timezone(db, estate_id)}


def estate_timezone(db, estate_id):
    """The estate's calendar, from its read copy (archive's master data)."""
    return replica.estate_timezone(db, estate_id)


# -- read copies of master data ---------------------------------------------------

def estate_since(db, estate_id):
    """When the estate was registered (its copy's ``created_at``); None for a copy from before
    estate events carried it, until archive restates the estate."""
    estate = replica.get(db, "estate", estate_id, estate_id)
    return estate and estate.get("created_at")


def estate(db, estate_id):
    return replica.get(db, "estate", estate_id, estate_id)


def known_household(db, estate_id, household_id, field="data.household_id"):
    household = replica.get(db, "household", estate_id, household_id)
    if household is None:
        raise BusinessRuleViolation("household is not known in this estate",
                                    [field_error(field, "no such household in this estate")])
    return household


def known_households(db, estate_id, household_ids, field):
    """``known_household`` of each of ``household_ids`` in one read (an attendance's thousands of walk-ins
    were read one by one, r4 reviewing h4): 422 naming ``field(index)`` of the first unknown."""
    known = {doc["_id"] for doc in db[replica.COLLECTIONS["household"]].find(
        {"estate_id": estate_id, "_id": {"$in": sorted(set(household_ids))}}, {"_id": 1})}
    for index, household_id in enumerate(household_ids):
        if household_id not in known:
            raise BusinessRuleViolation("household is not known in this estate",
                                        [field_error(field(index), "no such household in this estate")])


def estate_id_by_code(db, code):
    """The estate a public path names by its code; 404 (saying nothing more) when none has it."""
    return replica.public_estate_id(db, code)


def estate_by_code(db, code):
    """``estate_id_by_code``'s copy of the estate (its ``_id`` and ``retired_at``), in the same read."""
    return replica.public_estate(db, code)


def household(db, estate_id, household_id):
    return replica.get(db, "household", estate_id, household_id)


def household_flats(db, estate_id, household_ids):
    """``{household id: building-unit-room}`` from the household copies (its id while its copy
    has not come): how a history's note names a household."""
    return replica.flats(db, estate_id, household_ids)


def household_buildings(db, estate_id, household_ids):
    """``{household id: building}`` of those of ``household_ids`` whose copy has come, in one read
    (the complaint analysis counts a period's complaints by building)."""
    wanted = sorted({h for h in household_ids if h})
    if not wanted:
        return {}
    return {h["_id"]: h.get("building") for h in db.households.find(
        {"estate_id": estate_id, "_id": {"$in": wanted}}, {"building": 1})}


def known_building(db, estate_id, building, field="data.building"):
    """A building of the estate: one a household copy names (422 otherwise: a notice to a
    building "99" the estate does not have was published, found by review)."""
    # as archive keeps it (full-width digits read as ASCII), or as a copy made before it did, in
    # any common form of it (3号楼 is the building 3: archive's list finds its households so)
    if db.households.find_one({"estate_id": estate_id, "building": {"$in": address_spellings(building, "building")}},
                              {"_id": 1}) is None:
        raise BusinessRuleViolation("building is not known in this estate",
                                    [field_error(field, "no household of this estate is in this building")])


def kpi_households(db, estate_id, building=None):
    """The estate's household copies as the KPIs read them: when each was registered and handed
    over (``owner_contacts.owed_from``); ``building``: that building's alone, read as the
    households' list reads it (3号楼 is 3). Not their flats: the owner contacts due list reads
    those of its page alone (``flats``)."""
    query = {"estate_id": estate_id}
    if building:
        query["building"] = {"$in": address_spellings(building, "building")}
    return list(db.households.find(query, {"created_at": 1, "occupied_from": 1}))


def flats(db, estate_id, household_ids):
    """``{household id: {building, unit, room}}`` of the estate's copies of ``household_ids`` (a page)."""
    return {doc.pop("_id"): doc for doc in db.households.find(
        {"estate_id": estate_id, "_id": {"$in": sorted(household_ids)}}, {"building": 1, "unit": 1, "room": 1})}


# -- any document -----------------------------------------------------------------

# the one write path (estate_common.writes) on a collection named here, and reads by id
# the one write path; a service request's updated_at is the moment of each write that changes what
# the API shows of it (an integrator's sync: the list's updated_since)
named = writes.Named(NAMES, stamped=("service_requests",))
insert, find, get, referenced = named.insert, named.find, named.get, named.referenced
change, follow, create, write = named.change, named.follow, named.create, named.write


def page(db, collection, estate_id, filters, limit, cursor, newest_first=False):
    return store.page(db[collection], {"estate_id": estate_id, **filters}, limit, cursor, newest_first=newest_first)


# what the list of activities reads of each (``activities.summary``): its own fields and, of its sign-ups,
# attendance and ratings, what its figures count; not each sign-up's household, time and reason, nor the
# history, which an estate-wide activity holds by the thousand (the list read them whole: session 61)
ACTIVITY_SUMMARY_READ = {name: 1 for name in (
    "estate_id", "title", "kind", "place", "description", "starts_at", "ends_at", "signup_deadline", "capacity",
    "budget_cents", "actual_cost_cents", "status", "moves", "cancelled", "created_at", "updated_at", "created_by",
    "signups.status", "signups.people", "attendance.present", "ratings.score")}


def activity_page(db, estate_id, query, limit, cursor):
    """A page of the estate's activities, each read as ``ACTIVITY_SUMMARY_READ`` says."""
    return store.page(db.activities, {"estate_id": estate_id, **query}, limit, cursor,
                      projection=ACTIVITY_SUMMARY_READ)


def damage_claim_query(filters, window):
    """The list filters of ``GET …/damage-claims`` as a query: ``status`` as stored, ``household_id``
    one of the households affected, ``open`` (``true``: not paid nor withdrawn), ``number`` as typed,
    ``source_id``, ``party`` (who is responsible); ``window``: ``[start, end)`` of the period the
    damage occurred in."""
    filters, query = dict(filters), {}
    if filters.get("status"):
        query["status"] = filters["status"]
    if filters.get("household_id"):
        query["household_ids"] = filters["household_id"]
    if "open" in filters:
        closed = ["paid", "withdrawn"]
        query.setdefault("$and", []).append({"status": {"$nin": closed} if filters["open"] == "true"
                                             else {"$in": closed}})
    if filters.get("number"):
        query["number"] = numbering.canonical(filters["number"])
    if filters.get("source_id"):
        query["source.id"] = filters["source_id"]
    if filters.get("party"):
        query["responsibility.party"] = filters["party"]
    if window:
        query["occurred_at"] = {"$gte": window[0], "$lt": window[1]}
    return query


def tool_loan_query(filters, now):
    """The list filters of ``GET …/tool-loans`` as a query: status and household as stored;
    ``overdue``: ``true`` the loans still out whose ``due_back_at`` is before ``now``, ``false``
    the others (returned, or not due back yet; a loan made before every loan had a due-back time
    has none and is never overdue)."""
    filters = dict(filters)
    overdue = filters.pop("overdue", None)
    if overdue is None:
        return filters
    late = {"status": "out", "due_back_at": {"$ne": None, "$lt": now}}
    if overdue != "true":
        return {**filters, "$nor": [late]}
    if filters.get("status", "out") != "out":  # both met, not the asked status replaced: none is late
        return {**filters, "$and": [late]}
    return {**filters, **late}


def owner_contact_query(filters, month):
    """The list filters of ``GET …/owner-contacts`` as a query: household and kind as stored;
    ``period``: the contacts whose ``contacted_at`` is within ``month``, its ``[start, end)`` on the
    estate's calendar (``calendar.month_bounds``), the month the KPI counts each in."""
    filters = dict(filters)
    if filters.pop("period", None) is None:
        return filters
    return {**filters, "contacted_at": {"$gte": month[0], "$lt": month[1]}}


def walk_owner_contacts(db, estate_id, query):
    """Every owner contact of ``query`` (``owner_contact_query``) in the list's order (an export's pass)."""
    return store.walk(db.owner_contacts, {"estate_id": estate_id, **query})


def application_query(filters, days):
    """The list filters of ``GET …/applications`` as a query: kind, status and household as
    stored; ``works_ended``: ``true`` the applications whose works started and whose window's
    last day (``works_to``) is before ``today``, the estate's day, or, filed without a last day,
    that started before ``started_before`` (``applications.open_ended_works_since``); ``false`` the
    others (works not started, or their last day today or later). ``window_lapsed``: ``true`` the
    applications still open before their works (``applications.BEFORE_WORKS``) whose window's last
    day is before ``today``; ``false`` the others. ``days``: ``(today, started_before)``, asked
    only with either."""
    filters = dict(filters)
    asked = {name: filters.pop(name) for name in ("works_ended", "window_lapsed") if name in filters}
    if not asked:
        return filters
    today, started_before = days
    conditions = {
        "works_ended": {"works_started_at": {"$ne": None}, "$or": [
            {"works_to": {"$ne": None, "$lt": today}},
            {"works_to": None, "works_started_at": {"$lt": started_before}}]},
        # a plain move-in's window is none to keep (no works: applications.is_plain_move_in), one
        # filed with dates before they were refused at the filing too
        "window_lapsed": {"works_started_at": None, "status": {"$in": list(BEFORE_WORKS)},
                          "works_to": {"$ne": None, "$lt": today},
                          "$nor": [{"kind": "move_in", "structural_change": False}]},
    }
    return {**filters, "$and": [conditions[name] if value == "true" else {"$nor": [conditions[name]]}
                                for name, value in asked.items()]}


def list_filters(filters):
    """Query-string filters as stored values (they arrive as text: ``year=2026``)."""
    return {name: int(value) if name == "year" else value for name, value in filters.items()}


def notice_filters(filters, now):
    """``building``: the notices that building's residents see, its own and the estate's (a
    building's list left out the estate-wide notices: a probe), typed as notices keep it;
    ``current``: ``true`` those on the board at ``now`` (no ``shown_until``, a notice with no last
    day or published before notices had one, or one still to come), ``false`` those past their last
    day or withdrawn (``front_desk.shown_until``, ``withdraw_notice``)."""
    filters, clauses = dict(filters), []
    building = filters.pop("building", "").strip()  # blank: no building asked (it found none: a probe)
    if building:  # as typed too: a notice stored before buildings were NFKC-read (review); 3号楼 is 3
        spellings = address_spellings(building, "building")  # a notice to 3-5 is building 4's too
        clauses.append({"$or": [{"building": {"$in": spellings + [None]}}, {"buildings": {"$in": spellings}}]})
    current = filters.pop("current", None)
    if current == "true":
        clauses.append({"$or": [{"shown_until": None}, {"shown_until": {"$gt": now}}]})
    elif current == "false":
        filters["shown_until"] = {"$lte": now}
    if clauses:
        filters["$and"] = clauses
    return filters


def newest_notices(db, estate_id, filters, limit, now):
    """The ``limit`` newest notices (``notice_filters``), newest first: the owner portal's board."""
    return list(db.notices.find({"estate_id": estate_id, **notice_filters(filters, now)})
                .sort([("created_at", -1), ("_id", -1)]).limit(limit))


# -- service requests -------------------------------------------------------------

def next_number(db, estate_id, series):
    return store.next_number(db, estate_id, series)


def known_request(db, estate_id, request_id):
    if find(db, "service_requests", estate_id, request_id) is None:
        raise BusinessRuleViolation("the related request is not known in this estate",
                                    [field_error("data.related_request_id", "no such service request in this estate")])


def known_notice(db, estate_id, notice_id, field):
    """A notice of the estate a request names (a call about a planned cut's), 422 naming ``field`` else."""
    notice = find(db, "notices", estate_id, notice_id)
    if notice is None:
        raise BusinessRuleViolation("the notice is not known in this estate",
                                    [field_error(field, "no such notice in this estate")])
    return notice


def cuts_standing(db, estate_id, utility, building, now):
    """计划停水停电: the notices of the estate's planned cuts of ``utility`` standing at ``now`` (begun,
    the service not back by the notice's ``expected_restoration_at`` as last revised, not withdrawn)
    that reach ``building`` (theirs, or the whole estate's: ``notice_filters``), oldest first; of any
    utility when ``utility`` is None (an unclassified repair's warning: ``front_desk.cut_warnings``)."""
    query = {"estate_id": estate_id, "outage.starts_at": {"$lte": now},
             "expected_restoration_at": {"$gt": now}, "withdrawn": None, "outage.cancelled": None,
             **({"outage.utility": utility} if utility else {}),
             **notice_filters({"building": building or ""}, now)}
    return list(db.notices.find(query, {"title": 1, "expected_restoration_at": 1, "outage.utility": 1})
                .sort([("created_at", 1), ("_id", 1)]))


def lock_cut_guard(db, estate_id, now_iso, expires_iso):
    """计划停水停电: take the estate's cut guard, the lock under which a planned cut's window is read and
    judged (a repair's registration, a portal filing, a match) or changed (a notice of a cut published,
    moved, called off), ``(lock_id, token, estate_id)``; Conflict while another holds it (unexpired).
    A move racing a registration was judged on the window the registration read before it (h4)."""
    return leases_store.take(db.locks, estate_id, ids.natural_id("lock", estate_id, "cut-guard"), now_iso, expires_iso,
                             "a planned cut of the estate is being changed or judged by another call; try again in a moment")


def cut_guard_held(db, lock, seconds):
    """The cut guard ``lock`` (taken by ``lock_cut_guard`` for ``seconds``) held while a block runs, each
    write checked against it, given back at its end (``leases_store.held``)."""
    return leases_store.held(db.locks, lock, seconds)


def outage_calls(db, estate_id, notice_ids):
    """``{notice id: calls}``: how many requests name each of ``notice_ids`` as the planned cut they
    are about (``outage_notice_id``), one read of the index, their ids alone."""
    wanted = sorted({notice_id for notice_id in notice_ids if notice_id})
    if not wanted:
        return {}
    counts = {}
    for doc in db.service_requests.find({"estate_id": estate_id, "outage_notice_id": {"$in": wanted}},
                                        {"outage_notice_id": 1}):
        counts[doc["outage_notice_id"]] = counts.get(doc["outage_notice_id"], 0) + 1
    return counts


def order_in_hand(db, estate_id, order_id, field="data.joins_work_order_id"):
    """The work order of the estate a call about a fault joins (``joins_work_order_id``): one
    maintenance announced and has not completed nor cancelled (a 422 naming the field else)."""
    order = db.in_hand_orders.find_one({"_id": order_id, "estate_id": estate_id})
    if order is None or order.get("done"):
        raise BusinessRuleViolation("the work order is not one in hand in this estate", [field_error(
            field, "no work order of this estate that is not completed or cancelled")])
    return order


def order_kept(db, estate_id, order_id):
    """The work order as kept from maintenance's events (``keep_order_in_hand``; ``done`` once completed
    or cancelled), or None: its created event not handled yet."""
    return db.in_hand_orders.find_one({"_id": order_id, "estate_id": estate_id})


def keep_order_in_hand(db, estate_id, order):
    """maintenance's ``work_order_created``: the order kept (id, number, its source: an incident's
    names the incident a notice about it tells of; its priority and response deadline, which a call
    joining it is promised: ``repairs.joined_promise``), open unless its completion or cancellation
    came first (each event type has its queue)."""
    db.in_hand_orders.update_one({"_id": order["id"], "estate_id": estate_id},
                                 {"$setOnInsert": {"done": False, "number": order["number"]},
                                  "$set": {"source": order.get("source")}}, upsert=True)
    # its priority and deadline as created, unless a marking came first (``keep_order_marked``)
    db.in_hand_orders.update_one({"_id": order["id"], "estate_id": estate_id, "marked_emergency": {"$ne": True}},
                                 {"$set": {"priority": order.get("priority"),
                                           "response_due_at": order.get("response_due_at")}})


def keep_order_marked(db, estate_id, order):
    """maintenance's ``work_order_marked_emergency``: the order kept the emergency with its new response
    deadline (a call joining it later is promised that), whichever of its creation and the marking comes
    first (each event type has its queue). The kept order is answered."""
    db.in_hand_orders.update_one({"_id": order["id"], "estate_id": estate_id},
                                 {"$setOnInsert": {"done": False, "number": order["number"],
                                                   "source": order.get("source")},
                                  "$set": {"priority": order["priority"], "response_due_at": order["response_due_at"],
                                           "marked_emergency": True}}, upsert=True)
    return db.in_hand_orders.find_one({"_id": order["id"], "estate_id": estate_id})


def keep_incident_marking(db, estate_id, event):
    """maintenance's ``work_order_marked_emergency`` naming an incident (its join of the call's own order):
    kept with the order (its event's id, moment, actor and data: no personal data), so that the order's
    creation handled after it promises the order's own call (``operations.work_order_created``; each event
    type has its queue: the marking first found the call naming no order, found by r4 reviewing h4)."""
    kept = {key: event.get(key) for key in ("event_id", "estate_id", "occurred_at", "actor", "data")}
    db.in_hand_orders.update_one({"_id": event["data"]["id"], "estate_id": estate_id},
                                 {"$addToSet": {"incident_markings": kept}})


def incident_markings(db, estate_id, order_id):
    """The incidents' markings of the order kept (``keep_incident_marking``), in the order they came."""
    order = db.in_hand_orders.find_one({"_id": order_id, "estate_id": estate_id}, {"incident_markings": 1})
    return list((order or {}).get("incident_markings") or ())


def known_order(db, estate_id, order_id, field="data.work_order_id"):
    """A work order of the estate customer service was told of (``keep_order_in_hand``), in hand or
    done: a notice tells of its fault (a 422 naming the field else, another estate's too)."""
    order = db.in_hand_orders.find_one({"_id": order_id, "estate_id": estate_id})
    if order is None:
        raise BusinessRuleViolation("no such work order in this estate", [field_error(
            field, "no work order of this estate that customer service was told of")])
    return order


def order_done(db, estate_id, order, closing=None):
    """The order completed or cancelled: no call joins it any more. ``closing``: how it closed
    (its event's id, moment and actor, when and how it was done: no personal data), with which a call
    written as it closed is closed after (``operations.close_if_order_done``)."""
    db.in_hand_orders.update_one({"_id": order["id"], "estate_id": estate_id},
                                 {"$set": {"done": True, "number": order["number"],
                                           **({"closing": closing} if closing else {}),
                                           # the cause its completion found (a damage claim from it reads it)
                                           **({"cause": order["cause"]} if order.get("cause") else {})}},
                                 upsert=True)


def orders_done(db, estate_id, order_ids):
    """``{order id: {number, how, at}}`` of those of ``order_ids`` maintenance completed or cancelled
    (``order_done``; ``how`` and ``at`` None for one closed before its closing was kept), one read."""
    wanted = sorted({order_id for order_id in order_ids if order_id})
    if not wanted:
        return {}
    found = db.in_hand_orders.find({"estate_id": estate_id, "_id": {"$in": wanted}, "done": True},
                                   {"number": 1, "closing": 1})
    return {doc["_id"]: {"number": doc.get("number"), "how": (doc.get("closing") or {}).get("how"),
                         "at": (doc.get("closing") or {}).get("done_at")} for doc in found}


def naming_done_orders(db, estate_id, query, done=True):
    """``query`` (``notice_filters``') narrowed to the notices naming a work order done
    (``orders_done``): the orders of the notices it finds read once, then those done among them;
    ``done=False``: those naming one still in hand."""
    named = [doc.get("work_order_id") for doc in db.notices.find(
        {"estate_id": estate_id, **query, "work_order_id": {"$ne": None}}, {"work_order_id": 1})]
    finished = sorted(orders_done(db, estate_id, named))
    if done:
        return {"$and": [query, {"work_order_id": {"$in": finished}}]}
    return {"$and": [query, {"work_order_id": {"$ne": None}}, {"work_order_id": {"$nin": finished}}]}


def order_closing(db, estate_id, order_id):
    """How the order ``order_id`` closed (``order_done``'s ``closing``), or None while it is in hand."""
    order = db.in_hand_orders.find_one({"_id": order_id, "estate_id": estate_id}, {"done": 1, "closing": 1})
    return (order or {}).get("closing") if (order or {}).get("done") else None


def joined_requests(db, estate_id, order_id):
    """The ids of the calls that joined ``order_id`` and still wait for it (not completed with it,
    visited or closed: a redelivered completion reads none of those again)."""
    return [doc["_id"] for doc in db.service_requests.find(
        {"estate_id": estate_id, "joins_work_order_id": order_id, "status": {"$in": ["open", "dispatched"]}},
        {"_id": 1})]


def by_tracking_hash(db, estate_id, digest):
    """The portal request whose tracking code hashes to ``digest``; 404 (saying nothing more)."""
    found = db.service_requests.find_one({"estate_id": estate_id, "_tracking_hash": digest}, {"_id": 1})
    if found is None:
        raise NotFound("not found")  # as for an unknown estate code: nothing tells the code exists
    return found["_id"]


def similar_recent_repair(db, estate_id, household_id, category, since, until, judged_id):
    """The latest repair of the household in the same category registered from ``since`` to
    ``until``, the registration of the repair judged (``judged_id``, itself left out): a portal
    repair matched to its household later was taken for a repeat of one the desk registered after
    it (found by review). A call that joined a fault's order (``joins_work_order_id``: a building's
    water cut) is not the flat's own repair, and nothing repeats it."""
    earlier = list(db.service_requests.find(
        {"estate_id": estate_id, "household_id": household_id, "kind": "repair", "category": category,
         "created_at": {"$gte": since, "$lte": until}, "_id": {"$ne": judged_id}, "joins_work_order_id": None},
        {"_id": 1}).sort([("created_at", -1), ("_id", -1)]).limit(1))
    return earlier[0]["_id"] if earlier else None


# ``?urgency=``: the portal repairs marked urgent, not judged yet, made an emergency or kept ordinary
URGENCY = {"pending": {"portal.urgent": True, "portal.urgent_confirmed": None},
           "confirmed": {"portal.urgent": True, "portal.urgent_confirmed": True},
           "declined": {"portal.urgent": True, "portal.urgent_confirmed": False}}


# ``?call_back=``: the owners' ratings low enough to owe a call back, not recorded yet or recorded:
# a portal filer's (portal.rating) or an owner app's (owner_rating), a request having one or the other
_CALLED_BACK = {"owed": None, "done": {"$ne": None}}
CALL_BACK = {state: {"$or": [{f"{path}.call_back_due": True, f"{path}.called_back": called}
                             for path in ("portal.rating", "owner_rating")]}
             for state, called in _CALLED_BACK.items()}


# ``?q=``: the request's own text searched, what the owner said and what the desk wrote of it: the
# description, the complaint's summary, nature and finding, the reply, the outcome, and the
# reasons an owner gave for reopening it (``reopenings``). Not the caller's name or phone (the
# phone search of households finds a caller), not the history's notes.
SEARCHED_TEXT = ("description", "complaint.summary", "complaint.nature", "complaint.finding", "reply", "outcome",
                 "reopenings.reason")


def text_search(text):
    """The condition of ``?q=``: one of ``SEARCHED_TEXT`` holds ``text`` (the spaces around it
    dropped), in any case, as typed (escaped: a "." is a dot, not any character). Both stores
    take it (MongoDB's ``$regex``, the embedded store's ``re``); it scans the estate's requests
    in the list's order, a page at a time, as the users' and estates' searches do."""
    holds = {"$regex": re.escape(text.strip()), "$options": "i"}
    return {"$or": [{field: holds} for field in SEARCHED_TEXT]}


def request_query(estate_id, filters, now, tz):
    """The query of ``GET …/service-requests``: kind, status, household, channel, number (as typed:
    ``numbering.canonical``); created_at from/to
    (a day is the estate's local day in ``tz``, and a ``to`` day takes in the whole day);
    ``overdue``: past due_at without an answer (a reply; for a repair, its work started or completed);
    ``return_visit_overdue``: completed repairs whose return visit is past due; ``follow_up_overdue``:
    repairs whose return visit found a problem and whose follow-up order has not reached the desk by
    the written notice's ``notice_due_at`` (DOMAIN.md: within 24 hours, ``follow_up_notice_hours``); ``escalated``:
    complaints escalated to the manager; ``matched``: portal filings whose household the desk has
    named (``true``) or not yet (``false``); ``judged``: complaints judged valid or not (``true``), or
    not yet (``false``: with ``status=closed``, those the valid-complaint rate counts as not valid);
    ``verified``: complaints whose verification (调查核实, due the same day) is recorded or not yet,
    whatever their status (the desk's start page lists ``false``: one escalated before its
    verification still owes it; a reply verifies one, so none replied or closed is ``false``);
    ``handler``: the requests handed to that colleague (``handling.transfer``); ``closed``: closed
    (``true``) or in any other status (``false``: a colleague's requests still to handle);
    ``q``: a part of the request's own text (``text_search``), never logged;
    ``joins_work_order_id``: the calls about a fault that joined that work order (``repairs.joined_fault``);
    ``domain.TECHNICIAN_FILTER`` (set by ``domain.readable_filters``, never by a caller): the
    requests whose ``_technicians`` hold the name."""
    query = {"estate_id": estate_id}
    for name in ("kind", "status", "household_id", "channel", "joins_work_order_id"):
        if name in filters:
            query[name] = filters[name]
    if (filters.get("handler") or "").strip():  # the requests handed to a colleague (handling.transfer); blank: any
        query["handler.user"] = filters["handler"].strip()
    if TECHNICIAN_FILTER in filters:
        query["_technicians"] = filters[TECHNICIAN_FILTER]  # an array holding the name
    if "number" in filters:
        query["number"] = numbering.canonical(filters["number"])
    created = calendar.filter_range(filters, tz)
    if created:
        query["created_at"] = created
    overdue = {"due_at": {"$lt": now}, "answered_at": None}
    conditions = []
    if "closed" in filters:  # still to handle (false: any status but closed), or done
        conditions.append({"status": "closed"} if filters["closed"] == "true" else {"status": {"$ne": "closed"}})
    if filters.get("overdue") == "true":
        query.update(overdue)
    elif filters.get("overdue") == "false":
        conditions.append({"$nor": [overdue]})
    # a return visit's problem whose written notice to maintenance (repairs.new_follow_up) has had no order
    # back by its notice_due_at: the status names the repair's open follow-up, the element its lack of an order
    late_follow_up = {"status": "follow_up", "follow_ups": {"$elemMatch": {
        "work_order_id": None, "completed_at": None, "notice_due_at": {"$lt": now}}}}
    if filters.get("follow_up_overdue") == "true":  # kind too, top level: the index led by estate_id, kind, status
        query.setdefault("kind", "repair")
        conditions.append(late_follow_up)
    elif filters.get("follow_up_overdue") == "false":
        conditions.append({"$nor": [late_follow_up]})
    if filters.get("return_visit_overdue") == "true":
        conditions.append({"status": "completed", "return_visit_due_at": {"$lt": now}})
    elif filters.get("return_visit_overdue") == "false":
        conditions.append({"$nor": [{"status": "completed", "return_visit_due_at": {"$lt": now}}]})
    if "escalated" in filters:
        conditions.append({"complaint.escalated": True} if filters["escalated"] == "true"
                          else {"complaint.escalated": {"$ne": True}})
    if "judged" in filters:
        conditions.append({"kind": "complaint", "valid": {"$ne": None} if filters["judged"] == "true" else None})
    if "department" in filters:  # 责任部门 (complaints.verify, found_later); unrecorded: none named (r2 of h2)
        query.setdefault("kind", "complaint")
        named = filters["department"]
        conditions.append({"kind": "complaint", "complaint.department": None if named == UNRECORDED else named})
    if "verified" in filters:  # kind too, top level: the index led by estate_id, kind serves it
        query.setdefault("kind", "complaint")
        conditions.append({"kind": "complaint",
                           "complaint.verified_at": {"$ne": None} if filters["verified"] == "true" else None})
    if "urgency" in filters:  # a portal repair its filer marked urgent, by the desk's judgement (portal.match)
        query.update(URGENCY[filters["urgency"]])
    if "call_back" in filters:  # a low owner's rating, the owner called back or not (portal.rate, owner_rate)
        conditions.append(CALL_BACK[filters["call_back"]])
    if "matched" in filters:  # a portal filing, its household named by the desk or still awaited
        query["portal.matched"] = filters["matched"] == "true"
    if "q" in filters:  # "I called last week about the water leak": the words, not the number
        conditions.append(text_search(filters["q"]))
    if conditions:
        query["$and"] = conditions
    return query


def readable_request(db, estate_id, request_id, filters):
    """The request ``request_id`` when ``filters`` (what the caller reads:
    ``domain.readable_filters``, the list's rule) select it; otherwise a 404, as for one that is not
    there (a technician's view of a complaint, or of a repair none of his orders come from)."""
    found = None if filters is None else db.service_requests.find_one(
        {**request_query(estate_id, filters, None, None), "_id": request_id})  # no dates: no clock, no calendar
    if found is None:
        raise NotFound(f"no such {NAMES['service_requests']} in this estate")
    return found


def list_requests(db, estate_id, filters, now, limit, cursor):
    """A page of ``_listed_requests``; with ``updated_since``, the requests changed since then in
    ``(updated_at, _id)`` order (``estate_common.store.page``)."""
    return store.page(db.service_requests, _listed_requests(db, estate_id, filters, now), limit, cursor,
                      updated_since=filters.get("updated_since"))


def _listed_requests(db, estate_id, filters, now):
    """``request_query``, also equal on the ``custom.<key>`` filters (read by the field's type:
    ``estate_common.custom_fields.filter_query``): the list's and the export's."""
    query = _request_query_in_estate(db, estate_id, custom_fields.plain_filters(filters), now)
    if custom_fields.custom_filters(filters):
        query.update(custom_fields.filter_query(custom_definitions(db, estate_id, "service_request"), filters))
    return query


def custom_definitions(db, estate_id, resource):
    """The estate's custom-field definitions of ``resource`` (archived ones too)."""
    return custom_fields_store.definitions(db, estate_id, [resource])


def export_requests(db, estate_id, filters, now):
    """Every service request the list's filters select, in the list's order (an export's pass);
    with ``updated_since``, as the list's, those changed since then in ``(updated_at, _id)`` order."""
    return store.walk(db.service_requests, _listed_requests(db, estate_id, filters, now),
                      filters.get("updated_since"))


def _request_query_in_estate(db, estate_id, filters, now):
    """``request_query`` on the estate's calendar (its timezone, from the estate's read copy)."""
    return request_query(estate_id, filters, now, estate_timezone(db, estate_id))


OVERDUE_FIELDS = ("estate_id",)

# indexes an older version made, dropped at start-up (estate_common.store.drop_retired_indexes)
RETIRED_INDEXES = {"service_requests": ["estate_id_1_due_at_1_answered_at_1"]}


def newly_overdue(db, now, estates=None):
    """Requests past their due time without an answer that are not stamped yet, estate by estate
    (the registry, or ``estates``), each through the ``(estate_id, answered_at, overdue_at, due_at)`` index: ``{_id,
    estate_id}`` each; the sweep stamps each through the write path. (One query across estates
    could use no index: on MongoDB, a scan of every request every minute.)"""
    # an unmatched portal request waits for its household (its events carry one): see portal.py
    pending = {"due_at": {"$lt": now}, "answered_at": None, "overdue_at": None, "household_id": {"$ne": None}}
    return [found for estate_id in (estate_ids(db) if estates is None else estates)
            for found in store.scan(db.service_requests, {"estate_id": estate_id, **pending}, OVERDUE_FIELDS)]


# -- surveys ----------------------------------------------------------------------

def insert_answer(db, answer):
    if not insert(db, "survey_answers", answer):
        raise Conflict("this household has answered this survey already")


def answers_of(db, estate_id, survey_id):
    return list(db.survey_answers.find({"estate_id": estate_id, "survey_id": survey_id}))


# -- KPIs -------------------------------------------------------------------------

def steward_contacts(db, estate_id, start, end):
    """``(household id, contacted_at)`` of each steward contact within [start, end) (the contact KPI)."""
    found = db.owner_contacts.find({"estate_id": estate_id, "kind": "steward_contact",
                                    "contacted_at": {"$gte": start, "$lt": end}},
                                   {"household_id": 1, "contacted_at": 1})
    return [(contact["household_id"], contact["contacted_at"]) for contact in found]


# how far back the due list's one read of a page's last contacts looks (last_contacted): over a
# year, so that a household contacted at all in the last year (monthly, as the KPI asks) is found
# by it, and the years before are not read
LAST_CONTACT_WINDOW = timedelta(days=400)


def last_contacted(db, estate_id, household_ids, before):
    """``{household id: its last steward contact before ``before``}`` for the households that had
    one: a page of the due list (up to 200) in one read of their contacts of the
    ``LAST_CONTACT_WINDOW`` before ``before`` through ``(estate_id, household_id, kind,
    contacted_at)`` (``household_id: {$in: ...}``: covered by the index on MongoDB, a bucket per
    household on the embedded store), each household's latest kept (some 13 contacts each, however
    long its history); and one more read, of the contacts before that, for the households it did
    not find (never contacted: nothing to read; not in over a year: their older contacts). Two
    reads a page where there were 200 (one each, sorted, limit 1): on MongoDB 200 round trips."""
    found = {}

    def latest(contacted_at):
        for contact in db.owner_contacts.find({"estate_id": estate_id, "household_id": {"$in": sorted(missing)},
                                               "kind": "steward_contact", "contacted_at": contacted_at},
                                              {"household_id": 1, "contacted_at": 1, "_id": 0}):
            if contact["contacted_at"] > found.get(contact["household_id"], ""):
                found[contact["household_id"]] = contact["contacted_at"]

    missing = set(household_ids)
    if not missing:
        return found
    since = clock.to_iso(clock.parse_iso(before) - LAST_CONTACT_WINDOW)
    latest({"$gte": since, "$lt": before})
    missing -= set(found)
    if missing:
        latest({"$lt": since})
    return found


# -- the steward contacts kept on each household's copy (the current month's due list) ------------

NOT_ON_HOUSEHOLD = {"_on_household": {"$exists": False}}
CONTACTS_BATCH = 500  # contacts put on their households at a time by the sweep


def contacts_not_on_households(db, estate_id, batch):
    """Up to ``batch`` of the estate's contacts not put on their household's copy yet (recorded before
    they were kept, by a replica of the version before, or by a call stopped between its two writes):
    the null entries of the index ``(estate_id, _on_household)``."""
    return list(db.owner_contacts.find({"estate_id": estate_id, **NOT_ON_HOUSEHOLD},
                                       {"estate_id": 1, "household_id": 1, "kind": 1, "contacted_at": 1})
                .limit(batch))


def keep_on_household(db, estate_id, household_id, keep, tries=5):
    """The household's copy's kept steward contacts (``_steward_contacts``) made ``keep(kept)``, a
    compare-and-set on ``_steward_rev`` (two contacts of one household at once both land); True once
    written or already so (or no copy: nothing to keep), False when others kept writing it."""
    for _ in range(tries):
        copy = db.households.find_one({"_id": household_id, "estate_id": estate_id},
                                      {"_steward_contacts": 1, "_steward_rev": 1})
        if copy is None:
            return True
        kept = keep(copy.get("_steward_contacts") or [])
        if kept == copy.get("_steward_contacts"):
            return True
        revision = copy.get("_steward_rev")
        if db.households.update_one(
                {"_id": household_id, "estate_id": estate_id,
                 "_steward_rev": revision if revision is not None else {"$exists": False}},
                {"$set": {"_steward_contacts": kept, "_steward_rev": (revision or 0) + 1}}).modified_count:
            return True
    return False


def mark_on_household(db, contact):
    """The contact marked put on its household's copy: 1 if marked now, 0 if it was."""
    return db.owner_contacts.update_one({"_id": contact["_id"], "estate_id": contact["estate_id"], **NOT_ON_HOUSEHOLD},
                                        {"$set": {"_on_household": True}}).modified_count


UNREGISTERED_COPY = {"created_at": None}  # a copy made before events carried the registration
REGISTRATIONS_BATCH = 500  # such copies given their estate's registration at a time by the sweep


def copies_unregistered(db, estate_id, batch):
    """Up to ``batch`` of the estate's household copies with no registration (``created_at``): the
    null entries of ``(estate_id, created_at, _id)``."""
    return list(db.households.find({"estate_id": estate_id, **UNREGISTERED_COPY}, {"estate_id": 1}).limit(batch))


def register_as_estate(db, household, registered):
    """The copy given ``registered`` (its estate's registration) as its ``created_at``, marked
    ``_registered_from: "estate"``, unless it has one by now: 1 if written now."""
    return db.households.update_one(
        {"_id": household["_id"], "estate_id": household["estate_id"], **UNREGISTERED_COPY},
        {"$set": {"created_at": registered, "_registered_from": "estate"}}).modified_count


def contacts_kept_on_households(db, estate_id):
    """Whether the estate's copies answer the current month's due list (``owed_households``): every
    contact is on its household's copy, and every copy has its registration (a copy made before
    copies carried it has no place in the lists' order): two probes of null entries."""
    return (db.owner_contacts.count_documents({"estate_id": estate_id, **NOT_ON_HOUSEHOLD}, limit=1) == 0
            and db.households.count_documents({"estate_id": estate_id, **UNREGISTERED_COPY}, limit=1) == 0)


def owed_households(db, estate_id, owed, building, limit, cursor):
    """A page of the estate's copies ``owed`` selects (``owner_contacts.kept_owed_query``), in the
    lists' order (``created_at``, ``_id``) with their cursors, each with its kept contacts, and how
    many there are in all: the index ``(estate_id, created_at, _id)`` walked until the page is full,
    and a count of the same, where every copy and the month's contacts were read for each page."""
    query = {"estate_id": estate_id, **owed}
    if building:
        query["building"] = {"$in": address_spellings(building, "building")}
    page = store.page(db.households, query, limit, cursor, shown=lambda doc: {
        "_id": doc["_id"], "created_at": doc["created_at"], "_steward_contacts": doc.get("_steward_contacts")})
    return page, db.households.count_documents(query)


def applications_of(db, estate_id, household_id, kind):
    """A household's applications of one kind (a few in its life), with their status."""
    return list(db.applications.find({"estate_id": estate_id, "household_id": household_id, "kind": kind},
                                     {"kind": 1, "status": 1}))


def surveys_of_year(db, estate_id, year, end):
    """The service lines of each survey of ``year`` that some household's answer scored before
    ``end`` (the survey KPIs' year so far; None: whenever, the year's surveys filed after it
    included), for the surveys with such an answer: a survey made and never put to anyone met
    "once a year per service line" (found by a probe)."""
    return list(scored_surveys_of_year(db, estate_id, year, end).values())


def scored_surveys_of_year(db, estate_id, year, end):
    """``surveys_of_year`` by survey: ``{survey id: its lines scored}``, in the order they were made."""
    before = {} if end is None else {"$lt": end}
    asked = {s["_id"]: s["service_lines"] for s in db.surveys.find(
        {"estate_id": estate_id, "year": int(year), **({"created_at": before} if before else {})},
        {"service_lines": 1, "created_at": 1})}
    scored = {}
    if asked:
        for answer in db.survey_answers.find({"estate_id": estate_id, "survey_id": {"$in": sorted(asked)},
                                              **({"answered_at": before} if before else {})},
                                             {"survey_id": 1, "scores": 1}):
            scored.setdefault(answer["survey_id"], set()).update(answer["scores"])
    return {survey_id: [line for line in lines if line in scored[survey_id]]
            for survey_id, lines in asked.items() if survey_id in scored}


def line_scores(db, estate_id, lines):
    """The estate's surveys asking one of ``lines``, in the order they were made, each with its
    lines' counts (``counts``: ``{line: {answers, sum, satisfied}}``, a line nobody scored left
    out): what a rectification plan's lines were scored before and after it
    (``rectifications.line_surveys``). Read from the counts each survey keeps (``keep_line_counts``),
    not from its answers, which were read whole each time a plan was shown (the session 47 note);
    a survey from before it kept them, or whose count of answers is not its answers' (a crash
    between an answer and its count: the index's count, ``(estate_id, survey_id)``), is recounted
    once. Surveys are a few a year."""
    asked = list(db.surveys.find({"estate_id": estate_id, "service_lines": {"$in": sorted(lines)}},
                                 {"title": 1, "year": 1, "created_at": 1, "_line_counts": 1})
                 .sort([("created_at", 1), ("_id", 1)]))
    found = []
    for survey in asked:
        kept = survey.pop("_line_counts", None)
        if kept is None or kept["answers"] != db.survey_answers.count_documents(
                {"estate_id": estate_id, "survey_id": survey["_id"]}):
            kept = keep_line_counts(db, estate_id, survey["_id"])
        found.append({**survey, "counts": {line: counts for line, counts in kept["lines"].items() if line in lines}})
    return found


def count_answer(db, estate_id, survey_id, scores):
    """One answer's ``scores`` added to the counts its survey keeps (``_line_counts``, as
    ``surveys.line_counts`` counts them), atomically: each answer was a recount of every answer of
    the survey (``keep_line_counts``), a survey of a big estate's thousands of households read whole
    again at each answer. A count a crash left behind (the answer written, not counted) or a survey
    whose counts began after its first answers tells itself by its count of answers, and is
    recounted when read (``line_scores``); the revision moves, so that a recount under way at the
    same moment does not write over this one."""
    increments = {"_line_counts.answers": 1, "_counts_rev": 1}
    for line, score in scores.items():
        for name, amount in surveys.counted([score]).items():
            increments[f"_line_counts.lines.{line}.{name}"] = amount
    db.surveys.update_one({"_id": survey_id, "estate_id": estate_id}, {"$inc": increments})


def keep_line_counts(db, estate_id, survey_id, tries=5):
    """The survey's counts (``surveys.line_counts``) recounted from its answers and kept on it
    (``_line_counts``), guarded by its ``_counts_rev`` as read: an answer counted meanwhile
    (``count_answer``) or another recount moves it, and this one reads again rather than write
    counts of fewer answers. For a count a crash left behind, a survey from before the counts, and a
    retried answer. The counts."""
    counts = None
    for _ in range(tries):
        survey = db.surveys.find_one({"_id": survey_id, "estate_id": estate_id}, {"_counts_rev": 1})
        answers = list(db.survey_answers.find({"estate_id": estate_id, "survey_id": survey_id}, {"scores": 1}))
        counts = surveys.line_counts(answers)
        if survey is None or db.surveys.update_one(
                {"_id": survey_id, "estate_id": estate_id, "_counts_rev": survey.get("_counts_rev")},
                {"$set": {"_line_counts": counts}, "$inc": {"_counts_rev": 1}}).matched_count:
            break
    return counts


def manager_visits_between(db, estate_id, start, end):
    """The estate's manager's visits made within [start, end), in the order they were made (who,
    to which household, when; no summary), through ``(estate_id, kind, contacted_at)``."""
    return list(db.owner_contacts.find(
        {"estate_id": estate_id, "kind": "manager_visit", "contacted_at": {"$gte": start, "$lt": end}},
        {"household_id": 1, "contacted_at": 1, "by": 1}).sort([("contacted_at", 1), ("_id", 1)]))


def count_manager_visits(db, estate_id, start, end):
    return db.owner_contacts.count_documents({"estate_id": estate_id, "kind": "manager_visit",
                                              "contacted_at": {"$gte": start, "$lt": end}})


# what the KPIs (kpis.estate_kpis) read of a request: a KPI that reads another field names it here.
# Whole fields of the top level: the embedded store copies those without walking each path (a
# projection of 22 paths cost about as much as the whole requests saved)
KPI_REQUEST_FIELDS = (
    "kind", "created_at", "due_at", "replied_at", "closed_at", "completed_at", "return_visit_due_at",
    "satisfaction", "valid", "reopen_count", "complaint", "return_visits", "reopenings", "reclassifications",
    "portal", "owner_rating", "joins_work_order_id", "withdrawn", "handover_defect")


def kpi_reads(within):
    """The queries of ``kpi_requests``, past the estate: each a range of one date of interest (``within``)
    through an index led by ``estate_id``, of the kind whose KPI counts that date (``kpis``): a complaint's
    deadlines, those its reopenings ended (``complaints.rounds``) among them, and its close; a repair's
    completions (a follow-up's earlier one on the visit that found the problem) and return visits; any
    request's registration (a consultation reclassified since is one), close and owner's rating. A range
    inside an array is asked of one element (``$elemMatch``), so that the index bounds it; the KPIs test
    each element's date themselves. A complaint's earlier rounds are read through a partial index of the
    reopened ones (a date in an array inside another's element bounds no index on the embedded store)."""
    return (
        {"created_at": within},
        {"kind": "complaint", "due_at": within},
        {"reopenings.ended.due_at": within},
        {"closed_at": within},
        {"kind": "repair", "completed_at": within},
        {"kind": "repair", "return_visits": {"$elemMatch": {"work_completed_at": within}}},
        {"kind": "repair", "return_visits": {"$elemMatch": {"visited_at": within}}},
        {"portal.rating.rated_at": within},
        {"owner_rating.rated_at": within},
    )


def kpi_requests(db, estate_id, start, end):
    """The estate's requests with a date the KPIs count within [start, end), each with the fields the
    KPIs read (``KPI_REQUEST_FIELDS``), each once: a big estate's month of 6,000 requests copied whole,
    their histories and descriptions, was most of its KPIs' time (1.4 s of 2.8 under a profile). Read by
    ``kpi_reads``' ranges, each through its estate-led index: one ``$or`` of the nine dates matched every
    request of the estate against each (217 ms of a big estate's KPIs, the session 53 note)."""
    within = {"$gte": start, "$lt": end}
    ids = {}  # the ids first: a request of several dates in the month is copied with its fields once
    for query in kpi_reads(within):
        ids.update(dict.fromkeys(request["_id"] for request in db.service_requests.find(
            {"estate_id": estate_id, **query}, {"_id": 1})))
    return list(db.service_requests.find({"estate_id": estate_id, "_id": {"$in": list(ids)}},
                                         dict.fromkeys(KPI_REQUEST_FIELDS, 1))) if ids else []


def complaints_between(db, estate_id, start, end):
    """The estate's complaints registered within [start, end) (the complaint analysis)."""
    return list(db.service_requests.find({"estate_id": estate_id, "kind": "complaint",
                                          "created_at": {"$gte": start, "$lt": end}}))


# what the desk's week counts of a request (``desk_week.report``): its kind, channel, answer, complaint
# record and, of a repair, its completions and return visits; not its history or description
DESK_WEEK_FIELDS = ("kind", "channel", "due_at", "answered_at", "complaint", "status", "completed_at",
                    "return_visits", "closed_without_visit", "joins_work_order_id", "return_visit_due_at")


def desk_week(db, estate_id, start, end):
    """The requests registered within [start, end), the repairs completed in it (their last
    completion, or one a return visit followed: ``kpis.completions``) and the number of requests
    closed in it (``desk_week.report``): three reads, through the list's index
    ``(estate_id, created_at, _id)``, the ``(estate_id, kind, completed_at)`` and
    ``(estate_id, kind, return_visits.work_completed_at)`` ones and ``(estate_id, closed_at)``; the
    requests with the fields the report counts (``DESK_WEEK_FIELDS``), not whole: a big estate's week
    of 6,000 requests copied with their histories was most of the report's time."""
    within, fields = {"$gte": start, "$lt": end}, dict.fromkeys(DESK_WEEK_FIELDS, 1)
    registered = list(db.service_requests.find({"estate_id": estate_id, "created_at": within}, fields))
    completed = list(db.service_requests.find({"estate_id": estate_id, "kind": "repair", "$or": [
        {"completed_at": within}, {"return_visits.work_completed_at": within}]}, fields))
    closed = db.service_requests.count_documents({"estate_id": estate_id, "closed_at": within})
    return registered, completed, closed


def plans_naming_causes(db, estate_id, period):
    """The estate's rectification plans that name a complaint cause and are open or analyse
    ``period`` (the analysis matches them to its recurring causes); plans are few per estate."""
    return list(db.rectification_plans.find(
        {"estate_id": estate_id, "causes.0": {"$exists": True}, "$or": [{"status": "open"}, {"period": period}]},
        {"causes": 1}))


def closed_plans_naming_causes(db, estate_id):
    """The estate's closed rectification plans that name a complaint cause (whether each recurred
    after it closed: ``rectifications.recurred_after_close``); plans are few per estate."""
    return list(db.rectification_plans.find(
        {"estate_id": estate_id, "status": "closed", "causes.0": {"$exists": True}},
        {"causes": 1, "status": 1, "closed_at": 1}))


def complaints_of_causes_since(db, estate_id, causes, start):
    """The estate's complaints found to be of one of ``causes``, registered from ``start`` on."""
    return list(db.service_requests.find({"estate_id": estate_id, "kind": "complaint",
                                          "complaint.cause": {"$in": list(causes)},
                                          "created_at": {"$gte": start}},
                                         {"complaint": 1, "created_at": 1, "number": 1}))


def unescalated_complaints_closed_between(db, estate_id, start, end):
    """The estate's complaints closed within [start, end) that were never escalated, by closing time."""
    return list(db.service_requests.find({"estate_id": estate_id, "kind": "complaint",
                                          "closed_at": {"$gte": start, "$lt": end},
                                          "complaint.escalated": {"$ne": True}}).sort([("closed_at", 1), ("_id", 1)]))


def complained_about(db, estate_id):
    """Ids of the requests a complaint names as its matter (``related_request_id``)."""
    return {doc["related_request_id"] for doc in db.service_requests.find(
        {"estate_id": estate_id, "kind": "complaint", "related_request_id": {"$ne": None}}, {"related_request_id": 1})}


def upcoming_activities(db, estate_id, now, limit):
    """The estate's planned activities not started yet, soonest first (the owner portal's board)."""
    return list(db.activities.find({"estate_id": estate_id, "status": "planned", "starts_at": {"$gte": now}})
                .sort([("starts_at", 1), ("_id", 1)]).limit(limit))


def activities_rated_between(db, estate_id, start, end):
    """The activities with a rating given in [start, end) (activities.ratings_between picks the ratings)."""
    return list(db.activities.find({"estate_id": estate_id, "ratings.rated_at": {"$gte": start, "$lt": end}},
                                   {"ratings": 1}))


def answers_between(db, estate_id, start, end):
    return list(db.survey_answers.find({"estate_id": estate_id, "answered_at": {"$gte": start, "$lt": end}}))


# -- what this service closed, reported to archive (estate_common.closed_counts) ----------------

def estate_ids(db):
    """Every estate this service holds a copy of (the registry: the closed-count timer visits each)."""
    return sorted(doc["estate_id"] for doc in db.estates.find({}, {"estate_id": 1}))


def closed_queries(estate_id, start, end):
    """Requests closed in ``[start, end)`` (``closed_counts_store``: listed when the archivist asks
    which are missing), known by their number (SR-…): closed now, or a close a reopening (复诉,
    ``complaints.reopen``) ended (``reopenings.ended.closed_at``), whose record archive holds."""
    within = {"$gte": start, "$lt": end}
    return {"service_requests": ("service_requests", {"estate_id": estate_id, "$or": [
        {"closed_at": within}, {"reopenings.ended.closed_at": within}]}, "number")}


def closed_counts(db, estate_id, start, end):
    """The closes made in ``[start, end)``, counted for archive, which holds a
    ``service_request_closed`` record of each in the month it was made: each request's close now,
    and each close of a reopened complaint its reopenings ended (a complaint closed in one month and
    reopened in the next was counted in neither, where archive held its first close; one closed
    twice in a month counted once beside two records)."""
    within = {"$gte": start, "$lt": end}
    closed = db.service_requests.count_documents({"estate_id": estate_id, "closed_at": within})
    earlier = sum(1 for request in db.service_requests.find(
        {"estate_id": estate_id, "reopenings.ended.closed_at": within}, {"reopenings.ended.closed_at": 1})
        for reopening in request.get("reopenings") or ()
        if start <= ((reopening.get("ended") or {}).get("closed_at") or "") < end)
    return {"service_requests": closed + earlier}


# at most this many of one phone's requests answer an occupant's request to see his data, newest first
PHONE_REQUESTS = 500

# the requests stored without their callers' numbers (``_phones``) read at a time by the sweep that
# gives them theirs (``operations.keep_phone_keys``)
PHONE_KEYS_BATCH = 500
UNPHONED = {"_phones": {"$exists": False}}


def requests_without_phones(db, estate_id, batch):
    """Up to ``batch`` of the estate's requests stored without ``_phones``, with their contacts alone:
    the null entries of the index ``(estate_id, _phones, created_at, _id)`` (one probe when none is
    left: MongoDB reads ``$exists: false`` from an index's null bounds, the embedded store from its
    null bucket)."""
    return list(db.service_requests.find({"estate_id": estate_id, **UNPHONED},
                                         {"estate_id": 1, "contact": 1, "portal.contact": 1}).limit(batch))


def keep_phone_keys(db, request, numbers):
    """``request``'s numbers (``_phones``) written unless it has them: 1 if written, 0 if not."""
    return db.service_requests.update_one({"_id": request["_id"], "estate_id": request["estate_id"], **UNPHONED},
                                          {"$set": {"_phones": numbers}}).modified_count


def requests_by_phone(db, estate_id, number):
    """The estate's requests whose caller (``contact.phone``, a portal filer's ``portal.contact.phone``)
    has the phone ``number`` as dialled (``estate_common.phones``), newest first, at most
    ``PHONE_REQUESTS``: through the index ``(estate_id, _phones, created_at, _id)`` (each request's
    numbers, ``intake.phone_keys``), where every request naming a phone was read and each number
    dialled (a big estate's could outlast the gateway's wait: ``unavailable``). A request stored
    before requests kept their numbers has no ``_phones`` and is read apart, as before (those
    alone, the index's null entries: a request kept without a phone has ``[""]``), until the sweep
    ``operations.keep_phone_keys`` gives it them (at the service's start, then on its timer)."""
    newest = [("created_at", -1), ("_id", -1)]
    found = list(db.service_requests.find({"estate_id": estate_id, "_phones": number}).sort(newest)
                 .limit(PHONE_REQUESTS))
    for request in db.service_requests.find({"estate_id": estate_id, **UNPHONED, "$or": [
            {"contact.phone": {"$nin": [None, ""]}}, {"portal.contact.phone": {"$nin": [None, ""]}}]}):
        written = [((request.get("contact") or {}).get("phone")),
                   (((request.get("portal") or {}).get("contact") or {}).get("phone"))]
        if number in (phones.dialled(phone) for phone in written):
            found.append(request)
    found.sort(key=lambda request: (request["created_at"], request["_id"]), reverse=True)
    return found[:PHONE_REQUESTS]


def open_handover_repair(db, estate_id, household_id, item_key, handover_id, statuses):
    """The unit's repair of a defect found at another handover, of the same item (``item_key``:
    ``intake.defect_key``) and still open (``statuses``), or None: a re-inspection's (复查) defect
    found again. Through the index ``(estate_id, household_id, kind)``."""
    return db.service_requests.find_one({"estate_id": estate_id, "household_id": household_id, "kind": "repair",
                                         "_handover_item": item_key, "handover_defect.id": {"$ne": handover_id},
                                         "status": {"$in": list(statuses)}}, sort=[("created_at", 1)])


# -- the cleaning and greening contractors' checks (upkeep.py) --------------------------------

def contractor_findings(db, estate_id, contractor_id, period):
    """A contractor's findings of the local month ``period``, in the order found."""
    return list(db.upkeep_findings.find({"estate_id": estate_id, "contractor_id": contractor_id, "period": period})
                .sort([("found_at", 1), ("_id", 1)]))


def signed_periods(db, estate_id, contractor_id):
    """The months of a contractor the manager has signed (``contractor_months``), as a set."""
    return {doc["period"] for doc in db.contractor_months.find({"estate_id": estate_id, "contractor_id": contractor_id},
                                                               {"period": 1})}


def kpi_upkeep_findings(db, estate_id, start, end):
    """The walk's findings due in [start, end), as the KPI reads them (status, due_at, late)."""
    return list(db.upkeep_findings.find({"estate_id": estate_id, "due_at": {"$gte": start, "$lt": end}},
                                        {"status": 1, "due_at": 1, "late": 1}))


def upkeep_finding_query(filters, now_iso):
    """``GET …/upkeep-findings``: ``contractor_id``, ``service_line``, ``status``, ``period`` as
    stored; ``overdue`` (``true``: not put right and past due_at at ``now_iso``; ``false``: the others)."""
    query, clauses = {}, []
    for name in ("contractor_id", "service_line", "status", "period"):
        if filters.get(name):
            query[name] = filters[name]
    if filters.get("overdue") == "true":
        clauses.append({"status": {"$ne": "put_right"}, "due_at": {"$lt": now_iso}})
    elif filters.get("overdue") == "false":
        clauses.append({"$or": [{"status": "put_right"}, {"due_at": {"$gte": now_iso}}]})
    return {**query, "$and": clauses} if clauses else query


def engaged_contractor(db, estate_id, service_line):
    """The estate's engaged contractor of ``service_line``, the first registered; None without one."""
    return db.contractors.find_one({"estate_id": estate_id, "service_line": service_line, "active": True},
                                   sort=[("created_at", 1), ("_id", 1)])


def contractor_query(filters):
    """``GET …/contractors``: ``service_line``; ``active`` (true/false)."""
    query = {}
    if filters.get("service_line"):
        query["service_line"] = filters["service_line"]
    if filters.get("active") in ("true", "false"):
        query["active"] = filters["active"] == "true"
    return query
