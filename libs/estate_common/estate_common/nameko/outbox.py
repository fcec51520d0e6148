"""The outbox: an event is stored inside the document whose write it announces.

``_outbox`` is an array on the written document, so the write and its events
are one atomic single-document operation on MongoDB and on the embedded store
alike (no multi-document transaction needed). Right after the write the
worker hands the document's pending events to the container's relay
(``relay.py``), lets an idle publisher of it send them, and answers without waiting
for the broker's confirm: the relay publishes them with
publisher confirms and ``mandatory`` set and pulls off what the broker
confirmed and routed. A timer sweeps, through an index, the outbox
collections for events older than ``OUTBOX_SWEEP_SECONDS`` (returned,
unconfirmed, or left by a crash) and hands them to the relay again. An event
can therefore be published twice, never lost: consumers dedupe by
``event_id`` or a natural ``_id``.

Storage of the outbox (index, sweep query, pull) is in ``outbox_store``.
"""
import logging
import uuid
from datetime import timedelta

from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange

from .. import clock, config, contracts, outbox_store, tracing
from .database import Database
from .relay import Relay

log = logging.getLogger(__name__)

SWEEP_SECONDS = config.env_float("OUTBOX_SWEEP_SECONDS", 10.0)
CONFIRM_TIMEOUT_SECONDS = config.env_float("OUTBOX_CONFIRM_TIMEOUT_SECONDS", 5.0)


def make_event(source, event_type, estate_id, data, request_id=None, actor=None):
    """The envelope every event carries; ``data`` is the event's own content. Within a trace
    it records the trace's context (``traceparent``), which its relay and consumers continue."""
    event = {
        "event_id": uuid.uuid4().hex,
        "event_type": event_type,
        "source": source,
        "occurred_at": clock.now_iso(),
        "estate_id": estate_id,
        "request_id": request_id,
        "actor": actor,
        "data": data,
    }
    traced = tracing.traceparent()
    if traced:
        event["traceparent"] = traced
    return event


class OutboxHandle:
    def __init__(self, provider, worker_ctx):
        self._provider = provider
        self._ctx = worker_ctx

    def event(self, event_type, estate_id, data, actor=None):
        """A new event for ``_outbox``, checked against its full contract now (producers are
        strict), not at publish time.

        ``actor``: who did it, where the worker has no caller (a background job acting for
        the user who started it)."""
        caller = self._ctx.context_data.get("caller") or {}
        event = make_event(self._provider.service_name, event_type, estate_id, data,
                           request_id=self._ctx.context_data.get("request_id"),
                           actor=actor or caller.get("user"))
        contracts.load().check_event(self._provider.service_name, event_type, event)
        return event

    def publish(self, collection, doc):
        """Hand the pending events of a document just written to the relay; returns once an idle
        relay has sent them (``Relay.submit``'s ``send_now``), never waiting for the confirm.

        ``doc`` is the document as written (at least ``_id`` and ``_outbox``): no read-back."""
        self._provider.relay.submit(collection, doc, send_now=True)

    def sweep(self, db):
        """Hand over again the events pending longer than the sweep interval (returned,
        unconfirmed, or left behind by a crash); returns how many documents had some."""
        return self._provider.sweep(db)

    def drain(self, timeout=10.0):
        """Wait until the relay has published (or given up on) everything handed over."""
        self._provider.relay.drain(timeout)


class Outbox(DependencyProvider):
    """The outbox of a service and its relay (``relay.PUBLISHERS`` greenthreads per container).

    The service class says which collections carry an outbox (``outbox_collections``, else
    derived from ``indexes``: see ``outbox_store.collections``); each gets the outbox index at
    start and only those are swept.

    A container stopped or killed before this was set up (another extension's setup failed, or
    it was made and dropped) has no relay to stop: ``stop`` and ``kill`` then do nothing, where
    they raised AttributeError beside the error that stopped the start."""

    relay = None  # made in setup

    def setup(self):
        self.service_name = self.container.service_name
        contracts.load()  # parsed at start (seconds on a busy host), not by the first request
        self.collections = outbox_store.collections(self.container.service_cls)
        exchange = get_event_exchange(self.service_name, self.container.config)
        self.relay = Relay(self.container.config[AMQP_URI_CONFIG_KEY], exchange.name,
                           confirm_timeout=CONFIRM_TIMEOUT_SECONDS, service=self.service_name)

    def start(self):
        db = self._db()
        if db is not None:
            outbox_store.ensure_indexes(db, self.collections)
        self.relay.start(spawn=lambda run: self.container.spawn_managed_thread(run, identifier="outbox_relay"))

    def stop(self):
        if self.relay is not None:
            self.relay.stop()

    def kill(self):
        if self.relay is not None:
            self.relay.kill()

    def _db(self):
        for extension in self.container.dependencies:
            if isinstance(extension, Database):
                return extension.db
        return None

    def sweep(self, db):
        cutoff = clock.to_iso(clock.now() - timedelta(seconds=SWEEP_SECONDS))
        documents = 0
        for name in self.collections:
            collection = outbox_store.collection(db, name)
            for doc in outbox_store.stale(db, name, cutoff):
                if self.relay.submit(collection, doc):
                    documents += 1
        if documents:
            log.warning("outbox sweep handed the relay the events of %d documents pending over %ss",
                        documents, SWEEP_SECONDS)
        return documents

    def get_dependency(self, worker_ctx):
        return OutboxHandle(self, worker_ctx)
