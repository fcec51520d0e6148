"""防汛防台 preparation checklist to several estates (h7): ``POST /api/v1/checklists`` writes the
operator's checklist in each estate named as that estate's own (maintenance's ``create_checklist``),
once per estate under one Idempotency-Key, as ``POST /api/v1/notices`` publishes a notice (the one
fan-out, ``across_estates``); each estate then edits it (``PATCH …/checklists/{id}``) and ticks it (an
inspection of a location)."""
import pytest

from estate_common import ids
from estate_common.errors import ServiceUnavailable
from gateway.across_estates import service_key

from .test_estate_retirement import archive_knows  # noqa: F401 (archive's estates A, B and R retired)

CHECKLISTS = "/api/v1/checklists"
AT = "2026-11-23T13:00:00.000Z"
TYPHOON = {"name": "防汛防台准备", "target": "location", "items": [
    {"code": "D1", "label": "地下车库排水沟已清理", "kind": "pass_fail"},
    {"code": "D2", "label": "沙袋 (袋)", "kind": "reading", "min": 50, "unit": "袋"}]}


def written(call):
    """maintenance's checklist: its id from the estate, the caller and the key (``Caller.created_id``)."""
    estate_id, key = call.payload["estate_id"], call.context["idempotency_key"]
    data = call.payload["data"]
    return {"id": ids.natural_id("ckl", estate_id, call.caller["user"], key), "estate_id": estate_id,
            "name": data["name"], "target": data["target"],
            "items": [{"min": None, "max": None, "unit": None, **item} for item in data["items"]],
            "created_at": AT, "updated_at": AT, "created_by": call.caller["user"]}


def made(estate_id, key, user="prep-manager-ab"):
    return ids.natural_id("ckl", estate_id, user, service_key(CHECKLISTS, key))


def auth(accounts, role, estate_ids=("A", "B"), key="prep-1"):
    token = accounts.user("prep-" + role.replace("_", "-") + "-" + "".join(estate_ids).lower(), [role], list(estate_ids))
    return {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}


def send(client, headers, estate_ids=("A", "B"), **fields):
    return client.post(CHECKLISTS, json={"estate_ids": list(estate_ids), **TYPHOON, **fields}, headers=headers)


