"""The equipment ledger imported from a CSV register (设备台账导入), against the fake gateway: the file
sent, then the job followed to its rows created, there already and refused."""
import io

from .conftest import ESTATE, csrf_of, sign_in
from .test_setup_screens import _only_documented


def test_an_equipment_import_sends_the_csv_then_follows_the_job_to_its_refused_rows(client, fake, documented_routes):
    sign_in(client, fake, username="chen", roles=("technician",))
    running = {"id": "job_maintenance_1", "estate_id": ESTATE, "kind": "equipment_import", "status": "running",
               "progress": {"done": 1, "total": 3}, "result": None, "created_at": "2026-12-01T00:00:00Z"}
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/import", (202, {**running, "status": "queued"}))
    fake.on("GET", r"/api/v1/jobs/job_maintenance_1", running)
    assert "/engineering/equipment/import" in client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    form = client.get("/engineering/equipment/import", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "设备编号" in form and 'accept=".csv"' in form
    content = "code,name,system,location\nPUMP-1,Booster pump,water,B2\n".encode()
    answer = client.post("/engineering/equipment/import", data={
        "csrf_token": csrf_of(client), "idempotency_key": "eq1", "file": (io.BytesIO(content), "ledger.csv")},
        content_type="multipart/form-data")
    assert answer.status_code == 302 and answer.location.endswith("/engineering/equipment/import/job_maintenance_1")
    upload = [c for c in fake.calls if c["method"] == "POST"][-1]
    assert upload["data"] == content and upload["headers"]["Content-Type"] == "text/csv"
    assert upload["headers"]["Idempotency-Key"] == "eq1"
    fake.on("GET", r"/api/v1/jobs/job_maintenance_1", {**running, "status": "succeeded",
                                                       "progress": {"done": 3, "total": 3},
                                                       "result": {"rows": 3, "created": 1, "existing": 1,
                                                                  "rejected": 1, "errors": [
                                                                      {"row": 4, "field": "code",
                                                                       "message": "is taken in this estate"}]}})
    page = client.get(answer.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Rejected rows" in page and '<td class="num">4</td>' in page and "data-job-reload" not in page
    calls = len(fake.calls)
    client.post("/engineering/equipment/import", data={
        "csrf_token": csrf_of(client), "file": (io.BytesIO(b"x"), "ledger.xlsx")}, content_type="multipart/form-data")
    assert len(fake.calls) == calls  # only a .csv reaches the gateway
    _only_documented(fake, documented_routes)
