"""Pages at the speed of their floors: requests per second of the snippet page, the raw view and the list pages,
each against its baseline in the same run, served by gunicorn (2 sync workers, production settings) and loaded
by wrk on loopback.

- the 60-line snippet page against the tutorial's view (bench/pages_urls.py: highlight with Pygments and save the
  whole row at every view), and against the raw view of the same snippet;
- the home page with one and with eight 512 KiB pastes in "recent snippets", and the snippet page, trending, tag
  and profile pages with eight of them (in every list), against the same rows holding small pastes;
- the home page against the raw view: the paste form's list of every language must not make it cost more
  (`--rows "every language"` runs that row alone).

Three rounds; each page is loaded at the same time as its baseline (two servers when they need two databases,
trading the two cores every quarter second), and each ratio is taken within its pair, then min and median over
the rounds. It runs on a scratch SQLite database, then on a scratch PostgreSQL database (unless --databases
sqlite), and rewrites the "Pages" section of docs/benchmarks.md.

    .venv/bin/python bench/pages.py [--seconds 10] [--rounds 3] [--databases sqlite,postgresql] [--no-write]
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

import dj_database_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, cpu_seconds, database_backends, production_env, write_section
from bench.expiry import Scratch
from tests.support.ports import free_port

SECTION = "Pages"
ALL_CORES = os.sched_getaffinity(0)
CORES = sorted(ALL_CORES)[:2]
SWAP_SECONDS = 0.25
UNBOUND = set()  # processes pin() was not allowed to bind
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
BIG_BYTES = 512 * 1024
TIMES = "\N{MULTIPLICATION SIGN}"
BIG_PASTES = 8
SMALL_PASTES = 30
USERNAME = "bench"
TAG = "bench"


# --- phases run in a child process with Django set up -------------------------------------------------------


def phase_seed():
    """Small public pastes, the 60-line one (highlighted), and eight more that are the newest, the most viewed,
    tagged and by the same user: they head every list, and `phase_size` swaps their code for 512 KiB."""
    import inspect
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from djangobin import highlight
    from djangobin.models import Language, Snippet, SnippetRender, Tag

    python = Language.objects.get(lang_code="python")
    user = get_user_model().objects.create_user(USERNAME, "bench@example.com", "bench-password")
    tag = Tag.objects.create(name=TAG, slug=TAG)
    now = timezone.now()
    lines = inspect.getsource(argparse).splitlines(True)
    sixty = "".join(lines[:60])

    def make(n, code, title, hits, age):
        snippet = Snippet.objects.create(
            title=title, original_code=code, language=python, user=user, hits=hits, slug=f"bench{n:04d}",
            created_on=now - timedelta(minutes=age),
        )  # fmt: skip
        snippet.tags.add(tag)
        html = highlight.highlight_html(code, "python")
        SnippetRender.objects.create(snippet=snippet, state="highlighted", html=html, rendered_on=now)
        return snippet

    for n in range(SMALL_PASTES):
        make(n, "".join(lines[n * 10 : n * 10 + 10]), f"Small paste {n}", hits=n, age=100 + n)
    page = make(SMALL_PASTES, sixty, "Sixty lines", hits=50, age=60)
    for n in range(BIG_PASTES):
        make(SMALL_PASTES + 1 + n, sixty, f"Big paste {n}", hits=1000 + n, age=n)
    return {"slug": page.slug}


def phase_size(big):
    """Make the first `big` of the eight heading pastes 512 KiB of code and the others small again."""
    import inspect

    from djangobin.models import Snippet

    source = inspect.getsource(argparse)
    large = (source * (BIG_BYTES // len(source) + 1))[:BIG_BYTES]
    small = "".join(source.splitlines(True)[:60])
    heads = list(Snippet.objects.filter(title__startswith="Big paste").order_by("title").values_list("pk", flat=True))
    for n, pk in enumerate(heads):
        Snippet.objects.filter(pk=pk).update(original_code=large if n < big else small)
    return {"big": big}


def phase_session():
    """A session of the bench user, signed in, for the signed-in rows: its cookie's value."""
    from django.test import Client

    client = Client()
    assert client.login(username=USERNAME, password="bench-password")  # noqa: S106 (the user phase_seed made)
    return {"sessionid": client.cookies["sessionid"].value}


