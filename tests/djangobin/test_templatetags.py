"""Template helpers: the `ago` filter that lists use for a snippet's age, `code_size`, and `fixed_url`."""

from datetime import timedelta

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils import timezone

from djangobin.templatetags.djangobin_tags import ago, code_size, fixed_url


@pytest.mark.parametrize(("age", "said"), [(timedelta(0), "just now"), (timedelta(seconds=59), "just now")])
def test_ago_says_just_now_within_the_first_minute(age, said):
    assert ago(timezone.now() - age) == said


def test_ago_gives_the_age_after_the_first_minute():
    assert ago(timezone.now() - timedelta(hours=3, minutes=5)) == "3\xa0hours, 5\xa0minutes ago"


def test_ago_of_nothing_is_empty():
    assert ago(None) == ""


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("x = 1\n" * 2000 + "é" * 28_000, "2,001 lines · 68,000 bytes"),
        ("one line, no break", "1 line · 18 bytes"),
        ("a\n", "1 line · 2 bytes"),
    ],
)
def test_code_size_counts_lines_and_utf8_bytes_with_separators(code, said):
    assert code_size(code) == said


def test_fixed_url_is_the_url_reverse_gives_under_each_script_prefix():
    before = get_script_prefix()
    try:
        at_root = fixed_url("djangobin:trending_snippets")
        set_script_prefix("/paste/")
        under_prefix = fixed_url("djangobin:trending_snippets")
        expected = reverse("djangobin:trending_snippets")
    finally:
        set_script_prefix(before)

    assert at_root == "/trending/"
    assert under_prefix == expected == "/paste/trending/"
    assert fixed_url("djangobin:trending_snippets") == "/trending/"
