"""Inspection checklists and inspections: maintenance's entrypoints against the embedded store,
without a broker, on a frozen clock."""
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput
from estate_common.testing import as_caller, staff, worker
from maintenance import operations, store
from maintenance.service import MaintenanceService

ESTATE = "est_1"
TECHNICIAN = staff("chen", ["technician"], [ESTATE])
MANAGER = staff("wu", ["manager"], [ESTATE])
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

PUMP_ROOM = {"name": "Pump room monthly", "target": "equipment", "items": [
    {"code": "P1", "label": "Outlet pressure", "kind": "reading", "min": 0.3, "max": 0.6, "unit": "MPa"},
    {"code": "P2", "label": "No leaks at the seals", "kind": "pass_fail"},
    {"code": "P3", "label": "Motor temperature", "kind": "reading", "max": 70, "unit": "°C"},
]}
ALL_PASS = [{"code": "P1", "reading": 0.45}, {"code": "P2", "passed": True}, {"code": "P3", "reading": 55}]


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(NOW)


@pytest.fixture
def engineering():
    service = worker(MaintenanceService, caller=MANAGER)
    service.pump = service.create_equipment({"estate_id": ESTATE, "data": {
        "code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2 pump room"}})
    service.checklist = service.create_checklist({"estate_id": ESTATE, "data": PUMP_ROOM})
    as_caller(service, TECHNICIAN)
    return service


def open_on_pump(service, **overrides):
    return service.open_inspection({"estate_id": ESTATE, "data": {
        "checklist_id": service.checklist["id"], "equipment_id": service.pump["id"], **overrides}})


def complete(service, inspection_id, results):
    return service.complete_inspection({"estate_id": ESTATE, "id": inspection_id, "data": {"results": results}})


def inspection_orders(service, inspection_id):
    return service.list_work_orders({"estate_id": ESTATE, "filters": {"inspection_id": inspection_id}})["items"]


def test_a_checklist_keeps_its_items_in_order(engineering):
    shown = engineering.get_checklist({"estate_id": ESTATE, "id": engineering.checklist["id"]})
    assert [i["code"] for i in shown["items"]] == ["P1", "P2", "P3"]
    assert shown["items"][0] == {"code": "P1", "label": "Outlet pressure", "kind": "reading", "min": 0.3,
                                 "max": 0.6, "unit": "MPa"}
    assert [c["id"] for c in engineering.list_checklists({"estate_id": ESTATE, "filters": {"target": "equipment"}})["items"]] == [shown["id"]]
    assert engineering.list_checklists({"estate_id": ESTATE, "filters": {"target": "location"}})["items"] == []


@pytest.mark.parametrize("items, field", [
    ([{"code": "A", "label": "a", "kind": "pass_fail"}, {"code": "A", "label": "b", "kind": "pass_fail"}],
     "data.items[1].code"),
    ([{"code": "A", "label": "a", "kind": "reading", "min": 5, "max": 1}], "data.items[0].min"),
    ([{"code": "A", "label": "a", "kind": "pass_fail", "max": 1}], "data.items[0]"),
])
def test_a_bad_checklist_is_refused_naming_the_item(engineering, items, field):
    with pytest.raises(BusinessRuleViolation) as refused:  # what the contract cannot say: a rule (422)
        engineering.create_checklist({"estate_id": ESTATE, "data": {"name": "x", "target": "location", "items": items}})
    assert [e["field"] for e in refused.value.errors] == [field]


def test_an_inspection_opens_on_what_its_checklist_targets(engineering):
    opened = open_on_pump(engineering)
    assert opened["status"] == "open" and opened["equipment_code"] == "PUMP-1" and opened["findings"] is None
    with pytest.raises(BusinessRuleViolation):
        engineering.open_inspection({"estate_id": ESTATE, "data": {"checklist_id": engineering.checklist["id"],
                                                                    "location": "roof"}})
    with pytest.raises(BusinessRuleViolation):
        open_on_pump(engineering, equipment_id="eq_unknown")
    with pytest.raises(BusinessRuleViolation):
        open_on_pump(engineering, checklist_id="ckl_unknown")


def test_all_items_passed_opens_no_order_and_goes_on_the_equipment_record(engineering):
    inspection = open_on_pump(engineering)
    done = complete(engineering, inspection["id"], ALL_PASS)
    assert done["status"] == "completed" and done["findings"] == [] and done["completed_by"] == "chen"
    assert inspection_orders(engineering, inspection["id"]) == []
    [record] = engineering.get_equipment({"estate_id": ESTATE, "id": engineering.pump["id"]})["records"]
    assert record["kind"] == "inspection" and record["result"] == "passed"


