"""Complaints (投诉): recorded in full, verified the same day, escalated to the manager when
major (重大投诉), replied to within 7 days (the request's ``due_at``).

The reply and the close are in ``handling``; this module holds what only complaints have.
"""

from estate_common import calendar, clock
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput, field_error
from estate_common.text import spaced
from estate_common.wording import counted

from .domain import MANAGER_ROLES, Change, closed_event_data, due_at, history_entry, next_status

# Filled from the create body; the record "in full": complainant, channel (on the request),
# reference (the letter/fax/call record's number), nature, summary, and later the outcome.
RECORDED_FIELDS = ("complainant", "reference", "nature", "summary")
# whom it is about (found by review r2 of h2): the staff member it names (``staff_named``, a person's
# name: masked by role as the complainant is, never in an event or a log) and, a neighbour dispute's,
# the other household (``other_household_id``, one of the estate's, not the complainant's)
ABOUT_FIELDS = ("staff_named", "other_household_id")
NEIGHBOUR_DISPUTE = "neighbours"


def check_about(data, household_id):
    """The other household a complaint names is a neighbour dispute's (nature ``neighbours``), and
    not the complainant's own (422); that it is the estate's the caller checks (``known_household``)."""
    other = data.get("other_household_id")
    if other is None:
        return
    if data.get("nature") != NEIGHBOUR_DISPUTE:
        raise BusinessRuleViolation("the other household is named by a neighbour dispute", [
            field_error("data.other_household_id", "is for a complaint of nature neighbours")])
    if other == household_id:
        raise BusinessRuleViolation("a neighbour dispute is with another household", [
            field_error("data.other_household_id", "is the complainant's own household")])


def verify_due_at(created, rules):
    """The end of the estate's local day of registration (``complaint_verify_days`` = 1), or of
    a later day, as a UTC timestamp (the first instant after that day)."""
    return clock.to_iso(calendar.day_end(created, rules["timezone"], days=rules["complaint_verify_days"]))


def details(data, created, rules):
    """The complaint part of a new request (None for other kinds)."""
    if data["kind"] != "complaint":
        return None
    return {
        **{name: data.get(name) for name in RECORDED_FIELDS},
        "verify_due_at": verify_due_at(created, rules),
        "verified_at": None,
        "verified_by": None,
        "finding": None,
        "verified_late": None,
        "escalated": False,
        "escalated_at": None,
        "escalated_by": None,
        "escalation_reason": None,
        "cause": None,
        "department": None,
        "staff_named": spaced(data.get("staff_named")) or None,
        "other_household_id": data.get("other_household_id"),
    }


def verify(request, data, now, caller):
    """调查核实: the finding of the investigation, due the same day; later is recorded as late. It may
    name the cause found and the department the complaint is about (``department``, 责任部门: the
    guard's manner is the security department's), which the quarterly analysis counts by."""
    status = next_status(request, "verify")
    complaint = request["complaint"]
    if complaint["verified_at"]:
        raise Conflict("this complaint was verified already")
    at = clock.to_iso(now)
    late = at >= complaint["verify_due_at"]  # the due moment is the first of the next day
    verified = {**complaint, "verified_at": at, "verified_by": caller.user, "finding": data["finding"].strip(),
                "verified_late": late, "cause": data.get("cause"), "department": data.get("department")}
    note = ("late: " if late else "") + verified["finding"]
    return Change({"status": status, "complaint": verified, "updated_at": at},
                  [history_entry(at, caller.user, "verified", note)])


def escalate(request, data, now, caller):
    """A major complaint, or one beyond the desk's authority, goes to the estate's managers: from
    now on only a manager (or the operator admin) replies to it and closes it. They find it in
    ``GET …/service-requests?escalated=true``. Once: a manager's reply escalated again went back to
    his list as not answered, and the first escalation's who and why were overwritten."""
    status = next_status(request, "escalate")
    if request["complaint"]["escalated"]:
        raise Conflict("this complaint was escalated already")
    at = clock.to_iso(now)
    escalated = {**request["complaint"], "escalated": True, "escalated_at": at, "escalated_by": caller.user,
                 "escalation_reason": data["reason"].strip()}
    announced = {"id": request["_id"], "number": request["number"], "household_id": request["household_id"],
                 "escalated_at": at}  # the reason stays on the request: it may name people
    return Change({"status": status, "complaint": escalated, "updated_at": at},
                  [history_entry(at, caller.user, "escalated", escalated["escalation_reason"])],
                  [("complaint_escalated", announced)])


