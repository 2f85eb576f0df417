"""Every user gets a profile, however it was created (sign-up, admin, createsuperuser)."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Author


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="djangobin_author_for_user")
def create_author(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        Author.objects.get_or_create(user=instance)
