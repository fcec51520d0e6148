"""A manager of several estates finds on his start page what waits for him in the others: a fee
standard pending in another estate was unseen until he switched to it (a probe of the service-center
manager). Bounded: the other estates' lists of what waits for him alone, read at once, at most
``ELSEWHERE_ESTATES`` estates, kept a minute per user."""
import threading
import time

import pytest

from console.views import manager

from .conftest import ESTATE, csrf_of, sign_in

OTHERS = [{"id": "est_2", "code": "E2", "name": "River Court"}, {"id": "est_3", "code": "E3", "name": "Hill Park"}]
HERE = {"id": ESTATE, "code": "E1", "name": "Sunny Gardens"}
ELSEWHERE_PATHS = ("/fee-standards", "/maintenance-fund/entries", "/archive/borrow-requests", "/service-requests",
                   "/incidents")


def page_of(*items, more=None):
    return {"items": list(items), "next_cursor": more}


def estates_of(*estates, more=None):
    return lambda body, params: page_of(*estates, more=more)


def elsewhere_of(html):
    assert "data-elsewhere" in html, html
    return html.split("data-elsewhere")[1].split("</section>")[0]


def other_reads(fake, since=0):
    return [c for c in fake.calls[since:] if c["method"] == "GET" and "/api/v1/estates/" in c["path"]
            and not c["path"].startswith(f"/api/v1/estates/{ESTATE}/") and c["path"].endswith(ELSEWHERE_PATHS)]


@pytest.fixture
def river_court_waits(fake):
    """est_2: a fee standard the accountant proposed, his own fund use, a major incident open; est_3:
    his own borrowing only (another's to approve), nothing for him."""
    fake.on("GET", r"/api/v1/estates", estates_of(HERE, *OTHERS))
    for estate in ("est_2", "est_3"):  # nothing, save what follows (a later answer comes first)
        for path in ELSEWHERE_PATHS:
            fake.on("GET", rf"/api/v1/estates/{estate}{path}", page_of())
    fake.on("GET", r"/api/v1/estates/est_2/fee-standards",
            lambda body, params: page_of({"id": "fs_1", "created_by": "acc"}) if params.get("status") == "pending"
            else page_of())
    fake.on("GET", r"/api/v1/estates/est_2/maintenance-fund/entries", page_of({"id": "fe_1", "requested_by": "mia"}))
    fake.on("GET", r"/api/v1/estates/est_2/incidents",
            lambda body, params: page_of({"id": "inc_1"}, {"id": "inc_2"})
            if params.get("status") == "open" and params.get("major") == "true" else page_of({"id": "inc_9"}))
    fake.on("GET", r"/api/v1/estates/est_3/archive/borrow-requests", page_of({"id": "br_1", "requested_by": "mia"}))
    fake.on("GET", r"/api/v1/estates/est_3", OTHERS[1])
    # the year's obligations: all done (a test of what the year owes says otherwise)
    fake.on("GET", r"/api/v1/estates/est_\d+/reports/year-obligations", year_of())


def year_of(security=1, visits_done=2):
    """``…/reports/year-obligations``: the lines surveyed (security as asked) and the manager's visits made."""
    return lambda body, params: {
        "year": params.get("year"), "service_lines": [
            {"line": "customer_service", "owed": 1, "surveyed": 1}, {"line": "security", "owed": 1, "surveyed": security}],
        "manager_visits": {"owed": 2, "done": visits_done}}


