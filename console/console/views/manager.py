"""Managers and the operator: the KPI dashboard, one estate or all of theirs side by side.

The bars are SVG drawn here (no chart library): each KPI's value as a bar, and its
numerator and denominator in the bar's <title>, which browsers show on hover."""
import calendar
import csv
import io
import operator
import re
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from datetime import date, datetime
from decimal import Decimal

from estate_common.text import formula_safe
from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from .. import i18n, permissions, signin
from ..gateway_api import ApiProblem
from ..menu import ARCHIVES, ENGINEERING, FRONT_DESK, MANAGEMENT, STAFF
from ..messages import CATALOGUES
from ..signin import estate_needed, signed_in
from . import common, desk
from .register_specs import SERVICE_LINES

bp = Blueprint("manager", __name__, url_prefix="/manager")

PERIOD = common.REPORT_PERIOD  # a month, a quarter or a year
# a KPI period: also an ISO week (Monday to Sunday on the estate's calendar; the gateway checks its year has it)
KPI_PERIOD = common.KPI_PERIOD  # a report's period or an ISO week
# in SVG units, drawn about 1:1 in a dashboard card (so the text keeps the page's size)
BAR_WIDTH = 190
BAR_HEIGHT = 18
BAR_GAP = 6
LABEL_WIDTH = 110
# An estate's name beside its bar, in lines of the label's width less this gap before the bar's track,
# as many as LABEL_LINES, LABEL_LINE_HEIGHT apart: its row is as much taller. It was cut at 14
# characters (19 whole), so "Lakeside Garden Phase II" read as its Phase I sibling, and a Chinese
# name, twice as wide, ran under its bar. A longer name ends in "…" there; the bar's title and the
# list read aloud name it in full.
LABEL_GAP = 6
LABEL_LINES = 3
LABEL_LINE_HEIGHT = 14
VALUE_WIDTH = 60  # the value after the bar ("100.0%")
# after it, where a chart has a bar marked, its mark (未达标, missed): its bars are as much shorter, so
# that the chart keeps its width and its text the page's size
VERDICT_WIDTH = 50
# the operator-wide bar's name (合计（范围内全部小区）, "Total, every estate in scope") is read in full on
# a line of its own above its bar: beside it, cut to the label's width, it ran under the bar's track
# (a browser probe at 1280 px)
TOTAL_LABEL_HEIGHT = 20
# Past this many estates a chart shows the weakest this many (the lowest values: those that need
# a look) and the operator-wide bar; ``?all=1`` shows every estate, ``?q=`` finds some by name or
# code. At 1,000 estates the page was 24 charts of 1,000 bars: 10 MB, 200,000 px tall (a probe).
CHART_ESTATES = 12
# the KPIs where a higher value is the worse one: their weakest estates are the highest
LOWER_IS_BETTER = frozenset({"valid_complaint_rate", "major_safety_incidents", "major_incidents",
                             "major_safety_incidents_per_1000_households", "staff_turnover",
                             "operating_cost_control"})
# of those, the ones whose target is a bound not to reach (DOMAIN.md: valid complaints "< 1 %"); the
# others' target is met at it (cost control: at most the budget)
STRICTLY_BELOW = frozenset({"valid_complaint_rate"})
# When a KPI short of its target is a decided miss, and only then, its bar says so (a 25 % valid-complaint
# rate read as any other bar: a probe of the service-center manager). A period over has its figures
# decided (the gateway's ``period_over``, on the estate's calendar). While it runs:
# - MISSED_TO_DATE: the figures to date already decide a miss. What the lower-is-better ones count only
#   adds up against a fixed base (valid complaints over the households, costs over the months' budgets,
#   major incidents); the others count a visit, a round, a record or a plan only once it is due and one
#   missed stays missed, which decides a target of 100 % (the return-visit target cannot be set lower:
#   customer_service's MINIMA);
# - YEAR_TO_DATE: a year's obligation counted so far (the count only grows): met once reached, missed
#   once the year is over (a month of it over is not: a survey may come in December);
# - any other KPI (a fire check may still come this month, a record still reach the archive): decided
#   once the period is over. A target met is marked met once decided too.
MISSED_TO_DATE = frozenset({"valid_complaint_rate", "operating_cost_control", "major_safety_incidents",
                            "return_visit_rate", "handover_defect_return_visit_rate", "patrol_completion", "entrapment_release_timeliness", "archive_check_completeness",
                            "archive_check_plan_on_time"})
YEAR_TO_DATE = frozenset({"manager_visits_year_to_date", "surveys_year_to_date", "survey_lines_year_to_date",
                          "archive_checks_year_to_date", "fire_drills_year_to_date"})
# The charts' order: DOMAIN.md's list of KPIs (the manager's first: satisfaction, collection,
# incidents, cost; then the front desk's, the archive's, security's and staff), each with the
# figures that go with it; a KPI not named here comes after, by name. Sorted by their English
# keys, a Chinese page opened on 档案检查完整率 and put 收缴率 seventh (a probe of the manager's month).
KPI_ORDER = (
    "owner_satisfaction", "average_satisfaction", "collection_rate", "collection_rate_at_period_end",
    "arrears_recovery_rate", "major_safety_incidents",
    "major_safety_incidents_per_1000_households", "operating_cost_control", "complaint_timeliness",
    "complaint_verification", "complaint_satisfaction", "repair_response_timeliness", "emergency_response_timeliness",
    "consultation_accuracy", "return_visit_rate", "valid_complaint_rate",
    # the developer's warranty repairs of a handover weekend (开发商保修), reported apart from the desk's
    "handover_defect_response_timeliness", "handover_defect_return_visit_rate", "archive_completeness",
    "closed_records_received", "archive_check_completeness", "archive_check_plan_on_time",
    "archive_checks_year_to_date", "patrol_completion", "fire_check_completion", "fire_drills_year_to_date",
    "entrapment_release_timeliness", "false_alarms", "gate_entries", "gate_exits", "gate_fees_paid_by_qr", "attendance_rate",
    "posts_found_manned", "staff_turnover",
    "owner_contact_rate", "manager_visits_year_to_date", "surveys_year_to_date", "survey_lines_year_to_date",
    "upkeep_on_time",  # 外包整改及时率: the cleaning and greening contractors' faults (h6)
)


@bp.get("/kpis")
@signed_in
def dashboard():
    # "this week" and "this month", and the month asked with none: the estate's own clock (the display
    # clock), or the estates' (review r7 of h7)
    zone = _estates_zone() if _scope()[1] == "all" else None
    period = common.period_asked(KPI_PERIOD, lambda: common.this_month(zone=zone))
    every_estate, scope, q, answer, rows, operator_wide, count = _kpi_rows(period)
    show_all = request.args.get("all") == "1"
    limit = None if show_all or len(rows) <= CHART_ESTATES else CHART_ESTATES
    charts = charts_of(rows, limit, operator_wide, period)
    return render_template("manager/dashboard.html", period=period, scope=scope, charts=charts, q=q,
                           every_estate=every_estate,
                           show_all=show_all, limit=limit, shown_count=len(rows), count=count,
                           as_of=answer.get("as_of") if scope == "all" else None,
                           as_of_minutes=common.minutes_since(answer.get("as_of")),
                           this_week=common.this_week(zone=zone), this_month=common.this_month(zone=zone),
                           unavailable=answer.get("unavailable", []),
                           # a background refresh that failed: the figures shown are not getting younger
                           refresh_failed=answer.get("refresh_failed", []) if scope == "all" else [])


def _kpi_rows(period):
    """The dashboard's figures of ``period``, as its charts and its table (``kpi_table``) read them:
    ``(every_estate, scope, q, answer, rows, operator_wide, count)``, each row an estate's
    ``{name, code, kpis, over}``, the operator-wide total's a row of its own (None for one estate)."""
    every_estate, scope = _scope()
    q = request.args.get("q", "").strip()[:100]
    operator_wide, count = None, 1
    if scope == "estate":
        answer = g.api.get(g.api.estate(g.user.estate_id, "kpis"), period=period)
        rows = [{"name": common.session_estate_name(), "code": "", "kpis": answer.get("kpis", {}),
                 "over": answer.get("period_over") is True}]
    else:
        answer = g.api.get("/api/v1/kpis", period=period)
        estates = answer.get("estates", [])
        rows = [{"name": row.get("name") or row.get("code"), "code": row.get("code") or "", "kpis": row.get("kpis", {}),
                 "over": row.get("period_over") is True} for row in estates if _found(row, q)]
        count = len(estates)
        if answer.get("totals") and count > 1:  # the operator-wide rate, next to the estates
            # it leaves out the estates with no data yet (a budget set later adds one's costs): decided
            # once the period is over for every estate alone
            operator_wide = {"name": i18n.translate("kpi.operator_wide"), "code": "", "kpis": answer["totals"],
                             "over": all(row.get("period_over") is True for row in estates), "to_date": False}
    return every_estate, scope, q, answer, rows, operator_wide, count


def _scope():
    """``(every_estate, scope)``: whether the caller reads every estate's KPIs (the management), and
    the view asked, "estate" (the session's estate) or "all" (every estate of his)."""
    # a department's keeper (the archivist, the steward, the security supervisor) reads his estate's KPIs of his own work
    # alone (the gateway's policy.OWN_KPIS): the view of every estate is the management's
    every_estate = bool(set(g.user.roles) & MANAGEMENT)
    scope = request.args.get("scope", "all") if every_estate else "estate"
    return every_estate, "estate" if scope == "estate" and g.user.estate_id else "all"


