"""A service's local copy of the office directory, kept current by
``office_updated`` events from the queue service (which owns offices)."""
from nameko.events import event_handler

from services.common import events
from services.common.observability import EVENTS_HANDLED


class OfficeDirectoryStore:
    """Mixin for a service's storage class: an ``offices`` collection of copies."""

    def put_office_copy(self, office):
        self.db.offices.replace_one({"_id": office["office_id"]},
                                    {"_id": office["office_id"], **office}, upsert=True)

    def office_copy(self, office_id):
        return self.db.offices.find_one({"_id": office_id}, {"_id": 0})


class FollowsOffices:
    """Mixin for service classes whose ``store`` includes OfficeDirectoryStore."""

    @event_handler("queue", "office_updated")
    def on_office_updated(self, payload):
        office = events.load("office_updated", payload)
        office.pop("request_id", None)
        self.store.put_office_copy(office)
        self.office_changed(office)
        EVENTS_HANDLED.labels(self.name, "office_updated").inc()

    def office_changed(self, office):
        """Hook for what depends on an office's copy (permit due dates follow its calendar)."""
