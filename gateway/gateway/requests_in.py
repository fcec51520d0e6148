"""Reading what the client sent: JSON bodies, paging and filters, request ids."""
import functools
import io
import json
import math
import re
import uuid
from decimal import Decimal

from flask import request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge, RequestTimeout

from estate_common import contracts, logs
from estate_common import text as texts
from estate_common.errors import InvalidInput, field_error

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_LIMIT = re.compile(r"[0-9]{1,3}")
_CUSTOM_FILTER = re.compile(r"custom\.[a-z][a-z0-9_]{0,31}")  # a custom field's filter (estate_common.custom_fields)
MAX_CUSTOM_FILTERS = 10  # ASCII digits only: str.isdigit() takes "²", int() does not


# A body up to this many times the cap (and at least DRAIN_FLOOR bytes) is read and thrown away
# before the 413, so that the client gets the answer and its connection stays usable; a larger
# one is not read. gunicorn drains at most 64 KiB of a body the app left, then closes the
# connection it has just answered "keep-alive" on: the client's next call on it was dropped
# (the public routes' cap is 16 KiB: a 200 KB filing; found by review).
DRAIN_FACTOR = 8
DRAIN_FLOOR = 1024 * 1024
CHUNK = 65536


def take_body(max_bytes, timeout_seconds):
    """The request's body read whole before anything else, within ``refuse_oversized``'s cap,
    each wait for its next bytes at most ``timeout_seconds`` (then a 408): a body shorter than
    its Content-Length held a gunicorn thread for ever, and twenty such connections left
    ``/healthz`` unanswered (found by a bad-input probe). nginx's ``client_body_timeout`` is the
    same kind of limit, where an ingress buffers bodies before the gateway."""
    client = request.environ.get("gunicorn.socket")
    if client is not None:
        client.settimeout(timeout_seconds)
    try:
        refuse_oversized(max_bytes)
        request.get_data(cache=True)
    except (TimeoutError, ClientDisconnected) as stopped:
        # werkzeug's stream reads a socket's timeout as a disconnection (a 400): told apart here
        if isinstance(stopped, ClientDisconnected) and not isinstance(stopped.__context__, TimeoutError):
            raise
        raise RequestTimeout(f"the body stopped coming: nothing for {timeout_seconds:g} s") from None
    finally:
        if client is not None:  # the answer is written without it (a slow reader of an export)
            client.settimeout(None)


def refuse_oversized(max_bytes):
    """Answer 413 before anything reads a body larger than the cap.

    A chunked body declares no length: it is read here, up to one byte past the cap, and
    either refused or handed on whole (werkzeug would otherwise stop reading at the
    cap without a word, and an import or a filing would go on with the part it read)."""
    length = request.content_length
    if length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        stream = request.environ["wsgi.input"]
        body = _read_at_most(stream, max_bytes + 1)
        if len(body) <= max_bytes:
            request.environ["wsgi.input"] = io.BytesIO(body)
            request.environ["wsgi.input_terminated"] = True  # werkzeug reads it to its end, not by a length
            return
        _read_at_most(stream, _drained(max_bytes) - max_bytes)  # the rest, within reason, for a clean answer
        raise RequestEntityTooLarge(f"the body is larger than {max_bytes} bytes")
    if length is None or length <= max_bytes:
        return
    if length <= _drained(max_bytes):
        _read_at_most(request.environ["wsgi.input"], length)
    raise RequestEntityTooLarge(f"the body is larger than {max_bytes} bytes")


def _drained(max_bytes):
    """How much of a refused body is read and thrown away."""
    return max(DRAIN_FACTOR * max_bytes, DRAIN_FLOOR)


def _read_at_most(stream, count):
    parts, left = [], count
    while left > 0:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def request_id():
    """The caller's ``X-Request-ID`` when it is a plain id, else a fresh one. An id that reads as
    a phone or an ID number is not taken: it goes into every log line, event and archive record
    of the call (found by review)."""
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.fullmatch(given) and not logs.holds_personal_number(given) else uuid.uuid4().hex


MAX_DEPTH = 32  # objects and arrays within each other; no documented body comes near


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


class _KeyGivenTwice(dict):
    """A JSON object in which ``twice`` was given more than once: ``whole_numbers`` refuses it,
    naming the key by its path."""
    twice = None


def _object_once_per_key(pairs):
    """A JSON object, marked when a key is given twice in it. Python's json keeps the last of a
    key given twice, so ``{"amount_cents": 100, "amount_cents": 5}`` was a payment of 5 cents,
    whichever of the two the sender meant (found by an integrator's probe); RFC 8259 leaves such
    an object's meaning to the reader."""
    body = dict(pairs)
    if len(body) == len(pairs):
        return body
    seen = set()
    marked = _KeyGivenTwice(body)
    marked.twice = next(key for key, _ in pairs if key in seen or seen.add(key))
    return marked


