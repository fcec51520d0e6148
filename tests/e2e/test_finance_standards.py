"""Finance's issue-14 features through the gateway over HTTP: standards that apply to some
households only and refuse to overlap, and (one test per feature) the finance features
added beside them."""
import time

import pytest

from .flows import eventually, new_estate, new_household, new_user, register

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


@pytest.fixture(scope="module")
def office(api, admin):
    """An estate with three households and its finance staff."""
    estate = new_estate(api, admin, name="Maple Yard")
    households = [new_household(api, admin, estate["id"], room=room, area_m2=area, building="7")
                  for room, area in (("101", 89.37), ("102", 120), ("103", 60))]
    staff = {role: new_user(api, admin, [role], [estate["id"]])
             for role in ("accountant", "manager", "cashier")}
    return {"estate": estate, "households": households, "staff": staff, "admin": admin,
            "base": f"/api/v1/estates/{estate['id']}",
            "period": time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))}  # this month, estate time


def token(office, role):
    return office["staff"][role][1]


def approved_standard(api, office, body):
    # a standard naming households waits for finance's copies of them (422 until they arrive)
    created = eventually(lambda: (lambda answer: answer if answer.status_code != 422 or not body.get(
        "applies_to", {}).get("household_ids") else None)(
        api.post(f"{office['base']}/fee-standards", body, token(office, "accountant"))))
    assert created.status_code == 201, created.text
    answer = api.post(f"{office['base']}/fee-standards/{created.json()['id']}/approve", None, token(office, "manager"))
    return created.json(), answer


def billed(api, office, period, count):
    """Run a billing run of ``period`` until the household copies have arrived and it bills ``count``."""
    base, accountant = office["base"], token(office, "accountant")

    def attempt():
        started = api.post(f"{base}/billing-runs", {"period": period}, accountant)
        assert started.status_code == 202, started.text
        job = eventually(lambda: (lambda j: j if j["status"] in ("succeeded", "failed") else None)(
            api.get(f"/api/v1/jobs/{started.json()['id']}", accountant).json()))
        assert job["status"] == "succeeded", job
        bills = api.get(f"{base}/bills?limit=200", accountant).json()["items"]
        bills = [b for b in bills if b["period"] == period]
        return bills if len(bills) >= count else None
    return eventually(attempt)


def test_standards_apply_to_their_households_and_do_not_overlap(api, office):
    base, accountant = office["base"], token(office, "accountant")
    first, second, third = (h["id"] for h in office["households"])
    period = office["period"]
    refused = api.post(f"{base}/fee-standards", {"item": "parking", "amount_cents": 15000, "cycle": "monthly"},
                       accountant)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "applies_to.household_ids"
    bad = api.post(f"{base}/fee-standards", {"item": "parking", "amount_cents": 15000, "cycle": "monthly",
                                             "applies_to": {"statuses": ["sold"]}}, accountant)
    assert bad.status_code == 400

    _, service = approved_standard(api, office, {"item": "property_service", "unit_price_cents_per_m2": 235,
                                                 "cycle": "quarterly", "valid_from": period,
                                                 "applies_to": {"min_area_m2": 70}})
    assert service.status_code == 200 and service.json()["applies_to"]["min_area_m2"] == 70
    _, parking = approved_standard(api, office, {"item": "parking", "amount_cents": 15000, "cycle": "monthly",
                                                 "valid_from": period, "applies_to": {"household_ids": [third]}})
    assert parking.status_code == 200, parking.text

    bills = billed(api, office, period, 3)
    by_item = {(b["item"], b["household_id"]): b["amount_cents"] for b in bills}
    assert by_item == {("property_service", first): 63006,   # 89.37 m² x 2.35 x 3 = 63005.85, half-up once
                       ("property_service", second): 84600, ("parking", third): 15000}

    # a monthly price from the next month would bill the quarter's remaining months twice
    year, month = map(int, period.split("-"))
    following = f"{year + month // 12}-{month % 12 + 1:02d}"
    _, inside = approved_standard(api, office, {"item": "property_service", "unit_price_cents_per_m2": 250,
                                                "cycle": "monthly", "valid_from": following,
                                                "applies_to": {"min_area_m2": 70}})
    assert inside.status_code == 409, inside.text
    assert inside.headers["Content-Type"].startswith("application/problem+json")
    standards = api.get(f"{base}/fee-standards?item=property_service", accountant).json()["items"]
    assert sorted(s["status"] for s in standards) == ["approved", "pending"]


