"""The household import takes a file, not JSON: what the gateway checks and forwards."""
import base64

import pytest

from .conftest import bearer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = b"building,unit,room,area_m2,owner_name,owner_phone\n1,2,301,89.37,Zhang San,13800138000\n"
JOB = {"id": "job_archive_1", "estate_id": "A", "kind": "household_import", "status": "queued",
       "progress": {"done": 0, "total": None}, "result": None, "created_at": "2026-11-23T08:00:00.000Z"}


def upload(client, token, content=CSV, content_type="text/csv", estate="A", headers=None):
    return client.post(f"/api/v1/estates/{estate}/households/import", data=content,
                       headers={**bearer(token), "Content-Type": content_type, **(headers or {})})


@pytest.mark.parametrize("content_type, file_format", [("text/csv", "csv"), ("text/csv; charset=utf-8", "csv"),
                                                       (XLSX, "xlsx")])
def test_the_file_goes_to_archive_and_the_job_comes_back(client, rpc, contract, agent_a_token, content_type,
                                                         file_format):
    rpc.answer("archive", "start_household_import", JOB)
    response = upload(client, agent_a_token, content_type=content_type)
    assert contract.check(client.application, response, 202) == JOB
    sent = rpc.only_call("archive", "start_household_import")
    assert sent.payload == {"estate_id": "A", "data": {"format": file_format,
                                                       "content_base64": base64.b64encode(CSV).decode()}}
    assert sent.caller["user"] == "agent-a"


@pytest.mark.parametrize("filename, part_type, file_format", [
    ("homes.csv", "text/csv", "csv"), ("homes.xlsx", XLSX, "xlsx"),
    ("HOMES.CSV", "application/octet-stream", "csv"),  # by its name when the part's type says nothing
])
def test_a_form_upload_s_file_part_is_taken(client, rpc, contract, agent_a_token, filename, part_type, file_format):
    """API.md's "CSV or XLSX upload": a form upload (a browser's, ``curl -F file=@homes.csv``) was a
    415 (found by review)."""
    import io
    rpc.answer("archive", "start_household_import", JOB)
    response = client.post("/api/v1/estates/A/households/import", headers=bearer(agent_a_token),
                           data={"file": (io.BytesIO(CSV), filename, part_type)}, content_type="multipart/form-data")
    assert contract.check(client.application, response, 202) == JOB
    sent = rpc.only_call("archive", "start_household_import")
    assert sent.payload["data"] == {"format": file_format, "content_base64": base64.b64encode(CSV).decode()}


def test_a_form_without_a_spreadsheet_file_part_is_refused(client, rpc, contract, agent_a_token):
    import io
    path = "/api/v1/estates/A/households/import"
    no_file = client.post(path, headers=bearer(agent_a_token), data={"note": "x"}, content_type="multipart/form-data")
    contract.problem(no_file, 400, fields=["file"], app=client.application)
    pdf = client.post(path, headers=bearer(agent_a_token), data={"file": (io.BytesIO(b"%PDF"), "homes.pdf", "application/pdf")},
                      content_type="multipart/form-data")
    contract.problem(pdf, 415, app=client.application)
    assert rpc.calls_to("archive", "start_household_import") == []


def test_other_kinds_of_body_and_empty_files_are_refused(client, rpc, contract, agent_a_token):
    contract.problem(upload(client, agent_a_token, content_type="application/json"), 415, app=client.application)
    contract.problem(upload(client, agent_a_token, content_type="application/pdf"), 415, app=client.application)
    contract.problem(upload(client, agent_a_token, content=b""), 400, fields=["(file)"], app=client.application)
    assert rpc.calls_to("archive", "start_household_import") == []


def test_an_import_needs_the_role_and_the_estate(client, rpc, contract, accounts, agent_a_token):
    guard = accounts.user("guard-a", ["security"], ["A"])
    contract.problem(upload(client, guard), 403, app=client.application)
    contract.problem(upload(client, agent_a_token, estate="B"), 403, app=client.application)
    assert rpc.calls_to("archive", "start_household_import") == []


