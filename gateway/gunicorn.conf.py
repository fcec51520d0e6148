"""gunicorn settings for the gateway: plain threads (gthread), no eventlet.

With the embedded store (no MONGO_URI) keep one worker: users and
idempotency records live in the worker's memory. With MongoDB, raise
GATEWAY_WORKERS freely.
"""
import os

bind = f"{os.environ.get('GATEWAY_HOST', '127.0.0.1')}:{os.environ.get('GATEWAY_PORT', '8080')}"
worker_class = "gthread"
workers = int(os.environ.get("GATEWAY_WORKERS", "1"))
threads = int(os.environ.get("GATEWAY_THREADS", "16"))
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
