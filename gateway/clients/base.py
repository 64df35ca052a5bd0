"""One place where an RPC becomes a result or a typed client error."""
import logging

from nameko.exceptions import RemoteError

from gateway.clients import errors
from gateway.rpc import ServiceUnavailable
from services.common.errors import from_remote

log = logging.getLogger(__name__)

# A service whose database (or broker) is unreachable is unavailable, not broken:
# pymongo's connection errors cross RPC by name.
UNAVAILABLE_REMOTE = frozenset({
    "ServerSelectionTimeoutError", "AutoReconnect", "NetworkTimeout", "ConnectionFailure",
    "NotPrimaryError", "WaitQueueTimeoutError", "OperationalError"})

_BY_STATUS = {404: errors.NotFound, 409: errors.Conflict, 422: errors.Invalid,
              403: errors.Forbidden}


class ServiceClient:
    """Typed calls to one nameko service over the gateway's RPC pool."""

    service = None  # set by each subclass

    def __init__(self, rpc):
        self._rpc = rpc

    def _call(self, method, *args, **kwargs):
        try:
            return self._rpc.call(self.service, method, *args, **kwargs)
        except ServiceUnavailable as exc:
            raise errors.Unavailable(exc.service, exc.reason) from None
        except RemoteError as exc:
            raise _mapped(self.service, exc) from None


def _mapped(service, exc):
    if exc.exc_type in UNAVAILABLE_REMOTE:
        log.warning("%s cannot reach its database or broker: %s", service, exc.exc_type)
        return errors.Unavailable(service, "its database or broker is unreachable")
    found = from_remote(exc.exc_type, exc.value)
    if found is None:
        log.error("%s failed: %s", service, exc.exc_type)
        return errors.Broken(service, exc.exc_type)
    cls, body = found
    kind = _BY_STATUS.get(cls.status, errors.ClientError)
    extra = {k: v for k, v in body.items() if k not in ("detail", "errors")}
    return kind(body.get("detail") or kind.title, body.get("errors"), **extra)
