"""A period report of a period before the estate's records can begin (``replica.refuse_before_records``):
the complaint analysis and results, the year's obligations and the desk's week, on the embedded store."""
import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation
from estate_common.testing import as_caller, event, refuses_periods_before_records, staff

ESTATE = "est_1"
MANAGER = staff("wang", ["manager"], [ESTATE])


@pytest.mark.parametrize("rpc, name, before, from_the_first", [
    ("complaint_report", "period", ("1900", "1900-01", "2016-02", "2015-Q4"), ("2016-03", "2016-Q1", "2016")),
    ("complaint_results", "period", ("1900", "1900-01", "2016-02", "2015-Q4"), ("2016-03", "2016-Q1", "2016")),
    ("year_obligations", "year", ("1900", "2015"), ("2016",)),
    ("desk_week_report", "week", ("1900-W01", "2016-W05"), ("2016-W09",)),  # W05 ends on 7 February, W09 on 6 March
])
def test_a_report_of_a_period_before_the_estate_s_records_can_begin_is_refused(desk, rpc, name, before,
                                                                              from_the_first):
    """A report of 1900 answered zeros (finance refused it)."""
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))
    as_caller(desk, MANAGER)
    desk.copy_estate_edit(event("archive", "estate_updated", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd",
        "version": 2, "timezone": "Asia/Shanghai", "created_at": "2026-03-09T02:00:00.000Z"}))
    refuses_periods_before_records(desk, rpc, ESTATE, lambda: unregister(desk), name, before, from_the_first, ())


@pytest.mark.parametrize("rpc", ["complaint_report", "complaint_results"])
def test_a_report_of_a_period_not_begun_is_refused(desk, rpc):
    """A report of next month answered zeros, as if no complaint had come, where finance refused its
    own (``replica.refuse_report_period``, every service's reports of what happened). The year's
    obligations and the desk's week say ``not_begun`` instead: they are what is owed."""
    clock.freeze(clock.parse_iso("2026-11-30T17:00:00Z"))  # 1 December in Shanghai
    as_caller(desk, MANAGER)
    for period in ("2027-01", "2027-Q1", "2027", "2999-12"):
        with pytest.raises(BusinessRuleViolation) as refused:
            getattr(desk, rpc)({"estate_id": ESTATE, "filters": {"period": period}})
        assert refused.value.errors == [{"field": "filters.period", "message": "has not begun"}]
        assert refused.value.detail.endswith("the current month is 2026-12")
    for period in ("2026-12", "2026-Q4", "2026"):
        assert getattr(desk, rpc)({"estate_id": ESTATE, "filters": {"period": period}})


def unregister(desk):
    """The estate's copy without its registration, as one carried before ``created_at`` was."""
    desk.db.estates.update_one({"_id": ESTATE}, {"$unset": {"created_at": ""}})
