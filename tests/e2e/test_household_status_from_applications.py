"""Issue 14, the desk's applications and the household's status through the gateway over HTTP:
an approved move-in, a renovation's works and its acceptance, an approved move-out (退房) move
the household's status in archive (its one transition table), and finance, which bills by status,
follows its copy."""
import pytest

from .flows import billed_in, catching_up_years, eventually, new_estate, new_household, new_user

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def status_of(api, path, token, expected):
    return eventually(lambda: (lambda h: h if h["status"] == expected else None)(api.get(path, token).json()))



def test_applications_move_the_household_and_finance_bills_by_the_new_status(api, admin):
    estate = new_estate(api, admin, name="Willow Bank")["id"]
    base = f"/api/v1/estates/{estate}"
    staff = {role: new_user(api, admin, [role], [estate])[1]
             for role in ("steward", "accountant", "manager", "archivist")}
    household = new_household(api, staff["archivist"], estate, room="301", area_m2=100, building="2")["id"]
    path = f"{base}/households/{household}"
    standard = api.post(f"{base}/fee-standards", {"item": "property_service", "unit_price_cents_per_m2": 200,
                                                  "cycle": "monthly", "valid_from": "2019-01",
                                                  "applies_to": {"statuses": ["occupied"]}}, staff["accountant"])
    assert standard.status_code == 201, standard.text
    assert api.post(f"{base}/fee-standards/{standard.json()['id']}/approve", None,
                    staff["manager"]).status_code == 200
    catching_up_years(api, staff["manager"], estate)
    assert billed_in(api, base, staff["accountant"], household, "2025-01") == []  # vacant: not billed

    def applied(kind, **more):
        body = {"kind": kind, "household_id": household, "structural_change": False, "description": kind} | more
        return eventually(lambda: (lambda r: r.json() if r.status_code == 201 else None)(
            api.post(f"{base}/applications", body, staff["steward"])))

    moved_in = applied("move_in")
    assert moved_in["status"] == "approved"
    status_of(api, path, staff["steward"], "occupied")
    months = iter(f"{year}-{month:02d}" for year in (2020, 2021) for month in range(1, 13))  # each try a new month
    assert eventually(lambda: [b["amount_cents"] for b in billed_in(api, base, staff["accountant"], household,
                                                                    next(months))] == [20000], interval=0.5)
    history = api.get(f"{path}/occupants", staff["steward"]).json()["status_history"]
    assert [(h["step"], h["to"], h["application_id"]) for h in history] == [("move_in", "occupied", moved_in["id"])]

    assert api.post(f"{base}/applications", {"kind": "move_out", "household_id": household,
                                             "structural_change": True, "description": "x"},
                    staff["steward"]).status_code == 422
    moved_out = applied("move_out")
    status_of(api, path, staff["steward"], "vacant")
    assert api.post(f"{base}/applications/{moved_out['id']}/start-works", {}, staff["steward"]).status_code == 409
    later = iter(f"{year}-{month:02d}" for year in (2022, 2023) for month in range(1, 13))
    assert eventually(lambda: billed_in(api, base, staff["accountant"], household, next(later)) == [], interval=0.5)

    # a move-in while the household is occupied already: archive's table refuses it, nothing changes
    applied("move_in")
    applied("move_in")
    status_of(api, path, staff["steward"], "occupied")
    people = api.get(f"{path}/occupants", staff["steward"]).json()
    assert [h["step"] for h in people["status_history"]] == ["move_in", "move_out", "move_in"]