def test_a_manager_of_several_estates_finds_what_waits_for_him_in_the_others(client, fake, river_court_waits,
                                                                             documented_routes):
    # est_2 owes this year a survey of one line and one of his visits (h13)
    fake.on("GET", r"/api/v1/estates/est_2/reports/year-obligations", year_of(security=0, visits_done=1))
    sign_in(client, fake, username="mia", roles=("manager",), estates=(ESTATE, "est_2", "est_3"))
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    elsewhere = elsewhere_of(home)
    assert "Waiting for you in your other estates" in elsewhere
    assert "River Court" in elsewhere and "Hill Park" not in elsewhere  # his own borrowing is another's
    river = elsewhere.split("River Court")[1]
    assert '<input type="hidden" name="estate_id" value="est_2">' in elsewhere
    assert '<button type="submit" name="next" value="/accounts/fee-standards"' in river
    assert "Fee standards to approve: 1</button>" in river
    assert ('<button type="submit" name="next" value="/security/incidents?status=open&amp;major=true"'
            in river) and "Major incidents not closed: 2</button>" in river
    assert "Maintenance-fund uses" not in elsewhere  # his own: another's to approve
    reads = other_reads(fake)
    # what waits for him alone: his approvals, the complaints escalated to him, the major incidents
    assert {(c["path"].split("/")[4], tuple(sorted(c["params"].items()))) for c in reads} == {
        (estate, tuple(sorted({"limit": 100, **query}.items())))
        for estate in ("est_2", "est_3") for query in (
            {"status": "pending"}, {"kind": "use", "status": "requested"}, {"status": "pending"},
            {"kind": "complaint", "status": "escalated"}, {"status": "open", "major": "true"})}
    assert len(reads) == 10
    assert all(any(m == c["method"] and p.match(c["path"]) for m, p in documented_routes) for c in fake.calls)
    # and what the year still owes there (survey lines, his own visits), one read an estate (h13)
    year = time.strftime("%Y", time.gmtime(time.time() + 8 * 3600))
    assert f"Service lines not surveyed yet in {year}: 1</button>" in river
    assert f"visits to owners still owed in {year}: 1</button>" in river
    assert '<button type="submit" name="next" value="/manager/year"' in river
    owed = [c for c in fake.calls if c["path"].endswith("/reports/year-obligations")
            and not c["path"].startswith(f"/api/v1/estates/{ESTATE}/")]  # the chosen estate's own to-do reads its own
    assert sorted((c["path"].split("/")[4], tuple(c["params"].items())) for c in owed) == [
        ("est_2", (("year", year),)), ("est_3", (("year", year),))]
    zh = elsewhere_of(client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True))
    assert "其他小区待你处理的事项" in zh and "待审批的收费标准：1 项</button>" in zh


