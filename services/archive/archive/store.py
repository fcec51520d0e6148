"""archive's repository: the only module of the service that touches its database."""
import re

from estate_common import (calendar, claims_store, custom_fields, custom_fields_store, export_store, ids, jobs, settings,
                           store, writes)
from estate_common.store import DuplicateKey
from estate_common.text import address_spellings
from estate_common.errors import BusinessRuleViolation, InvalidInput, NotFound, ServiceUnavailable, field_error

from . import chain, domain
from .occupants import NOT_VACANT
from .rules import BOUNDED_SINCE, DEFAULTS, MAXIMA, MINIMA

PAGED = [("estate_id", 1), ("created_at", 1), ("_id", 1)]
CHAIN = [("estate_id", 1), ("seq", 1)]
CHAINED = {"$exists": True}
CHAIN_DESCENDING = [("seq", -1)]
# where a record keeps the number its subject is known by: a request's, an order's or an
# incident's ``number``, a payment's ``receipt_number``
NUMBER_FIELDS = ("data.number", "data.receipt_number")

ADDRESS_KEYED = [("estate_id", 1), ("_address_key", 1)]
ADDRESS_UNKEYED = [("estate_id", 1), ("_address_key", 1), ("_id", 1)]
ADDRESS_ORDERED = [("estate_id", 1), ("_address_order", 1), ("_id", 1)]
PHONED = [("estate_id", 1), ("_phones", 1)]
FORMER_RESIDENTS = [("estate_id", 1), ("occupants.to", 1)]
INSPECT_FROM = [("estate_id", 1), ("_inspect_from", 1), ("_id", 1)]
VACANT_KEPT = [("estate_id", 1), ("status", 1), ("_inspect_from", 1)]

INDEXES = {
    "estates": [(PAGED, {})],
    # the list's status filter: the vacant units a steward inspects (空置房巡查)
    "households": [(PAGED, {}), ([("estate_id", 1), ("building", 1), ("unit", 1), ("room", 1)], {}),
                   (store.SYNCED, {}),  # an integrator's sync: the list's updated_since, in (updated_at, _id) order
                   ([("estate_id", 1), ("status", 1)], {}),
                   # one household per flat however its address is written (domain.address_key): the
                   # duplicate check's probe, and the write that decides a race. Partial: a household
                   # an older version (or replica) wrote has no key until the sweep keys it, and one
                   # of a flat registered twice before keeps none (operations.keep_address_keys)
                   (ADDRESS_KEYED, {"unique": True, "partialFilterExpression": {"_address_key": {"$exists": True}}}),
                   # the households not keyed yet (has_unkeyed_households): whole, a missing key is
                   # one of its null entries; the partial one above leaves them out
                   (ADDRESS_UNKEYED, {}),
                   # the list's address order (sort=address: domain.address_order), its cursor's tie on _id
                   (ADDRESS_ORDERED, {}),
                   # the desk's search by phone (households_by_phone): each of its numbers as dialled
                   (PHONED, {}),
                   # the households with someone who left before the estate's retention (former_residents_due)
                   (FORMER_RESIDENTS, {}),
                   # the vacant units that may be due an inspection (due_candidates), by the day each is
                   # counted from; its null entries, the households not given one yet (inspect_from_left)
                   (INSPECT_FROM, {}),
                   # the vacant units whose kept day says they are not (made vacant by a replica of the
                   # version before while a deploy rolls): due_candidates and the sweep probe them
                   (VACANT_KEPT, {})],
    "records": [(PAGED, {}), ([("estate_id", 1), ("subject_id", 1)], {}),
                ([("estate_id", 1), ("subject_type", 1), ("occurred_at", 1)], {}),
                ([("estate_id", 1), ("household_id", 1), ("occurred_at", 1)], {}),
                # the records of several households (domain.households_named: a damage claim's flats)
                ([("estate_id", 1), ("household_ids", 1), ("occurred_at", 1)],
                 {"partialFilterExpression": {"household_ids": {"$exists": True}}}),
                # the hash chain's order (chain.py): one record per seq; records from before the
                # chain have no seq and are outside the index
                (CHAIN, {"unique": True, "partialFilterExpression": {"seq": {"$exists": True}}}),
                ([("estate_id", 1), ("corrects", 1)], {}),
                # a subject found by its number (subjects_numbered)
                *[([("estate_id", 1), (field, 1)], {}) for field in NUMBER_FIELDS],
                # completeness: the closing records of a period, by event type
                ([("estate_id", 1), ("event_type", 1), ("occurred_at", 1)], {})],
    # each estate's chain head (chain_head): one document per estate, by _id
    "chain_heads": [([("estate_id", 1)], {})],
    "change_log": [(PAGED, {}), ([("estate_id", 1), ("subject_id", 1)], {})],
    "borrow_requests": [(PAGED, {}), ([("estate_id", 1), ("status", 1), ("due_back", 1)], {}),
                        # a borrower's own (requested_by), in the list's order
                        ([("estate_id", 1), ("requested_by", 1), ("created_at", 1), ("_id", 1)], {})],
    "check_plans": [(PAGED, {})],
    "archive_checks": [(PAGED, {}), ([("estate_id", 1), ("checked_at", 1)], {}),
                       ([("estate_id", 1), ("plan_id", 1)], {})],  # a plan's checks (checks.plan_view)
    # the services' counts of what they closed, per month (estate_common.closed_counts)
    "closed_reports": [([("estate_id", 1), ("period", 1)], {})],
    "handovers": [(PAGED, {}), ([("estate_id", 1), ("household_id", 1), ("kind", 1), ("outcome", 1)], {}),
                  ([("estate_id", 1), ("_requested_as", 1)], {})],
    # the developer's handover sessions of the estate (estate_handovers.py)
    "estate_handovers": [(PAGED, {})],
    # a household's inspections, and the last of those not inspected lately (last_inspected); the
    # estate's inspected lately (inspected_after): the vacant units due one (operations.vacant_inspections_due)
    "vacant_inspections": [(PAGED, {}), ([("estate_id", 1), ("household_id", 1), ("inspected_on", 1)], {}),
                           ([("estate_id", 1), ("inspected_on", 1)], {})],
    # meter readings at a handover or a transfer (meter_readings.py): a household's meter of a kind
    # (its last reading, the one a new one is judged against), and the estate's of a day range
    "meter_readings": [(PAGED, {}), ([("estate_id", 1), ("household_id", 1), ("meter_kind", 1), ("read_on", 1)], {}),
                       ([("estate_id", 1), ("read_on", 1)], {})],
    # the reading that follows a meter's last (claim_next_reading): of two at once, one lands
    "meter_reading_claims": [([("estate_id", 1)], {})],
    # the batches of an estate's copies sent again (restatements.py): each carries its event out
    "restatements": [([("estate_id", 1)], {})],
    # an application's household step the status table refused, told to the desk once
    "step_refusals": [([("estate_id", 1), ("application_id", 1)], {})],
    **settings.INDEXES,
    **jobs.INDEXES,
    **custom_fields_store.INDEXES,
    **export_store.INDEXES,
}

