"""备品备件 (h8): maintenance's parts store names its units (``parts.UNITS``, the first counted whole) and
its movements' kinds (``parts.KINDS``) as the contract does (``PartUnit``, ``PartMovement.kind``); the
lists were written in parts.py and read by nothing, free to drift from what the API takes and shows
(found by t1 rereading the change)."""
from estate_common import contracts
from maintenance import parts

SCHEMAS = contracts.load().openapi["components"]["schemas"]


def test_the_store_s_units_and_movement_kinds_are_the_contract_s():
    assert sorted(parts.UNITS) == sorted(SCHEMAS["PartUnit"]["enum"])
    assert set(parts.WHOLE_UNITS) < set(parts.UNITS)
    assert sorted(parts.KINDS) == sorted(SCHEMAS["PartMovement"]["properties"]["kind"]["enum"])
