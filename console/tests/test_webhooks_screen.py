"""The webhooks screen (manager, operator admin) against the fake gateway: list, a new webhook
with its secret shown once, switching it off, its deliveries and a redelivery."""
from .conftest import ESTATE, csrf_of, problem, sign_in

WEBHOOK = {"id": "whk_1", "estate_id": ESTATE, "url": "https://crm.example.com/hooks", "description": "crm",
           "events": ["maintenance.work_order_created"], "active": True, "disabled_reason": None,
           "failing_since": None, "created_at": "2026-11-30T00:00:00.000Z", "created_by": "mia",
           "updated_at": "2026-11-30T00:00:00.000Z"}
SECRET = "whsec_" + "s" * 43
DELIVERY = {"id": "dlv_1", "estate_id": ESTATE, "webhook_id": "whk_1", "event_id": "a" * 32,
            "event_type": "maintenance.work_order_created", "status": "failed", "attempts": 30,
            "last_status_code": 503, "last_error": None, "next_attempt_at": None, "last_attempt_at": None,
            "recent_attempts": [],
            "created_at": "2026-11-29T00:00:00.000Z", "delivered_at": None, "failed_at": "2026-11-30T00:00:00.000Z"}
OPENAPI = {"components": {"schemas": {"WebhookEventType": {"enum": ["finance.payment_posted",
                                                                    "maintenance.work_order_created"]}}}}
BASE = rf"/api/v1/estates/{ESTATE}/webhooks"


def _only_documented(fake, documented_routes):
    for call in fake.calls:
        assert any(method == call["method"] and pattern.match(call["path"]) for method, pattern in documented_routes), \
            f"undocumented route {call['method']} {call['path']}"


