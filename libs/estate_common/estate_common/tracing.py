"""OpenTelemetry traces: one trace from the gateway's HTTP call through every RPC and event.

How a trace travels:

- **HTTP**: the gateway's server span continues a W3C ``traceparent`` request header when a
  client sends one (``gateway/tracing_hooks.py``).
- **RPC**: the client (``rpc_client``) opens a CLIENT span and sends its context as the AMQP
  header ``traceparent`` (W3C trace context); nameko hands every header to the worker as
  context data, and the service's SERVER span continues it (``nameko/tracing.py``).
- **Events**: ``outbox.make_event`` writes the context of the write that records the event
  into the envelope (``traceparent``, optional in ``contracts/common.json``), so an event the
  relay publishes later, or a sweep after a crash, still continues that trace. The relay's
  PRODUCER span is a child of it and goes out as the message's ``traceparent`` header; each
  consumer's handler span is a child of that (or of the envelope's, for a message without the
  header).

Exporting: OTLP over HTTP (``opentelemetry-exporter-otlp-proto-http``) when
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set; the exporter's own ``OTEL_EXPORTER_OTLP_*`` variables
and ``OTEL_TRACES_SAMPLER`` apply. Unset, nothing is recorded and the SDK is not even asked:
spans are non-recording ones (a trace id, a span id, nothing else), so context still
propagates and log lines still carry ``trace_id`` at the cost of a few microseconds per span. Tests hand an exporter to
``use_exporter`` (the SDK's ``InMemorySpanExporter``).

One tracer provider per service name (the ``service.name`` of its spans): a process runs one
service, except the test suite, which runs all five in one process. The context lives in
``contextvars``: every eventlet greenthread (a nameko worker, the relay) and every gunicorn
thread has its own, so concurrent calls never share a trace.

Spans carry names and ids, never payloads or exception messages (personal data stays out, as
in the logs).
"""
import contextlib
import contextvars
import functools
import os
import random
import re

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .errors import DomainError

HEADER = "traceparent"
TRACESTATE = "tracestate"
# version, trace id, parent id, flags; a later version may append fields (W3C: read the first four)
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?")
ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"

_propagator = TraceContextTextMapPropagator()
_tracers = {}  # service name -> its tracer
_exporter = None  # a test's exporter (use_exporter); None: OTLP when the endpoint is set
_exporting = None  # decided at the first span (the environment does not change under a process)


def exporting():
    """Whether spans are recorded and exported (an OTLP endpoint, or a test's exporter)."""
    global _exporting
    if _exporting is None:
        _exporting = _exporter is not None or bool(os.environ.get(ENDPOINT_VARIABLE))
    return _exporting


def tracer(service):
    """The tracer of ``service`` (its spans carry ``service.name``)."""
    found = _tracers.get(service)
    if found is None:
        found = _tracers[service] = _provider(service).get_tracer("estate_ops")
    return found


