"""A span per RPC call and per event handled, continuing the caller's trace (``estate_common.tracing``).

nameko hands every AMQP header of the message to the worker as context data, so the
``traceparent`` the RPC client or the relay sent is ``context_data["traceparent"]``. An event
that came without the header (a hand-made publish) continues the trace its envelope recorded.
Timers get no span: a tick is not a request.

The span is made current in ``worker_setup`` and restored in ``worker_teardown``; nameko runs
both, and the entrypoint between them, in the worker's own greenthread, whose context no other
worker shares.
"""
import logging

from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from opentelemetry.trace import SpanKind

from .. import tracing

log = logging.getLogger(__name__)


class WorkerSpans(DependencyProvider):
    def setup(self):
        self.service = self.container.service_name
        self.spans = {}  # worker_ctx -> (span, token, exception)

    def worker_setup(self, worker_ctx):
        try:
            opened = self._open(worker_ctx)
        except Exception:  # never raise here: nameko runs worker_setup outside the worker's error handling
            log.exception("could not open the worker's span")
            return
        if opened is not None:
            self.spans[worker_ctx] = [*opened, None]

    def _open(self, worker_ctx):
        entrypoint = worker_ctx.entrypoint
        context = worker_ctx.context_data
        name = f"{self.service}.{entrypoint.method_name}"
        if isinstance(entrypoint, Rpc):
            kind, parent = SpanKind.SERVER, tracing.extract(context)
            attributes = {"rpc.system": "nameko", "rpc.service": self.service, "rpc.method": entrypoint.method_name}
        elif isinstance(entrypoint, EventHandler):
            kind = SpanKind.CONSUMER
            event = worker_ctx.args[0] if worker_ctx.args else None
            parent = tracing.extract(context if context.get(tracing.HEADER) else event)
            attributes = {"messaging.system": "rabbitmq", "messaging.operation": "process",
                          "messaging.destination.name": entrypoint.event_type,
                          "estate.event_source": entrypoint.source_service}
            if isinstance(event, dict) and isinstance(event.get("event_id"), str):
                attributes["messaging.message.id"] = event["event_id"]
        else:
            return None
        if context.get("request_id"):
            attributes["estate.request_id"] = str(context["request_id"])
        return tracing.start(self.service, name, kind, parent=parent, attributes=attributes)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        held = self.spans.get(worker_ctx)
        if held is not None and exc_info is not None:
            held[2] = exc_info[1]

    def worker_teardown(self, worker_ctx):
        held = self.spans.pop(worker_ctx, None)
        if held is not None:
            tracing.finish(*held)
