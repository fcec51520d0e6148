"""Engineering: the work-order board by status (emergencies first), "my orders", and each order's steps."""
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import Blueprint, g, redirect, render_template, request, session, url_for

# who assigns an order to any technician: the gateway's and maintenance's own rule (the maintenance
# supervisor too, h5), read where it is written, not written again here
from estate_common.roles import DISPATCHERS

from .. import i18n, permissions
from ..menu import MANAGEMENT
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common
from . import desk
from . import registers
from .register_specs import BY_SLUG, PICK_SOURCES, Field

bp = Blueprint("engineering", __name__, url_prefix="/engineering")

# The board's columns: the open orders, each status read on its own (one list of 200 held the
# estate's oldest orders, completed ones too, so new orders fell off it past 200: a probe). A
# completed or cancelled order is found by its number or in an export.
BOARD_COLUMNS = ("pending", "assigned", "appointed", "in_progress", "quoted", "consented", "on_hold", "needs_help")
BOARD_SIZE = 200  # of each column: the oldest waiting first, as the API lists them
STEPS = ("assign", "start", "quote", "consent", "complete")
# 到场时间补录 (h7's typhoon night): a start takes when the technician got there (the API's started_at,
# default now), typed on the display clock: the response the KPI judges runs to it
STARTED_AT = Field("started_at", "wo.started_at", "moment")
# The statuses each step is taken from, as maintenance's table says (its ``domain.TRANSITIONS``):
# a pending order was offered start, quote, consent and complete, each a 409 (found by review).
STEP_STATUSES = {
    "assign": ("pending", "assigned", "appointed", "needs_help"),
    "start": ("assigned", "appointed"),
    "quote": ("in_progress", "quoted", "consented"),
    "consent": ("quoted",),
    "complete": ("in_progress", "quoted", "consented"),
}
EMERGENCY_CATEGORIES = desk.EMERGENCY_CATEGORIES
# the signed-in user's own orders, as maintenance reads ``technician=me`` (the console put his
# username there: found by the technician's week)
OWN = "me"
HOLD_REASONS = ("parts", "occupant")  # what an order on hold waits for (maintenance's domain.HOLD_REASONS)
REASON = Field("reason", "wo.reason", "textarea", True)


@dataclass(frozen=True)
class FieldStep:
    """A step whose body is plain fields (read as a register's are: ``registers.body_of``), offered
    while the order is in one of ``when`` (the API decides what is allowed) to the roles the
    gateway lets send it (``permissions.may``): the appointment with the occupant, a new one,
    help, the emergency mark, cancelling."""
    name: str
    fields: tuple
    when: tuple


FIELD_STEPS = (
    FieldStep("appoint", (Field("at", "wo.appointment", "moment", True),), ("assigned",)),
    FieldStep("reappoint", (Field("at", "wo.appointment", "moment", True), REASON),
              ("appointed", "in_progress", "quoted", "consented", "on_hold")),
    FieldStep("request-help", (REASON,), ("assigned", "appointed", "in_progress", "quoted", "consented", "on_hold")),
    # 待料: a started job waiting for parts or for the occupant, and its resumption (maintenance's
    # domain.hold: the deadline stands, the board shows the hold)
    FieldStep("hold", (Field("waiting_for", "wo.waiting_for", "choice", True, HOLD_REASONS, "wo_hold"), REASON,
                       Field("expected_on", "wo.expected_on", "date", True)), ("in_progress", "quoted", "consented")),
    FieldStep("resume", (), ("on_hold",)),
    # 协助: a second technician on the order, picked from the estate's technicians (maintenance's add_helper)
    FieldStep("add-helper", (Field("technician", "wo.helper", "text", True, people="technicians"),),
              ("assigned", "appointed", "in_progress", "quoted", "consented", "on_hold")),
    FieldStep("mark-emergency", (Field("category", "wo.emergency_category", "choice", True, EMERGENCY_CATEGORIES,
                                       "emergency"),),
              ("pending", "assigned", "appointed", "in_progress", "quoted", "consented", "on_hold", "needs_help")),
    FieldStep("cancel", (REASON,), ("pending", "assigned", "appointed", "needs_help")),
    # the piece an open order is about (a breakdown's lift), named before its completion: the desk, its
    # technician or helper (maintenance's domain.set_equipment; h10, a lift out of service)
    FieldStep("equipment", (Field("equipment_id", "wo.equipment", "pick", True, group="equipment"),),
              ("pending", "assigned", "appointed", "in_progress", "quoted", "consented", "on_hold", "needs_help")),
)
# the orders whose piece is their source's (maintenance's domain.EQUIPMENT_OF_SOURCE): not changed
EQUIPMENT_OF_SOURCE = ("maintenance_plan", "inspection")
FIELD_STEPS_BY_NAME = {step.name: step for step in FIELD_STEPS}


