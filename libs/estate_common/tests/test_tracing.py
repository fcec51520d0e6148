"""Traces (``estate_common.tracing``): the context carried in headers and envelopes, spans
without an exporter, outcomes without personal data, and nameko workers that never share a
trace, even when two run at once in greenthreads."""
import re
import threading

import eventlet
import pytest
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_waiter
from opentelemetry.trace import SpanKind, StatusCode

from estate_common import contracts, tracing
from estate_common.errors import InvalidInput, ServiceUnavailable
from estate_common.nameko.outbox import make_event
from estate_common.nameko.tracing import WorkerSpans
from estate_common.rpc_client import RpcClient

TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


@pytest.fixture
def no_exporter(monkeypatch):
    monkeypatch.delenv(tracing.ENDPOINT_VARIABLE, raising=False)
    tracing.use_exporter(None)


def test_without_an_exporter_nothing_is_recorded_but_the_context_still_travels(no_exporter):
    assert not tracing.exporting()
    assert tracing.traceparent() is None and tracing.current_trace_id() is None
    span, token = tracing.start("gateway", "GET /x", SpanKind.SERVER)
    try:
        assert not span.is_recording()
        sent = tracing.inject({})
        assert TRACEPARENT.fullmatch(sent["traceparent"])
        assert not int(sent["traceparent"][-2:], 16) & 1  # not sampled: nobody downstream records it
        assert sent["traceparent"] == tracing.traceparent()
        assert tracing.current_trace_id() == sent["traceparent"].split("-")[1]
        child, child_token = tracing.start("maintenance", "maintenance.x", SpanKind.SERVER,
                                           parent=tracing.extract(sent))
        assert child.get_span_context().trace_id == span.get_span_context().trace_id
        tracing.finish(child, child_token)
    finally:
        tracing.finish(span, token)
    assert tracing.traceparent() is None


def test_a_child_continues_the_trace_of_the_headers_it_was_sent(spans):
    parent, token = tracing.start("gateway", "POST /y", SpanKind.SERVER)
    headers = tracing.inject({"nameko.request_id": "r-1"})
    tracing.finish(parent, token)
    child, token = tracing.start("archive", "archive.get_estate", SpanKind.SERVER, parent=tracing.extract(headers))
    tracing.finish(child, token)
    exported = {s.name: s for s in spans.get_finished_spans()}
    assert exported["archive.get_estate"].parent.span_id == exported["POST /y"].context.span_id
    assert exported["archive.get_estate"].context.trace_id == exported["POST /y"].context.trace_id
    assert exported["archive.get_estate"].resource.attributes["service.name"] == "archive"


@pytest.mark.parametrize("carrier", [None, {}, {"traceparent": ""}, {"traceparent": "00-nonsense"},
                                     {"traceparent": "00-" + "0" * 32 + "-" + "0" * 16 + "-01"},
                                     {"traceparent": "ff-" + "1" * 32 + "-" + "1" * 16 + "-01"},
                                     {"traceparent": "00-" + "A" * 32 + "-" + "1" * 16 + "-01"}, {"traceparent": 7}])
def test_a_missing_or_malformed_traceparent_starts_a_new_trace(spans, carrier):
    span, token = tracing.start("archive", "archive.x", SpanKind.CONSUMER, parent=tracing.extract(carrier))
    tracing.finish(span, token)
    (exported,) = spans.get_finished_spans()
    assert exported.parent is None and exported.context.trace_id != 0


@pytest.mark.parametrize("carrier", [
    {"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"},
    {"traceparent": "01-" + "a" * 32 + "-" + "b" * 16 + "-01-later-fields"},  # a later version: its first four
    {"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01", "tracestate": "vendor=1"},
])
def test_a_well_formed_traceparent_is_continued(spans, carrier):
    span, token = tracing.start("archive", "archive.x", SpanKind.CONSUMER, parent=tracing.extract(carrier))
    tracing.finish(span, token)
    (exported,) = spans.get_finished_spans()
    assert f"{exported.context.trace_id:032x}" == "a" * 32 and f"{exported.parent.span_id:016x}" == "b" * 16
    if "tracestate" in carrier:
        assert exported.context.trace_state.get("vendor") == "1"
        assert tracing.inject({}, exported)["tracestate"] == "vendor=1"  # passed on


