"""The session cookie, split over as many cookies as it needs.

Flask keeps the session in one signed cookie, and a browser drops a cookie of more than about
4 KB without a word. Two things made the console's larger than that:

- the gateway's token names every estate of its user (up to 500: ``UserCreate.estate_ids``), and
  the session holds it. A regional manager of 250 estates signed in, was sent home, and landed on
  the sign-in page again (a 13 KB cookie, dropped);
- a refused row action keeps the form as typed for the page it goes back to
  (``views.common.row_typed``): 1,200 Chinese characters lost the text and the refusal.

So the signed value is cut into pieces of ``PIECE`` characters, ``console_session`` then
``console_session_1``, ``_2``…, and read back joined. The signature covers the whole value: a
piece left over from a larger session, or one that is missing, reads as no session at all.

What typed text is kept has a bound (``BUDGET``): beyond it the form is not kept (the refusal
still is), so that no input makes a cookie header larger than the console reads
(``console/gunicorn.conf.py``'s ``limit_request_field_size``, which the ingress must allow too).
"""
import logging

from flask import request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadData

log = logging.getLogger(__name__)

PIECE = 3800  # characters of the signed value in one cookie: a browser keeps 4096 bytes of name, value and attributes
BUDGET = 48 * 1024  # the largest signed value, in all pieces: a 500-estate token is about 21 KB of it
KEPT_FOR_A_PAGE = ("typed",)  # what may be left out beyond the budget: a refused form as it was typed


def piece_names(name, count):
    return [name if index == 0 else f"{name}_{index}" for index in range(count)]


class PiecedCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, in pieces (``PIECE``)."""

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        pieces = []
        for name in piece_names(self.get_cookie_name(app), BUDGET // PIECE + 1):
            piece = request.cookies.get(name)
            if not piece:
                break
            pieces.append(piece)
        if not pieces:
            return self.session_class()
        try:
            return self.session_class(serializer.loads("".join(pieces),
                                                       max_age=int(app.permanent_session_lifetime.total_seconds())))
        except BadData:  # a bad signature, a piece left over or missing: no session (sign in again)
            return self.session_class()

    def save_session(self, app, session, response):
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:
                self._set(app, response, [])
                response.vary.add("Cookie")
            return
        if not self.should_set_cookie(app, session):
            return
        value = self._signed(app, session)
        self._set(app, response, [value[start:start + PIECE] for start in range(0, len(value), PIECE)],
                  expires=self.get_expiration_time(app, session))
        response.vary.add("Cookie")

    def _signed(self, app, session):
        serializer = self.get_signing_serializer(app)
        value = serializer.dumps(dict(session))
        if len(value) > BUDGET:
            left_out = [key for key in KEPT_FOR_A_PAGE if key in session]
            log.warning("the session is %d characters, more than the %d a browser is sent back with: %s left out",
                        len(value), BUDGET, ", ".join(left_out) or "nothing could be")
            value = serializer.dumps({key: item for key, item in session.items() if key not in left_out})
        return value

    def _set(self, app, response, pieces, expires=None):
        """Each piece as its cookie; the pieces of an earlier, larger session that the browser
        still holds are deleted."""
        options = {"domain": self.get_cookie_domain(app), "path": self.get_cookie_path(app),
                   "secure": self.get_cookie_secure(app), "partitioned": self.get_cookie_partitioned(app),
                   "samesite": self.get_cookie_samesite(app), "httponly": self.get_cookie_httponly(app)}
        name = self.get_cookie_name(app)
        names = piece_names(name, len(pieces))
        for cookie, piece in zip(names, pieces):
            response.set_cookie(cookie, piece, expires=expires, **options)
        held = [cookie for cookie in request.cookies if cookie == name or cookie.startswith(name + "_")]
        for cookie in held:
            if cookie not in names:
                response.delete_cookie(cookie, **options)
