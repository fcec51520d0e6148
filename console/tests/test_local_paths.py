"""Where the console sends a user back to (``next``, ``back``): a path on this console, never
another site, however the target is written (views/common.local_path)."""
import pytest

from console.views.common import local_path

from .conftest import csrf_of, token_for

AWAY = ["//evil.example/x", "/\\evil.example", "/\t/evil.example/phish", "/\n/evil.example", "/\r\n/evil.example",
        "https://evil.example/", "javascript:alert(1)", "evil.example/x", " /desk", "/desk\x00", "/\x7f/x", ""]


@pytest.mark.parametrize("target", AWAY)
def test_a_target_that_could_leave_the_console_is_replaced(target):
    assert local_path(target, "/") == "/"


@pytest.mark.parametrize("target", ["/desk/requests", "/desk/requests?status=open&page=2", "/exports/job_1#top"])
def test_a_path_of_the_console_is_kept(target):
    assert local_path(target, "/") == target


@pytest.mark.parametrize("target", ["/\t/evil.example/phish", "/\n/evil.example"])
def test_signing_in_never_sends_the_user_to_another_site_nor_fails(client, fake, target):
    fake.on("POST", r"/api/v1/auth/token", {"access_token": token_for("alice", ("agent",), ("est_1",)),
                                            "token_type": "Bearer", "expires_in": 3600})
    answer = client.post("/signin", data={"username": "alice", "password": "pw", "next": target,
                                          "csrf_token": csrf_of(client)})
    assert answer.status_code == 302 and answer.headers["Location"] in ("/", "http://localhost/")


def test_an_exports_back_link_stays_on_the_console(client, fake):
    from .conftest import sign_in
    sign_in(client, fake, username="amy", roles=("accountant",))
    fake.on("GET", r"/api/v1/jobs/job_1", {"id": "job_1", "kind": "export", "status": "running", "progress": None,
                                           "result": None, "created_at": "2026-11-30T00:00:00.000Z"})
    page = client.get("/exports/job_1?back=/%09/attacker.example/phish").get_data(as_text=True)
    assert '<a href="/">' in page and 'href="/\t' not in page  # back home, not away
