"""The paste form takes a file: without JavaScript the server reads it and chooses its language by its name."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from djangobin.models import Language, Snippet
from djangobin.validators import DETECT
from tests.factories import python

pytestmark = pytest.mark.django_db


def plain_text():
    return Language.objects.get(lang_code="text")


def paste(client, **fields):
    data = {"original_code": "", "language": plain_text().pk, "expiration": "never", "exposure": "public", **fields}
    return client.post(reverse("djangobin:index"), data)


def upload(name, content):
    return SimpleUploadedFile(name, content if isinstance(content, bytes) else content.encode())


@pytest.mark.parametrize("language", ["text", DETECT])
def test_a_file_sent_without_javascript_becomes_the_code_in_the_language_its_name_says(client, language):
    chosen = plain_text().pk if language == "text" else DETECT
    response = paste(client, file=upload("tool.rs", "fn main() {}\n"), language=chosen)

    assert response.status_code == 302
    snippet = Snippet.objects.get()
    assert (snippet.original_code, snippet.language.lang_code) == ("fn main() {}\n", "rust")
    assert not snippet.render.detect_language


def test_a_language_chosen_in_the_form_wins_over_the_files_name(client):
    paste(client, file=upload("notes.txt", "print(1)\n"), language=python().pk)
    assert Snippet.objects.get().language == python()


def test_a_file_whose_name_no_lexer_claims_keeps_the_chosen_language(client):
    paste(client, file=upload("notes.unknown-extension", "x\n"))
    assert Snippet.objects.get().language == plain_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00binary", "tool.bin is not UTF-8 text."),
        (b"a\x00b", "The text contains a NUL character"),
        (b"   \n", "The snippet is empty."),
    ],
)
def test_a_file_that_is_not_a_paste_is_a_form_error_and_nothing_is_stored(client, content, message):
    response = paste(client, file=upload("tool.bin", content))

    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert not Snippet.objects.exists()


def test_a_file_over_the_size_limit_is_refused_as_it_arrives_with_a_413_page_naming_the_limit(client, settings):
    settings.SNIPPET_MAX_BYTES = 10
    response = paste(client, file=upload("big.txt", "x" * 11))
    assert response.status_code == 413
    assert "Snippets are limited to 10 bytes" in response.content.decode()
    assert not Snippet.objects.exists()


def test_code_in_the_box_and_a_file_together_ask_which_one_and_keep_the_code(client):
    response = paste(client, original_code="typed\n", file=upload("a.py", "filed\n"))

    assert "not both" in response.context["form"].errors["file"][0]
    assert "typed\n" in response.content.decode()
    assert not Snippet.objects.exists()


def test_neither_code_nor_a_file_is_required_error_on_the_code(client):
    response = paste(client)
    assert response.context["form"].errors["original_code"] == ["This field is required."]


def test_the_code_box_has_no_required_attribute_so_a_browser_sends_a_file_alone(client):
    html = client.get(reverse("djangobin:index")).content.decode()
    assert '<textarea name="original_code"' in html
    assert 'id="id_original_code">' in html and " required" not in html.split("<textarea", 1)[1].split(">", 1)[0]
    assert '<input type="file" name="file"' in html


def test_the_editor_asks_the_language_for_a_file_name(client):
    url = reverse("djangobin:language_for_file")
    assert client.get(url, {"name": "setup.py"}).json() == {"id": python().pk, "name": "Python"}
    assert client.get(url, {"name": "Makefile"}).json()["name"] == "Makefile"
    assert client.get(url, {"name": "notes.unknown-extension"}).status_code == 404
    assert client.get(url, {"name": "a\x00.py"}).status_code == 200
