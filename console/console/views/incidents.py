"""Security: one incident with its plan's steps (what is done, what is still pending), recording a
step and closing it. The plan, the pending steps and any escalation are the API's."""
from flask import Blueprint, g, redirect, render_template, request, url_for

from estate_common import roles

from .. import i18n, permissions
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common, registers
from .register_specs import Field

bp = Blueprint("incidents", __name__, url_prefix="/security/incidents")

# 电梯困人解救: an entrapment's release step takes when the passengers were out (the API's released_at,
# default now), typed on the display clock: the release is a figure of the incident, from its report
RELEASE_STEP = "release_passengers"
RELEASED_AT = Field("released_at", "incident.released_at", "moment")


@bp.get("/<item_id>")
@estate_needed
def detail(item_id, problem=None, summary="", false_alarm=False):
    incident = g.api.get(g.api.estate(g.user.estate_id, f"incidents/{item_id}"))
    titles = {step.get("step"): i18n.step_title(step.get("title")) for step in incident.get("plan", [])}
    done = {step.get("step") for step in incident.get("steps", [])}
    # closing waits for the plan's escalation to the manager (the API's rule): say so by the form
    told = any(e.get("to") == "manager" for e in incident.get("escalations", []))
    manager_steps = [] if told else [titles.get(s.get("step"), s.get("step")) for s in incident.get("plan", [])
                                     if s.get("escalate_to") == "manager"]
    night = _night(item_id)
    return render_template("security/incident.html", incident=incident, titles=titles, done=done,
                           lift=_lift_state(incident),
                           orders=_emergency_orders(incident, item_id, night), night=night,
                           pending=set(incident.get("pending_steps", [])), manager_steps=manager_steps,
                           may_reclassify=permissions.may("POST", "incidents/{incident_id}/reclassify"),
                           # the box for whom the service takes it from (a guard's was a 403's page: h8)
                           may_declare_false_alarm=bool(set(g.user.roles) & roles.FALSE_ALARM_DECLARERS),
                           summary=summary, false_alarm=false_alarm, problem=problem or common.take_problem())


def _lift_state(incident):
    """Where maintenance left an entrapment's lift, for who reads the ledger (``GET …/equipment/{id}``,
    its details alone): ``(message key, values)``. Out until checked for the incident's order (or any
    order until checked), out for another open order (maintenance takes no lift from an order in hand:
    it logs it), out by hand, or in service. None for a guard, who reads no ledger (the page says what
    was asked), or when it cannot be read now: the page said "until checked" whatever maintenance did
    (found by h5, a probe of a lift's year)."""
    named = incident.get("equipment") or {}
    if not named.get("id") or not permissions.may("GET", "equipment/{equipment_id}"):
        return None
    piece = common.optional_read(f"equipment/{named['id']}", records="none")
    if piece is None:
        return None
    spell = piece.get("out_of_service")
    if not spell:
        return "incident.lift_in_service", {}
    own = (incident.get("maintenance_order") or {}).get("id")
    if spell.get("work_order_id") and spell["work_order_id"] != own and not spell.get("until_checked"):
        return "incident.lift_out_for_other_order", {"number": spell.get("work_order_number") or ""}
    if not spell.get("work_order_id"):
        return "incident.lift_out_by_hand", {}
    return "incident.lift_out_until_checked", {}


def _emergency_orders(incident, item_id, night=None):
    """The emergency work orders the incident's plan opened (its ``work_order``), each to follow:
    the page said nothing of them, and the manager looked for the order on the board (a probe of
    the manager's month). None when the plan opens none, the user may not read orders, or they
    could not be read (the page then says what the plan did, not that none was made). One read
    of this incident's orders (``source_id``), where the page read the estate's first 200 incident
    orders (the oldest first) and picked its own out: a new incident's was not among them once the
    estate had had 200 (found by review). A manager's page has them in the incident's night
    (``night``: its orders of this incident's source), where it read them a second time beside it
    (h4); the night read without maintenance's part, they are not asked again. Maintenance named
    unavailable may have failed a later part alone (the order taken over, a joined call's own): the
    night's orders of this incident are then shown, where the page hid them (review r4 of h4)."""
    if not incident.get("work_order") or not permissions.may("GET", "work-orders"):
        return None
    joined = _joined_order_id(incident)
    if night is not None:
        source = {"type": "incident", "id": item_id}
        own = [order for order in night.get("work_orders", [])
               if order.get("source") == source or (joined and order.get("id") == joined)]
        return None if not own and "maintenance" in night.get("unavailable", []) else own
    page = common.optional_read("work-orders", source_type="incident", source_id=item_id)
    if page is None:
        return None
    own = page.get("items", [])
    if joined and joined not in {order.get("id") for order in own}:
        order = common.optional_read(f"work-orders/{joined}")
        if order is None:
            return None  # not read now: the page says what the plan did
        own = [*own, order]
    return own


