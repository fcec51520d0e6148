"""The full repair cycle through the gateway, across all five services:

request (customer-service) → work order (maintenance) → assign → start → quote →
consent → complete with a charge → one bill (finance) → payment with a receipt →
the request shows its completion and return-visit deadline → a return visit that
finds a problem → a follow-up work order on the same request → the permanent
record (archive) of the completed order and the payment.
"""
import pytest
from estate_common import clock

from .flows import eventually, new_estate, new_household, new_user, register

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


@pytest.fixture(scope="module")
def site(api, admin):
    estate_id = new_estate(api, admin, name="Repair Cycle Court")["id"]
    staff = {role: new_user(api, admin, [role], [estate_id]) for role in
             ("agent", "technician", "cashier", "accountant", "manager", "archivist")}
    household = new_household(api, staff["agent"][1], estate_id, room="2202")
    return {"estate": estate_id, "household": household["id"], **{role: token for role, (_, token) in staff.items()},
            "technician_name": staff["technician"][0]}


def path(site, tail):
    return f"/api/v1/estates/{site['estate']}/{tail}"


def ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


def test_a_charged_repair_from_the_call_to_the_follow_up(api, site):
    request = register(api, site["agent"], site["estate"], site["household"], description="bathroom ceiling drips").json()
    assert request["number"].startswith("SR-") and request["due_at"]

    [order] = eventually(lambda: api.get(path(site, f"work-orders?request_id={request['id']}"),
                                         site["technician"]).json()["items"])
    step = lambda action, body, token=site["technician"]: api.post(  # noqa: E731
        path(site, f"work-orders/{order['id']}/{action}"), body, token)
    ok(step("assign", {"technician": site["technician_name"]}))
    on_site = ok(step("start", {}))
    # customer service learned of the start: the repair is answered (its promised response time)
    answered = eventually(lambda: (lambda r: r if r["answered_at"] else None)(
        api.get(path(site, f"service-requests/{request['id']}"), site["agent"]).json()))
    assert answered["answered_at"] == answered["started_at"] == on_site["started_at"]
    ok(step("quote", {"amount_cents": 12000, "items": [{"name": "seal the pipe joint", "amount_cents": 8000},
                                                        {"name": "ceiling patch", "amount_cents": 4000}]}))
    refused = step("complete", {"materials": [{"name": "sealant", "qty": 1}], "charge_cents": 12000,
                                "signed_by": "owner"})
    assert refused.status_code == 422, refused.text  # no consent yet
    ok(step("consent", {"by": "owner Chen"}, site["agent"]))
    done = ok(step("complete", {"materials": [{"name": "sealant", "qty": 1}], "charge_cents": 12000,
                                "signed_by": "owner Chen"}))
    assert done["status"] == "completed"

    # the charge became exactly one bill in finance
    bills = eventually(lambda: [b for b in api.get(path(site, f"bills?household_id={site['household']}"),
                                                   site["cashier"]).json()["items"] if b["item"] == "repair"])
    assert len(bills) == 1 and bills[0]["amount_cents"] == 12000 and bills[0]["status"] == "unpaid"

    # the owner pays it at the desk: a receipt, and the bill is paid
    payment = ok(api.post(path(site, "payments"), {"household_id": site["household"], "amount_cents": 12000,
                                                   "method": "cash"}, site["cashier"],
                          headers={"Idempotency-Key": f"pay-{order['id']}"}), 201)
    assert payment["receipt_number"]
    paid = api.get(path(site, f"bills?household_id={site['household']}&status=paid"), site["cashier"]).json()["items"]
    assert [b["id"] for b in paid] == [bills[0]["id"]]

    # customer-service learned of the completion: the return visit is due within 3 days
    shown = eventually(lambda: (lambda r: r if r["completed_at"] else None)(
        api.get(path(site, f"service-requests/{request['id']}"), site["agent"]).json()))
    assert shown["return_visit_due_at"] > shown["completed_at"]

    # the return visit finds a problem: a follow-up order on the same request
    ok(api.post(path(site, f"service-requests/{request['id']}/return-visits"),
                {"satisfaction": 2, "notes": "still damp in one corner", "problem_found": True,
                 "charge_confirmed": True, "occupant_confirmation": {"method": "verbal", "name": "owner Chen"}},
                site["agent"]), 201)
    orders = eventually(lambda: (lambda items: items if len(items) == 2 else None)(
        api.get(path(site, f"work-orders?request_id={request['id']}"), site["technician"]).json()["items"]))
    follow_up = next(o for o in orders if o["id"] != order["id"])
    assert follow_up["source"]["type"] == "return_visit" and follow_up["status"] == "assigned"
    assert follow_up["technician"] == site["technician_name"]  # back to who did the work (seeds 004)

    # the permanent record keeps the completed order and the payment
    eventually(lambda: any(r["event_type"] == "work_order_completed" for r in api.get(
        path(site, f"archive/records?subject_id={order['id']}"), site["archivist"]).json()["items"]))
    eventually(lambda: api.get(path(site, f"archive/records?subject_id={payment['id']}"),
                               site["archivist"]).json()["items"])


