"""The steps of each of customer service's writes and reads: read through ``store``, decide
with the rule modules (``intake``, ``complaints``, ``handling``, ``repairs``,
``applications``, ``surveys``, ``front_desk``, ``kpis``), write through the one write path
(``estate_common.writes`` behind ``store.change``/``follow``/``create``): a revision check,
the events in the same document write, a lost race decided again.
"""
import logging
from contextlib import contextmanager, nullcontext
from functools import cache, partial

from estate_common import (backfills, calendar, clock, custom_fields, exports, fee_prices, ids, leases_store,
                           numbering, public_codes, replica, writes)
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound, field_error
from estate_common.roles import FRONT_DESK, MANAGEMENT, is_api_key
from estate_common.kpis import (before_the_estate, owed_a_year, owed_before_the_estate, per_estate_month,
                                rules_of_period)
from estate_common.store import DuplicateKey, page_computed, public

from . import (activities, applications, complaint_analysis, complaints, damage_claims, desk_week, domain, events, front_desk,
               paid_services,
               goods_passes, household_correction, intake, owner_contacts, portal, reclassification, rectifications, repairs, store,
               surveys, upkeep)
from . import kpis as desk_kpis

log = logging.getLogger(__name__)


def _announce(outbox, estate_id, actor=None):
    """Events of a step, built through ``events.build`` (the names customer service announces);
    ``actor``: who, when no caller is (``_announced.create(..., actor=)``)."""
    return lambda event_type, data: events.build(outbox, estate_id, event_type, data, actor)


# the one write path on store's collections, the events of a step built through ``events.build``
_announced = store.named.announcing(_announce)


# -- creating: once per Idempotency-Key ----------------------------------------------------

def create(db, outbox, caller, collection, prefix, build, estate_id, data, with_rules=False):
    """A register's document (survey, notice, key, custody item, tool loan): ``build(doc_id,
    estate_id, data, now, user)``, with the estate's ``rules`` too when ``with_rules``; a household
    or a building it names must be known."""
    def new():
        if data.get("household_id"):
            store.known_household(db, estate_id, data["household_id"])
        if (data.get("building") or "").strip():  # a notice to one building
            store.known_building(db, estate_id, data["building"].strip())
        for index, building in enumerate(data.get("buildings") or ()):  # a notice to several
            store.known_building(db, estate_id, building.strip(), f"data.buildings[{index}]")
        more = (store.rules_for(db, estate_id),) if with_rules else ()
        return build(doc_id, estate_id, data, clock.now(), caller.user, *more)

    doc_id = caller.created_id(prefix, estate_id)
    return public(store.create(db, outbox, collection, estate_id, doc_id, new))


# 计划停水停电: the estate's cut guard (``store.lock_cut_guard``), held a moment while a cut's window is
# read and judged or changed; waited for this long, looked at again every so often, given up after
CUT_GUARD_SECONDS = 30  # a guard whose holder died is taken over after this
CUT_GUARD_WAIT_SECONDS = 3  # with the call's read and write after it, inside the gateway's RPC_TIMEOUT (5 s): r4
CUT_GUARD_RETRY_SECONDS = 0.02


@contextmanager
def cut_guard(db, estate_id):
    """The estate's cut guard held while the block runs (given back however it ends): a repair's
    registration reads the cuts standing and writes its request under it, a revision reads and moves a
    cut under it, so neither is judged on a window the other is changing (a move racing a registration
    let a repair of a cut standing through: h4). Waited for ``CUT_GUARD_WAIT_SECONDS`` (each holder
    keeps it for one read and one write), a 409 to try again after that (``leases_store.wait_for``)."""
    lock = leases_store.wait_for(lambda now, until: store.lock_cut_guard(db, estate_id, now, until),
                                 CUT_GUARD_SECONDS, leases_store.deadline(CUT_GUARD_WAIT_SECONDS),
                                 CUT_GUARD_RETRY_SECONDS)
    with store.cut_guard_held(db, lock, CUT_GUARD_SECONDS):
        yield


def create_request(db, outbox, caller, estate_id, data):
    domain.require_desk(caller)

    def new():
        intake.check_fields(data)
        custom = custom_fields.check_values(store.custom_definitions(db, estate_id, "service_request"),
                                            data.get("custom"))
        household = store.known_household(db, estate_id, data["household_id"])
        outage_notice = None
        if data.get("outage_notice_id"):  # 计划停水停电: a call about a planned cut, answered by its notice
            outage_notice = store.known_notice(db, estate_id, data["outage_notice_id"], "data.outage_notice_id")
            front_desk.outage_call_check(outage_notice, household.get("building"), clock.now(), data["kind"])
        if data.get("other_household_id"):  # a neighbour dispute's other household (found by review r2 of h2)
            complaints.check_about(data, data["household_id"])
            store.known_household(db, estate_id, data["other_household_id"], "data.other_household_id")
        if data.get("related_request_id"):
            store.known_request(db, estate_id, data["related_request_id"])
        in_hand = store.order_in_hand(db, estate_id, data["joins_work_order_id"]) \
            if data.get("joins_work_order_id") else None
        created, rules = clock.now(), store.rules_for(db, estate_id)
        earlier = None
        if data["kind"] == "repair" and not in_hand:  # a call about a fault in hand is no flat's own repair
            utility = front_desk.UTILITY_OF_CATEGORY.get(data.get("category"))
            # 计划停水停电: no water on the cut's day; an emergency (抢险: 家里进水 from a burst pipe) is the
            # desk's judgement that the cut does not explain it, dispatched at once (found by r7 reviewing h7)
            if utility and data.get("own_fault") is not True and data.get("emergency") is not True:
                front_desk.refuse_repair_of_a_cut(store.cuts_standing(
                    db, estate_id, utility, household.get("building"), clock.to_iso(created)))
            earlier = _earlier_repair(db, estate_id, data["household_id"], data, created, rules)
        warnings = front_desk.cut_warnings(store.cuts_standing(
            db, estate_id, None, household.get("building"), clock.to_iso(created))) \
            if not in_hand and front_desk.unclassified_during_a_cut(data) else []
        sequence = store.next_number(db, estate_id, domain.number_series(created, rules["timezone"]))
        request = intake.new_request(request_id, estate_id, data, domain.request_number(created, rules["timezone"], sequence),
                                     created, rules, caller.user, earlier, custom)
        if in_hand:
            request = repairs.joined_fault(request, in_hand)
        if outage_notice and request["kind"] == "consultation":
            request = front_desk.answered_by_outage(request, outage_notice)
        if warnings:  # an unclassified repair during a cut: registered, the desk told of the cut (h3)
            request["cut_warnings"] = warnings
        return request, [("service_request_created", domain.created_event_data(request))]

    request_id = caller.created_id("sr", estate_id)
    # a repair judged on the cuts standing (a cut's utility: the guard; unclassified: cut_warnings) is read
    # and written under the cut guard; another (a door lock, a drain) reads no cut and waits for none
    guarded = data["kind"] == "repair" and not data.get("joins_work_order_id") and (
        front_desk.unclassified_during_a_cut(data) or (
            front_desk.UTILITY_OF_CATEGORY.get(data.get("category")) and data.get("own_fault") is not True
            and data.get("emergency") is not True))
    with cut_guard(db, estate_id) if guarded else nullcontext():
        request = _announced.create(db, outbox, "service_requests", estate_id, request_id, new,
                                    fresh=caller.creates_new_id)
    if request.get("joins_work_order_id") and request["status"] != "closed":
        request = close_if_order_done(db, outbox, estate_id, request)
    return public(request)


def close_if_order_done(db, outbox, estate_id, request):
    """A call that joined an order completed or cancelled while it was being registered (it found the
    order in hand, and the order's consumer looked for its calls before this one was written):
    completed (owing its return visit) or closed with it now, as the consumer does the others, once
    (the order's event id in its history). The call stayed dispatched for good, neither visited nor
    closable (found by review r2 of h6's change): either side sees the other."""
    closing = store.order_closing(db, estate_id, request["joins_work_order_id"])
    if closing is None:
        return request
    event = {"event_id": closing["event_id"], "estate_id": estate_id, "occurred_at": closing["occurred_at"],
             "actor": closing.get("actor"), "data": closing["data"]}
    rules = store.rules_for(db, estate_id)
    done = _announced.follow(db, outbox, "service_requests", event, request["_id"],
                             lambda doc, order: repairs.joined_order_done(doc, order, closing["done_at"],
                                                                          closing["how"], rules))
    return done or request


def join_request(db, outbox, caller, estate_id, request_id, data):
    """并入故障工单: an open repair joins a fault's order in hand (``repairs.join_later``), the
    request first (another estate's is a 404 whatever the body names), the order then (422). The
    join the request made already, sent again, answers the request as it is whether or not its
    order is still in hand (``repairs.joined_already``: done, the request closed with it)."""
    domain.require_desk(caller)

    def decide(request):
        if repairs.joined_already(request, data["work_order_id"]):
            return None
        order = store.order_in_hand(db, estate_id, data["work_order_id"], "data.work_order_id")
        return repairs.join_later(request, order, clock.now(), caller.user)

    return step_on(db, outbox, "service_requests", estate_id, request_id, decide)


def repairs_from_inspection(db, outbox, event):
    """A vacant-unit inspection's problems (archive ``vacant_inspection_recorded``): one repair
    request each, registered like the desk's (number, promise, repeat check, then maintenance's
    work order). Its id follows from the inspection and the problem's number, so a redelivered
    event opens none twice (``writes.create`` by natural id). The household is archive's, which
    checked it: the request does not wait for this service's copy."""
    inspection, estate_id = event["data"], event["estate_id"]
    for problem in inspection["problems"]:
        data = intake.inspection_repair(inspection, problem)
        request_id = ids.natural_id("sr", estate_id, inspection["id"], problem["number"])
        # the faults one inspection finds are new, each its own: none repeats another (uncategorised,
        # the second was taken for a repeat of the first)
        # announced as the inspector's (no caller here): maintenance's order and archive's record name him
        _announced.create(db, outbox, "service_requests", estate_id, request_id,
                          _registered(db, estate_id, request_id, data, inspection["inspector"], repeats=False),
                          actor=inspection["inspector"])


def repairs_from_handover(db, outbox, event):
    """The defects an owner found inspecting the unit at its handover (交房验房, archive
    ``handover_defects_found``): one repair request each, registered like the desk's (number,
    promise, then maintenance's work order), none a repeat of another. Its id follows from the
    handover and the item's number, so a redelivered event opens none twice (``writes.create`` by
    natural id); announced as the one who recorded the handover. A defect a later handover
    (re-inspection, 复查) finds again while its repair from an earlier one is open (unit and item,
    ``intake.defect_key``) opens none: the open one's history says it was found again
    (``intake.found_again``; found by review r3 of h3)."""
    found, estate_id = event["data"], event["estate_id"]
    for defect in found["defects"]:
        data = intake.handover_repair(found, defect)
        request_id = ids.natural_id("sr", estate_id, found["handover_id"], defect["number"])
        earlier = store.open_handover_repair(db, estate_id, found["household_id"], data["_handover_item"],
                                             found["handover_id"], intake.OPEN_REPAIR)
        if earlier is not None:
            _announced.change(db, outbox, "service_requests", estate_id, earlier["_id"],
                              lambda request, defect=defect: intake.found_again(
                                  request, found, defect, event["event_id"], clock.now(), event.get("actor")),
                              actor=event.get("actor"), keyed=False)
            continue
        _announced.create(db, outbox, "service_requests", estate_id, request_id,
                          _registered(db, estate_id, request_id, data, event.get("actor"), repeats=False),
                          actor=event.get("actor"))


