"""Typed calls to the permits service; argument names follow its RPC entrypoints."""
from gateway.clients.base import ServiceClient


class PermitsClient(ServiceClient):
    service = "permits"

    def put_permit_type(self, permit_type):
        return self._call("put_permit_type", permit_type)

    def list_permit_types(self):
        return self._call("list_permit_types")

    def get_permit_type(self, code):
        return self._call("get_permit_type", code)

    def apply(self, application, idempotency_key=None):
        return self._call("apply", application, idempotency_key=idempotency_key)

    def public_status(self, tracking_code):
        return self._call("public_status", tracking_code)

    def transition(self, tracking_code, action, note="", staff=None, applicant_secret=None):
        return self._call("transition", tracking_code, action, note=note, staff=staff, applicant_secret=applicant_secret)

    def upload_document(self, tracking_code, document, content_b64, applicant_secret):
        return self._call("upload_document", tracking_code, document, content_b64, applicant_secret)

    def certificate(self, tracking_code, base_url, staff=None, applicant_secret=None):
        return self._call("certificate", tracking_code, base_url, staff=staff, applicant_secret=applicant_secret)

    def document(self, tracking_code, document, staff):
        return self._call("document", tracking_code, document, staff)

    def rotate_applicant_secret(self, tracking_code, applicant_secret):
        return self._call("rotate_applicant_secret", tracking_code, applicant_secret)

    def work_list(self, office_id, status=None, overdue=None):
        return self._call("work_list", office_id, status=status, overdue=overdue)

    def verify(self, permit_number, code):
        return self._call("verify", permit_number, code)

    def due_date(self, permit_type, office_id, submitted_at):
        return self._call("due_date", permit_type, office_id, submitted_at)

    def office_calendar(self, office_id, start, end):
        return self._call("office_calendar", office_id, start, end)