WHAT = {"borrow_requests": "borrow request", "check_plans": "archive check plan", "archive_checks": "archive check",
        "records": "archive record", "estates": "estate", "households": "household",
        "vacant_inspections": "vacant-unit inspection", "handovers": "takeover or handover",
        "estate_handovers": "estate handover", "meter_readings": "meter reading",
        "restatements": "restatement", "step_refusals": "refused household step"}


def rules_for(db, estate_id, as_of=None):
    """The estate's numbers (its settings over DEFAULTS) and its ``timezone`` (master data, not a
    setting: changed by editing the estate)."""
    return settings.for_estate(db, DEFAULTS, estate_id, maxima=MAXIMA, minima=MINIMA, as_of=as_of,
                               bounded_since=BOUNDED_SINCE) | {"timezone": estate_timezone(db, estate_id)}


def get_estate(db, estate_id):
    estate = db.estates.find_one({"_id": estate_id, "estate_id": estate_id})
    if estate is None:
        raise NotFound("no such estate")
    return estate


def estate(db, estate_id):
    """The estate's document (None when archive has no such estate): its calendar and registration."""
    return db.estates.find_one({"_id": estate_id, "estate_id": estate_id})


def estate_since(db, estate_id):
    """When the estate was registered (its ``created_at``), None when archive has no such estate."""
    estate = db.estates.find_one({"_id": estate_id, "estate_id": estate_id}, {"created_at": 1})
    return estate and estate.get("created_at")


def estate_timezone(db, estate_id):
    """The estate's timezone (archive owns the estate; see estate_common.calendar)."""
    return calendar.timezone_of(db.estates.find_one({"_id": estate_id, "estate_id": estate_id}))


def list_estates(db, estate_ids, text, limit, cursor, among=None, retired=None):
    """A page of the estates ``estate_ids`` names (None: every estate), those among ``among`` when
    it is given, those whose code or name holds ``text`` (any case) when it is given, and the
    retired ones or the others when ``retired`` is True or False (None: both). The
    registry has one document per estate: a search scans it (a few thousand at most), as the
    operator's estate list walks it anyway."""
    if among is not None:
        estate_ids = [e for e in among if estate_ids is None or e in set(estate_ids)]
    query = {} if estate_ids is None else {"estate_id": {"$in": list(estate_ids)}}
    if text:
        holds = {"$regex": re.escape(text.strip()), "$options": "i"}
        query = {**query, "$or": [{"code": holds}, {"name": holds}]}
    if retired is not None:  # reinstated: retired_at null; never retired: none
        query = {**query, "retired_at": {"$ne": None} if retired else None}
    return store.page(db.estates, query, limit, cursor)


def find_household(db, estate_id, household_id):
    """The household, or None."""
    return store.find_in_estate(db.households, estate_id, household_id)


def get_household(db, estate_id, household_id):
    return store.get_in_estate(db.households, estate_id, household_id, "household")


def household_at(db, estate_id, address_key):
    """The household keyed as registered at the flat ``address_key`` (``domain.address_key``), or
    None: one probe of the unique index, whatever the estate's size."""
    return db.households.find_one({"estate_id": estate_id, "_address_key": address_key})


def has_unkeyed_households(db, estate_id):
    """Whether a household of the estate has no address key (``household_spelled``'s only
    candidates): one probe of the null entries of ``ADDRESS_UNKEYED`` (a missing field is keyed as
    null in an index that is not sparse, MongoDB's and the embedded store's), whatever the
    estate's size; none once the sweep has keyed them all, until an old replica writes one."""
    return db.households.find_one({"estate_id": estate_id, **UNKEYED}, {"_id": 1}) is not None


