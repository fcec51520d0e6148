"""A big estate's quarter (``python bench/billing_cycles.py [households]``, 10,000 by default): what a
run of an item with a quarterly standard costs, all of it written under the estate's lock of the billing
of months (``store.lock_own_cycles``, taken for ``HOUSEHOLD_LOCK_SECONDS``, 30 s), and what the
unbilled-months check (``GET …/unbilled-months``, the collection rate's ``not_billed``) costs over the
catch-up window, whose mid-cycle months walk the households (``billing.joined_mid_cycle``).

One estate of N household copies (a tenth registered in the quarter, a tenth handed over in it, so that
the mid-cycle months owe something), a quarterly standard from 2026-01;
the clock at 2026-11-23. Timed, on the embedded store unless MONGO_URI is set:

1. the unbilled-months check before any run (12 months back: 8 mid-cycle months);
2. October's run (the quarter's first month: N bills of three months, under the lock);
3. November's run (mid-cycle: the rest of the quarter for those registered or handed over in it);
4. the unbilled-months check again;
5. January's run, the clock at 2027-01-05 (the next quarter: N bills, each household's item claimed again in the
   coverage document its October bill made, under the lock's fence: a run's steady state).
"""
import gc
import json
import sys
import time

from estate_common import clock

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from billing import ESTATE, billing_estate, drop  # noqa: E402  (bench/ on the path)
from store_ops import store_kind  # noqa: E402


def households(count):
    rows = []
    for i in range(count):
        row = {"_id": f"hh_{i:07d}", "estate_id": ESTATE, "building": str(i // 1000), "unit": "1",
               "room": str(i % 1000), "area_m2": round(60 + (i % 9000) / 100, 2), "status": "occupied",
               "version": 1, "created_at": "2025-06-01T00:00:00.000Z"}
        if i % 10 == 1:
            row["created_at"] = "2026-11-02T03:00:00.000Z"   # registered in the quarter
        if i % 10 == 2:
            row["occupied_from"] = "2026-11-15"             # handed over in it
        rows.append(row)
    return rows


def estate(count):
    return billing_estate(count, rows=households(count), cycle="quarterly", label="cycles")


def timed(what):
    gc.collect()
    started = time.perf_counter()
    answer = what()
    return round(time.perf_counter() - started, 3), answer


def run(finance, period):
    job = finance.start_billing_run({"estate_id": ESTATE, "data": {"period": period}})
    finance.run_jobs()
    done = finance.get_job({"id": job["id"]})
    if done["status"] != "succeeded":
        raise RuntimeError(f"the run of {period} did not succeed: {done['error']}")
    return done["result"]["bills_created"]


def measure(count):
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))
    finance = estate(count)
    try:
        unbilled = lambda: [m["period"] for m in finance.list_unbilled_months({"estate_id": ESTATE})["items"]]  # noqa: E731
        row = {"households": count, "store": store_kind()}
        row["unbilled_before_s"], months = timed(unbilled)
        row["unbilled_months_before"] = len(months)
        row["october_run_s"], row["october_bills"] = timed(lambda: run(finance, "2026-10"))
        row["november_run_s"], row["november_bills"] = timed(lambda: run(finance, "2026-11"))
        row["unbilled_after_s"], months = timed(unbilled)
        row["unbilled_months_after"] = len(months)
        clock.freeze(clock.parse_iso("2027-01-05T02:00:00Z"))
        row["january_run_s"], row["january_bills"] = timed(lambda: run(finance, "2027-01"))
        return row
    finally:
        clock.reset()
        drop(finance.db)


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10000), indent=2), flush=True)
