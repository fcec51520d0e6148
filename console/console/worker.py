"""The console's gunicorn worker (``estate_common.http_worker``): a request's line and headers
within ``CONSOLE_HEADER_TIMEOUT`` seconds, each wait for a form's next bytes at most
``CONSOLE_BODY_TIMEOUT`` seconds. Without them a client that stopped mid-request held one of
the console's threads for as long as it stayed connected, and eight such left every user
without a page."""
from estate_common.http_worker import BoundedReadsWorker


class ConsoleWorker(BoundedReadsWorker):
    head_timeout_env = "CONSOLE_HEADER_TIMEOUT"
    body_timeout_env = "CONSOLE_BODY_TIMEOUT"
