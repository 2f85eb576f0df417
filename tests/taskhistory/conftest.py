import dramatiq
import pytest


@pytest.fixture
def sent():
    """The messages the test settings' StubBroker received, by queue; emptied afterwards."""
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()
