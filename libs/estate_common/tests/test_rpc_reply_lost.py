"""A reply the broker cannot take does not kill the service (``entrypoints.ReplyingRpc``).

With nameko's own ``@rpc`` the publish error of the reply ends the worker's thread and the
container with it: after a broker restart that hit a handler between its write and its
reply, the service stayed down (found by tests/faults/test_broker_restart.py)."""
import pytest
from kombu.exceptions import OperationalError

from estate_common.errors import ServiceUnavailable
from estate_common.nameko.entrypoints import ReplyingRpc, ReplyResponder
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
    send_response = ReplyResponder.send_response

    def broker_gone(self, result, exc_info):
        raise OperationalError("[Errno 111] ECONNREFUSED")

    client = RpcClient(rabbit_config["AMQP_URI"], timeout=1, owner="test")
    try:
        monkeypatch.setattr(ReplyResponder, "send_response", broker_gone)
        with pytest.raises(ServiceUnavailable):  # the caller gets no answer and says so
            client.call("echo_replies", "echo", {"n": 1})
        monkeypatch.setattr(ReplyResponder, "send_response", send_response)
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


def test_a_reply_is_nameko_s_reply(container_factory, rabbit_config):
    """The lighter reply keeps nameko's protocol: results, typed errors, and a value JSON
    cannot carry (nameko's UnserializableValueError), each reaching the caller."""
    from estate_common.errors import DomainError, NotFound

    class Replies:
        name = "replies"

        @ReplyingRpc.decorator(expected_exceptions=(DomainError,))
        def answer(self, payload):
            if payload.get("missing"):
                raise NotFound("no such thing")
            if payload.get("odd"):
                return {"when": object()}
            return {"echo": payload, "text": "维修"}

    container = container_factory(Replies, rabbit_config)
    container.start()
    client = RpcClient(rabbit_config["AMQP_URI"], timeout=2, owner="test")
    try:
        assert client.call("replies", "answer", {"n": 1}) == {"echo": {"n": 1}, "text": "维修"}
        with pytest.raises(NotFound):
            client.call("replies", "answer", {"missing": True})
        with pytest.raises(Exception, match="UnserializableValueError"):
            client.call("replies", "answer", {"odd": True})
        assert client.call("replies", "answer", {"n": 2}) == {"echo": {"n": 2}, "text": "维修"}
    finally:
        client.close()
