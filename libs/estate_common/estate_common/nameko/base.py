"""What every service has: its database, caller, outbox, request log, metrics, traces, health and relay."""
import logging

from nameko.extensions import DependencyProvider
from nameko.timer import timer

from .. import clock, config, probe, store
from ..probe import HEARTBEAT_SECONDS
from .caller import CallerContext
from .database import Database
from .entrypoints import consumer_state, rpc_method
from .exposition import ServiceMetrics
from .outbox import SWEEP_SECONDS, Outbox
from .request_log import RequestLog
from .tracing import WorkerSpans

log = logging.getLogger(__name__)


class ProbeFiles(DependencyProvider):
    """Removes the probes' files as the container is set up, before the first heartbeat: a
    container restarted in the same pod (after a crash or an OOM kill) found its predecessor's
    heartbeat, passed the startup probe at once and lost its two minutes to start (found by a
    deploy review)."""

    def setup(self):
        for path in (probe.heartbeat_path(self.container.service_name), probe.ready_path(self.container.service_name)):
            probe.remove(path)


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
    probe_files = ProbeFiles()

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

    @timer(interval=HEARTBEAT_SECONDS, eager=True)
    def heartbeat(self):
        """The pod's probes (``estate_common.probe``): alive while the event loop turns and the
        queue consumer is connecting or turning; ready while it takes messages and the store
        answers."""
        alive, taking_messages = probe.verdict(*consumer_state(self.name))
        if not alive:
            log.error("the queue consumer has not turned for over %d s: the liveness probe fails",
                      probe.CONSUMER_STUCK_SECONDS)
            probe.remove(probe.ready_path(self.name))
            return
        probe.touch(probe.heartbeat_path(self.name))
        if taking_messages and self._store_answers():
            probe.touch(probe.ready_path(self.name))
        else:
            probe.remove(probe.ready_path(self.name))

    def _store_answers(self):
        try:
            store.ping(self.db)
            return True
        except Exception as error:  # any failure of the store's client: not ready, and said why
            log.warning("the store did not answer its ping (%s): the readiness probe fails", type(error).__name__)
            return False
