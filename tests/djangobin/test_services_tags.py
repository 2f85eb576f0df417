"""Tags: every value derived from a tag name fits its column, or the tag is refused with a message naming it."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from djangobin.models import Snippet, Tag
from djangobin.services.tags import tag_slug_for, tags_get_or_create, tags_parse, tags_unused_delete
from tests.factories import make_snippet, python

pytestmark = pytest.mark.django_db

ARABIC_LIGATURE = "\ufdfa"  # one character, eighteen after NFKC
FFI = "\ufb03"  # "ffi" after NFKC
FRAKTUR_A = "\U0001d504"  # astral; "A" after NFKC


def paste(client, tags):
    data = {"original_code": "x = 1\n", "language": python().pk, "expiration": "never", "exposure": "public"}
    return client.post(reverse("djangobin:index"), {**data, "tags": tags})


def test_tags_are_trimmed_lowercased_deduplicated_and_never_empty():
    assert tags_parse(" Django , ORM,django,, ,  Two  Words ") == ["django", "orm", "two words"]
    assert tags_parse("") == []
    assert tags_parse(" , ,") == []


def test_too_many_tags_are_an_error_not_silently_dropped(settings):
    settings.SNIPPET_MAX_TAGS = 2
    with pytest.raises(ValidationError, match="At most 2 tags"):
        tags_parse("a,b,c")


def test_tags_whose_names_slugify_alike_get_distinct_slugs():
    make_snippet(tags=["c"])
    make_snippet(tags=["c++"])
    slugs = set(Tag.objects.values_list("slug", flat=True))
    assert len(slugs) == 2


def test_a_tag_that_nfkc_makes_too_long_is_refused_with_a_form_error_naming_it(client):
    response = paste(client, ARABIC_LIGATURE * 50)

    assert response.status_code == 200
    errors = response.context["form"].errors["tags"]
    assert ARABIC_LIGATURE in errors[0]
    assert "longer than 50 characters" in errors[0]
    assert not Snippet.objects.exists()
    assert "x = 1" in response.content.decode()  # the paste is still in the form, not lost


def test_tags_are_stored_nfkc_normalised_so_lookalikes_are_one_tag():
    assert tags_parse(f"O{FFI}ce, office, {FRAKTUR_A}PI") == ["office", "api"]


@pytest.mark.parametrize(
    "name", ["😀" * 50, FFI * 16, FFI * 25, FRAKTUR_A * 50, ARABIC_LIGATURE * 2, "c" * 50, "c" * 49 + "+"]
)
def test_every_tag_is_stored_within_its_columns_or_refused_with_its_name(name):
    try:
        make_snippet(tags=[name])
    except ValidationError as error:
        assert name[:20] in error.messages[0]
        return
    (stored,) = Tag.objects.filter(snippets__isnull=False)
    assert len(stored.name) <= 50
    assert 0 < len(stored.slug) <= 60


def test_slugs_cut_to_their_column_stay_distinct():
    long_a, long_b = "ä" * 59 + "1", "ä" * 59 + "2"
    slugs = {tag_slug_for(long_a), tag_slug_for(long_b), tag_slug_for(ARABIC_LIGATURE * 50)}
    assert len(slugs) == 3
    assert all(len(slug) <= 60 for slug in slugs)


def test_a_service_caller_that_bypasses_the_form_gets_a_validation_error_not_a_database_error():
    with pytest.raises(ValidationError, match="longer than 50"):
        make_snippet(tags=[ARABIC_LIGATURE * 3])
    assert not Snippet.objects.exists()


def test_unused_tags_are_deleted_in_key_batches_and_used_ones_kept():
    used = make_snippet(tags=["kept-1", "kept-2"])
    Tag.objects.bulk_create(Tag(name=f"unused-{n}", slug=f"unused-{n}") for n in range(5))
    with CaptureQueriesContext(connection) as queries:
        assert tags_unused_delete(batch_size=2) == 5
    deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 4  # 7 tags, 2 per batch
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["kept-1", "kept-2"]
    assert used.tags.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's write transactions take turns")
def test_the_prune_leaves_alone_a_tag_that_a_paste_being_saved_is_using():
    Tag.objects.create(name="busy", slug="busy")
    picked, prune_done = threading.Event(), threading.Event()

    def paste():
        try:
            with transaction.atomic():
                [tag] = tags_get_or_create(["busy"])
                picked.set()
                prune_done.wait(10)
                make_snippet().tags.add(tag)  # as snippet_create links the tags it got
        finally:
            connection.close()

    saver = threading.Thread(target=paste)
    saver.start()
    assert picked.wait(10)
    deleted = tags_unused_delete()  # does not wait for the paste: the locked tag is skipped
    prune_done.set()
    saver.join(10)

    assert deleted == 0
    assert Snippet.objects.get().tags.get().name == "busy"
