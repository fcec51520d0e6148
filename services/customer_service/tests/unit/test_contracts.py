"""customer_service's contracts agree with its rules: the settings schema names every setting
with its maximum, and the example bodies shown in the API docs are valid requests."""
import pytest

from customer_service.rules import CHOICES, DEFAULTS, MAXIMA, MINIMA, SERVICE_LINES
from estate_common import contracts
from gateway.routes import customer_service as routes

BOOK = contracts.load()
SCHEMAS = BOOK.openapi["components"]["schemas"]


def template(path):
    import re
    return re.sub(r"<([^<>]+)>", r"{\1}", path)


def test_the_settings_schema_is_rules_py():
    properties = SCHEMAS["CustomerServiceSettingValues"]["properties"]
    assert set(properties) == set(DEFAULTS)
    for name, spec in properties.items():
        if name in CHOICES:
            assert (spec["type"], spec["minItems"], spec["uniqueItems"], spec["default"]) == (
                "array", 1, True, DEFAULTS[name]), name
            continue
        expected = (MINIMA.get(name, 1), MAXIMA[name], DEFAULTS[name])
        assert (spec["minimum"], spec["maximum"], spec["default"]) == expected, name


def test_the_service_lines_are_the_contract_s():
    assert list(SERVICE_LINES) == SCHEMAS["ServiceLine"]["enum"]


def test_the_contractors_service_lines_are_the_contract_s():
    from customer_service import upkeep
    assert list(upkeep.SERVICE_LINES) == SCHEMAS["UpkeepServiceLine"]["enum"]


@pytest.mark.parametrize("route", [r for r in routes.ROUTES if r.body], ids=lambda r: f"{r.method} {r.path}")
def test_every_example_body_is_a_valid_request(route):
    operation = BOOK.openapi["paths"][template(route.path)][route.method.lower()]
    media = operation["requestBody"]["content"]["application/json"]
    payload = {"estate_id": "est_1", "data": media["example"]}
    if route.id_param:
        payload["id"] = "x_1"
    if route.item_param:  # an action's number; a contractor's month (h6)
        payload["item"] = {"period": "2026-11"}.get(route.item_param, "1")
    assert BOOK.errors(f"rpc/customer_service/{route.rpc}.json#/input", payload) == []


def test_a_renovation_charge_fits_what_finance_reads():
    """The items customer service raises are among the items of the fixed charge contract."""
    items = BOOK.documents["events/customer_service/charge_raised.json"]["properties"]["data"]["properties"]["item"]
    assert {"renovation_management", "renovation_deposit"} <= set(items["enum"])
