"""A month's report of a month before the estate's records can begin (``replica.refuse_before_records``):
the missed rounds, the gate's parking and the missed handovers, on the embedded store."""
import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation
from estate_common.testing import event, refuses_periods_before_records, staff, worker
from security_patrol.service import SecurityPatrolService

ESTATE = "est_1"
GUARD = staff("zhao", ["security"], [ESTATE])


@pytest.fixture
def patrol():
    clock.freeze(clock.parse_iso("2026-11-23T13:55:00Z"))
    patrol = worker(SecurityPatrolService, caller=GUARD)
    patrol.copy_estate(event("archive", "estate_created", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd",
        "version": 1, "timezone": "Asia/Shanghai", "created_at": "2026-03-09T02:00:00.000Z"}))
    return patrol


@pytest.mark.parametrize("rpc", ["missed_rounds", "parking_totals", "missed_handovers"])
def test_a_month_before_the_estate_s_records_can_begin_is_refused(patrol, rpc):
    """A month of 1900 answered zeros (finance refused its reports)."""
    refuses_periods_before_records(patrol, rpc, ESTATE, lambda: unregister(patrol))


@pytest.mark.parametrize("rpc", ["missed_rounds", "parking_totals", "missed_handovers"])
def test_a_month_not_begun_is_refused(patrol, rpc):
    """A month to come answered zeros, as if every round had been walked (finance refused its reports
    of a month not begun: ``replica.refuse_report_period``)."""
    with pytest.raises(BusinessRuleViolation) as refused:
        getattr(patrol, rpc)({"estate_id": ESTATE, "filters": {"period": "2026-12"}})
    assert refused.value.errors == [{"field": "filters.period", "message": "has not begun"}]
    assert getattr(patrol, rpc)({"estate_id": ESTATE, "filters": {"period": "2026-11"}})["period"] == "2026-11"


def unregister(patrol):
    """The estate's copy without its registration, as one carried before ``created_at`` was."""
    patrol.db.estates.update_one({"_id": ESTATE}, {"$unset": {"created_at": ""}})