def test_a_number_the_owner_gave_in_the_repair_is_masked_for_its_technician(api, site):
    """The repair's words reach the technician through both services; the owner's number in them
    only the desk reads in full."""
    said = "kitchen tap leaks, call 13800138000 after 5pm"
    request = register(api, site["agent"], site["estate"], site["household"], description=said).json()
    [order] = eventually(lambda: api.get(path(site, f"work-orders?request_id={request['id']}"),
                                         site["technician"]).json()["items"])
    assert order["description"] == "kitchen tap leaks, call 138****8000 after 5pm"
    ok(api.post(path(site, f"work-orders/{order['id']}/assign"), {"technician": site["technician_name"]},
                site["technician"]))
    repair = eventually(lambda: (lambda r: r if r.get("description") else None)(
        api.get(path(site, f"service-requests/{request['id']}"), site["technician"]).json()))
    assert repair["description"] == "kitchen tap leaks, call 138****8000 after 5pm"
    assert ok(api.get(path(site, f"service-requests/{request['id']}"), site["agent"]))["description"] == said
    assert ok(api.get(path(site, f"work-orders/{order['id']}"), site["agent"]))["description"] == said


def test_who_raised_a_repair_is_read_in_full_by_its_assigned_technician_and_never_logged(api, site, system):
    """Every request records who raised it (``contact``, a resident's name and phone): the desk
    reads it in full, and so does the technician its open order is assigned to, who agrees the
    visit with the occupant (the request names him once maintenance announced the assignment; he
    read it masked before this session); no log line holds it at all."""
    caller = {"name": "钱多多", "phone": "13700002468"}
    request = register(api, site["agent"], site["estate"], site["household"], description="door lock stuck",
                       contact=caller).json()
    assert request["contact"] == caller
    [order] = eventually(lambda: api.get(path(site, f"work-orders?request_id={request['id']}"),
                                         site["technician"]).json()["items"])
    ok(api.post(path(site, f"work-orders/{order['id']}/assign"), {"technician": site["technician_name"]},
                site["technician"]))
    repair = eventually(lambda: (lambda r: r.json() if r.status_code == 200 and r.json().get("technician") else None)(
        api.get(path(site, f"service-requests/{request['id']}"), site["technician"])))
    assert repair["technician"] == site["technician_name"] and repair["contact"] == caller
    assert ok(api.get(path(site, f"service-requests/{request['id']}"), site["agent"]))["contact"] == caller
    # handed back for help, the order is nobody's: he reads the caller masked until it is assigned again
    ok(api.post(path(site, f"work-orders/{order['id']}/request-help"), {"reason": "needs a locksmith"},
                site["technician"]))
    handed = eventually(lambda: (lambda r: r if r["technician"] is None else None)(
        ok(api.get(path(site, f"service-requests/{request['id']}"), site["technician"]))))
    assert handed["contact"]["phone"] != caller["phone"] and handed["contact"]["phone"].endswith("2468")
    written = system.log_path.read_text(encoding="utf-8", errors="replace")
    assert "customer_service.create_request" in written  # the call was logged ...
    assert "钱多多" not in written and "13700002468" not in written  # ... without who called


def test_a_repair_registered_at_the_wrong_flat_is_corrected_and_billed_to_the_right_one(api, site):
    """The desk picked the neighbour's flat: corrected before the work starts, the work order moves
    over the bus (maintenance), the charge is billed to the right household (finance), and the
    correction stays in the permanent record (archive)."""
    right = new_household(api, site["agent"], site["estate"], room="2203")
    request = register(api, site["agent"], site["estate"], site["household"], description="balcony drain blocked").json()
    [order] = eventually(lambda: api.get(path(site, f"work-orders?request_id={request['id']}"),
                                         site["technician"]).json()["items"])
    assert order["household_id"] == site["household"]
    eventually(lambda: api.get(path(site, f"households/{right['id']}"), site["agent"]).status_code == 200)
    corrected = ok(api.post(path(site, f"service-requests/{request['id']}/household"),
                            {"household_id": right["id"], "reason": "the owner lives in 2203"}, site["agent"]))
    assert corrected["household_id"] == right["id"]
    eventually(lambda: api.get(path(site, f"work-orders/{order['id']}"), site["technician"]).json()["household_id"]
               == right["id"])
    step = lambda action, body, token=site["technician"]: ok(api.post(  # noqa: E731
        path(site, f"work-orders/{order['id']}/{action}"), body, token))
    step("assign", {"technician": site["technician_name"]})
    step("start", {})
    step("quote", {"amount_cents": 3000, "items": [{"name": "clear the drain", "amount_cents": 3000}]})
    step("consent", {"by": "owner Sun"}, site["agent"])
    step("complete", {"materials": [], "charge_cents": 3000, "signed_by": "owner Sun"})
    bills = eventually(lambda: [b for b in api.get(path(site, f"bills?household_id={right['id']}"),
                                                   site["cashier"]).json()["items"] if b["item"] == "repair"])
    assert [b["amount_cents"] for b in bills] == [3000]
    # once the work started (customer service learned it) the request keeps its household
    eventually(lambda: api.get(path(site, f"service-requests/{request['id']}"), site["agent"]).json()["started_at"])
    refused = api.post(path(site, f"service-requests/{request['id']}/household"),
                       {"household_id": site["household"], "reason": "back again"}, site["agent"])
    assert refused.status_code == 409, refused.text
    eventually(lambda: any(r["event_type"] == "service_request_household_corrected" for r in api.get(
        path(site, f"archive/records?subject_id={request['id']}"), site["archivist"]).json()["items"]))


