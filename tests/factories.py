"""Small factories for unit tests: each makes one valid object, overridable by keyword."""

import itertools

from django.contrib.auth import get_user_model

from djangobin.expiration import Expiration
from djangobin.models import Exposure, Language
from djangobin.services.snippets import snippet_create

_counter = itertools.count(1)


def make_user(*, username=None, email=None, password="correct horse battery", is_active=True, **extra):
    n = next(_counter)
    return get_user_model().objects.create_user(
        username=username or f"user{n}",
        email=email or f"user{n}@example.com",
        password=password,
        is_active=is_active,
        **extra,
    )


def python():
    return Language.objects.get(lang_code="python")


def make_snippet(
    *, code="print('hello')\n", language=None, expiration=Expiration.NEVER, exposure=Exposure.PUBLIC, **kw
):
    return snippet_create(code=code, language=language or python(), expiration=expiration, exposure=exposure, **kw)
