"""The task-history models moved to the taskhistory app (same tables); the dashboard keeps a proxy of Task that
holds the `dashboard.operate` permission, so the grants people already have stay valid."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0001_initial"),
        ("taskhistory", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Task"),
                migrations.DeleteModel(name="TaskStat"),
                migrations.DeleteModel(name="WorkerProcess"),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name="Task",
            fields=[],
            options={
                "permissions": [
                    ("operate", "Can retry tasks, purge dead letters and run scheduler jobs from the dashboard")
                ],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("taskhistory.task",),
        ),
    ]
