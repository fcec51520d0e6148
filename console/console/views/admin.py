"""The operator's set-up screens: estates, an estate's households, users and their roles.

What a new installation needs first: after ``make run`` the admin creates an estate,
its households and the staff's accounts here, then everyone works in their own menu."""
from decimal import Decimal, InvalidOperation

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import i18n
from ..gateway_api import ApiProblem
from ..signin import estate_needed, signed_in
from . import common

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLES = ("operator_admin", "manager", "agent", "steward", "technician", "security", "accountant", "cashier",
         "archivist")


def _create(render, call, done_key, back, **values):
    """Run a create; a refusal re-renders the form with its problem and the fields as typed."""
    try:
        created = call()
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return render(problem), problem.status
    common.done(done_key, **{key: created.get(key, "") for key in values.get("fields", ())})
    return redirect(back)


@bp.get("/estates")
@signed_in
def estates(problem=None):
    page = g.api.get("/api/v1/estates", limit=common.PAGE_SIZE, cursor=request.args.get("cursor"))
    return render_template("admin/estates.html", items=page.get("items", []), next_cursor=page.get("next_cursor"),
                           filters={}, key=common.form_key(), form=request.form, problem=problem)


@bp.post("/estates")
@signed_in
def create_estate():
    form = request.form
    body = {"code": form.get("code", "").strip(), "name": form.get("name", "").strip(),
            "address": form.get("address", "").strip()}
    return _create(lambda problem: estates(problem),
                   lambda: g.api.post("/api/v1/estates", body, idempotency_key=form.get("idempotency_key") or None),
                   "admin.estate_created", url_for("admin.estates"), fields=("name",))


@bp.get("/households")
@estate_needed
def households(problem=None):
    building = request.args.get("building", "").strip()
    page = g.api.get(g.api.estate(g.user.estate_id, "households"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), building=building or None)
    return render_template("admin/households.html", items=page.get("items", []),
                           next_cursor=page.get("next_cursor"), filters={"building": building} if building else {},
                           key=common.form_key(), form=request.form, problem=problem)


@bp.post("/households")
@estate_needed
def create_household():
    form = request.form
    try:
        area = float(Decimal(form.get("area_m2", "").strip()))
    except (InvalidOperation, ValueError):
        return households(ApiProblem(400, i18n.translate("error.amount"),
                                     errors=[{"field": "area_m2", "message": i18n.translate("error.amount")}])), 400
    body = {"building": form.get("building", "").strip(), "unit": form.get("unit", "").strip(),
            "room": form.get("room", "").strip(), "area_m2": area,
            "owner": {"name": form.get("owner_name", "").strip(), "phone": form.get("owner_phone", "").strip()}}
    return _create(lambda problem: households(problem),
                   lambda: g.api.post(g.api.estate(g.user.estate_id, "households"), body,
                                      idempotency_key=form.get("idempotency_key") or None),
                   "admin.household_created", url_for("admin.households"), fields=("building", "unit", "room"))


@bp.get("/users")
@signed_in
def users(problem=None):
    page = g.api.get("/api/v1/users", limit=common.PAGE_SIZE, cursor=request.args.get("cursor"))
    estates_page = g.api.get("/api/v1/estates", limit=200)
    return render_template("admin/users.html", items=page.get("items", []), next_cursor=page.get("next_cursor"),
                           filters={}, roles=ROLES, estates=estates_page.get("items", []), key=common.form_key(),
                           form=request.form, problem=problem)


@bp.post("/users")
@signed_in
def create_user():
    form = request.form
    body = {"username": form.get("username", "").strip(), "password": form.get("password", ""),
            "roles": form.getlist("roles"), "estate_ids": form.getlist("estate_ids")}
    return _create(lambda problem: users(problem),
                   lambda: g.api.post("/api/v1/users", body, idempotency_key=form.get("idempotency_key") or None),
                   "admin.user_created", url_for("admin.users"), fields=("username",))
