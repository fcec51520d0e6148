"""What a probe of the front desk's working day (客服中心: a call, a repair, a complaint, a return
visit) found in the console."""
from .conftest import ESTATE, sign_in
from .test_repair_chain_probe import REPAIR


def test_a_request_s_deadline_says_what_is_owed_by_then_for_its_kind(client, fake):
    """A request's page read 期限 / Due for every kind: the clerk telling a caller the time limit
    (DOMAIN.md: the owner is told the expected time limit of a repair; a complaint's reply within 7
    days) could not tell whether a repair's was the technician's coming or its finishing (its
    promise is a response: the technician on site by then, the first start answers it)."""
    sign_in(client, fake, username="amy", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    expected = {"repair": ("上门时限（已告知业主）", "Technician on site by (as the owner was told)"),
                "complaint": ("答复期限", "Reply due"),
                "consultation": ("答复期限", "Reply due"),
                "suggestion": ("答复期限", "Reply due")}
    for kind, (zh, en) in expected.items():
        fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", {**REPAIR, "kind": kind})
        page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
        assert f"<dt>{zh}</dt>" in page, kind
        page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert f"<dt>{en}</dt>" in page, kind


def test_the_register_says_when_each_request_was_registered_and_a_completed_repair_s_return_visit_due(
        client, fake):
    """The register named a request's deadline and not when it came in (the clerk handing over at the
    day's end, 交接, read no time of the day's calls), and a completed repair's row gave the response
    deadline its technician had met, where what is owed now is its return visit within 3 days: the
    start page's line of return visits owed opened rows that did not say by when (a probe of the
    front desk's day)."""
    sign_in(client, fake, username="amy", roles=("agent",))
    completed = {**REPAIR, "id": "sr_2", "number": "SR-2026-000002", "status": "completed",
                 "answered_at": "2026-12-05T14:00:00Z", "completed_at": "2026-12-05T15:00:00Z",
                 "return_visit_due_at": "2099-12-08T15:00:00Z"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests",
            {"items": [REPAIR, completed], "next_cursor": None})
    page = client.get("/desk/requests", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    head = page.split("<thead>")[1].split("</thead>")[0]
    assert "<th>登记时间</th>" in head
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert "2026-12-05 21:49" in rows[0]  # created_at on the estate's clock (Asia/Shanghai)
    assert "回访期限" not in rows[0]
    assert "回访期限 2099-12-08 23:00" in rows[1] and "2026-12-06 21:49" not in rows[1]
    english = client.get("/desk/requests", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<th>Registered</th>" in english and "Return visit due 08 Dec 2099 23:00" in english
