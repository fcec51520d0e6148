"""One household (front desk, archivists, managers): edit it (area, status, the owner's details,
its custom values, ``PATCH`` with the version shown), its people (owner, tenants, family: add one, one leaves), the
owner's transfer, status changes (move-in, renovation, move-out), the unit's takeover and handover
(接管验收 / 交房: the checklist and its documents), the inspections of a vacant unit (each
problem with the repair request it opened) and the latest owner contacts.

Each form posts to its documented route; a refusal re-renders the page with the problem's field
errors next to that form's inputs and what was typed. Which step is allowed, the outcome of a
checklist and the repair requests a vacant-unit inspection opens are the API's."""

import re

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for

from .. import i18n, menu, permissions
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import accounts, common

bp = Blueprint("households", __name__, url_prefix="/households")

STATUSES = ("vacant", "occupied", "renovating")
RELATIONS = ("owner", "tenant", "family")
ARRIVING = ("tenant", "family")
# a renovation starts with its application's works (archive refuses the household's own step: no review,
# no renovation), so the form offers its end alone (it offered 开始装修: a probe of the steward's month)
STEPS = ("move_in", "move_out", "renovation_end")
# who corrects a status into or out of renovating (archive's ``occupants.RENOVATION_CORRECTORS``: the
# steward's correction was a renovation with no application, or ended with no joint acceptance; a
# review, r2): the others' edit offers the statuses they may set
RENOVATION_CORRECTORS = menu.ARCHIVES


def _statuses_offered(status):
    if RENOVATION_CORRECTORS & set(g.user.roles):
        return STATUSES
    return ("renovating",) if status == "renovating" else tuple(s for s in STATUSES if s != "renovating")
HANDOVER_KINDS = ("takeover", "handover")
# meter readings at a handover or a sale (交房抄表 / 过户抄表): archive's meter_readings.METER_KINDS, OCCASIONS
METER_KINDS = ("water", "electricity", "gas")
METER_OCCASIONS = ("handover", "transfer", "move_out")
CHECK_ROWS = 20  # blank checklist rows of a takeover / handover (blank ones are not sent): a buyer lists 5-15 defects (验房)
DOCUMENT_ROWS = 3
PROBLEM_ROWS = 3
# the household's latest owner contacts on its page (the steward's monthly ones, the manager's
# visits: the register, filtered on it, lists them all)
CONTACTS_SHOWN = 5
# the household's repairs its vacant-unit inspections opened, read at once (a vacant unit's few)
INSPECTION_REPAIRS = 200


# where a form of the page goes back to once it is sent, when it was opened from a list: the vacant
# units due an inspection (a row's 记录巡检 opens the household's own inspection form)
BACK_TO = {"vacant-due": "desk.vacant_inspections_due"}


def _back(failed):
    """The list the page was opened from (``?back=``, or the refused form's), one of ``BACK_TO``."""
    back = (request.form if failed else request.args).get("back", "")
    return back if back in BACK_TO else ""


