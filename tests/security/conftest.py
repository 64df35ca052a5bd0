"""A whole stack of its own for the security tests, with rate limits on.

TRUSTED_PROXIES=1 lets a test act as many clients by sending
X-Forwarded-For (as a reverse proxy would). Logs go to files that
test_zz_log_scan.py reads at the end of the run.
"""
import os
import time

import pytest

from pymongo import MongoClient

from gateway.auth import ROLES, StaffStore, TokenSigner
from tests.support import free_port, http, running_stack, wiring_only

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "security-password-123"
OFFICE, OTHER_OFFICE = "33.71.02", "33.71.01"
TICKETS_PER_MINUTE = 20
LOG_DIR = {}


@pytest.fixture(scope="session")
def stack():
    env = {"RATE_LIMIT_ISSUE_TICKET_PER_MINUTE": str(TICKETS_PER_MINUTE),
           "TRUSTED_PROXIES": "1",
           "METRICS_PORT": str(free_port()),  # /metrics only there, as in Kubernetes
           # Everything that could be logged is: the scan must see it.
           "SENJA_LOG_LEVEL": "DEBUG"}
    with running_stack([("clerk.sec", OFFICE, "clerk")], PASSWORD, prefix="senja-security-",
                       extra_env=env) as s:
        LOG_DIR["path"] = s.log_dir
        yield s


@pytest.fixture(scope="session")
def signer(stack):
    return TokenSigner(stack.secret)


@pytest.fixture(scope="session")
def staff_store(stack):
    """The stack's staff accounts, written directly (faster than create-staff per account)."""
    client = MongoClient(stack.mongo.uri)
    yield StaffStore(client["senja_gateway"])
    client.close()


@pytest.fixture(scope="session")
def token(signer, staff_store):
    """token(role, offices=[OFFICE], now=None) -> a bearer token signed with the stack's secret,
    for an account that exists (tokens of unknown or changed accounts are refused)."""
    def make(role, offices=(OFFICE,), now=None, username=None):
        username = username or f"{role}.test"
        doc = staff_store.staff.find_one({"_id": username})
        if doc is None:
            staff_store.create(username, PASSWORD, role, [OFFICE, OTHER_OFFICE])
            doc = staff_store.staff.find_one({"_id": username})
        staff = {"username": username, "role": role, "office_ids": list(offices),
                 "version": doc["version"]}
        return signer.issue(staff, now=now)[0]
    return make


def application(name="Siti Rahayu", **overrides):
    """A valid permit application (IUMK at OFFICE), for tests that need one."""
    body = {"office_id": OFFICE, "permit_type": "IUMK",
            "applicant": {"nik": "3371024506900001", "name": name, "phone": "0812-3456-7890"},
            "business": {"name": "Warung Siti", "address": "Jl. Pahlawan 12, Magelang",
                         "kbli": "56102"},
            "answers": {"kbli": "56102", "capital": 5000000}}
    body.update(overrides)
    return body


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def app_routes():
    """(uri_template, resource, methods) of the gateway app as create_app wires it."""
    from gateway import openapi
    from gateway.app import create_app

    return openapi.iter_routes(create_app(wiring_only()))


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
