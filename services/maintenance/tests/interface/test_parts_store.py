"""备品备件: engineering's parts store on the service (h8's probe: materials were names and costs
typed at the sign-off, no store behind them). A part issued to an order is its material line at the
store's cost at the sign-off, beside one bought on the spot; a signed-off order takes no more parts;
the parts to be bought are listed by the flag each movement keeps; each movement is announced."""
import pytest

from estate_common.errors import BusinessRuleViolation, Conflict, NotFound
from estate_common import clock
from estate_common.testing import worker
from maintenance.service import MaintenanceService

from .test_service import ESTATE, MANAGER, TECHNICIAN, act, completion, frozen, open_repair  # noqa: F401


@pytest.fixture
def engineering():
    return worker(MaintenanceService, caller=TECHNICIAN)


def part(service, code, unit="piece", minimum=0, qty=None, unit_cost_cents=0):
    made = service.create_part({"estate_id": ESTATE, "data": {"code": code, "name": code.lower(), "unit": unit,
                                                              "minimum": minimum}})
    if qty:
        made = moved(service, "receive_part", made["id"], qty=qty, unit_cost_cents=unit_cost_cents)
    return made


def moved(service, method, part_id, **data):
    return getattr(service, method)({"estate_id": ESTATE, "id": part_id, "data": data})


def started(service):
    order_id = open_repair(service)
    act(service, "assign_work_order", order_id, technician="chen")
    act(service, "start_work_order", order_id)
    return order_id


def test_an_order_s_material_lines_are_the_store_s_issues_then_the_typed_ones(engineering):
    cable = part(engineering, "CABLE", "m", qty=200, unit_cost_cents=420)
    order_id = started(engineering)
    moved(engineering, "issue_part", cable["id"], work_order_id=order_id, qty=12.5)
    moved(engineering, "return_part", cable["id"], work_order_id=order_id, qty=2.5)
    done = act(engineering, "complete_work_order", order_id, **completion())
    assert done["materials"] == [
        {"name": "cable", "qty": 10, "unit_cost_cents": 420, "cost_cents": 4200, "part_id": cable["id"]},
        {"name": "valve", "qty": 1, "unit_cost_cents": 1800, "cost_cents": 1800}]
    assert done["material_cost_cents"] == 6000
    with pytest.raises(Conflict):  # its cost is signed off
        moved(engineering, "issue_part", cable["id"], work_order_id=order_id, qty=1)
    assert engineering.get_part({"estate_id": ESTATE, "id": cable["id"]})["on_hand"] == 190


def test_a_part_is_issued_to_an_order_of_its_estate_only(engineering):
    tap = part(engineering, "TAP", qty=5, unit_cost_cents=3500)
    with pytest.raises(BusinessRuleViolation) as refused:
        moved(engineering, "issue_part", tap["id"], work_order_id="wo_elsewhere", qty=1)
    assert refused.value.errors[0]["field"] == "data.work_order_id"
    with pytest.raises(NotFound):
        engineering.get_part({"estate_id": ESTATE, "id": "part_nope"})


def test_the_parts_to_be_bought_are_those_below_their_minimum(engineering):
    tap = part(engineering, "TAP", minimum=10, qty=12, unit_cost_cents=3500)
    sensor = part(engineering, "SENSOR", minimum=2, qty=10, unit_cost_cents=68000)
    part(engineering, "GLOVES", qty=1)  # no minimum: never to be bought
    order_id = started(engineering)
    moved(engineering, "issue_part", sensor["id"], work_order_id=order_id, qty=9)
    below = engineering.list_parts({"estate_id": ESTATE, "filters": {"below_minimum": "true"}})["items"]
    assert [item["id"] for item in below] == [sensor["id"]] and "movements" not in below[0]
    moved(engineering, "count_part", tap["id"], counted=9, note="月末盘点")  # 3 missing: now below too
    below = engineering.list_parts({"estate_id": ESTATE, "filters": {"below_minimum": "true"}})["items"]
    assert sorted(item["code"] for item in below) == ["SENSOR", "TAP"]


def test_each_movement_is_announced_with_the_part_after_it(engineering):
    tap = part(engineering, "TAP", qty=50, unit_cost_cents=3500)
    moved(engineering, "count_part", tap["id"], counted=48)
    announced = engineering.outbox.of_type("part_moved")
    assert [e["data"]["movement"]["kind"] for e in announced] == ["receipt", "count"]
    assert announced[-1]["data"]["on_hand"] == 48 and announced[-1]["data"]["value_cents"] == 168000


def test_the_parts_of_a_cancelled_order_come_back_to_the_store(engineering):
    """Taps taken for an order that is cancelled before its work started (撤单: a duplicate, a job of
    retired equipment) were never used: they go back to the store at what the order took, not held
    by a closed order for ever, out of the store and on no order's cost (found by r8 reviewing h8)."""
    tap = part(engineering, "TAP", qty=3, unit_cost_cents=3500)
    order_id = open_repair(engineering)
    act(engineering, "assign_work_order", order_id, technician="chen")
    moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=2)
    act(engineering, "cancel_work_order", order_id, reason="duplicate")
    back = moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=2)
    assert back["on_hand"] == 3 and back["value_cents"] == 10500
    with pytest.raises(Conflict):  # a cancelled order takes no part
        moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=1)


