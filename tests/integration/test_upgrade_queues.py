"""scripts/upgrade_queues.py: the classic event queues an older version left are deleted when
empty (the services then declare quorum queues) and kept, named, while they hold events."""
import io
import sys
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Producer, Queue

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import upgrade_queues  # noqa: E402

pytestmark = pytest.mark.broker


def _classic(connection, name):
    queue = Queue(name, Exchange("estate.upgrade-test", type="topic", durable=True), routing_key=name, durable=True)
    queue(connection.default_channel).declare()
    return queue


def test_empty_classic_event_queues_go_and_full_ones_stay(amqp_uri):
    with Connection(amqp_uri) as connection:
        _classic(connection, "evt-maintenance-work_order_created--customer_service.on_work_order_created")
        full = _classic(connection, "evt-finance-bill_settled--customer_service.on_bill_settled")
        _classic(connection, "rpc-archive")  # not an event queue: never touched
        Producer(connection.default_channel).publish({"event_id": "e1"}, exchange=full.exchange,
                                                     routing_key=full.routing_key, declare=[full])
        out = io.StringIO()
        kept = upgrade_queues.upgrade(amqp_uri, out=out)
        assert kept == ["evt-finance-bill_settled--customer_service.on_bill_settled"]
        left = {q["name"] for q in upgrade_queues.classic_event_queues(upgrade_queues.vhost_of(amqp_uri))}
        assert left == {"evt-finance-bill_settled--customer_service.on_bill_settled"}
        assert "still holds events" in out.getvalue() and "deleted the old classic queue" in out.getvalue()
        # the full queue still has its event, and the non-event queue is still there
        channel = connection.channel()
        assert channel.queue_declare(full.name, passive=True).message_count == 1
        assert channel.queue_declare("rpc-archive", passive=True).queue == "rpc-archive"
