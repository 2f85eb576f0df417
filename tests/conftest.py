import json
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.rabbitmq import VhostPool
from tests.support.smtp import SmtpServer
from tests.support.system import ScratchDatabase, System


def pytest_addoption(parser):
    parser.addoption(
        "--share",
        metavar="K/N",
        help="run only the K-th of N shares of the selected tests, whole files each (scripts/test-passes runs the "
        "shares of the integration tests side by side, so that processes that wait overlap)",
    )
    parser.addoption(
        "--record-durations",
        metavar="FILE",
        help="write each test file's seconds (setup, call and teardown of its tests) to FILE as JSON, for "
        "scripts/test-passes to merge into tests/durations.json",
    )


DURATIONS = Path(__file__).with_name("durations.json")


@pytest.hookimpl(trylast=True)  # after `-m` and `-k` have deselected: shares are dealt from what will run
def pytest_collection_modifyitems(config, items):
    _skip_what_runs_in_the_sqlite_pass_only(items)
    if config.getoption("share"):
        _keep_one_share(config, items, config.getoption("share"))


def _skip_what_runs_in_the_sqlite_pass_only(items):
    """Browser tests, and tests marked `one_database`, run in the SQLite pass only. Browser tests check pages and
    their JavaScript, which do not change with the database, while the server-side behaviour they drive is tested
    in-process on both databases; the others check processes and files (units, the Procfile, headers) whatever
    database the processes use."""
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return
    skip_browser = pytest.mark.skip(reason="browser tests run in the SQLite pass")
    skip_one_database = pytest.mark.skip(reason="it does not depend on the database: it runs in the SQLite pass")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip_browser)
        elif item.get_closest_marker("one_database"):
            item.add_marker(skip_one_database)


def _keep_one_share(config, items, share):
    """Keep the files of share K of N: whole files, so that a module's fixtures (a web server, a browser) start once,
    dealt longest first to the share with the least time so far, the same split every run. A file's time is what
    tests/durations.json recorded for it on this database; a file it does not know yet counts the recorded mean
    seconds per test for each of its tests that will run."""
    k, n = (int(part) for part in share.split("/"))
    if not 1 <= k <= n:
        raise pytest.UsageError(f"--share {share}: K must be between 1 and N")
    tests = {}
    for item in items:
        tests[_file_of(item)] = tests.get(_file_of(item), 0) + _runs(item)
    recorded = _recorded_durations().get(_database_name(), {})
    known = [path for path in tests if path in recorded]
    per_test = sum(recorded[path] for path in known) / max(1, sum(tests[path] for path in known)) or 1.0
    weights = {path: recorded.get(path, count * per_test) if count else 0 for path, count in tests.items()}
    totals, owner = [0.0] * n, {}
    for path, weight in sorted(weights.items(), key=lambda pair: (-pair[1], pair[0])):
        lightest = totals.index(min(totals))
        owner[path] = lightest + 1
        totals[lightest] += weight
    kept = [item for item in items if owner[_file_of(item)] == k]
    config.hook.pytest_deselected(items=[item for item in items if owner[_file_of(item)] != k])
    items[:] = kept


def _runs(item):
    """False for a test marked to be skipped (as the PostgreSQL pass marks browser tests)."""
    return not any(marker.name == "skip" for marker in item.iter_markers())


def _file_of(item):
    return item.nodeid.split("::")[0]


def _database_name():
    return "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def _recorded_durations():
    try:
        return json.loads(DURATIONS.read_text())
    except FileNotFoundError:
        return {}


_file_seconds = {}


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    _file_seconds[path] = _file_seconds.get(path, 0.0) + report.duration


def pytest_sessionfinish(session):
    ScratchDatabase.drop_templates()
    if session.config.getoption("record_durations"):
        ran = {path: round(seconds, 1) for path, seconds in _file_seconds.items() if seconds >= 0.05}
        Path(session.config.getoption("record_durations")).write_text(json.dumps({_database_name(): ran}))


@pytest.fixture(scope="session")
def vhost_pool(request):
    needed = sum("rabbitmq_vhost" in item.fixturenames and _runs(item) for item in request.session.items)
    pool = VhostPool(needed)
    yield pool
    pool.close()


@pytest.fixture
def rabbitmq_vhost(vhost_pool):
    """A RabbitMQ virtual host of this test's own, deleted with all its queues afterwards."""
    vhost = vhost_pool.take()
    yield vhost
    vhost_pool.give_back(vhost)


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def system(tmp_path, rabbitmq_vhost, smtp_server):
    """A scratch djangobin (database, vhost, SMTP) for one integration test; its processes stop after it."""
    scratch = System(tmp_path / "system", rabbitmq_vhost.url, smtp=smtp_server)
    yield scratch
    scratch.stop()


