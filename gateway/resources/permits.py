class PermitTypes:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp):
        resp.media = self.rpc.call("permits", "list_permit_types")


class PermitType:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, code):
        resp.media = self.rpc.call("permits", "get_permit_type", code)