@bp.get("/takeover-defects")
@estate_needed
def takeover_defects():
    """The units whose takeover (接管验收) found quality defects, open until an accepted takeover checks
    the developer's rectification (质量缺陷整改的跟踪): the list sent to the developer, oldest first, each
    unit opening its page (found by a probe of taking on an estate: only each unit's page showed them)."""
    filters = common.query("status")
    page = g.api.get(g.api.estate(g.user.estate_id, "takeover-defects"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters)
    return render_template("households/takeover_defects.html", items=page.get("items", []),
                           next_cursor=page.get("next_cursor"), filters=filters,
                           households=common.household_labels(), problem=common.take_problem())


# -- a handover weekend's batch (集中交付, 批量交房: archive's handover_batches) -------------------------
@bp.get("/handover-batch")
@estate_needed
def handover_batch_form():
    """The weekend's sheet uploaded (楼栋, 单元, 房号, 交房日期, 收房人, 钥匙, 验房问题): each row the single
    handover, in one job (240 flats were 240 forms of the household page: found by h3)."""
    return render_template("households/handover_batch.html", job=None, key=common.form_key(),
                           problem=common.take_problem())


@bp.post("/handover-batch")
@estate_needed
def start_handover_batch():
    job, refused = common.uploaded_import("handovers/import", common.CSV_OR_XLSX, "handover_batch.wrong_file",
                                          url_for("households.handover_batch_form"))
    if refused:
        return refused
    return redirect(url_for("households.handover_batch_progress", job_id=job["id"]))


@bp.get("/handover-batch/<job_id>")
@estate_needed
def handover_batch_progress(job_id):
    """The batch's progress, then its flats handed over, recorded with defects and rejected (each row's
    reason: the API's Chinese, or its code's words on an English page)."""
    job = g.api.get(f"/api/v1/jobs/{job_id}")
    return render_template("households/handover_batch.html", job=job, key=common.form_key(), problem=None)


def _path(household_id, rest=""):
    return g.api.estate(g.user.estate_id, f"households/{household_id}" + (f"/{rest}" if rest else ""))


def _optional(call):
    """A part of the page the role may not read (handovers, vacant-unit inspections): None then."""
    try:
        return call()
    except ApiProblem as problem:
        if problem.status in (401, 503) or problem.status >= 500:
            raise
        return None


@bp.get("/<household_id>")
@estate_needed
def detail(household_id, problem=None, failed="", issued=None):
    household = g.api.get(_path(household_id))
    people = g.api.get(_path(household_id, "occupants"))
    estate = g.api.estate(g.user.estate_id)
    handovers = _optional(lambda: g.api.get(f"{estate}/handovers", household_id=household_id, limit=common.PAGE_SIZE))
    vacant = _optional(lambda: g.api.get(f"{estate}/vacant-inspections", household_id=household_id,
                                         limit=common.PAGE_SIZE))
    readings = _optional(lambda: g.api.get(f"{estate}/meter-readings", household_id=household_id,
                                           limit=common.PAGE_SIZE))
    contacts = _optional(lambda: g.api.get(f"{estate}/owner-contacts", household_id=household_id,
                                           newest_first="true", limit=CONTACTS_SHOWN)) \
        if permissions.may("GET", "owner-contacts") else None
    return render_template(
        "households/detail.html", household=household, people=people,
        account=accounts.household_account(household_id),
        handovers=None if handovers is None else handovers.get("items", []),
        vacant_inspections=None if vacant is None else vacant.get("items", []),
        meter_readings=None if readings is None else readings.get("items", []),
        meter_kinds=METER_KINDS, meter_occasions=METER_OCCASIONS,
        repairs_of_problems=_repairs_of_problems(household_id, (vacant or {}).get("items", [])),
        contacts=None if contacts is None else contacts.get("items", []),
        statuses=_statuses_offered(household["status"]), relations=RELATIONS, arriving=ARRIVING, steps=STEPS, handover_kinds=HANDOVER_KINDS,
        check_rows=range(CHECK_ROWS), document_rows=range(DOCUMENT_ROWS), problem_rows=range(PROBLEM_ROWS),
        key=common.form_key(), form=request.form if failed else {}, failed=failed,
        custom_definitions=common.custom_fields("household"),
        custom_values_form=request.form if failed == "edit" else common.custom_form(household),
        field_errors=problem.field_errors if isinstance(problem, ApiProblem) else {},
        problem=problem or common.take_problem(), label_of=common.household_label(household),
        back=_back(failed), issued=issued)


def _repairs_of_problems(household_id, inspections):
    """``{(inspection id, problem number): request}``: the repair each problem of a vacant-unit
    inspection opened (channel ``inspection``; the request names its ``vacant_inspection``), one read
    of the household's, none when no inspection found a problem; a request opened before requests
    named their inspection is left out (its problem shows no link)."""
    if not any(inspection.get("problems") for inspection in inspections):
        return {}
    page = _optional(lambda: g.api.get(g.api.estate(g.user.estate_id, "service-requests"), household_id=household_id,
                                       channel="inspection", limit=INSPECTION_REPAIRS))
    return {(found["vacant_inspection"]["id"], found["vacant_inspection"]["problem"]): found
            for found in (page or {}).get("items", []) if found.get("vacant_inspection")}


def _send(household_id, name, call, done_key, back=""):
    """Run the form ``name``'s call; a refusal re-renders the page with its errors at that form.
    Done, back to the household, or to the list ``back`` names (``BACK_TO``)."""
    try:
        call()
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return detail(household_id, problem, name), problem.status
    common.done(done_key)
    return redirect(url_for(BACK_TO[back]) if back in BACK_TO else url_for("households.detail",
                                                                            household_id=household_id))


def _bad(household_id, name, field, message_key):
    message = i18n.translate(message_key)
    return detail(household_id, ApiProblem(400, message, errors=[{"field": field, "message": message}]), name), 400


def _key(form):
    return form.get("idempotency_key") or None


@bp.post("/<household_id>/edit")
@estate_needed
def edit(household_id):
    form = request.form
    body = {"status": form.get("status", "")}
    try:
        body["area_m2"] = common.number_typed(form.get("area_m2"))
        if body["area_m2"] is None:
            raise ValueError("blank")
    except ValueError:
        return _bad(household_id, "edit", "area_m2", "error.amount")
    owner = {name: form.get(f"owner_{name}", "").strip() for name in ("name", "phone")
             if form.get(f"owner_{name}", "").strip()}
    if owner:  # blank: the owner's details stay (a masked phone is never sent back)
        body["owner"] = owner
    version = common.whole_number(form.get("version"))
    if version is not None:
        body["version"] = version
    custom = common.custom_from_form(common.custom_fields("household"), form)
    if custom:  # the keys given replace theirs (unchanged ones change nothing)
        body["custom"] = custom
    return _send(household_id, "edit", lambda: g.api.patch(_path(household_id), body), "household.saved")


def _person(form, prefix=""):
    person = {"relation": form.get(f"{prefix}relation", ""), "name": form.get(f"{prefix}name", "").strip()}
    for name in ("phone", "id_number"):
        if form.get(f"{prefix}{name}", "").strip():
            person[name] = form[f"{prefix}{name}"].strip()
    return person


@bp.post("/<household_id>/occupants")
@estate_needed
def add_occupant(household_id):
    form = request.form
    body = _person(form)
    for name in ("from", "to"):
        if form.get(name, "").strip():
            body[name] = form[name].strip()
    return _send(household_id, "occupant", lambda: g.api.post(_path(household_id, "occupants"), body,
                                                              idempotency_key=_key(form)), "household.occupant_added")


@bp.post("/<household_id>/occupants/<occupant_id>/leave")
@estate_needed
def leave(household_id, occupant_id):
    body = {"to": request.form.get("to", "").strip()}
    return _send(household_id, f"leave-{occupant_id}",
                 lambda: g.api.post(_path(household_id, f"occupants/{occupant_id}/leave"), body),
                 "household.occupant_left")


@bp.post("/<household_id>/owner-transfers")
@estate_needed
def transfer(household_id):
    form = request.form
    owner = {"name": form.get("owner_name", "").strip(), "phone": form.get("owner_phone", "").strip()}
    if form.get("owner_id_number", "").strip():
        owner["id_number"] = form["owner_id_number"].strip()
    body = {"owner": owner, "date": form.get("date", "").strip()}
    if form.get("kind", "").strip() == "record":  # no sale: the owner's record set right (a sale, the default, as before)
        body["kind"] = "record"
    return _send(household_id, "transfer", lambda: g.api.post(_path(household_id, "owner-transfers"), body,
                                                              idempotency_key=_key(form)), "household.transferred")


@bp.post("/<household_id>/owner-access")
@estate_needed
def issue_owner_access(household_id):
    """The owner's statement link (业主账单查询码): a new code, in place of the last, shown on this
    page this once (never cached) for the desk to hand to the owner; the portal's
    ``/portal/account/<code>`` shows the household's bills with it. Sent again under its key (a
    reload), the API answers without the code, and the page says to issue a new one."""
    try:
        issued = g.api.post(_path(household_id, "owner-access"), {}, idempotency_key=_key(request.form))
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return detail(household_id, problem, "owner-access"), problem.status
    response = make_response(detail(household_id, issued=issued))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<household_id>/status-changes")
@estate_needed
def change_status(household_id):
    form = request.form
    body = {"step": form.get("step", ""), "date": form.get("date", "").strip()}
    if body["step"] == "move_in" and form.get("arriving_name", "").strip():
        body["occupants"] = [_person(form, "arriving_")]
    # the works a unit was taken over with end with a joint acceptance (archive's takeover_works)
    inspectors = {k: form.get(f"acceptance_{k}", "").strip() for k in ("customer_service", "maintenance", "note")}
    if inspectors["customer_service"] or inspectors["maintenance"]:
        body["acceptance"] = {k: v for k, v in inspectors.items() if v}
    return _send(household_id, "status", lambda: g.api.post(_path(household_id, "status-changes"), body,
                                                            idempotency_key=_key(form)), "household.status_changed")


@bp.post("/<household_id>/handovers")
@estate_needed
def record_handover(household_id):
    form = request.form
    body = {"kind": form.get("kind", ""), "date": form.get("date", "").strip()}
    who = "counterpart" if body["kind"] == "takeover" else "received_by"
    if form.get("who", "").strip():
        body[who] = form["who"].strip()
    # 共有产权: the co-owners who received the unit with him, typed separated by 、 , ， ; or ；
    others = [name.strip() for name in re.split(r"[、,，;；]", form.get("also_who", "")) if name.strip()]
    if others:
        body["also_received_by"] = others
    items = []
    for text, result, note in zip(form.getlist("check_item"), form.getlist("check_result"),
                                  form.getlist("check_note")):
        if text.strip():
            item = {"item": text.strip(), "result": result}
            if note.strip():
                item["note"] = note.strip()
            items.append(item)
    body["items"] = items
    documents = []
    for title, reference, copies in zip(form.getlist("doc_title"), form.getlist("doc_reference"),
                                        form.getlist("doc_copies")):
        if title.strip():
            document = {"title": title.strip()}
            if reference.strip():
                document["reference"] = reference.strip()
            if copies.strip():
                count = common.whole_number(copies.strip())
                if count is None:
                    return _bad(household_id, "handover", f"documents[{len(documents)}].copies", "error.whole_number")
                document["copies"] = count
            documents.append(document)
    if documents:
        body["documents"] = documents
    if form.get("keys_count", "").strip():  # 交房钥匙: how many, and who keeps them
        count = common.whole_number(form["keys_count"].strip())
        if count is None:
            return _bad(household_id, "handover", "keys.count", "error.whole_number")
        body["keys"] = {"count": count, "kept_by": form.get("keys_kept_by", "")}
        if form.get("keys_label", "").strip():
            body["keys"]["label"] = form["keys_label"].strip()
    if form.get("defects_accepted"):  # 收房: the owner takes the unit with its defects listed
        body["defects_accepted"] = True
    return _send(household_id, "handover",
                 lambda: g.api.post(_path(household_id, "handovers"), body, idempotency_key=_key(form)),
                 "household.handover_recorded")


@bp.post("/<household_id>/file")
@estate_needed
def ask_for_file(household_id):
    """Ask to view or borrow the household's file (its archive records): a borrow request the
    manager decides; its page, where the records open once approved, comes next."""
    form = request.form
    body = {"subject_id": household_id, "kind": form.get("kind", ""), "purpose": form.get("purpose", "").strip()}
    try:
        made = g.api.post(g.api.estate(g.user.estate_id, "archive/borrow-requests"), body,
                          idempotency_key=_key(form))
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return detail(household_id, problem, "file"), problem.status
    common.done("household.file_asked")
    return redirect(url_for("archive.borrow_detail", item_id=made["id"]))


@bp.post("/<household_id>/meter-readings")
@estate_needed
def record_meter_reading(household_id):
    """A meter read at the flat's handover or a sale (交房抄表 / 过户抄表); a figure lower than the meter's
    last (the API's 422 naming ``reading``) comes back at this form with what was typed."""
    form = request.form
    body = {name: form.get(name, "").strip() for name in ("occasion", "meter_kind", "meter_number", "read_on")}
    try:  # as the other forms' numbers: NaN and the infinities are no figure JSON carries (found by review r7)
        body["reading"] = common.number_typed(form.get("reading"))
    except ValueError:
        body["reading"] = None
    if body["reading"] is None:
        return _bad(household_id, "meter", "reading", "household.reading_number")
    for name in ("photo_ref", "note"):
        if form.get(name, "").strip():
            body[name] = form[name].strip()
    if form.get("replacement"):
        body["replacement"] = True
    return _send(household_id, "meter", lambda: g.api.post(_path(household_id, "meter-readings"), body,
                                                           idempotency_key=_key(form)), "household.meter_recorded")


@bp.post("/<household_id>/vacant-inspections")
@estate_needed
def record_vacant_inspection(household_id):
    form = request.form
    problems = []
    for description, location in zip(form.getlist("problem_description"), form.getlist("problem_location")):
        if description.strip():
            found = {"description": description.strip()}
            if location.strip():
                found["location"] = location.strip()
            problems.append(found)
    body = {"inspected_on": form.get("inspected_on", "").strip(), "problems": problems}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    return _send(household_id, "vacant", lambda: g.api.post(_path(household_id, "vacant-inspections"), body,
                                                            idempotency_key=_key(form)), "household.vacant_recorded",
                 back=form.get("back", ""))