def household_spelled(db, estate_id, household):
    """The first registered of the households not keyed yet (``_address_key``: registered before
    keys were kept and not swept yet, or by a replica of the version before during a deploy) at
    ``household``'s flat written another way (3栋 for 3: ``address_spellings`` of each part, the
    list filter's), or None; ``household`` itself when it is there as written (it is registered
    already, not otherwise). Through the index ``(estate_id, building, unit, room)``: a lookup of
    each combination of spellings (at most some 900: 30 of a building, 6 of a unit, 5 of a room),
    never a walk of the estate."""
    query = {"estate_id": estate_id, **UNKEYED,
             **{part: {"$in": address_spellings(household[part], part)} for part in ADDRESS_PARTS}}
    found = list(db.households.find(query))  # a flat's few: sorted here, not by a sort a walk would serve
    return min(found, key=lambda doc: (doc["_id"] != household["_id"], doc["created_at"], doc["_id"])) \
        if found else None


# -- address keys of households registered without one (operations.keep_address_keys) ------

UNKEYED = {"_address_key": {"$exists": False}}
UNORDERED = {"_address_order": {"$exists": False}}
UNPHONED = {"_phones": {"$exists": False}}
KEYS_PAGE = 500


def estates_keeping_address_keys(db, marker="_address_keys_swept"):
    """``[(estate_id, since)]`` of every estate: ``since`` is when the last sweep of its households
    began (``marker``: the address keys' ``_address_keys_swept``, the address order's
    ``_address_orders_swept``), None before its first (its backfill)."""
    return sorted((doc["estate_id"], doc.get(marker))
                  for doc in db.estates.find({}, {"estate_id": 1, marker: 1}))


def unkeyed_households(db, estate_id, since, missing=UNKEYED):
    """The estate's households without an address key (``missing``: or without what else it
    names, ``UNORDERED``), registered at ``since`` or later (None: all, once), in the lists' order
    a page at a time: with ``since``, the lists' index walked from it (the households registered
    lately), not the estate."""
    query = {"estate_id": estate_id, **missing}
    if since:
        query["created_at"] = {"$gte": since}
    cursor = None
    while True:
        page = store.page(db.households, query, KEYS_PAGE, cursor, shown=lambda doc: doc)
        yield from page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return


def keep_address_key(db, household, address_key):
    """``household``'s address key written, unless it has one; False when another household of the
    estate holds the key (a flat registered twice: the unique index refuses it)."""
    try:
        db.households.update_one({"_id": household["_id"], "estate_id": household["estate_id"], **UNKEYED},
                                 {"$set": {"_address_key": address_key}})
    except DuplicateKey:
        return False
    return True


def keep_address_order(db, household, order):
    """``household``'s place in the address order written, unless it has one."""
    db.households.update_one({"_id": household["_id"], "estate_id": household["estate_id"], **UNORDERED},
                             {"$set": {"_address_order": order}})


def keep_phone_keys(db, household, numbers):
    """``household``'s numbers it is found by written, unless it has them."""
    db.households.update_one({"_id": household["_id"], "estate_id": household["estate_id"], **UNPHONED},
                             {"$set": {"_phones": numbers}})


def estate_ids(db):
    """Every estate's id, in order."""
    return sorted(doc["estate_id"] for doc in db.estates.find({}, {"estate_id": 1}))


def former_residents_due(db, estate_id, cutoff, relations):
    """The estate's households with a tenant or family member (``relations``) who left on
    ``cutoff`` (a local day, ISO) or before and is not erased yet (``occupants.erasable``): one
    walk of the index ``(estate_id, occupants.to)``."""
    return list(db.households.find({"estate_id": estate_id, "occupants": {"$elemMatch": {
        "relation": {"$in": list(relations)}, "to": {"$ne": None, "$lte": cutoff}, "erased_on": {"$exists": False}}}}))


def households_by_phone(db, estate_id, number, limit):
    """The estate's households with ``number`` (as dialled) among their ``_phones``, the first
    ``limit`` in the lists' order: one probe of the index ``(estate_id, _phones)``."""
    return list(db.households.find({"estate_id": estate_id, "_phones": number})
                .sort([("created_at", 1), ("_id", 1)]).limit(limit))


def mark_estate_swept(db, estate_id, began, marker="_address_keys_swept"):
    """``marker`` on the estate: when a once-per-estate sweep of it began or was done (the address
    keys', the address order's, the late returns' ``LATE_RETURNS_FLAGGED``)."""
    db.estates.update_one({"_id": estate_id, "estate_id": estate_id}, {"$set": {marker: began}})


# the list's orders besides creation's (``filters.sort``)
SORTS = ("address",)


def count_households(db, estate_id):
    """How many households ``list_households`` lists unfiltered (the handover package counts them)."""
    return db.households.count_documents(household_query(db, estate_id, {}))


def list_households(db, estate_id, filters, limit, cursor):
    """A page of ``household_query``; with ``updated_since``, the households changed since then in
    ``(updated_at, _id)`` order (``estate_common.store.page``); with ``sort=address``, in the
    address order (``households_by_address``)."""
    since = filters.get("updated_since")
    query = household_query(db, estate_id, filters)
    if by_address(filters):
        return households_by_address(db, estate_id, query, limit, cursor)
    return store.page(db.households, query, limit, cursor, updated_since=since)


def by_address(filters, field="filters.sort"):
    """Whether ``filters`` ask the households in their address order (``sort=address``), the
    list's and the export's; with ``updated_since`` (the order they were changed) a 400 on ``field``."""
    if filters.get("sort") != "address":
        return False
    if filters.get("updated_since") is not None:
        raise InvalidInput("sort=address lists households in their address order, updated_since in "
                           "the order they were changed: ask one of them",
                           [field_error(field, "cannot be asked with updated_since")])
    return True


