"""An owner recorded that is no sale (过户 only between two owners), over the bus: finance splits a
sale's month at the household's owner_since and keeps the money paid before it off the buyer's bills,
so archive announces it for a sale only (found by h11)."""
import pytest

from estate_common import clock

pytestmark = pytest.mark.broker


def _copy(system, household_id):
    container = next(c for c in system.containers if c.service_name == "finance")
    db = next(d for d in container.dependencies if type(d).__name__ == "Database").db
    return db.households.find_one({"_id": household_id}) or {}


def test_finance_reads_an_owner_set_right_as_no_sale_and_a_sale_as_one(system, rpc, eventually):
    estate = rpc("archive", "create_estate", {"data": {"code": "OWN-01", "name": "Garden", "address": "3 South Rd"}})
    household = rpc("archive", "create_household", {"estate_id": estate["id"], "data": {
        "building": "2", "unit": "1", "room": "101", "area_m2": 80.5,
        "owner": {"name": "待登记", "phone": "13600002222"}}})
    ref = {"estate_id": estate["id"], "id": household["id"]}
    eventually(lambda: _copy(system, household["id"]).get("version") == 1)
    today = clock.now_iso()[:10]  # a day of this month: a sale on it splits the month (unless the 1st)
    rpc("archive", "transfer_owner", ref | {"data": {"owner": {"name": "赵六", "phone": "13600003333"},
                                                     "date": today, "kind": "record"}}, context={"idempotency_key": "own-r1"})
    recorded = eventually(lambda: _copy(system, household["id"]).get("version") == 2 and _copy(system, household["id"]))
    assert recorded["owner_since"] is None  # main: today, a month split with no seller
    rpc("archive", "transfer_owner", ref | {"data": {"owner": {"name": "孙八", "phone": "13500004444"},
                                                     "date": today}}, context={"idempotency_key": "own-s1"})
    sold = eventually(lambda: _copy(system, household["id"]).get("version") == 3 and _copy(system, household["id"]))
    assert sold["owner_since"] == today
