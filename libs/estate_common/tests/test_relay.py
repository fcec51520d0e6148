"""The relay without a broker: what it cannot publish stays in the outbox, and it never queues
an event twice (the sweep may find an event the relay still holds)."""
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
