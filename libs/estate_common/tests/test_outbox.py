"""The outbox on a real broker: the relay publishes off the request path with confirms and
``mandatory``, a returned event stays until a queue is bound, and the indexed sweep recovers
what a crash or a return left behind."""
from datetime import timedelta

import eventlet
import eventlet.event
import pytest
from kombu import Connection, Exchange, Queue
from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from nameko.testing.utils import get_extension

from kombu import Connection, Exchange, Queue

from estate_common import clock, outbox_store, store
from estate_common.nameko import outbox as outbox_module
from estate_common.nameko.database import Database
from estate_common.nameko.outbox import Outbox, make_event
from estate_common.nameko.relay import Relay
from estate_common.testing import drain_outbox

pytestmark = pytest.mark.broker

RECEIVED = []


def estate_data(estate_id, version=1):
    return {"id": estate_id, "estate_id": estate_id, "code": f"C-{estate_id}", "name": "Green Court",
            "address": "1 Road", "version": version}


class ArchiveLike:
    """Just enough of archive to own a store and an outbox (no ServiceBase: no sweep timer)."""

    name = "archive"
    indexes = {}
    outbox_collections = ("estates",)

    db = Database()
    outbox = Outbox()

    @rpc
    def create(self, estate_id):
        doc = {"_id": estate_id, "estate_id": estate_id, "created_at": clock.now_iso(),
               "_outbox": [self.outbox.event("estate_created", estate_id, estate_data(estate_id))]}
        self.db.estates.insert_one(doc)
        self.outbox.publish(self.db.estates, doc)
        return doc["_outbox"][0]["event_id"]

    @rpc
    def sweep(self):
        return self.outbox.sweep(self.db)


class Listener:
    name = "listener"

    @event_handler("archive", "estate_created")
    def handle(self, event):
        RECEIVED.append(event)


@pytest.fixture
def running(container_factory, rabbit_config):
    RECEIVED.clear()
    archive = container_factory(ArchiveLike, rabbit_config)
    listener = container_factory(Listener, rabbit_config)
    listener.start()
    archive.start()
    yield archive, listener
    RECEIVED.clear()


def _db(container):
    return get_extension(container, Database).db


def _relay(container):
    return get_extension(container, Outbox).relay


def test_publish_delivers_once_and_empties_the_outbox(running):
    archive, listener = running
    with entrypoint_waiter(listener, "handle", timeout=10):
        with entrypoint_hook(archive, "create") as create:
            event_id = create("est_1")
    drain_outbox(archive)
    eventlet.sleep(0.3)  # a second delivery would arrive by now
    assert [e["event_id"] for e in RECEIVED] == [event_id]
    event = RECEIVED[0]
    assert event["event_type"] == "estate_created"
    assert event["source"] == "archive"
    assert event["estate_id"] == "est_1"
    assert event["data"] == estate_data("est_1")
    assert _db(archive).estates.find_one({"_id": "est_1"})["_outbox"] == []


def test_event_is_checked_against_its_contract_when_made(running):
    archive, _ = running
    from estate_common.errors import ContractViolation

    with entrypoint_hook(archive, "create") as create:
        with pytest.raises(ContractViolation):
            create("bad id with spaces")  # not an id: the event breaks its contract
    assert _db(archive).estates.count_documents({}) == 0


def _stored(db, estate_id, event):
    db.estates.insert_one({"_id": estate_id, "estate_id": estate_id, "_outbox": [event]})


def test_sweep_publishes_what_a_crash_left_behind_and_only_that(running):
    archive, listener = running
    db = _db(archive)
    clock.freeze(clock.now() - timedelta(seconds=outbox_module.SWEEP_SECONDS * 5))
    stale = make_event("archive", "estate_created", "est_old", estate_data("est_old"))
    clock.reset()
    fresh = make_event("archive", "estate_created", "est_new", estate_data("est_new"))
    _stored(db, "est_old", stale)  # written, then the process died before publishing
    _stored(db, "est_new", fresh)  # written just now: its own publish is still on the way
    db.counters.insert_one({"_id": "est_old:SR", "value": 1,
                            "_outbox": [dict(stale, event_id="f" * 32)]})  # never swept

    with entrypoint_waiter(listener, "handle", timeout=10):
        with entrypoint_hook(archive, "sweep") as sweep:
            assert sweep() == 1
    drain_outbox(archive)
    eventlet.sleep(0.5)
    assert [e["event_id"] for e in RECEIVED] == [stale["event_id"]]
    assert RECEIVED[0] == stale
    assert db.estates.find_one({"_id": "est_old"})["_outbox"] == []
    assert [e["event_id"] for e in db.estates.find_one({"_id": "est_new"})["_outbox"]] == [fresh["event_id"]]

    # nothing is left to sweep: a second sweep publishes nothing
    with entrypoint_hook(archive, "sweep") as sweep:
        assert sweep() == 0
    eventlet.sleep(0.3)
    assert len(RECEIVED) == 1


