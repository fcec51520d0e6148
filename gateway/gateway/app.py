"""The gateway application: ``gunicorn "gateway.app:create_app()"``.

Routing, authentication (JWT, API keys), role and estate checks, validation of what the
gateway itself owns (users, tokens), error mapping to problem+json, request
ids, idempotency and health. Business rules live in the services.
"""
import logging
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from estate_common import config, logs, secrets_policy, topology
from estate_common.errors import DomainError, PreconditionFailed
from estate_common.rpc_client import RpcClient

from . import (after_answer, api_keys, arrears_across, assignees, checklists_across, completeness, complaints_across, custom_fields, docs, etags, exports, exposition, fanout, idempotency, limits, locations,
               estate_handover, incident_overview, incidents_across, masking, notices_across, own_routes, portal_qr, preconditions, subject_access,
               problems, public, requests_in, retirements, store, technician_notices, traces, uploads, users)
from .access import authorize
from .known_estates import KnownEstates
from .problems import from_domain_error, problem
from .routes import PUBLIC_FORWARDED, ROUTES
from .tokens import MAX_SESSION_SECONDS, TokenIssuer

log = logging.getLogger("gateway")

SERVICES = tuple(topology.SERVICES)


@dataclass
class State:
    db: object
    rpc: RpcClient
    tokens: TokenIssuer
    user_cache: users.UserCache
    key_cache: api_keys.KeyCache
    estates: KnownEstates


def state():
    return current_app.extensions["estate_ops"]


