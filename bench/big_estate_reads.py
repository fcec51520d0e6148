"""Every read of a big estate: one estate of 10,000 households with a year of monthly bills
(120,000) and a year's work of its desk, technicians and gate, and every GET of
``contracts/openapi.yaml`` that the estate's staff or an integrator calls for it, timed through
the gateway with the operator admin's token (p50 of ``BENCH_READS_CALLS``, 5, calls each).

Not part of ``make bench`` (the seed alone takes minutes): ``.venv/bin/python bench/big_estate_reads.py``
starts a system of its own on a throw-away vhost (the embedded store unless ``MONGO_URI`` is set),
seeds it and prints the table; ``--url URL`` (with ``ESTATE_ADMIN_PASSWORD``) seeds and sweeps a
system already running instead, ``--estate ID`` sweeps an estate seeded before without seeding.

The seed goes through the gateway, as the estate's staff would fill it (so every service holds
its own copies, archive its records, maintenance its orders opened from the desk's repairs):

- ``BENCH_READS_HOUSEHOLDS`` (10,000) households, imported from one owner list;
- a property-service fee standard, approved, and a billing run for each of the 12 months before
  this one (120,000 bills; none paid: every household is in arrears, the arrears page's worst);
- ``BENCH_READS_REQUESTS`` (6,000) service requests (a year of a desk at this size: four in ten
  repairs, each opening a work order in maintenance), ``BENCH_READS_VISITORS`` (12,000) visitors
  at the gate, half of them gone again, and some payments;
- ``BENCH_READS_ROUNDS`` (600) patrol rounds walked by six guards on one route (a third of them
  missing a checkpoint) and ``BENCH_READS_CONTACTS`` (3,000) steward contacts with owners,
  backdated over the last 13 days (last month's and this month's: the owner contacts due and
  their KPI have contacts to count); a third of the requests name a caller's phone, which the
  sweep's ``POST …/personal-data/search`` looks for.

Everything is registered today (the system's clock is not moved): a month's report or a period's
list therefore sees the year's whole volume, an upper bound of what a real month holds.
"""
import argparse
import concurrent.futures
import json
import os
import secrets
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import household_import  # noqa: E402  (bench/, beside this file)
from big_estate import admin_token, periods_before  # noqa: E402  (bench/, beside this file)

MONTHS = 12
THREADS = 6


class Gateway:
    def __init__(self, url, password):
        self.url = url
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=THREADS * 2)
        self.session.mount("http://", adapter)
        self.auth = {"Authorization": f"Bearer {admin_token(self.session, url, password, 120, 0.5)}"}

    def call(self, method, path, expect=(200, 201, 202), headers=None, **kwargs):
        headers = {**self.auth, **(headers or {})}
        if method == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        for attempt in range(20):
            answer = self.session.request(method, self.url + path, headers=headers, **kwargs)
            if answer.status_code in (429, 503) and attempt < 19:
                time.sleep(float(answer.headers.get("Retry-After") or 0.5))
                continue
            break
        if expect and answer.status_code not in expect:
            raise RuntimeError(f"{method} {path} answered {answer.status_code}: {answer.text[:400]}")
        return answer

    def json(self, method, path, **kwargs):
        return self.call(method, path, **kwargs).json()

    def wait_job(self, job_id, timeout=900):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.json("GET", f"/api/v1/jobs/{job_id}")
            if job["status"] in ("succeeded", "failed"):
                if job["status"] != "succeeded":
                    raise RuntimeError(f"job {job_id} failed: {str(job)[:400]}")
                return job
            time.sleep(0.5)
        raise RuntimeError(f"job {job_id} not done in {timeout} s")


def in_parallel(work, items):
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(work, items))


