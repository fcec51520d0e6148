"""RpcClient against a real nameko service on RabbitMQ (a fresh vhost per test)."""
import gc
import socket
import subprocess
import threading
import time
from unittest import mock
from urllib.parse import urlparse

import eventlet
import pytest
from kombu import Producer
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from estate_common import deadlines, rpc_client
from estate_common.errors import Conflict, NotFound, ServiceUnavailable
from estate_common.nameko.entrypoints import ReplyingRpc
from estate_common.rpc_client import CLOSE_WAIT_SECONDS, RemoteError, RpcClient

pytestmark = pytest.mark.broker


class ContextData(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return worker_ctx.context_data


class EchoService:
    name = "echo"

    context = ContextData()

    @rpc
    def echo(self, payload):
        return {
            "payload": payload,
            "request_id": self.context.get("request_id"),
            "caller": self.context.get("caller"),
            "idempotency_key": self.context.get("idempotency_key"),
        }

    @rpc
    def fail(self, kind):
        if kind == "typed":
            raise NotFound("nope", [{"field": "x", "message": "m"}])
        if kind == "busy":
            raise Conflict("another writer holds it; try again in a moment", retry_after=1)
        raise ValueError("untyped failure")

    @rpc
    def slow(self, seconds):
        eventlet.sleep(seconds)
        return {"slept": seconds}


class CountingService:
    """Records every call that ran, so a test can tell a request that ran twice or after its caller
    gave up (the tests run the containers in this process: a class attribute is shared)."""
    name = "counting"

    ran = []

    @rpc
    def work(self, token):
        CountingService.ran.append(token)
        return token

    @rpc
    def work_slowly(self, payload):
        CountingService.ran.append(payload["token"])
        eventlet.sleep(payload["seconds"])
        return payload["token"]


class HeldService:
    """Our services' entrypoint (``ReplyingRpc``), which drops a request past its deadline."""
    name = "held"

    ran = []

    @ReplyingRpc.decorator
    def work(self, token):
        HeldService.ran.append(token)
        return token


@pytest.fixture
def counting(container_factory, rabbit_config):
    CountingService.ran = []
    container = container_factory(CountingService, rabbit_config)
    container.start()
    return container


@pytest.fixture
def echo(container_factory, rabbit_config):
    container = container_factory(EchoService, rabbit_config)
    container.start()
    return container


@pytest.fixture
def client(amqp_uri):
    client = RpcClient(amqp_uri, timeout=5, owner="test")
    yield client
    client.close()


def test_result_round_trips(echo, client):
    payload = {"text": "你好", "n": 3, "nested": {"list": [1, 2.5, None, True]}}
    answer = client.call("echo", "echo", payload)
    assert answer["payload"] == payload


def test_context_arrives_as_context_data(echo, client):
    caller = {"user": "li", "roles": ["steward"], "estates": ["est_1"]}
    answer = client.call("echo", "echo", {"n": 1}, request_id="req-42", caller=caller,
                         context={"idempotency_key": "k"})
    assert answer["request_id"] == "req-42"
    assert answer["caller"] == caller
    assert answer["idempotency_key"] == "k"


def test_no_context_arrives_as_none(echo, client):
    answer = client.call("echo", "echo", {"n": 1})
    assert answer["request_id"] is None
    assert answer["caller"] is None
    assert answer["idempotency_key"] is None


def test_a_typed_error_arrives_as_the_same_class(echo, client):
    with pytest.raises(NotFound) as caught:
        client.call("echo", "fail", "typed")
    assert caught.value.detail == "nope"
    assert caught.value.errors == [{"field": "x", "message": "m"}]
    assert caught.value.status == 404


def test_a_passing_refusal_arrives_with_the_wait_it_names(echo, client):
    """A 409 that passes by itself (another writer holds the household) names the seconds to
    wait, which the gateway gives as Retry-After; a typed error without one has none."""
    with pytest.raises(Conflict) as caught:
        client.call("echo", "fail", "busy")
    assert (caught.value.detail, caught.value.errors, caught.value.retry_after) == (
        "another writer holds it; try again in a moment", [], 1)
    with pytest.raises(NotFound) as caught:
        client.call("echo", "fail", "typed")
    assert caught.value.retry_after is None


def test_an_untyped_error_arrives_as_remote_error(echo, client):
    with pytest.raises(RemoteError) as caught:
        client.call("echo", "fail", "untyped")
    assert caught.value.exc_type == "ValueError"
    assert "untyped failure" in str(caught.value)
    # the client is still usable
    assert client.call("echo", "echo", {"n": 2})["payload"] == {"n": 2}


def test_a_timeout_is_service_unavailable_and_the_late_reply_is_dropped(echo, amqp_uri):
    client = RpcClient(amqp_uri, timeout=0.5, owner="test")
    try:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable):
            client.call("echo", "slow", 1.5)
        assert time.monotonic() - started < 2
        # the next call on the same client waits past the moment the slow reply arrives
        # and must get its own answer, not the late one
        started = time.monotonic()
        answer = client.call("echo", "slow", 1.2, timeout=5)
        assert answer == {"slept": 1.2}
        assert time.monotonic() - started >= 1.2
        assert client.call("echo", "echo", {"n": 7}, timeout=5)["payload"] == {"n": 7}
    finally:
        client.close()


