"""Rate limits on public writes: unit tests of the buckets and the middleware
(a fake clock, falcon's test client), then the real stack with X-Forwarded-For."""
import falcon
import falcon.testing
import pytest

from gateway import errors
from gateway.ratelimit import (ROUTES, Buckets, Limit, RateLimiter, client_address, kiosk_key,
                               limits_from_env)
from tests.security.conftest import OFFICE, OTHER_OFFICE, TICKETS_PER_MINUTE, client_ip
from tests.support import http


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Declared:
    rate_limit = {"POST": "issue_ticket"}

    def on_post(self, req, resp, office_id):
        resp.media = {"ok": True}

    def on_get(self, req, resp, office_id):
        resp.media = {"ok": True}


class FromTable:
    def on_post(self, req, resp, office_id):
        resp.status = falcon.HTTP_201
        resp.media = {"ok": True}


def client(trusted=0, per_minute=3, burst=3, kiosk=(60, 10)):
    clock = Clock()
    limits = {"issue_ticket": Limit("issue_ticket", per_minute, burst, *kiosk)}
    limiter = RateLimiter("secret", limits=limits, trusted_proxies=trusted, buckets=Buckets(clock))
    app = falcon.App(middleware=[limiter])
    errors.install(app)
    app.add_route("/declared/{office_id}", Declared())
    app.add_route("/api/v1/offices/{office_id}/tickets", FromTable())
    return falcon.testing.TestClient(app), clock


def test_bucket_refills_at_the_rate():
    clock = Clock()
    buckets = Buckets(clock)
    assert [buckets.take("k", 60, 2)[0] for _ in range(3)] == [True, True, False]
    allowed, _, retry = buckets.take("k", 60, 2)
    assert not allowed and retry == 1
    clock.now += 1.0
    assert buckets.take("k", 60, 2)[0] is True


def test_429_problem_with_retry_after_per_client_and_office():
    c, clock = client()
    path = f"/api/v1/offices/{OFFICE}/tickets"
    assert [c.simulate_post(path, json={}).status_code for _ in range(4)] == [201, 201, 201, 429]
    limited = c.simulate_post(path, json={})
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json["status"] == 429 and limited.json["reason"] == "rate_limited"
    assert int(limited.headers["retry-after"]) == 20  # 3/min: one token every 20 s
    # Another office, another client: their own buckets.
    assert c.simulate_post(f"/api/v1/offices/{OTHER_OFFICE}/tickets", json={}).status_code == 201
    assert c.simulate_post(path, json={}, remote_addr="10.1.1.1").status_code == 201
    clock.now += 20
    assert c.simulate_post(path, json={}).status_code == 201


def test_declared_attribute_limits_only_the_declared_method():
    c, _ = client(per_minute=1, burst=1)
    assert c.simulate_post("/declared/x").status_code == 200
    assert c.simulate_post("/declared/x").status_code == 429
    assert all(c.simulate_get("/declared/x").status_code == 200 for _ in range(5))


def test_forwarded_for_only_from_trusted_proxies():
    path = f"/api/v1/offices/{OFFICE}/tickets"
    untrusted, _ = client(trusted=0, per_minute=1, burst=1)
    assert untrusted.simulate_post(path, json={}, headers={"X-Forwarded-For": "1.1.1.1"}).status_code == 201
    # Spoofing another address does not help without a trusted proxy.
    assert untrusted.simulate_post(path, json={}, headers={"X-Forwarded-For": "2.2.2.2"}).status_code == 429
    trusted, _ = client(trusted=1, per_minute=1, burst=1)
    assert trusted.simulate_post(path, json={}, headers={"X-Forwarded-For": "1.1.1.1"}).status_code == 201
    assert trusted.simulate_post(path, json={}, headers={"X-Forwarded-For": "2.2.2.2"}).status_code == 201
    # With one proxy only its own entry counts: what the client wrote before it is ignored.
    assert trusted.simulate_post(path, json={}, headers={"X-Forwarded-For": "9.9.9.9, 1.1.1.1"}).status_code == 429
    assert trusted.simulate_post(path, json={}, headers={"X-Forwarded-For": "garbage"}).status_code in (201, 429)


def test_kiosk_key_gets_the_kiosk_allowance():
    c, _ = client(per_minute=1, burst=1, kiosk=(600, 50))
    path = f"/api/v1/offices/{OFFICE}/tickets"
    key = {"X-Kiosk-Key": kiosk_key("secret", OFFICE)}
    assert all(c.simulate_post(path, json={}, headers=key).status_code == 201 for _ in range(50))
    assert c.simulate_post(path, json={}, headers=key).status_code == 429
    # A key for another office, or a made-up one, is an ordinary client.
    wrong = {"X-Kiosk-Key": kiosk_key("secret", OTHER_OFFICE)}
    assert [c.simulate_post(path, json={}, headers=wrong).status_code for _ in range(2)] == [201, 429]
    assert c.simulate_post(path, json={}, headers={"X-Kiosk-Key": "x" * 32}).status_code == 429


