"""Which events reach integrations: the broker routes an event type to integrations' queue for it
only while some active subscription, in any estate, wants that type.

Why: with every queue bound, every event of every service went through integrations (a worker,
a store read, a log line, an ack, a quorum-queue write in the broker) to find, on most
deployments, nobody subscribed: a sixth of a service request's CPU on the whole system in
issue 15's profile. Now a deployment without webhooks pays nothing for them.

- The queues (one per public event type) are declared unbound (``OnDemandConsumer``), and
  bound or unbound here, each from its source's event exchange with its type as routing key.
- A subscription created or changed binds its types before the call answers, so the first
  event after the answer is routed. Nothing is unbound on that path.
- The reconcile timer (at start, then every ``WEBHOOK_BINDINGS_RECONCILE_SECONDS``) binds what
  the store wants and unbinds the rest, then reads the store once more and binds again what
  was subscribed meanwhile. A subscription written on another replica during an unbind is
  therefore bound: by that replica (its bind comes after its write, so after our unbind), or by
  our second read (which comes after its write). No lock is needed.
- Unbinding loses nothing anyone wants: an event of a type no subscription wants made no
  delivery before either. Every public event type has a consumer besides integrations
  (``tests/contracts/test_coverage.py``), so the relay's mandatory publish is never returned.
"""
import logging

from kombu import Queue
from nameko.extensions import DependencyProvider

from estate_common import config
from estate_common.nameko.entrypoints import EventConsumer, broker_connection

from .webhooks import EVERY_TYPE

log = logging.getLogger("integrations.bindings")


def reconcile_seconds():
    return config.env_float("WEBHOOK_BINDINGS_RECONCILE_SECONDS", 60.0)


class OnDemandConsumer(EventConsumer):
    """An event consumer whose queue is declared without its binding (``EventBindings`` binds it)."""

    def setup(self):
        super().setup()
        built = self.queue
        self.source_exchange, self.event_type = built.exchange, built.routing_key
        self.queue = Queue(built.name, durable=True, auto_delete=False, exclusive=False,
                           queue_arguments=built.queue_arguments)


class EventBindings(DependencyProvider):
    """The binder of the container's ``OnDemandConsumer`` queues; workers get it as is."""

    def setup(self):
        self.consumers = {f"{c.source_service}.{c.event_type}": c for c in self.container.entrypoints
                          if isinstance(c, OnDemandConsumer)}

    def get_dependency(self, worker_ctx):
        return self

    def want(self, qualified_types):
        """Bind the queues of ``qualified_types`` (``source.event_type``; ``"*"``: every one); idempotent."""
        self._apply(self._of(qualified_types), set())

    def reconcile(self, read_wanted):
        """Bind what ``read_wanted()`` names, unbind the rest, then bind what a second read adds.
        Returns the bound types."""
        wanted = self._of(read_wanted())
        unwanted = set(self.consumers) - wanted
        self._apply(wanted, unwanted)
        late = self._of(read_wanted()) & unwanted
        if late:
            self._apply(late, set())
        return wanted | late

    def _of(self, qualified_types):
        """The queues ``qualified_types`` want: a subscription to every type (``"*"``) wants them all."""
        named = set(qualified_types)
        return set(self.consumers) if EVERY_TYPE in named else named & set(self.consumers)

    def _apply(self, bind, unbind):
        if not bind and not unbind:
            return
        with broker_connection(self.container.config) as connection:
            channel = connection.default_channel
            for name in sorted(bind | unbind):
                consumer = self.consumers[name]
                # both ends must exist (else a 404 closes the channel): the source may not have
                # started yet, our consumer may not have declared its queue yet (same arguments)
                consumer.source_exchange(channel).declare()
                consumer.queue(channel).declare()
                operation = channel.queue_bind if name in bind else channel.queue_unbind
                operation(consumer.queue.name, consumer.source_exchange.name, consumer.event_type)
        if unbind:
            log.info("event bindings reconciled: %d bound, %d unbound", len(bind), len(unbind))
