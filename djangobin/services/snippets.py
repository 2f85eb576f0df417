import hashlib
import logging
import secrets
import string
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from djangobin.expiration import expires_at_for
from djangobin.highlight import highlight_code
from djangobin.models import Exposure, Snippet, Tag

logger = logging.getLogger(__name__)

SLUG_ALPHABET = string.ascii_letters + string.digits
SLUG_LENGTH = 10
TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length


def slug_generate():
    """A random, URL-safe, unguessable slug (62**10 possibilities)."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_LENGTH))


def tags_parse(text):
    """Comma-separated tags, trimmed, lower-cased, de-duplicated in order; empty ones dropped.

    Raises ValidationError for a tag over the length limit or too many tags, so nothing is silently cut.
    """
    names = []
    for raw in (text or "").split(","):
        name = " ".join(raw.split()).lower()
        if not name or name in names:
            continue
        if len(name) > TAG_MAX_LENGTH:
            raise ValidationError(f"Tag “{name[:20]}…” is longer than {TAG_MAX_LENGTH} characters.")
        names.append(name)
    if len(names) > settings.SNIPPET_MAX_TAGS:
        raise ValidationError(f"At most {settings.SNIPPET_MAX_TAGS} tags, please ({len(names)} given).")
    return names


def _tag_slug(name):
    slug = slugify(name, allow_unicode=True) or "tag"
    if Tag.objects.filter(slug=slug).exclude(name=name).exists():
        # "c++" and "c" both slugify to "c": keep URLs distinct with a stable suffix.
        slug = f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"
    return slug


def tags_get_or_create(names):
    tags = []
    for name in names:
        tag = Tag.objects.filter(name=name).first()
        if tag is None:
            tag, _ = Tag.objects.get_or_create(name=name, defaults={"slug": _tag_slug(name)})
        tags.append(tag)
    return tags


def snippet_create(*, code, language, expiration, exposure, title="", tags=(), user=None):
    """Create a snippet, highlighted once here so that page views never run Pygments."""
    if user is None and exposure == Exposure.PRIVATE:
        raise ValidationError("Log in to create private snippets.")
    if len(code.encode()) > settings.SNIPPET_MAX_BYTES:
        raise ValidationError(f"Snippets are limited to {settings.SNIPPET_MAX_BYTES // 1024} KiB.")
    created_on = timezone.now()
    snippet = Snippet(
        title=title.strip(),
        original_code=code,
        highlighted_code=highlight_code(code, language.lang_code),
        language=language,
        expiration=expiration,
        exposure=exposure,
        user=user,
        created_on=created_on,
        expires_at=expires_at_for(expiration, created_on),
    )
    with transaction.atomic():
        for _ in range(5):
            snippet.slug = slug_generate()
            try:
                with transaction.atomic():
                    snippet.save()
                break
            except IntegrityError:
                if not Snippet.objects.filter(slug=snippet.slug).exists():
                    raise
        else:
            raise IntegrityError("could not find a free snippet slug")
        snippet.tags.set(tags_get_or_create(tags))
    return snippet


def snippet_hit(*, snippet_id):
    """Count a view with one atomic UPDATE: concurrent views all count, and nothing else is rewritten."""
    Snippet.objects.filter(pk=snippet_id).update(hits=F("hits") + 1)


def snippet_delete(*, snippet, user):
    if not snippet.is_owned_by(user):
        raise PermissionDenied("Only the owner may delete a snippet.")
    snippet.delete()


# Rows per delete transaction. On SQLite each expired snippet costs a few page writes (Debian builds SQLite with
# secure_delete, which zeroes freed pages), and 100 rows fit the default page cache: a batch holds the write lock
# for about 5-30 ms. PostgreSQL only marks rows dead and takes bigger batches. See docs/benchmarks.md.
PURGE_BATCH_SIZE = {"sqlite": 100}
PURGE_BATCH_SIZE_DEFAULT = 1000


def snippets_expired_delete(*, now=None, batch_size=None):
    """Delete every snippet past its `expires_at`, in batches; returns how many were deleted.

    Batches follow the `expires_at` index (keyset pagination on expires_at, pk), so finding the next batch never
    rescans the table; each batch is one short transaction, so the site stays responsive on SQLite; memory holds
    one batch of ids; running it twice deletes nothing twice.
    """
    now = now or timezone.now()
    batch_size = batch_size or PURGE_BATCH_SIZE.get(connection.vendor, PURGE_BATCH_SIZE_DEFAULT)
    deleted, after = 0, None
    with _checkpoints_between_batches():
        while True:
            expired = Snippet.objects.filter(expires_at__lte=now)
            if after is not None:
                last_expires_at, last_pk = after
                expired = expired.filter(expires_at__gte=last_expires_at).filter(
                    Q(expires_at__gt=last_expires_at) | Q(pk__gt=last_pk)
                )
            batch = list(expired.order_by("expires_at", "pk").values_list("pk", "expires_at")[:batch_size])
            if not batch:
                break
            with transaction.atomic():
                # only("pk"): the collector loads bare ids, not the code; tag links go in one DELETE ... IN.
                _, per_model = Snippet.objects.filter(pk__in=[pk for pk, _ in batch]).only("pk").delete()
            deleted += per_model.get(Snippet._meta.label, 0)
            after = batch[-1][1], batch[-1][0]
            _checkpoint()
    if deleted:
        logger.info("Deleted %d expired snippets.", deleted)
    return deleted


@contextmanager
def _checkpoints_between_batches():
    """On SQLite, copy the write-ahead log into the database after each batch, never inside a COMMIT.

    SQLite checkpoints when a COMMIT takes the log past 1000 pages, inside that COMMIT call: the purge's own
    (a batch writes hundreds of pages) or, worse, a visitor's. Here the purge's connection checkpoints after
    every batch instead, holding no lock, so the log stays under a batch, no COMMIT carries a checkpoint, and
    the pause between batches lets the site's writes in.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (pages,) = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")


def _checkpoint():
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