def test_slow_3_with_timeout_half_a_second(echo, amqp_uri):
    client = RpcClient(amqp_uri, timeout=0.5, owner="test")
    try:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable) as caught:
            client.call("echo", "slow", 3)
        elapsed = time.monotonic() - started
        assert 0.4 < elapsed < 2.5  # the call's own timeout, not the 3 s the method takes
        assert "0.5" in caught.value.detail
        # the client still works (a longer timeout for this call: a loaded broker may take over 0.5 s to confirm)
        assert client.call("echo", "echo", {"n": 8}, timeout=5)["payload"] == {"n": 8}
    finally:
        client.close()


def test_a_service_that_does_not_exist_is_unavailable_fast(echo, client):
    client.call("echo", "echo", {"warm": True})  # the connection is made
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as caught:
        client.call("nosuch", "method", {}, timeout=5)
    assert time.monotonic() - started < 3  # the broker's return, not the call's 5 s
    assert "nosuch" in caught.value.detail
    assert client.call("echo", "echo", {"n": 3})["payload"] == {"n": 3}


def test_a_method_the_service_does_not_offer_is_unavailable_not_an_error(echo, client):
    """A replica of an older version, during a rolling deploy, does not have a method the gateway
    already calls (maintenance's technician_left, told on an account change): a 503 to try again,
    where it was a RemoteError, the gateway's 500 (found by review)."""
    with pytest.raises(ServiceUnavailable) as caught:
        client.call("echo", "no_such_method", {})
    assert "echo does not offer no_such_method" in caught.value.detail
    assert client.call("echo", "echo", {"n": 4})["payload"] == {"n": 4}  # the client is still usable


def test_many_threads_each_get_their_own_answer(echo, amqp_uri):
    """16 threads (green ones: the suite runs monkey-patched, like a service) share one client
    and make 200 calls in all."""
    client = RpcClient(amqp_uri, timeout=10, owner="test")
    results, failures = [], []

    def worker(first):
        try:
            for number in range(first, 200, 16):
                answer = client.call("echo", "echo", {"number": number}, request_id=f"req-{number}")
                results.append((number, answer["payload"]["number"], answer["request_id"]))
        except Exception as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(first,)) for first in range(16)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert failures == []
        assert len(results) == 200
        assert all(sent == got and rid == f"req-{sent}" for sent, got, rid in results)
        assert sorted(sent for sent, _, _ in results) == list(range(200))
    finally:
        client.close()


def _connections(vhost):
    listed = subprocess.run(["rabbitmqctl", "-q", "list_connections", "vhost"],
                            check=True, capture_output=True, text=True, timeout=60).stdout
    return sum(1 for line in listed.splitlines() if line.strip() == vhost)


