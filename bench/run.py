"""``make bench``: every figure of issue 15 next to its goal, in one run, on one store.

Sections, in this order (``BENCH_SECTIONS`` picks some: ``store,billing,write,footprint,import,
big,soak,export``; all by default):

- store: one document read, found, updated and inserted at 10,000 and 100,000 documents
  (``bench/store_ops.py``);
- billing: a billing run of a whole estate against a raw bulk insert (``bench/billing.py``);
- write: a service request created through the gateway against a raw nameko RPC and a raw
  store insert, throughput from 16 threads, event lag against raw kombu
  (``bench/write_path.py``);
- footprint: the whole system's RSS when idle (``bench/footprint.py``);
- import: the household import of 2,000 and 10,000 rows, then 2,000 again (``bench/household_import.py``);
- big: one estate of 10,000 households and 120,000 bills (``bench/big_estate.py``, a system of
  its own);
- soak: mixed traffic for ``BENCH_SOAK_SECONDS`` and the RSS growth after warm-up;
- export: 100,000 bills exported as CSV and XLSX in one streaming pass: time and peak memory
  (``bench/exports.py``).

The system runs on a throw-away vhost, so a ``make run`` beside it is not disturbed. The
whole result goes to bench/results/<UTC time>.json, with the store it ran on and how long
each section took.
"""
import argparse
import json
import os
import secrets
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_local  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import big_estate  # noqa: E402
import billing  # noqa: E402
import exports  # noqa: E402
import footprint  # noqa: E402
import household_import  # noqa: E402
import store_ops  # noqa: E402
import write_path  # noqa: E402

from estate_common.vhosts import fresh_vhost  # noqa: E402

SECTIONS = ("store", "billing", "write", "footprint", "import", "big", "soak", "export")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=int(os.environ.get("BENCH_CALLS", "1000")))
    args = parser.parse_args()
    chosen = [s for s in os.environ.get("BENCH_SECTIONS", ",".join(SECTIONS)).split(",") if s]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown BENCH_SECTIONS {sorted(unknown)}; known: {','.join(SECTIONS)}")
    store_kind = store_ops.store_kind()
    print(f"estate-ops bench: store: {store_kind}; {os.cpu_count()} cores; sections: {','.join(chosen)}; "
          f"{args.calls} calls per write-path measure", flush=True)
    began = time.monotonic()
    out, timings = {}, {}

    def timed(name, run):
        started = time.monotonic()
        out[name] = run()
        timings[name] = round(time.monotonic() - started, 1)

    if "store" in chosen:
        timed("store_ops", store_ops.run_section)
    if "billing" in chosen:
        timed("billing", billing.run_section)
    if {"write", "footprint", "import", "soak"} & set(chosen):
        with fresh_vhost("estate_bench") as amqp_uri:
            password = secrets.token_urlsafe(16)
            with run_local.running_system({"AMQP_URI": amqp_uri, "ESTATE_ADMIN_PASSWORD": password}, os.devnull,
                                          run_local.READY_WAIT_SECONDS) as system:
                if "write" in chosen:
                    timed("write_path", lambda: write_path.run_section(
                        system.url, password, amqp_uri, system.env["BUS_SIGNING_KEY"], args.calls))
                if "footprint" in chosen:
                    print("footprint", flush=True)
                    timed("footprint", lambda: footprint.idle(system))
                gateway = write_path.Gateway(system.url, password)
                if "import" in chosen:
                    timed("household_import", lambda: household_import.run_section(system, gateway))
                if "soak" in chosen:
                    timed("soak", lambda: footprint.soak(system, gateway))
    if "big" in chosen:
        timed("big_estate", lambda: big_estate.run_section(run_local, fresh_vhost))
    if "export" in chosen:
        timed("export", exports.run_section)
    total = round(time.monotonic() - began, 1)
    print(f"bench done in {total} s (" + ", ".join(f"{k} {v} s" for k, v in timings.items()) + ")", flush=True)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (results / f"{stamp}.json").write_text(json.dumps(
        {"at": stamp, "store": store_kind, "cores": os.cpu_count(), "sections": chosen, "seconds": timings,
         "total_seconds": total, **out}, indent=2))
    print(f"  written to bench/results/{stamp}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
