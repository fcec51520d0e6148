"""security-patrol today: health and the read copy of estates."""
from estate_common.testing import event, worker
from security_patrol.service import SecurityPatrolService


def test_health_reports_the_embedded_store():
    answer = worker(SecurityPatrolService, caller=None).health({})
    assert answer["service"] == "security_patrol" and answer["store"] == "embedded"


def test_estates_are_copied_from_archive_events():
    patrol = worker(SecurityPatrolService)
    patrol.copy_estate(event("archive", "estate_created", "est_1", {
        "id": "est_1", "estate_id": "est_1", "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd",
        "version": 1}))
    assert patrol.db.estates.find_one({"_id": "est_1"})["code"] == "HZ-01"