@bp.get("/work-orders")
@estate_needed
def board():
    number = request.args.get("number", "").strip()
    if number:
        found = _order_numbered(number)
        if found:
            return redirect(url_for("engineering.order_detail", order_id=found["id"]))
    if request.args.get("completed_in", "").strip():
        return _completed()
    mine = request.args.get("mine") == "1"
    # one technician's orders, read by maintenance's filter: "mine" the signed-in user's, or the one
    # the supervisor chose from his team's load ("mine" read 200 orders of each status and picked
    # his out: a probe of the engineering department's week)
    chosen = request.args.get("technician", "").strip()[:64]
    technician = OWN if mine else chosen or None
    priority = request.args.get("priority") or None
    late = common.query(*LATE_FILTERS) if request.args.get("overdue") == "true" else {}  # the late ones only
    # the open orders of technicians who left (maintenance's technician_left), for the supervisor to hand on
    late.update({"technician_left": "true"} if request.args.get("technician_left") == "true" else {})
    # the open orders whose helper left (maintenance's helper_left), for the supervisor to give another
    late.update({"helper_left": "true"} if request.args.get("helper_left") == "true" else {})
    columns, more, urgent_cut = {}, [], False
    for status in BOARD_COLUMNS:
        page = g.api.get(g.api.estate(g.user.estate_id, "work-orders"), limit=BOARD_SIZE, status=status,
                         priority=priority, technician=technician, **late)
        orders = [order for order in page.get("items", []) if order.get("status") == status]
        if page.get("next_cursor") and priority is None:
            # a full column still shows its emergencies, however new (they fell off it: a review)
            shown = {order["id"] for order in orders}
            urgent_page = g.api.get(g.api.estate(g.user.estate_id, "work-orders"), limit=BOARD_SIZE, status=status,
                                    priority="emergency", technician=technician, **late)
            urgent_cut = urgent_cut or bool(urgent_page.get("next_cursor"))
            orders += [order for order in urgent_page.get("items", [])
                       if order.get("status") == status and order["id"] not in shown]
        for order in orders:
            order["_badge"] = _badge(order)
            order["_hold_late"] = _hold_late(order, order["_badge"])
        # emergencies first, then the soonest deadline of the work owed (a plan's order by its day: it
        # came last, however late), an appointed one's visit; an order that owes none after them
        orders.sort(key=lambda o: (o.get("priority") != "emergency", _first_owed(o)))
        columns[status] = orders
        if page.get("next_cursor"):
            more.append(status)
    # the board's filters: its export takes them, and the "mine" tab keeps them (it dropped the late
    # orders' filter, and "all" read as the page shown on a filtered board: found by review)
    filters = {**common.query("priority"), **late}
    narrowed = bool(technician or priority or late)
    # the estate's open orders counted (GET …/work-orders/counts): the load and the late ones exact;
    # None when they cannot be read (a 503), and the board counts from its columns as before
    counts = None if late else common.optional_read("work-orders/counts")
    load = None if narrowed else (_load_counted(counts) if counts else _team_load(columns, more, urgent_cut))
    overdue_count = None if late else (_late_counted(counts) if counts else _overdue_count())
    # the leavers' open orders to hand on: the desk's and managers' (a technician hands on only his own)
    left_count = None if narrowed or DISPATCHERS.isdisjoint(g.user.roles) else _left_count()
    helper_left_count = None if narrowed or DISPATCHERS.isdisjoint(g.user.roles) else _left_count("helper_left")
    # 协助: on his own board, the open orders he helps on (they stay their technician's in the columns)
    helping = [order for order in g.api.get(g.api.estate(g.user.estate_id, "work-orders"), limit=BOARD_SIZE,
                                            helper=OWN).get("items", [])
               if order.get("status") not in ("completed", "cancelled")] if mine else []
    return render_template("engineering/board.html", columns=columns, mine=mine, more=more, column_size=BOARD_SIZE,
                           helping=helping,
                           filters=filters, number=number, late=late, chosen=None if mine else chosen or None,
                           this_month=common.this_month(),
                           export_filters={**filters, **({"technician": technician} if technician else {})},
                           load=load, overdue_count=overdue_count, left_count=left_count,
                           helper_left_count=helper_left_count, down=None if narrowed else _out_of_service(),
                           problem=common.take_problem())


DOWN_SHOWN = 50  # the pieces out of service the board lists (a page of the ledger's filter)


def _out_of_service():
    """停运: the estate's pieces out of service now, the longest down first, with since when, why and
    the order each waits on (``GET …/equipment?out_of_service=true``), for who reads the ledger; None
    when it cannot be read. "Which lifts are down now" had no answer (h10, a lift out of service)."""
    if not permissions.may("GET", "equipment"):
        return None
    page = common.optional_read("equipment", out_of_service="true", limit=DOWN_SHOWN)
    if page is None:
        return None
    pieces = [piece for piece in page.get("items", []) if piece.get("out_of_service")]
    pieces.sort(key=lambda piece: piece["out_of_service"]["since"])
    return {"pieces": pieces, "more": bool(page.get("next_cursor"))}


# The orders completed in a month (the estate's local month, as the costs report counts them), of a
# cost category or equipment system: a line of the month's cost opened on its jobs (the costs page
# links each line here). The board's columns are the open statuses; these are a page of the list,
# kept by the pager and the export.
COMPLETED_FILTERS = ("completed_in", "cost_category", "cost_system")
NO_SYSTEM = "none"  # the list's cost_system of the jobs on no equipment (by_system's null line)


