"""Start the whole system on this machine: the services, the gateway and the web console.

``make run`` calls this. Ctrl-C (or SIGTERM) stops everything cleanly.
Without MONGO_URI every process runs on its own embedded store (in memory).
The end-to-end tests start the system the same way (``start()``).
"""
import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "libs" / "estate_common"))
from estate_common import config, secrets_policy, vhosts  # noqa: E402
from estate_common.topology import SERVICES  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # when imported from elsewhere (tests, bench)
import upgrade_queues  # noqa: E402  (scripts/, beside this file)

BIN = Path(sys.executable).parent
# Linux's prctl(PR_SET_PDEATHSIG): loaded here, not in the forked child (no dlopen after a fork)
LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
PR_SET_PDEATHSIG = 1
# a fresh system on a slow, loaded 2-core machine (the suite's two shards side by side) took
# over 60 s once; a system that fails to start still fails, only later
READY_WAIT_SECONDS = 120


class System:
    """``with_console``: also start the web console (``make run`` and the browser tests do; the
    end-to-end API tests do not need it). ``component_env``: more variables for one component
    (``{"maintenance": {"AMQP_URI": ...}, "gateway": {...}}``), e.g. a broker user of its own."""

    def __init__(self, env, stdout=None, with_console=False, component_env=None):
        self.env = env
        self.component_env = component_env or {}
        self.stdout = stdout
        self.processes = []
        self.port = env["GATEWAY_PORT"]
        self.with_console = with_console
        self.console_port = env.get("CONSOLE_PORT", "8081")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def console_url(self):
        return f"http://127.0.0.1:{self.console_port}"

    def start(self):
        base = int(self.env.get("METRICS_PORT_BASE") or 0)  # make run: 9101.. on 127.0.0.1
        for offset, (name, target) in enumerate(SERVICES.items(), start=1):
            env = dict(self.env, METRICS_PORT=str(base + offset)) if base else dict(self.env)
            env.update(self.component_env.get(name, {}))
            self._spawn([str(BIN / "python"), "-m", "estate_common.serve", "--config", "config.yml", target],
                        ROOT / "services" / name, env)
        # from gateway/, so that "gateway" is the package, not the project folder of that name
        self._spawn([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "gateway.app:create_app()"], ROOT / "gateway",
                    {**self.env, **self.component_env.get("gateway", {})})
        if self.with_console:
            # the console only talks HTTP to the gateway: it gets the gateway's address, nothing else
            console_env = {**self.env, "CONSOLE_PORT": str(self.console_port), "GATEWAY_URL": self.url}
            self._spawn([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "console.app:create_app()"],
                        ROOT / "console", env=console_env)
        return self

    def _spawn(self, argv, cwd, env=None):
        self.processes.append(subprocess.Popen(argv, cwd=cwd, env=env or self.env, stdout=self.stdout,
                                               stderr=subprocess.STDOUT if self.stdout else None,
                                               start_new_session=True, preexec_fn=ends_with(os.getpid())))

    def wait_ready(self, seconds=READY_WAIT_SECONDS):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError("a process of the system exited during start-up")
            if self._answers(self.url + "/readyz") and (
                    not self.with_console or self._answers(self.console_url + "/healthz")):
                return
            time.sleep(0.5)
        raise RuntimeError(f"the system was not ready within {seconds} s")

    @staticmethod
    def _answers(url):
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def ends_with(starter):
    """(run in the forked child) kill it when ``starter`` ends, however it ends: a test stopped
    by pytest-timeout (whose thread method ends pytest with os._exit: no fixture's teardown runs) or
    a killed run left a whole system running, each process in a session of its own. Linux only;
    elsewhere a process outlives a killed starter, as before."""
    def preexec():
        if LIBC is not None:
            # SIGKILL: a nameko service stopping on SIGTERM waits for its broker connection, and one
            # whose vhost had gone (a killed run's, swept) kept retrying it for good
            LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != starter:  # it ended before the call above
                os._exit(1)
    return preexec


