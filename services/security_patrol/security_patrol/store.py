"""security-patrol's repository: the only module of the service that touches its database.

A round, an incident and a parking session each change through the one write path
(``estate_common.writes``): a single-document write guarded by the revision it was decided
on, so two guards acting at once cannot both pass a check the other one changed; the
loser re-reads and gets the answer its state now gives.
"""
from datetime import timedelta
from functools import partial

from estate_common import (calendar, claims_store, clock, closed_counts, closed_counts_store, common_store, export_store, jobs, leases_store,
                           ids, phones, replica, settings, store, writes)
from estate_common.errors import BusinessRuleViolation, Conflict, field_error

from . import gate, patrols, roster
from .rules import ALLOWED, BOUNDED_SINCE, DEFAULTS, MAXIMA, MINIMA

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]

INDEXES = {
    **replica.INDEXES,
    **closed_counts.INDEXES,
    common_store.FEE_PRICES: common_store.FEE_PRICES_INDEXES,  # copies of finance's per-charge standards
    "patrol_routes": [(PAGED, {})],
    "patrol_plans": [(PAGED, {}), ([("estate_id", 1), ("route_id", 1)], {})],
    # one per route and minute of the day a plan not stopped starts a round at (patrols.round_claim_id)
    "patrol_plan_claims": [([("estate_id", 1)], {})],
    "patrol_rounds": [(PAGED, {}), ([("estate_id", 1), ("scheduled_start", 1)], {}),
                      ([("estate_id", 1), ("status", 1)], {}), ([("estate_id", 1), ("roster_id", 1)], {}),
                      # one guard's rounds in the list's order, from a start on (``rounds_query``)
                      ([("estate_id", 1), ("guard", 1), ("created_at", 1), ("_id", 1)], {}),
                      # one round per plan slot (``patrols.slot_key``); rounds from before it have no key
                      ([("estate_id", 1), ("_slot", 1)],
                       {"unique": True, "partialFilterExpression": {"_slot": {"$exists": True}}}),
                      # the round an anomaly was reported on, for an incident taking over its order (``anomaly``)
                      ([("estate_id", 1), ("check_ins.anomaly.id", 1)], {})],
    "fire_equipment": [(PAGED, {})],
    "fire_inspections": [(PAGED, {}), ([("estate_id", 1), ("period", 1), ("equipment_id", 1)], {})],
    "fire_check_overdues": [(PAGED, {}), ([("estate_id", 1), ("period", 1)], {})],
    # patrol_round_missed notices, one per plan slot (patrol_gaps.notice_id)
    "missed_round_notices": [(PAGED, {})],
    "incidents": [(PAGED, {}), ([("estate_id", 1), ("opened_at", 1)], {}), ([("estate_id", 1), ("occurred_at", 1)], {}),
                  # the incident that took over an anomaly's order (``incident_taking_over``)
                  ([("estate_id", 1), ("anomaly_id", 1)], {}),
                  # an estate's open (or closed) incidents newest first, the list across estates' page of
                  # each (``incidents_newest``, 跨小区事件's open=true): not its whole history walked
                  ([("estate_id", 1), ("status", 1), ("created_at", 1), ("_id", 1)], {})],
    "emergency_plans": [(PAGED, {})],
    # 停巡 windows (suspensions.py), read by their end from a window's start on (``suspensions_over``)
    "patrol_suspensions": [(PAGED, {}), ([("estate_id", 1), ("to", 1)], {})],
    # 预警响应 (emergency_alerts.py), the open ones first read; one open per kind (``claim_open_alert``)
    "emergency_alerts": [(PAGED, {}), ([("estate_id", 1), ("status", 1)], {})],
    "emergency_alert_claims": [([("estate_id", 1)], {})],
    "fire_drills": [(PAGED, {}), ([("estate_id", 1), ("period", 1)], {}),
                    ([("estate_id", 1), ("held_at", 1)], {})],  # the year's drills (``kpi_facts``)
    "duty_roster": [(PAGED, {}), ([("estate_id", 1), ("date", 1), ("shift", 1)], {})],
    "fire_lane_checks": [(PAGED, {}), ([("estate_id", 1), ("status", 1)], {})],
    # the team's month on duty (team.py, h7): each read by its period (a local month), the roster's
    # guards by their key (``team_of``)
    "roll_calls": [(PAGED, {}), ([("estate_id", 1), ("period", 1)], {})],
    "post_spot_checks": [(PAGED, {}), ([("estate_id", 1), ("period", 1)], {})],
    "discipline_records": [(PAGED, {}), ([("estate_id", 1), ("period", 1)], {})],
    "trainings": [(PAGED, {}), ([("estate_id", 1), ("period", 1)], {})],
    "guard_assessments": [(PAGED, {}), ([("estate_id", 1), ("period", 1)], {})],
    # a month of the team's records held by one writer at a time, a record of it or its assessment
    # (``lock_team_month``, h3)
    "locks": [([("estate_id", 1)], {})],
    "vehicle_passes": [(PAGED, {}), ([("estate_id", 1), ("plate", 1)], {})],
    # one per plate with a valid resident pass (gate.resident_claim_id)
    "resident_plate_claims": [([("estate_id", 1)], {})],
    # one per patrol anomaly whose work order an incident took over (incidents.takeover_claim_id)
    "anomaly_takeover_claims": [([("estate_id", 1)], {})],
    "parking_sessions": [(PAGED, {}), ([("estate_id", 1), ("plate", 1), ("status", 1)], {}),
                         ([("estate_id", 1), ("exited_at", 1)], {}),  # the stays that ended in a month
                         ([("estate_id", 1), ("visitor_id", 1)], {}),  # a visit's stays (``stays_of_visitors``)
                         ([("estate_id", 1), ("status", 1), ("pass_kind", 1)], {})],  # ``spaces_taken``
    # the gate's night check: who has not left (``visitors_page``), in the list's order
    "visitors": [(PAGED, {}), ([("estate_id", 1), ("departed_at", 1), ("created_at", 1), ("_id", 1)], {}),
                 # the visitor on site of a plate entering (``visitor_on_site_with``)
                 ([("estate_id", 1), ("plate", 1), ("departed_at", 1), ("created_at", 1)], {}),
                 # a request to see one's data: his phone's visits, newest first (``visitors_by_phone``)
                 ([("estate_id", 1), ("_phone", 1), ("created_at", 1), ("_id", 1)], {})],
    "shift_handovers": [(PAGED, {}), ([("estate_id", 1), ("roster_id", 1)], {}),
                        ([("estate_id", 1), ("date", 1)], {})],  # the month's shifts handed over
    "checklists": [(PAGED, {})],  # copies of maintenance's inspection checklists (checklist_created)
    # copies of maintenance's work orders of our findings, kept from its events (work_orders.py)
    "work_orders": [(PAGED, {}), ([("estate_id", 1), ("source_id", 1)], {}),
                    ([("estate_id", 1), ("incident_ids", 1)], {})],  # a desk order incidents joined (h10)
    **settings.INDEXES,
    **jobs.INDEXES,  # exports (estate_common.exports): their jobs and their files' chunks
    **export_store.INDEXES,
}

