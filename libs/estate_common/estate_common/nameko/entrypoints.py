"""Entrypoint decorators that put the contract and the caller check in one place.

``@rpc_method``: validates the input against ``contracts/rpc/<service>/<method>.json``
(a 400 naming the field), refuses a call without a caller, checks that a
payload's ``estate_id`` is in the caller's scope, runs the handler as the caller's keyed call
(``writes.keyed_call``: a step it takes on a document is applied once per Idempotency-Key, so a
call sent again after a 503 applies nothing twice) and, for an ``If-Match``, as a write conditional on the
record's revision (``writes.conditional``; a read asked ``revision_flag`` answers ``{result, revision}``:
``store.revision_seen``), and checks the output. A reply the
broker cannot take (it went away while the handler ran) is dropped with a warning:
nameko would let the error end the worker's thread, which kills the whole container,
so one broker restart at the wrong moment took a service down for good. The caller has
answered 503 by then (its reply queue went with the connection) and retries with its
idempotency key, which finds the write the handler made.

A reply is encoded once and published without a publisher confirm, as a transient message
(``ReplyResponder``): nameko encodes it twice (a trial run, then the publish) and waits for
the broker's confirm of a persistent message. A reply goes to the caller's exclusive,
non-durable reply queue, so persistence cannot keep it, and a confirm cannot help either:
a reply the broker loses is a caller's timeout (503) with or without one, and the caller's
retry with its idempotency key finds the write. The request itself (``rpc_client``) and every
event (``relay``) keep their confirms: those are what must not be lost.

``@consumes(source, event_type)``: a durable event queue per handler, shared
by a service's replicas (nameko's service pool), declared as a RabbitMQ quorum
queue with a delivery limit and the service's dead-letter exchange
(``dead_letters.py``; classic queues without the limit for the test suite). The
message is acked only when the handler has returned, so after its write; a handler
that raises gets the message back after a short pause, until the delivery limit
sends it to ``<service>.dead-letters``.
Consumers are tolerant readers: the fields the contract knows are checked,
unknown ones ignored (a newer producer may add some). An event that breaks its
contract all the same is rejected without requeue, so it is dead-lettered at
once: redelivering it cannot help, and an operator can look at it.
"""
import contextlib
import functools
import logging
import sys
import time

import eventlet
from amqp.exceptions import AMQPError, NotFound, RecoverableConnectionError
from kombu import Queue
from kombu.exceptions import OperationalError
import kombu.serialization
from kombu import Connection
from kombu.pools import producers
from nameko.amqp.publish import DEFAULT_RETRY_POLICY
from nameko.constants import (AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, DEFAULT_TRANSPORT_OPTIONS,
                              LOGIN_METHOD_CONFIG_KEY)
from nameko.events import SERVICE_POOL, EventHandler
from nameko.exceptions import UnserializableValueError, serialize
from nameko.messaging import QueueConsumer
from nameko.rpc import Rpc, RpcConsumer, get_rpc_exchange

from .. import contracts, deadlines, logs, metrics, store, writes
from ..errors import DomainError
from . import dead_letters

log = logging.getLogger(__name__)

RETRY_PAUSE_SECONDS = 1.0


BROKER_LOST = (OperationalError, AMQPError, OSError)  # the broker went away (kombu retried)


def _settle(what, settle, *args):
    """``settle(*args)``: ack (or requeue) a message after its work. A connection that died
    meanwhile leaves it unsettled, and the broker hands it over again (handlers are idempotent).
    nameko would let the error end the worker's thread and the container with it: the service
    would stay down after a broker restart (found by tests/faults/test_broker_restart.py)."""
    try:
        settle(*args)
    except BROKER_LOST as lost:
        log.warning("%s was not acked: the broker connection failed (%s); it is delivered again",
                    what, type(lost).__name__)


TRANSIENT = 1
REPLY_TRANSPORT_OPTIONS = {**DEFAULT_TRANSPORT_OPTIONS, "confirm_publish": False}  # its own dict: nameko's is shared


def broker_connection(config, **options):
    """A kombu ``Connection`` to the broker a container's ``config`` names (URI, TLS, login)."""
    return Connection(config[AMQP_URI_CONFIG_KEY], ssl=config.get(AMQP_SSL_CONFIG_KEY),
                      login_method=config.get(LOGIN_METHOD_CONFIG_KEY), **options)


_REPLY_POOLS = {}


