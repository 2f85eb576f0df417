"""Pages that list snippets: trending, tags, profiles, search and the sidebar."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from djangobin.models import Author, Exposure, Language, Snippet
from tests.djangobin.helpers import count_queries
from tests.factories import make_snippet, make_user, python

pytestmark = pytest.mark.django_db

LIST_URLS = [
    "/trending/",
    "/trending/python/",
    "/tag/shared/",
    "/user/ann/",
    "/search/?query=needle",
    "/",  # the sidebar of recent snippets
]


@pytest.fixture
def one_of_each(user):
    """A public, an unlisted and a private snippet of `user`, all tagged `shared` and containing `needle`."""
    return {
        exposure: make_snippet(
            title=f"needle {exposure}", code=f"needle = '{exposure}'\n", exposure=exposure, tags=["shared"], user=user
        )
        for exposure in Exposure.values
    }


def on_page(response, snippet):
    """Whether the page links to the snippet anywhere, sidebar included."""
    return f'href="{snippet.get_absolute_url()}"' in response.content.decode()


def listed(response, snippet):
    """Whether the page's main list links to the snippet (the sidebar of recent snippets left out)."""
    main = response.content.decode().split('<aside class="sidebar"')[0]
    return f'href="{snippet.get_absolute_url()}"' in main


# Hidden snippets stay hidden


@pytest.mark.parametrize("path", LIST_URLS)
@pytest.mark.parametrize("viewer", ["anonymous", "another user"])
def test_unlisted_and_private_snippets_never_appear_to_others_in_lists(client, one_of_each, path, viewer):
    if viewer == "another user":
        client.force_login(make_user())

    response = client.get(path)

    assert response.status_code == 200
    assert on_page(response, one_of_each[Exposure.PUBLIC])
    assert not on_page(response, one_of_each[Exposure.UNLISTED])
    assert not on_page(response, one_of_each[Exposure.PRIVATE])


