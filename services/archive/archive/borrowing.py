"""Viewing and borrowing archives (查阅、借阅): the manager's approval, the
exception for inspections by a higher authority, and tracking until returned.

"查阅、借阅档案必须经过服务中心经理许可(上级部门临时性检查等特殊情况除外)" (seeds/001).

Plain functions: no broker, no store.
"""

from estate_common import archive_access, calendar, clock, roles, transitions
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput, field_error
from estate_common.wording import counted

# Who may approve or reject: the service-center manager (and the operator admin above them).
APPROVER_ROLES = roles.MANAGEMENT

# status -> {action: next status}; an action not listed is refused (409).
TRANSITIONS = {
    "pending": {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"},
    "approved": {"return": "returned"},
    "rejected": {},
    "returned": {},
    "withdrawn": {},
}


# four eyes: a manager who asked to borrow approved his own request (he may still withdraw it)
SELF_APPROVAL = ("a borrowing is approved by someone other than the one who asked for it: another manager "
                 "or the operator admin")


def require_approver(roles):
    if not APPROVER_ROLES.intersection(roles):
        raise Forbidden("only the service-center manager approves viewing or borrowing archives")


def next_status(request, action):
    return transitions.next_status(TRANSITIONS, request["status"], action, "a borrow request")


def check_target(data):
    """A request names what it is for: a subject (e.g. a household's file) or one record, not both."""
    named = [k for k in ("subject_id", "record_id") if data.get(k)]
    if len(named) != 1:
        raise InvalidInput("name either subject_id or record_id",
                           [field_error("data.subject_id", "give either subject_id or record_id")])


def _entry(at, by, action, note=None):
    return {"at": at, "by": by, "action": action, "note": note, "event_id": None}


def _term_days(kind, rules):
    """The estate's term of a borrowing or a view: the longest it runs."""
    return rules["borrow_due_days"] if kind == "borrow" else rules["view_due_days"]


def due_back(kind, decided, given, rules):
    """The due back asked for, unless it has passed by the decision (a request approved days
    later): then, as without one, the estate's days from the decision. Never past the term in
    force at the decision: a date asked for under a longer term was approved past the shorter
    one set since (found by a settings probe)."""
    term_end = calendar.days_later(decided, _term_days(kind, rules), rules["timezone"])
    if given and decided < clock.parse_iso(given) <= term_end:
        return given
    return clock.to_iso(term_end)


def _within_term(kind, given, now, rules):
    """A due back asked for is at most the estate's term away: asked for 2099, a view opened every
    record of the estate for decades, and the manager could only approve that date or reject
    (found by review)."""
    days = _term_days(kind, rules)
    last = calendar.days_later(now, days, rules["timezone"])
    if given > last:
        # a view's term is one day by default: it read "within the estate's 1 days"
        raise BusinessRuleViolation(f"a {kind} is due back within the estate's {counted(days, 'day')}",
                                    [field_error("data.due_back", f"is after {clock.to_iso(last)}")])


def asked_due_back(kind, given, now, rules):
    """A due back asked for (by the requester, or the approving manager), normalised; None when
    none is. 422 when it has passed or is past the estate's term."""
    if given is None:
        return None
    due = clock.parse_iso(given)
    if due <= now:
        raise BusinessRuleViolation("a borrowing is due back in the future",
                                    [field_error("data.due_back", "must be in the future")])
    _within_term(kind, due, now, rules)
    return clock.to_iso(due)


def new_request(request_id, estate_id, data, subject, now, actor, roles, rules):
    """``subject``: ``{"type", "id", "record_id"}`` as found in the archive. Only the archives'
    keepers record an inspection by a higher authority (it opens the files without the
    manager's approval: anyone else's claim of one would be a way round it)."""
    given_due = asked_due_back(data["kind"], data.get("due_back"), now, rules)
    authority = bool(data.get("authority_inspection", False))
    if authority and not archive_access.reads_everything(roles):
        raise Forbidden("only the archives' keepers (the archivist, the manager) record an inspection by a "
                        "higher authority; others ask for the manager's approval")
    if authority and not (data.get("authority") or "").strip():
        raise BusinessRuleViolation("an inspection by a higher authority names that authority",
                                    [field_error("data.authority", "is required for an authority inspection")])
    stamp = clock.to_iso(now)
    request = {
        "_id": request_id,
        "estate_id": estate_id,
        "subject_type": subject["type"],
        "subject_id": subject["id"],
        "record_id": subject.get("record_id"),
        "kind": data["kind"],
        "purpose": data["purpose"].strip(),
        "authority_inspection": authority,
        "authority": (data.get("authority") or "").strip() or None,
        "status": "pending",
        "requested_by": actor,
        "requested_at": stamp,
        "requested_due_back": given_due,
        "decided_by": None,
        "decided_at": None,
        "due_back": None,
        "returned_at": None,
        "history": [_entry(stamp, actor, "requested", data["kind"])],
        "created_at": stamp,
        "updated_at": stamp,
    }
    if authority:  # the exception: an inspection by a higher authority needs no approval
        request.update(status="approved", decided_at=stamp,
                       due_back=due_back(request["kind"], now, given_due, rules))
        request["history"].append(_entry(stamp, actor, "approved", "inspection by a higher authority: no approval needed"))
    return request


def created_action(request):
    """The change-log action of a new request."""
    return "borrow_authority_inspection" if request["authority_inspection"] else "borrow_requested"


def decide(request, action, note, now, actor, rules, given_due=None, actor_roles=()):
    """The changes and history entry of ``approve`` or ``reject``, an approval not by the one who
    asked (four eyes, ``roles.require_another_approver``). An approving manager may set
    the due back (``given_due``, within the estate's term): one who wrote "back within 3 days"
    in the note approved the requester's date, or the estate's 7 days (found by a probe of the
    console)."""
    status = next_status(request, action)
    if status == "approved":
        roles.require_another_approver(request["requested_by"], actor, actor_roles, SELF_APPROVAL)
    stamp = clock.to_iso(now)
    changes = {"status": status, "decided_by": actor, "decided_at": stamp, "updated_at": stamp}
    if status == "approved":
        given_due = asked_due_back(request["kind"], given_due, now, rules)
        changes["due_back"] = given_due or due_back(request["kind"], now, request["requested_due_back"], rules)
    return changes, _entry(stamp, actor, status, (note or "").strip() or None)


def withdraw(request, note, now, actor):
    """The one who asked withdraws (撤回) his request while it is pending: only a manager's
    rejection closed one its borrower no longer needed (a probe of the archivist's year). 403 for
    anyone else, 409 once decided."""
    if request["requested_by"] != actor:
        raise Forbidden("a borrow request is withdrawn by the one who asked for it")
    next_status(request, "withdraw")
    stamp = clock.to_iso(now)
    return ({"status": "withdrawn", "updated_at": stamp},
            _entry(stamp, actor, "withdrawn", (note or "").strip() or None))


def give_back(request, note, now, actor):
    """The return, and whether it came after the due back (``returned_late``, kept so the list
    finds them: :func:`list_filters`)."""
    next_status(request, "return")
    stamp = clock.to_iso(now)
    late = returned_late(request | {"returned_at": stamp})
    return ({"status": "returned", "returned_at": stamp, "returned_late": late, "updated_at": stamp},
            _entry(stamp, actor, "returned", (note or "").strip() or None))


def is_overdue(request, now):
    return request["status"] == "approved" and request["due_back"] is not None and \
        clock.parse_iso(request["due_back"]) < now


def returned_late(request):
    """Returned after its due back: overdue lasted while the file was out, and once it was back
    nothing said it came late (a probe of the archivist's year). Read from the dates, so a request
    returned before the flag was kept shows it too."""
    return bool(request.get("returned_at") and request.get("due_back")
                and clock.parse_iso(request["returned_at"]) > clock.parse_iso(request["due_back"]))


def view(request, now):
    """A request as shown: with ``overdue`` as of now, and ``returned_late``."""
    return dict(request, overdue=is_overdue(request, now), returned_late=returned_late(request))


YES_NO = {"true": True, "false": False}


def list_filters(filters, tz=None):
    """A list's filters as the store takes them: the fields to match (status, subject, who asked:
    ``requested_by``, a borrower's own, his start page's reminder; ``kind``, ``authority_inspection``,
    ``returned_late`` as kept at the return, and the request's time between ``from`` and ``to``, a day
    the estate's in ``tz``: the year's views, borrowings, inspections and late returns, which were
    counted by hand, a probe of the archivist's year) and ``overdue``: True (approved and past due
    back, as :func:`is_overdue`), False (not), None (either)."""
    match = {k: filters[k] for k in ("status", "subject_id", "requested_by", "kind") if k in filters}
    if "authority_inspection" in filters:
        match["authority_inspection"] = YES_NO[filters["authority_inspection"]]
    if "returned_late" in filters:
        match["returned_late"] = True if YES_NO[filters["returned_late"]] else {"$ne": True}
    window = calendar.filter_range(filters, tz)
    if window:
        match["created_at"] = window
    return match, YES_NO.get(filters.get("overdue"))


def totals(requests):
    """The counts of a period's requests (by status, by kind, returned late, inspections by a
    higher authority): the archivist added up the list's pages at the year's end (a probe of the
    archivist's year)."""
    by_status = dict.fromkeys(TRANSITIONS, 0)
    by_kind = {"view": 0, "borrow": 0}
    for request in requests:
        by_status[request["status"]] += 1
        by_kind[request["kind"]] += 1
    return {"requests": len(requests), "by_status": by_status, "by_kind": by_kind,
            "returned_late": sum(returned_late(r) for r in requests),
            "authority_inspections": sum(bool(r.get("authority_inspection")) for r in requests)}


# -- reading through a borrowing (estate_common.archive_access: who reads what directly) ------

def require_open_for(request, caller_user, caller_roles, now):
    """A borrowing opens its records to the one who asked for it (and to the keepers), while it
    is approved, not returned and not past its due back: a 403 for anyone else, a 409 (its state
    forbids) for a request pending, rejected, returned or overdue."""
    if request["requested_by"] != caller_user and not archive_access.reads_everything(caller_roles):
        raise Forbidden("a borrowing opens its records to the one who asked for it")
    if request["status"] != "approved":
        raise Conflict(f"a borrow request that is {request['status']} opens no records",
                       [field_error("borrow_id", f"is {request['status']}, not approved")])
    if is_overdue(request, now):
        raise Conflict("the borrowing is past its due back: return it and ask again",
                       [field_error("borrow_id", "is past its due back")])


def borrowed_search(request):
    """What the records of a borrowing are: the one record it names, else its subject's records
    (a household: the records under it; the estate: all of them; otherwise the subject's own)."""
    if request.get("record_id"):
        return {"_id": request["record_id"]}
    if request["subject_type"] == "household":
        return {"household_id": request["subject_id"]}
    if request["subject_type"] == "estate":
        return {}
    return {"subject_id": request["subject_id"]}
