"""Every Prometheus metric of estate-ops, named in one place.

The gateway exposes them at ``GET /metrics``; each service on ``METRICS_PORT``
(``estate_common.nameko.exposition``). The dashboards and alert rules in
``deploy/observability/`` name only metrics from here (``names()``; a test checks it).

Labels carry bounded values only: service, method and event type names, route
*templates* (``/api/v1/estates/<estate_id>/...``, never a path), HTTP methods and
statuses, outcomes. Never an id, a phone, a user name or anything a client typed.

The gateway under gunicorn with several workers runs prometheus_client's multiprocess
mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``gateway/gunicorn.conf.py``): every worker
writes its values to files there and ``/metrics`` adds them up. Gauges say how
(``multiprocess_mode``); the gateway has none of its own.
"""
import os

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

from .errors import DomainError

# RPC and HTTP latencies: from 1 ms (a cached read) to 10 s (past the RPC timeout)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# timers and background work last longer
LONG_BUCKETS = (0.005, 0.025, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)

# -- the gateway -----------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "estate_gateway_http_requests", "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"])
HTTP_DURATION = Histogram(
    "estate_gateway_http_request_duration_seconds", "Time to answer an HTTP request, by route template",
    ["route", "method"], buckets=LATENCY_BUCKETS)
IDEMPOTENCY_REPLAYS = Counter(
    "estate_gateway_idempotency_replays", "Creates answered from a stored response (a repeated Idempotency-Key)",
    ["route"])
# Unlabelled, so it would show (always 0) in every process that imports this module: it is
# declared with no registry and the gateway registers it (``register_gateway_only``).
LOGIN_FAILURES = Counter(
    "estate_gateway_login_failures", "Sign-ins refused for a wrong user name or password", registry=None)
RATE_LIMITED = Counter(
    "estate_gateway_rate_limited", "Requests answered 429 Too Many Requests, by route template", ["route"])

# -- RPC calls made (estate_common.rpc_client: the gateway, scripts, benches) -------
RPC_CLIENT_CALLS = Counter(
    "estate_rpc_client_calls", "RPC calls made, by service, method and outcome "
    "(ok, a domain error's code, service_unavailable, error)", ["service", "method", "outcome"])
RPC_CLIENT_DURATION = Histogram(
    "estate_rpc_client_call_duration_seconds", "Round trip of an RPC call as the caller sees it",
    ["service", "method"], buckets=LATENCY_BUCKETS)

# -- a service's entrypoints ------------------------------------------------------
RPC_HANDLED = Counter(
    "estate_rpc_handled", "RPC calls handled, by outcome (ok, a domain error's code, error)",
    ["service", "method", "outcome"])
RPC_DURATION = Histogram(
    "estate_rpc_handle_duration_seconds", "Time a service spent handling an RPC call",
    ["service", "method"], buckets=LATENCY_BUCKETS)
EVENTS_HANDLED = Counter(
    "estate_events_handled", "Events handled, by outcome (ok, error: redelivered, contract_breach: "
    "dead-lettered at once)", ["service", "source", "event_type", "outcome"])
EVENT_DURATION = Histogram(
    "estate_event_handle_duration_seconds", "Time a service spent handling an event",
    ["service", "source", "event_type"], buckets=LATENCY_BUCKETS)
TIMER_RUNS = Counter(
    "estate_timer_runs", "Timer runs (outbox sweep, job poll, heartbeat, domain sweeps), by outcome",
    ["service", "timer", "outcome"])
TIMER_DURATION = Histogram(
    "estate_timer_duration_seconds", "Time a timer run took", ["service", "timer"], buckets=LONG_BUCKETS)

# -- the outbox and its relay -------------------------------------------------------
EVENTS_PUBLISHED = Counter(
    "estate_events_published", "Events the relay published, by outcome (confirmed: routed and "
    "confirmed; returned: no queue bound; unconfirmed: nack, timeout or lost connection)",
    ["service", "event_type", "outcome"])
