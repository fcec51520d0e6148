"""The gateway's span of an HTTP request: the root of the request's trace (``estate_common.tracing``).

It continues a client's W3C ``traceparent`` header when there is one. Named by route
*template* (``POST /api/v1/estates/<estate_id>/service-requests``), as the metrics are; it
carries the request id and the status, never the query or the body. Every RPC the request
makes is a child of it (``rpc_client``). Probes and scrapes (``/healthz``, ``/readyz``,
``/metrics``) are never sampled, nor are the health calls ``/readyz`` makes.
"""
from flask import g, request
from opentelemetry.trace import SpanKind, Status, StatusCode

from estate_common import tracing

SERVICE = "gateway"
UNSAMPLED = {"/healthz", "/readyz", "/metrics"}
# The request's (span, context token), kept in its WSGI environ: a request made while another runs
# in the same thread (a test client's, from inside a fake service) shares the outer one's ``g``,
# and kept there it would lose the outer span, whose context then stayed attached to the thread.
OPENED = "estate_ops.trace_span"


def register(app):
    """Call before any other ``before_request`` hook, so that the span covers them all."""
    app.before_request(_open)
    app.after_request(_answered)
    app.teardown_request(_close)


def _open():
    rule = request.url_rule.rule if request.url_rule is not None else None
    name = f"{request.method} {rule}" if rule else request.method
    attributes = {"http.request.method": request.method}
    if rule:
        attributes["http.route"] = rule
    parent = tracing.extract({tracing.HEADER: request.headers.get(tracing.HEADER),  # none: a new trace
                              tracing.TRACESTATE: request.headers.get(tracing.TRACESTATE)})
    request.environ[OPENED] = tracing.start(SERVICE, name, SpanKind.SERVER, parent=parent, attributes=attributes,
                                            sampled=rule not in UNSAMPLED)


def _answered(response):
    opened = request.environ.get(OPENED)
    if opened is not None and opened[0].is_recording():
        span = opened[0]
        span.set_attribute("http.response.status_code", response.status_code)
        if g.get("request_id"):
            span.set_attribute("estate.request_id", g.request_id)
        if response.status_code >= 500:
            span.set_status(Status(StatusCode.ERROR, str(response.status_code)))
    return response


def _close(exc=None):
    opened = request.environ.pop(OPENED, None)
    if opened is not None:
        tracing.finish(*opened, exc)
