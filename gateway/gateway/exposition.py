"""The gateway's metrics: ``GET /metrics`` and what every request adds to them.

``/metrics`` needs no token, like ``/healthz``, and is for a scraper that reaches the pod
itself: a request that came through a proxy (``X-Forwarded-For`` or ``Forwarded``, which an
ingress adds) is answered 404. The ingress shares the gateway's port with the API, so the
NetworkPolicy alone, which lets the monitoring namespace and the ingress reach it, kept
nothing off an Ingress that routes every path (found by review); ``make run`` binds 127.0.0.1.
Requests are counted by route *template* (``request.url_rule.rule``),
never by path, so ids never become labels; a path no route matches counts as ``unmatched``.

Under gunicorn with several workers each worker holds its own values: ``gunicorn.conf.py``
then sets ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` adds up every worker's files.
"""
from flask import Response, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import multiprocess
from werkzeug.exceptions import NotFound

from estate_common import metrics

TOKEN_ROUTE = "/api/v1/auth/token"


def register(app):
    metrics.register_gateway_only()
    app.add_url_rule("/metrics", endpoint="metrics", view_func=_scrape, methods=["GET"])


def _scrape():
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        raise NotFound()  # through a proxy: from outside the cluster
    if metrics.multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    # content_type, not mimetype: werkzeug adds a charset to a text/* mimetype, and this one has
    # one already; a parameter given twice is a Content-Type that Prometheus 3 cannot parse
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


# the label's values: any other method a client sends (any token at all) counts as "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def counting(response, seconds):
    """The counts of one answered request (``response``), its labels read now (the request's), to be
    added when called: the app's after-request hook adds them once the answer has been sent
    (``after_answer``), when the request is gone."""
    current = request._get_current_object()  # one lookup (werkzeug's LocalProxy)
    rule = current.url_rule
    route = rule.rule if rule is not None else "unmatched"
    if route == "/metrics":
        return _nothing  # the scraper's own calls would only add noise
    status = response.status_code
    method = current.method if current.method in METHODS else "other"
    replayed = response.headers.get("Idempotent-Replayed") == "true"

    def add():
        metrics.HTTP_REQUESTS.labels(route, method, str(status)).inc()
        metrics.HTTP_DURATION.labels(route, method).observe(seconds)
        if replayed:
            metrics.IDEMPOTENCY_REPLAYS.labels(route).inc()
        if status == 429:
            metrics.RATE_LIMITED.labels(route).inc()
        if route == TOKEN_ROUTE and status == 401:
            metrics.LOGIN_FAILURES.inc()
    return add


def _nothing():
    pass
