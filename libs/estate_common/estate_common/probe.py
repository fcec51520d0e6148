"""Container probes for the nameko services (they serve no HTTP).

``python -m estate_common.probe alive SERVICE``: the heartbeat timer has
written within three intervals (the process and its event loop are alive).
``python -m estate_common.probe ready SERVICE``: this process is alive and the
service answers its ``health`` RPC over the broker within the timeout (broker,
service and store). Any replica may answer the RPC, hence the heartbeat too.
"""
import os
import sys
import tempfile
import time

from . import config

HEARTBEAT_SECONDS = config.env_float("HEARTBEAT_SECONDS", 5.0)


def heartbeat_path(service):
    return os.path.join(tempfile.gettempdir(), f"estate-ops-{service}.alive")


def alive(service):
    try:
        age = time.time() - os.path.getmtime(heartbeat_path(service))
    except OSError:
        return False
    return age < 3 * HEARTBEAT_SECONDS + 5


def ready(service, timeout=None):
    if not alive(service):
        return False
    from . import tracing
    from .rpc_client import RpcClient  # kombu only where it is needed: liveness runs often
    client = RpcClient(owner="probe", timeout=timeout or config.rpc_timeout())
    try:
        with tracing.untraced():  # a probe every few seconds would bury the traces worth reading
            return client.call(service, "health", {}).get("status") == "ok"
    except Exception:
        return False
    finally:
        client.close()


def main(argv):
    if len(argv) != 3 or argv[1] not in ("alive", "ready"):
        print("usage: python -m estate_common.probe alive|ready SERVICE", file=sys.stderr)
        return 2
    check = alive if argv[1] == "alive" else ready
    return 0 if check(argv[2]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
