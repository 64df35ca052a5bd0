"""RPC replies: dumped through the service's reply schema, and never fatal.

``dumped(Schema)`` on an entrypoint passes what it returns through the
schema (services/*/schemas.py): the reply holds exactly the declared fields,
and the gateway's OpenAPI document is written from the same schemas.
``always``/``maybe`` declare a reply field that is always present (and, for
``maybe``, may be null).

An RPC reply that cannot be sent must not bring the service down.

nameko 2.14 publishes each RPC reply after the worker finished; when the
broker is gone at that moment (a restart, a network cut) the publish raises,
nameko treats that as fatal and kills the whole service container, so one
broker blip leaves the service dead until something restarts the process
(measured: tests/faults/test_broker_restart.py). The caller of such a call
has already given up (its RPC timeout answers 503 and the client retries
with its Idempotency-Key), so the reply is worth nothing: log it, let the
message go back to the broker as nameko does for a dead connection, and
keep serving. ``install()`` runs in ``python -m services`` before the
services load.
"""
import functools
import logging

from kombu.exceptions import OperationalError
from nameko import rpc

log = logging.getLogger(__name__)
_original = rpc.RpcConsumer.handle_result


def _handle_result(self, message, result, exc_info):
    try:
        return _original(self, message, result, exc_info)
    except (OperationalError, ConnectionError, OSError) as exc:
        log.warning("RPC reply lost, the broker is unreachable (%s); the caller times out and retries",
                    type(exc).__name__)
        return result, exc_info


LOCAL_TIME = {"description": "ISO 8601 in the office's time zone, with offset"}


def always(field_cls, *args, **kwargs):
    return field_cls(*args, required=True, **kwargs)


def maybe(field_cls, *args, **kwargs):
    return field_cls(*args, required=True, allow_none=True, **kwargs)


def dumped(schema, many=False):
    """The entrypoint's reply, dumped through ``schema`` (a list of them with ``many``)."""
    def wrap(method):
        instance = schema(many=many)  # built once; marshmallow 4 schemas keep no per-call state

        @functools.wraps(method)
        def reply(*args, **kwargs):
            return instance.dump(method(*args, **kwargs))
        reply.reply_schema = schema
        return reply
    return wrap


def install():
    rpc.RpcConsumer.handle_result = _handle_result
