"""An estate retired (its service contract ended) and reinstated: who may still hold it, and the
KPIs side by side. The operator admin could not retire an estate at all: one whose contract ended,
or one made by mistake, stayed in every list and in the cross-estate view for good, its staff kept
their access (found by a probe of the operator admin's month)."""
from datetime import timedelta

import pytest

from estate_common import clock, retention
from estate_common.errors import NotFound

from gateway import estate_guards, fanout, store

from estate_common.errors import ServiceUnavailable

from .conftest import ADMIN_PASSWORD, bearer
from .test_estate_handover import MONEY, answer_all
from .test_fanout import TABLE, kpi_answers

RETIRED_AT = "2026-11-10T04:00:00.000Z"


def estate(estate_id, retired_at=None, **fields):
    found = {"id": estate_id, "estate_id": estate_id, "code": f"E{estate_id}", "name": f"Estate {estate_id}",
             "address": "1", "created_at": "2026-01-01T00:00:00.000Z", "version": 1, "timezone": "Asia/Shanghai",
             **fields}
    return found | ({"retired_at": retired_at} if retired_at is not None else {})


SETTLED_MONEY = MONEY | {"households": [], "deposits_held": [], "pass_through_owed": [],
                         "totals": {name: 0 for name in MONEY["totals"]}}


def settled(rpc):
    """Every part of the handover package answered with nothing outstanding."""
    answer_all(rpc)
    rpc.answer("finance", "handover_money", lambda call: SETTLED_MONEY | {"estate_id": call.payload["estate_id"],
                                                                          "as_of": call.payload["filters"]["as_of"]})
    for service, method in (("customer_service", "list_requests"), ("customer_service", "list_keys"),
                            ("maintenance", "list_work_orders")):
        rpc.answer(service, method, {"items": [], "next_cursor": None})


@pytest.fixture
def archive_knows(rpc):
    """archive's estates: A in service, R retired (``get_estate``, and ``list_estates`` of ids); the
    handover package of each has nothing outstanding (``settled``)."""
    settled(rpc)
    known = {"A": estate("A"), "B": estate("B"), "R": estate("R", RETIRED_AT)}

    def get_estate(call):
        if call.payload["estate_id"] not in known:
            raise NotFound("no such estate")
        return known[call.payload["estate_id"]]
    rpc.answer("archive", "get_estate", get_estate)
    rpc.answer("archive", "retire_estate", lambda call: estate(call.payload["estate_id"],
                                                               RETIRED_AT if call.payload["retired"] else None))
    return known


def retire(client, token, estate_id, action="retire"):
    return client.post(f"/api/v1/estates/{estate_id}/{action}", json={}, headers=bearer(token))


def test_the_admin_retires_an_estate_no_active_account_or_key_holds(app, client, rpc, contract, admin_token,
                                                                    accounts, unique, archive_knows):
    app.extensions["estate_ops"].estates.remember("Q")
    archive_knows["Q"] = estate("Q")
    username = unique("agent")
    accounts.create(username, ["agent"], ["Q"])
    key = client.post("/api/v1/api-keys", json={"name": "billing sync", "roles": ["accountant"], "estate_ids": ["Q"]},
                      headers=bearer(admin_token)).get_json()
    refused = retire(client, admin_token, "Q")
    body = contract.problem(refused, 409, "conflict", fields=["users[0]", "api_keys[0]"], app=app)
    assert username in body["detail"] and key["id"] in body["detail"]
    assert body["errors"] == [{"field": "users[0]", "message": f"{username} holds the estate"},
                              {"field": "api_keys[0]", "message": f"{key['id']} holds the estate"}]
    assert rpc.calls_to("archive", "retire_estate") == []
    # the agent moved away (to A) and the key revoked: nothing holds it any more
    client.patch(f"/api/v1/users/{username}", json={"estate_ids": ["A"]}, headers=bearer(admin_token))
    client.delete(f"/api/v1/api-keys/{key['id']}", headers=bearer(admin_token))
    retired = contract.check(app, retire(client, admin_token, "Q"), 200)
    assert retired["retired_at"] == RETIRED_AT
    sent = rpc.only_call("archive", "retire_estate")
    assert sent.payload["retired"] is True and sent.caller["user"] == "admin"
    assert sent.payload["record"]["override_reason"] is None and sent.payload["record"]["outstanding"] == []
    back = contract.check(app, retire(client, admin_token, "Q", "reinstate"), 200)
    assert "retired_at" not in back
    assert rpc.calls_to("archive", "retire_estate")[-1].payload == {"estate_id": "Q", "retired": False}


