"""The timer that counts what a service closed, estate by estate and month by month, for
archive's completeness (``estate_common.closed_counts``).

A service mixes in ``CountsClosedRecords`` and names its store module (``closed_store``), which
answers ``estate_ids(db)``, ``rules_for(db, estate_id)`` (the estate's ``timezone``, for ``list_closed``;
the timer reads the estate's copy itself, once a round) and
``closed_queries(estate_id, start, end)`` → ``{kind: (collection, query, number field)}``: the
list ``list_closed`` answers (the gateway's ``GET …/archive/completeness/missing``), and
``closed_counts(db, estate_id, start, end)`` → ``{kind: n}``: the count announced, the closes
archive holds a record of (most stores count their query's documents; customer service counts a
reopened complaint's every close).
"""
from .. import calendar, clock, closed_counts, closed_counts_store, replica
from ..errors import InvalidInput, field_error
from .entrypoints import rpc_method
from .timers import timer


class CountsClosedRecords:
    closed_store = None

    @timer(interval=closed_counts.REPORT_SECONDS, eager=True)
    def report_closed_records(self):
        self.count_closed_records(clock.now())

    def count_closed_records(self, now):
        """The timer's work, callable with any ``now``: how many counts were announced."""
        store, db, outbox = self.closed_store, self.db, self.outbox
        return closed_counts.report_estates(
            db, outbox, lambda estate_id: lambda event_type, data: outbox.event(event_type, estate_id, data),
            store.estate_ids(db), lambda estate_id: replica.get(db, "estate", estate_id, estate_id),
            lambda estate_id, start, end: store.closed_counts(db, estate_id, start, end), now)

    @rpc_method
    def list_closed(self, payload):
        """What this service closed of one kind (``filters.kind``) in a period (``filters.period``:
        a month, quarter or year of the estate's calendar), a page in the lists' order: each thing's
        id and number, read by the query its count reads. A kind of another service is a 400."""
        store, db, filters, estate_id = self.closed_store, self.db, payload["filters"], payload["estate_id"]
        tz = store.rules_for(db, estate_id)["timezone"]
        start, end = calendar.period_bounds(filters["period"], tz)
        queries = store.closed_queries(estate_id, start, end)
        if filters["kind"] not in queries:
            raise InvalidInput(f"{self.name} closes no {filters['kind']}",
                               [field_error("filters.kind", f"is not closed by {self.name}")])
        return closed_counts_store.closed_page(db, estate_id, queries[filters["kind"]], payload.get("limit"),
                                               payload.get("cursor"))