def test_short_lived_threads_do_not_leave_connections_open(echo, amqp_uri):
    """The gateway's /readyz calls from a fresh ThreadPoolExecutor on every request: a thread's
    connection must not outlive the thread, or every probe leaks connections to the broker."""
    vhost = urlparse(amqp_uri).path.lstrip("/")
    client = RpcClient(amqp_uri, timeout=5, owner="test")
    try:
        client.call("echo", "echo", {"warm": True})
        before = _connections(vhost)
        for number in range(12):
            thread = threading.Thread(target=client.call, args=("echo", "echo", {"number": number}))
            thread.start()
            thread.join(10)
        gc.collect()
        eventlet.sleep(0.5)
        assert _connections(vhost) - before <= 2
    finally:
        client.close()


def test_a_broker_that_refuses_is_service_unavailable():
    client = RpcClient("amqp://guest:guest@127.0.0.1:1/", timeout=1, owner="test")
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as caught:
        client.call("echo", "echo", {})
    assert time.monotonic() - started < 10
    assert "broker" in caught.value.detail
    client.close()


def test_a_broker_that_accepts_and_never_answers_is_service_unavailable_within_the_timeout():
    """A wedged RabbitMQ takes connections and never speaks AMQP: every call was a 503 after
    8 s (two connects of 3 s and kombu's 2 s pause), whatever the call's timeout (found by
    review while the machine's broker was wedged). The call's timeout bounds the connect too."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    held, done = [], threading.Event()

    def hold():  # until the test ends: a thread still waiting on the closed listener (eventlet's
        while not done.is_set():  # accept is not woken by its close) took the next test's fd
            try:
                held.append(listener.accept()[0])
            except socket.timeout:
                pass

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    client = RpcClient(f"amqp://guest:guest@127.0.0.1:{listener.getsockname()[1]}/", timeout=1.5, owner="test")
    try:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable) as caught:
            client.call("echo", "echo", {})
        assert time.monotonic() - started < 1.5 + 2  # not 8
        assert "broker" in caught.value.detail
    finally:
        client.close()
        done.set()
        holder.join(5)
        listener.close()
        for connection in held:
            connection.close()


def refused_within(seconds, call):
    """The ServiceUnavailable that ``call()`` raises, within ``seconds``."""
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as caught:
        call()
    assert time.monotonic() - started < seconds
    return caught.value


class FreezingProxy:
    """A TCP proxy to the broker that can stop forwarding, as a broker does that is blocked by a
    resource alarm or frozen, or a network that cut the connections it had: they stay open and
    nothing comes through. ``frozen``: every connection, both ways; ``freeze_up``: the client's
    bytes to the broker only (the broker's heartbeats still come); ``freeze_existing``: the
    connections open now, both ways (new ones pass)."""

    def __init__(self, amqp_uri):
        self.target = urlparse(amqp_uri)
        self.frozen = threading.Event()
        self.frozen_up = threading.Event()
        self.cut = set()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        port = self.listener.getsockname()[1]
        self.uri = self.target._replace(netloc=f"{self.target.username}:{self.target.password}@127.0.0.1:{port}").geturl()
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            broker = socket.create_connection((self.target.hostname, self.target.port))
            self.sockets += [client, broker]
            for source, sink, up in ((client, broker, True), (broker, client, False)):
                threading.Thread(target=self._pipe, args=(source, sink, up), daemon=True).start()

    def freeze_existing(self):
        self.cut.update(self.sockets)

    def _held(self, source, up):
        return self.frozen.is_set() or (up and self.frozen_up.is_set()) or source in self.cut

    def _pipe(self, source, sink, up):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self._held(source, up):  # what came in while frozen is held, not passed
                    eventlet.sleep(0.02)
                sink.sendall(data)
        except Exception:  # closed under it (eventlet's IOClosed, OSError): the proxy is done
            pass
        for end in (source, sink):
            end.close()

    def close(self):
        self.frozen.clear()
        self.frozen_up.clear()
        self.cut.clear()
        self.listener.close()
        for end in self.sockets:
            end.close()


@pytest.fixture
def proxy(amqp_uri):
    frozen = FreezingProxy(amqp_uri)
    yield frozen
    frozen.close()


def test_a_broker_that_stops_answering_during_a_call_is_a_503_within_the_timeout_and_no_hang(echo, proxy):
    """No confirm, no reply, and no answer to the client's close either: py-amqp waited for that
    answer with no limit, so the 503 came when the broker answered again (25-40 s late under a
    memory alarm) or never, and every gateway thread waited with it (found by a fault probe)."""
    client = RpcClient(proxy.uri, timeout=1, owner="test")
    try:
        assert client.call("echo", "echo", {"warm": True}, timeout=5)["payload"] == {"warm": True}
        proxy.frozen.set()
        for _ in range(2):  # before its confirm, then on a new connection that gets no answer at all
            refused_within(1 + 2, lambda: client.call("echo", "echo", {"frozen": True}))
        refused_within(1 + 2, lambda: client.never_started(["echo"], timeout=1))  # the gateway's readiness
    finally:
        proxy.frozen.clear()
        started = time.monotonic()
        client.close()
        assert time.monotonic() - started < CLOSE_WAIT_SECONDS + 1


def test_the_wait_for_a_confirm_ends_at_the_deadline_while_the_broker_s_heartbeats_come(echo, proxy):
    """The request does not reach the broker (nor does anything else the client sends) while the
    broker's heartbeats still come: kombu's confirm wait started its timeout over at every frame,
    so a call of 3 s gave its 503 after 12 (found by review)."""
    client = RpcClient(proxy.uri, timeout=1.5, owner="test", heartbeat=2)
    try:
        client.call("echo", "echo", {"warm": True}, timeout=5)
        proxy.frozen_up.set()
        refused = refused_within(1.5 + 0.7, lambda: client.call("echo", "echo", {"unheard": True}))
        assert "did not confirm" in refused.detail
    finally:
        client.close()


def test_a_connection_cut_unheard_while_its_thread_was_idle_is_not_used(echo, proxy):
    """A network cut while the thread was idle: no close reaches the client, and the heartbeats it
    read before the cut made the check pass, so the request went into a dead connection and the
    call was a 503 at its timeout. Idle past two heartbeats (none sent meanwhile, so the broker has
    dropped it), a connection is rebuilt before the publish (found by review)."""
    client = RpcClient(proxy.uri, timeout=2, owner="test", heartbeat=1)
    try:
        client.call("echo", "echo", {"warm": True}, timeout=5)
        first = client._local.channel
        eventlet.sleep(0.8)  # a heartbeat of the broker's waits in the socket
        proxy.freeze_existing()
        eventlet.sleep(1.5)
        assert client.call("echo", "echo", {"after the cut": True})["payload"] == {"after the cut": True}
        assert client._local.channel is not first
    finally:
        client.close()


def test_a_broker_that_stops_answering_while_a_channel_is_set_up_is_a_503_within_the_timeout(
        echo, proxy, monkeypatch):
    """py-amqp leaves the socket with no timeout after its handshake: the set-up's answers (the
    channels, the reply queue, confirm mode) were waited for with no limit (found by review)."""
    connect = rpc_client._ThreadChannel._connect

    def connect_then_freeze(channel, seconds):
        connect(channel, seconds)
        proxy.frozen.set()

    monkeypatch.setattr(rpc_client._ThreadChannel, "_connect", connect_then_freeze)
    client = RpcClient(proxy.uri, timeout=1.5, owner="test")
    try:
        refused = refused_within(1.5 + 0.7, lambda: client.call("echo", "echo", {"never": True}))
        assert "broker unreachable" in refused.detail
    finally:
        client.close()


def test_a_blocked_connection_is_kept_and_nothing_is_published_while_it_is_blocked(counting, amqp_uri):
    """While the broker says it takes no publishes, calls are 503s on the same connection: it was
    thrown away every two heartbeats as idle, and the call published on a new one, into the alarm
    (found by review)."""
    client = RpcClient(amqp_uri, timeout=5, owner="test", heartbeat=1)
    try:
        client.call("counting", "work", "warm")
        channel = client._local.channel
        channel._blocked = True  # as connection.blocked sets it (tests/faults/test_broker_alarm.py: a real alarm)
        until = time.monotonic() + 3  # three heartbeats
        while time.monotonic() < until:
            with pytest.raises(ServiceUnavailable, match="resource alarm"):
                client.call("counting", "work", "in the alarm")
            assert client._local.channel is channel
            eventlet.sleep(0.3)
        channel._blocked = False  # connection.unblocked
        assert client.call("counting", "work", "after") == "after"
        assert CountingService.ran == ["warm", "after"]
    finally:
        client.close()


# -- no work after the caller gave up ------------------------------------------------------------

def test_a_request_that_expired_in_the_queue_never_runs(counting, container_factory, rabbit_config, amqp_uri):
    """The service is down (its queue stays, durable): the call is a 503 within its timeout, and
    when the service comes back the request has expired in the queue, so it never runs."""
    client = RpcClient(amqp_uri, timeout=5, owner="test")
    try:
        assert client.call("counting", "work", "warm") == "warm"
        counting.stop()

        started = time.monotonic()
        with pytest.raises(ServiceUnavailable) as caught:
            client.call("counting", "work", "unanswered", timeout=0.5)
        assert time.monotonic() - started < 0.5 + 2  # the call's own timeout, not the client's 5 s
        assert "did not answer within 0.5 s" in caught.value.detail

        container_factory(CountingService, rabbit_config).start()
        assert client.call("counting", "work", "after") == "after"
        eventlet.sleep(0.5)  # the expired request would have come first; give it every chance
        assert CountingService.ran == ["warm", "after"]
    finally:
        client.close()


def test_a_request_a_service_holds_past_its_deadline_is_dropped_not_run(container_factory, rabbit_config, amqp_uri,
                                                                         monkeypatch):
    """The broker drops only what is still queued: a service that stalled with a request
    prefetched would run it after the caller's 503 (a payment posted 15 s later, found by
    review). As if it had been held so long, the request reaches the service past its deadline
    and its grace: it is not run, and its caller is answered 503 at its own timeout."""
    HeldService.ran = []
    container_factory(HeldService, rabbit_config).start()
    client = RpcClient(amqp_uri, timeout=5, owner="test")
    try:
        assert client.call("held", "work", "in time") == "in time"
        held_for = deadlines.late_grace_seconds() + 10
        monkeypatch.setattr(deadlines, "deadline", lambda timeout, now=None: time.time() + timeout - held_for)
        with pytest.raises(ServiceUnavailable):
            client.call("held", "work", "too late", timeout=1)
        monkeypatch.undo()
        assert client.call("held", "work", "again in time") == "again in time"
        assert HeldService.ran == ["in time", "again in time"]
    finally:
        client.close()


def test_a_deadline_counts_late_only_past_its_grace():
    now = 1_800_000_000.0
    grace = deadlines.late_grace_seconds()
    assert deadlines.too_late({deadlines.HEADER: now - grace - 3}, now) == pytest.approx(3)
    assert deadlines.too_late({deadlines.HEADER: now - grace + 0.5}, now) is None  # the hosts' clocks may differ
    assert deadlines.too_late({deadlines.HEADER: now + 5}, now) is None
    assert deadlines.too_late({}, now) is None and deadlines.too_late({deadlines.HEADER: "soon"}, now) is None


def test_a_request_still_queued_within_its_timeout_runs(counting, container_factory, rabbit_config, amqp_uri):
    """The expiration is the caller's own timeout, not shorter: a service back in time serves it."""
    client = RpcClient(amqp_uri, timeout=5, owner="test")
    try:
        client.call("counting", "work", "warm")
        counting.stop()
        restart = threading.Timer(0.5, lambda: container_factory(CountingService, rabbit_config).start())
        restart.start()
        assert client.call("counting", "work", "queued", timeout=8) == "queued"
        assert CountingService.ran == ["warm", "queued"]
    finally:
        client.close()


