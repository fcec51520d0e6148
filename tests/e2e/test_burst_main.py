"""A burst water main on a Saturday night (突发停水: h6's probe, h7's work, review r5) through the
gateway over HTTP, each step over the bus as it happens: the guard's emergency anomaly at the pump
room opens the one order; his flooding incident takes it over (no second order); a household's
repair phoned in before it joins it (its own order cancelled, the join on the archive's record);
one notice to the buildings cut, saying when the water is expected back, revised as the time moves.
"""
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

from .flows import at as _at, eventually, new_estate, new_household, new_user, register, problem as _problem


def test_one_burst_main_one_order_the_early_call_joined_and_one_notice_revised(api, admin):
    estate = new_estate(api, admin, name="Lake Garden")
    estate_id, code = estate["id"], estate["code"]
    base = f"/api/v1/estates/{estate_id}"
    guard_name, guard = new_user(api, admin, ["security"], [estate_id])
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    _, agent = new_user(api, admin, ["agent"], [estate_id])
    technician_name, technician = new_user(api, admin, ["technician"], [estate_id])
    other_estate = new_estate(api, admin, name="Elsewhere")["id"]
    _, other_agent = new_user(api, admin, ["agent"], [other_estate])
    households = [new_household(api, manager, estate_id, room="301", building=b)["id"] for b in ("3", "4")]

    # the first household phones before anyone knows it is the main: a repair of its own, its order
    early = register(api, agent, estate_id, households[0], description="家里没水了").json()
    own = eventually(lambda: api.get(f"{base}/service-requests/{early['id']}", agent).json()["work_order_id"])

    # the guard's emergency anomaly at the pump room: maintenance's one order for the fault
    route = api.post(f"{base}/patrol-routes", {"name": "Night loop", "checkpoints": [
        {"code": "P1", "name": "Pump room"}]}, guard).json()
    round_ = api.post(f"{base}/patrol-rounds", {"route_id": route["id"], "guard": guard_name}, guard).json()
    checked = api.post(f"{base}/patrol-rounds/{round_['id']}/check-ins", {"checkpoint": "P1", "anomaly": {
        "description": "主水管爆裂，泵房进水", "emergency": True}}, guard)
    assert checked.status_code == 200, checked.text
    anomaly_id = checked.json()["check_ins"][0]["anomaly"]["id"]
    [fault] = eventually(lambda: [o for o in api.get(f"{base}/work-orders?source_type=patrol_anomaly", manager)
                                  .json()["items"] if o["source"]["id"] == anomaly_id])

    # the flooding incident names the anomaly: it takes over its order, maintenance asked once
    assert _problem(api.post(f"{base}/incidents", {"type": "flooding", "description": "泵房进水",
                                                  "location": "B2 pump room", "anomaly_id": "anom_nothing"},
                             guard), 422)["errors"][0]["field"] == "anomaly_id"
    flood = {"type": "flooding", "description": "泵房进水", "location": "B2 pump room", "anomaly_id": anomaly_id}
    incident = api.post(f"{base}/incidents", flood, guard, headers={"Idempotency-Key": "flood-r5"})
    assert incident.status_code == 201, incident.text
    incident = incident.json()
    again = api.post(f"{base}/incidents", flood, guard, headers={"Idempotency-Key": "flood-r5"})
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json()["id"] == incident["id"]
    _problem(api.post(f"{base}/incidents", {**flood, "location": "B3"}, guard), 409)  # it serves one incident
    shown = eventually(lambda: api.get(f"{base}/incidents/{incident['id']}", guard).json()["maintenance_order"])
    assert shown["id"] == fault["id"]

    # the early call joins the fault's order: its own order cancelled, announced once
    join = f"{base}/service-requests/{early['id']}/join"
    eventually(lambda: api.post(join, {"work_order_id": fault["id"]}, technician).status_code == 403)
    assert _problem(api.post(join, {"work_order_id": "wo_nothing"}, agent), 422)["errors"][0]["field"] == \
        "work_order_id"
    assert api.post(f"/api/v1/estates/{other_estate}/service-requests/{early['id']}/join",
                    {"work_order_id": fault["id"]}, other_agent).status_code == 404
    joined = eventually(lambda: (lambda a: a if a.status_code != 422 else None)(  # the order reaches the desk
        api.post(join, {"work_order_id": fault["id"]}, agent)))
    assert joined.status_code == 200, joined.text
    joined = joined.json()
    assert (joined["joins_work_order_id"], joined["work_order_id"], joined["own_work_order_id"]) == (
        fault["id"], fault["id"], own)
    assert api.post(join, {"work_order_id": fault["id"]}, agent).json()["joins_work_order_id"] == fault["id"]
    assert eventually(lambda: api.get(f"{base}/work-orders/{own}", manager).json()["status"] == "cancelled")
    [kept] = eventually(lambda: [r for r in api.get(f"{base}/archive/records?subject_id={early['id']}", manager)
                                 .json()["items"] if r["event_type"] == "service_request_joined"])
    assert kept["data"]["work_order_id"] == fault["id"] and kept["household_id"] == households[0]
    assert api.get(f"{base}/service-requests/{early['id']}", agent).json()["status"] == "dispatched"

    # one notice to buildings 3 and 4, naming the fault and when the water is expected back
    notice_body = {"title": "停水通知", "body": "3、4 号楼停水抢修", "buildings": ["3", "４"],
                   "expected_restoration_at": _at(3), "work_order_id": fault["id"], "incident_id": incident["id"]}
    assert _problem(api.post(f"{base}/notices", {**notice_body, "building": "3"}, agent), 422)
    assert _problem(api.post(f"{base}/notices", {**notice_body, "expected_restoration_at": _at(-1)}, agent),
                    422)["errors"][0]["field"] == "expected_restoration_at"
    assert _problem(api.post(f"{base}/notices", {**notice_body, "work_order_id": "wo_nothing"}, agent),
                    422)["errors"][0]["field"] == "work_order_id"
    notice = api.post(f"{base}/notices", notice_body, agent)
    assert notice.status_code == 201, notice.text
    notice = notice.json()
    assert (notice["buildings"], notice["building"], notice["work_order_id"], notice["incident_id"]) == (
        ["3", "4"], "3", fault["id"], incident["id"])
    for building in ("3", "4"):
        listed = api.get(f"{base}/notices?building={building}", agent).json()["items"]
        assert [n["id"] for n in listed] == [notice["id"]]
        board = api.get(f"/api/v1/public/estates/{code}/notices?building={building}").json()["items"]
        assert [(n["buildings"], n["expected_restoration_at"]) for n in board] == [
            (["3", "4"], notice_body["expected_restoration_at"])]
    assert api.get(f"/api/v1/public/estates/{code}/notices?building=5").json()["items"] == []

    # the pipe takes longer: revised, kept, announced once however often sent
    revise = f"{base}/notices/{notice['id']}/revise"
    later = {"expected_restoration_at": _at(6), "reason": "需更换整段管道"}
    assert api.post(revise, later, technician).status_code == 403
    assert _problem(api.post(revise, {"expected_restoration_at": notice_body["expected_restoration_at"],
                                      "reason": "no change"}, agent), 422)
    assert api.post(f"/api/v1/estates/{other_estate}/notices/{notice['id']}/revise", later,
                    other_agent).status_code == 404
    revised = api.post(revise, later, agent)
    assert revised.status_code == 200, revised.text
    assert api.post(revise, later, agent).json()["revisions"] == revised.json()["revisions"]  # sent again
    [revision] = revised.json()["revisions"]
    assert (revision["before"], revision["after"]) == (
        {"expected_restoration_at": notice_body["expected_restoration_at"]},
        {"expected_restoration_at": later["expected_restoration_at"]})
    records = eventually(lambda: (lambda found: found if len(found) == 2 else None)(
        [r for r in api.get(f"{base}/archive/records?subject_id={notice['id']}", manager).json()["items"]]))
    assert sorted(r["event_type"] for r in records) == ["notice_published", "notice_revised"]
    board = api.get(f"/api/v1/public/estates/{code}/notices?building=4").json()["items"]
    assert [n["expected_restoration_at"] for n in board] == [later["expected_restoration_at"]]

    # maintenance was asked for one order for the fault: none of the incident's own
    assert [o for o in api.get(f"{base}/work-orders?source_type=incident", manager).json()["items"]
            if o["source"]["id"] == incident["id"]] == []

    # Monday morning (h1): the manager reads the night from the incident, in one view
    overview = f"{base}/incidents/{incident['id']}/overview"
    assert _problem(api.get(overview, agent), 403)
    night = api.get(overview, manager)
    assert night.status_code == 200, night.text
    night = night.json()
    assert night["incident"]["id"] == incident["id"] and night["unavailable"] == []
    [order] = night["work_orders"]
    assert (order["id"], order["joined_requests"]["count"]) == (fault["id"], 1)
    assert [c["id"] for c in order["joined_requests"]["items"]] == [early["id"]]
    assert [n["id"] for n in night["notices"]] == [notice["id"]] and night["joined_request_count"] == 1
    # the fault's order done: its cost on the view, the early call completed with it and owed its return
    # visit (h8), its join sent again as it is
    for action, body in (("assign", {"technician": technician_name}), ("start", {}),
                         ("complete", {"materials": [], "charge_cents": 0, "summary": "更换主水管一段"})):
        answer = api.post(f"{base}/work-orders/{fault['id']}/{action}", body,
                          manager if action == "assign" else technician)
        assert answer.status_code == 200, answer.text
    done = answer.json()
    eventually(lambda: api.get(f"{base}/service-requests/{early['id']}", agent).json()["status"] == "completed")
    again = api.post(join, {"work_order_id": fault["id"]}, agent)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "completed" and again.json()["return_visit_due_at"]
    owed = api.get(f"{base}/service-requests", agent, params={"kind": "repair", "status": "completed",
                                                                "return_visit_overdue": "false"}).json()
    assert early["id"] in [r["id"] for r in owed["items"]]  # the desk's list of return visits owed
    visit = api.post(f"{base}/service-requests/{early['id']}/return-visits",
                     {"satisfaction": 5, "notes": "水已恢复", "problem_found": False}, agent)
    assert visit.status_code == 201, visit.text
    night = api.get(overview, manager).json()
    [order] = night["work_orders"]
    assert order["status"] == "completed" and order["cost_cents"] == (
        done["material_cost_cents"] + done["labour_cost_cents"]) == night["total_cost_cents"]

    # review r1: the desk's second notice names the fault's order alone (the anomaly's, the incident
    # took it over: customer service takes no incident from it), and the owners' fund pays for the main
    by_order = api.post(f"{base}/notices", {"title": "恢复供水通知", "body": "3、4 号楼已恢复供水",
                                            "buildings": ["3", "4"], "work_order_id": fault["id"]}, agent)
    assert by_order.status_code == 201 and by_order.json()["incident_id"] is None, by_order.text
    deposit = api.post(f"{base}/maintenance-fund/deposits", {"source": "developer", "amount_cents": 500_000,
                                                              "method": "bank"}, manager)
    assert deposit.status_code == 201, deposit.text
    use = api.post(f"{base}/maintenance-fund/uses", {"amount_cents": 120_000, "purpose": "主水管更换",
                                                     "work_order_id": fault["id"]}, manager)
    assert use.status_code == 201, use.text
    approved = api.post(f"{base}/maintenance-fund/uses/{use.json()['id']}/approve", {"consent_ref": "业主大会决议"},
                        admin)
    assert approved.status_code == 200, approved.text
    night = api.get(overview, manager).json()
    assert [n["id"] for n in night["notices"]] == [notice["id"], by_order.json()["id"]]
    [order] = night["work_orders"]
    assert (order["fund_uses"]["approved_cents"], night["fund_approved_cents"]) == (120_000, 120_000)
