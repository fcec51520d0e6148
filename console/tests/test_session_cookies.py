"""The session cookie in pieces (console/session_cookies.py): a browser drops a cookie of more
than 4 KB, and a large scope's token or a long refused text made the session larger."""
import hashlib
import random
from pathlib import Path

import pytest
from estate_common.testing import load_file

from .conftest import ESTATE, csrf_of, problem, sign_in, token_for
from .test_views import COMPLAINT, _desk_routes

from console import session_cookies

BROWSER_COOKIE_BYTES = 4096  # name, value and attributes (RFC 6265 6.1: at least this much is kept)


def estate_ids(count):
    """Ids as archive makes them (``est_`` and 24 hex digits of a hash): as incompressible as real ones."""
    return [ESTATE] + [f"est_{hashlib.sha1(str(n).encode()).hexdigest()[:24]}" for n in range(1, count)]


def set_cookies(answer):
    return [value for name, value in answer.headers.items() if name == "Set-Cookie"]


def session_pieces(client):
    return sorted(name for name in (cookie.key for cookie in client._cookies.values())
                  if name.startswith("console_session"))


def test_a_manager_of_500_estates_signs_in_and_stays_signed_in(client, fake):
    """A token naming 500 estates made a 13 KB cookie at 250: the browser dropped it and the user
    was back on the sign-in page."""
    token = sign_in(client, fake, username="region", roles=("manager",), estates=estate_ids(500))
    assert len(token) > 20_000
    _desk_routes(fake)
    answer = client.get("/desk/requests")
    assert answer.status_code == 200, answer.location
    assert fake.calls[-1]["headers"]["Authorization"] == f"Bearer {token}"
    pieces = session_pieces(client)
    assert len(pieces) > 1 and pieces[0] == "console_session"
    switch = client.get("/estates")  # a manager of several estates switches between them
    assert switch.status_code == 200 and "River Court" in switch.get_data(as_text=True)


def test_every_piece_fits_a_browser_cookie(client, fake):
    fake.on("POST", r"/api/v1/auth/token", {"access_token": token_for("region", ("manager",), estate_ids(500)),
                                            "token_type": "Bearer", "expires_in": 3600})
    answer = client.post("/signin", data={"username": "region", "password": "pw", "csrf_token": csrf_of(client)})
    cookies = set_cookies(answer)
    assert len(cookies) > 1
    for cookie in cookies:
        assert len(cookie.encode()) <= BROWSER_COOKIE_BYTES, cookie[:60]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_signing_out_deletes_every_piece(client, fake):
    sign_in(client, fake, username="region", roles=("manager",), estates=estate_ids(500))
    fake.on("DELETE", r"/api/v1/auth/token", (204, None))
    before = session_pieces(client)
    answer = client.post("/signout", data={"csrf_token": csrf_of(client)})
    deleted = [cookie.split("=")[0] for cookie in set_cookies(answer) if "Expires=Thu, 01 Jan 1970" in cookie]
    assert set(before) <= set(deleted)
    assert session_pieces(client) == []


def test_a_smaller_session_leaves_no_piece_of_the_larger_one(client, fake):
    sign_in(client, fake, username="region", roles=("manager",), estates=estate_ids(500))
    assert len(session_pieces(client)) > 1
    sign_in(client, fake, username="alice", roles=("agent",))
    assert session_pieces(client) == ["console_session"]
    _desk_routes(fake)
    assert client.get("/desk/requests").status_code == 200


def test_a_piece_missing_or_from_another_session_is_no_session(client, fake):
    sign_in(client, fake, username="region", roles=("manager",), estates=estate_ids(500))
    client.delete_cookie("console_session_2")
    answer = client.get("/desk/requests")
    assert answer.status_code == 302 and "/signin" in answer.location
    sign_in(client, fake, username="region", roles=("manager",), estates=estate_ids(500))
    other = client.application.test_client()
    # the same user's other session: its estates in another order, so that its pieces differ (two
    # sign-ins in one second with the same estates made the same token, and the same pieces)
    sign_in(other, fake, username="region", roles=("manager",), estates=[ESTATE, *estate_ids(500)[:0:-1]])
    foreign = other.get_cookie("console_session_1").value
    assert foreign != client.get_cookie("console_session_1").value
    client.set_cookie("console_session_1", foreign)
    answer = client.get("/desk/requests")
    assert answer.status_code == 302 and "/signin" in answer.location


def long_chinese_text(length, seed=7):
    """Text as people type it: common characters, not one repeated (which would compress to nothing)."""
    chosen = random.Random(seed)
    return "".join(chr(chosen.randint(0x4E00, 0x7FFF)) for _ in range(length))


