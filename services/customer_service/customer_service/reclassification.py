"""A request registered as the wrong kind, reclassified (改类): ``POST …/service-requests/{id}/reclassify
{kind, reason, …}``.

A request's kind could not change: a "consultation" that was a leak was closed and registered anew,
and the closed consultation counted as answered correctly in the consultation-accuracy KPI (a probe
of the front desk's week). The desk reclassifies it while it is ``open`` and before any work on it:
a consultation, suggestion or praise not answered yet (one answered is reopened first, which counts
against the consultation's accuracy), a complaint not verified nor escalated, a repair not announced
to maintenance (an owner-portal filing not matched yet: a repair that has left holds a work order,
which maintenance cancels, the request closing with it). The new kind's rules are applied as
``intake`` applies them at a registration, from the request's registration (its ``created_at``: the
owner asked then, and a misclassification buys no time): its due time by the estate's settings, a
complaint's record and same-day verification, a repair's promise, category and repeat. The
request keeps its number, household, channel, holder and history; ``reclassifications`` lists each
change (``{from, to, at, by, reason}``) and the history says ``reclassified``.

A request that has left (its household named) is announced again as the kind it is now:
``service_request_created`` with ``reclassified_from``, the existing path, so maintenance opens a
repair's order and archive records the registration as what it is. Plain functions: no broker, no
store.
"""
from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, field_error

from . import complaints, front_desk, intake
from .domain import Change, created_event_data, history_entry

# the fields of the new kind's record a reclassification takes, as a registration does (intake.ONLY_FOR):
# a complaint's whom it is about too (staff_named, a neighbour dispute's other_household_id), which a
# complaint turned from another kind could not name (h5 of session 55 left it; found by review r5)
# A repair's own_fault too: the desk judged the flat's fault its own though a planned cut of its utility
# stands, as at a registration (front_desk.refuse_repair_of_a_cut tells it to say so; found by h10)
KIND_FIELDS = (*complaints.RECORDED_FIELDS, *complaints.ABOUT_FIELDS, "category", "own_fault")


def check(request, data):
    """The refusals of a reclassification (``reclassify``'s docstring), the body's first: a field of
    another kind, as a registration refuses it (``intake.check_fields``)."""
    intake.check_fields(data)
    if data["kind"] == request["kind"]:
        raise BusinessRuleViolation("the request is of this kind already",
                                    [field_error("data.kind", "is the request's kind")])
    if not (data.get("reason") or "").strip():
        raise BusinessRuleViolation("a request is reclassified with the reason",
                                    [field_error("data.reason", "is required to reclassify the request")])
    if request["status"] != "open" or request.get("answered_at") or request.get("started_at"):
        raise Conflict(f"a {request['kind']} is reclassified only while it is open, before any work on it "
                       f"(this one is {request['status']})")
    if request["kind"] == "repair" and request.get("household_id") is not None:
        raise Conflict("this repair went to maintenance as it was registered: its work order is cancelled there "
                       "(the request closes with it) and the request registered anew")
    complaints.check_about(data, request.get("household_id"))  # the estate's the caller checks, as a registration's


def building_of(request, household):
    """The building a reclassified call comes from, as a call about a planned cut is checked by it
    (``front_desk.outage_call_check``): its household's, or an unmatched portal filing's address."""
    if household is not None:
        return household.get("building")
    return ((request.get("portal") or {}).get("address") or {}).get("building")


def reclassify(request, data, now, user, rules, earlier_repair_id=None, outage_notice=None):
    """The change of ``request`` to ``data["kind"]`` (``earlier_repair_id``: the household's recent
    repair a repair now repeats, judged by the caller, who reads the store, once ``check`` passed).
    ``outage_notice``: the planned cut's notice the request is now a call about (``outage_notice_id``,
    checked by the caller as a registration's): named on it, so the notice counts it, and a
    consultation answered by the notice's words now, as one registered naming it is at once (the
    unclassified repair the desk was warned of, ``cut_warnings``, could not name the cut: h4)."""
    kind, reason, at = data["kind"], data["reason"].strip(), clock.to_iso(now)
    created = clock.parse_iso(request["created_at"])
    registered = {"kind": kind, **{name: data[name] for name in KIND_FIELDS if name in data}}
    new = intake.new_request(request["_id"], request["estate_id"], {
        **registered, "household_id": request["household_id"], "channel": request["channel"],
        "description": request["description"]}, request["number"], created, rules, user, earlier_repair_id)
    due = new["due_at"]
    changes = {name: new[name] for name in ("kind", "due_at", "complaint", "category", "promised_by", "repeat_of",
                                            "emergency", "emergency_category", "return_visit_required")}
    if new.get("own_fault"):  # kept as a registration keeps it (intake.new_request); absent on the others
        changes["own_fault"] = True
    changes.update({
        "valid": None, "replied_at": None, "updated_at": at,
        # stamped overdue as the kind it was: no longer, while the new kind's time runs
        "overdue_at": request.get("overdue_at") if due is not None and due < at else None,
        "reclassifications": [*(request.get("reclassifications") or []),
                              {"from": request["kind"], "to": kind, "at": at, "by": user, "reason": reason}],
    })
    if request.get("outage_notice_id") and kind not in intake.OUTAGE_CALL_KINDS:
        # 计划停水停电: a call about a cut that was a fault of the flat's own names the cut no more: not
        # counted among its calls, nor announced with it (found by r7 reviewing h7)
        changes["outage_notice_id"] = None
    entries = [history_entry(at, user, "reclassified", f"from {request['kind']} to {kind}: {reason}")]
    if outage_notice is not None:
        changes["outage_notice_id"] = outage_notice["_id"]
        if kind == "consultation":  # answered by the notice, now (front_desk.answered_by_outage)
            answer = front_desk.outage_answer(outage_notice)
            changes.update({"status": "replied", "reply": answer, "replied_at": at, "answered_at": at})
            entries.append(history_entry(at, user, "replied", f"the planned cut's notice: {outage_notice['title']}"))
    portal = request.get("portal") or {}
    if kind != "repair" and portal.get("urgent") and portal.get("urgent_confirmed") is None:
        # a filer's urgent mark is a repair's: judged not one, which the match would ask of a repair
        changes["portal"] = {**portal, "urgent_confirmed": False}
        entries.append(history_entry(at, user, "urgency_declined", "not a repair"))
    if request.get("household_id") is None:
        return Change(changes, entries)  # an unmatched portal filing: announced by its match, as it is then
    announced = created_event_data({**request, **changes}) | {"reclassified_from": request["kind"]}
    return Change(changes, entries, [("service_request_created", announced)])


def was_consultation(request):
    """Whether the request was registered a consultation and reclassified since: the consultation's
    answer was not the right one (``kpis.consultation_accuracy``)."""
    return request["kind"] != "consultation" and any(
        step["from"] == "consultation" for step in request.get("reclassifications") or ())
