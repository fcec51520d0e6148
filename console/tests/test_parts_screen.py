"""备品备件: engineering's parts store on its register screen (h8): the store's parts with what is on
hand, its value and the parts to be bought; a delivery received and 12.5 m issued to an order, the
quantities sent exactly as the API reads them, each with its Idempotency-Key."""
import re

from .conftest import ESTATE, csrf_of, sign_in

CABLE = {"id": "part_1", "code": "CABLE-2.5", "name": "电缆 2.5mm²", "unit": "m", "minimum": 50, "on_hand": 12.5,
         "value_cents": 5250, "unit_cost_cents": 420, "below_minimum": True}


def test_the_store_lists_its_parts_and_issues_a_length_to_an_order(client, fake, documented_routes):
    sign_in(client, fake, roles=("technician", "maintenance_supervisor"))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/parts", {"items": [CABLE], "next_cursor": None})
    page = client.get("/engineering/parts", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "备品备件" in page and "12.5" in page and "需补货" in page and "米" in page
    assert 'action="/engineering/parts/part_1/issues"' in page
    key = re.search(r'name="idempotency_key" value="([^"]+-part_1-issues)"', page).group(1)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/parts/part_1/issues", {**CABLE, "on_hand": 0})
    answer = client.post("/engineering/parts/part_1/issues", data={
        "csrf_token": csrf_of(client), "idempotency_key": key, "work_order_id": "wo_1", "qty": "１２.5"})
    assert answer.status_code == 302
    sent = fake.calls[-1]
    assert sent["json"] == {"work_order_id": "wo_1", "qty": 12.5} and sent["headers"]["Idempotency-Key"] == key

    fake.on("POST", rf"/api/v1/estates/{ESTATE}/parts/part_1/receipts", CABLE)
    client.post("/engineering/parts/part_1/receipts", data={"csrf_token": csrf_of(client), "qty": "200",
                                                            "unit_cost_cents": "4.20", "supplier": "五金行"})
    assert fake.calls[-1]["json"] == {"qty": 200, "unit_cost_cents": 420, "supplier": "五金行"}
    refused = client.post("/engineering/parts/part_1/counts", data={"csrf_token": csrf_of(client), "counted": "十"})
    assert "最多三位小数" in refused.get_data(as_text=True) or refused.status_code == 302 and \
        "最多三位小数" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_accounts_read_the_store_from_the_menu(client, fake):
    sign_in(client, fake, roles=("accountant",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/parts", {"items": [CABLE], "next_cursor": None})
    assert "/engineering/parts" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_units_offered_are_the_contracts():
    """The form's units (``register_specs.PART_UNITS``) are written again in the console, a client of
    the API: tied to the contract's ``PartUnit`` so a unit added there is offered here (found by t1)."""
    from console.views.register_specs import PART_UNITS

    from .conftest import openapi_spec

    assert sorted(PART_UNITS) == sorted(openapi_spec()["components"]["schemas"]["PartUnit"]["enum"])
