"""How fast the project's worker drains mail, against a bare Dramatiq actor sending the same mails, same run.

N feedback mails go through RabbitMQ on loopback (a scratch virtual host per run) to a loopback SMTP sink (aiosmtpd
in a process of its own, counting what it accepts). Each run starts one worker process with 8 threads and times it
from "ready" until the sink has every mail, with the CPU time its processes used meanwhile:

- the project: `manage.py rundramatiq`, production settings, delivery ledger and task history on, on SQLite and
  on PostgreSQL (a scratch database each run);
- the baseline: a bare `dramatiq` actor (bench/mail_bare.py) sending the same rendered mails through Django's SMTP
  backend, a connection per mail as `EmailMessage.send()` does; and the floor: the same keeping one per thread.

The variants run back to back in each round, so they see the same machine load.

    .venv/bin/python bench/mail.py [--mails 2000] [--rounds 3] [--databases sqlite,postgresql]
"""

import argparse
import asyncio
import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, machine, process_table, write_section
from bench.load_cpu import tree_cpu
from django_project.dbadmin import pg_execute
from tests.support.ports import free_port
from tests.support.rabbitmq import Vhost

READY = "Worker process is ready for action"
THREADS = 8
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test"
ADMIN = "Site Admin <admin@example.com>"
HISTORYLESS = "bench.settings_without_history"
LOADS = []  # the machine's 1-minute load average as each run starts
WITHOUT_HISTORY = ", no task history"

RENDER = """
import json, sys
from django.conf import settings
from django.utils import timezone
from djangobin.models import Feedback
from djangobin.services.mail import feedback_mail_render
mails = []
for n in range({n}):
    feedback = Feedback(name="Ann", email="ann@example.com", purpose="bug", message=f"Bench mail {{n}}: " + "x" * 300,
                        created_on=timezone.now())
    subject, body = feedback_mail_render(feedback)
    mails.append({{
        "subject": settings.EMAIL_SUBJECT_PREFIX + subject,
        "body": body,
        "from_email": settings.SERVER_EMAIL, "to": [a for _, a in settings.ADMINS], "reply_to": [feedback.email],
    }})
open({path!r}, "w").write(json.dumps(mails))
"""

ENQUEUE = """
from djangobin.models import Feedback
from actors.mail import send_feedback_mail
feedbacks = Feedback.objects.bulk_create(
    Feedback(name="Ann", email="ann@example.com", purpose="bug", message=f"Bench mail {{n}}: " + "x" * 300)
    for n in range({n})
)
for feedback in feedbacks:
    send_feedback_mail.send(feedback.pk)
"""

COUNTS = """
from django.apps import apps
from delivery.models import DeliveredMessage
task = next(m for m in apps.get_models() if m.__name__ == "Task" and m._meta.app_label in ("taskhistory", "dashboard"))
delivered = DeliveredMessage.objects.filter(delivered_at__isnull=False).count()
print(delivered, task.objects.filter(status="succeeded").count())
"""


def sink(port, done_path):
    """Run an SMTP server that appends one byte to `done_path` per accepted mail, until SIGTERM."""
    from aiosmtpd.controller import Controller

    done = os.open(done_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            os.write(done, b".")
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = asyncio.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.is_set():
        time.sleep(0.1)
    controller.stop()


class ScratchDatabase:
    def __init__(self, kind, directory, pg_url):
        self.kind, self.name = kind, f"djangobin_bench_{uuid.uuid4().hex[:10]}"
        self._pg_url = pg_url
        self.url = (
            f"sqlite:///{directory / 'bench.sqlite3'}"
            if kind == "sqlite"
            else pg_url.rsplit("/", 1)[0] + "/" + self.name
        )

    def _admin(self, sql):
        pg_execute(self._pg_url, sql)

    def __enter__(self):
        if self.kind == "postgresql":
            self._admin(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc):
        if self.kind == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def project_env(database_url, vhost_url, smtp_port, settings="django_project.settings"):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": database_url,
        "RABBITMQ_URL": vhost_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DJANGO_ADMINS": ADMIN,
        "PYTHONUNBUFFERED": "1",
    }


def run(args, env):
    return subprocess.run(args, cwd=REPO, env=env, check=True, capture_output=True, text=True).stdout


