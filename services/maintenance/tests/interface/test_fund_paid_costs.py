"""The cost of a job the special maintenance fund paid (专项维修资金), left out of the operating cost
control: maintenance's entrypoints against the embedded store without a broker, on a frozen clock. A
typhoon night (h7's probe): the garage's drainage pump was replaced the next morning, ¥18,500, an
emergency use of the fund approved by the manager; the month's operating cost control (运营成本控制率)
counted it against the property company's budget of ¥10,000 as if the company had paid it, 185 % over.
Finance's ``fund_use_approved`` names the order: maintenance keeps what the fund paid for it, the costs'
answer says it (``fund_paid_cents``) and the KPI counts the cost less it (never below 0 an order)."""
import pytest

from estate_common.testing import as_caller, event, worker
from maintenance.service import MaintenanceService

from .test_service import ESTATE, MANAGER, TECHNICIAN, finish, frozen, open_repair  # noqa: F401


@pytest.fixture
def engineering():
    return worker(MaintenanceService, caller=TECHNICIAN)


def approved(use_id, order_id, amount_cents):
    return event("finance", "fund_use_approved", ESTATE, {
        "id": use_id, "amount_cents": amount_cents, "purpose": "更换地下车库排水泵", "work_order_id": order_id,
        "work_order_number": "WO-2026-000002", "requested_by": "kuai", "consent_ref": None, "day": "2026-11-23",
        "balance_after_cents": 1000, "approved_at": "2026-11-23T10:00:00.000Z"})


def cost_control(service):
    return service.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]["operating_cost_control"]


def test_the_fund_s_share_of_a_job_is_no_operating_cost(engineering):
    as_caller(engineering, MANAGER)
    engineering.set_budget({"estate_id": ESTATE, "id": "2026-11", "data": {"amount_cents": 1_000_000}})
    pump = finish(engineering, open_repair(engineering, "sr_pump"), labour_minutes=0, materials=[
        {"name": "排水泵", "qty": 1, "unit_cost_cents": 1_850_000}])["id"]
    finish(engineering, open_repair(engineering, "sr_tap"), labour_minutes=0)  # 1800, the company's
    assert (cost_control(engineering)["numerator"], cost_control(engineering)["denominator"]) == (1_851_800, 1_000_000)
    told = approved("mfu_1", pump, 1_850_000)
    engineering.keep_fund_use(told)
    engineering.keep_fund_use(told)  # redelivered: counted once
    kpi = cost_control(engineering)
    assert (kpi["numerator"], kpi["denominator"]) == (1800, 1_000_000)
    assert "special maintenance fund" in kpi["note"] and "1850000 cents" in kpi["note"]
    costs = engineering.get_costs({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert (costs["actual_cents"], costs["fund_paid_cents"]) == (1_851_800, 1_850_000)
    assert (costs["ratio"], costs["remaining_cents"]) == (0.0018, 998_200)  # the budget the company spent
    # a use larger than the job's cost takes no more than the job cost; one naming no order, nothing
    engineering.keep_fund_use(approved("mfu_2", pump, 500_000))
    engineering.keep_fund_use({**approved("mfu_3", None, 900_000)})
    assert cost_control(engineering)["numerator"] == 1800


def test_a_category_s_part_of_the_budget_leaves_out_what_the_fund_paid(engineering):
    """The costs' rows by category and by system said the part of the month's budget each took
    (of_budget, 占预算) from the whole cost (review r7 of h7): the pump's row read 185 % of the budget
    while the month's ratio, the fund's share left out, read 0.18 %. A row's part is its cost less what
    the fund paid of it, the rows' parts summing to the month's ratio; its share of the month's cost
    stays the whole cost's."""
    as_caller(engineering, MANAGER)
    engineering.set_budget({"estate_id": ESTATE, "id": "2026-11", "data": {"amount_cents": 1_000_000}})
    pump = finish(engineering, open_repair(engineering, "sr_pump"), labour_minutes=0, materials=[
        {"name": "排水泵", "qty": 1, "unit_cost_cents": 1_850_000}])["id"]
    engineering.keep_fund_use(approved("mfu_1", pump, 1_500_000))  # the fund paid ¥15,000 of ¥18,500
    costs = engineering.get_costs({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    [repairs] = [row for row in costs["by_category"] if row["actual_cents"]]
    assert (repairs["actual_cents"], repairs["share"], repairs["of_budget"]) == (1_850_000, 1.0, 0.35)
    assert costs["ratio"] == 0.35 and [row["of_budget"] for row in costs["by_system"]] == [0.35]