def _reply_pool(config):
    """The replies' producer pool for this broker, found once: building a kombu ``Connection``
    and finding its pool took 0.2-0.4 ms of every call, and finding it by a kept ``Connection``
    hashes the connection's settings, 2 % of customer-service's time under 16 concurrent creates
    (py-spy). The connection is only the pool's key: the pool opens connections of its own, and
    re-opens them after a broker restart."""
    key = (config[AMQP_URI_CONFIG_KEY], repr(config.get(AMQP_SSL_CONFIG_KEY)), config.get(LOGIN_METHOD_CONFIG_KEY))
    if key not in _REPLY_POOLS:
        _REPLY_POOLS[key] = producers[broker_connection(config, transport_options=REPLY_TRANSPORT_OPTIONS)]
    return _REPLY_POOLS[key]


class ReplyResponder:
    """Sends one call's reply as nameko's ``Responder`` does (``{"result", "error"}`` to the
    caller's ``reply_to`` key, in the request's serializer, with its ``correlation_id``), encoded
    once and with no confirm (the module docstring says why)."""

    def __init__(self, config, message):
        self.config, self.message = config, message

    def encode(self, result, exc_info):
        error = serialize(exc_info[1]) if exc_info is not None else None
        serializer = kombu.serialization.registry.type_to_name[self.message.properties["content_type"]]
        try:
            return (result, exc_info), kombu.serialization.dumps({"result": result, "error": error}, serializer)
        except Exception:  # nameko's "disaster avoidance": a value JSON cannot carry is the caller's error
            exc_info = sys.exc_info()
            error = serialize(UnserializableValueError(result))
            return (None, exc_info), kombu.serialization.dumps({"result": None, "error": error}, serializer)

    def send_response(self, result, exc_info):
        (result, exc_info), (content_type, content_encoding, body) = self.encode(result, exc_info)
        with _reply_pool(self.config).acquire(block=True) as producer:
            producer.publish(body, content_type=content_type, content_encoding=content_encoding,
                             exchange=get_rpc_exchange(self.config),
                             routing_key=self.message.properties["reply_to"],
                             correlation_id=self.message.properties.get("correlation_id"),
                             delivery_mode=TRANSIENT, retry=True, retry_policy=DEFAULT_RETRY_POLICY)
        return result, exc_info


CONSUMERS = {}  # service name -> its container's DecodingQueueConsumer (one per container)


def consumer_state(service_name):
    """``(phase, seconds since the consumer's loop last turned)`` for the service's heartbeat
    (``estate_common.probe.verdict``); a consumer not yet set up is starting."""
    consumer = CONSUMERS.get(service_name)
    if consumer is None or consumer.last_turn is None:
        return "starting", 0.0
    return consumer.phase, time.monotonic() - consumer.last_turn


class DecodingQueueConsumer(QueueConsumer):
    """nameko's queue consumer (one per container, shared by the RPC and event entrypoints),
    with three changes.

    **A message whose body cannot be decoded** (broken JSON, a content type the service does not
    accept): kombu's default acks it, so an event was lost without a trace but a log line
    holding its raw body (personal data, perhaps). It is rejected without requeue instead, so an
    event lands in its queue's dead-letter queue for an operator to look at (an RPC request, whose
    queue has none, is dropped: its caller answers 503), and the log names only where it came from.

    **A connection another greenthread found dead.** A worker's ack that fails (the broker went
    away) marks py-amqp's transport as not connected before this consumer's greenthread reads
    the broker's close. kombu's ``Connection.connection`` then opens a new connection on the next
    ``drain_events`` or heartbeat check, silently: no channel, no consumer, and the loop drains
    it for good. The service took no message (RPC or event) until it was restarted, while its
    liveness probe passed (found by tests/faults/test_broker_restart.py: maintenance deaf after
    a broker restart; reproduced by acks failing during ``rabbitmqctl stop_app``). Each turn of
    the loop therefore checks that it still drains the connection its consumers were set up on,
    and otherwise raises a connection error, so kombu's loop sets up connection, channel and
    consumers again as after any lost connection.

    **What its loop is doing**, for the heartbeat (``consumer_state``, ``estate_common.probe``):
    connecting, or consuming and when it last turned (at least once a second: kombu drains with a
    one-second timeout). A loop that stopped turning left the pod alive to its probes, which
    checked only the heartbeat timer, and ready as long as any replica answered ``health``."""

    _consuming_on = None  # (kombu connection, the py-amqp connection the consumers were set up on)
    # what the heartbeat reads (``consumer_state``): starting, connecting (to the broker, however
    # long it takes) or consuming, and when the loop last turned
    phase, last_turn = "starting", None

    def setup(self):
        super().setup()
        CONSUMERS[self.container.service_name] = self

    @contextlib.contextmanager
    def establish_connection(self):
        self.phase = "connecting"
        with super().establish_connection() as connection:
            yield connection

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self._consuming_on = (connection, connection._connection)
        self.phase, self.last_turn = "consuming", time.monotonic()
        super().on_consume_ready(connection, channel, consumers, **kwargs)

    def on_iteration(self):
        self.last_turn = time.monotonic()
        self._check_connection()
        super().on_iteration()

    def _check_connection(self):
        if self._consuming_on is None:
            return
        connection, consumed_on = self._consuming_on
        if connection._connection is consumed_on and consumed_on.connected:
            return
        self._consuming_on = None
        if connection._connection is not consumed_on:
            consumed_on.collect()  # kombu dropped it without closing it: close its socket here
        raise RecoverableConnectionError("the connection the consumers were set up on is gone (a worker's "
                                         "ack found it dead): setting them up again")

    def on_decode_error(self, message, exc):
        info = message.delivery_info or {}
        exchange, routing_key = info.get("exchange") or "", info.get("routing_key") or ""
        log.error("a message from %r (%r) could not be decoded (%s, content type %r): rejected without "
                  "requeue (an event is dead-lettered)", exchange, routing_key, type(exc).__name__,
                  message.content_type)
        if exchange.endswith(".events"):
            metrics.EVENTS_DEAD_LETTERED.labels(self.container.service_name, exchange[:-len(".events")],
                                                routing_key.split(".")[0]).inc()
        _settle("an undecodable message", message.reject, False)


