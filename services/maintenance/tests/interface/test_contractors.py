"""An outside maintenance contractor (维保单位) and who signed (签字): a lift's maintenance is done by its
contractor, whose technicians have no account and cannot be an order's assignee, and the ledger kept no
signer (found by h5, a probe of a lift's year). The smallest model: a record, and the completion of an
order, name the contractor and who signed; the order's technician stays the estate's who accepted it."""
from estate_common.testing import worker
from maintenance.service import MaintenanceService

from .test_service import ESTATE, TECHNICIAN, act, completion, frozen, new_plan, open_repair, plan_orders  # noqa: F401

LIFT = {"code": "LIFT-1", "name": "1号楼客梯", "system": "elevator", "location": "Building 1"}


def ledger_of(service, equipment_id):
    return service.get_equipment({"estate_id": ESTATE, "id": equipment_id})["records"]


def test_a_record_names_the_contractor_and_who_signed():
    service = worker(MaintenanceService, caller=TECHNICIAN)
    lift = service.create_equipment({"estate_id": ESTATE, "data": LIFT})
    made = service.add_equipment_record({"estate_id": ESTATE, "id": lift["id"], "data": {
        "kind": "maintenance", "result": "半月保养完成", "contractor": "迅达电梯维保", "signed_by": "王工"}})
    assert (made["contractor"], made["signed_by"]) == ("迅达电梯维保", "王工")
    plain = service.add_equipment_record({"estate_id": ESTATE, "id": lift["id"], "data": {
        "kind": "inspection", "result": "正常"}})
    assert (plain["contractor"], plain["signed_by"]) == (None, None)
    assert [(r["contractor"], r["signed_by"]) for r in ledger_of(service, lift["id"])] == [
        ("迅达电梯维保", "王工"), (None, None)]
    [first, _] = [e["data"]["record"] for e in service.outbox.of_type("equipment_record_added")]
    assert (first["contractor"], first["signed_by"]) == ("迅达电梯维保", "王工")  # the archive's record too


def test_a_plans_order_done_by_the_contractor_puts_it_and_its_signer_on_the_ledger():
    service = worker(MaintenanceService, caller=TECHNICIAN)
    lift = service.create_equipment({"estate_id": ESTATE, "data": LIFT})
    new_plan(service, lift["id"], kind="periodic_maintenance", every_days=15)
    order_id = plan_orders(service)[0]["id"]
    act(service, "assign_work_order", order_id, technician="chen")
    act(service, "start_work_order", order_id)
    done = act(service, "complete_work_order", order_id, materials=[], charge_cents=0, contractor="迅达电梯维保",
               signed_by="王工")
    assert (done["contractor"], done["signed_by"]) == ("迅达电梯维保", "王工")
    [record] = ledger_of(service, lift["id"])
    assert (record["contractor"], record["signed_by"]) == ("迅达电梯维保", "王工")


def test_a_households_repair_keeps_its_occupants_name_off_the_ledger():
    """The occupant who signed a repair is personal data the order masks by role: the ledger's record,
    read by the archivist and exported for the inspector, does not copy it."""
    service = worker(MaintenanceService, caller=TECHNICIAN)
    lift = service.create_equipment({"estate_id": ESTATE, "data": LIFT})
    order_id = open_repair(service)
    act(service, "assign_work_order", order_id, technician="chen")
    act(service, "start_work_order", order_id)
    act(service, "complete_work_order", order_id, **completion(equipment_id=lift["id"]))
    [record] = ledger_of(service, lift["id"])
    assert (record["contractor"], record["signed_by"]) == (None, None)


def test_the_ledgers_file_names_the_contractor_and_who_signed():
    from .test_equipment_records import exported

    service = worker(MaintenanceService, caller=TECHNICIAN)
    lift = service.create_equipment({"estate_id": ESTATE, "data": LIFT})
    service.add_equipment_record({"estate_id": ESTATE, "id": lift["id"], "data": {
        "kind": "maintenance", "result": "半月保养完成", "contractor": "迅达电梯维保", "signed_by": "王工"}})
    lines = exported(service, {"equipment_id": lift["id"]}, language="zh")
    assert [(row[lines[0].index("维保单位")], row[lines[0].index("签字人")]) for row in lines[1:]] == [
        ("迅达电梯维保", "王工")]


def test_the_work_orders_file_names_the_contractor():
    """The work orders' export had no contractor column (h5's leftovers): the order names its 维保单位 at
    the completion, the ledger's file said it, the orders' file did not. ``contractor`` is a column
    before ``created_at`` and ``updated_at`` (which stays last), 维保单位 in a Chinese file (found by
    review r5 of h5)."""
    import base64
    import csv
    import io

    from .test_service import exported_orders

    service = worker(MaintenanceService, caller=TECHNICIAN)
    lift = service.create_equipment({"estate_id": ESTATE, "data": LIFT})
    new_plan(service, lift["id"], kind="periodic_maintenance", every_days=15)
    order_id = plan_orders(service)[0]["id"]
    act(service, "assign_work_order", order_id, technician="chen")
    act(service, "start_work_order", order_id)
    act(service, "complete_work_order", order_id, materials=[], charge_cents=0, contractor="迅达电梯维保")
    job = exported_orders(service, {})
    part = service.read_export({"estate_id": ESTATE, "id": job["id"], "n": 0})
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(part["data_base64"]).decode("utf-8-sig"))))
    assert {r["id"]: r["contractor"] for r in rows} == {order_id: "迅达电梯维保"}
    assert list(rows[0])[-3:] == ["contractor", "created_at", "updated_at"]
