"""One JSON log line per worker (RPC call, event, timer) with its request id."""
import logging
import time

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from .. import logs
from ..errors import DomainError

log = logging.getLogger("estate.worker")


class RequestLog(DependencyProvider):
    def __init__(self):
        self.started = {}

    def worker_setup(self, worker_ctx):
        logs.set_request_id(worker_ctx.context_data.get("request_id"))
        self.started[worker_ctx] = time.monotonic()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        duration = round((time.monotonic() - started) * 1000, 1) if started else None
        name = f"{worker_ctx.service_name}.{worker_ctx.entrypoint.method_name}"
        if exc_info is None:
            status = "ok"
        elif isinstance(exc_info[1], DomainError):
            status = exc_info[1].code  # expected outcome (bad input, conflict...): no detail logged
        else:
            status = "error"
        if status == "ok" and isinstance(worker_ctx.entrypoint, Timer):
            logs.set_request_id(None)
            return  # a quiet tick is not news
        level = logging.ERROR if status == "error" else logging.INFO
        log.log(level, "worker done", exc_info=exc_info if status == "error" else None,
                extra={"rpc": name, "status": status, "duration_ms": duration})
        logs.set_request_id(None)
