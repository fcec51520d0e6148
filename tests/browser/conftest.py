"""The whole system as ``make run`` starts it, console included, and a Chromium driven by Playwright.

Chromium is Debian's (/usr/bin/chromium, installed by ``make browser``); without it
these tests fail with a message saying how to install it, they do not skip.
"""
import importlib.util
import json
import os
import subprocess
import sys
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
                 "OUTBOX_SWEEP_SECONDS": "2", "MONGO_URI": ""}
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


def run_scenario(name, settings, timeout=240):
    """Run one of scenarios.py in its own interpreter (Playwright and eventlet do not mix)."""
    answer = subprocess.run([sys.executable, str(Path(__file__).with_name("scenarios.py")), name,
                             json.dumps(settings)], capture_output=True, text=True, timeout=timeout)
    assert answer.returncode == 0, f"browser scenario {name} failed:\n{answer.stdout}\n{answer.stderr}"
