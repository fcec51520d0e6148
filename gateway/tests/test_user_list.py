"""GET /api/v1/users: the operator admin's search (``q``) and list of leavers (``deactivated_in``,
``deactivated_from``, ``deactivated_to``), with the other filters and paging."""
import logging

import pytest

from estate_common import clock

from .conftest import ADMIN_PASSWORD, bearer


def made(client, token, username, roles=("agent",), estate_ids=("A",)):
    answer = client.post("/api/v1/users", headers=bearer(token),
                         json={"username": username, "password": "staff-password-0001", "roles": list(roles),
                               "estate_ids": list(estate_ids)})
    assert answer.status_code == 201, answer.get_json()
    return username


def listed(client, contract, token, **query):
    body = contract.check(client.application, client.get("/api/v1/users", query_string={"limit": 200, **query},
                                                        headers=bearer(token)), 200)
    return [user["username"] for user in body["items"]]


def test_q_finds_users_by_a_part_of_the_username_in_any_case_with_the_other_filters(client, contract, admin_token,
                                                                                   unique):
    tag = unique("qq").split("-")[1]
    desk, guard, other = (made(client, admin_token, f"{tag}-desk.li"),
                          made(client, admin_token, f"wang-{tag}", ["security"], ["B"]),
                          made(client, admin_token, unique("zhao")))
    assert sorted(listed(client, contract, admin_token, q=tag)) == sorted([desk, guard])
    assert listed(client, contract, admin_token, q=tag.upper()) == listed(client, contract, admin_token, q=tag)
    assert listed(client, contract, admin_token, q=f"{tag}-DESK.L") == [desk]  # "." is a dot, not any character
    assert listed(client, contract, admin_token, q=f"{tag}.desk") == []
    assert listed(client, contract, admin_token, q=f"  {tag}-desk ") == [desk]  # as typed: the spaces around dropped
    assert listed(client, contract, admin_token, q=tag, role="security") == [guard]
    assert listed(client, contract, admin_token, q=tag, estate_id="A") == [desk]
    assert other not in listed(client, contract, admin_token, q=tag)
    # paged as the list is: one a page, the second page the other one
    first = contract.check(client.application, client.get("/api/v1/users", query_string={"q": tag, "limit": 1},
                                                           headers=bearer(admin_token)), 200)
    second = contract.check(client.application, client.get("/api/v1/users", query_string={
        "q": tag, "limit": 1, "cursor": first["next_cursor"]}, headers=bearer(admin_token)), 200)
    assert sorted(u["username"] for u in first["items"] + second["items"]) == sorted([desk, guard])


@pytest.mark.parametrize("q", ["", "   ", "x" * 101, "a\x00b", "\u200b"])
def test_a_search_no_user_could_match_is_a_400_naming_q(client, contract, admin_token, q):
    answer = client.get("/api/v1/users", query_string={"q": q}, headers=bearer(admin_token))
    contract.problem(answer, 400, "invalid_input", fields=["q"], app=client.application)


def test_q_is_the_operator_admin_s_as_the_list_is(client, accounts):
    agent = accounts.user("agent-a", ["agent"], ["A"])
    assert client.get("/api/v1/users?q=a", headers=bearer(agent)).status_code == 403


def test_no_log_line_of_a_search_holds_what_was_searched(client, admin_token, caplog):
    """A username may be a phone number: the search is in the query, which no line logs."""
    caplog.set_level(logging.DEBUG)
    assert client.get("/api/v1/users?q=13912345678", headers=bearer(admin_token)).status_code == 200
    assert client.get("/api/v1/users?q=" + "1391234567" * 11, headers=bearer(admin_token)).status_code == 400
    assert "1234" not in caplog.text


def deactivate_at(client, moment, username):
    clock.freeze(clock.parse_iso(moment))
    answer = client.patch(f"/api/v1/users/{username}", json={"active": False},
                          headers=bearer(client.application.extensions["estate_ops"].tokens.issue(
                              "admin", ["operator_admin"], ["*"], 0)))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["deactivated_at"] == moment


def test_the_leavers_of_a_period_across_every_estate(client, contract, accounts, unique):
    """Deactivated in the period, whichever estates they held (a day and a period are the company's
    calendar: the estates' default timezone, Asia/Shanghai)."""
    tag = unique("lv").split("-")[1]
    admin = accounts.token("admin", ADMIN_PASSWORD)
    october, november, december, staying, back = (
        made(client, admin, f"{tag}-oct", ["technician"], ["A"]), made(client, admin, f"{tag}-nov", ["agent"], ["B"]),
        made(client, admin, f"{tag}-dec", ["manager"], ["A", "B"]), made(client, admin, f"{tag}-stays"),
        made(client, admin, f"{tag}-back"))
    deactivate_at(client, "2026-10-20T02:00:00.000Z", october)
    deactivate_at(client, "2026-11-03T09:30:00.000Z", november)
    deactivate_at(client, "2026-11-30T17:00:00.000Z", december)  # 1 December, 01:00 in Shanghai
    deactivate_at(client, "2026-11-10T00:00:00.000Z", back)
    clock.freeze(clock.parse_iso("2026-12-05T00:00:00.000Z"))
    admin = accounts.token("admin", ADMIN_PASSWORD)
    assert client.patch(f"/api/v1/users/{back}", json={"active": True}, headers=bearer(admin)).status_code == 200

    def leavers(**query):
        return sorted(listed(client, contract, admin, q=tag, **query))

    assert leavers(deactivated_in="2026-11") == [november]
    assert leavers(deactivated_in="2026-12") == [december]
    assert leavers(deactivated_in="2026-Q4") == sorted([october, november, december])
    assert leavers(deactivated_in="2026") == sorted([october, november, december])
    assert leavers(deactivated_in="2025") == []
    assert leavers(deactivated_from="2026-11-01", deactivated_to="2026-11-30") == [november]
    assert leavers(deactivated_from="2026-11-01") == sorted([november, december])
    assert leavers(deactivated_to="2026-11-03") == sorted([october, november])
    assert leavers(deactivated_from="2026-11-30T17:00:00Z") == [december]  # a moment is itself
    assert leavers(deactivated_to="2026-11-03T09:30:00Z") == sorted([october, november])
    assert leavers(deactivated_in="2026-Q4", deactivated_from="2026-11-01") == sorted([november, december])
    assert leavers(deactivated_in="2026-Q4", role="manager") == [december]
    assert leavers(deactivated_in="2026-Q4", estate_id="B") == sorted([november, december])
    assert leavers(deactivated_in="2026-Q4", active="false") == sorted([october, november, december])
    assert staying not in leavers(deactivated_in="2026") and back not in leavers(deactivated_in="2026")
    shown = contract.check(client.application, client.get("/api/v1/users", query_string={
        "q": tag, "deactivated_in": "2026-11"}, headers=bearer(admin)), 200)["items"]
    assert [(u["active"], u["deactivated_at"]) for u in shown] == [(False, "2026-11-03T09:30:00.000Z")]


