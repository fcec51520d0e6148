"""Security: the estate's emergency plans (应急预案), one per incident type: the steps an
incident of that type goes through (which of them escalate, to the manager or the
authorities) and whether it asks maintenance for an emergency work order. A type the estate
has not set follows the default plan. Managers change a plan; the API keeps its versions."""
import re

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import i18n, plan_steps
from ..messages import CATALOGUES
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common

bp = Blueprint("emergency_plans", __name__, url_prefix="/security/emergency-plans")

ESCALATION_TARGETS = ("manager", "authorities")
# what a person types for whom a step escalates to, beside the code and the page's own names of
# them (``plan.to_*``): a Chinese user typed 经理 or 公安 and the line was refused (review)
TARGET_NAMES = {
    "manager": ("经理", "服务中心经理", "物业服务中心经理", "主管", "物业经理", "项目经理", "物业主管", "管理处经理", "上级",
                "领导", "supervisor", "service-center manager", "service centre manager"),
    "authorities": ("政府", "政府部门", "有关部门", "相关部门", "主管部门", "公安", "公安局", "公安机关", "派出所", "警方",
                    "消防", "消防队", "消防部门", "应急管理部门", "街道", "居委会", "police", "fire brigade", "government"),
}
_STEP_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")  # openapi's EmergencyStepKey


class _Unread(ValueError):
    """A line of the steps the console cannot read: its message, in the page's language."""


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
        steps = _steps(form.get("steps", ""), _shown_lines(incident_type))
    except _Unread as unread:
        message = str(unread)
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


def _shown_lines(incident_type):
    """``{line: step}`` of the plan's steps as the form showed them (``steps_text``): a line kept as
    shown is that step. A title holding one ASCII comma and no escalation ("wait, Call 110, then
    wait") read as a mistyped escalation and could not be saved unchanged (review)."""
    listed = g.api.get(g.api.estate(g.user.estate_id, "emergency-plans")).get("items", [])
    plan = next((p for p in listed if p.get("type") == incident_type), None)
    if not plan:
        return {}
    return {_step_line(step): {"step": step["step"], "title": step["title"],
                               **({"escalate_to": step["escalate_to"]} if step.get("escalate_to") else {})}
            for step in plan.get("steps", [])}


def _steps(text, shown=None):
    """The steps typed one a line: ``key, title`` and maybe whom it escalates to, full-width commas
    and the enumeration comma read as commas (``common.comma_lines``), the escalation by its code
    or a name (``TARGET_NAMES``); a line as the form showed it (``shown``) is the step it showed.
    ``_Unread`` names the first line that does not read."""
    steps = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.strip() in (shown or {}):
            steps.append(shown[line.strip()])
            continue
        key, title, typed = _parts(line)
        if not title or not _STEP_KEY.fullmatch(key):
            raise _Unread(i18n.translate("error.plan_step_line", number=number, line=line.strip()))
        if typed is None:  # "call_119, 拨打 119，有关部门": an ASCII comma kept the full-width one in the title
            title, typed = _trailing_target(title)
        target = escalation_target(typed) if typed is not None else None
        if typed is not None and target is None:
            raise _Unread(i18n.translate("error.plan_step_target", number=number, line=line.strip(), target=typed))
        steps.append({"step": key, "title": _stored_title(title), **({"escalate_to": target} if target else {})})
    return steps


def _parts(line):
    """``(key, title, escalation typed or None)`` of a step's line (``common.comma_lines``). A line
    of more than three parts between ASCII commas has commas in its title: the English default "Go
    to the scene, assess it, calm the people involved", saved as the page showed it, was refused as
    a line that does not read (a probe). Its first part is the key, its last the escalation when it
    names one, and the rest the title. No key and no title when it does not read."""
    parts = [part.strip() for part in line.strip().split(",")]
    if len(parts) > 3:
        key, rest = parts[0], parts[1:]
        if escalation_target(rest[-1]):
            return key, ", ".join(rest[:-1]), rest[-1]
        return key, ", ".join(rest), None
    try:
        [(key, title, typed)] = common.comma_lines(line, full_width=True)
    except ValueError:
        return "", "", None
    return key, title, typed


def _trailing_target(title):
    """``(title, escalation typed)`` of a title whose last part after a full-width comma or 、
    names an escalation; else ``(title, None)``: a title may hold such a comma of its own."""
    head, _, tail = title.rpartition("，") if title.rfind("，") > title.rfind("、") else title.rpartition("、")
    if head.strip() and escalation_target(tail):
        return head.strip(), tail
    return title, None


def escalation_target(typed):
    """``manager`` or ``authorities`` for what was typed (its code in any case, either language's
    name on the page, ``TARGET_NAMES``), or None."""
    word = typed.strip()
    lowered = word.lower().removeprefix("the ").strip()
    for target in ESCALATION_TARGETS:
        names = {target, *TARGET_NAMES[target],
                 *(catalogue[f"plan.to_{target}"].lower().removeprefix("the ") for catalogue in CATALOGUES.values())}
        if lowered in names or word in names:
            return target
    return None


def _stored_title(title):
    """A default step's title as the plans keep it (English, which ``i18n.step_title`` shows in the
    page's language): offered in Chinese to edit, it was saved in Chinese, and English pages and
    API clients read Chinese from then on (found by review)."""
    return plan_steps.EN.get(title, title)


def steps_text(plan):
    """A plan's steps as the form shows them, one a line; a default step's title in the page's
    language, as the list above it shows it (a Chinese page offered the English defaults to edit,
    and saving kept them: a probe)."""
    return "\n".join(_step_line(step) for step in plan.get("steps", []))


def _step_line(step):
    # whom it escalates to by the page's name (经理, 有关部门), which the form reads back
    target = [_target_name(step["escalate_to"])] if step.get("escalate_to") else []
    return ", ".join([step["step"], i18n.step_title(step["title"]), *target])


def _target_name(target):
    """A step's escalation as the form writes it: on a Chinese page by its name, else its code."""
    if i18n.language() == "zh" and target in ESCALATION_TARGETS:
        return i18n.translate(f"plan.to_{target}")
    return target
