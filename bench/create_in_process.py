"""A create's own CPU in process, broker-free (issue 15): not part of ``make bench``; run it alone.

``.venv/bin/python bench/create_in_process.py [N] [ROUNDS]`` times, in this process (CPU clock,
``time.process_time``), N consultations as the bench's create sends them, in ROUNDS rounds:

1. customer service's ``create_request`` as its worker runs it (``estate_common.testing.worker``:
   the input contract, the caller, the create on the embedded store with its outbox, the output
   contract; an outbox that keeps the events and pulls them as the relay does after a confirm);
2. the gateway's Flask app through werkzeug's test client, its RPC client replaced by a stub that
   answers customer service's real answer (one captured from 1.): the gateway's own time a create
   (its checks, idempotency, masking, log line, metrics), no broker, no gunicorn; the RPCs a
   create makes are counted.

Nothing here talks to RabbitMQ, so a commit can be timed against another on a loaded machine:
the figure moves with the machine's speed, not with the load's waits. It uses only what every
commit since session 53 has (``testing.worker``, ``create_app``), so it times an older commit run
with that commit's own virtualenv from that commit's tree (``CREATE_ROOT=<its clone>``, default
this file's repository), alternated with this one. ``PROFILE_OUT=<prefix>`` also keeps a cProfile of
each side (``<prefix>.service.prof``, ``<prefix>.gateway.prof``).
"""
import collections
import cProfile
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("CREATE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT / "gateway"))
os.environ["GATEWAY_TECHNICIAN_RELAY_SECONDS"] = "0"  # no relay thread in this process

from customer_service.service import CustomerService  # noqa: E402
from estate_common import config  # noqa: E402
from estate_common.testing import event, staff, worker  # noqa: E402

ESTATE, HOUSEHOLD = "est_bench", "hh_bench"
BODY = {"kind": "consultation", "household_id": HOUSEHOLD, "channel": "app", "description": "bench"}
WARMUP = 200


def desk():
    service = worker(CustomerService, caller=staff("bench", ["agent"], [ESTATE]))
    service.copy_estate(event("archive", "estate_created", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "BENCH-1", "name": "Bench", "address": "1 Bench Rd", "version": 1}))
    service.copy_household(event("archive", "household_created", ESTATE, {
        "id": HOUSEHOLD, "estate_id": ESTATE, "building": "1", "unit": "1", "room": "101", "area_m2": 90,
        "status": "occupied", "version": 1}))
    return service


def timed(name, operation, count, rounds, profile_to=None):
    """µs of CPU per call, each round's, and the median round's."""
    for _ in range(WARMUP):
        operation()
    profile = cProfile.Profile() if profile_to else None
    per_round, each = [], max(1, count // rounds)
    if profile:
        profile.enable()
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(each):
            operation()
        per_round.append((time.process_time() - started) / each * 1e6)
    if profile:
        profile.disable()
        profile.dump_stats(profile_to)
    print(f"  {name:<44} median {statistics.median(per_round):7.1f} µs   min {min(per_round):7.1f} µs   "
          f"rounds {[round(value) for value in per_round]}", flush=True)
    return statistics.median(per_round)


class StubRpc:
    """The gateway's RPC client, answering without a broker; ``calls`` counts what was asked."""

    answer = None
    calls = collections.Counter()

    def __init__(self, *args, **kwargs):
        pass

    def call(self, service, method, payload, *args, **kwargs):
        StubRpc.calls[(service, method)] += 1
        if method == "create_request":
            return StubRpc.answer
        if service == "archive":  # the estate the call names exists (known_estates)
            return {"id": ESTATE, "estate_id": ESTATE, "code": "BENCH-1", "name": "Bench", "address": "1 Bench Rd",
                    "version": 1, "retired_at": None}
        return {}

    def close(self, *args, **kwargs):
        pass


def main(count, rounds):
    profile = os.environ.get("PROFILE_OUT")
    print(f"a create in process, {count} calls in {rounds} rounds, µs of CPU a call ({ROOT})", flush=True)
    service = desk()
    payload = {"estate_id": ESTATE, "data": BODY}

    def create_in_service():
        service.create_request(payload)
        service.outbox.published.clear()
    timed("customer service create_request (worker)", create_in_service, count, rounds,
          profile and f"{profile}.service.prof")

    StubRpc.answer = service.create_request(payload)
    import gateway.app as gateway_app
    gateway_app.RpcClient = StubRpc
    password = secrets.token_urlsafe(16)
    app = gateway_app.create_app({"admin_password": password, "jwt_secret": secrets.token_urlsafe(48),
                                  "amqp_uri": config.amqp_uri()})
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "admin", "password": password}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/estates/{ESTATE}/service-requests"

    def create_through_gateway():
        answer = client.post(path, json=BODY, headers=headers)
        if answer.status_code != 201:
            raise RuntimeError(f"POST {path} answered {answer.status_code}: {answer.data[:200]!r}")
    StubRpc.calls.clear()
    timed("gateway POST service-request (stub RPC)", create_through_gateway, count, rounds,
          profile and f"{profile}.gateway.prof")
    made = WARMUP + max(1, count // rounds) * rounds
    asked = ", ".join(f"{service}.{method} {calls / made:g}" for (service, method), calls in StubRpc.calls.items())
    print(f"  RPCs a create makes: {asked}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, int(sys.argv[2]) if len(sys.argv) > 2 else 5)
