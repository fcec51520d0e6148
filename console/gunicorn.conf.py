"""gunicorn settings for the console: plain threads, no eventlet; it only waits on the gateway.

CONSOLE_SECRET_KEY is required (the app refuses to start without a strong one): the session
cookie is signed with it, the same on every worker and replica.
"""
import os

bind = f"{os.environ.get('CONSOLE_HOST', '127.0.0.1')}:{os.environ.get('CONSOLE_PORT', '8081')}"
# gunicorn's gthread with limits on the waits for a request's head and body (console/worker.py)
worker_class = "console.worker.ConsoleWorker"
workers = int(os.environ.get("CONSOLE_WORKERS", "1"))
threads = int(os.environ.get("CONSOLE_THREADS", "8"))
# The session cookie holds the gateway's token, which names every estate of its user: about 15 KB
# in pieces for 500 estates (console/session_cookies.py, whose BUDGET this covers), where
# gunicorn's default refused a Cookie header of more than 8,190 bytes. An ingress in front must
# allow header lines as long (deploy/k8s/README.md).
limit_request_field_size = 65536
control_socket_disable = True  # as the gateway's gunicorn.conf.py says: nothing uses it


def post_worker_init(worker):
    """The app is loaded: what the worker holds leaves the cyclic collector's full collections
    (estate_common.collector: why)."""
    from estate_common import collector
    collector.freeze_start_up()


timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = None
errorlog = "-"
# JSON lines like every other process's (console.logs), gunicorn's own lines among them
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "console.logs.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False}},
}
