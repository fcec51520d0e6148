"""Exports at the gateway: who may start one (the roles of the resource's list route), which
service is asked, and the download streamed from the owner's chunks after its checks."""
import base64

import pytest

from estate_common import exports, job_scopes
from estate_common.errors import Forbidden, Gone
from gateway import access
from gateway.exports import owner_of

from .conftest import bearer

LIST_ROUTES = {"households": "/api/v1/estates/{estate_id}/households",
               "service_requests": "/api/v1/estates/{estate_id}/service-requests",
               "work_orders": "/api/v1/estates/{estate_id}/work-orders",
               "bills": "/api/v1/estates/{estate_id}/bills",
               "payments": "/api/v1/estates/{estate_id}/payments",
               "arrears": "/api/v1/estates/{estate_id}/arrears",
               "patrol_rounds": "/api/v1/estates/{estate_id}/patrol-rounds",
               "incidents": "/api/v1/estates/{estate_id}/incidents",
               "visitors": "/api/v1/estates/{estate_id}/visitors",
               "shift_handovers": "/api/v1/estates/{estate_id}/shift-handovers",
               "fire_inspections": "/api/v1/estates/{estate_id}/fire-inspections",
               "owner_contacts": "/api/v1/estates/{estate_id}/owner-contacts",
               "vacant_inspections": "/api/v1/estates/{estate_id}/vacant-inspections",
               "meter_readings": "/api/v1/estates/{estate_id}/meter-readings",
               "equipment_records": "/api/v1/estates/{estate_id}/equipment-records"}
JOB = {"id": "job_finance_1", "estate_id": "A", "kind": "export_bills", "status": "queued",
       "progress": {"done": 0, "total": None}, "result": None, "created_at": "2026-11-23T08:00:00.000Z"}


@pytest.mark.parametrize("resource", sorted(exports.RESOURCES))
def test_who_may_export_a_resource_is_who_may_read_its_list(resource):
    table = access.policy_table()
    assert job_scopes.readers(exports.job_kind(resource)) == table[("GET", LIST_ROUTES[resource])]
    assert job_scopes.starters(exports.job_kind(resource)) == table[("GET", LIST_ROUTES[resource])]


def test_a_job_id_names_its_service():
    assert owner_of("job_customer_service_abc") == "customer_service"
    assert owner_of("job_finance_abc") == "finance"
    assert owner_of("job_security_patrol_abc") == "security_patrol"  # its records (a probe of the guard's shift)
    assert owner_of("job_integrations_abc") is None and owner_of("nothing") is None


def start(client, token, body, estate="A"):
    return client.post(f"/api/v1/estates/{estate}/exports", json=body, headers=bearer(token))


def test_an_export_goes_to_the_service_that_owns_the_resource(client, rpc, contract, accounts):
    accountant = accounts.user("acc-a", ["accountant"], ["A"])
    rpc.answer("finance", "start_export", JOB)
    body = {"resource": "bills", "format": "xlsx", "filters": {"status": "unpaid"}}
    assert contract.check(client.application, start(client, accountant, body), 202) == JOB
    assert rpc.only_call("finance", "start_export").payload == {"estate_id": "A", "data": body}


def test_a_role_that_may_not_read_the_list_may_not_export_it(client, rpc, contract, accounts):
    guard = accounts.user("guard-x", ["security"], ["A"])
    contract.problem(start(client, guard, {"resource": "bills", "format": "csv"}), 403, app=client.application)
    contract.problem(start(client, guard, {"resource": "bills", "format": "pdf"}), 400, app=client.application)
    assert rpc.calls_to("finance", "start_export") == []


def test_a_download_is_streamed_from_the_owners_chunks(client, rpc, accounts):
    accountant = accounts.user("acc-b", ["accountant"], ["A"])
    parts = [b"\xef\xbb\xbfid\r\n", b"b_1\r\n"]

    def chunk(call):
        n = call.payload["n"]
        return {"filename": "bills-x.csv", "content_type": "text/csv; charset=utf-8", "bytes": sum(map(len, parts)),
                "chunks": 2, "n": n, "data_base64": base64.b64encode(parts[n]).decode()}
    rpc.answer("finance", "read_export", chunk)
    response = client.get("/api/v1/estates/A/exports/job_finance_1/file", headers=bearer(accountant))
    assert response.status_code == 200 and response.data == b"".join(parts)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "bills-x.csv" in response.headers["Content-Disposition"]
    assert [c.payload["n"] for c in rpc.calls_to("finance", "read_export")] == [0, 1]


