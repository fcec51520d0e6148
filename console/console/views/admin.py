"""The operator's set-up screens: estates, an estate's households, users and their roles, API keys.

What a new installation needs first: after ``make run`` the admin creates an estate,
its households and the staff's accounts here, then everyone works in their own menu."""


from flask import Blueprint, g, make_response, redirect, render_template, request, url_for

from .. import i18n, permissions, signin
from ..gateway_api import ApiProblem
from ..signin import estate_needed, signed_in
from . import common

bp = Blueprint("admin", __name__, url_prefix="/admin")

HOUSEHOLD_STATUSES = ("vacant", "occupied", "renovating")
ROLES = ("operator_admin", "manager", "agent", "steward", "technician", "security", "accountant", "cashier",
         "archivist", "maintenance_supervisor", "security_lead", "security_supervisor")


def _all_estates():
    """Every estate, page by page. A form that offers estates must offer all of them: offered the
    first 200, saving a user took away every estate after them, and no key or user could be given
    one (found by a probe at 1,000 estates)."""
    return list(common.each_item("/api/v1/estates", common.ESTATE_PAGES))


def _estate_choices(estates, chosen):
    """The estates a form offers (not a retired one, unless chosen), those ``chosen`` first (a scope of a few among a thousand is
    seen at once), each group by code; and the chosen ids the form does not offer (an estate
    made after the list was read), which it sends back unchanged."""
    chosen = set(chosen or ())
    # a retired estate is given to no one (the gateway refuses it): offered only where it is held
    offered = sorted((e for e in estates if not e.get("retired_at") or e["id"] in chosen),
                     key=lambda e: (e["id"] not in chosen, e.get("code") or "", e["id"]))
    return {"estates": offered, "chosen": chosen, "kept": sorted(chosen - {e["id"] for e in estates})}


def _create(render, call, done_key, back, **values):
    """Run a create; a refusal re-renders the form with its problem and the fields as typed."""
    created, refused = common.write(call, render)
    if refused:
        return refused
    common.done(done_key, **{key: created.get(key, "") for key in values.get("fields", ())})
    return redirect(back)


@bp.get("/estates")
@signed_in
def estates(problem=None):
    q = request.args.get("q", "").strip()[:100]  # 1,000 estates are 20 pages: found by code or name
    page = g.api.get("/api/v1/estates", limit=common.PAGE_SIZE, cursor=request.args.get("cursor"), q=q or None)
    items = page.get("items", [])
    retired_on = {e["id"]: i18n.day(e["retired_at"], e.get("timezone")) for e in items if e.get("retired_at")}
    return render_template("admin/estates.html", items=items, retired_on=retired_on, next_cursor=page.get("next_cursor"),
                           filters={"q": q} if q else {}, q=q, key=common.form_key(), form=request.form,
                           problem=problem or common.take_problem(), timezones=_timezones())


def _timezones():
    """The timezones an estate may have, as the gateway's document names them (``Timezone``)."""
    return permissions.enum("Timezone")


# the service centre's phones (服务中心电话, 24小时值班电话), which the owner portal shows on each of
# the estate's pages and tells a resident with an emergency to ring
ESTATE_PHONES = ("service_phone", "duty_phone")


@bp.post("/estates")
@signed_in
def create_estate():
    form = request.form
    body = {"code": form.get("code", "").strip(), "name": form.get("name", "").strip(),
            "address": form.get("address", "").strip()}
    if form.get("timezone", "").strip():  # the estate's periods, deadlines and KPI months: its own clock
        body["timezone"] = form["timezone"].strip()
    body.update({name: form[name].strip() for name in ESTATE_PHONES if form.get(name, "").strip()})
    if form.get("developer_name", "").strip():  # 开发建设单位: the payer of the units not yet handed over
        body["developer_name"] = form["developer_name"].strip()
    return _create(lambda problem: estates(problem),
                   lambda: g.api.post("/api/v1/estates", body, idempotency_key=form.get("idempotency_key") or None),
                   "admin.estate_created", url_for("admin.estates"), fields=("name",))


