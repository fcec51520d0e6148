"""``make bench-scale`` (and ``make bench``): many estates on one deployment.

Starts the system (as ``make run`` does, on a throw-away vhost) and grows it to 10, then
100, then 1,000 estates, every one seeded alike through the public API (the gateway, HTTP,
``SEED_THREADS`` at once; nothing is written behind the services' backs): households,
repair requests (each opens a work order in maintenance over the bus), an approved fee
standard and a billing run (one bill per household). After each step it measures, one call
at a time, the p50 of a fixed set of requests made on estates of that step's batch (each
seeded alike and touched by no earlier measurement, so only the number of estates differs):

    create request   POST /estates/{id}/service-requests
    list requests    GET  /estates/{id}/service-requests
    get household    GET  /estates/{id}/households/{hh}
    list bills       GET  /estates/{id}/bills
    KPI              GET  /estates/{id}/kpis?period=YYYY-MM   (all five services)

Goal: each p50 at 1,000 estates within 20 % of its p50 at 10 (a request's cost does not
grow with the number of estates: every query is led by ``estate_id``,
``tests/architecture/test_estate_led_stores.py``). Prints each figure next to its goal and
the store it ran on, and writes ``bench/results/<time>-scale.json``.

The machine's own speed moves between the two measurements, minutes apart on a shared machine:
the same code read ratios from 0.93 to 1.34 in eleven runs (session 24), the 10-estate p50s
moving by a half. So each step also times a control whose cost has nothing to do with the
estates, taking turns with the measured requests: ``GET /readyz`` (the gateway asks its store
and all five services over the bus). The verdict is on each ratio over the control's, as every
other figure of the bench is a ratio against a baseline measured in the same run; both are
printed. (What the control would also absorb: a load the whole system carries that grows with
the estates, as the timers that visit every estate; the raw ratio shows it.)

Bounded: seeding stops with an error past ``BENCH_SCALE_BUDGET_SECONDS`` (900). On the shared
2-core machine with the embedded store the whole run took 8 minutes (483 s; 900 estates
seeded in 327 s). Sizes:
``BENCH_SCALE_TIERS`` (10,100,1000), ``BENCH_SCALE_CALLS`` (200 per request and step),
``BENCH_SCALE_HOUSEHOLDS`` (4 per estate), ``BENCH_SCALE_REPAIRS`` (4 per estate).
"""
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_local  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import latency  # noqa: E402
import store_ops  # noqa: E402

from estate_common.vhosts import fresh_vhost  # noqa: E402

TIERS = tuple(int(n) for n in os.environ.get("BENCH_SCALE_TIERS", "10,100,1000").split(","))
CALLS = int(os.environ.get("BENCH_SCALE_CALLS", "200"))
HOUSEHOLDS = int(os.environ.get("BENCH_SCALE_HOUSEHOLDS", "4"))
REPAIRS = int(os.environ.get("BENCH_SCALE_REPAIRS", "4"))
BUDGET_SECONDS = float(os.environ.get("BENCH_SCALE_BUDGET_SECONDS", "900"))
SEED_THREADS = 16
SAMPLE_ESTATES = 10  # the estates of a step's batch that the measured requests go to
CONTROL = "(control) readyz"  # timed with the requests, its cost independent of the estates
GOAL_RATIO = 1.20    # p50 at the largest step ÷ p50 at the smallest
WAIT_SECONDS = 60    # for what travels over the bus (copies of households, billing runs)


class Api:
    """The gateway over HTTP as the operator admin; one pooled session shared by the threads."""

    def __init__(self, url, password):
        self.url = url
        self.session = requests.Session()
        self.session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=SEED_THREADS))
        answer = self.session.post(url + "/api/v1/auth/token", json={"username": "admin", "password": password})
        answer.raise_for_status()
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def call(self, method, path, body=None, expect=(200, 201, 202)):
        answer = self.session.request(method, self.url + path, json=body, headers=self.headers, timeout=30)
        if answer.status_code not in expect:
            raise RuntimeError(f"{method} {path} answered {answer.status_code}: {answer.text[:300]}")
        return answer

    def eventually(self, method, path, body=None, seconds=WAIT_SECONDS):
        """Retry while the answer is 422 (a copy of master data still on its way over the bus)."""
        deadline = time.monotonic() + seconds
        while True:
            answer = self.call(method, path, body, expect=(200, 201, 202, 422))
            if answer.status_code != 422:
                return answer
            if time.monotonic() > deadline:
                raise RuntimeError(f"{method} {path} still 422 after {seconds} s: {answer.text[:300]}")
            time.sleep(0.2)


def period_now():
    """This month in the estates' calendar (Asia/Shanghai, the default timezone)."""
    return time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))


# -- seeding ------------------------------------------------------------------------------