WHAT = {
    "patrol_routes": "patrol route", "patrol_plans": "patrol plan", "patrol_rounds": "patrol round",
    "fire_equipment": "fire equipment", "fire_inspections": "fire inspection",
    "fire_check_overdues": "overdue fire check", "missed_round_notices": "missed patrol round",
    "incidents": "incident", "emergency_plans": "emergency plan", "patrol_suspensions": "patrol suspension",
    "emergency_alerts": "emergency alert",
    "fire_drills": "fire drill", "duty_roster": "duty assignment", "fire_lane_checks": "fire-lane check",
    "vehicle_passes": "vehicle pass", "parking_sessions": "parking session", "visitors": "visitor",
    "shift_handovers": "shift handover", "checklists": "checklist", "work_orders": "work order",
    "roll_calls": "roll call", "post_spot_checks": "spot check", "discipline_records": "discipline record",
    "trainings": "training session", "guard_assessments": "assessment",
}

def rules_for(db, estate_id, as_of=None):
    """The estate's numbers (its settings over DEFAULTS) and its ``timezone``, the estate's
    calendar: master data from archive (the read copy), not a setting of this service."""
    return rules_of(db, estate_id, estate(db, estate_id), as_of)


def rules_of(db, estate_id, copy, as_of=None):
    """``rules_for`` from the estate's ``copy`` the caller read (None before it came), for one that
    reads more of it (its ``retired_at``: ``operations.check_in``)."""
    numbers = settings.for_estate(db, DEFAULTS, estate_id, maxima=MAXIMA, minima=MINIMA, as_of=as_of,
                                  allowed=ALLOWED, bounded_since=BOUNDED_SINCE)
    return numbers | {"timezone": calendar.timezone_of(copy)}


def estate(db, estate_id):
    """The estate's copy (None before it came)."""
    return replica.get(db, "estate", estate_id, estate_id)


def known_household(db, estate_id, household_id, field):
    if replica.get(db, "household", estate_id, household_id) is None:
        raise BusinessRuleViolation("household is not known in this estate",
                                    [field_error(field, "no such household in this estate")])


def next_number(db, estate_id, series):
    return store.next_number(db, estate_id, series)


# -- any collection -------------------------------------------------------------

named = writes.Named(WHAT)  # the one write path (estate_common.writes) on these, and reads by id
find, get, referenced, insert = named.find, named.get, named.referenced, named.insert
change, create, write = named.change, named.create, named.write


def insert_unique(db, collection, doc, message, field):
    if not insert(db, collection, doc):
        raise Conflict(message, [field_error(field, "is already taken")])


def page(db, collection, estate_id, query, limit, cursor):
    return store.page(db[collection], {"estate_id": estate_id, **query}, limit, cursor)


def walk(db, collection, estate_id, query):
    """Every document of the estate ``query`` selects, in the list's order, one at a time (an
    export's single pass: ``estate_common.store.walk``)."""
    return store.walk(db[collection], {"estate_id": estate_id, **query})


def household_addresses(db, estate_id, household_ids):
    """``{household id: its copy's building, unit and room}`` of these households (a batch's, by
    ``_id``; one whose copy has not come is missing)."""
    wanted = list(dict.fromkeys(h for h in household_ids if h))
    if not wanted:
        return {}
    return {h["_id"]: h for h in store.scan(db[replica.COLLECTIONS["household"]],
                                            {"estate_id": estate_id, "_id": {"$in": wanted}},
                                            ("building", "unit", "room"))}


def sessions_ended_between(db, estate_id, start, end):
    """The parking stays that ended in ``[start, end)`` (a month's totals), by their exit's index."""
    return store.scan(db.parking_sessions, {"estate_id": estate_id, "exited_at": {"$gte": start, "$lt": end}},
                      ("fee_cents", "collected", "exited_by", "payment_method", "closed_without_fee", "overstay", "plate",
                       "entered_at"))


ROUND_FILTERS = ("status", "route_id", "guard")

def had_an_exception(overdue_before):
    """A round with an exception (DOMAIN.md: "a missed or late checkpoint is an exception"; an
    anomaly found is recorded): a finished round's late, missed or anomalies as its summary counted
    them at the finish (``patrols.summary``); an open round's late checkpoints and anomalies so far,
    or a checkpoint not checked in and due before ``overdue_before`` (now less the estate's
    tolerance: late or missed whatever the guard does, ``patrols.so_far``'s ``overdue``; the round
    keeps when its first unchecked checkpoint is due, ``patrols.due_unchecked``). A checkpoint is
    late by its first check-in (``sequence`` 1), as the summary counts it: a checkpoint checked again
    past its time after an on-time check made the open round one with an exception and the same
    round finished one without (found by review)."""
    return [
        {"status": "finished", "$or": [{"summary.late": {"$gt": 0}}, {"summary.missed": {"$gt": 0}},
                                       {"summary.anomalies": {"$gt": 0}}]},
        {"status": "open", "$or": [{"check_ins": {"$elemMatch": {"sequence": 1, "late": True}}},
                                   {"check_ins.anomaly.id": {"$exists": True}},
                                   {"_due_unchecked": {"$lt": overdue_before}}]},
    ]


DUE_UNCHECKED_KEPT = "_due_unchecked_kept"  # the estate's copy: its open rounds were given ``_due_unchecked``


# the once-per-estate sweep's marks on the estate's copy, as maintenance's
estates_unmarked, mark_estate = common_store.estates_unmarked, common_store.mark_estate


def open_rounds_without_due_unchecked(db, estate_id):
    """``{_id}`` of the estate's open rounds opened before rounds kept ``_due_unchecked``."""
    return list(db.patrol_rounds.find({"estate_id": estate_id, "status": "open",
                                       "_due_unchecked": {"$exists": False}}, {"_id": 1}))


