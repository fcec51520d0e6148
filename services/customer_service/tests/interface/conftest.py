"""A customer-service worker on the embedded store, with an estate and two households copied in."""
import pytest

from customer_service.service import CustomerService
from estate_common.testing import event, staff, worker

ESTATE = "est_1"


@pytest.fixture
def desk():
    desk = worker(CustomerService, caller=staff("zhang", ["agent"], [ESTATE]))
    desk.copy_estate(event("archive", "estate_created", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd", "version": 1}))
    for number, (room, area) in enumerate((("1201", 89.37), ("1202", 120.5)), start=1):
        desk.copy_household(event("archive", "household_created", ESTATE, {
            "id": f"hh_{number}", "estate_id": ESTATE, "building": "3", "unit": "1", "room": room,
            "area_m2": area, "status": "occupied", "version": 1}))
    return desk
