"""The front desk's search of households by phone (``POST …/households/search``): the phone in the
body, never in a URL or a log line; read-only (no Idempotency-Key kept); only for a role that
reads owners' and residents' phones in full."""
import logging

import pytest

from estate_common import personal_data
from estate_common.errors import InvalidInput, ServiceUnavailable, field_error
from gateway import policy
from gateway.routes import ROUTES

SEARCH = "/api/v1/estates/A/households/search"
PHONE = "+86 139-1234-5678"
OWNER = {"name": "张三丰", "phone": "13912345678"}
HOUSEHOLD = {"id": "hh_1", "estate_id": "A", "building": "1", "unit": "2", "room": "301", "area_m2": 89.37,
             "status": "occupied", "owner": OWNER, "created_at": "2026-11-23T08:00:00.000Z", "version": 1}
TENANT = {"id": "occ_1", "relation": "tenant", "name": "王五", "phone": "13912345678", "id_number": None,
          "from": "2026-11-01", "to": None, "added_at": "2026-11-01T08:00:00.000Z", "added_by": "zhou"}
FOUND = {"items": [{"household": HOUSEHOLD, "owner_matched": True, "occupants": [TENANT]}]}
ALL_ROLES = ("operator_admin", "manager", "agent", "steward", "technician", "security", "accountant", "cashier",
             "archivist")


def auth(accounts, role):
    token = accounts.user("phone-" + role.replace("_", "-"), [role], ["A"])
    return {"Authorization": f"Bearer {token}"}


def reads_phones(role):
    return all(personal_data.sees_in_full(kind, [role])
               for kind in (personal_data.OWNER_PHONE, personal_data.RESIDENT_PHONE))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_a_role_that_reads_phones_in_full_may_search_by_one(client, rpc, contract, accounts, role):
    rpc.answer("archive", "search_households", FOUND)
    answer = client.post(SEARCH, json={"phone": PHONE}, headers=auth(accounts, role))
    if reads_phones(role):
        found = contract.check(client.application, answer, 200)
        assert found == FOUND  # shown as this role reads it: in full
        call = rpc.only_call("archive", "search_households")
        assert call.payload == {"estate_id": "A", "data": {"phone": PHONE}}
    else:
        contract.problem(answer, 403, app=client.application)
        assert rpc.calls_to("archive", "search_households") == []


def test_the_searchers_are_the_readers_of_phones_in_full():
    [route] = [r for r in ROUTES if r.rpc == "search_households"]
    assert route.roles == policy.PHONE_SEARCHERS == frozenset(r for r in policy.ROLES if reads_phones(r))
    assert (route.method, route.path) == ("POST", "/api/v1/estates/<estate_id>/households/search")


def test_a_search_is_read_only_a_key_sent_is_neither_kept_nor_replayed(client, rpc, accounts):
    rpc.answer("archive", "search_households", FOUND)
    headers = {**auth(accounts, "agent"), "Idempotency-Key": "phone-search-1"}
    first = client.post(SEARCH, json={"phone": PHONE}, headers=headers)
    second = client.post(SEARCH, json={"phone": PHONE}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in second.headers
    calls = rpc.calls_to("archive", "search_households")
    assert len(calls) == 2 and all(not call.context for call in calls)
    assert client.application.extensions["estate_ops"].db.idempotency.find_one({}) is None
    # and without a key, as any read
    assert client.post(SEARCH, json={"phone": PHONE}, headers=auth(accounts, "agent")).status_code == 200


def test_no_log_line_of_a_search_holds_the_phone(app, client, rpc, accounts, caplog):
    rpc.answer("archive", "search_households", FOUND)
    caplog.set_level(logging.DEBUG)
    assert client.post(SEARCH, json={"phone": PHONE}, headers=auth(accounts, "agent")).status_code == 200
    rpc.answer("archive", "search_households", InvalidInput("the phone is not a phone number",
                                                             [field_error("data.phone", "must be a phone number")]))
    assert client.post(SEARCH, json={"phone": "139 1234 567x"}, headers=auth(accounts, "agent")).status_code == 400
    paths = [record.path for record in caplog.records if getattr(record, "path", None)]
    assert paths == ["/api/v1/estates/<estate_id>/households/search"] * 2  # the request lines: the path only
    assert "1234" not in caplog.text and "5678" not in caplog.text


def test_a_malformed_phone_is_the_services_400_naming_it(client, rpc, contract, accounts):
    rpc.answer("archive", "search_households", InvalidInput("the phone is not a phone number",
                                                             [field_error("data.phone", "must be a phone number")]))
    answer = client.post(SEARCH, json={"phone": "abc"}, headers=auth(accounts, "agent"))
    contract.problem(answer, 400, fields=["phone"], app=client.application)


def test_a_search_whose_answer_was_lost_is_not_told_it_may_have_been_carried_out(client, rpc, accounts):
    lost = ServiceUnavailable("archive did not answer")
    lost.maybe_done = True  # as the RPC client marks a call whose answer was lost after it went out
    rpc.answer("archive", "search_households", lost)
    answer = client.post(SEARCH, json={"phone": PHONE}, headers=auth(accounts, "agent"))
    assert answer.status_code == 503
    assert "carried out" not in answer.get_json()["detail"]