@bp.get("/kpis.csv")
@signed_in
def kpi_table():
    """指标表格: the dashboard's figures of a period as a CSV to take away (a year-end report, 年终总结):
    a line per estate and KPI, every estate of the scope and search (not the charts' weakest 12) and
    the operator-wide total last, each with its numerator, denominator (money in yuan), value, the
    value as the chart shows it, its target, its verdict where decided and what its note says is owed,
    in the page's language. The charts were the only place of them, 30 estates' year read bar by bar
    (found by h9, a year-end across 30 estates)."""
    period = request.args.get("period", "").strip()
    if not KPI_PERIOD.match(period):
        return i18n.translate("kpi.period_hint"), 400, {"Content-Type": "text/plain; charset=utf-8"}
    *_, rows, operator_wide, _ = _kpi_rows(period)
    text = io.StringIO()
    text.write("\ufeff")  # Excel reads it as UTF-8
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([i18n.translate(f"kpi_table.{column}") for column in KPI_TABLE_COLUMNS])
    for row in rows + ([operator_wide] if operator_wide else []):
        for name in sorted(row["kpis"], key=_in_order):
            kpi = row["kpis"][name] or {}
            unit = kpi.get("unit", "ratio")
            verdict = _verdict(name, kpi, row.get("over", False), period, row.get("to_date", True))
            writer.writerow([formula_safe(cell) for cell in (
                period, row["code"], row["name"], _title(name), name,
                _table_number(kpi.get("numerator"), name), _table_number(kpi.get("denominator"), name),
                "" if kpi.get("value") is None else str(kpi["value"]), _shown(kpi.get("value"), unit),
                " ".join(_target_bound(name, kpi, unit) or ()),
                i18n.translate(f"kpi.target_{verdict}") if verdict else "",
                _note(kpi.get("note"), name) or "")])
    return text.getvalue(), 200, {"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
                                  "Content-Disposition": f'attachment; filename="kpis-{period}.csv"'}


# the table's columns (kpi_table.<column> their headings)
KPI_TABLE_COLUMNS = ("period", "estate_code", "estate", "kpi", "kpi_code", "numerator", "denominator", "value",
                     "shown", "target", "verdict", "note")


def _table_number(value, name):
    """A numerator or denominator in the table: money KPIs' cents as yuan with two decimals (exact:
    a Decimal), a count as its digits; none as an empty cell."""
    if value is None:
        return ""
    if name in MONEY_KPIS:
        return str((Decimal(int(value)) / 100).quantize(Decimal("0.01")))
    return str(int(value)) if float(value).is_integer() else str(value)


def _estates_zone():
    """The clock the caller's estates share (``common.shared_timezone``); None (the display clock) when
    they share none, or when their list cannot be read, where a 503 of it took the dashboard down
    (review r7 of h7). Read once in ``signin.ESTATE_READ_SECONDS`` (``signin.ESTATES_ZONE``): their list
    was read on every load, 5 pages before the KPIs at 1,000 estates (found by h6); a list that could
    not be read is not kept (the next load asks again)."""
    kept = session.get(signin.ESTATES_ZONE)
    if kept and time.time() - kept.get("read_at", 0) < signin.ESTATE_READ_SECONDS:
        return i18n.display_zone(kept["zone"]) if kept.get("zone") else None
    try:
        name = common.shared_timezone(common.each_item("/api/v1/estates", common.ESTATE_PAGES))
    except ApiProblem as problem:
        if problem.status < 500:
            raise
        return None
    session[signin.ESTATES_ZONE] = {"zone": name or "", "read_at": time.time()}
    return i18n.display_zone(name) if name else None


def _found(row, q):
    """Whether a row of the view of every estate is one ``q`` asks for (its name or code holds it)."""
    wanted = q.casefold()
    return not wanted or any(wanted in (row.get(key) or "").casefold() for key in ("name", "code"))


def this_quarter():
    now = datetime.now(i18n.display_zone())
    return f"{now.year}-Q{(now.month - 1) // 3 + 1}"


def last_quarter():
    """The quarter before this one (YYYY-Qn), whose analysis is made once it is over."""
    year, quarter = this_quarter().split("-Q")
    return f"{year}-Q{int(quarter) - 1}" if quarter != "1" else f"{int(year) - 1}-Q4"


@bp.get("/complaints")
@estate_needed
def complaints():
    """投诉分析: the estate's complaints of a quarter, a year or a month (counts by nature and by
    the cause found, timeliness against the reply deadline, valid and escalated ones, repeat
    complainants), and the closed complaints' results reported to the manager."""
    period = common.period_asked(PERIOD, this_quarter)
    estate = g.api.estate(g.user.estate_id)
    report = g.api.get(f"{estate}/reports/complaints", period=period)
    # the results of one department's (责任部门) or every one's: the analysis counts them all (found by review r2 of h2)
    department = request.args.get("department", "").strip()
    department = department if department in RESULT_DEPARTMENTS else None
    results = g.api.get(f"{estate}/reports/complaint-results", period=period,
                        **({"department": department} if department else {}))
    first, last = common.period_days(period)  # the unjudged of the period the analysis counted
    return render_template("manager/complaints.html", period=period, report=report, results=results.get("items", []),
                           households=common.household_labels(), first_day=first, last_day=last,
                           departments=RESULT_DEPARTMENTS, department=department)


# the results' departments offered and accepted: the desk's (责任部门), and none recorded yet
RESULT_DEPARTMENTS = (*desk.DEPARTMENTS, "unrecorded")


@bp.get("/year")
@estate_needed
def year():
    """本年度义务: the estate's year of satisfaction surveys per service line (each line with the surveys
    that asked it, those still owed marked) and of the manager's visits to owners (owed, made: when, to
    which household, by whom), a year asked or this one."""
    asked = request.args.get("year", "").strip()
    chosen = asked if common.YEAR.match(asked) else common.this_month()[:4]
    found = g.api.get(g.api.estate(g.user.estate_id, "reports/year-obligations"), year=chosen)
    return render_template("manager/year.html", year=chosen, found=found, households=common.household_labels())


@bp.get("/staff")
@estate_needed
def staff():
    """员工: the estate's staff accounts of a period as staff turnover counts them (held at its start
    and end, left in it), beside the turnover itself, so the figure can be checked; and the roster."""
    period = common.period_asked(KPI_PERIOD, common.this_month)
    report = g.api.get(g.api.estate(g.user.estate_id, "reports/staff"), period=period)
    return render_template("manager/staff.html", period=period, report=report,
                           turnover=report.get("staff_turnover") or {})


_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _month_end(month):
    year, number = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"


@bp.get("/handover")
@estate_needed
def handover():
    """移交清单: the handover package of the estate as of its contract's last day (``GET …/handover``, the
    gateway's, from every service): the money held for others by household (owed back: refunded or handed
    to the next company), the arrears to the end, the documents, the open work, the keys, the patrol
    points and the equipment; what is outstanding first. The last day asked, or this month's end.
    Who settles the money and may not read the package (the accountant: its other parts are management's)
    reads finance's part alone (``…/exit-money``), to refund and hand over from it: the page was
    management's and the accountant could not do his own job in the console (found by review of the exit)."""
    kept = common.take_problem()  # a refund or transfer refused: shown above, its form with the key it was sent with
    asked = request.args.get("as_of", "").strip()
    as_of = asked if _DAY.match(asked) else _month_end(common.this_month())
    whole = permissions.may("GET", "handover")
    package, refused = None, None
    try:
        if whole:
            package = g.api.get(g.api.estate(g.user.estate_id, "handover"), as_of=as_of)
        else:
            package = {"money": g.api.get(g.api.estate(g.user.estate_id, "exit-money"), as_of=as_of)}
    except ApiProblem as problem:
        if problem.status == 401:
            raise
        refused = problem  # shown above the page (a silent service is named in the package instead)
    return render_template("manager/handover.html", as_of=as_of, package=package, whole=whole,
                           problem=refused or kept, households=common.household_labels(), methods=EXIT_METHODS,
                           key=common.form_key())


EXIT_METHODS = ("transfer", "cash", "bank", "wechat", "alipay")  # a refund at the end: to the owner's account first


@bp.post("/handover/<household_id>/refund")
@estate_needed
def refund_exit_prepaid(household_id):
    """退还: the household's money owed back at the contract's end refunded to its owner (``…/exit-refund``)."""
    as_of = request.form.get("as_of", "")
    back = url_for("manager.handover", as_of=as_of)
    if not common.confirmed():  # money out: ticked
        return common.refuse_unconfirmed(back)
    body = {"as_of": as_of, "method": request.form.get("method", "")}
    # the amount counted out to the owner: the refund pays exactly it or is refused naming what it pays (h5)
    if request.form.get("amount", "").strip():
        amount = i18n.cents_from_yuan(request.form["amount"])
        if amount is None:
            common.show_problem(ApiProblem(400, i18n.translate("error.yuan"), errors=[
                {"field": "data.amount_cents", "message": i18n.translate("error.yuan")}]))
            return redirect(back)
        body["amount_cents"] = amount
    if request.form.get("note", "").strip():
        body["note"] = request.form["note"].strip()
    done, refused = common.act(lambda: g.api.post(
        g.api.estate(g.user.estate_id, f"households/{household_id}/exit-refund"), body,
        idempotency_key=request.form.get("idempotency_key") or None), back)
    if refused:
        return refused
    common.done("handover.refunded", amount=i18n.money(done["amount_cents"]))
    return redirect(back)


