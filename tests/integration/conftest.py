"""In-process nameko containers on a real RabbitMQ vhost and a real nx-27017.

Run through tests/run_patched.py, which applies eventlet's monkey patch first.
"""
import os
import uuid

import pytest
import yaml

from tests.support import MongoServer, vhost

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST_OFFICES = yaml.safe_load(open(os.path.join(ROOT, "tests", "data", "always-open.yaml")))


@pytest.fixture(scope="session")
def mongo():
    server = MongoServer().start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def amqp_uri():
    with vhost() as uri:
        yield uri


@pytest.fixture
def config(amqp_uri, mongo):
    """A fresh database prefix per test: no test sees another's data."""
    return {"AMQP_URI": amqp_uri, "MONGO_URI": mongo.uri, "SENJA_SECRET": "test",
            "MONGO_DB_PREFIX": f"t{uuid.uuid4().hex[:8]}_", "WEB_SERVER_ADDRESS": "127.0.0.1:0",
            "serializer": "json"}


@pytest.fixture
def offices():
    return [dict(o) for o in TEST_OFFICES["offices"]]
