#!/usr/bin/env python3
"""Search at scale: the full-text search (`djangobin.selectors.snippets_search`) against the old `LIKE '%q%'` scan.

    .venv/bin/python bench/search.py                      # 200,000 snippets on SQLite
    .venv/bin/python bench/search.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/search.py --rows 20000 --queries 100 --no-docs

It builds a scratch database (SQLite in a temporary directory, or a PostgreSQL database of its own on the server
--database-url names, dropped afterwards) through the migrations, so the search index is the one the site uses, and
fills it with N snippets of generated code: words drawn from a vocabulary of 5,000 with a Zipf law (a few words in
almost every paste, most in few), 2 to 40 lines each; 70 % public, 15 % unlisted, 15 % private, and a tenth of them
expired; 2 % hold a Japanese string (from 200 made of kana and kanji), for the substring index. Each query is timed
as the search page runs it: the selector, then the first page of 20 through Django's paginator (its count and its
rows, with language and author joined). Queries are single words from each frequency band (in most pastes, common,
medium, rare), pairs of words, and the syntax: a phrase (two common words in that order), a prefix (the first 3
or 4 letters of a common or medium word), an exclusion (`word -word`), an OR of two words, a Japanese substring of 3
characters and of 2. Every query is searched by a signed-in owner of many pastes, so that the owner's own private
ones are included as the site does. The old query (`title ILIKE %q% OR original_code ILIKE %q%` over public live
snippets, newest first, counted for the paginator) is timed on the first --baseline-queries of the same queries in
the same run: the ratio compares the two on identical queries and data.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    add_vendor_options,
    ms,
    percentiles,
    production_env,
    reproduce,
    write_vendor_block,
)
from bench.expiry import Scratch

SECTION = "Search"
VOCABULARY = 5_000
CHUNK = 10_000
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのテキストデータベース日本語東京大阪検索結果"


def _vocabulary(rng):
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "de", "fi", "go", "hu", "jo"]
    words = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words, key=lambda word: (len(word), word))


def _japanese(rng):
    return sorted({"".join(rng.choices(KANA, k=rng.randint(5, 9))) for _ in range(200)})


def build(rows, rng):
    """Fill the migrated database; returns the vocabulary, most frequent first, and the Japanese strings."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from djangobin.models import Exposure, Language, Snippet

    words = _vocabulary(rng)
    japanese = _japanese(rng)
    owner = get_user_model().objects.create_user(username="owner").pk
    weights, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        weights.append(total)
    language = Language.objects.get(slug="python").pk
    now = timezone.now()
    # Only the columns every version of the model has; anything else keeps its default.
    rendered = {"highlighted_code": ""} if any(f.name == "highlighted_code" for f in Snippet._meta.fields) else {}
    for start in range(0, rows, CHUNK):
        batch = []
        for pk in range(start + 1, min(start + CHUNK, rows) + 1):
            lines = []
            for _ in range(rng.randint(2, 40)):
                a, b, c, d = rng.choices(words, cum_weights=weights, k=4)
                lines.append(f"    {a}_{b} = {c}({d}, {rng.randint(0, 999)})")
            if rng.random() < 0.02:
                lines.append(f"    label = '{rng.choice(japanese)}'")
            kind = rng.random()
            exposure = Exposure.PUBLIC if kind < 0.7 else Exposure.UNLISTED if kind < 0.85 else Exposure.PRIVATE
            created_on = now - (rows - pk) * timezone.timedelta(seconds=30)
            expired = rng.random() < 0.1
            batch.append(
                Snippet(
                    pk=pk,
                    title=" ".join(rng.choices(words, cum_weights=weights, k=3)),
                    original_code="def main():\n" + "\n".join(lines) + "\n",
                    exposure=exposure,
                    expiration="1 week" if expired else "never",
                    expires_at=now - timezone.timedelta(days=1) if expired else None,
                    slug=f"s{pk:09d}",
                    created_on=created_on,
                    language_id=language,
                    user_id=owner if pk % 10 == 0 else None,
                    **rendered,
                )
            )
        with transaction.atomic():
            Snippet.objects.bulk_create(batch, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    return words, japanese


def queries(words, japanese, count, rng):
    """Queries of each kind in turn (words of each frequency band, pairs, each syntax), in a fixed shuffled order."""
    bands = {"in most pastes": words[:10], "common": words[10:200], "medium": words[200:2000], "rare": words[2000:]}
    common, medium = words[:200], words[200:2000]

    def substring(length):
        text = rng.choice(japanese)
        start = rng.randint(0, len(text) - length)
        return text[start : start + length]

    kinds = {
        **{band: lambda band=band: rng.choice(bands[band]) for band in bands},
        "pair": lambda: f"{rng.choice(common)} {rng.choice(medium)}",
        "phrase": lambda: f'"{rng.choice(common)} {rng.choice(common)}"',
        "prefix": lambda: rng.choice(common + medium)[: rng.choice([3, 4])] + "*",
        "exclusion": lambda: f"{rng.choice(medium)} -{rng.choice(common)}",
        "or": lambda: f"{rng.choice(medium)} OR {rng.choice(medium)}",
        "substring of 3": lambda: substring(3),
        "substring of 2": lambda: substring(2),
    }
    chosen = [(kind, make()) for n in range(count) for kind, make in [list(kinds.items())[n % len(kinds)]]]
    rng.shuffle(chosen)
    return chosen


def page_of(results):
    from django.conf import settings
    from django.core.paginator import Paginator

    page = Paginator(results, settings.SNIPPETS_PER_PAGE).get_page(1)
    return [(s.language.name, s.user_id) for s in page]


def old_like_search(query):
    """The search as it was: every public live snippet's title and code scanned for the text."""
    from django.db.models import Q

    from djangobin.models import Snippet

    snippets = Snippet.objects.public().filter(Q(title__icontains=query) | Q(original_code__icontains=query))
    return snippets.select_related("language", "user").defer("original_code").order_by("-created_on", "-pk")


def timed(function, query):
    started = time.perf_counter()
    page_of(function(query))
    return time.perf_counter() - started


def measure(args, rng):
    from django.contrib.auth import get_user_model

    from djangobin.selectors import snippets_search

    results = {"new": [], "bands": {}, "cut": {}}
    words, japanese = build(args.rows, rng)
    owner = get_user_model().objects.get(username="owner")
    cut = set()

    def new(query):
        found = snippets_search(query=query, user=owner)
        if found.cut:
            cut.add(query)
        return found

    chosen = queries(words, japanese, args.queries, rng)
    results["load"] = os.getloadavg()[0]
    for _, query in chosen[:5]:  # warm the caches
        timed(new, query)
    for band, query in chosen:
        seconds = timed(new, query)
        results["new"].append(seconds)
        results["bands"].setdefault(band, []).append(seconds)
        results["cut"][band] = results["cut"].get(band, 0) + (query in cut)
    same = [(kind, query) for kind, query in chosen if kind in ("common", "medium", "rare", "in most pastes")]
    same = same[: args.baseline_queries]
    results["new_same"] = [timed(new, query) for _, query in same]
    results["old_same"] = [timed(old_like_search, query) for _, query in same]
    return results


SECTION_INTRO = """`bench/search.py` (`make bench-search`) builds a scratch database through the migrations (so with
the site's own search index) holding 200,000 snippets of generated code: words from a vocabulary of 5,000 drawn with
a Zipf law, 2 to 40 lines a paste; 70 % public, 15 % unlisted, 15 % private, a tenth expired, a tenth owned by the
searcher; 2 % hold a Japanese string. Each query is timed as the search page runs it, for the signed-in owner (so
with their own private pastes): the selector, then page 1 of 20 through Django's paginator (count and rows, language
and author joined, each result's excerpt marked). Queries, in equal numbers: single words from each frequency band
(the 10 words found in most pastes, common, medium, rare), pairs, a phrase, a prefix of 3 or 4 letters, an exclusion
(`medium -common`), an OR of two medium words, a Japanese substring of 3 characters (the trigram index) and of 2 (a
scan of the pastes holding such text). The baseline is the old search, `title LIKE '%q%' OR original_code LIKE
'%q%'` over public live snippets, newest first, timed on the first single-word queries of the same list in the same
run. Absolute times move with the machine's load, given with each run; the ratio is the comparison.

The "cut" column counts the queries whose page said that older snippets may match too (more matches than the
search looked at).

How the search stays bounded: each index is asked for the newest 200 matching snippets the searcher may see, those
are ranked (`bm25`; `ts_rank` over the stored `search_document`), and the best 100 are shown. FTS5 walks its matches
newest first and stops there. PostgreSQL's planner estimates well how many rows a word matches but misjudges what
walking the primary key backwards costs (each row's stored vector is read and decompressed to test it): so the
search takes its estimate and looks first in the window of newest ids where it expects twice the candidates it
needs, through bitmaps of the word index and of that window ANDed (plain index scans off for that statement; a
window of at most 5,000 ids may be walked), then, if that window fell short, among all the word index's matches. A
phrase is checked on the newest 1,000 snippets holding all its words (the GIN index knows no positions: a phrase
of two common words made the walk read the whole table). A substring of 2 characters, which has no trigram to look
up, is checked on `search_unspaced` (migration 0017), the few characters of such text a paste holds, instead of its
whole title and code."""


def _row(label, values, cut=None):
    """A table row: count, p50, p95 and max of `values` (seconds), and how many said older snippets may match."""
    cuts = percentiles(values)
    said = "-" if cut is None else f"{cut}"
    return f"| {label} | {len(values)} | {ms(cuts['p50'])} | {ms(cuts['p95'])} | {ms(max(values))} | {said} |"


def report(args, vendor, results):
    new, old, new_same = results["new"], results["old_same"], results["new_same"]
    new_p95 = percentiles(new)["p95"]
    ratio = percentiles(old)["p95"] / percentiles(new_same)["p95"]
    lines = [
        f"### {vendor}",
        "",
        f"{time.strftime('%Y-%m-%d')}, {args.rows:,} snippets, {len(new)} queries; the machine's load average was "
        f"{results['load']:.1f} on 2 cores when the queries began.",
        "",
        "| queries | count | p50 | p95 | max | cut |",
        "|---|---|---|---|---|---|",
        _row("all, full-text search", new, sum(results["cut"].values())),
        *(_row(band, values, results["cut"][band]) for band, values in sorted(results["bands"].items())),
        _row("baseline queries, full-text search", new_same),
        _row("the same queries, old LIKE scan", old),
        "",
        f"- p95 of the full-text search: **{ms(new_p95)}**; the target of under 100 ms is "
        + ("met." if new_p95 < 0.1 else "**not met**."),
        f"- On the same queries the old LIKE scan's p95 is **{ratio:,.0f} times** the full-text search's.",
    ]
    command = f".venv/bin/python bench/search.py --rows {args.rows} --queries {args.queries}"
    lines += ["", reproduce(command, bool(args.database_url)), ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="snippets (default 200,000)")
    parser.add_argument("--queries", type=int, default=300, help="full-text queries timed (default 300)")
    parser.add_argument("--baseline-queries", type=int, default=30, help="of those, also run the old way (30)")
    add_vendor_options(parser)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="djangobin-bench-") as directory:
        scratch = Scratch(directory, args.database_url)
        try:
            os.environ.update(production_env(scratch.create("search")))  # DEBUG off: no query log
            import django
            from django.core.management import call_command
            from django.db import connection

            django.setup()
            call_command("migrate", verbosity=0)
            vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite (WAL, as the site runs it)"
            print(f"Building {args.rows:,} snippets on {vendor} and timing {args.queries} queries ...", flush=True)
            started = time.perf_counter()
            results = measure(args, random.Random(11))
            print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
            connection.close()
        finally:
            scratch.drop_all()
    ratio = percentiles(results["old_same"])["p95"] / percentiles(results["new_same"])["p95"]
    print(f"\nRatio: the old LIKE scan's p95 is {ratio:,.0f}x the full-text search's (same queries, same run).")
    text = report(args, vendor, results)
    print("\n" + text)
    if not args.no_docs:
        write_vendor_block(SECTION, SECTION_INTRO, text)


if __name__ == "__main__":
    main()