def create_app(settings=None):
    settings = {**_settings_from_env(), **(settings or {})}
    secrets_policy.check_gateway(settings)  # refuses to start with a guessable secret
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings["max_body_bytes"]
    app.config["BODY_TIMEOUT"] = settings.get("body_timeout_seconds", 10.0)
    app.config["PUBLIC_LIMITS"] = settings["public_limits"]
    app.config["PORTAL_BASE_URL"] = settings["portal_base_url"]
    app.config["API_KEY_CALLS_PER_MINUTE"] = settings["api_key_calls_per_minute"]
    app.json.sort_keys = False
    if settings["trusted_proxies"]:  # X-Forwarded-For is the client's own say-so unless a proxy we run set it
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings["trusted_proxies"])
    db = store.connect()
    users.ensure_admin(db, settings["admin_password"])
    app.extensions["estate_ops"] = State(
        db=db,
        rpc=RpcClient(settings["amqp_uri"], settings["rpc_timeout"], owner="gateway"),
        tokens=TokenIssuer(settings["jwt_secret"], settings["token_ttl_seconds"], settings["token_max_session_seconds"]),
        user_cache=users.UserCache(db, settings["user_cache_seconds"]),
        key_cache=api_keys.KeyCache(db, settings["user_cache_seconds"]),
        estates=KnownEstates(),
    )
    if settings["technician_relay_seconds"] > 0:  # what maintenance was not told, told later (technician_notices)
        relay = technician_notices.RelayThread(db, lambda: app.extensions["estate_ops"].rpc,
                                               settings["technician_relay_seconds"])
        app.extensions["technician_relay"] = relay
        relay.start()
    traces.register(app)  # first: the request's span covers every other hook
    app.before_request(_begin)
    app.after_request(_finish)
    app.register_error_handler(DomainError, from_domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    own_routes.register(app, SERVICES)
    fanout.register(app)
    completeness.register(app)  # the closed records the archive lacks, named
    custom_fields.register(app)
    subject_access.register(app)  # an occupant's request to see his data, from every service
    incident_overview.register(app)  # the manager's view of a night's incident, from three services
    estate_handover.register(app)  # the handover package at a contract's end (移交清单), from every service
    incidents_across.register(app)  # 跨小区事件: the open incidents of the caller's estates, newest first
    complaints_across.register(app)  # 跨小区投诉分析: a page of the caller's estates' complaint analyses
    arrears_across.register(app)  # 结转下期欠费 across estates: each estate's and their total
    notices_across.register(app)  # 防台通知: one notice published in several estates, each its own
    checklists_across.register(app)  # 防汛防台准备检查表: one checklist written in several estates, each its own
    uploads.register(app)
    portal_qr.register(app)
    assignees.register(app)
    exports.register(app)
    for route in ROUTES + PUBLIC_FORWARDED:
        app.add_url_rule(route.path, endpoint=f"{route.service}__{route.rpc}",
                         view_func=public.view(route) if route.public else _forwarding_view(route),
                         methods=[route.method])
    docs.register(app)
    exposition.register(app)
    return app


def _settings_from_env():
    return {
        "admin_password": config.env("ESTATE_ADMIN_PASSWORD", ""),
        "jwt_secret": config.env("JWT_SECRET", ""),
        "token_ttl_seconds": config.env_int("TOKEN_TTL_SECONDS", 3600),
        "token_max_session_seconds": config.env_int("TOKEN_MAX_SESSION_SECONDS", MAX_SESSION_SECONDS),
        "user_cache_seconds": config.env_float("USER_CACHE_SECONDS", 2.0),
        "amqp_uri": config.amqp_uri(),
        "rpc_timeout": config.rpc_timeout(),
        "max_body_bytes": config.env_int("MAX_BODY_BYTES", 1_048_576),
        "body_timeout_seconds": config.env_float("GATEWAY_BODY_TIMEOUT", 10.0),
        "trusted_proxies": config.env_int("TRUSTED_PROXIES", 0),
        "public_limits": public.settings_from_env(),
        "api_key_calls_per_minute": config.env_int("API_KEY_CALLS_PER_MINUTE", 600),
        "portal_base_url": config.env("PORTAL_BASE_URL", "http://127.0.0.1:8081"),
        "technician_relay_seconds": config.env_float("GATEWAY_TECHNICIAN_RELAY_SECONDS", 60.0),
    }


def _http_error(error):
    code = _code(error)
    detail = error.description
    if isinstance(error, NotFound) and detail == NotFound.description:  # the routing's, in werkzeug's words
        detail = "no such path in this API (its paths: /api/v1/openapi.json)"
    response = problem(error.code, problems.title_of(code, error.name), detail, code)
    for name, value in error.get_headers():  # e.g. Allow on a 405
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def _code(http_error):
    return (http_error.name or "error").lower().replace(" ", "_")


# -- every request ------------------------------------------------------------

def _begin():
    # the request and g looked up once each (werkzeug's LocalProxy: a lookup on every attribute)
    ctx, current = g._get_current_object(), request._get_current_object()
    ctx.request_id = requests_in.request_id()
    ctx.started = time.monotonic()
    logs.set_request_id(ctx.request_id)
    app = current_app._get_current_object()
    requests_in.take_body(public.body_cap(app.view_functions.get(current.endpoint)), app.config["BODY_TIMEOUT"])


def _finish(response):
    ctx, current = g._get_current_object(), request._get_current_object()
    request_id = ctx.get("request_id")
    response.headers["X-Request-ID"] = request_id or ""
    locations.located(response)
    limits.advertised(response)
    response = etags.tagged(response)
    duration = round((time.monotonic() - ctx.get("started", time.monotonic())) * 1000, 1)
    # the line's fields and the metrics' labels are the request's, read now; they are written once
    # the answer has been sent (after_answer: under gunicorn; at once elsewhere)
    method, status, rule, view_args, path = (current.method, response.status_code, current.url_rule,
                                             current.view_args, current.path)
    counted = exposition.counting(response, duration / 1000)

    def written():
        log.info("request", extra={"method": method, "path": public.logged_path_of(rule, view_args, path),
                                   "status": status, "duration_ms": duration, "request_id": request_id})
        counted()
    after_answer.later(written)
    return response


def _unexpected(error):
    log.exception("unexpected error")
    return problem(500, "Internal error", "something went wrong; quote the request id", "internal_error")


# -- routes forwarded to a service -------------------------------------------

def _forwarding_view(route):
    starts_work = retirements.starts_work(route)  # the route's, decided once

    def view(**path):
        caller = authorize(route.roles, path.get("estate_id") if route.estate_scoped else None,
                           starts_work=starts_work)
        g.reads = route.reads  # a POST that only reads: a lost answer is no write maybe done (problems.py)
        payload = {}
        problems.name_path_fields(route.id_param, route.item_param)
        if route.estate_scoped:
            payload["estate_id"] = path["estate_id"]
        if route.id_param:
            payload["id"] = path[route.id_param]
        if route.item_param:
            payload["item"] = path[route.item_param]
        if route.body:
            payload["data"] = requests_in.json_body()
        payload.update(requests_in.query_payload(route))

        def shown(body):  # personal data masked by role (masking.py), a replay too
            return masking.for_caller(route.method, route.path, route.status, body, caller["roles"],
                                      caller.get("user"))

        def call(context=None):
            # the route's checks with other services (an entrapment's lift, maintenance's) are the call's,
            # after its Idempotency-Key: a replay answers the key's stored answer, where a retry of an
            # incident got a 503 while maintenance was down (found by h5); a check refused releases the key.
            # So is If-Match's (preconditions): a replay answers the first result though the write moved the tag
            conditional = preconditions.require(route)
            facts = route.facts(state().db, payload.get("estate_id"), payload.get("data"), caller) if route.facts else {}
            asked = preconditions.revision_asked(route)  # the read of an If-Match: which revision it answers
            try:
                answer = state().rpc.call(route.service, route.rpc, payload, request_id=g.request_id, caller=caller,
                                          context={**facts, **(context or {}), **conditional,
                                                   **({"revision_flag": True} if asked else {})} or None)
            except PreconditionFailed as error:  # the store found the record written since the read
                raise preconditions.moved(error) from None
            return shown(preconditions.revision_answered(answer, route) if asked else answer)

        if route.idempotent:
            return idempotency.once(state().db, caller, payload, route.status, call, shown, route.shown_once)
        return locations.answer(call()), route.status

    view.__name__ = f"{route.service}__{route.rpc}"
    return view