def _provider(service):
    resource = Resource.create({"service.name": service})
    if _exporter is not None:
        provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        provider.add_span_processor(SimpleSpanProcessor(_exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        provider = TracerProvider(resource=resource)  # sampler from OTEL_TRACES_SAMPLER (parent-based)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def use_exporter(exporter):
    """Tests: record every span into ``exporter`` from now on (None: back to the environment)."""
    global _exporter, _exporting
    _exporter, _exporting = exporter, None
    _tracers.clear()


# -- carrying the context -----------------------------------------------------------

def extract(carrier):
    """The context a ``traceparent`` in ``carrier`` (headers, context data, an envelope)
    names; an empty context (a new trace) when it has none or a malformed one."""
    value = carrier.get(HEADER) if isinstance(carrier, dict) else None
    if not value or not isinstance(value, str):
        return otel_context.Context()
    if carrier.get(TRACESTATE):  # a vendor's state to pass on: the full propagator
        return _propagator.extract(carrier)
    # the common case on every message, parsed here at a third of the propagator's cost
    parsed = _TRACEPARENT.fullmatch(value)
    if parsed is None or parsed[1] == "ff":
        return otel_context.Context()
    trace_id, span_id = int(parsed[2], 16), int(parsed[3], 16)
    if not trace_id or not span_id:
        return otel_context.Context()
    remote = trace.SpanContext(trace_id, span_id, is_remote=True, trace_flags=trace.TraceFlags(int(parsed[4], 16)))
    return trace.set_span_in_context(trace.NonRecordingSpan(remote), otel_context.Context())


def inject(headers, span=None):
    """Add the ``traceparent`` of ``span`` (by default the current one) to ``headers``, and
    its ``tracestate`` when a client sent one."""
    span_context = (span or trace.get_current_span()).get_span_context()
    value = _format(span_context)
    if value:
        headers[HEADER] = value
        if span_context.trace_state:
            headers[TRACESTATE] = span_context.trace_state.to_header()
    return headers


def traceparent():
    """The current span's ``traceparent`` (for an event's envelope), or None outside a trace."""
    return _format(trace.get_current_span().get_span_context())


def _format(span_context):
    if not span_context.is_valid:
        return None
    return f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-{span_context.trace_flags:02x}"


def current_trace_id():
    """The current trace's id as 32 hex digits (for log lines), or None outside a trace."""
    span_context = trace.get_current_span().get_span_context()
    return f"{span_context.trace_id:032x}" if span_context.is_valid else None


def carried(fn):
    """``fn`` to run in another thread within the current trace (the gateway's fan-out)."""
    return functools.partial(contextvars.copy_context().run, fn)


# -- spans ---------------------------------------------------------------------------

def start(service, name, kind, parent=None, attributes=None, sampled=True, links=None):
    """Start a span and make it current; returns ``(span, token)`` for ``finish``.

    ``parent``: a context from ``extract``; None continues the current one. ``sampled=False``:
    a trace that is never recorded, nor is anything it calls (probes and scrapes: a health
    call every few seconds would bury the traces worth reading). ``links``: span contexts the
    span names without being their child (a client's, at the gateway)."""
    if sampled and exporting():
        span = tracer(service).start_span(name, context=parent, kind=kind, attributes=attributes,
                                          links=[trace.Link(link) for link in links or ()])
    else:
        span = _unrecorded(parent if sampled else otel_context.Context())
    token = otel_context.attach(trace.set_span_in_context(span, parent))
    return span, token


@contextlib.contextmanager
def in_span(service, name, kind, **options):
    """``start`` and ``finish`` around a block (``options`` as ``start`` takes them); an
    exception of the block is the span's outcome."""
    opened, failure = start(service, name, kind, **options), None
    try:
        yield opened[0]
    except Exception as exc:
        failure = exc
        raise
    finally:
        finish(*opened, failure)


def untraced():
    """Run the block in a trace that is never sampled, nor anything it calls (a probe)."""
    return in_span("untraced", "untraced", SpanKind.INTERNAL, sampled=False)


def new_trace():
    """A context with no span: a span started in it begins a trace of its own."""
    return otel_context.Context()


def span_context(context):
    """The span context a context from ``extract`` names (invalid for an empty one)."""
    return trace.get_current_span(context).get_span_context()


def _unrecorded(parent):
    """What the SDK makes of a span it does not sample, without the SDK's cost: the parent's
    trace (or a new one) and a new span id, flagged not sampled."""
    above = trace.get_current_span(parent).get_span_context()
    trace_id = above.trace_id if above.is_valid else random.getrandbits(128) or 1
    return trace.NonRecordingSpan(trace.SpanContext(trace_id, random.getrandbits(64) or 1, is_remote=False,
                                                    trace_flags=trace.TraceFlags(trace.TraceFlags.DEFAULT)))


def finish(span, token, exc=None):
    """End a span from ``start`` with the outcome of its work and restore the previous context."""
    try:
        record_outcome(span, exc)
        span.end()
    finally:
        otel_context.detach(token)


def record_outcome(span, exc):
    """A domain error (a refusal the caller gets as a 4xx) is an outcome, not a failure:
    it goes on the span as ``estate.outcome``; anything else marks it as an error, by type
    only (the message may hold personal data)."""
    if exc is None or not span.is_recording():
        return
    if isinstance(exc, DomainError):
        span.set_attribute("estate.outcome", exc.code)
        if exc.status >= 500:
            span.set_status(Status(StatusCode.ERROR, exc.code))
    else:
        span.set_attribute("error.type", type(exc).__name__)
        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))


def rpc_client_call(call):
    """Decorates ``RpcClient.call``: a CLIENT span around the call, current while the request
    is published (``inject`` puts it in the headers)."""
    @functools.wraps(call)
    def traced(client, service, method, *args, **kwargs):
        with in_span(client.owner, f"{service}.{method}", SpanKind.CLIENT,
                     attributes={"rpc.system": "nameko", "rpc.service": service, "rpc.method": method}):
            return call(client, service, method, *args, **kwargs)
    return traced


def producer_span(service, event):
    """The relay's PRODUCER span for publishing ``event``, a child of the context its envelope
    recorded at the write. Not made current: the relay publishes a batch, and each event's span
    ends at its own confirm (``end_producer_span``); ``inject(headers, span)`` carries it."""
    parent = extract(event)
    if not exporting():
        return _unrecorded(parent)
    return tracer(service).start_span(
        f"{event['source']}.{event['event_type']} publish", context=parent, kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "rabbitmq", "messaging.operation": "publish",
                    "messaging.destination.name": event["event_type"], "messaging.message.id": event["event_id"]})


def end_producer_span(span, problem=None, exc=None):
    """End a ``producer_span``: ``problem`` is why the broker did not take the event (None: it
    did), ``exc`` what interrupted the publish (marked by its type only)."""
    if problem is not None and span.is_recording():
        span.set_status(Status(StatusCode.ERROR, problem.split(" (")[0]))
    record_outcome(span, exc)
    span.end()