def test_a_renovation_deposit_is_held_and_refunded_after_the_joint_acceptance(api, admin, office):
    base, accountant, cashier = office["base"], token(office, "accountant"), token(office, "cashier")
    household = office["households"][1]["id"]
    steward = new_user(api, admin, ["steward", "technician"], [office["estate"]["id"]])[1]
    _, deposit_price = approved_standard(api, office, {"item": "renovation_deposit", "amount_cents": 150000,
                                                       "cycle": "per_charge", "valid_from": "2026-01"})
    assert deposit_price.status_code == 200, deposit_price.text  # customer service charges this price

    def applied():
        answer = api.post(f"{base}/applications", {"kind": "renovation", "household_id": household,
                                                   "structural_change": False, "description": "new kitchen"}, steward)
        return answer if answer.status_code == 201 else None
    application = eventually(applied).json()
    review = eventually(lambda: api.get(f"{base}/renovation-reviews?status=pending", steward).json()["items"])[0]
    assert api.post(f"{base}/renovation-reviews/{review['id']}/decide", {"decision": "approved", "notes": "ok"},
                    steward).status_code == 200
    deposit = eventually(lambda: (lambda items: items[0] if items and items[0]["bill_id"] else None)(
        api.get(f"{base}/deposits?application_id={application['id']}", accountant).json()["items"]))
    assert deposit["status"] == "awaiting_payment" and deposit["household_id"] == household
    assert deposit["amount_cents"] == 150000  # the approved standard's price, not customer service's setting
    # the reviewer's notes stay with the review, the application names where to read them (h8)
    kept = api.get(f"{base}/applications/{application['id']}", steward).json()["review"]
    assert kept["review_id"] == review["id"] and "notes" not in kept
    assert api.get(f"{base}/renovation-reviews/{review['id']}", steward).json()["notes"] == "ok"
    refund = f"{base}/deposits/{deposit['id']}/refund"
    assert api.post(refund, {"method": "cash"}, cashier).status_code == 409  # nothing held yet
    assert api.post(refund, {"method": "iou"}, cashier).status_code == 400

    fees = [b for b in api.get(f"{base}/bills?household_id={household}&status=unpaid", accountant).json()["items"]
            if b["item"].startswith("renovation_")]
    paid = api.post(f"{base}/payments", {"household_id": household, "method": "bank",
                                         "amount_cents": sum(b["amount_cents"] for b in fees),
                                         "bill_ids": [b["id"] for b in fees]}, cashier)
    assert paid.status_code == 201, paid.text
    assert api.get(f"{base}/deposits/{deposit['id']}", accountant).json()["status"] == "held"
    assert api.post(refund, {"method": "cash"}, cashier).status_code == 422  # the acceptance has not passed

    started = eventually(lambda: (lambda r: r if r.status_code == 200 else None)(
        api.post(f"{base}/applications/{application['id']}/start-works", {}, steward)))
    assert started.json()["status"] == "works_started"
    accepted = api.post(f"{base}/applications/{application['id']}/acceptance",
                        {"customer_service_by": "Zhang", "maintenance_by": "Li", "passed": True}, steward)
    assert accepted.status_code == 200, accepted.text
    eventually(lambda: api.get(f"{base}/deposits/{deposit['id']}", accountant).json()["status"] == "refundable")

    key = {"Idempotency-Key": "refund-" + deposit["id"]}
    done = api.post(refund, {"method": "cash"}, cashier, headers=key)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "refunded" and done.json()["refund"]["amount_cents"] == deposit["amount_cents"]
    assert api.post(refund, {"method": "cash"}, cashier, headers=key).json()["refund"] == done.json()["refund"]
    assert api.post(refund, {"method": "cash"}, cashier).status_code == 409
    entries = api.get(f"{base}/journals?kind=deposit_refund", accountant).json()["items"]
    assert [(e["direction"], e["amount_cents"]) for e in entries] == [("out", deposit["amount_cents"])]


