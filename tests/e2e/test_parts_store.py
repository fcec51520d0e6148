"""Engineering's spare parts (备品备件) through the gateway: a month of one estate's store. Parts
bought in, issued to a work order at the store's average cost (its material lines and cost from
the store, a part bought on the spot still typed in), the unused length returned before the
sign-off, a stocktake finding 2 taps missing (an adjustment, never an edit), a part below its
minimum (found by h8's probe: materials were names and costs typed at the sign-off, with no store
behind them)."""
import uuid

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

from .flows import eventually, new_estate, new_household, new_user


@pytest.fixture(scope="module")
def site(api, admin):
    estate_id = new_estate(api, admin, name="Store Court")["id"]
    _, agent = new_user(api, admin, ["agent"], [estate_id])
    _, supervisor = new_user(api, admin, ["maintenance_supervisor", "technician"], [estate_id])
    technician_name, technician = new_user(api, admin, ["technician"], [estate_id])
    _, accountant = new_user(api, admin, ["accountant"], [estate_id])
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    household = new_household(api, agent, estate_id, room="1201", area_m2=88, building="2")
    return {"estate": estate_id, "household": household["id"], "agent": agent, "supervisor": supervisor,
            "technician": technician, "technician_name": technician_name, "accountant": accountant,
            "manager": manager}


def keyed(api, path, body, token, key=None):
    return api.post(path, body, token, headers={"Idempotency-Key": key or uuid.uuid4().hex})


def repair_order(api, site):
    base = f"/api/v1/estates/{site['estate']}"
    body = {"kind": "repair", "household_id": site["household"], "channel": "phone", "description": "tap leaks"}
    request = eventually(lambda: (lambda answer: answer if answer.status_code != 422 else None)(
        keyed(api, f"{base}/service-requests", body, site["agent"])))
    assert request.status_code == 201, request.text
    [order] = eventually(lambda: api.get(f"{base}/work-orders?request_id={request.json()['id']}",
                                         site["technician"]).json()["items"])
    assert api.post(f"{base}/work-orders/{order['id']}/assign", {"technician": site["technician_name"]},
                    site["supervisor"]).status_code == 200
    assert api.post(f"{base}/work-orders/{order['id']}/start", {}, site["technician"]).status_code == 200
    return order