def households_by_address(db, estate_id, query, limit, cursor):
    """A page of ``query`` in ``(_address_order, _id)`` order (``domain.address_order``: building,
    unit, room, numbers natural), on the index ``estate_id, _address_order, _id``. Its cursors are
    the lists' (``<created_at>~<id>`` of the page's last household): the page goes on after that
    household's place, read by its id, so a household registered meanwhile before it neither
    repeats nor hides one. A cursor naming no household of the estate is a 400."""
    limit = store.DEFAULT_PAGE if limit is None else limit
    if cursor:
        _, last_id = store.decode_cursor(cursor)
        last = db.households.find_one({"_id": last_id, "estate_id": estate_id}, {"_address_order": 1})
        if last is None:
            raise InvalidInput("cursor is not valid", [field_error(
                "cursor", "names no household of this estate: with sort=address a cursor is a page's next_cursor")])
        order = last.get("_address_order", "")
        query = {"$and": [query, {"$or": [{"_address_order": {"$gt": order}},
                                          {"_address_order": order, "_id": {"$gt": last_id}}]}]}
    docs = list(db.households.find(query).sort([("_address_order", 1), ("_id", 1)]).limit(limit + 1))
    more = len(docs) > limit
    docs = docs[:limit]
    return {"items": [store.public(doc) for doc in docs],
            "next_cursor": store.encode_cursor(docs[-1]) if more else None}


ADDRESS_PARTS = ("building", "unit", "room")


def household_query(db, estate_id, filters):
    """Households equal on the address parts given (``building``, ``unit``, ``room``: the index
    led by ``estate_id`` that holds all three), each read in its common forms (3号楼 is 3, 2单元 2:
    ``estate_common.text.address_reading``) and on the ``custom.<key>`` filters (read by the
    field's type: ``estate_common.custom_fields.filter_query``): the list's and the export's.
    ``updated_since`` and ``sort`` are no field's equality: ``store.page`` and ``store.walk`` read
    the one, ``list_households`` the other."""
    query = custom_fields.filter_query(custom_definitions(db, estate_id, "household"), filters) \
        if custom_fields.custom_filters(filters) else {}
    plain = {name: value for name, value in custom_fields.plain_filters(filters).items()
             if name not in ("updated_since", "sort")}
    for part in ADDRESS_PARTS:
        if isinstance(plain.get(part), str):  # as ``domain.new_household`` keeps it, or kept it before,
            plain[part] = {"$in": address_spellings(plain[part], part)}  # in any common form of it
    return {"estate_id": estate_id, **plain, **query}


# -- vacant units due an inspection (occupants.inspections_due) -----------------------------

def vacant_households(db, estate_id, building=None):
    """The estate's vacant households, with what says since when they are vacant (their status
    history, their registration) and their flat: through ``(estate_id, status)``, not the estate;
    ``building``: that building's alone, read as the households' list reads it (3号楼 is 3)."""
    query = {"estate_id": estate_id, "status": "vacant"}
    if building:
        query["building"] = {"$in": address_spellings(building, "building")}
    return list(db.households.find(query, {"building": 1, "unit": 1, "room": 1, "created_at": 1, "status_history": 1}))


UNDATED = {"_inspect_from": None}  # a household stored before its day counted from was kept
# a household made vacant by a replica of the version before (which keeps no day) from a status
# whose kept day was NOT_VACANT: a range of kept days would never reach it
MISTAKEN_VACANT = {"status": "vacant", "_inspect_from": NOT_VACANT}
# households given their day counted from at a time by the sweep, the service's calls served between
# two (500 held archive's event loop 130 ms at 10,000 households: h7)
INSPECT_FROM_BATCH = 100


def inspect_from_kept(db, estate_id):
    """Whether every household of the estate has its day counted from (``_inspect_from``): one probe
    of the null entries of ``INSPECT_FROM``, whatever the estate's size."""
    return db.households.count_documents({"estate_id": estate_id, **UNDATED}, limit=1) == 0


def due_candidates(db, estate_id, upto, building=None):
    """The estate's households counted from ``upto`` (a local day) or before (``_inspect_from``,
    ``occupants.inspect_from``), with what ``vacant_households`` reads of them and their status: one
    range of ``INSPECT_FROM``, where the due list read every vacant unit; and the vacant ones whose
    kept day says they are not (``NOT_VACANT``: a replica of the version before made them vacant
    while a deploy rolled, keeping no day), one probe of ``VACANT_KEPT``, none once the sweep has
    given them theirs (``mistaken_vacant``); ``building`` as there."""
    where = {"building": {"$in": address_spellings(building, "building")}} if building else {}
    fields = {"building": 1, "unit": 1, "room": 1, "created_at": 1, "status_history": 1, "status": 1}
    return (list(db.households.find({"estate_id": estate_id, "_inspect_from": {"$lte": upto}, **where}, fields))
            + list(db.households.find({"estate_id": estate_id, **MISTAKEN_VACANT, **where}, fields)))


def newest_inspection(db, estate_id, household_id):
    """The day of the household's newest vacant-unit inspection, None for none: one probe of
    ``(estate_id, household_id, inspected_on)``."""
    newest = db.vacant_inspections.find_one({"estate_id": estate_id, "household_id": household_id},
                                            {"inspected_on": 1}, sort=[("inspected_on", -1)])
    return newest and newest["inspected_on"]


