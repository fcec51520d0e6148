"""``scripts/dead_letters.py`` on a real broker: list a dead letter without its data, replay it to
the queue it died in once the handler is fixed, purge."""
import importlib.util
import io
import json
import time
from pathlib import Path

import eventlet
import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from estate_common.nameko import entrypoints
from estate_common.nameko.entrypoints import consumes
from estate_common.nameko.outbox import make_event

pytestmark = pytest.mark.broker

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "dead_letters.py"
BROKEN = {"on": True}
APPLIED = []


def _script():
    spec = importlib.util.spec_from_file_location("dead_letters_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Recorder:
    name = "recorder"

    @consumes("archive", "household_created")
    def record(self, event):
        if BROKEN["on"]:
            raise RuntimeError("a bug, fixed by the next deploy")
        APPLIED.append(event["event_id"])


def household_event():
    return make_event("archive", "household_created", "est_1", {
        "id": "hh_1", "estate_id": "est_1", "building": "1", "unit": "2", "room": "301",
        "area_m2": 88.5, "status": "occupied", "version": 1,
    }, request_id="req-1", actor="admin")


def run(amqp_uri, *args):
    out = io.StringIO()
    assert _script().main([*args, "--service", "recorder", "--amqp-uri", amqp_uri], out=out) == 0
    return out.getvalue()


def listed(amqp_uri, wait_for, seconds=20):
    deadline = time.monotonic() + seconds
    while True:
        lines = [json.loads(line) for line in run(amqp_uri, "list").splitlines()]
        if len(lines) >= wait_for or time.monotonic() > deadline:
            return lines
        eventlet.sleep(0.3)


def test_list_replay_and_purge(container_factory, rabbit_config, amqp_uri, monkeypatch):
    event = household_event()
    monkeypatch.setattr(entrypoints, "RETRY_PAUSE_SECONDS", 0.1)
    BROKEN["on"] = True
    APPLIED.clear()
    container = container_factory(Recorder, dict(rabbit_config, EVENT_DELIVERY_LIMIT=1, EVENT_QUEUE_TYPE="quorum"))
    container.start()
    dispatch = event_dispatcher({"AMQP_URI": amqp_uri})
    dispatch("archive", "household_created", event)

    lines = listed(amqp_uri, wait_for=1)
    assert lines == [{"event_type": "household_created", "event_id": event["event_id"], "estate_id": "est_1",
                      "reason": "delivery_limit", "queue": "evt-archive-household_created--recorder.record",
                      "count": 1, "died_at": lines[0]["died_at"]}]
    assert "88.5" not in run(amqp_uri, "list")  # the envelope and the death only, never the data
    assert len(listed(amqp_uri, wait_for=1)) == 1  # listing leaves the message where it is

    BROKEN["on"] = False  # the fix is deployed
    with entrypoint_waiter(container, "record", timeout=10):
        assert "replay: 1 message(s)" in run(amqp_uri, "replay")
    assert APPLIED == [event["event_id"]]
    assert listed(amqp_uri, wait_for=0) == []

    BROKEN["on"] = True
    dispatch("archive", "household_created", household_event())
    assert len(listed(amqp_uri, wait_for=1)) == 1
    assert "purge: 1 message(s)" in run(amqp_uri, "purge", "--limit", "5")
    assert listed(amqp_uri, wait_for=0) == []
