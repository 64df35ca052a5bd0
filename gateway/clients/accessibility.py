"""Typed calls to the accessibility service; argument names follow its RPC entrypoints."""
from gateway.clients.base import ServiceClient, loads
from gateway.clients.errors import Invalid
from gateway.validation import load
from services.accessibility.schemas import Facility, FacilityPatch, ProblemReport, ReportAnswer


class AccessibilityClient(ServiceClient):
    service = "accessibility"

    def health(self):
        return self._call("health")

    @loads(Facility, "facility", kind="raw")
    def put_facility(self, facility, actor="system", reason="configuration"):
        return self._call("put_facility", facility, actor=actor, reason=reason)

    def add_facility(self, office_id, facility, staff):
        """``facility`` without ``office_id``: the office is the one named in the call."""
        if not isinstance(facility, dict):
            raise Invalid.fields([("body", "must be a JSON object")])
        facility = {k: v for k, v in facility.items() if k != "office_id"}
        load(Facility(), {**facility, "office_id": office_id})
        return self._call("add_facility", office_id, facility, staff)

    add_facility.request_schema = Facility

    @loads(FacilityPatch, "changes", kind="raw")
    def update_facility(self, facility_id, changes, staff):
        return self._call("update_facility", facility_id, changes, staff)

    def facility_history(self, facility_id):
        return self._call("facility_history", facility_id)

    @loads(ProblemReport, "report")
    def report_problem(self, facility_id, report, idempotency_key=None):
        return self._call("report_problem", facility_id, report, idempotency_key=idempotency_key)

    def list_reports(self, office_id, staff):
        return self._call("list_reports", office_id, staff)

    def reveal_report_contact(self, report_id, staff):
        """The contact in full; the service records the reveal in the report's history."""
        return self._call("reveal_report_contact", report_id, staff)

    @loads(ReportAnswer, "request")
    def close_report(self, report_id, request, staff):
        """``request``: {answer}, the text the citizen reads by the report's number."""
        return self._call("close_report", report_id, request["answer"], staff)

    def public_report(self, report_id):
        return self._call("public_report", report_id)

    def search(self, needs):
        return self._call("search", needs)

    def export(self):
        return self._call("export")

    def office_accessibility(self, office_id):
        return self._call("office_accessibility", office_id)

    def facilities_to_verify(self, office_id, staff):
        return self._call("facilities_to_verify", office_id, staff)

    def export_document(self, fmt):
        return self._call("export_document", fmt)
