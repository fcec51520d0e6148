"""A broker under a resource alarm (memory or disk) takes connections and stops reading what is
published: a call that waited out its timeout held a gateway thread for it, and with every thread
held /healthz waited behind them (a liveness probe would restart the gateway). RabbitMQ says so
(connection.blocked): the calls are a 503 at once, and work again when the alarm is over."""
import time

import pytest
from nameko.containers import ServiceContainer
from nameko.rpc import rpc

from estate_common.errors import ServiceUnavailable
from estate_common.rpc_client import RpcClient

from .private_broker import PrivateBroker, bin_dir

pytestmark = pytest.mark.broker


class EchoService:
    name = "alarm_echo"

    @rpc
    def echo(self, payload):
        return payload


@pytest.fixture
def broker(tmp_path):
    if bin_dir() is None:
        pytest.fail("the fault tests need a local RabbitMQ installation (rabbitmq-server): run 'make broker'",
                    pytrace=False)
    node = PrivateBroker(tmp_path / "broker").start()
    yield node
    node.stop()


def test_a_broker_under_a_resource_alarm_is_a_503_at_once_and_answers_again_after(broker):
    container = ServiceContainer(EchoService, {"AMQP_URI": broker.amqp_uri})
    container.start()
    client = RpcClient(broker.amqp_uri, timeout=5, owner="test")
    try:
        assert client.call("alarm_echo", "echo", {"n": 1}) == {"n": 1}
        broker.ctl("set_vm_memory_high_watermark", "0.0000001")
        refused, deadline = [], time.monotonic() + 20
        while len(refused) < 3 and time.monotonic() < deadline:  # the alarm is raised within a second or so
            started = time.monotonic()
            try:
                client.call("alarm_echo", "echo", {"n": 2})
            except ServiceUnavailable as unavailable:
                refused.append((time.monotonic() - started, unavailable.detail))
            time.sleep(0.2)
        assert len(refused) == 3, refused
        # the first may have gone out before the broker said so; then each is refused at once
        assert all(seconds < 1 for seconds, _ in refused[1:]), refused
        assert all("resource alarm" in detail for _, detail in refused), refused

        broker.ctl("set_vm_memory_high_watermark", "0.4")
        deadline = time.monotonic() + 20
        while True:
            try:
                assert client.call("alarm_echo", "echo", {"n": 3}) == {"n": 3}
                break
            except ServiceUnavailable:
                assert time.monotonic() < deadline, "the calls did not work again after the alarm"
                time.sleep(0.2)
    finally:
        client.close()
        container.stop()