def run_phase(phase, *args):
    import django

    django.setup()
    result = {"seed": phase_seed, "size": phase_size, "session": phase_session}[phase](*(int(a) for a in args))
    print(json.dumps(result))


# --- the parent: databases, server, load --------------------------------------------------------------------


def pages_env(database_url, static_root):
    return {
        **os.environ,
        **production_env(
            database_url,
            DJANGO_SETTINGS_MODULE="bench.settings_pages",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SECURE_COOKIES="0",
            DJANGO_HSTS_SECONDS="0",
            DJANGO_STATIC_ROOT=str(static_root),
            DJANGO_RATELIMIT="0",  # thousands of searches from one address are the load here, not abuse
            PYTHONPATH=str(REPO),
        ),
    }


def child(env, *argv):
    out = subprocess.run(
        [sys.executable, *argv], cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    if out.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out.stdout


def phase(env, name, *args):
    return json.loads(child(env, __file__, "--phase", name, *map(str, args)).strip().splitlines()[-1])


class Server:
    """gunicorn as production runs it: 2 sync workers."""

    def __init__(self, env, directory, name):
        self.database_url = env["DATABASE_URL"]
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(directory) / f"gunicorn-{name}.log", "w")  # noqa: SIM115 (closed in stop)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        argv = [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{self.port}", "django_project.wsgi"]
        self.process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/about/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{Path(self.log.name).read_text()[-3000:]}")
            time.sleep(0.2)

    def pids(self):
        """The processes serving the site: gunicorn's and, on PostgreSQL, the backends of its database
        (bench/settings_pages.py keeps them for the whole run, so none ends inside a window)."""
        master = self.process.pid
        pids = [master, *map(int, Path(f"/proc/{master}/task/{master}/children").read_text().split())]
        if self.database_url.startswith("postgres"):
            pids += database_backends(PG_URL, dj_database_url.parse(self.database_url)["NAME"])
        return pids

    def cpu(self):
        """CPU seconds so far of each process serving the site."""
        return {pid: cpu_seconds([pid]) for pid in self.pids()}

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


class Load(NamedTuple):
    """What a wrk window measured at one server."""

    requests: int
    seconds: float
    cpu: float  # CPU seconds of the processes serving the site

    @property
    def rate(self):
        return self.requests / self.seconds

    @property
    def cpu_ms(self):
        return 1000 * self.cpu / self.requests

    def __str__(self):
        return f"{self.rate:,.0f} req/s, {self.cpu_ms:.2f} ms CPU a request"


def pin(pids, cores):
    """Bind every thread of the processes `pids` to `cores`, skipping any that has ended or is not ours to bind
    (PostgreSQL's backends, unless this runs as root or as their owner: they are then left to the scheduler)."""
    for pid in pids:
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                os.sched_setaffinity(int(task.name), cores)
        except (FileNotFoundError, ProcessLookupError):
            pass
        except PermissionError:
            if pid not in UNBOUND:
                UNBOUND.add(pid)
                print(f"  process {pid} cannot be bound to a core; the scheduler places it", flush=True)


def loads(targets, seconds, connections, swap=False):
    """Load each (server, URL) of `targets` at the same time with a wrk of its own (2 threads); a Load for each.
    With `swap`, each of two servers, with its wrk, is bound to a core of its own, and they trade cores every
    SWAP_SECONDS. Fails on any non-2xx answer."""
    before = [server.cpu() for server, _ in targets]
    argvs = [
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", *wrk_headers(url), url.split(" ")[0]] for _, url in targets
    ]
    processes = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for argv in argvs]
    if swap and len(CORES) == 2:  # a machine of one core has nothing to trade
        groups = [[*was, process.pid] for was, process in zip(before, processes, strict=True)]
        cores = CORES
        while any(process.poll() is None for process in processes):
            for pids, core in zip(groups, cores, strict=True):
                pin(pids, {core})
            cores = cores[::-1]
            time.sleep(SWAP_SECONDS)
        for pids in groups:
            pin(pids, ALL_CORES)
    outputs = [process.communicate()[0] for process in processes]
    after = [server.cpu() for server, _ in targets]
    results = []
    for (_, url), out, was, now in zip(targets, outputs, before, after, strict=True):
        if "Non-2xx" in out or "Socket errors" in out or "requests in" not in out:
            raise SystemExit(f"errors while loading {url}:\n{out}")
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        cpu = sum(used - was.get(pid, 0.0) for pid, used in now.items())
        results.append(Load(requests, requests / rate, cpu))
    return results


