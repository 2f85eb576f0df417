import pytest
from django.db import connection

from actors.middleware import DbConnections

# Outside a test transaction: close_old_connections() would close it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def new_connection():
    """Each test starts on a connection of its own: close_old_connections() closes one opened more than CONN_MAX_AGE
    (60 s) ago whatever the middleware decides, and a slow run reached these tests on the session's first connection
    over a minute after it opened."""
    connection.close()


def _query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_a_connection_that_just_served_a_message_skips_the_health_check_before_the_next():
    middleware = DbConnections()
    _query()
    middleware.after_process_message(None, None)
    middleware.before_process_message(None, None)
    assert connection.connection is not None
    assert connection.health_check_done


def test_a_connection_idle_for_a_while_is_checked_before_its_next_query():
    middleware = DbConnections()
    middleware.FRESH_SECONDS = 0.0
    _query()
    middleware.after_process_message(None, None)
    middleware.before_process_message(None, None)
    assert connection.connection is not None
    assert not connection.health_check_done


def test_a_worker_thread_that_has_not_served_a_message_yet_checks_its_connection():
    _query()
    DbConnections().before_process_message(None, None)
    assert not connection.health_check_done