# -- a request is published again only when the broker did not take it ----------------------------

def _close_from_the_broker(client, vhost):
    """The broker closes this thread's connection to it (as when it restarts, or drops an idle
    connection): found by the client's local port."""
    port = client._local.channel.connection.connection.sock.getsockname()[1]
    listed = subprocess.run(["rabbitmqctl", "-q", "list_connections", "-p", vhost, "pid", "peer_port"],
                            check=True, capture_output=True, text=True, timeout=60).stdout
    pid = next(line.split()[0] for line in listed.splitlines() if line.split()[-1:] == [str(port)])
    subprocess.run(["rabbitmqctl", "-q", "close_connection", pid, "closed by the test"],
                   check=True, capture_output=True, timeout=60)


def test_a_publish_on_a_connection_the_broker_closed_goes_out_once_on_a_new_one(counting, amqp_uri):
    vhost = urlparse(amqp_uri).path.lstrip("/")
    client = RpcClient(amqp_uri, timeout=5, owner="test")
    try:
        client.call("counting", "work", "warm")
        first = client._local.channel
        _close_from_the_broker(client, vhost)
        eventlet.sleep(0.2)

        assert client.call("counting", "work", "after the close") == "after the close"
        assert client._local.channel is not first
        eventlet.sleep(0.5)
        assert CountingService.ran == ["warm", "after the close"]
    finally:
        client.close()