def test_parts_issued_while_the_order_is_signed_off_are_on_its_cost(engineering, monkeypatch):
    """Two taps issued by another technician between the sign-off's read of the store and its write:
    the order was signed off with 1 tap, the store gave out 3 (found by r8 reviewing h8)."""
    from maintenance import store
    tap = part(engineering, "TAP", qty=3, unit_cost_cents=3500)
    order_id = started(engineering)
    moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=1)
    read = store.parts_held_by

    def issued_meanwhile(*args):
        held = read(*args)
        monkeypatch.setattr(store, "parts_held_by", read)
        moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=2)
        return held

    monkeypatch.setattr(store, "parts_held_by", issued_meanwhile)
    done = act(engineering, "complete_work_order", order_id, **completion())
    assert engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})["on_hand"] == 0
    assert done["materials"][0] == {"name": "tap", "qty": 3, "unit_cost_cents": 3500, "cost_cents": 10500,
                                    "part_id": tap["id"]}


def test_an_issue_to_an_order_signed_off_meanwhile_is_refused_and_the_parts_stay(engineering, monkeypatch):
    """The order read open, then signed off, then the part written: the taps left the store for an
    order whose cost was closed without them (found by r8 reviewing h8)."""
    from maintenance import store
    tap = part(engineering, "TAP", qty=3, unit_cost_cents=3500)
    order_id = started(engineering)
    found = store.referenced

    def signed_off_meanwhile(*args):
        order = found(*args)
        monkeypatch.setattr(store, "referenced", found)
        act(engineering, "complete_work_order", order_id, **completion())
        return order

    monkeypatch.setattr(store, "referenced", signed_off_meanwhile)
    with pytest.raises(Conflict):
        moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=2)
    stock = engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})
    assert stock["on_hand"] == 3 and stock["value_cents"] == 10500
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order_id})["material_cost_cents"] == 1800


def test_an_issue_undone_for_a_late_order_is_undone_once_when_sent_again(engineering, monkeypatch):
    """The 409 of an issue that reached its order signed off, sent again with its Idempotency-Key
    (its answer lost): a 409 again, the part's taps back once (r8 reviewing h8)."""
    from estate_common.testing import as_caller
    from maintenance import store
    tap = part(engineering, "TAP", qty=3, unit_cost_cents=3500)
    order_id = started(engineering)
    found = store.referenced

    def signed_off_meanwhile(*args):
        order = found(*args)
        monkeypatch.setattr(store, "referenced", found)
        act(engineering, "complete_work_order", order_id, **completion())
        return order

    monkeypatch.setattr(store, "referenced", signed_off_meanwhile)
    as_caller(engineering, TECHNICIAN, idempotency_key="issue-1")
    for _ in range(2):
        with pytest.raises(Conflict):
            moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=2)
    stock = engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})
    assert stock["on_hand"] == 3 and stock["value_cents"] == 10500
    assert [(m["kind"], m["qty"]) for m in stock["movements"]] == [("receipt", 3), ("issue", -2), ("return", 2)]
    assert stock["movements"][-1]["undoes"] == stock["movements"][1]["id"]


def test_a_technician_draws_parts_on_his_own_orders_only(engineering):
    """Another technician's order took the 3 taps a technician issued to it and its sign-off costed them
    unasked, as every other step on an order is its technician's, his helper's or the supervisor's
    (found by r8 reviewing h8)."""
    from estate_common.errors import Forbidden
    from estate_common.testing import as_caller, staff
    tap = part(engineering, "TAP", qty=5, unit_cost_cents=3500)
    order_id = started(engineering)  # chen's
    as_caller(engineering, staff("zhao", ["technician"], [ESTATE]))
    with pytest.raises(Forbidden):
        moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=3)
    as_caller(engineering, staff("lin", ["maintenance_supervisor", "technician"], [ESTATE]))
    moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=3)  # the storekeeper hands them out
    as_caller(engineering, staff("zhao", ["technician"], [ESTATE]))
    with pytest.raises(Forbidden):
        moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)
    as_caller(engineering, TECHNICIAN)
    assert moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)["on_hand"] == 3


def test_the_month_s_stocktake_differences_are_on_its_costs_beside_materials_and_labour(engineering):
    """盘亏/盘盈 were on no cost-control line: a tap short at the count is a loss the manager's cost
    control never saw (found by h13). The month's counts' values are shown beside the jobs' cost, on
    no job's (actual_cents stays the orders')."""
    tap = part(engineering, "TAP", qty=10, unit_cost_cents=3500)
    cable = part(engineering, "CABLE", "m", qty=100, unit_cost_cents=420)
    before = engineering.get_costs({"estate_id": ESTATE, "filters": {"period": clock.now_iso()[:7]}})
    moved(engineering, "count_part", tap["id"], counted=7)       # 3 taps missing: 10500 lost
    moved(engineering, "count_part", cable["id"], counted=102.5)  # 2.5 m found: 1050 gained
    moved(engineering, "count_part", cable["id"], counted=102.5)  # found as recorded: no difference
    costs = engineering.get_costs({"estate_id": ESTATE, "filters": {"period": clock.now_iso()[:7]}})
    assert (costs["stocktake_loss_cents"], costs["stocktake_gain_cents"]) == (10_500, 1_050)
    assert (before["stocktake_loss_cents"], before["stocktake_gain_cents"]) == (0, 0)
    assert costs["actual_cents"] == before["actual_cents"]