def json_body():
    """The body as a JSON object, or a 400/415 that says what is wrong with it (not JSON in
    UTF-8, not an object, ``NaN`` or ``Infinity`` where a number goes, nested deeper than ``MAX_DEPTH``,
    a key given twice in one object).
    No body at all is ``{}``: an action whose body is all optional (an approval) needs none, and
    one that needs a field is a 400 naming it, not a 415 about a type nobody sent; but a PUT
    (a replacement) without one is a 400."""
    if not request.mimetype == "application/json":
        if not request.get_data(cache=True) and not request.content_type:
            if request.method == "PUT":
                # a PUT replaces what is there: none at all was {} and wiped an estate's settings
                # with a 200 (found by a settings probe); {} says so on purpose
                raise InvalidInput("a PUT replaces what is there: send the whole body, an empty object for none",
                                   [field_error("(body)", "is required")])
            return {}
        raise UnsupportedMediaType()
    if request.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        # a gzip body was read as JSON and refused as "not valid JSON" (a probe): no coding is
        # taken (a compressed body's size is not what the body limit saw), and it is said so
        raise UnsupportedMediaType("send the body without a Content-Encoding: none is accepted")
    try:
        # decoded as UTF-8 here (a leading byte-order mark ignored, as RFC 8259 §8.1 allows):
        # json.loads of bytes would also take UTF-16 and UTF-32 (a UTF-16 body was accepted,
        # found by review)
        body = json.loads(request.get_data(cache=True).decode("utf-8-sig"), parse_constant=_refuse_constant,
                          parse_float=_number, object_pairs_hook=_object_once_per_key)
    except (ValueError, RecursionError):  # a UnicodeDecodeError is a ValueError
        raise InvalidInput("the body is not valid JSON", [field_error("(body)", "is not valid JSON")]) from None
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", [field_error("(body)", "must be a JSON object")])
    return whole_numbers(body)


class _FractionLost(float):
    """A number written with a fraction that its binary float rounds away (99.999999999999999999
    reads as 100.0): ``whole_numbers`` refuses it (400, naming its field). A payment of it was
    taken as 100 cents, the fraction gone before any contract saw it (found by a money probe)."""

    def is_integer(self):
        return False


def _number(text):
    """A JSON number with a fraction or an exponent, as a float; ``_FractionLost`` where the float
    lost the fraction it was written with."""
    value = float(text)
    if value.is_integer():
        try:
            written = Decimal(text)
            whole = written == written.to_integral_value()
        except ArithmeticError:  # an exponent beyond Decimal's (1e-99999999999999999999999999): a 500 (review)
            whole = False
        if not whole:
            return _FractionLost(value)
    return value


# Beyond this a float no longer holds every whole number exactly.
_EXACT_FLOAT = 2 ** 53
# What the stores keep: BSON's 8-byte integer (2**70 in a correction's data was a 500 from the
# store, found by review).
_STORED_INT = 2 ** 63 - 1


def whole_numbers(value, depth=0, path=""):
    """JSON Schema's ``integer`` admits ``5.0``, and so does the contract; the services count with
    Python ints, so a whole-valued number goes on as an int (``5.0`` -> ``5``, ``89.5`` stays).
    A value nested deeper than ``MAX_DEPTH`` is refused here (400), before any schema walks it,
    and so is a text no contract could say is wrong (``_require_text``), naming its field."""
    too_large = ((isinstance(value, float) and not math.isfinite(value))  # 1e999
                 or (isinstance(value, int) and not isinstance(value, bool) and abs(value) > _STORED_INT))
    if too_large:
        raise InvalidInput("a number in the body is too large", [field_error("(body)", "has a number too large")])
    if isinstance(value, _FractionLost):
        raise InvalidInput("a number in the body has more decimals than a number holds",
                           [field_error(path or "(body)", "has more decimals than a number holds: "
                                                          "a whole number has none, an amount in cents is whole")])
    if isinstance(value, float) and value.is_integer() and abs(value) <= _EXACT_FLOAT:
        return int(value)
    if isinstance(value, str):
        _require_text(value, path)
    if isinstance(value, (dict, list)) and depth >= MAX_DEPTH:
        raise InvalidInput(f"the body is nested deeper than {MAX_DEPTH} levels",
                           [field_error("(body)", f"is nested deeper than {MAX_DEPTH} levels")])
    if isinstance(value, dict):
        if isinstance(value, _KeyGivenTwice):
            _require_text(value.twice, path or "(body)")
            raise InvalidInput("a key is given twice in one object of the body",
                               [field_error(f"{path}.{value.twice}" if path else value.twice,
                                            "is given twice in one object")])
        for key in value:
            _require_text(key, path or "(body)")
        return {key: whole_numbers(item, depth + 1, f"{path}.{key}" if path else key) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers(item, depth + 1, f"{path}[{index}]") for index, item in enumerate(value)]
    return value