@bp.post("/estates/<estate_id>/edit")
@signed_in
def edit_estate(estate_id):
    """An estate's name, address and timezone (``PATCH /api/v1/estates/{id}``): the timezone could
    be set only through the API (found by review)."""
    form = request.form
    body = {name: form[name].strip() for name in ("name", "address", "timezone") if form.get(name, "").strip()}
    # a phone emptied is removed (null); a form without the field leaves it as it is
    body.update({name: form[name].strip() or None for name in ESTATE_PHONES if name in form})
    if "developer_name" in form:  # the developer (开发建设单位) emptied is removed (null), as a phone
        body["developer_name"] = form["developer_name"].strip() or None
    back = url_for("admin.estates")
    saved, refused = common.act(lambda: g.api.patch(f"/api/v1/estates/{estate_id}", body), back)
    if refused:
        common.keep_typed(estate_id, "edit")
        return refused
    common.done("admin.estate_saved", name=saved.get("name", ""))
    signin.forget_estates_zone()  # its timezone may be another: the dashboard's clock read again
    return redirect(back)


@bp.post("/estates/<estate_id>/retire")
@signed_in
def retire_estate(estate_id):
    """``POST /api/v1/estates/{id}/retire``: its contract ended. The gateway refuses it while an
    active account or a key holds it, or its handover package has anything outstanding, naming
    them (shown on the estates page); the admin's reason for retiring it all the same (an estate
    made by mistake) is sent only when one is written."""
    back = url_for("admin.estates")
    if not common.confirmed():  # it leaves every form and the KPIs side by side
        return common.refuse_unconfirmed(back)
    reason = request.form.get("override_reason", "").strip()
    body = {"override_reason": reason} if reason else {}
    retired, refused = common.act(lambda: g.api.post(f"/api/v1/estates/{estate_id}/retire", body), back)
    if refused:
        return refused
    common.done("admin.estate_retired", name=retired.get("name", estate_id))
    _chosen_estate_read(retired)
    return redirect(back)


@bp.post("/estates/<estate_id>/reinstate")
@signed_in
def reinstate_estate(estate_id):
    back = url_for("admin.estates")
    reinstated, refused = common.act(lambda: g.api.post(f"/api/v1/estates/{estate_id}/reinstate", {}), back)
    if refused:
        return refused
    common.done("admin.estate_reinstated", name=reinstated.get("name", estate_id))
    _chosen_estate_read(reinstated)
    return redirect(back)


def _chosen_estate_read(estate):
    """The estate retired or reinstated is the one chosen: its pages say so at once (its notice,
    its forms), not after ``signin.ESTATE_READ_SECONDS``; the estates' shared clock is read again
    either way."""
    signin.forget_estates_zone()  # the estates in service are others: their shared clock read again
    if estate.get("id") and estate["id"] == g.user.estate_id:
        signin.remember_estate(estate)


@bp.post("/estates/<estate_id>/restatements")
@signed_in
def restate_estate(estate_id):
    """The estate and its households sent again to every service's copies (a job): what the
    admin does after a service's store was restored or restarted, when the desk is told a
    household "is not known" (README "Read copies sent again")."""
    job, refused = common.act(lambda: g.api.post(f"/api/v1/estates/{estate_id}/restatements", {},
                                                 idempotency_key=request.form.get("idempotency_key") or None),
                              url_for("admin.estates"))
    if refused:
        return refused
    return redirect(url_for("admin.restatement", estate_id=estate_id, job_id=job["id"]))


@bp.get("/estates/<estate_id>/restatements/<job_id>")
@signed_in
def restatement(estate_id, job_id):
    estate = g.api.get(f"/api/v1/estates/{estate_id}")
    job = g.api.get(f"/api/v1/jobs/{job_id}")
    return render_template("admin/restatement.html", estate=estate, job=job)


@bp.get("/households")
@estate_needed
def households(problem=None, phone="", phone_found=None):
    building = request.args.get("building", "").strip()
    # the vacant units a steward inspects (空置房巡查), in one list
    status = request.args.get("status") if request.args.get("status") in HOUSEHOLD_STATUSES else None
    # by building, unit and room (archive's sort=address): after an import the list followed registration
    page = g.api.get(g.api.estate(g.user.estate_id, "households"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), building=building or None, status=status, sort="address")
    filters = {name: value for name, value in (("building", building), ("status", status)) if value}
    return render_template("admin/households.html", items=page.get("items", []), statuses=HOUSEHOLD_STATUSES,
                           next_cursor=page.get("next_cursor"), filters=filters,
                           custom_definitions=common.custom_fields("household"), phone=phone,
                           phone_found=phone_found, key=common.form_key(), form=request.form,
                           problem=problem or common.take_problem())


