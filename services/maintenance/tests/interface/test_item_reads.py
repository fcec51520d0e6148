"""An integrator reads back what it created (an integrator's follow-ups): a maintenance plan and a
record of the equipment ledger are read alone by their ids, as their lists show them; another
estate's id (another piece's, for a record) or an unknown one is not found."""
from datetime import datetime, timezone

import pytest

from estate_common import clock
from estate_common.errors import NotFound
from estate_common.testing import staff, worker
from maintenance import ledger
from maintenance.service import MaintenanceService

ESTATE, OTHER = "est_1", "est_2"
ENGINEER = staff("chen", ["technician", "manager"], [ESTATE, OTHER])  # of both: a 404, not a 403
PUMP = {"code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2 pump room"}


@pytest.fixture
def engineering():
    clock.freeze(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    return worker(MaintenanceService, caller=ENGINEER)


def test_a_maintenance_plan_is_read_by_its_id_as_its_list_shows_it(engineering):
    pump = engineering.create_equipment({"estate_id": ESTATE, "data": PUMP})
    plan = engineering.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": pump["id"], "kind": "daily_inspection", "every_days": 1, "next_due_on": "2026-11-24"}})
    [listed] = engineering.list_maintenance_plans({"estate_id": ESTATE})["items"]
    assert engineering.get_maintenance_plan({"estate_id": ESTATE, "id": plan["id"]}) == listed == plan
    for estate_id, plan_id in ((OTHER, plan["id"]), (ESTATE, "mp_nowhere")):
        with pytest.raises(NotFound):
            engineering.get_maintenance_plan({"estate_id": estate_id, "id": plan_id})


def test_an_equipment_record_is_read_by_its_piece_and_id_as_its_list_shows_it(engineering):
    pump = engineering.create_equipment({"estate_id": ESTATE, "data": PUMP})
    fan = engineering.create_equipment({"estate_id": ESTATE, "data": {**PUMP, "code": "FAN-1", "name": "Fan"}})
    added = engineering.add_equipment_record({"estate_id": ESTATE, "id": pump["id"], "data": {
        "kind": "inspection", "result": "normal", "notes": "pressure 0.4 MPa"}})
    [listed] = engineering.list_equipment_records({"estate_id": ESTATE, "id": pump["id"]})["items"]
    read = engineering.get_equipment_record({"estate_id": ESTATE, "id": pump["id"], "item": added["id"]})
    assert read == listed and read["id"] == added["id"]
    for estate_id, piece, record_id in ((OTHER, pump["id"], added["id"]), (ESTATE, fan["id"], added["id"]),
                                        (ESTATE, pump["id"], "er_nowhere")):
        with pytest.raises(NotFound):
            engineering.get_equipment_record({"estate_id": estate_id, "id": piece, "item": record_id})


def test_a_record_an_earlier_version_kept_in_its_piece_is_read_before_it_is_moved(engineering):
    """An earlier version kept a piece's records in its own array, moved to their collection on the
    piece's first touch (``operations._moved``): a read of one is no write, and finds it there."""
    pump = engineering.create_equipment({"estate_id": ESTATE, "data": PUMP})
    kept = {"id": "er_kept", "kind": "repair", "result": "fixed", "notes": "seal", "at": "2026-01-05T02:00:00Z",
            "by": "chen", "work_order_id": None}
    kept = {name: kept.get(name) for name in ledger.RECORD_FIELDS}
    engineering.db.equipment.update_one({"_id": pump["id"]}, {"$set": {ledger.EARLIER_RECORDS: [kept]}})
    read = engineering.get_equipment_record({"estate_id": ESTATE, "id": pump["id"], "item": "er_kept"})
    assert read == ledger.record_listed(ledger.record_document(ESTATE, pump["id"], kept))
    assert engineering.db.equipment_records.count_documents({"_id": "er_kept"}) == 0  # not moved by a read