def all_ids(gateway, path, limit=200):
    found, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = gateway.json("GET", path, params=params)
        found += [item["id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


def step(name):
    print(f"  seed: {name}", flush=True)
    return time.perf_counter()


def seed(gateway, households, requests_count, visitors, estate=None, rounds=0, contacts=0):
    """``estate``: one whose households are imported already (a seed that stopped after them)."""
    started = time.perf_counter()
    if estate is None:
        estate = gateway.json("POST", "/api/v1/estates", json={
            "code": "BIG-" + uuid.uuid4().hex[:6].upper(), "name": "Big estate", "address": "1 Big Rd"})["id"]
        step(f"{households:,} households imported")
        answer = gateway.call("POST", f"/api/v1/estates/{estate}/households/import",
                              data=household_import.owner_list(households), headers={"Content-Type": "text/csv"})
        gateway.wait_job(answer.json()["id"])
    base = f"/api/v1/estates/{estate}"
    homes = all_ids(gateway, base + "/households")
    # the other services copy the households after the job: the requests need the desk's copy
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            gateway.call("GET", base + f"/households/{homes[-1]}")
            probe = gateway.call("POST", base + "/visitors", expect=None, json={
                "name": "Probe", "visiting_household_id": homes[-1], "purpose": "delivery"})
            if probe.status_code == 201:
                break
        except RuntimeError:
            pass
        time.sleep(2)
    step("a fee standard and 12 billing runs")
    standard = gateway.json("POST", base + "/fee-standards", json={
        "item": "property_service", "cycle": "monthly", "unit_price_cents_per_m2": 235,
        "valid_from": periods_before(datetime.now(timezone.utc), MONTHS)[0]})
    gateway.call("POST", base + f"/fee-standards/{standard['id']}/approve", json={})
    for period in periods_before(datetime.now(timezone.utc), MONTHS):
        run = gateway.json("POST", base + "/billing-runs", json={"period": period})
        gateway.wait_job(run["id"])
    step(f"{requests_count:,} service requests")
    kinds = ["repair"] * 4 + ["consultation"] * 3 + ["complaint", "suggestion", "praise"]
    channels = ["phone", "walk_in", "app", "portal"]

    def request(index):
        body = {"kind": kinds[index % len(kinds)], "household_id": homes[index * 7 % len(homes)],
                "channel": channels[index % len(channels)], "description": f"bench request {index}"}
        if body["kind"] == "complaint":
            body["complainant"] = "owner"
        if index % 3 == 0:  # a caller who left his phone: an occupant's request to see his data finds them
            body["contact"] = {"name": f"Caller {index}", "phone": f"139{index % 1000:08d}"}
        return gateway.json("POST", base + "/service-requests", json=body)["id"]
    in_parallel(request, range(requests_count))
    step(f"{visitors:,} visitors")

    def visitor(index):
        made = gateway.json("POST", base + "/visitors", json={
            "name": f"Visitor {index}", "visiting_household_id": homes[index * 13 % len(homes)],
            "purpose": "visit"})
        if index % 2:
            gateway.call("POST", base + f"/visitors/{made['id']}/departure", json={})
    in_parallel(visitor, range(visitors))
    step("payments")

    def pay(index):
        gateway.call("POST", base + "/payments", json={"household_id": homes[index * 11 % len(homes)],
                                                       "amount_cents": 30000, "method": "cash"})
    in_parallel(pay, range(500))
    step(f"{rounds:,} patrol rounds")
    patrol(gateway, base, estate, rounds)
    step(f"{contacts:,} steward contacts, backdated over the last {CONTACT_DAYS} days")
    now = datetime.now(timezone.utc)

    def contact(index):
        at = now - timedelta(days=index % CONTACT_DAYS, hours=index % 7, minutes=1)
        gateway.call("POST", base + "/owner-contacts", json={
            "household_id": homes[index * 3 % len(homes)], "kind": "steward_contact",
            "channel": ("phone", "visit", "message")[index % 3], "contacted_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "summary": f"bench contact {index}"})
    in_parallel(contact, range(contacts))
    return estate, round(time.perf_counter() - started, 1)


CHECKPOINTS = 6
CONTACT_DAYS = 13  # within the default recorded_within_days (14): last month's and this month's


def patrol(gateway, base, estate, rounds):
    """``rounds`` patrol rounds walked by ``THREADS`` guards of the estate (accounts with the
    security role, each walking his own one after another), on one route of ``CHECKPOINTS``
    checkpoints: started (unplanned: no plan), checked in at each checkpoint but the last of
    every third round (a missed checkpoint), finished."""
    route = gateway.json("POST", base + "/patrol-routes", json={"name": "Bench loop", "checkpoints": [
        {"code": f"P{number}", "name": f"Point {number}"} for number in range(1, CHECKPOINTS + 1)]})
    password = secrets.token_urlsafe(16)
    guards = []
    for number in range(THREADS):
        username = f"guard{number}_{uuid.uuid4().hex[:6]}"
        gateway.call("POST", "/api/v1/users", json={"username": username, "password": password,
                                                     "roles": ["security"], "estate_ids": [estate]})
        token = gateway.json("POST", "/api/v1/auth/token", json={"username": username, "password": password})
        guards.append((username, {"Authorization": f"Bearer {token['access_token']}"}))

    def walk(number):
        username, auth = guards[number]
        for index in range(number, rounds, THREADS):
            walked = gateway.json("POST", base + "/patrol-rounds", headers=auth,
                                  json={"route_id": route["id"], "guard": username})
            at = base + f"/patrol-rounds/{walked['id']}"
            for point in range(1, CHECKPOINTS + (0 if index % 3 == 0 else 1)):
                gateway.call("POST", at + "/check-ins", headers=auth, json={"checkpoint": f"P{point}"})
            gateway.call("POST", at + "/finish", headers=auth, json={})
    in_parallel(walk, range(THREADS))


# -- the sweep -------------------------------------------------------------------------------

# reads that are not the estate's (the operator's, an owner's, the system's) or that need what a
# sweep cannot name (a job's file, a public access code, the portal's pages)
SKIPPED_PREFIXES = ("/healthz", "/readyz", "/portal", "/api/docs", "/api/v1/openapi.json", "/api/v1/public",
                    "/api/v1/api-keys", "/api/v1/users/me", "/api/v1/jobs/")
SKIPPED = {"/api/v1/estates/{estate_id}/exports/{job_id}/file", "/api/v1/users/{user_id}"}
LATER_PAGE = 10  # "a later page": the tenth page of 50, or the last there is
EXPORTED = ("households", "service_requests", "work_orders", "bills", "payments", "arrears", "patrol_rounds",
            "incidents", "visitors", "shift_handovers", "fire_inspections")


def contract_reads():
    import yaml
    document = yaml.safe_load((ROOT / "contracts" / "openapi.yaml").read_text())
    params = document["components"]["parameters"]
    reads = []
    for path, operations in document["paths"].items():
        if "get" not in operations or path in SKIPPED or path.startswith(SKIPPED_PREFIXES):
            continue
        names = set()
        for parameter in operations.get("parameters", []) + operations["get"].get("parameters", []):
            parameter = params[parameter["$ref"].split("/")[-1]] if "$ref" in parameter else parameter
            if parameter["in"] == "query":
                names.add(parameter["name"])
        reads.append((path, names))
    return reads


def query_defaults(now):
    week = now.isocalendar()
    return {"period": now.strftime("%Y-%m"), "week": f"{week[0]}-W{week[1]:02d}", "year": str(now.year),
            "kind": "service_requests"}


def p50(samples):
    return round(statistics.median(samples), 1)


def timed(gateway, path, params, calls):
    samples, answer = [], None
    for _ in range(calls):
        started = time.perf_counter()
        answer = gateway.call("GET", path, expect=None, params=params)
        samples.append((time.perf_counter() - started) * 1000)
    return samples, answer


def item_ids(gateway, base, reads, now):
    """An id for each path parameter, from the list it is an item of (the first item)."""
    found = {"estate_id": base.rsplit("/", 1)[-1]}
    defaults = query_defaults(now)
    for path, names in sorted(reads, key=lambda read: read[0].count("{")):
        parts = path.split("/")
        for index, part in enumerate(parts):
            if part.startswith("{") and part != "{estate_id}" and part[1:-1] not in found:
                listing = "/".join(parts[:index]).replace("{estate_id}", found["estate_id"])
                listing_names = dict(reads).get("/".join(parts[:index]), set())
                params = {"period": defaults["period"]} if "period" in listing_names else None
                answer = gateway.call("GET", listing, expect=None, params=params)
                if answer.status_code == 200 and answer.json().get("items"):
                    found[part[1:-1]] = answer.json()["items"][0]["id"]
    return found


def sweep(gateway, estate, calls):
    now = datetime.now(timezone.utc)
    reads = contract_reads()
    base = f"/api/v1/estates/{estate}"
    ids = item_ids(gateway, base, reads, now)
    defaults = query_defaults(now)
    rows = []
    for path, names in reads:
        if "{estate_id}" not in path:
            if path == "/api/v1/kpis":
                concrete, params = path, {"period": defaults["period"]}
            elif path in ("/api/v1/users", "/api/v1/estates"):
                concrete, params = path, ({"estate_id": estate} if path == "/api/v1/users" else {})
            else:
                continue
        else:
            wanted = [part[1:-1] for part in path.split("/") if part.startswith("{")]
            missing = [name for name in wanted if name not in ids]
            if missing:
                rows.append({"path": path, "page": "-", "status": f"no {missing[0]}", "p50_ms": None})
                continue
            concrete = path
            for name in wanted:
                concrete = concrete.replace("{" + name + "}", ids[name])
            params = {}
        samples, answer = timed(gateway, concrete, params, 1)
        if answer.status_code in (400, 422):  # a required filter: the defaults it takes
            params.update({name: value for name, value in defaults.items() if name in names})
            if path.endswith("/occupants"):
                params.pop("kind", None)
        samples, answer = timed(gateway, concrete, params, calls)
        body = answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else {}
        rows.append({"path": path, "page": "first" if "items" in body else "", "status": answer.status_code,
                     "p50_ms": p50(samples), "params": params,
                     "items": len(body.get("items", [])) if isinstance(body, dict) else None})
        if isinstance(body, dict) and body.get("next_cursor"):
            cursor, pages = body["next_cursor"], 1
            while pages < LATER_PAGE - 1:
                page = gateway.json("GET", concrete, params={**params, "cursor": cursor})
                if not page.get("next_cursor"):
                    break
                cursor, pages = page["next_cursor"], pages + 1
            samples, later = timed(gateway, concrete, {**params, "cursor": cursor}, calls)
            rows.append({"path": path, "page": f"page {pages + 1}", "status": later.status_code,
                         "p50_ms": p50(samples), "params": params})
    samples, answer = [], None  # an occupant's request to see his data: a phone two seeded requests name
    for _ in range(calls):
        started = time.perf_counter()
        answer = gateway.call("POST", base + "/personal-data/search", expect=None, json={"phone": "13900000003"})
        samples.append((time.perf_counter() - started) * 1000)
    body = answer.json() if answer.status_code == 200 else {}
    rows.append({"path": f"POST {base.replace(estate, '{estate_id}')}/personal-data/search", "page": "",
                 "status": answer.status_code, "p50_ms": p50(samples),
                 "params": {"requests": len(body.get("service_requests", [])), "unavailable": body.get("unavailable")}})
    for resource in EXPORTED:
        samples = []
        for _ in range(calls):
            started = time.perf_counter()
            answer = gateway.call("POST", base + "/exports", expect=None, json={"resource": resource, "format": "csv"})
            samples.append((time.perf_counter() - started) * 1000)
        rows.append({"path": f"POST {base.replace(estate, '{estate_id}')}/exports {resource}", "page": "job start",
                     "status": answer.status_code, "p50_ms": p50(samples), "params": {}})
    return rows


def table(rows, store_kind):
    print(f"\nevery read of the big estate, p50 through the gateway, store: {store_kind}")
    print(f"{'p50 ms':>9}  {'status':>6}  {'page':<9}  operation")
    for row in sorted(rows, key=lambda row: -(row["p50_ms"] or 0)):
        shown = "-" if row["p50_ms"] is None else f"{row['p50_ms']:9.1f}"
        print(f"{shown:>9}  {str(row['status']):>6}  {row['page']:<9}  {row['path']}"
              + (f"  {row['params']}" if row.get("params") else ""))
    slow = [row for row in rows if (row["p50_ms"] or 0) > 100]
    print(f"{len(rows)} reads, {len(slow)} over 100 ms at p50", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url")
    parser.add_argument("--estate", help="sweep this estate, seeded before")
    parser.add_argument("--seed-into", help="go on seeding this estate, its households imported already")
    args = parser.parse_args()
    households = int(os.environ.get("BENCH_READS_HOUSEHOLDS", "10000"))
    requests_count = int(os.environ.get("BENCH_READS_REQUESTS", "6000"))
    visitors = int(os.environ.get("BENCH_READS_VISITORS", "12000"))
    rounds = int(os.environ.get("BENCH_READS_ROUNDS", "600"))
    contacts = int(os.environ.get("BENCH_READS_CONTACTS", "3000"))
    calls = int(os.environ.get("BENCH_READS_CALLS", "5"))

    def run(url, password):
        gateway = Gateway(url, password)
        estate = args.estate
        if not estate:
            estate, seconds = seed(gateway, households, requests_count, visitors, args.seed_into, rounds, contacts)
            print(f"seeded estate {estate} in {seconds} s", flush=True)
        return estate, sweep(gateway, estate, calls)

    # the store the system's services run on: their MONGO_URI, the embedded store without one
    store_kind = "MongoDB" if os.environ.get("MONGO_URI") else "embedded (estate_common.embedded_store, in process)"
    if args.url:
        estate, rows = run(args.url, os.environ.get("ESTATE_ADMIN_PASSWORD"))
    else:
        sys.path.insert(0, str(ROOT / "scripts"))
        import run_local
        from estate_common.vhosts import fresh_vhost
        with fresh_vhost("estate_bench_reads") as amqp_uri:
            password = secrets.token_urlsafe(16)
            with run_local.running_system({"AMQP_URI": amqp_uri, "ESTATE_ADMIN_PASSWORD": password}, os.devnull,
                                          run_local.READY_WAIT_SECONDS) as system:
                estate, rows = run(system.url, password)
    table(rows, store_kind)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (results / f"reads-{stamp}.json").write_text(json.dumps({"estate": estate, "rows": rows}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