def test_a_month_of_the_parts_store(api, site):
    base = f"/api/v1/estates/{site['estate']}"
    supervisor, technician, accountant = site["supervisor"], site["technician"], site["accountant"]

    def part(code, name, unit, minimum):
        created = keyed(api, f"{base}/parts", {"code": code, "name": name, "unit": unit, "minimum": minimum}, supervisor)
        assert created.status_code == 201, created.text
        return created.json()

    tap, cable, sensor = part("TAP-15", "水龙头 DN15", "piece", 10), part("CABLE-2.5", "电缆 2.5mm²", "m", 50), \
        part("LIFT-DS", "电梯门感应器", "piece", 2)
    assert tap["on_hand"] == 0 and tap["value_cents"] == 0 and tap["below_minimum"] is True
    assert keyed(api, f"{base}/parts", {"code": "tap-15", "name": "again", "unit": "piece"}, supervisor).status_code == 409
    assert keyed(api, f"{base}/parts", {"code": "X-1", "name": "x", "unit": "piece"}, technician).status_code == 403

    # the deliveries: a retried receipt (its answer lost) is received once
    key = uuid.uuid4().hex
    for _ in range(2):
        received = keyed(api, f"{base}/parts/{tap['id']}/receipts", {"qty": 50, "unit_cost_cents": 3500,
                                                                      "supplier": "五金行"}, supervisor, key)
        assert received.status_code == 200, received.text
    assert received.json()["on_hand"] == 50 and received.json()["value_cents"] == 175000
    topped = keyed(api, f"{base}/parts/{tap['id']}/receipts", {"qty": 10, "unit_cost_cents": 3800}, supervisor).json()
    assert topped["on_hand"] == 60 and topped["value_cents"] == 213000 and topped["unit_cost_cents"] == 3550
    assert keyed(api, f"{base}/parts/{cable['id']}/receipts", {"qty": 200, "unit_cost_cents": 420},
                 supervisor).json()["value_cents"] == 84000
    assert keyed(api, f"{base}/parts/{sensor['id']}/receipts", {"qty": 10, "unit_cost_cents": 68000},
                 supervisor).json()["on_hand"] == 10
    assert keyed(api, f"{base}/parts/{cable['id']}/receipts", {"qty": 1, "unit_cost_cents": 1},
                 technician).status_code == 403
    fraction = keyed(api, f"{base}/parts/{tap['id']}/receipts", {"qty": 1.5, "unit_cost_cents": 1}, supervisor)
    assert fraction.status_code == 422  # a piece is counted whole

    # a chargeable repair: parts issued to it at the store's cost, 2.5 m of the cable returned unused
    order = repair_order(api, site)
    issue = f"{base}/parts/{{}}/issues"
    assert keyed(api, issue.format(tap["id"]), {"work_order_id": order["id"], "qty": 1}, technician).status_code == 200
    assert keyed(api, issue.format(cable["id"]), {"work_order_id": order["id"], "qty": 12.5},
                 technician).json()["on_hand"] == 187.5
    too_many = keyed(api, issue.format(sensor["id"]), {"work_order_id": order["id"], "qty": 11}, technician)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "qty"
    assert keyed(api, issue.format(tap["id"]), {"work_order_id": "wo_nope", "qty": 1}, technician).status_code == 422
    assert keyed(api, issue.format(tap["id"]), {"work_order_id": order["id"], "qty": 1}, accountant).status_code == 403
    returned = keyed(api, f"{base}/parts/{cable['id']}/returns", {"work_order_id": order["id"], "qty": 2.5}, technician)
    assert returned.status_code == 200 and returned.json()["on_hand"] == 190
    assert keyed(api, f"{base}/parts/{cable['id']}/returns", {"work_order_id": order["id"], "qty": 11},
                 technician).status_code == 422  # more than the order holds of it
    # the sensors: 9 to the lift's job, which leaves one, below its minimum of 2
    assert keyed(api, issue.format(sensor["id"]), {"work_order_id": order["id"], "qty": 9},
                 technician).json()["on_hand"] == 1
    assert keyed(api, f"{base}/parts/{sensor['id']}/returns", {"work_order_id": order["id"], "qty": 9},
                 technician).json()["on_hand"] == 10
    assert keyed(api, issue.format(sensor["id"]), {"work_order_id": order["id"], "qty": 9},
                 technician).json()["on_hand"] == 1

    work_order = f"{base}/work-orders/{order['id']}"
    assert api.post(f"{work_order}/quote", {"amount_cents": 8000, "items": [{"name": "更换水龙头", "amount_cents": 8000}]},
                    technician).status_code == 200
    assert api.post(f"{work_order}/consent", {"by": "王五"}, technician).status_code == 200
    done = keyed(api, f"{work_order}/complete", {"materials": [{"name": "生料带", "qty": 1, "unit_cost_cents": 200}],
                                               "charge_cents": 8000, "signed_by": "王五"}, technician)
    assert done.status_code == 200, done.text
    lines = {line["name"]: line for line in done.json()["materials"]}
    assert lines["水龙头 DN15"] == {"name": "水龙头 DN15", "qty": 1, "unit_cost_cents": 3550, "cost_cents": 3550,
                                 "part_id": tap["id"]}
    assert lines["电缆 2.5mm²"]["qty"] == 10 and lines["电缆 2.5mm²"]["cost_cents"] == 4200
    assert lines["电梯门感应器"]["cost_cents"] == 9 * 68000
    assert lines["生料带"]["cost_cents"] == 200 and "part_id" not in lines["生料带"]  # bought on the spot
    assert done.json()["material_cost_cents"] == 3550 + 4200 + 9 * 68000 + 200
    late = keyed(api, issue.format(tap["id"]), {"work_order_id": order["id"], "qty": 1}, technician)
    assert late.status_code == 409  # its cost is signed off

    # the month's end: the stocktake finds 2 taps missing: an adjustment recorded, nothing edited
    counted = keyed(api, f"{base}/parts/{tap['id']}/counts", {"counted": 57, "note": "月末盘点"}, supervisor)
    assert counted.status_code == 200, counted.text
    after = counted.json()
    assert after["on_hand"] == 57 and after["value_cents"] == 213000 - 3550 - 2 * 3550
    adjustment = after["movements"][-1]
    assert adjustment["kind"] == "count" and adjustment["qty"] == -2 and adjustment["value_cents"] == -7100
    assert adjustment["expected"] == 59 and adjustment["counted"] == 57
    assert [movement["kind"] for movement in after["movements"]] == ["receipt", "receipt", "issue", "count"]
    assert keyed(api, f"{base}/parts/{tap['id']}/counts", {"counted": 57}, technician).status_code == 403

    # below minimum: the sensors alone; the accountant reads the store
    low = api.get(f"{base}/parts?below_minimum=true", accountant)
    assert low.status_code == 200 and [item["code"] for item in low.json()["items"]] == ["LIFT-DS"]
    listed = api.get(f"{base}/parts", technician).json()["items"]
    assert len(listed) == 3 and all("movements" not in item for item in listed)  # a part's own page has them
    assert api.get(f"{base}/parts/{sensor['id']}", technician).json()["on_hand"] == 1

    # every movement kept on the part's archive (maintenance.part_moved), the count's difference with it
    def archived():
        items = api.get(f"{base}/archive/records?subject_id={tap['id']}", site["manager"]).json()["items"]
        return items if len(items) == 4 else None
    records = eventually(archived)
    assert {record["subject_type"] for record in records} == {"spare_part"}
    assert sorted(record["data"]["movement"]["kind"] for record in records) == ["count", "issue", "receipt", "receipt"]


