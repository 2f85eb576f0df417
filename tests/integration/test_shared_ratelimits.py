"""Point 7 with the production cache: rate-limit counts kept in Redis are shared by every web process."""

import uuid

import pytest

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_prefix():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"djangobin-test-{uuid.uuid4().hex[:10]}"  # this run's own keys: nothing shared with anyone else
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_two_web_processes_count_one_clients_posts_together(tmp_path, rabbitmq_vhost, redis_prefix):
    from tests.support.system import System

    env = {
        "REDIS_URL": REDIS_URL,
        "DJANGO_CACHE_PREFIX": redis_prefix,
        "DJANGO_RATELIMIT": "1",
        "DJANGO_RATE_CONTACT": "3/h",
    }
    system = System(tmp_path / "system", rabbitmq_vhost.url, env=env)
    try:
        first, second = system.start_web(), system.start_web()
        data = {"name": "Ann", "email": "ann@example.com", "purpose": "bug", "message": "hello"}
        statuses = [system.client(web).post("/contact/", data).status for web in (first, second, first, second)]
        assert statuses == [302, 302, 302, 429]
        refused = system.client(first).post("/contact/", data)
        assert refused.status == 429
        assert "Too many requests" in refused.body
    finally:
        system.stop()
