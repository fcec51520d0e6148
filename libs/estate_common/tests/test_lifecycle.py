"""A container stopped or killed before it started (its start failed, or it was made and
dropped): every extension of the shared library's services gives up quietly. Attributes that
``setup``/``start`` set and ``stop``/``kill`` read raised AttributeError there, which nameko
logs and eventlet prints as a traceback beside the error that stopped the start."""
import logging

import pytest
from nameko.testing.utils import get_extension

from estate_common import stopping
from estate_common.nameko import CountsClosedRecords, RunsJobs, ServiceBase, consumes
from estate_common.nameko.outbox import Outbox
from estate_common.nameko.timers import GracefulTimer, Timer

pytestmark = pytest.mark.broker


class Everything(CountsClosedRecords, RunsJobs, ServiceBase):
    """Every extension the shared library gives a service: ServiceBase's dependencies and sweep
    timer, the jobs' graceful timer, the closed-counts timer, an event consumer."""

    name = "lifecycle"

    @consumes("archive", "estate_created")
    def on_estate(self, event):
        pass


def test_the_shared_timers_are_the_libs_own(container_factory, rabbit_config):
    container = container_factory(Everything, rabbit_config)
    timers = [e for e in container.entrypoints if e.method_name in ("relay_outbox", "report_closed_records", "run_jobs")]
    assert len(timers) == 3 and all(isinstance(t, Timer) for t in timers)
    assert isinstance(next(t for t in timers if t.method_name == "run_jobs"), GracefulTimer)


def test_a_container_killed_before_its_start_kills_every_extension_without_an_error(
        container_factory, rabbit_config, caplog):
    container = container_factory(Everything, rabbit_config)
    with caplog.at_level(logging.WARNING, logger="nameko.containers"):
        container.kill()
    assert [r.getMessage() for r in caplog.records if "during kill" in r.getMessage()] == []


@pytest.mark.parametrize("method", ["kill", "stop"])
def test_the_outbox_stopped_or_killed_before_its_setup_does_not_raise(container_factory, rabbit_config, method):
    outbox = get_extension(container_factory(Everything, rabbit_config), Outbox)
    getattr(outbox, method)()


@pytest.mark.parametrize("method", ["kill", "stop"])
def test_a_timer_stopped_or_killed_before_its_start_does_not_raise(container_factory, rabbit_config, method):
    container = container_factory(Everything, rabbit_config)
    for timer in (e for e in container.entrypoints if isinstance(e, Timer)):
        getattr(timer, method)()
    assert stopping.is_stopping("lifecycle") is False  # a graceful timer that never ran leaves no flag


def test_every_extension_killed_after_setup_but_before_start_does_not_raise(container_factory, rabbit_config):
    """A container whose start failed: every extension was set up (nameko sets all up, then
    starts all), none started."""
    container = container_factory(Everything, rabbit_config)
    for extension in container.extensions:  # its entrypoints, dependencies and their subextensions
        extension.setup()
    for extension in container.extensions:
        extension.kill()


def test_a_started_container_tells_the_collector(container_factory, rabbit_config, monkeypatch):
    """What freezes a server's start-up heap (estate_common.collector): every service's container."""
    from estate_common import collector

    told = []
    monkeypatch.setattr(collector, "started", lambda: told.append(True))
    container = container_factory(Everything, rabbit_config)
    assert told == []
    container.start()
    assert told == [True]