def seed_estate(api, number):
    """One estate with its households, repairs (work orders) and bills, through the gateway."""
    estate = api.call("POST", "/api/v1/estates", {
        "code": f"SC-{number:05d}-{uuid.uuid4().hex[:4].upper()}", "name": f"Scale {number}",
        "address": f"{number} Scale Rd"}).json()["id"]
    base = f"/api/v1/estates/{estate}"
    households = [api.call("POST", f"{base}/households", {
        "building": str(1 + room // 2), "unit": "1", "room": f"{101 + room}", "area_m2": 80 + room,
        "owner": {"name": "Scale Owner", "phone": "13000000000"}}).json()["id"] for room in range(HOUSEHOLDS)]
    for index in range(REPAIRS):
        api.eventually("POST", f"{base}/service-requests", {
            "kind": "repair", "household_id": households[index % HOUSEHOLDS], "channel": "phone",
            "description": "scale bench repair"})
    standard = api.call("POST", f"{base}/fee-standards", {
        "item": "property_service", "unit_price_cents_per_m2": 235, "cycle": "monthly",
        "valid_from": period_now()}).json()["id"]
    api.call("POST", f"{base}/fee-standards/{standard}/approve")
    return {"id": estate, "households": households}


def billed(api, estate):
    """Run billing for the estate until every household has its bill (finance's copies of the
    households may arrive after the first run)."""
    base = f"/api/v1/estates/{estate['id']}"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run = api.call("POST", f"{base}/billing-runs", {"period": period_now()}).json()["id"]
        while True:
            job = api.call("GET", f"/api/v1/jobs/{run}").json()
            if job["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.2)
        result = job.get("result") or {}
        if job["status"] == "succeeded" and result.get("bills_created", 0) + result.get("already_billed", 0) >= HOUSEHOLDS:
            return
        time.sleep(0.5)
    raise RuntimeError(f"estate {estate['id']} never got its {HOUSEHOLDS} bills")


def seed(api, first, count, deadline):
    """Estates ``first`` .. ``first + count - 1``, ``SEED_THREADS`` at a time."""
    done = []
    lock = threading.Lock()

    def one(number):
        if time.monotonic() > deadline:
            raise RuntimeError(f"seeding passed its budget of {BUDGET_SECONDS:.0f} s (BENCH_SCALE_BUDGET_SECONDS)")
        estate = seed_estate(api, number)
        with lock:
            done.append(estate)
        return estate

    with ThreadPoolExecutor(max_workers=SEED_THREADS) as pool:
        estates = list(pool.map(one, range(first, first + count)))
    with ThreadPoolExecutor(max_workers=SEED_THREADS) as pool:
        list(pool.map(lambda estate: billed(api, estate), estates))
    return estates


# -- measuring ----------------------------------------------------------------------------

def requests_to_measure(api):
    """The fixed set: name -> call(estate, index)."""
    period = period_now()

    def create(estate, index):
        api.call("POST", f"/api/v1/estates/{estate['id']}/service-requests", {
            "kind": "consultation", "household_id": estate["households"][index % HOUSEHOLDS], "channel": "app",
            "description": "scale bench"})

    return {
        "create request": create,
        "list requests": lambda e, i: api.call("GET", f"/api/v1/estates/{e['id']}/service-requests?limit=50"),
        "get household": lambda e, i: api.call(
            "GET", f"/api/v1/estates/{e['id']}/households/{e['households'][i % HOUSEHOLDS]}"),
        "list bills": lambda e, i: api.call("GET", f"/api/v1/estates/{e['id']}/bills?limit=50"),
        "KPI": lambda e, i: api.call("GET", f"/api/v1/estates/{e['id']}/kpis?period={period}"),
    }


def measure(api, sample):
    """p50 and p99 (ms) of each request, one call at a time over ``sample``; the requests take
    turns, so a burst of load from elsewhere on the machine falls on all of them alike."""
    calls = requests_to_measure(api)
    for index in range(5):  # warm-up: connections, caches, the first page of a new estate
        for call in calls.values():
            call(sample[index % len(sample)], index)
    calls[CONTROL] = lambda e, i: api.call("GET", "/readyz")
    latencies = {name: [] for name in calls}
    for index in range(CALLS):
        for name, call in calls.items():
            started = time.perf_counter()
            call(sample[index % len(sample)], index)
            latencies[name].append((time.perf_counter() - started) * 1000)
    return {name: latency.p50_p99(samples) for name, samples in latencies.items()}


def settle(vhost, seconds=WAIT_SECONDS):
    """Wait until the system's queues are empty twice in a row (the events the seeding caused
    are handled), so that the measurement does not share the machine with them."""
    if not vhost or not shutil.which("rabbitmqctl"):
        time.sleep(5)
        return
    deadline, empty = time.monotonic() + seconds, 0
    while time.monotonic() < deadline and empty < 2:
        listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "messages"],
                                capture_output=True, text=True, timeout=60).stdout.split()
        empty = empty + 1 if all(not n.isdigit() or n == "0" for n in listed) else 0
        time.sleep(1)


