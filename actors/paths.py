"""The dotted path of every actor that code outside `actors/` sends work to, declared once beside the actors.

Senders name an actor by this string instead of importing it, so a web process never imports an actor module
(nor the broker it needs) at start-up: the outbox row stores the path and the publisher resolves it when it
sends. This module imports nothing, so anyone may read it; `actors.checks` imports each path at `manage.py
check` (and at `runserver`'s start), so a typo stops a deploy instead of failing inside a request's transaction.
"""

SEND_ACTIVATION_MAIL = "actors.mail.send_activation_mail"
SEND_ACTIVATION_MAIL_TO = "actors.mail.send_activation_mail_to"
SEND_SIGNUP_ATTEMPT_MAIL = "actors.mail.send_signup_attempt_mail"
SEND_PASSWORD_RESET_MAIL_TO = "actors.mail.send_password_reset_mail_to"  # noqa: S105 (an actor path, not a secret)
SEND_FEEDBACK_MAIL = "actors.mail.send_feedback_mail"
HIGHLIGHT_SNIPPET = "actors.renders.highlight_snippet"
DIFF_SNIPPET_REVISION = "actors.renders.diff_snippet_revision"
REMOVE_SNIPPETS = "actors.snippets.remove_snippets"
REMOVE_EXPIRED_SNIPPETS = "actors.snippets.remove_expired_snippets"
PRUNE_TASK_HISTORY = "actors.dashboard.prune_task_history"
APPLY_BULK_OPERATION = "actors.dashboard.apply_bulk_operation"

ALL = (
    SEND_ACTIVATION_MAIL,
    SEND_ACTIVATION_MAIL_TO,
    SEND_SIGNUP_ATTEMPT_MAIL,
    SEND_PASSWORD_RESET_MAIL_TO,
    SEND_FEEDBACK_MAIL,
    HIGHLIGHT_SNIPPET,
    DIFF_SNIPPET_REVISION,
    REMOVE_SNIPPETS,
    REMOVE_EXPIRED_SNIPPETS,
    PRUNE_TASK_HISTORY,
    APPLY_BULK_OPERATION,
)

# What a task works on, declared once per actor so the dashboard can link a task to it: the model of the row one of
# its arguments names ("AUTH_USER_MODEL" for the account model), and that argument's position and name.
# `actors.checks` checks each against the actor's signature at `manage.py check` (actors.E002).
SUBJECTS = {
    "send_activation_mail": ("AUTH_USER_MODEL", 0, "user_id"),
    "send_password_reset_mail": ("AUTH_USER_MODEL", 0, "user_id"),
    "send_signup_attempt_mail": ("AUTH_USER_MODEL", 0, "user_id"),
    "send_feedback_mail": ("djangobin.Feedback", 0, "feedback_id"),
    "highlight_snippet": ("djangobin.Snippet", 0, "snippet_id"),
    "apply_bulk_operation": ("taskhistory.BulkOperation", 0, "operation_id"),
}
