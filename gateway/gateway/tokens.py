"""Bearer tokens: HS256 JWTs carrying the user's roles and estate scope."""
import uuid
from datetime import timedelta

import jwt

from estate_common import clock
from estate_common.errors import Unauthorized

ISSUER = "estate-ops"


class TokenIssuer:
    def __init__(self, secret, ttl_seconds):
        if not secret or len(secret) < 32:
            raise RuntimeError("JWT_SECRET must be set to at least 32 characters")
        self.secret = secret
        self.ttl_seconds = ttl_seconds

    def issue(self, username, roles, estates):
        now = clock.now()
        claims = {
            "iss": ISSUER,
            "sub": username,
            "roles": roles,
            "estates": estates,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def read(self, header):
        """The caller (``{user, roles, estates}``) from an ``Authorization`` header, or 401."""
        if not header or not header.startswith("Bearer "):
            raise Unauthorized("a Bearer token is required")
        try:
            # Times are checked below against estate_common.clock, which stamped them (PyJWT
            # would use the wall clock, so a controlled clock would disagree with itself).
            claims = jwt.decode(header[len("Bearer "):].strip(), self.secret, algorithms=["HS256"],
                                issuer=ISSUER, options={"require": ["exp", "iat", "sub", "iss"],
                                                        "verify_exp": False, "verify_iat": False})
        except jwt.InvalidTokenError:
            raise Unauthorized("the token is not valid") from None
        if not isinstance(claims["exp"], int) or claims["exp"] <= clock.now().timestamp():
            raise Unauthorized("the token has expired")
        roles, estates = claims.get("roles"), claims.get("estates")
        if not isinstance(roles, list) or not isinstance(estates, list):
            raise Unauthorized("the token is not valid")
        return {"user": claims["sub"], "roles": roles, "estates": estates}
