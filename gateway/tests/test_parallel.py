"""Asking several services at once within one deadline (``gateway.parallel``)."""
import threading
import time

import pytest
from estate_common.errors import InvalidInput, ServiceUnavailable

from gateway import parallel


@pytest.fixture
def one_thread(monkeypatch):
    """A pool of one thread (one gateway thread, one service): a second call queues."""
    monkeypatch.setenv("GATEWAY_THREADS", "1")
    return parallel.Fanout("test", 1)


def test_a_call_queued_behind_a_silent_one_is_given_up_at_the_deadline_and_never_runs(one_thread):
    released, ran = threading.Event(), []
    started = time.monotonic()
    answers, errors = one_thread.ask({"maintenance": lambda: released.wait(5),
                                      "archive": lambda: ran.append("archive") or "ok"}, 0.1)
    waited = time.monotonic() - started
    released.set()
    assert answers == {} and set(errors) == {"maintenance", "archive"}
    assert all(isinstance(error, ServiceUnavailable) for error in errors.values())
    assert waited < 0.1 + parallel.REPLY_MARGIN_SECONDS + 0.3, waited
    time.sleep(0.2)  # the pool's thread is free again: the cancelled call did not run after all
    assert ran == []


def test_answers_and_errors_are_told_apart_and_only_a_service_s_failure_is_unavailable():
    fan = parallel.Fanout("test", 3)

    def down():
        raise ServiceUnavailable("finance is not running")

    answers, unavailable = fan.ask_services({"archive": lambda: {"items": []}, "finance": down}, 1.0)
    assert answers == {"archive": {"items": []}} and unavailable == ["finance"]

    def refused():
        raise InvalidInput("period must be a month")

    with pytest.raises(InvalidInput):  # the caller's mistake is the page's answer, not a missing part
        fan.ask_services({"archive": refused, "finance": down}, 1.0)


def test_every_page_follows_the_cursor_and_says_when_it_stopped_short():
    from gateway.parallel import every_page

    asked = []

    def ask(service, method, payload):
        def answer():
            asked.append(payload)
            page = int(payload.get("cursor", "0"))
            return {"items": [page], "next_cursor": str(page + 1) if page < 4 else None}
        return answer

    assert every_page(ask, "archive", "list_x", {"a": 1}, max_pages=10, page=50) == ([0, 1, 2, 3, 4], False)
    assert asked[0] == {"filters": {"a": 1}, "limit": 50} and asked[1]["cursor"] == "1"
    assert every_page(ask, "archive", "list_x", {}, max_pages=3) == ([0, 1, 2], True)


def test_every_page_asks_with_no_filters_and_reads_to_the_end_when_unbounded():
    """The two hand-rolled loops it folds (h6): archive's estates in the caller's scope are asked with no
    ``filters`` (``filters`` None), and the estates of the ids asked are read to their last page
    (``max_pages`` None: the ids bound the answer)."""
    from gateway.parallel import every_page

    asked = []

    def ask(service, method, payload):
        def answer():
            asked.append(payload)
            page = int(payload.get("cursor", "0"))
            return {"items": [page], "next_cursor": str(page + 1) if page < 11 else None}
        return answer

    assert every_page(ask, "archive", "list_estates", None, max_pages=None) == (list(range(12)), False)
    assert asked[0] == {"limit": 200} and asked[1] == {"limit": 200, "cursor": "1"} and len(asked) == 12
