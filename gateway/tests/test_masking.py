"""Personal data masked by role on the way out of the gateway (gateway/masking.py, the table in
estate_common/personal_data.py), for every route whose answer the contract marks."""
import json

import pytest

from estate_common import personal_data
from gateway import masking
from gateway.routes import ROUTES

ESTATE = "/api/v1/estates/A"
OWNER = {"name": "张三丰", "phone": "13912345678"}
HOUSEHOLD = {"id": "hh_1", "estate_id": "A", "building": "1", "unit": "2", "room": "301", "area_m2": 89.37,
             "status": "occupied", "owner": OWNER, "created_at": "2026-11-23T08:00:00.000Z", "version": 1}
ALL_ROLES = ("operator_admin", "manager", "agent", "steward", "technician", "security", "accountant", "cashier",
             "archivist")


def token(accounts, role):
    return accounts.user(f"mask-{role.replace('_', '-')}", [role], ["A"])


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_household_shows_its_owner_as_the_table_says_for_each_role(client, rpc, contract, accounts, role):
    rpc.answer("archive", "get_household", lambda call: dict(HOUSEHOLD, owner=dict(OWNER)))
    rpc.answer("archive", "list_households", lambda call: {"items": [dict(HOUSEHOLD, owner=dict(OWNER))],
                                                           "next_cursor": None})
    auth = {"Authorization": f"Bearer {token(accounts, role)}"}
    one = contract.check(client.application, client.get(f"{ESTATE}/households/hh_1", headers=auth), 200)
    listed = contract.check(client.application, client.get(f"{ESTATE}/households", headers=auth), 200)
    for owner in (one["owner"], listed["items"][0]["owner"]):
        assert owner["name"] == ("张三丰" if personal_data.sees_in_full("owner_name", [role]) else "张**")
        assert owner["phone"] == ("13912345678" if personal_data.sees_in_full("owner_phone", [role])
                                  else "139****5678")
    assert one["building"] == "1" and one["room"] == "301"  # the unit is never masked


def test_a_complainant_is_masked_for_a_technician_and_shown_to_the_desk(client, rpc, accounts):
    request = {"id": "sr_1", "kind": "complaint", "complaint": {"complainant": "Li Lei", "nature": "noise"}}
    rpc.answer("customer_service", "get_request", lambda call: {**request, "complaint": dict(request["complaint"])})
    path = f"{ESTATE}/service-requests/sr_1"
    seen = {role: client.get(path, headers={"Authorization": f"Bearer {token(accounts, role)}"}).get_json()
            for role in ("agent", "technician")}
    assert seen["agent"]["complaint"]["complainant"] == "Li Lei"
    assert seen["technician"]["complaint"] == {"complainant": "L* ***", "nature": "noise"}


def test_who_raised_a_request_is_masked_for_a_technician_and_shown_to_the_desk(client, rpc, accounts):
    """Every request records who raised it (``contact``, any kind): a resident's name and phone,
    masked as the portal's contact is, in a request read by id and in a list."""
    request = {"id": "sr_1", "kind": "repair", "contact": {"name": "王五", "phone": "13912345678"},
               "portal": {"contact": {"name": "王五", "phone": "13912345678"}}}

    def answer(call):
        return {**request, "contact": dict(request["contact"]), "portal": {"contact": dict(request["contact"])}}
    rpc.answer("customer_service", "get_request", answer)
    rpc.answer("customer_service", "list_requests", lambda call: {"items": [answer(call)], "next_cursor": None})
    for role, shown in (("agent", {"name": "王五", "phone": "13912345678"}),
                        ("technician", {"name": "王*", "phone": "139****5678"})):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        one = client.get(f"{ESTATE}/service-requests/sr_1", headers=auth).get_json()
        listed = client.get(f"{ESTATE}/service-requests", headers=auth).get_json()["items"][0]
        assert one["contact"] == listed["contact"] == one["portal"]["contact"] == shown, role
    rpc.answer("customer_service", "get_request", lambda call: {**request, "contact": None})
    auth = {"Authorization": f"Bearer {token(accounts, 'technician')}"}
    assert client.get(f"{ESTATE}/service-requests/sr_1", headers=auth).get_json()["contact"] is None  # nobody


def test_who_confirmed_a_return_visit_is_masked_as_a_resident_for_engineering(client, rpc, accounts):
    """The name was marked personal in words only: a technician read it in full on the request."""
    visit = {"visited_at": "2026-11-25T02:00:00Z", "by": "zhang", "satisfaction": 5, "notes": "", "problem_found": False,
             "on_time": True, "work_completed_at": None, "follow_up_id": None,
             "occupant_confirmation": {"method": "name", "name": "郑十一"}}
    request = {"id": "sr_1", "kind": "repair", "return_visits": [visit]}
    rpc.answer("customer_service", "get_request", lambda call: {**request, "return_visits": [
        {**visit, "occupant_confirmation": dict(visit["occupant_confirmation"])}]})
    path = f"{ESTATE}/service-requests/sr_1"
    seen = {role: client.get(path, headers={"Authorization": f"Bearer {token(accounts, role)}"}).get_json()
            for role in ("agent", "technician")}
    assert seen["agent"]["return_visits"][0]["occupant_confirmation"]["name"] == "郑十一"
    assert seen["technician"]["return_visits"][0]["occupant_confirmation"] == {"method": "name", "name": "郑**"}


