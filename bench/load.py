"""Load on the whole system: gunicorn with several workers, rundramatiq processes, PostgreSQL and RabbitMQ (a private
3-node cluster with quorum queues, or one node with classic queues), driven over HTTP on loopback by an open-loop
mix of page views, pastes, contact forms and sign-ups at fixed rates for a fixed time each.

For each rate: per endpoint p50/p95/p99 and errors, requests/s, mails/s and the delay from POST to the mail in the
SMTP sink (aiosmtpd on loopback), and the CPU each part used; after all rates, every mail is checked to have
arrived (zero loss). The highest rate held (views, pastes and contact forms at p95 under 500 ms, no error
anywhere) is reported, then how mail delivery scales from one worker process to two (a backlog drained by one
`rundramatiq`, then by two). Rewrites the "Load: the whole system" section of docs/benchmarks.md.

    .venv/bin/python bench/load.py [--broker cluster,single] [--rates 2,4,6,8,12,16,24] [--seconds 15]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import cpu_seconds, database_backends, machine, quantile, write_section
from bench.common import ms as ms_common
from bench.load_traffic import (
    MAX_IN_FLIGHT,
    MIX,
    PASSWORD,
    Site,
    TimedHandler,
    mail_delays,
    mail_key,
    run_rate,
    summarize,
)
from tests.support.ports import free_port
from tests.support.rabbitmq import Vhost
from tests.support.smtp import SmtpServer
from tests.support.system import REPO, System, wait_for_http
from tests.support.web import WebClient


def ms(seconds):
    """Whole milliseconds, without the unit: the table's header names it."""
    return ms_common(seconds, digits=0, unit=False)


SECTION = "Load: the whole system"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
P95_LIMIT = 0.5
# A sign-up's floor is the production password hasher (PBKDF2), measured and reported beside it: the rate held is
# judged on the other endpoints' p95, and on errors everywhere.
JUDGED = ("view", "paste", "contact")


def pbkdf2_seconds():
    """Median time of one password hash with the production hasher, in this process."""
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher, samples = PBKDF2PasswordHasher(), []
    for _ in range(5):
        started = time.perf_counter()
        hasher.encode(PASSWORD, hasher.salt())
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