def test_each_failed_item_opens_exactly_one_order_even_when_the_completion_is_retried(engineering):
    inspection = open_on_pump(engineering)
    results = [{"code": "P1", "reading": 0.2, "note": "gauge low"}, {"code": "P2", "passed": False},
               {"code": "P3", "reading": 70}]
    done = complete(engineering, inspection["id"], results)
    assert [(f["code"], f["reading"], f["passed"]) for f in done["findings"]] == [("P1", 0.2, None), ("P2", None, False)]
    again = complete(engineering, inspection["id"], list(reversed(results)))  # the same results, another order
    assert again == done
    orders = sorted(inspection_orders(engineering, inspection["id"]), key=lambda o: o["inspection_item"])
    assert [o["inspection_item"] for o in orders] == ["P1", "P2"]
    assert [o["id"] for o in orders] == [f["work_order_id"] for f in done["findings"]]
    assert all(o["source"] == {"type": "inspection", "id": inspection["id"]} for o in orders)
    assert orders[0]["equipment_id"] == engineering.pump["id"]
    # to be started within repair_response_hours (24) of the inspection: none, an ignored finding was never late
    completed_at = clock.parse_iso(done["completed_at"])
    assert {o["response_due_at"] for o in orders} == {clock.to_iso(completed_at + timedelta(hours=24))}
    assert "reading 0.2 MPa outside 0.3–0.6 MPa: gauge low" in orders[0]["description"]
    assert len(engineering.list_work_orders({"estate_id": ESTATE, "filters": {"source_type": "inspection"}})["items"]) == 2
    assert len(engineering.get_equipment({"estate_id": ESTATE, "id": engineering.pump["id"]})["records"]) == 1


def test_a_retry_after_a_crash_opens_the_orders_not_opened_yet(engineering, monkeypatch):
    inspection = open_on_pump(engineering)
    results = [{"code": "P1", "reading": 0.9}, {"code": "P2", "passed": False}, {"code": "P3", "reading": 80}]
    real, opened = operations.open_order, []

    def crash_after_the_first(*args, **kwargs):
        if opened:
            raise RuntimeError("process died")
        opened.append(real(*args, **kwargs))
    monkeypatch.setattr(operations, "open_order", crash_after_the_first)
    with pytest.raises(RuntimeError):
        complete(engineering, inspection["id"], results)
    assert len(inspection_orders(engineering, inspection["id"])) == 1
    monkeypatch.setattr(operations, "open_order", real)
    complete(engineering, inspection["id"], results)
    assert len(inspection_orders(engineering, inspection["id"])) == 3


def test_other_results_on_a_completed_inspection_are_a_conflict(engineering):
    inspection = open_on_pump(engineering)
    complete(engineering, inspection["id"], ALL_PASS)
    with pytest.raises(Conflict):
        complete(engineering, inspection["id"], [{**ALL_PASS[0], "reading": 0.1}, *ALL_PASS[1:]])
    assert engineering.get_inspection({"estate_id": ESTATE, "id": inspection["id"]})["findings"] == []


@pytest.mark.parametrize("results, field, named", [
    ([*ALL_PASS, {"code": "P9", "passed": True}], "data.results[3].code", "P9"),
    ([{"code": "P1"}, *ALL_PASS[1:]], "data.results[0].reading", "P1"),
    ([ALL_PASS[0], {"code": "P2", "note": "?"}, ALL_PASS[2]], "data.results[1].passed", "P2"),
    ([ALL_PASS[0], {"code": "P2", "reading": 3}, ALL_PASS[2]], "data.results[1].passed", "P2"),
    (ALL_PASS[:2], "data.results", "P3"),
    ([*ALL_PASS, ALL_PASS[0]], "data.results[3].code", "P1"),
])
def test_bad_results_are_refused_naming_the_item_and_nothing_is_written(engineering, results, field, named):
    inspection = open_on_pump(engineering)
    with pytest.raises(InvalidInput) as refused:
        complete(engineering, inspection["id"], results)
    assert [e["field"] for e in refused.value.errors] == [field] and named in refused.value.errors[0]["message"]
    assert engineering.get_inspection({"estate_id": ESTATE, "id": inspection["id"]})["status"] == "open"
    assert inspection_orders(engineering, inspection["id"]) == []


