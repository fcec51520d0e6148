"""The public routes: the owner portal's and the published disclosures', answered without an account.

One view for every public forwarded route (``Route(..., public=True)`` in ``routes/``): it
counts the call against the rate limits (``limits``, before anything else is read), caps the
body at ``PUBLIC_MAX_BODY_BYTES``, passes the path's parameters as they are (an estate's
``estate_code``, a ``tracking_code``: the service turns a code into an estate id, in one place,
``estate_common.replica.estate_id_by_code``) and calls the service as the signed caller
``portal`` (no roles, no estates: the bus still only takes calls the gateway signed). Nothing
is masked, because a public answer is built to hold no personal data.

A filing (``idempotent``) takes an ``Idempotency-Key``: checked here (400), then handed to
customer-service, which files once per key and rebuilds the same tracking code for a retry
(``customer_service/portal.py``), and tells whether it did (``{result, replayed}``, asked for
with ``replay_flag``, so that either side may be the older during a rolling deploy): a retry's
answer carries ``Idempotent-Replayed: true``, as the gateway's other creates' do. The gateway
keeps no record of the answer, unlike its other creates (``idempotency.py``): the answer holds
the tracking code, which is kept nowhere.

Limits, per ``PUBLIC_WINDOW_SECONDS`` (600), each a 429 with ``Retry-After``:
- every public call from one address: ``PUBLIC_ADDRESS_MAX_CALLS`` (60);
- filings and ratings (POST) from one address: ``PUBLIC_ADDRESS_MAX_WRITES`` (10);
- filings and ratings for one estate (its code, or a tracking code's estate part), from all
  addresses: ``PUBLIC_ESTATE_MAX_WRITES`` (300). A write refused (4xx: a bad body, an unknown
  code, a rating twice) is given back to the estate's count: refusals write nothing, and
  counted they let anyone close an estate's portal to its owners for the window without
  filing anything (found by a probe). The address's counts keep them (an address's tries are
  what its limits bound).
The address is the client's as the sign-in guard takes it (``limits.client_address``: an IPv6
client's /64; ``TRUSTED_PROXIES``).
"""
import re

from flask import current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from estate_common import config
from estate_common.errors import DomainError

from . import idempotency, limits, requests_in, users

CALLER = {"user": users.PORTAL_CALLER, "roles": [], "estates": []}
SETTINGS = {
    "window_seconds": ("PUBLIC_WINDOW_SECONDS", 600),
    "address_max_calls": ("PUBLIC_ADDRESS_MAX_CALLS", 60),
    "address_max_writes": ("PUBLIC_ADDRESS_MAX_WRITES", 10),
    "estate_max_writes": ("PUBLIC_ESTATE_MAX_WRITES", 300),
    "max_body_bytes": ("PUBLIC_MAX_BODY_BYTES", 16384),
}


def settings_from_env():
    return {name: config.env_int(variable, default) for name, (variable, default) in SETTINGS.items()}


SECRET_PARAMS = ("tracking_code", "access_code")  # a path part that opens a request's tracking view, an account


# What of a path the log keeps: one of the system's ids (``estate_common.ids``: a prefix and 24 hex
# digits), a lower-case word (a resource, a kind, a period, a file of the docs) or an estate code
# as archive keeps it (upper-case). Anything else typed where an id goes (a name: found by review)
# is logged as the part's name only.
_LOGGED_PART = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*_[0-9a-f]{24}|[a-z0-9][a-z0-9._/-]{0,63}|[A-Z0-9][A-Z0-9-]{1,31}")
_RULE_PART = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def logged_path_of(rule, view_args, path):
    """The path for the log of a request matched to ``rule`` (None: none) with ``view_args`` at
    ``path``: its route, with each path part that passes ``_LOGGED_PART`` and is not a secret (a
    tracking code opens a request's tracking view) and the others as ``<name>``. An unmatched path
    keeps its parts that pass, the others ``*``. Read from the request before its answer, made into
    the log's path after it (``app._finish``)."""
    args = view_args or {}
    if rule is None:
        return "/".join(part if not part or _LOGGED_PART.fullmatch(part) else "*" for part in path.split("/"))

    def part(match):
        name = match.group(1)
        value = str(args.get(name, ""))
        return value if name not in SECRET_PARAMS and _LOGGED_PART.fullmatch(value) else f"<{name}>"
    return _RULE_PART.sub(part, rule.rule)


