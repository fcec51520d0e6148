"""The steps of each of archive's writes and reads: read through ``store``, decide with the
rule modules (``domain``, ``imports``, ``borrowing``, ``checks``), write through the one write
path (``estate_common.writes`` behind ``store.change``/``create``): a revision check, the
events in the same document write, a lost race decided again on what the winner wrote.
"""
import functools
import logging
import time
from datetime import timedelta
from functools import partial

from estate_common import (backfills, calendar, clock, contracts, custom_fields, exports, ids, jobs, logs, personal_data,
                           phones, replica)
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput, NotFound, field_error
from estate_common.kpis import before_the_estate, by_the_month, per_estate_month, rules_of_period
from estate_common.store import page_computed, public
from estate_common.writes import Change

from . import (borrowing, chain, checks, domain, estate_handovers, events, handover_batches, handovers, import_files,
               imports, meter_readings, occupants, restatements, store)

log = logging.getLogger(__name__)


# the one write path on store's collections, the events of a step built by ``events`` (the
# names this service announces; ``_create(..., actor=)``: who, when no caller is)
_announced = store.named.announcing(events.announcer)
_change, _create = _announced.change, _announced.create


def _household_change(db, outbox, estate_id, household_id, decide, **options):
    """``_change`` of a household: every step keeps the numbers it is found by
    (``occupants.phone_keys``) with what it changed (its owner, its people), and gives one stored
    without them (before they were kept) its own."""
    @functools.wraps(decide)  # the step's id is its decide's name (writes.KeyedCall.step_id)
    def keeping_phones(household):
        step = decide(household)
        if step is not None:
            step.set["_phones"] = occupants.phone_keys(household | step.set)
            if INSPECT_FROM_READS & set(step.set) or "_inspect_from" not in household:
                step.set["_inspect_from"] = _inspect_from(db, household | step.set)
        return step
    return _change(db, outbox, "households", estate_id, household_id, keeping_phones, **options)


# what a household's day counted from for its inspections is read from (occupants.inspect_from):
# a step that writes one of them keeps ``_inspect_from`` anew (and gives one a household lacks)
INSPECT_FROM_READS = {"status", "status_history", "created_at"}


def _inspect_from(db, household):
    """``occupants.inspect_from`` of ``household`` as it is written, in its estate's timezone now,
    from its newest inspection (one probe of ``(estate_id, household_id, inspected_on)``); a unit
    not vacant is NOT_VACANT whatever those are, and reads neither (an import's or the sweep's
    occupied units read the estate's document each for nothing)."""
    if household.get("status") != "vacant":
        return occupants.NOT_VACANT
    estate_id = household["estate_id"]
    return occupants.inspect_from(household, store.newest_inspection(db, estate_id, household["_id"]),
                                  store.estate_timezone(db, estate_id))


def _taken(message, field, note):
    """``found`` for a create whose natural id is taken: a 409 naming the field."""
    def refuse(stored):
        raise Conflict(message, [field_error(field, note)])
    return refuse


# -- estates -----------------------------------------------------------------------------

def create_estate(db, outbox, data):
    estate = domain.new_estate(data, clock.now())  # a second estate with the code collides on _id
    created = _create(db, outbox, "estates", estate["_id"], estate["_id"],
                      lambda: (estate, [("estate_created", domain.estate_event_data(estate))]),
                      found=_taken(f"an estate with code {estate['code']} exists", "data.code", "is already taken"))
    return domain.estate_view(public(created))


def update_estate(db, outbox, estate_id, data):
    """Edit an estate (operator admin): name, address, timezone; a new version, ``estate_updated``."""
    return _estate_changed(db, outbox, estate_id, lambda estate: domain.estate_changes(estate, data, clock.now()))


def retire_estate(db, outbox, caller, estate_id, retired, record=None):
    """Retire the estate (its contract ended) or reinstate it: ``retired_at``, a new version,
    ``estate_updated``. The gateway first checks that no staff account or key still holds it and
    that its handover package has nothing outstanding (or the admin's override, kept in ``record``);
    its records stay as they are, readable (the archive keeps them for good)."""
    return _estate_changed(db, outbox, estate_id,
                           lambda estate: domain.retirement_changes(estate, retired, clock.now(), record, caller.user))


def _estate_changed(db, outbox, estate_id, changes_of):
    """The estate with ``changes_of(estate)`` written as a new version announced by ``estate_updated``
    (nothing written when there are none); an unknown estate is a 404 naming it."""
    store.get_estate(db, estate_id)

    def decide(estate):
        changes = changes_of(estate)
        if not changes:
            return None
        return Change(changes, events=[("estate_updated", domain.estate_event_data(estate | changes, changes))])

    return domain.estate_view(public(_change(db, outbox, "estates", estate_id, estate_id, decide)))


def start_restatement(db, caller, estate_id):
    """The estate and every household of it sent again to the services' read copies, by a job
    (``restatements``). A retry with the caller's Idempotency-Key answers the same job."""
    jobs.require_may_start(restatements.JOB_KIND, caller)
    store.get_estate(db, estate_id)
    job = jobs.create(db, jobs.created_id(caller, "archive", estate_id, restatements.JOB_KIND), estate_id,
                      restatements.JOB_KIND, {}, caller.user)
    return jobs.public(job)


def restate_copies(db, outbox, job, progress):
    """The job's work: the estate's event, then its households in batches, each sent once."""
    estate_id, restatement_id = job["estate_id"], job["_id"]
    estate = store.get_estate(db, estate_id)
    now = clock.now_iso()
    batches = list(restatements.batches(store.export_households(db, estate_id, {})))  # every one, in order
    households = sum(len(batch) for batch in batches)

    def send(part, event_type, data):
        doc = restatements.document(restatement_id, estate_id, part, now, job["created_by"])
        _create(db, outbox, "restatements", estate_id, doc["_id"], lambda: (doc, [(event_type, data)]))

    send(restatements.ESTATE_PART, "estate_restated", domain.estate_event_data(estate))
    done = 0
    progress(done, households)
    for number, batch in enumerate(batches, start=1):
        send(restatements.part_key(batch), "households_restated",
             restatements.households_data(batch, number, len(batches)))
        done += len(batch)
        progress(done, households)
    return {"estate_id": estate_id, "households": households, "batches": len(batches)}


def list_estates(db, caller, filters, limit, cursor):
    page = store.list_estates(db, caller.estate_scope(), filters.get("q"), limit, cursor, filters.get("ids"),
                              {"true": True, "false": False}.get(filters.get("retired")))
    page["items"] = [domain.estate_view(estate) for estate in page["items"]]
    return page


# -- households ----------------------------------------------------------------------------

def _create_household(db, outbox, household, found, actor=None, typed_id=None):
    """``household`` registered once, or ``found(the household stored under its id)``; a flat
    registered under another id, written otherwise (3栋 for 3: its ``_address_key``, or for one
    not keyed yet its spellings, ``store.household_spelled``), is a 409 naming that household
    (``domain.registered_otherwise``), also when its twin wins the insert
    between the probe and the write (the unique index refuses this one). ``typed_id``: the flat's
    id as stored before address parts were NFKC-read, when it differs
    (``domain.typed_household_id``): a household stored under it is this one."""
    estate_id = household["estate_id"]
    if typed_id:
        earlier = store.find_household(db, estate_id, typed_id)
        if earlier is not None:
            return found(earlier)
    keyed = store.household_at(db, estate_id, household["_address_key"])
    # one not keyed yet (before its sweep, or an old replica's) at another spelling: looked up
    # only while the estate has such a household (the spellings' lookups, some 900, of a new flat)
    if keyed is None and store.has_unkeyed_households(db, estate_id):
        keyed = store.household_spelled(db, estate_id, household)
    if keyed is not None and keyed["_id"] != household["_id"]:
        raise domain.registered_otherwise(keyed, household)

    def there(stored):
        if stored is None:  # the insert lost on the address key: a twin written otherwise won it
            twin = store.household_at(db, estate_id, household["_address_key"])
            if twin is None:
                raise Conflict("the flat was being registered meanwhile: try again", retry_after=1)
            raise domain.registered_otherwise(twin, household)
        return found(stored)

    household["_inspect_from"] = _inspect_from(db, household)  # the due list's range (vacant_inspections_due)
    return _create(db, outbox, "households", estate_id, household["_id"],
                   lambda: (household, [("household_created", domain.household_event_data(household))]),
                   found=there, actor=actor)


