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
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, office_id):
        office = self.rpc.call("queue", "get_office", office_id)
        try:
            office["accessibility"] = self.rpc.call("accessibility", "office_accessibility",
                                                    office_id)["summary"]
        except ServiceUnavailable:
            office["accessibility"] = None  # the office page still works without it
        resp.media = office
