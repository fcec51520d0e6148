"""All five services in this process, on a fresh vhost of the real broker: one system (and one vhost)
per module, started at its first test.

Each test works in estates of its own (an estate code, an estate id of its events), as tenants of one
deployment would, so a module's tests do not see each other's data; a test that stops a service of the
system has a module of its own (test_catching_up_over_the_bus.py). A system was started for each test
that asked for one (the five services, their queues declared under the broker lock, a vhost made and
deleted): 21 for the directory's 31 tests, 10 now (session 63, h1)."""
import importlib
import time

import eventlet
import pytest
from nameko.runners import ServiceRunner

from estate_common import topology
from estate_common.rpc_client import RpcClient
from estate_common.testing import ADMIN


def service_class(name):
    module, cls = topology.SERVICES[name].split(":")
    return getattr(importlib.import_module(module), cls)


@pytest.fixture(scope="module")
def amqp_uri(module_amqp_uri):
    """The module's vhost (the root conftest's is each test's): the system's, its clients' and the
    containers a test adds beside it (``rabbit_config``, nameko's ``container_factory``)."""
    return module_amqp_uri


@pytest.fixture(scope="module")
def rabbit_config(amqp_uri):
    return {"AMQP_URI": amqp_uri}


@pytest.fixture(scope="module")
def system(rabbit_config):
    runner = ServiceRunner(rabbit_config)
    for name in topology.SERVICES:
        runner.add_service(service_class(name))
    runner.start()
    yield runner
    runner.kill()


@pytest.fixture
def rpc(amqp_uri):
    client = RpcClient(amqp_uri, timeout=5, owner="test")
    yield lambda service, method, payload, **kw: client.call(service, method, payload, caller=ADMIN,
                                                            request_id="it-request", **kw)
    client.close()


@pytest.fixture
def eventually():
    def wait(probe, seconds=10, interval=0.05):
        """Poll ``probe`` until it returns something truthy (events take a moment)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                value = probe()
                if value:
                    return value
            except Exception:
                if time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise AssertionError("the condition did not come true in time")
            eventlet.sleep(interval)
    return wait