class Deployment:
    """The whole system on one broker: its RabbitMQ, a scratch PostgreSQL database, gunicorn and the SMTP sink."""

    def __init__(self, broker, directory, web_workers):
        self.broker = broker
        self.directory = Path(directory)
        self.smtp = SmtpServer()
        self.smtp.handler = TimedHandler()
        self.smtp.start()
        self.cluster = self.vhost = self.system = None
        self.workers = []
        try:
            self._start(broker, web_workers)
        except BaseException:
            self.close()  # a half-started deployment leaves no RabbitMQ node or database behind
            raise

    def _start(self, broker, web_workers):
        env = {}
        if broker == "cluster":
            from tests.support.private_rabbitmq import PrivateCluster

            self.cluster = PrivateCluster(self.directory / "cluster")
            self.cluster.start()
            url = self.cluster.add_vhost("bench")
            env = {"RABBITMQ_QUEUE_TYPE": "quorum"}
        else:
            self.vhost = Vhost("djangobin-bench").create()
            url = self.vhost.url
        os.environ["DATABASE_URL"] = DATABASE_URL  # System makes a scratch database on this server
        env |= {
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "DJANGO_STATIC_ROOT": str(self.directory / "static"),
        }
        self.system = System(self.directory / "system", url, smtp=self.smtp, env=env)
        self.system.manage("collectstatic", "--noinput", "-v", "0")
        port = free_port()
        argv = [GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers", str(web_workers), "django_project.wsgi"]
        self.web = self.system.start_program("web", argv, env={"DJANGO_LOG_LEVEL": "WARNING"})
        self.web.base_url = f"http://127.0.0.1:{port}"
        wait_for_http(WebClient(self.web.base_url), "/about/", self.web)

    def start_workers(self, count, threads=8):
        for _ in range(count):
            self.workers.append(self.system.start_worker(processes=1, threads=threads))

    def stop_workers(self):
        for worker in self.workers:
            worker.stop()
        self.workers = []

    def cpu(self):
        """CPU seconds used so far by each part: web, workers, RabbitMQ (private nodes only), PostgreSQL backends."""
        parts = {
            "web": [self.web.popen.pid, *self.web.descendants()],
            "workers": [pid for worker in self.workers for pid in (worker.popen.pid, *worker.descendants())],
        }
        if self.cluster:
            parts["rabbitmq"] = [
                int(Path(node.env["RABBITMQ_PID_FILE"]).read_text()) for node in self.cluster.nodes if node.node_up
            ]
        parts["postgresql"] = database_backends(DATABASE_URL, self.system.database.name)
        return {name: cpu_seconds(pids) for name, pids in parts.items()}

    def close(self):
        if self.system:
            self.system.stop()
        self.smtp.stop()
        if self.cluster:
            self.cluster.stop()
        if self.vhost:
            self.vhost.delete()


def wait_for_mails(handler, keys, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if keys <= {mail_key(record) for record in list(handler.messages)}:
            return True
        time.sleep(0.2)
    return False


def drain_rate(deployment, site, count, workers):
    """Post `count` contact forms with no worker running, then time how fast `workers` processes deliver them."""
    deployment.stop_workers()
    base = 10_000_000 * workers
    keys = set()
    for n in range(count):
        status, key = site.do("contact", base + n)
        if status == 302:
            keys.add(key)
    deployment.start_workers(workers)
    if not wait_for_mails(deployment.smtp.handler, keys, timeout=300):
        raise SystemExit(f"{workers} worker process(es) did not deliver the backlog within 300 s")
    handler = deployment.smtp.handler
    arrivals = [
        at
        for record, at in zip(list(handler.messages), list(handler.arrivals), strict=False)
        if mail_key(record) in keys
    ]
    return (len(arrivals) - 1) / (max(arrivals) - min(arrivals))  # from the first mail: worker start-up left out


def bench_broker(broker, rates, seconds, web_workers, backlog):
    with tempfile.TemporaryDirectory(prefix="djangobin-load-") as directory:
        deployment = Deployment(broker, directory, web_workers)
        try:
            deployment.start_workers(2)
            site = Site(deployment.web.base_url)
            for n in range(20):  # some snippets to view, and every code path warmed up once
                site.do("paste", n)
            steps, posted_all, counter = [], [], 1000
            for rate in rates:
                cpu_before, clock = deployment.cpu(), time.monotonic()
                results, posted, achieved = run_rate(site, rate, seconds, counter)
                cpu_after, elapsed = deployment.cpu(), time.monotonic() - clock
                cpu = {part: (cpu_after[part] - cpu_before.get(part, 0.0)) / elapsed for part in cpu_after}
                counter += int(rate * seconds) + 1
                rows = summarize(results)
                held = not any(row["errors"] for row in rows.values()) and all(
                    row["p95"] < P95_LIMIT for kind, row in rows.items() if kind in JUDGED
                )
                steps.append(
                    {"rate": rate, "achieved": achieved, "rows": rows, "held": held, "posted": posted, "cpu": cpu}
                )
                posted_all += posted
                p95s = ", ".join(f"{kind} p95 {ms(row['p95'])} ms" for kind, row in rows.items())
                print(f"[{broker}] {rate}/s: held={held}, {p95s}", flush=True)
                if not held:
                    break
            expected = {key for key, _ in posted_all}
            complete = wait_for_mails(deployment.smtp.handler, expected, timeout=180)
            for step in steps:  # now that every mail had its time to arrive
                step["delays"], step["mails_per_second"] = mail_delays(deployment.smtp.handler, step["posted"])
            received = Counter(mail_key(record) for record in list(deployment.smtp.handler.messages))
            lost = len(expected - set(received))
            duplicates = sum(count - 1 for key, count in received.items() if key in expected and count > 1)
            one = drain_rate(deployment, site, backlog, 1)
            two = drain_rate(deployment, site, backlog, 2)
        finally:
            deployment.close()
    return {
        "steps": steps,
        "lost": lost,
        "complete": complete,
        "duplicates": duplicates,
        "drain": (one, two),
        "hash": pbkdf2_seconds(),
    }


def report(outcomes, seconds, web_workers, backlog):
    lines = [
        f"`bench/load.py` ({machine()}; PostgreSQL; gunicorn with {web_workers} sync workers; two `rundramatiq` "
        f"processes of 8 threads; SMTP sink on loopback). Open loop: requests start on schedule whether or not "
        f"earlier ones finished (at most {MAX_IN_FLIGHT} in flight), {seconds} s per rate, latency measured from "
        "each request's planned start. Mix: "
        + ", ".join(f"{weight} % {kind}" for kind, weight in MIX)
        + " (views alternate the home page and a snippet page; sign-ups hash their password with the production "
        "hasher; rate limits off). The machine was shared with other jobs while this ran: compare figures within a "
        "run, not across runs.",
        "",
    ]
    for broker, outcome in outcomes.items():
        label = "3-node cluster, quorum queues" if broker == "cluster" else "one node, classic queues"
        lines += [f"### RabbitMQ: {label}", ""]
        lines += [
            "| rate asked | req/s done | endpoint | n | p50 ms | p95 ms | p99 ms | errors | mails/s "
            "| POST→mail p50 / p95 ms |",
            "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for step in outcome["steps"]:
            delays = step["delays"]
            delay = f"{ms(statistics.median(delays))} / {ms(quantile(delays, 0.95))}" if delays else "-"
            step_cells = [f"{step['rate']:g}", f"{step['achieved']:.1f}"]
            mail_cells = [f"{step['mails_per_second']:.1f}", delay]
            for i, (kind, row) in enumerate(step["rows"].items()):
                first = i == 0
                cells = [
                    *(step_cells if first else ["", ""]),
                    kind,
                    str(row["n"]),
                    ms(row["p50"]),
                    ms(row["p95"]),
                    ms(row["p99"]),
                    str(row["errors"]),
                    *(mail_cells if first else ["", ""]),
                ]
                lines.append("| " + " | ".join(cells) + " |")
        held = [step["rate"] for step in outcome["steps"] if step["held"]]
        one, two = outcome["drain"]
        parts = list(outcome["steps"][0]["cpu"])
        lines += [
            "",
            "CPU used while each rate ran, in cores busy (1.0 = one core all the time), and in CPU milliseconds per "
            "request done:",
            "",
            "| rate asked | " + " | ".join(parts) + " |",
            "|---:|" + "---:|" * len(parts),
        ]
        for step in outcome["steps"]:
            busy = step["cpu"]
            cells = [f"{busy[part]:.2f} ({busy[part] / step['achieved'] * 1000:.0f} ms)" for part in parts]
            lines.append(f"| {step['rate']:g} | " + " | ".join(cells) + " |")
        lines += [
            "",
            f"- Highest rate held (views, pastes and contact forms at p95 < 500 ms, no error on any endpoint): "
            f"**{max(held) if held else 'none'} requests/s**"
            + (f" ({max(held) * (1 - dict(MIX)['view'] / 100):.1f} writes/s)" if held else "")
            + f". A sign-up's floor is one PBKDF2 password hash: {ms(outcome['hash'])} ms in this run.",
            f"- Loss: {outcome['lost']} of the mails asked for missing after the run "
            f"({'all arrived' if outcome['complete'] else 'NOT all arrived'}), {outcome['duplicates']} duplicate(s).",
            f"- Mail delivery with a backlog of {backlog} contact mails: one worker process {one:.1f} mails/s, two "
            f"{two:.1f} mails/s (x{two / one:.2f}).",
            "",
        ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", default="cluster,single", help="cluster, single, or both (comma-separated)")
    parser.add_argument("--rates", default="2,4,6,8,12,16,24", help="requests per second to try, in order")
    parser.add_argument("--seconds", type=int, default=20, help="how long each rate runs (at most 120)")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--backlog", type=int, default=200, help="mails drained by one, then two worker processes")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    rates = [float(rate) for rate in args.rates.split(",")]
    seconds = min(args.seconds, 120)
    outcomes = {}
    for broker in args.broker.split(","):
        outcomes[broker] = bench_broker(broker, rates, seconds, args.web_workers, min(args.backlog, 2000))
    text = report(outcomes, seconds, args.web_workers, min(args.backlog, 2000))
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    if any(outcome["lost"] for outcome in outcomes.values()):
        raise SystemExit("mail was lost")


if __name__ == "__main__":
    os.chdir(REPO)
    main()
