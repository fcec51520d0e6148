"""Each kind of job is started and read by the roles ``estate_common.job_scopes`` names, and by
no one else: a role that may not read a kind is answered 404, as if the job were not there."""
import pytest

from estate_common import exports, job_scopes
from estate_common import roles as roles_module
from estate_common.errors import NotFound

from gateway import fanout, policy
from gateway.routes import ROUTES

from .conftest import bearer

JOBS = {
    job_scopes.BILLING_RUN: {"id": "job_finance_65a1", "service": "finance", "params": {"period": "2026-11"},
                             "result": {"bills_created": 3}},
    job_scopes.HOUSEHOLD_IMPORT: {"id": "job_archive_65a1", "service": "archive", "params": {"rows": 2},
                                  "result": {"rows": 2, "rejected": 1,
                                             "errors": [{"row": 3, "field": "owner.phone", "message": "x"}]}},
    job_scopes.OPENING_BALANCE_IMPORT: {"id": "job_finance_65a3", "service": "finance", "params": {"rows": 2},
                                        "result": {"rows": 2, "rejected": 1,
                                                   "errors": [{"row": 3, "field": "period", "message": "x"}]}},
    job_scopes.OPENING_CREDIT_IMPORT: {"id": "job_finance_65a4", "service": "finance", "params": {"rows": 2},
                                       "result": {"rows": 2, "rejected": 1,
                                                  "errors": [{"row": 3, "field": "reference", "message": "x"}]}},
    job_scopes.BANK_STATEMENT_IMPORT: {"id": "job_finance_65a5", "service": "finance",
                                       "params": {"rows": 2, "period": "2026-11"},
                                       "result": {"rows": 2, "lines": 1, "removed": 0, "kept": 0, "rejected": 1,
                                                  "errors": [{"row": 3, "field": "date", "message": "x"}]}},
    job_scopes.EQUIPMENT_IMPORT: {"id": "job_maintenance_65a3", "service": "maintenance", "params": {"rows": 2},
                                  "result": {"rows": 2, "created": 1, "existing": 0, "rejected": 1,
                                             "errors": [{"row": 3, "field": "system", "message": "x"}]}},
    job_scopes.HANDOVER_BATCH: {"id": "job_archive_65a4", "service": "archive", "params": {"source": "list", "rows": 2},
                                "result": {"rows": 2, "handed_over": 1, "defects_found": 0, "rejected": 1,
                                           "errors": [{"row": 2, "field": "room", "code": "unknown_flat",
                                                       "reason": "房屋未登记：请核对楼栋、单元、房号"}]}},
    job_scopes.RESTATEMENT: {"id": "job_archive_65a2", "service": "archive", "params": {},
                             "result": {"estate_id": "A", "households": 3, "batches": 1}},
    # exports: one kind per resource, of the service that owns it
    **{exports.job_kind(resource): {"id": f"job_{service}_65a1", "service": service,
                                    "params": {"resource": resource, "format": "csv", "filters": {}, "full": []},
                                    "result": {"rows": 2, "chunks": 1}}
       for resource, service in exports.RESOURCES.items()},
}


def test_every_kind_a_service_runs_is_in_the_table():
    assert set(JOBS) == set(job_scopes.JOB_SCOPES)
    for kind in job_scopes.JOB_SCOPES:
        assert job_scopes.starters(kind) and job_scopes.readers(kind) <= set(policy.ROLES)
        assert job_scopes.starters(kind) <= set(policy.ROLES)
        if exports.resource_of(kind) is None:  # an export's readers are its list's (gateway/tests/test_exports.py)
            assert "security" not in job_scopes.readers(kind)  # a guard reads neither bills nor owner lists


def held(role):
    """The roles an account of ``role`` holds: a maintenance supervisor's with technician, as he
    must be (users.refuse_a_supervisor_without_technician, review r5 of h5)."""
    base = roles_module.HELD_WITH.get(role)  # the security team's lead and supervisor with security (review r7)
    return [base, role] if base else [role]


