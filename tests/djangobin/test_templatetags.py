"""Template helpers: the `ago` filter that lists use for a snippet's age."""

from datetime import timedelta

import pytest
from django.utils import timezone

from djangobin.templatetags.djangobin_tags import ago


@pytest.mark.parametrize(("age", "said"), [(timedelta(0), "just now"), (timedelta(seconds=59), "just now")])
def test_ago_says_just_now_within_the_first_minute(age, said):
    assert ago(timezone.now() - age) == said


def test_ago_gives_the_age_after_the_first_minute():
    assert ago(timezone.now() - timedelta(hours=3, minutes=5)) == "3\xa0hours, 5\xa0minutes ago"


def test_ago_of_nothing_is_empty():
    assert ago(None) == ""
