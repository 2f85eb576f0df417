"""Search: full-text (PostgreSQL text search, SQLite FTS5), ranked, bounded, rate-limited, never showing what
the searcher may not see."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from djangobin.models import Exposure, Snippet
from djangobin.search.index import snippet_ids_matching
from djangobin.search.syntax import MAX_TERMS, parse_query
from djangobin.services.purge import snippets_expired_delete
from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def every_search_runs(settings):
    """These tests are about what a query finds, not about keeping a list a few seconds (tests/djangobin/
    test_fragments.py is): with no lifetime, every search is run, even one a test repeats after a change."""
    settings.RECENT_SNIPPETS_CACHE_SECONDS = 0


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
    assert titles(client, "NEAR near:and") == ["near and or not"]


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


def test_a_signed_in_search_finds_the_public_snippets_and_my_own_private_ones_but_nobody_elses(client):
    me, them = make_user(), make_user()
    for owner, name in [(me, "my"), (them, "their")]:
        for exposure in Exposure:
            make_snippet(title=f"{name} {exposure}", code="needle\n", exposure=exposure, user=owner)

    assert sorted(titles(client, "needle")) == ["my public", "their public"]
    client.force_login(me)
    assert sorted(titles(client, "needle")) == ["my private", "my public", "my unlisted", "their public"]
    client.force_login(them)
    assert sorted(titles(client, "needle")) == ["my public", "their private", "their public", "their unlisted"]


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
        assert snippet_ids_matching(parse_query(word), now=now - timedelta(days=60)).ids == []


def test_results_are_bounded_however_many_snippets_match():
    for n in range(5):
        make_snippet(title=f"common {n}", code="common\n")
    assert len(snippet_ids_matching(parse_query("common"), now=timezone.now(), limit=3).ids) == 3


def test_query_words_are_lower_cased_split_at_punctuation_deduplicated_and_bounded():
    query = parse_query("Foo.bar foo_BAR  café 日本語 x")
    assert [term.words for term in query.terms] == [("foo", "bar"), ("café",), ("日本語",), ("x",)]
    assert len(parse_query(" ".join(f"w{n}" for n in range(50))).terms) == MAX_TERMS


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


# What people type: the same answers on SQLite and PostgreSQL (the suite runs on both).


@pytest.fixture
def corpus():
    """Snippets whose titles say what they hold."""
    for title, code in [
        ("phrase in order", "# a comment here\n"),
        ("phrase reversed", "# comment a\n"),
        ("dataclass with sys", "from dataclasses import dataclass\nimport sys\n@dataclass\nclass A: ...\n"),
        ("dataclass alone", "@dataclass\nclass B: ...\n"),
        ("items", "for item in items:\n    itemize(item)\n"),
        ("problem", "problem = 1\n"),
        ("attrs", "import attrs\n"),
    ]:
        make_snippet(title=title, code=code)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ('"a comment"', ["phrase in order"]),
        ("a comment", ["phrase in order", "phrase reversed"]),
        ('-"comment a" comment', ["phrase in order"]),
        ("item*", ["items"]),
        ("itemi*", ["items"]),
        ("dataclass -sys", ["dataclass alone"]),
        ("dataclass NOT sys", ["dataclass alone"]),
        ("dataclass AND sys", ["dataclass with sys"]),
        ("sys OR attrs", ["attrs", "dataclass with sys"]),
        ("dataclass sys OR attrs", ["dataclass with sys"]),
        ("import attrs OR sys -dataclass", ["attrs"]),
        ("dataclass or sys", []),  # lower-case "or" is a word to find
        ("problem*", ["problem"]),
    ],
)
def test_each_syntax_finds_what_it_says(client, corpus, query, found):
    assert sorted(titles(client, query)) == found


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("-sys", "cannot only exclude"),
        ("NOT sys -attrs", "cannot only exclude"),
        ("it*", "at least 3 letters"),
        ('"" ** ()', "has none"),
    ],
)
def test_a_query_that_cannot_search_anything_says_why(client, corpus, query, message):
    response = client.get("/search/", {"query": query})

    assert response.status_code == 200
    assert response.context["results"] is None
    assert message in " ".join(response.context["form"].errors["query"])


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("日本語", ["japanese"]),
        ("テキスト", ["japanese"]),  # in the middle of a run: no word starts there
        ("日本", ["japanese"]),  # two characters: fewer than a trigram
        ("語", ["japanese"]),
        ("한국어", ["korean"]),  # Korean glues particles to its words: 한국어를
        ("ภาษา", ["thai"]),
        ("日本語 OR 한국어", ["japanese", "korean"]),
        ("日本語 -greeting", []),
        ("greeting -日本語", ["korean", "thai"]),
        ("greeting 語", ["japanese"]),
        ('"のテキ"', ["japanese"]),
        ("中文", []),
    ],
)
def test_text_in_scripts_without_spaces_is_found_inside_longer_runs(client, query, found):
    make_snippet(title="japanese", code="greeting = '日本語のテキスト'\n")
    make_snippet(title="korean", code="greeting = '한국어를 배웁니다'\n")
    make_snippet(title="thai", code="greeting = 'ภาษาไทย'\n")
    make_snippet(title="latin", code="text = 'Nihongo no tekisuto'\n")

    assert sorted(titles(client, query)) == found


def test_the_substring_index_follows_edits_and_deletes(client):
    edited = make_snippet(title="edited", code="x = '東京タワー'\n")
    deleted = make_snippet(title="deleted", code="x = '東京駅'\n")
    edited.original_code = "x = '大阪城'\n"
    edited.save()
    deleted.delete()

    assert titles(client, "東京") == []
    assert titles(client, "大阪") == ["edited"]
    edited.original_code = "x = 'plain'\n"
    edited.save()
    assert titles(client, "大阪") == []


def test_a_title_in_such_a_script_is_found_too(client):
    make_snippet(title="メモ帳の使い方", code="pass\n")

    assert titles(client, "使い") == ["メモ帳の使い方"]


def result_html(client, query):
    html = client.get("/search/", {"query": query}).content.decode()
    return html.split('class="snippet-list"')[1].split("</ol>")[0]


def test_a_result_shows_the_matching_line_with_the_terms_marked(client):
    make_snippet(title="needle title", code="first line\n    x = find_the(needle)  # here\nlast line\n")

    html = result_html(client, "needle")

    assert '<pre class="search-excerpt"><code>x = find_the(<mark>needle</mark>)  # here</code></pre>' in html
    assert "<mark>needle</mark> title" in html
    assert "first line" not in html


def test_an_excerpt_of_a_paste_holding_html_shows_it_escaped_and_marks_only_the_match(client):
    make_snippet(title="<b>bold</b> script", code="<script>alert('script')</script>\n")

    html = result_html(client, "script")

    assert "<script>" not in html and "<b>" not in html
    assert "&lt;<mark>script</mark>&gt;alert(&#x27;<mark>script</mark>&#x27;)&lt;/<mark>script</mark>&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; <mark>script</mark>" in html


def test_an_excerpt_marks_phrases_prefixes_and_substrings_but_not_excluded_words(client):
    make_snippet(title="t", code="items: a  comment, 日本語のテキスト, sys\n")

    html = result_html(client, '"a comment" item* テキスト -zzz sys')

    assert "<mark>items</mark>: <mark>a  comment</mark>, 日本語の<mark>テキスト</mark>, <mark>sys</mark>" in html


def test_a_long_line_is_cut_around_the_match(client):
    make_snippet(title="t", code="x" * 500 + " needle " + "y" * 500 + "\n")

    excerpt = result_html(client, "needle").split('<pre class="search-excerpt"><code>')[1].split("</code>")[0]

    assert excerpt.startswith("…x") and excerpt.endswith("y…")
    assert len(excerpt) < 260


FUZZ = [
    '"',
    '""',
    '"unterminated phrase',
    "*",
    "**",
    "***word",
    "word**",
    "-",
    "--word",
    "- -",
    "(",
    ")",
    "(word",
    "(a OR b) AND (c",
    "OR",
    "AND",
    "NOT",
    "OR OR word",
    "word OR",
    "NOT NOT word",
    "word NOT",
    "NEAR(a b, 2)",
    "title:word",
    "^word",
    "{a b}",
    "word:*",
    "'word'",
    "a & b | !c <-> d",
    "\\",
    "%_%",
    "\u3000日本\u3000",
    "e\u0301",
    "\U0001f600 emoji",
    ".,;:!?",
    "x" * 200,
    " ".join(["word"] * 100),
]


@pytest.mark.parametrize("query", FUZZ)
def test_any_query_gives_results_or_a_clear_message_never_an_error(client, query):
    make_snippet(title="word", code="word a b c d\n")

    response = client.get("/search/", {"query": query})

    assert response.status_code == 200
    assert response.context["results"] is not None or response.context["form"].errors


@pytest.mark.parametrize(("query", "message"), [("a\x00b", "NUL"), ("x" * 1000, "at most 200")])
def test_a_query_with_a_nul_or_too_long_is_refused_with_a_message(client, query, message):
    response = client.get("/search/", {"query": query})

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["query"])


def test_random_texts_of_the_syntax_characters_never_raise(client):
    import random

    make_snippet(title="word", code="word 日本語\n")
    rng = random.Random(22)
    alphabet = ['"', "*", "-", "(", ")", " ", " ", "OR", "AND", "NOT", "word", "日本", ":", "^", "'", "\\", "%", "a"]
    for _ in range(200):
        query = "".join(rng.choice(alphabet) + rng.choice(["", " "]) for _ in range(rng.randint(1, 12)))
        response = client.get("/search/", {"query": query})
        assert response.status_code == 200, query


def test_a_substring_of_three_characters_or_more_is_looked_up_in_the_substring_index():
    from djangobin.search import index

    make_snippet(code="日本語のテキスト\n")
    with CaptureQueriesContext(connection) as queries:
        index.snippet_ids_matching(parse_query("日本語"), now=timezone.now())
    sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The condition alone, every other path turned off: the planner takes the index only if the query's
            # expressions are the index's.
            where = "s.search_unspaced IS NOT NULL AND s.search_unspaced ILIKE '%%日本語%%'"
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN SELECT s.id FROM djangobin_snippet s WHERE {where}")  # noqa: S608
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = "\n".join(" ".join(str(column) for column in row) for row in cursor.fetchall())
    if connection.vendor == "postgresql":
        assert "djangobin_snippet_unspaced " in plan, plan
    else:
        assert "VIRTUAL TABLE INDEX 0:L" in plan, plan  # FTS5 was handed the LIKE


def test_a_term_mixing_scripts_or_a_phrase_of_such_runs_is_found_only_as_typed(client):
    make_snippet(title="mixed", code="id = 'ab日本語cd 東京 タワー'\n")

    assert titles(client, "b日本語c") == ["mixed"]
    assert titles(client, "x日本語") == []
    assert titles(client, '"東京 タワー"') == ["mixed"]
    assert titles(client, '"タワー 東京"') == []


# Bounds: each index is asked for its newest candidates only, and the page says so when there were more.


def test_only_the_newest_candidates_are_ranked_and_the_page_says_older_ones_may_match(client, monkeypatch):
    from djangobin.search import index

    monkeypatch.setattr(index, "SEARCH_CANDIDATES", 2)
    for n in range(4):
        make_snippet(title=f"common {n}", code="common\n")

    response = client.get("/search/", {"query": "common"})

    assert [snippet.title for snippet in response.context["page"]] == ["common 3", "common 2"]
    assert "older ones may match too" in response.content.decode()


def test_a_search_that_found_every_match_does_not_say_older_ones_may_match(client, monkeypatch):
    from djangobin.search import index

    monkeypatch.setattr(index, "SEARCH_CANDIDATES", 2)
    for n in range(2):
        make_snippet(title=f"common {n}", code="common\n")

    response = client.get("/search/", {"query": "common"})

    assert len(response.context["page"]) == 2
    assert "older ones may match too" not in response.content.decode()


def test_a_phrase_found_more_often_than_the_search_ranks_says_older_ones_may_match(monkeypatch):
    from djangobin.search import index

    monkeypatch.setattr(index, "SEARCH_CANDIDATES", 2)
    found = [make_snippet(title=f"in order {n}", code="a comment\n") for n in range(3)]

    matches = snippet_ids_matching(parse_query('"a comment"'), now=timezone.now())

    assert sorted(matches.ids) == sorted(snippet.pk for snippet in found[1:]) and matches.cut


@pytest.mark.skipif(connection.vendor != "postgresql", reason="FTS5 reads phrases from its index")
def test_a_phrase_is_checked_among_the_newest_snippets_holding_all_its_words(monkeypatch):
    from djangobin.search import index

    monkeypatch.setattr(index, "PHRASE_CANDIDATES", 3)
    oldest = make_snippet(title="in order", code="a comment\n")
    newer = [make_snippet(title=f"reversed {n}", code="comment a\n") for n in range(3)]
    newest = make_snippet(title="in order too", code="a comment\n")

    matches = snippet_ids_matching(parse_query('"a comment"'), now=timezone.now())

    assert matches.ids == [newest.pk] and matches.cut
    assert oldest.pk not in matches.ids and not set(matches.ids) & {snippet.pk for snippet in newer}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the window of ids is PostgreSQL's")
def test_when_the_newest_window_holds_too_few_matches_all_of_them_are_searched(monkeypatch):
    from djangobin.search import index

    me, someone = make_user(), make_user()
    old = [make_snippet(title=f"old {n}", code="needle\n") for n in range(3)]
    mine = make_snippet(title="mine", code="needle\n", user=me, exposure=Exposure.PRIVATE)
    make_snippet(title="theirs", code="needle\n", user=someone, exposure=Exposure.PRIVATE)
    for n in range(10):
        make_snippet(title=f"filler {n}", code="hay\n")
    # The planner "expects" the word in every snippet: the first window is the newest few ids, which miss them all.
    monkeypatch.setattr(index, "_postgresql_estimate", lambda match: (Snippet.objects.latest("pk").pk, 1.0))

    matches = snippet_ids_matching(parse_query("needle"), now=timezone.now(), viewer_id=me.pk)

    assert sorted(matches.ids) == sorted(snippet.pk for snippet in [*old, mine]) and not matches.cut


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
def test_a_search_leaves_the_planner_settings_of_the_transaction_as_they_were():
    make_snippet(title="needle", code="needle\n")

    snippet_ids_matching(parse_query("needle"), now=timezone.now())

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_indexscan')")
        assert cursor.fetchone()[0] == "on"