def test_a_deactivated_account_does_not_keep_an_estate_from_retiring(app, client, rpc, admin_token, accounts,
                                                                     unique, archive_knows):
    app.extensions["estate_ops"].estates.remember("P")
    archive_knows["P"] = estate("P")
    username = unique("leaver")
    accounts.create(username, ["agent"], ["P"])
    assert client.patch(f"/api/v1/users/{username}", json={"active": False},
                        headers=bearer(admin_token)).status_code == 200
    assert retire(client, admin_token, "P").status_code == 200


def test_an_account_whose_only_estate_retires_is_moved_or_offboarded_never_left_holding_none(
        app, client, rpc, contract, admin_token, accounts, unique, archive_knows):
    """The retirement's 409 asks to move each account to another estate or deactivate it: moving a
    front-desk account to no estate took the estate from it too, and left an active account that
    could reach nothing; now that is a 422 naming ``estate_ids``. Deactivated, it keeps the retired
    estate (its history); made active again it needs an estate in service."""
    app.extensions["estate_ops"].estates.remember("S")
    archive_knows["S"] = estate("S")
    username = unique("only-s")
    accounts.create(username, ["agent"], ["S"])

    def patch(body):
        return client.patch(f"/api/v1/users/{username}", json=body, headers=bearer(admin_token))

    contract.problem(patch({"estate_ids": []}), 422, "business_rule", fields=["estate_ids"], app=app)
    contract.problem(retire(client, admin_token, "S"), 409, "conflict", fields=["users[0]"], app=app)
    assert patch({"active": False}).status_code == 200
    assert retire(client, admin_token, "S").status_code == 200
    archive_knows["S"] = estate("S", RETIRED_AT)
    contract.problem(patch({"active": True}), 422, "business_rule", fields=["estate_ids[0]"], app=app)
    contract.problem(patch({"active": True, "estate_ids": []}), 422, "business_rule", fields=["estate_ids"], app=app)
    back = patch({"active": True, "estate_ids": ["A"]})
    assert back.status_code == 200 and back.get_json()["estate_ids"] == ["A"]


def test_only_the_operator_admin_retires_an_estate(app, client, rpc, contract, accounts, archive_knows):
    manager = accounts.user("retire-manager-a", ["manager"], ["A"])
    contract.problem(retire(client, manager, "A"), 403, app=app)
    contract.problem(retire(client, manager, "A", "reinstate"), 403, app=app)
    assert rpc.calls_to("archive", "retire_estate") == []


def test_no_active_account_or_key_is_given_a_retired_estate(app, client, rpc, contract, admin_token, accounts,
                                                             unique, archive_knows):
    refused = client.post("/api/v1/users", json={"username": unique("agent"), "password": "staff-password-0001",
                                                 "roles": ["agent"], "estate_ids": ["A", "R"]},
                          headers=bearer(admin_token))
    body = contract.problem(refused, 422, "business_rule", fields=["estate_ids[1]"], app=app)
    assert body["errors"] == [{"field": "estate_ids[1]", "message": "is a retired estate"}]
    key = client.post("/api/v1/api-keys", json={"name": "late sync", "roles": ["accountant"], "estate_ids": ["R"]},
                      headers=bearer(admin_token))
    contract.problem(key, 422, "business_rule", fields=["estate_ids[0]"], app=app)
    username = unique("mover")
    accounts.create(username, ["manager"], ["A"])
    moved = client.patch(f"/api/v1/users/{username}", json={"estate_ids": ["R"]}, headers=bearer(admin_token))
    contract.problem(moved, 422, "business_rule", fields=["estate_ids[0]"], app=app)
    # a deactivated account may keep it (its history); made active again, it may not
    kept = client.patch(f"/api/v1/users/{username}", json={"estate_ids": ["R"], "active": False},
                        headers=bearer(admin_token))
    assert kept.status_code == 200 and kept.get_json()["estate_ids"] == ["R"]
    back = client.patch(f"/api/v1/users/{username}", json={"active": True}, headers=bearer(admin_token))
    contract.problem(back, 422, "business_rule", fields=["estate_ids[0]"], app=app)
    moved_back = client.patch(f"/api/v1/users/{username}", json={"active": True, "estate_ids": ["A"]},
                              headers=bearer(admin_token))
    assert moved_back.status_code == 200 and moved_back.get_json()["active"] is True


