"""The gateway's gunicorn worker (``estate_common.http_worker``): a request's line and headers
within ``GATEWAY_HEADER_TIMEOUT`` seconds, answered 408 as a problem document otherwise
(``server_errors``). Its body's limit is the app's (``requests_in.take_body``, which answers its
own 408 as a problem document)."""
from estate_common.http_worker import BoundedReadsWorker


class GatewayWorker(BoundedReadsWorker):
    head_timeout_env = "GATEWAY_HEADER_TIMEOUT"
