"""The signed-in user: the token the gateway issued, kept in the session cookie
(HttpOnly, SameSite=Strict, signed), and what the console shows from it."""
import base64
import binascii
import json
import logging
import time
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, redirect, request, session, url_for

from . import i18n, menu, unsent
from .gateway_api import ApiProblem, Gateway

log = logging.getLogger(__name__)

# A token is refreshed (``POST /api/v1/auth/token/refresh``) by the first signed-in request past
# half its life, so that a user at work is not signed out ``TOKEN_TTL_SECONDS`` after signing in (a
# night guard typing an incident report was: a probe); the gateway ends the sign-in at its cap
# (``TOKEN_MAX_SESSION_SECONDS``). A refresh refused (4xx) is not asked again for that token, which
# expires as before; one the gateway could not answer is asked again after ``REFRESH_RETRY_SECONDS``.
# When it is due is kept in the session (``REFRESH_DUE``), read from the token at sign-in and at each
# refresh: decoding a 500-estate token on every page to find out took about 0.1 ms a page.
REFRESH_RETRY_SECONDS = 60
REFRESH_DUE = "refresh_due"  # a Unix time; None: the token is not refreshed
DEFAULT_TOKEN_SECONDS = 3600  # a token's life when it names no ``iat`` (the gateway's always does)

# How long the chosen estate's name and timezone are taken from the session before they are read
# again: an estate whose timezone an admin changed was shown on the old clock for the whole
# session, up to 8 hours (found by review).
ESTATE_READ_SECONDS = 300
# The clock the caller's estates share, as the view of every estate reads it (``{"zone": name, "" when
# they share none, "read_at": epoch seconds}``), kept as long as the chosen estate's (``ESTATE_READ_SECONDS``):
# it was their list read on every load of the KPI dashboard, 5 pages at 1,000 estates (found by h6).
ESTATES_ZONE = "estates_zone"


@dataclass
class User:
    username: str
    roles: list
    token: str
    estate_id: str | None
    several_estates: bool = False  # the token names more than one, or every one ("*")

    @property
    def switches_estate(self):
        """Whether the user works in more than one estate: a manager over several, anyone whose
        token names several (a steward of two estates), the operator admin. Kept in the session
        as a yes or no (``SEVERAL_ESTATES``): a copy of the token's estates doubled a large
        scope's cookie, and reading them from the token was a decoding of 500 estates on every
        page (the header asks)."""
        return bool(set(self.roles) & menu.MANAGEMENT) or self.several_estates


SEVERAL_ESTATES = "several_estates"


