"""Issue 19, item 3: a web process's kept pages are bounded by bytes, read from its resident memory in /proc.

A gunicorn worker serves the pages of many big anonymous pastes (each page megabytes, over the page limit) and
of many middling ones (together past the byte cap); its resident memory grows by at most the cap plus slack,
where the old cache (LocMem, up to 1,000 pages) kept every one of them."""

import json
import sys
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.system import wait_for_http
from tests.support.web import WebClient

pytestmark = [pytest.mark.integration, pytest.mark.one_database]

MiB = 1024 * 1024
BIG_PASTES = 60  # 512 KiB of "&\n": a page of about 3.3 MB each
MIDDLING_PASTES = 80  # 120 KB each: a page of about 180 KB, under the page limit, and together past the cap
CAP = 8 * MiB
# What a worker's memory may grow by besides the cap. A big page's render leaves its strings in reference cycles
# (the template context, the request) that Python's cyclic collector frees in batches every few dozen requests;
# the allocator returns freed blocks of 128 KiB or more at once (MALLOC_MMAP_THRESHOLD_ below), so the resident
# size follows what is alive.
SLACK = 96 * MiB

CREATE = """
import json
from djangobin.models import Language, SnippetRender
from djangobin.services.snippets import snippet_create
text = Language.objects.get(lang_code="text")
def paste(code):
    return snippet_create(code=code, language=text, expiration="never", exposure="unlisted")
big = [paste("&\\n" * (256 * 1024 - 1) + str(n)).get_absolute_url() for n in range({big})]
middling = [paste("x = '&' # " * 12000 + str(n)).get_absolute_url() for n in range({middling})]
SnippetRender.objects.update(state="plain")
print(json.dumps([big, middling]))
"""


def resident_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def test_a_web_worker_serving_many_big_pages_keeps_its_memory_within_the_page_cache_cap(system, tmp_path):
    # Given a gunicorn worker as in production whose page cache holds at most CAP bytes, and many big and middling
    # pastes
    big, middling = json.loads(system.shell(CREATE.format(big=BIG_PASTES, middling=MIDDLING_PASTES)).splitlines()[-1])
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    argv = [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120", "django_project.wsgi"]
    production = {
        "DJANGO_DEBUG": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "PAGE_CACHE_MAX_BYTES": str(CAP),
        "MALLOC_MMAP_THRESHOLD_": str(128 * 1024),
    }
    system.manage("collectstatic", "--noinput", "-v", "0", env=production)
    web = system.start_program("web", argv, env=production)
    client = WebClient(f"http://127.0.0.1:{port}")
    wait_for_http(client, "/about/", web)
    [worker] = web.descendants()
    for path in (big[0], big[0], middling[0], middling[0]):  # warm: templates compiled, code paths run once
        assert client.get(path, timeout=120).status == 200
    before = resident_bytes(worker)

    # When every page is served, the big ones twice (the old cache served the second view from memory)
    sizes, grown = [], 0
    for path in big + middling + big:
        response = client.get(path, timeout=120)
        assert response.status == 200
        sizes.append(len(response.body))
        grown = max(grown, resident_bytes(worker) - before)

    # Then the worker never grew by more than the cap and slack, a fraction of what the pages would take if kept
    kept_by_old_cache = sum(sizes[: BIG_PASTES + MIDDLING_PASTES])
    assert min(sizes[:BIG_PASTES]) > 3 * MiB
    middling_sizes = sizes[BIG_PASTES : BIG_PASTES + MIDDLING_PASTES]
    assert max(middling_sizes) < 256 * 1024 and sum(middling_sizes) > 1.5 * CAP  # kept, and past the cap
    assert kept_by_old_cache > 1.5 * (CAP + SLACK)
    assert grown < CAP + SLACK, f"grew {grown / MiB:.0f} MiB; the pages served total {kept_by_old_cache / MiB:.0f} MiB"
