"""The arrears of a past day on the big estate (``bench/big_estate.py``'s seed: 10,000 households,
120,000 bills), in process on the embedded store: ``python bench/arrears_as_of.py [households]``.

Prints, p50 over ``CALLS`` calls: the arrears page of today (kept: ``finance/arrears_view.py``);
the arrears as of the first day of 1, 2, 4 and 8 months back computed afresh (what the first page
of such a list costs, and each page after a bill is written: ``store.bills_owing_at``, then
``arrears.owed_at``), and a page of it once computed (the list kept for its pages,
``arrears_view.as_of``). No goal: the figures of the change that made it cheaper are in
docs/benchmark-history.md.
"""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import big_estate  # noqa: E402 (bench/, beside this file)

CALLS = 7


def p50_ms(operation, calls=CALLS):
    operation()  # the first use of an index prefix builds its map
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        operation()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def main(count):
    from estate_common import clock
    from estate_common.embedded_store import EmbeddedClient
    from finance import arrears_view, operations, periods

    db = EmbeddedClient(tz_aware=True)["finance"]
    estate_id = "est_bench_big"
    big_estate.seed(db, estate_id, count)
    rules = {"timezone": "Asia/Shanghai"}  # the seed's, and the estate's calendar without a copy
    current = periods.period_of(clock.now(), rules)
    print(f"{count:,} households, {count * big_estate.MONTHS:,} bills, embedded store, in process")
    print(f"  arrears page of today                 p50 {p50_ms(lambda: operations.list_arrears(db, estate_id, limit=50)):>8.1f} ms")
    for back in (1, 2, 4, 8):
        day = periods.add_months(current, -back) + "-01"
        filters = {"as_of": day}

        def afresh():
            arrears_view._kept_days.clear()
            return operations.list_arrears(db, estate_id, limit=50, filters=filters)
        households = len(operations.arrears_as_of(db, estate_id, day, clock.now()))
        print(f"  arrears as of {day}: computed p50 {p50_ms(afresh):>8.1f} ms, a page of it kept p50 "
              f"{p50_ms(lambda: operations.list_arrears(db, estate_id, limit=50, filters=filters)):>6.1f} ms "
              f"({households:,} households)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if sys.argv[1:] else 10_000)
