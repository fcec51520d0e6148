"""Entrypoint decorators that put the contract and the caller check in one place.

``@rpc_method``: validates the input against ``contracts/rpc/<service>/<method>.json``
(a 400 naming the field), refuses a call without a caller, checks that a
payload's ``estate_id`` is in the caller's scope, and checks the output.

``@consumes(source, event_type)``: a durable, shared event queue per handler
(nameko's service pool); the message is acked only when the handler has
returned, so after its write; a handler that raises has the message
requeued. An event that breaks its contract is logged and dropped, since
redelivering it cannot help.
"""
import functools
import logging

import eventlet
from nameko.events import SERVICE_POOL, event_handler
from nameko.rpc import rpc

from .. import contracts, logs
from ..errors import DomainError

log = logging.getLogger(__name__)

RETRY_PAUSE_SECONDS = 1.0


def rpc_method(fn=None, *, public=False):
    if fn is None:
        return functools.partial(rpc_method, public=public)

    @functools.wraps(fn)
    def entry(self, payload):
        book = contracts.load()
        book.check_rpc_input(self.name, fn.__name__, payload)
        if not public:
            self.caller.require_known()
            if "estate_id" in payload:
                self.caller.require_estate(payload["estate_id"])
        result = fn(self, payload)
        book.check_rpc_output(self.name, fn.__name__, result)
        return result

    # (nameko's rpc(fn, **kwargs) would drop the kwargs: apply them first)
    return rpc(expected_exceptions=(DomainError,))(entry)


def consumes(source, event_type):
    def decorator(fn):
        @functools.wraps(fn)
        def handler(self, event):
            logs.set_request_id((event or {}).get("request_id") if isinstance(event, dict) else None)
            errors = contracts.load().errors(f"events/{source}/{event_type}.json", event)
            if errors:
                log.error("dropped an event that breaks its contract: %s",
                          "; ".join(f"{e['field']}: {e['message']}" for e in errors[:3]),
                          extra={"event_type": event_type})
                return None
            try:
                return fn(self, event)
            except Exception:
                eventlet.sleep(RETRY_PAUSE_SECONDS)  # a little back-off before the requeue
                raise

        return event_handler(source, event_type, handler_type=SERVICE_POOL,
                             reliable_delivery=True, requeue_on_error=True)(handler)

    return decorator