def test_the_supervisor_renames_a_part_and_sets_its_minimum_recorded_on_its_history(engineering):
    """There was no way to correct a part's name or its minimum (h13): an edit of them, recorded on the
    part's history; what is below its minimum follows the new one; the unit stays (a minimum in it)."""
    tap = part(engineering, "TAP", qty=5, unit_cost_cents=3500)
    edited = engineering.update_part({"estate_id": ESTATE, "id": tap["id"], "data": {"name": "水龙头 DN15", "minimum": 8}})
    assert (edited["name"], edited["minimum"], edited["below_minimum"], edited["unit"]) == ("水龙头 DN15", 8, True, "piece")
    assert [entry["action"] for entry in edited["history"]] == ["edited"]
    listed = engineering.list_parts({"estate_id": ESTATE, "filters": {"below_minimum": "true"}})["items"]
    assert [item["id"] for item in listed] == [tap["id"]]
    again = engineering.update_part({"estate_id": ESTATE, "id": tap["id"], "data": {"name": "水龙头 DN15"}})
    assert len(again["history"]) == 1  # nothing changed: nothing recorded
    with pytest.raises(BusinessRuleViolation) as refused:
        engineering.update_part({"estate_id": ESTATE, "id": tap["id"], "data": {"minimum": 2.5}})
    assert refused.value.errors[0]["field"] == "data.minimum"
    with pytest.raises(NotFound):
        engineering.update_part({"estate_id": ESTATE, "id": "part_elsewhere", "data": {"minimum": 1}})


# -- h2: movements in their own collection, a crash between two writes, a late return, an edit's event ----

def test_a_part_s_movements_are_documents_of_their_own_paged_the_part_showing_its_latest(engineering):
    """A part's movements were an array in the part: a busy part reached the 16 MB limit of a document in a
    few years, and every read of the part read its whole history (h2). They are documents of their own,
    paged in the order they were made; the part keeps its quantity and value and shows its latest 20."""
    from maintenance import parts as parts_rules
    tap = part(engineering, "TAP", qty=100, unit_cost_cents=3500)
    order_id = started(engineering)
    for _ in range(24):
        moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=1)
    stored = engineering.db.parts.find_one({"_id": tap["id"]})
    assert parts_rules.PENDING not in stored and stored["on_hand_milli"] == 76_000
    assert engineering.db.part_movements.count_documents({"estate_id": ESTATE, "part_id": tap["id"]}) == 25
    shown = engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})
    assert len(shown["movements"]) == 20 and shown["movements"][-1]["on_hand_after"] == 76
    assert [m["on_hand_after"] for m in shown["movements"]] == list(range(95, 75, -1))  # in the order made
    seen, cursor = [], None
    while True:
        page = engineering.list_part_movements({"estate_id": ESTATE, "id": tap["id"], "limit": 10,
                                                **({"cursor": cursor} if cursor else {})})
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [m["kind"] for m in seen] == ["receipt"] + ["issue"] * 24
    assert [m["on_hand_after"] for m in seen] == list(range(100, 75, -1))
    receipts = engineering.list_part_movements({"estate_id": ESTATE, "id": tap["id"], "filters": {"kind": "receipt"}})
    assert [m["qty"] for m in receipts["items"]] == [100]
    newest = engineering.list_part_movements({"estate_id": ESTATE, "id": tap["id"], "limit": 1,
                                              "filters": {"newest_first": "true"}})
    assert newest["items"][0]["on_hand_after"] == 76
    with pytest.raises(NotFound):
        engineering.list_part_movements({"estate_id": ESTATE, "id": "part_elsewhere"})


def test_a_movement_sent_again_with_its_key_is_written_once(engineering):
    from estate_common.testing import as_caller
    tap = part(engineering, "TAP")
    as_caller(engineering, TECHNICIAN, idempotency_key="delivery-1")
    for _ in range(2):
        after = moved(engineering, "receive_part", tap["id"], qty=5, unit_cost_cents=3500)
    assert after["on_hand"] == 5 and len(after["movements"]) == 1
    assert engineering.db.part_movements.count_documents({"part_id": tap["id"]}) == 1