def test_the_estates_kpis_come_from_every_service(api, site):
    kpis = ok(api.get(path(site, "kpis?period=" + clock.now_iso()[:7]), site["manager"]))
    assert kpis["unavailable"] == []
    names = set(kpis["kpis"])
    assert {"collection_rate", "return_visit_rate", "repair_response_timeliness"} <= names, names


def test_all_estates_side_by_side_for_the_admin_and_only_theirs_for_a_manager(api, admin, site):
    other = new_estate(api, admin, name="Second Court")["id"]
    period = clock.now_iso()[:7]
    table = ok(api.get(f"/api/v1/kpis?period={period}", admin))
    rows = {row["estate_id"]: row for row in table["estates"]}
    assert {site["estate"], other} <= set(rows) and table["unavailable"] == []
    assert "collection_rate" in rows[site["estate"]]["kpis"] and "patrol_completion" in rows[other]["kpis"]
    assert rows[other]["kpis"]["collection_rate"]["value"] is None  # nothing billed there: no data, not 0

    mine = ok(api.get(f"/api/v1/kpis?period={period}", site["manager"]))
    assert [row["estate_id"] for row in mine["estates"]] == [site["estate"]]
    assert api.get(f"/api/v1/estates/{other}/kpis?period={period}", site["manager"]).status_code == 403
    assert api.get(f"/api/v1/kpis?period={period}", site["agent"]).status_code == 403


def test_calls_about_a_burst_main_join_the_incidents_order_and_are_visited_once_it_is_done(api, admin, site):
    """停水: the guard's flooding incident opens its emergency order; the households' calls join it
    (``joins_work_order_id``) over the bus, open no order of their own (a probe of a Saturday night's
    burst main, h6: forty calls were forty orders), and are completed with it, each owed its return
    visit, an emergency's (h8: they were closed with it, none visited)."""
    _, guard = new_user(api, admin, ["security"], [site["estate"]])
    incident = ok(api.post(path(site, "incidents"), {"type": "flooding", "location": "3号楼地下泵房",
                                                      "description": "供水主管爆裂"}, guard), 201)
    order = eventually(lambda: ok(api.get(path(site, f"incidents/{incident['id']}"), guard))["maintenance_order"])
    before = ok(api.get(path(site, "work-orders?limit=200"), site["manager"]))["items"]
    calls = [eventually(lambda: (lambda a: a if a.status_code == 201 else None)(api.post(
        path(site, "service-requests"), {"kind": "repair", "household_id": site["household"], "channel": "phone",
                                         "description": "家里停水了", "joins_work_order_id": order["id"]},
        site["agent"]))).json() for _ in range(2)]
    assert {(c["status"], c["work_order_id"]) for c in calls} == {("dispatched", order["id"])}
    step = lambda action, body: ok(api.post(path(site, f"work-orders/{order['id']}/{action}"), body,  # noqa: E731
                                            site["technician"]))
    step("assign", {"technician": site["technician_name"]})
    step("start", {})
    step("complete", {"materials": [{"name": "DN100 pipe", "qty": 1}], "charge_cents": 0, "signed_by": "duty engineer",
                      "summary": "DN100 main replaced; buildings 3-5 back on water at 04:30"})
    for call in calls:
        done = eventually(lambda: (lambda r: r if r["status"] == "completed" else None)(
            ok(api.get(path(site, f"service-requests/{call['id']}"), site["agent"]))))
        assert order["number"] in done["history"][-1]["note"] and done["completed_at"]
        assert done["return_visit_due_at"] and done["return_visit_required"] is True
    owed = ok(api.get(path(site, "service-requests?return_visit_overdue=false&status=completed&kind=repair"),
                      site["agent"]))["items"]
    assert {c["id"] for c in calls} <= {r["id"] for r in owed}  # on the desk's list of visits owed
    listed = ok(api.get(path(site, f"service-requests?joins_work_order_id={order['id']}"), site["manager"]))["items"]
    assert sorted(r["id"] for r in listed) == sorted(c["id"] for c in calls)  # the night's calls, by its order
    after = ok(api.get(path(site, "work-orders?limit=200"), site["manager"]))["items"]
    assert len(after) == len(before)  # no order of their own
    refused = api.post(path(site, "service-requests"), {
        "kind": "repair", "household_id": site["household"], "channel": "phone", "description": "还是停水",
        "joins_work_order_id": order["id"]}, site["agent"])
    assert refused.status_code == 422 and "joins_work_order_id" in refused.text  # the order is done
