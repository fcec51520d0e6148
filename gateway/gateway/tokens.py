"""Bearer tokens: HS256 JWTs naming the user (``sub``) and the version of its credentials
(``cv``); the roles and estate scope they carry are informative for clients: on every
request ``users.caller`` takes them from the user's record.

A token's signature and claims are verified once (``VERIFIED_CACHE_SIZE`` tokens kept): a
client sends the same token on every request, and PyJWT's decode was a fifth of the gateway's
own CPU per request. Only what cannot change is cached (the decoded claims of a token whose
signature, issuer and claim types checked out); its expiry is compared with the clock on every
request, and revocation (a disabled user, changed credentials or roles) is ``users.caller``'s
check of the user's record, which still runs on every request.

A session slides (``refresh``: ``POST /api/v1/auth/token/refresh``) up to an absolute cap: every
token of one sign-in carries its time (``auth_time``) and its id (``sid``, the first token's
``jti``); none expires later than ``auth_time`` + ``max_session_seconds`` (``TOKEN_MAX_SESSION_SECONDS``,
12 h by default: a night shift), and once that has passed the user signs in again. Signing out
ends the session (``sid``), so every token refreshed from it ends together."""
import threading
import uuid
from datetime import timedelta

import jwt

from estate_common import clock, secrets_policy
from estate_common.errors import Unauthorized

ISSUER = "estate-ops"
VERIFIED_CACHE_SIZE = 4096
MAX_SESSION_SECONDS = 12 * 3600  # the default of TOKEN_MAX_SESSION_SECONDS: a night shift


def auth_time(claims):
    """When the token's sign-in was: a token issued before sessions slid has no ``auth_time``,
    and its own ``iat`` is the latest its sign-in can have been."""
    for value in (claims.get("auth_time"), claims.get("iat")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 0  # a hand-made token with neither as a number: its sign-in is long over


def session_of(claims):
    """The sign-in a token belongs to (what a sign-out ends): its ``sid``, or its own ``jti`` for
    the first token of a sign-in and for one issued before sessions slid."""
    sid = claims.get("sid")
    return sid if isinstance(sid, str) and sid else claims.get("jti")


class TokenIssuer:
    def __init__(self, secret, ttl_seconds, max_session_seconds=MAX_SESSION_SECONDS):
        secrets_policy.check_jwt_secret(secret)
        if max_session_seconds <= 0:
            raise RuntimeError("TOKEN_MAX_SESSION_SECONDS must be a positive number of seconds")
        self.secret = secret
        self.ttl_seconds = ttl_seconds
        self.max_session_seconds = max_session_seconds
        self._verified = {}  # token -> its verified claims (insertion order: the oldest first)
        self._lock = threading.Lock()

    def issue(self, username, roles, estates, credential_version):
        """A token of a new sign-in."""
        return self._encode(self._claims(username, roles, estates, credential_version))

    def refresh(self, claims, credential_version, roles, estates):
        """``(token, expires_in)``: a new token of the sign-in of ``claims`` (a token of the user's
        that ``users.refreshable`` admitted), with its ``auth_time`` and ``sid``, expiring
        ``ttl_seconds`` from now or at the sign-in's cap, whichever comes first; 401 once the
        sign-in is ``max_session_seconds`` old. The token sent goes on until its own expiry:
        another tab of the same console, or a request in flight with it, is not signed out by this
        refresh; a sign-out ends both (``session_of``)."""
        now = int(clock.now().timestamp())
        if self.session_end(auth_time(claims)) <= now:
            raise Unauthorized("the sign-in is older than a session may last: sign in again")
        fresh = self._claims(claims["sub"], roles, estates, credential_version, session=claims)
        return self._encode(fresh), fresh["exp"] - now

    @property
    def expires_in(self):
        """Seconds a new sign-in's token lasts (never past the session's cap)."""
        return min(self.ttl_seconds, self.max_session_seconds)

    def session_end(self, signed_in):
        """The latest a token of a sign-in at ``signed_in`` (epoch seconds) may expire."""
        return signed_in + self.max_session_seconds

    def _claims(self, username, roles, estates, credential_version, session=None):
        now = clock.now()
        iat = int(now.timestamp())
        jti = uuid.uuid4().hex
        signed_in = auth_time(session) if session else iat
        return {
            "iss": ISSUER,
            "sub": username,
            "roles": roles,
            "estates": estates,
            "cv": credential_version,
            "iat": iat,
            "exp": min(int((now + timedelta(seconds=self.ttl_seconds)).timestamp()), self.session_end(signed_in)),
            "jti": jti,
            "auth_time": signed_in,
            "sid": session_of(session) if session else jti,
        }

    def _encode(self, claims):
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def read(self, header):
        """The verified claims of the token in an ``Authorization`` header, or 401."""
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():  # the scheme's case is free (RFC 9110 11.1)
            raise Unauthorized("a Bearer token (Authorization) or an API key (X-API-Key) is required")
        token = token.strip()
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            with self._lock:
                if len(self._verified) >= VERIFIED_CACHE_SIZE:
                    del self._verified[next(iter(self._verified))]
                self._verified[token] = claims
        if claims["exp"] <= clock.now().timestamp():
            raise Unauthorized("the token has expired")
        return dict(claims)  # the caller's own copy: the cached one stays as verified

    def _verify(self, token):
        try:
            # Times are checked in read() against estate_common.clock, which stamped them (PyJWT
            # would use the wall clock, so a controlled clock would disagree with itself).
            claims = jwt.decode(token, self.secret, algorithms=["HS256"],
                                issuer=ISSUER, options={"require": ["exp", "iat", "sub", "iss"],
                                                        "verify_exp": False, "verify_iat": False})
        except jwt.InvalidTokenError:
            raise Unauthorized("the token is not valid") from None
        if not isinstance(claims["exp"], int):
            raise Unauthorized("the token has expired")
        roles, estates = claims.get("roles"), claims.get("estates")
        if not isinstance(roles, list) or not isinstance(estates, list) or not isinstance(claims.get("cv"), int):
            raise Unauthorized("the token is not valid")
        return claims
