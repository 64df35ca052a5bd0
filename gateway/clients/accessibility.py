"""Typed calls to the accessibility service; argument names follow its RPC entrypoints."""
from gateway.clients.base import ServiceClient


class AccessibilityClient(ServiceClient):
    service = "accessibility"

    def put_facility(self, facility, actor="system", reason="configuration"):
        return self._call("put_facility", facility, actor=actor, reason=reason)

    def add_facility(self, office_id, facility, staff):
        return self._call("add_facility", office_id, facility, staff)

    def update_facility(self, facility_id, changes, staff):
        return self._call("update_facility", facility_id, changes, staff)

    def facility_history(self, facility_id):
        return self._call("facility_history", facility_id)

    def report_problem(self, facility_id, report, idempotency_key=None):
        return self._call("report_problem", facility_id, report, idempotency_key=idempotency_key)

    def list_reports(self, office_id, staff):
        return self._call("list_reports", office_id, staff)

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