@pytest.fixture
def role_token(accounts):
    return lambda role: accounts.user(f"only-{role.replace('_', '-')}", held(role), ["A"])


def _job(kind):
    spec = JOBS[kind]
    return {"id": spec["id"], "estate_id": "A", "kind": kind, "status": "succeeded",
            "progress": {"done": 2, "total": 2}, "result": spec["result"], "params": spec["params"],
            "created_at": "2026-11-01T00:00:00.000Z"}


@pytest.mark.parametrize("kind", sorted(JOBS))
@pytest.mark.parametrize("role", policy.ROLES)
def test_a_job_is_read_only_by_the_roles_of_its_kind(client, rpc, contract, role_token, monkeypatch, kind, role):
    monkeypatch.setattr(fanout, "job_services", lambda: ["archive", "customer_service", "finance", "maintenance",
                                                         "security_patrol"])
    rpc.answer(JOBS[kind]["service"], "get_job", _job(kind))
    answer = client.get(f"/api/v1/jobs/{JOBS[kind]['id']}", headers=bearer(role_token(role)))
    if set(held(role)) & job_scopes.readers(kind):
        assert contract.check(client.application, answer, 200)["kind"] == kind
    else:
        body = contract.problem(answer, 404, code="not_found", app=client.application)
        assert "result" not in body and "rows" not in answer.get_data(as_text=True)


def test_a_guard_gets_the_same_404_for_a_billing_run_as_for_no_job(client, rpc, contract, role_token, monkeypatch):
    monkeypatch.setattr(fanout, "job_services", lambda: ["finance"])
    guard = bearer(role_token("security"))
    rpc.answer("finance", "get_job", _job(job_scopes.BILLING_RUN))
    existing = contract.problem(client.get("/api/v1/jobs/job_finance_65a1", headers=guard), 404, app=client.application)
    rpc.answer("finance", "get_job", NotFound("no such job"))
    missing = contract.problem(client.get("/api/v1/jobs/job_finance_0000", headers=guard), 404, app=client.application)
    assert {k: v for k, v in existing.items() if k != "request_id"} == \
        {k: v for k, v in missing.items() if k != "request_id"}


def test_the_routes_that_start_or_read_jobs_admit_the_roles_of_the_table():
    by_rpc = {(route.service, route.rpc): route for route in ROUTES}
    assert by_rpc[("finance", "start_billing_run")].roles == job_scopes.starters(job_scopes.BILLING_RUN)
    assert by_rpc[("finance", "get_billing_run")].roles == job_scopes.readers(job_scopes.BILLING_RUN)


@pytest.mark.parametrize("role", policy.ROLES)
def test_only_the_starters_of_an_import_may_send_one(client, rpc, role_token, role):
    answer = client.post("/api/v1/estates/A/households/import", headers=bearer(role_token(role)),
                         data=b"building,unit,room,area_m2,owner_name,owner_phone\n1,1,101,50,A,13800138000\n",
                         content_type="text/csv")
    allowed = bool(set(held(role)) & job_scopes.starters(job_scopes.HOUSEHOLD_IMPORT))
    assert answer.status_code == (202 if allowed else 403), answer.get_data(as_text=True)
    assert len(rpc.calls_to("archive", "start_household_import")) == (1 if allowed else 0)


@pytest.mark.parametrize("role", policy.ROLES)
def test_only_the_starters_of_a_billing_run_may_start_one(client, rpc, role_token, role):
    answer = client.post("/api/v1/estates/A/billing-runs", headers=bearer(role_token(role)),
                         json={"period": "2026-11"})
    allowed = bool(set(held(role)) & job_scopes.starters(job_scopes.BILLING_RUN))
    assert answer.status_code == (202 if allowed else 403), answer.get_data(as_text=True)
    assert len(rpc.calls_to("finance", "start_billing_run")) == (1 if allowed else 0)