def test_a_location_checklist(engineering):
    as_caller(engineering, MANAGER)
    roof = engineering.create_checklist({"estate_id": ESTATE, "data": {
        "name": "Roof walk", "target": "location", "items": [{"code": "R1", "label": "Drains clear", "kind": "pass_fail"}]}})
    as_caller(engineering, TECHNICIAN)
    inspection = engineering.open_inspection({"estate_id": ESTATE, "data": {"checklist_id": roof["id"], "location": " Block 3 roof "}})
    assert inspection["location"] == "Block 3 roof" and inspection["equipment_id"] is None
    done = complete(engineering, inspection["id"], [{"code": "R1", "passed": False}])
    [order] = inspection_orders(engineering, inspection["id"])
    assert order["equipment_id"] is None and "Roof walk at Block 3 roof: Drains clear (R1) failed" in order["description"]
    assert done["findings"][0]["work_order_id"] == order["id"]


def test_a_plan_with_a_checklist_opens_one_inspection_per_due_date_instead_of_an_order(engineering):
    plan = engineering.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": engineering.pump["id"], "kind": "daily_inspection", "every_days": 1,
        "next_due_on": "2026-11-23", "checklist_id": engineering.checklist["id"]}})
    engineering.schedule_plans(NOW)
    engineering.schedule_plans(NOW)
    inspections = engineering.list_inspections({"estate_id": ESTATE, "filters": {"equipment_id": engineering.pump["id"]}})["items"]
    assert sorted(i["due_on"] for i in inspections) == ["2026-11-23", "2026-11-24"]
    assert all(i["plan_id"] == plan["id"] and i["status"] == "open" for i in inspections)
    assert engineering.list_work_orders({"estate_id": ESTATE, "filters": {"source_type": "maintenance_plan"}})["items"] == []
    stored = store.find(engineering.db, "maintenance_plans", ESTATE, plan["id"])
    assert stored["next_due_on"] == "2026-11-25" and stored["last_inspection_id"] in {i["id"] for i in inspections}


def test_a_plan_schedules_only_an_equipment_checklist(engineering):
    as_caller(engineering, MANAGER)
    roof = engineering.create_checklist({"estate_id": ESTATE, "data": {
        "name": "Roof walk", "target": "location", "items": [{"code": "R1", "label": "Drains clear", "kind": "pass_fail"}]}})
    with pytest.raises(BusinessRuleViolation):
        engineering.create_maintenance_plan({"estate_id": ESTATE, "data": {
            "equipment_id": engineering.pump["id"], "kind": "daily_inspection", "every_days": 1,
            "next_due_on": "2026-11-23", "checklist_id": roof["id"]}})


def test_a_checklist_is_announced_once_for_the_fire_checks(engineering):
    announced = [e for e in engineering.outbox.published if e["event_type"] == "checklist_created"]
    assert [e["data"]["id"] for e in announced] == [engineering.checklist["id"]]
    assert [i["code"] for i in announced[0]["data"]["items"]] == ["P1", "P2", "P3"]


# -- a checklist edited before it is used (h7: the operator's 防汛防台 checklist, each estate's own to
# change before its staff tick it) ------------------------------------------------------------------

def edit(service, checklist_id, data):
    return service.update_checklist({"estate_id": ESTATE, "id": checklist_id, "data": data})


def test_a_checklist_is_edited_until_it_is_used_and_the_edit_is_announced(engineering):
    as_caller(engineering, MANAGER)
    checklist_id = engineering.checklist["id"]
    items = [{"code": "P1", "label": "Outlet pressure", "kind": "reading", "min": 0.25, "max": 0.6, "unit": "MPa"},
             {"code": "P4", "label": "Sandbags at the pump room door", "kind": "pass_fail"}]
    edited = edit(engineering, checklist_id, {"name": " Pump room before the typhoon ", "items": items})
    assert edited["name"] == "Pump room before the typhoon" and [i["code"] for i in edited["items"]] == ["P1", "P4"]
    assert edited["items"][0]["min"] == 0.25 and edited["items"][1] == {
        "code": "P4", "label": "Sandbags at the pump room door", "kind": "pass_fail", "min": None, "max": None,
        "unit": None}
    assert edited["target"] == "equipment" and edited["updated_by"] == "wu"
    [announced] = [e for e in engineering.outbox.published if e["event_type"] == "checklist_updated"]
    assert announced["data"]["id"] == checklist_id and [i["code"] for i in announced["data"]["items"]] == ["P1", "P4"]
    assert announced["data"]["updated_at"] == edited["updated_at"]
    renamed = edit(engineering, checklist_id, {"name": "Pump room, typhoon"})  # the items stay
    assert [i["code"] for i in renamed["items"]] == ["P1", "P4"]
    as_caller(engineering, TECHNICIAN)
    inspection = open_on_pump(engineering)
    assert [i["code"] for i in inspection["items"]] == ["P1", "P4"]
    as_caller(engineering, MANAGER)
    with pytest.raises(Conflict) as refused:
        edit(engineering, checklist_id, {"name": "Too late"})
    assert refused.value.errors[0]["field"] == "id" and "inspection" in refused.value.errors[0]["message"]
    assert engineering.get_checklist({"estate_id": ESTATE, "id": checklist_id})["name"] == "Pump room, typhoon"


