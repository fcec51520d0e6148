"""The front desk finds a household by the caller's phone (``POST …/households/search``): a phone
box on the new request's page and on the households page, sent as a POST with its CSRF token (the
number in no URL, neither the console's nor the gateway's), the households found shown with who
matched; offered only to a role the gateway lets search."""
import logging

from .conftest import ESTATE, csrf_of, problem, sign_in

BASE = f"/api/v1/estates/{ESTATE}"
SEARCH = f"{BASE}/households/search"
PHONE = "+86 137-0000-1111"
HOUSEHOLD = {"id": "hh_1", "estate_id": ESTATE, "building": "5", "unit": "1", "room": "1801", "area_m2": 89.37,
             "status": "occupied", "owner": {"name": "陈小明", "phone": "13912345678"},
             "created_at": "2026-11-30T08:00:00Z", "version": 3}
TENANT = {"id": "oc_2", "relation": "tenant", "name": "王五", "phone": "13700001111", "id_number": None,
          "from": "2026-11-01", "to": "2026-11-30", "added_at": "2026-11-01T08:00:00Z", "added_by": "zhou"}
FOUND = {"items": [{"household": HOUSEHOLD, "owner_matched": False, "occupants": [TENANT]}]}


def _searches(fake):
    return [c for c in fake.calls if c["path"] == SEARCH]


def test_the_desk_finds_the_callers_household_by_phone_and_may_pick_it(client, fake):
    sign_in(client, fake, roles=("agent",))
    fake.on("GET", rf"{BASE}/custom-fields", {"items": []})
    fake.on("POST", SEARCH, FOUND)
    blank = client.get("/desk/requests/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'action="/desk/requests/new/phone"' in blank and 'name="phone"' in blank
    answer = client.post("/desk/requests/new/phone", data={"csrf_token": csrf_of(client), "phone": PHONE},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    [sent] = _searches(fake)
    assert (sent["method"], sent["json"], sent["params"]) == ("POST", {"phone": PHONE}, {})
    assert "Idempotency-Key" not in sent["headers"]  # a read: nothing to keep
    assert 'name="household_id" value="hh_1"' in page and "checked" in page  # the one found, picked
    assert "Tenant 王五" in page and "until 2026-11-30" in page  # a former tenant, with the day he left
    assert f'value="{PHONE}"' in page  # the number stays in the box (the page is the answer to a POST)
    zh = client.post("/desk/requests/new/phone", data={"csrf_token": csrf_of(client), "phone": PHONE},
                     headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "来电号码" in zh and "租户 王五" in zh and ">picker." not in zh


def test_a_number_on_no_household_says_so_and_a_malformed_one_is_named(client, fake):
    sign_in(client, fake, roles=("agent",))
    fake.on("GET", rf"{BASE}/custom-fields", {"items": []})
    fake.on("POST", SEARCH, {"items": []})
    page = client.post("/desk/requests/new/phone", data={"csrf_token": csrf_of(client), "phone": "13600000000"},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No household has this number on file." in page
    fake.on("POST", SEARCH, problem(400, "Invalid input", "the phone is not a phone number", "invalid_input",
                                    [{"field": "phone", "message": "must be a phone number"}]))
    answer = client.post("/desk/requests/new/phone", data={"csrf_token": csrf_of(client), "phone": "abc"},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 400
    assert 'aria-invalid="true"' in answer.get_data(as_text=True)


def test_the_search_needs_its_csrf_token(client, fake):
    sign_in(client, fake, roles=("agent",))
    fake.on("POST", SEARCH, FOUND)
    assert client.post("/desk/requests/new/phone", data={"phone": PHONE}).status_code == 400
    assert _searches(fake) == []


def test_the_households_page_has_the_phone_box_and_shows_what_it_found(client, fake):
    sign_in(client, fake, roles=("steward",))
    fake.on("GET", rf"{BASE}/households", {"items": [], "next_cursor": None})
    fake.on("GET", rf"{BASE}/custom-fields", {"items": []})
    fake.on("POST", SEARCH, FOUND)
    listed = client.get("/admin/households", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'action="/admin/households/phone"' in listed
    page = client.post("/admin/households/phone", data={"csrf_token": csrf_of(client), "phone": PHONE},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "/households/hh_1" in page and "Tenant 王五" in page
    assert _searches(fake)[0]["json"] == {"phone": PHONE}


def test_a_role_the_gateway_does_not_let_search_is_not_offered_the_box(client, fake):
    sign_in(client, fake, roles=("technician",))
    fake.on("GET", rf"{BASE}/custom-fields", {"items": []})
    page = client.get("/desk/requests/new").get_data(as_text=True)
    assert 'name="phone"' not in page


def test_no_console_log_line_holds_the_phone(client, fake, caplog):
    sign_in(client, fake, roles=("agent",))
    fake.on("GET", rf"{BASE}/custom-fields", {"items": []})
    fake.on("POST", SEARCH, FOUND)
    caplog.set_level(logging.DEBUG)
    client.post("/desk/requests/new/phone", data={"csrf_token": csrf_of(client), "phone": PHONE})
    assert "0000" not in caplog.text and "1111" not in caplog.text


def test_a_request_refused_after_a_phone_search_offers_the_households_found_again(client, fake):
    sign_in(client, fake, roles=("agent",))
    fake.on("GET", rf"{BASE}/custom-fields", {"items": []})
    fake.on("POST", SEARCH, FOUND)
    fake.on("POST", rf"{BASE}/service-requests", problem(422, "refused", "the household is not known yet",
                                                          "business_rule", [{"field": "household_id",
                                                                             "message": "not known yet"}]))
    answer = client.post("/desk/requests", data={"csrf_token": csrf_of(client), "phone": PHONE, "kind": "repair",
                                                 "household_id": "hh_1", "channel": "phone",
                                                 "description": "the tap leaks", "contact_phone": "13700001111"},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'name="household_id" value="hh_1"' in page and "Tenant 王五" in page
    assert [c["json"] for c in _searches(fake)] == [{"phone": PHONE}]
