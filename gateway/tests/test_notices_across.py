"""防台通知 to several estates (h5's typhoon night across three estates): ``POST /api/v1/notices``
publishes one notice in each estate named as that estate's own, once per estate under one
Idempotency-Key, and a partial failure names the estates that got it and those that did not."""
import pytest

from estate_common import ids
from estate_common.errors import BusinessRuleViolation, ServiceUnavailable
from gateway.notices_across import service_key

from .test_estate_retirement import archive_knows  # noqa: F401 (archive's estates A, B and R retired)

NOTICES = "/api/v1/notices"
AT = "2026-11-23T13:00:00.000Z"
WARNING = {"title": "防台通知", "body": "台风今夜登陆, 请关好门窗.", "until": "2026-11-25"}


def b_down(rpc):
    """customer service publishing in every estate but B while ``down["B"]``: (``down``, its answer)."""
    down = {"B": True}

    def flaky(call):
        if call.payload["estate_id"] == "B" and down["B"]:
            raise ServiceUnavailable("customer_service is unavailable")
        return published(call)
    rpc.answer("customer_service", "create_notice", flaky)
    return down, flaky


def published(call):
    """customer service's notice: its id from the estate, the caller and the key, as ``Caller.created_id``
    makes it."""
    estate_id, key = call.payload["estate_id"], call.context["idempotency_key"]
    return {"id": ids.natural_id("nt", estate_id, call.caller["user"], key), "estate_id": estate_id,
            "title": call.payload["data"]["title"], "body": call.payload["data"]["body"], "building": None, "buildings": [], "published_at": AT,
            "published_by": call.caller["user"], "until": call.payload["data"].get("until"), "created_at": AT,
            "updated_at": AT, "created_by": call.caller["user"]}


def made(estate_id, key, user="typhoon-manager-ab"):
    """The id of the notice made in ``estate_id`` under the client's ``key`` on this route."""
    return ids.natural_id("nt", estate_id, user, service_key(key))


def auth(accounts, role, estate_ids=("A", "B"), key="typhoon-1"):
    token = accounts.user("typhoon-" + role.replace("_", "-") + "-" + "".join(estate_ids).lower(), [role], list(estate_ids))
    return {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}


def publish(client, headers, estate_ids=("A", "B"), **fields):
    return client.post(NOTICES, json={"estate_ids": list(estate_ids), **WARNING, **fields}, headers=headers)


