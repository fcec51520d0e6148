"""Households from a spreadsheet imported in a job, through archive's entrypoints (the embedded
store, no broker); reading the file itself: unit/test_imports.py."""
import base64

import pytest

from archive.service import ArchiveService
from estate_common.errors import InvalidInput, NotFound
from estate_common.testing import ADMIN, as_caller, staff, worker

HEADER = "building,unit,room,area_m2,owner_name,owner_phone\n"


def csv_bytes(*rows, header=HEADER, encoding="utf-8"):
    return (header + "".join(row + "\n" for row in rows)).encode(encoding)


# -- importing ----------------------------------------------------------------------

@pytest.fixture
def archive():
    service = worker(ArchiveService)
    estate = service.create_estate({"data": {"code": "IMP-1", "name": "Import Court", "address": "1 Road"}})
    service.estate_id = estate["id"]
    return service


def start(archive, content, file_format="csv", caller=None):
    as_caller(archive, caller or staff("desk-1", ["agent"], [archive.estate_id]))
    return archive.start_household_import({"estate_id": archive.estate_id, "data": {
        "format": file_format, "content_base64": base64.b64encode(content).decode()}})


def test_an_import_creates_each_household_once_and_reports_the_rows_it_refused(archive):
    content = csv_bytes("1,2,301,89.37,Zhang San,13800138000",
                        "1,2,302,-5,Li Si,13900139000",            # a negative area
                        "1,2,303,70.123,Wang Wu,13700137000",       # more than two decimals
                        "1,2,304,60,Zhao Liu,not-a-phone",
                        "1,2,301,89.37,Zhang San,13800138000")     # the first row again
    job = start(archive, content)
    assert job["status"] == "queued" and job["params"] == {"format": "csv", "rows": 5}
    archive.run_jobs()
    done = archive.get_job({"id": job["id"]})
    assert done["status"] == "succeeded" and done["progress"] == {"done": 5, "total": 5}
    assert {k: done["result"][k] for k in ("rows", "created", "existing", "rejected")} == {
        "rows": 5, "created": 1, "existing": 1, "rejected": 3}
    assert sorted((e["row"], e["field"]) for e in done["result"]["errors"]) == [
        (3, "area_m2"), (4, "area_m2"), (5, "owner.phone")]
    created = archive.outbox.of_type("household_created")
    assert len(created) == 1 and created[0]["actor"] == "desk-1"  # the importer, though a timer ran it
    assert "13800138000" not in str(created[0])  # events carry no personal data


def test_importing_the_same_file_again_creates_nothing(archive):
    content = csv_bytes("1,2,301,89.37,Zhang San,13800138000", "1,2,302,100,Li Si,13900139000")
    start(archive, content)
    archive.run_jobs()
    second = start(archive, content)
    archive.run_jobs()
    assert archive.get_job({"id": second["id"]})["result"]["created"] == 0
    assert archive.db.households.count_documents({"estate_id": archive.estate_id}) == 2


def test_a_bad_file_is_refused_before_any_job(archive):
    with pytest.raises(InvalidInput):
        start(archive, b"just,some,words\n")
    with pytest.raises(InvalidInput):
        archive.start_household_import({"estate_id": archive.estate_id,
                                        "data": {"format": "csv", "content_base64": "%%%"}})
    assert archive.db.jobs.count_documents({}) == 0


def test_a_job_of_another_estate_is_not_found(archive):
    job = start(archive, csv_bytes("1,2,301,89.37,Zhang San,13800138000"))
    as_caller(archive, staff("other", ["agent"], ["est_elsewhere"]))
    with pytest.raises(NotFound):
        archive.get_job({"id": job["id"]})
    as_caller(archive, ADMIN)
    assert archive.get_job({"id": job["id"]})["id"] == job["id"]
