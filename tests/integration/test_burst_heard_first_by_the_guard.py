"""A burst pipe heard first by the guard (found by h4), on the real broker: the flooding incident naming
1701 opened its own emergency order before the desk registered 1801's water emergency (家里进水), and the
desk's call then opened a second order for the one burst. Maintenance tells customer service
(``work_order_incident_found``), which joins the call to the flooding's order (并入故障工单); its
``service_request_joined`` cancels the call's own order: one burst, one open order, the call promised the
flooding's response."""
import pytest

from estate_common.errors import BusinessRuleViolation

pytestmark = pytest.mark.broker

OWNER = {"name": "李四", "phone": "13700002222"}


def test_a_water_emergency_registered_after_the_guard_s_flooding_joins_its_order(system, rpc, eventually):
    estate_id = rpc("archive", "create_estate", {"data": {"code": "BURST-H4", "name": "Burst Court",
                                                          "address": "3 Riverside"}})["id"]
    flats = {room: rpc("archive", "create_household", {"estate_id": estate_id, "data": {
        "building": "3", "unit": "1", "room": room, "area_m2": 89.37, "owner": OWNER}})["id"]
        for room in ("1801", "1701")}

    def flood():
        try:
            return rpc("security_patrol", "open_incident", {"estate_id": estate_id, "data": {
                "type": "flooding", "description": "1801 水管爆裂, 1701 进水", "location": "3栋1单元",
                "household_id": flats["1701"]}})
        except BusinessRuleViolation:
            return None  # security's copy of the flat has not come yet
    incident = eventually(flood)
    listing = {"estate_id": estate_id, "filters": {"source_type": "incident"}}
    [fault] = eventually(lambda: rpc("maintenance", "list_work_orders", listing)["items"])
    assert fault["source"] == {"type": "incident", "id": incident["id"]}

    def call():
        try:
            return rpc("customer_service", "create_request", {"estate_id": estate_id, "data": {
                "kind": "repair", "household_id": flats["1801"], "channel": "phone", "emergency": True,
                "emergency_category": "flooding", "description": "1801 家里进水, 水从厨房管道喷出"}})
        except BusinessRuleViolation:
            return None  # customer service's copy of the flat has not come yet
    request = eventually(call)

    def joined():
        shown = rpc("customer_service", "get_request", {"estate_id": estate_id, "id": request["id"]})
        return shown if shown.get("joins_work_order_id") else None

    shown = eventually(joined)
    assert shown["joins_work_order_id"] == fault["id"] and shown["due_at"] == fault["response_due_at"]
    assert "the burst of incident order" in shown["history"][-1]["note"]

    def own_cancelled():
        [own] = rpc("maintenance", "list_work_orders", {"estate_id": estate_id, "filters": {
            "source_type": "service_request"}})["items"]
        return own if own["status"] == "cancelled" else None

    eventually(own_cancelled)
    open_orders = [o for o in rpc("maintenance", "list_work_orders", {"estate_id": estate_id})["items"]
                   if o["status"] not in ("completed", "cancelled")]
    assert [o["id"] for o in open_orders] == [fault["id"]]


def test_a_neighbour_s_call_after_the_flooding_joined_the_first_call_s_order_joins_that_order(system, rpc, eventually):
    """The desk first, then the guard, then the desk again (found by r4 reviewing h4): 1801's water emergency
    opened the burst's order, the guard's flooding naming 1701 joined it, and 1601's call about the same water
    then opened a second emergency order. The order the flooding joined is the burst's order in hand: the
    later call joins it, its own order cancelled; one burst, one open order."""
    estate_id = rpc("archive", "create_estate", {"data": {"code": "BURST-R4", "name": "Burst Court II",
                                                          "address": "5 Riverside"}})["id"]
    flats = {room: rpc("archive", "create_household", {"estate_id": estate_id, "data": {
        "building": "3", "unit": "1", "room": room, "area_m2": 89.37, "owner": OWNER}})["id"]
        for room in ("1801", "1701", "1601")}

    def call(room):
        def registered():
            try:
                return rpc("customer_service", "create_request", {"estate_id": estate_id, "data": {
                    "kind": "repair", "household_id": flats[room], "channel": "phone", "emergency": True,
                    "emergency_category": "flooding", "description": f"{room} 家里进水"}})
            except BusinessRuleViolation:
                return None  # customer service's copy of the flat has not come yet
        return eventually(registered)

    first = call("1801")
    [order] = eventually(lambda: rpc("maintenance", "list_work_orders", {"estate_id": estate_id})["items"])

    def flood():
        try:
            return rpc("security_patrol", "open_incident", {"estate_id": estate_id, "data": {
                "type": "flooding", "description": "1801 水管爆裂, 1701 进水", "location": "3栋1单元",
                "household_id": flats["1701"]}})
        except BusinessRuleViolation:
            return None  # security's copy of the flat has not come yet
    incident = eventually(flood)

    def joined_by_flood():
        shown = rpc("maintenance", "get_work_order", {"estate_id": estate_id, "id": order["id"]})
        return shown if shown.get("incidents") else None

    assert [i["id"] for i in eventually(joined_by_flood)["incidents"]] == [incident["id"]]
    later = call("1601")

    def joined():
        shown = rpc("customer_service", "get_request", {"estate_id": estate_id, "id": later["id"]})
        return shown if shown.get("joins_work_order_id") else None

    assert eventually(joined)["joins_work_order_id"] == order["id"]

    def own_cancelled():
        own = [o for o in rpc("maintenance", "list_work_orders", {"estate_id": estate_id})["items"]
               if o.get("request_id") == later["id"]]
        return own if own and own[0]["status"] == "cancelled" else None

    eventually(own_cancelled)
    open_orders = [o for o in rpc("maintenance", "list_work_orders", {"estate_id": estate_id})["items"]
                   if o["status"] not in ("completed", "cancelled")]
    assert [o["id"] for o in open_orders] == [order["id"]] and first["id"] != later["id"]