def test_prepaid_utilities_top_up_with_a_receipt_deduct_and_refuse_past_zero(api, office):
    base, accountant, cashier = office["base"], token(office, "accountant"), token(office, "cashier")
    household = office["households"][0]["id"]
    body = {"household_id": household, "utility": "electricity", "amount_cents": 6000, "method": "cash"}
    key = {"Idempotency-Key": "topup-" + household}
    assert api.post(f"{base}/utilities/top-ups", body, accountant).status_code == 403
    assert api.post(f"{base}/utilities/top-ups", {**body, "utility": "gas"}, cashier).status_code == 400
    topped = eventually(lambda: (lambda r: r if r.status_code == 201 else None)(
        api.post(f"{base}/utilities/top-ups", body, cashier, headers=key)))  # the household copy may be on its way
    assert topped.json()["receipt"]["number"].startswith("RC-")
    again = api.post(f"{base}/utilities/top-ups", body, cashier, headers=key)
    assert again.status_code == 201 and again.json()["id"] == topped.json()["id"]

    usage = {"household_id": household, "utility": "electricity", "amount_cents": 5500, "reading_id": "e-2026-11"}
    used = api.post(f"{base}/utilities/usages", usage, accountant)
    assert used.status_code == 201 and used.json()["balance_after_cents"] == 500
    refused = api.post(f"{base}/utilities/usages", {**usage, "amount_cents": 501, "reading_id": "e-2026-12"},
                       accountant)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "amount_cents"
    [account] = api.get(f"{base}/utilities/accounts?household_id={household}", accountant).json()["items"]
    assert account["balance_cents"] == 500 and account["low_noticed"] is True  # below the 5000 default
    moves = api.get(f"{base}/utilities/moves?household_id={household}&kind=usage", accountant).json()["items"]
    assert [m["amount_cents"] for m in moves] == [5500]
    # the top-up was used: it cannot be taken back; a new one can
    reverse = f"{base}/utilities/top-ups/{topped.json()['id']}/reverse"
    assert api.post(reverse, {"reason": "wrong household"}, cashier).status_code == 422
    mistyped = api.post(f"{base}/utilities/top-ups", {**body, "amount_cents": 100000}, cashier,
                        headers={"Idempotency-Key": "topup-typo-" + household}).json()
    assert api.post(f"{base}/utilities/top-ups/{mistyped['id']}/reverse", {"reason": "x"}, accountant).status_code == 403
    taken_back = api.post(f"{base}/utilities/top-ups/{mistyped['id']}/reverse", {"reason": "typed 1000 for 10"},
                          cashier)
    assert taken_back.status_code == 200, taken_back.text
    assert (taken_back.json()["kind"], taken_back.json()["balance_after_cents"]) == ("top_up_reversal", 500)


def test_an_invoice_on_a_payment_is_numbered_and_voided(api, office):
    base, accountant, cashier = office["base"], token(office, "accountant"), token(office, "cashier")
    household = office["households"][2]["id"]
    paid = eventually(lambda: (lambda r: r if r.status_code == 201 else None)(
        api.post(f"{base}/payments", {"household_id": household, "amount_cents": 8000, "method": "cash"}, cashier)))
    payment = paid.json()["id"]
    key = {"Idempotency-Key": "invoice-" + payment}
    issued = api.post(f"{base}/payments/{payment}/invoices", {"buyer_name": "陈小明", "amount_cents": 5000},
                      accountant, headers=key)
    assert issued.status_code == 201, issued.text
    number = issued.json()["number"]
    assert number.startswith("FP-") and issued.json()["status"] == "issued"
    assert api.post(f"{base}/payments/{payment}/invoices", {"buyer_name": "陈小明", "amount_cents": 5000},
                    accountant, headers=key).json()["number"] == number
    # the same key on another payment's invoices is that payment's invoice, not the first one again
    other = api.post(f"{base}/payments", {"household_id": household, "amount_cents": 6000, "method": "cash"},
                     cashier).json()["id"]
    second = api.post(f"{base}/payments/{other}/invoices", {"buyer_name": "陈小明", "amount_cents": 5000},
                      accountant, headers=key)
    assert second.status_code == 201 and second.json()["payment_id"] == other, second.text
    assert second.json()["number"] != number
    assert [i["payment_id"] for i in api.get(f"{base}/invoices?payment_id={other}", accountant).json()["items"]] \
        == [other]
    over = api.post(f"{base}/payments/{payment}/invoices", {"buyer_name": "陈小明", "amount_cents": 3001}, accountant)
    assert over.status_code == 422
    assert api.post(f"{base}/payments/{payment}/invoices", {"buyer_name": " "}, accountant).status_code == 400
    assert api.post(f"{base}/payments/{payment}/reverse", {"reason": "typo"}, cashier).status_code == 409
    invoice = issued.json()["id"]
    assert api.post(f"{base}/invoices/{invoice}/void", {"reason": "wrong title"}, cashier).status_code == 403
    voided = api.post(f"{base}/invoices/{invoice}/void", {"reason": "wrong title"}, accountant)
    assert voided.status_code == 200 and voided.json()["status"] == "voided"
    assert api.post(f"{base}/invoices/{invoice}/void", {"reason": "again"}, accountant).status_code == 409
    assert api.get(f"{base}/invoices?payment_id={payment}&status=voided", accountant).json()["items"][0][
        "number"] == number