def test_a_checklist_a_plan_schedules_is_not_edited(engineering):
    as_caller(engineering, MANAGER)
    engineering.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": engineering.pump["id"], "kind": "periodic_maintenance", "every_days": 30,
        "next_due_on": "2026-12-23", "checklist_id": engineering.checklist["id"]}})
    with pytest.raises(Conflict) as refused:
        edit(engineering, engineering.checklist["id"], {"name": "Other"})
    assert "plan" in refused.value.errors[0]["message"]


@pytest.mark.parametrize("items,field", [
    ([{"code": "A", "label": "a", "kind": "pass_fail"}, {"code": "A", "label": "b", "kind": "pass_fail"}],
     "data.items[1].code"),
    ([{"code": "A", "label": "a", "kind": "reading", "min": 3, "max": 1}], "data.items[0].min"),
])
def test_an_edit_is_held_to_a_new_checklist_s_rules_and_writes_nothing(engineering, items, field):
    as_caller(engineering, MANAGER)
    with pytest.raises(BusinessRuleViolation) as refused:
        edit(engineering, engineering.checklist["id"], {"items": items})
    assert refused.value.errors[0]["field"] == field
    shown = engineering.get_checklist({"estate_id": ESTATE, "id": engineering.checklist["id"]})
    assert [i["code"] for i in shown["items"]] == ["P1", "P2", "P3"]


# -- an edit racing the checklist's first use (review r7 of h7) --------------------------------------

def test_an_inspection_opened_while_an_edit_is_decided_refuses_the_edit(engineering, monkeypatch):
    """review r7 of h7: the edit looked for an inspection using the checklist, then wrote the items; an
    inspection opened between the two (a technician opening it as the manager saves) was opened with
    the items the checklist no longer has, and the checklist was edited after its first use. The
    inspection marks the checklist in its write path, so the edit's write is decided again: a 409."""
    looked = store.checklist_use

    def inspection_opened_meanwhile(db, estate_id, checklist_id):
        found = looked(db, estate_id, checklist_id)
        as_caller(engineering, TECHNICIAN)
        open_on_pump(engineering)
        as_caller(engineering, MANAGER)
        return found

    monkeypatch.setattr(store, "checklist_use", inspection_opened_meanwhile)
    as_caller(engineering, MANAGER)
    with pytest.raises(Conflict) as refused:
        edit(engineering, engineering.checklist["id"], {"items": [
            {"code": "P9", "label": "Sandbags at the pump room door", "kind": "pass_fail"}]})
    assert refused.value.errors[0]["field"] == "id" and "inspection" in refused.value.errors[0]["message"]
    shown = engineering.get_checklist({"estate_id": ESTATE, "id": engineering.checklist["id"]})
    assert [i["code"] for i in shown["items"]] == ["P1", "P2", "P3"]
    assert not [e for e in engineering.outbox.published if e["event_type"] == "checklist_updated"]
    assert "_used_by" not in shown and shown["updated_at"] == engineering.checklist["updated_at"]


def test_an_edit_saved_while_an_inspection_opens_gives_it_the_edited_items(engineering, monkeypatch):
    """review r7 of h7: the inspection read the checklist, an edit was saved, and the inspection was
    opened with the items of before the edit: the inspection takes the items of the checklist as its
    mark leaves it."""
    read = store.referenced
    edited_items = [{"code": "P9", "label": "Sandbags at the pump room door", "kind": "pass_fail"}]

    def edited_meanwhile(db, collection, estate_id, doc_id, field):
        found = read(db, collection, estate_id, doc_id, field)
        if collection == "checklists":
            as_caller(engineering, MANAGER)
            edit(engineering, doc_id, {"items": edited_items})
            as_caller(engineering, TECHNICIAN)
        return found

    monkeypatch.setattr(store, "referenced", edited_meanwhile)
    inspection = open_on_pump(engineering)
    assert [i["code"] for i in inspection["items"]] == ["P9"]


