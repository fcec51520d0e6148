"""A service's metrics: the HTTP exposition on ``METRICS_PORT``, timer runs and the sampler.

``ServiceMetrics`` is in every service (``ServiceBase``). When ``METRICS_PORT`` is set (``make
run``, compose and Kubernetes set it; tests leave it unset) the container starts
prometheus_client's HTTP server on ``METRICS_HOST`` (default 127.0.0.1; the Kubernetes
manifests say 0.0.0.0) — under ``nameko run`` eventlet has patched threads and sockets, so
the server is one more green thread — and a green thread that samples, every
``METRICS_SAMPLE_SECONDS``, what no entrypoint counts: the outbox backlog and its oldest
event, the dead-letter queue's depth and the queued and running jobs.

RPC calls and events are counted by ``@rpc_method`` and ``@consumes`` (``entrypoints.py``),
published events by the relay; what each metric means is in ``estate_common.metrics``.
"""
import logging
import time

import eventlet
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.timer import Timer
from prometheus_client import start_http_server

from .. import clock, common_store, config, metrics, outbox_store
from . import dead_letters
from .database import Database

log = logging.getLogger(__name__)

SAMPLE_SECONDS = config.env_float("METRICS_SAMPLE_SECONDS", 15.0)

_served_on = {}  # port -> server: one exposition per process, whatever runs in it


def serve(port, host="127.0.0.1"):
    """Start the exposition once per process; False when the port is taken (logged, not fatal:
    a service without metrics still serves)."""
    if port in _served_on:
        return True
    try:
        server, _thread = start_http_server(port, addr=host)
    except OSError as exc:
        log.warning("metrics exposition not started on %s:%s: %s", host, port, exc)
        return False
    _served_on[port] = server
    return True


def _age_seconds(iso, now):
    return max(0.0, (now - clock.parse_iso(iso)).total_seconds()) if iso else 0.0


class ServiceMetrics(DependencyProvider):
    def setup(self):
        self.service_name = self.container.service_name
        self.service_cls = self.container.service_cls
        self.started = {}
        self._seen_jobs = set()
        self._progress_kinds = set()  # the kinds whose progress is exposed (a job of them running)

    def start(self):
        port = config.env_int("METRICS_PORT", 0)
        if port and serve(port, config.env("METRICS_HOST", "127.0.0.1")):
            self.container.spawn_managed_thread(self._sample_forever, identifier="metrics_sampler")

    # -- timer runs (RPC and events are counted by their decorators) ---------------
    def worker_setup(self, worker_ctx):
        if isinstance(worker_ctx.entrypoint, Timer):
            self.started[worker_ctx] = time.monotonic()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        if started is None:
            return
        name = worker_ctx.entrypoint.method_name
        metrics.TIMER_RUNS.labels(self.service_name, name, "ok" if exc_info is None else "error").inc()
        metrics.TIMER_DURATION.labels(self.service_name, name).observe(time.monotonic() - started)

    def get_dependency(self, worker_ctx):
        return self

    # -- the sampler ----------------------------------------------------------------
    def _sample_forever(self):
        while True:
            try:
                self.sample()
            except Exception:  # a sample can fail (store or broker away); the next one may not
                log.warning("metrics sample failed", exc_info=True)
            eventlet.sleep(SAMPLE_SECONDS)

    def sample(self):
        """Set the sampled gauges now (the sampler's loop; tests call it directly)."""
        db = self._db()
        now = clock.now()
        if db is not None:
            self._sample_outbox(db, now)
            if getattr(self.service_cls, "job_runners", None):
                self._sample_jobs(db, now)
        metrics.DEAD_LETTERS.labels(self.service_name).set(
            dead_letters.depth(self.container.config[AMQP_URI_CONFIG_KEY], self.service_name))

    def _sample_outbox(self, db, now):
        times = [t for name in outbox_store.collections(self.service_cls)
                 for t in outbox_store.pending_times(db, name)]
        metrics.OUTBOX_PENDING.labels(self.service_name).set(len(times))
        metrics.OUTBOX_OLDEST_AGE.labels(self.service_name).set(_age_seconds(min(times, default=None), now))

    def _sample_jobs(self, db, now):
        counts, slowest, oldest_beat = {}, {}, None
        for job in common_store.active_jobs(db):
            key = (job["kind"], job["status"])
            counts[key] = counts.get(key, 0) + 1
            if job["status"] == "running":
                beat = job.get("_heartbeat_at")
                oldest_beat = beat if oldest_beat is None or (beat and beat < oldest_beat) else oldest_beat
                progress = job.get("progress") or {}
                if progress.get("total"):
                    ratio = progress.get("done", 0) / progress["total"]
                    slowest[job["kind"]] = min(ratio, slowest.get(job["kind"], 1.0))
        for key in self._seen_jobs - set(counts):  # a kind and status with none left reads 0
            metrics.JOBS.labels(self.service_name, *key).set(0)
        for key, count in counts.items():
            metrics.JOBS.labels(self.service_name, *key).set(count)
        self._seen_jobs |= set(counts)
        for kind, ratio in slowest.items():
            metrics.JOB_PROGRESS.labels(self.service_name, kind).set(ratio)
        for kind in self._progress_kinds - set(slowest):
            # no job of the kind runs any more: its progress goes, not its last sample (a billing
            # run that ended showed 30 % on the dashboard until the pod restarted; found by review)
            metrics.JOB_PROGRESS.remove(self.service_name, kind)
        self._progress_kinds = set(slowest)
        metrics.JOB_OLDEST_HEARTBEAT_AGE.labels(self.service_name).set(_age_seconds(oldest_beat, now))

    def _db(self):
        for extension in self.container.dependencies:
            if isinstance(extension, Database):
                return extension.db
        return None