class DecodingRpcConsumer(RpcConsumer):
    """nameko's RPC consumer, finding a request's entrypoint by its routing key in a dict: nameko
    formatted ``<service>.<method>`` for each entrypoint in turn and compared it, at every call
    (customer_service has some 130: 2.9 % of its CPU under 16 concurrent creates, py-spy)."""

    queue_consumer = DecodingQueueConsumer()
    _by_key = None  # {routing key: entrypoint}, made from the entrypoints registered when it was made

    def get_provider_for_method(self, routing_key):
        provider = self._by_key.get(routing_key) if self._by_key is not None else None
        if provider is None or provider not in self._providers:  # registered since, or gone (a stop)
            service = self.container.service_name
            self._by_key = {f"{service}.{each.method_name}": each for each in self._providers}
            provider = self._by_key.get(routing_key)
            if provider is None:
                return super().get_provider_for_method(routing_key)  # MethodNotFound, in nameko's words
        return provider


class ReplyingRpc(Rpc):
    """nameko's ``@rpc`` entrypoint with a lighter reply (``ReplyResponder``), surviving a
    reply (or its ack) the broker cannot take, and never running a request whose caller has
    surely given up (``estate_common.deadlines``): it is acked and dropped, unanswered."""

    rpc_consumer = DecodingRpcConsumer()

    def handle_message(self, body, message):
        late = deadlines.too_late(message.headers)
        if late is not None:
            metrics.RPC_HANDLED.labels(self.container.service_name, self.method_name, "expired").inc()
            logs.set_request_id((message.headers or {}).get("nameko.request_id"))
            log.warning("a call of %s.%s came %.1f s after its caller gave up: dropped, not run",
                        self.container.service_name, self.method_name, late)
            logs.set_request_id(None)
            _settle(f"the expired call of {self.method_name}", self.rpc_consumer.queue_consumer.ack_message,
                    message)
            return
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            result, exc_info = ReplyResponder(self.container.config, message).send_response(result, exc_info)
        except BROKER_LOST as lost:
            log.warning("the reply to %s.%s was not sent: the broker connection failed (%s); the caller "
                        "answers 503 and retries", self.container.service_name, self.method_name,
                        type(lost).__name__)
        _settle(f"the call of {self.method_name}", self.rpc_consumer.queue_consumer.ack_message, message)
        return result, exc_info


def rpc_method(fn=None, *, public=False):
    if fn is None:
        return functools.partial(rpc_method, public=public)

    @functools.wraps(fn)
    def entry(self, payload):
        started, failure = time.monotonic(), None
        try:
            return checked(self, payload)
        except Exception as exc:
            failure = exc
            raise
        finally:
            metrics.RPC_HANDLED.labels(self.name, fn.__name__, metrics.outcome_of(failure)).inc()
            metrics.RPC_DURATION.labels(self.name, fn.__name__).observe(time.monotonic() - started)

    def checked(self, payload):
        book = contracts.load()
        book.check_rpc_input(self.name, fn.__name__, payload)
        if not public:
            self.caller.require_known()
            if "estate_id" in payload:
                self.caller.require_estate(payload["estate_id"])
        caller = getattr(self, "caller", None)
        target = caller and caller.target
        with writes.keyed_call(caller and caller.user, caller and caller.idempotency_key, f"{self.name}.{fn.__name__}",
                               payload), \
                writes.conditional(payload.get("estate_id") if isinstance(payload, dict) else None, target,
                                   caller and caller.if_revision), \
                store.revision_seen(target if caller and caller.revision_flag else None) as seen:
            result = fn(self, payload)  # a step of a call sent again with its key is not applied again
        book.check_rpc_output(self.name, fn.__name__, result)
        if caller and caller.revision_flag:
            # the gateway's read for an If-Match: the revision its answer (its tag) stands for, which the
            # write then names (``writes.conditional``); asked for, so an older gateway reads the result alone
            return {"result": result, "revision": seen.revision}
        return result

    # (nameko's rpc(fn, **kwargs) would drop the kwargs: apply them first)
    return ReplyingRpc.decorator(expected_exceptions=(DomainError,))(entry)


