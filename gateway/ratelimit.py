"""Rate limits on public writes, so one client cannot take a whole day's tickets.

Limits attach to operations (``issue_ticket``, ``apply_permit``,
``report_problem``), not to URLs: the JSON route and the page's form post of
the same operation take from the same bucket. Which responder performs which
operation is declared, like ``access``: a resource may say
``rate_limit = {"POST": "issue_ticket"}``, and ``ROUTES`` below names the API's
public writes by URI template for resources that do not, so they are limited
the moment the route exists. The middleware answers an API route with 429
problem+json; a page (``renders_html``) calls ``RateLimiter.take`` itself and
answers with a page (gateway/web/base.py).

Each limit is a token bucket per client address (and, for issue_ticket,
per office: the ``office_id`` URI parameter): ``burst`` requests at once,
refilled at ``per_minute``. Beyond it: 429 with Retry-After (whole seconds
until a token is back).

Configuration (environment, read when the app is created):

- ``RATE_LIMIT_<OPERATION>_PER_MINUTE`` (ISSUE_TICKET: 30, APPLY_PERMIT: 10,
  REPORT_PROBLEM: 10, BOOK_SLOT: 10; 0 switches that limit off) and
  ``RATE_LIMIT_<OPERATION>_BURST`` (default: the per-minute figure).
- ``TRUSTED_PROXIES`` (default 0): how many reverse proxies in front of the
  gateway append to X-Forwarded-For. With 0 the header is ignored (a client
  could write anything there); with N the client is the address N hops from
  the end of the header.
- Kiosks: a kiosk is one address that legitimately issues many tickets.
  It sends ``X-Kiosk-Key``, a key for its office that an operator makes with
  ``python -m gateway.ratelimit kiosk-key 33.71.02`` (an HMAC of the office
  id under SENJA_SECRET: nothing to store, rotated with the secret). With a
  valid key the request counts in the kiosk bucket of that address and
  office: ``RATE_LIMIT_KIOSK_PER_MINUTE`` (default 300) and
  ``RATE_LIMIT_KIOSK_BURST`` (default 60). A wrong key is simply ignored. A
  kiosk browser provisioned with ``/kiosk/{office_id}?kiosk_key=KEY`` sends the
  key as the ``senja_kiosk`` cookie instead (gateway/web/device.py).

Limits: the buckets live in each gunicorn worker's memory. With W workers
and R replicas a client may get up to W×R times the figure before every
bucket is empty; exact limits across replicas need a shared store (Redis,
or the ingress's own limiter). The per-address limit bounds one client;
a citizen-identity limit (one ticket per phone number per service per day)
would need identity the ticket flow does not ask for.
"""
import base64
import hashlib
import hmac
import ipaddress
import math
import os
import sys
import threading
import time

import falcon

from gateway.errors import Problem

API = "/api/v1"
DEFAULTS = {"issue_ticket": 30, "apply_permit": 10, "report_problem": 10, "book_slot": 10,
            "subscribe_ticket": 10}
KIOSK_OPERATION = "issue_ticket"  # what a kiosk does many times a day
PER_OFFICE = {"issue_ticket", "book_slot"}  # counted per client and office; the others per client
KIOSK_DEFAULT = (300, 60)
MAX_BUCKETS = 100_000  # idle full buckets are forgotten beyond this

# Public writes by URI template, for resources that declare nothing themselves.
ROUTES = {
    f"{API}/offices/{{office_id}}/tickets": {"POST": "issue_ticket"},
    f"{API}/permits": {"POST": "apply_permit"},
    f"{API}/facilities/{{facility_id}}/reports": {"POST": "report_problem"},
    f"{API}/offices/{{office_id}}/bookings": {"POST": "book_slot"},
}


class Limit:
    def __init__(self, name, per_minute, burst=None, kiosk_per_minute=None, kiosk_burst=None):
        self.name = name
        self.per_minute = float(per_minute)
        self.burst = float(burst if burst else per_minute)
        self.kiosk_per_minute = float(kiosk_per_minute or 0)
        self.kiosk_burst = float(kiosk_burst or kiosk_per_minute or 0)

    @property
    def enabled(self):
        return self.per_minute > 0

    def describe(self):
        text = f"{self.per_minute:g}/min, burst {self.burst:g}"
        if self.kiosk_per_minute and self.name == KIOSK_OPERATION:
            text += f"; kiosks with X-Kiosk-Key {self.kiosk_per_minute:g}/min"
        return text


def limits_from_env(environ=None):
    env = os.environ if environ is None else environ
    kiosk_rate = float(env.get("RATE_LIMIT_KIOSK_PER_MINUTE", KIOSK_DEFAULT[0]))
    kiosk_burst = float(env.get("RATE_LIMIT_KIOSK_BURST", KIOSK_DEFAULT[1]))
    out = {}
    for name, default in DEFAULTS.items():
        rate = float(env.get(f"RATE_LIMIT_{name.upper()}_PER_MINUTE", default))
        burst = float(env.get(f"RATE_LIMIT_{name.upper()}_BURST", 0) or rate)
        out[name] = Limit(name, rate, burst,
                          kiosk_rate if name == KIOSK_OPERATION else 0,
                          kiosk_burst if name == KIOSK_OPERATION else 0)
    return out


KIOSK_COOKIE = "senja_kiosk"  # a provisioned kiosk browser (gateway/web/device.py)


