"""Bearer tokens: HS256 JWTs naming the user (``sub``) and the version of its credentials
(``cv``); the roles and estate scope they carry are informative for clients: on every
request ``users.caller`` takes them from the user's record.

A token's signature and claims are verified once (``VERIFIED_CACHE_SIZE`` tokens kept): a
client sends the same token on every request, and PyJWT's decode was a fifth of the gateway's
own CPU per request. Only what cannot change is cached (the decoded claims of a token whose
signature, issuer and claim types checked out); its expiry is compared with the clock on every
request, and revocation (a disabled user, changed credentials or roles) is ``users.caller``'s
check of the user's record, which still runs on every request."""
import threading
import uuid
from datetime import timedelta

import jwt

from estate_common import clock, secrets_policy
from estate_common.errors import Unauthorized

ISSUER = "estate-ops"
VERIFIED_CACHE_SIZE = 4096


class TokenIssuer:
    def __init__(self, secret, ttl_seconds):
        secrets_policy.check_jwt_secret(secret)
        self.secret = secret
        self.ttl_seconds = ttl_seconds
        self._verified = {}  # token -> its verified claims (insertion order: the oldest first)
        self._lock = threading.Lock()

    def issue(self, username, roles, estates, credential_version):
        now = clock.now()
        claims = {
            "iss": ISSUER,
            "sub": username,
            "roles": roles,
            "estates": estates,
            "cv": credential_version,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
            "jti": uuid.uuid4().hex,
        }
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