def test_a_manager_subscribes_sees_the_secret_once_switches_off_and_redelivers(client, fake, documented_routes):
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", r"/api/v1/openapi.json", OPENAPI)
    fake.on("GET", BASE, {"items": [WEBHOOK], "next_cursor": None})
    page = client.get("/webhooks/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "https://crm.example.com/hooks" in page and 'value="finance.payment_posted"' in page
    assert "Switch off" in page and SECRET not in page

    fake.on("POST", BASE, (201, {**WEBHOOK, "secret": SECRET}))
    answer = client.post("/webhooks/", data={"csrf_token": csrf_of(client), "url": "https://crm.example.com/hooks",
                                             "events": ["maintenance.work_order_created"], "description": "crm"})
    assert answer.status_code == 200 and SECRET in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    made = [c for c in fake.calls if c["method"] == "POST" and c["path"] == BASE.replace("\\", "")][-1]
    assert made["json"] == {"url": "https://crm.example.com/hooks", "events": ["maintenance.work_order_created"],
                            "description": "crm"}
    with client.session_transaction() as session:
        assert SECRET not in str(dict(session))
    assert SECRET not in client.get("/webhooks/").get_data(as_text=True)

    fake.on("PATCH", BASE + "/whk_1", {**WEBHOOK, "active": False, "disabled_reason": "switched off by mia"})
    answer = client.post("/webhooks/whk_1/active", data={"csrf_token": csrf_of(client), "active": "false"})
    assert answer.status_code == 302
    assert [c["json"] for c in fake.calls if c["method"] == "PATCH"] == [{"active": False}]

    fake.on("GET", BASE + "/whk_1", WEBHOOK)
    tried = {**DELIVERY, "recent_attempts": [
        {"at": "2026-11-29T23:00:00.000Z", "status_code": None, "error": "timed out after 5.0 s"},
        {"at": "2026-11-30T00:00:00.000Z", "status_code": 503, "error": None}]}
    fake.on("GET", BASE + "/whk_1/deliveries", {"items": [tried], "next_cursor": None})
    page = client.get("/webhooks/whk_1/deliveries?status=failed", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "dlv_1" in text and "503" in text and "Redeliver" in text
    assert "Recent attempts" in text and "timed out after 5.0 s" in text
    listed = [c for c in fake.calls if c["path"].endswith("/deliveries")][-1]
    assert listed["params"].get("status") == "failed"
    fake.on("POST", BASE + "/whk_1/deliveries/dlv_1/redeliver", {**DELIVERY, "status": "pending"})
    answer = client.post("/webhooks/whk_1/deliveries/dlv_1/redeliver", data={"csrf_token": csrf_of(client)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/webhooks/whk_1/deliveries")
    _only_documented(fake, documented_routes)


def test_a_refused_url_is_shown_next_to_its_field(client, fake):
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", r"/api/v1/openapi.json", OPENAPI)
    fake.on("GET", BASE, {"items": [], "next_cursor": None})
    fake.on("POST", BASE, problem(400, "the webhook URL is not allowed", code="invalid_input", errors=[
        {"field": "data.url", "message": "resolves to a loopback address; only public addresses are allowed"}]))
    answer = client.post("/webhooks/", data={"csrf_token": csrf_of(client), "url": "https://127.0.0.1/x",
                                             "events": ["finance.payment_posted"]})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "解析到本机回环地址；只允许公网地址</p>" in page
    assert 'value="https://127.0.0.1/x"' in page


def test_only_managers_and_the_operator_admin_see_the_webhooks_entry(app, fake):
    for roles, shown in ((("manager",), True), (("operator_admin",), True), (("agent",), False)):
        client = app.test_client()
        sign_in(client, fake, username="someone", roles=roles, estates=(ESTATE,))
        page = client.get("/", follow_redirects=True)
        assert page.status_code == 200 and ("/webhooks/" in page.get_data(as_text=True)) is shown


def test_a_manager_rotates_a_secret_shown_once_with_the_old_ones_overlap_or_at_once(client, fake, documented_routes):
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", r"/api/v1/openapi.json", OPENAPI)
    listed = {**WEBHOOK, "secret_rotated_at": None, "previous_secret_expires_at": None}
    fake.on("GET", BASE, {"items": [listed], "next_cursor": None})
    page = client.get("/webhooks/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "New secret" in page and "old secret stops now (it leaked)" in page
    rotated = {**listed, "secret": SECRET, "secret_rotated_at": "2026-11-30T08:00:00.000Z",
               "previous_secret_expires_at": "2026-12-01T08:00:00.000Z"}
    fake.on("POST", BASE + "/whk_1/secret", rotated)
    answer = client.post("/webhooks/whk_1/secret", data={"csrf_token": csrf_of(client)},
                         headers={"Accept-Language": "en"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and SECRET in text and "The old secret also signs until" in text
    assert answer.headers["Cache-Control"] == "no-store"
    client.post("/webhooks/whk_1/secret", data={"csrf_token": csrf_of(client), "at_once": "true"})
    assert [c["json"] for c in fake.calls if c["path"].endswith("/secret")] == [{}, {"keep_previous_hours": 0}]
    _only_documented(fake, documented_routes)


def test_why_a_webhook_is_off_reads_in_the_pages_language_with_its_time_on_the_estates_clock(client, fake):
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", r"/api/v1/openapi.json", OPENAPI)
    failing = {**WEBHOOK, "id": "whk_2", "active": False, "disabled_reason":
               "every delivery failed for 3 days in a row (since 2026-11-26T16:30:00.000Z; last: HTTP 503)"}
    by_hand = {**WEBHOOK, "id": "whk_3", "active": False, "disabled_reason": "switched off by mia"}
    typed = {**WEBHOOK, "id": "whk_4", "active": False, "disabled_reason": "every delivery failed for 3 days"}
    fake.on("GET", BASE, {"items": [failing, by_hand, typed], "next_cursor": None})
    page = client.get("/webhooks/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "自 2026-11-27 00:30 起连续 3 天推送全部失败，已自动停用（最近一次：HTTP 503）" in page
    assert "由 mia 停用" in page
    assert "every delivery failed for 3 days<" in page  # not in the form integrations writes: as written
    page = client.get("/webhooks/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "every delivery failed for 3 days in a row (since 27 Nov 2026 00:30; last: HTTP 503)" in page
    assert "switched off by mia" in page


def test_why_a_delivery_failed_reads_in_the_pages_language_and_a_receivers_words_as_written(client, fake):
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", BASE + "/whk_1", WEBHOOK)
    tried = {**DELIVERY, "last_error": "connection failed (NewConnectionError)", "recent_attempts": [
        {"at": "2026-11-29T23:00:00.000Z", "status_code": None, "error": "timed out after 5 s (the whole attempt)"},
        {"at": "2026-11-29T23:30:00.000Z", "status_code": None,
         "error": "target refused: the URL resolves to a private address; only public addresses are allowed"},
        {"at": "2026-11-30T00:00:00.000Z", "status_code": None, "error": "TLS failed (certificate or handshake)"}]}
    fake.on("GET", BASE + "/whk_1/deliveries", {"items": [tried], "next_cursor": None})
    zh = client.get("/webhooks/whk_1/deliveries", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    for chinese in ("连接失败（NewConnectionError）", "5 秒内未完成（整次推送）", "推送地址被拒绝：解析到内网地址；只允许公网地址",
                    "TLS 失败（证书或握手）"):
        assert chinese in zh, chinese
    assert "timed out" not in zh and "target refused" not in zh
    fake.on("GET", BASE + "/whk_1/deliveries", {"items": [{**tried, "last_error": "the server said no"}],
                                                "next_cursor": None})
    assert "the server said no" in client.get("/webhooks/whk_1/deliveries").get_data(as_text=True)


def test_a_create_or_rotation_sent_twice_is_made_once_and_says_the_secret_was_shown_before(client, fake):
    """The forms had no Idempotency-Key and their answer page is the POST's: a reload made a
    twin subscription (every event twice) or a second rotation, which stopped at once the secret
    the receiver held (a probe)."""
    import re
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", r"/api/v1/openapi.json", OPENAPI)
    fake.on("GET", BASE, {"items": [WEBHOOK], "next_cursor": None})
    page = client.get("/webhooks/").get_data(as_text=True)
    [create_key] = re.findall(r'name="idempotency_key" value="([0-9a-f]{32})"', page)
    [rotate_key] = re.findall(r'name="idempotency_key" value="([0-9a-f]{32}-whk_1)"', page)
    form = {"csrf_token": csrf_of(client), "url": "https://crm.example.com/hooks",
            "events": ["maintenance.work_order_created"], "idempotency_key": create_key}
    fake.on("POST", BASE, (201, {**WEBHOOK, "secret": SECRET}))
    assert SECRET in client.post("/webhooks/", data=form).get_data(as_text=True)
    fake.on("POST", BASE, (201, WEBHOOK))  # the gateway's replay: the subscription, no secret
    again = client.post("/webhooks/", data=form, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This was done already" in again and SECRET not in again
    fake.on("POST", BASE + "/whk_1/secret", {**WEBHOOK, "secret": SECRET})
    answer = client.post("/webhooks/whk_1/secret", data={"csrf_token": csrf_of(client), "idempotency_key": rotate_key})
    # the answer page's own rotation is a new one (it sent the key just used: "rotate again" did
    # nothing, and "the old secret stops now" was a 422 for a key used with another body: a probe)
    [offered] = re.findall(r'name="idempotency_key" value="([0-9a-f]{32}-whk_1)"', answer.get_data(as_text=True))
    assert offered != rotate_key
    sent = [c for c in fake.calls if c["method"] == "POST" and "/webhooks" in c["path"]]
    assert [c["headers"].get("Idempotency-Key") for c in sent] == [create_key, create_key, rotate_key]


def test_a_manager_sends_every_failed_delivery_again_from_the_deliveries_page(client, fake, documented_routes):
    """The API sends a webhook's failed deliveries again in one call (``POST …/deliveries/redeliver``
    ``{since?}``, 500 a call while ``more``) and the console had no button for it: a receiver back
    after its outage was redelivered one row at a time. The deliveries page offers it, with a time
    to start from read on the estate's clock, and says how many went and whether more are left."""
    import re
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", BASE + "/whk_1", WEBHOOK)
    fake.on("GET", BASE + "/whk_1/deliveries", {"items": [DELIVERY], "next_cursor": None})
    page = client.get("/webhooks/whk_1/deliveries", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "重新推送全部失败的推送" in page and 'type="datetime-local" name="since"' in page
    [key] = re.findall(r'action="/webhooks/whk_1/deliveries/redeliver".*?name="idempotency_key" value="([^"]+)"',
                       page, re.S)

    fake.on("POST", BASE + "/whk_1/deliveries/redeliver", {"redelivered": 500, "more": True})
    answer = client.post("/webhooks/whk_1/deliveries/redeliver", headers={"Accept-Language": "zh"},
                         data={"csrf_token": csrf_of(client), "idempotency_key": key, "since": "2026-11-20T08:00"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/webhooks/whk_1/deliveries")
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/deliveries/redeliver")]
    assert sent["json"] == {"since": "2026-11-20T00:00:00Z"}  # 08:00 in Shanghai
    assert sent["headers"].get("Idempotency-Key") == key
    shown = client.get("/webhooks/whk_1/deliveries", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "已安排重新推送 500 条失败的推送" in shown and "还有失败的推送未安排，请再点一次" in shown

    fake.on("POST", BASE + "/whk_1/deliveries/redeliver", {"redelivered": 3, "more": False})
    client.post("/webhooks/whk_1/deliveries/redeliver", data={"csrf_token": csrf_of(client), "since": ""})
    assert [c for c in fake.calls if c["path"].endswith("/deliveries/redeliver")][-1]["json"] == {}
    shown = client.get("/webhooks/whk_1/deliveries", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "已安排重新推送 3 条失败的推送" in shown and "请再点一次" not in shown

    asked = len([c for c in fake.calls if c["path"].endswith("/deliveries/redeliver")])
    client.post("/webhooks/whk_1/deliveries/redeliver", data={"csrf_token": csrf_of(client), "since": "yesterday"})
    assert len([c for c in fake.calls if c["path"].endswith("/deliveries/redeliver")]) == asked  # not sent
    assert "时间无法识别" in client.get("/webhooks/whk_1/deliveries",
                                       headers={"Accept-Language": "zh"}).get_data(as_text=True)

    fake.on("POST", BASE + "/whk_1/deliveries/redeliver",
            problem(409, "Conflict", "the webhook is switched off: switch it on to redeliver"))
    client.post("/webhooks/whk_1/deliveries/redeliver", data={"csrf_token": csrf_of(client)})
    refused = client.get("/webhooks/whk_1/deliveries", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "该 Webhook 已停用：请先启用再重新推送" in refused
    _only_documented(fake, documented_routes)


def test_a_manager_subscribes_to_every_event_type_at_once(client, fake):
    """``events: ["*"]`` (an integrator's follow-ups) is offered first, in words, and sent as it is."""
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", r"/api/v1/openapi.json", OPENAPI)
    fake.on("GET", BASE, {"items": [{**WEBHOOK, "events": ["*"]}], "next_cursor": None})
    page = client.get("/webhooks/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'value="*"' in page and "全部事件（含以后新增的类型）" in page
    fake.on("POST", BASE, (201, {**WEBHOOK, "events": ["*"], "secret": SECRET}))
    answer = client.post("/webhooks/", data={"csrf_token": csrf_of(client), "url": "https://crm.example.com/hooks",
                                             "events": ["*"]})
    assert answer.status_code == 200
    made = [c for c in fake.calls if c["method"] == "POST" and c["path"] == BASE.replace("\\", "")][-1]
    assert made["json"] == {"url": "https://crm.example.com/hooks", "events": ["*"]}
