"""防台通知 to several estates (the gateway's ``POST /api/v1/notices``): each estate's notice is
created under the one Idempotency-Key; each is that estate's own (its id, its event), and a retry
finds each estate's first notice, publishing none twice."""
from estate_common import clock
from estate_common.testing import as_caller, event, staff, worker
from customer_service.service import CustomerService

OPERATOR = staff("ops", ["operator_admin"], ["*"])
WARNING = {"title": "防台通知", "body": "台风今夜登陆, 请关好门窗.", "until": "2026-11-25"}


def test_one_key_a_notice_per_estate_each_its_own_and_a_retry_publishes_none_twice():
    clock.freeze(clock.parse_iso("2026-11-23T13:00:00Z"))
    desk = worker(CustomerService, caller=OPERATOR)
    for estate_id in ("est_1", "est_2"):
        desk.copy_estate(event("archive", "estate_created", estate_id, {
            "id": estate_id, "estate_id": estate_id, "code": estate_id.upper(), "name": estate_id,
            "address": "1 Lake Rd", "version": 1}))
    as_caller(desk, OPERATOR, idempotency_key="typhoon-1")
    first = [desk.create_notice({"estate_id": e, "data": WARNING}) for e in ("est_1", "est_2")]
    again = [desk.create_notice({"estate_id": e, "data": WARNING}) for e in ("est_1", "est_2")]
    assert [n["estate_id"] for n in first] == ["est_1", "est_2"] and first[0]["id"] != first[1]["id"]
    assert [n["id"] for n in again] == [n["id"] for n in first]
    announced = desk.outbox.of_type("notice_published")
    assert sorted((e["estate_id"], e["data"]["id"]) for e in announced) == sorted(
        (n["estate_id"], n["id"]) for n in first)
