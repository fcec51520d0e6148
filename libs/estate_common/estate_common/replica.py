"""Read copies of master data that archive owns, fed by its events.

Services that need estates or households (to check a reference, to bill an
area, to know an estate's timezone) keep these copies in their own store. A
copy is written only when the event's ``version`` is newer than what is
stored, so a redelivered or out-of-order event changes nothing.
"""
from . import calendar, clock, common_store, plausible
from .errors import BusinessRuleViolation, Conflict, NotFound, field_error

COLLECTIONS = {"estate": "estates", "household": "households"}

# How far before its registration an estate's records may be dated: a billing run made just after
# the estate was taken over catches up the months before it, finance's ``catch_up_months`` at most
# (its MAXIMA names this number); what else is recorded is dated the day it is done, or is history
# entered once (an owner's transfer: ``plausible.historical``). Every service's period reports end
# their reach here (``refuse_before_records``).
RECORDS_REACH_MONTHS = 120

INDEXES = {
    "estates": [([("estate_id", 1)], {}), ([("code", 1)], {})],
    "households": [([("estate_id", 1), ("building", 1), ("unit", 1), ("room", 1)], {})],
}


def apply(db, kind, event):
    """Upsert the copy carried by an archive ``<kind>_created|_updated`` event (each carries the
    whole document at its version, so created and updated events are applied alike)."""
    _write(db, kind, event["data"])


def restate(db, kind, data):
    """A copy archive sent again (``estate_restated``, an item of ``households_restated``): written
    at the same version too, so that a copy made before events carried a field gets it (a
    household's ``created_at``); never over a newer one."""
    _write(db, kind, data, or_same=True)


def _write(db, kind, data, or_same=False):
    copy = dict(data)
    doc_id = copy.pop("id")
    copy.pop("changed", None)  # what the edit wrote (archive's change log): not part of the copy
    common_store.upsert_copy_if_newer(db, COLLECTIONS[kind], doc_id, copy, copy.get("version", 0), or_same=or_same)


def get(db, kind, estate_id, doc_id):
    return common_store.find_copy(db, COLLECTIONS[kind], estate_id, doc_id)


def flat(household):
    """A household as people know it: its building-unit-room (``3-1-1202``, as the console writes
    one); None for no copy, or a copy without its address."""
    parts = [str((household or {}).get(name) or "") for name in ("building", "unit", "room")]
    return "-".join(parts) if all(parts) else None


def flats(db, estate_id, household_ids):
    """``{household id: its flat}`` for a note a person reads (a history's, where an id named
    nothing anyone can look up); one whose copy has not come is named by its id."""
    return {household_id: flat(get(db, "household", estate_id, household_id)) or household_id
            for household_id in dict.fromkeys(household_ids) if household_id}


def estate_id_by_code(db, code):
    """The id of the estate whose public ``code`` this is (the owner portal's and the public
    disclosures' paths name an estate by its code), or None when no copy has it. The one place
    a public route's estate code becomes an estate id."""
    found = _estate_by_code(db, code)
    return found["_id"] if found else None


def _estate_by_code(db, code):
    # archive keeps codes upper-cased (archive.domain.new_estate): a code is read in any case
    return common_store.find_estate_by_code(db, code.upper()) if isinstance(code, str) else None


def public_estate(db, code):
    """The copy of the estate a public route names by its ``code`` (its ``_id``, ``code`` and
    ``retired_at``): an unknown code is a 404 that says nothing more."""
    found = _estate_by_code(db, code)
    if found is None:
        raise NotFound("not found")
    return found


def public_estate_id(db, code):
    """``estate_id_by_code`` for a public route: an unknown code is a 404 that says nothing more."""
    return public_estate(db, code)["_id"]


def in_service(db, estate_ids):
    """Of ``estate_ids``, those whose copy does not say retired, in their order: the estates a
    timer makes work or raises alerts for. A retired estate's contract ended (the operator admin's
    ``POST …/estates/{id}/retire``): nobody works there to walk a round, check an extinguisher,
    answer a complaint or service a pump, so a sweep owes it nothing; reinstated (its copy's
    ``retired_at`` null again), it is swept again."""
    retired = common_store.retired_estate_ids(db)
    return [estate_id for estate_id in estate_ids if estate_id not in retired]


def no_work_order(estate):
    """Why a finding recorded in the estate (its copy) opens no work order: ``"retired_estate"`` when
    it is retired, else None. What closes out a retired estate's past is still recorded (the check-in
    of a round under way), and what it finds with it; an order for the finding is new work nobody
    will do there (its contract ended), so the finding says so rather than wait for one. Reinstated,
    a finding opens its order again."""
    return "retired_estate" if (estate or {}).get("retired_at") else None


