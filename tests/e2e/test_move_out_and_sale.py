"""h8's probe of a tenant moving out (退租搬离, 物品放行): the desk issues a goods release pass for
flat 3-2-1101, whose owner lives abroad and consented by letter; finance's fees past due hold
the goods back until they are paid; the guard at the gate lets the van out once, in the van the
pass names; a month billed late (not past due yet) holds them back too. There was no pass at all before: the van left on the guard's word."""
import pytest

from .flows import billed_in, catching_up_years, eventually, new_estate, new_household, new_user, problem

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def test_a_tenant_s_van_leaves_once_on_the_desk_s_pass_after_the_flat_s_fees_are_paid(api, admin):
    estate = new_estate(api, admin, name="Osmanthus Court")["id"]
    base = f"/api/v1/estates/{estate}"
    staff = {role: new_user(api, admin, [role], [estate])[1]
             for role in ("agent", "security", "accountant", "cashier", "manager", "archivist", "steward")}
    flat = new_household(api, staff["archivist"], estate, building="3", room="1101", area_m2=100)["id"]
    standard = api.post(f"{base}/fee-standards", {"item": "property_service", "unit_price_cents_per_m2": 250,
                                                  "cycle": "monthly", "valid_from": "2019-01"}, staff["accountant"])
    assert standard.status_code == 201, standard.text
    assert api.post(f"{base}/fee-standards/{standard.json()['id']}/approve", None,
                    staff["manager"]).status_code == 200
    catching_up_years(api, staff["manager"], estate)
    assert [b["amount_cents"] for b in billed_in(api, base, staff["accountant"], flat, "2025-01")] == [25000]

    moving_out = api.post(f"{base}/applications", {"kind": "move_out", "household_id": flat, "structural_change": False,
                                                   "description": "the tenant leaves on Saturday"}, staff["agent"])
    assert moving_out.status_code == 201, moving_out.text
    body = {"household_id": flat, "application_id": moving_out.json()["id"], "carrier_name": "Li Ming",
            "carrier_relation": "tenant",
            "items": [{"name": "sofa", "qty": 1}, {"name": "boxes", "qty": 12}], "plate": "沪A 12345",
            "owner_consent": {"by": "Wang Fang", "how": "letter", "reference": "委托书 2026-12-01"}}
    refused = problem(api.post(f"{base}/goods-release-passes", body, staff["agent"]), 422)
    assert refused["errors"] == [{"field": "household_id", "message": "owes fees unpaid"}]
    no_consent = {k: v for k, v in body.items() if k != "owner_consent"}
    assert problem(api.post(f"{base}/goods-release-passes", no_consent, staff["agent"]), 422)

    paid = api.post(f"{base}/payments", {"household_id": flat, "amount_cents": 25000, "method": "cash"},
                    staff["cashier"])
    assert paid.status_code == 201, paid.text
    issued = eventually(lambda: (lambda r: r.json() if r.status_code == 201 else None)(
        api.post(f"{base}/goods-release-passes", body, staff["agent"])))
    assert issued["number"].startswith("GP-") and issued["fees"]["unpaid_cents"] == 0
    assert issued["owner_consent"]["how"] == "letter"

    # the guard finds it by the number printed on it, checks the van's plate, lets it out once
    found = api.get(f"{base}/goods-release-passes?number={issued['number'].lower()}", staff["security"]).json()
    assert [p["id"] for p in found["items"]] == [issued["id"]]
    use = f"{base}/goods-release-passes/{issued['id']}/use"
    assert problem(api.post(use, {"plate": "沪B 99999"}, staff["security"]), 422)
    assert problem(api.post(use, {"plate": "沪A12345"}, staff["agent"]), 403)  # the desk does not let out
    used = api.post(use, {"plate": "沪A·12345", "gate": "north"}, staff["security"])
    assert used.status_code == 200, used.text
    assert used.json()["status"] == "used" and used.json()["used"]["gate"] == "north"
    assert problem(api.post(use, {"plate": "沪A12345"}, staff["security"]), 409)

    # the goods that left are the archive's (no names in the record); the tenant's final figures too
    record = eventually(lambda: api.get(f"{base}/archive/records?subject_id={issued['id']}",
                                        staff["archivist"]).json()["items"] or None)
    assert [(r["event_type"], r["household_id"], r["data"]["gate"]) for r in record] == [
        ("goods_release_pass_used", flat, "north")]
    assert "Li Ming" not in str(record) and "Wang Fang" not in str(record)
    final = api.post(f"/api/v1/estates/{estate}/households/{flat}/meter-readings", {
        "occasion": "move_out", "meter_kind": "water", "meter_number": "W-1101", "reading": 321.5,
        "read_on": issued["valid_on"]}, staff["steward"])
    assert final.status_code == 201 and final.json()["occasion"] == "move_out", final.text
