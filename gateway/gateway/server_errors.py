"""What gunicorn answers itself, before the app sees a request (a request line over 4,094 bytes,
headers too large, a malformed request line...), as ``application/problem+json`` like every other
error of the gateway, not gunicorn's HTML page.

gunicorn 27 writes these through ``gunicorn.util.write_error`` (``Worker.handle_error``), with no
setting to change its format; ``install`` replaces that function in the gunicorn process
(``gunicorn.conf.py``), keeping gunicorn's status, reason and message. The request was never
read, so a client's ``X-Request-ID`` cannot be taken: the answer carries a fresh one, in its
header and its body, as every answer does (API.md; it had none: found by review), and the
gateway's log names it with the status. It is counted as every answer is, under the route
``unread`` (no metric saw a flood of malformed requests: found by a probe).
"""
import json
import logging
import uuid

from gunicorn import util

from estate_common import metrics

from .problems import PROBLEM_BASE, title_of

UNREAD = "unread"  # the route label of a request gunicorn answered before it was read

CODES = {400: "bad_request", 403: "forbidden", 408: "request_timeout", 414: "uri_too_long", 417: "expectation_failed",
         431: "request_header_fields_too_large", 500: "internal_error", 501: "not_implemented"}


def response_bytes(status, reason, message):
    """The whole HTTP response gunicorn sends for ``status``: a problem document, then the
    connection is closed (gunicorn closes it after an error, as its own page said)."""
    code = CODES.get(status, str(status))
    request_id = uuid.uuid4().hex
    body = json.dumps({"type": PROBLEM_BASE + code, "title": title_of(code, reason), "status": status, "detail": message,
                       "code": code, "request_id": request_id}, ensure_ascii=True).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
            f"X-Request-ID: {request_id}\r\nContent-Length: {len(body)}\r\n\r\n").encode("latin-1")
    logging.getLogger("gateway").info("request refused before it was read", extra={
        "status": status, "request_id": request_id})
    metrics.HTTP_REQUESTS.labels(UNREAD, "other", str(status)).inc()
    return head + body


def write_error(sock, status_int, reason, mesg):
    util.write_nonblock(sock, response_bytes(status_int, reason, mesg))


def install():
    util.write_error = write_error
