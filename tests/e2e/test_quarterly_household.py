"""A household paying by the quarter (按季缴费) under the estate's monthly standard, through the gateway
over HTTP (h8's F5 and F6): the accountant sets the household's own billing cycle, the month's run bills
it the quarter at the standard's price and every other household the month, a rise entered once reaches
both (the quarter billed before it keeps its price), a cycle over months billed is a 422 naming its
field, and the month's collection rate holds the household's share of its quarter, not all of it.

The clock is the real one: "December" is the month before the current one and "January" the current
month (a run of a month to come is refused)."""
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

from estate_common import calendar, clock  # noqa: E402

from .flows import eventually, finished_job, new_estate, new_household, new_user  # noqa: E402


def _months():
    january = calendar.period_of(clock.now(), "Asia/Shanghai")
    return calendar.add_months(january, -1), january


def _run(api, base, accountant, period):
    started = api.post(f"{base}/billing-runs", {"period": period}, accountant)
    assert started.status_code == 202, started.text
    return finished_job(api, accountant, started.json()["id"])["result"]


def _standard(api, base, accountant, manager, body):
    proposed = api.post(f"{base}/fee-standards", body, accountant)
    assert proposed.status_code == 201, proposed.text
    approved = api.post(f"{base}/fee-standards/{proposed.json()['id']}/approve", {}, manager)
    assert approved.status_code == 200, approved.text
    return approved.json()


def _bills(api, base, token, household_id):
    items = api.get(f"{base}/bills?household_id={household_id}&limit=200", token).json()["items"]
    return sorted((b["period"], b.get("covers_to"), b["amount_cents"], b["pricing"]["unit_price_cents_per_m2"])
                  for b in items)


def test_a_household_pays_the_monthly_standard_by_the_quarter_and_a_rise_entered_once(api, admin):
    december, january = _months()
    estate = new_estate(api, admin, name="Quarter Court")
    base = f"/api/v1/estates/{estate['id']}"
    _, accountant = new_user(api, admin, ["accountant"], [estate["id"]])
    _, manager = new_user(api, admin, ["manager"], [estate["id"]])
    _, cashier = new_user(api, admin, ["cashier"], [estate["id"]])
    monthly, quarterly = (new_household(api, manager, estate["id"], room=room, area_m2=100)["id"]
                          for room in ("101", "102"))
    for household_id in (monthly, quarterly):  # finance's copy of the household
        eventually(lambda: api.get(f"{base}/households/{household_id}/account", accountant).status_code == 200)
    _standard(api, base, accountant, manager, {"item": "property_service", "unit_price_cents_per_m2": 250,
                                               "cycle": "monthly", "valid_from": december})

    body = {"household_id": quarterly, "cycle": "quarterly", "valid_from": december}
    assert api.post(f"{base}/billing-cycles", body, cashier).status_code == 403
    set_ = api.post(f"{base}/billing-cycles", body, accountant)
    assert set_.status_code == 201, set_.text
    assert (set_.json()["cycle"], set_.json()["valid_from"], set_.json()["item"]) == ("quarterly", december,
                                                                                      "property_service")
    assert _run(api, base, accountant, december)["bills_created"] == 2
    # the rise from January, entered once
    _standard(api, base, accountant, manager, {"item": "property_service", "unit_price_cents_per_m2": 280,
                                               "cycle": "monthly", "valid_from": january})
    assert _run(api, base, accountant, january)["bills_created"] == 1  # the monthly household only
    assert _bills(api, base, accountant, monthly) == [(december, None, 25000, 250), (january, None, 28000, 280)]
    quarter_end = calendar.add_months(december, 2)
    assert _bills(api, base, accountant, quarterly) == [(december, quarter_end, 75000, 250)]

    refused = api.post(f"{base}/billing-cycles", {**body, "valid_from": january}, accountant)
    assert refused.status_code == 422, refused.text
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["valid_from"]  # the body's field, as the gateway names it
    listed = api.get(f"{base}/billing-cycles?household_id={quarterly}", cashier)
    assert listed.status_code == 200 and [c["cycle"] for c in listed.json()["items"]] == ["quarterly"]

    rate = api.get(f"{base}/kpis?period={december}", manager).json()["kpis"]["collection_rate"]
    assert rate["denominator"] == 25000 + 25000  # December's third of the quarter, not all 75000
