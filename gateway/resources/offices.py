from gateway.auth import staff
from gateway.errors import invalid
from gateway.rpc import ServiceUnavailable


class Offices:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp):
        offices = self.rpc.call("queue", "list_offices")
        # Open now first, then those that serve in the evening: the people Senja is for.
        offices.sort(key=lambda o: (not o["open_now"], not o["evening_service"], o["id"]))
        resp.media = offices


class Office:
    access = {"PUT": staff("admin", office="office_id")}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_put(self, req, resp, office_id):
        """Replace an office's configuration: sessions, services, counters, quotas, holidays."""
        config = req.get_media()
        if not isinstance(config, dict):
            raise invalid([("body", "must be a JSON object")])
        if config.get("id", office_id) != office_id:
            raise invalid([("id", "must match the office in the path")])
        resp.media = self.rpc.call("queue", "put_office", {**config, "id": office_id},
                                   actor=f"staff:{req.context.staff['sub']}")

    def on_get(self, req, resp, office_id):
        office = self.rpc.call("queue", "get_office", office_id)
        try:
            office["accessibility"] = self.rpc.call("accessibility", "office_accessibility",
                                                    office_id)["summary"]
        except ServiceUnavailable:
            office["accessibility"] = None  # the office page still works without it
        resp.media = office
