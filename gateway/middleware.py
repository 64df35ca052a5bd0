"""Request id, metrics, access log without personal data, security headers, and
the limits every request body meets before anything parses it."""
import io
import itertools
import json
import logging
import os
import re
import secrets
import threading
import time

import falcon

from prometheus_client import Counter, Histogram

from gateway.errors import Problem
from gateway.ratelimit import client_address
from services.common.logs import request_id_var

log = logging.getLogger("gateway.access")

HTTP_REQUESTS = Counter("senja_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_SECONDS = Histogram("senja_http_request_seconds", "HTTP request latency", ["method", "route"],
                         buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
SLOW_SECONDS = 0.25
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                                "base-uri 'none'; form-action 'self'"),
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class RequestIds:
    """Ids for requests that came without one: unique, not secret. A random part per
    process and a counter; uuid4 asked the kernel for randomness on every request,
    a tenth of a status poll's time (measured with py-spy)."""

    def __init__(self):
        self._state = None  # (pid, prefix, counter), replaced whole: request threads race here

    def next(self):
        state = self._state
        if state is None or state[0] != os.getpid():  # gunicorn forks workers after import
            # Two threads may both start a state; each has its own prefix, so ids stay unique.
            state = self._state = (os.getpid(), secrets.token_hex(8), itertools.count(1))
        return f"{state[1]}{next(state[2]):016x}"


class RequestContext:
    """Request id and the client's address (``req.context.client``: X-Forwarded-For only as
    far as TRUSTED_PROXIES wrote it), which rate limits and Idempotency-Key scopes use."""

    def __init__(self, trusted_proxies=None):
        if trusted_proxies is None:
            trusted_proxies = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)
        self.trusted_proxies = trusted_proxies
        self.ids = RequestIds()
        self._metrics = {}  # (method, route, status) -> the two metric children
        self._metrics_lock = threading.Lock()

    def process_request(self, req, resp):
        incoming = req.get_header("X-Request-Id")
        rid = incoming if incoming and _SAFE_ID.match(incoming) else self.ids.next()
        req.context.request_id = rid
        req.context.started = time.perf_counter()
        req.context.client = client_address(req, self.trusted_proxies)
        request_id_var.set(rid)

    def process_response(self, req, resp, resource, req_succeeded):
        resp.set_header("X-Request-Id", req.context.get("request_id", ""))
        for name, value in SECURITY_HEADERS.items():
            resp.set_header(name, value)
        # The route template, not the path: tokens and ids stay out of metrics and logs.
        route = req.uri_template or "unmatched"
        elapsed = time.perf_counter() - req.context.get("started", time.perf_counter())
        status = resp.status[:3] if isinstance(resp.status, str) else str(resp.status)
        counted = self._metrics.get((req.method, route, status))
        if counted is None:
            with self._metrics_lock:
                counted = self._metrics[(req.method, route, status)] = (
                    HTTP_REQUESTS.labels(req.method, route, status), HTTP_SECONDS.labels(req.method, route))
        counted[0].inc()
        counted[1].observe(elapsed)
        # Every request is counted in the metrics; the log keeps what someone may need to
        # read: writes, errors and slow answers. Logging each of thousands of status
        # polls a second cost a third of the gateway's time per read (measured).
        quiet = req.method in ("GET", "HEAD") and status < "400" and elapsed < SLOW_SECONDS
        (log.debug if quiet else log.info)("%s %s %s %.1fms", req.method, route, status,
                                           elapsed * 1000)


# --- request bodies ------------------------------------------------------------------
API_PREFIX = "/api/v1/"
JSON = "application/json"
MAX_BODY_BYTES = 64 * 1024  # every route; a resource that needs more says max_body = N
MAX_JSON_DEPTH = 16  # our deepest request (an office's configuration) nests 5 levels
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class RequestBody:
    """Size and type of a request body, checked after routing and before parsing.

    - Larger than the route's ``max_body`` (default 64 KB): 413, from
      Content-Length alone; a body sent without a length (chunked) is read up
      to the limit, then handed on with its length stated, so every parser
      downstream sees a bounded, measured body.
    - An API route takes JSON unless its resource declares another
      ``body_media`` (uploads: multipart/form-data); a body of another type,
      or without Content-Type, is 415 before anyone reads it.
    """

    def process_resource(self, req, resp, resource, params):
        if req.method not in BODY_METHODS or resource is None:
            return
        limit = getattr(resource, "max_body", MAX_BODY_BYTES)
        length = req.content_length
        chunked = length is None and "chunked" in (req.get_header("Transfer-Encoding") or "").lower()
        if length is not None and length > limit:
            raise too_large(limit)
        if not length and not chunked:
            return  # no body: the responder says whether it needed one
        if req.path.startswith(API_PREFIX):
            media = getattr(resource, "body_media", JSON)
            sent = (req.content_type or "").split(";")[0].strip().lower()
            if sent != media:
                raise Problem(falcon.HTTP_415, "Unsupported media type",
                              f"Send the body as {media}",
                              errors=[{"field": "Content-Type", "message": f"must be {media}"}])
        if chunked:
            data = req.stream.read(limit + 1)
            if len(data) > limit:
                raise too_large(limit)
            req.env["wsgi.input"] = req.stream = io.BytesIO(data)
            req.env["CONTENT_LENGTH"] = str(len(data))


def too_large(limit):
    return Problem(falcon.HTTP_413, "Request body too large",
                   f"This route takes at most {limit} bytes",
                   errors=[{"field": "body", "message": f"at most {limit} bytes"}])


def _refuse_constant(name):
    raise _BodyRefused(f"{name} is not a JSON number")


class _BodyRefused(Exception):
    pass


def strict_json_loads(text):
    """json.loads that refuses NaN/Infinity (not JSON, RFC 8259) and deep nesting
    (a 64 KB body of brackets would otherwise reach the interpreter's recursion limit)."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise _invalid_body(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except _BodyRefused as err:
        raise _invalid_body(str(err)) from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise _invalid_body(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def _depth(value):
    deepest, level = 0, [(value, 1)]
    while level:
        item, depth = level.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        level.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _invalid_body(reason):
    return Problem(falcon.HTTP_400, "Malformed request body", f"The body was refused: {reason}",
                   errors=[{"field": "body", "message": reason}])


def media_handlers():
    """The request parsers: strict JSON only."""
    return falcon.media.Handlers({falcon.MEDIA_JSON: falcon.media.JSONHandler(loads=strict_json_loads)})
