from django.contrib.auth.tokens import PasswordResetTokenGenerator

from djangobin.models import Author


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Activation links: valid for PASSWORD_RESET_TIMEOUT, and dead once the account was ever activated.

    A link also dies when its account's username or password changes, so that a link mailed for an account can
    never activate what a later sign-up made of it.
    """

    key_salt = "djangobin.tokens.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        # Read fresh from the database: a link must die the moment its account is activated, whatever was loaded.
        activated_at = Author.objects.filter(user=user).values_list("activated_at", flat=True).first()
        return f"{user.pk}{user.is_active}{activated_at}{user.email}{user.get_username()}{user.password}{timestamp}"


activation_token = ActivationTokenGenerator()
