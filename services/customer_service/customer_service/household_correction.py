"""Correcting the household a request was registered or matched to (报事房号更正).

The desk names a request's household when it registers it, or when it matches an owner-portal
filing; a wrong one was for good (a portal request matched to the neighbour: its work order
went to maintenance with the neighbour's flat, and its charge would have been billed to him).
``POST …/service-requests/{id}/household`` on a request that has its household already corrects
it, with the reason (422 without), while the request is open and no work on it has started (409
after: the technician has been to the flat named). A repair is judged again against the new
household's recent repairs (``repeat_of``; an emergency still owes its return visit).

``service_request_household_corrected`` leaves with the write: maintenance moves the request's
work orders that are not done to the household (so a charge is billed to it), archive keeps the
correction in the permanent record. Plain functions: no broker, no store.
"""
from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, field_error

from . import portal, repairs
from .domain import Change, history_entry

EVENT = "service_request_household_corrected"


def correct(request, data, now, user, flats, earlier_repair_id=None):
    """The changes of naming ``data["household_id"]`` for ``request`` instead of the one it has,
    because of ``data["reason"]``; ``earlier_repair_id``: the new household's recent repair this
    one repeats (judged by the caller, who reads the store). The history names both households as
    people know them (``flats``: id -> building-unit-room, from the household copies; it named
    their ids, "hh_… → hh_…: reason")."""
    if request["status"] == "closed":
        raise Conflict("a closed request keeps its household")
    if request.get("started_at"):
        raise Conflict("the work on this repair has started at the household it names: it keeps it")
    household_id = data["household_id"]
    if household_id == request["household_id"]:
        raise BusinessRuleViolation("the request names this household already",
                                    [field_error("data.household_id", "is the request's household")])
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise BusinessRuleViolation("a corrected household is given with the reason",
                                    [field_error("data.reason", "is required to correct the household")])
    at = clock.to_iso(now)
    corrected = {**portal.classified(request, data.get("category")), "household_id": household_id}
    changes = {"household_id": household_id, "updated_at": at}
    if data.get("category") is not None:
        changes["category"] = data["category"]
    if request["kind"] == "repair" and not request.get("joins_work_order_id"):  # a fault's call repeats nothing
        changes.update(repairs.repeat_fields(earlier_repair_id, bool(request.get("emergency"))))
    before = request["household_id"]
    note = f"from {flats.get(before, before)} to {flats.get(household_id, household_id)}: {reason}"
    return Change(changes, [history_entry(at, user, "household_corrected", note)],
                  [(EVENT, event_data(corrected, request["household_id"], reason, at))])


def event_data(request, previous_household_id, reason, at):
    return {"id": request["_id"], "number": request["number"], "kind": request["kind"],
            "household_id": request["household_id"], "previous_household_id": previous_household_id,
            "reason": reason, "corrected_at": at}