class ContractBreach(Exception):
    """An event that breaks its contract: rejected without requeue (dead-lettered at once)."""


class EventConsumer(EventHandler):
    """nameko's event handler on a quorum queue with a delivery limit and a dead-letter
    exchange (a classic one under ``EVENT_QUEUE_TYPE=classic``: ``dead_letters``), which rejects
    a ``ContractBreach`` instead of requeueing it."""

    dead_letters = dead_letters.DeadLetters()
    queue_consumer = DecodingQueueConsumer()  # the same shared one as the RPC entrypoints'

    def __init__(self, source_service, event_type, facet=None, **kwargs):
        super().__init__(source_service, event_type, **kwargs)
        self.facet = facet  # bind "<event_type>.<facet>" only (contracts.facet_keys)

    def setup(self):
        super().setup()  # builds the queue and registers it; the queue is declared at start
        service = self.container.service_name
        built = self.queue
        routing_key = f"{self.event_type}.{self.facet}" if self.facet else built.routing_key
        self.queue = Queue(built.name, exchange=built.exchange, routing_key=routing_key,
                           durable=True, auto_delete=False, exclusive=False,
                           queue_arguments=dead_letters.queue_arguments(service, self.container.config))

    def start(self):
        super().start()
        if self.facet:
            self._unbind_unfaceted()

    def _unbind_unfaceted(self):
        """A queue declared before its consumer took a facet keeps its binding to the whole
        type: removed here, so an upgraded deployment stops receiving what it does not want.
        (No such queue yet, on a new deployment: nothing to remove.)"""
        try:
            with broker_connection(self.container.config) as connection:
                connection.default_channel.queue_unbind(self.queue.name, self.queue.exchange.name, self.event_type)
        except NotFound:
            pass

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is not None and issubclass(exc_info[0], ContractBreach):
            if message.channel.connection:  # else the broker has taken it back already
                _settle(f"the event for {self.method_name}", message.reject, False)
            return
        _settle(f"the event for {self.method_name}", super().handle_message_processed, message, result, exc_info)


def _described(errors):
    """Field names and what is wrong, without the values (they may be personal data)."""
    generic = ("is required", "is not an allowed field")
    return "; ".join(f"{e['field']}: {e['message'] if e['message'] in generic else 'is invalid'}"
                     for e in errors[:3])


def consumes(source, event_type, entrypoint=None, facet=None):
    """``entrypoint``: an ``EventConsumer`` subclass to consume with (integrations binds its
    queues only on demand: ``integrations.bindings``). ``facet``: only the events whose
    contract's routing facet has this value (``contracts.facet_keys``)."""
    def decorator(fn):
        @functools.wraps(fn)
        def handler(self, event):
            logs.set_request_id((event or {}).get("request_id") if isinstance(event, dict) else None)
            errors = contracts.load().tolerant_errors(f"events/{source}/{event_type}.json", event)
            if errors:
                log.error("dead-lettered an event that breaks its contract: %s", _described(errors),
                          extra={"event_type": event_type})
                metrics.EVENTS_HANDLED.labels(self.name, source, event_type, "contract_breach").inc()
                metrics.EVENTS_DEAD_LETTERED.labels(self.name, source, event_type).inc()
                raise ContractBreach(_described(errors))
            started = time.monotonic()
            try:
                result = fn(self, event)
            except Exception:
                metrics.EVENTS_HANDLED.labels(self.name, source, event_type, "error").inc()
                eventlet.sleep(RETRY_PAUSE_SECONDS)  # a little back-off before the requeue
                raise
            finally:
                metrics.EVENT_DURATION.labels(self.name, source, event_type).observe(time.monotonic() - started)
            metrics.EVENTS_HANDLED.labels(self.name, source, event_type, "ok").inc()
            return result

        if facet and not contracts.load().routing_facet(source, event_type):
            raise ValueError(f"{source}.{event_type} has no routing facet in its contract: no event "
                             f"would reach a consumer of its {facet!r} facet")
        return (entrypoint or EventConsumer).decorator(
            source, event_type, facet=facet, handler_type=SERVICE_POOL, reliable_delivery=True,
            requeue_on_error=True, expected_exceptions=(ContractBreach,))(handler)

    return decorator
