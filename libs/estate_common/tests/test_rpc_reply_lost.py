"""A reply the broker cannot take does not kill the service (``entrypoints.ReplyingRpc``).

With nameko's own ``@rpc`` the publish error of the reply ends the worker's thread and the
container with it: after a broker restart that hit a handler between its write and its
reply, the service stayed down (found by tests/faults/test_broker_restart.py)."""
import pytest
from kombu.exceptions import OperationalError
from nameko import rpc as nameko_rpc

from estate_common.errors import ServiceUnavailable
from estate_common.nameko.entrypoints import ReplyingRpc
from estate_common.rpc_client import RpcClient

pytestmark = pytest.mark.broker


class Echo:
    name = "echo_replies"

    @ReplyingRpc.decorator
    def echo(self, payload):
        return payload


def test_a_lost_reply_leaves_the_service_running(container_factory, rabbit_config, monkeypatch):
    container = container_factory(Echo, rabbit_config)
    container.start()
    send_response = nameko_rpc.Responder.send_response

    def broker_gone(self, result, exc_info):
        raise OperationalError("[Errno 111] ECONNREFUSED")

    client = RpcClient(rabbit_config["AMQP_URI"], timeout=1, owner="test")
    try:
        monkeypatch.setattr(nameko_rpc.Responder, "send_response", broker_gone)
        with pytest.raises(ServiceUnavailable):  # the caller gets no answer and says so
            client.call("echo_replies", "echo", {"n": 1})
        monkeypatch.setattr(nameko_rpc.Responder, "send_response", send_response)
        assert client.call("echo_replies", "echo", {"n": 2}) == {"n": 2}  # the container lives
    finally:
        client.close()


def test_an_event_ack_the_broker_cannot_take_leaves_the_service_running(monkeypatch, caplog):
    """The event's work is done and the connection dies before its ack: the broker delivers it
    again (the handler dedupes); the container is not ended by the ack's error."""
    from estate_common.nameko.entrypoints import EventConsumer

    class Gone:
        def ack_message(self, message):
            raise ConnectionResetError(104, "Connection reset by peer")

    consumer = EventConsumer.__new__(EventConsumer)
    consumer.queue_consumer, consumer.method_name, consumer.requeue_on_error = Gone(), "on_created", False
    consumer.handle_message_processed(object(), result=None, exc_info=None)  # no exception escapes
    assert "the event for on_created was not acked" in caplog.text
