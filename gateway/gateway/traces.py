"""The gateway's span of an HTTP request: the root of the request's trace (``estate_common.tracing``).

A client's W3C ``traceparent`` header is named by a link, not continued: the gateway is the edge,
and a client whose header was continued chose the trace id that every log line of the request
carries (another request's, to mix the two) and had its request recorded whatever the sampling
ratio (flag ``01``: found by a probe). Where only a trusted edge sends the header (a mesh, a proxy
of the operator's), ``GATEWAY_CONTINUE_CLIENT_TRACES=1`` continues it. Named by route *template*
(``POST /api/v1/estates/<estate_id>/service-requests``), as the metrics are, and by a method the
metrics count (``exposition.METHODS``; any other token is ``HTTP``, as OpenTelemetry's
conventions say); it carries the request id and the status, never the query or the body. Every
RPC the request makes is a child of it (``rpc_client``). Probes and scrapes (``/healthz``,
``/readyz``, ``/metrics``) are never sampled, nor are the health calls ``/readyz`` makes.
"""
from flask import current_app, g, request
from opentelemetry.trace import SpanKind, Status, StatusCode

from estate_common import config, tracing

from .exposition import METHODS

SERVICE = "gateway"
UNSAMPLED = {"/healthz", "/readyz", "/metrics"}
# The request's (span, context token), kept in its WSGI environ: a request made while another runs
# in the same thread (a test client's, from inside a fake service) shares the outer one's ``g``,
# and kept there it would lose the outer span, whose context then stayed attached to the thread.
OPENED = "estate_ops.trace_span"


def register(app):
    """Call before any other ``before_request`` hook, so that the span covers them all."""
    app.config["CONTINUE_CLIENT_TRACES"] = config.env("GATEWAY_CONTINUE_CLIENT_TRACES", "0") == "1"
    app.before_request(_open)
    app.after_request(_answered)
    app.teardown_request(_close)


def _open():
    rule = request.url_rule.rule if request.url_rule is not None else None
    if request.method in METHODS:
        method, attributes = request.method, {"http.request.method": request.method}
    else:  # any token at all: it names no span and no attribute of its own
        method, attributes = "HTTP", {"http.request.method": "_OTHER"}
    name = f"{method} {rule}" if rule else method
    if rule:
        attributes["http.route"] = rule
    client = tracing.extract({tracing.HEADER: request.headers.get(tracing.HEADER),  # none: a new trace
                              tracing.TRACESTATE: request.headers.get(tracing.TRACESTATE)})
    if current_app.config.get("CONTINUE_CLIENT_TRACES"):
        parent, links = client, None
    else:
        linked = tracing.span_context(client)
        parent, links = tracing.new_trace(), [linked] if linked.is_valid else None
    request.environ[OPENED] = tracing.start(SERVICE, name, SpanKind.SERVER, parent=parent, attributes=attributes,
                                            sampled=rule not in UNSAMPLED, links=links)


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
