"""The closed-record counts a service reports to archive (estate_common.closed_counts)."""
import uuid
from datetime import datetime, timezone

import pytest

from estate_common import closed_counts, common_store, store
from estate_common.testing import RecordingOutbox


@pytest.fixture
def db():
    database = common_store.embedded_database(f"test_closed_{uuid.uuid4().hex[:8]}")
    store.ensure_indexes(database, closed_counts.INDEXES)
    return database


def announce_with(outbox):
    return lambda event_type, data: outbox.event(event_type, "est_1", data)


def test_the_previous_and_current_month_are_reported_in_the_estates_calendar():
    late_in_october = datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)  # 1 November 01:00 in Shanghai
    assert closed_counts.periods_to_report(late_in_october, "Asia/Shanghai") == ["2026-10", "2026-11"]
    assert closed_counts.periods_to_report(late_in_october, "Europe/Berlin") == ["2026-09", "2026-10"]
    assert closed_counts.periods_to_report(datetime(2027, 1, 5, tzinfo=timezone.utc), "UTC") == ["2026-12", "2027-01"]


def test_a_count_is_announced_when_new_or_changed_and_kept_once_per_month(db):
    outbox = RecordingOutbox("maintenance")
    now = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    announce = announce_with(outbox)
    assert closed_counts.report(db, outbox, announce, "est_1", "2026-11", {"work_orders": 3}, now)
    assert closed_counts.report(db, outbox, announce, "est_1", "2026-11", {"work_orders": 3}, now) is None
    assert closed_counts.report(db, outbox, announce, "est_1", "2026-11", {"work_orders": 4}, now)["counts"] == \
        {"work_orders": 4}
    assert [e["data"]["counts"]["work_orders"] for e in outbox.of_type("closed_records_counted")] == [3, 4]
    assert db[closed_counts.COLLECTION].count_documents({"estate_id": "est_1"}) == 1


def test_every_estate_is_visited_with_its_own_months(db):
    outbox = RecordingOutbox("finance")
    seen = []

    def count(estate_id, start, end):
        seen.append((estate_id, start, end))
        return {"payments": 0}
    now = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    announced = closed_counts.report_estates(db, outbox, lambda estate_id: (
        lambda event_type, data: outbox.event(event_type, estate_id, data)), ["est_1", "est_2"],
        lambda estate_id: {"timezone": "Asia/Shanghai"}, count, now)
    assert announced == 4
    assert seen[0] == ("est_1", "2026-09-30T16:00:00.000Z", "2026-10-31T16:00:00.000Z")
    assert {e["estate_id"] for e in outbox.of_type("closed_records_counted")} == {"est_1", "est_2"}


def test_a_month_not_counted_since_the_first_count_is_counted_at_the_next_round(db):
    """h6: a service counts the current and the previous month; one down over a month's turn never
    counted the month before, and archive's year read it as nothing closed. The months between the
    estate's first count and the previous month that have none are counted too (``RECOUNT_MONTHS``
    back at most); an estate never counted yet starts with the two months, as before."""
    outbox = RecordingOutbox("finance")
    announce = announce_with(outbox)
    seen = []

    def count(estate_id, start, end):
        seen.append(start)
        return {"payments": 1}

    def round_at(now):
        seen.clear()
        return closed_counts.report_estates(db, outbox, lambda estate_id: announce, ["est_1"],
                                            lambda estate_id: {"timezone": "UTC"}, count, now)
    assert round_at(datetime(2026, 7, 10, tzinfo=timezone.utc)) == 2  # June and July: the first round
    assert round_at(datetime(2026, 11, 23, tzinfo=timezone.utc)) == 4  # down since: August to November
    assert seen == ["2026-08-01T00:00:00.000Z", "2026-09-01T00:00:00.000Z", "2026-10-01T00:00:00.000Z",
                    "2026-11-01T00:00:00.000Z"]
    assert round_at(datetime(2026, 11, 24, tzinfo=timezone.utc)) == 0 and len(seen) == 2  # whole: the two months
    assert closed_counts.periods_to_report(datetime(2026, 11, 23, tzinfo=timezone.utc), "UTC", {"2023-01"}) == [
        closed_counts_month for closed_counts_month in
        [f"2024-{m:02d}" for m in range(11, 13)] + [f"2025-{m:02d}" for m in range(1, 13)] +
        [f"2026-{m:02d}" for m in range(1, 12)]]  # RECOUNT_MONTHS (24) back at most


def test_a_service_down_over_the_estate_s_first_month_turn_counts_its_registration_s_month(db):
    """r6: the months recounted began at the service's first count of the estate. One down from the
    estate's registration, 30 October, to 2 December first counted November and December: October,
    the registration's month, was never counted, and archive named it not counted for good
    (``months_due`` begins at the registration). The months since the registration's, on the estate's
    calendar, that have none are counted too (``RECOUNT_MONTHS`` back at most); at UTC+14 the
    registration at 10:30 UTC on 31 December is in January."""
    assert closed_counts.periods_to_report(datetime(2026, 12, 2, tzinfo=timezone.utc), "UTC",
                                           registered="2026-10-30T09:00:00.000Z") == ["2026-10", "2026-11", "2026-12"]
    assert closed_counts.periods_to_report(datetime(2027, 2, 3, tzinfo=timezone.utc), "Pacific/Kiritimati",
                                           registered="2026-12-31T10:30:00.000Z") == ["2027-01", "2027-02"]
    assert closed_counts.periods_to_report(datetime(2026, 12, 2, tzinfo=timezone.utc), "UTC", {"2026-11"},
                                           registered="2020-01-01T00:00:00.000Z")[0] == "2024-12"  # 24 back at most
    outbox = RecordingOutbox("finance")
    seen = []

    def count(estate_id, start, end):
        seen.append(start)
        return {"payments": 0}
    assert closed_counts.report_estates(db, outbox, lambda estate_id: announce_with(outbox), ["est_1"],
                                        lambda estate_id: {"timezone": "UTC", "created_at": "2026-10-30T09:00:00.000Z"},
                                        count, datetime(2026, 12, 2, tzinfo=timezone.utc)) == 3
    assert seen[0] == "2026-10-01T00:00:00.000Z"
