"""The console's log lines are JSON with the request id of its last gateway call (console.logs)."""
import json
import logging

import pytest

from console import logs


def _line(message, **extra):
    record = logging.LogRecord("console", logging.ERROR, __file__, 1, message, (), None)
    for name, value in extra.items():
        setattr(record, name, value)
    return json.loads(logs.JsonFormatter().format(record))


def test_a_line_is_json_with_its_request_id_and_no_phone_or_id_number():
    line = _line("console error on GET /households/13900001234 110101199003071234", request_id="console-1")
    assert line["service"] == "console" and line["level"] == "error" and line["request_id"] == "console-1"
    assert "13900001234" not in line["message"] and "110101199003071234" not in line["message"]


@pytest.mark.parametrize("personal", ["021-62345678", "(0755) 1234 5678", "+86 138 0013 8000",
                                      "0086-13800138000", "110101 19900307 1234"])
def test_a_line_redacts_what_the_services_lines_redact(personal):
    """The console had a pattern of its own, weaker than the services': these went through."""
    line = _line(f"gateway refused POST /households: contact {personal} is taken")
    assert "[redacted]" in line["message"]
    assert not any(part in line["message"] for part in ("6234", "1234", "0013", "8000", "19900307"))


def test_a_page_s_lines_name_its_last_gateway_call(client, fake):
    from .conftest import sign_in
    sign_in(client, fake)
    with client.application.test_request_context():
        from flask import g
        g.gateway_request_id = "console-abc"
        assert _line("x")["request_id"] == "console-abc"
