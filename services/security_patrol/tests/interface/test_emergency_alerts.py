"""预警响应: an estate's weather emergency plan activated at the authority's warning, before anything
has happened (a typhoon night's probe, h7: the plan started only with an incident)."""
from datetime import timedelta

import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, NotFound
from estate_common.testing import as_caller, event, staff, worker
from security_patrol.service import SecurityPatrolService

ESTATE = "est_1"
GUARD = staff("zhao", ["security"], [ESTATE])
T0 = "2026-09-01T10:00:00Z"  # 18:00 in the estate: the typhoon warning


@pytest.fixture
def patrol():
    clock.freeze(clock.parse_iso(T0))
    patrol = worker(SecurityPatrolService, caller=GUARD)
    patrol.copy_estate(event("archive", "estate_created", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd", "version": 1}))
    return patrol


def raise_typhoon(patrol, **extra):
    return patrol.raise_emergency_alert({"estate_id": ESTATE, "data": {
        "kind": "typhoon", "level": "yellow", "issued_at": "2026-09-01T09:55:00Z", "note": "台风黄色预警", **extra}})


def test_a_typhoon_warning_opens_an_alert_one_of_its_kind_at_a_time_announced_and_stood_down(patrol):
    alert = raise_typhoon(patrol)
    assert (alert["kind"], alert["level"], alert["status"], alert["raised_by"]) == ("typhoon", "yellow", "open", "zhao")
    assert alert["issued_at"] == "2026-09-01T09:55:00.000Z" and alert["stood_down_at"] is None
    assert [entry["level"] for entry in alert["levels"]] == ["yellow"]
    [raised] = patrol.outbox.of_type("emergency_alert_raised")
    assert raised["data"]["id"] == alert["id"] and raised["data"]["level"] == "yellow"
    with pytest.raises(Conflict):  # one typhoon alert open at a time
        raise_typhoon(patrol)
    rain = patrol.raise_emergency_alert({"estate_id": ESTATE, "data": {
        "kind": "rainstorm", "level": "blue", "issued_at": T0}})  # another kind opens beside it
    assert rain["status"] == "open" and rain["note"] is None

    clock.freeze(clock.parse_iso("2026-09-01T14:00:00Z"))
    raised_to = patrol.change_emergency_alert_level({"estate_id": ESTATE, "id": alert["id"], "data": {
        "level": "red", "note": "升级为红色预警"}})
    assert raised_to["level"] == "red"
    assert [(e["level"], e.get("change")) for e in raised_to["levels"]] == [("yellow", None), ("red", "raised")]
    with pytest.raises(BusinessRuleViolation):  # the level it has already
        patrol.change_emergency_alert_level({"estate_id": ESTATE, "id": alert["id"], "data": {"level": "red"}})

    clock.freeze(clock.parse_iso("2026-09-02T02:00:00Z"))
    down = patrol.stand_down_emergency_alert({"estate_id": ESTATE, "id": alert["id"], "data": {"note": "预警解除"}})
    assert (down["status"], down["stood_down_at"], down["stood_down_by"], down["stand_down_note"]) == (
        "stood_down", "2026-09-02T02:00:00.000Z", "zhao", "预警解除")
    [told] = patrol.outbox.of_type("emergency_alert_stood_down")
    assert told["data"]["id"] == alert["id"] and told["data"]["stood_down_at"] == down["stood_down_at"]
    with pytest.raises(Conflict):
        patrol.stand_down_emergency_alert({"estate_id": ESTATE, "id": alert["id"], "data": {}})
    with pytest.raises(Conflict):  # no level changes on an alert stood down
        patrol.change_emergency_alert_level({"estate_id": ESTATE, "id": alert["id"], "data": {"level": "blue"}})
    again = raise_typhoon(patrol, issued_at="2026-09-02T01:00:00Z")  # the next typhoon's alert may open
    assert again["id"] != alert["id"]

    opened = patrol.list_emergency_alerts({"estate_id": ESTATE, "filters": {"open": "true"}})["items"]
    assert sorted(a["id"] for a in opened) == sorted([rain["id"], again["id"]])
    closed = patrol.list_emergency_alerts({"estate_id": ESTATE, "filters": {"open": "false"}})["items"]
    assert [a["id"] for a in closed] == [alert["id"]]
    assert len(patrol.list_emergency_alerts({"estate_id": ESTATE, "filters": {"period": "2026-09"}})["items"]) == 3
    assert patrol.list_emergency_alerts({"estate_id": ESTATE, "filters": {"period": "2026-08"}})["items"] == []


def test_an_alert_is_not_issued_in_the_future(patrol):
    with pytest.raises(BusinessRuleViolation):
        raise_typhoon(patrol, issued_at="2026-09-01T12:00:00Z")
    assert patrol.list_emergency_alerts({"estate_id": ESTATE})["items"] == []


def test_an_alert_read_names_the_incidents_of_its_window_and_their_work_orders(patrol):
    clock.freeze(clock.parse_iso("2026-09-01T09:00:00Z"))  # before the warning (issued 09:55)
    before = patrol.open_incident({"estate_id": ESTATE, "data": {
        "type": "public_disorder", "description": "吵架", "location": "1号楼"}})
    clock.freeze(clock.parse_iso("2026-09-01T10:05:00Z"))
    alert = raise_typhoon(patrol)
    clock.freeze(clock.parse_iso("2026-09-01T13:00:00Z"))
    tree = patrol.open_incident({"estate_id": ESTATE, "data": {
        "type": "storm_damage", "description": "树倒了", "location": "北门"}})
    patrol.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_1", "number": "WO-2026-1", "source": {"type": "incident", "id": tree["id"]},
        "request_id": None, "household_id": None, "priority": "emergency", "status": "pending",
        "created_at": clock.now_iso()}))
    clock.freeze(clock.parse_iso("2026-09-02T02:00:00Z"))
    patrol.stand_down_emergency_alert({"estate_id": ESTATE, "id": alert["id"], "data": {}})
    clock.freeze(clock.parse_iso("2026-09-02T03:00:00Z"))
    after = patrol.open_incident({"estate_id": ESTATE, "data": {
        "type": "public_disorder", "description": "吵架", "location": "2号楼"}})
    read = patrol.get_emergency_alert({"estate_id": ESTATE, "id": alert["id"]})
    assert [(i["id"], i["type"], i["work_order_id"], i["work_order_number"]) for i in read["incidents"]] == [
        (tree["id"], "storm_damage", "wo_1", "WO-2026-1")]
    assert before["id"] != after["id"]
    with pytest.raises(NotFound):
        patrol.get_emergency_alert({"estate_id": ESTATE, "id": "ealert_nope"})


