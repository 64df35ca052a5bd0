"""How quickly consumers reconnect after the broker comes back.

kombu's ConsumerMixin (nameko's QueueConsumer, the gateway's event feed) retries a
lost broker 2, 4, 6, 8 … up to 30 s apart, with no setting to change it: after a
RabbitMQ restart of half a minute a service could stay deaf for another 30 s,
while clerks and kiosks already get 503s. Every consumer here retries at most
RECONNECT_MAX seconds apart instead (one cheap TCP connect per try).
"""
from contextlib import contextmanager

from kombu.mixins import ConsumerMixin

RECONNECT = {"interval_start": 0.5, "interval_step": 0.5, "interval_max": 2}
RECONNECT_MAX = RECONNECT["interval_max"]


@contextmanager
def establish_connection(self):
    with self.create_connection() as conn:
        conn.ensure_connection(self.on_connection_error, self.connect_max_retries, **RECONNECT)
        yield conn


def install():
    ConsumerMixin.establish_connection = establish_connection
