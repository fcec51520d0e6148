"""The floor of a create on this stack (issue 15, item 4): what gunicorn + Flask, the bus's RPC
and one quorum-queue event cost in CPU before any work of ours. Not part of ``make bench``; run it
alone on an idle machine: ``.venv/bin/python bench/floor.py``.

Each part under load, CPU from ``/proc`` of every process involved (2 cores: CPU, not wall time,
is what bounds a throughput):

1. **raw RPC**: customer-service's ``health`` through the gateway's kombu RPC client from 16
   threads (the bench's baseline): the service, RabbitMQ and this client;
2. **gunicorn + Flask**: a bare app on gunicorn ``gthread`` (1 worker, 16 threads) whose one view
   reads a JSON body and answers it, from 16 keep-alive ``http.client`` threads: the server only;
3. **an event**: kombu publish (persistent, confirmed, mandatory) to a durable quorum queue, acked
   one by one by a bare kombu consumer in another process: RabbitMQ, consumer and publisher.

A create crosses all three plus its HTTP client, so its throughput can be at most
``raw RPC ÷ (client + gunicorn/Flask + raw RPC + event)`` of the raw RPC's, with no validation,
store write, idempotency, log line or handler. Printed with that bound.
"""
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kombu import Connection, Exchange, Producer, Queue

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
import run_local  # noqa: E402
from proc_cpu import broker_pid, cpu_of, tree  # noqa: E402

from estate_common.rpc_client import RpcClient  # noqa: E402
from estate_common.vhosts import fresh_vhost  # noqa: E402

THREADS = 16
CALLS = 4000
BIN = Path(sys.executable).parent
BARE_APP = textwrap.dedent('''
    from flask import Flask, jsonify, request
    app = Flask(__name__)

    @app.post("/x")
    def x():
        return jsonify({"id": "sr_1", **request.get_json()}), 201
''')


def broker_pids():
    pid = broker_pid()
    return [pid] if pid else []


def per_call_ms(pids, run, calls):
    """ms of CPU per call of ``run(calls)`` over ``pids`` (with a pause for trailing work)."""
    before = cpu_of(pids)
    run(calls)
    time.sleep(1.0)
    return 1000 * (cpu_of(pids) - before) / calls


def raw_rpc(amqp_uri, signing_key, service_pid):
    client = RpcClient(amqp_uri, timeout=5, owner="bench", signing_key=signing_key)
    pids = tree(service_pid) + broker_pids() + [os.getpid()]
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            def run(calls):
                list(pool.map(lambda _: client.call("customer_service", "health", {}), range(calls)))
            run(300)
            return per_call_ms(pids, run, CALLS)
    finally:
        client.close()


def bare_flask():
    folder = Path(tempfile.mkdtemp(prefix="floor-"))
    (folder / "bare.py").write_text(BARE_APP)
    port = run_local.free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "-k", "gthread", "--threads", str(THREADS), "-w", "1",
                               "-b", f"127.0.0.1:{port}", "bare:app"], cwd=folder,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    local = threading.local()
    body = json.dumps({"kind": "consultation", "household_id": "hh_1", "channel": "app", "description": "bench"})

    def post(_):
        connection = getattr(local, "connection", None) or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        local.connection = connection
        connection.request("POST", "/x", body=body, headers={"Content-Type": "application/json"})
        connection.getresponse().read()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                post(None)
                break
            except OSError:
                local.connection = None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with ThreadPoolExecutor(THREADS) as pool:
            def run(calls):
                list(pool.map(post, range(calls)))
            run(1000)
            return per_call_ms(tree(server.pid), run, CALLS)
    finally:
        server.terminate()
        server.wait(10)


CONSUMER = textwrap.dedent('''
    import sys
    from kombu import Connection, Consumer, Exchange, Queue
    uri, name = sys.argv[1], sys.argv[2]
    exchange = Exchange("floor.events", type="topic", durable=True)
    queue = Queue(name, exchange=exchange, routing_key="e", durable=True, queue_arguments={"x-queue-type": "quorum"})
    with Connection(uri) as connection:
        with Consumer(connection.channel(), [queue], callbacks=[lambda body, message: message.ack()],
                      accept=["json"], prefetch_count=10):
            print("ready", flush=True)
            while True:
                try:
                    connection.drain_events(timeout=5)
                except Exception:
                    break
''')


def bare_event(amqp_uri):
    exchange = Exchange("floor.events", type="topic", durable=True)
    name = f"floor-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, exchange=exchange, routing_key="e", durable=True, queue_arguments={"x-queue-type": "quorum"})
    event = {"event_type": "service_request_created", "estate_id": "est_1", "occurred_at": "2026-12-02T00:00:00.000Z",
             "data": {"number": "SR-1", "kind": "repair", "description": "bench"}}
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        queue(connection.channel()).declare()
        consumer = subprocess.Popen([sys.executable, "-c", CONSUMER, amqp_uri, name], stdout=subprocess.PIPE, text=True)
        try:
            consumer.stdout.readline()  # ready
            producer = Producer(connection.channel(), exchange=exchange)

            def run(calls):
                for index in range(calls):
                    producer.publish({**event, "event_id": str(index)}, routing_key="e", serializer="json",
                                     delivery_mode=2, mandatory=True)
            run(300)
            time.sleep(1.0)
            return per_call_ms(broker_pids() + [consumer.pid, os.getpid()], run, CALLS)
        finally:
            consumer.terminate()
            consumer.wait(10)
            queue(connection.channel()).delete()


def main():
    print(f"the floor of a create: ms of CPU per call, {THREADS} threads, {CALLS} calls each; "
          f"{os.cpu_count()} cores, embedded store", flush=True)
    with fresh_vhost("estate_floor") as amqp_uri:
        with run_local.running_system({"AMQP_URI": amqp_uri, "ESTATE_ADMIN_PASSWORD": secrets.token_urlsafe(16)},
                                      os.devnull) as system:
            service_pid = system.processes[list(run_local.SERVICES).index("customer_service")].pid
            rpc = raw_rpc(amqp_uri, system.env["BUS_SIGNING_KEY"], service_pid)
        print(f"  raw RPC (service + broker + client)        {rpc:6.2f} ms", flush=True)
        flask = bare_flask()
        print(f"  gunicorn + Flask, a bare JSON view          {flask:6.2f} ms", flush=True)
        event = bare_event(amqp_uri)
        print(f"  one event (broker + consumer + publisher)   {event:6.2f} ms", flush=True)
    client = 0.4  # the bench's http.client per create (bench/write_path.py's LeanHttp)
    floor = client + flask + rpc + event
    print(f"  a create that does nothing: {client} + {flask:.2f} + {rpc:.2f} + {event:.2f} = {floor:.2f} ms: "
          f"its throughput at most {rpc / floor:.2f} of the raw RPC's (issue 15's goal: 0.5)", flush=True)


if __name__ == "__main__":
    main()
