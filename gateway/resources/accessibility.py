class OfficeAccessibility:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, office_id):
        resp.media = self.rpc.call("accessibility", "office_accessibility", office_id)