def test_a_retried_upload_with_its_key_is_answered_once(client, rpc, agent_a_token):
    rpc.answer("archive", "start_household_import", JOB)
    key = {"Idempotency-Key": "import-2026-11-23"}
    first = upload(client, agent_a_token, headers=key)
    again = upload(client, agent_a_token, headers=key)
    assert first.status_code == again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert len(rpc.calls_to("archive", "start_household_import")) == 1


# -- opening balances (期初欠费) from the previous company's list: CSV only, to finance ---------

OPENING = "楼栋,单元,房号,收费项目,月份,金额,单号\n3,1,101,物业服务费,2026-08,210.02,QD-1\n".encode()
OPENING_JOB = JOB | {"id": "job_finance_1", "kind": "opening_balance_import"}


def test_an_opening_balances_list_goes_to_finance_as_csv_and_only_fee_setters_send_one(client, rpc, contract,
                                                                                        accounts, agent_a_token):
    import io
    rpc.answer("finance", "start_opening_balance_import", OPENING_JOB)
    accountant = accounts.user("acc-a", ["accountant"], ["A"])
    path = "/api/v1/estates/A/opening-balances/import"
    response = client.post(path, data=OPENING, headers={**bearer(accountant), "Content-Type": "text/csv"})
    assert contract.check(client.application, response, 202) == OPENING_JOB
    sent = rpc.only_call("finance", "start_opening_balance_import")
    assert sent.payload == {"estate_id": "A", "data": {"format": "csv",
                                                       "content_base64": base64.b64encode(OPENING).decode()}}
    form = client.post(path, headers=bearer(accountant), content_type="multipart/form-data",
                       data={"file": (io.BytesIO(OPENING), "arrears.csv", "text/csv")})
    assert form.status_code == 202
    workbook = client.post(path, data=b"PK", headers={**bearer(accountant), "Content-Type": XLSX})
    contract.problem(workbook, 415, app=client.application)
    contract.problem(client.post(path, data=OPENING, headers={**bearer(agent_a_token), "Content-Type": "text/csv"}),
                     403, app=client.application)
    assert len(rpc.calls_to("finance", "start_opening_balance_import")) == 2
# -- opening credits (期初预收) from the previous company's list of prepayments: CSV only, to finance --

CREDITS = "楼栋,单元,房号,预收金额,单号\n3,1,101,500,YS-1\n".encode()
CREDITS_JOB = JOB | {"id": "job_finance_2", "kind": "opening_credit_import"}


def test_an_opening_credits_list_goes_to_finance_as_csv_and_only_fee_setters_send_one(client, rpc, contract,
                                                                                       accounts, agent_a_token):
    import io
    rpc.answer("finance", "start_opening_credit_import", CREDITS_JOB)
    accountant = accounts.user("acc-a", ["accountant"], ["A"])
    path = "/api/v1/estates/A/opening-credits/import"
    response = client.post(path, data=CREDITS, headers={**bearer(accountant), "Content-Type": "text/csv"})
    assert contract.check(client.application, response, 202) == CREDITS_JOB
    sent = rpc.only_call("finance", "start_opening_credit_import")
    assert sent.payload == {"estate_id": "A", "data": {"format": "csv",
                                                       "content_base64": base64.b64encode(CREDITS).decode()}}
    form = client.post(path, headers=bearer(accountant), content_type="multipart/form-data",
                       data={"file": (io.BytesIO(CREDITS), "prepaid.csv", "text/csv")})
    assert form.status_code == 202
    contract.problem(client.post(path, data=CREDITS, headers={**bearer(agent_a_token), "Content-Type": "text/csv"}),
                     403, app=client.application)
    assert len(rpc.calls_to("finance", "start_opening_credit_import")) == 2


