"""The task-history models, moved here from the dashboard app: their tables (dashboard_…) stay as they are.

Only Django's model state changes; dashboard/migrations/0001_initial.py created the tables, so a database
migrated before the move keeps its rows and a fresh one gets the same tables.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("dashboard", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Task',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('message_id', models.CharField(max_length=64, unique=True)),
                        ('actor_name', models.CharField(max_length=255)),
                        ('queue_name', models.CharField(max_length=255)),
                        ('args', models.TextField(default='[]')),
                        ('kwargs', models.TextField(default='{}')),
                        ('options', models.TextField(default='{}')),
                        ('status', models.CharField(choices=[('delayed', 'Delayed'), ('retrying', 'Waiting to retry'), ('enqueued', 'Enqueued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('skipped', 'Skipped')], max_length=16)),
                        ('rank', models.PositiveIntegerField(default=0)),
                        ('retries', models.PositiveIntegerField(default=0)),
                        ('enqueued_at', models.DateTimeField(help_text='When the message was first sent.')),
                        ('queued_at', models.DateTimeField(blank=True, help_text='When it last became ready to run.', null=True)),
                        ('eta', models.DateTimeField(blank=True, help_text='When a delayed message or a retry is due.', null=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('dead_lettered_at', models.DateTimeField(blank=True, null=True)),
                        ('runtime_ms', models.FloatField(blank=True, null=True)),
                        ('worker_host', models.CharField(blank=True, default='', max_length=255)),
                        ('worker_pid', models.IntegerField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True, default='')),
                        ('traceback', models.TextField(blank=True, default='')),
                        ('retry_of', models.CharField(blank=True, default='', help_text='The task this one re-sends.', max_length=64)),
                        ('retried_as', models.CharField(blank=True, default='', help_text='Its re-sent copy, if any.', max_length=64)),
                        ('updated_at', models.DateTimeField()),
                    ],
                    options={
                        'db_table': 'dashboard_task',
                        'indexes': [models.Index(fields=['enqueued_at', 'id'], name='dashboard_task_time'), models.Index(fields=['status', 'enqueued_at', 'id'], name='dashboard_task_status'), models.Index(fields=['actor_name', 'enqueued_at', 'id'], name='dashboard_task_actor'), models.Index(fields=['actor_name', 'status', 'enqueued_at', 'id'], name='dashboard_task_actor_status'), models.Index(fields=['queue_name', 'enqueued_at', 'id'], name='dashboard_task_queue')],
                    },
                ),
                migrations.CreateModel(
                    name='TaskStat',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('minute', models.IntegerField(help_text='Minutes since the Unix epoch, UTC (see minutes.py).')),
                        ('actor_name', models.CharField(max_length=255)),
                        ('queue_name', models.CharField(max_length=255)),
                        ('succeeded', models.PositiveIntegerField(default=0)),
                        ('failed', models.PositiveIntegerField(default=0)),
                        ('retried', models.PositiveIntegerField(default=0)),
                        ('skipped', models.PositiveIntegerField(default=0)),
                        ('runtime_sum_ms', models.FloatField(default=0)),
                        ('le_10ms', models.PositiveIntegerField(default=0)),
                        ('le_100ms', models.PositiveIntegerField(default=0)),
                        ('le_500ms', models.PositiveIntegerField(default=0)),
                        ('le_1s', models.PositiveIntegerField(default=0)),
                        ('le_5s', models.PositiveIntegerField(default=0)),
                        ('le_30s', models.PositiveIntegerField(default=0)),
                        ('le_2m', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'dashboard_taskstat',
                        'constraints': [models.UniqueConstraint(fields=('minute', 'actor_name', 'queue_name'), name='dashboard_taskstat_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='WorkerProcess',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('host', models.CharField(max_length=255)),
                        ('pid', models.IntegerField()),
                        ('queues', models.TextField(default='[]', help_text='JSON list of the queues it consumes.')),
                        ('threads', models.PositiveIntegerField(default=0)),
                        ('in_flight', models.PositiveIntegerField(default=0)),
                        ('processed', models.PositiveIntegerField(default=0)),
                        ('failed', models.PositiveIntegerField(default=0)),
                        ('started_at', models.DateTimeField()),
                        ('last_seen', models.DateTimeField()),
                    ],
                    options={
                        'db_table': 'dashboard_workerprocess',
                        'constraints': [models.UniqueConstraint(fields=('host', 'pid'), name='dashboard_worker_unique')],
                    },
                ),
    
            ],
            database_operations=[],
        ),
    ]
