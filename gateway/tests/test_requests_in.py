"""Reading what the client sent: whole-valued numbers (JSON Schema's integers) reach the services as ints."""
import math

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
