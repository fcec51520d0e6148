"""The owner portal (业主自助报事): a request an owner or tenant files without an account.

It lands in the one register (``intake``) with ``channel: portal``, the building, unit and room
it names, the contact it gives (personal data: shown to the desk, never in events or the
tracking view) and a tracking code. Plain functions: no broker, no store.

- **Tracking code.** ``<estate code>.<secret>`` (``estate_common.public_codes``): the request
  keeps only the secret's SHA-256 (``_tracking_hash``, never shown).
- **Filed once per Idempotency-Key.** A filing sent with the header (the portal page sends one per
  form it shows) gets its id from the key, and its secret from the key too: an HMAC of the
  estate and the key under a key derived from the bus's signing key (``keyed_secret``). A
  retry (a double tap, a timeout) finds the first request and rebuilds the same tracking code,
  which is still kept nowhere; the answer shows the request's status now. The same key with
  another filing is a 422 (``_filing_digest``); a first request whose code the service cannot
  rebuild any more (the signing key changed since) is a 409.
- **Matching.** Every filing is registered with ``household_id: null`` and ``portal.matched:
  false``, whatever the address it names; the desk matches it to the household (``match``; the
  console offers the household at that building, unit and room) and classifies a repair (its
  ``category``: the portal asks none, and an unclassified repair repeats nothing). Its
  ``service_request_created`` (which maintenance and archive need with a household) is held
  until then: a repair then travels on exactly as a desk-registered one. That event's time and
  actor are the match's, which its data names too (``matched_at``, ``matched_by``), beside
  ``created_at``, the filing's: archive records the filing as the portal's, at its time. Until then every other
  desk step on it is refused (409). So nothing an anonymous filer can see tells whether a
  household lives at an address (a filing for a real one used to be dispatched at once, and
  its tracking view said so), and no anonymous filing opens a work order before the desk has
  looked at it.
- **Rating.** Once the work is done (a repair completed; another kind answered) the filer may
  rate it 1–5, once (409 before the work is done and for a second rating). The rating counts
  in the satisfaction KPIs like a return visit's (``kpis``).
"""
import functools
import hashlib
import hmac

from estate_common import bus_auth, clock, public_codes
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput, NotFound, field_error
from estate_common.text import address_part, spaced

from . import domain, repairs
from .domain import Change, history_entry

CHANNEL = "portal"
ACTOR = "portal"  # who the request's history names for what the filer did


def keyed_secret(estate_id, idempotency_key):
    """The secret of a filing sent with an Idempotency-Key: the same for every retry of it, and
    nobody without the service's key can compute it from the key."""
    mac = hmac.new(_keyed_secrets_key(), f"{estate_id}\x1f{idempotency_key}".encode(), hashlib.sha256)
    return public_codes.secret_text(mac.digest()[:public_codes.SECRET_BYTES])


@functools.lru_cache(maxsize=1)
def _keyed_secrets_key():
    return hmac.new(bus_auth.load_key(), b"estate-ops portal tracking secrets", hashlib.sha256).digest()


def refiled(stored, digest, secret):
    """The request a retry with the same Idempotency-Key finds: its own, with a tracking code the
    service can show again."""
    if stored.get("_filing_digest") != digest:
        raise BusinessRuleViolation("Idempotency-Key was used before with another filing",
                                    [field_error("Idempotency-Key", "was used with another body")])
    if stored.get("_tracking_hash") != public_codes.secret_hash(secret):
        raise Conflict("this filing was made, but its tracking code cannot be shown again")
    return stored


def address(data):
    return {name: address_part(data[name]) for name in ("building", "unit", "room")}


def check(data):
    """What the contract cannot say: the texts are not just spaces (400 naming the field)."""
    errors = [field_error(f"data.{name}", "must not be blank")
              for name in ("building", "unit", "room", "contact_phone", "description") if not spaced(data.get(name))]
    for name in ("urgent", "utility", "own_fault"):  # as the desk's emergency and own_fault (intake.ONLY_FOR)
        if data.get(name) and data["kind"] != "repair":
            errors.append(field_error(f"data.{name}", "is only for a repair"))
    if errors:
        raise InvalidInput("fields are blank", errors)


def filer(data):
    """Who filed: the contact the form gives (the name optional), as the request keeps it."""
    return {"name": spaced(data.get("contact_name")) or None, "phone": spaced(data["contact_phone"])}


