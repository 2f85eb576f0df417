"""Add a language for each Pygments lexer the table lacks: run it after upgrading Pygments."""

from django.core.management.base import BaseCommand

from djangobin.language_select import language_choices_forget
from djangobin.lexers import languages_sync
from djangobin.models import Language


class Command(BaseCommand):
    help = "Add a language for every Pygments lexer the site does not offer yet (existing ones are left as they are)."

    def handle(self, *args, **options):
        added = languages_sync(Language)
        language_choices_forget()
        self.stdout.write(f"{added} language{'' if added == 1 else 's'} added; {Language.objects.count()} in all.")
