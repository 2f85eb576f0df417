"""Point 6: bad input never gives a 500. Hypothesis throws arbitrary text, raw bytes, NUL characters, huge
values, wrong types, repeated and missing fields at every form and every URL parameter; each answer is a
2xx, 3xx or 4xx, and a form that refuses its input says why on the page."""

from urllib.parse import quote, urlencode

import pytest
from django.utils.html import escape
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import make_snippet, make_user

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "\ufeff",
    "😀" * 20,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "-1",
    "0",
    "1e309",
    "9" * 400,
    "null",
    "[]",
]

text = st.one_of(st.sampled_from(NASTY), st.text(max_size=300), st.integers().map(str))
raw_bytes = st.binary(max_size=200)  # sent percent-encoded as they are: often not UTF-8 at all
huge = st.integers(min_value=5_000, max_value=120_000).map(lambda n: "x" * n)
one_value = st.one_of(text, raw_bytes, huge)
field_value = st.one_of(one_value, st.lists(one_value, min_size=2, max_size=3))  # a field sent several times

EXAMPLES = hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Every form, by the fields it knows (anything else may be sent too, and any of them left out).
FORMS = {
    "/": ["original_code", "language", "expiration", "exposure", "title", "tags"],
    "/contact/": ["name", "email", "purpose", "message"],
    "/signup/": ["username", "email", "password1", "password2"],
    "/login/": ["username", "password", "next"],
    "/admin/login/": ["username", "password", "next"],
    "/activate/resend/": ["email"],
    "/password-reset/": ["email"],
}
SIGNED_IN_FORMS = {
    "/settings/": ["default_language", "default_expiration", "default_exposure", "private"],
    "/password-change/": ["old_password", "new_password1", "new_password2"],
}


def form_data(fields):
    known = st.fixed_dictionaries({}, optional={name: field_value for name in fields})
    unknown = st.dictionaries(st.text(min_size=1, max_size=20), one_value, max_size=2)
    return st.tuples(known, unknown).map(lambda pair: {**pair[1], **pair[0]})


def urlencoded(data):
    pairs = []
    for name, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name.encode("utf-8", "surrogatepass"), one))
    return urlencode(pairs, doseq=False)


def assert_answered_clearly(response):
    assert response.status_code < 500, response.content[:2000]
    if response.status_code >= 400:
        assert b"<h1" in response.content or response["Content-Type"].startswith("text/plain")
    context = response.context
    form = context.get("form") if context is not None else None
    if response.status_code == 200 and form is not None and form.is_bound and form.errors:
        page = response.content.decode()
        for messages in form.errors.values():
            for message in messages:
                assert escape(message) in page, f"{message!r} is not on the page"


def post(client, path, data):
    return client.post(path, urlencoded(data), content_type="application/x-www-form-urlencoded")


@pytest.fixture
def signed_in(client):
    client.force_login(make_user())
    return client


@pytest.mark.parametrize("path", FORMS)
@given(data=st.data())
@EXAMPLES
def test_any_input_to_a_form_gets_an_answer_not_a_server_error(client, path, data):
    assert_answered_clearly(post(client, path, data.draw(form_data(FORMS[path]))))


@pytest.mark.parametrize("path", SIGNED_IN_FORMS)
@given(data=st.data())
@EXAMPLES
def test_any_input_to_a_signed_in_form_gets_an_answer_not_a_server_error(signed_in, path, data):
    assert_answered_clearly(post(signed_in, path, data.draw(form_data(SIGNED_IN_FORMS[path]))))


# Every URL with a parameter in its path, the parameter written as {}.
PATHS = [
    "/{}/",
    "/raw/{}/",
    "/download/{}/",
    "/trending/{}/",
    "/tag/{}/",
    "/user/{}/",
    "/activate/{}/{}/",
    "/password-reset/confirm/{}/{}/",
]
segment = st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=300), raw_bytes.filter(bool))


def quoted(value):
    return quote(value, safe="") if isinstance(value, bytes) else quote(value.encode("utf-8", "surrogatepass"), safe="")


@pytest.mark.parametrize("pattern", PATHS)
@given(data=st.data())
@EXAMPLES
def test_any_value_in_a_url_path_gets_an_answer_not_a_server_error(client, pattern, data):
    values = [quoted(data.draw(segment)) for _ in range(pattern.count("{}"))]
    response = client.get(pattern.format(*values))
    assert_answered_clearly(response)


QUERY_PAGES = ["/search/", "/trending/", "/", "/login/", "/user/{user}/", "/tag/{tag}/"]


@pytest.mark.parametrize("page", QUERY_PAGES)
@given(data=st.data())
@EXAMPLES
def test_any_query_string_gets_an_answer_not_a_server_error(signed_in, page, data):
    snippet = make_snippet(tags=["known"], user=make_user())
    path = page.format(user=snippet.user.username, tag="known")
    query = data.draw(form_data(["query", "mysnippet", "page", "next"]))
    assert_answered_clearly(signed_in.get(f"{path}?{urlencoded(query)}"))


@given(data=st.data())
@EXAMPLES
def test_any_post_to_a_snippets_delete_url_gets_an_answer_not_a_server_error(signed_in, data):
    slug = quoted(data.draw(segment))
    assert_answered_clearly(post(signed_in, f"/delete/{slug}/", data.draw(form_data([]))))
