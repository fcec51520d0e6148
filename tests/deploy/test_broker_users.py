"""A broker user per component, as the definitions file gives them, on the real broker.

The definitions (``estate_common.broker_users``) are imported with ``rabbitmqctl
import_definitions`` for a throw-away vhost and users of this test, the five services and the
gateway start under their own users, a repair request travels customer-service → maintenance
→ archive, and then each user tries what it must not: consume another component's queue,
publish another service's events, bind a queue that would steal another service's calls.
RabbitMQ refuses each with ACCESS_REFUSED (403).
"""
import json
import secrets
import shutil
import subprocess
import uuid

from pathlib import Path

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Queue

from estate_common import broker_users, config, topology, vhosts

from estate_common.testing import load_file

_E2E = Path(__file__).resolve().parents[1] / "e2e"
_conftest = load_file(_E2E / "conftest.py", "broker_users_e2e_conftest")
_flows = load_file(_E2E / "flows.py", "broker_users_e2e_flows")
ADMIN_PASSWORD, Api, run_local = _conftest.ADMIN_PASSWORD, _conftest.Api, _conftest.run_local
eventually, new_estate, new_household, register = (_flows.eventually, _flows.new_estate, _flows.new_household,
                                                  _flows.register)

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

RPC_TIMEOUT_SECONDS = 2


