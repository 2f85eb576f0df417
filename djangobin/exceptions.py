"""The domain errors services raise; views map them to responses, actors to retry or fail."""


class DjangobinError(Exception):
    pass


class SnippetNotFound(DjangobinError):
    """No such snippet, or one the asker may not see: both answer 404 so private slugs are not probed."""


class SnippetExpired(DjangobinError):
    """The snippet existed but its time is up: 410 Gone."""


class MailError(DjangobinError):
    pass


class TransientMailError(MailError):
    """The mail server may accept it later (refused connection, timeout, 4xx): retry with backoff."""


class PermanentMailError(MailError):
    """Retrying cannot help (5xx refusal, bad header): fail once, visibly."""


class RevisionConflict(DjangobinError):
    """The snippet was edited since the editor opened it: saving over it would lose that edit."""

    def __init__(self, latest: int):
        super().__init__(f"The snippet is at revision {latest} now.")
        self.latest = latest