def _completed():
    filters = common.query(*COMPLETED_FILTERS)
    # one technician's: "mine" (his day's end: what he completed was found by its number only, a
    # probe of the maintenance technician's day), or the one the supervisor chose
    mine = request.args.get("mine") == "1"
    technician = OWN if mine else request.args.get("technician", "").strip()[:64] or None
    page = g.api.get(g.api.estate(g.user.estate_id, "work-orders"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), technician=technician, **filters)
    export_filters = {**filters, **({"technician": technician} if technician else {})}  # the API's names
    if technician:  # the pager keeps him
        filters = {**filters, **({"mine": "1"} if mine else {"technician": technician})}
    return render_template("engineering/completed.html", items=page.get("items", []),
                           next_cursor=page.get("next_cursor"), filters=filters, export_filters=export_filters,
                           categories=permissions.enum("CostCategory"),
                           systems=[*permissions.enum("EquipmentSystem"), NO_SYSTEM], no_system=NO_SYSTEM)


# The team's load on the full board (班组工作量), from the columns it read: per technician his open
# orders, those past their deadline, the emergencies, and where they stand (to appoint, appointed,
# on site: started, quoted or consented); then what waits for someone (pending, or handed back for
# help). The maintenance supervisor, a technician as the roles have it, saw the tickets one by one
# and no one's load (a probe of the engineering department's week).
# It reads maintenance's counts of the open orders (GET …/work-orders/counts: by technician and
# status, late as the list's overdue=true judges it), exact however many orders a status holds. Only
# when they cannot be read (a 503) is it counted from the columns, each the BOARD_SIZE oldest of its
# status: a count fed by a column cut there says "N+", at least N (common.count_said), where it read
# as exact and a team with more than 200 orders in one status was undercounted; the rest are exact.
ON_SITE = ("in_progress", "quoted", "consented")
WAITING = ("pending", "needs_help")  # the statuses of an order held by no one
LOAD_COUNTS = ("open", "late", "emergency", "to_appoint", "appointed", "on_site", "on_hold")


def _load_counted(counts):
    """The load from maintenance's ``counts``, every count exact: each technician's row (his open
    orders, late, emergencies, to appoint, appointed, on site) and those no one holds."""
    rows = []
    for holder in counts.get("by_technician", []):
        held = lambda *statuses: sum(holder["by_status"].get(status, {}).get("open", 0)  # noqa: E731
                                     for status in statuses)
        rows.append({"technician": holder["technician"], "open": holder["open"], "late": holder["late"],
                     "emergency": holder["emergency"], "to_appoint": held("assigned"), "appointed": held("appointed"),
                     "on_site": held(*ON_SITE), "on_hold": held("on_hold")})
    unassigned = counts.get("unassigned") or {}
    waiting = {"open": unassigned.get("open", 0), "late": unassigned.get("late", 0)}
    if not rows and not waiting["open"]:
        return None
    rows.sort(key=lambda row: (-row["open"], row["technician"]))
    for row in rows:
        row["shown"] = {key: common.count_said(row[key], False) for key in LOAD_COUNTS}
    waiting["shown"] = {key: common.count_said(waiting[key], False) for key in ("open", "late")}
    return {"team": rows, "waiting": waiting, "partial": False}


def _late_counted(counts):
    """How many open orders are late (the counts' ``late``), exact; None when none are."""
    return common.count_said(counts["late"], False) if counts.get("late") else None


def _team_load(columns, cut=(), urgent_cut=False):
    """The load, each row's counts and the waiting ones as shown ("N" or "N+"), from the ``columns``
    read; ``cut``: the statuses whose column went on past its page; ``urgent_cut``: the emergencies
    of a cut column, read apart, went on past theirs too."""
    goes_on = {"open": bool(cut), "late": bool(cut), "emergency": urgent_cut,
               "to_appoint": "assigned" in cut, "appointed": "appointed" in cut,
               "on_site": any(status in cut for status in ON_SITE), "on_hold": "on_hold" in cut}
    waiting_goes_on = any(status in cut for status in WAITING)
    now = datetime.now(timezone.utc)
    late = lambda order: (i18n.parse_time(order.get("deadline_at")) or _NEVER) < now  # noqa: E731
    team, waiting = {}, {"open": 0, "late": 0}
    for status, orders in columns.items():
        for order in orders:
            holder = order.get("technician")
            if not holder:
                waiting["open"] += 1
                waiting["late"] += late(order)
                continue
            row = team.setdefault(holder, {"technician": holder, "open": 0, "late": 0, "emergency": 0,
                                           "to_appoint": 0, "appointed": 0, "on_site": 0, "on_hold": 0})
            row["open"] += 1
            row["late"] += late(order)
            row["emergency"] += order.get("priority") == "emergency"
            row["to_appoint"] += status == "assigned"
            row["appointed"] += status == "appointed"
            row["on_site"] += status in ON_SITE
            row["on_hold"] += status == "on_hold"
    if not team and not waiting["open"]:
        return None
    rows = sorted(team.values(), key=lambda row: (-row["open"], row["technician"]))
    for row in rows:
        row["shown"] = {key: common.count_said(row[key], goes_on[key]) for key in LOAD_COUNTS}
    waiting["shown"] = {key: common.count_said(waiting[key], waiting_goes_on) for key in ("open", "late")}
    return {"team": rows, "waiting": waiting, "partial": bool(cut)}


# The board's filters of late orders, as the API takes them (GET …/work-orders): ``overdue=true``, and
# ``promise_overdue=false`` from the manager's start page (the owners' repairs past their promise are
# his line of overdue repairs; ``exclude_source_type=service_request`` left every owner's repair out
# before, and a link kept from then still reads so).
LATE_FILTERS = ("overdue", "promise_overdue", "exclude_source_type")
OVERDUE_READ = 100  # late orders counted up to this many; more reads "100+"


