from datetime import timedelta

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.core.exceptions import ValidationError

from djangobin import selectors
from djangobin.expiration import Expiration
from djangobin.form_parts import KeptRendering
from djangobin.language_select import LanguageSelect, plain_text_language_id
from djangobin.models import POSTER_MAX_LENGTH, Exposure, Feedback, Language
from djangobin.search.syntax import SearchQueryError, parse_query
from djangobin.services.accounts import password_reset_mail_request
from djangobin.services.tags import tags_parse
from djangobin.sites import site_url
from djangobin.validators import (
    DETECT,
    LIFETIME_LONGEST,
    LIFETIME_SHORTEST,
    TITLE_MAX_LENGTH,
    no_line_breaks,
    no_nul,
    snippet_code_validate,
    snippet_exposure_validate,
    snippet_file_text,
    snippet_title_validate,
)


def textarea_text(value: str) -> str:
    """The text as it was in a <textarea>: HTML's form submission sends every line break of one as CRLF, whatever
    the user had, so CRLF (and a lone CR, which a browser sends as CRLF too) becomes LF again."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


class TextareaField(forms.CharField):
    """A text field a browser fills from a <textarea>: it stores the text as the user had it (LF line ends), so a
    paste's raw and download bytes, its size and line count, and what Copy takes are the same text.

    An unchanged box is unchanged, whatever line ends the stored text has (an API paste's CRLF, in the admin)."""

    def to_python(self, value):
        return textarea_text(super().to_python(value))

    def has_changed(self, initial, data):
        return textarea_text(initial or "") != self.to_python(data)


class LanguageField(forms.ModelChoiceField):
    """The site's languages plus "Detect", which `SnippetForm.clean` turns into Plain Text flagged for a guess.

    Its widget renders the options from a copy kept per process (djangobin/language_select.py): nothing here may
    iterate `choices`, which would read every language at each request."""

    widget = LanguageSelect(attrs={"data-language-filter": ""}, leading=[(DETECT, "Detect (guessed after saving)")])

    def to_python(self, value):
        return DETECT if value == DETECT else super().to_python(value)


class SnippetForm(KeptRendering, forms.Form):
    """The paste form. The code comes typed in the box or as a file: editor.js reads a picked or dropped file into
    the box (and chooses its language); without JavaScript the file is sent and `clean` reads it, choosing the
    language from its name when the form says Detect or Plain Text. Either way the server checks the size."""

    # Not required as a field: a file may stand for it (`clean` says "required" when neither came).
    original_code = TextareaField(
        label="Code",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        help_text="Tab indents (Shift+Tab outdents); press Esc, then Tab, to leave the box. Ctrl+Enter creates it.",
    )
    file = forms.FileField(
        required=False,
        label="Or a file",
        help_text="Pick a text file, or drop one on the box: its text fills the box and its name the language.",
    )
    language = LanguageField(queryset=Language.objects.all(), empty_label=None)
    # Never, unless the account's default says otherwise: the choices run shortest first.
    expiration = forms.ChoiceField(choices=Expiration.choices, initial=Expiration.NEVER)
    exposure = forms.ChoiceField(choices=Exposure.choices)
    title = forms.CharField(max_length=TITLE_MAX_LENGTH, required=False, validators=[snippet_title_validate])
    tags = forms.CharField(required=False, max_length=1000, help_text="Comma-separated, e.g. django, orm")
    burn_after_reading = forms.BooleanField(
        required=False,
        label="Burn after reading",
        label_suffix="",
        help_text="Deleted for good at its first view by someone else; never listed or searchable.",
    )
    # The slug of the snippet this paste was started from; the view checks it may still be forked.
    forked_from = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput, validators=[no_nul])

    # An account's defaults (or none): a fork's code and title make the form one of a kind.
    kept_initial = frozenset({"language", "expiration", "exposure"})

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.initial.get("language"):
            self.initial["language"] = plain_text_language_id()
        if user is None or not user.is_authenticated:
            self.fields["exposure"].choices = [c for c in Exposure.choices if c[0] != Exposure.PRIVATE]
            self.fields["exposure"].help_text = "Log in to create private snippets."
        self.fields["original_code"].validators.append(snippet_code_validate)

    def rendering_extra(self):
        return (self.user is not None and self.user.is_authenticated,)  # a visitor is offered no private exposure

    def clean_tags(self):
        return tags_parse(self.cleaned_data["tags"])

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            self._clean_file(data, upload)
        elif data.get("original_code") == "":
            self.add_error("original_code", forms.ValidationError(forms.Field.default_error_messages["required"]))
        data["detect_language"] = data.get("language") == DETECT
        if data["detect_language"]:
            data["language"] = Language.objects.get(lang_code="text")
        return data

    def _clean_file(self, data, upload):
        """The file's text as the code, and its language from its name unless the form chose one."""
        if data.get("original_code"):
            self.add_error("file", "Give the code in the box or a file, not both: empty the box to paste the file.")
            return
        try:
            text = snippet_file_text(upload)
            snippet_code_validate(text)
        except ValidationError as error:
            self.add_error("file", error)
            return
        data["original_code"] = text
        chosen = data.get("language")
        if chosen == DETECT or getattr(chosen, "lang_code", None) == "text":
            data["language"] = selectors.language_for_filename(upload.name) or chosen