def require_handler(request, caller):
    """An escalated complaint is the manager's to answer and close."""
    complaint = request.get("complaint") or {}
    if complaint.get("escalated") and not set(caller.roles) & MANAGER_ROLES:
        raise Forbidden("an escalated complaint is answered and closed by a manager")


# what the investigation found, recorded with the verification, or later with a reply (``found_later``)
FOUND_FIELDS = ("cause", "department")


def found_later(request, data):
    """The complaint record with the ``cause`` and ``department`` a reply gives that its verification
    left out (a complaint verified by its reply has neither), or None when it gives none new: they
    read "unrecorded" in the quarterly analysis for good (a probe of a complaint's quarter, h2). One
    the verification recorded stands (422 for another value)."""
    given = {name: data[name] for name in FOUND_FIELDS if data.get(name) is not None}
    if not given:
        return None
    if request["kind"] != "complaint":
        raise InvalidInput("only a complaint has a cause and a department found",
                           [field_error(f"data.{name}", "is only for complaints") for name in given])
    record = request["complaint"]
    recorded = [name for name, value in given.items() if record.get(name) not in (None, value)]
    if recorded:
        raise BusinessRuleViolation("what the verification found stands", [
            field_error(f"data.{name}", "was recorded with the verification") for name in recorded])
    new = {name: value for name, value in given.items() if record.get(name) is None}
    return {**record, **new} if new else None


def unverified(request):
    complaint = request.get("complaint")
    return complaint is not None and not complaint["verified_at"]


def verified_with_the_reply(request, message, now, caller):
    """A complaint replied to before its verification was recorded: the reply verifies it at that
    moment (late after the day it was due, as ``verify`` would record it), its words the finding.
    API.md's steps of a complaint are escalate, reply and close; the verify step came later, and a
    client following API.md met a 409 at every reply (an integrator's probe). ``(request as
    verified, its history entry)``."""
    status = next_status(request, "verify")
    at = clock.to_iso(now)
    late = at >= request["complaint"]["verify_due_at"]
    verified = {**request["complaint"], "verified_at": at, "verified_by": caller.user, "finding": message,
                "verified_late": late}
    note = ("late: " if late else "") + "with the reply"
    return {**request, "status": status, "complaint": verified}, history_entry(at, caller.user, "verified", note)


# What a round of a complaint (its registration, or a reopening, to the reply that answered it)
# ended with, kept on each reopening: ``reopenings[].ended``.
ROUND_FIELDS = ("due_at", "replied_at", "closed_at", "outcome", "satisfaction")


def reopen(request, data, now, caller, rules):
    """复诉: the owner is not satisfied with the complaint's reply or result (seeds 004: the desk
    follows up whether the problem remains after a complaint was resolved; every complaint gets an
    answer). Reopened from ``replied`` or ``closed``, with the reason the owner gave, it is received
    again: it owes a new reply within the estate's ``complaint_reply_days`` from now (``due_at``; the
    same rule as at its registration, 7 days at most) and is overdue past it. Its investigation
    stands (``verified``: the desk may verify nothing twice, and escalates it if the owner's
    reason makes it major); one escalated before stays escalated, the manager's to answer and close.
    Its holder (``handler``) and the judgement whether it was justified (``valid``) stay.

    The round it ends is kept on the reopening (``reopenings[].ended``: its deadline, reply, close,
    outcome and satisfaction) and the request owes its new round from scratch: ``replied_at``,
    ``answered_at``, ``closed_at``, ``outcome``, ``satisfaction`` and ``overdue_at`` cleared. So the
    complaint timeliness KPI counts each deadline in its own month by its own reply
    (``rounds``), the satisfaction is the owner's at its last close, and the valid-complaint rate
    still counts it once, in the month it was registered: a reopening is no new complaint.
    Announced as ``complaint_reopened`` (no reason: it may name people)."""
    if request.get("withdrawn"):
        raise Conflict("a withdrawn complaint is not reopened: register a new complaint")
    status = next_status(request, "reopen_escalated" if (request.get("complaint") or {}).get("escalated") else "reopen")
    refuse_reopening_too_late(request, now, rules)
    at = clock.to_iso(now)
    reason = data["reason"].strip()
    count = times_reopened(request) + 1  # its own 复诉, not a consultation's reopening before it became one
    reopening = {"at": at, "by": caller.user, "reason": reason,
                 "ended": {name: request.get(name) for name in ROUND_FIELDS}}
    new_due = due_at("complaint", now, rules)
    announced = {"id": request["_id"], "number": request["number"], "household_id": request["household_id"],
                 "reopened_at": at, "due_at": new_due, "reopen_count": count,
                 "escalated": bool(request["complaint"]["escalated"])}
    return Change({"status": status, "reopen_count": count, "reopened_at": at,
                   "reopenings": [*(request.get("reopenings") or ()), reopening],
                   "due_at": new_due, "answered_at": None, "overdue_at": None, "replied_at": None,
                   "closed_at": None, "outcome": None, "satisfaction": None, "updated_at": at},
                  [history_entry(at, caller.user, "reopened", reason)],
                  [("complaint_reopened", announced)])


