"""Deny by default: a caller needs a valid token of an active user whose credentials
have not changed since, or an unrevoked API key (``X-API-Key``); one of the route's roles
(as stored now, not as the token says); and (on estate paths) the estate in its scope."""
import functools
import re

from flask import current_app, request

from estate_common.errors import Forbidden, Unauthorized

from . import api_keys, policy, retirements, users
from .policy import ALL_ESTATES
from .routes import ROUTES


def authorize(roles, estate_id=None, starts_work=False):
    """The caller, when their roles may call the route and the estate it names is theirs. A
    caller who may name any estate (the operator admin, an all-estates key) gets a 404 for one
    that does not exist (``known_estates``): a typo's settings, budgets or plans were stored; and
    a 409 for new work (``starts_work``; of the gateway's own routes, those of
    ``retirements.OWN_STARTS_WORK``, the table the served OpenAPI marks too) in one retired
    (``retirements``), which no other caller can reach (no active account or key holds a retired estate)."""
    state = current_app.extensions["estate_ops"]
    caller = _caller(state)
    if not roles:
        raise Forbidden("your role may not do this")  # a route that admits nobody: none to name
    if not set(caller["roles"]) & set(roles):
        # who may, from the very set that refused, so the two cannot disagree: an accountant who
        # proposed a fee standard and tried to approve it was not told a manager or the operator
        # admin approves it. Roles are public (the README's table of who may call what); the
        # sentence starts as it did, for integrators who match on it.
        raise Forbidden(f"your role may not do this: it is for {policy.roles_named(roles)}")
    if api_keys.is_key(caller) and _route_served() in policy.PEOPLE_ONLY:
        raise Forbidden("an API key may not do this: it is the staff's, signed in")
    if estate_id is not None:
        if ALL_ESTATES in caller["estates"]:
            if request.endpoint != "archive__get_estate":  # that one is archive's own 404
                retired_at = state.estates.require(estate_id, caller, state.rpc)
                if starts_work or _route_served() in retirements.OWN_STARTS_WORK:
                    retirements.refuse_new_work(retired_at)
        elif estate_id not in caller["estates"]:
            raise Forbidden("this estate is outside your scope")
    # a write's If-Match on a resource with no ETag: evaluated once the caller may make the write (RFC
    # 9110 13.2.1: a request refused without it is refused the same with it), not ignored (found by h6)
    from . import preconditions
    preconditions.untagged()
    return caller


def authorize_route(estate_id=None):
    """``authorize`` with the roles ``policy.GATEWAY_ROUTES`` gives the route being served."""
    return authorize(policy.GATEWAY_ROUTES.get(_route_served()), estate_id)


def _route_served():
    """``(method, rule)`` of the route being served, as the policy tables name it (HEAD as GET)."""
    method = "GET" if request.method == "HEAD" else request.method
    return method, request.url_rule.rule if request.url_rule is not None else None


IDENTIFIED = "estate_ops.caller"  # the request's caller, once identified


def _caller(state):
    """The caller of the request, identified once a request: a route that checks its caller twice
    (an export's start: the route's roles, then the resource's) counted a key's call twice against
    its limit (found by review) and read the user or key and its hash twice."""
    if IDENTIFIED not in request.environ:
        request.environ[IDENTIFIED] = _identified(state)
    return dict(request.environ[IDENTIFIED])


def _identified(state):
    key, authorization = request.headers.get(api_keys.HEADER), request.headers.get("Authorization")
    if key is not None:
        if authorization is not None:
            raise Unauthorized("send a Bearer token or an API key, not both")
        return api_keys.caller(state.key_cache, key, current_app.config["API_KEY_CALLS_PER_MINUTE"])
    allowed = _route_served() in policy.WHILE_PASSWORD_CHANGE_REQUIRED
    return users.caller(state.user_cache, state.tokens.read(authorization), password_change_allowed=allowed)


# One entry a route (its rule is the app's own, never a caller's path): every create's Location
# (``locations.located``) and every item read's ETag (``etags.tagged``) spelled its rule again, a
# regex substitution of about 9 µs a request (docs/benchmark-history.md, session 62).
@functools.lru_cache(maxsize=None)
def openapi_path(rule):
    """``/api/v1/estates/<estate_id>`` → ``/api/v1/estates/{estate_id}``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def starts_work_table():
    """Every route that starts new work (``retirements``: refused in a retired estate), as
    ``{(METHOD, openapi path)}``: forwarded and the gateway's own."""
    return ({(route.method, openapi_path(route.path)) for route in ROUTES if retirements.starts_work(route)}
            | {(method, openapi_path(rule)) for method, rule in retirements.OWN_STARTS_WORK})


def policy_table():
    """Every non-public route as ``{(METHOD, openapi path): roles}``: forwarded and the gateway's own."""
    table = {(route.method, openapi_path(route.path)): route.roles for route in ROUTES}
    table.update({(method, openapi_path(rule)): roles for (method, rule), roles in policy.GATEWAY_ROUTES.items()})
    return table
