"""Copies lost by a service (its store restored from a backup, or kept in memory and restarted)
are sent again by archive on an operator's request, and every service writes what it lacks: the
households it refused as unknown (422) are known again."""
import pytest

from estate_common.errors import BusinessRuleViolation

pytestmark = pytest.mark.broker

SERVICES_WITH_COPIES = ("customer_service", "maintenance", "security_patrol", "finance")


def database(system, name):
    container = next(c for c in system.containers if c.service_name == name)
    return next(d for d in container.dependencies if type(d).__name__ == "Database").db


def test_a_service_that_lost_its_copies_gets_them_again_from_a_restatement(system, rpc, eventually):
    estate = rpc("archive", "create_estate", {"data": {"code": "RST-01", "name": "Garden", "address": "3 South Rd"}})
    estate_id = estate["id"]
    households = [rpc("archive", "create_household", {"estate_id": estate_id, "data": {
        "building": "2", "unit": "1", "room": str(room), "area_m2": 80.5,
        "owner": {"name": "钱七", "phone": "13600002222"}}}) for room in (101, 102, 103)]
    dbs = {name: database(system, name) for name in SERVICES_WITH_COPIES}
    eventually(lambda: all(db.households.count_documents({"estate_id": estate_id}) == 3 for db in dbs.values()))
    for db in dbs.values():  # the copies are lost (a restarted in-memory store, an old backup)
        db.households.delete_many({"estate_id": estate_id})
        db.estates.delete_many({"_id": estate_id})
    request = {"estate_id": estate_id, "data": {"kind": "repair", "household_id": households[0]["id"],
                                                "channel": "phone", "description": "burst pipe"}}
    with pytest.raises(BusinessRuleViolation):
        rpc("customer_service", "create_request", request)

    job = rpc("archive", "start_restatement", {"estate_id": estate_id, "data": {}})

    def finished():
        state = rpc("archive", "get_job", {"id": job["id"]})
        return state if state["status"] in ("succeeded", "failed") else None

    done = eventually(finished)
    assert done["result"] == {"estate_id": estate_id, "households": 3, "batches": 1}
    eventually(lambda: all(db.households.count_documents({"estate_id": estate_id}) == 3
                           and db.estates.count_documents({"_id": estate_id}) == 1 for db in dbs.values()))
    copy = dbs["customer_service"].households.find_one({"_id": households[0]["id"]})
    assert copy["created_at"] == households[0]["created_at"] and copy["version"] == 1
    assert rpc("customer_service", "create_request", request)["status"] == "open"