def verdict(steps):
    """Each request's p50 at the largest step over the smallest, and that over the control's
    (the machine's drift taken out), judged against the goal."""
    first, last = steps[0], steps[-1]
    drift = last["figures"][CONTROL]["p50_ms"] / first["figures"][CONTROL]["p50_ms"]
    out = {}
    for name, figure in last["figures"].items():
        if name == CONTROL:
            continue
        ratio = figure["p50_ms"] / first["figures"][name]["p50_ms"]
        out[name] = {"ratio": round(ratio, 3), "control_ratio": round(drift, 3),
                     "ratio_over_control": round(ratio / drift, 3), "goal": GOAL_RATIO,
                     "met": ratio / drift <= GOAL_RATIO}
    return out


def run(url, password, vhost=None):
    api = Api(url, password)
    started = time.monotonic()
    deadline = started + BUDGET_SECONDS
    steps, seeded = [], 0
    for tier in TIERS:
        tier_started = time.monotonic()
        batch = seed(api, seeded, tier - seeded, deadline)
        seeded = tier
        seed_seconds = time.monotonic() - tier_started
        settle(vhost)
        sample = batch[-SAMPLE_ESTATES:]
        figures = measure(api, sample)
        steps.append({"estates": tier, "seed_seconds": round(seed_seconds, 1), "figures": figures,
                      "households": tier * HOUSEHOLDS, "repairs": tier * REPAIRS, "bills": tier * HOUSEHOLDS})
        print(f"  {tier:>5} estates ({tier * HOUSEHOLDS} households, {tier * REPAIRS} repairs and work orders, "
              f"{tier * HOUSEHOLDS} bills; {tier - (steps[-2]['estates'] if len(steps) > 1 else 0)} seeded "
              f"in {seed_seconds:.0f} s)", flush=True)
        for name, figure in figures.items():
            print(f"        {name:<16} p50 {figure['p50_ms']:>8.2f} ms   p99 {figure['p99_ms']:>8.2f} ms", flush=True)
    return steps, time.monotonic() - started


def report(steps, elapsed, store_kind):
    judged = verdict(steps)
    smallest, largest = steps[0]["estates"], steps[-1]["estates"]
    control = [step["figures"][CONTROL]["p50_ms"] for step in (steps[0], steps[-1])]
    print(f"  p50 at {largest} estates ÷ p50 at {smallest}, over the control's (GET /readyz {control[0]:.2f} → "
          f"{control[1]:.2f} ms, ratio {control[1] / control[0]:.2f}: the machine's drift) "
          f"(goal ≤ {GOAL_RATIO:.2f}; store: {store_kind}):")
    for name, figure in judged.items():
        print(f"        {name:<16} {steps[0]['figures'][name]['p50_ms']:>8.2f} → "
              f"{steps[-1]['figures'][name]['p50_ms']:>8.2f} ms   ratio {figure['ratio']:.2f}, "
              f"over the control's {figure['ratio_over_control']:.2f}   "
              f"goal ≤ {GOAL_RATIO:.2f}   {'met' if figure['met'] else 'NOT MET'}", flush=True)
    print(f"  scale bench took {elapsed:.0f} s (budget for seeding {BUDGET_SECONDS:.0f} s)", flush=True)
    return judged


def main():
    store_kind = store_ops.store_kind()
    print(f"estate-ops scale bench: estates {', '.join(map(str, TIERS))}; {CALLS} calls per request and step; "
          f"store: {store_kind}; {os.cpu_count()} cores; seeded through the gateway (public API, "
          f"{SEED_THREADS} threads)", flush=True)
    with fresh_vhost("estate_bench_scale") as amqp_uri:
        password = secrets.token_urlsafe(16)
        log = os.environ.get("BENCH_SCALE_LOG") or os.devnull  # the system's log lines
        with run_local.running_system({"AMQP_URI": amqp_uri, "ESTATE_ADMIN_PASSWORD": password}, log,
                                      run_local.READY_WAIT_SECONDS) as system:
            steps, elapsed = run(system.url, password, urlparse(amqp_uri).path.lstrip("/"))
    judged = report(steps, elapsed, store_kind)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (out / f"{stamp}-scale.json").write_text(json.dumps(
        {"at": stamp, "store": store_kind, "cores": os.cpu_count(), "seconds": round(elapsed, 1),
         "steps": steps, "p50_largest_over_smallest": judged}, indent=2))
    print(f"  written to bench/results/{stamp}-scale.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