def desk_data(data):
    """The request as the desk would register it (``intake.new_request``'s data), with no
    household until the desk matches it; the filer is who raised it (the request's ``contact``,
    as the desk's caller is), and stays in ``portal.contact`` too, where it always was."""
    return {"kind": data["kind"], "household_id": None, "channel": CHANNEL, "description": data["description"],
            "contact": filer(data), **({"own_fault": True} if data.get("own_fault") is True else {})}


def cut_to_answer(data):
    """计划停水停电: the utility whose planned cut answers the filing (``cut_answers``), or None: a repair
    naming what is out in the flat (``utility``, the filer's word), not the flat's own fault by the
    filer's word (``own_fault``) and not marked urgent (a burst pipe during the water cut is the desk's
    to judge as it matches it, where the desk's guard reads the category it gives)."""
    if data["kind"] != "repair" or data.get("own_fault") is True or data.get("urgent") is True:
        return None
    return data.get("utility")


def cut_answers(cuts):
    """An owner's "no water" filed on the portal during a planned cut of the building he names (``cuts``:
    ``store.cuts_standing``, oldest first) was a repair and, once matched, a work order, where the desk
    answers the same call by the cut's notice: the filing is answered by the cut (409: the notice's title
    and when the service is expected back), and nothing is filed. The board's notice is public: naming
    it tells nothing of who lives at the address."""
    if cuts:
        notice = cuts[0]
        raise Conflict(f"a planned cut of the building stands until {notice['expected_restoration_at']} "
                       f"({notice['title']}): the service comes back then and nothing was filed; if only your "
                       "flat has the fault, say so (own_fault) and file it again")


def portal_part(data):
    return {
        "address": address(data),
        "contact": filer(data),
        "matched": False,
        # the filer's urgent mark, which the desk judges as it matches the filing (``match``)
        "urgent": data.get("urgent") is True,
        # what is out in the flat, the filer's word (计划停水停电: ``cut_to_answer``)
        **({"utility": data["utility"]} if data.get("utility") else {}),
        "urgent_confirmed": None,
        "rating": None,
    }


def filed_view(request, code):
    """What the filer is told: the same fields whatever the address."""
    return {"tracking_code": code, "number": request["number"], "status": request["status"]}


# -- matching an unmatched request (the desk) ----------------------------------------------------

def unmatched(request):
    return request.get("channel") == CHANNEL and request.get("household_id") is None


def require_matched(request):
    if unmatched(request):
        raise Conflict("this portal request is not matched to a household yet: match it first")


def classified(request, category):
    """The request as the desk classifies it on matching: a repair takes ``category`` (the portal
    asks none, so every portal repair was ``other``); another kind has none (422)."""
    if category is None:
        return request
    if request["kind"] != "repair":
        raise BusinessRuleViolation("only a repair has a category",
                                    [field_error("data.category", "is for a repair only")])
    return {**request, "category": category}


def judged_urgency(request, emergency, now, rules, user, emergency_category=None):
    """``(portal fields, request fields, history entries)`` of the desk's judgement, as it matches
    the filing, whether the repair is an emergency (抢险; ``emergency``: None when the desk says
    nothing).

    A resident could not mark a repair urgent, and every filing waited alike (a phone probe). The
    filer's ``urgent`` mark binds nobody to a response in minutes (a click is no emergency: staff
    answer for the promise): it puts the filing first on the desk's start page (``urgency=pending``),
    and the desk confirms it or not as it matches it, which it must then say (422). Confirmed (or an
    unmarked repair the desk makes an emergency), the repair is one as the desk's own emergency is
    (``repairs.details``): due within ``emergency_response_minutes`` of the confirmation, the promise
    being made then, never later than its ordinary promise; its return visit owed (``match``), and
    maintenance opens an emergency order from the event. Declined, an ordinary repair; the mark and
    the judgement stay (``urgent_confirmed``). ``emergency_category``: the emergency's own category
    (抢险类别) for maintenance's order, as a desk registration names it (h5's B6); with the emergency only."""
    # a mark judged already (a filing reclassified to another kind declines it: reclassification.py) asks nothing
    marked = bool(request["portal"].get("urgent")) and request["portal"].get("urgent_confirmed") is None
    if emergency is not None and request["kind"] != "repair":
        raise BusinessRuleViolation("only a repair is an emergency",
                                    [field_error("data.emergency", "is for a repair only")])
    if emergency_category is not None and emergency is not True:
        raise BusinessRuleViolation("the emergency's category is for an emergency repair",
                                    [field_error("data.emergency_category", "is only for an emergency repair (emergency true)")])
    if marked and emergency is None:
        raise BusinessRuleViolation("the filer marked this repair urgent: say whether it is an emergency",
                                    [field_error("data.emergency", "is required: the filer marked the repair urgent")])
    at = clock.to_iso(now)
    portal = {"urgent_confirmed": emergency} if marked else {}
    if not emergency:
        return portal, {}, [history_entry(at, user, "urgency_declined")] if marked else []
    due = min(request["due_at"], domain.due_at("repair", now, rules, emergency=True))
    return (portal, {"emergency": True, "due_at": due, "promised_by": due, "emergency_category": emergency_category},
            [history_entry(at, user, "emergency_confirmed")])


