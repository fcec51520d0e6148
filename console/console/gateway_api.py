"""The console's only way to the system: the public gateway API over HTTP.

Every call carries the signed-in user's own bearer token and the page's
language; nothing here knows a business rule. A gateway answer that is not a
success becomes ``ApiProblem`` (from its problem+json), and a gateway that
cannot be reached becomes a 503 problem, so every screen can show a readable
message with the request id instead of a stack trace.
"""
import re
import uuid

import requests
from flask import g, has_request_context, request

TIMEOUT_SECONDS = 15
# the public API's Idempotency-Key (openapi.yaml, parameters/IdempotencyKey)
IDEMPOTENCY_KEY_MAX = 128
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,%d}[\x21-\x7e])?" % (IDEMPOTENCY_KEY_MAX - 2))


class ApiProblem(Exception):
    """A problem+json answer (or an unreachable gateway, as a 503)."""

    # the title already says what each field error says (``common.password_refused``): the page
    # shows them beside their fields only, not listed again under it
    errors_in_title = False

    def __init__(self, status, title, detail="", code="", request_id=None, errors=None, retry_after=None):
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.request_id = request_id
        self.errors = errors or []
        self.retry_after = retry_after  # a 429's or 503's Retry-After, passed on to the browser

    @property
    def field_errors(self):
        """``{field: message}`` for showing each error next to its field."""
        return {error.get("field", ""): error.get("message", "") for error in self.errors}

    @classmethod
    def from_response(cls, response):
        request_id = response.headers.get("X-Request-ID")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        problem = cls(status=response.status_code, title=body.get("title") or response.reason or "error",
                      detail=body.get("detail") or "", code=body.get("code") or "",
                      request_id=body.get("request_id") or request_id, errors=body.get("errors"),
                      retry_after=response.headers.get("Retry-After"))
        return problem.as_form_sent_before() if problem.is_key_reused() else problem

    def is_key_reused(self):
        """The gateway's 422 for an Idempotency-Key sent before with another body: here, a form sent,
        then gone back to, changed and sent again."""
        return self.status == 422 and any(error.get("field") == "Idempotency-Key" for error in self.errors
                                           if isinstance(error, dict))

    def as_form_sent_before(self):
        """That refusal as a cashier can act on it (``problem.form_sent_before``): the first sending
        took effect and the change was not sent. It read "Idempotency-Key was used before with
        another body / Idempotency-Key: was used with another body" (a probe of month-end accounts)."""
        return ApiProblem(self.status, self.title, "", "form_sent_before", request_id=self.request_id)