def newest_inspections(db, estate_id, household_ids):
    """``{household id: the day of its newest vacant-unit inspection}`` of those of ``household_ids``
    that have one (``newest_inspection`` of each): one read of ``(estate_id, household_id,
    inspected_on)``, a bucket per household."""
    newest = {}
    for inspection in db.vacant_inspections.find({"estate_id": estate_id, "household_id": {"$in": household_ids}},
                                                 {"household_id": 1, "inspected_on": 1}):
        day, household_id = inspection["inspected_on"], inspection["household_id"]
        if day > newest.get(household_id, ""):
            newest[household_id] = day
    return newest


def raise_inspect_from(db, estate_id, household_id, day):
    """The household's day counted from raised to ``day`` (an inspection's) when it is before it:
    never lowered, nor given to a household without one (the sweep's), nor to one not vacant."""
    db.households.update_one({"_id": household_id, "estate_id": estate_id, "_inspect_from": {"$lt": day}},
                             {"$set": {"_inspect_from": day}})


def inspect_from_left(db, estate_id, batch):
    """Up to ``batch`` of the estate's households without their day counted from (the null entries
    of ``INSPECT_FROM``), then of those vacant whose kept day says they are not (``MISTAKEN_VACANT``,
    a probe of ``VACANT_KEPT``), with what ``occupants.inspect_from`` reads."""
    fields = {"estate_id": 1, "created_at": 1, "status_history": 1, "status": 1}
    undated = list(db.households.find({"estate_id": estate_id, **UNDATED}, fields).limit(batch))
    return undated + list(db.households.find({"estate_id": estate_id, **MISTAKEN_VACANT}, fields)
                          .limit(batch - len(undated))) if len(undated) < batch else undated


def keep_inspect_from(db, household, day):
    """``household``'s day counted from written, unless it has one by now (or, vacant, one that
    says it is not: ``MISTAKEN_VACANT``, unless it moved since): 1 if written now."""
    return db.households.update_one(
        {"_id": household["_id"], "estate_id": household["estate_id"], "$or": [UNDATED, MISTAKEN_VACANT]},
        {"$set": {"_inspect_from": day}}).modified_count


def inspections_query(filters):
    """The vacant-unit inspections' list filters as a query: ``period`` (YYYY-MM) the inspections
    whose ``inspected_on`` (the estate's local day) is in that month, through ``(estate_id,
    inspected_on)``."""
    return _period_of_days(filters, "inspected_on")


def _period_of_days(filters, day_field):
    """``filters`` as a query, their ``period`` (YYYY-MM) the range of ``day_field`` (a local day,
    YYYY-MM-DD) in that month."""
    query = dict(filters)
    period = query.pop("period", None)
    if period:
        query[day_field] = store.days_of(period)
    return query


def inspected_after(db, estate_id, day):
    """The ids of the households with a vacant-unit inspection after the local ``day``: one range
    of ``(estate_id, inspected_on)``, the inspections of the interval (about one a vacant unit)."""
    found = db.vacant_inspections.find({"estate_id": estate_id, "inspected_on": {"$gt": day}}, {"household_id": 1})
    return {inspection["household_id"] for inspection in found}


# the households whose last inspection one read asks for (a $in the embedded store looks up value
# by value up to its IN_BUCKETS, 1,024): more are asked in reads of this many
LAST_INSPECTED_READ = 1000


def last_inspected(db, estate_id, since, until):
    """``{household id: its last vacant-unit inspection's day}`` from its local day in ``since``
    (``{household id: day}``: its vacancy's first) to ``until``, inclusive, for those that had
    one: a read of theirs (of each ``LAST_INSPECTED_READ``) through ``(estate_id, household_id,
    inspected_on)`` (a bucket a household, each walked from the earliest of the read's days), not
    a read a household."""
    found = {}
    ids = sorted(since)
    for start in range(0, len(ids), LAST_INSPECTED_READ):
        chunk = ids[start:start + LAST_INSPECTED_READ]
        query = {"estate_id": estate_id, "household_id": {"$in": chunk},
                 "inspected_on": {"$gte": min(since[household_id] for household_id in chunk), "$lte": until}}
        for inspection in db.vacant_inspections.find(query, {"household_id": 1, "inspected_on": 1}):
            household_id = inspection["household_id"]
            found[household_id] = max(found.get(household_id, ""), inspection["inspected_on"])
    return found


def custom_definitions(db, estate_id, resource):
    """The estate's custom-field definitions of ``resource`` (archived ones too)."""
    return custom_fields_store.definitions(db, estate_id, [resource])


def meter_readings_of(db, estate_id, household_id, meter_kind):
    """A household's readings of one kind of meter, through ``(estate_id, household_id, meter_kind,
    read_on)`` (a handful a flat: its handover, its sales, a replacement)."""
    return list(db.meter_readings.find({"estate_id": estate_id, "household_id": household_id,
                                        "meter_kind": meter_kind}))


def claim_next_reading(db, estate_id, household_id, meter_kind, last_id, reading_id, now):
    """The reading that holds the place after ``last_id`` (the flat's last reading of that kind of
    meter, None before its first) once the claim is over (``estate_common.claims_store``):
    ``reading_id`` when it took it (new, a retry of its own with the same Idempotency-Key, or taken
    over from a reading whose create died a minute ago without writing it), else the reading that
    holds it. Two readings at once were each judged against the one before them both, and the meter
    went back unrefused; the claim's insert decides which follows (found by review r7)."""
    def standing(holder_id):
        held = db.meter_readings.find_one({"_id": holder_id, "estate_id": estate_id}, {"_id": 1})
        return claims_store.STANDS if held else claims_store.UNWRITTEN

    claim_id = ids.natural_id("mrnext", estate_id, household_id, meter_kind, last_id or "")
    return claims_store.claim(db.meter_reading_claims, estate_id, claim_id, reading_id, now, standing,
                              field="reading_id", fields={"household_id": household_id, "meter_kind": meter_kind,
                                                          "after": last_id})