def drain(worker_args, env, directory, mails):
    """Start a worker, time it from "ready" until the sink accepted `mails`; returns seconds and CPU seconds."""
    log_path, done = directory / "worker.log", directory / "done"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            worker_args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            while READY not in log_path.read_text():
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker did not start:\n{log_path.read_text()[-2000:]}")
                time.sleep(0.005)
            started, cpu_started = time.perf_counter(), tree_cpu(process_table(), [worker.pid])
            deadline = time.monotonic() + 600
            while not (done.exists() and done.stat().st_size >= mails):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker did not drain the queue:\n{log_path.read_text()[-2000:]}")
                time.sleep(0.005)
            finished, cpu_finished = time.perf_counter(), tree_cpu(process_table(), [worker.pid])
        finally:
            # The main process forwards SIGTERM to its worker processes: a second one would kill them.
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
    return {"seconds": finished - started, "cpu": cpu_finished - cpu_started, "sent": done.stat().st_size}


def one_run(variant, mails, mails_file, pg_url):
    LOADS.append(os.getloadavg()[0])
    vhost = Vhost(prefix="djangobin-bench").create()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        smtp = subprocess.Popen([sys.executable, __file__, "--sink", str(port), str(directory / "done")], cwd=REPO)
        try:
            time.sleep(0.5)
            if variant.startswith("project"):
                kind = variant.split()[1].rstrip(",")
                settings = HISTORYLESS if variant.endswith(WITHOUT_HISTORY) else "django_project.settings"
                with ScratchDatabase(kind, directory, pg_url) as database:
                    env = project_env(database.url, vhost.url, port, settings)
                    run([sys.executable, "manage.py", "migrate", "-v", "0"], env)
                    run([sys.executable, "manage.py", "shell", "-v", "0", "-c", ENQUEUE.format(n=mails)], env)
                    threads = ["--processes", "1", "--threads", str(THREADS)]
                    result = drain([sys.executable, "manage.py", "rundramatiq", *threads], env, directory, mails)
                    counts = run([sys.executable, "manage.py", "shell", "-v", "0", "-c", COUNTS], env)
                    delivered, recorded = counts.strip().splitlines()[-1].split()
                    result.update(delivered=int(delivered), recorded=int(recorded), history=settings != HISTORYLESS)
            else:
                env = {**os.environ, "BENCH_SMTP_PORT": str(port), "RABBITMQ_URL": vhost.url, "PYTHONUNBUFFERED": "1"}
                if variant == "bare, kept connection":
                    env["BENCH_KEEP_CONNECTION"] = "1"
                run([sys.executable, "bench/mail_bare.py", mails_file], env)
                worker = [sys.executable, "-m", "dramatiq", "--processes", "1", "--threads", str(THREADS)]
                result = drain([*worker, "bench.mail_bare"], env, directory, mails)
        finally:
            smtp.send_signal(signal.SIGTERM)
            smtp.wait(30)
            vhost.delete()
    return result


def render_mails(mails, path):
    env = project_env(f"sqlite:///{path.parent / 'render.sqlite3'}", "amqp://guest:guest@127.0.0.1:5672/", 25)
    run([sys.executable, "manage.py", "shell", "-v", "0", "-c", RENDER.format(n=mails, path=str(path))], env)


