"""Metrics of a service: RPC calls and events counted by their decorators, publishes by the relay,
timer runs and the sampled gauges, and the exposition on METRICS_PORT under eventlet."""
import socket
import subprocess
import sys
import urllib.request

import eventlet
import pytest
from kombu import Connection, Exchange, Queue
from nameko.testing.utils import get_extension
from prometheus_client import REGISTRY

from estate_common import metrics, testing
from estate_common.nameko.base import ServiceBase
from estate_common.nameko.entrypoints import consumes
from estate_common.nameko.exposition import ServiceMetrics
from estate_common.nameko.outbox import make_event
from estate_common.nameko.relay import Relay


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Archive(ServiceBase):
    name = "archive"


class Copier:
    name = "copier"

    @consumes("archive", "estate_created")
    def copy_estate(self, event):
        if event["data"]["name"] == "broken":
            raise RuntimeError("store away")


def estate_event(name="Green Court"):
    return testing.event("archive", "estate_created", "est_1", {
        "id": "est_1", "estate_id": "est_1", "code": "GC-01", "name": name, "address": "1 Road",
        "version": 1})


def test_an_rpc_call_is_counted_with_its_outcome_and_latency():
    labels = {"service": "archive", "method": "health"}
    before = value("estate_rpc_handled_total", outcome="ok", **labels)
    timed = value("estate_rpc_handle_duration_seconds_count", **labels)
    testing.worker(Archive).health({})
    assert value("estate_rpc_handled_total", outcome="ok", **labels) == before + 1
    assert value("estate_rpc_handle_duration_seconds_count", **labels) == timed + 1


def test_an_rpc_call_refused_is_counted_under_its_error_code():
    labels = {"service": "archive", "method": "health", "outcome": "invalid_input"}
    before = value("estate_rpc_handled_total", **labels)
    with pytest.raises(Exception):
        testing.worker(Archive).health({"unexpected": 1})
    assert value("estate_rpc_handled_total", **labels) == before + 1


def test_an_event_handled_is_counted_and_a_failing_one_as_error(monkeypatch):
    from estate_common.nameko import entrypoints
    monkeypatch.setattr(entrypoints, "RETRY_PAUSE_SECONDS", 0)
    labels = {"service": "copier", "source": "archive", "event_type": "estate_created"}
    ok, error = (value("estate_events_handled_total", outcome=o, **labels) for o in ("ok", "error"))
    copier = Copier()
    copier.copy_estate(estate_event())
    with pytest.raises(RuntimeError):
        copier.copy_estate(estate_event("broken"))
    assert value("estate_events_handled_total", outcome="ok", **labels) == ok + 1
    assert value("estate_events_handled_total", outcome="error", **labels) == error + 1


def test_an_event_breaking_its_contract_is_counted_as_dead_lettered():
    labels = {"service": "copier", "source": "archive", "event_type": "estate_created"}
    before = value("estate_events_dead_lettered_total", **labels)
    event = estate_event()
    del event["data"]["name"]
    with pytest.raises(Exception):
        Copier().copy_estate(event)
    assert value("estate_events_dead_lettered_total", **labels) == before + 1


class Pulls:
    def update_one(self, query, update):
        pass


@pytest.mark.broker
def test_the_relay_counts_a_confirmed_and_a_returned_publish(amqp_uri):
    exchange = Exchange("archive.events", type="topic", durable=True)
    with Connection(amqp_uri) as connection:
        Queue("copier.estates", exchange=exchange, routing_key="estate_created",
              durable=True)(connection.default_channel).declare()
    labels = {"service": "archive"}
    confirmed = value("estate_events_published_total", event_type="estate_created", outcome="confirmed", **labels)
    returned = value("estate_events_published_total", event_type="estate_removed", outcome="returned", **labels)
    relay = Relay(amqp_uri, "archive.events", confirm_timeout=5)
    relay.start()
    try:
        for event_type in ("estate_created", "estate_removed"):  # nothing is bound to the second
            event = make_event("archive", event_type, "est_1", {"id": "est_1"})
            relay.submit(Pulls(), {"_id": event["event_id"], "_outbox": [event]})
        relay.drain()
    finally:
        relay.stop()
    assert value("estate_events_published_total", event_type="estate_created", outcome="confirmed",
                 **labels) == confirmed + 1
    assert value("estate_events_published_total", event_type="estate_removed", outcome="returned",
                 **labels) == returned + 1


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.broker
def test_a_service_serves_its_metrics_on_metrics_port(container_factory, rabbit_config, monkeypatch):
    port = free_port()
    monkeypatch.setenv("METRICS_PORT", str(port))
    container = container_factory(Archive, rabbit_config)
    container.start()
    eventlet.sleep(0.2)  # the eager heartbeat timer has run
    get_extension(container, ServiceMetrics).sample()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert 'estate_timer_runs_total{outcome="ok",service="archive",timer="heartbeat"}' in text
    assert 'estate_dead_letter_messages{service="archive"} 0.0' in text
    assert 'estate_outbox_pending_events{service="archive"} 0.0' in text


def test_a_service_does_not_expose_the_gateways_unlabelled_counter():
    """Every service imports these metrics: an unlabelled gateway counter showed a sign-in
    failure count, always 0, on every service's exposition."""
    shown = subprocess.run([sys.executable, "-c", "import estate_common.nameko.exposition, prometheus_client; "
                            "print(prometheus_client.generate_latest().decode())"],
                           check=True, capture_output=True, text=True).stdout
    assert "estate_rpc_handled" in shown
    assert "estate_gateway_login_failures" not in shown
    metrics.register_gateway_only()
    metrics.register_gateway_only()  # a second app in the same process
    assert REGISTRY.get_sample_value("estate_gateway_login_failures_total") is not None


def test_every_metric_is_named_once_with_the_estate_prefix():
    names = [m.describe()[0].name for m in metrics.defined()]
    assert len(names) == len(set(names))
    assert all(name.startswith("estate_") for name in names)


def test_a_kinds_job_progress_goes_once_none_of_its_jobs_runs():
    """A billing run that ended showed its last sampled progress (30 %) on the dashboard until
    the pod restarted (found by review)."""
    from types import SimpleNamespace

    from estate_common import clock, common_store
    db = common_store.embedded_database("test_job_progress")
    now = clock.now()
    db[common_store.JOBS].insert_one({"_id": "j1", "kind": "billing_run", "status": "running",
                                      "progress": {"done": 3, "total": 10}, "_heartbeat_at": clock.to_iso(now)})
    sampler = SimpleNamespace(service_name="finance_progress_test", _seen_jobs=set(), _progress_kinds=set())
    ServiceMetrics._sample_jobs(sampler, db, now)
    progress = {"service": "finance_progress_test", "kind": "billing_run"}
    assert REGISTRY.get_sample_value("estate_job_progress_ratio", progress) == 0.3
    db[common_store.JOBS].update_one({"_id": "j1"}, {"$set": {"status": "succeeded"}})
    ServiceMetrics._sample_jobs(sampler, db, now)
    assert REGISTRY.get_sample_value("estate_job_progress_ratio", progress) is None
    assert value("estate_jobs", service="finance_progress_test", kind="billing_run", status="running") == 0
