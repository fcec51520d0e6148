"""The whole system as ``make run`` starts it, on its own vhost and port, and an
HTTP client that checks every response against contracts/openapi.yaml."""
import contextlib
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from estate_common import contracts
from estate_common.testing import load_file
from estate_common.vhosts import fresh_vhost

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "e2e-admin-password-" + uuid.uuid4().hex[:8]
RPC_TIMEOUT_SECONDS = 2
BODY_TIMEOUT_SECONDS = 2  # the gateway's wait for a body's next bytes (10 s by default)
HEADER_TIMEOUT_SECONDS = 2  # and for a request's line and headers (10 s by default)
# Argon2id at its cheapest (gateway/passwords.py; a test-only setting, refused where anything says
# production): every account these systems make or sign in cost 0.3 s of CPU a hash or a check,
# and a system-side run of the suite makes hundreds (its first 83 tests: 153, 46 s of CPU)
FAST_PASSWORD_HASHING = {"ESTATE_PASSWORD_HASHING": "fast-insecure-for-tests"}
# the shared system's settings for a module's sake, harmless to the others: test_exports sees a
# download link expire without a frozen clock, test_webhooks a delivery retried within seconds
SHARED_SETTINGS = {"EXPORT_LINK_SECONDS": "12", "WEBHOOK_POLL_SECONDS": "0.2", "WEBHOOK_TIMEOUT_SECONDS": "2"}


run_local = load_file(ROOT / "scripts" / "run_local.py", "e2e_run_local")


def start_system(amqp_uri, tmp_path_factory, **settings):
    """The system as ``make run`` starts it, on ``amqp_uri``'s vhost, with a module's own
    ``settings`` (environment variables) over the shared ones; the store is the suite's (root
    conftest.py): embedded, or MongoDB with the databases of the module that starts it."""
    overrides = {"AMQP_URI": amqp_uri, "ESTATE_ADMIN_PASSWORD": ADMIN_PASSWORD, "ESTATE_CONTRACTS_STRICT": "1",
                 "RPC_TIMEOUT": str(RPC_TIMEOUT_SECONDS), "OUTBOX_SWEEP_SECONDS": "2",
                 "WEBHOOK_ALLOW_PRIVATE": "1",  # as make run: webhooks to local receivers
                 "CLOSED_COUNT_SECONDS": "2",  # the services count what they closed for archive
                 "GATEWAY_BODY_TIMEOUT": str(BODY_TIMEOUT_SECONDS),
                 "GATEWAY_HEADER_TIMEOUT": str(HEADER_TIMEOUT_SECONDS),
                 **FAST_PASSWORD_HASHING,
                 **settings}
    with run_local.running_system(overrides, tmp_path_factory.mktemp("system") / "system.log") as running:
        running.rpc_timeout = RPC_TIMEOUT_SECONDS
        running.amqp_uri = amqp_uri
        yield running


_shared = contextlib.ExitStack()  # the shared system and its vhost, ended after their last test


@pytest.fixture(scope="session")
def shared_system(tmp_path_factory):
    """One system for every module that asks for no setting of its own. Each test works in
    estates and accounts it creates (flows.new_estate, new_user), so the modules do not see each
    other's data, as tenants of one deployment would not; starting seven processes and deleting
    their vhost cost about 20 s a module. A module that stops a process or needs a setting the
    others would feel defines ``system`` itself (``own_system``); one whose setting nobody else
    feels has it here (``SHARED_SETTINGS``). It stops after the last test that uses it
    (``pytest_runtest_teardown``), not at the session's end."""
    amqp_uri = _shared.enter_context(fresh_vhost("estate_e2e"))
    with _shared:
        yield _shared.enter_context(contextlib.contextmanager(start_system)(amqp_uri, tmp_path_factory,
                                                                            **SHARED_SETTINGS))


