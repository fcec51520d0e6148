"""Deny by default: a caller needs a valid token of an active user whose credentials
have not changed since, one of the route's roles (as stored now, not as the token
says), and (on estate paths) the estate in its scope."""
from flask import current_app, request

from estate_common.errors import Forbidden

from . import users
from .policy import ALL_ESTATES


def authorize(roles, estate_id=None):
    state = current_app.extensions["estate_ops"]
    claims = state.tokens.read(request.headers.get("Authorization"))
    caller = users.caller(state.user_cache, claims)
    if not roles or not set(caller["roles"]) & set(roles):
        raise Forbidden("your role may not do this")
    if estate_id is not None and ALL_ESTATES not in caller["estates"] and estate_id not in caller["estates"]:
        raise Forbidden("this estate is outside your scope")
    return caller
