"""Every user gets a profile, however it was created (sign-up, admin, createsuperuser), and an account saved
active counts as activated from then on (so an activation link never reactivates it after a deactivation).

A new password ends every API token of the account, whichever way it was set (reset link, password change page,
admin, `manage.py changepassword`): they all save the user, so the save is the one place that sees them all.

A language added, changed or deleted (the admin, a migration's model excepted) renews the paste form's options.
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from .language_select import language_choices_forget
from .models import Author, Language
from .services.api_tokens import api_tokens_end_for_password


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="djangobin_author_for_user")
def create_author(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    activated_at = timezone.now() if instance.is_active else None
    if created:
        Author.objects.get_or_create(user=instance, defaults={"activated_at": activated_at})
    elif activated_at and (update_fields is None or "is_active" in update_fields):
        Author.objects.filter(user=instance, activated_at__isnull=True).update(activated_at=activated_at)


def _is_hash_upgrade(user, update_fields) -> bool:
    """Django re-hashes a password on login when its hasher's settings changed: the same password, saved alone
    without the raw-password marker that `set_password` leaves. That is no change of password."""
    return getattr(user, "_password", None) is None and update_fields is not None and set(update_fields) == {"password"}


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="djangobin_note_password_change")
def note_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._djangobin_password_changed = False
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    if _is_hash_upgrade(instance, update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._djangobin_password_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="djangobin_end_tokens_on_password_change")
def end_tokens_on_password_change(sender, instance, raw=False, **kwargs):
    if not raw and getattr(instance, "_djangobin_password_changed", False):
        instance._djangobin_password_changed = False
        api_tokens_end_for_password(user=instance)


@receiver(post_save, sender=Language, dispatch_uid="djangobin_language_saved")
@receiver(post_delete, sender=Language, dispatch_uid="djangobin_language_deleted")
def forget_language_choices(sender, raw=False, **kwargs):
    if not raw:
        language_choices_forget()
