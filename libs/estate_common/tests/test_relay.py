"""The relay without a broker: what it cannot publish stays in the outbox, and it never queues
an event twice (the sweep may find an event the relay still holds)."""
import eventlet.event

from estate_common.nameko.outbox import make_event
from estate_common.nameko.relay import Relay

UNREACHABLE = "amqp://guest:guest@127.0.0.1:1/"  # nothing listens on port 1


class Collection:
    """Records the relay's writes (the pull of published events)."""

    def __init__(self):
        self.updates = []

    def update_one(self, query, update):
        self.updates.append((query, update))


def stored():
    event = make_event("archive", "estate_created", "est_1", {"id": "est_1"})
    return Collection(), {"_id": "est_1", "estate_id": "est_1", "_outbox": [event]}, event


def test_an_unconfirmed_event_stays_in_the_outbox_with_a_warning(caplog):
    collection, doc, event = stored()
    relay = Relay(UNREACHABLE, "archive.events", confirm_timeout=1)
    relay.start()
    try:
        assert relay.submit(collection, doc) == 1
        relay.drain()
    finally:
        relay.stop()
    assert collection.updates == []  # nothing pulled off: the event stays in the outbox
    warned = [r.getMessage() for r in caplog.records if "stays in the outbox" in r.getMessage()]
    assert len(warned) == 1 and "not confirmed" in warned[0] and event["event_id"] in warned[0]
    assert relay.submit(collection, doc) == 1  # given up on: the next sweep may hand it over again


def test_an_event_the_relay_holds_is_not_queued_twice():
    collection, doc, _ = stored()
    relay = Relay(UNREACHABLE, "archive.events", confirm_timeout=1)
    relay.pause()
    relay.start()
    try:
        assert relay.submit(collection, doc) == 1
        assert relay.submit(collection, doc) == 0  # the sweep found it while it waits
    finally:
        relay.kill()


class ConfirmHeld:
    """The relay's publishing, recorded, each publish then waiting for a confirm the test gives."""

    def __init__(self, relay):
        self.sent, self.confirm = [], eventlet.event.Event()
        relay._publish_once = self.publish_once

    def publish_once(self, event):
        self.sent.append(event["event_id"])
        self.confirm.wait()  # the confirm's wait: the relay yields back to the workers
        return None


def test_send_now_lets_an_idle_relay_send_before_the_worker_answers():
    relay = Relay(UNREACHABLE, "archive.events")
    held = ConfirmHeld(relay)
    relay.start()
    try:
        eventlet.sleep(0)  # the relay waits for work
        (first_collection, first, first_event), (second_collection, second, second_event) = stored(), stored()
        assert relay.submit(first_collection, first, send_now=True) == 1
        assert held.sent == [first_event["event_id"]]  # out before the worker went on
        assert relay.submit(second_collection, second, send_now=True) == 1
        assert held.sent == [first_event["event_id"]]  # busy with a confirm: the worker does not wait
        held.confirm.send()
        relay.drain()
        assert held.sent == [first_event["event_id"], second_event["event_id"]]
        assert len(first_collection.updates) == len(second_collection.updates) == 1  # both pulled off
    finally:
        relay.stop()


def test_without_send_now_the_relay_sends_once_the_worker_yields():
    relay = Relay(UNREACHABLE, "archive.events")
    held = ConfirmHeld(relay)
    held.confirm.send()
    relay.start()
    try:
        eventlet.sleep(0)
        collection, doc, event = stored()
        assert relay.submit(collection, doc) == 1
        assert held.sent == []  # queued; the worker goes on (a sweep hands over many documents)
        eventlet.sleep(0)
        assert held.sent == [event["event_id"]]
    finally:
        relay.stop()
