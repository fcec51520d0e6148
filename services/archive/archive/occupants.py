"""A household's people and its status (DOMAIN.md "Master data": household → people, owner,
tenant, family; the steward's move-in, renovation follow-up and vacant-unit inspection).

- **Occupants** are kept on the household (``occupants``), each with ``from``/``to`` (local
  days): an owner's entry is the time it owned the unit, a tenant's or a family member's the
  time it lived there. Nobody is deleted: a person who leaves gets a ``to``.
- **An owner transfer** ends the current owner's entry the day of the transfer and starts the
  new owner's that day; the household's ``owner`` becomes the new one (the former stays in
  ``occupants``).
- **The status** ``vacant | occupied | renovating`` is changed by the steps of one table
  (``TRANSITIONS``): a move-in, a renovation starting or ending, a move-out (退房, which ends
  every tenant's and family member's stay). A renovation ends back in the status it began from.
- **A vacant-unit inspection** (空置房巡检) is recorded only for a vacant unit; each problem it
  found becomes a repair request at customer service (``vacant_inspection_recorded``).

Names, phones and ID numbers are personal data: kept here, shown masked by role by the gateway,
never in an event (``household_updated`` carries the status, not the people).

Plain functions: no broker, no store.
"""
from datetime import date, timedelta

from estate_common import calendar, clock, ids, personal_data, phones, plausible, transitions
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound, field_error
from estate_common.wording import counted

RESIDENTS = ("tenant", "family")  # who lives there; an owner's entry is ownership, changed by transfer

# status -> {step: next status}; ``RETURN`` is the status the renovation began from
RETURN = "return"
TRANSITIONS = {
    "vacant": {"move_in": "occupied", "renovation_start": "renovating"},
    "occupied": {"move_out": "vacant", "renovation_start": "renovating"},
    "renovating": {"renovation_end": RETURN, "move_in": "occupied"},
}

# the steps only an application takes (``customer_service.household_step_requested``): a renovation
# starts with its approved application's works (DOMAIN.md: no review, no renovation), never by the
# steward's own step on the household, which moved a unit to renovating with no application behind
# it (a probe of the steward's month). Its end stays the steward's too (a status corrected to
# renovating is ended so).
BY_APPLICATION_ONLY = frozenset({"renovation_start"})

# the steps that take a unit out of a renovation (its end; a move-in of a unit renovated while vacant):
# a renovation its application's works began ends with that application's joint acceptance
# (DOMAIN.md: works → joint acceptance inspection at the end), never by the steward's own step, which
# took the unit out of renovating while the works went on and had the acceptance's end refused later
# (found by review r2 of h5's change); a renovation a correction began is still the steward's to end
LEAVES_RENOVATION = frozenset({"renovation_end", "move_in"})

# works already under way when the estate was taken over (接管时在装修): a household the takeover's
# import (装修中) brings renovating has no application behind it; its history's first entry says so
# (``takeover_works``), and its end, the steward's step, carries the joint acceptance of customer
# service and maintenance (DOMAIN.md: works → joint acceptance) as an application's would. A create
# by staff into renovating is refused (``refuse_renovating_create``): it was a renovation with no
# application, the way around the steward's refused 开始装修 (found by h4, session 53)
TAKEOVER_WORKS = "takeover_works"

# who corrects a household's status into or out of a renovation (``PATCH``): the managers and the
# archivist. A correction into renovating by the steward or the desk was a renovation with no
# application behind it (the way around the 422 of ``BY_APPLICATION_ONLY``: no review, no
# renovation), and one out of it skipped the joint acceptance (found by review r2 of h5's change);
# their other corrections (vacant, occupied) stay theirs, and they take the steps
RENOVATION_CORRECTORS = frozenset({"operator_admin", "manager", "archivist"})

# a household's list of people is kept on its document: a bound on it (a storage limit, not a
# rule of the trade) keeps the document small
MAX_OCCUPANTS = 200


def people(household):
    """The household's occupants, the owner it was registered with included: until a transfer
    stores them, the registered owner is the first entry, ``from`` null (owned before the
    household was registered here: the day is not known)."""
    stored = list(household.get("occupants") or [])
    if any(person["relation"] == "owner" for person in stored):
        return stored
    owner = household["owner"]
    first = {"id": ids.natural_id("occ", household["_id"], "registered_owner"), "relation": "owner",
             "name": owner["name"], "phone": owner.get("phone"), "id_number": owner.get("id_number"),
             "from": None, "to": None, "added_at": household["created_at"],
             "added_by": None}
    return [first] + stored


