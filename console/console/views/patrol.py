"""Security: patrol rounds, a round on a phone (checkpoints in order, check-in, anomaly), finishing it;
the month's planned rounds not walked through."""

from datetime import date, datetime, timedelta, timezone

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from .. import i18n, permissions
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common

bp = Blueprint("security", __name__, url_prefix="/security")


@bp.get("/rounds")
@estate_needed
def rounds():
    # the status, the guard and the days the rounds started are filters the pager keeps: the start
    # page's rounds not finished lost theirs on the next page, and a supervisor reviewing one
    # guard's night or one date had no filter for either (a probe of the security department's day)
    filters = common.query("guard", "from", "to")
    if request.args.get("status") in ("open", "finished"):
        filters["status"] = request.args["status"]
    # the month's rounds with a late or missed checkpoint or an anomaly, among hundreds (a probe of
    # the security department's month)
    if request.args.get("exceptions") in ("true", "false"):
        filters["exceptions"] = request.args["exceptions"]
    page = common.filtered_page(g.api.estate(g.user.estate_id, "patrol-rounds"), filters)
    guards = common.usernames("guards")
    if filters.get("guard") and filters["guard"] not in guards:
        guards.append(filters["guard"])  # a guard no longer listed (his account closed) keeps his rounds
    items = page.get("items", [])
    # an open round's counts are the service's so far (so_far), not counted here (the session 46 note)
    return render_template("security/rounds.html", items=items, next_cursor=page.get("next_cursor"),
                           counts_of={item.get("id"): item.get("summary") or item.get("so_far") for item in items},
                           filters=filters, guards=guards, problem=common.take_problem())


@bp.get("/settings")
@estate_needed
def settings():
    """The estate's security patrol settings, read only: the numbers the department's rounds and
    checks are judged by (the late tolerance, the shifts' hours, the fire checks' cycle), what
    applies, its default and whether the estate set it. The supervisor could read none: the
    settings page is the manager's, who changes them there (linked for him; a probe of the security
    department's day)."""
    current = g.api.get(g.api.estate(g.user.estate_id, "settings/security-patrol"))
    names = sorted(set(current.get("defaults") or {}) | set(current.get("values") or {}))
    return render_template("settings_read_only.html", current=current, names=names, title="menu.security_settings",
                           group="setting_security_patrol", service="security-patrol",
                           editable=permissions.may("PUT", "settings/security-patrol"))


@bp.get("/missed-rounds")
@estate_needed
def missed_rounds():
    """The supervisor's list of the month's plan slots nobody walked, or left unfinished."""
    period = common.period_asked(common.MONTH, common.this_month)
    found = g.api.get(g.api.estate(g.user.estate_id, "patrol-missed-rounds"), period=period)
    items = found.get("items", [])
    first, last = common.period_days(period)  # the same month's rounds with an exception, a link away
    return render_template("security/missed_rounds.html", period=period, items=items, more=found.get("more", 0),
                           plans=_plans_of({item["route_id"] for item in items}), first=first, last=last)


@bp.get("/missed-handovers")
@estate_needed
def missed_handovers():
    """The supervisor's list of the month's rostered shifts that ended with nothing in the handover
    log, each linked to its day's log (where the handover is recorded): he could not list them (the
    session 46 note)."""
    period = common.period_asked(common.MONTH, common.this_month)
    found = g.api.get(g.api.estate(g.user.estate_id, "missed-shift-handovers"), period=period)
    return render_template("security/missed_handovers.html", period=period, items=found.get("items", []))


@bp.get("/guard-scores")
@estate_needed
def guard_scores():
    """Each guard's score of a month, component by component, by the estate's weights (guard-scores):
    no page read it, and the supervisor assessed a guard without seeing what his score was made of (h3)."""
    period = common.period_asked(common.MONTH, common.this_month)
    found = g.api.get(g.api.estate(g.user.estate_id, "guard-scores"), period=period)
    return render_template("security/guard_scores.html", period=period, found=found,
                           components=("attendance", "punctuality", "posts_manned", "discipline", "training"))


@bp.get("/gate-totals")
@estate_needed
def gate_totals():
    """道闸月度汇总: the month's parking at the gate totalled (the stays that ended, the free ones, the
    fees taken at the gate and by which guard, those billed to the households visited), each linked
    to the month's stays. It was the accountant's reconciliation alone: the supervisor, who answers
    for the gate's cash, counted the stays page by page (a probe of the security guard's shift and
    the supervisor's week)."""
    period = common.period_asked(common.MONTH, common.this_month)
    totals = g.api.get(g.api.estate(g.user.estate_id, "parking-sessions/totals"), period=period)
    guards = sorted((totals.get("collected_by_guard") or {}).items())
    return render_template("security/gate_totals.html", period=period, totals=totals, guards=guards)


