"""Every error leaves as application/problem+json (RFC 9457)."""
import json
import logging

import falcon
from nameko.exceptions import RemoteError

from gateway.clients import errors as client_errors
from gateway.rpc import ServiceUnavailable
from services.common.errors import from_remote

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
RETRY_AFTER_SECONDS = 5


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
        body.update({k: v for k, v in self.extra.items() if v is not None})
        return body


def invalid(errors, detail="Some fields are invalid"):
    """422 with [{field, message}]."""
    return Problem(falcon.HTTP_422, "Invalid input", detail,
                   errors=[{"field": f, "message": m} for f, m in errors])


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
    app.set_error_serializer(serialize)
    app.add_error_handler(RemoteError, _remote)
    app.add_error_handler(ServiceUnavailable, _unavailable)
    app.add_error_handler(falcon.MediaMalformedError, _malformed)
    app.add_error_handler(falcon.MediaNotFoundError, _malformed)
    app.add_error_handler(client_errors.ClientError, _client_error)
    app.add_error_handler(client_errors.Unavailable, _unavailable)


# A service whose database (or broker) is unreachable is unavailable, not broken:
# pymongo's connection errors cross RPC by name and become 503 + Retry-After.
UNAVAILABLE_REMOTE = {"ServerSelectionTimeoutError", "AutoReconnect", "NetworkTimeout",
                      "ConnectionFailure", "NotPrimaryError", "WaitQueueTimeoutError",
                      "OperationalError"}


def _remote(req, resp, exc, params):
    if exc.exc_type in UNAVAILABLE_REMOTE:
        log.warning("service dependency unavailable: %s", exc.exc_type)
        raise Problem(falcon.HTTP_503, "Service unavailable",
                      "A service cannot reach its database or broker; try again shortly",
                      headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    mapped = from_remote(exc.exc_type, exc.value)
    if mapped is None:
        log.error("service error %s", exc.exc_type)
        raise Problem(falcon.HTTP_500, "Internal error", "The service failed; it has been logged")
    cls, body = mapped
    reserved = ("detail", "errors", "type", "title", "status")
    extra = {k: v for k, v in body.items() if k not in reserved}
    raise Problem(falcon.code_to_http_status(cls.status), cls.title, body.get("detail"), errors=body.get("errors") or None, **extra)


def _client_error(req, resp, exc, params):
    extra = {k: v for k, v in exc.extra.items() if k not in ("type", "title", "status", "headers")}
    raise Problem(falcon.code_to_http_status(exc.status), exc.title, exc.detail,
                  errors=exc.errors or None, **extra)


def _unavailable(req, resp, exc, params):
    log.warning("service unavailable: %s", exc)
    raise Problem(falcon.HTTP_503, "Service unavailable",
                  f"The {exc.service} service is not answering ({exc.reason}); try again shortly",
                  headers={"Retry-After": str(RETRY_AFTER_SECONDS)}, service=exc.service)


def _malformed(req, resp, exc, params):
    raise Problem(falcon.HTTP_400, "Malformed request body",
                  "The body must be valid JSON", errors=[{"field": "body", "message": "invalid JSON"}])


def handle_unexpected(req, resp, exc, params):
    if isinstance(exc, falcon.HTTPError):
        raise exc
    log.exception("unexpected error on %s %s", req.method, req.path)
    raise Problem(falcon.HTTP_500, "Internal error", "Something failed on our side; it has been logged")