def phone_keys(household):
    """The numbers the household is found by (``POST …/households/search``): its owner's and every
    occupant's phone, current or former (a tenant who left still rings about his deposit), each as
    dialled (``estate_common.phones``), once, in order. Kept on the household as ``_phones``
    (internal, indexed with ``estate_id``), written with every change of its owner or people.
    The numbers, not a digest: archive keeps the phones as written beside them (``owner``,
    ``occupants``), so a digest would hide nothing an unkeyed one would not give back to a guess
    of the ten billion mobiles."""
    numbers = [phones.dialled(household["owner"].get("phone"))]
    numbers += [phones.dialled(person.get("phone")) for person in people(household)]
    return list(dict.fromkeys(number for number in numbers if number))


def phone_matches(household, number):
    """``(owner_matched, occupants)``: whether the household's owner (its contact) has the phone
    ``number`` (as dialled), and its people who have it, current and former, in their order."""
    return (phones.dialled(household["owner"].get("phone")) == number,
            [person for person in people(household) if phones.dialled(person.get("phone")) == number])


def owner_corrected(household, owner):
    """The stored people after a correction of the household's ``owner`` (``PATCH``: a typo, a
    new phone): the current owner entry that is the household's contact (the name and phone it
    had) takes the corrected details, so the household and ``…/occupants`` name one person. A
    correction left the old name and phone in the list once people were stored (found by
    review). None when none are stored (``people`` reads the household's owner then) or no
    entry is the contact."""
    stored = household.get("occupants") or []
    before = household["owner"]
    current_owners = [index for index, person in enumerate(stored)
                      if person["relation"] == "owner" and person["to"] is None]
    matching = [index for index in current_owners
                if stored[index]["name"] == before["name"] and stored[index].get("phone") == before.get("phone")]
    # a household corrected before this rule no longer matches its entry: its one current owner is it
    chosen = matching or (current_owners if len(current_owners) == 1 else [])
    if not chosen:
        return None
    index = chosen[0]
    corrected = stored[index] | {key: owner[key] for key in ("name", "phone", "id_number") if key in owner}
    return stored[:index] + [corrected] + stored[index + 1:]


def erasable(person, cutoff):
    """Whether ``person`` is a tenant or family member who left on ``cutoff`` (a local day) or
    before and whose personal data is still held (``erased``)."""
    return (person["relation"] in RESIDENTS and person.get("to") is not None and person["to"] <= cutoff.isoformat()
            and not person.get("erased_on"))


def erased(household, cutoff, today):
    """The household's stored people with each tenant and family member who left on ``cutoff`` or
    before (the estate's ``former_resident_retention_days`` ago) masked for good, as a role
    without the right reads them (``张三丰`` → ``张**``, ``13957286424`` → ``139****6424``, the ID
    number as a phone): the original is gone from the store, not hidden. Their relation and days
    stay (the household's history), with ``erased_on`` (``today``). None when nobody is due.
    An owner's entry is ownership (a transfer's record): kept."""
    persons = people(household)
    if not any(erasable(person, cutoff) for person in persons):
        return None
    return [person | {"name": personal_data.mask_name(person["name"]),
                      "phone": person["phone"] and personal_data.mask_phone(person["phone"]),
                      "id_number": person["id_number"] and personal_data.mask_phone(person["id_number"]),
                      "erased_on": today.isoformat()}
            if erasable(person, cutoff) else person for person in persons]


# how an owner's entry began (``transfer_owner``'s ``data.kind``): a sale (过户) from the owner before,
# or the owner's record set right (``record``: an owner recorded late in place of a placeholder, a
# wrong owner corrected): he owned the flat before, nobody sold it (found by h11)
SALE, RECORD = "sale", "record"