def wrk_headers(url):
    """A target's URL may end with " cookie=…": the session cookie its requests send (a signed-in visitor)."""
    _, _, cookie = url.partition(" cookie=")
    return ["-H", f"Cookie: sessionid={cookie}"] if cookie else []


def wrk_pair(targets, seconds):
    """Two URLs of two servers loaded at the same time (2 connections each), trading cores every SWAP_SECONDS:
    on a shared machine a core is not as fast as the other from moment to moment, and the scheduler does not
    share them equally between two servers; swapping, neither favours either."""
    loads(targets, 1, 2)  # warm both servers' workers
    return loads(targets, seconds, 2, swap=True)


def wrk_one_then_other(targets, seconds):
    """Two URLs of one server, one after the other, each alone (4 connections): a page against a costlier
    baseline, which loaded at the same time would take the CPU from it."""
    for target in targets:
        loads([target], 1, 4)  # warm both workers
    return [loads([target], seconds, 4)[0] for target in targets]


PAGES = {
    "snippet": "/{slug}/",
    "tutorial": "/tutorial/{slug}/",
    "raw": "/raw/{slug}/",
    "home": "/",
    "trending": "/trending/",
    "trending-python": "/trending/python/",
    "tag": f"/tag/{TAG}/",
    "profile": f"/user/{USERNAME}/",
    "search": "/search/?query=parser",
    "settings": "/settings/",
}
SIGNED_IN = "+session"  # a page's name with this suffix: the same page for the bench user, signed in


def page_url(server, page, slug, session):
    name, signed_in, _ = page.partition(SIGNED_IN)
    url = server.base + PAGES[name].format(slug=slug)
    return f"{url} cookie={session}" if signed_in else url


def bench_database(scratch, directory, rounds, seconds):
    """One database per state (small pastes, one big, eight big), each served by its own gunicorn; each row of
    ROWS loads its page and its baseline at the same time."""
    env = pages_env(scratch.create("small"), Path(directory) / "static")
    child(env, "manage.py", "migrate", "--noinput")
    child(env, "manage.py", "collectstatic", "--noinput")
    slug = phase(env, "seed")["slug"]
    session = phase(env, "session")["sessionid"]
    # Each server by name, with how many big pastes its database holds; "twin" is a second copy of the small one.
    states = {"0": 0, "1": 1, str(BIG_PASTES): BIG_PASTES, "twin": 0}
    servers = {}
    try:
        # Copies first: PostgreSQL copies a database only while nobody is connected to it.
        envs = {name: {**env, "DATABASE_URL": scratch.copy("small", f"state{name}")} for name in states if name != "0"}
        envs["0"] = env
        for name, state_env in envs.items():
            if states[name]:
                phase(state_env, "size", states[name])
            servers[name] = Server(state_env, Path(directory), name=f"state{name}")
        results, loads_seen = [], []
        for number in range(rounds):
            loads_seen.append(os.getloadavg()[0])
            measured = []
            for label, key, _, base, _ in ROWS:
                targets = []
                for page, name in (k.split("@") for k in (key, base)):
                    targets.append((servers[name], page_url(servers[name], page, slug, session)))
                pair = (wrk_pair if key.split("@")[0] == base.split("@")[0] else wrk_one_then_other)(targets, seconds)
                measured.append(pair)
                print(f"  round {number + 1}: {label}: {pair[0]}, baseline {pair[1]}", flush=True)
            results.append(measured)
        loads_seen.append(os.getloadavg()[0])
    finally:
        for server in servers.values():
            server.stop()
    return results, loads_seen


