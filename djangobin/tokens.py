from django.contrib.auth.tokens import PasswordResetTokenGenerator


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Activation links: valid for PASSWORD_RESET_TIMEOUT, and dead once the account is active."""

    key_salt = "djangobin.tokens.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.is_active}{user.email}{timestamp}"


activation_token = ActivationTokenGenerator()