@bp.post("/handover/transfer")
@estate_needed
def transfer_exit_prepaid():
    """移交: every household's money owed back handed to the next company in one batch (``…/exit-transfers``)."""
    as_of = request.form.get("as_of", "")
    back = url_for("manager.handover", as_of=as_of)
    if not common.confirmed():
        return common.refuse_unconfirmed(back)
    body = {"as_of": as_of, "method": request.form.get("method", ""),
            "to_company": request.form.get("to_company", "").strip()}
    if request.form.get("note", "").strip():
        body["note"] = request.form["note"].strip()
    done, refused = common.act(lambda: g.api.post(g.api.estate(g.user.estate_id, "exit-transfers"), body,
                                                  idempotency_key=request.form.get("idempotency_key") or None), back)
    if refused:
        return refused
    common.done("handover.transferred", amount=i18n.money(done["amount_cents"]), count=len(done["households"]),
                company=done["to_company"])
    return redirect(back)


# The late work orders besides the owners' repairs past the response they were promised, which the
# repairs line counts (GET …/work-orders filters: maintenance's promise_overdue parts them).
OTHER_ORDERS_OVERDUE = {"overdue": "true", "promise_overdue": "false"}

# Repairs a resident marked urgent on the portal that the desk has not judged yet (an emergency or
# not, as it matches the filing): first, above everything (a burst pipe filed on the portal waited
# among every other filing: a phone probe). The managers' list begins with them too.
PORTAL_URGENT = ("todo.portal_urgent", "service-requests", {"urgency": "pending"}, "", "desk.register",
                 {"urgency": "pending"})
# What waits for a manager, as the home page lists it: (message key, list path, its query, the row's
# field naming who proposed it or "", the page that lists them, that page's query). A manager found
# each by opening five screens in turn; his own proposals are another's to approve and not counted.
TODO_LISTS = (
    PORTAL_URGENT,
    ("todo.fee_standards", "fee-standards", {"status": "pending"}, "created_by", "accounts.fee_standards", {}),
    ("todo.fund_uses", "maintenance-fund/entries", {"kind": "use", "status": "requested"}, "requested_by",
     "finance.fund", {"kind": "use", "status": "requested"}),
    ("todo.borrowings", "archive/borrow-requests", {"status": "pending"}, "requested_by", "registers.borrow-requests",
     {"status": "pending"}),
    ("todo.escalated", "service-requests", {"kind": "complaint", "status": "escalated"}, "", "desk.register",
     {"kind": "complaint", "status": "escalated"}),
    ("todo.not_judged", "service-requests", {"kind": "complaint", "status": "closed", "judged": "false"}, "",
     "desk.register", {"kind": "complaint", "status": "closed", "judged": "false"}),
    ("todo.borrowings_overdue", "archive/borrow-requests", {"overdue": "true"}, "", "registers.borrow-requests",
     {"overdue": "true"}),
    # complaints past their reply deadline (7 days at most: DOMAIN.md), not answered, escalated or not:
    # the desk's start page lists them among every late request, and the manager, to whom a
    # complaint's result is reported and whose complaint timeliness they miss, saw only those
    # escalated to him (a probe of the manager's work)
    ("todo.complaints_overdue", "service-requests", {"kind": "complaint", "overdue": "true"}, "", "desk.register",
     {"kind": "complaint", "overdue": "true"}),
    # repairs the owner was promised a response to, not started by then (customer service stamps them
    # overdue): they were on the register's filter only, and nothing took them to the manager (a
    # probe of engineering's day)
    ("todo.repairs_overdue", "service-requests", {"kind": "repair", "overdue": "true"}, "", "desk.register",
     {"kind": "repair", "overdue": "true"}),
    # work orders past their deadline (maintenance's overdue: not started by their response time, a
    # plan's job not done by the end of its day) from every other source: patrol findings, fire checks,
    # incidents, inspections, plans and return visits' follow-ups reached nobody (a probe of the
    # engineering department). An owner's repair is counted once: on the line above once the response
    # its owner was promised has run out (its order is late by that same start), and here while its
    # order alone is late: one marked an emergency after it was filed is due sooner than that promise,
    # and the board counted it late from then where this page left it out until the promise ran out
    # too (found by review). Maintenance parts the two (promise_overdue); this page reads no deadline.
    ("todo.work_orders_overdue", "work-orders", OTHER_ORDERS_OVERDUE, "", "engineering.board", OTHER_ORDERS_OVERDUE),
    # major incidents not closed: each plan escalates to the manager (DOMAIN.md), he may correct the
    # guard's call whether it is major (…/reclassify), and they are his KPI (重大安全责任事故); one
    # written up with the major mark reached him on no page (a probe of the manager's work)
    ("todo.major_incidents_open", "incidents", {"status": "open", "major": "true"}, "", "registers.incidents",
     {"status": "open", "major": "true"}),
    # and every incident a step of its plan escalated to him, major or not, still open: an entrapment
    # or a burglary reported to him reached him on no page (a probe of the security guard's shift and
    # the supervisor's week)
    ("todo.incidents_escalated", "incidents", {"status": "open", "escalated_to": "manager"}, "", "registers.incidents",
     {"status": "open", "escalated_to": "manager"}),
    # complaints are analysed quarterly and recurring causes get a rectification plan (整改, DOMAIN.md),
    # followed to its end: the plans with an action past its due day, and the recurring causes of this
    # quarter and the last that no plan answers (the analysis's recurring_causes with no plan_ids), each
    # a line opening its page; both were on their own pages only, and a slipped action was told by
    # reading its date (a probe of the manager's quarter)
    ("todo.rectifications_overdue", "complaint-rectifications", {"status": "open", "overdue": "true"}, "",
     "manager.rectifications", {"status": "open", "overdue": "true"}),
    # whether a plan worked: the closed plans whose cause recurred (the analysis's rule) in a quarter
    # after their closing, which came back only as "no plan" above (a probe of the manager's quarter)
    ("todo.rectifications_recurred", "complaint-rectifications", {"status": "closed", "recurred_after_close": "true"},
     "", "manager.rectifications", {"status": "closed", "recurred_after_close": "true"}),
    ("todo.causes_unplanned", "reports/complaints", {"period": this_quarter}, "", "manager.complaints",
     {"period": this_quarter}),
    ("todo.causes_unplanned_last", "reports/complaints", {"period": last_quarter}, "", "manager.complaints",
     {"period": last_quarter}),
    # the year's obligations (DOMAIN.md: a satisfaction survey at least once a year per service line; the
    # manager visits 1-2 owners a year in person): the lines not surveyed yet this year and the visits
    # still owed, from one read of the year's (reports/year-obligations); the dashboard's yearly ratios
    # were all that said so, a year's ratio the manager had to ask for (a probe of the manager's year)
    ("todo.survey_lines_owed", "reports/year-obligations", {"year": lambda: common.this_month()[:4]}, "",
     "manager.year", {}),
    ("todo.manager_visits_owed", "reports/year-obligations", {"year": lambda: common.this_month()[:4]}, "",
     "manager.year", {}),
)
# What waits for the archivist (档案管理员), who tracks a borrowing until it is returned and marks it
# returned (DOMAIN.md): the borrowings past their due back, to chase. His start page listed
# nothing, and only the manager's named them (a probe of the archives' work).
# And the archive checks (DOMAIN.md: a check plan at the start of each year, archives checked at least
# twice a year): this year's plan not made yet, and the plan's dates passed without their check (its
# ``missed_dates``); the plans' page flagged the dates and the manager's KPI counted the plan, and his
# start page named neither (a probe of the archives' month). One read of the year's plan for both.
THIS_YEAR = {"year": lambda: common.this_month()[:4]}
ARCHIVIST_TODO_LISTS = tuple(row for row in TODO_LISTS if row[0] == "todo.borrowings_overdue") + (
    ("todo.check_plan_missing", "archive/check-plans", THIS_YEAR, "", "registers.check-plans", {}),
    ("todo.checks_missed", "archive/check-plans", THIS_YEAR, "", "registers.check-plans", THIS_YEAR),
    # next year's, from the estate's days before this one ends (the API's reminder): nothing reminded
    # him in December (a probe of the archivist's year)
    ("todo.next_check_plan_missing", "archive/check-plans/reminder", {}, "", "registers.check-plans", {}),
)
# What waits for the front desk (agents and stewards): requests past their due time unanswered, and
# repairs whose 3-day return visit (DOMAIN.md) is past due. Both were on the register's filters
# only, and the desk's start page listed nothing (a probe of the front desk's day).
# The renovations whose works have ended (their window's last day past, on the estate's day: the
# API's works_ended) without a joint acceptance passed (DOMAIN.md: a renovation ends with one, by
# customer service and maintenance): nothing reminded anyone of them (a probe of the steward).
# Whoever may record one (the gateway: the desk, engineering, the managers) sees them. A move-in's
# works (a structural change reviewed) end with one too (DOMAIN.md: move-in and renovation alike),
# and were left out while the line asked renovations alone (a probe of the steward's month).
WORKS_ENDED = {"status": "works_started", "works_ended": "true"}
ACCEPTANCES_AWAITED = ("todo.acceptances_awaited", "applications", WORKS_ENDED, "", "registers.applications",
                       WORKS_ENDED)