def rounds_query(db, estate_id, filters, overdue_before=None):
    """The patrol rounds: by status, route and guard (the username the round keeps), and
    started ``from``/``to`` (``calendar.filter_range``: a day is the estate's local day, a ``to``
    day the whole day, a moment itself; 400 for a ``to`` before the ``from``). A round's start is
    the moment it is written (``patrols.new_round``: one stamp for ``started_at`` and
    ``created_at``), so the range bounds ``created_at``, the list's order: the page is walked from
    the range's start to its end, in the estate's bucket or the guard's (``INDEXES``), not through
    every round the estate or the guard ever walked."""
    query = {name: filters[name] for name in ROUND_FILTERS if name in filters}
    started = _created_between(db, estate_id, filters)
    if started:
        query["created_at"] = started
    if "exceptions" in filters:  # the month's rounds with an exception, or without one
        query["$or" if filters["exceptions"] == "true" else "$nor"] = had_an_exception(overdue_before)
    return query


def _created_between(db, estate_id, filters):
    """The list's ``from``/``to`` as the condition on ``created_at`` (``calendar.filter_range``), the
    estate's calendar read only when one is given: the gate's night check lists the visitors on site
    without either, and read the estate's copy for nothing at each page."""
    if "from" not in filters and "to" not in filters:
        return None
    return calendar.filter_range(filters, replica.estate_timezone(db, estate_id))


def happened_between(start_iso, end_iso):
    """The incidents that happened in ``[start, end)``: by ``occurred_at``; one opened before
    incidents carried it, by its opening (the major-incident KPI and the month's list read both)."""
    return {"$or": [{"occurred_at": {"$gte": start_iso, "$lt": end_iso}},
                    {"occurred_at": {"$exists": False}, "opened_at": {"$gte": start_iso, "$lt": end_iso}}]}


def incidents_page(db, estate_id, filters, window, limit, cursor):
    """A page of the incidents ``incidents_query`` selects."""
    return page(db, "incidents", estate_id, incidents_query(filters, window), limit, cursor)


def incidents_newest(db, estate_id, query, cursor, most):
    """The estate's incidents ``query`` selects, newest first after ``cursor``, read lazily as they
    are taken (``store.walk_newest``: one, then more, at most ``most`` at a time): one estate's part of
    the list across estates (``operations.list_incidents_across``), which merges every estate's and
    stops at its page, so an estate is read as far as the page reaches into it, where each was read a
    whole page (``limit`` + 1) for every page (h7)."""
    return store.walk_newest(db["incidents"], {"estate_id": estate_id, **query}, cursor, most=most)


def incidents_query(filters, window):
    """The incidents by status, type, major, whom a recorded step escalated them to
    (``escalated_to``: an entry of their ``escalations``) and (``window``, a local month's bounds)
    the month they happened in."""
    query = dict(filters) | (happened_between(*window) if window else {})
    if "escalated_to" in query:
        query["escalations.to"] = query.pop("escalated_to")
    return query


def handovers_page(db, estate_id, filters, window, limit, cursor, days=None):
    """A page of the handovers ``handovers_query`` selects."""
    return page(db, "shift_handovers", estate_id, handovers_query(filters, window, days), limit, cursor)


def handovers_query(filters, window, days=None):
    """The handover log by shift, by the guard it was handed to (``to_guard``, spaces collapsed and case
    ignored; one from before acceptances were recorded has no key) and whether he
    accepted it (``accepted``: the relief's pending), by the shift's day (``date``), its local month
    (``period``, ``window`` its bounds) or a range of its days (``days``, the ``date`` condition,
    ``window`` the range's bounds). A handover from before handovers kept their shift's day, by the
    day, month or days it was handed over in (``window``)."""
    query = {"shift": filters["shift"]} if "shift" in filters else {}
    if "to_guard" in filters:  # as the handover's guards are compared: spaces collapsed, case ignored
        query["_to_guard"] = roster.guard_key(filters["to_guard"])
    if "accepted" in filters:  # one from before acceptances were recorded is neither (not known)
        query["accepted_at"] = {"$ne": None} if filters["accepted"] == "true" else {"$exists": True, "$eq": None}
    if window:
        days = days or ({"$eq": filters["date"]} if "date" in filters else store.days_of(filters["period"]))
        query |= _handed_over_on(days, window)
    return query


def handovers_of_shift(db, estate_id, day, shift):
    """The handovers of one shift of ``day`` (its ``date``), by the day's index."""
    return all_of(db, "shift_handovers", estate_id, {"date": day, "shift": shift})


def _handed_over_on(days, window):
    """The handovers of the shifts of ``days`` (their ``date``), and those from before handovers kept
    their shift's day handed over in ``window`` (``[start, end)``, ISO; a range's bound not given is
    None)."""
    start, end = window
    handed = ({"$gte": start} if start is not None else {}) | ({"$lt": end} if end is not None else {})
    return {"$or": [{"date": days}, {"date": {"$exists": False}, "handed_over_at": handed}]}


VISITOR_FILTERS = ("visiting_household_id",)


def visitors_page(db, estate_id, filters, on_site, limit, cursor):
    """A page of the visitors ``visitors_query`` selects."""
    return page(db, "visitors", estate_id, visitors_query(db, estate_id, filters, on_site), limit, cursor)


def visitors_query(db, estate_id, filters, on_site):
    """The visitors; ``on_site`` True: still in the estate (no departure yet), False: gone,
    None: either. A visitor registered before departures were recorded has no ``departed_at``:
    whether he left is not known, and he is listed under neither (the night check would read
    months of visitors). ``from``/``to`` on his arrival (``calendar.filter_range``, as the rounds'
    range: the week's register; a visitor arrives when he is written, ``gate.new_visitor``'s one
    stamp, so the range bounds ``created_at``, the list's order and its paged index)."""
    query = {name: filters[name] for name in VISITOR_FILTERS if name in filters}
    arrived = _created_between(db, estate_id, filters)
    if arrived:
        query["created_at"] = arrived
    if on_site is not None:
        query["departed_at"] = {"$exists": True, "$eq": None} if on_site else {"$ne": None}
    return query


def all_of(db, collection, estate_id, query=None):
    return list(db[collection].find({"estate_id": estate_id, **(query or {})}))


