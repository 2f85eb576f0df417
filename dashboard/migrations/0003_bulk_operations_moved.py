"""Bulk operations moved to the taskhistory app (taskhistory 0003 took over and renamed the table)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0002_task_history_moved"),
        ("taskhistory", "0003_owner_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="BulkOperation")],
            database_operations=[],
        ),
    ]