# --- the report ---------------------------------------------------------------------------------------------


class CpuWithin(NamedTuple):
    """A target on CPU a request: the page costs at most `times` its baseline's."""

    times: float


ROWS = [
    (
        "60-line snippet page",
        "snippet@0",
        "the tutorial's view (highlight + row save)",
        "tutorial@0",
        3.0,
    ),
    ("60-line snippet page", "snippet@0", "the raw view of the same snippet", "raw@0", 0.6),
    # The paste form offers every Pygments lexer: its select must not make the home page cost more than before.
    ("home page (the paste form, every language)", "home@0", "the raw view of the 60-line snippet", "raw@0", None),
    ("home page, one 512 KiB paste in the lists", "home@1", "home page, small pastes", "home@0", 0.9),
    ("home page, eight 512 KiB pastes", f"home@{BIG_PASTES}", "home page, small pastes", "home@0", 0.9),
    ("snippet page, eight 512 KiB pastes in its sidebar", f"snippet@{BIG_PASTES}", "same, small", "snippet@0", 0.9),
    ("trending, eight 512 KiB pastes", f"trending@{BIG_PASTES}", "trending, small pastes", "trending@0", 0.9),
    ("tag page, eight 512 KiB pastes", f"tag@{BIG_PASTES}", "tag page, small pastes", "tag@0", 0.9),
    ("profile page, eight 512 KiB pastes", f"profile@{BIG_PASTES}", "profile page, small pastes", "profile@0", 0.9),
    ("home page, small pastes, a copy of its database", "home@twin", "home page, small pastes", "home@0", None),
]
# Every page against the raw view (issue 23): anonymous within 2.5 times its CPU a request, signed in within 4.
FLOOR_PAGES = [
    ("home page", "home"),
    ("trending", "trending"),
    ("trending, one language", "trending-python"),
    ("tag page", "tag"),
    ("profile page", "profile"),
    ("search results", "search"),
]
RAW = "the raw view, anonymous"
FLOOR_ROWS = [
    *[(f"{label}, anonymous", f"{page}@0", RAW, "raw@0", CpuWithin(2.5)) for label, page in FLOOR_PAGES],
    *[
        (
            f"{label}, signed in{' (its owner)' if page == 'profile' else ''}",
            f"{page}{SIGNED_IN}@0",
            RAW,
            "raw@0",
            CpuWithin(4.0),
        )
        for label, page in FLOOR_PAGES
    ],
    ("settings page, signed in", f"settings{SIGNED_IN}@0", RAW, "raw@0", CpuWithin(4.0)),
]
ROWS += FLOOR_ROWS


def table(results):
    def span(values, fmt):
        return f"{fmt(min(values))} / {fmt(statistics.median(values))}"

    rate = "{:,.0f}".format
    ratio = ("{:.2f}" + TIMES).format
    header = "page | req/s | CPU ms a request | baseline | req/s | CPU ms a request | ratio of req/s | ratio of CPU"
    lines = [f"| {header} | target |", "|---|---|---|---|---|---|---|---|---|"]
    for row, (label, _, base_label, _, target) in enumerate(ROWS):
        pairs = [measured[row] for measured in results]
        by_rate = [page.rate / baseline.rate for page, baseline in pairs]
        by_cpu = [baseline.cpu_ms / page.cpu_ms for page, baseline in pairs]
        cells = [
            label,
            span([page.rate for page, _ in pairs], rate),
            f"{statistics.median(page.cpu_ms for page, _ in pairs):.2f}",
            base_label,
            span([baseline.rate for _, baseline in pairs], rate),
            f"{statistics.median(baseline.cpu_ms for _, baseline in pairs):.2f}",
            span(by_rate, ratio),
            span(by_cpu, ratio),
            verdict(target, by_cpu if isinstance(target, CpuWithin) else by_rate),
        ]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines)


