"""Permits service entrypoints (G2B business permits); rules in domain.py."""
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets

from marshmallow import ValidationError
from nameko.dependency_providers import Config
from nameko.events import EventDispatcher
from nameko.rpc import rpc
from prometheus_client import Counter

from services.common import calendar, events
from services.common.errors import (Conflict, Forbidden, Invalid, NotFound, ServiceError,
                                    marshmallow_errors)
from services.common.mongo import Storage
from services.common.observability import Observable
from services.common.offices import FollowsOffices
from services.common.replies import dumped
from services.permits import certificate, domain
from services.permits import schemas
from services.permits.schemas import (Application, CalendarQuery, DueDateQuery, PermitType,
                                      Transition)
from services.permits.storage import PermitStore

EXPECTED = (ServiceError,)
SLA_BREACHES = Counter("senja_permit_sla_breaches_total",
                       "Permits decided or still open after their due date", ["office_id"])


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


class PermitsService(Observable, FollowsOffices):
    name = "permits"

    store = Storage(PermitStore, "senja_permits")
    dispatch = EventDispatcher()
    config = Config()

    # permit types ------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.PermitTypeView)
    def put_permit_type(self, permit_type):
        try:
            data = PermitType().load(permit_type)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages), "Invalid permit type")
        self.store.put_type(data)
        return data

    @rpc
    @dumped(schemas.PermitTypeView, many=True)
    def list_permit_types(self):
        return self.store.list_types()

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.PermitTypeView)
    def get_permit_type(self, code):
        found = self.store.get_type(code)
        if found is None:
            raise NotFound(f"Unknown permit type {code}")
        return found

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.DueDateView)
    def due_date(self, permit_type, office_id, submitted_at):
        """The due date by the published service standard if received at ``submitted_at``."""
        try:
            query = DueDateQuery().load({"office_id": office_id, "submitted_at": submitted_at})
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages))
        found = self.get_permit_type(permit_type)
        office = self._office(query["office_id"])
        received = calendar.local_date(office, query["submitted_at"])
        due = self._due(office, received, found["sla_working_days"], 0)
        return {"permit_type": found["code"], "office_id": office["office_id"],
                "received_on": received.isoformat(), "sla_working_days": found["sla_working_days"],
                "due_date": due.isoformat(),
                "missing_years": calendar.missing_years(office, range(received.year, due.year + 1))}

    # the office calendar ------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.OfficeCalendarView)
    def office_calendar(self, office_id, start, end):
        """Every day from ``start`` to ``end`` the office is closed, and the years
        whose cuti bersama is not known."""
        try:
            query = CalendarQuery().load({"from": start, "to": end})
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages))
        office = self._office(office_id)
        return {"office_id": office["office_id"], "from": query["start"].isoformat(),
                "to": query["end"].isoformat(),
                "days": calendar.closed_days(office, query["start"], query["end"]),
                "missing_years": calendar.missing_years(
                    office, range(query["start"].year, query["end"].year + 1))}

    def office_changed(self, office):
        """A calendar change (a closure added, a decree amended) moves the due
        dates of the office's open applications."""
        for permit in self.store.work_list(office["office_id"], domain.OPEN_FOR_SLA):
            due = self._due(office, dt.date.fromisoformat(permit["submitted_date"]),
                            permit["sla_working_days"], permit["paused_days"]).isoformat()
            if due != permit["due_date"]:
                # A permit that moved meanwhile keeps its date until the next change.
                self.store.transition(permit["_id"], permit["version"], {"due_date": due})

    # applications ------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.AppliedReply)
    def apply(self, application, idempotency_key=None):
        try:
            data = Application().load(application)
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages))
        office = self.store.office_copy(data["office_id"])
        if office is None:
            raise Invalid.fields([("office_id", "unknown office")], "Unknown office")
        permit_type = self.store.get_type(data["permit_type"])
        if permit_type is None:
            raise Invalid.fields([("permit_type", "unknown permit type")], "Unknown permit type")
        now = utcnow()
        today = calendar.local_date(office, now)
        phone, problems = domain.check_phone(data["applicant"]["phone"])
        problems += domain.check_nik(data["applicant"]["nik"], today)
        problems += domain.check_answers(permit_type, data["answers"])
        if problems:
            raise Invalid.fields(problems)

        secret = self.config["SENJA_SECRET"]
        code = domain.tracking_code(permit_type["code"], today)
        if idempotency_key:
            code = self.store.claim_idempotency_key(idempotency_key, code, data, secret)
            existing = self.store.get(code)
            if existing is not None:
                return {**self._public(existing, office), "replayed": True,
                        "applicant_secret": self._applicant_secret(existing)}
        nik = data["applicant"]["nik"]
        permit = {
            "_id": code, "office_id": office["office_id"], "permit_type": permit_type["code"],
            "status": "submitted", "version": 1, "submitted_at": now,
            "submitted_date": today.isoformat(), "paused_days": 0, "paused_since": "",
            "due_date": self._due(office, today, permit_type["sla_working_days"], 0).isoformat(),
            "sla_working_days": permit_type["sla_working_days"],
            # PDP: the NIK is kept only as a keyed hash (to match) and masked (to show).
            "applicant": {"nik_hash": domain.keyed_hash(secret, "nik", nik),
                          "nik_masked": domain.mask_nik(nik), "name": data["applicant"]["name"],
                          "phone": phone},
            "business": domain.business_with_kbli(data["business"], data["answers"]),
            "answers": data["answers"],
            "permit_number": "", "documents": {},
        }
        while not self.store.insert(permit):  # a tracking code drawn twice: draw again
            if idempotency_key:
                raise Conflict("Try again", reason="retry")
            permit["_id"] = code = domain.tracking_code(permit_type["code"], today)
        self._record(permit, "submit", None, "submitted", "applicant", "", now)
        events.publish(self.dispatch, "permit_submitted", self._event(permit, "applicant", now))
        return {**self._public(permit, office), "replayed": False,
                "applicant_secret": self._applicant_secret(permit)}

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.PermitStatus)
    def public_status(self, tracking_code, staff=None):
        """Anyone's view; with ``staff`` (token claims of the permit's office) also the
        staff view: answers, documents, full history, the actions allowed, and once issued
        the verification code staff read to a citizen on the phone."""
        permit = self._permit(tracking_code)
        office = self.store.office_copy(permit["office_id"])
        view = self._public(permit, office)
        if staff is not None:
            if permit["office_id"] not in staff.get("offices", []):
                raise Forbidden("Your account is not for this office")
            view["staff_view"] = self._staff_detail(permit, office, staff)
        return view

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.PermitStatus)
    def applicant_status(self, tracking_code, applicant_secret):
        """The public status, once ``applicant_secret`` proves the applicant (the survey asks)."""
        permit = self._permit(tracking_code)
        if not self._is_applicant(permit, applicant_secret):
            raise Forbidden("Only the applicant (with the applicant secret) may do this")
        return self._public(permit, self.store.office_copy(permit["office_id"]))

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.PermitStatus)
    def transition(self, tracking_code, action, note="", staff=None, applicant_secret=None):
        """``staff``: the caller's token claims; else ``applicant_secret`` proves the applicant."""
        try:
            req = Transition().load({"action": action, "note": note})
        except ValidationError as err:
            raise Invalid.fields(marshmallow_errors(err.messages))
        permit = self._permit(tracking_code)
        office = self.store.office_copy(permit["office_id"])
        if staff is not None:
            if permit["office_id"] not in staff.get("offices", []):
                raise Forbidden("Your account is not for this office")
            kind, role, actor = "staff", staff.get("role"), f"staff:{staff.get('sub')}"
        else:
            if not self._is_applicant(permit, applicant_secret):
                raise Forbidden("Only the applicant (with the applicant secret) or staff may do this")
            kind, role, actor = "applicant", None, "applicant"
        permit_type = self.store.get_type(permit["permit_type"]) or {}
        try:
            target = domain.check_transition(permit["status"], req["action"], kind, role, req["note"])
            domain.check_duties(req["action"], actor, permit.get("approved_by", ""),
                                domain.missing_documents(permit_type, permit.get("documents", {})))
        except domain.RuleBroken as broken:
            raise Invalid.fields(broken.problems)
        except PermissionError as err:
            raise Forbidden(str(err))
        except ValueError as err:
            raise Conflict(str(err), reason="illegal_transition", current_status=permit["status"])

        now = utcnow()
        today = calendar.local_date(office, now)
        changes = {"status": target}
        if req["action"] == "approve":
            changes["approved_by"] = actor
        if req["action"] == "sign":  # named on the certificate
            changes["signed_by"], changes["signed_role"] = staff.get("sub", ""), role
        if target == "returned_for_revision":
            changes["paused_since"] = today.isoformat()
        if req["action"] == "resubmit" and permit["paused_since"]:
            paused = domain.working_days_between(dt.date.fromisoformat(permit["paused_since"]), today,
                                                 lambda d: not calendar.is_working_day(office, d))
            changes["paused_days"] = permit["paused_days"] + paused
            changes["paused_since"] = ""
            changes["due_date"] = self._due(office, dt.date.fromisoformat(permit["submitted_date"]),
                                            permit["sla_working_days"], changes["paused_days"]).isoformat()
        if target == "issued":
            year = today.year
            serial = self.store.next_number_serial(permit["office_id"], permit["permit_type"], year)
            changes["permit_number"] = domain.permit_number(permit["office_id"], permit["permit_type"],
                                                            year, serial)
            changes["issued_date"] = today.isoformat()
        if target in ("issued", "rejected") and today > dt.date.fromisoformat(permit["due_date"]):
            SLA_BREACHES.labels(permit["office_id"]).inc()
        moved = self.store.transition(tracking_code, permit["version"], changes)
        if moved is None:
            raise Conflict("The permit changed meanwhile; reload and try again", reason="stale")
        self._record(moved, req["action"], permit["status"], target, actor, req["note"], now)
        events.publish(self.dispatch, "permit_status_changed", self._event(moved, actor, now))
        view = self._public(moved, office)
        if staff is not None:
            view["staff_view"] = self._staff_detail(moved, office, staff)
        return view

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.DocumentReceipt)
    def upload_document(self, tracking_code, document, content_b64, applicant_secret):
        """The applicant uploads a required document (PDF/JPEG/PNG, checked by content)."""
        permit = self._permit(tracking_code)
        if not self._is_applicant(permit, applicant_secret):
            raise Forbidden("Only the applicant (with the applicant secret) may upload documents")
        if permit["status"] not in domain.UPLOAD_STATUSES:
            raise Conflict(f"Documents cannot be added to a permit that is {permit['status']}",
                           reason="illegal_transition", current_status=permit["status"])
        try:
            content = base64.b64decode(content_b64, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise Invalid.fields([("file", "not valid base64")])
        fmt, problems = domain.check_document(self.store.get_type(permit["permit_type"]) or {},
                                              document, content)
        problems = problems or domain.check_upload_quota(
            permit.get("uploads", 0), permit.get("documents", {}), document, len(content))
        if problems:
            raise Invalid.fields(problems)
        digest = hashlib.sha256(content).hexdigest()
        now = utcnow()
        file_id = self.store.save_file(content, filename=f"{tracking_code}-{document}.{fmt}",
                                       tracking_code=tracking_code, sha256=digest)
        entry = {"file_id": file_id, "format": fmt, "bytes": len(content), "sha256": digest,
                 "uploaded_at": now.isoformat()}
        moved = self.store.transition(tracking_code, permit["version"],
                                      {f"documents.{document}": entry,
                                       "uploads": permit.get("uploads", 0) + 1})
        if moved is None:
            self.store.delete_file(file_id)  # nothing half-written
            raise Conflict("The permit changed meanwhile; try again", reason="stale")
        replaced = permit.get("documents", {}).get(document)
        if replaced:  # the new file is in place: the one it replaces goes
            self.store.delete_file(replaced["file_id"])
        self._record(moved, f"upload:{document}", permit["status"], permit["status"], "applicant", "", now)
        return {"document": document, "format": fmt, "bytes": len(content), "sha256": digest,
                "missing": domain.missing_documents(self.store.get_type(permit["permit_type"]) or {},
                                                    moved.get("documents", {}))}

    @rpc(expected_exceptions=EXPECTED)
    def certificate(self, tracking_code, base_url, staff=None, applicant_secret=None):
        """The printable PDF (base64) of an issued permit, for its holder or staff."""
        permit = self._permit(tracking_code)
        if staff is not None:
            if permit["office_id"] not in staff.get("offices", []):
                raise Forbidden("Your account is not for this office")
        elif not self._is_applicant(permit, applicant_secret):
            raise Forbidden("Only the applicant (with the applicant secret) or staff may do this")
        if permit["status"] not in domain.VALID_PERMIT:
            raise Conflict("Only an issued permit has a certificate", reason="not_issued",
                           current_status=permit["status"])
        number = permit["permit_number"]
        code = domain.verification_code(self.config["SENJA_SECRET"], number)
        url = f"{base_url.rstrip('/')}/verify?number={number}&code={code}"
        signer = ({"username": permit["signed_by"], "role": permit.get("signed_role")}
                  if permit.get("signed_by") else None)
        pdf = certificate.render(permit, self.store.get_type(permit["permit_type"]),
                                 self.store.office_copy(permit["office_id"]), url, code, signer)
        return base64.b64encode(pdf).decode()

    @rpc(expected_exceptions=EXPECTED)
    def document(self, tracking_code, document, staff):
        """An uploaded document, for staff of the permit's office (reviewing it is their job):
        {document, format (checked by content at upload), sha256, content (base64)}."""
        permit = self._permit(tracking_code)
        if permit["office_id"] not in (staff or {}).get("offices", []):
            raise Forbidden("Your account is not for this office")
        entry = permit.get("documents", {}).get(document) if isinstance(document, str) else None
        if entry is None:
            raise NotFound("This application has no such document")
        return {"document": document, "format": entry["format"], "sha256": entry["sha256"],
                "content": base64.b64encode(self.store.read_file(entry["file_id"])).decode()}

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.ApplicantSecretView)
    def rotate_applicant_secret(self, tracking_code, applicant_secret):
        """The applicant replaces their secret (seen by someone else, say): the old one
        stops working at once."""
        permit = self._permit(tracking_code)
        if not self._is_applicant(permit, applicant_secret):
            raise Forbidden("Only the applicant (with the applicant secret) may do this")
        moved = self.store.transition(tracking_code, permit["version"],
                                      {"secret_salt": secrets.token_hex(16)})
        if moved is None:
            raise Conflict("The permit changed meanwhile; try again", reason="stale")
        self._record(moved, "rotate_secret", permit["status"], permit["status"], "applicant", "",
                     utcnow())
        return {"tracking_code": tracking_code, "applicant_secret": self._applicant_secret(moved)}

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.PermitStaffView, many=True)
    def work_list(self, office_id, status=None, overdue=None):
        office = self.store.office_copy(office_id)
        if office is None:
            raise NotFound(f"Unknown office {office_id}")
        today = calendar.local_date(office, utcnow())
        out = []
        statuses = domain.ACTIVE if status == "active" else [status] if status else None
        for permit in self.store.work_list(office_id, statuses):
            view = self._staff_view(permit, office, today)
            if overdue is not None and (view["sla_state"] == "overdue") != overdue:
                continue
            out.append(view)
        return sorted(out, key=domain.work_order)

    @rpc(expected_exceptions=EXPECTED)
    @dumped(schemas.Verification)
    def verify(self, permit_number, code):
        """Is this issued permit genuine and valid? The number is read as people type it
        (any case, stray spaces); ``reason`` tells a typing slip (malformed, not_found)
        from a code that does not belong to the permit (code_mismatch)."""
        permit_number = domain.normalize_permit_number(permit_number)
        permit = self.store.by_number(permit_number) \
            if domain.PERMIT_NUMBER_FORM.fullmatch(permit_number) else None
        matches = permit is not None and any(domain.verify(secret, permit_number, code)
                                             for secret in self._secrets())
        reason = domain.verification_outcome(permit_number, permit is not None, matches)
        if reason != "genuine":
            return {"permit_number": permit_number, "genuine": False, "valid": False, "reason": reason}
        return {"permit_number": permit_number, "genuine": True, "reason": reason,
                "valid": permit["status"] in domain.VALID_PERMIT, "status": permit["status"],
                "permit_type": permit["permit_type"], "office_id": permit["office_id"],
                "holder": domain.mask_name(permit["applicant"]["name"]),
                "business": permit["business"]["name"], "issued_date": permit.get("issued_date")}

    # helpers -------------------------------------------------------------------
    def _permit(self, tracking_code):
        permit = self.store.get(tracking_code) if isinstance(tracking_code, str) else None
        if permit is None:
            raise NotFound("No permit application with this tracking code")
        return permit

    def _office(self, office_id):
        office = self.store.office_copy(office_id) if isinstance(office_id, str) else None
        if office is None:
            raise NotFound(f"Unknown office {office_id}")
        return office

    def _secrets(self):
        """The current SENJA_SECRET, then those before a rotation (verification only)."""
        return [self.config["SENJA_SECRET"], *self.config.get("SENJA_PREVIOUS_SECRETS", [])]

    def _applicant_secret(self, permit, key=None):
        # Derived, never stored in clear: an idempotent retry can hand it back. The salt
        # changes when the applicant rotates the secret (none until then).
        salt = permit.get("secret_salt", "")
        value = f"{permit['_id']}|{salt}" if salt else permit["_id"]
        return domain.keyed_hash(key or self.config["SENJA_SECRET"], "applicant-secret", value)[:32]

    def _is_applicant(self, permit, presented):
        # A secret handed out before a SENJA_SECRET rotation keeps working.
        presented = (presented or "").encode()
        return any(hmac.compare_digest(presented, self._applicant_secret(permit, key).encode())
                   for key in self._secrets())

    def _due(self, office, start, sla_days, paused_days):
        return domain.add_working_days(start, sla_days + paused_days,
                                       lambda d: not calendar.is_working_day(office, d))

    def _sla(self, permit, office, today):
        return domain.sla_state(permit["status"], dt.date.fromisoformat(permit["due_date"]), today,
                                is_closed=lambda d: not calendar.is_working_day(office, d))

    def _public(self, permit, office):
        """What anyone with the tracking code sees: no personal data beyond a masked name."""
        zone = calendar.tz(office)
        today = calendar.local_date(office, utcnow())
        out = {
            "tracking_code": permit["_id"], "office_id": permit["office_id"],
            "permit_type": permit["permit_type"], "status": permit["status"],
            "submitted_at": _as_dt(permit["submitted_at"]).astimezone(zone).isoformat(timespec="seconds"),
            "due_date": permit["due_date"], "sla_paused": permit["status"] == "returned_for_revision",
            "sla_state": self._sla(permit, office, today),
            "applicant_name": domain.mask_name(permit["applicant"]["name"]),
            "permit_number": permit.get("permit_number") or None,
            "history": [{"at": _as_dt(h["at"]).astimezone(zone).isoformat(timespec="seconds"),
                         "action": h["action"], "status": h["to"],
                         "note": h["note"] if h["to"] in ("returned_for_revision", "rejected", "revoked") else ""}
                        for h in self.store.history_of(permit["_id"])],
            "status_url": f"/api/v1/permits/{permit['_id']}",
            "documents": sorted(permit.get("documents", {})),
            "missing_documents": domain.missing_documents(
                self.store.get_type(permit["permit_type"]) or {}, permit.get("documents", {})),
        }
        if out["permit_number"] and out["status"] in domain.VALID_PERMIT:
            out["verify_url"] = (f"/verify?number={out['permit_number']}&code="
                                 f"{domain.verification_code(self.config['SENJA_SECRET'], out['permit_number'])}")
        return out

    def _staff_view(self, permit, office, today=None):
        today = today or calendar.local_date(office, utcnow())
        return {"tracking_code": permit["_id"], "permit_type": permit["permit_type"],
                "status": permit["status"], "submitted_date": permit["submitted_date"],
                "due_date": permit["due_date"], "sla_state": self._sla(permit, office, today),
                "applicant": {"name": permit["applicant"]["name"],
                              "nik": permit["applicant"]["nik_masked"],
                              "phone": domain.mask_phone(permit["applicant"]["phone"])},
                "business": permit["business"], "answers": permit["answers"],
                "permit_number": permit.get("permit_number") or None, "version": permit["version"],
                "working_days_left": domain.working_days_left(
                    permit["status"], dt.date.fromisoformat(permit["due_date"]), today,
                    lambda d: not calendar.is_working_day(office, d)),
                "documents": {code: {k: v for k, v in d.items() if k != "file_id"}
                              for code, d in permit.get("documents", {}).items()}}

    def _staff_detail(self, permit, office, staff):
        """The staff view of one application, with what only staff see."""
        view = self._staff_view(permit, office)
        zone = calendar.tz(office)
        view["history"] = [{"at": _as_dt(h["at"]).astimezone(zone).isoformat(timespec="seconds"),
                            "action": h["action"], "status": h["to"], "note": h["note"],
                            "actor": h["actor"]} for h in self.store.history_of(permit["_id"])]
        view["actions"] = [{"action": a, "status": to, "note_required": note}
                           for a, to, note in domain.allowed_actions(
                               permit["status"], staff.get("role"), f"staff:{staff.get('sub')}",
                               permit.get("approved_by"))]
        view["approved_by"] = permit.get("approved_by") or None
        view["missing_documents"] = domain.missing_documents(
            self.store.get_type(permit["permit_type"]) or {}, permit.get("documents", {}))
        if permit.get("permit_number") and permit["status"] in domain.VALID_PERMIT:
            view["verification_code"] = domain.verification_code(self.config["SENJA_SECRET"],
                                                                 permit["permit_number"])
        return view

    def _record(self, permit, action, before, after, actor, note, now):
        self.store.record({"tracking_code": permit["_id"], "office_id": permit["office_id"],
                           "action": action, "from": before, "to": after, "actor": actor,
                           "note": note, "at": now})

    def _event(self, permit, actor, now):
        return {"at": now, "actor": actor, "request_id": self.request_id,
                "tracking_code": permit["_id"], "office_id": permit["office_id"],
                "permit_type": permit["permit_type"], "status": permit["status"],
                "due_date": dt.date.fromisoformat(permit["due_date"])}


def _as_dt(value):
    """Dates written with $set come back as text from nx-27017; inserts keep BSON dates."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.timezone.utc)
    return value
