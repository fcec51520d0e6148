"""The maintenance supervisor (工程维修主管, DOMAIN.md "Who uses it"): a technician who dispatches his
team's orders. He was a plain technician: he took an order for himself alone and could neither give one
to a colleague, nor hand back the order of one who left, nor add him a helper (found by h5, a probe of a
lift's year). The role ``maintenance_supervisor``, held with ``technician``, dispatches as the desk
does (roles.DISPATCHERS) and hands on his team's orders; their work (start, quote, sign-off) stays theirs."""
import pytest

from estate_common.errors import Forbidden
from estate_common.testing import as_caller, staff, worker
from maintenance.service import MaintenanceService

from .test_service import ESTATE, act, frozen, open_repair  # noqa: F401

SUPERVISOR = staff("lao", ["technician", "maintenance_supervisor"], [ESTATE])
CHEN = staff("chen", ["technician"], [ESTATE])
LIU = staff("liu", ["technician"], [ESTATE])


@pytest.fixture
def engineering():
    return worker(MaintenanceService, caller=SUPERVISOR)


def test_the_supervisor_dispatches_his_teams_orders_and_hands_on_a_colleagues(engineering):
    order_id = open_repair(engineering)
    assert act(engineering, "assign_work_order", order_id, technician="chen")["technician"] == "chen"
    assert act(engineering, "assign_work_order", order_id, technician="liu")["technician"] == "liu"  # re-dispatched
    as_caller(engineering, LIU)
    act(engineering, "start_work_order", order_id)
    as_caller(engineering, SUPERVISOR)
    # liu left the estate mid-job: his supervisor hands it back for dispatch, and adds him a helper
    assert act(engineering, "add_helper", order_id, technician="chen")["helper"] == "chen"
    back = act(engineering, "request_help", order_id, reason="刘师傅离职")
    assert back["status"] == "needs_help"
    act(engineering, "assign_work_order", order_id, technician="chen")
    with pytest.raises(Forbidden):  # the work is the technician's
        act(engineering, "start_work_order", order_id)


def test_a_plain_technician_still_takes_an_order_for_himself_alone(engineering):
    order_id = open_repair(engineering)
    as_caller(engineering, CHEN)
    with pytest.raises(Forbidden):
        act(engineering, "assign_work_order", order_id, technician="liu")
    assert act(engineering, "assign_work_order", order_id, technician="chen")["technician"] == "chen"
    as_caller(engineering, LIU)
    with pytest.raises(Forbidden):
        act(engineering, "add_helper", order_id, technician="liu")
