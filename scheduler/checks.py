"""A bad cron expression stops every process at start-up (system checks), not the scheduler at midnight."""

from django.core.checks import Error, register

from .jobs import declared_jobs


@register()
def check_cron_expressions(app_configs, **kwargs):
    errors = []
    for job in declared_jobs():
        try:
            job.trigger()
        except (ValueError, KeyError) as error:
            errors.append(
                Error(
                    f"{job.setting}={job.cron!r} is not a crontab expression: {error}",
                    hint="Five fields: minute hour day-of-month month day-of-week, e.g. '0 0 * * *' for midnight.",
                    id="scheduler.E001",
                )
            )
    return errors
