from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from djangobin.selectors import user_for_login


class UsernameOrEmailBackend(ModelBackend):
    """Log in with a username or an email address, and the password: on the site, the admin and the dashboard.

    Which account a login names is `selectors.user_for_login`'s rule (an active account's email address wins over a
    username that looks like one).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        login = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if not login or password is None:
            return None
        user = user_for_login(login)
        if user is None:
            get_user_model()().set_password(password)  # same work as a real check: no timing hint that it is absent
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