def owner_since(household):
    """The local day the current owner bought the flat from the owner before (a sale's, 过户), None
    for the owner the household was registered with (owned from before) or with no owner. An owner
    whose entry is no sale owns it since his predecessor did: one recorded or set right (``RECORD``),
    or the first owner of a unit taken over (接管验收) from its developer, his entry dated on or before
    its handover (交房) or before any, who bought it from the developer (finance bills the developer
    until the handover). finance splits the month of a sale at this day and keeps the money paid
    before it off the buyer's bills, so a transfer that was no sale split a month with no seller and
    the owner's own money stopped paying his bills (found by h11). An entry of before ``transfer``
    was kept is a sale, as it was read."""
    if not household.get("owner") and not household.get("occupants"):
        return None
    persons = people(household)
    owners = current(persons, ("owner",))
    entry = owners[0] if owners else None
    seen = set()
    while entry is not None and entry["from"] and not _sold(household, entry) and entry["id"] not in seen:
        seen.add(entry["id"])
        entry = _predecessor(persons, entry)
    return entry["from"] if entry else None


def _sold(household, entry):
    if entry.get("transfer") == RECORD:
        return False
    handed_over = household.get("occupied_from") or "9999-12-31"
    return not (household.get("taken_over_on") and entry["from"] <= handed_over)


def _predecessor(persons, entry):
    """The owner's entry that ``entry``'s transfer ended (an owner added before it whose ``to`` is its
    ``from``), None when none is kept: the last one begun by a transfer, else the first. A sale set right
    the same day ended the seller's entry and the sale's on that day, and the seller's taken made the
    buyer no buyer; a co-owner added (no transfer) ended with the owner is not the owner the record set
    right (found by r11 reviewing h11)."""
    index = next(i for i, person in enumerate(persons) if person["id"] == entry["id"])
    ended = [person for person in persons[:index] if person["relation"] == "owner" and person["to"] == entry["from"]]
    transferred = [person for person in ended if person.get("transfer")]
    return transferred[-1] if transferred else next(iter(ended), None)


def current(persons, relations):
    return [person for person in persons if person["relation"] in relations and person["to"] is None]


def new_person(person_id, relation, data, on, now, user, to=None):
    return {"id": person_id, "relation": relation, "name": data["name"].strip(),
            "phone": (data.get("phone") or "").strip() or None,
            "id_number": (data.get("id_number") or "").strip() or None,
            "from": on, "to": to, "added_at": clock.to_iso(now), "added_by": user}


def _room_for(persons, more):
    if len(persons) + more > MAX_OCCUPANTS:
        raise BusinessRuleViolation(f"a household keeps at most {MAX_OCCUPANTS} people",
                                    [field_error("data", "too many people on this household")])


def _version(household, now):
    return {"version": household["version"] + 1, "updated_at": clock.to_iso(now)}


def add_occupant(household, person_id, data, now, user, tz):
    """``(changes, person)``: an owner (a co-owner: the household's ``owner`` stays its contact;
    a change of owner is a transfer), a tenant or a family member, ``from``/``to`` as given
    (either may be unknown; a ``to`` records a stay that ended). A tenant or family member who
    lives there now makes a vacant unit occupied (a move-in, in the status history, dated its
    ``from`` or else today in the estate's timezone ``tz``). The
    changes are {} when ``person_id`` is there already (a retried request)."""
    persons = people(household)
    found = next((p for p in persons if p["id"] == person_id), None)
    if found:
        return {}, found
    start, end = data.get("from"), data.get("to")
    if start and end:
        _not_before(end, start, "data.to", "its from day")
    historical_day(start, now, tz, "data.from")
    historical_day(end, now, tz, "data.to")
    _room_for(persons, 1)
    person = new_person(person_id, data["relation"], data, start, now, user, to=end)
    changes = {"occupants": persons + [person]}
    if person["relation"] in RESIDENTS and end is None and household["status"] == "vacant":
        history = household.get("status_history") or []
        moved_in = start or calendar.local_date(now, tz).isoformat()
        if history:  # the move-in it makes follows the last change, as any step does (found by review)
            _not_before(moved_in, history[-1]["date"], "data.from", "the household's last status change")
        changes |= {"status": "occupied", "renovating_from": None,
                    "status_history": history + [
                        {"step": "move_in", "date": moved_in, "from": "vacant",
                         "to": "occupied", "at": clock.to_iso(now), "by": user}]}
    return changes | _version(household, now), person