def test_a_provisioned_kiosk_browser_gets_the_kiosk_allowance_by_its_cookie():
    """/kiosk/{office}?kiosk_key= keeps the key in the senja_kiosk cookie (gateway/web/device.py)."""
    c, _ = client(per_minute=1, burst=1, kiosk=(600, 50))
    path = f"/api/v1/offices/{OFFICE}/tickets"
    cookie = {"Cookie": f"senja_kiosk={kiosk_key('secret', OFFICE)}"}
    assert all(c.simulate_post(path, json={}, headers=cookie).status_code == 201 for _ in range(50))
    assert c.simulate_post(path, json={}, headers=cookie).status_code == 429
    wrong = {"Cookie": f"senja_kiosk={kiosk_key('secret', OTHER_OFFICE)}"}
    assert [c.simulate_post(path, json={}, headers=wrong).status_code for _ in range(2)] == [201, 429]


def test_configuration_from_environment():
    limits = limits_from_env({"RATE_LIMIT_ISSUE_TICKET_PER_MINUTE": "12", "RATE_LIMIT_ISSUE_TICKET_BURST": "4",
                              "RATE_LIMIT_REPORT_PROBLEM_PER_MINUTE": "0"})
    assert (limits["issue_ticket"].per_minute, limits["issue_ticket"].burst) == (12, 4)
    assert not limits["report_problem"].enabled and limits["apply_permit"].per_minute == 10
    assert set(ROUTES) >= {"/api/v1/offices/{office_id}/tickets", "/api/v1/permits",
                           "/api/v1/facilities/{facility_id}/reports"}


def test_booking_is_limited_per_client_and_office_by_its_own_operation():
    """POST …/bookings (and the /book form) take from book_slot: 10/min by default."""
    limits = limits_from_env({})
    assert limits["book_slot"].per_minute == 10
    assert ROUTES["/api/v1/offices/{office_id}/bookings"] == {"POST": "book_slot"}
    clock = Clock()
    limiter = RateLimiter("secret", limits={"book_slot": Limit("book_slot", 2, 2)}, buckets=Buckets(clock))
    app = falcon.App(middleware=[limiter])
    errors.install(app)
    app.add_route("/api/v1/offices/{office_id}/bookings", FromTable())
    c = falcon.testing.TestClient(app)
    path = f"/api/v1/offices/{OFFICE}/bookings"
    assert [c.simulate_post(path, json={}).status_code for _ in range(3)] == [201, 201, 429]
    assert c.simulate_post(f"/api/v1/offices/{OTHER_OFFICE}/bookings", json={}).status_code == 201
    assert c.simulate_get(path).status_code != 429  # the clerk's day list is not limited


def test_buckets_forget_idle_clients():
    clock = Clock()
    buckets = Buckets(clock, max_buckets=100)
    for i in range(100):
        buckets.take(("c", i), 60, 5)
    clock.now += 4000
    buckets.take(("c", "new"), 60, 5)
    assert len(buckets._state) == 1


@pytest.mark.parametrize("xff,trusted,expected", [
    ("", 1, "127.0.0.1"), ("203.0.113.9", 1, "203.0.113.9"),
    ("203.0.113.9, 198.51.100.2", 2, "203.0.113.9"), ("203.0.113.9", 3, "203.0.113.9"),
    ("::1", 1, "::1"), ("not-an-ip", 1, "127.0.0.1")])
def test_client_address(xff, trusted, expected):
    req = falcon.testing.create_req(headers={"X-Forwarded-For": xff} if xff else {},
                                    remote_addr="127.0.0.1")
    assert client_address(req, trusted) == expected


# --- the real stack (RATE_LIMIT_ISSUE_TICKET_PER_MINUTE=20, TRUSTED_PROXIES=1) ------------------
def test_one_client_cannot_take_an_evenings_tickets(stack):
    url = f"{stack.url}/api/v1/offices/{OFFICE}/tickets"
    me, neighbour = {"X-Forwarded-For": client_ip(1)}, {"X-Forwarded-For": client_ip(2)}
    # Two gunicorn workers, a bucket each (documented): at most twice the burst gets through.
    results = [http("POST", url, {"service": "UMUM"}, headers=me) for _ in range(3 * TICKETS_PER_MINUTE)]
    statuses = [status for status, _, _ in results]
    assert statuses.count(201) <= 2 * TICKETS_PER_MINUTE and 429 in statuses, statuses
    status, headers, problem = next(r for r in results if r[0] == 429)
    assert problem["type"] and problem["status"] == 429 and int(headers["Retry-After"]) >= 1
    assert http("POST", url, {"service": "UMUM"}, headers=neighbour)[0] == 201


def test_kiosk_key_on_the_stack(stack):
    headers = {"X-Forwarded-For": client_ip(3), "X-Kiosk-Key": kiosk_key(stack.secret, OFFICE)}
    url = f"{stack.url}/api/v1/offices/{OFFICE}/tickets"
    statuses = [http("POST", url, {"service": "UMUM", "channel": "kiosk"}, headers=headers)[0]
                for _ in range(TICKETS_PER_MINUTE + 10)]
    assert statuses.count(201) == len(statuses), statuses


def test_kiosk_key_command():
    import subprocess
    import sys
    from tests.support import ROOT
    done = subprocess.run([sys.executable, "-m", "gateway.ratelimit", "kiosk-key", OFFICE], cwd=ROOT,
                          env={"SENJA_SECRET": "s3cret", "SENJA_ENV": "local", "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == kiosk_key("s3cret", OFFICE)
