"""Suite-wide set-up: eventlet first, strict contracts, and an isolated broker vhost per test.

nameko 2.14's pytest plugin no longer monkey-patches, so it happens here,
before anything imports socket or threading. Its ``rabbit_config`` fixture
needs RabbitMQ's management API; ours uses ``rabbitmqctl`` instead (a local
broker, as on the developers' machines and CI) and falls back to AMQP_URI's
own vhost when there is no rabbitmqctl.
"""
import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated")  # nameko 2.14 is built on it
import eventlet  # noqa: E402

eventlet.monkey_patch()

import contextlib  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import uuid  # noqa: E402
from urllib.parse import urlparse, urlunparse  # noqa: E402

os.environ["ESTATE_CONTRACTS_STRICT"] = "1"  # a message that breaks its contract fails the test
os.environ.setdefault("OUTBOX_SWEEP_SECONDS", "1")
os.environ.pop("MONGO_URI", None)  # the suite runs on the embedded store

import pytest  # noqa: E402

from estate_common import clock, config  # noqa: E402


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def _with_vhost(uri, vhost):
    parts = urlparse(uri)
    return urlunparse(parts._replace(path="/" + vhost))


@contextlib.contextmanager
def fresh_vhost():
    base = config.amqp_uri()
    if not shutil.which("rabbitmqctl"):
        yield base
        return
    vhost = f"estate_test_{uuid.uuid4().hex[:12]}"
    user = urlparse(base).username or "guest"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    try:
        yield _with_vhost(base, vhost)
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def amqp_uri():
    """A fresh vhost for this test: no queue or message leaks from one test to the next."""
    with fresh_vhost() as uri:
        yield uri


@pytest.fixture(scope="module")
def module_amqp_uri():
    """A fresh vhost shared by the tests of one module (a whole running system)."""
    with fresh_vhost() as uri:
        yield uri


@pytest.fixture
def rabbit_config(amqp_uri):
    """Overrides nameko's fixture of the same name (which needs the management API)."""
    return {"AMQP_URI": amqp_uri}


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock.reset()
