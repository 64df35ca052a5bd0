"""Accessibility service entrypoints: each office's facilities and their state."""
import datetime as dt

from marshmallow import ValidationError
from nameko.events import EventDispatcher
from nameko.rpc import rpc

from services.accessibility import domain
from services.accessibility.schemas import Facility
from services.accessibility.storage import AccessibilityStore
from services.common import events
from services.common.errors import Invalid, NotFound, ServiceError, marshmallow_errors
from services.common.mongo import Storage
from services.common.observability import Observable
from services.common.offices import FollowsOffices

EXPECTED = (ServiceError,)


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


class AccessibilityService(Observable, FollowsOffices):
    name = "accessibility"

    store = Storage(AccessibilityStore, "senja_accessibility")
    dispatch = EventDispatcher()

    @rpc(expected_exceptions=EXPECTED)
    def put_facility(self, facility, actor="system", reason="configuration"):
        try:
            data = Facility().load(facility)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages), "Invalid facility")
        if self.store.office_copy(data["office_id"]) is None:
            raise Invalid.fields([("office_id", "unknown office")], "Unknown office")
        now = utcnow()
        previous = self.store.put_facility(data)
        before = previous.get("status") if previous else None
        if before != data["status"]:
            self.store.record({"facility_id": data["id"], "office_id": data["office_id"],
                               "at": now, "actor": actor, "from": before,
                               "to": data["status"], "reason": reason})
            events.publish(self.dispatch, "facility_status_changed", {
                "at": now, "actor": actor, "request_id": self.request_id,
                "facility_id": data["id"], "office_id": data["office_id"], "kind": data["kind"],
                "name": data["name"]["id"], "status": data["status"],
                "previous_status": before, "reason": reason})
        return self._view(data, now)

    @rpc(expected_exceptions=EXPECTED)
    def office_accessibility(self, office_id):
        if self.store.office_copy(office_id) is None:
            raise NotFound(f"Unknown office {office_id}")
        now = utcnow()
        facilities = self.store.list_facilities(office_id)
        return {"office_id": office_id,
                "facilities": [self._view(f, now) for f in facilities],
                "summary": domain.summary(facilities, now)}

    def _view(self, facility, now):
        return {**facility,
                "verified_at": facility["verified_at"].isoformat() if facility.get("verified_at") else None,
                "effective_status": domain.effective_status(facility, now),
                "standard_issues": [{"field": f, "message": m} for f, m in
                                    domain.standard_issues(facility["kind"], facility.get("measurements", {}))]}