def test_a_connection_lost_while_waiting_is_a_503_and_never_a_second_publish(counting, amqp_uri):
    """The broker took the request (the work may be running): publishing it again would do the
    work twice, so the caller gets a 503 and the handler runs once."""
    client = RpcClient(amqp_uri, timeout=10, owner="test")
    try:
        client.call("counting", "work", "warm")
        sock = client._local.channel.connection.connection.sock
        outcome = []

        def call():
            try:
                outcome.append(client.call("counting", "work_slowly", {"token": "slow", "seconds": 4}))
            except ServiceUnavailable as exc:
                outcome.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        # the thread's channel is per thread: break the caller's, once its request is running
        deadline = time.monotonic() + 5
        while "slow" not in CountingService.ran and time.monotonic() < deadline:
            eventlet.sleep(0.02)
        busy = [c for c in client._all if c.connection.connection.sock is not sock]
        assert len(busy) == 1
        started = time.monotonic()
        busy[0].connection.connection.sock.shutdown(socket.SHUT_RDWR)
        caller.join(10)
        # well before the work's reply could come (4 s): with the suite's two processes on two
        # cores, the lost connection was seen after 1.5 s once, where 1 s was allowed
        assert time.monotonic() - started < 3, outcome
        assert isinstance(outcome[0], ServiceUnavailable)
        assert "connection lost" in outcome[0].detail

        eventlet.sleep(2)  # the slow one finishes; a second publish would have run it again
        assert CountingService.ran == ["warm", "slow"]
    finally:
        client.close()


