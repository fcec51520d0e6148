"""跨小区投诉分析 (h9's year-end across 30 estates): ``GET /api/v1/reports/complaints?period=`` answers
the complaint analysis of a page of the caller's estates at once, each estate's own (customer
service's ``complaint_report``), as ``GET /api/v1/kpis`` reads the caller's estates: asked in parallel,
kept a short while, an estate whose service did not answer named in ``unavailable``, never zeros."""
import pytest

from estate_common.errors import BusinessRuleViolation, ServiceUnavailable

PATH = "/api/v1/reports/complaints"
AT = "2026-11-23T13:00:00.000Z"


def estates(*ids, next_cursor=None):
    return {"items": [{"id": e, "estate_id": e, "code": f"YE-{e}", "name": f"年终 {e}", "address": "x",
                       "created_at": AT, "version": 1} for e in ids], "next_cursor": next_cursor}


def analysis(complaints):
    return {"period": "2026", "complaints": complaints, "by_category": {}, "by_cause": {}, "by_department": {},
            "by_building": {}, "timeliness": {"on_time": complaints, "late": 0, "open": 0, "open_overdue": 0,
                                              "withdrawn": 0},
            "valid": 0, "not_judged": 0, "escalated": 0, "reopened": 0,
            "repeat_complainants": {"threshold": 2, "households": []},
            "recurring_causes": {"threshold": 3, "causes": []}}


def auth(accounts, role, estate_ids=("A", "B", "C")):
    token = accounts.user("year-end-" + role.replace("_", "-"), [role], list(estate_ids))
    return {"Authorization": f"Bearer {token}"}


def by_estate(answers):
    def answer(call):
        found = answers[call.payload["estate_id"]]
        if isinstance(found, BaseException):
            raise found
        return found
    return answer


def test_each_estates_analysis_of_a_page_of_the_callers_estates(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates("A", "B", "C", next_cursor=f"{AT}~C"))
    rpc.answer("customer_service", "complaint_report", by_estate({
        "A": analysis(4), "B": ServiceUnavailable("customer_service did not answer"),
        "C": BusinessRuleViolation("a period that has not begun has nothing to report")}))
    body = contract.check(client.application, client.get(f"{PATH}?period=2026&limit=3",
                                                         headers=auth(accounts, "manager")), 200)
    assert [row["estate"]["code"] for row in body["estates"]] == ["YE-A", "YE-B", "YE-C"]
    first, second, third = body["estates"]
    assert first["report"]["complaints"] == 4 and first["refused"] is None
    assert second["report"] is None and body["unavailable"] == ["B"]  # not read: named, never zeros
    assert third["report"] is None and third["refused"]["status"] == 422  # the estate's own refusal
    assert body["period"] == "2026" and body["next_cursor"] == f"{AT}~C"
    listed = rpc.only_call("archive", "list_estates")
    assert listed.payload == {"limit": 3} and listed.caller["user"] == "year-end-manager"
    asked = rpc.calls_to("customer_service", "complaint_report")
    assert sorted(c.payload["estate_id"] for c in asked) == ["A", "B", "C"]
    assert all(c.payload["filters"] == {"period": "2026"} and c.caller["user"] == "year-end-manager" for c in asked)
    # the next page goes on from the cursor
    client.get(f"{PATH}?period=2026&cursor={AT}~C", headers=auth(accounts, "manager"))
    assert rpc.calls_to("archive", "list_estates")[1].payload == {"limit": 20, "cursor": f"{AT}~C"}


def test_an_estates_analysis_is_kept_a_short_while(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates("A"))
    rpc.answer("customer_service", "complaint_report", analysis(2))
    for _ in range(2):
        contract.check(client.application, client.get(f"{PATH}?period=2026-Q4", headers=auth(accounts, "manager")), 200)
    assert len(rpc.calls_to("customer_service", "complaint_report")) == 1


def test_no_estate_no_call(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates())
    body = contract.check(client.application, client.get(f"{PATH}?period=2026", headers=auth(accounts, "manager")), 200)
    assert body["estates"] == [] and body["unavailable"] == [] and body["next_cursor"] is None
    assert rpc.calls_to("customer_service", "complaint_report") == []


@pytest.mark.parametrize("role", ["agent", "technician", "security", "accountant", "archivist", "steward"])
def test_outside_management_a_403(client, rpc, contract, accounts, role):
    contract.problem(client.get(f"{PATH}?period=2026", headers=auth(accounts, role)), 403, app=client.application)
    assert rpc.calls_to("customer_service", "complaint_report") == []


@pytest.mark.parametrize("query,field", [("period=2026-W49", "period"), ("", "period"), ("period=2026&estate=A", "estate"),
                                          ("period=2026&limit=0", "limit"), ("period=2026&limit=101", "limit")])
def test_a_wrong_query_is_a_400_naming_it(client, rpc, contract, accounts, query, field):
    rpc.answer("archive", "list_estates", estates("A"))
    problem = contract.problem(client.get(f"{PATH}?{query}", headers=auth(accounts, "manager")), 400,
                               app=client.application)
    assert field in [e["field"] for e in problem["errors"]]
    assert rpc.calls_to("customer_service", "complaint_report") == []
