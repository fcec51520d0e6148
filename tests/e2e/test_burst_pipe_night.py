"""A burst supply pipe at 02:00 (h5's probe, the whole night through the gateway, h11): 3-1-1801's pipe
after its meter floods 1701, 1601 and the lift shaft. The desk's emergency repair (家里进水) for 1801 opens
the one order; the guard's flooding naming 1701 and the lift joins it (no second order) and takes the lift
out until checked; the entrapment in that lift joins it too; the technician's completion names the cause,
1801's own pipe; the claim for 1701's and 1601's losses registered from the order takes the owner as
responsible; and the owners' fund refuses to pay for an order the owner pays for (409)."""
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

from .flows import eventually, new_estate, new_household, new_user, problem as _problem


def test_one_burst_pipe_one_order_the_owner_s_cause_his_claim_and_no_fund(api, admin):
    estate_id = new_estate(api, admin, name="Burst Court")["id"]
    base = f"/api/v1/estates/{estate_id}"
    _, guard = new_user(api, admin, ["security"], [estate_id])
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    _, agent = new_user(api, admin, ["agent"], [estate_id])
    technician_name, technician = new_user(api, admin, ["technician"], [estate_id])
    lift = api.post(f"{base}/equipment", {"code": "LIFT-3", "name": "3栋1单元客梯", "system": "elevator",
                                          "location": "3栋1单元"}, manager)
    assert lift.status_code == 201, lift.text
    lift = lift.json()
    flats = {room: new_household(api, manager, estate_id, room=room, building="3")["id"]
             for room in ("1801", "1701", "1601")}

    # 02:00 the desk registers 1801's emergency repair (家里进水): the one order of the night
    body = {"kind": "repair", "household_id": flats["1801"], "channel": "phone", "emergency": True,
            "emergency_category": "flooding", "description": "1801 家里进水, 水从厨房管道喷出"}
    call = eventually(lambda: (lambda a: a if a.status_code != 422 else None)(  # customer service has the flat
        api.post(f"{base}/service-requests", body, agent)))
    assert call.status_code == 201, call.text
    call = call.json()
    [desk] = eventually(lambda: api.get(f"{base}/work-orders?request_id={call['id']}", manager).json()["items"])
    assert (desk["priority"], desk["emergency_category"]) == ("emergency", "flooding")

    # the guard's flooding, naming 1701 (the water came through its ceiling) and the lift in the shaft,
    # joins the desk's order: the lift named on it and out of service until checked for it
    flood = api.post(f"{base}/incidents", {"type": "flooding", "description": "1801 水管爆裂, 1701、1601 及电梯井进水",
                                           "location": "3栋1单元", "household_id": flats["1701"],
                                           "equipment_id": lift["id"]}, guard)
    assert flood.status_code == 201, flood.text
    flood = flood.json()
    joined = eventually(lambda: (lambda o: o if o.get("incidents") else None)(
        api.get(f"{base}/work-orders/{desk['id']}", manager).json()))
    assert [i["id"] for i in joined["incidents"]] == [flood["id"]]
    assert joined["equipment_id"] == lift["id"]
    shown = eventually(lambda: api.get(f"{base}/incidents/{flood['id']}", guard).json()["maintenance_order"])
    assert shown["id"] == desk["id"]
    [down] = eventually(lambda: api.get(f"{base}/equipment?out_of_service=true", manager).json()["items"])
    assert (down["id"], down["out_of_service"]["work_order_id"], down["out_of_service"]["until_checked"]) == (
        lift["id"], desk["id"], True)

    # a trapped person in that lift: the entrapment joins the same order, none of its own
    stuck = api.post(f"{base}/incidents", {"type": "elevator_entrapment", "description": "电梯进水停运, 困1人",
                                           "location": "3栋1单元", "equipment_id": lift["id"]}, guard)
    assert stuck.status_code == 201, stuck.text
    stuck = stuck.json()
    both = eventually(lambda: (lambda o: o if len(o.get("incidents") or []) == 2 else None)(
        api.get(f"{base}/work-orders/{desk['id']}", manager).json()))
    assert [i["id"] for i in both["incidents"]] == [flood["id"], stuck["id"]]
    shown = eventually(lambda: api.get(f"{base}/incidents/{stuck['id']}", guard).json()["maintenance_order"])
    assert shown["id"] == desk["id"]
    for incident in (flood, stuck):
        assert api.get(f"{base}/work-orders?source_type=incident&source_id={incident['id']}", manager
                       ).json()["items"] == []
    # the estate's only order of the night is the desk's
    assert [o["id"] for o in api.get(f"{base}/work-orders", manager).json()["items"]] == [desk["id"]]

    # while the order is open the manager asks the owners' fund for it: accepted, awaiting approval
    deposit = api.post(f"{base}/maintenance-fund/deposits", {"source": "developer", "amount_cents": 500_000,
                                                              "method": "bank"}, manager)
    assert deposit.status_code == 201, deposit.text
    early_use = api.post(f"{base}/maintenance-fund/uses", {"amount_cents": 120_000, "purpose": "3栋1单元抢修",
                                                           "work_order_id": desk["id"]}, manager)
    assert early_use.status_code == 201, early_use.text
    early_use = early_use.json()

    # the technician finds 1801's own pipe after its meter split: the cause names the owner of 1801
    assert api.post(f"{base}/work-orders/{desk['id']}/assign", {"technician": technician_name},
                    manager).status_code == 200
    assert api.post(f"{base}/work-orders/{desk['id']}/start", {}, technician).status_code == 200
    complete = f"{base}/work-orders/{desk['id']}/complete"
    finished = {"materials": [], "charge_cents": 0, "signed_by": "陈小明", "summary": "关阀, 更换1801表后软管"}
    refused = api.post(complete, {**finished, "cause": {"party": "owner"}}, technician)
    assert _problem(refused, 422)["errors"][0]["field"].endswith("cause.household_id")
    cause = {"party": "owner", "household_id": flats["1801"], "note": "1801 表后软管爆裂"}
    done = api.post(complete, {**finished, "cause": cause}, technician)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert done.json()["cause"] == {**cause, "third_party": None}

    # the claim for 1701's and 1601's losses, registered from the order, takes the owner as responsible
    claim_body = {"source": {"type": "work_order", "id": desk["id"]}, "cause": "3-1801 表后软管爆裂",
                  "households": [{"household_id": flats["1701"], "losses": [
                                     {"item": "ceiling", "description": "石膏板吊顶", "amount_cents": 320_000},
                                     {"item": "floor", "amount_cents": 860_000}]},
                                 {"household_id": flats["1601"], "losses": [
                                     {"item": "ceiling", "amount_cents": 150_000}]}]}
    claim = eventually(lambda: (lambda a: a if a.status_code != 422 else None)(  # the order reaches the desk
        api.post(f"{base}/damage-claims", claim_body, agent)))
    assert claim.status_code == 201, claim.text
    claim = claim.json()
    assert claim["responsibility"]["party"] == "owner"
    assert claim["responsibility"]["household_id"] == flats["1801"]
    assert claim["claimed_cents"] == 1_330_000
    assert sorted(h["household_id"] for h in claim["households"]) == sorted([flats["1701"], flats["1601"]])
    by_owner = api.get(f"{base}/damage-claims?party=owner&source_id={desk['id']}", agent).json()["items"]
    assert [c["id"] for c in by_owner] == [claim["id"]]

    # the owners' fund pays common parts only: the use asked while the order was open is refused at its
    # approval (409 naming the order), and a new use for the owner's order is refused when asked
    approve = api.post(f"{base}/maintenance-fund/uses/{early_use['id']}/approve", {"consent_ref": "业主大会决议"},
                       admin)
    _problem(approve, 409)
    assert desk["id"] in approve.text or desk["number"] in approve.text
    rejected = api.post(f"{base}/maintenance-fund/uses/{early_use['id']}/reject", {"reason": "业主自用部位"},
                        manager)
    assert rejected.status_code == 200, rejected.text
    use = api.post(f"{base}/maintenance-fund/uses", {"amount_cents": 120_000, "purpose": "1801 水管爆裂维修",
                                                     "work_order_id": desk["id"]}, manager)
    _problem(use, 409)
    assert desk["id"] in use.text or desk["number"] in use.text  # the refusal names the order
    entries = api.get(f"{base}/maintenance-fund/entries?work_order_id={desk['id']}", manager)
    assert entries.status_code == 200, entries.text
    assert [(e["id"], e["status"]) for e in entries.json()["items"]] == [(early_use["id"], "rejected")]

    # the owner of 1801 pays each flat below, received by the household; the operator receives nothing
    pay = f"{base}/damage-claims/{claim['id']}/pay"
    by_owner_paid = [{"payer": "owner", "household_id": flats["1701"], "amount_cents": 1_180_000},
                     {"payer": "owner", "household_id": flats["1601"], "amount_cents": 150_000}]
    wrong = api.post(pay, {"payments": [{**by_owner_paid[0], "received_by": "operator"}]}, manager)
    assert _problem(wrong, 422)["errors"][0]["field"].endswith("received_by")
    paid = api.post(pay, {"payments": by_owner_paid}, manager)
    assert paid.status_code == 200, paid.text
    paid = paid.json()
    assert (paid["status"], paid["paid_cents"], paid["shortfall_cents"]) == ("paid", 1_330_000, 0)
    assert [p["received_by"] for p in paid["payments"]] == ["household", "household"]
