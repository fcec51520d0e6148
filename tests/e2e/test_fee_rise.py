"""A fee rise (物业费调价: h6's probe) through the gateway over HTTP: the owners' meeting raised the
property service fee from 2.50 to 2.80 yuan/m²/month from "January" and added a parking fee; the
accountant drafts, the manager approves, the portal publishes the prices ahead of their month;
"December" bills at the old rate and "January" at the new (each bill saying at which), prepaid money
settles both, an owner pays both months at the window at once; a parking price typed wrong is
corrected after January's run (re-billed once, the money paid moved to the right bill, the rest kept
as prepaid money), and the owner's statement shows what each bill was billed at.

The clock is the real one: "December" is the month before the current one and "January" the current
month (a run of a month to come is refused), both within the catch-up window."""
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

from estate_common import calendar, clock  # noqa: E402

from .flows import eventually, finished_job, new_estate, new_household, new_user  # noqa: E402


def _months():
    january = calendar.period_of(clock.now(), "Asia/Shanghai")
    year, month = map(int, january.split("-"))
    december = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    return december, january


def _run(api, base, accountant, period):
    started = api.post(f"{base}/billing-runs", {"period": period}, accountant)
    assert started.status_code == 202, started.text
    return finished_job(api, accountant, started.json()["id"])["result"]


def _bills(api, base, token, household_id):
    items = api.get(f"{base}/bills?household_id={household_id}&limit=200", token).json()["items"]
    return sorted(items, key=lambda b: (b["period"], b["item"], b["status"]))


def _standard(api, base, accountant, manager, body):
    proposed = api.post(f"{base}/fee-standards", body, accountant)
    assert proposed.status_code == 201, proposed.text
    assert api.post(f"{base}/fee-standards/{proposed.json()['id']}/approve", {}, accountant).status_code == 403
    approved = api.post(f"{base}/fee-standards/{proposed.json()['id']}/approve", {}, manager)
    assert approved.status_code == 200, approved.text
    return approved.json()