def test_each_edit_is_announced_later_than_the_one_before_whatever_the_clock_says(engineering):
    """review r7 of h7: security patrol's copy takes an edit only when its updated_at is later than the
    copy's; two edits in one millisecond, or the second on a replica whose clock is behind, announced
    the same or an earlier updated_at, and the copy kept the first edit for good. Each edit's updated_at
    is after the one before it."""
    as_caller(engineering, MANAGER)
    checklist_id = engineering.checklist["id"]
    first = edit(engineering, checklist_id, {"name": "Pump room, typhoon"})
    second = edit(engineering, checklist_id, {"name": "Pump room, typhoon II"})  # the same frozen instant
    clock.freeze(NOW - timedelta(seconds=2))  # a replica two seconds behind
    third = edit(engineering, checklist_id, {"name": "Pump room, typhoon III"})
    stamps = [e["data"]["updated_at"] for e in engineering.outbox.published if e["event_type"] == "checklist_updated"]
    assert stamps == [first["updated_at"], second["updated_at"], third["updated_at"]]
    assert stamps == sorted(set(stamps)) and stamps[0] > engineering.checklist["updated_at"]


def _alert_event(event_type, **data):
    from estate_common.testing import event
    alert = {"id": "ealert_1", "kind": "typhoon", "level": "yellow", "issued_at": "2026-11-23T08:00:00.000Z",
             "note": None, "status": "open", "raised_by": "wu", "raised_at": "2026-11-23T08:01:00.000Z",
             "stood_down_at": None, "stood_down_by": None, "stand_down_note": None, **data}
    return event("security_patrol", event_type, ESTATE, alert)


def test_a_failed_item_while_a_weather_alert_stands_opens_an_emergency_order(engineering):
    """预警响应 (h9, h7's typhoon night): a pump failing its check during a typhoon alert waited the normal
    24 hours. Maintenance keeps security's alerts from their events (once each by event id); while one
    stands, a failed item's order is an emergency, due within the emergency response."""
    raised = _alert_event("emergency_alert_raised")
    engineering.on_emergency_alert_raised(raised)
    engineering.on_emergency_alert_raised(raised)  # redelivered
    failed = [{"code": "P1", "reading": 0.1}, {"code": "P2", "passed": True}, {"code": "P3", "reading": 55}]
    [order] = inspection_orders(engineering, complete(engineering, open_on_pump(engineering)["id"], failed)["id"])
    assert order["priority"] == "emergency"
    rules = store.rules_for(engineering.db, ESTATE)
    assert clock.parse_iso(order["response_due_at"]) == NOW + timedelta(minutes=rules["emergency_response_minutes"])

    engineering.on_emergency_alert_stood_down(_alert_event("emergency_alert_stood_down", status="stood_down",
                                                           stood_down_at="2026-11-23T08:30:00.000Z"))
    engineering.on_emergency_alert_raised(raised)  # redelivered late: it opens the alert no more
    [order] = inspection_orders(engineering, complete(engineering, open_on_pump(engineering)["id"], failed)["id"])
    assert order["priority"] == "normal"


FAILED = [{"code": "P1", "reading": 0.1}, {"code": "P2", "passed": True}, {"code": "P3", "reading": 55}]


def _failed_priority(engineering):
    [order] = inspection_orders(engineering, complete(engineering, open_on_pump(engineering)["id"], FAILED)["id"])
    return order["priority"]


def _raised(alert_id, kind, level, issued_at="2026-11-23T08:00:00.000Z"):
    return _alert_event("emergency_alert_raised", id=alert_id, kind=kind, level=level, issued_at=issued_at,
                        levels=[{"level": level, "at": issued_at}])


def test_only_the_estate_s_kinds_and_levels_of_alert_make_a_failed_item_an_emergency(engineering):
    """h2: any standing alert made every failed item an emergency, a blue heat warning standing for
    weeks inflating the month's emergencies. The estate says which kinds from which levels do
    (``weather_emergency_kinds``: typhoon, rainstorm, flood; ``weather_emergency_levels``: yellow and up)."""
    engineering.on_emergency_alert_raised(_raised("ealert_heat", "heat", "red"))
    engineering.on_emergency_alert_raised(_raised("ealert_rain", "rainstorm", "blue"))
    assert _failed_priority(engineering) == "normal"  # heat is no such kind, a blue rainstorm no such level
    as_caller(engineering, MANAGER)
    engineering.update_settings({"estate_id": ESTATE, "data": {"weather_emergency_kinds": ["rainstorm", "heat"],
                                                               "weather_emergency_levels": ["blue", "red"]}})
    as_caller(engineering, TECHNICIAN)
    assert _failed_priority(engineering) == "emergency"
    as_caller(engineering, MANAGER)
    engineering.update_settings({"estate_id": ESTATE, "data": {}})
    with pytest.raises(InvalidInput):
        engineering.update_settings({"estate_id": ESTATE, "data": {"weather_emergency_levels": ["purple"]}})
    as_caller(engineering, TECHNICIAN)
    engineering.on_emergency_alert_raised(_raised("ealert_flood", "flood", "yellow"))
    assert _failed_priority(engineering) == "emergency"