@pytest.mark.parametrize("error, status", [(Forbidden("no"), 403), (Gone("expired"), 410)])
def test_a_refused_download_is_a_problem(client, rpc, contract, accounts, error, status):
    accountant = accounts.user(f"acc-{status}", ["accountant"], ["A"])
    rpc.answer("finance", "read_export", error)
    response = client.get("/api/v1/estates/A/exports/job_finance_1/file", headers=bearer(accountant))
    contract.problem(response, status, app=client.application)


def test_an_id_of_no_exporting_service_is_not_found(client, rpc, contract, accounts):
    accountant = accounts.user("acc-c", ["accountant"], ["A"])
    response = client.get("/api/v1/estates/A/exports/job_integrations_1/file", headers=bearer(accountant))
    contract.problem(response, 404, app=client.application)


@pytest.mark.parametrize("resource", ["patrol_rounds", "incidents", "visitors", "shift_handovers", "fire_inspections"])
def test_the_security_departments_records_are_exported_by_security_patrol(client, rpc, contract, accounts, resource):
    """A guard exports his department's records as the other lists are exported, where none could be
    (found by a probe of the security guard's shift); the accountant, who reads none of them, may not."""
    guard = accounts.user(f"guard-{resource}", ["security"], ["A"])
    rpc.answer("security_patrol", "start_export", {**JOB, "id": "job_security_patrol_1",
                                                    "kind": f"export_{resource}"})
    body = {"resource": resource, "format": "xlsx", "language": "zh"}
    assert contract.check(client.application, start(client, guard, body), 202)["id"] == "job_security_patrol_1"
    assert rpc.only_call("security_patrol", "start_export").payload == {"estate_id": "A", "data": body}
    accountant = accounts.user(f"acc-{resource}", ["accountant"], ["A"])
    contract.problem(start(client, accountant, {"resource": resource, "format": "csv"}), 403, app=client.application)


@pytest.mark.parametrize("resource, service", [("owner_contacts", "customer_service"), ("vacant_inspections", "archive")])
def test_the_stewards_records_are_exported_by_their_services(client, rpc, contract, accounts, resource, service):
    """A steward exports her owner contacts and vacant-unit inspections as the other lists are
    exported, where neither could be (a probe of the steward's month); the accountant, who reads
    neither list, may not."""
    steward = accounts.user(f"steward-{resource}", ["steward"], ["A"])
    rpc.answer(service, "start_export", {**JOB, "id": f"job_{service}_1", "kind": f"export_{resource}"})
    body = {"resource": resource, "format": "xlsx", "language": "zh", "filters": {"period": "2026-11"}}
    assert contract.check(client.application, start(client, steward, body), 202)["id"] == f"job_{service}_1"
    assert rpc.only_call(service, "start_export").payload == {"estate_id": "A", "data": body}
    accountant = accounts.user(f"acc-{resource}", ["accountant"], ["A"])
    contract.problem(start(client, accountant, {"resource": resource, "format": "csv"}), 403, app=client.application)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_export_may_be_asked_in_a_language_which_goes_to_the_owner(client, rpc, contract, accounts, language):
    """The reader's language (``language``: zh or en) is part of the contract and reaches the
    service that writes the file; a body without one is sent on as it came (the file as before)."""
    agent = accounts.user(f"agent-{language}", ["agent"], ["A"])
    rpc.answer("archive", "start_export", {**JOB, "id": "job_archive_1", "kind": "export_households"})
    body = {"resource": "households", "format": "csv", "language": language}
    assert contract.check(client.application, start(client, agent, body), 202)["id"] == "job_archive_1"
    assert rpc.only_call("archive", "start_export").payload == {"estate_id": "A", "data": body}


def test_an_export_in_a_language_the_contract_does_not_name_is_refused_naming_it(client, rpc, contract, accounts):
    agent = accounts.user("agent-fr", ["agent"], ["A"])
    for language in ("fr", "", "ZH", None):
        response = start(client, agent, {"resource": "households", "format": "csv", "language": language})
        problem = contract.problem(response, 400, app=client.application)
        assert [e["field"] for e in problem["errors"]] == ["language"], problem
    assert rpc.calls_to("archive", "start_export") == []
