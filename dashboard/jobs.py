"""The scheduler's jobs on the dashboard: a job's page (its next five fire times, its last runs), and creating,
editing, pausing, resuming and deleting one.

Every change is a POST with CSRF that is confirmed first and then written to the admin log, like the dashboard's
other actions. A new or edited job is confirmed on a page that shows what changes and the fire times it will
have; the form is `scheduler.forms.PeriodicJobForm`, the admin's own, and saving goes through the scheduler's
services, which the daemons follow within seconds. Running a job now is `actions.scheduler_job_run`.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from scheduler import selectors as scheduler_selectors
from scheduler import services as scheduler_services
from scheduler.forms import PeriodicJobForm
from scheduler.models import PeriodicJob
from taskhistory.models import Task
from taskhistory.services import ActionError

from .access import operator_required, staff_required
from .actions import Confirmation, confirm_then_act, confirmed
from .audit import action_log

NEXT_FIRE_TIMES = 5
LAST_RUNS = 20
# The form's own fields, never posted back as the job's data by the confirmation page.
NOT_JOB_DATA = {"csrfmiddlewaretoken", "confirm", "back"}


def get_job_or_404(job_name):
    try:
        return scheduler_selectors.job_get(job_name)
    except KeyError:
        raise Http404("No scheduler job has that name.") from None


@dataclass
class FireTime:
    moment: datetime  # in the zone the schedule reads
    utc: datetime

    @property
    def local(self):
        """Formatted here: the template's date filter would show it in the site's zone instead."""
        return self.moment.strftime("%a %Y-%m-%d %H:%M:%S %Z")

    @property
    def in_utc(self):
        """The same instant in UTC, unless the schedule reads UTC already."""
        return "" if self.moment.utcoffset() == self.utc.utcoffset() else self.utc.strftime("%H:%M UTC")


def _fire_times(job, *, now=None):
    """The next fire times in the zone the schedule reads (a crontab's own zone), each with its UTC instant."""
    zone = ZoneInfo(job.timezone) if job.kind == PeriodicJob.Kind.CRONTAB and job.timezone else None
    zone = zone or timezone.get_current_timezone()
    times = scheduler_selectors.job_next_fire_times(job, NEXT_FIRE_TIMES, now=now)
    return [FireTime(moment=moment.astimezone(zone), utc=moment.astimezone(ZoneInfo("UTC"))) for moment in times]


def _runs_with_tasks(job):
    runs = scheduler_selectors.job_last_runs(job, LAST_RUNS)
    tasks = Task.objects.filter(message_id__in=[run.message_id for run in runs if run.message_id])
    by_message = {task.message_id: task for task in tasks}
    return [(run, by_message.get(run.message_id)) for run in runs]


@staff_required
@require_GET
def job(request, job_name):
    job = get_job_or_404(job_name)
    context = {
        "job": job,
        "warning": scheduler_selectors.job_paused_warning(job),
        "fire_times": _fire_times(job),
        "runs": _runs_with_tasks(job),
    }
    return render(request, "dashboard/scheduler_job.html", context)


def _job_url(job):
    return reverse("dashboard:scheduler_job", args=[job.name])


def _posted_data(request):
    """The form's fields as posted, to carry through the confirmation page in hidden inputs."""
    return [(name, value) for name, values in request.POST.lists() if name not in NOT_JOB_DATA for value in values]


def _changes(form):
    """(label, before, after) for each field an edit changes; for a new job, every field it fills."""
    editing = form.instance.pk is not None
    rows = []
    for name in form.changed_data if editing else form.fields:
        field = form.fields[name]
        after = _shown(field, form.cleaned_data.get(name))
        if editing or after != "—":
            rows.append((form[name].label, _shown(field, form.initial.get(name)) if editing else "", after))
    return rows


def _shown(field, value):
    if value is None or value == "":
        return "—"
    if hasattr(field, "prepare_value") and isinstance(value, (list, dict)):
        return field.prepare_value(value)
    choices = dict(getattr(field, "choices", ()) or ())
    return str(choices.get(value, value))


def _changed_meanwhile(request, form):
    """An edit confirmed against an older version of the job than the one it was opened on (another operator, or
    the admin, saved in between): saving it would silently undo their change."""
    opened_on = request.POST.get("version", "")
    return form.instance.pk is not None and opened_on.isdigit() and int(opened_on) != form.instance.version


def _form_then_confirm(request, *, form, title, back_url, button, flag, logged):
    """A job's form: a valid POST shows what it changes and the fire times it will have; the confirmed POST saves
    it through the services, logs it and goes to the job's page. "Back" (or an error) shows the form again."""
    if request.method == "POST" and request.POST.get("back") != "yes" and form.is_valid():
        if confirmed(request) and _changed_meanwhile(request, form):
            form.add_error(
                None,
                f"Someone changed {form.instance.name} since you opened this form (it is now version "
                f"{form.instance.version}): the form shows your values; check them against the job's page, then "
                "review and save again.",
            )
        elif confirmed(request):
            try:
                job = form.save()
            except ValidationError as error:  # the job changed meanwhile: show why, with nothing lost
                form.add_error(None, error)
            else:
                action_log(user=request.user, obj=job, message=logged(job, form), flag=flag)
                messages.success(request, f"{job.name} is saved; the scheduler follows within seconds.")
                return redirect(_job_url(job))
        else:
            context = {
                "title": title,
                "form": form,
                "changes": _changes(form),
                "fire_times": _fire_times(form.checked),
                "hidden": _posted_data(request),
                "button": button,
                "cancel_url": back_url,
                "warning": scheduler_selectors.job_paused_warning(form.checked),
            }
            return render(request, "dashboard/scheduler_job_confirm.html", context)
    context = {"title": title, "form": form, "cancel_url": back_url, "version": _version_opened_on(request, form)}
    return render(request, "dashboard/scheduler_job_form.html", context)


def _version_opened_on(request, form):
    """The job's version when its form was opened, carried by every later POST; after a refusal, the current one
    (the operator has now been told the job changed)."""
    if form.instance.pk is None:
        return ""
    if request.method == "POST" and not form.non_field_errors():
        return request.POST.get("version", form.instance.version)
    return form.instance.version


@operator_required
@require_http_methods(["GET", "POST"])
def job_add(request):
    form = PeriodicJobForm(request.POST if request.method == "POST" else None)
    return _form_then_confirm(
        request,
        form=form,
        title="New scheduler job",
        back_url=reverse("dashboard:scheduler"),
        button="Create this job",
        flag=ADDITION,
        logged=lambda job, form: f"Created from the dashboard: {job.actor} {job.schedule}.",
    )


@operator_required
@require_http_methods(["GET", "POST"])
def job_edit(request, job_name):
    job = get_job_or_404(job_name)
    form = PeriodicJobForm(request.POST if request.method == "POST" else None, instance=job)
    return _form_then_confirm(
        request,
        form=form,
        title=f"Edit the scheduler job {job.name}",
        back_url=_job_url(job),
        button="Save the changes",
        flag=CHANGE,
        logged=lambda saved, form: (
            f"Changed {', '.join(form.changed_data) or 'nothing'} from the dashboard "
            f"(now {saved.actor} {saved.schedule}, version {saved.version})."
        ),
    )


def _job_action(request, job_name, *, title, lines, button, service, logged, done, flag=CHANGE):
    """Pause, resume or delete: confirm, call the service, log it; a refusal is shown on the job's page."""
    job = get_job_or_404(job_name)

    def act():
        try:
            service(job=job)
        except ValidationError as error:
            raise ActionError(" ".join(error.messages)) from None
        action_log(user=request.user, obj=job, repr_text=job.name, message=logged, flag=flag)
        return done, (reverse("dashboard:scheduler") if flag == DELETION else None)

    return confirm_then_act(
        request,
        back_url=_job_url(job),
        confirmation=lambda: Confirmation(title=title.format(job=job), lines=lines(job), button=button),
        act=act,
    )


@operator_required
@require_http_methods(["GET", "POST"])
def job_pause(request, job_name):
    return _job_action(
        request,
        job_name,
        title="Pause the scheduler job {job.name}?",
        lines=lambda job: [
            "It fires no more until it is resumed; the fire times it had registered are withdrawn.",
            *([f"{job.name} is required by the project: its work waits while it is paused."] if job.required else []),
        ],
        button="Pause the job",
        service=scheduler_services.job_pause,
        logged="Paused from the dashboard.",
        done="The job is paused.",
    )


@operator_required
@require_http_methods(["GET", "POST"])
def job_resume(request, job_name):
    return _job_action(
        request,
        job_name,
        title="Resume the scheduler job {job.name}?",
        lines=lambda job: [
            f"It fires again on its schedule ({job.schedule}). Fire times missed while it was paused: "
            f"{job.get_catch_up_display().lower()}.",
        ],
        button="Resume the job",
        service=scheduler_services.job_resume,
        logged="Resumed from the dashboard.",
        done="The job is resumed.",
    )


@operator_required
@require_http_methods(["GET", "POST"])
def job_delete(request, job_name):
    return _job_action(
        request,
        job_name,
        title="Delete the scheduler job {job.name}?",
        lines=lambda job: [
            f"It sends {job.actor} {job.schedule}; deleted, it fires no more. Its runs stay in the ledger.",
        ],
        button="Delete the job",
        service=scheduler_services.job_delete,
        logged="Deleted from the dashboard.",
        done="The job is deleted.",
        flag=DELETION,
    )
