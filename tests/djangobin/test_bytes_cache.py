"""djangobin/bytes_cache.py: the pages' cache is bounded by bytes (issue 19, item 3)."""

import random
import threading
import time

import pytest

from djangobin.bytes_cache import ByteBoundedCache

KiB = 1024


def make_cache(name, *, max_bytes=64 * KiB, max_entry_bytes=16 * KiB):
    cache = ByteBoundedCache(name, {"OPTIONS": {"MAX_BYTES": max_bytes, "MAX_ENTRY_BYTES": max_entry_bytes}})
    cache.clear()
    return cache


def kept_sizes(cache):
    return sum(size for _, _, size in cache._store.entries.values())


@pytest.fixture
def clock(monkeypatch):
    """The wall clock the cache reads, moved by the test."""
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


def test_an_entry_over_the_entry_limit_is_not_kept():
    cache = make_cache("entry-limit")

    cache.set("big", "x" * (17 * KiB))

    assert cache.get("big") is None
    assert cache.total_bytes == 0


def test_an_entry_over_the_limit_drops_the_value_its_key_held_rather_than_leave_it_served():
    cache = make_cache("entry-limit-replaces")
    cache.set("page", "small")

    cache.set("page", "x" * (17 * KiB))

    assert cache.get("page") is None


def test_an_entry_within_the_limit_is_kept_and_counted_with_its_key():
    cache = make_cache("within")

    cache.set("page", "x" * (10 * KiB))

    assert cache.get("page") == "x" * (10 * KiB)
    assert 10 * KiB < cache.total_bytes < 11 * KiB


def test_the_total_never_passes_the_cap_however_many_entries_are_added():
    cache = make_cache("cap", max_bytes=64 * KiB)
    sizes = random.Random(19).choices(range(100, 16 * KiB), k=500)

    for number, size in enumerate(sizes):
        cache.set(f"page-{number}", "y" * size)
        assert cache.total_bytes <= 64 * KiB
        assert cache.total_bytes == kept_sizes(cache)

    assert cache.get(f"page-{len(sizes) - 1}") == "y" * sizes[-1]  # the newest is always kept


def test_the_least_recently_used_entry_is_dropped_first():
    cache = make_cache("lru", max_bytes=40 * KiB)
    for name in ("a", "b", "c"):
        cache.set(name, name * (12 * KiB))
    cache.get("a")  # "b" is now the least recently used

    cache.set("d", "d" * (12 * KiB))

    assert [name for name in "abcd" if cache.get(name) is not None] == ["a", "c", "d"]


def test_an_entry_expires_after_its_own_timeout(clock):
    cache = make_cache("expiry")
    cache.set("short", "s", timeout=10)
    cache.set("long", "l", timeout=60)

    clock[0] += 30

    assert cache.get("short") is None and cache.get("long") == "l"
    assert cache.total_bytes == kept_sizes(cache)


def test_add_keeps_a_live_value_and_replaces_an_expired_one(clock):
    cache = make_cache("add")
    cache.set("page", "first", timeout=10)

    assert cache.add("page", "second") is False
    clock[0] += 11
    assert cache.add("page", "third") is True
    assert cache.get("page") == "third"


def test_instances_of_one_location_share_one_store_across_threads():
    cache = make_cache("shared")
    other = []
    thread = threading.Thread(target=lambda: other.append(ByteBoundedCache("shared", {"OPTIONS": {}})))
    thread.start()
    thread.join()

    other[0].set("page", "from another thread")

    assert cache.get("page") == "from another thread"


def test_concurrent_writers_never_push_the_total_past_the_cap():
    cache = make_cache("concurrent", max_bytes=64 * KiB)

    def write(seed):
        sizes = random.Random(seed).choices(range(100, 16 * KiB), k=300)
        for number, size in enumerate(sizes):
            cache.set(f"{seed}-{number}", "z" * size)
            cache.get(f"{seed}-{number // 2}")

    threads = [threading.Thread(target=write, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert cache.total_bytes <= 64 * KiB
    assert cache.total_bytes == kept_sizes(cache)
