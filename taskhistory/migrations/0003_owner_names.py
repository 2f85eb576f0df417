"""Task history's tables carry its name (they kept `dashboard_…` from when the models lived in the dashboard app),
and bulk operations, which only task history applies, move here from the dashboard with their rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("taskhistory", "0002_counters_and_control"),
        ("dashboard", "0002_task_history_moved"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelTable(name="task", table="taskhistory_task"),
        migrations.AlterModelTable(name="taskstat", table="taskhistory_taskstat"),
        migrations.AlterModelTable(name="workerprocess", table="taskhistory_workerprocess"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BulkOperation",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("action", models.CharField(choices=[("retry", "Retry"), ("cancel", "Cancel"), ("dismiss", "Dismiss")], max_length=10)),
                        ("message_ids", models.TextField(default="[]", help_text="JSON list of the chosen message ids; empty: the filter.")),
                        ("filter_query", models.TextField(blank=True, default="", help_text="The task list's query string.")),
                        ("up_to_task_id", models.BigIntegerField(default=0)),
                        ("total", models.PositiveIntegerField(default=0, help_text="Tasks it covers, counted when it was asked for.")),
                        ("done", models.PositiveIntegerField(default=0)),
                        ("passed_over", models.PositiveIntegerField(default=0, help_text="Tasks that no longer qualified.")),
                        ("state", models.CharField(choices=[("queued", "Waiting for a worker"), ("running", "Running"), ("finished", "Finished")], default="queued", max_length=10)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("requested_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"db_table": "dashboard_bulkoperation"},
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="bulkoperation", table=None),
    ]
