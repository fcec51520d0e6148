"""The gateway's span of a request (gateway/traces.py): named by route template, linking a
client's traceparent (continuing it only where the operator says so), the parent of the RPC calls
it makes; probes never sampled."""
from opentelemetry.trace import SpanKind

from .conftest import build_app

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


def test_a_request_links_the_clients_trace_and_starts_its_own_under_its_route_template(
        client, admin_token, spans):
    """A continued traceparent let any client choose the trace id every log line of its request
    carries (another request's), and have it recorded whatever the sampling ratio."""
    response = client.get("/api/v1/estates/est_traced_1", headers={
        "Authorization": f"Bearer {admin_token}", "X-Request-ID": "traced-1",
        "traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"})
    assert response.status_code == 200
    (span,) = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert span.name == "GET /api/v1/estates/<estate_id>" and "est_traced_1" not in span.name
    assert span.parent is None and f"{span.context.trace_id:032x}" != CLIENT_TRACE
    (link,) = span.links
    assert (f"{link.context.trace_id:032x}", f"{link.context.span_id:016x}") == (CLIENT_TRACE, CLIENT_SPAN)
    assert span.attributes["http.response.status_code"] == 200
    assert span.attributes["estate.request_id"] == "traced-1"
    assert span.resource.attributes["service.name"] == "gateway"


def test_a_request_without_a_traceparent_starts_a_trace_and_a_probe_none(client, spans):
    assert client.get("/no/such/place").status_code == 404
    assert client.get("/healthz").status_code == 200
    (span,) = spans.get_finished_spans()
    assert span.name == "GET" and span.parent is None
    assert span.attributes["http.response.status_code"] == 404


def test_a_request_made_inside_another_finishes_both_spans_and_leaves_no_trace_on_the_thread(
        client, rpc, admin_token, spans):
    """A test client's request from inside a fake service shares the outer request's ``g``: the
    outer span was lost there, never finished, and its trace stayed on the thread for every
    later log line."""
    from opentelemetry import trace
    auth = {"Authorization": f"Bearer {admin_token}"}
    rpc.answer("archive", "get_estate", lambda call: (client.get("/no/such/place", headers=auth),
                                                      {"id": "est_nested"})[1])
    assert client.get("/api/v1/estates/est_nested", headers=auth).status_code == 200
    names = sorted(s.name for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER)
    assert names == ["GET", "GET /api/v1/estates/<estate_id>"]
    assert not trace.get_current_span().get_span_context().is_valid


def test_behind_a_trusted_edge_the_clients_trace_is_continued(monkeypatch, spans):
    monkeypatch.setenv("GATEWAY_CONTINUE_CLIENT_TRACES", "1")
    client = build_app().test_client()
    assert client.get("/no/such/place", headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"}).status_code == 404
    (span,) = spans.get_finished_spans()
    assert f"{span.context.trace_id:032x}" == CLIENT_TRACE and f"{span.parent.span_id:016x}" == CLIENT_SPAN
    assert not span.links


def test_a_method_of_the_clients_own_names_no_span(client, spans):
    """Span names and attributes took any token a client sent as its method (unbounded: up to 20
    characters each), where the metrics count it as "other"."""
    assert client.open("/api/v1/estates/A/households", method="ZQXWVUTSRQ").status_code == 405
    (span,) = spans.get_finished_spans()
    assert span.name == "HTTP"  # a 405: no route matched
    assert span.attributes["http.request.method"] == "_OTHER" and "ZQXWVUTSRQ" not in str(dict(span.attributes))
