"""Load on the whole system near its CPU limit: gunicorn, rundramatiq processes, PostgreSQL and RabbitMQ on one
machine, driven over HTTP on loopback by an open-loop mix shaped like a pastebin's traffic, beside the code of a
baseline commit started the same way in the same run.

1. Each endpoint of the mix alone, at a modest rate: its CPU a request across every process (web, workers,
   RabbitMQ, PostgreSQL, this load generator), read from /proc. Combined by the mix's shares, against the
   machine's cores, they give the mix's CPU limit: cores / sum(share_i x cpu_i).
2. A ladder of rates (shares of that limit) that stops at the first failing rate, then two bisections, for each
   web worker model asked (`--web`), then for the baseline. A rate is held when every endpoint's p95 is under
   500 ms, nothing failed, and every mail it asked for arrived.
3. Page views' p95 with and without a burst of 5 sign-ups a second (each one PBKDF2 hash).
4. Mail delivery from a backlog, by one worker process, then two.

The figures are written into docs/benchmarks.md (and docs/scaling.md with --write-scaling) only when the machine
was quiet: a 1-minute load average at most half the cores before the run, and almost no CPU used by other
processes while it measured. Otherwise it prints why and writes nothing.

    .venv/bin/python bench/load.py [--mix pastebin|write-heavy] [--web sync:4,gthread:2x4] [--baseline REV]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load_cpu
from bench.common import load_average, write_section
from bench.load_limit import LADDER, mix_limit, rate_search
from bench.load_report import SECTION, model_name, report, web_model, write_scaling
from bench.load_traffic import (
    EXPECTED,
    MIXES,
    PASSWORDS,
    VIEWS,
    Site,
    TimedHandler,
    login_accounts_code,
    mail_delays,
    mail_key,
    merged,
    mix_shares,
    run_schedule,
    schedule,
    summarize,
)
from tests.support.ports import free_port
from tests.support.rabbitmq import Vhost
from tests.support.smtp import SmtpServer
from tests.support.system import REPO, System, wait_for_http
from tests.support.web import WebClient

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
BASELINE = "68a35d5"  # main when issue 23 was filed
DEPLOYED_WEB = f"gthread:{os.cpu_count()}x8"  # deploy/gunicorn.conf.py's model: the first --web model by default
P95_LIMIT = 0.5
MAIL_WAIT = 30  # seconds a rate's mails may take to arrive after its last request
BURST_SIGNUPS = 5  # a second
BURST_VIEWS = 0.3  # page views a second during the burst, as a share of the mix's CPU limit (the same for every run)


class Deployment:
    """The whole system of one checkout on one broker: RabbitMQ, a scratch PostgreSQL database, gunicorn as
    deploy/gunicorn.conf.py configures it, `rundramatiq` processes and the SMTP sink."""

    def __init__(self, broker, directory, repo):
        self.directory = Path(directory)
        self.smtp = SmtpServer()
        self.smtp.handler = TimedHandler()
        self.smtp.start()
        self.cluster = self.vhost = self.system = self.web = None
        self.workers = []
        self.port = free_port()  # one address for every web model tried: the load generator keeps its URL
        try:
            self._start(broker, repo)
        except BaseException:
            self.close()  # a half-started deployment leaves no RabbitMQ node or database behind
            raise

    def _start(self, broker, repo):
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
        self.system = System(self.directory / "system", url, smtp=self.smtp, env=env, repo=repo)
        self.system.manage("collectstatic", "--noinput", "-v", "0")
        self.system.shell(login_accounts_code())

    def start_web(self, model):
        worker_class, processes, threads = model
        argv = [GUNICORN, "--config", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}"]
        argv += ["--workers", str(processes), "--worker-class", worker_class, "--threads", str(threads)]
        self.web = self.system.start_program("web", [*argv, "django_project.wsgi"], env={"DJANGO_LOG_LEVEL": "WARNING"})
        self.web.base_url = f"http://127.0.0.1:{self.port}"
        wait_for_http(WebClient(self.web.base_url), "/about/", self.web)

    def stop_web(self):
        self.web.stop()
        self.web = None

    def start_workers(self, count, threads=8):
        for _ in range(count):
            self.workers.append(self.system.start_worker(processes=1, threads=threads))

    def stop_workers(self):
        for worker in self.workers:
            worker.stop()
        self.workers = []

    def reading(self):
        """The CPU of every part now (bench/load_cpu.py)."""
        processes = {"web": [self.web.popen.pid] if self.web else [], "workers": [w.popen.pid for w in self.workers]}
        return load_cpu.reading(time.monotonic(), processes)

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


def password_p95_limits(costs):
    """A sign-up's or a login's p95 bound: P95_LIMIT beyond its own CPU measured alone (one PBKDF2 hash, slow on
    purpose, and run below page views' priority: djangobin/hashers.py)."""
    return {kind: P95_LIMIT + sum(costs[kind].values()) for kind in PASSWORDS if kind in costs}


class Run:
    """One deployment under load: every request it sent and every mail it asked for, numbered from one counter."""

    def __init__(self, deployment, site):
        self.deployment, self.site = deployment, site
        self.counter = 1000
        self.posted = []
        self.windows = []  # (label, cores busy): what the quiet check reads
        self.p95_limits = {}  # kind -> its p95 bound, where it is not P95_LIMIT

    def send(self, plan, label):
        """Send `plan`; wait for its mails. (summary rows, req/s done, cores busy, mails arrived, posted)."""
        before = self.deployment.reading()
        results, posted, achieved = run_schedule(self.site, plan, self.counter)
        after = self.deployment.reading()
        self.counter += len(plan) + 1
        self.posted += posted
        arrived = wait_for_mails(self.deployment.smtp.handler, {key for key, _ in posted}, MAIL_WAIT)
        busy = load_cpu.cores_busy(before, after)
        self.windows.append((label, busy))
        return summarize(results, pooled=VIEWS), achieved, busy, arrived, posted

    def endpoint_cost(self, kind, idle):
        """CPU seconds of one request of `kind` alone, every process (and what its mail or render costs after)."""
        count, rate = (8, 2.0) if kind in PASSWORDS else (30, 10.0)
        before = self.deployment.reading()
        results, posted, _ = run_schedule(self.site, [(i / rate, kind) for i in range(count)], self.counter)
        self.counter += count + 1
        self.posted += posted
        wait_for_mails(self.deployment.smtp.handler, {key for key, _ in posted}, MAIL_WAIT)
        time.sleep(1.5)  # the render and the task-history writes that follow the last request
        after = self.deployment.reading()
        busy = load_cpu.cores_busy(before, after)
        self.windows.append((f"the cost of {kind}", busy))
        elapsed = after.at - before.at
        errors = summarize(results)[kind]["errors"] + summarize(results)[kind]["busy"]
        if errors:
            raise SystemExit(f"{errors} of {count} {kind} requests failed while measuring their cost")
        parts = {part: max(0.0, (busy[part] - idle.get(part, 0.0)) * elapsed / count) for part in busy}
        parts.pop("other")
        return parts

    def idle(self, seconds=4.0):
        """Cores each part uses with no request (heartbeats, timers, the task-history flush)."""
        before = self.deployment.reading()
        time.sleep(seconds)
        busy = load_cpu.cores_busy(before, self.deployment.reading())
        self.windows.append(("the idle reading", busy))
        return busy

    def rate(self, mix, rate, seconds, label):
        load_before = load_average()
        rows, achieved, busy, arrived, posted = self.send(schedule(mix, rate, seconds, self.counter), label)
        ok = all(
            not row["errors"] and not row["busy"] and row["p95"] < self.p95_limits.get(kind, P95_LIMIT)
            for kind, row in rows.items()
        )
        held = arrived and ok
        p95s = ", ".join(f"{kind} {row['p95'] * 1000:.0f}" for kind, row in rows.items())
        print(f"  {label} {rate:.1f}/s: held={held} (p95 ms: {p95s}; load {load_before:.2f})", flush=True)
        delays, mails_per_second = mail_delays(self.deployment.smtp.handler, posted)
        return {
            "rate": rate,
            "achieved": achieved,
            "rows": rows,
            "held": held,
            "cpu": busy,
            "arrived": arrived,
            "delays": delays,
            "mails_per_second": mails_per_second,
            "load": (load_before, load_average()),
        }

    def ladder(self, mix, rates, seconds, label):
        steps = []

        def holds(rate):
            steps.append(self.rate(mix, rate, seconds, label))
            return steps[-1]["held"]

        held, _ = rate_search(rates, holds)
        return {"held": held, "steps": steps}

    def burst(self, mix, views_rate, seconds):
        """Every page view's latencies together, alone, then with BURST_SIGNUPS sign-ups a second over the same
        views: {"rate", "alone", "burst"} with summary rows "views" (and "signup" during the burst)."""
        views = schedule(tuple((kind, weight) for kind, weight in mix if kind in VIEWS), views_rate, seconds, 0)
        alone = self.send(views, "views alone")[0]
        with_burst = self.send(merged(views, schedule((("signup", 1),), BURST_SIGNUPS, seconds, 0)), "a burst")[0]
        outcome = {"rate": views_rate, "alone": alone, "burst": with_burst}
        print(
            f"  views at {views_rate:.1f}/s: p95 {alone['views']['p95'] * 1000:.0f} ms alone, "
            f"{with_burst['views']['p95'] * 1000:.0f} ms with {BURST_SIGNUPS} sign-ups a second "
            f"(sign-ups' p95 {with_burst['signup']['p95'] * 1000:.0f} ms, {with_burst['signup']['busy']} refused)",
            flush=True,
        )
        return outcome

    def drain(self, count, workers):
        """Post `count` contact forms with no worker running, then time how fast `workers` processes deliver them."""
        self.deployment.stop_workers()
        keys = set()
        for n in range(count):
            status, key = self.site.do("contact", self.counter + n)
            if status == EXPECTED["contact"]:
                keys.add(key)
        self.counter += count + 1
        self.deployment.start_workers(workers)
        handler = self.deployment.smtp.handler
        if not wait_for_mails(handler, keys, timeout=300):
            raise SystemExit(f"{workers} worker process(es) did not deliver the backlog within 300 s")
        arrivals = [
            at
            for record, at in zip(list(handler.messages), list(handler.arrivals), strict=False)
            if mail_key(record) in keys
        ]
        return (len(arrivals) - 1) / (max(arrivals) - min(arrivals))  # from the first mail: start-up left out

    def mail_check(self):
        expected = {key for key, _ in self.posted}
        complete = wait_for_mails(self.deployment.smtp.handler, expected, timeout=120)
        received = Counter(mail_key(record) for record in list(self.deployment.smtp.handler.messages))
        duplicates = sum(count - 1 for key, count in received.items() if key in expected and count > 1)
        return {"asked": len(expected), "lost": len(expected - set(received)), "complete": complete, "dup": duplicates}


def bench_candidate(args, mix, directory):
    """This checkout: the endpoints' costs, the limit, a ladder per web model, the burst and the drain."""
    deployment = Deployment(args.broker, Path(directory) / "candidate", REPO)
    try:
        deployment.start_workers(2)
        deployment.start_web(args.web[0])
        run = Run(deployment, Site(deployment.web.base_url))
        run.site.warm_up(20)
        print("Each endpoint alone:", flush=True)
        idle = run.idle()
        costs = {kind: run.endpoint_cost(kind, idle) for kind, _ in mix}
        for kind, parts in costs.items():
            print(f"  {kind}: {sum(parts.values()) * 1000:.1f} ms CPU", flush=True)
        limit, per_request = mix_limit(
            {kind: sum(parts.values()) for kind, parts in costs.items()},
            mix_shares(mix),
            load_cpu.CORES,
            idle=sum(value for part, value in idle.items() if part != "other"),
        )
        print(f"The mix's CPU limit: {limit:.1f} requests/s ({per_request * 1000:.2f} ms CPU a request)", flush=True)
        run.p95_limits = password_p95_limits(costs)
        rates = args.rates or [round(share * limit, 1) for share in LADDER]
        views_rate = round(BURST_VIEWS * limit, 1)
        ladders, bursts = {}, {}
        for model in args.web:
            if deployment.web is None:
                deployment.start_web(model)
            ladders[model_name(model)] = run.ladder(mix, rates, args.seconds, model_name(model))
            bursts[model_name(model)] = run.burst(mix, views_rate, args.burst_seconds)
            deployment.stop_web()
        deployment.start_web(args.web[0])
        mail = run.mail_check()
        drain = (run.drain(args.backlog, 1), run.drain(args.backlog, 2)) if args.backlog else None
        return {
            "costs": costs,
            "idle": idle,
            "limit": limit,
            "p95_limits": run.p95_limits,
            "per_request": per_request,
            "ladders": ladders,
            "bursts": bursts,
            "mail": mail,
            "drain": drain,
            "windows": run.windows,
        }
    finally:
        deployment.close()


def bench_baseline(args, mix, rates, views_rate, p95_limits, directory):
    """The baseline commit, exported from git and started as this checkout is: its ladder and its burst."""
    checkout = Path(directory) / "baseline-code"
    checkout.mkdir()
    archive = subprocess.run(["git", "archive", args.baseline], cwd=REPO, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(checkout)], input=archive, check=True)
    deployment = Deployment(args.broker, Path(directory) / "baseline", checkout)
    try:
        deployment.start_workers(2)
        deployment.start_web(args.baseline_web)
        run = Run(deployment, Site(deployment.web.base_url))
        run.site.warm_up(20)
        run.p95_limits = p95_limits
        ladder = run.ladder(mix, rates, args.seconds, f"baseline {args.baseline}")
        burst = run.burst(mix, views_rate, args.burst_seconds)
        return {"ladder": ladder, "burst": burst, "mail": run.mail_check(), "windows": run.windows}
    finally:
        deployment.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mix", choices=sorted(MIXES), default="pastebin")
    parser.add_argument("--broker", choices=("single", "cluster"), default="single")
    parser.add_argument("--web", default=DEPLOYED_WEB, help="gunicorn models, comma-separated: sync:4, gthread:2x8 …")
    parser.add_argument("--baseline", default=BASELINE, help="the commit run as the baseline (git revision)")
    parser.add_argument("--baseline-web", default="sync:4", type=web_model, help="its gunicorn model (its deploy's)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--rates", help="requests/s to try, comma-separated, instead of the ladder from the limit")
    parser.add_argument("--seconds", type=int, default=10, help="how long each rate runs (at most 60)")
    parser.add_argument("--burst-seconds", type=int, default=10)
    parser.add_argument("--backlog", type=int, default=200, help="mails drained by one, then two worker processes")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--write-scaling", action="store_true", help="also rewrite the figures of docs/scaling.md")
    args = parser.parse_args()
    args.web = [web_model(text) for text in args.web.split(",")]
    args.rates = [float(rate) for rate in args.rates.split(",")] if args.rates else None
    args.seconds = min(args.seconds, 60)
    args.backlog = min(args.backlog, 2000)
    mix = MIXES[args.mix]
    load_before = load_average()
    print(f"1-minute load average before the run: {load_before:.2f} on {load_cpu.CORES} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="djangobin-load-") as directory:
        candidate = bench_candidate(args, mix, directory)
        baseline = None
        if not args.no_baseline:
            rates = args.rates or [round(share * candidate["limit"], 1) for share in LADDER]
            views_rate = round(BURST_VIEWS * candidate["limit"], 1)
            baseline = bench_baseline(args, mix, rates, views_rate, candidate["p95_limits"], directory)
    windows = candidate["windows"] + (baseline["windows"] if baseline else [])
    reasons = load_cpu.quiet_reasons(load_before, windows)
    text = report(args, mix, candidate, baseline, load_before, reasons)
    print(text)
    if reasons:
        print("Not written into the docs: the machine was busy.\n- " + "\n- ".join(reasons))
    elif not args.no_write:
        write_section(SECTION, text)
        if args.write_scaling:
            write_scaling(args, candidate)
    if candidate["mail"]["lost"] or (baseline and baseline["mail"]["lost"]):
        raise SystemExit("mail was lost")


if __name__ == "__main__":
    os.chdir(REPO)
    main()
