"""gunicorn settings from the one settings object (services/common/config.py):
gthread workers (gunicorn has no eventlet worker any more; docs/architecture.md measured
2 workers x 8 threads on 2 cores)."""
from gunicorn.glogging import Logger

from services.common.config import from_env as _from_env

# Module-level names are gunicorn settings: private names for ours.
_settings = _from_env()
bind = [f"{_settings.gateway_host}:{_settings.port}"]
# METRICS_PORT: a second listener for /metrics only (Kubernetes: the cluster scrapes it,
# the ingress never routes to it); without it /metrics is on PORT (local runs).
if _settings.metrics_port:
    bind.append(f"{_settings.gateway_host}:{_settings.metrics_port}")
worker_class = "gthread"
workers = _settings.workers
threads = _settings.threads
timeout = 30
graceful_timeout = int(_settings.stop_timeout)
keepalive = 5
control_socket_disable = True  # gunicorn 27 would write under $HOME (read-only in pods)
accesslog = None  # our middleware logs requests by route template, without tokens
loglevel = _settings.log_level.lower()


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
    config.require_safe_settings(_settings, "gateway", needs_public_url=True)


def post_fork(server, worker):
    from services.common import logs
    logs.configure("gateway", _settings.log_level)


def worker_exit(server, worker):
    app = getattr(worker, "wsgi", None)
    deps = getattr(app, "deps", None)
    if deps is not None:
        deps.close()
