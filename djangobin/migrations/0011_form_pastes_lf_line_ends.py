"""Give the pastes that came through the browser form back the LF line ends their authors had.

Before this, the paste form stored a textarea's text as the browser sent it, with every line break as CRLF (HTML's
form submission rule), so raw, download and the size differed from what was pasted. The form now stores LF; this
fixes the rows it stored before. The API's bytes are kept exactly as sent, so its rows must stay as they are.

A snippet does not record which door it came through, so the rows are told apart by what only one door produces:

- a poster name: only the API takes one (pastebinit always sends one), so such a row is the API's;
- the shape of the text: a browser sends every line break as CRLF, so a text with a lone LF or a lone CR, or with
  no CRLF at all, is not one the form stored as it is;
- an account's paste: the API ignores the session, so it posts as an account only with that account's token; a
  paste of an account that had a token by then is left alone, unless it has tags or a fork source, which only the
  form takes.

What remains is a text whose line breaks are all CRLF, without a poster, from a visitor or from an account without a
token. Among those, an anonymous API paste of a file with CRLF line ends (curl from Windows, with no poster) cannot
be told from a browser's; it is converted too. That is safe: no character a reader sees changes, only the CR before
each LF goes, the same text the form would have stored for it; and leaving every anonymous row alone would leave
nearly all browser pastes as they were.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef, Q

BATCH = 500


def browser_sent(code: str) -> bool:
    """Whether `code` has the line breaks a browser sends for a textarea: some, and every one of them CRLF."""
    crlf = code.count("\r\n")
    return crlf > 0 and code.count("\n") == crlf and code.count("\r") == crlf


def form_pastes_lf(apps, schema_editor):
    Snippet = apps.get_model("djangobin", "Snippet")
    ApiToken = apps.get_model("djangobin", "ApiToken")
    token_then = ApiToken.objects.filter(user=OuterRef("user"), created_on__lte=OuterRef("created_on"))
    tagged = Snippet.tags.through.objects.filter(snippet=OuterRef("pk"))
    form_only = Exists(tagged) | Q(forked_from__isnull=False)
    candidates = (
        Snippet.objects.filter(poster="", original_code__contains="\r\n")
        .filter(Q(user__isnull=True) | ~Exists(token_then) | form_only)
        .order_by("pk")
    )
    after = 0
    while True:
        rows = list(candidates.filter(pk__gt=after).only("pk", "original_code")[:BATCH])
        if not rows:
            return
        after = rows[-1].pk
        fixed = [row for row in rows if browser_sent(row.original_code)]
        for row in fixed:
            row.original_code = row.original_code.replace("\r\n", "\n")
        Snippet.objects.bulk_update(fixed, ["original_code"])


class Migration(migrations.Migration):
    dependencies = [("djangobin", "0010_api_token_revoked")]

    # The CR bytes are gone: there is nothing to put back, and the text reads the same without them.
    operations = [migrations.RunPython(form_pastes_lf, migrations.RunPython.noop, elidable=True)]