def test_a_connection_lost_after_the_request_went_out_and_before_its_confirm_is_a_503_and_one_publish(
        counting, amqp_uri):
    """The window the test above falls into when the request is confirmed late: the request was
    written whole, so the broker may have taken it; the client once took any error before the
    confirm for "not taken" and published it again, running the work twice. Whether the broker
    routes a publish whose connection closes right behind it is the broker's race (under the
    suite's load it sometimes does not), so what is counted is the client's publishes."""
    client = RpcClient(amqp_uri, timeout=5, owner="test")
    try:
        client.call("counting", "work", "warm")
        channel = client._local.channel
        published = []
        real_publish = Producer.publish

        def counted(producer, body, *args, **kwargs):  # every channel's, a new one's too
            if kwargs.get("routing_key") == "counting.work":  # not the service's replies
                published.append(body["args"])
            return real_publish(producer, body, *args, **kwargs)

        def write_then_lose(*args, **kwargs):  # the request is in the socket's buffer, on its way
            written = counted(channel.producer, *args, **kwargs)
            channel.connection.connection.sock.shutdown(socket.SHUT_RDWR)
            return written

        channel.producer.publish = write_then_lose
        with mock.patch.object(Producer, "publish", counted):
            with pytest.raises(ServiceUnavailable) as lost:
                client.call("counting", "work", "once")
            assert "connection lost" in lost.value.detail
            assert client._local.channel is None, "the broken channel is kept"
            eventlet.sleep(0.5)  # a retry, had there been one, would have gone out by now
        assert published == [["once"]], published

        deadline = time.monotonic() + 2
        while "once" not in CountingService.ran and time.monotonic() < deadline:
            eventlet.sleep(0.05)
        assert CountingService.ran in (["warm"], ["warm", "once"])
        assert client.call("counting", "work", "next") == "next"  # a new connection for the next call
    finally:
        client.close()