@pytest.fixture(scope="session")
def private_rabbitmq(tmp_path_factory):
    """A RabbitMQ node of this test run's own, which tests may stop and restart (never the machine's)."""
    from tests.support import private_rabbitmq

    if not private_rabbitmq.available():
        pytest.skip("rabbitmq-server is not installed")
    node = private_rabbitmq.PrivateRabbitmq(tmp_path_factory.mktemp("rabbitmq")).start()
    yield node
    if node.node_up:
        node.stop()


@pytest.fixture
def private_broker(private_rabbitmq):
    """The private node, up, with a virtual host of this test's own; `.url` is the vhost's AMQP URL."""
    import uuid

    node = private_rabbitmq
    node.ensure_up()
    node.vhost = f"test-{uuid.uuid4().hex[:10]}"
    node.vhost_url = node.add_vhost(node.vhost)
    yield node
    node.ensure_up()
    node.ctl("delete_vhost", node.vhost)


@pytest.fixture
def outage_system(tmp_path, private_broker, smtp_server):
    """A scratch djangobin whose RabbitMQ (the private node) a test may take down and restart."""
    scratch = System(tmp_path / "system", private_broker.vhost_url, smtp=smtp_server)
    yield scratch
    scratch.stop()


@pytest.fixture
def make_system(tmp_path, rabbitmq_vhost, smtp_server):
    """Build scratch djangobins with extra environment, e.g. `make_system(env={"MAIL_RETRY_MIN_BACKOFF_MS": "200"})`;
    `smtp=False` leaves EMAIL_HOST unset (the console backend). All of them stop after the test."""
    systems = []

    def make(env=None, smtp=True):
        extra = {} if smtp else {"EMAIL_HOST": ""}
        scratch = System(
            tmp_path / f"system-{len(systems)}",
            rabbitmq_vhost.url,
            smtp=smtp_server if smtp else None,
            env={**extra, **(env or {})},
        )
        systems.append(scratch)
        return scratch

    yield make
    for scratch in systems:
        scratch.stop()


@pytest.fixture(scope="session")
def rabbitmq_cluster(tmp_path_factory):
    """Three RabbitMQ nodes of this test run's own in one cluster, shared by the tests that need one (starting it
    takes most of a minute). Its consumer_timeout is one minute, the least RabbitMQ checks reliably."""
    from tests.support import private_rabbitmq

    if not private_rabbitmq.available():
        pytest.skip("rabbitmq-server is not installed")
    cluster = private_rabbitmq.PrivateCluster(tmp_path_factory.mktemp("cluster"), config="consumer_timeout = 60000")
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def cluster_system(tmp_path, rabbitmq_cluster, smtp_server):
    """A scratch djangobin on the cluster: every node in RABBITMQ_URL, quorum queues, a virtual host of its own."""
    import uuid

    for node in rabbitmq_cluster.nodes:
        if not node.node_up:
            node.start()
    vhost = f"test-{uuid.uuid4().hex[:10]}"
    env = {
        "RABBITMQ_URL": rabbitmq_cluster.add_vhost(vhost),
        "RABBITMQ_QUEUE_TYPE": "quorum",
        "RABBITMQ_CONSUMER_TIMEOUT_MS": "60000",
        "RABBITMQ_MANAGEMENT_URL": rabbitmq_cluster.management_urls(),
    }
    scratch = System(tmp_path / "system", env["RABBITMQ_URL"], smtp=smtp_server, env=env)
    scratch.vhost = vhost
    yield scratch
    scratch.stop()
    for node in rabbitmq_cluster.nodes:
        if not node.node_up:
            node.start()
    rabbitmq_cluster.up().ctl("delete_vhost", vhost)


@pytest.fixture
def broker():
    """The test settings' StubBroker, emptied before and after the test: what in-process code sent lands here."""
    import dramatiq

    import actors.mail  # noqa: F401  (declares the mail queue on the broker, as a worker would)

    stub = dramatiq.get_broker()
    stub.flush_all()
    yield stub
    stub.flush_all()


@pytest.fixture(autouse=True)
def empty_caches():
    """Each test starts with empty caches: a page part kept by an earlier test (the sidebar, a snippet page) is
    not this test's."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture(autouse=True)
def outbox_publishes_in_the_committing_thread(monkeypatch):
    """In-process tests publish the outbox's direct path in the thread that committed: the publishing thread's own
    database connection would commit the task history it records outside the test's transaction (on PostgreSQL,
    where threads do not share the test's connection, those rows outlived the test)."""
    from delivery import outbox

    monkeypatch.setattr(outbox._publisher, "send", outbox._send)


@pytest.fixture
def browser():
    """Debian's chromium through Playwright, closed after the test."""
    from tests.support.browser import chromium

    with chromium() as launched:
        yield launched
