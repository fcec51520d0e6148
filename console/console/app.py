"""The console application: ``gunicorn "console.app:create_app()"``.

Server-rendered pages over the public gateway API. Settings come from the
environment: GATEWAY_URL (where /api/v1 is), CONSOLE_SECRET_KEY (signs the
session cookie; set the same value on every replica), CONSOLE_SECURE_COOKIES
(1 behind HTTPS), CONSOLE_TIMEZONE (how times are shown), PUBLIC_GATEWAY_URL (the
gateway's address as owners reach it, for the public disclosure link; GATEWAY_URL when unset).
"""
import logging
import os
import re
from datetime import timedelta

import requests
from flask import Flask, Request, g, render_template, request, session
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from estate_common import bill_payers

from . import field_errors, i18n, menu, permissions, security, signin, unsent
from .gateway_api import ApiProblem
from .session_cookies import PiecedCookieSessionInterface
from .views import (accounts, across, activities, admin, alerts, archive, auth, common, contractors, desk, emergency_plans,
                    engineering, exports, finance_extra, home, households, incidents, inspections, manager, patrol, portal, registers, surveys, webhooks)

log = logging.getLogger("console")


def _settings_from_env():
    return {
        "GATEWAY_URL": os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"),
        "SECRET_KEY": os.environ.get("CONSOLE_SECRET_KEY", ""),
        "SESSION_COOKIE_SECURE": os.environ.get("CONSOLE_SECURE_COOKIES", "0") == "1",
        "DISPLAY_TIMEZONE": os.environ.get("CONSOLE_TIMEZONE", "Asia/Shanghai"),
        "PUBLIC_GATEWAY_URL": os.environ.get("PUBLIC_GATEWAY_URL", ""),
        # proxies in front of the console whose X-Forwarded-For it trusts (the cluster's ingress: 1):
        # the owner portal passes the visitor's address on to the gateway's per-address limits
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0") or 0),
    }


SECRET_KEY_MIN_CHARS = 32


class InsecureSecret(RuntimeError):
    """The console will not start with a session key anyone could know."""


def _check_secret_key(value):
    """Whoever knows CONSOLE_SECRET_KEY forges any user's session (it holds their gateway token).
    The same rule as the gateway's for its secrets (``estate_common.secrets_policy``, which the
    console, a client of the public API only, does not import): never defaulted, long, and not a
    placeholder. A key drawn at random per process would also split the sessions of two workers."""
    if not value:
        problem = "is missing"
    elif len(value) < SECRET_KEY_MIN_CHARS:
        problem = f"must be at least {SECRET_KEY_MIN_CHARS} characters"
    elif "changeme" in re.sub(r"[^a-z0-9]", "", value.lower()):
        problem = "is a placeholder"
    else:
        return
    raise InsecureSecret(f"CONSOLE_SECRET_KEY {problem}: use at least 32 random characters, e.g. "
                         "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`")


class ConsoleRequest(Request):
    """A form's line breaks as its page counted them: a browser sends each of a text box's as CRLF,
    two characters against the API's limits where the box's ``maxlength`` counted one, so a
    text that fit its box could be refused as too long (the portal's description, and the staff
    pages' notes and replies: a probe). Every form the console reads has LF line breaks."""

    def _load_form_data(self):
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form and any("\r" in value for _, value in form.items(multi=True)):
            self.__dict__["form"] = ImmutableMultiDict(
                [(name, value.replace("\r\n", "\n").replace("\r", "\n")) for name, value in form.items(multi=True)])


def create_app(settings=None, http=None):
    """``http``: the requests.Session used to reach the gateway (tests pass a fake gateway)."""
    app = Flask(__name__)
    app.request_class = ConsoleRequest
    app.config.update(_settings_from_env())
    app.config.update(
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=1_048_576,
    )
    app.config.update(settings or {})
    if "SECRET_KEY" not in (settings or {}):  # a test's own key apart: never defaulted, never weak
        _check_secret_key(app.config["SECRET_KEY"])
    if app.config["TRUSTED_PROXIES"]:  # else every portal visitor was the ingress's one address
        # and the scheme the user reached the ingress by, so that a cookie set over HTTPS is Secure
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"],
                                x_proto=app.config["TRUSTED_PROXIES"])
    app.extensions["console_http"] = http or gateway_session()
    app.session_interface = PiecedCookieSessionInterface()  # a large scope's token is more than one cookie holds

    app.before_request(_choose_language)
    app.before_request(security.check_csrf)
    app.after_request(security.add_headers)
    app.register_error_handler(ApiProblem, _api_problem)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.context_processor(_template_helpers)
    for module in (auth, home, desk, engineering, inspections, exports, households, accounts, manager, patrol, archive,
                   admin, registers, incidents, emergency_plans, alerts, activities, surveys, portal, webhooks, finance_extra, across,
                   contractors):
        app.register_blueprint(module.bp)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/favicon.ico")
    def favicon():
        return "", 204

    return app


