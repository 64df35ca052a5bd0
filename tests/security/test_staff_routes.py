"""Every staff route, found from the app's routes and the resources' ``access``
rules (a new route is covered the day it is added): no token 401, expired or
tampered token 401, another office's staff 403, a role below the rule 403, and
the right staff member gets past the check."""
import base64
import json
import time

import pytest

from gateway.auth import RANK, ROLES, TOKEN_SECONDS
from gateway.openapi import PATH_PARAMETERS, staff_rule
from tests.security.conftest import OFFICE, OTHER_OFFICE, app_routes, bearer
from tests.support import http

SAMPLE = {"office_id": OFFICE, "counter_id": "1", "token": "x" * 32}


def _staff_operations():
    out = []
    for path, resource, methods in app_routes():
        for method in methods:
            rule = staff_rule(resource, method)
            if rule is not None:
                out.append((method, path, rule))
    return out


STAFF_OPERATIONS = _staff_operations()
IDS = [f"{m} {p}" for m, p, _ in STAFF_OPERATIONS]


def _url(stack, path):
    for part in path.split("/"):
        if part.startswith("{"):
            name = part[1:-1]
            value = SAMPLE.get(name) or PATH_PARAMETERS.get(name, {}).get("example") or "x1"
            path = path.replace(part, value)
    return stack.url + path


def _call(stack, method, path, headers=None):
    # An empty JSON object: past the check it is a 422 or a harmless read, never a change.
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return http(method, _url(stack, path), body, headers=headers)


def test_there_are_staff_routes_and_the_document_agrees(stack):
    assert len(STAFF_OPERATIONS) >= 5, STAFF_OPERATIONS
    doc = http("GET", f"{stack.url}/api/v1/openapi.json")[2]
    secured = {(m.upper(), p) for p, ops in doc["paths"].items() for m, op in ops.items()
               if isinstance(op, dict) and op.get("security")}
    assert secured == {(m, p) for m, p, _ in STAFF_OPERATIONS}


@pytest.mark.parametrize("method,path,rule", STAFF_OPERATIONS, ids=IDS)
def test_no_token_is_401(stack, method, path, rule):
    for headers in (None, {"Authorization": "Basic Y2xlcms6cGFzcw=="}, {"Authorization": "Bearer "}):
        status, hdrs, problem = _call(stack, method, path, headers)
        assert status == 401, (headers, problem)
        assert hdrs.get_content_type() == "application/problem+json"
        assert "Bearer" in hdrs.get("WWW-Authenticate", "")


@pytest.mark.parametrize("method,path,rule", STAFF_OPERATIONS, ids=IDS)
def test_expired_token_is_401(stack, token, method, path, rule):
    expired = token("admin", now=time.time() - TOKEN_SECONDS - 60)
    status, _, problem = _call(stack, method, path, bearer(expired))
    assert status == 401, problem


@pytest.mark.parametrize("method,path,rule", STAFF_OPERATIONS, ids=IDS)
def test_tampered_token_is_401(stack, token, method, path, rule):
    good = token(rule.role)
    payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(
        {**claims, "role": "admin", "offices": [OFFICE, OTHER_OFFICE]}).encode()).rstrip(b"=").decode()
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for bad in (f"{forged}.{signature}", f"{payload}.{flipped}", f"{payload}.", payload,
                f"{payload}.{signature}.x", "not-a-token"):
        status, _, problem = _call(stack, method, path, bearer(bad))
        assert status == 401, (bad, problem)


@pytest.mark.parametrize("method,path,rule", [op for op in STAFF_OPERATIONS if op[2].office],
                         ids=[i for i, op in zip(IDS, STAFF_OPERATIONS) if op[2].office])
def test_other_office_is_403(stack, token, method, path, rule):
    # The highest role, but for another office.
    status, _, problem = _call(stack, method, path, bearer(token("admin", offices=[OTHER_OFFICE])))
    assert status == 403, problem


@pytest.mark.parametrize("method,path,rule", [op for op in STAFF_OPERATIONS if RANK[op[2].role] > 0],
                         ids=[i for i, op in zip(IDS, STAFF_OPERATIONS) if RANK[op[2].role] > 0])
def test_role_below_the_rule_is_403(stack, token, method, path, rule):
    for role in ROLES[:RANK[rule.role]]:
        status, _, problem = _call(stack, method, path, bearer(token(role)))
        assert status == 403, (role, problem)


@pytest.mark.parametrize("method,path,rule", STAFF_OPERATIONS, ids=IDS)
def test_the_right_staff_gets_past_the_check(stack, token, method, path, rule):
    status, _, problem = _call(stack, method, path, bearer(token(rule.role)))
    assert status not in (401, 403) and status < 500, problem


def test_a_token_signed_with_another_secret_is_401(stack):
    from gateway.auth import TokenSigner
    foreign = TokenSigner("not-the-stack-secret").issue(
        {"username": "x", "role": "admin", "office_ids": [OFFICE]})[0]
    assert http("GET", f"{stack.url}/api/v1/auth/me", headers=bearer(foreign))[0] == 401


def test_office_checked_inside_responders_without_an_office_parameter(stack, token):
    """Rules without ``office=`` leave the office check to the responder or service:
    a supervisor of another office is refused there too."""
    other = bearer(token("supervisor", offices=[OTHER_OFFICE]))
    status, _, problem = http("GET", f"{stack.url}/api/v1/permits?office_id={OFFICE}", headers=other)
    assert status == 403, problem
    status, _, problem = http("PATCH", f"{stack.url}/api/v1/facilities/mgu-ramp-main",
                              {"measurements": {"width_cm": 90}}, headers=other)
    assert status == 403, problem
    status, _, facility = http("PATCH", f"{stack.url}/api/v1/facilities/mgu-ramp-main",
                               {"measurements": {"width_cm": 120}}, headers=bearer(token("supervisor")))
    assert status == 200, facility
