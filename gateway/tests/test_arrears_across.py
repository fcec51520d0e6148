"""结转下期欠费 across estates (h6): ``GET /api/v1/reports/arrears-carried-out?period=`` answers what a
period over carried out in every estate of the caller's and their total in one call, each estate's as its
reconciliation says it (finance's ``arrears_carried_out``, many estates a call), an estate finance did not
answer for named in ``unavailable`` and an estate's own refusal its line's ``refused``, never zeros."""
import pytest

from estate_common.errors import ServiceUnavailable

PATH = "/api/v1/reports/arrears-carried-out"
AT = "2026-11-23T13:00:00.000Z"


def estates(*ids, next_cursor=None):
    return {"items": [{"id": e, "estate_id": e, "code": f"YE-{e}", "name": f"年终 {e}", "address": "x",
                       "created_at": AT, "version": 1} for e in ids], "next_cursor": next_cursor}


def out(cents, households, as_of="2026-10-31"):
    return {"arrears_carried_out": {"carried_out_as_of": as_of, "carried_out_cents": cents,
                                    "carried_out_households": households}}


REFUSED = {"refused": {"status": 422, "code": "business_rule",
                       "detail": "a period that has not begun has nothing to report"}}


def auth(accounts, role, estate_ids=("A", "B", "C", "D")):
    token = accounts.user("year-end-" + role.replace("_", "-"), [role], list(estate_ids))
    return {"Authorization": f"Bearer {token}"}


def by_estate(answers):
    def answer(call):
        if any(isinstance(answers[e], BaseException) for e in call.payload["estate_ids"]):
            raise next(answers[e] for e in call.payload["estate_ids"] if isinstance(answers[e], BaseException))
        return {"period": call.payload["period"], "estates": {e: answers[e] for e in call.payload["estate_ids"]}}
    return answer


def test_each_estates_arrears_carried_out_and_their_total_in_one_call(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates("A", "B", "C", "D"))
    rpc.answer("finance", "arrears_carried_out", by_estate({
        "A": out(123456, 7), "B": out(1, 1), "C": REFUSED, "D": {"arrears_carried_out": None}}))
    body = contract.check(client.application, client.get(f"{PATH}?period=2026-10",
                                                         headers=auth(accounts, "accountant")), 200)
    assert [row["estate"]["code"] for row in body["estates"]] == ["YE-A", "YE-B", "YE-C", "YE-D"]
    a, b, c, d = body["estates"]
    assert a["arrears_carried_out"]["carried_out_cents"] == 123456 and a["refused"] is None
    assert c["arrears_carried_out"] is None and c["refused"]["status"] == 422  # the estate's own refusal
    assert d["arrears_carried_out"] is None and d["refused"] is None  # its period runs
    assert body["total"] == {"carried_out_cents": 123457, "carried_out_households": 8, "estates": 2}
    assert body["unavailable"] == [] and body["period"] == "2026-10"
    [asked] = rpc.calls_to("finance", "arrears_carried_out")  # one call for the four
    assert asked.payload == {"period": "2026-10", "estate_ids": ["A", "B", "C", "D"]}
    assert asked.caller["user"] == "year-end-accountant"


def test_an_estate_finance_did_not_answer_for_is_named_never_zeros(client, rpc, contract, accounts, monkeypatch):
    rpc.answer("archive", "list_estates", estates("A", "B"))
    rpc.answer("finance", "arrears_carried_out", by_estate({"A": out(500, 1), "B": ServiceUnavailable("down")}))
    # one estate a call here: B's call fails alone
    monkeypatch.setattr(client.application.extensions["arrears_across_cache"], "_per_call", 1)
    body = contract.check(client.application, client.get(f"{PATH}?period=2026", headers=auth(accounts, "manager")),
                          200)
    assert body["unavailable"] == ["B"]
    assert body["estates"][1]["arrears_carried_out"] is None and body["estates"][1]["refused"] is None
    assert body["total"] == {"carried_out_cents": 500, "carried_out_households": 1, "estates": 1}


def test_the_figures_are_kept_a_short_while(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates("A"))
    rpc.answer("finance", "arrears_carried_out", by_estate({"A": out(5, 1)}))
    for _ in range(2):
        contract.check(client.application, client.get(f"{PATH}?period=2026-Q3", headers=auth(accounts, "manager")),
                       200)
    assert len(rpc.calls_to("finance", "arrears_carried_out")) == 1


def test_figures_past_their_while_are_asked_again_not_shown_old(client, rpc, contract, accounts, monkeypatch):
    """The KPI view shows its figures past KPI_CACHE_SECONDS while it fetches them again, its answer's
    as_of saying their age on the dashboard (h5); this view shares its cache and took that too, up to
    ten minutes old, where its contract says KPI_CACHE_SECONDS and its page shows no age (found by r5
    reviewing h5): figures past their while are asked again and the answer waits for them."""
    import time
    cache = client.application.extensions["arrears_across_cache"]
    cache.clear()  # another test's figures
    monkeypatch.setattr(cache, "_keep", 0.1)
    rpc.answer("archive", "list_estates", estates("A"))
    figures = {"A": out(5, 1)}
    rpc.answer("finance", "arrears_carried_out", by_estate(figures))
    client.get(f"{PATH}?period=2026-Q3", headers=auth(accounts, "manager"))
    time.sleep(0.15)
    figures["A"] = out(7, 1)  # a correction meanwhile
    body = contract.check(client.application, client.get(f"{PATH}?period=2026-Q3",
                                                         headers=auth(accounts, "manager")), 200)
    assert body["estates"][0]["arrears_carried_out"]["carried_out_cents"] == 7
    assert len(rpc.calls_to("finance", "arrears_carried_out")) == 2


def test_no_estate_no_call(client, rpc, contract, accounts):
    rpc.answer("archive", "list_estates", estates())
    body = contract.check(client.application, client.get(f"{PATH}?period=2026", headers=auth(accounts, "manager")), 200)
    assert body["estates"] == [] and body["unavailable"] == []
    assert body["total"] == {"carried_out_cents": 0, "carried_out_households": 0, "estates": 0}
    assert rpc.calls_to("finance", "arrears_carried_out") == []


@pytest.mark.parametrize("role", ["agent", "technician", "security", "archivist", "steward"])
def test_outside_finance_a_403(client, rpc, contract, accounts, role):
    contract.problem(client.get(f"{PATH}?period=2026", headers=auth(accounts, role)), 403, app=client.application)
    assert rpc.calls_to("finance", "arrears_carried_out") == []


@pytest.mark.parametrize("query,field", [("period=2026-W49", "period"), ("", "period"), ("period=2026&estate=A", "estate"),
                                          ("period=2026&limit=5", "limit")])
def test_a_wrong_query_is_a_400_naming_it(client, rpc, contract, accounts, query, field):
    rpc.answer("archive", "list_estates", estates("A"))
    problem = contract.problem(client.get(f"{PATH}?{query}", headers=auth(accounts, "manager")), 400,
                               app=client.application)
    assert field in [e["field"] for e in problem["errors"]]
    assert rpc.calls_to("finance", "arrears_carried_out") == []
