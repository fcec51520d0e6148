"""A handover weekend's batch (批量交房), against the fake gateway: the sheet sent, then the job
followed to its flats handed over and its rows rejected with their reasons."""
import io

from .conftest import ESTATE, csrf_of, sign_in
from .test_setup_screens import _only_documented

SHEET = "楼栋,单元,房号,交房日期,收房人,钥匙数,钥匙保管,验房问题,带问题收房\n3,1,1201,2026/11/21,张三,3,前台,,\n".encode()


def test_a_handover_weekends_sheet_is_sent_then_its_job_shows_the_flats_and_the_rows_rejected(client, fake,
                                                                                            documented_routes):
    sign_in(client, fake, username="zhou", roles=("steward",))
    running = {"id": "job_archive_9", "estate_id": ESTATE, "kind": "handover_batch", "status": "running",
               "progress": {"done": 1, "total": 3}, "result": None, "created_at": "2026-11-22T00:00:00Z"}
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/handovers/import", (202, {**running, "status": "queued"}))
    fake.on("GET", r"/api/v1/jobs/job_archive_9", running)
    assert "/households/handover-batch" in client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    form = client.get("/households/handover-batch", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "批量交房" in form and "交房日期" in form and 'accept=".csv,.xlsx"' in form
    answer = client.post("/households/handover-batch", data={
        "csrf_token": csrf_of(client), "idempotency_key": "hb1", "file": (io.BytesIO(SHEET), "weekend.csv")},
        content_type="multipart/form-data")
    assert answer.status_code == 302 and answer.location.endswith("/households/handover-batch/job_archive_9")
    upload = [c for c in fake.calls if c["method"] == "POST"][-1]
    assert upload["data"] == SHEET and upload["headers"]["Content-Type"] == "text/csv"
    assert upload["headers"]["Idempotency-Key"] == "hb1"
    page = client.get(answer.location, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "data-job-reload" in page
    fake.on("GET", r"/api/v1/jobs/job_archive_9", {**running, "status": "succeeded", "progress": {"done": 3, "total": 3},
                                                   "result": {"rows": 3, "handed_over": 1, "defects_found": 0,
                                                              "rejected": 2, "errors": [
                                                                  {"row": 3, "field": "kind", "code": "handed_over",
                                                                   "reason": "该房屋已于 2026-11-10 交房，不能再次交房"},
                                                                  {"row": 4, "field": "room", "code": "unknown_flat",
                                                                   "reason": "房屋未登记：请核对楼栋、单元、房号"}]}})
    page = client.get(answer.location, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "该房屋已于 2026-11-10 交房，不能再次交房" in page and '<td class="num">4</td>' in page
    assert "已交房" in page and "data-job-reload" not in page
    english = client.get(answer.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The flat was handed over already" in english and "No such flat" in english
    calls = len(fake.calls)
    client.post("/households/handover-batch", data={
        "csrf_token": csrf_of(client), "file": (io.BytesIO(b"x"), "weekend.pdf")}, content_type="multipart/form-data")
    assert len(fake.calls) == calls  # only a .csv or .xlsx reaches the gateway
    _only_documented(fake, documented_routes)


def test_a_role_that_records_no_handover_is_offered_no_batch(client, fake):
    sign_in(client, fake, username="wang", roles=("technician",))
    assert "/households/handover-batch" not in client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