class SnippetEditForm(forms.Form):
    """An author's edit of a snippet: a new revision's code, language and title (its exposure, expiry and tags are
    the snippet's, not a revision's). `base_revision` is the revision the editor opened, so that an edit made
    meanwhile is never saved over (services.revisions.snippet_edit)."""

    original_code = TextareaField(
        label="Code",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        validators=[snippet_code_validate],
        help_text="Tab indents (Shift+Tab outdents); press Esc, then Tab, to leave the box. Ctrl+Enter saves it.",
    )
    language = forms.ModelChoiceField(queryset=Language.objects.all(), empty_label=None)
    title = forms.CharField(max_length=TITLE_MAX_LENGTH, required=False, validators=[snippet_title_validate])
    base_revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


_TRUE = {"1", "true", "yes", "on"}


def _whole_number(raw: str, low: int, high: int, message: str) -> int | None:
    """`raw` as a whole number from `low` to `high` (ASCII digits only: int() would take "²" or " 1_0 "); None when
    empty."""
    raw = raw.strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ValidationError(message)
    return int(raw)


class ApiSnippetForm(forms.Form):
    """A paste through the API, in dpaste.com v2's field names, checked by the same rules as the paste form
    (djangobin/validators.py). `content` may also come as a file; the API reads it into the data first."""

    content = forms.CharField(
        strip=False,
        validators=[snippet_code_validate],
        error_messages={"required": "It is required and may not be empty."},
    )
    syntax = forms.CharField(required=False)
    title = forms.CharField(required=False, validators=[snippet_title_validate])
    poster = forms.CharField(
        required=False,
        max_length=POSTER_MAX_LENGTH,
        validators=[no_nul, no_line_breaks],
        error_messages={"max_length": "It is longer than %(limit_value)d characters."},
    )
    expiry_days = forms.CharField(required=False)
    expiry_seconds = forms.CharField(required=False)  # ours: dpaste.com clients never send it
    exposure = forms.CharField(required=False)
    burn_after_reading = forms.CharField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["syntax"].validators.clear()  # a syntax is only looked up, never stored: a NUL is no harm

    def clean_syntax(self):
        """(language, detect): "detect" is Plain Text until the worker has guessed, as the form's "Detect"."""
        alias = self.cleaned_data["syntax"].strip().lower()
        detect = alias == DETECT
        try:
            return selectors.language_for_syntax(alias="" if detect else alias), detect
        except Language.DoesNotExist:
            raise ValidationError(
                f"{alias!r} is not a language this site knows; GET /api/v2/syntax-choices/ lists them all.",
                code="unknown_syntax",
            ) from None

    def clean_expiry_days(self):
        """An exact number of days, as dpaste.com takes it (1 is one day), as a lifetime; None when not sent."""
        low, high = max(1, LIFETIME_SHORTEST.days), LIFETIME_LONGEST.days
        days = _whole_number(
            self.cleaned_data["expiry_days"], low, high, f"It must be a whole number of days from {low} to {high}."
        )
        return None if days is None else timedelta(days=days)

    def clean_expiry_seconds(self):
        """A lifetime in seconds, for what a number of days cannot say (10 minutes); None when not sent."""
        low, high = int(LIFETIME_SHORTEST.total_seconds()), int(LIFETIME_LONGEST.total_seconds())
        seconds = _whole_number(
            self.cleaned_data["expiry_seconds"],
            low,
            high,
            f"It must be a whole number of seconds from {low} to {high:,} ({LIFETIME_LONGEST.days} days).",
        )
        return None if seconds is None else timedelta(seconds=seconds)

    def clean_exposure(self):
        exposure = self.cleaned_data["exposure"].strip().lower() or Exposure.UNLISTED
        snippet_exposure_validate(exposure, signed_in=self.user.is_authenticated)
        return exposure

    def clean_burn_after_reading(self):
        return self.cleaned_data["burn_after_reading"].strip().lower() in _TRUE

    def clean(self):
        """`lifetime` (expiry_days or expiry_seconds, not both), or else the account's default `expiration`."""
        data = super().clean()
        days, seconds = data.get("expiry_days"), data.get("expiry_seconds")
        if days is not None and seconds is not None:
            self.add_error("expiry_seconds", "Send expiry_days or expiry_seconds, not both.")
        data["lifetime"] = days if days is not None else seconds
        if data["lifetime"] is None:
            data["expiration"] = selectors.paste_defaults(self.user).get("expiration", Expiration.NEVER)
        else:
            data["expiration"] = None
        return data


