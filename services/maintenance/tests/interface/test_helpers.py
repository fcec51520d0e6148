"""A helper joining an order (协助): 检查维修过程中,如果问题不能解决时,应联系其他人员协助处理 (seeds 004).
A second technician is recorded on the order by its technician or a manager; he finds it among his
own orders (``helper=me``), may record the work on it (start, quote, hold, resume, complete), and the
counts and KPIs count the order once, for its technician. The technician's only way was to ask for
help, which gave the order back to nobody (found by the technician's week)."""
import pytest

from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden
from estate_common.testing import as_caller, staff, worker
from maintenance.service import MaintenanceService

from .test_service import ESTATE, MANAGER, TECHNICIAN, act, completion, frozen, open_repair, orders  # noqa: F401

LIU = staff("liu", ["technician"], [ESTATE])
ZHAO = staff("zhao", ["technician"], [ESTATE])


@pytest.fixture
def engineering():
    return worker(MaintenanceService, caller=TECHNICIAN)


def test_the_technician_adds_a_helper_who_finds_the_order_and_records_work_on_it(engineering):
    order_id = open_repair(engineering)
    with pytest.raises(Conflict):  # no one holds it yet: it is assigned first
        act(engineering, "add_helper", order_id, technician="liu")
    act(engineering, "assign_work_order", order_id, technician="chen")
    helped = act(engineering, "add_helper", order_id, technician="liu ")
    assert helped["helper"] == "liu" and helped["technician"] == "chen" and helped["status"] == "assigned"
    assert (helped["history"][-1]["action"], helped["history"][-1]["note"]) == ("add_helper", "liu helps chen")
    again = act(engineering, "add_helper", order_id, technician="liu")  # a second click: no step
    assert again["history"] == helped["history"]
    as_caller(engineering, LIU)
    assert [o["id"] for o in orders(engineering, helper="me")] == [order_id]
    assert orders(engineering, technician="me") == []  # assigned to chen: his, the counts say
    act(engineering, "start_work_order", order_id)
    act(engineering, "quote_work_order", order_id, amount_cents=100, items=[{"name": "x", "amount_cents": 100}])
    act(engineering, "consent_work_order", order_id, by="Li Lei")
    with pytest.raises(Forbidden):  # handing it on or back is its technician's
        act(engineering, "request_help", order_id, reason="mine now")
    with pytest.raises(Forbidden):
        act(engineering, "add_helper", order_id, technician="zhao")
    done = act(engineering, "complete_work_order", order_id, **completion(charge_cents=100))
    assert done["status"] == "completed" and done["history"][-1]["by"] == "liu"
    counts = engineering.count_work_orders({"estate_id": ESTATE})
    assert counts["open"] == 0  # done


def test_a_helper_is_counted_once_for_the_order_s_technician_and_another_takes_no_step(engineering):
    order_id = open_repair(engineering)
    act(engineering, "assign_work_order", order_id, technician="chen")
    as_caller(engineering, MANAGER)
    act(engineering, "add_helper", order_id, technician="liu")
    counts = engineering.count_work_orders({"estate_id": ESTATE})
    assert counts["open"] == 1 and [row["technician"] for row in counts["by_technician"]] == ["chen"]
    with pytest.raises(BusinessRuleViolation) as refused:  # its own technician is no helper of it
        act(engineering, "add_helper", order_id, technician="chen")
    assert refused.value.errors[0]["field"] == "data.technician"
    as_caller(engineering, ZHAO)
    with pytest.raises(Forbidden):
        act(engineering, "start_work_order", order_id)
    as_caller(engineering, MANAGER)
    replaced = act(engineering, "add_helper", order_id, technician="zhao")
    assert replaced["helper"] == "zhao" and replaced["history"][-1]["note"] == "zhao helps chen, in place of liu"


def test_a_helper_who_is_no_technician_of_the_estate_is_refused(engineering):
    order_id = open_repair(engineering)
    act(engineering, "assign_work_order", order_id, technician="chen")
    engineering.caller.assignee = "not_a_technician"
    with pytest.raises(BusinessRuleViolation) as refused:
        act(engineering, "add_helper", order_id, technician="ghost")
    assert refused.value.errors[0]["field"] == "data.technician"
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order_id}).get("helper") is None


def test_an_order_handed_to_its_helper_has_no_helper_left(engineering):
    """The desk or a manager hands the order to the technician who helped on it (or its technician hands
    it to him, 转单): he is its technician now, and stood as his own helper too, which add_helper refuses
    (422), the board showing "liu + liu" (found by review)."""
    order_id = open_repair(engineering)
    act(engineering, "assign_work_order", order_id, technician="chen")
    act(engineering, "add_helper", order_id, technician="liu")
    handed = act(engineering, "assign_work_order", order_id, technician="liu")
    assert handed["technician"] == "liu" and handed.get("helper") is None
    assert orders(engineering, helper="liu") == []
    # handed to another, the helper chen chose stays with the order
    as_caller(engineering, LIU)
    act(engineering, "add_helper", order_id, technician="zhao")
    moved = act(engineering, "assign_work_order", order_id, technician="chen")
    assert moved["technician"] == "chen" and moved["helper"] == "zhao"