def active_plans_of_route(db, estate_id, route_id):
    """The route's plans not stopped."""
    return all_of(db, "patrol_plans", estate_id, {"route_id": route_id, "stopped_at": None})


def claim_round_minutes(db, estate_id, plan, now):
    """``None`` when ``plan`` holds the claims of every minute it starts a round at on its route
    (``estate_common.claims_store``), else ``(plan_id, minute)``: the plan that holds one (those it
    took are released again). Claimed in order of the day, so of two plans sent at once the first
    minute they share decides; a plan stopped, or one never written a minute after its claim (a
    create that died), gives its minutes up."""
    taken = []
    for minute in sorted(patrols.round_minutes(plan)):
        claim_id = patrols.round_claim_id(estate_id, plan["route_id"], minute)
        holder = claims_store.claim(db.patrol_plan_claims, estate_id, claim_id, plan["_id"], now,
                                    partial(_plan_standing, db, estate_id), field="plan_id",
                                    fields={"route_id": plan["route_id"], "minute": minute})
        if holder != plan["_id"]:
            claims_store.release(db.patrol_plan_claims, estate_id, taken, plan["_id"], field="plan_id")
            return holder, minute
        taken.append(claim_id)
    return None


def release_round_minutes(db, estate_id, plan):
    """A stopped plan's minutes are free for a plan that replaces it."""
    claims_store.release(db.patrol_plan_claims, estate_id,
                         [patrols.round_claim_id(estate_id, plan["route_id"], minute)
                          for minute in patrols.round_minutes(plan)], plan["_id"], field="plan_id")


def _plan_standing(db, estate_id, plan_id):
    plan = db.patrol_plans.find_one({"_id": plan_id, "estate_id": estate_id}, {"stopped_at": 1})
    if plan is None:
        return claims_store.UNWRITTEN
    return claims_store.ENDED if plan.get("stopped_at") else claims_store.STANDS


# -- patrol rounds -------------------------------------------------------------

def slot_walked(db, estate_id, plan_id, scheduled_start):
    """Whether a round was started for the plan's slot at ``scheduled_start``."""
    return db.patrol_rounds.find_one({"estate_id": estate_id, "scheduled_start": scheduled_start,
                                      "plan_id": plan_id}, {"_id": 1}) is not None


# -- emergency plans ------------------------------------------------------------

def estate_plans(db, estate_id):
    """The estate's own emergency plans by incident type."""
    return {plan["type"]: plan for plan in all_of(db, "emergency_plans", estate_id)}


# -- the duty roster ---------------------------------------------------------------

def roster_of(db, estate_id, day, shift):
    """The assignments of one day and shift (cancelled ones too: ``roster.rostered`` leaves them)."""
    return all_of(db, "duty_roster", estate_id, {"date": day, "shift": shift})


def shifts_of_month(db, estate_id, period, handed_from, handed_until):
    """The duty roster of the days of the local month ``period`` and the handovers of those days'
    shifts: by their shift's day, and those from before handovers kept it by when they were handed
    over (``[handed_from, handed_until)``, the caller's bounds: the month and the morning after it)."""
    return {"roster": all_of(db, "duty_roster", estate_id, {"date": store.days_of(period)}),
            "handovers": all_of(db, "shift_handovers", estate_id,
                                _handed_over_on(store.days_of(period), (handed_from, handed_until)))}


def guards_of_day(db, estate_id, day):
    """The guard keys the roster has active on any shift of ``day`` (who may cover a post)."""
    return {a["guard_key"] for a in all_of(db, "duty_roster", estate_id, {"date": day}) if a.get("status") != "cancelled"}


def guards_found_at_posts(db, estate_id, day, shift):
    """The guard keys the spot checks of ``day``'s ``shift`` found manning a post (review r3 of h3: a
    correction marked absent a guard found at his post)."""
    return {roster.guard_key(c["guard"]) for c in all_of(db, "post_spot_checks", estate_id,
                                                          {"date": day, "shift": shift, "manned": True})
            if c.get("guard")}


def team_of(db, estate_id, months=None):
    """``{guard key: name}`` of the guards the estate's roster has named (of the local ``months``
    when given: a period's team), cancelled assignments too (a guard rostered then struck off is
    still of the team)."""
    query = {} if months is None else {"date": {"$regex": "^(" + "|".join(months) + ")-"}}
    team = {}
    for a in db["duty_roster"].find({"estate_id": estate_id, **query}, {"guard_key": 1, "guard": 1}).sort("date", 1):
        team.setdefault(a["guard_key"], a["guard"])
    return team


def an_assessment_of(db, estate_id, periods):
    """One guard's assessment of any of ``periods`` (team.refuse_a_record_of_an_assessed_period), or None."""
    return db["guard_assessments"].find_one({"estate_id": estate_id, "period": {"$in": list(periods)}},
                                            {"period": 1})


def team_facts(db, estate_id, months):
    """The team's records of the local ``months`` (``team.guard_components``)."""
    query = {"period": {"$in": list(months)}}
    return {name: all_of(db, collection, estate_id, query) for name, collection in (
        ("roll_calls", "roll_calls"), ("spot_checks", "post_spot_checks"), ("discipline", "discipline_records"),
        ("trainings", "trainings"))}


TEAM_MONTH_BUSY = "the team's records of this month are being written or assessed; try again in a moment"


def take_team_month(db, estate_id, month, now_iso, expires_iso):
    """Take the lock of the team's records of the local ``month`` until ``expires_iso`` (an insert on a
    natural ``_id``; one expired, its writer dead, taken over): a record of the month (a roll call, a
    spot check, a fault, a training) and an assessment of it or its quarter are written one at a time, so
    that the assessment reads every record written before it and a record after it finds it (both passed
    at once: h3). Returns the lock ``(_id, token, estate_id)`` (a lease: ``estate_common.leases_store``);
    Conflict while another writer holds it."""
    return leases_store.take(db.locks, estate_id, ids.natural_id("lock", estate_id, "team-month", month),
                             now_iso, expires_iso, TEAM_MONTH_BUSY)


def lock_team_month(db, estate_id, month, now, seconds):
    """``take_team_month`` for ``seconds`` from ``now``."""
    return take_team_month(db, estate_id, month, clock.to_iso(now), clock.to_iso(now + timedelta(seconds=seconds)))


def team_month_held(db, lock, seconds):
    """A month's ``lock`` (taken for ``seconds``) held while a block runs, each write of it checked against
    it, given back at its end (``leases_store.held``)."""
    return leases_store.held(db.locks, lock, seconds)


