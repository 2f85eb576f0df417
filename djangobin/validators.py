"""The rules a paste's fields follow, each written once: the paste form, the API's form (dpaste's field names) and
the snippet service all check input with these, and the service is the last word (snippet_create).

Each raises Django's ValidationError with a `code`, so a front door can answer in its own way (the API says 413
for `too_large`) without restating the rule.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError

from djangobin.models import Exposure, Snippet

DETECT = "detect"  # the language choice (form) and syntax (API) that asks the worker to guess
TITLE_MAX_LENGTH = Snippet._meta.get_field("title").max_length
# A lifetime an API client may choose: the longest is dpaste.com's 365 days; the shortest is long enough to pass a
# link on, and an expired paste answers 410 at once whatever the purge's schedule.
LIFETIME_SHORTEST = timedelta(minutes=1)
LIFETIME_LONGEST = timedelta(days=365)


def no_nul(value: str) -> None:
    """PostgreSQL cannot store a NUL character in text, so no text field of ours may hold one."""
    if "\x00" in value:
        raise ValidationError("The text contains a NUL character, which cannot be stored.", code="nul")


def no_line_breaks(value: str) -> None:
    """One-line fields (a name, a title) become mail headers and page titles, where a line break is an injection."""
    if "\r" in value or "\n" in value:
        raise ValidationError("Line breaks are not allowed here.", code="line_break")


def snippet_code_validate(code: str) -> None:
    """A paste's code: some text, no NUL, at most SNIPPET_MAX_BYTES of UTF-8."""
    no_nul(code)
    if not code.strip():
        raise ValidationError("The snippet is empty.", code="empty")
    size = len(code.encode())
    limit = settings.SNIPPET_MAX_BYTES
    if size > limit:
        raise ValidationError(
            f"The snippet is {size:,} bytes; the limit is {limit:,} bytes ({limit // 1024} KiB).", code="too_large"
        )


def snippet_file_text(upload) -> str:
    """A file sent as a paste (the form's file, the API's `content=@file`) as text: UTF-8, a byte-order mark
    dropped. Reads no more than a paste may hold; the code's own rules (snippet_code_validate) follow."""
    raw = upload.read(settings.SNIPPET_MAX_BYTES + 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{upload.name} is not UTF-8 text.", code="not_text") from None


def snippet_title_validate(title: str) -> None:
    no_nul(title)
    no_line_breaks(title)
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(f"The title is longer than {TITLE_MAX_LENGTH} characters.", code="too_long")


def snippet_exposure_validate(exposure: str, *, signed_in: bool) -> None:
    """Private snippets need an account to be private to (a signed-in visitor, or an API token's account)."""
    if exposure not in Exposure.values:
        raise ValidationError(f"The exposure must be one of: {', '.join(Exposure.values)}.", code="invalid")
    if exposure == Exposure.PRIVATE and not signed_in:
        raise ValidationError(
            "Private snippets need an account: log in, or send an API token.", code="private_needs_account"
        )


def snippet_lifetime_validate(lifetime: timedelta) -> None:
    """A lifetime chosen through the API, from LIFETIME_SHORTEST to LIFETIME_LONGEST."""
    if not LIFETIME_SHORTEST <= lifetime <= LIFETIME_LONGEST:
        raise ValidationError(
            f"The snippet's lifetime must be from {LIFETIME_SHORTEST.total_seconds():.0f} seconds"
            f" to {LIFETIME_LONGEST.days} days.",
            code="lifetime",
        )
