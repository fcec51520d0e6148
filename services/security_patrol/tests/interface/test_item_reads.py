"""An integrator reads back what it created (an integrator's follow-ups): each of security's records
a create makes, and a list names, is read alone by its id, as its list shows it; another estate's
id or an unknown one is not found."""
import pytest

from estate_common import clock
from estate_common.errors import NotFound
from estate_common.testing import event, staff, worker
from security_patrol.service import SecurityPatrolService

ESTATE, OTHER = "est_1", "est_2"
# of both estates: another estate's id is a 404, not a 403
GUARD = staff("zhao", ["security", "manager"], [ESTATE, OTHER])


@pytest.fixture
def patrol():
    clock.freeze(clock.parse_iso("2026-11-23T13:55:00Z"))  # 21:55 in the estate
    patrol = worker(SecurityPatrolService, caller=GUARD)
    patrol.copy_estate(event("archive", "estate_created", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd", "version": 1}))
    patrol.copy_household(event("archive", "household_created", ESTATE, {
        "id": "hh_1201", "estate_id": ESTATE, "building": "3", "unit": "1", "room": "1201",
        "area_m2": 89.37, "status": "occupied", "version": 1}))
    patrol.caller.guard = patrol.caller.to_guard = "security"  # the gateway found both active guards
    return patrol


def made(patrol):
    """``{(item read, list): created record}`` of each kind."""
    def create(method, data):
        return getattr(patrol, method)({"estate_id": ESTATE, "data": data})
    route = create("create_patrol_route", {"name": "Night loop", "checkpoints": [{"code": "A1", "name": "North gate"}]})
    equipment = create("create_fire_equipment", {"code": "FE-001", "name": "Extinguisher 1F", "kind": "extinguisher",
                                                 "location": "Building 3 lobby"})
    return {
        ("get_patrol_route", "list_patrol_routes"): route,
        ("get_patrol_plan", "list_patrol_plans"): create("create_patrol_plan", {
            "route_id": route["id"], "shift": "night", "start_time": "22:00", "expected_minutes": 60}),
        ("get_fire_equipment", "list_fire_equipment"): equipment,
        ("get_fire_inspection", "list_fire_inspections"): create("record_fire_inspection", {
            "equipment_id": equipment["id"], "result": "ok"}),
        ("get_fire_drill", "list_fire_drills"): create("record_fire_drill", {
            "held_at": "2026-11-20T02:00:00Z", "scenario": "kitchen fire", "location": "Building 3",
            "participants": 24, "led_by": "Zhao"}),
        ("get_fire_lane_check", "list_fire_lane_checks"): create("record_fire_lane_check", {
            "lane": "North lane", "clear": True}),
        ("get_vehicle_pass", "list_vehicle_passes"): create("create_vehicle_pass", {
            "plate": "沪A12345", "kind": "resident", "household_id": "hh_1201"}),
        ("get_visitor", "list_visitors"): create("register_visitor", {
            "name": "Wang Wu", "visiting_household_id": "hh_1201", "purpose": "family visit"}),
        ("get_duty_assignment", "list_duty_roster"): create("assign_duty", {
            "date": "2026-11-23", "shift": "night", "post": "patrol", "guard": "Zhao"}),
        ("get_shift_handover", "list_shift_handovers"): create("record_shift_handover", {
            "shift": "night", "from_guard": "Zhao", "to_guard": "Sun", "notes": "all quiet"}),
    }


def test_each_created_record_is_read_by_its_id_as_its_list_shows_it(patrol):
    for (get, listed), record in made(patrol).items():
        [entry] = [item for item in getattr(patrol, listed)({"estate_id": ESTATE, "limit": 200})["items"]
                   if item["id"] == record["id"]]
        assert getattr(patrol, get)({"estate_id": ESTATE, "id": record["id"]}) == entry, get
        for estate_id, record_id in ((OTHER, record["id"]), (ESTATE, "x_nowhere")):
            with pytest.raises(NotFound):
                getattr(patrol, get)({"estate_id": estate_id, "id": record_id})
