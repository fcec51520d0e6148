"""The whole system as ``make run`` starts it, console included, and a Chromium driven by Playwright.

Chromium is Debian's (/usr/bin/chromium, installed by ``make browser``); without it
these tests fail with a message saying how to install it, they do not skip.
"""
import contextlib
import importlib.util
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from estate_common.testing import load_file

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CONSOLE_BROWSER", "/usr/bin/chromium")
ADMIN_PASSWORD = "browser-admin-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def system(module_amqp_uri, tmp_path_factory):
    # always the embedded store: the screens are what is tested here, not the store
    overrides = {"AMQP_URI": module_amqp_uri, "ESTATE_ADMIN_PASSWORD": ADMIN_PASSWORD, "RPC_TIMEOUT": "5",
                 "OUTBOX_SWEEP_SECONDS": "2", "MONGO_URI": "",
                 # Argon2id at its cheapest: a test-only setting (gateway/passwords.py)
                 "ESTATE_PASSWORD_HASHING": "fast-insecure-for-tests"}
    run_local = load_file(ROOT / "scripts" / "run_local.py", "browser_run_local")
    with run_local.running_system(overrides, tmp_path_factory.mktemp("system") / "system.log",
                                  with_console=True) as running:
        yield running


class Api:
    """Set-up data straight through the gateway (estates and households have no console screen yet)."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.token = requests.post(base_url + "/api/v1/auth/token",
                                   json={"username": "admin", "password": ADMIN_PASSWORD}, timeout=30).json()["access_token"]

    def post(self, path, body, retry_422=False):
        """POST as the admin; ``retry_422``: a service still waiting for an event (a new household) says 422."""
        deadline = time.monotonic() + 30
        while True:
            answer = requests.post(self.base_url + path, json=body, timeout=30,
                                   headers={"Authorization": f"Bearer {self.token}"})
            if not (retry_422 and answer.status_code == 422 and time.monotonic() < deadline):
                break
            time.sleep(0.5)
        assert answer.status_code in (200, 201, 202), answer.text
        return answer.json()

    def get(self, path):
        answer = requests.get(self.base_url + path, timeout=30, headers={"Authorization": f"Bearer {self.token}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def eventually(self, probe, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            time.sleep(0.5)
        raise AssertionError("the system did not get there in time")


@pytest.fixture(scope="module")
def api(system):
    return Api(system.url)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium; its absence fails the browser tests (never a silent skip)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"browser tests need Chromium at {CHROMIUM}: run 'make browser' "
                    f"(apt-get install -y chromium) as root", pytrace=False)
    if importlib.util.find_spec("playwright") is None:
        pytest.fail("browser tests need the playwright package (requirements/dev.txt): run 'make setup'",
                    pytrace=False)
    ARTIFACTS.mkdir(exist_ok=True)
    return CHROMIUM


class ScenarioRunner:
    """scenarios.py serving (``--serve``) in its own interpreter (Playwright and eventlet do not
    mix), started at the first scenario and kept for the next ones: one Chromium for all of them,
    each scenario in contexts of its own. A scenario that does not end within its time-out stops
    the process; the next one starts another."""

    def __init__(self):
        self.process = None
        self.log = None

    def run(self, name, settings, timeout):
        if self.process is None or self.process.poll() is not None:
            self._start()
        self.process.stdin.write((json.dumps([name, settings]) + "\n").encode())
        self.process.stdin.flush()
        line = self._read_line(time.monotonic() + timeout)
        if line is None:
            said = self._said()
            self.stop(graceful=False)
            return False, f"no answer within {timeout} s (or the process ended); its standard error:\n{said}"
        answer = json.loads(line)
        return answer["passed"], answer["output"]

    def _start(self):
        self.log = tempfile.TemporaryFile()
        self._buffer = b""
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("scenarios.py")), "--serve"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                        start_new_session=True)

    def _read_line(self, deadline):
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:  # it exited
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def _said(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self, graceful=True):
        if self.process is None:
            return
        with contextlib.suppress(OSError):
            self.process.stdin.close()  # at the end of its input it closes Chromium and exits
        if graceful:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # what is left of it, Chromium's processes too
        self.process.wait()
        self.log.close()
        self.process = None


_runner = ScenarioRunner()


@pytest.fixture(scope="session", autouse=True)
def _scenario_runner():
    yield
    _runner.stop()


def run_scenario(name, settings, timeout=240):
    """Run one of scenarios.py, in the interpreter and the Chromium that serve this run's scenarios."""
    passed, output = _runner.run(name, settings, timeout)
    assert passed, f"browser scenario {name} failed:\n{output}"
