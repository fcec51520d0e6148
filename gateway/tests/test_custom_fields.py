"""Custom fields: the gateway sends definitions to the service owning the resource, gathers
them from every owner, and passes ``custom.<key>`` filters to the lists that take them."""
from estate_common.errors import InvalidInput, ServiceUnavailable

from .conftest import bearer

BASE = "/api/v1/estates/A/custom-fields"
STAMP = "2026-11-30T08:00:00Z"


def definition(resource, key, service, kind="text"):
    return {"id": f"cf_{key}", "estate_id": "A", "service": service, "resource": resource, "key": key,
            "label": {"zh": key, "en": key}, "type": kind, "required": False, "archived": False,
            "created_at": STAMP, "updated_at": STAMP}


def test_a_definition_goes_to_the_service_owning_its_resource(client, rpc, contract, admin_token):
    body = {"resource": "work_order", "key": "floor_drain", "label": {"zh": "地漏", "en": "Floor drain"},
            "type": "bool"}
    rpc.answer("maintenance", "create_custom_field", definition("work_order", "floor_drain", "maintenance", "bool"))
    answer = client.post(BASE, json=body, headers=bearer(admin_token))
    contract.check(client.application, answer, 201)
    assert rpc.only_call("maintenance", "create_custom_field").payload == {"estate_id": "A", "data": body}
    assert rpc.calls_to("archive", "create_custom_field") == []


def test_an_unknown_resource_is_a_400_naming_it(client, rpc, contract, admin_token):
    answer = client.post(BASE, json={"resource": "bill", "key": "x", "label": {"zh": "x", "en": "x"}, "type": "text"},
                         headers=bearer(admin_token))
    contract.problem(answer, 400, fields=["resource"], app=client.application)
    assert not [c for c in rpc.calls if c.method == "create_custom_field"]


def test_patch_and_delete_go_to_the_owner_of_the_paths_resource(client, rpc, contract, admin_token):
    rpc.answer("archive", "update_custom_field", definition("household", "pets", "archive"))
    rpc.answer("archive", "archive_custom_field", definition("household", "pets", "archive"))
    contract.check(client.application, client.patch(f"{BASE}/household/pets", json={"required": True},
                                                     headers=bearer(admin_token)), 200)
    assert rpc.only_call("archive", "update_custom_field").payload == {
        "estate_id": "A", "resource": "household", "key": "pets", "data": {"required": True}}
    contract.check(client.application, client.delete(f"{BASE}/household/pets", headers=bearer(admin_token)), 200)
    assert rpc.only_call("archive", "archive_custom_field").payload["key"] == "pets"
    contract.problem(client.delete(f"{BASE}/bill/pets", headers=bearer(admin_token)), 404, app=client.application)


def test_the_list_gathers_every_owner_and_names_one_that_does_not_answer(client, rpc, contract, agent_a_token):
    rpc.answer("archive", "list_custom_fields", {"items": [definition("household", "pets", "archive")]})
    rpc.answer("maintenance", "list_custom_fields", {"items": [definition("equipment", "brand", "maintenance")]})
    rpc.answer("customer_service", "list_custom_fields", ServiceUnavailable("down"))
    body = contract.check(client.application, client.get(BASE, headers=bearer(agent_a_token)), 200)
    assert [(d["resource"], d["key"]) for d in body["items"]] == [("equipment", "brand"), ("household", "pets")]
    assert body["unavailable"] == ["customer_service"]


def test_the_list_of_one_resource_asks_its_owner_only(client, rpc, contract, agent_a_token):
    contract.check(client.application, client.get(f"{BASE}?resource=service_request&archived=false",
                                                   headers=bearer(agent_a_token)), 200)
    assert rpc.only_call("customer_service", "list_custom_fields").payload == {
        "estate_id": "A", "filters": {"resource": "service_request", "archived": "false"}}
    assert rpc.calls_to("archive", "list_custom_fields") == []
    contract.problem(client.get(f"{BASE}?resource=bill", headers=bearer(agent_a_token)), 400, fields=["resource"])
    # every bad parameter at once, not the first only
    contract.problem(client.get(f"{BASE}?resource=bill&archived=maybe", headers=bearer(agent_a_token)), 400,
                     fields=["archived", "resource"])
    contract.problem(client.get(f"{BASE}?colour=red&size=9&resource=household", headers=bearer(agent_a_token)), 400,
                     fields=["colour", "size"])


def test_only_management_defines(client, contract, agent_a_token):
    answer = client.post(BASE, json={"resource": "household", "key": "x", "label": {"zh": "x", "en": "x"},
                                     "type": "text"}, headers=bearer(agent_a_token))
    contract.problem(answer, 403)


def test_lists_pass_custom_filters_and_name_a_refused_one(client, rpc, contract, admin_token):
    answer = client.get("/api/v1/estates/A/households?building=5&custom.pets=true", headers=bearer(admin_token))
    contract.check(client.application, answer, 200)
    assert rpc.only_call("archive", "list_households").payload["filters"] == {"building": "5", "custom.pets": "true"}
    rpc.answer("customer_service", "list_requests",
               InvalidInput("custom filters are not valid", [{"field": "filters.custom.floor", "message": "must be a number from -1000000000000000 to 1000000000000000"}]))
    answer = client.get("/api/v1/estates/A/service-requests?custom.floor=abc", headers=bearer(admin_token))
    contract.problem(answer, 400, fields=["custom.floor"])
    # a name that is no custom key, or a list without custom fields, is refused at the gateway
    contract.problem(client.get("/api/v1/estates/A/households?custom.Bad=1", headers=bearer(admin_token)), 400,
                     fields=["custom.Bad"])
    contract.problem(client.get("/api/v1/estates/A/notices?custom.pets=true", headers=bearer(admin_token)), 400,
                     fields=["custom.pets"])
