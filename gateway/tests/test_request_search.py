"""GET …/service-requests?q=: the front desk's search of the register's words ("I called last week
about the water leak"), passed to customer service with the other filters, refused when no
request could match, and never logged (it is what an owner said)."""
import logging

import pytest

from estate_common.errors import Forbidden, InvalidInput, field_error

from .conftest import bearer

LIST = "/api/v1/estates/A/service-requests"


def test_q_reaches_customer_service_with_the_other_filters_and_the_page(client, rpc, contract, agent_a_token):
    page = {"items": [], "next_cursor": None}
    rpc.answer("customer_service", "list_requests", page)
    answer = client.get(LIST, query_string={"q": "漏水", "kind": "repair", "limit": 5, "cursor": "abc"},
                        headers=bearer(agent_a_token))
    assert contract.check(client.application, answer, 200) == page
    call = rpc.only_call("customer_service", "list_requests")
    assert call.payload == {"estate_id": "A", "limit": 5, "cursor": "abc", "filters": {"q": "漏水", "kind": "repair"}}


@pytest.mark.parametrize("q", ["a\x00b", "\u200b", "\u200b \u2060"])
def test_a_search_with_nothing_to_find_is_a_400_naming_q_before_any_service_is_asked(client, rpc, contract,
                                                                                   agent_a_token, q):
    answer = client.get(LIST, query_string={"q": q}, headers=bearer(agent_a_token))
    contract.problem(answer, 400, "invalid_input", fields=["q"], app=client.application)
    assert rpc.calls_to("customer_service", "list_requests") == []


@pytest.mark.parametrize("q, message", [("", "is too short: at least 1 characters"), ("   ", "is not valid"),
                                        ("x" * 101, "is too long: at most 100 characters")])
def test_customer_service_s_refusal_of_an_empty_or_long_search_names_q(client, rpc, contract, agent_a_token, q,
                                                                       message):
    """Its contract (``SearchText``: 1 to 100 characters, one of them visible) refuses them."""
    rpc.answer("customer_service", "list_requests", InvalidInput(f"filters.q: {message}",
                                                                 [field_error("filters.q", message)]))
    answer = client.get(LIST, query_string={"q": q}, headers=bearer(agent_a_token))
    body = contract.problem(answer, 400, "invalid_input", fields=["q"], app=client.application)
    assert rpc.only_call("customer_service", "list_requests").payload["filters"] == {"q": q}
    assert q.strip() == "" or q not in str(body)


def test_a_technician_s_search_is_refused(client, rpc, contract, accounts):
    rpc.answer("customer_service", "list_requests", Forbidden("the search of requests' words is the front desk's"))
    token = accounts.user("tech-search", ["technician"], ["A"])
    contract.problem(client.get(LIST, query_string={"q": "1391234"}, headers=bearer(token)), 403, "forbidden")


def test_no_log_line_holds_what_was_searched(client, rpc, agent_a_token, caplog):
    caplog.set_level(logging.DEBUG)
    assert client.get(LIST, query_string={"q": "13912345678 漏水"}, headers=bearer(agent_a_token)).status_code == 200
    rpc.answer("customer_service", "list_requests", InvalidInput(
        "filters.q: is too long: at most 100 characters", [field_error("filters.q", "is too long: at most 100 characters")]))
    assert client.get(LIST, query_string={"q": "1391234567" * 11}, headers=bearer(agent_a_token)).status_code == 400
    assert "1234" not in caplog.text and "漏水" not in caplog.text