def test_a_call_that_timed_out_leaves_no_channel_behind(echo, amqp_uri):
    client = RpcClient(amqp_uri, timeout=0.3, owner="test")
    try:
        client.call("echo", "echo", {"warm": True}, timeout=5)
        first = client._local.channel
        with pytest.raises(ServiceUnavailable):
            client.call("echo", "slow", 1)
        assert client._local.channel is None
        assert first not in client._all
        assert not first.connection.connected
    finally:
        client.close()


# -- heartbeats -------------------------------------------------------------------------------------

def test_heartbeats_are_on_by_default(echo, client, monkeypatch):
    client.call("echo", "echo", {"n": 1})
    assert client._local.channel.connection.connection.heartbeat == 30
    monkeypatch.setenv("RPC_HEARTBEAT_SECONDS", "7")
    assert RpcClient(client.amqp_uri).heartbeat == 7


def test_a_wait_longer_than_the_heartbeat_keeps_the_connection_alive(echo, amqp_uri):
    """The waiting thread sends heartbeats: without them the broker would drop the connection
    after two missed ones (2 s here) and the call would fail."""
    client = RpcClient(amqp_uri, timeout=10, owner="test", heartbeat=1)
    try:
        assert client.call("echo", "slow", 3.5) == {"slept": 3.5}
    finally:
        client.close()


def test_a_connection_idle_past_its_heartbeats_is_rebuilt_before_the_publish(counting, amqp_uri):
    """An idle thread sends no heartbeats; its next call finds the connection stale (the broker has
    dropped it, or will) and publishes on a new one, once."""
    client = RpcClient(amqp_uri, timeout=5, owner="test", heartbeat=1)
    try:
        client.call("counting", "work", "warm")
        first = client._local.channel
        eventlet.sleep(3.5)
        assert client.call("counting", "work", "after idling") == "after idling"
        assert client._local.channel is not first
        assert CountingService.ran == ["warm", "after idling"]
    finally:
        client.close()


def test_never_started_names_the_services_without_a_queue_on_this_broker(echo, amqp_uri):
    """The gateway's own readiness: a service that started once keeps its durable queues; one
    never started has none, and an event made now would never reach it. A new connection each
    time: a thread's held one passed after the network had cut it (py-amqp sees it as connected
    until it reads)."""
    client = RpcClient(amqp_uri, timeout=5, owner="test")
    try:
        assert client.never_started(["echo", "nobody_here"], 2) == ["nobody_here"]
    finally:
        client.close()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    nowhere = urlparse(amqp_uri)._replace(netloc=f"guest:guest@127.0.0.1:{port}").geturl()
    client = RpcClient(nowhere, timeout=5, owner="test")
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        client.never_started(["echo"], 1)
    assert time.monotonic() - started < 3