# not verified yet, whatever their status: asked as status=open, one escalated before its
# verification (still owed the same day) dropped off the line (found by review)
COMPLAINTS_TO_VERIFY = {"kind": "complaint", "verified": "false"}
RETURN_VISITS_OWED = {"kind": "repair", "status": "completed", "return_visit_overdue": "false"}
DESK_TODO_LISTS = (
    PORTAL_URGENT,
    # every portal filing waits for the desk to name its household before anything moves (a phone probe)
    ("todo.portal_unmatched", "service-requests", {"matched": "false"}, "", "desk.register", {"matched": "false"}),
    # owners whose portal rating was low (the estate's rating_call_back_max_score: 1-2 of 5), not called
    # back yet: a 1 counted in the satisfaction figures only, and reached nobody (a phone probe)
    ("todo.call_backs_owed", "service-requests", {"call_back": "owed"}, "", "desk.register", {"call_back": "owed"}),
    ("todo.requests_overdue", "service-requests", {"overdue": "true"}, "", "desk.register", {"overdue": "true"}),
    # complaints not verified yet, to verify the same day (DOMAIN.md; verify_due_at, the day's end) and
    # completed repairs owed their return visit within its 3 days (return_visit_due_at), not late yet:
    # both were named only once late, by the lines around them (a probe of the front desk's day)
    ("todo.complaints_to_verify", "service-requests", COMPLAINTS_TO_VERIFY, "", "desk.register",
     COMPLAINTS_TO_VERIFY),
    ("todo.return_visits_owed", "service-requests", RETURN_VISITS_OWED, "", "desk.register", RETURN_VISITS_OWED),
    ("todo.return_visits_overdue", "service-requests", {"return_visit_overdue": "true"}, "", "desk.register",
     {"return_visit_overdue": "true"}),
    # a problem a return visit found, notified to maintenance in writing (follow_up_requested) and no
    # work order back within the estate's follow_up_notice_hours (DOMAIN.md: 24 h): listed nowhere, and
    # the desk found out when the owner rang again (a probe of the front desk's week)
    ("todo.follow_ups_overdue", "service-requests", {"follow_up_overdue": "true"}, "", "desk.register",
     {"follow_up_overdue": "true"}),
    ACCEPTANCES_AWAITED,
    # convenience tools (便民工具) still out past their due-back time (tool_loan_max_days at most):
    # listed nowhere once the time passed (a domain-gap audit)
    ("todo.tools_overdue", "tool-loans", {"overdue": "true"}, "", "registers.tool-loans", {"overdue": "true"}),
)
# What waits for the steward (物管员), who contacts each owner once a month (DOMAIN.md; the estate's
# owner_contacts_per_month): the owners short of this month's contacts, counted in full by the API
# (its ``total``). Nothing told him whom he had still to contact (a probe of the steward's work).
# And the vacant units he inspects regularly (空置房定期巡察): those not inspected within the estate's
# vacant_inspection_interval_days, counted in full by the API too. Nothing said which were due (a
# domain-gap audit).
# And the move-ins and renovations he follows (DOMAIN.md): those waiting for engineering's review (no
# review, no works), which engineering's start page named and his did not, and those whose window
# passed before their works started (the API's window_lapsed: they may start no more, and wait to be
# rescheduled or withdrawn), which nothing named (a probe of the steward's month).
UNDER_REVIEW = {"status": "under_review"}
WINDOW_LAPSED = {"window_lapsed": "true"}
STEWARD_TODO_LISTS = (
    ("todo.owners_not_contacted", "owner-contacts/due", {}, "", "desk.owner_contacts_due", {}),
    ("todo.vacant_inspections_due", "vacant-inspections/due", {}, "", "desk.vacant_inspections_due", {}),
    ("todo.applications_under_review", "applications", UNDER_REVIEW, "", "registers.applications", UNDER_REVIEW),
    ("todo.windows_lapsed", "applications", WINDOW_LAPSED, "", "registers.applications", WINDOW_LAPSED),
)
# What waits for engineering (technicians, and the managers, who may decide too): the renovation
# reviews pending (DOMAIN.md: no review, no renovation), which the technician's start page did not
# name (a probe of the steward's work), and the joint acceptances awaited, maintenance's signer being one.
ENGINEERING_TODO_LISTS = (
    ("todo.reviews_pending", "renovation-reviews", {"status": "pending"}, "", "registers.renovation-reviews",
     {"status": "pending"}),
    ACCEPTANCES_AWAITED,
)
# What waits for a technician (工程维修: the technicians and their supervisor, a technician as the
# roles have it): the orders given him whose visit he has still to agree with the occupant (his call),
# his own orders past their deadline; and the department's: every order past its deadline, those
# waiting for a technician, those handed back for help. His start page named renovation reviews
# alone (a probe of the engineering department's week). The manager has his own line of late orders
# (besides the owners' repairs), so these are the technicians'. "Mine" is the signed-in user's (a
# callable, read then).
def _me():
    return g.user.username


TECHNICIAN_TODO_LISTS = (
    # his own orders, as maintenance reads "me" (the caller): the console worked out his username
    ("todo.my_orders_to_appoint", "work-orders", {"status": "assigned", "technician": "me"}, "", "engineering.board",
     {"mine": "1"}),
    ("todo.my_orders_overdue", "work-orders", {"overdue": "true", "technician": "me"}, "", "engineering.board",
     {"mine": "1", "overdue": "true"}),
    ("todo.engineering_orders_overdue", "work-orders", {"overdue": "true"}, "", "engineering.board",
     {"overdue": "true"}),
    ("todo.orders_waiting", "work-orders", {"status": "pending"}, "", "engineering.board", {}),
    ("todo.orders_needing_help", "work-orders", {"status": "needs_help"}, "", "engineering.board", {}),
)
# What waits for the security department (秩序维护: its supervisor, team leads and guards): the
# rounds started and not finished (their checkpoints still to walk, or the round to finish), the
# incidents not closed (each ends with its plan's steps and a written summary), a fire lane found
# blocked and not cleared yet, and the fire facilities not checked yet this month (DOMAIN.md: every
# facility monthly). Each was on its own screen's filter and a guard's start page was the menu
# alone (a probe of the security department's day). The month is the one of the day the page is
# read (a callable, read then).
UNCHECKED_THIS_MONTH = {"unchecked_in": common.this_month}
SECURITY_TODO_LISTS = (
    ("todo.rounds_open", "patrol-rounds", {"status": "open"}, "", "security.rounds", {"status": "open"}),
    ("todo.incidents_open", "incidents", {"status": "open"}, "", "registers.incidents", {"status": "open"}),
    ("todo.fire_lanes_obstructed", "fire-lane-checks", {"status": "obstructed"}, "", "registers.fire-lane-checks",
     {"status": "obstructed"}),
    ("todo.fire_unchecked", "fire-equipment", UNCHECKED_THIS_MONTH, "", "registers.fire-equipment",
     UNCHECKED_THIS_MONTH),
    # the month's planned rounds nobody walked, or left unfinished (the supervisor's exceptions:
    # DOMAIN.md "a missed or late checkpoint is an exception"), on their own screen alone; their list
    # is not paged (``TODO_READERS``)
    ("todo.rounds_missed", "patrol-missed-rounds", {"period": common.this_month}, "", "security.missed_rounds",
     {"period": common.this_month}),
    # the month's rostered shifts over with nothing in the handover log (the session 46 note); not paged
    ("todo.handovers_missed", "missed-shift-handovers", {"period": common.this_month}, "", "security.missed_handovers",
     {"period": common.this_month}),
    # the work orders of the department's findings (a round's anomaly, a fire check's defect, an
    # incident: the gateway answers security those alone) past their deadline, and the visitors
    # still on site at the shift's change: the supervisor's follow-up reached each order through
    # its round's page, and nothing said one was late (a probe of the security guard's shift and
    # the supervisor's week)
    ("todo.security_orders_overdue", "work-orders", {"overdue": "true"}, "", "engineering.board", {"overdue": "true"}),
    ("todo.visitors_on_site", "visitors", {"on_site": "true"}, "", "registers.visitors", {"on_site": "true"}),
    # 接班确认: the handovers given to the signed-in guard and not accepted yet, his shift's start (found by
    # the security department's follow-ups)
    ("todo.handovers_to_accept", "shift-handovers", {"to_guard": _me, "accepted": "false"}, "",
     "registers.shift-handovers", {"to_guard": _me, "accepted": "false"}),
)
# a list of a step (the row's key: its method and path) counts for those the gateway lets take it
# (x-roles): a department may hold someone who only reads them
TODO_STEPS = {"todo.acceptances_awaited": ("POST", "applications/{id}/acceptance"),
              "todo.reviews_pending": ("POST", "renovation-reviews/{id}/decide")}
TODO_LIMIT = 100  # counted up to this many; more reads "100+"


def _first_page(path, query):
    """A to-do list's first page, up to ``TODO_LIMIT`` (None when it cannot be read)."""
    return common.optional_read(path, limit=TODO_LIMIT, **query)


def _not_paged(path, query):
    """A list computed when asked and not paged (no ``limit``: a 400), as a to-do reads a list: the
    month's missed rounds (the first 1,000 and ``more`` the rest) and its shifts not handed over
    (the month's at most), its ``total`` both (None when it cannot be read)."""
    found = common.optional_read(path, **query)
    if not isinstance(found, dict):
        return None
    items = found.get("items") or []
    more = found.get("more")
    return {"items": items, "next_cursor": None, "total": len(items) + (more if isinstance(more, int) else 0)}


def _year_plan(query):
    """The year's archive check plan (``query``: its year), read once a page for both of its lines
    (``g``); False when there is none, None when it cannot be read."""
    kept = g.setdefault("todo_year_plans", {})
    if query["year"] not in kept:
        page = common.optional_read("archive/check-plans", **query)
        kept[query["year"]] = (page.get("items") or [False])[0] if isinstance(page, dict) else None
    return kept[query["year"]]


def _plan_missing(path, query):
    """This year's plan as a to-do line: one item while it is not made, none once it is."""
    plan = _year_plan(query)
    return None if plan is None else {"items": [] if plan else [query], "next_cursor": None, "total": 0 if plan else 1}


def _next_plan_missing(path, query):
    """Next year's plan as a to-do line while the API asks for it (``asked``) and it is not made;
    its year in ``query`` for the line's text."""
    found = common.optional_read(path)
    if not isinstance(found, dict) or "asked" not in found:
        return None
    missing = bool(found["asked"] and not found.get("made"))
    query["year"] = found.get("next_year")
    return {"items": [found] if missing else [], "next_cursor": None, "total": int(missing)}


