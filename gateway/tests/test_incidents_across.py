"""跨小区事件 (h5's typhoon night across three estates): ``GET /api/v1/incidents`` lists the incidents
of every estate of the caller's in one answer, each naming its estate, from security patrol's
``list_incidents_across`` over the estates archive lists for the caller."""
import pytest

from estate_common.errors import ServiceUnavailable

LIST = "/api/v1/incidents"
AT = "2026-11-23T13:00:00.000Z"


def incident(incident_id, estate_id):
    return {"id": incident_id, "estate_id": estate_id, "number": "INC-2026-000001", "type": "flooding",
            "description": "车库进水 13957286446", "location": "B1", "major": False, "status": "open",
            "plan": [], "pending_steps": [], "steps": [], "escalations": [], "summary": None,
            "opened_at": AT, "closed_at": None, "created_at": AT, "updated_at": AT, "work_order": False,
            "maintenance_order": None}


def estates(*ids):
    return {"items": [{"id": e, "estate_id": e, "code": f"HZ-{e}", "name": f"Estate {e}", "address": "x",
                       "created_at": AT, "version": 1} for e in ids], "next_cursor": None}


def auth(accounts, role, estate_ids=("A", "B")):
    token = accounts.user("typhoon-" + role.replace("_", "-"), [role], list(estate_ids))
    return {"Authorization": f"Bearer {token}"}


def test_the_open_incidents_of_the_callers_estates_each_naming_its_estate(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates("A", "B"))
    rpc.answer("security_patrol", "list_incidents_across", {
        "items": [incident("inc_2", "B"), incident("inc_1", "A")], "next_cursor": f"{AT}~inc_1"})
    page = contract.check(client.application, client.get(
        f"{LIST}?open=true&type=flooding&since=2026-11-23T00:00:00Z&limit=2",
        headers=auth(accounts, "manager")), 200)
    assert [(i["estate"]["code"], i["incident"]["id"]) for i in page["items"]] == [("HZ-B", "inc_2"), ("HZ-A", "inc_1")]
    assert page["items"][0]["estate"] == {"id": "B", "code": "HZ-B", "name": "Estate B"}
    assert page["next_cursor"] == f"{AT}~inc_1"
    asked = rpc.only_call("security_patrol", "list_incidents_across")
    assert asked.payload == {"estate_ids": ["A", "B"], "limit": 2, "filters": {
        "open": "true", "type": "flooding", "since": "2026-11-23T00:00:00Z"}}
    assert asked.caller["user"] == "typhoon-manager"
    # the next page goes on from the cursor
    client.get(f"{LIST}?open=true&cursor={AT}~inc_1", headers=auth(accounts, "manager"))
    assert rpc.calls_to("security_patrol", "list_incidents_across")[1].payload["cursor"] == f"{AT}~inc_1"


def test_the_operator_admin_reads_every_estate_archive_lists(client, rpc, contract, admin_token):
    rpc.answer("archive", "list_estates", estates("A", "B", "C"))
    contract.check(client.application, client.get(LIST, headers={"Authorization": f"Bearer {admin_token}"}), 200)
    assert rpc.only_call("security_patrol", "list_incidents_across").payload["estate_ids"] == ["A", "B", "C"]


def test_a_phone_in_an_incidents_words_is_masked_as_in_the_estates_list(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates("A"))
    rpc.answer("security_patrol", "list_incidents_across", {"items": [incident("inc_1", "A")], "next_cursor": None})
    rpc.answer("security_patrol", "list_incidents", {"items": [incident("inc_1", "A")], "next_cursor": None})
    headers = auth(accounts, "security", ["A"])
    across = contract.check(client.application, client.get(LIST, headers=headers), 200)
    one = contract.check(client.application, client.get("/api/v1/estates/A/incidents", headers=headers), 200)
    assert across["items"][0]["incident"]["description"] == one["items"][0]["description"]


def test_no_estate_no_call(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates())
    assert contract.check(client.application, client.get(LIST, headers=auth(accounts, "manager")), 200) == {
        "items": [], "next_cursor": None}
    assert rpc.calls_to("security_patrol", "list_incidents_across") == []


@pytest.mark.parametrize("role", ["agent", "technician", "accountant", "cashier", "archivist", "steward"])
def test_outside_security_and_management_a_403(client, rpc, contract, accounts, role):
    contract.problem(client.get(LIST, headers=auth(accounts, role)), 403, app=client.application)
    assert rpc.calls_to("security_patrol", "list_incidents_across") == []


@pytest.mark.parametrize("query,field", [("open=yes", "open"), ("estate=A", "estate"), ("limit=0", "limit"),
                                          ("open=true&open=false", "open"), ("since=yesterday", "since"),
                                          ("type=typhoon", "type")])
def test_a_wrong_query_is_a_400_naming_it(client, rpc, contract, accounts, query, field):
    rpc.answer("archive", "list_estates", estates("A"))
    contract.problem(client.get(f"{LIST}?{query}", headers=auth(accounts, "manager")), 400, fields=[field],
                     app=client.application)
    assert rpc.calls_to("security_patrol", "list_incidents_across") == []


def test_a_since_not_a_utc_time_says_the_form_in_words(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates("A"))
    response = client.get(f"{LIST}?since=yesterday", headers=auth(accounts, "manager"))
    contract.problem(response, 400, fields=["since"], app=client.application)
    assert response.get_json()["errors"] == [
        {"field": "since", "message": "must be a UTC time: YYYY-MM-DDThh:mm:ssZ, e.g. 2026-03-01T08:30:00Z"}]


def test_security_patrol_not_answering_is_a_503(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates("A"))
    rpc.answer("security_patrol", "list_incidents_across", ServiceUnavailable("security_patrol is unavailable"))
    contract.problem(client.get(LIST, headers=auth(accounts, "manager")), 503, app=client.application)


def test_a_portfolio_past_one_calls_estates_is_asked_in_parts_and_merged_newest_first(
        app, client, rpc, contract, admin_token, monkeypatch):
    from gateway import incidents_across
    monkeypatch.setattr(incidents_across, "CHUNK", 2)
    rpc.answer("archive", "list_estates", estates("A", "B", "C"))
    later = "2026-11-23T14:00:00.000Z"

    def part(call):
        found = {("A", "B"): [{**incident("inc_b", "B"), "created_at": later}, incident("inc_a", "A")],
                 ("C",): [{**incident("inc_c", "C"), "created_at": "2026-11-23T13:30:00.000Z"}]}
        return {"items": found[tuple(call.payload["estate_ids"])], "next_cursor": None}
    rpc.answer("security_patrol", "list_incidents_across", part)
    page = contract.check(client.application, client.get(f"{LIST}?limit=2",
                                                         headers={"Authorization": f"Bearer {admin_token}"}), 200)
    assert [i["incident"]["id"] for i in page["items"]] == ["inc_b", "inc_c"]
    assert page["next_cursor"] == "2026-11-23T13:30:00.000Z~inc_c"
