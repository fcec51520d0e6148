"""A flat (building-unit-room) is one name, kept on one line where a list shows it: in a narrow
table Chromium broke 3-2-1202 at its hyphens, "3-2-" over "1202" (a browser probe of the owners
still to contact, the households and the bills)."""
import re
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


CONSOLE = Path(__file__).resolve().parents[1] / "console"
# building, unit and room joined by hand: {{ h.building }}-{{ h.unit }}-{{ h.room }}, h.building ~ '-' ~ …,
# f"{h['building']}-{h['unit']}-…", "-".join((a["building"], …))
HAND_JOINED = re.compile(r"building \}\}-\{\{|building ~ '-'|building['\"]?\)?\}-\{|join\(\(?\w*\[?['\"]?building")


def test_no_page_or_view_joins_a_flat_by_hand():
    """A few pages built their flat's name by hand (the payment form's household, the request's page,
    a history line, the register's typed address), a line a phone broke at its hyphens: every flat
    shown goes through ``i18n.flat`` (its text, where markup does not go, ``i18n.flat_text``)."""
    found = [f"{path.relative_to(CONSOLE)}:{number}"
             for path in [*(CONSOLE / "templates").rglob("*.html"), *(CONSOLE / "views").rglob("*.py")]
             for number, line in enumerate(path.read_text().splitlines(), 1) if HAND_JOINED.search(line)]
    assert found == []


def test_the_request_s_page_shows_its_household_and_the_address_typed_each_on_one_line(client, fake):
    sign_in(client, fake, roles=("agent",))
    fake.on("GET", rf"{BASE}/service-requests/sr_1", {
        "id": "sr_1", "estate_id": ESTATE, "number": "SR-1", "kind": "consultation", "household_id": "hh_1",
        "channel": "portal", "description": "dogs?", "status": "open", "due_at": None,
        "created_at": "2026-11-30T08:00:00Z", "updated_at": "2026-11-30T08:00:00Z", "history": [],
        "portal": {"address": {"building": "5", "unit": "1", "room": "1801"}, "contact": {"name": None,
                   "phone": "138****8000"}, "matched": True, "rating": None}})
    fake.on("GET", rf"{BASE}/households/hh_1", HOUSEHOLD)
    page = client.get("/desk/requests/sr_1").get_data(as_text=True)
    assert '<dd><span class="flat">5-1-1801</span> <span class="muted">' in page  # the household
    assert '<dd><span class="flat">5-1-1801</span></dd>' in page  # the address the owner typed
