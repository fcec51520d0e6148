"""Two replicas of maintenance on one MongoDB database: one is SIGKILLed while repair requests
stream in, and every accepted request still ends with exactly one work order.

Only a shared store allows this (the embedded store is private to its process: each replica
would keep its own orders and counters), so the test runs only with MONGO_URI, as in the
hosted CI workflow's ``mongodb`` job. What it proves:

- the events the killed replica had taken but not acknowledged (it acks after the write) are
  redelivered to the other replica, so no request is lost;
- a request that both replicas saw (the killed one wrote its order, then died before its ack)
  still has one order: the order's ``_id`` is natural (one per source), so the second insert
  is refused by the shared database;
- order numbers come from one shared counter: unique across replicas.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kombu import Connection

from estate_common import topology
from estate_common.rpc_client import RpcClient
from estate_common.testing import ADMIN, event, event_dispatcher

pytestmark = [
    pytest.mark.broker,
    pytest.mark.mongodb("needs MONGO_URI: two replicas share a store only on MongoDB; "
                        "runs in the hosted CI workflow"),
]

ROOT = Path(__file__).resolve().parents[2]
ESTATE = "est_replicas"
REQUESTS = 240
KILL_AFTER = REQUESTS // 3
EVENT_QUEUE = "evt-customer_service-service_request_created--maintenance.open_from_service_request"
START_SECONDS = 60
SETTLE_SECONDS = 90


def _start_replica(env, log):
    return subprocess.Popen(
        [sys.executable, "-m", "estate_common.serve", "--config", "config.yml", topology.SERVICES["maintenance"]],
        cwd=ROOT / "services" / "maintenance", env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)


def _consumers(amqp_uri, queue):
    """How many consumers the queue has (0 while it does not exist yet)."""
    with Connection(amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        try:
            return channel.queue_declare(queue=queue, passive=True).consumer_count
        except Exception:  # not declared yet: the passive declare closes the channel
            return 0


def _wait(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"{what} within {seconds} s")


def _all_work_orders(client):
    orders, cursor = [], None
    while True:
        payload = {"estate_id": ESTATE, "filters": {"source_type": "service_request"}, "limit": 200}
        if cursor:
            payload["cursor"] = cursor
        page = client.call("maintenance", "list_work_orders", payload, caller=ADMIN, request_id="replica-test")
        orders.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return orders


def _repair(number):
    return event("customer_service", "service_request_created", ESTATE, {
        "id": f"sr_replica_{number:04d}", "number": f"SR-2026-{number:06d}", "kind": "repair",
        "household_id": f"hh_{number % 17}", "channel": "app", "description": "the tap drips",
        "due_at": None, "created_at": "2026-11-23T09:00:00.000Z"}, request_id=f"replica-{number}")


def test_a_replica_killed_mid_stream_loses_no_request_and_doubles_none(amqp_uri, tmp_path):
    env = dict(os.environ, AMQP_URI=amqp_uri, ESTATE_CONTRACTS_STRICT="1", OUTBOX_SWEEP_SECONDS="1",
               PLAN_SWEEP_SECONDS="3600")  # MONGO_URI and this test's MONGO_DB_PREFIX: one database
    logs = [open(tmp_path / f"replica-{name}.log", "wb") for name in ("a", "b")]
    replicas = [_start_replica(env, log) for log in logs]
    client = RpcClient(amqp_uri, timeout=10, owner="test")
    try:
        _wait(lambda: _consumers(amqp_uri, EVENT_QUEUE) == 2 and _consumers(amqp_uri, "rpc-maintenance") == 2,
              START_SECONDS, "both replicas were not consuming")
        dispatch = event_dispatcher(amqp_uri)  # publisher confirms, the repair facet: each one accepted

        for number in range(REQUESTS):
            if number == KILL_AFTER:
                assert replicas[0].poll() is None, "replica a stopped before it was killed"
                os.killpg(replicas[0].pid, signal.SIGKILL)  # mid-stream, with events in hand
            dispatch("customer_service", "service_request_created", _repair(number))
            time.sleep(0.01)
        replicas[0].wait(10)
        assert replicas[0].returncode == -signal.SIGKILL

        def settled():
            return len(_all_work_orders(client)) >= REQUESTS

        _wait(settled, SETTLE_SECONDS, f"not every request got its work order (replica logs in {tmp_path})")
        time.sleep(2)  # a late duplicate, if any could be written, has every chance to land
        orders = _all_work_orders(client)

        per_request = {}
        for order in orders:
            per_request.setdefault(order["source"]["id"], []).append(order["id"])
        expected = {f"sr_replica_{number:04d}" for number in range(REQUESTS)}
        assert set(per_request) == expected
        assert all(len(ids) == 1 for ids in per_request.values()), \
            {request: ids for request, ids in per_request.items() if len(ids) > 1}
        assert len({order["number"] for order in orders}) == len(orders), "order numbers repeat across replicas"
        assert replicas[1].poll() is None, "the surviving replica stopped"
    finally:
        client.close()
        for replica in replicas:
            if replica.poll() is None:
                os.killpg(replica.pid, signal.SIGTERM)
        for replica in replicas:
            try:
                replica.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(replica.pid, signal.SIGKILL)
                replica.wait()
        for log in logs:
            log.close()
