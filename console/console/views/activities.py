"""Front desk: one community activity's own page (社区文化活动: the register alone listed its figures, so
the desk could not see who signed up nor give one sign-up up, and its attendance form offered every
household of the estate, found by session 61): its facts with the cost above its budget, its sign-ups
(confirmed, wait-listed, cancelled; each live one given up here, with its Idempotency-Key as every form),
the day's attendance offering the households with a confirmed place and the walk-ins the desk lets in
(a household without a place that came: ``walk_ins``), and the register's other actions on it."""
import re

from flask import Blueprint, g, redirect, render_template, request, url_for

from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common, registers
from .register_specs import BY_SLUG, Field

bp = Blueprint("activities", __name__, url_prefix="/desk/activities")
ACTIVITIES = BY_SLUG["activities"]
# the empty rows the attendance form offers for households that came without a place
WALK_IN_ROWS = 3
COST = Field("actual_cost_cents", "reg.activity_cost", "money")
_WALK_IN_FIELD = re.compile(r"walk_in_(?:household|people)_(\d+)")


def _walk_in_rows(form):
    """The attendance form's walk-in rows sent, in their order: each row's household and people are named
    by its number (``walk_in_household_<n>``, ``walk_in_people_<n>``), not paired by their order among the
    fields sent, where an unticked walk-in's people went to the next one (r4 reviewing h4)."""
    return sorted({int(found.group(1)) for name in form if (found := _WALK_IN_FIELD.fullmatch(name))})


@bp.get("/<item_id>")
@estate_needed
def detail(item_id):
    activity = g.api.get(g.api.estate(g.user.estate_id, f"activities/{item_id}"))
    households = common.household_labels()
    attendance = activity.get("attendance") or {}
    return render_template(
        "desk/activity.html", activity=activity, spec=ACTIVITIES, households=households,
        flats=common.HouseholdLabels(households, complete=getattr(households, "complete", False)),
        confirmed=[s for s in activity["signups"] if s["status"] == "confirmed"],
        present=set(attendance.get("present") or ()), walk_ins=attendance.get("walk_ins") or [],
        walk_in_rows=range(WALK_IN_ROWS), actions=registers.offered(ACTIVITIES), problem=common.take_problem())


@bp.post("/<item_id>/signups/<signup_id>/cancel")
@estate_needed
def cancel_signup(item_id, signup_id):
    """A household's sign-up given up (the wait list's that fit are confirmed by the service)."""
    reason = request.form.get("reason", "").strip()
    return common.post_and_back(f"activities/{item_id}/signups/{signup_id}/cancel",
                                {"reason": reason} if reason else {}, url_for("activities.detail", item_id=item_id),
                                "reg.done", idempotency_key=request.form.get("idempotency_key") or None,
                                typed=common.row_form_to_keep(item_id, f"cancel-{signup_id}"))


@bp.post("/<item_id>/attendance")
@estate_needed
def attendance(item_id):
    """The households present ticked among those with a confirmed place, and the walk-ins (a household
    chosen, or its address typed, with its people); taken again, it replaces the first (the service's)."""
    back = url_for("activities.detail", item_id=item_id)
    form = request.form
    typed = common.row_form_to_keep(item_id, "attendance")
    try:
        body = registers.body_of((COST,), form)
        walk_ins = []
        for row in _walk_in_rows(form):
            household, people = form.get(f"walk_in_household_{row}", ""), form.get(f"walk_in_people_{row}", "")
            if not household.strip():
                continue  # an empty row, or a walk-in unticked: its people stay behind with it
            count = common.whole_number(people) if people.strip() else None
            if count is None:
                raise registers.BadInput("walk_in_people", "error.whole_number")
            walk_ins.append({"household_id": common.household_typed(household), "people": count})
    except registers.BadInput as bad:
        common.show_problem(ApiProblem(400, bad.message, errors=[{"field": bad.field, "message": bad.message}]))
        common.keep_typed(item_id, "attendance")
        return redirect(back)
    body = {"present": form.getlist("present"), **({"walk_ins": walk_ins} if walk_ins else {}), **body}
    return common.post_and_back(f"activities/{item_id}/attendance", body, back, "reg.done",
                                idempotency_key=form.get("idempotency_key") or None, typed=typed)
