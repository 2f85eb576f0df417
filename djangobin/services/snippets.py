import hashlib
import logging
import secrets
import string

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
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


def snippets_expired_delete(*, now=None, batch_size=1000):
    """Delete every snippet past its `expires_at`, in primary-key batches; returns how many were deleted.

    Each batch is one short transaction (the site stays responsive on SQLite), memory holds one batch
    of ids, and running it twice deletes nothing twice.
    """
    now = now or timezone.now()
    deleted = 0
    last_pk = 0
    while True:
        ids = list(
            Snippet.objects.filter(expires_at__lte=now, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        with transaction.atomic():
            # only("pk"): the collector loads bare ids, not the code; tag links go in one DELETE ... IN.
            _, per_model = Snippet.objects.filter(pk__in=ids).only("pk").delete()
        deleted += per_model.get(Snippet._meta.label, 0)
        last_pk = ids[-1]
    if deleted:
        logger.info("Deleted %d expired snippets.", deleted)
    return deleted
