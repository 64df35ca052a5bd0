"""RabbitMQ stopped and started under load, on a private broker node."""
from tests.faults.conftest import MongoServer, PrivateRabbit, Stack, outage_under_load


def test_broker_restart_under_load(logs_dir):
    rabbit = PrivateRabbit().start()
    mongo = MongoServer().start()
    stack = Stack(rabbit.uri, mongo, logs_dir)
    try:
        outage_under_load(stack, "broker", rabbit.stop, rabbit.start, hang_limit=5)
    finally:
        stack.stop_all()
        mongo.close()
        rabbit.close()
