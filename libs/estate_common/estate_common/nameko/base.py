"""What every service has: its database, caller, outbox, request log, metrics, traces, health and relay."""
import logging

import eventlet
from nameko.extensions import DependencyProvider, Extension

from .. import clock, collector, config, metrics, probe, store
from ..probe import HEARTBEAT_SECONDS
from .caller import CallerContext
from .database import Database
from .entrypoints import consumer_state, rpc_method
from .exposition import ServiceMetrics
from .outbox import SWEEP_SECONDS, Outbox
from .request_log import RequestLog
from .timers import timer
from .tracing import WorkerSpans

log = logging.getLogger(__name__)


class StartUpHeap(Extension):
    """Once the container has started, what the process holds leaves the cyclic collector's full
    collections, where the process is a server (``estate_common.collector``: why). An extension of
    the heartbeat's, not a dependency provider of the service's: nameko gives every dependency
    provider to every worker of every call, and this one has nothing to give."""

    def start(self):
        collector.started()


class Heartbeat(DependencyProvider):
    """The pod's probes (``estate_common.probe``): every ``HEARTBEAT_SECONDS`` a green thread of
    the container's own writes the alive file while the event loop turns and the queue consumer
    is connecting or turning, and the ready file while it takes messages and the store answers.

    A thread of its own, not a timer: a timer's run needs a free worker, so with all
    ``MAX_WORKERS`` busy for three heartbeats (a store that answers slowly, long handlers) both
    files went stale though the consumer turned, and the pod was restarted for being busy. The
    alive file is written before the store is asked, so a store that hangs makes the pod unready,
    never dead.

    As the container is set up, the files a predecessor left are removed: a container restarted in
    the same pod (after a crash or an OOM kill) found its predecessor's heartbeat, passed the
    startup probe at once and lost its two minutes to start (found by a deploy review).

    Its sub-extension ``start_up_heap`` freezes the process's start-up heap (``StartUpHeap``)."""

    start_up_heap = StartUpHeap()

    def setup(self):
        self._running = False
        self._database = next(dep for dep in self.container.dependencies if isinstance(dep, Database))
        for path in (probe.heartbeat_path(self.container.service_name), probe.ready_path(self.container.service_name)):
            probe.remove(path)

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._beat_on, identifier="heartbeat")

    def stop(self):
        self._running = False

    def kill(self):
        self._running = False

    def _beat_on(self):
        while self._running:
            self.beat()
            eventlet.sleep(HEARTBEAT_SECONDS)

    def beat(self):
        """One heartbeat: the files as the consumer and the store are now."""
        name = self.container.service_name
        try:
            self._judge(name)
            metrics.TIMER_RUNS.labels(name, "heartbeat", "ok").inc()
        except Exception:  # a full disk, say: said, and the next beat tries again
            log.exception("the heartbeat could not write the probes' files")
            metrics.TIMER_RUNS.labels(name, "heartbeat", "error").inc()

    def _judge(self, name):
        alive, taking_messages = probe.verdict(*consumer_state(name))
        if not alive:
            log.error("the queue consumer has not turned for over %d s: the liveness probe fails",
                      probe.CONSUMER_STUCK_SECONDS)
            probe.remove(probe.ready_path(name))
            return
        probe.touch(probe.heartbeat_path(name))
        if taking_messages and self._store_answers():
            probe.touch(probe.ready_path(name))
        else:
            probe.remove(probe.ready_path(name))

    def _store_answers(self):
        try:
            store.ping(self._database.db)
            return True
        except Exception as error:  # any failure of the store's client: not ready, and said why
            log.warning("the store did not answer its ping (%s): the readiness probe fails", type(error).__name__)
            return False


class ServiceBase:
    """Subclasses set ``name`` and ``indexes`` and add their entrypoints.

    ``outbox_collections``: the collections whose documents carry an ``_outbox``; ``None``
    means every collection of ``indexes`` but the bookkeeping ones
    (``outbox_store.collections``). Only these get the outbox index and are swept."""

    indexes = {}
    outbox_collections = None

    db = Database()
    caller = CallerContext()
    outbox = Outbox()
    request_log = RequestLog()
    service_metrics = ServiceMetrics()  # METRICS_PORT: see exposition.py
    worker_spans = WorkerSpans()  # traces: see estate_common.tracing
    heartbeat = Heartbeat()  # the pod's probes, and the start-up heap frozen: see Heartbeat

    @rpc_method(public=True)
    def health(self, payload):
        store.ping(self.db)
        return {
            "service": self.name,
            "status": "ok",
            "store": "mongodb" if config.mongo_uri() else "embedded",
            "time": clock.now_iso(),
        }

    @timer(interval=SWEEP_SECONDS)
    def relay_outbox(self):
        self.outbox.sweep(self.db)
