"""The move of the task-history models from the dashboard app: a database migrated before it keeps its rows."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from taskhistory.models import Task
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """Migrating back and forth leaves ContentType's per-process cache naming rows the flush then deletes."""
    yield
    ContentType.objects.clear_cache()


BEFORE_THE_MOVE = [("dashboard", "0001_initial"), ("taskhistory", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_from_before_the_move_keeps_its_tasks_and_the_operate_permission():
    leaves = _leaves()
    old = _migrate(BEFORE_THE_MOVE).loader.project_state(BEFORE_THE_MOVE[:1]).apps
    old_task = old.get_model("dashboard", "Task")
    now = timezone.now()
    old_task.objects.create(
        message_id="m-1", actor_name="send_feedback_mail", queue_name="mail", status="failed", enqueued_at=now,
        updated_at=now,
    )  # fmt: skip
    operator = make_user(is_staff=True)
    # The permission as the old database holds it: on the content type of dashboard's own Task model.
    content_type, _ = ContentType.objects.get_or_create(app_label="dashboard", model="task")
    permission, _ = Permission.objects.get_or_create(
        codename="operate", content_type=content_type, defaults={"name": "Can retry tasks"}
    )
    operator.user_permissions.add(permission)

    _migrate(leaves)

    assert Task.objects.get().message_id == "m-1"
    assert type(operator).objects.get(pk=operator.pk).has_perm("dashboard.operate")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_fresh_database_gets_the_history_tables_under_their_owners_name():
    tables = set(connection.introspection.table_names())
    assert {"taskhistory_task", "taskhistory_taskstat", "taskhistory_workerprocess"} <= tables
    assert "taskhistory_bulkoperation" in tables
    assert not {"dashboard_task", "dashboard_taskstat", "dashboard_workerprocess", "dashboard_bulkoperation"} & tables


BEFORE_THE_RENAME = [("dashboard", "0002_task_history_moved"), ("taskhistory", "0002_counters_and_control")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_rename_to_the_owners_name_keeps_every_task_and_bulk_operation():
    leaves = _leaves()
    old = _migrate(BEFORE_THE_RENAME).loader.project_state(BEFORE_THE_RENAME).apps
    now = timezone.now()
    old.get_model("taskhistory", "Task").objects.create(
        message_id="m-2", actor_name="send_feedback_mail", queue_name="mail", status="failed", enqueued_at=now,
        updated_at=now,
    )  # fmt: skip
    old.get_model("dashboard", "BulkOperation").objects.create(action="retry", total=3)

    _migrate(leaves)

    from taskhistory.models import BulkOperation

    assert Task.objects.get().message_id == "m-2"
    assert (BulkOperation.objects.get().action, BulkOperation.objects.get().total) == ("retry", 3)
