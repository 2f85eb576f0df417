"""Reads of the scheduler's tables."""

from .models import JobRun


def job_run_baseline(*, job, now):
    """The newest scheduled (not manual) fire time of `job` at or before `now`: catch-up looks from there."""
    return (
        JobRun.objects.filter(job=job, manual=False, fire_time__lte=now)
        .order_by("-fire_time")
        .values_list("fire_time", flat=True)
        .first()
    )