def test_maintenance_s_copy_follows_an_alert_s_level_whatever_order_its_events_come_in(engineering):
    """h2: a level change was announced by no event, so a blue typhoon raised to red kept its failed
    items normal. The change's event (``emergency_alert_level_changed``) carries the levels over time;
    the copy keeps each once, and a raising redelivered after it lowers it no more."""
    raised = _raised("ealert_t", "typhoon", "blue")
    engineering.on_emergency_alert_raised(raised)
    assert _failed_priority(engineering) == "normal"
    changed = _alert_event("emergency_alert_level_changed", id="ealert_t", level="red", levels=[
        {"level": "blue", "at": "2026-11-23T08:00:00.000Z"}, {"level": "red", "at": "2026-11-23T08:40:00.000Z"}])
    engineering.on_emergency_alert_level_changed(changed)
    engineering.on_emergency_alert_level_changed(changed)  # redelivered
    engineering.on_emergency_alert_raised(raised)  # redelivered late
    assert _failed_priority(engineering) == "emergency"
    lowered = _alert_event("emergency_alert_level_changed", id="ealert_t", level="blue", levels=[
        {"level": "blue", "at": "2026-11-23T08:00:00.000Z"}, {"level": "red", "at": "2026-11-23T08:40:00.000Z"},
        {"level": "blue", "at": "2026-11-23T08:50:00.000Z"}])
    engineering.on_emergency_alert_level_changed(lowered)
    engineering.on_emergency_alert_level_changed(changed)  # the older change, redelivered after
    assert _failed_priority(engineering) == "normal"


def test_an_order_is_an_emergency_by_the_alert_when_the_item_failed_not_when_it_is_opened(engineering, monkeypatch):
    """h2: a completion replayed after the stand-down (its orders unopened by a crash) opened them as
    normal, and one completed before an alert was told opened them as emergencies the moment it was. The
    alert's history at the inspection's completion decides."""
    engineering.on_emergency_alert_raised(_raised("ealert_t", "typhoon", "yellow"))
    real_open, crashed = operations.open_order, []

    def crash_once(*args, **kwargs):
        if not crashed:
            crashed.append(True)
            raise RuntimeError("the broker went away")
        return real_open(*args, **kwargs)

    monkeypatch.setattr(operations, "open_order", crash_once)
    inspection = open_on_pump(engineering)
    with pytest.raises(RuntimeError):
        complete(engineering, inspection["id"], FAILED)  # completed at 09:00 while the typhoon stands
    engineering.on_emergency_alert_stood_down(_alert_event(
        "emergency_alert_stood_down", id="ealert_t", status="stood_down", stood_down_at="2026-11-23T09:30:00.000Z",
        levels=[{"level": "yellow", "at": "2026-11-23T08:00:00.000Z"}]))
    clock.freeze(NOW + timedelta(hours=1))
    complete(engineering, inspection["id"], FAILED)  # the replay, after the stand-down
    [order] = inspection_orders(engineering, inspection["id"])
    assert order["priority"] == "emergency"
    assert _failed_priority(engineering) == "normal"  # failed at 10:00, after the stand-down

    clock.freeze(NOW + timedelta(hours=2))  # an alert issued after the item failed makes it no emergency
    late = open_on_pump(engineering)
    crashed.clear()
    with pytest.raises(RuntimeError):
        complete(engineering, late["id"], FAILED)  # failed at 11:00
    engineering.on_emergency_alert_raised(_raised("ealert_r", "rainstorm", "red", issued_at="2026-11-23T11:30:00.000Z"))
    clock.freeze(NOW + timedelta(hours=3))
    complete(engineering, late["id"], FAILED)
    [order] = inspection_orders(engineering, late["id"])
    assert order["priority"] == "normal"


