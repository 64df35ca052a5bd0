"""The satisfaction survey's pages: the form a served citizen answers once
(/t/{token}/survey, /permits/{tracking_code}/survey: plain form posts, no
script needed) and each office's public IKM with its service standards
(/ikm/{office_id}), as PermenPANRB 14/2017 asks the index to be published."""
import re

import falcon

from gateway.clients import errors
from gateway.resources.survey import answer_permit, answer_ticket
from gateway.web.base import Missing, Page
from gateway.web.forms import Form, field_errors
from gateway.web.i18n import name_of
from services.queue.schemas import OFFICE_ID_PATTERN, TOKEN_PATTERN
from services.survey.domain import ELEMENTS as ELEMENT_NAMES
from services.survey.schemas import COMMENT_MAX

TOKEN = re.compile(TOKEN_PATTERN)
TRACKING = re.compile(r"^[A-Z][A-Z0-9_]{0,15}-\d{4}-[0-9A-Z]{8}$")  # as gateway/web/permits.py
TICKET_NOT_FOUND = ("ticket.not_found.title", "ticket.not_found.text", ("/", "ticket.not_found.action"))
OFFICE = re.compile(OFFICE_ID_PATTERN)
PERMIT_NOT_FOUND = ("error.not_found.title", "survey.permit_not_found", ("/permits", "nav.permits"))
SCORE = re.compile(r"^[1-4]$")


def questions(t, found):
    """The questionnaire in the page's language: [(code, element, question, [(value, label)])]."""
    return [(q["code"], q["element"][t.lang], q["question"][t.lang],
             [(str(a["value"]), a["label"][t.lang]) for a in q["answers"]]) for q in found["questions"]]


def answer_from(form, codes):
    """The form as the API's body: unanswered elements are left out (the schema names them)."""
    scores = {}
    for code in codes:
        value = form.first(f"scores.{code}", 2)
        if value:
            scores[code] = int(value) if SCORE.match(value) else value
    return {"scores": scores, "comment": form.first("comment", COMMENT_MAX + 100)}


class SurveyForm(Page):
    body_class = "survey"
    secret_field = False

    def _form(self, req, resp, action, subject, errors=(), form=None, status=falcon.HTTP_200):
        t = req.context.t
        found = self.clients.survey.questions()
        chosen = {k[7:]: v[0] for k, v in (form.values.items() if form else ()) if k.startswith("scores.")}
        self.render(req, resp, "survey_form.html", t("survey.title"), status=status, cache="no-store",
                    action=action, subject=subject, questions=questions(t, found), chosen=chosen,
                    comment=form.first("comment", COMMENT_MAX) if form else "", comment_max=COMMENT_MAX,
                    secret_field=self.secret_field, errors=list(errors), error_of=dict(errors),
                    source=found["source"])
        resp.set_header("X-Robots-Tag", "noindex")

    def _thanks(self, req, resp, office_id):
        t = req.context.t
        self.message(req, resp, falcon.HTTP_201, t("survey.thanks.title"), t("survey.thanks.text"),
                     (f"/ikm/{office_id}", t("survey.see_ikm")))

    def _closed(self, req, resp, key, office_id):
        t = req.context.t
        self.message(req, resp, falcon.HTTP_409, t("survey.title"), t(key),
                     (f"/ikm/{office_id}", t("survey.see_ikm")))

    def _refused(self, req, resp, exc, action, subject):
        t = req.context.t
        if isinstance(exc, errors.Forbidden):
            found = [("secret", t("survey.secret_wrong"))]
        else:
            names = {f"scores.{code}": (id_ if t.lang == "id" else en) for code, id_, en in ELEMENT_NAMES}
            # The summary names the question: "Sarana dan prasarana: Wajib diisi."
            found = [(f, f"{names[f]}: {m}" if f in names else m) for f, m in field_errors(t, exc)] \
                or [("form", exc.detail)]
        self._form(req, resp, action, subject, errors=found, form=req.context.form,
                   status=falcon.code_to_http_status(exc.status))
        return True


class TicketSurveyPage(SurveyForm):
    not_found = TICKET_NOT_FOUND

    def on_get(self, req, resp, token):
        ticket = self._ticket(token)
        if ticket["status"] != "done":
            return self._closed(req, resp, "survey.not_served", ticket["office_id"])
        if self.clients.survey.ticket_standing(token)["answered"]:
            return self._closed(req, resp, "survey.answered", ticket["office_id"])
        self._form(req, resp, f"/t/{token}/survey", req.context.t("survey.for_ticket", number=ticket["number"]))

    def on_post(self, req, resp, token):
        form = req.context.form = Form.read(req)
        ticket = self._ticket(token)
        req.context.subject = req.context.t("survey.for_ticket", number=ticket["number"])
        codes = [f"U{i}" for i in range(1, 10)]
        try:
            done = answer_ticket(self.clients, token, answer_from(form, codes))
        except errors.Conflict as exc:
            key = "survey.answered" if exc.extra.get("reason") == "answered" else "survey.not_served"
            return self._closed(req, resp, key, ticket["office_id"])
        self._thanks(req, resp, done["office_id"])

    def reshow(self, req, resp, exc, token):
        if "subject" not in req.context:
            return None
        return self._refused(req, resp, exc, f"/t/{token}/survey", req.context.subject)

    def _ticket(self, token):
        if not TOKEN.match(token):
            raise Missing(*TICKET_NOT_FOUND)
        return self.clients.queue.ticket_status(token)


