"""A fake gateway for the console's tests: canned answers per route, every call recorded.

The console reaches the gateway only through ``requests.Session.request``; the
fake stands in for that session, so the tests see exactly which public routes
were called, with which token and body.
"""
import base64
import functools
import json
import re
import secrets
import time
from pathlib import Path

import pytest

from console import security
from console.app import create_app
from estate_common import contracts

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = "http://gateway.test"
ESTATE = "est_1"


def token_for(username, roles, estates=(ESTATE,)):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    claims = {"sub": username, "roles": list(roles), "estates": list(estates), "exp": int(time.time()) + 3600}
    return f"{part({'alg': 'HS256'})}.{part(claims)}.signature"


class FakeResponse:
    def __init__(self, status, body, request_id="req-fake-1"):
        self.status_code = status
        self.reason = "fake"
        self.headers = {"X-Request-ID": request_id,
                        "Content-Type": "application/problem+json" if status >= 400 else "application/json"}
        self.content = json.dumps(body).encode() if body is not None else b""
        self.closed = False

    def json(self):
        return json.loads(self.content)

    def iter_content(self, chunk_size=1):
        for start in range(0, len(self.content), chunk_size):
            yield self.content[start:start + chunk_size]

    def close(self):
        self.closed = True


class FakeFile(FakeResponse):
    """A file answer (an export's CSV or XLSX): its bytes and headers as the gateway sends them."""

    def __init__(self, content, content_type, filename):
        super().__init__(200, None)
        self.content = content
        self.headers.update({"Content-Type": content_type,
                             "Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


def openapi_spec():
    """contracts/openapi.yaml as ``estate_common.contracts`` read it for the run (libyaml's loader;
    test_contracts.py checks it reads the same as pure Python's): one document every test reads and
    none writes. Read with PyYAML's pure-Python loader by each test or module that wanted it, it cost
    some 2 s of CPU a time, 25 s of the console's suite; read here a second time with libyaml, the
    contracts' own reading beside it, 1 s of the rest side's CPU (session 63, h1)."""
    return contracts.load().openapi


def served_openapi():
    """What the gateway serves at ``/api/v1/openapi.json`` (gateway/docs.py)."""
    from gateway.docs import served_document
    return served_document()


@functools.lru_cache(maxsize=1)
def _served_openapi_bytes():
    return json.dumps(served_openapi()).encode()


@functools.lru_cache(maxsize=1)
def _served_openapi_decoded():
    return json.loads(_served_openapi_bytes())


class OpenApiAnswer(FakeResponse):
    """The gateway's document as it answers it, encoded once for the whole run: every test's
    console reads it (console/permissions.py), and encoding 1 MB of JSON per test cost more than
    most tests. Decoded once too (``json``): decoding it again for each test's console cost 20-25 ms
    of CPU a test, some 40 s of the console's suite. The console only reads it (permissions.py);
    ``the_decoded_document_is_never_written`` fails the run if a test's console ever wrote to it."""

    def __init__(self):
        super().__init__(200, None)
        self.content = _served_openapi_bytes()

    def json(self):
        return _served_openapi_decoded()


@pytest.fixture(scope="session", autouse=True)
def the_decoded_document_is_never_written():
    """The one decoded document ``OpenApiAnswer`` hands every test's console is, at the run's end,
    still the document the gateway serves: no test's console saw another's change to it."""
    yield
    if _served_openapi_decoded.cache_info().currsize:
        assert _served_openapi_decoded() == json.loads(_served_openapi_bytes()), \
            "a console wrote to the gateway's document it was handed (conftest.OpenApiAnswer)"


class FakeGateway:
    """Stands in for requests.Session: ``on(method, path_regex, answer)``; ``calls`` lists what came."""

    def __init__(self):
        self.calls = []
        self.routes = []
        # the gateway's own document, with the roles it lets call each operation (x-roles): the
        # screens offer a user only what the gateway would let them send (console/permissions.py)
        self.on("GET", r"/api/v1/openapi.json", lambda body, params: OpenApiAnswer())

    def on(self, method, pattern, answer, status=200):
        self.routes.insert(0, (method, re.compile(pattern + "$"), answer, status))

    def request(self, method, url, json=None, params=None, headers=None, timeout=None, data=None, stream=False):
        assert url.startswith(GATEWAY), url
        path = url[len(GATEWAY):]
        self.calls.append({"method": method, "path": path, "json": json, "params": params or {},
                           "headers": headers or {}, "data": data, "stream": stream})
        for route_method, pattern, answer, status in self.routes:
            if route_method == method and pattern.match(path):
                body = answer(json, params or {}) if callable(answer) else answer
                if isinstance(body, FakeResponse):
                    return body
                if isinstance(body, tuple):
                    status, body = body
                return FakeResponse(status, body)
        return FakeResponse(404, {"type": "about:blank", "title": "not found", "status": 404, "code": "not_found",
                                  "detail": f"fake gateway has no {method} {path}"})


def problem(status, title, detail="", code="conflict", errors=None):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code,
            "request_id": "req-problem-42"}
    if errors:
        body["errors"] = errors
    return status, body


@pytest.fixture
def fake():
    gateway = FakeGateway()
    gateway.on("GET", rf"/api/v1/estates/{ESTATE}", {"id": ESTATE, "estate_id": ESTATE, "code": "E1",
                                                     "name": "Sunny Gardens"})
    gateway.on("GET", r"/api/v1/estates", {"items": [{"id": ESTATE, "code": "E1", "name": "Sunny Gardens"},
                                                      {"id": "est_2", "code": "E2", "name": "River Court"}],
                                            "next_cursor": None})
    gateway.on("GET", r"/api/v1/estates/est_2", {"id": "est_2", "code": "E2", "name": "River Court"})
    return gateway


@pytest.fixture(scope="session")
def _one_app():
    """One console app for every test that takes ``app``, with its settings as made: an app
    registers and compiles some 200 routes and compiles each template it renders anew, which
    made most of a console test's time (0.2 s of 0.3 s)."""
    made = create_app({"GATEWAY_URL": GATEWAY, "SECRET_KEY": "test-secret", "TESTING": True})
    return made, dict(made.config), dict(made.extensions)


def as_made(made, settings, extensions, fake):
    """The one app as create_app made it, talking to ``fake`` only: its settings, and only the
    extensions it made, so that nothing a test's console kept there (the gateway's document read
    from that test's gateway, any cache added later) is another test's. Nothing else of the app
    changes after its first request: its routes, blueprints and context processors are fixed
    (Flask refuses a setup method then), nothing writes its jinja globals, and its templates are
    files."""
    made.config.clear()
    made.config.update(settings)
    made.extensions.clear()
    made.extensions.update(extensions, console_http=fake)
    return made


@pytest.fixture
def app(fake, _one_app):
    """The console, talking to this test's fake gateway only, as made (``as_made``)."""
    return as_made(*_one_app, fake)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_of(client):
    """The CSRF token of the client's session (what every rendered form carries)."""
    client.get("/signin")
    with client.session_transaction() as session:
        return session["csrf_token"]


def _csrf_in_session(client):
    """The CSRF token of the client's session, made as ``security.csrf_token`` makes it when a page
    renders a form: what ``sign_in`` sends. Rendering the sign-in page for it (``csrf_of``) was some
    10 % of the CPU of a console test that signs in (a page shown, its session saved) and proved
    nothing the sign-in page's own tests do not."""
    with client.session_transaction() as session:
        return session.setdefault(security.CSRF_FIELD, secrets.token_urlsafe(32))


def sign_in(client, fake, username="alice", roles=("agent",), estates=(ESTATE,)):
    token = token_for(username, roles, estates)
    fake.on("POST", r"/api/v1/auth/token", {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
    answer = client.post("/signin", data={"username": username, "password": "pw",
                                          "csrf_token": _csrf_in_session(client)})
    assert answer.status_code == 302, answer.data
    return token


@pytest.fixture(scope="session")
def documented_routes():
    """(method, compiled path) of every operation in contracts/openapi.yaml."""
    spec = openapi_spec()
    routes = []
    for path, operations in spec["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", path) + "$")
        for method in operations:
            if method in ("get", "post", "put", "patch", "delete"):
                routes.append((method.upper(), pattern))
    return routes
