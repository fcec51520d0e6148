"""A charge's detail (``ChargeDetail``: what it is for, in parts a reader words in its own
language) is additive: each service's ``charge_raised`` takes it or goes without, the bill and a
renovation application's fee answer it, and the repair's title, an order's own text, is masked
as the order's description is."""
import pytest

from estate_common import contracts

BOOK = contracts.load()
STAMP = "2026-12-05T10:33:00Z"
DETAILS = {
    "parking": {"kind": "parking", "entered_at": STAMP, "exited_at": "2026-12-05T12:38:00Z", "minutes": 125},
    "repair": {"kind": "repair", "work_order_id": "wo_1", "work_order_number": "WO-2026-000001",
               "title": "厨房水管漏水"},
    "renovation_management": {"kind": "renovation_management", "pricing": "per_m2", "area_m2": 89.37,
                              "cents_per_m2": 300},
    "renovation_deposit": {"kind": "renovation_deposit"},
}
SOURCES = {"security_patrol": "parking", "maintenance": "repair", "customer_service": "renovation_management"}


def raised(source, item, detail=None):
    data = {"id": "chg_1", "item": item, "amount_cents": 1500, "description": f"{item} as the service words it",
            "household_id": "hh_1", "subject": {"type": "thing", "id": "t_1"}, "collected": False}
    if detail is not None:
        data["detail"] = detail
    return {"event_id": "ev_1", "event_type": "charge_raised", "source": source, "estate_id": "est_1",
            "occurred_at": STAMP, "schema_version": 1, "request_id": None, "actor": None, "data": data}


def errors(event):
    return BOOK.errors(f"events/{event['source']}/charge_raised.json", event)


def envelope_errors(event):
    """The envelope's own requirements are checked elsewhere: only the data's are asked here."""
    return [e for e in errors(event) if e["field"].startswith("data")]


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_charge_is_raised_with_its_detail_or_without_one(source):
    item = SOURCES[source]
    assert envelope_errors(raised(source, item, DETAILS[item])) == []
    assert envelope_errors(raised(source, item)) == []  # a producer from before it was kept


@pytest.mark.parametrize("kind", sorted(DETAILS))
def test_each_kind_has_its_own_parts(kind):
    assert envelope_errors(raised("customer_service", "renovation_deposit", DETAILS[kind])) == []
    unknown_part = dict(DETAILS[kind], colour="red")
    assert envelope_errors(raised("customer_service", "renovation_deposit", unknown_part))


def test_a_detail_missing_a_part_of_its_kind_is_refused():
    partial = {k: v for k, v in DETAILS["parking"].items() if k != "minutes"}
    assert envelope_errors(raised("security_patrol", "parking", partial))
    assert envelope_errors(raised("security_patrol", "parking", {"kind": "lunch"}))


def test_a_withdrawn_charge_carries_the_detail_it_was_raised_with():
    event = raised("customer_service", "renovation_management", DETAILS["renovation_management"])
    event.update(event_type="charge_withdrawn")
    event["data"]["reason"] = "owner gave up"
    assert [e for e in BOOK.errors("events/customer_service/charge_withdrawn.json", event)
            if e["field"].startswith("data")] == []


def test_a_bill_and_an_applications_fee_answer_the_detail():
    bill = {"id": "bill_1", "estate_id": "est_1", "household_id": "hh_1", "item": "parking", "period": "2026-12",
            "amount_cents": 1500, "paid_cents": 0, "due_at": STAMP, "status": "unpaid", "created_at": STAMP,
            "updated_at": STAMP,
            "description": "parking 2h05m from 2026-12-05 18:33", "detail": DETAILS["parking"],
            "source": {"kind": "charge", "service": "security_patrol", "charge_id": "ps_1",
                       "subject": {"type": "parking_session", "id": "ps_1"}}}
    assert BOOK.errors("openapi.yaml#/components/schemas/Bill", bill) == []
    assert BOOK.errors("openapi.yaml#/components/schemas/Bill", {k: v for k, v in bill.items() if k != "detail"}) == []
    fee = {"id": "chg_1", "item": "renovation_deposit", "amount_cents": 300000, "description": "Renovation deposit",
           "detail": DETAILS["renovation_deposit"], "status": "requested", "bill_id": None, "paid_at": None}
    assert BOOK.errors("openapi.yaml#/components/schemas/ApplicationCharge", fee) == []


def test_a_repairs_title_is_masked_on_the_bills_answers_as_the_orders_description_is():
    from gateway import masking
    from gateway.routes import ROUTES

    each = masking.EACH
    found = {(route.rpc, path) for route in ROUTES
             for path, kind in masking.plan(route.method, route.path, route.status) if kind == "numbers_in_text"}
    assert {("get_bill", ("detail", "title")), ("list_bills", ("items", each, "detail", "title")),
            ("household_account", ("bills", each, "detail", "title"))} <= found
    # the same words in the bill's sentence ("repair WO-…: <the order's description>") are masked too:
    # an accountant read a resident's phone in it in full
    assert {("get_bill", ("description",)), ("list_bills", ("items", each, "description")),
            ("household_account", ("bills", each, "description"))} <= found
