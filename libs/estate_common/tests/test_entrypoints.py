"""``consumes`` on a real broker: redelivery after an error, the delivery limit and the dead-letter
queue, contract breakers dead-lettered, and the tolerant reader."""
import json
import time

import eventlet
import pytest
from kombu import Connection
from nameko.extensions import DependencyProvider
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from estate_common.nameko import entrypoints
from estate_common.nameko.entrypoints import consumes
from estate_common.nameko.outbox import make_event

pytestmark = pytest.mark.broker

ATTEMPTS = []   # every time the handler body ran
APPLIED = []    # every time it ran to the end
WORKERS = []    # every worker the entrypoint started (body run or not)


class CountWorkers(DependencyProvider):
    def worker_setup(self, worker_ctx):
        WORKERS.append(worker_ctx.entrypoint.method_name)


class Copier:
    name = "copier"

    workers = CountWorkers()

    @consumes("archive", "estate_created")
    def copy_estate(self, event):
        ATTEMPTS.append(event["event_id"])
        if event["data"]["name"] == "flaky" and ATTEMPTS.count(event["event_id"]) == 1:
            raise RuntimeError("store briefly unavailable")
        if event["data"]["name"] == "doomed":
            raise RuntimeError("this handler cannot apply it")
        APPLIED.append(event["event_id"])


def estate_event(estate_id, name="Green Court"):
    return make_event("archive", "estate_created", estate_id, {
        "id": estate_id, "estate_id": estate_id, "code": "GC-01", "name": name,
        "address": "1 Road", "version": 1,
    }, request_id="req-1", actor="admin")


@pytest.fixture
def copier(container_factory, rabbit_config, monkeypatch):
    monkeypatch.setattr(entrypoints, "RETRY_PAUSE_SECONDS", 0.2)
    for kept in (ATTEMPTS, APPLIED, WORKERS):
        kept.clear()
    container = container_factory(Copier, dict(rabbit_config, EVENT_DELIVERY_LIMIT=2, EVENT_QUEUE_TYPE="quorum"))
    container.start()
    yield container
    for kept in (ATTEMPTS, APPLIED, WORKERS):
        kept.clear()


@pytest.fixture
def dispatch(amqp_uri):
    return event_dispatcher({"AMQP_URI": amqp_uri})


def _succeeded(worker_ctx, result, exc_info):
    return exc_info is None


def test_a_valid_event_is_applied_once(copier, dispatch):
    event = estate_event("est_1")
    with entrypoint_waiter(copier, "copy_estate", timeout=10):
        dispatch("archive", "estate_created", event)
    eventlet.sleep(0.3)
    assert APPLIED == [event["event_id"]]
    assert WORKERS == ["copy_estate"]


def test_a_handler_that_raises_gets_the_event_again_and_applies_it_once(copier, dispatch):
    event = estate_event("est_1", name="flaky")
    with entrypoint_waiter(copier, "copy_estate", timeout=10, callback=_succeeded):
        dispatch("archive", "estate_created", event)
    eventlet.sleep(0.5)  # no further redelivery once it succeeded
    assert ATTEMPTS == [event["event_id"], event["event_id"]]
    assert APPLIED == [event["event_id"]]
    assert WORKERS == ["copy_estate", "copy_estate"]


def dead_letters(amqp_uri, wait_for=0, seconds=20):
    """The messages in ``copier.dead-letters`` (read and left there), once there are ``wait_for``."""
    deadline = time.monotonic() + seconds
    while True:
        with Connection(amqp_uri) as connection:
            channel = connection.channel()
            found = []
            while True:
                message = channel.basic_get("copier.dead-letters", no_ack=False)
                if message is None:
                    break
                found.append(message)
            if len(found) >= wait_for or time.monotonic() > deadline:
                # closing the channel requeues them
                return [(m.properties.get("application_headers") or {}, json.loads(m.body)) for m in found]
        eventlet.sleep(0.2)


def test_a_handler_that_keeps_failing_ends_in_the_dead_letter_queue_after_the_limit(copier, dispatch, amqp_uri):
    event = estate_event("est_1", name="doomed")
    dispatch("archive", "estate_created", event)
    (headers, payload), = dead_letters(amqp_uri, wait_for=1)
    assert payload == event
    death = headers["x-death"][0]
    assert death["reason"] == "delivery_limit"
    assert death["queue"] == "evt-archive-estate_created--copier.copy_estate"
    eventlet.sleep(0.5)
    assert 2 <= len(ATTEMPTS) <= 3    # the limit (2) of redeliveries, then no more
    assert APPLIED == []


