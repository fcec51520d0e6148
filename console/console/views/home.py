"""The start page, choosing the estate to work on, and the language switch."""
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from .. import i18n, permissions, signin
from ..signin import signed_in
from . import common, portal
from .auth import _safe_next
from .common import LARGEST_PAGE

bp = Blueprint("home", __name__)
LANGUAGE_COOKIE_SECONDS = 365 * 86400


@bp.get("/")
@signed_in
def index():
    from .manager import Elsewhere, todo
    elsewhere = Elsewhere.start()  # the other estates' reads, while the chosen estate's are made
    return render_template("home.html", todo=todo(), elsewhere=elsewhere.shown(), alerts=open_alerts())


def open_alerts():
    """The chosen estate's alerts standing (预警响应, h9), for the banner of the start page of whom may
    read them (the manager, security): the typhoon plan stood and nothing on a page said so. None read
    (or unreadable): no banner."""
    if not g.user.estate_id or not permissions.may("GET", "emergency-alerts"):
        return []
    page = common.optional_read("emergency-alerts", open="true")
    return page.get("items", []) if isinstance(page, dict) else []


@bp.get("/estates")
@signed_in
def estates():
    """The estates to choose from, 200 a page (the list read once); ``q`` finds one by part of its code or name (an
    operator of hundreds paged through them). A manager's other estates say how much waits for him
    in each (``manager.Elsewhere``: the start page's reads, kept a minute); he chose one blind."""
    from .manager import Elsewhere
    q, cursor = request.args.get("q", "").strip()[:100], request.args.get("cursor")
    page = g.api.get("/api/v1/estates", limit=LARGEST_PAGE, cursor=cursor, q=q or None)
    # what waits for a manager in his other estates, as his start page reads it: from the list's
    # first page, which is the page shown unless searched or paged on (it read the list twice)
    elsewhere = Elsewhere.start(estates=None if q or cursor else page)
    waiting = {estate["id"]: estate["waiting"] for estate in (elsewhere.shown() or {}).get("estates", [])}
    return render_template("estates.html", estates=page.get("items", []), next_cursor=page.get("next_cursor"),
                           next=request.args.get("next", ""), q=q, waiting=waiting)


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
    before = switch_to(estate)
    target = _safe_next(request.form.get("next"))
    return redirect(target if before in (None, estate["id"]) else _page_in_any_estate(target))


def switch_to(estate):
    """The user works in ``estate`` from now (one he may switch to, the caller has checked): the
    estate he worked in before, or None."""
    before = session.get("estate_id")
    session["estate_id"] = estate["id"]
    if before != estate["id"]:  # what he approved where he was waits no more: his other estates read again
        from .manager import forget_elsewhere
        forget_elsewhere(g.user.username)
    signin.remember_estate(estate)
    return before


def _page_in_any_estate(target):
    """``target`` as a page of the estate switched to: the start page for a page of one record (back
    to a request or an order of the estate left, a switch from its page ended on "not found"), and
    a list or a form without what names a record of the old estate (``…?household_id=``, the take-
    a-payment form) or a place in its list (``cursor``)."""
    parts = urlsplit(target)
    try:
        _, args = current_app.url_map.bind("console").match(parts.path, method="GET")
    except HTTPException:
        return url_for("home.index")
    if args:
        return url_for("home.index")
    kept = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not name.endswith("_id") and name != "cursor"]
    return parts.path + (f"?{urlencode(kept)}" if kept else "")


@bp.post("/language")
def choose_language():
    chosen = request.form.get("language")
    response = make_response(redirect(_safe_next(request.form.get("next"))))
    if chosen in i18n.LANGUAGES:
        response.set_cookie(i18n.LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_SECONDS,
                            httponly=True, samesite="Strict", secure=request.is_secure)
    return response


def portal_language_switch():
    """The language switch of a portal's page whose token the session does not hold (the owner's
    phone lost the console's session: cookies cleared, the browser restarted): the switch made, back
    on that page, where it was the staff console's expired form's page with its staff links (a probe
    of small gaps). None for any other request. The portal has no session to guard, and the choice is
    this browser's display language alone: a forged switch changes what language a page reads in,
    nothing kept. The staff's switch still asks for its token, as every staff form does."""
    if request.endpoint != "home.choose_language":
        return None
    back = _safe_next(request.form.get("next"))
    if not portal.is_portal_path(urlsplit(back).path):
        return None
    return choose_language()
