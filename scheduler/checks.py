"""A bad crontab setting stops every process at start-up (system checks), not `migrate` when it seeds the row."""

from django.core.checks import Error, register

from .cron import CrontabTrigger
from .jobs import REQUIRED_JOBS


@register()
def check_cron_expressions(app_configs, **kwargs):
    errors = []
    for job in REQUIRED_JOBS:
        try:
            CrontabTrigger(job.crontab, "UTC")
        except (ValueError, KeyError) as error:
            errors.append(
                Error(
                    f"{job.setting}={job.crontab!r} is not a crontab expression: {error}",
                    hint="Five fields: minute hour day-of-month month day-of-week, e.g. '0 0 * * *' for midnight.",
                    id="scheduler.E001",
                )
            )
    return errors
