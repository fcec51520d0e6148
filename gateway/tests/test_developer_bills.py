"""The developer's bills (开发建设单位, 《物业服务收费管理办法》第十六条) through the gateway: listed by
payer, shown with the payer and the days owed, the developer named on the estate."""
import pytest

from estate_common import contracts
from estate_common.errors import InvalidInput

from .conftest import bearer

DEVELOPERS = {"id": "bill_dev", "estate_id": "A", "household_id": "hh_1", "item": "property_service",
              "period": "2026-11", "amount_cents": 13301, "paid_cents": 0, "status": "unpaid",
              "due_at": "2026-11-30T15:59:59.999Z", "created_at": "2026-11-23T02:00:00.000Z",
              "updated_at": "2026-11-23T02:00:00.000Z", "settled_at": None, "allocations": [],
              "source": {"kind": "billing_run", "job_id": "job_1", "standard_id": "fs_1", "corrects_bill_id": "bill_0"},
              "payer": "developer", "payer_name": "某某置业有限公司",
              "owed": {"from": "2026-11-01", "to": "2026-11-19"}}


def test_the_accounts_list_the_developers_bills_by_payer(client, rpc, contract, accounts):
    accountant = accounts.user("acc-dev", ["accountant"], ["A"])
    rpc.answer("finance", "list_bills", {"items": [DEVELOPERS], "next_cursor": None})
    answer = client.get("/api/v1/estates/A/bills?payer=developer&period=2026-11", headers=bearer(accountant))
    [shown] = contract.check(client.application, answer, 200)["items"]
    assert (shown["payer"], shown["payer_name"], shown["owed"]) == (
        "developer", "某某置业有限公司", {"from": "2026-11-01", "to": "2026-11-19"})
    assert rpc.only_call("finance", "list_bills").payload["filters"] == {"payer": "developer", "period": "2026-11"}


def test_a_payer_that_is_neither_is_refused_by_the_lists_contract():
    """The gateway passes the filter on; finance's contract (the RPC's input) refuses another value, a 400."""
    with pytest.raises(InvalidInput) as refused:
        contracts.load().check_rpc_input("finance", "list_bills", {"estate_id": "A", "filters": {"payer": "buyer"}})
    assert refused.value.errors[0]["field"] == "filters.payer"
    contracts.load().check_rpc_input("finance", "list_bills", {"estate_id": "A", "filters": {"payer": "owner"}})


def test_the_operator_admin_names_the_estates_developer(client, rpc, contract, accounts):
    admin = accounts.user("admin-dev", ["operator_admin"], [])
    estate = {"id": "A", "estate_id": "A", "code": "A-1", "name": "West Lake", "address": "9 Lake Rd",
              "timezone": "Asia/Shanghai", "developer_name": "某某置业有限公司", "version": 2,
              "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-11-23T02:00:00.000Z"}
    rpc.answer("archive", "update_estate", estate)
    answer = client.patch("/api/v1/estates/A", json={"developer_name": "某某置业有限公司"}, headers=bearer(admin))
    assert contract.check(client.application, answer, 200)["developer_name"] == "某某置业有限公司"
    assert rpc.only_call("archive", "update_estate").payload["data"] == {"developer_name": "某某置业有限公司"}
    with pytest.raises(InvalidInput):  # archive's contract: a name with no visible character is a 400
        contracts.load().check_rpc_input("archive", "update_estate", {"estate_id": "A", "data": {"developer_name": " "}})
