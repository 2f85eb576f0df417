#!/usr/bin/env python3
"""The expiry purge at scale: the tutorial's per-row loop against our `remove_snippets`, on identical data.

    .venv/bin/python bench/expiry.py                      # 200,000 snippets, then 1,000,000 for ours alone
    .venv/bin/python bench/expiry.py --rows 20000 --big-rows 0
    .venv/bin/python bench/expiry.py --database-url postgres://postgres@127.0.0.1:5432/postgres

It builds a scratch database (SQLite in a temporary directory unless --database-url names a PostgreSQL server,
where it creates and drops databases of its own) with N snippets, each with 0-3 tags: a quarter expired, half
still live with an expiration, a quarter never expiring. It copies that database, runs the tutorial's loop on one
copy and `actors.snippets.remove_snippets` on the other, each in a fresh process (so that peak RSS is its own),
and checks that both leave exactly the same snippets and tag links - the ones the build meant to keep.

The tutorial's loop (OverIQ's `remove_snippets`, Celery chapter) is kept line for line on our model: it loads
every snippet whose expiration is not `never`, computes `created_on + 7/30/180/360 days` and calls `s.delete()`
on each row where `(deletion_time - now).days <= 0`. Two of its rules differ from ours: months of 30 days (ours
are calendar months) and `days <= 0`, which deletes up to a day early. Both are kept as written; the data make
them irrelevant to WHICH rows go, so that the comparison is of speed alone: an expired snippet's expiry lies at
least 4 days in the past by both rules, a live one's at least 3 days ahead by both rules (calendar and 30-day
months differ by at most 6 days over a year, and 2 days for one month).

Timing: wall clock of the purge call alone. Memory: peak RSS of the process over its RSS before the call,
and RSS sampled every 20 ms during it. Transactions: every outermost `transaction.atomic` block is timed from
BEGIN to COMMIT (Django's `Model.delete()` and our batches both use one).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from expiry_phases import IMPLEMENTATIONS, build, measure

from bench.common import BENCHMARKS, REPO, add_vendor_options, production_env, reproduce, write_vendor_block
from django_project.dbadmin import pg_execute

SECTION = "Expiry purge"


# --- scratch databases -----------------------------------------------------------------------------------


class Scratch:
    """Databases for one run: SQLite files in a temporary directory, or PostgreSQL databases on a server."""

    def __init__(self, directory, server_url=None):
        self.directory, self.server_url, self.created = Path(directory), server_url, []

    def url(self, name):
        if self.server_url:
            return self.server_url.rsplit("/", 1)[0] + "/" + self._pg_name(name)
        return f"sqlite:///{self.directory / (name + '.sqlite3')}"

    def _pg_name(self, name):
        return f"djangobin_bench_{os.getpid()}_{name}"

    def _admin(self, sql):
        pg_execute(self.server_url, sql)

    def create(self, name):
        if self.server_url:
            self._admin(f'CREATE DATABASE "{self._pg_name(name)}"')
            self.created.append(name)
        return self.url(name)

    def copy(self, source, name):
        if self.server_url:
            self._admin(f'CREATE DATABASE "{self._pg_name(name)}" TEMPLATE "{self._pg_name(source)}"')
            self.created.append(name)
        else:
            shutil.copyfile(self.directory / f"{source}.sqlite3", self.directory / f"{name}.sqlite3")
            os.sync()  # else the purge's first fsync would write the whole copy out, charged to whichever runs
        return self.url(name)

    def drop_all(self):
        for name in self.created:
            self._admin(f'DROP DATABASE IF EXISTS "{self._pg_name(name)}" WITH (FORCE)')


def child(phase, database_url, *extra):
    """Run one phase in a fresh Python process against `database_url`; returns the JSON it prints."""
    env = {**os.environ, **production_env(database_url)}  # DEBUG off: it would keep every query in memory
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *extra], cwd=REPO, env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"phase {phase} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def build_database(scratch, name, rows, paste_lines):
    url = scratch.create(name)
    started = time.perf_counter()
    built = child("build", url, "--rows", str(rows), "--paste-lines", str(paste_lines))
    built["build_seconds"] = time.perf_counter() - started
    return url, built


# --- reporting -------------------------------------------------------------------------------------------


def mib(value):
    return f"{value / 2**20:,.0f} MiB"


def ms(seconds):
    return f"{seconds * 1000:,.1f} ms"


LABELS = {
    "tutorial": "tutorial's per-row loop",
    "ours": "ours: `remove_snippets`",
    "floor": "floor: one DELETE of all expired rows, one transaction",
}


def loads(results):
    return ", ".join(f"{name} {result['load']:.1f}" for name, result in results.items())


def summary(result):
    return (
        f"{result['seconds']:.2f} s, peak RSS {mib(result['rss_peak'])} (+{mib(result['rss_growth'])}), "
        f"{result['transactions']:,} transactions, longest {ms(result['longest_transaction'])}, "
        f"longest wait of a concurrent write {ms(result['longest_write_wait'])}, load average {result['load']:.1f}"
    )


SECTION_INTRO = """`bench/expiry.py` builds a scratch database of snippets with tags (a quarter expired, half live
with an expiration, a quarter never expiring; ids in creation order, as on a real site), copies it, and runs on each
copy, in a fresh process: the tutorial's `remove_snippets` loop (line for line on our model: load every snippet whose
expiration is not `never`, compute `created_on` + 7/30/180/360 days, `s.delete()` each row with `(deletion_time -
now).days <= 0`), ours (`actors.snippets.remove_snippets`, i.e. `snippets_expired_delete`), and a floor: three DELETE
statements (tag links, renders, snippets) over all expired rows in one transaction, which is the database's own work
and no usable purge (on SQLite it blocks the site's writes throughout). Every copy must end with exactly the snippets,
renders and tag links the build meant to keep. During each purge a thread counts a page hit on a live snippet every 20
ms (the site's own write) and times it; "transaction" is an outermost `transaction.atomic` block, BEGIN to COMMIT;
memory is RSS.

How the tutorial's loop and ours delete the same rows: the tutorial's 30-day months and its `days <= 0` (which
deletes up to a day early) are kept as written; ours deletes `expires_at <= now`, stored with calendar months. The
build places every expired snippet's expiry at least 4 days in the past and every live one's at least 3 days ahead
by both rules (30-day and calendar months differ by at most 6 days a year, 2 days for one month), so the two rules
never disagree on this data, and the checks above would catch it if they did.

What ours does: it reads ids off the `expires_at` index 1,000 at a time (10,000 on PostgreSQL) and deletes them in id
order, so that a batch touches neighbouring table pages, in transactions sized by time: each aims at 25 ms on SQLite
(100 ms on PostgreSQL, where a batch blocks no page view), grows by a quarter while batches run quicker and shrinks at
once when one runs slower. A batch is three plain `DELETE ... WHERE ... IN (...)` statements (tag links, renders, then
snippets), not Django's collector, which SELECTed the ids again and built an instance per row. On SQLite the purge
checkpoints the write-ahead log after every batch (PASSIVE, outside any transaction), and the site's connections run
with `secure_delete=FAST` instead of Debian's default, which zeroes every freed page (settings.py says what that
trades: deleted content may linger in free pages of the file until reused or a VACUUM).

What each change was worth, in single runs on the SQLite data below while choosing (a shared machine, so only the size
of the effect counts): the previous version (batches of 100 rows through the collector, a checkpoint after each) took
10-11 s; time-sized batches brought it to 5-6 s, the plain DELETEs to 4-4.5 s, `secure_delete=FAST` took a further
quarter off (in a bare sqlite3 loop: 3.0 s with it ON, 2.1 s with FAST or OFF; FAST and OFF were alike), and id order
about a sixth. What did not help: a checkpoint every 5,000 rows instead of every batch was no faster overall (each
batch's checkpoint is cheap once batches are large), and a site write then waited 546 ms, because a visitor's COMMIT
that finds over 1,000 pages in the log copies all of them inside that COMMIT. Relying on SQLite's own autocheckpoint
does the same inside the purge's COMMITs (a 440 ms transaction). Batches of up to 3,000 rows on SQLite ran the 200,000
in 3.2 s, but at 1,000,000 snippets one transaction took 132 ms and a site write waited 180 ms (most likely: a
visitor's COMMIT that lands between a batch and the purge's checkpoint copies that batch's pages, and the purge's next
BEGIN waits for it), so SQLite's batches stop at 1,000 rows. Also capping each batch at 800 pages of log, so that no
visitor's COMMIT ever checkpoints, made batches of about 65 rows and the purge about 4 times slower (16 s, on a busier
machine): not kept.

Rows of the new shape (highlighting in the worker): a snippet's row holds its code only (517 bytes on average for
these pastes, where it held 4,609 bytes of code and table HTML before); the highlighted HTML (about 1.5 KB here) is a
row of `djangobin_snippetrender`, which ours and the floor delete in the same transaction as the snippet and which
the tutorial's `s.delete()` removes through Django's collector (one SELECT and one DELETE more per row).

