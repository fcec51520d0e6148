"""The reminders sent (催缴), listed: recorded and announced by finance and listed nowhere, the
arrears naming a household's last one only (a probe of the steward's month)."""
from .conftest import bearer

REMINDER = {"id": "rem_1", "estate_id": "A", "household_id": "hh_1", "channel": "phone",
            "note": "业主说月底缴，新号13700001111", "overdue_cents": 21002, "bills": 1, "age_days": 9,
            "sent_at": "2026-12-10T02:00:00.000Z", "sent_by": "steward1", "created_at": "2026-12-10T02:00:00.000Z"}
PATH = "/api/v1/estates/A/arrears/reminders"


def test_the_collectors_list_the_reminders_sent_by_month_and_household(client, rpc, contract, accounts):
    steward = accounts.user("steward-r", ["steward"], ["A"])
    rpc.answer("finance", "list_reminders", {"items": [REMINDER], "next_cursor": None})
    answer = client.get(f"{PATH}?period=2026-12&household_id=hh_1&newest_first=true", headers=bearer(steward))
    assert contract.check(client.application, answer, 200)["items"][0]["note"] == REMINDER["note"]
    assert rpc.only_call("finance", "list_reminders").payload["filters"] == {
        "period": "2026-12", "household_id": "hh_1", "newest_first": "true"}


def test_a_number_in_a_reminders_note_is_masked_for_the_accounts(client, rpc, contract, accounts):
    cashier = accounts.user("cashier-r", ["cashier"], ["A"])
    rpc.answer("finance", "list_reminders", {"items": [REMINDER], "next_cursor": None})
    [shown] = contract.check(client.application, client.get(PATH, headers=bearer(cashier)), 200)["items"]
    assert "13700001111" not in shown["note"] and "137****1111" in shown["note"]


def test_who_reads_no_arrears_lists_no_reminders(client, rpc, contract, accounts):
    technician = accounts.user("tech-r", ["technician"], ["A"])
    contract.problem(client.get(PATH, headers=bearer(technician)), 403, app=client.application)