def create_household(db, outbox, estate_id, data):
    store.get_estate(db, estate_id)
    occupants.refuse_renovating_create(data)  # works under way at a takeover come by the import
    custom = custom_fields.check_values(store.custom_definitions(db, estate_id, "household"), data.get("custom"))
    household = domain.new_household(estate_id, data, clock.now(), custom)  # its _id is its building, unit, room
    created = _create_household(db, outbox, household, _taken(
        "this building, unit and room is registered already", "data.room", "is already registered"),
        typed_id=domain.typed_household_id(estate_id, data))
    return domain.household_view(public(created))  # whole: who sees the owner in full is the gateway's (personal_data)


# The sweep that keys households registered without an address key (keep_address_keys): the
# households registered since this long before its last sweep of an estate began are read
# again, for those a replica of the version before wrote during a deploy, or one whose write
# landed after the sweep read (their clocks, their writes in flight).
ADDRESS_KEYS_OVERLAP = timedelta(minutes=15)


def keep_address_keys(db, stopping=lambda: False):
    """Every household registered without an address key (before keys were kept, or by a replica
    of the version before while a deploy rolls) gets its own (``domain.address_key``), oldest first:
    the duplicate check finds it from then on. A household of a flat registered twice already
    (3-1-1201 and 3栋-1-1201) keeps none: the first registered holds the key, the others are
    left as they are (the unique index refuses their key; nothing fails) and named in a warning
    with the estate and ids (no address, no owner), once per sweep that meets them, the first
    after they were made; the desk decides which to keep. Per estate, the first sweep reads all
    its households, a later one those registered since ``ADDRESS_KEYS_OVERLAP`` before the last
    began. Idempotent: each write only keys a household that has no key, so sweeps of several
    replicas at once key each once; a sweep ``stopping`` (the service stops) ends between two
    households and leaves the estate it was in unmarked. Returns how many it keyed."""
    keyed = 0
    for estate_id, since in store.estates_keeping_address_keys(db):
        began = clock.now()
        from_ = clock.to_iso(clock.parse_iso(since) - ADDRESS_KEYS_OVERLAP) if since else None
        shared = {}
        for household in store.unkeyed_households(db, estate_id, from_):
            if stopping():
                return keyed
            key = domain.address_key(household)
            if store.keep_address_key(db, household, key):
                keyed += 1
            else:
                holder = store.household_at(db, estate_id, key)
                shared[household["_id"]] = holder["_id"] if holder else None
            time.sleep(0)  # the service's calls run between writes (the embedded store does no I/O)
        if shared:
            log.warning("households of a flat registered already under another spelling were left without "
                        "an address key: decide which to keep",
                        extra={"estate_id": estate_id, "household_ids": sorted(shared),
                               "registered_as": [shared[h] for h in sorted(shared)]})
        store.mark_estate_swept(db, estate_id, clock.to_iso(began))
    return keyed


def keep_address_orders(db, stopping=lambda: False):
    """Every household registered without its place in the address order (``_address_order``:
    before it was kept, or by a replica of the version before while a deploy rolls) gets it
    (``domain.address_order``), so ``sort=address`` lists it in its place (``_keep_each``).
    Returns how many it ordered."""
    return _keep_each(db, "_address_orders_swept", store.UNORDERED,
                      lambda household: store.keep_address_order(db, household, domain.address_order(household)),
                      stopping)


def keep_phone_keys(db, stopping=lambda: False):
    """Every household stored without the numbers it is found by (``_phones``: registered or last
    changed before they were kept, or by a replica of the version before while a deploy rolls)
    gets them (``occupants.phone_keys``), so the desk's search by phone finds it (``_keep_each``).
    Returns how many it keyed."""
    return _keep_each(db, "_phones_swept", store.UNPHONED,
                      lambda household: store.keep_phone_keys(db, household, occupants.phone_keys(household)),
                      stopping)


def _keep_each(db, swept, lacking, keep, stopping):
    """``keep(household)`` on each household ``lacking`` what it is given, as ``keep_address_keys``
    walks them (the same timer): per estate all its households the first time, later those
    registered since ``ADDRESS_KEYS_OVERLAP`` before the last sweep began (the estate's marker
    ``swept``); each write only gives a household what it lacks, so replicas sweeping at once do
    it once. Ends between two households when ``stopping``, the estate left unmarked. How many."""
    kept = 0
    for estate_id, since in store.estates_keeping_address_keys(db, swept):
        began = clock.now()
        from_ = clock.to_iso(clock.parse_iso(since) - ADDRESS_KEYS_OVERLAP) if since else None
        for household in store.unkeyed_households(db, estate_id, from_, lacking):
            if stopping():
                return kept
            keep(household)
            kept += 1
            time.sleep(0)  # the service's calls run between writes (the embedded store does no I/O)
        store.mark_estate_swept(db, estate_id, clock.to_iso(began), swept)
    return kept


def search_households(db, caller, estate_id, data):
    """The households a phone is found on (the front desk has the number a caller rings from):
    ``{"items": [{"household", "owner_matched", "occupants"}]}``, each with whether its owner (its
    contact) has the number and which of its people (current or former) have it; at most
    ``PHONE_MATCHES``, in the lists' order. Read as dialled (``estate_common.phones``: spaces,
    dashes, +86 …), an exact match through the index ``(estate_id, _phones)``; a text that is not
    a phone is a 400 naming ``data.phone``. Only a role that reads residents' and owners' phones in
    full may search (403 otherwise: a masked reader would learn whose number it is); the gateway
    admits no other, and this says so again. The number is in no log line, no event, no record."""
    if not all(personal_data.sees_in_full(kind, caller.roles)
               for kind in (personal_data.OWNER_PHONE, personal_data.RESIDENT_PHONE)):
        raise Forbidden("only a role that reads owners' and residents' phones in full may search by one")
    number = phones.dialled(data["phone"])
    if number is None:
        raise InvalidInput("the phone is not a phone number", [field_error(
            "data.phone", "must be a phone number: 6 to 20 digits, maybe +86 first, spaces, dashes or "
                          "parentheses between them, such as 139 1234 5678")])
    store.get_estate(db, estate_id)
    items = []
    for household in store.households_by_phone(db, estate_id, number, PHONE_MATCHES):
        owner_matched, matched = occupants.phone_matches(household, number)
        items.append({"household": domain.household_view(public(household)), "owner_matched": owner_matched,
                      "occupants": matched})
    return {"items": items}


# the households one phone is searched among at most: an owner's flats, a family's (the desk's
# list, not a page: a number on more is no caller's to tell apart by it)
PHONE_MATCHES = 50


