"""The web console in a real browser (Debian's Chromium) against the real system, console included."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from .conftest import ADMIN_PASSWORD, ARTIFACTS, run_scenario

pytestmark = pytest.mark.e2e
STAFF_PASSWORD = "browser-staff-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def settings(system, api, chromium):
    code = "BR" + uuid.uuid4().hex[:6].upper()
    estate = api.post("/api/v1/estates", {"code": code, "name": f"Browser Gardens {code}", "address": "1 Test Road"})
    api.post(f"/api/v1/estates/{estate['id']}/households", {
        "building": "3", "unit": "1", "room": "1202", "area_m2": 89.5,
        "owner": {"name": "Li Lei", "phone": "13800000000"}})
    # a second estate, so that the dashboard compares two
    api.post("/api/v1/estates", {"code": code + "B", "name": f"River Court {code}", "address": "2 Test Road"})
    # this month on the estates' default clock (Asia/Shanghai), for the billing run and the KPIs
    period = (datetime.now(timezone.utc) + timedelta(hours=8)).strftime("%Y-%m")
    standard = api.post(f"/api/v1/estates/{estate['id']}/fee-standards", {
        "item": "property_service", "unit_price_cents_per_m2": 250, "cycle": "monthly", "valid_from": period})
    api.post(f"/api/v1/estates/{estate['id']}/fee-standards/{standard['id']}/approve", {})
    suffix = uuid.uuid4().hex[:6]
    for username, role in ((f"cashier-{suffix}", "cashier"), (f"agent-{suffix}", "agent")):
        api.post("/api/v1/users", {"username": username, "password": STAFF_PASSWORD, "roles": [role],
                                   "estate_ids": [estate["id"]]})
    return {"console": system.console_url, "admin_password": ADMIN_PASSWORD, "estate_name": estate["name"],
            "chromium": chromium, "artifacts": str(ARTIFACTS), "period": period, "staff_password": STAFF_PASSWORD,
            "cashier": f"cashier-{suffix}", "agent": f"agent-{suffix}"}


def test_admin_registers_a_complaint_and_finds_it_in_the_register(settings):
    run_scenario("complaint_in_register", settings)


def test_sign_in_sign_out_and_switching_language(settings):
    run_scenario("sign_in_out_and_language", settings)


def test_a_day_in_accounts_and_the_dashboard(settings):
    run_scenario("accounts_day", settings)
