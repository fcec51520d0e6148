"""A night guard is not signed out mid-shift (a probe: the console's session ended an hour after
sign-in however busy the user was)."""
import base64
import json
import time

import pytest

from console import signin

from .conftest import ESTATE, csrf_of, problem, sign_in

REFRESH = r"/api/v1/auth/token/refresh"
INCIDENTS = f"/api/v1/estates/{ESTATE}/incidents"


def token(username="gus", roles=("security",), issued_ago=0, life=3600, **more):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    now = int(time.time()) - issued_ago
    claims = {"sub": username, "roles": list(roles), "estates": [ESTATE], "iat": now, "exp": now + life, **more}
    return f"{part({'alg': 'HS256'})}.{part(claims)}.signature"


def use_token(client, value):
    with client.session_transaction() as session:
        session["token"] = value
        session["expires"] = signin.claims_of(value)["exp"]


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
        tried = session[signin.REFRESH_TRIED]
        session[signin.REFRESH_TRIED] = {**tried, "at": tried["at"] - signin.REFRESH_RETRY_SECONDS - 1}
    new = token()
    fake.on("POST", REFRESH, {"access_token": new, "token_type": "Bearer", "expires_in": 3600})
    assert guard.get("/security/incidents").status_code == 200
    assert len(calls(fake, "POST", REFRESH)) == 2
    with guard.session_transaction() as session:
        assert session["token"] == new and signin.REFRESH_TRIED not in session


def test_a_user_whose_password_an_admin_reset_is_not_refreshed(client, fake):
    reset = token(issued_ago=3000)
    fake.on("POST", r"/api/v1/auth/token", {"access_token": reset, "token_type": "Bearer", "expires_in": 600,
                                            "password_change_required": True})
    client.post("/signin", data={"username": "gus", "password": "pw", "csrf_token": csrf_of(client)})
    assert client.get("/account/password").status_code == 200
    assert calls(fake, "POST", REFRESH) == []