def start_household_import(db, caller, estate_id, data):
    """A spreadsheet of households, imported in the background (a job); see imports.py. The
    file is only measured here (``import_files.check``: a zip bomb or an oversized file is a
    400 now, in constant memory); the job parses it, so a file that kills a worker kills a
    job runner, which ``jobs`` gives up on after its attempts, never this RPC's consumer."""
    jobs.require_may_start(imports.JOB_KIND, caller)
    store.get_estate(db, estate_id)
    rows = import_files.check(data["format"], imports.decode(data["content_base64"]))
    job_id = jobs.created_id(caller, "archive", estate_id, imports.JOB_KIND)
    job = jobs.create(db, job_id, estate_id, imports.JOB_KIND, {"format": data["format"], "rows": rows},
                      caller.user, input={"content_base64": data["content_base64"]})
    return jobs.public(job)


def import_households(db, outbox, job, progress):
    """The job's work: each row a household, once (an import run again skips what it made);
    the rows are read as they are imported."""
    estate_id = job["estate_id"]
    now = clock.now()
    day = calendar.local_date(now, store.estate_timezone(db, estate_id)).isoformat()

    def save(household, typed_id=None):
        if household["status"] == "renovating":  # works under way at the takeover (occupants.takeover_works)
            household = household | occupants.takeover_works(household, day, clock.to_iso(now), job["created_by"])
        existing = []
        _create_household(db, outbox, household, found=existing.append, actor=job["created_by"], typed_id=typed_id)
        return existing[0] if existing else None

    content = imports.decode(job["_input"]["content_base64"])
    rows = imports.read_rows(job["params"]["format"], content)
    definitions = store.custom_definitions(db, estate_id, "household")
    return imports.run(estate_id, rows, now, save, progress, expected=job["params"]["rows"],
                       definitions=definitions)


def update_household(db, outbox, caller, estate_id, household_id, data):
    """Edit a household: area, status (a correction, written in the status history as the steps
    are), the owner's details, custom values; a new version, ``household_updated`` (every read
    copy follows, the newer version winning; finance's next billing run bills the new area;
    custom values travel in no event)."""
    # custom values: checked by type once the household is found (another estate's is a 404
    # whatever the values), required ones not asked; a 400 writes nothing
    definitions = store.custom_definitions(db, estate_id, "household") if "custom" in data else None
    tz = store.estate_timezone(db, estate_id) if "status" in data else "UTC"

    def decide(household):
        if "status" in data:  # into or out of a renovation: the managers' and the archivist's
            occupants.refuse_renovation_correction(household, data["status"], caller.roles)
        wanted = data if definitions is None else {
            **data, "custom": custom_fields.check_values(definitions, data["custom"], creating=False)}
        changes = domain.household_changes(household, wanted, clock.now(), caller.user, tz)
        if not changes:
            return None
        return Change(changes, events=[("household_updated", domain.household_event_data(household | changes, changes))])

    return domain.household_view(public(_household_change(db, outbox, estate_id, household_id, decide)))


def count_households(db, estate_id):
    """``{estate_id, count}``: every household of the estate, as its list holds them unfiltered."""
    return {"estate_id": estate_id, "count": store.count_households(db, estate_id)}


def list_households(db, estate_id, filters, limit, cursor):
    page = store.list_households(db, estate_id, filters, limit, cursor)
    page["items"] = [domain.household_view(household) for household in page["items"]]
    return page


def get_household(db, estate_id, household_id):
    return domain.household_view(public(store.get_household(db, estate_id, household_id)))


# -- a household's people and status (occupants.py) ----------------------------------------

def _household_step(db, outbox, estate_id, household_id, step, person_id=None):
    """``step(household)`` → ``(changes, answer)`` written as the household's next version with
    ``household_updated`` (no personal data: the copies follow the status and version); the
    stored household and ``answer(stored)`` back. Empty changes (a retry) write nothing.
    ``person_id``: the occupant the answer is, which a call sent again with its Idempotency-Key
    reads from the household as it is (its step applied, ``writes.change`` decides nothing)."""
    answers = {}

    def decide(household):
        changes, answer = step(household)
        answers["answer"] = answer
        if not changes:
            return None
        return Change(changes, events=[("household_updated", domain.household_event_data(household | changes, changes))])

    stored = _household_change(db, outbox, estate_id, household_id, decide)
    if "answer" not in answers:  # the step of a call sent again, found applied
        answers["answer"] = next((p for p in occupants.people(stored) if p["id"] == person_id), None)
    return stored, answers["answer"]


def household_step_requested(db, outbox, event):
    """The desk's application moved a household (``customer_service.household_step_requested``):
    the step applied once by ``occupants.application_step`` on the local day of ``at``, with
    ``household_updated`` (finance's copy bills by the status). A step the table refuses (a
    move-in of an occupied unit, a day before the last change, an unknown household) changes
    nothing, is logged as a warning and told to the desk (``household_step_refused``, once per
    application and step: ``occupants.step_refusal``); the event is acknowledged, not
    dead-lettered (a retry would be refused the same way: the steward corrects the status with
    ``…/status-changes``, a renovation's a manager or the archivist with a correction, ``PATCH``:
    ``occupants.refuse_renovation_correction``).
    A lost race is not a refusal: it raises, and the event is redelivered."""
    data, estate_id = event["data"], event["estate_id"]
    refused = {}

    def decide(household):
        tz = calendar.timezone_of(store.get_estate(db, estate_id))
        day = calendar.day_of(clock.parse_iso(data["at"]), tz)
        try:
            changes = occupants.application_step(household, data, day, clock.now(), event.get("actor"), tz)
        except (Conflict, BusinessRuleViolation) as error:
            refused["why"] = error.detail  # the sentence, not the exception's tuple (a probe read it raw)
            return None
        if changes is None:
            return None
        return Change(changes, events=[("household_updated", domain.household_event_data(household | changes, changes))])

    try:  # its change is logged as the one who took the step (the change log said nobody: a probe)
        _household_change(db, outbox, estate_id, data["household_id"], decide, actor=event.get("actor"))
    except NotFound as error:
        refused["why"] = error.detail
    if refused:
        log.warning("a household step from an application was refused",
                    extra={"event_id": event["event_id"], "estate_id": estate_id,
                           "household_id": data["household_id"], "application_id": data["application_id"],
                           "step": data["step"], "reason": refused["why"]})
        refusal = occupants.step_refusal(estate_id, data, refused["why"], clock.now())
        _create(db, outbox, "step_refusals", estate_id, refusal[0]["_id"], lambda: refusal,
                found=lambda stored: None)  # told once


def list_occupants(db, estate_id, household_id, filters):
    household = store.get_household(db, estate_id, household_id)
    persons = occupants.people(household)
    if filters.get("current") == "true":
        persons = [person for person in persons if person["to"] is None]
    return {"household_id": household_id, "status": household["status"], "items": persons,
            "status_history": household.get("status_history") or []}


def add_occupant(db, outbox, caller, estate_id, household_id, data):
    person_id = caller.created_id("occ", estate_id)
    tz = store.rules_for(db, estate_id)["timezone"]
    _, person = _household_step(db, outbox, estate_id, household_id, lambda household: occupants.add_occupant(
        household, person_id, data, clock.now(), caller.user, tz), person_id)
    return person


def end_stay(db, outbox, estate_id, household_id, occupant_id, data):
    tz = store.estate_timezone(db, estate_id)
    _, person = _household_step(db, outbox, estate_id, household_id, lambda household: occupants.end_stay(
        household, occupant_id, data, clock.now(), tz), occupant_id)
    return person


