"""The cause a burst's order found, and who received a claim's payment, on the console (h5's API of today,
caught up by h9): a work order's completion names its cause (原因及责任方: the owner's own pipe after his
meter, naming his flat; the operator's shared part; a third party, naming it; what was found) and the
order's page shows it; a damage claim's payment says who received it (the household, or the operator for
its own insurer's payment of a claim it is responsible for), typed on the payment's line and shown in the
claim's payments. Both were API-only: the completion form and the 损失登记 page sent neither."""
from .conftest import ESTATE, csrf_of, problem, sign_in
from .test_accessibility import _controls_marked, _refused_page, assert_errors_tied
from .test_registers import _only_documented

FLAT_1701 = {"id": "hh_1701", "building": "3", "unit": "1", "room": "1701"}
FLAT_1801 = {"id": "hh_1801", "building": "3", "unit": "1", "room": "1801"}
BURST = {"id": "wo_burst", "estate_id": ESTATE, "number": "WO-2026-000061", "status": "in_progress",
         "technician": "chen", "source": {"type": "service_request", "id": "sr_9"}, "request_id": None,
         "household_id": "hh_1701", "description": "1701吊顶漏水", "priority": "emergency", "equipment_id": None,
         "reported_at": "2026-12-06T18:00:00Z", "started_at": "2026-12-06T18:10:00Z",
         "created_at": "2026-12-06T18:00:00Z", "updated_at": "2026-12-06T18:10:00Z", "history": [], "custom": {}}
PIPE = "1801表后供水软管爆裂"


def _flats(fake):
    def households(_, params):
        rooms = {"1701": FLAT_1701, "1801": FLAT_1801}
        found = [rooms[params["room"]]] if params.get("room") in rooms else list(rooms.values())
        return {"items": found, "next_cursor": None}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", households)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1701", FLAT_1701)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1801", FLAT_1801)


def test_the_completion_names_the_cause_and_who_is_responsible(client, fake, documented_routes):
    """The order that fixed 1801's pipe said nothing of its cause while the claim for 1701 had a
    responsibility (h5): the completion form offers the cause (optional: a plain completion sends none),
    an owner's flat typed as an address as lists show it, a third party by its name."""
    sign_in(client, fake, username="chen", roles=("technician",))
    _flats(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_burst", BURST)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/work-orders/wo_burst/complete", {**BURST, "status": "completed"})
    for language, words in (("zh", ("原因及责任方", "物业（共用部位）", "责任业主房屋", "第三方名称", "原因说明")),
                            ("en", ("Cause and who is responsible", "Operator (shared parts)",
                                    "Responsible owner&#39;s flat", "Third party", "What was found"))):
        page = client.get("/engineering/work-orders/wo_burst", headers={"Accept-Language": language}
                          ).get_data(as_text=True)
        form = page.split('action="/engineering/work-orders/wo_burst/complete"', 1)[1].split("</form>", 1)[0]
        for word in words:
            assert word in form, (language, word)
        for name in ("cause.party", "cause.household_id", "cause.third_party", "cause.note"):
            assert f'name="{name}"' in form
        assert 'value="owner"' in form and 'value="third_party"' in form and 'value="undetermined"' not in form
    plain = {"csrf_token": csrf_of(client), "charge": "0", "signed_by": "王先生", "summary": "关阀换管"}
    client.post("/engineering/work-orders/wo_burst/complete", data={
        **plain, "cause.party": "", "cause.household_id": "", "cause.third_party": " ", "cause.note": ""})
    assert "cause" not in fake.calls[-1]["json"]  # none named: none sent
    client.post("/engineering/work-orders/wo_burst/complete", data={
        **plain, "cause.party": "owner", "cause.household_id": "3-1-1801", "cause.note": f" {PIPE} "})
    assert fake.calls[-1]["json"]["cause"] == {"party": "owner", "household_id": "hh_1801", "note": PIPE}
    assert fake.calls[-1]["json"]["summary"] == "关阀换管"
    client.post("/engineering/work-orders/wo_burst/complete", data={
        **plain, "cause.party": "third_party", "cause.third_party": "顺达装修公司"})
    assert fake.calls[-1]["json"]["cause"] == {"party": "third_party", "third_party": "顺达装修公司"}
    _only_documented(fake, documented_routes)


