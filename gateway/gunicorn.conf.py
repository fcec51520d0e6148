"""gunicorn settings for the gateway: plain threads (gthread), no eventlet.

With the embedded store (no MONGO_URI) keep one worker: users and
idempotency records live in the worker's memory. With MongoDB, raise
GATEWAY_WORKERS freely.
"""
import os
import shutil
import tempfile

from gunicorn import glogging

bind = f"{os.environ.get('GATEWAY_HOST', '127.0.0.1')}:{os.environ.get('GATEWAY_PORT', '8080')}"
# gunicorn's gthread with a limit on the wait for a request's line and headers (gateway/worker.py, estate_common/http_worker.py)
worker_class = "gateway.worker.GatewayWorker"
workers = int(os.environ.get("GATEWAY_WORKERS", "1"))
threads = int(os.environ.get("GATEWAY_THREADS", "16"))
# A token names every estate of its user (up to 500, ``UserCreate.estate_ids``): about 21 KB in
# its Authorization header, where gunicorn's default refused any field of more than 8,190 bytes
# (a manager of 250 estates signed in, and every call answered 431). An ingress in front must
# allow header lines as long (deploy/k8s/README.md).
limit_request_field_size = 32768
# gunicorn 25.1+ opens a control socket for ``gunicornc`` (change the workers, reload, stop) under
# $XDG_RUNTIME_DIR or $HOME/.gunicorn: nothing here uses it, every gunicorn of the same user on a
# machine shared the one path (the gateway's and the console's, every test system's), and in the
# image (HOME=/nonexistent, a read-only root) it logged an ERROR at every start.
control_socket_disable = True

# Metrics with several workers: prometheus_client's multiprocess mode. Each worker writes its
# values to files in PROMETHEUS_MULTIPROC_DIR and /metrics adds them up. The directory must be
# empty at start (stale files would count again): ours is fresh, or emptied when given.
if workers > 1:
    _metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="gateway-metrics-")
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir  # read by the workers' prometheus_client


def post_fork(server, worker):
    """gunicorn's own error answers (an overlong request line...) as problem+json, like the app's."""
    from gateway import server_errors
    server_errors.install()


def post_worker_init(worker):
    """The app is loaded: what the worker holds leaves the cyclic collector's full collections
    (estate_common.collector: why); its request log lines and metrics are written after each
    answer (gateway.after_answer, run by ``post_request``)."""
    from estate_common import collector
    from gateway import after_answer
    after_answer.enable(worker.wsgi)
    collector.freeze_start_up()


def post_request(worker, req, environ, resp):
    """The answer has been written (or its write failed): the request's log line and metrics."""
    from gateway import after_answer
    after_answer.run(environ)


def child_exit(server, worker):
    """A worker's live gauges go with it (the gateway's counters and histograms stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)

class _Logger(glogging.Logger):
    """gunicorn's logger without its access log: the app writes one JSON line per request.
    (With ``logconfig_dict`` set, gunicorn would build every request's access-log atoms and
    hand them to a logger that prints nothing: a few per cent of a request's CPU.)"""
    access_log_enabled = False


logger_class = _Logger

# gunicorn's worker heartbeat is an os.utime() on a file here, many times a second under load: on
# a disk (an image's /tmp, overlayfs) each is a journalled inode write (py-spy: 5 % of the
# gateway worker's samples during a create loop). gunicorn's docs advise a tmpfs.
worker_tmp_dir = os.environ.get("GATEWAY_WORKER_TMP_DIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = None  # the app logs one JSON line per request, with its request id
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "estate_common.logs.JsonFormatter", "service": "gateway"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "amqp": {"level": "WARNING"},
        "kombu": {"level": "WARNING"},
    },
}
