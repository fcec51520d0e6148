"""A month's report of a month before the estate's records can begin (``replica.refuse_before_records``):
the costs, the emergency repairs and the preventive maintenance, on the embedded store."""
from datetime import datetime, timezone

import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation
from estate_common.testing import event, refuses_periods_before_records, staff, worker
from maintenance.service import MaintenanceService

ESTATE = "est_1"
TECHNICIAN = staff("chen", ["technician"], [ESTATE])


@pytest.fixture
def engineering():
    clock.freeze(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    service = worker(MaintenanceService, caller=TECHNICIAN)
    service.copy_estate(event("archive", "estate_created", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd",
        "version": 1, "timezone": "Asia/Shanghai", "created_at": "2026-03-09T02:00:00.000Z"}))
    return service


@pytest.mark.parametrize("rpc", ["get_costs", "emergency_month", "preventive_month"])
def test_a_month_before_the_estate_s_records_can_begin_is_refused(engineering, rpc):
    """A month of 1900 answered zeros (finance refused its reports)."""
    refuses_periods_before_records(engineering, rpc, ESTATE, lambda: unregister(engineering))


def test_the_emergencies_of_a_month_not_begun_are_refused_and_the_plan_and_budget_are_not(engineering):
    """The emergencies of next month answered none, as if none had happened (finance refused its
    reports of a month not begun: ``replica.refuse_report_period``); the costs show the month's
    budget and the preventive month its plan, ahead of it, as before."""
    with pytest.raises(BusinessRuleViolation) as refused:
        engineering.emergency_month({"estate_id": ESTATE, "filters": {"period": "2026-12"}})
    assert refused.value.errors == [{"field": "filters.period", "message": "has not begun"}]
    assert engineering.emergency_month({"estate_id": ESTATE, "filters": {"period": "2026-11"}})["period"] == "2026-11"
    for rpc in ("get_costs", "preventive_month"):
        assert getattr(engineering, rpc)({"estate_id": ESTATE, "filters": {"period": "2026-12"}})["period"] == "2026-12"


def unregister(engineering):
    """The estate's copy without its registration, as one carried before ``created_at`` was."""
    engineering.db.estates.update_one({"_id": ESTATE}, {"$unset": {"created_at": ""}})
