"""Issue 14, a household's occupancy dates through the gateway over HTTP: the unit's handover
(交房) dates the household's ``occupied_from`` in archive, finance's copy follows
(``household_updated``) and bills the household from the handover's month, not before (the months
from the unit's takeover the developer's, 开发建设单位); two accepts of the same handover: the second is a 409."""
import pytest

from .flows import billed_in, catching_up_years, eventually, new_estate, new_household, new_user

pytestmark = [pytest.mark.e2e, pytest.mark.broker]



def test_a_household_handed_over_mid_year_is_billed_from_that_month(api, admin):
    estate = new_estate(api, admin, name="Cedar Row")["id"]
    base = f"/api/v1/estates/{estate}"
    staff = {role: new_user(api, admin, [role], [estate])[1] for role in ("accountant", "manager", "archivist")}
    household = new_household(api, staff["archivist"], estate, room="502", area_m2=100, building="4")["id"]
    standard = api.post(f"{base}/fee-standards", {"item": "property_service", "unit_price_cents_per_m2": 200,
                                                  "cycle": "monthly", "valid_from": "2019-01"}, staff["accountant"])
    assert standard.status_code == 201, standard.text
    assert api.post(f"{base}/fee-standards/{standard.json()['id']}/approve", None,
                    staff["manager"]).status_code == 200
    catching_up_years(api, staff["manager"], estate)

    path = f"{base}/households/{household}/handovers"
    passed = [{"item": "walls and ceilings", "result": "pass"}]
    assert api.post(path, {"kind": "takeover", "date": "2019-01-05", "items": passed},
                    staff["archivist"]).status_code == 201
    given = api.post(path, {"kind": "handover", "date": "2020-12-15", "items": passed}, staff["archivist"],
                     headers={"Idempotency-Key": "handover-cedar-502"})
    assert given.status_code == 201, given.text
    again = api.post(path, {"kind": "handover", "date": "2020-12-16", "items": passed}, staff["archivist"])
    assert again.status_code == 409  # handed over once
    retried = api.post(path, {"kind": "handover", "date": "2020-12-15", "items": passed}, staff["archivist"],
                       headers={"Idempotency-Key": "handover-cedar-502"})
    assert retried.status_code == 201 and retried.json()["id"] == given.json()["id"]
    shown = api.get(f"{base}/households/{household}", staff["archivist"]).json()
    assert (shown["occupied_from"], shown["occupied_to"]) == ("2020-12-15", None)

    def owners(period):  # the owner's bills of the period (the developer's, 开发建设单位, apart: ``payer``)
        return [b for b in billed_in(api, base, staff["accountant"], household, period) if b.get("payer") != "developer"]

    def developers(period):
        bills = api.get(f"{base}/bills?household_id={household}&payer=developer&limit=200", staff["accountant"])
        return [b["amount_cents"] for b in bills.json()["items"] if b["period"] == period and b["status"] != "cancelled"]

    # each try a month before the handover not billed yet: once finance's copy has the day, none is the owner's
    before = iter(f"{year}-{month:02d}" for year in (2019, 2020) for month in range(1, 13) if (year, month) < (2020, 12))
    assert eventually(lambda: owners(next(before)) == [], interval=0.3)
    # owed from the handover day: 17 of December's 31 days (prorate_handover_month, 1 by default); the 14 days
    # before it the developer's, from the unit's takeover (《物业服务收费管理办法》第十六条): the month once
    assert [b["amount_cents"] for b in owners("2020-12")] == [10968]
    assert developers("2020-12") == [9032]  # 100 m² × 2.00 × 14/31 = 9032.26 → 9032; 10968 + 9032 = 20000
    assert [b["amount_cents"] for b in owners("2021-03")] == [20000] and developers("2021-03") == []
    assert owners("2020-11") == [] and developers("2020-11") == [20000]  # taken over, not yet handed over
