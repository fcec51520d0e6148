"""The closed records each service reports to archive, month by month (资料归档完整率).

DOMAIN.md: archive completeness = closed records present in the archive ÷ closed records
reported by the services. Each service counts, in its own store, what it closed in the estate's
current and previous local month (the previous one too: a record closed at the month's end is
counted once the month is over), and any month since its first count of the estate that has
none (it was down over a month's turn: ``periods_to_report``), and keeps the count in
``closed_counts`` (one document per estate and month). A count that changed is announced, ``<service>.closed_records_counted``
``{period, counts: {kind: n}, counted_at}``, from that document's outbox (the one write path),
so it reaches archive as surely as the closing events themselves, and archive never calls a
service (an RPC from inside a service has no timeout). Archive keeps the newest count per
service and month and compares it with the records it holds (``archive.checks``).

A timer in each service (``CLOSED_COUNT_SECONDS``, 300 s) does the counting; the kinds are
those of ``KINDS``. The count's query also lists what was closed (``closed_counts_store``, the
service's ``list_closed``), so the gateway can name the records archive lacks.
"""
from . import calendar, clock, config
from .closed_counts_store import COLLECTION, EVENT, INDEXES, counted_periods, report  # noqa: F401 (the services' indexes)

# how often each service counts what it closed (seconds)
REPORT_SECONDS = config.env_float("CLOSED_COUNT_SECONDS", 300.0)

# kind of closed record -> the service that closes it and the archive events that are its records
KINDS = {
    "service_requests": ("customer_service", ("service_request_closed",)),
    "work_orders": ("maintenance", ("work_order_completed", "work_order_cancelled")),
    "patrol_rounds": ("security_patrol", ("patrol_round_finished",)),
    "incidents": ("security_patrol", ("incident_closed",)),
    "payments": ("finance", ("payment_posted",)),
}
# kind of closed record -> the subject type of its records (``GET …/archive/records?subject_type=``)
SUBJECT_TYPES = {"service_requests": "service_request", "work_orders": "work_order", "patrol_rounds": "patrol_round",
                 "incidents": "incident", "payments": "payment"}


# how far back a month not counted is counted at the next round (months)
RECOUNT_MONTHS = 24


def periods_to_report(now, tz, counted=(), registered=None):
    """The estate's previous and current local month (``YYYY-MM``), after them the months since its
    first count (``counted``: the months this service has counted of it) or its registration's month
    (``registered``: its ``created_at``, on its calendar), whichever is earlier, that have none,
    ``RECOUNT_MONTHS`` back at most: a service down over a month's turn never counted the month before,
    and archive's year read it as a month with nothing closed (found by h6); one down from the estate's
    registration to a month's turn first counted the months after it, and the registration's month,
    which archive's completeness owes from (``months_due``), stayed not counted for good (found by r6).
    An estate not counted yet and registered this month or last (or not known to be): the two."""
    current = calendar.period_of(now, tz)
    previous = calendar.add_months(current, -1)
    first = min(counted, default=previous)
    if registered:
        first = min(first, calendar.period_of(clock.parse_iso(registered), tz))
    month, gaps = max(first, calendar.add_months(current, -RECOUNT_MONTHS)), []
    while month < previous:
        if month not in counted:
            gaps.append(month)
        month = calendar.add_months(month, 1)
    return gaps + [previous, current]


def report_estates(db, outbox, announcer, estate_ids, estate_of, count, now):
    """Every estate's previous and current month and the months it lacks a count of
    (``periods_to_report``): ``count(estate_id, start, end)`` → ``{kind: n}`` over ``[start, end)``
    (ISO strings); ``announcer(estate_id)`` → the service's announce; ``estate_of(estate_id)`` → its
    copy (None before it came), read once a round for its calendar and its registration (``created_at``):
    its calendar through the settings and its registration apart were two reads of it (h6). How many
    counts were announced."""
    announced = 0
    for estate_id in estate_ids:
        copy = estate_of(estate_id) or {}
        tz, registered = calendar.timezone_of(copy), copy.get("created_at")
        for period in periods_to_report(now, tz, counted_periods(db, estate_id), registered):
            start, end = calendar.month_bounds(period, tz)
            if report(db, outbox, announcer(estate_id), estate_id, period, count(estate_id, start, end), now):
                announced += 1
    return announced