def _checks_missed(path, query):
    """The planned dates of this year's plan passed without their check, as a to-do's items."""
    plan = _year_plan(query)
    if plan is None:
        return None
    missed = list((plan or {}).get("missed_dates") or [])
    return {"items": missed, "next_cursor": None, "total": len(missed)}


def _causes_unplanned(path, query):
    """A quarter's recurring complaint causes that no rectification plan answers, from its analysis
    (not paged: no ``limit``), as a to-do's items (None when it cannot be read)."""
    found = common.optional_read(path, **query)
    if not isinstance(found, dict):
        return None
    causes = [c for c in (found.get("recurring_causes") or {}).get("causes") or () if not c.get("plan_ids")]
    return {"items": causes, "next_cursor": None, "total": len(causes)}


def _year_obligations(query):
    """The year's obligations (``query``: its year), read once a page for both of their lines (``g``);
    None when they cannot be read."""
    kept = g.setdefault("todo_year_obligations", {})
    if query["year"] not in kept:
        found = common.optional_read("reports/year-obligations", **query)
        kept[query["year"]] = found if isinstance(found, dict) else None
    return kept[query["year"]]


def _lines_owed(found, query):
    """The service lines the year's obligations (``found``) still owe a survey."""
    return [line for line in found.get("service_lines") or () if line.get("surveyed", 0) < line.get("owed", 0)]


def _visits_owed(found, query):
    """The manager's visits the year's obligations (``found``) still owe, one item each."""
    visits = found.get("manager_visits") or {}
    return [query] * max(int(visits.get("owed") or 0) - int(visits.get("done") or 0), 0)


def _survey_lines_owed(path, query):
    """The service lines the year still owes a survey, as a to-do's items."""
    found = _year_obligations(query)
    if found is None:
        return None
    owed = _lines_owed(found, query)
    return {"items": owed, "next_cursor": None, "total": len(owed)}


def _manager_visits_owed(path, query):
    """The manager's visits the year still owes, one item each."""
    found = _year_obligations(query)
    if found is None:
        return None
    owed = _visits_owed(found, query)
    return {"items": owed, "next_cursor": None, "total": len(owed)}


# how a to-do list is read where it is not a page with a limit: by its key, else its path (``_first_page``
# else)
TODO_READERS = {"patrol-missed-rounds": _not_paged, "missed-shift-handovers": _not_paged,
                "todo.check_plan_missing": _plan_missing, "todo.next_check_plan_missing": _next_plan_missing,
                "todo.checks_missed": _checks_missed, "reports/complaints": _causes_unplanned,
                "todo.survey_lines_owed": _survey_lines_owed, "todo.manager_visits_owed": _manager_visits_owed}


# What waits for a colleague of the desk a request was handed to (转交: a steward, the supervisor, an
# agent): those he holds, not closed. A request handed over had no holder, and nothing named it to
# whom the desk passed it (a probe of the front desk's week).
HANDED_TO_ME = {"handler": _me, "closed": "false"}
HANDLER_TODO_LISTS = (
    ("todo.handed_to_me", "service-requests", HANDED_TO_ME, "", "desk.register", HANDED_TO_ME),
)


# What waits for anyone on the staff who borrowed an archive (查阅、借阅: anyone asks, the manager
# approves): his own borrowings past their due back, to bring back. Only the archivist's and the
# manager's start pages named them, the estate's (a probe of the archives' work); archive's list
# reads one borrower's (requested_by). The keepers have their line of every one, so not this one too
# (``TODO_NOT_FOR``).
BORROWER_TODO_LISTS = (
    ("todo.my_borrowings_overdue", "archive/borrow-requests", {"requested_by": _me, "overdue": "true"}, "",
     "registers.borrow-requests", {"requested_by": _me, "overdue": "true"}),
)


# whose to-do each list is: the manager's (the operator admin's too), the front desk's own staff's
# (agents and stewards: a manager's own list names what he chases of theirs), the archivist's and
# engineering's (the managers' too: they may decide a review and record an acceptance)
TODO_BY_DEPARTMENT = ((MANAGEMENT, TODO_LISTS), (FRONT_DESK - MANAGEMENT, DESK_TODO_LISTS),
                      (frozenset({"steward"}), STEWARD_TODO_LISTS), (frozenset({"archivist"}), ARCHIVIST_TODO_LISTS),
                      (ENGINEERING, ENGINEERING_TODO_LISTS), (frozenset({"technician"}), TECHNICIAN_TODO_LISTS),
                      (frozenset({"security"}), SECURITY_TODO_LISTS), (FRONT_DESK, HANDLER_TODO_LISTS),
                      (STAFF, BORROWER_TODO_LISTS))
# a list left out for a user with one of these roles, whatever else he does (it would repeat another of his)
TODO_NOT_FOR = {"todo.my_borrowings_overdue": ARCHIVES}


def todo_lists(roles):
    """The lists of every department the user's ``roles`` work in, each department's in turn, a list
    two of them hold once. The first department found was the only one: an archivist who is also
    at the front desk saw the archivist's to-do only (found in the last session's notes)."""
    lists = []
    for department, rows in TODO_BY_DEPARTMENT:
        if set(roles) & department:
            lists += [row for row in rows if row[0] not in {kept[0] for kept in lists}
                      and not set(roles) & TODO_NOT_FOR.get(row[0], frozenset())]
    return lists


def _awaiting(page, proposer):
    """A to-do list's first page as it waits for the signed-in user: a list of proposals
    (``proposer``: the field naming who proposed each) holds those he may approve, not his own."""
    return [item for item in page.get("items", []) if not proposer or permissions.approves(item.get(proposer))]


def _read_now(query):
    """A to-do list's query with its values read now (a callable: this month's)."""
    return {name: value() if callable(value) else value for name, value in query.items()}


def todo():
    """The to-do of the chosen estate for each department the user works in (``todo_lists``:
    management, the front desk, the archives, engineering): ``[{text, url}]`` of the lists above that hold
    something for him, each counted from its first page (a list that cannot be read is left out);
    then the accounts' own (``accounts_todo``)."""
    if not g.user.estate_id:
        return []
    return _lists_todo(todo_lists(g.user.roles)) + accounts_todo()


# The accounts' to-do, one line a day or month, each opening the page that settles or bills it:
# a cashier's past day with journal entries and no settlement (日清: settled daily), named only by
# the month's reconciliation; and a month a billing run should have billed and has not (runs are
# manual), which read as a month with nothing to bill (a domain-gap audit). The accountant sees
# every cashier's days and the months; a cashier his own days.
TODO_DAYS = 10  # days or months named one by one; more reads as one line opening their page


def accounts_todo():
    roles = set(g.user.roles)
    found = []
    if roles & {"accountant", "cashier"} and permissions.may("GET", "journals/unsettled-days"):
        mine = {} if "accountant" in roles else {"cashier": g.user.username}
        found += _line_each("journals/unsettled-days", mine, _unsettled_day, "todo.days_not_settled_more",
                            "registers.settlements")
    if "accountant" in roles and permissions.may("GET", "unbilled-months"):
        found += _line_each("unbilled-months", {}, _not_billed_month, "todo.not_billed_more", "accounts.billing_run")
    return found


def _line_each(path, query, line, more_key, more_endpoint):
    """A line for each item of a list's first page (``line(item)``), up to ``TODO_DAYS``, and one
    opening the list's page when it goes on; none when it cannot be read."""
    page = common.optional_read(path, limit=TODO_DAYS, **query)
    if not isinstance(page, dict):
        return []
    found = [line(item) for item in page.get("items", [])]
    if page.get("next_cursor"):
        found.append({"text": i18n.translate(more_key), "url": url_for(more_endpoint)})
    return found


def _unsettled_day(day):
    key = "todo.day_not_settled_late" if day.get("late") else "todo.day_not_settled"
    return {"text": i18n.translate(key, cashier=day["cashier"], day=day["date"], count=day["entries"],
                                   net=i18n.money(day["net_cents"])),
            "url": url_for("registers.settlements", date=day["date"], cashier=day["cashier"])}


def _not_billed_month(month):
    """A month not billed, or billed and to be run again: bills a takeover or a handover recorded since has made
    wrong (finance's ``restatements``), which its run again restates (found by h7)."""
    restated = month.get("restatements") or []
    if restated:
        return {"text": i18n.translate("todo.to_restate", period=month["period"], count=len(restated)),
                "url": url_for("accounts.billing_run", period=month["period"])}
    return {"text": i18n.translate("todo.not_billed", period=month["period"]),
            "url": url_for("accounts.billing_run", period=month["period"])}


def _lists_todo(lists):
    found = []
    for key, path, query, proposer, endpoint, shown in lists:
        if not permissions.may("GET", path) or (key in TODO_STEPS and not permissions.may(*TODO_STEPS[key])):
            continue
        query, shown = _read_now(query), _read_now(shown)
        page = TODO_READERS.get(key, TODO_READERS.get(path, _first_page))(path, query)
        if not isinstance(page, dict):
            continue
        items = _awaiting(page, proposer)
        # a list that counts itself (``total``: every page's) says how many in all, not "100+"
        total = page.get("total")
        count = str(total) if not proposer and isinstance(total, int) else common.counted(items, page)
        if items:
            found.append({"text": i18n.translate(key, count=count, year=query.get("year"), period=query.get("period")),
                          "url": url_for(endpoint, **shown)})
    return found


