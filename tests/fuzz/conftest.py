"""The system as ``make run`` starts it (as tests/e2e does), an operator admin's token, and one
estate with a few objects of each kind, so that generated paths can name ids that exist."""
import uuid
from pathlib import Path

import pytest
import requests

from estate_common.testing import load_file

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "fuzz-admin-password-" + uuid.uuid4().hex[:8]
RPC_TIMEOUT_SECONDS = 5
FAST_PASSWORD_HASHING = {"ESTATE_PASSWORD_HASHING": "fast-insecure-for-tests"}  # a test-only setting


@pytest.fixture(scope="module")
def system(module_amqp_uri, tmp_path_factory):
    run_local = load_file(ROOT / "scripts" / "run_local.py", "fuzz_run_local")
    overrides = {"AMQP_URI": module_amqp_uri, "ESTATE_ADMIN_PASSWORD": ADMIN_PASSWORD, "ESTATE_CONTRACTS_STRICT": "1",
                 "RPC_TIMEOUT": str(RPC_TIMEOUT_SECONDS), "OUTBOX_SWEEP_SECONDS": "2", "LOG_LEVEL": "WARNING",
                 # Argon2id at its cheapest, as the e2e and browser systems have it (gateway/passwords.py):
                 # the admin's sign-in and every user the fuzzing creates or resets cost 0.3 s of CPU each
                 **FAST_PASSWORD_HASHING}
    with run_local.running_system(overrides, tmp_path_factory.mktemp("system") / "system.log") as running:
        yield running


@pytest.fixture(scope="module")
def admin_token(system):
    answer = requests.post(system.url + "/api/v1/auth/token",
                           json={"username": "admin", "password": ADMIN_PASSWORD}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]
