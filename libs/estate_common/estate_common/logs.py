"""JSON-lines logging with the request id, and with personal data scrubbed.

Every line carries ``service`` and ``request_id``. Mobile numbers and ID card
numbers are masked in whatever is logged, as a second line of defence: code
must not log personal data in the first place (it logs ids, not payloads).
"""
import json
import logging
import re
import sys
import threading

from . import clock

_context = threading.local()  # green-thread local once eventlet has patched threading

# Chinese ID card (18, last may be X), mobile (11, starting 1[3-9], maybe after +86), landlines with area code.
_PERSONAL = [
    re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),
    re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)"),
    re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"),
]


def scrub(text):
    for pattern in _PERSONAL:
        text = pattern.sub("[redacted]", text)
    return text


def set_request_id(request_id):
    _context.request_id = request_id


def current_request_id():
    return getattr(_context, "request_id", None)


class JsonFormatter(logging.Formatter):
    def __init__(self, service="estate-ops"):
        super().__init__()
        self.service = service

    def format(self, record):
        line = {
            "ts": clock.to_iso(clock.now()),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "message": scrub(record.getMessage()),
        }
        for key in ("event_type", "event_id", "rpc", "status", "duration_ms", "method", "path"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure(service, level="INFO"):
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("amqp", "kombu", "pymongo", "urllib3"):
        logging.getLogger(noisy).setLevel("WARNING")

