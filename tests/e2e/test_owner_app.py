"""An owner app through the gateway with an integrator's API key (DOMAIN.md's owner who "through
integrations submits requests, pays, rates service"): it registers its owner's repair (channel
app), engineering does the work with a charge consented on site, the app rates it (a low score
owes the desk's call back) and pays the bill the charge became, its payment channel's
notification posted twice under two Idempotency-Keys: one payment, one receipt naming the bill.
Every answer is checked against openapi.yaml by the ``api`` client."""
import uuid

import pytest

from .flows import eventually, new_estate, new_household, new_user

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


@pytest.fixture(scope="module")
def site(api, admin):
    estate = new_estate(api, admin, name="Owner App Gardens")
    staff = {role: new_user(api, admin, [role], [estate["id"]]) for role in ("agent", "technician", "manager")}
    household = new_household(api, staff["agent"][1], estate["id"], room="1202", building="3")
    key = api.post("/api/v1/api-keys", {"name": "owner app", "roles": ["agent", "cashier"],
                                        "estate_ids": [estate["id"]]}, admin)
    assert key.status_code == 201, key.text
    return {"estate": estate["id"], "household": household["id"], "key": key.json()["key"],
            **{role: token for role, (_, token) in staff.items()}, "technician_name": staff["technician"][0]}


def path(site, tail):
    return f"/api/v1/estates/{site['estate']}/{tail}"


def app(api, site, method, tail, body=None):
    headers = {"X-API-Key": site["key"], "Idempotency-Key": uuid.uuid4().hex}
    return api.call(method, path(site, tail), json=body, headers=headers)


def test_an_owner_app_files_a_repair_rates_it_and_pays_its_charge_once(api, site):
    body = {"kind": "repair", "household_id": site["household"], "channel": "app", "description": "basin leaks",
            "contact": {"name": "王五", "phone": "13912345678"}}
    request = eventually(lambda: (lambda r: r.json() if r.status_code == 201 else None)(
        app(api, site, "POST", "service-requests", body)))  # once customer service has the household
    [order] = eventually(lambda: api.get(path(site, f"work-orders?request_id={request['id']}"),
                                         site["technician"]).json()["items"])

    def step(action, step_body):
        answer = api.post(path(site, f"work-orders/{order['id']}/{action}"), step_body, site["technician"])
        assert answer.status_code == 200, answer.text

    step("assign", {"technician": site["technician_name"]})
    step("start", {})
    step("quote", {"amount_cents": 12000, "items": [{"name": "seal", "amount_cents": 12000}]})
    step("consent", {"by": "王五"})
    step("complete", {"materials": [{"name": "seal", "qty": 1}], "charge_cents": 12000, "signed_by": "王五"})

    done = eventually(lambda: (lambda r: r if r["status"] == "completed" else None)(
        app(api, site, "GET", f"service-requests/{request['id']}").json()))
    assert "owner_rating" not in done
    rated = app(api, site, "POST", f"service-requests/{request['id']}/rating", {"satisfaction": 2})
    assert rated.status_code == 200, rated.text
    assert rated.json()["owner_rating"]["satisfaction"] == 2 and rated.json()["owner_rating"]["call_back_due"]
    again = app(api, site, "POST", f"service-requests/{request['id']}/rating", {"satisfaction": 5})
    assert again.status_code == 409, again.text
    owed = api.get(path(site, "service-requests?call_back=owed"), site["manager"]).json()["items"]
    assert [r["id"] for r in owed] == [request["id"]]

    [bill] = eventually(lambda: app(api, site, "GET", f"bills?household_id={site['household']}").json()["items"])
    paid = {"household_id": site["household"], "amount_cents": 12000, "method": "wechat",
            "transaction_id": "4200000001202612050001"}
    first, second = (app(api, site, "POST", "payments", paid) for _ in range(2))  # two keys, one notification
    assert first.status_code == 201 and second.status_code == 201, (first.text, second.text)
    assert first.json()["id"] == second.json()["id"]
    receipt = second.json()["receipt"]
    assert receipt["transaction_id"] == "4200000001202612050001"
    assert receipt["bills"] == [{"bill_id": bill["id"], "amount_cents": 12000, "item": "repair",
                                 "period": bill["period"], "owed_after_cents": 0}]
    payments = app(api, site, "GET", f"payments?household_id={site['household']}").json()["items"]
    assert len(payments) == 1
    # the channel's statement reconciled line by line, the receipt as the owner quotes it (lower case, no zeros)
    found = app(api, site, "GET", "payments?transaction_id=4200000001202612050001").json()["items"]
    assert [p["id"] for p in found] == [first.json()["id"]]
    assert app(api, site, "GET", "payments?transaction_id=4200000001").json()["items"] == []
    quoted = receipt["number"].lower().replace("-0000", "-")
    assert [p["id"] for p in app(api, site, "GET", f"payments?receipt_number={quoted}").json()["items"]] == \
        [first.json()["id"]]
    other = app(api, site, "POST", "payments", {**paid, "amount_cents": 100})
    assert other.status_code == 409 and receipt["number"] in other.json()["detail"], other.text


def test_an_owner_app_s_rotated_key_rates_what_the_app_filed_under_the_old_one(api, admin, site):
    """The app's key rotated (a key made with ``replaces``, the old one revoked): the new key rates
    the repair the app filed under the old one, through the gateway's signed caller on the bus; a
    key of another program is a 403 (the session 47 note)."""
    def make_key(name, **extra):
        made = api.post("/api/v1/api-keys", {"name": name, "roles": ["agent"], "estate_ids": [site["estate"]],
                                             **extra}, admin)
        assert made.status_code == 201, made.text
        return made.json()

    old, kiosk = make_key("owner app 2026"), make_key("lobby kiosk")

    def call(key, method, tail, body=None):
        return api.call(method, path(site, tail), json=body,
                        headers={"X-API-Key": key["key"], "Idempotency-Key": uuid.uuid4().hex})

    body = {"kind": "repair", "household_id": site["household"], "channel": "app", "description": "hall light"}
    request = eventually(lambda: (lambda r: r.json() if r.status_code == 201 else None)(
        call(old, "POST", "service-requests", body)))
    [order] = eventually(lambda: api.get(path(site, f"work-orders?request_id={request['id']}"),
                                         site["technician"]).json()["items"])
    for action, step_body in (("assign", {"technician": site["technician_name"]}), ("start", {}),
                              ("complete", {"materials": [{"name": "bulb", "qty": 1}], "charge_cents": 0, "signed_by": "王五"})):
        answer = api.post(path(site, f"work-orders/{order['id']}/{action}"), step_body, site["technician"])
        assert answer.status_code == 200, answer.text
    eventually(lambda: call(old, "GET", f"service-requests/{request['id']}").json()["status"] == "completed")
    new = make_key("owner app 2027", replaces=old["id"])
    assert new["replaces"] == old["id"]
    assert api.call("DELETE", f"/api/v1/api-keys/{old['id']}", admin).status_code == 200
    refused = call(kiosk, "POST", f"service-requests/{request['id']}/rating", {"satisfaction": 5})
    assert refused.status_code == 403, refused.text
    rated = call(new, "POST", f"service-requests/{request['id']}/rating", {"satisfaction": 4})
    assert rated.status_code == 200, rated.text
    assert rated.json()["owner_rating"]["by"] == f"apikey:{new['id']}"
