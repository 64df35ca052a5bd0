"""Liveness, readiness and metrics."""
import datetime as dt
import socket
import urllib.parse

import falcon
from marshmallow import Schema, fields, validate
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pymongo.errors import PyMongoError

from gateway.clients.errors import Broken, Unavailable
from gateway.contract import operation
from services.common import calendar

RETRY_AFTER_SECONDS = str(Unavailable.retry_after)


class Alive(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("ok",)))


class CalendarGaps(Schema):
    cuti_bersama_missing_years = fields.List(fields.Integer(), required=True)
    note = fields.String(required=True)


class Readiness(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("ok", "unavailable")))
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    failed = fields.List(fields.String(), required=True)
    calendar = fields.Nested(CalendarGaps, required=True,
                             metadata={"description": "years without cuti bersama data: a detail, not a failure"})


class Healthz:
    @operation("Liveness", {200: Alive}, tags=["health"])
    def on_get(self, req, resp):
        resp.media = {"status": "ok"}


class Readyz:
    """Ready when the broker, the databases and all the services answer."""

    def __init__(self, clients, gateway_db, amqp_uri):
        self.services = {"queue": clients.queue, "permits": clients.permits,
                         "accessibility": clients.accessibility, "survey": clients.survey}
        self.db = gateway_db
        parts = urllib.parse.urlparse(amqp_uri)
        self.broker = (parts.hostname or "127.0.0.1", parts.port or 5672)

    @operation("Readiness: broker, databases and services answer", {200: Readiness, 503: Readiness},
               tags=["health"])
    def on_get(self, req, resp):
        checks, failed = {}, []
        try:
            # A quick TCP look first: probes time out in seconds, RPC retries take longer.
            socket.create_connection(self.broker, timeout=1).close()
            checks["broker"] = "ok"
        except OSError:
            checks["broker"] = "unreachable"
            failed.append("broker")
        if not failed:
            try:
                self.db.command("ping")
                checks["gateway_database"] = "ok"
            except PyMongoError:
                checks["gateway_database"] = "unavailable"
                failed.append("gateway_database")
            for name, client in self.services.items():
                try:
                    ok = bool(client.health().get("database"))
                    checks[name] = "ok" if ok else "database unavailable"
                except (Unavailable, Broken) as exc:
                    ok, checks[name] = False, getattr(exc, "reason", "failed")
                if not ok:
                    failed.append(name)
        resp.status = falcon.HTTP_503 if failed else falcon.HTTP_200
        if failed:
            resp.set_header("Retry-After", RETRY_AFTER_SECONDS)
        resp.media = {"status": "unavailable" if failed else "ok", "checks": checks, "failed": failed,
                      "calendar": calendar_details()}


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