class PermitSurveyPage(SurveyForm):
    not_found = PERMIT_NOT_FOUND
    secret_field = True

    def on_get(self, req, resp, tracking_code):
        permit = self._permit(tracking_code)
        if permit["status"] not in ("issued", "handed_over"):
            return self._closed(req, resp, "survey.not_issued", permit["office_id"])
        if self.clients.survey.permit_standing(tracking_code)["answered"]:
            return self._closed(req, resp, "survey.answered", permit["office_id"])
        self._form(req, resp, f"/permits/{tracking_code}/survey",
                   req.context.t("survey.for_permit", code=tracking_code))

    def on_post(self, req, resp, tracking_code):
        form = req.context.form = Form.read(req)
        permit = self._permit(tracking_code)
        req.context.subject = req.context.t("survey.for_permit", code=tracking_code)
        codes = [f"U{i}" for i in range(1, 10)]
        try:
            done = answer_permit(self.clients, tracking_code, form.first("secret", 128), answer_from(form, codes))
        except errors.Conflict as exc:
            key = "survey.answered" if exc.extra.get("reason") == "answered" else "survey.not_issued"
            return self._closed(req, resp, key, permit["office_id"])
        self._thanks(req, resp, done["office_id"])

    def reshow(self, req, resp, exc, tracking_code):
        if "subject" not in req.context:
            return None
        return self._refused(req, resp, exc, f"/permits/{tracking_code}/survey", req.context.subject)

    def _permit(self, tracking_code):
        if not TRACKING.match(tracking_code):
            raise Missing(*PERMIT_NOT_FOUND)
        return self.clients.permits.public_status(tracking_code)


def ikm_view(t, found):
    """What the page shows of GET /api/v1/offices/{id}/ikm's answer."""
    names = {code: (id_ if t.lang == "id" else en) for code, id_, en in ELEMENT_NAMES}
    return {"respondents": found["respondents"], "population": found["population"],
            "sample_required": found["sample_required"], "sample_sufficient": found["sample_sufficient"],
            "ikm": None if found["ikm"] is None else t.number(found["ikm"]),
            "category": found["category"], "quality": found["quality"],
            "quality_text": t(f"ikm.quality.{found['category']}") if found["category"] else "",
            "elements": [(code, names[code], t.number(value), round(value / 4 * 100))
                         for code, value in (found["elements"] or {}).items()]}


class OfficeIkmPage(Page):
    """/ikm/{office_id}: the published index, day and evening apart, and the service standards."""

    body_class = "ikm-page"

    def on_get(self, req, resp, office_id):
        t = req.context.t
        if not OFFICE.match(office_id):
            raise Missing("error.not_found.title", "error.office_not_found")
        office = self.clients.queue.get_office(office_id)
        query = {k: req.get_param(k) for k in ("from", "to") if req.get_param(k)}
        found = self.clients.survey.ikm(office_id, query)
        sessions = {s: self.quietly(self.clients.survey.ikm, office_id, {**query, "session": s})
                    for s in ("day", "evening")}
        types = self.quietly(self.clients.permits.list_permit_types) or []
        self.render(req, resp, "survey_ikm.html", t("ikm.title", office=office["name"]),
                    cache="public, max-age=60", office=office, span=(found["from"], found["to"]),
                    view=ikm_view(t, found),
                    sessions=[(t(f"ikm.session.{s}"), ikm_view(t, v)) for s, v in sessions.items() if v],
                    services=[(name_of(t, s.get("names")) or s.get("name") or s["code"],
                               s.get("estimated_wait_minutes"))
                              for s in self.quietly(self.clients.queue.list_services, office_id) or []],
                    permit_types=[(name_of(t, p.get("name")), p.get("sla_working_days"), p.get("fee"))
                                  for p in types], source=found["source"])


def install(app, site):
    app.add_route("/t/{token}/survey", TicketSurveyPage(site))
    app.add_route("/permits/{tracking_code}/survey", PermitSurveyPage(site))
    app.add_route("/ikm/{office_id}", OfficeIkmPage(site))
