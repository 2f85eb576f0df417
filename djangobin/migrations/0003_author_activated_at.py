"""Record when an account was first activated, so that an activation link never reactivates it."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def record_existing_activations(apps, schema_editor):
    """An account that is active, or has ever logged in, was activated: it gets no activation link again."""
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Author = apps.get_model("djangobin", "Author")
    activated = User.objects.filter(Q(is_active=True) | Q(last_login__isnull=False))
    Author.objects.bulk_create([Author(user_id=pk) for pk in activated.filter(author__isnull=True).values_list("pk", flat=True)])
    joined = User.objects.filter(pk=OuterRef("user_id")).values("date_joined")[:1]
    Author.objects.filter(user__in=activated, activated_at__isnull=True).update(activated_at=Subquery(joined))


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0002_seed_languages"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.AddField(
            model_name="author",
            name="activated_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the account was first active; no activation link works after it.",
                null=True,
            ),
        ),
        migrations.RunPython(record_existing_activations, migrations.RunPython.noop),
    ]
