"""What highlighting costs a paste: POST latency with the render queued for the worker against the synchronous
render the POST used to run, the bytes stored and served before and after, and how soon a running worker's render
reaches the page.

Everything runs against the real RabbitMQ, in a scratch virtual host this script creates and deletes, on a scratch
SQLite database, and writes its results into the "Highlighting" section of docs/benchmarks.md.

    .venv/bin/python bench/highlight.py [--posts 40] [--no-write]
"""

import argparse
import inspect
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, load_average, ms, percentiles, scratch_django, write_section

SECTION = "Highlighting"
READY_LINE = "Worker process is ready for action"


def pastes():
    """A 60-line and a 2,000-line Python file, 512 KiB of Python (the largest paste allowed) and 100,000 short
    lines: real code from the standard library, cut to size."""
    import argparse as source_module

    lines = inspect.getsource(source_module).splitlines(True)
    big = "".join(lines)
    largest = (big * (512 * 1024 // len(big.encode()) + 1)).encode()[: 512 * 1024].decode(errors="ignore")
    return {
        "60 lines": "".join(lines[:60]),
        "2,000 lines": "".join(lines[:2000]),
        "512 KiB": largest[: largest.rfind("\n") + 1],
        "100,000 short lines": "".join(f"x={n % 10}\n" for n in range(100_000)),
    }


# The synchronous render this change replaced, kept here as the baseline: Pygments' table formatter with an anchor
# per line, run inside the POST and stored with the snippet.
def old_highlight(code, lang_code):
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    formatter = HtmlFormatter(linenos="table", lineanchors="L", anchorlinenos=True, cssclass="highlight", wrapcode=True)
    return highlight(code, get_lexer_by_name(lang_code, stripnl=False), formatter)


def render_in_the_request(*, snippet, detect_language=False):
    """snippet_render_create's stand-in: the bench's pastes name their language, so there is nothing to guess."""
    from djangobin.models import SnippetRender

    html = old_highlight(snippet.original_code, snippet.language.lang_code)
    return SnippetRender.objects.create(snippet=snippet, state="highlighted", html=html)


class Poster:
    def __init__(self):
        from django.test import Client

        from djangobin.models import Language

        self.client = Client()
        self.python = Language.objects.get(lang_code="python").pk

    def post(self, code):
        """POST a paste; returns (seconds, slug)."""
        data = {"original_code": code, "language": self.python, "expiration": "never", "exposure": "public"}
        started = time.perf_counter()
        response = self.client.post("/", data)
        elapsed = time.perf_counter() - started
        if response.status_code != 302:
            raise SystemExit(f"paste POST failed: {response.status_code}\n{response.content[:2000]!r}")
        return elapsed, response["Location"].strip("/")

    def post_synchronously(self, code):
        from unittest import mock

        from djangobin.services import snippets

        with mock.patch.object(snippets, "snippet_render_create", render_in_the_request):
            return self.post(code)

    def render_state(self, slug):
        return json.loads(self.client.get(f"/render/{slug}/").content)["state"]


def bench_posts(poster, codes, posts):
    """POSTs of each paste, alternating queued (ours) and synchronous (the baseline); no worker runs meanwhile."""
    counts = {"60 lines": posts, "2,000 lines": max(10, posts // 2), "512 KiB": max(6, posts // 5)}
    results = {}
    for name, count in counts.items():
        code = codes[name]
        poster.post(code), poster.post_synchronously(code)  # warm up
        queued, synchronous = [], []
        for _ in range(count):
            queued.append(poster.post(code)[0])
            synchronous.append(poster.post_synchronously(code)[0])
        results[name] = (count, percentiles(queued), percentiles(synchronous))
    return results


def bench_bytes(poster, codes):
    """Stored and served bytes over source bytes, before (the table formatter in the row) and after."""
    from actors.renders import highlight_snippet
    from djangobin.models import Snippet, SnippetRender

    rows = {}
    for name, code in codes.items():
        source = len(code.encode())
        _, slug = poster.post(code)
        snippet = Snippet.objects.get(slug=slug)
        highlight_snippet.fn(snippet.pk)
        render = SnippetRender.objects.get(snippet=snippet)
        page = poster.client.get(f"/{slug}/").content.decode()
        [view] = re.findall(r'<pre class="gutter".*?</code></pre>', page, re.S)
        old = old_highlight(code, "python")
        rows[name] = {
            "source": source,
            "state": render.state,
            "stored_before": (source + len(old.encode())) / source,
            "stored_after": (source + len(render.html.encode())) / source,
            # The old page had the stored table where the gutter and code are now; the rest is the same template.
            "page_before": (len(page.encode()) - len(view.encode()) + len(old.encode())) / source,
            "page_after": len(page.encode()) / source,
        }
    return rows


def start_worker(directory):
    log = Path(directory) / "worker.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DJANGO_LOG_LEVEL": "INFO"}  # INFO: its ready line
    argv = [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "2", "--queues", "highlight"]
    with open(log, "wb") as out:
        worker = subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while READY_LINE not in log.read_text(errors="replace"):
        if time.monotonic() > deadline or worker.poll() is not None:
            worker.kill()
            raise SystemExit(f"the worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)
    return worker


def bench_until_highlighted(poster, codes, directory, posts):
    """Seconds from the POST until the render endpoint answers `highlighted`, with a worker running (polled every
    10 ms; the page's own script asks after 0.5 s, then about every 1, 1.5, 2.3 … s)."""
    worker = start_worker(directory)
    try:
        results = {}
        for name, count in (("60 lines", posts // 2), ("2,000 lines", max(10, posts // 4))):
            samples = []
            for _ in range(count + 1):
                started = time.perf_counter()
                _, slug = poster.post(codes[name])
                while poster.render_state(slug) == "pending":
                    if time.perf_counter() - started > 60:
                        raise SystemExit(f"no render of {slug} within 60 s")
                    time.sleep(0.01)
                samples.append(time.perf_counter() - started)
            results[name] = (count, percentiles(samples[1:]))  # the first also waited for the worker's connection
        return results
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def conclusion(posts):
    _, small_queued, small_synchronous = posts["60 lines"]
    _, big_queued, big_synchronous = posts["512 KiB"]
    return (
        f"A small paste gains nothing in latency: Pygments takes a few milliseconds on 60 lines, about what the "
        f"outbox row and the publish with confirms cost (p50 {ms(small_queued['p50'])} queued against "
        f'{ms(small_synchronous["p50"])} synchronous; see "Enqueue cost"). What the queue buys is that no POST '
        f"waits for the lexer whatever the paste: {ms(big_queued['p50'])} for 512 KiB against "
        f"{ms(big_synchronous['p50'])}, and a crafted paste that would hold the request for minutes is the worker's "
        f"problem, bounded by `HIGHLIGHT_TIME_LIMIT_MS`."
    )


def report(posts, sizes, latency, codes, load_before):
    post_rows = []
    for name, (count, queued, synchronous) in posts.items():
        post_rows.append(
            f"| {name} ({len(codes[name].encode()):,} bytes), {count} of each | {ms(synchronous['p50'])} | "
            f"{ms(synchronous['p95'])} | {ms(queued['p50'])} | {ms(queued['p95'])} | "
            f"{synchronous['p50'] / queued['p50']:,.1f} | {synchronous['p95'] / queued['p95']:,.1f} |"
        )
    size_rows = [
        f"| {name} | {row['source']:,} | {row['stored_before']:.1f} | {row['stored_after']:.1f} | "
        f"{row['page_before']:.1f} | {row['page_after']:.1f} | {row['state']} |"
        for name, row in sizes.items()
    ]
    latency_rows = [
        f"| {name}, {count} pastes one after another | {ms(p['p50'])} | {ms(p['p95'])} |"
        for name, (count, p) in latency.items()
    ]
    return f"""
`bench/highlight.py` (`make bench-highlight`): what highlighting costs a paste. Run on {time.strftime("%Y-%m-%d")},
Python {platform.python_version()}, {os.cpu_count()} cores, SQLite, RabbitMQ on loopback (a scratch vhost); load
average {load_before:.2f} as it began (absolute times move with what else runs on the machine: compare the ratios).

**POST latency.** Pastes POSTed to `/` through Django's test client (in-process: middleware, form, snippet and
tag rows, the outbox message published with confirms after commit; no network), alternating ours (the render queued
for the `highlight_snippet` actor) with the baseline: the same POST running the synchronous render it ran before
this change (Pygments with the table formatter, its HTML stored with the snippet). No worker ran meanwhile.

| paste | synchronous p50 | synchronous p95 | queued p50 | queued p95 | p50 ratio | p95 ratio |
|---|---:|---:|---:|---:|---:|---:|
{chr(10).join(post_rows)}

**Bytes**, over the paste's own size. "Stored" is the code plus its HTML (before: the table formatter's HTML in
the snippet's row; after: the render table's HTML, none when shown plain). "Page" is the snippet page as served
(after: measured once the worker rendered it; before: the same page with the old stored table in place of the
gutter and code).

| paste | bytes | stored before | stored after | page before | page after | after: shown |
|---|---:|---:|---:|---:|---:|---|
{chr(10).join(size_rows)}

The 512 KiB paste and the 100,000 short lines are over `HIGHLIGHT_MAX_BYTES` (256 KiB), so they are shown plain
with a note, never lexed; page size is the escaped code plus one gutter of line numbers.

**From POST to highlighted**, with a worker running (`rundramatiq --threads 2 --queues highlight`): seconds from
the start of the POST until `/render/<slug>/` answers `highlighted` (polled every 10 ms; the page's own script
first asks after 0.5 s, then about every 1, 1.5, 2.3 … s, so a reader sees it up to a poll later).

| paste | p50 | p95 |
|---|---:|---:|
{chr(10).join(latency_rows)}

{conclusion(posts)}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=40, help="60-line POSTs of each kind (fewer of the larger)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()

    load_before = load_average()
    with scratch_django() as (vhost, directory):
        codes = pastes()
        poster = Poster()
        posts = bench_posts(poster, codes, args.posts)
        sizes = bench_bytes(poster, codes)
        # Leave the worker only the pastes it is timed on: the renders queued above are dropped.
        vhost.purge("highlight")
        latency = bench_until_highlighted(poster, codes, directory, args.posts)

    text = report(posts, sizes, latency, codes, load_before)
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
