"""Accessibility: each office's facilities, changes by supervisors, citizens'
reports, search by needs, and the open-data export (GeoJSON, CSV, A11yJSON)."""
import falcon
from marshmallow import Schema, fields

from gateway.auth import staff
from gateway.clients.accessibility import AccessibilityClient
from gateway.contract import CSV, GEOJSON, IDEMPOTENCY_KEY, Many, operation
from gateway.resources.permits import LOOKUPS
from gateway.resources.tickets import idempotency_key
from gateway.validation import load
from services.accessibility.opendata import CSV_COLUMNS
from services.accessibility.schemas import (ExportQuery, FacilityHistoryEntry, FacilityView,
                                            OfficeAccessibilityView, PublicReport, ReportReceipt, ReportView,
                                            RevealedContact, SearchQuery, SearchResult)


class OfficeAccessibility:
    def __init__(self, clients):
        self.accessibility = clients.accessibility

    @operation("The office's facilities and summary", {200: OfficeAccessibilityView},
               tags=["accessibility"])
    def on_get(self, req, resp, office_id):
        resp.media = self.accessibility.office_accessibility(office_id)


class OfficeFacilities:
    access = {"POST": staff("supervisor", office="office_id")}

    def __init__(self, clients):
        self.accessibility = clients.accessibility

    @operation("Add a facility", {201: FacilityView}, body=AccessibilityClient.add_facility,
               conflicts=True, tags=["accessibility"])
    def on_post(self, req, resp, office_id):
        resp.status = falcon.HTTP_201
        resp.media = self.accessibility.add_facility(office_id, req.get_media(), req.context.staff)


class FacilityResource:
    """PATCH by a supervisor of the facility's office (the service checks the office)."""

    access = {"PATCH": staff("supervisor")}

    def __init__(self, clients):
        self.accessibility = clients.accessibility

    @operation("Change a facility's measurements, name or status (reason required for status)",
               {200: FacilityView}, body=AccessibilityClient.update_facility, tags=["accessibility"])
    def on_patch(self, req, resp, facility_id):
        resp.media = self.accessibility.update_facility(facility_id, req.get_media(), req.context.staff)


class FacilityHistory:
    def __init__(self, clients):
        self.accessibility = clients.accessibility

    @operation("A facility's status history", {200: Many(FacilityHistoryEntry)}, tags=["accessibility"])
    def on_get(self, req, resp, facility_id):
        resp.media = self.accessibility.facility_history(facility_id)


class FacilityReports:
    def __init__(self, clients):
        self.accessibility = clients.accessibility

    @operation("A citizen's problem report", {201: ReportReceipt},
               body=AccessibilityClient.report_problem, parameters=[IDEMPOTENCY_KEY],
               tags=["accessibility"])
    def on_post(self, req, resp, facility_id):
        resp.status = falcon.HTTP_201
        resp.media = self.accessibility.report_problem(facility_id, req.get_media(),
                                                       idempotency_key=idempotency_key(req))


class OfficeReports:
    access = {"GET": staff("supervisor", office="office_id")}

    def __init__(self, clients):
        self.accessibility = clients.accessibility

    @operation("Citizens' problem reports for the office", {200: Many(ReportView)},
               tags=["accessibility"])
    def on_get(self, req, resp, office_id):
        resp.media = self.accessibility.list_reports(office_id, req.context.staff)


class ReportContact:
    """A supervisor who must call the citizen back reveals the number; the service writes
    the reveal (who, when) into the report's history before answering."""

    access = {"POST": staff("supervisor")}

    def __init__(self, clients):
        self.accessibility = clients.accessibility

    @operation("Reveal a report's contact number in full (recorded in its history)",
               {200: RevealedContact}, conflicts=True, tags=["accessibility"])
    def on_post(self, req, resp, report_id):
        resp.set_header("Cache-Control", "no-store")
        resp.media = self.accessibility.reveal_report_contact(report_id, req.context.staff)


class ReportClosing:
    access = {"POST": staff("supervisor")}

    def __init__(self, clients):
        self.accessibility = clients.accessibility

    @operation("Close a report with an answer the citizen can read", {200: ReportView},
               body=AccessibilityClient.close_report, conflicts=True, tags=["accessibility"])
    def on_post(self, req, resp, report_id):
        resp.media = self.accessibility.close_report(report_id, req.get_media(), req.context.staff)


class PublicReportResource:
    """Anyone with the report's number: its state and the office's answer, never the contact."""

    rate_limit = {"GET": LOOKUPS}

    def __init__(self, clients):
        self.accessibility = clients.accessibility

    @operation("A problem report by its number: state and answer", {200: PublicReport},
               tags=["accessibility"])
    def on_get(self, req, resp, report_id):
        resp.set_header("Cache-Control", "private, no-cache")
        resp.media = self.accessibility.public_report(report_id)


class Search:
    def __init__(self, clients):
        self.accessibility = clients.accessibility
        self.queue = clients.queue

    @operation("Offices that meet the needs", {200: Many(SearchResult)}, query=SearchQuery,
               tags=["accessibility"])
    def on_get(self, req, resp):
        query = load(SearchQuery(), dict(req.params), where="query")
        found = self.accessibility.search([n for n in query["needs"].split(",") if n])
        if query["open_now"]:
            open_ids = {o["id"] for o in self.queue.list_offices() if o["open_now"]}
            found = [o for o in found if o["office_id"] in open_ids]
        resp.media = found


class Feature(Schema):
    type = fields.Constant("Feature", required=True)
    geometry = fields.Dict(allow_none=True, metadata={"description": "GeoJSON Point [longitude, latitude]"})
    properties = fields.Dict(required=True,
                             metadata={"description": "OSM-style tags (geojson) or an A11yJSON PlaceInfo (a11yjson)"})


class FeatureCollection(Schema):
    type = fields.Constant("FeatureCollection", required=True)
    features = fields.List(fields.Nested(Feature), required=True)


class Export:
    """Open data: GeoJSON (OSM-style tags), CSV or A11yJSON, rendered by the service
    (services/accessibility/opendata.py)."""

    def __init__(self, clients):
        self.accessibility = clients.accessibility

    @operation("Open data export", {200: {GEOJSON: FeatureCollection,
                                          CSV: {"type": "string",
                                                "description": "Columns: " + ", ".join(CSV_COLUMNS)}}},
               query=ExportQuery, tags=["accessibility"])
    def on_get(self, req, resp):
        fmt = load(ExportQuery(), dict(req.params), where="query")["format"]
        doc = self.accessibility.export_document(fmt)
        resp.set_header("Access-Control-Allow-Origin", "*")  # open data
        resp.content_type = doc["media_type"]
        if doc["media_type"].startswith(CSV):
            resp.downloadable_as = doc["filename"]
        resp.text = doc["text"]
