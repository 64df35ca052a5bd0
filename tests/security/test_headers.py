"""Security headers on API responses and pages, whatever the status."""
import pytest

from tests.security.conftest import OFFICE
from tests.support import http

REQUESTS = [
    ("GET", "/healthz", None),
    ("GET", "/api/v1/offices", None),
    ("GET", "/api/v1/openapi.json", None),
    ("GET", f"/api/v1/offices/{OFFICE}/board", None),
    ("GET", "/api/v1/no-such-route", None),                        # 404 from the router
    ("GET", f"/api/v1/offices/{OFFICE}/stats?date=2026-11-23", None),  # 401
    ("POST", f"/api/v1/offices/{OFFICE}/tickets", {"nope": 1}),     # 422
    ("GET", "/", None),                                            # pages (the web client)
    ("GET", f"/kiosk/{OFFICE}", None),
    ("GET", f"/display/{OFFICE}", None),
    ("GET", "/counter", None),
]


@pytest.mark.parametrize("method,path,body", REQUESTS, ids=[f"{m} {p}" for m, p, _ in REQUESTS])
def test_security_headers(stack, method, path, body):
    status, headers, _ = http(method, stack.url + path, body)
    assert status < 500
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", csp
    assert "default-src" in directives and "'unsafe-inline'" not in directives.get("script-src", ""), csp
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Referrer-Policy") == "no-referrer"


def test_errors_are_problem_json_not_html(stack):
    for path in ("/api/v1/no-such-route", "/api/v1/tickets/short"):
        status, headers, body = http("GET", stack.url + path)
        assert status == 404 and headers.get_content_type() == "application/problem+json"
        assert body["status"] == 404 and "<" not in body["detail"]


def test_no_server_banner_with_versions(stack):
    _, headers, _ = http("GET", stack.url + "/healthz")
    server = headers.get("Server", "")
    assert "/" not in server, server  # e.g. gunicorn/27.0.1 tells attackers what to try