def test_a_crash_between_the_part_s_write_and_its_movement_s_loses_nothing_and_writes_it_once(engineering,
                                                                                              monkeypatch):
    """The quantity is written with the movement kept on the part, in one write; the movement is copied
    to its collection after. A crash between the two: the movement is read on the part all the same
    (the page, an order's sign-off), and copied once by the part's next touch or the sweep."""
    from datetime import timedelta
    from maintenance import store
    tap = part(engineering, "TAP", qty=10, unit_cost_cents=3500)
    order_id = started(engineering)
    keep = store.keep_movements

    def crash(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(store, "keep_movements", crash)
    with pytest.raises(RuntimeError):
        moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=4)
    monkeypatch.setattr(store, "keep_movements", keep)
    shown = engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})
    assert shown["on_hand"] == 6 and [m["kind"] for m in shown["movements"]] == ["receipt", "issue"]
    assert engineering.db.part_movements.count_documents({"part_id": tap["id"]}) == 1
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=5))
    assert engineering.db.part_movements.count_documents({"part_id": tap["id"]}) == 2
    assert "movements" not in engineering.db.parts.find_one({"_id": tap["id"]})
    done = act(engineering, "complete_work_order", order_id, **completion())
    assert done["materials"][0]["qty"] == 4 and done["materials"][0]["cost_cents"] == 14_000
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=5))  # again: nothing twice
    assert engineering.db.part_movements.count_documents({"part_id": tap["id"]}) == 2


def test_an_earlier_version_s_array_of_movements_is_moved_to_their_collection(engineering):
    tap = part(engineering, "TAP")
    earlier = [{"id": "mov_a", "kind": "receipt", "qty_milli": 3000, "value_cents": 10500, "on_hand_after_milli": 3000,
                "at": "2026-10-01T08:00:00.000Z", "by": "sup", "unit_cost_cents": 3500, "supplier": None,
                "reference": None}]
    engineering.db.parts.update_one({"_id": tap["id"]}, {"$set": {"movements": earlier, "on_hand_milli": 3000,
                                                                  "value_cents": 10500}})
    assert [m["id"] for m in engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})["movements"]] == ["mov_a"]
    engineering.sweep_part_movements(clock.now())
    assert engineering.db.part_movements.find_one({"_id": "mov_a"})["part_id"] == tap["id"]
    stored = engineering.db.parts.find_one({"_id": tap["id"]})
    assert "movements" not in stored and stored["last_unit_cost_cents"] == 3500


def test_a_crash_between_an_issue_and_its_order_s_step_converges(engineering, monkeypatch):
    """The issue written on the part, the order signed off meanwhile without it, then the process died
    before the issue reached the order: the taps were out of the store and on no order's cost for ever
    (nothing undid them: only the call that died would have). The movement is marked until it reaches
    its order; the sweep takes that step: the issue undone, the taps back (h2)."""
    from datetime import timedelta
    from maintenance import operations, store
    tap = part(engineering, "TAP", qty=3, unit_cost_cents=3500)
    order_id = started(engineering)
    found = store.referenced

    def signed_off_meanwhile(*args):
        order = found(*args)
        monkeypatch.setattr(store, "referenced", found)
        act(engineering, "complete_work_order", order_id, **completion())
        return order

    def crash(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(store, "referenced", signed_off_meanwhile)
    monkeypatch.setattr(operations, "_part_reached_order", crash)
    with pytest.raises(RuntimeError):
        moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=2)
    monkeypatch.undo()
    assert engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})["on_hand"] == 1  # out, on no cost
    assert engineering.sweep_part_movements(clock.now() + timedelta(seconds=30)) == 0  # a call may be under way
    assert engineering.sweep_part_movements(clock.now() + timedelta(minutes=5)) == 1
    stock = engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})
    assert stock["on_hand"] == 3 and stock["value_cents"] == 10500
    assert stock["movements"][-1]["undoes"] == stock["movements"][-2]["id"]
    assert engineering.sweep_part_movements(clock.now() + timedelta(minutes=10)) == 0  # once
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order_id})["material_cost_cents"] == 1800


def test_a_crash_between_an_issue_and_its_open_order_s_step_leaves_the_issue(engineering, monkeypatch):
    from datetime import timedelta
    from maintenance import operations
    tap = part(engineering, "TAP", qty=3, unit_cost_cents=3500)
    order_id = started(engineering)

    def crash(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(operations, "_part_reached_order", crash)
    with pytest.raises(RuntimeError):
        moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=2)
    monkeypatch.undo()
    assert engineering.sweep_part_movements(clock.now() + timedelta(minutes=5)) == 1
    assert engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})["on_hand"] == 1
    done = act(engineering, "complete_work_order", order_id, **completion())
    assert done["materials"][0]["qty"] == 2