Why 100 times is still out of reach: in the runs below the floor - one statement, no purge at all - was only 33 times
(SQLite) and 92 times (PostgreSQL) as fast as the tutorial's loop, so on this machine no purge can be 100 times as
fast; ours took 3.0 times the floor on SQLite and 4.4 times on PostgreSQL (4.2 and 4.1 with the old rows). Smaller
rows did not make the tutorial's loop faster against the floor: its cost is per row (a query, an instance, a
transaction), not per byte; what shrank is its memory (+236 MiB on SQLite instead of +844 MiB). These runs were made
while other suites loaded the 2-core machine to a load average of 8 to 18, and every time is 2 to 6 times the
previous run's (the tutorial's loop: 155.7 s against 77.0 s on SQLite, 872 s against 148 s on PostgreSQL): compare
ratios only. On SQLite the longest transaction of ours (175 ms at 200,000 snippets, 156 ms at 1,000,000) missed the
100 ms target in these loaded runs: batches aim at 25 ms and shrink after a slow one, but a stall of the machine in
the middle of a batch lengthens that batch; the previous run, on a quieter machine, kept every one under 91 ms.

Figures of the previous run (old rows, 2026-11-25): SQLite, tutorial 77.01 s, ours 7.64 s (10.1 times), floor
1.80 s; 1,000,000 snippets, ours alone 20.6 s, longest transaction 69.3 ms. PostgreSQL, tutorial 147.89 s, ours
6.35 s (23.3 times), floor 1.56 s."""


def report(args, vendor, built, results, big):
    """This run's block of the section: a table, the verdicts against the targets, and the big run."""
    tutorial, ours = results["tutorial"], results["ours"]
    expired = built["rows"] - built["kept"]
    ratio = tutorial["seconds"] / ours["seconds"]
    lines = [
        f"### {vendor}",
        "",
        f"{time.strftime('%Y-%m-%d')}, a 2-core machine that other test suites shared at the time (timings move by "
        f"10-30 % between runs). {built['rows']:,} snippets (pastes of 2 to {args.paste_lines + 1} lines: "
        f"{built['bytes_per_row']:,} bytes of code a row on average, and in the render table "
        f"{built['render_bytes_per_row']:,} bytes of HTML) and {built['links_total']:,} tag links; {expired:,} "
        f"expired. Every copy kept exactly the {built['kept']:,} snippets, their renders and the "
        f"{built['links_kept']:,} tag links it should.",
        "",
        "| purge | time | rows deleted / s | peak RSS (growth during the purge) | transactions | longest "
        "transaction | longest wait of a site write |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        lines.append(
            f"| {LABELS[name]} | {result['seconds']:.2f} s | {expired / result['seconds']:,.0f} | "
            f"{mib(result['rss_peak'])} ({mib(result['rss_growth'])}) | {result['transactions']:,} | "
            f"{ms(result['longest_transaction'])} | {ms(result['longest_write_wait'])} |"
        )
    met = "met" if ratio >= 100 else "**not met**"
    lines += [
        "",
        f"- Speed: ours is **{ratio:,.1f} times** as fast as the tutorial's loop; the target of 100 times is {met}.",
    ]
    if "floor" in results:
        ceiling = tutorial["seconds"] / results["floor"]["seconds"]
        lines.append(
            f"- The floor, the database's own work on these rows in one transaction, took "
            f"{results['floor']['seconds']:.2f} s, {ceiling:,.0f} times as fast as the tutorial's loop; ours takes "
            f"**{ours['seconds'] / results['floor']['seconds']:,.2f} times** the floor, in short transactions "
            "(target: at most 1.5 times)."
        )
    lines += [
        f"- Longest delete transaction of ours: {ms(ours['longest_transaction'])}"
        + (" (target on SQLite: under 100 ms)." if "SQLite" in vendor else ".")
        + f" Load average (1 min) of the machine at the start of each purge: {loads(results)}.",
        f"- Memory: the tutorial's loop holds every expiring row at once (+{mib(tutorial['rss_growth'])}); ours "
        f"holds one batch of ids (+{mib(ours['rss_growth'])}).",
    ]
    if big:
        big_built, big_ours = big
        big_expired = big_built["rows"] - big_built["kept"]
        lines.append(
            f"- {big_built['rows']:,} snippets ({big_expired:,} expired), ours alone: {big_ours['seconds']:.1f} s "
            f"({big_expired / big_ours['seconds']:,.0f} rows/s), longest transaction "
            f"{ms(big_ours['longest_transaction'])}, longest wait of a site write "
            f"{ms(big_ours['longest_write_wait'])} (load average {big_ours['load']:.1f}), RSS growth "
            f"{mib(big_ours['rss_growth'])} (at {built['rows']:,} rows: {mib(ours['rss_growth'])}); "
            "RSS at each quarter of the run: "
            + ", ".join(mib(v) for v in big_ours["rss_quarters"])
            + (
                ". Memory stays flat as the table grows."
                if big_ours["rss_growth"] <= 2 * ours["rss_growth"] + 8 * 2**20
                else ". Memory grew with the table."
            )
            + f" (Building that database took {big_built['build_seconds']:.0f} s.)"
        )
    command = f".venv/bin/python bench/expiry.py --rows {built['rows']} --big-rows {big[0]['rows'] if big else 0}"
    lines += ["", reproduce(command, "PostgreSQL" in vendor), ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="snippets in the comparison (default 200,000)")
    parser.add_argument("--big-rows", type=int, default=1_000_000, help="snippets for ours alone; 0 skips it")
    parser.add_argument("--paste-lines", type=int, default=20, help="longest paste in lines (default 20)")
    parser.add_argument("--no-floor", action="store_true", help="skip the one-statement floor")
    add_vendor_options(parser)
    parser.add_argument("--phase", choices=["build", *IMPLEMENTATIONS], help=argparse.SUPPRESS)
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    if args.phase == "build":
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        print(json.dumps(build(args.rows, args.paste_lines)))
        return
    if args.phase:
        print(json.dumps(measure(args.phase)))
        return

    vendor = "PostgreSQL" if args.database_url else "SQLite (WAL, synchronous=NORMAL, as the site runs it)"
    names = ["tutorial", "ours"] + ([] if args.no_floor else ["floor"])
    with tempfile.TemporaryDirectory(prefix="djangobin-bench-") as directory:
        scratch = Scratch(directory, args.database_url)
        try:
            print(f"Building {args.rows:,} snippets ...", flush=True)
            _, built = build_database(scratch, "base", args.rows, args.paste_lines)
            print(f"  built in {built['build_seconds']:.0f} s; {args.rows - built['kept']:,} expired", flush=True)
            results = {}
            for name in names:
                url = scratch.copy("base", name)
                print(f"Running {name} ...", flush=True)
                results[name] = child(name, url)
                print("  " + summary(results[name]), flush=True)
                for key in ("kept", "kept_digest", "links_kept", "renders_kept"):
                    if results[name][key] != built[key]:
                        raise SystemExit(f"{name} left {key}={results[name][key]}, expected {built[key]}")
            big = None
            if args.big_rows:
                print(f"Building {args.big_rows:,} snippets for ours alone ...", flush=True)
                big_url, big_built = build_database(scratch, "big", args.big_rows, args.paste_lines)
                print(f"  built in {big_built['build_seconds']:.0f} s", flush=True)
                big_ours = child("ours", big_url)
                print("  " + summary(big_ours), flush=True)
                if (big_ours["kept"], big_ours["kept_digest"]) != (big_built["kept"], big_built["kept_digest"]):
                    raise SystemExit("ours left the wrong snippets in the big run")
                big = (big_built, big_ours)
        finally:
            scratch.drop_all()
    ratio = results["tutorial"]["seconds"] / results["ours"]["seconds"]
    print(f"\nSpeed ratio: ours is {ratio:,.1f}x the tutorial's loop.")
    text = report(args, vendor, built, results, big)
    print("\n" + text)
    if not args.no_docs:
        write_vendor_block(SECTION, SECTION_INTRO, text)
        print(f"Written to {BENCHMARKS.relative_to(REPO)}.")


if __name__ == "__main__":
    main()
