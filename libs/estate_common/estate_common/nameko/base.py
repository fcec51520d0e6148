"""What every service has: its database, caller, outbox, request log, metrics, traces, health and relay."""
from nameko.timer import timer

from .. import clock, config, store
from ..probe import HEARTBEAT_SECONDS, heartbeat_path
from .caller import CallerContext
from .database import Database
from .entrypoints import rpc_method
from .exposition import ServiceMetrics
from .outbox import SWEEP_SECONDS, Outbox
from .request_log import RequestLog
from .tracing import WorkerSpans


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
        """Liveness: the event loop is turning (see ``estate_common.probe``)."""
        with open(heartbeat_path(self.name), "w") as handle:
            handle.write(clock.now_iso())