def erase_former_residents(db, outbox, stopping=lambda: False):
    """Each estate's tenants and family members who left ``former_resident_retention_days`` before
    its local today or earlier, masked for good (``occupants.erased``), each household as its next
    version (``household_updated``, ``occupants`` changed: no values; the change log names
    ``RETENTION_ACTOR``). The timer's work: replicas running it at once write each once (the
    revision check; an erased entry is not due again); a household that kept changing while it was
    written is left to the next run. Ends between two households when ``stopping``. Returns how
    many households it changed."""
    wrote = []
    for estate_id in store.estate_ids(db):
        rules = store.rules_for(db, estate_id)
        today = calendar.local_date(clock.now(), rules["timezone"])
        cutoff = today - timedelta(days=rules["former_resident_retention_days"])
        for household in store.former_residents_due(db, estate_id, cutoff.isoformat(), occupants.RESIDENTS):
            if stopping():
                return len(wrote)

            erasing = []

            def erase_former_residents(household, cutoff=cutoff, today=today, erasing=erasing):
                persons = occupants.erased(household, cutoff, today)
                if persons is None:
                    return None
                changes = {"occupants": persons, "version": household["version"] + 1,
                           "updated_at": clock.to_iso(clock.now())}
                erasing.append(household["_id"])
                return Change(changes, events=[("household_updated",
                                                domain.household_event_data(household | changes, changes))])

            try:
                _household_change(db, outbox, estate_id, household["_id"], erase_former_residents,
                                  actor=RETENTION_ACTOR, keyed=False)
            except Conflict:  # written by others each time: the next run masks it, the rest go on now
                log.warning("former residents of household %s of estate %s not masked this run: it kept changing",
                            household["_id"], estate_id)
            else:
                wrote += erasing
            time.sleep(0)  # the service's calls run between writes (the embedded store does no I/O)
    return len(set(wrote))


# who the change log names for a household changed by the retention of former residents' data
RETENTION_ACTOR = "retention"


def transfer_owner(db, outbox, caller, estate_id, household_id, data):
    person_id, tz = caller.created_id("occ", estate_id), store.estate_timezone(db, estate_id)
    stored, _ = _household_step(db, outbox, estate_id, household_id, lambda household: occupants.transfer_owner(
        household, person_id, data, clock.now(), caller.user, tz))
    return domain.household_view(public(stored))


def change_household_status(db, outbox, caller, estate_id, household_id, data):
    """A move-in, a move-out (退房) or a renovation's end (occupants.TRANSITIONS); its start is its
    application's (``occupants.steward_step``)."""
    base, tz = caller.created_id("occ", estate_id), store.estate_timezone(db, estate_id)
    stored, _ = _household_step(db, outbox, estate_id, household_id, lambda household: (occupants.steward_step(
        household, data, clock.now(), caller.user, lambda index: ids.natural_id("occ", base, index), tz), None))
    return domain.household_view(public(stored))


def record_vacant_inspection(db, outbox, caller, estate_id, household_id, data):
    """A steward's vacant-unit inspection (空置房巡检), once per Idempotency-Key; its problems
    go to customer service as repair requests (``vacant_inspection_recorded``)."""
    household, rules = store.get_household(db, estate_id, household_id), store.rules_for(db, estate_id)

    def build(doc_id):
        inspection = occupants.new_inspection(doc_id, household, data, clock.now(), caller.user, rules["timezone"],
                                              rules["recorded_within_days"])
        return inspection, [("vacant_inspection_recorded", occupants.inspection_event_data(inspection))]

    inspection = create(db, outbox, caller, "vacant_inspections", "vinsp", estate_id, build)
    # the unit's day counted from, raised to the inspection's when it is of this vacancy (a retry
    # with the key raises it if the first try stopped before; the due list decides each unit exactly)
    store.raise_inspect_from(db, estate_id, inspection["household_id"], inspection["inspected_on"])
    return public(inspection)


def export_inspections(db, estate_id, filters):
    """The vacant-unit inspections an export of the list's filters holds (``exports.VACANT_INSPECTIONS``),
    walked once in the list's order, each with its unit's building, unit and room (a batch at a time)."""
    return _with_addresses(db, estate_id, store.walk_inspections(db, estate_id, store.inspections_query(filters or {})))


def _with_addresses(db, estate_id, docs):
    """``docs`` (an export's, each naming its ``household_id``) with their household's building, unit
    and room, a batch at a time (``estate_common.exports.with_addresses``)."""
    return exports.with_addresses(docs, lambda doc: doc.get("household_id"),
                                  partial(store.household_addresses, db, estate_id))


def list_vacant_inspections(db, estate_id, filters, limit, cursor):
    """``period``: the inspections made in that local month of the estate (``store.inspections_query``)."""
    return store.page(db, "vacant_inspections", estate_id, store.inspections_query(filters or {}), limit, cursor)


def vacant_inspections_due(db, estate_id, limit, cursor, filters=None):
    """The estate's vacant units due an inspection on its local day, the longest overdue first
    (``occupants.inspections_due``: ``vacant_inspection_interval_days`` after the last inspection,
    or after the unit became vacant or was registered), paged with the lists' cursors, ``total`` on
    each page. Read from the units counted from a day that may be due (``store.due_candidates``, a
    range of each household's kept ``_inspect_from``), each decided as before from its history and
    inspections; while a household of the estate has no day kept yet (before the sweep,
    ``keep_inspect_from``), from every vacant unit (``_due_counted``)."""
    rules = store.rules_for(db, estate_id)
    tz, interval = rules["timezone"], rules["vacant_inspection_interval_days"]
    today = calendar.local_date(clock.now(), tz)
    cutoff = (today - timedelta(days=interval)).isoformat()  # inspected or vacant after it: not due
    # ``building``: one building's (a steward's own; blank: every one), total theirs
    building = ((filters or {}).get("building") or "").strip()
    if store.inspect_from_kept(db, estate_id):
        # a day kept in the estate's timezone before it was changed is up to ZONES_APART_DAYS later
        upto = (today - timedelta(days=interval - occupants.ZONES_APART_DAYS)).isoformat()
        vacant = [household for household in store.due_candidates(db, estate_id, upto, building)
                  if household.get("status") == "vacant"]
        due = _due_of(db, estate_id, vacant, cutoff, interval, today, tz, inspected=None)
    else:
        due = _due_counted(db, estate_id, building, cutoff, interval, today, tz)
    # the cursor's time: the start of the due day, as the lists' cursors write a moment
    page = page_computed(due, lambda item: (f"{item['due_on']}T00:00:00.000Z", item["household_id"]), limit, cursor)
    return {"interval_days": interval, "as_of": today.isoformat(), "total": len(due), **page}


def _due_counted(db, estate_id, building, cutoff, interval, today, tz):
    """The due units (``occupants.inspections_due``) of every vacant unit of the estate: three reads,
    not one a household: its vacant units, the units inspected within the interval (not due,
    whenever their vacancy began), and the last inspection of the others vacant since before it."""
    vacant = store.vacant_households(db, estate_id, building)
    return _due_of(db, estate_id, vacant, cutoff, interval, today, tz, store.inspected_after(db, estate_id, cutoff))


def _due_of(db, estate_id, vacant, cutoff, interval, today, tz, inspected):
    """Of the ``vacant`` units, those due (``occupants.inspections_due``): the units vacant since
    ``cutoff`` or before and not inspected after it (``inspected``, the ids of those inspected
    after it; None: read with their last inspections, from their vacancy's first day on), with
    their last inspection up to it, one read of theirs (a read a thousand of them)."""
    since = {household["_id"]: occupants.vacant_since(household, tz) for household in vacant}
    maybe = [household for household in vacant
             if since[household["_id"]] <= cutoff and (inspected is None or household["_id"] not in inspected)]
    until = cutoff if inspected is not None else occupants.NOT_VACANT
    last = store.last_inspected(db, estate_id, {household["_id"]: since[household["_id"]] for household in maybe},
                                until)
    if inspected is None:  # inspected after the cutoff in this vacancy: not due
        maybe = [household for household in maybe if last.get(household["_id"], "") <= cutoff]
    return occupants.inspections_due(maybe, last, interval, today.isoformat(), tz)


