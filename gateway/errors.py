"""Every API error leaves as application/problem+json (RFC 9457).

Two sources: the gateway's own refusals (``Problem``: 401, 403, 413, 415,
429, ...) and what the typed clients raise (``gateway.clients.errors``),
which ``api_error`` below turns into problem+json in one place. Pages have
their own handler for the same exceptions: the pages set
``app.page_errors = handler`` (same signature), and it answers every route
outside the API (an HTML page instead of problem+json).
"""
import json
import logging

import falcon

from gateway.clients import errors as client_errors
from gateway.contract import API

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
RESERVED = ("type", "title", "status", "detail", "errors")


class Problem(falcon.HTTPError):
    def __init__(self, status, title, detail=None, errors=None, type_=None, headers=None, **extra):
        super().__init__(status, title=title, description=detail, headers=headers)
        self.errors = errors
        self.type_ = type_
        self.extra = extra

    def to_dict(self, obj_type=dict):
        body = {"type": self.type_ or "about:blank", "title": self.title,
                "status": int(self.status_code), "detail": self.description or self.title}
        if self.errors is not None:
            body["errors"] = self.errors
        body.update({k: v for k, v in self.extra.items() if v is not None and k not in RESERVED})
        return body


def problem(exc):
    """The Problem for a client exception (ClientError, Unavailable, Broken)."""
    if isinstance(exc, client_errors.ClientError):
        # A service's extra members never override the problem's own (nor its headers).
        extra = {k: v for k, v in exc.extra.items() if k not in RESERVED + ("headers",)}
        return Problem(falcon.code_to_http_status(exc.status), exc.title, exc.detail,
                       errors=exc.errors or None, **extra)
    if isinstance(exc, client_errors.Unavailable):
        return Problem(falcon.HTTP_503, "Service unavailable",
                       f"The {exc.service} service is not answering ({exc.reason}); try again shortly",
                       headers={"Retry-After": str(exc.retry_after)}, service=exc.service)
    return Problem(falcon.HTTP_500, "Internal error", "The service failed; it has been logged")


def api_error(req, resp, exc, params):
    if isinstance(exc, client_errors.Unavailable):
        log.warning("service unavailable: %s", exc)
    elif isinstance(exc, client_errors.Broken):
        log.error("service failed: %s", exc)
    raise problem(exc)


def serialize(req, resp, exc):
    if isinstance(exc, Problem):
        body = exc.to_dict()
    else:
        title = exc.title or "Error"
        title = title.split(" ", 1)[1] if title[:3].isdigit() else title  # "404 Not Found"
        body = {"type": "about:blank", "title": title, "status": int(exc.status_code),
                "detail": exc.description or title}
    resp.content_type = PROBLEM
    resp.data = json.dumps(body, ensure_ascii=False).encode()
    resp.append_header("Vary", "Accept")


def install(app):
    def client_error(req, resp, exc, params):
        pages = getattr(app, "page_errors", None)
        if pages is not None and not req.path.startswith(API + "/"):
            return pages(req, resp, exc, params)
        return api_error(req, resp, exc, params)

    app.set_error_serializer(serialize)
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler((client_errors.ClientError, client_errors.Unavailable,
                           client_errors.Broken), client_error)
    app.add_error_handler((falcon.MediaMalformedError, falcon.MediaNotFoundError), _malformed)


def _malformed(req, resp, exc, params):
    raise Problem(falcon.HTTP_400, "Malformed request body",
                  "The body must be valid JSON", errors=[{"field": "body", "message": "invalid JSON"}])


def handle_unexpected(req, resp, exc, params):
    if isinstance(exc, falcon.HTTPError):
        raise exc
    log.exception("unexpected error on %s %s", req.method, req.path)
    raise Problem(falcon.HTTP_500, "Internal error", "Something failed on our side; it has been logged")