# What waits for a manager of several estates in the others, on his start page: a fee standard
# pending in another estate was unseen until he switched to it, and the estates' list showed no
# counts (a probe of the service-center manager). What is his alone to act on: his approvals (fee
# standards, fund uses, archive borrowings and viewings), the complaints escalated to him and the
# major incidents not closed; the chosen estate's own lists say the rest.
ELSEWHERE_LISTS = tuple(row for row in TODO_LISTS if row[0] in (
    "todo.fee_standards", "todo.fund_uses", "todo.borrowings", "todo.escalated", "todo.major_incidents_open",
    "todo.survey_lines_owed", "todo.manager_visits_owed"))
# And what the year still owes there (the survey lines, his own visits): the chosen estate's start
# page said it, the others' nothing until he switched to each (h13, the year-end across estates).
# Read from the estate's year's obligations, one read an estate for both lines (not a page: no limit).
ELSEWHERE_REPORTS = {"todo.survey_lines_owed": _lines_owed, "todo.manager_visits_owed": _visits_owed}
# What it costs, bounded: the estates' list (one read), then six reads an estate (five lists and the
# year's obligations) of the first this many others in the list's order (120 reads for a manager of 21
# or more; the rest are named as a
# number, to choose from the estates' list), run at most ``ELSEWHERE_READERS`` at once for every page
# of this process, a page waiting ``ELSEWHERE_WAIT_SECONDS`` at most (an estate not read by then is
# said to be so); kept for the user ``ELSEWHERE_KEEP_SECONDS`` and read again after a switch of
# estate (what he approved there). Counted from each list's first page, as the start page counts.
# The operator admin's estates are every estate: his view of them is the KPIs side by side.
ELSEWHERE_ESTATES = 20
ELSEWHERE_READERS = 8
ELSEWHERE_WAIT_SECONDS = 5.0
ELSEWHERE_KEEP_SECONDS = 60
ELSEWHERE_KEPT_USERS = 1000  # users whose counts one process keeps; the oldest go first past it
_READERS = ThreadPoolExecutor(max_workers=ELSEWHERE_READERS, thread_name_prefix="console-elsewhere")
# the kept counts are one process's, shared by its pages (a gthread worker's threads): read and
# changed by one page at a time (a switch of estate forgot a user's while another page kept its own,
# and the walk of them failed: a start page's 500)
_KEPT_LOCK = threading.Lock()


def _reads_elsewhere(user):
    """Whether the start page reads what waits for ``user`` in his other estates: a manager (not the
    operator admin) whose token names several, one of them chosen."""
    return bool(user.estate_id and user.several_estates and "manager" in user.roles
                and "operator_admin" not in user.roles)


def _kept_elsewhere():
    return current_app.extensions.setdefault("console_elsewhere", {})


def forget_elsewhere(username):
    """What was kept of ``username``'s other estates is read again on his next start page (he
    switched estate: what he approved there waits no more)."""
    kept = _kept_elsewhere()
    with _KEPT_LOCK:
        for key in [key for key in kept if key[0] == username]:
            kept.pop(key, None)


class Elsewhere:
    """What waits for the signed-in manager in his other estates: started before the chosen estate's
    own to-do is read (``start``), so both are read at the same time; ``shown()`` is ``None`` (not a
    manager of several) or ``{"estates": [{id, name, lines: [{text, next}]}], "more", "unread"}``,
    ``more`` the number of estates not read ("" for none, "N+" past the list's first page) and
    ``unread`` those not read in time or refused."""

    def __init__(self):
        self._key, self._found, self._reads = None, None, None

    @classmethod
    def start(cls, estates=None):
        """``estates``: the estates list's first page (``limit`` ``common.LARGEST_PAGE``, no filter)
        when the caller read it already, so it is not read again."""
        started = cls()
        user = g.user
        if not _reads_elsewhere(user):
            return started
        started._key = (user.username, user.estate_id)
        with _KEPT_LOCK:
            kept = _kept_elsewhere().get(started._key)
        if kept and time.monotonic() - kept[0] < ELSEWHERE_KEEP_SECONDS:
            started._found = kept[1]
        else:
            started._reads = _start_reads(user, estates)
        return started

    def shown(self):
        if self._key is None:
            return None
        if self._found is None:
            self._found = _counts_of(*self._reads) if self._reads else None
            if self._found is None:
                return None
            _keep(self._key, self._found)
        return _shown_elsewhere(self._found)


def _start_reads(user, page=None):
    """``(estates read, lists, {(estate id, path, query): future}, more)``, each list's query read now,
    or None when the estates' list cannot be read (the page shows without them); ``page``: its first
    page, read already."""
    if page is None:
        try:
            page = g.api.get("/api/v1/estates", limit=common.LARGEST_PAGE)
        except ApiProblem as problem:
            if problem.status == 401:
                raise
            return None
    others = [estate for estate in page.get("items", []) if estate.get("id") != user.estate_id]
    read, left = others[:ELSEWHERE_ESTATES], len(others) - ELSEWHERE_ESTATES
    more = f"{max(left, 0)}+" if page.get("next_cursor") else (str(left) if left > 0 else "")
    # each list's query read now, once: the counts find their reads by it (read again, a year turned
    # meanwhile found none)
    lists = [(key, path, _read_now(query), *rest) for key, path, query, *rest in ELSEWHERE_LISTS
             if permissions.may("GET", path)]
    api = g.api
    asked = {}  # one read a path and query: the year's obligations answer two lines
    for key, path, query, *_ in lists:
        asked.setdefault((path, tuple(sorted(query.items()))), key in ELSEWHERE_REPORTS)
    futures = {(estate["id"], path, query): _READERS.submit(api.get, api.estate(estate["id"], path),
                                                            **({} if report else {"limit": TODO_LIMIT}), **dict(query))
               for estate in read for (path, query), report in asked.items()}
    return read, lists, futures, more


def _counts_of(read, lists, futures, more):
    """What the reads found, ``{"estates": [{id, name, lines: [(key, number, goes_on)]}], "more",
    "unread"}``: the estates with something waiting, in the list's order, each list's count a number
    and whether the list goes on past its first page (said as "N+" where it is shown, and added
    there for the estate's sum); a read not answered within
    ``ELSEWHERE_WAIT_SECONDS`` is given up (and cancelled when it has not begun)."""
    done, late = wait_for(futures.values(), timeout=ELSEWHERE_WAIT_SECONDS)
    for future in late:
        future.cancel()
    estates, unread = [], 0
    for estate in read:
        lines, failed = [], False
        for key, path, query, proposer, *_ in lists:  # each query as it was read (_start_reads)
            future = futures[(estate["id"], path, tuple(sorted(query.items())))]
            try:
                page = future.result() if future in done else None
            except ApiProblem as problem:
                if problem.status == 401:
                    raise
                page = None
            if not isinstance(page, dict):
                failed = True
                continue
            if key in ELSEWHERE_REPORTS:  # a report's, whole: it goes on nowhere
                items, goes_on = ELSEWHERE_REPORTS[key](page, query), False
            else:
                items, goes_on = _awaiting(page, proposer), bool(page.get("next_cursor"))
            if items:
                lines.append((key, len(items), goes_on))
        unread += failed
        if lines:
            estates.append({"id": estate["id"], "name": estate.get("name") or estate.get("code"), "lines": lines})
    return {"estates": estates, "more": more, "unread": unread}


def _keep(key, found):
    kept = _kept_elsewhere()
    with _KEPT_LOCK:
        if len(kept) >= ELSEWHERE_KEPT_USERS:
            for oldest in sorted(kept, key=lambda k: kept[k][0])[:len(kept) - ELSEWHERE_KEPT_USERS + 1]:
                kept.pop(oldest, None)
        kept[key] = (time.monotonic(), found)


def _shown_elsewhere(found):
    """The counts as the page says them: each line's words and the page it switches to, and the
    estate's sum (``waiting``: "N", "N+" when a list goes on past its first page) for the estates'
    list."""
    shown = {row[0]: url_for(row[4], **row[5]) for row in ELSEWHERE_LISTS}
    return {"estates": [{"id": estate["id"], "name": estate["name"],
                         "lines": [{"text": i18n.translate(key, count=common.count_said(number, goes_on),
                                                           year=common.this_month()[:4]),
                                    "next": shown[key]} for key, number, goes_on in estate["lines"]],
                         "waiting": common.count_said(sum(number for _, number, _ in estate["lines"]),
                                                      any(goes_on for *_, goes_on in estate["lines"]))}
                        for estate in found["estates"]],
            "more": found["more"], "unread": found["unread"]}


RECTIFICATION_ROWS = 3  # action rows the form offers; the API takes 1 to 50


