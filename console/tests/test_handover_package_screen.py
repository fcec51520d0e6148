"""移交清单 (h5): the manager reads the estate's handover package at its contract's end from the
gateway's ``…/handover?as_of=``: what is outstanding, the money by household, the records and work in hand."""
from .conftest import ESTATE, csrf_of, sign_in
from .test_registers import _only_documented

AT = "2026-12-07T08:00:00.000Z"
ZERO = {"paid_ahead_cents": 0, "unapplied_cents": 0, "owed_back_cents": 0, "arrears_cents": 0,
        "billed_after_end_unpaid_cents": 0}
PACKAGE = {
    "estate_id": ESTATE, "as_of": "2026-12-31",
    "money": {"estate_id": ESTATE, "as_of": "2026-12-31",
              "households": [{"household_id": "hh_1", "building": "1", "unit": "2", "room": "301",
                              "paid_ahead_cents": 150000, "unapplied_cents": 2345, "owed_back_cents": 152345,
                              "arrears_cents": 0, "billed_after_end_unpaid_cents": 0}],
              "developer": ZERO, "deposits_held": [], "seller_prepaid_held": [], "utility_balances": [],
              "maintenance_fund": {"balance_cents": 0, "kept": False},
              "totals": {**ZERO, "paid_ahead_cents": 150000, "unapplied_cents": 2345, "owed_back_cents": 152345,
                         "deposits_held_cents": 0, "seller_prepaid_held_cents": 0, "utility_prepaid_cents": 0,
                         "utility_overdrawn_cents": 0, "maintenance_fund_cents": 0, "held_for_others_cents": 152345},
              "amounts_as_at": AT, "generated_at": AT},
    "archive": {"documents": {"estate_id": ESTATE, "items": [], "missing": [], "received": 7, "required": 9},
                "households": {"count": 120}, "borrowed_not_returned": {"count": 0, "items": []}},
    "customer_service": {"open_requests": {"count": 3, "complaints": 1, "items": []},
                         "keys_in_custody": {"count": 4, "items": []}, "keys_lent": {"count": 0, "items": []},
                         "custody_items": {"count": 0, "items": []}},
    "maintenance": None,
    "security_patrol": {"patrol_routes": {"count": 1, "checkpoints": 6, "items": []},
                        "fire_equipment": {"count": 12, "items": []}, "open_incidents": {"count": 0, "items": []}},
    "outstanding": [{"item": "money_owed_back", "count": 1, "amount_cents": 152345},
                    {"item": "open_requests", "count": 3}],
    "unavailable": ["maintenance"], "truncated": []}


def test_the_manager_reads_the_handover_package_as_of_the_last_day(client, fake, documented_routes):
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/handover", PACKAGE)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [], "next_cursor": None})
    page = client.get("/manager/handover?as_of=2026-12-31", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    asked = [c for c in fake.calls if c["path"].endswith("/handover")]
    assert asked[-1]["params"]["as_of"] == "2026-12-31"
    outstanding = page.split("data-handover-outstanding")[1].split("</section>")[0]
    assert "应退或移交的预收款" in outstanding and "1,523.45" in outstanding and "未办结的服务请求: 3" in outstanding
    households = page.split("data-handover-households")[1].split("</table>")[0]
    assert "1-2-301" in households and "1,500.00" in households
    assert "7 / 9" in page and "巡更点 6 个" in page and "其中投诉 1 件" in page
    assert "maintenance" in page.split("data-handover-unavailable")[1].split("</p>")[0]
    # the amounts stand as when read, the days split at the last day (review of the exit: a past day's package read as that day's)
    standing = page.split("data-handover-amounts-as-at")[1].split("</p>")[0]
    assert "2026-12-31" in standing and "至今仍未缴" in standing and "现有余额" in standing
    _only_documented(fake, documented_routes)


def test_a_day_that_is_no_date_asks_for_this_month_s_end(client, fake):
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/handover", PACKAGE)
    client.get("/manager/handover?as_of=soon")
    asked = [c for c in fake.calls if c["path"].endswith("/handover")][-1]["params"]["as_of"]
    assert len(asked) == 10 and asked[4] == "-" and asked[7] == "-"


def test_the_package_is_in_the_management_menu_only(client, fake):
    sign_in(client, fake, username="mia", roles=("manager",))
    assert 'href="/manager/handover"' in client.get("/").get_data(as_text=True)
    sign_in(client, fake, username="li", roles=("agent",))
    assert 'href="/manager/handover"' not in client.get("/").get_data(as_text=True)


def test_the_money_owed_back_is_refunded_by_household_or_handed_over_in_one_batch(client, fake, documented_routes):
    """The package listed the money owed back and nothing paid it (h5): the accountant refunds a
    household's to its owner or hands every household's to the next company, the box ticked (h8)."""
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/handover", PACKAGE)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [], "next_cursor": None})
    page = client.get("/manager/handover?as_of=2026-12-31", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'data-exit-refund="hh_1"' in page and "data-exit-transfer" in page
    form = {"csrf_token": csrf_of(client), "as_of": "2026-12-31", "method": "transfer", "idempotency_key": "k-1"}
    unticked = client.post("/manager/handover/hh_1/refund", data=form)
    assert unticked.status_code == 302 and not [c for c in fake.calls if c["path"].endswith("/exit-refund")]
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/households/hh_1/exit-refund", {"amount_cents": 152345})
    done = client.post("/manager/handover/hh_1/refund", data={**form, "confirm": "yes"})
    assert done.status_code == 302 and "as_of=2026-12-31" in done.location
    sent = [c for c in fake.calls if c["path"].endswith("/exit-refund")][-1]
    assert sent["json"] == {"as_of": "2026-12-31", "method": "transfer"}
    # the amount counted out is on the form, filled with what the refund pays; sent, the refund pays it or
    # is refused naming what it pays, never less (h5)
    assert 'id="amount-hh_1" name="amount"' in page and 'value="1523.45"' in page
    client.post("/manager/handover/hh_1/refund", data={**form, "confirm": "yes", "amount": "1,523.45"})
    sent = [c for c in fake.calls if c["path"].endswith("/exit-refund")][-1]
    assert sent["json"] == {"as_of": "2026-12-31", "method": "transfer", "amount_cents": 152345}
    calls = len(fake.calls)
    client.post("/manager/handover/hh_1/refund", data={**form, "confirm": "yes", "amount": "15.234"})
    assert not [c for c in fake.calls[calls:] if c["path"].endswith("/exit-refund")]  # no yuan: nothing sent
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/exit-transfers", {"amount_cents": 152345, "to_company": "新锦物业",
                                                                   "households": [{"household_id": "hh_1"}]})
    client.post("/manager/handover/transfer", data={**form, "confirm": "yes", "to_company": " 新锦物业 "})
    sent = [c for c in fake.calls if c["path"].endswith("/exit-transfers")][-1]
    assert sent["json"] == {"as_of": "2026-12-31", "method": "transfer", "to_company": "新锦物业"}
    _only_documented(fake, documented_routes)



