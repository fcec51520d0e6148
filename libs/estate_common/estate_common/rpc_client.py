"""A thread-safe client that speaks nameko's AMQP RPC protocol, on kombu.

Used by the gateway (plain threads, no eventlet), the tests and the benches.
Each thread keeps one connection and one exclusive reply queue, so a call
costs one publish and one reply, not a connection set-up (a nameko
``ClusterRpcProxy`` per request manages 10–20 requests/s).

Protocol (as nameko 2.14 serves it): publish ``{"args", "kwargs"}`` to the
``nameko-rpc`` topic exchange with routing key ``service.method``, a
``reply_to`` routing key and a ``correlation_id``; the service publishes
``{"result", "error"}`` back to ``nameko-rpc`` with the ``reply_to`` key.
Context travels in ``nameko.*`` headers (``request_id``, ``caller``...); the
caller goes with its signature for this method (``bus_auth``), or a service
refuses it.

What a call guarantees (each point has a test in tests/test_rpc_client.py):

- **No work after the answer.** A request carries an AMQP ``expiration`` equal
  to the caller's timeout. A request still queued when the caller gives up
  (the service is down, paused or saturated) is dropped by the broker: nameko
  never receives it, so the handler never runs after the gateway answered 503.
  A request the broker handed over before that, which the service then held
  (it stalled with the request prefetched), carries its deadline
  (``deadlines``): the service drops it once the deadline has passed. (A request
  that starts before its deadline runs; its late reply is dropped.)
- **At most one publish that the broker accepted.** The request is published
  with publisher confirms (the channel is put in confirm mode once, so a
  request is one write). Only a publish the broker cannot have taken is
  retried, once, on a new connection: the connection was found broken before
  the request was written (frames already waiting are read first, so a close
  the broker sent while the thread was idle counts), the write itself failed,
  or the broker nacked it. Once the request went out whole, a connection lost
  before its confirm, a confirm that does not come in time, or a connection
  lost while waiting for the reply is a 503 and never a second publish: the
  broker may have taken it and the work may be running.
- **A 503 within the timeout.** The confirm and the reply are waited for one
  frame at a time against the call's deadline, and a connection given up is
  closed without waiting for the broker's answer (a broker blocked by a
  resource alarm, or frozen, gives none). While RabbitMQ says it takes no
  publishes (``connection.blocked``: a memory or disk alarm) a call is a 503 at
  once: waiting out the timeout held every gateway thread, and ``/healthz``
  waited behind them (found by a fault probe).
- **Dead connections are found before a publish.** Heartbeats are on
  (``RPC_HEARTBEAT_SECONDS``, 30 by default; 0 turns them off). The thread
  that owns a connection checks them at each call and while it waits, so a
  connection the broker stopped answering fails the check and is rebuilt
  before the request goes out, instead of swallowing it until the timeout. A
  connection idle past two heartbeats (it sent none meanwhile, so the broker
  has dropped it, perhaps unheard behind a network cut) is rebuilt too.
- **A late reply is never taken for another call's.** A channel whose call timed
  out is closed (its exclusive reply queue goes with it) and the thread's next
  call builds a new one.
"""
import logging
import select
import socket
import threading
import time
import uuid

from amqp.exceptions import NotFound as QueueNotFound
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.common import ignore_errors

from . import bus_auth, config, deadlines, metrics, tracing
from .errors import ERROR_TYPES, ServiceUnavailable

log = logging.getLogger(__name__)


def maybe_done(error):
    """``error`` (a 503) marked as one whose request may have reached the service: it went out
    whole before the timeout, the missing confirm or the lost connection."""
    error.maybe_done = True
    return error


RPC_EXCHANGE = "nameko-rpc"
REPLY_QUEUE_TTL_MS = 300_000
CONNECT_TIMEOUT_SECONDS = 3
HEARTBEAT_RATE = 2  # heartbeat ticks per heartbeat interval while a call waits
PENDING_FRAMES_READ = 100  # frames read before a publish, at most (heartbeats, stray replies, a close)
PENDING_FRAME_SECONDS = 0.5  # for the rest of a frame that had begun to come before a publish
CLOSE_WAIT_SECONDS = 2  # for the broker's answer to the client's close, all its connections together


def heartbeat_seconds():
    """Seconds between AMQP heartbeats on the client's connections (0: none)."""
    return config.env_float("RPC_HEARTBEAT_SECONDS", 30.0)


class RemoteError(Exception):
    """An error the service did not type (a bug there): the gateway answers 500."""

    def __init__(self, exc_type, value):
        super().__init__(f"{exc_type}: {value}")
        self.exc_type = exc_type


