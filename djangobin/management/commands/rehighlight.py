"""Queue the highlighting of existing snippets, a batch per transaction; a stopped run resumes with --after."""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from djangobin.services.renders import snippet_renders_request_batch


class Command(BaseCommand):
    help = (
        "Queue a render (the highlight_snippet actor) for every snippet still waiting for one, or with --all for "
        "every snippet. Prints the last id of each batch: pass it to --after to resume."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Render every snippet again, not only pending ones.")
        parser.add_argument("--after", type=int, default=0, help="Start after this snippet id.")
        parser.add_argument("--batch", type=int, default=500, help="Snippets per transaction (default 500).")

    def handle(self, *args, **options):
        after, total = options["after"], 0
        while ids := snippet_renders_request_batch(after=after, limit=options["batch"], redo=options["all"]):
            after, total = ids[-1], total + len(ids)
            self.stdout.write(f"Queued {total} {ngettext('render', 'renders', total)}, up to snippet id {after}.")
        self.stdout.write(f"Done: {total} {ngettext('render', 'renders', total)} queued.")