def test_an_alert_kept_before_its_levels_were_told_counts_by_its_kind(engineering):
    """h2: maintenance's copy of an alert kept before the events carried levels has no level at all;
    standing at the deploy, its kind alone decides (as every alert did before), not no emergency."""
    engineering.db.weather_alerts.insert_one({"_id": "walert_old", "estate_id": ESTATE, "alert_id": "ealert_old",
                                              "kind": "typhoon", "issued_at": "2026-11-23T08:00:00.000Z",
                                              "stood_down_at": None, "event_ids": ["evt_old"]})
    assert _failed_priority(engineering) == "emergency"
    engineering.db.weather_alerts.update_one({"_id": "walert_old"}, {"$set": {"kind": "heat"}})
    assert _failed_priority(engineering) == "normal"


def test_a_level_raise_heard_after_an_item_failed_makes_its_order_the_emergency_it_was(engineering):
    """A race (found by h6): the typhoon was raised from blue to red at 08:55, the pump failed its check at
    09:00, and maintenance heard of the raise at 09:01: the failure was judged by the blue it knew and its
    order waited 24 hours. The change, heard, judges again the open normal orders of the items failed since
    the alert stood at the estate's levels (its levels over time), once: each made an emergency as a
    marking (its response from the same failure, announced ``work_order_marked_emergency``); an item
    failed before the raise stays normal, and so does one of a kind the estate does not count."""
    engineering.on_emergency_alert_raised(_raised("ealert_t", "typhoon", "blue"))
    clock.freeze(NOW - timedelta(minutes=10))
    before = _failed_order(engineering)  # 08:50, blue: normal, and stays
    clock.freeze(NOW)
    during = _failed_order(engineering)  # 09:00, the raise not heard yet
    assert (before["priority"], during["priority"]) == ("normal", "normal")
    changed = _alert_event("emergency_alert_level_changed", id="ealert_t", level="red", levels=[
        {"level": "blue", "at": "2026-11-23T08:00:00.000Z"}, {"level": "red", "at": "2026-11-23T08:55:00.000Z"}])
    clock.freeze(NOW + timedelta(minutes=1))
    engineering.on_emergency_alert_level_changed(changed)
    engineering.on_emergency_alert_level_changed(changed)  # redelivered
    shown = engineering.get_work_order({"estate_id": ESTATE, "id": during["id"]})
    rules = store.rules_for(engineering.db, ESTATE)
    assert shown["priority"] == "emergency"
    assert clock.parse_iso(shown["response_due_at"]) == NOW + timedelta(minutes=rules["emergency_response_minutes"])
    assert [h["action"] for h in shown["history"]].count("mark_emergency") == 1
    assert engineering.get_work_order({"estate_id": ESTATE, "id": before["id"]})["priority"] == "normal"
    [told] = [e["data"] for e in engineering.outbox.of_type("work_order_marked_emergency")]
    assert told["id"] == during["id"]
    # the typhoon stood down; a heat warning raised to red is no such kind: nothing judged again
    engineering.on_emergency_alert_stood_down(_alert_event(
        "emergency_alert_stood_down", id="ealert_t", level="red", status="stood_down",
        stood_down_at="2026-11-23T09:01:30.000Z", levels=changed["data"]["levels"]))
    engineering.on_emergency_alert_raised(_raised("ealert_heat", "heat", "blue"))
    clock.freeze(NOW + timedelta(minutes=2))
    hot = _failed_order(engineering)
    engineering.on_emergency_alert_level_changed(_alert_event(
        "emergency_alert_level_changed", id="ealert_heat", kind="heat", level="red", levels=[
            {"level": "blue", "at": "2026-11-23T08:00:00.000Z"}, {"level": "red", "at": "2026-11-23T08:59:00.000Z"}]))
    assert engineering.get_work_order({"estate_id": ESTATE, "id": hot["id"]})["priority"] == "normal"
    # a rainstorm warning issued at 08:00 but raised here at 09:05: an item failed before it was raised
    # was judged by what was known, and an alert raised later changes nothing (h2)
    engineering.on_emergency_alert_raised(_alert_event(
        "emergency_alert_raised", id="ealert_rain", kind="rainstorm", level="yellow",
        raised_at="2026-11-23T09:05:00.000Z", levels=[{"level": "yellow", "at": "2026-11-23T08:00:00.000Z"}]))
    assert engineering.get_work_order({"estate_id": ESTATE, "id": hot["id"]})["priority"] == "normal"


def _failed_order(engineering):
    [order] = inspection_orders(engineering, complete(engineering, open_on_pump(engineering)["id"], FAILED)["id"])
    return order


