"""The outbox: an event is stored inside the document whose write it announces.

``_outbox`` is an array on the written document, so the write and its events
are one atomic single-document operation on MongoDB and on the embedded store
alike (no multi-document transaction needed). Right after the write the
service publishes the document's pending events (publisher confirms on) and
pulls them off; a timer sweeps documents whose events are older than
``OUTBOX_SWEEP_SECONDS``, which recovers anything a crash left behind. An
event can therefore be published twice, never lost: consumers dedupe by
``event_id`` or a natural ``_id``.
"""
import logging
import uuid
from datetime import timedelta

from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange

from .. import clock, config, contracts

log = logging.getLogger(__name__)

SWEEP_SECONDS = config.env_float("OUTBOX_SWEEP_SECONDS", 10.0)
SKIP_COLLECTIONS = {"counters", "inbox"}


def make_event(source, event_type, estate_id, data, request_id=None, actor=None):
    """The envelope every event carries; ``data`` is the event's own content."""
    return {
        "event_id": uuid.uuid4().hex,
        "event_type": event_type,
        "source": source,
        "occurred_at": clock.now_iso(),
        "estate_id": estate_id,
        "request_id": request_id,
        "actor": actor,
        "data": data,
    }


class OutboxHandle:
    def __init__(self, provider, worker_ctx):
        self._provider = provider
        self._ctx = worker_ctx

    def event(self, event_type, estate_id, data, actor=None):
        """A new event for ``_outbox``, checked against its contract now, not at publish time.

        ``actor``: who did it, where the worker has no caller (a background job acting for
        the user who started it)."""
        caller = self._ctx.context_data.get("caller") or {}
        event = make_event(self._provider.service_name, event_type, estate_id, data,
                           request_id=self._ctx.context_data.get("request_id"),
                           actor=actor or caller.get("user"))
        contracts.load().check_event(self._provider.service_name, event_type, event)
        return event

    def publish(self, collection, doc):
        """Publish the pending events of a document just written, then pull them off.

        ``doc`` is the document as written (or as read by the sweep): no read-back, which on the
        embedded store would scan the whole collection."""
        published = []
        for event in doc.get("_outbox", []):
            self._provider.publish(event)
            published.append(event["event_id"])
        if published:
            collection.update_one({"_id": doc["_id"]}, {"$pull": {"_outbox": {"event_id": {"$in": published}}}})

    def sweep(self, db):
        """Publish events that were left pending longer than the sweep interval."""
        cutoff = clock.to_iso(clock.now() - timedelta(seconds=SWEEP_SECONDS))
        published = 0
        for name in db.list_collection_names():
            if name in SKIP_COLLECTIONS:
                continue
            collection = db[name]
            stale = {"_outbox": {"$elemMatch": {"occurred_at": {"$lt": cutoff}}}}
            for doc in list(collection.find(stale, {"_outbox": 1})):
                self.publish(collection, doc)
                published += 1
        if published:
            log.warning("outbox sweep published the events of %d documents", published)
        return published


class Outbox(DependencyProvider):
    def setup(self):
        self.service_name = self.container.service_name
        self.exchange = get_event_exchange(self.service_name, self.container.config)
        self.publisher = Publisher(self.container.config[AMQP_URI_CONFIG_KEY], declare=[self.exchange])

    def publish(self, event):
        headers = {"nameko.request_id": event["request_id"]} if event.get("request_id") else {}
        self.publisher.publish(event, exchange=self.exchange, routing_key=event["event_type"],
                               extra_headers=headers)

    def get_dependency(self, worker_ctx):
        return OutboxHandle(self, worker_ctx)
