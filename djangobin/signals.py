"""Every user gets a profile, however it was created (sign-up, admin, createsuperuser), and an account saved
active counts as activated from then on (so an activation link never reactivates it after a deactivation)."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import Author


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="djangobin_author_for_user")
def create_author(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    activated_at = timezone.now() if instance.is_active else None
    if created:
        Author.objects.get_or_create(user=instance, defaults={"activated_at": activated_at})
    elif activated_at and (update_fields is None or "is_active" in update_fields):
        Author.objects.filter(user=instance, activated_at__isnull=True).update(activated_at=activated_at)
