"""The disclosure (收支公示) of a month and of a year on the big estate (``bench/big_estate.py``'s seed:
10,000 households, 120,000 bills) with a year of payments (one a bill, one in ten 1 yuan over it: prepaid money),
in process on the embedded store: ``python bench/disclosure.py [households]``. Prints, p50 of 3 calls,
the report (``operations._disclosure``) and its two walks: the bills of the period
(``store.bills_of_period``) and the prepaid money's history (``store.prepaid_history``: the payments of
the period, those written since it began and those with money unused). Figures: docs/benchmark-history.md.
"""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import big_estate  # noqa: E402 (bench/, beside this file)


def seconds(operation, calls=3):
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        operation()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(count):
    from estate_common import calendar, clock
    from estate_common.embedded_store import EmbeddedClient
    from finance import operations, periods, store

    db = EmbeddedClient(tz_aware=True)["finance"]
    estate_id = "est_bench_big"
    big_estate.seed(db, estate_id, count)
    payments = []
    for number, bill in enumerate(db.bills.find({"estate_id": estate_id}, {"household_id": 1, "amount_cents": 1,
                                                                          "created_at": 1})):
        at, payment_id, ahead = bill["created_at"], f"pay_bench_{number}", 100 if number % 10 == 0 else 0
        payments.append({"_id": payment_id, "estate_id": estate_id, "household_id": bill["household_id"],
                         "amount_cents": bill["amount_cents"] + ahead, "status": "posted", "posted_at": at,
                         "created_at": at, "updated_at": at, "day": at[:10], "prepaid_cents": ahead,
                         "unapplied_cents": ahead,
                         "reversal": None, "allocations": [{"id": f"{payment_id}.{bill['_id']}", "payment_id": payment_id,
                                                            "bill_id": bill["_id"], "amount_cents": bill["amount_cents"],
                                                            "at": at}]})
        if len(payments) == 5000:
            db.payments.insert_many(payments)
            payments = []
    if payments:
        db.payments.insert_many(payments)
    month = periods.add_months(periods.period_of(clock.now(), {"timezone": "Asia/Shanghai"}), -1)
    print(f"{count:,} households, {db.bills.count_documents({}):,} bills, {db.payments.count_documents({}):,} payments")
    for period in (month, month[:4]):
        report = seconds(lambda: operations._disclosure(db, estate_id, period, "Asia/Shanghai"))
        bills = seconds(lambda: list(store.bills_of_period(db, estate_id, period)))
        start, end = calendar.period_bounds(period, "Asia/Shanghai")
        history = seconds(lambda: store.prepaid_history(db, estate_id, start, end))
        print(f"  disclosure of {period:<7} p50 {report:5.2f} s (the bills of the period {bills:4.2f} s, "
              f"the prepaid money's history {history:4.2f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if sys.argv[1:] else 10_000)
