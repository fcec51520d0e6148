"""``make bench``: what a service request costs through the gateway, next to
its parts measured in the same run.

1. store insert: one service-request document into the store (the embedded
   store unless MONGO_URI is set), in this process;
2. RPC round trip: the ``health`` RPC of customer-service through the kombu
   RPC client the gateway uses (broker, service, reply);
3. gateway create: ``POST /api/v1/estates/{id}/service-requests`` over HTTP
   (auth, validation, RPC, number, store write, outbox event).

Each is measured one call at a time (latency: p50, p99) and with 16 threads
(throughput). The ratios gateway ÷ RPC and gateway ÷ store are printed. Before the
system starts, ``bench/store_ops.py`` measures one document read, found, updated and
inserted at 10,000 and 100,000 documents, and ``bench/billing.py`` measures a billing run for a whole estate against a
raw bulk insert of as many documents (``BENCH_BILLING_HOUSEHOLDS``). The whole result
goes to bench/results/<UTC time>.json. The system runs on a throw-away vhost, so a
``make run`` beside it is not disturbed.
"""
import argparse
import json
import os
import secrets
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_local  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import billing  # noqa: E402
import store_ops  # noqa: E402

from estate_common import clock, ids, store  # noqa: E402
from estate_common.rpc_client import RpcClient  # noqa: E402
from estate_common.vhosts import fresh_vhost  # noqa: E402

THREADS = 16


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(name, operation, count, threads=THREADS):
    """Latency one call at a time, then throughput from ``threads`` threads."""
    latencies = []
    for index in range(count):
        started = time.perf_counter()
        operation(index)
        latencies.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(operation, range(count, 2 * count)))
    elapsed = time.perf_counter() - started
    result = {
        "name": name, "calls": count,
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(percentile(latencies, 0.99), 3),
        "throughput_per_s": round(count / elapsed, 1),
        "threads": threads,
    }
    print(f"  {name:<34} p50 {result['p50_ms']:>8.3f} ms   p99 {result['p99_ms']:>8.3f} ms   "
          f"{result['throughput_per_s']:>9.1f} /s ({threads} threads)", flush=True)
    return result


def bench_store(count):
    db = store.connect("bench")
    def insert(index):
        now = clock.now()
        db.service_requests.insert_one({
            "_id": ids.new_id("sr"), "estate_id": "est_bench", "number": f"SR-2026-{index:06d}",
            "kind": "repair", "household_id": "hh_bench", "channel": "phone", "description": "bench",
            "status": "open", "due_at": clock.to_iso(now), "created_at": clock.to_iso(now),
            "updated_at": clock.to_iso(now), "history": [], "_outbox": []})
    return measure("store insert_one", insert, count)


def bench_rpc(amqp_uri, signing_key, count):
    client = RpcClient(amqp_uri, timeout=5, owner="bench", signing_key=signing_key)
    try:
        return measure("nameko RPC round trip (health)", lambda _: client.call("customer_service", "health", {}), count)
    finally:
        client.close()


def bench_gateway(url, password, count):
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=THREADS))
    token = session.post(url + "/api/v1/auth/token", json={"username": "admin", "password": password}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    estate = session.post(url + "/api/v1/estates", headers=auth, json={
        "code": "BENCH-" + uuid.uuid4().hex[:6].upper(), "name": "Bench", "address": "1 Bench Rd"}).json()
    household = session.post(f"{url}/api/v1/estates/{estate['id']}/households", headers=auth, json={
        "building": "1", "unit": "1", "room": "101", "area_m2": 90, "owner": {"name": "Bench", "phone": "13000000000"}}).json()
    path = f"{url}/api/v1/estates/{estate['id']}/service-requests"
    body = {"kind": "consultation", "household_id": household["id"], "channel": "app", "description": "bench"}
    deadline = time.monotonic() + 15
    while session.post(path, headers=auth, json=body).status_code != 201:  # the household copy is on its way
        if time.monotonic() > deadline:
            raise RuntimeError("customer-service never received the household")
        time.sleep(0.1)

    def create(_):
        answer = session.post(path, headers=auth, json=body)
        if answer.status_code != 201:
            raise RuntimeError(f"create answered {answer.status_code}: {answer.text[:200]}")
    return measure("gateway POST service-request", create, count)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=int(os.environ.get("BENCH_CALLS", "1000")))
    args = parser.parse_args()
    store_kind = store_ops.store_kind()
    print(f"estate-ops bench: {args.calls} calls per measure, store: {store_kind}, "
          f"{os.cpu_count()} cores", flush=True)
    store_ops_result = store_ops.run_section()
    billing_result = billing.run_section()
    with fresh_vhost("estate_bench") as amqp_uri:
        password = secrets.token_urlsafe(16)
        env = run_local.environment({"AMQP_URI": amqp_uri, "ESTATE_ADMIN_PASSWORD": password,
                                     "GATEWAY_PORT": str(run_local.free_port())})
        log = open(os.devnull, "wb")
        system = run_local.System(env, stdout=log).start()
        try:
            system.wait_ready()
            results = [bench_store(args.calls), bench_rpc(amqp_uri, env["BUS_SIGNING_KEY"], args.calls),
                       bench_gateway(system.url, password, args.calls)]
        finally:
            system.stop()
            log.close()
    store_result, rpc_result, gateway_result = results
    ratios = {
        "gateway_p50_over_rpc_p50": round(gateway_result["p50_ms"] / rpc_result["p50_ms"], 2),
        "gateway_p50_over_store_p50": round(gateway_result["p50_ms"] / store_result["p50_ms"], 2),
        "gateway_throughput_over_rpc_throughput": round(
            gateway_result["throughput_per_s"] / rpc_result["throughput_per_s"], 3),
    }
    print("  ratios: " + ", ".join(f"{k} = {v}" for k, v in ratios.items()), flush=True)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (out / f"{stamp}.json").write_text(json.dumps(
        {"at": stamp, "store": store_kind, "cores": os.cpu_count(), "results": results, "ratios": ratios,
         "store_ops": store_ops_result, "billing": billing_result}, indent=2))
    print(f"  written to bench/results/{stamp}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