def test_a_line_of_another_estate_switches_to_it_and_lands_on_the_list(client, fake, river_court_waits):
    sign_in(client, fake, username="mia", roles=("manager",), estates=(ESTATE, "est_2", "est_3"))
    client.get("/")
    answer = client.post("/estates", data={"csrf_token": csrf_of(client), "estate_id": "est_2",
                                           "next": "/desk/requests?kind=complaint&status=escalated"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/desk/requests?kind=complaint&status=escalated"
    with client.session_transaction() as session:
        assert session["estate_id"] == "est_2"


def test_the_other_estates_are_read_at_once_and_kept_a_minute(client, fake, river_court_waits, monkeypatch):
    """Five reads an estate: read one after another, twenty estates were a hundred reads in turn on
    every start page. They run at once (``ELSEWHERE_READERS``), and what they found is kept for the
    user ``ELSEWHERE_KEEP_SECONDS``; a switch of estate reads them again (he may have approved there)."""
    sign_in(client, fake, username="mia", roles=("manager",), estates=(ESTATE, "est_2", "est_3"))
    busy, most, lock = [0], [0], threading.Lock()

    def slow(body, params):
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        time.sleep(0.05)
        with lock:
            busy[0] -= 1
        return page_of()
    fake.on("GET", r"/api/v1/estates/est_3/(fee-standards|incidents|service-requests)", slow)
    client.get("/")
    assert most[0] > 1  # at once
    assert len(other_reads(fake)) == 10
    calls = len(fake.calls)
    assert "River Court" in elsewhere_of(client.get("/").get_data(as_text=True))
    assert not other_reads(fake, calls)  # kept
    now = time.monotonic()
    monkeypatch.setattr(manager.time, "monotonic", lambda: now + manager.ELSEWHERE_KEEP_SECONDS + 1)
    client.get("/")
    assert len(other_reads(fake, calls)) == 10  # a minute on, read again
    monkeypatch.undo()
    calls = len(fake.calls)
    client.post("/estates", data={"csrf_token": csrf_of(client), "estate_id": "est_3", "next": "/"})
    client.post("/estates", data={"csrf_token": csrf_of(client), "estate_id": ESTATE, "next": "/"})
    client.get("/")
    assert len(other_reads(fake, calls)) == 10  # after a switch, read again


def test_a_manager_of_many_estates_reads_the_first_twenty_others_and_is_told_of_the_rest(client, fake, monkeypatch):
    many = [{"id": f"est_{n}", "code": f"E{n}", "name": f"Estate {n}"} for n in range(2, 27)]  # 25 others
    fake.on("GET", r"/api/v1/estates", estates_of(HERE, *many))
    fake.on("GET", r"/api/v1/estates/est_\d+/(fee-standards|maintenance-fund/entries|archive/borrow-requests|"
                   r"service-requests|incidents)", page_of())
    fake.on("GET", r"/api/v1/estates/est_\d+/reports/year-obligations", year_of())
    fake.on("GET", r"/api/v1/estates/est_7/service-requests",
            lambda body, params: page_of(*({"id": f"sr_{n}"} for n in range(100)), more="c2")
            if params.get("status") == "escalated" else page_of())
    sign_in(client, fake, username="mia", roles=("manager",), estates=(ESTATE, *(e["id"] for e in many)))
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    elsewhere = elsewhere_of(home)
    assert "Complaints escalated to you, not answered: 100+</button>" in elsewhere.split("Estate 7")[1]
    reads = other_reads(fake)
    assert len(reads) == 5 * manager.ELSEWHERE_ESTATES == 100
    assert {c["path"].split("/")[4] for c in reads} == {f"est_{n}" for n in range(2, 22)}
    assert '<a href="/estates">Other estates not read here: 5; choose one to see what waits there</a>' in elsewhere


def test_an_estate_not_read_in_time_is_said_and_the_page_is_shown(client, fake, river_court_waits, monkeypatch):
    monkeypatch.setattr(manager, "ELSEWHERE_WAIT_SECONDS", 0.2)
    release = threading.Event()
    fake.on("GET", r"/api/v1/estates/est_3/incidents", lambda body, params: release.wait(2) and page_of())
    sign_in(client, fake, username="mia", roles=("manager",), estates=(ESTATE, "est_2", "est_3"))
    started = time.monotonic()
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    release.set()
    assert time.monotonic() - started < 1.5
    elsewhere = elsewhere_of(home)
    assert "Fee standards to approve: 1</button>" in elsewhere
    assert "Estates that could not be read just now: 1; look again in a minute" in elsewhere


def test_no_other_estates_are_read_for_one_estate_the_operator_admin_or_the_desk(client, fake, river_court_waits):
    """A manager of one estate has no others; the operator admin's are every estate (his view of
    them is the KPIs side by side); a steward of two estates approves nothing."""
    for username, roles, estates in (("mia", ("manager",), (ESTATE,)), ("admin", ("operator_admin",), ("*",)),
                                     ("li", ("steward",), (ESTATE, "est_2"))):
        sign_in(client, fake, username=username, roles=roles, estates=estates)
        calls = len(fake.calls)
        home = client.get("/").get_data(as_text=True)
        assert "data-elsewhere" not in home
        assert not other_reads(fake, calls)
        assert not [c for c in fake.calls[calls:] if c["path"] == "/api/v1/estates"]



def test_the_estates_list_counts_what_waits_for_him_in_each_other_estate(client, fake, river_court_waits):
    """The estates to choose from showed no counts: the manager chose one blind (a probe of the
    service-center manager). Each other estate where something waits for him says how much, read as
    the start page reads it (kept: the start page's reads serve the list)."""
    sign_in(client, fake, username="mia", roles=("manager",), estates=(ESTATE, "est_2", "est_3"))
    client.get("/")
    calls = len(fake.calls)
    listed = client.get("/estates", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert not other_reads(fake, calls)  # what the start page read
    river = listed.split('value="est_2"')[1].split("</button>")[0]
    assert '<span class="waiting">3 waiting for you</span>' in river
    assert "waiting for you" not in listed.split('value="est_3"')[1].split("</button>")[0]
    assert "waiting for you" not in listed.split(f'value="{ESTATE}"')[1].split("</button>")[0]
    zh = client.get("/estates", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert '<span class="waiting">待办 3 项</span>' in zh.split('value="est_2"')[1]
    sign_in(client, fake, username="li", roles=("steward",), estates=(ESTATE, "est_2"))
    calls = len(fake.calls)
    assert "waiting" not in client.get("/estates").get_data(as_text=True)
    assert not other_reads(fake, calls)


class _Interleaved(dict):
    """The kept counts, whose first iteration lets another page's thread in after its first key, as
    a gthread worker's switch may at any bytecode: that thread is waited for a moment only."""

    def __init__(self, *args, other=None):
        super().__init__(*args)
        self.other, self.pages = other, []

    def __iter__(self):
        keys = super().__iter__()
        yield next(keys)
        if self.other:
            page, self.other = threading.Thread(target=self.other), None
            self.pages.append(page)
            page.start()
            page.join(0.3)
        yield from keys

    def pages_done(self):
        for page in self.pages:
            page.join(2)


def test_the_kept_counts_are_read_and_changed_by_one_page_at_a_time(app):
    """A gthread worker's pages share what is kept: a switch of estate forgot a user's counts by
    walking the kept ones while another page kept its own, and the walk failed ("dictionary
    changed size during iteration": the start page was a 500); past ``ELSEWHERE_KEPT_USERS`` the
    oldest are found by walking them too."""
    found = {"estates": [], "more": "", "unread": 0}

    def other_page():
        with app.app_context():
            manager._keep(("li", "est_9"), found)

    with app.app_context():
        kept = _Interleaved({("mia", ESTATE): (0.0, found), ("mia", "est_2"): (1.0, found), ("jo", ESTATE): (2.0, found)},
                            other=other_page)
        app.extensions["console_elsewhere"] = kept
        manager.forget_elsewhere("mia")
        kept.pages_done()
        assert set(kept) == {("jo", ESTATE), ("li", "est_9")}
        app.extensions["console_elsewhere"] = kept = _Interleaved(
            {("u", str(n)): (float(n), found) for n in range(manager.ELSEWHERE_KEPT_USERS)}, other=lambda: None)

        def forgets_one():
            with app.app_context():
                manager.forget_elsewhere("u")
        kept.other = forgets_one
        manager._keep(("new", ESTATE), found)  # past the bound: the oldest goes, while another forgets
        kept.pages_done()
        assert set(kept) == {("new", ESTATE)}


def test_the_counts_are_kept_as_numbers_and_said_as_the_page_shows_them(app, client, fake, river_court_waits):
    """The other estates' counts were kept as the page says them ("100+") and parsed back to be
    added for the estates' list: each list's is kept as its number and whether the list goes on past
    its first page, and said ("100+", "102+") where it is shown."""
    fake.on("GET", r"/api/v1/estates/est_2/fee-standards", lambda body, params: page_of(
        *({"id": f"fs_{n}", "created_by": "acc"} for n in range(manager.TODO_LIMIT)), more="c2")
        if params.get("status") == "pending" else page_of())
    sign_in(client, fake, username="mia", roles=("manager",), estates=(ESTATE, "est_2", "est_3"))
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    (_, found), = app.extensions["console_elsewhere"].values()
    river, = found["estates"]
    assert river["lines"] == [("todo.fee_standards", manager.TODO_LIMIT, True), ("todo.major_incidents_open", 2, False)]
    assert f"Fee standards to approve: {manager.TODO_LIMIT}+</button>" in elsewhere_of(home)
    listed = client.get("/estates", headers={"Accept-Language": "en"}).get_data(as_text=True)
    waiting = f'<span class="waiting">{manager.TODO_LIMIT + 2}+ waiting for you</span>'
    assert waiting in listed.split('value="est_2"')[1].split("</button>")[0]


def test_the_estates_page_reads_the_estates_list_once(client, fake, river_court_waits):
    """The estates page read the list of estates twice, once to show it and once more for what
    waits in the others (manager.Elsewhere): the first page shown, unfiltered, serves both."""
    sign_in(client, fake, username="mia", roles=("manager",), estates=(ESTATE, "est_2", "est_3"))
    calls = len(fake.calls)
    listed = client.get("/estates", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert len([c for c in fake.calls[calls:] if c["path"] == "/api/v1/estates"]) == 1
    assert '<span class="waiting">3 waiting for you</span>' in listed.split('value="est_2"')[1].split("</button>")[0]
    # a search shows other estates than those read for what waits: the two lists are two reads
    calls = len(fake.calls)
    client.get("/estates?q=River")
    assert [c["params"].get("q") for c in fake.calls[calls:] if c["path"] == "/api/v1/estates"] == ["River"]


def test_the_year_turning_while_the_other_estates_are_read_counts_what_was_read(client, fake, river_court_waits,
                                                                                monkeypatch):
    """The year asked of the other estates' obligations is read once: the start page counted the reads by
    the year read again after them, and one turning meanwhile (a page at midnight of 31 December)
    found no read of it: a 500 of the start page (found rereading the change)."""
    fake.on("GET", r"/api/v1/estates/est_2/reports/year-obligations", year_of(security=0, visits_done=1))
    sign_in(client, fake, username="mia", roles=("manager",), estates=(ESTATE, "est_2", "est_3"))
    ticks = iter(range(1000))
    monkeypatch.setattr(manager.common, "this_month", lambda *a, **k: f"{2026 + next(ticks)}-12")  # a year a read
    answer = client.get("/", headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    river = elsewhere_of(answer.get_data(as_text=True)).split("River Court")[1]
    assert "Service lines not surveyed yet in " in river and "visits to owners still owed in " in river