@pytest.mark.parametrize("query, field", [
    ({"deactivated_in": "2026-13"}, "deactivated_in"), ({"deactivated_in": "November"}, "deactivated_in"),
    ({"deactivated_in": ""}, "deactivated_in"), ({"deactivated_in": "2026-Q5"}, "deactivated_in"),
    ({"deactivated_from": "2026-02-30"}, "deactivated_from"), ({"deactivated_from": "yesterday"}, "deactivated_from"),
    ({"deactivated_to": "2026-11-01T25:00:00Z"}, "deactivated_to"), ({"deactivated_to": ""}, "deactivated_to"),
    ({"deactivated_from": "2026-11-30", "deactivated_to": "2026-11-01"}, "deactivated_to"),
    ({"deactivated_in": "2026-11", "active": "true"}, "active"),  # an active account has not left
])
def test_a_leavers_filter_no_account_could_match_is_a_400_naming_it(client, contract, admin_token, query, field):
    answer = client.get("/api/v1/users", query_string=query, headers=bearer(admin_token))
    contract.problem(answer, 400, "invalid_input", fields=[field], app=client.application)


def stored_before_the_rules(client, username, roles, estate_ids=(), active=True):
    """An account as an older gateway stored it: an estate role with no estate (before
    ``users.refuse_an_estate_role_without_estates``), no spans, no ``deactivated_at``."""
    client.application.extensions["estate_ops"].db.users.insert_one({
        "_id": username, "username": username, "password_hash": "x", "roles": list(roles),
        "estate_ids": list(estate_ids), "active": active, "credential_version": 0,
        "created_at": "2026-09-01T00:00:00.000Z"})
    return username


def test_the_accounts_of_estate_roles_with_no_estate_are_listed_by_has_estates_false(client, contract, admin_token,
                                                                                     unique):
    """Every account but an operator admin needs an estate (refused since), but one of estate roles
    stored with none before the rule reached nothing, every estate's route a 403, and no filter found
    it: ``has_estates=false`` lists them (an operator admin holds every estate: never among them),
    ``true`` every other account, each combinable with the other filters."""
    tag = unique("ne").split("-")[1]
    nowhere = stored_before_the_rules(client, f"{tag}-nowhere", ["agent", "cashier"])
    gone = stored_before_the_rules(client, f"{tag}-gone", ["technician"], active=False)
    placed = made(client, admin_token, f"{tag}-placed")
    operator = made(client, admin_token, f"{tag}-operator", ["operator_admin"], [])
    assert sorted(listed(client, contract, admin_token, q=tag, has_estates="false")) == sorted([nowhere, gone])
    assert listed(client, contract, admin_token, q=tag, has_estates="false", active="true") == [nowhere]
    assert listed(client, contract, admin_token, q=tag, has_estates="false", role="technician") == [gone]
    assert sorted(listed(client, contract, admin_token, q=tag, has_estates="true")) == sorted([placed, operator])
    for name in ("has_estates", "active"):
        for wrong in ("no", "", "0"):
            answer = client.get("/api/v1/users", query_string={name: wrong}, headers=bearer(admin_token))
            contract.problem(answer, 400, "invalid_input", fields=[name], app=client.application)


def test_an_account_deactivated_before_its_moment_was_kept_is_listed_by_active_false_only(client, contract,
                                                                                         admin_token, unique):
    """Deactivation wrote ``active`` alone until ``deactivated_at`` was kept (a03d2db2): no field,
    span or entry of the gateway's says when such an account left, so no leavers' period finds
    it (README "Accounts"); ``active=false`` does, and its ``deactivated_at`` is null."""
    tag = unique("ol").split("-")[1]
    old = stored_before_the_rules(client, f"{tag}-old", ["agent"], ["A"], active=False)
    for period in ("2026", "2025", "2026-09"):
        assert listed(client, contract, admin_token, q=tag, deactivated_in=period) == []
    assert listed(client, contract, admin_token, q=tag, deactivated_from="2000-01-01") == []
    shown = contract.check(client.application, client.get("/api/v1/users", query_string={
        "q": tag, "active": "false"}, headers=bearer(admin_token)), 200)["items"]
    assert [(u["username"], u["active"], u["deactivated_at"]) for u in shown] == [(old, False, None)]