def handover_keys_left(db, outbox, event):
    """The keys handed over with a unit that its owner left with the front desk (archive
    ``handover_keys_left``): one key in custody (托管钥匙), held for the household as the desk's
    own registration is, announced as the one who recorded the handover. Its id follows from the
    handover, so a redelivered event registers none twice (``writes.create`` by natural id)."""
    left, estate_id = event["data"], event["estate_id"]
    key_id = ids.natural_id("key", estate_id, left["handover_id"])
    _announced.create(db, outbox, "keys", estate_id, key_id,
                      lambda: (front_desk.handover_key(key_id, estate_id, left, clock.now(), event.get("actor")), []),
                      actor=event.get("actor"))


def _earlier_repair(db, estate_id, household_id, data, created, rules, judged_id=None):
    """The household's repair registered before this one (``judged_id``, registered at
    ``created``) that it repeats (``repairs.repeat_window_start``), or None (always for an
    unclassified one: ``repairs.judged_for_repeats``)."""
    if not repairs.judged_for_repeats(data):
        return None
    return store.similar_recent_repair(db, estate_id, household_id, repairs.category_of(data),
                                       repairs.repeat_window_start(created, rules), clock.to_iso(created), judged_id)


def _registered(db, estate_id, request_id, data, actor, repeats=True):
    def new():
        created, rules = clock.now(), store.rules_for(db, estate_id)
        earlier = (_earlier_repair(db, estate_id, data["household_id"], data, created, rules)
                   if repeats and data["kind"] == "repair" else None)
        sequence = store.next_number(db, estate_id, domain.number_series(created, rules["timezone"]))
        request = intake.new_request(request_id, estate_id, data, domain.request_number(created, rules["timezone"], sequence),
                                     created, rules, actor, earlier)
        return request, [("service_request_created", domain.created_event_data(request))]
    return new


def record_owner_contact(db, outbox, caller, estate_id, data):
    """A steward's contact with an owner or the manager's visit (owner_contacts.py), once per
    Idempotency-Key."""
    def new():
        store.known_household(db, estate_id, data["household_id"])
        if data.get("request_id"):  # about a request of that household (a call back on its rating)
            owner_contacts.check_request(data, store.referenced(db, "service_requests", estate_id, data["request_id"],
                                                                 "data.request_id"))
        return owner_contacts.new_contact(contact_id, estate_id, data, clock.now(), caller.user, caller.roles,
                                          store.rules_for(db, estate_id))

    contact_id = caller.created_id("oc", estate_id)
    contact = _announced.create(db, outbox, "owner_contacts", estate_id, contact_id, new)
    # on its household's copy (the current month's due list: owner_contacts_due); a retry with the
    # key puts it on if the first try stopped before, and the sweep does (keep_contacts_on_households)
    _keep_on_household(db, contact)
    if contact.get("request_id"):
        # the call back a low portal rating owed, recorded on the request (a retry with the key finds
        # the contact and records it, if the first try stopped between the two writes)
        _announced.change(db, outbox, "service_requests", estate_id, contact["request_id"],
                          lambda request: domain.called_back(request, contact["contacted_at"], contact["by"],
                                                             contact_id=contact["_id"]))
    return public(contact)


def _keep_on_household(db, contact):
    """A steward contact put on its household's copy (``owner_contacts.kept_with``), then marked so
    (``_on_household``; a manager's visit marked alone): 1 if marked now. Left unmarked when others
    kept writing the copy: the sweep tries again, and the due list counts the old way meanwhile."""
    if contact["kind"] == "steward_contact" and not store.keep_on_household(
            db, contact["estate_id"], contact["household_id"],
            lambda kept: owner_contacts.kept_with(kept, contact)):
        return 0
    return store.mark_on_household(db, contact)


def keep_contacts_on_households(db, stopping=lambda: False, batch=None):
    """Every owner contact not on its household's copy yet (recorded before contacts were kept there,
    by a replica of the version before while a deploy rolls, or by a call stopped between its two
    writes) put on it and marked (``_keep_on_household``), estate by estate, ``batch`` at a time
    (``store.CONTACTS_BATCH``) from the null entries of ``(estate_id, _on_household)``: what is left
    is what is unmarked, so a sweep stopped half-way (``stopping``, a crash) is taken up by the next,
    and putting one on twice changes nothing. Until an estate has none left its current month's due
    list is counted from its households and contacts, as before. Returns how many it marked."""
    return backfills.until_none_left(
        store.estate_ids(db), lambda estate_id: store.contacts_not_on_households(
            db, estate_id, batch or store.CONTACTS_BATCH), partial(_keep_on_household, db), stopping)


def keep_registrations(db, stopping=lambda: False, batch=None):
    """Every household copy made before archive's events carried its registration (``created_at``)
    given its estate's (the estate copy's ``created_at``), estate by estate, ``batch`` at a time
    (``store.REGISTRATIONS_BATCH``) from the null entries of ``(estate_id, created_at, _id)``
    (``estate_common.backfills``): no household is registered before its estate, so the copy is owed
    contacts in each month it was (every month of the estate's, ``owner_contacts.owed_from``) and
    sorts before every copy registered later, as it did, and the estate's current month's due list
    is read from the kept contacts (``store.contacts_kept_on_households``) without waiting for a
    restatement, which writes the household's own over it. A copy whose estate's registration is
    not known either (an estate copy as old) is left without one. Returns how many it gave."""
    def left(estate_id):
        registered = store.estate_since(db, estate_id)
        return [(copy, registered) for copy in store.copies_unregistered(
            db, estate_id, batch or store.REGISTRATIONS_BATCH)] if registered else []
    return backfills.until_none_left(store.estate_ids(db), left,
                                     lambda pair: store.register_as_estate(db, *pair), stopping)


# a household copy made before copies carried their registration, of an estate whose registration is
# not known either, sorts first in the due list (a cursor names a time: this one is before any)
UNREGISTERED = "0001-01-01T00:00:00Z"


def owner_contacts_due(db, estate_id, filters, limit, cursor):
    """The households still owed their steward contacts in a local month (``period``, the estate's
    current month when left out; a month not begun is a 422), by ``owner_contacts.still_owed``, the
    KPI's rule: this month's, whom the steward has still to contact; a past month's, who fell
    short, by the number required when it ended (``rules_of_period``, as the KPI). In the lists' order (registration, then id) with their cursors, computed over the
    estate's households as the KPI is; each with its flat and its last steward contact before the
    month's end. No owner's name or phone: the contacts' list shows none either. ``building``: that
    building's households alone, a steward's own (the estate's were every steward's: a probe of
    the steward's month)."""
    tz = store.estate_timezone(db, estate_id)
    current = calendar.period_of(clock.now(), tz)
    period = (filters or {}).get("period") or current
    if period > current:
        raise BusinessRuleViolation("the month has not begun",
                                    [field_error("period", "is a month after the estate's current one")])
    # the number required as the KPI counts it: the settings in force at a past month's end
    rules, start, end = rules_of_period(partial(store.rules_for, db), estate_id, period)
    per_month = rules["owner_contacts_per_month"]
    # ``building``: one building's (a steward's own; blank: every one)
    building = ((filters or {}).get("building") or "").strip()
    if (period == current and owner_contacts.kept_answers(per_month)
            and store.contacts_kept_on_households(db, estate_id)):
        kept = _owed_kept(db, estate_id, period, per_month, building, start, end, limit, cursor)
        if kept is not None:
            return kept
    owed = owner_contacts.still_owed(store.kpi_households(db, estate_id, building),
                                     store.steward_contacts(db, estate_id, start, end), per_month, period, tz, end)
    # each as ((registered, id), copy, contacts): the page's few made into items, with their flats
    # and last contacts, not the estate's. A copy without its registration is placed at its estate's,
    # where the sweep puts it (keep_registrations): placed first, a copy a page showed before the sweep
    # moved behind that page's cursor and the next page showed it again (h7)
    unregistered = store.estate_since(db, estate_id) or UNREGISTERED
    ordered = sorted((((household.get("created_at") or unregistered, household["_id"]), household, contacts)
                      for household, contacts in owed), key=lambda owing: owing[0])
    page = page_computed(ordered, lambda owing: owing[0], limit, cursor)
    return _owed_answer(db, estate_id, period, per_month, end, [(h, contacts) for _, h, contacts in page["items"]],
                        len(ordered), page["next_cursor"])


def _owed_kept(db, estate_id, period, per_month, building, start, end, limit, cursor):
    """The current month's due list from the contacts kept on each household's copy: a page of those
    with fewer than ``per_month`` since the month's ``start`` (``store.owed_households``), where every
    household and the month's contacts were read for each page (``owner_contacts_due``); None for a
    page with a copy whose registration is not written as the store writes its stamps."""
    owed = owner_contacts.kept_owed_query(per_month, start, end, calendar.add_months(period, 1))
    page, total = store.owed_households(db, estate_id, owed, building, limit, cursor)
    if not all(owner_contacts.STAMP.fullmatch(h["created_at"]) for h in page["items"]):
        # a registration kept as its event wrote it (``…T02:00:00Z``) is compared by the store as text,
        # where the cursors are placed on its milliseconds: that page was found again after its own
        # cursor, for good. None: the page is counted as before (``page_computed`` places each key)
        return None
    return _owed_answer(db, estate_id, period, per_month, end, [
        (h, owner_contacts.kept_since(h["_steward_contacts"], start)) for h in page["items"]], total, page["next_cursor"])


def _owed_answer(db, estate_id, period, per_month, end, owing, total, next_cursor):
    """The due list's answer: ``owing`` (a page of ``(copy, its contacts in the month)``) each with
    its flat and last steward contact before the month's ``end``, read for the page alone."""
    shown = [h["_id"] for h, _ in owing]
    last, flats = store.last_contacted(db, estate_id, shown, end), store.flats(db, estate_id, shown)
    return {
        "period": period, "required": per_month, "total": total,
        "items": [{"household_id": h["_id"], **{name: flats.get(h["_id"], {}).get(name)
                                                 for name in ("building", "unit", "room")},
                   "contacts": contacts, "required": per_month, "last_contacted_at": last.get(h["_id"])}
                  for h, contacts in owing],
        "next_cursor": next_cursor,
    }


# -- the owner portal (no account: the gateway's public routes) -------------------------------

def portal_create(db, outbox, caller, estate_code, data):
    """A request filed on the portal: registered like the desk's, matched to its household by
    building / unit / room when one is there. The same answer either way; once per
    Idempotency-Key (``portal``'s docstring)."""
    estate = store.estate_by_code(db, estate_code)
    replica.refuse_new_work(estate, "estate_code")  # gateway/retirements.py, for the portal
    estate_id = estate["_id"]
    portal.check(data)
    key, digest = caller.idempotency_key, ids.content_digest(data)
    secret = portal.keyed_secret(estate_id, key) if key else public_codes.new_secret()
    request_id = caller.created_id("sr", estate_id)

    def new():  # no household yet, whatever the address: the desk matches it (portal.py says why)
        created, rules = clock.now(), store.rules_for(db, estate_id)
        utility = portal.cut_to_answer(data)
        if utility:  # 计划停水停电: "no water" during the cut of the building named is answered by it
            portal.cut_answers(store.cuts_standing(db, estate_id, utility, portal.address(data)["building"],
                                                   clock.to_iso(created)))
        sequence = store.next_number(db, estate_id, domain.number_series(created, rules["timezone"]))
        request = intake.new_request(request_id, estate_id, portal.desk_data(data),
                                     domain.request_number(created, rules["timezone"], sequence),
                                     created, rules, portal.ACTOR, None)
        request["portal"] = portal.portal_part(data)
        request["_phones"] = intake.stored_phone_keys(request)
        request["_tracking_hash"] = public_codes.secret_hash(secret)  # the code itself is kept nowhere
        request["_filing_digest"] = digest  # what a retry with the same key must send again
        return request, []  # announced when the desk matches it (portal.match)

    replayed = []

    def found(stored):  # a retry with the key: the gateway says so (Idempotent-Replayed)
        replayed.append(True)
        return portal.refiled(stored, digest, secret)

    with cut_guard(db, estate_id) if portal.cut_to_answer(data) else nullcontext():  # judged on the cuts (h4)
        request = _announced.create(db, outbox, "service_requests", estate_id, request_id, new, found=found)
    filed = portal.filed_view(request, public_codes.code(estate_code, secret))
    return {"result": filed, "replayed": bool(replayed)} if caller.replay_flag else filed