def end_stay(household, person_id, data, now, tz):
    """``(changes, person)``: ``person_id`` no longer lives there from ``data.to``."""
    persons = people(household)
    person = next((p for p in persons if p["id"] == person_id), None)
    if person is None:
        raise NotFound("no such occupant of this household")
    if person["relation"] == "owner":
        raise BusinessRuleViolation("an owner's entry ends by an owner transfer",
                                    [field_error("occupant_id", "is an owner")])
    if person["to"] is not None:
        raise Conflict(f"this occupant left on {person['to']}", [field_error("occupant_id", "has left already")])
    _not_before(data["to"], person["from"], "data.to", "the day they moved in")
    historical_day(data["to"], now, tz, "data.to")
    ended = person | {"to": data["to"]}
    return {"occupants": [ended if p["id"] == person_id else p for p in persons]} | _version(household, now), ended


def _not_before(day, earliest, field, what):
    if earliest and day < earliest:
        raise BusinessRuleViolation(f"{day} is before {what} ({earliest})", [field_error(field, f"is before {what}")])


def historical_day(day, now, tz, field):
    """A day of the household's history (a transfer, a stay, a status change, a takeover or
    handover): not after today, and not before ``plausible.FLOOR``: a transfer of 1900 showed the
    new owner as owner since 1900 (a probe), while an old estate taken over has its true old days."""
    not_after_today(day, now, tz, field)
    plausible.historical(day, field, "the day is before any estate's history")


def not_after_today(day, now, tz, field):
    """A change of who lives there is recorded when it happens (DOMAIN.md, archives: who, what,
    when), not ahead: a transfer dated 2099 made the new owner the household's owner at once
    while the old one stayed owner until 2099 (found by review). Today is the estate's."""
    today = calendar.local_date(now, tz).isoformat()
    if day and day > today:
        raise BusinessRuleViolation(f"{day} is after today ({today} in the estate's timezone): a change is "
                                    "recorded once it has happened", [field_error(field, "is in the future")])


def transfer_owner(household, person_id, data, now, user, tz):
    """``(changes, new owner entry)``: the current owner's entry ends on ``data.date``, the new
    owner's begins that day, and the household's ``owner`` is the new one, its entry marked how
    it began (``transfer``: ``data.kind``, a sale by default; ``owner_since``). A retried transfer
    (``person_id`` there already) changes nothing."""
    persons = people(household)
    found = next((p for p in persons if p["id"] == person_id), None)
    if found:
        return {}, found
    on = data["date"]
    owners = current(persons, ("owner",))
    for owner in owners:
        _not_before(on, owner["from"], "data.date", "the current owner's first day")
    historical_day(on, now, tz, "data.date")
    _room_for(persons, 1)
    # how the entry began: a sale (过户, the default) or the owner's record set right (``record``: no sale)
    new_owner = new_person(person_id, "owner", data["owner"], on, now, user) | {"transfer": data.get("kind", SALE)}
    ended = {owner["id"] for owner in owners}
    kept = [p | {"to": on} if p["id"] in ended else p for p in persons]
    shown = {"name": new_owner["name"], "phone": new_owner["phone"]}
    return {"occupants": kept + [new_owner], "owner": shown} | _version(household, now), new_owner


def change_status(household, data, now, user, person_ids, tz):
    """The changes of a move-in, a move-out or a renovation's start or end on ``data.date``:
    the new status, the people who move in (a move-in's ``occupants``, ids from ``person_ids``)
    or the stays a move-out ends, and an entry in the household's ``status_history``."""
    step, on = data["step"], data["date"]
    status = household["status"]
    target = transitions.next_status(TRANSITIONS, status, step, "a household")
    if target == RETURN:
        target = household.get("renovating_from") or "vacant"
    history = household.get("status_history") or []
    if history:
        _not_before(on, history[-1]["date"], "data.date", "the household's last status change")
    historical_day(on, now, tz, "data.date")
    if data.get("occupants") and step != "move_in":
        raise BusinessRuleViolation("only a move-in brings people", [field_error("data.occupants", "is for a move-in")])
    persons = people(household)
    changes = {"status": target}
    if step == "move_in":
        arriving = data.get("occupants") or []
        for index, person in enumerate(arriving):
            if person["relation"] not in RESIDENTS:
                raise BusinessRuleViolation("the owner changes by an owner transfer",
                                            [field_error(f"data.occupants[{index}].relation", "must be tenant or family")])
        _room_for(persons, len(arriving))
        persons = persons + [new_person(person_ids(index), person["relation"], person, on, now, user)
                             for index, person in enumerate(arriving)]
    if step == "move_out":  # 退房: every tenant and family member leaves that day
        for person in persons:  # none of them arrived after it (a stay from the 25th to the 1st)
            if person["relation"] in RESIDENTS and person["to"] is None and person.get("from"):
                _not_before(on, person["from"], "data.date", "a resident's arrival")
        persons = [p | {"to": on} if p["relation"] in RESIDENTS and p["to"] is None else p for p in persons]
    changes["occupants"] = persons
    changes["renovating_from"] = status if step == "renovation_start" else None
    entry = {"step": step, "date": on, "from": status, "to": target, "at": clock.to_iso(now), "by": user}
    changes["status_history"] = history + [entry]
    return changes | _version(household, now)


