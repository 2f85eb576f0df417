"""Helpers for page tests: read a form's CSRF token, capture the SQL a request runs."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

PASSWORD = "correct horse battery"  # every test user's password (the factories' default)

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token_from(response):
    """The CSRF token of the first form on a rendered page, as a browser would submit it."""
    match = _CSRF_INPUT.search(response.content.decode())
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def count_queries(fetch):
    """Run `fetch()` and return (its result, the SQL statements it ran)."""
    with CaptureQueriesContext(connection) as context:
        result = fetch()
    return result, [query["sql"] for query in context.captured_queries]


def writes(statements):
    return [sql for sql in statements if sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
