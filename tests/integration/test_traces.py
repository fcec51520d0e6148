"""One repair request is one trace: the gateway's HTTP call, its RPC, customer-service,
the events it sets off in maintenance and archive (README, Traces).

The gateway runs in this process (Flask's test client) on the same broker as the five services;
every span goes to an in-memory exporter.
"""
import pytest
from opentelemetry.trace import SpanKind

pytestmark = pytest.mark.broker

ADMIN_PASSWORD = "trace-test-admin-password"
SR_ROUTE = "POST /api/v1/estates/<estate_id>/service-requests"


@pytest.fixture
def http(system, amqp_uri):
    from gateway.app import create_app
    app = create_app({"admin_password": ADMIN_PASSWORD, "jwt_secret": "t" * 40, "amqp_uri": amqp_uri,
                      "rpc_timeout": 5})
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}).json
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    def call(method, path, body=None, **extra):
        response = client.open(path, method=method, json=body, headers={**headers, **extra})
        return response.status_code, response.json

    yield call
    app.extensions["estate_ops"].rpc.close()


def test_a_repair_request_is_one_trace_from_the_http_call_to_maintenance_and_archive(spans, http, eventually):
    status, estate = http("POST", "/api/v1/estates", {"code": "TR-01", "name": "Traced", "address": "1 Span Rd"})
    assert status == 201
    status, household = http("POST", f"/api/v1/estates/{estate['id']}/households", {
        "building": "1", "unit": "1", "room": "101", "area_m2": 80.0,
        "owner": {"name": "Li Lei", "phone": "13800138000"}})
    assert status == 201

    def register():
        status, body = http("POST", f"/api/v1/estates/{estate['id']}/service-requests", {
            "kind": "repair", "household_id": household["id"], "channel": "phone", "description": "leaking pipe"},
            **{"X-Request-ID": "traced-repair"})
        return body if status == 201 else None  # 422 until customer-service holds the household's copy

    request = eventually(register)
    root = eventually(lambda: _one(spans, lambda s: s.name == SR_ROUTE and
                                   s.attributes.get("http.response.status_code") == 201))
    trace_id = root.context.trace_id

    def in_trace():
        found = [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]
        names = {(s.resource.attributes["service.name"], s.name) for s in found}
        # a producer's span ends with its publisher confirm, which may come after its consumers
        # are done: wait for the publishes too (once, the trace was read without one)
        wanted = {("archive", "archive.record_service_request"), ("archive", "archive.record_work_order"),
                  ("customer_service", "customer_service.on_work_order_created"),
                  ("customer_service", "customer_service.service_request_created publish"),
                  ("maintenance", "maintenance.work_order_created publish")}
        return found if wanted <= names else None

    trace = eventually(in_trace)
    by_id = {s.context.span_id: s for s in trace}

    def parent(span):
        return by_id[span.parent.span_id] if span.parent is not None else None

    def single(service, name):
        matches = [s for s in trace if s.resource.attributes["service.name"] == service and s.name == name]
        assert len(matches) == 1, (service, name, [s.name for s in trace])
        return matches[0]

    assert root.parent is None and root.kind == SpanKind.SERVER
    assert root.resource.attributes["service.name"] == "gateway"
    assert root.attributes["estate.request_id"] == "traced-repair"

    client = single("gateway", "customer_service.create_request")
    assert client.kind == SpanKind.CLIENT and parent(client) is root
    server = single("customer_service", "customer_service.create_request")
    assert server.kind == SpanKind.SERVER and parent(server) is client
    assert server.attributes["estate.request_id"] == "traced-repair"

    created = single("customer_service", "customer_service.service_request_created publish")
    assert created.kind == SpanKind.PRODUCER and parent(created) is server
    opened = single("maintenance", "maintenance.open_from_service_request")
    recorded = single("archive", "archive.record_service_request")
    assert opened.kind == recorded.kind == SpanKind.CONSUMER
    assert parent(opened) is created and parent(recorded) is created

    order_created = single("maintenance", "maintenance.work_order_created publish")
    assert parent(order_created) is opened
    assert parent(single("archive", "archive.record_work_order")) is order_created
    assert parent(single("customer_service", "customer_service.on_work_order_created")) is order_created

    # every span of the trace hangs off the HTTP call: nothing dangles from a parent not exported
    assert all(s is root or s.parent.span_id in by_id for s in trace)
    assert request["id"]


def _one(exporter, match):
    found = [s for s in exporter.get_finished_spans() if match(s)]
    return found[0] if len(found) == 1 else None