@bp.post("/households/phone")
@estate_needed
def households_by_phone():
    """The households a phone is found on (the owner's or an occupant's, current or former), each
    with who has it, above the list: a POST, so the number is in no URL."""
    phone, found, problem = common.phone_searched()
    if problem:
        return households(problem, phone=phone), problem.status
    return households(phone=phone, phone_found=found)


@bp.post("/households")
@estate_needed
def create_household():
    form = request.form
    try:
        area = common.number_typed(form.get("area_m2"))
        if area is None:
            raise ValueError("blank")
    except ValueError:
        return households(ApiProblem(400, i18n.translate("error.amount"),
                                     errors=[{"field": "area_m2", "message": i18n.translate("error.amount")}])), 400
    body = {"building": form.get("building", "").strip(), "unit": form.get("unit", "").strip(),
            "room": form.get("room", "").strip(), "area_m2": area,
            "owner": {"name": form.get("owner_name", "").strip(), "phone": form.get("owner_phone", "").strip()}}
    custom = common.custom_from_form(common.custom_fields("household"), form)
    if custom:
        body["custom"] = custom
    return _create(lambda problem: households(problem),
                   lambda: g.api.post(g.api.estate(g.user.estate_id, "households"), body,
                                      idempotency_key=form.get("idempotency_key") or None),
                   "admin.household_created", url_for("admin.households"), fields=("building", "unit", "room"))


@bp.get("/users")
@signed_in
def users(problem=None):
    # an operator of many estates finds one among thousands by role, estate, state and a part of the
    # username (``q``, as the box holds it); the company's leavers by the month they left in
    filters = {name: request.args[name] for name in ("role", "estate_id", "active")
               if request.args.get(name) and (name != "role" or request.args[name] in ROLES)
               and (name != "active" or request.args[name] in ("true", "false"))}
    q = request.args.get("q", "").strip()[:100]
    if q:
        filters["q"] = q
    if common.MONTH.fullmatch(request.args.get("deactivated_in", "")):  # the leavers' month, as the box takes it
        filters["deactivated_in"] = request.args["deactivated_in"]
    if request.args.get("has_estates") in ("true", "false"):
        filters["has_estates"] = request.args["has_estates"]
    nowhere = _active_without_estates()
    try:
        page = g.api.get("/api/v1/users", limit=common.PAGE_SIZE, cursor=request.args.get("cursor"), **filters)
    except ApiProblem as refused:  # a search of no visible character: said above the list, the box as typed
        if refused.status != 400:
            raise
        page, problem = {"items": [], "next_cursor": None}, problem or refused
    estates = _all_estates()
    return render_template("admin/users.html", items=page.get("items", []), next_cursor=page.get("next_cursor"),
                           filters=filters, estates=estates, roles=ROLES, names={e["id"]: e["name"] for e in estates},
                           nowhere=nowhere,
                           choices=_estate_choices(estates, request.form.getlist("estate_ids")),
                           key=common.form_key(), form=request.form, problem=problem)


def _active_without_estates():
    """How many active accounts of estate roles name no estate (``has_estates=false``: stored before
    every account but an operator admin's needed one; they reach nothing), as "N" or "200+"; None
    when there are none or they cannot be counted (the page shows without it). No filter found them."""
    try:
        page = g.api.get("/api/v1/users", has_estates="false", active="true", limit=200)
    except ApiProblem as problem:
        if problem.status == 401:
            raise
        return None
    items = page.get("items", [])
    return common.counted(items, page) if items else None


@bp.post("/users")
@signed_in
def create_user():
    form = request.form
    body = {"username": form.get("username", "").strip(), "password": form.get("password", ""),
            "roles": form.getlist("roles"), "estate_ids": form.getlist("estate_ids")}
    return _create(lambda problem: users(common.password_refused(problem, "password")),
                   lambda: g.api.post("/api/v1/users", body, idempotency_key=form.get("idempotency_key") or None),
                   "admin.user_created", url_for("admin.users"), fields=("username",))


def _find_user(user_id):
    return g.api.get(f"/api/v1/users/{user_id}")