@pytest.hookimpl(trylast=True)  # after the test's own fixtures are torn down
def pytest_runtest_teardown(item, nextitem):
    """The shared system stopped and its vhost deleted once no test left uses it: the other
    directories of the suite's system side (the browser's, the access matrix's, the fuzzing's
    systems, some 300 s of it) ran beside its seven processes, whose sweeps and polls over the e2e
    modules' estates took 7 % of a core, and its queues."""
    if "shared_system" not in item.fixturenames:
        return
    later = item.session.items[item.session.items.index(item) + 1:]
    if not any("shared_system" in other.fixturenames for other in later):
        _shared.close()


@pytest.fixture(scope="module")
def system(shared_system, visitor_overstaying):
    return shared_system


@pytest.fixture(scope="session")
def visitor_overstaying(shared_system):
    """A visitor's car in, on a pass that ends two seconds later, made when the shared system first
    serves a module. The overstay test (test_patrol_and_archive) needs a real minute past the pass's
    end, which the system's clock cannot skip: made here, most of that minute has gone by the time
    the test runs and it waits only what is left (it slept 63 s on the suite's longest side)."""
    from datetime import datetime, timedelta, timezone

    from .flows import eventually, new_estate, new_user

    api = Api(shared_system.url)
    admin = api.token("admin", ADMIN_PASSWORD)
    estate_id = new_estate(api, admin, name="Gate Court")["id"]
    base = f"/api/v1/estates/{estate_id}"
    guard = new_user(api, admin, ["security"], [estate_id])[1]
    manager = new_user(api, admin, ["manager"], [estate_id])[1]
    agent = new_user(api, admin, ["agent"], [estate_id])[1]
    assert api.call("PUT", f"{base}/settings/security-patrol", manager,
                    json={"parking_free_minutes": 1}).status_code == 200
    household = api.post(f"{base}/households", {"building": "8", "unit": "1", "room": uuid.uuid4().hex[:5],
                                                 "area_m2": 60, "owner": {"name": "郑一", "phone": "13922224444"}},
                         agent).json()
    ends = (datetime.now(timezone.utc) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    made = eventually(lambda: (lambda r: r if r.status_code == 201 else None)(api.post(
        f"{base}/vehicle-passes", {"plate": "苏E50505", "kind": "visitor", "household_id": household["id"],
                                   "valid_until": ends}, guard)))
    assert made.json()["valid_until"] == ends
    assert api.post(f"{base}/vehicle-entries", {"plate": "苏E50505"}, guard).status_code == 201
    return {"id": estate_id, "base": base, "guard": guard, "manager": manager, "household": household,
            "plate": "苏E50505", "pass_ends": datetime.strptime(ends, "%Y-%m-%dT%H:%M:%S.000Z").replace(
                tzinfo=timezone.utc)}


@pytest.fixture(scope="module")
def own_system(module_amqp_uri, tmp_path_factory):
    """A system for this module alone, with the shared one's settings (a module with settings of
    its own calls ``start_system`` with them)."""
    yield from start_system(module_amqp_uri, tmp_path_factory)


class Api:
    """requests, plus: every answer carries X-Request-ID and matches openapi.yaml."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.session = requests.Session()
        self.book = contracts.load()

    def call(self, method, path, token=None, json=None, headers=None, data=None, check=True, **kwargs):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.session.request(method, self.base_url + path, json=json, data=data,
                                        headers=headers, timeout=30, **kwargs)
        assert response.headers.get("X-Request-ID"), f"{method} {path}: no X-Request-ID"
        media = response.headers.get("Content-Type", "").split(";")[0]
        if check and media in ("application/json", "application/problem+json"):
            errors = self.book.http_response_errors(method, urlparse(path).path, response.status_code,
                                                    media, response.json())
            assert not errors, f"{method} {path} -> {response.status_code} breaks openapi.yaml: {errors}"
        return response

    def get(self, path, token=None, **kwargs):
        return self.call("GET", path, token, **kwargs)

    def post(self, path, json=None, token=None, **kwargs):
        return self.call("POST", path, token, json=json, **kwargs)

    def token(self, username, password):
        answer = self.post("/api/v1/auth/token", {"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]


@pytest.fixture(scope="module")
def api(system):
    return Api(system.url)


@pytest.fixture(scope="module")
def admin(api):
    return api.token("admin", ADMIN_PASSWORD)
