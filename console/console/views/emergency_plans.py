"""Security: the estate's emergency plans (应急预案), one per incident type: the steps an
incident of that type goes through (which of them escalate, to the manager or the
authorities) and whether it asks maintenance for an emergency work order. A type the estate
has not set follows the default plan. Managers change a plan; the API keeps its versions."""
from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import i18n, plan_steps
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common

bp = Blueprint("emergency_plans", __name__, url_prefix="/security/emergency-plans")

ESCALATION_TARGETS = ("manager", "authorities")


@bp.get("")
@estate_needed
def plans(problem=None, failed=None):
    listed = g.api.get(g.api.estate(g.user.estate_id, "emergency-plans"))
    return render_template("security/emergency_plans.html", plans=listed.get("items", []), failed=failed,
                           form=request.form if problem else {}, problem=problem or common.take_problem(),
                           targets=ESCALATION_TARGETS), 200 if problem is None else problem.status


@bp.post("/<incident_type>")
@estate_needed
def set_plan(incident_type):
    """The plan's steps typed one a line: ``key, title`` and maybe who it escalates to."""
    form = request.form
    try:
        steps = _steps(form.get("steps", ""))
    except ValueError:
        message = i18n.translate("error.plan_step_line")
        return plans(ApiProblem(400, message, errors=[{"field": "steps", "message": message}]), incident_type)
    body = {"steps": steps, "work_order": form.get("work_order") == "on"}
    version = common.whole_number(form.get("version"))
    if version is not None:
        body["version"] = version  # the version read: someone else's save first is a 409
    try:
        g.api.put(g.api.estate(g.user.estate_id, f"emergency-plans/{incident_type}"), body)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return plans(problem, incident_type)
    common.done("plan.saved")
    return redirect(url_for("emergency_plans.plans"))


def _steps(text):
    steps = []
    for key, title, target in common.comma_lines(text):
        if target is not None and target not in ESCALATION_TARGETS:
            raise ValueError(target)
        steps.append({"step": key, "title": _stored_title(title), **({"escalate_to": target} if target else {})})
    return steps


def _stored_title(title):
    """A default step's title as the plans keep it (English, which ``i18n.step_title`` shows in the
    page's language): offered in Chinese to edit, it was saved in Chinese, and English pages and
    API clients read Chinese from then on (found by review)."""
    return plan_steps.EN.get(title, title)


def steps_text(plan):
    """A plan's steps as the form shows them, one a line; a default step's title in the page's
    language, as the list above it shows it (a Chinese page offered the English defaults to edit,
    and saving kept them: a probe)."""
    lines = []
    for step in plan.get("steps", []):
        target = [step["escalate_to"]] if step.get("escalate_to") else []
        lines.append(", ".join([step["step"], i18n.step_title(step["title"]), *target]))
    return "\n".join(lines)