def _tracked(db, tracking_code):
    estate_code, secret = public_codes.split(tracking_code, NotFound("no such request"))
    estate_id = store.estate_id_by_code(db, estate_code)
    return estate_id, store.by_tracking_hash(db, estate_id, public_codes.secret_hash(secret))


def portal_estate(db, estate_code):
    return portal.estate_view(store.estate(db, store.estate_id_by_code(db, estate_code)))


# the owner portal's notice board: the newest notices, as a board shows the last ones pinned up
PORTAL_NOTICES = 20


def portal_notices(db, estate_code, filters):
    """The estate's notices an owner reads on the portal (``building``: that building's and the
    estate's), newest first, without who published them; the estate's name and clock to show them."""
    estate_id = store.estate_id_by_code(db, estate_code)
    notices = store.newest_notices(db, estate_id, {**filters, "current": "true"}, PORTAL_NOTICES, clock.now_iso())
    estate = store.estate(db, estate_id)
    return {"estate_name": estate["name"],
            "items": [front_desk.public_notice(notice) for notice in notices],
            "timezone": store.rules_for(db, estate_id)["timezone"], **portal.centre_phones(estate)}


# the owner portal's board of activities to come (社区文化活动, h7): as many as a board pins up
PORTAL_ACTIVITIES = 20


def portal_activities(db, estate_code):
    """The estate's activities to come an owner reads on the portal (``activities.public_activity``),
    soonest first, with the service centre's phones to sign up by."""
    estate_id = store.estate_id_by_code(db, estate_code)
    estate, now, tz = store.estate(db, estate_id), clock.now(), store.estate_timezone(db, estate_id)
    found = store.upcoming_activities(db, estate_id, clock.to_iso(now), PORTAL_ACTIVITIES)
    return {"estate_name": estate["name"], "timezone": tz,
            "items": [activities.public_activity(public(activity), tz, now) for activity in found],
            **portal.centre_phones(estate)}


def portal_track(db, tracking_code):
    estate_id, request_id = _tracked(db, tracking_code)
    return portal.tracking_view(store.get(db, "service_requests", estate_id, request_id),
                                store.rules_for(db, estate_id)["timezone"], store.estate(db, estate_id))


def portal_rate(db, outbox, tracking_code, data):
    estate_id, request_id = _tracked(db, tracking_code)
    rated = _announced.change(db, outbox, "service_requests", estate_id, request_id,
                              lambda request: portal.rate(request, data["satisfaction"], clock.now(),
                                                          store.rules_for(db, estate_id)))
    return portal.tracking_view(rated, store.rules_for(db, estate_id)["timezone"], store.estate(db, estate_id))


def rate_request(db, outbox, caller, estate_id, request_id, data):
    """The owner's rating sent by an owner app (``portal.owner_rate``): a desk action, which an
    owner app's key (an agent's role) makes; the request first, a portal filing a 422 whether
    matched or not (its filer rates it on the portal)."""
    domain.require_desk(caller)
    domain.require_owner_app(caller)
    rules = store.rules_for(db, estate_id)
    return step_on(db, outbox, "service_requests", estate_id, request_id,
                   lambda request: portal.owner_rate(request, data["satisfaction"], clock.now(), rules, caller))


def _match_judged_on_cuts(request, data):
    """Whether the desk's match of ``request`` reads the cuts standing (the guard of a cut's utility, or
    ``cut_warnings`` of an unclassified repair), so is read and written under the estate's cut guard: a
    consultation's match, a door lock's, a household corrected, read none and wait for no guard (r4)."""
    if request is None or not portal.unmatched(request):
        return False
    own_fault = data.get("own_fault") is True or request.get("own_fault") is True
    if front_desk.UTILITY_OF_CATEGORY.get(data.get("category")) and not own_fault and data.get("emergency") is not True:
        return True
    return front_desk.unclassified_during_a_cut(
        {"kind": request["kind"], "category": data.get("category", request.get("category")), "own_fault": own_fault})


def match_household(db, outbox, caller, estate_id, request_id, data):
    """The desk names the household of an unmatched portal request, or corrects the one a request
    names (``household_correction``); the household must be known."""
    domain.require_desk(caller)
    guarded = _match_judged_on_cuts(store.find(db, "service_requests", estate_id, request_id), data)

    def decide(request):  # the request first: another estate's id is a 404, whatever the body names
        if _match_judged_on_cuts(request, data) and not guarded:  # reclassified since it was read: again
            raise Conflict("the request changed while it was matched; try again in a moment", retry_after=1)
        household = store.known_household(db, estate_id, data["household_id"])
        # a repair is judged a repeat once its household and category are known, as the desk's
        judged = portal.classified(request, data.get("category"))
        earlier = (_earlier_repair(db, estate_id, data["household_id"], judged, clock.parse_iso(request["created_at"]),
                                   store.rules_for(db, estate_id), request["_id"]) if request["kind"] == "repair" else None)
        if not portal.unmatched(request):
            flats = store.household_flats(db, estate_id, [request["household_id"], data["household_id"]])
            return household_correction.correct(request, data, clock.now(), caller.user, flats, earlier)
        own_fault = portal.judged_own_fault(request, data.get("own_fault"))
        utility = front_desk.UTILITY_OF_CATEGORY.get(data.get("category"))
        if utility and not own_fault and data.get("emergency") is not True:
            # 计划停水停电: classified as the cut's utility, the filing is a call about the cut (h3), as
            # the desk's own registration is (create_request)
            front_desk.refuse_repair_of_a_cut(store.cuts_standing(
                db, estate_id, utility, household.get("building"), clock.now_iso()))
        # an unclassified repair matched during a cut: the desk told of the cuts standing, as its own
        # registration tells it (create_request); the match gave none (h4)
        unclassified = front_desk.unclassified_during_a_cut(
            {"kind": request["kind"], "category": data.get("category", request.get("category")), "own_fault": own_fault})
        warnings = front_desk.cut_warnings(store.cuts_standing(
            db, estate_id, None, household.get("building"), clock.now_iso())) if unclassified else []
        return portal.match(request, data["household_id"], clock.now(), caller.user, earlier, data.get("category"),
                            data.get("emergency"), store.rules_for(db, estate_id), data.get("emergency_category"),
                            own_fault, warnings)

    with cut_guard(db, estate_id) if guarded else nullcontext():  # judged on the cuts standing, as a registration (h4)
        return step_on(db, outbox, "service_requests", estate_id, request_id, decide)


def reclassify_request(db, outbox, caller, estate_id, request_id, data):
    """改类: a request registered as the wrong kind takes the kind it is (``reclassification``), by the
    estate's settings; a repair is judged a repeat at its household, as the desk's registration is.
    An unmatched portal filing too: nothing has left of it."""
    domain.require_desk(caller)
    rules = store.rules_for(db, estate_id)
    guarded = _reclassified_judged_on_cuts(store.find(db, "service_requests", estate_id, request_id), data)

    def decide(request):  # the request first: another estate's id is a 404, whatever the body names
        reclassification.check(request, data)
        if _reclassified_judged_on_cuts(request, data):
            if not guarded:  # matched to a household since it was read: again, under the guard
                raise Conflict("the request changed while it was reclassified; try again in a moment", retry_after=1)
            # 计划停水停电: a repair of the cut's utility now, judged on the cut standing as the desk's own
            # registration is (create_request); a complaint reclassified so went through (found by h8)
            household = store.household(db, estate_id, request["household_id"])
            front_desk.refuse_repair_of_a_cut(store.cuts_standing(
                db, estate_id, front_desk.UTILITY_OF_CATEGORY[data["category"]],
                (household or {}).get("building"), clock.now_iso()))
        if data.get("other_household_id"):  # a neighbour dispute's other household, as create_request's
            store.known_household(db, estate_id, data["other_household_id"], "data.other_household_id")
        earlier = None
        if data["kind"] == "repair" and request.get("household_id"):
            earlier = _earlier_repair(db, estate_id, request["household_id"], data,
                                      clock.parse_iso(request["created_at"]), rules, request["_id"])
        outage_notice = None
        if data.get("outage_notice_id"):  # 计划停水停电: a consultation of the cut, as a registration's call (h4)
            outage_notice = store.known_notice(db, estate_id, data["outage_notice_id"], "data.outage_notice_id")
            front_desk.outage_call_check(outage_notice, reclassification.building_of(request, store.household(
                db, estate_id, request["household_id"]) if request.get("household_id") else None),
                clock.now(), data["kind"])
        return reclassification.reclassify(request, data, clock.now(), caller.user, rules, earlier, outage_notice)

    with cut_guard(db, estate_id) if guarded else nullcontext():  # judged on the cuts standing (h8)
        return step_on(db, outbox, "service_requests", estate_id, request_id, decide)


def _reclassified_judged_on_cuts(request, data):
    """Whether a reclassification of ``request`` reads the cuts standing, so is read and written under the
    estate's cut guard: into a repair of a cut's utility (``front_desk.UTILITY_OF_CATEGORY``) of a household's
    call (an unmatched portal filing is judged when matched, ``match_household``), not judged the flat's own
    fault by the desk (``own_fault``, as a registration's: the refusal tells the desk to say so; found by h10).
    A reclassification has no emergency to say: an emergency is registered as one."""
    return (request is not None and data.get("kind") == "repair" and bool(request.get("household_id"))
            and bool(front_desk.UTILITY_OF_CATEGORY.get(data.get("category"))) and data.get("own_fault") is not True)


def withdraw_notice(db, outbox, caller, estate_id, notice_id, data):
    """撤下 (``front_desk.withdraw_notice``): a cut's notice under the cut guard, as its revision is: the cuts
    standing change with it, and a registration judged on them raced it outside the guard (found by h8, as the
    move did: h4); a notice of no cut waits for none."""
    notice = store.find(db, "notices", estate_id, notice_id)
    with cut_guard(db, estate_id) if notice and notice.get("outage") else nullcontext():
        return step_on(db, outbox, "notices", estate_id, notice_id, lambda current: front_desk.withdraw_notice(
            current, data or {}, clock.now(), caller.user))


