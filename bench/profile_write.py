"""Where a create's CPU goes (issue 15): not part of ``make bench``; run it alone.

``.venv/bin/python bench/profile_write.py [N]`` starts the system on a throw-away vhost, then

1. CPU per call of the real processes: N creates over HTTP one at a time, and N raw ``health``
   RPCs, with the gateway worker's and customer-service's CPU time (``/proc/<pid>/stat``, user +
   system) before and after; ms of CPU per call. On a shared machine CPU time moves far less
   than wall-clock time.
2. A cProfile of the gateway's Flask app in this process (its test client, the same RPC client,
   the real customer-service behind it) over N creates: the top entries by own and cumulative
   time. ``PROFILE_OUT=<file>`` keeps the raw profile.
"""
import cProfile
import io
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "gateway"))
import run_local  # noqa: E402
import write_path  # noqa: E402
from proc_cpu import broker_pid, children, cpu_of  # noqa: E402

from estate_common.rpc_client import RpcClient  # noqa: E402
from estate_common.topology import SERVICES  # noqa: E402
from estate_common.vhosts import fresh_vhost  # noqa: E402

# PROFILE_SERVICES=customer_service,archive: also cProfile those services, each into
# $PROFILE_DIR/<service>.prof (default /tmp/perf), printed at the end
PROFILED = [name for name in os.environ.get("PROFILE_SERVICES", "").split(",") if name]
PROFILE_DIR = Path(os.environ.get("PROFILE_DIR", "/tmp/perf"))


def _spawn_profiled(spawn):
    def wrapped(self, argv, cwd, env=None):
        for name in PROFILED:
            if SERVICES[name] in argv:
                argv = [argv[0], "-m", "cProfile", "-o", str(PROFILE_DIR / f"{name}.prof"), *argv[1:]]
        return spawn(self, argv, cwd, env)
    return wrapped


run_local.System._spawn = _spawn_profiled(run_local.System._spawn)


def per_call(pids, operation, count):
    pids = {name: pid for name, pid in pids.items() if pid is not None}
    before = {name: cpu_of(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    for index in range(count):
        operation(index)
    wall = (time.perf_counter() - started) / count * 1000
    return {"wall_ms": round(wall, 2),
            **{f"{name}_cpu_ms": round((cpu_of(pid) - before[name]) / count * 1000, 3)
               for name, pid in pids.items()}}


def main(count):
    password, jwt_secret, signing_key = (secrets.token_urlsafe(16), secrets.token_urlsafe(48),
                                         secrets.token_urlsafe(48))
    PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    with fresh_vhost("estate_profile") as amqp_uri:
        overrides = {"AMQP_URI": amqp_uri, "ESTATE_ADMIN_PASSWORD": password, "JWT_SECRET": jwt_secret,
                     "BUS_SIGNING_KEY": signing_key}
        with run_local.running_system(overrides, PROFILE_DIR / "profile_system.log") as system:
            service_pid = system.processes[list(SERVICES).index("customer_service")].pid
            gateway_pid = children(system.processes[len(SERVICES)].pid)[0]
            pids = {"gateway": gateway_pid, "customer_service": service_pid,
                    **{name: p.pid for name, p in zip(SERVICES, system.processes) if name != "customer_service"},
                    "rabbitmq": broker_pid()}
            gateway = write_path.Gateway(system.url, password)
            client = RpcClient(amqp_uri, timeout=5, owner="profile", signing_key=signing_key)
            for _ in range(50):  # warm both
                gateway.create_request()
                client.call("customer_service", "health", {})
            for round_ in range(3):
                rpc = per_call(pids, lambda _: client.call("customer_service", "health", {}), count)
                create = per_call(pids, gateway.create_request, count)
                direct = per_call(pids, lambda _: client.call(
                    "customer_service", "create_request", {"estate_id": gateway.estate, "data": gateway.request_body},
                    caller={"user": "usr_profile", "roles": ["operator_admin"], "estates": ["*"]}), count)
                print(f"round {round_}: raw health RPC {rpc}\n         create over HTTP {create}\n"
                      f"         create RPC direct {direct}", flush=True)
            client.close()

            os.environ.update(overrides)
            from gateway.app import create_app
            app = create_app({"amqp_uri": amqp_uri, "admin_password": password, "jwt_secret": jwt_secret})
            test = app.test_client()
            token = test.post("/api/v1/auth/token", json={"username": "admin", "password": password}).json
            headers = {"Authorization": f"Bearer {token['access_token']}"}

            def create(_=None):
                answer = test.post(gateway.requests_path, json=gateway.request_body, headers=headers)
                assert answer.status_code == 201, answer.data
            for _ in range(50):
                create()
            in_process = per_call({"this": os.getpid()}, create, count)
            print(f"in-process gateway app, create: {in_process}", flush=True)
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(count):
                create()
            profile.disable()
            if os.environ.get("PROFILE_OUT"):
                profile.dump_stats(os.environ["PROFILE_OUT"])
            for order in ("tottime", "cumulative"):
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats(order).print_stats(35)
                print(out.getvalue())
            app.extensions["estate_ops"].rpc.close()
    for name in PROFILED:
        out = io.StringIO()
        stats = pstats.Stats(str(PROFILE_DIR / f"{name}.prof"), stream=out)
        print(f"==== {name}")
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(rf"estate_common|{name}|nameko/(rpc|events|containers)", 40)
        print(out.getvalue())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