@contextlib.contextmanager
def running_system(overrides, log_path, ready_seconds=90, with_console=False, component_env=None):
    """The whole system for a test or a benchmark: started on free ports with ``overrides``
    (``AMQP_URI``: the caller's own vhost), its output in ``log_path``, stopped afterwards."""
    # no vhost comes or goes while a service declares its queues: each takes the suite's broker lock
    # for its container's start, and nothing holds it while the processes boot (vhosts.py)
    env = environment({"GATEWAY_PORT": str(free_port()), "CONSOLE_PORT": str(free_port()),
                       vhosts.LOCK_ENV: vhosts.LOCK_PATH, **overrides})
    with open(log_path, "wb") as log:
        running = None
        try:
            running = System(env, stdout=log, with_console=with_console, component_env=component_env).start()
            try:
                running.wait_ready(ready_seconds)
            except RuntimeError:
                print(Path(log_path).read_text(errors="replace")[-4000:])  # why it did not come up
                raise
            running.log_path = log_path
            yield running
        finally:
            if running is not None:
                running.stop()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(overrides=None):
    env = dict(os.environ)
    env.setdefault("GATEWAY_PORT", "8080")
    env.setdefault("CONSOLE_PORT", "8081")
    env.setdefault("JWT_SECRET", secrets.token_urlsafe(48))  # tokens last as long as this run
    env.setdefault("BUS_SIGNING_KEY", secrets.token_urlsafe(48))  # gateway and services share it
    env.setdefault("WEBHOOK_SECRETS_KEY", secrets.token_urlsafe(32))  # integrations seals webhook secrets with it
    env.setdefault("CONSOLE_SECRET_KEY", secrets.token_urlsafe(48))  # console sessions last as long as this run
    env.update(overrides or {})
    # the owner portal's page is the console's: QR codes and the gateway's /portal/<code> lead
    # there (with CONSOLE_PORT=18081 they led to 8081, where no console listened)
    env.setdefault("PORTAL_BASE_URL", f"http://127.0.0.1:{env['CONSOLE_PORT']}")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _local_broker(amqp_uri):
    return secrets_policy.is_loopback(urlparse(amqp_uri).hostname or "")


def old_queues_hold_events(amqp_uri, event_queue_type=None):
    """Whether an older estate-ops left classic event queues holding events on the local broker
    (the services would stop on them; empty ones are deleted: ``upgrade_queues``). When
    rabbitmqctl is not at hand or may not run (Debian's runs for root and rabbitmq only: a
    developer's own account got a traceback and no system, found by review) it says so and
    lets the system start. Under ``EVENT_QUEUE_TYPE=classic`` (``event_queue_type``; quorum unless
    told) the classic queues are the system's own: none is old."""
    if event_queue_type == "classic" or not (_local_broker(amqp_uri) and shutil.which("rabbitmqctl")):
        return False
    try:
        return bool(upgrade_queues.upgrade(amqp_uri))
    except (subprocess.CalledProcessError, OSError) as failed:
        print(f"estate-ops could not look for old classic event queues with rabbitmqctl ({failed}); "
              f"starting anyway", file=sys.stderr)
        return False


def main():
    env = environment()
    env.setdefault("METRICS_PORT_BASE", "9100")  # services' metrics on 127.0.0.1:9101-9106
    # webhooks may go to private and loopback addresses (local receivers): never in production
    env.setdefault("WEBHOOK_ALLOW_PRIVATE", "1")
    generated = not env.get("ESTATE_ADMIN_PASSWORD")
    if generated:
        env["ESTATE_ADMIN_PASSWORD"] = secrets.token_urlsafe(12)  # 16 characters, fresh for this run
    try:  # the gateway would refuse them too, less readably, among the logs of six processes
        secrets_policy.check_gateway({"jwt_secret": env["JWT_SECRET"], "admin_password": env["ESTATE_ADMIN_PASSWORD"],
                                      "amqp_uri": env.get("AMQP_URI") or config.DEFAULT_AMQP_URI})
    except secrets_policy.InsecureSecret as refused:
        print(f"estate-ops will not start: {refused}", file=sys.stderr)
        return 2
    if old_queues_hold_events(env.get("AMQP_URI") or config.DEFAULT_AMQP_URI, env.get("EVENT_QUEUE_TYPE")):
        return 1
    # the console is the owners' way in: the gateway takes the visitor's address from its
    # X-Forwarded-For, else every visitor shared the console's address and its portal limits (10
    # filings per window for everyone: found by a probe). The gateway's port is on 127.0.0.1:
    # a caller there names its own address, as under docker-compose (README).
    gateway_env = {"TRUSTED_PROXIES": env.get("TRUSTED_PROXIES") or "1"}
    system = System(env, with_console=True, component_env={"gateway": gateway_env}).start()
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        system.wait_ready()
    except RuntimeError as error:
        print(f"estate-ops failed to start: {error}", file=sys.stderr)
        system.stop()
        return 1
    password = env["ESTATE_ADMIN_PASSWORD"] if generated else "(from ESTATE_ADMIN_PASSWORD)"
    print(f"\nestate-ops is up: {system.url}  (docs: {system.url}/api/docs)\n"
          f"  web console: {system.console_url}\n"
          f"  operator admin: admin / {password}\n"
          f"  store: {'MongoDB' if env.get('MONGO_URI') else 'embedded, in memory: nothing is kept when it stops'}\n"
          f"  webhooks: WEBHOOK_ALLOW_PRIVATE={env['WEBHOOK_ALLOW_PRIVATE']}"
          f"{' (private and loopback targets allowed: local development only)' if env['WEBHOOK_ALLOW_PRIVATE'] == '1' else ''}\n"
          f"  Ctrl-C stops everything.\n", file=sys.stderr, flush=True)
    while not stopping and all(p.poll() is None for p in system.processes):
        time.sleep(0.5)
    if not stopping:
        print("a process of the system exited: stopping the rest", file=sys.stderr)
    print("stopping estate-ops...", file=sys.stderr)
    system.stop()
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
