"""Process settings read from the environment, with the documented defaults."""
import os

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_int(name, default):
    return int(env(name, default))


def env_float(name, default):
    return float(env(name, default))


def amqp_uri():
    return env("AMQP_URI", DEFAULT_AMQP_URI)


def rpc_timeout():
    """Seconds an RPC caller waits before answering 'service unavailable'."""
    return env_float("RPC_TIMEOUT", 5.0)


def mongo_uri():
    """Empty means: run on the embedded in-process store (``estate_common.embedded_store``)."""
    return env("MONGO_URI", "")


def database_name(service):
    """``MONGO_DB`` names one database for the process; otherwise ``<MONGO_DB_PREFIX>_<service>``
    (the tests on MongoDB give each test its own prefix, so no test sees another's data)."""
    return env("MONGO_DB", f"{env('MONGO_DB_PREFIX', 'estate')}_{service}")
