"""The supervisor's dashboard of one office (figures, and each table as CSV)."""
import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gateway import dashboard
from gateway.auth import staff
from gateway.contract import CSV, operation
from gateway.web.dashboard import panel_html
from gateway.web.i18n import LANGS, Texts
from gateway.validation import load
from services.common import calendar
from services.common.replies import always, maybe
from services.queue.schemas import Strict

MAX_DAYS = 400


class DashboardQuery(Strict):
    """``date``: the day of the queue figures (default today at the office);
    ``from``/``to``: the span of the IKM and permit decisions (default the 30 days to ``date``)."""
    date = fields.Date(load_default=None)
    start = fields.Date(load_default=None, data_key="from")
    end = fields.Date(load_default=None, data_key="to")

    @validates_schema
    def _span(self, data, **kwargs):
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise ValidationError("must not be before from", "to")
            if (data["end"] - data["start"]).days + 1 > MAX_DAYS:
                raise ValidationError(f"at most {MAX_DAYS} days from from", "to")


class PanelQuery(DashboardQuery):
    lang = fields.String(load_default="id", validate=validate.OneOf(LANGS))


class CsvQuery(DashboardQuery):
    table = fields.String(required=True, validate=validate.OneOf(dashboard.TABLES))


def load_dashboard(clients, office_id, params, staff_claims):
    """The figures, from the services' own answers (the queue's stats is the
    stats endpoint's call)."""
    query = load(DashboardQuery(), {k: v for k, v in params.items() if k in ("date", "from", "to")},
                 where="query")
    office = clients.queue.get_office(office_id)
    day = query["date"] or calendar.local_now(office, dt.datetime.now(dt.timezone.utc)).date()
    end = query["end"] or day
    span = {"from": (query["start"] or end - dt.timedelta(days=29)).isoformat(), "to": end.isoformat()}
    stats = clients.queue.stats(office_id, day.isoformat())
    bookings = clients.queue.bookings_of_day(office_id, {"date": day.isoformat()})
    ikm = clients.survey.ikm(office_id, span)
    ikm_sessions = {s: clients.survey.ikm(office_id, {**span, "session": s}) for s in ("day", "evening")}
    decisions = clients.survey.permit_decisions(office_id, span)
    comments = clients.survey.comments(office_id, span)
    facilities = clients.accessibility.office_accessibility(office_id).get("facilities", [])
    unverified = clients.accessibility.facilities_to_verify(office_id, staff_claims)
    return dashboard.dashboard({"id": office_id, "name": office.get("name")}, day.isoformat(), stats,
                               bookings, ikm, ikm_sessions, decisions, facilities, unverified, comments)


class HourView(Schema):
    hour = always(fields.Integer)
    session = always(fields.String)
    issued = always(fields.Integer)
    served = always(fields.Integer)
    no_shows = always(fields.Integer)
    p50_wait_minutes = maybe(fields.Float)
    p90_wait_minutes = maybe(fields.Float)


class SessionView(Schema):
    issued = always(fields.Integer)
    served = always(fields.Integer)
    no_shows = always(fields.Integer)
    cancelled = fields.Integer()
    no_show_rate = maybe(fields.Float, metadata={"description": "no-shows / (served + no-shows)"})
    p50_wait_minutes = maybe(fields.Float)
    p90_wait_minutes = maybe(fields.Float)


class DashboardView(Schema):
    office_id = always(fields.String)
    office_name = always(fields.String)
    date = always(fields.String)
    queue = always(fields.Dict, metadata={"description": "{hours: [hour], sessions: {day, evening}, totals}"})
    bookings = always(fields.Dict, metadata={
        "description": "the day's bookings {made, booked, checked_in, no_show, cancelled, no_show_rate, "
                       "sessions: {day, evening}}; no_show_rate = no-shows / (checked in + no-shows)"})
    permits = always(fields.Dict, metadata={"description": "{decided, on_time, late} in the span"})
    facilities = always(fields.Dict, metadata={"description": "{broken: [...], unverified: [...]}"})
    ikm = always(fields.Dict)
    ikm_sessions = always(fields.Dict)
    comments = always(fields.List, fields.Dict(),
                      metadata={"description": "latest survey comments [{local_date, session, service, comment}]"})


class Dashboard:
    access = {"GET": staff("supervisor", office="office_id")}

    def __init__(self, clients):
        self.clients = clients

    @operation("The supervisor's dashboard of the office", {200: DashboardView}, query=DashboardQuery,
               tags=["survey"])
    def on_get(self, req, resp, office_id):
        resp.media = DashboardView().dump(load_dashboard(self.clients, office_id, dict(req.params), req.context.staff))


class DashboardCsv:
    access = {"GET": staff("supervisor", office="office_id")}

    def __init__(self, clients):
        self.clients = clients

    @operation("One table of the dashboard as CSV", {200: {CSV: {"type": "string"}}}, query=CsvQuery,
               tags=["survey"], description="table: " + ", ".join(dashboard.TABLES))
    def on_get(self, req, resp, office_id):
        name = load(CsvQuery(), dict(req.params), where="query")["table"]
        figures = load_dashboard(self.clients, office_id, dict(req.params), req.context.staff)
        resp.content_type = "text/csv; charset=utf-8"
        resp.downloadable_as = f"senja-{office_id}-{figures['date']}-{name}.csv"
        resp.text = dashboard.csv_text(figures, name)


class DashboardPanel:
    """The figures as the dashboard page shows them: HTML with SVG charts and tables."""
    access = {"GET": staff("supervisor", office="office_id")}

    def __init__(self, clients):
        self.clients = clients

    @operation("The dashboard's figures as an HTML panel (charts and tables)",
               {200: {"text/html": {"type": "string"}}}, query=PanelQuery, tags=["survey"])
    def on_get(self, req, resp, office_id):
        lang = load(PanelQuery(), dict(req.params), where="query")["lang"]
        figures = load_dashboard(self.clients, office_id, dict(req.params), req.context.staff)
        resp.content_type = "text/html; charset=utf-8"
        resp.text = panel_html(Texts(lang), figures)