def test_the_special_maintenance_fund_has_its_own_ledger_and_statement(api, office):
    base, accountant, manager = office["base"], token(office, "accountant"), token(office, "manager")
    household = office["households"][0]["id"]
    key = {"Idempotency-Key": "fund-" + household}
    body = {"source": "owner", "household_id": household, "amount_cents": 500000, "method": "bank"}
    paid_in = eventually(lambda: (lambda r: r if r.status_code == 201 else None)(
        api.post(f"{base}/maintenance-fund/deposits", body, accountant, headers=key)))
    assert paid_in.json()["balance_after_cents"] == 500000
    assert api.post(f"{base}/maintenance-fund/deposits", body, accountant, headers=key).json()["id"] == \
        paid_in.json()["id"]
    too_much = api.post(f"{base}/maintenance-fund/uses", {"amount_cents": 600000, "purpose": "new lift"},
                        accountant).json()
    rope = api.post(f"{base}/maintenance-fund/uses", {"amount_cents": 120000, "purpose": "lift rope"},
                    accountant).json()
    # a use names a work order of the estate or none: the gateway asks maintenance (references.py)
    ghost = api.post(f"{base}/maintenance-fund/uses", {"amount_cents": 100, "purpose": "lift rope",
                                                       "work_order_id": "wo_nonesuch"}, accountant)
    assert ghost.status_code == 422 and [e["field"] for e in ghost.json()["errors"]] == ["work_order_id"]
    # an accountant may not read work orders: they name one by the number printed on it
    desk = new_user(api, office["admin"], ["agent"], [office["estate"]["id"]])[1]
    request = register(api, desk, office["estate"]["id"], household, description="lift rope frayed").json()
    [order] = eventually(lambda: api.get(f"{base}/work-orders?request_id={request['id']}", manager).json()["items"])
    assert api.get(f"{base}/work-orders", accountant).status_code == 403
    typed = order["number"].lower().replace("-0000", "-")  # as a person types it
    by_number = api.post(f"{base}/maintenance-fund/uses", {"amount_cents": 100, "purpose": "lift rope",
                                                           "work_order_id": typed}, accountant)
    assert by_number.status_code == 201, by_number.text
    assert (by_number.json()["work_order_id"], by_number.json()["work_order_number"]) == (order["id"], order["number"])
    other = api.post(f"{base}/maintenance-fund/uses", {"amount_cents": 100, "purpose": "lift rope",
                                                       "work_order_id": "WO-1999-000001"}, accountant)
    assert other.status_code == 422 and [e["field"] for e in other.json()["errors"]] == ["work_order_id"]
    assert api.post(f"{base}/maintenance-fund/uses/{rope['id']}/approve", {}, accountant).status_code == 403
    assert api.post(f"{base}/maintenance-fund/uses/{too_much['id']}/approve", {}, manager).status_code == 422
    approved = api.post(f"{base}/maintenance-fund/uses/{rope['id']}/approve", {"consent_ref": "vote"}, manager)
    assert approved.status_code == 200 and approved.json()["balance_after_cents"] == 380000
    assert api.post(f"{base}/maintenance-fund/uses/{rope['id']}/approve", {}, manager).status_code == 409
    statement = api.get(f"{base}/maintenance-fund/statement?period={office['period']}", accountant).json()
    assert (statement["deposits_cents"], statement["uses_cents"], statement["closing_balance_cents"]) == (
        500000, 120000, 380000)
    assert api.get(f"{base}/maintenance-fund/statement", accountant).status_code == 400


