"""The gateway's span of a request (gateway/traces.py): named by route template, continuing a
client's traceparent, the parent of the RPC calls it makes; probes never sampled."""
from opentelemetry.trace import SpanKind

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


def test_a_request_continues_the_clients_trace_under_its_route_template(client, admin_token, spans):
    response = client.get("/api/v1/estates/est_traced_1", headers={
        "Authorization": f"Bearer {admin_token}", "X-Request-ID": "traced-1",
        "traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"})
    assert response.status_code == 200
    (span,) = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert span.name == "GET /api/v1/estates/<estate_id>" and "est_traced_1" not in span.name
    assert f"{span.context.trace_id:032x}" == CLIENT_TRACE and f"{span.parent.span_id:016x}" == CLIENT_SPAN
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