def create_application(db, outbox, caller, estate_id, data):
    def new():
        now = clock.now()
        rules = store.rules_for(db, estate_id)
        applications.check(data, calendar.day_of(now, rules["timezone"]), rules)
        household = store.known_household(db, estate_id, data["household_id"])
        applications.refuse_fees_beyond_one_bill(data, household, fee_prices.rules_priced_at(
            db, estate_id, rules, now, applications.PRICED_BY_STANDARD))
        _refuse_a_second(db, estate_id, data["household_id"], data["kind"])
        return applications.new_application(application_id, estate_id, data, now, caller.user)

    application_id = caller.created_id("app", estate_id)
    for _ in range(2):  # another taken between the read and the write: decided again on it (409)
        created = _announced.create(db, outbox, "applications", estate_id, application_id, new)
        if created is not None:
            return public(created)
    raise Conflict("another application of this kind was filed for the household at the same moment")


def _refuse_a_second(db, estate_id, household_id, kind, but=None):
    """409 while another application of ``kind`` of the household (not ``but``) is under way
    (``applications.refuse_a_second``): a new one's filing, a move-in's works begun."""
    applications.refuse_a_second([a["_id"] for a in store.applications_of(db, estate_id, household_id, kind)
                                  if a["_id"] != but and applications.under_way(a)])


def reschedule_application(db, outbox, caller, estate_id, application_id, data):
    """The works window moved (``applications.reschedule``), judged on the estate's day and settings."""
    rules = store.rules_for(db, estate_id)

    def decide(application):
        now = clock.now()
        return applications.reschedule(application, data, calendar.day_of(now, rules["timezone"]), rules, now,
                                       caller.user)

    return step_on(db, outbox, "applications", estate_id, application_id, decide)


def start_works(db, outbox, caller, estate_id, application_id, data):
    """The works begin (``applications.start_works``), within their window on the estate's day. A
    move-in's works make it under way (``applications.under_way``): another of the household's
    under way (filed while this one was approved, its works to come) holds them back, a 409 naming
    it, read first and kept by the store's one under-way application of a kind (its unique index:
    of two at the same moment the second is the 409), where the works' start met the index (a 500)."""
    timezone = store.estate_timezone(db, estate_id)  # the estate's day is all it needs of the estate

    def decide(application):
        now = clock.now()
        change = applications.start_works(application, data or {}, now, caller.user,
                                          today=calendar.day_of(now, timezone))
        if not applications.under_way(application) and applications.under_way(application | change.set):
            _refuse_a_second(db, estate_id, application["household_id"], application["kind"], application["_id"])
        return change

    try:
        return step_on(db, outbox, "applications", estate_id, application_id, decide)
    except DuplicateKey:
        raise Conflict("another application of this kind was filed for the household at the same moment") from None


# -- a caller's step on a document ---------------------------------------------------------

def act(db, outbox, caller, estate_id, request_id, step, data):
    """A desk action on a service request: ``step(request, data, now, caller)``."""
    domain.require_desk(caller)

    def decide(request):
        portal.require_matched(request)  # an unmatched portal request is matched first
        return step(request, data or {}, clock.now(), caller)

    return step_on(db, outbox, "service_requests", estate_id, request_id, decide)


def act_by_rules(db, outbox, caller, estate_id, request_id, step, data):
    """``act`` with a step that also takes the estate's numbers: ``step(request, data, now,
    caller, rules)``."""
    rules = store.rules_for(db, estate_id)
    return act(db, outbox, caller, estate_id, request_id,
               lambda request, data_, now, caller_: step(request, data_, now, caller_, rules), data)


def set_request_custom(db, outbox, caller, estate_id, request_id, values):
    """A request's custom values after its registration (a desk action): checked by type once the
    request is found and matched (another estate's is a 404 whatever the values; a 400 names
    ``custom.<key>`` and nothing is written), required fields not asked."""
    definitions = store.custom_definitions(db, estate_id, "service_request")
    return act(db, outbox, caller, estate_id, request_id, lambda request, _, now, caller_: domain.set_custom(
        request, custom_fields.check_values(definitions, values, creating=False), now, caller_.user), {})


def step(db, outbox, caller, collection, estate_id, doc_id, step_, data):
    """An action on another register: ``step_(doc, data, now, user)``."""
    return step_on(db, outbox, collection, estate_id, doc_id,
                   lambda doc: step_(doc, data or {}, clock.now(), caller.user))


def step_on(db, outbox, collection, estate_id, doc_id, decide):
    return public(_announced.change(db, outbox, collection, estate_id, doc_id, _marking(collection, decide)))


def _marking(collection, decide):
    """An application's steps keep its under-way mark (``applications.marked``)."""
    if collection != "applications":
        return decide
    return lambda doc, *event: applications.marked(doc, decide(doc, *event))


def record_return_visit(db, outbox, caller, estate_id, request_id, data):
    domain.require_desk(caller)
    visit_id = caller.created_id("rv", estate_id)
    rules = store.rules_for(db, estate_id)

    def decide(request):
        if repairs.find_visit(request, visit_id):
            return None  # a retry of a visit that was recorded
        change, _ = repairs.return_visit(request, visit_id, data, clock.now(), rules, caller.user)
        return change

    request = _announced.change(db, outbox, "service_requests", estate_id, request_id, decide)
    return repairs.visit_view(request, repairs.find_visit(request, visit_id))


def mark_overdue(db, outbox):
    """Stamps requests past their due time without an answer (listed with ?overdue=true), each
    with its ``service_request_overdue`` event in the same write, in the estates in service
    (``replica.estates_in_service``). The number stamped."""
    now, marked = clock.now_iso(), 0
    for found in store.newly_overdue(db, now, replica.estates_in_service(db)):
        try:
            stamped = _announced.change(db, outbox, "service_requests", found["estate_id"], found["_id"],
                                        lambda request: domain.overdue(request, now))
        except Conflict:
            continue  # desks kept writing it: the next sweep stamps it if it is still unanswered
        marked += stamped.get("overdue_at") == now
    if marked:
        log.info("requests found overdue", extra={"count": marked})
    return marked


def keep_phone_keys(db, stopping=lambda: False, batch=None):
    """Every request stored without its callers' numbers (``_phones``: registered before they were
    kept, or by a replica of the version before while a deploy rolls) gets them
    (``intake.stored_phone_keys``), so the phone search (``store.requests_by_phone``) finds it
    through its index and no longer reads it apart. Estate by estate, ``batch`` requests at a time
    (``store.PHONE_KEYS_BATCH``), each read from the null entries of the index ``(estate_id,
    _phones, created_at, _id)``: what is left to do is what lacks them, so a sweep stopped half-way
    (``stopping``: the service stops; or a crash) is taken up by the next where it stopped, and an
    estate with none left costs one empty probe (no mark needed, and an old replica's request
    written after it is found by the next sweep). Each write gives a request its numbers only if it
    has none (replicas sweeping at once write each once) and touches nothing else of it: no
    revision, no ``updated_at``, no event (``_phones`` is internal). Returns how many it gave them."""
    return backfills.until_none_left(
        store.estate_ids(db), lambda estate_id: store.requests_without_phones(
            db, estate_id, batch or store.PHONE_KEYS_BATCH),
        lambda request: store.keep_phone_keys(db, request, intake.stored_phone_keys(request)), stopping)


# -- what other services tell us -------------------------------------------------------------

def follow(db, outbox, event, collection, doc_id, decide):
    """Apply what an event means to one of our documents, once (redeliveries change nothing)."""
    _announced.follow(db, outbox, collection, event, doc_id, _marking(collection, decide))


def work_order_created(db, outbox, event):
    store.keep_order_in_hand(db, event["estate_id"], event["data"])
    follow(db, outbox, event, "service_requests", event["data"]["request_id"], repairs.dispatch_update)
    # an incident's marking of the call's own order handled before this (each event type has its queue): it
    # found the call naming no order; the call is promised the order's response now, once (found by r4)
    for marking in store.incident_markings(db, event["estate_id"], event["data"]["id"]):
        if event["data"].get("request_id") and marking["data"].get("request_id") == event["data"]["request_id"]:
            follow(db, outbox, marking, "service_requests", marking["data"]["request_id"], repairs.own_order_joined)


def _joined_done(db, outbox, event, done_at, how):
    """The calls that joined the order (``repairs.joined_fault``) completed or closed with it, each
    once (``repairs.joined_order_done``)."""
    data = event["data"]
    store.order_done(db, event["estate_id"], data, closing={
        "event_id": event["event_id"], "occurred_at": event["occurred_at"], "actor": event.get("actor"),
        "done_at": done_at, "how": how,
        "data": {key: data[key] for key in ("id", "number", "reason", "started_at", "priority")
                 if data.get(key) is not None}})
    joined = store.joined_requests(db, event["estate_id"], event["data"]["id"])
    rules = store.rules_for(db, event["estate_id"]) if joined else None
    for request_id in joined:
        follow(db, outbox, event, "service_requests", request_id,
               lambda request, order: repairs.joined_order_done(request, order, done_at, how, rules))


def work_order_assigned(db, outbox, event):
    if event["data"]["request_id"]:  # an order from a plan, an inspection or a patrol has no request
        follow(db, outbox, event, "service_requests", event["data"]["request_id"], repairs.technician_update)


def work_order_appointed(db, outbox, event):
    if event["data"]["request_id"]:  # an order from a plan, an inspection or a patrol has no request
        follow(db, outbox, event, "service_requests", event["data"]["request_id"],
               repairs.hold_ended(repairs.appointment_update, "set_at"))


def work_order_help_requested(db, outbox, event):
    if event["data"]["request_id"]:  # an order from a plan, an inspection or a patrol has no request
        follow(db, outbox, event, "service_requests", event["data"]["request_id"],
               repairs.hold_ended(repairs.help_update, "at"))


def work_order_resumed(db, outbox, event):
    if event["data"]["request_id"]:  # an order from a plan, an inspection or a patrol has no request
        follow(db, outbox, event, "service_requests", event["data"]["request_id"],
               repairs.hold_ended(repairs.resumption_update, "at"))


def work_order_held(db, outbox, event):
    """待料: the repair says what its job waits for and until when (``repairs.hold_update``)."""
    if event["data"]["request_id"]:  # an order from a plan, an inspection or a patrol has no request
        follow(db, outbox, event, "service_requests", event["data"]["request_id"], repairs.hold_update)


def work_order_started(db, outbox, event):
    if event["data"]["request_id"]:  # an order from an inspection or a patrol has no request
        follow(db, outbox, event, "service_requests", event["data"]["request_id"], repairs.start_update)


def work_order_cancelled(db, outbox, event):
    _joined_done(db, outbox, event, event["data"]["cancelled_at"], "cancelled")
    if event["data"]["request_id"]:  # an order from an inspection or a patrol has no request
        follow(db, outbox, event, "service_requests", event["data"]["request_id"], repairs.cancellation_update)


def work_order_marked_emergency(db, outbox, event):
    """An order made an emergency: kept so (``store.keep_order_marked``), and each call that joined it and
    waits for it promised its new response (``repairs.joined_order_marked``), once."""
    order = store.keep_order_marked(db, event["estate_id"], event["data"])
    for request_id in store.joined_requests(db, event["estate_id"], order["_id"]):
        follow(db, outbox, event, "service_requests", request_id,
               lambda request, marked: repairs.joined_order_marked(request, order, marked))
    if event["data"].get("incident_id") and event["data"].get("request_id"):  # an incident joined the call's order
        # kept: the order's creation handled after it promises the call (it names no order yet; r4)
        store.keep_incident_marking(db, event["estate_id"], event)
        follow(db, outbox, event, "service_requests", event["data"]["request_id"], repairs.own_order_joined)