def keep_inspect_from(db, stopping=lambda: False, batch=None):
    """Every household stored without its day counted from (``_inspect_from``: registered or last
    changed before it was kept, or by a replica of the version before while a deploy rolls) given
    it (``occupants.inspect_from``, in its estate's timezone, from its newest inspection), estate by
    estate, ``batch`` at a time (``store.INSPECT_FROM_BATCH``) from the null entries of its index
    (``estate_common.backfills``); each write only gives a household what it lacks. Until an estate
    has none left its due list reads every vacant unit, as before. Returns how many it gave."""
    return backfills.until_none_left(
        store.estate_ids(db),
        lambda estate_id: _inspect_from_batch(db, estate_id, batch or store.INSPECT_FROM_BATCH),
        lambda dated: store.keep_inspect_from(db, *dated), stopping)


def _inspect_from_batch(db, estate_id, batch):
    """``(household, its day counted from)`` of a batch the sweep gives theirs (``_inspect_from`` of
    each): the estate's timezone and the vacant units' newest inspections read once for the batch,
    where each vacant unit read both (a batch of 500 held archive's event loop 130 ms at 10,000
    households: h7)."""
    households = store.inspect_from_left(db, estate_id, batch)
    vacant = [h["_id"] for h in households if h.get("status") == "vacant"]
    if not vacant:
        return [(h, occupants.NOT_VACANT) for h in households]
    newest, tz = store.newest_inspections(db, estate_id, vacant), store.estate_timezone(db, estate_id)
    return [(h, occupants.inspect_from(h, newest.get(h["_id"]), tz)) for h in households]


# -- takeover and handover (接管验收 / 交房, handovers.py) ------------------------------------

def record_handover(db, outbox, caller, estate_id, household_id, data):
    """A takeover's or a handover's checklist with its documents, once per Idempotency-Key;
    ``archive_changed`` logs it. An accepted one is inserted under its natural id
    (``handovers.accepted_id``): of two accepts at the same time the second is a 409. An
    accepted handover (交房) then dates the household's ``occupied_from`` (``household_updated``);
    a retry after a crash in between finds the handover and does that step."""
    household = store.get_household(db, estate_id, household_id)
    return public(_handover(db, outbox, household, caller.created_id("handover", estate_id), data, caller.user))


def _handover(db, outbox, household, requested_as, data, user, actor=None):
    """The one path of a takeover or handover, by a call (``record_handover``) or a batch's job
    (``handover_batch``): recorded once under ``requested_as`` (found again on a retry), then the
    household's occupancy."""
    estate_id = household["estate_id"]
    handover = store.handover_requested_as(db, estate_id, requested_as)
    if handover is None:
        # 交房 dated 2099 set occupied_from ahead, and billing passed the unit by (found by review)
        occupants.historical_day(data["date"], clock.now(), store.rules_for(db, estate_id)["timezone"], "data.date")
        accepted = store.accepted_handovers(db, estate_id, household["_id"])
        built = handovers.new_handover(requested_as, household, data, clock.now(), user, accepted)
        changed = _archive_changed(handovers.SUBJECT_TYPE, built, f"{built['kind']}_recorded",
                                   handovers.CHANGED_FIELDS)
        # 交房钥匙 left with the desk; the defects the owner found (验房) to repair
        announced = [changed] + [e for e in [handovers.keys_left(built), handovers.defects_found(built)] if e]
        handover = _create(db, outbox, "handovers", estate_id, built["_id"], lambda: (built, announced),
                           found=handovers.second_accept(requested_as), actor=actor)

    def decide(stored):
        changes = handovers.occupancy(stored, handover, clock.now())
        if changes is None:
            return None
        return Change(changes, events=[("household_updated", domain.household_event_data(stored | changes, changes))])

    _household_change(db, outbox, estate_id, handover["household_id"], decide, actor=actor)
    return handover


def start_handover_batch(db, caller, estate_id, data):
    """A handover weekend's list (批量交房, ``handover_batches``) recorded by a job; a retry with the
    caller's Idempotency-Key answers the same job."""
    jobs.require_may_start(handover_batches.JOB_KIND, caller)
    store.get_estate(db, estate_id)
    entries = data["handovers"]
    job = jobs.create(db, jobs.created_id(caller, "archive", estate_id, handover_batches.JOB_KIND), estate_id,
                      handover_batches.JOB_KIND, {"source": "list", "rows": len(entries), "date": data.get("date")},
                      caller.user, input={"handovers": entries})
    return jobs.public(job)


def start_handover_import(db, caller, estate_id, data):
    """A handover weekend's spreadsheet (CSV or XLSX: 楼栋, 单元, 房号, 交房日期, 收房人, 钥匙数, 钥匙保管,
    验房问题, 带问题收房) recorded by the same job; measured now as the household import's file is
    (``import_files.check``), read by the job."""
    jobs.require_may_start(handover_batches.JOB_KIND, caller)
    store.get_estate(db, estate_id)
    rows = import_files.check(data["format"], imports.decode(data["content_base64"]))
    # counted with the lines above the column names (a title: import_files.header); the job counts again
    if rows is not None and rows > handover_batches.MAX_ROWS + import_files.HEADER_WITHIN - 1:
        raise handover_batches.too_many()
    job = jobs.create(db, jobs.created_id(caller, "archive", estate_id, handover_batches.JOB_KIND), estate_id,
                      handover_batches.JOB_KIND, {"source": "file", "format": data["format"], "rows": rows},
                      caller.user, input={"content_base64": data["content_base64"]})
    return jobs.public(job)


def record_handover_batch(db, outbox, job, progress):
    """The job's work: each row the single handover (``_handover``) under the job's and the
    household's id (``handover_batches.item_id``), so a job run again records nothing twice."""
    estate_id, params, given = job["estate_id"], job["params"], job["_input"]
    if params["source"] == "file":
        content = imports.decode(given["content_base64"])
        # a workbook without <dimension>, or a file near the cap with a title: counted before a flat is handed over
        if params.get("rows") is None or params["rows"] > handover_batches.MAX_ROWS:
            handover_batches.check_rows(params["format"], content)
        entries = handover_batches.read_rows(params["format"], content)
    else:
        entries = enumerate(given["handovers"], start=1)

    unkeyed = store.has_unkeyed_households(db, estate_id)

    def find(entry):
        """The household at the entry's flat, as the household import finds one (3栋 is 3: its address
        key, or for one not keyed yet its spellings)."""
        if entry.get("household_id"):
            return store.find_household(db, estate_id, entry["household_id"])
        address = handover_batches.address_of(entry)
        flat = {"_id": domain.household_id(estate_id, *address.values()), "estate_id": estate_id, **address}
        found = store.household_at(db, estate_id, domain.address_key(flat))
        return found if found is not None or not unkeyed else store.household_spelled(db, estate_id, flat)

    def record(household, data):
        recorded = _handover(db, outbox, household, handover_batches.item_id(job["_id"], household["_id"]), data,
                             job["created_by"], actor=job["created_by"])
        return recorded["outcome"]

    return handover_batches.run(entries, find, record, progress, default_date=params.get("date"),
                                expected=params.get("rows"))


def list_handovers(db, estate_id, filters, limit, cursor):
    return store.page(db, "handovers", estate_id, filters, limit, cursor)