def _overdue_count():
    """How many orders are past their deadline (maintenance's ``overdue``: of every source), as
    "N" or "100+"; None when there are none or they cannot be read. Only the board's red badges
    said so, one ticket at a time (a probe of the engineering department)."""
    page = common.optional_read("work-orders", overdue="true", limit=OVERDUE_READ)
    if not isinstance(page, dict) or not page.get("items"):
        return None
    return common.counted(page["items"], page)


def _left_count(flag="technician_left"):
    """How many open orders technicians who left still hold (maintenance's ``technician_left=true``:
    his account switched off, the role or the estate taken away), or with ``flag`` ``helper_left``
    still name as their helper (协助), as "N" or "100+"; None when none or they cannot be read. They
    stayed his, seen by no one; nothing hands them on by itself."""
    page = common.optional_read("work-orders", **{flag: "true"}, limit=OVERDUE_READ)
    if not isinstance(page, dict) or not page.get("items"):
        return None
    return common.counted(page["items"], page)


_NEVER = datetime.max.replace(tzinfo=timezone.utc)


def _first_owed(order):
    """When an order of the board is owed first: an appointed one at its visit, agreed with the
    occupant (a technician plans his day by them, and a visit at 17:00 came above one at 09:00: a
    probe of the maintenance technician's day), any other by the deadline of the work it owes."""
    visit = (order.get("appointment") or {}).get("at") if order.get("status") == "appointed" else None
    return i18n.parse_time(visit or order.get("deadline_at")) or _NEVER


def _hold_late(order, badge):
    """Whether an order on hold is past the day it was expected back: the board and the order page
    say so, the hold hiding nothing. Maintenance's ``deadline_at`` says it (on hold: the end of the
    hold's ``expected_on`` on the estate's clock, what ``overdue=true`` and the sweep read), where the
    console read ``expected_on`` against its own clock, a second copy of that rule (review r4). ``badge``:
    the order's ``_badge``, which the page has drawn already."""
    return bool(order.get("hold")) and badge == "late"


def _badge(order):
    """The deadline's badge while the order owes work: maintenance's ``deadline_at`` (the deadline
    its ``overdue`` reads: a plan's job by the end of its day until it is done, a response until
    the first start; null once nothing is owed), against the report. The console repeated that rule
    (``due_on``, ``started_at``, the status) to draw it, one rule in two places (found by review)."""
    return common.deadline_state(order.get("deadline_at"), order.get("reported_at"))


def _order_numbered(number):
    """The order with the number as typed (the API reads ``wo-2026-42`` as WO-2026-000042), or
    None: the board shows the latest orders only, and an older one an occupant quotes could be
    found by no one (found by a domain audit)."""
    # a 400 is a text of no number's form (typed into the address): none has it
    return common.numbered("work-orders", number, none_if=lambda problem: problem.status == 400)


MATERIAL_ROWS = 5  # the completion form's material lines (it had 2: a job of three parts could not be entered)