def test_a_refusal_is_an_outcome_and_a_failure_names_its_type_only(spans):
    for exc in (InvalidInput("bad"), ServiceUnavailable("down"), ValueError("owner 13800138000")):
        span, token = tracing.start("finance", type(exc).__name__, SpanKind.SERVER)
        tracing.finish(span, token, exc)
    exported = {s.name: s for s in spans.get_finished_spans()}
    assert exported["InvalidInput"].attributes["estate.outcome"] == "invalid_input"
    assert exported["InvalidInput"].status.status_code == StatusCode.UNSET
    assert exported["ServiceUnavailable"].status.status_code == StatusCode.ERROR
    failed = exported["ValueError"]
    assert failed.status.status_code == StatusCode.ERROR and failed.attributes["error.type"] == "ValueError"
    assert "13800138000" not in repr(failed.to_json())


def test_a_relay_publish_marks_its_span_when_refused_and_when_it_raises(spans):
    event = {"source": "customer_service", "event_type": "service_request_created", "event_id": "evt_1"}
    refused = tracing.producer_span("customer_service", event)
    interrupted = tracing.producer_span("customer_service", event)
    taken = tracing.producer_span("customer_service", event)
    tracing.end_producer_span(refused, "returned by the broker (NO_ROUTE 312): no queue is bound for it yet")
    tracing.end_producer_span(interrupted, exc=ConnectionResetError("peer reset, owner 13800138000"))
    tracing.end_producer_span(taken)
    first, second, third = spans.get_finished_spans()
    assert first.kind == SpanKind.PRODUCER and first.status.status_code == StatusCode.ERROR
    assert first.name == "customer_service.service_request_created publish"
    assert first.status.description == "returned by the broker"
    assert second.status.status_code == StatusCode.ERROR and second.attributes["error.type"] == "ConnectionResetError"
    assert "13800138000" not in repr(second.to_json())
    assert third.status.status_code == StatusCode.UNSET and third.attributes["messaging.message.id"] == "evt_1"


def test_a_producer_span_continues_the_trace_its_event_recorded_without_becoming_current(spans):
    with tracing.in_span("customer_service", "customer_service.create_request", SpanKind.SERVER) as server:
        event = {"source": "customer_service", "event_type": "service_request_created", "event_id": "evt_1",
                 "traceparent": tracing.traceparent()}
    producer = tracing.producer_span("customer_service", event)
    assert tracing.current_trace_id() is None  # the relay's own context is untouched
    headers = tracing.inject({}, producer)
    tracing.end_producer_span(producer)
    assert headers["traceparent"].split("-")[1] == f"{server.get_span_context().trace_id:032x}"
    finished = {span.name: span for span in spans.get_finished_spans()}
    assert finished["customer_service.service_request_created publish"].parent.span_id == \
        server.get_span_context().span_id


def test_an_unsampled_request_records_nothing_it_calls(spans):
    span, token = tracing.start("gateway", "GET /readyz", SpanKind.SERVER, sampled=False)
    child, child_token = tracing.start("gateway", "archive.health", SpanKind.CLIENT)
    assert child.get_span_context().trace_id == span.get_span_context().trace_id
    tracing.finish(child, child_token)
    tracing.finish(span, token)
    with tracing.untraced():  # the probes' way
        child, child_token = tracing.start("probe", "archive.health", SpanKind.CLIENT)
        tracing.finish(child, child_token)
    assert spans.get_finished_spans() == ()


