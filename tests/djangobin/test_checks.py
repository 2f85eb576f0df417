"""djangobin's own deployment checks (`manage.py check --deploy`)."""

from django.core.checks import Tags, run_checks


def deploy_warnings():
    return [message.id for message in run_checks(tags=[Tags.security], include_deployment_checks=True)]


def test_check_deploy_warns_when_rate_limits_are_counted_without_redis(settings):
    settings.RATELIMIT_ENABLE, settings.REDIS_URL = True, ""
    assert "djangobin.W001" in deploy_warnings()


def test_check_deploy_is_quiet_about_redis_when_it_is_set_or_rate_limits_are_off(settings):
    settings.RATELIMIT_ENABLE, settings.REDIS_URL = True, "redis://127.0.0.1:6379/0"
    assert "djangobin.W001" not in deploy_warnings()
    settings.RATELIMIT_ENABLE, settings.REDIS_URL = False, ""
    assert "djangobin.W001" not in deploy_warnings()


def test_the_check_runs_only_with_deploy(settings):
    settings.RATELIMIT_ENABLE, settings.REDIS_URL = True, ""
    assert "djangobin.W001" not in [message.id for message in run_checks(tags=[Tags.security])]
