"""A RabbitMQ node of the test run's own (own name, ports, data and log directories), which a test may stop,
start and restart without touching the machine's RabbitMQ that everyone else uses."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

from .smtp import free_port

# Debian's /usr/sbin wrappers switch to the rabbitmq user and its home; the scripts behind them run as we are.
_DEBIAN_BIN = Path("/usr/lib/rabbitmq/bin")


def _program(name):
    local = _DEBIAN_BIN / name
    return str(local) if local.exists() else shutil.which(name)


def available():
    return _program("rabbitmq-server") is not None and _program("rabbitmqctl") is not None


class PrivateRabbitmq:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.node = f"djangobin-test-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        cookie = self.directory / ".erlang.cookie"
        cookie.write_text(uuid.uuid4().hex)
        cookie.chmod(0o400)
        (self.directory / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n"
        )
        (self.directory / "enabled_plugins").write_text("[].\n")
        self.node_up = self.app_up = False
        self.env = {
            **os.environ,
            "HOME": str(self.directory),  # where the Erlang cookie is, for the node and rabbitmqctl alike
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_PID_FILE": str(self.directory / "node.pid"),
        }

    def ctl(self, *args, timeout=120):
        return subprocess.run(
            [_program("rabbitmqctl"), "-q", "-n", self.node, *args],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        ).stdout

    def start(self):
        """Start the node (its data survives from an earlier start) and wait until it takes connections."""
        subprocess.run(
            [_program("rabbitmq-server"), "-detached"], env=self.env, check=True, capture_output=True, timeout=60
        )
        self.ctl("wait", self.env["RABBITMQ_PID_FILE"], "--timeout", "90")
        self.node_up = self.app_up = True
        return self

    def stop(self):
        """Stop the whole node, as a crash or an operator's restart would; durable data stays on disk."""
        self.ctl("stop")
        self.node_up = False
        Path(self.env["RABBITMQ_PID_FILE"]).unlink(missing_ok=True)

    def ensure_up(self):
        """Bring the node back after a test that stopped it (even one that failed half-way)."""
        if not self.node_up:
            self.start()
        elif not self.app_up:
            self.start_app()

    def restart(self):
        self.stop()
        self.start()

    def stop_app(self):
        """Close every client connection and refuse new ones, the node itself staying up (fast "RabbitMQ down")."""
        self.ctl("stop_app")
        self.app_up = False

    def start_app(self):
        self.ctl("start_app")
        self.app_up = True

    def add_vhost(self, name):
        self.ctl("add_vhost", name)
        self.ctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        return f"{self.url}{name}"

    def queue_depths(self, vhost):
        depths = {}
        out = self.ctl("list_queues", "-p", vhost, "--no-table-headers", "name", "messages")
        for line in out.splitlines():
            name, _, count = line.rpartition("\t")
            if name:
                depths[name] = int(count)
        return depths

    def log(self):
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in (self.directory / "log").glob("*.log"))