def test_a_manager_of_both_publishes_it_in_each_as_its_own_and_a_retry_publishes_none_twice(
        client, rpc, contract, accounts, archive_knows):
    rpc.answer("customer_service", "create_notice", published)
    headers = auth(accounts, "manager")
    both = contract.check(client.application, publish(client, headers), 201)
    assert [(n["estate_id"], n["id"]) for n in both["notices"]] == [("A", made("A", "typhoon-1")),
                                                                        ("B", made("B", "typhoon-1"))]
    assert both["failed"] == []
    calls = rpc.calls_to("customer_service", "create_notice")
    assert sorted(c.payload["estate_id"] for c in calls) == ["A", "B"]
    assert all(c.payload["data"] == WARNING and c.context == {"idempotency_key": service_key("typhoon-1")} for c in calls)
    again = publish(client, headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == both and len(rpc.calls_to("customer_service", "create_notice")) == 2


def test_a_partial_failure_names_each_estate_and_the_retry_publishes_the_rest_only(
        client, rpc, contract, accounts, archive_knows):
    down, flaky = b_down(rpc)
    headers = auth(accounts, "manager", key="typhoon-2")
    part = contract.check(client.application, publish(client, headers), 207)
    assert [n["estate_id"] for n in part["notices"]] == ["A"]
    assert [(f["estate_id"], f["status"], f["code"]) for f in part["failed"]] == [("B", 503, "service_unavailable")]
    down["B"] = False
    rest = contract.check(client.application, publish(client, headers), 201)
    # A's first notice answered again (the service finds it by its id from the key), B's published now
    assert [n["id"] for n in rest["notices"]] == [made("A", "typhoon-2"), made("B", "typhoon-2")]
    assert [c.context["idempotency_key"] for c in rpc.calls_to("customer_service", "create_notice")] == \
        [service_key("typhoon-2")] * 4


def test_an_estates_own_rule_refusing_it_names_the_field_as_the_client_sent_it(client, rpc, contract, accounts,
                                                                                archive_knows):
    def too_far_in_b(call):
        if call.payload["estate_id"] == "B":
            raise BusinessRuleViolation("a notice is shown for at most 7 days",
                                        [{"field": "data.until", "message": "is more than 7 days ahead"}])
        return published(call)
    rpc.answer("customer_service", "create_notice", too_far_in_b)
    part = contract.check(client.application, publish(client, auth(accounts, "manager", key="typhoon-4")), 207)
    assert part["failed"] == [{"estate_id": "B", "status": 422, "code": "business_rule",
                               "detail": "a notice is shown for at most 7 days",
                               "errors": [{"field": "until", "message": "is more than 7 days ahead"}]}]


def test_none_published_is_the_first_estates_refusal(client, rpc, contract, accounts, archive_knows):
    rpc.answer("customer_service", "create_notice", BusinessRuleViolation(
        "a notice is shown for at most 30 days", [{"field": "data.until", "message": "too far"}]))
    contract.problem(publish(client, auth(accounts, "manager", key="typhoon-3")), 422, app=client.application)


def test_an_estate_outside_the_managers_scope_publishes_in_none(client, rpc, contract, accounts, archive_knows):
    rpc.answer("customer_service", "create_notice", published)
    contract.problem(publish(client, auth(accounts, "manager", ("A",)), ("A", "B")), 403, fields=["estate_ids[1]"],
                     app=client.application)
    assert rpc.calls_to("customer_service", "create_notice") == []


def test_the_operator_admin_publishes_in_none_when_one_is_unknown_or_retired(
        client, rpc, contract, admin_token, archive_knows):
    rpc.answer("customer_service", "create_notice", published)
    headers = {"Authorization": f"Bearer {admin_token}", "Idempotency-Key": "typhoon-admin"}
    contract.problem(publish(client, headers, ("A", "nowhere")), 404, fields=["estate_ids[1]"], app=client.application)
    contract.problem(publish(client, headers, ("A", "R")), 409, app=client.application)
    assert rpc.calls_to("customer_service", "create_notice") == []
    assert contract.check(client.application, publish(client, headers, ("A", "B")), 201)["failed"] == []


@pytest.mark.parametrize("role", ["agent", "steward", "security", "accountant", "archivist"])
def test_outside_management_a_403(client, rpc, contract, accounts, archive_knows, role):
    contract.problem(publish(client, auth(accounts, role)), 403, app=client.application)
    assert rpc.calls_to("customer_service", "create_notice") == []


@pytest.mark.parametrize("fields,field", [({"estate_ids": []}, "estate_ids"), ({"estate_ids": ["A", "A"]}, "estate_ids"),
                                          ({"title": " "}, "title"), ({"building": "3"}, "building")])
def test_a_wrong_body_is_a_400_publishing_in_none(client, rpc, contract, accounts, archive_knows, fields, field):
    body = {"estate_ids": ["A", "B"], **WARNING, **fields}
    response = client.post(NOTICES, json=body, headers=auth(accounts, "manager"))
    assert response.status_code == 400 and field in str(response.get_json())
    assert rpc.calls_to("customer_service", "create_notice") == []


def test_without_an_idempotency_key_a_400_publishing_in_none(client, rpc, contract, accounts, archive_knows):
    contract.problem(publish(client, auth(accounts, "manager", key=None)), 400, fields=["Idempotency-Key"],
                     app=client.application)
    assert rpc.calls_to("customer_service", "create_notice") == []


def test_a_key_the_client_used_on_an_estates_own_notice_publishes_the_warning_there_still(
        client, rpc, contract, accounts, archive_knows):
    """The key's record is the route's (idempotency.claim): a key sent before to ``…/estates/A/notices``
    is a new request here. customer service finds a notice by the id it derives from the key and the
    estate (``Caller.created_id``), so the same key passed on as it is answered A's water-off notice
    as the typhoon warning published there (201), and A's board never got the warning."""
    made = {}

    def create_notice(call):  # as Caller.created_id and store.create: the first notice under an id
        notice = published(call)
        return made.setdefault((call.payload["estate_id"], call.context["idempotency_key"]), notice)
    rpc.answer("customer_service", "create_notice", create_notice)
    headers = auth(accounts, "manager", key="reused-1")
    own = client.post("/api/v1/estates/A/notices", json={"title": "停水通知", "body": "明天停水"}, headers=headers)
    assert own.status_code == 201 and own.get_json()["title"] == "停水通知"
    both = contract.check(client.application, publish(client, headers), 201)
    assert [(n["estate_id"], n["title"]) for n in both["notices"]] == [("A", "防台通知"), ("B", "防台通知")]
    # and the other way round: the warning's key sent to an estate's own route makes that notice
    other = client.post("/api/v1/estates/B/notices", json={"title": "停电通知", "body": "明天停电"},
                        headers=auth(accounts, "manager", key="reused-1"))
    assert other.status_code == 201 and other.get_json()["title"] == "停电通知"


def test_after_a_partial_publication_the_key_takes_the_same_body_only(client, rpc, contract, accounts, archive_knows):
    """A 207's resend is the same request: under its key another body (a shorter until, a title
    corrected) is a 422, as a key used with another body is, where it was published in the estates
    that failed and the others kept the first one's, a 201 naming two notices that differ."""
    down, flaky = b_down(rpc)
    headers = auth(accounts, "manager", key="typhoon-5")
    contract.check(client.application, publish(client, headers), 207)
    rpc.answer("customer_service", "create_notice", ServiceUnavailable("customer_service is unavailable"))
    contract.problem(publish(client, headers), 503, app=client.application)  # sent again: none answered
    rpc.answer("customer_service", "create_notice", flaky)
    down["B"] = False
    contract.problem(publish(client, headers, until="2026-11-24"), 422, fields=["Idempotency-Key"],
                     app=client.application)
    assert len(rpc.calls_to("customer_service", "create_notice")) == 4
    rest = contract.check(client.application, publish(client, headers), 201)
    assert [n["until"] for n in rest["notices"]] == ["2026-11-25", "2026-11-25"]
    assert publish(client, headers).headers["Idempotent-Replayed"] == "true"


def test_an_estate_failing_unexpectedly_in_a_partial_publication_is_logged(client, rpc, contract, accounts,
                                                                            archive_knows, caplog):
    """A 207 names it as an internal error of that estate; the error itself goes to the log, as an
    unexpected error of a whole request does (``app._unexpected``), where it was left in no log."""
    def broken_in_b(call):
        if call.payload["estate_id"] == "B":
            raise KeyError("until")
        return published(call)
    rpc.answer("customer_service", "create_notice", broken_in_b)
    part = contract.check(client.application, publish(client, auth(accounts, "manager", key="typhoon-6")), 207)
    assert [(f["estate_id"], f["status"], f["code"]) for f in part["failed"]] == [("B", 500, "internal_error")]
    logged = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], KeyError)]
    assert len(logged) == 1 and "B" in logged[0].getMessage()
