"""Errors a service raises on purpose. They cross RPC as nameko RemoteErrors
whose ``exc_type`` is the class name and whose value is this JSON body; the
gateway's clients turn them into their own typed errors (gateway/clients/),
and those into problem+json (404, 409, 422, 403)."""
import json


class ServiceError(Exception):
    status = 400

    def __init__(self, detail, errors=None, **extra):
        self.detail = detail
        self.errors = errors or []
        self.extra = extra
        super().__init__(json.dumps({"detail": detail, "errors": self.errors, **extra}))


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422

    @classmethod
    def fields(cls, pairs, detail="Some fields are invalid"):
        return cls(detail, [{"field": f, "message": m} for f, m in pairs])


class Forbidden(ServiceError):
    status = 403


BY_NAME = {c.__name__: c for c in (ServiceError, NotFound, Conflict, Invalid, Forbidden)}


def from_remote(exc_type, value):
    """Rebuild (class, body) from a RemoteError's parts; None if not ours."""
    cls = BY_NAME.get(exc_type)
    if cls is None:
        return None
    try:
        body = json.loads(value)
    except (TypeError, ValueError):
        body = {"detail": str(value), "errors": []}
    return cls, body


def marshmallow_errors(messages, prefix=""):
    """Flatten marshmallow's nested messages into [(field, message)]."""
    out = []
    for field, value in messages.items():
        name = f"{prefix}{field}"
        if isinstance(value, dict):
            out.extend(marshmallow_errors(value, name + "."))
        else:
            for message in (value if isinstance(value, list) else [value]):
                if isinstance(message, dict):
                    out.extend(marshmallow_errors(message, name + "."))
                else:
                    out.append((name, str(message)))
    return out
