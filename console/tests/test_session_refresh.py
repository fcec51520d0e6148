"""A night guard is not signed out mid-shift, and a form sent after the session ended is not lost
(a probe: the console's session ended an hour after sign-in however busy the user was, and an
incident report sent then came back empty after signing in again)."""
import base64
import json
import time

import pytest

from console import signin, unsent

from .conftest import ESTATE, csrf_of, problem, sign_in

REFRESH = r"/api/v1/auth/token/refresh"
INCIDENTS = f"/api/v1/estates/{ESTATE}/incidents"
REPORT = "地下车库 B2 东侧水管爆裂，积水约 10 厘米，已关闭总阀。\n22:40 通知维修班。"
NOTICE_ZH = "你的登录已过期，刚才的表单没有提交。你填写的内容如下，请复制后重新提交。"


def token(username="gus", roles=("security",), issued_ago=0, life=3600, **more):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    now = int(time.time()) - issued_ago
    claims = {"sub": username, "roles": list(roles), "estates": [ESTATE], "iat": now, "exp": now + life, **more}
    return f"{part({'alg': 'HS256'})}.{part(claims)}.signature"


def use_token(client, value):
    """The session as a sign-in with ``value`` leaves it."""
    claims = signin.claims_of(value)
    with client.session_transaction() as session:
        session["token"] = value
        session["expires"] = claims["exp"]
        session[signin.REFRESH_DUE] = claims["exp"] - (claims["exp"] - claims["iat"]) / 2


def calls(fake, method, path):
    return [call for call in fake.calls if call["method"] == method and call["path"] == path]


@pytest.fixture
def guard(client, fake):
    sign_in(client, fake, username="gus", roles=("security",))
    fake.on("GET", INCIDENTS, {"items": [], "next_cursor": None})
    return client


# -- the console refreshes while the user works ---------------------------------------------

def test_a_token_past_half_its_life_is_refreshed_before_the_page_goes_on(guard, fake):
    old, new = token(issued_ago=1900), token(roles=("security", "steward"))
    use_token(guard, old)
    fake.on("POST", REFRESH, {"access_token": new, "token_type": "Bearer", "expires_in": 3600})
    assert guard.get("/security/incidents").status_code == 200
    [refresh] = calls(fake, "POST", REFRESH)
    assert refresh["headers"]["Authorization"] == f"Bearer {old}"
    assert calls(fake, "GET", INCIDENTS)[-1]["headers"]["Authorization"] == f"Bearer {new}", \
        "the page's own calls go with the new token"
    with guard.session_transaction() as session:
        assert session["token"] == new and session["expires"] == signin.claims_of(new)["exp"]
        assert session["roles"] == ["security", "steward"]
    guard.get("/security/incidents")
    assert len(calls(fake, "POST", REFRESH)) == 1, "a fresh token is not refreshed again"


def test_a_token_in_its_first_half_is_not_refreshed(guard, fake):
    use_token(guard, token(issued_ago=1700))
    fake.on("POST", REFRESH, {"access_token": token(), "token_type": "Bearer", "expires_in": 3600})
    assert guard.get("/security/incidents").status_code == 200
    assert calls(fake, "POST", REFRESH) == []


def test_a_refused_refresh_leaves_the_token_to_expire_and_is_not_asked_again(guard, fake):
    """Past the sign-in's cap (TOKEN_MAX_SESSION_SECONDS) the gateway refuses: the token goes on
    until its own expiry, and each page does not ask again."""
    old = token(issued_ago=3000)
    use_token(guard, old)
    fake.on("POST", REFRESH, problem(401, "Unauthorized", "the sign-in is older than a session may last: sign in again",
                                     code="unauthorized"))
    for _ in range(3):
        assert guard.get("/security/incidents").status_code == 200
    assert len(calls(fake, "POST", REFRESH)) == 1
    assert all(call["headers"]["Authorization"] == f"Bearer {old}" for call in calls(fake, "GET", INCIDENTS)[-3:])
    with guard.session_transaction() as session:
        assert session["token"] == old


