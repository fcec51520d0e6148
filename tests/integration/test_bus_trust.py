"""Who may act as whom on the real broker: the gateway's client signs the caller
(``estate_common.bus_auth``); a request published straight to the broker that
claims to be the operator admin, without a valid signature, is refused with
``Unauthorized`` and changes nothing."""
import socket
import uuid

import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue
from nameko.runners import ServiceRunner

from archive.service import ArchiveService
from estate_common import bus_auth
from estate_common.errors import Unauthorized
from estate_common.rpc_client import RPC_EXCHANGE, RpcClient
from estate_common.testing import ADMIN, staff

pytestmark = pytest.mark.broker

ESTATE = {"data": {"code": "TRUST-1", "name": "Trust Court", "address": "1 Trust Rd"}}


@pytest.fixture(scope="module")
def amqp_uri(module_amqp_uri):
    """One vhost and one archive for the module: each test forges or signs calls against the same
    service, none needs it fresh (a vhost and a service started for each of them was most of their
    time); the one that proves a refused call wrote nothing compares the estates before and after."""
    return module_amqp_uri


@pytest.fixture(scope="module")
def archive(amqp_uri):
    runner = ServiceRunner({"AMQP_URI": amqp_uri})
    runner.add_service(ArchiveService)
    runner.start()
    yield runner
    runner.kill()


@pytest.fixture
def client(amqp_uri):
    client = RpcClient(amqp_uri, timeout=5, owner="test")
    yield client
    client.close()


def raw_call(amqp_uri, routing_key, payload, headers, seconds=5):
    """An RPC published with kombu alone, headers as given: what a holder of broker
    credentials could send. Returns nameko's reply (``{"result", "error"}``)."""
    replies = []
    with Connection(amqp_uri) as connection:
        exchange = Exchange(RPC_EXCHANGE, type="topic", durable=True)
        reply_key = str(uuid.uuid4())
        queue = Queue(f"rpc.reply-forger-{reply_key}", exchange=exchange, routing_key=reply_key,
                      exclusive=True, auto_delete=True)
        with Consumer(connection.channel(), [queue], accept=["json"], no_ack=True,
                      callbacks=[lambda body, message: replies.append(body)]):
            Producer(connection.channel(), exchange=exchange).publish(
                {"args": [payload], "kwargs": {}}, routing_key=routing_key, reply_to=reply_key,
                correlation_id=str(uuid.uuid4()), serializer="json",
                headers={"nameko.call_id_stack": ["forger.call"], **headers})
            try:
                connection.drain_events(timeout=seconds)
            except socket.timeout:
                pass
    assert replies, f"{routing_key} did not answer"
    return replies[0]


def assert_refused(reply, reason):
    assert reply["result"] is None
    assert reply["error"]["exc_type"] == "Unauthorized"
    assert reason in reply["error"]["exc_args"][0]


def estate_codes(client):
    return [e["code"] for e in client.call("archive", "list_estates", {}, caller=ADMIN)["items"]]


def test_an_unsigned_admin_caller_published_directly_is_refused(archive, client, amqp_uri):
    before = estate_codes(client)
    reply = raw_call(amqp_uri, "archive.create_estate", ESTATE, {"nameko.caller": ADMIN})
    assert_refused(reply, "not signed")
    assert estate_codes(client) == before  # nothing was written


def test_the_gateway_clients_signed_call_succeeds(archive, client):
    created = client.call("archive", "create_estate", {"data": dict(ESTATE["data"], code="TRUST-2")},
                          caller=ADMIN, request_id="trust-2")
    assert created["code"] == "TRUST-2"
    assert "TRUST-2" in estate_codes(client)


def test_a_signed_caller_raised_to_admin_is_refused(archive, amqp_uri):
    guard = staff("wu", ["security"], ["est_1"])
    auth = bus_auth.sign(bus_auth.load_key(), guard, "archive.create_estate", 5)
    reply = raw_call(amqp_uri, "archive.create_estate", ESTATE,
                     {"nameko.caller": ADMIN, "nameko.caller_auth": auth})
    assert_refused(reply, "does not match")


def test_a_signature_captured_on_one_method_is_refused_on_another(archive, amqp_uri):
    auth = bus_auth.sign(bus_auth.load_key(), ADMIN, "archive.list_estates", 5)
    reply = raw_call(amqp_uri, "archive.create_estate", ESTATE,
                     {"nameko.caller": ADMIN, "nameko.caller_auth": auth})
    assert_refused(reply, "another method")


def test_an_expired_signature_is_refused(archive, amqp_uri):
    auth = bus_auth.sign(bus_auth.load_key(), ADMIN, "archive.create_estate", 5, now=1_000_000)
    reply = raw_call(amqp_uri, "archive.create_estate", ESTATE,
                     {"nameko.caller": ADMIN, "nameko.caller_auth": auth})
    assert_refused(reply, "expired")


def test_a_client_with_another_key_gets_unauthorized(archive, amqp_uri):
    stranger = RpcClient(amqp_uri, timeout=5, owner="test", signing_key="Bn5wT1qY-8uKe3xM_2rVj7cZa4hGs9pD")
    try:
        with pytest.raises(Unauthorized, match="does not match"):
            stranger.call("archive", "create_estate", ESTATE, caller=ADMIN)
    finally:
        stranger.close()


def test_public_health_needs_no_caller(archive, amqp_uri):
    assert raw_call(amqp_uri, "archive.health", {}, {})["result"]["status"] == "ok"
