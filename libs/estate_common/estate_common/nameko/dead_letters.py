"""Where events a service cannot handle end up: one dead-letter exchange and queue per service.

Every event queue of ``@consumes`` is a quorum queue with ``x-delivery-limit`` and
``x-dead-letter-exchange: <service>.dead-letters``. RabbitMQ moves a message there when its
handler failed more often than the limit (x-death reason ``delivery_limit``) or when the
consumer rejected it without requeue because it breaks its contract (reason ``rejected``).
The exchange is a fanout bound to the durable queue of the same name; the message keeps its
routing key and an ``x-death`` header naming the queue it died in, which
``scripts/dead_letters.py`` uses to list and replay it.

``EVENT_QUEUE_TYPE=classic`` declares them as classic queues instead, with the same dead-letter
exchange but no delivery limit (a classic queue has none: a failing handler gets its event back
until it succeeds). It exists for the test suite on a long-lived developer broker, not for a
deployment. A quorum queue is a Raft group of its own, and a whole ``make test`` creates and
deletes some 2,300 of them: the churn RabbitMQ's maintainers say quorum queues are not built
for (rabbitmq-server#1823, #13828). On RabbitMQ 3.10 each deleted one leaves its Ra tables in
memory until the write-ahead log rolls over (45,806 ETS tables, 0.58 GB, after one suite run
and a churn test here), and the suite's runs on quorum queues stalled the local broker about
one time in four (the README's Tests section). The tests that prove the quorum behaviours (the
delivery limit and dead letters, a broker restart) ask for quorum queues themselves.
"""
import eventlet
from amqp.exceptions import AMQPError, NotFound
from kombu import Connection, Exchange, Queue
from kombu.exceptions import OperationalError
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import SharedExtension

from .. import config

DEFAULT_DELIVERY_LIMIT = 5
QUEUE_TYPES = ("quorum", "classic")  # the first is the default


def name(service):
    """The dead-letter exchange and queue of ``service``."""
    return f"{service}.dead-letters"


def exchange(service):
    return Exchange(name(service), type="fanout", durable=True, auto_delete=False)


def queue(service):
    # classic, durable: an operator lists it by fetching and requeueing, which keeps a classic
    # queue's order; nothing consumes it, so a delivery limit would not help
    return Queue(name(service), exchange=exchange(service), durable=True, auto_delete=False)


def delivery_limit(container_config):
    """How many times a failing handler gets a message back before it is dead-lettered
    (``EVENT_DELIVERY_LIMIT`` in the container's config or the environment)."""
    value = container_config.get("EVENT_DELIVERY_LIMIT") or config.env_int("EVENT_DELIVERY_LIMIT",
                                                                          DEFAULT_DELIVERY_LIMIT)
    return int(value)


def queue_type(container_config):
    """``EVENT_QUEUE_TYPE`` in the container's config or the environment: quorum unless told."""
    value = container_config.get("EVENT_QUEUE_TYPE") or config.env("EVENT_QUEUE_TYPE", QUEUE_TYPES[0])
    if value not in QUEUE_TYPES:
        raise ValueError(f"EVENT_QUEUE_TYPE={value!r}: say one of {', '.join(QUEUE_TYPES)}")
    return value


def queue_arguments(service, container_config):
    """The arguments of every durable event queue of ``service``."""
    if queue_type(container_config) == "classic":
        return {"x-dead-letter-exchange": name(service)}
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit(container_config),
        "x-dead-letter-exchange": name(service),
    }


def declare(amqp_uri, service, attempts=10):
    """Declare them, retrying a broker that refuses or resets connections for a while (as the
    consumers' own connection does); the container does not start without them."""
    for attempt in range(1, attempts + 1):
        try:
            with Connection(amqp_uri, connect_timeout=5) as connection:
                queue(service)(connection.default_channel).declare()
            return
        except (OSError, OperationalError, AMQPError):
            if attempt == attempts:
                raise
            eventlet.sleep(min(0.5 * attempt, 2.0))


def depth(amqp_uri, service):
    """How many messages wait in the dead-letter queue of ``service`` (a passive declare; 0 for a
    service without event handlers, which has none)."""
    with Connection(amqp_uri, connect_timeout=5) as connection:
        try:
            return queue(service)(connection.default_channel).queue_declare(passive=True).message_count
        except NotFound:
            return 0


class DeadLetters(SharedExtension):
    """Declares the service's dead-letter exchange and queue once per container."""

    def setup(self):
        declare(self.container.config[AMQP_URI_CONFIG_KEY], self.container.service_name)