def refuse_renovating_create(data):
    """422 naming ``data.status`` for a household registered straight into renovating by the API's
    create: a renovation starts with its application's works (``BY_APPLICATION_ONLY``); works under
    way at a takeover come in through the import (``takeover_works``)."""
    if data.get("status") == "renovating":
        raise _started_by_its_application("data.status")


def _started_by_its_application(field):
    """The 422 naming ``field`` of a renovation started otherwise than by its application's works
    (``BY_APPLICATION_ONLY``): a create into renovating, the steward's own step."""
    return BusinessRuleViolation("a renovation starts when the works of its approved renovation application start "
                                 "(no review, no renovation): file or start the household's renovation application",
                                 [field_error(field, "is taken by the household's application")])


def takeover_works(household, day, at, user):
    """What a household imported renovating (a takeover's works under way) is registered with: its
    history's first entry, step ``takeover_works`` on the local ``day`` of the import, from vacant
    (what its end returns to: a move-in when someone lives there after)."""
    entry = {"step": TAKEOVER_WORKS, "date": day, "from": "vacant", "to": "renovating", "at": at, "by": user}
    return {"status_history": [entry], "renovating_from": "vacant"}


def in_takeover_works(household):
    """Whether the household is in the works it was taken over with (``takeover_works``)."""
    history = household.get("status_history") or []
    return household["status"] == "renovating" and bool(history) and history[-1]["step"] == TAKEOVER_WORKS


def steward_step(household, data, now, user, person_ids, tz):
    """The changes of a step taken on the household itself (``…/status-changes``): the table's, as
    ``change_status``, except a step only an application takes (``BY_APPLICATION_ONLY``), a 422
    naming ``data.step``."""
    if data["step"] in BY_APPLICATION_ONLY:
        raise _started_by_its_application("data.step")
    application_id = renovating_by_application(household)
    if application_id and data["step"] in LEAVES_RENOVATION:
        raise BusinessRuleViolation(f"the renovation of application {application_id} ends with its joint acceptance "
                                    "inspection: record the acceptance on the application",
                                    [field_error("data.step", "is taken by the household's application")])
    if data.get("acceptance") and (household["status"] != "renovating" or data["step"] not in LEAVES_RENOVATION):
        raise BusinessRuleViolation("a joint acceptance ends a renovation",
                                    [field_error("data.acceptance", "is for the end of a renovation")])
    if in_takeover_works(household) and data["step"] in LEAVES_RENOVATION and not data.get("acceptance"):
        raise BusinessRuleViolation("the works the estate was taken over with end with their joint acceptance "
                                    "inspection by customer service and maintenance: record who inspected them",
                                    [field_error("data.acceptance", "is required to end the takeover's works")])
    changes = change_status(household, data, now, user, person_ids, tz)
    if data.get("acceptance"):
        changes["status_history"][-1]["acceptance"] = dict(data["acceptance"])
    return changes


def renovating_by_application(household):
    """The id of the application whose works put the household in the renovation it is in (its last
    status change is that application's ``renovation_start``), or None: not renovating, or renovating
    by a step or a correction of the staff's."""
    history = household.get("status_history") or []
    if household["status"] != "renovating" or not history or history[-1]["step"] != "renovation_start":
        return None
    return history[-1].get("application_id")


def refuse_renovation_correction(household, status, roles):
    """403 unless ``roles`` may correct the household's status into or out of a renovation
    (``RENOVATION_CORRECTORS``) when the correction to ``status`` does so."""
    before = household["status"]
    if status != before and "renovating" in (before, status) and not RENOVATION_CORRECTORS & set(roles or ()):
        raise Forbidden("a renovation's status is corrected by a manager or the archivist: a renovation starts "
                        "with its application's works and ends with its joint acceptance")


