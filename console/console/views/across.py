"""The operator's screens across estates (a typhoon night, h5's probe of three estates):
跨小区事件, the incidents of every estate of the user's in one list, each linking to its page in its
estate (the estate switched to, then the incident's page); 多小区发布公告, one notice (防台通知)
published in several estates at once, each estate's own, with what each estate answered; 多小区检查表
(h7), the operator's preparation checklist (防汛防台准备) written in several estates at once, each estate's
own checklist, which its manager edits until it is used and its staff tick (engineering's inspections).
And the year-end's 跨小区投诉分析 (h9's probe of 30 estates): each estate's complaint analysis of a period
side by side, its recurring causes and whether a plan answers them, a line opening its own."""
from flask import Blueprint, g, redirect, render_template, request, session, url_for

from .. import i18n
from ..gateway_api import ApiProblem
from ..signin import signed_in
from . import common, home, manager
from .inspections import ITEM_KINDS, ITEM_ROWS, TARGETS, _checklist_body
from .register_specs import INCIDENT_TYPES as TYPES  # the incident register's own: one list of types

bp = Blueprint("across", __name__, url_prefix="/across")

PAGE = 50


@bp.get("/incidents")
@signed_in
def incidents():
    open_only = request.args.get("open", "true")
    asked = {"open": open_only if open_only in ("true", "false") else None,
             "type": request.args.get("type") if request.args.get("type") in TYPES else None,
             "cursor": request.args.get("cursor") or None}
    page = g.api.get("/api/v1/incidents", limit=PAGE, **{k: v for k, v in asked.items() if v})
    return render_template("across/incidents.html", page=page, open=asked["open"] or "", type=asked["type"] or "",
                           types=TYPES)


@bp.post("/incidents/open")
@signed_in
def open_incident():
    """The incident's page in its estate: the estate the user works in switched to it first (as the
    estates' form switches, ``home.switch_to``), where the estate's page of a record of another
    estate is "not found"."""
    estate_id, incident_id = request.form.get("estate_id", ""), request.form.get("incident_id", "")
    if not estate_id or not incident_id or not _switched_to(estate_id):
        return redirect(url_for("across.incidents"))
    return redirect(url_for("incidents.detail", item_id=incident_id))


def _switched_to(estate_id):
    """Whether the user works in ``estate_id`` now: switched to it (``home.switch_to``) unless he is
    there already, or False where he works in one estate he may not switch from."""
    estate = g.api.get(g.api.estate(estate_id))
    if session.get("estate_id") != estate["id"]:
        if session.get("estate_id") and not g.user.switches_estate:
            return False
        home.switch_to(estate)
    return True


def _estates():
    """Every estate of the caller's, page by page (``common.each_item``), as the accounts' forms
    offer them: the form offered the first 200 only (h4, last session's small leftovers)."""
    return list(common.each_item("/api/v1/estates", common.ESTATE_PAGES))


def _estate_names():
    """``{estate id: its name, else its code}`` of every estate of the caller's: what an answer across
    estates names each estate by."""
    return {e["id"]: e.get("name") or e.get("code") for e in _estates()}


@bp.get("/notices")
@signed_in
def notice_form(problem=None, form=None, key=None):
    """The form; refused, shown again with what was typed and the key it was sent with (a double
    click's second sending, refused while the first is answered, sent again publishes none twice)."""
    return render_template("across/notices.html", estates=[e for e in _estates() if not e.get("retired_at")],
                           form=form or {}, chosen=set((form or {}).get("estate_ids", [])),
                           key=key or common.form_key(), problem=problem)


@bp.post("/notices")
@signed_in
def publish_notice():
    form = {"estate_ids": request.form.getlist("estate_ids"), "title": request.form.get("title", "").strip(),
            "body": request.form.get("body", "").strip(), "until": request.form.get("until", "").strip()}
    body = {k: v for k, v in form.items() if v}
    try:
        result = g.api.post("/api/v1/notices", body, idempotency_key=request.form.get("idempotency_key") or None)
    except ApiProblem as problem:
        if problem.status >= 500:
            raise
        return notice_form(problem=problem, form=form, key=request.form.get("idempotency_key")), problem.status
    names = _estate_names()
    return render_template("across/published.html", result=result, names=names, form=form,
                           key=request.form.get("idempotency_key"))