def test_an_unused_part_comes_back_after_the_sign_off_within_the_estate_s_window(engineering):
    """No return was possible after the sign-off: the engineer back the next day with the tap he did not
    fit kept it or hid it (h2). Within the estate's part_late_return_days (7) of the sign-off it comes
    back: the store credited at what the order took, the cost correction on the costs of the month the
    order was signed off in, the signed-off order unchanged; more than the order holds is a 422; later, 409."""
    from datetime import timedelta
    tap = part(engineering, "TAP", qty=5, unit_cost_cents=3500)
    order_id = started(engineering)
    moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=3)
    signed = act(engineering, "complete_work_order", order_id, **completion())
    month = signed["completed_at"][:7]
    clock.advance(timedelta(days=1))
    back = moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)
    assert back["on_hand"] == 3 and back["value_cents"] == 10500
    movement = back["movements"][-1]
    assert (movement["kind"], movement["after_sign_off"], movement["order_completed_at"]) == (
        "return", True, signed["completed_at"])
    order = engineering.get_work_order({"estate_id": ESTATE, "id": order_id})
    assert (order["materials"], order["material_cost_cents"], order["updated_at"]) == (
        signed["materials"], signed["material_cost_cents"], signed["updated_at"])
    costs = engineering.get_costs({"estate_id": ESTATE, "filters": {"period": month}})
    assert costs["late_returns_cents"] == 3500 and costs["material_cost_cents"] == signed["material_cost_cents"]
    with pytest.raises(BusinessRuleViolation) as refused:  # the order holds 2 more: never below 0
        moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=3)
    assert refused.value.errors[0]["field"] == "data.qty"
    moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=2)
    with pytest.raises(BusinessRuleViolation):
        moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)
    assert engineering.get_costs({"estate_id": ESTATE, "filters": {"period": month}})["late_returns_cents"] == 10500
    with pytest.raises(Conflict):  # parts are no longer issued to it
        moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=1)


def test_a_late_return_past_the_estate_s_window_is_refused(engineering):
    from datetime import timedelta
    from estate_common.testing import as_caller
    tap = part(engineering, "TAP", qty=5, unit_cost_cents=3500)
    order_id = started(engineering)
    moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=3)
    act(engineering, "complete_work_order", order_id, **completion())
    clock.advance(timedelta(days=8))  # the 8th calendar day after the sign-off's (7 days and a minute: the 7th, h5)
    with pytest.raises(Conflict):
        moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)
    as_caller(engineering, MANAGER)
    engineering.update_settings({"estate_id": ESTATE, "data": {"part_late_return_days": 10}})
    as_caller(engineering, TECHNICIAN)
    assert moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)["on_hand"] == 3


def test_an_edit_of_a_part_is_announced(engineering):
    """PATCH …/parts/{id} recorded the edit on the part and told no one: archive's record of the part and
    the integrators never learnt its new name or minimum (h2). part_updated, once per edit that changes."""
    tap = part(engineering, "TAP", qty=5, unit_cost_cents=3500)
    engineering.update_part({"estate_id": ESTATE, "id": tap["id"], "data": {"name": "水龙头 DN15", "minimum": 8}})
    engineering.update_part({"estate_id": ESTATE, "id": tap["id"], "data": {"name": "水龙头 DN15"}})  # nothing changed
    [announced] = engineering.outbox.of_type("part_updated")
    data = announced["data"]
    assert (data["id"], data["name"], data["minimum"], data["below_minimum"]) == (tap["id"], "水龙头 DN15", 8, True)
    assert data["changes"] == {"name": {"from": "tap", "to": "水龙头 DN15"}, "minimum": {"from": 0, "to": 8}}


# -- r2 reviewing h2: an issue a crash left short of its order is not the order's to give back ----------

def _issue_crashed_after_order_closed(engineering, monkeypatch, close, start=True):
    """Taps issued while the order was closed (``close``) without them, then the process died before the
    issue reached the order: the issue is on the part, marked, for the sweep to undo."""
    from maintenance import operations, store
    tap = part(engineering, "TAP", qty=3, unit_cost_cents=3500)
    if start:
        order_id = started(engineering)
    else:  # cancelled before its work started
        order_id = open_repair(engineering)
        act(engineering, "assign_work_order", order_id, technician="chen")
    found = store.referenced

    def closed_meanwhile(*args):
        order = found(*args)
        monkeypatch.setattr(store, "referenced", found)
        close(order_id)
        return order

    def crash(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(store, "referenced", closed_meanwhile)
    monkeypatch.setattr(operations, "_part_reached_order", crash)
    with pytest.raises(RuntimeError):
        moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=2)
    monkeypatch.undo()
    return tap, order_id


def test_an_issue_a_crash_left_off_a_signed_off_order_is_not_given_back_late(engineering, monkeypatch):
    """The order was signed off without the 2 taps (their issue never reached it: the sweep undoes it). A
    late return of them credited the store and the period's costs with what the order never bore, and the
    sweep then gave them back again: 5 taps on hand of the 3 received (found by r2 reviewing h2)."""
    from datetime import timedelta
    tap, order_id = _issue_crashed_after_order_closed(
        engineering, monkeypatch, lambda order_id: act(engineering, "complete_work_order", order_id, **completion()))
    month = engineering.get_work_order({"estate_id": ESTATE, "id": order_id})["completed_at"][:7]
    with pytest.raises(BusinessRuleViolation):  # the order holds none on its cost
        moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=2)
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=5))
    stock = engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})
    assert (stock["on_hand"], stock["value_cents"]) == (3, 10500)
    assert engineering.get_costs({"estate_id": ESTATE, "filters": {"period": month}})["late_returns_cents"] == 0


