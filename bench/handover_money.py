"""Finance's part of the handover package on the big estate (``bench/big_estate.py``'s seed: 10,000
households, 120,000 bills, a year of monthly bills, about 39,000 unpaid), in process:
``python bench/handover_money.py [households]``.

Prints, p50 over ``CALLS`` calls (the time waited and the CPU time), ``operations.handover_money`` (what the gateway's ``GET
…/handover?as_of=`` waits for from finance, within the RPC timeout of 5 s) for three contract ends:
this month's last day (a contract ending now), the middle of last month, and the last day of the
month two months back (a package drawn up after the end, within ``exit_end_day_back_days``), and how
many bills each read. On the embedded store unless ``MONGO_URI`` is set (then a throw-away database
there, dropped after). No goal: the figures of the change that made it cheaper are in
docs/benchmark-history.md.
"""
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import big_estate  # noqa: E402 (bench/, beside this file)

CALLS = 5


def p50_ms(operation, calls=CALLS):
    """``(wall, cpu)``: the p50 of the time waited and of this process's CPU time (which other
    processes on a loaded machine disturb less)."""
    operation()  # the first use of an index prefix builds its map
    walls, cpus = [], []
    for _ in range(calls):
        started, cpu = time.perf_counter(), time.process_time()
        operation()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return round(statistics.median(walls), 1), round(statistics.median(cpus), 1)


def database():
    """``(db, store name, drop)``: MongoDB's when ``MONGO_URI`` is set, else the embedded store's."""
    uri = os.environ.get("MONGO_URI")
    if uri:
        from pymongo import MongoClient
        client = MongoClient(uri, tz_aware=True)
        name = f"bench_handover_{uuid.uuid4().hex[:8]}"
        return client[name], "MongoDB", lambda: client.drop_database(name)
    from estate_common.embedded_store import EmbeddedClient
    return EmbeddedClient(tz_aware=True)["finance"], "embedded (estate_common.embedded_store)", lambda: None


def main(count):
    from calendar import monthrange

    from estate_common import clock
    from finance import operations, periods, store

    db, kind, drop = database()
    try:
        estate_id = "est_bench_big"
        big_estate.seed(db, estate_id, count)
        rules = {"timezone": "Asia/Shanghai"}  # the seed's
        current = periods.period_of(clock.now(), rules)

        def last_day(month):
            return f"{month}-{monthrange(int(month[:4]), int(month[5:7]))[1]:02d}"
        ends = {"this month's end": last_day(current),
                "the middle of last month": periods.add_months(current, -1) + "-15",
                "two months back, its end": last_day(periods.add_months(current, -2))}
        print(f"{count:,} households, {count * big_estate.MONTHS:,} bills, {kind}, in process")
        for name, day in ends.items():
            read = sum(1 for _ in store.bills_at_contract_end(db, estate_id, day[:7]))
            money = operations.handover_money(db, estate_id, day)
            wall, cpu = p50_ms(lambda day=day: operations.handover_money(db, estate_id, day))
            print(f"  handover_money as of {day} ({name}): p50 {wall:>8.1f} ms, CPU {cpu:>8.1f} ms "
                  f"({read:,} bills read, {len(money['households']):,} households listed)")
    finally:
        drop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if sys.argv[1:] else 10_000)
