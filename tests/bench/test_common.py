"""bench/common.py's writer of docs/benchmarks.md: a rerun replaces its vendor's block whatever the heading's date."""

import pytest

from bench import common

pytestmark = pytest.mark.one_database


def test_a_rerun_on_another_day_replaces_its_vendors_block_and_keeps_the_others(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "REPO", tmp_path)
    monkeypatch.setattr(common, "BENCHMARKS", tmp_path / "benchmarks.md")
    common.write_vendor_block("Bench", "Intro.", "### SQLite (2 cores, 2026-12-06)\n\nold sqlite\n")
    common.write_vendor_block("Bench", "Intro.", "### PostgreSQL (2 cores, 2026-12-06)\n\nold postgres\n")

    common.write_vendor_block("Bench", "Intro.", "### SQLite (2 cores, 2026-12-07; load average 0.20)\n\nnew sqlite\n")

    text = (tmp_path / "benchmarks.md").read_text()
    assert "old sqlite" not in text
    assert text.index("new sqlite") < text.index("old postgres")
    assert text.count("### ") == 2
