"""An occupant's request to see what is held about him (PIPL art. 45: ``POST …/personal-data/search``):
archive's households, customer service's requests and security's visits found by his phone, side
by side, for the archives' roles only, masked as the caller's role reads each part, never logged."""
import logging

import pytest

from estate_common import personal_data
from estate_common.errors import ServiceUnavailable

SEARCH = "/api/v1/estates/A/personal-data/search"
PHONE = "139 5728 6446"
OWNER = {"name": "欧阳探针", "phone": "13957286446"}
HOUSEHOLD = {"id": "hh_1", "estate_id": "A", "building": "1", "unit": "2", "room": "301", "area_m2": 89.37,
             "status": "occupied", "owner": OWNER, "created_at": "2026-11-23T08:00:00.000Z", "version": 1}
HOUSEHOLDS = {"items": [{"household": HOUSEHOLD, "owner_matched": True, "occupants": []}]}
REQUEST = {"id": "sr_1", "estate_id": "A", "number": "SR-2026-000001", "kind": "repair", "household_id": "hh_1",
           "channel": "phone", "description": "漏水 请联系 13957286446", "status": "open",
           "contact": {"name": "欧阳探针", "phone": "13957286446"}, "due_at": None,
           "created_at": "2026-11-23T08:00:00.000Z", "updated_at": "2026-11-23T08:00:00.000Z", "history": []}
VISITOR = {"id": "visitor_1", "estate_id": "A", "name": "欧阳探针", "phone": "13957286446",
           "visiting_household_id": "hh_1", "purpose": "visit", "arrived_at": "2026-11-23T08:00:00.000Z",
           "created_at": "2026-11-23T08:00:00.000Z", "parking": [], "car_inside": False}
ALL_ROLES = ("operator_admin", "manager", "agent", "steward", "technician", "security", "accountant", "cashier",
             "archivist")


def auth(accounts, role):
    token = accounts.user("sar-" + role.replace("_", "-"), [role], ["A"])
    return {"Authorization": f"Bearer {token}"}


def answer_all(rpc):
    rpc.answer("archive", "search_households", HOUSEHOLDS)
    rpc.answer("customer_service", "requests_by_phone", {"items": [REQUEST]})
    rpc.answer("security_patrol", "visitors_by_phone", {"items": [VISITOR]})


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_archives_answer_a_request_to_see_one_s_data(client, rpc, contract, accounts, role):
    answer_all(rpc)
    answer = client.post(SEARCH, json={"phone": PHONE}, headers=auth(accounts, role))
    if role not in personal_data.ANSWER_SUBJECT_REQUESTS:
        contract.problem(answer, 403, app=client.application)
        assert rpc.calls_to("customer_service", "requests_by_phone") == []
        return
    found = contract.check(client.application, answer, 200)
    assert found["households"] == HOUSEHOLDS["items"] and found["unavailable"] == []
    assert found["service_requests"] == [REQUEST]  # the archivist and management read residents in full
    for service, method in (("archive", "search_households"), ("customer_service", "requests_by_phone"),
                            ("security_patrol", "visitors_by_phone")):
        assert rpc.only_call(service, method).payload == {"estate_id": "A", "data": {"phone": PHONE}}
    visitor = found["visitors"][0]
    if role == "archivist":  # a visitor's name and phone are the desk's and security's
        assert (visitor["name"], visitor["phone"]) == ("欧***", "139****6446")
    else:
        assert (visitor["name"], visitor["phone"]) == ("欧阳探针", "13957286446")


def test_a_service_that_does_not_answer_is_named_and_the_others_are_given(client, rpc, accounts):
    answer_all(rpc)
    rpc.answer("security_patrol", "visitors_by_phone", ServiceUnavailable("security_patrol did not answer"))
    found = client.post(SEARCH, json={"phone": PHONE}, headers=auth(accounts, "archivist")).get_json()
    assert found["unavailable"] == ["security_patrol"] and "visitors" not in found
    assert [r["id"] for r in found["service_requests"]] == ["sr_1"]


def test_no_log_line_of_the_request_holds_the_phone_or_the_name(client, rpc, accounts, caplog):
    answer_all(rpc)
    caplog.set_level(logging.DEBUG)
    assert client.post(SEARCH, json={"phone": PHONE}, headers=auth(accounts, "manager")).status_code == 200
    assert "5728" not in caplog.text and "6446" not in caplog.text and "欧阳" not in caplog.text
