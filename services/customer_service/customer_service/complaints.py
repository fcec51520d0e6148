"""Complaints (投诉): recorded in full, verified the same day, escalated to the manager when
major (重大投诉), replied to within 7 days (the request's ``due_at``).

The reply and the close are in ``handling``; this module holds what only complaints have.
"""

from estate_common import calendar, clock
from estate_common.errors import Conflict, Forbidden

from .domain import MANAGER_ROLES, Change, history_entry, next_status

# Filled from the create body; the record "in full": complainant, channel (on the request),
# reference (the letter/fax/call record's number), nature, summary, and later the outcome.
RECORDED_FIELDS = ("complainant", "reference", "nature", "summary")


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
    }


def verify(request, data, now, caller):
    """调查核实: the finding of the investigation, due the same day; later is recorded as late."""
    status = next_status(request, "verify")
    complaint = request["complaint"]
    if complaint["verified_at"]:
        raise Conflict("this complaint was verified already")
    at = clock.to_iso(now)
    late = at >= complaint["verify_due_at"]  # the due moment is the first of the next day
    verified = {**complaint, "verified_at": at, "verified_by": caller.user, "finding": data["finding"].strip(),
                "verified_late": late, "cause": data.get("cause")}
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
