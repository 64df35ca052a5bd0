"""The walking skeleton end to end: real broker, real MongoDB wire server,
services and gateway as separate processes, driven over HTTP."""
import concurrent.futures
import re
import time

import pytest

from tests.stack.conftest import PASSWORD
from tests.support import http

OFFICE = "33.71.02"


def issue(stack, service="KTP", office=OFFICE, **extra):
    return http("POST", f"{stack.url}/api/v1/offices/{office}/tickets", {"service": service, **extra})


def test_ready_and_healthy(stack):
    status, _, body = http("GET", f"{stack.url}/readyz")
    assert status == 200, body
    assert body["failed"] == [] and set(body["checks"]) >= {"queue", "permits", "accessibility", "survey"}
    assert http("GET", f"{stack.url}/healthz")[2] == {"status": "ok"}


def test_ticket_issue_and_status(stack):
    status, headers, ticket = issue(stack)
    assert status == 201, ticket
    assert re.fullmatch(r"A-\d{3}", ticket["number"])
    assert len(ticket["token"]) >= 22 and ticket["status_url"].endswith(ticket["token"])
    status, headers, view = http("GET", f"{stack.url}{ticket['status_url']}")
    assert status == 200 and view["status"] == "waiting" and view["number"] == ticket["number"]
    etag = headers["etag"]
    status, _, _ = http("GET", f"{stack.url}{ticket['status_url']}", headers={"If-None-Match": etag})
    assert status == 304


def test_people_ahead_counts_earlier_tickets(stack):
    first = issue(stack, "UMUM")[2]
    second = issue(stack, "UMUM")[2]
    time.sleep(0.5)  # let the read model take both events
    ahead_first = http("GET", f"{stack.url}{first['status_url']}")[2]["people_ahead"]
    ahead_second = http("GET", f"{stack.url}{second['status_url']}")[2]["people_ahead"]
    assert ahead_second == ahead_first + 1


def test_fifty_concurrent_tickets_get_distinct_consecutive_numbers(stack):
    office = "33.71.01"  # its own counters: nothing else issues there
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = list(pool.map(lambda _: issue(stack, "KTP", office=office), range(50)))
    assert all(status == 201 for status, _, _ in results), [r[2] for r in results if r[0] != 201]
    serials = sorted(int(body["number"].split("-")[1]) for _, _, body in results)
    assert serials == list(range(serials[0], serials[0] + 50))
    assert len({body["token"] for _, _, body in results}) == 50


def test_idempotency_key_replays_instead_of_issuing_twice(stack):
    key = {"Idempotency-Key": "kiosk-7-20261123-0001"}
    url = f"{stack.url}/api/v1/offices/{OFFICE}/tickets"
    first = http("POST", url, {"service": "KTP"}, headers=key)
    again = http("POST", url, {"service": "KTP"}, headers=key)
    assert first[0] == 201 and again[0] == 201
    assert again[2]["number"] == first[2]["number"] and again[2]["id"] == first[2]["id"]
    assert again[2]["token"] == first[2]["token"]  # the kiosk can still print the QR code
    assert again[1].get("Idempotent-Replayed") == "true"


def test_quota_refuses_with_reason(stack):
    results = [issue(stack, "IZIN") for _ in range(6)]  # daily_quota 5 in the test data
    assert [r[0] for r in results[:5]] == [201] * 5
    status, _, problem = results[5]
    assert status == 409 and problem["reason"] == "quota"


BAD_INPUT = [
    ("unknown office", "/api/v1/offices/99.99.99/tickets", b'{"service":"KTP"}', 404),
    ("unknown service", f"/api/v1/offices/{OFFICE}/tickets", b'{"service":"NOPE"}', 422),
    ("malformed JSON", f"/api/v1/offices/{OFFICE}/tickets", b'{"service":', 400),
    ("unknown field", f"/api/v1/offices/{OFFICE}/tickets", b'{"service":"KTP","vip":true}', 422),
    ("wrong type", f"/api/v1/offices/{OFFICE}/tickets", b'{"service":5}', 422),
    ("bad priority", f"/api/v1/offices/{OFFICE}/tickets", b'{"service":"KTP","priority_reason":"vip"}', 422),
    ("not an object", f"/api/v1/offices/{OFFICE}/tickets", b'[1,2]', 422),
    ("empty body", f"/api/v1/offices/{OFFICE}/tickets", b'', 400),
    ("login missing fields", "/api/v1/auth/token", b'{}', 422),
]


