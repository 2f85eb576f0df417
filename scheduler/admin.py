"""The admin: the periodic jobs are edited here (or on the dashboard) through the services, which the daemons
follow within seconds; the ledger and the daemons' rows are written by `runscheduler` alone, so they are read-only.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from . import selectors, services
from .forms import PeriodicJobForm
from .models import JobRun, PeriodicJob, SchedulerHeartbeat, SchedulerLease


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin):
    form = PeriodicJobForm
    list_display = ["name", "enabled", "schedule", "next_fire_time", "last_run", "actor", "required"]
    list_display_links = ["name"]
    list_filter = ["enabled", "kind", "required"]
    search_fields = ["name", "actor", "description"]
    actions = ["run_selected_now", "pause_selected", "resume_selected"]
    readonly_fields = ["required", "version", "paused_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "actor", "args", "kwargs", "description"]}),
        ("Schedule", {"fields": ["kind", "crontab", "timezone", "interval_seconds", "run_at", "start_at", "end_at"]}),
        ("Running", {"fields": ["enabled", "catch_up"]}),
        ("Record", {"fields": ["required", "version", "paused_at", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        runs = JobRun.objects.filter(job=OuterRef("name"), fire_time__lte=timezone.now()).order_by("-fire_time")
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_fire_time=Subquery(runs.values("fire_time")[:1]),
                last_outcome=Subquery(runs.values("outcome")[:1]),
            )
        )

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj else self.fieldsets[:-1]

    @admin.display(description="Next fire time")
    def next_fire_time(self, job):
        if not job.enabled:
            return "paused"
        times = selectors.job_next_fire_times(job, 1)
        return timezone.localtime(times[0]).strftime("%Y-%m-%d %H:%M:%S %Z") if times else "—"

    @admin.display(description="Last run", ordering="last_fire_time")
    def last_run(self, job):
        if job.last_fire_time is None:
            return "—"
        return f"{timezone.localtime(job.last_fire_time):%Y-%m-%d %H:%M:%S %Z}: {job.last_outcome}"

    def has_delete_permission(self, request, obj=None):
        """A required job can be rescheduled or paused, never deleted (the delete action refuses it too)."""
        if obj is not None and obj.required:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        form.save()  # through the services: validated again, versioned, and followed by the daemons
        if warning := selectors.job_paused_warning(obj):
            messages.warning(request, warning)

    def delete_model(self, request, obj):
        services.job_delete(job=obj)

    def delete_queryset(self, request, queryset):
        for job in queryset:
            services.job_delete(job=job)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        if request.method == "GET" and job is not None and (warning := selectors.job_paused_warning(job)):
            messages.warning(request, warning)
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            for job in PeriodicJob.objects.filter(required=True, enabled=False):
                messages.warning(request, selectors.job_paused_warning(job))
        return super().changelist_view(request, extra_context)

    @admin.action(description="Run selected jobs now", permissions=["change"])
    def run_selected_now(self, request, queryset):
        for job in queryset:
            try:
                run = services.job_run_now(job=job)
            except Exception as error:  # the broker refused or is down: say so per job, and go on
                problem = f"Could not send {job.name}: {type(error).__name__}: {error}"
                self.message_user(request, problem, messages.ERROR)
                continue
            self.log_change(request, job, f"Ran now from the admin as message {run.message_id}.")
            self.message_user(request, f"Sent {job.name} as message {run.message_id}.", messages.SUCCESS)

    @admin.action(description="Pause selected jobs", permissions=["change"])
    def pause_selected(self, request, queryset):
        for job in queryset.filter(enabled=True):
            services.job_pause(job=job)
            self.log_change(request, job, "Paused from the admin.")
            self.message_user(request, f"Paused {job.name}.", messages.SUCCESS)
            if warning := selectors.job_paused_warning(PeriodicJob.objects.get(pk=job.pk)):
                self.message_user(request, warning, messages.WARNING)

    @admin.action(description="Resume selected jobs", permissions=["change"])
    def resume_selected(self, request, queryset):
        for job in queryset.filter(enabled=False):
            try:
                services.job_resume(job=job)
            except ValidationError as error:  # e.g. a one-off whose moment has passed
                self.message_user(request, f"Could not resume {job.name}: {' '.join(error.messages)}", messages.ERROR)
                continue
            self.log_change(request, job, "Resumed from the admin.")
            self.message_user(request, f"Resumed {job.name}.", messages.SUCCESS)


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