def test_a_refused_cause_is_told_in_chinese_at_its_input_and_comes_back_as_typed(client, fake):
    """Maintenance's 422 for an owner's cause naming no flat of the estate: said in Chinese, tied to the
    flat's input, the cause typed kept for the second try."""
    sign_in(client, fake, username="chen", roles=("technician",))
    _flats(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_burst", BURST)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/work-orders/wo_burst/complete", problem(
        422, "business rule violated", "the cause names a flat this estate does not have", code="business_rule",
        errors=[{"field": "cause.household_id", "message": "no such household in this estate"}]))
    html = _refused_page(client, "/engineering/work-orders/wo_burst/complete", {
        "charge": "0", "signed_by": "王先生", "summary": "关阀换管", "cause.party": "owner",
        "cause.household_id": "hh_9999", "cause.note": PIPE})
    page = assert_errors_tied(html)
    assert _controls_marked(page) == {"cause-household_id": "error-cause-household_id"}
    assert "the cause names a flat" not in html and "no such household" not in html  # in Chinese
    form = html.split('action="/engineering/work-orders/wo_burst/complete"', 1)[1].split("</form>", 1)[0]
    assert 'value="hh_9999"' in form and PIPE in form and '<option value="owner" selected' in form


def test_the_order_s_page_shows_the_cause_its_completion_named(client, fake, documented_routes):
    sign_in(client, fake, username="chen", roles=("technician",))
    _flats(fake)
    done = {**BURST, "status": "completed", "completed_at": "2026-12-06T20:00:00Z", "charge_cents": 0,
            "materials": [], "material_cost_cents": 0, "labour_minutes": None, "summary": "关阀换管", "cause": {"party": "owner", "household_id": "hh_1801", "third_party": None,
                                              "note": PIPE}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_burst", done)
    page = client.get("/engineering/work-orders/wo_burst", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    shown = page.split("data-cause>", 1)[1].split("</dd>", 1)[0]
    assert "业主" in shown and "3-1-1801" in shown and PIPE in shown and "hh_1801" not in shown
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_burst", {**done, "cause": {
        "party": "third_party", "household_id": None, "third_party": "顺达装修公司", "note": None}})
    page = client.get("/engineering/work-orders/wo_burst", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Cause and who is responsible" in page
    shown = page.split("data-cause>", 1)[1].split("</dd>", 1)[0]
    assert "Third party" in shown and "顺达装修公司" in shown
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_burst", {**done, "cause": None})
    assert "data-cause" not in client.get("/engineering/work-orders/wo_burst").get_data(as_text=True)
    _only_documented(fake, documented_routes)


CLAIM = {"id": "dc_1", "estate_id": ESTATE, "number": "DC-2026-000002",
         "source": {"type": "work_order", "id": "wo_burst"}, "occurred_at": "2026-12-06T18:00:00.000Z",
         "cause": "3号楼立管爆裂",
         "households": [{"household_id": "hh_1701", "claimed_cents": 1630000, "losses": [
             {"item": "ceiling", "description": None, "amount_cents": 1630000}]}],
         "household_ids": ["hh_1701"], "claimed_cents": 1630000,
         "responsibility": {"party": "operator", "household_id": None, "third_party": None, "note": None},
         "insurance": {"insurer": "平安财险", "policy_number": "PA-2026-0001", "case_number": None},
         "assessment": {"assessed_cents": 1630000}, "negotiation": None, "refusal": None, "payments": [],
         "paid_cents": 0, "owed_cents": 1630000, "shortfall_cents": None, "withdrawal": None,
         "status": "assessed", "registered_at": "2026-12-06T18:30:00.000Z", "registered_by": "li",
         "closed_at": None, "history": [], "created_at": "2026-12-06T18:30:00.000Z",
         "updated_at": "2026-12-06T18:30:00.000Z"}


def test_a_claim_s_payment_says_who_received_it(client, fake, documented_routes):
    """The operator compensated 1701 and its public liability insurer paid the operator back (h5): the
    payment's line names who received it after its reference (物业收取 / received by the operator; the
    household when it names none), and the payments list says it."""
    sign_in(client, fake, username="li", roles=("manager",))
    _flats(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/damage-claims", {"items": [CLAIM], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/damage-claims/dc_1/pay", {**CLAIM, "status": "paid"})
    page = client.get("/desk/damage-claims", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "收款方" in page and "物业收取" in page  # the line's hint says how
    client.post("/desk/damage-claims/dc_1/pay", data={
        "csrf_token": csrf_of(client),
        "payments": "hh_1701, 保险公司, 16300, PA-2026-0001, 物业收取\nhh_1601，保险公司，7000\n"
                    "hh_1501, insurer, 1,200, received by the operator\nhh_1401, 保险公司, 500, 转账, 住户收取"})
    assert fake.calls[-1]["json"] == {"payments": [
        {"household_id": "hh_1701", "payer": "insurer", "amount_cents": 1630000, "reference": "PA-2026-0001",
         "received_by": "operator"},
        {"household_id": "hh_1601", "payer": "insurer", "amount_cents": 700000},
        {"household_id": "hh_1501", "payer": "insurer", "amount_cents": 120000, "received_by": "operator"},
        {"household_id": "hh_1401", "payer": "insurer", "amount_cents": 50000, "reference": "转账",
         "received_by": "household"}]}
    paid = {**CLAIM, "status": "paid", "payments": [
        {"payer": "insurer", "household_id": "hh_1701", "amount_cents": 1630000, "received_by": "operator",
         "reference": "PA-2026-0001", "paid_at": "2026-12-07T02:00:00.000Z", "recorded_by": "li"},
        {"payer": "operator", "household_id": "hh_1701", "amount_cents": 100, "reference": None,
         "paid_at": "2026-12-07T02:00:00.000Z", "recorded_by": "li"}]}  # one of before: no received_by
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/damage-claims", {"items": [paid], "next_cursor": None})
    for language, word in (("zh", "物业收取"), ("en", "Received by the operator")):
        page = client.get("/desk/damage-claims", headers={"Accept-Language": language}).get_data(as_text=True)
        first, second = page.split("data-claim-payment", 3)[1:3]
        assert f'data-received-by="operator">{word}</span>' in first
        assert "data-received-by" not in second.split("<br>")[0]  # the household's: said by its arrow
    _only_documented(fake, documented_routes)


def test_a_payment_the_operator_may_not_receive_is_refused_in_chinese(client, fake):
    sign_in(client, fake, username="li", roles=("manager",))
    _flats(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/damage-claims", {"items": [CLAIM], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/damage-claims/dc_1/pay", problem(
        422, "business rule violated", "the operator receives its own insurer's payment alone", code="business_rule",
        errors=[{"field": "payments[0].received_by",
                 "message": "is operator for an insurer's payment of the operator's claim only"}]))
    answer = client.post("/desk/damage-claims/dc_1/pay", data={
        "csrf_token": csrf_of(client), "payments": "hh_1701, 物业, 100, , 物业收取"}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "只有物业公司自身保险公司的赔款才由物业公司收取" in page and "receives its own insurer" not in page
    assert "收款方" in page  # the refused field by its label, not received_by
    assert "hh_1701, 物业, 100, , 物业收取" in page  # the lines typed, kept


def test_a_payment_s_receiver_and_a_handover_s_receiver_read_each_as_its_own(app):
    """``received_by`` names a claim payment's receiver (收款方) and a flat's handover owner (接收业主): a
    refusal of the payment's read as the handover's."""
    from flask import g

    from console import i18n
    with app.test_request_context():
        g.language = "zh"
        assert i18n.error_field("data.payments[0].received_by") == "收款方"
        assert i18n.error_field("received_by") == "接收业主"
        assert i18n.error_field("cause.household_id") == i18n.error_field("household_id")
        g.language = "en"
        assert i18n.error_field("payments[1].received_by") == "Received by"


def test_the_cause_parties_and_parts_offered_are_the_contracts():
    """The completion form's parties and parts of a cause (``engineering.CAUSE_PARTIES``,
    ``CAUSE_PARTS``) are written again in the console, a client of the API: tied to the contract's
    ``WorkOrderCause`` so a party or part added there is offered here (found by t1)."""
    from console.views.engineering import CAUSE_PARTIES, CAUSE_PARTS

    from .conftest import openapi_spec

    cause = openapi_spec()["components"]["schemas"]["WorkOrderCause"]
    assert sorted(CAUSE_PARTIES) == sorted(cause["properties"]["party"]["enum"])
    assert sorted(CAUSE_PARTS) == sorted(cause["properties"])
