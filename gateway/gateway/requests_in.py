"""Reading what the client sent: JSON bodies, paging and filters, request ids."""
import re
import uuid

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from estate_common.errors import InvalidInput, field_error

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_LIMIT = re.compile(r"[0-9]{1,3}")
_CUSTOM_FILTER = re.compile(r"custom\.[a-z][a-z0-9_]{0,31}")  # a custom field's filter (estate_common.custom_fields)
MAX_CUSTOM_FILTERS = 10  # ASCII digits only: str.isdigit() takes "²", int() does not


# A body up to this many times the cap is read and thrown away before the 413, so that
# the client gets the answer instead of a reset connection; a larger one is not read.
DRAIN_FACTOR = 8
CHUNK = 65536


def refuse_oversized(max_bytes):
    """Answer 413 before anything reads a body declared larger than the cap."""
    length = request.content_length
    if length is None or length <= max_bytes:
        return
    if length <= DRAIN_FACTOR * max_bytes:
        stream, left = request.environ["wsgi.input"], length
        while left > 0:
            chunk = stream.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
    raise RequestEntityTooLarge(f"the body is larger than {max_bytes} bytes")


def request_id():
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def json_body():
    """The body as a JSON object, or a 400/415 that says what is wrong with it."""
    if not request.mimetype == "application/json":
        raise UnsupportedMediaType()
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidInput("the body is not valid JSON", [field_error("(body)", "is not valid JSON")])
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", [field_error("(body)", "must be a JSON object")])
    return whole_numbers(body)


# Beyond this a float no longer holds every whole number exactly.
_EXACT_FLOAT = 2 ** 53


def whole_numbers(value):
    """JSON Schema's ``integer`` admits ``5.0``, and so does the contract; the services count with
    Python ints, so a whole-valued number goes on as an int (``5.0`` -> ``5``, ``89.5`` stays)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= _EXACT_FLOAT:
        return int(value)
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    return value


class UnsupportedMediaType(InvalidInput):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"

    def __init__(self, detail="send the body as application/json"):
        super().__init__(detail)


def refuse_unknown_query(allowed=(), where="here"):
    """A 400 naming each query parameter not in ``allowed`` ("is not a parameter <where>")."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise InvalidInput("unknown query parameters",
                           [field_error(name, f"is not a parameter {where}") for name in unknown])


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
        payload["cursor"] = request.args["cursor"]
    filters = {name: request.args[name] for name in (*route.filters, *custom) if name in request.args}
    if filters:
        payload["filters"] = filters
    return payload