def test_a_refresh_the_gateway_could_not_answer_is_asked_again_a_minute_later(guard, fake):
    use_token(guard, token(issued_ago=3000))
    fake.on("POST", REFRESH, problem(503, "service unavailable", code="unavailable"))
    assert guard.get("/security/incidents").status_code == 200
    assert guard.get("/security/incidents").status_code == 200
    assert len(calls(fake, "POST", REFRESH)) == 1
    with guard.session_transaction() as session:
        assert session[signin.REFRESH_DUE] > time.time() + signin.REFRESH_RETRY_SECONDS - 5
        session[signin.REFRESH_DUE] -= signin.REFRESH_RETRY_SECONDS + 1
    new = token()
    fake.on("POST", REFRESH, {"access_token": new, "token_type": "Bearer", "expires_in": 3600})
    assert guard.get("/security/incidents").status_code == 200
    assert len(calls(fake, "POST", REFRESH)) == 2
    with guard.session_transaction() as session:
        assert session["token"] == new and session[signin.REFRESH_DUE] == signin.claims_of(new)["exp"] - 1800


def test_the_refresh_is_due_by_the_time_kept_at_sign_in_not_by_the_token_read_on_every_page(client, fake, monkeypatch):
    """Whether a refresh is due was read from the token on every signed-in page: about 0.1 ms for
    a token of 500 estates (review). The time is kept at sign-in and at each refresh."""
    signed = token(issued_ago=100, estates=[ESTATE] + [f"est_{n:032d}" for n in range(499)])
    issued = signin.claims_of(signed)["iat"]  # the token's own clock read: a second ticking between two reads failed it
    fake.on("POST", r"/api/v1/auth/token", {"access_token": signed, "token_type": "Bearer", "expires_in": 3600})
    client.post("/signin", data={"username": "gus", "password": "pw", "csrf_token": csrf_of(client)})
    fake.on("GET", INCIDENTS, {"items": [], "next_cursor": None})
    with client.session_transaction() as session:
        assert session[signin.REFRESH_DUE] == issued + 1800
    decoded = []
    monkeypatch.setattr(signin, "claims_of", lambda value: decoded.append(value) or {})
    for _ in range(3):
        assert client.get("/security/incidents").status_code == 200
    assert decoded == [], "no page decodes the token to see whether a refresh is due"
    with client.session_transaction() as session:
        session[signin.REFRESH_DUE] = time.time() - 1  # its half-life has passed
    monkeypatch.undo()
    new = token(roles=("security", "steward"))
    fake.on("POST", REFRESH, {"access_token": new, "token_type": "Bearer", "expires_in": 3600})
    assert client.get("/security/incidents").status_code == 200
    assert len(calls(fake, "POST", REFRESH)) == 1
    with client.session_transaction() as session:
        assert session[signin.REFRESH_DUE] == signin.claims_of(new)["exp"] - 1800, "kept again at the refresh"


def test_a_session_signed_in_before_the_console_kept_them_reads_them_from_its_token_once(guard, fake):
    """A session signed in before is refreshed as before, and a steward of two estates is offered
    to switch."""
    old = token(issued_ago=100, estates=[ESTATE, "est_2"])
    use_token(guard, old)
    with guard.session_transaction() as session:
        del session[signin.REFRESH_DUE], session[signin.SEVERAL_ESTATES]
    page = guard.get("/security/incidents").get_data(as_text=True)
    assert "/estates?next=" in page
    with guard.session_transaction() as session:
        assert session[signin.REFRESH_DUE] == signin.claims_of(old)["iat"] + 1800
        session[signin.REFRESH_DUE] -= 1800
    fake.on("POST", REFRESH, {"access_token": token(), "token_type": "Bearer", "expires_in": 3600})
    assert guard.get("/security/incidents").status_code == 200
    assert len(calls(fake, "POST", REFRESH)) == 1


def test_a_token_without_an_expiry_is_not_refreshed(guard, fake):
    unending = token()
    with guard.session_transaction() as session:
        session["token"] = unending.split(".")[0] + "." + unending.split(".")[1][:4] + ".x"  # claims unreadable
        session.pop(signin.REFRESH_DUE, None)
    fake.on("POST", REFRESH, {"access_token": token(), "token_type": "Bearer", "expires_in": 3600})
    assert guard.get("/security/incidents").status_code == 200
    assert calls(fake, "POST", REFRESH) == []
    with guard.session_transaction() as session:
        assert session[signin.REFRESH_DUE] is None


