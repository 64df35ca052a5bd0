"""The gateway: ``create_app()`` wires resources to their dependencies."""
import logging
import os
import socket

import falcon

from gateway import errors, openapi, ratelimit
from gateway.auth import Authorizer, LoginThrottle, StaffStore, TokenSigner
from gateway.clients import Clients
from gateway.contract import API
from gateway.middleware import RequestBody, RequestContext, media_handlers
from gateway.ratelimit import RateLimiter
from gateway.readmodel import EventFeed, TicketReadModel
from gateway.resources import (accessibility, bookings, calendar, counters, dashboard, facility_checks,
                               health, notifications, offices, permits, staff, survey, tickets)
from gateway.rpc import RpcPool
from services.common import config as senja_config
from services.common.mongo import connect

log = logging.getLogger(__name__)


class Dependencies:
    """Everything the resources need; tests build their own."""

    def __init__(self, settings, start_feed=True):
        self.settings = settings
        self.rpc = RpcPool(senja_config.nameko_config(settings), settings.rpc_timeout)
        self.clients = Clients(self.rpc)
        self.mongo = connect(settings.mongo_uri)
        self.db = self.mongo[settings.db_prefix + "senja_gateway"]
        self.staff = StaffStore(self.db)
        self.login_throttle = LoginThrottle(self.db)
        self.signer = TokenSigner(settings.secret)
        self.readmodel = TicketReadModel()
        self.feed = None
        if start_feed:
            name = f"{socket.gethostname()}-{os.getpid()}"
            self.feed = EventFeed(settings.amqp_uri, self.readmodel, self.clients.queue.active_snapshot,
                                  name, board_basis=self.clients.queue.board_basis).start()

    def close(self):
        if self.feed:
            self.feed.stop()
        self.rpc.close()
        self.mongo.close()


class SenjaApp(falcon.App):
    """falcon.App with the dependencies at hand, so shutdown can close them, and
    the pages' error handler (gateway/errors.py: routes outside the API)."""

    deps = None
    page_errors = None