def test_an_event_records_the_trace_of_its_write_and_keeps_its_contract(no_exporter):
    def estate_created():
        return make_event("archive", "estate_created", "est_1", {
            "id": "est_1", "estate_id": "est_1", "code": "GC-01", "name": "Green Court", "address": "1 Road",
            "version": 1}, request_id="req-1", actor="admin")

    assert "traceparent" not in estate_created()
    span, token = tracing.start("archive", "archive.create_estate", SpanKind.SERVER)
    event = estate_created()
    tracing.finish(span, token)
    assert event["traceparent"] == tracing.inject({}, span)["traceparent"]
    contracts.load().check_event("archive", "estate_created", event)  # raises under strict contracts
    assert contracts.load().errors("events/archive/estate_created.json", {**event, "traceparent": "x"})


def test_work_handed_to_another_thread_stays_in_the_trace(no_exporter):
    span, token = tracing.start("gateway", "GET /api/v1/kpis", SpanKind.SERVER)
    seen = []
    thread = threading.Thread(target=tracing.carried(lambda: seen.append(tracing.current_trace_id())))
    thread.start()
    thread.join()
    expected = tracing.current_trace_id()
    tracing.finish(span, token)
    assert seen == [expected]


# -- nameko workers on the broker ------------------------------------------------------

ARRIVED = []


@pytest.fixture
def rabbit_config(module_amqp_uri):
    """One vhost for this module's two broker tests (each starts and stops its own container)."""
    return {"AMQP_URI": module_amqp_uri}


class Traced:
    name = "traced"
    worker_spans = WorkerSpans()

    @rpc
    def together(self, payload):
        """Waits until the other call is running too, so the two workers interleave."""
        ARRIVED.append(payload["n"])
        with eventlet.Timeout(10):
            while len(ARRIVED) < 2:
                eventlet.sleep(0.001)
        eventlet.sleep(0)
        return {"n": payload["n"], "trace_id": tracing.current_trace_id(), "traceparent": tracing.traceparent()}

    @event_handler("archive", "estate_created")
    def heard(self, event):
        return tracing.current_trace_id()


@pytest.mark.broker
def test_two_concurrent_workers_never_mix_their_traces(container_factory, rabbit_config, spans):
    ARRIVED.clear()
    container = container_factory(Traced, rabbit_config)
    container.start()
    client = RpcClient(rabbit_config["AMQP_URI"], timeout=10, owner="test")
    answers, callers = {}, {}

    def call(n):
        span, token = tracing.start("test", f"caller {n}", SpanKind.INTERNAL)
        callers[n] = tracing.current_trace_id()
        try:
            answers[n] = client.call("traced", "together", {"n": n})
        finally:
            tracing.finish(span, token)

    try:
        for thread in [eventlet.spawn(call, n) for n in (1, 2)]:
            thread.wait()
    finally:
        client.close()
    assert sorted(ARRIVED) == [1, 2]
    assert callers[1] != callers[2]
    assert answers[1]["trace_id"] == callers[1] and answers[2]["trace_id"] == callers[2]
    exported = spans.get_finished_spans()
    for n in (1, 2):
        server = next(s for s in exported if s.kind == SpanKind.SERVER and
                      f"{s.context.trace_id:032x}" == callers[n])
        client_span = next(s for s in exported if s.kind == SpanKind.CLIENT and s.context.span_id == server.parent.span_id)
        assert client_span.name == "traced.together" and f"{client_span.context.trace_id:032x}" == callers[n]
        assert answers[n]["traceparent"].split("-")[2] == f"{server.context.span_id:016x}"


@pytest.mark.broker
def test_an_event_without_the_header_continues_the_trace_of_its_envelope(container_factory, rabbit_config, spans):
    container = container_factory(Traced, rabbit_config)
    container.start()
    span, token = tracing.start("archive", "archive.create_estate", SpanKind.SERVER)
    event = make_event("archive", "estate_created", "est_2", {}, request_id="req-2")
    tracing.finish(span, token)
    with entrypoint_waiter(container, "heard", timeout=10) as result:
        event_dispatcher(rabbit_config)("archive", "estate_created", event)  # nameko's: no traceparent header
    assert result.get() == f"{span.get_span_context().trace_id:032x}"
    heard = next(s for s in spans.get_finished_spans() if s.name == "traced.heard")
    assert heard.kind == SpanKind.CONSUMER and heard.parent.span_id == span.get_span_context().span_id
