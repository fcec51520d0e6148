"""Engineering's inspection checklists (巡检表) and the inspections done with them.

A manager defines a checklist (its name, target and items: pass/fail ones, and readings with a
unit and the lowest / highest value that passes); engineering opens an inspection of a piece of
equipment or a location with it, and completes it with a result per item. Which result fails,
the findings and the work orders they open are the API's (``POST …/inspections/{id}/complete``):
the console shows them, and the orders it opened (``GET …/work-orders?inspection_id=``)."""

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from .. import i18n
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common

bp = Blueprint("inspections", __name__, url_prefix="/engineering")

TARGETS = ("equipment", "location")
ITEM_KINDS = ("pass_fail", "reading")
INSPECTION_STATUSES = ("open", "completed", "cancelled")  # cancelled: a plan's, its piece retired (h4)
ITEM_ROWS = 8  # blank item rows of the checklist form (rows left blank are not sent)
PICK_LIMIT = 200  # checklists and equipment offered by the "open an inspection" form


def _path(rest):
    return g.api.estate(g.user.estate_id, rest)


def _refused(problem):
    """A refusal to show on the form (a 4xx); an expired session or a gateway down go on up."""
    if problem.status >= 500 or problem.status == 401:
        raise problem
    return problem


def _bad_number(field):
    message = i18n.translate("error.number")
    return ApiProblem(400, message, errors=[{"field": field, "message": message}])


# -- checklists ----------------------------------------------------------------------------------

@bp.get("/checklists")
@estate_needed
def checklists(problem=None):
    target = request.args.get("target", "").strip()
    target = target if target in TARGETS else ""
    page = g.api.get(_path("checklists"), limit=common.PAGE_SIZE, cursor=request.args.get("cursor"),
                     target=target or None)
    return render_template("engineering/checklists.html", items=page.get("items", []),
                           next_cursor=page.get("next_cursor"), filters={"target": target} if target else {},
                           target=target, targets=TARGETS, kinds=ITEM_KINDS, rows=range(ITEM_ROWS),
                           key=common.form_key(), form=request.form, problem=problem or common.take_problem())


def _checklist_body(form):
    """The ``ChecklistCreate`` body of the form; ApiProblem (400 naming ``items[n].min``...) for a
    limit that is not a number. Rows without a code and a label are left out."""
    items = []
    codes, labels, kinds = form.getlist("item_code"), form.getlist("item_label"), form.getlist("item_kind")
    lows, highs, units = form.getlist("item_min"), form.getlist("item_max"), form.getlist("item_unit")
    lines = form.getlist("item_upkeep_line")  # a contractor's line: failed, its finding, no work order (h2)
    for row, (code, text, kind) in enumerate(zip(codes, labels, kinds)):
        if not code.strip() and not text.strip():
            continue
        index = len(items)
        item = {"code": code.strip(), "label": text.strip(), "kind": kind}
        if kind == "reading":
            for name, values in (("min", lows), ("max", highs)):
                try:
                    value = common.number_typed(values[row] if row < len(values) else "")
                except ValueError:
                    raise _bad_number(f"items[{index}].{name}") from None
                if value is not None:
                    item[name] = value
            unit = (units[row] if row < len(units) else "").strip()
            if unit:
                item["unit"] = unit
        line = (lines[row] if row < len(lines) else "").strip()
        if line:
            item["upkeep_line"] = line
        items.append(item)
    return {"name": form.get("name", "").strip(), "target": form.get("target", ""), "items": items}


@bp.post("/checklists")
@estate_needed
def create_checklist():
    form = request.form
    try:
        body = _checklist_body(form)
        created = g.api.post(_path("checklists"), body, idempotency_key=form.get("idempotency_key") or None)
    except ApiProblem as problem:
        return checklists(_refused(problem)), problem.status
    common.done("checklist.created", name=created.get("name", ""))
    return redirect(url_for("inspections.checklists"))


def _as_typed(checklist):
    """A checklist's name and items as the form types them (the edit's first showing)."""
    typed = MultiDict({"name": checklist.get("name", "")})
    for item in checklist.get("items", []):
        for name in ("code", "label", "kind", "min", "max", "unit", "upkeep_line"):
            value = item.get(name)
            typed.add(f"item_{name}", "" if value is None else str(value))
    return typed