def test_a_refused_action_keeps_a_long_typed_text(client, fake):
    """1,200 Chinese characters typed into a refused verification made the cookie pass 4 KB: the
    browser dropped it, and the refusal and the text were lost."""
    sign_in(client, fake)
    _desk_routes(fake)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1/verify",
            problem(409, "conflict", "the complaint was verified already"))
    finding = long_chinese_text(2000)  # the form's maxlength
    answer = client.post("/desk/requests/sr_1/verify", data={"csrf_token": csrf_of(client), "text": finding})
    assert answer.status_code == 302
    assert len(set_cookies(answer)) > 1
    assert all(len(cookie.encode()) <= BROWSER_COOKIE_BYTES for cookie in set_cookies(answer))
    page = client.get(answer.location).get_data(as_text=True)
    assert "the complaint was verified already" in page
    assert finding in page
    assert client.get(answer.location).get_data(as_text=True).count(finding) == 0  # kept for one page


def test_a_typed_form_beyond_the_budget_is_left_out_and_the_refusal_kept(client, fake, caplog):
    """No input makes a cookie header larger than the console reads (its gunicorn's
    limit_request_field_size): beyond the budget the typed form is left out, the refusal shown."""
    sign_in(client, fake)
    _desk_routes(fake)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1/verify",
            problem(409, "conflict", "the complaint was verified already"))
    answer = client.post("/desk/requests/sr_1/verify",
                         data={"csrf_token": csrf_of(client), "text": long_chinese_text(40_000)})
    assert sum(len(cookie.encode()) for cookie in set_cookies(answer)) < session_cookies.BUDGET + 2_000
    assert "left out" in caplog.text and "typed" in caplog.text
    page = client.get(answer.location).get_data(as_text=True)
    assert "the complaint was verified already" in page
    assert COMPLAINT["description"] in page  # the page itself, signed in still


def test_the_console_reads_a_cookie_header_of_the_whole_budget():
    """gunicorn refused a header over 8,190 bytes by default: a session in pieces is sent back in
    one Cookie header, which must be read whole (with the language cookie beside it)."""
    settings = load_file(Path(__file__).resolve().parents[1] / "gunicorn.conf.py", "console_gunicorn_conf")
    pieces = session_cookies.BUDGET // session_cookies.PIECE + 1
    header = session_cookies.BUDGET + pieces * len("; console_session_00=") + 1024
    assert header <= settings.limit_request_field_size


def _cookies_of(client):
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def _as_the_browser_keeps(client, answer):
    """``answer``'s cookies set into (or deleted from) ``client``'s jar: the one browser both tabs share."""
    for header in set_cookies(answer):
        name, _, rest = header.partition("=")
        if "Expires=Thu, 01 Jan 1970" in header:
            client.delete_cookie(name)
        else:
            client.set_cookie(name, rest.split(";")[0])


def test_two_tabs_writing_sessions_of_different_sizes_leave_one_that_reads(client, fake):
    """Tab A's refused long text wrote more pieces; tab B, whose request carried the earlier and
    fewer pieces, then wrote its own without deleting A's last ones: joined, they were no session
    at all, and the user was signed out (found by review)."""
    sign_in(client, fake, username="region", roles=("manager",), estates=estate_ids(500))
    _desk_routes(fake)
    tab_b = client.application.test_client()
    for name, value in _cookies_of(client).items():
        tab_b.set_cookie(name, value)
    before = len(session_pieces(client))
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1/verify",
            problem(409, "conflict", "the complaint was verified already"))
    client.post("/desk/requests/sr_1/verify", data={"csrf_token": csrf_of(client), "text": long_chinese_text(2000)})
    assert len(session_pieces(client)) > before  # tab A: more pieces
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1/escalate",
            problem(409, "conflict", "escalated already"))
    answer = tab_b.post("/desk/requests/sr_1/escalate", data={"csrf_token": csrf_of(tab_b), "text": "short"})
    _as_the_browser_keeps(client, answer)  # tab B's answer, into the shared browser
    assert len(session_pieces(client)) > before  # A's last pieces are still there
    page = client.get("/desk/requests/sr_1")
    assert page.status_code == 200 and "escalated already" in page.get_data(as_text=True)


def test_a_session_over_the_budget_without_its_typed_form_leaves_out_the_refusal_too(app, caplog):
    interface = session_cookies.PiecedCookieSessionInterface()
    with app.test_request_context():
        session = interface.session_class({"token": "t", "problem": {"detail": long_chinese_text(30_000)},
                                           "typed": {"form": {"text": [long_chinese_text(30_000, seed=3)]}}})
        value = interface._signed(app, session)
    assert len(value) <= session_cookies.BUDGET
    assert "typed left out" in caplog.text and "problem left out" in caplog.text


@pytest.mark.filterwarnings("ignore:The 'console_session' cookie is too large")  # the tampered one, on purpose
def test_a_first_piece_of_a_tampered_count_is_no_session(client, fake):
    sign_in(client, fake, username="region", roles=("manager",), estates=estate_ids(500))
    value = client.get_cookie("console_session").value
    for count in ("9" * 5000, "²", "0", "99", ""):
        client.set_cookie("console_session", count + value[value.index("~"):])
        answer = client.get("/desk/requests")
        assert answer.status_code == 302 and "/signin" in answer.location, count[:5]