def verdict(target, ratios):
    if target is None:
        return "none: the same data twice"
    least = 1 / target.times if isinstance(target, CpuWithin) else target
    met = "met" if min(ratios) >= least else "median met" if statistics.median(ratios) >= least else "MISSED"
    if isinstance(target, CpuWithin):
        return f"CPU ≤ {target.times}{TIMES} the baseline's, ratio ≥ {least:.2f}{TIMES} ({met})"
    return f"≥ {target}{TIMES} ({met})"


INTRO = """`bench/pages.py` (`make bench-pages`) builds one scratch database per state (small pastes; one 512 KiB
paste; eight), serves each with its own gunicorn (2 sync workers, production settings: DEBUG off, kept database
connections). A page and its big-paste twin are loaded at the same time by two wrk on loopback (2 threads and 2
connections each, {seconds} s after a 1 s warm-up). Each server, with its database's backends and its wrk, is
bound to one of the two cores and the other server to the other, and every {swap} s they trade cores: two servers
left to the scheduler do not get equal shares, and on a shared machine one core is not as fast as the other from
moment to moment, which moved a ratio of identical pages by up to 10 % before. The snippet page and its
baselines (the tutorial's view, the raw view) are loaded one right after the other, each alone (2 threads, 4
connections), as a costlier baseline loaded at the same time would take the CPU from the page. The data: {small}
small public pastes, the 60-line one (highlighted by the worker's code beforehand) and eight more that head every
list (newest, most viewed, same tag and author), holding 60 lines, or 512 KiB in the big-paste databases. The
tutorial's view is the tutorial's `snippet_detail` on our template: it counts the hit by saving the whole row,
whose `save()` highlights the code with Pygments' table formatter again, and renders the whole page, sidebar
included, at each view. The last row pairs the home page with itself on a copy of its database: how far the
method alone moves a ratio. "CPU ms a request" is the CPU time of every process serving the page over the window
(from `/proc`: gunicorn's and, on PostgreSQL, its database's backends, kept open for the whole run rather than
renewed each minute), divided by wrk's request count, median over the rounds; "ratio of CPU" is the baseline's
over the page's. Each ratio is taken within its pair, then min / median over {rounds} rounds; a target is met
when the ratio of request rates meets it in every round ("median met": in the median round). The rows below the
twin row hold every page against the raw view (issue 23): the home page, trending (all and Python), the tag page,
the profile page, search results ("parser", which most of these pastes hold) and the settings page, each as an
anonymous visitor sees it and as the bench user sees it signed in (wrk sends the session cookie: the profile is
then the owner's own, the settings page theirs), loaded one right after the raw view, each alone; their target is on
CPU a request: at most 2.5 times the raw view's anonymous, 4 times signed in (a ratio of CPU of at least 0.40 and
0.25). The machine ({machine}) runs the bench alone, whose servers and wrk keep both cores busy (the load average
at each round's start is given with each table); absolute rates move between runs, the paired ratios are what to
compare."""