def takeover_defects(db, estate_id, filters, limit, cursor):
    """The units whose takeover found quality defects (质量缺陷), open until an accepted takeover
    (the developer's rectification checked), rectified after, oldest found first
    (``handovers.takeover_defects``); ``status`` and ``household_id`` filter."""
    entries = handovers.takeover_defects(store.takeovers(db, estate_id, filters.get("household_id")),
                                         handovers.today_of(clock.now(), store.estate(db, estate_id)))
    if filters.get("status"):
        entries = [entry for entry in entries if entry["status"] == filters["status"]]
    # a day as the cursor's moment (its midnight, as page_computed places times), then the household
    return page_computed(entries, lambda entry: (f"{entry['found_on']}T00:00:00.000Z", entry["household_id"]),
                         limit, cursor)


# -- meter readings at a handover or a sale (交房抄表 / 过户抄表, meter_readings.py) ----------------

def record_meter_reading(db, outbox, caller, estate_id, household_id, data):
    """A meter read at the flat's handover or transfer, once per Idempotency-Key, judged against the
    flat's last reading of that kind of meter (``meter_readings.new_reading``), announced
    ``meter_reading_recorded`` in its write, which archive's own consumer chains under its household
    (``record``: once per event, as any service's). The place after that last reading is claimed
    (``store.claim_next_reading``): of two readings of the meter at once, the second is a 409."""
    household, rules = store.get_household(db, estate_id, household_id), store.rules_for(db, estate_id)

    def build(doc_id):
        last = meter_readings.last_of(store.meter_readings_of(db, estate_id, household_id, data["meter_kind"]))
        now = clock.now()
        reading = meter_readings.new_reading(doc_id, household, data, last, now, caller.user,
                                             rules["timezone"], rules["recorded_within_days"])
        holder = store.claim_next_reading(db, estate_id, household_id, data["meter_kind"], last and last["_id"],
                                          doc_id, now)
        if holder != doc_id:  # another reading of this meter was recorded meanwhile: judged against it, anew
            raise meter_readings.read_meanwhile(data["meter_kind"])
        return reading, [(meter_readings.EVENT_TYPE, meter_readings.event_data(reading))]

    return public(create(db, outbox, caller, "meter_readings", "mr", estate_id, build))


def list_meter_readings(db, estate_id, filters, limit, cursor):
    return store.page(db, "meter_readings", estate_id, store.meter_readings_query(filters or {}), limit, cursor)


def export_meter_readings(db, estate_id, filters):
    """The meter readings an export of the list's filters holds, each with its flat's address."""
    return _with_addresses(db, estate_id, store.walk_meter_readings(db, estate_id,
                                                                   store.meter_readings_query(filters or {})))


# -- the developer's handover of the estate (开发商移交, estate_handovers.py) -----------------------

def record_estate_handover(db, outbox, caller, estate_id, data):
    """A handover session of the estate's documents and common areas, once per Idempotency-Key;
    ``archive_changed`` logs it, and it is linked into the estate's chain (its natural record id: a
    retry after a crash between the two writes links it then, once)."""
    store.get_estate(db, estate_id)
    occupants.historical_day(data["date"], clock.now(), store.rules_for(db, estate_id)["timezone"], "data.date")

    def build(doc_id):
        handover = estate_handovers.new_handover(doc_id, estate_id, data, clock.now(), caller.user)
        return handover, [_archive_changed(estate_handovers.SUBJECT_TYPE, handover, estate_handovers.EVENT_TYPE,
                                           estate_handovers.changed_fields(handover))]

    handover = create(db, outbox, caller, "estate_handovers", "eho", estate_id, build)
    store.chain_record(db, estate_handovers.record_of(handover, logs.current_request_id()))
    return estate_handovers.view(public(handover))


def list_estate_handovers(db, estate_id, limit, cursor):
    page = store.page(db, "estate_handovers", estate_id, {}, limit, cursor)
    return {**page, "items": [estate_handovers.view(item) for item in page["items"]]}


def get_estate_handover(db, estate_id, handover_id):
    return estate_handovers.view(public(store.get(db, "estate_handovers", estate_id, handover_id)))


def estate_documents_checklist(db, estate_id):
    """The required documents of the estate's takeover, received or still missing
    (``estate_handovers.checklist``)."""
    store.get_estate(db, estate_id)
    return {"estate_id": estate_id, **estate_handovers.checklist(store.estate_handovers(db, estate_id))}


# -- the permanent record: once per event ---------------------------------------------------

def record(db, event):
    """The event's record, as its estate's next link (a redelivered event finds it there)."""
    subject_type = domain.RECORDED_EVENTS[(event["source"], event["event_type"])]
    store.chain_record(db, domain.record_from_event(subject_type, event, clock.now()))
    if (event["source"], event["event_type"]) in domain.ARCHIVE_CHANGES:  # the change log too, once
        store.keep(db, "change_log", domain.change_from_recorded_event(subject_type, event))


def record_once_per_subject(db, event):
    """The event's record, unless its subject has one of this type already: an announcement sent
    again under another event id (finance's opening credits announced on a restatement, those
    recorded before ``opening_credit_recorded`` existed among them) is kept once, by the subject's
    natural id."""
    if not store.subject_has_record(db, event["estate_id"], event["data"]["id"], event["event_type"]):
        record(db, event)


def list_records(db, caller, estate_id, filters, limit, cursor):
    """The records the caller reads directly (estate_common.archive_access); the others only
    through a borrowing (``borrowed_records``)."""
    search = domain.readable_search(domain.records_search(filters, store.estate_timezone(db, estate_id)), caller.roles)
    page = store.records_found(db, estate_id, search, limit, cursor)
    return _with_corrections(db, estate_id, page, caller.roles)


def _with_corrections(db, estate_id, page, roles):
    """Each record as shown to ``roles``: with the records correcting it, and the personal data
    its event's contract marks masked for a role without the right (an occupant's name on a
    work order, read through a borrowing by security or accounts)."""
    corrected = store.corrections_of(db, estate_id, [record["id"] for record in page["items"]])
    page["items"] = [domain.masked_record(domain.record_view(record, corrected.get(record["id"], [])),
                                          _personal_fields(db, estate_id, record), roles)
                     for record in page["items"]]
    return page


def _personal_fields(db, estate_id, record):
    """The personal fields of a record's data: its event's marks. A correction's are those of the
    first record of its chain (a correction of a correction restates the same fields), and a
    field that event's contract does not know is masked as a name (a correction's data is
    free: a full name written into a correction of a correction, or into a field the event
    never had, was shown to security through a borrowing; found by review)."""
    book, first = contracts.load(), record
    for _ in range(domain.MAX_CORRECTION_DEPTH):
        if first.get("event_type") != domain.CORRECTION or not first.get("corrects"):
            break
        first = store.find(db, "records", estate_id, first["corrects"]) or {}
    marks = book.personal_fields(first.get("source"), first.get("event_type"))
    if record.get("event_type") == domain.CORRECTION:
        known = book.data_fields(first.get("source"), first.get("event_type"))
        marks = {**{name: personal_data.RESIDENT_NAME for name in record.get("data") or {} if name not in known},
                 **marks}
    return marks


def correct_record(db, caller, estate_id, record_id, data):
    """A correction of a record, chained like any record; once per Idempotency-Key."""
    original = store.get(db, "records", estate_id, record_id)
    correction = domain.correction_record(caller.created_id("rec", estate_id), original, data, clock.now(),
                                          caller.user, logs.current_request_id())
    stored = store.chain_record(db, correction)
    store.keep(db, "change_log", domain.correction_change(stored))  # a retry finds it there
    return domain.record_view(public(stored), store.corrections_of(db, estate_id, [stored["_id"]]).get(
        stored["_id"], []))