def roster_worked(db, estate_id, roster_id):
    """What refers to the assignment: ``"patrol_round"``, ``"shift_handover"`` or ``"roll_call"`` (an
    entry of it: review r7 of h7), the first found, or None."""
    for holder, collection, field in (("roll_call", "roll_calls", "entries.roster_id"),
                                      ("patrol_round", "patrol_rounds", "roster_id"),
                                      ("shift_handover", "shift_handovers", "roster_id")):
        if db[collection].find_one({"estate_id": estate_id, field: roster_id}, {"_id": 1}) is not None:
            return holder
    return None


# -- the gate -------------------------------------------------------------------

def passes_of(db, estate_id, plate):
    return all_of(db, "vehicle_passes", estate_id, {"plate": plate})


def claim_resident_plate(db, estate_id, vehicle_pass, now):
    """The pass that holds the plate once the claim is over (``estate_common.claims_store``):
    ``vehicle_pass``'s when it took it (new, a retry of its own, or from a pass revoked or run out,
    or never written a minute after its claim: a create that died), else the valid resident pass
    that holds it."""
    def standing(pass_id):
        holder = db.vehicle_passes.find_one({"_id": pass_id, "estate_id": estate_id})
        if holder is None:
            return claims_store.UNWRITTEN
        return claims_store.STANDS if gate.holds_the_plate(holder, now) else claims_store.ENDED

    return claims_store.claim(db.resident_plate_claims, estate_id,
                              gate.resident_claim_id(estate_id, vehicle_pass["plate"]), vehicle_pass["_id"], now,
                              standing, field="pass_id", fields={"plate": vehicle_pass["plate"]})


def release_resident_plate(db, estate_id, vehicle_pass):
    """A revoked resident pass frees its plate for the household's next pass."""
    claims_store.release(db.resident_plate_claims, estate_id,
                         [gate.resident_claim_id(estate_id, vehicle_pass["plate"])], vehicle_pass["_id"],
                         field="pass_id")


def open_session(db, estate_id, plate):
    return db.parking_sessions.find_one({"estate_id": estate_id, "plate": plate, "status": "open"})


def last_session(db, estate_id, plate):
    """The plate's latest parking session, open or closed (an exit sent again finds it closed)."""
    return next(iter(db.parking_sessions.find({"estate_id": estate_id, "plate": plate})
                     .sort([("entry_number", -1)]).limit(1)), None)


def visitor_on_site_with(db, estate_id, plate, arrived_since):
    """The visitor of the plate on site (no departure) who arrived last, from ``arrived_since`` on."""
    return next(iter(db.visitors.find({"estate_id": estate_id, "plate": plate, "departed_at": {"$exists": True, "$eq": None},
                                       "created_at": {"$gte": arrived_since}})
                     .sort([("created_at", -1), ("_id", -1)]).limit(1)), None)


def stays_of_visitors(db, estate_id, visitor_ids):
    """``{visitor id: his visit's parking stays, oldest first}`` of a page of visitors."""
    wanted = list(dict.fromkeys(visitor_ids))
    stays = {visitor_id: [] for visitor_id in wanted}
    if wanted:
        for stay in db.parking_sessions.find({"estate_id": estate_id, "visitor_id": {"$in": wanted}}).sort(
                [("entered_at", 1), ("_id", 1)]):
            stays[stay["visitor_id"]].append(stay)
    return stays


def anomaly(db, estate_id, anomaly_id):
    """The anomaly ``anomaly_id`` reported on one of the estate's rounds, or None."""
    round_ = db.patrol_rounds.find_one({"estate_id": estate_id, "check_ins.anomaly.id": anomaly_id},
                                       {"check_ins": 1})
    return next((entry["anomaly"] for entry in (round_ or {}).get("check_ins") or ()
                 if (entry.get("anomaly") or {}).get("id") == anomaly_id), None)


def incident_taking_over(db, estate_id, anomaly_id):
    """The number of the incident that took over the anomaly's work order, or None."""
    found = _took_over(db, estate_id, anomaly_id)
    return found and found["number"]


def _took_over(db, estate_id, anomaly_id):
    """The incident (its id and number) that took over the anomaly's work order, or None."""
    return db.incidents.find_one({"estate_id": estate_id, "anomaly_id": anomaly_id}, {"number": 1})


def claim_anomaly_order(db, estate_id, incident, now):
    """The id of the incident that holds the anomaly's work order once the claim is over
    (``estate_common.claims_store``): ``incident``'s when it took it (new, a retry of its own, or
    from an open that died before its incident was written), else the incident that took it over
    (an incident keeps it, closed or not). Two incidents opened at once on one anomaly each read
    none taking it over (``incident_taking_over``): the claim decides (h7's note, review r5)."""
    anomaly_id = incident["anomaly_id"]

    def standing(incident_id):
        found = db.incidents.find_one({"_id": incident_id, "estate_id": estate_id}, {"_id": 1})
        return claims_store.STANDS if found else claims_store.UNWRITTEN

    def unclaimed():  # an incident that took it over before claims were kept
        found = _took_over(db, estate_id, anomaly_id)
        return found and found["_id"]

    return claims_store.claim(db.anomaly_takeover_claims, estate_id, takeover_claim_id(estate_id, anomaly_id),
                              incident["_id"], now, standing, field="incident_id",
                              fields={"anomaly_id": anomaly_id}, unclaimed=unclaimed)


def claim_open_alert(db, estate_id, alert, now):
    """The id of the alert of ``alert``'s kind that stands once the claim is over
    (``estate_common.claims_store``): ``alert``'s when it took it, else the open one (409 by the
    caller). One of a kind stood down gives its claim up (``release_open_alert``, or taken over)."""
    def standing(alert_id):
        found = db.emergency_alerts.find_one({"_id": alert_id, "estate_id": estate_id}, {"status": 1})
        if found is None:
            return claims_store.UNWRITTEN
        return claims_store.STANDS if found["status"] == "open" else claims_store.ENDED

    return claims_store.claim(db.emergency_alert_claims, estate_id, open_alert_claim_id(estate_id, alert["kind"]),
                              alert["_id"], now, standing, field="alert_id", fields={"kind": alert["kind"]})


def release_open_alert(db, estate_id, alert_id, kind):
    claims_store.release(db.emergency_alert_claims, estate_id, [open_alert_claim_id(estate_id, kind)], alert_id,
                         field="alert_id")


