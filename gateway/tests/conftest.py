"""Broker-free gateway tests: the Flask test client, a recording fake RPC client,
accounts and tokens, and contract checks of what the gateway answers.

Each ``create_app`` call gets its own embedded store, so every test
module builds one app (``app``, module scope) and every test gets a fresh
``FakeRpc`` installed in it (``rpc``). Passwords are hashed with Argon2id at
its cheapest here (``cheap_password_hashes``): the tests sign in some 330
times, and RFC 9106's 64 MiB profile costs 90-250 ms a hash on 2 cores.
test_passwords.py checks the real parameters and the rehash of a weaker hash.
Apps share their routes' compiled URL builders (``shared_url_builders``): a test module
builds some dozens of apps, and werkzeug compiled each of the ~485 rules' builders anew in each.
"""
import copy
import json
import re
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import flask
import pytest
from werkzeug.routing import Rule

from estate_common import clock, contracts
from estate_common.errors import NotFound
from gateway.app import create_app
from gateway.problems import PROBLEM_BASE

ADMIN_PASSWORD = "operator-admin-secret-01"
JWT_SECRET = "x" * 40
USER_PASSWORD = "staff-password-0001"


def settings(**overrides):
    # the technicians' relay runs when a test asks (technician_notices.relay is called by the tests)
    return {"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET, "technician_relay_seconds": 0, **overrides}


# -- the fake RPC client ---------------------------------------------------------

@dataclass
class Call:
    service: str
    method: str
    payload: dict
    request_id: str = None
    caller: dict = None
    timeout: float = None
    context: dict = None


def _estate(estate_id):
    now = clock.now_iso()
    return {"id": estate_id, "estate_id": estate_id, "code": f"C-{estate_id}"[:32], "name": f"Estate {estate_id}",
            "address": "somewhere", "created_at": now, "version": 1}


def _default_answer(call):
    if call.method == "health":
        return {"service": call.service, "status": "ok", "store": "embedded", "time": clock.now_iso()}
    if (call.service, call.method) == ("archive", "get_estate"):
        return _estate(call.payload["estate_id"])
    if call.method.startswith("list_"):
        return {"items": [], "next_cursor": None}
    if (call.service, call.method) == ("finance", "highest_parking_hour_price"):  # no parking hour priced
        return {"estate_id": call.payload["estate_id"], "standard": None}
    if (call.service, call.method) == ("finance", "household_account"):  # a goods release pass's flat: owes nothing
        return {"estate_id": call.payload["estate_id"], "household_id": call.payload["id"], "overdue_cents": 0,
                "unpaid_cents": 0}
    return {"id": f"{call.method}-result"}


class FakeRpc:
    """Stands in for ``RpcClient``: records every call, answers canned results or raises.

    ``answer(service, method, x)``: ``x`` is returned (a deep copy), raised when it is an
    exception instance, or called with the ``Call`` when it is a function (whose result
    is then handled the same way).
    """

    timeout = 5.0  # as the client's: the fan-outs wait this long for an answer

    def __init__(self):
        self.calls = []
        self.answers = {}
        self._lock = threading.Lock()

    def answer(self, service, method, result):
        self.answers[(service, method)] = result
        return self

    def call(self, service, method, payload, request_id=None, caller=None, timeout=None, context=None):
        record = Call(service, method, copy.deepcopy(payload), request_id, copy.deepcopy(caller), timeout,
                      copy.deepcopy(context))
        with self._lock:
            self.calls.append(record)
        if (service, method) == ("archive", "list_estates") and (service, method) not in self.answers \
                and "ids" in (payload.get("filters") or {}):
            return self._estates_named(record)
        return self._answer(record)

    def _answer(self, record):
        answer = self.answers.get((record.service, record.method), _default_answer)
        if callable(answer) and not isinstance(answer, BaseException) and not isinstance(answer, type):
            answer = answer(record)
        if isinstance(answer, BaseException):
            raise answer
        return copy.deepcopy(answer)

    def _estates_named(self, record):
        """archive's ``list_estates`` of ``filters.ids``: the estates its ``get_estate`` knows (a
        test that makes one unknown there makes it unknown here too)."""
        found = []
        for estate_id in record.payload["filters"]["ids"]:
            try:
                found.append(self._answer(Call("archive", "get_estate", {"estate_id": estate_id}, record.request_id,
                                               record.caller, record.timeout, record.context)))
            except NotFound:
                pass
        return {"items": found, "next_cursor": None}

    broker_down = None  # an exception ``never_started`` raises
    unstarted = ()  # the services ``never_started`` names

    def never_started(self, services, timeout):
        if self.broker_down is not None:
            raise self.broker_down
        return [name for name in services if name in self.unstarted]

    def calls_to(self, service, method):
        return [c for c in self.calls if (c.service, c.method) == (service, method)]

    def calls_except_estate_lookups(self):
        """The calls but the gateway's own ``archive.get_estate`` asking whether an estate an
        all-estates caller names exists (``known_estates``)."""
        return [c for c in self.calls if (c.service, c.method) != ("archive", "get_estate")]

    def only_call(self, service, method):
        found = self.calls_to(service, method)
        assert len(found) == 1, f"expected one call to {service}.{method}, got {self.calls}"
        return found[0]


def build_app(**overrides):
    app = create_app(settings(**overrides))
    app.extensions["estate_ops"].rpc = FakeRpc()
    known = app.extensions["estate_ops"].estates
    known.ttl_seconds = 24 * 3600  # the tests' estates exist: no test's calls depend on which ran first
    for estate_id in ("A", "B"):
        known.remember(estate_id)
    return app


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# -- accounts ---------------------------------------------------------------------

class Accounts:
    """Users created through the API (as the admin) and their tokens, cached per app."""

    def __init__(self, app):
        self.app = app
        self._tokens = {}

    def login(self, username, password):
        return self.app.test_client().post("/api/v1/auth/token", json={"username": username, "password": password})

    def token(self, username, password):
        response = self.login(username, password)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]

    @property
    def admin(self):
        if "admin" not in self._tokens:
            self._tokens["admin"] = self.token("admin", ADMIN_PASSWORD)
        return self._tokens["admin"]

    def create(self, username, roles, estate_ids, password=USER_PASSWORD):
        """POST /api/v1/users as the admin, with an archive that knows every estate."""
        state = self.app.extensions["estate_ops"]
        previous, state.rpc = state.rpc, FakeRpc()
        try:
            response = self.app.test_client().post(
                "/api/v1/users", headers=bearer(self.admin),
                # an operator admin is given no estate (it sees every one: the API refuses any)
                json={"username": username, "password": password, "roles": list(roles),
                      "estate_ids": [] if "operator_admin" in roles else list(estate_ids)})
        finally:
            state.rpc = previous
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def user(self, username, roles, estate_ids):
        """The token of ``username`` (created on first use)."""
        if username not in self._tokens:
            self.create(username, roles, estate_ids)
            self._tokens[username] = self.token(username, USER_PASSWORD)
        return self._tokens[username]