class Gateway:
    """A client of ``/api/v1`` for one console request (one user, one language)."""

    def __init__(self, base_url, token=None, language="zh", session=None, forwarded_for=None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.language = language
        self.session = session or requests.Session()
        # the owner portal's visitor (no token): the gateway counts its rate limits by this address
        # when it trusts the console as a proxy (TRUSTED_PROXIES)
        self.forwarded_for = forwarded_for

    def _headers(self, idempotent):
        headers = {"Accept": "application/json", "Accept-Language": _accept_language(self.language),
                   "X-Request-ID": "console-" + uuid.uuid4().hex}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        if idempotent:
            # one key per console submission: a retried form post cannot create twice. The key
            # comes back from the form: one the gateway would refuse is refused here as it would
            # be (a 20,000-character or non-ASCII one was a 500, one of spaces a 503 "gateway
            # unavailable": requests cannot send such a header; found by a probe)
            if not _IDEMPOTENCY_KEY.fullmatch(idempotent):
                raise ApiProblem(400, "Bad Request", "Idempotency-Key is not valid", "invalid_input", errors=[
                    {"field": "Idempotency-Key",
                     "message": f"must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters, no space at either end"}])
            headers["Idempotency-Key"] = idempotent
        return headers

    def call(self, method, path, json=None, params=None, idempotency_key=None, data=None, content_type=None,
             raw=False):
        """The answer's JSON (``raw``: its bytes, e.g. an SVG), or ``ApiProblem``."""
        params = {key: value for key, value in (params or {}).items() if value not in (None, "")}
        if idempotency_key is None and method != "GET":
            idempotency_key = _form_key()
        headers = self._headers(idempotency_key)
        if has_request_context():  # the page's log lines name the call it made last (console.logs)
            g.gateway_request_id = headers["X-Request-ID"]
        extra = {}
        if data is not None:  # a file sent as it is (the household import), not JSON
            headers["Content-Type"] = content_type
            extra["data"] = data
        response = self._send(method, path, headers, json=json, params=params or None, **extra)
        if response.status_code >= 400:
            raise ApiProblem.from_response(response)
        if idempotency_key and response.headers.get("Idempotent-Replayed") == "true" and has_request_context():
            g.replayed = True  # the first sending's answer again: nothing was made (common.done says so)
        if raw:
            return response.content
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def _send(self, method, path, headers, **extra):
        """The gateway's answer to one request, whatever its status; a gateway that cannot be
        reached is the 503 a page says as such (``problem.unavailable``)."""
        _require_plain_path(path)
        try:
            return self.session.request(method, self.base_url + path, headers=headers, timeout=TIMEOUT_SECONDS,
                                        **extra)
        except requests.RequestException:
            raise ApiProblem(503, "gateway unavailable", "", "unavailable") from None

    def get(self, path, **params):
        return self.call("GET", path, params=params)

    def stream(self, path):
        """A GET whose answer is passed on as it arrives (an export's file): the open response,
        for ``iter_content``; close it when done. A refusal is ``ApiProblem`` as for ``call``."""
        headers = self._headers(None)
        headers["Accept"] = "*/*"
        response = self._send("GET", path, headers, stream=True)
        if response.status_code >= 400:
            try:
                raise ApiProblem.from_response(response)
            finally:
                response.close()
        return response

    def get_unless_unchanged(self, path, etag=None):
        """A GET sent with ``If-None-Match: etag`` (when given): ``(its JSON, its ETag)``, or
        ``(None, etag)`` when the gateway answers 304 (unchanged: the caller keeps what it read)."""
        headers = self._headers(None)
        if etag:
            headers["If-None-Match"] = etag
        response = self._send("GET", path, headers)
        if response.status_code == 304:
            return None, etag
        if response.status_code >= 400:
            raise ApiProblem.from_response(response)
        return response.json(), response.headers.get("ETag")

    def get_bytes(self, path, **params):
        return self.call("GET", path, params=params, raw=True)

    def post(self, path, body=None, idempotency_key=None):
        return self.call("POST", path, json=body if body is not None else {}, idempotency_key=idempotency_key)

    def put(self, path, body):
        return self.call("PUT", path, json=body)

    def patch(self, path, body):
        return self.call("PATCH", path, json=body)

    def delete(self, path):
        return self.call("DELETE", path)

    def upload(self, path, content, content_type, idempotency_key=None, **params):
        """A file sent as it is; ``params`` its query (a bank statement's month, ``?period=``)."""
        return self.call("POST", path, data=content, content_type=content_type, idempotency_key=idempotency_key,
                         params=params)

    def estate(self, estate_id, rest=""):
        """The path of an estate-scoped resource: ``/api/v1/estates/{id}/{rest}``."""
        return f"/api/v1/estates/{requests.utils.quote(estate_id, safe='')}" + (f"/{rest}" if rest else "")


def _form_key():
    """The Idempotency-Key of the console form this request answers (its hidden ``idempotency_key``,
    ``views.common.form_key``), for a write whose view names none: every form that posts to a call
    with a key sends its key by this one path, and a view cannot leave it out. A double click on
    "record a return-visit attempt", a request's reply or an incident's step was written twice, the
    key rendered in none of their forms (review). None outside a form's POST, and for a form without
    one (a sign-in, a password: their calls keep no key)."""
    if not has_request_context() or request.method != "POST":
        return None
    return request.form.get("idempotency_key") or None


# a path segment as the API names things (ids, numbers, codes, periods, keys); "..", "?" or "#"
# taken from a console URL's id moved up a level, added a query or cut the path (found by a probe)
_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9_.~-]*")


def _require_plain_path(path):
    if not path.startswith("/api/v1/"):
        raise ValueError(f"the console only calls the public API, not {path!r}")
    if not all(_SEGMENT.fullmatch(part) for part in path[len("/api/v1/"):].split("/")):
        raise ApiProblem(404, "Not Found", "", "not_found")  # no such thing: an id of that shape names none


def _accept_language(language):
    return "zh-CN,zh;q=0.9,en;q=0.5" if language == "zh" else "en;q=1.0,zh;q=0.5"