def _joined_order_id(incident):
    """The desk's order an entrapment joined (h10: maintenance's ``work_order_incident_joined``), of the
    call's source, which a read of the incident's source does not find: the order security names as the
    incident's (``maintenance_order``) when it took over no anomaly's (that one is the night's). None
    otherwise (found by r10 reviewing h10)."""
    named = incident.get("maintenance_order") or {}
    if incident.get("anomaly_id") or not named.get("id"):
        return None
    return named["id"]


def _night(item_id):
    """The manager's view of the incident's night (事件总览, the gateway's ``…/overview``): its orders
    with their state and cost, the calls that joined each, the notices naming it and the total cost,
    where the manager read the orders, the desk's requests and the notices on three screens and
    added the cost up by hand (h1). None for one who may not read it (a guard) or when it cannot be
    read (the page shows without it)."""
    if not permissions.may("GET", "incidents/{incident_id}/overview"):
        return None
    return common.optional_read(f"incidents/{item_id}/overview")


@bp.post("/<item_id>/steps")
@estate_needed
def record_step(item_id):
    back = url_for("incidents.detail", item_id=item_id)
    body = {"step": request.form.get("step", "")}
    if request.form.get("note", "").strip():
        body["note"] = request.form["note"].strip()
    step = body["step"]
    if step == RELEASE_STEP:  # the time typed is sent with the release step only (the API refuses it on others)
        try:
            body |= registers.body_of((RELEASED_AT,), request.form)
        except registers.BadInput as bad:
            common.show_problem(ApiProblem(400, bad.message, errors=[{"field": bad.field, "message": bad.message}]))
            return redirect(back)
    return common.post_and_back(f"incidents/{item_id}/steps", body, back, "incident.step_recorded",
                                reached=common.Reached(f"incidents/{item_id}", lambda found: step in {
                                    s.get("step") for s in found.get("steps", [])} and step not in found.get(
                                    "pending_steps", []), "incident.step_already_recorded"))


@bp.post("/<item_id>/reclassify")
@estate_needed
def reclassify(item_id):
    """The manager's correction of the guard's call whether the incident is major, with why."""
    body = {"major": request.form.get("major") == "true", "reason": request.form.get("reason", "").strip()}
    return common.post_and_back(f"incidents/{item_id}/reclassify", body, url_for("incidents.detail", item_id=item_id),
                                "incident.reclassified")


@bp.post("/<item_id>/close")
@estate_needed
def close(item_id):
    summary = request.form.get("summary", "").strip()
    false_alarm = request.form.get("false_alarm") == "on"  # 误报 (h5)
    if not common.confirmed():  # no step is recorded on a closed incident
        return detail(item_id, common.unconfirmed_problem(), summary, false_alarm), 400
    body = ({"summary": summary} if summary else {}) | ({"false_alarm": True} if false_alarm else {})
    _, refused = common.write(  # a refusal keeps the summary as typed (a redirect lost it)
        lambda: g.api.post(g.api.estate(g.user.estate_id, f"incidents/{item_id}/close"), body),
        lambda problem: detail(item_id, problem, summary, false_alarm),
        common.Reached(f"incidents/{item_id}", lambda found: found.get("status") == "closed", "incident.already_closed"),
        url_for("incidents.detail", item_id=item_id))
    if refused:
        return refused
    common.done("incident.closed")
    return redirect(url_for("incidents.detail", item_id=item_id))