@bp.get("/checklists")
@signed_in
def checklist_form(problem=None, form=None, key=None):
    """The operator's checklist (the template: its name, target and items) and the estates to write it
    in; refused, shown again with what was typed and the key it was sent with."""
    form = form if form is not None else request.form
    return render_template("across/checklists.html", estates=[e for e in _estates() if not e.get("retired_at")],
                           form=form, chosen=set(form.getlist("estate_ids")), targets=TARGETS, kinds=ITEM_KINDS,
                           rows=range(max(ITEM_ROWS, len(form.getlist("item_code")))),
                           key=key or common.form_key(), problem=problem)


@bp.post("/checklists")
@signed_in
def write_checklist():
    """``POST /api/v1/checklists``: what each estate answered; the estates that failed are sent the
    same body again under the same key (none written twice)."""
    form, key = request.form, request.form.get("idempotency_key") or None
    try:
        body = {"estate_ids": form.getlist("estate_ids"), **_checklist_body(form)}
        result = g.api.post("/api/v1/checklists", body, idempotency_key=key)
    except ApiProblem as problem:
        if problem.status >= 500:
            raise
        return checklist_form(problem=problem, form=form, key=key), problem.status
    names = _estate_names()
    return render_template("across/checklists_written.html", result=result, names=names, form=form, key=key)


# 跨小区投诉分析: a page of the caller's estates (the estates' list's order, this many a page), each
# estate's analysis, from the API's one answer (GET /api/v1/reports/complaints: the gateway asks the
# estates at once and keeps their analyses a short while; an estate not read is named in unavailable,
# said so here, not shown as none). The page asked each estate's own analysis, eight at a time (h13).
ANALYSIS_ESTATES = 20


@bp.get("/complaints")
@signed_in
def complaints():
    """The complaint analysis of a quarter, a year or a month of every estate of the caller's, a page
    of estates at a time: complaints, valid, replies on time, late and not yet, the causes found and
    each recurring cause with its plans or none, and the page's total; where the operator's year-end
    review read each estate's analysis in turn, switching estate for each (found by h9)."""
    period = common.period_asked(manager.PERIOD, manager.this_quarter)
    page = g.api.get("/api/v1/reports/complaints", period=period, limit=ANALYSIS_ESTATES,
                     cursor=request.args.get("cursor") or None)
    rows, total = [], {"complaints": 0, "valid": 0, "on_time": 0, "late": 0, "open": 0, "read": 0}
    for line in page.get("estates", []):
        report, refused = line.get("report"), line.get("refused")
        if isinstance(report, dict):
            timeliness = report.get("timeliness") or {}
            for key, value in (("complaints", report.get("complaints")), ("valid", report.get("valid")),
                               ("on_time", timeliness.get("on_time")), ("late", timeliness.get("late")),
                               ("open", timeliness.get("open"))):
                total[key] += value or 0
            total["read"] += 1
        else:
            report = None
        rows.append({"estate": line["estate"], "report": report,
                     # the estate's own refusal (a period not begun, before its records) in the page's language
                     "problem": i18n.refusal_text(refused["detail"]) if refused else None})
    return render_template("across/complaints.html", period=period, rows=rows, total=total,
                           next_cursor=page.get("next_cursor"))


@bp.get("/arrears")
@signed_in
def arrears():
    """结转下期欠费 across estates: the arrears a month, quarter or year over carried out in every estate
    of the caller's, as each estate's reconciliation says them, and their total, from one call of the
    API's; where they were read in one estate's reconciliation at a time (found by h6). An estate whose
    period still runs, not read, or refusing the period says so, never zeros."""
    period = common.period_asked(manager.PERIOD, manager.last_quarter)
    answer = g.api.get("/api/v1/reports/arrears-carried-out", period=period)
    unavailable = set(answer.get("unavailable") or [])
    rows = [{"estate": line["estate"], "figure": line.get("arrears_carried_out"),
             "not_read": line["estate"]["id"] in unavailable,
             # the estate's own refusal (a period not begun, before its records) in the page's language
             "problem": i18n.refusal_text(line["refused"]["detail"]) if line.get("refused") else None}
            for line in answer.get("estates", [])]
    return render_template("across/arrears.html", period=period, rows=rows, total=answer.get("total") or {},
                           as_of=answer.get("as_of"))


@bp.post("/complaints/open")
@signed_in
def open_complaints():
    """An estate's own complaint analysis of the period, the estate the user works in switched to it first."""
    estate_id = request.form.get("estate_id", "")
    period = request.form.get("period", "")
    period = period if manager.PERIOD.match(period) else None
    if not estate_id:
        return redirect(url_for("across.complaints"))
    if not _switched_to(estate_id):
        return redirect(url_for("across.complaints", period=period))
    return redirect(url_for("manager.complaints", period=period))

