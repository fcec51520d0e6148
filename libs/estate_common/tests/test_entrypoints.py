"""``consumes`` on a real broker: redelivery after an error, contract breakers dropped."""
import eventlet
import pytest
from nameko.extensions import DependencyProvider
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from estate_common.nameko import entrypoints
from estate_common.nameko.entrypoints import consumes
from estate_common.nameko.outbox import make_event

pytestmark = pytest.mark.broker

ATTEMPTS = []   # every time the handler body ran
APPLIED = []    # every time it ran to the end
WORKERS = []    # every worker the entrypoint started (body run or not)


class CountWorkers(DependencyProvider):
    def worker_setup(self, worker_ctx):
        WORKERS.append(worker_ctx.entrypoint.method_name)


class Copier:
    name = "copier"

    workers = CountWorkers()

    @consumes("archive", "estate_created")
    def copy_estate(self, event):
        ATTEMPTS.append(event["event_id"])
        if event["data"]["name"] == "flaky" and ATTEMPTS.count(event["event_id"]) == 1:
            raise RuntimeError("store briefly unavailable")
        APPLIED.append(event["event_id"])


def estate_event(estate_id, name="Green Court"):
    return make_event("archive", "estate_created", estate_id, {
        "id": estate_id, "estate_id": estate_id, "code": "GC-01", "name": name,
        "address": "1 Road", "version": 1,
    }, request_id="req-1", actor="admin")


@pytest.fixture
def copier(container_factory, rabbit_config, monkeypatch):
    monkeypatch.setattr(entrypoints, "RETRY_PAUSE_SECONDS", 0.2)
    for kept in (ATTEMPTS, APPLIED, WORKERS):
        kept.clear()
    container = container_factory(Copier, rabbit_config)
    container.start()
    yield container
    for kept in (ATTEMPTS, APPLIED, WORKERS):
        kept.clear()


@pytest.fixture
def dispatch(amqp_uri):
    return event_dispatcher({"AMQP_URI": amqp_uri})


def _succeeded(worker_ctx, result, exc_info):
    return exc_info is None


def test_a_valid_event_is_applied_once(copier, dispatch):
    event = estate_event("est_1")
    with entrypoint_waiter(copier, "copy_estate", timeout=10):
        dispatch("archive", "estate_created", event)
    eventlet.sleep(0.3)
    assert APPLIED == [event["event_id"]]
    assert WORKERS == ["copy_estate"]


def test_a_handler_that_raises_gets_the_event_again_and_applies_it_once(copier, dispatch):
    event = estate_event("est_1", name="flaky")
    with entrypoint_waiter(copier, "copy_estate", timeout=10, callback=_succeeded):
        dispatch("archive", "estate_created", event)
    eventlet.sleep(0.5)  # no further redelivery once it succeeded
    assert ATTEMPTS == [event["event_id"], event["event_id"]]
    assert APPLIED == [event["event_id"]]
    assert WORKERS == ["copy_estate", "copy_estate"]


def test_an_event_that_breaks_its_contract_is_dropped_without_a_requeue_loop(copier, dispatch, caplog):
    broken = estate_event("est_1")
    del broken["data"]
    wrong_data = estate_event("est_2")
    wrong_data["data"]["version"] = 0
    good = estate_event("est_3")

    def is_good(worker_ctx, result, exc_info):
        return len(WORKERS) >= 3

    with entrypoint_waiter(copier, "copy_estate", timeout=10, callback=is_good) as waited:
        dispatch("archive", "estate_created", broken)
        dispatch("archive", "estate_created", wrong_data)
        dispatch("archive", "estate_created", good)
    eventlet.sleep(0.5)
    assert waited.get() is None
    assert ATTEMPTS == [good["event_id"]]   # the body never saw the broken ones
    assert APPLIED == [good["event_id"]]
    assert WORKERS == ["copy_estate"] * 3    # each broken event was delivered once, then acked
    dropped = [r.getMessage() for r in caplog.records if "dropped an event" in r.getMessage()]
    assert len(dropped) == 2
    assert any("data: is required" in message for message in dropped)
    assert any("data.version" in message for message in dropped)