@bp.get("/work-orders/<order_id>")
@estate_needed
def order_detail(order_id):
    order = g.api.get(g.api.estate(g.user.estate_id, f"work-orders/{order_id}"))
    # the flat the job is in (the page did not say: found by review)
    household = common.household_or_none(order["household_id"]) if order.get("household_id") else None
    field_steps = [step for step in FIELD_STEPS if order.get("status") in step.when
                   and not (step.name == "mark-emergency" and order.get("priority") == "emergency")
                   and permissions.may("POST", f"work-orders/{{work_order_id}}/{step.name}")]
    steps = [step for step in STEPS if order.get("status") in STEP_STATUSES[step]
             and permissions.may("POST", f"work-orders/{{work_order_id}}/{step}")
             # 转单 is before the work starts: one begun, back at appointed by a new appointment, is a
             # 409 (maintenance's domain.assign; found by review)
             and not (step == "assign" and order.get("status") == "appointed" and order.get("started_at"))]
    # the request it came from by its number, never its id: the number the order keeps (a technician
    # who may not read the request saw its internal id: found by review), linked when the user
    # reads the request (one call: a technician reads those his orders come from, a 404 otherwise)
    repair = common.optional_read(f"service-requests/{order['request_id']}") if order.get("request_id") else None
    readable = (repair or {}).get("number")
    request_number = order.get("request_number") or readable
    # the equipment a plan's or an inspection's order is for, by its code and name, linked (one
    # call, for a role that reads the ledger), and the earlier order a follow-up follows by its
    # number: the page named neither, the history only (a probe of the console's small gaps)
    equipment = common.optional_read(f"equipment/{order['equipment_id']}", records="none") \
        if order.get("equipment_id") and permissions.may("GET", "equipment/{equipment_id}") else None
    follows_number = common.number_of(f"work-orders/{order['follows_work_order_id']}") \
        if order.get("follows_work_order_id") else None
    others, badge = _held_by_another(order), _badge(order)
    if not _may_name_equipment(order, others):
        field_steps = [step for step in field_steps if step.name != "equipment"]
    if others:  # his hands' steps are the technician's the order is assigned to (or a manager's)
        # and its helper's, who records the work (协助)
        kept = HELPER_STEPS if order.get("helper") == g.user.username else frozenset()
        if "maintenance_supervisor" in g.user.roles:  # he hands on his team's orders (domain.SUPERVISOR_STEPS)
            kept = kept | SUPERVISOR_STEPS
        field_steps = [step for step in field_steps if step.name not in ASSIGNEE_STEPS - kept]
        steps = [step for step in steps if step not in ASSIGNEE_STEPS - kept]
    technicians, hand_over = [], False
    if "assign" in steps and DISPATCHERS & set(g.user.roles):
        technicians = common.usernames("technicians")
    elif "assign" in steps:
        # a technician: an order no one holds he takes for himself only; his own he hands to a
        # colleague (转单: he could only ask for help, which gave it back to nobody, a probe of the
        # maintenance technician's day); another's is not his to assign. The colleagues are read only then
        holder = order.get("technician")
        hand_over = holder == g.user.username
        if hand_over:
            technicians = [name for name in common.usernames("technicians") if name != holder]
        elif not holder:
            technicians = [g.user.username]
    if not technicians or technicians == [order.get("technician")]:
        # none to choose, or the one holding it: the same assignment again does nothing
        # (maintenance's domain.assign); a 派工 form listing him alone was offered on every order
        # of his (a probe)
        if "assign" in steps and (technicians or DISPATCHERS.isdisjoint(g.user.roles)):
            steps.remove("assign")
        technicians = []
    # the piece a repair was done on, named at its sign-off so the equipment's ledger records the repair
    # and its order (maintenance's completion with equipment_id): the form offered none, and the repairs
    # of lifts and pumps were missing from their ledgers (a probe of the maintenance supervisor's month);
    # a plan's or an inspection's order is of its equipment already
    equipment_picks = common.pick_names(PICK_SOURCES["equipment"]) \
        if "complete" in steps and not order.get("equipment_id") and permissions.may("GET", "equipment") else {}
    # the pieces to name it by (its equipment step), the same read as the sign-off's when both are offered
    picks = {"equipment": equipment_picks or common.pick_names(PICK_SOURCES["equipment"])} \
        if any(step.name == "equipment" for step in field_steps) else None
    return render_template("engineering/order.html", order=order, problem=common.take_problem(), key=common.form_key(),
                           technicians=technicians, equipment_picks=equipment_picks, picks=picks,
                           may_take_out=bool(equipment) and not equipment.get("out_of_service")
                           and order.get("status") not in ("completed", "cancelled")
                           and permissions.may("POST", "equipment/{equipment_id}/out-of-service"),
                           hand_back=_handed_back_first(order),
                           # the one choice the user himself: he takes the order on (an unassigned one, or
                           # one he asked help for back), which the form says
                           assign_self=technicians == [g.user.username] and not hand_over, hand_over=hand_over,
                           household_label=common.household_label(household), request_number=request_number,
                           cause_flat=_cause_flat(order, household), cause_parties=CAUSE_PARTIES,
                           history=common.households_shown(order.get("history") or [], {
                               order["household_id"]: common.household_label(household)} if household else None),
                           request_readable=readable is not None, equipment=equipment,
                           # who called about the repair, from the same read: the technician agrees
                           # the visit with the occupant and had to open the request to find who
                           # (a probe of the repair chain); in full for the one the request names as
                           # its open order's technician, masked for the others (the gateway's)
                           raised_by=desk.raised_by(repair) if repair else None, repair_read=repair is not None,
                           follows_number=follows_number,
                           material_rows=MATERIAL_ROWS,
                           field_steps=field_steps, steps=steps,
                           custom_definitions=common.custom_fields("work_order"), form=common.custom_form(order),
                           badge=badge, held_by_another=others, hold_late=_hold_late(order, badge),
                           people={"technicians": [name for name in common.usernames("technicians")
                                                   if name != order.get("technician")]}
                           if any(step.name == "add-helper" for step in field_steps) else None)


# The steps only the technician an order is assigned to takes, or a manager (maintenance's
# ``domain.ASSIGNEE_STEPS``): a colleague opening the order was offered its quote, sign-off, new
# appointment and help, each a 403 once filled in (a probe of the engineering department's week).
ASSIGNEE_STEPS = frozenset({"appoint", "reappoint", "start", "quote", "complete", "request-help", "hold", "resume",
                            "add-helper"})
# the steps the order's helper takes too, recording the work (maintenance's domain.HELPER_STEPS)
HELPER_STEPS = frozenset({"start", "quote", "hold", "resume", "complete"})
# what the maintenance supervisor takes on a colleague's order: back for dispatch, a helper added
# (maintenance's domain.SUPERVISOR_STEPS; h5)
SUPERVISOR_STEPS = frozenset({"request-help", "add-helper"})


def _may_name_equipment(order, others):
    """Whether the page offers the order's equipment step: to who may read the ledger's pieces, the
    desk that dispatches it, its technician or helper (maintenance's ``check_hands``), not on a plan's
    or an inspection's job, whose piece is its source's."""
    if (order.get("source") or {}).get("type") in EQUIPMENT_OF_SOURCE and order.get("equipment_id"):
        return False
    if not permissions.may("GET", "equipment"):
        return False
    return not others or order.get("helper") == g.user.username or bool(DISPATCHERS & set(g.user.roles))