def open_alert_claim_id(estate_id, kind):
    return ids.natural_id("ealertopen", estate_id, kind)


def alerts_query(filters, window):
    """The alerts by ``open`` (true: standing) and overlapping ``window`` (a local month's bounds)."""
    query = {}
    if "open" in filters:
        query["status"] = "open" if filters["open"] else "stood_down"
    if window:
        start, end = window
        query["issued_at"] = {"$lt": end}
        query["$or"] = [{"stood_down_at": None}, {"stood_down_at": {"$gte": start}}]
    return query


def incidents_happened(db, estate_id, start_iso, end_iso, limit, cursor):
    """A page of the incidents that happened in ``[start, end)`` (``happened_between``), oldest first
    (by their opening): a long-standing alert's read listed every one since its warning in one answer."""
    return store.page(db.incidents, {"estate_id": estate_id, **happened_between(start_iso, end_iso)}, limit, cursor,
                      by="opened_at")


def takeover_claim_id(estate_id, anomaly_id):
    return ids.natural_id("anomtake", estate_id, anomaly_id)


def orders_of_findings(db, estate_id, finding_ids):
    """``{finding id: the copy of the work order maintenance opened for it}`` (``work_orders``), the
    latest where it opened more than one; a finding with none is missing."""
    wanted = list(dict.fromkeys(f for f in finding_ids if f))
    if not wanted:
        return {}
    found = {}
    for copy in db.work_orders.find({"estate_id": estate_id, "$or": [
            {"source_id": {"$in": wanted}}, {"incident_ids": {"$in": wanted}}]}).sort([("created_at", 1), ("_id", 1)]):
        # a desk call's order incidents joined (work_orders.JOINED) serves each of them
        for finding_id in {copy["source_id"], *(copy.get("incident_ids") or ())} & set(wanted):
            found[finding_id] = copy
    return found


def cars_inside(db, estate_id):
    """Every car inside (the stays open, a resident's too), for a gate guard's handover."""
    return db.parking_sessions.count_documents({"estate_id": estate_id, "status": "open"})


def let_out_by(db, estate_id, guard, start, end):
    """The stays ``guard`` closed at the gate in ``[start, end)``, with their fees (a handover's takings)."""
    return store.scan(db.parking_sessions, {"estate_id": estate_id, "exited_at": {"$gte": start, "$lt": end},
                                            "exited_by": guard},
                      ("fee_cents", "collected", "payment_method", "overstay"))


def spaces_taken(db, estate_id):
    """The cars inside without a resident's pass (``gate.counts_for_spaces``): the car park's spaces
    they take, by the ``(estate_id, status, pass_kind)`` index."""
    return db.parking_sessions.count_documents({"estate_id": estate_id, "status": "open",
                                                "pass_kind": {"$ne": "resident"}})


def entries_of(db, estate_id, plate):
    return db.parking_sessions.count_documents({"estate_id": estate_id, "plate": plate})


# -- fire checks ------------------------------------------------------------------

def _in_months(months):
    """The checks filed under one of ``months`` (a cycle's: ``fire.cycle_months``)."""
    months = list(months)
    return months[0] if len(months) == 1 else {"$in": months}


def has_check(db, estate_id, equipment_id, months):
    """Whether the facility has a check filed under one of ``months``."""
    return db.fire_inspections.count_documents(
        {"estate_id": estate_id, "period": _in_months(months), "equipment_id": equipment_id}, limit=1) > 0


def checked_equipment_ids(db, estate_id, months):
    """The facilities with a check filed under one of ``months``."""
    return {doc["equipment_id"] for doc in db.fire_inspections.find(
        {"estate_id": estate_id, "period": _in_months(months)}, {"equipment_id": 1})}


def in_ledger(month_end):
    """The filter of facilities a month (or cycle) ending at ``month_end`` owes a check:
    registered before it ended, not retired before then (``fire.owed_by`` for one facility)."""
    return {"created_at": {"$lt": month_end},
            "$or": [{"retired_at": None}, {"retired_at": {"$gte": month_end}}]}


def _unchecked(db, estate_id, months, owed_at, skip=()):
    """The filter of facilities in the ledger at ``owed_at`` without a check in any of ``months``
    (nor among ``skip``)."""
    return {**in_ledger(owed_at),
            "_id": {"$nin": sorted(checked_equipment_ids(db, estate_id, months) | set(skip))}}


def unchecked_without_notice(db, estate_id, cycle, months, cycle_end):
    """Facilities in the ledger at the end of the cycle ``cycle`` (its first month) not checked in
    any of its ``months`` that have no overdue notice for it yet (what the sweep still has to
    raise: once raised, a facility is not read again every sweep). A notice is of a cycle of
    that length (a month's has no ``interval_months``: null matches it)."""
    length = len(months)
    noticed = {doc["equipment_id"] for doc in db.fire_check_overdues.find(
        {"estate_id": estate_id, "period": cycle, "interval_months": None if length == 1 else length},
        {"equipment_id": 1})}
    return list(db.fire_equipment.find({"estate_id": estate_id,
                                        **_unchecked(db, estate_id, months, cycle_end, noticed)}))


PHONE_VISITS = 500  # at most this many of one phone's visits answer a request to see one's data


def visitors_by_phone(db, estate_id, number):
    """The estate's visitors whose phone is ``number`` as dialled (``estate_common.phones``), newest
    first, at most ``PHONE_VISITS``: through the index ``(estate_id, _phone, created_at, _id)``
    (``gate.phone_key``), where every visitor with a phone was read and each number dialled (12,000
    at a big estate's gate). A visitor stored before ``_phone`` was kept is read apart (those alone,
    the index's null entries), until the sweep ``operations.keep_phone_keys`` gives him his."""
    newest = [("created_at", -1), ("_id", -1)]
    # one masked for good is found by none: an older replica's erasure left his number in ``_phone``
    # until the sweep clears it (``visitors_masked_with_phone``)
    found = list(db.visitors.find({"estate_id": estate_id, "_phone": number, **NOT_ERASED}).sort(newest)
                 .limit(PHONE_VISITS))
    found += [visitor for visitor in db.visitors.find({"estate_id": estate_id, **UNPHONED})
              if visitor.get("phone") and phones.dialled(visitor["phone"]) == number]
    found.sort(key=lambda visitor: (visitor["created_at"], visitor["_id"]), reverse=True)
    return found[:PHONE_VISITS]