def test_the_kpis_side_by_side_leave_out_an_estate_retired_before_the_period(client, rpc, contract, accounts,
                                                                            monkeypatch):
    """Retired on 10 November (Shanghai): in October's and November's view and the year's, not in
    December's; its own KPIs stay readable by id."""
    monkeypatch.setattr(fanout, "kpi_services", lambda: ["customer_service", "finance"])
    clock.freeze(clock.parse_iso("2027-01-05T00:00:00Z"))
    admin_token = accounts.token("admin", ADMIN_PASSWORD)  # signed in at the frozen time
    rpc.answer("archive", "list_estates", {"items": [estate("A"), estate("B", RETIRED_AT)], "next_cursor": None})
    for service in ("customer_service", "finance"):
        rpc.answer(service, "kpis", kpi_answers(TABLE))

    def shown(period):
        body = contract.check(client.application, client.get(f"/api/v1/kpis?period={period}",
                                                             headers=bearer(admin_token)), 200)
        return [row["estate_id"] for row in body["estates"]], body["totals"]

    assert shown("2026-10")[0] == ["A", "B"]
    assert shown("2026-11")[0] == ["A", "B"]  # retired in it: its part of the month counts
    assert shown("2026")[0] == ["A", "B"]
    december, totals = shown("2026-12")
    assert december == ["A"]
    assert totals["collection_rate"]["denominator"] == 200  # A's alone
    assert [c.payload["estate_ids"] for c in rpc.calls_to("finance", "kpis")][-1] == ["A"]


# -- a retirement and a giving of the estate at the same moment -------------------------------------

def give(client, token, unique, how, estate_id):
    """The estate given to an active account (made, or moved to it) or to a new API key."""
    if how == "account":
        return client.post("/api/v1/users", json={"username": unique("late"), "password": "staff-password-0001",
                                                  "roles": ["agent"], "estate_ids": [estate_id]},
                           headers=bearer(token))
    if how == "move":
        username = unique("mover")
        assert client.post("/api/v1/users", json={"username": username, "password": "staff-password-0001",
                                                  "roles": ["agent"], "estate_ids": ["A"]},
                           headers=bearer(token)).status_code == 201
        return client.patch(f"/api/v1/users/{username}", json={"estate_ids": ["A", estate_id]}, headers=bearer(token))
    return client.post("/api/v1/api-keys", json={"name": "late sync", "roles": ["accountant"],
                                                 "estate_ids": [estate_id]}, headers=bearer(token))


@pytest.mark.parametrize("how", ["account", "move", "key"])
def test_an_estate_given_while_archive_retires_it_is_refused(app, client, rpc, contract, admin_token, unique,
                                                             archive_knows, how):
    """The retirement checked that nothing held the estate, then asked archive to write retired_at:
    an account or key given the estate in between (archive still said in service) held a retired
    estate for good (found rereading the retirement's route)."""
    archive_knows["G"] = estate("G")
    given = []

    def retire_estate(call):  # the giving comes while archive writes
        given.append(give(client, admin_token, unique, how, "G"))
        archive_knows["G"] = estate("G", RETIRED_AT)
        return archive_knows["G"]
    rpc.answer("archive", "retire_estate", retire_estate)
    assert retire(client, admin_token, "G").status_code == 200
    body = contract.problem(given[0], 422, "business_rule", app=app)
    assert [error["message"] for error in body["errors"]] == ["is being retired"]
    db = app.extensions["estate_ops"].db
    assert store.active_users_holding(db, "G") == [] and store.live_api_keys_holding(db, "G") == []


def test_an_estate_retired_while_it_is_given_is_refused_and_the_giving_goes_on(app, client, rpc, contract,
                                                                               admin_token, unique, archive_knows):
    """The other order: the account's check found the estate in service, then the retirement came
    before the account was written."""
    archive_knows["H"] = estate("H")
    retired, asked = [], []

    def get_estate(call):  # the retirement comes while the giving asks archive
        if call.payload["estate_id"] == "H" and not asked:
            asked.append(call)
            retired.append(retire(client, admin_token, "H"))
        return archive_knows[call.payload["estate_id"]]
    rpc.answer("archive", "get_estate", get_estate)
    assert give(client, admin_token, unique, "account", "H").status_code == 201
    body = contract.problem(retired[0], 409, "conflict", fields=["estate_id"], app=app)
    assert body["errors"] == [{"field": "estate_id", "message": "is being given to an account or key"}]
    assert retired[0].headers["Retry-After"] == "1"  # it passes by itself: the giving ends
    assert rpc.calls_to("archive", "retire_estate") == []
    # done, the account holds it: the retirement is refused as any held estate's, a state (no Retry-After)
    held = retire(client, admin_token, "H")
    assert held.status_code == 409 and "Retry-After" not in held.headers
    assert rpc.calls_to("archive", "retire_estate") == []


