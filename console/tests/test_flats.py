"""A flat (building-unit-room) is one name, kept on one line where a list shows it: in a narrow
table Chromium broke 3-2-1202 at its hyphens, "3-2-" over "1202" (a browser probe of the owners
still to contact, the households and the bills)."""
from pathlib import Path

from markupsafe import Markup

from .conftest import ESTATE, sign_in
from .test_households_screen import DUE

BASE = f"/api/v1/estates/{ESTATE}"
HOUSEHOLD = {"id": "hh_1", "estate_id": ESTATE, "building": "5", "unit": "1", "room": "1801", "area_m2": 89.37,
             "status": "occupied", "owner": {"name": "陈小明", "phone": "139****5678"},
             "created_at": "2026-11-30T08:00:00Z", "version": 1}
BILL = {"id": "bill_1", "estate_id": ESTATE, "household_id": "hh_1", "item": "management_fee", "period": "2026-11",
        "amount_cents": 12000, "paid_cents": 0, "status": "unpaid", "due_date": "2026-12-31",
        "created_at": "2026-11-30T08:00:00Z"}
STYLESHEET = Path(__file__).resolve().parents[1] / "console" / "static" / "console.css"


def test_the_flat_helper_keeps_the_name_whole_and_escaped(app):
    from console import i18n
    with app.test_request_context():
        assert i18n.flat(HOUSEHOLD) == Markup('<span class="flat">5-1-1801</span>')
        assert i18n.flat("3-2-1202") == Markup('<span class="flat">3-2-1202</span>')
        assert i18n.flat("<b>") == Markup('<span class="flat">&lt;b&gt;</span>')
        assert i18n.flat({"building": "5"}) == "" and i18n.flat("") == "" and i18n.flat(None) == ""
    rule = STYLESHEET.read_text().split(".flat {")[1].split("}")[0]
    assert "white-space: nowrap" in rule


def test_the_owners_still_to_contact_show_each_flat_on_one_line(client, fake):
    sign_in(client, fake, roles=("steward",))
    fake.on("GET", rf"{BASE}/owner-contacts/due", DUE)
    page = client.get("/desk/owner-contacts/due").get_data(as_text=True)
    assert '<span class="flat">5-1-1801</span>' in page and '<span class="flat">5-1-1802</span>' in page


def test_the_households_and_the_bills_show_each_flat_on_one_line(client, fake):
    sign_in(client, fake, username="acc", roles=("manager", "accountant"))
    fake.on("GET", rf"{BASE}/custom-fields", {"items": [], "unavailable": []})
    fake.on("GET", rf"{BASE}/households", {"items": [HOUSEHOLD], "next_cursor": None})
    fake.on("GET", rf"{BASE}/bills", {"items": [BILL], "next_cursor": None})
    households = client.get("/admin/households").get_data(as_text=True)
    assert '<span class="flat">5-1-1801</span></a>' in households
    bills = client.get("/accounts/bills").get_data(as_text=True)
    assert '<td><span class="flat">5-1-1801</span></td>' in bills