PUBLISH_DURATION = Histogram(
    "estate_event_publish_duration_seconds", "Publish until the broker's confirm, per event",
    ["service"], buckets=LATENCY_BUCKETS)
OUTBOX_PENDING = Gauge(
    "estate_outbox_pending_events", "Events waiting in the outbox (sampled)",
    ["service"], multiprocess_mode="max")
OUTBOX_OLDEST_AGE = Gauge(
    "estate_outbox_oldest_age_seconds", "Age of the oldest event waiting in the outbox (0: none; "
    "sampled)", ["service"], multiprocess_mode="max")
DEAD_LETTERS = Gauge(
    "estate_dead_letter_messages", "Messages in the service's dead-letter queue (sampled)",
    ["service"], multiprocess_mode="max")
EVENTS_DEAD_LETTERED = Counter(
    "estate_events_dead_lettered", "Events this process rejected to the dead-letter queue at once "
    "(they break their contract); handlers that keep failing are dead-lettered by the broker",
    ["service", "source", "event_type"])

# -- background jobs ----------------------------------------------------------------
JOBS = Gauge(
    "estate_jobs", "Queued and running background jobs by kind and status (sampled)",
    ["service", "kind", "status"], multiprocess_mode="max")
JOBS_FINISHED = Counter(
    "estate_jobs_finished", "Background jobs finished, by kind and status (succeeded, failed)",
    ["service", "kind", "status"])
JOB_OLDEST_HEARTBEAT_AGE = Gauge(
    "estate_job_oldest_heartbeat_age_seconds", "Seconds since the least recent progress report of a "
    "running job (0: none running; sampled)", ["service"], multiprocess_mode="max")
JOB_PROGRESS = Gauge(
    "estate_job_progress_ratio", "Done over total of the running jobs' progress, by kind (the least "
    "advanced; sampled)", ["service", "kind"], multiprocess_mode="min")

# -- engineering's parts store (maintenance) ----------------------------------------------
PART_MOVEMENTS_WAITING = Gauge(
    "estate_maintenance_part_movements_waiting", "Movements of the parts store kept on their parts and not "
    "copied to their collection a minute after they were made: their copy failing (sampled by the sweep; 0: none)",
    ["service"], multiprocess_mode="max")

# -- outgoing webhooks (integrations) --------------------------------------------------
WEBHOOK_ATTEMPTS = Counter(
    "estate_webhook_attempts", "Webhook delivery attempts, by outcome (delivered: a 2xx; retrying: "
    "anything else, tried again later; failed: the retry window is over; given_up: the webhook is off or gone; lost: the delivery moved meanwhile, its lease ran out)",
    ["service", "outcome"])
WEBHOOK_ATTEMPT_DURATION = Histogram(
    "estate_webhook_attempt_duration_seconds", "Time one webhook delivery attempt took (the receiver's answer)",
    ["service"], buckets=LATENCY_BUCKETS)

def register_gateway_only():
    """Expose the gateway's unlabelled metrics in this process (the gateway's app calls it; once
    is enough, however many apps a test makes)."""
    try:
        REGISTRY.register(LOGIN_FAILURES)
    except ValueError:  # registered already
        pass


# the exposed sample names of each metric type (prometheus_client adds suffixes)
_SUFFIXES = {"counter": ("_total", "_created"), "gauge": ("",),
             "histogram": ("_bucket", "_count", "_sum", "_created")}


def defined():
    """The metrics defined above."""
    return [value for value in globals().values() if isinstance(value, MetricWrapperBase)]


def names():
    """Every sample name a scrape can show for the metrics of this module."""
    found = set()
    for metric in defined():
        for family in metric.describe():
            found.update(family.name + suffix for suffix in _SUFFIXES[family.type])
    return found


def outcome_of(exc):
    """The ``outcome`` label of a call that raised ``exc`` (None: it returned): ``ok``, the
    code of a domain error (a fixed set: ``errors.py``), or ``error``."""
    if exc is None:
        return "ok"
    return exc.code if isinstance(exc, DomainError) else "error"


def multiprocess_dir():
    """The directory of prometheus_client's multiprocess mode, or None (one process)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