def meter_readings_query(filters):
    """The meter readings' list filters as a query: ``household_id``, ``meter_kind``, ``occasion`` as
    they are, ``period`` (YYYY-MM) the readings whose ``read_on`` is in that local month."""
    return _period_of_days(filters, "read_on")


def walk_meter_readings(db, estate_id, query):
    """Every meter reading of ``query`` (``meter_readings_query``) in the list's order (an export's pass)."""
    return store.walk(db.meter_readings, {"estate_id": estate_id, **query})


def walk_inspections(db, estate_id, query):
    """Every vacant-unit inspection of ``query`` (``inspections_query``) in the list's order (an export's pass)."""
    return store.walk(db.vacant_inspections, {"estate_id": estate_id, **query})


def household_addresses(db, estate_id, household_ids):
    """``{household id: {building, unit, room}}`` of the estate's households ``household_ids`` (a batch)."""
    return {doc.pop("_id"): doc for doc in db.households.find(
        {"estate_id": estate_id, "_id": {"$in": sorted(set(household_ids))}}, {"building": 1, "unit": 1, "room": 1})}


def export_households(db, estate_id, filters):
    """Every household the list's filters select, in the list's order (an export's pass); with
    ``updated_since``, as the list's, those changed since then in ``(updated_at, _id)`` order; with
    ``sort=address``, in the address order (``households_by_address``'s, on its index), where it
    was written in the order they were registered."""
    query = household_query(db, estate_id, filters)
    if by_address(filters):
        return db.households.find(query, batch_size=1000).sort(ADDRESS_ORDERED[1:])
    return store.walk(db.households, query, filters.get("updated_since"))


def subject_has_record(db, estate_id, subject_id, event_type):
    """Whether a record of ``event_type`` of the subject is kept (by ``(estate_id, subject_id)``)."""
    return db.records.find_one({"estate_id": estate_id, "subject_id": subject_id, "event_type": event_type},
                               {"_id": 1}) is not None


def chain_record(db, record, attempts=100):
    """Insert ``record`` as its estate's next link (``chain.link`` after the head) and return it
    as stored. Writers on several replicas may take the same seq: the unique index lets one win
    and the others read the new head and link again. A record whose ``_id`` is stored already (a
    redelivered event, a retried correction) is not added twice: the stored one is returned."""
    estate_id = record["estate_id"]
    for attempt in range(attempts):
        # the first link trusts the head as read: a record past it (its writer stopped before moving
        # it) fails the insert on its seq, and the next attempt walks past it. Probing for one first
        # cost every event a read that finds nothing (a round trip on MongoDB; issue 15)
        linked = chain.link(record, chain_head(db, estate_id, walk=attempt > 0))
        try:
            db.records.insert_one(linked)
        except DuplicateKey:
            stored = db.records.find_one({"_id": record["_id"], "estate_id": estate_id})
            if stored is not None:
                return stored
            continue  # another writer took this seq: chain_head finds its record
        _advance_head(db, linked)
        return linked
    raise ServiceUnavailable("the archive is too busy to record this now; try again")


def chain_head(db, estate_id, walk=True):
    """``{"seq", "hash"}`` of the estate's last chained record (None: no chain yet).

    The head is a document of its own (``chain_heads``), so that a write reads one document, not
    the estate's records sorted by seq. It may lag: a writer that stopped between its record and
    the head leaves the record at head seq + 1, which is looked up (one index probe) and taken.
    ``walk=False``: the head document as it is, not looked past (``chain_record``'s first try)."""
    head = db.chain_heads.find_one({"_id": estate_id, "estate_id": estate_id})
    if head is None:  # an estate's first record, or a chain begun before heads were kept
        last = db.records.find_one({"estate_id": estate_id, "seq": CHAINED}, sort=CHAIN_DESCENDING)
        if last is None:
            return None
        head = {"seq": last["seq"], "hash": last["hash"]}
    while walk and (after := db.records.find_one({"estate_id": estate_id, "seq": head["seq"] + 1})) is not None:
        head = {"seq": after["seq"], "hash": after["hash"]}
    return head


def _advance_head(db, linked):
    """The head moves on to ``linked``, never back (a writer that came later may be past it)."""
    estate_id, head = linked["estate_id"], {"seq": linked["seq"], "hash": linked["hash"]}
    ahead = {"_id": estate_id, "estate_id": estate_id, "seq": {"$lt": linked["seq"]}}
    if db.chain_heads.update_one(ahead, {"$set": head}).matched_count == 0:
        if not store.insert_new(db.chain_heads, {"_id": estate_id, "estate_id": estate_id, **head}):
            db.chain_heads.update_one(ahead, {"$set": head})  # created meanwhile: once more