def match(request, household_id, now, user, earlier_repair_id=None, category=None, emergency=None, rules=None,
          emergency_category=None, own_fault=None, cut_warnings=()):
    """The desk names the household of an unmatched portal request, a repair's ``category`` maybe
    and whether it is an emergency (``judged_urgency``); its ``service_request_created`` leaves
    with this write (maintenance opens a repair's order). A repair that repeats the household's
    ``earlier_repair_id`` needs its return visit, as the desk's would. ``cut_warnings``: the planned
    cuts standing in the household's building when the repair is matched unclassified
    (``front_desk.cut_warnings``), kept on it for the desk, in no event."""
    if not unmatched(request):
        raise Conflict("this request has its household already")
    at = clock.to_iso(now)
    judgement, urgency, judged = judged_urgency(request, emergency, now, rules, user, emergency_category)
    portal = {**request["portal"], "matched": True, **judgement}
    emergent = bool(urgency.get("emergency") or request.get("emergency"))
    repeat = repairs.repeat_fields(earlier_repair_id, emergent) if request["kind"] == "repair" else {}
    named = {"category": category} if category is not None else {}
    if own_fault:  # the desk's judgement of a repair during a planned cut of its utility (``judged_own_fault``)
        named["own_fault"] = True
    kept = {"cut_warnings": list(cut_warnings)} if cut_warnings else {}
    matched = {**classified(request, category), "household_id": household_id, **repeat, **urgency, **named}
    # announced now, by the desk: the event says so, beside its created_at (the filing), for a record of
    # the filing that names the portal and its time, and who matched it when (archive)
    announced = domain.created_event_data(matched) | {"matched_at": at, "matched_by": user}
    return Change({"household_id": household_id, "portal": portal, "updated_at": at, **named, **repeat, **urgency,
                   **kept},
                  [history_entry(at, user, "household_matched", household_id), *judged],
                  [("service_request_created", announced)])


def judged_own_fault(request, own_fault):
    """The desk's ``own_fault`` as it matches a filing: a repair's only (422 else); the filer's word
    (``own_fault`` filed) stands whatever the desk says. True when the flat's fault is its own."""
    if own_fault is not None and request["kind"] != "repair":
        raise BusinessRuleViolation("only a repair is the flat's own fault",
                                    [field_error("data.own_fault", "is for a repair only")])
    return own_fault is True or request.get("own_fault") is True


# -- the filer's rating ---------------------------------------------------------------------------

def done(request):
    """The work is done: a repair completed (since), another kind answered; a complaint its owner
    withdrew (撤诉) only if it was replied to: the withdrawal is no answer to rate."""
    if request["kind"] == "repair":
        return request.get("completed_at") is not None
    if request.get("withdrawn") and not request.get("replied_at"):
        return False
    return request.get("answered_at") is not None


def rate(request, score, now, rules):
    """The filer's 1-5, once the work is done. A rating at or below the estate's
    ``rating_call_back_max_score`` (2) owes a call back (``call_back_due``): it counted in the
    satisfaction figures only, and nothing told the desk, where a problem found on a return visit
    becomes a follow-up (a phone probe). The desk's start page lists it (``call_back=owed``) until
    the call is recorded (``domain.called_back``): an owner contact about the request, the register
    of calls to owners, or a return visit made after the rating, which is that call for a repair."""
    if not request.get("portal"):
        raise NotFound("no such request")
    return _rated(request, score, now, rules, ACTOR, {})


