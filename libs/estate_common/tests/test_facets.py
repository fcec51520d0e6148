"""Routing facets on a real broker: an event whose contract names an ``x-routing-facet`` is
published by the relay with ``<type>.<value>`` as a second routing key, so a consumer of one
facet (maintenance: repairs) gets only those, and a consumer of the whole type gets them all."""
import eventlet
import pytest
from kombu import Connection, Exchange, Queue
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from estate_common import clock, contracts
from estate_common.nameko import dead_letters
from estate_common.nameko.database import Database
from estate_common.nameko.entrypoints import consumes
from estate_common.nameko.outbox import Outbox
from estate_common.testing import drain_outbox, event, event_dispatcher

pytestmark = pytest.mark.broker

ALL, REPAIRS = [], []


def request_data(request_id, kind):
    return {"id": request_id, "number": "SR-2026-000001", "kind": kind, "household_id": "hh_1", "channel": "phone",
            "description": "the tap drips", "due_at": None, "created_at": "2026-11-30T08:00:00.000Z"}


class Desk:
    """Just enough of customer_service to announce service requests through its outbox."""

    name = "customer_service"
    indexes = {}
    outbox_collections = ("service_requests",)

    db = Database()
    outbox = Outbox()

    @rpc
    def register(self, request_id, kind):
        doc = {"_id": request_id, "estate_id": "est_1",
               "_outbox": [self.outbox.event("service_request_created", "est_1", request_data(request_id, kind))]}
        self.db.service_requests.insert_one(doc)
        self.outbox.publish(self.db.service_requests, doc)


class Everything:
    name = "everything"

    @consumes("customer_service", "service_request_created")
    def take(self, event):
        ALL.append(event["data"]["id"])


class RepairsOnly:
    name = "repairs_only"

    @consumes("customer_service", "service_request_created", facet="repair")
    def take(self, event):
        REPAIRS.append(event["data"]["id"])


@pytest.fixture
def running(container_factory, rabbit_config):
    ALL.clear(), REPAIRS.clear()
    containers = [container_factory(cls, rabbit_config) for cls in (Desk, Everything, RepairsOnly)]
    for container in containers:
        container.start()
    yield containers
    ALL.clear(), REPAIRS.clear()


def test_the_facet_key_is_the_contracts_field_value():
    book = contracts.load()
    assert book.routing_facet("customer_service", "service_request_created") == "kind"
    event = {"source": "customer_service", "event_type": "service_request_created", "data": {"kind": "repair"}}
    assert book.facet_keys(event) == ["service_request_created.repair"]
    assert book.facet_keys({"source": "archive", "event_type": "estate_created", "data": {"kind": "x"}}) == []


def test_a_consumer_of_a_facet_gets_only_its_events_and_the_whole_type_gets_all(running):
    desk, everything, repairs = running
    with entrypoint_waiter(repairs, "take", timeout=10), entrypoint_hook(desk, "register") as register:
        register("sr_1", "consultation")
        register("sr_2", "repair")
        register("sr_3", "complaint")
    drain_outbox(desk)
    deadline = clock.now().timestamp() + 10
    while len(ALL) < 3 and clock.now().timestamp() < deadline:
        eventlet.sleep(0.05)
    eventlet.sleep(0.3)  # a stray delivery would arrive by now
    assert sorted(ALL) == ["sr_1", "sr_2", "sr_3"]
    assert REPAIRS == ["sr_2"]


def test_a_consumer_that_takes_a_facet_drops_its_old_binding_to_the_whole_type(container_factory, rabbit_config):
    """An upgraded deployment: the queue was bound to every service_request_created before."""
    ALL.clear(), REPAIRS.clear()
    queue = Queue("evt-customer_service-service_request_created--repairs_only.take",
                  exchange=Exchange("customer_service.events", type="topic", durable=True, auto_delete=False),
                  routing_key="service_request_created", durable=True,
                  queue_arguments=dead_letters.queue_arguments("repairs_only", rabbit_config))
    with Connection(rabbit_config["AMQP_URI"]) as connection:
        queue(connection.default_channel).declare()  # declared and bound as before the facet
    repairs = container_factory(RepairsOnly, rabbit_config)
    repairs.start()
    dispatch = event_dispatcher(rabbit_config["AMQP_URI"])
    with entrypoint_waiter(repairs, "take", timeout=10):
        for request_id, kind in (("sr_1", "consultation"), ("sr_2", "repair")):
            dispatch("customer_service", "service_request_created",
                     event("customer_service", "service_request_created", "est_1", request_data(request_id, kind)))
    eventlet.sleep(0.3)
    assert REPAIRS == ["sr_2"]