def test_sweep_publishes_a_fresh_event_once_it_is_old_enough(running):
    archive, listener = running
    db = _db(archive)
    event = make_event("archive", "estate_created", "est_2", estate_data("est_2"))
    _stored(db, "est_2", event)
    with entrypoint_hook(archive, "sweep") as sweep:
        assert sweep() == 0
    clock.advance(timedelta(seconds=outbox_module.SWEEP_SECONDS + 0.5))
    with entrypoint_waiter(listener, "handle", timeout=10):
        with entrypoint_hook(archive, "sweep") as sweep:
            assert sweep() == 1
    drain_outbox(archive)
    assert [e["event_id"] for e in RECEIVED] == [event["event_id"]]
    assert db.estates.find_one({"_id": "est_2"})["_outbox"] == []


def test_the_create_answers_without_waiting_for_the_relay(running):
    archive, listener = running
    relay = _relay(archive)
    relay.pause()  # as if the broker took its time to confirm
    try:
        with entrypoint_hook(archive, "create") as create:
            with eventlet.Timeout(5):
                event_id = create("est_1")  # answers while the relay holds the event
        eventlet.sleep(0.3)
        assert RECEIVED == []
        assert [e["event_id"] for e in _db(archive).estates.find_one({"_id": "est_1"})["_outbox"]] == [event_id]
    finally:
        with entrypoint_waiter(listener, "handle", timeout=10):
            relay.resume()
    relay.drain()
    assert [e["event_id"] for e in RECEIVED] == [event_id]
    assert _db(archive).estates.find_one({"_id": "est_1"})["_outbox"] == []


class Unheard:
    """A producer whose event type nobody has bound a queue for yet."""

    name = "archive"
    indexes = {}
    outbox_collections = ("estates",)

    db = Database()
    outbox = Outbox()

    @rpc
    def create(self, estate_id):
        return ArchiveLike.create(self, estate_id)

    @rpc
    def sweep(self):
        return self.outbox.sweep(self.db)


def test_a_returned_event_stays_in_the_outbox_until_a_queue_is_bound(container_factory, rabbit_config, caplog):
    RECEIVED.clear()
    archive = container_factory(Unheard, rabbit_config)
    archive.start()
    db = _db(archive)
    with entrypoint_hook(archive, "create") as create:
        event_id = create("est_1")
    drain_outbox(archive)
    assert [e["event_id"] for e in db.estates.find_one({"_id": "est_1"})["_outbox"]] == [event_id]
    assert any("stays in the outbox" in r.getMessage() and "returned" in r.getMessage()
               for r in caplog.records)

    listener = container_factory(Listener, rabbit_config)
    listener.start()  # its queue is bound now
    clock.advance(timedelta(seconds=outbox_module.SWEEP_SECONDS + 0.5))
    with entrypoint_waiter(listener, "handle", timeout=10):
        with entrypoint_hook(archive, "sweep") as sweep:
            assert sweep() == 1
    drain_outbox(archive)
    assert [e["event_id"] for e in RECEIVED] == [event_id]
    assert db.estates.find_one({"_id": "est_1"})["_outbox"] == []
    RECEIVED.clear()


def test_the_outbox_collections_get_the_partial_outbox_index(running):
    archive, _ = running
    info = _db(archive).estates.index_information()[outbox_store.INDEX_NAME]
    assert info["key"] == [("_outbox.occurred_at", 1), ("estate_id", 1)]
    assert info["partialFilterExpression"] == {"_outbox.occurred_at": {"$exists": True}}
    assert "counters" not in outbox_store.collections(ArchiveLike)


def test_outbox_collections_default_to_the_indexed_ones_but_bookkeeping():
    class Service:
        indexes = {"bills": [], "settings": [], "jobs": [], "estates": []}

    assert outbox_store.collections(Service) == ("bills", "estates")
    Service.outbox_collections = ["bills"]
    assert outbox_store.collections(Service) == ("bills",)


