"""The session cookie, split over as many cookies as it needs.

Flask keeps the session in one signed cookie, and a browser drops a cookie of more than about
4 KB without a word. Two things made the console's larger than that:

- the gateway's token names every estate of its user (up to 500: ``UserCreate.estate_ids``), and
  the session holds it. A regional manager of 250 estates signed in, was sent home, and landed on
  the sign-in page again (a 13 KB cookie, dropped);
- a refused row action keeps the form as typed for the page it goes back to
  (``views.common.row_typed``): 1,200 Chinese characters lost the text and the refusal.

So the signed value is cut into pieces of ``PIECE`` characters, ``console_session`` then
``console_session_1``, ``_2``…, the first one saying how many there are (``3~…``), and read back
joined. Pieces beyond that count are left over from a larger session and not read: two tabs
writing sessions of different sizes left the browser with a shorter one's pieces and a longer
one's last pieces, which joined into no session at all (found by review). The signature covers
the whole value: a piece missing or from another session reads as no session (sign in again).

What is kept for one page has a bound (``BUDGET``): beyond it a refused form's typed text is left
out, then the refusal, then a form sent after its session ended (``unsent``), so that no input makes a
cookie header larger than the console reads
(``console/gunicorn.conf.py``'s ``limit_request_field_size``, which the ingress must allow too).
"""
import logging

from flask import request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadData

log = logging.getLogger(__name__)

PIECE = 3800  # characters of the signed value in one cookie: a browser keeps 4096 bytes of name, value and attributes
BUDGET = 48 * 1024  # the largest signed value, in all pieces: a 500-estate token is about 21 KB of it
# what may be left out beyond the budget, in this order: a refused form as it was typed, its refusal,
# a form sent after the session ended (``unsent``: capped, so only beside the largest tokens)
KEPT_FOR_A_PAGE = ("typed", "problem", "unsent_form")
MOST_PIECES = BUDGET // PIECE + 1
COUNTED = "~"  # between the first piece's count and its part of the value (the value never holds one)


def piece_names(name, count):
    return [name if index == 0 else f"{name}_{index}" for index in range(count)]


class PiecedCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, in pieces (``PIECE``)."""

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        names = piece_names(self.get_cookie_name(app), MOST_PIECES)
        count, _, first = request.cookies.get(names[0], "").partition(COUNTED)
        # a count of thousands of digits is no session, not a 500 (int() refuses over 4,300)
        if not (count.isascii() and count.isdigit() and len(count) <= len(str(MOST_PIECES))
                and 0 < int(count) <= MOST_PIECES and first):
            return self.session_class()
        pieces = [first] + [request.cookies.get(name, "") for name in names[1:int(count)]]
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
        pieces = [value[start:start + PIECE] for start in range(0, len(value), PIECE)]
        pieces[0] = f"{len(pieces)}{COUNTED}{pieces[0]}"
        self._set(app, response, pieces, expires=self.get_expiration_time(app, session))
        response.vary.add("Cookie")

    def _signed(self, app, session):
        serializer = self.get_signing_serializer(app)
        kept = dict(session)
        value = serializer.dumps(kept)
        for key in KEPT_FOR_A_PAGE:
            if len(value) <= BUDGET:
                break
            if key in kept:
                log.warning("the session is %d characters, more than the %d a browser is sent back with: "
                            "%s left out", len(value), BUDGET, key)
                del kept[key]
                value = serializer.dumps(kept)
        if len(value) > BUDGET:
            log.error("the session is %d characters with nothing left to leave out: the user will sign in again",
                      len(value))
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
