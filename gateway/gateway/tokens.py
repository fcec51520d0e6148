"""Bearer tokens: HS256 JWTs naming the user (``sub``) and the version of its credentials
(``cv``); the roles and estate scope they carry are informative for clients: on every
request ``users.caller`` takes them from the user's record."""
import uuid
from datetime import timedelta

import jwt

from estate_common import clock, secrets_policy
from estate_common.errors import Unauthorized

ISSUER = "estate-ops"


class TokenIssuer:
    def __init__(self, secret, ttl_seconds):
        secrets_policy.check_jwt_secret(secret)
        self.secret = secret
        self.ttl_seconds = ttl_seconds

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
        if not isinstance(roles, list) or not isinstance(estates, list) or not isinstance(claims.get("cv"), int):
            raise Unauthorized("the token is not valid")
        return claims
