"""Accessibility service entrypoints: each office's facilities and their state."""
import datetime as dt
import logging
import uuid
from zoneinfo import ZoneInfo

from lokal import normalize_phone, partial_mask

from marshmallow import ValidationError
from nameko.dependency_providers import Config
from nameko.events import EventDispatcher
from nameko.rpc import rpc
from prometheus_client import Counter

from services.accessibility import domain, opendata, schemas
from services.accessibility.schemas import Facility, FacilityPatch, ProblemReport
from services.accessibility.storage import AccessibilityStore
from services.common import events
from services.common.errors import (Conflict, Forbidden, Invalid, NotFound, ServiceError,
                                    marshmallow_errors)
from services.common.mongo import Storage
from services.common.observability import Observable
from services.common.offices import FollowsOffices
from services.common.replies import dumped

EXPECTED = (ServiceError,)
REPORTS = Counter("senja_facility_reports_total", "Citizens' problem reports", ["office_id"])
SKIPPED = Counter("senja_facility_records_skipped_total",
                  "Stored facility records that could not be read and were skipped", ["office_id"])
log = logging.getLogger(__name__)


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


class AccessibilityService(Observable, FollowsOffices):
    name = "accessibility"

    store = Storage(AccessibilityStore, "senja_accessibility")
    config = Config()
    dispatch = EventDispatcher()

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.FacilityView)
    def put_facility(self, facility, actor="system", reason="configuration"):
        """Create or replace a facility (configuration files, demo data). A file
        may state when the facility was verified; without that, a new or changed
        facility counts as verified now, and an unchanged one (a reload) keeps
        its verification: reloading is not checking."""
        data = self._load(facility)
        if data["verified_at"] is None:
            previous = self.store.get_facility(data["id"])
            if previous is not None and domain.same_facility(previous, data):
                data.update(verified_at=_as_dt(previous["verified_at"]) if previous.get("verified_at") else None,
                            verified_by=previous.get("verified_by"), source=previous.get("source", data["source"]))
            else:
                data.update(verified_at=utcnow(), verified_by=actor)
        return self._save(data, actor, reason)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.FacilityView, many=True)
    def facilities_to_verify(self, office_id, staff):
        """For supervisors: facilities never verified or not for STALE_AFTER_DAYS
        (the board shows them as unknown until someone looks again)."""
        _check_office(staff, office_id)
        now = utcnow()
        return [self._view(f, now) for f in self._facilities(office_id)
                if domain.needs_verification(f, now)]

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.FacilityView)
    def add_facility(self, office_id, facility, staff):
        _check_office(staff, office_id)
        data = self._load({**facility, "office_id": office_id, "verified_at": utcnow().isoformat(),
                           "verified_by": public_actor(staff)})
        if self.store.get_facility(data["id"]) is not None:
            raise Conflict(f"A facility {data['id']} exists already", reason="exists")
        return self._save(data, f"staff:{staff['sub']}", "added", public_actor(staff))

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.FacilityView)
    def update_facility(self, facility_id, changes, staff):
        """A supervisor's change: measurements, name or status (a status change needs a reason).
        Any change by staff on site counts as a fresh verification."""
        facility = self._facility(facility_id)
        _check_office(staff, facility["office_id"])
        try:
            patch = FacilityPatch().load(changes)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages))
        reason = patch.pop("reason", "").strip()
        if "status" in patch and patch["status"] != facility["status"] and not reason:
            raise Invalid.fields([("reason", "required when the status changes")])
        # A measurement patched to null is removed; the rest must fit the kind.
        measurements = {k: v for k, v in {**facility.get("measurements", {}),
                                           **patch.pop("measurements", {})}.items() if v is not None}
        problems = domain.measurement_problems(facility["kind"], measurements)
        if problems:
            raise Invalid.fields(problems)
        updated = {**facility, **patch, "measurements": measurements, "verified_at": utcnow(),
                   "verified_by": public_actor(staff), "source": "staff on site"}
        return self._save(updated, f"staff:{staff['sub']}", reason or "measurements",
                          public_actor(staff))

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.FacilityHistoryEntry, many=True)
    def facility_history(self, facility_id):
        self._facility(facility_id)
        # Public: who acted is shown by role (staff:supervisor), never by username.
        return [{**{k: v for k, v in h.items() if k != "public_actor"}, "at": h["at"].isoformat(),
                 "actor": h.get("public_actor") or _role_only(h["actor"])}
                for h in self.store.history_of(facility_id)]

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.ReportReceipt)
    def report_problem(self, facility_id, report, idempotency_key=None):
        """A citizen's problem report; the contact (optional) is kept for staff only.
        A retry with the same Idempotency-Key returns the first report."""
        facility = self._facility(facility_id)
        try:
            data = ProblemReport().load(report)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages))
        contact = None
        if data.get("contact"):
            contact = normalize_phone(data["contact"])
            if contact is None:
                raise Invalid.fields([("contact", "not an Indonesian phone number")])
        report_id = uuid.uuid4().hex[:16]
        if idempotency_key:
            report_id = self.store.claim_idempotency_key(
                idempotency_key, facility_id, data, report_id, self.config["SENJA_SECRET"])
        entry = {"id": report_id, "facility_id": facility_id,
                 "office_id": facility["office_id"], "description": data["description"],
                 "contact": contact, "at": utcnow(), "state": "open"}
        first = self.store.add_report(entry)
        if first is entry:
            REPORTS.labels(facility["office_id"]).inc()
        return {"id": first["id"], "facility_id": facility_id, "state": first["state"],
                "at": _as_dt(first["at"]).isoformat()}

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.ReportView, many=True)
    def list_reports(self, office_id, staff):
        _check_office(staff, office_id)
        zone = self._zone(office_id)
        return [_staff_report(r, zone) for r in self.store.reports_of(office_id)]

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.RevealedContact)
    def reveal_report_contact(self, report_id, staff):
        """The contact in full, for staff of the office who must call back; the reveal
        is written into the report's history first (who, when)."""
        report = self._report(report_id, staff)
        if not domain.can_reveal(report):
            raise Conflict("This report has no contact number", reason="no_contact")
        entry = domain.report_entry("contact_revealed", f"staff:{staff['sub']}", utcnow().isoformat())
        if self.store.update_report(report, {}, entry) is None:
            raise Conflict("The report changed meanwhile; reload and try again", reason="stale")
        log.info("report %s: contact revealed to staff %s", report_id, staff["sub"])
        return {"id": report_id, "contact": report["contact"], "revealed_at": entry["at"],
                "revealed_by": entry["actor"]}

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.ReportView)
    def close_report(self, report_id, answer, staff):
        """Staff close a report with an answer the citizen reads by its number."""
        report = self._report(report_id, staff)
        try:
            answer = schemas.ReportAnswer().load({"answer": answer})["answer"]
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages))
        try:
            problems = domain.check_close(report, answer)
        except ValueError as err:
            raise Conflict(str(err), reason="closed")
        if problems:
            raise Invalid.fields(problems)
        now = utcnow().isoformat()
        entry = domain.report_entry("closed", f"staff:{staff['sub']}", now)
        closed = self.store.update_report(report, {"state": "closed", "answer": answer.strip(),
                                                   "answered_at": now}, entry)
        if closed is None:
            raise Conflict("The report changed meanwhile; reload and try again", reason="stale")
        return _staff_report(closed, self._zone(closed["office_id"]))

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.PublicReport)
    def public_report(self, report_id):
        """What anyone with the report's number sees: its state and the office's answer."""
        report = self.store.get_report(report_id) if isinstance(report_id, str) else None
        if report is None:
            raise NotFound("No report with this number")
        facility = self.store.get_facility(report["facility_id"]) or {}
        shown = _staff_report(report, self._zone(report["office_id"]))  # times in the office's zone
        return {**domain.public_report(shown), "office_id": report["office_id"],
                "facility_name": facility.get("name")}

    def _zone(self, office_id):
        """The office's own time zone for the times staff and citizens read (UTC if unknown)."""
        office = self.store.office_copy(office_id)
        return ZoneInfo(office["timezone"]) if office and office.get("timezone") else dt.timezone.utc

    def _report(self, report_id, staff):
        report = self.store.get_report(report_id) if isinstance(report_id, str) else None
        if report is None:
            raise NotFound("No report with this number")
        _check_office(staff, report["office_id"])
        return report

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.SearchResult, many=True)
    def search(self, needs):
        """Offices whose facilities meet every need (summary value "yes")."""
        unknown = [n for n in needs if n not in domain.NEEDS]
        if unknown:
            raise Invalid.fields([("needs", f"unknown need(s) {', '.join(unknown)}; "
                                            f"one of {', '.join(domain.NEEDS)}")])
        now = utcnow()
        out = []
        for office in self.store.office_copies():
            summary = domain.summary(self._facilities(office["office_id"]), now)
            if domain.meets(summary, needs):
                out.append({"office_id": office["office_id"], "name": office["name"],
                            "summary": summary})
        return out

    @rpc
    @dumped(schemas.ExportOffice, many=True)
    def export(self):
        """Open data: every office with its location, summary and facilities."""
        now = utcnow()
        return [{"office_id": o["office_id"], "name": o["name"], "latitude": o.get("latitude"),
                 "longitude": o.get("longitude"),
                 "summary": domain.summary(facilities := self._facilities(o["office_id"]), now),
                 "facilities": [self._view(f, now) for f in facilities]}
                for o in self.store.office_copies()]

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.ExportDocument)
    def export_document(self, fmt):
        """The open-data export as a document: {media_type, filename, text}."""
        if fmt not in opendata.FORMATS:
            raise Invalid.fields([("format", f"one of {', '.join(opendata.FORMATS)}")])
        media_type, filename, text = opendata.render(fmt, self.export())
        return {"media_type": media_type, "filename": filename, "text": text}

    def _load(self, facility):
        try:
            data = Facility().load(facility)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages), "Invalid facility")
        if self.store.office_copy(data["office_id"]) is None:
            raise Invalid.fields([("office_id", "unknown office")], "Unknown office")
        return data

    def _facilities(self, office_id):
        """The office's facility records that read well. A bad record (edited by
        hand, written by an older version) is logged and skipped, never a 500."""
        out = []
        for record in self.store.list_facilities(office_id):
            problems = _record_problems(record)
            if problems:
                SKIPPED.labels(office_id).inc()
                log.warning("facility record %s of %s skipped: %s", record.get("id"), office_id,
                            ", ".join(f"{f}: {m}" for f, m in problems))
                continue
            out.append({**record, "verified_at": _as_dt(record["verified_at"]) if record.get("verified_at") else None})
        return out

    def _facility(self, facility_id):
        found = self.store.get_facility(facility_id) if isinstance(facility_id, str) else None
        if found is None:
            raise NotFound(f"Unknown facility {facility_id}")
        return found

    def _save(self, data, actor, reason, public=None):
        """``actor`` is kept for the audit; ``public`` (a role) is what the public history shows."""
        now = utcnow()
        previous = self.store.put_facility(data)
        before = previous.get("status") if previous else None
        if before != data["status"]:
            self.store.record({"facility_id": data["id"], "office_id": data["office_id"],
                               "at": now, "actor": actor, "from": before,
                               "to": data["status"], "reason": reason,
                               "public_actor": public or actor})
            events.publish(self.dispatch, "facility_status_changed", {
                "at": now, "actor": actor, "request_id": self.request_id,
                "facility_id": data["id"], "office_id": data["office_id"], "kind": data["kind"],
                "name": data["name"]["id"], "status": data["status"],
                "previous_status": before, "reason": reason})
        return self._view(data, now)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.OfficeAccessibilityView)
    def office_accessibility(self, office_id):
        if self.store.office_copy(office_id) is None:
            raise NotFound(f"Unknown office {office_id}")
        now = utcnow()
        facilities = self._facilities(office_id)
        return {"office_id": office_id,
                "facilities": [self._view(f, now) for f in facilities],
                "summary": domain.summary(facilities, now)}

    def _view(self, facility, now):
        return {**facility,
                "verified_at": _as_dt(facility["verified_at"]).isoformat() if facility.get("verified_at") else None,
                "effective_status": domain.effective_status(facility, now),
                "standard_issues": [{"field": f, "message": m} for f, m in
                                    domain.standard_issues(facility["kind"], facility.get("measurements", {}))]}


