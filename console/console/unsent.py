"""A form sent after its session ended is not lost.

A night guard typed a long incident report, sent it after the session had ended, signed in again
and found the form empty: the text was gone (a probe). Now a form that arrives with no valid
session (``signin.signed_in``), or whose write the gateway answers 401 (``app._api_problem``), is
kept (both by ``signin.session_ended``) in the session as it was typed (``keep``), carried over the sign-in when the same user signs
in again (``carried_over``; another user's sign-in drops it: it may name an owner's phone), and
shown once, read-only, above the first page after it (``take``, from ``base.html``), for the user
to copy into the form and send again. It is never sent again by itself: the user sees what the
page says now before sending (a payment, a step of an incident), and its Idempotency-Key is not
kept: the form sent again is a new one with its own (the first sending was refused before it did
anything).

Left out: the CSRF token, ``next``, an Idempotency-Key, and any password, secret or token field
(``_secret``); blank fields. Kept: at most ``MAX_CHARS`` characters of the values in all (an
incident's description takes 2,000). A field past that is cut there and the ones after it are left
out, and the notice says so (``cut``): a 5,000-character text of random Chinese is about 18 KB of
the signed session, which with a 500-estate token's 21 KB stays under the session's budget
(``session_cookies.BUDGET``, which leaves the form out last, and logs it, beyond that).

Only a form the console rendered is kept: one without its CSRF token is refused before (400), so
a page of another site cannot put words in the notice. A form sent with no session at all (the
browser closed, the session cookie older than ``PERMANENT_SESSION_LIFETIME``) has no CSRF token
to match and is lost as before."""
from urllib.parse import urlsplit

from flask import current_app, request, session
from werkzeug.exceptions import HTTPException

from . import i18n, security

KEY = "unsent_form"
MAX_CHARS = 5000
# a form's own hidden fields: which page it came from ("from": it showed as 起始 detail, a probe)
LEFT_OUT = frozenset({security.CSRF_FIELD, "next", "idempotency_key", "from", "version"})


def _secret(name):
    lowered = name.lower()
    return any(word in lowered for word in ("password", "secret", "token", "api_key"))


def keep(username):
    """Keep the posted form of this request for ``username`` (whose session just ended), when it
    is a write that carries something typed; nothing for a user unknown (never signed in here)."""
    if request.method not in security.UNSAFE_METHODS or not username:
        return
    fields, left, cut = [], MAX_CHARS, False
    for name, value in request.form.items(multi=True):
        if name in LEFT_OUT or _secret(name) or not value.strip():
            continue
        if left <= 0:
            cut = True
            break
        if len(value) > left:
            value, cut = value[:left], True
        left -= len(value)
        fields.append([name, value])
    if fields:
        session[KEY] = {"user": username, "path": request.path, "fields": fields, "cut": cut}


def carried_over(username):
    """The form kept for ``username``, to carry over their sign-in (which clears the session);
    None for another user's, which is dropped."""
    kept = session.get(KEY)
    if isinstance(kept, dict) and kept.get("user") == username:
        return kept
    return None


def take(user):
    """The form kept for the signed-in ``user``, once (``base.html`` shows it above the page):
    ``{"fields": [(label, value)], "cut": bool}``, or None."""
    if user is None or KEY not in session:
        return None
    kept = session.pop(KEY)
    if not isinstance(kept, dict) or kept.get("user") != user.username:
        return None
    return {"fields": [(i18n.error_field(name), i18n.typed_value(name, value)) for name, value in kept["fields"]],
            "cut": bool(kept.get("cut"))}


def page_to_return_to():
    """Where the user lands after signing in again: for a form, the page it was sent from (its
    ``Referer`` on this console: ``Referrer-Policy: same-origin``), since the address a form posts
    to may answer no GET (a work order's completion); else the address asked."""
    if request.method in security.UNSAFE_METHODS and request.referrer:
        parts = urlsplit(request.referrer)
        if parts.netloc == request.host and parts.scheme in ("http", "https"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.method in security.UNSAFE_METHODS:
        return _page_above(request.path)
    return request.full_path


def _page_above(path):
    """The nearest address above ``path`` that shows a page (answers GET): a form sent without a
    ``Referer`` (a browser or proxy that drops it) came back to its POST-only address, a 405 page
    under the kept text (…/applications/{id}/reschedule: a probe); its record's page is above it."""
    adapter = current_app.url_map.bind("")
    while path and path != "/":
        try:
            adapter.match(path, method="GET")
            return path
        except HTTPException:
            path = path.rsplit("/", 1)[0]
    return "/"
