"""A repair registered without a category (``other``) takes the kind of the equipment its work order
was done on (maintenance's ``work_order_completed`` ``equipment_system``: h5 of session 55), by
``customer_service.repairs.CATEGORY_OF_SYSTEM``. Every system of the ledger (``EquipmentSystem``) is
named there and each names a repair category of the contract (``RepairCategory``: ``smart`` is
``smart_systems``): a system added to the ledger alone would have been passed on as a category no
reader of the request knows (found by review r5)."""
from customer_service.repairs import CATEGORY_OF_SYSTEM, category_of_equipment
from estate_common import contracts

SCHEMAS = contracts.load().openapi["components"]["schemas"]


def test_every_equipment_system_names_a_repair_category_of_the_contract():
    systems, categories = SCHEMAS["EquipmentSystem"]["enum"], SCHEMAS["RepairCategory"]["enum"]
    assert sorted(CATEGORY_OF_SYSTEM) == sorted(systems)
    assert set(CATEGORY_OF_SYSTEM.values()) <= set(categories) - {"other"}
    assert CATEGORY_OF_SYSTEM["smart"] == "smart_systems"


def test_a_system_the_map_does_not_name_gives_a_repair_no_category():
    request = {"category": "other"}
    assert category_of_equipment(request, {"equipment_system": "elevator"}) == "elevator"
    assert category_of_equipment(request, {"equipment_system": "lifts_and_escalators"}) is None
    assert category_of_equipment(request, {}) is None


def test_every_utility_a_planned_cut_cuts_is_the_contracts_and_a_repair_category():
    """计划停水停电 (h7): a repair of a category a standing cut cuts is refused, by
    ``front_desk.UTILITY_OF_CATEGORY``, built from ``rules.OUTAGE_UTILITIES``; the contract's
    ``OutageUtility`` is that list, and each names a repair category (a utility added to the contract
    alone would be cut with no repair it explains)."""
    from customer_service.front_desk import UTILITY_OF_CATEGORY
    from customer_service.rules import OUTAGE_UTILITIES

    assert sorted(OUTAGE_UTILITIES) == sorted(SCHEMAS["OutageUtility"]["enum"])
    assert set(UTILITY_OF_CATEGORY) <= set(SCHEMAS["RepairCategory"]["enum"])
    assert sorted(UTILITY_OF_CATEGORY.values()) == sorted(OUTAGE_UTILITIES)
