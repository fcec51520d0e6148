"""The start page, choosing the estate to work on, and the language switch."""
from flask import Blueprint, g, make_response, redirect, render_template, request, session, url_for

from .. import i18n, signin
from ..signin import signed_in
from .auth import _safe_next

bp = Blueprint("home", __name__)
LANGUAGE_COOKIE_SECONDS = 365 * 86400


@bp.get("/")
@signed_in
def index():
    return render_template("home.html")


@bp.get("/estates")
@signed_in
def estates():
    page = g.api.get("/api/v1/estates", limit=200, cursor=request.args.get("cursor"))
    return render_template("estates.html", estates=page.get("items", []), next_cursor=page.get("next_cursor"),
                           next=request.args.get("next", ""))


@bp.post("/estates")
@signed_in
def choose_estate():
    estate_id = request.form.get("estate_id", "")
    # the chosen estate must be one the gateway lists for this user (a manager's own, any for the admin)
    estate = g.api.get(f"/api/v1/estates/{estate_id}") if estate_id else None
    if not estate:
        return redirect(url_for("home.estates"))
    if session.get("estate_id") and not g.user.switches_estate:
        return redirect(url_for("home.index"))
    session["estate_id"] = estate["id"]
    signin.remember_estate(estate)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/language")
def choose_language():
    chosen = request.form.get("language")
    response = make_response(redirect(_safe_next(request.form.get("next"))))
    if chosen in i18n.LANGUAGES:
        response.set_cookie(i18n.LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_SECONDS,
                            httponly=True, samesite="Strict", secure=request.is_secure)
    return response