def work_order_incident_found(db, outbox, event):
    """The call's own order is about the lift of an entrapment's order in hand (maintenance's
    ``work_order_incident_found``): the call joins that order (``repairs.incident_order_found``), the
    order as kept here, or as the event tells it while its created event has not come (each event type
    has its queue); one done meanwhile is joined by none."""
    data = event["data"]
    kept = store.order_kept(db, event["estate_id"], data["work_order_id"])
    if kept and kept.get("done"):
        return
    order = kept or {"_id": data["work_order_id"], "number": data["work_order_number"], "priority": data["priority"],
                     "response_due_at": data["response_due_at"]}
    follow(db, outbox, event, "service_requests", data["request_id"],
           lambda request, found: repairs.incident_order_found(request, order, found))


def work_order_completed(db, outbox, event):
    _joined_done(db, outbox, event, event["data"]["completed_at"], "completed")
    rules = store.rules_for(db, event["estate_id"])
    follow(db, outbox, event, "service_requests", event["data"]["request_id"],
           lambda request, done: repairs.completion_update(request, done, rules))


def renovation_reviewed(db, outbox, event):
    estate_id = event["estate_id"]
    rules = fee_prices.rules_priced_at(db, estate_id, store.rules_for(db, estate_id),
                                       clock.parse_iso(event["occurred_at"]), applications.PRICED_BY_STANDARD)
    follow(db, outbox, event, "applications", event["data"]["application_id"], lambda application, review: (
        applications.reviewed(application, review, store.household(db, estate_id, application["household_id"]),
                              rules)))


def household_step_refused(db, outbox, event):
    """``applications.step_refused``, once per event (``follow``)."""
    follow(db, outbox, event, "applications", event["data"]["application_id"],
           lambda application, refused: applications.step_refused(application, refused))


def fee_standard_approved(db, event):
    """Keep finance's per-charge price of a renovation fee; the standards it ended end."""
    fee_prices.keep(db, event, applications.PRICED_BY_STANDARD)


def charge_billed(db, outbox, event):
    """Finance's bill of one of our application fees: linked on the charge (``applications.billed``)."""
    charge = event["data"]["charge"]
    if applications.is_ours(charge):
        follow(db, outbox, event, "applications", charge["subject"]["id"], applications.billed)


def bill_settled(db, outbox, event):
    charge = event["data"]["charge"]
    if applications.is_ours(charge):
        follow(db, outbox, event, "applications", charge["subject"]["id"], applications.settled)


def payment_reversed(db, outbox, event):
    """A reversed payment reopens the bills it had settled: the application fees they paid are
    owed again (one step per application, however many of its fees the payment paid)."""
    for application_id in applications.reopened_applications(event["data"]):
        follow(db, outbox, event, "applications", application_id, applications.fees_reopened)


def sellers_money_taken_back(db, outbox, event):
    """finance's hold of a seller's prepaid money at a sale (``seller_prepaid_held``): the bills the seller's
    money had paid before the sale reached finance are owed again (``taken_back``, absent from an older
    finance's and when none), the application fees among them as a reversed payment's (``fees_reopened``)."""
    taken_back = {"bills": event["data"].get("taken_back") or []}
    for application_id in applications.reopened_applications(taken_back):
        follow(db, outbox, event, "applications", application_id,
               lambda application, held: applications.fees_reopened(application, held, taken_back["bills"]))


# -- surveys, lists, KPIs ---------------------------------------------------------------------

def answer_survey(db, caller, estate_id, survey_id, data):
    survey = store.get(db, "surveys", estate_id, survey_id)
    store.known_household(db, estate_id, data["household_id"])
    answer = surveys.new_answer(survey, data, clock.now(), caller.user)
    first = store.find(db, "survey_answers", estate_id, answer["_id"])
    if first and surveys.same_answer(first, answer):
        store.keep_line_counts(db, estate_id, survey["_id"])  # its count, had a crash left it behind
        return public(first)  # a retry of the same answer
    store.insert_answer(db, answer)
    store.count_answer(db, estate_id, survey["_id"], answer["scores"])  # its lines' counts, a plan's line_surveys
    return public(answer)


def survey_results(db, estate_id, survey_id):
    survey = store.get(db, "surveys", estate_id, survey_id)
    return surveys.results(survey, store.answers_of(db, estate_id, survey["_id"]))


# -- goods release passes (物品放行条, goods_passes.py) ----------------------------------------

def issue_goods_pass(db, outbox, caller, estate_id, data):
    """A goods release pass for a household the desk knows, numbered per estate (GP-2026-000001);
    one naming a move-out application names one of the household's not given up (``goods_passes.move_out``). The flat's fees are what the
    gateway found at finance (``caller.household_fees``)."""
    domain.require_desk(caller)
    pass_id = caller.created_id("gp", estate_id)

    def new():
        store.known_household(db, estate_id, data["household_id"])
        if data.get("application_id"):
            goods_passes.move_out(store.find(db, "applications", estate_id, data["application_id"]),
                                  data["household_id"])
        now, rules = clock.now(), store.rules_for(db, estate_id)

        def draw_number():  # once the pass passed its checks: a refused one leaves no gap
            return goods_passes.number_of(now, rules["timezone"], store.next_number(
                db, estate_id, goods_passes.series_of(now, rules["timezone"])))
        return goods_passes.new_pass(pass_id, estate_id, data, draw_number, now, caller.user, rules, caller.roles,
                                     caller.household_fees)

    return public(store.create(db, outbox, "goods_release_passes", estate_id, pass_id, new))


# -- damage claims (损失登记、理赔、赔偿, damage_claims.py) --------------------------------------

def register_damage_claim(db, outbox, caller, estate_id, data):
    """A damage claim from what happened (its source: a service request or a work order customer
    service knows of, 422 else; an incident is security's, named as given), for households the desk
    knows, numbered per estate (DC-2026-000001) once its checks passed."""
    domain.require_desk(caller)
    claim_id = caller.created_id("dc", estate_id)

    def new():
        source = data["source"]
        if source["type"] == "service_request" and store.find(db, "service_requests", estate_id, source["id"]) is None:
            raise BusinessRuleViolation("no such service request in this estate", [
                field_error("data.source.id", "no service request of this estate")])
        order = None
        if source["type"] == "work_order":
            order = store.known_order(db, estate_id, source["id"], "data.source.id")
        for index, affected in enumerate(data["households"]):
            store.known_household(db, estate_id, affected["household_id"], f"data.households[{index}].household_id")
        responsible = (data.get("responsibility") or {}).get("household_id")
        if responsible:
            store.known_household(db, estate_id, responsible, "data.responsibility.household_id")
        now, rules = clock.now(), store.rules_for(db, estate_id)

        def draw_number():
            return damage_claims.number_of(now, rules["timezone"], store.next_number(
                db, estate_id, damage_claims.series_of(now, rules["timezone"])))
        return damage_claims.new_claim(claim_id, estate_id, data, draw_number, now, caller.user, order)

    return damage_claims.shown(public(_announced.create(db, outbox, "damage_claims", estate_id, claim_id, new,
                                                        fresh=caller.creates_new_id)))


def damage_claim_step(db, outbox, caller, estate_id, claim_id, action, data):
    """A step of a claim (``damage_claims``: report, assess, refuse, negotiate, pay, withdraw,
    responsibility); the desk's, a manager's where the step says so."""
    domain.require_desk(caller)
    data = data or {}
    steps = {
        "report": lambda claim, now: damage_claims.report(claim, data, now, caller.user),
        "assess": lambda claim, now: damage_claims.assess(claim, data, now, caller.user),
        "refuse": lambda claim, now: damage_claims.refuse(claim, data, now, caller.user),
        "negotiate": lambda claim, now: damage_claims.negotiate(claim, data, now, caller.user),
        "withdraw": lambda claim, now: damage_claims.withdraw(claim, data, now, caller.user),
        "pay": lambda claim, now: damage_claims.pay(claim, data, now, caller.user, caller.roles),
        "responsibility": lambda claim, now: damage_claims.decide_responsibility(claim, data, now, caller.user,
                                                                                 caller.roles),
    }
    if action == "responsibility" and data.get("household_id"):
        store.known_household(db, estate_id, data["household_id"], "data.household_id")
    return damage_claims.shown(step_on(db, outbox, "damage_claims", estate_id, claim_id,
                                       lambda claim: steps[action](claim, clock.now())))


def list_damage_claims(db, estate_id, filters, limit, cursor):
    """``status``, ``household_id`` (a household affected), ``open`` (true: not paid nor withdrawn),
    ``number`` as printed or typed, ``source_id``, ``party`` (who is responsible) and ``period`` (the
    estate's month the damage occurred in: the month's claims)."""
    query = store.damage_claim_query(filters or {}, _month_bounds(db, estate_id, (filters or {}).get("period")))
    answer = store.page(db, "damage_claims", estate_id, query, limit, cursor)
    return {**answer, "items": [damage_claims.shown(item) for item in answer["items"]]}


def get_damage_claim(db, estate_id, claim_id):
    return damage_claims.shown(public(store.get(db, "damage_claims", estate_id, claim_id)))


def _month_bounds(db, estate_id, period):
    if not period:
        return None
    return calendar.period_bounds(period, store.rules_for(db, estate_id)["timezone"])


def _goods_pass_today(db, estate_id):
    return calendar.day_of(clock.now(), store.rules_for(db, estate_id)["timezone"])


def list_goods_passes(db, estate_id, filters, limit, cursor):
    """``number`` as printed or typed (gp-2026-42), the gate's search; ``status`` on the estate's day
    (``goods_passes.list_query``: ``expired`` the passes issued for a day gone), ``household_id``,
    ``valid_on`` as kept; each pass as ``goods_passes.shown``."""
    filters = dict(filters or {})
    if "number" in filters:
        filters["number"] = numbering.canonical(filters["number"])
    today = _goods_pass_today(db, estate_id)
    found = store.page(db, "goods_release_passes", estate_id, goods_passes.list_query(filters, today), limit, cursor)
    return {**found, "items": [goods_passes.shown(p, today) for p in found["items"]]}


def get_goods_pass(db, estate_id, pass_id):
    """One pass as its list shows it (``goods_passes.shown``)."""
    found = public(store.get(db, "goods_release_passes", estate_id, pass_id))
    return goods_passes.shown(found, _goods_pass_today(db, estate_id))


def use_goods_pass(db, outbox, caller, estate_id, pass_id, data):
    """The gate lets the goods out on the pass (``goods_passes.use``), the estate's day its own."""
    rules = store.rules_for(db, estate_id)
    return step_on(db, outbox, "goods_release_passes", estate_id, pass_id,
                   lambda goods_pass: goods_passes.use(goods_pass, data or {}, clock.now(), caller.user, caller.roles,
                                                     rules))


def page(db, collection, estate_id, filters, limit, cursor):
    return store.page(db, collection, estate_id, store.list_filters(filters or {}), limit, cursor)


def list_applications(db, estate_id, filters, limit, cursor):
    """``works_ended`` on the estate's day (``store.application_query``): the renovations whose
    works are over and that await their joint acceptance were found only by reading each one's
    window (a probe of the steward's work); works filed without a last day end the estate's
    ``renovation_works_max_days`` after their first (``applications.open_ended_works_since``).
    ``window_lapsed``: the works not started by their window's last day, which may start no more
    (nothing named them: a probe of the steward's month)."""
    filters = filters or {}
    days = None
    if "works_ended" in filters or "window_lapsed" in filters:
        rules = store.rules_for(db, estate_id)
        today = calendar.day_of(clock.now(), rules["timezone"])
        days = (today, applications.open_ended_works_since(today, rules))
    return store.page(db, "applications", estate_id, store.application_query(filters, days), limit, cursor)


