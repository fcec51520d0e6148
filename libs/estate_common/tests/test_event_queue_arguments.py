"""The arguments every durable event queue is declared with (``dead_letters.queue_arguments``)."""
import pytest

from estate_common.nameko import dead_letters


def test_a_deployment_gets_quorum_queues_with_the_delivery_limit(monkeypatch):
    monkeypatch.delenv("EVENT_QUEUE_TYPE", raising=False)
    monkeypatch.delenv("EVENT_DELIVERY_LIMIT", raising=False)
    assert dead_letters.queue_arguments("finance", {}) == {
        "x-queue-type": "quorum", "x-delivery-limit": 5, "x-dead-letter-exchange": "finance.dead-letters"}


def test_classic_queues_keep_the_dead_letter_exchange_but_have_no_delivery_limit(monkeypatch):
    monkeypatch.setenv("EVENT_QUEUE_TYPE", "classic")
    assert dead_letters.queue_arguments("archive", {"EVENT_DELIVERY_LIMIT": 2}) == {
        "x-dead-letter-exchange": "archive.dead-letters"}


def test_the_containers_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("EVENT_QUEUE_TYPE", "classic")
    arguments = dead_letters.queue_arguments("archive", {"EVENT_QUEUE_TYPE": "quorum", "EVENT_DELIVERY_LIMIT": 2})
    assert arguments["x-queue-type"] == "quorum" and arguments["x-delivery-limit"] == 2


def test_an_unknown_queue_type_stops_the_service_with_the_choices(monkeypatch):
    monkeypatch.setenv("EVENT_QUEUE_TYPE", "stream")
    with pytest.raises(ValueError, match="quorum, classic"):
        dead_letters.queue_arguments("archive", {})
