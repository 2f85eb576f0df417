"""Burn after reading under real concurrency: many simultaneous first views on gunicorn, exactly one sees it."""

import threading
import urllib.parse
import urllib.request

import pytest

from tests.support.web import WebClient

pytestmark = pytest.mark.integration

READERS = 8


def test_of_simultaneous_first_views_exactly_one_gets_the_snippet_and_it_is_gone_from_the_database(system):
    web = system.start_web(server="gunicorn")
    body = urllib.parse.urlencode({"content": "launch code 0000\n", "burn_after_reading": "1"}).encode()
    with urllib.request.urlopen(web.base_url + "/api/v2/", data=body, timeout=30) as answer:
        assert answer.status == 201
        slug = answer.read().decode().strip().rstrip("/").rsplit("/", 1)[1]

    # When several readers, each with a browser of their own, open it at the same moment (raw and page alike)
    start, results = threading.Barrier(READERS), []

    def read(n):
        path = f"/raw/{slug}/" if n % 2 else f"/{slug}/"
        client = WebClient(web.base_url)
        start.wait()
        response = client.get(path)
        results.append((response.status, "launch code" in response.body))

    threads = [threading.Thread(target=read, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then exactly one of them saw it, the others found nothing, and the row is gone
    assert sorted(results) == [(200, True)] + [(404, False)] * (READERS - 1), system.logs()
    assert (
        system.shell(f"from djangobin.models import Snippet; print(Snippet.objects.filter(slug={slug!r}).count())")
        == "0"
    )