def estate_code_of(path):
    """The estate a public path names: its code, or the estate part of a tracking code."""
    # codes are read in any case (archive keeps them upper-cased): one count per estate, whatever the case
    if "estate_code" in path:
        return str(path["estate_code"]).upper()
    code = path.get("tracking_code", path.get("access_code", ""))  # an owner's statement link's, likewise
    return str(code).partition(".")[0].upper()


def count(path, write):
    """The call against the limits (429 past one of them); the estate's count of a write, to give
    back if the write is refused (None for a read)."""
    state, limit = current_app.extensions["estate_ops"], current_app.config["PUBLIC_LIMITS"]
    window, address = limit["window_seconds"], limits.client_address()
    limits.within_window(state.db, "public-address", address, limit["address_max_calls"], window,
                         "too many calls from this address")
    if not write:
        return None
    limits.within_window(state.db, "public-address-writes", address, limit["address_max_writes"], window,
                         "too many requests filed from this address")
    return limits.within_window(state.db, "public-estate-writes", estate_code_of(path), limit["estate_max_writes"],
                                window, "too many requests filed for this estate")


def _refused(error):
    """Whether ``error`` answers 4xx: the request was refused and wrote nothing."""
    status = getattr(error, "status", None) if isinstance(error, DomainError) else getattr(error, "code", None)
    return isinstance(status, int) and 400 <= status < 500


def body_cap(view_function):
    """The body cap of a request to ``view_function``: the public routes' own, smaller one."""
    if getattr(view_function, "public", False):
        return current_app.config["PUBLIC_LIMITS"]["max_body_bytes"]
    return current_app.config["MAX_CONTENT_LENGTH"]


def view(route):
    def forward(**path):
        # an oversized body was refused (and read away) before the limits, with the public cap
        # (``body_cap``): answered 429 unread, it cost the client its connection
        # (``requests_in.DRAIN_FLOOR``)
        estate_count = count(path, write=route.method != "GET")
        try:
            return _forward(route, path)
        except (DomainError, HTTPException) as refused:
            if estate_count is not None and _refused(refused):
                limits.give_back(current_app.extensions["estate_ops"].db, estate_count)
            raise

    forward.__name__ = f"{route.service}__{route.rpc}"
    forward.public = True
    return forward


def _forward(route, path):
    """The call itself: the query and body checked, the key handed on, the service's answer."""
    payload = dict(path)
    if route.filters or route.paged:  # a list's (the notice board's building, a page), checked as every list's
        payload.update(requests_in.query_payload(route))
    else:
        requests_in.refuse_unknown_query()
    if route.body:
        payload["data"] = requests_in.json_body()
    context = None
    if route.idempotent and "Idempotency-Key" in request.headers:
        idempotency.check_key(request.headers["Idempotency-Key"])
        context = {"idempotency_key": request.headers["Idempotency-Key"], "replay_flag": True}
    state = current_app.extensions["estate_ops"]
    answer = state.rpc.call(route.service, route.rpc, payload, request_id=g.request_id, caller=CALLER,
                            context=context)
    if not (context and set(answer) == {"result", "replayed"}):
        return jsonify(answer), route.status  # no key, or a service from before replay_flag
    # the service found the first filing of a retry: said as the gateway's own replays say it
    response = jsonify(answer["result"])
    if answer["replayed"]:
        response.headers["Idempotent-Replayed"] = "true"
    return response, route.status