# the visitors stored without ``_phone`` read at a time by the sweep that gives them theirs
# (``operations.keep_phone_keys``)
PHONE_KEYS_BATCH = 500
UNPHONED = {"_phone": {"$exists": False}}
NOT_ERASED = {"erased_on": {"$exists": False}}


def visitors_without_phone(db, estate_id, batch):
    """Up to ``batch`` of the estate's visitors stored without ``_phone``, with their phone alone: the
    null entries of the index ``(estate_id, _phone, created_at, _id)`` (one probe when none is left)."""
    return list(db.visitors.find({"estate_id": estate_id, **UNPHONED}, {"estate_id": 1, "phone": 1}).limit(batch))


# masked for good (``erased_on``) and still holding a number in ``_phone``: masked by a replica of the
# version before ``_phone`` was kept (its ``gate.erased`` left it) while a deploy rolled
MASKED_WITH_PHONE = {"_phone": {"$gt": ""}, "erased_on": {"$exists": True}}


def visitors_masked_with_phone(db, estate_id, batch):
    """Up to ``batch`` of the estate's visitors masked for good whose ``_phone`` still holds a number:
    the index ``(estate_id, _phone, created_at, _id)`` from ``""`` on (the visitors with a number,
    those within the estate's retention), each read for his ``erased_on``."""
    return list(db.visitors.find({"estate_id": estate_id, **MASKED_WITH_PHONE}, {"estate_id": 1}).limit(batch))


def clear_phone_key(db, visitor):
    """A visitor masked for good keeps no number: ``_phone`` made ``""``; 1 if cleared now, 0 if it was."""
    return db.visitors.update_one({"_id": visitor["_id"], "estate_id": visitor["estate_id"], **MASKED_WITH_PHONE},
                                  {"$set": {"_phone": ""}}).modified_count


def keep_phone_key(db, visitor, number):
    """``visitor``'s ``_phone`` written unless he has one: 1 if written, 0 if not."""
    return db.visitors.update_one({"_id": visitor["_id"], "estate_id": visitor["estate_id"], **UNPHONED},
                                  {"$set": {"_phone": number}}).modified_count


def visitors_due_erasure(db, estate_id, cutoff, arrived_by):
    """The estate's visitors not erased yet who left at ``cutoff`` or before, or, their leaving
    never recorded, came at ``arrived_by`` or before: the index ``(estate_id, departed_at,
    created_at, _id)`` walked."""
    return list(db.visitors.find({"estate_id": estate_id, "erased_on": {"$exists": False}, "$or": [
        {"departed_at": {"$ne": None, "$lte": cutoff}}, {"departed_at": None, "created_at": {"$lte": arrived_by}}]}))


def estate_ids(db):
    """Every estate this service holds a copy of (the registry: timers visit them one by one)."""
    return sorted(doc["estate_id"] for doc in db.estates.find({}, {"estate_id": 1}))


def list_fire_equipment(db, estate_id, filters, unchecked_months, month_end, limit, cursor):
    """The ledger; with ``unchecked_months`` (the months of a cycle up to the one asked about),
    what was in the ledger at ``month_end`` and has no check in any of them."""
    query = dict(filters)
    if unchecked_months:
        query.update(_unchecked(db, estate_id, unchecked_months, month_end))
    return page(db, "fire_equipment", estate_id, query, limit, cursor)


# -- KPIs -----------------------------------------------------------------------

def patrol_facts(db, estate_id, start_iso, end_iso):
    """The estate's patrol plans, its routes by id, the rounds of ``[start, end)`` (scheduled
    or started in it) and the patrol suspensions over it: what patrol completion and the missed
    rounds are read from."""
    return {
        "plans": all_of(db, "patrol_plans", estate_id),
        "routes": {route["_id"]: route for route in all_of(db, "patrol_routes", estate_id)},
        "rounds": all_of(db, "patrol_rounds", estate_id, {"$or": [
            {"scheduled_start": {"$gte": start_iso, "$lt": end_iso}},
            {"started_at": {"$gte": start_iso, "$lt": end_iso}},
        ]}),
        "suspensions": suspensions_over(db, estate_id, start_iso, end_iso),
    }


def missed_round_facts(db, estate_id, start_iso, end_iso):
    """What the missed rounds of ``[start, end)`` are read from (``patrol_gaps.missed_rounds``): the
    estate's patrol plans, its routes by id, and the rounds scheduled in it (a slot's rounds, those
    of a plan), with the plan, slot and status it counts, through ``(estate_id, scheduled_start)``,
    and the patrol suspensions over it; ``patrol_facts`` read every round started in it too, whole,
    check-ins and all."""
    return {
        "plans": all_of(db, "patrol_plans", estate_id),
        "routes": {route["_id"]: route for route in all_of(db, "patrol_routes", estate_id)},
        "rounds": list(db.patrol_rounds.find({"estate_id": estate_id,
                                              "scheduled_start": {"$gte": start_iso, "$lt": end_iso}},
                                             {"plan_id": 1, "scheduled_start": 1, "status": 1})),
        "suspensions": suspensions_over(db, estate_id, start_iso, end_iso),
    }


def suspensions_over(db, estate_id, start_iso, end_iso):
    """The patrol suspensions (停巡) overlapping ``[start, end)``: through (estate_id, to)."""
    return all_of(db, "patrol_suspensions", estate_id, {"to": {"$gt": start_iso}, "from": {"$lt": end_iso}})


