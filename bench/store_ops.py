"""``make bench``, store: what one document operation costs in the store the services use
(the embedded store unless MONGO_URI is set), at 10,000 and 100,000 documents.

A ``bills`` collection with finance's declared indexes holds N bills of one estate (four per
household). Each operation runs ``BENCH_STORE_CALLS`` (1,000) times, one call at a time, on
ids spread over the collection; p50 and p99 in milliseconds:

1. get by _id: ``store.find_in_estate`` (``{_id, estate_id}``), as every "get" of a service;
2. find by declared index: a household's unpaid bills (``{estate_id, household_id, status}``);
3. update by _id: a guarded allocation (``{_id, estate_id, paid_cents}`` → ``$set`` + ``$push``);
4. insert: one new bill.

Goal: reading or updating one document by ``_id`` or by a declared index costs at most 1 ms
at 100,000 documents. ``python bench/store_ops.py`` runs this part alone.
"""
import gc
import os
import sys
import uuid

import latency  # bench/, beside this file
from estate_common import config, store

ESTATE = "est_bench"
SIZES = (10_000, 100_000)
GOAL_MS = 1.0


def store_kind():
    return "MongoDB" if config.mongo_uri() else "embedded (estate_common.embedded_store, in process)"


def bill(index):
    return {"_id": f"bill_{index:07d}", "estate_id": ESTATE, "household_id": f"hh_{index // 4:07d}",
            "item": "property_service", "period": "2026-11", "status": "unpaid", "amount_cents": 21150,
            "paid_cents": 0, "allocations": [], "due_at": "2026-12-01T00:00:00.000Z",
            "created_at": "2026-11-01T00:00:00.000Z", "history": [], "_outbox": []}


def filled(count):
    from finance.store import INDEXES

    db = store.connect(f"bench_store_{uuid.uuid4().hex[:6]}")
    store.ensure_indexes(db, {"bills": INDEXES["bills"]})
    for start in range(0, count, 1000):
        db.bills.insert_many([bill(i) for i in range(start, min(count, start + 1000))], ordered=False)
    return db


def timed(operation, calls):
    return latency.p50_p99(latency.timed(operation, calls))


def measure(count, calls):
    db = filled(count)
    gc.collect()
    stride = max(1, count // calls) | 1  # odd, so the ids spread over the whole collection

    def some_id(index):
        return (index * stride) % count

    def get(index):
        if store.find_in_estate(db.bills, ESTATE, f"bill_{some_id(index):07d}") is None:
            raise RuntimeError("a stored bill was not found")

    def find(index):
        household = f"hh_{some_id(index) // 4:07d}"
        if not list(db.bills.find({"estate_id": ESTATE, "household_id": household, "status": "unpaid"})):
            raise RuntimeError("a household's unpaid bills were not found")

    def update(index):
        bill_id = f"bill_{some_id(index):07d}"
        answer = db.bills.update_one({"_id": bill_id, "estate_id": ESTATE, "paid_cents": 0},
                                     {"$set": {"paid_cents": 100, "status": "partially_paid"},
                                      "$push": {"allocations": {"id": f"al_{index}", "amount_cents": 100}}})
        if answer.matched_count != 1:
            raise RuntimeError("a guarded update missed its bill")

    def insert(index):
        db.bills.insert_one(bill(count + index))

    find(0)  # a declared index's map of the queried prefix is built by its first use
    rows = {"documents": count, "calls": calls}
    for name, operation in (("get_by_id", get), ("find_by_index", find), ("update_by_id", update),
                            ("insert", insert)):
        rows[name] = timed(operation, calls)
    if config.mongo_uri():
        db.client.drop_database(db.name)
    print(f"  {count:>9,} documents:" + "".join(
        f"   {name} p50 {rows[name]['p50_ms']:.3f} ms p99 {rows[name]['p99_ms']:.3f} ms"
        for name in ("get_by_id", "find_by_index", "update_by_id", "insert")), flush=True)
    return rows


def run_section(sizes=SIZES, calls=None):
    calls = calls or int(os.environ.get("BENCH_STORE_CALLS", "1000"))
    print(f"store operations (store: {store_kind()}; BENCH_STORE_CALLS={calls})", flush=True)
    rows = [measure(count, calls) for count in sizes]
    largest = rows[-1]
    goal = all(largest[name]["p50_ms"] <= GOAL_MS for name in ("get_by_id", "find_by_index", "update_by_id"))
    print(f"  goal: one document by _id or declared index at {largest['documents']:,} documents "
          f"<= {GOAL_MS} ms (p50): {'met' if goal else 'MISSED'}", flush=True)
    return {"store": store_kind(), "rows": rows, "goal_at_most_1_ms": goal}


if __name__ == "__main__":
    run_section()
    sys.exit(0)