def test_a_mark_left_by_a_process_that_died_expires(app, client, admin_token, unique, archive_knows):
    archive_knows["J"] = estate("J")
    db = app.extensions["estate_ops"].db
    long_ago = clock.now() - timedelta(seconds=estate_guards.GUARD_SECONDS + 1)
    store.mark_estates(db, ["J"], estate_guards.GIVING, "dead", retention.expire_at(estate_guards.GUARD_SECONDS,
                                                                                     long_ago))
    assert retire(client, admin_token, "J").status_code == 200
    store.mark_estates(db, ["A"], estate_guards.RETIRING, "dead", retention.expire_at(estate_guards.GUARD_SECONDS,
                                                                                       long_ago))
    assert give(client, admin_token, unique, "key", "A").status_code == 201


# -- the handover package read before retiring (found by h5, built by h8) --------------------------

def outstanding_package(rpc):
    """The package: money owed back (1 household), a deposit held, a payee owed money collected for it (h4),
    open requests, an open order, a key lent."""
    answer_all(rpc)


def test_an_estate_with_anything_outstanding_is_not_retired_without_the_admin_s_reason(app, client, rpc, contract,
                                                                                        accounts, archive_knows):
    """Retiring looked at nothing of the handover package: an estate was retired with its owners'
    money paid ahead, open complaints and work orders on it, and no one left to hand them over."""
    app.extensions["estate_ops"].estates.remember("X")
    archive_knows["X"] = estate("X")
    clock.freeze(clock.parse_iso("2026-12-31T17:00:00Z"))  # 1 January 01:00 in Shanghai
    admin_token = accounts.token("admin", ADMIN_PASSWORD)  # signed in at the frozen time
    outstanding_package(rpc)
    refused = client.post("/api/v1/estates/X/retire", json={}, headers=bearer(admin_token))
    body = contract.problem(refused, 409, "conflict", app=app,
                            fields=[f"outstanding[{i}]" for i in range(6)])
    assert ("money_owed_back, deposits_held, pass_through_owed, open_requests, open_work_orders, keys_lent"
            in body["detail"])  # the gas company's money collected and not handed on among them (h4)
    assert body["errors"][0] == {"field": "outstanding[0]", "message": "money_owed_back: 1 outstanding"}
    assert rpc.calls_to("archive", "retire_estate") == []
    # as of today on the estate's calendar, not the UTC day
    assert rpc.calls_to("finance", "handover_money")[-1].payload["filters"] == {"as_of": "2027-01-01"}
    # an estate created by mistake: the admin says why, and the record keeps it with what was outstanding
    forced = client.post("/api/v1/estates/X/retire", json={"as_of": "2026-12-31",
                                                           "override_reason": "created by mistake, a duplicate"},
                         headers=bearer(admin_token))
    contract.check(app, forced, 200)
    record = rpc.only_call("archive", "retire_estate").payload["record"]
    assert record["as_of"] == "2026-12-31" and record["override_reason"] == "created by mistake, a duplicate"
    assert [o["item"] for o in record["outstanding"]] == ["money_owed_back", "deposits_held", "pass_through_owed",
                                                         "open_requests", "open_work_orders", "keys_lent"]
    assert record["outstanding"][0]["amount_cents"] == 52000


@pytest.mark.parametrize("body", [{"override_reason": ""}, {"override_reason": "   "}, {"as_of": "2026-13-01"},
                                  {"override_reason": "x" * 501}, {"because": "x"}])
def test_a_retirement_s_body_is_checked(app, client, rpc, contract, admin_token, archive_knows, body):
    app.extensions["estate_ops"].estates.remember("X")
    archive_knows["X"] = estate("X")
    contract.problem(client.post("/api/v1/estates/X/retire", json=body, headers=bearer(admin_token)), 400, app=app)
    assert rpc.calls_to("archive", "retire_estate") == []


def test_a_service_that_does_not_answer_refuses_the_retirement_override_or_not(app, client, rpc, contract,
                                                                               admin_token, archive_knows):
    app.extensions["estate_ops"].estates.remember("X")
    archive_knows["X"] = estate("X")
    rpc.answer("maintenance", "list_work_orders", ServiceUnavailable("maintenance did not answer"))
    for body in ({}, {"override_reason": "created by mistake"}):
        refused = contract.problem(client.post("/api/v1/estates/X/retire", json=body, headers=bearer(admin_token)),
                                   503, app=app, fields=["unavailable[0]"])
        assert "maintenance" in refused["detail"]
    assert rpc.calls_to("archive", "retire_estate") == []