def chained_records(db, estate_id, first, last):
    """The chained records with ``first`` <= seq <= ``last`` (None: open), in seq order, and the
    record just before ``first`` (None when there is none)."""
    window = {"$exists": True, "$gte": first or 1} | ({"$lte": last} if last is not None else {})
    before = None
    if first and first > 1:
        before = db.records.find_one({"estate_id": estate_id, "seq": {"$exists": True, "$lt": first}},
                                     sort=CHAIN_DESCENDING)
    return db.records.find({"estate_id": estate_id, "seq": window}, sort=[("seq", 1)]), before


def unchained_count(db, estate_id):
    """Records kept before the chain began (no seq): verify counts them, it cannot check them."""
    return db.records.count_documents({"estate_id": estate_id, "seq": {"$exists": False}})


def corrections_of(db, estate_id, record_ids):
    """``{record id: [ids of the records correcting it]}`` for ``record_ids`` (in seq order)."""
    found = {}
    query = {"estate_id": estate_id, "corrects": {"$in": list(record_ids)}}
    for correction in db.records.find(query, {"corrects": 1, "seq": 1}).sort([("seq", 1), ("_id", 1)]):
        found.setdefault(correction["corrects"], []).append(correction["_id"])
    return found


def keep(db, collection, doc):
    """Insert an immutable document once; a redelivered event finds it there."""
    try:
        db[collection].insert_one(doc)
    except DuplicateKey:
        pass


RECORD_MATCHES = ("subject_id", "subject_type", "household_id")
RECORD_WINDOW = {"occurred_from": "$gte", "occurred_before": "$lt", "occurred_until": "$lte"}


def records_found(db, estate_id, search, limit, cursor):
    """A page of the estate's records that ``search`` (``domain.records_search``) describes: equal
    on subject, subject type and household, ``occurred_at`` within the window it gives; with a
    ``number``, every record of the subjects whose records carry it (a record that does not,
    an order's later step, is still its subject's)."""
    query = {name: search[name] for name in RECORD_MATCHES if name in search}
    if "household_id" in query:  # a household's own records and those of several naming it (a damage claim)
        household_id = query.pop("household_id")
        query["$or"] = [{"household_id": household_id}, {"household_ids": household_id}]
    if "number" in search:
        query["$and"] = [{"subject_id": {"$in": subjects_numbered(db, estate_id, search["number"])}}]
    if "subject_types" in search:  # what the caller reads directly (estate_common.archive_access)
        query["subject_type"] = search.get("subject_type") or {"$in": list(search["subject_types"])}
    window = {op: search[name] for name, op in RECORD_WINDOW.items() if name in search}
    if window:
        query["occurred_at"] = window
    return store.page(db.records, {"estate_id": estate_id, **query}, limit, cursor)


def subjects_numbered(db, estate_id, number):
    """The ids of the subjects whose records carry ``number`` (as stored: SR-2026-000042)."""
    return db.records.distinct("subject_id", {"estate_id": estate_id,
                                              "$or": [{field: number} for field in NUMBER_FIELDS]})


def borrowed_records(db, estate_id, match, limit, cursor):
    """A page of the estate's records a borrowing opens (``borrowing.borrowed_search``)."""
    return store.page(db.records, {"estate_id": estate_id, **match}, limit, cursor)


def list_change_log(db, estate_id, filters, limit, cursor):
    return store.page(db.change_log, {"estate_id": estate_id, **filters}, limit, cursor)


# -- borrowing, check plans, checks ----------------------------------------------

# the one write path (estate_common.writes) on these, and reads by id; a household's updated_at is
# the moment of each write that changes what the API shows of it (domain.household_view)
named = writes.Named(WHAT, stamped={"households": lambda doc: domain.household_view(store.public(doc))})
find, get, referenced, insert = named.find, named.get, named.referenced, named.insert
change, create = named.change, named.create


def subject(db, estate_id, subject_id):
    """``{"type", "id"}`` of what an archive file is about, or a 422 naming subject_id."""
    if subject_id == estate_id:
        return {"type": "estate", "id": subject_id}
    if db.households.count_documents({"_id": subject_id, "estate_id": estate_id}, limit=1):
        return {"type": "household", "id": subject_id}
    record = db.records.find_one({"estate_id": estate_id, "subject_id": subject_id}, {"subject_type": 1})
    if record is None:
        raise BusinessRuleViolation("the archive holds nothing about this subject",
                                    [field_error("data.subject_id", "is not in this estate's archive")])
    return {"type": record["subject_type"], "id": subject_id}


def handover_requested_as(db, estate_id, requested_as):
    """The takeover or handover a request (its Idempotency-Key's id) recorded, or None."""
    return db.handovers.find_one({"estate_id": estate_id, "_requested_as": requested_as})


def estate_handovers(db, estate_id):
    """The estate's handover sessions from the developer (a few dozen at most), for the checklist."""
    return list(db.estate_handovers.find({"estate_id": estate_id},
                                         {"date": 1, "created_at": 1, "documents": 1, "keys": 1}))


def takeovers(db, estate_id, household_id=None):
    """The estate's takeover checklists (接管验收), or one household's, through the index led by the
    estate and the household."""
    query = {"estate_id": estate_id, "kind": "takeover"}
    if household_id:
        query["household_id"] = household_id
    return list(db.handovers.find(query, {"household_id": 1, "date": 1, "created_at": 1, "outcome": 1, "items": 1,
                                          "counterpart": 1}))


def accepted_handovers(db, estate_id, household_id):
    """``{kind: the household's accepted takeover / handover}`` (kinds without one left out)."""
    found = db.handovers.find({"estate_id": estate_id, "household_id": household_id, "outcome": "accepted"},
                              {"kind": 1, "date": 1})
    return {doc["kind"]: doc for doc in found}


