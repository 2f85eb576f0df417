"""The admin: every model listed, searches that work, and languages checked against Pygments."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from delivery.models import OutboxMessage
from djangobin.admin import LanguageForm
from djangobin.models import ApiToken, Feedback, Language, Snippet, SnippetRender
from djangobin.services.api_tokens import api_token_create
from djangobin.services.renders import render_job_get, snippet_render_highlight
from djangobin.services.revisions import snippet_edit
from tests.factories import make_snippet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_fortran():
    """Every Pygments lexer is a language already: these tests add one back through the admin."""
    Language.objects.filter(lang_code="fortran").delete()


def language_data(**fields):
    return {
        "name": "Fortran",
        "lang_code": "fortran",
        "slug": "fortran",
        "mime": "text/x-fortran",
        "file_extension": ".f90",
        **fields,
    }


@pytest.mark.parametrize(
    "model",
    [
        "djangobin/language",
        "djangobin/snippet",
        "djangobin/tag",
        "djangobin/feedback",
        "djangobin/apitoken",
        "djangobin/snippetrevision",
        "auth/user",
    ],
)
def test_the_admin_lists_every_model(admin_client, model):
    make_snippet(tags=["demo"])
    Feedback.objects.create(name="Ann", email="ann@example.com", purpose="bug", message="Hi")

    assert admin_client.get(f"/admin/{model}/").status_code == 200


@pytest.mark.parametrize("query", ["Python", "ann", "Greeting", "no match at all"])
def test_searching_snippets_in_the_admin_works_across_its_foreign_keys(admin_client, user, query):
    snippet = make_snippet(title="Greeting", user=user)

    response = admin_client.get("/admin/djangobin/snippet/", {"q": query})

    assert response.status_code == 200
    found = list(response.context["cl"].result_list)
    assert found == ([] if query == "no match at all" else [snippet])


def test_the_admin_refuses_a_language_with_a_bad_pygments_alias(admin_client):
    response = admin_client.post("/admin/djangobin/language/add/", language_data(lang_code="no-such-lexer"))

    assert response.status_code == 200
    assert "lang_code" in response.context["adminform"].form.errors
    assert not Language.objects.filter(name="Fortran").exists()


def test_the_admin_adds_a_language_for_any_pygments_lexer(admin_client):
    response = admin_client.post("/admin/djangobin/language/add/", language_data())

    assert response.status_code == 302
    assert Language.objects.get(lang_code="fortran").file_extension == ".f90"


@pytest.mark.parametrize(
    ("field", "value"),
    [("file_extension", "f90"), ("file_extension", '.f"; x'), ("mime", "text/html; charset=x"), ("mime", "fortran")],
)
def test_the_admin_refuses_a_file_extension_or_mime_type_that_is_not_plain(admin_client, field, value):
    response = admin_client.post("/admin/djangobin/language/add/", language_data(**{field: value}))

    assert field in response.context["adminform"].form.errors
    assert not Language.objects.filter(name="Fortran").exists()


def test_editing_a_snippets_code_in_the_admin_queues_a_new_render_that_an_old_one_cannot_overwrite(admin_client):
    snippet = make_snippet(code="old = 1\n")
    old_job = render_job_get(snippet_id=snippet.pk)
    page = admin_client.get(reverse("admin:djangobin_snippet_change", args=[snippet.pk]))
    data = {
        field.html_name: field.value() or ""
        for field in page.context["adminform"].form
        if field.name not in {"tags", "user"}
    }

    admin_client.post(
        reverse("admin:djangobin_snippet_change", args=[snippet.pk]), {**data, "original_code": "brand_new = 2\n"}
    )

    new_job = render_job_get(snippet_id=snippet.pk)
    assert (new_job.revision, new_job.code) == (old_job.revision + 1, "brand_new = 2\n")  # not stripped
    assert [m.args for m in OutboxMessage.objects.filter(actor_name="highlight_snippet")] == [[snippet.pk]] * 2
    assert not snippet_render_highlight(job=old_job)
    assert snippet_render_highlight(job=new_job)
    html = SnippetRender.objects.get(snippet=snippet).html
    assert "brand_new" in html
    assert "old" not in html


def admin_snippet_data(admin_client, snippet):
    page = admin_client.get(reverse("admin:djangobin_snippet_change", args=[snippet.pk]))
    form = page.context["adminform"].form
    return {field.html_name: field.value() or "" for field in form if field.name not in {"tags", "user"}}


def test_code_edited_in_the_admin_is_stored_with_the_lf_line_ends_the_staff_member_had_in_the_box(admin_client):
    snippet = make_snippet(code="old = 1\n")
    data = admin_snippet_data(admin_client, snippet)

    admin_client.post(
        reverse("admin:djangobin_snippet_change", args=[snippet.pk]), {**data, "original_code": "a = 1\r\nb = 2\r\n"}
    )

    snippet.refresh_from_db()
    assert snippet.original_code == "a = 1\nb = 2\n"


def test_saving_another_field_in_the_admin_keeps_an_api_pastes_crlf_bytes_and_queues_no_render(admin_client):
    snippet = make_snippet(code="a = 1\r\nb = 2\r\n")
    data = admin_snippet_data(admin_client, snippet)

    # The browser sends the box back with CRLF, as it would any text
    admin_client.post(
        reverse("admin:djangobin_snippet_change", args=[snippet.pk]),
        {**data, "title": "renamed", "original_code": "a = 1\r\nb = 2\r\n"},
    )

    snippet.refresh_from_db()
    assert (snippet.title, snippet.original_code) == ("renamed", "a = 1\r\nb = 2\r\n")
    assert OutboxMessage.objects.filter(actor_name="highlight_snippet").count() == 1  # the paste's own


def test_snippets_are_created_on_the_site_not_in_the_admin(admin_client):
    assert admin_client.get("/admin/djangobin/snippet/add/").status_code == 403
    assert not Snippet.objects.exists()


def test_the_user_admin_edits_the_users_profile_inline(admin_client, user):
    html = admin_client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()

    assert 'name="author-0-private"' in html
    assert 'name="author-0-default_exposure"' in html


def test_every_seeded_language_passes_the_admins_checks():
    for language in Language.objects.all():
        form = LanguageForm(
            instance=language, data={field: getattr(language, field) for field in LanguageForm.Meta.fields}
        )
        assert form.is_valid(), (language.name, form.errors)


def test_staff_can_revoke_a_token_in_the_admin_but_never_see_or_make_its_secret(admin_client, user):
    token, raw = api_token_create(user=user, name="leaked")
    change = admin_client.get(reverse("admin:djangobin_apitoken_change", args=[token.pk])).content.decode()
    assert token.key_hash not in change and raw not in change
    assert admin_client.get(reverse("admin:djangobin_apitoken_add")).status_code == 403
    admin_client.post(reverse("admin:djangobin_apitoken_delete", args=[token.pk]), {"post": "yes"})
    assert not ApiToken.objects.exists()


def test_staff_read_a_snippets_revisions_from_its_admin_page_and_can_change_none(admin_client):
    snippet = make_snippet(code="one = 1\n")
    snippet_edit(
        snippet=snippet,
        user=AnonymousUser(),
        authored_slugs=[snippet.slug],
        code="two = 2\n",
        language=snippet.language,
        base_revision=snippet.revision,
    )
    revision = snippet.revisions.get(number=2)

    page = admin_client.get(reverse("admin:djangobin_snippet_change", args=[snippet.pk])).content.decode()
    listing = admin_client.get(
        reverse("admin:djangobin_snippetrevision_changelist"), {"snippet__id__exact": snippet.pk}
    )
    shown = admin_client.get(reverse("admin:djangobin_snippetrevision_change", args=[revision.pk])).content.decode()
    changed = admin_client.post(
        reverse("admin:djangobin_snippetrevision_change", args=[revision.pk]), {"title": "rewritten history"}
    )

    assert f"?snippet__id__exact={snippet.pk}" in page and "2 revision(s)" in page
    assert [row.number for row in listing.context["cl"].result_list] == [2, 1]
    assert f"/{snippet.slug}/rev/2/" in shown
    assert changed.status_code == 403
    revision.refresh_from_db()
    assert revision.title == ""