@bp.get("/checklists/<checklist_id>/edit")
@estate_needed
def edit_checklist(checklist_id, problem=None, form=None):
    """A checklist's name and items changed before it is used (an operator's 防汛防台 checklist made the
    estate's own): the API refuses one in use (409), shown here with what was typed."""
    checklist = g.api.get(_path(f"checklists/{checklist_id}"))
    typed = form if form is not None else _as_typed(checklist)
    return render_template("engineering/checklist_edit.html", checklist=checklist, form=typed, kinds=ITEM_KINDS,
                           rows=range(max(ITEM_ROWS, len(typed.getlist("item_code")) + 2)), problem=problem)


@bp.post("/checklists/<checklist_id>/edit")
@estate_needed
def update_checklist(checklist_id):
    form = request.form
    try:
        body = _checklist_body(form)
        del body["target"]  # kept: the API changes the name and the items
        edited = g.api.patch(_path(f"checklists/{checklist_id}"), body)
    except ApiProblem as problem:
        return edit_checklist(checklist_id, _refused(problem), form), problem.status
    common.done("checklist.edited", name=edited.get("name", ""))
    return redirect(url_for("inspections.checklists"))


# -- inspections ---------------------------------------------------------------------------------

@bp.get("/inspections")
@estate_needed
def index(problem=None):
    status = request.args.get("status", "").strip()
    status = status if status in INSPECTION_STATUSES else ""
    page = g.api.get(_path("inspections"), limit=common.PAGE_SIZE, cursor=request.args.get("cursor"),
                     status=status or None)
    lists = g.api.get(_path("checklists"), limit=PICK_LIMIT).get("items", [])
    try:
        equipment = g.api.get(_path("equipment"), limit=PICK_LIMIT).get("items", [])
    except ApiProblem as refused:
        _refused(refused)
        equipment = []
    return render_template("engineering/inspections.html", items=page.get("items", []),
                           next_cursor=page.get("next_cursor"), filters={"status": status} if status else {},
                           status=status, statuses=INSPECTION_STATUSES, checklists=lists, equipment=equipment,
                           key=common.form_key(), form=request.form, problem=problem or common.take_problem())


@bp.post("/inspections")
@estate_needed
def open_inspection():
    form = request.form
    body = {"checklist_id": form.get("checklist_id", "")}
    # the checklist's target decides which one the API takes; the other is left out
    if form.get("equipment_id", "").strip():
        body["equipment_id"] = form["equipment_id"].strip()
    if form.get("location", "").strip():
        body["location"] = form["location"].strip()
    try:
        opened = g.api.post(_path("inspections"), body, idempotency_key=form.get("idempotency_key") or None)
    except ApiProblem as problem:
        return index(_refused(problem)), problem.status
    common.done("inspection.opened")
    return redirect(url_for("inspections.detail", inspection_id=opened["id"]))


@bp.get("/inspections/<inspection_id>")
@estate_needed
def detail(inspection_id, problem=None):
    inspection = g.api.get(_path(f"inspections/{inspection_id}"))
    orders = []
    if inspection.get("status") == "completed" and inspection.get("findings"):
        orders = g.api.get(_path("work-orders"), inspection_id=inspection_id, limit=PICK_LIMIT).get("items", [])
    results = {result["code"]: result for result in inspection.get("results") or []}
    return render_template("engineering/inspection.html", inspection=inspection, results=results, orders=orders,
                           form=request.form, problem=problem or common.take_problem())


def _results(inspection, form):
    """One ``InspectionResultInput`` per item, in the items' order (so the API's ``results[n]``
    names the n-th item); ApiProblem for a reading that is not a number."""
    results = []
    for index, item in enumerate(inspection.get("items", [])):
        code = item["code"]
        result = {"code": code}
        if item.get("kind") == "reading":
            try:
                result["reading"] = common.number_typed(form.get(f"reading.{code}"))
            except ValueError:
                raise _bad_number(f"results[{index}].reading") from None
        else:
            answer = form.get(f"passed.{code}", "")
            result["passed"] = True if answer == "true" else False if answer == "false" else None
        note = form.get(f"note.{code}", "").strip()
        if note:
            result["note"] = note
        results.append(result)
    return results


@bp.post("/inspections/<inspection_id>/complete")
@estate_needed
def complete(inspection_id):
    inspection = g.api.get(_path(f"inspections/{inspection_id}"))
    try:
        body = {"results": _results(inspection, request.form)}
        completed = g.api.post(_path(f"inspections/{inspection_id}/complete"), body)
    except ApiProblem as problem:
        return detail(inspection_id, _refused(problem)), problem.status
    found = len(completed.get("findings") or [])
    common.done("inspection.completed_findings" if found else "inspection.completed_clean", count=found)
    return redirect(url_for("inspections.detail", inspection_id=inspection_id))
