"""``make bench``, export: 100,000 bills of one estate exported as CSV and as XLSX in one
streaming pass, in process (finance's store walk and column list, ``estate_common.exports``'
writer, the chunks written to ``export_chunks``), on the store the services use (the embedded
store unless MONGO_URI is set).

Figures per format: seconds for the pass, the file's size and chunks, and the peak of Python
memory allocated during the pass (``tracemalloc``, measured in a second pass of its own, since
tracing slows the first down, whose chunks are dropped instead of stored: on the embedded store
the stored chunks are process memory too, on MongoDB they are not). The bills themselves are
seeded before and not counted. Goal:
the peak stays far below the file (rows are written as they are read, the file goes out in
``exports.CHUNK_BYTES`` chunks). ``python bench/exports.py`` runs this part alone.
"""
import gc
import os
import sys
import time
import tracemalloc
import uuid

from estate_common import export_store, exports, store

ESTATE = "est_bench"
BILLS = int(os.environ.get("BENCH_EXPORT_BILLS", "100000"))


def bill(index):
    return {"_id": f"bill_{index:07d}", "estate_id": ESTATE, "household_id": f"hh_{index // 12:07d}",
            "item": "property_service", "period": f"2026-{index % 12 + 1:02d}", "status": "unpaid",
            "amount_cents": 21150, "paid_cents": 0, "allocations": [], "due_at": "2026-12-01T00:00:00.000Z",
            "created_at": f"2026-11-01T00:00:{index % 60:02d}.000Z", "description": "property service fee",
            "source": {"kind": "billing_run"}, "settled_at": None, "history": []}


def filled(count):
    from finance.store import INDEXES

    db = store.connect(f"bench_export_{uuid.uuid4().hex[:6]}")
    store.ensure_indexes(db, {"bills": INDEXES["bills"], **export_store.INDEXES})
    for start in range(0, count, 1000):
        db.bills.insert_many([bill(i) for i in range(start, min(count, start + 1000))], ordered=False)
    return db


def export_pass(db, file_format, keep=True):
    from finance import exports as columns, store as finance_store

    job = {"_id": f"job_finance_bench{uuid.uuid4().hex[:8]}", "estate_id": ESTATE,
           "params": {"resource": "bills", "format": file_format, "filters": {}, "full": []}}
    return exports.run(job, columns.BILLS, finance_store.export_bills(db, ESTATE, {}),
                       (lambda n, data, expires: export_store.save_chunk(db, ESTATE, job["_id"], n, data, expires))
                       if keep else (lambda n, data, expires: None),
                       lambda done, total=None: None)


def measure(db, file_format):
    gc.collect()
    started = time.perf_counter()
    result = export_pass(db, file_format)
    seconds = time.perf_counter() - started
    gc.collect()
    tracemalloc.start()
    export_pass(db, file_format, keep=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": result["rows"], "seconds": round(seconds, 2), "rows_per_s": round(result["rows"] / seconds),
            "file_mib": round(result["bytes"] / 2**20, 1), "chunks": result["chunks"],
            "peak_python_mib": round(peak / 2**20, 1)}


def run_section():
    from store_ops import store_kind  # bench/, beside this file

    print(f"export: seeding {BILLS} bills ({store_kind()})", flush=True)
    db = filled(BILLS)
    out = {"store": store_kind(), "bills": BILLS}
    for file_format in ("csv", "xlsx"):
        figures = measure(db, file_format)
        out[file_format] = figures
        print(f"  export {BILLS} bills as {file_format}: {figures['seconds']} s ({figures['rows_per_s']} rows/s), "
              f"file {figures['file_mib']} MiB in {figures['chunks']} chunks, peak Python memory "
              f"{figures['peak_python_mib']} MiB", flush=True)
    return out


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    run_section()