def test_a_number_typed_into_a_repair_is_masked_for_engineering_and_its_words_kept(client, rpc, accounts):
    """Owners type their numbers into what they report: a technician read them in full in the
    repair his order came from and in the order (a probe, session 36)."""
    said = "厨房漏水, 请联系 138 0013 8000"
    request = {"id": "sr_1", "kind": "repair", "description": said, "reply": None,
               "history": [{"at": "2026-11-25T02:00:00Z", "by": "zhang", "action": "replied",
                            "note": "told him, call 13900139000"}],
               "outcome": "修好了, 业主13900139000确认", "return_visits": [{"visited_at": "2026-11-25T02:00:00Z", "notes": "回电 13900139000"}]}
    order = {"id": "wo_1", "technician": "mask-technician", "description": said, "summary": None}
    rpc.answer("customer_service", "get_request", lambda call: {
        **request, "return_visits": [dict(v) for v in request["return_visits"]],
        "history": [dict(h) for h in request["history"]]})
    rpc.answer("maintenance", "get_work_order", lambda call: dict(order))
    rpc.answer("maintenance", "list_work_orders", lambda call: {"items": [dict(order)], "next_cursor": None})
    seen = {}
    for role in ("agent", "technician"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        seen[role] = (client.get(f"{ESTATE}/service-requests/sr_1", headers=auth).get_json(),
                      client.get(f"{ESTATE}/work-orders/wo_1", headers=auth).get_json(),
                      client.get(f"{ESTATE}/work-orders", headers=auth).get_json())
    repair, one, listed = seen["agent"]
    assert repair["description"] == one["description"] == listed["items"][0]["description"] == said
    assert repair["outcome"] == "修好了, 业主13900139000确认"
    repair, one, listed = seen["technician"]
    assert repair["description"] == one["description"] == listed["items"][0]["description"] \
        == "厨房漏水, 请联系 138******8000"
    assert repair["outcome"] == "修好了, 业主139****9000确认"
    assert repair["return_visits"][0]["notes"] == "回电 139****9000" and repair["reply"] is None
    assert repair["history"][0]["note"] == "told him, call 139****9000"  # a reply's words are kept in the history
    assert seen["agent"][0]["history"][0]["note"] == "told him, call 13900139000"


def test_a_name_the_record_holds_typed_into_its_free_text_is_masked_as_the_name_is(client, rpc, accounts):
    """A name was never masked in free text ("王建国说厨房漏水"): the numbers were, the caller's name
    read in full in the description beside his masked name (h8). The names the record itself holds
    (who called, the complainant, the portal's filer) are masked where its text repeats them, for
    whoever reads the name masked; any other name (a neighbour's) is not known here and stays."""
    request = {"id": "sr_1", "kind": "complaint", "description": "王建国说楼上李小龙家漏水, 王建国 13900139000",
               "contact": {"name": "王建国", "phone": "13900139000"},
               "complaint": {"complainant": "Li Lei", "nature": "noise"},
               "history": [{"at": "2026-11-25T02:00:00Z", "by": "zhang", "action": "replied", "note": "told 王建国"}],
               "outcome": "Li Lei 满意; 王 and 王建 stay"}

    def answer(call):
        return {**request, "contact": dict(request["contact"]), "complaint": dict(request["complaint"]),
                "history": [dict(h) for h in request["history"]]}
    rpc.answer("customer_service", "get_request", answer)
    rpc.answer("customer_service", "list_requests", lambda call: {"items": [answer(call), {
        **answer(call), "id": "sr_2", "contact": {"name": "赵六", "phone": None}}], "next_cursor": None})
    for role in ("agent", "technician"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        one = client.get(f"{ESTATE}/service-requests/sr_1", headers=auth).get_json()
        first, second = client.get(f"{ESTATE}/service-requests", headers=auth).get_json()["items"]
        if role == "agent":
            assert one == first == answer(None)
            continue
        for shown in (one, first):
            assert shown["description"] == "王**说楼上李小龙家漏水, 王** 139****9000"
            assert shown["contact"]["name"] == "王**" and shown["history"][0]["note"] == "told 王**"
            assert shown["outcome"] == "L* *** 满意; 王 and 王建 stay"  # a part of a name is no name
        # each record by its own names: the second's caller is 赵六, so 王建国 stays in its words
        assert second["description"] == "王建国说楼上李小龙家漏水, 王建国 139****9000"



def test_a_name_inside_another_name_of_the_record_leaves_nothing_of_the_longer_one(client, rpc, accounts):
    """Who called (李明) and the complainant (李明月) of one record: the text naming 李明月 is masked as
    李明月 is, 李**, whichever field comes first, where the shorter name masked first left 李*月, the
    longer name's last character in full (found by review r8 of h8)."""
    auth = {"Authorization": f"Bearer {token(accounts, 'technician')}"}
    for caller, complainant in (("李明", "李明月"), ("李明月", "李明")):
        request = {"id": "sr_1", "kind": "complaint", "description": "李明月投诉楼上噪音，李明代为来电",
                   "contact": {"name": caller, "phone": None},
                   "complaint": {"complainant": complainant, "nature": "noise"}}
        rpc.answer("customer_service", "get_request", lambda call, request=request: {
            **request, "contact": dict(request["contact"]), "complaint": dict(request["complaint"])})
        shown = client.get(f"{ESTATE}/service-requests/sr_1", headers=auth).get_json()
        assert shown["description"] == "李**投诉楼上噪音，李*代为来电", (caller, complainant)


def test_the_technician_a_repair_names_reads_its_names_in_its_text_as_in_their_fields(client, rpc, accounts):
    """He reads who called and who confirmed the visit in full on the repair he is assigned (the
    request's ``technician``): so in its words too, a visit's notes among them; another technician
    reads them masked in both."""
    request = {"id": "sr_1", "kind": "repair", "technician": "mask-technician", "description": "王建国说漏水",
               "contact": {"name": "王建国", "phone": None},
               "return_visits": [{"notes": "李梅确认已修好", "occupant_confirmation": {"name": "李梅"}}]}
    rpc.answer("customer_service", "get_request", lambda call: {
        **request, "contact": dict(request["contact"]),
        "return_visits": [{"notes": "李梅确认已修好", "occupant_confirmation": {"name": "李梅"}}]})
    own = client.get(f"{ESTATE}/service-requests/sr_1",
                     headers={"Authorization": f"Bearer {token(accounts, 'technician')}"}).get_json()
    assert own["description"] == "王建国说漏水" and own["return_visits"][0]["notes"] == "李梅确认已修好"
    other = client.get(f"{ESTATE}/service-requests/sr_1", headers={"Authorization": "Bearer " + accounts.user(
        "mask-other-technician", ["technician"], ["A"])}).get_json()
    assert other["description"] == "王**说漏水" and other["return_visits"][0]["notes"] == "李*确认已修好"
    assert other["return_visits"][0]["occupant_confirmation"]["name"] == "李*"


def test_the_occupant_on_a_work_order_is_shown_to_its_technician_masked_elsewhere():
    """DOMAIN.md's technician sees the occupant of his own work orders: another technician, or
    one reading a list of orders assigned to others, sees the surname only."""
    order = {"id": "wo_1", "technician": "li", "signed_by": "王小明", "consent": {"by": "王小明", "amount_cents": 100}}
    rule = next(r.path for r in ROUTES if r.rpc == "get_work_order")
    for roles, user, shown in ((["technician"], "li", "王小明"), (["technician"], "zhao", "王**"),
                               (["technician"], None, "王**"), (["agent"], "zhao", "王小明"),
                               (["security"], "li", "王**"), (["accountant"], "li", "王**")):
        body = masking.for_caller("GET", rule, 200, {**order, "consent": dict(order["consent"])}, roles, user)
        assert body["signed_by"] == body["consent"]["by"] == shown, (roles, user)
    listing = next(r.path for r in ROUTES if r.rpc == "list_work_orders")
    page = {"items": [{**order, "consent": dict(order["consent"])},
                      {**order, "id": "wo_2", "technician": "zhao", "consent": dict(order["consent"])}],
            "next_cursor": None}
    masking.for_caller("GET", listing, 200, page, ["technician"], "li")
    assert [(o["signed_by"], o["consent"]["by"]) for o in page["items"]] == [("王小明", "王小明"), ("王**", "王**")]


def test_a_technician_sees_his_own_orders_occupant_through_the_gateway(client, rpc, accounts):
    order = {"id": "wo_1", "technician": "mask-technician", "signed_by": "王小明", "consent": None}
    rpc.answer("maintenance", "get_work_order", lambda call: dict(order))
    own = accounts.user("mask-technician", ["technician"], ["A"])
    other = accounts.user("mask-technician-2", ["technician"], ["A"])
    seen = [client.get(f"{ESTATE}/work-orders/wo_1", headers={"Authorization": f"Bearer {t}"}).get_json()
            for t in (own, other)]
    assert [s["signed_by"] for s in seen] == ["王小明", "王**"]


CALLER = {"name": "王五", "phone": "13912345678"}


def assigned_repair(technician):
    """A repair as customer service answers it, naming the technician of the order it waits for
    (``technician``: null once the work is done), with who called and who confirmed a visit."""
    return {"id": "sr_1", "kind": "repair", "technician": technician, "contact": dict(CALLER),
            "portal": {"contact": dict(CALLER)}, "description": "厨房漏水, 请联系 13800138000",
            "return_visits": [{"notes": "", "occupant_confirmation": {"method": "name", "name": "郑十一"}}]}


def test_who_called_about_a_repair_is_shown_to_the_technician_of_its_open_order_masked_elsewhere():
    """He agrees the visit with the occupant, and saw the caller masked (王* · 139****5678: a probe
    of the repair chain): in full for the technician the request names, as the occupant of his own
    work order is; masked for another technician, for him once nobody is named (the work done) or
    another is (reassigned), and for a role whose table masks it whoever is named. The numbers
    typed into its words stay masked for him, as on his work order."""
    rule = next(r.path for r in ROUTES if r.rpc == "get_request")
    masked_caller = {"name": "王*", "phone": "139****5678"}
    for roles, user, technician, shown in ((["technician"], "li", "li", CALLER),
                                           (["technician"], "zhao", "li", masked_caller),
                                           (["technician"], "li", None, masked_caller),
                                           (["technician"], "li", "zhao", masked_caller),
                                           (["technician"], None, None, masked_caller),
                                           (["security"], "li", "li", masked_caller),
                                           (["agent"], "zhao", "li", CALLER)):
        body = masking.for_caller("GET", rule, 200, assigned_repair(technician), roles, user)
        assert body["contact"] == body["portal"]["contact"] == shown, (roles, user, technician)
        confirmed = body["return_visits"][0]["occupant_confirmation"]["name"]
        assert confirmed == ("郑十一" if shown == CALLER else "郑**"), (roles, user, technician)
        if roles == ["technician"]:
            assert body["description"] == "厨房漏水, 请联系 138****8000"
    old = {key: value for key, value in assigned_repair(None).items() if key != "technician"}  # assigned before
    assert masking.for_caller("GET", rule, 200, old, ["technician"], "li")["contact"] == masked_caller
    listing = next(r.path for r in ROUTES if r.rpc == "list_requests")
    page = {"items": [assigned_repair("li"), {**assigned_repair("zhao"), "id": "sr_2"}], "next_cursor": None}
    masking.for_caller("GET", listing, 200, page, ["technician"], "li")
    assert [item["contact"] for item in page["items"]] == [CALLER, masked_caller]


def test_the_technician_assigned_to_a_repair_sees_who_called_through_the_gateway(client, rpc, accounts):
    named = {"technician": "mask-technician"}
    rpc.answer("customer_service", "get_request", lambda call: assigned_repair(named["technician"]))
    own = accounts.user("mask-technician", ["technician"], ["A"])
    other = accounts.user("mask-technician-2", ["technician"], ["A"])

    def seen(token):
        answer = client.get(f"{ESTATE}/service-requests/sr_1", headers={"Authorization": f"Bearer {token}"})
        return answer.get_json()["contact"]
    assert [seen(t) for t in (own, other)] == [CALLER, {"name": "王*", "phone": "139****5678"}]
    named["technician"] = None  # the work completed: nobody is named
    assert seen(own) == {"name": "王*", "phone": "139****5678"}
    named["technician"] = "mask-technician-2"  # reassigned
    assert [seen(t) for t in (own, other)] == [{"name": "王*", "phone": "139****5678"}, CALLER]


def test_every_kind_of_the_table_is_marked_somewhere_and_the_routes_that_carry_it_are_found():
    found = {}
    for route in ROUTES:
        for path, kind in masking.plan(route.method, route.path, route.status):
            found.setdefault(kind, set()).add((route.rpc, path))
    assert set(found) == set(personal_data.SEEN_IN_FULL_BY)
    each = masking.EACH
    assert ("list_households", ("items", each, "owner", "phone")) in found["owner_phone"]
    assert ("create_household", ("owner", "name")) in found["owner_name"]
    assert {rpc for rpc, _ in found["resident_name"]} >= {"get_request", "list_requests", "list_keys",
                                                          "list_custody_items", "list_tool_loans"}
    assert {rpc for rpc, _ in found["visitor_phone"]} >= {"register_visitor", "list_visitors"}
    assert ("list_work_orders", ("items", each, "consent", "by")) in found["occupant_name"]
    assert {("get_request", ("description",)), ("list_requests", ("items", each, "description")),
            ("get_work_order", ("description",)), ("list_work_orders", ("items", each, "description")),
            ("get_request", ("return_visits", each, "notes"))} <= found["numbers_in_text"]


def _response_schemas(openapi):
    """Names of the component schemas some response reaches (request bodies left out)."""
    components, seen = openapi["components"], set()

    def follow(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/"):
                section, name = ref.split("/")[2:4]
                if (section, name) not in seen:
                    seen.add((section, name))
                    follow(components[section][name])
            for value in node.values():
                follow(value)
        elif isinstance(node, list):
            for value in node:
                follow(value)

    for operations in openapi["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                follow(operation.get("responses"))
    return {name for section, name in seen if section == "schemas"}


def test_every_response_field_the_contract_calls_personal_data_is_marked():
    """A property described as personal data in a schema some response reaches carries
    ``x-personal-data``, so the gateway masks it."""
    from estate_common import contracts
    openapi = contracts.load().openapi
    schemas = openapi["components"]["schemas"]
    unmarked = [f"{name}.{prop}" for name in sorted(_response_schemas(openapi))
                for prop, sub in (schemas[name].get("properties") or {}).items()
                if isinstance(sub, dict) and "personal data" in sub.get("description", "")
                and "x-personal-data" not in sub]
    assert unmarked == []


def test_a_number_in_an_opening_balances_note_is_masked_for_the_cashier(client, rpc, accounts):
    """An opening balance's note (期初欠费, 'kept on the bill') is free text about a household, marked
    numbers_in_text where it is sent, yet the bill answered it in full to cashiers and accountants
    (found by review)."""
    bill = {"id": "bill_1", "estate_id": "A", "household_id": "hh_1", "item": "property_service",
            "period": "2026-08", "amount_cents": 21002, "paid_cents": 0, "status": "unpaid",
            "due_at": "2026-08-31T15:59:59.999Z", "created_at": "2026-11-23T02:00:00Z", "settled_at": None,
            "allocations": [], "source": {"kind": "opening_balance", "reference": "QD-117", "recorded_by": "acc",
                                          "note": "业主 13900139000 拒缴"}}
    rpc.answer("finance", "get_bill", lambda call: {**bill, "source": dict(bill["source"])})
    rpc.answer("finance", "list_bills", lambda call: {"items": [{**bill, "source": dict(bill["source"])}],
                                                      "next_cursor": None})
    seen = {}
    for role in ("cashier", "manager"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        seen[role] = (client.get(f"{ESTATE}/bills/bill_1", headers=auth).get_json()["source"]["note"],
                      client.get(f"{ESTATE}/bills", headers=auth).get_json()["items"][0]["source"]["note"])
    assert seen["cashier"] == ("业主 139****9000 拒缴",) * 2
    assert seen["manager"] == ("业主 13900139000 拒缴",) * 2


def test_a_number_in_a_bills_cancel_reason_is_masked_for_the_cashier_as_the_withdrawal_it_came_from(
        client, rpc, accounts):
    """A fee withdrawn with its application is cancelled with the desk's reason (charge_withdrawn's,
    kept on the bill as its cancel_reason): marked numbers_in_text on the application, answered in
    full to cashiers and accountants on the bill (h6, what goes on the bus)."""
    bill = {"id": "bill_1", "estate_id": "A", "household_id": "hh_1", "item": "renovation_deposit",
            "period": None, "amount_cents": 200000, "paid_cents": 0, "status": "cancelled",
            "due_at": "2026-12-31T15:59:59.999Z", "created_at": "2026-11-23T02:00:00Z", "settled_at": None,
            "cancelled_at": "2026-11-24T02:00:00Z", "cancel_reason": "业主 13900139000 不装修了",
            "allocations": [], "source": {"kind": "charge", "service": "customer_service", "charge_id": "chg_1",
                                          "subject": {"type": "renovation_application", "id": "app_1"}}}
    rpc.answer("finance", "get_bill", lambda call: dict(bill))
    rpc.answer("finance", "list_bills", lambda call: {"items": [dict(bill)], "next_cursor": None})
    seen = {}
    for role in ("cashier", "accountant", "manager"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        seen[role] = (client.get(f"{ESTATE}/bills/bill_1", headers=auth).get_json()["cancel_reason"],
                      client.get(f"{ESTATE}/bills", headers=auth).get_json()["items"][0]["cancel_reason"])
    assert seen["cashier"] == seen["accountant"] == ("业主 139****9000 不装修了",) * 2
    assert seen["manager"] == ("业主 13900139000 不装修了",) * 2


def test_a_number_in_a_deposits_deduction_reason_or_refund_note_is_masked_as_other_free_text(
        client, rpc, contract, accounts):
    """A deduction's reason (押金扣除) and the refund's note are the cashier's words about the household
    (\"电梯轿厢划伤, 业主 13900139000 确认\"): the deposit answered them in full to every reader, where
    deposit_refunded masked them and a cancelled bill's reason is masked for cashiers and accountants
    (found by the last session's review). Masked as free text is (``numbers_in_text``), the words kept."""
    said = "电梯轿厢划伤, 业主 13900139000 确认"
    deposit = {"id": "dep_1", "estate_id": "A", "application_id": "app_1", "household_id": "hh_1",
               "bill_id": "bl_1", "amount_cents": 200000, "paid_cents": 200000,
               "accepted_at": "2026-11-23T01:00:00.000Z", "status": "refunded",
               "created_at": "2026-11-20T01:00:00.000Z",
               "refund": {"id": "rfd_1", "status": "refunded", "amount_cents": 170000, "method": "cash",
                          "note": said, "by": "wang", "at": "2026-11-23T02:00:00.000Z", "day": "2026-11-23",
                          "deductions": [{"id": "ddc_1", "kind": "damage", "cents": 30000, "reason": said}]}}

    def answer(call):
        return json.loads(json.dumps(deposit))
    rpc.answer("finance", "get_deposit", answer)
    rpc.answer("finance", "list_deposits", lambda call: {"items": [answer(call)], "next_cursor": None})
    seen = {}
    for role in ("cashier", "accountant", "manager"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        one = contract.check(client.application, client.get(f"{ESTATE}/deposits/dep_1", headers=auth), 200)
        listed = contract.check(client.application, client.get(f"{ESTATE}/deposits", headers=auth), 200)
        seen[role] = {(refund["note"], refund["deductions"][0]["reason"])
                      for refund in (one["refund"], listed["items"][0]["refund"])}
    masked = "电梯轿厢划伤, 业主 139****9000 确认"
    assert seen["cashier"] == seen["accountant"] == {(masked, masked)}
    assert seen["manager"] == {(said, said)}


def test_a_number_in_a_holds_an_appointments_or_a_help_requests_reason_is_masked_as_other_free_text(
        client, rpc, accounts):
    """A hold's reason (待料), an appointment's reason and a request for help are free text staff type,
    often with the occupant's number ("owner away, call 13900139000"): the order answered them in full
    to whoever does not see residents' phones (the last session's note). Masked as a repair's words are
    (``numbers_in_text``), the words kept."""
    said = "业主出差, 回来电话 13900139000"
    order = {"id": "wo_1", "technician": "someone-else", "description": "tap", "summary": None,
             "hold": {"waiting_for": "occupant", "reason": said, "expected_on": "2026-11-30",
                      "since": "2026-11-25T02:00:00.000Z", "by": "li", "held_from": "in_progress"},
             "appointment": {"at": "2026-11-26T02:00:00.000Z", "reason": said, "set_at": "2026-11-25T02:00:00.000Z",
                             "by": "li"},
             "history": [{"at": "2026-11-25T02:00:00.000Z", "by": "li", "action": "request_help", "note": said}]}

    def answer(call):
        return {**order, "hold": dict(order["hold"]), "appointment": dict(order["appointment"]),
                "history": [dict(h) for h in order["history"]]}
    rpc.answer("maintenance", "get_work_order", answer)
    rpc.answer("maintenance", "list_work_orders", lambda call: {"items": [answer(call)], "next_cursor": None})
    for role, shown in (("agent", said), ("technician", "业主出差, 回来电话 139****9000"),
                        ("security", "业主出差, 回来电话 139****9000")):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        for body in (client.get(f"{ESTATE}/work-orders/wo_1", headers=auth).get_json(),
                     client.get(f"{ESTATE}/work-orders", headers=auth).get_json()["items"][0]):
            assert (body["hold"]["reason"], body["appointment"]["reason"], body["history"][0]["note"]) == \
                (shown, shown, shown), role


def test_a_number_typed_into_an_application_is_masked_for_engineering(client, rpc, accounts):
    """A renovation application's words are the desk's about a household (业主张先生 13800138000 拆除厨房
    非承重墙): a technician read the number in full on the application, on its list and on the
    engineering review made of it, where a repair's words are masked for him (a probe of the
    steward's month)."""
    said, why = "业主张先生 13800138000 拆除厨房非承重墙", "业主 13900139000 来电撤回"
    application = {"id": "app_1", "estate_id": "A", "kind": "renovation", "household_id": "hh_1",
                   "structural_change": True, "description": said, "status": "withdrawn",
                   "withdrawal": {"at": "2026-12-06T02:00:00.000Z", "by": "sam", "reason": why},
                   "acceptances": [{"at": "2026-12-06T02:00:00.000Z", "recorded_by": "sam", "customer_service_by": "王",
                                    "maintenance_by": "李", "passed": False, "notes": "回电 13900139000"}]}
    review = {"id": "rr_1", "estate_id": "A", "application_id": "app_1", "household_id": "hh_1",
              "kind": "renovation", "structural_change": True, "description": said, "status": "pending"}

    def copied(item):
        return {**item, **({"withdrawal": dict(item["withdrawal"]), "acceptances": [dict(a) for a in item["acceptances"]]}
                           if "withdrawal" in item else {})}
    rpc.answer("customer_service", "get_application", lambda call: copied(application))
    rpc.answer("customer_service", "list_applications", lambda call: {"items": [copied(application)], "next_cursor": None})
    rpc.answer("maintenance", "get_renovation_review", lambda call: copied(review))
    rpc.answer("maintenance", "list_renovation_reviews", lambda call: {"items": [copied(review)], "next_cursor": None})
    seen = {}
    for role in ("steward", "technician"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        one = client.get(f"{ESTATE}/applications/app_1", headers=auth).get_json()
        listed = client.get(f"{ESTATE}/applications", headers=auth).get_json()["items"][0]
        reviewed = client.get(f"{ESTATE}/renovation-reviews/rr_1", headers=auth).get_json()
        reviews = client.get(f"{ESTATE}/renovation-reviews", headers=auth).get_json()["items"][0]
        seen[role] = ([item["description"] for item in (one, listed, reviewed, reviews)],
                      one["withdrawal"]["reason"], one["acceptances"][0]["notes"])
    assert seen["steward"] == ([said] * 4, why, "回电 13900139000")
    assert seen["technician"] == (["业主张先生 138****8000 拆除厨房非承重墙"] * 4, "业主 139****9000 来电撤回",
                                  "回电 139****9000")


def test_a_number_in_an_engineering_reviews_or_a_shift_handovers_notes_is_masked_as_other_free_text(
        client, rpc, accounts):
    """An engineering review's notes (装修工程审核: "业主 13900139000 要求拆墙, 不同意") and a shift
    handover's notes (交接班: "访客 13800138000 在 3 栋等业主") are free text staff type about a household
    or a visitor, yet they were answered in full to whoever reads phones masked, where a repair's words,
    an application's and its acceptance's notes are masked (``numbers_in_text``; found by session 51's
    leftovers). The words stay."""
    said, masked = "业主 13900139000 要求拆墙, 不同意", "业主 139****9000 要求拆墙, 不同意"
    review = {"id": "rr_1", "estate_id": "A", "application_id": "app_1", "household_id": "hh_1",
              "kind": "renovation", "structural_change": True, "description": "拆墙", "status": "rejected",
              "decision": "rejected", "notes": said}
    application = {"id": "app_1", "estate_id": "A", "kind": "renovation", "household_id": "hh_1",
                   "structural_change": True, "description": "拆墙", "status": "rejected",
                   "review": {"decision": "rejected", "reviewer": "li", "notes": said,
                              "reviewed_at": "2026-12-06T02:00:00.000Z"}}
    handover = {"id": "sh_1", "estate_id": "A", "shift": "day", "post": None, "from_guard": "g1", "to_guard": "g2",
                "notes": said, "acceptance_notes": said, "handed_over_at": "2026-12-06T02:00:00.000Z",
                "created_at": "2026-12-06T02:00:00.000Z"}

    def copied(item):
        return {**item, **({"review": dict(item["review"])} if "review" in item else {})}
    rpc.answer("maintenance", "get_renovation_review", lambda call: copied(review))
    rpc.answer("maintenance", "list_renovation_reviews", lambda call: {"items": [copied(review)], "next_cursor": None})
    rpc.answer("customer_service", "get_application", lambda call: copied(application))
    rpc.answer("customer_service", "list_applications", lambda call: {"items": [copied(application)],
                                                                      "next_cursor": None})
    rpc.answer("security_patrol", "get_shift_handover", lambda call: dict(handover))
    rpc.answer("security_patrol", "list_shift_handovers", lambda call: {"items": [dict(handover)], "next_cursor": None})
    seen = {}
    for role in ("manager", "technician", "steward", "security"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        notes = []
        if role in ("manager", "technician"):
            notes += [client.get(f"{ESTATE}/renovation-reviews/rr_1", headers=auth).get_json()["notes"],
                      client.get(f"{ESTATE}/renovation-reviews", headers=auth).get_json()["items"][0]["notes"]]
        if role in ("manager", "steward"):
            notes += [client.get(f"{ESTATE}/applications/app_1", headers=auth).get_json()["review"]["notes"],
                      client.get(f"{ESTATE}/applications", headers=auth).get_json()["items"][0]["review"]["notes"]]
        if role in ("manager", "security"):
            one = client.get(f"{ESTATE}/shift-handovers/sh_1", headers=auth).get_json()
            listed = client.get(f"{ESTATE}/shift-handovers", headers=auth).get_json()["items"][0]
            notes += [one["notes"], one["acceptance_notes"], listed["notes"], listed["acceptance_notes"]]
        seen[role] = notes
    assert seen["manager"] == [said] * 8
    assert seen["steward"] == [said] * 2
    assert seen["technician"] == [masked] * 2
    assert seen["security"] == [said] * 4  # the guards' own words, read in full by the guards (below)


def test_a_number_in_a_shift_handovers_notes_is_read_in_full_by_the_guard_taking_over():
    """A handover's notes are the guards' words to the guard taking over (交接班: "访客 13800138000 在
    3 栋等业主回电", "已回电 13900139000"): masked for security as a request's words are, the guard
    meant to call back read 138****8000, the guard who wrote it his own words masked, while the
    visitor register shows security the same visitor's phone in full (found by review r1). They are
    the guards' text (``numbers_in_guards_text``): security reads them in full, as a visitor's phone;
    who reads phones masked otherwise reads them masked."""
    said = "访客 13800138000 在 3 栋等业主回电"
    kind = personal_data.NUMBERS_IN_GUARDS_TEXT
    assert personal_data.sees_in_full(kind, ["security"]) and personal_data.sees_in_full(kind, ["manager"])
    assert personal_data.sees_in_full(personal_data.VISITOR_PHONE, ["security"])
    for role in ("technician", "accountant", "cashier"):
        assert not personal_data.sees_in_full(kind, [role]), role
    assert personal_data.masked(kind, said) == "访客 138****8000 在 3 栋等业主回电"


def test_the_routes_carrying_an_engineering_reviews_and_a_shift_handovers_notes_mark_them():
    found = {(route.rpc, path) for route in ROUTES
             for path, kind in masking.plan(route.method, route.path, route.status) if kind == "numbers_in_text"}
    each = masking.EACH
    assert {("get_renovation_review", ("notes",)), ("list_renovation_reviews", ("items", each, "notes")),
            ("decide_renovation_review", ("notes",)),
            ("get_application", ("review", "notes"))} <= found
    guards = {(route.rpc, path) for route in ROUTES
              for path, kind in masking.plan(route.method, route.path, route.status) if kind == "numbers_in_guards_text"}
    assert {("list_shift_handovers", ("items", each, "notes")), ("list_shift_handovers", ("items", each, "acceptance_notes")),
            ("get_shift_handover", ("notes",)), ("record_shift_handover", ("notes",)),
            ("accept_shift_handover", ("acceptance_notes",))} <= guards
    assert not {rpc for rpc, _ in found} & {"list_shift_handovers", "get_shift_handover", "record_shift_handover",
                                            "accept_shift_handover"}


def test_a_number_in_a_meter_readings_note_is_masked_for_accounts(client, rpc, accounts):
    """A meter reading's note (交房 / 过户抄表: "新业主 13900139000 要求…") is the steward's words about a
    household, exported masked for accounts, yet the list and the reading answered it in full to the
    accountant and the cashier (found by review r7)."""
    reading = {"id": "mr_1", "estate_id": "A", "household_id": "hh_1", "occasion": "transfer",
               "meter_kind": "water", "meter_number": "W-1", "reading": 12.5, "read_on": "2026-12-01",
               "replacement": False, "previous_reading": None, "previous_read_on": None, "photo_ref": None,
               "note": "新业主 13900139000 要求核对", "recorded_by": "zhou", "created_at": "2026-12-01T02:00:00.000Z"}
    rpc.answer("archive", "get_meter_reading", lambda call: dict(reading))
    rpc.answer("archive", "list_meter_readings", lambda call: {"items": [dict(reading)], "next_cursor": None})
    seen = {}
    for role in ("accountant", "cashier", "steward"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        seen[role] = (client.get(f"{ESTATE}/meter-readings/mr_1", headers=auth).get_json()["note"],
                      client.get(f"{ESTATE}/meter-readings", headers=auth).get_json()["items"][0]["note"])
    assert seen["accountant"] == seen["cashier"] == ("新业主 139****9000 要求核对",) * 2
    assert seen["steward"] == ("新业主 13900139000 要求核对",) * 2


def test_a_number_in_an_equipment_records_notes_is_masked_as_the_orders_summary_it_was_copied_from(
        client, rpc, contract, accounts):
    """A completed order's summary (处理情况) becomes the notes of its equipment's ledger record: the order
    masked the occupant's number in it for a technician, the ledger (the piece, its records, one record,
    the list's last record) answered it in full (found by h6, a probe of a lift's year)."""
    said = "更换外呼按钮2个。业主李女士 13912345678 要求回电"
    record = {"id": "eqr_1", "kind": "repair", "result": "completed (WO-2026-000007)", "notes": said,
              "at": "2026-12-06T19:34:39.858Z", "by": "li", "work_order_id": "wo_7"}
    piece = {"id": "eq_1", "estate_id": "A", "code": "LIFT-1A", "name": "1号楼A梯", "system": "elevator",
             "location": "1号楼", "installed_on": None, "record_count": 1,
             "created_at": "2026-12-06T19:33:49.863Z", "updated_at": "2026-12-06T19:34:39.858Z"}
    rpc.answer("maintenance", "get_equipment",
               lambda call: {**piece, "last_record": dict(record), "records": [dict(record)]})
    rpc.answer("maintenance", "list_equipment",
               lambda call: {"items": [{**piece, "last_record": dict(record)}], "next_cursor": None})
    rpc.answer("maintenance", "list_equipment_records",
               lambda call: {"items": [{**record, "equipment_id": "eq_1"}], "next_cursor": None})
    rpc.answer("maintenance", "get_equipment_record", lambda call: {**record, "equipment_id": "eq_1"})
    seen = {}
    for role in ("technician", "manager"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}

        def read(path):
            return contract.check(client.application, client.get(f"{ESTATE}/{path}", headers=auth), 200)

        one = read("equipment/eq_1")
        seen[role] = {one["records"][0]["notes"], one["last_record"]["notes"],
                      read("equipment")["items"][0]["last_record"]["notes"],
                      read("equipment/eq_1/records")["items"][0]["notes"],
                      read("equipment/eq_1/records/eqr_1")["notes"]}
    assert seen["technician"] == {"更换外呼按钮2个。业主李女士 139****5678 要求回电"}
    assert seen["manager"] == {said}


def test_a_number_in_a_pieces_out_of_service_reason_and_back_in_service_note_is_masked_as_an_orders_summary(
        client, rpc, contract, accounts):
    """停运: the reason a lift was taken out of service ("3栋困人, 住户 13912345678 报修") and the note it came
    back with are the staff's words, as an order's summary is, yet the piece, the list of those down and the
    steps' answers gave a phone typed in them in full to a technician (found by review r10 of h10)."""
    said = "3栋困人, 住户 13912345678 报修"
    spell = {"since": "2026-12-06T19:33:49.863Z", "reason": said, "work_order_id": "wo_7",
             "work_order_number": "WO-2026-000007", "by": "li"}
    back = {"at": "2026-12-06T20:33:49.863Z", "by": "li", "note": "回访 13912345678 正常", "work_order_id": None,
            "work_order_number": None}
    piece = {"id": "eq_1", "estate_id": "A", "code": "LIFT-1A", "name": "1号楼A梯", "system": "elevator",
             "location": "1号楼", "installed_on": None, "record_count": 0, "last_record": None,
             "out_of_service": spell, "last_back_in_service": back,
             "created_at": "2026-12-06T19:33:49.863Z", "updated_at": "2026-12-06T19:34:39.858Z"}
    rpc.answer("maintenance", "get_equipment", lambda call: {**piece, "records": []})
    rpc.answer("maintenance", "list_equipment", lambda call: {"items": [dict(piece)], "next_cursor": None})
    rpc.answer("maintenance", "take_equipment_out_of_service", lambda call: dict(piece))
    rpc.answer("maintenance", "return_equipment_to_service", lambda call: dict(piece))
    seen = {}
    for role in ("technician", "manager"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        shown = [contract.check(client.application, client.get(f"{ESTATE}/equipment/eq_1", headers=auth), 200),
                 contract.check(client.application, client.get(f"{ESTATE}/equipment?out_of_service=true",
                                                               headers=auth), 200)["items"][0],
                 contract.check(client.application, client.post(f"{ESTATE}/equipment/eq_1/out-of-service",
                                                                json={"reason": said}, headers=auth), 200),
                 contract.check(client.application, client.post(f"{ESTATE}/equipment/eq_1/back-in-service",
                                                                json={}, headers=auth), 200)]
        seen[role] = ({one["out_of_service"]["reason"] for one in shown},
                      {one["last_back_in_service"]["note"] for one in shown})
    assert seen["technician"] == ({"3栋困人, 住户 139****5678 报修"}, {"回访 139****5678 正常"})
    assert seen["manager"] == ({said}, {"回访 13912345678 正常"})


def test_a_number_in_a_retired_pieces_reason_is_masked_as_an_out_of_service_reason(client, rpc, contract, accounts):
    """报废 / 停用 (h6): the reason a piece was retired is the staff's words, as the reason it was taken out of
    service is: a phone typed in it is masked for who does not see residents' phones."""
    said = "业主 13912345678 投诉噪音, 报废"
    piece = {"id": "eq_1", "estate_id": "A", "code": "LIFT-1A", "name": "1号楼A梯", "system": "elevator",
             "location": "1号楼", "installed_on": None, "record_count": 0, "last_record": None,
             "retired": {"kind": "scrapped", "on": "2026-12-06", "reason": said, "by": "wu",
                         "at": "2026-12-06T19:33:49.863Z"},
             "created_at": "2026-12-06T19:33:49.863Z", "updated_at": "2026-12-06T19:34:39.858Z"}
    rpc.answer("maintenance", "get_equipment", lambda call: {**piece, "records": []})
    rpc.answer("maintenance", "retire_equipment", lambda call: {**piece, "records": []})
    auth = {"Authorization": f"Bearer {token(accounts, 'technician')}"}
    shown = contract.check(client.application, client.get(f"{ESTATE}/equipment/eq_1", headers=auth), 200)
    assert shown["retired"]["reason"] == "业主 139****5678 投诉噪音, 报废"
    auth = {"Authorization": f"Bearer {token(accounts, 'manager')}"}
    retired = contract.check(client.application, client.post(f"{ESTATE}/equipment/eq_1/retire", json={
        "kind": "scrapped", "on": "2026-12-06", "reason": said}, headers=auth), 200)
    assert retired["retired"]["reason"] == said


def test_the_co_owners_who_received_a_unit_are_masked_as_the_owner_who_received_it():
    """共有产权: also_received_by names owners as received_by does (found by review r3 of h3)."""
    for rpc in ("get_handover", "list_handovers"):
        rule = next(r.path for r in ROUTES if r.rpc == rpc)
        handover = {"id": "ho_1", "received_by": "李四", "also_received_by": ["王芳", "李小明"]}
        body = {"items": [handover], "next_cursor": None} if rpc == "list_handovers" else handover
        for roles, shown in ((["security"], ("李*", ["王*", "李**"])), (["archivist"], ("李四", ["王芳", "李小明"]))):
            masked = masking.for_caller("GET", rule, 200, json.loads(json.dumps(body)), roles, "zhao")
            one = masked["items"][0] if rpc == "list_handovers" else masked
            assert (one["received_by"], one["also_received_by"]) == shown, (rpc, roles)


def test_the_security_supervisor_reads_the_complaint_results_about_security_a_number_in_them_masked(
        client, rpc, contract, accounts):
    """The complaint results were the manager's only, and their finding and outcome unmarked: read by
    the security supervisor now (those about security, the service narrows them), a phone typed into
    them is masked as in a request's outcome (found by review r2 of h2)."""
    result = {"id": "sr_1", "number": "SR-2026-000001", "household_id": "hh_1", "created_at": "2026-10-05T02:00:00.000Z",
              "closed_at": "2026-10-06T02:00:00.000Z", "closed_by": "zhang", "nature": "service_attitude",
              "cause": None, "department": "security", "finding": "rude at the gate, call 13912345678",
              "outcome": "the guard apologised; owner 13912345678", "valid": True, "satisfaction": 4,
              "withdrawn": False, "reopen_count": 0}
    rpc.answer("customer_service", "complaint_results",
               lambda call: {"period": "2026-Q4", "items": [dict(result)]})
    seen = {}
    for role in ("manager", "security"):
        auth = {"Authorization": f"Bearer {token(accounts, role)}"}
        response = client.get(f"{ESTATE}/reports/complaint-results?period=2026-Q4&department=security", headers=auth)
        seen[role] = contract.check(client.application, response, 200)["items"][0]
        assert rpc.calls[-1].payload["filters"] == {"period": "2026-Q4", "department": "security"}
    assert seen["manager"]["outcome"] == result["outcome"] and seen["manager"]["finding"] == result["finding"]
    assert seen["security"]["outcome"] == "the guard apologised; owner 139****5678"
    assert seen["security"]["finding"] == "rude at the gate, call 139****5678"


def test_the_staff_member_a_complaint_names_is_masked_as_its_complainant(client, rpc, accounts):
    """A complaint names the staff member it is about (staff_named, found by review r2 of h2): a
    person's name, shown to the desk, masked for a technician or a guard as the complainant is."""
    request = {"id": "sr_1", "kind": "complaint", "complaint": {"complainant": "Li Lei", "staff_named": "王保安",
                                                                "other_household_id": "hh_2"}}
    rpc.answer("customer_service", "get_request", lambda call: {**request, "complaint": dict(request["complaint"])})
    seen = {role: client.get(f"{ESTATE}/service-requests/sr_1",
                             headers={"Authorization": f"Bearer {token(accounts, role)}"}).get_json()
            for role in ("agent", "technician")}
    assert seen["agent"]["complaint"]["staff_named"] == "王保安"
    assert seen["technician"]["complaint"]["staff_named"] == "王**"
    assert seen["technician"]["complaint"]["other_household_id"] == "hh_2"


def test_what_the_table_decides_for_a_route_and_roles_is_decided_once_and_as_the_table_says():
    """``masking.for_roles`` keeps, per route and roles, the fields hidden and the names masked in
    free text: every answer asked the table again (some 110 questions a create). Each route's
    decision for each role alone and for two together is the table's own, and one caller's kept
    decision is never another's (the cache is keyed by the roles)."""
    def sees(roles):
        return lambda kind: personal_data.sees_in_full(kind, roles)

    for route in ROUTES:
        for roles in [(role,) for role in ALL_ROLES] + [("agent", "manager"), ("technician", "steward")]:
            for _ in range(2):  # decided, then kept
                texts, hidden = masking.for_roles(route.method, route.path, route.status, roles)
                assert hidden == tuple((path, kind) for path, kind in masking.plan(route.method, route.path, route.status)
                                       if not personal_data.sees_in_full(kind, roles))
                expected = {(record, text, name, name_kind)
                            for record, text, name, text_kind, name_kind in masking.names_in_texts(
                                route.method, route.path, route.status)
                            if personal_data.name_masked_in_text(text_kind, name_kind, sees(roles))}
                assert {(record, text, name, name_kind)
                        for record, applying, _ in texts for text, name, name_kind in applying} == expected


def test_callers_of_the_same_roles_masked_at_once_on_threads_each_get_their_own_record_s_answer():
    """gunicorn's threads (gthread) mask answers side by side from the decisions kept per route and
    roles (``for_roles``): the technician a repair names reads who called in full, his colleague of
    the same roles reading it at the same moment masked, however the threads interleave, from a
    cold cache and a warm one (review r1)."""
    import threading

    rule = next(r.path for r in ROUTES if r.rpc == "get_request")
    masked_caller = {"name": "王*", "phone": "139****5678"}
    masking.for_roles.cache_clear()
    start, wrong = threading.Barrier(8), []

    def mask(worker):
        start.wait()
        for turn in range(200):
            user = ("li", "zhao")[(worker + turn) % 2]
            body = masking.for_caller("GET", rule, 200, assigned_repair("li"), ["technician"], user)
            if body["contact"] != (CALLER if user == "li" else masked_caller):
                wrong.append((worker, turn, user, body["contact"]))

    threads = [threading.Thread(target=mask, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