WHY = """What makes the difference (README, "Page views"): a page view writes nothing (views are counted in the web
process's memory and added to `Snippet.hits` or `Author.views` every `SNIPPET_HITS_FLUSH_SECONDS`, default 10
s, by a thread of that process); the code is highlighted once, by the worker; an anonymous visitor's snippet
page is kept for a minute in the process's own memory and served with the current hit count and sidebar filled
in, after the one query that checks the snippet still exists and has not expired (wrk sends no cookies, so the
snippet-page rows measure that path; a signed-in owner's page is rendered each time); the sidebar and the lists of
the list pages (djangobin/fragments.py) are rendered at most every 5 s and forgotten when a paste is made or
deleted, so a list page costs its own checks (the tag or the profile exists) and its frame; list queries never
read the code column, and on SQLite the code is the row's last column (migration 0008), so listing a 512 KiB paste
no longer walks its overflow pages; connections are kept (`CONN_MAX_AGE` 60 s with health checks).

Where the time went before the lists were kept (`bench/profile_pages.py`: cProfile of each page in one process,
production settings, the same data; CPU ms a request without the profiler, on the shared machine): the raw view
1.1-1.3 ms; trending 11-14 ms, per language 13-16, tag 12-14, profile 10-12, search 11-17, home 10-11, settings 15.
Function by function, on trending (anonymous, 200 requests profiled): 82 % in the template engine, of which the
20 rows of `includes/snippet_list.html` took two thirds (75,000 variable lookups, 74 `reverse()` calls a request for
the rows' `get_absolute_url`, language and profile links, 40 `date` filters and 20 `timesince`); 20 % in queries,
most of it `languages_with_public_snippets` (the language chips: a subquery over every public snippet, growing with
the table) and the paginator's `COUNT`; the tag page spent a fifth of its time building the ORM query of
`tag_by_slug_or_404` (`Exists` over public snippets) and the profile page read its author twice. Now each list, the
chips and the tag lookup are rendered or run once per `RECENT_SNIPPETS_CACHE_SECONDS` and generation; what each
request still pays is the frame (`base.html`: about 15 `{% url %}` and 4 `{% static %}`), the session and user
queries when signed in, and the view's own checks. On the home and settings pages three quarters of the time was the
language `<select>` (Django renders each of its options through a widget template: 22,000 template includes on 200
settings pages), which is now built once per process (djangobin/language_select.py). Once the results were kept,
the search page spent 40 % of its time rendering its two form fields through Django's widget templates: they are
kept too, per query string.

Profiled again with the language `<select>` built once (issue 23, `bench/profile_pages.py`), the home page still
cost about six times the raw view's CPU anonymous and the settings page about ten times signed in: two thirds of
each was still the forms' other fields, each rendered through Django's templates (`as_field_group`: its group, its
label, its widget), about 16,000 template nodes a home page. A blank form's fields are now rendered once per
process for the values they start from (djangobin/form_parts.py: the paste form per visitor or per account defaults,
the settings form per account settings, the token form once), keyed by those values and nothing about who asks, and
kept in the process's bounded `pages` cache; a form sent back with errors, or started from a fork, is rendered each
time. The frame's dozen links that take no argument were a tenth of a signed-in page (a `reverse()` walks the URL
patterns at each call): `fixed_url` reverses each once per process. The account's defaults are read without the
join to their language, which nothing read. What a signed-in page still pays beyond an anonymous one is mostly its
session and user queries (a third of a signed-in trending page under the profiler), which no cache shared between
visitors may answer, and a CSRF token for the log-out form; the settings page adds the account's defaults and its
live and ended tokens (three queries). The snippet page kept for anonymous visitors costs what the raw view costs
plus its kept page's lookup: both spend most of their time building the ORM query of `snippet_get_visible`, the
same for both, which a cut would make cheaper without raising their ratio."""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true", help="print the section, do not rewrite the doc")
    parser.add_argument(
        "--rows", help="only the rows whose page label contains this text, e.g. 'home page' (several: 'a|b')"
    )
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return run_phase(*args.phase)
    if args.rows:
        ROWS[:] = [row for row in ROWS if any(text in row[0] for text in args.rows.split("|"))]
    # A SIGTERM (a stopped `make`) ends the run through its `finally` blocks: the servers stop, the databases go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make bench-pages` installs Debian's wrk.")
    machine = f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}"
    parts = [
        INTRO.format(seconds=args.seconds, swap=SWAP_SECONDS, small=SMALL_PASTES, rounds=args.rounds, machine=machine)
    ]
    for vendor in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-pages-") as directory:
            scratch = Scratch(directory, PG_URL if vendor == "postgresql" else None)
            try:
                print(f"== {vendor}", flush=True)
                results, loads_seen = bench_database(scratch, directory, args.rounds, args.seconds)
            finally:
                scratch.drop_all()
        name = "PostgreSQL" if vendor == "postgresql" else "SQLite (WAL, as the site runs it)"
        seen = ", ".join(f"{load:.1f}" for load in loads_seen)
        parts.append(
            f"### {name}\n\nLoad average (1 min) at the start of each round and at the end: {seen} "
            f"({os.cpu_count()} cores).\n\n{table(results)}"
        )
    parts.append(WHY)
    text = "\n\n".join(parts)
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
