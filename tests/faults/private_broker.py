"""A RabbitMQ node of our own, to stop and start without touching the shared one.

Its own node name, ports, data and log directories, configuration, Erlang cookie (its own
HOME) and no plugins (no management). Driven with rabbitmqctl like any node:
``broker.ctl("stop_app")``. Needs a local RabbitMQ installation (``rabbitmq-server``);
Debian's is under /usr/lib/rabbitmq/bin (its /usr/sbin wrappers would switch to the
``rabbitmq`` user and lose this environment).
"""
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from kombu import Connection

from estate_common.testing import load_file

free_port = load_file(Path(__file__).resolve().parents[2] / "scripts" / "run_local.py", "faults_run_local").free_port

DEBIAN_BIN = Path("/usr/lib/rabbitmq/bin")


def bin_dir():
    """Where rabbitmq-server and rabbitmqctl are, or None."""
    if (DEBIAN_BIN / "rabbitmq-server").exists():
        return DEBIAN_BIN
    found = shutil.which("rabbitmq-server")
    if found and "rabbitmq-script-wrapper" not in os.path.realpath(found):
        return Path(found).parent
    return None


class PrivateBroker:
    def __init__(self, base):
        self.bin = bin_dir()
        self.base = Path(base)
        self.node = f"estate-fault-{uuid.uuid4().hex[:8]}@localhost"
        self.port, self.dist_port = free_port(), free_port()
        self.process = None
        home = self.base / "home"
        for folder in (home, self.base / "mnesia", self.base / "log"):
            folder.mkdir(parents=True, exist_ok=True)
        (self.base / "rabbitmq.conf").write_text("log.console = false\nlog.file.level = warning\n"
                                                 "disk_free_limit.absolute = 50MB\n")
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "rabbitmq-env.conf").write_text("")  # not the system's (it names the shared node)
        self.env = dict(
            os.environ, HOME=str(home), RABBITMQ_NODENAME=self.node, RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port), RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"), RABBITMQ_LOG_BASE=str(self.base / "log"),
            RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(self.base / "advanced.config"),
            RABBITMQ_CONF_ENV_FILE=str(self.base / "rabbitmq-env.conf"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
        )

    @property
    def amqp_uri(self):
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def start(self, seconds=45):
        self.process = subprocess.Popen([str(self.bin / "rabbitmq-server")], env=self.env, cwd=self.base,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        self.wait_accepting(seconds)
        return self

    def wait_accepting(self, seconds=30):
        """Until an AMQP connection opens (the node and its app are up)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the private RabbitMQ node exited ({self.process.returncode}); "
                                   f"see {self.base / 'log'}")
            try:
                with Connection(self.amqp_uri, connect_timeout=1) as connection:
                    connection.ensure_connection(max_retries=1)
                return
            except Exception:  # not up yet
                time.sleep(0.3)
        raise RuntimeError(f"the private RabbitMQ node did not accept connections within {seconds} s")

    def ctl(self, *args):
        subprocess.run([str(self.bin / "rabbitmqctl"), "-q", "-n", self.node, *args], env=self.env,
                       check=True, capture_output=True, timeout=60)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # rabbitmq-server stops the node cleanly on TERM
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
