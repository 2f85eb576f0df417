"""What the benchmark scripts share: production settings for a scratch run, and writing docs/benchmarks.md."""

import contextlib
import os
import platform
import re
import sys
import tempfile
import uuid
from pathlib import Path
from typing import NamedTuple

from django_project.dbadmin import pg_connect

TICK = os.sysconf("SC_CLK_TCK")

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "docs" / "benchmarks.md"
INTRO = """# Benchmarks

Each script under `bench/` measures one cost against a baseline taken in the same run, prints the ratio, and
rewrites its own section below. Figures depend on the machine and on what else runs on it: compare ratios, not
absolute times, between machines.
"""


def quantile(values, q):
    """The q-quantile (0 < q < 1) of `values`, interpolated between the two nearest samples (as
    statistics.quantiles' inclusive method); an infinite sample (a request that never finished) stays infinite."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    if ordered[high] == float("inf"):
        return ordered[high] if position > low else ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def percentiles(samples):
    """{"p50", "p95", "p99"} of `samples`: every bench reports its latencies with this one formula."""
    return {name: quantile(samples, q) for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))}


def ms(seconds, *, digits=1, unit=True):
    """Seconds as milliseconds for a table or a sentence ("12.3 ms"); "-" for a request that never finished."""
    if seconds == float("inf"):
        return "-"
    return f"{seconds * 1000:,.{digits}f}" + (" ms" if unit else "")


def load_average():
    """The machine's 1-minute load average: a bench records it with figures that only a quiet machine makes true."""
    return os.getloadavg()[0]


def machine():
    """The Python and core count a run measured on, for a section's text."""
    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores"


class ProcessStat(NamedTuple):
    """One process as /proc/PID/stat tells: CPU seconds are user + system, every thread."""

    parent: int
    name: str
    cpu: float
    reaped_cpu: float  # of its children that ended and were waited for


def _process_stat(path):
    try:
        head, tail = path.read_text().rsplit(")", 1)
    except (OSError, ValueError):
        return None  # ended while being read
    fields = tail.split()
    utime, stime, cutime, cstime = (int(value) / TICK for value in fields[11:15])
    return ProcessStat(int(fields[1]), head.split(" (", 1)[1], utime + stime, cutime + cstime)


def process_stat(pid):
    """Process `pid` now (a ProcessStat), or None once it ended."""
    return _process_stat(Path(f"/proc/{pid}/stat"))


def process_table():
    """{pid: ProcessStat} of every process now."""
    return {int(path.parent.name): stat for path in Path("/proc").glob("[0-9]*/stat") if (stat := _process_stat(path))}


def cpu_seconds(pids):
    """User + system CPU seconds of the living processes `pids`."""
    return sum(stat.cpu for pid in pids if (stat := process_stat(pid)))


def database_backends(url, name):
    """The pids of the PostgreSQL backends connected to the database `name`, asked through `url`."""
    with pg_connect(url, autocommit=True) as connection:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]).fetchall()
    return [pid for (pid,) in rows]


def production_env(database_url, **extra):
    """Environment for production settings (DEBUG off, so no query log) on `database_url`, plus `extra`."""
    return {
        "DJANGO_SETTINGS_MODULE": "django_project.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + uuid.uuid4().hex * 2,
        "EMAIL_HOST": "127.0.0.1",  # production settings require one; a bench that mails sets its port
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        **extra,
    }


@contextlib.contextmanager
def scratch_django():
    """(vhost, directory): a RabbitMQ virtual host and a temporary directory of the run's own, with Django set up on
    them (setup_django); both are gone afterwards."""
    from tests.support.rabbitmq import Vhost

    vhost = Vhost(prefix="djangobin-bench").create()
    try:
        with tempfile.TemporaryDirectory() as directory:
            setup_django(vhost.url, directory)
            yield vhost, directory
    finally:
        vhost.delete()


def setup_django(amqp_url, directory):
    """Production settings in this process on a scratch SQLite database and the scratch vhost; migrated."""
    os.environ.update(
        production_env(
            f"sqlite:///{Path(directory) / 'bench.sqlite3'}",
            DJANGO_ALLOWED_HOSTS="testserver",
            DJANGO_SECURE_COOKIES="0",
            DJANGO_HSTS_SECONDS="0",
            RABBITMQ_URL=amqp_url,
            DJANGO_STATIC_ROOT=str(directory),
            DJANGO_RATELIMIT="0",  # hundreds of POSTs from one address are the point here, not abuse
        )
    )
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages link hashed names when DEBUG is off


def _read():
    BENCHMARKS.parent.mkdir(exist_ok=True)
    return BENCHMARKS.read_text() if BENCHMARKS.exists() else INTRO


def write_section(title, body):
    """Replace (or add) the `## title` section of docs/benchmarks.md, leaving other scripts' sections alone."""
    text = _read()
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    BENCHMARKS.write_text(text)
    print(f"Written to {BENCHMARKS.relative_to(REPO)} (section {title!r}).")


def add_vendor_options(parser):
    """The options of a bench that runs on SQLite or on a PostgreSQL server: --database-url and --no-docs."""
    parser.add_argument("--database-url", help="a PostgreSQL server URL; default: SQLite in a temporary directory")
    parser.add_argument("--no-docs", action="store_true", help=f"do not write the results into {BENCHMARKS.name}")


def reproduce(command, postgres):
    """The "Reproduce:" line closing a vendor block, with the server URL elided on PostgreSQL."""
    return f"Reproduce: `{command}" + (" --database-url postgres://…`." if postgres else "`.")


def write_vendor_block(title, intro, block):
    """Replace the block of one database vendor (`### <vendor> (…)` first line; what follows the vendor's name, such
    as the date, may differ) in the `## title` section, keeping the other vendors' blocks, SQLite's first."""
    current = _read()
    heading = f"## {title}"
    head, found, rest = current.partition(heading + "\n")
    following = rest.find("\n## ") if found else -1
    section, tail = (rest[:following], rest[following:]) if following >= 0 else (rest, "")
    blocks = {}
    for chunk in section.split("\n### ")[1:]:
        blocks[chunk.split(" ", 1)[0]] = "### " + chunk.strip("\n") + "\n"
    blocks[block.removeprefix("### ").split(" ", 1)[0]] = block
    ordered = sorted(blocks.items(), key=lambda item: not item[0].startswith("SQLite"))
    text = f"{heading}\n\n{intro}\n\n" + "\n".join(body for _, body in ordered)
    if not found:
        head = head.rstrip("\n") + "\n\n"
    BENCHMARKS.write_text(head + text + tail)
    print(f"Written to {BENCHMARKS.relative_to(REPO)} (section {title!r}).")