def kiosk_key(secret, office_id):
    key = hashlib.sha256(b"senja-kiosk-key|" + secret.encode()).digest()
    mac = hmac.new(key, office_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def presented_kiosk_key(req):
    """The kiosk key a request carries: the API's X-Kiosk-Key header, or the kiosk's cookie."""
    return req.get_header("X-Kiosk-Key") or (req.get_cookie_values(KIOSK_COOKIE) or [None])[0]


def kiosk_key_valid(secret, office_id, presented):
    return bool(presented) and hmac.compare_digest(presented.encode(), kiosk_key(secret, office_id).encode())


def client_address(req, trusted_proxies):
    """The client's address; X-Forwarded-For only as far as trusted proxies wrote it."""
    remote = req.remote_addr or "unknown"
    if trusted_proxies <= 0:
        return remote
    forwarded = req.get_header("X-Forwarded-For") or ""
    hops = [h.strip() for h in forwarded.split(",") if h.strip()] + [remote]
    # hops[-1] is the last proxy itself; each trusted proxy appended the one before it.
    candidate = hops[max(0, len(hops) - 1 - trusted_proxies)]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote  # garbage in the header: count it against the proxy's peer


class Buckets:
    """Token buckets by key, thread-safe (gthread workers)."""

    def __init__(self, clock=time.monotonic, max_buckets=MAX_BUCKETS):
        self.clock = clock
        self.max_buckets = max_buckets
        self._lock = threading.Lock()
        self._state = {}  # key -> (tokens, stamp)

    def take(self, key, per_minute, burst):
        """(allowed, remaining, retry_after_seconds)."""
        rate = per_minute / 60.0
        now = self.clock()
        with self._lock:
            tokens, stamp = self._state.get(key, (burst, now))
            tokens = min(burst, tokens + (now - stamp) * rate)
            if tokens >= 1:
                self._state[key] = (tokens - 1, now)
                allowed, retry = True, 0
            else:
                self._state[key] = (tokens, now)
                allowed, retry = False, max(1, math.ceil((1 - tokens) / rate))
            if len(self._state) > self.max_buckets:
                self._forget_idle(now)
            return allowed, int(tokens - 1 if allowed else tokens), retry

    def _forget_idle(self, now):
        # A bucket untouched for an hour has refilled: it holds no information.
        for key in [k for k, (tokens, stamp) in self._state.items()
                    if now - stamp > 3600]:
            del self._state[key]
        if len(self._state) > self.max_buckets:  # still too many: drop the oldest half
            for key, _ in sorted(self._state.items(), key=lambda kv: kv[1][1])[:len(self._state) // 2]:
                del self._state[key]


def rule_for(uri_template, resource, method, limits):
    """The Limit for this responder, or None."""
    declared = getattr(resource, "rate_limit", None)
    table = declared if declared is not None else ROUTES.get(uri_template or "", {})
    name = table.get(method)
    if name is None:
        return None
    limit = name if isinstance(name, Limit) else limits.get(name)
    return limit if limit is not None and limit.enabled else None


class RateLimited(Exception):
    """No token left in the operation's bucket for this client and office."""

    def __init__(self, operation, retry_after):
        super().__init__(f"{operation}: retry in {retry_after} s")
        self.operation = operation
        self.retry_after = retry_after


class RateLimiter:
    """Falcon middleware for the API's routes (runs in process_resource, after
    routing); ``take`` for a page that performs a limited operation."""

    def __init__(self, secret, limits=None, trusted_proxies=None, buckets=None):
        self.secret = secret
        self.limits = limits if limits is not None else limits_from_env()
        if trusted_proxies is None:
            trusted_proxies = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)
        self.trusted_proxies = trusted_proxies
        self.buckets = buckets or Buckets()

    def process_resource(self, req, resp, resource, params):
        if resource is None or getattr(resource, "renders_html", False):
            return
        limit = rule_for(req.uri_template, resource, req.method, self.limits)
        if limit is None:
            return
        try:
            self._take(req, resp, limit, (params or {}).get("office_id", "*"))
        except RateLimited as exc:
            raise Problem(falcon.HTTP_429, "Too many requests",
                          f"Too many requests from this address for this office; "
                          f"try again in {exc.retry_after} s",
                          headers={"Retry-After": str(exc.retry_after)}, reason="rate_limited")

    def take(self, req, resp, operation, office="*"):
        """One token of ``operation`` for this client and office, or RateLimited."""
        limit = self.limits.get(operation)
        if limit is not None and limit.enabled:
            self._take(req, resp, limit, office)

    def _take(self, req, resp, limit, office):
        office = office if limit.name in PER_OFFICE else "*"
        client = client_address(req, self.trusted_proxies)
        per_minute, burst, kind = limit.per_minute, limit.burst, "public"
        if limit.kiosk_per_minute and office != "*" and kiosk_key_valid(
                self.secret, office, presented_kiosk_key(req)):
            per_minute, burst, kind = limit.kiosk_per_minute, limit.kiosk_burst, "kiosk"
        allowed, remaining, retry = self.buckets.take((limit.name, kind, office, client),
                                                      per_minute, burst)
        resp.set_header("RateLimit-Limit", f"{burst:g}")
        resp.set_header("RateLimit-Remaining", str(max(0, remaining)))
        if not allowed:
            raise RateLimited(limit.name, retry)


def main(argv):
    if len(argv) != 2 or argv[0] != "kiosk-key":
        sys.exit("usage: python -m gateway.ratelimit kiosk-key OFFICE_ID   (uses SENJA_SECRET)")
    from services.common import config
    settings = config.require_safe_settings(config.from_env(), "kiosk-key")
    print(kiosk_key(settings.secret, argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
