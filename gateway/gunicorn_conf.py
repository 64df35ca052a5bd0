"""gunicorn settings: gthread workers (gunicorn has no eventlet worker any more;
DESIGN.md measured 2 workers x 8 threads on 2 cores)."""
import os

from gunicorn.glogging import Logger

bind = [f"{os.environ.get('GATEWAY_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]
# METRICS_PORT: a second listener for /metrics only (Kubernetes: the cluster scrapes it,
# the ingress never routes to it); without it /metrics is on PORT (local runs).
if os.environ.get("METRICS_PORT"):
    bind.append(f"{os.environ.get('GATEWAY_HOST', '127.0.0.1')}:{os.environ['METRICS_PORT']}")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
control_socket_disable = True  # gunicorn 27 would write under $HOME (read-only in pods)
accesslog = None  # our middleware logs requests by route template, without tokens
loglevel = os.environ.get("SENJA_LOG_LEVEL", "info").lower()


class ScrubbedLogger(Logger):
    """gunicorn's own log through our JSON formatter, so the PII scrubber sees it too.
    Never below INFO: at debug gunicorn logs every raw request line, with ticket
    tokens and whatever a client put in the path (our middleware logs the route)."""

    def setup(self, cfg):
        super().setup(cfg)
        import logging

        from services.common.logs import JsonFormatter
        self.error_log.setLevel(max(self.error_log.level, logging.INFO))
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter("gunicorn"))


logger_class = ScrubbedLogger


def on_starting(server):
    """In the master, before any worker: a public or short SENJA_SECRET stops the gateway here."""
    from services.common import config
    config.require_safe_settings(config.from_env(), "gateway", needs_public_url=True)


def post_fork(server, worker):
    from services.common import logs
    logs.configure("gateway", os.environ.get("SENJA_LOG_LEVEL", "INFO"))


def worker_exit(server, worker):
    app = getattr(worker, "wsgi", None)
    deps = getattr(app, "deps", None)
    if deps is not None:
        deps.close()