def _handed_back_first(order):
    """Whether an order of a technician who left (``technician_left``) is handed back for help before
    it is handed on: its work started, maintenance's assign is a 409 (from in_progress, quoted,
    consented, on_hold, or appointed again after its start); the page told the supervisor to hand it
    on, and offered no assignment (found by review)."""
    return bool(order.get("technician_left")) and (
        order.get("status") not in STEP_STATUSES["assign"]
        or (order.get("status") == "appointed" and bool(order.get("started_at"))))


def _held_by_another(order):
    """Whether the order is assigned to a technician who is not the signed-in user, who is no
    manager either: its hands' steps are not his."""
    holder = order.get("technician")
    return bool(holder) and holder != g.user.username and not MANAGEMENT & set(g.user.roles)


@bp.get("/equipment/<item_id>")
@estate_needed
def equipment_detail(item_id):
    """One piece of equipment of the ledger with its history, newest first a page at a time
    (``…/records``: a daily inspection adds 365 records a year, which made the page one table of
    every record ever made); its forms are the ledger's (``registers``), which bring the technician
    back here."""
    path = g.api.estate(g.user.estate_id, f"equipment/{item_id}")
    equipment = g.api.get(path, records="none")  # its details: the table below pages its records
    page = g.api.get(f"{path}/records", limit=common.PAGE_SIZE, cursor=request.args.get("cursor"),
                     newest_first="true")
    ledger = BY_SLUG["equipment"]
    return render_template("engineering/equipment.html", equipment=equipment, ledger=ledger,
                           actions=registers.offered(ledger),
                           records=page.get("items", []), next_cursor=page.get("next_cursor"),
                           custom_definitions=common.custom_fields("equipment"), form=common.custom_form(equipment),
                           key=common.form_key(), problem=common.take_problem())


@bp.get("/parts/<item_id>")
@estate_needed
def part_detail(item_id):
    """One part of the store (备品备件) with its movements, newest first a page at a time (``…/movements``:
    a busy part's history, which its own document no longer carries whole, h2); its forms are the parts
    register's (receive, issue, return, count, edit), which bring the storekeeper back here."""
    path = g.api.estate(g.user.estate_id, f"parts/{item_id}")
    part = g.api.get(path)
    page = g.api.get(f"{path}/movements", limit=common.PAGE_SIZE, cursor=request.args.get("cursor"),
                     newest_first="true")
    register = BY_SLUG["parts"]
    return render_template("engineering/part.html", part=part, register=register,
                           actions=registers.offered(register), movements=page.get("items", []),
                           next_cursor=page.get("next_cursor"), problem=common.take_problem())


# 停运: a piece out of service (by hand, or for the open order that names it) and back in service; 报废 /
# 停用: retired for good from a day (h6)
SERVICE_STEPS = ("out-of-service", "back-in-service", "retire")


@bp.post("/equipment/<item_id>/service/<service_step>")
@estate_needed
def equipment_service(item_id, service_step):
    """The equipment page's (and an order's) 停运 and 恢复运行 forms, and the page's 报废/停用: back to the
    page they were sent from (an order's when they name it)."""
    order_id = request.form.get("work_order_id", "").strip()
    back = url_for("engineering.order_detail", order_id=order_id) if order_id and request.form.get("from") == "order" \
        else url_for("engineering.equipment_detail", item_id=item_id)
    if service_step not in SERVICE_STEPS:
        return redirect(back)
    if service_step == "out-of-service":
        body = {"reason": request.form.get("reason", "").strip(), **({"work_order_id": order_id} if order_id else {}),
                **({"until_checked": True} if order_id and request.form.get("until_checked") else {})}
    elif service_step == "retire":
        body = {name: request.form.get(name, "").strip() for name in ("kind", "on", "reason")}
    else:
        note = request.form.get("note", "").strip()
        body = {"note": note} if note else {}
    return common.post_and_back(f"equipment/{item_id}/{service_step}", body, back, f"eq.done_{service_step}",
                                idempotency_key=request.form.get("idempotency_key") or None)


@bp.post("/work-orders/<order_id>/<step>")
@estate_needed
def order_step(order_id, step):
    back = url_for("engineering.order_detail", order_id=order_id)
    if step not in STEPS and step not in FIELD_STEPS_BY_NAME:
        return redirect(back)
    # a refused step comes back as typed: a refused sign-off lost its materials, costs and
    # signature (found by review)
    typed = common.row_form_to_keep(order_id, step)
    try:  # a field typed wrong (a start's arrival among them) is told at its input
        body = registers.body_of(FIELD_STEPS_BY_NAME[step].fields, request.form) if step in FIELD_STEPS_BY_NAME \
            else _body(step, request.form)
    except registers.BadInput as bad:
        common.show_problem(ApiProblem(400, bad.message, errors=[{"field": bad.field, "message": bad.message}]))
        session["typed"] = typed
        return redirect(back)
    if body is None:
        common.show_problem(common.ApiProblem(400, i18n.translate("error.amount")))
        session["typed"] = typed
        return redirect(back)
    # each step's form carries a key: sent again, it answers the first (a 409 before, "already
    # completed", for a sign-off that went through); a start's second click refused while the
    # first is answered, or after a key's record expired, is told it did nothing (common.Reached)
    reached = common.Reached(f"work-orders/{order_id}", lambda found: found.get("status") == "in_progress",
                             "wo.already_started") if step == "start" else None
    return common.post_and_back(f"work-orders/{order_id}/{step}", body, back, f"wo.done_{step}",
                                idempotency_key=request.form.get("idempotency_key") or None, typed=typed,
                                reached=reached, said=_appointment_said(step) if "at" in body else None)


