"""``make bench``, footprint: the resident memory of the whole system, idle and under a soak.

RSS is read from ``/proc/<pid>/status`` (``VmRSS``) for every process of the system (the five
services, the gunicorn master and its workers) and summed, as the issue asks (pages that a
forked gunicorn worker shares with its master count twice).

1. idle: once the system is ready and has served the other sections, after a few quiet
   seconds; goal <= 1 GiB on the embedded store;
2. soak: ``BENCH_SOAK_SECONDS`` (600, as issue 15 asks) of mixed traffic: 4 threads read as
   fast as they are answered (lists of requests, one request, the household list, the
   arrears page, KPIs) while one thread creates service requests at ``BENCH_SOAK_WRITES_PER_S``
   (5) a second, as a busy front desk would. The first fifth (at least 10 s) is warm-up; the
   RSS at its end is the base, and the largest RSS sampled after it (every second) is
   compared: goal <= +10 %. The embedded store keeps everything written in memory, so the
   soak's own documents count too (a few MiB at the default rate).
"""
import os
import random
import threading
import time
from pathlib import Path

import proc_cpu  # bench/, beside this file

GIB = 1024 ** 3
IDLE_GOAL_BYTES = 1 * GIB
GROWTH_GOAL = 0.10


def _rss(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def system_pids(system):
    """Every process of ``system`` still running, and their children."""
    return proc_cpu.descendants([p.pid for p in system.processes if p.poll() is None])


def system_rss(system):
    """Bytes: the sum of RSS of every process of ``system`` and their children."""
    return sum(_rss(pid) for pid in system_pids(system))


def idle(system, quiet_seconds=5):
    time.sleep(quiet_seconds)
    rss = system_rss(system)
    met = rss <= IDLE_GOAL_BYTES
    print(f"  idle RSS of the whole system {rss / 2**20:8.1f} MiB   goal <= 1024 MiB: {'met' if met else 'MISSED'}",
          flush=True)
    return {"idle_rss_mib": round(rss / 2**20, 1), "goal_idle_at_most_1_gib": met}


def soak(system, gateway, seconds=None, threads=4):
    seconds = seconds if seconds is not None else float(os.environ.get("BENCH_SOAK_SECONDS", "600"))
    warm_up = max(10.0, seconds / 5)
    base = gateway.estate
    created = [gateway.create_request()["id"]]
    calls, errors = [0], []
    stop = threading.Event()

    writes_per_s = float(os.environ.get("BENCH_SOAK_WRITES_PER_S", "5"))

    def reads(seed):
        pick = random.Random(seed)
        while not stop.is_set():
            choice = pick.random()
            try:
                if choice < 0.3:
                    gateway.get(f"/api/v1/estates/{base}/service-requests", {"limit": 50})
                elif choice < 0.6:
                    gateway.get(f"/api/v1/estates/{base}/service-requests/{pick.choice(created)}")
                elif choice < 0.75:
                    gateway.get(f"/api/v1/estates/{base}/households", {"limit": 50})
                elif choice < 0.9:
                    gateway.get(f"/api/v1/estates/{base}/arrears")
                else:
                    gateway.get(f"/api/v1/estates/{base}/kpis", {"period": time.strftime("%Y-%m")})
                calls[0] += 1
            except Exception as error:  # counted and shown; the soak goes on
                errors.append(repr(error)[:200])

    def writes():
        next_at = time.monotonic()
        while not stop.is_set():
            try:
                created.append(gateway.create_request()["id"])
                calls[0] += 1
            except Exception as error:
                errors.append(repr(error)[:200])
            next_at += 1 / writes_per_s
            time.sleep(max(0.0, next_at - time.monotonic()))

    print(f"soak: {seconds:.0f} s of mixed traffic ({threads} reading threads, creates at {writes_per_s:g}/s; "
          f"BENCH_SOAK_SECONDS, BENCH_SOAK_WRITES_PER_S), warm-up {warm_up:.0f} s", flush=True)
    workers = [threading.Thread(target=reads, args=(n,), daemon=True) for n in range(threads)]
    workers.append(threading.Thread(target=writes, daemon=True))
    for worker in workers:
        worker.start()
    started = time.monotonic()
    time.sleep(warm_up)
    warm = system_rss(system)
    peak = warm
    while time.monotonic() - started < seconds:
        time.sleep(1)
        peak = max(peak, system_rss(system))
    stop.set()
    for worker in workers:
        worker.join(timeout=30)
    end = system_rss(system)
    growth = (peak - warm) / warm
    met = growth <= GROWTH_GOAL and not errors
    print(f"  RSS after warm-up {warm / 2**20:8.1f} MiB, peak after it {peak / 2**20:8.1f} MiB, at the end "
          f"{end / 2**20:8.1f} MiB: growth {growth * 100:5.1f} %   goal <= 10 %: {'met' if met else 'MISSED'}"
          f"   ({calls[0]} calls, {len(created) - 1} creates, {len(errors)} errors)", flush=True)
    if errors:
        print(f"  first error: {errors[0]}", flush=True)
    return {"soak_seconds": seconds, "warm_up_seconds": warm_up, "calls": calls[0], "creates": len(created) - 1,
            "writes_per_s": writes_per_s, "errors": len(errors),
            "rss_after_warm_up_mib": round(warm / 2**20, 1), "rss_peak_mib": round(peak / 2**20, 1),
            "rss_end_mib": round(end / 2**20, 1), "growth": round(growth, 4), "goal_growth_at_most_10_pct": met}