def verify_chain(db, estate_id, filters):
    """Recompute the estate's chain over the seq window ``filters`` gives (chain.verify)."""
    store.get_estate(db, estate_id)
    first, last = domain.verify_window(filters)
    records, before = store.chained_records(db, estate_id, first, last)
    checked, mismatch = chain.verify(records, before)
    return {"checked": checked, "first_mismatch": mismatch, "unchained": store.unchained_count(db, estate_id)}


def log_change(db, event):
    subject_type = domain.MASTER_DATA_EVENTS[event["event_type"]]
    store.keep(db, "change_log", domain.change_from_event(subject_type, event))


def log_archive_change(db, event):
    store.keep(db, "change_log", domain.change_from_archive_event(event))


# -- viewing and borrowing (查阅、借阅) --------------------------------------------------------

def _archive_changed(subject_type, doc, action, changed):
    return ("archive_changed", domain.archive_changed_data(subject_type, doc, action, changed))


def create(db, outbox, caller, collection, prefix, estate_id, build):
    """Create once: a retry with the caller's Idempotency-Key finds the first document;
    ``build(doc_id)`` → ``(document, events)`` runs only for the first."""
    doc_id = caller.created_id(prefix, estate_id)
    return _create(db, outbox, collection, estate_id, doc_id, lambda: build(doc_id))


def create_borrow_request(db, outbox, caller, estate_id, data):
    borrowing.check_target(data)
    if data.get("record_id"):
        found = store.referenced(db, "records", estate_id, data["record_id"], "data.record_id")
        subject = {"type": found["subject_type"], "id": found["subject_id"], "record_id": found["_id"]}
    else:
        subject = store.subject(db, estate_id, data["subject_id"])
    rules = store.rules_for(db, estate_id)

    def build(doc_id):
        request = borrowing.new_request(doc_id, estate_id, data, subject, clock.now(), caller.user, caller.roles,
                                        rules)
        return request, [_archive_changed("borrow_request", request, borrowing.created_action(request), data)]

    request = create(db, outbox, caller, "borrow_requests", "borrow", estate_id, build)
    return borrowing.view(public(request), clock.now())


def borrowed_records(db, caller, estate_id, request_id, limit, cursor):
    """The records a borrowing opens, to the one who asked, while approved, not returned and not
    past its due back (borrowing.require_open_for)."""
    request = store.get(db, "borrow_requests", estate_id, request_id)
    borrowing.require_open_for(request, caller.user, caller.roles, clock.now())
    page = store.borrowed_records(db, estate_id, borrowing.borrowed_search(request), limit, cursor)
    return _with_corrections(db, estate_id, page, caller.roles)


def list_change_log(db, estate_id, filters, limit, cursor):
    tz = store.estate_timezone(db, estate_id) if {"from", "to"} & set(filters) else None
    return store.list_change_log(db, estate_id, domain.change_log_search(filters, tz), limit, cursor)


def list_borrow_requests(db, estate_id, filters, limit, cursor):
    now = clock.now()
    tz = store.estate_timezone(db, estate_id) if {"from", "to"} & set(filters) else None
    match, overdue = borrowing.list_filters(filters, tz)  # returned_late as kept (flag_late_returns)
    page = store.borrow_requests_found(db, estate_id, match, overdue, clock.to_iso(now), limit, cursor)
    page["items"] = [borrowing.view(item, now) for item in page["items"]]
    return page


def flag_late_returns(db, stopping=lambda: False):
    """``returned_late`` on the requests returned before it was kept at the return
    (``borrowing.give_back`` keeps it since), so that the list's filter finds them: each estate
    once (its mark, ``store.LATE_RETURNS_FLAGGED``), a retired one too (its records stay readable,
    its lists answer), by the timer at start. The first list that filtered by it wrote them, a
    write in a read. How many were flagged; a stop ends it between two estates."""
    flagged = 0
    for estate_id in store.estates_flagging_late_returns(db):
        if stopping():
            break
        began = clock.now_iso()
        flagged += store.flag_late_returns(db, estate_id, borrowing.returned_late)
        store.mark_estate_swept(db, estate_id, began, store.LATE_RETURNS_FLAGGED)
    return flagged


def borrow_totals(db, estate_id, period):
    """The counts of the borrow requests made in a local month, quarter or year (``borrowing.totals``);
    one not begun, or ended before the estate's records can begin, is a 422 (``replica.refuse_report_period``)."""
    estate = store.estate(db, estate_id)
    replica.refuse_report_period(estate, period, clock.now())
    start, end = calendar.period_bounds(period, calendar.timezone_of(estate))
    return {"estate_id": estate_id, "period": period, "from": start, "to": end,
            **borrowing.totals(store.borrow_requests_made(db, estate_id, start, end))}


def get_borrow_request(db, estate_id, request_id):
    return borrowing.view(public(store.get(db, "borrow_requests", estate_id, request_id)), clock.now())


def decide_borrow_request(db, outbox, caller, estate_id, request_id, decision, data):
    """``decision`` ``approve`` or ``reject``, by an approver; ``data``: its ``note``, and for an
    approval maybe the ``due_back``."""
    borrowing.require_approver(caller.roles)
    action = {"approve": "approved", "reject": "rejected"}[decision]
    return borrow_step(db, outbox, estate_id, request_id, action, lambda request, rules: borrowing.decide(
        request, decision, data.get("note"), clock.now(), caller.user, rules, data.get("due_back"), caller.roles))


def return_borrow_request(db, outbox, caller, estate_id, request_id, note):
    return borrow_step(db, outbox, estate_id, request_id, "returned", lambda request, rules: borrowing.give_back(
        request, note, clock.now(), caller.user))


def withdraw_borrow_request(db, outbox, caller, estate_id, request_id, note):
    return borrow_step(db, outbox, estate_id, request_id, "withdrawn", lambda request, rules: borrowing.withdraw(
        request, note, clock.now(), caller.user))


def borrow_step(db, outbox, estate_id, request_id, action, step):
    """``step(request, rules)`` → ``(changes, history entry)``, announced as ``borrow_<action>``."""
    rules = store.rules_for(db, estate_id)

    def decide(request):
        changes, entry = step(request, rules)
        changed = request | changes | {"history": request["history"] + [entry]}
        return Change(changes, [entry], [_archive_changed("borrow_request", changed, f"borrow_{action}", changes)])

    request = _change(db, outbox, "borrow_requests", estate_id, request_id, decide)
    return borrowing.view(public(request), clock.now())


# -- archive checks (档案检查) -----------------------------------------------------------------

def create_check_plan(db, outbox, caller, estate_id, data):
    """One plan per estate and year (its natural id): a second is refused."""
    plan = checks.new_plan(estate_id, data, clock.now(), caller.user, store.rules_for(db, estate_id),
                           store.estate_since(db, estate_id))
    created_event = _archive_changed("archive_check_plan", plan, "archive_check_plan_created",
                                     ["year", "planned_dates"])
    created = _create(db, outbox, "check_plans", estate_id, plan["_id"], lambda: (plan, [created_event]),
                      found=_taken(f"the estate has a check plan for {plan['year']} already", "data.year",
                                   "has a plan already"))
    return _plan_views(db, estate_id, [public(created)])[0]


def list_check_plans(db, estate_id, filters, limit, cursor):
    filters = {k: int(v) if k == "year" else v for k, v in filters.items()}
    page = store.page(db, "check_plans", estate_id, filters, limit, cursor)
    return dict(page, items=_plan_views(db, estate_id, page["items"]))


