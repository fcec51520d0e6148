"""``make bench``, billing: what a billing run for a whole estate costs, next to a raw bulk
insert of as many documents into the same store, in the same run.

For N households (``BENCH_BILLING_HOUSEHOLDS``, 100,000 by default) and for N/10, the
median of ``BENCH_BILLING_REPEATS`` (3) rounds on fresh databases:

1. raw insert: the N documents a run writes, built beforehand (not timed), written with
   ``insert_many`` in batches of 1,000 into a fresh collection (the floor: the store's cost);
2. billing run: one estate with N household copies (queried once, not timed: a running
   service's store has its index maps built) and an approved area-priced standard;
   ``start_billing_run`` then the job timer's ``run_jobs`` (read the copies,
   price each in Decimal, write the bills in unordered batches, record progress);
3. repeated run: the same period again (every bill exists: N duplicates, none written).

Goals: run ÷ raw ≤ 2, and the run for N costs about 10× the run for N/10. The service
code runs in this process against the store the services use (the embedded store
unless MONGO_URI is set), with a recording outbox instead of the broker (a run
publishes nothing per bill). ``python bench/billing.py`` runs this part alone.
"""
import gc
import os
import statistics
import sys
import time
import uuid

from estate_common import clock, config, store
from store_ops import store_kind  # bench/ is on the path: one name for the store in every section

BATCH = 1000
ESTATE = "est_bench"
ADMIN = {"user": "bench", "roles": ["operator_admin"], "estates": ["*"]}


def fresh_db(label):
    db = store.connect(f"bench_{label}_{uuid.uuid4().hex[:6]}")
    return db


def drop(db):
    """Dropped on either store: an embedded database left behind grows the heap that the garbage
    collector walks, and slowed every later round."""
    db.client.drop_database(db.name)


def households(count):
    return [{"_id": f"hh_{i:07d}", "estate_id": ESTATE, "building": str(i // 1000), "unit": "1",
             "room": str(i % 1000), "area_m2": round(60 + (i % 9000) / 100, 2), "status": "occupied", "version": 1}
            for i in range(count)]


def raw_insert(count, indexed=False):
    """The same documents a run writes (built beforehand, not timed), with nothing but insert_many;
    ``indexed``: into a collection with finance's declared indexes, which a run's writes keep too."""
    from finance import billing
    from finance.service import FinanceService

    db = fresh_db("raw")
    if indexed:
        store.ensure_indexes(db, {"bills": FinanceService.indexes["bills"]})
    standard = {"_id": "fs_bench", "item": "property_service", "basis": "area", "unit_price_cents_per_m2": 235,
                "cycle": "monthly"}
    pairs = billing.billed_pairs([standard], households(count), "2026-11")
    docs = list(billing.run_bills(ESTATE, pairs, "job_finance_bench", lambda month: clock.now_iso(),
                                  clock.now_iso()))
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        db.bills.insert_many(docs[start:start + BATCH], ordered=False)
    elapsed = time.perf_counter() - started
    drop(db)
    return elapsed


def billing_estate(count, rows=None, cycle="monthly", label="finance"):
    """A finance worker on a fresh database with ``count`` household copies (``rows``: those, when
    given) and an approved property-service standard of ``cycle``."""
    from estate_common.testing import worker
    from finance import store as finance_store
    from finance.service import FinanceService

    db = fresh_db(label)
    store.ensure_indexes(db, FinanceService.indexes)
    db.households.insert_many(rows if rows is not None else households(count))
    # the embedded store builds an index's map at its first query: a running service has built it
    next(iter(finance_store.households_for_billing(db, ESTATE)))
    finance = worker(FinanceService, caller=ADMIN, db=db)
    standard = finance.create_fee_standard({"estate_id": ESTATE, "data": {
        "item": "property_service", "unit_price_cents_per_m2": 235, "cycle": cycle, "valid_from": "2026-01"}})
    finance.approve_fee_standard({"estate_id": ESTATE, "id": standard["id"]})
    return finance


def billing_run(finance):
    started = time.perf_counter()
    job = finance.start_billing_run({"estate_id": ESTATE, "data": {"period": "2026-11"}})
    finance.run_jobs()
    elapsed = time.perf_counter() - started
    done = finance.get_job({"id": job["id"]})
    if done["status"] != "succeeded":
        raise RuntimeError(f"the billing run did not succeed: {done['error']}")
    return elapsed, done["result"]


def measure(count, repeats):
    """Median of ``repeats`` rounds, each on fresh databases, after a full garbage collection
    (the machine is shared, and the collector's pauses grow with the heap)."""
    raws, indexed_raws, runs, repeated_runs = [], [], [], []
    for _ in range(repeats):
        gc.collect()
        raws.append(raw_insert(count))
        gc.collect()
        indexed_raws.append(raw_insert(count, indexed=True))
        finance = billing_estate(count)
        gc.collect()
        run_seconds, result = billing_run(finance)
        if result["bills_created"] != count:
            raise RuntimeError(f"expected {count} bills, the run created {result['bills_created']}")
        repeat_seconds, repeated = billing_run(finance)
        if repeated["bills_created"] != 0 or repeated["already_billed"] != count:
            raise RuntimeError("the repeated run billed something twice")
        runs.append(run_seconds)
        repeated_runs.append(repeat_seconds)
        drop(finance.db)
        del finance
    raw, indexed_raw, run_seconds, repeat_seconds = (statistics.median(v) for v in
                                                      (raws, indexed_raws, runs, repeated_runs))
    row = {"households": count, "repeats": repeats, "raw_insert_s": round(raw, 3),
           "raw_indexed_insert_s": round(indexed_raw, 3),
           "billing_run_s": round(run_seconds, 3), "repeated_run_s": round(repeat_seconds, 3),
           "run_over_raw": round(run_seconds / raw, 2), "run_over_indexed_raw": round(run_seconds / indexed_raw, 2),
           "bills_per_s": round(count / run_seconds)}
    print(f"  {count:>9,} households: raw insert {raw:7.2f} s (into the declared indexes {indexed_raw:.2f} s)   "
          f"billing run {run_seconds:7.2f} s ({row['run_over_raw']:.2f}x raw, {row['run_over_indexed_raw']:.2f}x "
          f"indexed raw, {row['bills_per_s']:,} bills/s)   repeated run {repeat_seconds:7.2f} s"
          f"   (median of {repeats})", flush=True)
    return row


def run_section(households=None):
    households = households or int(os.environ.get("BENCH_BILLING_HOUSEHOLDS", "100000"))
    repeats = int(os.environ.get("BENCH_BILLING_REPEATS", "3"))
    print(f"billing run (store: {store_kind()}; BENCH_BILLING_HOUSEHOLDS={households}, "
          f"BENCH_BILLING_REPEATS={repeats})", flush=True)
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))
    try:
        small, large = measure(max(1, households // 10), repeats), measure(households, repeats)
    finally:
        clock.reset()
    scaling = round(large["billing_run_s"] / small["billing_run_s"], 2)
    goals = {"run_over_raw_at_most_2": large["run_over_raw"] <= 2.0,
             "ten_times_households_about_ten_times_time": 7.0 <= scaling <= 13.0}
    print(f"  10x households -> {scaling}x time;  goals: " +
          ", ".join(f"{name} {'met' if met else 'MISSED'}" for name, met in goals.items()), flush=True)
    return {"store": store_kind(), "rows": [small, large], "scaling_10x": scaling, "goals": goals}


if __name__ == "__main__":
    import json
    print(json.dumps(run_section(int(sys.argv[1]) if len(sys.argv) > 1 else None), indent=2))
