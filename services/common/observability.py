"""What every service shares: health RPC and HTTP probes, Prometheus metrics,
and a request id that follows a call through RPC and events."""
import json
import logging
import time

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from werkzeug.wrappers import Response

from services.common.logs import request_id_var

log = logging.getLogger(__name__)

WORKER_SECONDS = Histogram(
    "senja_rpc_seconds", "Time spent in service entrypoints",
    ["service", "entrypoint"], buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
WORKER_ERRORS = Counter("senja_rpc_errors_total", "Entrypoint failures",
                        ["service", "entrypoint", "error"])
EVENTS_HANDLED = Counter("senja_events_handled_total", "Events handled",
                         ["service", "event"])


class RequestContext(DependencyProvider):
    """Times every worker, counts failures, and puts the caller's request id
    (nameko context data ``request_id``) on every log line of the worker."""

    def worker_setup(self, worker_ctx):
        worker_ctx._senja_started = time.perf_counter()
        request_id_var.set(worker_ctx.data.get("request_id"))

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        name = worker_ctx.entrypoint.method_name
        service = self.container.service_name
        WORKER_SECONDS.labels(service, name).observe(
            time.perf_counter() - getattr(worker_ctx, "_senja_started", time.perf_counter()))
        if exc_info is not None:
            WORKER_ERRORS.labels(service, name, exc_info[0].__name__).inc()

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get("request_id")


class Observable:
    """Mixin for service classes; needs ``name`` and a ``store`` with ``ping()``."""

    request_id = RequestContext()

    @rpc
    def health(self):
        return {"service": self.name, "database": self.store.ping()}

    @http("GET", "/healthz")
    def http_healthz(self, request):
        return _json(200, {"status": "ok", "service": self.name})

    @http("GET", "/readyz")
    def http_readyz(self, request):
        # Reaching this handler proves the process runs; the broker and the
        # database are what can be missing.
        db = self.store.ping()
        status = 200 if db else 503
        return _json(status, {"status": "ok" if db else "unavailable",
                              "service": self.name, "database": db})

    @http("GET", "/metrics")
    def http_metrics(self, request):
        return Response(generate_latest(), status=200, mimetype=CONTENT_TYPE_LATEST)


def _json(status, body):
    return Response(json.dumps(body), status=status, mimetype="application/json")
