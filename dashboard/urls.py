from django.urls import path

from . import actions, api, jobs, views
from . import outbox as outbox_views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("workers/", views.workers, name="workers"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/bulk/", actions.tasks_bulk, name="tasks_bulk"),
    path("tasks/<str:message_id>/", views.task, name="task"),
    path("tasks/<str:message_id>/retry/", actions.task_retry, name="task_retry"),
    path("tasks/<str:message_id>/cancel/", actions.task_cancel, name="task_cancel"),
    path("tasks/<str:message_id>/dismiss/", actions.task_dismiss, name="task_dismiss"),
    path("operations/<int:operation_id>/", views.operation, name="operation"),
    path("api/operations/<int:operation_id>/", api.operation, name="api_operation"),
    path("queues/<str:queue_name>/pause/", actions.queue_pause, name="queue_pause"),
    path("queues/<str:queue_name>/resume/", actions.queue_resume, name="queue_resume"),
    path("actors/<str:actor_name>/retry-failed/", actions.actor_retry_failed, name="actor_retry_failed"),
    path("queues/<str:queue_name>/purge-dead-letters/", actions.queue_purge_dead_letters, name="purge_dead_letters"),
    path("actors/<str:actor_name>/", views.actor, name="actor"),
    path("api/actors/<str:actor_name>/", api.actor, name="api_actor"),
    path("scheduler/", views.scheduler, name="scheduler"),
    path("scheduler/add/", jobs.job_add, name="scheduler_job_add"),
    path("scheduler/jobs/<str:job_name>/", jobs.job, name="scheduler_job"),
    path("scheduler/jobs/<str:job_name>/edit/", jobs.job_edit, name="scheduler_job_edit"),
    path("scheduler/jobs/<str:job_name>/pause/", jobs.job_pause, name="scheduler_job_pause"),
    path("scheduler/jobs/<str:job_name>/resume/", jobs.job_resume, name="scheduler_job_resume"),
    path("scheduler/jobs/<str:job_name>/delete/", jobs.job_delete, name="scheduler_job_delete"),
    path("scheduler/jobs/<str:job_name>/run/", actions.scheduler_job_run, name="scheduler_job_run"),
    path("outbox/", outbox_views.outbox, name="outbox"),
    path("outbox/<str:message_id>/retry/", outbox_views.outbox_retry, name="outbox_retry"),
    path("api/overview/", api.overview, name="api_overview"),
    path("api/workers/", api.workers, name="api_workers"),
    path("api/tasks/", api.tasks, name="api_tasks"),
    path("api/tasks/<str:message_id>/", api.task, name="api_task"),
    path("api/scheduler/", api.scheduler, name="api_scheduler"),
    path("api/health/", api.health_check, name="api_health"),
    path("metrics", api.prometheus, name="metrics"),
]
