"""GET /metrics: no token, requests counted by route template (never the path), login failures,
idempotency replays and RPC calls as the rpc client counts them."""
import re

from prometheus_client.parser import text_string_to_metric_families

from estate_common import rpc_client


def scrape(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def sample(text, name, **labels):
    """The value of ``name``'s sample with ``labels`` in the scrape ``text`` (0 when it has none).
    The scrape is the whole process's registry, some thousand samples once the module's tests have
    run after the others: Prometheus's parser reads the comment lines and ``name``'s own samples
    only, which it parses as it would in the whole text (0.5 s of CPU a scrape before)."""
    text = "".join(line for line in text.splitlines(keepends=True)
                   if line.startswith("#") or line.startswith((name + "{", name + " ")))
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


def test_metrics_needs_no_token_and_is_not_counted_itself(client):
    text = scrape(client)
    assert 'route="/metrics"' not in scrape(client) and "estate_gateway_http_requests" in text


def test_the_scrape_names_its_format_once_as_prometheus_parses_it(client):
    """A charset given twice (werkzeug adds one to a text/* mimetype) is a Content-Type that Go's
    mime.ParseMediaType, and so Prometheus 3, refuses."""
    from prometheus_client import CONTENT_TYPE_LATEST
    answer = client.get("/metrics")
    assert answer.headers["Content-Type"] == CONTENT_TYPE_LATEST
    assert answer.headers["Content-Type"].count("charset") == 1


def test_a_scrape_that_came_through_a_proxy_is_a_404(client):
    """The ingress reaches the gateway's port, which /metrics shares with the API: through it,
    anyone could read every route's counts (found by review). Prometheus reaches the pod itself."""
    for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}):
        answer = client.get("/metrics", headers=header)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    assert client.get("/metrics").status_code == 200


def test_a_request_is_counted_under_its_route_template(client, admin_token):
    route = "/api/v1/estates/<estate_id>"
    labels = {"route": route, "method": "GET", "status": "200"}
    before = sample(scrape(client), "estate_gateway_http_requests_total", **labels)
    response = client.get("/api/v1/estates/est_metrics_1", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200
    text = scrape(client)
    assert sample(text, "estate_gateway_http_requests_total", **labels) == before + 1
    assert sample(text, "estate_gateway_http_request_duration_seconds_count", route=route, method="GET") >= 1
    assert "est_metrics_1" not in text  # ids never become labels


def test_an_unknown_path_is_counted_as_unmatched(client):
    client.get("/no/such/place/abc123")
    text = scrape(client)
    assert sample(text, "estate_gateway_http_requests_total", route="unmatched", status="404") >= 1
    assert "abc123" not in text


def test_a_method_nobody_documents_is_counted_as_other(client):
    """A client chooses the method's token: as a label it would be user input, without bound."""
    client.open("/api/v1/estates", method="XYZ13800138000")
    text = scrape(client)
    assert sample(text, "estate_gateway_http_requests_total", route="unmatched", method="other") >= 1
    assert "XYZ13800138000" not in text


def test_a_failed_sign_in_is_counted(client):
    before = sample(scrape(client), "estate_gateway_login_failures_total")
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": "not-the-password-1"})
    assert response.status_code == 401
    assert sample(scrape(client), "estate_gateway_login_failures_total") == before + 1


def test_an_idempotency_replay_is_counted(client, admin_token):
    headers = {"Authorization": f"Bearer {admin_token}", "Idempotency-Key": "metrics-replay-0001"}
    body = {"code": "MT-01", "name": "Metrics Court", "address": "1 Road", "timezone": "Asia/Hong_Kong"}
    before = sample(scrape(client), "estate_gateway_idempotency_replays_total", route="/api/v1/estates")
    first = client.post("/api/v1/estates", json=body, headers=headers)
    again = client.post("/api/v1/estates", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert sample(scrape(client), "estate_gateway_idempotency_replays_total", route="/api/v1/estates") == before + 1


def test_the_rpc_client_counts_calls_by_service_method_and_outcome(client, monkeypatch):
    class Channel:
        def publish(self, *args):
            return "c1"

        def wait(self, *args):
            return {"result": None, "error": {"exc_type": "NotFound", "exc_args": ["no such estate"]}}

    rpc = rpc_client.RpcClient("amqp://unused", timeout=1, heartbeat=0)
    monkeypatch.setattr(rpc, "_channel", lambda deadline: Channel())
    before = sample(scrape(client), "estate_rpc_client_calls_total", service="archive", method="get_estate",
                    outcome="not_found")
    try:
        rpc.call("archive", "get_estate", {"estate_id": "est_1"})
    except Exception as exc:
        assert re.search("no such estate", str(exc))
    assert sample(scrape(client), "estate_rpc_client_calls_total", service="archive", method="get_estate",
                  outcome="not_found") == before + 1
