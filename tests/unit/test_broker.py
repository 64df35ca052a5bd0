"""Consumers retry a lost broker at most 2 s apart (services/common/broker.py)."""
from kombu import Connection
from kombu.mixins import ConsumerMixin

from services.common import broker
from tests.support import free_port


class Deaf(ConsumerMixin):
    connect_max_retries = 4

    def __init__(self, uri):
        self.connection = Connection(uri, connect_timeout=1)
        self.waits = []

    def on_connection_error(self, exc, interval):
        self.waits.append(interval)


def test_a_consumer_retries_a_closed_broker_port_at_most_two_seconds_apart():
    broker.install()
    consumer = Deaf(f"amqp://guest:guest@127.0.0.1:{free_port()}//")  # nothing listens there
    try:
        with consumer.establish_connection():
            raise AssertionError("connected to a port where nothing listens")
    except Exception as exc:
        assert "refused" in str(exc).lower() or consumer.waits, exc
    assert consumer.waits == [0.5, 1.0, 1.5, 2.0]  # kombu's own: 2, 4, 6, 8 … up to 30
