"""A count with its noun in the right number ("1 worker process", "2 worker processes"), for the pages and for the
live values refresh.js swaps into them, so that a number updated in place never leaves its noun behind."""

from django.utils.translation import ngettext


def counted(number: int, singular: str, plural: str) -> str:
    return f"{number} {ngettext(singular, plural, number)}"