# the step an edit of the status (``PATCH``, a correction) is written under in the history
CORRECTION = "correction"


def status_corrected(household, status, now, user, tz):
    """The changes of an edit that sets the status directly (``PATCH``: a correction, outside
    ``TRANSITIONS``): the status, the one a renovation began from (so its end returns there, as
    after ``renovation_start``), and an entry in ``status_history`` like a step's, step
    ``correction`` dated the estate's day of the edit. An edit wrote no entry, and a unit it made
    vacant was counted due from the step before (a probe of the archives' work). {} when the
    status is the household's already."""
    before = household["status"]
    if status == before:
        return {}
    entry = {"step": CORRECTION, "date": calendar.local_date(now, tz).isoformat(), "from": before, "to": status,
             "at": clock.to_iso(now), "by": user}
    return {"status": status, "renovating_from": before if status == "renovating" else None,
            "status_history": (household.get("status_history") or []) + [entry]}


def application_step(household, data, day, now, user, tz):
    """The changes of a step the desk's application announced (``customer_service.
    household_step_requested``: a move-in or move-out approved, a renovation's works started or
    its acceptance passed) on the local ``day``, by the same table as the steward's; its
    ``status_history`` entry names the application. None when this application's step is there
    already (a redelivery, or the event published twice). Raises what ``change_status`` raises
    when the table refuses it (the caller logs it)."""
    history = household.get("status_history") or []
    if any(entry.get("application_id") == data["application_id"] and entry["step"] == data["step"]
           for entry in history):
        return None
    changes = change_status(household, {"step": data["step"], "date": day}, now, user, None, tz)
    changes["status_history"][-1]["application_id"] = data["application_id"]
    return changes


def step_refusal(estate_id, data, reason, now):
    """What archive tells the desk of an application's step its table refused (a move-in of an
    occupied unit): the desk's application said "approved" while the household stayed as it was,
    and only archive's log knew (found by a probe). One per application and step (natural
    ``_id``): a redelivered request tells nothing twice."""
    stamp = clock.to_iso(now)
    refusal = {"_id": ids.natural_id("hsr", estate_id, data["application_id"], data["step"]),
               "estate_id": estate_id, "application_id": data["application_id"],
               "household_id": data["household_id"], "step": data["step"], "reason": reason[:500],
               "refused_at": stamp, "created_at": stamp}
    event = {k: refusal[k] for k in ("application_id", "household_id", "step", "reason", "refused_at")}
    return refusal, [("household_step_refused", {"id": refusal["_id"], **event})]


# -- vacant-unit inspections (空置房巡检) --------------------------------------------------

def new_inspection(inspection_id, household, data, now, user, tz, within):
    """A steward's inspection of a vacant unit: what was checked, the problems found (each one a
    repair request at customer service). 409 unless the unit is vacant; 422 for a day after today
    (the estate's): an inspection dated 2099 opened repair requests for problems nobody had seen
    yet (found by review); 422 for one more than ``within`` days ago (the estate's
    ``recorded_within_days``; ``estate_common.plausible``: one of 1900 was taken, a probe)."""
    if household["status"] != "vacant":
        raise Conflict(f"only a vacant unit is inspected here; this one is {household['status']}",
                       [field_error("status", f"is {household['status']}")])
    not_after_today(data["inspected_on"], now, tz, "data.inspected_on")
    plausible.recent(data["inspected_on"], calendar.local_date(now, tz), within, "data.inspected_on",
                     f"a vacant-unit inspection is recorded within {counted(within, 'day')} of it")
    stamp = clock.to_iso(now)
    problems = [{"number": index + 1, "description": problem["description"].strip(),
                 "location": (problem.get("location") or "").strip() or None}
                for index, problem in enumerate(data.get("problems") or [])]
    return {
        "_id": inspection_id,
        "estate_id": household["estate_id"],
        "household_id": household["_id"],
        "inspected_on": data["inspected_on"],
        "note": (data.get("note") or "").strip() or None,
        "problems": problems,
        "inspector": user,
        "created_at": stamp,
        "created_by": user,
    }


