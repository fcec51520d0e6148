"""Households exported by archive: the owner's name and phone as the API shows them to the roles
of who exported, and a file holding them in full downloaded only by roles that see them."""
import base64
import csv
import io

from datetime import timedelta

import pytest

from archive.service import ArchiveService
from estate_common import clock
from estate_common.errors import Forbidden, InvalidInput
from estate_common.testing import as_caller, staff, worker

from .test_service import ESTATE, HOUSEHOLD


@pytest.fixture
def archive():
    service = worker(ArchiveService)
    service.estate = service.create_estate({"data": ESTATE})["id"]
    service.create_household({"estate_id": service.estate, "data": HOUSEHOLD})
    service.create_household({"estate_id": service.estate, "data": {**HOUSEHOLD, "room": "=1+1"}})
    return service


def people(archive, *roles):
    return staff("-".join(roles), roles, [archive.estate])


def exported(archive, caller, **filters):
    as_caller(archive, caller)
    job = archive.start_export({"estate_id": archive.estate, "data": {"resource": "households", "format": "csv",
                                                                      "filters": filters}})
    archive.run_jobs()
    return archive.get_job({"id": job["id"]})


def rows(archive, caller, job):
    as_caller(archive, caller)
    part = archive.read_export({"estate_id": archive.estate, "id": job["id"], "n": 0})
    text = base64.b64decode(part["data_base64"]).decode("utf-8-sig")
    return sorted(csv.DictReader(io.StringIO(text, newline="")), key=lambda r: r["room"])


def test_the_front_desk_exports_owners_in_full_and_only_those_who_see_them_download_it(archive):
    agent, technician = people(archive, "agent"), people(archive, "technician")
    job = exported(archive, agent)
    assert job["result"]["personal_data_in_full"] == ["owner_name", "owner_phone"]
    listed = rows(archive, agent, job)
    assert [(r["room"], r["owner_name"], r["owner_phone"]) for r in listed] == [
        ("'=1+1", "李四", "13912345678"), ("1201", "李四", "13912345678")]
    with pytest.raises(Forbidden):
        rows(archive, technician, job)
    with pytest.raises(Forbidden):  # sees the owner's name in full, not the phone
        rows(archive, people(archive, "cashier"), job)


def test_engineering_exports_masked_owners(archive):
    job = exported(archive, people(archive, "technician"), building="3")
    assert job["result"]["personal_data_in_full"] == []
    assert {(r["owner_name"], r["owner_phone"]) for r in rows(archive, people(archive, "security"), job)} == {
        ("李*", "139****5678")}


def exported_in(archive, caller, language, file_format="csv"):
    as_caller(archive, caller)
    data = {"resource": "households", "format": file_format, **({"language": language} if language else {})}
    job = archive.start_export({"estate_id": archive.estate, "data": data})
    archive.run_jobs()
    job = archive.get_job({"id": job["id"]})
    part = archive.read_export({"estate_id": archive.estate, "id": job["id"], "n": 0})
    return job, base64.b64decode(part["data_base64"])


@pytest.mark.parametrize("language, heading, status", [
    (None, ["id", "building", "unit", "room", "area_m2", "status", "owner_name", "owner_phone", "created_at",
            "updated_at"], "vacant"),
    ("zh", ["编号（系统）", "楼栋", "单元", "房号", "面积（㎡）", "状态", "业主", "业主电话", "登记时间（Asia/Shanghai）",
            "更新时间（Asia/Shanghai）"], "空置"),
    ("en", ["Id", "Building", "Unit", "Room", "Area (m²)", "Status", "Owner", "Owner phone",
            "Registered at (Asia/Shanghai)", "Updated at (Asia/Shanghai)"], "Vacant"),
])
def test_households_export_in_the_readers_language_or_as_the_api_names_them(archive, language, heading, status):
    """An archivist in Chinese read ``vacant`` and UTC times: asked in a language, the headings are
    the fields' names and the status its label, the times on the estate's clock; the owner masked
    for who may not see him in full, as without one; asked in none, the file is as it was."""
    job, content = exported_in(archive, people(archive, "technician"), language)
    assert content.startswith(b"\xef\xbb\xbf")
    header, *cells = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert header == heading
    assert {(r[5], r[6], r[7]) for r in cells} == {(status, "李*", "139****5678")}
    assert job["params"].get("language") == language and ("language" in job["params"]) == bool(language)
    created = cells[0][8]
    assert created.endswith("Z") if language is None else created.count(":") == 2 and "T" not in created


@pytest.mark.parametrize("language, file_format", [("zh", "csv"), ("en", "xlsx")])
def test_a_households_export_in_a_language_is_read_back_by_the_import(archive, language, file_format):
    """The archivist exports the households in her language and imports the file (into another estate
    here): its headings and status labels are the import's too (estate_common.labels), where 面积（㎡）,
    业主电话, Owner and Vacant were no columns or statuses the import knew."""
    _, content = exported_in(archive, people(archive, "agent"), language, file_format)
    other = archive.create_estate({"data": {**ESTATE, "code": "HZ-02"}})["id"]
    as_caller(archive, staff("desk", ["agent"], [other]))
    job = archive.start_household_import({"estate_id": other, "data": {
        "format": file_format, "content_base64": base64.b64encode(content).decode()}})
    archive.run_jobs()
    assert archive.get_job({"id": job["id"]})["result"]["created"] == 2, archive.get_job({"id": job["id"]})
    imported = archive.list_households({"estate_id": other, "filters": {}})["items"]
    assert sorted((h["room"], h["status"], h["owner"]["phone"], h["area_m2"]) for h in imported) == [
        ("1201", "vacant", "13912345678", 89.37), ("=1+1", "vacant", "13912345678", 89.37)]