class PublishFailed(Exception):
    """The broker did not accept the request: nothing was queued, publishing again is safe."""


class _DeadlinePassed(Exception):
    """What was waited for did not come by the call's deadline (each caller says what it was)."""


class PublishUnconfirmed(Exception):
    """No confirm in time: the broker may have queued the request, publishing again is not safe."""


def _raise_remote(error, service, method):
    exc_type = error.get("exc_type")
    if exc_type == "MethodNotFound":
        # a replica of an older version, during a rolling deploy, answers a method it does not have
        # yet: a 503 to try again once it is upgraded, where a 500 said the system was broken
        raise ServiceUnavailable(f"{service} does not offer {method}: a replica of an older version answered")
    args = error.get("exc_args") or []
    cls = ERROR_TYPES.get(exc_type)
    if cls is not None:
        detail = args[0] if args else error.get("value", "")
        errors = args[1] if len(args) > 1 and isinstance(args[1], list) else []
        # nameko writes every argument that is not text, a list or a mapping as text: "1"
        wait = int(args[2]) if len(args) > 2 and str(args[2]).isascii() and str(args[2]).isdigit() else None
        raise cls(detail, errors, retry_after=wait)
    raise RemoteError(exc_type, error.get("value"))


def _close(connection, wait_seconds=0.0):
    """Close a kombu ``connection``. The broker may take ``wait_seconds`` to answer the close (a
    clean close); past them, or with none given, the socket is just closed (the broker drops the
    connection and its reply queue all the same). py-amqp waits for that answer with no limit,
    and a broker blocked by a resource alarm or frozen never gives it: a call that had timed out
    gave its 503 25-40 s late, the moment the broker answered again, and every gateway thread
    waited with it (found by a fault probe)."""
    if wait_seconds > 0:
        try:
            if connection.connected:
                connection.connection.sock.settimeout(wait_seconds)
                connection.release()
                return
        except Exception:  # no answer in time, or a connection already broken
            pass
    try:
        connection.collect()  # no close handshake: the socket is closed
    except Exception:  # closing a broken connection may fail; nothing to do
        pass


def _answers_by(connection, deadline):
    """Make the broker's answers on ``connection`` wait at most until ``deadline``
    (``time.monotonic()``): py-amqp leaves the socket with no timeout after its handshake, and
    waits for an answer for ever when the broker stops answering there."""
    connection.connection.sock.settimeout(max(0.05, deadline - time.monotonic()))