@pytest.mark.parametrize("case,path,body,expected", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_a_problem_not_a_crash(stack, case, path, body, expected):
    before = _issued_today(stack)
    status, headers, problem = http("POST", f"{stack.url}{path}", body)
    assert status == expected, problem
    assert headers["Content-Type"].startswith("application/problem+json")
    assert problem["status"] == expected and problem["title"] and problem["detail"]
    if expected == 422:
        assert problem["errors"] and all({"field", "message"} <= set(e) for e in problem["errors"])
    assert _issued_today(stack) == before  # nothing half-written


def _issued_today(stack):
    services = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/services")[2]
    return {s["code"]: s["issued_today"] for s in services}


def test_unknown_token_is_404(stack):
    status, _, problem = http("GET", f"{stack.url}/api/v1/tickets/{'x' * 32}")
    assert status == 404 and problem["status"] == 404


def test_staff_login_and_token_checks(stack):
    status, _, body = http("POST", f"{stack.url}/api/v1/auth/token",
                           {"username": "clerk.utara", "password": PASSWORD})
    assert status == 200 and body["token_type"] == "Bearer" and body["office_ids"] == [OFFICE]
    me = http("GET", f"{stack.url}/api/v1/auth/me",
              headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me[0] == 200 and me[2]["username"] == "clerk.utara"
    assert http("POST", f"{stack.url}/api/v1/auth/token",
                {"username": "clerk.utara", "password": "wrong-password"})[0] == 401
    assert http("GET", f"{stack.url}/api/v1/auth/me")[0] == 401
    tampered = body["access_token"][:-2] + ("A" if body["access_token"][-2] != "A" else "B") + body["access_token"][-1]
    assert http("GET", f"{stack.url}/api/v1/auth/me",
                headers={"Authorization": f"Bearer {tampered}"})[0] == 401


def test_offices_permit_types_and_facilities(stack):
    status, _, offices = http("GET", f"{stack.url}/api/v1/offices")
    assert status == 200
    names = {o["id"]: o["name"] for o in offices}
    assert names["33.71.02"] == "Magelang Utara" and names["91.71.01"] == "Jayapura Utara"
    assert all(o["open_now"] for o in offices)
    assert {t["code"] for t in http("GET", f"{stack.url}/api/v1/permit-types")[2]} == {"IUMK", "SKDU"}
    access = http("GET", f"{stack.url}/api/v1/offices/{OFFICE}/accessibility")[2]
    assert "mgu-ramp-main" in [f["id"] for f in access["facilities"]]
    assert access["summary"]["wheelchair"] in ("yes", "limited", "unknown")


def test_queue_service_killed_loses_no_ticket_and_gateway_answers_503(stack):
    issued = [issue(stack, "KTP")[2] for _ in range(5)]
    stack.kill("queue")
    try:
        started = time.monotonic()
        status, headers, problem = issue(stack, "KTP")
        elapsed = time.monotonic() - started
        assert status == 503 and "Retry-After" in headers, problem
        assert elapsed < 5, elapsed
        # Status reads come from the gateway's read model: they still work.
        assert http("GET", f"{stack.url}{issued[-1]['status_url']}")[0] == 200
    finally:
        stack.start("queue")
        stack.wait_ready()
    for ticket in issued:
        status, _, view = http("GET", f"{stack.url}{ticket['status_url']}")
        assert status == 200 and view["number"] == ticket["number"]
    status, _, fresh = issue(stack, "KTP")
    assert status == 201
    numbers = [int(t["number"].split("-")[1]) for t in issued]
    assert int(fresh["number"].split("-")[1]) > max(numbers)
