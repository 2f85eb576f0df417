"""The README's Prometheus scrape config and health check are what the code accepts: parsed from the README itself."""

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.urls import resolve, reverse

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
TOKEN = "s3cret-token"


def readme_blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.S)


def scrape_job():
    for block in readme_blocks("yaml"):
        config = yaml.safe_load(block)
        if isinstance(config, dict) and "scrape_configs" in config:
            [job] = config["scrape_configs"]
            return job
    raise AssertionError("The README shows no Prometheus scrape_configs")


def health_check_argv():
    for block in readme_blocks("sh"):
        if "/dashboard/api/health/" in block:
            return shlex.split(block.replace("\\\n", " "))
    raise AssertionError("The README shows no health check")


def test_the_readmes_scrape_config_gets_the_metrics_with_the_bearer_token_prometheus_sends(client, settings):
    # Given the README's scrape job and the token it names configured
    job = scrape_job()
    settings.DASHBOARD_API_TOKEN = TOKEN
    assert job["authorization"]["type"] == "Bearer"
    assert "DASHBOARD_API_TOKEN" in README.read_text().split("credentials_file:", 1)[1].splitlines()[0]
    # When Prometheus scrapes its metrics_path with `Authorization: <type> <credentials>`
    assert resolve(job["metrics_path"]).view_name == "dashboard:metrics"
    response = client.get(job["metrics_path"], HTTP_AUTHORIZATION=f"{job['authorization']['type']} {TOKEN}")
    # Then it gets the text exposition
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    # And without the credentials it would get a 401 that names the scheme, not a login page
    assert client.get(job["metrics_path"])["WWW-Authenticate"].startswith(job["authorization"]["type"])


def test_the_readmes_health_check_asks_the_health_view_with_the_token_header(client, settings):
    argv = health_check_argv()
    assert argv[0] == "curl" and "--fail" in argv
    [url] = [arg for arg in argv if arg.startswith("https://")]
    assert urlsplit(url).path == reverse("dashboard:api_health")
    header = argv[argv.index("-H") + 1]
    assert header == "Authorization: Bearer $DASHBOARD_API_TOKEN"
