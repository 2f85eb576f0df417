import pytest

pytestmark = pytest.mark.integration


def test_a_feedback_committed_in_one_process_is_mailed_by_a_real_worker_through_rabbitmq(system, smtp_server):
    system.start_worker()
    system.shell(
        "from djangobin.services.feedback import feedback_create\n"
        "feedback_create(name='Ann', email='ann@example.com', purpose='bug', message='harness check')"
    )
    [(recipients, message)] = smtp_server.wait_for(1)
    assert recipients == ["admin@example.com"]
    assert "harness check" in message.get_content()