class ContactForm(forms.Form):
    name = forms.CharField(max_length=100, validators=[no_line_breaks, no_nul])
    email = forms.EmailField()
    purpose = forms.ChoiceField(choices=Feedback.Purpose.choices)
    message = forms.CharField(widget=forms.Textarea, max_length=10_000, validators=[no_nul])


class SignupForm(UserCreationForm):
    """Sign-up; an address that already has an account is not refused here (that would tell anyone it is
    registered): accounts.user_signup mails its owner instead. A username held only by never-activated accounts with
    the address signed up with is not refused either: the sign-up replaces them, username and all."""

    email = forms.EmailField(required=True)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_username(self):
        username = self.cleaned_data.get("username")
        try:  # the email field is cleaned after this one
            email = self.fields["email"].clean(self.data.get("email"))
        except ValidationError:
            email = None
        freed = bool(username and email) and selectors.username_freed_by_signup(username=username, email=email)
        self._username_freed = freed
        return username if self._username_freed else super().clean_username()

    def validate_unique(self):
        # A username this sign-up frees (see clean_username) is not a clash; username is the model's only unique field.
        if not getattr(self, "_username_freed", False):
            super().validate_unique()


LOGIN_LABEL = "Username or email"


class LoginForm(forms.Form):
    username = forms.CharField(
        label=LOGIN_LABEL, max_length=254, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form (which /dashboard/ sends staff to), labelled for what djangobin.auth accepts."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": "Please enter the correct username or email and password for a staff account. "
        "The password is case-sensitive.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.label = LOGIN_LABEL
        field.max_length = field.widget.attrs["maxlength"] = 254  # an email address may be longer than a username


class ResendActivationForm(forms.Form):
    email = forms.EmailField()


class SettingsForm(KeptRendering, forms.Form):
    default_language = forms.ModelChoiceField(
        queryset=Language.objects.all(),
        required=False,
        widget=LanguageSelect(attrs={"data-language-filter": ""}, leading=[("", "---------")]),
    )
    default_expiration = forms.ChoiceField(choices=Expiration.choices, initial=Expiration.NEVER)
    default_exposure = forms.ChoiceField(choices=Exposure.choices)
    private = forms.BooleanField(
        required=False, label="Private profile (others cannot see your snippet list)", label_suffix=""
    )

    kept_initial = frozenset({"default_language", "default_expiration", "default_exposure", "private"})


class ApiTokenForm(KeptRendering, forms.Form):
    name = forms.CharField(
        max_length=100, label="Token name", help_text="What it is for, e.g. “laptop pastebinit”.", validators=[no_nul]
    )


class SearchForm(forms.Form):
    query = forms.CharField(max_length=200, required=False, validators=[no_nul])
    mysnippet = forms.BooleanField(required=False, label="Only my snippets", label_suffix="")

    def clean_query(self):
        query = self.cleaned_data["query"]
        if query.strip():
            try:
                parse_query(query)
            except SearchQueryError as error:
                raise ValidationError(str(error)) from error
        return query


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but it queues one message with the address, whatever the address: the worker looks the
    accounts up and mails them (actors.mail.send_password_reset_mail_to), so the answer and its time are the same
    for a registered address and an unknown one."""

    def save(self, *, request, **kwargs):
        password_reset_mail_request(email=self.cleaned_data["email"], site_url=site_url(request))
