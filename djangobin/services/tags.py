"""Tags: names as users type them, normalised and bounded to their columns; unused ones pruned."""

import hashlib
import logging
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify

from djangobin.models import Tag

logger = logging.getLogger(__name__)

TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length
SLUG_MAX_LENGTH = Tag._meta.get_field("slug").max_length
PRUNE_BATCH = 1000
# "-" and six hex digits of the name's hash tell apart names that slugify alike (or alike once cut to length).
_SUFFIX_LENGTH = 7


def tag_name_normalize(raw: str) -> str:
    """The tag as stored: NFKC (so "ﬁle" and "file" are one tag), lower case, inner whitespace collapsed.

    Raises ValidationError naming the tag when the result does not fit the column: NFKC can make a name far
    longer (U+FDFA alone becomes 18 characters), so the length is checked after normalising, not before.
    """
    name = " ".join(unicodedata.normalize("NFKC", raw).lower().split())
    if len(name) > TAG_MAX_LENGTH:
        shown = " ".join(raw.split())
        shown = shown if len(shown) <= 20 else f"{shown[:20]}…"
        raise ValidationError(
            f"The tag “{shown}” is longer than {TAG_MAX_LENGTH} characters once normalised ({len(name)}); "
            "shorten it or leave it out."
        )
    return name


def tags_parse(text: str) -> list[str]:
    """Comma-separated tags, normalised (see tag_name_normalize), de-duplicated in order; empty ones dropped.

    Raises ValidationError for a tag over the length limit or too many tags, so nothing is silently cut.
    """
    names = []
    for raw in (text or "").split(","):
        name = tag_name_normalize(raw)
        if name and name not in names:
            names.append(name)
    if len(names) > settings.SNIPPET_MAX_TAGS:
        raise ValidationError(f"At most {settings.SNIPPET_MAX_TAGS} tags, please ({len(names)} given).")
    return names


def tag_slug_for(name: str, *, suffixed: bool = False) -> str:
    """The URL slug of `name`, never longer than the slug column (cut by characters, not bytes).

    `suffixed` adds a stable hash of the name, for a slug some other tag already has ("c" and "c++").
    """
    slug = slugify(name, allow_unicode=True) or "tag"
    if len(slug) > SLUG_MAX_LENGTH:
        suffixed = True
    if suffixed:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:6]
        slug = f"{slug[: SLUG_MAX_LENGTH - _SUFFIX_LENGTH].rstrip('-_')}-{digest}"
    return slug


def tags_get_or_create(names) -> list[Tag]:
    """The tags named `names` (normalised again here, for callers that bypass the form), created when new."""
    tags = []
    for name in dict.fromkeys(filter(None, map(tag_name_normalize, names))):
        tags.append(_tag_in_use(name) or _tag_create(name))
    return tags


def _tag_in_use(name):
    """The existing tag `name`; on PostgreSQL also locked FOR KEY SHARE until the caller's transaction ends.

    That lock is what keeps tags_unused_delete from deleting a tag between this read and the insert of the link
    to it (it skips locked tags; a tag it already deleted is not found here, and is created again). SQLite needs
    no lock: its write transactions take turns, and the caller's write transaction began before this read.
    """
    if connection.vendor != "postgresql":
        return Tag.objects.filter(name=name).first()
    table = connection.ops.quote_name(Tag._meta.db_table)
    return next(iter(Tag.objects.raw(f"SELECT * FROM {table} WHERE name = %s FOR KEY SHARE", [name])), None)  # noqa: S608


def _tag_create(name):
    slug = tag_slug_for(name)
    if Tag.objects.filter(slug=slug).exists():
        slug = tag_slug_for(name, suffixed=True)
    try:
        with transaction.atomic():
            return Tag.objects.create(name=name, slug=slug)
    except IntegrityError:
        # Another request created this name, or took the slug, between our read and our insert.
        tag = Tag.objects.filter(name=name).first()
        if tag is not None:
            return tag
        return Tag.objects.create(name=name, slug=tag_slug_for(name, suffixed=True))


def tags_unused_delete(*, batch_size: int = PRUNE_BATCH) -> int:
    """Delete every tag no snippet carries any more (run after the purge); returns how many were deleted.

    Walks the tags in primary-key batches, each one short DELETE in its own transaction. A tag that a paste
    being saved right now uses is kept (see _tag_in_use); the next purge looks at it again.
    """
    tags = connection.ops.quote_name(Tag._meta.db_table)
    links = connection.ops.quote_name(Tag.snippets.through._meta.db_table)
    # On PostgreSQL the candidates are locked first, skipping any a paste being saved holds.
    lock = "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    deleted, after = 0, 0
    while True:
        ids = list(Tag.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        after = ids[-1]
        placeholders = ", ".join(["%s"] * len(ids))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {tags} WHERE id IN (SELECT t.id FROM {tags} t WHERE t.id IN ({placeholders}) "  # noqa: S608
                f"AND NOT EXISTS (SELECT 1 FROM {links} l WHERE l.tag_id = t.id) {lock})",
                ids,
            )
            deleted += cursor.rowcount
    if deleted:
        logger.info("Deleted %d tags no snippet carries any more.", deleted)
    return deleted
