"""A lift's annual inspection certificate (年检合格证): its number, the day it is valid until and who
inspected it, on the ledger when the piece is registered and renewed each year; the pieces whose
certificate expires before a day, and those due (expired, or expiring within the estate's warning
days, 30 by default). A piece registered without one is not known, not expired. Plans have a name.
The validity was a custom date with no warning and no filter (found by h5, a probe of a lift's year)."""
import pytest

from estate_common.errors import BusinessRuleViolation
from estate_common.testing import as_caller, worker
from maintenance.service import MaintenanceService

from .test_service import ESTATE, MANAGER, TECHNICIAN, frozen  # noqa: F401  (today: 2026-11-23)

LIFT = {"code": "LIFT-1", "name": "1号楼客梯", "system": "elevator", "location": "Building 1",
        "certificate": {"number": "TSX-2026-0815", "valid_until": "2026-12-10", "inspected_by": "市特检院"}}
LATER = {"code": "LIFT-2", "name": "2号楼客梯", "system": "elevator", "location": "Building 2",
         "certificate": {"number": "TSX-2026-0901", "valid_until": "2027-03-01", "inspected_by": "市特检院"}}
OLD = {"code": "LIFT-3", "name": "3号楼客梯", "system": "elevator", "location": "Building 3"}


@pytest.fixture
def ledger():
    service = worker(MaintenanceService, caller=TECHNICIAN)
    service.lifts = [service.create_equipment({"estate_id": ESTATE, "data": data}) for data in (LIFT, LATER, OLD)]
    return service


def codes(service, **filters):
    return [piece["code"] for piece in service.list_equipment({"estate_id": ESTATE, "filters": filters})["items"]]


def test_a_piece_keeps_its_certificate_and_one_without_is_not_known(ledger):
    first, _, old = ledger.lifts
    assert first["certificate"] == LIFT["certificate"]
    assert old["certificate"] is None
    shown = ledger.get_equipment({"estate_id": ESTATE, "id": first["id"], "filters": {"records": "none"}})
    assert shown["certificate"]["valid_until"] == "2026-12-10"


def test_the_pieces_whose_certificate_expires_before_a_day_leave_out_those_not_known(ledger):
    assert codes(ledger, certificate_expires_before="2027-01-01") == ["LIFT-1"]
    assert sorted(codes(ledger, certificate_expires_before="2027-06-01")) == ["LIFT-1", "LIFT-2"]
    assert codes(ledger, certificate_expires_before="2026-12-10") == []  # valid on its last day


def test_the_due_list_is_of_the_estates_warning_days(ledger):
    assert codes(ledger, certificate_due="true") == ["LIFT-1"]  # 17 days left, warned 30 ahead
    as_caller(ledger, MANAGER)
    ledger.update_settings({"estate_id": ESTATE, "data": {"certificate_warn_days": 10}})
    assert codes(ledger, certificate_due="true") == []
    ledger.update_settings({"estate_id": ESTATE, "data": {"certificate_warn_days": 120}})
    assert sorted(codes(ledger, certificate_due="true")) == ["LIFT-1", "LIFT-2"]


def test_a_certificate_is_renewed_after_the_yearly_inspection(ledger):
    old = ledger.lifts[2]
    renewed = ledger.set_equipment_certificate({"estate_id": ESTATE, "id": old["id"], "data": {
        "number": "TSX-2026-1120", "valid_until": "2027-11-19", "inspected_by": "市特检院"}})
    assert renewed["certificate"]["number"] == "TSX-2026-1120"
    assert sorted(codes(ledger, certificate_expires_before="2027-11-20")) == ["LIFT-1", "LIFT-2", "LIFT-3"]
    with pytest.raises(BusinessRuleViolation):  # an inspection is valid a while, not 2099
        ledger.set_equipment_certificate({"estate_id": ESTATE, "id": old["id"], "data": {
            "number": "X", "valid_until": "2099-01-01", "inspected_by": "市特检院"}})


def test_a_plan_has_a_name(ledger):
    plan = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lifts[0]["id"], "kind": "periodic_maintenance", "every_days": 15,
        "next_due_on": "2026-11-30", "name": "电梯半月保养"}})
    assert plan["name"] == "电梯半月保养"
    unnamed = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lifts[1]["id"], "kind": "periodic_maintenance", "every_days": 15,
        "next_due_on": "2026-11-30"}})
    assert unnamed["name"] is None