def claims_of(token):
    """The JWT's claims, read (not verified: the gateway verifies every call) to draw the menu."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}


def sign_in(username, token, password_change_required=False):
    claims = claims_of(token)
    unsent_form = unsent.carried_over(username)  # a form sent after the session ended: theirs only
    session.clear()
    if unsent_form:
        session[unsent.KEY] = unsent_form
    session["token"] = token
    if password_change_required:  # an admin reset it: the gateway admits only the change
        session[MUST_CHANGE_PASSWORD] = True
    session["username"] = username
    session["roles"] = list(claims.get("roles") or [])
    _keep_claims(claims)
    scope = claims.get("estates") or []
    session["estate_id"] = scope[0] if scope and scope[0] != "*" else None
    # the header names it, wherever the user lands first (next=…); not while an admin's reset asks
    # for the change first: the gateway refuses the estate until then, and the header read its id
    # (a probe): the first page after the change reads it
    if session["estate_id"] and not password_change_required:
        try:
            remember_estate(gateway(token).get(f"/api/v1/estates/{session['estate_id']}"))
        except ApiProblem:
            session["estate_name"] = session["estate_id"]


MUST_CHANGE_PASSWORD = "must_change_password"
# what such a user may open: the change itself (the gateway refuses everything else with 403)
WHILE_PASSWORD_CHANGE_REQUIRED = frozenset({"auth.password_form", "auth.change_password"})


def must_change_password():
    return bool(session.get(MUST_CHANGE_PASSWORD))


def password_changed():
    session.pop(MUST_CHANGE_PASSWORD, None)


def remember_estate(estate):
    """The chosen estate's name (the header), timezone (its times are shown on its clock) and
    ``retired_at`` (a retired estate's pages say so and offer no form of new work: ``retired_at``,
    ``permissions.may``)."""
    session["estate_name"] = estate.get("name") or estate.get("code")
    session["estate_timezone"] = estate.get("timezone")
    session[ESTATE_RETIRED_AT] = estate.get("retired_at")
    session["estate_read_at"] = time.time()


ESTATE_RETIRED_AT = "estate_retired_at"


def forget_estates_zone():
    """The estates' clock read again on the next page that needs it: this console changed an estate's
    timezone, or retired or reinstated one (a retired estate's clock is not theirs)."""
    session.pop(ESTATES_ZONE, None)


def retired_at():
    """When the chosen estate was retired (None: in service, or none chosen), as it was last read
    (``ESTATE_READ_SECONDS``; at once when this console retires or reinstates it)."""
    return session.get(ESTATE_RETIRED_AT) if session.get("estate_id") else None


def _refresh_estate(api):
    """The chosen estate read again once ``ESTATE_READ_SECONDS`` have passed; kept as it was when
    the gateway cannot say (a 401 still ends the session as on any call)."""
    if not session.get("estate_id") or time.time() - session.get("estate_read_at", 0) < ESTATE_READ_SECONDS:
        return
    try:
        remember_estate(api.get(f"/api/v1/estates/{session['estate_id']}"))
    except ApiProblem as problem:
        if problem.status == 401:
            raise
        session["estate_read_at"] = time.time()  # not again on every page while the gateway refuses


def replace_token(token):
    """A fresh token for the signed-in user (after their password change every older one stops
    working, or a refresh), keeping the rest of the session (the estate chosen); its claims."""
    session["token"] = token
    claims = claims_of(token)
    _keep_claims(claims)
    return claims


def _whole(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _keep_claims(claims):
    """What every page needs of the token, kept in the session at sign-in and at each refresh: its
    end (``exp``), when it is refreshed (``REFRESH_DUE``: past half its life; never for a token
    without a whole ``exp``) and whether it names several estates. A page decodes no token."""
    session["expires"] = int(claims.get("exp") or time.time() + 3600)
    session[REFRESH_DUE] = _refresh_due(claims)
    session[SEVERAL_ESTATES] = _several_estates(claims)


def _several_estates(claims):
    estates = claims.get("estates") or ()
    return "*" in estates or len(estates) > 1


def _refresh_due(claims):
    expires = _whole(claims.get("exp"))
    if expires is None:
        return None
    issued = _whole(claims.get("iat"))
    life = expires - issued if issued is not None and issued < expires else DEFAULT_TOKEN_SECONDS
    return expires - life / 2


def refresh_if_due(user):
    """The user, with a new token of the same sign-in once ``REFRESH_DUE`` has passed; the user as
    they were otherwise. The roles the gateway now gives them come with it (the menu). A refresh
    refused is not asked again for this token; one not answered, ``REFRESH_RETRY_SECONDS`` later."""
    due, now = session.get(REFRESH_DUE), time.time()
    if due is None or now < due:
        return user
    try:
        answer = gateway(user.token).call("POST", "/api/v1/auth/token/refresh")
        token = answer["access_token"]
    except (ApiProblem, KeyError, TypeError) as problem:
        refused = isinstance(problem, ApiProblem) and 400 <= problem.status < 500
        session[REFRESH_DUE] = None if refused else now + REFRESH_RETRY_SECONDS
        log.info("the token was not refreshed (%s): it expires as before",
                 problem.status if isinstance(problem, ApiProblem) else "answer without a token")
        return user
    roles = replace_token(token).get("roles")
    if isinstance(roles, list):
        session["roles"] = roles
    return current_user() or user


def sign_out():
    """The session ends, and its token with it (``DELETE /api/v1/auth/token``): a copy of the
    session cookie taken before no longer works. A gateway that cannot be reached leaves the
    token to expire (``TOKEN_TTL_SECONDS``); the session is cleared either way."""
    token = session.get("token")
    session.clear()
    if token:
        try:
            gateway(token).call("DELETE", "/api/v1/auth/token")
        except ApiProblem:
            pass  # signed out already, or the gateway is down: nothing more the console can do


def current_user():
    token = session.get("token")
    if not token or session.get("expires", 0) <= time.time():
        return None
    if REFRESH_DUE not in session or SEVERAL_ESTATES not in session:
        claims = claims_of(token)  # a session signed in before the console kept them: read once
        session.setdefault(REFRESH_DUE, _refresh_due(claims))
        session.setdefault(SEVERAL_ESTATES, _several_estates(claims))
    return User(session.get("username", ""), session.get("roles", []), token, session.get("estate_id"),
                bool(session[SEVERAL_ESTATES]))


def gateway(token=None):
    """The gateway client for this request, with the user's own token and language, and the
    visitor's address: the gateway counts failed sign-ins (and password checks) per address, and
    without it every console user would share the console's own (five wrong passwords from one
    visitor locked the account for everyone signing in through the console)."""
    user = current_user()
    return Gateway(current_app.config["GATEWAY_URL"], token or (user.token if user else None),
                   i18n.language(), session=current_app.extensions["console_http"],
                   forwarded_for=request.remote_addr)


def session_ended():
    """The answer to a request whose session has ended (none, or its token expired) or whose token
    the gateway refused (401): the sign-in page, saying the session had ended when there was one,
    then back to the page (``next``), where a form sent is shown to copy, never sent again
    (``unsent``). The token is not signed out at the gateway: it works no more."""
    username = session.get("username")  # whose session ended, when one did
    session.clear()
    unsent.keep(username)
    return redirect(url_for("auth.sign_in_form", next=unsent.page_to_return_to(), expired=1 if username else None))


def signed_in(view):
    """The view needs a signed-in user (``g.user``), and an estate chosen for estate screens."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = current_user()
        if user is None:
            return session_ended()
        if must_change_password():  # the gateway refreshes no token of theirs until the change
            g.user, g.api = user, gateway()
            if request.endpoint not in WHILE_PASSWORD_CHANGE_REQUIRED:
                return redirect(url_for("auth.password_form"))
            return view(*args, **kwargs)
        g.user = refresh_if_due(user)
        g.api = gateway()
        _refresh_estate(g.api)
        return view(*args, **kwargs)
    return wrapper


def estate_needed(view):
    """Estate screens: without an estate chosen yet, the user picks one first."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not g.user.estate_id:
            return redirect(url_for("home.estates", next=request.full_path))
        return view(*args, **kwargs)
    return signed_in(wrapper)
