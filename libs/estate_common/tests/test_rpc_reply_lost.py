"""A reply or an ack the broker cannot take does not kill the service or leave it deaf
(``entrypoints.ReplyingRpc``, ``entrypoints.DecodingQueueConsumer``).

With nameko's own ``@rpc`` the publish error of the reply ends the worker's thread and the
container with it: after a broker restart that hit a handler between its write and its
reply, the service stayed down (found by tests/faults/test_broker_restart.py)."""
import time

import eventlet
import pytest
from eventlet.queue import Queue
from nameko.events import SERVICE_POOL
from kombu.exceptions import OperationalError

from estate_common.errors import ServiceUnavailable
from estate_common.nameko.entrypoints import DecodingQueueConsumer, EventConsumer, ReplyingRpc, ReplyResponder
from estate_common.rpc_client import RpcClient
from estate_common.testing import event_dispatcher

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


def test_a_connection_a_worker_found_dead_is_set_up_again_with_its_consumers(container_factory, rabbit_config):
    """A worker's ack that fails marks py-amqp's transport as not connected before the consumer's
    greenthread reads the broker's close; kombu then opened a new connection silently, with no
    consumer on it, and the service took no message again (maintenance after a broker restart).
    Here the first event's handler marks the transport as such a failed write does; the second
    event must still be handled."""
    seen, consumer = Queue(), {}

    class Listener:
        name = "deaf_listener"

        @EventConsumer.decorator("deaf_source", "ping", handler_type=SERVICE_POOL, reliable_delivery=True,
                                 requeue_on_error=True)
        def on_ping(self, event):
            if event["n"] == 1:
                consumer["it"]._consuming_on[1].transport.connected = False  # as py-amqp's failed write does
                consumer["marked_at"] = time.monotonic()
            seen.put(event["n"])

    container = container_factory(Listener, rabbit_config)
    container.start()
    consumer["it"] = next(ext for ext in container.extensions if isinstance(ext, DecodingQueueConsumer))
    dispatch = event_dispatcher(rabbit_config["AMQP_URI"])
    dispatch("deaf_source", "ping", {"n": 1})
    assert seen.get(timeout=10) == 1
    # the consumer's loop turns once more (its drain has a 1 s timeout), and finds the connection so
    # marked (it slept 2 s for that)
    deadline = time.monotonic() + 10
    while not consumer["it"].last_turn > consumer["marked_at"]:
        assert time.monotonic() < deadline, "the consumer's loop did not turn"
        eventlet.sleep(0.05)
    dispatch("deaf_source", "ping", {"n": 2})
    with eventlet.Timeout(15, False):
        assert seen.get() == 2
        return
    pytest.fail("the second event was never handled: the consumer drains a connection without consumers")


def test_a_connection_kombu_replaced_unseen_is_closed_and_the_consumers_set_up_again():
    """The other way in: kombu's heartbeat check already opened the silent new connection. The
    consumers' own connection, dropped by kombu unclosed, is closed here (its socket would
    otherwise stay open, holding the messages the broker had sent it)."""
    from amqp.exceptions import RecoverableConnectionError

    class AmqpConnection:
        connected, collected = True, False

        def collect(self):
            self.collected = True

    class KombuConnection:
        def __init__(self, underlying):
            self._connection = underlying

    consumed_on = AmqpConnection()
    kombu_connection = KombuConnection(consumed_on)
    consumer = DecodingQueueConsumer.__new__(DecodingQueueConsumer)
    consumer._consuming_on = (kombu_connection, consumed_on)
    consumer._check_connection()  # the same, connected: nothing to do
    assert not consumed_on.collected

    kombu_connection._connection = AmqpConnection()  # what kombu's Connection.connection does
    with pytest.raises(RecoverableConnectionError):
        consumer._check_connection()
    assert consumed_on.collected
    consumer._check_connection()  # raised once: the consumers are set up again from here
