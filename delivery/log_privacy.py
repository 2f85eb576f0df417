"""Logs name a Dramatiq message by its actor and id, never by its arguments.

Dramatiq's worker logs a message that failed, was skipped or hit a rate limit as `actor(arguments…)`, and the mail
actors' arguments can be addresses (a resent activation link and a password reset are queued by address, so that the
form answers alike for every address). MessageArgumentsFilter, on the console handler (settings.LOGGING), writes the
actor's name and the message id in their place, as the outbox's own lines do.
"""

import logging

from dramatiq import Message


class MessageArgumentsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(arg, Message) for arg in record.args):
            record.args = tuple(_named(arg) if isinstance(arg, Message) else arg for arg in record.args)
        return True


def _named(message: Message) -> str:
    return f"{message.actor_name}[{message.message_id}]"
