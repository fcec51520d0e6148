"""One estate with an object of most kinds, made through the public API, so that the fuzzer's
paths can name ids that exist (path parameter name -> a real id)."""
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests


class Seeder:
    def __init__(self, base_url, token):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def post(self, path, body, wait=False):
        """The created object; ``wait``: retry a 422 while the services' copies of what it names
        (the estate, the household) arrive over the bus."""
        deadline = time.monotonic() + 15
        while True:
            answer = self.session.post(self.base_url + path, json=body, timeout=30)
            if answer.status_code == 422 and wait and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            assert answer.status_code in (200, 201, 202), f"POST {path}: {answer.status_code} {answer.text}"
            return answer.json()

    def first(self, path, wait=True):
        deadline = time.monotonic() + 15
        while True:
            items = self.session.get(self.base_url + path, timeout=30).json().get("items") or []
            if items or not wait or time.monotonic() > deadline:
                return items[0]["id"] if items else None
            time.sleep(0.2)


def seed(base_url, token):
    s = Seeder(base_url, token)
    estate = s.post("/api/v1/estates", {"code": "FZ-" + uuid.uuid4().hex[:6].upper(), "name": "Fuzz Court",
                                        "address": "1 Fuzz Rd"})["id"]
    e = f"/api/v1/estates/{estate}"
    household = s.post(f"{e}/households", {"building": "1", "unit": "1", "room": "101", "area_m2": 88.5,
                                           "owner": {"name": "Li Si", "phone": "13800138000"}})["id"]
    creates = {  # path parameter -> (path, body); wait: the service needs its copy of the estate or household
        "user_id": ("/api/v1/users", {"username": "fz" + uuid.uuid4().hex[:8], "password": "fuzz-staff-password",
                                      "roles": ["agent"], "estate_ids": [estate]}),
        "request_id": (f"{e}/service-requests", {"kind": "repair", "household_id": household, "channel": "phone",
                                                 "description": "tap drips"}),
        "survey_id": (f"{e}/surveys", {"title": "Year survey", "year": 2026, "service_lines": ["front_desk"]}),
        "key_id": (f"{e}/keys", {"label": "Room 101 spare"}),
        "item_id": (f"{e}/custody-items", {"description": "a parcel", "deposited_by": "Li Si"}),
        "loan_id": (f"{e}/tool-loans", {"tool": "ladder", "borrower": "Li Si"}),
        "application_id": (f"{e}/applications", {"kind": "renovation", "household_id": household,
                                                 "structural_change": True, "description": "new kitchen"}),
        "equipment_id": (f"{e}/equipment", {"code": "PUMP-1", "name": "pump", "system": "water",
                                            "location": "basement"}),
        "standard_id": (f"{e}/fee-standards", {"item": "property_service", "cycle": "monthly",
                                               "unit_price_cents_per_m2": 235}),
        "incident_id": (f"{e}/incidents", {"type": "flooding", "description": "water in B1", "location": "B1"}),
        "borrow_id": (f"{e}/archive/borrow-requests", {"subject_id": household, "purpose": "audit", "kind": "view"}),
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        made = {name: pool.submit(s.post, path, body, True) for name, (path, body) in creates.items()}
        ids = {name: future.result()["id"] for name, future in made.items()}
        # made by other services from the events of the request and the application
        ids["work_order_id"] = s.first(f"{e}/work-orders")
        ids["review_id"] = s.first(f"{e}/renovation-reviews")
    return ids | {"estate_id": estate, "household_id": household}