def page(db, collection, estate_id, query, limit, cursor):
    return store.page(db[collection], {"estate_id": estate_id, **query}, limit, cursor)


def borrow_requests_found(db, estate_id, match, overdue, now_iso, limit, cursor):
    """A page of the estate's borrow requests equal on ``match``; ``overdue`` True keeps those
    approved and due back before ``now_iso`` (``borrowing.is_overdue``), False all others,
    None either."""
    query = {"estate_id": estate_id, **match}
    late = {"status": "approved", "due_back": {"$lt": now_iso}}
    if overdue is True:
        query = {"$and": [query, late]}
    elif overdue is False:
        query = {"$and": [query, {"$nor": [late]}]}
    return store.page(db.borrow_requests, query, limit, cursor)


def borrow_requests_made(db, estate_id, start, end):
    """The estate's borrow requests made in ``[start, end)`` (ISO), the fields their totals count,
    through the lists' index (``estate_id, created_at``)."""
    return list(db.borrow_requests.find(
        {"estate_id": estate_id, "created_at": {"$gte": start, "$lt": end}},
        {"status": 1, "kind": 1, "authority_inspection": 1, "returned_at": 1, "due_back": 1}))


LATE_RETURNS_FLAGGED = "_late_returns_flagged"  # on the estate: when its sweep flagged them (operations.flag_late_returns)


def estates_flagging_late_returns(db):
    """The estates, in id order, whose returned requests the sweep has not flagged yet (no
    ``LATE_RETURNS_FLAGGED``), retired or not: a retired estate's records stay readable."""
    return sorted(doc["estate_id"] for doc in db.estates.find({LATE_RETURNS_FLAGGED: {"$exists": False}},
                                                                {"estate_id": 1}))


def flag_late_returns(db, estate_id, late):
    """``returned_late`` (``late(request)``) on the estate's returned requests that lack it, returned
    before it was kept at the return, so the list's filter finds them, through ``estate_id,
    status``; a later call finds none. How many were flagged."""
    unflagged = {"estate_id": estate_id, "status": "returned", "returned_late": {"$exists": False}}
    flagged = 0
    for request in list(db.borrow_requests.find(unflagged, {"returned_at": 1, "due_back": 1})):
        flagged += db.borrow_requests.update_one({"_id": request["_id"], "estate_id": estate_id,
                                                  "returned_late": {"$exists": False}},
                                                 {"$set": {"returned_late": late(request)}}).modified_count
    return flagged


# -- KPIs -----------------------------------------------------------------------

def keep_closed_report(db, report):
    """The newest count of a service's month (by ``counted_at``): a count that arrives after a newer
    one (redelivered, or overtaken) changes nothing."""
    newer = {"counts": report["counts"], "counted_at": report["counted_at"]}
    older = {"_id": report["_id"], "estate_id": report["estate_id"], "counted_at": {"$lt": report["counted_at"]}}
    if db.closed_reports.update_one(older, {"$set": newer}).matched_count == 0:
        if not store.insert_new(db.closed_reports, report):
            db.closed_reports.update_one(older, {"$set": newer})  # made meanwhile: once more


def closed_reported(db, estate_id, periods):
    """The services' newest counts of the months ``periods``."""
    return list(db.closed_reports.find({"estate_id": estate_id, "period": {"$in": list(periods)}}))


def closed_present(db, estate_id, start, end, event_types):
    """``{event type: closing records held}`` with ``occurred_at`` in ``[start, end)``."""
    window = {"$gte": start, "$lt": end}
    return {event_type: db.records.count_documents({"estate_id": estate_id, "event_type": event_type,
                                                    "occurred_at": window})
            for event_type in event_types}


def subjects_with_records(db, estate_id, event_types, subject_ids):
    """Those of ``subject_ids`` with a record of one of ``event_types``: one read through
    ``estate_id, subject_id`` (a page of a service's closed things, 200 at most)."""
    found = db.records.find({"estate_id": estate_id, "subject_id": {"$in": list(subject_ids)},
                             "event_type": {"$in": list(event_types)}}, {"subject_id": 1})
    return {record["subject_id"] for record in found}


def checks_of_plan(db, estate_id, plan_id):
    """The moments of a check plan's checks (ISO)."""
    return [c["checked_at"] for c in db.archive_checks.find({"estate_id": estate_id, "plan_id": plan_id},
                                                             {"checked_at": 1})]


def plan_made(db, estate_id, plan_id):
    """Whether the estate has made the check plan ``plan_id`` (``checks.plan_id``: its year's)."""
    return db.check_plans.find_one({"_id": plan_id, "estate_id": estate_id}, {"_id": 1}) is not None


def kpi_facts(db, estate_id, start, end, year_start, closing_events, plan_id):
    checks = db.archive_checks
    plan = db.check_plans.find_one({"_id": plan_id, "estate_id": estate_id}, {"created_at": 1})
    return {
        "plan_made_at": plan["created_at"] if plan else None,
        "checks_in_period": list(checks.find({"estate_id": estate_id, "checked_at": {"$gte": start, "$lt": end}})),
        "checks_this_year": [c["checked_at"] for c in checks.find(
            {"estate_id": estate_id, "checked_at": {"$gte": year_start, "$lt": end}}, {"checked_at": 1})],
        "closed_records": db.records.count_documents({"estate_id": estate_id, "event_type": {"$in": closing_events},
                                                      "occurred_at": {"$gte": start, "$lt": end}}),
    }
