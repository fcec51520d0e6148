"""JSON-lines logging with the request id, and with personal data scrubbed.

Every line carries ``service`` and ``request_id``. Mobile numbers and ID card
numbers are masked in whatever is logged, as a second line of defence: code
must not log personal data in the first place (it logs ids, not payloads).
"""
import json
import logging
import re
import threading

from . import clock, tracing

_context = threading.local()  # green-thread local once eventlet has patched threading

# Personal numbers as people write them: grouped by spaces, dashes or dots (one kind per
# number, between the usual groups, so an amount like 138001380.00 is not one), behind
# ``+86``/``0086``/``(+86)``. A number must not be part of a longer run of digits (an order
# number, an amount, a timestamp): hence the look-arounds, which also refuse a digit one dash
# or dot away (a space then a digit may follow: "138 0013 8000 3 times").
_BEFORE = r"(?<![0-9])(?<![0-9][.\-])"
_AFTER = r"(?![0-9]|[.\-][0-9])"
_COUNTRY = r"(?:(?:\+|00)?86[ .\-]?|\((?:\+|00)?86\)[ .\-]?)"
_PERSONAL = [
    # ID card: 6 region, 8 birth date, 3 sequence, a check digit or X; as 18 or 6-8-4 or 6-4-4-4
    re.compile(_BEFORE + r"[0-9]{6}([ .\-]?)[0-9]{4}\1?[0-9]{4}\1?[0-9]{3}[0-9Xx]" + _AFTER),
    # first-generation ID card (15 digits): 6 region, a yymmdd birth date, 3 sequence
    re.compile(_BEFORE + r"[1-8][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}" + _AFTER),
    # mobile: 11 digits starting 1[3-9]; as 11, 3-4-4 or 4-3-4, each gap a space, dash, dot or
    # slash of its own ("139-0077 5678" passed: found by review); maybe after the country code
    re.compile(_BEFORE + _COUNTRY + r"?1[3-9](?:[0-9]{9}|[0-9][ .\-/][0-9]{4}[ .\-/]?[0-9]{4}"
               r"|[0-9]{2}[ .\-/][0-9]{3}[ .\-/][0-9]{4})" + _AFTER),
    # landline: area code (0 and 2-3 digits, maybe in parentheses), then 7-8 digits
    re.compile(_BEFORE + r"(?:\(0[0-9]{2,3}\) ?|0[0-9]{2,3}([ .\-]?))[0-9]{3,4}[ .\-]?[0-9]{4}" + _AFTER),
    # landline dialled from abroad: +86, the area code without its 0, then 7-8 digits
    re.compile(r"(?:(?:\+|00)86[ .\-]?|\((?:\+|00)?86\) ?)\(?[1-9][0-9]{1,2}\)?[ .\-]?[0-9]{3,4}[ .\-]?[0-9]{4}"
               + _AFTER),
]


# the ``extra`` fields a line carries (any other is dropped): a webhook delivery's line said
# nothing of which delivery or webhook it was about (found by review)
LINE_FIELDS = ("event_type", "event_id", "rpc", "status", "duration_ms", "method", "path",
               "delivery_id", "webhook_id", "status_code", "outcome")

_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps with an option builds one per call


# full-width digits and signs, as a Chinese keyboard types them, read as their ASCII twins (one
# character for one, so a match's place is the same in both): "１３９００７８５６７８" passed
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋（）－．／　", "0123456789+()-./ ")

# the fewest digits any of ``_PERSONAL`` matches: a landline, 0 and two digits of area code then
# 3 + 4 (ID cards have 15 or 18, mobiles 11). Text with fewer is returned as it is, unsearched:
# most of a line's parts ("worker done", an RPC's name, a status) hold no digit, and the five
# searches with their look-arounds cost 5-17 µs a part, a third of a line's formatting.
FEWEST_DIGITS = 10


def scrub(text):
    read = text.translate(_FULL_WIDTH)  # once: scrub runs on every log line
    if sum(map(read.count, "0123456789")) < FEWEST_DIGITS:
        return text
    if read == text:  # the common case
        for pattern in _PERSONAL:
            text = pattern.sub("[redacted]", text)
        return text
    for pattern in _PERSONAL:  # found in the text as read, redacted in both
        for start, end in reversed([match.span() for match in pattern.finditer(read)]):
            text = text[:start] + "[redacted]" + text[end:]
            read = read[:start] + "[redacted]" + read[end:]
    return text


def holds_personal_number(text):
    """Whether ``text`` holds something ``scrub`` would redact: a phone or ID card number."""
    return scrub(text) != text


def set_request_id(request_id):
    _context.request_id = request_id


def current_request_id():
    return getattr(_context, "request_id", None)


def _skip_unused_record_fields():
    """A record's thread, process and task names are not in our lines: logging skips looking
    them up with these off. (cProfile put finding the current green thread at a sixth of a log
    call; timed alone under eventlet, a line costs about 40 µs with them on or off.)

    Nor is the caller's file, line and function: ``_srcfile = None`` is logging's own switch
    for not walking the stack to find them (its comment says so). A line took 15 µs instead
    of 21 µs with it, timed alone without eventlet; customer-service writes one per call."""
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    if hasattr(logging, "logAsyncioTasks"):
        logging.logAsyncioTasks = False
    logging._srcfile = None


class JsonFormatter(logging.Formatter):
    """Every process makes one through its logging configuration (a service's ``LOGGING`` in
    config.yml, the gateway's gunicorn.conf.py), so it is where the record's unused fields are
    turned off too."""

    def __init__(self, service="estate-ops"):
        super().__init__()
        self.service = service
        _skip_unused_record_fields()

    def format(self, record):
        line = {
            "ts": clock.to_iso(clock.now()),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "trace_id": tracing.current_trace_id(),
            "message": scrub(record.getMessage()),
        }
        for key in LINE_FIELDS:
            if hasattr(record, key):
                value = getattr(record, key)
                line[key] = scrub(value) if isinstance(value, str) else value  # a path may hold a phone
        if record.exc_info:
            line["error"] = scrub(self.formatException(record.exc_info))
        return _LINE_ENCODER.encode(line)
