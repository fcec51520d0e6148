"""Sign-in and sign-out, and one's own password: the gateway issues the token, the console keeps
it in the session."""
from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import signin
from ..gateway_api import ApiProblem
from . import common

bp = Blueprint("auth", __name__)


def _safe_next(target):
    """Only a path on this console (no open redirect to another site)."""
    return common.local_path(target, url_for("home.index"))


@bp.get("/signin")
def sign_in_form():
    return render_template("signin.html", next=request.args.get("next", ""),
                           expired=request.args.get("expired") == "1")


@bp.post("/signin")
def sign_in():
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    try:
        answer = signin.gateway(token=None).call(
            "POST", "/api/v1/auth/token", json={"username": username, "password": password})
    except ApiProblem as problem:
        if problem.status >= 500:
            raise
        return render_template("signin.html", next=request.form.get("next", ""), problem=problem,
                               username=username), problem.status
    signin.sign_in(username, answer["access_token"], answer.get("password_change_required", False))
    if signin.must_change_password():
        return redirect(url_for("auth.password_form"))
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/signout")
def sign_out():
    signin.sign_out()
    return redirect(url_for("auth.sign_in_form"))


@bp.get("/account/password")
@signin.signed_in
def password_form(problem=None):
    return (render_template("password.html", problem=problem, reset_by_admin=signin.must_change_password()),
            200 if problem is None else problem.status)


@bp.post("/account/password")
@signin.signed_in
def change_password():
    """``POST /api/v1/users/me/password``: every token issued before stops working, so the
    console carries on with the fresh one it answers."""
    body = {"current_password": request.form.get("current_password", ""),
            "new_password": request.form.get("new_password", "")}
    differ = common.passwords_differ(request.form)
    if differ:
        return password_form(differ)
    try:
        answer = g.api.post("/api/v1/users/me/password", body)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return password_form(common.password_refused(problem, "new_password"))
    signin.replace_token(answer["access_token"])
    signin.password_changed()
    common.done("auth.password_changed")
    return redirect(url_for("home.index"))
