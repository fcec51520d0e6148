"""finance today: health and the read copies that billing will run on."""
from estate_common.testing import event, worker
from finance.service import FinanceService


def test_health_answers_without_a_caller():
    assert worker(FinanceService, caller=None).health({})["status"] == "ok"


def test_household_areas_are_copied_from_archive_events_once_per_version():
    finance = worker(FinanceService)
    created = event("archive", "household_created", "est_1", {
        "id": "hh_1", "estate_id": "est_1", "building": "3", "unit": "1", "room": "1201",
        "area_m2": 89.37, "status": "occupied", "version": 1})
    finance.copy_household(created)
    finance.copy_household(created)
    copies = list(finance.db.households.find({"estate_id": "est_1"}))
    assert len(copies) == 1 and copies[0]["area_m2"] == 89.37
