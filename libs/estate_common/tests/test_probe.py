"""Container probes: liveness from the heartbeat file, readiness over the broker."""
import os
import time

import pytest

from estate_common import probe
from estate_common.nameko import ServiceBase


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


class Archive(ServiceBase):
    """Only the base: health (archive's health contract), the sweep and the heartbeat."""

    name = "archive"


@pytest.mark.broker
def test_main_ready_is_0_when_the_service_answers_health_and_1_when_not(
        container_factory, rabbit_config, amqp_uri, monkeypatch, tmpdir_for_heartbeats):
    monkeypatch.setenv("AMQP_URI", amqp_uri)
    container = container_factory(Archive, rabbit_config)
    container.start()
    started = time.monotonic()
    assert probe.main(["probe", "ready", "archive"]) == 0
    assert probe.main(["probe", "ready", "finance"]) == 1  # not running: refused by the broker
    assert time.monotonic() - started < 5
    assert probe.ready("archive", timeout=2) is True


@pytest.mark.broker
def test_ready_is_false_when_the_broker_is_down(monkeypatch):
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@127.0.0.1:1/")
    assert probe.ready("archive", timeout=1) is False