def list_tool_loans(db, estate_id, filters, limit, cursor):
    """``overdue``: the loans still out past their due-back time (``store.tool_loan_query``); a tool
    due back was listed nowhere once the time passed (a domain-gap audit)."""
    return store.page(db, "tool_loans", estate_id, store.tool_loan_query(filters or {}, clock.now_iso()), limit,
                      cursor)


def list_owner_contacts(db, estate_id, filters, limit, cursor):
    """``newest_first=true``: the same order backwards (the same cursors): a household's page shows
    its latest contacts, which were on the list's last page (a probe of the steward's work).
    ``period``: the contacts made in that local month of the estate (``store.owner_contact_query``),
    last month's among them, which were the whole log to page through (a probe of the steward's month)."""
    filters = dict(filters or {})
    newest_first = filters.pop("newest_first", None) == "true"
    month = calendar.month_bounds(filters["period"], store.estate_timezone(db, estate_id)) \
        if "period" in filters else None
    return store.page(db, "owner_contacts", estate_id, store.owner_contact_query(filters, month), limit, cursor,
                      newest_first=newest_first)


def export_owner_contacts(db, estate_id, filters):
    """The owner contacts an export of the list's filters holds (``exports.OWNER_CONTACTS``), walked
    once in the list's order (``newest_first`` aside: a file is read whole), each with its
    household's building, unit and room (a batch at a time)."""
    filters = dict(filters or {})
    filters.pop("newest_first", None)
    month = calendar.month_bounds(filters["period"], store.estate_timezone(db, estate_id)) \
        if "period" in filters else None
    contacts = store.walk_owner_contacts(db, estate_id, store.owner_contact_query(filters, month))
    return exports.with_addresses(contacts, lambda doc: doc.get("household_id"), partial(store.flats, db, estate_id))


def revise_notice(db, outbox, caller, estate_id, notice_id, data):
    """修订: a notice's body, last day or expected restoration changed, with its reason
    (``front_desk.revise_notice``), by the estate's rules."""
    rules = store.rules_for(db, estate_id)
    # a cut's window read and moved under the cut guard, as the repairs judged on it are (h4)
    with cut_guard(db, estate_id) if "outage" in data or "expected_restoration_at" in data else nullcontext():
        revised = step_on(db, outbox, "notices", estate_id, notice_id, lambda notice: (
            front_desk.revise_notice(notice, data, clock.now(), caller.user, rules)))
    return notices_with_faults(db, estate_id, [revised])[0]


def list_notices(db, estate_id, filters, limit, cursor):
    """``building``: what that building's residents see; ``current``: on the board now or not
    (``store.notice_filters``); ``fault_done=true``: those naming a work order done (with
    ``current=true``, the desk's notices to revise or withdraw, ``notice_fault_done``); ``false``:
    those naming an order still in hand (it was ignored: found by review r10 of h10)."""
    filters = dict(filters or {})
    fault_done = filters.pop("fault_done", None)
    query = store.notice_filters(filters, clock.now_iso())
    if fault_done in ("true", "false"):
        query = store.naming_done_orders(db, estate_id, query, done=fault_done == "true")
    page = store.page(db, "notices", estate_id, query, limit, cursor)
    return {**page, "items": notices_with_faults(db, estate_id, page["items"])}


def get_notice(db, estate_id, notice_id):
    return notices_with_faults(db, estate_id, [public(store.get(db, "notices", estate_id, notice_id))])[0]


def notices_with_faults(db, estate_id, notices):
    """停运 / 停水 over? Each notice naming a work order with ``fault_done``: the order completed or
    cancelled (its number, how, when), read when shown from what maintenance announced, null while it
    is in hand; none for a notice naming no order. The notice stayed on the owners' portal saying the
    lift was stopped, the repair done, and the desk was told nothing (found by h6, a probe of a lift's
    year). Not withdrawn by itself: a repair completed is not the lift back (out of service until it is
    checked), and the closing line is the desk's to write (revise, or withdraw)."""
    done = store.orders_done(db, estate_id, [notice.get("work_order_id") for notice in notices])
    notices = [{**notice, "fault_done": done.get(notice["work_order_id"])} if notice.get("work_order_id") else notice
               for notice in notices]
    return with_outage_calls(db, estate_id, notices)


def with_outage_calls(db, estate_id, notices):
    """计划停水停电: each notice of a planned cut with its ``outage``'s ``calls``, the requests naming it
    (``store.outage_calls``: the desk's one answer given how often), read when shown."""
    calls = store.outage_calls(db, estate_id, [notice["id"] for notice in notices if notice.get("outage")])
    return [{**notice, "outage": {**notice["outage"], "calls": calls.get(notice["id"], 0)}}
            if notice.get("outage") else notice for notice in notices]


def complaint_report(db, caller, estate_id, period):
    domain.require_manager(caller)
    replica.refuse_report_period(store.estate(db, estate_id), period, clock.now())
    # a closed period's thresholds as they were when it ended (the settings' history), as its KPIs:
    # today's reshaped past quarters (a threshold raised emptied their recurring causes; found by h6)
    rules, start, end = rules_of_period(partial(store.rules_for, db), estate_id, period)
    complaints = store.complaints_between(db, estate_id, start, end)
    return complaint_analysis.report(period, complaints, rules, clock.now_iso(),
                                     store.plans_naming_causes(db, estate_id, period),
                                     store.household_buildings(db, estate_id, [c.get("household_id") for c in complaints]))


def desk_week_report(db, caller, estate_id, week):
    """客服周报: the desk's ISO week on the estate's calendar (``desk_week``), the desk's own."""
    domain.require_desk(caller)
    copy = store.estate(db, estate_id)  # its calendar and its registration, read once
    start, end = desk_week.bounds(week, calendar.timezone_of(copy))
    replica.refuse_before_records(copy, week, "filters.week")
    return desk_week.report(week, *store.desk_week(db, estate_id, start, end), clock.now_iso(), start, end)


def complaint_results(db, caller, estate_id, period, department=None):
    """The manager's, of every department or one (``department``; ``unrecorded`` those named none);
    a department's own reader's (``roles.COMPLAINT_DEPARTMENT_OF_ROLE``), of his department only."""
    department = complaint_analysis.department_read_by(caller.roles, department)
    copy = store.estate(db, estate_id)  # its calendar and its registration, read once
    replica.refuse_report_period(copy, period, clock.now())
    start, end = calendar.period_bounds(period, calendar.timezone_of(copy))
    closed = store.unescalated_complaints_closed_between(db, estate_id, start, end)
    if department is not None:
        closed = [c for c in closed if complaint_analysis.recorded(c, "department") == department]
    return complaint_analysis.results(period, closed)


def _recurred(db, estate_id, plans, rules):
    """``{plan id: recurred_after_close}`` of ``plans`` (their causes, status and closed_at), from one
    read of the complaints of their causes since the earliest quarter after a closing."""
    tz = rules["timezone"]
    starts = {p["_id"]: rectifications.after_close_start(p, tz) for p in plans}
    known = [start for start in starts.values() if start]
    if not known:
        return {}
    causes = sorted({cause for p in plans if starts[p["_id"]] for cause in p["causes"]})
    complaints = store.complaints_of_causes_since(db, estate_id, causes, min(known))
    return {p["_id"]: rectifications.recurred_after_close(p, complaints, _quarter_threshold(db, estate_id, rules), tz)
            for p in plans if starts[p["_id"]]}


def _quarter_threshold(db, estate_id, rules):
    """A quarter's recurring-cause threshold, as the analysis of that quarter reads it (``rules_of_period``:
    one that is over, the settings in force at its end; the one under way, today's ``rules``), each
    quarter's read once. Today's judged every quarter: a threshold raised unflagged a plan whose cause
    had recurred in a quarter over, which that quarter's analysis still listed (found by r6 reviewing h6)."""
    def rules_for(estate, as_of=None):
        return rules if as_of is None else store.rules_for(db, estate, as_of)

    @cache
    def threshold(quarter):
        return rules_of_period(rules_for, estate_id, quarter)[0]["recurring_cause_complaints_quarter"]
    return threshold


def _shown(db, estate_id, plans, rules=None, today=None, recurred=None):
    """``plans`` (their public forms) as the API answers them (``rectifications.shown``); ``rules``,
    ``today`` and ``recurred`` (``_recurred`` of at least these plans) when the caller read them;
    the surveys of the service lines they name in one read (``store.line_scores``)."""
    rules = rules or store.rules_for(db, estate_id)
    today = today or calendar.day_of(clock.now(), rules["timezone"])
    if recurred is None:
        recurred = _recurred(db, estate_id, [{**p, "_id": p.get("_id", p.get("id"))} for p in plans], rules)
    lines = {line for p in plans for line in p.get("service_lines") or ()}
    surveyed = store.line_scores(db, estate_id, lines) if lines else []
    return [rectifications.shown(p, today, recurred.get(p.get("_id", p.get("id"))), surveyed) for p in plans]


def create_rectification(db, outbox, caller, estate_id, data):
    domain.require_manager(caller)
    rules = store.rules_for(db, estate_id)
    plan_id = caller.created_id("rp", estate_id)
    created = public(store.create(db, outbox, "rectification_plans", estate_id, plan_id,
                                  lambda: rectifications.new_plan(plan_id, estate_id, data, clock.now(), caller.user,
                                                                  rules)))
    return _shown(db, estate_id, [created], rules)[0]


def create_notice(db, outbox, caller, estate_id, data):
    """A notice (公告) to the estate or a building; one naming a rectification plan
    (``rectification_plan_id``, of the estate: 422 else) tells its measures, a manager's as the plan
    is (403), and the plan lists it (``rectifications.noticed``; a retry lists it once)."""
    plan_id = data.get("rectification_plan_id")
    if plan_id:
        domain.require_manager(caller)
        if store.find(db, "rectification_plans", estate_id, plan_id) is None:
            raise BusinessRuleViolation("no such rectification plan in this estate", [
                field_error("data.rectification_plan_id", "no such rectification plan in this estate")])
    if data.get("work_order_id"):  # the fault it tells of (停水): an order of the estate, its incident's
        order = store.known_order(db, estate_id, data["work_order_id"])
        source = order.get("source") or {}
        if source.get("type") == "incident":
            if data.get("incident_id") not in (None, source["id"]):
                raise BusinessRuleViolation("the work order is another incident's", [field_error(
                    "data.incident_id", "is not the incident the work order was opened for")])
            data = {**data, "incident_id": source["id"]}
    with cut_guard(db, estate_id) if data.get("outage") else nullcontext():  # a cut from now: as a move (h4)
        notice = create(db, outbox, caller, "notices", "nt", front_desk.published_notice, estate_id, data,
                        with_rules=True)
    if plan_id:
        step_on(db, outbox, "rectification_plans", estate_id, plan_id,
                lambda plan: rectifications.noticed(plan, notice, caller.user))
    return notices_with_faults(db, estate_id, [notice])[0]  # a fault done already: said at once


def list_rectifications(db, estate_id, filters, limit, cursor):
    """Each plan with its actions overdue on the estate's day (``rectifications.shown``);
    ``overdue`` lists the plans with one (``rectifications.list_query``); ``recurred_after_close``
    the closed plans whose cause recurred after (``true``) or the others, by their ids from the
    estate's closed plans naming a cause (few)."""
    filters = filters or {}
    rules = store.rules_for(db, estate_id)
    today = calendar.day_of(clock.now(), rules["timezone"])
    query, recurred = rectifications.list_query(filters, today), None
    if filters.get("recurred_after_close") is not None:
        # every closed plan naming a cause: the page's own recurrences are among them, not read again
        recurred = _recurred(db, estate_id, store.closed_plans_naming_causes(db, estate_id), rules)
        ids = sorted(plan_id for plan_id, found in recurred.items() if found)
        query = {**query, "_id": {"$in" if filters["recurred_after_close"] == "true" else "$nin": ids}}
    found = store.page(db, "rectification_plans", estate_id, query, limit, cursor)
    return {**found, "items": _shown(db, estate_id, found["items"], rules, today, recurred)}


