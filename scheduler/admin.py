"""Read-only admin pages: the ledger and the daemons are written by `runscheduler` alone."""

from django.contrib import admin

from .models import JobRun, SchedulerHeartbeat, SchedulerLease


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "fire_time", "manual", "outcome", "attempts", "enqueued_at", "delay", "message_id"]
    list_filter = ["job", "outcome", "manual"]
    search_fields = ["message_id"]
    date_hierarchy = "fire_time"


@admin.register(SchedulerHeartbeat)
class SchedulerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["instance", "leading", "started_at", "beat_at", "stopped_at"]


@admin.register(SchedulerLease)
class SchedulerLeaseAdmin(ReadOnlyAdmin):
    list_display = ["name", "holder", "acquired_at", "expires_at"]
