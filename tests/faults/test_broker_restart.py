"""RabbitMQ restarts while repair requests stream in through the gateway.

On a private RabbitMQ node (``private_broker.py``; the shared node is never touched) the
whole system runs as ``make run`` starts it. Two clients register repair requests, each with
its own ``Idempotency-Key``, retrying a 503 with the same key, while the broker's app is
stopped and started again (``rabbitmqctl stop_app`` / ``start_app``). What must hold:

- the gateway answers 201 or 503, nothing else (no 500, no 409 for a retried key);
- every request answered 201 ends with exactly one work order (maintenance) and one archive
  record (archive): an RPC that went through before the broker died is found again by its
  key, and events written to an outbox before the restart are published after it and land
  in durable quorum queues (none lost, none applied twice);
- the services and the gateway reconnect by themselves.
"""
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from estate_common.testing import load_file

_E2E = Path(__file__).resolve().parents[1] / "e2e"
_conftest = load_file(_E2E / "conftest.py", "broker_restart_e2e_conftest")
_flows = load_file(_E2E / "flows.py", "broker_restart_e2e_flows")
ADMIN_PASSWORD, Api, run_local = _conftest.ADMIN_PASSWORD, _conftest.Api, _conftest.run_local
eventually, new_estate, new_household, register = (_flows.eventually, _flows.new_estate, _flows.new_household,
                                                  _flows.register)
from . import private_broker

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

CLIENTS = 2
MAX_REQUESTS_PER_CLIENT = 150  # a bound only: a client stops a few requests after the restart
# (rabbitmqctl itself may take half a minute on a loaded machine: the stream must outlast it)
AFTER_RESTART = 3  # requests each client still sends once the broker is back
PACE_SECONDS = 0.25  # between two requests of a client, so that the stream spans the restart
RESTART_AFTER = 6  # answered requests before the broker's app stops
RETRY_SECONDS = 30  # how long one request may be retried on 503
RPC_TIMEOUT_SECONDS = 2


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    if private_broker.bin_dir() is None:
        # fail, never skip: a skip left CI green with the guarantee unchecked (found by review)
        pytest.fail("the broker-restart test needs a local RabbitMQ installation (rabbitmq-server) to start "
                    "a private node (the shared broker must not be restarted): run 'make browser' as root, "
                    "or apt-get install -y rabbitmq-server", pytrace=False)
    node = private_broker.PrivateBroker(tmp_path_factory.mktemp("rabbitmq"))
    try:
        yield node.start()
    finally:
        node.stop()


@pytest.fixture(scope="module")
def system(broker, tmp_path_factory):
    overrides = {"AMQP_URI": broker.amqp_uri, "ESTATE_ADMIN_PASSWORD": ADMIN_PASSWORD, "ESTATE_CONTRACTS_STRICT": "1",
                 "RPC_TIMEOUT": str(RPC_TIMEOUT_SECONDS), "OUTBOX_SWEEP_SECONDS": "1",
                 "EVENT_QUEUE_TYPE": "quorum"}  # what a deployment runs: the restart must keep their events
    with run_local.running_system(overrides, tmp_path_factory.mktemp("system") / "system.log") as running:
        yield running


class Stream:
    """What the clients saw: the ids answered 201, the 503s retried, anything else."""

    def __init__(self):
        self.answered, self.unavailable, self.refused = [], [], []
        self.enough, self.restarted = threading.Event(), threading.Event()

    def client(self, url, token, path, household_id):
        api, after = Api(url), 0  # a session of its own: requests' sessions are not for two threads
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if self.restarted.is_set():
                if after == AFTER_RESTART:
                    return
                after += 1
            self.register(api, token, path, household_id)
            time.sleep(PACE_SECONDS)

    def register(self, api, token, path, household_id):
        """One request, with its own key, retried on 503 with the same key."""
        key = f"fault-{uuid.uuid4()}"
        body = {"kind": "repair", "household_id": household_id, "channel": "phone", "description": "burst pipe"}
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            answer = api.post(path, body, token, headers={"Idempotency-Key": key})
            if answer.status_code == 201:
                self.answered.append(answer.json()["id"])
                if len(self.answered) >= RESTART_AFTER:
                    self.enough.set()
                return
            if answer.status_code != 503 or time.monotonic() > deadline:
                self.refused.append((answer.status_code, answer.text[:300]))
                return
            self.unavailable.append(key)
            time.sleep(0.2)


def test_requests_streamed_through_a_broker_restart_end_with_one_order_and_one_record(system, broker):
    api = Api(system.url)
    admin = api.token("admin", ADMIN_PASSWORD)
    estate_id = new_estate(api, admin, "Restart Terrace")["id"]
    household_id = new_household(api, admin, estate_id)["id"]
    register(api, admin, estate_id, household_id)  # customer-service has its copy of the household
    path = f"/api/v1/estates/{estate_id}/service-requests"

    stream = Stream()
    clients = [threading.Thread(target=stream.client, args=(system.url, admin, path, household_id))
               for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    try:
        assert stream.enough.wait(30), f"{len(stream.answered)} requests answered before the restart"
        broker.ctl("stop_app")
        broker.ctl("start_app")
    finally:
        stream.restarted.set()
        for client in clients:
            client.join(RETRY_SECONDS * 2)
    answered = stream.answered
    assert not stream.refused, f"refused with something else than 503, or never answered: {stream.refused}"
    assert stream.unavailable, "no request met the stopped broker: the stream did not span the restart"
    assert len(set(answered)) == len(answered)

    def every(path):
        """All items of a list route, page by page; None while its service answers 503."""
        found, cursor = [], None
        while True:
            answer = api.get(path + (f"&cursor={cursor}" if cursor else ""), admin)
            assert answer.status_code in (200, 503), answer.text  # 503: a service not back yet
            if answer.status_code == 503:
                return None
            found += answer.json()["items"]
            cursor = answer.json()["next_cursor"]
            if not cursor:
                return found

    def counts():
        orders = every(f"/api/v1/estates/{estate_id}/work-orders?limit=200")
        records = every(f"/api/v1/estates/{estate_id}/archive/records?subject_type=service_request&limit=200")
        if orders is None or records is None:
            return None
        return Counter(o["request_id"] for o in orders), Counter(r["subject_id"] for r in records)

    def missing(found):
        """What is still missing, by kind (a service that answers 503 is named as such)."""
        if found is None:
            return "work-orders or archive records still answer 503"
        return {kind: [r for r in answered if not counter[r]] for kind, counter in zip(("work orders", "records"), found)}

    try:
        orders, records = eventually(lambda: (c := counts()) and all(c[0][r] and c[1][r] for r in answered) and c,
                                     seconds=30, interval=0.5)
    except AssertionError:
        raise AssertionError(f"{len(answered)} requests answered, 30 s after the restart still missing: "
                             f"{missing(counts())}") from None
    assert {r: orders[r] for r in answered} == dict.fromkeys(answered, 1), "work orders per request"
    assert {r: records[r] for r in answered} == dict.fromkeys(answered, 1), "archive records per request"