def test_an_issue_a_crash_left_off_a_cancelled_order_is_not_given_back(engineering, monkeypatch):
    from datetime import timedelta
    tap, order_id = _issue_crashed_after_order_closed(
        engineering, monkeypatch, lambda order_id: act(engineering, "cancel_work_order", order_id, reason="duplicate"),
        start=False)
    with pytest.raises(BusinessRuleViolation):  # never the cancelled order's: the sweep gives it back
        moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=2)
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=5))
    stock = engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})
    assert (stock["on_hand"], stock["value_cents"]) == (3, 10500)


def test_a_return_a_crash_left_off_a_signed_off_order_stays_a_late_return(engineering, monkeypatch):
    """A tap handed back while its order was signed off without it (the sign-off read the store before),
    the process dying before the return reached the order. The sweep undid the return: the tap on the
    shelf said out of the store again, and, issued to another order meanwhile, the store below nothing
    (-1 on hand). The tap is back within the estate's window of the sign-off: a late return, the cost
    correction of the order's period, as one handed back a minute later is (found by r2 reviewing h2)."""
    from datetime import timedelta
    from maintenance import operations, store
    tap = part(engineering, "TAP", qty=2, unit_cost_cents=3500)
    order_id = started(engineering)
    other_id = open_repair(engineering, request_id="sr_2")
    act(engineering, "assign_work_order", other_id, technician="chen")
    moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=2)
    found = store.referenced

    def signed_off_meanwhile(*args):
        order = found(*args)
        monkeypatch.setattr(store, "referenced", found)
        act(engineering, "complete_work_order", order_id, **completion())
        return order

    def crash(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(store, "referenced", signed_off_meanwhile)
    monkeypatch.setattr(operations, "_part_reached_order", crash)
    with pytest.raises(RuntimeError):
        moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)
    monkeypatch.undo()
    signed = engineering.get_work_order({"estate_id": ESTATE, "id": order_id})
    assert signed["material_cost_cents"] == 7000 + 1800  # both taps on its cost: the return came after its read
    moved(engineering, "issue_part", tap["id"], work_order_id=other_id, qty=1)  # the tap on the shelf
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=5))
    stock = engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})
    assert (stock["on_hand"], stock["value_cents"]) == (0, 0)
    costs = engineering.get_costs({"estate_id": ESTATE, "filters": {"period": signed["completed_at"][:7]}})
    assert costs["late_returns_cents"] == 3500
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order_id})["material_cost_cents"] == 8800


def test_a_return_while_its_order_is_signed_off_is_a_late_return(engineering, monkeypatch):
    """The same race with no crash: the call's own step to the order finds it signed off without the
    return; the tap is on the shelf, a late return (the call answered), not a 409 undoing it (r2)."""
    from maintenance import store
    tap = part(engineering, "TAP", qty=2, unit_cost_cents=3500)
    order_id = started(engineering)
    moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=2)
    found = store.referenced

    def signed_off_meanwhile(*args):
        order = found(*args)
        monkeypatch.setattr(store, "referenced", found)
        act(engineering, "complete_work_order", order_id, **completion())
        return order

    monkeypatch.setattr(store, "referenced", signed_off_meanwhile)
    back = moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)
    assert (back["on_hand"], back["value_cents"]) == (1, 3500)
    assert [m["kind"] for m in back["movements"]] == ["receipt", "issue", "return"]
    signed = engineering.get_work_order({"estate_id": ESTATE, "id": order_id})
    assert signed["material_cost_cents"] == 7000 + 1800
    costs = engineering.get_costs({"estate_id": ESTATE, "filters": {"period": signed["completed_at"][:7]}})
    assert costs["late_returns_cents"] == 3500


# -- h5: the leftovers of the late returns ------------------------------------------------------------

def _returned_while_signed_off(engineering, monkeypatch, crash=True):
    """A tap handed back while its order was signed off without it (the sign-off read the store before),
    the process dying (``crash``) before the return reached the order; the other tap issued to another
    order meanwhile. ``(tap, order_id)``."""
    from maintenance import operations, store
    tap = part(engineering, "TAP", qty=2, unit_cost_cents=3500)
    order_id = started(engineering)
    other_id = open_repair(engineering, request_id="sr_2")
    act(engineering, "assign_work_order", other_id, technician="chen")
    moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=2)
    found = store.referenced

    def signed_off_meanwhile(*args):
        order = found(*args)
        monkeypatch.setattr(store, "referenced", found)
        act(engineering, "complete_work_order", order_id, **completion())
        return order

    def died(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(store, "referenced", signed_off_meanwhile)
    if crash:
        monkeypatch.setattr(operations, "_part_reached_order", died)
        with pytest.raises(RuntimeError):
            moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)
    else:
        moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)
    monkeypatch.undo()
    moved(engineering, "issue_part", tap["id"], work_order_id=other_id, qty=1)  # the tap on the shelf
    return tap, order_id


