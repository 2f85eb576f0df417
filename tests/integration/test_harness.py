import pytest

from tests.support.system import alive

pytestmark = [pytest.mark.integration, pytest.mark.one_database]


def test_a_feedback_committed_in_one_process_is_mailed_by_a_real_worker_through_rabbitmq(system, smtp_server):
    system.start_worker()
    system.shell(
        "from djangobin.services.feedback import feedback_create\n"
        "feedback_create(name='Ann', email='ann@example.com', purpose='bug', message='harness check')"
    )
    [(recipients, message)] = smtp_server.wait_for(1)
    assert recipients == ["admin@example.com"]
    assert "harness check" in message.get_content()


def test_stopping_a_worker_stops_each_of_its_processes_once_and_leaves_none_behind(system):
    worker = system.start_worker(processes=2)
    started = worker.descendants()

    worker.stop()

    assert worker.popen.returncode == 0, worker.log()[-3000:]
    assert worker.log().count("Stopping worker process") == 2
    assert "Killing worker process" not in worker.log()  # what a second SIGTERM makes of a worker process
    assert started and [pid for pid in started if alive(pid)] == []