def create_app(deps=None):
    deps = deps or Dependencies(senja_config.from_env())
    if deps.settings.secret_is_default:  # only reachable with SENJA_ENV=local (gunicorn_conf)
        log.warning("SENJA_SECRET is the local development value: set it outside a laptop")
    gaps = health.calendar_details()
    if gaps["cuti_bersama_missing_years"]:
        log.warning("calendar: %s", gaps["note"])
    authz = Authorizer(deps.signer, deps.staff)
    metrics_port = deps.settings.metrics_port or None
    limiter = RateLimiter(deps.settings.secret, ratelimit.limits_from_env(deps.settings.rate_limits),
                          deps.settings.trusted_proxies)
    app = SenjaApp(middleware=[health.MetricsListener(metrics_port), RequestContext(), RequestBody(),
                               authz, limiter])
    app.rate_limits = limiter.limits
    app.req_options.strip_url_path_trailing_slash = True
    # JSON only, strictly (no NaN, bounded nesting); RequestBody answers 415 to anything else.
    app.req_options.default_media_type = falcon.MEDIA_JSON
    app.req_options.media_handlers = media_handlers()
    errors.install(app)
    clients = deps.clients

    app.add_route("/healthz", health.Healthz())
    app.add_route("/readyz", health.Readyz(clients, deps.db, deps.settings.amqp_uri))
    app.add_route("/metrics", health.Metrics(metrics_port))

    app.add_route(f"{API}/auth/token", staff.Token(deps.staff, deps.signer, deps.login_throttle))
    app.add_route(f"{API}/auth/me", staff.Me())
    app.add_route(f"{API}/auth/locks", staff.LoginLocks(deps.login_throttle))
    app.add_route(f"{API}/offices", offices.Offices(clients))
    app.add_route(f"{API}/offices/{{office_id}}", offices.Office(clients))

    app.add_route(f"{API}/offices/{{office_id}}/services", tickets.Services(clients))
    app.add_route(f"{API}/offices/{{office_id}}/tickets", tickets.Tickets(clients))
    app.add_route(f"{API}/tickets/{{token}}", tickets.Ticket(clients, deps.readmodel))
    app.add_route(f"{API}/offices/{{office_id}}/counters", counters.Counters(clients))
    app.add_route(f"{API}/offices/{{office_id}}/counters/{{counter_id}}/actions",
                  counters.CounterActions(clients))
    app.add_route(f"{API}/offices/{{office_id}}/counters/{{counter_id}}/undo-no-show", counters.UndoNoShow(clients))
    app.add_route(f"{API}/offices/{{office_id}}/queue", counters.WaitingList(clients))
    app.add_route(f"{API}/offices/{{office_id}}/board", counters.Board(deps.readmodel, clients.queue))
    app.add_route(f"{API}/offices/{{office_id}}/stats", counters.Stats(clients))
    app.add_route(f"{API}/offices/{{office_id}}/notices", counters.Notices(clients))
    bookings.install(app, clients, deps.settings.secret)
    app.add_route(f"{API}/push/public-key", notifications.PushPublicKey(deps.settings))
    app.add_route(f"{API}/tickets/{{token}}/subscriptions", notifications.TicketSubscriptions(clients))
    app.add_route(f"{API}/offices/{{office_id}}/notifications", notifications.OfficeNotifications(clients))

    app.add_route(f"{API}/permit-types", permits.PermitTypes(clients))
    app.add_route(f"{API}/permit-types/{{code}}", permits.PermitType(clients))
    app.add_route(f"{API}/permit-types/{{code}}/due-date", calendar.DueDate(clients.permits))
    app.add_route(f"{API}/offices/{{office_id}}/calendar", calendar.OfficeCalendar(clients.permits))
    app.add_route(f"{API}/permits", permits.Permits(clients))
    app.add_route(f"{API}/permits/{{tracking_code}}", permits.Permit(clients, authz))
    app.add_route(f"{API}/permits/{{tracking_code}}/transitions",
                  permits.PermitTransitions(clients, authz))
    app.add_route(f"{API}/permits/{{tracking_code}}/documents", permits.PermitDocuments(clients))
    app.add_route(f"{API}/permits/{{tracking_code}}/certificate.pdf",
                  permits.PermitCertificate(clients, authz, deps.settings.public_url))
    app.add_route(f"{API}/verify/{{permit_number}}", permits.Verify(clients))
    app.add_route(f"{API}/permits/{{tracking_code}}/documents/{{document}}",
                  permits.PermitDocument(clients.permits))
    app.add_route(f"{API}/permits/{{tracking_code}}/applicant-secret",
                  permits.ApplicantSecret(clients.permits))

    app.add_route(f"{API}/offices/{{office_id}}/accessibility",
                  accessibility.OfficeAccessibility(clients))
    app.add_route(f"{API}/offices/{{office_id}}/facilities", accessibility.OfficeFacilities(clients))
    app.add_route(f"{API}/offices/{{office_id}}/facilities/unverified",
                  facility_checks.UnverifiedFacilities(clients.accessibility))
    app.add_route(f"{API}/offices/{{office_id}}/facility-reports", accessibility.OfficeReports(clients))
    app.add_route(f"{API}/facilities/{{facility_id}}", accessibility.FacilityResource(clients))
    app.add_route(f"{API}/facilities/{{facility_id}}/history", accessibility.FacilityHistory(clients))
    app.add_route(f"{API}/facilities/{{facility_id}}/reports", accessibility.FacilityReports(clients))
    app.add_route(f"{API}/facility-reports/{{report_id}}", accessibility.PublicReportResource(clients))
    app.add_route(f"{API}/facility-reports/{{report_id}}/contact", accessibility.ReportContact(clients))
    app.add_route(f"{API}/facility-reports/{{report_id}}/close", accessibility.ReportClosing(clients))
    app.add_route(f"{API}/accessibility/search", accessibility.Search(clients))
    app.add_route(f"{API}/accessibility/export", accessibility.Export(clients))
    app.add_route(f"{API}/surveys/questions", survey.Questions(clients))
    app.add_route(f"{API}/tickets/{{token}}/survey", survey.TicketSurvey(clients))
    app.add_route(f"{API}/permits/{{tracking_code}}/survey", survey.PermitSurvey(clients))
    app.add_route(f"{API}/offices/{{office_id}}/ikm", survey.OfficeIkm(clients))
    app.add_route(f"{API}/offices/{{office_id}}/dashboard", dashboard.Dashboard(clients))
    app.add_route(f"{API}/offices/{{office_id}}/dashboard.csv", dashboard.DashboardCsv(clients))
    app.add_route(f"{API}/offices/{{office_id}}/dashboard/panel", dashboard.DashboardPanel(clients))
    openapi.install(app)  # GET /api/v1/openapi.json, built from the routes above
    from gateway import web  # the thin web client: /, /kiosk, /display, /counter, /t, ...
    web.install(app, deps, limiter)
    app.deps = deps
    return app
