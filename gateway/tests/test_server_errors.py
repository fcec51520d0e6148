"""gunicorn's own error answers as problem documents (gateway/server_errors.py)."""
import json

from gunicorn import util
from prometheus_client import REGISTRY

from gateway import server_errors


def test_gunicorns_error_answer_is_a_problem_document_with_its_status_and_message():
    raw = server_errors.response_bytes(431, "Request Header Fields Too Large", "Error parsing headers: 'limit'")
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == "HTTP/1.1 431 Request Header Fields Too Large"
    assert "Content-Type: application/problem+json" in lines and "Connection: close" in lines
    assert f"Content-Length: {len(body)}" in lines
    problem = json.loads(body)
    assert problem["status"] == 431 and problem["code"] == "request_header_fields_too_large"
    assert problem["detail"] == "Error parsing headers: 'limit'"
    # a request id of its own, in the header and the body, as every answer carries (it had none)
    assert f"X-Request-ID: {problem['request_id']}" in lines and len(problem["request_id"]) == 32


def test_an_answer_before_the_request_was_read_is_counted_as_every_answer_is():
    """A flood of malformed requests (414, 431, a stalled head's 408) went uncounted: no alert or
    dashboard of the gateway could see it."""
    def counted():
        return REGISTRY.get_sample_value("estate_gateway_http_requests_total",
                                         {"route": "unread", "method": "other", "status": "414"}) or 0
    before = counted()
    server_errors.response_bytes(414, "Request-URI Too Long", "the request line is too long")
    assert counted() == before + 1


def test_install_replaces_gunicorns_html_writer(monkeypatch):
    monkeypatch.setattr(util, "write_error", util.write_error)  # put back after the test
    server_errors.install()
    assert util.write_error is server_errors.write_error