def withdraw(request, data, now, caller):
    """撤诉: the owner gives his complaint up (the neighbour fixed the pipe, the matter settled between
    them) before it is closed. A complaint closed only once replied, so the desk invented a reply
    to close it, and a complaint withdrawn before its deadline counted as one owing its reply in
    the timeliness KPI and the analysis (a probe of a complaint's month, h2). Closed now with the
    owner's reason (``withdrawn {at, by, reason}``, the outcome unless it was replied to already),
    archived as every closed request (``service_request_closed``). Its reply is owed no more: a
    round withdrawn before its deadline without a reply is no deadline (``rounds``); one withdrawn
    past it was late and stays so. An escalated complaint is the manager's to close (``require_handler``);
    a withdrawn complaint is not reopened (409): the matter raised again is a new complaint. Its
    judgement (``valid``) stays the manager's to give."""
    if request["kind"] != "complaint":
        raise BusinessRuleViolation("only a complaint is withdrawn by its complainant",
                                    [field_error("kind", "is not a complaint")])
    status = next_status(request, "withdraw")
    require_handler(request, caller)
    at = clock.to_iso(now)
    reason = data["reason"].strip()
    changes = {"status": status, "closed_at": at, "withdrawn": {"at": at, "by": caller.user, "reason": reason},
               "outcome": request.get("reply") or reason, "updated_at": at}
    if request.get("answered_at") is None:
        changes["answered_at"] = at  # nothing owed: not overdue, as a closed request is not
    return Change(changes, [history_entry(at, caller.user, "withdrawn", reason)],
                  [("service_request_closed", closed_event_data(request, at) | {"withdrawn": True})])


def refuse_reopening_too_late(request, now, rules):
    """复诉 has a time limit, ``complaint_reopen_days`` from the round's end (its close, or its reply
    while not closed): later, the matter raised again is a new complaint, counted in its own month,
    where a reopening would move an old complaint's reply deadline into today. Counted in the estate's
    days, as the desk's other day limits (``calendar.day_end``): the Nth day after the one it ended on
    reopens, all of it, and the refusal names that local day (in hours from the close, a close at 01:00
    in Shanghai ended the window at 01:00 on its 30th day, and was named by its UTC date: found by review)."""
    ended = request.get("closed_at") or request.get("replied_at")
    if not ended:
        return
    days, tz, ended_at = rules["complaint_reopen_days"], rules["timezone"], clock.parse_iso(ended)
    if now >= calendar.day_end(ended_at, tz, days=days + 1):
        raise BusinessRuleViolation(
            f"a complaint is reopened within {counted(days, 'day')} of its close or reply: register a new complaint",
            [field_error("reason", f"the complaint ended on {calendar.day_of(ended_at, tz)}, "
                                   f"more than {counted(days, 'day')} ago")])


def times_reopened(request):
    """How often a complaint was reopened (复诉): its ``reopenings``. Not ``reopen_count`` alone: a
    consultation reopened (its answer did not settle it) and then reclassified as a complaint
    brings its count along, and read as a complaint's it was counted a 复诉 by the analysis and its
    result, and the first real one was announced as the second (found by review)."""
    return len(request.get("reopenings") or ())


def rounds(request):
    """``(deadline, reply)`` of each round of a complaint, oldest first: those its reopenings ended
    (``reopenings[].ended``) and the current one (``due_at``, ``replied_at``), unless the owner
    withdrew it before its deadline with no reply given (``withdraw``)."""
    ended = [(r["ended"]["due_at"], r["ended"]["replied_at"]) for r in request.get("reopenings") or ()]
    current = (request["due_at"], request.get("replied_at"))
    withdrawn = request.get("withdrawn")
    if withdrawn and not current[1] and withdrawn["at"] <= current[0]:
        return ended  # withdrawn before its deadline (撤诉, ``withdraw``): no reply owed
    return [*ended, current]
