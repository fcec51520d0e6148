"""``make bench``, the household import: a CSV owner list of 2,000 and of 10,000 rows, each into
a fresh estate, through the gateway (``POST /households/import``, then the job polled until it
ends). Goal (issue 15): linear in rows, the 10,000-row import <= 6x the 2,000-row one.
``BENCH_IMPORT_ROWS`` ("2000,10000") sets the sizes; an import still running after
``BENCH_IMPORT_TIMEOUT`` (600 s) counts as missed and the bench goes on.
"""
import os
import time
import uuid

GOAL_RATIO = 6.0


def owner_list(rows):
    lines = ["楼栋,单元,房号,面积,业主,电话"]
    lines += [f"{i // 1000 + 1},{i // 100 % 10 + 1},{i % 100 + 101},{60 + i % 4000 / 100:.2f},业主{i},"
              f"138{i:08d}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def import_seconds(gateway, rows, timeout):
    estate = gateway.post("/api/v1/estates", {"code": "IMP-" + uuid.uuid4().hex[:6].upper(), "name": "Import",
                                              "address": "1 Import Rd"}, expect=201).json()["id"]
    content = owner_list(rows)
    started = time.perf_counter()
    answer = gateway.session.post(f"{gateway.url}/api/v1/estates/{estate}/households/import", data=content,
                                  headers={**gateway.auth, "Content-Type": "text/csv"})
    if answer.status_code != 202:
        raise RuntimeError(f"the import answered {answer.status_code}: {answer.text[:300]}")
    job_id = answer.json()["id"]
    while time.perf_counter() - started < timeout:
        job = gateway.get(f"/api/v1/jobs/{job_id}")
        if job["status"] in ("succeeded", "failed"):
            elapsed = time.perf_counter() - started
            if job["status"] != "succeeded" or job["result"]["created"] != rows:
                raise RuntimeError(f"the import of {rows} rows ended {job['status']}: {str(job.get('result'))[:300]}")
            return elapsed
        time.sleep(0.25)
    return None


def run_section(gateway):
    sizes = [int(n) for n in os.environ.get("BENCH_IMPORT_ROWS", "2000,10000").split(",")]
    timeout = float(os.environ.get("BENCH_IMPORT_TIMEOUT", "600"))
    print(f"household import through the gateway (BENCH_IMPORT_ROWS={','.join(map(str, sizes))}, "
          f"BENCH_IMPORT_TIMEOUT={timeout:g} s)", flush=True)
    rows = []
    for size in sizes:
        seconds = import_seconds(gateway, size, timeout)
        rows.append({"rows": size, "seconds": None if seconds is None else round(seconds, 2)})
        shown = f"{seconds:8.2f} s" if seconds is not None else f"not done within {timeout:g} s"
        print(f"  {size:>7,} rows: {shown}", flush=True)
    small, large = rows[0], rows[-1]
    if small["seconds"] and large["seconds"]:
        ratio = round(large["seconds"] / small["seconds"], 2)
        allowed = GOAL_RATIO * large["rows"] / small["rows"] / 5  # 6x for 5x the rows
    else:
        ratio, allowed = None, GOAL_RATIO
    met = ratio is not None and ratio <= allowed
    print(f"  {large['rows']:,} rows / {small['rows']:,} rows = {ratio}x time   goal <= {allowed:g}x: "
          f"{'met' if met else 'MISSED'}", flush=True)
    return {"rows": rows, "ratio": ratio, "goal_ratio": allowed, "goal_met": met}
