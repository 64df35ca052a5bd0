import os
import tempfile

import pytest

from tests.support import MongoServer, Stack, vhost

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "test-password-123"
STAFF = [("clerk.utara", "33.71.02", "clerk"), ("super.utara", "33.71.02", "supervisor"),
         ("clerk.selatan", "33.71.01", "clerk"), ("clerk.jayapura", "91.71.01", "clerk"),
         ("super.jayapura", "91.71.01", "supervisor"), ("admin.denpasar", "51.71.01", "admin")]


@pytest.fixture(scope="session")
def stack():
    """The whole stack (nx-27017, three services, gateway) with test offices and staff."""
    with vhost() as amqp_uri, tempfile.TemporaryDirectory(prefix="senja-stack-") as logs:
        mongo = MongoServer().start()
        s = Stack(amqp_uri, mongo, logs)
        try:
            s.start_all()
            done = s.manage("load-offices", os.path.join(ROOT, "tests", "data", "always-open.yaml"))
            assert done.returncode == 0, done.stderr
            for username, office, role in STAFF:
                made = s.manage("create-staff", "--username", username, "--office", office,
                                "--role", role, stdin=PASSWORD + "\n")
                assert made.returncode == 0, made.stderr
            yield s
        finally:
            s.stop_all()
            mongo.close()
            if os.environ.get("SENJA_KEEP_LOGS"):
                print(s.logs())


@pytest.fixture(scope="session")
def login(stack):
    """login(username) -> Authorization headers for that staff member."""
    from tests.support import http
    cache = {}

    def headers(username):
        if username not in cache:
            status, _, body = http("POST", f"{stack.url}/api/v1/auth/token",
                                   {"username": username, "password": PASSWORD})
            assert status == 200, body
            cache[username] = {"Authorization": f"Bearer {body['access_token']}"}
        return cache[username]
    return headers
