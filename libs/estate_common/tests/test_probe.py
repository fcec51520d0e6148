"""Container probes: liveness and readiness from the files the service's heartbeat leaves, judged
by the pod's own queue consumer and store."""
import os
import time

import eventlet
import pytest
from nameko.testing.utils import get_extension

from estate_common import probe
from estate_common.nameko import ServiceBase
from estate_common.nameko.base import Heartbeat
from estate_common.nameko.entrypoints import CONSUMERS


def eventually(check, seconds):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within %s s" % seconds
        eventlet.sleep(0.1)


@pytest.fixture
def tmpdir_for_heartbeats(monkeypatch, tmp_path):
    monkeypatch.setattr(probe.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path


def _beat(service, age=0.0):
    path = probe.heartbeat_path(service)
    with open(path, "w") as handle:
        handle.write("2026-01-01T00:00:00.000Z")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_heartbeat_path_is_per_service(tmpdir_for_heartbeats):
    assert probe.heartbeat_path("archive") == str(tmpdir_for_heartbeats / "estate-ops-archive.alive")
    assert probe.heartbeat_path("archive") != probe.heartbeat_path("finance")


def test_not_alive_without_a_heartbeat(tmpdir_for_heartbeats):
    assert probe.alive("archive") is False


def test_alive_with_a_fresh_heartbeat(tmpdir_for_heartbeats):
    _beat("archive")
    assert probe.alive("archive") is True
    assert probe.alive("finance") is False


def test_not_alive_with_a_stale_heartbeat(tmpdir_for_heartbeats):
    limit = 3 * probe.HEARTBEAT_SECONDS + 5
    _beat("archive", age=limit - 2)
    assert probe.alive("archive") is True
    _beat("archive", age=limit + 2)
    assert probe.alive("archive") is False


@pytest.mark.parametrize("argv", [
    ["probe"],
    ["probe", "alive"],
    ["probe", "dead", "archive"],
    ["probe", "alive", "archive", "extra"],
])
def test_main_usage_error_is_2(tmpdir_for_heartbeats, argv, capsys):
    assert probe.main(argv) == 2
    assert "usage" in capsys.readouterr().err


def test_main_alive_is_0_or_1(tmpdir_for_heartbeats):
    assert probe.main(["probe", "alive", "archive"]) == 1
    _beat("archive")
    assert probe.main(["probe", "alive", "archive"]) == 0


def _ready_file(service, age=0.0):
    path = probe.ready_path(service)
    probe.touch(path)
    then = time.time() - age
    os.utime(path, (then, then))


def test_ready_needs_a_fresh_heartbeat_and_a_fresh_ready_file(tmpdir_for_heartbeats):
    limit = 3 * probe.HEARTBEAT_SECONDS + 5
    _beat("archive")
    assert probe.ready("archive") is False  # alive, but its consumer never took messages
    _ready_file("archive")
    assert probe.ready("archive") is True
    assert probe.main(["probe", "ready", "archive"]) == 0
    _ready_file("archive", age=limit + 2)
    assert probe.ready("archive") is False
    _ready_file("archive")
    _beat("archive", age=limit + 2)
    assert probe.ready("archive") is False  # a ready file outliving its heartbeat is no readiness


@pytest.mark.parametrize("phase", ["starting", "connecting"])
def test_a_consumer_starting_or_connecting_is_alive_and_not_ready_however_long(phase):
    # a broker that is down must not get every pod restarted: a restart would not bring it back
    assert probe.verdict(phase, 3600.0) == (True, False)


def test_a_consuming_loop_is_alive_and_ready_until_it_stops_turning(monkeypatch):
    monkeypatch.setattr(probe, "CONSUMER_STUCK_SECONDS", 60.0)
    assert probe.verdict("consuming", 0.5) == (True, True)
    assert probe.verdict("consuming", 59.0) == (True, True)
    assert probe.verdict("consuming", 61.0) == (False, False)


class Archive(ServiceBase):
    """Only the base: health (archive's health contract), the sweep and the heartbeat."""

    name = "archive"


@pytest.fixture
def running_archive(container_factory, rabbit_config, tmpdir_for_heartbeats, monkeypatch):
    """The container of ``Archive``, started, once its first heartbeat said it is ready. Its
    heartbeat beats every 0.2 s: the first, at the start, finds the consumer still connecting, and
    the next came after the 5 s of production, waited out by each test (the tests beat themselves
    for what they judge; a beat in between judges the same)."""
    from estate_common.nameko import base
    monkeypatch.setattr(base, "HEARTBEAT_SECONDS", 0.2)
    container = container_factory(Archive, rabbit_config)
    container.start()
    eventually(lambda: probe.main(["probe", "ready", "archive"]) == 0, seconds=10)
    return container


@pytest.mark.broker
def test_a_running_service_is_ready_and_one_not_running_is_not(running_archive):
    assert probe.main(["probe", "alive", "archive"]) == 0
    assert probe.main(["probe", "ready", "finance"]) == 1


@pytest.mark.broker
def test_a_consumer_whose_loop_stopped_turning_makes_its_pod_neither_alive_nor_ready(running_archive, monkeypatch):
    container = running_archive
    consumer = CONSUMERS["archive"]
    stuck = eventlet.event.Event()
    consumer.on_iteration = stuck.wait  # the loop's next turn never ends
    try:
        monkeypatch.setattr(probe, "CONSUMER_STUCK_SECONDS", 1.5)
        # until its last turn is longer ago than that (it slept 3 s)
        eventually(lambda: time.monotonic() - consumer.last_turn > probe.CONSUMER_STUCK_SECONDS, seconds=10)
        probe.remove(probe.heartbeat_path("archive"))
        get_extension(container, Heartbeat).beat()
        assert probe.main(["probe", "alive", "archive"]) == 1
        assert probe.main(["probe", "ready", "archive"]) == 1
        assert not os.path.exists(probe.ready_path("archive"))
    finally:
        stuck.send()
        del consumer.on_iteration
    # turning again, it is alive and ready again at the next heartbeat
    eventually(lambda: consumer.last_turn is not None and time.monotonic() - consumer.last_turn < 1.5, seconds=5)
    get_extension(container, Heartbeat).beat()
    assert probe.ready("archive") is True


@pytest.mark.broker
def test_a_store_that_does_not_answer_makes_the_pod_alive_and_not_ready(running_archive, monkeypatch):
    container = running_archive

    def no_answer(db):
        raise TimeoutError("no server")
    monkeypatch.setattr("estate_common.store.ping", no_answer)
    get_extension(container, Heartbeat).beat()
    assert probe.alive("archive") is True
    assert probe.ready("archive") is False


@pytest.mark.broker
def test_a_restarted_container_does_not_find_its_predecessors_heartbeat(container_factory, rabbit_config,
                                                                        tmpdir_for_heartbeats):
    _beat("archive")
    _ready_file("archive")
    container = container_factory(Archive, rabbit_config)
    # what the container's start does first, before the first heartbeat
    get_extension(container, Heartbeat).setup()
    assert probe.alive("archive") is False and probe.ready("archive") is False


@pytest.mark.broker
def test_the_heartbeat_beats_while_every_worker_is_busy(container_factory, rabbit_config, tmpdir_for_heartbeats,
                                                         monkeypatch):
    """A timer's run needs a free worker: with every worker busy the files went stale though the
    consumer turned, and the pod was restarted for being busy. The heartbeat is a thread of its own."""
    from estate_common.nameko import base
    from estate_common.nameko.outbox import Outbox
    monkeypatch.setattr(base, "HEARTBEAT_SECONDS", 0.1)
    released = eventlet.event.Event()
    monkeypatch.setattr(Outbox, "sweep", lambda self, db: released.wait())  # a worker that does not end
    container = container_factory(Archive, dict(rabbit_config, max_workers=1))
    container.start()
    eventually(lambda: probe.ready("archive"), seconds=10)
    sweep = next(e for e in container.entrypoints if e.method_name == "relay_outbox")
    container.spawn_worker(sweep, (), {})  # the only worker, busy
    try:
        assert container._worker_pool.free() == 0
        probe.remove(probe.heartbeat_path("archive"))
        probe.remove(probe.ready_path("archive"))
        eventually(lambda: probe.ready("archive"), seconds=2)
    finally:
        released.send()