def test_a_manager_of_both_writes_it_in_each_as_its_own_and_a_retry_writes_none_twice(
        client, rpc, contract, accounts, archive_knows):
    rpc.answer("maintenance", "create_checklist", written)
    headers = auth(accounts, "manager")
    both = contract.check(client.application, send(client, headers), 201)
    assert [(c["estate_id"], c["id"]) for c in both["checklists"]] == [("A", made("A", "prep-1")),
                                                                          ("B", made("B", "prep-1"))]
    assert both["failed"] == []
    calls = rpc.calls_to("maintenance", "create_checklist")
    assert sorted(c.payload["estate_id"] for c in calls) == ["A", "B"]
    assert all(c.payload["data"] == TYPHOON and c.context == {"idempotency_key": service_key(CHECKLISTS, "prep-1")}
               for c in calls)
    again = send(client, headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == both and len(rpc.calls_to("maintenance", "create_checklist")) == 2


def test_a_partial_failure_names_each_estate_and_the_retry_writes_the_rest_only(
        client, rpc, contract, accounts, archive_knows):
    down = {"B": True}

    def flaky(call):
        if call.payload["estate_id"] == "B" and down["B"]:
            raise ServiceUnavailable("maintenance is unavailable")
        return written(call)
    rpc.answer("maintenance", "create_checklist", flaky)
    headers = auth(accounts, "manager", key="prep-2")
    part = contract.check(client.application, send(client, headers), 207)
    assert [c["estate_id"] for c in part["checklists"]] == ["A"]
    assert [(f["estate_id"], f["status"], f["code"]) for f in part["failed"]] == [("B", 503, "service_unavailable")]
    down["B"] = False
    rest = contract.check(client.application, send(client, headers), 201)
    assert [c["id"] for c in rest["checklists"]] == [made("A", "prep-2"), made("B", "prep-2")]
    contract.problem(send(client, headers, name="另一张"), 422, fields=["Idempotency-Key"], app=client.application)


def test_an_estate_outside_the_managers_scope_writes_in_none(client, rpc, contract, accounts, archive_knows):
    rpc.answer("maintenance", "create_checklist", written)
    contract.problem(send(client, auth(accounts, "manager", ("A",)), ("A", "B")), 403, fields=["estate_ids[1]"],
                     app=client.application)
    assert rpc.calls_to("maintenance", "create_checklist") == []


def test_the_operator_admin_writes_in_none_when_one_is_retired(client, rpc, contract, admin_token, archive_knows):
    rpc.answer("maintenance", "create_checklist", written)
    headers = {"Authorization": f"Bearer {admin_token}", "Idempotency-Key": "prep-admin"}
    contract.problem(send(client, headers, ("A", "R")), 409, app=client.application)
    assert rpc.calls_to("maintenance", "create_checklist") == []
    assert contract.check(client.application, send(client, headers, ("A", "B")), 201)["failed"] == []


@pytest.mark.parametrize("role", ["agent", "technician", "security", "accountant"])
def test_outside_management_a_403(client, rpc, contract, accounts, archive_knows, role):
    contract.problem(send(client, auth(accounts, role)), 403, app=client.application)
    assert rpc.calls_to("maintenance", "create_checklist") == []


@pytest.mark.parametrize("fields,field", [({"estate_ids": []}, "estate_ids"), ({"items": []}, "items"),
                                          ({"target": "roof"}, "target")])
def test_a_wrong_body_or_no_key_is_a_400_writing_in_none(client, rpc, contract, accounts, archive_knows, fields, field):
    response = client.post(CHECKLISTS, json={"estate_ids": ["A", "B"], **TYPHOON, **fields},
                           headers=auth(accounts, "manager"))
    assert response.status_code == 400 and field in str(response.get_json())
    contract.problem(send(client, auth(accounts, "manager", key=None)), 400, fields=["Idempotency-Key"],
                     app=client.application)
    assert rpc.calls_to("maintenance", "create_checklist") == []


def test_the_rest_is_written_after_a_207_though_an_estate_written_in_was_retired_since(
        client, rpc, contract, admin_token, archive_knows):
    """review r7 of h7: a 207 (B down), then A, which has the checklist, retired: the same body sent
    again under the key was a 409 on A, another body under the key a 422, and a new key would write
    in A... again: B could not be finished. An estate the key wrote in is answered its record
    (maintenance finds it, writing nothing) whatever happened to it since; one retired not written in
    stays refused."""
    from .test_estate_retirement import RETIRED_AT, estate
    down = {"B": True}

    def flaky(call):
        if call.payload["estate_id"] == "B" and down["B"]:
            raise ServiceUnavailable("maintenance is unavailable")
        return written(call)
    rpc.answer("maintenance", "create_checklist", flaky)
    headers = {"Authorization": f"Bearer {admin_token}", "Idempotency-Key": "prep-retired"}
    part = contract.check(client.application, send(client, headers), 207)
    assert [c["estate_id"] for c in part["checklists"]] == ["A"]
    archive_knows["A"] = estate("A", RETIRED_AT)
    client.application.extensions["estate_ops"].estates._until.clear()
    down["B"] = False
    rest = contract.check(client.application, send(client, headers), 201)
    assert [c["estate_id"] for c in rest["checklists"]] == ["A", "B"] and rest["failed"] == []
    # a retired estate the key did not write in is refused as before
    archive_knows["B"] = estate("B", RETIRED_AT)
    client.application.extensions["estate_ops"].estates._until.clear()
    contract.problem(send(client, {**headers, "Idempotency-Key": "prep-new"}), 409, app=client.application)