def test_a_user_whose_password_an_admin_reset_is_not_refreshed(client, fake):
    reset = token(issued_ago=3000)
    fake.on("POST", r"/api/v1/auth/token", {"access_token": reset, "token_type": "Bearer", "expires_in": 600,
                                            "password_change_required": True})
    client.post("/signin", data={"username": "gus", "password": "pw", "csrf_token": csrf_of(client)})
    assert client.get("/account/password").status_code == 200
    assert calls(fake, "POST", REFRESH) == []


# -- a form sent after the session ended -----------------------------------------------------

def report_form(client, **more):
    return {"csrf_token": csrf_of(client), "idempotency_key": "k" * 32, "type": "flooding", "location": "B2",
            "description": REPORT, "occurred_at": "", **more}


def end_session(client):
    with client.session_transaction() as session:
        session["expires"] = int(time.time()) - 1


def sign_in_again(client, fake, next_page, username="gus"):
    fake.on("POST", r"/api/v1/auth/token", {"access_token": token(username), "token_type": "Bearer",
                                            "expires_in": 3600})
    answer = client.post("/signin", data={"username": username, "password": "pw", "csrf_token": csrf_of(client),
                                          "next": next_page})
    assert answer.status_code == 302
    return answer.location


def test_a_report_sent_after_the_session_ended_is_shown_to_copy_after_signing_in_again(guard, fake):
    end_session(guard)
    sent = guard.post("/security/incidents", data=report_form(guard),
                      headers={"Referer": "http://localhost/security/incidents?status=open"})
    assert sent.status_code == 302 and "/signin?" in sent.location and "expired=1" in sent.location
    assert calls(fake, "POST", INCIDENTS) == [], "nothing was sent"
    signin_page = guard.get(sent.location).get_data(as_text=True)
    assert NOTICE_ZH not in signin_page and "B2 东侧" not in signin_page
    assert 'value="/security/incidents?status=open"' in signin_page, "back to the page the form was on"

    landed = sign_in_again(guard, fake, "/security/incidents?status=open")
    assert landed == "/security/incidents?status=open"
    page = guard.get(landed).get_data(as_text=True)
    assert NOTICE_ZH in page
    assert "<textarea readonly" in page and "地下车库 B2 东侧水管爆裂，积水约 10 厘米，已关闭总阀。\n22:40 通知维修班。" in page
    assert page.index(NOTICE_ZH) < page.index('action="/security/incidents"'), "above the page's own form"
    assert "描述" in page and "水浸" in page, "labelled and named as the form names them"
    for left_out in ("k" * 32, "csrf_token</dt>"):
        assert left_out not in page
    assert calls(fake, "POST", INCIDENTS) == [], "never sent again by itself"
    again = guard.get(landed).get_data(as_text=True)
    assert NOTICE_ZH not in again and "B2 东侧" not in again, "shown once"


