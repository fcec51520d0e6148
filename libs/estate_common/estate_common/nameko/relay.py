"""The relay: ``PUBLISHERS`` greenthreads per container that publish outbox events off the request path.

A worker hands over the pending events of a document it has just written and goes on as soon as
an idle publisher has sent them (a publisher yields back while it waits for the confirm). A
publisher publishes with publisher confirms and ``mandatory`` set, then pulls off each document
the events the broker confirmed and did not return. A returned event (no queue is bound for its
type yet) or an unconfirmed one (nack, timeout, lost connection) stays in the outbox with a
warning, and the sweep hands it over again later. So an event is never lost, and may go out
twice: consumers dedupe.

**Batches.** What the workers handed over while every publisher waited for confirms goes out
together: a publisher publishes up to ``BATCH_EVENTS`` events, then reads their confirms as they
come (the broker may confirm many with one ``basic.ack``). One confirm at a time, the relay
kept up with about one event per confirm round trip (1.5 ms at the median, 10 ms at p90 under
load): under 16 threads creating service requests (about 350 a second) events left
customer-service 5 s after their write at the median, and the backlog grew for as long as the
load lasted (issue 15). One at a time, as a create alone is, a batch is that one event.

**Publishers.** Each publisher has a connection of its own and waits for its batch's confirms
(a quorum queue confirms once its log is on disk: 1-2 ms idle, 10-30 ms on a loaded host) and
pulls before it takes more. With one publisher, the event of the next create, written while the
previous event's confirm was awaited, waited for that confirm and pull before it was even sent:
under the bench's back-to-back creates on a loaded host 73 of 1,061 events waited over a
millisecond (up to 77 ms), 6 of the 10 longest lags (issue 15's probe, h2). With two, a second
publisher sends it at once; what comes while both wait is batched as before.

**A document's events in order.** A document's next events wait for the publisher that holds
its previous ones (``_owner``; it takes them, its ``followers``, before any other work), so two
publishers send a record's events in the order they were written, as one did: a status changed
twice, a notice revised twice, go to one queue (a queue per handler and event type) in that
order, even when the first is sent again on a new connection after a broker restart. Only other
documents' events pass them. A sweep's retry of an event that was returned or not confirmed
still comes after later ones (it did with one publisher): consumers order a record's events by
its revision (``subject``) and copies by their version.

Why our own kombu producer and not nameko's ``Publisher``: with ``mandatory`` and confirms,
py-amqp raises on ``basic.return`` while the matching ``basic.ack`` is still unread, and the
pooled channel then pairs the next publish with that stale ack. Here the channel has its own
return, ack and nack handlers (the broker sends a return before the ack of the same message),
and any error drops the connection.
"""
import logging
import socket
import time

import eventlet
from eventlet.queue import Queue
from kombu import Connection, Exchange, Producer

from .. import contracts, metrics, outbox_store, tracing

log = logging.getLogger(__name__)

_STOP = object()
BATCH_EVENTS = 100  # at most, published before their confirms are read; bounds a batch's CPU burst
PUBLISHERS = 2  # greenthreads (and connections) per relay: see the module's docstring


def facet_headers(event):
    """``{"BCC": [<type>.<value>]}`` for an event whose contract names a routing facet
    (``contracts.facet_keys``; RabbitMQ routes by each BCC key too and drops the header before
    delivery), else ``{}``."""
    facets = contracts.load().facet_keys(event)
    return {"BCC": facets} if facets else {}


