"""The timer that counts what a service closed, estate by estate and month by month, for
archive's completeness (``estate_common.closed_counts``).

A service mixes in ``CountsClosedRecords`` and names its store module (``closed_store``), which
answers ``estate_ids(db)``, ``rules_for(db, estate_id)`` (the estate's ``timezone``) and
``closed_counts(db, estate_id, start, end)`` → ``{kind: n}``.
"""
from nameko.timer import timer

from .. import clock, closed_counts


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
            store.estate_ids(db), lambda estate_id: store.rules_for(db, estate_id)["timezone"],
            lambda estate_id, start, end: store.closed_counts(db, estate_id, start, end), now)
