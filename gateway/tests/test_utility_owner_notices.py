"""The owner told of a low prepaid balance (遇预存余额不足的，及时通知业主并做好书面记录): recorded by who
chases arrears (the finance staff, stewards and the front desk), who read the low balances for it; a
phone typed into its note is masked for who does not see residents' phones (found by h9, the
cashier's shift and the owner told)."""
from .conftest import bearer

NOTICE = {"id": "uon_1", "estate_id": "A", "account_id": "ua_1", "household_id": "hh_1", "utility": "electricity",
          "how": "phone", "told_at": "2026-12-10T02:00:00.000Z", "told_by": "agent-u",
          "note": "业主说周末充值，新号13700001111", "balance_cents": 1500, "low_since": "2026-12-09T02:00:00.000Z",
          "created_at": "2026-12-10T02:00:00.000Z"}
ACCOUNT = {"id": "ua_1", "estate_id": "A", "household_id": "hh_1", "utility": "electricity", "balance_cents": 1500,
           "low_noticed": True, "low_since": "2026-12-09T02:00:00.000Z",
           "owner_told": {"id": "uon_1", "how": "phone", "at": "2026-12-10T02:00:00.000Z", "by": "agent-u"},
           "created_at": "2026-12-01T02:00:00.000Z", "updated_at": "2026-12-09T02:00:00.000Z"}


def test_the_front_desk_records_the_owner_told_and_reads_the_low_balances(client, rpc, contract, accounts):
    agent = accounts.user("agent-u", ["agent"], ["A"])
    rpc.answer("finance", "record_utility_owner_notice", NOTICE)
    answer = client.post("/api/v1/estates/A/utilities/accounts/ua_1/owner-notices", json={
        "how": "phone", "note": NOTICE["note"]}, headers={**bearer(agent), "Idempotency-Key": "k-told-1"})
    assert contract.check(client.application, answer, 201)["note"] == NOTICE["note"]  # the desk reads phones
    call = rpc.only_call("finance", "record_utility_owner_notice").payload
    assert call["id"] == "ua_1" and call["data"] == {"how": "phone", "note": NOTICE["note"]}
    rpc.answer("finance", "list_utility_accounts", {"items": [ACCOUNT], "next_cursor": None})
    listed = client.get("/api/v1/estates/A/utilities/accounts?low=true", headers=bearer(agent))
    assert contract.check(client.application, listed, 200)["items"][0]["owner_told"]["how"] == "phone"


def test_a_number_in_the_owner_told_note_is_masked_for_the_cashier(client, rpc, contract, accounts):
    cashier = accounts.user("cashier-u", ["cashier"], ["A"])
    rpc.answer("finance", "list_utility_owner_notices", {"items": [NOTICE], "next_cursor": None})
    answer = client.get("/api/v1/estates/A/utilities/owner-notices?household_id=hh_1", headers=bearer(cashier))
    [shown] = contract.check(client.application, answer, 200)["items"]
    assert "13700001111" not in shown["note"] and "137****1111" in shown["note"]


def test_a_technician_records_no_owner_told(client, rpc, contract, accounts):
    technician = accounts.user("tech-u", ["technician"], ["A"])
    contract.problem(client.post("/api/v1/estates/A/utilities/accounts/ua_1/owner-notices", json={"how": "visit"},
                                 headers={**bearer(technician), "Idempotency-Key": "k-told-2"}), 403,
                     app=client.application)
