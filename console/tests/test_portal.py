"""The owner portal's pages against the fake gateway: no account, only the documented public
routes, no token sent, the honeypot and the visitor's address passed on, field errors shown,
the tracking page and its one rating, both languages."""
import re

import pytest

from console.app import create_app

from .conftest import GATEWAY, csrf_of, problem

CODE = "E1." + "a" * 32
TRACKED = {"number": "SR-2026-000007", "kind": "repair", "status": "completed",
           "created_at": "2026-11-23T02:00:00.000Z", "updated_at": "2026-11-23T09:00:00.000Z",
           "history": [{"at": "2026-11-23T02:00:00.000Z", "status": "open"},
                       {"at": "2026-11-23T03:00:00.000Z", "status": "dispatched"},
                       {"at": "2026-11-23T09:00:00.000Z", "status": "completed"}],
           "rateable": True, "satisfaction": None, "timezone": "Asia/Shanghai"}
FORM = {"kind": "repair", "building": "3", "unit": "1", "room": "1201", "contact_name": "",
        "contact_phone": "13800138000", "description": "kitchen tap leaks"}


def public_calls(fake, documented_routes):
    for call in fake.calls:
        assert call["path"].startswith("/api/v1/public/"), call["path"]
        assert "Authorization" not in call["headers"]
        assert any(m == call["method"] and p.match(call["path"]) for m, p in documented_routes), call["path"]
    return fake.calls


ESTATE = {"code": "E1", "name": "绿城花园"}


@pytest.fixture(autouse=True)
def estate_e1(fake):
    """E1 is an estate's code: its form is shown under its name."""
    fake.on("GET", r"/api/v1/public/estates/E1", ESTATE)


def last_post(fake):
    return [call for call in fake.calls if call["method"] == "POST"][-1]


def test_the_form_is_phone_first_prefills_the_building_and_hides_the_honeypot(client, fake, documented_routes):
    page = client.get("/portal/E1?building=3", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="viewport"' in html
    assert "业主自助报事" in html and 'value="3"' in html and 'name="website"' in html and 'class="hp"' in html
    assert "绿城花园" in html  # the owner sees where the request goes
    assert [c["path"] for c in public_calls(fake, documented_routes)] == ["/api/v1/public/estates/E1"]
    english = client.get("/portal/E1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Owner service portal" in english and "Phone" in english


def test_a_link_of_no_estate_is_the_not_found_page_before_any_form(client, fake):
    """The form was shown for a mistyped code, and only filing it met "unknown" (a probe)."""
    for code in ("NOPE", "A_B"):  # no estate's, and of no estate's shape (the gateway's 404 and 400)
        fake.on("GET", r"/api/v1/public/estates/A_B", problem(400, "invalid input", "estate_code", "invalid_input", [
            {"field": "estate_code", "message": "does not match"}]))
        page = client.get(f"/portal/{code}")
        html = page.get_data(as_text=True)
        assert page.status_code == 404 and "没有找到" in html and 'name="description"' not in html


def test_filing_posts_the_documented_body_without_a_token_and_opens_the_tracking_page(client, fake,
                                                                                      documented_routes):
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            ({"tracking_code": CODE, "number": "SR-2026-000007", "status": "open"}), status=201)
    answer = client.post("/portal/E1", data={**FORM, "csrf_token": csrf_of(client)},
                         environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/portal/track/{CODE}?filed=1")
    [call] = [c for c in public_calls(fake, documented_routes) if c["method"] == "POST"]
    assert call["json"] == {k: v for k, v in FORM.items() if v}  # an empty optional field is left out
    assert call["headers"]["X-Forwarded-For"] == "203.0.113.7"


def test_what_a_phones_chinese_keyboard_types_is_sent_as_the_api_reads_it(client, fake):
    """Full-width digits (a Chinese input method's) were refused in the phone ("格式不正确" under a
    number that looked right); a line break counted twice (the browser sends CRLF), so a
    description within the box's 2,000 characters was "too long" (a probe)."""
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            ({"tracking_code": CODE, "number": "SR-2026-000007", "status": "open"}), status=201)
    description = ("水管漏水\r\n" * 333)[:1998] + "。"
    answer = client.post("/portal/E1", data={**FORM, "building": "３", "unit": "１", "room": "１２０１",
                                             "contact_phone": "１３８－００１３－８０００",
                                             "description": description, "csrf_token": csrf_of(client)})
    assert answer.status_code == 302
    sent = last_post(fake)["json"]
    assert (sent["building"], sent["unit"], sent["room"], sent["contact_phone"]) == ("3", "1", "1201", "138-0013-8000")
    assert "\r" not in sent["description"] and len(sent["description"]) <= 2000
    assert sent["description"] == description.replace("\r\n", "\n")


def test_behind_the_ingress_each_visitor_is_named_to_the_gateway_by_their_own_address(fake):
    """Without it every visitor was the ingress's address: ten filings by anyone blocked the
    portal for everyone (the gateway's per-address limit)."""
    behind = create_app({"GATEWAY_URL": GATEWAY, "SECRET_KEY": "test-secret", "TESTING": True, "TRUSTED_PROXIES": 1},
                        http=fake).test_client()
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            ({"tracking_code": CODE, "number": "SR-2026-000007", "status": "open"}), status=201)
    for visitor in ("198.51.100.11", "198.51.100.12"):
        behind.post("/portal/E1", data={**FORM, "csrf_token": csrf_of(behind)},
                    environ_base={"REMOTE_ADDR": "10.0.0.9"}, headers={"X-Forwarded-For": visitor})
    sent = [c["headers"]["X-Forwarded-For"] for c in fake.calls if c["method"] == "POST" and "/public/" in c["path"]]
    assert sent == ["198.51.100.11", "198.51.100.12"]


def test_behind_the_ingress_over_https_the_console_sets_its_cookies_secure(fake):
    """The ingress ends TLS: the console saw http, so its language cookie was never Secure."""
    behind = create_app({"GATEWAY_URL": GATEWAY, "SECRET_KEY": "test-secret", "TESTING": True, "TRUSTED_PROXIES": 1,
                         "SESSION_COOKIE_SECURE": True}, http=fake).test_client()
    answer = behind.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf_of(behind)},
                         headers={"X-Forwarded-Proto": "https"})
    cookies = answer.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in cookie for cookie in cookies)


def test_the_form_sends_its_own_idempotency_key_and_keeps_it_when_shown_again(client, fake):
    """A double tap on one form sends one key twice (the service files once); a new form, a new key."""
    def key_of(html):
        return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html).group(1)

    first, second = (key_of(client.get("/portal/E1").get_data(as_text=True)) for _ in range(2))
    assert first != second
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            lambda body, params: problem(400, "invalid input", "contact_phone", "invalid_input",
                                         [{"field": "contact_phone", "message": "is a required property"}]))
    refused = client.post("/portal/E1", data={**FORM, "idempotency_key": first, "csrf_token": csrf_of(client)})
    assert key_of(refused.get_data(as_text=True)) == first  # the same form, corrected, is still the same filing
    assert last_post(fake)["headers"]["Idempotency-Key"] == first


def test_the_same_filing_sent_again_from_a_new_form_is_sent_with_the_first_ones_key(client, fake):
    """Going back to a sent form, a browser loads a new one (no-store), with a new key, and puts back
    what was typed: sent again, it filed the request twice (a phone probe). This browser's same
    filing goes with its first key (the service answers the first request); another filing, or
    another browser's, with its own."""
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            ({"tracking_code": CODE, "number": "SR-2026-000007", "status": "open"}), status=201)

    def send(browser, key, **changed):
        answer = browser.post("/portal/E1", data={**FORM, **changed, "idempotency_key": key,
                                                  "csrf_token": csrf_of(browser)})
        assert answer.status_code == 302
        return last_post(fake)["headers"]["Idempotency-Key"]

    assert send(client, "a" * 32) == "a" * 32
    assert send(client, "b" * 32) == "a" * 32  # the form gone back to, sent again as it was
    assert send(client, "c" * 32, description="and the bathroom tap") == "c" * 32  # another filing
    assert send(client, "d" * 32, building="３") == "a" * 32  # the same, typed full-width
    other = create_app({"GATEWAY_URL": GATEWAY, "SECRET_KEY": "test-secret", "TESTING": True}, http=fake).test_client()
    assert send(other, "e" * 32) == "e" * 32  # a neighbour filing the same words files their own
    # the same words once the first request's work is done: the matter came back, a new filing
    fake.on("POST", r"/api/v1/public/estates/E1/requests", lambda body, params: (201, {
        "tracking_code": CODE, "number": "SR-2026-000007", "status": "closed"}))
    assert send(client, "f" * 32) == "f" * 32
    assert [c["headers"]["Idempotency-Key"] for c in fake.calls if c["method"] == "POST"][-2:] == ["a" * 32, "f" * 32]


def test_a_form_refused_after_the_first_filings_key_was_tried_comes_back_with_its_own(client, fake):
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            ({"tracking_code": CODE, "number": "SR-2026-000007", "status": "open"}), status=201)
    client.post("/portal/E1", data={**FORM, "idempotency_key": "a" * 32, "csrf_token": csrf_of(client)})
    fake.on("POST", r"/api/v1/public/estates/E1/requests", lambda body, params: problem(
        503, "Service Unavailable", "customer_service is unavailable", "unavailable"))
    html = client.post("/portal/E1", data={**FORM, "idempotency_key": "b" * 32,
                                           "csrf_token": csrf_of(client)}).get_data(as_text=True)
    assert last_post(fake)["headers"]["Idempotency-Key"] == "a" * 32
    assert 'name="idempotency_key" value="' + "b" * 32 + '"' in html


def test_a_sent_form_changed_and_sent_again_comes_back_as_a_new_form_to_send_once_more(client, fake):
    """Gone back to and changed, the form's key was refused (the same key, another filing) and the
    form came back with that key: refused again at every send, and told to "open this page again"."""
    key = "k" * 32
    fake.on("POST", r"/api/v1/public/estates/E1/requests", lambda body, params: problem(
        422, "Unprocessable", "Idempotency-Key was used before with another filing", "business_rule",
        [{"field": "Idempotency-Key", "message": "was used with another body"}]))
    answer = client.post("/portal/E1", data={**FORM, "idempotency_key": key, "csrf_token": csrf_of(client)},
                         headers={"Accept-Language": "zh-CN"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "这张表单刚才已经提交过" in html and "kitchen tap leaks" in html
    sent_again = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html).group(1)
    assert sent_again != key


def test_a_filled_honeypot_is_passed_on_for_the_gateway_to_refuse(client, fake):
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            lambda body, params: problem(400, "invalid input", "website", "invalid_input",
                                         [{"field": "website", "message": "must be empty"}]))
    answer = client.post("/portal/E1", data={**FORM, "website": "spam", "csrf_token": csrf_of(client)},
                         headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 400
    assert last_post(fake)["json"]["website"] == "spam"
    # a browser's autofill does this too: the owner is told in words and gets the form back, typed
    # as it was and with the hidden field empty (the refusal named 'website', a field nobody sees)
    html = answer.get_data(as_text=True)
    assert "浏览器自动填写了一个应留空的隐藏项" in html and "website:" not in html
    assert "kitchen tap leaks" in html and 'name="website" tabindex="-1" autocomplete="off">' in html


def test_field_errors_are_shown_next_to_their_field_and_an_unknown_estate_is_a_bare_404(client, fake):
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            lambda body, params: problem(400, "invalid input", "contact_phone", "invalid_input",
                                         [{"field": "contact_phone", "message": "is a required property"}]))
    answer = client.post("/portal/E1", data={**FORM, "contact_phone": "", "csrf_token": csrf_of(client)})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'class="field-error">is a required property</p>' in html
    assert "kitchen tap leaks" in html  # what was typed stays
    missing = client.post("/portal/NOPE", data={**FORM, "csrf_token": csrf_of(client)})
    assert missing.status_code == 404 and "没有找到" in missing.get_data(as_text=True)


