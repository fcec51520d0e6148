"""A call's deadline: the moment its caller stops waiting for the answer.

The RPC client sends it with every request (the ``nameko.deadline`` header, Unix seconds on
the caller's clock). The broker drops a request still queued when its caller gives up (the
AMQP ``expiration``), but not one it has handed to a service already: a service that stalls
(a long pause, a blocked hub) holds the requests it prefetched, and would run them after the
caller answered 503, and a client that retried would then have paid twice. So a service does
not run a request whose deadline passed more than ``RPC_LATE_GRACE_SECONDS`` ago by its own
clock (``nameko.entrypoints.ReplyingRpc``). The grace is for the hosts' clocks, which NTP
keeps within milliseconds; a request in that margin may still run after its caller gave up.
"""
import time

from . import config

CONTEXT_KEY = "deadline"
HEADER = f"nameko.{CONTEXT_KEY}"


def late_grace_seconds():
    return config.env_float("RPC_LATE_GRACE_SECONDS", 2.0)


def deadline(timeout, now=None):
    """The header's value for a call whose caller waits ``timeout`` seconds from now."""
    return round((time.time() if now is None else now) + timeout, 3)


def too_late(headers, now=None):
    """Seconds past the request's deadline and its grace, when its caller has surely given up
    (> 0); None for a request in time or one without a deadline (a caller of before)."""
    value = (headers or {}).get(HEADER)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    late = (time.time() if now is None else now) - value - late_grace_seconds()
    return late if late > 0 else None