def summary(results, mails):
    rates = [mails / r["seconds"] for r in results]
    return {
        "min": min(rates),
        "median": statistics.median(rates),
        "cpu_ms": statistics.median(r["cpu"] / mails * 1000 for r in results),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--without-history", action="store_true", help="also run the project without task history")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--sink", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.sink:
        return sink(int(options.sink[0]), options.sink[1])

    databases = options.databases.split(",")
    variants = ["bare", "bare, kept connection", *(f"project {kind}" for kind in databases)]
    if options.without_history:
        variants += [f"project {kind}{WITHOUT_HISTORY}" for kind in databases]
    results = {variant: [] for variant in variants}
    with tempfile.TemporaryDirectory() as tmp:
        mails_file = Path(tmp) / "mails.json"
        render_mails(options.mails, mails_file)
        for n in range(options.rounds):
            for variant in variants:
                result = one_run(variant, options.mails, str(mails_file), options.pg_url)
                results[variant].append(result)
                extra = (
                    f", {result['delivered']} in the ledger, {result['recorded']} in the history"
                    if ("delivered" in result)
                    else ""
                )
                print(
                    f"round {n + 1} {variant:>22}: {result['sent']} mails in {result['seconds']:.2f} s "
                    f"({options.mails / result['seconds']:.0f}/s), {result['cpu'] / options.mails * 1000:.2f} ms CPU "
                    f"a mail{extra}",
                    flush=True,
                )

    stats = {variant: summary(rounds, options.mails) for variant, rounds in results.items()}
    ratios = {}
    for variant in (v for v in variants if v.startswith("project")):
        paired = [bare["seconds"] / own["seconds"] for bare, own in zip(results["bare"], results[variant], strict=True)]
        ratios[variant] = (min(paired), statistics.median(paired))
        print(f"{variant}: project / bare drain rate {min(paired):.2f} min, {statistics.median(paired):.2f} median")
    if options.no_write:
        return None

    rows = "\n".join(
        f"| {variant} | {s['min']:.0f} | {s['median']:.0f} | {s['cpu_ms']:.2f} |" for variant, s in stats.items()
    )
    verdicts = "\n".join(
        f"| {variant} | {low:.2f} | {mid:.2f} | "
        + ("—" if variant.endswith(WITHOUT_HISTORY) else ("meets" if low >= 0.6 else "MISSES"))
        + " |"
        for variant, (low, mid) in ratios.items()
    )
    complete = all(
        r["delivered"] == options.mails and r["recorded"] == (options.mails if r["history"] else 0)
        for variant, rounds in results.items()
        if variant.startswith("project")
        for r in rounds
    )
    write_section(
        "Mail drain",
        f"""
`bench/mail.py` (`make bench-mail`), run {dt.date.today()}: {options.mails:,} feedback mails through RabbitMQ on
loopback to a loopback SMTP sink (aiosmtpd, a process of its own), one worker process with {THREADS} threads, timed
from "ready" until the sink accepted every mail; CPU is the worker's processes' user + system time meanwhile.
The project runs `manage.py rundramatiq` with production settings, the delivery ledger and the task history on;
the baseline is a bare Dramatiq actor (`bench/mail_bare.py`, no database) sending the same rendered mails through
Django's SMTP backend, a connection per mail as `EmailMessage.send()` does; the floor keeps one per thread, as the
project does. {options.rounds} rounds, the variants back to back in each. Machine: {machine()}, 1-minute load
average {min(LOADS):.1f} to {max(LOADS):.1f} as the runs started; absolute rates move from run to run, so compare
the same-run ratios. A loaded machine slows the baseline's connection per mail (seven round trips to a sink that
waits for a core) more than the project's kept one, so a busier machine gives higher ratios.

| variant | mails/s, min | mails/s, median | CPU ms a mail (median) |
|---|---|---|---|
{rows}

| project / bare drain rate (each round's pair) | min | median | target 0.6 |
|---|---|---|---|
{verdicts}

Every project round had {"all" if complete else "NOT all"} {options.mails:,} mails recorded as delivered in the
ledger and (with the task history on) as succeeded in the history. What a project mail costs beyond the bare
actor's: the ledger's claim (one statement), reading the feedback (one SELECT, one fetch), rendering its two
templates, then the feedback's `mailed_at` update and the ledger's record (on PostgreSQL one transaction in one
round trip, which does not wait for the disk; on SQLite two commits, as a transaction over both cost 10-15 %; a kept
connection is health-checked only after a second idle, not before every message); the task history's writer
thread adds one upsert row and one attempt row a mail, batched every half second (on PostgreSQL each statement's
rows as one JSON parameter). The SMTP conversation itself is shorter than the baseline's: MAIL, RCPT and DATA on
the thread's kept connection, whose backend parses each distinct address once per process; the consumer thread
sends the acks that arrived while it was busy in one go.

Where the worker's CPU goes (2026-11-30, 9,000 mails, py-spy's samples of the thread holding the GIL, SQLite /
PostgreSQL): building the message and the SMTP conversation 26 / 25 % of all samples, the ledger's claim 7 / 7 %,
its record with the `mailed_at` update 10 / 8 %, reading the feedback 7 / 6 %, the templates 8 / 7 %, dramatiq's
middleware hooks 7 / 6 %, the acks 3 / 3 %, the history writer 4 / 5 %; the consumer thread's 15 / 10 % is
over-counted, as the profile also samples it while it waits in `poll` (from /proc it took 0.17-0.21 ms of CPU a
mail). The worker process is bound by its CPU, its threads sharing one GIL: at full drain it used about one core on
SQLite, and 0.87 on PostgreSQL, whose server took another 0.6 ms of CPU a mail on the same two cores.
""",
    )
    return None


if __name__ == "__main__":
    main()