def _plan_views(db, estate_id, plans):
    """Each plan as shown (``checks.plan_view``), the estate's rules, day and registration read once."""
    rules, since, now = store.rules_for(db, estate_id), store.estate_since(db, estate_id), clock.now()
    return [checks.plan_view(plan, store.checks_of_plan(db, estate_id, plan["id"]), now, rules, since)
            for plan in plans]


def check_plan_reminder(db, estate_id):
    """Next year's plan, asked for before the year ends (``checks.next_plan_reminder``)."""
    reminder = checks.next_plan_reminder(clock.now(), store.rules_for(db, estate_id))
    return {"estate_id": estate_id, **reminder,
            "made": store.plan_made(db, estate_id, checks.plan_id(estate_id, reminder["next_year"]))}


def move_check_plan_date(db, outbox, caller, estate_id, plan_id, data):
    """One of a plan's dates to come moved (``checks.move_date``), in the change log. The estate's
    rules and the plan's checks are read once, for the move and for the plan shown moved (each was
    read again to show it), at the moment the move is judged on."""
    rules, since, now = store.rules_for(db, estate_id), store.estate_since(db, estate_id), clock.now()
    checked_at = store.checks_of_plan(db, estate_id, plan_id)  # a plan's checks name its _id

    def decide(plan):
        dates = checks.move_date(plan, data, checked_at, now, rules)
        changed = plan | {"planned_dates": dates}
        return Change({"planned_dates": dates}, [], [_archive_changed("archive_check_plan", changed,
                                                                       "archive_check_date_moved", ["planned_dates"])])

    moved = public(_change(db, outbox, "check_plans", estate_id, plan_id, decide))
    return checks.plan_view(moved, checked_at, now, rules, since)


def record_archive_check(db, outbox, caller, estate_id, data):
    plan = store.referenced(db, "check_plans", estate_id, data["plan_id"], "data.plan_id")

    def build(doc_id):
        check = checks.new_check(doc_id, estate_id, plan, data, clock.now(), caller.user, store.rules_for(db, estate_id))
        return check, [_archive_changed("archive_check", check, "archive_check_recorded",
                                        ["checked_at", "records_checked", "records_complete"])]

    return public(create(db, outbox, caller, "archive_checks", "acheck", estate_id, build))


# -- KPIs ------------------------------------------------------------------------------------

def keep_closed_report(db, event):
    """A service's count of what it closed in a month (estate_common.closed_counts)."""
    store.keep_closed_report(db, domain.closed_report(event))


# why archive_completeness has no figure of an ISO week (the KPI's note, the completeness' 422)
WEEK_NOT_COUNTED = ("the services count what they closed by the month (their closed counts), which the "
                    "archive's records are held against; read the week's month")


def completeness(db, estate_id, period):
    """资料归档完整率 of the estate's month, quarter or year with each kind's part
    (``checks.completeness_by_kind``), for the archives' keepers; the same figure as the KPI's. Of an
    ISO week, a 422 saying why (``WEEK_NOT_COUNTED``), as the KPI says it "no data"."""
    if calendar.is_week(period):
        calendar.week_monday(period, "filters.period")  # a week its year has not: a 400 naming it
        raise BusinessRuleViolation("archive completeness is counted by the month, not of a week",
                                    [field_error("filters.period", WEEK_NOT_COUNTED)])
    rules, start, end = rules_of_period(partial(store.rules_for, db), estate_id, period)
    present, reports, not_counted, in_period = _held_and_counted(db, estate_id, period, rules, start, end,
                                                                 store.estate_since(db, estate_id))
    return {"estate_id": estate_id, "period": period,
            "completeness": checks.completeness(present, checks.reported_by_kind(reports), not_counted),
            "kinds": checks.completeness_by_kind(present, reports, not_counted, in_period)}


def _held_and_counted(db, estate_id, period, rules, start, end, since):
    """``(held, reports, not_counted, held_in_period)`` of a month, quarter or year: the closing records
    held per kind in the months its service counted (``checks.held_in_counted_months``), the services'
    counts of its months, the months due that a service did not count (``checks.months_not_counted``)
    and the records held over the whole period. The records of a month not counted are read only
    when there is one."""
    events = sorted(domain.CLOSING_EVENTS)
    present = checks.present_by_kind(store.closed_present(db, estate_id, start, end, events))
    reports = store.closed_reported(db, estate_id, calendar.months_of(period))
    not_counted = checks.months_not_counted(reports, months_due(period, rules["timezone"], since, clock.now()))
    by_month = {month: checks.present_by_kind(store.closed_present(db, estate_id, *calendar.month_bounds(
        month, rules["timezone"]), events)) for month in sorted({m for ms in not_counted.values() for m in ms})}
    return checks.held_in_counted_months(present, by_month, not_counted), reports, not_counted, present


def months_due(period, timezone, since, now):
    """The months of ``period`` a service's count is due of: begun on the estate's calendar, and not
    before the month of its registration (``since``; None: every one), when its services began
    counting it (a new estate mid-year owes no count of January)."""
    current = calendar.period_of(now, timezone)
    first = calendar.period_of(clock.parse_iso(since), timezone) if since else ""
    return [month for month in calendar.months_of(period) if first <= month <= current]


def closing_records_held(db, estate_id, kind, subject_ids):
    """Of the things of ``kind`` a service closed (``subject_ids``, a page of its ``list_closed``),
    those the archive holds a closing record of (``checks.closing_events``: the kind's events, the
    completeness' ``held``), whenever it was made: the gateway names the others
    (``GET …/archive/completeness/missing``)."""
    return {"held": sorted(store.subjects_with_records(db, estate_id, checks.closing_events(kind), subject_ids))}


def kpis(db, caller, period, estate_ids):
    year = int(calendar.period_year(period))  # a week's: its Sunday's year

    def estate_kpis(estate_id, rules, start, end):
        facts = store.kpi_facts(db, estate_id, start, end, checks.year_start(period, rules),
                                sorted(domain.CLOSING_EVENTS), checks.plan_id(estate_id, year))
        week = calendar.is_week(period)
        since = store.estate_since(db, estate_id)
        # the services count what they closed by the month (estate_common.closed_counts): none of a week
        present, reports, not_counted, _ = ({}, [], {}, {}) if week else _held_and_counted(
            db, estate_id, period, rules, start, end, since)
        block = checks.kpis(facts["checks_in_period"], facts["checks_this_year"], facts["closed_records"], rules,
                            present, checks.reported_by_kind(reports), year, since, not_counted) | {
            "archive_check_plan_on_time": checks.plan_on_time(
                year, facts["plan_made_at"], clock.parse_iso(end), clock.now(), rules, since)}
        if week:
            block["archive_completeness"] = by_the_month(WEEK_NOT_COUNTED, target=1)
        return before_the_estate(block, checks.OBLIGATIONS, since, end, rules["timezone"])
    return per_estate_month(caller, period, estate_ids, partial(store.rules_for, db),
                            estate_kpis)


# -- one record of a list, by its id: an integrator reads back what it created --------------------

def get_occupant(db, estate_id, household_id, occupant_id):
    """One of a household's people as ``list_occupants`` shows them (the owner it was registered
    with included), or 404: the household of another estate, or no such person of it."""
    for person in occupants.people(store.get_household(db, estate_id, household_id)):
        if person["id"] == occupant_id:
            return person
    raise NotFound("no such occupant of this household")


def get_check_plan(db, estate_id, plan_id):
    """One archive check plan as ``list_check_plans`` shows it (``_plan_views``), or 404."""
    return _plan_views(db, estate_id, [public(store.get(db, "check_plans", estate_id, plan_id))])[0]

