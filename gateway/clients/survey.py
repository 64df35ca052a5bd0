"""Typed calls to the survey service; argument names follow its RPC entrypoints."""
from gateway.clients.base import ServiceClient, loads
from services.queue.domain import token_key as ticket_key
from services.survey.domain import permit_key
from services.survey.schemas import IkmQuery, SurveyAnswer


class SurveyClient(ServiceClient):
    service = "survey"

    def health(self):
        return self._call("health")

    def questions(self):
        return self._call("questions")

    def standing(self, respondent_key):
        return self._call("standing", respondent_key)

    def ticket_standing(self, token):
        return self.standing(ticket_key(token))

    def permit_standing(self, tracking_code):
        return self.standing(permit_key(tracking_code))

    @loads(SurveyAnswer, "answer")
    def answer(self, respondent_key, answer):
        return self._call("answer", respondent_key, answer)

    def answer_for_ticket(self, token, answer):
        return self.answer(ticket_key(token), answer)

    def answer_for_permit(self, tracking_code, answer):
        return self.answer(permit_key(tracking_code), answer)

    @loads(IkmQuery, "query", kind="raw")
    def permit_decisions(self, office_id, query):
        """``query``: {from, to, service (a permit type)}."""
        return self._call("permit_decisions", office_id, query)

    @loads(IkmQuery, "query", kind="raw")
    def comments(self, office_id, query):
        """The latest comments in {from, to}: for supervisors only (the gateway's rule)."""
        return self._call("comments", office_id, query)

    @loads(IkmQuery, "query", kind="raw")
    def ikm(self, office_id, query):
        """``query``: {from, to, service, session} as a query string gives them."""
        return self._call("ikm", office_id, query)
