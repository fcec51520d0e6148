"""The relay without a broker: what it cannot publish stays in the outbox, it never queues
an event twice (the sweep may find an event the relay still holds), an event handed over while a
publisher waits for confirms goes out at once by another (after its document's events a publisher
holds, by that one), and what workers hand over while every publisher waits goes out as one batch."""
import contextlib

import eventlet.event

from estate_common.nameko.outbox import make_event
from estate_common.nameko import relay as relay_module
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
    """The relay's publishing, recorded (``sent``, and ``batches`` of event ids), each batch then
    waiting for confirms the test gives (``confirm.send()``)."""

    def __init__(self, relay):
        self.sent, self.batches, self.confirm = [], [], eventlet.event.Event()
        relay._publish_batch = self.publish_batch

    def publish_batch(self, publisher, events, spans):
        assert set(spans) == {event["event_id"] for event in events}  # each event has its span
        self.sent.extend(event["event_id"] for event in events)
        self.batches.append([event["event_id"] for event in events])
        self.confirm.wait()  # the confirms' wait: the relay yields back to the workers
        return {event["event_id"]: None for event in events}


@contextlib.contextmanager
def held_relay(confirmed=False, publishers=1):
    """A started relay whose publishing ``ConfirmHeld`` records, waiting for work; its confirms
    already given when ``confirmed``."""
    relay = Relay(UNREACHABLE, "archive.events", publishers=publishers)
    held = ConfirmHeld(relay)
    if confirmed:
        held.confirm.send()
    relay.start()
    try:
        eventlet.sleep(0)  # the relay waits for work
        yield relay, held
    finally:
        relay.stop()


def test_send_now_lets_an_idle_relay_send_before_the_worker_answers():
    with held_relay() as (relay, held):
        (first_collection, first, first_event), (second_collection, second, second_event) = stored(), stored()
        assert relay.submit(first_collection, first, send_now=True) == 1
        assert held.sent == [first_event["event_id"]]  # out before the worker went on
        assert relay.submit(second_collection, second, send_now=True) == 1
        assert held.sent == [first_event["event_id"]]  # busy with a confirm: the worker does not wait
        held.confirm.send()
        relay.drain()
        assert held.sent == [first_event["event_id"], second_event["event_id"]]
        assert len(first_collection.updates) == len(second_collection.updates) == 1  # both pulled off


def test_an_event_handed_over_while_a_publisher_awaits_a_confirm_goes_out_at_once_by_another():
    """Back-to-back creates: the next create's event was written while the previous event's
    confirm was awaited (a quorum queue's write to disk), and waited for it and its pull before
    it was sent: 73 of 1,061 events in a bench run on a loaded host, 6 of its 10 longest lags."""
    with held_relay(publishers=2) as (relay, held):
        first, second, third = stored(), stored(), stored()
        assert relay.submit(first[0], first[1], send_now=True) == 1
        assert relay.submit(second[0], second[1], send_now=True) == 1
        assert held.sent == [first[2]["event_id"], second[2]["event_id"]]  # both out before their workers went on
        assert relay.submit(third[0], third[1], send_now=True) == 1
        assert held.sent == [first[2]["event_id"], second[2]["event_id"]]  # every publisher busy: queued
        held.confirm.send()
        relay.drain()
        assert held.sent == [first[2]["event_id"], second[2]["event_id"], third[2]["event_id"]]
        assert all(len(collection.updates) == 1 for collection, _, _ in (first, second, third))  # each pulled off


def test_a_document_s_next_event_waits_for_the_publisher_holding_its_previous_one_another_goes_at_once():
    """Two publishers keep a document's events in the order they were written (a status changed
    twice, a record revised twice: one queue per event type, delivered as published), as one did:
    its next event waits for the publisher still holding its previous one, retried on a new
    connection after a broker restart, while another document's event goes out at once."""
    with held_relay(publishers=2) as (relay, held):
        collection, doc, first = stored()
        assert relay.submit(collection, doc, send_now=True) == 1
        second = make_event("archive", "estate_created", "est_1", {"id": "est_1"})
        rewritten = {**doc, "_outbox": [first, second]}  # written again before the first was confirmed
        assert relay.submit(collection, rewritten, send_now=True) == 1
        other_collection, other, other_event = stored()
        assert relay.submit(other_collection, other, send_now=True) == 1
        eventlet.sleep(0)
        assert held.sent == [first["event_id"], other_event["event_id"]]  # not the second: its document's first is held
        held.confirm.send()
        relay.drain()
        assert held.sent == [first["event_id"], other_event["event_id"], second["event_id"]]
        assert len(collection.updates) == 2 and len(other_collection.updates) == 1  # each pulled off


