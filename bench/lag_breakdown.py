"""Where a create's event lag goes (issue 15): not part of ``make bench``; run it alone.

``.venv/bin/python bench/lag_breakdown.py [N] [GAP_MS]`` starts the system on a throw-away vhost
and creates N service requests through the gateway, one at a time, GAP_MS apart (default 300
and 20: a create meets no trailing work of the one before). Beside archive's durable queue of
``service_request_created`` it binds a probe of its own, an exclusive classic queue that a
thread of this process consumes, so each event is seen twice: when the broker routed it (the
probe) and when archive recorded it. Every figure is ms after the request was sent:

- ``answer``: the HTTP answer came back;
- ``occurred``: the event's ``occurred_at`` (customer-service, just before its write);
- ``routed``: the probe received it (the relay's publish, routed to a queue that delivers at
  once; the probe's own delivery is part of it);
- ``recorded``: archive's ``recorded_at`` of it (after archive's queue delivered it);

then ``lag`` (recorded - occurred, as ``make bench`` measures it), ``routed - answer`` (< 0: the
event left before the answer) and ``recorded - routed`` (the broker's delivery through
archive's queue, a quorum queue unless ``EVENT_QUEUE_TYPE=classic``, and archive's handler up
to its ``recorded_at``). The event's timestamps are whole milliseconds: ±1 ms each.
"""
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

from kombu import Connection, Consumer, Exchange, Queue

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
import latency  # noqa: E402
import run_local  # noqa: E402
import write_path  # noqa: E402

from estate_common import clock  # noqa: E402
from estate_common.vhosts import fresh_vhost  # noqa: E402

WARMUP = 100


class Probe:
    """An exclusive classic queue on customer-service's events for ``service_request_created``:
    ``arrived[request id]`` = wall-clock time its event was received."""

    def __init__(self, amqp_uri):
        self.arrived, self._stop = {}, threading.Event()
        self.connection = Connection(amqp_uri)
        self.channel = self.connection.channel()
        self.queue = Queue(f"lag-probe-{secrets.token_hex(4)}", routing_key="service_request_created",
                           exchange=Exchange("customer_service.events", type="topic", durable=True),
                           exclusive=True, durable=False)
        self.queue(self.channel).declare()
        self._thread = threading.Thread(target=self._consume, daemon=True)
        self._thread.start()

    def _on_message(self, body, message):
        self.arrived[body["data"]["id"]] = time.time()
        message.ack()

    def _consume(self):
        with Consumer(self.channel, [self.queue], callbacks=[self._on_message], accept=["json"]):
            while not self._stop.is_set():
                try:
                    self.connection.drain_events(timeout=0.2)
                except TimeoutError:
                    pass

    def close(self):
        self._stop.set()
        self._thread.join()
        self.connection.release()


def breakdown(gateway, probe, count, gap_seconds):
    sent = {}
    for _ in range(count):
        started = time.time()
        request_id = gateway.create_request()["id"]
        sent[request_id] = (started, time.time())
        time.sleep(gap_seconds)
    deadline = time.monotonic() + 30
    while True:
        recorded = write_path.recorded_creations(gateway, sent)
        if (len(recorded) == len(sent) and set(sent) <= set(probe.arrived)) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    figures = {name: [] for name in ("answer", "occurred", "routed", "recorded", "lag", "routed - answer",
                                     "recorded - routed")}
    for request_id, (started, answered) in sent.items():
        record, routed = recorded.get(request_id), probe.arrived.get(request_id)
        if record is None or routed is None:
            continue
        occurred = clock.parse_iso(record["occurred_at"]).timestamp()
        kept = clock.parse_iso(record["recorded_at"]).timestamp()
        for name, seconds in (("answer", answered - started), ("occurred", occurred - started),
                              ("routed", routed - started), ("recorded", kept - started), ("lag", kept - occurred),
                              ("routed - answer", routed - answered), ("recorded - routed", kept - routed)):
            figures[name].append(seconds * 1000)
    print(f"{len(figures['lag'])} of {count} creates, {gap_seconds * 1000:.0f} ms apart (ms after the request was sent)")
    for name, samples in figures.items():
        print(f"  {name:<18} p50 {latency.percentile(samples, 0.5):7.2f}   p90 {latency.percentile(samples, 0.9):7.2f}"
              f"   p99 {latency.percentile(samples, 0.99):7.2f}")


def main(count, gap_ms):
    password = secrets.token_urlsafe(16)
    with fresh_vhost("estate_lag") as amqp_uri:
        overrides = {"AMQP_URI": amqp_uri, "ESTATE_ADMIN_PASSWORD": password,
                     "JWT_SECRET": secrets.token_urlsafe(48), "BUS_SIGNING_KEY": secrets.token_urlsafe(48)}
        log_path = Path(tempfile.gettempdir()) / "lag_breakdown_system.log"
        with run_local.running_system(overrides, log_path) as system:
            gateway = write_path.Gateway(system.url, password)
            probe = Probe(amqp_uri)
            try:
                for _ in range(WARMUP):
                    gateway.create_request()
                breakdown(gateway, probe, count, gap_ms / 1000)
            finally:
                probe.close()
        print(f"(the system's log: {log_path})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300, float(sys.argv[2]) if len(sys.argv) > 2 else 20.0)
