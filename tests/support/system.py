"""A scratch djangobin for integration tests: its own database, RabbitMQ vhost and SMTP server, run by real
`manage.py` processes (web server, `rundramatiq` workers) exactly as an operator starts them."""

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django_project.dbadmin import pg_execute

from .ports import free_port
from .web import WebClient

REPO = Path(__file__).resolve().parents[2]
READY_LINE = "Worker process is ready for action"
# What runserver says when its port is bound already.
PORT_TAKEN = "That port is already in use"


class Process:
    def __init__(self, name, args, env, log_path, cwd=REPO):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115  (kept open for the life of the process)
        self.popen = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self):
        return Path(self.log_path).read_text(errors="replace")

    def wait_for_log(self, text, timeout=60.0, count=1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log().count(text) >= count:
                return
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not log {text!r} within {timeout} s:\n{self.log()[-3000:]}")

    def descendants(self):
        """Process ids of every living process this one started, however deep (read from /proc)."""
        children = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                pid, rest = stat.read_text().split(" ", 1)
                ppid = int(rest.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(pid))
        found, todo = [], [self.popen.pid]
        while todo:
            for child in children.get(todo.pop(), []):
                found.append(child)
                todo.append(child)
        return found

    def signal(self, signum):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def kill(self):
        """SIGKILL the whole process group: no clean-up, no acks, as in a crash."""
        self.signal(signal.SIGKILL)
        self.popen.wait(timeout=30)
        self._log.close()

    def stop(self, timeout=30.0):
        """SIGTERM to the main process only, as systemd's KillMode=mixed does: dramatiq, gunicorn and honcho pass it
        on to their children (SIGTERM to the whole group reached each twice, and a dramatiq worker process takes a
        second one as "kill now"); our other commands are one process. Once it has exited, or after `timeout`,
        whatever is left of the group is SIGKILLed."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self.signal(signal.SIGKILL)  # any child the main process left behind
        self._log.close()


class ScratchDatabase:
    """A fresh database per system, copied from one that `migrate` built once per test run (running the migrations
    for each system took seconds): a SQLite file, or a PostgreSQL database when DATABASE_URL names one."""

    _templates = {}  # (DATABASE_URL, checkout) of the test run -> its migrated template (a path, or a database name)

    def __init__(self, directory, repo=REPO):
        base = os.environ.get("DATABASE_URL", "")
        self._key = (base, str(repo))  # another checkout (a bench's baseline) may have other migrations
        self._pg = base.startswith(("postgres://", "postgresql://"))
        self._base = base
        if self._pg:
            self.name = f"djangobin_it_{uuid.uuid4().hex[:12]}"
            self.url = _pg_url(base, self.name)
        else:
            self.path = Path(directory) / "djangobin.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def create(self, migrate):
        """Create this database from the migrated template; `migrate(url)` builds the template the first time."""
        template = self._templates.get(self._key)
        if template is None:
            template = self._templates[self._key] = self._template(migrate)
        if self._pg:
            pg_execute(self._base, f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
        else:
            with (
                contextlib.closing(sqlite3.connect(template)) as source,
                contextlib.closing(sqlite3.connect(self.path)) as target,
            ):
                source.backup(target)
        return self

    def _template(self, migrate):
        if self._pg:
            name = f"djangobin_it_template_{uuid.uuid4().hex[:12]}"
            pg_execute(self._base, f'CREATE DATABASE "{name}"')
            try:
                migrate(_pg_url(self._base, name))
            except BaseException:
                pg_execute(self._base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                raise
            return name
        path = Path(tempfile.mkdtemp(prefix="djangobin-template-")) / "djangobin.sqlite3"
        migrate(f"sqlite:///{path}")
        return path

    @classmethod
    def drop_templates(cls):
        """Remove the templates of this test run (pytest_sessionfinish calls this)."""
        for (base, _), template in cls._templates.items():
            if base.startswith(("postgres://", "postgresql://")):
                pg_execute(base, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            else:
                shutil.rmtree(Path(template).parent, ignore_errors=True)
        cls._templates.clear()

    def drop(self):
        if self._pg:
            pg_execute(self._base, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _pg_url(base, name):
    return base.rsplit("/", 1)[0] + "/" + name


class System:
    """`repo` is the checkout whose code runs: this one, or another commit's (bench/load.py's baseline)."""

    def __init__(self, directory, rabbitmq_url, smtp=None, env=None, repo=REPO):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.repo = Path(repo)
        self.database = ScratchDatabase(self.directory, repo)
        self.processes = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "django_project.settings",
            "DJANGO_DEBUG": "1",
            "DJANGO_SECRET_KEY": "integration-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_ADMINS": "Site Admin <admin@example.com>",
            "DATABASE_URL": self.database.url,
            "RABBITMQ_URL": rabbitmq_url,
            "PYTHONUNBUFFERED": "1",
            "DJANGO_RATELIMIT": "0",  # many sign-ups from one address are what tests do; tests of limits turn it on
            **(smtp.env() if smtp else {}),
            **(env or {}),
        }
        self.database.create(
            migrate=lambda url: self.manage("migrate", "--noinput", "-v", "0", env={"DATABASE_URL": url})
        )

    def manage(self, *args, check=True, timeout=120, env=None):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.repo,
            env={**self.env, **(env or {})},
            check=check,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def shell(self, code):
        """Run Python inside the project (`manage.py shell -c`) and return what it printed."""
        return self.manage("shell", "-v", "0", "-c", code).stdout.strip()

    def start(self, name, *args, env=None):
        """Start `manage.py *args` in the background, its output logged to a file of this system's."""
        return self.start_program(name, [sys.executable, "manage.py", *args], env=env)

    def start_program(self, name, argv, env=None):
        """Start any program (gunicorn, honcho …) in the repository with this system's environment."""
        log_path = self.directory / f"{name}-{len(self.processes)}.log"
        process = Process(name, argv, {**self.env, **(env or {})}, log_path, cwd=self.repo)
        self.processes.append(process)
        return process

    def start_worker(self, processes=1, threads=2, queues=()):
        args = ["rundramatiq", "--processes", str(processes), "--threads", str(threads)]
        if queues:
            args += ["--queues", *queues]
        worker = self.start("worker", *args)
        worker.wait_for_log(READY_LINE, count=processes)
        return worker

    def start_web(self, server="runserver", ready_path="/about/"):
        """Start the web server (`runserver`, or `gunicorn` as in production) and wait until `ready_path` is 200."""

        def start(port):
            if server == "gunicorn":
                gunicorn = Path(sys.executable).with_name("gunicorn")
                argv = [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "django_project.wsgi"]
                return self.start_program("web", argv)
            return self.start("web", "runserver", "--noreload", f"127.0.0.1:{port}")

        web, port = serving(start, ready_path)
        web.base_url = f"http://127.0.0.1:{port}"
        return web

    def client(self, web):
        return WebClient(web.base_url)

    def stop(self):
        for process in reversed(self.processes):
            process.stop()
        self.database.drop()

    def logs(self):
        return "\n".join(f"--- {p.name}\n{p.log()[-4000:]}" for p in self.processes)


def serving(start, ready_path, attempts=3):
    """(process, port): `start(port)` started on a free port and answering 200 at `ready_path`.

    The server binds a port picked a moment before in this process, which no test run takes in between (see
    tests/support/ports.py) but another program on the machine may: runserver then exits at once, saying so, and is
    started again on another port. (gunicorn waits for a taken port by itself.)"""
    for attempt in range(1, attempts + 1):
        port = free_port()
        process = start(port)
        try:
            wait_for_http(WebClient(f"http://127.0.0.1:{port}"), ready_path, process)
            return process, port
        except RuntimeError:
            if attempt == attempts or process.popen.poll() is None or PORT_TAKEN not in process.log():
                raise


def wait_for_http(client, path, process, timeout=60.0):
    """Wait until `process` answers 200 at `path`; fail with its log if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if client.get(path, timeout=2).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} did not answer 200 at {path}:\n{process.log()[-3000:]}")
        time.sleep(0.1)


def alive(pid):
    """True while `pid` is a running process (a zombie awaiting its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def have_rabbitmqctl():
    return shutil.which("rabbitmqctl") is not None