def _rated(request, score, now, rules, actor, sent_by):
    """The rating's Change, kept where the request keeps its owner's rating (``domain.rating_written``):
    once, once the work is done; at or below ``rating_call_back_max_score`` it owes a call back.
    ``sent_by``: fields the rating adds (who sent it)."""
    if domain.rating_of(request) is not None:
        raise Conflict("this request has been rated already")
    if not done(request):
        raise Conflict("a request is rated once its work is done")
    at = clock.to_iso(now)
    owed = score <= rules["rating_call_back_max_score"]
    rating = {"satisfaction": score, "rated_at": at, **sent_by, "call_back_due": owed, "called_back": None}
    return Change({**domain.rating_written(request, rating), "updated_at": at},
                  [history_entry(at, actor, "rated", f"satisfaction {score}/5" + ("; call back owed" if owed else ""))])


def owner_rate(request, score, now, rules, caller):
    """The owner's 1-5 sent by an owner app (an integrator's key: ``POST …/service-requests/{id}/
    rating``), once the work is done, once: a request the app registered (channel ``app``) had no
    way to be rated by its owner, who could only be asked at the desk's return visit (an owner's
    probe). Kept as a portal filer's rating is (``owner_rating``: the same fields, and who sent
    it), counted in the same satisfaction figures, a low one owing the same call back. A portal
    filing is its filer's to rate, with its tracking code (422): one request, one owner's rating.
    Only the key that filed it rates it (403): a key is estate-wide, and another integrator's key
    with the desk's role (another app, a kiosk) rated in their owners' names the requests the desk
    registered at the window or another app filed (found by the session 46 note). A key made to
    replace the filing key (its ``caller.replaces``: a rotation, gateway/api_keys.py) is the app's
    key still (``Caller.acts_for``): the app's requests filed before its key was rotated could not
    be rated (the session 47 note)."""
    if request.get("portal"):
        raise BusinessRuleViolation("a portal filing is rated by its filer, with its tracking code", [
            field_error("id", "is an owner-portal filing: its filer rates it on the portal")])
    if not caller.acts_for(request.get("created_by")):
        raise Forbidden("an owner app rates the requests filed through its own key: the desk asks the owner of "
                        "another at its return visit")
    return _rated(request, score, now, rules, caller.user, {"by": caller.user})


def ratings(requests, start, end):
    """The owners' own ratings given within [start, end) (for the satisfaction KPIs): a portal
    filer's and an owner app's (``domain.rating_of``)."""
    scores = []
    for request in requests:
        rating = domain.rating_of(request)
        if rating and start <= rating["rated_at"] < end:
            scores.append(rating["satisfaction"])
    return scores


# -- the tracking view ----------------------------------------------------------------------------

# the request's history actions that move its status, as the transition table names them
_ACTIONS = {"registered": None, "verified": "verify", "escalated": "escalate", "replied": "reply",
            "closed": "close", "reopened": "reopen", "dispatched": "dispatch", "completed": "complete",
            "return_visit": "return_visit", "follow_up_requested": None}


def statuses(request):
    """``[{at, status}]``: each status the request went through, from its history (no names)."""
    table = domain.TRANSITIONS[request["kind"]]
    status, steps = "open", []
    history = request.get("history") or []
    for index, entry in enumerate(history):
        if entry["action"] not in _ACTIONS:
            continue
        action = _ACTIONS[entry["action"]]
        if action == "return_visit" and index + 1 < len(history) \
                and history[index + 1]["action"] == "follow_up_requested":
            action = "return_visit_with_problem"
        if action is not None:
            status = table.get(status, {}).get(action, status)
        if not steps or steps[-1]["status"] != status:
            steps.append({"at": entry["at"], "status": status})
    if not steps or steps[-1]["status"] != request["status"]:
        steps.append({"at": request["updated_at"], "status": request["status"]})
    return steps


def estate_view(estate):
    """The estate a portal link names, as its form shows it: its name, so that an owner sees
    where the request goes (a mistyped link showed the form, and filing met "unknown estate"),
    and its service centre's phones (``centre_phones``)."""
    return {"code": estate["code"], "name": estate["name"], **centre_phones(estate)}


