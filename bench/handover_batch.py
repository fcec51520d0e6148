"""A handover weekend (集中交付) of ``BENCH_HANDOVER_FLATS`` (240) flats, recorded one call at a time
(``POST …/households/{id}/handovers``, as the desk did) and as one batch (``POST …/handover-batches``,
the job polled to its end), each on flats of its own in one estate, through the gateway of a running
system: ``python bench/handover_batch.py http://127.0.0.1:8080`` (the admin's password in
``ESTATE_ADMIN_PASSWORD``). The flats are registered (the household import) and taken over first,
untimed. Prints both times and the batch's result counts; then the custody and repair copies
customer service made of the batch (one key entry per flat left with the desk, one repair per
defect), waited for at most ``BENCH_HANDOVER_SETTLE`` (120 s).
"""
import concurrent.futures
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

FLATS = int(os.environ.get("BENCH_HANDOVER_FLATS", "240"))
SETTLE = float(os.environ.get("BENCH_HANDOVER_SETTLE", "120"))


class Gateway:
    def __init__(self, url, password):
        self.url = url.rstrip("/")
        self.token = self.call("POST", "/api/v1/auth/token", {"username": "admin", "password": password})["access_token"]

    def call(self, method, path, body=None, raw=None, content_type="application/json", key=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        if getattr(self, "token", None):
            request.add_header("Authorization", f"Bearer {self.token}")
        if key:
            request.add_header("Idempotency-Key", key)
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path}: {error.code} {error.read()[:300]!r}") from None

    def job(self, job_id, timeout=900):
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            job = self.call("GET", f"/api/v1/jobs/{job_id}")
            if job["status"] in ("succeeded", "failed"):
                return job
            time.sleep(0.25)
        raise RuntimeError(f"job {job_id} not done in {timeout} s")

    def pages(self, path):
        cursor, items = None, []
        while True:
            page = self.call("GET", path + ("&" if "?" in path else "?") + "limit=200"
                             + (f"&cursor={cursor}" if cursor else ""))
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items


def flat_entry(household, n):
    entry = {"building": household["building"], "unit": household["unit"], "room": household["room"],
             "date": "2026-11-21", "received_by": f"业主{n}"}
    if n % 3 == 0:
        entry["keys"] = {"count": 2, "kept_by": "front_desk"}
    if n % 4 == 0:
        entry.update(defects=[{"item": "客厅墙面裂缝"}, {"item": "卫生间地漏堵塞"}], defects_accepted=True)
    return entry


def single_body(entry):
    failed = [{"item": d["item"], "result": "fail"} for d in entry.get("defects", [])]
    body = {"kind": "handover", "date": entry["date"], "received_by": entry["received_by"],
            "items": failed or [{"item": "交房验房", "result": "pass"}]}
    for name in ("keys", "defects_accepted"):
        if name in entry:
            body[name] = entry[name]
    return body


def main(url):
    gateway = Gateway(url, os.environ["ESTATE_ADMIN_PASSWORD"])
    estate = gateway.call("POST", "/api/v1/estates", {"code": "JZ-" + uuid.uuid4().hex[:6].upper(),
                                                      "name": "交付楼盘", "address": "1 Handover Rd"})["id"]
    base = f"/api/v1/estates/{estate}"
    lines = ["楼栋,单元,房号,面积,业主,电话"] + [
        f"{1 + i // FLATS},{1 + i % FLATS // 60},{101 + i % 60},89.5,业主{i},139{i:08d}" for i in range(2 * FLATS)]
    job = gateway.call("POST", f"{base}/households/import", raw=("\n".join(lines) + "\n").encode(),
                       content_type="text/csv")
    gateway.job(job["id"])
    households = sorted(gateway.pages(f"{base}/households?sort=address"), key=lambda h: (h["building"], h["unit"],
                                                                                         int(h["room"])))
    assert len(households) == 2 * FLATS, len(households)

    def take_over(household):
        gateway.call("POST", f"{base}/households/{household['id']}/handovers",
                     {"kind": "takeover", "date": "2026-11-01", "items": [{"item": "承接查验", "result": "pass"}]})
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(take_over, households))
    one_by_one, batched = households[:FLATS], households[FLATS:]

    started = time.perf_counter()
    for n, household in enumerate(one_by_one):
        gateway.call("POST", f"{base}/households/{household['id']}/handovers", single_body(flat_entry(household, n)),
                     key=f"single-{n}")
    single_seconds = time.perf_counter() - started

    started = time.perf_counter()
    job = gateway.call("POST", f"{base}/handover-batches",
                       {"handovers": [flat_entry(h, n) for n, h in enumerate(batched)]}, key="weekend-batch")
    done = gateway.job(job["id"])
    batch_seconds = time.perf_counter() - started
    result = {k: done["result"][k] for k in ("rows", "handed_over", "defects_found", "rejected")}
    print(json.dumps({"flats": FLATS, "one_by_one_seconds": round(single_seconds, 1),
                      "one_by_one_per_flat_ms": round(1000 * single_seconds / FLATS),
                      "batch_seconds": round(batch_seconds, 1),
                      "batch_per_flat_ms": round(1000 * batch_seconds / FLATS), "batch_result": result}), flush=True)

    # the batch's keys in custody and its repairs, as the single handovers' (customer service's copies)
    ids = {h["id"] for h in batched}
    wanted_keys = sum(1 for n in range(FLATS) if n % 3 == 0)
    wanted_repairs = 2 * sum(1 for n in range(FLATS) if n % 4 == 0)
    deadline = time.monotonic() + SETTLE
    while True:
        keys = [k for k in gateway.pages(f"{base}/keys") if k.get("household_id") in ids]
        repairs = [r for r in gateway.pages(f"{base}/service-requests?kind=repair") if r.get("household_id") in ids]
        if (len(keys), len(repairs)) == (wanted_keys, wanted_repairs) or time.monotonic() > deadline:
            break
        time.sleep(2)
    print(json.dumps({"keys_in_custody": len(keys), "keys_expected": wanted_keys, "repairs": len(repairs),
                      "repairs_expected": wanted_repairs}), flush=True)
    return estate


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
