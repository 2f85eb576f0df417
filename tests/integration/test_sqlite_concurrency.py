"""Point 5: the web server and a worker with 8 threads write to one SQLite file at once, without a lock error."""

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="SQLite's locking is what is tested here"
    ),
]

QUEUED_MAILS = 150  # waiting for the worker when the load starts
CONTACTS = 100  # each a write in the web process and a message the worker writes for
PASTES = 60
VIEWS = 60  # each a hit-counter UPDATE

QUEUE_MAILS = """
from djangobin.services.feedback import feedback_create
for n in range({n}):
    feedback_create(name="Queued", email="q@example.com", purpose="other", message=f"queued mail {{n}}")
"""


def test_the_web_server_and_an_eight_thread_worker_write_at_once_without_database_is_locked(system, smtp_server):
    system.shell(QUEUE_MAILS.format(n=QUEUED_MAILS))
    web = system.start_web()
    seed = system.client(web)
    first = seed.post("/", {"original_code": "x = 1\n", "language": "1", "expiration": "never", "exposure": "public"})
    assert first.status == 302
    slug = first.location.strip("/").rsplit("/", 1)[-1]

    statuses, lock = [], threading.Lock()

    def request(kind, n):
        client = system.client(web)
        if kind == "contact":
            data = {"name": f"Load {n}", "email": "load@example.com", "purpose": "bug", "message": f"load mail {n}"}
            response = client.post("/contact/", data)
        elif kind == "paste":
            code = f"print({n})\n"
            data = {"original_code": code, "language": "1", "expiration": "never", "exposure": "public", "tags": "a,b"}
            response = client.post("/", data)
        else:
            response = client.get(f"/{slug}/")
        with lock:
            statuses.append((kind, response.status))

    jobs = [("contact", n) for n in range(CONTACTS)] + [("paste", n) for n in range(PASTES)]
    jobs += [("view", n) for n in range(VIEWS)]
    jobs.sort(key=lambda job: job[1])  # interleave the kinds

    started = time.monotonic()
    worker = system.start_worker(threads=8)  # the queued mails start flowing as the load starts
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda job: request(*job), jobs))
    load_seconds = time.monotonic() - started
    mails = smtp_server.wait_for(QUEUED_MAILS + CONTACTS, timeout=180)
    drained_seconds = time.monotonic() - started

    assert [s for s in statuses if s[1] >= 400] == []
    assert len(statuses) == len(jobs)
    assert len(mails) == QUEUED_MAILS + CONTACTS
    for process in (web, worker):
        assert "database is locked" not in process.log()
        assert "OperationalError" not in process.log()
    # The web process adds its counted views to the row every SNIPPET_HITS_FLUSH_SECONDS (10 s by default).
    deadline = time.monotonic() + 30
    while True:
        hits = system.shell(f"from djangobin.models import Snippet; print(Snippet.objects.get(slug='{slug}').hits)")
        if hits.splitlines()[-1] == str(VIEWS) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert hits.splitlines()[-1] == str(VIEWS)
    bodies = {re.search(r"(queued|load) mail \d+", m.get_content()).group() for _, m in mails}
    assert len(bodies) == QUEUED_MAILS + CONTACTS
    print(
        f"\n[sqlite] {len(jobs) + 1} requests in {load_seconds:.1f} s with 8 client threads, "
        f"{QUEUED_MAILS + CONTACTS} mails written and sent by 8 worker threads, all done in {drained_seconds:.1f} s"
    )
