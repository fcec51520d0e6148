"""A KPI crosses two contracts: the services answer ``common.json``'s ``kpi`` over the bus and the
gateway answers ``openapi.yaml``'s ``Kpi``, both closed to other fields. A field added to one alone
(finance's ``not_billed`` was) makes the gateway's strict validation refuse a KPI the service may
send; they name the same fields, the same ones required."""
from estate_common import contracts

BOOK = contracts.load()


def test_the_gateways_kpi_and_the_services_kpi_name_the_same_fields():
    served = BOOK.openapi["components"]["schemas"]["Kpi"]
    sent = BOOK.documents["common.json"]["$defs"]["kpi"]
    assert set(served["properties"]) == set(sent["properties"])
    assert set(served["required"]) == set(sent["required"])
    assert served["additionalProperties"] is sent["additionalProperties"] is False
    assert set(served["properties"]["yearly"]["properties"]) == set(sent["properties"]["yearly"]["properties"])