def test_a_write_the_gateway_answers_401_keeps_what_was_typed_in_english_on_an_english_page(guard, fake):
    fake.on("POST", INCIDENTS, problem(401, "Unauthorized", "the token has expired", code="unauthorized"))
    sent = guard.post("/security/incidents", data=report_form(guard, description="Water in the garage"),
                      headers={"Referer": "http://localhost/security/incidents"})
    assert sent.status_code == 302 and "expired=1" in sent.location
    assert len(calls(fake, "POST", INCIDENTS)) == 1
    assert calls(fake, "DELETE", "/api/v1/auth/token") == [], "a token the gateway refused is not signed out"
    landed = sign_in_again(guard, fake, "/security/incidents")
    page = guard.get(landed, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your session had ended, so the form you sent was not submitted." in page
    assert ">Water in the garage</textarea>" in page
    assert len(calls(fake, "POST", INCIDENTS)) == 1


def test_another_user_signing_in_on_the_same_browser_does_not_see_it(guard, fake):
    end_session(guard)
    guard.post("/security/incidents", data=report_form(guard), headers={"Referer": "http://localhost/security/incidents"})
    landed = sign_in_again(guard, fake, "/security/incidents", username="night-relief")
    page = guard.get(landed).get_data(as_text=True)
    assert NOTICE_ZH not in page and "B2 东侧" not in page
    with guard.session_transaction() as session:
        assert unsent.KEY not in session


def test_passwords_are_never_kept(client, fake):
    sign_in(client, fake, username="gus", roles=("security",))
    end_session(client)
    client.post("/account/password", data={"csrf_token": csrf_of(client), "current_password": "old-one-typed",
                                           "new_password": "new-one-typed", "new_password_again": "new-one-typed"})
    with client.session_transaction() as session:
        assert unsent.KEY not in session, "nothing but passwords was typed"


def test_what_is_past_the_cap_is_left_out_and_the_notice_says_so(guard, fake):
    end_session(guard)
    long_text = "水" * (unsent.MAX_CHARS + 100)
    guard.post("/security/incidents", data=report_form(guard, description=long_text, location="B2 east"),
               headers={"Referer": "http://localhost/security/incidents"})
    with guard.session_transaction() as session:
        kept = session[unsent.KEY]
    names = [name for name, _ in kept["fields"]]
    assert names == ["type", "location", "description"] and kept["cut"] is True
    assert sum(len(value) for _, value in kept["fields"]) == unsent.MAX_CHARS
    page = guard.get(sign_in_again(guard, fake, "/security/incidents")).get_data(as_text=True)
    assert "内容太长，超出部分未能保留。" in page


def test_a_form_without_its_csrf_token_is_refused_and_not_kept(guard, fake):
    """A page of another site cannot put words in the notice."""
    end_session(guard)
    answer = guard.post("/security/incidents", data={"description": "planted text", "csrf_token": "forged"})
    assert answer.status_code == 400
    with guard.session_transaction() as session:
        assert unsent.KEY not in session


def test_a_large_scope_s_token_and_the_largest_form_kept_fit_the_session(client, fake):
    """A 500-estate token (about 21 KB of the session) and MAX_CHARS of random Chinese (which
    compresses least) stay under the session's budget: the text is still there to show."""
    import random
    estates = [f"est_{n:032d}" for n in range(499)] + [ESTATE]
    sign_in(client, fake, username="gus", roles=("security",), estates=[ESTATE] + estates[:-1])
    fake.on("GET", INCIDENTS, {"items": [], "next_cursor": None})
    end_session(client)
    text = "".join(chr(random.randint(0x4E00, 0x9FFF)) for _ in range(unsent.MAX_CHARS))
    client.post("/security/incidents", data=report_form(client, description=text))
    fake.on("POST", r"/api/v1/auth/token", {"access_token": token(estates=[ESTATE] + estates[:-1]),
                                            "token_type": "Bearer", "expires_in": 3600})
    client.post("/signin", data={"username": "gus", "password": "pw", "csrf_token": csrf_of(client),
                                 "next": "/security/incidents"})
    page = client.get("/security/incidents").get_data(as_text=True)
    kept = text[:unsent.MAX_CHARS - len("flooding") - len("B2")]
    assert NOTICE_ZH in page and f">{kept}</textarea>" in page
    assert "内容太长，超出部分未能保留。" in page


def test_a_form_sent_without_a_referer_comes_back_to_its_records_page_not_its_post_only_address(guard, fake):
    """Without a Referer the user signed in again onto the form's POST-only address, a 405 page
    under the kept text (…/applications/{id}/reschedule), and the hidden "from" showed as 起始
    detail (a probe of the front desk)."""
    end_session(guard)
    sent = guard.post("/desk/applications/app_1/reschedule", data={
        "csrf_token": csrf_of(guard), "idempotency_key": "k" * 32, "from": "detail", "works_from": "2026-12-15",
        "works_to": "2027-01-20", "reason": "业主推迟"})
    assert sent.status_code == 302 and "expired=1" in sent.location
    signin_page = guard.get(sent.location).get_data(as_text=True)
    assert 'value="/desk/applications/app_1"' in signin_page
    fake.on("GET", f"/api/v1/estates/{ESTATE}/applications/app_1", problem(404, "Not Found", code="not_found"))
    landed = sign_in_again(guard, fake, "/desk/applications/app_1")
    page = guard.get(landed).get_data(as_text=True)
    assert NOTICE_ZH in page and "业主推迟" in page and "detail" not in page.split(NOTICE_ZH)[1].split("</section>")[0]
    with guard.application.test_request_context("/desk/applications/app_1/reschedule", method="POST"):
        assert unsent.page_to_return_to() == "/desk/applications/app_1"
    with guard.application.test_request_context("/no/such/place", method="POST"):
        assert unsent.page_to_return_to() == "/"
