"""Exports through the gateway over HTTP: service requests as CSV and bills as XLSX, each a job
of the service that owns the resource; the file downloaded by a role that may read the list,
refused (403) to one that may not, and refused (410) once its link has expired.

The shared system keeps export links for 12 s only (conftest's ``SHARED_SETTINGS``), so the
expiry is seen without a frozen clock.
"""
import csv
import io
import time

import openpyxl
import pytest

from estate_common import clock

from .flows import eventually, finished_job, new_estate, new_household, new_user, register

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

@pytest.fixture(scope="module")
def site(api, admin):
    estate = new_estate(api, admin, name="Cedar Row")["id"]
    staff = {role: new_user(api, admin, [role], [estate])[1]
             for role in ("agent", "accountant", "manager", "security", "technician")}
    household = new_household(api, staff["agent"], estate, room="1203", area_m2=100, building="7")
    return {"estate": estate, "base": f"/api/v1/estates/{estate}", "household": household["id"], **staff}


def export(api, site, token, body):
    started = api.post(f"{site['base']}/exports", body, token)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"
    return finished_job(api, token, started.json()["id"])


def test_service_requests_as_csv_for_the_desk_and_not_for_security(api, site):
    register(api, site["agent"], site["estate"], site["household"], description="=HYPERLINK(\"http://evil\")")
    register(api, site["agent"], site["estate"], site["household"], kind="consultation", description="opening hours?")
    refused = api.post(f"{site['base']}/exports", {"resource": "service_requests", "format": "csv"}, site["security"])
    assert refused.status_code == 403
    bad = api.post(f"{site['base']}/exports", {"resource": "service_requests", "format": "csv",
                                               "filters": {"kind": "enquiry"}}, site["agent"])
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "filters.kind"

    job = export(api, site, site["agent"], {"resource": "service_requests", "format": "csv",
                                            "filters": {"kind": "repair"}})
    assert job["result"]["rows"] == 1
    link = job["result"]["download"]
    assert link == f"{site['base']}/exports/{job['id']}/file"
    downloaded = api.get(link, site["manager"])  # management reads every request the desk does
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.headers["Content-Type"].startswith("text/csv")
    assert downloaded.content.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(io.StringIO(downloaded.content.decode("utf-8-sig"), newline="")))
    assert row["kind"] == "repair" and row["description"] == "'=HYPERLINK(\"http://evil\")"
    assert api.get(link, site["security"]).status_code == 403
    assert api.get(link, site["accountant"]).status_code == 403
    # a technician reads only the repairs his work orders come from: not the desk's file of them all,
    # and his own export holds none of them (none of their orders is his)
    assert api.get(link, site["technician"]).status_code == 403
    own = export(api, site, site["technician"], {"resource": "service_requests", "format": "csv"})
    assert own["result"]["rows"] == 0
    assert api.get(own["result"]["download"], site["technician"]).status_code == 200


def test_bills_as_xlsx_for_finance_and_an_expired_link_refused(api, site):
    base, accountant, manager = site["base"], site["accountant"], site["manager"]
    standard = api.post(f"{base}/fee-standards", {"item": "property_service", "unit_price_cents_per_m2": 235,
                                                  "cycle": "monthly", "valid_from": "2026-01"}, accountant).json()
    assert api.post(f"{base}/fee-standards/{standard['id']}/approve", None, manager).status_code == 200
    period = time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))

    def billed():
        run = api.post(f"{base}/billing-runs", {"period": period}, accountant).json()
        finished_job(api, accountant, run["id"])
        return api.get(f"{base}/bills?limit=10", accountant).json()["items"]  # the household copy may lag
    [bill] = eventually(billed)

    job = export(api, site, accountant, {"resource": "bills", "format": "xlsx", "filters": {"status": "unpaid"}})
    link = job["result"]["download"]
    downloaded = api.get(link, site["agent"])  # the front desk reads bills (it collects)
    assert downloaded.status_code == 200
    assert downloaded.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(downloaded.content)).active.iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) == 2 and rows[1][header.index("id")] == bill["id"]
    assert rows[1][header.index("amount_yuan")] == 235  # an XLSX is read by people: yuan
    assert api.get(link, site["technician"]).status_code == 403

    expires = clock.parse_iso(job["result"]["expires_at"]).timestamp()
    time.sleep(max(0.0, expires - time.time()) + 0.5)
    gone = api.get(link, accountant)
    assert gone.status_code == 410 and gone.json()["code"] == "gone"


def test_a_household_export_carries_the_estate_s_custom_fields_as_columns(api, site):
    """Each custom field of households (archived ones too: their values stay) is a column
    ``custom.<key>`` after the household's own, the heading the household import reads back."""
    base, manager, agent = site["base"], site["manager"], site["agent"]
    for key, kind in (("pets", "bool"), ("parking_slot", "text")):
        defined = api.post(f"{base}/custom-fields", {"resource": "household", "key": key, "type": kind,
                                                     "label": {"zh": key, "en": key}}, manager)
        assert defined.status_code == 201, defined.text
    created = api.post(f"{base}/households", {"building": "8", "unit": "1", "room": "0801", "area_m2": 80,
                                              "owner": {"name": "周一", "phone": "13900000001"},
                                              "custom": {"pets": True, "parking_slot": "=B-12"}}, agent)
    assert created.status_code == 201, created.text
    assert api.call("DELETE", f"{base}/custom-fields/household/pets", manager).status_code == 200

    job = export(api, site, agent, {"resource": "households", "format": "csv", "filters": {"building": "8"}})
    downloaded = api.get(job["result"]["download"], agent)
    assert downloaded.status_code == 200, downloaded.text
    [row] = list(csv.DictReader(io.StringIO(downloaded.content.decode("utf-8-sig"), newline="")))
    assert row["room"] == "0801"
    assert row["custom.pets"] == "true" and row["custom.parking_slot"] == "'=B-12"  # escaped like any cell


def test_the_stewards_owner_contacts_and_vacant_inspections_as_csv_in_chinese(api, site):
    """The steward's month, exported through the gateway where it was copied by hand (a probe of the
    steward's month): her owner contacts by customer service, her vacant-unit inspections by archive,
    each row naming its flat; the accountant, who reads neither list, may not export them."""
    now = clock.now()
    contact = api.post(f"{site['base']}/owner-contacts", {
        "household_id": site["household"], "kind": "steward_contact", "channel": "phone",
        "contacted_at": clock.to_iso(now), "summary": "问了电梯噪音"}, site["agent"])
    assert contact.status_code == 201, contact.text
    inspection = api.post(f"{site['base']}/households/{site['household']}/vacant-inspections", {
        "inspected_on": clock.to_iso(now)[:10], "problems": [{"description": "窗户未关", "location": "客厅"}]},
        site["agent"])
    assert inspection.status_code == 201, inspection.text
    for resource, rows in (("owner_contacts", 1), ("vacant_inspections", 1)):
        assert api.post(f"{site['base']}/exports", {"resource": resource, "format": "csv"},
                        site["accountant"]).status_code == 403
        job = export(api, site, site["agent"], {"resource": resource, "format": "csv", "language": "zh",
                                                "filters": {"household_id": site["household"]}})
        assert job["result"]["rows"] == rows, resource
        downloaded = api.get(job["result"]["download"], site["manager"])
        assert downloaded.status_code == 200, downloaded.text
        listed = list(csv.DictReader(io.StringIO(downloaded.content.decode("utf-8-sig"), newline="")))
        assert all(row["楼栋"] == "7" and row["房号"] == "1203" for row in listed), listed
