"""Where a page's CPU goes: cProfile of each page of bench/pages.py, served in this process by Django's own handler
(production settings, a scratch SQLite database seeded as the pages bench seeds it), anonymous and signed in.

Prints, for each page, the CPU a request and the functions that take most of it (cumulative and own time), which
docs/benchmarks.md ("Pages", where the time goes) summarises. Not a bench: no baseline, no ratio; it finds what to
cut, and bench/pages.py measures what the cut gained.

    .venv/bin/python bench/profile_pages.py [--requests 300] [--top 25] [--page trending]
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import production_env

PAGES = {
    "raw": "/raw/{slug}/",
    "snippet": "/{slug}/",
    "home": "/",
    "trending": "/trending/",
    "trending-python": "/trending/python/",
    "tag": "/tag/bench/",
    "profile": "/user/bench/",
    "search": "/search/?query=parser",
    "settings": "/settings/",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--page", action="append", help="profile only these pages (names of PAGES)")
    parser.add_argument("--signed-in", action="store_true", help="only the signed-in visitor")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        os.environ.update(
            production_env(
                f"sqlite:///{Path(directory) / 'pages.sqlite3'}",
                DJANGO_ALLOWED_HOSTS="testserver",
                DJANGO_SECURE_COOKIES="0",
                DJANGO_HSTS_SECONDS="0",
                DJANGO_STATIC_ROOT=directory,
                DJANGO_RATELIMIT="0",
            )
        )
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from bench import pages
        from djangobin import hits

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        slug = pages.phase_seed()["slug"]
        hits.hits_buffer_start(interval=None)  # as the WSGI application counts views: in memory
        visitors = {"anonymous": Client(), "signed in": Client()}
        visitors["signed in"].login(username=pages.USERNAME, password="bench-password")  # noqa: S106 (the bench user phase_seed made)
        for name in args.page or PAGES:
            url = PAGES[name].format(slug=slug)
            for who, client in visitors.items():
                if (args.signed_in and who == "anonymous") or (name == "settings" and who == "anonymous"):
                    continue
                profile(client, url, f"{name}, {who}", args.requests, args.top)


def profile(client, url, label, requests, top):
    for _ in range(20):  # warm: templates compiled, connection open, caches filled
        assert client.get(url).status_code == 200, url
    started = time.process_time()
    for _ in range(requests):
        client.get(url)
    plain = (time.process_time() - started) / requests
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top // 2)
    print(f"=== {label} ({url}): {plain * 1000:.2f} ms CPU a request without the profiler")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip() and "function calls" not in line))


if __name__ == "__main__":
    main()