class Relay:
    def __init__(self, amqp_uri, exchange_name, confirm_timeout=5.0, service=None, publishers=PUBLISHERS):
        self.amqp_uri = amqp_uri
        self.service = service or exchange_name.split(".")[0]  # the metrics' label
        self.exchange = Exchange(exchange_name, type="topic", durable=True, auto_delete=False)
        self.confirm_timeout = confirm_timeout
        self._queue = Queue()
        self._pending = set()  # event ids queued or being published: the sweep skips them
        self._paused = False
        self.publishers = [Publisher(amqp_uri, self.exchange, confirm_timeout) for _ in range(publishers)]
        self._owner = {}  # a document (collection, _id) -> the publisher whose batch holds its events
        self._threads = []

    # -- the workers' side ---------------------------------------------------------
    def submit(self, collection, doc, send_now=False):
        """Queue the pending events of ``doc`` (as written) that are not queued already;
        returns how many.

        ``send_now``: a worker about to answer lets an idle publisher send them first (this
        greenthread yields once; the publisher yields back while it waits for the confirm). The
        event then leaves before the reply, its acknowledgement and the worker's log line: a
        create's event left 1.3 ms sooner at the median (0.1 ms after the write, not 1.4), and
        its answer waited about 0.4 ms for the send (issue 15's probe of the write path)."""
        events = [e for e in doc.get("_outbox") or [] if e["event_id"] not in self._pending]
        if events:
            idle = self._queue.getting() > 0  # a publisher waits for work, not for a confirm
            self._pending.update(e["event_id"] for e in events)
            # the document's estate, as its events carry it (a caller may hand over just _id and _outbox)
            self._queue.put((collection, events[0]["estate_id"], doc["_id"], events))
            if send_now and idle:
                eventlet.sleep(0)
        return len(events)

    def drain(self, timeout=10.0):
        """Wait until everything handed over has been published or given up (for tests and
        for a clean stop)."""
        queues = [self._queue] + [publisher.followers for publisher in self.publishers]
        with eventlet.Timeout(timeout):
            while any(queue.unfinished_tasks for queue in queues):  # a follower moves between them
                for queue in queues:
                    queue.join()

    def pause(self):
        """Tests: hold the relay (workers keep handing over) until ``resume``."""
        self._paused = True

    def resume(self):
        self._paused = False

    # -- the publishers' greenthreads ----------------------------------------------
    def start(self, spawn=eventlet.spawn):
        self._threads = [spawn(lambda publisher=publisher: self._run(publisher)) for publisher in self.publishers]

    def stop(self, grace=5.0):
        """Publish what is queued for at most ``grace`` seconds, then end the greenthreads and
        close the connections. What is left stays in the outbox for the next start's sweep."""
        try:
            self.drain(grace)
        except eventlet.Timeout:
            log.warning("outbox relay stopped with events queued; they stay in the outbox")
            self.kill()
            return
        for _ in self._threads:
            self._queue.put(_STOP)  # one each: a publisher takes no more work after its stop
        for thread in self._threads:
            thread.wait()
        for publisher in self.publishers:
            publisher.disconnect()

    def kill(self):
        for thread in self._threads:
            thread.kill()
        for publisher in self.publishers:
            publisher.disconnect()

    def _run(self, publisher):
        while True:
            items, stopping = self._next_batch(publisher)
            try:
                while self._paused:
                    eventlet.sleep(0.01)
                if items:
                    self._relay([item for _, item in items], publisher)
            except Exception:  # the relay outlives any single failure
                log.exception("outbox relay failed on a batch; its events stay in the outbox")
            finally:
                # no yield from here to the next batch's take: a document's followers handed over
                # meanwhile are this publisher's, taken first
                for source, item in items:
                    if self._owner.get(_document(item)) is publisher:
                        del self._owner[_document(item)]
                    self._pending.difference_update(e["event_id"] for e in item[-1])
                    source.task_done()
            if stopping:
                self._queue.task_done()
                return

    def _next_batch(self, publisher):
        """``([(its queue, document)], stopping)``: the publisher's followers (the next events of
        documents its last batch held) if any, else the next document handed over (waiting for
        one), with those queued behind it, up to ``BATCH_EVENTS`` events, and whether a stop came
        among them. A document another publisher holds goes to that one's followers."""
        source = publisher.followers if not publisher.followers.empty() else self._queue
        items, count, item = [], 0, source.get()
        while item is not _STOP:
            owner = self._owner.setdefault(_document(item), publisher)
            if owner is publisher:
                items.append((source, item))
                count += len(item[-1])
            else:  # after the events of it that publisher holds
                owner.followers.put(item)
                source.task_done()
            if count >= BATCH_EVENTS:
                return items, False
            if source.empty():
                if items:
                    return items, False
                source = self._queue  # all followed another publisher: wait for work
                item = source.get()
            else:
                item = source.get_nowait()
        return items, True

    def _relay(self, items, publisher):
        problems = self._publish([event for item in items for event in item[-1]], publisher)
        for collection, estate_id, doc_id, events in items:
            published = []
            for event in events:
                problem = problems[event["event_id"]]
                if problem is None:
                    published.append(event["event_id"])
                else:
                    log.warning("event %s (%s) stays in the outbox: %s; the sweep retries it",
                                event["event_id"], event["event_type"], problem,
                                extra={"event_type": event["event_type"]})
            outbox_store.pull(collection, estate_id, doc_id, published)

    def _publish(self, events, publisher):
        """``{event id: None}`` for each event the broker confirmed and routed to a queue, else
        ``{event id: why not}``; each event has its PRODUCER span and its metrics."""
        started = time.monotonic()
        spans = {event["event_id"]: tracing.producer_span(self.service, event) for event in events}
        error = None
        try:
            problems = self._publish_batch(publisher, events, spans)
        except BaseException as raised:  # not ours (the greenthread killed): on the spans, then on up
            error = raised
            raise
        finally:
            for event in events:
                problem = None if error else problems[event["event_id"]]
                tracing.end_producer_span(spans[event["event_id"]], problem, error)
        for event in events:
            problem = problems[event["event_id"]]
            outcome = ("confirmed" if problem is None
                       else "returned" if problem.startswith("returned") else "unconfirmed")
            metrics.EVENTS_PUBLISHED.labels(self.service, event["event_type"], outcome).inc()
            confirmed_at = publisher.settled_at.pop(event["event_id"], time.monotonic())
            metrics.PUBLISH_DURATION.labels(self.service).observe(confirmed_at - started)
        return problems

    @staticmethod
    def _publish_batch(publisher, events, spans):
        return publisher.publish(events, spans)


