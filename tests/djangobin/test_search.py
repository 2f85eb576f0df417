"""Search: full-text (PostgreSQL text search, SQLite FTS5), ranked, bounded, rate-limited, never showing what
the searcher may not see."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from djangobin.models import Exposure, Snippet
from djangobin.search import search_terms, snippet_ids_matching
from djangobin.services.purge import snippets_expired_delete
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db


def titles(client, query, **params):
    response = client.get("/search/", {"query": query, **params})
    assert response.status_code == 200
    return [snippet.title for snippet in response.context["page"]]


def test_a_search_is_a_full_text_query_not_a_like_scan(client):
    make_snippet(title="needle", code="haystack\n")
    with CaptureQueriesContext(connection) as queries:
        assert titles(client, "needle") == ["needle"]
    assert not any(" LIKE " in q["sql"].upper() for q in queries)


def test_results_are_ranked_by_relevance_not_by_date(client):
    make_snippet(title="strong match", code="parser = parser_for(parser)\nparser.parse()\n")
    make_snippet(title="newer, weak match", code="x = 1  # no parser here, just one mention\n" + "y = 2\n" * 30)
    assert titles(client, "parser") == ["strong match", "newer, weak match"]


def test_words_are_found_inside_dotted_and_snake_case_names_whatever_the_case(client):
    make_snippet(title="joins", code="import os\nos.path.join(a, b)\nmy_long_name = 1\n")
    assert titles(client, "PATH") == ["joins"]
    assert titles(client, "long name") == ["joins"]
    assert titles(client, "os.path") == ["joins"]
    assert titles(client, "path missing") == []


def test_every_word_of_the_query_must_be_in_the_snippet(client):
    make_snippet(title="alpha only", code="alpha\n")
    make_snippet(title="both", code="alpha beta\n")
    assert titles(client, "alpha beta") == ["both"]


def test_query_syntax_of_the_search_engines_is_searched_for_as_words(client):
    make_snippet(title="near and or not", code="NEAR AND OR NOT\n")
    for query in ['NEAR(" AND *', "a OR b", "title:x", "'; DROP TABLE x; --", "^* -x", "!!! & | :*"]:
        assert client.get("/search/", {"query": query}).status_code == 200
    assert titles(client, "near and") == ["near and or not"]


def test_a_query_without_any_word_is_refused_with_a_form_error(client):
    response = client.get("/search/", {"query": "++ -- ::"})
    assert response.status_code == 200
    assert "has none" in response.content.decode()


@pytest.mark.parametrize("hidden", ["private", "unlisted", "expired"])
def test_hidden_and_expired_snippets_never_appear_in_public_results(client, hidden):
    owner = make_user()
    exposure = Exposure.PUBLIC if hidden == "expired" else hidden
    snippet = make_snippet(title="secret", code="needle\n", exposure=exposure, user=owner, expiration="1 week")
    if hidden == "expired":
        Snippet.objects.filter(pk=snippet.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(make_user())
    assert titles(client, "needle") == []
    assert titles(client, "needle", mysnippet="on") == []


def test_only_mine_finds_every_live_snippet_of_my_own_and_nobody_elses(client):
    me = make_user()
    make_snippet(title="my private", code="needle\n", exposure="private", user=me)
    make_snippet(title="my unlisted", code="needle\n", exposure="unlisted", user=me)
    make_snippet(title="their public", code="needle\n", user=make_user())
    client.force_login(me)
    assert sorted(titles(client, "needle", mysnippet="on")) == ["my private", "my unlisted"]
    assert titles(client, "needle") == ["their public"]


def test_the_index_follows_edits_deletes_and_the_purge(client):
    edited = make_snippet(title="before", code="oldword\n")
    edited.title, edited.original_code = "after", "newword\n"
    edited.save()
    deleted = make_snippet(title="deleted", code="goneword\n")
    deleted.delete()
    purged = make_snippet(title="purged", code="purgedword\n", expiration="1 week")
    Snippet.objects.filter(pk=purged.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    snippets_expired_delete()
    now = timezone.now() + timedelta(days=30)  # would show expired ones too: the rows must be gone from the index

    assert titles(client, "newword") == ["after"]
    for word in ("oldword", "goneword", "purgedword"):
        assert snippet_ids_matching([word], now=now - timedelta(days=60)) == []


def test_results_are_bounded_however_many_snippets_match():
    for n in range(5):
        make_snippet(title=f"common {n}", code="common\n")
    assert len(snippet_ids_matching(["common"], now=timezone.now(), limit=3)) == 3


def test_query_words_are_lower_cased_split_at_punctuation_deduplicated_and_bounded():
    assert search_terms("Foo.bar foo_BAR  café 日本語 x") == ["foo", "bar", "café", "日本語", "x"]
    assert len(search_terms(" ".join(f"w{n}" for n in range(50)))) == 10


def test_searches_are_rate_limited_per_client_address(client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMITS = {**settings.RATELIMITS, "search": {"ip": "3/m"}}
    cache.clear()
    try:
        codes = [client.get("/search/", {"query": "x"}, REMOTE_ADDR="192.0.2.1").status_code for _ in range(4)]
        other = client.get("/search/", {"query": "x"}, REMOTE_ADDR="192.0.2.2").status_code
    finally:
        cache.clear()
    assert codes == [200, 200, 200, 429]
    assert other == 200
