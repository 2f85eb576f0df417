"""A RabbitMQ node of the test run's own (own name, ports, data and log directories), which a test may stop,
start and restart without touching the machine's RabbitMQ that everyone else uses; and a cluster of such nodes."""

import contextlib
import itertools
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
        cookie_file = self.directory / ".erlang.cookie"
        cookie_file.write_text(cookie or uuid.uuid4().hex)
        cookie_file.chmod(0o400)
        self._config, self._management = config, management
        (self.directory / "enabled_plugins").write_text("[rabbitmq_management].\n" if management else "[].\n")
        self.node_up = self.app_up = self.ever_up = False
        self.env = {
            **os.environ,
            "HOME": str(self.directory),  # where the Erlang cookie is, for the node and rabbitmqctl alike
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_PID_FILE": str(self.directory / "node.pid"),
            "ERL_CRASH_DUMP": str(self.directory / "erl_crash.dump"),  # a failed start's dump: here, not in the cwd
        }
        self._pick_ports()

    def _pick_ports(self):
        """Ports for the node's AMQP listener, its Erlang distribution and its management plugin, into its config."""
        self.port = free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        lines = [f"listeners.tcp.local = 127.0.0.1:{self.port}", "loopback_users = none"]
        self.management_url = None
        if self._management:
            management_port = free_port()
            lines += [f"management.tcp.port = {management_port}", "management.tcp.ip = 127.0.0.1"]
            self.management_url = f"http://guest:guest@127.0.0.1:{management_port}/"
        (self.directory / "rabbitmq.conf").write_text("\n".join([*lines, self._config, ""]))
        self.env |= {"RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(free_port())}

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
        self._launch()
        if wait:
            self.wait()
        return self

    def _launch(self):
        subprocess.run(
            [_program("rabbitmq-server"), "-detached"], env=self.env, check=True, capture_output=True, timeout=60
        )

    def wait(self, attempts=3):
        """Wait until the node takes connections; on a busy machine `rabbitmqctl wait` can give up early, so it is
        asked again for up to three minutes.

        A node whose Erlang VM has ended meanwhile failed to start: at once an error with its log, except at its
        very first start, which picks new ports and starts it again. The node binds ports picked seconds before,
        which no test run takes in between (tests/support/ports.py) but another program may, and then it stops
        (its AMQP or management port taken: "eaddrinuse" in its log; its distribution port: silently)."""
        deadline = time.monotonic() + 180
        while True:
            try:
                self.ctl("wait", self.env["RABBITMQ_PID_FILE"], "--timeout", "15", timeout=60)
                break
            except subprocess.CalledProcessError as error:
                ended = not self._vm_running()  # asked once the CLI's wait failed, seconds after the launch
                if ended and not self.ever_up and attempts > 1:
                    attempts -= 1
                    self._set_log_aside()
                    self._pick_ports()
                    self._launch()
                    deadline = time.monotonic() + 180
                    continue
                if ended or time.monotonic() > deadline:
                    failure = "ended" if ended else "did not start"
                    raise RuntimeError(f"node {self.node} {failure}: {error.stderr}\n{self.log()}") from None
                time.sleep(1)
        self.node_up = self.app_up = self.ever_up = True

    def _vm_running(self):
        """True while this node's Erlang VM runs: a process booting RabbitMQ (`-s rabbit boot` on its command line,
        where the node's name is not: RabbitMQ names it later) with this node's name in its environment."""
        name = f"RABBITMQ_NODENAME={self.node}".encode()
        for process in Path("/proc").glob("[0-9]*"):
            with contextlib.suppress(OSError):
                booting = (b"rabbit", b"boot") in itertools.pairwise((process / "cmdline").read_bytes().split(b"\0"))
                if booting and name in (process / "environ").read_bytes().split(b"\0"):
                    return True
        return False

    def _set_log_aside(self):
        """Keep a failed first start's log (for the record) where `log()` no longer reads it."""
        log = self.directory / "log"
        if log.exists():
            log.rename(self.directory / f"log-failed-start-{uuid.uuid4().hex[:6]}")
        Path(self.env["RABBITMQ_PID_FILE"]).unlink(missing_ok=True)

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
