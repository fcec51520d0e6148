"""A thread-safe client that speaks nameko's AMQP RPC protocol, on kombu.

Used by the gateway (plain threads, no eventlet), the tests and the benches.
Each thread keeps one connection and one exclusive reply queue for its whole
life, so a call costs one publish and one reply, not a connection set-up
(a nameko ``ClusterRpcProxy`` per request manages 10–20 requests/s).

Protocol (as nameko 2.14 serves it): publish ``{"args", "kwargs"}`` to the
``nameko-rpc`` topic exchange with routing key ``service.method``, a
``reply_to`` routing key and a ``correlation_id``; the service publishes
``{"result", "error"}`` back to ``nameko-rpc`` with the ``reply_to`` key.
Context travels in ``nameko.*`` headers (``request_id``, ``caller``...).
"""
import logging
import socket
import threading
import time
import uuid

from kombu import Connection, Consumer, Exchange, Producer, Queue

from . import config
from .errors import ERROR_TYPES, ServiceUnavailable

log = logging.getLogger(__name__)

RPC_EXCHANGE = "nameko-rpc"
REPLY_QUEUE_TTL_MS = 300_000


class RemoteError(Exception):
    """An error the service did not type (a bug there): the gateway answers 500."""

    def __init__(self, exc_type, value):
        super().__init__(f"{exc_type}: {value}")
        self.exc_type = exc_type


def _raise_remote(error):
    exc_type = error.get("exc_type")
    args = error.get("exc_args") or []
    cls = ERROR_TYPES.get(exc_type)
    if cls is not None:
        detail = args[0] if args else error.get("value", "")
        errors = args[1] if len(args) > 1 and isinstance(args[1], list) else []
        raise cls(detail, errors)
    raise RemoteError(exc_type, error.get("value"))


class _ThreadChannel:
    """One thread's connection, reply queue and in-flight call."""

    def __init__(self, amqp_uri, owner):
        self.connection = Connection(amqp_uri, heartbeat=0, connect_timeout=3)
        self.connection.ensure_connection(max_retries=1)
        self.exchange = Exchange(RPC_EXCHANGE, type="topic", durable=True)
        self.reply_key = str(uuid.uuid4())
        queue = Queue(
            f"rpc.reply-{owner}-{self.reply_key}", exchange=self.exchange, routing_key=self.reply_key,
            exclusive=True, auto_delete=True, queue_arguments={"x-expires": REPLY_QUEUE_TTL_MS},
        )
        self.producer = Producer(self.connection.channel(), exchange=self.exchange, on_return=self._on_return)
        self.consumer = Consumer(self.connection.channel(), [queue], callbacks=[self._on_reply],
                                 accept=["json"], no_ack=True)
        self.consumer.consume()
        self._waiting_for = None
        self._reply = None
        self._returned = False

    def _on_reply(self, body, message):
        if message.properties.get("correlation_id") == self._waiting_for:
            self._reply = body
        # otherwise: the late answer to a call that already timed out; dropped

    def _on_return(self, exception, exchange, routing_key, message):
        if message.properties.get("correlation_id") == self._waiting_for:
            self._returned = True

    def call(self, service, method, payload, headers, timeout):
        correlation_id = str(uuid.uuid4())
        self._waiting_for, self._reply, self._returned = correlation_id, None, False
        self.producer.publish(
            {"args": [payload], "kwargs": {}},
            routing_key=f"{service}.{method}",
            reply_to=self.reply_key,
            correlation_id=correlation_id,
            headers=headers,
            serializer="json",
            mandatory=True,
            retry=False,
        )
        deadline = time.monotonic() + timeout
        try:
            while self._reply is None:
                remaining = deadline - time.monotonic()
                if self._returned:
                    raise ServiceUnavailable(f"{service} is not running")
                if remaining <= 0:
                    raise ServiceUnavailable(f"{service} did not answer within {timeout:g} s")
                try:
                    self.connection.drain_events(timeout=remaining)
                except socket.timeout:
                    continue
        finally:
            self._waiting_for = None
        return self._reply

    def close(self):
        try:
            self.connection.release()
        except Exception:  # closing a broken connection may fail; nothing to do
            pass


class RpcClient:
    """``client.call("archive", "get_estate", {...}, request_id=..., caller=...)``."""

    def __init__(self, amqp_uri=None, timeout=None, owner="gateway"):
        self.amqp_uri = amqp_uri or config.amqp_uri()
        self.timeout = timeout if timeout is not None else config.rpc_timeout()
        self.owner = owner
        self._local = threading.local()
        self._all = {}  # channel -> the thread that owns it
        self._lock = threading.Lock()

    def _channel(self):
        channel = getattr(self._local, "channel", None)
        if channel is None:
            try:
                channel = _ThreadChannel(self.amqp_uri, self.owner)
            except Exception as exc:  # kombu and amqp raise many kinds on connect
                raise ServiceUnavailable(f"message broker unreachable: {type(exc).__name__}") from exc
            self._local.channel = channel
            with self._lock:
                self._all[channel] = threading.current_thread()
                orphans = [c for c, thread in self._all.items() if not thread.is_alive()]
                for orphan in orphans:
                    del self._all[orphan]
            for orphan in orphans:  # threads that ended: their connections would stay open forever
                orphan.close()
        return channel

    def _drop(self):
        channel = getattr(self._local, "channel", None)
        self._local.channel = None
        if channel is not None:
            channel.close()
            with self._lock:
                self._all.pop(channel, None)

    def call(self, service, method, payload, request_id=None, caller=None, timeout=None, context=None):
        """``context``: more values for the service's context data (``nameko.<key>`` headers)."""
        headers = {"nameko.call_id_stack": [f"{self.owner}.{method}.{uuid.uuid4()}"]}
        values = {"request_id": request_id, "caller": caller, **(context or {})}
        headers.update({f"nameko.{key}": value for key, value in values.items() if value})
        timeout = self.timeout if timeout is None else timeout
        for attempt in (1, 2):
            channel = self._channel()
            try:
                reply = channel.call(service, method, payload, headers, timeout)
                break
            except ServiceUnavailable:
                raise
            except Exception as exc:  # a dead connection: reconnect once
                self._drop()
                if attempt == 2:
                    raise ServiceUnavailable(f"message broker connection failed: {type(exc).__name__}") from exc
        if reply.get("error"):
            _raise_remote(reply["error"])
        return reply.get("result")

    def close(self):
        with self._lock:
            channels, self._all = list(self._all), {}
        for channel in channels:
            channel.close()