def test_a_published_disclosure_is_read_by_owners_through_a_public_link(api, office):
    base, accountant, manager = office["base"], token(office, "accountant"), token(office, "manager")
    code = office["estate"]["code"]
    year, month = map(int, office["period"].split("-"))
    last = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"   # the month before this one: it has ended
    cost = {"period": last, "category": "cleaning", "amount_cents": 250000, "description": "保洁外包"}
    recorded = api.post(f"{base}/operating-expenses", cost, accountant)
    assert recorded.status_code == 201, recorded.text
    link = f"/api/v1/public/estates/{code.lower()}/disclosures/{last}"
    assert api.get(link).status_code == 404  # not published yet
    assert api.post(f"{base}/reports/disclosure/{office['period']}/publish", None, manager).status_code == 422
    assert api.post(f"{base}/reports/disclosure/{last}/publish", None, token(office, "cashier")).status_code == 403
    published = api.post(f"{base}/reports/disclosure/{last}/publish", None, accountant)  # accounts publish it
    assert published.status_code == 200, published.text
    shown = api.get(link)  # no token
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["expenses"]["operating_by_category"] == {"cleaning": 250000} and body["version"] == 1
    assert body["estate_name"] == office["estate"]["name"]
    assert office["households"][0]["id"] not in shown.text and "陈小明" not in shown.text
    assert api.get(f"/api/v1/public/estates/NOPE-1/disclosures/{last}").status_code == 404
    assert api.get(f"/api/v1/public/estates/{code}/disclosures/2026-13").status_code == 400
    assert api.get(f"{link}?x=1").status_code == 400


def test_a_cost_typed_wrong_is_reversed_and_owners_read_the_corrected_version(api, office):
    """A cost of ¥1,000,000,000 stayed in the month's disclosure for good (an accounts probe)."""
    base, accountant, manager = office["base"], token(office, "accountant"), token(office, "manager")
    year, month = map(int, office["period"].split("-"))
    before = f"{year - (month <= 2)}-{(month - 3) % 12 + 1:02d}"  # two months back: ended, its own disclosure
    typo = api.post(f"{base}/operating-expenses", {"period": before, "category": "staff", "amount_cents": 9_000_000_000,
                                                   "description": "wages"}, accountant,
                    headers={"Idempotency-Key": "typo-" + before}).json()
    first = api.post(f"{base}/reports/disclosure/{before}/publish", None, accountant).json()
    link = f"/api/v1/public/estates/{office['estate']['code']}/disclosures/{before}"
    assert api.get(link).json()["expenses"]["operating_cents"] == 9_000_000_000
    reverse = f"{base}/operating-expenses/{typo['id']}/reverse"
    assert api.post(reverse, {}, accountant).status_code == 400  # a reason is required
    assert api.post(reverse, {"reason": "typed 90,000,000 for 90"}, token(office, "cashier")).status_code == 403
    done = api.post(reverse, {"reason": "typed 90,000,000 for 90"}, accountant, headers={"Idempotency-Key": "rv-1"})
    assert done.status_code == 200 and done.json()["reversal"]["reason"] == "typed 90,000,000 for 90"
    retried = api.post(reverse, {"reason": "typed 90,000,000 for 90"}, accountant, headers={"Idempotency-Key": "rv-1"})
    assert retried.json() == done.json()
    assert api.post(reverse, {"reason": "x"}, manager, headers={"Idempotency-Key": "rv-2"}).status_code == 409
    report = api.get(f"{base}/reports/disclosure?period={before}", accountant).json()
    assert report["expenses"]["operating_cents"] == 0
    again = api.post(f"{base}/reports/disclosure/{before}/publish", None, manager).json()
    assert (first["version"], again["version"]) == (1, 2)
    shown = api.get(link).json()
    assert shown["version"] == 2 and shown["expenses"]["operating_cents"] == 0


