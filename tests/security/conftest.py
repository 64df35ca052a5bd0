"""A whole stack of its own for the security tests, with rate limits on.

TRUSTED_PROXIES=1 lets a test act as many clients by sending
X-Forwarded-For (as a reverse proxy would). Logs go to files that
test_zz_log_scan.py reads at the end of the run.
"""
import os
import tempfile
import time
import unittest.mock

import pytest

from gateway.auth import ROLES, TokenSigner
from tests.support import MongoServer, Stack, http, vhost

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "security-password-123"
OFFICE, OTHER_OFFICE = "33.71.02", "33.71.01"
TICKETS_PER_MINUTE = 20
LOG_DIR = {}


@pytest.fixture(scope="session")
def stack():
    with vhost() as amqp_uri, tempfile.TemporaryDirectory(prefix="senja-security-") as logs:
        mongo = MongoServer().start()
        s = Stack(amqp_uri, mongo, logs, extra_env={
            "RATE_LIMIT_TICKETS_PER_MINUTE": str(TICKETS_PER_MINUTE),
            "TRUSTED_PROXIES": "1",
            # Everything that could be logged is: the scan must see it.
            "SENJA_LOG_LEVEL": "DEBUG"})
        LOG_DIR["path"] = logs
        try:
            s.start_all()
            done = s.manage("load-offices", os.path.join(ROOT, "tests", "data", "always-open.yaml"))
            assert done.returncode == 0, done.stderr
            made = s.manage("create-staff", "--username", "clerk.sec", "--office", OFFICE,
                            "--role", "clerk", stdin=PASSWORD + "\n")
            assert made.returncode == 0, made.stderr
            yield s
        finally:
            s.stop_all()
            mongo.close()


@pytest.fixture(scope="session")
def signer(stack):
    return TokenSigner(stack.secret)


@pytest.fixture(scope="session")
def token(signer):
    """token(role, offices=[OFFICE], now=None) -> a bearer token signed with the stack's secret."""
    def make(role, offices=(OFFICE,), now=None, username=None):
        staff = {"username": username or f"{role}.test", "role": role, "office_ids": list(offices)}
        return signer.issue(staff, now=now)[0]
    return make


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def app_routes():
    """(uri_template, resource, methods) of the gateway app as create_app wires it."""
    from gateway import openapi
    from gateway.app import create_app
    from services.common import config
    deps = unittest.mock.MagicMock()
    deps.settings = config.from_env({"SENJA_SECRET": "route-discovery"})
    deps.signer = TokenSigner("route-discovery")
    return openapi.iter_routes(create_app(deps))


def client_ip(n):
    """A distinct documentation-range address per caller, for X-Forwarded-For."""
    return f"198.51.100.{n % 250 + 1}"


def wait_until(predicate, timeout=10, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


__all__ = ["ROLES", "http", "bearer"]
