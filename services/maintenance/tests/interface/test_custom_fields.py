"""maintenance keeps the custom fields of work orders and equipment."""
import pytest

from estate_common.errors import InvalidInput, NotFound
from estate_common.testing import as_caller, worker
from maintenance.service import MaintenanceService

from .test_service import ESTATE, MANAGER, TECHNICIAN, exported_orders, frozen, open_repair  # noqa: F401 (frozen: the clock)

PUMP = {"code": "PUMP-01", "name": "Booster pump", "system": "water", "location": "B2 pump room"}
BRAND = {"resource": "equipment", "key": "brand", "label": {"zh": "品牌", "en": "Brand"}, "type": "text"}
WARRANTY = {"resource": "equipment", "key": "warranty_until", "label": {"zh": "保修至", "en": "Warranty"},
            "type": "date"}
DRAIN = {"resource": "work_order", "key": "floor_drain", "label": {"zh": "地漏", "en": "Floor drain"}, "type": "bool"}


@pytest.fixture
def engineering():
    service = worker(MaintenanceService, caller=MANAGER)
    for body in (BRAND, WARRANTY, DRAIN):
        service.create_custom_field({"estate_id": ESTATE, "data": body})
    return as_caller(service, TECHNICIAN)


def test_equipment_takes_custom_values_and_the_ledger_filters_on_them(engineering):
    made = engineering.create_equipment({"estate_id": ESTATE, "data": dict(PUMP, custom={
        "brand": "Grundfos", "warranty_until": "2028-06-30"})})
    engineering.create_equipment({"estate_id": ESTATE, "data": dict(PUMP, code="PUMP-02", custom={"brand": "Wilo"})})
    assert made["custom"] == {"brand": "Grundfos", "warranty_until": "2028-06-30"}
    found = engineering.list_equipment({"estate_id": ESTATE, "filters": {"custom.warranty_until": "2028-06-30"}})
    assert [e["id"] for e in found["items"]] == [made["id"]]
    with pytest.raises(InvalidInput) as refused:
        engineering.create_equipment({"estate_id": ESTATE, "data": dict(PUMP, code="PUMP-03",
                                                                        custom={"warranty_until": "soon"})})
    assert refused.value.errors[0]["field"] == "data.custom.warranty_until"
    assert engineering.db.equipment.count_documents({}) == 2


def test_equipment_s_custom_values_are_set_after_its_registration(engineering):
    made = engineering.create_equipment({"estate_id": ESTATE, "data": dict(PUMP, custom={"brand": "Grundfos"})})
    set_ = engineering.set_equipment_custom({"estate_id": ESTATE, "id": made["id"],
                                             "data": {"custom": {"warranty_until": "2029-06-30"}}})
    assert set_["custom"] == {"brand": "Grundfos", "warranty_until": "2029-06-30"}
    with pytest.raises(InvalidInput) as refused:
        engineering.set_equipment_custom({"estate_id": ESTATE, "id": made["id"],
                                          "data": {"custom": {"warranty_until": "2029-02-30"}}})
    assert refused.value.errors[0]["field"] == "data.custom.warranty_until"
    assert engineering.get_equipment({"estate_id": ESTATE, "id": made["id"]})["custom"] == set_["custom"]
    with pytest.raises(NotFound):  # an id not in the estate says nothing about the values
        engineering.set_equipment_custom({"estate_id": ESTATE, "id": "eq_nope",
                                          "data": {"custom": {"warranty_until": "2029-02-30"}}})


def test_a_work_order_from_an_event_has_no_values_until_they_are_set(engineering):
    order = engineering.get_work_order({"estate_id": ESTATE, "id": open_repair(engineering)})
    assert order["custom"] == {}
    with pytest.raises(InvalidInput) as refused:
        engineering.set_work_order_custom({"estate_id": ESTATE, "id": order["id"],
                                           "data": {"custom": {"floor_drain": "abc"}}})
    assert refused.value.errors[0]["field"] == "data.custom.floor_drain"
    assert engineering.get_work_order({"estate_id": ESTATE, "id": order["id"]})["custom"] == {}
    with pytest.raises(NotFound):  # an id not in the estate says nothing about the values
        engineering.set_work_order_custom({"estate_id": ESTATE, "id": "wo_nope",
                                           "data": {"custom": {"floor_drain": "abc"}}})
    set_ = engineering.set_work_order_custom({"estate_id": ESTATE, "id": order["id"],
                                              "data": {"custom": {"floor_drain": True}}})
    assert set_["custom"] == {"floor_drain": True}
    assert set_["history"][-1]["action"] == "custom_values_set"
    found = engineering.list_work_orders({"estate_id": ESTATE, "filters": {"custom.floor_drain": "true"}})["items"]
    assert [o["id"] for o in found] == [order["id"]]
    assert engineering.list_work_orders({"estate_id": ESTATE, "filters": {"custom.floor_drain": "false"}})[
        "items"] == []


def test_an_export_takes_the_list_s_custom_filters(engineering):
    """The export job looked each filter up among the plain ones and failed on custom.<key>."""
    marked, other = open_repair(engineering), open_repair(engineering, "sr_other")
    engineering.set_work_order_custom({"estate_id": ESTATE, "id": marked, "data": {"custom": {"floor_drain": True}}})
    done = exported_orders(engineering, {"custom.floor_drain": "true"})
    assert done["status"] == "succeeded" and done["result"]["rows"] == 1, done
    assert other != marked


def test_both_resources_are_listed_by_the_one_service(engineering):
    listed = engineering.list_custom_fields({"estate_id": ESTATE})["items"]
    assert [(d["resource"], d["key"]) for d in listed] == [("equipment", "brand"), ("equipment", "warranty_until"),
                                                           ("work_order", "floor_drain")]
    only = engineering.list_custom_fields({"estate_id": ESTATE, "filters": {"resource": "work_order"}})["items"]
    assert [d["key"] for d in only] == ["floor_drain"]