def test_an_export_with_updated_since_has_what_the_sync_would_read_in_its_order(archive):
    """The list's schema took updated_since and the export asked a field of that name to equal the
    moment: the file came out empty. It holds the households changed since then, in the order of
    their changes (the sync's ``(updated_at, id)``), with their updated_at."""
    agent = people(archive, "agent")
    clock.advance(timedelta(hours=1))
    since = clock.now_iso()
    as_caller(archive, agent)
    third = archive.create_household({"estate_id": archive.estate, "data": {**HOUSEHOLD, "room": "103"}})
    clock.advance(timedelta(minutes=1))
    [first] = [h for h in archive.list_households({"estate_id": archive.estate, "filters": {}})["items"]
               if h["room"] == HOUSEHOLD["room"]]
    moved = archive.update_household({"estate_id": archive.estate, "id": first["id"], "data": {"area_m2": 101.5}})
    job = exported(archive, agent, updated_since=since)
    assert job["status"] == "succeeded" and job["result"]["rows"] == 2, job
    part = archive.read_export({"estate_id": archive.estate, "id": job["id"], "n": 0})
    listed = list(csv.DictReader(io.StringIO(base64.b64decode(part["data_base64"]).decode("utf-8-sig"), newline="")))
    assert [(r["id"], r["updated_at"]) for r in listed] == [(third["id"], third["updated_at"]),
                                                             (first["id"], moved["updated_at"])]
    assert since <= third["updated_at"] < moved["updated_at"]
    clock.advance(timedelta(seconds=1))
    assert exported(archive, agent, updated_since=clock.now_iso())["result"]["rows"] == 0
    with pytest.raises(InvalidInput):
        exported(archive, agent, updated_since="yesterday")


def test_an_export_with_sort_address_is_in_the_lists_address_order(archive):
    """With sort=address the list reads the households in their address order and the export,
    which says it keeps the list's order, wrote them in the order they were registered (before the
    list's updated_since was read, sort=address was asked as a field and the file came out empty).
    With updated_since too it is refused as the list refuses it, not a file in the change order."""
    agent = people(archive, "agent")
    as_caller(archive, agent)
    for room in ("903", "101", "502"):
        archive.create_household({"estate_id": archive.estate, "data": {**HOUSEHOLD, "room": room}})
    listed = [h["id"] for h in archive.list_households({"estate_id": archive.estate,
                                                         "filters": {"sort": "address"}})["items"]]
    job = exported(archive, agent, sort="address")
    assert job["status"] == "succeeded", job
    part = archive.read_export({"estate_id": archive.estate, "id": job["id"], "n": 0})
    written = csv.DictReader(io.StringIO(base64.b64decode(part["data_base64"]).decode("utf-8-sig"), newline=""))
    assert [r["id"] for r in written] == listed
    with pytest.raises(InvalidInput) as refused:
        exported(archive, agent, sort="address", updated_since=clock.now_iso())
    assert refused.value.errors[0]["field"] == "data.filters.sort"


def test_the_stewards_vacant_unit_inspections_are_exported_with_their_flats_and_problems(archive):
    """空置房巡查 could be listed and not exported: the steward's month of inspections was copied from
    each household's page (a probe of the steward's month). The front desk exports them with the list's
    filters, each with its flat and its problems in one cell; a number in the note is the desk's to
    see, masked for the manager's readers who do not see residents' phones (none of the list's: the
    file holds it in full, refused to those roles)."""
    steward = people(archive, "steward")
    [household] = [h for h in archive.list_households({"estate_id": archive.estate})["items"] if h["room"] == "1201"]
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))
    as_caller(archive, steward)
    archive.record_vacant_inspection({"estate_id": archive.estate, "id": household["id"], "data": {
        "inspected_on": "2026-11-20", "note": "钥匙在前台，业主电话13912345678",
        "problems": [{"description": "天花板渗水", "location": "主卧"}, {"description": "窗户未关"}]}})
    as_caller(archive, steward)
    job = archive.start_export({"estate_id": archive.estate, "data": {
        "resource": "vacant_inspections", "format": "csv", "language": "zh",
        "filters": {"household_id": household["id"]}}})
    archive.run_jobs()
    job = archive.get_job({"id": job["id"]})
    assert job["status"] == "succeeded" and job["result"]["rows"] == 1
    assert job["result"]["personal_data_in_full"] == ["numbers_in_text"]
    part = archive.read_export({"estate_id": archive.estate, "id": job["id"], "n": 0})
    [row] = list(csv.DictReader(io.StringIO(base64.b64decode(part["data_base64"]).decode("utf-8-sig"), newline="")))
    assert (row["楼栋"], row["单元"], row["房号"], row["问题数"]) == ("3", "1", "1201", "2")
    assert row["问题"] == "1. 天花板渗水 (主卧); 2. 窗户未关" and "13912345678" in row["备注"]
    with pytest.raises(Forbidden):  # the list's readers only
        as_caller(archive, people(archive, "accountant"))
        archive.start_export({"estate_id": archive.estate, "data": {"resource": "vacant_inspections", "format": "csv"}})
    with pytest.raises(InvalidInput):  # the list's filters only
        as_caller(archive, steward)
        archive.start_export({"estate_id": archive.estate, "data": {"resource": "vacant_inspections", "format": "csv",
                                                                    "filters": {"status": "vacant"}}})
