"""A RabbitMQ node of the test run's own (own name, ports, data and log directories), which a test may stop,
start and restart without touching the machine's RabbitMQ that everyone else uses; and a cluster of such nodes."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from .ports import free_port

# Debian's /usr/sbin wrappers switch to the rabbitmq user and its home; the scripts behind them run as we are.
_DEBIAN_BIN = Path("/usr/lib/rabbitmq/bin")


def _program(name):
    local = _DEBIAN_BIN / name
    return str(local) if local.exists() else shutil.which(name)


def available():
    return _program("rabbitmq-server") is not None and _program("rabbitmqctl") is not None


class PrivateRabbitmq:
    def __init__(self, directory, *, node=None, cookie=None, config="", management=False):
        """`cookie` shared by the nodes of a cluster; `config` adds rabbitmq.conf lines; `management` turns on
        the management plugin on a port of its own (`management_url`)."""
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.node = node or f"djangobin-test-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        cookie_file = self.directory / ".erlang.cookie"
        cookie_file.write_text(cookie or uuid.uuid4().hex)
        cookie_file.chmod(0o400)
        lines = [f"listeners.tcp.local = 127.0.0.1:{self.port}", "loopback_users = none"]
        self.management_url = None
        if management:
            management_port = free_port()
            lines += [f"management.tcp.port = {management_port}", "management.tcp.ip = 127.0.0.1"]
            self.management_url = f"http://guest:guest@127.0.0.1:{management_port}/"
        (self.directory / "rabbitmq.conf").write_text("\n".join([*lines, config, ""]))
        (self.directory / "enabled_plugins").write_text("[rabbitmq_management].\n" if management else "[].\n")
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

    def start(self, wait=True):
        """Start the node (its data survives from an earlier start) and wait until it takes connections."""
        subprocess.run(
            [_program("rabbitmq-server"), "-detached"], env=self.env, check=True, capture_output=True, timeout=60
        )
        if wait:
            self.wait()
        return self

    def wait(self):
        """Wait until the node takes connections; on a busy machine `rabbitmqctl wait` can give up early, so it is
        asked again for up to three minutes."""
        deadline = time.monotonic() + 180
        while True:
            try:
                self.ctl("wait", self.env["RABBITMQ_PID_FILE"], "--timeout", "120", timeout=180)
                break
            except subprocess.CalledProcessError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"node {self.node} did not start: {error.stderr}\n{self.log()}") from None
                time.sleep(1)
        self.node_up = self.app_up = True

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

    def kill(self):
        """SIGKILL the node's Erlang VM, as a crash or a power cut would: no goodbye to clients or peers."""
        pid = int(Path(self.env["RABBITMQ_PID_FILE"]).read_text().strip())
        os.kill(pid, signal.SIGKILL)
        while Path(f"/proc/{pid}").exists() and "Z" not in _state(pid):
            time.sleep(0.05)
        self.node_up = self.app_up = False
        Path(self.env["RABBITMQ_PID_FILE"]).unlink(missing_ok=True)

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


def _state(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


class PrivateCluster:
    """Nodes of the test run's own joined into one RabbitMQ cluster (one Erlang cookie, their own names, ports and
    directories), started together; any of them may be killed and started again, and it rejoins by itself."""

    def __init__(self, directory, size=3, config=""):
        cookie = uuid.uuid4().hex
        name = f"djangobin-cluster-{uuid.uuid4().hex[:6]}"
        self.nodes = [
            PrivateRabbitmq(
                Path(directory) / f"node{n}",
                node=f"{name}-{n}@localhost",
                cookie=cookie,
                config=config,
                management=True,
            )
            for n in range(1, size + 1)
        ]

    def start(self):
        try:
            for node in self.nodes:
                node.start(wait=False)
            for node in self.nodes:
                node.wait()
            first = self.nodes[0]
            for node in self.nodes[1:]:
                node.ctl("stop_app")
                node.ctl("join_cluster", first.node)
                node.ctl("start_app")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        """Stop every node, also one whose start was not seen through (a failed start leaves it running)."""
        for node in self.nodes:
            if node.node_up or Path(node.env["RABBITMQ_PID_FILE"]).exists():
                with contextlib.suppress(subprocess.SubprocessError):
                    node.stop()

    def node_named(self, name):
        return next(node for node in self.nodes if node.node == name)

    def up(self):
        return next(node for node in self.nodes if node.node_up)

    def urls(self, vhost):
        """RABBITMQ_URL naming every node, for the virtual host `vhost`."""
        return ";".join(f"{node.url}{vhost}" for node in self.nodes)

    def management_urls(self):
        return ";".join(node.management_url for node in self.nodes)

    def add_vhost(self, name):
        self.up().add_vhost(name)
        return self.urls(name)

    def queues(self, vhost):
        """{queue name: {type, leader, members, online, messages}} as the cluster reports them."""
        out = self.up().ctl(
            "list_queues", "-p", vhost, "--formatter", "json", "name", "type", "leader", "members", "online", "messages"
        )
        return {queue.pop("name"): queue for queue in json.loads(out)}

    def running_nodes(self):
        status = json.loads(self.up().ctl("cluster_status", "--formatter", "json"))
        return sorted(status["running_nodes"])
