"""A request's log line and metrics written after its answer (gateway/after_answer.py): under
gunicorn, whose hooks (gunicorn.conf.py) turn it on and run them, every field and label as it was
when the request was answered, the line within the request's trace; elsewhere at once."""
import importlib.util
import json
import logging
from pathlib import Path

import pytest
from flask import request
from prometheus_client import REGISTRY

from estate_common import logs
from gateway import after_answer

from .conftest import Accounts, bearer, build_app

ROUTE = "/api/v1/estates/<estate_id>"
CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


class Lines(logging.Handler):
    """The gateway's log lines as its JSON formatter writes them, formatted as they are emitted."""

    def __init__(self):
        super().__init__()
        self.setFormatter(logs.JsonFormatter(service="gateway"))
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))

    def requests(self):
        """The request lines of the estate reads (not the sign-in's)."""
        return [line for line in self.lines
                if line["message"] == "request" and line["path"].startswith("/api/v1/estates/")]


@pytest.fixture
def lines():
    handler, logger = Lines(), logging.getLogger("gateway")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def counted():
    return REGISTRY.get_sample_value("estate_gateway_http_requests_total",
                                     {"route": ROUTE, "method": "GET", "status": "200"}) or 0


def gunicorn_conf():
    spec = importlib.util.spec_from_file_location("gateway_gunicorn_conf", CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def read_estate(app, estate_id, request_id):
    """The WSGI environ of a read of ``estate_id`` (the server's: the test client's copy of it)."""
    token = Accounts(app).admin
    served, wsgi_app = [], app.wsgi_app
    app.wsgi_app = lambda environ, start_response: served.append(environ) or wsgi_app(environ, start_response)
    try:
        answer = app.test_client().get(f"/api/v1/estates/{estate_id}", headers={**bearer(token), "X-Request-ID": request_id})
    finally:
        app.wsgi_app = wsgi_app
    assert answer.status_code == 200
    (environ,) = served
    return environ


def test_under_gunicorn_the_line_and_metrics_come_after_the_answer_with_the_requests_fields(lines, spans):
    app = build_app()
    worker = type("Worker", (), {"wsgi": app})()
    conf = gunicorn_conf()
    conf.post_worker_init(worker)  # as gunicorn calls it once the app is loaded
    before = counted()
    environ = read_estate(app, "est_after_1", "after-1")
    # answered: nothing written or counted yet, the request's span closed
    assert lines.requests() == [] and counted() == before
    (span,) = [s for s in spans.get_finished_spans() if s.name == f"GET {ROUTE}"]
    logs.set_request_id("another-request")  # the thread has moved on (it has not, under gunicorn)
    conf.post_request(worker, None, environ, None)  # gunicorn, once the answer is written
    (line,) = lines.requests()
    assert line["method"] == "GET" and line["path"] == "/api/v1/estates/est_after_1" and line["status"] == 200
    assert line["request_id"] == "after-1" and isinstance(line["duration_ms"], float)
    assert line["trace_id"] == f"{span.context.trace_id:032x}"  # the request's trace, though its span has closed
    assert counted() == before + 1
    conf.post_request(worker, None, environ, None)  # once only
    assert len(lines.requests()) == 1 and counted() == before + 1


def test_elsewhere_the_line_and_metrics_are_written_before_the_answer_returns(lines):
    app = build_app()
    before = counted()
    environ = read_estate(app, "est_after_2", "after-2")
    (line,) = lines.requests()
    assert line["request_id"] == "after-2" and line["status"] == 200
    assert counted() == before + 1
    assert after_answer.ENVIRON_KEY not in environ


def test_a_deferred_call_that_fails_is_logged_and_the_next_still_runs(lines):
    app = build_app()
    after_answer.enable(app)
    ran = []

    def fails():
        raise RuntimeError("boom")

    with app.test_request_context("/"):
        after_answer.later(fails)
        after_answer.later(lambda: ran.append(True))
        environ = request.environ
    after_answer.run(environ)
    assert ran == [True]
    assert any(line["message"] == "after the answer" and "boom" in line.get("error", "") for line in lines.lines)


def served(app, method, path, **kwargs):
    """The answer of ``method path`` and the WSGI environ the server gave it (review r1)."""
    environs, wsgi_app = [], app.wsgi_app
    app.wsgi_app = lambda environ, start_response: environs.append(environ) or wsgi_app(environ, start_response)
    try:
        answer = app.test_client().open(path, method=method, **kwargs)
    finally:
        app.wsgi_app = wsgi_app
    (environ,) = environs
    return answer, environ


def sample(route, method, status):
    return REGISTRY.get_sample_value("estate_gateway_http_requests_total",
                                     {"route": route, "method": method, "status": str(status)}) or 0


def test_under_gunicorn_a_request_that_fails_a_not_modified_and_a_head_are_each_written_once(lines):
    """A view that raises (500), a 304 to If-None-Match, a HEAD: each answer carries its request
    id at once, and its line (its own status and id) and count come once, after the answer (review r1)."""
    app = build_app()
    conf = gunicorn_conf()
    conf.post_worker_init(type("Worker", (), {"wsgi": app})())
    token = Accounts(app).admin
    headers = bearer(token)
    rpc = app.extensions["estate_ops"].rpc
    path = "/api/v1/estates/est_after_3"
    estate = {"id": "est_after_3", "estate_id": "est_after_3", "code": "C-3", "name": "Estate 3",
              "address": "somewhere", "created_at": "2026-12-01T00:00:00.000Z", "version": 1}
    rpc.answer("archive", "get_estate", estate)  # the same bytes at each read: its ETag too
    fine, environ = served(app, "GET", path, headers={**headers, "X-Request-ID": "fine-1"})
    assert fine.status_code == 200 and fine.headers.get("ETag")
    conf.post_request(None, None, environ, None)
    rpc.answer("archive", "get_estate", RuntimeError("boom"))
    calls = [("GET", {"X-Request-ID": "fails-1"}, 500)]
    for method, extra, status in calls:
        before = sample(ROUTE, method, status)
        answer, environ = served(app, method, path, headers={**headers, **extra})
        assert answer.status_code == status and answer.headers["X-Request-ID"] == extra["X-Request-ID"]
        assert [line for line in lines.requests() if line["request_id"] == extra["X-Request-ID"]] == []
        assert sample(ROUTE, method, status) == before
        conf.post_request(None, None, environ, None)
        conf.post_request(None, None, environ, None)  # gunicorn calls it once; twice still writes once
        (line,) = [line for line in lines.requests() if line["request_id"] == extra["X-Request-ID"]]
        assert line["status"] == status and line["method"] == method and line["path"] == path
        assert sample(ROUTE, method, status) == before + 1
    rpc.answer("archive", "get_estate", estate)
    for method, extra, status in (("GET", {"X-Request-ID": "unchanged-1", "If-None-Match": fine.headers["ETag"]}, 304),
                                  ("HEAD", {"X-Request-ID": "head-1"}, 200)):
        before = sample(ROUTE, method, status)
        answer, environ = served(app, method, path, headers={**headers, **extra})
        assert answer.status_code == status and answer.headers["X-Request-ID"] == extra["X-Request-ID"]
        assert sample(ROUTE, method, status) == before
        conf.post_request(None, None, environ, None)
        (line,) = [line for line in lines.requests() if line["request_id"] == extra["X-Request-ID"]]
        assert line["status"] == status and line["method"] == method
        assert sample(ROUTE, method, status) == before + 1


def test_under_gunicorn_a_streamed_answer_is_written_once_whether_or_not_its_body_was_read(lines):
    """A download's answer streams after the app's hooks; its line waits for gunicorn's
    post_request, which runs once the body is written or its write failed (review r1)."""
    from flask import Response

    app = build_app()
    app.add_url_rule("/api/v1/estates/<estate_id>/streamed-r1", "streamed_r1",
                     lambda estate_id: Response((f"{n}\n" for n in range(1000)), mimetype="text/csv"))
    app.view_functions["streamed_r1"].public = True
    conf = gunicorn_conf()
    conf.post_worker_init(type("Worker", (), {"wsgi": app})())
    for request_id, read in (("streamed-read", True), ("streamed-cut", False)):
        environs, wsgi_app = [], app.wsgi_app
        app.wsgi_app = lambda environ, start_response: environs.append(environ) or wsgi_app(environ, start_response)
        try:
            answer = app.test_client().get("/api/v1/estates/A/streamed-r1", headers={"X-Request-ID": request_id},
                                           buffered=False)
            if read:
                assert answer.get_data().count(b"\n") == 1000
            answer.close()
        finally:
            app.wsgi_app = wsgi_app
        assert answer.headers["X-Request-ID"] == request_id
        (environ,) = environs
        assert [line for line in lines.lines if line.get("request_id") == request_id and line["message"] == "request"] == []
        conf.post_request(None, None, environ, None)
        (line,) = [line for line in lines.lines if line.get("request_id") == request_id and line["message"] == "request"]
        assert line["status"] == 200