def test_an_event_that_breaks_its_contract_is_dead_lettered_without_a_requeue_loop(
        copier, dispatch, amqp_uri, caplog):
    broken = estate_event("est_1")
    del broken["data"]
    wrong_data = estate_event("est_2")
    wrong_data["data"]["version"] = 0
    good = estate_event("est_3")

    def is_good(worker_ctx, result, exc_info):
        return len(WORKERS) >= 3

    with entrypoint_waiter(copier, "copy_estate", timeout=10, callback=is_good) as waited:
        dispatch("archive", "estate_created", broken)
        dispatch("archive", "estate_created", wrong_data)
        dispatch("archive", "estate_created", good)
    eventlet.sleep(0.5)
    assert waited.get() is None
    assert ATTEMPTS == [good["event_id"]]   # the body never saw the broken ones
    assert APPLIED == [good["event_id"]]
    assert WORKERS == ["copy_estate"] * 3    # each broken event was delivered once, then rejected
    dead = dead_letters(amqp_uri, wait_for=2)
    assert sorted(p["event_id"] for _, p in dead) == sorted([broken["event_id"], wrong_data["event_id"]])
    assert {h["x-death"][0]["reason"] for h, _ in dead} == {"rejected"}
    logged = [r.getMessage() for r in caplog.records if "breaks its contract" in r.getMessage()]
    assert len(logged) == 2
    assert any("data: is required" in message for message in logged)
    assert any("data.version: is invalid" in message for message in logged)


def test_an_event_from_a_newer_producer_with_fields_we_do_not_know_is_applied(copier, dispatch, amqp_uri):
    newer = estate_event("est_1")
    newer["schema_version"] = 2                   # a new envelope field
    newer["data"]["timezone"] = "Asia/Shanghai"   # a new data field
    with entrypoint_waiter(copier, "copy_estate", timeout=10):
        dispatch("archive", "estate_created", newer)
    assert APPLIED == [newer["event_id"]]
    assert dead_letters(amqp_uri) == []


def test_the_tolerant_view_still_checks_the_fields_it_knows():
    from estate_common import contracts

    book = contracts.load()
    event = estate_event("est_1")
    event["data"]["extra"] = 1
    ref = "events/archive/estate_created.json"
    assert [e["field"] for e in book.errors(ref, event)] == ["data.extra"]   # producers: strict
    assert book.tolerant_errors(ref, event) == []
    event["data"]["version"] = "one"
    assert [e["field"] for e in book.tolerant_errors(ref, event)] == ["data.version"]


def test_an_event_whose_body_cannot_be_decoded_is_dead_lettered_and_its_body_not_logged(
        copier, dispatch, amqp_uri, caplog):
    """kombu's default acked it: the event was lost but for a log line holding its raw body."""
    from kombu import Exchange, Producer
    good = estate_event("est_9")
    # with confirms: a publish not confirmed before its connection closes may be lost (in CI the
    # second one never came, and the test waited 20 s for it)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel(), exchange=Exchange("archive.events", type="topic"))
        producer.publish(b'{"event_id": "truncated", "phone": "13800138000"', routing_key="estate_created",
                         content_type="application/json", content_encoding="utf-8", delivery_mode=2)
        producer.publish(b"13800138000", routing_key="estate_created", content_type="text/plain",
                         content_encoding="utf-8", delivery_mode=2)
    with entrypoint_waiter(copier, "copy_estate", timeout=10):
        dispatch("archive", "estate_created", good)
    assert APPLIED == [good["event_id"]]
    deadline = time.monotonic() + 20
    while True:
        with Connection(amqp_uri) as connection:
            channel = connection.channel()
            bodies = []
            while (message := channel.basic_get("copier.dead-letters", no_ack=False)) is not None:
                bodies.append((message.body, (message.properties.get("application_headers") or {})))
        if len(bodies) >= 2 or time.monotonic() > deadline:
            break
        eventlet.sleep(0.2)
    assert sorted(body if isinstance(body, str) else body.decode() for body, _ in bodies) == [
        "13800138000", '{"event_id": "truncated", "phone": "13800138000"']
    assert {headers["x-death"][0]["reason"] for _, headers in bodies} == {"rejected"}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "could not be decoded" in logged and "13800138000" not in logged
