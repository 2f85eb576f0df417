from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminTextareaWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.html import format_html

from djangobin.forms import AdminLoginForm, TextareaField
from djangobin.models import ApiToken, Author, Feedback, Language, Snippet, SnippetRevision, Tag
from djangobin.services.renders import snippet_render_request
from djangobin.services.revisions import snippet_revision_latest_sync

admin.site.login_form = AdminLoginForm

_mime = RegexValidator(r"^[\w.+-]+/[\w.+-]+$", "Enter a MIME type such as text/x-python.")
_extension = RegexValidator(r"^\.[A-Za-z0-9_+-]{1,9}$", "Enter an extension with its dot, such as .py")


class LanguageForm(forms.ModelForm):
    class Meta:
        model = Language
        fields = ("name", "lang_code", "slug", "mime", "file_extension")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mime"].validators.append(_mime)
        self.fields["file_extension"].validators.append(_extension)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    form = LanguageForm
    list_display = ("name", "lang_code", "slug", "mime", "file_extension")
    search_fields = ("name", "lang_code")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)


class SnippetAdminForm(forms.ModelForm):
    """The code as the staff member had it in the box (LF line ends), and exactly as stored when left alone: saving
    another field never rewrites an API paste's CRLF."""

    original_code = TextareaField(label="Original code", strip=False, widget=AdminTextareaWidget)

    class Meta:
        model = Snippet
        fields = ("title", "original_code", "exposure", "language", "user", "tags", "poster", "burn_after_reading")

    def clean_original_code(self):
        if "original_code" in self.changed_data:
            return self.cleaned_data["original_code"]
        return self.instance.original_code


@admin.register(Snippet)
class SnippetAdmin(admin.ModelAdmin):
    form = SnippetAdminForm
    list_display = ("__str__", "slug", "language", "user", "exposure", "hits", "created_on", "expires_at")
    list_filter = ("exposure", "expiration", "language")
    list_select_related = ("language", "user")
    # Foreign keys are searched through their text fields; searching the key itself crashed the original.
    search_fields = ("title", "slug", "user__username", "language__name")
    readonly_fields = ("slug", "hits", "created_on", "expires_at", "revision_rows")
    autocomplete_fields = ("tags",)
    raw_id_fields = ("user",)
    date_hierarchy = "created_on"

    def get_readonly_fields(self, request, obj=None):
        # expires_at is fixed from the expiration at creation; changing one without the other would lie.
        return (*self.readonly_fields, "expiration")

    def has_add_permission(self, request):
        return False  # snippets are created through the site, where they get a slug and their render

    @admin.display(description="Revisions")
    def revision_rows(self, obj):
        count = obj.revisions.count() if obj.pk else 0
        if not count:
            return "None: never edited"
        url = reverse("admin:djangobin_snippetrevision_changelist") + f"?snippet__id__exact={obj.pk}"
        return format_html('<a href="{}">{} revision(s)</a>', url, count)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if {"original_code", "language"} & set(form.changed_data):
            snippet_render_request(snippet_id=obj.pk)
        if {"original_code", "language", "title"} & set(form.changed_data):
            snippet_revision_latest_sync(snippet=obj)


@admin.register(SnippetRevision)
class SnippetRevisionAdmin(admin.ModelAdmin):
    """Revisions are history written by edits and the diff actor: staff read them here, and never change them."""

    list_display = (
        "snippet",
        "number",
        "title",
        "language",
        "created_on",
        "diff_state",
        "lines_added",
        "lines_removed",
    )
    list_filter = ("diff_state",)
    list_select_related = ("snippet", "language")
    ordering = ("-snippet_id", "-number")  # a snippet's latest revision first, as its page lists them
    search_fields = ("snippet__slug", "title")
    raw_id_fields = ("snippet",)
    exclude = ("code", "diff_html")
    readonly_fields = ("site_page",)

    @admin.display(description="On the site")
    def site_page(self, obj):
        url = reverse("djangobin:snippet_revision", args=[obj.snippet.slug, obj.number])
        return format_html('<a href="{}">{}</a>', url, url)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "purpose", "created_on", "mailed_at")
    list_filter = ("purpose",)
    search_fields = ("name", "email", "message")
    readonly_fields = ("created_on", "mailed_at")


class AuthorInline(admin.StackedInline):
    model = Author
    can_delete = False
    fk_name = "user"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuthorUserAdmin(UserAdmin):
    inlines = (AuthorInline,)

    def get_inlines(self, request, obj):
        # A new user's profile is created by a signal; the inline edits it once the user exists.
        return self.inlines if obj is not None else ()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff may see and revoke (delete) tokens, never make one: its secret exists only in its owner's hands."""

    list_display = ("name", "user", "prefix", "created_on", "last_used_on", "revoked_at", "revoked_reason")
    list_filter = ("revoked_reason",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("user", "name", "prefix", "created_on", "last_used_on", "revoked_at", "revoked_reason")
    exclude = ("key_hash",)

    def has_add_permission(self, request):
        return False