def _appointment_said(step):
    """An appointment's notice from the order it answers: made, and, when the time agreed is after
    the order's deadline (``deadline_at``: its first start owed by then), that the order will count
    late. Maintenance takes it (the occupant's availability rules), and the form took it without a
    word (a review)."""
    def said(order):
        due, at = order.get("deadline_at"), (order.get("appointment") or {}).get("at")
        if due and at and i18n.parse_time(at) > i18n.parse_time(due):
            return f"wo.done_{step}_late", {"at": i18n.deadline(due)}
        return f"wo.done_{step}", {}
    return said


def _body(step, form):
    """The step's JSON body from its form; None when an amount cannot be read."""
    if step == "assign":
        return {"technician": form.get("technician", "").strip()}
    if step == "start":  # 到场时间补录 (h7): when he got there, on the display clock; blank: now
        return registers.body_of((STARTED_AT,), form) if form.get("started_at", "").strip() else {}
    if step == "consent":  # to the quote the page showed: a re-quote since is refused, not agreed to
        version = common.whole_number(form.get("quote_version"), digits=9)
        return {"by": form.get("by", "").strip(), **({} if version is None else {"quote_version": version})}
    if step == "quote":
        names = form.getlist("item_name")
        amounts = [i18n.cents_from_yuan(value) for value in form.getlist("item_amount")]
        items = [{"name": name.strip(), "amount_cents": amount}
                 for name, amount in zip(names, amounts) if name.strip()]
        if any(item["amount_cents"] is None for item in items):
            return None
        return {"amount_cents": sum(item["amount_cents"] for item in items), "items": items}
    # complete
    charge = i18n.cents_from_yuan(form.get("charge") or "0")
    if charge is None:
        return None
    # the materials' unit costs and the labour are what cost control counts: without them every
    # order completed here cost ¥0 (found by review)
    materials = []
    costs = form.getlist("material_unit_cost") or [""] * len(form.getlist("material_name"))
    for name, qty, cost in zip(form.getlist("material_name"), form.getlist("material_qty"), costs):
        if name.strip():
            try:
                typed = common.number_typed(qty)
            except ValueError:
                return None
            # a blank quantity is one; a 0 goes to the API, which refuses it (it was sent as 1, and
            # cost control counted a bulb never used: a probe)
            material = {"name": name.strip(), "qty": 1 if typed is None else typed}
            if cost.strip():
                material["unit_cost_cents"] = i18n.cents_from_yuan(cost)
                if material["unit_cost_cents"] is None:
                    return None
            materials.append(material)
    body = {"materials": materials, "charge_cents": charge}
    if form.get("signed_by", "").strip():  # an order of no household has none (maintenance asks a household's)
        body["signed_by"] = form["signed_by"].strip()
    if form.get("contractor", "").strip():  # 维保单位: the outside contractor that did it (h5)
        body["contractor"] = form["contractor"].strip()
    if form.get("collected_on_site"):  # taken at the door (a charge's alone: maintenance refuses one of none)
        body["collected_on_site"] = True
    labour = form.get("labour_minutes", "").strip()
    if labour:
        minutes = common.whole_number(labour)
        if minutes is None:
            return None
        body["labour_minutes"] = minutes
    if form.get("summary", "").strip():
        body["summary"] = form["summary"].strip()
    if form.get("equipment_id", "").strip():
        body["equipment_id"] = form["equipment_id"].strip()
    cause = _cause(form)
    if cause:
        body["cause"] = cause
    return body


# 原因及责任方 (h5: a completion names the cause of the fault, which a damage claim registered from the
# order takes as its responsibility; the form offered none, h9): its parts as the API takes them
# (WorkOrderCause), who may be named and with what being maintenance's (estate_common.responsibility, 422)
CAUSE_PARTS = ("party", "household_id", "third_party", "note")
CAUSE_PARTIES = ("owner", "operator", "third_party")


def _cause(form):
    """The completion's ``cause`` from its inputs ``cause.<part>``, the blank ones left out; None when
    none is typed (the cause is optional). An owner's flat is typed as lists show it (3-1-1801) and read
    as the household for one who may read them, else sent as typed (the API's 422 names it)."""
    cause = {part: form.get(f"cause.{part}", "").strip() for part in CAUSE_PARTS}
    cause = {part: value for part, value in cause.items() if value}
    if cause.get("household_id") and permissions.may("GET", "households"):
        cause["household_id"] = common.household_typed(cause["household_id"])
    return cause or None


def _cause_flat(order, household):
    """The flat an order's cause names (an owner's), as text: the order's own flat from its read, another
    read once; "another household" when it cannot be read (never its internal id)."""
    named = (order.get("cause") or {}).get("household_id")
    if not named:
        return ""
    if household and household.get("id") == named:
        return common.household_label(household)
    return common.household_label(common.household_or_none(named)) or i18n.translate("history.other_household")


@bp.post("/work-orders/<order_id>/custom")
@estate_needed
def order_custom(order_id):
    """The order's custom values (orders come from events with none): ``POST …/work-orders/{id}/custom``."""
    return common.save_custom("work_order", f"work-orders/{order_id}/custom",
                              url_for("engineering.order_detail", order_id=order_id))