def test_a_work_orders_second_fund_use_waits_and_a_deposit_typed_wrong_is_reversed(api, office):
    """Three uses of ¥3,000 for one work order, typed three ways, were all approved, and deposits
    had no reversal (an accounts probe)."""
    base, accountant, manager = office["base"], token(office, "accountant"), token(office, "manager")
    household = office["households"][1]["id"]
    desk = new_user(api, office["admin"], ["agent"], [office["estate"]["id"]])[1]
    request = register(api, desk, office["estate"]["id"], household, description="roof tiles loose").json()
    [order] = eventually(lambda: api.get(f"{base}/work-orders?request_id={request['id']}", manager).json()["items"])
    deposit = api.post(f"{base}/maintenance-fund/deposits", {"source": "developer", "amount_cents": 1_000_000,
                                                             "method": "bank"}, accountant,
                       headers={"Idempotency-Key": "dev-" + order["id"]}).json()

    def use(typed, key):
        return api.post(f"{base}/maintenance-fund/uses", {"amount_cents": 300000, "purpose": "roof",
                                                          "work_order_id": typed}, accountant,
                        headers={"Idempotency-Key": key})

    first = use(order["number"], "roof-1")
    assert first.status_code == 201 and first.json()["work_order_other_approved"] == {"uses": 0, "amount_cents": 0}
    for typed in (order["number"].lower(), order["id"]):
        refused = use(typed, "roof-" + typed)
        assert refused.status_code == 409 and first.json()["id"] in refused.json()["detail"], refused.text
    assert api.post(f"{base}/maintenance-fund/uses/{first.json()['id']}/approve", {}, manager).status_code == 200
    second = use(order["number"].lower(), "roof-2")  # the final payment, once the first is decided
    assert second.status_code == 201 and second.json()["work_order_other_approved"] == {"uses": 1,
                                                                                       "amount_cents": 300000}
    listed = api.get(f"{base}/maintenance-fund/entries?kind=use&status=requested", manager).json()["items"]
    assert [e["work_order_other_approved"] for e in listed if e["id"] == second.json()["id"]] == [
        {"uses": 1, "amount_cents": 300000}]

    reverse = f"{base}/maintenance-fund/deposits/{deposit['id']}/reverse"
    balance = api.get(f"{base}/maintenance-fund/statement?period={office['period']}", accountant).json()[
        "closing_balance_cents"]
    taken_back = api.post(reverse, {"reason": "typed 10,000 for 1,000"}, accountant)
    assert taken_back.status_code == 200, taken_back.text
    assert (taken_back.json()["kind"], taken_back.json()["balance_after_cents"]) == (
        "deposit_reversal", balance - 1_000_000)
    assert api.post(reverse, {"reason": "again"}, accountant).json()["id"] == taken_back.json()["id"]
    statement = api.get(f"{base}/maintenance-fund/statement?period={office['period']}", accountant).json()
    assert statement["reversals_cents"] == 1_000_000 and statement["lines"][-1]["kind"] == "deposit_reversal"
    assert statement["closing_balance_cents"] == balance - 1_000_000


def test_an_emergency_use_of_the_fund_is_one_of_an_emergency_work_order(api, office):
    """An emergency use (应急使用) is approved without the owners' vote: the gateway reads the order's
    priority from maintenance and passes it to finance in the call's context (h5). Through the whole
    system: a routine repair's order is refused as an emergency use, an emergency repair's is taken,
    and a use approved with its words for the owners' page is published in them (review r5 of h5)."""
    base, accountant, manager = office["base"], token(office, "accountant"), token(office, "manager")
    estate_id, household = office["estate"]["id"], office["households"][2]["id"]
    desk = new_user(api, office["admin"], ["agent"], [estate_id])[1]
    routine = register(api, desk, estate_id, household, description="corridor lamp out").json()
    urgent = eventually(lambda: (lambda answer: answer if answer.status_code == 201 else None)(api.post(
        f"{base}/service-requests", {"kind": "repair", "household_id": household, "channel": "phone",
                                     "description": "water pouring from the ceiling", "emergency": True}, desk))).json()
    [normal] = eventually(lambda: api.get(f"{base}/work-orders?request_id={routine['id']}", manager).json()["items"])
    [emergency] = eventually(lambda: api.get(f"{base}/work-orders?request_id={urgent['id']}", manager).json()["items"])
    assert (normal["priority"], emergency["priority"]) == ("normal", "emergency")
    api.post(f"{base}/maintenance-fund/deposits", {"source": "developer", "amount_cents": 200_000, "method": "bank"},
             accountant, headers={"Idempotency-Key": "dev-emergency-" + emergency["id"]})

    def use(order, **more):
        return api.post(f"{base}/maintenance-fund/uses", {"amount_cents": 1000, "purpose": "王建国家的天花板 13812348000",
                                                          "work_order_id": order["number"], "emergency": True,
                                                          **more}, accountant)
    refused = use(normal)
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["emergency"], refused.text
    taken = use(emergency)
    assert taken.status_code == 201 and taken.json()["emergency"] is True, taken.text
    approved = api.post(f"{base}/maintenance-fund/uses/{taken.json()['id']}/approve",
                        {"consent_ref": "told after", "public_purpose": "<b>7号楼</b>顶板渗水抢修 13812348000"}, manager)
    assert approved.status_code == 200 and approved.json()["public_purpose"].startswith("<b>7号楼</b>"), approved.text
    report = api.get(f"{base}/reports/disclosure?period={office['period']}", accountant).json()
    purposes = [u["purpose"] for u in report["maintenance_fund"]["uses"]]
    assert "<b>7号楼</b>顶板渗水抢修 138****8000" in purposes and not any("王建国" in p for p in purposes)
