"""All five services in this process, on a fresh vhost of the real broker."""
import importlib
import time

import eventlet
import pytest

from estate_common import topology
from estate_common.rpc_client import RpcClient
from estate_common.testing import ADMIN


def service_class(name):
    module, cls = topology.SERVICES[name].split(":")
    return getattr(importlib.import_module(module), cls)


@pytest.fixture
def system(runner_factory, rabbit_config):
    runner = runner_factory(rabbit_config, *(service_class(name) for name in topology.SERVICES))
    runner.start()
    return runner


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