def test_without_send_now_the_relay_sends_once_the_worker_yields():
    with held_relay(confirmed=True) as (relay, held):
        collection, doc, event = stored()
        assert relay.submit(collection, doc) == 1
        assert held.sent == []  # queued; the worker goes on (a sweep hands over many documents)
        eventlet.sleep(0)
        assert held.sent == [event["event_id"]]


def test_what_is_handed_over_while_every_publisher_awaits_confirms_goes_out_as_one_batch():
    with held_relay() as (relay, held):
        first = stored()
        relay.submit(first[0], first[1], send_now=True)  # out at once, its confirm awaited
        later = [stored() for _ in range(5)]
        for collection, doc, _ in later:
            assert relay.submit(collection, doc, send_now=True) == 1  # busy: queued, the worker goes on
        held.confirm.send()
        relay.drain()
        assert held.batches == [[first[2]["event_id"]], [event["event_id"] for _, _, event in later]]
        for collection, doc, event in [first, *later]:  # each document's own event pulled off it
            assert collection.updates == [({"_id": doc["_id"], "estate_id": "est_1"},
                                           {"$pull": {"_outbox": {"event_id": {"$in": [event["event_id"]]}}}})]


def test_a_batch_holds_at_most_batch_events(monkeypatch):
    monkeypatch.setattr(relay_module, "BATCH_EVENTS", 3)
    with held_relay(confirmed=True) as (relay, held):
        for collection, doc, _ in [stored() for _ in range(7)]:
            relay.submit(collection, doc)  # queued: the relay runs once this greenthread yields
        relay.drain()
        assert [len(batch) for batch in held.batches] == [3, 3, 1]


def test_one_confirm_of_many_publishes_settles_each_by_its_own_outcome():
    """The broker may confirm several publishes with one ``basic.ack`` (``multiple``); one of
    them returned first (not routed) does not make the others count as returned."""
    publisher = Relay(UNREACHABLE, "archive.events").publishers[0]
    publisher._settled = {}
    publisher._unconfirmed = {1: "evt_a", 2: "evt_b", 3: "evt_c", 4: "evt_d"}
    publisher._returned = {"evt_b": "NO_ROUTE"}
    publisher._on_ack(3, True)
    assert publisher._settled == {"evt_a": None,
                                  "evt_b": "returned by the broker (NO_ROUTE): no queue is bound for it yet",
                                  "evt_c": None}
    assert publisher._unconfirmed == {4: "evt_d"}  # still awaited
    publisher._on_nack(4, False)
    assert publisher._settled["evt_d"] == "not confirmed (the broker nacked it)"


def test_an_rpc_workers_events_leave_before_its_reply():
    """The outbox hands a call's events to an idle relay that sends them before the worker goes on
    to its reply (``send_now``). Sending them after the reply instead (before the ack) was measured
    in session 55 (docs/benchmark-history.md): the event's lag p50 went from 4–5 to 7–8 ms, the
    next create's work competing with it, for no create p50 the noise could show."""
    from types import SimpleNamespace

    from estate_common.nameko.entrypoints import ReplyingRpc
    from estate_common.nameko.outbox import OutboxHandle

    with held_relay(confirmed=True) as (relay, held):
        collection, doc, event = stored()
        worker_ctx = SimpleNamespace(entrypoint=ReplyingRpc.__new__(ReplyingRpc), context_data={})  # an RPC's worker
        OutboxHandle(SimpleNamespace(relay=relay, service_name="customer_service"), worker_ctx).publish(collection, doc)
        assert held.sent == [event["event_id"]]  # out before the worker returns to answer
        relay.drain()
        assert len(collection.updates) == 1
