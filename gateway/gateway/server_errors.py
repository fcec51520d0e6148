"""What gunicorn answers itself, before the app sees a request (a request line over 4,094 bytes,
headers too large, a malformed request line...), as ``application/problem+json`` like every other
error of the gateway, not gunicorn's HTML page.

gunicorn 27 writes these through ``gunicorn.util.write_error`` (``Worker.handle_error``), with no
setting to change its format; ``install`` replaces that function in the gunicorn process
(``gunicorn.conf.py``), keeping gunicorn's status, reason and message. There is no request id:
the request was never read.
"""
import json

from gunicorn import util

from .problems import PROBLEM_BASE

CODES = {400: "bad_request", 403: "forbidden", 414: "uri_too_long", 417: "expectation_failed",
         431: "request_header_fields_too_large", 500: "internal", 501: "not_implemented"}


def response_bytes(status, reason, message):
    """The whole HTTP response gunicorn sends for ``status``: a problem document, then the
    connection is closed (gunicorn closes it after an error, as its own page said)."""
    code = CODES.get(status, str(status))
    body = json.dumps({"type": PROBLEM_BASE + code, "title": reason, "status": status, "detail": message,
                       "code": code, "request_id": None}, ensure_ascii=True).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
    return head + body


def write_error(sock, status_int, reason, mesg):
    util.write_nonblock(sock, response_bytes(status_int, reason, mesg))


def install():
    util.write_error = write_error