# the estate's service-centre phone (服务中心电话) and 24-hour duty phone (24小时值班电话), archive's
# master data in this service's copy of the estate
CENTRE_PHONES = ("service_phone", "duty_phone")


def centre_phones(estate):
    """``{service_phone, duty_phone}`` of the estate (None each while it has none): every portal
    answer of an estate gives them, so that every page tells a resident whom to ring, and to ring
    for an emergency (water, gas, power, a lift entrapment, fire): the portal had no number to give,
    and a filing waits for the desk (a phone probe). The centre's numbers, not a person's."""
    return {name: (estate or {}).get(name) for name in CENTRE_PHONES}


def call_back_shown(rating):
    """``{made_at}`` (None until the call is recorded) for a rating that owes a call back; None
    for none rated or one that owes none."""
    if not rating or not rating.get("call_back_due"):
        return None
    return {"made_at": (rating.get("called_back") or {}).get("at")}


def tracking_view(request, timezone, estate=None):
    """``timezone``: the estate's, so that the portal page shows the times on the estate's clock
    (the filer has no account, and no chosen estate to take it from); ``estate``: its copy, for
    the service centre's phones (``centre_phones``)."""
    rating = (request.get("portal") or {}).get("rating")
    steps = statuses(request)
    return {
        "number": request["number"],
        "kind": request["kind"],
        "status": request["status"],
        "created_at": request["created_at"],
        # the last change of status: the document's own moved with the desk's work the filer is
        # not shown (matching a household told whether one lives at the address: found by a probe)
        "updated_at": steps[-1]["at"],
        "history": steps,
        "rateable": done(request) and rating is None,
        "satisfaction": rating["satisfaction"] if rating else None,
        # a low rating's call back the desk owes, and once made, when (no one's name): the page
        # thanked a 1/5 and said nothing of the call coming (a probe of an owner's year)
        "call_back": call_back_shown(rating),
        # the desk's answer to the filer, as last sent: the page showed "replied" and asked for a
        # rating of a reply it never showed (DOMAIN: the result is reported back to the owner; a probe)
        "reply": request.get("reply"),
        # a repair's visit as the owner follows it: when the technician comes (and that the time
        # changed), when he first came on site; no one's name (a portal probe: "dispatched" until done)
        "appointment": repairs.appointment_shown(request),
        # the visit as last agreed, for the steps: the time agreed left them once the work was done
        "last_appointment": repairs.last_appointment_shown(request),
        # a job on hold (待料): what it waits for, the day expected (the page said "dispatched"; h4)
        "waiting": repairs.waiting_shown(request),
        "on_site_at": request.get("started_at") if request["kind"] == "repair" else None,
        # by when the service centre answers, while it owes it (answered_at: a reply sent, a
        # repair's technician on site): DOMAIN's time limit the owner is told, a complaint's 7 days,
        # which the page never said (a phone probe)
        "due_at": request.get("due_at") if request.get("answered_at") is None else None,
        # a completed repair's return visit (回访, DOMAIN's 3 days), by when, until it is made: the
        # page said "completed" and nothing of the call to come (a probe of an owner's year)
        "return_visit_due_at": request.get("return_visit_due_at")
        if request["kind"] == "repair" and request["status"] == "completed" else None,
        # a repair closed without its work: maintenance cancelled the order it waited for (a
        # duplicate, withdrawn); it read "closed" as a repair done does (a phone probe). Not the
        # reason: the staff's note
        "work_cancelled": request["kind"] == "repair" and request["status"] == "closed"
        and request.get("completed_at") is None,
        # a complaint its owner withdrew (撤诉): "closed" read as answered (h2). Not the reason
        "withdrawn": bool(request.get("withdrawn")),
        # what the work was charged once it is done (the quote the occupant consented to on site;
        # 0: free), billed to the household: the page said "completed" and the filer, who has no
        # account, learnt the cost from the bill if ever (an owner's probe). An amount, no name;
        # None for one completed before the request kept its charge (not "free": unknown)
        "charge_cents": request.get("charge_cents")
        if request["kind"] == "repair" and request.get("completed_at") else None,
        "timezone": timezone,
        **centre_phones(estate),
    }