def test_a_level_change_is_announced_with_the_alert_s_levels_over_time(patrol):
    """h2: yellow → red was kept in the alert alone; maintenance and archive never saw it. The change is
    announced (``emergency_alert_level_changed``), and each of the alert's events carries its levels
    over time (``levels``: level and since when), so a copy follows the level whatever order they come in."""
    alert = raise_typhoon(patrol)
    [raised] = patrol.outbox.of_type("emergency_alert_raised")
    assert raised["data"]["levels"] == [{"level": "yellow", "at": "2026-09-01T09:55:00.000Z"}]
    clock.freeze(clock.parse_iso("2026-09-01T14:00:00Z"))
    patrol.change_emergency_alert_level({"estate_id": ESTATE, "id": alert["id"], "data": {
        "level": "red", "note": "升级为红色预警"}})
    [changed] = patrol.outbox.of_type("emergency_alert_level_changed")
    assert (changed["data"]["id"], changed["data"]["level"], changed["data"]["status"]) == (alert["id"], "red", "open")
    assert changed["data"]["levels"] == [{"level": "yellow", "at": "2026-09-01T09:55:00.000Z"},
                                         {"level": "red", "at": "2026-09-01T14:00:00.000Z"}]
    # the change itself, its own note with it: archive kept the alert's raising note alone (found by h6)
    assert changed["data"]["change"] == {"from": "yellow", "level": "red", "change": "raised",
                                         "at": "2026-09-01T14:00:00.000Z", "by": changed["data"]["change"]["by"],
                                         "note": "升级为红色预警"}
    assert changed["data"]["note"] == "台风黄色预警"  # the raising's note, as it was
    clock.freeze(clock.parse_iso("2026-09-01T20:00:00Z"))
    patrol.stand_down_emergency_alert({"estate_id": ESTATE, "id": alert["id"], "data": {}})
    [down] = patrol.outbox.of_type("emergency_alert_stood_down")
    assert [entry["level"] for entry in down["data"]["levels"]] == ["yellow", "red"]