def get_rectification(db, estate_id, plan_id):
    return _shown(db, estate_id, [public(store.get(db, "rectification_plans", estate_id, plan_id))])[0]


def rectification_action_done(db, outbox, caller, estate_id, plan_id, n, data):
    domain.require_manager(caller)
    after = step_on(db, outbox, "rectification_plans", estate_id, plan_id,
                    lambda plan: rectifications.action_done(plan, n, data or {}, clock.now(), caller.user))
    return _shown(db, estate_id, [after])[0]


def surveys_until(year, end, rules):
    """Up to when the surveys of ``year`` count for a period of it ending at ``end`` (ISO): by the
    period's end, as the year's other figures count; None (whenever) for a period ending with the
    year (the year, its Q4, its December), as a survey of the year before may be filed in January
    (``surveys.new_survey``): filed so, it counted for no year, its year owing a survey for good
    (found by the probe of the turn of the year)."""
    year_end = clock.to_iso(calendar.year_start(int(year) + 1, rules["timezone"]))
    return None if end >= year_end else end


def year_obligations(db, caller, estate_id, year):
    """The year's surveys per service line and the manager's visits, owed and made up to now
    (``kpis.year_obligations``), as the year-to-date KPIs count them: a year not begun on the
    estate's calendar owes nothing yet, as its KPIs are "no data" (``not_begun``); one ended before
    the estate's records can begin is a 422 (``replica.refuse_before_records``)."""
    domain.require_manager(caller)
    copy = store.estate(db, estate_id)
    replica.refuse_before_records(copy, year, "filters.year")
    rules, start, end = rules_of_period(partial(store.rules_for, db), estate_id, year)  # a past year's as it ended
    since, state = (copy or {}).get("created_at"), desk_kpis.year_state(year, start, end, clock.now_iso())

    def yearly_of(per_year, done):
        yearly = owed_a_year(per_year, year, since, rules["timezone"])
        if state["status"] == "not_begun":
            return {**yearly, "owed": 0}
        return owed_before_the_estate(yearly, done, since, end)
    surveys = store.scored_surveys_of_year(db, estate_id, year, surveys_until(year, end, rules))
    return desk_kpis.year_obligations(year, surveys,
                                      store.manager_visits_between(db, estate_id, start, end), rules, yearly_of, state)


def kpis(db, caller, period, estate_ids):
    def estate_kpis(estate_id, rules, start, end):
        year = calendar.period_year(period)  # a week's: its Sunday's year
        year_start = clock.to_iso(calendar.year_start(year, rules["timezone"]))
        since = store.estate_since(db, estate_id)
        block = desk_kpis.estate_kpis(
            period, store.kpi_requests(db, estate_id, start, end),
            store.answers_between(db, estate_id, start, end), store.kpi_households(db, estate_id),
            store.complained_about(db, estate_id), rules, store.steward_contacts(db, estate_id, start, end),
            store.count_manager_visits(db, estate_id, year_start, end),
            surveys=store.surveys_of_year(db, estate_id, year, surveys_until(year, end, rules)),
            since=since, upkeep_findings=store.kpi_upkeep_findings(db, estate_id, start, end),
            activity_scores=activities.ratings_between(store.activities_rated_between(db, estate_id, start, end),
                                                       start, end))
        return before_the_estate(block, desk_kpis.OBLIGATIONS, since, end, rules["timezone"])
    return per_estate_month(caller, period, estate_ids, partial(store.rules_for, db),
                            estate_kpis)



# -- paid value-added services (有偿增值服务, paid_services.py) ------------------------------------

def _require_price_setter(caller):
    _require(caller, MANAGEMENT, "the manager sets the price list of paid services")
    domain.require_person(caller, "the price list is the manager's, signed in: an owner app orders from it")


def create_paid_service(db, outbox, caller, estate_id, data):
    """A service on the estate's price list: the manager sets the prices."""
    _require_price_setter(caller)
    doc_id = caller.created_id("ps", estate_id)
    return public(store.create(db, outbox, "paid_services", estate_id, doc_id,
                               lambda: paid_services.new_service(doc_id, estate_id, data, clock.now(), caller.user)))


def update_paid_service(db, outbox, caller, estate_id, service_id, data):
    _require_price_setter(caller)
    return step(db, outbox, caller, "paid_services", estate_id, service_id, paid_services.update_service, data)


def list_paid_services(db, estate_id, filters, limit, cursor):
    """``active`` (true/false) and ``unit``."""
    filters = dict(filters or {})
    if "active" in filters:
        filters["active"] = filters["active"] == "true"
    return store.page(db, "paid_services", estate_id, filters, limit, cursor)


def order_paid_service(db, outbox, caller, estate_id, data):
    """An order of a household for a service of the price list (422 naming ``service_id`` for one not
    listed or taken off it), its price fixed now, numbered per estate (SO-2026-000001) once every check
    passed."""
    domain.require_desk(caller)
    order_id = caller.created_id("so", estate_id)

    def new():
        store.known_household(db, estate_id, data["household_id"])
        service = store.referenced(db, "paid_services", estate_id, data["service_id"], "data.service_id")
        now, rules = clock.now(), store.rules_for(db, estate_id)
        paid_services.orderable(service)  # refused before a number is drawn
        paid_services.scheduled_at(data, now, rules)
        paid_services.billed_amount(data["quantity"], service["price_cents"])
        number = paid_services.number_of(now, rules["timezone"], store.next_number(
            db, estate_id, paid_services.series_of(now, rules["timezone"])))
        return paid_services.new_order(order_id, estate_id, data, service, number, now, rules, caller.user)

    return public(store.create(db, outbox, "service_orders", estate_id, order_id, new))


def list_service_orders(db, estate_id, filters, limit, cursor):
    filters = dict(filters or {})
    if "number" in filters:
        filters["number"] = numbering.canonical(filters["number"])
    return store.page(db, "service_orders", estate_id, filters, limit, cursor)


def assign_service_order(db, outbox, caller, estate_id, order_id, data):
    """To a member of staff (``username``: one the gateway found an active technician, agent or
    steward of the estate, ``paid_services.assign``) or one of the estate's contractors still
    engaged (422 naming ``contractor_id`` else). The desk's, signed in: never a key (``require_person``)."""
    domain.require_desk(caller)
    domain.require_person(caller, "an order is assigned by the desk signed in: an owner app orders and cancels")
    if data.get("contractor_id"):
        hired = store.referenced(db, "contractors", estate_id, data["contractor_id"], "data.contractor_id")
        if not hired.get("active", True):
            raise BusinessRuleViolation("the contractor is no longer engaged",
                                        [field_error("data.contractor_id", "is no longer engaged")])
        provider = {"kind": "contractor", "id": hired["_id"], "name": hired["name"]}
    else:
        provider = {"kind": "staff", "username": data["username"].strip()}
    return step_on(db, outbox, "service_orders", estate_id, order_id,
                   lambda order: paid_services.assign(order, provider, clock.now(), caller.user, caller.assignee))


def complete_service_order(db, outbox, caller, estate_id, order_id, data):
    domain.require_desk(caller)
    domain.require_person(caller, "an order's work is recorded done by the desk signed in: an owner app "
                                  "orders and cancels")
    return step(db, outbox, caller, "service_orders", estate_id, order_id, paid_services.complete, data)


def cancel_service_order(db, outbox, caller, estate_id, order_id, data):
    domain.require_desk(caller)
    rules = store.rules_for(db, estate_id)
    return step_on(db, outbox, "service_orders", estate_id, order_id,
                   lambda order: paid_services.cancel(order, data or {}, clock.now(), caller, rules))


def complain_about_service_order(db, outbox, caller, estate_id, order_id, data):
    """A complaint of the order's household about it: a complaint service request (its reference the
    order's number, its nature ``service_attitude`` unless given), listed on the order. An owner app's key
    complains about the orders placed through it (``paid_services.require_placed_by``)."""
    domain.require_desk(caller)
    order = public(store.get(db, "service_orders", estate_id, order_id))
    paid_services.require_placed_by(order, caller, "an owner app complains about the orders placed through its own "
                                                   "key: the desk records a complaint about another")
    request = create_request(db, outbox, caller, estate_id, {
        "kind": "complaint", "household_id": order["household_id"], "channel": data["channel"],
        "description": data["description"], "nature": data.get("nature") or "service_attitude",
        "reference": order["number"], **({"complainant": data["complainant"]} if data.get("complainant") else {})})
    step_on(db, outbox, "service_orders", estate_id, order_id,
            lambda found: paid_services.complained(found, request["id"], clock.now(), caller.user))
    return request


# -- the cleaning and greening contractors' checks (环境卫生 / 绿化养护品质检查, upkeep.py) -------------

def _require(caller, roles, message):
    if not set(caller.roles) & roles:
        raise Forbidden(message)


def register_contractor(db, outbox, caller, estate_id, data):
    """A contractor of the estate, the manager's (the desk walks, the manager sets the contractors)."""
    _require(caller, MANAGEMENT, "the manager sets the estate's contractors")
    doc_id = caller.created_id("ctr", estate_id)
    return public(store.create(db, outbox, "contractors", estate_id, doc_id,
                               lambda: upkeep.new_contractor(doc_id, estate_id, data, clock.now(), caller.user)))


def contractor_step(db, outbox, caller, estate_id, contractor_id, step_, data):
    """The manager's edit of a contractor (``upkeep.edited``) or its retirement
    (``upkeep.retired_contractor``)."""
    _require(caller, MANAGEMENT, "the manager sets the estate's contractors")
    return step_on(db, outbox, "contractors", estate_id, contractor_id,
                   lambda doc: step_(doc, data or {}, clock.now(), caller.user))


def list_contractors(db, estate_id, filters, limit, cursor):
    return store.page(db, "contractors", estate_id, store.contractor_query(filters or {}), limit, cursor)


def record_upkeep_finding(db, outbox, caller, estate_id, data):
    """A fault found on the walk, against one of the estate's contractors (422 naming
    ``contractor_id`` else), due by the estate's ``upkeep_fix_hours``."""
    _require(caller, FRONT_DESK, "the steward or the desk records the walk's findings")
    doc_id = caller.created_id("uf", estate_id)

    def new():
        hired = store.referenced(db, "contractors", estate_id, data["contractor_id"], "data.contractor_id")
        return upkeep.new_finding(doc_id, estate_id, data, clock.now(), caller.user, hired,
                                  store.rules_for(db, estate_id))

    created = store.create(db, outbox, "upkeep_findings", estate_id, doc_id, new)
    _move_missed_by_signing(db, outbox, estate_id, created["contractor_id"], created["period"], caller.user)
    return public(store.get(db, "upkeep_findings", estate_id, doc_id))