def _rabbitmqctl(*args, stdin=None):
    return subprocess.run(["rabbitmqctl", "-q", *args], input=stdin, check=True, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture(scope="module")
def users():
    """component -> AMQP URI of its own user on a vhost of this module (deleted afterwards)."""
    if not shutil.which("rabbitmqctl"):
        pytest.fail("rabbitmqctl is needed to create the broker users (a local RabbitMQ)", pytrace=False)
    tag = uuid.uuid4().hex[:10]
    vhost, prefix = f"estate_test_users_{tag}", f"estate-t{tag}-"
    passwords = {c: secrets.token_urlsafe(24) for c in broker_users.USERS}
    with vhosts.held(vhost):
        yield from _imported(vhost, prefix, passwords)


def _imported(vhost, prefix, passwords):
    # on stdin: the broker (another OS user) might not read a file of ours
    _rabbitmqctl("import_definitions", "--format", "json",
                 stdin=json.dumps(broker_users.definitions(passwords, vhost=vhost, prefix=prefix)))
    # the import runs in the background on the broker: wait for its last step
    eventually(lambda: _rabbitmqctl("list_topic_permissions", "-p", vhost).stdout.count(prefix)
               == len(broker_users.COMPONENTS), seconds=20)  # the autoscaler has none
    base = Connection(config.amqp_uri())
    try:
        yield {c: broker_users.amqp_uri(c, passwords[c], host=base.hostname or "127.0.0.1", port=base.port or 5672,
                                        vhost=vhost, prefix=prefix) for c in broker_users.USERS}
    finally:  # the vhost first, then its users: one at a time (estate_common.vhosts says why)
        vhosts.delete(vhost, [broker_users.user_name(c, prefix) for c in broker_users.USERS])


@pytest.fixture(scope="module")
def system(users, tmp_path_factory):
    overrides = {
        "AMQP_URI": "amqp://nobody:nothing@127.0.0.1:1/",  # each component gets its own below
        "ESTATE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ESTATE_CONTRACTS_STRICT": "1",
        "RPC_TIMEOUT": str(RPC_TIMEOUT_SECONDS),
        "OUTBOX_SWEEP_SECONDS": "1",
        "METRICS_SAMPLE_SECONDS": "1",
    }
    component_env = {c: {"AMQP_URI": users[c]} for c in broker_users.COMPONENTS}
    for service in topology.SERVICES:  # their metrics sample the dead-letter queue's depth too
        component_env[service]["METRICS_PORT"] = str(run_local.free_port())
    with run_local.running_system(overrides, tmp_path_factory.mktemp("system") / "system.log",
                                  component_env=component_env) as running:
        yield running


def _refused(action):
    with pytest.raises(AccessRefused) as refused:
        action()
    assert "ACCESS_REFUSED" in str(refused.value)
    return str(refused.value)


def _consume(uri, queue_name):
    with Connection(uri, connect_timeout=5) as connection:
        channel = connection.channel()
        channel.basic_consume(queue_name, callback=lambda message: None)
        connection.drain_events(timeout=1)


def _publish(uri, exchange, routing_key):
    with Connection(uri, connect_timeout=5, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer(exchange=Exchange(exchange, type="topic", durable=True, passive=True))
        producer.publish({"event_type": routing_key}, routing_key=routing_key, retry=False)


def _bind(uri, queue_name, exchange, routing_key):
    with Connection(uri, connect_timeout=5) as connection:
        connection.default_channel.queue_bind(queue_name, exchange, routing_key)


def test_a_repair_request_crosses_three_services_each_under_its_own_user(system, users):
    api = Api(system.url)
    admin = api.token("admin", ADMIN_PASSWORD)
    estate_id = new_estate(api, admin, "Broker Users Gardens")["id"]
    household = new_household(api, admin, estate_id)
    request_id = register(api, admin, estate_id, household["id"]).json()["id"]

    orders = eventually(lambda: api.get(f"/api/v1/estates/{estate_id}/work-orders?request_id={request_id}",
                                        admin).json()["items"])
    assert len(orders) == 1
    records = eventually(lambda: api.get(f"/api/v1/estates/{estate_id}/archive/records?subject_id={request_id}",
                                         admin).json()["items"])
    assert records

    # the gateway's own probe, with the gateway's user: a new connection and passive declares of
    # every service's RPC queue, which need no permission
    own = api.get("/readyz?scope=gateway")
    assert own.status_code == 200 and set(own.json()["checks"].values()) == {"ok"}, own.text
    assert "ACCESS_REFUSED" not in system.log_path.read_text(), "a component lacks a permission it needs"

    # and now what each user must not do
    maintenance, gateway = users["maintenance"], users["gateway"]
    _refused(lambda: _consume(maintenance, "rpc-archive"))
    _refused(lambda: _consume(maintenance, "evt-customer_service-service_request_created--archive"
                                           ".record_service_request"))
    _refused(lambda: _consume(maintenance, "archive.dead-letters"))
    _refused(lambda: _consume(gateway, "rpc-maintenance"))
    # publish as another service: its events exchange, or RPC calls from a service
    _refused(lambda: _publish(maintenance, "customer_service.events", "service_request_created"))
    _refused(lambda: _publish(gateway, "maintenance.events", "work_order_opened"))
    _refused(lambda: _publish(maintenance, "nameko-rpc", "archive.get_estate"))
    # KEDA's autoscaler reads a queue's depth (a passive declare), and may do nothing else
    with Connection(users["autoscaler"], connect_timeout=5) as connection:
        assert connection.default_channel.queue_declare("rpc-maintenance", passive=True).queue == "rpc-maintenance"
    _refused(lambda: _consume(users["autoscaler"], "rpc-maintenance"))
    _refused(lambda: _publish(users["autoscaler"], "maintenance.events", "work_order_created"))
    # steal another service's calls by binding its own RPC queue to them
    _refused(lambda: _bind(maintenance, "rpc-maintenance", "nameko-rpc", "archive.*"))
    _refused(lambda: _bind(maintenance, "rpc-maintenance", "nameko-rpc", "#"))


# --- the regexes, as plain functions ----------------------------------------------

def _matches(pattern, name):
    import re
    return re.fullmatch(pattern, name) is not None


def test_a_service_reads_only_its_own_queues():
    read = broker_users.permissions("maintenance")["read"]
    for own in ("rpc-maintenance", "maintenance.dead-letters",
                "evt-customer_service-service_request_created--maintenance.open_from_service_request"):
        assert _matches(read, own), own
    for other in ("rpc-archive", "archive.dead-letters", "rpc-maintenancex", f"rpc.reply-probe-{uuid.uuid4()}",
                  "evt-customer_service-service_request_created--archive.record_service_request",
                  f"rpc.reply-gateway-{uuid.uuid4()}"):
        assert not _matches(read, other), other


def test_a_service_publishes_only_its_own_events_and_replies():
    write = broker_users.permissions("finance")["write"]
    assert _matches(write, "finance.events") and _matches(write, "nameko-rpc")
    assert not _matches(write, "maintenance.events") and not _matches(write, "archive.dead-letters")
    (rpc,) = broker_users.topic_permissions("finance")
    assert _matches(rpc["write"], str(uuid.uuid4()))
    assert not _matches(rpc["write"], "finance.health")  # its probes read files in its pod: no call
    assert not _matches(rpc["read"], str(uuid.uuid4()))  # nor a reply queue of its own to bind
    assert not _matches(rpc["write"], "archive.get_estate") and not _matches(rpc["read"], "archive.*")


def test_the_gateway_calls_services_and_reads_only_its_replies():
    gateway = broker_users.permissions("gateway")
    assert _matches(gateway["read"], f"rpc.reply-gateway-{uuid.uuid4()}")
    assert not _matches(gateway["read"], "rpc-maintenance") and not _matches(gateway["write"], "maintenance.events")
    (rpc,) = broker_users.topic_permissions("gateway")
    assert _matches(rpc["write"], "customer_service.create_service_request")
    assert not _matches(rpc["write"], "other.method") and not _matches(rpc["read"], "#")


def test_password_hash_is_rabbitmqs_salted_sha256():
    import base64
    import hashlib
    digest = broker_users.password_hash("s3cret-enough", salt=b"\x01\x02\x03\x04")
    assert base64.b64decode(digest) == b"\x01\x02\x03\x04" + hashlib.sha256(b"\x01\x02\x03\x04s3cret-enough").digest()


def test_definitions_from_the_environment_refuse_missing_and_weak_passwords():
    from estate_common import secrets_policy
    environ = {broker_users.password_env(c): secrets.token_urlsafe(24) for c in broker_users.COMPONENTS}
    environ["RABBITMQ_PASSWORD"] = secrets.token_urlsafe(24)
    document = broker_users.from_environment(environ, vhost="estate-ops")
    names = {u["name"] for u in document["users"]}
    assert names == {"estate-admin", *(f"estate-{c}" for c in broker_users.COMPONENTS)}
    with_autoscaler = broker_users.from_environment({**environ, "RABBITMQ_PASSWORD_AUTOSCALER": secrets.token_urlsafe(24)})
    assert {u["name"] for u in with_autoscaler["users"]} == names | {"estate-autoscaler"}
    assert all(p["vhost"] == "estate-ops" for p in document["permissions"])
    assert "password" not in json.dumps(document).replace("password_hash", "")
    for weak in ("", "CHANGE-ME-PLEASE-NOW", "short", "long-enough-but-has@and:"):
        with pytest.raises(secrets_policy.InsecureSecret, match="RABBITMQ_PASSWORD_ARCHIVE"):
            broker_users.from_environment({**environ, "RABBITMQ_PASSWORD_ARCHIVE": weak})


def test_integrations_reads_every_services_events_into_its_own_queues_and_publishes_none():
    """The webhooks' service consumes the public events of all the others (a queue per type),
    and may neither publish to their exchanges nor read another service's queues."""
    perms = broker_users.permissions("integrations")
    own = "evt-maintenance-work_order_created--integrations.on_maintenance__work_order_created"
    assert _matches(perms["read"], own) and _matches(perms["configure"], own)
    assert all(_matches(perms["read"], f"{s}.events") for s in topology.SERVICES if s != "integrations")
    assert not any(_matches(perms["write"], f"{s}.events") for s in topology.SERVICES if s != "integrations")
    assert not _matches(perms["read"], "evt-maintenance-work_order_created--archive.record_work_order")
    assert not _matches(perms["read"], "rpc-archive")
    (rpc,) = broker_users.topic_permissions("gateway")
    assert _matches(rpc["write"], "integrations.create_webhook")


def _event_queues():
    """``(service, queue name, entrypoint)`` of every event consumer of every service, the queue
    named as nameko names it (``evt-<source>-<type>--<service>.<method>``)."""
    import importlib

    from nameko.events import EventHandler
    found = []
    for service, spec in topology.SERVICES.items():
        module, name = spec.split(":")
        cls = getattr(importlib.import_module(module), name)
        for method in dir(cls):
            for entrypoint in getattr(getattr(cls, method, None), "nameko_entrypoints", ()):
                if isinstance(entrypoint, EventHandler):
                    found.append((service, f"evt-{entrypoint.source_service}-{entrypoint.event_type}--{service}."
                                           f"{method}", entrypoint))
    return found


def test_every_event_queue_of_every_service_is_its_users_alone_and_dead_lettered():
    """Each consumer a service declares (work_order_appointed's in customer service, work_order_overdue's in
    archive, every webhook type's in integrations...) is estate_common's (a quorum queue with a delivery limit
    and the service's dead-letter exchange: ``EventConsumer``), and its queue is one its own broker user may
    declare, bind and consume, and no other component's: a consumer of nameko's own, or a queue its user's
    regexes did not match, would start unprotected or be refused (ACCESS_REFUSED) only once deployed."""
    from estate_common.nameko import dead_letters
    from estate_common.nameko.entrypoints import EventConsumer
    queues = _event_queues()
    assert {"evt-maintenance-work_order_appointed--customer_service.on_work_order_appointed",
            "evt-maintenance-work_order_overdue--archive.record_overdue_work_order"} <= {q for _, q, _ in queues}
    for service, queue, entrypoint in queues:
        assert isinstance(entrypoint, EventConsumer), f"{queue}: not estate_common's consumer (no quorum, no dead letters)"
        own = broker_users.permissions(service)
        assert all(_matches(own[kind], queue) for kind in ("configure", "write", "read")), queue
        for other in broker_users.USERS:
            if other != service:
                assert not _matches(broker_users.permissions(other)["read"], queue), (other, queue)
    deployed = {"EVENT_QUEUE_TYPE": "quorum", "EVENT_DELIVERY_LIMIT": 5}  # what a deployment runs with
    assert dead_letters.queue_arguments("archive", deployed) == {
        "x-queue-type": "quorum", "x-delivery-limit": 5, "x-dead-letter-exchange": "archive.dead-letters"}
