"""Typed errors that cross the bus and become problem+json at the gateway.

A service raises one of these; nameko serialises it as ``exc_type`` and
``exc_args`` (``[detail, errors]``, and ``retry_after`` third when given); the gateway maps
``exc_type`` to a status with ``STATUS_BY_ERROR``, never by matching message text.
"""


class DomainError(Exception):
    status = 500
    code = "internal_error"
    title = "Internal error"
    # a refusal that passes by itself (another writer holds what the call writes): the seconds to
    # wait before sending it again, the gateway's Retry-After. A 409 of a state that forbids the
    # step and a 409 of a writer under way were told apart by their words alone (an integrator's probe)
    retry_after = None

    def __init__(self, detail, errors=None, retry_after=None):
        # retry_after goes third, only when given: a gateway that reads two arguments reads the same
        super().__init__(detail, errors or [], *([retry_after] if retry_after else []))
        self.detail = detail
        self.errors = errors or []
        if retry_after:
            self.retry_after = retry_after


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"
    title = "Invalid input"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Gone(DomainError):
    """What was there has expired (an export's download link)."""
    status = 410
    code = "gone"
    title = "Gone"


class PreconditionFailed(DomainError):
    """The record a conditional write (``If-Match``) names is no longer at the revision whose tag the
    client sent: nothing written (``writes.conditional``; RFC 9110 13.1.1)."""
    status = 412
    code = "precondition_failed"
    title = "Precondition Failed"


class BusinessRuleViolation(DomainError):
    status = 422
    code = "business_rule"
    title = "Business rule violated"


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"
    # the request may have reached the service (a timeout, no confirm, a connection lost after it
    # went out): the gateway tells a write's client so (``rpc_client.maybe_done``)
    maybe_done = False


class ContractViolation(DomainError):
    """A message the system itself produced does not match its contract (a bug)."""
    status = 500
    code = "contract_violation"
    title = "Contract violation"


ERROR_TYPES = {cls.__name__: cls for cls in (
    InvalidInput, Unauthorized, Forbidden, NotFound, Conflict, Gone,
    BusinessRuleViolation, ServiceUnavailable, ContractViolation, PreconditionFailed,
)}


def field_error(field, message):
    return {"field": field, "message": message}