def public_actor(staff):
    return f"staff:{staff['role']}"


def _role_only(actor):
    """History written before roles were recorded: hide the username."""
    return "staff" if actor.startswith("staff:") else actor


def _check_office(staff, office_id):
    if office_id not in (staff or {}).get("offices", []):
        raise Forbidden("Your account is not for this office")


def _staff_report(report, zone=dt.timezone.utc):
    """A report as staff see it: the contact masked, the history with who did what,
    times in ``zone``."""
    def local(value):
        return _as_dt(value).astimezone(zone).isoformat(timespec="seconds") if value else value
    return {**report, "at": local(report["at"]), "answered_at": local(report.get("answered_at")),
            "contact": mask_phone(report["contact"]) if report.get("contact") else None,
            "history": [{**h, "at": local(h["at"])} for h in report.get("history") or []]}


def mask_phone(phone):
    return partial_mask("PHONE", phone)


def _as_dt(value):
    """Dates written with $set come back as text from nx-27017."""
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    return value


def _record_problems(record):
    """[(field, reason)] that make a stored facility record unreadable."""
    verified = record.get("verified_at")
    try:
        verified = _as_dt(verified).isoformat() if verified else None
    except (TypeError, ValueError, AttributeError):
        return [("verified_at", "not a date")]
    data = {k: record[k] for k in ("id", "office_id", "kind", "name", "status", "measurements",
                                   "source", "verified_by") if k in record}
    try:
        Facility().load({**data, "verified_at": verified})
    except ValidationError as err:
        return marshmallow_errors(err.messages)
    return []
