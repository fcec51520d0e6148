"""Suite-wide set-up: eventlet first, strict contracts, the store, and an isolated broker vhost per test.

nameko 2.14's pytest plugin no longer monkey-patches, so it happens here,
before anything imports socket or threading. Its ``rabbit_config`` fixture
needs RabbitMQ's management API; ours uses ``rabbitmqctl`` instead (a local
broker, as on the developers' machines and CI) and falls back to AMQP_URI's
own vhost when there is no rabbitmqctl.

The store: by default the suite runs on the embedded store (MONGO_URI is
dropped, whatever the shell holds). ``ESTATE_TEST_STORE=mongodb`` (with
MONGO_URI) runs it on that MongoDB instead, as the hosted CI workflow does:
each test module and each test gets its own database names
(``MONGO_DB_PREFIX``), so no test sees another's data. Tests marked
``mongodb`` need a shared store and are skipped, saying why, without one.
"""
import sys
import warnings

# pytest rewrites the asserts of every test module and conftest as it imports them (the failure
# message that shows the values) and keeps the rewritten code beside the module, as Python keeps
# bytecode, but only where Python may write bytecode: under PYTHONDONTWRITEBYTECODE (set on these
# machines) every run rewrote the suite's some 500 test modules again, the rest side's collection
# 40 s of CPU where a second run with the bytecode kept takes about 12. The suite writes it (to
# __pycache__, which git and the images' build context ignore), whatever the shell says; the
# processes of the systems the tests start keep the shell's setting.
sys.dont_write_bytecode = False

warnings.filterwarnings("ignore", message="\nEventlet is deprecated")  # nameko 2.14 is built on it
import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402

from hypothesis import settings as hypothesis_settings  # noqa: E402

# hypothesis fails an example that takes longer than 200 ms by default: a timed test in disguise,
# which a loaded machine fails (a fresh clone's run beside other work failed a round trip of
# clock.to_iso on it, passing alone). What a property test proves is its property, not its speed.
hypothesis_settings.register_profile("estate-ops", deadline=None)
hypothesis_settings.load_profile("estate-ops")

os.environ["ESTATE_CONTRACTS_STRICT"] = "1"  # a message that breaks its contract fails the test
os.environ.setdefault("OUTBOX_SWEEP_SECONDS", "1")
# Classic event queues unless a test asks for quorum ones (those that prove the delivery limit and
# dead letters, a broker restart): a run would otherwise create and delete some 2,300
# quorum queues, a churn RabbitMQ's quorum queues are not built for (estate_common.nameko.dead_letters).
# The hosted CI workflow, on a fresh broker each time, runs everything on quorum queues.
os.environ.setdefault("EVENT_QUEUE_TYPE", "classic")
# the store contract tests also run on this MongoDB, if any (libs/estate_common/tests/test_store_contract.py)
os.environ["STORE_CONTRACT_MONGO_URI"] = os.environ.get("MONGO_URI", "")
# The bus signing key of this run: services refuse to start without one, the test clients sign with it.
os.environ.setdefault("BUS_SIGNING_KEY", __import__("secrets").token_urlsafe(48))
# The key integrations seals webhook secrets with (services/integrations/integrations/sealing.py).
os.environ.setdefault("WEBHOOK_SECRETS_KEY", __import__("secrets").token_urlsafe(32))
STORE = os.environ.get("ESTATE_TEST_STORE", "embedded")
if STORE not in ("embedded", "mongodb"):
    raise RuntimeError(f"ESTATE_TEST_STORE={STORE!r}: say 'embedded' (the default) or 'mongodb'")
if STORE == "embedded":
    os.environ.pop("MONGO_URI", None)
elif not os.environ.get("MONGO_URI"):
    raise RuntimeError("ESTATE_TEST_STORE=mongodb needs MONGO_URI (e.g. mongodb://localhost:27017)")
os.environ.pop("MONGO_DB", None)  # one database for every service would mix their collections

import uuid  # noqa: E402

import pytest  # noqa: E402

from estate_common import clock  # noqa: E402
from estate_common.vhosts import declaring, fresh_vhost  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402

# A service container of a test declares its queues under the broker lock, as a whole system's
# start does (scripts/run_local.py): no vhost is made or deleted meanwhile (estate_common.vhosts).
ServiceContainer.start = declaring(ServiceContainer.start)


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


def _fresh_databases():
    """Database names of their own (``<prefix>_<service>``) for what starts from now on."""
    previous = os.environ.get("MONGO_DB_PREFIX")
    os.environ["MONGO_DB_PREFIX"] = f"estate_t{uuid.uuid4().hex[:12]}"
    yield
    if previous is None:
        os.environ.pop("MONGO_DB_PREFIX", None)
    else:
        os.environ["MONGO_DB_PREFIX"] = previous


@pytest.fixture(scope="module", autouse=True)
def _module_databases():
    """For module-scoped systems (e2e): autouse, so it is set before the module's own fixtures.
    The databases are left to the throw-away MongoDB of the CI job."""
    if STORE == "mongodb":
        yield from _fresh_databases()
    else:
        yield


@pytest.fixture(autouse=True)
def _test_databases():
    if STORE == "mongodb":
        yield from _fresh_databases()
    else:
        yield


def pytest_runtest_setup(item):
    """``@pytest.mark.mongodb("why")``: skipped without MONGO_URI, with that reason."""
    marker = item.get_closest_marker("mongodb")
    if marker is not None and not os.environ.get("MONGO_URI"):
        reason = marker.args[0] if marker.args else "needs MONGO_URI: runs in the hosted CI workflow"
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock.reset()


@pytest.fixture
def spans():
    """Every span finished during the test, in memory (estate_common.tracing's exporter)."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from estate_common import tracing

    exporter = InMemorySpanExporter()
    tracing.use_exporter(exporter)
    yield exporter
    tracing.use_exporter(None)