@bp.get("/rectifications")
@estate_needed
def rectifications(problem=None):
    """整改计划: the plans made for recurring complaint causes, each action marked done in turn
    (a plan closes with its last one), and a form for a new plan."""
    filters = common.query("status", "period", "overdue", "recurred_after_close")
    page = g.api.get(g.api.estate(g.user.estate_id, "complaint-rectifications"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters)
    from .desk import CAUSES
    return render_template("manager/rectifications.html", items=page.get("items", []), causes=CAUSES,
                           lines=SERVICE_LINES,
                           next_cursor=page.get("next_cursor"), filters=filters, rows=range(RECTIFICATION_ROWS),
                           period=this_quarter(), key=common.form_key(), form=request.form if problem else {},
                           problem=problem or common.take_problem()), 200 if problem is None else problem.status


@bp.post("/rectifications")
@estate_needed
def create_rectification():
    form = request.form
    actions = [{"description": text.strip(), "owner": owner.strip(), "due": due.strip()}
               for text, owner, due in zip(form.getlist("action_description"), form.getlist("action_owner"),
                                           form.getlist("action_due")) if text.strip()]
    body = {"period": form.get("period", "").strip(), "findings": form.get("findings", "").strip(), "actions": actions}
    if form.getlist("causes"):  # the recurring causes it answers (the complaint analysis shows them)
        body["causes"] = form.getlist("causes")
    if form.getlist("service_lines"):  # the lines whose next survey says whether it worked
        body["service_lines"] = form.getlist("service_lines")
    return common.post_or_show("complaint-rectifications", body, rectifications, "rect.created",
                               url_for("manager.rectifications"), idempotency_key=form.get("idempotency_key") or None)


@bp.post("/rectifications/<plan_id>/notice")
@estate_needed
def rectification_notice(plan_id):
    """整改措施公告: the plan's measures published as a notice (公告) to the estate or a building, its
    text as the manager edited it from the plan's (the notices' API, naming the plan); refused, the
    page again with what was typed in the plan's form (``notice_of``)."""
    form = request.form
    body = {"title": form.get("title", "").strip(), "body": form.get("body", "").strip(),
            "rectification_plan_id": plan_id}
    if form.get("building", "").strip():
        body["building"] = form["building"].strip()
    back = url_for("manager.rectifications", **common.query("status", "period", "overdue", "recurred_after_close"))
    return common.post_or_show("notices", body, rectifications, "rect.published", back,
                               idempotency_key=form.get("idempotency_key") or None)


@bp.post("/rectifications/<plan_id>/actions/<int:n>/done")
@estate_needed
def rectification_action_done(plan_id, n):
    back = url_for("manager.rectifications", **common.query("status", "period", "overdue", "recurred_after_close"))
    note = request.form.get("note", "").strip()
    return common.post_and_back(f"complaint-rectifications/{plan_id}/actions/{n}/done", {"note": note} if note else {},
                                back, "rect.done")


def charts_of(rows, limit=None, operator_wide=None, period=""):
    """One chart per KPI: a bar per estate, scaled to 100 % (ratios) or to the largest value;
    with ``limit``, the ``limit`` weakest estates (the lowest values, or the highest of a KPI in
    ``LOWER_IS_BETTER``; no data after them), in that order; ``operator_wide`` (a row) last."""
    everyone = rows + ([operator_wide] if operator_wide else [])
    names = sorted({name for row in everyone for name in row["kpis"]}, key=_in_order)
    charts = []
    for name in names:
        bars = []
        shown = rows
        if limit is not None:
            shown = sorted(rows, key=lambda row: _weakest_first(name, row["kpis"].get(name, {}).get("value")))[:limit]
        shown = shown + ([operator_wide] if operator_wide else [])
        values = [row["kpis"].get(name, {}).get("value") for row in shown]
        unit = next((row["kpis"][name].get("unit") for row in everyone if name in row["kpis"]), "ratio")
        top = 1.0 if unit == "ratio" else max([v for v in values if v is not None] or [0]) or 1.0
        top_of_row = 0
        for row in shown:
            total = row is operator_wide
            kpi = row["kpis"].get(name) or {}
            value = kpi.get("value")
            width = 0 if value is None else max(1, round(BAR_WIDTH * min(value / top, 1.0)))
            hover = _hover(row["name"], kpi, name, unit)
            verdict = _verdict(name, kpi, row.get("over", False), period, row.get("to_date", True))
            label = [row["name"]] if total else label_lines(row["name"])  # the total's: on a line above
            height = BAR_HEIGHT + LABEL_LINE_HEIGHT * (len(label) - 1)
            top_of_row += TOTAL_LABEL_HEIGHT if total else 0
            bars.append({
                "estate": row["name"], "label": label, "total": total, "width": width,
                "y": top_of_row, "height": height,
                "text": _shown(value, unit),
                "hover": " · ".join(part for part in (hover, _target_text(name, kpi, unit), _note(kpi.get("note"), name),
                                                      _not_billed(kpi), _not_counted(kpi), _suspended(kpi))
                                  if part),
                "no_data": value is None, "verdict": verdict,
                "verdict_text": i18n.translate(f"kpi.target_{verdict}") if verdict else None,
                "mark": i18n.translate(f"kpi.mark_{verdict}") if verdict else None,
            })
            top_of_row += height + BAR_GAP
        marked = any(bar["verdict"] for bar in bars)
        if marked:
            for bar in bars:
                bar["width"] = bar["width"] and max(1, round(bar["width"] * (BAR_WIDTH - VERDICT_WIDTH) / BAR_WIDTH))
        charts.append({"name": name, "title": _title(name), "unit": unit, "bars": bars, "marked": marked,
                       "target": _target(name, rows, unit), "definition": _definition(name),
                       "note": _common_note(name, rows),
                       "height": top_of_row,
                       "bar_height": BAR_HEIGHT, "line_height": LABEL_LINE_HEIGHT,
                       "label_width": LABEL_WIDTH, "bar_width": BAR_WIDTH - (VERDICT_WIDTH if marked else 0),
                       "width": LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH})
    return charts


def label_width(text):
    """About how wide ``text`` is drawn in a chart's 12 px labels, in SVG units (1:1 in its card), a
    little over what Chromium draws in the page's fonts (Debian's DejaVu Sans, the widest of them):
    a Chinese character (East Asian wide or full-width) or "…" a full 12, a Latin letter 7.5, a
    capital 8.5, m and w 11, the narrow ones (i, l, t, a stop) and a space 4."""
    return sum(_drawn(character) for character in text)


def _drawn(character):
    if _wide(character) or character == "…":
        return 12
    if character in "mwMW":
        return 11
    if character.isspace() or character in "iljtfrI.,;:'|!()-":
        return 4
    return 8.5 if character.isupper() else 7.7 if character.isdigit() else 7.5


def _wide(character):
    return unicodedata.east_asian_width(character) in "WF"


def _words(text):
    """``text`` in the pieces a line may break between: a Latin word (a run of narrow characters),
    a run of spaces, each Chinese character."""
    words = []
    for character in text:
        kind = "space" if character.isspace() else "wide" if _wide(character) else "narrow"
        if words and kind != "wide" and words[-1][0] == kind:
            words[-1][1] += character
        else:
            words.append([kind, character])
    return [word for _, word in words]


def label_lines(name, room=LABEL_WIDTH - LABEL_GAP, most=LABEL_LINES):
    """An estate's name in the lines that fit ``room`` beside its bar (``label_width``): broken
    between words, a Chinese name between any two characters, a word wider than a line where it
    must; past ``most`` lines, the last ends in "…"."""
    lines, line = [], ""
    for word in _words(name.strip()):
        if label_width((line + word).rstrip()) <= room:  # a space always fits: a line ends before it
            line += word
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        for character in word:  # a word wider than a line is broken where it must be
            if line and label_width(line + character) > room:
                lines.append(line)
                line = ""
            line += character
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > most:
        last = lines[most - 1]
        while last and label_width(last + "…") > room:
            last = last[:-1].rstrip()
        lines = lines[:most - 1] + [last + "…"]
    return lines or [name]


def _verdict(name, kpi, over, period, to_date=True):
    """``"missed"``, ``"met"`` or None (no target, no data, or not decided yet: see ``MISSED_TO_DATE``)
    of the KPI ``name`` of ``period``; ``over``: the period had ended on the estate's calendar;
    ``to_date``: whether the figures to date may decide it before (not the operator-wide total's)."""
    target, numerator, denominator = kpi.get("target"), kpi.get("numerator"), kpi.get("denominator")
    if target is None or kpi.get("value") is None or numerator is None or not denominator:
        return None
    missed = _misses(name, kpi)
    # a figure that lacks months decides no target met: archive completeness's not counted (h6), the
    # collection rate's not billed (the months billed alone: found by r5 reviewing h5)
    if not missed and (kpi.get("not_counted") or kpi.get("not_billed")):
        return None
    if name in YEAR_TO_DATE:
        if not missed:
            return "met" if to_date or over else None
        year_over = over and (len(period) == 4 or period.endswith(("-12", "-Q4")) or _week_ends_its_year(period))
        return "missed" if year_over else None
    if over:
        return "missed" if missed else "met"
    if to_date and missed and name in MISSED_TO_DATE and (name in LOWER_IS_BETTER or target >= 1):
        return "missed"
    return None


def _week_ends_its_year(period):
    """Whether ``period`` is an ISO week whose Sunday is 31 December (2023-W52): its year-to-date
    KPIs count the year of its Sunday (the services' ``calendar.period_year``), over with the week."""
    if "-W" not in period:
        return False
    try:
        sunday = date.fromisocalendar(int(period[:4]), int(period[6:]), 7)
    except ValueError:  # a week its year has not, which the gateway refuses
        return False
    return (sunday.month, sunday.day) == (12, 31)


def _misses(name, kpi):
    """Whether the KPI's figures miss its target, from its numerator and denominator: its value is
    rounded to four places (99,999 of 100,000 return visits on time read 1.0, a 100 % target met)."""
    scale = 1000 if kpi.get("unit") == "per_1000_households" else 1
    exact = Decimal(str(kpi["numerator"])) * scale / Decimal(str(kpi["denominator"]))
    return not _MEETS[_bound(name)](exact, Decimal(str(kpi["target"])))


# a value against its target by the KPI's bound (``_bound``)
_MEETS = {"<": operator.lt, "≤": operator.le, "≥": operator.ge}


def _bound(name):
    """How the KPI's value must stand to its target, the one rule the verdict (``_misses``) and the
    chart's target (``_target_text``) read: below it (``STRICTLY_BELOW``), at most it (the other
    ``LOWER_IS_BETTER``), else at least it. Each branched on the two sets (found by review)."""
    if name in STRICTLY_BELOW:
        return "<"
    if name in LOWER_IS_BETTER:
        return "≤"
    return "≥"


def _target(name, rows, unit):
    """The KPI's target as the chart says it ("≥ 95.0%", "≤ 100.0%", "< 1.0%", "= 0") when every
    estate shown has the same one (return-visit and valid-complaint targets are each estate's
    settings), else None: each bar's hover then says its own. The figures came without it: a
    manager could not tell a 0.8 % valid-complaint rate (met: below 1 %) from a missed one."""
    targets = {_target_text(name, row["kpis"][name], unit) for row in rows if name in row["kpis"]}
    return targets.pop() if len(targets) == 1 else None


def _target_text(name, kpi, unit):
    bound = _target_bound(name, kpi, unit)
    return bound and i18n.translate("kpi.target", how=bound[0], target=bound[1])


def _target_bound(name, kpi, unit):
    """The KPI's target as ``(how, target)``: ("≥", "100.0%"), ("=", "0") for at most none; None without one."""
    target = kpi.get("target")
    if target is None:
        return None
    how = _bound(name)
    if how == "≤" and not target:  # at most none: none
        how = "="
    return how, _target_shown(target, unit) if target else "0"


def _target_shown(target, unit):
    """A target as a figure is shown (``_shown``: one decimal of a percentage), to two decimals where
    one rounds it: a week's share of the valid-complaint rate's 1 % (7 ÷ 30 of it, 0.2333 %) read
    "< 0.2%" beside a rate of 0.2% judged met (review r7 of h7)."""
    if unit == "ratio" and round(target * 100, 1) != round(target * 100, 6):
        return f"{target * 100:.2f}%"
    return _shown(target, unit)


def _common_note(name, rows):
    """The services' note of the KPI (what it counts, and for one estate what is still owed: the
    survey's lines, the unjudged complaints) when every estate shown has the same one: one estate's
    page, or a definition. Notes that differ by estate are on each bar's hover."""
    notes = {_note(row["kpis"][name].get("note"), name) for row in rows if name in row["kpis"]}
    return notes.pop() if len(notes) == 1 else None


def _in_order(name):
    """The sort key of a KPI's chart: its place in ``KPI_ORDER``, else after them by name."""
    return (KPI_ORDER.index(name), "") if name in KPI_ORDER else (len(KPI_ORDER), name)


def _definition(name):
    """What the KPI counts, numerator ÷ denominator, in the page's language (``kpi.def.<name>``);
    None for a KPI the catalogue does not define (its service's note, on an English page, says it)."""
    key = f"kpi.def.{name}"
    return i18n.translate(key) if key in CATALOGUES[i18n.language()] else None


def _not_billed(kpi):
    """The months a billing run should have billed and has not (the collection rate's ``not_billed``):
    its "no data" read as a month with nothing to bill (a domain-gap audit). None when there are none."""
    months = kpi.get("not_billed")
    return i18n.translate("kpi.not_billed", months=i18n.listed(months)) if months else None


def _not_counted(kpi):
    """The months of the period a service has not counted what it closed of (archive completeness'
    ``not_counted``): the figure is of the months counted, and a year read 100 % with one never
    counted (found by h6). None when there are none."""
    months = kpi.get("not_counted")
    return i18n.translate("kpi.not_counted", months=i18n.listed(months)) if months else None


def _suspended(kpi):
    """停巡: the planned rounds a patrol suspension left out of patrol completion (``suspended_slots``):
    an estate whose storm nights were suspended read as one that walked them. None when there are none."""
    count = kpi.get("suspended_slots")
    return i18n.translate("kpi.suspended_slots", count=count) if count else None


def _hover(estate, kpi, name, unit):
    """A bar's numerator and denominator; a count (incidents, records filed) is its number alone:
    "1 / 1" read as one of one (its denominator is 1 by construction). Cost control with no budget
    to divide by is its cost and that a month has none (its note names them), or the estate alone
    where its note names none (a period to come, the operator-wide total, which leaves such
    estates out): it read "¥100.00 / ¥0.00", a budget of nothing, for a quarter two of whose
    months had one (a probe of the service-center manager)."""
    numerator = _number(kpi.get("numerator"), name)
    if name == "operating_cost_control" and not kpi.get("denominator"):
        if _NO_BUDGET.search(kpi.get("note") or ""):
            return i18n.translate("kpi.hover_no_budget", estate=estate, cost=numerator)
        return estate
    if unit == "count":
        return i18n.translate("kpi.hover_count", estate=estate, numerator=numerator)
    return i18n.translate("kpi.hover", estate=estate, numerator=numerator,
                          denominator=_number(kpi.get("denominator"), name))


_NO_BUDGET = re.compile(r"; no budget: (?P<months>[0-9, -]+)$")  # cost control's months without one
# What a KPI's note (English, from its service) says that a manager must act on, in the page's
# language: the rest of a note defines the figure, which the chart's title and numerator /
# denominator already say (an English page shows a note with none of these parts as it is).
_NOTE_PARTS = (
    # a year's obligation in the estate's first year: its share (estate_common.kpis.owed_text)
    (re.compile(r"(?P<owed>\d+) owed: (?P<per_year>\d+) a year pro rata to the (?P<months>\d+) of 12 months from the "
                r"estate's registration on (?P<day>\d{4}-\d{2}-\d{2})"), "kpi.note.pro_rata"),
    (re.compile(r"still owed: (?P<lines>[a-z_, ]+)$"), "kpi.note.lines_owed"),
    (re.compile(r"(?P<count>\d+) closed complaint\(s\) not judged valid or not"), "kpi.note.not_judged"),
    # the developer's warranty repairs of a handover (开发商保修) counted apart from the desk's
    (re.compile(r"(?P<count>\d+) repair\(s\) of defects found at handovers"), "kpi.note.handover_defects"),
    (re.compile(r"(?P<count>\d+) completion\(s\) of repairs of defects found at handovers"),
     "kpi.note.handover_defect_completions"),
    (re.compile(r"^no (?P<year>\d{4}) archive check plan: it was due by (?P<day>\S+)$"), "kpi.note.plan_missing"),
    (re.compile(r"^the (?P<year>\d{4}) archive check plan is not made yet: due by (?P<day>\S+)$"), "kpi.note.plan_due"),
    (re.compile(r"^the (?P<year>\d{4}) archive check plan, made (?P<made>[^,]+), after its deadline (?P<day>\S+)$"),
     "kpi.note.plan_late"),
    (re.compile(r"^the (?P<year>\d{4}) archive check plan, made (?P<made>[^,]+)$"), "kpi.note.plan_made"),
    # the cost the special maintenance fund paid, out of the operating cost control (maintenance's
    # indicators.cost_control, h7; the dashboard dropped it: review r7 of h7)
    (re.compile(r"(?P<cents>\d+) cents of costs paid from the special maintenance fund"), "kpi.note.fund_paid"),
    (_NO_BUDGET, "kpi.note.no_budget"),
    # the owner contact rate: a period's months not over are left out, or, while none is over, the
    # month so far (owner_contacts.owner_contact_rate)
    (re.compile(r"\(months not over yet left out\)$"), "kpi.note.months_left_out"),
    (re.compile(r"contacted so far \(the month is not over\)$"), "kpi.note.so_far"),
    (re.compile(r"^the estate was registered on (?P<day>\S+), after this period$"), "kpi.note.before_the_estate"),
    # a KPI counted by the month asked of an ISO week (estate_common.kpis.BY_THE_MONTH): no data, and why
    (re.compile(r"^counted by the month, not of a week: "), "kpi.note.by_the_month"),
    # a week's valid-complaint rate: judged against its share of the month's target (h7)
    (re.compile(r"the week's share of the month's target, (?P<days>\d+) of the month's (?P<month_days>\d+) days"),
     "kpi.note.week_share"),
)


def _note(note, name=None):
    """A KPI's note in the page's language: what ``_NOTE_PARTS`` finds in it (in English too: the
    service lines by their names), else, on an English page, the note as it is unless it only
    restates the target ("target: below") or the KPI's definition (``_definition``) says what it
    counts; None when nothing is left."""
    if not note:
        return None
    parts = []
    for pattern, key in _NOTE_PARTS:
        found = pattern.search(note)
        if found:
            values = found.groupdict()
            if "months" in values:
                values["months"] = i18n.listed(month.strip() for month in values["months"].split(","))
            if "cents" in values:
                values["cents"] = i18n.money(int(values["cents"]))
            if "lines" in values:
                values["lines"] = i18n.listed(i18n.label("line", line.strip()) for line in values["lines"].split(","))
            parts.append(i18n.translate(key, **values))
    if parts:
        return ("；" if i18n.language() == "zh" else "; ").join(parts)
    if i18n.language() == "zh" or note.startswith("target:") or _definition(name):
        return None
    return note


def _weakest_first(name, value):
    """The sort key of an estate's value of the KPI ``name``: the weakest first, no data last."""
    if value is None:
        return (True, 0)
    return (False, -value if name in LOWER_IS_BETTER else value)


def _title(name):
    """The KPI's name in the page's language; a KPI the catalogue does not know yet reads as words."""
    title = i18n.label("kpi", name)
    return name.replace("_", " ").capitalize() if title == name else title


# KPIs whose numerator and denominator are cents (money received ÷ billed, cost ÷ budget): the
# hover showed "0 / 100000" for a budget of ¥1,000 (found by review)
MONEY_KPIS = frozenset({"collection_rate", "collection_rate_at_period_end", "arrears_recovery_rate",
                        "operating_cost_control"})


def _number(value, name=None):
    if value is None:
        return "–"
    if name in MONEY_KPIS:
        return i18n.money(value)
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _shown(value, unit):
    if value is None:
        return i18n.translate("kpi.no_data")
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    return _number(value)
