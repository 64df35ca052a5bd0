"""The MongoDB wire server (nx-27017) stopped and started again under load,
same port and data directory."""
from tests.faults.conftest import MongoServer, Stack, outage_under_load, vhost


def test_mongo_restart_under_load(logs_dir):
    with vhost() as amqp_uri:
        mongo = MongoServer().start()
        # The production RPC timeout (5 s) outlasts pymongo's server selection (3 s):
        # the service itself sees the database error, not only the gateway's timeout.
        stack = Stack(amqp_uri, mongo, logs_dir, extra_env={"RPC_TIMEOUT": "5"})
        try:
            outage_under_load(stack, "database", mongo.stop, mongo.start, hang_limit=8)
        finally:
            stack.stop_all()
            mongo.close()