@bp.get("/users/<user_id>")
@signed_in
def user(user_id, problem=None, reread=False):
    """One user's roles, estates and active flag (operator admin): PATCH /api/v1/users/{id}.
    ``reread``: a refusal of another form on the page (the password reset), whose fields are not
    the user's: shown from the form, they came back unticked, and one save then took every role
    and estate away and deactivated the user (found by review)."""
    found = _find_user(user_id) if problem is None or reread else None
    shown = found or {"id": user_id, "username": request.form.get("username", ""),
                      "roles": request.form.getlist("roles"), "estate_ids": request.form.getlist("estate_ids"),
                      "active": bool(request.form.get("active"))}
    # active when the page was first shown: unticking it asks for the box (also after a refusal)
    was_active = bool(found.get("active")) if found else bool(request.form.get("was_active"))
    # not ``user``: base.html's header names the signed-in user by that name (it named this one)
    return render_template("admin/user.html", edited=shown, roles=ROLES,
                           choices=_estate_choices(_all_estates(), shown["estate_ids"]),
                           was_active=was_active, problem=problem)


@bp.post("/users/<user_id>/password")
@signed_in
def reset_password(user_id):
    """``POST /api/v1/users/{id}/password``: for a user who forgot theirs; they choose their own at
    their next sign-in (the gateway admits nothing else until then)."""
    form = request.form
    differ = common.passwords_differ(form)
    if differ:
        return user(user_id, differ, reread=True), differ.status
    try:
        g.api.post(f"/api/v1/users/{user_id}/password", {"new_password": form.get("new_password", "")})
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return user(user_id, common.password_refused(problem, "new_password"), reread=True), problem.status
    common.done("admin.password_reset", username=form.get("username", user_id))
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<user_id>")
@signed_in
def update_user(user_id):
    form = request.form
    body = {"roles": form.getlist("roles"), "estate_ids": form.getlist("estate_ids"), "active": bool(form.get("active"))}
    if form.get("was_active") and not body["active"] and not common.confirmed():
        # deactivating ends every sign-in of theirs at once: only with the box ticked
        return user(user_id, common.unconfirmed_problem()), 400
    try:
        g.api.patch(f"/api/v1/users/{user_id}", body)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return user(user_id, problem), problem.status
    common.done("admin.user_updated", username=form.get("username", ""))
    return redirect(url_for("admin.users"))


# -- API keys ------------------------------------------------------------------------------------
# The key is in the creating answer only: the page that shows it is rendered from that answer (never
# put in the session or a redirect) and is not cached.
KEY_ROLES = tuple(role for role in ROLES if role != "operator_admin")  # a key never carries operator_admin
KEY_PAGES = 10  # pages of 200 of the keys a new key may replace


def _replaceable_keys():
    """The keys no key replaces yet (``replaced=false``), page by page: what a new key may name in
    ``replaces``. The form offered the keys of the page listed, those replaced already among them
    (a key is replaced once: the gateway refused the new key, 409) and none of a later page."""
    return list(common.each_item("/api/v1/api-keys", KEY_PAGES, replaced="false"))


@bp.get("/api-keys")
@signed_in
def api_keys(problem=None, created=None):
    page = g.api.get("/api/v1/api-keys", limit=common.PAGE_SIZE, cursor=request.args.get("cursor"))
    estates = _all_estates()
    form = request.form if created is None else {}
    response = make_response(render_template(
        "admin/api_keys.html", items=page.get("items", []), next_cursor=page.get("next_cursor"), filters={},
        replaceable=_replaceable_keys(), roles=KEY_ROLES, names={e["id"]: e["name"] for e in estates},
        choices=_estate_choices(estates, form.getlist("estate_ids") if form else ()), key=common.form_key(),
        form=form, problem=problem, created=created))
    if created is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api-keys")
@signed_in
def create_api_key():
    form = request.form
    body = {"name": form.get("name", "").strip(), "roles": form.getlist("roles"),
            "estate_ids": form.getlist("estate_ids")}
    if form.get("replaces"):  # a rotation: the new key carries on for the old one's program
        body["replaces"] = form["replaces"]
    if form.get("calls_per_minute", "").strip():  # blank: the replaced key's, else the deployment's
        body["calls_per_minute"] = _calls_per_minute(form)
    try:
        created = g.api.post("/api/v1/api-keys", body, idempotency_key=form.get("idempotency_key") or None)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return api_keys(problem), problem.status
    return api_keys(created=created)