def _document(item):
    """The document a handed-over item's events belong to: its collection's name and ``_id``."""
    collection, _, doc_id, _ = item
    return getattr(collection, "name", id(collection)), doc_id


class Publisher:
    """One connection of a relay's, on a confirm channel, and the state of its publishes: a batch
    at a time (``publish``)."""

    def __init__(self, amqp_uri, exchange, confirm_timeout):
        self.amqp_uri, self.exchange, self.confirm_timeout = amqp_uri, exchange, confirm_timeout
        self._connection = self._producer = None
        self._delivery_tag = 0
        self._unconfirmed = {}  # delivery tag -> event id, published on this connection, not yet confirmed
        self._returned = {}  # event id -> the broker's reason, until the event's confirm
        self._settled = None  # event id -> None or why not, for the batch whose confirms are read
        self.settled_at = {}  # event id -> when its confirm came (the publish-duration metric)
        self.followers = Queue()  # handed over while this publisher held earlier events of their document

    def publish(self, events, spans):
        """Publish ``events``, then read their confirms; what a failure left unconfirmed goes
        out once more on a new connection (a dropped idle connection), then is given up.
        ``{event id: None}`` for each event the broker confirmed and routed, else why not."""
        problems = self._settled = {}  # filled by the confirms, which py-amqp may read during a publish too
        try:
            for attempt in (1, 2):
                unsettled = [event for event in events if event["event_id"] not in problems]
                try:
                    self._connect()
                    self._send(unsettled, spans)
                    self._await_confirms()
                    return problems
                except Exception as exc:  # the state of the channel is unknown
                    self.disconnect()
                    if attempt == 2:
                        for event in events:
                            problems.setdefault(event["event_id"], f"not confirmed ({type(exc).__name__}: {exc})")
            return problems
        finally:
            self._settled = None

    def _send(self, events, spans):
        self._returned.clear()
        for event in events:
            headers = {"nameko.request_id": event["request_id"]} if event.get("request_id") else {}
            headers.update(facet_headers(event))
            tracing.inject(headers, spans[event["event_id"]])
            self._producer.publish(
                event, exchange=self.exchange, routing_key=event["event_type"], mandatory=True,
                serializer="json", delivery_mode=2, headers=headers, message_id=event["event_id"])
            self._delivery_tag += 1  # the broker numbers a confirm channel's publishes from 1
            self._unconfirmed[self._delivery_tag] = event["event_id"]

    def _await_confirms(self):
        deadline = time.monotonic() + self.confirm_timeout
        while self._unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout(f"no confirm within {self.confirm_timeout:g} s")
            self._connection.drain_events(timeout=remaining)

    def _settle(self, delivery_tag, multiple, nacked=None):
        """A confirm (``nacked``: why not, for a nack) of one publish, or of every publish up to
        ``delivery_tag`` when ``multiple``; an event the broker returned first was not routed."""
        tags = [tag for tag in self._unconfirmed if tag <= delivery_tag] if multiple else [delivery_tag]
        now = time.monotonic()
        for tag in tags:
            event_id = self._unconfirmed.pop(tag, None)
            if event_id is None or self._settled is None:
                continue
            returned = self._returned.pop(event_id, None)
            if nacked is None and returned is not None:
                self._settled[event_id] = f"returned by the broker ({returned}): no queue is bound for it yet"
            else:
                self._settled[event_id] = nacked
            self.settled_at[event_id] = now

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple)

    def _on_nack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, "not confirmed (the broker nacked it)")

    def _on_return(self, exc, exchange, routing_key, message):
        self._returned[message.properties.get("message_id")] = str(exc)

    def _connect(self):
        if self._producer is not None:
            return
        connection = Connection(self.amqp_uri)
        channel = connection.channel()
        channel.events["basic_return"].add(self._on_return)
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.confirm_select()
        self._connection = connection
        self._producer = Producer(channel, exchange=self.exchange)
        self._delivery_tag = 0
        self.exchange(channel).declare()

    def disconnect(self):
        connection, self._connection, self._producer = self._connection, None, None
        self._unconfirmed.clear()
        if connection is not None:
            try:
                connection.release()
            except Exception:  # already gone
                pass
