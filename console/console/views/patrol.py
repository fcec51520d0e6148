"""Security: patrol rounds, a round on a phone (checkpoints in order, check-in, anomaly), finishing it;
the month's planned rounds not walked through."""

from flask import Blueprint, g, render_template, request, url_for

from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common

bp = Blueprint("security", __name__, url_prefix="/security")


@bp.get("/rounds")
@estate_needed
def rounds():
    page = g.api.get(g.api.estate(g.user.estate_id, "patrol-rounds"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), status=request.args.get("status") or None)
    return render_template("security/rounds.html", items=page.get("items", []), next_cursor=page.get("next_cursor"))




@bp.get("/missed-rounds")
@estate_needed
def missed_rounds():
    """The supervisor's list of the month's plan slots nobody walked, or left unfinished."""
    period = common.period_asked(common.MONTH, common.this_month)
    found = g.api.get(g.api.estate(g.user.estate_id, "patrol-missed-rounds"), period=period)
    items = found.get("items", [])
    return render_template("security/missed_rounds.html", period=period, items=items, more=found.get("more", 0),
                           plans=_plans_of({item["route_id"] for item in items}))


def _plans_of(route_ids):
    """The plans of the listed slots' routes by id, for the plan each missed slot is of: two
    plans of a route at the same hour showed as identical rows (a probe). Read route by route
    (an estate's first 200 plans left the others' rows with their ids: a review); a route the
    API refuses is left out (the id is shown then)."""
    plans = {}
    for route_id in sorted(route_ids):
        try:
            page = g.api.get(g.api.estate(g.user.estate_id, "patrol-plans"), route_id=route_id,
                             limit=common.LARGEST_PAGE)
        except ApiProblem:
            continue
        plans.update((plan["id"], plan) for plan in page.get("items", []))
    return plans


@bp.get("/rounds/<round_id>")
@estate_needed
def round_detail(round_id):
    patrol_round = g.api.get(g.api.estate(g.user.estate_id, f"patrol-rounds/{round_id}"))
    # each checkpoint's check-ins: when, late or not, and the anomaly reported there (the page showed
    # only "checked in", found by review)
    checked = {}
    for check in patrol_round.get("check_ins", []):
        checked.setdefault((check.get("checkpoint") or {}).get("code"), []).append(check)
    unchecked = sum(1 for checkpoint in patrol_round.get("checkpoints", []) if checkpoint.get("code") not in checked)
    return render_template("security/round.html", round=patrol_round, checked=checked, unchecked=unchecked,
                           problem=common.take_problem())


@bp.post("/rounds/<round_id>/check-ins")
@estate_needed
def check_in(round_id):
    """Once per form shown (its ``idempotency_key``): a double tap on a patchy connection made two
    check-ins and two work orders for one anomaly (found by a probe). Refused, its checkpoint's
    form comes back as typed (the anomaly was lost: review)."""
    back = url_for("security.round_detail", round_id=round_id)
    body = {"checkpoint": request.form.get("checkpoint", "")}
    anomaly = request.form.get("anomaly", "").strip()
    if anomaly:
        body["anomaly"] = {"description": anomaly, "emergency": request.form.get("emergency") == "on"}
    return common.post_and_back(f"patrol-rounds/{round_id}/check-ins", body, back, "patrol.checked_in",
                                idempotency_key=request.form.get("idempotency_key") or None,
                                typed=common.row_form_to_keep(body["checkpoint"], "check_in"))


@bp.post("/rounds/<round_id>/finish")
@estate_needed
def finish(round_id):
    back = url_for("security.round_detail", round_id=round_id)
    if not common.confirmed():  # the checkpoints not checked in are recorded missed, for good
        return common.refuse_unconfirmed(back)
    return common.post_and_back(f"patrol-rounds/{round_id}/finish", {}, back, "patrol.finished",
                                reached=common.Reached(f"patrol-rounds/{round_id}",
                                                       lambda found: found.get("status") == "finished",
                                                       "patrol.already_finished"))