def _calls_per_minute(form):
    """The form's limit as sent: a whole number, None when blank (the deployment's); anything else is
    sent as typed, for the gateway to refuse by its contract (400 naming the field)."""
    text = form.get("calls_per_minute", "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text


@bp.post("/api-keys/<key_id>/limit")
@signed_in
def limit_api_key(key_id):
    body = {"calls_per_minute": _calls_per_minute(request.form)}
    changed, refused = common.act(lambda: g.api.patch(f"/api/v1/api-keys/{key_id}", body), url_for("admin.api_keys"))
    if refused:
        return refused
    common.done("api_keys.limit_done", name=changed.get("name", key_id))
    return redirect(url_for("admin.api_keys"))


@bp.post("/api-keys/<key_id>/revoke")
@signed_in
def revoke_api_key(key_id):
    if not common.confirmed():  # whatever uses the key stops at once; a revoked key never works again
        return common.refuse_unconfirmed(url_for("admin.api_keys"))
    revoked, refused = common.act(lambda: g.api.delete(f"/api/v1/api-keys/{key_id}"), url_for("admin.api_keys"))
    if refused:
        return refused
    common.done("api_keys.revoked_done", name=revoked.get("name", key_id))
    return redirect(url_for("admin.api_keys"))


# -- settings per service -------------------------------------------------------------------------
# The services whose numbers an estate may set (GET/PUT /api/v1/estates/{id}/settings/<service>).
# Names, defaults and limits come from the API; the console only shows and sends them.
SETTING_SERVICES = ("customer-service", "maintenance", "finance", "security-patrol", "archive", "integrations")


@bp.get("/settings")
@estate_needed
def settings(service=None, problem=None, typed=None):
    service = service or request.args.get("service") or SETTING_SERVICES[0]
    if service not in SETTING_SERVICES:
        service = SETTING_SERVICES[0]
    current = g.api.get(g.api.estate(g.user.estate_id, f"settings/{service}"))
    names = sorted(set(current.get("defaults") or {}) | set(current.get("values") or {}))
    overrides = current.get("overrides") or {}
    typed = typed if typed is not None else {name: _setting_shown(name, overrides.get(name, "")) for name in names}
    return render_template("admin/settings.html", service=service, services=SETTING_SERVICES, current=current,
                           names=names, typed=typed, choices=current.get("choices") or {},
                           allowed=_allowed(service), problem=problem or common.take_problem())


def _allowed(service):
    """What each number may be set to, as the body this page sends is bounded in the gateway's
    document ("1–3", a list where it takes only some values, money in yuan): a manager saw the
    default and the value in force only, and found a bound (the return visit's 3 days, DOMAIN.md's
    limit) by typing past it (a probe of a new estate's set-up)."""
    shown = {}
    for name, field in permissions.body_properties("PUT", f"/api/v1/estates/{{estate_id}}/settings/{service}").items():
        if field.get("type") != "integer":
            continue
        value = i18n.money if _is_money(name) else str
        low, high = field.get("minimum"), field.get("maximum")
        if field.get("enum"):
            shown[name] = i18n.listed(value(v) for v in field["enum"])
        elif low is not None and low == high:
            shown[name] = value(low)
        elif low is not None and high is not None:
            shown[name] = f"{value(low)}–{value(high)}"
    return shown


def _is_money(name):
    """A setting in cents (``…_cents``, ``…_cents_per_m2``): shown and typed in yuan, like every
    other amount on the console (the settings pages alone asked for cents, found by review)."""
    return "_cents" in name


def _setting_shown(name, value):
    if value == "" or value is None or not _is_money(name):
        return value
    return i18n.yuan_text(value)


@bp.post("/settings/<service>")
@estate_needed
def save_settings(service):
    if service not in SETTING_SERVICES:
        return redirect(url_for("admin.settings"))
    # a list-valued setting (the API's ``choices``) comes as its ticked boxes; none ticked, the default
    listed = set(request.form.get("listed_settings", "").split())
    typed = {name: value.strip() for name, value in request.form.items()
             if name not in ("csrf_token", "idempotency_key", "listed_settings") and name not in listed}
    typed |= {name: request.form.getlist(name) for name in listed}
    body, errors = {}, []
    for name, value in typed.items():
        if name in listed:
            if value:
                body[name] = value
            continue
        if value == "":
            continue  # blank: the estate takes the default
        if _is_money(name):
            cents = i18n.cents_from_yuan(value)
            if cents is None:
                errors.append({"field": name, "message": i18n.translate("error.yuan")})
            else:
                body[name] = cents
            continue
        try:
            body[name] = int(value)
        except ValueError:
            errors.append({"field": name, "message": i18n.translate("error.whole_number")})
    if errors:
        return settings(service, ApiProblem(400, i18n.translate("error.whole_number"), errors=errors), typed), 400
    try:
        g.api.put(g.api.estate(g.user.estate_id, f"settings/{service}"), body)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        # the gateway names a setting's field as it was sent, or inside the request body ("data.x")
        problem.errors = [{**error, "field": str(error.get("field", "")).removeprefix("data.")}
                          for error in problem.errors]
        return settings(service, problem, typed), problem.status
    common.done("settings.saved")
    return redirect(url_for("admin.settings", service=service))


# -- household import ------------------------------------------------------------------------------


@bp.get("/households/import")
@estate_needed
def import_form():
    return render_template("admin/import.html", job=None, key=common.form_key(), problem=common.take_problem())


@bp.post("/households/import")
@estate_needed
def start_import():
    job, refused = common.uploaded_import("households/import", common.CSV_OR_XLSX, "import.wrong_file",
                                          url_for("admin.import_form"))
    if refused:
        return refused
    return redirect(url_for("admin.import_progress", job_id=job["id"]))


@bp.get("/households/import/<job_id>")
@estate_needed
def import_progress(job_id):
    job = g.api.get(f"/api/v1/jobs/{job_id}")
    return render_template("admin/import.html", job=job, key=common.form_key(), problem=None)


# -- custom fields (issue 13): the manager defines the estate's own fields --------------------

CUSTOM_RESOURCES = ("household", "service_request", "work_order", "equipment")
CUSTOM_TYPES = ("text", "number", "date", "bool", "choice")


@bp.get("/custom-fields")
@estate_needed
def custom_fields(problem=None):
    """The estate's custom fields of the four resources (``GET …/custom-fields``), a form that
    defines one and, per field, required on or off and archive (``PATCH`` / ``DELETE``)."""
    listed = g.api.get(g.api.estate(g.user.estate_id, "custom-fields"))
    return render_template("admin/custom_fields.html", items=listed.get("items", []),
                           unavailable=listed.get("unavailable", []), resources=CUSTOM_RESOURCES, types=CUSTOM_TYPES,
                           key=common.form_key(), form=request.form, problem=problem or common.take_problem())


@bp.post("/custom-fields")
@estate_needed
def create_custom_field():
    form = request.form
    body = {"resource": form.get("resource", ""), "key": form.get("key", "").strip(),
            "label": {"zh": form.get("label_zh", "").strip(), "en": form.get("label_en", "").strip()},
            "type": form.get("type", ""), "required": form.get("required") == "on"}
    choices = [c.strip() for c in form.get("choices", "").replace(",", "\n").splitlines() if c.strip()]
    if choices or body["type"] == "choice":
        body["choices"] = choices
    return _create(lambda problem: custom_fields(problem),
                   lambda: g.api.post(g.api.estate(g.user.estate_id, "custom-fields"), body,
                                      idempotency_key=form.get("idempotency_key") or None),
                   "custom.defined", url_for("admin.custom_fields"), fields=("key",))


@bp.post("/custom-fields/<resource>/<key>/<action>")
@estate_needed
def change_custom_field(resource, key, action):
    back = url_for("admin.custom_fields")
    path = g.api.estate(g.user.estate_id, f"custom-fields/{resource}/{key}")
    if action == "archive":
        call = lambda: g.api.delete(path)  # noqa: E731
    elif action in ("require", "unrequire"):
        call = lambda: g.api.patch(path, {"required": action == "require"})  # noqa: E731
    else:
        return redirect(back)
    _, refused = common.act(call, back)
    if refused:
        return refused
    common.done("custom.changed", key=key)
    return redirect(back)
