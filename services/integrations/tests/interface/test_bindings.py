"""The broker routes an event type to integrations only while a subscription wants it
(integrations/bindings.py), on a real broker: the service's container is built but not started,
so no consumer takes what a queue receives and the test can count it."""
import uuid

import pytest
from kombu import Connection, Producer
from nameko.containers import ServiceContainer
from nameko.events import get_event_exchange
from nameko.testing.utils import get_extension

from integrations.bindings import EventBindings
from integrations.service import IntegrationsService

ORDERS, PAYMENTS = "maintenance.work_order_created", "finance.payment_posted"


@pytest.fixture
def amqp_uri(module_amqp_uri):
    return module_amqp_uri  # one vhost for the module: each test sets the bindings it looks at


@pytest.fixture
def binder(amqp_uri):
    container = ServiceContainer(IntegrationsService, {"AMQP_URI": amqp_uri})
    for entrypoint in container.entrypoints:
        entrypoint.setup()  # builds the unbound queues; nothing consumes them
    bindings = get_extension(container, EventBindings)
    bindings.setup()
    yield bindings  # (the container is held here: extensions keep only a weak reference to it)
    del container


def publish(amqp_uri, qualified):
    """Publish a persistent, mandatory, confirmed message of ``source.event_type``: True when the
    broker routed it to a queue, False when it returned it (no queue is bound for the type)."""
    source, event_type = qualified.split(".")
    returned = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        channel.events["basic_return"].add(lambda *args: returned.append(args))
        exchange = get_event_exchange(source, {})
        exchange(channel).declare()
        Producer(channel, exchange=exchange).publish({"event_id": uuid.uuid4().hex}, routing_key=event_type,
                                                     mandatory=True, delivery_mode=2, serializer="json")
    return not returned


def waiting(amqp_uri, binder, qualified):
    with Connection(amqp_uri) as connection:
        return connection.default_channel.queue_declare(binder.consumers[qualified].queue.name,
                                                        passive=True).message_count


def test_only_the_subscribed_types_reach_integrations(amqp_uri, binder):
    assert binder.reconcile(lambda: {ORDERS}) == {ORDERS}
    orders, payments = waiting(amqp_uri, binder, ORDERS), waiting(amqp_uri, binder, PAYMENTS)
    assert publish(amqp_uri, ORDERS) and waiting(amqp_uri, binder, ORDERS) == orders + 1
    assert not publish(amqp_uri, PAYMENTS) and waiting(amqp_uri, binder, PAYMENTS) == payments


def test_a_new_subscription_binds_at_once_and_the_reconcile_unbinds_what_nobody_wants(amqp_uri, binder):
    binder.want([PAYMENTS])
    binder.want([PAYMENTS])  # again: idempotent
    assert publish(amqp_uri, PAYMENTS)
    assert binder.reconcile(set) == set()
    payments = waiting(amqp_uri, binder, PAYMENTS)
    assert not publish(amqp_uri, PAYMENTS) and waiting(amqp_uri, binder, PAYMENTS) == payments


def test_a_subscription_written_during_the_unbind_is_bound_by_the_second_read(amqp_uri, binder):
    binder.want([PAYMENTS])
    reads = iter([set(), {PAYMENTS}])  # another replica subscribed between the two reads
    assert binder.reconcile(lambda: next(reads)) == {PAYMENTS}
    assert publish(amqp_uri, PAYMENTS)


def test_a_subscription_to_every_type_binds_every_queue(amqp_uri, binder):
    """``events: ["*"]`` (an integrator's follow-ups): every public type is routed here while it is
    wanted, and the reconcile unbinds them all once nobody wants any."""
    assert binder.reconcile(lambda: {"*"}) == set(binder.consumers)
    assert publish(amqp_uri, ORDERS) and publish(amqp_uri, PAYMENTS)
    assert binder.reconcile(set) == set()
    assert not publish(amqp_uri, ORDERS)
    binder.want(["*"])
    assert publish(amqp_uri, PAYMENTS) and publish(amqp_uri, "finance.billing_run_finished")
    binder.reconcile(set)
