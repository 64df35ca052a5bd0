"""Offices: the list (open ones first), one office, and its configuration."""
from marshmallow import fields

from gateway.auth import staff
from gateway.clients.errors import Invalid, Unavailable
from gateway.clients.queue import QueueClient
from gateway.contract import Many, operation
from services.accessibility.schemas import Summary
from services.queue.schemas import OfficeView


class OfficeDetail(OfficeView):
    accessibility = fields.Nested(Summary, required=True, allow_none=True,
                                  metadata={"description": "null when the accessibility service is down"})


class Offices:
    def __init__(self, clients):
        self.queue = clients.queue

    @operation("Offices, open ones first", {200: Many(OfficeView)}, tags=["offices"])
    def on_get(self, req, resp):
        offices = self.queue.list_offices()
        # Open now first, then those that serve in the evening: the people Senja is for.
        offices.sort(key=lambda o: (not o["open_now"], not o["evening_service"], o["id"]))
        resp.media = offices


class Office:
    access = {"PUT": staff("admin", office="office_id")}

    def __init__(self, clients):
        self.queue = clients.queue
        self.accessibility = clients.accessibility

    @operation("Replace an office's configuration: sessions, services, counters, quotas, holidays",
               {200: OfficeView}, body=QueueClient.put_office, conflicts=True, tags=["offices"])
    def on_put(self, req, resp, office_id):
        config = req.get_media()
        if isinstance(config, dict) and config.get("id", office_id) != office_id:
            raise Invalid.fields([("id", "must match the office in the path")])
        if isinstance(config, dict):
            config = {**config, "id": office_id}
        resp.media = self.queue.put_office(config, actor=f"staff:{req.context.staff['sub']}")

    @operation("One office with today's sessions and an accessibility summary", {200: OfficeDetail},
               tags=["offices"])
    def on_get(self, req, resp, office_id):
        office = self.queue.get_office(office_id)
        try:
            office["accessibility"] = self.accessibility.office_accessibility(office_id)["summary"]
        except Unavailable:
            office["accessibility"] = None  # the office page still works without it
        resp.media = office