def test_an_alert_s_warning_is_issued_within_the_estate_s_window_back(patrol):
    """h2: an alert of 1999 was taken, and reading it listed every incident since, unpaged. A warning
    is issued at most ``alert_issued_back_hours`` (24) before it is raised here; the estate may widen it."""
    with pytest.raises(BusinessRuleViolation) as refused:
        raise_typhoon(patrol, issued_at="1999-09-01T10:00:00Z")
    assert refused.value.errors[0]["field"] == "data.issued_at"
    with pytest.raises(BusinessRuleViolation):
        raise_typhoon(patrol, issued_at="2026-08-31T09:59:00Z")  # 24 hours and a minute back
    assert raise_typhoon(patrol, issued_at="2026-08-31T10:00:00Z")["status"] == "open"  # 24 hours back
    as_caller(patrol, staff("wu", ["manager"], [ESTATE]))
    patrol.update_settings({"estate_id": ESTATE, "data": {"alert_issued_back_hours": 72}})
    assert patrol.raise_emergency_alert({"estate_id": ESTATE, "data": {
        "kind": "heat", "level": "yellow", "issued_at": "2026-08-29T11:00:00Z"}})["status"] == "open"


def test_an_alert_issued_ahead_is_not_stood_down_nor_changed_before_it_was_issued(patrol):
    """h2: an alert issued up to 5 minutes ahead (a phone's clock) was stood down before its warning was
    issued: a window ending before it started. Refused (409) until the warning's time."""
    alert = raise_typhoon(patrol, issued_at="2026-09-01T10:04:00Z")
    with pytest.raises(Conflict) as refused:
        patrol.stand_down_emergency_alert({"estate_id": ESTATE, "id": alert["id"], "data": {}})
    assert refused.value.errors[0]["field"] == "id"
    with pytest.raises(Conflict):
        patrol.change_emergency_alert_level({"estate_id": ESTATE, "id": alert["id"], "data": {"level": "red"}})
    assert patrol.get_emergency_alert({"estate_id": ESTATE, "id": alert["id"]})["status"] == "open"
    clock.freeze(clock.parse_iso("2026-09-01T10:04:00Z"))
    down = patrol.stand_down_emergency_alert({"estate_id": ESTATE, "id": alert["id"], "data": {}})
    assert down["stood_down_at"] == "2026-09-01T10:04:00.000Z"


def test_a_long_standing_alert_s_incidents_are_read_a_page_at_a_time(patrol):
    """A blue heat warning standing for weeks: its read listed every incident since it was issued in one
    answer (the weather-alert review, h10). The incidents come a page at a time (limit, cursor), the
    first page on a read without them, oldest first, each once across the pages."""
    alert = raise_typhoon(patrol)
    opened = []
    for minute in range(5):
        clock.freeze(clock.parse_iso(T0) + timedelta(minutes=10 + minute))
        opened.append(patrol.open_incident({"estate_id": ESTATE, "data": {
            "type": "storm_damage", "description": f"树倒了 {minute}", "location": "北门"}})["id"])
    clock.freeze(clock.parse_iso(T0) + timedelta(minutes=20))
    first = patrol.get_emergency_alert({"estate_id": ESTATE, "id": alert["id"], "limit": 2})
    assert [i["id"] for i in first["incidents"]] == opened[:2] and first["incidents_next_cursor"]
    seen, cursor = [i["id"] for i in first["incidents"]], first["incidents_next_cursor"]
    while cursor:
        read = patrol.get_emergency_alert({"estate_id": ESTATE, "id": alert["id"], "limit": 2, "cursor": cursor})
        seen, cursor = seen + [i["id"] for i in read["incidents"]], read["incidents_next_cursor"]
    assert seen == opened
    whole = patrol.get_emergency_alert({"estate_id": ESTATE, "id": alert["id"]})  # the first page, 50 at most
    assert [i["id"] for i in whole["incidents"]] == opened and whole["incidents_next_cursor"] is None