def inspection_event_data(inspection):
    """``vacant_inspection_recorded``: no personal data (the inspector is staff, the problems are
    about the unit)."""
    return {"id": inspection["_id"], "estate_id": inspection["estate_id"], "household_id": inspection["household_id"],
            "inspected_on": inspection["inspected_on"], "inspector": inspection["inspector"],
            "problems": [{"number": p["number"], "description": p["description"], "location": p["location"]}
                         for p in inspection["problems"]]}


# -- vacant units due an inspection (空置房定期巡察) ---------------------------------------------
# The steward inspects the vacant units regularly (DOMAIN.md: vacant-unit inspection; seeds 001:
# 对空置房定期巡察; 003: 进行空置房的管理): a unit is due one ``vacant_inspection_interval_days``
# (rules.py, chosen) after its last inspection, or, never inspected in this vacancy, after the day
# its vacancy is counted from. Nothing said which units were due (a domain-gap audit).

def vacant_since(household, tz):
    """The local day a vacant unit's vacancy is counted from: the day of the last entry of its
    status history (the move-out, the renovation's end or the edit, ``correction``, that made it
    vacant; a unit an edit made vacant before edits were written there is counted from the entry
    before: due sooner, never missed), or the day it was registered here when later or it has
    none: nothing was inspected here before that."""
    registered = calendar.local_date(clock.parse_iso(household["created_at"]), tz).isoformat()
    history = household.get("status_history") or []
    return max(registered, history[-1]["date"]) if history else registered


def inspection_due_on(since, last_inspected_on, interval):
    """The day a vacant unit counted from ``since`` falls due: ``interval`` days after the later of
    ``since`` and its last inspection (an inspection of an earlier vacancy counts for nothing)."""
    base = max(since, last_inspected_on) if last_inspected_on else since
    return (date.fromisoformat(base) + timedelta(days=interval)).isoformat()


# A vacant unit's day counted from, kept on its household (``_inspect_from``, indexed ``(estate_id,
# _inspect_from, _id)``): the due list reads the range of those counted from a day that may be due
# (operations.vacant_inspections_due) where it read and sorted every vacant unit. A unit that is not
# vacant keeps NOT_VACANT, after every day; a household stored before it was kept has none (the sweep
# gives it one: operations.keep_inspect_from).
NOT_VACANT = "~"
# the local days one instant has in two timezones differ by at most this many (UTC-12 to UTC+14):
# a day kept in the estate's timezone before the estate's was changed is off by no more
ZONES_APART_DAYS = 2


def inspect_from(household, newest_inspected_on, tz):
    """The day ``household``'s (archive's document) interval is counted from in ``tz``, as
    ``inspections_due`` counts it: the later of ``vacant_since`` and its newest inspection
    (``newest_inspected_on``, None for none) when that is of this vacancy; NOT_VACANT unless vacant.
    A unit falls due ``interval`` days after it. Kept at each write of the household and raised by
    each inspection (``store.raise_inspect_from``); never later than the day it stands for, so the
    due list's range finds every unit due and ``inspections_due`` decides each exactly."""
    if household.get("status") != "vacant":
        return NOT_VACANT
    since = vacant_since(household, tz)
    return max(since, newest_inspected_on) if newest_inspected_on else since


def inspections_due(households, last_inspected, interval, today, tz):
    """Of the vacant ``households`` (archive's documents, their status history and registration),
    those due an inspection on the local day ``today`` (ISO), the longest overdue first (then by
    id: the list's cursor): ``{household_id, building, unit, room, vacant_since,
    last_inspected_on (of this vacancy, or null), due_on, days_overdue}``, due on the day it falls
    due (0 days overdue). ``last_inspected``: ``{household id: its last inspection's day}``."""
    day = date.fromisoformat(today)
    due = []
    for household in households:
        since = vacant_since(household, tz)
        last = last_inspected.get(household["_id"])
        last = last if last and last >= since else None
        due_on = inspection_due_on(since, last, interval)
        if due_on <= today:
            due.append({"household_id": household["_id"],
                        **{part: household.get(part) for part in ("building", "unit", "room")},
                        "vacant_since": since, "last_inspected_on": last, "due_on": due_on,
                        "days_overdue": (day - date.fromisoformat(due_on)).days})
    return sorted(due, key=lambda item: (item["due_on"], item["household_id"]))
