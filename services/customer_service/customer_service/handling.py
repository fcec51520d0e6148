"""Answering and closing any request: reply (答复), close (结案), reopen (a consultation whose
answer did not settle the matter). Complaint- and repair-specific guards come from their modules.
"""
from estate_common import clock, roles
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, field_error
from estate_common.wording import counted

from . import complaints, repairs
from .domain import Change, closed_event_data, due_at, history_entry, next_status, require_manager
from .rules import DEFAULTS


def _validity(request, data, caller):
    """``valid``: the desk's judgement whether a complaint was justified (有效投诉), for the KPI.
    Once the manager has judged it (``judge``), only management changes it: an agent's reply or
    close with another ``valid`` overturned the manager's call with nothing in the history, and
    moved the valid-complaint rate (found by a probe)."""
    if "valid" not in data:
        return {}
    if request["kind"] != "complaint":
        raise InvalidInput("only a complaint is judged valid or not",
                           [field_error("data.valid", "is only for complaints")])
    if data["valid"] != request.get("valid") and _judgement_recorded(request):
        require_manager(caller)
    return {"valid": data["valid"]}


def _judgement_recorded(request):
    """Whether the history holds a ``judged`` step: the manager's ``judge``, or a judgement a reply
    or a close changed (the desk's only on its close, after which it takes no step on a complaint)."""
    return any(entry.get("action") == "judged" for entry in request.get("history") or ())


def _judgement_changed(request, changes, at, caller):
    """The history entry of a ``valid`` that a reply or a close changed from an earlier one."""
    if "valid" in changes and request.get("valid") is not None and changes["valid"] != request["valid"]:
        return [history_entry(at, caller.user, "judged", "valid" if changes["valid"] else "not valid")]
    return []


def judge(request, data, now, caller):
    """The manager's judgement whether a complaint was justified (有效投诉), in any state: one
    closed with none counted as not valid in the valid-complaint rate and could never be judged
    after (a closed request takes no step; found by review), and a judgement is corrected so too.
    None when it is judged so already."""
    require_manager(caller)
    if request["kind"] != "complaint":
        raise BusinessRuleViolation("only a complaint is judged valid or not",
                                    [field_error("kind", "is not a complaint")])
    if request.get("valid") == data["valid"]:
        return None
    at = clock.to_iso(now)
    return Change({"valid": data["valid"], "updated_at": at},
                  [history_entry(at, caller.user, "judged", "valid" if data["valid"] else "not valid")])


def reply(request, data, now, caller):
    """The reply to the owner; a complaint not verified yet is verified by it
    (``complaints.verified_with_the_reply``), and it records the cause and department found that the
    verification left out (``complaints.found_later``)."""
    complaints.require_handler(request, caller)
    message = data["message"].strip()
    verification = []
    if complaints.unverified(request) and request["status"] in ("open", "escalated"):
        request, entry = complaints.verified_with_the_reply(request, message, now, caller)
        verification = [entry]
    status = next_status(request, "reply")
    at = clock.to_iso(now)
    changes = {"status": status, "reply": message, "updated_at": at, **_validity(request, data, caller)}
    found = complaints.found_later(request, data)
    if verification or found:
        changes["complaint"] = found or request["complaint"]
    if request.get("replied_at") is None:
        changes["replied_at"] = at  # the first reply is what the deadline measures
    if request.get("answered_at") is None:
        changes["answered_at"] = at
    return Change(changes, [*verification, history_entry(at, caller.user, "replied", message),
                            *_judgement_changed(request, changes, at, caller)])


