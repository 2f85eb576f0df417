"""What the scheduler daemon costs with 1,000 enabled jobs, and how soon an edit takes effect.

Runs a real `runscheduler` daemon (production settings, a scratch database, a scratch RabbitMQ vhost) for a window
with only the two required jobs (the baseline), then again with 1,000 more jobs on hourly crontabs spread over the
hour (about 17 fires a minute). Reports the daemon's CPU seconds and database queries per minute, each against the
baseline; then edits 20 jobs one after another and times each edit from its commit to the daemon's log line that
shows the new schedule (p50 and p95; the target is under 2 s). SQLite by default (the daemon reads the jobs'
revision every second); `--database-url` runs it on PostgreSQL (LISTEN/NOTIFY). Writes its block of
docs/benchmarks.md.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    REPO,
    add_vendor_options,
    load_average,
    machine,
    ms,
    percentiles,
    process_stat,
    production_env,
    reproduce,
    write_vendor_block,
)

SECTION = "Scheduler: 1,000 jobs as rows, and an edit's delay"
JOBS = 1000
EDITS = 20


def daemon_main(counts_path):
    """The child: the daemon with every database query counted, the count written to `counts_path` each second."""
    import django

    django.setup()
    from django.db.backends.signals import connection_created

    from scheduler.daemon import SchedulerDaemon

    lock = threading.Lock()
    total = [0]

    def count(execute, sql, params, many, context):
        with lock:
            total[0] += 1
        return execute(sql, params, many, context)

    def wrap(connection, **_):
        if count not in connection.execute_wrappers:  # one wrapper per connection object, which reconnects often
            connection.execute_wrappers.append(count)

    connection_created.connect(wrap, weak=False)

    def write_counts():
        while True:
            Path(counts_path).write_text(str(total[0]))
            time.sleep(0.2)

    threading.Thread(target=write_counts, daemon=True).start()
    daemon = SchedulerDaemon()
    signal.signal(signal.SIGTERM, daemon.request_stop)
    daemon.run()


class Daemon:
    def __init__(self, env, directory, name):
        self.log_path = Path(directory) / f"{name}.log"
        self.counts_path = Path(directory) / f"{name}.queries"
        self.log_file = self.log_path.open("w")
        self.popen = subprocess.Popen(
            [sys.executable, __file__, "--daemon", str(self.counts_path)],
            cwd=REPO,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    def log(self):
        return self.log_path.read_text()

    def wait_for(self, text, count=1, timeout=120.0):
        deadline = time.monotonic() + timeout
        while self.log().count(text) < count:
            if time.monotonic() > deadline or self.popen.poll() is not None:
                raise SystemExit(f"the daemon did not log {text!r}:\n{self.log()[-3000:]}")
            time.sleep(0.01)

    def sample(self):
        """(CPU seconds, queries) so far."""
        return process_stat(self.popen.pid).cpu, int(self.counts_path.read_text() or 0)

    def stop(self):
        self.popen.send_signal(signal.SIGTERM)
        self.popen.wait(timeout=30)
        self.log_file.close()


def measure(env, directory, name, window):
    """CPU seconds and queries per minute of a daemon over `window` seconds, once it has caught up."""
    daemon = Daemon(env, directory, name)
    daemon.wait_for("Caught up:")
    time.sleep(2)
    cpu0, queries0 = daemon.sample()
    time.sleep(window)
    cpu1, queries1 = daemon.sample()
    per_minute = 60 / window
    return daemon, (cpu1 - cpu0) * per_minute, (queries1 - queries0) * per_minute


def edit_delays(daemon):
    """Seconds from each edit's commit to the daemon's log line with the job's new schedule."""
    from scheduler import selectors, services

    delays = []
    for n in range(EDITS):
        name = f"bench-{n * 37 % JOBS:04}"
        crontab = f"{(n * 7 + 3) % 60} */2 * * *"
        marker = f"Job {name} ({crontab} (UTC))"
        services.job_update(job=selectors.job_get(name), crontab=crontab)
        committed = time.time()
        daemon.wait_for(marker, timeout=30)
        [line] = [line for line in daemon.log().splitlines() if marker in line]
        logged = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        delays.append(max(logged - committed, 0.0))
        time.sleep(0.3 + (n % 5) / 10)  # edits land at different phases of the daemon's one-second check
    return delays


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_vendor_options(parser)
    parser.add_argument("--window", type=float, default=60.0, help="seconds each daemon is measured for")
    parser.add_argument("--daemon", metavar="COUNTS_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.daemon:
        return daemon_main(args.daemon)

    from django_project.dbadmin import pg_execute
    from tests.support.rabbitmq import Vhost

    postgres = bool(args.database_url)
    vhost = Vhost(prefix="djangobin-bench").create()
    database = f"djangobin_bench_{uuid.uuid4().hex[:10]}"
    with tempfile.TemporaryDirectory() as directory:
        url = (
            args.database_url.rsplit("/", 1)[0] + "/" + database
            if postgres
            else f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        )
        if postgres:
            pg_execute(args.database_url, f'CREATE DATABASE "{database}"')
        try:
            env = production_env(url, RABBITMQ_URL=vhost.url, DJANGO_LOG_LEVEL="INFO")
            os.environ.update(env)
            import django

            django.setup()
            from django.core.management import call_command
            from django.db import transaction

            from scheduler import services

            call_command("migrate", verbosity=0)
            load_before = load_average()
            child_env = {**os.environ, **env}
            baseline, base_cpu, base_queries = measure(child_env, directory, "baseline", args.window)
            baseline.stop()
            with transaction.atomic():
                for n in range(JOBS):
                    services.job_create(
                        name=f"bench-{n:04}", actor="remove_snippets", crontab=f"{n % 60} * * * *", timezone="UTC"
                    )
            daemon, cpu, queries = measure(child_env, directory, "jobs", args.window)
            delays = edit_delays(daemon)
            daemon.stop()
        finally:
            vhost.delete()
            if postgres:
                pg_execute(args.database_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    vendor = "PostgreSQL" if postgres else "SQLite"
    p = percentiles(delays)
    print(f"{vendor}: baseline {base_cpu:.2f} CPU s/min, {base_queries:.0f} queries/min")
    print(f"{vendor}: {JOBS:,} jobs {cpu:.2f} CPU s/min ({cpu / base_cpu:.1f}x), {queries:.0f} queries/min")
    print(f"{vendor}: edit to effect p50 {ms(p['p50'])}, p95 {ms(p['p95'])}, max {ms(max(delays))}")
    if args.no_docs:
        return None
    intro = (
        "A real `runscheduler` with production settings, measured for a window with the two required jobs only "
        f"(baseline), then with {JOBS:,} more enabled jobs on hourly crontabs spread over the hour (about 17 fires a "
        f"minute); then {EDITS} edits, each timed from its commit to the daemon's log line with the new schedule. "
        "The target for an edit is under 2 s. `make bench-scheduler`."
    )
    block = "\n".join(
        [
            f"### {vendor} ({machine()}, {datetime.now():%Y-%m-%d}; load average {load_before:.2f} as it began)",
            "",
            "| daemon | CPU per minute | queries per minute |",
            "|---|---|---|",
            f"| 2 required jobs (baseline) | {base_cpu:.2f} s | {base_queries:,.0f} |",
            f"| + {JOBS:,} jobs | {cpu:.2f} s ({cpu / base_cpu:.1f}x) | {queries:,.0f} "
            f"({queries / max(base_queries, 1):.1f}x) |",
            "",
            f"Edit to effect ({EDITS} edits, {'LISTEN/NOTIFY' if postgres else 'a revision read every second'}): "
            f"p50 {ms(p['p50'])}, p95 {ms(p['p95'])}, max {ms(max(delays))}.",
            "",
            reproduce("python bench/scheduler.py", postgres),
            "",
        ]
    )
    write_vendor_block(SECTION, intro, block)
    return None


if __name__ == "__main__":
    main()