class _ThreadChannel:
    """One thread's connection, reply queue and in-flight call."""

    def __init__(self, amqp_uri, owner, heartbeat, seconds):
        """``seconds``: what the first call has left for connecting (its deadline's remainder)."""
        self.heartbeat = heartbeat
        deadline = time.monotonic() + seconds
        # No ``confirm_publish``: kombu would then wait for each confirm itself, with a timeout
        # that starts over at every frame (a broker's heartbeats kept a 3 s call waiting 12 s)
        # and a first publish that also writes confirm.select (a close answered during it was
        # counted as the request gone out). Confirm mode is set here, once; ``publish`` waits.
        # RabbitMQ says when it stops taking publishes (a memory or disk alarm): connection.blocked
        self._blocked = False
        self.connection = Connection(amqp_uri, heartbeat=heartbeat, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                     transport_options={"on_blocked": self._on_blocked,
                                                        "on_unblocked": self._on_unblocked})
        self._connect(seconds)
        try:
            # the set-up's answers (the channels, the reply queue, confirm mode) wait at most what
            # the call has left, when the broker stops answering right after the handshake (found
            # by review)
            _answers_by(self.connection, deadline)
            self._set_up(owner)
            self.connection.connection.sock.settimeout(None)
        except Exception:
            _close(self.connection)  # not left open until garbage collection
            raise

    def _set_up(self, owner):
        self.exchange = Exchange(RPC_EXCHANGE, type="topic", durable=True)
        self.reply_key = str(uuid.uuid4())
        queue = Queue(
            f"rpc.reply-{owner}-{self.reply_key}", exchange=self.exchange, routing_key=self.reply_key,
            exclusive=True, auto_delete=True, queue_arguments={"x-expires": REPLY_QUEUE_TTL_MS},
        )
        self.producer = Producer(self.connection.channel(), exchange=self.exchange, on_return=self._on_return)
        publishing = self.producer.channel
        publishing.confirm_select()
        publishing.events["basic_ack"].add(self._on_ack)
        publishing.events["basic_nack"].add(self._on_nack)
        self._published = 0  # in confirm mode the broker numbers a channel's publishes from 1
        self.consumer = Consumer(self.connection.channel(), [queue], callbacks=[self._on_reply],
                                 accept=["json"], no_ack=True)
        self.consumer.consume()
        self._waiting_for = None
        self._reply = None
        self._returned = False
        self._confirmed = None
        self._used_at = time.monotonic()

    def _connect(self, seconds):
        """Connect, trying twice, all within ``seconds``: a broker that accepts connections and
        never answers (wedged) made every call a 503 after 8 s, whatever its timeout (kombu's
        retry waits 2 s between two attempts of ``connect_timeout`` each)."""
        deadline = time.monotonic() + seconds
        for attempt in (1, 2):
            self.connection.connect_timeout = min(CONNECT_TIMEOUT_SECONDS, max(0.05, deadline - time.monotonic()))
            try:
                self.connection.ensure_connection(max_retries=0)
                return
            except Exception:
                if attempt == 2 or deadline - time.monotonic() < 0.1:
                    raise

    def _on_reply(self, body, message):
        if message.properties.get("correlation_id") == self._waiting_for:
            self._reply = body
        # otherwise a stray answer: dropped (timed-out channels are closed, so it cannot be a late one)

    def _on_return(self, exception, exchange, routing_key, message):
        if message.properties.get("correlation_id") == self._waiting_for:
            self._returned = True

    def _on_blocked(self, reason):
        self._blocked = True

    def _on_unblocked(self):
        self._blocked = False

    def _on_ack(self, delivery_tag, multiple):
        if delivery_tag == self._published or (multiple and delivery_tag >= self._published):
            self._confirmed = True

    def _on_nack(self, delivery_tag, multiple):
        if delivery_tag == self._published or (multiple and delivery_tag >= self._published):
            self._confirmed = False

    def publish(self, service, method, payload, headers, timeout, deadline):
        """Publish one request and wait for its confirm, both by ``deadline`` (``time.monotonic()``);
        returns its correlation id.

        Raises ``PublishFailed`` when the broker cannot have taken it (found broken before the
        write, the write failed, a nack), ``PublishUnconfirmed`` when it went out and no confirm
        came (in time, or before the connection was lost), ``ServiceUnavailable`` when no queue
        is bound to the method's key (the broker returned it).
        """
        try:
            self._check_alive()
        except Exception as exc:  # nothing of this request was sent
            raise PublishFailed(f"{type(exc).__name__}: {exc}") from exc
        # in use: not idle (heartbeats were just checked; a blocked connection stays, for the
        # broker reads nothing from it until the alarm is over, and was thrown away every two
        # heartbeats, a request published into the alarm each time: found by review)
        self._used_at = time.monotonic()
        if self._blocked:  # it would wait unread until the deadline, and every thread with it
            raise ServiceUnavailable("message broker takes no requests for now (a resource alarm: "
                                     "memory or disk)")
        correlation_id = str(uuid.uuid4())
        self._waiting_for, self._reply, self._returned, self._confirmed = correlation_id, None, False, None
        try:
            self.producer.publish(  # one write, method, header and body: a failed one queued nothing
                {"args": [payload], "kwargs": {}},
                routing_key=f"{service}.{method}",
                reply_to=self.reply_key,
                correlation_id=correlation_id,
                headers=headers,
                serializer="json",
                mandatory=True,
                expiration=timeout,  # the broker drops it, unconsumed, once the caller has given up
                retry=False,
            )
        except Exception as exc:
            raise PublishFailed(f"{type(exc).__name__}: {exc}") from exc
        self._published += 1
        try:  # it went out whole: from here the broker may have it
            self._read_until(lambda: self._confirmed is not None or self._blocked, deadline)
        except _DeadlinePassed as exc:
            raise PublishUnconfirmed(f"no confirm within {timeout:g} s") from exc
        except Exception as exc:
            raise PublishUnconfirmed(f"connection lost after the request went out ({type(exc).__name__})") from exc
        if self._confirmed is None:  # blocked: it reads the request once the alarm is over, or never
            raise PublishUnconfirmed("the broker stopped taking requests (a resource alarm: memory or disk)")
        if not self._confirmed:
            raise PublishFailed("the broker nacked it")
        if self._returned:  # a basic.return comes before the confirm
            raise ServiceUnavailable(f"{service} is not running")
        return correlation_id

    def _check_alive(self):
        """Raise unless the connection may take a request: frames that came while the thread was
        not reading are read first (heartbeats, a stray reply, the broker's close of an idle
        connection), without waiting, so a close found here comes before anything was written.
        A thread idle past two heartbeats sent none meanwhile: the broker has dropped its
        connection or will, perhaps where no close can reach the client (a network cut), so it
        is not used."""
        amqp_connection = self.connection.connection
        agreed = amqp_connection.heartbeat  # the broker's when it asked for less than ours
        if agreed and time.monotonic() - self._used_at > 2 * agreed:
            raise ConnectionError(f"idle for over {2 * agreed:g} s without heartbeats")
        for _ in range(PENDING_FRAMES_READ):
            if not _readable(amqp_connection.sock):
                break
            try:  # a frame has begun: its rest is a moment away, or the connection is broken
                amqp_connection.blocking_read(timeout=PENDING_FRAME_SECONDS)
            except socket.timeout:
                break
        # Sends a heartbeat when one is due; raises on a connection the broker stopped answering.
        self.connection.heartbeat_check(rate=HEARTBEAT_RATE)

    def _read_until(self, done, deadline):
        """Read frames until ``done()`` is true; ``_DeadlinePassed`` at ``deadline``. One frame
        at a time: py-amqp's own waits start their timeout over after every frame (a heartbeat),
        so they could wait past the deadline and miss our own heartbeat ticks (the broker then
        drops the connection)."""
        tick = self.heartbeat / HEARTBEAT_RATE if self.heartbeat else None
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _DeadlinePassed()
            try:
                self.connection.connection.blocking_read(timeout=min(remaining, tick) if tick else remaining)
            except socket.timeout:
                pass
            self.connection.heartbeat_check(rate=HEARTBEAT_RATE)

    def wait(self, service, deadline, timeout):
        """The reply to the request just published; ``ServiceUnavailable`` at the deadline
        (``time.monotonic()``; ``timeout`` is the caller's, for the message)."""
        try:
            self._read_until(lambda: self._reply is not None, deadline)
        except _DeadlinePassed:
            raise maybe_done(ServiceUnavailable(f"{service} did not answer within {timeout:g} s")) from None
        finally:
            self._waiting_for = None
            self._used_at = time.monotonic()
        return self._reply

    def close(self, wait_seconds=0.0):
        _close(self.connection, wait_seconds)


