from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.core.exceptions import ValidationError

from djangobin import selectors
from djangobin.expiration import Expiration
from djangobin.language_select import LanguageSelect
from djangobin.models import POSTER_MAX_LENGTH, Exposure, Feedback, Language
from djangobin.search import search_terms
from djangobin.services.accounts import password_reset_mail_request
from djangobin.services.tags import tags_parse
from djangobin.sites import site_url
from djangobin.validators import (
    DETECT,
    TITLE_MAX_LENGTH,
    no_line_breaks,
    no_nul,
    snippet_code_validate,
    snippet_exposure_validate,
    snippet_file_text,
    snippet_title_validate,
)


class LanguageField(forms.ModelChoiceField):
    """The site's languages plus "Detect", which `SnippetForm.clean` turns into Plain Text flagged for a guess.

    Its widget renders the options from a copy kept per process (djangobin/language_select.py): nothing here may
    iterate `choices`, which would read every language at each request."""

    widget = LanguageSelect(attrs={"data-language-filter": ""}, leading=[(DETECT, "Detect (guessed after saving)")])

    def to_python(self, value):
        return DETECT if value == DETECT else super().to_python(value)


class SnippetForm(forms.Form):
    """The paste form. The code comes typed in the box or as a file: editor.js reads a picked or dropped file into
    the box (and chooses its language); without JavaScript the file is sent and `clean` reads it, choosing the
    language from its name when the form says Detect or Plain Text. Either way the server checks the size."""

    # Not required as a field: a file may stand for it (`clean` says "required" when neither came).
    original_code = forms.CharField(
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
    expiration = forms.ChoiceField(choices=Expiration.choices)
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

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.initial.get("language"):
            self.initial["language"] = (
                Language.objects.filter(lang_code="text").values_list("pk", flat=True).first()  # Plain Text
            )
        if user is None or not user.is_authenticated:
            self.fields["exposure"].choices = [c for c in Exposure.choices if c[0] != Exposure.PRIVATE]
            self.fields["exposure"].help_text = "Log in to create private snippets."
        self.fields["original_code"].validators.append(snippet_code_validate)

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


EXPIRY_DAYS_MAX = 365  # as dpaste.com
# dpaste's expiry_days is any number of days; ours are the form's choices, so the nearest one is taken.
_EXPIRATION_DAYS = [(Expiration.WEEK, 7), (Expiration.MONTH, 30), (Expiration.SIX_MONTHS, 182), (Expiration.YEAR, 365)]
_TRUE = {"1", "true", "yes", "on"}


def expiration_for_days(days: int) -> str:
    """The allowed expiration nearest to `days` (a tie goes to the shorter one)."""
    return min(_EXPIRATION_DAYS, key=lambda choice: abs(choice[1] - days))[0]


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
        raw = self.cleaned_data["expiry_days"].strip()
        if not raw:
            return selectors.paste_defaults(self.user).get("expiration", Expiration.NEVER)
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= EXPIRY_DAYS_MAX:
            raise ValidationError(f"It must be a whole number of days from 1 to {EXPIRY_DAYS_MAX}.")
        return expiration_for_days(int(raw))

    def clean_exposure(self):
        exposure = self.cleaned_data["exposure"].strip().lower() or Exposure.UNLISTED
        snippet_exposure_validate(exposure, signed_in=self.user.is_authenticated)
        return exposure

    def clean_burn_after_reading(self):
        return self.cleaned_data["burn_after_reading"].strip().lower() in _TRUE


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


class SettingsForm(forms.Form):
    default_language = forms.ModelChoiceField(
        queryset=Language.objects.all(),
        required=False,
        widget=LanguageSelect(attrs={"data-language-filter": ""}, leading=[("", "---------")]),
    )
    default_expiration = forms.ChoiceField(choices=Expiration.choices)
    default_exposure = forms.ChoiceField(choices=Exposure.choices)
    private = forms.BooleanField(
        required=False, label="Private profile (others cannot see your snippet list)", label_suffix=""
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Token name", help_text="What it is for, e.g. “laptop pastebinit”.", validators=[no_nul]
    )


class SearchForm(forms.Form):
    query = forms.CharField(max_length=200, required=False, validators=[no_nul])
    mysnippet = forms.BooleanField(required=False, label="Only my snippets", label_suffix="")

    def clean_query(self):
        query = self.cleaned_data["query"]
        if query.strip() and not search_terms(query):
            raise ValidationError("Search finds words (letters and digits); this query has none.")
        return query


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but it queues one message with the address, whatever the address: the worker looks the
    accounts up and mails them (actors.mail.send_password_reset_mail_to), so the answer and its time are the same
    for a registered address and an unknown one."""

    def save(self, *, request, **kwargs):
        password_reset_mail_request(email=self.cleaned_data["email"], site_url=site_url(request))
