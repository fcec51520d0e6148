"""Reading what the client sent: whole-valued numbers (JSON Schema's integers) reach the services as ints."""
import math

import pytest

from estate_common.errors import InvalidInput
from gateway import requests_in

from .conftest import bearer


def test_a_whole_valued_float_is_an_int_and_other_numbers_stay():
    sent = {"days": 333.0, "area_m2": 89.37, "n": 7, "flag": True, "name": "5.0",
            "items": [{"amount_cents": 680075200.0}, 1.5], "huge": 1e300}
    read = requests_in.whole_numbers(sent)
    assert read == {"days": 333, "area_m2": 89.37, "n": 7, "flag": True, "name": "5.0",
                    "items": [{"amount_cents": 680075200}, 1.5], "huge": 1e300}
    assert type(read["days"]) is int and type(read["items"][0]["amount_cents"]) is int
    assert read["flag"] is True and type(read["huge"]) is float and not math.isnan(read["huge"])


def test_a_whole_float_in_a_body_reaches_the_service_as_an_int(client, rpc, admin_token):
    """``{"complaint_reply_days": 5.0}`` is an integer by the contract; the service refused it
    as not a whole number (400) before."""
    answer = client.put("/api/v1/estates/A/settings/customer-service", json={"complaint_reply_days": 5.0},
                        headers=bearer(admin_token))
    assert answer.status_code == 200, answer.get_json()
    data = rpc.only_call("customer_service", "update_settings").payload["data"]
    assert data == {"complaint_reply_days": 5} and type(data["complaint_reply_days"]) is int


def test_a_fraction_its_float_rounds_away_is_no_whole_number(client, rpc, admin_token, contract, app):
    """99.999999999999999999 reads as the float 100.0: a payment of it was taken as 100 cents (found
    by a money probe). What was written decides: a fraction is not an integer, however fine."""
    for written in ("4.99999999999999999999", "5.00000000000000000001", "99999.9999999999999999999",
                    "1e-99999999999999999999999999"):  # an exponent beyond Decimal's was a 500
        answer = client.put("/api/v1/estates/A/settings/customer-service",
                            data='{"complaint_reply_days": %s}' % written, content_type="application/json",
                            headers=bearer(admin_token))
        body = contract.check(app, answer, 400)
        assert body["errors"][0]["field"] == "complaint_reply_days", (written, body)
    assert rpc.calls_to("customer_service", "update_settings") == []
    # written whole, with a point or an exponent, it is the whole number it says
    for written in ("5.000", "0.5e1"):
        answer = client.put("/api/v1/estates/A/settings/customer-service",
                            data='{"complaint_reply_days": %s}' % written, content_type="application/json",
                            headers=bearer(admin_token))
        assert answer.status_code == 200, (written, answer.get_json())
    assert [call.payload["data"] for call in rpc.calls_to("customer_service", "update_settings")] == [
        {"complaint_reply_days": 5}, {"complaint_reply_days": 5}]



def test_a_checkpoint_code_typed_full_width_reaches_security_patrol(client, rpc, admin_token):
    """Ｅ１ typed on a phone's IME was a 400 naming ``checkpoint``: the gateway passes a body on as
    sent, and security patrol's entrypoint checks it against the RPC contract, whose pattern
    (``CheckpointCode``) was ASCII, before ``patrols.checkpoint_code`` could read it as E1 (NFKC).
    The pattern admits the full-width letters, digits, ``＿`` and ``－``; anything else is refused
    as before."""
    from estate_common import contracts
    book = contracts.load()
    route = {"name": "East loop", "checkpoints": [{"code": "Ｅ１", "name": "东门岗"}, {"code": "ａ－２", "name": "车库"}]}
    made = client.post("/api/v1/estates/A/patrol-routes", json=route, headers=bearer(admin_token))
    assert made.status_code == 201, made.get_json()
    sent = rpc.only_call("security_patrol", "create_patrol_route").payload
    assert [c["code"] for c in sent["data"]["checkpoints"]] == ["Ｅ１", "ａ－２"]
    book.check_rpc_input("security_patrol", "create_patrol_route", sent)  # what the service checks first
    checked = client.post("/api/v1/estates/A/patrol-rounds/pround_1/check-ins", json={"checkpoint": "Ｅ＿１"},
                          headers=bearer(admin_token))
    assert checked.status_code == 200, checked.get_json()
    sent = rpc.only_call("security_patrol", "check_in").payload
    book.check_rpc_input("security_patrol", "check_in", sent)
    for code in ("Ｅ １", "－Ｅ１", "①", "Ｅ" * 33):
        with pytest.raises(InvalidInput) as refused:
            book.check_rpc_input("security_patrol", "check_in", {**sent, "data": {"checkpoint": code}})
        assert [error["field"] for error in refused.value.errors] == ["data.checkpoint"], code


def test_a_fire_facility_code_typed_full_width_reaches_security_patrol(client, rpc, admin_token):
    """ＦＥ－１ was a 400 naming ``code`` in security patrol's entrypoint, as a checkpoint's code
    was: the facility's code is a ``TypedCode`` too (the service keeps it as FE-1:
    ``fire.equipment_code``)."""
    from estate_common import contracts
    facility = {"code": "ＦＥ－１", "name": "灭火器", "kind": "extinguisher", "location": "1号楼大堂"}
    made = client.post("/api/v1/estates/A/fire-equipment", json=facility, headers=bearer(admin_token))
    assert made.status_code == 201, made.get_json()
    sent = rpc.only_call("security_patrol", "create_fire_equipment").payload
    assert sent["data"]["code"] == "ＦＥ－１"
    book = contracts.load()
    book.check_rpc_input("security_patrol", "create_fire_equipment", sent)  # what the service checks first
    with pytest.raises(InvalidInput) as refused:  # a space is no part of a code, full-width or not
        book.check_rpc_input("security_patrol", "create_fire_equipment", {**sent, "data": {
            **sent["data"], "code": "ＦＥ １"}})
    assert [error["field"] for error in refused.value.errors] == ["data.code"]
