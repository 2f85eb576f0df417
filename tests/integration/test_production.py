"""Production mode, checked on real processes: settings come from the environment exactly as an operator sets them."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.system import REPO, System

pytestmark = pytest.mark.integration

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "django_project.settings",
    "DJANGO_DEBUG": "0",
    "EMAIL_HOST": "127.0.0.1",
    "DJANGO_SECRET_KEY": "k2V9rQ_production-like-secret-7XcJm3pL0tYw8sZbN4fHq6dGe1uAiRoKvTnMxCyBzWj5",
    "DJANGO_ALLOWED_HOSTS": "paste.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://paste.example.com",
    "DJANGO_SITE_URL": "https://paste.example.com",
    "DJANGO_SSL_REDIRECT": "1",
    "DJANGO_BEHIND_PROXY": "1",
}


def environment(tmp_path, **values):
    """The test run's environment without any DJANGO_ variable of its own, plus `values`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "EMAIL_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return {**env, **values}


def run(argv, env, timeout=60):
    return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)


CHECK_DEPLOY = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]


def test_check_deploy_is_clean_with_production_like_values(tmp_path):
    result = run(CHECK_DEPLOY, environment(tmp_path, **PRODUCTION, REDIS_URL="redis://127.0.0.1:6379/0"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_that_rate_limits_need_redis_in_production(tmp_path):
    result = run(CHECK_DEPLOY, environment(tmp_path, **PRODUCTION))
    assert result.returncode != 0
    assert "(djangobin.W001) REDIS_URL is not set" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "message"),
    [("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY is not set"), ("EMAIL_HOST", "EMAIL_HOST is not set")],
)
def test_gunicorn_refuses_to_start_in_production_without_a_required_setting(tmp_path, name, message):
    env = environment(tmp_path, **{**PRODUCTION, name: ""})
    result = run([GUNICORN, "--bind", "127.0.0.1:0", "django_project.wsgi"], env)
    assert result.returncode != 0
    assert message in result.stderr


def test_without_an_email_host_only_development_starts(tmp_path):
    without = {**PRODUCTION, "EMAIL_HOST": ""}
    assert run([sys.executable, "manage.py", "check"], environment(tmp_path, **without)).returncode != 0
    development = run([sys.executable, "manage.py", "check"], environment(tmp_path, **{**without, "DJANGO_DEBUG": "1"}))
    assert development.returncode == 0, development.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG='maybe' is not a boolean"),
        ("EMAIL_PORT", "twenty-five", "EMAIL_PORT='twenty-five' is not a whole number"),
        ("DJANGO_ADMINS", "Ann ann@example.com", "DJANGO_ADMINS: 'Ann ann@example.com' is not an email address"),
    ],
)
def test_a_bad_value_in_the_environment_stops_start_up_with_a_message_naming_it(tmp_path, name, value, message):
    result = run([sys.executable, "manage.py", "check"], environment(tmp_path, **{**PRODUCTION, name: value}))
    assert result.returncode != 0
    assert message in result.stderr


def test_with_debug_off_gunicorn_serves_the_site_and_its_collected_static_files_through_whitenoise(tmp_path):
    static_root = tmp_path / "static"
    env = {
        **PRODUCTION,
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(static_root),
    }
    system = System(tmp_path / "system", "amqp://guest:guest@127.0.0.1:5672/", env=env)
    try:
        system.manage("collectstatic", "--noinput", "-v", "0")
        web = system.start_web(server="gunicorn", ready_path="/")
        client = system.client(web)
        # The page links its stylesheets and scripts by hashed names (the manifest storage of DEBUG off)
        page = client.get("/")
        assert page.status == 200
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.body)
        assert any(re.fullmatch(r"/static/djangobin/css/site\.[0-9a-f]{12}\.css", asset) for asset in assets), assets
        for asset in assets:
            response = client.get(asset)
            assert response.status == 200, asset
            # A far-future, immutable cache for a hashed name is whitenoise's doing (Django serves no static
            # files with DEBUG off), and the bytes are those collected into STATIC_ROOT.
            assert "immutable" in response.headers["Cache-Control"], asset
            assert response.body == (static_root / asset.removeprefix("/static/")).read_text(), asset
        assert client.get("/static/djangobin/css/no-such-file.css").status == 404
    finally:
        system.stop()