def test_two_technicians_take_the_last_taps_at_once(api, admin, site):
    """Two technicians at the store's counter at once, each for 2 of the last 3 taps: one gets them, the
    other is told the store holds 1 (never below nothing); neither draws on the other's order (r8 reviewing h8)."""
    from concurrent.futures import ThreadPoolExecutor
    base = f"/api/v1/estates/{site['estate']}"
    other_name, other = new_user(api, admin, ["technician"], [site["estate"]])
    mine, theirs = repair_order(api, site), repair_order(api, {**site, "technician": other, "technician_name": other_name})
    tap = keyed(api, f"{base}/parts", {"code": "TAP-LAST", "name": "水龙头 DN20", "unit": "piece"}, site["supervisor"]).json()
    assert keyed(api, f"{base}/parts/{tap['id']}/receipts", {"qty": 3, "unit_cost_cents": 3500},
                 site["supervisor"]).status_code == 200
    issue = f"{base}/parts/{tap['id']}/issues"
    assert keyed(api, issue, {"work_order_id": mine["id"], "qty": 1}, other).status_code == 403  # not his order
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda taken: keyed(api, issue, {"work_order_id": taken[0]["id"], "qty": 2}, taken[1]),
                                [(mine, site["technician"]), (theirs, other)]))
    assert sorted(answer.status_code for answer in answers) == [200, 422], [answer.text for answer in answers]
    stock = api.get(f"{base}/parts/{tap['id']}", site["supervisor"]).json()
    assert stock["on_hand"] == 1 and stock["value_cents"] == 3500
    assert [movement["kind"] for movement in stock["movements"]] == ["receipt", "issue"]


def test_a_part_s_history_paged_a_late_return_and_an_edit_through_the_gateway(api, site):
    """h2: a part's movements paged from their own collection (the part's page its latest), an unused tap
    brought back the day after the sign-off credited as the order's month's correction (the order as
    signed off), more than the order holds a 422, and a part's edit filed on its archive (part_updated)."""
    base = f"/api/v1/estates/{site['estate']}"
    supervisor, technician = site["supervisor"], site["technician"]
    tap = keyed(api, f"{base}/parts", {"code": "TAP-H2", "name": "水龙头 DN25", "unit": "piece"}, supervisor).json()
    assert keyed(api, f"{base}/parts/{tap['id']}/receipts", {"qty": 5, "unit_cost_cents": 3500},
                 supervisor).status_code == 200
    order = repair_order(api, site)
    for _ in range(3):
        assert keyed(api, f"{base}/parts/{tap['id']}/issues", {"work_order_id": order["id"], "qty": 1},
                     technician).status_code == 200
    first = api.get(f"{base}/parts/{tap['id']}/movements?limit=2", site["accountant"])
    assert first.status_code == 200, first.text
    assert [m["kind"] for m in first.json()["items"]] == ["receipt", "issue"] and first.json()["next_cursor"]
    rest = api.get(f"{base}/parts/{tap['id']}/movements?limit=2&cursor={first.json()['next_cursor']}", technician).json()
    assert [m["on_hand_after"] for m in rest["items"]] == [3, 2] and rest["next_cursor"] is None
    assert api.get(f"{base}/parts/{tap['id']}/movements?kind=nope", technician).status_code == 400

    work_order = f"{base}/work-orders/{order['id']}"
    signed = keyed(api, f"{work_order}/complete", {"materials": [], "charge_cents": 0, "signed_by": "王五"}, technician)
    assert signed.status_code == 200, signed.text
    back = keyed(api, f"{base}/parts/{tap['id']}/returns", {"work_order_id": order["id"], "qty": 1}, technician)
    assert back.status_code == 200, back.text
    assert back.json()["on_hand"] == 3 and back.json()["movements"][-1]["after_sign_off"] is True
    assert keyed(api, f"{base}/parts/{tap['id']}/returns", {"work_order_id": order["id"], "qty": 3},
                 technician).status_code == 422  # the order holds 2
    assert api.get(work_order, technician).json()["material_cost_cents"] == signed.json()["material_cost_cents"]
    month = signed.json()["completed_at"][:7]
    costs = api.get(f"{base}/costs?period={month}", site["manager"])
    assert costs.status_code == 200 and costs.json()["late_returns_cents"] >= 3500

    edited = api.call("PATCH", f"{base}/parts/{tap['id']}", supervisor, json={"minimum": 4},
                      headers={"Idempotency-Key": uuid.uuid4().hex})
    assert edited.status_code == 200, edited.text

    def archived():
        items = api.get(f"{base}/archive/records?subject_id={tap['id']}", site["manager"]).json()["items"]
        return [item for item in items if item["event_type"] == "part_updated"] or None
    [record] = eventually(archived)
    assert record["subject_type"] == "spare_part" and record["data"]["changes"]["minimum"] == {"from": 0, "to": 4}
