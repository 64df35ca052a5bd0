"""The few things that can go wrong when the gateway asks a service.

Clients raise only these; the API's error handler turns them into
problem+json and the pages' handler into the right page. Nothing above the
clients sees nameko's RemoteError or a broker exception.
"""


class ClientError(Exception):
    """A service refused the request on purpose (4xx)."""

    status = 400
    title = "Bad request"

    def __init__(self, detail, errors=None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])   # [{"field": ..., "message": ...}]
        self.extra = {k: v for k, v in extra.items() if v is not None}


class NotFound(ClientError):
    status = 404
    title = "Not found"


class Conflict(ClientError):
    status = 409
    title = "Conflict"


class Invalid(ClientError):
    status = 422
    title = "Invalid input"

    @classmethod
    def fields(cls, pairs, detail="Some fields are invalid"):
        return cls(detail, [{"field": f, "message": m} for f, m in pairs])


class Forbidden(ClientError):
    status = 403
    title = "Forbidden"


class Unavailable(Exception):
    """The broker, a service or its database did not answer: 503 + Retry-After."""

    retry_after = 5

    def __init__(self, service, reason):
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


class Broken(Exception):
    """A service failed in a way it did not mean to (500, logged)."""

    def __init__(self, service, exc_type):
        super().__init__(f"{service}: {exc_type}")
        self.service = service
        self.exc_type = exc_type
