"""The console's log lines: JSON, one a line, as every other process of the system writes them
(its lines were gunicorn's plain text, with no request id: found by review).

The console is a client of the public API and shares no code with the services' logging (theirs
carries trace ids and runs under eventlet), so this is its own small formatter: the moment, level,
logger, message and the request id of the gateway answer the page last had (``X-Request-ID``,
which the gateway's and the services' lines carry too). Phones and ID numbers in a message are
redacted by the same rule as the services' lines (``estate_common.personal_numbers``, plain
``re``): the console's own pattern let landlines, +86 numbers and spaced ID numbers through.
"""
import json
import logging
from datetime import datetime, timezone

from estate_common import personal_numbers


def scrub(text):
    return personal_numbers.redact(text)


class JsonFormatter(logging.Formatter):
    def __init__(self, service="console"):
        super().__init__()
        self.service = service

    def format(self, record):
        line = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "level": record.levelname.lower(), "service": self.service, "logger": record.name,
                "request_id": getattr(record, "request_id", None) or _current_request_id(),
                "message": scrub(record.getMessage())}
        if record.exc_info:
            line["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def _current_request_id():
    """The request id of the gateway's last answer to this page's request, when there is one."""
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - Flask is the console's own dependency
        return None
    if not has_request_context():
        return None
    return getattr(g, "gateway_request_id", None)