def week_facts(db, estate_id, days, start_iso, end_iso):
    """What the supervisor's week (``security_week``) is counted from: its patrol facts, the rounds
    with an anomaly reported in ``[start, end)``, the incidents that happened in it, the visitors who
    arrived in it, the fire checks, drills and lane checks of it, and the roster and handovers of
    its ``days`` (a handover from before handovers kept their shift's day, by when it was handed
    over, to the morning after the week's last night)."""
    window = {"$gte": start_iso, "$lt": end_iso}
    morning_after = clock.to_iso(clock.parse_iso(end_iso) + timedelta(days=1))
    handovers = all_of(db, "shift_handovers", estate_id, _handed_over_on({"$in": days}, (start_iso, morning_after)))
    return patrol_facts(db, estate_id, start_iso, end_iso) | {
        "anomaly_rounds": all_of(db, "patrol_rounds", estate_id, {"check_ins": {"$elemMatch": {
            "at": window, "anomaly.id": {"$exists": True}}}}),
        "incidents": all_of(db, "incidents", estate_id, happened_between(start_iso, end_iso)),
        "visitors": list(db.visitors.find({"estate_id": estate_id, "created_at": window},
                                          {"departed_at": 1})),
        "fire_inspections": list(db.fire_inspections.find({"estate_id": estate_id, "created_at": window},
                                                          {"result": 1})),
        "fire_drills": db.fire_drills.count_documents({"estate_id": estate_id, "held_at": window}),
        "fire_lane_checks": list(db.fire_lane_checks.find({"estate_id": estate_id, "created_at": window},
                                                          {"status": 1})),
        "roster": all_of(db, "duty_roster", estate_id, {"date": {"$in": days}}),
        "handovers": handovers,
        "week_handovers": [h for h in handovers if h.get("date") in days or (
            "date" not in h and start_iso <= h["handed_over_at"] < end_iso)],
        # the gate's week: cars let in, stays ended (as a month's totals read them), cars inside now
        "stays_entered": db.parking_sessions.count_documents({"estate_id": estate_id, "entered_at": window}),
        "stays_ended": list(sessions_ended_between(db, estate_id, start_iso, end_iso)),
        "cars_inside": cars_inside(db, estate_id),
    }


def plans_in_force_since(db, estate_id, since_iso):
    """The estate's patrol plans not stopped before ``since_iso``."""
    return all_of(db, "patrol_plans", estate_id, {"$or": [{"stopped_at": None}, {"stopped_at": {"$gt": since_iso}}]})


def noticed_among(db, estate_id, notice_ids):
    """Which of ``notice_ids`` the missed-round sweep has raised already (found by id)."""
    return {doc["_id"] for doc in db.missed_round_notices.find(
        {"estate_id": estate_id, "_id": {"$in": list(notice_ids)}}, {"_id": 1})}


def rounds_of_slots(db, estate_id, slot_starts):
    """The rounds scheduled at each of ``slot_starts`` (one exact read each)."""
    return [round_ for start in slot_starts
            for round_ in db.patrol_rounds.find({"estate_id": estate_id, "scheduled_start": start})]


def routes_by_id(db, estate_id, route_ids):
    return {route["_id"]: route for route in db.patrol_routes.find({"estate_id": estate_id,
                                                                     "_id": {"$in": list(route_ids)}})}


# the incidents that happened: one closed as a false alarm (误报: nobody in the car, no water) did not, and is
# counted apart (``false_alarms``); it stood in the major-incident and release KPIs (found by h8)
NOT_A_FALSE_ALARM = {"false_alarm": {"$ne": True}}


def kpi_facts(db, estate_id, months, start_iso, end_iso, year_start_iso):
    """What the security KPIs of one estate and period are computed from; ``months``: the months
    whose fire checks count (``fire.kpi_cycles``: the cycles' months the period touches, which
    may begin before it): the ledger and each month's checks; ``year_start_iso``: the start of
    the period's local year, from which its fire drills count."""
    # the ledger read once (a facility and its dates) and each month's checks (``fire.completion``
    # counts them): a year was 36 queries an estate, and the cross-estate view of a year at 1,000
    # estates took the service past the RPC timeout as soon as two were asked at once (a probe)
    ledger = list(db.fire_equipment.find({"estate_id": estate_id}, {"created_at": 1, "retired_at": 1})) \
        if months else []
    return patrol_facts(db, estate_id, start_iso, end_iso) | {
        "fire_equipment": ledger,
        "fire_checked_by_month": {month: checked_equipment_ids(db, estate_id, [month]) for month in months}
        if ledger else {},
        # by when they happened; one opened before incidents carried occurred_at, by its opening; a false
        # alarm (误报) is no incident that happened: counted apart (h8)
        "major_incidents": db.incidents.count_documents(
            {"estate_id": estate_id, "major": True, **NOT_A_FALSE_ALARM, **happened_between(start_iso, end_iso)}),
        "false_alarms": db.incidents.count_documents(
            {"estate_id": estate_id, "false_alarm": True, **happened_between(start_iso, end_iso)}),
        # registered by the period's end (a copy made before copies carried it counts): a period
        # before the estate was taken on had every household of today's (as customer-service's
        # KPIs count them, owner_contacts.owed_from)
        "households": db.households.count_documents(
            {"estate_id": estate_id, "$or": [{"created_at": {"$lt": end_iso}}, {"created_at": None}]}),
        # 电梯困人 that happened in the period, for their release (kpis: entrapment_release_timeliness)
        "entrapments": list(db.incidents.find(
            {"estate_id": estate_id, "type": "elevator_entrapment", **NOT_A_FALSE_ALARM,
             **happened_between(start_iso, end_iso)},
            {"type": 1, "occurred_at": 1, "opened_at": 1, "steps": 1, "release": 1, "release_target_minutes": 1})),
        # held in the period's year by its end (the drills' (estate_id, held_at) index)
        "fire_drills_this_year": db.fire_drills.count_documents(
            {"estate_id": estate_id, "held_at": {"$gte": year_start_iso, "$lt": end_iso}}),
        # the gate's period (kpis: gate_entries, gate_exits, gate_fees_paid_by_qr), as the week reads it
        "stays_entered": db.parking_sessions.count_documents(
            {"estate_id": estate_id, "entered_at": {"$gte": start_iso, "$lt": end_iso}}),
        "stays_ended": list(sessions_ended_between(db, estate_id, start_iso, end_iso)),
    }


def estate_since(db, estate_id):
    """When the estate was registered (its copy's ``created_at``); None for a copy from before
    estate events carried it."""
    estate = replica.get(db, "estate", estate_id, estate_id)
    return estate and estate.get("created_at")


# -- what this service closed, reported to archive (estate_common.closed_counts) ----------------

def closed_queries(estate_id, start, end):
    """Patrol rounds finished and incidents closed in ``[start, end)`` (``closed_counts_store``:
    counted for archive, and listed when the archivist asks which are missing); an incident known
    by its number (INC-…), a round by none."""
    window = {"$gte": start, "$lt": end}
    return {"patrol_rounds": ("patrol_rounds", {"estate_id": estate_id, "finished_at": window}, None),
            "incidents": ("incidents", {"estate_id": estate_id, "closed_at": window}, "number")}


def closed_counts(db, estate_id, start, end):
    return closed_counts_store.counted(db, estate_id, closed_queries(estate_id, start, end))