def test_a_fee_rise_billed_published_paid_and_a_wrong_price_corrected_once(api, admin):
    december, january = _months()
    estate = new_estate(api, admin, name="Rise Garden")
    estate_id, code = estate["id"], estate["code"]
    base = f"/api/v1/estates/{estate_id}"
    _, accountant = new_user(api, admin, ["accountant"], [estate_id])
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    _, cashier = new_user(api, admin, ["cashier"], [estate_id])
    prepaid, window = (new_household(api, manager, estate_id, room=room, area_m2=100)["id"] for room in ("101", "102"))
    for household_id in (prepaid, window):  # finance's copy of the household
        eventually(lambda: api.get(f"{base}/households/{household_id}/account", accountant).status_code == 200)

    old = _standard(api, base, accountant, manager, {"item": "property_service", "name": "物业费",
                                                     "unit_price_cents_per_m2": 250, "cycle": "monthly",
                                                     "valid_from": december})
    # a year prepaid at the old rate, before the rise
    paid = api.post(f"{base}/payments", {"household_id": prepaid, "amount_cents": 300000, "method": "cash"}, cashier)
    assert paid.status_code == 201, paid.text
    assert _run(api, base, accountant, december)["bills_created"] == 2

    # the rise and the new parking fee: drafted, approved, published with their month
    rise = _standard(api, base, accountant, manager, {"item": "property_service", "name": "物业费（业主大会决议）",
                                                      "unit_price_cents_per_m2": 280, "cycle": "monthly",
                                                      "valid_from": january})
    parking = _standard(api, base, accountant, manager, {"item": "parking", "name": "车位费", "amount_cents": 15000,
                                                         "cycle": "monthly", "valid_from": january,
                                                         "applies_to": {"household_ids": [window]}})
    shown = api.get(f"{base}/fee-standards/{old['id']}", accountant).json()
    assert (shown["valid_to"], shown["superseded_by"]) == (december, rise["id"])
    public = api.get(f"/api/v1/public/estates/{code}/fee-standards")
    assert public.status_code == 200, public.text
    assert [(s["item"], s["unit_price_cents_per_m2"], s["amount_cents"], s["valid_from"], s["applies_to_all"])
            for s in public.json()["items"]] == [("parking", None, 15000, january, False),
                                                 ("property_service", 280, None, january, True)]
    assert window not in public.text and estate_id not in public.text

    result = _run(api, base, accountant, january)
    assert (result["bills_created"], result["bills_corrected"]) == (3, 0)
    by_prepaid = _bills(api, base, accountant, prepaid)
    assert [(b["period"], b["amount_cents"], b["status"], b["pricing"]["unit_price_cents_per_m2"],
             b["pricing"]["area_m2"]) for b in by_prepaid] == [(december, 25000, "paid", 250, 100),
                                                               (january, 28000, "paid", 280, 100)]
    account = api.get(f"{base}/households/{prepaid}/account", accountant).json()
    assert account["prepaid_cents"] == 300000 - 25000 - 28000  # the prepaid money settles the dearer month

    # December and January at the window, one payment
    at_window = api.post(f"{base}/payments", {"household_id": window, "amount_cents": 68000, "method": "cash"},
                         cashier)
    assert at_window.status_code == 201, at_window.text
    assert all(b["status"] == "paid" for b in _bills(api, base, accountant, window))

    # the parking price was 120.00, not 150.00: corrected after January's run, re-billed once
    refused = api.post(f"{base}/fee-standards", {"item": "parking", "amount_cents": 12000, "cycle": "monthly",
                                                 "corrects": parking["id"], "valid_from": december}, accountant)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "valid_from"
    fix = _standard(api, base, accountant, manager, {"item": "parking", "name": "车位费", "amount_cents": 12000,
                                                     "cycle": "monthly", "corrects": parking["id"]})
    assert (fix["valid_from"], fix["corrects"]) == (january, parking["id"])
    assert api.get(f"{base}/fee-standards/{parking['id']}", accountant).json()["status"] == "corrected"
    assert _run(api, base, accountant, january)["bills_corrected"] == 1
    again = _run(api, base, accountant, january)
    assert (again["bills_corrected"], again["bills_created"]) == (0, 0)
    parking_bills = [b for b in _bills(api, base, accountant, window) if b["item"] == "parking"]
    assert [(b["amount_cents"], b["status"], b["paid_cents"]) for b in parking_bills] == [
        (15000, "cancelled", 0), (12000, "paid", 12000)]
    wrong, right = parking_bills
    assert wrong["rebilled_as"] == right["id"] and right["source"]["corrects_bill_id"] == wrong["id"]
    assert api.get(f"{base}/households/{window}/account", accountant).json()["prepaid_cents"] == 3000
    assert [s["amount_cents"] for s in api.get(f"/api/v1/public/estates/{code}/fee-standards").json()["items"]
            if s["item"] == "parking"] == [12000]

    # the owner's statement says what each bill was billed at
    issued = api.post(f"{base}/households/{window}/owner-access", {}, accountant)
    assert issued.status_code == 201, issued.text
    statement = api.get(f"/api/v1/public/accounts/{issued.json()['code']}").json()
    assert [(b["period"], b["item"], b["status"], (b["pricing"] or {}).get("unit_price_cents_per_m2"),
             (b["pricing"] or {}).get("amount_cents")) for b in sorted(
                 statement["bills"], key=lambda b: (b["period"], b["item"], b["status"]))] == [
        (december, "property_service", "paid", 250, None), (january, "parking", "cancelled", None, 15000),
        (january, "parking", "paid", None, 12000), (january, "property_service", "paid", 280, None)]
    # January's collection rate counts the right bills, not the cancelled one
    rate = api.get(f"{base}/kpis?period={january}", manager).json()["kpis"]["collection_rate"]
    assert (rate["numerator"], rate["denominator"]) == (56000, 56000)
