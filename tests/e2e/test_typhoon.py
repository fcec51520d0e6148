"""A typhoon night across estates (台风: h5's probe) through the gateway over HTTP: estate C's power
cut and the fallen tree at its north gate are incidents of their own types, each asking maintenance
for an emergency order (the cut's of the category power, among the month's emergencies), where the
cut was a 400 and written up as a flooding; the manager suspends the night's outdoor rounds (停巡),
a guard may not, and a window too long or a season late is a problem+json naming its field; the
operator publishes the typhoon notice to every estate in one call.
"""
from datetime import datetime, timedelta, timezone

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

from .flows import eventually, new_estate, new_user


def _problem(answer, status):
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json"), answer.headers
    return answer.json()


def _at(hours):
    moment = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_a_power_cut_and_a_fallen_tree_are_incidents_with_their_emergency_orders(api, admin):
    estate_id = new_estate(api, admin, name="Golden Hill")["id"]
    base = f"/api/v1/estates/{estate_id}"
    _, guard = new_user(api, admin, ["security"], [estate_id])
    _, manager = new_user(api, admin, ["manager"], [estate_id])

    cut = api.post(f"{base}/incidents", {"type": "power_outage", "description": "全小区停电",
                                         "location": "配电房"}, guard)
    assert cut.status_code == 201, cut.text
    cut = cut.json()
    assert [s["step"] for s in cut["plan"]][:2] == ["check_scope", "call_power_company"]
    tree = api.post(f"{base}/incidents", {"type": "storm_damage", "description": "大树倒伏压住北门",
                                          "location": "北门"}, guard)
    assert tree.status_code == 201, tree.text
    tree = tree.json()
    assert "cordon_off" in tree["pending_steps"]
    _problem(api.post(f"{base}/incidents", {"type": "typhoon", "description": "x", "location": "y"}, guard), 400)

    month = datetime.now(timezone.utc).strftime("%Y-%m")
    orders = eventually(lambda: (lambda items: items if len(items) == 2 else None)(
        [o for o in api.get(f"{base}/emergency-repairs?period={month}", manager).json()["items"]
         if o["source"]["type"] == "incident"]))
    by_incident = {o["source"]["id"]: o for o in orders}
    assert by_incident[cut["id"]]["emergency_category"] == "power"
    assert by_incident[tree["id"]]["emergency_category"] is None
    listed = api.get(f"{base}/incidents?type=power_outage", manager).json()["items"]
    assert [i["id"] for i in listed] == [cut["id"]]


def test_the_manager_suspends_the_night_s_rounds_and_a_guard_may_not(api, admin):
    estate_id = new_estate(api, admin, name="Jade Lake")["id"]
    base = f"/api/v1/estates/{estate_id}"
    _, guard = new_user(api, admin, ["security"], [estate_id])
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    other = new_estate(api, admin, name="Elsewhere")["id"]

    night = {"from": _at(-2), "to": _at(8), "reason": "台风  登陆，停止室外巡逻"}
    assert _problem(api.post(f"{base}/patrol-suspensions", night, guard), 403)
    assert _problem(api.post(f"/api/v1/estates/{other}/patrol-suspensions", night, manager), 403)
    assert _problem(api.post(f"{base}/patrol-suspensions", {**night, "to": night["from"]}, manager),
                    422)["errors"][0]["field"] == "to"
    assert _problem(api.post(f"{base}/patrol-suspensions", {**night, "to": _at(80)}, manager),
                    422)["errors"][0]["field"] == "to"
    assert _problem(api.post(f"{base}/patrol-suspensions", {**night, "from": _at(-24 * 40), "to": _at(-24 * 40 + 5)},
                             manager), 422)["errors"][0]["field"] == "from"
    _problem(api.post(f"{base}/patrol-suspensions", {"from": night["from"], "reason": "x"}, manager), 400)

    made = api.post(f"{base}/patrol-suspensions", night, manager, headers={"Idempotency-Key": "typhoon-h5"})
    assert made.status_code == 201, made.text
    made = made.json()
    assert (made["from"], made["to"], made["hours"], made["reason"]) == (night["from"], night["to"], 10,
                                                                           "台风 登陆，停止室外巡逻")
    again = api.post(f"{base}/patrol-suspensions", night, manager, headers={"Idempotency-Key": "typhoon-h5"})
    assert again.json()["id"] == made["id"]
    listed = api.get(f"{base}/patrol-suspensions", guard)  # the guards read why their rounds were off
    assert listed.status_code == 200 and [s["id"] for s in listed.json()["items"]] == [made["id"]]


def test_the_garage_flood_taking_over_the_guard_s_order_names_its_category(api, admin):
    """The guard's emergency anomaly at the flooded garage opened the order; the flooding incident that
    took it over left it an emergency of no category, so the morning's emergencies showed no flood."""
    estate_id = new_estate(api, admin, name="Harbour Bay")["id"]
    base = f"/api/v1/estates/{estate_id}"
    guard_name, guard = new_user(api, admin, ["security"], [estate_id])
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    route = api.post(f"{base}/patrol-routes", {"name": "夜巡", "checkpoints": [
        {"code": "G1", "name": "车库入口"}]}, guard).json()
    round_ = api.post(f"{base}/patrol-rounds", {"route_id": route["id"], "guard": guard_name}, guard).json()
    checked = api.post(f"{base}/patrol-rounds/{round_['id']}/check-ins", {"checkpoint": "G1", "anomaly": {
        "description": "地下车库进水，车辆被淹", "emergency": True}}, guard)
    assert checked.status_code == 200, checked.text
    anomaly_id = checked.json()["check_ins"][0]["anomaly"]["id"]
    [order] = eventually(lambda: [o for o in api.get(f"{base}/work-orders?source_type=patrol_anomaly", manager)
                                  .json()["items"] if o["source"]["id"] == anomaly_id])
    assert order["emergency_category"] is None
    flood = api.post(f"{base}/incidents", {"type": "flooding", "description": "地下车库进水", "location": "B1",
                                           "anomaly_id": anomaly_id}, guard)
    assert flood.status_code == 201, flood.text
    named = eventually(lambda: (lambda o: o if o["emergency_category"] == "flooding" else None)(
        api.get(f"{base}/work-orders/{order['id']}", manager).json()))
    assert named["priority"] == "emergency"
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    [emergency] = api.get(f"{base}/emergency-repairs?period={month}", manager).json()["items"]
    assert (emergency["id"], emergency["emergency_category"]) == (order["id"], "flooding")