# -- the equipment ledger's import (maintenance/equipment_imports.py) ----------------------------

EQUIPMENT_CSV = "code,name,system,location\nPUMP-1,Booster pump,water,B2\n".encode()
EQUIPMENT_JOB = dict(JOB, id="job_maintenance_1", kind="equipment_import")


def test_the_equipment_register_goes_to_maintenance_and_the_job_comes_back(client, rpc, contract, accounts):
    import io
    technician = accounts.user("tech-a", ["technician"], ["A"])
    rpc.answer("maintenance", "start_equipment_import", EQUIPMENT_JOB)
    response = client.post("/api/v1/estates/A/equipment/import", headers=bearer(technician),
                           data={"file": (io.BytesIO(EQUIPMENT_CSV), "ledger.csv", "text/csv")},
                           content_type="multipart/form-data")
    assert contract.check(client.application, response, 202) == EQUIPMENT_JOB
    sent = rpc.only_call("maintenance", "start_equipment_import")
    assert sent.payload == {"estate_id": "A", "data": {"format": "csv",
                                                       "content_base64": base64.b64encode(EQUIPMENT_CSV).decode()}}
    assert sent.caller["user"] == "tech-a"


def test_an_equipment_workbook_or_a_role_that_registers_no_equipment_is_refused(client, rpc, contract, accounts,
                                                                                agent_a_token):
    technician = accounts.user("tech-a", ["technician"], ["A"])
    path = "/api/v1/estates/A/equipment/import"
    workbook = client.post(path, data=b"PK", headers={**bearer(technician), "Content-Type": XLSX})
    contract.problem(workbook, 415, app=client.application)
    agent = client.post(path, data=EQUIPMENT_CSV, headers={**bearer(agent_a_token), "Content-Type": "text/csv"})
    contract.problem(agent, 403, app=client.application)
    assert rpc.calls_to("maintenance", "start_equipment_import") == []


# -- a handover weekend's batch from a spreadsheet (批量交房: archive/handover_batches.py) ----------

HANDOVER_CSV = "楼栋,单元,房号,交房日期,收房人\n3,1,1201,2026-11-21,张三\n".encode()
HANDOVER_JOB = dict(JOB, kind="handover_batch")


def test_a_handover_weekends_sheet_goes_to_archive_from_who_records_a_handover(client, rpc, contract, accounts):
    """The desk, the stewards and the archivist record a handover one by one; the same roles send the
    weekend's sheet (CSV or XLSX, as the household import's), a technician or a cashier no more."""
    import io
    steward = accounts.user("zhou", ["steward"], ["A"])
    rpc.answer("archive", "start_handover_import", HANDOVER_JOB)
    response = client.post("/api/v1/estates/A/handovers/import", headers=bearer(steward),
                           data={"file": (io.BytesIO(HANDOVER_CSV), "weekend.csv", "text/csv")},
                           content_type="multipart/form-data")
    assert contract.check(client.application, response, 202) == HANDOVER_JOB
    sent = rpc.only_call("archive", "start_handover_import")
    assert sent.payload == {"estate_id": "A", "data": {"format": "csv",
                                                       "content_base64": base64.b64encode(HANDOVER_CSV).decode()}}
    workbook = client.post("/api/v1/estates/A/handovers/import", data=b"PK\x03\x04",
                           headers={**bearer(steward), "Content-Type": XLSX})
    assert workbook.status_code == 202
    assert rpc.calls_to("archive", "start_handover_import")[-1].payload["data"]["format"] == "xlsx"
    for role in ("technician", "cashier"):
        other = accounts.user(f"{role}-a", [role], ["A"])
        refused = client.post("/api/v1/estates/A/handovers/import", data=HANDOVER_CSV,
                              headers={**bearer(other), "Content-Type": "text/csv"})
        contract.problem(refused, 403, app=client.application)
    assert len(rpc.calls_to("archive", "start_handover_import")) == 2