def _month_asked():
    """The month asked of a month page (YYYY-MM, the API's form: ``common.MONTH``), else "" (the API's
    month now): any text in the address was sent, 1899-12 too, and the API's 400 was the page (found
    by r5 reviewing h5)."""
    period = request.args.get("period", "").strip()
    return period if common.MONTH.match(period) else ""


@bp.get("/costs")
@estate_needed
def costs():
    """The month's maintenance costs against its budget, as the API adds them up."""
    period = _month_asked()
    report = g.api.get(g.api.estate(g.user.estate_id, "costs"), period=period or None)
    return render_template("engineering/costs.html", report=report, period=period or report.get("period", ""),
                           problem=common.take_problem())


@bp.get("/emergencies")
@estate_needed
def emergencies():
    """A month's emergency repairs (``GET …/emergency-repairs``): each with its response judged and its
    incident summary, the open ones owing it."""
    period = _month_asked()
    month = g.api.get(g.api.estate(g.user.estate_id, "emergency-repairs"), period=period or None)
    return render_template("engineering/emergencies.html", month=month, period=period or month.get("period", ""),
                           releases=_entrapment_releases(month))


def _entrapment_releases(month):
    """电梯困人解救 (h1, the typhoon's leftovers): the month's emergencies showed an entrapment's order
    and its response, not when the passengers were out. ``{order id: incident}`` of the orders that
    serve an elevator entrapment of the month (its own order, source ``incident``, or the anomaly's it
    took over), each incident with its ``release`` (security's record, read as the incident page reads
    it); None for one who may not read incidents (a technician) or when they cannot be read. The month's
    line carries the release itself since h7 (``release``, maintenance's copy): shown to everyone, this
    read adds the link to the incident and an entrapment still owed, and the release of a maintenance
    that does not carry it yet."""
    orders = [o for o in month.get("items", []) if (o.get("source") or {}).get("type") in ("incident", "patrol_anomaly")]
    if not orders or not month.get("period") or not permissions.may("GET", "incidents"):
        return None
    page = common.optional_read("incidents", type="elevator_entrapment", period=month["period"],
                                limit=common.LARGEST_PAGE)
    if page is None:
        return None
    by_source = {}
    for incident in page.get("items", []):
        by_source[incident["id"]] = incident
        if incident.get("anomaly_id"):
            by_source[incident["anomaly_id"]] = incident
    # an entrapment's own order reported in this month (when the incident opened) of an entrapment that
    # happened in the month before (23:50 on its last day, opened after midnight or written up the morning
    # after): read by itself, where its row read — (review r1 of h1)
    for order in orders:
        source = order["source"]
        if (source["type"] == "incident" and source.get("id") not in by_source
                and order.get("emergency_category") == "elevator_entrapment"):
            incident = common.optional_read(f"incidents/{source['id']}")
            if incident and incident.get("type") == "elevator_entrapment":
                by_source[source["id"]] = incident
    return {o["id"]: by_source[o["source"]["id"]] for o in orders if o["source"].get("id") in by_source}


@bp.get("/preventive")
@estate_needed
def preventive():
    """A month of preventive maintenance (``GET …/preventive-maintenance``): each plan's due dates and
    what became of each, the late and the coming ones linked to their order or inspection."""
    period = _month_asked()
    month = g.api.get(g.api.estate(g.user.estate_id, "preventive-maintenance"), period=period or None)
    return render_template("engineering/preventive.html", month=month, period=period or month.get("period", ""))


@bp.post("/budgets/<period>")
@estate_needed
def set_budget(period):
    back = url_for("engineering.costs", period=period)
    amount = i18n.cents_from_yuan(request.form.get("amount"))
    if amount is None:
        common.show_problem(ApiProblem(400, i18n.translate("error.yuan"),
                                       errors=[{"field": "amount", "message": i18n.translate("error.yuan")}]))
        return redirect(back)
    _, refused = common.act(lambda: g.api.put(g.api.estate(g.user.estate_id, f"budgets/{period}"),
                                              {"amount_cents": amount}), back)
    if refused:
        return refused
    common.done("costs.budget_set")
    return redirect(back)


# -- the equipment ledger from a CSV register (设备台账导入: maintenance/equipment_imports.py) ---------

@bp.get("/equipment/import")
@estate_needed
def equipment_import_form():
    """An estate taken on brings its register of shared equipment: a CSV file imported in a job
    (each row as a piece created by hand would be, the code its natural key)."""
    return render_template("engineering/equipment_import.html", job=None, key=common.form_key(),
                           problem=common.take_problem())


@bp.post("/equipment/import")
@estate_needed
def start_equipment_import():
    job, refused = common.uploaded_import("equipment/import", common.CSV_ONLY, "equipment_import.wrong_file",
                                          url_for("engineering.equipment_import_form"))
    if refused:
        return refused
    return redirect(url_for("engineering.equipment_import_progress", job_id=job["id"]))


@bp.get("/equipment/import/<job_id>")
@estate_needed
def equipment_import_progress(job_id):
    job = g.api.get(f"/api/v1/jobs/{job_id}")
    return render_template("engineering/equipment_import.html", job=job, key=common.form_key(), problem=None)