@pytest.mark.parametrize("path", LIST_URLS)
def test_expired_snippets_never_appear_in_lists(client, user, path):
    snippet = make_snippet(title="needle", code="needle\n", tags=["shared"], user=user, expiration="1 week")
    Snippet.objects.filter(pk=snippet.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    make_snippet(tags=["shared"])  # the tag page still exists

    response = client.get(path)

    assert response.status_code == 200
    assert not on_page(response, snippet)


def test_the_owner_sees_all_their_live_snippets_on_their_profile(ann, one_of_each):
    response = ann.get("/user/ann/")

    assert all(listed(response, snippet) for snippet in one_of_each.values())


def test_the_owner_sees_the_exposure_of_hidden_snippets_in_their_list(ann, one_of_each):
    html = ann.get("/user/ann/").content.decode()

    assert '<span class="badge badge-private">Private</span>' in html
    assert '<span class="badge badge-unlisted">Unlisted</span>' in html


def test_trending_does_not_list_the_owners_hidden_snippets_either(ann, one_of_each):
    response = ann.get("/trending/")

    assert not listed(response, one_of_each[Exposure.PRIVATE])
    assert not listed(response, one_of_each[Exposure.UNLISTED])


# Trending and tags


def test_an_empty_trending_page_answers_200(client):
    response = client.get("/trending/")

    assert response.status_code == 200
    assert "No public snippets yet" in response.content.decode()


def test_trending_for_a_language_without_snippets_answers_200(client):
    make_snippet()

    assert client.get("/trending/rust/").status_code == 200


def test_trending_for_an_unknown_language_answers_404(client):
    assert client.get("/trending/no-such-language/").status_code == 404


def test_trending_orders_public_snippets_by_hits(client):
    low, high = make_snippet(title="low"), make_snippet(title="high")
    Snippet.objects.filter(pk=high.pk).update(hits=10)
    Snippet.objects.filter(pk=low.pk).update(hits=2)

    page = client.get("/trending/").context["page"]

    assert [snippet.title for snippet in page] == ["high", "low"]


def test_trending_for_a_language_lists_only_that_language(client):
    in_python = make_snippet()
    in_rust = make_snippet(language=Language.objects.get(slug="rust"))

    response = client.get("/trending/python/")

    assert listed(response, in_python)
    assert not listed(response, in_rust)


def test_trending_links_the_languages_that_have_public_snippets(client, user):
    make_snippet()
    make_snippet(language=Language.objects.get(slug="rust"), exposure=Exposure.PRIVATE, user=user)

    html = client.get("/trending/").content.decode()

    assert '<a href="/trending/python/">Python</a>' in html
    assert 'href="/trending/rust/"' not in html


@pytest.mark.parametrize("hidden", ["private", "unlisted", "expired"])
def test_a_tag_whose_snippets_are_all_hidden_or_expired_answers_404_like_an_unknown_one(client, user, hidden):
    exposure = Exposure.PUBLIC if hidden == "expired" else hidden
    snippet = make_snippet(tags=["secret plan"], exposure=exposure, user=user, expiration="1 week")
    if hidden == "expired":
        Snippet.objects.filter(pk=snippet.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get("/tag/secret-plan/")
    unknown = client.get("/tag/no-such-tag/")

    assert response.status_code == unknown.status_code == 404
    assert "secret plan" not in response.content.decode()


@pytest.mark.parametrize("name", ["café", "two words", "c++", "日本語"])
def test_every_tag_link_on_a_snippet_page_opens_its_tag_page(client, name):
    snippet = make_snippet(tags=[name])
    [href] = re.findall(r'href="(/tag/[^"]+)"', client.get(snippet.get_absolute_url()).content.decode())

    response = client.get(href)

    assert response.status_code == 200
    assert listed(response, snippet)


def test_an_unknown_tag_answers_404(client):
    assert client.get("/tag/no-such-tag/").status_code == 404


def test_lists_are_paginated_and_page_links_keep_the_query(client, settings):
    settings.SNIPPETS_PER_PAGE = 2
    for n in range(5):
        make_snippet(title=f"needle {n}")

    first = client.get("/search/?query=needle")
    last = client.get("/search/?query=needle&page=3")

    assert 'href="?query=needle&amp;page=2"' in first.content.decode()
    assert [snippet.title for snippet in last.context["page"]] == ["needle 0"]


def test_a_page_number_out_of_range_shows_the_last_page(client, settings):
    settings.SNIPPETS_PER_PAGE = 2
    for _ in range(3):
        make_snippet()

    response = client.get("/trending/?page=99")

    assert response.status_code == 200
    assert response.context["page"].number == 2


# No N+1 queries


def _add_snippets(count, owner):
    """`count` snippets by as many people and `count` by `owner`, in several languages (half in Python)."""
    rust = Language.objects.get(slug="rust")
    for n in range(count):
        language = python() if n % 2 == 0 else rust
        make_snippet(title=f"needle {n}", code="needle\n", language=language, tags=["shared"], user=make_user())
        make_snippet(title=f"needle {n}", code="needle\n", language=language, tags=["shared"], user=owner)


def _snippet_links(response):
    return len(re.findall(r'href="/[A-Za-z0-9]{8,}/"', response.content.decode()))


@pytest.mark.parametrize("path", LIST_URLS)
def test_list_pages_run_as_many_queries_for_thirty_snippets_as_for_three(client, user, path):
    _add_snippets(3, owner=user)
    few_response, few = count_queries(lambda: client.get(path))

    _add_snippets(27, owner=user)
    cache.clear()  # the sidebar is rendered again, as for the first request
    many_response, many = count_queries(lambda: client.get(path))

    assert many_response.status_code == 200
    assert _snippet_links(many_response) > _snippet_links(few_response)
    assert len(many) == len(few), "\n".join(many)


# Profiles


@pytest.mark.parametrize("username", ["ann.lee", "ann@example.com", "ann+paste", "ann-lee", "ann_lee", "a.b@c+d-e_f"])
def test_usernames_with_dot_at_plus_dash_and_underscore_have_working_profile_urls(client, username):
    owner = make_user(username=username)
    snippet = make_snippet(user=owner)

    response = client.get(reverse("djangobin:profile", args=[username]))

    assert response.status_code == 200
    assert response.context["owner"] == owner
    assert listed(response, snippet)


def test_an_unknown_profile_answers_404(client):
    assert client.get("/user/nobody/").status_code == 404


def test_a_private_profile_hides_the_snippet_list_from_others(client, user):
    snippet = make_snippet(user=user)
    Author.objects.filter(user=user).update(private=True)
    client.force_login(make_user())

    response = client.get("/user/ann/")

    assert response.status_code == 200
    assert "This profile is private" in response.content.decode()
    assert response.context["listing"] is None
    assert not listed(response, snippet)


def test_a_private_profile_still_shows_the_owner_their_snippets(ann, user):
    snippet = make_snippet(user=user)
    Author.objects.filter(user=user).update(private=True)

    response = ann.get("/user/ann/")

    assert listed(response, snippet)
    assert "Your profile is private" in response.content.decode()


def test_a_profile_does_not_repeat_its_owners_name_on_every_snippet(client, user):
    make_snippet(title="first", user=user)
    make_snippet(title="second", user=user)

    listing = client.get(reverse("djangobin:profile", args=["ann"])).content.decode().split('class="snippet-list"')[1]

    assert 'by <a href="/user/ann/">' not in listing.split("</ol>")[0]
    assert 'by <a href="/user/ann/">ann</a>' in client.get("/trending/").content.decode()


def test_lists_say_just_now_for_a_snippet_made_this_minute(client):
    make_snippet(title="fresh")

    html = client.get("/trending/").content.decode()

    assert "just now" in html
    assert "0\xa0minutes" not in html and "0 minutes" not in html


def test_profile_views_by_others_are_counted_and_the_owners_are_not(client, user):
    client.get("/user/ann/")
    client.force_login(user)
    client.get("/user/ann/")

    assert Author.objects.get(user=user).views == 1


# Search


@pytest.mark.parametrize(("field", "text"), [("title", "Quicksort in Python"), ("code", "def quicksort(items):\n")])
def test_search_finds_public_snippets_by_title_or_code_ignoring_case(client, field, text):
    snippet = make_snippet(**({"title": text} if field == "title" else {"code": text}))
    make_snippet(title="unrelated", code="pass\n")

    response = client.get("/search/?query=QUICKSORT")

    assert [found.pk for found in response.context["page"]] == [snippet.pk]


def test_searching_only_my_snippets_as_an_anonymous_visitor_shows_a_note_instead_of_crashing(client):
    snippet = make_snippet(title="needle")

    response = client.get("/search/?query=needle&mysnippet=on")

    assert response.status_code == 200
    assert "Log in to search your own snippets" in response.content.decode()
    assert listed(response, snippet)


def test_searching_only_my_snippets_finds_all_of_mine_and_nobody_elses(ann, one_of_each):
    theirs = make_snippet(title="needle theirs", user=make_user())

    response = ann.get("/search/?query=needle&mysnippet=on")

    assert {snippet.pk for snippet in response.context["page"]} == {s.pk for s in one_of_each.values()}
    assert not listed(response, theirs)


def test_the_search_page_without_a_query_shows_only_the_form(client):
    response = client.get("/search/")

    assert response.status_code == 200
    assert response.context["results"] is None


def test_the_search_box_keeps_the_query_escaped(client):
    html = client.get('/search/?query="><b>x').content.decode()

    assert 'value="&quot;&gt;&lt;b&gt;x"' in html
    assert '"><b>x' not in html


def test_an_empty_search_lists_nothing_and_asks_for_words(client):
    make_snippet(title="anything")

    response = client.get("/search/?query=++")

    assert response.context["results"] is None
    assert "anything" not in response.content.decode().split('<main id="content"')[1].split("</main>")[0]
    assert "Type a word or two" in response.content.decode()


@pytest.mark.parametrize(("matches", "said"), [(0, "Nothing found"), (1, "1 snippet found"), (3, "3 snippets found")])
def test_search_says_how_many_it_found(client, matches, said):
    for n in range(matches):
        make_snippet(title=f"needle {n}")

    html = client.get("/search/?query=needle").content.decode()

    assert said in html


# The sidebar


def test_the_sidebar_lists_the_newest_public_snippets(client, one_of_each):
    html = client.get(reverse("djangobin:about")).content.decode()
    sidebar = html.split('<aside class="sidebar"')[1]

    assert one_of_each[Exposure.PUBLIC].get_absolute_url() in sidebar
    assert one_of_each[Exposure.UNLISTED].get_absolute_url() not in sidebar


def test_the_sidebar_is_one_query_however_many_snippets_exist(client):
    make_snippet()
    _, few = count_queries(lambda: client.get(reverse("djangobin:about")))
    for _ in range(12):
        make_snippet(user=make_user(), language=python())
    cache.clear()  # the sidebar is rendered again, as for the first request

    _, many = count_queries(lambda: client.get(reverse("djangobin:about")))

    assert len(few) == len(many) == 1


@pytest.mark.parametrize("path", ["/", "/trending/", "/tag/shared/", "/user/ann/", "/about/"])
def test_list_pages_never_read_the_code_or_its_render(client, user, path):
    _add_snippets(3, owner=user)

    response, statements = count_queries(lambda: client.get(path))

    assert response.status_code == 200
    assert [sql for sql in statements if "original_code" in sql or "djangobin_snippetrender" in sql] == []


@pytest.mark.parametrize("viewer", ["anonymous", "owner"])
def test_a_profile_or_details_page_of_an_account_without_a_profile_row_writes_nothing(client, viewer):
    owner = make_user()
    Author.objects.filter(user=owner).delete()  # an account from before profiles, or one a signal missed
    if viewer == "owner":
        client.force_login(owner)
    assert client.get(reverse("djangobin:profile", args=[owner.username])).status_code == 200
    if viewer == "owner":
        assert client.get(reverse("djangobin:user_details")).status_code == 200
        assert client.get(reverse("djangobin:settings")).status_code == 200
    assert not Author.objects.filter(user=owner).exists()
