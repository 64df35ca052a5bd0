import falcon

from gateway.auth import staff
from gateway.errors import invalid
from gateway.resources.tickets import idempotency_key
from gateway.validation import load
from services.accessibility.schemas import Facility, FacilityPatch, ProblemReport


class OfficeAccessibility:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, office_id):
        resp.media = self.rpc.call("accessibility", "office_accessibility", office_id)


class OfficeFacilities:
    access = {"POST": staff("supervisor", office="office_id")}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp, office_id):
        body = req.get_media()
        if not isinstance(body, dict):
            raise invalid([("body", "must be a JSON object")])
        load(Facility(), {**body, "office_id": office_id})  # 422 before any RPC
        resp.status = falcon.HTTP_201
        resp.media = self.rpc.call("accessibility", "add_facility", office_id,
                                   {k: v for k, v in body.items() if k != "office_id"},
                                   req.context.staff)


class FacilityResource:
    """PATCH by a supervisor of the facility's office (the service checks the office)."""

    access = {"PATCH": staff("supervisor")}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_patch(self, req, resp, facility_id):
        body = req.get_media()
        load(FacilityPatch(), body)  # 422 before any RPC
        resp.media = self.rpc.call("accessibility", "update_facility", facility_id, body,
                                   req.context.staff)


class FacilityHistory:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, facility_id):
        resp.media = self.rpc.call("accessibility", "facility_history", facility_id)


class FacilityReports:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp, facility_id):
        report = load(ProblemReport(), req.get_media())
        resp.status = falcon.HTTP_201
        resp.media = self.rpc.call("accessibility", "report_problem", facility_id, report,
                                   idempotency_key=idempotency_key(req))


class OfficeReports:
    access = {"GET": staff("supervisor", office="office_id")}

    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, office_id):
        resp.media = self.rpc.call("accessibility", "list_reports", office_id, req.context.staff)


class Search:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp):
        needs = [n for n in (req.get_param("needs") or "").split(",") if n]
        open_now = req.get_param_as_bool("open_now", default=False)
        found = self.rpc.call("accessibility", "search", needs)
        if open_now:
            open_ids = {o["id"] for o in self.rpc.call("queue", "list_offices") if o["open_now"]}
            found = [o for o in found if o["office_id"] in open_ids]
        resp.media = found


class Export:
    """Open data: GeoJSON (OSM-style keys), CSV or A11yJSON, rendered by the service."""

    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp):
        doc = self.rpc.call("accessibility", "export_document", req.get_param("format") or "geojson")
        resp.set_header("Access-Control-Allow-Origin", "*")  # open data
        resp.content_type = doc["media_type"]
        if doc["media_type"].startswith("text/csv"):
            resp.downloadable_as = doc["filename"]
        resp.text = doc["text"]