def gateway_session():
    """The process's one requests.Session to the gateway, whose pool keeps a connection for each
    page thread (gunicorn's CONSOLE_THREADS) and each reader of a manager's other estates
    (``manager.ELSEWHERE_READERS``): urllib3 keeps ten a host, and the sixteen at once discarded six
    at each turn, a warning line each, to open them anew on the next read (found by review)."""
    http = requests.Session()
    page_threads = int(os.environ.get("CONSOLE_THREADS", "8") or 8)  # as gunicorn.conf.py reads it
    kept = requests.adapters.HTTPAdapter(pool_maxsize=page_threads + manager.ELSEWHERE_READERS)
    http.mount("http://", kept)
    http.mount("https://", kept)
    return http


def _choose_language():
    g.language = i18n.choose_language()


def _template_helpers():
    user = signin.current_user()
    return {
        "t": i18n.translate,
        "period_pattern": common.period_pattern,
        # a bill's payers as the API spells them (estate_common.bill_payers): the developer's bills apart
        "DEVELOPER": bill_payers.DEVELOPER,
        "OWNER": bill_payers.OWNER,
        "label": i18n.label,
        "money": i18n.money,
        "capitals": i18n.yuan_in_capitals,
        "number": i18n.number_text,
        "listed": i18n.listed,  # "2026-10, 2026-11" / "2026-10、2026-11"
        "area": i18n.area,
        "building_name": i18n.building,
        "flat": i18n.flat,
        "flat_text": i18n.flat_text,
        "error_text": i18n.error_text,
        "error_id": field_errors.error_id,
        "errors_here": field_errors.errors_here,
        "invalid": field_errors.invalid,
        "inputs_of": field_errors.inputs_of,
        "when": i18n.when,
        "day_of": i18n.day,
        "zone_text": i18n.zone_text,
        "deadline": i18n.deadline,
        "step_title": i18n.step_title,
        "note_text": i18n.note_text,
        "history_note": i18n.history_note,
        "actor": i18n.actor,
        "described": i18n.described,
        "charge_for": i18n.charge_for,
        "record_result": i18n.record_result,
        "record_notes": i18n.record_notes,
        "check_notes": i18n.check_notes,
        "disabled_reason": i18n.disabled_reason,
        "why_failed": i18n.why_failed,
        "plain": i18n.plain,
        "field_value": i18n.field_value,
        "change_action": i18n.change_action,
        "record_event": i18n.record_event,
        "field_name": i18n.field_name,
        "error_field": i18n.error_field,
        "problem_title": i18n.problem_title,
        "problem_detail": i18n.problem_detail,
        "steps_text": emergency_plans.steps_text,
        "lang": i18n.language(),
        "languages": i18n.LANGUAGES,
        "csrf_token": security.csrf_token,
        "form_key": common.form_key,
        "sent_key": common.sent_key,
        "row_typed": common.row_typed,
        "may": permissions.may,
        "approves": permissions.approves,
        "withdraws": permissions.withdraws,
        "user": user,
        "menu_sections": menu.for_roles(user.roles) if user else [],
        "estate_name": session.get("estate_name"),
        "estate_retired_at": signin.retired_at(),
        "estate_timezone": session.get("estate_timezone"),
        "must_change_password": signin.must_change_password(),
        # called by base.html only: a page that does not extend it leaves the form for the next
        "unsent_form": lambda: unsent.take(user),
    }


def _api_problem(problem):
    if problem.status == 401:  # token expired or revoked: sign in again, then come back
        return signin.session_ended()
    return render_template("problem.html", problem=problem), problem.status


def _http_error(error):
    if error.code == 400 and error.description == "csrf" and (switched := home.portal_language_switch()):
        return switched
    if portal.is_portal_path():  # an owner's, not the staff's error page with its staff links
        return portal.http_error(error)
    if error.code == 400 and error.description == "csrf":
        message = i18n.translate("error.csrf")
    else:
        message = i18n.translate(f"error.http_{error.code}") if error.code in (404, 405, 413) else error.name
    problem = ApiProblem(error.code, message)
    return render_template("problem.html", problem=problem, local=True), error.code


# a path part that opens something without an account (portal.py): a request's tracking code, an
# owner's statement code (业主账单查询码). As the gateway's ``public.SECRET_PARAMS``, never in a log line
SECRET_PARAMS = ("tracking_code", "access_code")


def logged_path():
    """The request's path for a log line, each secret part as ``<name>`` (the code that opens a
    household's bills was written out in a failed page's line: found by review)."""
    rule, args = request.url_rule, request.view_args or {}
    if rule is None or not any(name in args for name in SECRET_PARAMS):
        return request.path
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>",
                  lambda m: f"<{m.group(1)}>" if m.group(1) in SECRET_PARAMS else str(args.get(m.group(1), "")),
                  rule.rule)


def _unexpected(error):
    log.exception("console error on %s %s", request.method, logged_path())
    if portal.is_portal_path():
        return portal.failed()
    problem = ApiProblem(500, i18n.translate("error.unexpected"))
    return render_template("problem.html", problem=problem, local=True), 500
