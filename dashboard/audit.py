"""Who did what from the dashboard: every action staff take is written to Django's admin log (LogEntry)."""

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType


def action_log(*, user, message: str, obj=None, repr_text: str = "", flag: int = CHANGE) -> None:
    """Record a dashboard action in Django's admin log, beside the admin's own changes."""
    LogEntry.objects.create(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else None,
        object_repr=(repr_text or str(obj))[:200],
        action_flag=flag,
        change_message=message,
    )