def test_with_no_late_returns_a_return_the_sign_off_missed_never_takes_the_store_below_nothing(engineering,
                                                                                                monkeypatch):
    """An estate allowing no return after the sign-off (part_late_return_days 0): a return made while the
    order was open that reached it after its sign-off was undone, the tap on the shelf said out again; issued
    again meanwhile, the store held -1 tap (found by h5). The return was asked of an open order: kept, the
    cost correction of the order's period, as with a window; the store never below nothing."""
    from datetime import timedelta
    from estate_common.testing import as_caller
    as_caller(engineering, MANAGER)
    engineering.update_settings({"estate_id": ESTATE, "data": {"part_late_return_days": 0}})
    as_caller(engineering, TECHNICIAN)
    tap, order_id = _returned_while_signed_off(engineering, monkeypatch)
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=5))
    stock = engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})
    assert (stock["on_hand"], stock["value_cents"]) == (0, 0)
    signed = engineering.get_work_order({"estate_id": ESTATE, "id": order_id})
    costs = engineering.get_costs({"estate_id": ESTATE, "filters": {"period": signed["completed_at"][:7]}})
    assert costs["late_returns_cents"] == 3500
    with pytest.raises(Conflict):  # asked after the sign-off: none with 0 days
        moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)


def test_the_window_of_a_late_return_is_counted_in_the_estate_s_calendar_days(engineering):
    """part_late_return_days counted as N×24 h from the sign-off: a job signed off at 00:10 had its tap refused
    at noon of the 7th day after, one signed off at 23:50 the day before taken until 23:50 (found by h5). The
    window is the sign-off's day and the N days after it on the estate's calendar (Asia/Shanghai: UTC+8)."""
    from datetime import datetime, timedelta, timezone
    tap = part(engineering, "TAP", qty=5, unit_cost_cents=3500)
    order_id = started(engineering)
    moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=3)
    clock.freeze(datetime(2026, 11, 23, 16, 10, tzinfo=timezone.utc))  # 00:10 on the 24th in Shanghai
    act(engineering, "complete_work_order", order_id, **completion())
    clock.freeze(datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc))  # noon on 1 December, the 7th day after
    assert moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)["on_hand"] == 3
    clock.freeze(datetime(2026, 12, 1, 15, 59, tzinfo=timezone.utc))  # 23:59 the same day
    assert moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)["on_hand"] == 4
    clock.advance(timedelta(minutes=1))  # midnight: the 8th day
    with pytest.raises(Conflict):
        moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)


def test_a_return_kept_as_a_late_one_after_the_fact_is_announced_corrected(engineering, monkeypatch):
    """The return was announced (part_moved) as a return to an open order; kept as a late one when it reached
    the order signed off without it, archive and the integrators were never told it is the cost correction
    of the order's period (found by h5). A part_moved correcting it (``correction``), once."""
    from datetime import timedelta
    tap, order_id = _returned_while_signed_off(engineering, monkeypatch)
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=5))
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=10))
    signed = engineering.get_work_order({"estate_id": ESTATE, "id": order_id})
    returns = [event["data"] for event in engineering.outbox.of_type("part_moved")
               if event["data"]["movement"]["kind"] == "return"]
    assert [data.get("correction") for data in returns] == [None, "kept_as_late_return"]
    first, corrected = returns
    assert corrected["movement"]["id"] == first["movement"]["id"]
    assert "after_sign_off" not in first["movement"]
    assert (corrected["movement"]["after_sign_off"], corrected["movement"]["order_completed_at"]) == (
        True, signed["completed_at"])
    assert (corrected["on_hand"], corrected["value_cents"]) == (0, 0)  # the part as it is now


def test_a_return_kept_late_by_its_own_call_is_announced_corrected_too(engineering, monkeypatch):
    tap, order_id = _returned_while_signed_off(engineering, monkeypatch, crash=False)
    returns = [event["data"] for event in engineering.outbox.of_type("part_moved")
               if event["data"]["movement"]["kind"] == "return"]
    assert [data.get("correction") for data in returns] == [None, "kept_as_late_return"]
    page = engineering.list_part_movements({"estate_id": ESTATE, "id": tap["id"], "filters": {"kind": "return"}})
    assert page["items"][0]["after_sign_off"] is True


