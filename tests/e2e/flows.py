"""Steps the end-to-end tests share: making estates, staff and households through the
gateway, registering requests, and waiting for what travels over the bus."""
import time
import uuid
from datetime import datetime, timedelta, timezone

STAFF_PASSWORD = "staff-password-long-enough"
PHONE = "13912345678"


def eventually(probe, seconds=15, interval=0.1):
    """The first truthy answer of ``probe``; events take a moment to travel."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("the condition did not come true in time")


def new_estate(api, admin, name="Harbour View"):
    # 12 hex digits: with 6, the 500 estates of one test met a code taken before about once in
    # a hundred runs (a birthday's odds), and the create was a 409
    code = "E2E-" + uuid.uuid4().hex[:12].upper()
    answer = api.post("/api/v1/estates", {"code": code, "name": name, "address": "88 Harbour Rd"}, admin)
    assert answer.status_code == 201, answer.text
    return answer.json()


def new_user(api, admin, roles, estate_ids):
    """``(username, token)`` of a new staff account."""
    username = f"u{uuid.uuid4().hex[:10]}"
    answer = api.post("/api/v1/users", {"username": username, "password": STAFF_PASSWORD, "roles": roles,
                                        "estate_ids": estate_ids}, admin)
    assert answer.status_code == 201, answer.text
    return username, api.token(username, STAFF_PASSWORD)


def new_household(api, token, estate_id, room="1801", area_m2=89.37, building="5"):
    answer = api.post(f"/api/v1/estates/{estate_id}/households", {
        "building": building, "unit": "1", "room": room, "area_m2": area_m2,
        "owner": {"name": "陈小明", "phone": PHONE}}, token)
    assert answer.status_code == 201, answer.text
    return answer.json()


def register(api, token, estate_id, household_id, kind="repair", headers=None, description="pipe burst in kitchen",
             contact=None):
    """Register a request once customer-service has its copy of the household (``contact``: who
    called, when given)."""
    body = {"kind": kind, "household_id": household_id, "channel": "phone", "description": description,
            **({"contact": contact} if contact else {})}

    def attempt():
        answer = api.post(f"/api/v1/estates/{estate_id}/service-requests", body, token, headers=headers)
        return answer if answer.status_code != 422 else None
    answer = eventually(attempt)
    assert answer.status_code == 201, answer.text
    return answer


def finished_job(api, token, job_id):
    """The job once it has ended; it must have succeeded."""
    job = eventually(lambda: (lambda j: j if j["status"] in ("succeeded", "failed") else None)(
        api.get(f"/api/v1/jobs/{job_id}", token).json()))
    assert job["status"] == "succeeded", job
    return job


def billed_in(api, base, accountant, household_id, period):
    """A billing run of ``period`` (a new run bills only what was not billed): the household's bills of it."""
    started = api.post(f"{base}/billing-runs", {"period": period}, accountant)
    assert started.status_code == 202, started.text
    finished_job(api, accountant, started.json()["id"])
    bills = api.get(f"{base}/bills?household_id={household_id}&limit=200", accountant).json()["items"]
    return [b for b in bills if b["period"] == period]


def catching_up_years(api, manager, estate_id):
    """Let the estate's billing runs name periods up to ten years back (finance's
    ``catch_up_months``, 12 by default): tests that need a fresh month for each try take old ones."""
    answer = api.call("PUT", f"/api/v1/estates/{estate_id}/settings/finance", manager, json={"catch_up_months": 120})
    assert answer.status_code == 200, answer.text


def problem(answer, status):
    """The problem+json body of an answer that must be ``status``."""
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json"), answer.headers
    return answer.json()


def at(hours):
    """An instant ``hours`` from now, as the API writes one (UTC)."""
    moment = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
