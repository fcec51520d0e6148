"""The system as ``make run`` starts it (as tests/e2e does), an operator admin's token, and one
estate with a few objects of each kind, so that generated paths can name ids that exist."""
import importlib.util
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "fuzz-admin-password-" + uuid.uuid4().hex[:8]
RPC_TIMEOUT_SECONDS = 5


def _run_local():
    spec = importlib.util.spec_from_file_location("run_local", ROOT / "scripts" / "run_local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def system(module_amqp_uri, tmp_path_factory):
    run_local = _run_local()
    env = run_local.environment({
        "GATEWAY_PORT": str(run_local.free_port()),
        "AMQP_URI": module_amqp_uri,
        "ESTATE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ESTATE_CONTRACTS_STRICT": "1",
        "RPC_TIMEOUT": str(RPC_TIMEOUT_SECONDS),
        "OUTBOX_SWEEP_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    })
    log_path = tmp_path_factory.mktemp("system") / "system.log"
    with open(log_path, "wb") as log:
        running = run_local.System(env, stdout=log).start()
        try:
            running.wait_ready(90)
            running.log_path = log_path
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def admin_token(system):
    answer = requests.post(system.url + "/api/v1/auth/token",
                           json={"username": "admin", "password": ADMIN_PASSWORD}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]
