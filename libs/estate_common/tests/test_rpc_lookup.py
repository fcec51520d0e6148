"""Which RPC entrypoint a request's routing key names (``DecodingRpcConsumer.get_provider_for_method``):
nameko formatted and compared ``<service>.<method>`` for each of the service's entrypoints in turn,
at every call (customer_service has some 130), where a lookup by the key does."""
from types import SimpleNamespace

import pytest
from nameko.exceptions import MethodNotFound

from estate_common.nameko.entrypoints import DecodingRpcConsumer


class Provider:
    """An RPC entrypoint as the consumer sees it: its ``method_name`` (reads counted)."""

    def __init__(self, name):
        self._name, self.reads = name, 0

    @property
    def method_name(self):
        self.reads += 1
        return self._name


def consumer_of(names):
    consumer = DecodingRpcConsumer()
    consumer.container = SimpleNamespace(service_name="desk")
    providers = {name: Provider(name) for name in names}
    for provider in providers.values():
        consumer.register_provider(provider)
    return consumer, providers


def test_each_key_finds_its_own_entrypoint_and_an_unknown_one_is_method_not_found():
    consumer, providers = consumer_of([f"method_{n}" for n in range(130)])
    for name, provider in providers.items():
        assert consumer.get_provider_for_method(f"desk.{name}") is provider
    with pytest.raises(MethodNotFound):
        consumer.get_provider_for_method("desk.no_such_method")
    with pytest.raises(MethodNotFound):  # another service's key
        consumer.get_provider_for_method("other.method_1")


def test_a_call_reads_no_entrypoint_but_the_one_it_names_once_they_are_known():
    consumer, providers = consumer_of([f"method_{n}" for n in range(130)])
    consumer.get_provider_for_method("desk.method_7")
    for provider in providers.values():
        provider.reads = 0
    for _ in range(10):
        assert consumer.get_provider_for_method("desk.method_99") is providers["method_99"]
    assert sum(provider.reads for provider in providers.values()) == 0


def test_an_entrypoint_registered_later_is_found_and_one_gone_is_method_not_found():
    consumer, providers = consumer_of(["create", "health"])
    assert consumer.get_provider_for_method("desk.create") is providers["create"]
    later = Provider("close")
    consumer.register_provider(later)
    assert consumer.get_provider_for_method("desk.close") is later
    consumer._providers.discard(providers["create"])  # as nameko's unregister leaves it, at a container's stop
    with pytest.raises(MethodNotFound):
        consumer.get_provider_for_method("desk.create")
    assert consumer.get_provider_for_method("desk.health") is providers["health"]
