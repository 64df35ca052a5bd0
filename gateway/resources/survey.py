"""The satisfaction survey (SKM, PermenPANRB 14/2017): its questions, a served
citizen's one answer per ticket or permit, and each office's published IKM."""
import falcon

from gateway.clients.errors import Conflict
from gateway.clients.survey import SurveyClient
from gateway.contract import APPLICANT_SECRET, operation
from gateway.resources.tickets import _check_token
from services.survey.schemas import IkmView, QuestionsView, SurveyReceipt
from services.survey.service import ANSWERABLE_PERMIT_STATUSES


def answer_ticket(clients, token, answer):
    """The one path of a ticket's answer, for the API and the survey page."""
    _check_token(token)
    if clients.queue.ticket_status(token)["status"] != "done":  # 404 for an unknown token
        raise Conflict("The survey opens once the service is done", reason="not_served")
    return clients.survey.answer_for_ticket(token, answer)


def answer_permit(clients, tracking_code, secret, answer):
    """The one path of a permit's answer: the applicant's secret, an issued permit."""
    permit = clients.permits.applicant_status(tracking_code, secret or "")
    if permit["status"] not in ANSWERABLE_PERMIT_STATUSES:
        raise Conflict("The survey opens once the permit is issued", reason="not_served")
    return clients.survey.answer_for_permit(tracking_code, answer)


class Questions:
    def __init__(self, clients):
        self.survey = clients.survey

    @operation("The survey's nine questions and their four answers (id, en)", {200: QuestionsView},
               tags=["survey"])
    def on_get(self, req, resp):
        resp.set_header("Cache-Control", "public, max-age=3600")
        resp.media = self.survey.questions()


class TicketSurvey:
    """The holder of a done ticket answers once; its token is the proof."""

    def __init__(self, clients):
        self.clients = clients

    @operation("Answer the survey for a served ticket", {201: SurveyReceipt}, body=SurveyClient.answer,
               conflicts=True, tags=["survey"],
               description="409 `reason`: not_served (the ticket is not done), answered (once per ticket).")
    def on_post(self, req, resp, token):
        _check_token(token)
        answer = req.get_media()
        resp.media = answer_ticket(self.clients, token, answer)
        resp.status = falcon.HTTP_201


class PermitSurvey:
    """The applicant of an issued or handed-over permit answers once (X-Applicant-Secret)."""

    def __init__(self, clients):
        self.clients = clients

    @operation("Answer the survey for an issued permit (the applicant)", {201: SurveyReceipt},
               body=SurveyClient.answer, conflicts=True, parameters=[APPLICANT_SECRET], refusals=(403,),
               tags=["survey"],
               description="409 `reason`: not_served (not issued yet), answered (once per permit).")
    def on_post(self, req, resp, tracking_code):
        answer = req.get_media()
        resp.media = answer_permit(self.clients, tracking_code, req.get_header("X-Applicant-Secret"), answer)
        resp.status = falcon.HTTP_201


class OfficeIkm:
    """Public, as the regulation asks the index to be published."""

    def __init__(self, clients):
        self.queue = clients.queue
        self.survey = clients.survey

    @operation("The office's satisfaction index (IKM) over a span", {200: IkmView},
               query=SurveyClient.ikm, tags=["survey"],
               description="NRR per element U1..U9, IKM 25-100 and its quality A-D by PermenPANRB "
                           "14/2017; `sample_sufficient` false when fewer answered than Krejcie & "
                           "Morgan's sample for those served in the span.")
    def on_get(self, req, resp, office_id):
        query = {k: req.get_param(k) for k in ("from", "to", "service", "session")
                 if req.get_param(k) is not None}
        self.queue.get_office(office_id)  # 404 for an office that does not exist
        resp.media = self.survey.ikm(office_id, query)
