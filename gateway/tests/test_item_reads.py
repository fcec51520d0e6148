"""An integrator reads back what it created (an integrator's follow-ups): a create whose resource a
list shows has ``GET <list>/{id}``, with the list's roles, and so answers ``Location`` to it
(``locations``); a service's 404 there is a problem+json."""
import pytest

from estate_common import contracts
from estate_common.errors import NotFound
from gateway import access, locations
from gateway.locations import PARAMETER
from gateway.routes import ROUTES

from .samples import example_body

PATHS = contracts.load().openapi["paths"]
ESTATE = "/api/v1/estates/{estate_id}"
# the lists of creates whose records had no item read (their lists were their only reads)
READ_BACK = [
    f"{ESTATE}/notices", f"{ESTATE}/owner-contacts", f"{ESTATE}/keys", f"{ESTATE}/custody-items",
    f"{ESTATE}/tool-loans", f"{ESTATE}/fee-standards", f"{ESTATE}/operating-expenses", f"{ESTATE}/journals/settlements",
    f"{ESTATE}/households/{{household_id}}/occupants", f"{ESTATE}/archive/check-plans", f"{ESTATE}/archive/checks",
    *[f"{ESTATE}/{records}" for records in ("patrol-routes", "patrol-plans", "fire-equipment", "fire-inspections",
                                             "fire-drills", "fire-lane-checks", "vehicle-passes", "visitors",
                                             "duty-roster", "shift-handovers")],
    f"{ESTATE}/maintenance-plans", f"{ESTATE}/equipment/{{equipment_id}}/records",
]
# made under what they concern, listed by the estate: read at that list's item path (locations.ELSEWHERE)
READ_ELSEWHERE = {
    f"{ESTATE}/payments/{{payment_id}}/invoices": f"{ESTATE}/invoices/{{invoice_id}}",
    f"{ESTATE}/utilities/top-ups": f"{ESTATE}/utilities/moves/{{move_id}}",
    f"{ESTATE}/utilities/usages": f"{ESTATE}/utilities/moves/{{move_id}}",
    f"{ESTATE}/maintenance-fund/deposits": f"{ESTATE}/maintenance-fund/entries/{{entry_id}}",
    f"{ESTATE}/maintenance-fund/uses": f"{ESTATE}/maintenance-fund/entries/{{entry_id}}",
    f"{ESTATE}/households/{{household_id}}/vacant-inspections": f"{ESTATE}/vacant-inspections/{{inspection_id}}",
    f"{ESTATE}/households/{{household_id}}/handovers": f"{ESTATE}/handovers/{{handover_id}}",
}
_ROUTE = {(route.method, access.openapi_path(route.path)): route for route in ROUTES}
TABLE = locations.table(PATHS)
# every forwarded item read of a create's record: (the list it is read by, the item path)
ITEM_READS = sorted({(item.rsplit("/", 1)[0], item) for item, field in TABLE.values()
                     if field == "id" and ("GET", item) in _ROUTE})


@pytest.mark.parametrize("collection", READ_BACK)
def test_a_create_s_record_is_read_back_at_its_own_url(collection):
    assert collection in TABLE and TABLE[collection][0].startswith(collection + "/{")


@pytest.mark.parametrize("collection", READ_ELSEWHERE)
def test_a_record_made_under_another_is_read_back_at_its_estate_list_s_url(collection):
    assert TABLE[collection] == (READ_ELSEWHERE[collection], "id")


@pytest.mark.parametrize("collection, item", ITEM_READS, ids=[i for _, i in ITEM_READS])
def test_an_item_is_read_by_the_roles_that_read_its_list(collection, item):
    assert _ROUTE[("GET", item)].roles == _ROUTE[("GET", collection)].roles, item


def _filled(template, values):
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


@pytest.mark.parametrize("collection", READ_BACK + list(READ_ELSEWHERE))
def test_the_create_answers_the_location_and_the_read_asks_the_service_by_id(client, rpc, admin_token, contract,
                                                                              collection):
    item = TABLE[collection][0]
    create, read = _ROUTE[("POST", collection)], _ROUTE[("GET", item)]
    names = [part[1:-1] for part in item.split("/") if part.startswith("{")]
    values = {name: f"{name[:-3] or name}_1" for name in names[:-1] + PARAMETER.findall(collection)}
    values["estate_id"] = "A"
    rpc.answer(create.service, create.rpc, {"id": "made_1"})
    made = client.post(_filled(collection, values), json=example_body(create),
                       headers={"Authorization": f"Bearer {admin_token}"})
    assert made.status_code == 201, made.get_data(as_text=True)
    url = _filled(item, {**values, names[-1]: "made_1"})
    assert made.headers["Location"] == url
    rpc.answer(read.service, read.rpc, {"id": "made_1"})
    answer = client.get(url, headers={"Authorization": f"Bearer {admin_token}"})
    assert answer.status_code == 200 and answer.get_json() == {"id": "made_1"}
    asked = {"estate_id": "A", "id": "made_1"} if read.item_param is None else \
        {"estate_id": "A", "id": values[read.id_param], "item": "made_1"}  # a household's occupant
    assert rpc.only_call(read.service, read.rpc).payload == asked
    rpc.answer(read.service, read.rpc, NotFound("no such thing in this estate"))
    contract.problem(client.get(url, headers={"Authorization": f"Bearer {admin_token}"}), 404, "not_found", app=None)

