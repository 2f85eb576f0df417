"""Seed the languages a paste site needs: the original app's sixteen and other common ones."""

from django.db import migrations

# (name, Pygments alias, slug, MIME type, file extension)
LANGUAGES = [
    ("Bash", "bash", "bash", "application/x-sh", ".sh"),
    ("C", "c", "c", "text/x-csrc", ".c"),
    ("C#", "csharp", "csharp", "text/x-csharp", ".cs"),
    ("C++", "cpp", "cpp", "text/x-c++src", ".cpp"),
    ("CSS", "css", "css", "text/css", ".css"),
    ("Django/Jinja", "django", "django", "text/html", ".html"),
    ("Go", "go", "go", "text/x-go", ".go"),
    ("HTML", "html", "html", "text/html", ".html"),
    ("Java", "java", "java", "text/x-java", ".java"),
    ("JavaScript", "javascript", "javascript", "text/javascript", ".js"),
    ("JSON", "json", "json", "application/json", ".json"),
    ("Kotlin", "kotlin", "kotlin", "text/x-kotlin", ".kt"),
    ("Lua", "lua", "lua", "text/x-lua", ".lua"),
    ("Markdown", "markdown", "markdown", "text/markdown", ".md"),
    ("Perl", "perl", "perl", "text/x-perl", ".pl"),
    ("PHP", "php", "php", "application/x-php", ".php"),
    ("Plain Text", "text", "plain-text", "text/plain", ".txt"),
    ("PowerShell", "powershell", "powershell", "text/plain", ".ps1"),
    ("Python", "python", "python", "text/x-python", ".py"),
    ("Python 2", "python2", "python2", "text/x-python", ".py"),
    ("Ruby", "ruby", "ruby", "text/x-ruby", ".rb"),
    ("Rust", "rust", "rust", "text/x-rust", ".rs"),
    ("Scala", "scala", "scala", "text/x-scala", ".scala"),
    ("SQL", "sql", "sql", "application/sql", ".sql"),
    ("Swift", "swift", "swift", "text/x-swift", ".swift"),
    ("TOML", "toml", "toml", "application/toml", ".toml"),
    ("TypeScript", "typescript", "typescript", "application/typescript", ".ts"),
    ("XML", "xml", "xml", "application/xml", ".xml"),
    ("YAML", "yaml", "yaml", "application/yaml", ".yaml"),
    ("Dockerfile", "docker", "dockerfile", "text/plain", ".docker"),
    ("Makefile", "make", "makefile", "text/x-makefile", ".mk"),
    ("Haskell", "haskell", "haskell", "text/x-haskell", ".hs"),
    ("Elixir", "elixir", "elixir", "text/x-elixir", ".ex"),
    ("Diff", "diff", "diff", "text/x-diff", ".diff"),
    ("INI", "ini", "ini", "text/plain", ".ini"),
    ("Nginx configuration", "nginx", "nginx", "text/plain", ".conf"),
]


def seed(apps, schema_editor):
    Language = apps.get_model("djangobin", "Language")
    for name, lang_code, slug, mime, extension in LANGUAGES:
        Language.objects.get_or_create(
            lang_code=lang_code, defaults={"name": name, "slug": slug, "mime": mime, "file_extension": extension}
        )


def unseed(apps, schema_editor):
    apps.get_model("djangobin", "Language").objects.filter(lang_code__in=[row[1] for row in LANGUAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