def findings_from_inspection(db, outbox, event):
    """A location inspection's failed items of a contractor's line (maintenance ``upkeep_faults_found``;
    found by h2: a failed 垃圾清运 opened a technicians' work order): each the finding of the estate's
    engaged contractor of that line (the first registered, where there are several), found when the
    inspection was completed, by its inspector. Its id follows from the inspection and the item, so a
    redelivered event records none twice; a line with no engaged contractor announces the fault back
    (``upkeep_fault_unassigned``, once) and maintenance opens the technicians' order for it (r2)."""
    found, estate_id = event["data"], event["estate_id"]
    rules, at = store.rules_for(db, estate_id), clock.parse_iso(found["completed_at"])
    for fault in found["faults"]:
        unassigned_id = ids.natural_id("uuf", estate_id, found["inspection_id"], fault["code"])
        if store.find(db, "upkeep_unassigned_faults", estate_id, unassigned_id) is not None:
            continue  # gone back to maintenance's technicians already: not the contractor's as well (r2)
        hired = store.engaged_contractor(db, estate_id, fault["upkeep_line"])
        if hired is None:
            # found by r2 reviewing h2: it was logged and dropped, no order and no finding, while the
            # inspection said the contractor puts it right; announced back, once, for maintenance's
            # technicians (``upkeep.unassigned_fault``)
            log.info("an inspection's upkeep fault has no engaged contractor of its line",
                     extra={"estate_id": estate_id, "service_line": fault["upkeep_line"]})
            _announced.create(db, outbox, "upkeep_unassigned_faults", estate_id, unassigned_id,
                              lambda fault=fault, unassigned_id=unassigned_id: upkeep.unassigned_fault(
                                  unassigned_id, estate_id, found, fault, clock.now(), event.get("actor")),
                              actor=event.get("actor"))
            continue
        doc_id = ids.natural_id("uf", estate_id, found["inspection_id"], fault["code"])
        data = {"area": found["location"], "description": upkeep.inspection_fault_text(found, fault)}
        created = store.create(db, outbox, "upkeep_findings", estate_id, doc_id,
                               lambda data=data, hired=hired: upkeep.new_finding(
                                   doc_id, estate_id, data, at, event.get("actor"), hired, rules,
                                   signed_periods=store.signed_periods(db, estate_id, hired["_id"]),
                                   delivered_at=clock.now()))
        _move_missed_by_signing(db, outbox, estate_id, created["contractor_id"], created["period"], event.get("actor"))


def list_upkeep_findings(db, estate_id, filters, limit, cursor):
    return store.page(db, "upkeep_findings", estate_id,
                      store.upkeep_finding_query(filters or {}, clock.now_iso()), limit, cursor)


def upkeep_finding_step(db, outbox, caller, estate_id, doc_id, step_, data):
    """The contractor's fix, the steward's recheck: the front desk's."""
    _require(caller, FRONT_DESK, "the steward or the desk records the fix and the recheck")
    return step_on(db, outbox, "upkeep_findings", estate_id, doc_id,
                   lambda doc: step_(doc, data or {}, clock.now(), caller.user))


def contractor_month(db, caller, estate_id, contractor_id, period):
    """The contractor's month as signed, or as it stands now (``upkeep.score``)."""
    hired = store.get(db, "contractors", estate_id, contractor_id)
    signed = store.find(db, "contractor_months", estate_id, upkeep.month_id(contractor_id, period))
    if signed is not None:
        return public(signed)
    rules = store.rules_for(db, estate_id)
    upkeep.checked_period(period, clock.now(), rules)
    return upkeep.score(hired, period, store.contractor_findings(db, estate_id, contractor_id, period),
                        clock.now_iso(), rules)


def sign_contractor_month(db, outbox, caller, estate_id, contractor_id, period, data):
    """The manager signs the contractor's month once it is over: kept as signed, once (a second
    signing answers the first), announced (``contractor_month_signed``)."""
    _require(caller, MANAGEMENT, "the manager signs the contractor's month")
    hired = store.get(db, "contractors", estate_id, contractor_id)
    doc_id = upkeep.month_id(contractor_id, period)

    def new():
        # found by h2: a recheck passed between the read of the findings and the month's write was
        # counted not put right (+5) where the finding reads late (+2). Each finding counted not put
        # right is written at the revision read; a lost race reads the month again.
        for _ in range(writes.ATTEMPTS):
            now, rules = clock.now(), store.rules_for(db, estate_id)
            findings = store.contractor_findings(db, estate_id, contractor_id, period)
            scored = upkeep.score(hired, period, findings, clock.to_iso(now), rules)
            month = upkeep.signed(doc_id, estate_id, scored, data or {}, now, caller.user, rules, findings)
            held = upkeep.held_for_signing(doc_id, clock.to_iso(now))
            if all(store.write(db, outbox, "upkeep_findings", finding, held) is not None
                   for finding in upkeep.counted_unfixed(findings, clock.to_iso(now))):
                return month
        raise Conflict("the month's findings kept changing while it was being signed: sign it again", retry_after=1)

    signed = _announced.create(db, outbox, "contractor_months", estate_id, doc_id, new)
    _move_missed_by_signing(db, outbox, estate_id, contractor_id, period, caller.user)
    return public(signed)


def _move_missed_by_signing(db, outbox, estate_id, contractor_id, period, user):
    """After a finding's write and after a month's signing: the month's findings the signing did not read
    move to the first month not signed (``upkeep.missed_by_signing``, found by h7). A move is a finding's
    write too, so the month it moved into is checked in turn: its read of the signed months could precede
    that month's signing, whose own check then ran before the move was written (found by r7 reviewing h7).
    Each turn is a later month, and the first not signed ends it."""
    month = store.find(db, "contractor_months", estate_id, upkeep.month_id(contractor_id, period))
    if month is None:
        return
    signed_periods = store.signed_periods(db, estate_id, contractor_id)
    moved_to = set()
    for finding in store.contractor_findings(db, estate_id, contractor_id, period):
        if finding["_id"] not in month.get("_findings", (finding["_id"],)):
            moved = store.change(db, outbox, "upkeep_findings", estate_id, finding["_id"],
                                 lambda doc: upkeep.missed_by_signing(doc, month, signed_periods, clock.now(), user))
            if moved["period"] != period:
                moved_to.add(moved["period"])
    for later in sorted(moved_to):
        _move_missed_by_signing(db, outbox, estate_id, contractor_id, later, user)


# -- community activities (社区文化活动, activities.py) ------------------------------------------

def _require_desk_of_activities(caller):
    """The sign-ups' and ratings' check: the desk, a steward, the manager, or an owner app's key
    (``agent``) for its owner's household."""
    _require(caller, FRONT_DESK, "the service center's desk, stewards and manager organise the activities")


def _require_organiser(caller):
    """Planning and running an activity (move, cancel, places, attendance): the desk, a steward or the
    manager signed in, never a key (``domain.require_person``)."""
    _require_desk_of_activities(caller)
    domain.require_person(caller, "an activity is planned and run by the staff signed in: an owner app "
                                  "signs its owner's household up, gives the sign-up up and rates")


def plan_activity(db, outbox, caller, estate_id, data):
    """An activity the desk, a steward or the manager organises (``activities.new_activity``)."""
    _require_organiser(caller)
    activity_id = caller.created_id("act", estate_id)
    rules = store.rules_for(db, estate_id)
    return activities.shown(public(store.create(
        db, outbox, "activities", estate_id, activity_id,
        lambda: activities.new_activity(activity_id, estate_id, data, clock.now(), caller.user, rules))),
        rules["timezone"])


def list_activities(db, estate_id, filters, limit, cursor):
    """``status``, ``kind``; ``from``/``to``: its start within [from, to) (ISO instants). Each activity's
    summary (``activities.summary``: no sign-up, rating or history; ``get_activity`` reads them)."""
    query = {k: v for k, v in (filters or {}).items() if k in ("status", "kind")}
    window = {op: (filters or {})[name] for name, op in (("from", "$gte"), ("to", "$lt")) if (filters or {}).get(name)}
    if window:
        query["starts_at"] = window
    found, tz = store.activity_page(db, estate_id, query, limit, cursor), store.estate_timezone(db, estate_id)
    return {**found, "items": [activities.summary(a, tz) for a in found["items"]]}


def get_activity(db, estate_id, activity_id):
    return activities.shown(public(store.get(db, "activities", estate_id, activity_id)),
                            store.estate_timezone(db, estate_id))


def sign_up_for_activity(db, outbox, caller, estate_id, activity_id, data):
    """A household's sign-up (``activities.sign_up``), the desk's (the no-account portal signs none up:
    channel ``portal`` is the desk's record of a portal request); a household signed up already is answered
    its first sign-up. The sign-up as answered:
    ``{activity_id, signup, places_left, position}`` (``position``: its place on the wait list). An owner
    app's key signs its owner's household up (channel ``app``), as it files his requests."""
    _require_desk_of_activities(caller)
    store.get(db, "activities", estate_id, activity_id)  # another estate's activity: 404 before its household
    store.known_household(db, estate_id, data["household_id"])
    signup_id = caller.created_id("asu", estate_id, activity_id)
    rules = store.rules_for(db, estate_id)
    # an owner app's key (业主App, an integrator's): its owner signed up himself, whatever the body says
    data = {**data, "channel": "app"} if is_api_key(caller.user) else data
    activity = _announced.change(db, outbox, "activities", estate_id, activity_id,
                                 lambda doc: None if activities.find_signup(doc, signup_id) else
                                 activities.sign_up(doc, signup_id, data, clock.now(), caller.user, rules))
    signup = activities.find_signup(activity, signup_id) or activities.existing_signup(activity, data["household_id"])
    return signup_view(activity, signup)


def signup_view(activity, signup):
    waiting = [s["id"] for s in activity["signups"] if s["status"] == activities.WAIT_LISTED]
    return {"activity_id": activity["_id"], "signup": signup,
            "places_left": max(activity["capacity"] - activities.taken(activity), 0),
            "position": waiting.index(signup["id"]) + 1 if signup["id"] in waiting else None}


def cancel_activity_signup(db, outbox, caller, estate_id, activity_id, signup_id, data):
    """A sign-up given up; the wait list's first that fit are confirmed in the same write."""
    _require_desk_of_activities(caller)
    activity = _announced.change(db, outbox, "activities", estate_id, activity_id,
                                 lambda doc: activities.cancel_signup(doc, signup_id, data or {}, clock.now(),
                                                                      caller))
    return signup_view(activity, activities.find_signup(activity, signup_id))


def activity_step(db, outbox, caller, estate_id, activity_id, action, data):
    """``move``, ``cancel``, ``capacity``, ``attend`` (the organiser's) and ``rate`` (an owner app's key
    too, for a household it signed up: ``activities.rate``) of an activity."""
    if action == "rate":
        _require_desk_of_activities(caller)
    else:
        _require_organiser(caller)
    households = ([data["household_id"]] if action == "rate"
                  else [w["household_id"] for w in data.get("walk_ins") or ()] if action == "attend" else [])
    if households:  # the activity first: another estate's is a 404, not its household's 422
        store.get(db, "activities", estate_id, activity_id)
        store.known_households(db, estate_id, households, lambda index: "data.household_id" if action == "rate"
                               else f"data.walk_ins[{index}].household_id")
    rules = store.rules_for(db, estate_id)
    steps = {"move": lambda doc, now: activities.move(doc, data, now, caller.user),
             "cancel": lambda doc, now: activities.cancel(doc, data, now, caller.user),
             "capacity": lambda doc, now: activities.change_capacity(doc, data, now, caller.user),
             "attend": lambda doc, now: activities.attend(doc, data, now, caller.user, rules),
             "rate": lambda doc, now: activities.rate(doc, data, now, caller, rules)}
    return activities.shown(step_on(db, outbox, "activities", estate_id, activity_id,
                                    lambda doc: steps[action](doc, clock.now())), rules["timezone"])
