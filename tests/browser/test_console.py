"""The web console in a real browser (Debian's Chromium) against the real system, console included."""
import uuid

import pytest

from .conftest import ADMIN_PASSWORD, ARTIFACTS, run_scenario

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def settings(system, api, chromium):
    code = "BR" + uuid.uuid4().hex[:6].upper()
    estate = api.post("/api/v1/estates", {"code": code, "name": f"Browser Gardens {code}", "address": "1 Test Road"})
    api.post(f"/api/v1/estates/{estate['id']}/households", {
        "building": "3", "unit": "1", "room": "1202", "area_m2": 89.5,
        "owner": {"name": "Li Lei", "phone": "13800000000"}})
    return {"console": system.console_url, "admin_password": ADMIN_PASSWORD, "estate_name": estate["name"],
            "chromium": chromium, "artifacts": str(ARTIFACTS)}


def test_admin_registers_a_complaint_and_finds_it_in_the_register(settings):
    run_scenario("complaint_in_register", settings)


def test_sign_in_sign_out_and_switching_language(settings):
    run_scenario("sign_in_out_and_language", settings)
