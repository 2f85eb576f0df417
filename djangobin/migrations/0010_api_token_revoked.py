"""API tokens end as rows (when and why), so their owner can see which were ended by a password change."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("djangobin", "0009_search_automerge"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_reason",
            field=models.CharField(
                blank=True,
                choices=[("owner", "revoked by you"), ("password", "the password was changed or reset")],
                editable=False,
                max_length=10,
            ),
        ),
    ]