def test_movements_whose_copy_keeps_failing_are_counted_and_the_sweep_goes_on(engineering, monkeypatch):
    """A part's movements wait on the part until copied to their collection; with the copy failing every time
    (a collection refusing writes) they grew on the part unseen, toward the 16 MB limit of a document, and the
    sweep stopped at the first such part, the others' copies left too (found by h5). The sweep goes on past a
    part it cannot copy, logs it, and says how many movements wait longer than a minute
    (estate_maintenance_part_movements_waiting, for an alert); 0 once copied."""
    from datetime import timedelta
    from prometheus_client import REGISTRY
    from maintenance import store
    tap = part(engineering, "TAP", qty=5, unit_cost_cents=3500)
    cable = part(engineering, "CABLE", "m")
    kept, failing = store.keep_movements, {tap["id"], cable["id"]}

    def refused(db, documents):
        if any(doc["part_id"] in failing for doc in documents):
            raise RuntimeError("the collection refuses the write")
        kept(db, documents)

    monkeypatch.setattr(store, "keep_movements", refused)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            moved(engineering, "receive_part", tap["id"], qty=1, unit_cost_cents=3500)
    with pytest.raises(RuntimeError):  # the cable's copy failed once
        moved(engineering, "receive_part", cable["id"], qty=10, unit_cost_cents=100)
    failing.discard(cable["id"])
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=5))
    waiting = {"service": "maintenance"}
    assert REGISTRY.get_sample_value("estate_maintenance_part_movements_waiting", waiting) == 3
    page = engineering.list_part_movements({"estate_id": ESTATE, "id": cable["id"], "filters": {}})
    assert [m["kind"] for m in page["items"]] == ["receipt"]  # copied past the tap's failure
    monkeypatch.undo()
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=5))
    assert REGISTRY.get_sample_value("estate_maintenance_part_movements_waiting", waiting) == 0
    assert engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})["on_hand"] == 8


def test_every_late_return_s_correction_is_remembered_not_the_last_alone(engineering, monkeypatch):
    """The part remembered the last late return whose correction it announced (``parts.LATE_TOLD``, one id):
    a crash between the announcement and the movement's mark, another late return announced meanwhile, and
    the sweep taking the first again announced it twice (found by h8). Each is remembered (a bounded list)."""
    from datetime import timedelta
    from maintenance import operations, parts, store
    tap, order_id = _returned_while_signed_off(engineering, monkeypatch)
    marked = store.movement_returned_late

    def died(*args):
        raise RuntimeError("the process died")

    monkeypatch.setattr(store, "movement_returned_late", died)
    with pytest.raises(RuntimeError):
        engineering.sweep_part_movements(clock.now() + timedelta(minutes=5))  # announced, not marked
    monkeypatch.setattr(store, "movement_returned_late", marked)
    first = parts.movement_of(engineering.db.part_movements.find_one({"kind": "return"}))
    completed_at = engineering.get_work_order({"estate_id": ESTATE, "id": order_id})["completed_at"]
    operations._returned_late(engineering.db, engineering.outbox, ESTATE, tap["id"], {**first, "id": "mov_other"},
                              completed_at)  # another late return announced meanwhile
    engineering.sweep_part_movements(clock.now() + timedelta(minutes=10))
    corrections = [event["data"]["movement"]["id"] for event in engineering.outbox.of_type("part_moved")
                   if event["data"].get("correction")]
    assert sorted(corrections) == sorted([first["id"], "mov_other"])


def test_a_late_return_refused_says_its_window_in_words_that_fit_its_number(engineering):
    """"within 1 days of its sign-off" (found by h8): one day is a day; with none, no late return at all (it said
    "within 0 days"; the console's Chinese of each is checked by its catalogue's test)."""
    from datetime import timedelta
    from estate_common.testing import as_caller
    tap = part(engineering, "TAP", qty=5, unit_cost_cents=3500)
    order_id = started(engineering)
    moved(engineering, "issue_part", tap["id"], work_order_id=order_id, qty=3)
    act(engineering, "complete_work_order", order_id, **completion())
    clock.advance(timedelta(days=3))
    said = {}
    for days in (1, 0):
        as_caller(engineering, MANAGER)
        engineering.update_settings({"estate_id": ESTATE, "data": {"part_late_return_days": days}})
        as_caller(engineering, TECHNICIAN)
        with pytest.raises(Conflict) as refused:
            moved(engineering, "return_part", tap["id"], work_order_id=order_id, qty=1)
        said[days] = str(refused.value.args[0] if refused.value.args else refused.value)
    assert "within 1 day of its sign-off" in said[1] and "days" not in said[1]
    assert "0 day" not in said[0] and "no late return" in said[0]


def test_a_part_s_read_tells_its_revision_and_a_count_at_another_is_a_412(engineering):
    """If-Match one step with the write (found by r6 reviewing h6): a part's page is its own view
    (``parts.shown``), not ``store.public``, so its read told no revision and every part write's If-Match
    (its edit, receipts, issues, returns, counts) was the gateway's read alone: a movement landing
    between that read and the write was lost under a matching tag."""
    from estate_common.errors import PreconditionFailed
    tap = part(engineering, "TAP", qty=10, unit_cost_cents=3500)
    engineering.caller.target, engineering.caller.revision_flag = tap["id"], True
    read = engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})
    engineering.caller.revision_flag = False
    assert set(read) == {"result", "revision"} and read["revision"] is not None
    moved(engineering, "receive_part", tap["id"], qty=5, unit_cost_cents=3500)  # another desk's, meanwhile
    engineering.caller.if_revision = read["revision"]
    with pytest.raises(PreconditionFailed):
        moved(engineering, "count_part", tap["id"], counted=3)
    engineering.caller.if_revision = None
    assert engineering.get_part({"estate_id": ESTATE, "id": tap["id"]})["on_hand"] == 15  # nothing written
