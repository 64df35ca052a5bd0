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
from nameko.amqp.publish import Publisher
from nameko.exceptions import RemoteError, UnknownService
from nameko.rpc import MethodProxy
from nameko.standalone.rpc import ClusterRpcProxy, RpcTimeout

from services.common.logs import request_id_var

log = logging.getLogger(__name__)


class ServiceUnavailable(Exception):
    """The broker or a service did not answer in time."""

    def __init__(self, service, reason):
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


# nameko's publisher retries a dead connection for up to ~12 s (3 tries, 2 s
# apart, then reconnects 2-5 s apart): a citizen would wait that long for a 503.
# One quick retry still rides over a connection gone stale at a broker restart.
FAIL_FAST = {"max_retries": 1, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.3}


class FailFastPublisher(Publisher):
    transport_options = dict(FAIL_FAST)
    retry_policy = dict(FAIL_FAST)


class FailFastMethodProxy(MethodProxy):
    publisher_cls = FailFastPublisher


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
            target = FailFastMethodProxy(proxy._worker_ctx, service, method,
                                         proxy._reply_listener, expiration=self.timeout)
            return target(*args, **kwargs)
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