# -- fixtures ---------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """Argon2id at t=1, 64 KiB, p=1 for every test: the same code path, none of the cost.
    The decoy (an unknown user's verify) keeps the real parameters it was made with."""
    from argon2 import PasswordHasher

    from gateway import passwords
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        yield


class SharedBuilderRule(Rule):
    """A rule whose URL builders (the functions ``url_for`` calls, which werkzeug generates as
    Python source and compiles for every rule of every app: 75 % of ``create_app``'s CPU) are
    compiled once per process. A builder is a function of the rule's text and parsed parts only:
    it reaches its converters through the rule it is bound to (``.self._converters``), so one
    compiled function serves every app's copy of the rule. Rules with defaults (which werkzeug
    folds into the builder through their converters) are compiled as before."""

    _builders = {}

    def _compile_builder(self, append_unknown=True):
        if self.defaults:
            return super()._compile_builder(append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        if key not in self._builders:
            self._builders[key] = super()._compile_builder(append_unknown)
        return self._builders[key]


@pytest.fixture(scope="session", autouse=True)
def shared_url_builders():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flask.Flask, "url_rule_class", SharedBuilderRule)
        yield


@pytest.fixture(scope="session")
def make_app():
    """``make_app(**settings)``: a new app (its own store) with a ``FakeRpc`` installed."""
    return build_app


@pytest.fixture(scope="session")
def make_accounts():
    """``make_accounts(app)``: an ``Accounts`` for another app."""
    return Accounts


@pytest.fixture(scope="module")
def app():
    return build_app()


@pytest.fixture
def rpc(app):
    fake = FakeRpc()
    app.extensions["estate_ops"].rpc = fake
    app.extensions["kpi_cache"].clear()  # figures kept from another test's services
    app.extensions["complaints_cache"].clear()  # and analyses (跨小区投诉分析)
    return fake


@pytest.fixture
def client(app, rpc):
    return app.test_client()


@pytest.fixture(scope="module")
def accounts(app):
    return Accounts(app)


@pytest.fixture
def admin_token(accounts):
    return accounts.admin


@pytest.fixture
def agent_a_token(accounts):
    """An agent whose scope is estate A only."""
    return accounts.user("agent-a", ["agent"], ["A"])


@pytest.fixture
def unique():
    """A fresh lower-case suffix for usernames and keys."""
    return lambda prefix="u": f"{prefix}-{uuid.uuid4().hex[:10]}"


# -- contract checks --------------------------------------------------------------

def openapi_template(rule):
    """``/api/v1/estates/<estate_id>`` → ``/api/v1/estates/{estate_id}``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def _escape(segment):
    return quote(str(segment).replace("~", "~0").replace("/", "~1"), safe="~")


# the headers the gateway sets itself: an answer that carries one must have it declared (a header a
# client is told nothing of is one it cannot rely on), as the served document does
GATEWAY_HEADERS = ("X-Request-ID", "Idempotent-Replayed", "Retry-After", "Location", "ETag")


class Contract:
    """Finds the OpenAPI operation behind a response and validates the response body and headers
    (those its response declares in the served document, ``gateway.docs.served_document``, which
    refers each to the gateway's ``components/headers``)."""

    def __init__(self):
        self.contracts = contracts.load()
        self.openapi = self.contracts.openapi
        self._header_checks = {}

    def declared_headers(self, template, method, status):
        """``{name: header object}`` the served document declares for (path, method, status)."""
        from gateway.docs import served_document
        served = served_document()
        node = served["paths"][template][method.lower()]["responses"].get(str(status)) or {}
        if "$ref" in node:
            node = served["components"]["responses"][node["$ref"].rsplit("/", 1)[1]]
        declared = {}
        for name, header in (node.get("headers") or {}).items():
            if "$ref" in header:
                header = served["components"]["headers"][header["$ref"].rsplit("/", 1)[1]]
            declared[name] = header
        return declared

    def header_problems(self, response, template, method):
        """What is wrong with ``response``'s headers against those declared for it: a required one
        absent, a declared one's value off its schema, one of ``GATEWAY_HEADERS`` not declared."""
        declared = {name.lower(): (name, header) for name, header in
                    self.declared_headers(template, method, response.status_code).items()}
        problems = []
        for name, header in declared.values():
            value = response.headers.get(name)
            if value is None:
                if header.get("required"):
                    problems.append(f"{name}: required and absent")
                continue
            schema = header.get("schema") or {}
            if schema.get("type") == "integer" and value.isascii() and value.isdigit():
                value = int(value)
            key = json.dumps(schema, sort_keys=True)
            check = self._header_checks.get(key)
            if check is None:
                from jsonschema import Draft202012Validator
                check = self._header_checks[key] = Draft202012Validator(schema)
            problems += [f"{name}: {error.message}" for error in check.iter_errors(value)]
        problems += [f"{name}: sent and not declared" for name in GATEWAY_HEADERS
                     if name in response.headers and name.lower() not in declared]
        return problems

    def template_of(self, app, path, method):
        rule, _ = app.url_map.bind("localhost").match(path, method=method, return_rule=True)
        return openapi_template(rule.rule)

    def response_ref(self, template, method, status, media):
        """The ``$ref`` of the schema declared for (path, method, status, media), or None."""
        pointer = ["paths", template, method.lower(), "responses", str(status)]
        node = self.openapi["paths"][template][method.lower()]["responses"].get(str(status))
        if node is None:
            return None
        if "$ref" in node:
            assert node["$ref"].startswith("#/"), node
            pointer = node["$ref"][2:].split("/")
            node = self.openapi
            for part in pointer:
                node = node[part]
        if media not in node.get("content", {}):
            return None
        pointer += ["content", media, "schema"]
        return "openapi.yaml#/" + "/".join(_escape(p) for p in pointer)

    def errors(self, ref, instance):
        return self.contracts.errors(ref, instance)

    def check(self, app, response, status=None):
        """Assert ``response`` matches the schema declared for its operation and status; its body."""
        request = response.request
        if status is not None:
            assert response.status_code == status, response.get_data(as_text=True)
        template = self.template_of(app, request.path, request.method)
        ref = self.response_ref(template, request.method, response.status_code, response.mimetype)
        assert ref is not None, (f"{request.method} {template} declares no {response.status_code} "
                                 f"{response.mimetype} response")
        body = response.get_json()
        problems = self.errors(ref, body)
        assert problems == [], f"{request.method} {template} {response.status_code}: {problems}\n{body}"
        wrong = self.header_problems(response, template, request.method)
        assert wrong == [], f"{request.method} {template} {response.status_code} headers: {wrong}"
        return body

    def problem(self, response, status, code=None, fields=None, app=None):
        """Assert ``response`` is a problem+json with ``status`` (and ``code``, and errors naming
        each of ``fields``); the body."""
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.mimetype == "application/problem+json", response.headers
        body = response.get_json()
        for key in ("type", "title", "status", "detail", "code"):
            assert key in body, body
        assert body["status"] == status
        assert isinstance(body["title"], str) and body["title"]
        assert isinstance(body["detail"], str)
        if code is not None:
            assert body["code"] == code, body
        assert body["type"] == PROBLEM_BASE + body["code"]
        assert self.errors("openapi.yaml#/components/schemas/Problem", body) == []
        if fields is not None:
            named = [e["field"] for e in body.get("errors", [])]
            for name in fields:
                assert name in named, f"{name!r} not in {named}: {body}"
        if app is not None and response.request.method != "HEAD":
            try:
                template = self.template_of(app, response.request.path, response.request.method)
            except Exception:  # no route (404/405): nothing declared to compare with
                template = None
            if template is not None:
                ref = self.response_ref(template, response.request.method, status, response.mimetype)
                if ref is not None:
                    assert self.errors(ref, body) == []
                    wrong = self.header_problems(response, template, response.request.method)
                    assert wrong == [], f"{response.request.method} {template} {status} headers: {wrong}"
        return body


@pytest.fixture(scope="session")
def contract():
    return Contract()