def test_the_accountant_refunds_and_hands_over_from_the_money_at_the_end(client, fake, documented_routes):
    """The accountant refunds and hands over the money owed back through the API, but the handover
    page was management's alone (its menu, and the package it read), so he could not do his own job in
    the console (found by review of the exit). His menu has it; the page reads finance's part alone
    (``…/exit-money``), with the refund and the transfer, and none of the package's other parts."""
    sign_in(client, fake, username="kuaiji", roles=("accountant",))
    assert 'href="/manager/handover"' in client.get("/").get_data(as_text=True)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/exit-money", PACKAGE["money"])
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [], "next_cursor": None})
    page = client.get("/manager/handover?as_of=2026-12-31", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert not [c for c in fake.calls if c["path"].endswith("/handover")]
    assert [c for c in fake.calls if c["path"].endswith("/exit-money")][-1]["params"]["as_of"] == "2026-12-31"
    assert "1-2-301" in page.split("data-handover-households")[1].split("</table>")[0]
    assert 'data-exit-refund="hh_1"' in page and "data-exit-transfer" in page
    assert "data-handover-records" not in page and "data-handover-outstanding" not in page
    _only_documented(fake, documented_routes)
    sign_in(client, fake, username="shouyin", roles=("cashier",))  # pays no refund: not offered
    assert 'href="/manager/handover"' not in client.get("/").get_data(as_text=True)


def test_the_money_collected_for_payees_and_not_handed_on_is_shown_by_payee(client, fake):
    """代收代缴 at the contract's end (h4): the gas company's money is the gas company's, listed by payee and
    named among what is outstanding (the transfer to the next company is refused while any is owed)."""
    money = {**PACKAGE["money"],
             "pass_through_owed": [{"payee_id": "ptp_1", "name": "华润燃气", "service": "gas", "owed_cents": 18850}],
             "totals": {**PACKAGE["money"]["totals"], "pass_through_owed_cents": 18850,
                        "held_for_others_cents": 152345 + 18850}}
    package = {**PACKAGE, "money": money, "outstanding": [
        *PACKAGE["outstanding"][:1], {"item": "pass_through_owed", "count": 1, "amount_cents": 18850},
        *PACKAGE["outstanding"][1:]]}
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/handover", package)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [], "next_cursor": None})
    page = client.get("/manager/handover?as_of=2026-12-31", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    outstanding = page.split("data-handover-outstanding")[1].split("</section>")[0]
    assert "代收款未解缴" in outstanding and "188.50" in outstanding
    payees = page.split("data-handover-payees")[1].split("</table>")[0]
    assert "华润燃气" in payees and "188.50" in payees
    assert "1,711.95" in page.split("data-handover-money")[1].split("</section>")[0]  # held for others, with it