def close(request, data, now, caller, rules=DEFAULTS):
    """结案: the outcome is recorded (by default the last reply); archive keeps the closed request.
    A repair closes after its return visit, or with a recorded reason (``repairs.require_closable``)."""
    complaints.require_handler(request, caller)
    status = next_status(request, "close")
    without_visit = repairs.require_closable(request, data, rules, caller.roles)
    at = clock.to_iso(now)
    outcome = (data.get("outcome") or "").strip() or request.get("reply")
    changes = {"status": status, "closed_at": at, "outcome": outcome, "updated_at": at,
               **_validity(request, data, caller), **without_visit}
    if "satisfaction" in data:
        changes["satisfaction"] = data["satisfaction"]
    if request.get("answered_at") is None:
        changes["answered_at"] = at  # e.g. a consultation answered on the spot
    note = outcome if outcome else None
    if without_visit:
        attempts = counted(without_visit["closed_without_visit"]["attempts"], "attempt")
        note = "; ".join(filter(None, [note, f"without a return visit: occupant unreachable after {attempts}"]))
    return Change(changes, [history_entry(at, caller.user, "closed", note),
                            *_judgement_changed(request, changes, at, caller)],
                  [("service_request_closed", closed_event_data(request, at))])


def reopen(request, data, now, caller, rules=DEFAULTS):
    """The owner comes back. A complaint (复诉) is reopened by its own rules (``complaints.reopen``).
    A consultation: its answer did not settle it (counts against the
    consultation-accuracy KPI). It owes a new answer, by a new deadline of
    ``consultation_answer_hours`` from now, and is overdue again past it: it kept its first
    answer and deadline, and sat open for good, never overdue (found by a probe). The first
    answer stays in the history and ``replied_at``."""
    if request["kind"] == "complaint":
        return complaints.reopen(request, data, now, caller, rules)
    status = next_status(request, "reopen")
    at = clock.to_iso(now)
    return Change({"status": status, "reopen_count": request.get("reopen_count", 0) + 1, "updated_at": at,
                   "due_at": due_at(request["kind"], now, rules), "answered_at": None, "overdue_at": None},
                  [history_entry(at, caller.user, "reopened", data["reason"].strip())])


def transfer(request, data, now, caller):
    """转交: the request handed to a colleague of the desk (an agent, a steward, a manager), who then
    holds it (``handler {user, since, by, note}``) and finds it on his list (``?handler=``). Seeds 003:
    a question the desk cannot answer goes to the steward or the supervisor, a complaint to the
    steward or supervisor (交物管员或主管处理); the request had no holder and the steward no list of
    his own (a probe of the front desk's week). ``caller.assignee``: what the gateway found of the
    name in its accounts (``not_front_desk``: no active agent, steward or manager of the estate is so
    called; None: not looked up, a 422 as well: ``roles.require_looked_up``). Nothing else moves: the status, the due time
    promised and who may answer (an escalated complaint stays a manager's) stay. A closed request
    is handed to nobody (409); the same holder again is no step (None). Announced
    (``service_request_transferred``) for integrators: who holds what."""
    to = data["handler"].strip()
    if request["status"] == "closed":
        raise Conflict(f"a closed {request['kind']} is handed over to nobody")
    roles.require_looked_up({"data.handler": caller.assignee}, "a request is handed to a colleague of the desk")
    if caller.assignee == "not_front_desk":
        raise BusinessRuleViolation("a request is handed to a colleague of the desk", [field_error(
            "data.handler", "is not an active front-desk colleague of this estate (agent, steward, manager)")])
    if (request.get("handler") or {}).get("user") == to:
        return None
    at = clock.to_iso(now)
    note = (data.get("note") or "").strip() or None
    announced = {k: request[k] for k in ("number", "kind", "household_id")} | {
        "id": request["_id"], "handler": to, "previous_handler": (request.get("handler") or {}).get("user"),
        "transferred_at": at}  # the note is the desk's free text: not announced
    return Change({"handler": {"user": to, "since": at, "by": caller.user, "note": note}, "updated_at": at},
                  [history_entry(at, caller.user, "transferred", f"to {to}: {note}" if note else f"to {to}")],
                  [("service_request_transferred", announced)])