def test_a_batch_pulls_off_what_the_broker_confirmed_and_keeps_what_it_returned(rabbit_config, caplog):
    """One batch on a real broker: the confirms of several events read together, one of them
    returned (nothing is bound to its type): each document loses exactly its confirmed events."""
    exchange = Exchange("archive.events", type="topic", durable=True)
    bound = Queue("test-batch-estate_created", exchange=exchange, routing_key="estate_created", auto_delete=True)
    db = store.connect("test_batch")
    docs = []
    for number in range(4):
        estate_id = f"est_b{number}"
        kind = "estate_updated" if number == 2 else "estate_created"  # no queue takes estate_updated here
        docs.append({"_id": estate_id, "estate_id": estate_id,
                     "_outbox": [make_event("archive", kind, estate_id, estate_data(estate_id))]})
        db.estates.insert_one(dict(docs[-1]))
    relay = Relay(rabbit_config["AMQP_URI"], "archive.events")
    batches = []
    publish = relay._publish
    relay._publish = lambda events, publisher: batches.append(len(events)) or publish(events, publisher)
    with Connection(rabbit_config["AMQP_URI"]) as connection:
        channel = connection.channel()
        exchange(channel).declare()
        bound(channel).declare()
        relay.start()
        for doc in docs:
            relay.submit(db.estates, doc)  # queued: the relay takes them all once this greenthread yields
        relay.drain()
        relay.stop()
        delivered = []
        while (message := bound(channel).get(no_ack=True)) is not None:
            delivered.append(message.payload["estate_id"])
        bound(channel).delete()
    assert batches == [4]
    assert sorted(delivered) == ["est_b0", "est_b1", "est_b3"]
    left = {doc["_id"]: [e["event_type"] for e in db.estates.find_one({"_id": doc["_id"]})["_outbox"]] for doc in docs}
    assert left == {"est_b0": [], "est_b1": [], "est_b2": ["estate_updated"], "est_b3": []}
    assert any("stays in the outbox" in r.getMessage() and "returned" in r.getMessage() for r in caplog.records)


def test_a_document_s_second_event_reaches_its_queue_after_the_first_retried_on_a_new_connection(rabbit_config):
    """Two publishers: the first event of a record goes out on a connection the broker dropped
    (a restart), fails and goes out again on a new one; the record's second event, written
    meanwhile, comes after it (handed over while the other publisher was idle, it went out at
    once and was consumed first: version 2, then 1)."""
    exchange = Exchange("archive.events", type="topic", durable=True)
    bound = Queue("test-order-estate_updated", exchange=exchange, routing_key="estate_updated", auto_delete=True)
    db = store.connect("test_order")
    first = make_event("archive", "estate_updated", "est_o1", estate_data("est_o1", version=1))
    second = make_event("archive", "estate_updated", "est_o1", estate_data("est_o1", version=2))
    relay = Relay(rabbit_config["AMQP_URI"], "archive.events", publishers=2)
    lost, sent = eventlet.event.Event(), []
    for publisher in relay.publishers:
        def send(events, spans, publisher=publisher, send=publisher._send):
            if first["event_id"] in (event["event_id"] for event in events) and not lost.ready():
                lost.wait()  # the first event's publish meets the dropped connection
                raise OSError("connection reset by peer")
            sent.extend(event["event_id"] for event in events)
            return send(events, spans)
        publisher._send = send
    with Connection(rabbit_config["AMQP_URI"]) as connection:
        channel = connection.channel()
        exchange(channel).declare()
        bound(channel).declare()
        relay.start()
        eventlet.sleep(0)  # both publishers wait for work
        db.estates.insert_one({"_id": "est_o1", "estate_id": "est_o1", "_outbox": [first]})
        relay.submit(db.estates, db.estates.find_one({"_id": "est_o1"}), send_now=True)
        db.estates.update_one({"_id": "est_o1"}, {"$push": {"_outbox": second}})
        relay.submit(db.estates, db.estates.find_one({"_id": "est_o1"}), send_now=True)
        with eventlet.Timeout(10):  # the second sent, or waiting behind the first (no followers before r2)
            while second["event_id"] not in sent and not any(
                    getattr(publisher, "followers", None) and publisher.followers.qsize()
                    for publisher in relay.publishers):
                eventlet.sleep(0.01)
        lost.send()
        relay.drain()
        relay.stop()
        delivered = []
        while (message := bound(channel).get(no_ack=True)) is not None:
            delivered.append(message.payload["data"]["version"])
        bound(channel).delete()
    assert delivered == [1, 2]
    assert db.estates.find_one({"_id": "est_o1"})["_outbox"] == []  # both pulled off
