"""The dashboard owns no table: task history and bulk operations are taskhistory's. This proxy keeps a permission."""

from taskhistory.models import Task as HistoryTask


class Task(HistoryTask):
    """Holds the `dashboard.operate` permission (what lets staff act, not only look); named Task because the
    permission was created on this content type when the model lived here, and existing grants keep it."""

    class Meta:
        proxy = True
        permissions = [("operate", "Can retry tasks, purge dead letters and run scheduler jobs from the dashboard")]