def _readable(sock):
    """Whether ``sock`` has bytes (or its end) waiting, without waiting. poll where there is one
    (select's descriptors stop at 1,024, and a gateway process holds more); eventlet takes poll
    away and makes select green."""
    poll = getattr(select, "poll", None)
    if poll is None:
        return bool(select.select([sock], [], [], 0)[0])
    poller = poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class RpcClient:
    """``client.call("archive", "get_estate", {...}, request_id=..., caller=...)``."""

    def __init__(self, amqp_uri=None, timeout=None, owner="gateway", heartbeat=None, signing_key=None):
        """``signing_key``: signs the callers (``bus_auth``); ``BUS_SIGNING_KEY`` by default,
        refused at once when missing or weak."""
        self.signing_key = bus_auth.check_key(signing_key) if signing_key is not None else bus_auth.load_key()
        self.amqp_uri = amqp_uri or config.amqp_uri()
        self.timeout = timeout if timeout is not None else config.rpc_timeout()
        self.heartbeat = heartbeat if heartbeat is not None else heartbeat_seconds()
        self.owner = owner
        self._local = threading.local()
        self._all = {}  # channel -> the thread that owns it
        self._lock = threading.Lock()

    def _channel(self, deadline):
        """This thread's channel; a new one is connected within ``deadline`` (``time.monotonic()``)."""
        channel = getattr(self._local, "channel", None)
        if channel is None:
            try:
                channel = _ThreadChannel(self.amqp_uri, self.owner, self.heartbeat, deadline - time.monotonic())
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
        """Close this thread's channel; its next call builds a new one."""
        channel = getattr(self._local, "channel", None)
        self._local.channel = None
        if channel is not None:
            channel.close()
            with self._lock:
                self._all.pop(channel, None)

    def never_started(self, services, timeout):
        """The ``services`` whose RPC queue (``rpc-<service>``) the broker does not have: none of
        them has started on this broker yet, so neither have their event queues, and an event
        published now would never reach them. Raises ``ServiceUnavailable`` unless the broker
        takes a new connection within ``timeout`` seconds. The gateway's readiness of its own
        (``GET /readyz?scope=gateway``), which asks no service: a service that is down but has
        started once keeps its durable queues. A new connection each time: py-amqp takes one
        the network cut for a connected one until it reads from it, so a thread's own connection
        passed after the broker had gone (found by review). Passive declares need no permission."""
        connection = Connection(self.amqp_uri, heartbeat=0, connect_timeout=min(timeout, CONNECT_TIMEOUT_SECONDS))
        deadline = time.monotonic() + timeout
        try:
            connection.ensure_connection(max_retries=0)
            _answers_by(connection, deadline)  # a broker that took the connection, then went silent
            missing = []
            for service in services:
                channel = connection.channel()  # a passive declare that misses closes its channel
                try:
                    channel.queue_declare(f"rpc-{service}", passive=True)
                except QueueNotFound:
                    missing.append(service)
                finally:
                    ignore_errors(connection, channel.close)
            return missing
        except Exception as exc:  # kombu and amqp raise many kinds on connect
            raise ServiceUnavailable(f"message broker unreachable: {type(exc).__name__}") from exc
        finally:
            _close(connection, wait_seconds=max(0.0, deadline - time.monotonic()))

    @tracing.rpc_client_call
    def call(self, service, method, payload, request_id=None, caller=None, timeout=None, context=None):
        """``context``: more values for the service's context data (``nameko.<key>`` headers)."""
        started, failure = time.monotonic(), None
        try:
            return self._call(service, method, payload, request_id, caller, timeout, context)
        except Exception as exc:
            failure = exc
            raise
        finally:
            metrics.RPC_CLIENT_CALLS.labels(service, method, metrics.outcome_of(failure)).inc()
            metrics.RPC_CLIENT_DURATION.labels(service, method).observe(time.monotonic() - started)

    def _call(self, service, method, payload, request_id, caller, timeout, context):
        headers = {"nameko.call_id_stack": [f"{self.owner}.{method}.{uuid.uuid4()}"]}
        values = {"request_id": request_id, "caller": caller, **(context or {})}
        # a record's revision 0 (``if_revision``: just created) is a revision, where another empty value is
        # no header (found by h6: the If-Match of a record never edited was checked by the read alone)
        headers.update({f"nameko.{key}": value for key, value in values.items()
                        if value or (key == "if_revision" and value is not None)})
        tracing.inject(headers)  # the call's span (tracing.rpc_client_call)
        timeout = self.timeout if timeout is None else timeout
        if caller:
            headers[f"nameko.{bus_auth.CONTEXT_KEY}"] = bus_auth.sign(self.signing_key, caller,
                                                                      f"{service}.{method}", timeout)
        headers[deadlines.HEADER] = deadlines.deadline(timeout)
        deadline = time.monotonic() + timeout
        channel = self._publish(service, method, payload, headers, timeout, deadline)
        try:
            reply = channel.wait(service, deadline, timeout)
        except ServiceUnavailable:
            self._drop()  # its reply queue may still get the late answer: never reuse it
            raise
        except Exception as exc:  # the connection broke after the broker took the request: no retry
            self._drop()
            raise maybe_done(ServiceUnavailable(f"message broker connection lost waiting for {service}: "
                                                f"{type(exc).__name__}")) from exc
        if reply.get("error"):
            _raise_remote(reply["error"], service, method)
        return reply.get("result")

    def _publish(self, service, method, payload, headers, timeout, deadline):
        """Publish on this thread's channel; once more on a new connection if the broker did not
        take the request, all within ``deadline``. Returns the channel to wait on."""
        for attempt in (1, 2):
            channel = self._channel(deadline)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServiceUnavailable(f"message broker did not take the request to {service} within {timeout:g} s")
            try:
                channel.publish(service, method, payload, headers, timeout, deadline)
                return channel
            except PublishUnconfirmed as unconfirmed:
                self._drop()  # a reply may still come to its reply queue
                raise maybe_done(ServiceUnavailable(f"message broker did not confirm the request to {service}: "
                                                    f"{unconfirmed}")) from unconfirmed
            except PublishFailed as failed:
                self._drop()
                if attempt == 2:
                    raise ServiceUnavailable(f"message broker connection failed: {failed}") from failed
                log.info("publish to %s.%s failed (%s): reconnecting", service, method, failed)

    def close(self):
        """Close every thread's connection, cleanly when the broker answers in time."""
        with self._lock:
            channels, self._all = list(self._all), {}
        deadline = time.monotonic() + CLOSE_WAIT_SECONDS
        for channel in channels:
            channel.close(wait_seconds=deadline - time.monotonic())
