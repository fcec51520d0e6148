"""The service request (服务请求) and its life: numbers, due times, who may act, and one
table of allowed transitions per kind.

The rules of each part of the desk are in their own modules: ``intake`` (registering),
``complaints`` (投诉), ``repairs`` (报修 and 回访), ``handling`` (reply, close, reopen),
``applications`` (入住/装修), ``surveys`` (满意度调查), ``front_desk`` (notices, keys,
custody, tools), ``kpis``. Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import calendar, clock, custom_fields, numbering, roles, transitions
from estate_common.errors import Forbidden
from estate_common.writes import Change  # noqa: F401  (what every step returns: fields, history, events)

NUMBER_PREFIX = "SR"
KINDS = ("consultation", "repair", "complaint", "suggestion", "praise")

# Who works the desk (route roles in the gateway say the same; the service checks again).
DESK_ROLES = roles.FRONT_DESK
# Who handles what the desk cannot: escalated (major) complaints, the estate's settings.
MANAGER_ROLES = roles.MANAGEMENT

# kind -> status -> {action: next status}. An action not listed is refused (409).
TRANSITIONS = {
    "complaint": {
        # withdraw: 撤诉, the owner gives his complaint up before its close (complaints.withdraw)
        "open": {"verify": "verified", "escalate": "escalated", "withdraw": "closed"},
        "verified": {"escalate": "escalated", "reply": "replied", "withdraw": "closed"},
        "escalated": {"verify": "escalated", "reply": "replied", "withdraw": "closed"},
        # 复诉: the owner not satisfied with the reply or the result (complaints.reopen): verified
        # already, it owes a new reply; an escalated one stays the manager's
        "replied": {"escalate": "escalated", "close": "closed", "reopen": "verified", "reopen_escalated": "escalated",
                    "withdraw": "closed"},
        "closed": {"reopen": "verified", "reopen_escalated": "escalated"},
    },
    "repair": {
        # cancel: maintenance cancelled the work order (a duplicate, the owner withdrew)
        "open": {"dispatch": "dispatched", "complete": "completed", "cancel": "closed"},
        "dispatched": {"complete": "completed", "cancel": "closed"},
        "completed": {"return_visit": "visited", "return_visit_with_problem": "follow_up", "close": "closed"},
        "visited": {"close": "closed"},
        "follow_up": {"dispatch": "dispatched", "complete": "completed", "cancel": "closed"},
        "closed": {},
    },
    "consultation": {
        "open": {"reply": "replied", "close": "closed"},
        "replied": {"reopen": "open", "close": "closed"},
        "closed": {},
    },
    "suggestion": {
        "open": {"reply": "replied", "close": "closed"},
        "replied": {"close": "closed"},
        "closed": {},
    },
    "praise": {
        "open": {"reply": "replied", "close": "closed"},
        "replied": {"close": "closed"},
        "closed": {},
    },
}

STATUSES = sorted({status for table in TRANSITIONS.values() for status in table})


def next_status(request, action):
    return transitions.next_status(TRANSITIONS[request["kind"]], request["status"], action, f"a {request['kind']}")


def allows(request, action):
    return action in TRANSITIONS[request["kind"]].get(request["status"], {})


def require_manager(caller):
    if not set(caller.roles) & MANAGER_ROLES:
        raise Forbidden("only a manager or the operator admin may do this")


def require_desk(caller):
    if not set(caller.roles) & DESK_ROLES:
        raise Forbidden("only the front desk handles service requests")


def require_person(caller, message):
    """What the staff do signed in, never an integrator's key whatever roles it holds (403 ``message``):
    the gateway's ``policy.PEOPLE_ONLY`` routes, refused again here, since an owner app's key holds
    ``agent`` for its owner's requests and sign-ups and passed the service's role check of planning,
    running and assigning (found by h7: a call reaching the service without the gateway was trusted
    more than the gateway trusts it)."""
    if roles.is_api_key(caller.user):
        raise Forbidden(message)


def require_owner_app(caller):
    """The owner's own rating (``portal.owner_rate``) comes from an owner app's key: a person at the
    desk (an agent, a manager) posting it put a rating in the owner's name into owner_satisfaction,
    shown as the app's (found by review); the desk's own asking is its return visit."""
    if not roles.is_api_key(caller.user):
        raise Forbidden("an owner's own rating is sent by an owner app: the desk records what an owner says "
                        "at its return visit")


# The filter (internal: no route takes it) that narrows a technician's reading to the repairs his
# work orders come from: the requests whose ``_technicians`` hold his name (store.request_query).
TECHNICIAN_FILTER = "_technician"


def kinds_read_by(caller):
    """The kinds of request ``caller`` reads: None for every kind (the front desk, the stewards,
    management). A technician reads the repairs his work orders come from, not the complaints
    (some about staff conduct), consultations and the rest, whose descriptions hold what owners
    typed, a phone number among it: technicians read them all (found by a domain probe)."""
    return None if set(caller.roles) & DESK_ROLES else ("repair",)


def readable_filters(caller, filters):
    """``filters`` of a list, an export or a read by id narrowed to what ``caller`` reads, the one
    place of the rule; None when they ask for a kind the caller does not read (nothing to show).
    A caller with no desk reading (a technician) reads the repairs only, and of those only the
    ones one of his work orders comes from (``TECHNICIAN_FILTER``: maintenance's
    ``work_order_assigned`` named him, ``repairs.technician_update``). Any technician read every
    repair, the owner's description and all (found by a probe); an export held every kind for a
    technician (found by review). The word search (``q``) is the desk's: a technician reads the
    phone numbers in a description masked, and a search for one would tell him it is there (403).
    A repair assigned before that event existed names its
    technician once maintenance has announced its earlier assignments
    (``announce_earlier_assignments``, as it starts); until then only the desk reads it here."""
    kinds = kinds_read_by(caller)
    if kinds is None:
        return filters
    if "q" in filters:  # the numbers in a text he reads masked would be found by searching for them
        raise Forbidden("the search of requests' words is the front desk's: a technician reads the numbers in "
                        "them masked")
    if filters.get("kind", kinds[0]) not in kinds or not caller.user:
        return None  # no name, no repair of his: a missing name would match every unassigned repair
    return {**filters, "kind": kinds[0], TECHNICIAN_FILTER: caller.user}


def due_at(kind, created, rules, emergency=False, handover_defect=False):
    """When the request must be answered or acted on (None: nothing is owed, e.g. praise). An
    emergency repair (抢险) is owed its response within minutes, not the day a repair is
    (the owner of a gas leak was promised 24 hours: found by review). A repair of a defect found
    at the handover (``handover_defect``: the developer's warranty work, 开发商保修) within its
    rectification period, ``handover_defect_response_days`` local days (a handover weekend's
    2,000 were each promised a day and went overdue the next: found by review r3 of h3)."""
    if kind == "repair" and emergency:
        return clock.to_iso(created + timedelta(minutes=rules["emergency_response_minutes"]))
    if kind == "repair" and handover_defect:
        return clock.to_iso(calendar.days_later(created, rules["handover_defect_response_days"], rules["timezone"]))
    days = {"complaint": rules["complaint_reply_days"], "suggestion": rules["suggestion_answer_days"]}.get(kind)
    if days is not None:  # local days: the same wall-clock time, whatever DST does to the hours
        return clock.to_iso(calendar.days_later(created, days, rules["timezone"]))
    hours = {"repair": rules["repair_response_hours"], "consultation": rules["consultation_answer_hours"]}.get(kind)
    return clock.to_iso(created + timedelta(hours=hours)) if hours is not None else None


def request_number(created, tz, sequence):
    """Per-estate sequential number (编号), e.g. SR-2026-000042; the series restarts each year of
    the estate's calendar (``estate_common.numbering``)."""
    return numbering.number(NUMBER_PREFIX, created, tz, sequence)


def number_series(created, tz):
    return numbering.series("service_request", created, tz)


def history_entry(at, by, action, note=None, event_id=None):
    return {"at": at, "by": by, "action": action, "note": note, "event_id": event_id}


def set_custom(request, values, now, actor):
    """``POST …/service-requests/{id}/custom``: the given custom values over the request's, in
    any status, with a history step naming the keys."""
    at = clock.to_iso(now)
    return Change({"custom": custom_fields.merged(request.get("custom"), values), "updated_at": at},
                  [history_entry(at, actor, "custom_values_set", ", ".join(sorted(values)))])


def rating_of(request):
    """The owner's own rating of a request, or None: a portal filer's (``portal.rating``,
    ``portal.rate``) or one an owner app sent (``owner_rating``, ``portal.owner_rate``); a request
    has one or the other."""
    return (request.get("portal") or {}).get("rating") or request.get("owner_rating")


def rating_written(request, rating):
    """The fields that keep ``rating`` where the request keeps its owner's rating."""
    if request.get("portal"):
        return {"portal": {**request["portal"], "rating": rating}}
    return {"owner_rating": rating}


def call_back_owed(request):
    """Whether the owner's rating (a portal filer's or an owner app's) owes a call back not
    recorded yet (``portal.rate``, ``portal.owner_rate``)."""
    rating = rating_of(request) or {}
    return bool(rating.get("call_back_due")) and rating.get("called_back") is None


def called_back(request, at, by, contact_id=None, return_visit_id=None):
    """The change that records the call back a low owner's rating owes, made at ``at`` (an owner
    contact about the request, or a return visit), or None when none is owed or the call came
    before the rating (it answered nothing the rating said)."""
    if not call_back_owed(request) or at < rating_of(request)["rated_at"]:
        return None
    done = {"at": at, "by": by, "contact_id": contact_id, "return_visit_id": return_visit_id}
    note = f"owner contact {contact_id}" if contact_id else "return visit"
    return Change(rating_written(request, {**rating_of(request), "called_back": done}),
                  [history_entry(at, by, "called_back", note)])


def overdue_entry(at):
    """The history step the overdue sweep writes (by the system: no user)."""
    return history_entry(at, None, "overdue", "not answered by its due time")


def overdue(request, now):
    """The overdue sweep's step: stamp ``overdue_at`` once, announced. None when the request was
    answered or stamped meanwhile."""
    if request.get("overdue_at") or request.get("answered_at") or not request.get("due_at") or request["due_at"] >= now:
        return None
    if request.get("household_id") is None:
        return None  # an unmatched portal request: stamped once the desk has matched it
    return Change({"overdue_at": now}, [overdue_entry(now)],
                  [("service_request_overdue", overdue_event_data(request, now))])


def overdue_event_data(request, overdue_at):
    keys = ("number", "kind", "household_id", "due_at", "created_at")
    return {k: request[k] for k in keys} | {"id": request["_id"], "overdue_at": overdue_at}


def created_event_data(request):
    keys = ("number", "kind", "household_id", "channel", "description", "due_at", "created_at")
    return {k: request[k] for k in keys} | {"id": request["_id"], "emergency": bool(request.get("emergency"))} | (
        {"joins_work_order_id": request["joins_work_order_id"]} if request.get("joins_work_order_id") else {}) | (
        # 计划停水停电: the cut's notice a call is about, so archive keeps the calls with the cut (h7)
        {"outage_notice_id": request["outage_notice_id"]} if request.get("outage_notice_id") else {}) | (
        {"emergency_category": request["emergency_category"]} if request.get("emergency_category") else {}) | (
        # the developer's warranty work (开发商保修): maintenance reports its response apart
        {"handover_defect": request["handover_defect"]} if request.get("handover_defect") else {})


def closed_event_data(request, closed_at):
    keys = ("number", "kind", "household_id", "created_at")
    return {k: request[k] for k in keys} | {"id": request["_id"], "closed_at": closed_at}
