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

import os  # noqa: E402

os.environ["ESTATE_CONTRACTS_STRICT"] = "1"  # a message that breaks its contract fails the test
os.environ.setdefault("OUTBOX_SWEEP_SECONDS", "1")
# the suite runs on the embedded store; the store contract tests also run on this MongoDB, if any
os.environ["STORE_CONTRACT_MONGO_URI"] = os.environ.pop("MONGO_URI", "")

import pytest  # noqa: E402

from estate_common import clock  # noqa: E402
from estate_common.vhosts import fresh_vhost  # noqa: E402


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
