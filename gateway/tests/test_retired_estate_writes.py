"""A retired estate takes no new work: its contract ended, nobody works there, so a service
request, a work order's plan, a patrol round, a billing run or a new household is refused (409,
``retirements.starts_work``); what closes out its past (a payment of an old bill, a reversal, open
work completed or cancelled, the archive borrowed, an export) is still taken. Reinstated, it takes
new work again. Before, every write went on into a retired estate (found by a probe of the operator
admin's month)."""
import pytest

from gateway import retirements
from gateway.routes import ROUTES

from .conftest import bearer
from .test_estate_retirement import RETIRED_AT, archive_knows, estate, retire  # noqa: F401 (a fixture)

REQUEST = {"kind": "repair", "household_id": "hh_1", "channel": "phone", "description": "leak"}


def post(client, token, path, body):
    return client.post(f"/api/v1/estates/R{path}", json=body, headers=bearer(token) | {"Idempotency-Key": path})


def test_a_retired_estate_refuses_new_work_naming_its_retirement(app, client, rpc, contract, admin_token,
                                                                archive_knows):
    for path, body, rpc_name in (("/service-requests", REQUEST, ("customer_service", "create_request")),
                                 ("/billing-runs", {"period": "2026-12"}, ("finance", "start_billing_run")),
                                 ("/households", {"building": "1", "unit": "1", "room": "101", "area_m2": 80},
                                  ("archive", "create_household"))):
        refused = post(client, admin_token, path, body)
        problem = contract.problem(refused, 409, "conflict", fields=["estate_id"], app=app)
        assert "retired" in problem["detail"] and "reinstate" in problem["detail"]
        assert rpc.calls_to(*rpc_name) == []


def test_a_retired_estate_imports_no_households(app, client, rpc, contract, admin_token, archive_knows):
    refused = client.post("/api/v1/estates/R/households/import", data=b"building,unit,room,area_m2\n1,1,101,80\n",
                          headers={**bearer(admin_token), "Content-Type": "text/csv"})
    contract.problem(refused, 409, "conflict", fields=["estate_id"], app=app)
    assert rpc.calls_to("archive", "start_household_import") == []


def test_a_retired_estate_carries_over_no_list_of_opening_balances(app, client, rpc, contract, admin_token,
                                                                   archive_knows):
    refused = client.post("/api/v1/estates/R/opening-balances/import",
                          data="收费项目,月份,金额,单号,房屋编号\n物业服务费,2026-08,1,QD-1,hh_1\n".encode(),
                          headers={**bearer(admin_token), "Content-Type": "text/csv"})
    contract.problem(refused, 409, "conflict", fields=["estate_id"], app=app)
    assert rpc.calls_to("finance", "start_opening_balance_import") == []
    credits = client.post("/api/v1/estates/R/opening-credits/import", data="房屋编号,预收金额,单号\nhh_1,1,YS-1\n".encode(),
                          headers={**bearer(admin_token), "Content-Type": "text/csv"})
    contract.problem(credits, 409, "conflict", fields=["estate_id"], app=app)
    assert rpc.calls_to("finance", "start_opening_credit_import") == []


def test_a_retired_estate_still_takes_what_closes_out_its_past(app, client, rpc, admin_token, archive_knows):
    rpc.answer("finance", "reverse_payment", {"id": "pay_1"})
    assert post(client, admin_token, "/payments/pay_1/reverse", {"reason": "paid twice"}).status_code != 409
    assert len(rpc.calls_to("finance", "reverse_payment")) == 1
    assert post(client, admin_token, "/work-orders/wo_1/cancel", {"reason": "contract ended"}).status_code != 409
    assert len(rpc.calls_to("maintenance", "cancel_work_order")) == 1


def test_a_reinstated_estate_takes_new_work_again(app, client, rpc, admin_token, archive_knows):
    assert post(client, admin_token, "/service-requests", REQUEST).status_code == 409
    archive_knows["R"] = estate("R")
    rpc.answer("archive", "retire_estate", lambda call: archive_knows["R"])
    assert retire(client, admin_token, "R", "reinstate").status_code == 200  # this gateway asks archive again
    assert post(client, admin_token, "/service-requests", REQUEST).status_code != 409
    assert len(rpc.calls_to("customer_service", "create_request")) == 1


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method != "GET" and r.estate_scoped and not r.reads],
                         ids=lambda r: f"{r.service}.{r.rpc}")
def test_every_write_of_an_estate_either_starts_work_or_closes_out_the_past(route):
    """A new write is decided for a retired estate when it is made, not let through by default."""
    named = (route.service, route.rpc)
    assert (named in retirements.STARTS_WORK) != (named in retirements.CLOSES_OUT), named


def test_every_own_write_of_an_estate_either_starts_work_or_closes_out_the_past(app):
    """The gateway's own writes (not forwarded to a service) are decided too: a route added there
    was let through a retired estate by default, listed in neither table (the session 48 note)."""
    from gateway.routes import PUBLIC_FORWARDED
    forwarded = {(route.method, route.path) for route in ROUTES + PUBLIC_FORWARDED}
    own = {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"GET", "HEAD", "OPTIONS"}
           if rule.rule.startswith("/api/v1/estates/<estate_id>/") and (method, rule.rule) not in forwarded}
    assert own, "the gateway's own estate writes were not found"
    for named in sorted(own):
        assert (named in retirements.OWN_STARTS_WORK) != (named in retirements.OWN_CLOSES_OUT), named
    assert retirements.OWN_STARTS_WORK | retirements.OWN_CLOSES_OUT <= own  # no entry outlives its route
