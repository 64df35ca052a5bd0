import datetime as dt
import socket
import urllib.parse

import falcon
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pymongo.errors import PyMongoError

from gateway.rpc import ServiceUnavailable
from services.common import calendar

SERVICES = ("queue", "permits", "accessibility")


class Healthz:
    def on_get(self, req, resp):
        resp.media = {"status": "ok"}


class Readyz:
    """Ready when the broker, the databases and all three services answer."""

    def __init__(self, rpc, gateway_db, amqp_uri):
        self.rpc = rpc
        self.db = gateway_db
        parts = urllib.parse.urlparse(amqp_uri)
        self.broker = (parts.hostname or "127.0.0.1", parts.port or 5672)

    def on_get(self, req, resp):
        checks, failed = {}, []
        try:
            # A quick TCP look first: probes time out in seconds, RPC retries take longer.
            socket.create_connection(self.broker, timeout=1).close()
            checks["broker"] = "ok"
        except OSError:
            checks["broker"] = "unreachable"
            resp.status = falcon.HTTP_503
            resp.set_header("Retry-After", "5")
            resp.media = {"status": "unavailable", "checks": checks, "failed": ["broker"]}
            return
        try:
            self.db.command("ping")
            checks["gateway_database"] = "ok"
        except PyMongoError:
            checks["gateway_database"] = "unavailable"
            failed.append("gateway_database")
        for service in SERVICES:
            try:
                health = self.rpc.call(service, "health")
                ok = bool(health.get("database"))
                checks[service] = "ok" if ok else "database unavailable"
            except ServiceUnavailable as exc:
                ok = False
                checks[service] = exc.reason
            if not ok:
                failed.append(service)
        resp.status = falcon.HTTP_200 if not failed else falcon.HTTP_503
        if failed:
            resp.set_header("Retry-After", "5")
        resp.media = {"status": "ok" if not failed else "unavailable", "checks": checks,
                      "failed": failed, "calendar": calendar_details()}


def calendar_details():
    """Years whose cuti bersama is unknown: a detail, not a failure (offices may list them)."""
    missing = calendar.years_without_cuti_bersama(dt.date.today())
    return {"cuti_bersama_missing_years": missing,
            "note": (f"no cuti bersama data for {', '.join(map(str, missing))}: those days count "
                     "as working days unless an office lists them") if missing else "complete"}


class Metrics:
    """Prometheus metrics. With METRICS_PORT set they are served on that port only, and
    every route but /metrics is 404 there (MetricsListener): the public port, which the
    ingress routes to, never shows them."""

    def __init__(self, metrics_port=None):
        self.metrics_port = metrics_port

    def on_get(self, req, resp):
        if self.metrics_port and not on_port(req, self.metrics_port):
            raise falcon.HTTPNotFound()
        resp.content_type = CONTENT_TYPE_LATEST
        resp.data = generate_latest()


def on_port(req, port):
    return str(req.env.get("SERVER_PORT", "")) == str(port)


class MetricsListener:
    """Middleware: on the metrics port, nothing but /metrics answers."""

    def __init__(self, metrics_port):
        self.metrics_port = metrics_port

    def process_request(self, req, resp):
        if self.metrics_port and on_port(req, self.metrics_port) and req.path != "/metrics":
            raise falcon.HTTPNotFound()
