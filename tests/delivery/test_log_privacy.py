"""A Dramatiq message in a log line is named by its actor and id: a mail sent by address never writes it to the log."""

import logging

import dramatiq
import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from delivery.log_privacy import MessageArgumentsFilter

pytestmark = pytest.mark.one_database


def failed_line(message):
    """The line dramatiq's worker writes for a message that failed, through the settings' console handler's filters."""
    record = logging.LogRecord(
        "dramatiq.worker.WorkerThread",
        logging.ERROR,
        __file__,
        1,
        "Failed to process message %s with unhandled exception.",
        (message,),
        None,
    )
    for name in settings.LOGGING["handlers"]["console"]["filters"]:
        assert import_string(settings.LOGGING["filters"][name]["()"])().filter(record)
    return record.getMessage()


def test_a_failed_mail_to_an_address_is_logged_by_actor_and_id_only():
    message = dramatiq.Message(
        queue_name="mail",
        actor_name="send_activation_mail_to",
        args=("victim@example.com", "https://x"),
        kwargs={},
        options={},
    )

    line = failed_line(message)

    assert "victim@example.com" not in line
    assert line == f"Failed to process message send_activation_mail_to[{message.message_id}] with unhandled exception."


def test_other_records_are_left_as_they_are():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s of %d", ("one", 2), None)

    assert MessageArgumentsFilter().filter(record)
    assert record.getMessage() == "one of 2"
