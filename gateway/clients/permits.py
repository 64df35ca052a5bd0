"""Typed calls to the permits service; argument names follow its RPC entrypoints."""
from gateway.clients import errors
from gateway.clients.base import ServiceClient, loads
from services.permits.schemas import (Application, CalendarQuery, DueDateQuery, PermitType, Transition,
                                      VerifyQuery, WorkListQuery)


class PermitsClient(ServiceClient):
    service = "permits"

    def health(self):
        return self._call("health")

    @loads(PermitType, "permit_type", kind="raw")
    def put_permit_type(self, permit_type):
        return self._call("put_permit_type", permit_type)

    def list_permit_types(self):
        return self._call("list_permit_types")

    def get_permit_type(self, code):
        return self._call("get_permit_type", code)

    @loads(Application, "application")
    def apply(self, application, idempotency_key=None):
        return self._call("apply", application, idempotency_key=idempotency_key)

    def public_status(self, tracking_code, staff=None):
        """``staff``: token claims; the service adds the staff view for their office."""
        if staff is None:
            return self._call("public_status", tracking_code)
        return self._call("public_status", tracking_code, staff=staff)

    def applicant_status(self, tracking_code, applicant_secret):
        return self._call("applicant_status", tracking_code, applicant_secret)

    @loads(Transition, "request")
    def move(self, tracking_code, request, staff=None, applicant_secret=None):
        """``request``: {action, note?}; ``staff`` are the caller's token claims."""
        return self._call("transition", tracking_code, request["action"], note=request["note"],
                          staff=staff, applicant_secret=applicant_secret)

    def transition(self, tracking_code, action, note="", staff=None, applicant_secret=None):
        return self.move(tracking_code, {"action": action, "note": note}, staff, applicant_secret)

    def upload_document(self, tracking_code, document, content_b64, applicant_secret):
        return self._call("upload_document", tracking_code, document, content_b64, applicant_secret)

    def certificate(self, tracking_code, base_url, staff=None, applicant_secret=None):
        return self._call("certificate", tracking_code, base_url, staff=staff, applicant_secret=applicant_secret)

    def document(self, tracking_code, document, staff):
        return self._call("document", tracking_code, document, staff)

    def rotate_applicant_secret(self, tracking_code, applicant_secret):
        return self._call("rotate_applicant_secret", tracking_code, applicant_secret)

    @loads(WorkListQuery, "query")
    def find_work(self, query, staff=None):
        """The staff work list; with ``staff`` (token claims) only for their own offices."""
        if staff is not None and query["office_id"] not in staff.get("offices", []):
            raise errors.Forbidden("Your account is not for this office")
        return self._call("work_list", query["office_id"], status=query["status"],
                          overdue=query["overdue"])

    def work_list(self, office_id, status=None, overdue=None):
        return self.find_work(_given(office_id=office_id, status=status, overdue=overdue))

    @loads(VerifyQuery, "code", kind="field")
    def verify(self, permit_number, code):
        return self._call("verify", permit_number, code)

    @loads(DueDateQuery, "query", kind="raw")
    def due(self, permit_type, query):
        """``query``: {office_id, submitted_at} as a query string gives them."""
        return self._call("due_date", permit_type, query["office_id"], query["submitted_at"])

    def due_date(self, permit_type, office_id, submitted_at):
        return self.due(permit_type, _given(office_id=office_id, submitted_at=submitted_at))

    @loads(CalendarQuery, "query", kind="raw")
    def calendar(self, office_id, query):
        """``query``: {from, to} (YYYY-MM-DD, at most 400 days)."""
        return self._call("office_calendar", office_id, query["from"], query["to"])

    def office_calendar(self, office_id, start, end):
        return self.calendar(office_id, _given(**{"from": start, "to": end}))


def _given(**values):
    return {k: v for k, v in values.items() if v is not None}