@bp.get("/complaints")
@estate_needed
def complaints():
    """本部门投诉: the estate's complaints about security (责任部门 秩序维护部) the desk closed without
    escalating them, of a month, a quarter or a year (this quarter unless asked), as the gateway
    answers them to the supervisor (``…/reports/complaint-results``, security's only: a phone in the
    finding or the outcome masked for him). He read them through the API alone and had no page of
    them (h5 of session 55). The request's own page is the desk's, which he does not read."""
    from .manager import this_quarter
    period = common.period_asked(common.REPORT_PERIOD, this_quarter)
    results = g.api.get(g.api.estate(g.user.estate_id, "reports/complaint-results"), period=period,
                        department="security")
    return render_template("security/complaints.html", period=period, results=results.get("items", []),
                           households=common.household_labels())


WEEK = common.WEEK


@bp.get("/week")
@estate_needed
def week():
    """周报: the supervisor's week of the estate's security (``GET …/reports/security-week``), this one
    unless one is asked, with links to the week before and, once it is over, after: the weekly
    meeting counted each month's list by hand (found by the security department's follow-ups). The
    week after the one under way has not begun, and the API refuses it."""
    asked = request.args.get("week", "").strip()
    today = datetime.now(timezone.utc).astimezone(i18n.display_zone()).date()
    chosen = asked if WEEK.match(asked) else "{0:04d}-W{1:02d}".format(*today.isocalendar()[:2])
    found = g.api.get(g.api.estate(g.user.estate_id, "reports/security-week"), week=chosen)
    monday = date.fromisoformat(found["from"])
    before, after = ("{0:04d}-W{1:02d}".format(*(monday + timedelta(days=days)).isocalendar()[:2]) for days in (-7, 7))
    return render_template("security/week.html", week=chosen, found=found, before=before,
                           after=after if found.get("status") == "over" else None)


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
                           orders=_anomaly_orders(patrol_round), problem=common.take_problem())


def _anomaly_orders(patrol_round):
    """``{anomaly id: its work order, or None while maintenance has opened none}``: an anomaly is
    passed to maintenance as a work order (DOMAIN.md), and the round's page said nothing of it, so
    the supervisor could not tell whether the lamp was mended (a probe of the security department's
    day). One read an anomaly (``source_id``: a round has a few); {} for a user who may not read
    orders, and an order that could not be read is left out (nothing is said of it). One that opens
    none (``no_work_order``: found in a retired estate) is not looked for: the page says why. One the
    service shows (``maintenance_order``, kept from maintenance's events) is taken as it is, for
    anyone who reads the round."""
    found = {}
    for check in patrol_round.get("check_ins", []):
        anomaly = check.get("anomaly") or {}
        # the order as security patrol keeps it from maintenance's events: no read of maintenance's
        # orders for it (found by the security department's follow-ups)
        if anomaly.get("id") and anomaly.get("maintenance_order"):
            found[anomaly["id"]] = anomaly["maintenance_order"]
    if not permissions.may("GET", "work-orders"):
        return found
    for check in patrol_round.get("check_ins", []):
        anomaly = check.get("anomaly") or {}
        anomaly_id = anomaly.get("id")
        if anomaly_id and anomaly_id not in found and not anomaly.get("no_work_order"):
            page = common.optional_read("work-orders", source_type="patrol_anomaly", source_id=anomaly_id, limit=1)
            if page is not None:
                found[anomaly_id] = (page.get("items") or [None])[0]
    return found


# where a finding's work order is looked for from, and gone back to while maintenance has opened none
FINDINGS = {"fire_inspection": "registers.fire-inspections", "patrol_anomaly": "security.rounds",
            "incident": "registers.incidents"}


@bp.get("/work-order")
@estate_needed
def order_of():
    """The work order a finding opened (``source_type`` and ``source_id``: a fire check's defect),
    opened; while maintenance has opened none (it follows the finding's event), back to the list
    it was asked from, saying so. A defect's row named no order (a probe of the security day)."""
    source_type = request.args.get("source_type", "")
    back = FINDINGS.get(source_type)
    if back is None:
        return redirect(url_for("security.rounds"))
    page = common.optional_read("work-orders", source_type=source_type,
                                source_id=request.args.get("source_id", ""), limit=1)
    items = (page or {}).get("items") or []
    if items:
        return redirect(url_for("engineering.order_detail", order_id=items[0]["id"]))
    flash(i18n.translate("patrol.no_order_yet"))
    return redirect(url_for(back))


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
