"""Survey service entrypoints: who may answer (from queue and permits events),
the answers, and the IKM; rules in domain.py."""
import datetime as dt
import logging

from marshmallow import ValidationError
from nameko.events import event_handler
from nameko.rpc import rpc
from prometheus_client import Counter

from services.common import calendar, events
from services.common.errors import Conflict, Invalid, ServiceError, marshmallow_errors
from services.common.mongo import Storage
from services.common.observability import EVENTS_HANDLED, Observable
from services.common.offices import FollowsOffices
from services.common.replies import dumped
from services.survey import domain, schemas
from services.survey.storage import SurveyStore

EXPECTED = (ServiceError,)
ANSWERS = Counter("senja_survey_answers_total", "Survey answers received", ["office_id", "kind"])
ANSWERABLE_PERMIT_STATUSES = ("issued", "handed_over")
DECISIONS = ("issued", "rejected")  # where the permit's SLA ends (services/permits/service.py)
DEFAULT_TIMEZONE = "Asia/Jakarta"  # only until the office's copy arrives (office_updated)
log = logging.getLogger(__name__)


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


class SurveyService(Observable, FollowsOffices):
    name = "survey"

    store = Storage(SurveyStore, "senja_survey")

    # who may answer --------------------------------------------------------
    @event_handler("queue", "ticket_completed")
    def on_ticket_completed(self, payload):
        ticket = events.load("ticket_completed", payload)
        self._eligible(ticket["ticket_key"], "ticket", ticket["office_id"], ticket["service"],
                       ticket["issued_at"])
        EVENTS_HANDLED.labels(self.name, "ticket_completed").inc()

    @event_handler("permits", "permit_status_changed")
    def on_permit_status_changed(self, payload):
        permit = events.load("permit_status_changed", payload)
        if permit["status"] in DECISIONS and permit["due_date"] is not None:
            self._decided(permit)
        if permit["status"] in ANSWERABLE_PERMIT_STATUSES:
            self._eligible(domain.permit_key(permit["tracking_code"]), "permit", permit["office_id"],
                           permit["permit_type"], permit["at"])
        EVENTS_HANDLED.labels(self.name, "permit_status_changed").inc()

    def _eligible(self, key, kind, office_id, service, when):
        office = self.store.office_copy(office_id) or {"timezone": DEFAULT_TIMEZONE}
        local = when.astimezone(calendar.tz(office))
        self.store.make_eligible(key, {
            "kind": kind, "office_id": office_id, "service": service,
            "local_date": local.date().isoformat(),
            "session": "evening" if local.time() >= calendar.EVENING_FROM else "day"})

    def _decided(self, permit):
        """What the satisfaction is judged against: was the permit decided within its SLA?"""
        office = self.store.office_copy(permit["office_id"]) or {"timezone": DEFAULT_TIMEZONE}
        decided_on = permit["at"].astimezone(calendar.tz(office)).date()
        self.store.record_decision(permit["tracking_code"], {
            "office_id": permit["office_id"], "permit_type": permit["permit_type"],
            "status": permit["status"], "local_date": decided_on.isoformat(),
            "due_date": permit["due_date"].isoformat(), "on_time": decided_on <= permit["due_date"]})

    def _query_span(self, office_id, query):
        """The API's query string ({from, to, service, session}) loaded, and the
        span of local dates it names (default: the office's last 30 days)."""
        try:
            q = schemas.IkmQuery().load(query or {})
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages))
        office = self.store.office_copy(office_id) or {"timezone": DEFAULT_TIMEZONE}
        today = calendar.local_now(office, utcnow()).date()
        return (q, *schemas.default_span(q["start"], q["end"], today))

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.DecisionsView)
    def permit_decisions(self, office_id, query):
        """Permits decided (issued or rejected) in {from, to}: on time or late by their SLA."""
        q, start, end = self._query_span(office_id, query)
        found = self.store.decisions_in(office_id, start, end, q["service"])
        on_time = sum(1 for d in found if d["on_time"])
        return {"office_id": office_id, "start": start.isoformat(), "end": end.isoformat(),
                "decided": len(found), "on_time": on_time, "late": len(found) - on_time}

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.CommentView, many=True)
    def comments(self, office_id, query, limit=20):
        """For the office's supervisors: the latest comments in {from, to}."""
        q, start, end = self._query_span(office_id, query)
        return self.store.comments_in(office_id, start, end, min(int(limit), 100))

    # the questionnaire and the answers ---------------------------------------
    @rpc
    @dumped(schemas.QuestionsView)
    def questions(self):
        return {"source": domain.REGULATION, "comment_max": schemas.COMMENT_MAX, "questions": [
            {"code": code, "element": {"id": id_, "en": en},
             "question": dict(zip(("id", "en"), domain.QUESTIONS[code][0])),
             "answers": [{"value": value, "label": dict(zip(("id", "en"), label))}
                         for value, label in zip(domain.SCALE, domain.QUESTIONS[code][1])]}
            for code, id_, en in domain.ELEMENTS]}

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.SurveyStanding)
    def standing(self, respondent_key):
        """May this ticket/permit answer, and has it?"""
        return {"eligible": self.store.eligibility(respondent_key) is not None,
                "answered": self.store.has_answered(respondent_key)}

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.SurveyReceipt)
    def answer(self, respondent_key, answer):
        """``respondent_key``: the ticket's key (sha256 of its token) or
        ``permit_key(tracking_code)``; the gateway has checked the holder."""
        try:
            data = schemas.SurveyAnswer().load(answer)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages))
        served = self.store.eligibility(respondent_key)
        if served is None:
            raise Conflict("The survey opens once the service is done", reason="not_served")
        record = {k: served[k] for k in ("kind", "office_id", "service", "local_date", "session")}
        if not self.store.record_answer(respondent_key, {**record, "scores": data["scores"],
                                                         "comment": data["comment"].strip()}):
            raise Conflict("This ticket or permit has answered the survey already", reason="answered")
        ANSWERS.labels(served["office_id"], served["kind"]).inc()
        return {"answered": True, "office_id": served["office_id"]}

    # the index -------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.IkmView)
    def ikm(self, office_id, query):
        """``query``: {from, to, service, session} as the API's query string."""
        q, start, end = self._query_span(office_id, query)
        span = (office_id, start, end, q["service"], q["session"])
        answers = [a["scores"] for a in self.store.answers_in(*span)]
        found = domain.summary(answers, population=self.store.population(*span))
        return {**found, "office_id": office_id, "start": start.isoformat(), "end": end.isoformat(),
                "service": q["service"], "session": q["session"], "source": domain.REGULATION}