def test_a_form_without_the_csrf_token_reaches_no_gateway(client, fake):
    assert client.post("/portal/E1", data=FORM).status_code == 400
    assert [c for c in fake.calls if c["method"] == "POST"] == []


def test_a_form_the_session_holds_no_token_of_comes_back_as_typed_on_the_portals_page(client, fake):
    """The phone's browser restarted (its session cookie gone) and the form, sent, showed the staff's
    "出错了 (400) 表单已过期，请返回刷新后重新提交" with their home link; reloading lost what was typed
    (a phone probe). Here the form comes back as typed, with its key, to send again; a rating too."""
    answer = client.post("/portal/E1", data={**FORM, "idempotency_key": "k" * 32, "csrf_token": "stale"},
                         headers={"Accept-Language": "zh-CN"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'class="portal"' in html and "页面已过期" in html
    assert "kitchen tap leaks" in html and 'value="' + "k" * 32 + '"' in html and "出错了" not in html
    assert [c for c in fake.calls if c["method"] == "POST"] == []
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            ({"tracking_code": CODE, "number": "SR-2026-000007", "status": "open"}), status=201)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/portal/E1", data={**FORM, "csrf_token": token}).status_code == 302  # this session's token
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", TRACKED)
    rated = client.post(f"/portal/track/{CODE}/rating", data={"satisfaction": "4", "csrf_token": "stale"},
                        headers={"Accept-Language": "zh-CN"})
    html = rated.get_data(as_text=True)
    assert rated.status_code == 400 and "页面已过期" in html and "SR-2026-000007" in html and 'name="satisfaction"' in html
    assert not [c for c in fake.calls if c["path"].endswith("/rating")]


def test_a_portal_address_of_no_page_is_the_portals_not_found_page(client, fake):
    """``/portal/E1/disclosures/2026-11/x`` showed the staff's "出错了 (404)" with their home link; the
    rating's address opened (the language switched on a refused rating's page) was their 405."""
    for path in ("/portal/E1/disclosures/2026-11/x", "/portal/E1/notices/x/y", "/portal"):
        answer = client.get(path, headers={"Accept-Language": "zh-CN"})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 404 and 'class="portal"' in html and "二维码" in html, path
        assert "出错了" not in html and 'href="/"' not in html, path
    opened = client.get(f"/portal/track/{CODE}/rating")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/portal/track/{CODE}")


def test_the_tracking_page_shows_statuses_and_takes_one_rating(client, fake, documented_routes):
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", TRACKED)
    fake.on("POST", r"/api/v1/public/requests/E1\.a+/rating", {**TRACKED, "rateable": False, "satisfaction": 4})
    page = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "SR-2026-000007" in html
    assert html.count("<li>") == 3 and "Sent to maintenance" in html and 'name="satisfaction"' in html
    rated = client.post(f"/portal/track/{CODE}/rating", data={"satisfaction": "4", "csrf_token": csrf_of(client)})
    assert rated.status_code == 302
    assert [c for c in public_calls(fake, documented_routes) if c["method"] == "POST"][0]["json"] == {"satisfaction": 4}
    assert "reply" not in html.lower()  # none sent yet
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", {**TRACKED, "reply": "the plumber comes on Friday"})
    shown = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "服务中心的答复" in shown and "the plumber comes on Friday" in shown


def test_a_completed_repair_s_page_says_what_the_work_was_charged_and_that_it_is_billed(client, fake):
    """A repair signed off with a charge became a bill of the household, and the page said
    'completed' and asked for a rating: the owner, without an account, learnt what it cost from the
    bill if ever (an owner's probe). The view's charge_cents is said in yuan, or that it was free;
    nothing while the work is awaited, nor from a gateway without it."""
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", {**TRACKED, "charge_cents": 12000})
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "本次维修收费 ¥120.00" in zh and "已计入你家的账单" in zh
    en = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This repair was charged ¥120.00" in en and "billed to your household" in en
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", {**TRACKED, "charge_cents": 0})
    free = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "本次维修不收费" in free and "¥" not in free
    for tracked in ({**TRACKED, "status": "dispatched", "rateable": False, "charge_cents": None}, TRACKED):
        fake.on("GET", r"/api/v1/public/requests/E1\.a+", tracked)
        page = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
        assert "维修收费" not in page and "不收费" not in page


def test_a_repair_under_way_shows_when_the_technician_comes_that_it_changed_and_when_he_came(client, fake):
    """The page said "dispatched" until the work was done: not the time agreed with the occupant, nor
    a new one (the portal's gap noted last session). Times on the estate's clock, in both languages."""
    under_way = {**TRACKED, "status": "dispatched", "history": TRACKED["history"][:2], "rateable": False,
                 "appointment": {"at": "2026-11-25T06:00:00.000Z", "set_at": "2026-11-23T08:00:00.000Z",
                                 "rescheduled": True, "previous_at": "2026-11-24T02:00:00.000Z"},
                 "on_site_at": "2026-11-23T05:00:00.000Z"}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", under_way)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "维修师傅上门时间" in zh and "2026-11-25 14:00" in zh and "上门时间已改约，原定 2026-11-24 10:00。" in zh
    steps = re.findall(r"<li>(.*?)</li>", zh, re.S)
    assert [re.sub(r"<[^>]+>", "", step).split(" ", 2)[-1] for step in steps] == [
        "待处理", "已转工程部", "维修师傅已上门", "上门时间改为：2026-11-25 14:00"], steps
    en = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "When the technician comes" in en and "The visit was moved to this time; it was" in en
    assert "Visit moved to" in en and "The technician came" in en
    first = {**under_way, "appointment": {**under_way["appointment"], "rescheduled": False, "previous_at": None},
             "on_site_at": None}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", first)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已约定上门时间：2026-11-25 14:00" in zh and "改约" not in zh and "维修师傅已上门" not in zh
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", TRACKED)  # done, or a gateway older than the visit
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "维修师傅上门时间" not in zh and zh.count("<li>") == 3
    # the work done: the visit stays among the steps (the time agreed left them, "the technician
    # came" standing alone), and the box of the visit to come is gone
    done = {**TRACKED, "appointment": None, "on_site_at": "2026-11-23T08:35:00.000Z",
            "last_appointment": {"at": "2026-11-23T08:30:00.000Z", "set_at": "2026-11-23T04:00:00.000Z",
                                 "rescheduled": False, "previous_at": None}}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", done)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    steps = [re.sub(r"<[^>]+>", "", step).split(" ", 2)[-1] for step in re.findall(r"<li>(.*?)</li>", zh, re.S)]
    assert steps == ["待处理", "已转工程部", "已约定上门时间：2026-11-23 16:30", "维修师傅已上门", "已完工"], steps
    assert "维修师傅上门时间" not in zh
    en = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Visit arranged for" in en and "The technician came" in en and "When the technician comes" not in en


def test_a_request_is_found_again_by_its_tracking_code_and_its_page_leads_back_to_the_form(client, fake):
    """The portal had no place to type a tracking code (one kept anywhere but the browser's history
    led nowhere) and the tracking page no link on: a dead end (a phone probe)."""
    form = client.get("/portal/E1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "查询进度" in form and 'action="/portal/track"' in form
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", TRACKED)
    for typed in (CODE, f" {CODE} ", f"https://portal.example/portal/track/{CODE}?filed=1",
                  CODE.replace("E1", "Ｅ１"), CODE[:10] + " " + CODE[10:]):
        found = client.get("/portal/track", query_string={"code": typed, "estate": "E1"})
        assert found.status_code == 302 and found.headers["Location"].endswith(f"/portal/track/{CODE}"), typed
    empty = client.get("/portal/track", query_string={"code": " ", "estate": "E1"})
    assert empty.status_code == 302 and empty.headers["Location"].endswith("/portal/E1")
    assert client.get("/portal/track", query_string={"code": ""}).status_code == 404
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", TRACKED)
    page = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert f"<code>{CODE}</code>" in page and 'href="/portal/E1"' in page and "再报一件事" in page


def test_a_second_rating_shows_the_gateways_409(client, fake):
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", {**TRACKED, "rateable": False, "satisfaction": 5})
    fake.on("POST", r"/api/v1/public/requests/E1\.a+/rating",
            lambda body, params: problem(409, "Conflict", "this request has been rated already"))
    answer = client.post(f"/portal/track/{CODE}/rating", data={"satisfaction": "2", "csrf_token": csrf_of(client)})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "该报事已评价过" in html and 'name="satisfaction"' not in html


def test_a_refusal_reads_as_an_owner_reads_it_without_the_staffs_titles_or_request_ids(client, fake):
    """The staff's box named a refusal's kind ("与当前状态冲突", "输入有误") and showed the call's id as
    "请求编号: console-…" above the request's own number (报事 SR-…), which an owner took for it;
    the phone's pattern read "格式不正确" (a phone probe)."""
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            lambda body, params: problem(400, "invalid input", "contact_phone: the value does not match", "invalid_input",
                                         [{"field": "contact_phone", "message": "the value does not match '^\\+?[0-9][0-9 -]{5,19}$'"}]))
    html = client.post("/portal/E1", data={**FORM, "contact_phone": "138.0013", "csrf_token": csrf_of(client)},
                       headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "请检查下面标红的内容" in html and "请填写能联系到你的电话号码" in html
    assert "输入有误" not in html and "请求编号" not in html and "req-problem-42" not in html and "格式不正确" not in html
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", {**TRACKED, "rateable": False, "satisfaction": 5})
    fake.on("POST", r"/api/v1/public/requests/E1\.a+/rating",
            lambda body, params: problem(409, "Conflict", "this request has been rated already", "conflict"))
    html = client.post(f"/portal/track/{CODE}/rating", data={"satisfaction": "2", "csrf_token": csrf_of(client)},
                       headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "该报事已评价过" in html and "与当前状态冲突" not in html and "请求编号" not in html


# -- the desk's side: an unmatched portal request is matched from its page ------------------------

def test_the_desk_sees_an_unmatched_portal_request_and_matches_it(client, fake, documented_routes):
    from .conftest import ESTATE, sign_in
    sign_in(client, fake)
    unmatched = {"id": "sr_9", "estate_id": ESTATE, "number": "SR-2026-000009", "kind": "repair",
                 "household_id": None, "channel": "portal", "description": "tap leaks", "status": "open",
                 "due_at": "2026-11-24T02:00:00.000Z", "created_at": "2026-11-23T02:00:00.000Z",
                 "updated_at": "2026-11-23T02:00:00.000Z", "history": [],
                 "portal": {"address": {"building": "3", "unit": "1", "room": "9999"},
                            "contact": {"name": None, "phone": "13800138000"}, "matched": False, "rating": None}}
    household = {"id": "hh_1", "estate_id": ESTATE, "building": "3", "unit": "1", "room": "1201",
                 "owner": {"name": "陈小明", "phone": "13900000000"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9", unmatched)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [household], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9/household",
            {**unmatched, "household_id": "hh_1", "portal": {**unmatched["portal"], "matched": True}})
    page = client.get("/desk/requests/sr_9", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "3-1-9999" in page and "No household matched" in page and "13800138000" in page
    assert 'value="hh_1" required>' in page  # the building's households offered; none is the room filed
    assert not any(c["path"].endswith("/households/None") for c in fake.calls)
    # the room the owner wrote comes first and is chosen: none was, and a misclick matched a
    # neighbour for good (a probe)
    neighbour = {**household, "id": "hh_0", "room": "1101"}
    filed = {**household, "id": "hh_2", "room": "9999"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [neighbour, filed], "next_cursor": None})
    page = client.get("/desk/requests/sr_9", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'value="hh_2" required checked>' in page and 'value="hh_0" required>' in page
    assert page.index('value="hh_2"') < page.index('value="hh_0"') and "the room filed" in page
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [household], "next_cursor": None})
    answer = client.post("/desk/requests/sr_9/household", data={"household_id": "hh_1", "csrf_token": csrf_of(client)})
    assert answer.status_code == 302
    # a repair is classified as it is matched (the portal asks no category; an unclassified repair
    # repeats nothing): the form offers the categories, and sends one chosen
    assert 'name="category"' in page and '<option value="water">' in page
    client.post("/desk/requests/sr_9/household", data={"household_id": "hh_1", "category": "water",
                                                       "csrf_token": csrf_of(client)})
    posted = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/household")]
    assert [c["json"] for c in posted] == [{"household_id": "hh_1"}, {"household_id": "hh_1", "category": "water"}]
    for call in fake.calls:
        assert any(m == call["method"] and p.match(call["path"]) for m, p in documented_routes), call["path"]


def test_the_desk_is_offered_the_household_an_owner_wrote_in_a_common_form(client, fake):
    """An owner writes 3号楼 / 2单元 / 1201室 where the household is registered as 3-2-1201: the API
    finds the building's households by it (archive reads the forms), and the page offered none of
    them (it compared the unit and the room as written) and asked the desk for an id."""
    from .conftest import ESTATE, sign_in
    sign_in(client, fake)
    filed = {"id": "sr_9", "estate_id": ESTATE, "number": "SR-2026-000009", "kind": "repair",
             "household_id": None, "channel": "portal", "description": "tap leaks", "status": "open",
             "due_at": "2026-11-24T02:00:00.000Z", "created_at": "2026-11-23T02:00:00.000Z",
             "updated_at": "2026-11-23T02:00:00.000Z", "history": [],
             "portal": {"address": {"building": "3号楼", "unit": "2单元", "room": "1201室"},
                        "contact": {"name": None, "phone": "13800138000"}, "matched": False, "rating": None}}
    household = {"id": "hh_1", "estate_id": ESTATE, "building": "3", "unit": "2", "room": "1201",
                 "owner": {"name": "陈小明", "phone": "13900000000"}}
    neighbour = {**household, "id": "hh_0", "room": "1101"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9", filed)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [neighbour, household], "next_cursor": None})
    page = client.get("/desk/requests/sr_9", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'value="hh_1" required checked>' in page and 'value="hh_0" required>' in page
    assert page.index('value="hh_1"') < page.index('value="hh_0"')
    [asked] = [c for c in fake.calls if c["path"].endswith("/households")]
    assert (asked["params"]["building"], asked["params"]["unit"]) == ("3号楼", "2单元")  # read by the API
    # two households the room filed reads as (one flat registered twice, 3 and 3栋): neither is
    # chosen for the desk, which reads both and picks one
    twin = {**household, "id": "hh_2", "building": "3栋"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [household, twin], "next_cursor": None})
    page = client.get("/desk/requests/sr_9", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'value="hh_1" required>' in page and 'value="hh_2" required>' in page and "checked" not in page


def test_the_desk_corrects_a_household_named_wrongly_with_the_reason(client, fake, documented_routes):
    """A portal request matched to the neighbour could not be matched again (session 36): an open
    request whose work has not started offers the correction, found by the household search."""
    from .conftest import ESTATE, sign_in
    sign_in(client, fake)
    matched = {"id": "sr_9", "estate_id": ESTATE, "number": "SR-2026-000009", "kind": "repair",
               "household_id": "hh_0", "channel": "portal", "description": "tap leaks", "status": "dispatched",
               "due_at": "2026-11-24T02:00:00.000Z", "created_at": "2026-11-23T02:00:00.000Z",
               "updated_at": "2026-11-23T02:00:00.000Z", "history": [], "started_at": None,
               "portal": {"address": {"building": "3", "unit": "1", "room": "1201"},
                          "contact": {"name": None, "phone": "13800138000"}, "matched": True, "rating": None}}
    neighbour = {"id": "hh_0", "estate_id": ESTATE, "building": "3", "unit": "1", "room": "1101",
                 "owner": {"name": "王五", "phone": "13900000001"}}
    right = {**neighbour, "id": "hh_2", "room": "1201", "owner": {"name": "陈小明", "phone": "13900000000"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9", matched)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_0", neighbour)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [neighbour, right], "next_cursor": None})
    page = client.get("/desk/requests/sr_9", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Correct the household" in page and 'id="correct-form"' not in page  # search first
    page = client.get("/desk/requests/sr_9?building=3&unit=1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="correct-form"' in page and 'value="hh_2" required checked>' in page
    assert 'value="hh_0"' not in page.split('id="correct-form"')[1]  # not the household it names
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9/household", {**matched, "household_id": "hh_2"})
    answer = client.post("/desk/requests/sr_9/household", data={
        "household_id": "hh_2", "reason": " the owner called: 1201 ", "csrf_token": csrf_of(client)})
    assert answer.status_code == 302
    posted = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/household")]
    assert posted[-1]["json"] == {"household_id": "hh_2", "reason": "the owner called: 1201"}
    # not once the work started, nor on a closed request
    for changed in ({"started_at": "2026-11-23T05:00:00.000Z", "status": "in_progress"}, {"status": "closed"}):
        fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9", {**matched, **changed})
        page = client.get("/desk/requests/sr_9?building=3", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Correct the household" not in page, changed
    for call in fake.calls:
        assert any(m == call["method"] and p.match(call["path"]) for m, p in documented_routes), call["path"]


def test_the_desk_prints_the_portal_qr_code_the_gateway_draws(client, fake, documented_routes):
    import base64
    from .conftest import ESTATE, sign_in
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><title>E1 owner portal</title></svg>'

    class SvgAnswer:  # the fake gateway answers JSON; the QR route answers image/svg+xml
        status_code, reason, headers, content = 200, "ok", {"X-Request-ID": "r", "Content-Type": "image/svg+xml"}, svg

    original = fake.request

    def request(method, url, **kwargs):
        answer = original(method, url, **kwargs)
        return SvgAnswer() if url.split("?")[0].endswith("/portal-qr") else answer
    fake.request = request
    sign_in(client, fake)
    page = client.get("/desk/portal-qr?building=3").get_data(as_text=True)
    assert "data:image/svg+xml;base64," + base64.b64encode(svg).decode() in page
    [call] = [c for c in fake.calls if c["path"].endswith("/portal-qr")]
    assert call["path"] == f"/api/v1/estates/{ESTATE}/portal-qr" and call["params"] == {"building": "3"}
    assert any(m == "GET" and p.match(call["path"]) for m, p in documented_routes)
    home = client.get("/")  # the menu offers it to the desk
    assert 'href="/desk/portal-qr"' in home.get_data(as_text=True)


def test_the_tracking_page_shows_times_on_the_estates_clock_not_the_consoles(client, fake):
    """The filer has no account and no chosen estate: the times came in the console's zone, so a
    Los Angeles estate's 10:00 repair showed as 02:00 the next day (found by review)."""
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", {**TRACKED, "timezone": "America/Los_Angeles"})
    html = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "2026-11-22 18:00" in html and "2026-11-23 10:00" not in html  # 02:00 UTC
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", TRACKED)
    html = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "2026-11-23 10:00" in html


def test_a_tracking_code_of_no_requests_shape_is_the_portals_not_found_page(client, fake):
    """A malformed code showed the owner the staff's error page ("出错了 (400) tracking_code: 格式不正确";
    found by a console probe)."""
    malformed = problem(400, "invalid input", "tracking_code", "invalid_input",
                        [{"field": "tracking_code", "message": "the value does not match '^…$'"}])
    fake.on("GET", r"/api/v1/public/requests/bad-code", malformed)
    answer = client.get("/portal/track/bad-code")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 404 and "没有找到" in html and "出错了" not in html
    fake.on("POST", r"/api/v1/public/requests/bad-code/rating", malformed)
    rated = client.post("/portal/track/bad-code/rating", data={"satisfaction": "4", "csrf_token": csrf_of(client)})
    assert rated.status_code == 404 and "没有找到" in rated.get_data(as_text=True)


def test_a_gateway_that_refuses_for_now_shows_the_portals_own_page_with_its_retry_after(client, fake):
    """A 429 (or a 503) on the tracking page and on a rating showed the owner the staff console's
    error page, with its staff links and no Retry-After (found by a probe)."""
    from .conftest import FakeResponse

    def busy(body, params):
        answer = FakeResponse(429, {"type": "about:blank", "title": "Too Many Requests", "status": 429,
                                    "detail": "too many calls from this address: try again later",
                                    "code": "too_many_requests", "request_id": "req-busy-1"})
        answer.headers["Retry-After"] = "458"
        return answer
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", busy)
    fake.on("POST", r"/api/v1/public/requests/E1\.a+/rating", busy)
    fake.on("POST", r"/api/v1/public/estates/E1/requests", busy)
    for answer in (client.get(f"/portal/track/{CODE}"),
                   client.post(f"/portal/track/{CODE}/rating", data={"satisfaction": "4", "csrf_token": csrf_of(client)}),
                   client.post("/portal/E1", data={**FORM, "csrf_token": csrf_of(client)})):
        html = answer.get_data(as_text=True)
        assert answer.status_code == 429 and answer.headers["Retry-After"] == "458"
        assert 'class="portal"' in html and "出错了" not in html and 'href="/"' not in html
        assert "req-busy-1" in html and "参考码" in html  # what the service centre may ask for
        assert "请约 8 分钟后再试" in html  # 458 s: it said only "try later"


def test_an_estate_code_of_no_estates_shape_is_the_portals_not_found_page(client, fake):
    """The owner saw "estate_code: 格式不正确" on a form where no field holds the code (found by a probe)."""
    fake.on("POST", r"/api/v1/public/estates/A_B/requests", problem(
        400, "invalid input", "estate_code", "invalid_input", [{"field": "estate_code", "message": "does not match"}]))
    answer = client.post("/portal/A_B", data={**FORM, "csrf_token": csrf_of(client)})
    assert answer.status_code == 404 and "没有找到" in answer.get_data(as_text=True)


BOARD = {"estate_name": "绿城花园", "timezone": "Asia/Shanghai", "items": [
    {"title": "周五停水", "body": "9:00-12:00 停水\n请提前储水", "building": "3", "published_at": "2026-11-23T01:00:00.000Z"},
    {"title": "电梯年检", "body": "12 月 10 日", "building": None, "published_at": "2026-11-22T01:00:00.000Z"}]}


def test_an_owner_reads_the_estates_notices_from_the_form_and_a_buildings_from_its_qr_code(
        client, fake, documented_routes):
    """The portal had no notices: an owner scanning a building's QR code (on its notice board) found
    a form only (a phone probe)."""
    fake.on("GET", r"/api/v1/public/estates/E1/notices", BOARD)
    form = client.get("/portal/E1?building=3", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'href="/portal/E1/notices?building=3"' in form and "查看小区公告" in form
    page = client.get("/portal/E1/notices?building=３", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="viewport"' in html and "绿城花园" in html
    assert html.index("周五停水") < html.index("电梯年检") and "3 号楼" in html and "全小区" in html
    assert "2026-11-23 09:00" in html and "请提前储水" in html  # the estate's clock
    assert 'href="/portal/E1?building=3"' in html  # back to the form, the building kept
    notices_calls = [c for c in public_calls(fake, documented_routes) if c["path"].endswith("/notices")]
    assert [c["params"] for c in notices_calls] == [{"building": "3"}]
    client.get("/portal/E1/notices")
    assert [c for c in fake.calls if c["path"].endswith("/notices")][-1]["params"] in (None, {})
    fake.on("GET", r"/api/v1/public/estates/E1/notices", {**BOARD, "items": []})
    english = client.get("/portal/E1/notices", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No notices." in english
    fake.on("GET", r"/api/v1/public/estates/NOPE/notices", problem(404, "Not found", "not found", "not_found"))
    assert client.get("/portal/NOPE/notices").status_code == 404


def test_a_water_cut_of_several_buildings_names_each_and_when_the_water_is_expected_back(client, fake):
    """停水通知 (h7): one notice to buildings 3 to 5 named the first alone on the board, and the time
    the water is expected back was said nowhere but in the text."""
    fake.on("GET", r"/api/v1/public/estates/E1/notices", {**BOARD, "items": [
        {"title": "停水通知", "body": "主水管爆裂抢修", "building": "3", "buildings": ["3", "4", "5"],
         "expected_restoration_at": "2026-11-21T22:00:00.000Z", "published_at": "2026-11-21T15:00:00.000Z"}]})
    html = client.get("/portal/E1/notices?building=4", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "3 号楼、4 号楼、5 号楼" in html
    assert "预计恢复" in html and "2026-11-22 06:00" in html  # on the estate's clock


PUBLISHED = {"estate_name": "绿城花园", "period": "2026-11", "version": 2, "published_at": "2026-12-01T02:00:00Z",
             "income": {"by_item": {"property_service": {"billed_cents": 1234567, "received_cents": 1000050,
                                                          "bills": 120},
                                    "parking": {"billed_cents": 30000, "received_cents": 30000, "bills": 1}},
                        "billed_cents": 1264567, "received_cents": 1030050},
             "expenses": {"maintenance_material_cents": 5000, "maintenance_labour_cents": 12000,
                          "operating_by_category": {"cleaning": 250000}, "operating_cents": 250000,
                          "total_cents": 267000, "work_orders": 3},
             "net_received_cents": 763050}


def test_the_published_disclosure_reads_as_a_page_in_yuan_with_items_labelled_in_both_languages(
        client, fake, documented_routes):
    """The owners' link led to the public route's JSON: escaped Chinese, English keys, cents (a probe)."""
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-11", PUBLISHED)
    page = client.get("/portal/E1/disclosures/2026-11", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="viewport"' in html
    assert "绿城花园" in html and "2026-11 收支公示" in html and "第 2 版" in html
    assert "物业服务费" in html and "保洁" in html and "停车费" in html
    assert "¥12,345.67" in html and "¥7,630.50" in html and "¥2,670.00" in html
    assert "property_service" not in html and "billed_cents" not in html and "1234567" not in html
    # and the estate, for its phones (finance's answer carries none)
    assert [c["path"] for c in public_calls(fake, documented_routes)] == ["/api/v1/public/estates/E1/disclosures/2026-11",
                                                                          "/api/v1/public/estates/E1"]
    english = client.get("/portal/E1/disclosures/2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Income and expenses of 2026-11" in english and "Cleaning" in english and "¥12,345.67" in english


def test_a_years_and_a_quarters_published_disclosure_read_as_a_months_does(client, fake, documented_routes):
    """The year's disclosure (年度公示) and a quarter's are published to owners (h9's year-end probe, h11):
    the portal's page and list read them from the public routes as a month's."""
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026$", {**PUBLISHED, "period": "2026"})
    html = client.get("/portal/E1/disclosures/2026", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "2026 年度收支公示" in html and "¥12,345.67" in html  # an owner reads the year's words (review r11)
    assert public_calls(fake, documented_routes)[0]["path"] == "/api/v1/public/estates/E1/disclosures/2026"
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures$", {"estate_name": "绿城花园", "next_cursor": None, "items": [
        {"period": "2026", "version": 1, "published_at": "2027-01-05T02:00:00Z"},
        {"period": "2026-Q4", "version": 1, "published_at": "2027-01-04T02:00:00Z"}]})
    listed = client.get("/portal/E1/disclosures").get_data(as_text=True)
    assert 'href="/portal/E1/disclosures/2026"' in listed and 'href="/portal/E1/disclosures/2026-Q4"' in listed
    # an owner reads 年度 and 第 4 季度, not the API's "2026-Q4" (review r11 of h11)
    assert "2026 年度收支公示" in listed and "2026 年第 4 季度收支公示" in listed and ">2026-Q4 收支公示" not in listed
    english = client.get("/portal/E1/disclosures", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Income and expenses of the year 2026" in english and "Income and expenses of 2026 Q4" in english


def test_the_published_disclosure_shows_its_prepaid_money_and_one_published_before_none(client, fake, documented_routes):
    """预收 in the disclosure (found by h3, the fee rise's leftovers): the money received of the period,
    what paid bills at once and what was taken in as prepaid, and the prepaid balance at its start and
    end; a month published before it was shown has none, and its page shows none."""
    prepaid = {"opening_cents": 500000, "received_cents": 1030050, "paid_on_bills_cents": 930050,
               "taken_in_cents": 100000, "used_cents": 200000, "given_back_cents": 0, "paid_back_cents": 0,
               "closing_cents": 400000}
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-11", {**PUBLISHED, "prepaid": prepaid})
    html = client.get("/portal/E1/disclosures/2026-11", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "预收款" in html and "期初预收余额" in html and "¥5,000.00" in html and "期末预收余额" in html
    assert "¥4,000.00" in html and "本期预收" in html and "¥1,000.00" in html and "预收退款" not in html
    english = client.get("/portal/E1/disclosures/2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Prepaid balance at the start" in english and "of which taken in as prepaid" in english
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-11", PUBLISHED)
    assert "预收款" not in client.get("/portal/E1/disclosures/2026-11",
                                    headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_the_published_disclosures_are_listed_newest_first_a_page_at_a_time_each_leading_to_its_month(
        client, fake, documented_routes):
    """The portal opened one month by the accounts staff's link and listed none: an owner could not
    find the past ones (the portal's gap noted last session)."""
    cursor = "2026-09-02T01:00:00.000Z~dsc_9"
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures", lambda body, params: (200, {
        "estate_name": "绿城花园", "next_cursor": None if params.get("cursor") else cursor,
        "items": [] if params.get("cursor") else [
            {"period": "2026-10", "version": 2, "published_at": "2026-11-05T02:00:00.000Z"},
            {"period": "2026-09", "version": 1, "published_at": "2026-10-03T02:00:00.000Z"}]}))
    page = client.get("/portal/E1/disclosures", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "历次收支公示" in html and "绿城花园" in html
    assert html.index('href="/portal/E1/disclosures/2026-10"') < html.index('href="/portal/E1/disclosures/2026-09"')
    assert "2026-10 收支公示" in html and "第 2 版，公示于 2026-11-05 10:00" in html
    assert 'href="/portal/E1/disclosures?cursor=2026-09-02T01:00:00.000Z~dsc_9">下一页' in html
    later = client.get("/portal/E1/disclosures", query_string={"cursor": cursor}, headers={"Accept-Language": "en"})
    assert "Nothing earlier was published." in later.get_data(as_text=True)
    assert [(c["path"], c["params"]) for c in public_calls(fake, documented_routes)
            if c["path"].endswith("/disclosures")] == [  # besides the estate's read, for its phones
        ("/api/v1/public/estates/E1/disclosures", {"limit": 12}),
        ("/api/v1/public/estates/E1/disclosures", {"limit": 12, "cursor": cursor})]
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures", {"estate_name": "Lakeside", "next_cursor": None,
                                                              "items": []})
    none = client.get("/portal/E1/disclosures", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Nothing has been published yet." in none and "Next page" not in none
    form = client.get("/portal/E1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'href="/portal/E1/disclosures"' in form  # the form leads to it, as to the notices


def test_the_fee_standards_published_show_the_price_in_force_and_the_rise_to_come(client, fake, documented_routes):
    """h6's probe of a fee rise (2.50 → 2.80 from January): owners were shown the new prices nowhere."""
    fake.on("GET", r"/api/v1/public/estates/E1/fee-standards", {
        "estate_name": "绿城花园", "timezone": "Asia/Shanghai", "items": [
            {"item": "parking", "name": "车位费", "basis": "fixed", "unit_price_cents_per_m2": None,
             "amount_cents": 15000, "cycle": "monthly", "valid_from": "2027-01", "valid_to": None,
             "applies_to_all": False, "approved_at": "2026-12-06T02:00:00.000Z"},
            {"item": "property_service", "name": "物业费", "basis": "area", "unit_price_cents_per_m2": 250,
             "amount_cents": None, "cycle": "monthly", "valid_from": "2025-01", "valid_to": "2026-12",
             "applies_to_all": True, "approved_at": "2025-01-01T02:00:00.000Z"},
            {"item": "property_service", "name": "物业费（业主大会决议）", "basis": "area", "unit_price_cents_per_m2": 280,
             "amount_cents": None, "cycle": "monthly", "valid_from": "2027-01", "valid_to": None,
             "applies_to_all": True, "approved_at": "2026-12-06T02:00:00.000Z"}]})
    page = client.get("/portal/E1/fee-standards", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "收费标准公示" in html and "绿城花园" in html
    assert "¥2.80 / ㎡·月" in html and "2027-01 起" in html and "2025-01 – 2026-12" in html
    assert "¥150.00" in html and "部分房屋" in html
    assert [c["path"] for c in public_calls(fake, documented_routes) if c["path"].endswith("/fee-standards")] == [
        "/api/v1/public/estates/E1/fee-standards"]
    form = client.get("/portal/E1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'href="/portal/E1/fee-standards"' in form


def test_a_disclosure_s_publication_time_is_on_the_estate_s_clock(client, fake):
    """An estate in New York: its disclosure published at 08:58 there read "公示于 21:58", Shanghai's
    clock (a probe of the repair chain). The answers' timezone, as the tracking view's; without
    one (a gateway older than it) the console's default as before."""
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-11",
            {**PUBLISHED, "published_at": "2026-12-05T13:58:49.293Z", "timezone": "America/New_York"})
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures", {
        "estate_name": "绿城花园", "next_cursor": None, "timezone": "America/New_York",
        "items": [{"period": "2026-11", "version": 2, "published_at": "2026-12-05T13:58:49.293Z"}]})
    for path in ("/portal/E1/disclosures", "/portal/E1/disclosures/2026-11"):
        html = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
        assert "第 2 版，公示于 2026-12-05 08:58" in html, path
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-11",
            {**PUBLISHED, "published_at": "2026-12-05T13:58:49.293Z"})
    html = client.get("/portal/E1/disclosures/2026-11", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "第 2 版，公示于 2026-12-05 21:58" in html


def test_a_disclosure_not_published_or_of_no_estate_is_the_portals_not_found_page(client, fake):
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-12", problem(404, "Not found", "not found", "not_found"))
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-13", problem(
        400, "invalid input", "period", "invalid_input", [{"field": "period", "message": "does not match"}]))
    for period in ("2026-12", "2026-13"):
        page = client.get(f"/portal/E1/disclosures/{period}")
        assert page.status_code == 404 and "没有找到" in page.get_data(as_text=True)


def test_a_building_named_in_chinese_reads_as_it_is_named_on_the_notice_board(client, fake):
    """A building the estate names in words (1栋, A座, 2号楼, as an owner list has them) read
    "1栋 号楼" on the notice board and its heading; a bare number still reads "3 号楼" (a probe of a
    new estate's set-up)."""
    fake.on("GET", r"/api/v1/public/estates/E1/notices", {**BOARD, "items": [
        {**BOARD["items"][0], "building": "1栋"}, {**BOARD["items"][0], "title": "A座停电", "building": "A座"},
        {**BOARD["items"][0], "title": "3楼", "building": "3"}]})
    html = client.get("/portal/E1/notices?building=1栋", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "号楼" in html and "栋 号楼" not in html and "座 号楼" not in html
    assert "· 1栋</p>" in html and "· A座</p>" in html and "· 3 号楼</p>" in html
    english = client.get("/portal/E1/notices?building=1栋", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Building 1栋" in english and "Building 3" in english


def test_the_language_switched_after_the_session_was_lost_comes_back_to_the_portal_page_in_it(client, fake):
    """An owner whose phone lost the console's session (its cookies cleared, its browser restarted)
    switched the portal's language and met the staff console's "出错了 (400) 表单已过期" page, with
    its staff links, and no way back to the portal's page but the browser's back (a probe of small
    gaps): the portal's switch comes back to its page, in the language chosen. The language is this
    browser's own display choice, nothing an owner or the estate keeps."""
    page = client.get("/portal/E1?building=3", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.delete_cookie("console_session")
    answer = client.post("/language", data={"language": "en", "next": "/portal/E1?building=3",
                                            "csrf_token": token})
    assert answer.status_code == 302 and answer.location.endswith("/portal/E1?building=3")
    assert "console_lang=en" in " ".join(answer.headers.getlist("Set-Cookie"))
    back = client.get(answer.location).get_data(as_text=True)
    assert "Owner service portal" in back and 'value="3"' in back
    # a portal page's switch sent with no token at all, or another's, comes back the same way
    answer = client.post("/language", data={"language": "zh", "next": "/portal/track"})
    assert answer.status_code == 302 and answer.location.endswith("/portal/track")
    assert "console_lang=zh" in " ".join(answer.headers.getlist("Set-Cookie"))


def test_the_staff_consoles_language_switch_still_asks_for_its_token(client, fake):
    """Only the portal's pages are come back to without a session: the staff's switch without its
    token is still the expired form's page, as every staff form is."""
    for next_page in ("/desk/requests", "//portal.example/portal/E1", "/portalx", "https://evil.example/portal/E1"):
        answer = client.post("/language", data={"language": "en", "next": next_page})
        assert answer.status_code == 400, next_page
        assert "console_lang" not in " ".join(answer.headers.getlist("Set-Cookie"))


def test_the_return_visit_reads_as_one_after_the_technician_came(client, fake):
    """The owner's English page said "Visited" under "The technician came", the visit being the
    return visit made after the work (a review): it says so, and the Chinese 已回访 stays."""
    visited = {**TRACKED, "status": "visited", "rateable": False, "on_site_at": "2026-11-23T05:00:00.000Z",
               "history": [*TRACKED["history"], {"at": "2026-11-24T02:00:00.000Z", "status": "visited"}]}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", visited)
    en = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    steps = [re.sub(r"<[^>]+>", "", step).split(" ", 4)[-1] for step in re.findall(r"<li>(.*?)</li>", en, re.S)]
    assert steps == ["Open", "Sent to maintenance", "The technician came", "Completed", "Return visit made"], steps
    assert "<strong>Return visit made</strong>" in en and "Visited" not in en
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<strong>已回访</strong>" in zh


def test_the_tracking_page_says_by_when_the_service_centre_answers_until_it_has(client, fake):
    """DOMAIN: the owner is told a repair's time limit and a complaint is replied to within 7 days;
    the page showed "待处理" and nothing of when (a phone probe). On the estate's clock; a repair
    whose visit is agreed shows the visit, not the limit."""
    complaint = {**TRACKED, "kind": "complaint", "status": "open", "history": TRACKED["history"][:1],
                 "rateable": False, "due_at": "2036-11-30T02:00:00.000Z"}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", complaint)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "服务中心将在 2036-11-30 10:00 前答复你。" in zh, zh
    en = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The service centre will reply by 30 Nov 2036 10:00." in en
    repair = {**TRACKED, "status": "dispatched", "history": TRACKED["history"][:2], "rateable": False,
              "due_at": "2036-11-24T02:00:00.000Z"}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", repair)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "维修师傅最迟 2036-11-24 10:00 前上门。" in zh
    appointed = {**repair, "appointment": {"at": "2026-11-25T06:00:00.000Z", "set_at": "2026-11-23T08:00:00.000Z",
                                           "rescheduled": False, "previous_at": None}}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", appointed)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "最迟" not in zh and "维修师傅上门时间" in zh
    for answered in ({**complaint, "due_at": None, "status": "replied"}, TRACKED):  # answered; an older gateway
        fake.on("GET", r"/api/v1/public/requests/E1\.a+", answered)
        zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
        assert "前答复" not in zh and "最迟" not in zh


def test_a_time_promised_that_has_passed_unanswered_is_said_to_be_late_not_still_ahead(client, fake):
    """An unanswered request past its time limit read "the centre replies by <a past time>" as if it
    were still ahead (a review): it says the time has passed and that the centre sees to it."""
    complaint = {**TRACKED, "kind": "complaint", "status": "open", "history": TRACKED["history"][:1],
                 "rateable": False, "due_at": "2026-11-30T02:00:00.000Z"}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", complaint)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已超过承诺的答复时间（2026-11-30 10:00）" in zh and "前答复你" not in zh, zh
    en = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "past the time promised for a reply (30 Nov 2026 10:00)" in en and "will reply by" not in en
    repair = {**TRACKED, "status": "dispatched", "history": TRACKED["history"][:2], "rateable": False,
              "due_at": "2026-11-24T02:00:00.000Z"}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", repair)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已超过承诺的上门时间（2026-11-24 10:00）" in zh and "最迟" not in zh


def test_a_code_typed_wrong_comes_back_to_type_again_with_a_way_back_to_the_form(client, fake):
    """A code mistyped, or the request's number typed for it (the number the page shows in big), led
    from the form's 查询进度 to the bare not-found page: the typed code gone, no link on (a phone probe)."""
    for typed in ("SR-2026-000001", "E1." + "b" * 32):
        found = client.get("/portal/track", query_string={"code": typed, "estate": "E1"},
                           headers={"Accept-Language": "zh-CN"})
        html = found.get_data(as_text=True)
        assert found.status_code == 404, typed
        assert f'value="{typed}"' in html and 'aria-invalid="true"' in html, html
        assert "没有找到这个查询码" in html and "不是报事编号" in html
        assert 'href="/portal/E1"' in html and 'action="/portal/track"' in html
    en = client.get("/portal/track", query_string={"code": "SR-2026-000001", "estate": "E1"},
                    headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No request has this tracking code" in en
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", TRACKED)
    found = client.get("/portal/track", query_string={"code": CODE, "estate": "E1"})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/portal/track/{CODE}")


def test_an_escalated_complaint_reads_as_passed_to_the_manager_not_the_staffs_word(client, fake):
    """The staff's "已升级" / "Escalated" told an owner nothing of where the complaint went (a phone
    probe): on the portal it is passed to the service centre's manager, in its status and its step."""
    escalated = {**TRACKED, "kind": "complaint", "status": "escalated", "rateable": False,
                 "history": [{"at": "2026-11-23T02:00:00.000Z", "status": "open"},
                             {"at": "2026-11-23T03:00:00.000Z", "status": "escalated"}]}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", escalated)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已升级" not in zh and zh.count("已转服务中心经理处理") == 2, zh
    en = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Escalated" not in en and en.count("Passed to the service centre manager") == 2


def test_a_repair_whose_work_was_cancelled_tells_its_owner_no_technician_comes(client, fake):
    """It read "已结案" as a repair done does, and the owner waited (a phone probe)."""
    cancelled = {**TRACKED, "status": "closed", "rateable": False, "work_cancelled": True,
                 "history": TRACKED["history"][:2] + [{"at": "2026-11-23T05:00:00.000Z", "status": "closed"}]}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", cancelled)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "这次报修已取消，维修师傅不会上门" in zh and 'href="/portal/E1"' in zh
    en = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This repair was cancelled: no technician will come." in en
    for other in ({**cancelled, "work_cancelled": False}, {k: v for k, v in cancelled.items() if k != "work_cancelled"}):
        fake.on("GET", r"/api/v1/public/requests/E1\.a+", other)
        assert "已取消" not in client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_too_many_tries_reads_once_without_the_address_or_the_centre_being_down(client, fake):
    """A 429 said "操作太频繁了" / "此地址的访问次数过多，请稍后再试" / "请约 8 分钟后再试" / "服务中心暂时无法
    处理，请稍后再试": "this address" read as the owner's flat, the centre as down, "later" three times
    (a phone probe). Now: too many tries, when to try again, the reference."""
    from .conftest import FakeResponse

    def busy(body, params):
        answer = FakeResponse(429, {"type": "about:blank", "title": "Too Many Requests", "status": 429,
                                    "detail": "too many calls from this address: try again later",
                                    "code": "too_many_requests", "request_id": "req-busy-2"})
        answer.headers["Retry-After"] = "120"
        return answer
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", busy)
    fake.on("POST", r"/api/v1/public/estates/E1/requests", busy)
    for answer in (client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}),
                   client.post("/portal/E1", data={**FORM, "csrf_token": csrf_of(client)},
                               headers={"Accept-Language": "zh-CN"})):
        html = answer.get_data(as_text=True)
        assert answer.status_code == 429 and "操作太频繁了" in html and "请约 2 分钟后再试" in html
        assert "地址" not in html.replace("进度链接", "") and "暂时无法处理" not in html, html
        assert html.count("再试") == 1 and "req-busy-2" in html


PHONES = {"service_phone": "0571-8888 1234", "duty_phone": "138 0000 1111"}


def centre_of(html):
    return html.split('class="portal-centre"')[1].split("</footer>")[0]


def test_every_page_of_an_estate_gives_its_service_centre_phones_to_ring(client, fake, documented_routes):
    """A resident with a burst pipe, a gas smell or someone trapped in a lift could neither mark the
    repair urgent nor find whom to ring: the system kept no number, and a filing waits for the desk
    (a phone probe). Every page of the estate ends with its service-centre and 24-hour duty phones,
    each a tel: link a thumb rings; the form says, above everything, to phone now for an emergency."""
    fake.on("GET", r"/api/v1/public/estates/E1", {**ESTATE, **PHONES})
    form = client.get("/portal/E1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    footer = centre_of(form)
    assert "服务中心电话" in footer and '<a href="tel:0571-8888-1234">0571-8888 1234</a>' in footer
    assert "24小时值班电话" in footer and '<a href="tel:138-0000-1111">138 0000 1111</a>' in footer
    urgent = form.split('class="portal-emergency')[1].split("</section>")[0]
    assert form.index('class="portal-emergency') < form.index('name="kind"')  # read before the form
    for danger in ("漏水", "燃气", "电", "电梯困人", "火"):
        assert danger in urgent
    assert "立即" in urgent and 'href="tel:138-0000-1111"' in urgent  # the duty phone first: it answers at night
    english = client.get("/portal/E1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Service centre" in centre_of(english) and "24-hour duty" in centre_of(english)
    assert "phone now" in english.split('class="portal-emergency')[1].split("</section>")[0]
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", {**TRACKED, **PHONES})
    track = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'href="tel:0571-8888-1234"' in centre_of(track)
    fake.on("GET", r"/api/v1/public/estates/E1/notices", {**BOARD, **PHONES})
    board = client.get("/portal/E1/notices", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'href="tel:138-0000-1111"' in centre_of(board)
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-11", PUBLISHED)
    disclosure = client.get("/portal/E1/disclosures/2026-11", headers={"Accept-Language": "zh-CN"})
    assert 'href="tel:0571-8888-1234"' in centre_of(disclosure.get_data(as_text=True))  # the estate read for them
    public_calls(fake, documented_routes)


def test_an_estate_without_phones_still_says_to_ring_for_an_emergency_and_a_phone_not_read_breaks_no_page(
        client, fake):
    form = client.get("/portal/E1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'class="portal-centre"' not in form and "tel:" not in form
    urgent = form.split('class="portal-emergency')[1].split("</section>")[0]
    assert "请立即致电服务中心" in urgent and "119" in urgent
    fake.on("GET", r"/api/v1/public/estates/E1", problem(503, "unavailable", "down", "service_unavailable"))
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-11", PUBLISHED)
    page = client.get("/portal/E1/disclosures/2026-11")
    assert page.status_code == 200 and "tel:" not in page.get_data(as_text=True)


def test_the_urgent_box_is_named_apart_from_the_kind_repair_and_reads_its_hint(client):
    """The urgent box's label read "Urgent repair (…)" beside the kind "Repair": a screen reader met
    two controls named alike and an owner's "Repair" found both (a browser test). Its name now holds
    no kind's name in either language, the box has an id (a keyboard's Tab lands on a named control)
    and its hint, to phone in a real emergency, is read with it."""
    from console.messages import CATALOGUES
    from console.views.portal import KINDS
    for language, catalogue in (("zh-CN", CATALOGUES["zh"]), ("en", CATALOGUES["en"])):
        form = client.get("/portal/E1", headers={"Accept-Language": language}).get_data(as_text=True)
        box = re.search(r'<label class="choice"><input type="checkbox"[^>]*name="urgent"[^>]*>([^<]*)</label>', form)
        assert box, form
        name = box.group(1).strip()
        kinds = [catalogue[f"kind.{kind}"] for kind in KINDS]
        assert name and not [kind for kind in kinds if kind.lower() in name.lower()], (name, kinds)
        control = box.group(0).split(">")[1]
        assert 'id="urgent"' in control and 'aria-describedby="urgent-hint"' in control, control
        assert re.search(r'<p id="urgent-hint"[^>]*>[^<]+</p>', form)


def test_a_resident_marks_a_repair_urgent_and_the_desk_sees_it_first_and_judges_it_as_it_matches(
        client, fake, documented_routes):
    """A resident with a burst pipe could not mark the repair urgent (a phone probe). The form's box
    marks a repair (only: another kind sends none) urgent beside the advice to phone now; the desk's
    start page lists the marks not judged yet above everything else; the request's page says the
    filer marked it urgent and its match asks whether it is an emergency (抢险), which is sent."""
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            ({"tracking_code": CODE, "number": "SR-2026-000007", "status": "open"}), status=201)
    form = client.get("/portal/E1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'name="urgent"' in form and "紧急" in form.split('name="urgent"')[1].split("</label>")[0]
    client.post("/portal/E1", data={**FORM, "urgent": "on", "csrf_token": csrf_of(client)})
    assert last_post(fake)["json"]["urgent"] is True
    client.post("/portal/E1", data={**FORM, "kind": "complaint", "urgent": "on", "description": "noise",
                                    "csrf_token": csrf_of(client)})
    assert "urgent" not in last_post(fake)["json"]
    from .conftest import ESTATE, sign_in
    sign_in(client, fake, username="li", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests",
            lambda body, params: {"items": [{"id": "sr_9"}] if params.get("urgency") == "pending"
                                  else [{"id": "sr_1"}] if params.get("overdue") == "true" else [],
                                  "next_cursor": None})
    home = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    todo = home.split("data-todo>")[1].split("</section>")[0]
    first = todo.split("<li>")[1]
    assert '<a href="/desk/requests?urgency=pending">' in first and "住户标记为紧急" in first and "1 件" in first
    assert "Repairs residents marked urgent" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    unmatched = {"id": "sr_9", "estate_id": ESTATE, "number": "SR-2026-000009", "kind": "repair",
                 "household_id": None, "channel": "portal", "description": "pipe burst", "status": "open",
                 "due_at": "2026-11-24T02:00:00.000Z", "created_at": "2026-11-23T02:00:00.000Z",
                 "updated_at": "2026-11-23T02:00:00.000Z", "history": [], "emergency": False,
                 "portal": {"address": {"building": "3", "unit": "1", "room": "1201"}, "urgent": True,
                            "urgent_confirmed": None, "contact": {"name": None, "phone": "13800138000"},
                            "matched": False, "rating": None}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9", unmatched)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9/household", {**unmatched, "household_id": "hh_1"})
    page = client.get("/desk/requests/sr_9", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "住户标记为紧急，待确认" in page
    match_form = page.split('action="/desk/requests/sr_9/household"')[1].split("</form>")[0]
    assert 'name="emergency" value="true" required' in match_form and 'name="emergency" value="false" required' in match_form
    client.post("/desk/requests/sr_9/household", data={"household_id": "hh_1", "emergency": "true",
                                                       "csrf_token": csrf_of(client)})
    assert [c for c in fake.calls if c["path"].endswith("/household")][-1]["json"] == {
        "household_id": "hh_1", "emergency": True}
    # the emergency's own category (抢险类别), sent with 是 only (h5's B6)
    assert 'name="emergency_category"' in match_form and '<option value="flooding">水浸</option>' in match_form
    client.post("/desk/requests/sr_9/household", data={"household_id": "hh_1", "emergency": "true",
                                                       "emergency_category": "flooding", "csrf_token": csrf_of(client)})
    assert [c for c in fake.calls if c["path"].endswith("/household")][-1]["json"] == {
        "household_id": "hh_1", "emergency": True, "emergency_category": "flooding"}
    client.post("/desk/requests/sr_9/household", data={"household_id": "hh_1", "emergency": "false",
                                                       "emergency_category": "flooding", "csrf_token": csrf_of(client)})
    assert [c for c in fake.calls if c["path"].endswith("/household")][-1]["json"] == {
        "household_id": "hh_1", "emergency": False}
    register = client.get("/desk/requests?urgency=pending", headers={"Accept-Language": "zh"})
    assert register.status_code == 200 and "/desk/requests/sr_9" in register.get_data(as_text=True)
    assert [c["params"] for c in fake.calls if c["path"].endswith("/service-requests")][-1].get("urgency") == "pending"
    for call in fake.calls:
        assert any(m == call["method"] and p.match(call["path"]) for m, p in documented_routes), call["path"]


def test_a_low_portal_rating_is_a_call_back_on_the_desk_s_start_page_recorded_from_the_request(
        client, fake, documented_routes):
    """A portal rating of 1-2 counted in the satisfaction figures only: nothing told the desk (a phone
    probe). The start page lists the owners to call back (call_back=owed); the request's page says
    so and records the call as an owner contact about the request, which clears it."""
    from .conftest import ESTATE, sign_in
    sign_in(client, fake, username="zhou", roles=("steward",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests",
            lambda body, params: {"items": [{"id": "sr_9"}, {"id": "sr_8"}] if params.get("call_back") == "owed" else [],
                                  "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/owner-contacts/due", {"items": [], "next_cursor": None, "total": 0})
    home = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    todo = home.split("data-todo>")[1].split("</section>")[0]
    assert '<a href="/desk/requests?call_back=owed">业主评价偏低、待回电：2 件</a>' in todo
    assert "Low owner ratings, owners to call back: 2" in client.get(
        "/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    rated = {"id": "sr_9", "estate_id": ESTATE, "number": "SR-2026-000009", "kind": "repair", "household_id": "hh_1",
             "channel": "portal", "description": "tap leaks", "status": "completed", "due_at": None,
             "created_at": "2026-11-23T02:00:00.000Z", "updated_at": "2026-11-23T09:00:00.000Z", "history": [],
             "portal": {"address": {"building": "3", "unit": "1", "room": "1201"}, "urgent": False,
                        "urgent_confirmed": None, "contact": {"name": None, "phone": "13800138000"}, "matched": True,
                        "rating": {"satisfaction": 2, "rated_at": "2026-11-23T10:00:00.000Z", "call_back_due": True,
                                   "called_back": None}}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9", rated)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", {"id": "hh_1", "building": "3", "unit": "1",
                                                                  "room": "1201", "owner": {"name": "陈小明"}})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/owner-contacts", (201, {"id": "oc_1"}))
    page = client.get("/desk/requests/sr_9", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "2/5" in page and "待回电" in page
    call_form = page.split('action="/desk/requests/sr_9/call-back"')[1].split("</form>")[0]
    assert 'name="summary"' in call_form and 'name="channel"' in call_form
    answer = client.post("/desk/requests/sr_9/call-back", data={
        "csrf_token": csrf_of(client), "channel": "phone", "contacted_at": "2026-11-23T19:00",
        "summary": "owner upset about the mess: cleaner sent", "idempotency_key": "k-cb"})
    assert answer.status_code == 302 and answer.location.endswith("/desk/requests/sr_9")
    posted = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/owner-contacts")][-1]
    assert posted["json"]["request_id"] == "sr_9" and posted["json"]["household_id"] == "hh_1"
    assert posted["json"]["kind"] == "steward_contact" and posted["json"]["channel"] == "phone"
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9", {**rated, "portal": {**rated["portal"], "rating": {
        **rated["portal"]["rating"], "called_back": {"at": "2026-11-23T11:00:00.000Z", "by": "zhou",
                                                    "contact_id": "oc_1", "return_visit_id": None}}}})
    page = client.get("/desk/requests/sr_9", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "已回电" in page and 'action="/desk/requests/sr_9/call-back"' not in page
    for call in fake.calls:
        assert any(m == call["method"] and p.match(call["path"]) for m, p in documented_routes), call["path"]


def test_a_low_rating_an_owner_app_sent_is_shown_and_called_back_from_the_request_s_page(
        client, fake, documented_routes):
    """An owner app's rating (owner_rating: POST …/service-requests/{id}/rating) is the owner's as a
    portal filer's is: the request's page shows it, says it came from the app, and a low one is
    called back from there, recorded as an owner contact about the request."""
    from .conftest import ESTATE, sign_in
    sign_in(client, fake, username="zhou", roles=("steward",))
    rated = {"id": "sr_7", "estate_id": ESTATE, "number": "SR-2026-000007", "kind": "repair", "household_id": "hh_1",
             "channel": "app", "description": "tap leaks", "status": "completed", "due_at": None,
             "created_at": "2026-11-23T02:00:00.000Z", "updated_at": "2026-11-23T09:00:00.000Z", "history": [],
             "owner_rating": {"satisfaction": 1, "rated_at": "2026-11-23T10:00:00.000Z", "by": "apikey:ak_1",
                              "call_back_due": True, "called_back": None}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_7", rated)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", {"id": "hh_1", "building": "3", "unit": "1",
                                                                  "room": "1201", "owner": {"name": "陈小明"}})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/owner-contacts", (201, {"id": "oc_2"}))
    page = client.get("/desk/requests/sr_7", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "1/5" in page and "（业主App）" in page and "待回电" in page and "业主在业主App中给了 1/5 分" in page
    assert 'action="/desk/requests/sr_7/call-back"' in page
    english = client.get("/desk/requests/sr_7", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "(owner app)" in english and "in the owner app" in english
    answer = client.post("/desk/requests/sr_7/call-back", data={
        "csrf_token": csrf_of(client), "channel": "phone", "contacted_at": "2026-11-23T19:00",
        "summary": "the tap drips again: technician sent", "idempotency_key": "k-cb-7"})
    assert answer.status_code == 302
    posted = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/owner-contacts")][-1]
    assert posted["json"]["request_id"] == "sr_7" and posted["json"]["household_id"] == "hh_1"
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_7", {**rated, "owner_rating": {
        **rated["owner_rating"], "called_back": {"at": "2026-11-23T11:00:00.000Z", "by": "zhou",
                                                 "contact_id": "oc_2", "return_visit_id": None}}})
    page = client.get("/desk/requests/sr_7", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "已回电" in page and 'action="/desk/requests/sr_7/call-back"' not in page
    for call in fake.calls:
        assert any(m == call["method"] and p.match(call["path"]) for m, p in documented_routes), call["path"]


def test_the_desk_s_start_page_counts_the_portal_filings_waiting_for_their_flat(client, fake, documented_routes):
    """Every portal filing waits for the desk to name its household before anything moves; the start
    page said nothing of them (a phone probe): it counts them (matched=false) and links the register
    so filtered, which asks the API the same."""
    from .conftest import ESTATE, sign_in
    sign_in(client, fake, username="li", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests",
            lambda body, params: {"items": [{"id": "sr_9"}, {"id": "sr_8"}] if params.get("matched") == "false" else [],
                                  "next_cursor": None})
    home = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    todo = home.split("data-todo>")[1].split("</section>")[0]
    assert '<a href="/desk/requests?matched=false">' in todo and "待确认房屋的业主网上报事：2 件" in todo
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Portal filings waiting for their flat: 2" in english
    client.get("/desk/requests?matched=false")
    assert [c["params"] for c in fake.calls if c["path"].endswith("/service-requests")][-1].get("matched") == "false"
    for call in fake.calls:
        assert any(m == call["method"] and p.match(call["path"]) for m, p in documented_routes), call["path"]


STATEMENT = {"estate_name": "绿城花园", "timezone": "Asia/Shanghai", "service_phone": "0571-88880000",
             "duty_phone": None, "building": "3", "unit": "1", "room": "1201", "from": "2025-12", "to": "2026-11",
             "unpaid_cents": 26002, "overdue_cents": 21002, "prepaid_cents": 0, "billed_cents": 47004,
             "received_cents": 21002, "generated_at": "2026-11-30T02:00:00.000Z",
             "bills": [{"item": "property_service", "period": "2026-10", "amount_cents": 21002, "paid_cents": 0,
                        "status": "unpaid", "due_at": "2026-10-31T15:59:59.999Z", "work_order_number": None},
                       {"item": "repair", "period": "2026-11", "amount_cents": 5000, "paid_cents": 0,
                        "status": "unpaid", "due_at": "2026-12-21T15:59:59.999Z", "work_order_number": "WO-2026-000001"},
                       {"item": "property_service", "period": "2026-11", "amount_cents": 21002, "paid_cents": 21002,
                        "status": "paid", "due_at": "2026-11-30T15:59:59.999Z", "work_order_number": None}],
             "payments": [{"receipt_number": "RC-2026-000009", "amount_cents": 21002, "method": "wechat",
                           "status": "posted", "at": "2026-11-20T02:00:00.000Z"}]}


def test_an_owners_statement_link_shows_the_households_bills_and_what_is_owed_in_yuan(client, fake, documented_routes):
    """A probe of an owner's year: the tracking page said a repair's charge "已计入你家的账单" and
    no page an owner could open showed a bill, or what the household owed."""
    fake.on("GET", r"/api/v1/public/accounts/E1\.a+", STATEMENT)
    page = client.get(f"/portal/account/{CODE}", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="viewport"' in html
    assert "绿城花园" in html and "3-1-1201" in html
    assert "¥260.02" in html and "¥210.02" in html  # owed, of which overdue
    assert "物业服务费" in html and "维修" in html and "WO-2026-000001" in html and "RC-2026-000009" in html
    assert "property_service" not in html and "21002" not in html
    assert "tel:0571-88880000" in html
    assert [c["path"] for c in public_calls(fake, documented_routes)] == [f"/api/v1/public/accounts/{CODE}"]
    english = client.get(f"/portal/account/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your household&#39;s bills" in english and "Property service" in english


def test_an_owners_statement_says_the_part_of_his_prepaid_money_paid_ahead_for_one_fee_item(client, fake):
    """An owner read ¥420.04 prepaid beside a bill owed, not that it was paid ahead for his property
    fee, which it pays alone (预交; found by review r5 of h5)."""
    fake.on("GET", r"/api/v1/public/accounts/E1\.a+",
            {**STATEMENT, "prepaid_cents": 42004, "prepaid_for_cents": {"property_service": 42004}})
    html = client.get(f"/portal/account/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    said = html.split("data-prepaid-for>")[1].split("<")[0]
    assert "¥420.04" in said and "只缴物业服务费" in said


def test_a_statement_link_replaced_or_ended_says_so_and_whom_to_ask(client, fake):
    fake.on("GET", r"/api/v1/public/accounts/.*", problem(404, "Not found", "not found", "not_found"))
    page = client.get(f"/portal/account/{CODE}", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and "查询码" in html and "服务中心" in html


def test_a_low_rating_tells_the_owner_the_centre_will_call_back_and_then_when_it_did(client, fake):
    """A probe of an owner's year: a 1/5 read "你的评价：1/5，谢谢！" and nothing of the call back the
    desk owed (件件有回音)."""
    fake.on("GET", r"/api/v1/public/requests/.*", {**TRACKED, "rateable": False, "satisfaction": 1,
                                                   "call_back": {"made_at": None}})
    html = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "1/5" in html and "服务中心会给你回电" in html
    fake.on("GET", r"/api/v1/public/requests/.*", {**TRACKED, "rateable": False, "satisfaction": 1,
                                                   "call_back": {"made_at": "2026-11-23T06:30:00.000Z"}})
    html = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "服务中心已于 2026-11-23 14:30 回电跟进" in html and "服务中心会给你回电" not in html
    english = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "called you back" in english
    for shown in ({"call_back": None}, {}):  # none owed, or a gateway older than it: nothing said
        fake.on("GET", r"/api/v1/public/requests/.*", {**TRACKED, "rateable": False, "satisfaction": 5, **shown})
        assert "回电" not in client.get(f"/portal/track/{CODE}").get_data(as_text=True)


def test_the_form_opens_an_owners_statement_code_typed_or_pasted(client, fake):
    """The desk hands the owner a statement code (业主账单查询码) on paper or in a message: the portal
    had no place to type one, only its link opened the bills (a probe of an owner's year). The
    form's "我家的账单" box opens a code or a link pasted, read as a tracking code is (spaces and a
    full-width hand left out)."""
    form = client.get("/portal/E1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "我家的账单" in form and 'action="/portal/account"' in form
    for typed in (CODE, f"  {CODE} ", f"https://portal.example.com/portal/account/{CODE}", CODE.replace("E1", "Ｅ１")):
        answer = client.get("/portal/account", query_string={"code": typed, "estate": "E1"})
        assert answer.status_code == 302 and answer.location.endswith(f"/portal/account/{CODE}"), typed
    empty = client.get("/portal/account", query_string={"code": " ", "estate": "E1"})
    assert empty.status_code == 302 and empty.location.endswith("/portal/E1")


def test_a_charged_repair_tells_the_owner_where_the_bill_is_seen(client, fake):
    """"已计入你家的账单" led nowhere an owner could look (a probe of an owner's year): the page says the
    owner sees it with the statement code the service centre gives, and leads to the box to type it."""
    fake.on("GET", r"/api/v1/public/requests/.*", {**TRACKED, "charge_cents": 5000})
    html = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "¥50.00" in html and "账单查询码" in html and 'href="/portal/E1#account-code"' in html
    fake.on("GET", r"/api/v1/public/requests/.*", {**TRACKED, "charge_cents": 0})
    assert "账单查询码" not in client.get(f"/portal/track/{CODE}").get_data(as_text=True)


def test_a_completed_repair_tells_the_owner_by_when_the_return_visit_comes(client, fake):
    """The page said "已完工" and nothing of the return visit (回访) the centre owes within 3 days (a
    probe of an owner's year); on the estate's clock."""
    fake.on("GET", r"/api/v1/public/requests/.*", {**TRACKED, "return_visit_due_at": "2026-11-26T15:59:59.999Z"})
    html = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "服务中心将在 2026-11-26 23:59 前回访" in html
    for shown in ({"return_visit_due_at": None}, {}):
        fake.on("GET", r"/api/v1/public/requests/.*", {**TRACKED, **shown})
        assert "回访" not in client.get(f"/portal/track/{CODE}").get_data(as_text=True)


def test_a_repair_waiting_for_parts_tells_the_owner_what_for_and_until_when(client, fake):
    """A job put on hold (待料) read "dispatched" and nothing more (h4, session 53): the page says what
    it waits for and the day it is expected to go on, and nothing once it goes on."""
    waiting = {**TRACKED, "status": "dispatched", "waiting": {"waiting_for": "parts", "expected_on": "2026-11-27"}}
    fake.on("GET", r"/api/v1/public/requests/.*", waiting)
    html = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "等配件" in html and "2026-11-27" in html and "data-waiting" in html
    fake.on("GET", r"/api/v1/public/requests/.*", {**waiting, "waiting": None})
    assert "data-waiting" not in client.get(f"/portal/track/{CODE}").get_data(as_text=True)


def test_a_portal_page_that_fails_logs_no_code_that_opens_it(client, fake, caplog):
    """The console's line of a page that failed named its path (``console error on GET …``), and a
    portal page's path is its secret: the statement code opens a household's bills, the tracking
    code a request (the gateway logs neither: ``public.SECRET_PARAMS``; found by review)."""
    import logging
    fake.on("GET", r"/api/v1/public/accounts/.*", {**STATEMENT, "bills": None})  # a page that cannot render
    fake.on("GET", r"/api/v1/public/requests/.*", None)
    with caplog.at_level(logging.ERROR, logger="console"):
        failed = client.get(f"/portal/account/{CODE}", headers={"Accept-Language": "zh-CN"})
    assert failed.status_code == 500
    assert "console error on GET /portal/account/<access_code>" in caplog.text
    assert CODE not in caplog.text and "a" * 32 not in caplog.text


def test_a_buyers_statement_says_from_when_it_reads_and_what_the_flat_owes_from_before(client, fake):
    """The buyer's statement shows what came after the transfer (finance/owner_access.owners_part):
    the page says from which day, and what the flat still owes of the months before it (欠费随房),
    so that an owed total larger than the bills listed is explained (found by review)."""
    fake.on("GET", r"/api/v1/public/accounts/E1\.a+", {**STATEMENT, "owner_since": "2026-11-20",
                                                       "owed_before_owner_cents": 21002})
    html = client.get(f"/portal/account/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    since = html.split("data-owner-since>")[1].split("</p>")[0]
    assert "2026-11-20" in since and "过户" in since
    assert "¥210.02" in html.split("data-owed-before>")[1].split("</dd>")[0]
    fake.on("GET", r"/api/v1/public/accounts/E1\.a+", {**STATEMENT, "owner_since": None, "owed_before_owner_cents": 0})
    first = client.get(f"/portal/account/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "data-owner-since" not in first and "data-owed-before" not in first


def test_an_owner_paying_by_the_quarter_reads_the_months_of_its_bill(client, fake):
    """按季缴费 (h8): a bill of three months says them, where the owner read one month's period beside a
    quarter's amount."""
    quarter = {**STATEMENT["bills"][0], "period": "2026-12", "amount_cents": 63006, "covers_from": "2026-12",
               "covers_to": "2027-02"}
    fake.on("GET", r"/api/v1/public/accounts/E1\.a+", {**STATEMENT, "bills": [quarter]})
    html = client.get(f"/portal/account/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "2026-12 至 2027-02" in html and "¥630.06" in html
    english = client.get(f"/portal/account/{CODE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2026-12 to 2027-02" in english


def test_a_complaint_its_owner_withdrew_says_so_and_asks_no_rating(client, fake):
    """撤诉 (h2): the page read "closed" as an answered complaint does."""
    withdrawn = {**TRACKED, "kind": "complaint", "status": "closed", "rateable": False, "withdrawn": True,
                 "history": [{"at": "2026-11-23T02:00:00.000Z", "status": "open"},
                             {"at": "2026-11-24T02:00:00.000Z", "status": "closed"}]}
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", withdrawn)
    zh = client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "你已撤回这件投诉" in zh and 'name="satisfaction"' not in zh
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", {**withdrawn, "withdrawn": False})
    assert "撤回" not in client.get(f"/portal/track/{CODE}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_the_published_disclosure_shows_the_maintenance_funds_month_its_uses_their_vote_and_who_shared_them(
        client, fake, documented_routes):
    """管理办法 art. 30: the owners are told the fund's deposits, uses, apportionment and balance; the
    disclosure carried nothing of the fund (h8's lift probe). A month published before shows none."""
    fund = {"opening_balance_cents": 0, "deposits_cents": 11959350, "reversals_cents": 0, "uses_cents": 3556789,
            "closing_balance_cents": 8402561, "uses": [
                {"day": "2026-11-23", "purpose": "3号楼电梯更换预付款", "work_order_number": "WO-2026-000001",
                 "amount_cents": 2700000, "emergency": False, "building": "3", "units": None, "flats": 6,
                 "owners_decision": {"area_for_m2": 450.0, "area_against_m2": 65.55, "area_total_m2": 597.29,
                                     "owners_for": 5, "owners_against": 1, "owners_total": 6}},
                {"day": "2026-11-23", "purpose": "电梯困人抢修", "work_order_number": "WO-2026-000002",
                 "amount_cents": 856789, "emergency": True, "building": "3", "units": ["2"], "flats": 3,
                 "owners_decision": None}]}
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-11", {**PUBLISHED, "maintenance_fund": fund})
    html = client.get("/portal/E1/disclosures/2026-11", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "专项维修资金" in html and "¥119,593.50" in html and "¥84,025.61" in html
    assert "3号楼电梯更换预付款" in html and "¥27,000.00" in html and "6 户" in html and "同意 5/6 户" in html
    assert "应急使用" in html and "¥8,567.89" in html
    fake.on("GET", r"/api/v1/public/estates/E1/disclosures/2026-11", PUBLISHED)
    html = client.get("/portal/E1/disclosures/2026-11", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "专项维修资金" not in html


ACTIVITIES_BOARD = {"estate_name": "绿城花园", "timezone": "Asia/Shanghai", "service_phone": "0571-88886666",
                    "duty_phone": None, "items": [
                        {"id": "act_1", "title": "中秋游园会", "kind": "festival", "place": "中心花园",
                         "description": "猜灯谜", "starts_at": "2027-09-15T11:00:00.000Z",
                         "ends_at": "2027-09-15T13:00:00.000Z", "local_starts_at": "2027-09-15T19:00",
                         "local_ends_at": "2027-09-15T21:00", "signup_deadline": "2027-09-14T11:00:00.000Z",
                         "capacity": 80, "places_left": 12, "wait_listed": 0, "signups_open": True},
                        {"id": "act_2", "title": "健康讲座", "kind": "talk", "place": "会所", "description": None,
                         "starts_at": "2027-09-16T02:00:00.000Z", "ends_at": "2027-09-16T03:00:00.000Z",
                         "local_starts_at": "2027-09-16T10:00", "local_ends_at": "2027-09-16T11:00",
                         "signup_deadline": "2027-09-15T02:00:00.000Z", "capacity": 30, "places_left": 0,
                         "wait_listed": 4, "signups_open": False}]}


def test_an_owner_reads_the_activities_to_come_from_the_form(client, fake, documented_routes):
    """Session 61: the API answered the estate's activities to come (GET …/public/estates/{code}/activities),
    the portal's page showed none. The form leads to them: what, where, when on the estate's clock, the
    places left, the wait list, whether sign-ups are open, and how to sign up (the centre's phone)."""
    fake.on("GET", r"/api/v1/public/estates/E1/activities", ACTIVITIES_BOARD)
    form = client.get("/portal/E1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'href="/portal/E1/activities"' in form
    page = client.get("/portal/E1/activities", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "中秋游园会" in html and "健康讲座" in html and "中心花园" in html
    assert "2027-09-15 19:00" in html  # the estate's clock
    assert "剩余名额 12 人" in html and "候补 4 户" in html and "报名已截止" in html and "0571-88886666" in html
    assert [c["path"] for c in public_calls(fake, documented_routes) if c["path"].endswith("/activities")] == [
        "/api/v1/public/estates/E1/activities"]
    fake.on("GET", r"/api/v1/public/estates/E1/activities", {**ACTIVITIES_BOARD, "items": []})
    assert "No activities to come." in client.get("/portal/E1/activities",
                                                  headers={"Accept-Language": "en"}).get_data(as_text=True)
    fake.on("GET", r"/api/v1/public/estates/NOPE/activities", problem(404, "Not found", "not found", "not_found"))
    assert client.get("/portal/NOPE/activities").status_code == 404