def test_a_failed_item_of_an_upkeep_line_is_the_contractor_s_not_a_technicians_order(engineering):
    """found by h2 (last session's leftovers): a location walk's failed "垃圾清运" opened a maintenance
    work order, sending the cleaning contractor's fault to the technicians. An item of a contractor's
    line (upkeep_line) opens no order: the completion announces it (upkeep_faults_found) and customer
    service records it against the line's contractor; the other items open their orders as before."""
    as_caller(engineering, MANAGER)
    walk = engineering.create_checklist({"estate_id": ESTATE, "data": {
        "name": "公共区域巡检", "target": "location", "items": [
            {"code": "W1", "label": "垃圾清运", "kind": "pass_fail", "upkeep_line": "waste_removal"},
            {"code": "L1", "label": "楼道灯", "kind": "pass_fail"}]}})
    assert walk["items"][0]["upkeep_line"] == "waste_removal" and walk["items"][1].get("upkeep_line") is None
    as_caller(engineering, TECHNICIAN)
    inspection = engineering.open_inspection({"estate_id": ESTATE, "data": {"checklist_id": walk["id"],
                                                                           "location": "3号楼 垃圾房"}})
    results = [{"code": "W1", "passed": False, "note": "满溢"}, {"code": "L1", "passed": False}]
    done = complete(engineering, inspection["id"], results)
    [order] = inspection_orders(engineering, inspection["id"])
    assert "楼道灯" in order["description"]  # the lamp is the technicians'
    waste = next(f for f in done["findings"] if f["code"] == "W1")
    assert waste["work_order_id"] is None and waste["upkeep_line"] == "waste_removal"
    [announced] = [e for e in engineering.outbox.published if e["event_type"] == "upkeep_faults_found"]
    assert announced["data"]["inspection_id"] == inspection["id"] and announced["data"]["location"] == "3号楼 垃圾房"
    assert announced["data"]["faults"] == [{"code": "W1", "label": "垃圾清运", "upkeep_line": "waste_removal",
                                            "note": "满溢"}]
    complete(engineering, inspection["id"], results)  # a replay announces nothing twice
    assert len([e for e in engineering.outbox.published if e["event_type"] == "upkeep_faults_found"]) == 1


def test_an_upkeep_fault_no_contractor_takes_is_the_technicians_order_after_all(engineering):
    """found by r2 reviewing h2: a failed item of a contractor's line where the estate engages no
    contractor of that line (none, or retired) opened no order here and no finding in customer
    service, and the inspection said the contractor puts it right: the fault vanished. Customer
    service announces it back (upkeep_fault_unassigned); the order the item would have opened
    without its line is opened, once however often delivered, and the inspection's finding names it."""
    from estate_common.testing import event
    as_caller(engineering, MANAGER)
    walk = engineering.create_checklist({"estate_id": ESTATE, "data": {
        "name": "公共区域巡检", "target": "location", "items": [
            {"code": "W1", "label": "垃圾清运", "kind": "pass_fail", "upkeep_line": "waste_removal"}]}})
    as_caller(engineering, TECHNICIAN)
    inspection = engineering.open_inspection({"estate_id": ESTATE, "data": {"checklist_id": walk["id"],
                                                                           "location": "3号楼 垃圾房"}})
    complete(engineering, inspection["id"], [{"code": "W1", "passed": False, "note": "满溢"}])
    assert inspection_orders(engineering, inspection["id"]) == []
    back = event("customer_service", "upkeep_fault_unassigned", ESTATE,
                 {"inspection_id": inspection["id"], "code": "W1", "upkeep_line": "waste_removal"}, actor="chen")
    engineering.on_upkeep_fault_unassigned(back)
    engineering.on_upkeep_fault_unassigned(back)  # redelivered
    [order] = inspection_orders(engineering, inspection["id"])
    assert "垃圾清运" in order["description"] and order["status"] == "pending"
    shown = engineering.get_inspection({"estate_id": ESTATE, "id": inspection["id"]})
    [waste] = shown["findings"]
    assert (waste["work_order_id"], waste["upkeep_line"]) == (order["id"], "waste_removal")
    other = event("customer_service", "upkeep_fault_unassigned", "est_other",
                  {"inspection_id": inspection["id"], "code": "W1", "upkeep_line": "waste_removal"})
    engineering.on_upkeep_fault_unassigned(other)  # another estate's names none of this one's
    assert len(inspection_orders(engineering, inspection["id"])) == 1
