"""JSON-lines logging with the request id, and with personal data scrubbed.

Every line carries ``service`` and ``request_id``. Mobile numbers and ID card
numbers are masked in whatever is logged, as a second line of defence: code
must not log personal data in the first place (it logs ids, not payloads).
"""
import json
import json.encoder
import logging
import threading

from . import clock, personal_numbers, tracing

_context = threading.local()  # green-thread local once eventlet has patched threading

# the ``extra`` fields a line carries (any other is dropped): a webhook delivery's line said
# nothing of which delivery or webhook it was about (found by review)
LINE_FIELDS = ("event_type", "event_id", "rpc", "status", "duration_ms", "method", "path",
               "delivery_id", "webhook_id", "status_code", "outcome")

_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps with an option builds one per call
# the encoder's C part, made once: JSONEncoder.encode makes it again for every line (a third of
# its time on a line's ten fields); the same separators, so the same text. None where the C
# accelerator is missing: then the encoder as it is.
_C_ENCODE = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
    None, _LINE_ENCODER.default, json.encoder.encode_basestring, None, _LINE_ENCODER.key_separator,
    _LINE_ENCODER.item_separator, False, False, True)

# texts scrub found no personal number in (an RPC's name, "worker done", a status), returned as
# they are the next time without searching: most of a line's parts are these few texts again.
# Only texts holding none are kept (no personal data is held here), at most CLEAN_TEXTS.
CLEAN_TEXTS = 1024
_clean = set()


def scrub(text):
    """``text`` with phone and ID card numbers redacted (``personal_numbers``)."""
    if text in _clean:
        return text
    scrubbed = personal_numbers.redact(text)
    if scrubbed is text and len(text) <= 200:
        if len(_clean) >= CLEAN_TEXTS:
            _clean.clear()
        _clean.add(text)
    return scrubbed


def _encode(line):
    if _C_ENCODE is None:
        return _LINE_ENCODER.encode(line)
    return "".join(_C_ENCODE(line, 0))


def holds_personal_number(text):
    """Whether ``text`` holds something ``scrub`` would redact: a phone or ID card number."""
    return personal_numbers.holds(text)


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
        return _encode(line)
