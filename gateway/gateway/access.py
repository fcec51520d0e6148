"""Deny by default: a caller needs a valid token, one of the route's roles, and
(on estate paths) the estate in its scope."""
from flask import current_app, request

from estate_common.errors import Forbidden

from .policy import ALL_ESTATES


def authorize(roles, estate_id=None):
    caller = current_app.extensions["estate_ops"].tokens.read(request.headers.get("Authorization"))
    if not roles or not set(caller["roles"]) & set(roles):
        raise Forbidden("your role may not do this")
    if estate_id is not None and ALL_ESTATES not in caller["estates"] and estate_id not in caller["estates"]:
        raise Forbidden("this estate is outside your scope")
    return caller
