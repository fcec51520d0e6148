"""The outbox relay publishes with ``mandatory``: an event nobody has bound a queue for is
returned and waits in the producer's outbox. That is right for the moments before a consumer's
first start, and would be an outbox that never empties for an event type with no consumer at
all. So every event type in ``contracts/events`` has one (archive records them all)."""
import importlib
import inspect

from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from estate_common import contracts, topology
from estate_common.nameko.entrypoints import EventConsumer



def service_class(name):
    module, cls = topology.SERVICES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def consumed():
    found = set()
    for name in topology.SERVICES:
        for _, method in inspect.getmembers(service_class(name), inspect.isfunction):
            for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(entrypoint, EventConsumer):
                    found.add((entrypoint.source_service, entrypoint.event_type))
    return found


def test_every_event_type_has_a_consumer():
    assert contracts.load().event_types() - consumed() == set()
