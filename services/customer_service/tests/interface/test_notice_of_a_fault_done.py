"""电梯停运 over? A notice naming its fault's work order shows, once maintenance completed the order,
that the fault is done (``fault_done``: its number, how, when), and the desk lists its notices still on
the board whose repair is done (``current=true&fault_done=true``) to revise or withdraw: the notice
stayed on the owners' portal after the repair and the desk was told nothing (found by h6, a probe of a
lift's year). It is not withdrawn by itself: a repair done is not the lift back."""
import pytest

from estate_common import clock
from estate_common.testing import as_caller, event

from .test_joined_fault import order_done
from .test_notices_of_a_fault import AGENT, ESTATE, PORTAL, START, board, desks, publish


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(START)


@pytest.fixture
def estate(desk):
    for order_id, number in (("wo_main", "WO-2026-000007"), ("wo_lift", "WO-2026-000008")):
        desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
            "id": order_id, "number": number, "source": {"type": "service_request", "id": f"sr_{order_id}"},
            "request_id": f"sr_{order_id}", "household_id": "hh_1", "priority": "emergency", "status": "pending",
            "created_at": "2026-11-21T14:45:00.000Z"}))
    return desk


def test_a_notice_shows_its_fault_done_and_the_desk_lists_those_to_revise_or_withdraw(estate):
    lift = publish(estate, title="电梯停运", building="3", work_order_id="wo_main")
    other = publish(estate, title="电梯停运", work_order_id="wo_lift")
    plain = publish(estate, title="物业费标准")
    assert lift["fault_done"] is None and "fault_done" not in plain
    assert desks(estate, current="true", fault_done="true") == []
    order_done(estate, "wo_main", at="2026-11-21T16:30:00.000Z")
    as_caller(estate, AGENT)
    shown = estate.get_notice({"estate_id": ESTATE, "id": lift["id"]})
    assert shown["fault_done"] == {"number": "WO-2026-000007", "how": "completed", "at": "2026-11-21T16:30:00.000Z"}
    assert shown["withdrawn"] is None  # not withdrawn by itself: the lift back is the desk's to say
    assert desks(estate, current="true", fault_done="true") == [lift["id"]]
    # false: those naming an order still in hand, where it was ignored and listed the done one too (review r10 of h10)
    assert desks(estate, current="true", fault_done="false") == [other["id"]]
    listed = {n["id"]: n.get("fault_done") for n in estate.list_notices({"estate_id": ESTATE})["items"]}
    assert listed[other["id"]] is None and listed[lift["id"]]["number"] == "WO-2026-000007"
    assert "电梯停运" in board(estate, "3")  # still on the owners' board until the desk acts
    as_caller(estate, AGENT)
    estate.withdraw_notice({"estate_id": ESTATE, "id": lift["id"], "data": {"reason": "电梯已恢复运行"}})
    assert desks(estate, current="true", fault_done="true") == []  # withdrawn: done with
    assert desks(estate, fault_done="true") == [lift["id"]]


def test_a_notice_published_after_its_order_was_done_shows_it_at_once(estate):
    order_done(estate, "wo_lift", at="2026-11-21T15:30:00.000Z")
    late = publish(estate, title="电梯停运", building="3", work_order_id="wo_lift")
    assert late["fault_done"]["how"] == "completed"  # said at once
    assert desks(estate, current="true", fault_done="true") == [late["id"]]