def in_service_in(estate, period):
    """Whether the estate (archive's, or a copy) was in service at some moment of ``period`` (on
    its calendar): not retired, or retired after the period began. A period begun after its
    retirement owes nothing (a billing run, a KPI side by side)."""
    retired_at = (estate or {}).get("retired_at")
    return not retired_at or calendar.period_bounds(period, calendar.timezone_of(estate))[0] < retired_at


def estates_in_service(db):
    """``in_service`` of every estate this service holds a copy of, in id order, from one read of
    the registry: what a sweep of every estate visits."""
    return common_store.estate_ids_in_service(db)


def refuse_new_work(estate, field):
    """409 when the estate's copy says retired: new work that names the estate by a code the
    service alone turns into an id (the owner portal's filing), so that the gateway's refusal of
    new work in a retired estate (gateway/retirements.py) cannot see it. ``field``: what named it."""
    retired_at = (estate or {}).get("retired_at")
    if retired_at:
        raise Conflict(f"the estate was retired at {retired_at}: its service contract ended and it takes no new requests",
                       [field_error(field, "is a retired estate")])


def earliest_of_records(estate):
    """The earliest month (``YYYY-MM``) an estate's records may be dated in: the month of its
    registration (``estate``'s ``created_at``, archive's document or a service's copy, on the
    estate's calendar) less ``RECORDS_REACH_MONTHS``; never before 1950 (``plausible.FLOOR``, the
    oldest day of an estate's history), which is the whole rule for a copy without a registration
    (one from before estate events carried it, or none yet)."""
    floor = plausible.FLOOR.strftime("%Y-%m")
    registered_at = (estate or {}).get("created_at")
    if not registered_at:
        return floor
    registered = calendar.period_of(clock.parse_iso(registered_at), calendar.timezone_of(estate))
    return max(floor, calendar.add_months(registered, -RECORDS_REACH_MONTHS))


def refuse_not_begun(estate, period, now, field="filters.period"):
    """422 naming ``field`` for a month, quarter or year that has not begun on the ``estate``'s
    calendar (its document or copy) at ``now``: a report of one answered zeros (2999-01), as if
    nothing had happened in it, where finance refused its own (a billing run of it is refused). The
    reports of what happened take it (``refuse_report_period``); the views of what is planned (the
    preventive month, the costs' budget) and the obligations that say ``not_begun`` do not."""
    current = calendar.period_of(now, calendar.timezone_of(estate))
    if calendar.months_of(period)[0] > current:
        raise BusinessRuleViolation(f"a period that has not begun has nothing to report: the current month is {current}",
                                    [field_error(field, "has not begun")])


def refuse_report_period(estate, period, now, field="filters.period"):
    """A report of what happened in a month, quarter or year: 422 for one not begun
    (``refuse_not_begun``) and for one that ended before the estate's records can begin
    (``refuse_before_records``). The one check of every service's period reports of the past."""
    refuse_not_begun(estate, period, now, field)
    refuse_before_records(estate, period, field)


def refuse_before_records(estate, period, field="filters.period"):
    """Every period report's one check of how far back it reads (finance's reconciliation,
    disclosure and fund statement, the complaint analysis and results, the year's obligations,
    the desk's week, the borrow totals, the month's costs, emergencies and preventive jobs, the
    missed rounds and handovers, the gate's parking): 422 naming ``field`` for a month, quarter,
    year or ISO week (``calendar.last_month``) that ended before ``earliest_of_records`` of the
    ``estate`` (archive's document or the service's copy). A report of 1900 answered zeros: a
    form's blank year read as a period of nothing."""
    earliest = earliest_of_records(estate)
    if calendar.last_month(period) >= earliest:
        return
    fields = [field_error(field, f"is before {earliest}, the earliest month of the estate's records")]
    registered_at = (estate or {}).get("created_at")
    if not registered_at:
        raise BusinessRuleViolation(f"a period before {earliest} has nothing to report: no estate's records are older",
                                    fields)
    registered = calendar.day_of(clock.parse_iso(registered_at), calendar.timezone_of(estate))
    raise BusinessRuleViolation(f"a period before {earliest} has nothing to report: the estate was registered on "
                                f"{registered}, and its records reach back {RECORDS_REACH_MONTHS} months before "
                                "that at most", fields)


def estate_timezone(db, estate_id):
    """The estate's IANA timezone from its copy; Asia/Shanghai while no copy has arrived
    (see ``calendar.timezone_of``)."""
    return calendar.timezone_of(get(db, "estate", estate_id, estate_id))
