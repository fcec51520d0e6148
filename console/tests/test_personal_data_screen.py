"""An occupant asks what is held about him (个人信息查阅, PIPL art. 45): the archivist types his
phone on the archive's 个人信息查阅 page and reads what each service keeps under it side by side
(``POST …/personal-data/search``), the number sent in the body only, a service that did not answer
named rather than its part shown empty."""
from .conftest import ESTATE, csrf_of, problem, sign_in

BASE = f"/api/v1/estates/{ESTATE}"
SEARCH = f"{BASE}/personal-data/search"
PHONE = "139 1234 5678"
HOUSEHOLD = {"id": "hh_1", "estate_id": ESTATE, "building": "5", "unit": "1", "room": "1801", "area_m2": 89.37,
             "status": "occupied", "owner": {"name": "陈小明", "phone": "139****5678"},
             "created_at": "2026-11-30T08:00:00Z", "version": 3}
REQUEST = {"id": "sr_1", "estate_id": ESTATE, "number": "SR-2026-000042", "kind": "complaint", "status": "closed",
           "household_id": "hh_1", "channel": "phone", "description": "noise at night",
           "created_at": "2026-11-03T02:00:00Z"}
VISITOR = {"id": "vi_1", "estate_id": ESTATE, "name": "孙**", "phone": "139****5678", "visiting_household_id": "hh_1",
           "purpose": "delivery", "arrived_at": "2026-11-20T09:00:00Z", "departed_at": "2026-11-20T09:30:00Z",
           "created_at": "2026-11-20T09:00:00Z", "parking": [], "car_inside": False}
FOUND = {"households": [{"household": HOUSEHOLD, "owner_matched": True, "occupants": []}],
         "service_requests": [REQUEST], "visitors": [VISITOR], "unavailable": []}


def _searches(fake):
    return [c for c in fake.calls if c["path"] == SEARCH]


def test_the_archivist_reads_what_each_service_holds_under_a_phone(client, fake, documented_routes):
    sign_in(client, fake, roles=("archivist",))
    fake.on("POST", SEARCH, FOUND)
    home = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'href="/archive/personal-data"' in home and "个人信息查阅" in home  # on the archive's menu
    blank = client.get("/archive/personal-data", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'method="post"' in blank and 'name="phone"' in blank and _searches(fake) == []
    answer = client.post("/archive/personal-data", data={"csrf_token": csrf_of(client), "phone": PHONE},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    [sent] = _searches(fake)
    assert (sent["method"], sent["json"], sent["params"]) == ("POST", {"phone": PHONE}, {})
    assert "Idempotency-Key" not in sent["headers"]  # a read: nothing to keep
    assert any(method == "POST" and route.match(SEARCH) for method, route in documented_routes)
    assert "/households/hh_1" in page and "5-1-1801" in page  # the household, linked
    assert "SR-2026-000042" in page and "/desk/requests/sr_1" in page  # the request, linked
    assert "孙**" in page and "delivery" in page  # the visit, as the API masked it for the role
    assert f'value="{PHONE}"' in page  # the number stays in the box
    zh = client.post("/archive/personal-data", data={"csrf_token": csrf_of(client), "phone": PHONE},
                     headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "个人信息查阅" in zh and "pd." not in zh


def test_a_service_that_did_not_answer_is_named_not_shown_as_holding_nothing(client, fake):
    sign_in(client, fake, roles=("manager",))
    fake.on("POST", SEARCH, {"households": [], "visitors": [], "unavailable": ["customer_service"]})
    page = client.post("/archive/personal-data", data={"csrf_token": csrf_of(client), "phone": PHONE},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-unavailable="customer_service"' in page
    assert page.count('data-pd-none') == 2  # households and visitors found nothing; requests unknown


def test_a_malformed_phone_is_named_at_the_box_and_the_search_needs_its_csrf_token(client, fake):
    sign_in(client, fake, roles=("archivist",))
    fake.on("POST", SEARCH, problem(400, "Invalid input", "the phone is not a phone number", "invalid_input",
                                    [{"field": "phone", "message": "must be a phone number"}]))
    answer = client.post("/archive/personal-data", data={"csrf_token": csrf_of(client), "phone": "abc"},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 400 and 'aria-invalid="true"' in answer.get_data(as_text=True)
    assert client.post("/archive/personal-data", data={"phone": PHONE}).status_code == 400
    assert len(_searches(fake)) == 1


def test_the_page_is_not_offered_to_a_role_the_gateway_refuses(client, fake):
    sign_in(client, fake, roles=("agent",))
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "/archive/personal-data" not in home
    assert 'name="phone"' not in client.get("/archive/personal-data").get_data(as_text=True)  # no box offered
    assert _searches(fake) == []
    fake.on("POST", SEARCH, problem(403, "Forbidden", "your role may not do this", "forbidden"))
    refused = client.post("/archive/personal-data", data={"csrf_token": csrf_of(client), "phone": PHONE},
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 403  # the gateway decides, as on every page


def test_the_results_say_each_part_lists_at_most_500_newest_first_and_a_full_part_may_hold_more(client, fake):
    """The API answers each part newest first, at most 500 (``…/personal-data/search``), and the page
    said neither: a caller of 600 requests read 500 as all that is held (session 51's leftovers). The
    results say so, and a part that holds 500 says older ones were left out."""
    sign_in(client, fake, roles=("archivist",))
    fake.on("POST", SEARCH, FOUND)
    for language, said in (("zh", "各最多列出 500 条，按时间从新到旧"), ("en", "at most 500 of each, newest first")):
        page = client.post("/archive/personal-data", data={"csrf_token": csrf_of(client), "phone": PHONE},
                           headers={"Accept-Language": language}).get_data(as_text=True)
        assert said in page.split("data-pd-cap>")[1].split("</p>")[0], language
        assert "data-pd-capped" not in page
    blank = client.get("/archive/personal-data", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "data-pd-cap>" not in blank  # said where the results show
    many = [{**REQUEST, "id": f"sr_{n}", "number": f"SR-2026-{n:06d}"} for n in range(500)]
    fake.on("POST", SEARCH, {**FOUND, "service_requests": many})
    page = client.post("/archive/personal-data", data={"csrf_token": csrf_of(client), "phone": PHONE},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    requests_part = page.split("Service requests (customer service)")[1].split("</section>")[0]
    assert "data-pd-capped" in requests_part and "older ones are not listed" in requests_part
    assert page.count("data-pd-capped") == 1
    # the households: at most 50, as archive answers them (in the order they were registered)
    flats = [{**FOUND["households"][0], "household": {**HOUSEHOLD, "id": f"hh_{n}"}} for n in range(50)]
    fake.on("POST", SEARCH, {**FOUND, "households": flats})
    page = client.post("/archive/personal-data", data={"csrf_token": csrf_of(client), "phone": PHONE},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "households: at most 50" in page.split("data-pd-cap>")[1].split("</p>")[0]
    households_part = page.split("Households (archive)")[1].split("</section>")[0]
    assert "data-pd-capped" in households_part and page.count("data-pd-capped") == 1
