"""RPC from gunicorn's gthread workers to the nameko services.

One long-lived ClusterRpcProxy per thread (docs/architecture.md: a proxy shared by
threads deadlocks; one per request costs ~17 ms). Every call has a timeout,
and the request message expires with it, so a service that comes back after
an outage does not act on requests whose callers already got a 503.
"""
import logging
import socket
import threading
import time

from kombu.exceptions import KombuError
from nameko.exceptions import RemoteError, UnknownService
from nameko.rpc import ServiceProxy
from nameko.standalone.rpc import ClusterRpcProxy, RpcTimeout

from services.common.logs import request_id_var

log = logging.getLogger(__name__)


class ServiceUnavailable(Exception):
    """The broker or a service did not answer in time."""

    def __init__(self, service, reason):
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


class RpcPool:
    def __init__(self, config, timeout, observe=None):
        self.config = config
        self.timeout = timeout
        self.observe = observe or (lambda service, method, seconds, outcome: None)
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()

    def call(self, service, method, *args, **kwargs):
        started = time.perf_counter()
        outcome = "ok"
        try:
            proxy = self._proxy()
            proxy._worker_ctx.data["request_id"] = request_id_var.get() or ""
            target = ServiceProxy(proxy._worker_ctx, service, proxy._reply_listener,
                                  expiration=self.timeout)
            return getattr(target, method)(*args, **kwargs)
        except RemoteError:
            outcome = "remote_error"
            raise
        except RpcTimeout:
            outcome = "timeout"
            self._discard()  # a late reply must not be read as the next call's
            raise ServiceUnavailable(service, "timed out")
        except UnknownService:
            outcome = "unknown_service"
            raise ServiceUnavailable(service, "not running")
        except (OSError, socket.error, KombuError, ConnectionError) as exc:
            outcome = "broker_error"
            self._discard()
            raise ServiceUnavailable(service, f"broker unreachable ({type(exc).__name__})")
        finally:
            self.observe(service, method, time.perf_counter() - started, outcome)

    def _proxy(self):
        proxy = getattr(self._local, "proxy", None)
        if proxy is None:
            standalone = ClusterRpcProxy(self.config, timeout=self.timeout,
                                         context_data={"request_id": ""})
            standalone.start()
            proxy = standalone
            self._local.proxy = proxy
            with self._lock:
                self._all.append(proxy)
        return proxy

    def _discard(self):
        proxy = getattr(self._local, "proxy", None)
        self._local.proxy = None
        if proxy is not None:
            with self._lock:
                if proxy in self._all:
                    self._all.remove(proxy)
            try:
                proxy.stop()
            except Exception:  # the connection is already gone
                pass

    def close(self):
        with self._lock:
            proxies, self._all = self._all, []
        for proxy in proxies:
            try:
                proxy.stop()
            except Exception:
                pass