def _require_text(text, path, in_query=False):
    """A 400 naming ``path`` for a text that holds a control character, or one made only of
    invisible format characters and spaces (``estate_common.text``: the import of a file reads
    its cells by the same rules). Found by review. ``in_query``: a query parameter's, which
    was said to be "text in the body" (a probe)."""
    _require_unicode(text)
    if texts.holds_control(text):
        raise InvalidInput("a query parameter holds a control character" if in_query
                           else "text in the body holds a control character",
                           [field_error(path or "(body)", "holds a control character")])
    if texts.invisible(text):
        raise InvalidInput("a query parameter has no visible character" if in_query
                           else "text in the body has no visible character",
                           [field_error(path or "(body)", "has no visible character")])


def _require_unicode(text):
    """A 400 for text no UTF-8 holds: a lone surrogate ("\\ud800"), which JSON lets through and
    the idempotency digest then failed on (a 500)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("the body holds text that is not valid Unicode",
                           [field_error("(body)", "holds a lone surrogate (\\ud800-\\udfff)")]) from None


class UnsupportedMediaType(InvalidInput):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"

    def __init__(self, detail="send the body as application/json"):
        super().__init__(detail)


def refuse_unknown_query(allowed=(), where="here"):
    """A 400 naming each query parameter not in ``allowed`` ("is not a parameter <where>"), and
    each given more than once: the first was taken without a word, so ``?building=1&building=2``
    listed building 1 alone to a client that meant both (found by an integrator's probe)."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise InvalidInput("unknown query parameters",
                           [field_error(name, f"is not a parameter {where}") for name in unknown])
    twice = sorted(name for name in request.args if len(request.args.getlist(name)) > 1)
    if twice:
        raise InvalidInput("a query parameter is given more than once",
                           [field_error(name, "is given more than once: one value each") for name in twice])


def flag(filters, name):
    """``name``'s true or false among a list's filters, None when it is not given; a 400 naming it
    for any other value."""
    if name not in filters:
        return None
    if filters[name] not in ("true", "false"):
        raise InvalidInput(f"{name} is true or false", [field_error(name, "must be true or false")])
    return filters[name] == "true"


def query_payload(route):
    """``limit``, ``cursor`` and the route's filters from the query string; anything else is refused."""
    allowed = set(route.filters) | ({"limit", "cursor"} if route.paged else set())
    custom = sorted(name for name in request.args if getattr(route, "custom_filters", False)
                    and _CUSTOM_FILTER.fullmatch(name))
    if len(custom) > MAX_CUSTOM_FILTERS:
        raise InvalidInput(f"at most {MAX_CUSTOM_FILTERS} custom filters",
                           [field_error(custom[MAX_CUSTOM_FILTERS], "one custom filter too many")])
    refuse_unknown_query(allowed | set(custom), "of this list")
    payload = {}
    if "limit" in request.args:
        text = request.args["limit"]
        if not _LIMIT.fullmatch(text) or not 1 <= int(text) <= 200:
            raise InvalidInput("limit must be a whole number from 1 to 200",
                               [field_error("limit", "must be a whole number from 1 to 200")])
        payload["limit"] = int(text)
    if "cursor" in request.args:
        if not request.args["cursor"]:  # the services' contracts refuse it; the gateway's own lists took it as none
            raise InvalidInput("cursor is empty: leave it out for the first page",
                               [field_error("cursor", "is not a position in this list")])
        payload["cursor"] = request.args["cursor"]
    filters = {name: request.args[name] for name in (*route.filters, *custom) if name in request.args}
    for name, value in filters.items():  # as text in a body: a NUL in a search broke MongoDB's $regex (review)
        _require_text(value, name, in_query=True)
    if filters or _filters_required(getattr(route, "service", None), getattr(route, "rpc", None)):
        # an empty one where the method requires it: a report's required period left out was
        # refused as "filters: is required", naming no parameter the client can send; now as
        # "period: is required" (found by a money probe)
        payload["filters"] = filters
    return payload


@functools.lru_cache(maxsize=None)
def _filters_required(service, method):
    """Whether ``service.method``'s input contract requires ``filters``."""
    document = contracts.load().documents.get(f"rpc/{service}/{method}.json") or {}
    return "filters" in document.get("input", {}).get("required", ())
