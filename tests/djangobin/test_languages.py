"""Every Pygments lexer as a language: the table, its sync, and the paste form's list kept per table version."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from pygments.lexers import get_all_lexers

from djangobin import language_select, selectors
from djangobin.lexers import COMMON_LANG_CODES, languages_sync, lexer_aliases_for_filename
from djangobin.models import Language
from tests.djangobin.helpers import count_queries
from tests.factories import python

pytestmark = pytest.mark.django_db


def _options(html, group):
    body = re.search(rf'<optgroup label="{re.escape(group)}">(.*?)</optgroup>', html).group(1)
    return re.findall(r"<option value=\"\d+\"(?: selected)?>([^<]*)</option>", body)


def test_the_table_holds_a_language_for_every_pygments_lexer_after_migrating():
    codes = set(Language.objects.values_list("lang_code", flat=True))
    lexers = [aliases for _, aliases, _, _ in get_all_lexers(plugins=False) if aliases]
    assert all(codes & set(aliases) for aliases in lexers)
    assert len(codes) == len(lexers)


def test_the_sync_adds_a_missing_lexer_and_changes_no_existing_row():
    Language.objects.filter(lang_code="fortran").delete()
    Language.objects.filter(lang_code="python").update(name="Python 3", file_extension=".py3")

    assert languages_sync(Language) == 1
    assert languages_sync(Language) == 0
    fortran = Language.objects.get(lang_code="fortran")
    assert (fortran.name, fortran.slug, fortran.file_extension) == ("Fortran", "fortran", ".f03")
    assert Language.objects.filter(lang_code="python").values_list("name", "file_extension").get() == (
        "Python 3",
        ".py3",
    )


def test_the_sync_gives_a_lexer_whose_name_or_slug_is_taken_a_unique_one():
    Language.objects.filter(lang_code__in=["fortran", "abap"]).delete()
    Language.objects.create(name="Fortran", lang_code="abap", slug="fortran", file_extension=".abap")

    languages_sync(Language)

    fortran = Language.objects.get(lang_code="fortran")
    assert (fortran.name, fortran.slug) == ("Fortran (fortran)", "fortran-2")


def test_the_languages_sync_command_reports_what_it_added(capsys):
    Language.objects.filter(lang_code__in=["nimrod", "zig"]).delete()
    call_command("languages_sync")
    assert capsys.readouterr().out.startswith("2 languages added; ")


def test_a_file_name_finds_its_language_by_pygments_patterns():
    assert lexer_aliases_for_filename("C:\\work\\setup.py")[0] == "python"
    assert selectors.language_for_filename("Dockerfile").lang_code == "docker"
    assert selectors.language_for_filename("notes.unknown-extension") is None
    assert selectors.language_for_filename("") is None


def test_a_file_name_several_lexers_claim_goes_to_the_common_language():
    assert lexer_aliases_for_filename("query.sql")[0] == "sql"  # Pygments alone picks Transact-SQL
    assert lexer_aliases_for_filename("main.f90")[0] == "fortran"  # no common one: Pygments' pick


def test_the_paste_form_offers_detect_then_the_common_languages_then_all_others_in_one_select(client):
    html = client.get(reverse("djangobin:index")).content.decode()
    select = re.search(r'<select name="language"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert select.startswith('<option value="detect">Detect')
    common = _options(select, language_select.COMMON_LABEL)
    others = _options(select, language_select.OTHERS_LABEL)
    assert len(common) == len(COMMON_LANG_CODES) and "Python" in common and "Plain Text" in common
    assert "Fortran" in others and "Python" not in others
    assert others == sorted(others, key=str.casefold)
    assert len(common) + len(others) == Language.objects.count()
    assert re.search(r'<option value="\d+" selected>Plain Text</option>', select)


def test_a_form_sent_back_keeps_the_language_it_was_sent_with(client):
    response = client.post(reverse("djangobin:index"), {"original_code": " ", "language": python().pk})
    select = re.search(r'<select name="language"[^>]*>(.*?)</select>', response.content.decode(), re.S).group(1)
    assert f'<option value="{python().pk}" selected>Python</option>' in select
    assert select.count(" selected>") == 1


def test_the_home_page_reads_the_languages_once_per_process_not_at_each_request(client):
    client.get(reverse("djangobin:index"))

    _, statements = count_queries(lambda: client.get(reverse("djangobin:index")))

    assert [sql for sql in statements if "djangobin_language" in sql and "WHERE" not in sql] == []


def test_a_language_added_or_renamed_shows_in_the_form_at_the_next_request(client, django_capture_on_commit_callbacks):
    client.get(reverse("djangobin:index"))
    with django_capture_on_commit_callbacks(execute=True):
        Language.objects.filter(lang_code="fortran").update(name="unused")  # no signal: an update() is not a save
        language = Language.objects.get(lang_code="fortran")
        language.name = "FORTRAN (renamed)"
        language.save()

    html = client.get(reverse("djangobin:index")).content.decode()

    assert "FORTRAN (renamed)" in html


def test_the_settings_page_offers_every_language_with_none_first(client, user):
    client.force_login(user)
    html = client.get(reverse("djangobin:settings")).content.decode()
    select = re.search(r'<select name="default_language"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert select.startswith('<option value="">---------</option><optgroup')
    assert "Fortran" in select
