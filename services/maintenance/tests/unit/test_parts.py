"""The parts store's rules (备品备件): exact quantities, the moving average cost, issues and returns
to an open work order, a stocktake's difference as an adjustment (plain functions)."""
from datetime import datetime, timezone

import pytest

from estate_common.errors import BusinessRuleViolation, Conflict
from maintenance import parts

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
ORDER = {"_id": "wo_1", "number": "WO-2026-000001", "status": "in_progress"}


def part(unit="piece", minimum=0):
    return parts.new_part("est_1", {"code": "TAP-15", "name": "水龙头", "unit": unit, "minimum": minimum}, NOW, "sup")


def applied(doc, step):
    """The part after the step, its movements (each with an id, as the store gives it) listed beside it
    here: the store keeps them in their own collection."""
    changes, movement = step
    movement = {**movement, "id": f"mov_{len(doc.get('movements', [])) + 1}"}
    return {**doc, **changes, "movements": [*doc.get("movements", []), movement]}


def documents(doc):
    return [parts.movement_document(doc["estate_id"], doc["_id"], movement) for movement in doc["movements"]]


def test_quantities_are_exact_thousandths_and_a_piece_is_counted_whole():
    assert parts.milli(12.5, "m", "data.qty") == 12500 and parts.milli(0.001, "m", "data.qty") == 1
    assert parts.shown_qty(12500) == 12.5 and parts.shown_qty(3000) == 3
    with pytest.raises(BusinessRuleViolation):
        parts.milli(0.0001, "m", "data.qty")
    with pytest.raises(BusinessRuleViolation) as refused:
        parts.milli(1.5, "piece", "data.qty")
    assert refused.value.errors[0]["field"] == "data.qty"


def test_the_average_cost_moves_with_each_delivery_and_the_last_piece_takes_what_is_left():
    tap = applied(part(), parts.receive(part(), 50, 3500, NOW, "sup"))
    tap = applied(tap, parts.receive(tap, 10, 3800, NOW, "sup"))
    assert tap["value_cents"] == 213000 and parts.average_cost(tap) == 3550
    cable = applied(part("m"), parts.receive(part("m"), 3, 333, NOW, "sup"))  # 999 cents for 3 m
    for _ in range(2):
        cable = applied(cable, parts.issue(cable, ORDER, 1, NOW, "tech"))
    assert cable["movements"][-1]["value_cents"] == -333
    cable = applied(cable, parts.issue(cable, ORDER, 1, NOW, "tech"))
    assert cable["on_hand_milli"] == 0 and cable["value_cents"] == 0


def test_an_issue_is_of_what_the_store_holds_to_an_open_order():
    tap = applied(part(), parts.receive(part(), 2, 100, NOW, "sup"))
    with pytest.raises(BusinessRuleViolation):
        parts.issue(tap, ORDER, 3, NOW, "tech")
    with pytest.raises(Conflict):
        parts.issue(tap, {**ORDER, "status": "completed"}, 1, NOW, "tech")


def test_a_return_gives_back_what_the_order_took_and_no_more():
    cable = applied(part("m"), parts.receive(part("m"), 200, 420, NOW, "sup"))
    cable = applied(cable, parts.issue(cable, ORDER, 12.5, NOW, "tech"))
    with pytest.raises(BusinessRuleViolation):
        parts.give_back(cable, ORDER, 13, NOW, "tech", cable["movements"])
    with pytest.raises(BusinessRuleViolation):
        parts.give_back(cable, {**ORDER, "_id": "wo_2"}, 1, NOW, "tech", [])  # another order holds none
    cable = applied(cable, parts.give_back(cable, ORDER, 2.5, NOW, "tech", cable["movements"]))
    assert cable["on_hand_milli"] == 190000 and cable["value_cents"] == 84000 - 4200
    assert parts.order_lines({cable["_id"]: cable}, documents(cable), "wo_1") == [
        {"name": "水龙头", "qty": 10, "unit_cost_cents": 420, "cost_cents": 4200, "part_id": cable["_id"]}]
    cable = applied(cable, parts.give_back(cable, ORDER, 10, NOW, "tech", cable["movements"]))
    assert parts.order_lines({cable["_id"]: cable}, documents(cable), "wo_1") == [] and cable["value_cents"] == 84000


def test_a_signed_off_order_s_unused_part_comes_back_within_the_window_as_its_period_s_correction():
    """退库 after the sign-off (h2): within ``late_return_days`` of it, credited at what the order took and
    marked as the cost correction of the order's period; later (or with 0 days) a 409; never more than
    the order holds (422)."""
    from datetime import timedelta
    tap = applied(part(), parts.receive(part(), 5, 3500, NOW, "sup"))
    tap = applied(tap, parts.issue(tap, ORDER, 3, NOW, "tech"))
    signed = {**ORDER, "status": "completed", "completed_at": "2026-12-07T10:00:00.000Z"}
    next_day = NOW + timedelta(days=1)
    changes, movement = parts.give_back(tap, signed, 1, next_day, "tech", tap["movements"], 7)
    assert (changes["on_hand_milli"], changes["value_cents"]) == (3000, 10500)
    assert (movement["after_sign_off"], movement["order_completed_at"]) == (True, signed["completed_at"])
    with pytest.raises(BusinessRuleViolation):
        parts.give_back(tap, signed, 4, next_day, "tech", tap["movements"], 7)
    with pytest.raises(Conflict):
        parts.give_back(tap, signed, 1, NOW + timedelta(days=8, hours=2), "tech", tap["movements"], 7)
    with pytest.raises(Conflict):
        parts.give_back(tap, signed, 1, next_day, "tech", tap["movements"], 0)
    assert parts.reached_too_late(signed, {**movement, "id": "mov_late"}) is False


def test_a_count_records_its_difference_as_an_adjustment():
    tap = applied(part(minimum=10), parts.receive(part(minimum=10), 59, 3550, NOW, "sup"))
    counted = applied(tap, parts.count(tap, 57, NOW, "sup", note="月末盘点"))
    movement = counted["movements"][-1]
    assert (movement["kind"], movement["qty_milli"], movement["value_cents"]) == ("count", -2000, -7100)
    assert (movement["expected_milli"], movement["counted_milli"]) == (59000, 57000)
    assert len(counted["movements"]) == 2 and counted["movements"][0] == tap["movements"][0]  # nothing edited
    found = applied(counted, parts.count(counted, 58, NOW, "sup"))
    assert found["movements"][-1]["value_cents"] == 3550 and found["on_hand_milli"] == 58000
    assert parts.shown(found)["below_minimum"] is False
    assert parts.shown(applied(found, parts.issue(found, ORDER, 49, NOW, "t")))["below_minimum"] is True


def test_a_part_is_one_per_code_whatever_its_case():
    assert parts.part_id("est_1", "TAP-15") == parts.part_id("est_1", "tap-15 ")
    with pytest.raises(Conflict):
        parts.same_part(part(), {**part(), "name": "another"})
