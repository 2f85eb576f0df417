from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .expiration import SNIPPET_EXPIRATIONS, Expiration
from .highlight import lexer_exists


class Exposure(models.TextChoices):
    PUBLIC = "public", "Public"
    UNLISTED = "unlisted", "Unlisted"
    PRIVATE = "private", "Private"


def validate_lexer(value):
    if not lexer_exists(value):
        raise ValidationError("%(value)s is not a Pygments lexer alias.", params={"value": value})


class Language(models.Model):
    name = models.CharField(max_length=100, unique=True)
    lang_code = models.CharField(
        max_length=100, unique=True, validators=[validate_lexer], help_text="A Pygments lexer alias, e.g. python."
    )
    slug = models.SlugField(max_length=100, unique=True)
    mime = models.CharField(max_length=100, default="text/plain", help_text="MIME type of a downloaded file.")
    file_extension = models.CharField(max_length=10, help_text="Includes the dot, e.g. .py")
    created_on = models.DateTimeField(auto_now_add=True)
    updated_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("djangobin:trending_snippets", args=[self.slug])


class Author(models.Model):
    """A user's profile: paste defaults and privacy."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author")
    default_language = models.ForeignKey(Language, null=True, blank=True, on_delete=models.SET_NULL)
    default_exposure = models.CharField(max_length=10, choices=Exposure.choices, default=Exposure.PUBLIC)
    default_expiration = models.CharField(max_length=10, choices=Expiration.choices, default=Expiration.NEVER)
    private = models.BooleanField(default=False, help_text="Hide the profile page from other people.")
    views = models.PositiveIntegerField(default=0, help_text="How often others viewed the profile.")
    activated_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the account was first active; no activation link works after it.",
    )

    def __str__(self):
        return self.user.get_username()

    def get_absolute_url(self):
        return reverse("djangobin:profile", args=[self.user.get_username()])


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("djangobin:tag_list", args=[self.slug])


POSTER_MAX_LENGTH = 50


class SnippetQuerySet(models.QuerySet):
    def live(self, now=None):
        """Snippets not yet expired: an expired one is never served, whether or not the purge has run."""
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def expired(self, now=None):
        return self.filter(expires_at__lte=now or timezone.now())

    def listed(self):
        """Live snippets that may appear in a list: a burn-after-reading one is only ever reached by its link."""
        return self.live().filter(burn_after_reading=False)

    def public(self):
        return self.listed().filter(exposure=Exposure.PUBLIC)


class Snippet(models.Model):
    title = models.CharField(max_length=200, blank=True)
    original_code = models.TextField()
    expiration = models.CharField(max_length=10, choices=SNIPPET_EXPIRATIONS, default=Expiration.NEVER)
    exposure = models.CharField(max_length=10, choices=Exposure.choices, default=Exposure.PUBLIC)
    hits = models.PositiveIntegerField(default=0, editable=False)
    slug = models.CharField(max_length=16, unique=True, editable=False)
    created_on = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    language = models.ForeignKey(Language, on_delete=models.PROTECT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="snippets"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="snippets")
    poster = models.CharField(max_length=POSTER_MAX_LENGTH, blank=True, help_text="A name given through the API.")
    burn_after_reading = models.BooleanField(
        default=False, help_text="Deleted at its first view by someone other than its author."
    )
    # Nullable without a default, so SQLite adds the column in place and keeps 0006_search's FTS5 triggers.
    forked_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forks",
        editable=False,
        help_text="The snippet this one was started from (“New paste from this”).",
    )
    revision = models.PositiveIntegerField(
        default=1, editable=False, help_text="The number of its latest revision: each edit adds one."
    )
    # Only the SHA-256 of the secret an anonymous author was shown once: a database leak deletes nothing.
    delete_key_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = SnippetQuerySet.as_manager()

    class Meta:
        ordering = ["-created_on", "-pk"]
        indexes = [
            models.Index(fields=["exposure", "-created_on"], name="snippet_exposure_recent"),
            models.Index(fields=["exposure", "-hits"], name="snippet_exposure_hits"),
            models.Index(fields=["user", "-created_on"], name="snippet_user_recent"),
        ]

    def __str__(self):
        return self.title or "Untitled"

    def get_absolute_url(self):
        return reverse("djangobin:snippet_detail", args=[self.slug])

    @property
    def display_title(self):
        return self.title or "Untitled"

    def is_expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def is_owned_by(self, user):
        return user.is_authenticated and self.user_id == user.pk

    def is_visible_to(self, user):
        """Public and unlisted snippets are visible to anyone with the link; private ones to their owner only."""
        return self.exposure != Exposure.PRIVATE or self.is_owned_by(user)

    @property
    def download_name(self):
        return f"{self.slug}{self.language.file_extension}"


class SnippetRender(models.Model):
    """A snippet's code as HTML, made by the `highlight_snippet` actor; a table apart, so lists and the purge never
    read it.

    `revision` grows each time the code (or its language) changes; the actor stores its HTML only over the
    revision it read, so an old render never replaces a newer one.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for the worker"
        HIGHLIGHTED = "highlighted", "Highlighted"
        PLAIN = "plain", "Plain text"

    snippet = models.OneToOneField(Snippet, primary_key=True, on_delete=models.CASCADE, related_name="render")
    revision = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    html = models.TextField(blank=True, help_text="Pygments' escaped HTML when highlighted; empty otherwise.")
    document = models.TextField(
        blank=True, default="", help_text="A Markdown paste rendered and sanitised (djangobin/markdown.py); else empty."
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why the code is shown as plain text.")
    rendered_on = models.DateTimeField(null=True, blank=True)
    detect_language = models.BooleanField(
        default=False, help_text="Guess the language (Pygments' guess_lexer) before highlighting."
    )

    def __str__(self):
        return f"{self.snippet_id} r{self.revision} {self.state}"


class SnippetRevision(models.Model):
    """One saved version of an edited snippet (its title, language and code), with the diff against the one before.

    A snippet never edited has no rows: the snippet itself is its revision 1. Its first edit writes revision 1 (as
    it was) and revision 2, so an edited snippet has a row for every revision, the latest one equal to the snippet
    row. A fork has its revision 1 as a row from the start, to keep its diff against its source. The diff is made
    by the `diff_snippet_revision` actor, never in a request; `diff_html` is escaped HTML.
    """

    class DiffState(models.TextChoices):
        NONE = "none", "Nothing to compare with"
        PENDING = "pending", "Waiting for the worker"
        READY = "ready", "Ready"
        SKIPPED = "skipped", "Not compared"

    snippet = models.ForeignKey(Snippet, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, blank=True)
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    created_on = models.DateTimeField(default=timezone.now)
    diff_state = models.CharField(max_length=8, choices=DiffState.choices, default=DiffState.NONE)
    diff_note = models.CharField(max_length=200, blank=True, help_text="Why there is no diff, when there is none.")
    lines_added = models.PositiveIntegerField(default=0)
    lines_removed = models.PositiveIntegerField(default=0)
    # The big columns last: on SQLite, reading the columns before them then never walks a long value's pages.
    diff_html = models.TextField(blank=True)
    code = models.TextField()

    class Meta:
        ordering = ["snippet", "number"]
        constraints = [models.UniqueConstraint(fields=["snippet", "number"], name="snippet_revision_number")]

    def __str__(self):
        return f"{self.snippet_id} revision {self.number}"

    def get_absolute_url(self):
        return reverse("djangobin:snippet_revision", args=[self.snippet.slug, self.number])

    @property
    def display_title(self):
        return self.title or "Untitled"


class ApiToken(models.Model):
    """A personal API token: only its SHA-256 is stored, so a database leak does not leak working tokens.

    An ended token stays as a row with when and why it ended, so its owner can see which programs stopped working.
    """

    class EndReason(models.TextChoices):
        OWNER = "owner", "revoked by you"
        PASSWORD = "password", "the password was changed or reset"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. laptop pastebinit.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=12, editable=False, help_text="The token's first characters, to tell it apart."
    )
    created_on = models.DateTimeField(default=timezone.now, editable=False)
    last_used_on = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True, editable=False)

    class Meta:
        ordering = ["-created_on", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class Feedback(models.Model):
    """A contact-form message: kept so that nothing is lost if mail fails, then mailed to ADMINS."""

    class Purpose(models.TextChoices):
        FEEDBACK = "feedback", "Feedback"
        FEATURE = "feature", "Feature Request"
        BUG = "bug", "Bug"
        OTHER = "other", "Other"

    name = models.CharField(max_length=100)
    email = models.EmailField()
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    message = models.TextField(max_length=10_000)
    created_on = models.DateTimeField(default=timezone.now)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on"]
        verbose_name_plural = "feedback"

    def __str__(self):
        return f"{self.get_purpose_display()} from {self.name}"
